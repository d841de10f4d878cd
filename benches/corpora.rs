//! Indexing throughput on all of `../shared/corpora`: archivar's whole
//! pipeline against plain tantivy with its default tokenizer on the same
//! input, in the same run, with the same writer memory and threads.
//!
//! ```sh
//! cargo bench --bench corpora                 # one round each
//! cargo bench --bench corpora -- --rounds 3   # alternate, report the best
//! ```
//!
//! Both read and parse every JSON Lines file (gzip too) on one thread and
//! hand documents to a tantivy writer whose threads do the analysis. The
//! baseline indexes title and body with tantivy's "default" tokenizer and
//! stores them; archivar runs its ingest (turn detection, blocks), its
//! German analyzer over five text fields, and stores the item as JSON.

use archivar::index::Archive;
use archivar::index::writer::{DEFAULT_MEMORY_MB, Indexer};
use archivar::ingest::{self, Event, Format};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tantivy::schema::{STORED, STRING, Schema, TEXT};
use tantivy::{Index, TantivyDocument};

fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora")
}

struct Measured {
    items: u64,
    elapsed: Duration,
}

fn open_lines(path: &Path, format: Format) -> BufReader<Box<dyn Read>> {
    let f = std::fs::File::open(path).expect("corpus file opens");
    let inner: Box<dyn Read> = if format == Format::JsonLinesGz {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    };
    BufReader::with_capacity(1 << 16, inner)
}

fn baseline(sources: &[ingest::Source], dir: &Path) -> Measured {
    let started = Instant::now();
    let mut b = Schema::builder();
    let id = b.add_text_field("id", STRING | STORED);
    let title = b.add_text_field("title", TEXT | STORED);
    let body = b.add_text_field("body", TEXT | STORED);
    let index = Index::create_in_dir(dir, b.build()).expect("baseline index");
    let mut w = index
        .writer::<TantivyDocument>(DEFAULT_MEMORY_MB * 1_000_000)
        .expect("writer");
    let mut items = 0;
    for src in sources {
        let mut r = open_lines(&src.path, src.format);
        let mut line = String::new();
        while r.read_line(&mut line).expect("read") > 0 {
            if !line.trim().is_empty() {
                let v: serde_json::Value = serde_json::from_str(&line).expect("json");
                let mut d = TantivyDocument::default();
                d.add_text(id, v["id"].as_str().unwrap_or(""));
                d.add_text(title, v["title"].as_str().unwrap_or(""));
                d.add_text(body, v["body"].as_str().unwrap_or(""));
                w.add_document(d).expect("add");
                items += 1;
            }
            line.clear();
        }
    }
    w.commit().expect("commit");
    w.wait_merging_threads().expect("merge");
    Measured {
        items,
        elapsed: started.elapsed(),
    }
}

fn archivar_run(sources: &[ingest::Source], dir: &Path) -> Measured {
    let started = Instant::now();
    let archive = Archive::open_or_create(dir, true).expect("archive");
    let mut indexer = Indexer::new(&archive, DEFAULT_MEMORY_MB).expect("indexer");
    let mut items = 0;
    for src in sources {
        ingest::read_source(src, &ingest::Meta::default(), &mut |ev| match ev {
            Event::Item(item) => {
                indexer.add(&item).expect("add");
                items += 1;
            }
            Event::Warning(..) => {}
            Event::Error(e) => panic!("corpus item failed: {e}"),
        });
    }
    indexer.commit().expect("commit");
    let stored = archive.reader().expect("reader").searcher().num_docs();
    assert_eq!(stored, items, "count in = count stored");
    Measured {
        items,
        elapsed: started.elapsed(),
    }
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|r| r.parse().ok())
        .unwrap_or(1usize);
    let root = corpora();
    if !root.exists() {
        eprintln!("{} not found: nothing to measure", root.display());
        return;
    }
    let walk = ingest::walk(&[root]);
    let sources: Vec<_> = walk
        .sources
        .into_iter()
        .filter(|s| s.format != Format::Text)
        .collect();
    let raw: u64 = sources.iter().map(|s| s.size).sum();
    let tmp = std::env::temp_dir().join(format!("archivar-bench-{}", std::process::id()));
    let (mut best_base, mut best_arch): (Option<Measured>, Option<Measured>) = (None, None);
    let (mut base_size, mut arch_size) = (0, 0);
    for round in 0..rounds {
        let bdir = tmp.join(format!("tantivy-{round}"));
        let adir = tmp.join(format!("archivar-{round}"));
        std::fs::create_dir_all(&bdir).expect("tmp");
        let b = baseline(&sources, &bdir);
        let a = archivar_run(&sources, &adir);
        assert_eq!(a.items, b.items, "both read the same items");
        eprintln!(
            "round {}: tantivy default {:.1} s, archivar {:.1} s",
            round + 1,
            b.elapsed.as_secs_f64(),
            a.elapsed.as_secs_f64()
        );
        base_size = dir_size(&bdir);
        arch_size = dir_size(&adir);
        if best_base.as_ref().is_none_or(|x| b.elapsed < x.elapsed) {
            best_base = Some(b);
        }
        if best_arch.as_ref().is_none_or(|x| a.elapsed < x.elapsed) {
            best_arch = Some(a);
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let (b, a) = (best_base.expect("a round"), best_arch.expect("a round"));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "# Indexing ../shared/corpora ({} items, {:.0} MB compressed input, {cores} cores)",
        a.items,
        raw as f64 / 1e6
    );
    println!();
    println!("| engine | seconds | items/s | index MB | ratio to tantivy default (items/s) |");
    println!("|---|---:|---:|---:|---:|");
    for (name, m, size) in [
        ("tantivy, default tokenizer", &b, base_size),
        ("archivar", &a, arch_size),
    ] {
        println!(
            "| {name} | {:.1} | {:.0} | {:.0} | {:.2}x |",
            m.elapsed.as_secs_f64(),
            m.items as f64 / m.elapsed.as_secs_f64(),
            size as f64 / 1e6,
            b.elapsed.as_secs_f64() / m.elapsed.as_secs_f64()
        );
    }
}
