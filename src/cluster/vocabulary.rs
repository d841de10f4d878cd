//! The vocabulary beside the cluster's index: what query building asks
//! ([`crate::search::vocabulary::Vocabulary`]) answered from a second index
//! `INDEX-vocabulary` that `archivar index --opensearch` keeps up to date.
//!
//! One document a term of a searched field, `_id` `FIELD:TERM`: the
//! field, the term, its document frequency (`df`), and for the stems of
//! the `text` field the Kölner Phonetik code (`code`, as the local variant
//! map has it, [`crate::index::phonetic`]) and the stem reversed (`rev`,
//! for the compounds a head ends). OpenSearch 2.19 has no `_terms_enum`,
//! and a `terms` aggregation over a text field needs fielddata; a term
//! index of its own is small (one document a distinct term) and answers
//! each lookup with one realtime get or one small search.
//!
//! Indexing keeps `df` exact: for each batch it subtracts the terms of the
//! items' earlier versions (read back with `_mget`) and adds those of the
//! new ones ([`Delta`]).

use super::{Cluster, ClusterError};
use crate::analysis::Analyzer;
use crate::index::phonetic;
use crate::index::schema::{ArchiveSchema, FieldKind};
use crate::search::SearchError;
use crate::search::vocabulary::Vocabulary;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use tantivy::schema::Field;

/// The vocabulary index's settings and mappings.
pub fn template(schema: &ArchiveSchema, replicas: u32) -> Value {
    json!({
        "settings": { "number_of_shards": 1, "number_of_replicas": replicas },
        "mappings": {
            "dynamic": "strict",
            "_meta": { crate::index::template::VERSION_KEY: schema.version },
            "properties": {
                "field": { "type": "keyword" },
                "term": { "type": "keyword" },
                "df": { "type": "long" },
                "code": { "type": "keyword" },
                "rev": { "type": "keyword" },
            }
        }
    })
}

/// The fields whose terms the vocabulary keeps: the text fields and the
/// keyword fields a filter names (programme and speaker).
pub fn kept_fields(schema: &ArchiveSchema) -> Vec<String> {
    let f = schema.fields;
    let facets = [
        schema.schema.get_field_name(f.program_facet).to_string(),
        schema.schema.get_field_name(f.speaker_facet).to_string(),
    ];
    schema
        .specs
        .iter()
        .filter(|s| s.kind == FieldKind::Text || facets.contains(&s.name))
        .map(|s| s.name.clone())
        .collect()
}

/// The id of the document that marks a load under way: written when a
/// load starts, deleted once it has written the vocabulary. Its field
/// names no field of the schema, so no lookup meets it.
const LOADING: &str = "\u{1}loading";

/// Mark a load under way; whether an earlier one did not finish (its
/// items may be in the index without their terms in the vocabulary).
pub fn begin(cluster: &Cluster) -> Result<bool, ClusterError> {
    let index = cluster.vocabulary_index();
    let path = format!("/{index}/_doc/%01loading");
    let unfinished = match cluster.call("GET", &path, None)? {
        (200, v) => v["found"] == true,
        _ => false,
    };
    cluster.json(
        "PUT",
        &path,
        &json!({ "field": LOADING, "term": LOADING, "df": 0 }),
    )?;
    Ok(unfinished)
}

/// The load has written the vocabulary.
pub fn end(cluster: &Cluster) -> Result<(), ClusterError> {
    let path = format!("/{}/_doc/%01loading", cluster.vocabulary_index());
    match cluster.call("DELETE", &path, None)? {
        (200 | 404, _) => Ok(()),
        (status, v) => super::ok("DELETE", &path, status, v).map(|_| ()),
    }
}

/// The document id of a term.
pub fn doc_id(field: &str, term: &str) -> String {
    format!("{field}:{term}")
}

/// The distinct terms of each kept field of an item's `_source`.
pub fn terms_of(
    source: &Value,
    fields: &[String],
    schema: &ArchiveSchema,
) -> Vec<(String, String)> {
    let mut out = BTreeSet::new();
    for name in fields {
        let text = schema
            .specs
            .iter()
            .any(|s| s.name == *name && s.kind == FieldKind::Text);
        let values: Vec<&str> = match &source[name.as_str()] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(vs) => vs.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        for v in values {
            if text {
                for t in v.split(' ').filter(|t| !t.is_empty()) {
                    out.insert((name.clone(), t.to_string()));
                }
            } else {
                out.insert((name.clone(), v.to_string()));
            }
        }
    }
    out.into_iter().collect()
}

/// Changes of document frequency, by (field, term).
#[derive(Debug, Default)]
pub struct Delta(pub HashMap<(String, String), i64>);

impl Delta {
    /// Count `terms` once more (`by` 1) or once less (`by` -1).
    pub fn add(&mut self, terms: &[(String, String)], by: i64) {
        for t in terms {
            *self.0.entry(t.clone()).or_default() += by;
        }
    }

    /// Apply the changes to the vocabulary index: read the terms' current
    /// documents, write the new frequencies, delete terms no item holds.
    /// Returns the terms written.
    pub fn apply(self, cluster: &Cluster) -> Result<usize, ClusterError> {
        let changed: Vec<((String, String), i64)> =
            self.0.into_iter().filter(|(_, d)| *d != 0).collect();
        let index = cluster.vocabulary_index();
        let analyzer = Analyzer::shared();
        let mut written = 0;
        for chunk in changed.chunks(10_000) {
            let ids: Vec<String> = chunk.iter().map(|((f, t), _)| doc_id(f, t)).collect();
            let v = cluster.json(
                "POST",
                &format!("/{index}/_mget?_source_includes=df&realtime=true"),
                &json!({ "ids": ids }),
            )?;
            let docs = v["docs"].as_array().cloned().unwrap_or_default();
            let mut body = String::new();
            for (i, ((field, term), d)) in chunk.iter().enumerate() {
                let now = docs
                    .get(i)
                    .and_then(|doc| doc["_source"]["df"].as_i64())
                    .unwrap_or(0);
                let df = now + d;
                let id = &ids[i];
                if df <= 0 {
                    if now > 0 {
                        body.push_str(&json!({ "delete": { "_id": id } }).to_string());
                        body.push('\n');
                    }
                    continue;
                }
                let mut doc = json!({ "field": field, "term": term, "df": df });
                if field == "text" && term.chars().all(char::is_alphabetic) {
                    if let Some(c) = phonetic::code(analyzer, term) {
                        doc["code"] = json!(c);
                    }
                    if term.chars().count() >= phonetic::MIN_COMPOUND_LETTERS {
                        doc["rev"] = json!(term.chars().rev().collect::<String>());
                    }
                }
                body.push_str(&json!({ "index": { "_id": id } }).to_string());
                body.push('\n');
                body.push_str(&doc.to_string());
                body.push('\n');
                written += 1;
            }
            if body.is_empty() {
                continue;
            }
            let path = format!("/{index}/_bulk");
            let (status, v) = cluster.call("POST", &path, Some(("application/x-ndjson", &body)))?;
            let v = super::ok("POST", &path, status, v)?;
            if v["errors"] == true {
                let first = v["items"]
                    .as_array()
                    .and_then(|items| {
                        items
                            .iter()
                            .find_map(|i| i.as_object()?.values().next()?.get("error").cloned())
                    })
                    .unwrap_or(Value::Null);
                return Err(ClusterError::Status {
                    method: "POST",
                    path,
                    status,
                    reason: super::reason(&first),
                });
            }
        }
        Ok(written)
    }
}

/// The cluster's vocabulary for one search: lookups are cached, and the
/// first failure is kept (the trait's answers cannot fail) and reported
/// by [`Remote::failure`] after the plan is built.
pub struct Remote<'a> {
    cluster: &'a Cluster,
    schema: &'a ArchiveSchema,
    index: String,
    df: RefCell<HashMap<(Field, String), u64>>,
    failed: RefCell<Option<ClusterError>>,
}

impl<'a> Remote<'a> {
    /// The vocabulary of `cluster`'s index.
    pub fn new(cluster: &'a Cluster, schema: &'a ArchiveSchema) -> Remote<'a> {
        Remote {
            cluster,
            schema,
            index: cluster.vocabulary_index(),
            df: RefCell::default(),
            failed: RefCell::default(),
        }
    }

    /// The first lookup that failed, if one did.
    pub fn failure(&self) -> Option<ClusterError> {
        self.failed.borrow_mut().take()
    }

    fn name(&self, field: Field) -> &str {
        self.schema.schema.get_field_name(field)
    }

    fn fail(&self, e: ClusterError) {
        let mut f = self.failed.borrow_mut();
        if f.is_none() {
            *f = Some(e);
        }
    }

    /// Terms of a search of the vocabulary, with their frequencies.
    fn terms(&self, body: Value) -> Vec<(String, u64)> {
        if self.failed.borrow().is_some() {
            return Vec::new();
        }
        match self
            .cluster
            .json("POST", &format!("/{}/_search", self.index), &body)
        {
            Ok(v) => v["hits"]["hits"]
                .as_array()
                .map(|hits| {
                    hits.iter()
                        .filter_map(|h| {
                            Some((
                                h["_source"]["term"].as_str()?.to_string(),
                                h["_source"]["df"].as_u64()?,
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Err(e) => {
                self.fail(e);
                Vec::new()
            }
        }
    }
}

impl Vocabulary for Remote<'_> {
    fn doc_freq(&self, field: Field, term: &str) -> u64 {
        let key = (field, term.to_string());
        if let Some(n) = self.df.borrow().get(&key) {
            return *n;
        }
        if self.failed.borrow().is_some() {
            return 0;
        }
        let id = doc_id(self.name(field), term);
        let path = format!(
            "/{}/_doc/{}?_source_includes=df",
            self.index,
            percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC)
        );
        let n = match self.cluster.call("GET", &path, None) {
            Ok((200, v)) => v["_source"]["df"].as_u64().unwrap_or(0),
            Ok((404, _)) => 0,
            Ok((status, v)) => {
                self.fail(ClusterError::Status {
                    method: "GET",
                    path,
                    status,
                    reason: super::reason(&v),
                });
                0
            }
            Err(e) => {
                self.fail(e);
                0
            }
        };
        self.df.borrow_mut().insert(key, n);
        n
    }

    fn prefixed(&self, field: Field, prefix: &str, limit: usize) -> Vec<(String, u64)> {
        let found = self.terms(json!({
            "size": limit.min(10_000),
            "_source": ["term", "df"],
            "query": { "bool": { "filter": [
                { "term": { "field": self.name(field) } },
                { "prefix": { "term": prefix } },
            ]}},
            "sort": [{ "term": "asc" }],
        }));
        let mut cache = self.df.borrow_mut();
        for (t, n) in &found {
            cache.insert((field, t.clone()), *n);
        }
        found
    }

    fn sounding(&self, analyzer: &Analyzer, stem: &str) -> Vec<String> {
        let Some(code) = phonetic::code(analyzer, stem) else {
            return Vec::new();
        };
        let text = self.schema.fields.text;
        let found = self.terms(json!({
            "size": phonetic::MAX_VARIANTS + 1,
            "_source": ["term", "df"],
            "query": { "bool": {
                "filter": [
                    { "term": { "field": self.name(text) } },
                    { "term": { "code": code } },
                ],
                "must_not": [{ "term": { "term": stem } }],
            }},
            "sort": [{ "df": "desc" }, { "term": "asc" }],
        }));
        found
            .into_iter()
            .take(phonetic::MAX_VARIANTS)
            .map(|(t, _)| t)
            .collect()
    }

    fn ending_with(&self, head: &str, limit: usize) -> Vec<(String, u64)> {
        let rev: String = head.chars().rev().collect();
        let text = self.schema.fields.text;
        self.terms(json!({
            "size": limit.min(10_000),
            "_source": ["term", "df"],
            "query": { "bool": {
                "filter": [
                    { "term": { "field": self.name(text) } },
                    { "prefix": { "rev": rev } },
                ],
                "must_not": [{ "term": { "rev": rev } }],
            }},
            "sort": [{ "rev": "asc" }],
        }))
    }

    fn near(&self, field: Field, term: &str, limit: usize) -> Vec<(String, u64)> {
        let found = self.terms(json!({
            "size": limit.min(10_000),
            "_source": ["term", "df"],
            "query": { "bool": {
                "filter": [
                    { "term": { "field": self.name(field) } },
                    { "fuzzy": { "term": {
                        "value": term, "fuzziness": 1, "transpositions": true,
                        "prefix_length": 0, "max_expansions": 1_000,
                    } } },
                ],
                "must_not": [{ "term": { "term": term } }],
            }},
            "sort": [{ "df": "desc" }, { "term": "asc" }],
        }));
        let mut cache = self.df.borrow_mut();
        for (t, n) in &found {
            cache.insert((field, t.clone()), *n);
        }
        found
    }

    fn values(&self, field: Field) -> Result<BTreeSet<String>, SearchError> {
        let found = self.terms(json!({
            "size": 10_000,
            "_source": ["term", "df"],
            "query": { "bool": { "filter": [{ "term": { "field": self.name(field) } }] } },
            "sort": [{ "term": "asc" }],
        }));
        Ok(found.into_iter().map(|(t, _)| t).collect())
    }
}
