//! Writing items into the index: one tantivy document per item, replacing
//! any item with the same id.
//!
//! A long run commits now and then ([`Indexer::checkpoint`]), always
//! between two files, with the fingerprints of the files read so far in the
//! same commit. A run that is killed thus keeps what it committed, and the
//! next run skips those files and reads the rest.

use super::lock::WriteLock;
use super::sweep::Swept;
use super::{Archive, dedup};
use crate::error::IndexError;
use crate::item::{BlockKind, Item};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tantivy::schema::TantivyDocument;
use tantivy::{IndexWriter, Searcher, Term};

/// Default memory budget of the tantivy writer, shared by its threads.
/// At 192 MB a build of 1M synthetic items peaks at 982 MiB (at 256 MB:
/// 1,036 MiB, over issue 5's 1 GiB), in the same time (BENCHMARKS.md).
pub const DEFAULT_MEMORY_MB: usize = 192;

/// Least memory budget: tantivy needs 15 MB for a writer thread.
pub const MIN_MEMORY_MB: usize = 16;

/// Most memory budget: tantivy's arena takes less than 4 GiB a thread,
/// and with one thread (one core) the whole budget is one thread's.
pub const MAX_MEMORY_MB: usize = 4000;

/// Default of `index --commit-every`: items between two commits.
pub const DEFAULT_COMMIT_EVERY: u64 = 20_000;

/// Most bytes of segments merged into one (see [`BoundedMerges`]).
pub const MAX_MERGE_BYTES: u64 = 384 << 20;

/// tantivy's log merge policy, with merges cut to at most `max_bytes` of
/// input segments. A merge reads its inputs through mmap, so that their
/// pages count to the process's memory; unbounded, the last merges of a
/// large build read most of the index at once (1.9 GB peak at 1M items).
/// Segments grown past the bound are merged no more: a large archive ends
/// with several segments of a few hundred MB, which searches barely notice.
#[derive(Debug)]
pub struct BoundedMerges {
    inner: tantivy::indexer::LogMergePolicy,
    dir: std::path::PathBuf,
    max_bytes: u64,
}

impl BoundedMerges {
    /// The policy for the index in `dir`.
    pub fn new(dir: &std::path::Path, max_bytes: u64) -> BoundedMerges {
        BoundedMerges {
            inner: tantivy::indexer::LogMergePolicy::default(),
            dir: dir.to_path_buf(),
            max_bytes,
        }
    }

    fn bytes(&self, meta: &tantivy::SegmentMeta) -> u64 {
        use tantivy::index::SegmentComponent as C;
        [
            C::Postings,
            C::Positions,
            C::Terms,
            C::Store,
            C::FastFields,
            C::FieldNorms,
        ]
        .into_iter()
        .filter_map(|c| std::fs::metadata(self.dir.join(meta.relative_path(c))).ok())
        .map(|m| m.len())
        .sum()
    }
}

impl tantivy::indexer::MergePolicy for BoundedMerges {
    fn compute_merge_candidates(
        &self,
        segments: &[tantivy::SegmentMeta],
    ) -> Vec<tantivy::indexer::MergeCandidate> {
        let small: Vec<tantivy::SegmentMeta> = segments
            .iter()
            .filter(|s| self.bytes(s) < self.max_bytes / 2)
            .cloned()
            .collect();
        let size: std::collections::HashMap<tantivy::index::SegmentId, u64> =
            small.iter().map(|s| (s.id(), self.bytes(s))).collect();
        self.inner
            .compute_merge_candidates(&small)
            .into_iter()
            .filter_map(|c| {
                let mut ids = c.0;
                ids.sort_by_key(|id| size.get(id).copied().unwrap_or(u64::MAX));
                let mut total = 0;
                ids.retain(|id| {
                    total += size.get(id).copied().unwrap_or(u64::MAX / 4);
                    total <= self.max_bytes
                });
                (ids.len() >= 2).then_some(tantivy::indexer::MergeCandidate(ids))
            })
            .collect()
    }
}

/// What became of an item handed to [`Indexer::add`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// A new id.
    New,
    /// The id was in the index before this run; the old item is replaced.
    Replaced,
    /// The id came earlier in this same run, from the source given; this
    /// item replaces that one (the same file, or a file that sorts first).
    Duplicate(String),
    /// The id is also in another file that sorts before this one (in this
    /// run or in the index): that file's item is kept, this one is not
    /// indexed. The choice does not change when either file is edited.
    Kept(String),
}

/// The file part of an item's source: "a.jsonl:17" → "a.jsonl".
fn source_file(source: &str) -> &str {
    match source.rsplit_once(':') {
        Some((f, l)) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) => f,
        _ => source,
    }
}

/// What the index remembers of a source file, in the commit payload, so
/// that it is committed atomically with the items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Items indexed from it.
    pub items: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Payload {
    files: BTreeMap<String, FileState>,
}

/// Items in the index sharing a band with a new item: their cluster and
/// stored signature, at most [`dedup::MAX_CANDIDATES`].
fn candidates(
    searcher: &Searcher,
    f: &super::schema::Fields,
    bands: &[u64],
) -> tantivy::Result<dedup::Candidates> {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;
    if searcher.num_docs() == 0 {
        return Ok(Vec::new());
    }
    let clauses: Vec<(Occur, Box<dyn Query>)> = bands
        .iter()
        .map(|&k| {
            let term = Term::from_field_text(f.dup_bands, &dedup::band_term(k));
            let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            (Occur::Should, q)
        })
        .collect();
    let top = searcher.search(
        &BooleanQuery::new(clauses),
        &TopDocs::with_limit(dedup::MAX_CANDIDATES).order_by_score(),
    )?;
    let mut out = Vec::with_capacity(top.len());
    for (_, addr) in top {
        let ff = searcher.segment_reader(addr.segment_ord).fast_fields();
        let cluster = ff.u64("cluster")?.first(addr.doc_id);
        let mut bytes = Vec::new();
        if let Some(col) = ff.bytes("minhash")?
            && let Some(ord) = col.term_ords(addr.doc_id).next()
        {
            col.ord_to_bytes(ord, &mut bytes)?;
        }
        if let Some(c) = cluster {
            out.push((c, bytes));
        }
    }
    Ok(out)
}

/// An item's document, all but its near-duplicate cluster.
pub fn document(
    archive: &Archive,
    file: Option<&str>,
    item: &Item,
) -> Result<TantivyDocument, IndexError> {
    let f = archive.fields();
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &item.id);
    if let Some(file) = file {
        doc.add_text(f.file, file);
    }
    if !item.title.is_empty() {
        doc.add_text(f.title, &item.title);
        doc.add_text(f.text, &item.title);
    }
    for b in &item.blocks {
        match b.kind {
            BlockKind::Credit => {}
            BlockKind::Kicker | BlockKind::Subheading => {
                doc.add_text(f.headings, &b.text);
                doc.add_text(f.text, &b.text);
            }
            _ => doc.add_text(f.text, &b.text),
        }
    }
    for s in &item.speakers {
        doc.add_text(f.speaker, s);
        doc.add_text(f.speaker_facet, s);
    }
    if let Some(p) = &item.program {
        doc.add_text(f.program, p);
        doc.add_text(f.program_facet, p);
    }
    if let Some(d) = item.date {
        doc.add_i64(f.date, d.unix_days());
    }
    let json = serde_json::to_vec(item).map_err(|e| IndexError::Stored {
        dir: archive.dir.clone(),
        id: item.id.clone(),
        detail: e.to_string(),
    })?;
    doc.add_bytes(f.item, &json);
    if !item.stories.is_empty() {
        let spans: Vec<u8> = item
            .stories
            .iter()
            .flat_map(|s| s.positions)
            .flat_map(u32::to_le_bytes)
            .collect();
        doc.add_bytes(f.spans, &spans);
    }
    Ok(doc)
}

/// The ids of this run's items and where each came from, compact enough
/// for millions: an id is kept as 128 bits of its SHA-256 (two ids agree by
/// chance with odds of about 1 in 10^26 in a run of a million), its source
/// (`file:line`) as the file's number and the line.
#[derive(Default)]
struct Seen {
    ids: rustc_hash::FxHashMap<u128, (u32, u32)>,
    /// Source files (or whole sources without a line), in order of first use.
    files: Vec<Box<str>>,
}

impl Seen {
    /// Remember an id from `source`; where it came from before, if it did.
    fn insert(&mut self, id: &str, source: &str) -> Option<String> {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(id.as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        let key = u128::from_le_bytes(key);
        // "path:17" → ("path", 17 + 1); a source without a line → (source, 0).
        let (file, line) = match source.rsplit_once(':') {
            Some((f, l)) if !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) => {
                match l.parse::<u32>() {
                    Ok(n) if n < u32::MAX => (f, n + 1),
                    _ => (source, 0),
                }
            }
            _ => (source, 0),
        };
        let file_no = match self.files.last() {
            Some(last) if **last == *file => self.files.len() - 1,
            _ => {
                self.files.push(file.into());
                self.files.len() - 1
            }
        } as u32;
        let before = self.ids.insert(key, (file_no, line))?;
        let f = self.files.get(before.0 as usize).map_or("?", |f| &**f);
        Some(if before.1 == 0 {
            f.to_string()
        } else {
            format!("{f}:{}", before.1 - 1)
        })
    }
}

/// An item ready to add: its document and signature, built on any thread
/// ([`Indexer::prepare`]).
pub struct Prepared {
    item: Item,
    doc: TantivyDocument,
    sig: Option<dedup::Signature>,
}

impl Prepared {
    /// The item as indexed (with its stories), its document and its
    /// near-duplicate signature: what another engine stores
    /// ([`super::template::source`]) once it has assigned the cluster.
    pub fn parts(&self) -> (&Item, &TantivyDocument, Option<&dedup::Signature>) {
        (&self.item, &self.doc, self.sig.as_ref())
    }

    /// The item's id.
    pub fn id(&self) -> &str {
        &self.item.id
    }

    /// Where the item came from.
    pub fn source(&self) -> &str {
        &self.item.source
    }
}

/// Adds items to an index and commits them.
pub struct Indexer<'a> {
    archive: &'a Archive,
    writer: IndexWriter,
    before: Searcher,
    seen: Seen,
    files: BTreeMap<String, FileState>,
    file: Option<String>,
    /// Whether anything was added, deleted or remembered since opening.
    dirty: bool,
    /// Near-duplicate clusters of this run's items.
    clusters: super::dedup::Clusters,
    /// Items added or files deleted since the last commit.
    pending: u64,
    /// Commits made by [`Indexer::checkpoint`].
    checkpoints: u64,
    /// What the sweep of killed runs' orphans removed.
    swept: Swept,
    _lock: WriteLock,
}

impl<'a> Indexer<'a> {
    /// Start writing. Fails with [`IndexError::Locked`], naming the holder,
    /// if another process writes the same index.
    pub fn new(archive: &'a Archive, memory_mb: usize) -> Result<Indexer<'a>, IndexError> {
        let lock = super::lock::acquire(&archive.dir, false, |_| {})?;
        Indexer::with_lock(archive, memory_mb, lock)
    }

    /// Start writing, holding the folder's writer `lock` (see
    /// [`super::lock`]). Orphans of killed runs are deleted first.
    pub fn with_lock(
        archive: &'a Archive,
        memory_mb: usize,
        lock: WriteLock,
    ) -> Result<Indexer<'a>, IndexError> {
        let swept = super::sweep::sweep(archive)?;
        let writer = archive
            .index
            .writer(memory_mb.clamp(MIN_MEMORY_MB, MAX_MEMORY_MB) * 1_000_000)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(
                    tantivy::directory::error::LockError::LockBusy,
                    _,
                ) => IndexError::Locked {
                    dir: archive.dir.clone(),
                    holder: "a program other than archivar (it holds .tantivy-writer.lock)"
                        .to_string(),
                },
                e => archive.tantivy(e),
            })?;
        writer.set_merge_policy(Box::new(BoundedMerges::new(&archive.dir, MAX_MERGE_BYTES)));
        let before = archive.reader()?.searcher();
        let files = archive
            .index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str::<Payload>(&p).ok())
            .unwrap_or_default()
            .files;
        Ok(Indexer {
            archive,
            writer,
            before,
            seen: Seen::default(),
            files,
            file: None,
            dirty: false,
            clusters: Default::default(),
            pending: 0,
            checkpoints: 0,
            swept,
            _lock: lock,
        })
    }

    /// What the sweep of killed runs' orphans removed.
    pub fn swept(&self) -> Swept {
        self.swept
    }

    /// Items added (and files deleted) since the last commit.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Commits made so far by [`Indexer::checkpoint`].
    pub fn checkpoints(&self) -> u64 {
        self.checkpoints
    }

    /// The items of a file whose content is as when it was last indexed.
    pub fn unchanged(&self, file: &str, sha256: &str) -> Option<u64> {
        self.files
            .get(file)
            .filter(|s| s.sha256 == sha256)
            .map(|s| s.items)
    }

    /// Start (re-)indexing a file: the items it gave before are deleted,
    /// so that items taken out of a changed file go too.
    pub fn begin_file(&mut self, file: &str) {
        self.dirty = true;
        if self.files.remove(file).is_some() {
            self.pending += 1;
            let term = Term::from_field_text(self.archive.fields().file, file);
            self.writer.delete_term(term);
        }
        self.file = Some(file.to_string());
    }

    /// Remember a file read without errors, so an unchanged copy is skipped
    /// next time. (A file with errors is read again and reported again.)
    pub fn end_file(&mut self, file: &str, state: Option<FileState>) {
        if let Some(state) = state {
            self.files.insert(file.to_string(), state);
        }
        self.file = None;
    }

    /// Delete the items of indexed files below `roots` that are not in
    /// `present`; returns (files, items) removed.
    pub fn prune(
        &mut self,
        roots: &[String],
        present: &std::collections::HashSet<String>,
    ) -> (u64, u64) {
        let gone: Vec<String> = self
            .files
            .keys()
            .filter(|f| !present.contains(*f))
            .filter(|f| roots.iter().any(|r| f.starts_with(r.as_str())))
            .cloned()
            .collect();
        let mut items = 0;
        self.dirty |= !gone.is_empty();
        self.pending += gone.len() as u64;
        for f in &gone {
            if let Some(s) = self.files.remove(f) {
                items += s.items;
            }
            let term = Term::from_field_text(self.archive.fields().file, f);
            self.writer.delete_term(term);
        }
        (gone.len() as u64, items)
    }

    /// Add an item, replacing an earlier one with the same id.
    pub fn add(&mut self, item: &Item) -> Result<Added, IndexError> {
        let prepared = Indexer::prepare(self.archive, self.file.as_deref(), item.clone())?;
        self.add_prepared(prepared)
    }

    /// The files indexed before, with their fingerprints.
    pub fn known(&self) -> &BTreeMap<String, FileState> {
        &self.files
    }

    /// Build an item's document (all but its near-duplicate cluster) and
    /// signature: the work of [`Indexer::add`] that needs no state of the
    /// run, so that [`super::pipeline`] does it on all cores. `file` is the
    /// canonical path of the file being read.
    pub fn prepare(
        archive: &Archive,
        file: Option<&str>,
        mut item: Item,
    ) -> Result<Prepared, IndexError> {
        // Found anew whatever the input said: the cut and its word
        // positions are this binary's.
        let words = dedup::item_words_and_stems(&item);
        item.stories = super::stories::segment(&item, &words);
        let doc = document(archive, file, &item)?;
        let sig = dedup::signature(&words.words);
        Ok(Prepared { item, doc, sig })
    }

    /// Add a prepared item, replacing an earlier one with the same id.
    /// The cluster is assigned here, in the order items are added.
    pub fn add_prepared(&mut self, p: Prepared) -> Result<Added, IndexError> {
        let Prepared { item, mut doc, sig } = p;
        self.dirty = true;
        self.pending += 1;
        let f = self.archive.fields();
        let id_term = Term::from_field_text(f.id, &item.id);
        let file = source_file(&item.source);
        let added = if let Some(src) = self.seen.insert(&item.id, &item.source) {
            // Two files with one id: the one that sorts first wins, so
            // that the kept item does not swap when one of them changes.
            if source_file(&src) != file && *source_file(&src) < *file {
                self.seen.insert(&item.id, &src);
                self.pending -= 1;
                return Ok(Added::Kept(src));
            }
            Added::Duplicate(src)
        } else if self
            .before
            .doc_freq(&id_term)
            .map_err(|e| self.archive.tantivy(e))?
            > 0
        {
            let stored = self.archive.find(&self.before, &item.id)?;
            match stored {
                Some(old)
                    if source_file(&old.source) != file
                        && *source_file(&old.source) < *file
                        && std::path::Path::new(source_file(&old.source)).exists() =>
                {
                    self.seen.insert(&item.id, &old.source);
                    self.pending -= 1;
                    return Ok(Added::Kept(old.source));
                }
                _ => Added::Replaced,
            }
        } else {
            Added::New
        };
        if added != Added::New {
            self.writer.delete_term(id_term);
        }
        self.add_cluster(&item.id, sig, &mut doc)?;
        self.writer
            .add_document(doc)
            .map_err(|e| self.archive.tantivy(e))?;
        Ok(added)
    }

    /// Find the item's near-duplicate cluster (`dedup`) and record it.
    fn add_cluster(
        &mut self,
        id: &str,
        sig: Option<dedup::Signature>,
        doc: &mut TantivyDocument,
    ) -> Result<(), IndexError> {
        let f = self.archive.fields();
        let mut failed = None;
        let before = &self.before;
        let mut lookup = |bands: &[u64]| match candidates(before, &f, bands) {
            Ok(c) => c,
            Err(e) => {
                failed = Some(e);
                Vec::new()
            }
        };
        let cluster = self.clusters.assign(id, sig.as_ref(), &mut lookup);
        if let Some(e) = failed {
            return Err(self.archive.tantivy(e));
        }
        doc.add_u64(f.cluster, cluster);
        if let Some(sig) = sig {
            for key in sig.bands() {
                doc.add_text(f.dup_bands, dedup::band_term(key));
            }
            doc.add_bytes(f.minhash, &sig.bytes());
        }
        Ok(())
    }

    /// Commit what was added so far, with the fingerprints of the files
    /// ended so far. Call it between files only: the items of a file half
    /// read would be committed without its fingerprint (harmless, as the
    /// next run reads the file again and replaces them, but wasted).
    pub fn checkpoint(&mut self) -> Result<(), IndexError> {
        self.commit_now()?;
        self.checkpoints += 1;
        self.pending = 0;
        Ok(())
    }

    fn commit_now(&mut self) -> Result<(), IndexError> {
        let payload = serde_json::to_string(&Payload {
            files: self.files.clone(),
        })
        .map_err(|e| IndexError::Schema(e.to_string()))?;
        let mut prepared = self
            .writer
            .prepare_commit()
            .map_err(|e| self.archive.tantivy(e))?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(|e| self.archive.tantivy(e))?;
        Ok(())
    }

    /// Commit what was added, wait for merges to finish, and rebuild the
    /// phonetic map of the vocabulary.
    pub fn commit(self) -> Result<(), IndexError> {
        self.finish(false)
    }

    /// [`Indexer::commit`], then merge every segment into one (`index
    /// --optimize`). Each query builds its scorers once a segment, and a
    /// query with its expansions has hundreds of terms: at 1M items in 10
    /// segments that was most of a search. The merge is bounded by
    /// nothing but the index's size, unlike [`BoundedMerges`].
    pub fn commit_merged(self) -> Result<(), IndexError> {
        self.finish(true)
    }

    fn finish(mut self, merge: bool) -> Result<(), IndexError> {
        if self.dirty {
            self.commit_now()?;
        }
        self.writer
            .wait_merging_threads()
            .map_err(|e| self.archive.tantivy(e))?;
        if merge {
            let ids = self
                .archive
                .index
                .searchable_segment_ids()
                .map_err(|e| self.archive.tantivy(e))?;
            if ids.len() > 1 {
                // The policy's merges have ended with the writer; this one
                // runs alone (our lock is still held).
                let writer: IndexWriter = self
                    .archive
                    .index
                    .writer_with_num_threads(1, MIN_MEMORY_MB * 1_000_000)
                    .map_err(|e| self.archive.tantivy(e))?;
                writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
                let mut writer = writer;
                writer
                    .merge(&ids)
                    .wait()
                    .map_err(|e| self.archive.tantivy(e))?;
                writer
                    .wait_merging_threads()
                    .map_err(|e| self.archive.tantivy(e))?;
            }
        }
        let searcher = self.archive.reader()?.searcher();
        let opstamp = self
            .archive
            .index
            .load_metas()
            .map_err(|e| self.archive.tantivy(e))?
            .opstamp;
        // Also when nothing changed: a run killed after its last commit
        // left the map of the commit before.
        if super::phonetic::built_for(self.archive) != Some(opstamp) {
            super::phonetic::build(self.archive, &searcher, opstamp)?;
        }
        Ok(())
    }
}
