//! The index: a tantivy index built from `schema/`, in a folder that also
//! records the schema version it was built with.

#[cfg(test)]
pub mod crashsim;
pub mod dedup;
pub mod durable;
pub mod lock;
pub mod phonetic;
pub mod pipeline;
pub mod schema;
pub mod stats;
pub mod stories;
pub mod sweep;
pub mod template;
pub mod writer;

use crate::analysis::{self, GermanTokenizer};
use crate::error::IndexError;
use crate::item::Item;
use durable::{DurableDirectory, WriteErrorSlot};
use schema::{ArchiveSchema, Fields};
use std::path::{Path, PathBuf};
use tantivy::directory::MmapDirectory;
use tantivy::schema::{TantivyDocument, Value};
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher, Term};

/// Name of the file in the index folder that records the schema version.
pub const MARKER: &str = "archivar.toml";

/// Environment variable naming the index folder.
pub const INDEX_ENV: &str = "ARCHIVAR_INDEX";

/// The default index folder: `$XDG_DATA_HOME/archivar/index`, else
/// `~/.local/share/archivar/index`, else `./archivar-index`.
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("archivar").join("index");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h)
            .join(".local")
            .join("share")
            .join("archivar")
            .join("index");
    }
    PathBuf::from("archivar-index")
}

/// An open index.
pub struct Archive {
    /// The index folder.
    pub dir: PathBuf,
    /// The tantivy index.
    pub index: Index,
    /// Its schema.
    pub schema: ArchiveSchema,
    /// The first failed write to the folder, for the message.
    pub write_error: WriteErrorSlot,
    /// The phonetic and reversed-stem map, opened once per commit.
    variants: phonetic::Cache,
}

/// The folder as a tantivy directory that syncs its commits (see
/// [`durable`]).
fn directory(dir: &Path) -> Result<DurableDirectory<MmapDirectory>, IndexError> {
    let mmap = MmapDirectory::open(dir).map_err(|e| IndexError::Tantivy {
        dir: dir.to_path_buf(),
        source: e.into(),
    })?;
    Ok(DurableDirectory::new(mmap))
}

/// Whether `dir` holds files and no archivar index (a lock file alone,
/// left by a run that was killed while creating the index, does not count).
pub fn is_foreign(dir: &Path) -> Result<bool, IndexError> {
    if dir.join(MARKER).exists() || !dir.exists() {
        return Ok(false);
    }
    let entries = std::fs::read_dir(dir).map_err(|source| IndexError::Io {
        dir: dir.to_path_buf(),
        source,
    })?;
    for e in entries.flatten() {
        let name = e.file_name();
        if name != lock::FILE
            && name != "meta.json"
            && name != ".managed.json"
            && !name.to_string_lossy().starts_with(".tantivy-")
            && !durable::is_temporary(&name.to_string_lossy())
        {
            return Ok(true);
        }
    }
    // Only what creating an index writes before the marker: a run killed
    // while creating it. meta.json without the marker is not ours, though.
    Ok(dir.join("meta.json").exists() && !dir.join(lock::FILE).exists())
}

/// Whether a file in an index folder is part of the index: tantivy's
/// (`meta.json`, `.managed.json`, its locks, segment files) or archivar's
/// (the marker, the lock, the phonetic map, temporary files of an atomic
/// write). `index --rebuild` deletes these and nothing else.
pub fn is_index_file(name: &str) -> bool {
    matches!(
        name,
        MARKER
            | lock::FILE
            | phonetic::FILE
            | "meta.json"
            | ".managed.json"
            | ".tantivy-meta.lock"
            | ".tantivy-writer.lock"
    ) || sweep::is_segment_file(name)
        || sweep::is_temporary(name)
}

/// Entries of an index folder that are not part of the index (a note, a
/// backup folder), sorted: what `--rebuild` left alone.
pub fn others(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| {
                    !(e.file_type().is_ok_and(|t| t.is_file())
                        && is_index_file(&e.file_name().to_string_lossy()))
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

impl Archive {
    /// Open the index in `dir` for searching.
    pub fn open(dir: &Path) -> Result<Archive, IndexError> {
        let schema = ArchiveSchema::embedded()?;
        check_marker(dir, &schema)?;
        let directory = directory(dir)?;
        let slot = directory.error_slot();
        let index = Index::open(directory).map_err(|source| IndexError::Tantivy {
            dir: dir.to_path_buf(),
            source,
        })?;
        Ok(Archive::with_index(dir, index, schema).with_write_error(slot))
    }

    /// An empty index in memory with the embedded schema: its analysis,
    /// without a folder (what `archivar export` needs).
    pub fn in_memory() -> Result<Archive, IndexError> {
        let schema = ArchiveSchema::embedded()?;
        let index = Index::builder()
            .schema(schema.schema.clone())
            .settings(schema.settings.clone())
            .create_in_ram()
            .map_err(|source| IndexError::Tantivy {
                dir: PathBuf::from("(memory)"),
                source,
            })?;
        Ok(Archive::with_index(Path::new("(memory)"), index, schema))
    }

    /// Open the index in `dir`, creating it (and the folder) if there is none.
    /// With `rebuild`, an existing index is removed first. The caller holds
    /// the folder's [`lock`], which stays.
    pub fn open_or_create(dir: &Path, rebuild: bool) -> Result<Archive, IndexError> {
        let io = |source| IndexError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        let mut cleared = false;
        if rebuild && dir.join(MARKER).exists() {
            // Only what an index is made of: a note or a backup that
            // someone put into the folder stays (`others` names them).
            for e in std::fs::read_dir(dir).map_err(io)? {
                let e = e.map_err(io)?;
                let name = e.file_name();
                if name == lock::FILE || !e.file_type().map_err(io)?.is_file() {
                    continue;
                }
                if is_index_file(&name.to_string_lossy()) {
                    std::fs::remove_file(e.path()).map_err(io)?;
                }
            }
            cleared = true;
        } else if rebuild && dir.join("meta.json").exists() && is_foreign(dir)? {
            // A tantivy index without our marker: not ours to delete.
            return Err(IndexError::Missing {
                dir: dir.to_path_buf(),
            });
        }
        if dir.join(MARKER).exists() {
            return Archive::open(dir);
        }
        if !cleared && is_foreign(dir)? {
            return Err(IndexError::Io {
                dir: dir.to_path_buf(),
                source: std::io::Error::other(
                    "the folder is not empty and holds no archivar index; name an empty or new folder",
                ),
            });
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let schema = ArchiveSchema::embedded()?;
        let directory = directory(dir)?;
        let slot = directory.error_slot();
        // A run killed between creating the index and writing the marker
        // left an empty index: start it again.
        let index = if dir.join("meta.json").exists() {
            Index::open(directory)
        } else {
            Index::create(directory, schema.schema.clone(), schema.settings.clone())
        }
        .map_err(|source| IndexError::Tantivy {
            dir: dir.to_path_buf(),
            source,
        })?;
        let archive = Archive::with_index(dir, index, schema).with_write_error(slot);
        // The marker last: its presence says the index is complete.
        durable::write_file(
            dir,
            MARKER,
            format!(
                "# written by archivar {}; the index schema is schema/index.v{}.toml\nschema_version = {}\n",
                env!("CARGO_PKG_VERSION"),
                archive.schema.version,
                archive.schema.version
            )
            .as_bytes(),
        )
        .map_err(|e| archive.io_error(e))?;
        Ok(archive)
    }

    fn with_index(dir: &Path, index: Index, schema: ArchiveSchema) -> Archive {
        index
            .tokenizers()
            .register(analysis::GERMAN, GermanTokenizer::new());
        Archive {
            dir: dir.to_path_buf(),
            index,
            schema,
            write_error: WriteErrorSlot::default(),
            variants: phonetic::Cache::default(),
        }
    }

    fn with_write_error(mut self, slot: WriteErrorSlot) -> Archive {
        self.write_error = slot;
        self
    }

    /// The index's map of name variants and compound heads, shared by
    /// the searches between two commits.
    pub fn variants(&self) -> std::sync::Arc<phonetic::Variants> {
        self.variants.get(self)
    }

    /// The fields by role.
    pub fn fields(&self) -> Fields {
        self.schema.fields
    }

    /// A reader on the last commit.
    pub fn reader(&self) -> Result<IndexReader, IndexError> {
        self.index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|source| self.tantivy(source))
    }

    /// A reader that follows the index: it reloads by itself shortly after
    /// each commit (tantivy watches `meta.json`), so a long-lived server
    /// sees what a running `archivar index` commits without a restart.
    pub fn live_reader(&self) -> Result<IndexReader, IndexError> {
        self.index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|source| self.tantivy(source))
    }

    /// Wrap a tantivy error with this index's folder. When a write to the
    /// folder failed, that is the cause to name: tantivy's threads report
    /// it as "an index writer was killed".
    pub fn tantivy(&self, source: tantivy::TantivyError) -> IndexError {
        if let Some(cause) = self.write_error.get() {
            return IndexError::unwritable(&self.dir, cause);
        }
        match source {
            tantivy::TantivyError::IoError(e) if is_write_failure(&e) => {
                IndexError::unwritable(&self.dir, e)
            }
            tantivy::TantivyError::LockFailure(
                tantivy::directory::error::LockError::IoError(e),
                _,
            ) if is_write_failure(&e) => IndexError::unwritable(&self.dir, e),
            source => IndexError::Tantivy {
                dir: self.dir.clone(),
                source,
            },
        }
    }

    /// Wrap an error of a file archivar writes into the folder itself.
    pub fn io_error(&self, e: std::io::Error) -> IndexError {
        if is_write_failure(&e) {
            IndexError::unwritable(&self.dir, std::sync::Arc::new(e))
        } else {
            IndexError::Io {
                dir: self.dir.clone(),
                source: e,
            }
        }
    }

    /// Read back the stored item of a document.
    pub fn stored_item(&self, doc: &TantivyDocument) -> Result<Item, IndexError> {
        let bytes = doc
            .get_first(self.fields().item)
            .and_then(|v| v.as_bytes())
            .ok_or_else(|| self.stored_error("?", "no stored item".into()))?;
        serde_json::from_slice(bytes).map_err(|e| self.stored_error("?", e.to_string()))
    }

    fn stored_error(&self, id: &str, detail: String) -> IndexError {
        IndexError::Stored {
            dir: self.dir.clone(),
            id: id.to_string(),
            detail,
        }
    }

    /// Find an item by id.
    pub fn find(&self, searcher: &Searcher, id: &str) -> Result<Option<Item>, IndexError> {
        let term = Term::from_field_text(self.fields().id, id);
        let q = tantivy::query::TermQuery::new(term, tantivy::schema::IndexRecordOption::Basic);
        let top = searcher
            .search(
                &q,
                &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
            )
            .map_err(|e| self.tantivy(e))?;
        let Some((_, addr)) = top.into_iter().next() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(addr).map_err(|e| self.tantivy(e))?;
        self.stored_item(&doc).map(Some)
    }

    /// Bytes the index takes on disk.
    pub fn size_on_disk(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| e.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// An error that says the folder cannot take writes.
pub(crate) fn is_write_failure(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.kind(),
        K::StorageFull
            | K::QuotaExceeded
            | K::FileTooLarge
            | K::ReadOnlyFilesystem
            | K::PermissionDenied
    )
}

fn check_marker(dir: &Path, schema: &ArchiveSchema) -> Result<(), IndexError> {
    let marker = dir.join(MARKER);
    let text = match std::fs::read_to_string(&marker) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(IndexError::Missing {
                dir: dir.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(IndexError::Io {
                dir: dir.to_path_buf(),
                source,
            });
        }
    };
    #[derive(serde::Deserialize)]
    struct Marker {
        schema_version: toml::Value,
    }
    let found = toml::from_str::<Marker>(&text)
        .map(|m| m.schema_version.to_string())
        .unwrap_or_else(|_| "unknown".to_string());
    if found != schema.version.to_string() {
        return Err(IndexError::SchemaVersion {
            dir: dir.to_path_buf(),
            found,
            expected: schema.version,
        });
    }
    Ok(())
}

/// The filter key of a programme or speaker name: lower case, folded,
/// single spaces ("Deutschlandfunk  Kultur" → "deutschlandfunk kultur").
pub fn key(name: &str) -> String {
    let lower: String = name.chars().flat_map(char::to_lowercase).collect();
    let folded = analysis::fold(&lower);
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuild_deletes_only_index_files() {
        let dir = tempfile::TempDir::new().unwrap();
        let idx = dir.path().join("idx");
        let archive = Archive::open_or_create(&idx, false).unwrap();
        drop(archive);
        std::fs::write(idx.join("notes.txt"), "Notizen zur Rente").unwrap();
        std::fs::create_dir(idx.join("backup")).unwrap();
        std::fs::write(idx.join("backup").join("old.jsonl"), "{}").unwrap();
        std::fs::write(idx.join("0123456789abcdef0123456789abcdef.store"), "x").unwrap();
        Archive::open_or_create(&idx, true).unwrap();
        assert!(idx.join("notes.txt").exists());
        assert!(idx.join("backup").join("old.jsonl").exists());
        assert!(!idx.join("0123456789abcdef0123456789abcdef.store").exists());
        assert!(idx.join(MARKER).exists());
        assert_eq!(others(&idx), [idx.join("backup"), idx.join("notes.txt")]);
        // And it opens as an index again.
        Archive::open(&idx).unwrap();
    }

    #[test]
    fn keys_fold_case_and_umlauts() {
        assert_eq!(key("Deutschlandfunk  Kultur"), "deutschlandfunk kultur");
        assert_eq!(key("Bärbel Bas"), key("Baerbel Bas"));
        assert_eq!(key("MARKUS SÖDER"), key("Markus Söder"));
    }
}
