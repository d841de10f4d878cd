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
