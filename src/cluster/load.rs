//! `archivar index PATHS --opensearch URL/INDEX`: the same ingest as the
//! local index (every item indexed or reported with its file:line), each
//! item prepared as locally ([`crate::index::writer::Indexer::prepare`]:
//! stories, analysed terms), sent in `_bulk` batches of about
//! [`BATCH_BYTES`], with the vocabulary beside the index kept up to date
//! ([`super::vocabulary`]). Files unchanged since they were loaded are
//! skipped by their fingerprints, kept in `INDEX-files` ([`FILES_SUFFIX`]);
//! items taken out of a changed file, and with `--prune` those of files
//! gone, are deleted. At the end both indices are refreshed and the index
//! must hold as many items as it held before, plus the new ones, less the
//! deleted.

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
    /// Files skipped as unchanged since they were loaded.
    pub unchanged_files: u64,
    /// Their items.
    pub unchanged_items: u64,
    /// Files no longer there whose items `--prune` deleted.
    pub removed_files: u64,
    /// Items deleted: of pruned files, and those taken out of changed files.
    pub removed_items: u64,
}

/// Suffix of the index that keeps each loaded file's fingerprint.
pub const FILES_SUFFIX: &str = "-files";

/// The fingerprints' index: one document a file read without errors,
/// `_id` its path, with its SHA-256 and its items' count (as the local
/// index keeps them, [`crate::index::writer::FileState`]).
fn files_template(schema: &crate::index::schema::ArchiveSchema) -> serde_json::Value {
    json!({
        "settings": { "number_of_shards": 1, "number_of_replicas": REPLICAS },
        "mappings": {
            "dynamic": "strict",
            "_meta": { template::VERSION_KEY: schema.version },
            "properties": {
                "file": { "type": "keyword" },
                "sha256": { "type": "keyword" },
                "items": { "type": "long" },
            }
        }
    })
}

/// Read every page of a search (sorted by `sort`, a keyword field):
/// the `_id` and `_source` of each hit.
fn all_hits(
    cluster: &Cluster,
    index: &str,
    query: serde_json::Value,
    source: serde_json::Value,
    sort: &str,
) -> Result<Vec<(String, serde_json::Value)>, ClusterError> {
    let mut out = Vec::new();
    let mut after: Option<serde_json::Value> = None;
    loop {
        let mut body = json!({
            "size": 10_000,
            "query": query,
            "_source": source,
            "sort": [{ sort: "asc" }],
        });
        if let Some(a) = &after {
            body["search_after"] = a.clone();
        }
        let v = cluster.json("POST", &format!("/{index}/_search"), &body)?;
        let hits = v["hits"]["hits"].as_array().cloned().unwrap_or_default();
        let n = hits.len();
        for h in hits {
            after = Some(h["sort"].clone());
            out.push((
                h["_id"].as_str().unwrap_or_default().to_string(),
                h["_source"].clone(),
            ));
        }
        if n < 10_000 {
            return Ok(out);
        }
    }
}

/// The fingerprints of the files loaded before.
fn known_files(
    cluster: &Cluster,
) -> Result<std::collections::BTreeMap<String, crate::index::writer::FileState>, ClusterError> {
    let index = format!("{}{FILES_SUFFIX}", cluster.index);
    let hits = all_hits(
        cluster,
        &index,
        json!({ "match_all": {} }),
        json!(["file", "sha256", "items"]),
        "file",
    )?;
    Ok(hits
        .into_iter()
        .filter_map(|(_, s)| {
            Some((
                s["file"].as_str()?.to_string(),
                crate::index::writer::FileState {
                    sha256: s["sha256"].as_str()?.to_string(),
                    items: s["items"].as_u64()?,
                },
            ))
        })
        .collect())
}

/// One item waiting in a batch.
struct Pending {
    id: String,
    /// The canonical path of its file.
    file: String,
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
    let files = format!("{}{FILES_SUFFIX}", cluster.index);
    if rebuild {
        for index in [&cluster.index, &vocab, &files] {
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
        (files.clone(), files_template(schema)),
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
    /// Files with an item the cluster refused: read again next time.
    refused: std::collections::HashSet<String>,
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
            refused: Default::default(),
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
            file: file.to_string(),
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
                    // 429: the node is busy; 5xx: a shard is moving, as when
                    // a node is lost and its replicas take over.
                    if (status == 429 || status >= 500) && attempt < ATTEMPTS {
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
                    self.refused.insert(p.file.clone());
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

    /// Delete the items of `file` (all, or those not in `keep`): their
    /// terms leave the vocabulary. Returns how many were deleted.
    pub fn delete_items_of(
        &mut self,
        file: &str,
        keep: Option<&std::collections::HashSet<String>>,
    ) -> Result<u64, ClusterError> {
        // What is in batches already must be in the index before the
        // search for the file's items.
        self.flush()?;
        let index = self.cluster.index.clone();
        self.cluster.refresh(&index)?;
        let gone: Vec<(String, serde_json::Value)> = all_hits(
            self.cluster,
            &index,
            json!({ "term": { "file": file } }),
            json!(self.fields),
            "id",
        )?
        .into_iter()
        .filter(|(id, _)| keep.is_none_or(|k| !k.contains(id)))
        .collect();
        for chunk in gone.chunks(5_000) {
            let mut body = String::new();
            for (id, _) in chunk {
                body.push_str(&json!({ "delete": { "_id": id } }).to_string());
                body.push('\n');
            }
            let path = format!("/{index}/_bulk");
            let (status, v) =
                self.cluster
                    .call("POST", &path, Some(("application/x-ndjson", &body)))?;
            let v = super::ok("POST", &path, status, v)?;
            for ((_, source), r) in chunk
                .iter()
                .zip(v["items"].as_array().into_iter().flatten())
            {
                if r["delete"]["result"] == "deleted" {
                    let terms = vocabulary::terms_of(source, &self.fields, &self.archive.schema);
                    self.delta.add(&terms, -1);
                    self.loaded.removed_items += 1;
                }
            }
        }
        Ok(gone.len() as u64)
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
        let want = (before + self.loaded.new).saturating_sub(self.loaded.removed_items);
        if count != want {
            return Err(ClusterError::Answer {
                path: format!("/{}/_count", self.cluster.index),
                detail: format!(
                    "the index holds {count} items after the refresh, not the {want} expected ({before} before, {} new, {} deleted); \
                     run the same command again to send what is missing",
                    self.loaded.new, self.loaded.removed_items
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
    opts: Options,
    quiet: bool,
    bar: &indicatif::ProgressBar,
    report: &mut dyn FnMut(String),
) -> Result<Loaded, ClusterError> {
    let archive = Archive::in_memory().map_err(|e| ClusterError::Answer {
        path: "(schema)".into(),
        detail: e.to_string(),
    })?;
    prepare(cluster, &archive, opts.rebuild)?;
    let known = known_files(cluster)?;
    // Fingerprints of the files read without errors, written once their
    // items are in; and the files whose fingerprints go.
    let mut states: Vec<(String, crate::index::writer::FileState)> = Vec::new();
    let mut present: std::collections::HashSet<String> = Default::default();
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
        present.insert(file.clone());
        let sha256 = ingest::fingerprint(&src.path).ok();
        let before_file = known.get(&file);
        if let (Some(k), Some(sha), false) = (before_file, &sha256, opts.force)
            && k.sha256 == *sha
        {
            loader.loaded.unchanged_files += 1;
            loader.loaded.unchanged_items += k.items;
            done += src.size;
            bar.set_position(done);
            continue;
        }
        let failed_before = failed + loader.loaded.failed;
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
        let ids: std::collections::HashSet<String> = items.iter().map(|i| i.id.clone()).collect();
        let mut count = 0u64;
        for item in items {
            count += 1;
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
        // Items taken out of a file loaded before go, as locally.
        if fatal.is_none()
            && before_file.is_some()
            && let Err(e) = loader.delete_items_of(&file, Some(&ids))
        {
            fatal = Some(e);
        }
        if let Some(sha256) = sha256.filter(|_| failed + loader.loaded.failed == failed_before) {
            states.push((
                file.clone(),
                crate::index::writer::FileState {
                    sha256,
                    items: count,
                },
            ));
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
    let mut gone_files = Vec::new();
    if opts.prune && fatal.is_none() {
        let roots: Vec<String> = paths
            .iter()
            .map(|p| crate::index::pipeline::file_key(p))
            .collect();
        for f in known.keys() {
            if present.contains(f) || !roots.iter().any(|r| f.starts_with(r.as_str())) {
                continue;
            }
            if let Err(e) = loader.delete_items_of(f, None) {
                fatal = Some(e);
                break;
            }
            loader.loaded.removed_files += 1;
            gone_files.push(f.clone());
        }
    }
    let refused = std::mem::take(&mut loader.refused);
    states.retain(|(f, _)| !refused.contains(f));
    let result = match fatal {
        Some(e) => Err(e),
        None => loader
            .finish(before)
            .and_then(|l| write_files(cluster, &states, &gone_files).map(|()| l)),
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

/// How `load` treats what the cluster holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Delete the index and build it anew.
    pub rebuild: bool,
    /// Read every file, also those unchanged since they were loaded.
    pub force: bool,
    /// Delete the items of files below the paths that are no longer there.
    pub prune: bool,
}

/// Keep the fingerprints of the files loaded (after their items are in)
/// and forget those of the files pruned.
fn write_files(
    cluster: &Cluster,
    states: &[(String, crate::index::writer::FileState)],
    gone: &[String],
) -> Result<(), ClusterError> {
    let index = format!("{}{FILES_SUFFIX}", cluster.index);
    let mut body = String::new();
    for (file, s) in states {
        body.push_str(&json!({ "index": { "_id": file } }).to_string());
        body.push('\n');
        body.push_str(&json!({ "file": file, "sha256": s.sha256, "items": s.items }).to_string());
        body.push('\n');
    }
    for file in gone {
        body.push_str(&json!({ "delete": { "_id": file } }).to_string());
        body.push('\n');
    }
    if body.is_empty() {
        return Ok(());
    }
    let path = format!("/{index}/_bulk?refresh=true");
    let (status, v) = cluster.call("POST", &path, Some(("application/x-ndjson", &body)))?;
    let v = super::ok("POST", &path, status, v)?;
    if v["errors"] == true {
        return Err(ClusterError::Answer {
            path,
            detail: format!(
                "fingerprints not kept: {}",
                v.to_string().chars().take(300).collect::<String>()
            ),
        });
    }
    Ok(())
}
