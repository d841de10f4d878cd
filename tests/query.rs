//! The query language on the real binary: what a query matches is what the
//! user wrote, in every count (issue 12, rows 11–15). Each test compares two
//! ways of asking, or a count against one made here from the source text.

mod common;

use common::*;
use std::io::BufRead;
use std::path::Path;
use std::sync::OnceLock;
use tempfile::TempDir;

/// The tagesschau transcripts of `../shared/corpora`, indexed once.
fn transcripts() -> &'static (TempDir, std::path::PathBuf) {
    static IDX: OnceLock<(TempDir, std::path::PathBuf)> = OnceLock::new();
    IDX.get_or_init(|| {
        let docs = Path::new(ROOT).join("../shared/corpora/tagesschau-transcripts/docs.jsonl");
        (index_of(&docs), docs)
    })
}

/// The ids of all hits of a search (collapsed or not), sorted.
fn all_ids(index: &Path, query: &[&str]) -> Vec<String> {
    ids_with(index, &[], query)
}

/// [`all_ids`] with options before the query.
fn ids_with(index: &Path, options: &[&str], query: &[&str]) -> Vec<String> {
    let mut args = vec!["--no-collapse", "-n", "10000", "--snippets", "0"];
    args.extend(options);
    args.push("--");
    args.extend(query);
    let out = archivar_in(index)
        .arg("search")
        .arg("--json")
        .args(&args)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{query:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = parse_results(&out.stdout);
    assert_eq!(r.hits.len(), r.summary.total, "{query:?}: all on one page");
    let mut ids: Vec<String> = r.hits.into_iter().map(|h| h.id).collect();
    ids.sort();
    ids
}

#[test]
fn counts_count_items_that_hold_the_word_not_its_ranking_expansions() {
    // "Wehrpflicht" splits into "Wehr" + "Pflicht", and Kölner Phonetik
    // gives "verpflichten" its code: those rank, they do not match. The
    // trend counted 95 items of 2013 for the 9 that hold the word.
    let (idx, docs) = transcripts();
    let mut holding = 0;
    for line in std::io::BufReader::new(std::fs::File::open(docs).unwrap()).lines() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let year_2013 = v["date"].as_str().is_some_and(|d| d.starts_with("2013"));
        let text = format!("{} {}", v["title"], v["body"]).to_lowercase();
        if year_2013 && text.contains("wehrpflicht") {
            holding += 1;
        }
    }
    assert_eq!(holding, 9, "the corpus changed");
    let span = ["--by", "year", "--from", "2013-01-01", "--to", "2013-12-31"];
    for query in [
        vec!["Wehrpflicht"],
        vec!["+Wehrpflicht"],
        vec!["--match", "all", "Wehrpflicht"],
    ] {
        let mut args = span.to_vec();
        args.extend(&query);
        let t = trend_json(idx.path(), &args, 0);
        assert_eq!(t["total"], holding, "{query:?}");
    }
    // Their snippets mark the word, not the sound-alike or the parts.
    let r = search_json(
        idx.path(),
        &[
            "--from",
            "2013-01-01",
            "--to",
            "2013-12-31",
            "-n",
            "20",
            "Wehrpflicht",
        ],
        0,
    );
    assert_eq!(r.summary.total, holding);
    for h in &r.hits {
        for m in h.marked_snippets() {
            assert!(m.to_lowercase().starts_with("wehrpflicht"), "{}: {m}", h.id);
        }
    }
}

#[test]
fn a_field_before_a_group_applies_to_every_word_in_it() {
    let idx = index_of(&data_dir());
    for (group, word) in [
        ("title:(Rohstoffe)", "title:Rohstoffe"),
        ("speaker:(Baerbock)", "speaker:Baerbock"),
        (
            "heading:(Interview OR Ukraine)",
            "heading:Interview heading:Ukraine",
        ),
    ] {
        let a = all_ids(idx.path(), &[group]);
        assert_eq!(a, all_ids(idx.path(), &[word]), "{group}");
        assert!(!a.is_empty(), "{group}");
    }
    // The field narrows: the seed has "Rohstoffe" in its body only.
    let title = all_ids(idx.path(), &["title:(Rohstoffe)"]);
    assert!(!title.contains(&"dlf-2025-02-13".to_string()), "{title:?}");
    assert!(all_ids(idx.path(), &["(Rohstoffe)"]).contains(&"dlf-2025-02-13".to_string()));
    {}
}

#[test]
fn a_field_with_nothing_after_it_is_an_error_not_a_word() {
    let idx = index_of(&data_dir());
    for q in ["speaker:", "text:()", "title:", "Zölle title: Stahl"] {
        let field = q.split(':').next().unwrap().rsplit(' ').next().unwrap();
        assert_error(
            archivar_in(idx.path()).args(["search", "--", q]).assert(),
            &format!("\"{field}:\" at column"),
        );
    }
}

#[test]
fn excluding_an_exclusion_requires_the_word() {
    let idx = index_of(&data_dir());
    let required = all_ids(idx.path(), &["Rente +Zölle"]);
    assert!(!required.is_empty());
    for q in ["Rente --Zölle", "Rente NOT NOT Zölle", "Rente -(-Zölle)"] {
        assert_eq!(all_ids(idx.path(), &[q]), required, "{q}");
    }
    // -(-a -b) requires a or b.
    assert_eq!(
        all_ids(idx.path(), &["-(-Zölle -Rente)"]),
        all_ids(idx.path(), &["Zölle OR Rente"])
    );
    // An exclusion alone still says what is missing.
    assert_error(
        archivar_in(idx.path())
            .args(["search", "--", "-Zölle"])
            .assert(),
        "the query only excludes",
    );
}

#[test]
fn and_requires_both_sides() {
    let idx = index_of(&data_dir());
    let both = all_ids(idx.path(), &["+Zölle +Trump"]);
    let any = all_ids(idx.path(), &["Zölle Trump"]);
    assert!(!both.is_empty() && both.len() < any.len());
    assert_eq!(all_ids(idx.path(), &["Zölle AND Trump"]), both);
    assert_eq!(all_ids(idx.path(), &["Zölle && Trump"]), both);
    // AND binds its neighbours only; OR binds loosest.
    assert_eq!(
        all_ids(idx.path(), &["Zölle AND Stahl OR Rente"]),
        all_ids(idx.path(), &["(+Zölle +Stahl) OR Rente"])
    );
    for q in [
        "Zölle AND",
        "AND Zölle",
        "Zölle AND AND Stahl",
        "(Zölle AND) Stahl",
    ] {
        assert_error(
            archivar_in(idx.path()).args(["search", "--", q]).assert(),
            "\"AND\" at column",
        );
    }
}

#[test]
fn an_excluded_compound_excludes_the_word_not_its_parts() {
    // "-Wehrpflicht" used to exclude every item with "Pflicht" or "Wehr".
    let (idx, _) = transcripts();
    let pflicht = all_ids(idx.path(), &["Pflicht"]);
    let wehrpflicht = all_ids(idx.path(), &["Wehrpflicht"]);
    let without = all_ids(idx.path(), &["Pflicht -Wehrpflicht"]);
    let expected: Vec<String> = pflicht
        .iter()
        .filter(|id| !wehrpflicht.contains(id))
        .cloned()
        .collect();
    assert_eq!(without, expected);
    assert!(!without.is_empty());
}

#[test]
fn a_search_that_shows_nothing_says_why() {
    let idx = index_of(&data_dir());
    // No hit at all.
    archivar_in(idx.path())
        .args(["search", "Xylophonwettbewerb"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("archivar: no hits for Xylophonwettbewerb\n");
    // A page past the last hit names the total, and facets still print.
    let total = search_json(idx.path(), &["Zölle"], 0).summary.total;
    let out = archivar_in(idx.path())
        .args([
            "search", "--offset", "1000", "--facets", "--color", "never", "Zölle",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        format!("archivar: no hits on this page (from hit 1001); {total} hits in all\n")
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("Programmes of all {total} hits")),
        "{stdout}"
    );
}

#[test]
fn a_word_too_long_to_be_indexed_is_named() {
    let idx = index_of(&data_dir());
    let long = "Donaudampfschifffahrt".repeat(5);
    assert_error(
        archivar_in(idx.path()).args(["search", &long]).assert(),
        "has 105 bytes, more than the 64 bytes a word is indexed with",
    );
    archivar_in(idx.path())
        .args(["search", "-n", "1", &format!("Zölle {long}")])
        .assert()
        .code(0)
        .stderr(predicates::str::contains(
            "(105 bytes) is longer than the 64 bytes",
        ));
}

#[test]
fn zero_width_characters_inside_a_word_do_not_split_it() {
    let idx = index_of(&data_dir());
    let plain = all_ids(idx.path(), &["Rohstoffe"]);
    assert!(!plain.is_empty());
    for zw in ["\u{200d}", "\u{200b}", "\u{2060}", "\u{feff}"] {
        assert_eq!(
            all_ids(idx.path(), &[&format!("Roh{zw}stoffe")]),
            plain,
            "{zw:?}"
        );
    }
}

#[test]
fn a_speaker_filter_keeps_the_items_where_that_speaker_says_the_words() {
    // dlf-2025-03-12-interview-baerbock: Sandra Schulz asks about the
    // Kremlin and German soldiers; Annalena Baerbock answers about
    // Washington. Both speak in the item, so both used to match every word.
    let idx = index_of(&data_dir());
    let interview = "dlf-2025-03-12-interview-baerbock".to_string();
    let said = |speaker: &str, word: &str| {
        ids_with(idx.path(), &["--speaker", speaker], &[word]).contains(&interview)
    };
    assert!(said("Sandra Schulz", "Kreml"));
    assert!(!said("Baerbock", "Kreml"));
    assert!(said("Schulz", "Soldaten"));
    assert!(!said("Annalena Baerbock", "Soldaten"));
    assert!(said("Baerbock", "Washington"));
    // The same through the trend and the facets: they count what search
    // finds.
    let t = trend_json(
        idx.path(),
        &["--speaker", "Baerbock", "--by", "year", "Kreml"],
        1,
    );
    assert_eq!(t["total"], 0);
    let r = search_json(idx.path(), &["--speaker", "Schulz", "--facets", "Kreml"], 0);
    assert_eq!(r.summary.total, 1);
}

/// A six-item archive, as a new user's first one.
fn six_items() -> TempDir {
    let dir = TempDir::new().unwrap();
    let items = [
        ("wind", "Neue Windkraftanlagen in der Nordsee."),
        ("gesetz", "Das Klimaschutzgesetz wurde beschlossen."),
        ("pflege", "Der Pflegekräftemangel trifft die Kliniken."),
        ("strasse", "Die Hauptstraße war gesperrt."),
        ("bahn", "Die neue Trasse der Bahn."),
        ("krise", "Die Klimakrise trifft die Küsten."),
    ];
    let lines: Vec<String> = items
        .iter()
        .map(|(id, body)| {
            serde_json::json!({"id": id, "title": id, "body": body, "date": "2025-03-01"})
                .to_string()
        })
        .collect();
    let file = dir.path().join("five.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    dir
}

#[test]
fn a_word_finds_the_compounds_it_starts_even_in_a_small_archive() {
    // "anlagen" is no word of these five items; the built-in lexicon knows
    // it, so "Windkraftanlagen" is "Windkraft" + a word (issue 15).
    let dir = six_items();
    let idx = index_of(&dir.path().join("five.jsonl"));
    assert_eq!(all_ids(idx.path(), &["Windkraft"]), ["wind"]);
    let mut klima = all_ids(idx.path(), &["Klima"]);
    klima.sort();
    assert_eq!(klima, ["gesetz", "krise"]);
    // Only the word's own part is marked.
    let r = search_json(idx.path(), &["Windkraft"], 0);
    let s = &r.hits[0].snippets[0];
    assert_eq!(spans_of(&s.text, &s.highlights), ["Windkraft"]);
    // A word the query excludes excludes only itself.
    assert_eq!(all_ids(idx.path(), &["Klimakrise", "-Klima"]), ["krise"]);
}

#[test]
fn a_word_finds_the_compounds_it_ends_with_only_itself_marked() {
    // The head of a compound (issue 15): "Mangel" finds
    // "Pflegekräftemangel", "Strasse" and "Straße" find "Hauptstraße".
    let dir = six_items();
    let idx = index_of(&dir.path().join("five.jsonl"));
    for (query, id, marked) in [
        ("Mangel", "pflege", "mangel"),
        ("Strasse", "strasse", "straße"),
        ("Straße", "strasse", "straße"),
    ] {
        assert_eq!(all_ids(idx.path(), &[query]), [id], "{query}");
        let r = search_json(idx.path(), &[query], 0);
        let s = &r.hits[0].snippets[0];
        assert_eq!(spans_of(&s.text, &s.highlights), [marked], "{query}");
    }
    // "Trasse" is no head of "Hauptstraße": "Haups" is no word.
    assert_eq!(all_ids(idx.path(), &["Trasse"]), ["bahn"]);
}

#[test]
fn number_words_and_digits_meet() {
    // Issue 15: speech recognition writes "zwanzig Prozent", subtitles
    // "20 Prozent"; each finds the other, and the number is marked.
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("numbers.jsonl");
    let items = [
        serde_json::json!({"id": "asr", "title": "asr", "date": "2025-01-01",
            "body": "die inflation lag bei zwanzig prozent und es kamen viertausenddreihundertneunundsechzig menschen im jahr neunzehnhundertneunundachtzig"}),
        serde_json::json!({"id": "text", "title": "text", "date": "2025-01-01",
            "body": "Die Inflation lag bei 20 Prozent, 4369 Menschen kamen 1989."}),
        serde_json::json!({"id": "other", "title": "other", "date": "2025-01-01",
            "body": "Es kamen 21 Menschen, einundzwanzig im Jahr."}),
    ];
    let lines: Vec<String> = items.iter().map(|v| v.to_string()).collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let idx = index_of(&file);
    for (query, marked) in [
        ("zwanzig", ["zwanzig", "20"]),
        ("20", ["zwanzig", "20"]),
        ("4369", ["viertausenddreihundertneunundsechzig", "4369"]),
        (
            "neunzehnhundertneunundachtzig",
            ["neunzehnhundertneunundachtzig", "1989"],
        ),
        ("1989", ["neunzehnhundertneunundachtzig", "1989"]),
    ] {
        assert_eq!(all_ids(idx.path(), &[query]), ["asr", "text"], "{query}");
        let r = search_json(idx.path(), &["--no-collapse", query], 0);
        let mut m: Vec<String> = r.hits.iter().flat_map(|h| h.marked_snippets()).collect();
        m.sort();
        let mut want = marked.map(String::from).to_vec();
        want.sort();
        assert_eq!(m, want, "{query}");
    }
}

/// Items of one line each in a JSONL file of `dir`, titled by their ids.
fn items_file(dir: &Path, items: &[(String, String)]) -> std::path::PathBuf {
    let lines: Vec<String> = items
        .iter()
        .map(|(id, body)| {
            serde_json::json!({"id": id, "title": id, "body": body, "date": "2025-01-01"})
                .to_string()
        })
        .collect();
    let file = dir.join("items.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    file
}

#[test]
fn a_rare_long_word_finds_its_misspellings() {
    // Issue 15: the editors write "Schanghai", speech recognition
    // "Shanghai"; one edit away, and the query's spelling is in no item.
    let dir = TempDir::new().unwrap();
    let items: Vec<(String, String)> = [
        ("panik", "Massenpanik in Shanghai zu Neujahr."),
        ("hafen", "Shanghai meldet einen Rekord im Hafen."),
        ("kiel", "Die Kieler Woche beginnt in Kiel."),
        ("segeln", "Segeln vor Kiel."),
        ("kiew", "Selenskyj sprach in Kiew."),
    ]
    .iter()
    .map(|(i, b)| (i.to_string(), b.to_string()))
    .collect();
    let idx = index_of(&items_file(dir.path(), &items));
    assert_eq!(all_ids(idx.path(), &["Schanghai"]), ["hafen", "panik"]);
    let r = search_json(idx.path(), &["Schanghai"], 0);
    for h in &r.hits {
        assert_eq!(h.marked_snippets(), ["Shanghai"], "{}", h.id);
    }
    // A short word is taken as written: "Kiel", in more items, is no
    // "Kiew".
    assert_eq!(all_ids(idx.path(), &["Kiew"]), ["kiew"]);
    // --explain names the form.
    let out = archivar_in(idx.path())
        .args(["search", "--json", "--explain", "Schanghai"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let kinds: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "hit")
        .flat_map(|v| {
            v["explain"]["found"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["kind"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(kinds, ["misspelling", "misspelling"], "{text}");
}

#[test]
fn a_word_the_archive_holds_often_is_taken_as_written() {
    // "Schanghai" in 6 items is no misspelling: the 7 items that say
    // "Shanghai" are no hits of it.
    let dir = TempDir::new().unwrap();
    let mut items: Vec<(String, String)> = (0..6)
        .map(|i| (format!("sch{i}"), format!("Schanghai meldet {i} Fälle.")))
        .collect();
    items.extend((0..7).map(|i| (format!("sh{i}"), format!("Shanghai meldet {i} Tote."))));
    let idx = index_of(&items_file(dir.path(), &items));
    let want: Vec<String> = (0..6).map(|i| format!("sch{i}")).collect();
    assert_eq!(all_ids(idx.path(), &["Schanghai"]), want);
    // In 5 items it is rare, and finds "Shanghai" too.
    let few: Vec<(String, String)> = items.iter().skip(1).cloned().collect();
    let dir = TempDir::new().unwrap();
    let idx = index_of(&items_file(dir.path(), &few));
    assert_eq!(all_ids(idx.path(), &["Schanghai"]).len(), 12);
    // In 6 items against 18 that say "Shanghai", the archive mostly spells
    // it so (speech recognition's "korona" for "Corona"), also as a part
    // of a hyphenated word.
    items.extend((7..18).map(|i| (format!("sh{i}"), format!("Shanghai meldet {i} Tote."))));
    let dir = TempDir::new().unwrap();
    let idx = index_of(&items_file(dir.path(), &items));
    assert_eq!(all_ids(idx.path(), &["Schanghai"]).len(), 24);
    assert_eq!(all_ids(idx.path(), &["Schanghai-Tote"]).len(), 24);
}
