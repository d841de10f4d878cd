//! How well near-duplicate detection (`src/index/dedup.rs`) tells a
//! repeated bulletin from another item: precision and recall of "same
//! item" at a range of similarity thresholds, on a set built here.
//!
//! ```sh
//! cargo bench --bench dedup
//! ```
//!
//! The set (deterministic; the seed is fixed):
//! - **data/**: the four hourly WDR 5 bulletins of 3 April 2025 are
//!   repeats of each other (6 pairs); no other pair of the sample archive
//!   is.
//! - **Synthetic repeats** of real items from `../shared/corpora`
//!   (Wikinews, DER STANDARD, tagesschau transcripts): an item cut to a
//!   bulletin's length (40–250 words) and then edited as newsrooms edit a
//!   repeat: a number changed, a sentence replaced by one from another
//!   item, the last sentence dropped, a new opening line. 1 to 3 edits
//!   each. Each (original, repeat) pair is a positive.
//! - **Real negatives**: every pair of different originals of those
//!   corpora and of the Bundestag speeches of WP 20 that share an LSH band
//!   (the pairs the indexer would verify) and is not a known repeat. This
//!   is where false collapses would come from: same topic, same day, same
//!   phrases. Pairs among them above the threshold are printed, to be
//!   read: some real corpora hold real duplicates.

use archivar::index::dedup::{self, Signature};
use archivar::ingest::{self, Event};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora")
}

/// xorshift64*: a small deterministic generator, so the set is the same
/// on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Doc {
    id: String,
    text: String,
}

fn read_items(path: &Path) -> Vec<Doc> {
    let walk = ingest::walk(&[path.to_path_buf()]);
    let mut out = Vec::new();
    for src in &walk.sources {
        ingest::read_source(src, &ingest::Meta::default(), &mut |ev| {
            if let Event::Item(item) = ev {
                let text = item
                    .blocks
                    .iter()
                    .map(|b| b.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                out.push(Doc { id: item.id, text });
            }
        });
    }
    out
}

fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for w in text.split_whitespace() {
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
        if w.ends_with(['.', '!', '?']) && cur.split_whitespace().count() > 3 {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A bulletin-length cut of `text`: whole sentences up to `words` words.
fn cut(text: &str, words: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut n = 0;
    for s in sentences(text) {
        n += s.split_whitespace().count();
        out.push(s);
        if n >= words {
            break;
        }
    }
    out
}

fn edit(rng: &mut Rng, mut s: Vec<String>, other: &[String]) -> Vec<String> {
    let edits = 1 + rng.below(3);
    for _ in 0..edits {
        match rng.below(4) {
            0 => {
                // Change a number, or add one.
                let i = rng.below(s.len());
                let mut done = false;
                let words: Vec<String> = s[i]
                    .split_whitespace()
                    .map(|w| {
                        if !done && w.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                            done = true;
                            format!("{}", rng.below(900) + 2)
                        } else {
                            w.to_string()
                        }
                    })
                    .collect();
                s[i] = words.join(" ");
                if !done {
                    s[i].push_str(&format!(" Das meldeten {} Quellen.", rng.below(9) + 2));
                }
            }
            1 if !other.is_empty() && s.len() > 1 => {
                let i = rng.below(s.len());
                s[i] = other[rng.below(other.len())].clone();
            }
            2 if s.len() > 2 => {
                s.pop();
            }
            _ => {
                let hour = rng.below(24);
                s.insert(0, format!("Nachrichten, {hour} Uhr."));
            }
        }
    }
    s
}

fn sig(text: &str) -> Option<Signature> {
    dedup::signature(&dedup::words(text))
}

const THRESHOLDS: [f64; 8] = [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8];

#[derive(Default, Clone, Copy)]
struct Tally {
    tp: u64,
    fp: u64,
    fn_: u64,
}

fn main() {
    let mut rng = Rng(0x5eed_2025_0403);
    let mut positives: Vec<(String, f64)> = Vec::new();
    let mut negatives: Vec<(String, String, f64)> = Vec::new();
    let mut real_pairs: Vec<f64> = Vec::new();

    // 1. data/: the WDR 5 bulletins.
    let data = read_items(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data"));
    let sigs: Vec<(String, Vec<u8>)> = data
        .iter()
        .filter_map(|d| sig(&d.text).map(|s| (d.id.clone(), s.bytes())))
        .collect();
    let mut data_pairs = 0;
    for i in 0..sigs.len() {
        for j in i + 1..sigs.len() {
            let s = dedup::similarity(&sigs[i].1, &sigs[j].1);
            let same = sigs[i].0.starts_with("wdr5-2025-04-03-")
                && sigs[j].0.starts_with("wdr5-2025-04-03-");
            if same {
                positives.push((format!("{} ~ {}", sigs[i].0, sigs[j].0), s));
            } else {
                negatives.push((sigs[i].0.clone(), sigs[j].0.clone(), s));
            }
            data_pairs += 1;
        }
    }
    println!(
        "data/: {} items with a signature, {data_pairs} pairs",
        sigs.len()
    );

    // 2. Synthetic repeats of real items.
    let mut originals: Vec<Doc> = Vec::new();
    for corpus in [
        "dewikinews-quotes/docs.jsonl",
        "10kgnad-test/docs.jsonl",
        "tagesschau-transcripts/docs.jsonl",
    ] {
        originals.extend(read_items(&shared().join(corpus)));
    }
    let pool: Vec<String> = originals
        .iter()
        .step_by(7)
        .flat_map(|d| sentences(&d.text).into_iter().take(3))
        .collect();
    let mut synthetic = 0;
    for d in originals.iter().step_by(5) {
        let len = 40 + rng.below(210);
        let base = cut(&d.text, len);
        if base.join(" ").split_whitespace().count() < dedup::MIN_WORDS + 5 {
            continue;
        }
        let repeat = edit(&mut rng, base.clone(), &pool);
        if let (Some(a), Some(b)) = (sig(&base.join(" ")), sig(&repeat.join(" "))) {
            positives.push((d.id.clone(), dedup::similarity(&a.bytes(), &b.bytes())));
            synthetic += 1;
        }
    }
    println!("synthetic repeats: {synthetic}");

    // 3. Real negatives: candidate pairs (sharing a band) of different
    // originals, also of the Bundestag speeches.
    let mut real = originals;
    real.extend(read_items(&shared().join("bundestag-reden/wp20.jsonl.gz")));
    let signed: Vec<(usize, Signature)> = real
        .iter()
        .enumerate()
        .filter_map(|(i, d)| sig(&d.text).map(|s| (i, s)))
        .collect();
    let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
    for (k, (_, s)) in signed.iter().enumerate() {
        for b in s.bands() {
            buckets.entry(b).or_default().push(k);
        }
    }
    let mut pairs: std::collections::HashSet<(usize, usize)> = Default::default();
    for ks in buckets.values() {
        if ks.len() > 200 {
            continue; // a boilerplate band; the indexer caps candidates too
        }
        for a in 0..ks.len() {
            for b in a + 1..ks.len() {
                pairs.insert((ks[a], ks[b]));
            }
        }
    }
    let mut above: Vec<(f64, String, String)> = Vec::new();
    for &(a, b) in &pairs {
        let (ia, sa) = &signed[a];
        let (ib, sb) = &signed[b];
        let s = dedup::similarity(&sa.bytes(), &sb.bytes());
        real_pairs.push(s);
        if s >= 0.5 {
            above.push((s, real[*ia].id.clone(), real[*ib].id.clone()));
        }
    }
    println!(
        "real items with a signature: {}; candidate pairs (sharing a band): {}",
        signed.len(),
        pairs.len()
    );

    println!(
        "\n| threshold | recall (repeats found) | missed repeats | false collapses in data/ | real corpus pairs collapsed | precision, counting those as false |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for t in THRESHOLDS {
        let mut tally = Tally::default();
        for (_, s) in &positives {
            if *s >= t {
                tally.tp += 1;
            } else {
                tally.fn_ += 1;
            }
        }
        for (_, _, s) in &negatives {
            if *s >= t {
                tally.fp += 1;
            }
        }
        let real_above = real_pairs.iter().filter(|s| **s >= t).count() as u64;
        let p = tally.tp as f64 / (tally.tp + tally.fp + real_above).max(1) as f64;
        let r = tally.tp as f64 / (tally.tp + tally.fn_).max(1) as f64;
        println!(
            "| {t:.2} | {r:.3} | {} | {} | {real_above} | {p:.3} |",
            tally.fn_, tally.fp
        );
    }
    let wdr: Vec<String> = positives
        .iter()
        .filter(|(n, _)| n.starts_with("wdr5"))
        .map(|(n, s)| format!("{n}: {s:.2}"))
        .collect();
    println!("\nWDR 5 bulletins: {}", wdr.join("; "));
    above.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "\nreal pairs at 0.5 or more ({}), most similar first:",
        above.len()
    );
    let text_of: HashMap<&str, &str> = real
        .iter()
        .map(|d| (d.id.as_str(), d.text.as_str()))
        .collect();
    let head = |id: &str| -> String {
        text_of
            .get(id)
            .map(|t| t.split_whitespace().take(12).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    for (s, a, b) in &above {
        println!(
            "  {s:.2}  {a}  {b}\n        {}\n        {}",
            head(a),
            head(b)
        );
    }
}
