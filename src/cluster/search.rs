//! `archivar search --opensearch`: the request's plan built against the
//! cluster's vocabulary ([`super::vocabulary::Remote`]), run as query DSL
//! with `dfs_query_then_fetch` (the shards share term statistics), and
//! the top [`passage::RERANK_TOP`] hits reranked by archivar's passage and
//! story evidence, computed as locally ([`passage::evidence`]) from the
//! items in `_source`: their text is analysed again, giving the positions
//! the local index has. Snippets are cut from the same items by the same
//! code, so the hits print as local ones do.
//!
//! Repeats collapse as locally: a growing window of hits, one a cluster,
//! and a page's repeats counted by one `filters` aggregation. Not yet as
//! locally: with `--speaker` the check that the speaker said the words
//! runs over the first [`MAX_WINDOW`] matches.

use super::vocabulary::Remote;
use super::{Cluster, ClusterError};
use crate::analysis::Analyzer;
use crate::index::Archive;
use crate::item::Item;
use crate::search::{
    self, Hits, Planned, Request, SearchError, Sort, collapse, dsl, facets, kwic, passage, said,
    share,
};
use serde_json::{Value, json};
use tantivy::schema::Value as _;
use tantivy::tokenizer::TokenStream as _;

/// The most matches read for one page: OpenSearch's default
/// `index.max_result_window`.
pub const MAX_WINDOW: usize = 10_000;

/// Why a search on the cluster failed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The request or query is wrong.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// The cluster failed.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// The word positions of an item's `text` terms as the local index
/// records them (each value of the field after the last position of the
/// one before, plus one), with the terms.
pub fn text_positions(archive: &Archive, item: &Item) -> Result<Vec<(u32, String)>, SearchError> {
    let field = archive.fields().text;
    let doc = crate::index::writer::document(archive, None, item)?;
    let mut tokenizer = archive
        .index
        .tokenizer_for_field(field)
        .map_err(|e| SearchError::Index(archive.tantivy(e)))?;
    let mut out = Vec::new();
    let mut end = 0u32;
    for v in doc.get_all(field) {
        let Some(text) = v.as_str() else { continue };
        let start = end;
        let mut last = end;
        let mut stream = tokenizer.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            let p = start + t.position as u32;
            last = last.max(p + t.position_length as u32);
            out.push((p, t.text.clone()));
        }
        end = last + 1;
    }
    Ok(out)
}

/// The passage and story evidence of `item` for `weights` (term, idf
/// times weight), as [`passage::evidence`] computes it on the local index.
pub fn evidence(
    archive: &Archive,
    weights: &[(String, f32)],
    item: &Item,
) -> Result<passage::Evidence, SearchError> {
    let index: std::collections::HashMap<&str, usize> = weights
        .iter()
        .enumerate()
        .map(|(k, (t, _))| (t.as_str(), k))
        .collect();
    let mut hits: Vec<(u32, usize)> = text_positions(archive, item)?
        .into_iter()
        .filter_map(|(p, t)| index.get(t.as_str()).map(|&k| (p, k)))
        .collect();
    hits.sort_unstable();
    let idf: Vec<f32> = weights.iter().map(|(_, w)| *w).collect();
    let passage = passage::best_window(&hits, &idf, passage::WINDOW);
    if item.stories.is_empty() {
        return Ok(passage::Evidence {
            passage,
            story: passage::best_story_window(&hits, &idf, passage::STORY_WORDS),
            best_story: None,
        });
    }
    let mut best: Option<(f32, usize)> = None;
    for (i, s) in item.stories.iter().enumerate() {
        let [lo, hi] = s.positions;
        let score = passage::story_score(&hits, &idf, lo, hi);
        if score > 0.0 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, i));
        }
    }
    Ok(passage::Evidence {
        passage,
        story: best.map_or(0.0, |b| b.0),
        best_story: best.map(|b| b.1),
    })
}

/// One hit as the cluster gives it.
struct Found {
    score: Option<f32>,
    cluster: Option<u64>,
    item: Item,
    evidence: Option<passage::Evidence>,
}

/// A request planned against the cluster's vocabulary: what each of its
/// searches needs.
struct Prepared {
    /// The plan as query DSL.
    query: Value,
    /// What hits mark.
    marks: crate::search::snippet::Marks,
    /// The passage terms and their weights, as planned.
    passage: Vec<(String, f32)>,
    /// The passage rerank's terms and weights (idf times weight).
    weights: Vec<(String, f32)>,
    /// Notes on the request (filters that matched no name).
    notes: Vec<String>,
    /// With `--speaker`: the check that the speaker said the words.
    check: Option<said::Check>,
}

/// Plan `req` against the cluster's vocabulary, with the passage weights
/// in the same rounds: their terms are mostly the words' stems, asked in
/// the plan's first round already.
fn prepare(cluster: &Cluster, archive: &Archive, req: &Request) -> Result<Prepared, Failure> {
    let schema = &archive.schema;
    let vocabulary = Remote::new(cluster, schema);
    let text = archive.fields().text;
    let (planned, weights) = vocabulary.settle(|v| {
        use crate::search::vocabulary::Vocabulary as _;
        let planned = crate::search::plan(schema, v, req);
        let weights = match &planned {
            Ok(p) if !p.passage.is_empty() => {
                passage::weights(v.count(), &p.passage, |t| v.doc_freq(text, t))
            }
            _ => Vec::new(),
        };
        (planned, weights)
    })?;
    let Planned {
        plan,
        marks,
        passage,
        notes,
        speakers,
        ..
    } = planned?;
    let names = |f| schema.schema.get_field_name(f).to_string();
    let check = speakers.map(|names| said::Check {
        item: archive.fields().item,
        marks: marks.clone(),
        names,
    });
    Ok(Prepared {
        query: dsl::query(&plan, &names),
        marks,
        passage,
        weights,
        notes,
        check,
    })
}

/// The top `window` matches of `p` in `req`'s order (by relevance the
/// head reranked as locally), the matches' count, and the cluster's
/// answer (for its aggregations, with `aggs`: the facets).
fn ranked(
    cluster: &Cluster,
    archive: &Archive,
    p: &Prepared,
    req: &Request,
    window: usize,
    aggs: bool,
) -> Result<(usize, Vec<Found>, Value), Failure> {
    let path = format!(
        "/{}/_search?search_type=dfs_query_then_fetch",
        cluster.index
    );
    let size = if p.check.is_some() {
        MAX_WINDOW
    } else {
        match req.sort {
            Sort::Relevance if !p.weights.is_empty() => window.max(passage::RERANK_TOP),
            _ => window,
        }
    }
    .min(MAX_WINDOW);
    let mut body = json!({
        "query": p.query,
        "size": size,
        "track_total_hits": true,
        "_source": ["item", "cluster"],
    });
    if req.sort == Sort::Date {
        body["sort"] = json!([{ "date": { "order": "desc", "missing": "_last" } }]);
    }
    if aggs {
        body["aggs"] = json!({
            "programs": {"terms": {"field": "program_facet", "size": facets::TOP_FACETS}},
            "speakers": {"terms": {"field": "speaker_facet", "size": facets::TOP_FACETS}},
        });
    }
    let v = cluster.json("POST", &path, &body)?;
    let mut total = v["hits"]["total"]["value"].as_u64().unwrap_or(0) as usize;
    let mut found = Vec::new();
    for h in v["hits"]["hits"].as_array().into_iter().flatten() {
        let item: Item = serde_json::from_value(h["_source"]["item"].clone()).map_err(|e| {
            ClusterError::Answer {
                path: path.clone(),
                detail: format!("the item of {} cannot be read: {e}", h["_id"]),
            }
        })?;
        found.push(Found {
            score: match req.sort {
                Sort::Relevance => h["_score"].as_f64().map(|s| s as f32),
                Sort::Date => None,
            },
            cluster: h["_source"]["cluster"].as_u64(),
            item,
            evidence: None,
        });
    }
    if let Some(check) = &p.check {
        found.retain(|f| check.holds(&f.item));
        total = found.len();
    }
    if req.sort == Sort::Relevance {
        rerank(archive, &p.weights, &mut found)?;
    }
    Ok((total, found, v))
}

/// Order hits by score as the local index does, then rerank the top
/// [`passage::RERANK_TOP`] by their passage and story evidence.
fn rerank(
    archive: &Archive,
    weights: &[(String, f32)],
    found: &mut [Found],
) -> Result<(), SearchError> {
    // Equal scores in the order the local index has them: the order
    // items were added, that of their files' paths and lines.
    found.sort_by(|a, b| {
        b.score
            .unwrap_or(0.0)
            .total_cmp(&a.score.unwrap_or(0.0))
            .then_with(|| added_order(&a.item.source).cmp(&added_order(&b.item.source)))
    });
    let k = found.len().min(passage::RERANK_TOP);
    if k >= 2 && !weights.is_empty() {
        for f in &mut found[..k] {
            let e = evidence(archive, weights, &f.item)?;
            f.score = f.score.map(|s| s + e.bonus());
            f.evidence = Some(e);
        }
        found[..k].sort_by(|a, b| b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)));
    }
    Ok(())
}

/// The hits up to the end of `req`'s page, repeats collapsed as
/// [`collapse::collapsed_page`] does: a growing window until the page is
/// full of distinct clusters. Returns the matches' count, the heads, and
/// the last answer; a page beyond the window adds a note.
fn collapsed(
    cluster: &Cluster,
    archive: &Archive,
    p: &mut Prepared,
    req: &Request,
) -> Result<(usize, Vec<Found>, Value), Failure> {
    let want = req.offset + req.limit.max(1);
    let mut window = want.saturating_mul(3).saturating_add(10).min(MAX_WINDOW);
    loop {
        let (total, top, v) = ranked(cluster, archive, p, req, window, req.facets)?;
        let n = top.len();
        let mut seen = std::collections::HashSet::new();
        let heads: Vec<Found> = top
            .into_iter()
            .filter(|f| f.cluster.is_none_or(|c| seen.insert(c)))
            .collect();
        if heads.len() >= want || n < window || window >= MAX_WINDOW {
            if heads.len() < want && n == window && total > window {
                p.notes.push(format!(
                    "repeats are collapsed within the first {MAX_WINDOW} matches only, and this page lies beyond them; \
                     add --no-collapse to page through every airing, or narrow the search"
                ));
            }
            return Ok((total, heads, v));
        }
        window = (window * 4).min(MAX_WINDOW);
    }
}

/// Run a search on the cluster: the requested page of hits with their
/// items and snippets, as [`crate::search::search`] gives them locally.
pub fn search(cluster: &Cluster, archive: &Archive, req: &Request) -> Result<Hits, Failure> {
    let mut p = prepare(cluster, archive, req)?;
    let limit = req.limit.max(1);
    let (total, found, v) = if req.collapse {
        collapsed(cluster, archive, &mut p, req)?
    } else {
        ranked(cluster, archive, &p, req, req.offset + limit, req.facets)?
    };
    let page: Vec<Found> = found.into_iter().skip(req.offset).take(limit).collect();
    let groups: Vec<Option<(u64, &str)>> = page
        .iter()
        .map(|f| {
            f.cluster
                .filter(|_| req.collapse)
                .map(|c| (c, f.item.id.as_str()))
        })
        .collect();
    let mut repeats = repeats_of(cluster, &p.query, &groups)?.into_iter();
    let analyzer = Analyzer::shared();
    let mut hits = Vec::new();
    for (i, f) in page.into_iter().enumerate() {
        let Found {
            score,
            cluster: _,
            item,
            evidence: ev,
        } = f;
        let story = if item.stories.is_empty() || p.weights.is_empty() {
            None
        } else {
            match ev {
                Some(e) => e.best_story,
                None => evidence(archive, &p.weights, &item)?.best_story,
            }
        };
        let repeats = repeats.next().unwrap_or_default();
        hits.push(search::hit(
            analyzer,
            req,
            &p.marks,
            req.offset + i + 1,
            score,
            item,
            story,
            repeats,
        ));
    }
    let facets = req.facets.then(|| facets::Facets {
        programs: crate::index::stats::buckets(&v["aggregations"]["programs"]),
        speakers: crate::index::stats::buckets(&v["aggregations"]["speakers"]),
    });
    Ok(Hits {
        total,
        // The cluster's search counts every match (track_total_hits).
        total_exact: true,
        hits,
        notes: p.notes,
        facets,
    })
}

/// What `search --explain --opensearch` says of its BM25 figure, in each
/// explanation: the one part that is not archivar's own.
pub const EXPLAIN_NOTE: &str = "bm25 is OpenSearch's (dfs_query_then_fetch: every shard scores with the whole index's statistics), \
     not tantivy's: on data/ it is the local index's or within 2 % of it; \
     the forms, weights, idf, passage and story are computed as locally";

/// `archivar search --explain --opensearch`: why each hit is a hit, as
/// [`crate::search::explain::explain`] says it locally. The forms found, their weights,
/// the passage and story evidence are archivar's own and the same; the
/// idf is computed from the cluster's vocabulary as locally; the BM25 is
/// OpenSearch's (one `explain: true` search of the page's ids), which
/// each explanation says ([`EXPLAIN_NOTE`]), as does a note of the page.
pub fn explain(
    cluster: &Cluster,
    archive: &Archive,
    req: &Request,
    page: &mut Hits,
) -> Result<(), Failure> {
    let hits = &mut page.hits;
    if hits.is_empty() {
        return Ok(());
    }
    let p = prepare(cluster, archive, req)?;
    let bm25 = bm25_of(cluster, &p.query, hits)?;
    let mut evidences = Vec::with_capacity(hits.len());
    for h in hits.iter() {
        evidences.push(evidence(archive, &p.weights, &h.item)?);
    }
    let text = archive.fields().text;
    let vocabulary = Remote::new(cluster, &archive.schema);
    let explained = vocabulary.settle(|v| {
        use crate::search::vocabulary::Vocabulary as _;
        let n = v.count();
        let idf_of = |t: &str| crate::search::explain::idf(n, v.doc_freq(text, t));
        hits.iter()
            .zip(&evidences)
            .map(|(h, e)| {
                let scored = crate::search::explain::Scored {
                    score: h.score,
                    bm25: bm25.get(&h.item.id).copied().unwrap_or(0.0),
                    evidence: *e,
                };
                crate::search::explain::explanation(
                    &p.marks, &p.passage, req, &h.item, scored, &idf_of,
                )
            })
            .collect::<Vec<_>>()
    })?;
    for (h, mut e) in hits.iter_mut().zip(explained) {
        e.note = Some(EXPLAIN_NOTE.to_string());
        h.explain = Some(e);
    }
    page.notes
        .push(format!("--explain on the cluster: {EXPLAIN_NOTE}"));
    Ok(())
}

/// OpenSearch's BM25 of each hit for `query`, by id: its `_explanation`
/// with global term statistics.
fn bm25_of(
    cluster: &Cluster,
    query: &Value,
    hits: &[search::Hit],
) -> Result<std::collections::HashMap<String, f32>, ClusterError> {
    let ids: Vec<&str> = hits.iter().map(|h| h.item.id.as_str()).collect();
    let body = json!({
        "query": { "bool": { "must": [query], "filter": [{ "ids": { "values": ids } }] } },
        "size": ids.len(),
        "explain": true,
        "_source": false,
    });
    let path = format!(
        "/{}/_search?search_type=dfs_query_then_fetch",
        cluster.index
    );
    let v = cluster.json("POST", &path, &body)?;
    let mut out = std::collections::HashMap::new();
    for h in v["hits"]["hits"].as_array().into_iter().flatten() {
        let (Some(id), Some(value)) = (h["_id"].as_str(), h["_explanation"]["value"].as_f64())
        else {
            return Err(ClusterError::Answer {
                path,
                detail: format!("a hit without its id or explanation: {h}"),
            });
        };
        out.insert(id.to_string(), value as f32);
    }
    Ok(out)
}

/// `archivar kwic --opensearch`: the concordance of `req` from the first
/// [`kwic::MAX_ITEMS`] matches in its order, ranked as [`search`] ranks
/// them (repeats not collapsed, as locally), their lines cut by the same
/// code as locally ([`kwic::concordance`]).
pub fn kwic(
    cluster: &Cluster,
    archive: &Archive,
    req: &Request,
    opts: kwic::Options,
) -> Result<kwic::Concordance, Failure> {
    let p = prepare(cluster, archive, req)?;
    let req = Request {
        sort: kwic::sort_of(opts.order),
        ..req.clone()
    };
    let (total, found, _) = ranked(cluster, archive, &p, &req, kwic::MAX_ITEMS, false)?;
    let items = found
        .into_iter()
        .map(|f| Ok::<_, Failure>((f.score, f.item)));
    kwic::concordance(&req, opts, &p.marks, total, items)
}

/// Where an item stands in the order `index` adds items: by its file's
/// path, component by component, then by line.
fn added_order(source: &str) -> (Vec<&str>, u64) {
    let (file, line) = match source.rsplit_once(':') {
        Some((f, l)) if l.bytes().all(|b| b.is_ascii_digit()) => (f, l.parse().unwrap_or(0)),
        _ => (source, 0),
    };
    (file.split('/').collect(), line)
}

/// The other matching items of each hit's near-duplicate cluster (none
/// for `None`), as [`collapse::repeats`] lists them: counted all, the
/// newest [`collapse::MAX_REPEATS`] listed oldest first. One search for
/// the page: a `filters` aggregation with a bucket per cluster and its
/// newest items by `top_hits`.
fn repeats_of(
    cluster: &Cluster,
    query: &Value,
    groups: &[Option<(u64, &str)>],
) -> Result<Vec<collapse::Repeats>, ClusterError> {
    let mut filters = serde_json::Map::new();
    for (i, g) in groups.iter().enumerate() {
        if let Some((c, _)) = g {
            filters.insert(format!("g{i}"), json!({ "term": { "cluster": c } }));
        }
    }
    if filters.is_empty() {
        return Ok(vec![collapse::Repeats::default(); groups.len()]);
    }
    let any: Vec<Value> = filters.values().cloned().collect();
    let body = json!({
        "size": 0,
        "query": { "bool": {
            "must": [query],
            "filter": [{ "bool": { "should": any, "minimum_should_match": 1 } }],
        }},
        "aggs": { "groups": {
            "filters": { "filters": filters },
            "aggs": { "newest": { "top_hits": {
                "size": collapse::MAX_REPEATS + 1,
                "sort": [{ "date": { "order": "desc", "missing": "_last" } }],
                "_source": ["id", "date", "program_facet"],
            }}},
        }},
    });
    let path = format!("/{}/_search", cluster.index);
    let v = cluster.json("POST", &path, &body)?;
    let buckets = &v["aggregations"]["groups"]["buckets"];
    let mut out = Vec::with_capacity(groups.len());
    for (i, g) in groups.iter().enumerate() {
        let Some((_, head)) = g else {
            out.push(collapse::Repeats::default());
            continue;
        };
        let b = &buckets[format!("g{i}").as_str()];
        if !b.is_object() {
            return Err(ClusterError::Answer {
                path,
                detail: format!("no bucket for the repeats of {head}"),
            });
        }
        let n = b["doc_count"].as_u64().unwrap_or(0) as usize;
        let mut items = Vec::new();
        for h in b["newest"]["hits"]["hits"].as_array().into_iter().flatten() {
            let s = &h["_source"];
            let id = s["id"].as_str().unwrap_or_default();
            if id == *head || items.len() == collapse::MAX_REPEATS {
                continue;
            }
            items.push(collapse::Repeat {
                id: id.to_string(),
                date: s["date"]
                    .as_i64()
                    .and_then(crate::item::Day::from_unix_days),
                program: s["program_facet"].as_str().map(str::to_string),
            });
        }
        items.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
        out.push(collapse::Repeats {
            total: n.saturating_sub(1),
            items,
        });
    }
    Ok(out)
}

/// The plan of `req`, built against the cluster's vocabulary.
fn planned(cluster: &Cluster, archive: &Archive, req: &Request) -> Result<Planned, Failure> {
    let schema = &archive.schema;
    let vocabulary = Remote::new(cluster, schema);
    Ok(vocabulary.settle(|v| crate::search::plan(schema, v, req))??)
}

/// What a hit of `req` marks (the page of an item opened from a search).
pub fn marks(
    cluster: &Cluster,
    archive: &Archive,
    req: &Request,
) -> Result<crate::search::snippet::Marks, Failure> {
    Ok(planned(cluster, archive, req)?.marks)
}

/// Matches counted: all, and how many of each day, oldest first.
type DayCounts = (u64, Vec<(crate::item::Day, u64)>);

/// The matches of `req` counted as the local `trend` counts them: by the
/// cluster (a `histogram` of the `date` field, which holds days since
/// 1970-01-01), or with `--speaker` by archivar, which checks in each
/// matching item that the speaker said the words ([`said`]).
fn counted(cluster: &Cluster, archive: &Archive, req: &Request) -> Result<DayCounts, Failure> {
    let Planned {
        plan,
        marks,
        speakers,
        ..
    } = planned(cluster, archive, req)?;
    let names = |f| archive.schema.schema.get_field_name(f).to_string();
    let query = dsl::query(&plan, &names);
    match speakers {
        None => Ok(day_histogram(cluster, &query)?),
        Some(names) => {
            let check = said::Check {
                item: archive.fields().item,
                marks,
                names,
            };
            Ok(days_said(cluster, &query, &check)?)
        }
    }
}

/// The matches of `query` counted by the cluster, by day.
fn day_histogram(cluster: &Cluster, query: &Value) -> Result<DayCounts, ClusterError> {
    let body = json!({
        "size": 0,
        "track_total_hits": true,
        "query": query,
        "aggs": { "days": { "histogram": { "field": "date", "interval": 1, "min_doc_count": 1 } } },
    });
    let path = format!("/{}/_search", cluster.index);
    let v = cluster.json("POST", &path, &body)?;
    let total = v["hits"]["total"]["value"].as_u64().unwrap_or(0);
    let mut days = Vec::new();
    for b in v["aggregations"]["days"]["buckets"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let day = b["key"]
            .as_f64()
            .and_then(|d| crate::item::Day::from_unix_days(d as i64));
        match (day, b["doc_count"].as_u64()) {
            (Some(d), Some(n)) => days.push((d, n)),
            _ => {
                return Err(ClusterError::Answer {
                    path,
                    detail: format!("a day's bucket cannot be read: {b}"),
                });
            }
        }
    }
    days.sort_unstable();
    Ok((total, days))
}

/// Matches read per page when archivar checks each one.
const PAGE: usize = 500;

/// The matches of `query` that pass `check`, by day: every match read
/// from `_source`, in pages by id (`search_after`).
fn days_said(
    cluster: &Cluster,
    query: &Value,
    check: &said::Check,
) -> Result<DayCounts, ClusterError> {
    let path = format!("/{}/_search", cluster.index);
    let mut by_day = std::collections::BTreeMap::new();
    let (mut total, mut after): (u64, Option<Value>) = (0, None);
    loop {
        let mut body = json!({
            "query": query,
            "size": PAGE,
            "sort": [{ "id": "asc" }],
            "_source": ["item"],
        });
        if let Some(a) = &after {
            body["search_after"] = a.clone();
        }
        let v = cluster.json("POST", &path, &body)?;
        let hits = v["hits"]["hits"].as_array().cloned().unwrap_or_default();
        for h in &hits {
            let item: Item = serde_json::from_value(h["_source"]["item"].clone()).map_err(|e| {
                ClusterError::Answer {
                    path: path.clone(),
                    detail: format!("the item of {} cannot be read: {e}", h["_id"]),
                }
            })?;
            if check.holds(&item) {
                total += 1;
                if let Some(d) = item.date {
                    *by_day.entry(d).or_insert(0u64) += 1;
                }
            }
        }
        match hits.last() {
            Some(h) if hits.len() == PAGE => after = Some(h["sort"].clone()),
            _ => break,
        }
    }
    Ok((total, by_day.into_iter().collect()))
}

/// `archivar trend --opensearch`: the matches counted on the cluster,
/// summed into periods as locally ([`facets::trend_of`]).
pub fn trend(
    cluster: &Cluster,
    archive: &Archive,
    req: &Request,
    by: facets::Interval,
) -> Result<facets::Trend, Failure> {
    let (total, days) = counted(cluster, archive, req)?;
    Ok(facets::trend_of(req, by, total, &days)?)
}

/// `archivar trend A B … [--per N] --opensearch`: each query counted as
/// [`trend`] counts it, with `per` also all items that pass the filters
/// (the first request's, which all share), tabled as locally
/// ([`share::table_of`]).
pub fn trend_table(
    cluster: &Cluster,
    archive: &Archive,
    reqs: &[Request],
    by: facets::Interval,
    per: Option<u32>,
) -> Result<share::Table, Failure> {
    let mut all = Vec::with_capacity(reqs.len());
    for req in reqs {
        all.push(counted(cluster, archive, req)?);
    }
    let items = match (per, reqs.first()) {
        (Some(_), Some(req)) => {
            let schema = &archive.schema;
            let vocabulary = Remote::new(cluster, schema);
            let plan = vocabulary.settle(|v| crate::search::filtered_plan(schema, v, req))??;
            let names = |f| schema.schema.get_field_name(f).to_string();
            Some(day_histogram(cluster, &dsl::query(&plan, &names))?.1)
        }
        _ => None,
    };
    Ok(share::table_of(reqs, by, per, &all, items.as_deref())?)
}

/// `archivar stats --opensearch`: the aggregations of the local `stats`
/// run by the cluster over every item.
pub fn stats(cluster: &Cluster, archive: &Archive) -> Result<crate::index::stats::Stats, Failure> {
    let path = format!("/{}/_search", cluster.index);
    let v = cluster.json(
        "POST",
        &path,
        &json!({
            "size": 0,
            "track_total_hits": true,
            "aggs": crate::index::stats::aggregations(),
        }),
    )?;
    let items = v["hits"]["total"]["value"].as_u64().unwrap_or(0);
    let store = cluster.get(&format!("/{}/_stats/store", cluster.index))?;
    let bytes = store["_all"]["primaries"]["store"]["size_in_bytes"]
        .as_u64()
        .unwrap_or(0);
    Ok(crate::index::stats::from_aggregations(
        &v["aggregations"],
        items,
        format!("{}/{}", cluster.url, cluster.index),
        archive.schema.version,
        bytes,
    ))
}

/// `archivar show --opensearch`: the item with id `id`, read back from
/// its document's `_source`.
pub fn find(cluster: &Cluster, id: &str) -> Result<Option<Item>, ClusterError> {
    let path = format!(
        "/{}/_doc/{}?_source_includes=item",
        cluster.index,
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
    );
    let v = match cluster.call("GET", &path, None)? {
        (404, _) => return Ok(None),
        (status, v) => super::ok("GET", &path, status, v)?,
    };
    if v["found"] != true {
        return Ok(None);
    }
    serde_json::from_value(v["_source"]["item"].clone())
        .map(Some)
        .map_err(|e| ClusterError::Answer {
            path,
            detail: format!("the item cannot be read: {e}"),
        })
}
