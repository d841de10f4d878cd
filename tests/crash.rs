//! Crash safety and concurrent use, on the real binary: `archivar index` is
//! killed with SIGKILL at random moments (reading, analysing, merging,
//! committing), searched while it runs, and run twice at once.
//!
//! After each kill the index must open, search must work, the stored items
//! must be exactly those of a committed state (every item whole), and the
//! next run must complete the archive with nothing lost.
//!
//! The test suite runs 30 trials; the soak runs more:
//! `ARCHIVAR_CRASH_TRIALS=200 cargo test --release --test crash -- --nocapture`
//! (`ARCHIVAR_CRASH_SEED=N` repeats a run; the seed is printed).
#![cfg(unix)]

mod common;

use archivar::index::Archive;
use archivar::ingest::{self, Event};
use archivar::item::Item;
use common::{archivar_in, archivar_process, empty_index};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Options of every indexing run here: a small writer and a commit every
/// few files, so that a run commits and merges many times.
const RUN: &[&str] = &["index", "--quiet", "--memory", "16", "--commit-every", "25"];

/// A tiny random generator (xorshift), so that a failing run can be
/// repeated from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "Bundesregierung",
    "Zölle",
    "Stahlindustrie",
    "Verhandlungen",
    "Waffenruhe",
    "Rohstoffabkommen",
    "Hochwasser",
    "Straße",
    "Müntefering",
    "Haushalt",
    "Schuldenbremse",
    "Kanzlerin",
    "Wahlkampf",
    "Sicherheitsgarantien",
    "Fußball",
    "Energiepreise",
];

fn sentence(rng: &mut Rng) -> String {
    let n = 6 + rng.below(10);
    let words: Vec<&str> = (0..n)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect();
    format!("Die {} sagt man.", words.join(" "))
}

/// An archive of `files` files in the input formats: JSON Lines of
/// several items, and single text items. Every body starts with
/// "Anfangsmarke" and ends with "Schlussmarke".
fn write_archive(dir: &Path, files: usize, rng: &mut Rng) {
    for f in 0..files {
        if f % 4 == 3 {
            let body: Vec<String> = (0..3).map(|_| sentence(rng)).collect();
            let text = format!(
                "Meldung {f}\n\nAnfangsmarke {}\n\n{} Schlussmarke.\nDiese Nachricht wurde am {:02}.03.2025 im Programm Deutschlandfunk gesendet.\n",
                body[0],
                body[1..].join(" "),
                1 + f % 28
            );
            std::fs::write(dir.join(format!("f{f:03}.txt")), text).unwrap();
        } else {
            let mut lines = String::new();
            for i in 0..12 {
                let paras: Vec<String> = (0..1 + rng.below(4)).map(|_| sentence(rng)).collect();
                let v = serde_json::json!({
                    "id": format!("f{f:03}-{i:02}"),
                    "title": format!("Nachricht {f} {i}"),
                    "body": format!("Anfangsmarke {} Schlussmarke.", paras.join("\n\n")),
                    "date": format!("2025-02-{:02}", 1 + (f + i) % 28),
                    "program": "Deutschlandfunk",
                    "speaker": if i % 3 == 0 { Some("Jana Wiesinger") } else { None },
                });
                lines.push_str(&v.to_string());
                lines.push('\n');
            }
            std::fs::write(dir.join(format!("f{f:03}.jsonl")), lines).unwrap();
        }
    }
}

/// The items of each input file, in the order `archivar index` reads them,
/// read with the library's own ingest.
fn expected_by_file(input: &Path) -> Vec<Vec<Item>> {
    let walk = ingest::walk(&[input.to_path_buf()]);
    assert!(walk.errors.is_empty());
    walk.sources
        .iter()
        .map(|src| {
            let mut items = vec![];
            ingest::read_source(src, &ingest::Meta::default(), &mut |ev| match ev {
                Event::Item(i) => items.push(i),
                Event::Warning(..) => {}
                Event::Error(e) => panic!("generated input is bad: {e}"),
            });
            items
        })
        .collect()
}

/// Every item stored in the index, by id; `None` if there is no index.
fn stored(index: &Path) -> Option<BTreeMap<String, Item>> {
    if !index.join(archivar::index::MARKER).exists() {
        return None;
    }
    let archive = Archive::open(index).expect("the index opens");
    let searcher = archive.reader().expect("a reader").searcher();
    let mut out = BTreeMap::new();
    for seg in searcher.segment_readers() {
        let store = seg.get_store_reader(1).expect("doc store");
        for doc in seg.doc_ids_alive() {
            let d: tantivy::TantivyDocument = store.get(doc).expect("stored doc");
            let item = archive.stored_item(&d).expect("stored item reads back");
            assert!(
                out.insert(item.id.clone(), item).is_none(),
                "an id is stored twice"
            );
        }
    }
    Some(out)
}

/// The number of whole files whose items are exactly what is stored, if
/// the stored items are a committed state (a prefix of the files).
fn committed_prefix(stored: &BTreeMap<String, Item>, files: &[Vec<Item>]) -> Option<usize> {
    let mut n = 0;
    for (k, items) in files.iter().enumerate() {
        if n == stored.len() {
            return Some(k);
        }
        for item in items {
            // Whole, and as read: no item half there.
            if stored.get(&item.id) != Some(item) {
                return None;
            }
            n += 1;
        }
    }
    (n == stored.len()).then_some(files.len())
}

/// Assert that the CLI opens the index and searches it: `stats` and
/// `search` agree with the stored count.
fn assert_searchable(index: &Path, count: usize) {
    let out = archivar_in(index)
        .args(["stats", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stats: {stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["items"].as_u64(), Some(count as u64));
    let out = archivar_in(index)
        .args([
            "search",
            "--json",
            "--snippets",
            "1",
            "-n",
            "10000",
            "--match",
            "all",
            "Anfangsmarke",
            "Schlussmarke",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = if count == 0 { 1 } else { 0 };
    assert_eq!(out.status.code(), Some(code), "search: {stderr}");
    let r = common::parse_results(&out.stdout);
    assert_eq!(
        r.summary.total, count,
        "every stored item is found by its first and last word"
    );
}

/// Files in the index folder that neither the last commit nor archivar
/// names: orphans.
fn orphans(index: &Path) -> Vec<String> {
    let archive = Archive::open(index).unwrap();
    let living: HashSet<PathBuf> = archive.index.load_metas().unwrap().list_segment_files();
    std::fs::read_dir(index)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !living.contains(Path::new(n))
                && ![
                    "meta.json",
                    ".managed.json",
                    ".tantivy-writer.lock",
                    ".tantivy-meta.lock",
                    "archivar.toml",
                    "archivar.lock",
                    "phonetic.v1.fst",
                ]
                .contains(&n.as_str())
        })
        .collect()
}

fn spawn_index(index: &Path, input: &Path) -> Child {
    archivar_process(index)
        .args(RUN)
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut s);
    }
    s
}

/// Run to the end; returns the exit code and stderr.
fn run_index(index: &Path, input: &Path) -> (Option<i32>, String) {
    let mut child = spawn_index(index, input);
    let stderr = stderr_of(&mut child);
    (child.wait().unwrap().code(), stderr)
}

#[derive(Debug, Default)]
struct Figures {
    trials: u64,
    kills: u64,
    finished_before_kill: u64,
    states_checked: u64,
    items_lost: u64,
    panics: u64,
}

#[test]
fn sigkill_at_random_moments_loses_and_corrupts_nothing() {
    let trials: u64 = std::env::var("ARCHIVAR_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("ARCHIVAR_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash test: seed {seed} (ARCHIVAR_CRASH_SEED={seed} repeats it)");
    let mut rng = Rng(seed);
    let input = TempDir::new().unwrap();
    write_archive(input.path(), 24, &mut rng);
    let files = expected_by_file(input.path());
    let all: usize = files.iter().map(Vec::len).sum();
    assert!(all > 200);

    // How long an undisturbed run takes, to kill within it.
    let idx = empty_index();
    let started = Instant::now();
    let (code, stderr) = run_index(idx.path(), input.path());
    assert_eq!(code, Some(0), "{stderr}");
    let full = started.elapsed();
    assert_eq!(stored(idx.path()).unwrap().len(), all);

    let mut fig = Figures::default();
    for trial in 0..trials {
        fig.trials += 1;
        let idx = empty_index();
        // One to three kills in a row, each at a random moment of a run
        // that resumes what the one before committed.
        let kills = 1 + rng.below(3);
        for _ in 0..kills {
            let mut child = spawn_index(idx.path(), input.path());
            let delay = Duration::from_micros(rng.below(full.as_micros() as u64 * 11 / 10));
            std::thread::sleep(delay);
            let done = child.try_wait().unwrap().is_some();
            let _ = child.kill();
            let status = child.wait().unwrap();
            let stderr = stderr_of(&mut child);
            if stderr.contains("panicked") {
                fig.panics += 1;
            }
            if done {
                fig.finished_before_kill += 1;
                assert_eq!(status.code(), Some(0), "trial {trial}: {stderr}");
            } else {
                fig.kills += 1;
            }
            // The state the kill left.
            let state = stored(idx.path()).unwrap_or_default();
            let prefix = committed_prefix(&state, &files).unwrap_or_else(|| {
                panic!(
                    "trial {trial} (seed {seed}): {} stored items are no committed state",
                    state.len()
                )
            });
            if idx.path().join(archivar::index::MARKER).exists() {
                assert_searchable(idx.path(), state.len());
            }
            fig.states_checked += 1;
            let _ = prefix;
        }
        // The next run completes the archive.
        let (code, stderr) = run_index(idx.path(), input.path());
        if stderr.contains("panicked") {
            fig.panics += 1;
        }
        assert_eq!(code, Some(0), "trial {trial} (seed {seed}): {stderr}");
        let state = stored(idx.path()).unwrap();
        fig.items_lost += (all - state.len().min(all)) as u64;
        assert_eq!(committed_prefix(&state, &files), Some(files.len()));
        assert_eq!(state.len(), all, "count in = count stored");
        assert_searchable(idx.path(), all);
        assert_eq!(orphans(idx.path()), Vec::<String>::new(), "trial {trial}");
    }
    eprintln!(
        "crash test: {} trials, {} kills survived ({} runs ended before their kill), {} states checked, {} items lost, {} panics; {} items of {} files a run",
        fig.trials,
        fig.kills,
        fig.finished_before_kill,
        fig.states_checked,
        fig.items_lost,
        fig.panics,
        all,
        files.len()
    );
    assert_eq!(fig.items_lost, 0);
    assert_eq!(fig.panics, 0);
}

// ------------------------------------------------------------ concurrent use

/// Send a signal with kill(1).
fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig}");
}

/// Wait until the run holds the index's writer lock.
fn wait_for_lock(index: &Path, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let needle = format!("pid = {}\n", child.id());
    while Instant::now() < deadline {
        if std::fs::read_to_string(index.join("archivar.lock")).is_ok_and(|t| t.contains(&needle)) {
            return;
        }
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the run never took the lock");
}

fn small_archive() -> (TempDir, Vec<Vec<Item>>) {
    let input = TempDir::new().unwrap();
    write_archive(input.path(), 12, &mut Rng(7));
    let files = expected_by_file(input.path());
    (input, files)
}

#[test]
fn a_second_index_names_the_live_holder_and_with_wait_waits_for_it() {
    let (input, files) = small_archive();
    let all: usize = files.iter().map(Vec::len).sum();
    let idx = empty_index();
    let mut first = spawn_index(idx.path(), input.path());
    wait_for_lock(idx.path(), &mut first);
    // Frozen while it holds the lock: alive, and not to be robbed.
    signal(&first, "-STOP");
    let out = archivar_in(idx.path())
        .args(RUN)
        .arg(input.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("archivar process {}", first.id())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("(`archivar --index {}", idx.path().display())),
        "{stderr}"
    );
    assert!(stderr.contains("--wait"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let mut second = archivar_process(idx.path())
        .args(RUN)
        .arg("--wait")
        .arg(input.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(second.try_wait().unwrap().is_none(), "--wait waits");
    signal(&first, "-CONT");
    assert_eq!(first.wait().unwrap().code(), Some(0));
    let stderr = stderr_of(&mut second);
    assert_eq!(second.wait().unwrap().code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("waiting for archivar process {}", first.id())),
        "{stderr}"
    );
    assert_eq!(stored(idx.path()).unwrap().len(), all);
}

#[test]
fn the_lock_of_a_killed_run_is_recovered() {
    let (input, files) = small_archive();
    let all: usize = files.iter().map(Vec::len).sum();
    let idx = empty_index();
    let mut first = spawn_index(idx.path(), input.path());
    wait_for_lock(idx.path(), &mut first);
    first.kill().unwrap();
    first.wait().unwrap();
    // Its name is still in the lock file; the lock itself died with it.
    let text = std::fs::read_to_string(idx.path().join("archivar.lock")).unwrap();
    assert!(text.contains(&format!("pid = {}", first.id())), "{text}");
    let (code, stderr) = run_index(idx.path(), input.path());
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stored(idx.path()).unwrap().len(), all);
}

#[test]
fn search_while_indexing_sees_committed_states_and_never_fails() {
    let input = TempDir::new().unwrap();
    write_archive(input.path(), 40, &mut Rng(11));
    let files = expected_by_file(input.path());
    let all: usize = files.iter().map(Vec::len).sum();
    let idx = empty_index();
    let mut run = spawn_index(idx.path(), input.path());
    let mut seen = vec![];
    let mut searches = 0;
    loop {
        let running = run.try_wait().unwrap().is_none();
        let out = archivar_in(idx.path())
            .args([
                "search",
                "--json",
                "--snippets",
                "0",
                "-n",
                "10000",
                "--match",
                "all",
                "Anfangsmarke",
                "Schlussmarke",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        match out.status.code() {
            Some(0 | 1) => {
                let r = common::parse_results(&out.stdout);
                let ids: BTreeSet<String> = r.hits.iter().map(|h| h.id.clone()).collect();
                // A committed state: the items of the first k files.
                let mut k = 0;
                let mut n = 0;
                while n < ids.len() {
                    n += files[k].len();
                    k += 1;
                }
                let expected: BTreeSet<String> =
                    files[..k].iter().flatten().map(|i| i.id.clone()).collect();
                assert_eq!(ids, expected, "search {searches} saw no committed state");
                seen.push(ids.len());
            }
            // Before the first commit there is no index yet.
            _ => assert!(
                seen.is_empty() && stderr.contains("no archivar index"),
                "search {searches} failed: {stderr}"
            ),
        }
        searches += 1;
        if !running {
            break;
        }
    }
    let stderr = stderr_of(&mut run);
    assert_eq!(run.wait().unwrap().code(), Some(0), "{stderr}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&all));
    eprintln!("{searches} searches while indexing saw {seen:?}");
}

// ------------------------------------------------------ what a kill leaves

#[test]
fn orphans_of_a_killed_run_are_swept_even_when_nothing_changed() {
    let (input, files) = small_archive();
    let all: usize = files.iter().map(Vec::len).sum();
    let idx = empty_index();
    assert_eq!(run_index(idx.path(), input.path()).0, Some(0));
    // What tantivy issue 3079 shows after a SIGKILL: the files of a segment
    // no commit names, some empty, one with a partial store; and the
    // temporary files of atomic writes cut short.
    let orphan = "7a8c2a81201346f686c5126823dc31d3";
    for ext in ["fast", "fieldnorm", "idx", "pos", "term"] {
        std::fs::write(idx.path().join(format!("{orphan}.{ext}")), b"").unwrap();
    }
    std::fs::write(idx.path().join(format!("{orphan}.store")), [0u8; 123]).unwrap();
    std::fs::write(idx.path().join(".tmpAb12Cd"), b"{\"segments\":[").unwrap();
    std::fs::write(idx.path().join("phonetic.v1.fst.tmp"), b"").unwrap();
    assert_eq!(orphans(idx.path()).len(), 8);
    let out = archivar_in(idx.path())
        .args(["index", "--memory", "16"])
        .arg(input.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("removed 8 orphan files (0.0 MB) that an interrupted run left"),
        "{stderr}"
    );
    assert_eq!(orphans(idx.path()), Vec::<String>::new());
    assert_searchable(idx.path(), all);
}

#[test]
fn a_phonetic_map_a_killed_run_left_behind_is_rebuilt() {
    let (input, _) = small_archive();
    let idx = empty_index();
    assert_eq!(run_index(idx.path(), input.path()).0, Some(0));
    let map = idx.path().join("phonetic.v1.fst");
    let built = std::fs::read(&map).unwrap();
    // A run killed between its last commit and the map: the map is
    // missing (or of the commit before). The next run, with nothing to
    // index, builds it again.
    std::fs::remove_file(&map).unwrap();
    assert_eq!(run_index(idx.path(), input.path()).0, Some(0));
    assert_eq!(std::fs::read(&map).unwrap(), built);
}
