//! archivar's plans on a real OpenSearch cluster (issue 14): the index
//! template from `schema/`, data/'s items as the cluster's documents, and
//! query plans lowered to query DSL match the same items as on the local
//! index.
//!
//! Needs a running cluster: `.ci/run` starts three nodes with
//! `opensearch/cluster start` and sets `ARCHIVAR_OPENSEARCH`
//! (`http://127.0.0.1:9200`). Without it these tests say so on stderr and
//! pass, so that `cargo test` works with the Rust toolchain alone.

mod common;

use archivar::index::Archive;
use archivar::index::template;
use archivar::item::Day;
use archivar::search::{self, Request, dsl};
use common::{archivar_in, data_dir};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;
use tantivy::TantivyDocument;
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::Field;

/// Tests share the cluster; the one that kills a node holds it alone
/// (an eval run beside it once failed). Each test keeps its guard in its
/// thread, which ends with the test; a guard left by an earlier test on
/// the same thread (one test thread) is dropped first.
static SHARED: std::sync::RwLock<()> = std::sync::RwLock::new(());

enum Guard {
    Shared(#[allow(dead_code)] std::sync::RwLockReadGuard<'static, ()>),
    Alone(#[allow(dead_code)] std::sync::RwLockWriteGuard<'static, ()>),
}

thread_local! {
    static GUARD: std::cell::RefCell<Option<Guard>> = const { std::cell::RefCell::new(None) };
}

/// The cluster's URL, or a notice that the tests are skipped; the test
/// shares the cluster with the others.
fn cluster() -> Option<String> {
    let url = cluster_url()?;
    GUARD.with(|g| {
        g.borrow_mut().take();
        let read = SHARED.read().unwrap_or_else(|e| e.into_inner());
        *g.borrow_mut() = Some(Guard::Shared(read));
    });
    Some(url)
}

/// [`cluster`], with the cluster to this test alone.
fn cluster_alone() -> Option<String> {
    let url = cluster_url()?;
    GUARD.with(|g| {
        g.borrow_mut().take();
        let write = SHARED.write().unwrap_or_else(|e| e.into_inner());
        *g.borrow_mut() = Some(Guard::Alone(write));
    });
    Some(url)
}

fn cluster_url() -> Option<String> {
    match std::env::var("ARCHIVAR_OPENSEARCH") {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_string()),
        _ => {
            // Straight to stderr, past the test harness's capture, so the
            // skip shows in every run.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "NOTICE: OpenSearch tests SKIPPED: ARCHIVAR_OPENSEARCH is not set \
                 (`opensearch/cluster start` prints the URL; .ci/run does this)"
            );
            None
        }
    }
}

/// A small HTTP client of the cluster: status and JSON body.
struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    fn new(base: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .build()
            .into();
        Client {
            base: base.to_string(),
            agent,
        }
    }

    fn send(&self, method: &str, path: &str, body: Option<(&str, String)>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let mut res = match (method, body) {
            ("GET", None) => self.agent.get(&url).call(),
            ("DELETE", None) => self.agent.delete(&url).call(),
            ("PUT", Some((kind, b))) => self.agent.put(&url).content_type(kind).send(b),
            ("POST", Some((kind, b))) => self.agent.post(&url).content_type(kind).send(b),
            ("POST", None) => self.agent.post(&url).send_empty(),
            other => panic!("no such request: {other:?}"),
        }
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    fn json(&self, method: &str, path: &str, body: &Value) -> Value {
        let (status, v) = self.send(method, path, Some(("application/json", body.to_string())));
        assert!(status < 300, "{method} {path}: {status} {v}");
        v
    }
}

/// data/ indexed locally, then sent to the cluster as index `name` made
/// from the template: the local archive, and the number of items.
fn load(c: &Client, name: &str) -> (tempfile::TempDir, Archive, usize) {
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    archivar_in(&idx)
        .arg("index")
        .arg("-q")
        .arg(data_dir())
        .assert()
        .success();
    let archive = Archive::open(&idx).unwrap();
    let _ = c.send("DELETE", &format!("/{name}"), None);
    c.json(
        "PUT",
        &format!("/{name}"),
        &template::template(&archive.schema, 3, 1),
    );
    let searcher = archive.reader().unwrap().searcher();
    let mut bulk = String::new();
    let mut n = 0;
    for (ord, seg) in searcher.segment_readers().iter().enumerate() {
        for doc_id in seg.doc_ids_alive() {
            let stored: TantivyDocument = searcher
                .doc(tantivy::DocAddress::new(ord as u32, doc_id))
                .unwrap();
            let item = archive.stored_item(&stored).unwrap();
            let source = template::item_source(&archive, &item).unwrap();
            bulk.push_str(&json!({ "index": { "_id": item.id } }).to_string());
            bulk.push('\n');
            bulk.push_str(&source.to_string());
            bulk.push('\n');
            n += 1;
        }
    }
    let (status, v) = c.send(
        "POST",
        &format!("/{name}/_bulk?refresh=wait_for"),
        Some(("application/x-ndjson", bulk)),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["errors"], false, "{v}");
    (dir, archive, n)
}

fn names(archive: &Archive) -> impl Fn(Field) -> String + '_ {
    |f| archive.schema.schema.get_field_name(f).to_string()
}

#[test]
fn the_template_is_taken_and_its_version_kept() {
    let Some(url) = cluster() else { return };
    let c = Client::new(&url);
    let (_dir, archive, n) = load(&c, "archivar-test-template");
    let v = c.json("POST", "/archivar-test-template/_count", &json!({}));
    assert_eq!(v["count"].as_u64(), Some(n as u64));
    let (_, m) = c.send("GET", "/archivar-test-template/_mapping", None);
    assert_eq!(
        m["archivar-test-template"]["mappings"]["_meta"][template::VERSION_KEY],
        archive.schema.version
    );
    // dynamic: strict: a field the schema does not know is refused.
    let (status, _) = c.send(
        "PUT",
        "/archivar-test-template/_doc/x",
        Some(("application/json", json!({ "unbekannt": 1 }).to_string())),
    );
    assert_eq!(status, 400);
    c.send("DELETE", "/archivar-test-template", None);
}

/// Every query matches the same items on the cluster as on the local
/// index: words, compounds and their parts, name variants, phrases,
/// exclusions, dates and programmes.
#[test]
fn plans_match_the_same_items_on_the_cluster() {
    let Some(url) = cluster() else { return };
    let c = Client::new(&url);
    let (_dir, archive, _) = load(&c, "archivar-test-plans");
    let searcher = archive.reader().unwrap().searcher();
    let day = |s: &str| Day::parse(s).unwrap();
    let mut cases: Vec<Request> = [
        "Selenskyj Rohstoffe",
        "Zölle",
        "Windkraft",
        "Rente -Ukraine",
        "\"Verhandlungen über\"",
        "Wahl USA Trump",
        "Bundestagswahl",
        "Selenski",
    ]
    .into_iter()
    .map(Request::new)
    .collect();
    let mut dated = Request::new("Ukraine");
    dated.from = Some(day("2025-02-01"));
    dated.to = Some(day("2025-02-28"));
    cases.push(dated);
    let mut dlf = Request::new("Rohstoffe OR Zölle");
    dlf.programs = vec!["Deutschlandfunk".into()];
    cases.push(dlf);
    let mut any = 0;
    for req in &cases {
        let prepared = search::prepare(&archive, &searcher, req).unwrap();
        let local = searcher.search(prepared.query.as_ref(), &Count).unwrap();
        let query = dsl::query(&prepared.plan, &names(&archive));
        let remote = c.json(
            "POST",
            "/archivar-test-plans/_count",
            &json!({ "query": query }),
        );
        assert_eq!(
            remote["count"].as_u64(),
            Some(local as u64),
            "{:?}: {query}",
            req.query
        );
        eprintln!("{:?}: {local} items here and there", req.query);
        any += usize::from(local > 0);
    }
    assert!(any >= cases.len() - 1, "the queries match something");
    c.send("DELETE", "/archivar-test-plans", None);
}

/// With global term statistics (`dfs_query_then_fetch`), the cluster's
/// BM25 ranks the seed item first for "Selenskyj Rohstoffe", as the
/// local plan does before reranking.
#[test]
fn the_seed_ranks_first_on_the_cluster_too() {
    let Some(url) = cluster() else { return };
    let c = Client::new(&url);
    let (_dir, archive, _) = load(&c, "archivar-test-rank");
    let searcher = archive.reader().unwrap().searcher();
    let req = Request::new("Selenskyj Rohstoffe");
    let prepared = search::prepare(&archive, &searcher, &req).unwrap();
    let top = searcher
        .search(
            prepared.query.as_ref(),
            &TopDocs::with_limit(5).order_by_score(),
        )
        .unwrap();
    let local: Vec<String> = top
        .iter()
        .map(|(_, a)| {
            let d: TantivyDocument = searcher.doc(*a).unwrap();
            archive.stored_item(&d).unwrap().id
        })
        .collect();
    let v = c.json(
        "POST",
        "/archivar-test-rank/_search?search_type=dfs_query_then_fetch",
        &json!({
            "query": dsl::query(&prepared.plan, &names(&archive)),
            "size": 5,
            "_source": false,
        }),
    );
    let remote: Vec<String> = v["hits"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(remote.first(), Some(&"dlf-2025-02-13".to_string()), "{v}");
    assert_eq!(
        local.first(),
        remote.first(),
        "local {local:?}, cluster {remote:?}"
    );
    c.send("DELETE", "/archivar-test-rank", None);
}

/// The README's way without archivar on the cluster side: the template and
/// the bulk lines of `archivar export` load data/ whole.
#[test]
fn exported_bulk_lines_load_into_the_cluster() {
    let Some(url) = cluster() else { return };
    let c = Client::new(&url);
    let template = common::archivar()
        .args(["export", "--format", "opensearch-template"])
        .output()
        .unwrap();
    assert!(template.status.success());
    let bulk = common::archivar()
        .args(["export", "--format", "opensearch-bulk", "-q"])
        .arg(data_dir())
        .output()
        .unwrap();
    assert!(bulk.status.success());
    let name = "archivar-test-export";
    let _ = c.send("DELETE", &format!("/{name}"), None);
    let (s, v) = c.send(
        "PUT",
        &format!("/{name}"),
        Some((
            "application/json",
            String::from_utf8(template.stdout).unwrap(),
        )),
    );
    assert!(s < 300, "{v}");
    let (s, v) = c.send(
        "POST",
        &format!("/{name}/_bulk?refresh=wait_for"),
        Some((
            "application/x-ndjson",
            String::from_utf8(bulk.stdout).unwrap(),
        )),
    );
    assert!(s == 200 && v["errors"] == false, "{v}");
    let idx = tempfile::tempdir().unwrap();
    archivar_in(idx.path())
        .arg("index")
        .arg("-q")
        .arg(data_dir())
        .assert()
        .success();
    let v = c.json("POST", &format!("/{name}/_count"), &json!({}));
    assert_eq!(v["count"].as_u64(), Some(common::item_count(idx.path())));
    c.send("DELETE", &format!("/{name}"), None);
}

// ---------------------------------------------------------------------
// `archivar index --opensearch` and `archivar search --opensearch`.

/// data/ indexed by `archivar index --opensearch` into index `name`
/// (made anew), and locally into a temporary folder.
fn index_both(base: &str, name: &str) -> tempfile::TempDir {
    drop_index(base, name);
    let out = common::archivar()
        .args(["index", "--opensearch", &format!("{base}/{name}")])
        .arg(data_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("55 new"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    archivar_in(&dir.path().join("idx"))
        .args(["index", "-q"])
        .arg(data_dir())
        .assert()
        .success();
    dir
}

fn drop_index(base: &str, name: &str) {
    let c = Client::new(base);
    for n in [
        name.to_string(),
        format!("{name}-vocabulary"),
        format!("{name}-files"),
    ] {
        let _ = c.send("DELETE", &format!("/{n}"), None);
    }
}

/// The `--json` lines of a search, without what differs between engines
/// by nature (the time taken); scores are compared apart ([`assert_same`]).
fn search_lines(cmd: &mut assert_cmd::Command) -> Vec<Value> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Some(o) = v.as_object_mut() {
                o.remove("elapsed_ms");
            }
            v
        })
        .collect()
}

/// The two outputs agree: the same lines, and the same hits in the same
/// order except where scores tie (the local index orders equal scores by
/// where its writer threads put the items, so a tie may also fall at the
/// page's end), each id with the same fields and snippets, and scores
/// within 1 % (norms are encoded alike, but a phrase scores by
/// `span_near` on the cluster).
fn assert_same(local: &[Value], cluster: &[Value], what: &str) {
    assert_eq!(
        local.len(),
        cluster.len(),
        "{what}: {local:#?}\n{cluster:#?}"
    );
    let by_id = |lines: &[Value]| -> std::collections::BTreeMap<String, Value> {
        lines
            .iter()
            .filter(|l| l["type"] == "hit")
            .map(|l| {
                let mut l = l.clone();
                let o = l.as_object_mut().unwrap();
                o.remove("score");
                o.remove("rank");
                (l["id"].as_str().unwrap().to_string(), l)
            })
            .collect()
    };
    let (lb, cb) = (by_id(local), by_id(cluster));
    for (id, c) in &cb {
        if let Some(l) = lb.get(id) {
            assert_eq!(l, c, "{what}: hit {id}");
        }
    }
    let close = |a: &Value, b: &Value| match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-2 * a.abs().max(1.0),
        (None, None) => true,
        _ => false,
    };
    for (i, (l, c)) in local.iter().zip(cluster).enumerate() {
        if l["type"] != "hit" {
            assert_eq!(l, c, "{what}: line {i}");
            continue;
        }
        assert!(
            close(&l["score"], &c["score"]),
            "{what}: scores {} and {} at rank {}",
            l["score"],
            c["score"],
            i + 1
        );
        if l["id"] != c["id"] {
            // A tie: the two are equal in score (checked above), or in
            // date when sorted by date.
            assert!(
                l["score"].is_number() || l["date"] == c["date"],
                "{what}: rank {} is {} locally, {} on the cluster",
                i + 1,
                l["id"],
                c["id"]
            );
        }
    }
    let differ = lb.keys().filter(|id| !cb.contains_key(*id)).count();
    assert!(differ <= 2, "{what}: {differ} hits differ: {lb:?}\n{cb:?}");
}

#[test]
fn index_and_search_through_archivar_give_the_local_results() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-cli";
    let dir = index_both(&base, name);
    let idx = dir.path().join("idx");
    let target = format!("{base}/{name}");
    let cases: Vec<Vec<&str>> = vec![
        vec!["Selenskyj Rohstoffe"],
        vec!["Selenskyj Rohstoffe", "--from", "2025-02-01"],
        vec!["Zölle"],
        vec!["Nachrichten"],
        vec!["Wehrpflicht", "-n", "3", "--offset", "1"],
        vec!["Zölle", "--program", "Deutschlandfunk"],
        vec!["Zölle", "--speaker", "Wiesinger"],
        vec!["\"seltene Erden\""],
        vec!["Merz", "--sort", "date", "--to", "2025-03-01"],
        vec!["Zölle", "--no-collapse"],
        vec!["Trump", "--facets"],
        vec!["Wörterdienichtvorkommen"],
    ];
    for case in &cases {
        let local = search_lines(archivar_in(&idx).arg("search").arg("--json").args(case));
        let remote = search_lines(
            common::archivar()
                .args(["search", "--json", "--opensearch", &target])
                .args(case),
        );
        assert_same(&local, &remote, &case.join(" "));
    }
    // The seed is first, with its snippet, in the terminal too.
    let out = common::archivar()
        .args(["search", "Selenskyj Rohstoffe", "--opensearch", &target])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let local = archivar_in(&idx)
        .args(["search", "Selenskyj Rohstoffe"])
        .output()
        .unwrap();
    assert_eq!(
        text.lines().take(8).collect::<Vec<_>>(),
        String::from_utf8_lossy(&local.stdout)
            .lines()
            .take(8)
            .collect::<Vec<_>>()
    );
    drop_index(&base, name);
}

#[test]
fn indexing_again_replaces_and_keeps_the_vocabulary_exact() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-again";
    let _dir = index_both(&base, name);
    let target = format!("{base}/{name}");
    // As a run that stopped between the items and their terms leaves it.
    let c = Client::new(&base);
    c.json(
        "PUT",
        &format!("/{name}-vocabulary/_doc/%01loading"),
        &json!({ "field": "\u{1}loading", "term": "\u{1}loading", "df": 0 }),
    );
    // --force: read the unchanged files again too.
    let out = common::archivar()
        .args(["index", "--force", "--opensearch", &target])
        .arg(data_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("stopped before it wrote the vocabulary"),
        "{stderr}"
    );
    let (status, _) = c.send("GET", &format!("/{name}-vocabulary/_doc/%01loading"), None);
    assert_eq!(status, 404, "a finished load leaves no mark");
    assert!(
        stderr.contains("0 new, 55 replaced") && stderr.contains("(55 items in all)"),
        "{stderr}"
    );
    // A term's frequency counts each item once, however often indexed.
    assert_vocabulary_counts(&c, name, "selenskyj");
    drop_index(&base, name);
}

#[test]
fn an_item_the_cluster_refuses_is_reported_with_its_file_and_line() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-refused";
    drop_index(&base, name);
    let c = Client::new(&base);
    // The index of this schema version, but with titles as numbers: every
    // item with a title is refused by the cluster.
    let archive = Archive::in_memory().unwrap();
    let mut t = template::template(&archive.schema, 1, 0);
    t["mappings"]["properties"]["title"] = json!({ "type": "integer" });
    c.json("PUT", &format!("/{name}"), &t);
    let out = common::archivar()
        .args(["index", "--opensearch", &format!("{base}/{name}")])
        .arg(data_dir().join("archive.jsonl"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("archive.jsonl:1: the cluster refused item")
            && stderr.contains("mapper_parsing_exception"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    drop_index(&base, name);
}

#[test]
fn an_index_of_another_schema_version_is_refused_with_a_rebuild_hint() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-version";
    drop_index(&base, name);
    let c = Client::new(&base);
    let archive = Archive::in_memory().unwrap();
    let mut t = template::template(&archive.schema, 1, 0);
    t["mappings"]["_meta"][template::VERSION_KEY] = json!(1);
    c.json("PUT", &format!("/{name}"), &t);
    for args in [
        vec!["search", "Zölle"],
        vec!["index", data_dir().to_str().unwrap()],
    ] {
        let out = common::archivar()
            .args(&args)
            .args(["--opensearch", &format!("{base}/{name}")])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("schema version 1") && stderr.contains("--rebuild"),
            "{stderr}"
        );
    }
    drop_index(&base, name);
}

#[test]
fn a_bad_or_unreachable_cluster_is_a_clear_error_not_a_panic() {
    // Needs no cluster: nothing listens on port 9 of loopback.
    for (target, says) in [
        ("127.0.0.1:9200/archivar", "does not start with http://"),
        ("http://127.0.0.1:9200", "names no index"),
        ("http://127.0.0.1:9200/Archivar", "lowercase"),
        (
            "http://127.0.0.1:9/archivar",
            "cannot reach the OpenSearch cluster",
        ),
    ] {
        for cmd in [vec!["search", "Zölle"], vec!["index", "data"]] {
            let out = common::archivar()
                .current_dir(common::ROOT)
                .args(&cmd)
                .args(["--opensearch", target])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{target}: {stderr}");
            assert!(stderr.contains(says), "{target}: {stderr}");
            assert!(!stderr.contains("panicked"), "{target}: {stderr}");
        }
    }
    // The environment names the cluster when the flag does not.
    let out = common::archivar()
        .env("ARCHIVAR_OPENSEARCH", "http://127.0.0.1:9/archivar")
        .args(["search", "Zölle"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach"));
}

/// The plan of `req` against the cluster's vocabulary (fetching what it
/// lacks in rounds) and the rounds it took.
fn remote_plan(
    cluster: &archivar::cluster::Cluster,
    archive: &Archive,
    req: &Request,
) -> (search::Planned, usize) {
    let v = archivar::cluster::vocabulary::Remote::new(cluster, &archive.schema);
    let planned = v
        .settle(|v| search::plan(&archive.schema, v, req))
        .unwrap()
        .unwrap();
    (planned, v.rounds())
}

#[test]
fn query_building_asks_the_vocabulary_in_few_rounds_and_keeps_the_answers() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-rounds";
    let dir = index_both(&base, name);
    let local = Archive::open(&dir.path().join("idx")).unwrap();
    let searcher = local.reader().unwrap().searcher();
    let cluster = archivar::cluster::Cluster::parse(&format!("{base}/{name}")).unwrap();
    let archive = Archive::in_memory().unwrap();
    // Compounds (prefix and head lookups), a name variant, a phrase, a
    // word no item holds, and a programme filter (the field's values).
    let reqs = [
        Request::new("Selenskyj Rohstoffe"),
        Request::new("Rohstoffabkommen Zölle"),
        Request::new("\"seltene Erden\" Wehrpflicht"),
        Request::new("Wörterdienichtvorkommen Nachrichten"),
        Request {
            programs: vec!["Deutschlandfunk".into(), "Radio Nirgendwo".into()],
            ..Request::new("Zölle")
        },
    ];
    for req in &reqs {
        let q = &req.query;
        let (remote, rounds) = remote_plan(&cluster, &archive, req);
        // One round a step of lookups that depend on earlier answers:
        // stems, then the compounds their frequencies call for.
        assert!((1..=4).contains(&rounds), "{q}: {rounds} rounds");
        let vocabulary = search::vocabulary::Local::new(&local, &searcher);
        let planned = search::plan(&local.schema, &vocabulary, req).unwrap();
        assert_eq!(remote.plan, planned.plan, "{q}");
        assert_eq!(remote.passage, planned.passage, "{q}");
        assert_eq!(remote.notes, planned.notes, "{q}");
    }
    // The same process asks nothing again (only the generation is read).
    for req in &reqs {
        let (_, rounds) = remote_plan(&cluster, &archive, req);
        assert_eq!(rounds, 0, "{} a second time", req.query);
    }
    // A load (here of the same files) marks a new generation: the kept
    // answers are dropped and fetched again.
    common::archivar()
        .args(["index", "-q", "--opensearch", &format!("{base}/{name}")])
        .arg(data_dir())
        .assert()
        .success();
    let (_, rounds) = remote_plan(&cluster, &archive, &reqs[0]);
    assert!(rounds >= 1, "after a load: {rounds} rounds");
    drop_index(&base, name);
}

/// `archivar [GLOBAL] eval --queries Q --qrels R [ARGS] --json`, as JSON.
fn eval_json(global: &[&str], args: &[&str], queries: &Path, qrels: &Path) -> Value {
    let out = common::archivar()
        .args(global)
        .arg("eval")
        .arg("--queries")
        .arg(queries)
        .arg("--qrels")
        .arg(qrels)
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn eval_through_the_cluster_scores_as_the_local_index() {
    let Some(base) = cluster() else { return };
    let eval = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval");
    if !eval.join("corpus.jsonl").exists() {
        eprintln!("NOTICE: ../shared/eval is not there; eval through the cluster not tested");
        return;
    }
    // The first 300 items of the judged set, and 150 queries whose
    // relevant items are among them: a run of some seconds.
    let dir = tempfile::tempdir().unwrap();
    let corpus = std::fs::read_to_string(eval.join("corpus.jsonl")).unwrap();
    let part: Vec<&str> = corpus.lines().take(300).collect();
    let ids: HashSet<String> = part
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let judged = std::fs::read_to_string(eval.join("qrels.txt")).unwrap();
    let qrels: Vec<&str> = judged
        .lines()
        .filter(|l| l.split_whitespace().nth(2).is_some_and(|d| ids.contains(d)))
        .collect();
    let qids: HashSet<&str> = qrels
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let all = std::fs::read_to_string(eval.join("queries.tsv")).unwrap();
    let queries: Vec<&str> = all
        .lines()
        .filter(|l| l.split('\t').next().is_some_and(|q| qids.contains(q)))
        .take(150)
        .collect();
    assert_eq!(queries.len(), 150);
    let asked: HashSet<&str> = queries
        .iter()
        .filter_map(|l| l.split('\t').next())
        .collect();
    let qrels: Vec<&str> = qrels
        .into_iter()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|q| asked.contains(q))
        })
        .collect();
    let (items, qf, rf) = (
        dir.path().join("part.jsonl"),
        dir.path().join("q.tsv"),
        dir.path().join("qrels.txt"),
    );
    std::fs::write(&items, part.join("\n") + "\n").unwrap();
    std::fs::write(&qf, queries.join("\n") + "\n").unwrap();
    std::fs::write(&rf, qrels.join("\n") + "\n").unwrap();
    let name = "archivar-test-eval";
    drop_index(&base, name);
    let target = format!("{base}/{name}");
    common::archivar()
        .args(["index", "-q", "--opensearch", &target])
        .arg(&items)
        .assert()
        .success();
    let idx = dir.path().join("idx");
    archivar_in(&idx)
        .args(["index", "-q"])
        .arg(&items)
        .assert()
        .success();
    let local = eval_json(&["-i", idx.to_str().unwrap()], &[], &qf, &rf);
    let remote = eval_json(&[], &["--opensearch", &target], &qf, &rf);
    drop_index(&base, name);
    assert_eq!(local["queries"], remote["queries"]);
    assert_eq!(local["queries"].as_u64(), Some(queries.len() as u64));
    for m in ["MRR@10", "nDCG@10", "Recall@10", "Recall@100"] {
        let (l, r) = (local[m].as_f64().unwrap(), remote[m].as_f64().unwrap());
        // Issue 14's target; the ranking is not trivial on either side.
        assert!(l > 0.3, "{m} {l} locally");
        assert!(
            (l - r).abs() <= 0.01,
            "{m}: {l} locally, {r} on the cluster"
        );
    }
}

/// The stdout and exit code of a command.
fn run(cmd: &mut assert_cmd::Command) -> (String, Option<i32>) {
    let out = cmd.output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code())
}

#[test]
fn show_trend_and_stats_through_the_cluster_print_as_locally() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-read";
    let dir = index_both(&base, name);
    let idx = dir.path().join("idx");
    let target = format!("{base}/{name}");
    let both = |args: &[&str]| {
        let local = run(archivar_in(&idx).args(args));
        let remote = run(common::archivar()
            .args(args)
            .args(["--opensearch", &target]));
        (local, remote)
    };
    let shows: Vec<Vec<&str>> = vec![
        vec!["show", "--json", "dlf-2025-02-13"],
        vec!["show", "--json", "wdr5-2025-04-03-0700"],
        vec![
            "show",
            "--json",
            "hoerfunk-nachrichten-2025-02-20",
            "--at",
            "0:20",
        ],
        vec!["show", "dlf-2025-02-13", "--color", "never"],
    ];
    for args in &shows {
        let (local, remote) = both(args);
        assert_eq!(local.1, Some(0), "{args:?}");
        assert!(
            local.0.contains("\"id\"") || local.0.contains("Rohstoff"),
            "{args:?}"
        );
        assert_eq!(local, remote, "{args:?}");
    }
    // An id the archive lacks: exit 1, naming where it was looked for.
    let out = common::archivar()
        .args(["show", "Xylophonwettbewerb-0", "--opensearch", &target])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&target));
    let trends: Vec<Vec<&str>> = vec![
        vec!["trend", "--json", "Zölle"],
        vec!["trend", "--json", "Zölle", "--by", "week"],
        vec![
            "trend",
            "--json",
            "Nachrichten",
            "--by",
            "day",
            "--from",
            "2025-02-01",
        ],
        vec![
            "trend",
            "--json",
            "Rohstoffe",
            "--program",
            "Deutschlandfunk",
            "--by",
            "year",
        ],
        vec!["trend", "--json", "Wörterdienichtvorkommen"],
        vec!["trend", "Merz", "--csv"],
    ];
    for args in &trends {
        let (local, remote) = both(args);
        assert_eq!(local, remote, "{args:?}");
    }
    let (local, _) = both(&["trend", "--json", "Zölle", "--by", "week"]);
    let v: Value = serde_json::from_str(&local.0).unwrap();
    assert_eq!(v["total"], 8, "{v}");
    // stats: the same but for where the index is and its size.
    let (local, remote) = both(&["stats", "--json"]);
    let strip = |s: &str| {
        let mut v: Value = serde_json::from_str(s).unwrap();
        let o = v.as_object_mut().unwrap();
        assert!(o.remove("index").is_some());
        assert!(o.remove("index_bytes").unwrap().as_u64().unwrap() > 0);
        v
    };
    let (l, r) = (strip(&local.0), strip(&remote.0));
    assert_eq!(l["items"], 55, "{l}");
    assert_eq!(l, r);
    drop_index(&base, name);
}

#[test]
fn trend_tables_and_shares_through_the_cluster_print_as_locally() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-table";
    let dir = index_both(&base, name);
    let idx = dir.path().join("idx");
    let target = format!("{base}/{name}");
    let cases: Vec<Vec<&str>> = vec![
        vec!["--json", "Zölle", "Merz"],
        vec!["--json", "Zölle", "Merz", "Trump", "--by", "week"],
        vec!["--json", "Zölle", "--per", "1000"],
        vec!["--json", "Zölle", "Ukraine", "--per", "100", "--by", "year"],
        vec![
            "--json",
            "Ukraine",
            "Merz",
            "--from",
            "2025-01-01",
            "--to",
            "2025-03-31",
            "--per",
            "1000",
        ],
        vec![
            "--json",
            "Ukraine",
            "Merz",
            "--program",
            "Deutschlandfunk",
            "--per",
            "10",
        ],
        vec![
            "--json",
            "Ukraine",
            "Merz",
            "--speaker",
            "Schulz",
            "--per",
            "10",
        ],
        vec!["--json", "Wörterdienichtvorkommen", "Merz", "--per", "10"],
        vec!["--json", "Wörterdienichtvorkommen", "Xylophon"],
        vec!["--csv", "Zölle", "Merz", "--per", "1000"],
        vec!["Zölle", "Merz", "--per", "1000", "--color", "never"],
        // One query with a speaker: the speaker must have said the words
        // (Sandra Schulz speaks in two items that match "Ukraine", says it in one).
        vec!["--json", "Ukraine", "--speaker", "Schulz"],
        vec!["--json", "Bundeswehr", "--speaker", "Heckmann"],
    ];
    for args in &cases {
        let local = archivar_in(&idx).arg("trend").args(args).output().unwrap();
        let remote = common::archivar()
            .arg("trend")
            .args(args)
            .args(["--opensearch", &target])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&local.stdout),
            String::from_utf8_lossy(&remote.stdout),
            "{args:?}"
        );
        assert_eq!(local.stderr, remote.stderr, "{args:?}");
        assert_eq!(local.status.code(), remote.status.code(), "{args:?}");
    }
    // The cases are not empty: shares, and the speaker's one item.
    let out = archivar_in(&idx)
        .args(["trend", "--json", "Zölle", "Merz", "--per", "1000"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("share"));
    let out = archivar_in(&idx)
        .args(["trend", "--json", "Ukraine", "--speaker", "Schulz"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 1, "{v}");
    drop_index(&base, name);
}

#[test]
fn explain_through_the_cluster_says_what_the_local_index_says_but_bm25() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-explain";
    let dir = index_both(&base, name);
    let idx = dir.path().join("idx");
    let target = format!("{base}/{name}");
    let cases: Vec<Vec<&str>> = vec![
        vec!["Selenskyj Rohstoffe"],
        vec!["Zölle"],
        vec!["\"seltene Erden\""],
        vec!["Selenski"],
        vec!["Klima"],
        vec!["Wehrpflicht"],
        vec!["Merz", "--sort", "date"],
        vec!["Regierung", "-n", "30"],
        // Not "Rohstoffabkommen": the cluster matches one item more there
        // (the seed), a difference of search itself, not of --explain.
        vec!["Zölle Merz", "--no-collapse"],
    ];
    let mut compared = 0;
    for case in &cases {
        let what = case.join(" ");
        let args = |cmd: &mut assert_cmd::Command| {
            cmd.args(["search", "--json", "--explain"]).args(case);
        };
        let mut l = archivar_in(&idx);
        args(&mut l);
        let mut r = common::archivar();
        args(&mut r);
        r.args(["--opensearch", &target]);
        let (mut local, mut remote) = (search_lines(&mut l), search_lines(&mut r));
        let take = |lines: &mut Vec<Value>| -> std::collections::BTreeMap<String, Value> {
            lines
                .iter_mut()
                .filter(|h| h["type"] == "hit")
                .map(|h| {
                    let e = h.as_object_mut().unwrap().remove("explain").unwrap();
                    (h["id"].as_str().unwrap().to_string(), e)
                })
                .collect()
        };
        let (le, re) = (take(&mut local), take(&mut remote));
        assert_same(&local, &remote, &what);
        assert!(!le.is_empty(), "{what}: no hits");
        for (id, l) in &le {
            let Some(r) = re.get(id) else { continue };
            let (mut l, mut r) = (l.clone(), r.clone());
            let (l, r) = (l.as_object_mut().unwrap(), r.as_object_mut().unwrap());
            assert!(
                l.remove("note").is_none(),
                "{what}: {id} has a note locally"
            );
            assert!(
                r.remove("note")
                    .and_then(|n| n.as_str().map(|n| n.contains("OpenSearch's")))
                    .unwrap_or(false),
                "{what}: {id} on the cluster does not say whose bm25 it is: {r:?}"
            );
            let (lb, rb) = (
                l.remove("bm25").unwrap().as_f64().unwrap(),
                r.remove("bm25").unwrap().as_f64().unwrap(),
            );
            assert!(
                (lb - rb).abs() <= 0.02 * lb.abs().max(1.0),
                "{what}: {id} bm25 {lb} locally, {rb} on the cluster"
            );
            l.remove("score");
            r.remove("score");
            // The forms, weights, idf, passage and story: the same.
            assert_eq!(l, r, "{what}: {id}");
            compared += 1;
        }
    }
    assert!(compared >= 40, "{compared} explanations compared");
    // In the terminal: whose BM25 it is, and the note once on stderr.
    let out = common::archivar()
        .args(["search", "Zölle", "--explain", "--color", "never"])
        .args(["--opensearch", &target])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(stdout.contains("= BM25 (OpenSearch) "), "{stdout}");
    assert!(stdout.contains("Zölle → \"Zölle\" ×2 [word]"), "{stdout}");
    assert_eq!(
        stderr
            .matches("note: --explain on the cluster: bm25 is OpenSearch's")
            .count(),
        1,
        "{stderr}"
    );
    let local = archivar_in(&idx)
        .args(["search", "Zölle", "--explain", "--color", "never"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&local.stdout).contains("= BM25 4."));
    assert!(
        local.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
    drop_index(&base, name);
}

#[test]
fn kwic_through_the_cluster_prints_as_locally() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-kwic";
    let dir = index_both(&base, name);
    let idx = dir.path().join("idx");
    let target = format!("{base}/{name}");
    let cases: Vec<Vec<&str>> = vec![
        vec!["--json", "Zölle"],
        vec!["--json", "Zölle", "--sort", "date"],
        vec!["--json", "Merz", "--sort", "left", "-w", "20"],
        vec!["--json", "Trump", "--sort", "right", "-n", "5"],
        vec!["--json", "Nachrichten", "--sort", "date"],
        vec!["--json", "\"seltene Erden\""],
        vec!["--json", "Selenski"],
        vec!["--json", "Ukraine", "--from", "2025-02-01"],
        vec!["--json", "Zölle", "--speaker", "Wiesinger"],
        vec!["--json", "Zölle", "--program", "Deutschlandfunk"],
        vec!["--csv", "Rohstoffe"],
        vec!["Zölle", "--color", "never"],
        vec!["--json", "Wörterdienichtvorkommen"],
    ];
    let mut lines = 0;
    for args in &cases {
        let local = archivar_in(&idx).arg("kwic").args(args).output().unwrap();
        let remote = common::archivar()
            .arg("kwic")
            .args(args)
            .args(["--opensearch", &target])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&local.stdout),
            String::from_utf8_lossy(&remote.stdout),
            "{args:?}"
        );
        assert_eq!(local.stderr, remote.stderr, "{args:?}");
        assert_eq!(local.status.code(), remote.status.code(), "{args:?}");
        lines += local.stdout.iter().filter(|&&b| b == b'\n').count();
    }
    // Ties (five items score alike for "Merz") and several occurrences.
    assert!(lines > 60, "{lines} lines in all");
    drop_index(&base, name);
}

/// `archivar --index IDX serve --bind 127.0.0.1:0 ARGS…`, once it says
/// where it listens: the process, its base URL and that first line.
fn serve(index: &Path, args: &[&str]) -> (std::process::Child, String, String) {
    use std::io::BufRead;
    let mut child = common::archivar_process(index)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    let line = lines.next().unwrap().unwrap();
    let port: u16 = line
        .split(" on http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://127.0.0.1:{port}"), line)
}

#[test]
fn serve_through_the_cluster_answers_as_the_local_index() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-serve";
    let dir = index_both(&base, name);
    let idx = dir.path().join("idx");
    let target = format!("{base}/{name}");
    let (mut local, l, _) = serve(&idx, &[]);
    let (mut remote, r, remote_says) = serve(&dir.path().join("none"), &["--opensearch", &target]);
    assert!(
        remote_says.contains(&format!("serving {target} (OpenSearch) on ")),
        "{remote_says}"
    );
    let c = Client::new("");
    let get = |url: String| {
        let (status, mut v) = c.send("GET", &url, None);
        if let Some(s) = v.get_mut("summary").and_then(Value::as_object_mut) {
            s.remove("elapsed_ms");
        }
        (status, v)
    };
    let paths = [
        "/api/search?q=Selenskyj+Rohstoffe",
        "/api/search?q=Z%C3%B6lle&program=Deutschlandfunk&facets=true",
        "/api/search?q=Merz&sort=date&limit=3",
        "/api/search?q=Xylophonwettbewerb",
        "/api/search?q=%22seltene",
        "/api/items/dlf-2025-02-13",
        "/api/items/nix-da",
        "/api/trend?q=Z%C3%B6lle&by=week",
        "/api/health",
    ];
    // Twice: the second time from the vocabulary's kept answers.
    for round in 0..2 {
        for p in paths {
            let (ls, lv) = get(format!("{l}{p}"));
            let (rs, rv) = get(format!("{r}{p}"));
            assert_eq!(ls, rs, "{p}: {lv}\n{rv}");
            if p.starts_with("/api/search") && ls == 200 {
                let lines = |v: &Value| -> Vec<Value> {
                    let mut out: Vec<Value> = v["hits"].as_array().unwrap().clone();
                    out.push(v["summary"].clone());
                    out
                };
                assert_same(&lines(&lv), &lines(&rv), p);
                assert_eq!(lv["notes"], rv["notes"], "{p}");
            } else {
                assert_eq!(lv, rv, "{p} (round {round})");
            }
        }
    }
    let (_, lv) = get(format!("{l}/api/search?q=Selenskyj+Rohstoffe"));
    assert_eq!(lv["hits"][0]["id"], "dlf-2025-02-13");
    let (_, s) = get(format!("{r}/api/stats"));
    assert_eq!(s["items"], 55);
    assert_eq!(s["index"], target.as_str());
    // The page: the seed first, as locally.
    let page = |u: &str| {
        let mut res = ureq::get(&format!("{u}/?q=Selenskyj+Rohstoffe"))
            .call()
            .unwrap();
        res.body_mut().read_to_string().unwrap()
    };
    let (lp, rp) = (page(&l), page(&r));
    let first = |html: &str| {
        html.find("dlf-2025-02-13")
            .is_some_and(|i| i < html.find("tt-2025").unwrap_or(usize::MAX))
    };
    assert!(first(&lp) && first(&rp));
    let _ = (local.kill(), remote.kill(), local.wait(), remote.wait());
    drop_index(&base, name);
}

/// A copy of `from` in `to`, symbolic links followed (data/'s seed is one).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The stderr of a successful `archivar index --opensearch TARGET ARGS…`.
fn index_into(target: &str, args: &[&str], path: &Path) -> String {
    let out = common::archivar()
        .args(["index", "--opensearch", target])
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

#[test]
fn unchanged_files_are_skipped_and_prune_deletes_the_items_of_files_gone() {
    let Some(base) = cluster() else { return };
    let name = "archivar-test-prune";
    drop_index(&base, name);
    let target = format!("{base}/{name}");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_tree(&data_dir(), &data);
    let first = index_into(&target, &[], &data);
    assert!(first.contains("55 new, 0 replaced"), "{first}");
    // Again: nothing is read, nothing sent.
    let again = index_into(&target, &[], &data);
    assert!(
        again.contains("indexed 0 items (0 new, 0 replaced) from 0 files")
            && again.contains("55 items unchanged in 33 files skipped")
            && again.contains("(55 items in all)"),
        "{again}"
    );
    // A changed file: its items taken out go, as locally.
    let jsonl = data.join("archive.jsonl");
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dropped: Value = serde_json::from_str(lines[lines.len() - 1]).unwrap();
    let dropped = dropped["id"].as_str().unwrap().to_string();
    std::fs::write(&jsonl, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    let changed = index_into(&target, &[], &data);
    assert!(
        changed.contains("from 1 file")
            && changed.contains("1 item taken out of changed files removed")
            && changed.contains("(54 items in all)"),
        "{changed}"
    );
    // A file gone: kept without --prune, deleted with it.
    std::fs::remove_file(data.join("dlf-2025-02-13.txt")).unwrap();
    let kept = index_into(&target, &[], &data);
    assert!(kept.contains("(54 items in all)"), "{kept}");
    let pruned = index_into(&target, &["--prune"], &data);
    assert!(
        pruned.contains("1 item removed with 1 file no longer there")
            && pruned.contains("(53 items in all)"),
        "{pruned}"
    );
    // The same as a local index of what is left, and the vocabulary
    // forgot the seed's words.
    let idx = tmp.path().join("idx");
    archivar_in(&idx)
        .args(["index", "-q"])
        .arg(&data)
        .assert()
        .success();
    for id in ["dlf-2025-02-13", dropped.as_str()] {
        let (_, code) = run(common::archivar().args(["show", id, "--opensearch", &target]));
        assert_eq!(code, Some(1), "{id} is gone");
    }
    let q = ["search", "--json", "Selenskyj Rohstoffe"];
    let local = search_lines(archivar_in(&idx).args(q));
    let remote = search_lines(common::archivar().args(q).args(["--opensearch", &target]));
    assert_same(&local, &remote, "after --prune");
    assert_vocabulary_counts(&Client::new(&base), name, "selenskyj");
    drop_index(&base, name);
}

/// The vocabulary's document frequency of the text term `term` is the
/// number of items of index `name` that hold it.
fn assert_vocabulary_counts(c: &Client, name: &str, term: &str) {
    let v = c.json(
        "POST",
        &format!("/{name}/_count"),
        &json!({ "query": { "term": { "text": term } } }),
    );
    let (_, doc) = c.send("GET", &format!("/{name}-vocabulary/_doc/text:{term}"), None);
    assert_eq!(doc["_source"]["df"], v["count"], "{doc}");
}

/// `opensearch/cluster ARGS…` (the launcher that started the cluster the
/// tests use), expecting success.
fn launcher(args: &[&str]) -> String {
    let out = std::process::Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("opensearch/cluster"),
    )
    .args(args)
    .output()
    .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "opensearch/cluster {args:?}: {text}");
    text
}

#[test]
fn a_node_killed_while_indexing_loses_nothing_and_search_goes_on_without_it() {
    let Some(base) = cluster_alone() else { return };
    // Only the launcher's own cluster can lose a node by its pid.
    let status = std::process::Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("opensearch/cluster"),
    )
    .arg("status")
    .output()
    .unwrap();
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    let port = base.rsplit(':').next().unwrap_or_default().to_string();
    if !status
        .lines()
        .any(|l| l.starts_with("n3 running") && l.contains(&format!("http {port}")))
        && !status
            .lines()
            .any(|l| l.starts_with("n1 running") && l.contains(&format!("http {port}")))
    {
        eprintln!(
            "NOTICE: the cluster at {base} is not the launcher's 3 nodes; node loss not tested"
        );
        return;
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/corpus.jsonl");
    if !corpus.exists() {
        eprintln!("NOTICE: ../shared/eval is not there; node loss not tested");
        return;
    }
    let name = "archivar-test-nodeloss";
    drop_index(&base, name);
    let target = format!("{base}/{name}");
    let c = Client::new(&base);
    let mut load = common::archivar_process(Path::new("/nonexistent"))
        .args(["index", "-q", "--opensearch", &target])
        .arg(&corpus)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Kill node 3 once some items are in.
    let t0 = std::time::Instant::now();
    loop {
        let (_, v) = c.send("GET", &format!("/{name}/_stats/indexing"), None);
        let n = v["_all"]["primaries"]["indexing"]["index_total"]
            .as_u64()
            .unwrap_or(0);
        if n >= 200 {
            break;
        }
        assert!(
            t0.elapsed().as_secs() < 120,
            "no items indexed in 120 s: {v}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        load.try_wait().unwrap().is_none(),
        "the load ended before a node was lost"
    );
    launcher(&["kill", "3"]);
    let out = load.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let restart = |_: ()| launcher(&["restart", "3"]);
    if !out.status.success() {
        restart(());
        panic!("the load failed with a node lost: {stderr}");
    }
    // With n3 down: every item is there, and a search finds what the
    // local index finds.
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    archivar_in(&idx)
        .args(["index", "-q"])
        .arg(&corpus)
        .assert()
        .success();
    let items = common::item_count(&idx);
    let one = Client::new(&base);
    let down = || {
        let v = one.json("POST", &format!("/{name}/_count"), &json!({}));
        assert_eq!(
            v["count"].as_u64(),
            Some(items),
            "items with a node down: {v}"
        );
        for q in ["Warnstreik Lufthansa", "Mindestlohn für Friseure"] {
            let local = search_lines(archivar_in(&idx).args(["search", "--json", q]));
            let remote = search_lines(common::archivar().args([
                "search",
                "--json",
                q,
                "--opensearch",
                &target,
            ]));
            assert_same(&local, &remote, &format!("{q} with node 3 down"));
        }
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(down));
    let back = restart(());
    result.unwrap();
    assert!(back.contains("n3"), "{back}");
    // Once it is back: still every item, and green.
    let v = c.json("POST", &format!("/{name}/_count"), &json!({}));
    assert_eq!(v["count"].as_u64(), Some(items));
    let (_, h) = c.send(
        "GET",
        "/_cluster/health?wait_for_status=green&timeout=120s",
        None,
    );
    assert_eq!(h["status"], "green", "{h}");
    assert_eq!(h["number_of_nodes"], 3, "{h}");
    drop_index(&base, name);
}
