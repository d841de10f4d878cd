//! Command-line interface (clap derive). The doc comments are the help.

use crate::item::Day;
use crate::output::ColorWhen;
use crate::search::MatchMode;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit status: 0 when something was found (or the command succeeded), 1 when a search found
nothing, 2 on an error (including input items that could not be indexed).

The index lives in --index DIR, else in $ARCHIVAR_INDEX, else in
$XDG_DATA_HOME/archivar/index (~/.local/share/archivar/index).";

/// Full-text search for archives of German broadcast transcripts.
#[derive(Debug, Parser)]
#[command(name = "archivar", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Index folder [default: $XDG_DATA_HOME/archivar/index]
    #[arg(
        long,
        short = 'i',
        global = true,
        env = "ARCHIVAR_INDEX",
        value_name = "DIR"
    )]
    pub index: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index files and folders (.txt items, .jsonl/.jsonl.gz JSON Lines)
    Index(IndexArgs),
    /// Search the index: ranked hits with highlighted snippets
    Search(SearchArgs),
    /// Print one whole item by its id
    Show(ShowArgs),
    /// How often a query matches over time: a histogram by day, week, month or year
    Trend(TrendArgs),
    /// Items, date range, programmes, speakers and size of the index
    Stats(StatsArgs),
    /// Measure ranking quality on judged queries (MRR@10, nDCG@10, Recall@10/100)
    Eval(EvalArgs),
    /// Serve the index over HTTP: a search page and a JSON API (read-only)
    Serve(ServeArgs),
}

/// `archivar serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one. Any address but a
    /// loopback one needs --token-file or --no-auth
    #[arg(long, default_value = crate::serve::DEFAULT_BIND, value_name = "ADDR")]
    pub bind: std::net::SocketAddr,
    /// File holding the access token (one line, at least 16 characters):
    /// clients send `Authorization: Bearer TOKEN` or log in on the page
    #[arg(long, value_name = "FILE", conflicts_with = "no_auth")]
    pub token_file: Option<PathBuf>,
    /// Serve without a token also on a non-loopback address
    #[arg(long)]
    pub no_auth: bool,
    /// Folder whose files items may name as their media (repeat for several)
    #[arg(long, value_name = "DIR")]
    pub media_root: Vec<PathBuf>,
}

/// `archivar eval`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Queries, one `qid<TAB>query` a line
    #[arg(long, value_name = "FILE")]
    pub queries: PathBuf,
    /// Judgments in TREC format, `qid 0 docid rel`
    #[arg(long, value_name = "FILE")]
    pub qrels: PathBuf,
    /// Also write the TREC run (`qid Q0 docid rank score tag`, top 100) here
    #[arg(long, value_name = "FILE")]
    pub run: Option<PathBuf>,
    /// How many of a query's words must match: all, any, or a share such as 60%
    #[arg(long = "match", default_value = crate::search::DEFAULT_MATCH, value_name = "HOW")]
    pub mode: MatchMode,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// `archivar index`
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Files or folders to index (folders recursively)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Delete the index first and build it anew (needed after a schema change)
    #[arg(long)]
    pub rebuild: bool,
    /// Read every file, also those unchanged since they were indexed
    #[arg(long)]
    pub force: bool,
    /// Also remove the items of files below PATH that are no longer there
    #[arg(long)]
    pub prune: bool,
    /// Memory budget of the index writer in MB
    #[arg(long, default_value_t = crate::index::writer::DEFAULT_MEMORY_MB, value_name = "MB")]
    pub memory: usize,
    /// Commit after the file in which this many items have come since the last commit,
    /// so that a run that is killed keeps what it did (the next run reads only the rest)
    #[arg(long, default_value_t = crate::index::writer::DEFAULT_COMMIT_EVERY, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub commit_every: u64,
    /// If another archivar process is writing the index, wait until it ends
    #[arg(long)]
    pub wait: bool,
    /// Print no summary and no warnings, only errors
    #[arg(long, short)]
    pub quiet: bool,
    /// Broadcast date of items that have none (in their content, file name or sidecar)
    #[arg(long, value_parser = parse_day, value_name = "DATE")]
    pub date: Option<Day>,
    /// Programme of items that have none
    #[arg(long, value_name = "NAME")]
    pub program: Option<String>,
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortBy {
    /// Best match first
    Relevance,
    /// Newest first
    Date,
}

/// `archivar search`
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query: words, "phrases", -exclusions, OR, (groups), title:/speaker:/program:/heading:/text: fields.
    /// A query starting with "-" goes after "--": archivar search -- -Trump Zölle
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// What to search: dates, programmes, speakers, how many words match
    #[command(flatten)]
    pub filters: Filters,
    /// Order of hits
    #[arg(long, value_enum, default_value_t = SortBy::Relevance)]
    pub sort: SortBy,
    /// Hits to show
    #[arg(long, short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub limit: u32,
    /// Hits to skip (for paging)
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
    /// Also count the hits per programme and per speaker
    #[arg(long)]
    pub facets: bool,
    /// Show every airing of a repeated item, not one hit with its repeats
    #[arg(long)]
    pub no_collapse: bool,
    /// Snippets per hit (0 to 10)
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub snippets: u32,
    /// Print JSON Lines (schema/hit.v1.schema.json) instead of text
    #[arg(long)]
    pub json: bool,
    /// When to colour the output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// What to search, shared by `search` and `trend`.
#[derive(Debug, Args)]
pub struct Filters {
    /// Only items broadcast on or after this day (YYYY-MM-DD or DD.MM.YYYY)
    #[arg(long, value_parser = parse_day, value_name = "DAY")]
    pub from: Option<Day>,
    /// Only items broadcast on or before this day (YYYY-MM-DD or DD.MM.YYYY)
    #[arg(long, value_parser = parse_day, value_name = "DAY")]
    pub to: Option<Day>,
    /// Only this programme (repeat for several; case and umlaut spelling ignored)
    #[arg(long = "program", value_name = "NAME")]
    pub programs: Vec<String>,
    /// Only items with this speaker (repeat for several; "Baerbock" matches "Annalena Baerbock")
    #[arg(long = "speaker", value_name = "NAME")]
    pub speakers: Vec<String>,
    /// How many of the words must match: all, any, or a share such as 60%
    #[arg(long = "match", default_value = crate::search::DEFAULT_MATCH, value_name = "HOW")]
    pub mode: MatchMode,
}

/// Width of a trend's periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// Calendar days
    Day,
    /// ISO weeks, Monday to Sunday
    Week,
    /// Calendar months
    Month,
    /// Calendar years
    Year,
}

/// `archivar trend`
#[derive(Debug, Args)]
pub struct TrendArgs {
    /// The query, as for search
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// Period of each bar
    #[arg(long, value_enum, default_value_t = By::Month)]
    pub by: By,
    /// What to search: dates, programmes, speakers, how many words match
    #[command(flatten)]
    pub filters: Filters,
    /// Print JSON (schema/trend.v1.schema.json) instead of text
    #[arg(long)]
    pub json: bool,
    /// When to colour the output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// `archivar show`
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The item's id, as in search results
    #[arg(value_name = "ID")]
    pub id: String,
    /// Print only the passage said at this moment of a subtitle or transcript (MM:SS, HH:MM:SS or seconds), with its neighbours
    #[arg(long, value_parser = crate::item::parse_clock, value_name = "TIME")]
    pub at: Option<u64>,
    /// With --at: how many passages to show on either side
    #[arg(long, default_value_t = 1, value_name = "N", requires = "at")]
    pub context: usize,
    /// Print the item as JSON (schema/item.v1.schema.json)
    #[arg(long)]
    pub json: bool,
    /// When to colour the output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// `archivar stats`
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print JSON (schema/stats.v1.schema.json) instead of text
    #[arg(long)]
    pub json: bool,
    /// When to colour the output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

fn parse_day(s: &str) -> Result<Day, String> {
    Day::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_ok() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dates_in_both_forms() {
        let cli = Cli::try_parse_from([
            "archivar",
            "search",
            "x",
            "--from",
            "14.02.2025",
            "--to",
            "2025-02-28",
        ])
        .unwrap();
        let Command::Search(s) = cli.command else {
            panic!()
        };
        assert_eq!(s.filters.from.unwrap().to_string(), "2025-02-14");
        assert!(Cli::try_parse_from(["archivar", "search", "x", "--from", "2025-02-30"]).is_err());
    }
}
