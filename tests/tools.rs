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
    assert_eq!(replies, ["search", "show", "stats"], "{text}");
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
