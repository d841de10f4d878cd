//! Derive archivar's built-in German lexicon (`lexicon/de.tsv`) from the
//! Bundestag's plenary speeches: every term of archivar's analysis (the
//! form the index stores: lower case, stemmed, folded) with the number of
//! speeches it occurs in. The speeches are official works without
//! copyright (Deutscher Bundestag); only the derived words and counts are
//! shipped, never the text.
//!
//! ```text
//! cargo run --release --features lexicon-tool --bin archivar-lexicon -- \
//!     ../shared/corpora/bundestag-reden/*.jsonl.gz > lexicon/de.tsv
//! ```
//!
//! Each input is JSON Lines (gzip or plain) with a `body` string a line.

use archivar::analysis::{Analyzer, TokenKind};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};

/// Speeches a term must occur in to be kept: fewer are mostly typos and
/// one-off names.
const MIN_SPEECHES: u64 = 3;

/// Shortest term kept, in letters.
const MIN_LETTERS: usize = 3;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: archivar-lexicon SPEECHES.jsonl[.gz]... > lexicon/de.tsv");
        std::process::exit(2);
    }
    let analyzer = Analyzer::shared();
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut speeches = 0u64;
    let mut memo: HashMap<String, Option<String>> = HashMap::new();
    for path in &files {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("archivar-lexicon: {path}: {e}");
                std::process::exit(2);
            }
        };
        let reader: Box<dyn BufRead> = if path.ends_with(".gz") {
            Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
        } else {
            Box::new(BufReader::new(file))
        };
        for (n, line) in reader.lines().enumerate() {
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("archivar-lexicon: {path}:{}: {e}", n + 1);
                    std::process::exit(2);
                }
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                eprintln!("archivar-lexicon: {path}:{}: bad JSON, skipped", n + 1);
                continue;
            };
            let Some(body) = v.get("body").and_then(|b| b.as_str()) else {
                continue;
            };
            speeches += 1;
            let mut seen: HashSet<String> = HashSet::new();
            let mut tokens = Vec::new();
            analyzer.analyze_into(body, &mut tokens, &mut |w| {
                memo.entry(w.to_string())
                    .or_insert_with(|| analyzer.normalize(w))
                    .clone()
            });
            for t in tokens {
                if t.kind == TokenKind::Word
                    && t.text.chars().count() >= MIN_LETTERS
                    && t.text.chars().all(char::is_alphabetic)
                {
                    seen.insert(t.text);
                }
            }
            for t in seen {
                *counts.entry(t).or_default() += 1;
            }
        }
    }
    let mut kept: Vec<(String, u64)> = counts
        .into_iter()
        .filter(|(_, n)| *n >= MIN_SPEECHES)
        .collect();
    kept.sort();
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        writeln!(
            out,
            "# archivar lexicon: term\tspeeches, from {speeches} speeches of the Deutscher Bundestag"
        )?;
        for (t, n) in &kept {
            writeln!(out, "{t}\t{n}")?;
        }
        out.flush()
    };
    if let Err(e) = write(&mut out) {
        eprintln!("archivar-lexicon: cannot write: {e}");
        std::process::exit(2);
    }
    eprintln!(
        "archivar-lexicon: {} terms from {speeches} speeches",
        kept.len()
    );
}
