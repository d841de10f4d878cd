//! archivar on an OpenSearch cluster against the local index, in one run
//! (issue 14): German relevance on `../shared/eval` and bulk throughput.
//!
//! ```sh
//! opensearch/cluster start                       # prints http://127.0.0.1:9200
//! cargo bench --bench opensearch -- --url http://127.0.0.1:9200 [--shards 3] [--queries N]
//! ```
//!
//! 1. indexes `../shared/eval/corpus.jsonl` locally with the archivar
//!    binary, then sends every item to the cluster as the index template
//!    and [`archivar::index::template::item_source`] make it (route 1:
//!    archivar analyses, the cluster stores and ranks by BM25), in `_bulk`
//!    batches of about 5 MB, and times that;
//! 2. runs the judged queries three ways, top 100: archivar's own search
//!    (plan, then passage rerank), the plan alone on the local index
//!    (BM25 of the plan's terms), and the plan as query DSL on the
//!    cluster (`dfs_query_then_fetch`, so that the shards share term
//!    statistics), and scores each against the judgments.

use archivar::eval::{self, Metrics, Run};
use archivar::index::{Archive, template};
use archivar::search::{self, Request, Sort, dsl, passage};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;
use tantivy::TantivyDocument;
use tantivy::collector::TopDocs;

struct Opts {
    url: String,
    shards: u32,
    queries: Option<usize>,
}

fn opts() -> Opts {
    let mut o = Opts {
        url: "http://127.0.0.1:9200".into(),
        shards: 3,
        queries: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--url" => o.url = it.next().expect("--url URL").trim_end_matches('/').into(),
            "--shards" => o.shards = it.next().and_then(|v| v.parse().ok()).expect("--shards N"),
            "--queries" => o.queries = it.next().and_then(|v| v.parse().ok()),
            "--bench" => {}
            other => panic!("unknown option {other}; see the doc comment of benches/opensearch.rs"),
        }
    }
    o
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(300)))
        .build()
        .into()
}

fn call(a: &ureq::Agent, method: &str, url: &str, body: Option<(&str, String)>) -> (u16, Value) {
    let mut res = match (method, body) {
        ("DELETE", None) => a.delete(url).call(),
        ("PUT", Some((k, b))) => a.put(url).content_type(k).send(b),
        ("POST", Some((k, b))) => a.post(url).content_type(k).send(b),
        other => panic!("{other:?}"),
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(((v.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

fn main() {
    let o = opts();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("..").join("shared").join("eval");
    let work = root.join("target").join("bench-opensearch");
    let idx = work.join("idx");
    let _ = std::fs::remove_dir_all(&idx);
    std::fs::create_dir_all(&work).unwrap();
    let t = Instant::now();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_archivar"))
        .arg("--index")
        .arg(&idx)
        .args(["index", "-q"])
        .arg(shared.join("corpus.jsonl"))
        .status()
        .unwrap();
    assert!(status.success());
    let local_index_s = t.elapsed().as_secs_f64();
    let archive = Archive::open(&idx).unwrap();
    let searcher = archive.reader().unwrap().searcher();

    // The cluster's index, from the template.
    let a = agent();
    let name = "archivar-bench-eval";
    let url = format!("{}/{name}", o.url);
    let _ = call(&a, "DELETE", &url, None);
    let (s, v) = call(
        &a,
        "PUT",
        &url,
        Some((
            "application/json",
            template::template(&archive.schema, o.shards, 0).to_string(),
        )),
    );
    assert!(s < 300, "{v}");
    let t = Instant::now();
    let mut batch = String::new();
    let mut items = 0usize;
    let send = |batch: &mut String| {
        if batch.is_empty() {
            return;
        }
        let (s, v) = call(
            &a,
            "POST",
            &format!("{url}/_bulk"),
            Some(("application/x-ndjson", std::mem::take(batch))),
        );
        assert!(s == 200 && v["errors"] == false, "{s} {v}");
    };
    for (ord, seg) in searcher.segment_readers().iter().enumerate() {
        for doc_id in seg.doc_ids_alive() {
            let d: TantivyDocument = searcher
                .doc(tantivy::DocAddress::new(ord as u32, doc_id))
                .unwrap();
            let item = archive.stored_item(&d).unwrap();
            let source = template::item_source(&archive, &item).unwrap();
            batch.push_str(&json!({ "index": { "_id": item.id } }).to_string());
            batch.push('\n');
            batch.push_str(&source.to_string());
            batch.push('\n');
            items += 1;
            if batch.len() > 5 << 20 {
                send(&mut batch);
            }
        }
    }
    send(&mut batch);
    let (s, v) = call(
        &a,
        "POST",
        &format!("{url}/_refresh"),
        Some(("application/json", "{}".into())),
    );
    assert!(s < 300, "{v}");
    let bulk_s = t.elapsed().as_secs_f64();

    // The judged queries, three ways.
    let mut queries = eval::read_queries(&shared.join("queries.tsv")).unwrap();
    if let Some(n) = o.queries {
        queries.truncate(n);
    }
    let qrels = eval::read_qrels(&shared.join("qrels.txt")).unwrap();
    let names = |f| archive.schema.schema.get_field_name(f).to_string();
    let mut runs: [Run; 4] = Default::default();
    let mut ms: [Vec<f64>; 4] = Default::default();
    let text = archive.fields().text;
    let df = |t: &str| {
        searcher
            .doc_freq(&tantivy::Term::from_field_text(text, t))
            .unwrap_or(0)
    };
    for q in &queries {
        let mut req = Request::new(q.text.clone());
        req.limit = eval::DEPTH;
        req.sort = Sort::Relevance;
        req.collapse = false;
        req.snippets = 0;
        let t = Instant::now();
        let Ok(full) = search::search_ids(&archive, &searcher, &req) else {
            continue;
        };
        ms[0].push(t.elapsed().as_secs_f64() * 1e3);
        runs[0].insert(
            q.qid.clone(),
            full.into_iter().map(|(s, id)| (f64::from(s), id)).collect(),
        );
        let t = Instant::now();
        let prepared = search::prepare(&archive, &searcher, &req).unwrap();
        let top = searcher
            .search(
                prepared.query.as_ref(),
                &TopDocs::with_limit(eval::DEPTH).order_by_score(),
            )
            .unwrap();
        let plain: Vec<(f64, String)> = top
            .into_iter()
            .map(|(s, addr)| {
                let d: TantivyDocument = searcher.doc(addr).unwrap();
                (f64::from(s), archive.stored_item(&d).unwrap().id)
            })
            .collect();
        ms[1].push(t.elapsed().as_secs_f64() * 1e3);
        runs[1].insert(q.qid.clone(), plain);
        let t = Instant::now();
        let prepared = search::prepare(&archive, &searcher, &req).unwrap();
        let body = json!({
            "query": dsl::query(&prepared.plan, &names),
            "size": eval::DEPTH,
            "_source": false,
            "track_total_hits": false,
        });
        let (s, v) = call(
            &a,
            "POST",
            &format!("{url}/_search?search_type=dfs_query_then_fetch"),
            Some(("application/json", body.to_string())),
        );
        assert_eq!(s, 200, "{}: {v}", q.text);
        ms[2].push(t.elapsed().as_secs_f64() * 1e3);
        let hits = v["hits"]["hits"].as_array().cloned().unwrap_or_default();
        runs[2].insert(
            q.qid.clone(),
            hits.iter()
                .map(|h| {
                    (
                        h["_score"].as_f64().unwrap_or(0.0),
                        h["_id"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect(),
        );
        // The same on the cluster, reranked by archivar's passages from
        // the analysed text in _source.
        let t = Instant::now();
        let prepared = search::prepare(&archive, &searcher, &req).unwrap();
        let body = json!({
            "query": dsl::query(&prepared.plan, &names),
            "size": eval::DEPTH,
            "_source": ["text"],
            "track_total_hits": false,
        });
        let (s, v) = call(
            &a,
            "POST",
            &format!("{url}/_search?search_type=dfs_query_then_fetch"),
            Some(("application/json", body.to_string())),
        );
        assert_eq!(s, 200, "{}: {v}", q.text);
        let hits = v["hits"]["hits"].as_array().cloned().unwrap_or_default();
        let weights = passage::weights(searcher.num_docs(), &prepared.passage, df);
        let texts: Vec<String> = hits
            .iter()
            .take(passage::RERANK_TOP)
            .map(|h| match &h["_source"]["text"] {
                Value::String(s) => s.clone(),
                Value::Array(vs) => vs
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => String::new(),
            })
            .collect();
        let scores: Vec<f32> = texts
            .iter()
            .map(|t| passage::score_terms(&weights, t.split(' ')))
            .collect();
        let mut ranked: Vec<(f32, String)> = hits
            .iter()
            .map(|h| {
                (
                    h["_score"].as_f64().unwrap_or(0.0) as f32,
                    h["_id"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        if ranked.len() >= 2 && !weights.is_empty() {
            passage::blend(&mut ranked, &scores);
        }
        ms[3].push(t.elapsed().as_secs_f64() * 1e3);
        runs[3].insert(
            q.qid.clone(),
            ranked
                .into_iter()
                .map(|(s, id)| (f64::from(s), id))
                .collect(),
        );
    }
    let scored: Vec<Metrics> = runs.iter().map(|r| eval::score(&qrels, r).0).collect();
    let rows = [
        "local index, archivar's search (plan + passage rerank)",
        "local index, the plan alone (BM25)",
        &format!(
            "OpenSearch, {} shards, the plan as DSL (BM25, dfs)",
            o.shards
        ),
        &format!(
            "OpenSearch, {} shards, the plan as DSL + archivar's passage rerank from _source",
            o.shards
        ),
    ];
    println!(
        "\n{} queries, {} items; local build {local_index_s:.1} s (whole process); bulk into the cluster {bulk_s:.1} s ({:.0} items/s)\n",
        queries.len(),
        items,
        items as f64 / bulk_s
    );
    println!("| run | MRR@10 | nDCG@10 | R@10 | R@100 | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (i, m) in scored.iter().enumerate() {
        println!(
            "| {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.2} | {:.2} |",
            rows[i],
            m.mrr10,
            m.ndcg10,
            m.recall10,
            m.recall100,
            percentile(ms[i].clone(), 0.5),
            percentile(ms[i].clone(), 0.99),
        );
    }
    let _ = call(&a, "DELETE", &url, None);
}
