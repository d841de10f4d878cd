//! `archivar serve`: the real binary on an ephemeral loopback port, asked
//! over plain HTTP/1.1 written by hand (so that hostile requests reach
//! the server exactly as sent: `%2e%2e`, oversized URLs, missing tokens).
//! Bodies are read back and checked against the CLI's `--json` shapes
//! and the JSON Schemas in `schema/`.

mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// `archivar --index DIR serve --bind 127.0.0.1:0 ARGS…`, once it
    /// says where it listens.
    fn start(index: &Path, args: &[&str]) -> Server {
        let mut child = archivar_process(index)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start archivar serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let line = lines
            .next()
            .and_then(Result::ok)
            .expect("serve says where it listens");
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        // Keep reading stderr so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Server { child, port }
    }

    fn get(&self, target: &str) -> Reply {
        self.request("GET", target, &[], b"")
    }

    fn get_with(&self, target: &str, headers: &[(&str, &str)]) -> Reply {
        self.request("GET", target, headers, b"")
    }

    fn request(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut req = format!(
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
            self.port
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)
            .expect("read the reply (a hang fails here)");
        Reply::parse(&raw)
    }

    /// GET a JSON body, asserting the status.
    fn json(&self, target: &str, status: u16) -> Value {
        let r = self.get(target);
        assert_eq!(r.status, status, "{target}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("application/json"));
        let v = r.json();
        check_openapi(target, status, &v);
        v
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The OpenAPI document.
fn openapi() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let text = std::fs::read_to_string(Path::new(ROOT).join("schema/openapi.v1.json")).unwrap();
        serde_json::from_str(&text).expect("schema/openapi.v1.json is JSON")
    })
}

/// Resolves the document's `schema/NAME` references to the files in
/// `schema/`, as the server serves them beside the document.
struct SchemaFiles;

impl jsonschema::Retrieve for SchemaFiles {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default();
        let text = std::fs::read_to_string(Path::new(ROOT).join("schema").join(name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// Check a JSON response against what the OpenAPI document says of its
/// path and status (a path the document lacks answers with its Error).
fn check_openapi(target: &str, status: u16, body: &Value) {
    let path = target.split('?').next().unwrap_or_default();
    let key = if path.starts_with("/api/items/") {
        "/api/items/{id}"
    } else {
        path
    };
    let doc = openapi();
    let schema = match doc["paths"].get(key) {
        Some(p) => {
            let resp = &p["get"]["responses"][status.to_string()];
            assert!(
                resp.is_object(),
                "the OpenAPI document has no {status} response for {key}"
            );
            resp["content"]["application/json"]["schema"].clone()
        }
        None => serde_json::json!({"$ref": "#/components/schemas/Error"}),
    };
    if schema.is_null() {
        return;
    }
    let mut root = doc.clone();
    root["$id"] = "http://archivar.test/api/openapi.json".into();
    root["$defs"] = serde_json::json!({ "response": schema });
    root["$ref"] = "#/$defs/response".into();
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .with_retriever(SchemaFiles)
        .build(&root)
        .unwrap_or_else(|e| panic!("the OpenAPI schema of {key} {status} does not compile: {e}"));
    if let Err(e) = v.validate(body) {
        panic!("{target} ({status}) does not match the OpenAPI document: {e}\n{body}");
    }
}

/// An HTTP reply.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete head");
        let head = String::from_utf8_lossy(&raw[..end]).to_string();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let mut body = raw[end + 4..].to_vec();
        if headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
        {
            body = dechunk(&body);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(nl) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&b[..nl])
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + size]);
        b = &b[nl + 2 + size + 2..];
    }
}

/// One index of `data/` for the whole test binary, built afresh in
/// cargo's tmp folder (tests only read it).
fn data_index() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-data-index");
        let _ = std::fs::remove_dir_all(&dir);
        archivar_in(&dir)
            .arg("index")
            .arg(data_dir())
            .arg(fixture("hostile/hostile.jsonl"))
            .assert()
            .success();
        dir
    })
}

/// Percent-encode a query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Every error body: an `error` code and a `reason`.
fn assert_error(v: &Value, code: &str) {
    assert_eq!(v["error"], code, "{v}");
    assert!(v["reason"].as_str().is_some_and(|r| !r.is_empty()), "{v}");
}

#[test]
fn search_finds_the_seed_first_with_both_words_marked() {
    let srv = Server::start(data_index(), &[]);
    let v = srv.json("/api/search?q=Selenskyj+Rohstoffe", 200);
    let hits = v["hits"].as_array().unwrap();
    assert_eq!(hits[0]["id"], "dlf-2025-02-13");
    let marked: Vec<String> = hits[0]["snippets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            let text = s["text"].as_str().unwrap().to_string();
            let spans: Vec<(usize, usize)> =
                serde_json::from_value(s["highlights"].clone()).unwrap();
            spans_of(&text, &spans)
        })
        .collect();
    assert!(marked.iter().any(|m| m == "Selenskyj"), "{marked:?}");
    assert!(
        marked.iter().any(|m| m.starts_with("Rohstoff")),
        "{marked:?}"
    );
    // Each hit and the summary are lines of `search --json`, by schema…
    for h in hits {
        assert_valid("hit.v1.schema.json", h);
    }
    assert_valid("hit.v1.schema.json", &v["summary"]);
    // … and the same as the CLI's, hit for hit.
    let cli = search_json(data_index(), &["Selenskyj", "Rohstoffe"], 0);
    let ids: Vec<&str> = hits.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, cli.ids());
    assert_eq!(v["summary"]["total"], cli.summary.total);
}

#[test]
fn filters_paging_and_facets_take_the_cli_parameters() {
    let srv = Server::start(data_index(), &[]);
    let v = srv.json(
        "/api/search?q=Rohstoffe&program=Deutschlandfunk&from=01.02.2025&to=2025-12-31&sort=date&limit=2&offset=1&facets=true",
        200,
    );
    let cli = search_json(
        data_index(),
        &[
            "Rohstoffe",
            "--program",
            "Deutschlandfunk",
            "--from",
            "01.02.2025",
            "--to",
            "2025-12-31",
            "--sort",
            "date",
            "--limit",
            "2",
            "--offset",
            "1",
            "--facets",
        ],
        0,
    );
    let ids: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, cli.ids());
    assert_eq!(v["summary"]["offset"], 1);
    assert_eq!(
        v["summary"]["facets"]["programs"][0]["name"],
        "Deutschlandfunk"
    );
    assert_valid("hit.v1.schema.json", &v["summary"]);
}

#[test]
fn bad_parameters_are_400_with_a_reason() {
    let srv = Server::start(data_index(), &[]);
    let long = "Rente ".repeat(1000);
    for (target, code, parameter) in [
        ("/api/search".to_string(), "missing_parameter", "q"),
        (
            "/api/search?q=Rente&from=31.02.2025".into(),
            "bad_date",
            "from",
        ),
        ("/api/search?q=Rente&to=gestern".into(), "bad_date", "to"),
        (
            "/api/search?q=Rente&from=2025-03-01&to=2025-02-01".into(),
            "out_of_range",
            "from",
        ),
        (
            "/api/search?q=Rente&limit=101".into(),
            "out_of_range",
            "limit",
        ),
        (
            "/api/search?q=Rente&limit=0".into(),
            "out_of_range",
            "limit",
        ),
        (
            "/api/search?q=Rente&offset=4000000000".into(),
            "out_of_range",
            "offset",
        ),
        (
            "/api/search?q=Rente&offset=99999999999999999999999999".into(),
            "bad_number",
            "offset",
        ),
        (
            "/api/search?q=Rente&offset=-1".into(),
            "bad_number",
            "offset",
        ),
        (
            "/api/search?q=Rente&snippets=11".into(),
            "out_of_range",
            "snippets",
        ),
        (
            "/api/search?q=Rente&sort=alphabet".into(),
            "bad_parameter",
            "sort",
        ),
        (
            "/api/search?q=Rente&match=most".into(),
            "bad_parameter",
            "match",
        ),
        (format!("/api/search?q={}", enc(&long)), "out_of_range", "q"),
        (
            format!("/api/search?q=Rente&speaker={}", enc(&"x".repeat(300))),
            "out_of_range",
            "speaker",
        ),
        ("/api/search?q=%22Rente".into(), "query_syntax", "q"),
        ("/api/search?q=und+der".into(), "query_syntax", "q"),
        (
            "/api/trend?q=Rente&by=century".into(),
            "bad_parameter",
            "by",
        ),
        (
            "/api/items/dlf-2025-02-13?at=99:99".into(),
            "bad_time",
            "at",
        ),
        (
            "/api/items/dlf-2025-02-13?at=1:00".into(),
            "out_of_range",
            "at",
        ),
    ] {
        let v = srv.json(&target, 400);
        assert_error(&v, code);
        assert_eq!(v["parameter"], parameter, "{target}: {v}");
    }
    let v = srv.json("/api/search?q=Rente&colapse=false", 400);
    assert_error(&v, "unknown_parameter");
    // A syntax error says where.
    let v = srv.json("/api/search?q=Rente+(Pension", 400);
    assert_eq!(v["column"], 7, "{v}");
}

#[test]
fn unknown_ids_and_paths_are_404() {
    let srv = Server::start(data_index(), &[]);
    assert_error(&srv.json("/api/items/Xylophonwettbewerb", 404), "not_found");
    assert_error(&srv.json("/api/nothing", 404), "not_found");
    assert_eq!(srv.get("/item/Xylophonwettbewerb").status, 404);
    // Outside /api a page says so.
    let r = srv.get("/suche");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(srv.get("/static/../Cargo.toml").status, 404);
}

#[test]
fn oversized_requests_are_refused() {
    let srv = Server::start(data_index(), &[]);
    let url = format!("/api/search?q={}", "a".repeat(20_000));
    let v = srv.json(&url, 414);
    assert_error(&v, "uri_too_long");
    let big = "x".repeat(20_000);
    let r = srv.get_with("/api/search?q=Rente", &[("X-Padding", &big)]);
    assert_eq!(r.status, 431, "{}", r.text());
    let r = srv.request("POST", "/login", &[], &vec![b'a'; 10_000]);
    assert_eq!(r.status, 413, "{}", r.text());
}

#[test]
fn items_are_the_cli_show_json() {
    let srv = Server::start(data_index(), &[]);
    let r = srv.get("/api/items/dlf-2025-02-13");
    assert_eq!(r.status, 200);
    let cli = archivar_in(data_index())
        .args(["show", "dlf-2025-02-13", "--json"])
        .output()
        .unwrap();
    assert_eq!(r.body, cli.stdout);
    assert_valid("item.v1.schema.json", &r.json());
    // An id with characters a URL must escape.
    let v = srv.json(
        &format!("/api/items/{}", enc("\"><script>alert('id')</script>")),
        200,
    );
    assert_eq!(v["id"], "\"><script>alert('id')</script>");
}

#[test]
fn trend_and_stats_are_the_cli_json() {
    let srv = Server::start(data_index(), &[]);
    let v = srv.json("/api/trend?q=Rohstoffe&by=year", 200);
    assert_valid("trend.v1.schema.json", &v);
    assert_eq!(
        v,
        trend_json(data_index(), &["Rohstoffe", "--by", "year"], 0)
    );
    let v = srv.json("/api/stats", 200);
    assert_valid("stats.v1.schema.json", &v);
    assert_eq!(v["items"], item_count(data_index()));
    let v = srv.json("/api/health", 200);
    assert_eq!(
        (v["status"].as_str(), v["index"].as_bool()),
        (Some("ok"), Some(true))
    );
}

#[test]
fn no_index_is_503_until_one_is_committed_then_each_commit_is_seen() {
    let dir = empty_index();
    let idx = dir.path().join("idx");
    let srv = Server::start(&idx, &[]);
    let r = srv.get("/api/search?q=Rohstoffe");
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    assert_error(&r.json(), "no_index");
    assert_eq!(srv.json("/api/health", 200)["index"], false);
    // A first commit: seen without a restart.
    archivar_in(&idx)
        .arg("index")
        .arg(data_dir().join("news"))
        .assert()
        .success();
    let total = |srv: &Server| {
        let r = srv.get("/api/search?q=Rohstoffe");
        (r.status == 200).then(|| r.json()["summary"]["total"].as_u64().unwrap())
    };
    let first = wait_for(|| total(&srv)).expect("the new index is served");
    // A second commit into the open index: the reader reloads.
    archivar_in(&idx)
        .arg("index")
        .arg(data_dir().join("archive.jsonl"))
        .assert()
        .success();
    let started = Instant::now();
    let second = wait_for(|| total(&srv).filter(|n| *n > first)).expect("the commit is seen");
    assert!(second > first);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "seen after {:?}",
        started.elapsed()
    );
}

/// Poll `f` for up to 10 s.
fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[test]
fn a_token_is_required_when_given() {
    let dir = empty_index();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "Sendezentrum-Koeln-2025\n").unwrap();
    let srv = Server::start(
        data_index(),
        &["--token-file", token_file.to_str().unwrap()],
    );
    let r = srv.get("/api/search?q=Rente");
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    assert_error(&r.json(), "unauthorized");
    let wrong = srv.get_with(
        "/api/search?q=Rente",
        &[("Authorization", "Bearer Sendezentrum-Koeln-2024")],
    );
    assert_eq!(wrong.status, 401);
    let right = srv.get_with(
        "/api/search?q=Rente",
        &[("Authorization", "Bearer Sendezentrum-Koeln-2025")],
    );
    assert_eq!(right.status, 200);
    // Health stays open; the page asks for the token.
    assert_eq!(srv.get("/api/health").status, 200);
    let page = srv.get("/?q=Rente");
    assert_eq!(page.status, 401);
    assert!(page.text().contains("name=\"token\""));
    // Logging in sets a cookie the page then accepts.
    let login = srv.request(
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"token=Sendezentrum-Koeln-2025",
    );
    assert_eq!(login.status, 303);
    let cookie = login.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    // The cookie holds a session, not the token.
    assert!(!cookie.contains("Sendezentrum"), "{cookie}");
    let page = srv.get_with("/?q=Rente", &[("Cookie", pair)]);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("action=\"/logout\""));
    assert_eq!(srv.get_with("/api/stats", &[("Cookie", pair)]).status, 200);
    // Logging out forgets the session and clears the cookie.
    let out = srv.request("POST", "/logout", &[("Cookie", pair)], b"");
    assert_eq!(out.status, 303);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(srv.get_with("/?q=Rente", &[("Cookie", pair)]).status, 401);
    let bad = srv.request("POST", "/login", &[], b"token=falsch");
    assert_eq!(bad.status, 401);
}

/// Five wrong tokens within a minute, by login or bearer header, and the
/// address is answered 429 with Retry-After, even with the right token.
#[test]
fn wrong_tokens_are_limited_per_address() {
    let dir = empty_index();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "Sendezentrum-Koeln-2025\n").unwrap();
    let srv = Server::start(
        data_index(),
        &["--token-file", token_file.to_str().unwrap()],
    );
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    for _ in 0..3 {
        assert_eq!(
            srv.request("POST", "/login", &form, b"token=falsch").status,
            401
        );
    }
    for _ in 0..2 {
        let r = srv.get_with("/api/stats", &[("Authorization", "Bearer falsch-falsch")]);
        assert_eq!(r.status, 401);
    }
    let right = srv.get_with(
        "/api/stats",
        &[("Authorization", "Bearer Sendezentrum-Koeln-2025")],
    );
    assert_eq!(right.status, 429, "{}", right.text());
    let wait: u64 = right.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let v = right.json();
    assert_error(&v, "too_many_failures");
    check_openapi("/api/stats", 429, &v);
    let login = srv.request("POST", "/login", &form, b"token=Sendezentrum-Koeln-2025");
    assert_eq!(login.status, 429);
    assert!(login.header("retry-after").is_some());
    // A missing token is no failure: health and the login form stay open.
    assert_eq!(srv.get("/api/health").status, 200);
}

#[test]
fn a_reachable_address_needs_a_token_or_no_auth() {
    let dir = empty_index();
    archivar_in(dir.path())
        .args(["serve", "--bind", "0.0.0.0:0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--token-file"));
    let short = dir.path().join("short");
    std::fs::write(&short, "kurz").unwrap();
    archivar_in(dir.path())
        .args(["serve", "--token-file", short.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("at least 16 characters"));
}

#[test]
fn every_response_has_the_security_headers() {
    let srv = Server::start(data_index(), &[]);
    for target in [
        "/",
        "/?q=Rente",
        "/api/search?q=Rente",
        "/api/items/nope",
        "/static/app.js",
    ] {
        let r = srv.get(target);
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{target}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{target}: {csp}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert!(r.header("access-control-allow-origin").is_none());
    }
}

#[test]
fn the_page_shows_marked_hits_facets_and_pages() {
    let srv = Server::start(data_index(), &[]);
    let r = srv.get("/?q=Selenskyj+Rohstoffe");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let html = r.text();
    let first = html.find("<li class=\"hit\"").expect("a hit");
    let hit = &html[first..];
    assert!(hit[..hit.find("</li>").unwrap()].contains("dlf-2025-02-13"));
    assert!(html.contains("<mark>Selenskyj</mark>"));
    assert!(html.contains("<mark>Rohstoffen</mark>"));
    assert!(html.contains("aria-live=\"polite\""));
    assert!(
        html.contains("program=Deutschlandfunk"),
        "a programme facet link"
    );
    assert!(html.contains("<svg"), "a trend chart");
    assert!(!html.contains("<script>"), "no inline script");
    // The form without script: the same URL holds the state.
    let r = srv.get("/?q=Rohstoffe&program=Deutschlandfunk&from=2025-02-01");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("value=\"2025-02-01\""));
    // A bad date is shown with the form, not as a crash.
    let r = srv.get("/?q=Rohstoffe&from=30.02.2025");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("role=\"alert\""));
    let r = srv.get("/?q=Rohstoffe&page=99999999999");
    assert_eq!(r.status, 400);
}

#[test]
fn the_item_page_marks_every_match() {
    let srv = Server::start(data_index(), &[]);
    let r = srv.get("/item/dlf-2025-02-13?q=Selenskyj");
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("<mark id=\"m1\">Selenskyj</mark>"), "{html}");
    assert!(html.contains("<mark id=\"m2\">"));
}

#[test]
fn hostile_items_are_shown_as_text() {
    let srv = Server::start(data_index(), &[]);
    let html = srv.get("/?q=Rohstoffe&limit=100").text();
    for r in [
        srv.get("/?q=Rohstoffe+Kennung"),
        srv.get("/?q=Richtungswechsel"),
        srv.get("/item/hostile-script?q=Rohstoffe"),
        srv.get(&format!(
            "/item/{}?q=Rohstoffe",
            enc("\"><script>alert('id')</script>")
        )),
    ]
    .into_iter()
    .map(|r| r.text())
    .chain([html])
    {
        assert!(!r.contains("<script>"), "{r}");
        assert!(!r.contains("<img"), "{r}");
        assert!(!r.contains("<svg onload"), "{r}");
        assert!(!r.contains("<iframe"), "{r}");
        assert!(!r.contains("href=\"javascript:"), "{r}");
    }
    let page = srv.get("/?q=Rohstoffe+Angebot").text();
    assert!(page.contains("&lt;script&gt;alert("), "{page}");
}

#[test]
fn the_csv_export_holds_the_hits() {
    let srv = Server::start(data_index(), &[]);
    let r = srv.get("/export.csv?q=Rohstoffe");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    let csv = r.text();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,date,program,speakers,title,time,snippet,permalink")
    );
    let ids: Vec<String> = lines
        .map(|l| {
            l.split("\",\"")
                .next()
                .unwrap()
                .trim_start_matches('"')
                .to_string()
        })
        .collect();
    let api = srv.json("/api/search?q=Rohstoffe&limit=100", 200);
    let api_ids: Vec<&str> = api["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), api_ids.len());
    // The hostile id holds quotes; rows of plain ids compare whole.
    assert_eq!(ids[0], api_ids[0]);
    // JSON Lines: the CLI's lines.
    let r = srv.get("/export.jsonl?q=Rohstoffe&limit=3");
    assert_eq!(r.status, 200);
    validate_hit_lines(&r.body);
    // The Atom feed, newest first.
    let r = srv.get("/feed.atom?q=Rohstoffe");
    assert_eq!(r.status, 200);
    assert!(r.text().starts_with("<?xml"));
    assert!(r.text().contains("<entry>"));
}

#[test]
fn media_is_served_from_the_roots_only_with_ranges() {
    let dir = empty_index();
    let root = dir.path().join("medien");
    std::fs::create_dir_all(root.join("2025")).unwrap();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    std::fs::write(root.join("2025/nachrichten.mp3"), &bytes).unwrap();
    std::fs::write(dir.path().join("geheim.txt"), b"geheim").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("geheim.txt"), root.join("link.mp3")).unwrap();
    let srv = Server::start(data_index(), &["--media-root", root.to_str().unwrap()]);
    let whole = srv.get("/media/2025/nachrichten.mp3");
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, bytes);
    assert_eq!(whole.header("content-type"), Some("audio/mpeg"));
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    let part = srv.get_with(
        "/media/2025/nachrichten.mp3",
        &[("Range", "bytes=1000-1999")],
    );
    assert_eq!(part.status, 206);
    assert_eq!(part.body, &bytes[1000..2000]);
    assert_eq!(part.header("content-range"), Some("bytes 1000-1999/10000"));
    let tail = srv.get_with("/media/2025/nachrichten.mp3", &[("Range", "bytes=-10")]);
    assert_eq!(tail.body, &bytes[9990..]);
    let past = srv.get_with("/media/2025/nachrichten.mp3", &[("Range", "bytes=20000-")]);
    assert_eq!(past.status, 416);
    for escape in [
        "/media/../geheim.txt",
        "/media/2025/../../geheim.txt",
        "/media/%2e%2e/geheim.txt",
        "/media/2025/%2E%2E/%2e%2e/geheim.txt",
        "/media/%2Fetc%2Fpasswd",
        "/media//etc/passwd",
        "/media/..%2Fgeheim.txt",
        "/media/link.mp3",
    ] {
        let r = srv.get(escape);
        assert_eq!(r.status, 404, "{escape}: {}", r.text());
        assert!(
            !r.text().contains("geheim") || r.text().contains("no such"),
            "{escape}"
        );
    }
}

#[test]
fn the_openapi_document_describes_every_path() {
    let srv = Server::start(data_index(), &[]);
    let doc = srv.json("/api/openapi.json", 200);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/search",
        "/api/items/{id}",
        "/api/trend",
        "/api/stats",
        "/api/health",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    // The schemas it refers to are served beside it.
    let r = srv.get("/api/schema/hit.v1.schema.json");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["title"], "archivar search result line, version 1");
    assert_eq!(srv.get("/api/schema/..%2FCargo.toml").status, 404);
}

/// Subtitles from `../shared/subtitles` (not part of the project; the
/// test says so and passes over them when they are absent).
#[test]
fn subtitle_hits_have_their_time_on_the_shared_subtitles() {
    let dir = Path::new(ROOT).join("../shared/subtitles/srt-words");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let idx = index_of(&dir);
    let srv = Server::start(idx.path(), &[]);
    let v = srv.json("/api/search?q=Impfstoff&limit=10", 200);
    let hits = v["hits"].as_array().unwrap();
    let (id, start) = hits
        .iter()
        .find_map(|h| {
            let s = h["snippets"]
                .as_array()?
                .iter()
                .find(|s| s["start"].is_number())?;
            Some((h["id"].as_str()?.to_string(), s["start"].as_f64()?))
        })
        .unwrap_or_else(|| panic!("a timed snippet in {v}"));
    let part = srv.json(
        &format!("/api/items/{}?at={}&context=0", enc(&id), start as u64),
        200,
    );
    assert_eq!(part["blocks"].as_array().map(Vec::len), Some(1), "{part}");
    assert_valid("item.v1.schema.json", &part);
    // The page shows the snippet's time as the CLI does.
    let html = srv.get("/?q=Impfstoff").text();
    assert!(html.contains("<a class=\"time\" href="), "{html}");
}

/// A copy of `data/`'s radio subtitle with a sidecar naming its recording,
/// and a media folder holding it: (folder to index, media root).
fn subtitle_with_media(dir: &Path) -> (PathBuf, PathBuf) {
    let src = dir.join("sendungen");
    let media = dir.join("medien");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(media.join("2025")).unwrap();
    let name = "hoerfunk-nachrichten-2025-02-20.srt";
    std::fs::copy(data_dir().join("subtitles").join(name), src.join(name)).unwrap();
    std::fs::write(
        src.join(format!("{name}.json")),
        r#"{"program": "Deutschlandfunk", "title": "Nachrichten, 20:00 Uhr", "media": "2025/nachrichten 20 uhr.mp3"}"#,
    )
    .unwrap();
    std::fs::write(
        media.join("2025/nachrichten 20 uhr.mp3"),
        b"ID3 kein echter Ton",
    )
    .unwrap();
    (src, media)
}

#[test]
fn a_timed_hit_links_to_its_moment_and_the_player_starts_there() {
    let dir = empty_index();
    let (src, media) = subtitle_with_media(dir.path());
    let idx = index_of(&src);
    let srv = Server::start(idx.path(), &["--media-root", media.to_str().unwrap()]);
    let id = "hoerfunk-nachrichten-2025-02-20";
    // The item carries its media address in show --json too.
    let v = srv.json(&format!("/api/items/{id}"), 200);
    assert_eq!(v["media"], "2025/nachrichten 20 uhr.mp3");
    assert_valid("item.v1.schema.json", &v);
    // The snippet's time links to the item at that moment.
    let html = srv.get("/?q=Haushaltskrise").text();
    assert!(html.contains("t=17#here"), "{html}");
    let page = srv.get(&format!("/item/{id}?q=Haushaltskrise&t=17")).text();
    let audio = &page[page.find("<audio").expect("a player")..];
    let audio = &audio[..audio.find('>').unwrap()];
    assert!(
        audio.contains("nachrichten%2020%20uhr.mp3#t=17\""),
        "{audio}"
    );
    assert!(page.contains("<span id=\"here\"></span>"));
    assert!(page.contains("<mark id=\"m1\">Haushaltskrise</mark>"));
    // And the file is there to play.
    let r = srv.get("/media/2025/nachrichten%2020%20uhr.mp3");
    assert_eq!(
        (r.status, r.body.as_slice()),
        (200, &b"ID3 kein echter Ton"[..])
    );
    // Without --media-root a relative address gets no player.
    let srv = Server::start(idx.path(), &[]);
    assert!(
        !srv.get(&format!("/item/{id}?t=17"))
            .text()
            .contains("<audio")
    );
}

#[test]
fn hostile_media_addresses_get_no_player() {
    let srv = Server::start(data_index(), &[]);
    for id in ["hostile-script", "hostile-rlo"] {
        let page = srv.get(&format!("/item/{id}")).text();
        assert!(
            !page.contains("<audio") && !page.contains("<video"),
            "{page}"
        );
        assert!(!page.contains("src=\"javascript:"), "{page}");
    }
}

/// A bounded hostile-request run: 400 requests with parameters drawn from
/// every endpoint's names and from values that have broken parsers
/// (huge, negative, fractional numbers, bad dates and times, unbalanced
/// syntax, NUL, overlong UTF-8, right-to-left overrides, long text).
/// Every answer must come, be below 500, be JSON on the API and match the
/// OpenAPI document.
#[test]
fn hostile_requests_get_no_500_and_no_hang() {
    let srv = Server::start(data_index(), &[]);
    let names = [
        "q", "from", "to", "program", "speaker", "match", "sort", "limit", "offset", "snippets",
        "facets", "collapse", "by", "at", "context", "page", "t", "x",
    ];
    let long = "Rohstoffe ".repeat(500);
    let values = [
        "",
        "0",
        "-1",
        "1.5",
        "1e9",
        "4294967296",
        "18446744073709551616",
        "99999999999999999999",
        "2025-02-30",
        "31.12.99999",
        "0000-00-00",
        "12:61",
        "99:99:99",
        "1:2:3:4",
        "true",
        "maybe",
        "\"",
        "(",
        ")",
        "((((((((((a))))))))))",
        "-",
        "-Rente",
        "OR",
        "title:",
        "speaker:()",
        "%00",
        "%C0%AF",
        "%FF%FE",
        "%E2%80%AE",
        "%2e%2e%2f",
        "<script>",
        "Selenskyj",
        "Rohstoffe",
        "100%",
        "0%",
        "2<50%",
        "all",
        "any",
        "date",
        "relevance",
        "year",
        "century",
        &long,
    ];
    let paths = [
        "/api/search",
        "/api/trend",
        "/api/items/dlf-2025-02-13",
        "/api/items/%00",
        "/api/stats",
        "/",
        "/item/dlf-2025-02-13",
        "/export.csv",
        "/feed.atom",
    ];
    // A fixed linear congruential sequence: the same run every time.
    let mut seed: u64 = 0x5eed_a4c7_1a12;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as usize) % n
    };
    for _ in 0..400 {
        let path = paths[next(paths.len())];
        let mut target = format!("{path}?");
        for _ in 0..next(5) {
            let v = values[next(values.len())];
            let v = if v.starts_with('%') {
                v.to_string()
            } else {
                enc(v)
            };
            target.push_str(&format!("{}={v}&", names[next(names.len())]));
        }
        let started = Instant::now();
        let r = srv.get(&target);
        assert!(r.status < 500, "{target}: {} {}", r.status, r.text());
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{target} took {:?}",
            started.elapsed()
        );
        if path.starts_with("/api/") {
            assert_eq!(
                r.header("content-type"),
                Some("application/json"),
                "{target}"
            );
            check_openapi(&target, r.status, &r.json());
        }
    }
}

const HEAVY: &str =
    "/api/search?q=Rohstoffe+OR+Z%C3%B6lle+OR+Rente+OR+Ukraine&limit=100&snippets=10&facets=true";

/// `n` clients that send `target` at the same moment; their statuses,
/// error codes and Retry-After headers.
fn at_once(srv: &std::sync::Arc<Server>, n: usize, target: &str) -> Vec<(u16, String, bool)> {
    let start = std::sync::Arc::new(std::sync::Barrier::new(n));
    let clients: Vec<_> = (0..n)
        .map(|i| {
            let (srv, start) = (srv.clone(), start.clone());
            let target = format!("{target}&offset={i}");
            std::thread::spawn(move || {
                start.wait();
                let r = srv.get(&target);
                let code = if r.status == 200 {
                    String::new()
                } else {
                    r.json()["error"].as_str().unwrap_or("").to_string()
                };
                (r.status, code, r.header("retry-after").is_some())
            })
        })
        .collect();
    clients.into_iter().map(|c| c.join().unwrap()).collect()
}

/// More clients than search slots, fewer than slots and queue: each
/// waits its turn and gets its hits.
#[test]
fn concurrent_searches_within_the_queue_all_get_their_hits() {
    let srv = std::sync::Arc::new(Server::start(data_index(), &[]));
    for (status, code, _) in at_once(&srv, 24, HEAVY) {
        assert_eq!((status, code.as_str()), (200, ""));
    }
}

/// One slot and no queue: of clients that come at once, the ones that
/// find the slot taken get a 503 `busy` with Retry-After, none waits or
/// fails otherwise.
#[test]
fn searches_beyond_slots_and_queue_are_503_busy_with_retry_after() {
    let srv = std::sync::Arc::new(Server::start(
        data_index(),
        &["--max-searches", "1", "--queue", "0"],
    ));
    let replies = at_once(&srv, 24, HEAVY);
    let busy = replies.iter().filter(|r| r.0 == 503).count();
    for (status, code, retry) in &replies {
        match status {
            200 => {}
            503 => assert!(code == "busy" && *retry, "{code} {retry}"),
            other => panic!("{other} {code}"),
        }
    }
    assert!(busy > 0 && busy < 24, "{busy} of 24 were busy");
}

/// A request over `--timeout` is answered 503 `timeout` with
/// Retry-After and a reason, and the server goes on serving.
#[test]
fn a_search_over_the_timeout_is_503_timeout() {
    let srv = Server::start(data_index(), &["--timeout", "1ms"]);
    let words: Vec<String> = (0..120).map(|i| format!("Wort{i}+OR+Rente{i}")).collect();
    let r = srv.get(&format!(
        "/api/search?q={}&limit=100&snippets=10&facets=true",
        words.join("+OR+")
    ));
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    let v = r.json();
    assert_error(&v, "timeout");
    assert!(
        v["reason"].as_str().unwrap().contains("longer than 1 ms"),
        "{v}"
    );
    check_openapi("/api/search", 503, &v);
}

#[test]
fn serve_refuses_a_timeout_without_unit_or_out_of_range() {
    for bad in ["10x", "0ms", "11m", "-1s", ""] {
        archivar_in(data_index())
            .args(["serve", &format!("--timeout={bad}")])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("--timeout"));
    }
}

/// A client that sends part of its headers and then nothing is cut off
/// after the header read timeout (10 s), and others are served meanwhile.
#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let srv = Server::start(data_index(), &[]);
    let mut s = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
    s.write_all(b"GET /api/search?q=Rente HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    let started = Instant::now();
    assert_eq!(srv.get("/api/health").status, 200);
    let mut buf = Vec::new();
    let closed = s.read_to_end(&mut buf);
    assert!(closed.is_ok(), "the server kept the connection: {closed:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "cut off after {:?}",
        started.elapsed()
    );
}
