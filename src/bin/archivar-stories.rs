//! Measure archivar's story segmenter (`index::stories`) against the
//! tagesschau rundowns: for each 20:00 episode with both a transcript and
//! a rundown, the number of stories found against the rundown's number of
//! topics, and whether the stories come in the rundown's order (each topic
//! matched to the story that holds most of its words, by idf). A uniform
//! cut of each transcript into as many equal parts is the baseline.
//!
//! ```text
//! cargo run --release --features stories-tool --bin archivar-stories -- \
//!     ../shared/corpora/tagesschau-transcripts/docs.jsonl \
//!     ../shared/corpora/tagesschau-rundowns/docs.jsonl
//! ```
//!
//! Weights other than the index's are given as `NAME=VALUE` after the two
//! files (`window=60 cutoff=-0.5 cue=0.3 pause=0.2 anchor=0.3 block=0
//! min_story=25 idf=1 min_depth=0 max_contrast=0.45 max_quick_contrast=0.4`),
//! for tuning. Only figures are printed, never the texts.
//!
//! `archivar-stories --count FILE.jsonl[.gz] [NAME=VALUE]...` counts the
//! items of a file by the number of stories they are cut into, with the
//! distribution of the one-subject test's ratios; with
//! `ARCHIVAR_STORIES_TIME=1` it times the segmenter against the German
//! analysis of the same items instead (one thread, the same run).

use archivar::analysis::Analyzer;
use archivar::error::Location;
use archivar::index::dedup::item_words_and_stems as item_words;
use archivar::index::stories::{Params, segment_with};
use archivar::item::{Item, Story};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

fn fail(msg: String) -> ! {
    eprintln!("archivar-stories: {msg}");
    std::process::exit(2);
}

fn read_jsonl(path: &str) -> Vec<serde_json::Value> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.unwrap_or_else(|e| fail(format!("{path}:{}: {e}", n + 1)));
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line) {
            Ok(v) => out.push(v),
            Err(e) => fail(format!("{path}:{}: bad JSON ({e})", n + 1)),
        }
    }
    out
}

/// `--count FILE`: how many items of a JSON Lines file (gzip or plain)
/// are cut into how many stories.
fn count(path: &str, p: &Params) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let reader: Box<dyn BufRead> = if path.ends_with(".gz") {
        Box::new(std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
            file,
        )))
    } else {
        Box::new(std::io::BufReader::new(file))
    };
    if std::env::var_os("ARCHIVAR_STORIES_TIME").is_some() {
        let items: Vec<Item> = reader
            .lines()
            .enumerate()
            .filter_map(|(n, l)| {
                archivar::ingest::jsonl::parse_line(
                    &l.ok()?,
                    &Location::line(Path::new(path), n as u64 + 1),
                    "t",
                )
                .ok()
            })
            .collect();
        // The words near-duplicate detection hashes anyway.
        let words: Vec<_> = items.iter().map(item_words).collect();
        let t = std::time::Instant::now();
        let quick = words
            .iter()
            .filter(|w| archivar::index::stories::quick_contrast(&w.stems, p.window).is_some())
            .count();
        let tq = t.elapsed();
        let t = std::time::Instant::now();
        let cut = items
            .iter()
            .zip(&words)
            .filter(|(i, w)| !segment_with(i, w, p).is_empty())
            .count();
        let ts = t.elapsed();
        // What indexing analyses of the same items, for a ratio from the
        // same run: every text value through the German tokenizer.
        use tantivy::tokenizer::{TokenStream, Tokenizer};
        let mut tok = archivar::analysis::GermanTokenizer::new();
        let t = std::time::Instant::now();
        let mut tokens = 0u64;
        for i in &items {
            for text in std::iter::once(&i.title).chain(i.blocks.iter().map(|b| &b.text)) {
                let mut st = tok.token_stream(text);
                while st.advance() {
                    tokens += 1;
                }
            }
        }
        let ta = t.elapsed();
        println!(
            "{} items: quick_contrast {quick} in {tq:?}; segment {cut} cut in {ts:?}; German analysis ({tokens} tokens) in {ta:?}: segmenting costs {:.1} % of the analysis",
            items.len(),
            100.0 * ts.as_secs_f64() / ta.as_secs_f64()
        );
        return;
    }
    let mut hist: std::collections::BTreeMap<usize, u64> = Default::default();
    let mut items = 0u64;
    let mut ratios: std::collections::BTreeMap<usize, u64> = Default::default();
    let mut quick: std::collections::BTreeMap<usize, u64> = Default::default();
    for (n, line) in reader.lines().enumerate() {
        let line = line.unwrap_or_else(|e| fail(format!("{path}:{}: {e}", n + 1)));
        let Ok(item) = archivar::ingest::jsonl::parse_line(
            &line,
            &Location::line(Path::new(path), n as u64 + 1),
            "t",
        ) else {
            continue;
        };
        items += 1;
        let words = item_words(&item);
        *hist
            .entry(segment_with(&item, &words, p).len())
            .or_default() += 1;
        if let Some((near, far)) = archivar::index::stories::contrast(&item, p) {
            let r = ((far / near.max(1e-6)) * 10.0).floor().min(20.0) as usize;
            *ratios.entry(r).or_default() += 1;
        }
        if let Some((near, far)) = archivar::index::stories::quick_contrast(&words.stems, p.window)
        {
            let r = ((far / near.max(1e-6)) * 20.0).floor().min(40.0) as usize;
            *quick.entry(r).or_default() += 1;
        }
    }
    println!("quick far/near cosine, twentieths: items");
    for (k, v) in &quick {
        println!("{k}: {v}");
    }
    println!("far/near cosine, tenths: items");
    for (k, v) in &ratios {
        println!("{k}: {v}");
    }
    println!("{items} items; stories: items");
    for (k, v) in hist {
        println!("{k}: {v}");
    }
}

/// The rundown's topics, without notes such as "(Der Beitrag … darf …)".
fn topics(body: &str) -> Vec<String> {
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('(') && !l.starts_with("Hinweis"))
        .map(str::to_string)
        .collect()
}

/// The item cut into `n` stories of about equal numbers of blocks' words.
fn uniform(item: &Item, n: usize) -> Vec<Story> {
    let words: Vec<usize> = item
        .blocks
        .iter()
        .map(|b| b.text.split_whitespace().count())
        .collect();
    let total: usize = words.iter().sum();
    let mut out = Vec::new();
    let mut from = [0usize, 0usize];
    let mut seen = 0usize;
    let mut k = 1;
    for (bi, b) in item.blocks.iter().enumerate() {
        // Cut inside the block at word boundaries.
        let mut offset = 0;
        for (i, w) in b.text.split_whitespace().enumerate() {
            let at = b.text[offset..].find(w).map_or(offset, |p| offset + p);
            offset = at + w.len();
            if k < n && (seen + i) * n >= k * total && [bi, at] != from {
                out.push(Story {
                    from,
                    to: [bi, at],
                    positions: [0, 0],
                    start_ms: None,
                    end_ms: None,
                });
                from = [bi, at];
                k += 1;
            }
        }
        seen += words[bi];
    }
    out.push(Story {
        from,
        to: [item.blocks.len(), 0],
        positions: [0, 0],
        start_ms: None,
        end_ms: None,
    });
    out
}

/// The terms of each story.
fn story_terms(item: &Item, stories: &[Story]) -> Vec<HashSet<String>> {
    let a = Analyzer::shared();
    let mut it = item.clone();
    it.stories = stories.to_vec();
    (1..=stories.len())
        .map(|n| {
            let part = it.story(n).unwrap_or_else(|_| it.clone());
            part.blocks
                .iter()
                .flat_map(|b| a.analyze(&b.text))
                .map(|t| t.text)
                .collect()
        })
        .collect()
}

/// For each topic with a word in some story, the story that holds the
/// most of its words by idf among the stories (first on a tie), and that
/// story's share of the topic's score over all stories (1 when its words
/// are in that story only, less when a cut splits the report).
fn matched(topics: &[String], terms: &[HashSet<String>]) -> Vec<Option<(usize, f32)>> {
    let a = Analyzer::shared();
    let n = terms.len() as f32;
    topics
        .iter()
        .map(|t| {
            let words: HashSet<String> = a.analyze(t).into_iter().map(|t| t.text).collect();
            let mut best: Option<(f32, usize)> = None;
            let mut sum = 0.0;
            for (i, s) in terms.iter().enumerate() {
                let score: f32 = words
                    .iter()
                    .filter(|w| s.contains(*w))
                    .map(|w| {
                        let df = terms.iter().filter(|s| s.contains(w)).count() as f32;
                        (1.0 + n / df).ln()
                    })
                    .sum();
                sum += score;
                if score > 0.0 && best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, i));
                }
            }
            best.map(|(b, i)| (i, b / sum))
        })
        .collect()
}

/// Order agreement of the matched stories with the rundown's order:
/// (concordant, discordant) pairs of topics matched to different stories,
/// and (adjacent pairs in order, adjacent pairs).
fn order(m: &[Option<(usize, f32)>]) -> (u64, u64, u64, u64) {
    let seq: Vec<usize> = m.iter().flatten().map(|x| x.0).collect();
    let (mut c, mut d) = (0, 0);
    for i in 0..seq.len() {
        for j in i + 1..seq.len() {
            match seq[i].cmp(&seq[j]) {
                std::cmp::Ordering::Less => c += 1,
                std::cmp::Ordering::Greater => d += 1,
                std::cmp::Ordering::Equal => {}
            }
        }
    }
    let adj = seq.len().saturating_sub(1) as u64;
    let ok = seq.windows(2).filter(|w| w[0] <= w[1]).count() as u64;
    (c, d, ok, adj)
}

#[derive(Default)]
struct Tally {
    episodes: u64,
    found: Vec<f64>,
    rundown: Vec<f64>,
    within2: u64,
    conc: u64,
    disc: u64,
    adj_ok: u64,
    adj: u64,
    distinct: u64,
    matched: u64,
    topics: u64,
    u_conc: u64,
    u_disc: u64,
    u_adj_ok: u64,
    u_adj: u64,
    u_distinct: u64,
    u_matched: u64,
    share: f64,
    u_share: f64,
}

impl Tally {
    fn row(&self, name: &str) {
        let n = self.episodes as f64;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let (mf, mr) = (mean(&self.found), mean(&self.rundown));
        let mad = self
            .found
            .iter()
            .zip(&self.rundown)
            .map(|(f, r)| (f - r).abs())
            .sum::<f64>()
            / n.max(1.0);
        let cov = self
            .found
            .iter()
            .zip(&self.rundown)
            .map(|(f, r)| (f - mf) * (r - mr))
            .sum::<f64>();
        let sf = self
            .found
            .iter()
            .map(|f| (f - mf).powi(2))
            .sum::<f64>()
            .sqrt();
        let sr = self
            .rundown
            .iter()
            .map(|r| (r - mr).powi(2))
            .sum::<f64>()
            .sqrt();
        let r = if sf > 0.0 && sr > 0.0 {
            cov / (sf * sr)
        } else {
            0.0
        };
        let tau = |c: u64, d: u64| (c as f64 - d as f64) / ((c + d) as f64).max(1.0);
        let share = |a: u64, b: u64| a as f64 / (b as f64).max(1.0);
        println!(
            "| {name} | {} | {mf:.1} | {mr:.1} | {mad:.1} | {:.2} | {r:.2} | {:.2} ({:.2}) | {:.2} ({:.2}) | {:.2} ({:.2}) | {:.3} ({:.3}) |",
            self.episodes,
            share(self.within2, self.episodes),
            tau(self.conc, self.disc),
            tau(self.u_conc, self.u_disc),
            share(self.adj_ok, self.adj),
            share(self.u_adj_ok, self.u_adj),
            share(self.distinct, self.matched),
            share(self.u_distinct, self.u_matched),
            self.share / (self.matched as f64).max(1.0),
            self.u_share / (self.u_matched as f64).max(1.0),
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        fail("usage: archivar-stories TRANSCRIPTS.jsonl RUNDOWNS.jsonl [name=value]...".into());
    }
    let mut p = Params::default();
    let counting = args[0] == "--count";
    for kv in args[2..].iter().filter(|a| a.contains('=')) {
        let (k, v) = kv
            .split_once('=')
            .unwrap_or_else(|| fail(format!("{kv}: expected NAME=VALUE")));
        let f: f32 = v
            .parse()
            .unwrap_or_else(|_| fail(format!("{kv}: not a number")));
        match k {
            "window" => p.window = f as usize,
            "min_story" => p.min_story = f as usize,
            "cutoff" => p.cutoff = f,
            "cue" => p.cue = f,
            "pause" => p.pause = f,
            "anchor" => p.anchor = f,
            "block" => p.block = f,
            "min_words" => p.min_words = f as usize,
            "idf" => p.idf = f,
            "min_depth" => p.min_depth = f,
            "max_contrast" => p.max_contrast = f,
            "max_quick_contrast" => p.max_quick_contrast = f,
            _ => fail(format!("{k}: no such weight")),
        }
    }
    if counting {
        count(&args[1], &p);
        return;
    }
    let mut rundowns: HashMap<String, Vec<String>> = HashMap::new();
    for r in read_jsonl(&args[1]) {
        let (Some(date), Some("20:00"), Some("tagesschau")) = (
            r["date"].as_str(),
            r["air_time"].as_str(),
            r["program"].as_str(),
        ) else {
            continue;
        };
        rundowns.insert(date.to_string(), topics(r["body"].as_str().unwrap_or("")));
    }
    let mut tallies: HashMap<String, Tally> = HashMap::new();
    let path = Path::new(&args[0]);
    for (n, v) in read_jsonl(&args[0]).into_iter().enumerate() {
        let Some(topics) = v["date"].as_str().and_then(|d| rundowns.get(d)) else {
            continue;
        };
        if topics.len() < 2 {
            continue;
        }
        let kind = v["transcript_kind"].as_str().unwrap_or("?").to_string();
        let item = archivar::ingest::jsonl::parse_line(
            &v.to_string(),
            &Location::line(path, n as u64 + 1),
            "t",
        )
        .unwrap_or_else(|e| fail(e.to_string()));
        let mut found = segment_with(&item, &item_words(&item), &p);
        if found.is_empty() {
            found = uniform(&item, 1);
        }
        let base = uniform(&item, found.len());
        let m = matched(topics, &story_terms(&item, &found));
        let mu = matched(topics, &story_terms(&item, &base));
        for key in [kind.as_str(), "all"] {
            let t = tallies.entry(key.to_string()).or_default();
            t.episodes += 1;
            t.found.push(found.len() as f64);
            t.rundown.push(topics.len() as f64);
            t.within2 += u64::from(found.len().abs_diff(topics.len()) <= 2);
            let (c, d, ok, adj) = order(&m);
            t.conc += c;
            t.disc += d;
            t.adj_ok += ok;
            t.adj += adj;
            let (c, d, ok, adj) = order(&mu);
            t.u_conc += c;
            t.u_disc += d;
            t.u_adj_ok += ok;
            t.u_adj += adj;
            let distinct = |m: &[Option<(usize, f32)>]| {
                m.iter()
                    .flatten()
                    .map(|x| x.0)
                    .collect::<HashSet<_>>()
                    .len() as u64
            };
            t.share += m.iter().flatten().map(|x| f64::from(x.1)).sum::<f64>();
            t.u_share += mu.iter().flatten().map(|x| f64::from(x.1)).sum::<f64>();
            t.distinct += distinct(&m);
            t.matched += m.iter().flatten().count() as u64;
            t.u_distinct += distinct(&mu);
            t.u_matched += mu.iter().flatten().count() as u64;
            t.topics += topics.len() as u64;
        }
    }
    println!("{p:?}");
    println!(
        "| transcripts | episodes | stories found (mean) | rundown topics (mean) | mean abs. difference | within ±2 | correlation of counts | order: Kendall tau (uniform cut) | adjacent topics in order (uniform) | distinct stories per matched topic (uniform) | topic's words in its story (uniform) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut keys: Vec<&String> = tallies.keys().filter(|k| *k != "all").collect();
    keys.sort();
    for k in keys {
        tallies[k].row(k);
    }
    if let Some(t) = tallies.get("all") {
        t.row("all");
    }
}
