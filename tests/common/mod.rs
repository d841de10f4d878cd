//! Helpers for the CLI tests: the real binary in a clean environment, fresh
//! temporary indexes, and `--json` output read back strictly (into structs
//! that refuse unknown fields, and against the schemas in `schema/`).

// Each test crate that says `mod common;` uses only some of these.
#![allow(dead_code)]

use assert_cmd::Command;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

/// The crate root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The sample archive (`data/`, described in `data/README.md`).
pub fn data_dir() -> PathBuf {
    Path::new(ROOT).join("data")
}

/// A file or folder below `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(ROOT).join("tests").join("fixtures").join(rel)
}

/// A home folder for the binary, so that no test reads or writes the real
/// `~/.local/share/archivar`: `archivar-home` in cargo's tmp folder for
/// integration tests (below `target/`). No test writes to it.
fn fake_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("archivar-home");
        std::fs::create_dir_all(&home).expect("create the test home folder");
        home
    })
}

/// The archivar binary with a clean environment: no `ARCHIVAR_INDEX`, no
/// `NO_COLOR`, and `HOME`/`XDG_DATA_HOME` in a temporary folder.
pub fn archivar() -> Command {
    let home = fake_home();
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("archivar");
    cmd.env_remove("ARCHIVAR_INDEX")
        .env_remove("ARCHIVAR_OPENSEARCH")
        .env_remove("NO_COLOR")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("share"));
    cmd
}

/// The archivar binary as a `std::process::Command`, in the same clean
/// environment as [`archivar`], for tests that spawn it and act on the
/// running process (signals, concurrent runs).
pub fn archivar_process(index: &Path) -> std::process::Command {
    let home = fake_home();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_archivar"));
    cmd.env_remove("ARCHIVAR_INDEX")
        .env_remove("ARCHIVAR_OPENSEARCH")
        .env_remove("NO_COLOR")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("share"))
        .arg("--index")
        .arg(index);
    cmd
}

/// `archivar --index DIR`, ready for a subcommand.
pub fn archivar_in(index: &Path) -> Command {
    let mut cmd = archivar();
    cmd.arg("--index").arg(index);
    cmd
}

/// A fresh empty folder for an index.
pub fn empty_index() -> TempDir {
    tempfile::Builder::new()
        .prefix("archivar-index-")
        .tempdir()
        .expect("create a temporary index folder")
}

/// Index `path` into a fresh temporary index and assert that it worked.
pub fn index_of(path: &Path) -> TempDir {
    let dir = empty_index();
    archivar_in(dir.path())
        .arg("index")
        .arg(path)
        .assert()
        .success();
    dir
}

/// One snippet of a hit, as in `schema/hit.v1.schema.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<(usize, usize)>,
    pub kind: String,
    pub speaker: Option<String>,
    #[serde(default)]
    pub speaker_unknown: bool,
    pub start: Option<f64>,
    pub end: Option<f64>,
}

impl Snippet {
    /// The highlighted substrings of the snippet.
    pub fn marked(&self) -> Vec<String> {
        spans_of(&self.text, &self.highlights)
    }
}

/// A hit line of `search --json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hit {
    pub rank: usize,
    pub id: String,
    pub score: Option<f64>,
    pub title: String,
    pub title_highlights: Vec<(usize, usize)>,
    pub date: Option<String>,
    pub program: Option<String>,
    pub speakers: Vec<String>,
    pub source: String,
    pub snippets: Vec<Snippet>,
    pub repeats: Option<Repeats>,
    pub story: Option<HitStory>,
}

/// The story of a hit, in an item cut into stories.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HitStory {
    pub number: usize,
    pub of: usize,
    pub passages: [usize; 2],
    pub start: Option<f64>,
    pub end: Option<f64>,
}

/// Other airings folded into a hit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeats {
    pub total: usize,
    pub items: Vec<Repeat>,
}

/// One other airing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    pub id: String,
    pub date: Option<String>,
    pub program: Option<String>,
}

impl Hit {
    /// The highlighted substrings of the title.
    pub fn marked_title(&self) -> Vec<String> {
        spans_of(&self.title, &self.title_highlights)
    }

    /// The highlighted substrings of all snippets.
    pub fn marked_snippets(&self) -> Vec<String> {
        self.snippets.iter().flat_map(Snippet::marked).collect()
    }
}

/// The summary line of `search --json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub query: String,
    pub total: usize,
    pub total_relation: String,
    pub offset: usize,
    pub returned: usize,
    pub elapsed_ms: f64,
    pub facets: Option<Value>,
}

/// Any line of `search --json`.
#[derive(Debug, Clone, Deserialize)]
#[allow(clippy::large_enum_variant)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Line {
    Hit(Hit),
    Summary(Summary),
}

/// All of `search --json`: the hits, then the summary.
#[derive(Debug, Clone)]
pub struct Results {
    pub hits: Vec<Hit>,
    pub summary: Summary,
}

impl Results {
    /// The ids of the hits, in order.
    pub fn ids(&self) -> Vec<&str> {
        self.hits.iter().map(|h| h.id.as_str()).collect()
    }

    /// The hit with this id.
    pub fn hit(&self, id: &str) -> &Hit {
        self.hits
            .iter()
            .find(|h| h.id == id)
            .unwrap_or_else(|| panic!("no hit {id} in {:?}", self.ids()))
    }
}

/// The substrings of `text` at `[start, end)` code-point spans; panics on a
/// span that is empty, reversed or out of range.
pub fn spans_of(text: &str, spans: &[(usize, usize)]) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    spans
        .iter()
        .map(|&(s, e)| {
            assert!(
                s < e && e <= chars.len(),
                "bad span [{s}, {e}) in {} code points: {text:?}",
                chars.len()
            );
            chars[s..e].iter().collect()
        })
        .collect()
}

/// Parse `search --json` output: hit lines, then exactly one summary line,
/// the last. Unknown fields fail the parse.
pub fn parse_results(stdout: &[u8]) -> Results {
    let text = std::str::from_utf8(stdout).expect("search --json prints UTF-8");
    let mut hits = Vec::new();
    let mut summary = None;
    for (n, line) in text.lines().enumerate() {
        assert!(
            summary.is_none(),
            "line {} comes after the summary line: {line}",
            n + 1
        );
        match serde_json::from_str::<Line>(line) {
            Ok(Line::Hit(h)) => hits.push(h),
            Ok(Line::Summary(s)) => summary = Some(s),
            Err(e) => panic!("line {}: {e}: {line}", n + 1),
        }
    }
    let summary = summary.unwrap_or_else(|| panic!("no summary line in {text:?}"));
    assert_eq!(
        summary.returned,
        hits.len(),
        "summary.returned is not the number of hit lines"
    );
    Results { hits, summary }
}

/// Run `archivar --index DIR search --json ARGS…`, expecting `code`, and
/// read the output back (also checked against `schema/hit.v1.schema.json`).
pub fn search_json(index: &Path, args: &[&str], code: i32) -> Results {
    let out = json_stdout(index, "search", args, code);
    validate_hit_lines(&out);
    parse_results(&out)
}

/// A schema of `schema/`, compiled; the schema itself must be valid.
pub fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(ROOT).join("schema").join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is no JSON: {e}", path.display()));
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("{} is no valid JSON Schema: {e}", path.display());
    }
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()))
}

/// Assert that `value` is valid per `schema/NAME`, listing every error.
pub fn assert_valid(name: &str, value: &Value) {
    let validator = schema(name);
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid per schema/{name}:\n  {}\n{value}",
        errors.join("\n  ")
    );
}

/// Assert that every line of `search --json` output is valid per
/// `schema/hit.v1.schema.json`.
pub fn validate_hit_lines(stdout: &[u8]) {
    let validator = schema("hit.v1.schema.json");
    let text = std::str::from_utf8(stdout).expect("search --json prints UTF-8");
    for (n, line) in text.lines().enumerate() {
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {} is no JSON ({e}): {line}", n + 1));
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "line {} not valid per schema/hit.v1.schema.json:\n  {}\n{line}",
            n + 1,
            errors.join("\n  ")
        );
    }
}

/// `stats --json` of an index, checked against `schema/stats.v1.schema.json`.
pub fn stats_json(index: &Path) -> Value {
    let out = archivar_in(index)
        .args(["stats", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let value: Value = serde_json::from_slice(&out).expect("stats --json prints JSON");
    assert_valid("stats.v1.schema.json", &value);
    value
}

/// Items in an index, per `stats --json`.
pub fn item_count(index: &Path) -> u64 {
    stats_json(index)["items"]
        .as_u64()
        .expect("stats items is a number")
}

/// The command failed as a usage or input error should: exit 2, nothing on
/// stdout, `needle` on stderr, and no panic.
pub fn assert_error(assert: assert_cmd::assert::Assert, needle: &str) {
    let out = assert
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(needle))
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `archivar trend --json` with `args`, validated against its schema.
pub fn trend_json(index: &Path, args: &[&str], code: i32) -> Value {
    let out = json_stdout(index, "trend", args, code);
    let value: Value = serde_json::from_slice(&out).expect("trend --json prints JSON");
    assert_valid("trend.v1.schema.json", &value);
    value
}

/// The stdout of `archivar --index DIR COMMAND --json ARGS…`, which must
/// exit with `code`.
fn json_stdout(index: &Path, command: &str, args: &[&str], code: i32) -> Vec<u8> {
    archivar_in(index)
        .arg(command)
        .arg("--json")
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone()
}
