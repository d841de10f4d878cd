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

/// `archivar --version`: the program's version and the index schema it
/// reads and writes (an index of another schema needs `index --rebuild`).
/// A test checks it against the embedded schema.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (index schema v5, schema/index.v5.toml)"
);

/// Full-text search for archives of German broadcast transcripts.
#[derive(Debug, Parser)]
#[command(name = "archivar", version = VERSION, about, after_help = AFTER_HELP)]
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
    /// Index files and folders: text, JSON Lines, SRT, WebVTT and EBU-TT-D items
    ///
    /// Input formats, by file name:
    ///   .txt                   one item (Deutschlandfunk format or an interview transcript)
    ///   .jsonl, .ndjson        JSON Lines, one item a line (schema/item.v1.schema.json)
    ///   .jsonl.gz, .ndjson.gz  JSON Lines, gzip-compressed
    ///   .srt                   SRT (SubRip) subtitles, one item a file
    ///   .vtt                   WebVTT subtitles, one item a file
    ///   .xml, .ttml, .dfxp     EBU-TT-D (TTML) subtitles, one item a file
    ///                          (an .xml file in a folder is read only if it is TTML)
    /// Other files in a folder are skipped and counted in the summary.
    #[command(verbatim_doc_comment)]
    Index(IndexArgs),
    /// Search the index: ranked hits with highlighted snippets
    Search(SearchArgs),
    /// Print one whole item by its id
    Show(ShowArgs),
    /// How often a query matches over time: a histogram by day, week, month or year
    Trend(TrendArgs),
    /// Keyword in context: every occurrence of the query with its neighbouring words
    Kwic(KwicArgs),
    /// Items, date range, programmes, speakers and size of the index
    Stats(StatsArgs),
    /// Measure ranking quality on judged queries (MRR@10, nDCG@10, Recall@10/100)
    Eval(EvalArgs),
    /// Serve the index over HTTP: a search page and a JSON API (read-only)
    Serve(ServeArgs),
    /// Write items for another engine: OpenSearch bulk lines or its index template
    ///
    ///   archivar export --format opensearch-bulk data/ > items.ndjson
    ///   archivar export --format opensearch-template > template.json
    ///
    /// Then: curl -XPUT URL/INDEX -H 'Content-Type: application/json' -d @template.json
    ///       curl -XPOST URL/INDEX/_bulk -H 'Content-Type: application/x-ndjson' --data-binary @items.ndjson
    /// Text fields hold archivar's analysed terms, so search such an index with archivar's plans.
    #[command(verbatim_doc_comment)]
    Export(ExportArgs),
    /// Print shell completions: archivar completions bash > ~/.local/share/bash-completion/completions/archivar
    Completions(CompletionsArgs),
    /// Print the man page (roff): archivar man | man -l -
    Man(ManArgs),
}

/// What `archivar export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// `_bulk` lines: an action with the item's id, then its document
    OpensearchBulk,
    /// The index's settings and mappings, from the schema
    OpensearchTemplate,
}

/// `archivar export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to write
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: ExportFormat,
    /// Files or folders to read (folders recursively), as `index` reads them
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Primary shards of the template's index
    #[arg(long, default_value_t = 3, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub shards: u32,
    /// Copies of each shard in the template's index
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=16))]
    pub replicas: u32,
    /// Print no summary and no warnings, only errors
    #[arg(long, short)]
    pub quiet: bool,
    /// Broadcast date of items that have none
    #[arg(long, value_parser = parse_day, value_name = "DATE")]
    pub date: Option<Day>,
    /// Programme of items that have none
    #[arg(long, value_name = "NAME")]
    pub program: Option<String>,
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
    /// Searches run at once; more wait in the queue
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_searches: u16,
    /// Searches that may wait for a free slot; past it a search is
    /// answered 503 with Retry-After at once
    #[arg(long, value_name = "N", default_value_t = 64,
          value_parser = clap::value_parser!(u16).range(0..=10_000))]
    pub queue: u16,
    /// The longest a request may take, waiting included, before it is
    /// answered 503: 10s, 500ms, 2m (at most 10m)
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Serve an index on an OpenSearch cluster instead of the local one: URL/INDEX,
    /// e.g. http://127.0.0.1:9200/archivar (`opensearch/cluster start` starts one)
    #[arg(long, env = "ARCHIVAR_OPENSEARCH", value_name = "URL/INDEX")]
    pub opensearch: Option<String>,
}

/// A duration as `--timeout` takes it: a number with `ms`, `s` or `m`
/// (a bare number is seconds), from 1 ms to 10 minutes.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    use std::time::Duration;
    let t = s.trim();
    let (number, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is no duration; write e.g. 10s, 500ms or 2m"))?;
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" | "min" => Duration::from_secs(n.saturating_mul(60)),
        _ => {
            return Err(format!(
                "{s:?} has no unit ms, s or m; write e.g. 10s, 500ms or 2m"
            ));
        }
    };
    if d < Duration::from_millis(1) || d > Duration::from_secs(600) {
        return Err(format!("{s:?} is outside 1ms to 10m"));
    }
    Ok(d)
}

/// `archivar completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `archivar man`
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The page of one subcommand (archivar-search(1)) instead of archivar(1)
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
    /// Write archivar.1 and one page per subcommand into this folder instead
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<PathBuf>,
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
    /// Evaluate an index on an OpenSearch cluster instead of the local one: URL/INDEX,
    /// e.g. http://127.0.0.1:9200/archivar (`opensearch/cluster start` starts one)
    #[arg(long, env = "ARCHIVAR_OPENSEARCH", value_name = "URL/INDEX")]
    pub opensearch: Option<String>,
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
    /// Merge the whole index into one segment at the end (Elasticsearch's force merge): at
    /// 1M items searches took 1.6x less time at the median, for one more pass over the index
    /// (BENCHMARKS.md, "Query latency at 1M"); best after a bulk build of an archive that
    /// is searched more than it changes
    #[arg(long)]
    pub optimize: bool,
    /// Memory budget of the index writer in MB, 16 to 4000
    #[arg(long, default_value_t = crate::index::writer::DEFAULT_MEMORY_MB as u64, value_name = "MB",
          value_parser = clap::value_parser!(u64).range(16..=4000))]
    pub memory: u64,
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
    /// Build an index on an OpenSearch cluster instead of the local one: URL/INDEX,
    /// e.g. http://127.0.0.1:9200/archivar (`opensearch/cluster start` starts one)
    #[arg(long, env = "ARCHIVAR_OPENSEARCH", value_name = "URL/INDEX")]
    pub opensearch: Option<String>,
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
    /// Count every matching item; without it, counting stops at 10000 ("10000+ hits"),
    /// which lets the best hits be found without reading every match
    #[arg(long)]
    pub exact_total: bool,
    /// Search an index on an OpenSearch cluster instead of the local one: URL/INDEX,
    /// e.g. http://127.0.0.1:9200/archivar (`opensearch/cluster start` starts one)
    #[arg(long, env = "ARCHIVAR_OPENSEARCH", value_name = "URL/INDEX")]
    pub opensearch: Option<String>,
    /// For each hit, say why: the query's words found in which form (word, stem, compound
    /// part, phrase, phonetic name variant; forms that only rank), their weights, the
    /// passage score and the document score
    #[arg(long)]
    pub explain: bool,
    /// Snippets per hit (0 to 10)
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub snippets: u32,
    /// Print JSON Lines (schema/hit.v1.schema.json) instead of text
    #[arg(long)]
    pub json: bool,
    /// CSV and other formats
    #[command(flatten)]
    pub output: FormatArgs,
    /// When to colour the output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people, in the terminal
    Text,
    /// JSON (as --json)
    Json,
    /// CSV, RFC 4180, UTF-8 (as --csv; columns in schema/csv.md)
    Csv,
}

/// How to print: `--csv`, `--format`, `--csv-bom` (beside each command's `--json`).
#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Print CSV (RFC 4180, UTF-8; columns in schema/csv.md) instead of text
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// Output format (--json and --csv are short for json and csv)
    #[arg(long, value_enum, value_name = "FORMAT", conflicts_with_all = ["json", "csv"])]
    pub format: Option<Format>,
    /// With CSV, start with a byte-order mark (for spreadsheets that need one to read UTF-8)
    #[arg(long)]
    pub csv_bom: bool,
}

impl FormatArgs {
    /// The format asked for, `--json` given as `json`.
    pub fn format(&self, json: bool) -> Format {
        match (self.format, json, self.csv) {
            (Some(f), _, _) => f,
            (None, true, _) => Format::Json,
            (None, _, true) => Format::Csv,
            _ => Format::Text,
        }
    }
}

/// What to search, shared by `search` and `trend`.
#[derive(Debug, Clone, Args)]
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
    /// The query, as for search; several queries are counted side by side, one column
    /// each over the same periods (quote a query of several words: "Zölle Stahl")
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// Period of each bar
    #[arg(long, value_enum, default_value_t = By::Month)]
    pub by: By,
    /// Also show matching items per N items of each period that pass the filters
    /// (--per 1000: per mille), since an archive is uneven over time
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub per: Option<u32>,
    /// What to search: dates, programmes, speakers, how many words match
    #[command(flatten)]
    pub filters: Filters,
    /// Print JSON instead of text (schema/trend.v1.schema.json; with several queries or
    /// --per, schema/trend.v2.schema.json)
    #[arg(long)]
    pub json: bool,
    /// Count in an index on an OpenSearch cluster instead of the local one: URL/INDEX,
    /// e.g. http://127.0.0.1:9200/archivar (`opensearch/cluster start` starts one)
    #[arg(long, env = "ARCHIVAR_OPENSEARCH", value_name = "URL/INDEX")]
    pub opensearch: Option<String>,
    /// CSV and other formats
    #[command(flatten)]
    pub output: FormatArgs,
    /// When to colour the output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// Order of a concordance's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KwicSort {
    /// By the words left of the match, nearest first (as concordancers do)
    Left,
    /// By the words right of the match
    Right,
    /// Oldest first
    Date,
    /// Best-ranked item first, in text order within an item
    Relevance,
}

/// `archivar kwic`
#[derive(Debug, Args)]
pub struct KwicArgs {
    /// The query, as for search: each occurrence of its words (inflected forms, parts of
    /// hyphenated words, phrases, name variants) is one line
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// What to search: dates, programmes, speakers, how many words match
    #[command(flatten)]
    pub filters: Filters,
    /// Order of the lines
    #[arg(long, value_enum, default_value_t = KwicSort::Relevance)]
    pub sort: KwicSort,
    /// Characters of context on either side
    #[arg(long, short = 'w', default_value_t = 40, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub width: u32,
    /// Lines to show
    #[arg(long, short = 'n', default_value_t = 100, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub limit: u32,
    /// Print JSON Lines (schema/kwic.v1.schema.json) instead of text
    #[arg(long)]
    pub json: bool,
    /// CSV and other formats
    #[command(flatten)]
    pub output: FormatArgs,
    /// Read from an index on an OpenSearch cluster instead of the local one: URL/INDEX,
    /// e.g. http://127.0.0.1:9200/archivar (`opensearch/cluster start` starts one)
    #[arg(long, env = "ARCHIVAR_OPENSEARCH", value_name = "URL/INDEX")]
    pub opensearch: Option<String>,
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
    /// Print only story N of a broadcast cut into stories (as a hit names it: "story 4 of 12")
    #[arg(long, value_name = "N", conflicts_with = "at", value_parser = clap::value_parser!(u32).range(1..))]
    pub story: Option<u32>,
    /// Print the item as JSON (schema/item.v1.schema.json)
    #[arg(long)]
    pub json: bool,
    /// Read from an index on an OpenSearch cluster instead of the local one: URL/INDEX,
    /// e.g. http://127.0.0.1:9200/archivar (`opensearch/cluster start` starts one)
    #[arg(long, env = "ARCHIVAR_OPENSEARCH", value_name = "URL/INDEX")]
    pub opensearch: Option<String>,
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
    /// Describe an index on an OpenSearch cluster instead of the local one: URL/INDEX,
    /// e.g. http://127.0.0.1:9200/archivar (`opensearch/cluster start` starts one)
    #[arg(long, env = "ARCHIVAR_OPENSEARCH", value_name = "URL/INDEX")]
    pub opensearch: Option<String>,
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
    fn version_names_the_embedded_schema() {
        let v = crate::index::schema::ArchiveSchema::embedded()
            .unwrap()
            .version;
        assert!(
            VERSION.contains(&format!("index schema v{v}, schema/index.v{v}.toml")),
            "{VERSION}"
        );
        assert!(crate::index::schema::SCHEMA_TOML.contains(&format!("version = {v}")));
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
