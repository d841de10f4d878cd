//! Archive scale (issue 5): archivar against plain tantivy and SQLite FTS5 on
//! synthetic German archives of 10k, 100k and 1M items, side by side.
//!
//! ```sh
//! cargo bench --bench scale -- --sizes 10k,100k,1M --queries 500  # BENCHMARKS.md
//! cargo bench --bench scale -- --sizes 10k --queries 300           # small mode, 1-2 min
//! cargo bench --bench scale -- --sizes 10k,100k,1M                 # all 2,068 queries
//! cargo bench --bench scale -- --help                              # options
//! ```
//!
//! For each size the run
//! 1. writes `target/bench-scale/synth-SIZE.jsonl` (JSON Lines as in
//!    `schema/item.v1.schema.json`), streamed, from the real sentences of
//!    `../shared/corpora` and a fixed-seed PRNG: the same seed gives the same
//!    bytes (checked on every run by generating the 10k file a second time
//!    into a hash); the generator is in `benches/common/mod.rs`, which the
//!    serving bench (`benches/serve.rs`) shares;
//! 2. indexes it with archivar (ingest + `Indexer` through the pipeline of
//!    `index::pipeline`, as `archivar index` does),
//!    with tantivy's default tokenizer (title and body stored, no German
//!    analysis, same writer memory and threads), and with SQLite FTS5
//!    (`unicode61 remove_diacritics 2`, one transaction, then `optimize`),
//!    each in a child process of this binary, so that the peak RSS
//!    (`wait4` `ru_maxrss`) is the engine's own;
//! 3. runs the 2,068 queries of `../shared/eval/queries.tsv` plus entity and
//!    phrase queries picked from the synthetic corpus against each engine in
//!    another child process: one untimed warm-up pass, a timed pass (top 10
//!    with snippets) and a timed pass filtered to one year;
//! 4. measures archivar's cold start (process start to first hit of
//!    `archivar search --json`);
//! 5. prints a Markdown report and writes it to `target/bench-scale/`.
//!
//! Every query engine gets the same words: a query line is split into `\w+`
//! words (as `../shared/peers/run.py` does); entity and phrase queries keep
//! their quoted phrase. archivar reads the words with its query language and
//! default `--match any`; tantivy with its `QueryParser` (OR); FTS5 as
//! `"w1" OR "w2" ...`. Figures are quoted as ratios to the references from the
//! same run, because the machine is shared and noisy.

mod common;

use archivar::index::Archive;
use archivar::index::writer::{DEFAULT_MEMORY_MB, Indexer};
use archivar::ingest::{self, Event};
use archivar::item::Day;
use archivar::search::{self, MatchMode, Request, Sort};
use common::{
    BenchQuery, Rng, SPEAKERS, check_reproducible, corpus, eval_queries, file_len, label, machine,
    now_utc, parse_size, shared, words,
};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery};
use tantivy::schema::{FAST, INDEXED, STORED, STRING, Schema, TEXT, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DateTime, Index, TantivyDocument, Term};

const ENGINES: [&str; 3] = ["archivar", "tantivy", "fts5"];

/// The query variants of each engine's index: archivar with the total
/// counted up to 10,000 (its default) and exactly; tantivy's top 10 by
/// block-max WAND alone and with an exact count beside it.
fn variants(engine: &str) -> &'static [&'static str] {
    match engine {
        "archivar" => &["archivar", "archivar-exact"],
        "tantivy" => &["tantivy", "tantivy-count"],
        _ => &["fts5"],
    }
}
const USAGE: &str = "\
cargo bench --bench scale -- [OPTIONS]

  --sizes LIST      corpus sizes, e.g. 10k,100k,1M (default 10k)
  --seed N          generator seed (default 1)
  --work DIR        corpora, indexes and reports (default target/bench-scale)
  --memory-mb N     writer memory of archivar and tantivy (default 192)
  --queries N       use only the first N eval queries (default: all 2,068)
  --cold-runs N     archivar cold-start runs per size (default 5)
  --keep            keep the indexes after each size (default: removed)
  --engines LIST    engines to run, of archivar,tantivy,fts5 (default: all)
  --fts5-queries N  FTS5 runs every k-th query only, N in all (default: all);
                    its OR queries take up to seconds each at 1M
";

// ---------------------------------------------------------------- options

struct Opts {
    sizes: Vec<u64>,
    seed: u64,
    work: PathBuf,
    memory_mb: usize,
    queries: Option<usize>,
    cold_runs: usize,
    keep: bool,
    engines: Vec<&'static str>,
    fts5_queries: Option<usize>,
}

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        sizes: vec![10_000],
        seed: 1,
        work: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-scale"),
        memory_mb: DEFAULT_MEMORY_MB,
        queries: None,
        cold_runs: 5,
        keep: false,
        engines: ENGINES.to_vec(),
        fts5_queries: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--sizes" => {
                o.sizes = val()?
                    .split(',')
                    .map(|s| parse_size(s).ok_or(format!("bad size {s:?}")))
                    .collect::<Result<_, _>>()?
            }
            "--seed" => o.seed = val()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--work" => o.work = PathBuf::from(val()?),
            "--memory-mb" => o.memory_mb = val()?.parse().map_err(|e| format!("{a}: {e}"))?,
            "--queries" => o.queries = Some(val()?.parse().map_err(|e| format!("{a}: {e}"))?),
            "--cold-runs" => o.cold_runs = val()?.parse().map_err(|e| format!("{a}: {e}"))?,
            "--keep" => o.keep = true,
            "--engines" => {
                let v = val()?;
                o.engines = ENGINES
                    .iter()
                    .copied()
                    .filter(|e| v.split(',').any(|x| x == *e))
                    .collect();
                if o.engines.is_empty() {
                    return Err(format!("--engines {v}: expected archivar, tantivy or fts5"));
                }
            }
            "--fts5-queries" => {
                o.fts5_queries = Some(val()?.parse().map_err(|e| format!("{a}: {e}"))?)
            }
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            "--help" | "-h" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown option {other:?}\n\n{USAGE}")),
        }
    }
    Ok(o)
}

fn dir_size(p: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(p) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    std::fs::read_dir(p)
        .map(|rd| rd.filter_map(Result::ok).map(|e| dir_size(&e.path())).sum())
        .unwrap_or(0)
}

// ---------------------------------------------------------------- queries

/// The eval queries, then names and phrases from the synthetic corpus.
fn query_set(o: &Opts, corpus: &Path) -> Vec<BenchQuery> {
    let word = Regex::new(r"\w+").expect("regex");
    let mut out = eval_queries(o.queries);
    let mut rng = Rng(o.seed ^ 0x5155_4552_5953);
    // Names: whole names as phrases, and surnames alone.
    for _ in 0..12 {
        out.push(BenchQuery {
            kind: "entity",
            terms: vec![rng.pick(&SPEAKERS).to_string()],
        });
    }
    for _ in 0..8 {
        let name = rng.pick(&SPEAKERS);
        let surname = name.rsplit(' ').next().unwrap_or(name);
        out.push(BenchQuery {
            kind: "entity",
            terms: words(&word, surname),
        });
    }
    // Phrases: two or three neighbouring words of a title in the corpus,
    // sometimes with one more word.
    let titles: Vec<String> = BufReader::new(std::fs::File::open(corpus).expect("corpus"))
        .lines()
        .take(5_000)
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l.ok()?).ok()?;
            Some(v["title"].as_str()?.to_string())
        })
        .collect();
    while out.iter().filter(|q| q.kind == "phrase").count() < 20 {
        let title: &String = rng.pick(&titles);
        let w: Vec<String> = words(&word, title)
            .into_iter()
            .filter(|w| w.chars().count() >= 4 && !w.chars().any(|c| c.is_ascii_digit()))
            .collect();
        if w.len() < 3 {
            continue;
        }
        let len = 2 + rng.below(2).min(w.len() - 2);
        let at = rng.below(w.len() - len + 1);
        let mut terms = vec![w[at..at + len].join(" ")];
        if rng.unit() < 0.5 {
            terms.push(rng.pick(&w).clone());
        }
        out.push(BenchQuery {
            kind: "phrase",
            terms,
        });
    }
    out
}

fn write_queries(path: &Path, qs: &[BenchQuery]) {
    let mut s = String::new();
    for q in qs {
        let _ = writeln!(s, "{}\t{}", q.kind, q.terms.join("\t"));
    }
    std::fs::write(path, s).expect("queries written");
}

fn read_queries(path: &Path) -> Vec<BenchQuery> {
    std::fs::read_to_string(path)
        .expect("queries")
        .lines()
        .map(|l| {
            let mut parts = l.split('\t');
            let kind = match parts.next() {
                Some("entity") => "entity",
                Some("phrase") => "phrase",
                _ => "eval",
            };
            BenchQuery {
                kind,
                terms: parts.map(str::to_string).collect(),
            }
        })
        .collect()
}

/// The year a query is filtered to in the second pass: all 26 in turn.
fn filter_year(i: usize) -> i32 {
    2000 + (i % 26) as i32
}

// ---------------------------------------------------------------- engines

#[derive(Deserialize)]
struct Line {
    id: String,
    #[serde(default)]
    title: Option<String>,
    body: String,
    #[serde(default)]
    date: Option<String>,
}

fn each_line(input: &Path, mut f: impl FnMut(Line)) {
    let r = BufReader::with_capacity(1 << 20, std::fs::File::open(input).expect("input"));
    for line in r.lines() {
        let line = line.expect("read");
        f(serde_json::from_str(&line).expect("synthetic JSON"));
    }
}

fn day_time(day: Day) -> DateTime {
    DateTime::from_timestamp_secs(day.unix_days() * 86_400)
}

fn build_archivar(input: &Path, dir: &Path, memory_mb: usize) -> u64 {
    use archivar::index::pipeline::{self, Step};
    use std::ops::ControlFlow;
    let archive = Archive::open_or_create(dir, true).expect("archive");
    let mut indexer = Indexer::new(&archive, memory_mb).expect("indexer");
    let walk = ingest::walk(&[input.to_path_buf()]);
    let known = indexer.known().clone();
    let mut items = 0;
    let mut failed = 0;
    // As `archivar index` reads: on all cores, through the pipeline.
    pipeline::run(
        &archive,
        &walk.sources,
        &ingest::Meta::default(),
        &known,
        false,
        &|item| vec![Event::Item(item)],
        &mut |step| {
            match step {
                Step::Item(p) => {
                    indexer.add_prepared(*p).expect("add");
                    items += 1;
                }
                Step::Failed(e) => panic!("{e}"),
                Step::Event(Event::Error(_)) => failed += 1,
                _ => {}
            }
            ControlFlow::Continue(())
        },
    );
    assert_eq!(failed, 0, "synthetic items must all index");
    indexer.commit().expect("commit");
    items
}

fn tantivy_schema() -> Schema {
    let mut b = Schema::builder();
    b.add_text_field("id", STRING | STORED);
    b.add_text_field("title", TEXT | STORED);
    b.add_text_field("body", TEXT | STORED);
    b.add_date_field("date", INDEXED | FAST);
    b.build()
}

fn build_tantivy(input: &Path, dir: &Path, memory_mb: usize) -> u64 {
    let schema = tantivy_schema();
    let f = |n| schema.get_field(n).expect("field");
    let (id, title, body, date) = (f("id"), f("title"), f("body"), f("date"));
    let index = Index::create_in_dir(dir, schema.clone()).expect("index");
    // Same budget and thread count as archivar's Indexer: tantivy's default.
    let mut w = index
        .writer::<TantivyDocument>(memory_mb.max(16) * 1_000_000)
        .expect("writer");
    let mut items = 0;
    each_line(input, |l| {
        let mut d = TantivyDocument::default();
        d.add_text(id, &l.id);
        d.add_text(title, l.title.as_deref().unwrap_or_default());
        d.add_text(body, &l.body);
        if let Some(day) = l.date.as_deref().and_then(|s| Day::parse(s).ok()) {
            d.add_date(date, day_time(day));
        }
        w.add_document(d).expect("add");
        items += 1;
    });
    w.commit().expect("commit");
    w.wait_merging_threads().expect("merge");
    items
}

fn fts5_path(dir: &Path) -> PathBuf {
    dir.join("fts5.sqlite")
}

fn build_fts5(input: &Path, dir: &Path) -> u64 {
    let mut db = rusqlite::Connection::open(fts5_path(dir)).expect("sqlite");
    db.execute_batch(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
         CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, date UNINDEXED,
           tokenize = 'unicode61 remove_diacritics 2');",
    )
    .expect("schema");
    let tx = db.transaction().expect("transaction");
    let mut items = 0;
    {
        let mut ins = tx
            .prepare("INSERT INTO docs(id, title, body, date) VALUES (?1, ?2, ?3, ?4)")
            .expect("insert");
        each_line(input, |l| {
            ins.execute(rusqlite::params![l.id, l.title, l.body, l.date])
                .expect("insert");
            items += 1;
        });
    }
    tx.commit().expect("commit");
    // Merge the b-trees into one, as an archive that is built once would.
    db.execute_batch("INSERT INTO docs(docs) VALUES('optimize');")
        .expect("optimize");
    items
}

/// Latencies of one pass, and how many queries found nothing.
#[derive(Serialize, Deserialize, Default, Clone)]
struct Pass {
    p50: f64,
    p95: f64,
    p99: f64,
    mean: f64,
    zero_hits: usize,
    snippets_empty: usize,
    /// Per query class: p50, p99 and the number of queries.
    #[serde(default)]
    classes: BTreeMap<String, [f64; 3]>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The class of a query for the latency table: a phrase, or by its words.
fn class(q: &BenchQuery) -> &'static str {
    if q.terms.iter().any(|t| t.contains(' ')) {
        return "phrase";
    }
    match q.terms.len() {
        0 | 1 => "1 word",
        2 | 3 => "2–3 words",
        4 => "4 words",
        _ => "5+ words",
    }
}

const CLASSES: [&str; 5] = ["1 word", "2–3 words", "4 words", "5+ words", "phrase"];

fn summarize(timed: Vec<(&'static str, f64)>, zero_hits: usize, snippets_empty: usize) -> Pass {
    let mut ms: Vec<f64> = timed.iter().map(|t| t.1).collect();
    ms.sort_by(f64::total_cmp);
    let mut classes = BTreeMap::new();
    for c in CLASSES {
        let mut v: Vec<f64> = timed.iter().filter(|t| t.0 == c).map(|t| t.1).collect();
        v.sort_by(f64::total_cmp);
        if !v.is_empty() {
            classes.insert(
                c.to_string(),
                [percentile(&v, 50.0), percentile(&v, 99.0), v.len() as f64],
            );
        }
    }
    Pass {
        p50: percentile(&ms, 50.0),
        p95: percentile(&ms, 95.0),
        p99: percentile(&ms, 99.0),
        mean: ms.iter().sum::<f64>() / ms.len().max(1) as f64,
        zero_hits,
        snippets_empty,
        classes,
    }
}

/// A pass's filter.
#[derive(Clone, Copy)]
enum Filter {
    None,
    /// One calendar year.
    Year(i32),
    /// One programme (archivar only: the others index none).
    Program(&'static str),
}

/// Runs one query with a filter and returns (hits, hits without a
/// snippet).
type Runner<'a> = Box<dyn FnMut(usize, &BenchQuery, Filter) -> (usize, usize) + 'a>;

fn year_days(y: i32) -> (Day, Day) {
    (
        Day::from_ymd(y, 1, 1).expect("day"),
        Day::from_ymd(y, 12, 31).expect("day"),
    )
}

fn archivar_runner(archive: &Archive, exact_total: bool) -> Runner<'_> {
    let searcher = archive.reader().expect("reader").searcher();
    Box::new(move |_, q, filter| {
        let (from, to) = match filter {
            Filter::Year(y) => {
                let (a, b) = year_days(y);
                (Some(a), Some(b))
            }
            _ => (None, None),
        };
        let programs = match filter {
            Filter::Program(p) => vec![p.to_string()],
            _ => vec![],
        };
        let req = Request {
            query: q.archivar(),
            from,
            to,
            programs,
            speakers: vec![],
            sort: Sort::Relevance,
            limit: 10,
            offset: 0,
            mode: MatchMode::Any,
            snippets: 2,
            facets: false,
            collapse: true,
            exact_total,
        };
        let hits = search::search(archive, &searcher, &req).expect("archivar search");
        let empty = hits.hits.iter().filter(|h| h.snippets.is_empty()).count();
        (hits.hits.len(), empty)
    })
}

fn tantivy_runner(index: &Index, count: bool) -> Runner<'_> {
    let schema = index.schema();
    let f = |n| schema.get_field(n).expect("field");
    let (title, body, date) = (f("title"), f("body"), f("date"));
    let searcher = index.reader().expect("reader").searcher();
    let parser = QueryParser::for_index(index, vec![title, body]);
    Box::new(move |_, q, filter| {
        let (parsed, _) = parser.parse_query_lenient(&q.tantivy());
        let query: Box<dyn Query> = match filter {
            Filter::None | Filter::Program(_) => parsed,
            Filter::Year(y) => {
                let (from, to) = year_days(y);
                let range = RangeQuery::new(
                    Bound::Included(Term::from_field_date(date, day_time(from))),
                    Bound::Included(Term::from_field_date(date, day_time(to))),
                );
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, parsed),
                    (Occur::Must, Box::new(range)),
                ]))
            }
        };
        let top = if count {
            searcher
                .search(
                    &query,
                    &(
                        tantivy::collector::Count,
                        TopDocs::with_limit(10).order_by_score(),
                    ),
                )
                .expect("tantivy search")
                .1
        } else {
            searcher
                .search(&query, &TopDocs::with_limit(10).order_by_score())
                .expect("tantivy search")
        };
        let snip = SnippetGenerator::create(&searcher, &*query, body).expect("snippets");
        let mut empty = 0;
        for (_, addr) in &top {
            let doc: TantivyDocument = searcher.doc(*addr).expect("doc");
            let _title = doc.get_first(title).and_then(|v| v.as_str().map(str::len));
            if snip.snippet_from_doc(&doc).to_html().is_empty() {
                empty += 1;
            }
        }
        (top.len(), empty)
    })
}

fn fts5_runner(db: &rusqlite::Connection) -> Runner<'_> {
    const SELECT: &str = "SELECT id, title, snippet(docs, -1, '<b>', '</b>', '…', 24) FROM docs";
    let mut plain = db
        .prepare(&format!(
            "{SELECT} WHERE docs MATCH ?1 ORDER BY bm25(docs) LIMIT 10"
        ))
        .expect("query");
    let mut dated = db
        .prepare(&format!(
            "{SELECT} WHERE docs MATCH ?1 AND date BETWEEN ?2 AND ?3 ORDER BY bm25(docs) LIMIT 10"
        ))
        .expect("query");
    Box::new(move |_, q, filter| {
        let m = q.fts5();
        let mut rows = match filter {
            Filter::None | Filter::Program(_) => plain.query(rusqlite::params![m]),
            Filter::Year(y) => dated.query(rusqlite::params![
                m,
                format!("{y}-01-01"),
                format!("{y}-12-31")
            ]),
        }
        .expect("fts5 query");
        let (mut n, mut empty) = (0, 0);
        while let Some(row) = rows.next().expect("row") {
            let _id: String = row.get(0).expect("id");
            let _title: Option<String> = row.get(1).expect("title");
            let snippet: String = row.get(2).expect("snippet");
            if snippet.is_empty() {
                empty += 1;
            }
            n += 1;
        }
        (n, empty)
    })
}

/// The programme a query is filtered to in the programme pass.
fn filter_program(i: usize) -> &'static str {
    common::PROGRAMS[i % common::PROGRAMS.len()].0
}

/// Warm up with one untimed pass, then time a pass without filter, one
/// with a one-year filter and, with `programs`, one with a programme
/// filter.
fn run_queries(mut run: Runner<'_>, qs: &[BenchQuery], programs: bool) -> Vec<Pass> {
    for (i, q) in qs.iter().enumerate() {
        run(i, q, Filter::None);
    }
    let mut passes = Vec::new();
    for pass in 0..if programs { 3 } else { 2 } {
        let (mut ms, mut zero, mut empty) = (Vec::with_capacity(qs.len()), 0, 0);
        for (i, q) in qs.iter().enumerate() {
            let filter = match pass {
                0 => Filter::None,
                1 => Filter::Year(filter_year(i)),
                _ => Filter::Program(filter_program(i)),
            };
            let t = Instant::now();
            let (n, e) = run(i, q, filter);
            ms.push((class(q), t.elapsed().as_secs_f64() * 1e3));
            zero += usize::from(n == 0);
            empty += e;
        }
        passes.push(summarize(ms, zero, empty));
    }
    passes
}

/// The hidden child mode: `--engine NAME --build|--query --input FILE
/// --index DIR [--queries FILE] [--memory-mb N]`; prints one JSON line.
fn child(args: &[String]) {
    let get = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
    };
    let engine = get("--engine").expect("--engine").display().to_string();
    let dir = get("--index").expect("--index");
    let memory_mb = get("--memory-mb")
        .and_then(|m| m.display().to_string().parse().ok())
        .unwrap_or(DEFAULT_MEMORY_MB);
    if args.iter().any(|a| a == "--build") {
        let input = get("--input").expect("--input");
        std::fs::create_dir_all(&dir).expect("index dir");
        let t = Instant::now();
        let items = match engine.as_str() {
            "archivar" => build_archivar(&input, &dir, memory_mb),
            "tantivy" => build_tantivy(&input, &dir, memory_mb),
            "fts5" => build_fts5(&input, &dir),
            e => panic!("unknown engine {e}"),
        };
        let secs = t.elapsed().as_secs_f64();
        println!("{}", serde_json::json!({"items": items, "seconds": secs}));
    } else {
        let mut qs = read_queries(&get("--queries").expect("--queries"));
        let sample: Option<usize> =
            get("--fts5-queries").and_then(|n| n.display().to_string().parse().ok());
        if let (true, Some(n)) = (engine == "fts5", sample) {
            let step = qs.len().div_ceil(n.max(1)).max(1);
            qs = qs.into_iter().step_by(step).collect();
        }
        let passes = match engine.as_str() {
            "archivar" | "archivar-exact" => {
                let archive = Archive::open(&dir).expect("archive");
                run_queries(
                    archivar_runner(&archive, engine == "archivar-exact"),
                    &qs,
                    true,
                )
            }
            "tantivy" | "tantivy-count" => {
                let index = Index::open_in_dir(&dir).expect("index");
                run_queries(
                    tantivy_runner(&index, engine == "tantivy-count"),
                    &qs,
                    false,
                )
            }
            "fts5" => {
                let db = rusqlite::Connection::open(fts5_path(&dir)).expect("sqlite");
                run_queries(fts5_runner(&db), &qs, false)
            }
            e => panic!("unknown engine {e}"),
        };
        let mut passes = passes.into_iter();
        println!(
            "{}",
            serde_json::json!({
                "plain": passes.next(),
                "dated": passes.next(),
                "program": passes.next(),
                "queries": qs.len(),
            })
        );
    }
}

/// Run this binary in child mode; returns its JSON line and peak RSS in bytes.
// The child is reaped by `wait4` in `wait_rss`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn spawn_child(args: &[String]) -> (serde_json::Value, u64) {
    let exe = std::env::current_exe().expect("own path");
    let mut c = Command::new(exe)
        .arg("--child")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("child starts");
    let mut out = String::new();
    c.stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("child output");
    let (status, rss) = wait_rss(c.id());
    assert!(status == 0, "child {args:?} failed with status {status}");
    let v = serde_json::from_str(out.lines().last().unwrap_or("")).expect("child JSON");
    (v, rss)
}

/// Wait for a child and return its exit status and peak RSS (bytes).
fn wait_rss(pid: u32) -> (i32, u64) {
    let mut status = 0;
    // SAFETY: rusage is plain old data, zeroed is a valid value; wait4 only
    // writes into the two pointers we pass for the child we spawned.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut ru) };
    assert_eq!(r, pid as libc::pid_t, "wait4");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // Linux reports ru_maxrss in KiB.
    (code, ru.ru_maxrss as u64 * 1024)
}

/// Process start to first hit of `archivar search --json`, in ms, per run.
fn cold_start(dir: &Path, qs: &[BenchQuery], runs: usize) -> Vec<f64> {
    (0..runs)
        .map(|i| {
            let q = &qs[(i * 97) % qs.len()];
            let t = Instant::now();
            let mut c = Command::new(env!("CARGO_BIN_EXE_archivar"))
                .arg("search")
                .arg("--index")
                .arg(dir)
                .arg("--json")
                .arg("--")
                .arg(q.archivar())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("archivar runs");
            let mut r = BufReader::new(c.stdout.take().expect("stdout"));
            let mut first = String::new();
            r.read_line(&mut first).expect("first line");
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let _ = std::io::copy(&mut r, &mut std::io::sink());
            let _ = c.wait();
            ms
        })
        .collect()
}

// ---------------------------------------------------------------- report

#[derive(Default, Clone)]
struct Figures {
    items: u64,
    build_s: f64,
    raw: u64,
    size: u64,
    build_rss: u64,
    query_rss: u64,
    plain: Pass,
    dated: Pass,
    /// The programme-filtered pass (archivar only).
    program: Option<Pass>,
    /// Queries run (FTS5 may run a sample).
    queries: usize,
}

impl Figures {
    fn items_per_s(&self) -> f64 {
        self.items as f64 / self.build_s
    }
    fn mb_per_s(&self) -> f64 {
        self.raw as f64 / 1e6 / self.build_s
    }
    fn size_ratio(&self) -> f64 {
        self.size as f64 / self.raw as f64
    }
}

struct SizeResult {
    n: u64,
    raw: u64,
    figures: BTreeMap<&'static str, Figures>,
    cold_ms: Vec<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

const NAMES: [(&str, &str); 5] = [
    ("archivar", "archivar"),
    ("archivar-exact", "archivar, exact total"),
    ("tantivy", "tantivy default"),
    ("tantivy-count", "tantivy default, exact count"),
    ("fts5", "SQLite FTS5"),
];

/// Every query variant, in table order.
const ROWS: [&str; 5] = [
    "archivar",
    "archivar-exact",
    "tantivy",
    "tantivy-count",
    "fts5",
];

fn display(e: &str) -> &str {
    NAMES.iter().find(|n| n.0 == e).map_or(e, |n| n.1)
}

/// "higher is better" figures compare as a/b, the others too: a ratio is
/// always engine ÷ reference, so the reader reads the direction from the
/// column (items/s: above 1 is faster; ms: below 1 is faster).
fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() && b.is_finite() {
        format!("{:.2}×", a / b)
    } else {
        "–".into()
    }
}

fn report(o: &Opts, results: &[SizeResult], nq: usize, hash10k: &str) -> String {
    let mut s = String::new();
    let sizes: Vec<String> = results.iter().map(|r| label(r.n)).collect();
    let _ = writeln!(s, "# archivar at scale: {}\n", sizes.join(", "));
    let _ = writeln!(
        s,
        "Command: `cargo bench --bench scale -- --sizes {}{}` · seed {} · writer memory {} MB \
         · {} · run of {} UTC\n",
        o.sizes
            .iter()
            .map(|&n| label(n))
            .collect::<Vec<_>>()
            .join(","),
        o.queries
            .map_or(String::new(), |q| format!(" --queries {q}")),
        o.seed,
        o.memory_mb,
        machine(),
        now_utc(),
    );
    let _ = writeln!(
        s,
        "Queries: {nq} ({} eval queries of `../shared/eval/queries.tsv`, \
         plus entity and phrase queries), warm, top 10 with snippets; \"year\" = the same \
         queries filtered to one year (2000 + i mod 26). Latencies in ms. \
         SHA-256 of synth-10k.jsonl: `{hash10k}` (regenerated and compared in this run).\n",
        nq - 40,
    );
    for r in results {
        let _ = writeln!(
            s,
            "## {} items ({:.0} MB JSON Lines)\n",
            label(r.n),
            r.raw as f64 / 1e6
        );
        s.push_str(
            "| engine | queries | build s | items/s | MB/s | index MB | size/raw | build peak RSS MB | query RSS MB \
             | p50 | p95 | p99 | year p50 | year p95 | year p99 | programme p50 | programme p99 | zero-hit q (plain/year) |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for e in ROWS {
            let Some(f) = r.figures.get(e) else { continue };
            let prog = |g: fn(&Pass) -> f64| {
                f.program
                    .as_ref()
                    .map_or("–".to_string(), |p| format!("{:.2}", g(p)))
            };
            let _ = writeln!(
                s,
                "| {} | {} | {:.1} | {:.0} | {:.2} | {:.0} | {:.2} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {}/{} |",
                display(e),
                f.queries,
                f.build_s,
                f.items_per_s(),
                f.mb_per_s(),
                f.size as f64 / 1e6,
                f.size_ratio(),
                f.build_rss as f64 / 1e6,
                f.query_rss as f64 / 1e6,
                f.plain.p50,
                f.plain.p95,
                f.plain.p99,
                f.dated.p50,
                f.dated.p95,
                f.dated.p99,
                prog(|p| p.p50),
                prog(|p| p.p99),
                f.plain.zero_hits,
                f.dated.zero_hits,
            );
        }
        s.push_str("\nLatency by query class, p50 / p99 ms (queries in the class):\n\n| engine |");
        for c in CLASSES {
            let _ = write!(s, " {c} |");
        }
        s.push_str(" year filter | programme filter |\n|---|");
        s.push_str(&"---:|".repeat(CLASSES.len() + 2));
        s.push('\n');
        for e in ROWS {
            let Some(f) = r.figures.get(e) else { continue };
            let _ = write!(s, "| {} |", display(e));
            for c in CLASSES {
                match f.plain.classes.get(c) {
                    Some([p50, p99, n]) => {
                        let _ = write!(s, " {p50:.2} / {p99:.2} ({n}) |");
                    }
                    None => s.push_str(" – |"),
                }
            }
            let _ = write!(s, " {:.2} / {:.2} |", f.dated.p50, f.dated.p99);
            match &f.program {
                Some(p) => {
                    let _ = writeln!(s, " {:.2} / {:.2} |", p.p50, p.p99);
                }
                None => s.push_str(" – |\n"),
            }
        }
        s.push_str(
            "\nRatios (engine ÷ reference; items/s and MB/s: above 1 is faster; \
             size, RSS and ms: below 1 is better):\n\n\
             | engine ÷ reference | items/s | MB/s | size/raw | build peak RSS | p50 | p95 | p99 | year p50 | year p95 | year p99 |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for (a, b) in [
            ("archivar", "tantivy"),
            ("archivar", "tantivy-count"),
            ("archivar", "archivar-exact"),
            ("archivar", "fts5"),
            ("tantivy", "fts5"),
        ] {
            let (Some(x), Some(y)) = (r.figures.get(a), r.figures.get(b)) else {
                continue;
            };
            let _ = writeln!(
                s,
                "| {} ÷ {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                display(a),
                display(b),
                ratio(x.items_per_s(), y.items_per_s()),
                ratio(x.mb_per_s(), y.mb_per_s()),
                ratio(x.size_ratio(), y.size_ratio()),
                ratio(x.build_rss as f64, y.build_rss as f64),
                ratio(x.plain.p50, y.plain.p50),
                ratio(x.plain.p95, y.plain.p95),
                ratio(x.plain.p99, y.plain.p99),
                ratio(x.dated.p50, y.dated.p50),
                ratio(x.dated.p95, y.dated.p95),
                ratio(x.dated.p99, y.dated.p99),
            );
        }
        if !r.cold_ms.is_empty() {
            let _ = writeln!(
                s,
                "\narchivar cold start (process start to first hit of `archivar search --json`, \
                 page cache warm): median {:.1} ms of {} runs ({}).\n",
                median(&r.cold_ms),
                r.cold_ms.len(),
                r.cold_ms
                    .iter()
                    .map(|m| format!("{m:.1}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if let Some(a) = r.figures.get("archivar") {
            let check = |ok: bool| if ok { "met" } else { "missed" };
            let t = r.figures.get("tantivy");
            let f = r.figures.get("fts5");
            let vs =
                |x: Option<&Figures>| x.map_or(f64::NAN, |x| a.items_per_s() / x.items_per_s());
            let prog = a.program.clone().unwrap_or_default();
            let _ = writeln!(
                s,
                "Targets at this size (issue 17): indexing ≥ 1.5× FTS5: {:.2}× ({}); vs tantivy: {:.2}×; \
                 p50 ≤ 3 ms: {:.2} ms ({}), with year filter {:.2} ms ({}), with programme filter {:.2} ms ({}); \
                 p99 ≤ 10 ms: {:.1} ms ({}), with year filter {:.1} ms ({}), with programme filter {:.1} ms ({}); \
                 build peak RSS ≤ 1 GiB: {:.0} MiB ({}).\n",
                vs(f),
                check(vs(f) >= 1.5),
                vs(t),
                a.plain.p50,
                check(a.plain.p50 <= 3.0),
                a.dated.p50,
                check(a.dated.p50 <= 3.0),
                prog.p50,
                check(prog.p50 <= 3.0),
                a.plain.p99,
                check(a.plain.p99 <= 10.0),
                a.dated.p99,
                check(a.dated.p99 <= 10.0),
                prog.p99,
                check(prog.p99 <= 10.0),
                a.build_rss as f64 / 1048576.0,
                check(a.build_rss <= 1 << 30),
            );
        }
    }
    if results.len() > 1 {
        let _ = writeln!(
            s,
            "## Growth {}\n\nEach figure, then its factor over the previous size \
             (items grow {}).\n",
            sizes.join(" → "),
            results
                .windows(2)
                .map(|w| format!("{}×", w[1].n / w[0].n.max(1)))
                .collect::<Vec<_>>()
                .join(", then ")
        );
        s.push_str("| engine | figure |");
        for l in &sizes {
            let _ = write!(s, " {l} |");
        }
        s.push_str("\n|---|---|");
        s.push_str(&"---:|".repeat(sizes.len()));
        s.push('\n');
        type Get = fn(&Figures) -> f64;
        let rows: [(&str, Get); 6] = [
            ("build s", |f| f.build_s),
            ("index MB", |f| f.size as f64 / 1e6),
            ("build peak RSS MB", |f| f.build_rss as f64 / 1e6),
            ("p50 ms", |f| f.plain.p50),
            ("p99 ms", |f| f.plain.p99),
            ("year p99 ms", |f| f.dated.p99),
        ];
        for e in ENGINES {
            for (name, get) in &rows {
                let _ = write!(s, "| {} | {name} |", display(e));
                let mut prev: Option<f64> = None;
                for r in results {
                    match r.figures.get(e).map(get) {
                        Some(v) => {
                            let _ = match prev {
                                Some(p) if p > 0.0 => write!(s, " {v:.1} ({:.1}×) |", v / p),
                                _ => write!(s, " {v:.1} |"),
                            };
                            prev = Some(v);
                        }
                        None => s.push_str(" – |"),
                    }
                }
                s.push('\n');
            }
        }
        s.push_str("| archivar | cold start ms (median) |");
        for r in results {
            let _ = write!(s, " {:.1} |", median(&r.cold_ms));
        }
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------- main

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--child") {
        child(&args[1..]);
        return;
    }
    let o = match parse_opts(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if !shared().join("corpora").exists() {
        eprintln!("{} not found: nothing to measure", shared().display());
        return;
    }
    std::fs::create_dir_all(&o.work).expect("work dir");
    let mut pools = None;
    let hash10k = check_reproducible(&mut pools, &o.work, o.seed);
    eprintln!("synth-10k.jsonl sha256 {hash10k} (same seed, same bytes: checked)");
    let mut results = Vec::new();
    for &n in &o.sizes {
        let input = corpus(&mut pools, &o.work, o.seed, n);
        // The pools are no longer needed once the largest corpus is made.
        if Some(&n) == o.sizes.iter().max() {
            pools = None;
        }
        let raw = file_len(&input);
        let qs = query_set(&o, &input);
        let nq = qs.len();
        let qfile = o.work.join(format!("queries-{}.tsv", label(n)));
        write_queries(&qfile, &qs);
        let mut r = SizeResult {
            n,
            raw,
            figures: BTreeMap::new(),
            cold_ms: Vec::new(),
        };
        for &e in &o.engines {
            let dir = o.work.join(format!("index-{}-{e}", label(n)));
            let _ = std::fs::remove_dir_all(&dir);
            let common = |mode: &str, e: &str| -> Vec<String> {
                let mut v: Vec<String> = vec![
                    "--engine".into(),
                    e.into(),
                    mode.into(),
                    "--index".into(),
                    dir.display().to_string(),
                    "--input".into(),
                    input.display().to_string(),
                    "--queries".into(),
                    qfile.display().to_string(),
                    "--memory-mb".into(),
                    o.memory_mb.to_string(),
                ];
                if let Some(k) = o.fts5_queries {
                    v.extend(["--fts5-queries".into(), k.to_string()]);
                }
                v
            };
            eprintln!("{}: {e}: indexing", label(n));
            let (b, build_rss) = spawn_child(&common("--build", e));
            let items = b["items"].as_u64().unwrap_or(0);
            assert_eq!(items, n, "{e} indexed every item");
            let size = dir_size(&dir);
            for &e in variants(e) {
                eprintln!("{}: {e}: querying", label(n));
                let (q, query_rss) = spawn_child(&common("--query", e));
                let pass = |k: &str| serde_json::from_value(q[k].clone()).expect("pass");
                let f = Figures {
                    items,
                    build_s: b["seconds"].as_f64().unwrap_or(f64::NAN),
                    raw,
                    size,
                    build_rss,
                    query_rss,
                    plain: pass("plain"),
                    dated: pass("dated"),
                    program: serde_json::from_value(q["program"].clone()).ok(),
                    queries: q["queries"].as_u64().unwrap_or(0) as usize,
                };
                eprintln!(
                    "{}: {e}: {:.1} s, {:.0} items/s, size {:.2}× raw, peak {:.0} MB, p50 {:.2} / p99 {:.2} ms, year p99 {:.2} ms",
                    label(n),
                    f.build_s,
                    f.items_per_s(),
                    f.size_ratio(),
                    build_rss as f64 / 1e6,
                    f.plain.p50,
                    f.plain.p99,
                    f.dated.p99
                );
                if e == "archivar" {
                    r.cold_ms = cold_start(&dir, &qs, o.cold_runs);
                }
                r.figures.insert(e, f);
            }
            if !o.keep {
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
        results.push(r);
        // Print and write after each size, so a cut-off run keeps what it has.
        let md = report(&o, &results, nq, &hash10k);
        let sizes: Vec<String> = o.sizes.iter().map(|&n| label(n)).collect();
        let out = o.work.join(format!("report-{}.md", sizes.join("-")));
        std::fs::write(&out, &md).expect("report written");
        if results.len() == o.sizes.len() {
            println!("{md}");
            eprintln!("report: {}", out.display());
        } else {
            eprintln!("(partial report so far: {})", out.display());
        }
    }
}
