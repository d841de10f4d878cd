//! The real binary on real files: the sample archive in `data/` (its facts
//! are listed in `data/README.md`), bad inputs in `tests/fixtures/bad/` (and
//! generated ones), and the shared corpora in `../shared/corpora` when they
//! are there.

mod common;

use common::{
    Results, archivar, archivar_in, assert_error, assert_valid, data_dir, empty_index, fixture,
    index_of, item_count, parse_results, search_json, stats_json,
};
use predicates::prelude::*;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The seed item (a link to `../shared/seed/`).
const SEED: &str = "dlf-2025-02-13";
const SEED_TITLE: &str = "Trump: Einigung mit Putin über Aufnahme von Friedensverhandlungen im Ukraine-Krieg - Treffen in Saudi-Arabien möglich";

const BAERBOCK_2024: &str = "dlf-2024-06-17-interview-baerbock";
const BAERBOCK_2025: &str = "dlf-2025-03-12-interview-baerbock";

fn data_index() -> TempDir {
    index_of(&data_dir())
}

/// `archivar --index DIR search ARGS…` (terminal output).
fn search(index: &TempDir, args: &[&str]) -> assert_cmd::assert::Assert {
    archivar_in(index.path()).arg("search").args(args).assert()
}

fn id_set(r: &Results) -> BTreeSet<String> {
    r.hits.iter().map(|h| h.id.clone()).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Search `query` with a page large enough for every hit of `data/`, each
/// repeated bulletin a hit of its own.
fn all_hits(index: &TempDir, query: &str) -> Results {
    let r = search_json(
        index.path(),
        &["-n", "100", "--no-collapse", "--", query],
        0,
    );
    assert_eq!(r.summary.total, r.hits.len(), "query {query}: one page");
    r
}

/// Every id in `expected` is a hit of `query`.
fn assert_finds(index: &TempDir, query: &str, expected: &[&str]) -> Results {
    let r = all_hits(index, query);
    let missing: Vec<&&str> = expected
        .iter()
        .filter(|id| !r.hits.iter().any(|h| h.id == **id))
        .collect();
    assert!(
        missing.is_empty(),
        "query {query:?} misses {missing:?}; found {:?}",
        r.ids()
    );
    r
}

/// The query fails as a usage error: exit 2, nothing on stdout, `needle`
/// in the message, and no panic.
fn assert_query_error(args: &[&str], needle: &str) {
    let idx = data_index();
    assert_error(search(&idx, args), needle);
}

/// `ARGS… --match all Selenskyj Rohstoffe`: the query that only the seed
/// answers (data/README.md), pinned to every word so that the tests of
/// filters do not depend on the default of `--match` (that is
/// `two_word_queries_need_both_words_by_default`).
fn seed_query<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--match", "all", "Selenskyj", "Rohstoffe"]);
    v
}

fn has_ansi(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\x1b[")
}

// ---------------------------------------------------------------- indexing

#[test]
fn indexing_data_reports_55_new_items() {
    let idx = empty_index();
    archivar_in(idx.path())
        .arg("index")
        .arg(data_dir())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "indexed 55 items (55 new, 0 replaced)",
        ))
        .stderr("");
    assert_eq!(item_count(idx.path()), 55);
}

#[test]
fn reindexing_data_replaces_instead_of_duplicating() {
    let idx = data_index();
    // Unchanged files are skipped; --force reads them all again.
    archivar_in(idx.path())
        .arg("index")
        .arg(data_dir())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "55 items unchanged in 33 files skipped",
        ));
    archivar_in(idx.path())
        .args(["index", "--force"])
        .arg(data_dir())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "indexed 55 items (0 new, 55 replaced)",
        ));
    assert_eq!(item_count(idx.path()), 55);
    let r = search_json(idx.path(), &seed_query(&[]), 0);
    assert_eq!(r.ids(), vec![SEED], "the seed once, not twice");
}

// ------------------------------------------------------------ the main hit

#[test]
fn selenskyj_rohstoffe_finds_the_seed_first_with_both_words_marked() {
    let idx = data_index();
    let r = search_json(idx.path(), &["Selenskyj Rohstoffe"], 0);
    let hit = &r.hits[0];
    assert_eq!(hit.id, SEED);
    assert_eq!(hit.rank, 1);
    assert_eq!(hit.title, SEED_TITLE);
    assert_eq!(hit.date.as_deref(), Some("2025-02-13"));
    assert_eq!(hit.program.as_deref(), Some("Deutschlandfunk"));
    assert!(hit.speakers.is_empty(), "{:?}", hit.speakers);
    assert!(hit.source.ends_with("dlf-2025-02-13.txt"), "{}", hit.source);
    assert!(hit.score.is_some_and(|s| s > 0.0), "{:?}", hit.score);
    let marked = hit.marked_snippets();
    assert!(marked.iter().any(|m| m == "Selenskyj"), "{marked:?}");
    assert!(
        marked.iter().any(|m| m == "Rohstoffen" || m == "Rohstoffe"),
        "{marked:?}"
    );
    assert_eq!(r.summary.query, "Selenskyj Rohstoffe");
}

#[test]
fn terminal_output_names_title_programme_and_id() {
    let idx = data_index();
    let out = search(&idx, &["--color", "never", "Selenskyj", "Rohstoffe"])
        .success()
        .stdout(predicate::str::contains(SEED_TITLE))
        .stdout(predicate::str::contains(SEED))
        .stdout(predicate::str::contains("2025-02-13"))
        .stdout(predicate::str::contains("Deutschlandfunk"))
        .stdout(predicate::str::contains("Rohstoffen"))
        .get_output()
        .stdout
        .clone();
    assert!(!has_ansi(&out));
}

#[test]
fn default_matches_any_word_and_all_narrows_to_items_with_every_word() {
    // README: the default `any` was chosen by measurement; `--match all`
    // needs every word. data/README.md: no item but the seed has both a
    // Selenskyj variant and a word with Rohstoff.
    let idx = data_index();
    let r = search_json(idx.path(), &["Selenskyj Rohstoffe"], 0);
    assert_eq!(r.ids()[0], SEED);
    assert!(r.ids().len() > 1, "any word: more than the seed");
    let all = search_json(idx.path(), &["--match", "all", "Selenskyj Rohstoffe"], 0);
    assert_eq!(all.ids(), vec![SEED]);
}

#[test]
fn with_match_any_the_item_with_both_words_ranks_first() {
    // README: "Hits that match more words still rank higher."
    let idx = data_index();
    let r = search_json(
        idx.path(),
        &["--match", "any", "-n", "100", "Selenskyj Rohstoffe"],
        0,
    );
    // data/README.md: the exact-case Selenskyj items and every item with a
    // Rohstoff word are found; the seed is the only one with both.
    let mut expected: Vec<&str> = SELENSKYJ.to_vec();
    expected.extend([
        "dlf-2025-04-15-china-seltene-erden",
        "dlf-2025-05-01-rohstoffabkommen",
        "dlf-2025-04-03-interview-wiesinger",
        "tt-2025-02-26-abkommen-rohstoffe",
    ]);
    for id in &expected {
        r.hit(id);
    }
    assert_eq!(r.hits[0].id, SEED, "both words rank first: {:?}", r.ids());
}

// ------------------------------------------------------------------ dates

#[test]
fn from_after_the_broadcast_day_excludes_the_seed() {
    let idx = data_index();
    for day in ["2025-02-14", "14.02.2025"] {
        search(&idx, &seed_query(&["--from", day]))
            .code(1)
            .stdout("");
    }
}

#[test]
fn to_before_the_broadcast_day_excludes_the_seed() {
    let idx = data_index();
    search(&idx, &seed_query(&["--to", "2025-02-12"]))
        .code(1)
        .stdout("");
}

#[test]
fn date_bounds_are_inclusive() {
    let idx = data_index();
    let r = search_json(
        idx.path(),
        &seed_query(&["--from", "2025-02-13", "--to", "13.02.2025"]),
        0,
    );
    assert_eq!(r.ids(), vec![SEED]);
}

// ------------------------------------------------------------- programmes

#[test]
fn program_filter_keeps_deutschlandfunk_whatever_the_case() {
    let idx = data_index();
    for name in ["Deutschlandfunk", "deutschlandfunk", "DEUTSCHLANDFUNK"] {
        let r = search_json(idx.path(), &seed_query(&["--program", name]), 0);
        assert_eq!(r.ids(), vec![SEED], "--program {name}");
    }
}

#[test]
fn program_filter_drops_other_programmes() {
    let idx = data_index();
    search(&idx, &seed_query(&["--program", "Deutschlandfunk Kultur"]))
        .code(1)
        .stdout("");
    // The same filter does find what Deutschlandfunk Kultur broadcast.
    let r = search_json(
        idx.path(),
        &["--program", "Deutschlandfunk Kultur", "Waffenruhe"],
        0,
    );
    assert_eq!(r.ids(), vec!["dlfkultur-2025-04-20-oster-waffenruhe"]);
    assert_eq!(r.hits[0].program.as_deref(), Some("Deutschlandfunk Kultur"));
}

// --------------------------------------------------------------- speakers

#[test]
fn speaker_filter_finds_exactly_the_two_baerbock_interviews() {
    let idx = data_index();
    for name in ["Annalena Baerbock", "Baerbock", "baerbock"] {
        let r = search_json(idx.path(), &["--speaker", name, "Waffenruhe"], 0);
        assert_eq!(r.summary.total, 2, "--speaker {name}");
        assert_eq!(id_set(&r), set(&[BAERBOCK_2024, BAERBOCK_2025]));
        for h in &r.hits {
            assert!(
                h.speakers.iter().any(|s| s == "Annalena Baerbock"),
                "{:?}",
                h.speakers
            );
        }
    }
}

#[test]
fn sort_by_date_puts_the_newer_interview_first() {
    let idx = data_index();
    let r = search_json(
        idx.path(),
        &["--speaker", "Baerbock", "--sort", "date", "Waffenruhe"],
        0,
    );
    assert_eq!(r.ids(), vec![BAERBOCK_2025, BAERBOCK_2024]);
    let dates: Vec<_> = r.hits.iter().map(|h| h.date.as_deref()).collect();
    assert_eq!(dates, vec![Some("2025-03-12"), Some("2024-06-17")]);
    assert!(r.hits.iter().all(|h| h.score.is_none()), "no score by date");
}

#[test]
fn sort_by_date_puts_undated_items_last() {
    let idx = data_index();
    let r = all_hits_sorted_by_date(&idx, "CO2-Preis");
    let dates: Vec<Option<&str>> = r.hits.iter().map(|h| h.date.as_deref()).collect();
    // data/README.md: two dated CO2-Preis items and the undated
    // archiv-hintergrund-klimageld.
    assert_eq!(
        dates,
        vec![Some("2024-01-03"), Some("2024-01-01"), None],
        "{:?}",
        r.ids()
    );
    assert_eq!(r.hits[2].id, "archiv-hintergrund-klimageld");
}

fn all_hits_sorted_by_date(index: &TempDir, query: &str) -> Results {
    search_json(index.path(), &["--sort", "date", "-n", "100", query], 0)
}

/// The speaker label of the line of an interview file that holds `text`.
fn label_of_line_with(file: &Path, text: &str) -> String {
    let body = std::fs::read_to_string(file).expect("read interview");
    let line = body
        .lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{text:?} is in no line of {}", file.display()));
    line.split_once(':')
        .map(|(label, _)| label.trim().to_string())
        .unwrap_or_default()
}

#[test]
fn snippets_name_the_speaker_of_the_turn_they_come_from() {
    let idx = data_index();
    let r = search_json(
        idx.path(),
        &["--speaker", "Baerbock", "--snippets", "10", "Waffenruhe"],
        0,
    );
    assert_eq!(r.hits.len(), 2);
    for h in &r.hits {
        let file = data_dir().join("interviews").join(format!("{}.txt", h.id));
        // Baerbock says "Waffenruhe" in both interviews (data/interviews/).
        assert!(
            h.snippets.iter().any(|s| s.kind == "turn"
                && s.speaker.as_deref() == Some("Annalena Baerbock")
                && s.marked().iter().any(|m| m == "Waffenruhe")),
            "{}: no snippet of Baerbock's saying Waffenruhe: {:#?}",
            h.id,
            h.snippets
        );
        for s in h.snippets.iter().filter(|s| s.kind == "turn") {
            let speaker = s.speaker.as_deref().expect("a turn snippet has a speaker");
            let core = s.text.trim_start_matches("… ").trim_end_matches(" …");
            let label = label_of_line_with(&file, core).to_uppercase();
            let surname = speaker.rsplit(' ').next().expect("a name").to_uppercase();
            assert!(
                label.ends_with(&surname),
                "{}: snippet {core:?} is in a turn of {label}, not of {speaker}",
                h.id
            );
        }
        for s in h.snippets.iter().filter(|s| s.kind != "turn") {
            assert_eq!(s.speaker, None, "{}: {s:?}", h.id);
        }
    }
}

// -------------------------------------------------------------------- JSON

#[test]
fn json_lines_validate_and_end_with_the_summary() {
    let idx = data_index();
    // search_json validates each line against schema/hit.v1.schema.json.
    let r = search_json(idx.path(), &["Waffenruhe"], 0);
    assert_eq!(
        id_set(&r),
        set(&[
            "dlfkultur-2025-04-20-oster-waffenruhe",
            BAERBOCK_2024,
            BAERBOCK_2025,
            "ndr-2025-03-11-selenski-dschidda",
        ])
    );
    assert_eq!(r.summary.total, 4);
    assert_eq!(r.summary.returned, 4);
    assert_eq!(r.summary.offset, 0);
    assert_eq!(r.summary.query, "Waffenruhe");
    assert!(r.summary.elapsed_ms >= 0.0);
    let ranks: Vec<usize> = r.hits.iter().map(|h| h.rank).collect();
    assert_eq!(ranks, vec![1, 2, 3, 4]);
    let scores: Vec<f64> = r
        .hits
        .iter()
        .map(|h| h.score.expect("relevance order has scores"))
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    for h in &r.hits {
        assert!(h.snippets.len() <= 2, "default is 2 snippets");
        assert!(!h.snippets.is_empty(), "{}: no snippet", h.id);
    }
}

#[test]
fn paging_splits_the_hits_without_overlap() {
    let idx = data_index();
    let first = search_json(idx.path(), &["-n", "2", "Waffenruhe"], 0);
    let second = search_json(idx.path(), &["-n", "2", "--offset", "2", "Waffenruhe"], 0);
    assert_eq!((first.summary.total, first.summary.returned), (4, 2));
    assert_eq!(
        (
            second.summary.total,
            second.summary.returned,
            second.summary.offset
        ),
        (4, 2, 2)
    );
    let ranks: Vec<usize> = second.hits.iter().map(|h| h.rank).collect();
    assert_eq!(ranks, vec![3, 4]);
    let mut all = id_set(&first);
    all.extend(id_set(&second));
    assert_eq!(all.len(), 4, "{:?} + {:?}", first.ids(), second.ids());
}

#[test]
fn json_without_hits_is_only_the_summary() {
    let idx = data_index();
    let r = search_json(idx.path(), &["Xylophonwettbewerb"], 1);
    assert!(r.hits.is_empty());
    assert_eq!((r.summary.total, r.summary.returned), (0, 0));
}

#[test]
fn json_is_never_coloured() {
    let idx = data_index();
    let out = search(&idx, &["--json", "--color", "always", "Waffenruhe"])
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(!has_ansi(&out));
    assert_eq!(parse_results(&out).summary.total, 4);
}

// ------------------------------------------------------------------ phrases

#[test]
fn phrase_is_found_and_marked_as_one_span() {
    let idx = data_index();
    let r = assert_finds(
        &idx,
        "\"seltener Erden\"",
        &[
            SEED,
            "dlf-2025-04-03-interview-wiesinger",
            "tt-2025-02-26-abkommen-rohstoffe",
        ],
    );
    for h in &r.hits {
        let marked: Vec<String> = h
            .marked_title()
            .into_iter()
            .chain(h.marked_snippets())
            .collect();
        assert!(!marked.is_empty(), "{}: nothing marked", h.id);
        for m in &marked {
            let lower = m.to_lowercase();
            assert!(
                lower.starts_with("selten") && lower.ends_with(" erden"),
                "{}: {m:?} is not the whole phrase; marked {marked:?}",
                h.id
            );
        }
    }
    for id in [SEED, "tt-2025-02-26-abkommen-rohstoffe"] {
        assert!(
            r.hit(id)
                .marked_snippets()
                .iter()
                .any(|m| m == "seltener Erden"),
            "{id}: {:?}",
            r.hit(id).snippets
        );
    }
}

#[test]
fn german_quotes_make_a_phrase_too() {
    let idx = data_index();
    let plain = all_hits(&idx, "\"seltener Erden\"");
    let german = all_hits(&idx, "„seltener Erden“");
    assert_eq!(id_set(&german), id_set(&plain));
}

// ---------------------------------------------------------- query language

#[test]
fn field_prefixes_search_one_field() {
    let idx = data_index();
    let r = all_hits(&idx, "title:Waffenruhe");
    assert_eq!(
        id_set(&r),
        set(&[
            "dlfkultur-2025-04-20-oster-waffenruhe",
            "ndr-2025-03-11-selenski-dschidda",
        ])
    );
    let r = all_hits(&idx, "speaker:\"Annalena Baerbock\"");
    assert_eq!(id_set(&r), set(&[BAERBOCK_2024, BAERBOCK_2025]));
}

#[test]
fn exclusions_drop_items_with_the_word() {
    let idx = data_index();
    let expected = set(&[
        "dlfkultur-2025-04-20-oster-waffenruhe",
        "ndr-2025-03-11-selenski-dschidda",
    ]);
    for q in ["Waffenruhe -Baerbock", "Waffenruhe NOT Baerbock"] {
        assert_eq!(id_set(&all_hits(&idx, q)), expected, "query {q}");
    }
}

#[test]
fn or_takes_either_word() {
    let idx = data_index();
    let r = all_hits(&idx, "Lukaschenko OR Lukaschenka");
    assert_eq!(
        id_set(&r),
        set(&[
            "dlf-2025-01-27-belarus-wahl",
            "dlf-2025-01-27-interview-kroll",
            "br-2025-01-26-lukaschenka",
        ])
    );
}

// --------------------------------------------------------- German analysis

/// data/README.md, "Straße / straße (any case)" and "Strasse".
const STRASSE: [&str; 4] = [
    "dlf-2024-06-03-hochwasser-sueddeutschland",
    "dlf-2025-01-27-interview-kroll",
    "br-2024-06-02-asr-hochwasser",
    "wdr5-2024-05-29-bayern-trainer",
];

#[test]
fn strasse_and_strasse_with_eszett_find_each_other() {
    let idx = data_index();
    for q in ["Strasse", "Straße", "STRASSE"] {
        let r = all_hits(&idx, q);
        // The spellings first; words that only sound alike may follow.
        let first: BTreeSet<String> = r
            .hits
            .iter()
            .take(STRASSE.len())
            .map(|h| h.id.clone())
            .collect();
        assert_eq!(first, set(&STRASSE), "query {q}");
    }
}

/// data/README.md: every item with "Zölle", and the ASCII ASR "zoelle".
const ZOELLE: [&str; 8] = [
    "dlf-2024-11-06-wahl-usa",
    "dlf-2025-04-03-us-zoelle",
    "dlf-2025-04-03-interview-wiesinger",
    "wdr5-2025-04-03-0700",
    "wdr5-2025-04-03-0800",
    "wdr5-2025-04-03-0900",
    "wdr5-2025-04-03-1000",
    "dlfnova-2025-04-10-asr-zoelle",
];

#[test]
fn zoelle_finds_zoelle_with_umlaut_and_back() {
    let idx = data_index();
    let r = assert_finds(&idx, "Zoelle", &ZOELLE);
    assert!(
        r.hit("dlf-2025-04-03-us-zoelle")
            .marked_snippets()
            .iter()
            .any(|m| m == "Zölle" || m == "Zöllen"),
        "{:?}",
        r.hit("dlf-2025-04-03-us-zoelle").snippets
    );
    assert_finds(&idx, "Zölle", &ZOELLE);
}

#[test]
fn muentefering_finds_muentefering_with_umlaut_and_back() {
    let ids = [
        "dlfkultur-2025-01-16-muentefering-85",
        "br-2024-09-25-muentefering-alter",
    ];
    let idx = data_index();
    let r = assert_finds(&idx, "Muentefering", &ids);
    assert!(
        r.hit(ids[0])
            .marked_title()
            .iter()
            .any(|m| m == "Müntefering"),
        "{:?}",
        r.hit(ids[0]).title
    );
    assert_finds(&idx, "Müntefering", &ids);
}

#[test]
fn hoeness_meets_hoeness_with_eszett() {
    let idx = data_index();
    let ids = [
        "dlf-2023-11-13-hoeness-bayern",
        "tt-2024-03-13-hoeness-affaere",
        "wdr5-2024-05-29-bayern-trainer",
    ];
    assert_finds(&idx, "Hoeness", &ids);
    assert_finds(&idx, "Hoeneß", &ids);
}

/// data/README.md, "Selenskyj (exact case)".
const SELENSKYJ: [&str; 6] = [
    SEED,
    "dlf-2024-11-06-wahl-usa",
    "dlf-2024-12-19-eu-gipfel",
    "dlfkultur-2025-04-20-oster-waffenruhe",
    BAERBOCK_2024,
    "ts-2023-12-14-2000-eu-gipfel",
];

#[test]
fn genitive_selenskyjs_meets_selenskyj() {
    let idx = data_index();
    assert_finds(&idx, "Selenskyjs", &SELENSKYJ);
    let r = assert_finds(&idx, "Selenskyj", &SELENSKYJ);
    // ... including the lower-case ASR transcript.
    r.hit("ts-2025-02-15-asr-sicherheitskonferenz");
}

#[test]
fn nato_finds_the_hyphenated_nato_mitgliedschaft() {
    let ids = [
        SEED,
        "dlf-2024-07-11-nato-gipfel",
        "dlfkultur-2025-02-19-interview-adler",
    ];
    let idx = data_index();
    for q in ["NATO", "nato", "Mitgliedschaft", "NATO-Mitgliedschaft"] {
        assert_finds(&idx, q, &ids);
    }
}

/// data/README.md, "US-Präsident".
const US_PRAESIDENT: [&str; 11] = [
    SEED,
    "dlf-2024-11-06-wahl-usa",
    "dlf-2024-12-19-eu-gipfel",
    "dlf-2025-04-03-us-zoelle",
    "dlf-2025-05-01-rohstoffabkommen",
    BAERBOCK_2025,
    "wdr5-2025-04-03-0700",
    "wdr5-2025-04-03-0800",
    "wdr5-2025-04-03-0900",
    "wdr5-2025-04-03-1000",
    "tt-2025-02-26-abkommen-rohstoffe",
];

#[test]
fn hyphenated_query_finds_every_item_with_it() {
    let idx = data_index();
    let r = assert_finds(&idx, "US-Präsident", &US_PRAESIDENT);
    assert!(
        r.hit("dlf-2025-04-03-us-zoelle")
            .marked_snippets()
            .iter()
            .any(|m| m == "US-Präsident"),
        "the group is marked as one span"
    );
}

#[test]
fn hyphenated_compound_hoeness_affaere() {
    let idx = data_index();
    let r = all_hits(&idx, "Hoeneß-Affäre");
    assert_eq!(r.hits[0].id, "tt-2024-03-13-hoeness-affaere");
    assert!(
        r.hits[0]
            .marked_title()
            .iter()
            .any(|m| m == "Hoeneß-Affäre"),
        "{:?} marked {:?}",
        r.hits[0].title,
        r.hits[0].marked_title()
    );
}

#[test]
fn photo_credits_are_shown_but_not_searchable() {
    let idx = data_index();
    for q in [
        "IMAGO",
        "ABACAPRESS",
        "\"picture alliance\"",
        "Political-Moments",
        "\"Sven Simon\"",
    ] {
        search(&idx, &[q]).code(1).stdout("");
    }
    // The words are there: `show` prints the caption with its credit.
    archivar_in(idx.path())
        .args(["show", "--color", "never", SEED])
        .assert()
        .success()
        .stdout(predicate::str::contains("IMAGO / ABACAPRESS"));
}

// -------------------------------------------------------------------- show

#[test]
fn show_prints_the_item() {
    let idx = data_index();
    archivar_in(idx.path())
        .args(["show", "--color", "never", SEED])
        .assert()
        .success()
        .stdout(predicate::str::contains(SEED_TITLE))
        .stdout(predicate::str::contains("Deutschlandfunk"))
        .stdout(predicate::str::contains("2025-02-13"))
        .stdout(predicate::str::contains("Selenskyj"));
}

#[test]
fn show_of_an_unknown_id_exits_1() {
    let idx = data_index();
    archivar_in(idx.path())
        .args(["show", "nope"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("\"nope\""));
}

fn show_json(index: &Path, id: &str) -> Value {
    let out = archivar_in(index)
        .args(["show", "--json", id])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("UTF-8");
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    let value: Value = serde_json::from_str(&text).expect("show --json prints JSON");
    assert_valid("item.v1.schema.json", &value);
    value
}

#[test]
fn show_json_is_a_valid_item() {
    let idx = data_index();
    let v = show_json(idx.path(), SEED);
    assert_eq!(v["id"], SEED);
    assert_eq!(v["title"], SEED_TITLE);
    assert_eq!(v["date"], "2025-02-13");
    assert_eq!(v["program"], "Deutschlandfunk");
    assert_eq!(v["speakers"], serde_json::json!([]));
    let blocks = v["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["kind"], "kicker");
    assert_eq!(blocks[0]["text"], "US-Präsident");
    assert!(
        blocks
            .iter()
            .any(|b| b["kind"] == "credit" && b["text"].as_str().unwrap().contains("ABACAPRESS")),
        "{blocks:?}"
    );
    let body = v["body"].as_str().expect("body");
    assert!(body.contains("Rohstoffen"));
    assert!(!body.contains("ABACAPRESS"), "credits are no body text");
}

#[test]
fn show_json_of_an_interview_is_valid_input_again() {
    let idx = data_index();
    let v = show_json(idx.path(), BAERBOCK_2025);
    assert_eq!(
        v["speakers"],
        serde_json::json!(["Sandra Schulz", "Annalena Baerbock"])
    );
    assert!(
        v["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["kind"] == "turn" && b["speaker"] == "Annalena Baerbock")
    );
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("again.jsonl");
    std::fs::write(&file, format!("{v}\n")).unwrap();
    let again = index_of(&file);
    let w = show_json(again.path(), BAERBOCK_2025);
    for field in ["id", "title", "date", "program", "speakers"] {
        assert_eq!(w[field], v[field], "{field}");
    }
    let r = search_json(
        again.path(),
        &["--speaker", "Baerbock", "--snippets", "10", "Waffenruhe"],
        0,
    );
    assert!(
        r.hits[0]
            .snippets
            .iter()
            .any(|s| s.speaker.as_deref() == Some("Annalena Baerbock")),
        "turns survive the round trip: {:#?}",
        r.hits[0].snippets
    );
}

// ------------------------------------------------------------------- stats

#[test]
fn stats_json_describes_the_sample_archive() {
    let idx = data_index();
    let s = stats_json(idx.path());
    assert_eq!(s["items"], 55);
    assert_eq!(s["undated"], 2);
    assert_eq!(s["schema_version"], 5);
    assert_eq!(s["first_date"], "2023-02-15");
    assert_eq!(s["last_date"], "2025-07-02");
    let programs = s["programs"].as_array().expect("programs");
    assert_eq!(
        programs[0],
        serde_json::json!({"name": "Deutschlandfunk", "count": 22})
    );
    for name in [
        "Deutschlandfunk Kultur",
        "Deutschlandfunk Nova",
        "tagesschau",
        "WDR 5",
    ] {
        assert!(programs.iter().any(|p| p["name"] == name), "{name}");
    }
    let sum: u64 = programs.iter().map(|p| p["count"].as_u64().unwrap()).sum();
    assert_eq!(sum, 54, "every item but the ASR transcript has a programme");
    let speakers = s["speakers"].as_array().expect("speakers");
    assert!(
        speakers.contains(&serde_json::json!({"name": "Annalena Baerbock", "count": 2})),
        "{speakers:?}"
    );
}

#[test]
fn stats_text_names_items_and_programmes() {
    let idx = data_index();
    archivar_in(idx.path())
        .args(["stats", "--color", "never"])
        .assert()
        .success()
        .stdout(predicate::str::contains("55"))
        .stdout(predicate::str::contains("Deutschlandfunk Nova"))
        .stdout(predicate::str::contains("2023-02-15"));
}

// ------------------------------------------------------------- exit codes

#[test]
fn help_documents_the_exit_codes() {
    archivar()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit status: 0"));
}

#[test]
fn without_index_option_the_index_is_below_xdg_data_home() {
    // The test environment points XDG_DATA_HOME into a temporary home.
    archivar()
        .arg("stats")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("archivar-home"))
        .stderr(predicate::str::contains("archivar/index"));
}

#[test]
fn search_without_hits_exits_1() {
    let idx = data_index();
    // Nothing on stdout, as grep; stderr says what happened.
    search(&idx, &["Xylophonwettbewerb"])
        .code(1)
        .stdout("")
        .stderr("archivar: no hits for Xylophonwettbewerb\n");
}

#[test]
fn unclosed_quote_is_a_usage_error() {
    assert_query_error(&["\"seltener Erden"], "unclosed quote");
}

#[test]
fn unbalanced_parenthesis_is_a_usage_error() {
    assert_query_error(&["(Selenskyj OR Trump"], "unbalanced parenthesis");
    assert_query_error(&["Selenskyj)"], "unbalanced parenthesis");
}

#[test]
fn a_prefix_that_names_no_field_is_part_of_the_word_with_a_note() {
    let idx = data_index();
    archivar_in(idx.path())
        .args(["search", "autor:Meier"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "\"autor:\" is no field, so \"autor:Meier\" is searched as words; the fields are text:, title:",
        ));
    // A field with nothing after it is an error, not the word "title".
    assert_query_error(&["title:"], "\"title:\" at column 1 has nothing to search");
}

#[test]
fn stopwords_only_is_a_usage_error() {
    assert_query_error(&["und oder"], "only stopwords");
}

#[test]
fn exclusions_only_is_a_usage_error() {
    assert_query_error(&["--", "-Trump"], "only excludes");
}

#[test]
fn impossible_from_date_is_a_usage_error() {
    assert_query_error(&["--from", "2025-02-30", "Trump"], "2025-02-30");
}

#[test]
fn from_after_to_is_a_usage_error() {
    assert_query_error(
        &["--from", "2025-03-01", "--to", "2025-02-01", "Trump"],
        "2025-03-01 (from) is after 2025-02-01 (to); swap them",
    );
}

#[test]
fn missing_index_says_to_run_archivar_index() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("no-index-here");
    for args in [vec!["search", "Trump"], vec!["stats"], vec!["show", SEED]] {
        archivar_in(&missing)
            .args(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("archivar index"));
    }
}

#[test]
fn index_of_another_schema_version_is_refused_with_a_rebuild_hint() {
    let idx = data_index();
    std::fs::write(idx.path().join("archivar.toml"), "schema_version = 0\n").unwrap();
    for args in [vec!["search", "Trump"], vec!["stats"], vec!["show", SEED]] {
        archivar_in(idx.path())
            .args(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("rebuild"));
    }
    archivar_in(idx.path())
        .arg("index")
        .arg(data_dir())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rebuild"));
    // What the message says to do works.
    archivar_in(idx.path())
        .args(["index", "--rebuild"])
        .arg(data_dir())
        .assert()
        .success();
    assert_eq!(item_count(idx.path()), 55);
}

// ----------------------------------------------------------------- colour

#[test]
fn color_always_writes_ansi_escapes() {
    let idx = data_index();
    let out = search(&idx, &["--color", "always", "Selenskyj"])
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(has_ansi(&out));
}

#[test]
fn color_never_and_piped_output_have_no_escapes() {
    let idx = data_index();
    for args in [vec!["--color", "never", "Selenskyj"], vec!["Selenskyj"]] {
        let out = search(&idx, &args).success().get_output().stdout.clone();
        assert!(!has_ansi(&out), "{args:?}");
    }
}

#[test]
fn no_color_turns_auto_colour_off() {
    let idx = data_index();
    let out = archivar_in(idx.path())
        .env("NO_COLOR", "1")
        .args(["search", "--color", "auto", "Selenskyj"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(!has_ansi(&out));
}

// -------------------------------------------------------------- bad input

/// A good text item to index next to a bad file.
fn good_txt() -> PathBuf {
    data_dir().join("news").join("dlf-2025-04-03-us-zoelle.txt")
}

/// Index `paths` into a fresh index, expecting exit `code`; returns the
/// index and stderr, which must never tell of a panic.
fn index_paths(paths: &[&Path], code: i32) -> (TempDir, String) {
    let idx = empty_index();
    let out = archivar_in(idx.path())
        .arg("index")
        .args(paths)
        .assert()
        .code(code)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).expect("UTF-8 stderr");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (idx, stderr)
}

/// `stderr` has a line naming `path` (and `:LINE:` when given) that
/// contains `needle`.
fn assert_reported(stderr: &str, path: &Path, line: Option<u32>, needle: &str) {
    let place = match line {
        Some(n) => format!("{}:{n}:", path.display()),
        None => format!("{}", path.display()),
    };
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(&place) && l.contains(needle)),
        "no line with {place:?} and {needle:?} in stderr:\n{stderr}"
    );
}

#[test]
fn binary_txt_is_reported_and_skipped() {
    let dir = TempDir::new().unwrap();
    let bin = dir.path().join("scan.txt");
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend((0u8..=255).cycle().take(4096));
    std::fs::write(&bin, &bytes).unwrap();
    let (idx, stderr) = index_paths(&[&bin, &good_txt()], 2);
    assert_reported(&stderr, &bin, None, "binary");
    assert_eq!(item_count(idx.path()), 1);
}

#[test]
fn empty_txt_is_reported() {
    let empty = fixture("bad/empty.txt");
    let (idx, stderr) = index_paths(&[&empty, &good_txt()], 2);
    assert_reported(&stderr, &empty, None, "empty");
    assert_eq!(item_count(idx.path()), 1);
}

#[test]
fn broken_json_line_is_reported_and_the_others_indexed() {
    let file = fixture("bad/broken-line.jsonl");
    let (idx, stderr) = index_paths(&[&file], 2);
    assert_reported(&stderr, &file, Some(2), "bad JSON");
    assert_eq!(item_count(idx.path()), 2);
    let r = search_json(idx.path(), &["Gedser"], 0);
    assert_eq!(r.ids(), vec!["bad-broken-3"]);
    assert!(r.hits[0].source.ends_with("broken-line.jsonl:3"));
    archivar_in(idx.path())
        .args(["show", "bad-broken-2"])
        .assert()
        .code(1);
}

#[test]
fn impossible_jsonl_date_is_reported_with_its_line() {
    let file = fixture("bad/impossible-date.jsonl");
    let (idx, stderr) = index_paths(&[&file], 2);
    assert_reported(&stderr, &file, Some(2), "31.02.2025");
    assert_eq!(item_count(idx.path()), 1);
    search_json(idx.path(), &["Kirschbäume"], 0);
}

#[test]
fn jsonl_line_without_body_is_reported() {
    let file = fixture("bad/no-body.jsonl");
    let (idx, stderr) = index_paths(&[&file], 2);
    assert_reported(&stderr, &file, Some(1), "body");
    assert_eq!(item_count(idx.path()), 1);
    search_json(idx.path(), &["Leuchtturm"], 0);
}

#[test]
fn jsonl_body_of_the_wrong_type_is_reported() {
    let file = fixture("bad/body-number.jsonl");
    let (idx, stderr) = index_paths(&[&file], 2);
    assert_reported(&stderr, &file, Some(2), "\"body\"");
    assert_eq!(item_count(idx.path()), 1);
    search_json(idx.path(), &["Seehunde"], 0);
}

#[test]
fn impossible_trailer_date_is_reported() {
    let file = fixture("bad/trailer-date.txt");
    let (idx, stderr) = index_paths(&[&file, &good_txt()], 2);
    // The trailer is line 7.
    assert_reported(&stderr, &file, Some(7), "31.02.2025");
    assert_eq!(item_count(idx.path()), 1);
    search(&idx, &["Sturmflut"]).code(1);
}

#[test]
fn a_utf8_title_over_a_latin1_body_reads_right_in_both() {
    // Issue 15: the whole file was decoded as Windows-1252, and the title
    // read "KÃ¤lte in KÃ¶ln".
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("mixed.txt");
    let mut bytes = "Kälte in Köln\n\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"Die K\xE4lte kam \xFCber Nacht.\n\nStra\xDFen waren glatt.\n");
    std::fs::write(&file, bytes).unwrap();
    let (idx, stderr) = index_paths(&[&file], 0);
    assert_reported(&stderr, &file, None, "lines 3, 5 not UTF-8");
    let v = show_json(idx.path(), "mixed");
    assert_eq!(v["title"], "Kälte in Köln");
    let r = search_json(idx.path(), &["über", "Straßen"], 0);
    assert_eq!(r.ids(), vec!["mixed"]);
    let r = search_json(idx.path(), &["Kälte"], 0);
    assert_eq!(r.hits[0].marked_title(), ["Kälte"]);
}

#[test]
fn latin1_txt_is_indexed_with_a_warning() {
    let file = fixture("bad/latin1.txt");
    let (idx, stderr) = index_paths(&[&file], 0);
    assert_reported(&stderr, &file, None, "warning");
    assert_eq!(item_count(idx.path()), 1);
    let v = show_json(idx.path(), "latin1");
    assert_eq!(v["title"], "Musikfestival in Köln eröffnet");
    assert_eq!(v["program"], "Deutschlandfunk Kultur");
    for (q, word) in [
        ("Köln", "Köln"),
        ("Düsseldorf", "Düsseldorf"),
        ("Gäste", "Gäste"),
        ("Strasse", "Straße"),
    ] {
        let r = search_json(idx.path(), &["--snippets", "5", q], 0);
        assert_eq!(r.ids(), vec!["latin1"], "query {q}");
        let marked: Vec<String> = r.hits[0]
            .marked_title()
            .into_iter()
            .chain(r.hits[0].marked_snippets())
            .collect();
        assert!(marked.iter().any(|m| m == word), "{q}: {marked:?}");
    }
}

/// A text item in the seed's format.
const UMLAUT_ITEM: &str = "Nachrichten\nStraßenfest in Göttingen\n\nDas Straßenfest in Göttingen lockte viele Besucher.\n\n    Die Veranstalter zählten Zehntausende Gäste.\n    Diese Nachricht wurde am 02.03.2025 im Programm Deutschlandfunk Kultur gesendet.\n";

#[test]
fn utf16_txt_with_bom_is_indexed_with_a_warning() {
    let dir = TempDir::new().unwrap();
    let le = dir.path().join("utf16le.txt");
    let be = dir.path().join("utf16be.txt");
    let mut le_bytes = vec![0xFF, 0xFE];
    let mut be_bytes = vec![0xFE, 0xFF];
    for u in UMLAUT_ITEM.encode_utf16() {
        le_bytes.extend_from_slice(&u.to_le_bytes());
        be_bytes.extend_from_slice(&u.to_be_bytes());
    }
    std::fs::write(&le, le_bytes).unwrap();
    std::fs::write(&be, be_bytes).unwrap();
    let (idx, stderr) = index_paths(&[&le, &be], 0);
    assert_reported(&stderr, &le, None, "UTF-16");
    assert_reported(&stderr, &be, None, "UTF-16");
    assert_eq!(item_count(idx.path()), 2);
    let r = search_json(idx.path(), &["Göttingen"], 0);
    assert_eq!(id_set(&r), set(&["utf16le", "utf16be"]));
    for h in &r.hits {
        assert_eq!(h.title, "Straßenfest in Göttingen");
        assert_eq!(h.date.as_deref(), Some("2025-03-02"));
    }
}

#[test]
fn utf16_jsonl_with_bom_is_decoded_like_utf16_txt() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("export.jsonl");
    let line = "{\"id\":\"u16-1\",\"title\":\"Zölle\",\"body\":\"Die Zölle steigen in Göttingen.\",\"date\":\"2025-04-03\"}\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in line.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(&file, bytes).unwrap();
    let (idx, stderr) = index_paths(&[&file], 0);
    assert_reported(&stderr, &file, None, "UTF-16");
    assert_eq!(item_count(idx.path()), 1);
    search_json(idx.path(), &["Göttingen"], 0);
}

#[test]
fn the_whole_bad_folder_is_indexed_without_panic() {
    let dir = fixture("bad");
    let (idx, stderr) = index_paths(&[&dir], 2);
    for (name, line) in [
        ("empty.txt", None),
        ("broken-line.jsonl", Some(2)),
        ("impossible-date.jsonl", Some(2)),
        ("no-body.jsonl", Some(1)),
        ("body-number.jsonl", Some(2)),
        ("trailer-date.txt", Some(7)),
        ("latin1.txt", None),
    ] {
        assert_reported(&stderr, &dir.join(name), line, "");
    }
    // Good: 2 + 1 + 1 + 1 JSON lines and latin1.txt.
    assert_eq!(item_count(idx.path()), 6);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever the bytes, indexing reports and goes on; it never panics.
    #[test]
    fn indexing_any_bytes_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        jsonl in any::<bool>(),
    ) {
        let dir = TempDir::new().unwrap();
        let file = dir.path().join(if jsonl { "x.jsonl" } else { "x.txt" });
        std::fs::write(&file, &bytes).unwrap();
        let idx = empty_index();
        let out = archivar_in(idx.path()).arg("index").arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        prop_assert!(matches!(out.status.code(), Some(0 | 2)), "{:?}: {}", out.status, stderr);
    }
}

// ---------------------------------------------------------- shared corpora

/// Non-empty lines of every `*.jsonl` and `*.jsonl.gz` below `dir`.
fn count_jsonl_items(dir: &Path) -> u64 {
    let mut n = 0;
    // Hidden entries are passed over, as `archivar index` does.
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walk {
        let entry = entry.expect("walk corpora");
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().is_file() {
            continue;
        }
        let file = || std::fs::File::open(entry.path()).expect("open corpus file");
        let reader: Box<dyn Read> = if name.ends_with(".jsonl.gz") {
            Box::new(flate2::read::MultiGzDecoder::new(file()))
        } else if name.ends_with(".jsonl") {
            Box::new(file())
        } else {
            continue;
        };
        for line in BufReader::with_capacity(1 << 16, reader).split(b'\n') {
            let line = line.expect("read corpus line");
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn every_item_of_the_shared_corpora_is_stored() {
    let corpora = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora"));
    if !corpora.is_dir() {
        eprintln!(
            "skipped: {} does not exist; nothing to count",
            corpora.display()
        );
        return;
    }
    let expected = count_jsonl_items(corpora);
    assert!(expected > 0, "no JSON Lines items in {}", corpora.display());
    let idx = empty_index();
    archivar_in(idx.path())
        .args(["index", "--quiet"])
        .arg(corpora)
        .assert()
        .success()
        .stderr("");
    assert_eq!(item_count(idx.path()), expected, "items in = items stored");
    let r = search_json(idx.path(), &["Bundestag Haushalt"], 0);
    assert!(r.summary.total > 0);
}

#[test]
fn compounds_find_their_parts_apart() {
    // data/README.md: "Friedensverhandlungen" in the Oster-Waffenruhe item,
    // "Verhandlungen über einen Frieden" in the Baerbock interview of 2024;
    // "Rohstoffabkommen" and "Abkommen über Rohstoffe".
    let idx = data_index();
    let r = search_json(idx.path(), &["-n", "50", "Friedensverhandlungen"], 0);
    r.hit("dlfkultur-2025-04-20-oster-waffenruhe");
    r.hit("dlf-2024-06-17-interview-baerbock");
    let r = search_json(idx.path(), &["-n", "50", "Rohstoffabkommen"], 0);
    assert_eq!(r.ids()[0], "dlf-2025-05-01-rohstoffabkommen");
    r.hit("tt-2025-02-26-abkommen-rohstoffe");
    // The glued word ranks above the parts apart.
    let pos = |id: &str| r.ids().iter().position(|x| *x == id).unwrap();
    assert!(pos("dlf-2025-05-01-rohstoffabkommen") < pos("tt-2025-02-26-abkommen-rohstoffe"));
}

#[test]
fn compounds_meet_through_shared_parts_and_mark_only_the_part() {
    // archiv-hintergrund-klimageld has "Klimageld", "Klimageldes" and
    // "klimaschädliche", never "Klima" or "Politik" alone;
    // dlfnova-2025-07-02-hitzewelle has "klimatisierte" and no other "Klima".
    let idx = data_index();
    // The compounds a word starts, their rest a word, are its matches, with
    // only the word's part marked: "Klima" finds the item with only
    // "Klimageld" (issue 15).
    let klima = search_json(idx.path(), &["-n", "50", "--no-collapse", "Klima"], 0);
    assert_eq!(klima.summary.total, 6);
    let m = klima.hit("archiv-hintergrund-klimageld").marked_snippets();
    assert!(
        !m.is_empty() && m.iter().all(|w| w.eq_ignore_ascii_case("klima")),
        "{m:?}"
    );
    // Where an item matches through another word too, the compound it
    // holds adds to its score.
    let r = search_json(
        idx.path(),
        &["-n", "50", "--no-collapse", "Klima", "CO2-Preis"],
        0,
    );
    let co2 = search_json(idx.path(), &["-n", "50", "--no-collapse", "CO2-Preis"], 0);
    let mut either: Vec<&str> = klima.ids().into_iter().chain(co2.ids()).collect();
    either.sort();
    either.dedup();
    assert_eq!(r.summary.total, either.len());
    let with = r
        .hits
        .iter()
        .find(|h| h.id == "archiv-hintergrund-klimageld")
        .unwrap();
    let without = co2.hit("archiv-hintergrund-klimageld");
    assert!(with.score.unwrap() > without.score.unwrap() * 1.01);
    let m = with.marked_snippets();
    assert!(
        m.iter()
            .all(|w| w == "CO2-Preis" || w.eq_ignore_ascii_case("klima")),
        "{m:?}"
    );
    // A rest that is no word makes no compound: "klimatisierte" is not
    // "Klima" + "tisierte".
    let r = search_json(idx.path(), &["-n", "50", "Klima", "Hitze"], 0);
    let m = r.hit("dlfnova-2025-07-02-hitzewelle").marked_snippets();
    assert!(
        !m.iter().any(|w| w.to_lowercase().starts_with("klima")),
        "{m:?}"
    );
    // A compound of the query shares a part with a compound of the item:
    // "Klimapolitik" and "Klimageld" meet in "Klima", which ranks.
    let r = search_json(idx.path(), &["-n", "50", "Klimapolitik", "CO2-Preis"], 0);
    assert!(r.hit("archiv-hintergrund-klimageld").score.unwrap() > without.score.unwrap() * 1.01);
    // A compound the query also names itself is marked whole.
    let r = search_json(idx.path(), &["-n", "50", "Klima", "Klimageld"], 0);
    let m = r.hit("archiv-hintergrund-klimageld").marked_snippets();
    assert!(m.iter().any(|w| w.starts_with("Klimageld")), "{m:?}");
}

#[test]
fn name_variants_meet_and_are_marked() {
    // data/README.md: "Selenski" only in ndr-2025-03-11-selenski-dschidda,
    // "Zelensky" only in presse-international-zelensky; "Lukaschenka" in
    // br-2025-01-26-lukaschenka, "Lukaschenko" in dlf-2025-01-27-belarus-wahl.
    let idx = data_index();
    let r = search_json(idx.path(), &["-n", "50", "Selenskyj"], 0);
    let marked = |id: &str| -> Vec<String> {
        let h = r.hit(id);
        h.snippets
            .iter()
            .flat_map(|s| {
                let chars: Vec<char> = s.text.chars().collect();
                s.highlights
                    .iter()
                    .map(|(a, b)| chars[*a..*b].iter().collect::<String>())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert!(marked("ndr-2025-03-11-selenski-dschidda").contains(&"Selenski".to_string()));
    assert!(marked("presse-international-zelensky").contains(&"Zelensky".to_string()));
    let r = search_json(idx.path(), &["-n", "50", "Lukaschenka"], 0);
    assert_eq!(r.ids()[0], "br-2025-01-26-lukaschenka");
    r.hit("dlf-2025-01-27-belarus-wahl");
}

#[test]
fn reindexing_skips_unchanged_files_replaces_changed_ones_and_prunes_vanished() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("archiv");
    std::fs::create_dir(&src).unwrap();
    let a = "Titel A\n\nDie Zölle auf Stahl steigen.\nDiese Nachricht wurde am 03.04.2025 im Programm Deutschlandfunk gesendet.\n";
    let b = "Titel B\n\nDer Deich bei Passau hält.\nDiese Nachricht wurde am 03.06.2024 im Programm Deutschlandfunk gesendet.\n";
    std::fs::write(src.join("a.txt"), a).unwrap();
    std::fs::write(src.join("b.txt"), b).unwrap();
    std::fs::write(
        src.join("c.jsonl"),
        "{\"id\":\"c1\",\"body\":\"Eins.\"}\n{\"id\":\"c2\",\"body\":\"Zwei.\"}\n",
    )
    .unwrap();
    let idx = index_of(&src);
    let run = |args: &[&str]| -> String {
        let out = archivar_in(idx.path())
            .arg("index")
            .args(args)
            .arg(&src)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    // Nothing changed: every file skipped.
    let out = run(&[]);
    assert!(out.contains("indexed 0 items"), "{out}");
    assert!(
        out.contains("4 items unchanged in 3 files skipped"),
        "{out}"
    );
    // One file changed, one line taken out of the JSON Lines file.
    std::fs::write(src.join("a.txt"), a.replace("Stahl", "Aluminium")).unwrap();
    std::fs::write(src.join("c.jsonl"), "{\"id\":\"c1\",\"body\":\"Eins.\"}\n").unwrap();
    let out = run(&[]);
    assert!(out.contains("indexed 2 items (0 new, 2 replaced)"), "{out}");
    assert!(out.contains("1 item unchanged in 1 file skipped"), "{out}");
    assert_eq!(item_count(idx.path()), 3, "c2 went with its line");
    search_json(idx.path(), &["Aluminium"], 0);
    search_json(idx.path(), &["Stahl"], 1);
    // A file gone: kept without --prune, removed with it.
    std::fs::remove_file(src.join("b.txt")).unwrap();
    run(&[]);
    assert_eq!(item_count(idx.path()), 3);
    let out = run(&["--prune"]);
    assert!(
        out.contains("1 item removed with 1 file no longer there"),
        "{out}"
    );
    assert_eq!(item_count(idx.path()), 2);
    search_json(idx.path(), &["Deich"], 1);
}

#[test]
fn the_item_whose_words_come_together_ranks_first() {
    // Two long transcripts with the same words as often: in one they are
    // in one story, in the other far apart. The passage decides.
    let dir = tempfile::tempdir().unwrap();
    let filler = |n: usize| {
        (0..n)
            .map(|i| format!("Satz{i} ohne Bezug zum Thema des Abends."))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let apart = format!(
        "Die Hafenbehörde meldet Rekordumschlag. {} Die Gewerkschaft kündigt Streiks an. {}",
        filler(60),
        filler(60)
    );
    let together = format!(
        "{} Im Hafen kündigt die Gewerkschaft Streiks an, die Hafenbehörde warnt. {}",
        filler(60),
        filler(60)
    );
    let line = |id: &str, body: &str| {
        serde_json::json!({"id": id, "title": "Nachrichten", "date": "2025-03-01", "program": "NDR Info", "body": body})
            .to_string()
    };
    std::fs::write(
        dir.path().join("x.jsonl"),
        format!(
            "{}\n{}\n",
            line("auseinander", &apart),
            line("zusammen", &together)
        ),
    )
    .unwrap();
    let idx = index_of(dir.path());
    let r = search_json(
        idx.path(),
        &["Hafenbehörde Gewerkschaft Streiks", "--no-collapse"],
        0,
    );
    assert_eq!(r.ids(), ["zusammen", "auseinander"]);
}

#[test]
fn a_title_hit_ranks_above_the_same_words_in_the_body() {
    // Both items hold "Waffenruhe" twice in their searchable text; in one,
    // one of the two is the headline. The title field's boost decides (and
    // not the order of equal scores: without the boost, "im-text" is first).
    let dir = tempfile::tempdir().unwrap();
    let line = |id: &str, title: &str, body: &str| {
        serde_json::json!({"id": id, "title": title, "date": "2025-04-20", "program": "Deutschlandfunk", "body": body})
            .to_string()
    };
    std::fs::write(
        dir.path().join("x.jsonl"),
        format!(
            "{}\n{}\n",
            line(
                "im-titel",
                "Waffenruhe über Ostern",
                "Die Waffenruhe hält bisher. Beobachter melden, die Lage sei brüchig."
            ),
            line(
                "im-text",
                "Nachrichten am Ostersonntag",
                "Die Waffenruhe hält bisher. Beobachter melden, die Waffenruhe sei brüchig."
            ),
        ),
    )
    .unwrap();
    let idx = index_of(dir.path());
    let r = search_json(idx.path(), &["Waffenruhe", "--no-collapse"], 0);
    assert_eq!(r.ids(), ["im-titel", "im-text"]);
    assert_eq!(r.hit("im-titel").marked_title(), ["Waffenruhe"]);
}

#[test]
fn show_json_indexes_again_with_times_kicker_lead_and_subheadings() {
    // Issue 12, row 20: subtitle times were lost ("has no time offsets"),
    // a kicker became a subheading, a lead a paragraph.
    let idx = index_of(&data_dir());
    let again = empty_index();
    let dir = TempDir::new().unwrap();
    for id in [
        "dlf-2025-04-03-us-zoelle",
        "hoerfunk-nachrichten-2025-02-20",
        "dlf-interview-petersen",
        "dlf-2024-06-17-interview-baerbock",
    ] {
        let out = archivar_in(idx.path())
            .args(["show", id, "--json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{id}");
        let file = dir.path().join(format!("{id}.jsonl"));
        std::fs::write(&file, &out.stdout).unwrap();
        archivar_in(again.path())
            .arg("index")
            .arg(&file)
            .assert()
            .code(0);
        let back = archivar_in(again.path())
            .args(["show", id, "--json"])
            .output()
            .unwrap();
        let (a, b): (Value, Value) = (
            serde_json::from_slice(&out.stdout).unwrap(),
            serde_json::from_slice(&back.stdout).unwrap(),
        );
        for field in ["title", "date", "program", "speakers", "blocks", "body"] {
            assert_eq!(a[field], b[field], "{id}: {field}");
        }
    }
    // The times came along: --at finds the passage.
    archivar_in(again.path())
        .args(["show", "hoerfunk-nachrichten-2025-02-20", "--at", "0:05"])
        .assert()
        .code(0);
}

/// Counting stops at 10,000 matches unless asked for all ("10000+ hits",
/// as Elasticsearch's `track_total_hits`); facets count them all anyway.
#[test]
fn the_total_stops_at_ten_thousand_unless_asked_for_all() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("haushalt.jsonl");
    let mut lines = String::new();
    let words = [
        "Rente",
        "Schulden",
        "Bahn",
        "Bundeswehr",
        "Pflege",
        "Klima",
        "Wohnen",
    ];
    for i in 0..10_050 {
        let w = words[i % words.len()];
        lines.push_str(&format!(
            "{{\"id\":\"h{i}\",\"title\":\"{w} im Haushalt {i}\",\"body\":\"Der Bundestag berät über {w} und den Haushalt des Jahres {}, Lesung {}.\"}}\n",
            1950 + i % 75,
            i
        ));
    }
    std::fs::write(&file, lines).unwrap();
    let idx = index_of(&file);
    let bounded = search_json(idx.path(), &["--no-collapse", "Haushalt"], 0);
    assert_eq!(
        (
            bounded.summary.total,
            bounded.summary.total_relation.as_str()
        ),
        (10_000, "gte")
    );
    assert_eq!(bounded.hits.len(), 10);
    let exact = search_json(
        idx.path(),
        &["--no-collapse", "--exact-total", "Haushalt"],
        0,
    );
    assert_eq!(
        (exact.summary.total, exact.summary.total_relation.as_str()),
        (10_050, "eq")
    );
    assert_eq!(exact.ids(), bounded.ids(), "the same top hits either way");
    let faceted = search_json(idx.path(), &["--no-collapse", "--facets", "Haushalt"], 0);
    assert_eq!(faceted.summary.total, 10_050);
    let few = search_json(idx.path(), &["--no-collapse", "Bahn", "Lesung"], 0);
    assert_eq!(few.summary.total_relation, "gte");
    archivar_in(idx.path())
        .args(["search", "--no-collapse", "Haushalt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("of 10000+ hits"));
}

#[test]
fn optimize_merges_the_index_into_one_segment_with_the_same_hits() {
    let build = |optimize: bool| {
        let dir = empty_index();
        let mut cmd = archivar_in(dir.path());
        cmd.args(["index", "--quiet", "--memory", "16", "--commit-every", "2"]);
        if optimize {
            cmd.arg("--optimize");
        }
        cmd.arg(data_dir()).assert().success();
        dir
    };
    let segments = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "idx")
            })
            .count()
    };
    let (many, one) = (build(false), build(true));
    assert!(
        segments(many.path()) > 1,
        "a commit every 2 items leaves several segments"
    );
    assert_eq!(segments(one.path()), 1);
    assert_eq!(item_count(one.path()), item_count(many.path()));
    for q in ["Selenskyj Rohstoffe", "Zölle", "\"seltener Erden\""] {
        let hits = |d: &Path| -> BTreeSet<(String, String)> {
            search_json(d, &[q, "-n", "50"], 0)
                .hits
                .into_iter()
                .map(|h| (h.id, format!("{:.4}", h.score.unwrap_or_default())))
                .collect()
        };
        assert_eq!(hits(one.path()), hits(many.path()), "{q}");
    }
    // Indexing again keeps working on the merged index.
    archivar_in(one.path())
        .args(["index", "--quiet", "--optimize"])
        .arg(data_dir())
        .assert()
        .success();
    assert_eq!(segments(one.path()), 1);
}
