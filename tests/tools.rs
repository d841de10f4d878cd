//! Tools for media researchers (issue 16) on the real binary: version,
//! help, completions and man page, CSV, keyword in context, trends as
//! shares and side by side, `search --explain`.

mod common;

use common::*;

#[test]
fn version_names_the_index_schema() {
    let out = archivar().arg("--version").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let v = archivar::index::schema::ArchiveSchema::embedded()
        .expect("the embedded schema builds")
        .version;
    assert_eq!(
        text.trim(),
        format!(
            "archivar {} (index schema v{v}, schema/index.v{v}.toml)",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn index_help_names_every_input_format() {
    let out = archivar().args(["index", "--help"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for needle in [
        ".txt",
        ".jsonl",
        ".ndjson",
        ".jsonl.gz",
        "SRT",
        ".srt",
        "WebVTT",
        ".vtt",
        "EBU-TT-D",
        ".ttml",
        ".dfxp",
        ".xml",
    ] {
        assert!(
            text.contains(needle),
            "index --help lacks {needle}:\n{text}"
        );
    }
}

/// The binary's stdout for `args`, which must succeed.
fn stdout_of(args: &[&str]) -> String {
    let out = archivar().args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).expect("UTF-8 output")
}

#[test]
fn bash_completions_load_and_complete_subcommands() {
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(script.path(), stdout_of(&["completions", "bash"])).unwrap();
    // Load the script as a user's shell would, then ask bash what it
    // completes after "archivar s".
    let probe = format!(
        "source {}; complete -p archivar; COMP_WORDS=(archivar s); COMP_CWORD=1; \
         COMP_LINE='archivar s'; COMP_POINT=10; _archivar archivar s archivar; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.path().display()
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &probe])
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("complete -o bashdefault -o default -o nosort -F _archivar archivar"),
        "{text}"
    );
    let replies: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(replies, ["search", "show", "stats", "serve"], "{text}");
}

#[test]
fn zsh_and_fish_completions_name_the_subcommands() {
    let zsh = stdout_of(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef archivar"), "{zsh}");
    let fish = stdout_of(&["completions", "fish"]);
    for sub in ["index", "search", "trend", "completions", "man"] {
        assert!(zsh.contains(&format!("'{sub}:")), "zsh lacks {sub}");
        assert!(fish.contains(&format!("-a \"{sub}\"")), "fish lacks {sub}");
    }
}

#[test]
fn man_page_renders() {
    let roff = stdout_of(&["man"]);
    assert!(roff.contains(".TH archivar 1"), "{roff}");
    assert!(roff.contains(".SH SUBCOMMANDS"), "{roff}");
    assert!(roff.contains("archivar\\-search(1)"), "{roff}");
    let search = stdout_of(&["man", "search"]);
    assert!(search.contains(".TH archivar-search 1"), "{search}");
    let man = std::process::Command::new("man").arg("--version").output();
    if man.is_err() {
        eprintln!("skipped rendering: no man on this machine (the roff structure was checked)");
        return;
    }
    for page in [roff, search] {
        let file = tempfile::Builder::new().suffix(".1").tempfile().unwrap();
        std::fs::write(file.path(), &page).unwrap();
        let out = std::process::Command::new("man")
            .arg("-l")
            .arg(file.path())
            .env("MANWIDTH", "100")
            .env("PAGER", "cat")
            .output()
            .expect("man runs");
        // Bold and underline come as overstrikes ("N\x08N"): drop them.
        let mut text = String::new();
        for c in String::from_utf8_lossy(&out.stdout).chars() {
            if c == '\x08' {
                text.pop();
            } else {
                text.push(c);
            }
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "man -l failed: {err}");
        assert!(!err.contains("warning"), "{err}");
        assert!(text.contains("NAME"), "{text}");
        assert!(text.contains("SYNOPSIS"), "{text}");
        assert!(text.contains("OPTIONS"), "{text}");
        assert!(!text.contains(".TH") && !text.contains("\\fB"), "{text}");
    }
}

#[test]
fn man_dir_writes_a_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = archivar()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(
        stderr.contains(&format!("wrote {} man pages", names.len())),
        "{stderr}"
    );
    for page in [
        "archivar.1",
        "archivar-index.1",
        "archivar-search.1",
        "archivar-man.1",
    ] {
        assert!(names.contains(&page.to_string()), "{page} not in {names:?}");
    }
}

#[test]
fn man_of_an_unknown_command_names_the_known_ones() {
    assert_error(
        archivar().args(["man", "suche"]).assert(),
        "no subcommand \"suche\"; the pages are: index, search",
    );
}

/// Read CSV with Python's csv module (a real parser, not ours): the rows
/// as lists of fields. `None` (with a message) where there is no python3.
fn python_csv(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let script = "import csv, json, sys\n\
                  with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n\
                  \x20   print(json.dumps(list(csv.reader(f, strict=True))))\n";
    let out = match std::process::Command::new("python3")
        .args(["-c", script])
        .arg(file.path())
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: no python3 to read the CSV back ({e})");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "python's csv refused the output: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("python prints JSON"))
}

/// An archive whose fields hold commas, quotes and line breaks.
fn awkward_archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let items = [
        serde_json::json!({
            "id": "awk-1, \"quoted\"",
            "title": "Zölle, Stahl und \"Deals\": was nun?",
            "body": "Die Zölle steigen, sagt \"man\".\nZweiter Absatz über Zölle; mit Semikolon.",
            "date": "2025-04-03",
            "program": "Radio \"Eins\", Berlin",
            "speaker": ["Meier, Anna", "O'Brien \"Ob\""],
        }),
        serde_json::json!({
            "id": "awk-2",
            "title": "Zölle\tmit Tab",
            "body": "Noch mehr Zölle.",
            "date": "2024-11-20",
            "program": "WDR 5",
        }),
        serde_json::json!({
            "id": "awk-3",
            "title": "Ohne Datum",
            "body": "Zölle ohne Datum.",
        }),
    ];
    let lines: Vec<String> = items.iter().map(|v| v.to_string()).collect();
    std::fs::write(dir.path().join("items.jsonl"), lines.join("\n") + "\n").unwrap();
    dir
}

#[test]
fn search_csv_reads_back_with_pythons_csv_module() {
    let src = awkward_archive();
    let idx = index_of(src.path());
    let json = search_json(idx.path(), &["Zölle", "--snippets", "3"], 0);
    let out = archivar_in(idx.path())
        .args(["search", "Zölle", "--snippets", "3", "--csv", "--csv-bom"])
        .assert()
        .success();
    let bytes = out.get_output().stdout.clone();
    assert!(bytes.starts_with("\u{feff}rank,id,".as_bytes()), "no BOM");
    assert!(
        bytes.windows(2).filter(|w| w == b"\r\n").count() > json.hits.len(),
        "rows end in CRLF"
    );
    let Some(rows) = python_csv(&bytes) else {
        return;
    };
    assert_eq!(
        rows[0],
        [
            "rank", "id", "score", "date", "program", "speakers", "title", "snippets", "start",
            "repeats", "source"
        ]
    );
    assert_eq!(rows.len(), json.hits.len() + 1);
    assert_eq!(json.hits.len(), 3);
    let mut newlines = 0;
    for (row, hit) in rows[1..].iter().zip(&json.hits) {
        assert_eq!(row[0], hit.rank.to_string());
        assert_eq!(row[1], hit.id);
        let score: f64 = row[2].parse().unwrap();
        assert!((score - hit.score.unwrap()).abs() < 1e-4, "{row:?}");
        assert_eq!(row[3], hit.date.clone().unwrap_or_default());
        assert_eq!(row[4], hit.program.clone().unwrap_or_default());
        assert_eq!(row[5], hit.speakers.join("; "));
        assert_eq!(row[6], hit.title);
        let snippets: Vec<&str> = hit.snippets.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(row[7], snippets.join("\n"));
        newlines += row[7].matches('\n').count();
        assert_eq!(row[10], hit.source);
    }
    // The awkward fields are there, whole.
    let awk = rows.iter().find(|r| r[1] == "awk-1, \"quoted\"").unwrap();
    assert_eq!(awk[4], "Radio \"Eins\", Berlin");
    assert_eq!(awk[5], "Meier, Anna; O'Brien \"Ob\"");
    assert_eq!(awk[6], "Zölle, Stahl und \"Deals\": was nun?");
    assert!(newlines >= 1, "a field with a line break was read back");
}

#[test]
fn trend_and_facets_csv_read_back_as_their_json_says() {
    let src = awkward_archive();
    let idx = index_of(src.path());
    let csv_of = |args: &[&str]| {
        archivar_in(idx.path())
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let t = trend_json(idx.path(), &["Zölle", "--by", "month"], 0);
    let Some(rows) = python_csv(&csv_of(&["trend", "Zölle", "--by", "month", "--csv"])) else {
        return;
    };
    assert_eq!(rows[0], ["period", "start", "count"]);
    let buckets = t["buckets"].as_array().unwrap();
    assert_eq!(rows.len(), buckets.len() + 1);
    for (row, b) in rows[1..].iter().zip(buckets) {
        assert_eq!(row[0], b["key"].as_str().unwrap());
        assert_eq!(row[1], b["start"].as_str().unwrap());
        assert_eq!(row[2], b["count"].to_string());
    }
    assert_eq!(rows[1], ["2024-11", "2024-11-01", "1"]);
    // --format csv is --csv.
    assert_eq!(
        csv_of(&["trend", "Zölle", "--by", "month", "--format", "csv"]),
        csv_of(&["trend", "Zölle", "--by", "month", "--csv"])
    );
    let facets = search_json(idx.path(), &["Zölle", "--facets"], 0)
        .summary
        .facets
        .unwrap();
    let rows = python_csv(&csv_of(&["search", "Zölle", "--facets", "--csv"])).unwrap();
    assert_eq!(rows[0], ["facet", "name", "count"]);
    let mut expected = vec![];
    for (facet, key) in [("program", "programs"), ("speaker", "speakers")] {
        for c in facets[key].as_array().unwrap() {
            expected.push(vec![
                facet.to_string(),
                c["name"].as_str().unwrap().to_string(),
                c["count"].to_string(),
            ]);
        }
    }
    assert_eq!(rows[1..], expected[..]);
    assert!(
        rows.iter().any(|r| r[1] == "Radio \"Eins\", Berlin"),
        "{rows:?}"
    );
}

#[test]
fn csv_and_json_together_are_refused() {
    let idx = index_of(&data_dir());
    assert_error(
        archivar_in(idx.path())
            .args(["search", "Zölle", "--csv", "--json"])
            .assert(),
        "cannot be used with",
    );
}

/// `archivar kwic --json ARGS…`: the lines (each valid per
/// schema/kwic.v1.schema.json) and the summary.
fn kwic_json(
    index: &std::path::Path,
    args: &[&str],
) -> (Vec<serde_json::Value>, serde_json::Value) {
    let out = archivar_in(index)
        .args(["kwic", "--json"])
        .args(args)
        .assert()
        .success();
    let mut lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("kwic --json prints JSON Lines"))
        .collect();
    for l in &lines {
        assert_valid("kwic.v1.schema.json", l);
    }
    let summary = lines.pop().expect("a summary line");
    assert_eq!(summary["type"], "summary");
    assert!(lines.iter().all(|l| l["type"] == "line"));
    assert_eq!(summary["returned"], lines.len());
    (lines, summary)
}

/// Words of a text as the test folds them by hand: lower case, umlauts
/// and their ae/oe/ue spellings to plain vowels, ß to ss.
fn folded_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.to_lowercase()
                .replace("ae", "a")
                .replace("oe", "o")
                .replace("ue", "u")
                .replace('ä', "a")
                .replace('ö', "o")
                .replace('ü', "u")
                .replace('ß', "ss")
        })
        .collect()
}

#[test]
fn kwic_lines_are_the_matched_words_of_the_hits() {
    let idx = index_of(&data_dir());
    let (lines, summary) = kwic_json(idx.path(), &["Zölle", "--limit", "10000"]);
    // An independent count: every hit's stored item (show --json), its
    // text blocks but image credits, words spelled as forms of "Zoll" or
    // ending with one (compounds with the head "Zoll": "Basiszoll").
    let hits = search_json(
        idx.path(),
        &[
            "Zölle",
            "--limit",
            "10000",
            "--no-collapse",
            "--snippets",
            "0",
        ],
        0,
    );
    assert_eq!(summary["items"], hits.summary.total);
    let forms = ["zoll", "zolls", "zolle", "zollen"];
    let mut expected = 0;
    let mut per_item = std::collections::BTreeMap::new();
    for h in &hits.hits {
        let out = archivar_in(idx.path())
            .args(["show", "--json", &h.id])
            .assert()
            .success();
        let item: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        let n: usize = item["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["kind"] != "credit")
            .map(|b| {
                folded_words(b["text"].as_str().unwrap())
                    .iter()
                    .filter(|w| forms.iter().any(|f| w.ends_with(f)))
                    .count()
            })
            .sum();
        expected += n;
        per_item.insert(h.id.clone(), n);
    }
    assert!(expected >= 20, "{per_item:?}");
    assert_eq!(summary["occurrences"], expected);
    assert_eq!(lines.len(), expected);
    let mut got = std::collections::BTreeMap::new();
    for l in &lines {
        *got.entry(l["id"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
        let m = folded_words(l["match"].as_str().unwrap());
        assert!(forms.contains(&m[0].as_str()), "{l}");
        if l["form"] == "head" {
            let left = l["left"].as_str().unwrap();
            assert!(
                left.ends_with(char::is_alphabetic),
                "a head ends a word: {l}"
            );
        }
    }
    per_item.retain(|_, n| *n > 0);
    assert_eq!(got, per_item);
    // Which form matched: "Zölle" as typed, "Zöllen" a stem, "US-Zölle" a part.
    let form_of = |m: &str, left_end: &str| {
        lines
            .iter()
            .find(|l| l["match"] == m && l["left"].as_str().unwrap().ends_with(left_end))
            .unwrap_or_else(|| panic!("no line {left_end}|{m}"))["form"]
            .clone()
    };
    assert_eq!(form_of("Zölle", " "), "word");
    assert_eq!(form_of("Zöllen", " "), "stem");
    assert_eq!(form_of("Zölle", "US-"), "compound_part");
    assert!(lines.iter().all(|l| l["query_word"] == "Zölle"));
}

#[test]
fn kwic_sorted_by_left_context_and_aligned_in_the_terminal() {
    let idx = index_of(&data_dir());
    let (lines, _) = kwic_json(idx.path(), &["Zölle", "--sort", "left", "--width", "30"]);
    let nearest: Vec<String> = lines
        .iter()
        .map(|l| {
            folded_words(l["left"].as_str().unwrap())
                .last()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let mut sorted = nearest.clone();
    sorted.sort();
    assert_eq!(nearest, sorted, "sorted by the word left of the match");
    assert!(
        lines
            .iter()
            .all(|l| l["left"].as_str().unwrap().chars().count() <= 30)
    );
    let out = archivar_in(idx.path())
        .args([
            "kwic", "Zölle", "--sort", "left", "--width", "30", "--color", "never",
        ])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let rows: Vec<&str> = text.lines().filter(|l| l.contains(" · ")).collect();
    assert_eq!(rows.len(), lines.len());
    // Every match starts in the same column.
    let col: Vec<usize> = rows
        .iter()
        .zip(&lines)
        .map(|(row, l)| {
            let left = l["left"].as_str().unwrap();
            let at = row
                .find(&format!("{left}{}", l["match"].as_str().unwrap()))
                .unwrap();
            row[..at].chars().count() + left.chars().count()
        })
        .collect();
    assert!(col.windows(2).all(|w| w[0] == w[1]), "{col:?}\n{text}");
    assert!(text.contains("[compound part]"), "{text}");
    assert!(
        text.lines().last().unwrap().contains("occurrences in"),
        "{text}"
    );
}

#[test]
fn kwic_names_a_name_variant_as_phonetic() {
    let idx = index_of(&data_dir());
    let (lines, _) = kwic_json(idx.path(), &["Selenskyj", "--limit", "1000"]);
    let selenski = lines
        .iter()
        .find(|l| l["match"] == "Selenski")
        .expect("Selenski is found for Selenskyj");
    assert_eq!(selenski["form"], "phonetic");
    assert_eq!(selenski["query_word"], "Selenskyj");
    let own = lines.iter().find(|l| l["match"] == "Selenskyj").unwrap();
    assert_eq!(own["form"], "word");
}

#[test]
fn kwic_csv_and_no_hits() {
    let idx = index_of(&data_dir());
    let out = archivar_in(idx.path())
        .args(["kwic", "Zölle", "--csv", "-n", "5"])
        .assert()
        .success();
    if let Some(rows) = python_csv(&out.get_output().stdout) {
        assert_eq!(
            rows[0],
            [
                "left",
                "match",
                "right",
                "form",
                "query_word",
                "date",
                "program",
                "speaker",
                "start",
                "id",
                "rank"
            ]
        );
        assert_eq!(rows.len(), 6);
    }
    archivar_in(idx.path())
        .args(["kwic", "Xylophonwettbewerb"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::contains("no hits for Xylophonwettbewerb"));
}

/// An archive with known items per year: 4 in 2023, 5 in 2024, 1 undated;
/// "Zölle" in 1 and 3 of them, "Sanktionen" in 2 and 1, and both once.
fn yearly_archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<(&str, &str)> = vec![
        ("2023-02-01", "Neue Zölle auf Stahl."),
        ("2023-03-01", "Sanktionen gegen Russland."),
        ("2023-04-01", "Weitere Sanktionen beschlossen."),
        ("2023-05-01", "Das Wetter bleibt mild."),
        ("2024-01-10", "Die Zölle steigen."),
        ("2024-02-10", "Zölle und Sanktionen zugleich."),
        ("2024-03-10", "Mit Zöllen reagieren."),
        ("2024-04-10", "Ein Fußballspiel."),
        ("2024-05-10", "Ein Konzert in Köln."),
        ("", "Zölle ohne Datum."),
    ];
    let lines: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, (date, body))| {
            let date = if date.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::Value::from(*date)
            };
            serde_json::json!({"id": format!("y{i}"), "title": "Meldung", "body": body, "date": date})
                .to_string()
        })
        .collect();
    std::fs::write(dir.path().join("y.jsonl"), lines.join("\n") + "\n").unwrap();
    dir
}

/// `trend --json ARGS…`, valid per schema/trend.v2.schema.json.
fn trend2(index: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = archivar_in(index)
        .args(["trend", "--json"])
        .args(args)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_valid("trend.v2.schema.json", &v);
    v
}

#[test]
fn trend_shares_equal_counts_made_independently() {
    let src = yearly_archive();
    let idx = index_of(src.path());
    let t = trend2(
        idx.path(),
        &["Zölle", "Sanktionen", "--by", "year", "--per", "1000"],
    );
    assert_eq!(t["per"], 1000);
    assert_eq!(t["queries"][0]["query"], "Zölle");
    assert_eq!(t["queries"][0]["total"], 5);
    assert_eq!(t["queries"][0]["undated"], 1);
    assert_eq!(t["queries"][1]["total"], 3);
    let b = t["buckets"].as_array().unwrap();
    let keys: Vec<&str> = b.iter().map(|b| b["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["2023", "2024"]);
    // Known by construction.
    assert_eq!(b[0]["items"], 4);
    assert_eq!(b[1]["items"], 5);
    assert_eq!(b[0]["counts"], serde_json::json!([1, 2]));
    assert_eq!(b[1]["counts"], serde_json::json!([3, 1]));
    let shares: Vec<Vec<f64>> = b
        .iter()
        .map(|b| {
            b["shares"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(shares, [[250.0, 500.0], [600.0, 200.0]]);
    // And against search: hits per year of each query, items per year of
    // all items (stats), each counted apart.
    for (q, query) in ["Zölle", "Sanktionen"].iter().enumerate() {
        let r = search_json(
            idx.path(),
            &[
                query,
                "--limit",
                "10000",
                "--no-collapse",
                "--snippets",
                "0",
            ],
            0,
        );
        for bucket in b {
            let year = bucket["key"].as_str().unwrap();
            let n = r
                .hits
                .iter()
                .filter(|h| h.date.as_deref().is_some_and(|d| d.starts_with(year)))
                .count();
            assert_eq!(bucket["counts"][q], n, "{query} {year}");
        }
    }
    assert_eq!(item_count(idx.path()), 10);
    // The terminal shows both counts and shares.
    let out = archivar_in(idx.path())
        .args([
            "trend",
            "Zölle",
            "Sanktionen",
            "--by",
            "year",
            "--per",
            "1000",
            "--color",
            "never",
        ])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let row = text.lines().find(|l| l.starts_with("2024")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        ["2024", "5", "3", "600.00", "‰", "1", "200.00", "‰"],
        "{text}"
    );
    // CSV: the same figures, read back by Python.
    let out = archivar_in(idx.path())
        .args([
            "trend",
            "Zölle",
            "Sanktionen",
            "--by",
            "year",
            "--per",
            "1000",
            "--csv",
        ])
        .assert()
        .success();
    if let Some(rows) = python_csv(&out.get_output().stdout) {
        assert_eq!(
            rows[0],
            [
                "period",
                "start",
                "items",
                "Zölle",
                "Zölle per 1000",
                "Sanktionen",
                "Sanktionen per 1000"
            ]
        );
        assert_eq!(rows[2], ["2024", "2024-01-01", "5", "3", "600", "1", "200"]);
    }
}

#[test]
fn trends_side_by_side_share_their_periods() {
    let idx = index_of(&data_dir());
    let t = trend2(idx.path(), &["Zölle", "Selenskyj", "--by", "month"]);
    assert_eq!(t["per"], serde_json::Value::Null);
    // Each column equals the query's own trend over the common periods.
    for (q, query) in ["Zölle", "Selenskyj"].iter().enumerate() {
        let alone = trend_json(idx.path(), &[query, "--by", "month"], 0);
        let own: std::collections::BTreeMap<String, u64> = alone["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["key"].as_str().unwrap().to_string(),
                    b["count"].as_u64().unwrap(),
                )
            })
            .collect();
        for b in t["buckets"].as_array().unwrap() {
            let key = b["key"].as_str().unwrap();
            assert_eq!(
                b["counts"][q].as_u64().unwrap(),
                own.get(key).copied().unwrap_or(0),
                "{query} {key}"
            );
        }
        assert_eq!(t["queries"][q]["total"], alone["total"]);
    }
    let b = t["buckets"].as_array().unwrap();
    assert!(
        b.iter()
            .all(|b| b.get("items").is_none() && b.get("shares").is_none())
    );
}

#[test]
fn explain_names_a_sound_alike_as_a_phonetic_variant() {
    let dir = tempfile::tempdir().unwrap();
    let items = [
        (
            "e1",
            "Präsident Selenskyj sprach in Kiew über die Lage an der Front.",
        ),
        (
            "e2",
            "Selenskyj und Selenskyjs Berater trafen sich in Paris.",
        ),
        (
            "e3",
            "Präsident Selenski sprach von einem positiven Schritt.",
        ),
        ("e4", "Das Wetter in Hamburg bleibt mild."),
    ];
    let lines: Vec<String> = items
        .iter()
        .map(|(id, body)| {
            serde_json::json!({"id": id, "title": "Meldung", "body": body, "date": "2025-03-11"})
                .to_string()
        })
        .collect();
    std::fs::write(dir.path().join("e.jsonl"), lines.join("\n") + "\n").unwrap();
    let idx = index_of(dir.path());
    let out = archivar_in(idx.path())
        .args(["search", "Selenskyj", "--explain", "--json"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let hits: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for h in &hits {
        assert_valid("hit.v1.schema.json", h);
    }
    let hits: Vec<&serde_json::Value> = hits.iter().filter(|h| h["type"] == "hit").collect();
    assert_eq!(hits.len(), 3, "{text}");
    let of = |id: &str| hits.iter().find(|h| h["id"] == id).unwrap()["explain"].clone();
    let e3 = of("e3");
    let found = e3["found"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{e3}");
    assert_eq!(found[0]["kind"], "phonetic");
    assert_eq!(found[0]["query_word"], "Selenskyj");
    assert_eq!(found[0]["spellings"], serde_json::json!(["Selenski"]));
    assert!(
        found[0]["weight"].as_f64().unwrap() < 1.0,
        "a variant weighs less"
    );
    let e2 = of("e2");
    let kinds: Vec<(&str, u64)> = e2["found"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(kinds, [("word", 1), ("stem", 1)], "{e2}");
    // The scores add up: BM25 plus the weighted passage and story, for
    // reranked hits.
    for h in &hits {
        let e = &h["explain"];
        let (score, bm25, passage, w, story, sw) = (
            e["score"].as_f64().unwrap(),
            e["bm25"].as_f64().unwrap(),
            e["passage"].as_f64().unwrap(),
            e["passage_weight"].as_f64().unwrap(),
            e["story"].as_f64().unwrap(),
            e["story_weight"].as_f64().unwrap(),
        );
        assert_eq!(h["score"], e["score"]);
        assert!(
            (score - (bm25 + w * passage + sw * story)).abs() < 1e-3,
            "{e}"
        );
        assert!(passage > 0.0, "{e}");
        // A term in the best window of 30 words is in that of 200.
        assert!(story >= passage - 1e-4, "{e}");
    }
    // The terminal says it in words.
    let out = archivar_in(idx.path())
        .args(["search", "Selenskyj", "--explain", "--color", "never"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("Selenskyj → \"Selenski\" ×1 [phonetic (name variant)]"),
        "{text}"
    );
    assert!(text.contains("why: score "), "{text}");
}

/// The words of a README command line: split at spaces, with "…" and
/// '…' quoting.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, ' ') => {
                if any || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Output as the README shows it: timings as "N ms", no trailing space.
fn normalized(text: &str) -> Vec<String> {
    let ms = regex::Regex::new(r"\d+(\.\d+)? ms\b").unwrap();
    text.lines()
        .map(|l| ms.replace_all(l.trim_end(), "N ms").to_string())
        .collect()
}

/// Whether `got` is `want`, where a line "…" in `want` stands for any
/// lines.
fn matches_example(want: &[String], got: &[String]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((w, rest)) if w == "…" => (0..=got.len()).any(|i| matches_example(rest, &got[i..])),
        Some((w, rest)) => got.first() == Some(w) && matches_example(rest, &got[1..]),
    }
}

#[test]
fn readme_examples_print_what_the_program_prints() {
    let readme = std::fs::read_to_string(std::path::Path::new(ROOT).join("README.md")).unwrap();
    let idx = index_of(&data_dir());
    let mut examples = 0;
    let mut in_text = false;
    let mut current: Option<(String, Vec<String>)> = None;
    let check = |cmd: String, want: Vec<String>| {
        let words = shell_words(&cmd);
        assert_eq!(words[0], "archivar", "{cmd}");
        let out = archivar_in(idx.path())
            .args(&words[1..])
            .env("COLUMNS", "100")
            .output()
            .unwrap();
        let got = normalized(&String::from_utf8_lossy(&out.stdout));
        let want: Vec<String> = normalized(&want.join("\n"));
        assert!(
            matches_example(&want, &got),
            "README example `{cmd}` differs from the program:\n--- README\n{}\n--- program\n{}",
            want.join("\n"),
            got.join("\n")
        );
    };
    for line in readme.lines() {
        if line.starts_with("```") {
            if let Some((cmd, want)) = current.take() {
                check(cmd, want);
                examples += 1;
            }
            in_text = line == "```text";
            continue;
        }
        if !in_text {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            if let Some((cmd, want)) = current.take() {
                check(cmd, want);
                examples += 1;
            }
            current = Some((cmd.to_string(), Vec::new()));
        } else if let Some((_, want)) = current.as_mut() {
            want.push(line.to_string());
        }
    }
    assert!(examples >= 5, "only {examples} examples found in README.md");
}

/// `export --format opensearch-bulk`: two lines an item (action with the
/// id, then the document), every item of data/ once, text fields as
/// analysed terms, the stored item whole.
#[test]
fn export_writes_every_item_of_data_as_bulk_lines() {
    let out = archivar()
        .args(["export", "--format", "opensearch-bulk"])
        .arg(data_dir())
        .assert()
        .success()
        .stderr(predicates::str::contains("exported"));
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() % 2, 0);
    let index = index_of(&data_dir());
    assert_eq!((lines.len() / 2) as u64, item_count(index.path()));
    let mut ids = std::collections::HashSet::new();
    for pair in lines.chunks(2) {
        let id = pair[0]["index"]["_id"].as_str().unwrap();
        assert!(ids.insert(id.to_string()), "{id} twice");
        assert_eq!(pair[1]["id"], id);
        assert_eq!(pair[1]["item"]["id"], id);
    }
    let seed = lines
        .chunks(2)
        .find(|p| p[0]["index"]["_id"] == "dlf-2025-02-13")
        .expect("the seed");
    // Stems with folded umlauts, as the local index holds them.
    let terms: String = seed[1]["text"]
        .as_array()
        .expect("title and paragraphs, one value each")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(terms.split(' ').any(|t| t == "selenskyj"), "{terms}");
    assert!(!terms.contains('ö') && !terms.contains(','), "{terms}");
}

#[test]
fn export_template_follows_the_schema_and_bad_input_is_named() {
    let out = archivar()
        .args(["export", "--format", "opensearch-template", "--shards", "5"])
        .assert()
        .success();
    let t: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(t["settings"]["number_of_shards"], 5);
    assert_eq!(t["mappings"]["properties"]["text"]["type"], "text");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("kaputt.jsonl");
    std::fs::write(
        &bad,
        "{\"id\": \"a\", \"title\": \"Zölle\", \"body\": \"Zölle auf Stahl\"}\n{kaputt\n",
    )
    .unwrap();
    let out = archivar()
        .args(["export", "--format", "opensearch-bulk"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("kaputt.jsonl:2"));
    assert_eq!(
        out.get_output()
            .stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        2
    );
    archivar()
        .args(["export", "--format", "opensearch-template"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("takes no paths"));
}
