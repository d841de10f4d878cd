//! Hostile and broken input, on the real binary: each gets a clear message
//! naming the file (and line), the other items are indexed, nothing panics.
//! An item that is lost exits 2; one indexed whole after a repair (a
//! control character removed) is a warning. Large inputs are generated
//! here, never committed. See also the bad-input tests in `tests/cli.rs`.
#![cfg(unix)]

mod common;

use common::{
    archivar_in, archivar_process, assert_error, data_dir, empty_index, item_count, search_json,
    spans_of,
};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A good text item to index next to the bad input.
fn good_txt() -> PathBuf {
    data_dir().join("news").join("dlf-2025-04-03-us-zoelle.txt")
}

/// Index `paths` into `idx`, expecting exit `code`; returns stderr, which
/// must not tell of a panic.
fn index_into(idx: &Path, paths: &[&Path], code: i32) -> String {
    let out = archivar_in(idx).arg("index").args(paths).output().unwrap();
    let stderr = String::from_utf8(out.stderr).expect("UTF-8 stderr");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    stderr
}

fn index_paths(paths: &[&Path], code: i32) -> (TempDir, String) {
    let idx = empty_index();
    let stderr = index_into(idx.path(), paths, code);
    (idx, stderr)
}

/// A line of stderr names `place` (`file` or `file:line:`) and says `needle`.
fn assert_reported(stderr: &str, place: &str, needle: &str) {
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(place) && l.contains(needle)),
        "no line with {place:?} and {needle:?} in stderr:\n{stderr}"
    );
}

fn at(path: &Path, line: u32) -> String {
    format!("{}:{line}:", path.display())
}

fn json_line(id: &str, body: &str) -> String {
    serde_json::json!({"id": id, "title": format!("Titel {id}"), "body": body}).to_string() + "\n"
}

// ------------------------------------------------------------ bytes and size

#[test]
fn nul_bytes_in_a_json_line_lose_only_that_line() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("nul.jsonl");
    let mut bytes = json_line("n1", "Die Zölle steigen.").into_bytes();
    bytes.extend_from_slice(b"{\"id\":\"n2\",\"body\":\"Null\x00Byte\"}\n");
    bytes.extend_from_slice(json_line("n3", "Der Stahl wird teurer.").as_bytes());
    std::fs::write(&file, bytes).unwrap();
    let (idx, stderr) = index_paths(&[&file], 2);
    assert_reported(&stderr, &at(&file, 2), "binary");
    assert_eq!(item_count(idx.path()), 2);
}

#[test]
fn a_nul_byte_deep_in_a_text_item_is_removed_with_a_warning() {
    // Past the first 8 KiB, where the binary check looks.
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("spaet.txt");
    let mut text = String::from("Späte Null\n\n");
    for _ in 0..300 {
        text.push_str("Die Bundesregierung berät über den Haushalt und die Schuldenbremse.\n");
    }
    text.push_str("Ein Null\u{0}Byte.\n");
    std::fs::write(&file, text).unwrap();
    let (idx, stderr) = index_paths(&[&file], 0);
    assert_reported(
        &stderr,
        &file.display().to_string(),
        "removed 1 control character (such as U+0000)",
    );
    assert_eq!(item_count(idx.path()), 1);
}

#[test]
fn a_20_mb_single_line_is_reported_and_skipped() {
    let dir = TempDir::new().unwrap();
    let big = "Wort ".repeat(4_000_000);
    let jsonl = dir.path().join("gross.jsonl");
    let mut text = json_line("g1", "Die Zölle steigen.");
    text.push_str(&json_line("g2", &big));
    text.push_str(&json_line("g3", "Der Stahl wird teurer."));
    std::fs::write(&jsonl, text).unwrap();
    let txt = dir.path().join("gross.txt");
    std::fs::write(&txt, format!("Titel\n\n{big}\n")).unwrap();
    let (idx, stderr) = index_paths(&[&jsonl, &txt, &good_txt()], 2);
    assert_reported(
        &stderr,
        &at(&jsonl, 2),
        "line longer than the 4 MB a line may have (an item may have 2 MB of text)",
    );
    assert_reported(&stderr, &txt.display().to_string(), "Split it");
    assert_eq!(item_count(idx.path()), 3);
    // And a search over what is there stays quick.
    let started = Instant::now();
    search_json(idx.path(), &["Wort"], 1);
    assert!(started.elapsed() < Duration::from_secs(10));
}

// ---------------------------------------------------------------- JSON lines

#[test]
fn truncated_and_deeply_nested_json_is_reported_by_line() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("kaputt.jsonl");
    let mut text = json_line("k1", "Die Zölle steigen.");
    text.push_str(&"[".repeat(100_000));
    text.push('\n');
    text.push_str(&format!("{}\n", "{\"a\":".repeat(50_000)));
    text.push_str("{\"id\":\"k4\",\"body\":\"Abgeschnit");
    std::fs::write(&file, text).unwrap();
    let (idx, stderr) = index_paths(&[&file, &good_txt()], 2);
    assert_reported(&stderr, &at(&file, 2), "recursion limit");
    assert_reported(&stderr, &at(&file, 3), "recursion limit");
    assert_reported(&stderr, &at(&file, 4), "bad JSON");
    assert_eq!(item_count(idx.path()), 2);
}

#[test]
fn wrong_json_types_name_the_field() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("typen.jsonl");
    let lines = [
        r#"{"id":{"x":1},"body":"Text."}"#,
        r#"{"id":"t2","body":"Text.","date":20250101}"#,
        r#"{"id":"t3","body":"Text.","speaker":42}"#,
        r#"{"id":"t4","body":"Text.","title":["a"]}"#,
        r#"{"id":"t5","body":"Text.","program":true}"#,
        r#"{"id":"t6","body":null}"#,
        r#"{"id":"t7","body":"Text.","speakers":[1]}"#,
        r#""nur ein String""#,
        r#"{"id":"t9","body":"Die Zölle steigen."}"#,
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (idx, stderr) = index_paths(&[&file], 2);
    for (line, needle) in [
        (1, "\"id\""),
        (2, "\"date\""),
        (3, "\"speaker\""),
        (4, "\"title\""),
        (5, "\"program\""),
        (6, "body"),
        (7, "\"speakers\""),
        (8, "expected an object"),
    ] {
        assert_reported(&stderr, &at(&file, line), needle);
    }
    assert_eq!(item_count(idx.path()), 1);
}

#[test]
fn impossible_dates_and_years_are_reported() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("daten.jsonl");
    let lines = [
        r#"{"id":"d1","body":"Text.","date":"31.02.2025"}"#,
        r#"{"id":"d2","body":"Text.","date":"99999-01-01"}"#,
        r#"{"id":"d3","body":"Text.","date":"01.01.99999"}"#,
        r#"{"id":"d4","body":"Text.","date":"2025-13-45T99:00"}"#,
        r#"{"id":"d5","body":"Text.","date":"-1-01-01"}"#,
        r#"{"id":"d6","body":"Die Zölle steigen.","date":"2025-02-28"}"#,
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let txt = dir.path().join("trailer.txt");
    std::fs::write(
        &txt,
        "Titel\n\nText über Zölle.\nDiese Nachricht wurde am 01.01.99999 im Programm Deutschlandfunk gesendet.\n",
    )
    .unwrap();
    let (idx, stderr) = index_paths(&[&file, &txt], 2);
    for (line, needle) in [
        (1, "31.02.2025"),
        (2, "99999"),
        (3, "99999"),
        (4, "2025-13-45"),
        (5, "impossible date"),
    ] {
        assert_reported(&stderr, &at(&file, line), needle);
    }
    assert_reported(&stderr, &txt.display().to_string(), "99999");
    assert_eq!(item_count(idx.path()), 1);
}

// -------------------------------------------------------------- characters

#[test]
fn control_characters_are_removed_with_a_warning_and_never_reach_the_terminal() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("steuer.jsonl");
    let line = serde_json::json!({
        "id": "c1",
        "title": "Zölle\u{1b}[2J\u{1b}]0;gehackt\u{7} steigen",
        "body": "Die Zölle\u{8}\u{8} auf Stahl\u{85} steigen.\tWeiter.",
        "program": "Deutschlandfunk\u{0}",
    });
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let (idx, stderr) = index_paths(&[&file], 0);
    assert_reported(
        &stderr,
        &file.display().to_string(),
        "removed 7 control characters (such as U+001B)",
    );
    let r = search_json(idx.path(), &["Stahl"], 0);
    assert_eq!(r.hits[0].title, "Zölle[2J]0;gehackt steigen");
    for args in [
        vec!["show", "c1"],
        vec!["search", "--color", "always", "Zölle"],
    ] {
        let out = archivar_in(idx.path()).args(&args).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        // Only archivar's own colour codes: ESC [ … m.
        let foreign = text.split('\u{1b}').skip(1).any(|rest| {
            !rest.starts_with('[')
                || !rest[1..]
                    .split('m')
                    .next()
                    .unwrap()
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ';')
        });
        assert!(!foreign, "{args:?}: {text:?}");
        assert!(
            !text.contains('\u{7}') && !text.contains('\u{0}'),
            "{text:?}"
        );
    }
}

#[test]
fn right_to_left_text_and_emoji_are_indexed_searched_and_marked() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("schriften.jsonl");
    let mut text = json_line(
        "rtl1",
        "Der Korrespondent sagte auf Arabisch: مرحبا بكم في برلين 🙂🇩🇪 und lachte.",
    );
    text.push_str(&json_line(
        "rtl2",
        "Auf Hebräisch: שלום לכולם מברלין \u{202B}eingebettet\u{202C} 👩‍👩‍👧 Familie.",
    ));
    std::fs::write(&file, text).unwrap();
    let (idx, stderr) = index_paths(&[&file], 0);
    assert_eq!(stderr, "");
    for (q, id) in [("برلين", "rtl1"), ("שלום", "rtl2"), ("Familie", "rtl2")] {
        let r = search_json(idx.path(), &[q], 0);
        assert_eq!(r.ids(), vec![id], "{q}");
        let marked: Vec<String> = r.hits[0]
            .snippets
            .iter()
            .flat_map(|s| spans_of(&s.text, &s.highlights))
            .collect();
        assert!(marked.iter().any(|m| m == q), "{q}: {marked:?}");
    }
    // An emoji alone is no word to search for.
    assert_error(
        archivar_in(idx.path()).args(["search", "🙂"]).assert(),
        "only stopwords or punctuation",
    );
}

// --------------------------------------------------------- the file system

#[test]
fn a_symlink_loop_is_reported_and_the_rest_indexed() {
    let dir = TempDir::new().unwrap();
    let sub = dir.path().join("archiv");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(good_txt(), sub.join("gut.txt")).unwrap();
    std::os::unix::fs::symlink("..", sub.join("schleife")).unwrap();
    let (idx, stderr) = index_paths(&[dir.path()], 2);
    assert_reported(&stderr, "schleife", "symbolic link loop");
    assert_eq!(item_count(idx.path()), 1);
}

/// Whether this process runs as root (who reads every file).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn an_unreadable_file_is_reported_and_the_rest_indexed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let secret = dir.path().join("geheim.txt");
    std::fs::copy(good_txt(), &secret).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let ok = dir.path().join("offen.jsonl");
    std::fs::write(&ok, json_line("offen", "Die Zölle steigen.")).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let idx = empty_index();
    std::fs::set_permissions(idx.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let mut cmd = archivar_process(idx.path());
    if is_root() {
        // Root reads everything: run as nobody.
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(cmd.get_program())
            .args(cmd.get_args())
            .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))));
        cmd = c;
    }
    let out = cmd.arg("index").arg(&secret).arg(&ok).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if is_root() && stderr.contains("setpriv") {
        eprintln!("skipped: cannot drop root with setpriv: {stderr}");
        return;
    }
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_reported(&stderr, &secret.display().to_string(), "Permission denied");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(item_count(idx.path()), 1);
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_that_vanishes_mid_run_is_reported() {
    let dir = TempDir::new().unwrap();
    let big = dir.path().join("a-gross.jsonl");
    let mut text = String::new();
    for i in 0..6000 {
        text.push_str(&json_line(
            &format!("v{i}"),
            "Die Bundesregierung berät über den Haushalt, die Zölle und die Schuldenbremse.",
        ));
    }
    std::fs::write(&big, text).unwrap();
    let gone = dir.path().join("b-weg.txt");
    std::fs::copy(good_txt(), &gone).unwrap();
    let idx = empty_index();
    let mut child = archivar_process(idx.path())
        .arg("index")
        .arg(&big)
        .arg(&gone)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the run reads the first file it has listed both: then the
    // second goes, while the run is frozen.
    let fds = PathBuf::from(format!("/proc/{}/fd", child.id()));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reading = std::fs::read_dir(&fds).is_ok_and(|rd| {
            rd.flatten()
                .any(|e| std::fs::read_link(e.path()).is_ok_and(|l| l == big))
        });
        if reading {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run never read {}",
            big.display()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended too soon"
        );
    }
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap();
    std::fs::remove_file(&gone).unwrap();
    std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(2), "{stderr}");
    assert_reported(&stderr, &gone.display().to_string(), "cannot read");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(item_count(idx.path()), 6000);
}

/// Run `script` (sh) in a new user and mount namespace, where it may mount
/// a tmpfs or bind a folder read-only without being root. `None` if this
/// system does not allow that.
fn in_namespace(script: &str) -> Option<std::process::Output> {
    let probe = std::process::Command::new("unshare")
        .args(["-Urm", "sh", "-c", "mount -t tmpfs -o size=64k none /tmp"])
        .output()
        .ok()?;
    if !probe.status.success() {
        eprintln!(
            "skipped: no unprivileged mount namespace here ({})",
            String::from_utf8_lossy(&probe.stderr).trim()
        );
        return None;
    }
    std::process::Command::new("unshare")
        .args(["-Urm", "sh", "-c", script])
        .env_remove("ARCHIVAR_INDEX")
        .output()
        .ok()
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_archivar")
}

#[test]
fn a_read_only_index_folder_says_so_and_can_still_be_searched() {
    let idx = common::index_of(&data_dir());
    let i = idx.path().display();
    let script = format!(
        "mount --bind {i} {i} && mount -o remount,ro,bind {i} {i} || exit 99
         {b} --index {i} index --force {d}; echo \"index=$?\" >&2
         {b} --index {i} search --json Zölle >/dev/null; echo \"search=$?\" >&2",
        b = bin(),
        d = data_dir().display()
    );
    let Some(out) = in_namespace(&script) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("index=2"), "{stderr}");
    assert!(
        stderr.contains("Read-only file system") && stderr.contains("the folder is read-only"),
        "{stderr}"
    );
    assert!(!stderr.contains("being written by"), "{stderr}");
    assert!(stderr.contains("search=0"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(item_count(idx.path()), 55);
}

#[test]
fn a_full_disk_is_named_and_the_index_stays_at_its_last_commit() {
    let dir = TempDir::new().unwrap();
    let more = dir.path().join("mehr.jsonl");
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&json_line(
            &format!("m{i}"),
            &format!("Meldung {i}: Die Bundesregierung berät über den Haushalt {i}, die Zölle und die Schuldenbremse."),
        ));
    }
    std::fs::write(&more, text).unwrap();
    let mnt = dir.path().join("klein");
    std::fs::create_dir(&mnt).unwrap();
    let script = format!(
        "mount -t tmpfs -o size=400k none {m} || exit 99
         {b} --index {m}/idx index -q {d}; echo \"first=$?\" >&2
         {b} --index {m}/idx index --memory 16 {more}; echo \"second=$?\" >&2
         {b} --index {m}/idx stats --json; echo \"stats=$?\" >&2
         {b} --index {m}/idx search --json Zölle >/dev/null; echo \"search=$?\" >&2",
        b = bin(),
        m = mnt.display(),
        d = data_dir().display(),
        more = more.display()
    );
    let Some(out) = in_namespace(&script) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("first=0"), "{stderr}");
    assert!(stderr.contains("second=2"), "{stderr}");
    assert!(
        stderr.contains("No space left on device") && stderr.contains("the disk is full"),
        "{stderr}"
    );
    assert!(
        stderr.contains("The index stays as of its last commit"),
        "{stderr}"
    );
    assert!(
        stderr.contains("stats=0") && stderr.contains("search=0"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["items"], 55);
}

// ------------------------------------------------------------------ queries

#[test]
fn hostile_queries_get_a_message_or_a_result_never_a_panic() {
    let idx = common::index_of(&data_dir());
    let long_words = "Zölle Stahl ".repeat(850);
    let many_words = (0..300)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let enough_words = (0..256)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let deep = format!("{}Zölle{}", "(".repeat(1000), ")".repeat(1000));
    let dashes = format!("{}Zölle", "-".repeat(2000));
    let nots = format!("{} Zölle", "NOT ".repeat(500));
    let quotes = "\"(".repeat(1000);
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec![""], 2, "empty query"),
        (vec!["   "], 2, "empty query"),
        (vec!["und oder die"], 2, "only stopwords"),
        (vec![&long_words], 2, "11,050 bytes, more than the 4,096"),
        (vec![&many_words], 2, "300 words, more than the 256"),
        (vec![&enough_words], 1, ""),
        (vec![&deep], 2, "nests more than 64 levels"),
        (vec![&dashes], 2, "nests more than 64 levels"),
        (vec![&nots], 2, "nests more than 64 levels"),
        (vec![&quotes], 2, "nests more than 64 levels"),
        (vec!["\"seltener Erden"], 2, "unclosed quote"),
        (vec!["(Zölle OR Stahl"], 2, "unbalanced parenthesis"),
        (vec!["Zölle)"], 2, "unbalanced parenthesis"),
        (vec!["autor:Müller"], 1, "\"autor:\" is no field"),
        (vec!["title:"], 2, "has nothing to search"),
        (vec!["Rente --Zölle"], 0, ""),
        (vec!["*"], 2, "only stopwords or punctuation"),
        (vec!["-"], 2, "has nothing to apply to"),
        (vec!["OR"], 2, "has nothing to apply to"),
        (
            vec!["--from", "2025/01/01", "Zölle"],
            2,
            "expected YYYY-MM-DD",
        ),
        (vec!["--from", "31.02.2025", "Zölle"], 2, "31.02.2025"),
        (vec!["--to", "99999-01-01", "Zölle"], 2, "99999"),
        (vec!["--from", "gestern", "Zölle"], 2, "gestern"),
    ];
    for (args, code, needle) in cases {
        let out = archivar_in(idx.path())
            .arg("search")
            .arg("--")
            .args(&args)
            .output()
            .unwrap();
        // Options must come before "--": run those without it.
        let out = if args.len() > 1 && args[0].starts_with("--") {
            archivar_in(idx.path())
                .arg("search")
                .args(&args)
                .output()
                .unwrap()
        } else {
            out
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        let shown: String = args.join(" ").chars().take(40).collect();
        assert!(
            !stderr.contains("panicked") && !stderr.contains("overflow"),
            "{shown}: {stderr}"
        );
        assert_eq!(out.status.code(), Some(code), "{shown}: {stderr}");
        assert!(stderr.contains(needle), "{shown}: {stderr}");
        if code == 2 {
            assert!(out.stdout.is_empty(), "{shown}");
        }
    }
}

#[test]
fn huge_numbers_in_every_search_option_get_a_message_never_an_allocation() {
    // `--offset 2000000000` asked the top-k collector for 2e9 slots and
    // aborted the process on a 32 GB allocation (exit 134).
    let idx = common::index_of(&data_dir());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--no-collapse", "--offset", "2000000000"],
            "offset 2,000,000,000 + limit 10 reaches past the first 10,000 hits",
        ),
        (
            vec!["--sort", "date", "--offset", "4000000000"],
            "offset 4,000,000,000 + limit 10",
        ),
        (
            vec!["--offset", "4294967295"],
            "reaches past the first 10,000",
        ),
        (
            vec!["--offset", "9995", "--limit", "10"],
            "offset 9,995 + limit 10",
        ),
        (vec!["--limit", "4294967295"], "4294967295"),
        (
            vec!["--offset", "99999999999999999999"],
            "99999999999999999999",
        ),
        (vec!["--snippets", "4000000000"], "4000000000"),
        (vec!["--speaker", ""], "empty speaker name"),
        (vec!["--program", "  "], "empty program name"),
    ];
    for (opts, needle) in cases {
        let out = archivar_in(idx.path())
            .arg("search")
            .args(&opts)
            .arg("Rente")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{opts:?}: {stderr}");
        assert!(stderr.contains(needle), "{opts:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{opts:?}");
    }
    // The deepest page that may be asked for is answered.
    archivar_in(idx.path())
        .args(["search", "--no-collapse", "--offset", "9990", "Rente"])
        .assert()
        .code(0)
        .stderr(predicates::str::starts_with(
            "archivar: no hits on this page (from hit 9991)",
        ));
}

#[test]
fn names_from_outside_reach_the_terminal_escaped() {
    // A file name with a terminal escape, a title with a carriage return,
    // an id with a right-to-left override: all printed as escapes.
    let dir = TempDir::new().unwrap();
    let name = dir.path().join("esc2-\u{1b}]0;PWNED\u{7}.txt");
    std::fs::write(&name, "Titel\n\nDie Zölle steigen.\n").unwrap();
    let file = dir.path().join("rtl.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"id":"rtl-\u202etxt.exe","title":"Harmlos\rFAKE TITLE","body":"Die Zölle steigen weiter."}"#,
            "\n"
        ),
    )
    .unwrap();
    let idx = empty_index();
    let out = archivar_in(idx.path())
        .arg("index")
        .arg(dir.path())
        .output()
        .unwrap();
    let raw = |b: &[u8]| {
        let s = String::from_utf8_lossy(b);
        s.contains('\u{1b}') || s.contains('\u{7}') || s.contains('\r') || s.contains('\u{202e}')
    };
    assert!(!raw(&out.stderr) && !raw(&out.stdout), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("esc2-\\e]0;PWNED\\x07.txt"), "{stderr}");
    let out = archivar_in(idx.path())
        .args(["search", "--color", "never", "Zölle"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !raw(&out.stdout),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Harmlos\\rFAKE TITLE"), "{stdout}");
    assert!(stdout.contains("rtl-\\u{202e}txt.exe"), "{stdout}");
    // Colour still works: the escapes it needs are archivar's own.
    let out = archivar_in(idx.path())
        .args(["search", "--color", "always", "Zölle"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\u{1b}[") && stdout.contains("Harmlos\\rFAKE"),
        "{stdout}"
    );
    // An id given on the command line, echoed in a message.
    let out = archivar_in(idx.path())
        .args(["show", "\u{1b}[31mX"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!raw(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\\e[31mX"));
}

// ------------------------------------------- issue 12: what ingest refuses

/// A TTML document whose one cue nests `depth` spans.
fn deep_ttml(depth: usize) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<tt:tt xmlns:tt=\"http://www.w3.org/ns/ttml\">\n<tt:body><tt:div>\n\
         <tt:p begin=\"00:00:01.000\" end=\"00:00:02.000\">{}Guten Abend{}</tt:p>\n</tt:div></tt:body></tt:tt>\n",
        "<tt:span>".repeat(depth),
        "</tt:span>".repeat(depth)
    )
}

#[test]
fn ttml_nested_10000_deep_is_refused_by_name_and_the_run_goes_on() {
    // Row 1: the reader thread overflowed its stack (SIGABRT, exit 134),
    // the file unnamed, every item of the run lost.
    let dir = TempDir::new().unwrap();
    let deep = dir.path().join("tief.ttml");
    std::fs::write(&deep, deep_ttml(10_000)).unwrap();
    let idx = empty_index();
    for _ in 0..2 {
        let stderr = index_into(idx.path(), &[&deep, &good_txt()], 2);
        assert_reported(&stderr, &at(&deep, 4), "nested more than 100 deep");
        assert_eq!(item_count(idx.path()), 1);
    }
    // JSON nested as deep in a line and in a sidecar: a message too.
    let srt = dir.path().join("tief.srt");
    std::fs::write(&srt, "1\n00:00:01,000 --> 00:00:02,000\nGuten Abend.\n").unwrap();
    std::fs::write(
        dir.path().join("tief.srt.json"),
        format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)),
    )
    .unwrap();
    let stderr = index_into(idx.path(), &[&srt], 2);
    assert_reported(&stderr, "tief.srt.json:1:", "bad JSON");
}

/// Most memory (KiB) any waited-for child of this test process had.
fn children_max_rss_kib() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss
}

#[test]
fn a_1_gb_line_in_a_gz_file_is_skipped_at_the_line_bound() {
    // Row 4: the whole line was read (2.9 GB for 3 GB) before the item
    // limit applied. Now reading stops at 4 MB and skips the rest.
    use std::io::Write;
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("riesig.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&file).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(json_line("r1", "Die Zölle steigen.").as_bytes())
        .unwrap();
    gz.write_all(b"{\"id\":\"r2\",\"body\":\"").unwrap();
    let chunk = "Wort ".repeat(200_000);
    for _ in 0..1_000 {
        gz.write_all(chunk.as_bytes()).unwrap();
    }
    gz.write_all(b"\"}\n").unwrap();
    gz.write_all(json_line("r3", "Der Stahl wird teurer.").as_bytes())
        .unwrap();
    gz.finish().unwrap();
    let (idx, stderr) = index_paths(&[&file], 2);
    assert_reported(
        &stderr,
        &at(&file, 2),
        "line longer than the 4 MB a line may have",
    );
    assert_eq!(item_count(idx.path()), 2);
    let rss_mib = children_max_rss_kib() / 1024;
    assert!(rss_mib < 700, "a child of this test had {rss_mib} MiB");
}

#[test]
fn fifos_and_devices_are_refused_with_a_message_not_indexed_as_nothing() {
    // Row 21: "indexed 0 items from 0 files", exit 0.
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("fifo.jsonl");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string and mode.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let zero = dir.path().join("zero.jsonl");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let idx = empty_index();
    for (path, what) in [
        (&fifo, "a FIFO (named pipe), not a regular file"),
        (&zero, "a device, not a regular file"),
    ] {
        let out = archivar_in(idx.path())
            .arg("index")
            .arg(path)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_reported(&stderr, &path.display().to_string(), what);
    }
    // Inside a folder: reported, and the good file beside them indexed.
    std::fs::copy(good_txt(), dir.path().join("gut.txt")).unwrap();
    let out = archivar_in(idx.path())
        .arg("index")
        .arg(dir.path())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_reported(&stderr, "fifo.jsonl", "FIFO");
    assert_reported(&stderr, "zero.jsonl", "a device");
    assert_eq!(item_count(idx.path()), 1);
}

#[test]
fn eval_files_are_read_with_a_bound_on_lines() {
    // Row 4: `eval --queries /dev/zero` took 18 GB in 20 s; a 1.65 MB line
    // aborted under a memory limit.
    let idx = common::index_of(&good_txt());
    let dir = TempDir::new().unwrap();
    let qrels = dir.path().join("qrels.txt");
    std::fs::write(&qrels, "q1 0 dlf-2025-04-03-us-zoelle 1\n").unwrap();
    let long = dir.path().join("queries.tsv");
    std::fs::write(
        &long,
        format!("q1\tZölle\nq2\t{}\n", "Zollstreit ".repeat(150_000)),
    )
    .unwrap();
    for (queries, place, needle) in [
        (
            Path::new("/dev/zero"),
            "/dev/zero".to_string(),
            "a device, not a regular file",
        ),
        (
            long.as_path(),
            at(&long, 2),
            "line longer than the 8 KB a line may have",
        ),
    ] {
        let out = archivar_in(idx.path())
            .arg("eval")
            .arg("--queries")
            .arg(queries)
            .arg("--qrels")
            .arg(&qrels)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_reported(&stderr, &place, needle);
    }
}

#[test]
fn a_truncated_gz_file_says_so_and_keeps_the_lines_before() {
    // Row 22: "cannot read (…); check that the file exists and is readable".
    use std::io::Write;
    let dir = TempDir::new().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(json_line("t1", "Die Zölle steigen.").as_bytes())
        .unwrap();
    gz.write_all(json_line("t2", "Der Stahl wird teurer.").as_bytes())
        .unwrap();
    for i in 0..200 {
        gz.write_all(json_line(&format!("x{i}"), &format!("Die Rente {i} steigt.")).as_bytes())
            .unwrap();
    }
    let bytes = gz.finish().unwrap();
    let file = dir.path().join("kurz.jsonl.gz");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let (idx, stderr) = index_paths(&[&file], 2);
    assert_reported(&stderr, &file.display().to_string(), "truncated or corrupt");
    assert!(!stderr.contains("check that the file exists"), "{stderr}");
    assert!(item_count(idx.path()) >= 2);
}

#[test]
fn memory_outside_its_range_is_refused_with_the_range() {
    // Row 22: tantivy's arena message; 0 silently raised to 16 MB.
    for mb in ["100000", "0", "15"] {
        let idx = empty_index();
        assert_error(
            archivar_in(idx.path())
                .args(["index", "--memory", mb])
                .arg(good_txt())
                .assert(),
            "16..=4000",
        );
    }
}

#[test]
fn empty_and_overlong_json_ids_are_reported_by_line_and_skipped() {
    // Row 10: an id of 64 KB was found by search, "no item" for show, and
    // each --force added a copy. Row 22: "expected a non-empty string,
    // found a string".
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("ids.jsonl");
    let mut text = json_line("i1", "Die Zölle steigen.");
    text.push_str(&json_line(
        &"Zollstreit".repeat(7_000),
        "Der Stahl wird teurer.",
    ));
    text.push_str(&json_line("", "Die Rente steigt."));
    text.push_str(&json_line("i4", "Die Schuldenbremse bleibt."));
    std::fs::write(&file, text).unwrap();
    let idx = empty_index();
    for _ in 0..2 {
        let out = archivar_in(idx.path())
            .args(["index", "--force"])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_reported(
            &stderr,
            &at(&file, 2),
            "id of 70000 bytes, more than the 1024 bytes",
        );
        assert_reported(&stderr, &at(&file, 3), "empty id");
        assert_eq!(item_count(idx.path()), 2);
    }
}

#[test]
fn latin1_file_names_get_distinct_ids() {
    // Row 7: M\xfcller, M\xf6ller and M\xe4ller all became `M\u{fffd}ller`.
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new().unwrap();
    let text = std::fs::read_to_string(good_txt()).unwrap();
    for (byte, word) in [(0xfc_u8, "Müller"), (0xf6, "Möller"), (0xe4, "Mäller")] {
        let mut name = b"M".to_vec();
        name.extend_from_slice(&[byte]);
        name.extend_from_slice(b"ller.txt");
        let path = dir.path().join(std::ffi::OsStr::from_bytes(&name));
        std::fs::write(&path, text.replacen("Handelspolitik", word, 1)).unwrap();
    }
    let (idx, _) = index_paths(&[dir.path()], 0);
    assert_eq!(item_count(idx.path()), 3);
    for id in ["Müller", "Möller", "Mäller"] {
        archivar_in(idx.path()).args(["show", id]).assert().code(0);
    }
    // Stable: a second run finds all three unchanged.
    let out = archivar_in(idx.path())
        .arg("index")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("3 items unchanged in 3 files skipped"),
        "{stdout}"
    );
}

#[test]
fn rebuild_leaves_what_is_not_the_index_and_says_so() {
    // Row 9: notes.txt and backup/old.jsonl in the index folder were deleted.
    let idx = common::index_of(&good_txt());
    std::fs::write(idx.path().join("notes.txt"), "Notizen").unwrap();
    std::fs::create_dir(idx.path().join("backup")).unwrap();
    std::fs::write(idx.path().join("backup").join("old.jsonl"), "{}").unwrap();
    let out = archivar_in(idx.path())
        .args(["index", "--rebuild"])
        .arg(good_txt())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("left 2 entries that are not part of it"),
        "{stderr}"
    );
    assert!(idx.path().join("notes.txt").exists());
    assert!(idx.path().join("backup").join("old.jsonl").exists());
    assert_eq!(item_count(idx.path()), 1);
}

#[test]
fn the_same_file_given_twice_is_read_once() {
    // Row 24: one "replaced" warning for each of its items.
    let idx = empty_index();
    let out = archivar_in(idx.path())
        .arg("index")
        .arg(good_txt())
        .arg(good_txt())
        .arg(data_dir().join("news"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("replaces"), "{stderr}");
    assert!(stdout.contains(" new, 0 replaced)"), "{stdout}");
}

// ---------------------------------------------- speakers of real corpora

/// Speaker figures of the Bundestag speeches and tagesschau transcripts
/// (row 16), printed with `--nocapture`.
#[derive(Debug, Default)]
struct SpeakerFigures {
    items: u64,
    distinct: std::collections::BTreeSet<String>,
    phrase_items: u64,
    chair_items: u64,
    titled: u64,
    lindner_schuldenbremse: u64,
}

fn speaker_figures(paths: &[PathBuf]) -> SpeakerFigures {
    use archivar::ingest::{self, Event};
    let mut f = SpeakerFigures::default();
    let walk = ingest::walk(paths);
    for src in &walk.sources {
        ingest::read_source(src, &ingest::Meta::default(), &mut |ev| {
            let Event::Item(item) = ev else { return };
            f.items += 1;
            let phrase = |s: &str| ["Im Gegenteil", "Ein Beispiel", "Die Lottozahlen"].contains(&s);
            if item.speakers.iter().any(|s| phrase(s))
                || item
                    .blocks
                    .iter()
                    .any(|b| b.speaker.as_deref().is_some_and(phrase))
            {
                f.phrase_items += 1;
            }
            if item.id.starts_with("bt")
                && item.speakers.len() > 1
                && item.blocks.iter().any(|b| {
                    b.text.starts_with("Das Wort hat")
                        && b.speaker
                            .as_deref()
                            .is_some_and(|s| item.speakers.iter().any(|x| x == s))
                })
            {
                f.chair_items += 1;
                eprintln!("chair among the speakers of {}", item.id);
            }
            if item
                .speakers
                .iter()
                .any(|s| s.starts_with("Dr. ") || s.starts_with("Prof. "))
            {
                f.titled += 1;
            }
            if item
                .speakers
                .first()
                .is_some_and(|s| s == "Christian Lindner")
                && item.blocks.iter().any(|b| {
                    b.speaker.as_deref() == Some("Christian Lindner")
                        && b.text.contains("Schuldenbremse")
                })
            {
                f.lindner_schuldenbremse += 1;
            }
            f.distinct.extend(item.speakers.iter().cloned());
        });
    }
    f
}

#[test]
fn speakers_of_the_bundestag_and_tagesschau_are_people() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    let paths = [
        root.join("bundestag-reden"),
        root.join("tagesschau-transcripts"),
    ];
    if !paths.iter().all(|p| p.is_dir()) {
        eprintln!("skipped: ../shared/corpora (bundestag-reden, tagesschau-transcripts) is absent");
        return;
    }
    let f = speaker_figures(&paths);
    eprintln!(
        "{} items, {} distinct speakers; phrase speakers in {} items; chair among the speakers of {} speeches; a titled speaker in {}; Lindner saying Schuldenbremse in {} of his speeches",
        f.items,
        f.distinct.len(),
        f.phrase_items,
        f.chair_items,
        f.titled,
        f.lindner_schuldenbremse
    );
    if let Some(out) = std::env::var_os("ARCHIVAR_SPEAKERS_OUT") {
        let list: Vec<&str> = f.distinct.iter().map(String::as_str).collect();
        std::fs::write(out, list.join("\n")).unwrap();
    }
    assert_eq!(f.phrase_items, 0);
    // One speech (bt19-ID1922102100) has the chair's "Das Wort hat …" at
    // the end of a vote list that no label opens: left alone.
    assert!(f.chair_items <= 1, "{}", f.chair_items);
    assert_eq!(f.titled, 0);
    assert!(
        f.lindner_schuldenbremse > 10,
        "{}",
        f.lindner_schuldenbremse
    );
}

#[test]
fn two_files_sharing_an_id_keep_the_first_file_s_item_stably() {
    // Row 24: the later file replaced the earlier, and editing one of the
    // two silently swapped the kept version.
    let dir = TempDir::new().unwrap();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    std::fs::write(&a, json_line("dup", "Die Rente steigt im Juli.")).unwrap();
    std::fs::write(&b, json_line("dup", "Die Zölle steigen im Juli.")).unwrap();
    let idx = empty_index();
    let body = |idx: &Path| {
        let out = archivar_in(idx)
            .args(["show", "dup", "--json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["body"].as_str().unwrap().to_string()
    };
    let stderr = index_into(idx.path(), &[&a, &b], 0);
    assert_reported(&stderr, &at(&b, 1), "id \"dup\" is also at");
    assert_reported(
        &stderr,
        &format!("{}:1; kept that one", a.display()),
        "not indexed",
    );
    assert_eq!(body(idx.path()), "Die Rente steigt im Juli.");
    // Editing the other file does not swap it.
    let mut text = json_line("dup", "Die Zölle steigen im August.");
    text.push_str(&json_line("b2", "Der Stahl wird teurer."));
    std::fs::write(&b, text).unwrap();
    let stderr = index_into(idx.path(), &[&b, &a], 0);
    assert_reported(&stderr, &at(&b, 1), "kept that one");
    assert_eq!(body(idx.path()), "Die Rente steigt im Juli.");
    assert_eq!(item_count(idx.path()), 2);
    // Editing the kept file takes its new text.
    std::fs::write(&a, json_line("dup", "Die Rente steigt im August.")).unwrap();
    index_into(idx.path(), &[&a, &b], 0);
    assert_eq!(body(idx.path()), "Die Rente steigt im August.");
}
