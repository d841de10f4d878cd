//! One function per subcommand: glue between the stages.

use crate::cli::Format;
use crate::cli::{
    By, Cli, Command, EvalArgs, IndexArgs, SearchArgs, ShowArgs, SortBy, StatsArgs, TrendArgs,
};
use crate::index::writer::{Added, FileState, Indexer};
use crate::index::{self, Archive};
use crate::ingest::{self, Event};
use crate::output::csv::CsvPrinter;
use crate::output::json::JsonPrinter;
use crate::output::terminal::TerminalPrinter;
use crate::output::{ColorWhen, Printer};
use crate::search::facets::Interval;
use crate::search::{self, Request, Sort};
use anyhow::{Context, Result};
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;
use termcolor::{ColorChoice, StandardStream};

/// How a command ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done; something found. Exit 0.
    Success,
    /// A search or lookup found nothing. Exit 1.
    NoHits,
    /// Done, but some input failed (reported). Exit 2.
    Failed,
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<Outcome> {
    let dir = cli.index.clone().unwrap_or_else(index::default_dir);
    match cli.command {
        Command::Index(a) => run_index(dir, a),
        Command::Search(a) => run_search(dir, a),
        Command::Show(a) => run_show(dir, a),
        Command::Trend(a) => run_trend(dir, a),
        Command::Kwic(a) => run_kwic(dir, a),
        Command::Stats(a) => run_stats(dir, a),
        Command::Eval(a) => run_eval(dir, a),
        Command::Serve(a) => crate::serve::run(crate::serve::Config::from_args(dir, a)?),
        Command::Export(a) => run_export(a),
        Command::Completions(a) => run_completions(a),
        Command::Man(a) => run_man(a),
    }
}

fn run_completions(a: crate::cli::CompletionsArgs) -> Result<Outcome> {
    crate::output::manual::completions(a.shell, &mut std::io::stdout().lock())?;
    Ok(Outcome::Success)
}

fn run_man(a: crate::cli::ManArgs) -> Result<Outcome> {
    use crate::output::manual;
    match a.dir {
        Some(dir) => {
            let written = manual::man_pages_into(&dir)?;
            crate::report!(
                "wrote {} into {}",
                plural(written.len() as u64, "man page"),
                dir.display()
            );
        }
        None => manual::man_page(a.command.as_deref(), &mut std::io::stdout().lock())?,
    }
    Ok(Outcome::Success)
}

fn printer(json: bool, color: ColorWhen) -> Box<dyn Printer> {
    if json {
        Box::new(JsonPrinter::new(std::io::stdout().lock()))
    } else {
        let choice = if color.enabled() {
            ColorChoice::Always
        } else {
            ColorChoice::Never
        };
        Box::new(TerminalPrinter::new(crate::output::safe::Sanitized::new(
            StandardStream::stdout(choice),
        )))
    }
}

/// The printer of a command with `--json`, `--csv` and `--format`.
fn formatted(
    json: bool,
    f: &crate::cli::FormatArgs,
    color: ColorWhen,
) -> std::io::Result<Box<dyn Printer>> {
    Ok(match f.format(json) {
        Format::Text => printer(false, color),
        Format::Json => printer(true, color),
        Format::Csv => Box::new(CsvPrinter::new(std::io::stdout().lock(), f.csv_bom)?),
    })
}

/// Counts of an indexing run.
#[derive(Debug, Default)]
struct Tally {
    new: u64,
    replaced: u64,
    unchanged_items: u64,
    unchanged_files: u64,
    removed_items: u64,
    removed_files: u64,
    failed: u64,
    warnings: u64,
}

fn run_index(dir: PathBuf, a: IndexArgs) -> Result<Outcome> {
    if let Some(cluster) = crate::cluster::Cluster::from_flag(a.opensearch.as_deref())? {
        return crate::engine::index_cluster(&cluster, a);
    }
    let started = Instant::now();
    if index::is_foreign(&dir)? {
        // Checked before the lock file goes in.
        Archive::open_or_create(&dir, a.rebuild)?;
    }
    let lock = index::lock::acquire(&dir, a.wait, |holder| {
        crate::report!("waiting for {holder} to finish writing {}", dir.display())
    })?;
    let archive = Archive::open_or_create(&dir, a.rebuild)?;
    if a.rebuild && !a.quiet {
        let others = index::others(&dir);
        if !others.is_empty() {
            let names: Vec<String> = others
                .iter()
                .take(5)
                .map(|p| crate::output::safe::SafePath(p).to_string())
                .collect();
            crate::report!(
                "note: --rebuild deleted only the index's own files; left {} not part of it: {}{}",
                if others.len() == 1 {
                    "1 entry that is".to_string()
                } else {
                    format!("{} entries that are", others.len())
                },
                names.join(", "),
                if others.len() > 5 { ", …" } else { "" }
            );
        }
    }
    let mut indexer = Indexer::with_lock(&archive, a.memory as usize, lock)?;
    let swept = indexer.swept();
    if swept.files > 0 && !a.quiet {
        crate::report!(
            "note: removed {} ({:.1} MB) that an interrupted run left in {}",
            plural(swept.files, "orphan file"),
            swept.bytes as f64 / 1e6,
            dir.display()
        );
    }
    let walk = ingest::walk(&a.paths);
    let given = ingest::Meta {
        date: a.date,
        program: a.program.clone().filter(|p| !p.trim().is_empty()),
        title: None,
        media: None,
    };
    let mut t = Tally::default();
    for e in &walk.errors {
        crate::report!("{e}");
        t.failed += 1;
    }
    for (loc, msg) in &walk.warnings {
        t.warnings += 1;
        if !a.quiet {
            crate::report!("warning: {loc}: {msg}");
        }
    }
    let total_bytes: u64 = walk.sources.iter().map(|s| s.size).sum();
    let bar = progress_bar(total_bytes, a.quiet);
    let mut fatal: Option<anyhow::Error> = None;
    let mut present = std::collections::HashSet::new();
    let known = indexer.known().clone();
    let (mut failed_before, mut items, mut skipping) = (0u64, 0u64, false);
    let mut commit_failed: Option<anyhow::Error> = None;
    let guard_items = |item| guard(item);
    let progress = std::sync::atomic::AtomicU64::new(0);
    index::pipeline::run_with_progress(
        &archive,
        &walk.sources,
        &given,
        &known,
        a.force,
        &guard_items,
        &mut |step| {
            use index::pipeline::Step;
            // Bytes read so far, also inside a large file.
            bar.set_position(progress.load(std::sync::atomic::Ordering::Relaxed));
            match step {
                Step::Begin {
                    src,
                    key,
                    unchanged,
                    ..
                } => {
                    bar.set_message(crate::output::safe::SafePath(&src.path).to_string());
                    present.insert(key.clone());
                    skipping = unchanged.is_some();
                    if let Some(n) = unchanged {
                        t.unchanged_items += n;
                        t.unchanged_files += 1;
                    } else {
                        indexer.begin_file(&key);
                        (failed_before, items) = (t.failed, 0);
                    }
                }
                Step::Item(p) => {
                    items += 1;
                    let (id, source) = (p.id().to_string(), p.source().to_string());
                    match indexer.add_prepared(*p) {
                        Ok(Added::New) => t.new += 1,
                        Ok(Added::Replaced) => t.replaced += 1,
                        Ok(Added::Kept(kept)) => {
                            t.warnings += 1;
                            if !a.quiet {
                                bar.suspend(|| {
                                    crate::report!("warning: {source}: id \"{}\" is also at {kept}; kept that one (of the file that sorts first), this item is not indexed",
                                        crate::output::safe::escape(&id)
                                    )
                                });
                            }
                        }
                        Ok(Added::Duplicate(earlier)) => {
                            t.replaced += 1;
                            t.warnings += 1;
                            if !a.quiet {
                                bar.suspend(|| {
                                    crate::report!("warning: {source}: id \"{id}\" also at {earlier}; this item replaces that one"
                                    )
                                });
                            }
                        }
                        Err(e) => {
                            fatal = Some(e.into());
                            return ControlFlow::Break(());
                        }
                    }
                }
                Step::Failed(e) => {
                    fatal = Some(e.into());
                    return ControlFlow::Break(());
                }
                Step::Event(Event::Warning(loc, msg)) => {
                    t.warnings += 1;
                    if !a.quiet {
                        bar.suspend(|| crate::report!("warning: {loc}: {msg}"));
                    }
                }
                Step::Event(Event::Error(e)) => {
                    t.failed += 1;
                    bar.suspend(|| crate::report!("{e}"));
                }
                // Items come prepared.
                Step::Event(Event::Item(_)) => {}
                Step::End { key, sha256, .. } => {
                    if skipping {
                        return ControlFlow::Continue(());
                    }
                    let clean = t.failed == failed_before;
                    indexer.end_file(
                        &key,
                        sha256
                            .filter(|_| clean)
                            .map(|sha256| FileState { sha256, items }),
                    );
                    if indexer.pending() >= a.commit_every
                        && let Err(e) = indexer.checkpoint()
                    {
                        commit_failed =
                            Some(anyhow::Error::from(e).context(
                                "could not commit the index; it stays as of its last commit",
                            ));
                        return ControlFlow::Break(());
                    }
                }
            }
            ControlFlow::Continue(())
        },
        &progress,
    );
    if let Some(e) = commit_failed {
        bar.finish_and_clear();
        return Err(e);
    }
    if let Some(e) = fatal {
        bar.finish_and_clear();
        return Err(e.context(format!(
            "indexing stopped; {}",
            committed_so_far(indexer.checkpoints())
        )));
    }
    if a.prune {
        let roots: Vec<String> = a
            .paths
            .iter()
            .map(|p| index::pipeline::file_key(p))
            .collect();
        let (files, items) = indexer.prune(&roots, &present);
        t.removed_files = files;
        t.removed_items = items;
    }
    bar.finish_and_clear();
    let checkpoints = indexer.checkpoints();
    let committed = if a.optimize {
        indexer.commit_merged()
    } else {
        indexer.commit()
    };
    committed.with_context(|| {
        format!(
            "could not commit the index; {}",
            committed_so_far(checkpoints)
        )
    })?;
    if !a.quiet {
        let mut line = format!(
            "indexed {} ({} new, {} replaced) from {} in {:.1} s into {}",
            plural(t.new + t.replaced, "item"),
            t.new,
            t.replaced,
            plural(walk.sources.len() as u64 - t.unchanged_files, "file"),
            started.elapsed().as_secs_f64(),
            dir.display()
        );
        push_file_changes(
            &mut line,
            (t.unchanged_items, t.unchanged_files),
            (t.removed_items, t.removed_files),
            a.prune,
        );
        if t.failed > 0 {
            line.push_str(&format!("; {} failed (see above)", t.failed));
        }
        if t.warnings > 0 {
            line.push_str(&format!("; {}", plural(t.warnings, "warning")));
        }
        if !walk.skipped.is_empty() {
            let names: Vec<String> = walk
                .skipped
                .iter()
                .take(3)
                .map(|p| p.display().to_string())
                .collect();
            line.push_str(&format!(
                "; skipped {} of unknown type ({}{})",
                plural(walk.skipped.len() as u64, "file"),
                names.join(", "),
                if walk.skipped.len() > 3 { ", …" } else { "" }
            ));
        }
        println!("{}", crate::output::safe::escape(&line));
    }
    Ok(if t.failed > 0 {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

fn run_search(dir: PathBuf, a: SearchArgs) -> Result<Outcome> {
    let started = Instant::now();
    let req = Request {
        sort: match a.sort {
            SortBy::Relevance => Sort::Relevance,
            SortBy::Date => Sort::Date,
        },
        limit: a.limit as usize,
        offset: a.offset as usize,
        snippets: a.snippets as usize,
        facets: a.facets,
        collapse: !a.no_collapse,
        exact_total: a.exact_total,
        ..request(&a.query, a.filters)
    };
    // Checked before the index is opened, so that a bad number is named
    // as such even where there is no index yet.
    req.validate(&search::Limits::DEFAULT)?;
    let engine = crate::engine::Engine::open(&dir, a.opensearch.as_deref())?;
    let mut hits = engine.search(&req)?;
    if a.explain {
        engine.explain(&req, &mut hits)?;
    }
    for n in &hits.notes {
        crate::report!("note: {n}");
    }
    let mut p = formatted(a.json, &a.output, a.color)?;
    p.hits(&req.query, req.offset, &hits, started.elapsed())?;
    if hits.total == 0 {
        crate::report!("no hits for {}", req.query);
    } else if hits.hits.is_empty() {
        crate::report!(
            "no hits on this page (from hit {}); {} in all",
            req.offset + 1,
            plural(hits.total as u64, "hit")
        );
    }
    Ok(if hits.total == 0 {
        Outcome::NoHits
    } else {
        Outcome::Success
    })
}

/// The request of `search` and `trend`: the query words and the filters,
/// with the library's defaults for the rest.
fn request(query: &[String], f: crate::cli::Filters) -> Request {
    Request {
        from: f.from,
        to: f.to,
        programs: f.programs,
        speakers: f.speakers,
        mode: f.mode,
        ..Request::new(query.join(" "))
    }
}

fn run_trend(dir: PathBuf, a: TrendArgs) -> Result<Outcome> {
    let by = match a.by {
        By::Day => Interval::Day,
        By::Week => Interval::Week,
        By::Month => Interval::Month,
        By::Year => Interval::Year,
    };
    if a.query.len() > 1 || a.per.is_some() {
        return run_trend_table(dir, a, by);
    }
    let req = Request {
        limit: 1,
        snippets: 0,
        collapse: false,
        ..request(&a.query, a.filters)
    };
    req.validate(&search::Limits::DEFAULT)?;
    let engine = crate::engine::Engine::open(&dir, a.opensearch.as_deref())?;
    let trend = engine.trend(&req, by)?;
    formatted(a.json, &a.output, a.color)?.trend(&trend)?;
    if a.output.format(a.json) == Format::Csv && trend.undated > 0 {
        let n = trend.undated;
        let noun = if n == 1 { "item is" } else { "items are" };
        crate::report!("note: {n} matching {noun} undated, in no row");
    }
    Ok(if trend.total == 0 {
        Outcome::NoHits
    } else {
        Outcome::Success
    })
}

/// `trend A B …` and `trend --per N`: one column per query over the same
/// periods, with shares of all items per period.
fn run_trend_table(dir: PathBuf, a: TrendArgs, by: Interval) -> Result<Outcome> {
    let reqs: Vec<Request> = a
        .query
        .iter()
        .map(|q| Request {
            limit: 1,
            snippets: 0,
            collapse: false,
            ..request(std::slice::from_ref(q), a.filters.clone())
        })
        .collect();
    for r in &reqs {
        r.validate(&search::Limits::DEFAULT)?;
    }
    let engine = crate::engine::Engine::open(&dir, a.opensearch.as_deref())?;
    let table = engine.trend_table(&reqs, by, a.per)?;
    formatted(a.json, &a.output, a.color)?.trend_table(&table)?;
    let undated: u64 = table.series.iter().map(|s| s.undated).sum();
    if a.output.format(a.json) == Format::Csv && undated > 0 {
        crate::report!("note: {undated} matching undated items are in no row");
    }
    Ok(if table.series.iter().all(|s| s.total == 0) {
        Outcome::NoHits
    } else {
        Outcome::Success
    })
}

fn run_kwic(dir: PathBuf, a: crate::cli::KwicArgs) -> Result<Outcome> {
    use crate::cli::KwicSort;
    use search::kwic::{self, Order};
    let req = Request {
        limit: 1,
        snippets: 0,
        collapse: false,
        ..request(&a.query, a.filters)
    };
    req.validate(&search::Limits::DEFAULT)?;
    let engine = crate::engine::Engine::open(&dir, a.opensearch.as_deref())?;
    let opts = kwic::Options {
        width: a.width as usize,
        order: match a.sort {
            KwicSort::Left => Order::Left,
            KwicSort::Right => Order::Right,
            KwicSort::Date => Order::Date,
            KwicSort::Relevance => Order::Relevance,
        },
        limit: a.limit as usize,
    };
    let c = engine.kwic(&req, opts)?;
    formatted(a.json, &a.output, a.color)?.kwic(&c)?;
    if c.items_read < c.items {
        crate::report!(
            "note: read the first {} of {} matching items ({}); narrow with --from/--to or --program",
            c.items_read,
            c.items,
            if opts.order == Order::Date {
                "newest"
            } else {
                "best-ranked"
            }
        );
    }
    if c.items == 0 {
        crate::report!("no hits for {}", req.query);
    } else if c.occurrences == 0 {
        crate::report!(
            "{} match, but none holds the words themselves (they match through the parts of a compound, which are not shown in context)",
            plural(c.items as u64, "item")
        );
    }
    Ok(if c.occurrences == 0 {
        Outcome::NoHits
    } else {
        Outcome::Success
    })
}

fn run_show(dir: PathBuf, a: ShowArgs) -> Result<Outcome> {
    let engine = crate::engine::Engine::open(&dir, a.opensearch.as_deref())?;
    match engine.find(&a.id)? {
        Some(item) => {
            let part = match (a.at, a.story) {
                (Some(ms), _) => item.around(ms, a.context),
                (None, Some(n)) => item.story(n as usize),
                (None, None) => Ok(item),
            };
            let item = match part {
                Ok(part) => part,
                Err(why) => {
                    crate::report!("{why}");
                    return Ok(Outcome::Failed);
                }
            };
            printer(a.json, a.color).item(&item)?;
            Ok(Outcome::Success)
        }
        None => {
            crate::report!(
                "no item with id \"{}\" in {}; ids are shown in search results",
                a.id,
                engine.place()
            );
            Ok(Outcome::NoHits)
        }
    }
}

fn run_stats(dir: PathBuf, a: StatsArgs) -> Result<Outcome> {
    let engine = crate::engine::Engine::open(&dir, a.opensearch.as_deref())?;
    let s = engine.stats()?;
    printer(a.json, a.color).stats(&s)?;
    Ok(Outcome::Success)
}

fn run_eval(dir: PathBuf, a: EvalArgs) -> Result<Outcome> {
    let engine = crate::engine::Engine::open(&dir, a.opensearch.as_deref())?;
    let queries = crate::eval::read_queries(&a.queries)?;
    let qrels = crate::eval::read_qrels(&a.qrels)?;
    let mut file = match &a.run {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p)
                .with_context(|| format!("cannot write the run file {}", p.display()))?,
        )),
        None => None,
    };
    let started = Instant::now();
    let outcome = crate::eval::run_queries(
        &engine,
        &queries,
        a.mode,
        file.as_mut().map(|f| f as &mut dyn std::io::Write),
    )?;
    if let Some(mut f) = file {
        std::io::Write::flush(&mut f)?;
    }
    let elapsed = started.elapsed();
    let (m, _) = crate::eval::score(&qrels, &outcome.run);
    let mut out = std::io::stdout().lock();
    use std::io::Write;
    if a.json {
        let v = serde_json::json!({
            "MRR@10": m.mrr10, "nDCG@10": m.ndcg10, "Recall@10": m.recall10,
            "Recall@100": m.recall100, "queries": m.queries,
            "relaxed": outcome.relaxed, "empty": outcome.empty,
            "seconds": elapsed.as_secs_f64(),
        });
        writeln!(out, "{v}")?;
    } else {
        writeln!(out, "{:<11} {:>7}", "MRR@10", format!("{:.4}", m.mrr10))?;
        writeln!(out, "{:<11} {:>7}", "nDCG@10", format!("{:.4}", m.ndcg10))?;
        writeln!(
            out,
            "{:<11} {:>7}",
            "Recall@10",
            format!("{:.4}", m.recall10)
        )?;
        writeln!(
            out,
            "{:<11} {:>7}",
            "Recall@100",
            format!("{:.4}", m.recall100)
        )?;
        writeln!(
            out,
            "{:<11} {:>7}  ({} run as plain words after a syntax error, {} with nothing to search; {:.1} s)",
            "queries",
            m.queries,
            outcome.relaxed,
            outcome.empty,
            elapsed.as_secs_f64()
        )?;
    }
    Ok(Outcome::Success)
}

/// `archivar export`: the template, or each item read from the paths as
/// bulk lines on stdout; what cannot be read is reported as `index`
/// reports it, and the run then exits 2.
fn run_export(a: crate::cli::ExportArgs) -> Result<Outcome> {
    use crate::cli::ExportFormat;
    use std::io::Write;
    let archive = Archive::in_memory()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if a.format == ExportFormat::OpensearchTemplate {
        if !a.paths.is_empty() {
            anyhow::bail!(
                "--format opensearch-template takes no paths (the template comes from the schema); \
                 use --format opensearch-bulk for the items"
            );
        }
        let t = index::template::template(&archive.schema, a.shards, a.replicas);
        serde_json::to_writer_pretty(&mut out, &t)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(Outcome::Success);
    }
    if a.paths.is_empty() {
        anyhow::bail!(
            "give the files or folders to export, e.g. archivar export --format opensearch-bulk data/"
        );
    }
    let walk = ingest::walk(&a.paths);
    let given = ingest::Meta {
        date: a.date,
        program: a.program.clone().filter(|p| !p.trim().is_empty()),
        title: None,
        media: None,
    };
    let mut t = Tally::default();
    for e in &walk.errors {
        crate::report!("{e}");
        t.failed += 1;
    }
    let mut write_error: Option<std::io::Error> = None;
    let mut exported = 0u64;
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for src in &walk.sources {
        ingest::read_source(src, &given, &mut |event| {
            for e in match event {
                Event::Item(item) => guard(item),
                other => vec![other],
            } {
                match e {
                    Event::Item(item) => {
                        if write_error.is_some() {
                            continue;
                        }
                        // As `index` does: of two files with one id, the
                        // one read first (whose path sorts first) is kept;
                        // in one file, the later line replaces the earlier.
                        let file = item
                            .source
                            .rsplit_once(':')
                            .map_or(&*item.source, |(f, _)| f);
                        match seen.get(&item.id) {
                            Some(first) if first.as_str() != file => {
                                t.warnings += 1;
                                if !a.quiet {
                                    crate::report!(
                                        "warning: {}: id \"{}\" is also in {first}; kept that one, this item is not exported",
                                        item.source,
                                        crate::output::safe::escape(&item.id)
                                    );
                                }
                                continue;
                            }
                            Some(_) => {}
                            None => {
                                seen.insert(item.id.clone(), file.to_string());
                            }
                        }
                        match index::template::item_source(&archive, &item) {
                            Ok(source) => {
                                match crate::output::bulk::write_item(&mut out, &item.id, &source) {
                                    Ok(()) => exported += 1,
                                    Err(e) => write_error = Some(e),
                                }
                            }
                            Err(e) => {
                                crate::report!("{}: {e}", item.source);
                                t.failed += 1;
                            }
                        }
                    }
                    Event::Warning(loc, msg) => {
                        t.warnings += 1;
                        if !a.quiet {
                            crate::report!("warning: {loc}: {msg}");
                        }
                    }
                    Event::Error(e) => {
                        crate::report!("{e}");
                        t.failed += 1;
                    }
                }
            }
        });
        if write_error.is_some() {
            break;
        }
    }
    if let Some(e) = write_error {
        return Err(e.into());
    }
    out.flush()?;
    if !a.quiet {
        crate::report!(
            "exported {}{}{}",
            plural(exported, "item"),
            if t.failed > 0 {
                format!(
                    ", {} not exported (see above)",
                    plural(t.failed, "file or item")
                )
            } else {
                String::new()
            },
            if t.warnings > 0 {
                format!(", {}", plural(t.warnings, "warning"))
            } else {
                String::new()
            }
        );
    }
    Ok(if t.failed > 0 {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

/// The last guards before indexing ([`ingest::clean`]): an item too large
/// becomes an error, control characters go with a warning.
pub(crate) fn guard(mut item: crate::item::Item) -> Vec<Event> {
    use crate::error::{IngestError, Location};
    let source = item.source.clone();
    let loc = || Location::file(std::path::Path::new(&source));
    let bytes = ingest::clean::item_bytes(&item);
    if bytes > ingest::clean::MAX_ITEM_BYTES {
        return vec![Event::Error(IngestError::TooLarge {
            loc: loc(),
            bytes,
            max: ingest::clean::MAX_ITEM_BYTES,
        })];
    }
    match ingest::clean::strip_controls(&mut item) {
        (0, _) => vec![Event::Item(item)],
        (n, first) => {
            let first = first
                .map(|c| format!(" (such as U+{:04X})", c as u32))
                .unwrap_or_default();
            vec![
                Event::Warning(
                    loc(),
                    format!(
                        "removed {}{first}; they are no text and would garble terminal output",
                        plural(n as u64, "control character")
                    ),
                ),
                Event::Item(item),
            ]
        }
    }
}

/// The progress bar of `index` on a terminal (hidden otherwise, or when
/// `quiet`), over `total` bytes.
pub(crate) fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() || quiet {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(total);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            // 60 columns and the file name cut to what is left: a
            // long name wrapped at 80 columns and scrolled the screen.
            "{spinner} {bar:20} {bytes}/{total_bytes} {bytes_per_sec} {eta} {wide_msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b
}

/// What an interrupted run kept, for its message.
fn committed_so_far(checkpoints: u64) -> String {
    if checkpoints == 0 {
        "nothing of this run was committed".to_string()
    } else {
        format!(
            "what this run committed before ({}) stays, and the next run reads only the rest",
            plural(checkpoints, "commit")
        )
    }
}

/// The index summary's clauses for unchanged files skipped and, with
/// `--prune`, the items of files no longer there, as every engine words
/// them; `unchanged` and `removed` are (items, files).
pub(crate) fn push_file_changes(
    line: &mut String,
    unchanged: (u64, u64),
    removed: (u64, u64),
    prune: bool,
) {
    if unchanged.1 > 0 {
        line.push_str(&format!(
            "; {} unchanged in {} skipped",
            plural(unchanged.0, "item"),
            plural(unchanged.1, "file")
        ));
    }
    if prune {
        line.push_str(&format!(
            "; {} removed with {} no longer there",
            plural(removed.0, "item"),
            plural(removed.1, "file")
        ));
    }
}

pub(crate) fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
