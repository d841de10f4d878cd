//! Repeated bulletins: near-duplicates found at index time show as one hit
//! with their other airings, and `--no-collapse` shows every one.

mod common;

use common::*;
use predicates::prelude::*;
use std::path::Path;

const BULLETINS: [&str; 4] = [
    "wdr5-2025-04-03-0700",
    "wdr5-2025-04-03-0800",
    "wdr5-2025-04-03-0900",
    "wdr5-2025-04-03-1000",
];

#[test]
fn hourly_bulletins_show_as_one_hit() {
    let idx = index_of(&data_dir());
    let r = search_json(idx.path(), &["Nikkei", "Charkiw"], 0);
    assert_eq!(r.summary.total, 4);
    let ids = r.ids();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(BULLETINS.contains(&ids[0]));
    let rep = r.hits[0].repeats.as_ref().expect("repeats");
    assert_eq!(rep.total, 3);
    let mut all: Vec<&str> = rep.items.iter().map(|x| x.id.as_str()).collect();
    all.push(ids[0]);
    all.sort();
    assert_eq!(all, BULLETINS);
    assert!(
        rep.items
            .iter()
            .all(|x| x.date.as_deref() == Some("2025-04-03"))
    );
    assert!(
        rep.items
            .iter()
            .all(|x| x.program.as_deref() == Some("WDR 5"))
    );

    // Every airing with --no-collapse, and no repeats.
    let r = search_json(idx.path(), &["Nikkei", "Charkiw", "--no-collapse"], 0);
    let mut ids = r.ids();
    ids.sort();
    assert_eq!(ids, BULLETINS);
    assert!(r.hits.iter().all(|h| h.repeats.is_none()));

    // The terminal says so.
    archivar_in(idx.path())
        .args(["search", "Nikkei", "Charkiw", "--color", "never"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "also aired 3 more times: 2025-04-03 WDR 5 (wdr5-2025-04-03-",
        ))
        .stdout(predicate::str::contains("3 repeats folded in"));
}

#[test]
fn repeats_count_only_airings_that_match_the_filters() {
    let idx = index_of(&data_dir());
    // Only Peter Schellenberg read the 09:00 and 10:00 bulletins.
    let r = search_json(idx.path(), &["Charkiw", "--speaker", "Schellenberg"], 0);
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.hits[0].repeats.as_ref().unwrap().total, 1);
    // Other stories on the same topic are not repeats: the Zölle items of
    // Deutschlandfunk stay hits of their own.
    let r = search_json(idx.path(), &["Zölle", "--limit", "20"], 0);
    let ids = r.ids();
    assert!(ids.contains(&"dlf-2025-04-03-us-zoelle"));
    assert!(ids.contains(&"dlf-2025-04-03-interview-wiesinger"));
    assert_eq!(
        ids.iter()
            .filter(|i| i.starts_with("wdr5-2025-04-03-"))
            .count(),
        1,
        "{ids:?}"
    );
    assert_eq!(r.hits.len() + 3, r.summary.total);
}

#[test]
fn a_repeat_indexed_in_a_later_run_joins_the_earlier_airing() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = std::fs::read_to_string(data_dir().join("archive.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"wdr5-2025-04-03-"))
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), 4);
    std::fs::write(dir.path().join("a.jsonl"), format!("{}\n", lines[0])).unwrap();
    let idx = empty_index();
    archivar_in(idx.path())
        .arg("index")
        .arg(dir.path())
        .assert()
        .success();
    std::fs::write(
        dir.path().join("b.jsonl"),
        format!("{}\n", lines[1..].join("\n")),
    )
    .unwrap();
    archivar_in(idx.path())
        .arg("index")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("indexed 3 items"));
    let r = search_json(idx.path(), &["Nikkei", "Charkiw"], 0);
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.hits[0].repeats.as_ref().unwrap().total, 3);
}

#[test]
fn distinct_articles_are_never_folded() {
    // No two Wikinews articles are repeats of each other (benches/dedup.rs
    // finds no pair above the threshold): collapsing changes nothing.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/dewikinews-quotes");
    let idx = index_of(&corpus);
    for q in ["Regierung", "Fußball Weltmeisterschaft", "Wahl"] {
        let a = search_json(idx.path(), &[q, "--limit", "1000", "--snippets", "0"], 0);
        let b = search_json(
            idx.path(),
            &[q, "--limit", "1000", "--snippets", "0", "--no-collapse"],
            0,
        );
        assert_eq!(a.ids(), b.ids(), "{q}");
        assert!(a.hits.iter().all(|h| h.repeats.is_none()));
    }
}

#[test]
fn paging_skips_whole_groups() {
    let idx = index_of(&data_dir());
    let all = search_json(idx.path(), &["Zölle", "--limit", "20"], 0);
    let page2 = search_json(idx.path(), &["Zölle", "--limit", "2", "--offset", "2"], 0);
    assert_eq!(page2.ids(), all.ids()[2..4].to_vec());
}
