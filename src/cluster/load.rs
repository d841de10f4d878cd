//! `archivar index PATHS --opensearch URL/INDEX`: the same ingest as the
//! local index (every item indexed or reported with its file:line), each
//! item prepared as locally ([`crate::index::writer::Indexer::prepare`]:
//! stories, analysed terms), sent in `_bulk` batches of about
//! [`BATCH_BYTES`], with the vocabulary beside the index kept up to date
//! ([`super::vocabulary`]). At the end both indices are refreshed and the
//! index must hold as many items as it held before plus the new ones.

use super::vocabulary::{self, Delta};
use super::{ATTEMPTS, Cluster, ClusterError};
use crate::index::{Archive, dedup, template, writer::Indexer};
use crate::ingest::{self, Event};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

/// Bytes of bulk lines sent in one request.
pub const BATCH_BYTES: usize = 5 << 20;

/// Changed terms gathered before the vocabulary is written (and at the
/// end): a term that many batches change is written once. About 100 bytes
/// each in memory.
pub const DELTA_TERMS: usize = 500_000;

/// Primary shards of an index the loader creates.
pub const SHARDS: u32 = 3;
/// Copies of each shard.
pub const REPLICAS: u32 = 1;

/// What a load did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// Items new to the index.
    pub new: u64,
    /// Items that replaced one with their id.
    pub replaced: u64,
    /// Items or files that failed (reported).
    pub failed: u64,
    /// Warnings given.
    pub warnings: u64,
    /// Files read.
    pub files: u64,
    /// Items in the index after the load.
    pub count: u64,
}

/// One item waiting in a batch.
struct Pending {
    id: String,
    /// Where it came from, `file:line`.
    source: String,
    /// Its terms, for the vocabulary.
    terms: Vec<(String, String)>,
    /// Its two bulk lines.
    lines: String,
}

/// Create the index and its vocabulary if absent (or anew, `rebuild`);
/// refuse an index of another schema version.
pub fn prepare(cluster: &Cluster, archive: &Archive, rebuild: bool) -> Result<(), ClusterError> {
    let schema = &archive.schema;
    let vocab = cluster.vocabulary_index();
    if rebuild {
        for index in [&cluster.index, &vocab] {
            if cluster.exists(index)? {
                cluster.call("DELETE", &format!("/{index}"), None)?;
            }
        }
    }
    for (index, body) in [
        (
            cluster.index.clone(),
            template::template(schema, SHARDS, REPLICAS),
        ),
        (vocab.clone(), vocabulary::template(schema, REPLICAS)),
    ] {
        if cluster.exists(&index)? {
            let found = cluster.version(&index)?;
            if found != Some(u64::from(schema.version)) {
                return Err(ClusterError::Version {
                    url: cluster.url.clone(),
                    index,
                    found: found.map_or("none".to_string(), |v| v.to_string()),
                    want: u64::from(schema.version),
                });
            }
        } else {
            cluster.json("PUT", &format!("/{index}"), &body)?;
        }
    }
    Ok(())
}

/// The loader: items in, batches out.
pub struct Loader<'a> {
    cluster: &'a Cluster,
    archive: &'a Archive,
    fields: Vec<String>,
    batch: Vec<Pending>,
    bytes: usize,
    clusters: dedup::Clusters,
    /// Changes of the vocabulary not yet written.
    delta: Delta,
    /// Items in the index before the run.
    before: u64,
    /// Counts so far.
    pub loaded: Loaded,
    /// Reports of items the cluster refused, `file:line: why`.
    report: &'a mut dyn FnMut(String),
}

impl<'a> Loader<'a> {
    /// A loader into `cluster`'s index, reporting refused items to `report`.
    pub fn new(
        cluster: &'a Cluster,
        archive: &'a Archive,
        report: &'a mut dyn FnMut(String),
    ) -> Loader<'a> {
        Loader {
            cluster,
            archive,
            fields: vocabulary::kept_fields(&archive.schema),
            batch: Vec::new(),
            bytes: 0,
            clusters: dedup::Clusters::default(),
            delta: Delta::default(),
            before: 0,
            loaded: Loaded::default(),
            report,
        }
    }

    /// Add an item read from the file of canonical path `file`.
    pub fn add(&mut self, file: &str, item: crate::item::Item) -> Result<(), ClusterError> {
        let source_loc = item.source.clone();
        let p = match Indexer::prepare(self.archive, Some(file), item) {
            Ok(p) => p,
            Err(e) => {
                self.loaded.failed += 1;
                (self.report)(format!("{source_loc}: {e}"));
                return Ok(());
            }
        };
        let (item, doc, sig) = p.parts();
        let doc = self.with_cluster(&item.id, doc, sig)?;
        let source = match template::source(self.archive, &doc) {
            Ok(s) => s,
            Err(e) => {
                self.loaded.failed += 1;
                (self.report)(format!("{source_loc}: {e}"));
                return Ok(());
            }
        };
        let mut lines = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = crate::output::bulk::write_item(&mut lines, &item.id, &source);
        let lines = String::from_utf8_lossy(&lines).into_owned();
        self.bytes += lines.len();
        self.batch.push(Pending {
            id: item.id.clone(),
            source: source_loc,
            terms: vocabulary::terms_of(&source, &self.fields, &self.archive.schema),
            lines,
        });
        if self.bytes >= BATCH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// The document with its near-duplicate cluster, as the local
    /// index assigns it ([`dedup::Clusters`]): among this run's items, and
    /// among the cluster's items that share a band with it (looked up
    /// when the index held items before the run).
    fn with_cluster(
        &mut self,
        id: &str,
        doc: &tantivy::TantivyDocument,
        sig: Option<&dedup::Signature>,
    ) -> Result<tantivy::TantivyDocument, ClusterError> {
        let f = self.archive.fields();
        let mut failed = None;
        let (cluster, index, before) = (self.cluster, self.cluster.index.clone(), self.before);
        let mut lookup = |bands: &[u64]| -> dedup::Candidates {
            if before == 0 || failed.is_some() {
                return Vec::new();
            }
            let terms: Vec<String> = bands.iter().map(|&k| dedup::band_term(k)).collect();
            let body = json!({
                "size": dedup::MAX_CANDIDATES,
                "_source": ["cluster", "minhash"],
                "query": { "terms": { "dup_bands": terms } },
            });
            match cluster.json("POST", &format!("/{index}/_search"), &body) {
                Ok(v) => v["hits"]["hits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|h| {
                        Some((
                            h["_source"]["cluster"].as_u64()?,
                            super::unbase64(h["_source"]["minhash"].as_str()?)?,
                        ))
                    })
                    .collect(),
                Err(e) => {
                    failed = Some(e);
                    Vec::new()
                }
            }
        };
        let c = self.clusters.assign(id, sig, &mut lookup);
        if let Some(e) = failed {
            return Err(e);
        }
        let mut doc = doc.clone();
        doc.add_u64(f.cluster, c);
        if let Some(sig) = sig {
            for key in sig.bands() {
                doc.add_text(f.dup_bands, dedup::band_term(key));
            }
            doc.add_bytes(f.minhash, &sig.bytes());
        }
        Ok(doc)
    }

    /// Send the batch: the earlier versions' terms are read first, then the
    /// items are sent (those refused with 429 again, with backoff), and
    /// the vocabulary gets the difference.
    pub fn flush(&mut self) -> Result<(), ClusterError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.bytes = 0;
        let index = self.cluster.index.clone();
        // The last line of an id in the batch is the one that stays.
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, p) in batch.iter().enumerate() {
            last.insert(&p.id, i);
        }
        let ids: Vec<&str> = last.keys().copied().collect();
        let v = self.cluster.json(
            "POST",
            &format!("/{index}/_mget?realtime=true"),
            &json!({ "docs": ids.iter().map(|id| json!({
                "_id": id, "_source": { "includes": self.fields } })).collect::<Vec<_>>() }),
        )?;
        let mut old: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for d in v["docs"].as_array().into_iter().flatten() {
            if d["found"] == true
                && let Some(id) = d["_id"].as_str()
            {
                old.insert(
                    id.to_string(),
                    vocabulary::terms_of(&d["_source"], &self.fields, &self.archive.schema),
                );
            }
        }
        // Results by position in the batch.
        let mut results: Vec<Option<Result<bool, String>>> = vec![None; batch.len()];
        let mut todo: Vec<usize> = (0..batch.len()).collect();
        let mut wait = Duration::from_millis(250);
        for attempt in 1..=ATTEMPTS {
            let mut body = String::new();
            for &i in &todo {
                body.push_str(&batch[i].lines);
            }
            let path = format!("/{index}/_bulk");
            let (status, v) =
                self.cluster
                    .call("POST", &path, Some(("application/x-ndjson", &body)))?;
            let v = super::ok("POST", &path, status, v)?;
            let items = v["items"].as_array().cloned().unwrap_or_default();
            if items.len() != todo.len() {
                return Err(ClusterError::Answer {
                    path,
                    detail: format!("{} results for {} items", items.len(), todo.len()),
                });
            }
            let mut again = Vec::new();
            for (&i, r) in todo.iter().zip(&items) {
                let r = &r["index"];
                let status = r["status"].as_u64().unwrap_or(0);
                if r.get("error").is_some_and(|e| !e.is_null()) {
                    if status == 429 && attempt < ATTEMPTS {
                        again.push(i);
                    } else {
                        results[i] = Some(Err(super::reason(&r["error"])));
                    }
                } else {
                    results[i] = Some(Ok(r["result"] == "created"));
                }
            }
            if again.is_empty() {
                break;
            }
            todo = again;
            std::thread::sleep(wait);
            wait *= 2;
        }
        let delta = &mut self.delta;
        for (i, (p, r)) in batch.iter().zip(&results).enumerate() {
            match r {
                Some(Ok(created)) => {
                    if *created {
                        self.loaded.new += 1;
                    } else {
                        self.loaded.replaced += 1;
                    }
                    if last.get(p.id.as_str()) == Some(&i) {
                        if let Some(before) = old.get(&p.id) {
                            delta.add(before, -1);
                        }
                        delta.add(&p.terms, 1);
                    }
                }
                Some(Err(why)) => {
                    self.loaded.failed += 1;
                    (self.report)(format!(
                        "{}: the cluster refused item \"{}\": {why}",
                        p.source,
                        crate::output::safe::escape(&p.id)
                    ));
                }
                None => {}
            }
        }
        if self.delta.0.len() >= DELTA_TERMS {
            std::mem::take(&mut self.delta).apply(self.cluster)?;
        }
        Ok(())
    }

    /// Send what is left, refresh, and check that the index holds
    /// `before` items plus the new ones.
    pub fn finish(mut self, before: u64) -> Result<Loaded, ClusterError> {
        self.flush()?;
        std::mem::take(&mut self.delta).apply(self.cluster)?;
        self.cluster.refresh(&self.cluster.index)?;
        self.cluster.refresh(&self.cluster.vocabulary_index())?;
        // After the refreshes: a search that keeps the vocabulary's
        // answers sees the new generation only once they are visible.
        vocabulary::end(self.cluster)?;
        let count = self.cluster.count()?;
        let want = before + self.loaded.new;
        if count != want {
            return Err(ClusterError::Answer {
                path: format!("/{}/_count", self.cluster.index),
                detail: format!(
                    "the index holds {count} items after the refresh, not the {want} expected ({before} before, {} new); \
                     run the same command again to send what is missing",
                    self.loaded.new
                ),
            });
        }
        self.loaded.count = count;
        Ok(self.loaded)
    }
}

/// Read `paths` as `archivar index` reads them and load every item into
/// the cluster. Errors of files and items go to `report` (and count as
/// failed); a failure of the cluster ends the load.
pub fn load(
    cluster: &Cluster,
    paths: &[std::path::PathBuf],
    given: &ingest::Meta,
    rebuild: bool,
    quiet: bool,
    bar: &indicatif::ProgressBar,
    report: &mut dyn FnMut(String),
) -> Result<Loaded, ClusterError> {
    let archive = Archive::in_memory().map_err(|e| ClusterError::Answer {
        path: "(schema)".into(),
        detail: e.to_string(),
    })?;
    prepare(cluster, &archive, rebuild)?;
    let (mut failed, mut warnings) = (0u64, 0u64);
    if vocabulary::begin(cluster)? {
        report(format!(
            "warning: an earlier run into {}/{} stopped before it wrote the vocabulary; \
             compounds and name variants may miss some terms until the index is rebuilt \
             (archivar index --rebuild PATHS --opensearch …)",
            cluster.url, cluster.index
        ));
        warnings += 1;
    }
    let before = cluster.count()?;
    let walk = ingest::walk(paths);
    for e in &walk.errors {
        report(e.to_string());
        failed += 1;
    }
    for (loc, msg) in &walk.warnings {
        warnings += 1;
        if !quiet {
            report(format!("warning: {loc}: {msg}"));
        }
    }
    bar.set_length(walk.sources.iter().map(|s| s.size).sum());
    // Reports of the loader and of the reading, in order, through one sink.
    let reports = std::cell::RefCell::new(Vec::<String>::new());
    let mut sink = |s: String| reports.borrow_mut().push(s);
    let mut loader = Loader::new(cluster, &archive, &mut sink);
    loader.before = before;
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut fatal: Option<ClusterError> = None;
    let mut done = 0u64;
    for src in &walk.sources {
        bar.set_message(crate::output::safe::SafePath(&src.path).to_string());
        let file = crate::index::pipeline::file_key(&src.path);
        let mut items: Vec<crate::item::Item> = Vec::new();
        ingest::read_source(src, given, &mut |event| {
            for e in match event {
                Event::Item(item) => crate::app::guard(item),
                other => vec![other],
            } {
                match e {
                    Event::Item(item) => items.push(item),
                    Event::Warning(loc, msg) => {
                        warnings += 1;
                        if !quiet {
                            reports.borrow_mut().push(format!("warning: {loc}: {msg}"));
                        }
                    }
                    Event::Error(e) => {
                        failed += 1;
                        reports.borrow_mut().push(e.to_string());
                    }
                }
            }
        });
        for item in items {
            // As the local index: of two files with one id, the one read
            // first (whose path sorts first) is kept.
            let f = item
                .source
                .rsplit_once(':')
                .map_or(&*item.source, |(f, _)| f)
                .to_string();
            match seen.get(&item.id) {
                Some(first) if *first != f => {
                    warnings += 1;
                    if !quiet {
                        reports.borrow_mut().push(format!(
                            "warning: {}: id \"{}\" is also at {first}; kept that one (of the file that sorts first), this item is not indexed",
                            item.source,
                            crate::output::safe::escape(&item.id)
                        ));
                    }
                    continue;
                }
                Some(_) => {}
                None => {
                    seen.insert(item.id.clone(), f);
                }
            }
            if let Err(e) = loader.add(&file, item) {
                fatal = Some(e);
                break;
            }
        }
        for r in reports.borrow_mut().drain(..) {
            bar.suspend(|| report(r));
        }
        if fatal.is_some() {
            break;
        }
        done += src.size;
        bar.set_position(done);
    }
    let result = match fatal {
        Some(e) => Err(e),
        None => loader.finish(before),
    };
    for r in reports.borrow_mut().drain(..) {
        report(r);
    }
    let mut loaded = result?;
    loaded.failed += failed;
    loaded.warnings += warnings;
    loaded.files = walk.sources.len() as u64;
    Ok(loaded)
}
