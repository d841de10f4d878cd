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
//! the lookups of a search together: one `_mget` and one `_msearch` a
//! round ([`Remote::settle`]), kept for the process until a load marks a
//! new generation ([`Answers`]).
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
use std::sync::Mutex;
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

/// The id of the document that names the vocabulary's generation: a new
/// value each time a load has written its terms and made them visible, so
/// that a process that keeps answers ([`Answers`]) knows when to forget
/// them.
const GENERATION: &str = "\u{1}generation";

/// `GENERATION` in a path.
const GENERATION_PATH: &str = "%01generation";

/// The load has written the vocabulary and refreshed it: mark a new
/// generation, and end the mark of a load under way.
pub fn end(cluster: &Cluster) -> Result<(), ClusterError> {
    let index = cluster.vocabulary_index();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let generation = format!("{now}-{}", std::process::id());
    cluster.json(
        "PUT",
        &format!("/{index}/_doc/{GENERATION_PATH}"),
        &json!({ "field": GENERATION, "term": generation, "df": 0 }),
    )?;
    let path = format!("/{index}/_doc/%01loading");
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

/// A lookup of the vocabulary that is a search of its index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Lookup {
    /// Terms of a field starting with a prefix.
    Prefixed {
        field: String,
        prefix: String,
        limit: usize,
    },
    /// Stems of the text with a Kölner Phonetik code, but another stem.
    Sounding {
        text: String,
        code: String,
        stem: String,
    },
    /// Stems of the text ending with a head, longer than it.
    Ending {
        text: String,
        head: String,
        limit: usize,
    },
    /// Terms of a field one edit away from a term (not the term itself),
    /// most frequent first.
    Near {
        field: String,
        term: String,
        limit: usize,
    },
    /// Every value of a keyword field.
    Values { field: String },
}

impl Lookup {
    /// The search of the vocabulary's index that answers it.
    fn body(&self) -> Value {
        match self {
            Lookup::Prefixed {
                field,
                prefix,
                limit,
            } => json!({
                "size": (*limit).min(10_000),
                "_source": ["term", "df"],
                "query": { "bool": { "filter": [
                    { "term": { "field": field } },
                    { "prefix": { "term": prefix } },
                ]}},
                "sort": [{ "term": "asc" }],
            }),
            Lookup::Sounding { text, code, stem } => json!({
                "size": phonetic::MAX_VARIANTS + 1,
                "_source": ["term", "df"],
                "query": { "bool": {
                    "filter": [
                        { "term": { "field": text } },
                        { "term": { "code": code } },
                    ],
                    "must_not": [{ "term": { "term": stem } }],
                }},
                "sort": [{ "df": "desc" }, { "term": "asc" }],
            }),
            Lookup::Ending { text, head, limit } => {
                let rev: String = head.chars().rev().collect();
                json!({
                    "size": (*limit).min(10_000),
                    "_source": ["term", "df"],
                    "query": { "bool": {
                        "filter": [
                            { "term": { "field": text } },
                            { "prefix": { "rev": rev } },
                        ],
                        "must_not": [{ "term": { "rev": rev } }],
                    }},
                    "sort": [{ "rev": "asc" }],
                })
            }
            Lookup::Near { field, term, limit } => json!({
                "size": (*limit).min(10_000),
                "_source": ["term", "df"],
                "query": { "bool": {
                    "filter": [
                        { "term": { "field": field } },
                        { "fuzzy": { "term": {
                            "value": term, "fuzziness": 1, "transpositions": true,
                            "prefix_length": 0, "max_expansions": 1_000,
                        } } },
                    ],
                    "must_not": [{ "term": { "term": term } }],
                }},
                "sort": [{ "df": "desc" }, { "term": "asc" }],
            }),
            Lookup::Values { field } => json!({
                "size": 10_000,
                "_source": ["term", "df"],
                "query": { "bool": { "filter": [{ "term": { "field": field } }] } },
                "sort": [{ "term": "asc" }],
            }),
        }
    }
}

/// What the cluster's vocabulary has answered, kept by a process across
/// searches (`serve`) for as long as the vocabulary's generation stays the
/// same: a finished load marks a new one ([`end`]).
#[derive(Debug, Default)]
pub struct Answers {
    /// The generation these answers belong to (`None`: not known yet, or
    /// the index has none, and then nothing is kept between searches).
    generation: Option<String>,
    /// Document frequencies by (field, term).
    df: HashMap<(String, String), u64>,
    /// Answers of searches of the vocabulary.
    found: HashMap<Lookup, Vec<(String, u64)>>,
    /// Items in the index.
    count: Option<u64>,
}

impl Answers {
    fn clear(&mut self) {
        *self = Answers::default();
    }
}

/// Lookups asked of [`Remote`] that its answers did not hold yet.
#[derive(Default)]
struct Pending {
    df: BTreeSet<(String, String)>,
    found: Vec<Lookup>,
    count: bool,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.df.is_empty() && self.found.is_empty() && !self.count
    }
}

/// The cluster's vocabulary for one search. Query building asks its
/// lookups one at a time, each a round trip of 10-15 ms; instead
/// [`Remote::settle`] runs the work on the answers at hand, notes what it
/// asked that they lack (answering 0 or nothing meanwhile), fetches all of
/// it at once (one `_mget` for the document frequencies, one `_msearch`
/// for the other lookups, side by side) and runs the work again, until it
/// asks nothing new. The answers are the cluster's [`Answers`], shared by
/// the searches of a process.
pub struct Remote<'a> {
    cluster: &'a Cluster,
    schema: &'a ArchiveSchema,
    answers: &'a Mutex<Answers>,
    pending: RefCell<Pending>,
    /// Whether this search has checked the generation of the answers.
    checked: RefCell<bool>,
    /// Rounds of fetches so far (for tests and measurements).
    rounds: RefCell<usize>,
}

impl<'a> Remote<'a> {
    /// The vocabulary of `cluster`'s index, with its answers so far.
    pub fn new(cluster: &'a Cluster, schema: &'a ArchiveSchema) -> Remote<'a> {
        Remote {
            cluster,
            schema,
            answers: &cluster.answers,
            pending: RefCell::default(),
            checked: RefCell::new(false),
            rounds: RefCell::new(0),
        }
    }

    /// Rounds of fetches this search has needed.
    pub fn rounds(&self) -> usize {
        *self.rounds.borrow()
    }

    /// Run `work` until the answers hold everything it asks of the
    /// vocabulary, then return what it gives with them. This ends: each
    /// round answers every lookup the one before asked for, a search asks
    /// finitely many (its words' stems, prefixes and heads), and the
    /// answers of one search do not change.
    pub fn settle<T>(&self, mut work: impl FnMut(&Self) -> T) -> Result<T, ClusterError> {
        loop {
            let out = work(self);
            let pending = std::mem::take(&mut *self.pending.borrow_mut());
            if pending.is_empty() {
                if *self.checked.borrow() {
                    return Ok(out);
                }
                // Everything came from answers kept from earlier searches:
                // valid if the vocabulary is still of their generation.
                if self.check_generation()? {
                    return Ok(out);
                }
                continue;
            }
            self.fetch(pending)?;
        }
    }

    /// Items in the index, as the answers know it (asked in the next
    /// round otherwise).
    pub fn count(&self) -> u64 {
        let known = self.lock().count;
        known.unwrap_or_else(|| {
            self.pending.borrow_mut().count = true;
            0
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Answers> {
        // A search that panicked while holding the lock leaves answers
        // that are whole (each is inserted in one step): go on with them.
        self.answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn name(&self, field: Field) -> &str {
        self.schema.schema.get_field_name(field)
    }

    /// The vocabulary's generation now (`None` if it has none).
    fn generation(&self) -> Result<Option<String>, ClusterError> {
        let path = format!(
            "/{}/_doc/{GENERATION_PATH}",
            self.cluster.vocabulary_index()
        );
        match self.cluster.call("GET", &path, None)? {
            (200, v) => Ok(v["_source"]["term"].as_str().map(str::to_string)),
            (404, _) => Ok(None),
            (status, v) => super::ok("GET", &path, status, v).map(|_| None),
        }
    }

    /// Whether the answers are of the vocabulary's generation now;
    /// forgets them when not.
    fn check_generation(&self) -> Result<bool, ClusterError> {
        *self.checked.borrow_mut() = true;
        let now = self.generation()?;
        let mut a = self.lock();
        if now.is_some() && a.generation == now {
            return Ok(true);
        }
        a.clear();
        a.generation = now;
        Ok(false)
    }

    /// Fetch what the last round asked: the document frequencies by one
    /// `_mget`, the searches by one `_msearch`, both at once.
    fn fetch(&self, pending: Pending) -> Result<(), ClusterError> {
        *self.rounds.borrow_mut() += 1;
        let check = !*self.checked.borrow();
        let Pending { df, found, count } = pending;
        let df: Vec<(String, String)> = df.into_iter().collect();
        // The three calls side by side: a round costs the slowest one.
        let lost = || ClusterError::Answer {
            path: format!("/{}/_msearch", self.cluster.vocabulary_index()),
            detail: "the thread asking the cluster stopped".into(),
        };
        let (got_df, got_found, got_count) = std::thread::scope(|s| {
            let cluster = self.cluster;
            let lookups = &found;
            let searches = s.spawn(move || search_all(cluster, lookups));
            let count = count.then(|| s.spawn(move || cluster.count()));
            let docs = get_all(cluster, &df, check);
            let searches = searches.join().unwrap_or_else(|_| Err(lost()));
            let count = count.map(|c| c.join().unwrap_or_else(|_| Err(lost())));
            (docs, searches, count)
        });
        let (freqs, generation) = got_df?;
        let found_answers = got_found?;
        let count = got_count.transpose()?;
        let mut a = self.lock();
        if check {
            *self.checked.borrow_mut() = true;
            if generation.is_none() || a.generation != generation {
                a.clear();
                a.generation = generation;
            }
        }
        for (key, n) in df.into_iter().zip(freqs) {
            a.df.insert(key, n);
        }
        for (lookup, terms) in found.into_iter().zip(found_answers) {
            if let Lookup::Prefixed { field, .. } | Lookup::Near { field, .. } = &lookup {
                for (t, n) in &terms {
                    a.df.insert((field.clone(), t.clone()), *n);
                }
            }
            a.found.insert(lookup, terms);
        }
        if let Some(n) = count {
            a.count = Some(n);
        }
        Ok(())
    }

    /// The answer to a search of the vocabulary, or nothing for now (and
    /// the lookup asked in the next round).
    fn found(&self, lookup: Lookup) -> Vec<(String, u64)> {
        if let Some(terms) = self.lock().found.get(&lookup) {
            return terms.clone();
        }
        let mut p = self.pending.borrow_mut();
        if !p.found.contains(&lookup) {
            p.found.push(lookup);
        }
        Vec::new()
    }
}

/// The document frequencies of `keys` (0 for terms no item holds),
/// and the generation when `generation` asks for it, by one `_mget`.
fn get_all(
    cluster: &Cluster,
    keys: &[(String, String)],
    generation: bool,
) -> Result<(Vec<u64>, Option<String>), ClusterError> {
    let mut ids: Vec<String> = keys.iter().map(|(f, t)| doc_id(f, t)).collect();
    if generation {
        ids.push(GENERATION.to_string());
    }
    if ids.is_empty() {
        return Ok((Vec::new(), None));
    }
    let path = format!(
        "/{}/_mget?realtime=true&_source_includes=df,term",
        cluster.vocabulary_index()
    );
    let v = cluster.json("POST", &path, &json!({ "ids": ids }))?;
    let docs = v["docs"].as_array().cloned().unwrap_or_default();
    if docs.len() != ids.len() {
        return Err(ClusterError::Answer {
            path,
            detail: format!("{} documents for {} ids", docs.len(), ids.len()),
        });
    }
    let mut freqs = Vec::with_capacity(keys.len());
    for d in &docs[..keys.len()] {
        if d.get("error").is_some_and(|e| !e.is_null()) {
            return Err(ClusterError::Status {
                method: "POST",
                path,
                status: 200,
                reason: super::reason(d),
            });
        }
        freqs.push(d["_source"]["df"].as_u64().unwrap_or(0));
    }
    let generation = if generation {
        docs[keys.len()]["_source"]["term"]
            .as_str()
            .map(str::to_string)
    } else {
        None
    };
    Ok((freqs, generation))
}

/// The terms (with frequencies) each lookup finds, by one `_msearch`.
fn search_all(
    cluster: &Cluster,
    lookups: &[Lookup],
) -> Result<Vec<Vec<(String, u64)>>, ClusterError> {
    if lookups.is_empty() {
        return Ok(Vec::new());
    }
    let mut body = String::new();
    for l in lookups {
        body.push_str("{}\n");
        body.push_str(&l.body().to_string());
        body.push('\n');
    }
    let path = format!("/{}/_msearch", cluster.vocabulary_index());
    let (status, v) = cluster.call("POST", &path, Some(("application/x-ndjson", &body)))?;
    let v = super::ok("POST", &path, status, v)?;
    let answers = v["responses"].as_array().cloned().unwrap_or_default();
    if answers.len() != lookups.len() {
        return Err(ClusterError::Answer {
            path,
            detail: format!("{} answers for {} searches", answers.len(), lookups.len()),
        });
    }
    let mut out = Vec::with_capacity(answers.len());
    for a in &answers {
        if a.get("error").is_some_and(|e| !e.is_null()) {
            return Err(ClusterError::Status {
                method: "POST",
                path,
                status: a["status"].as_u64().unwrap_or(0) as u16,
                reason: super::reason(a),
            });
        }
        out.push(
            a["hits"]["hits"]
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
        );
    }
    Ok(out)
}

impl Vocabulary for Remote<'_> {
    fn doc_freq(&self, field: Field, term: &str) -> u64 {
        let key = (self.name(field).to_string(), term.to_string());
        if let Some(n) = self.lock().df.get(&key) {
            return *n;
        }
        self.pending.borrow_mut().df.insert(key);
        0
    }

    fn prefixed(&self, field: Field, prefix: &str, limit: usize) -> Vec<(String, u64)> {
        self.found(Lookup::Prefixed {
            field: self.name(field).to_string(),
            prefix: prefix.to_string(),
            limit,
        })
    }

    fn sounding(&self, analyzer: &Analyzer, stem: &str) -> Vec<String> {
        let Some(code) = phonetic::code(analyzer, stem) else {
            return Vec::new();
        };
        self.found(Lookup::Sounding {
            text: self.name(self.schema.fields.text).to_string(),
            code,
            stem: stem.to_string(),
        })
        .into_iter()
        .take(phonetic::MAX_VARIANTS)
        .map(|(t, _)| t)
        .collect()
    }

    fn ending_with(&self, head: &str, limit: usize) -> Vec<(String, u64)> {
        self.found(Lookup::Ending {
            text: self.name(self.schema.fields.text).to_string(),
            head: head.to_string(),
            limit,
        })
    }

    fn near(&self, field: Field, term: &str, limit: usize) -> Vec<(String, u64)> {
        self.found(Lookup::Near {
            field: self.name(field).to_string(),
            term: term.to_string(),
            limit,
        })
    }

    fn values(&self, field: Field) -> Result<BTreeSet<String>, SearchError> {
        let found = self.found(Lookup::Values {
            field: self.name(field).to_string(),
        });
        Ok(found.into_iter().map(|(t, _)| t).collect())
    }
}
