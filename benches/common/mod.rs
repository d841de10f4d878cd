//! What the benches share: the synthetic archive of the scale bench (its
//! generator, from the real sentences of `../shared/corpora` and a
//! fixed-seed PRNG), the eval queries, and a few report helpers.

// Each bench that says `mod common;` uses only some of these.
#![allow(dead_code)]

use archivar::item::Day;
use regex::Regex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Version of the generator: bump it when the output changes, so that cached
/// corpora in the work folder are made again.
pub const GENERATOR: u32 = 1;

/// `10k`, `1M`, `500`.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mul) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], 1_000),
        (i, 'm' | 'M') => (&s[..i], 1_000_000),
        _ => (s, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mul)
}

/// `10k`, `1M`, `500`: the other way.
pub fn label(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

// ---------------------------------------------------------------- generator

/// SplitMix64: small, fast and the same on every platform, which is all a
/// reproducible corpus needs.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    /// A random line of a text pool.
    pub fn text<'a>(&mut self, v: &'a [Box<str>]) -> &'a str {
        &v[self.below(v.len())]
    }
    pub fn weighted<'a, T>(&mut self, v: &'a [(T, u32)]) -> &'a T {
        let total: u32 = v.iter().map(|x| x.1).sum();
        let mut r = self.below(total as usize) as u32;
        for (x, w) in v {
            if r < *w {
                return x;
            }
            r -= w;
        }
        &v[v.len() - 1].0
    }
}

/// Programmes with weight and air times (as `../shared/peers/synth.py`).
pub const PROGRAMS: [(&str, u32); 10] = [
    ("tagesschau", 30),
    ("tagesthemen", 15),
    ("Deutschlandfunk", 15),
    ("heute", 10),
    ("heute journal", 8),
    ("nachtmagazin", 4),
    ("Deutschlandfunk Kultur", 5),
    ("NDR Info", 5),
    ("BR24", 4),
    ("WDR 5 Echo des Tages", 4),
];
pub const AIR_TIMES: [&str; 8] = [
    "06:00", "08:00", "12:00", "17:00", "20:00", "21:45", "22:15", "23:00",
];
pub const SPEAKERS: [&str; 36] = [
    "Jan Hofer",
    "Jens Riewa",
    "Judith Rakers",
    "Linda Zervakis",
    "Susanne Daubner",
    "Thorsten Schröder",
    "Constantin Schreiber",
    "Caren Miosga",
    "Ingo Zamperoni",
    "Pinar Atalay",
    "Claus Kleber",
    "Marietta Slomka",
    "Christian Sievers",
    "Gundula Gause",
    "Petra Gerster",
    "Tina Hassel",
    "Birgit Wentzien",
    "Stephan Detjen",
    "Sandra Schulz",
    "Dirk-Oliver Heckmann",
    "Jasper Barenberg",
    "Silvia Engels",
    "Tobias Armbrüster",
    "Christoph Heinemann",
    "Anne Raith",
    "Jörg Münchenberg",
    "Friedbert Meurer",
    "Mario Dobovisek",
    "Ann-Kathrin Büüsker",
    "Angela Merkel",
    "Olaf Scholz",
    "Frank-Walter Steinmeier",
    "Annalena Baerbock",
    "Robert Habeck",
    "Friedrich Merz",
    "Wolodymyr Selenskyj",
];

/// Real text to recombine, and real item lengths to draw from.
#[derive(Default)]
pub struct Pools {
    /// Rundown topic lines (tagesschau-rundowns).
    topics: Vec<Box<str>>,
    /// Lines of tagesschau transcripts.
    tlines: Vec<Box<str>>,
    /// Sentences of Wikinews and 10kGNAD articles.
    sents: Vec<Box<str>>,
    /// Headlines of eight outlets.
    headlines: Vec<Box<str>>,
    /// Paragraphs (speaker turns included) of Bundestag speeches.
    paras: Vec<Box<str>>,
    /// Speakers of those speeches.
    orators: Vec<Box<str>>,
    /// Real lengths: topic lines per rundown, lines per transcript, sentences
    /// per article, paragraphs per speech.
    rundown_len: Vec<u32>,
    transcript_len: Vec<u32>,
    article_len: Vec<u32>,
    speech_len: Vec<u32>,
}

#[derive(Deserialize)]
pub struct SourceDoc {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    speaker: Option<String>,
}

pub fn each_doc(path: &Path, mut f: impl FnMut(usize, SourceDoc)) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let inner: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let r = BufReader::with_capacity(1 << 20, inner);
    for (i, line) in r.lines().enumerate() {
        let line = line.expect("corpus line reads");
        if let Ok(d) = serde_json::from_str::<SourceDoc>(&line) {
            f(i, d);
        }
    }
}

pub fn load_pools(corpora: &Path) -> Pools {
    let boiler = Regex::new(
        r"(?i)^(das wetter|wetter|nachrichtenblock|die lottozahlen|lottozahlen|meldungen|sport|der kommentar|kommentar)\b",
    )
    .expect("regex");
    let wiki = Regex::new(r"'{2,}|\[\[(?:[^\]|]*\|)?|\]\]|\{\{[^}]*\}\}|<[^>]+>").expect("regex");
    // A sentence ends at . ! ? before a capital, digit or opening quote.
    let sent_end = Regex::new(r#"[.!?]\s+["„A-ZÄÖÜ0-9]"#).expect("regex");
    let mut p = Pools::default();
    let split_sentences = |text: &str, out: &mut Vec<Box<str>>| -> u32 {
        let mut n = 0;
        for para in text.split('\n') {
            let mut start = 0;
            let mut push = |s: &str| {
                let s = s.trim();
                if (25..=500).contains(&s.len()) {
                    out.push(s.into());
                    n += 1;
                }
            };
            for m in sent_end.find_iter(para) {
                // Cut after the punctuation mark (one byte).
                push(&para[start..m.start() + 1]);
                start = m.start() + 1;
            }
            push(&para[start..]);
        }
        n
    };
    let c = |rel: &str| corpora.join(rel);
    each_doc(&c("tagesschau-rundowns/docs.jsonl"), |_, d| {
        let mut n = 0;
        for line in d.body.unwrap_or_default().lines() {
            let line = line.trim();
            if line.len() >= 8 && !boiler.is_match(line) {
                p.topics.push(line.into());
                n += 1;
            }
        }
        if n > 0 {
            p.rundown_len.push(n);
        }
    });
    each_doc(&c("tagesschau-transcripts/docs.jsonl"), |_, d| {
        let mut n = 0;
        for line in d.body.unwrap_or_default().lines() {
            let line = line.trim();
            if (20..=600).contains(&line.len()) {
                p.tlines.push(line.into());
                n += 1;
            }
        }
        if n > 0 {
            p.transcript_len.push(n);
        }
    });
    for rel in ["dewikinews-quotes/docs.jsonl", "10kgnad-test/docs.jsonl"] {
        each_doc(&c(rel), |_, d| {
            let body = wiki.replace_all(d.body.as_deref().unwrap_or_default(), "");
            let n = split_sentences(&body, &mut p.sents);
            if n > 0 {
                p.article_len.push(n);
            }
        });
    }
    each_doc(&c("german-news-headlines/docs.jsonl.gz"), |_, d| {
        if let Some(t) = d.title.filter(|t| t.len() >= 12) {
            p.headlines.push(t.into());
        }
    });
    for wp in ["wp19", "wp20", "wp21"] {
        // Every fourth speech is plenty (about 15,000 speeches) and keeps
        // the pools at a few hundred MB.
        each_doc(&c(&format!("bundestag-reden/{wp}.jsonl.gz")), |i, d| {
            if i % 4 != 0 {
                return;
            }
            let mut n = 0;
            for para in d.body.unwrap_or_default().split("\n\n") {
                let para = para.trim();
                if (20..=4000).contains(&para.len()) {
                    p.paras.push(para.into());
                    n += 1;
                }
            }
            if n > 0 {
                p.speech_len.push(n);
                if let Some(s) = d.speaker.filter(|s| !s.trim().is_empty()) {
                    p.orators.push(s.into());
                }
            }
        });
    }
    for (name, len) in [
        ("topic lines", p.topics.len()),
        ("transcript lines", p.tlines.len()),
        ("article sentences", p.sents.len()),
        ("headlines", p.headlines.len()),
        ("speech paragraphs", p.paras.len()),
        ("speakers of speeches", p.orators.len()),
    ] {
        assert!(len > 0, "{}: no {name} found", corpora.display());
    }
    p
}

/// One line of a synthetic corpus, in the order of `schema/item.v1.schema.json`.
#[derive(Serialize)]
pub struct SynthItem<'a> {
    id: String,
    title: String,
    body: String,
    date: String,
    program: &'a str,
    speaker: Option<&'a str>,
}

pub const FIRST_DAY: i64 = 10_957; // 2000-01-01 in days since 1970-01-01
pub const LAST_DAY: i64 = 20_453; // 2025-12-31

/// Write `n` items to `out`: the same pools, `n` and seed give the same bytes.
pub fn generate(p: &Pools, n: u64, seed: u64, out: &mut dyn Write) -> std::io::Result<()> {
    let mut rng = Rng(seed);
    let mut body = String::new();
    for i in 0..n {
        let day =
            Day::from_unix_days(FIRST_DAY + rng.below((LAST_DAY - FIRST_DAY + 1) as usize) as i64)
                .expect("a day in 2000..2025");
        let (y, m, d) = (day.0.year(), day.0.month() as u8, day.0.day());
        let date = format!("{y:04}-{m:02}-{d:02}");
        let mut program = *rng.weighted(&PROGRAMS);
        let air = rng.pick(&AIR_TIMES);
        let mut speaker = (rng.unit() < 0.7).then(|| *rng.pick(&SPEAKERS));
        body.clear();
        // A mix of short bulletins and long transcripts and speeches; the
        // number of lines (sentences, paragraphs) of each is a real item's.
        let r = rng.unit();
        let title = if r < 0.30 {
            // Bulletin: a headline and one to three sentences.
            for k in 0..1 + rng.below(3) {
                if k > 0 {
                    body.push(' ');
                }
                body.push_str(rng.text(&p.sents));
            }
            rng.text(&p.headlines).to_string()
        } else if r < 0.50 {
            let k = *rng.pick(&p.rundown_len);
            for j in 0..k {
                if j > 0 {
                    body.push('\n');
                }
                body.push_str(rng.text(&p.topics));
            }
            format!("{program}, {d:02}.{m:02}.{y} {air} Uhr")
        } else if r < 0.80 {
            let k = (*rng.pick(&p.article_len)).min(60);
            for j in 0..k {
                if j > 0 {
                    body.push(' ');
                }
                body.push_str(rng.text(&p.sents));
            }
            rng.text(&p.topics).to_string()
        } else if r < 0.90 {
            let k = *rng.pick(&p.transcript_len);
            for j in 0..k {
                if j > 0 {
                    body.push('\n');
                }
                body.push_str(rng.text(&p.tlines));
            }
            format!("{program}, {air} Uhr, {d:02}.{m:02}.{y}")
        } else {
            let k = (*rng.pick(&p.speech_len)).min(40);
            for j in 0..k {
                if j > 0 {
                    body.push_str("\n\n");
                }
                body.push_str(rng.text(&p.paras));
            }
            let orator: &str = rng.text(&p.orators);
            speaker = Some(orator);
            program = "phoenix";
            format!("{orator} – Bundestag, {d:02}.{m:02}.{y}")
        };
        let item = SynthItem {
            id: format!("synth-{seed}-{i:08}"),
            title,
            body: std::mem::take(&mut body),
            date,
            program,
            speaker,
        };
        serde_json::to_writer(&mut *out, &item)?;
        out.write_all(b"\n")?;
        body = item.body;
    }
    out.flush()
}

pub struct HashWriter(pub Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn file_sha256(path: &Path) -> String {
    let mut r = BufReader::with_capacity(1 << 20, std::fs::File::open(path).expect("corpus"));
    let mut h = HashWriter(Sha256::new());
    std::io::copy(&mut r, &mut h).expect("hash");
    hex(&h.0.finalize())
}

/// The file the corpus of `n` items with `seed` is kept in: `synth-10k.jsonl`
/// for the default seed 1 (the name the scale bench has always used),
/// `synth-10k-seed2.jsonl` for another.
pub fn corpus_path(work: &Path, seed: u64, n: u64) -> PathBuf {
    match seed {
        1 => work.join(format!("synth-{}.jsonl", label(n))),
        s => work.join(format!("synth-{}-seed{s}.jsonl", label(n))),
    }
}

/// The corpus of `n` items, made unless the work folder has it from the same
/// generator version and seed.
pub fn corpus(pools: &mut Option<Pools>, work: &Path, seed: u64, n: u64) -> PathBuf {
    let path = corpus_path(work, seed, n);
    let stamp = path.with_extension("jsonl.done");
    let want = format!("generator {GENERATOR} seed {seed} items {n}\n");
    if path.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == want) {
        eprintln!("reusing {}", path.display());
        return path;
    }
    let p = pools.get_or_insert_with(|| load_pools(&shared().join("corpora")));
    let started = Instant::now();
    let tmp = path.with_extension("jsonl.part");
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp).expect("corpus"));
    generate(p, n, seed, &mut w).expect("corpus written");
    drop(w);
    std::fs::rename(&tmp, &path).expect("rename");
    std::fs::write(&stamp, want).expect("stamp");
    eprintln!(
        "wrote {} ({:.0} MB) in {:.1} s",
        path.display(),
        file_len(&path) as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    path
}

/// Same seed, same bytes: generate 10k items again into a hash and compare
/// it with the file on disk.
pub fn check_reproducible(pools: &mut Option<Pools>, work: &Path, seed: u64) -> String {
    let path = corpus(pools, work, seed, 10_000);
    let p = pools.get_or_insert_with(|| load_pools(&shared().join("corpora")));
    let mut h = HashWriter(Sha256::new());
    generate(p, 10_000, seed, &mut h).expect("hash");
    let again = hex(&h.0.finalize());
    let on_disk = file_sha256(&path);
    assert_eq!(on_disk, again, "same seed must give the same bytes");
    on_disk
}

pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

pub fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

// ---------------------------------------------------------------- queries

/// A query: words and quoted phrases, any of them may match.
pub struct BenchQuery {
    pub kind: &'static str,
    pub terms: Vec<String>,
}

impl BenchQuery {
    /// archivar's query language: words as they are, phrases quoted. Its
    /// operators in capitals (AND, OR, NOT) are taken as words.
    pub fn archivar(&self) -> String {
        let t: Vec<String> = self
            .terms
            .iter()
            .map(|t| match t.as_str() {
                _ if t.contains(' ') => format!("\"{t}\""),
                "AND" | "OR" | "NOT" => t.to_lowercase(),
                _ => t.clone(),
            })
            .collect();
        t.join(" ")
    }
    /// tantivy's query parser: lower case, so no word is an operator.
    pub fn tantivy(&self) -> String {
        self.archivar().to_lowercase()
    }
    /// FTS5: every word or phrase as a string, OR-joined.
    pub fn fts5(&self) -> String {
        let t: Vec<String> = self.terms.iter().map(|t| format!("\"{t}\"")).collect();
        t.join(" OR ")
    }
}

/// The `re` matches of `text`.
pub fn words(re: &Regex, text: &str) -> Vec<String> {
    re.find_iter(text).map(|m| m.as_str().to_string()).collect()
}

/// The queries of `../shared/eval/queries.tsv`, at most `limit`, each split
/// into `\w+` words (as `../shared/peers/run.py` does).
pub fn eval_queries(limit: Option<usize>) -> Vec<BenchQuery> {
    let word = Regex::new(r"\w+").expect("regex");
    let tsv = std::fs::read_to_string(shared().join("eval/queries.tsv")).expect("queries.tsv");
    tsv.lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(_, q)| BenchQuery {
            kind: "eval",
            terms: words(&word, q),
        })
        .filter(|q| !q.terms.is_empty())
        .take(limit.unwrap_or(usize::MAX))
        .collect()
}

// ---------------------------------------------------------------- report

/// The machine, for the report's head.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cores = cpu.lines().filter(|l| l.starts_with("processor")).count();
    let model = cpu
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let mem_kb: u64 = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|m| m.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    format!(
        "{cores} cores ({model}), {:.1} GiB memory (from /proc)",
        mem_kb as f64 / 1024.0 / 1024.0
    )
}

/// The time of the run, `2025-06-01 12:34` (UTC).
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let day = Day::from_unix_days(secs.div_euclid(86_400)).map_or("?".into(), |d| d.to_string());
    let t = secs.rem_euclid(86_400);
    format!("{day} {:02}:{:02}", t / 3600, t % 3600 / 60)
}
