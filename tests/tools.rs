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
