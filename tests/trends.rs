//! `archivar trend` and `search --facets` on the real binary. Every count
//! is checked against one made here from the hits of `search`, a different
//! path through the index (collecting hits, not aggregating).

mod common;

use common::*;
use predicates::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Hits of `query` (all of them) grouped by the first `prefix` characters
/// of their date, and the number without a date.
fn count_by(index: &Path, query: &str, prefix: usize) -> (BTreeMap<String, u64>, u64) {
    let r = search_json(
        index,
        &[
            query,
            "--limit",
            "10000",
            "--snippets",
            "0",
            "--no-collapse",
        ],
        0,
    );
    assert_eq!(r.hits.len(), r.summary.total, "all hits on one page");
    let mut by = BTreeMap::new();
    let mut undated = 0;
    for h in &r.hits {
        match &h.date {
            Some(d) => *by.entry(d[..prefix].to_string()).or_insert(0) += 1,
            None => undated += 1,
        }
    }
    (by, undated)
}

fn buckets(trend: &serde_json::Value) -> BTreeMap<String, u64> {
    trend["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["count"].as_u64().unwrap() > 0)
        .map(|b| {
            (
                b["key"].as_str().unwrap().to_string(),
                b["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn trend_by_month_matches_the_hits_of_search() {
    let idx = index_of(&data_dir());
    let t = trend_json(idx.path(), &["Zölle", "--by", "month"], 0);
    let (expected, undated) = count_by(idx.path(), "Zölle", 7);
    assert_eq!(buckets(&t), expected);
    assert_eq!(t["undated"], undated);
    assert_eq!(t["by"], "month");
    // Known from data/README.md: one item in November 2024, the rest in
    // April 2025; the months between are there with zero.
    let keys: Vec<&str> = t["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04"
        ]
    );
    assert_eq!(t["buckets"][0]["count"], 1);
}

#[test]
fn trend_by_year_counts_undated_items_apart() {
    let idx = index_of(&data_dir());
    let t = trend_json(idx.path(), &["Selenskyj", "--by", "year"], 0);
    let (expected, undated) = count_by(idx.path(), "Selenskyj", 4);
    assert_eq!(buckets(&t), expected);
    assert_eq!(undated, 1, "presse-international-zelensky has no date");
    assert_eq!(t["undated"], 1);
    assert_eq!(t["total"], expected.values().sum::<u64>() + 1);
}

#[test]
fn trend_takes_the_filters_of_search() {
    let idx = index_of(&data_dir());
    let t = trend_json(
        idx.path(),
        &[
            "Zölle",
            "--by",
            "day",
            "--from",
            "2025-04-01",
            "--to",
            "2025-04-05",
            "--program",
            "WDR 5",
        ],
        0,
    );
    let b = t["buckets"].as_array().unwrap();
    assert_eq!(b.len(), 5, "one bucket per day of the range: {b:?}");
    assert_eq!(b[2]["key"], "2025-04-03");
    assert_eq!(b[2]["count"], 4, "the four WDR 5 bulletins");
    assert_eq!(t["total"], 4);
    // ISO weeks start on Monday.
    let t = trend_json(
        idx.path(),
        &[
            "Zölle",
            "--by",
            "week",
            "--from",
            "2025-04-01",
            "--to",
            "2025-04-30",
        ],
        0,
    );
    assert_eq!(t["buckets"][0]["key"], "2025-W14");
    assert_eq!(t["buckets"][0]["start"], "2025-03-31");
    // Nothing found: exit 1 and no buckets.
    let t = trend_json(idx.path(), &["Quantencomputer"], 1);
    assert_eq!(t["total"], 0);
    assert_eq!(t["buckets"], serde_json::json!([]));
}

#[test]
fn trend_in_the_terminal_draws_bars() {
    let idx = index_of(&data_dir());
    archivar_in(idx.path())
        .args(["trend", "Zölle", "--color", "never"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"(?m)^2025-04  \d+ █+$").unwrap())
        .stdout(predicate::str::is_match(r"(?m)^2025-01  0 $").unwrap())
        .stdout(predicate::str::contains("matching items"));
}

#[test]
fn trend_of_real_subtitles_matches_search() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/subtitles");
    let idx = index_of(&dir);
    for (query, by, prefix) in [("Corona", "month", 7), ("Regierung", "year", 4)] {
        let t = trend_json(idx.path(), &[query, "--by", by], 0);
        let (expected, undated) = count_by(idx.path(), query, prefix);
        assert!(!expected.is_empty());
        assert_eq!(buckets(&t), expected, "{query} by {by}");
        assert_eq!(t["undated"], undated);
    }
}

#[test]
fn facets_count_all_hits_per_programme_and_speaker() {
    let idx = index_of(&data_dir());
    let r = search_json(idx.path(), &["Zölle", "--facets", "--limit", "1"], 0);
    let f = r.summary.facets.clone().expect("facets in the summary");
    let all = search_json(
        idx.path(),
        &[
            "Zölle",
            "--limit",
            "100",
            "--snippets",
            "0",
            "--no-collapse",
        ],
        0,
    );
    let mut programs: BTreeMap<String, u64> = BTreeMap::new();
    let mut speakers: BTreeMap<String, u64> = BTreeMap::new();
    for h in &all.hits {
        if let Some(p) = &h.program {
            *programs.entry(p.clone()).or_default() += 1;
        }
        for s in &h.speakers {
            *speakers.entry(s.clone()).or_default() += 1;
        }
    }
    let got = |key: &str| -> BTreeMap<String, u64> {
        f[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(got("programs"), programs);
    assert_eq!(got("speakers"), speakers);
    assert_eq!(f["programs"][0]["name"], "WDR 5");
    // Without --facets there are none.
    let r = search_json(idx.path(), &["Zölle"], 0);
    assert!(r.summary.facets.is_none());
    archivar_in(idx.path())
        .args(["search", "Zölle", "--facets", "--color", "never"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Programmes of all"))
        .stdout(predicate::str::is_match(r"(?m)^\s+4  WDR 5$").unwrap());
}

/// Items of 1800 and 2300 beside `data/`: stored as their own years (they
/// wrapped to 1715 and 2184 in tantivy's nanosecond dates), found by the
/// filters that include them and only those, and a trend spanning five
/// centuries works (tantivy's day histogram stopped at 65,000 buckets).
#[test]
fn dates_far_from_today_are_stored_filtered_and_trended_as_given() {
    let dir = tempfile::TempDir::new().unwrap();
    let old = dir.path().join("alt.jsonl");
    std::fs::write(
        &old,
        concat!(
            r#"{"id":"alt-1800","title":"Zölle 1800","body":"Die Zölle auf Getreide steigen.","date":"1800-01-01"}"#,
            "\n",
            r#"{"id":"neu-2300","title":"Zölle 2300","body":"Die Zölle auf Stahl fallen.","date":"2300-06-30"}"#,
            "\n",
        ),
    )
    .unwrap();
    let idx = empty_index();
    archivar_in(idx.path())
        .args(["index", "-q"])
        .arg(data_dir())
        .arg(&old)
        .assert()
        .code(0);
    let s = stats_json(idx.path());
    assert_eq!(s["first_date"], "1800-01-01");
    assert_eq!(s["last_date"], "2300-06-30");
    let ids = |args: &[&str], code| search_json(idx.path(), args, code).ids().join(" ");
    assert_eq!(ids(&["--from", "3000-01-01", "Zölle"], 1), "");
    assert_eq!(ids(&["--to", "1500-01-01", "Zölle"], 1), "");
    assert_eq!(ids(&["--to", "1800-01-01", "Zölle"], 0), "alt-1800");
    assert_eq!(
        ids(&["--from", "2026-01-01", "--to", "9999-12-31", "Zölle"], 0),
        "neu-2300"
    );
    let t = trend_json(idx.path(), &["Zölle", "--by", "year"], 0);
    let bars = t["buckets"].as_array().unwrap();
    assert_eq!(bars.len(), 501);
    assert_eq!(bars[0]["key"], "1800");
    assert_eq!(bars[500]["key"], "2300");
    let (expected, undated) = count_by(idx.path(), "Zölle", 4);
    assert_eq!(buckets(&t), expected);
    assert_eq!(t["undated"], undated);
    // A day histogram over five centuries is refused with what to do.
    let out = archivar_in(idx.path())
        .args(["trend", "Zölle", "--by", "day"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the hits span 1800-01-01 to 2300-06-30, more than 100,000 bars")
            && err.contains("--by"),
        "{err}"
    );
}
