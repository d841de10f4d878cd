//! The index: a tantivy index built from `schema/`, in a folder that also
//! records the schema version it was built with.

pub mod dedup;
pub mod phonetic;
pub mod schema;
pub mod stats;
pub mod writer;

use crate::analysis::{self, GermanTokenizer};
use crate::error::IndexError;
use crate::item::{Day, Item};
use schema::{ArchiveSchema, Fields};
use std::path::{Path, PathBuf};
use tantivy::schema::{TantivyDocument, Value};
use tantivy::{DateTime, Index, IndexReader, ReloadPolicy, Searcher, Term};

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
}

impl Archive {
    /// Open the index in `dir` for searching.
    pub fn open(dir: &Path) -> Result<Archive, IndexError> {
        let schema = ArchiveSchema::embedded()?;
        check_marker(dir, &schema)?;
        let index = Index::open_in_dir(dir).map_err(|source| IndexError::Tantivy {
            dir: dir.to_path_buf(),
            source,
        })?;
        Ok(Archive::with_index(dir, index, schema))
    }

    /// Open the index in `dir`, creating it (and the folder) if there is none.
    /// With `rebuild`, an existing index is removed first.
    pub fn open_or_create(dir: &Path, rebuild: bool) -> Result<Archive, IndexError> {
        let io = |source| IndexError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        if rebuild && dir.join(MARKER).exists() {
            std::fs::remove_dir_all(dir).map_err(io)?;
        } else if rebuild && dir.join("meta.json").exists() {
            // A tantivy index without our marker: not ours to delete.
            return Err(IndexError::Missing {
                dir: dir.to_path_buf(),
            });
        }
        if dir.join(MARKER).exists() {
            return Archive::open(dir);
        }
        if dir.exists() && std::fs::read_dir(dir).map_err(io)?.next().is_some() {
            return Err(IndexError::Io {
                dir: dir.to_path_buf(),
                source: std::io::Error::other(
                    "the folder is not empty and holds no archivar index; name an empty or new folder",
                ),
            });
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let schema = ArchiveSchema::embedded()?;
        let index = Index::create_in_dir(dir, schema.schema.clone()).map_err(|source| {
            IndexError::Tantivy {
                dir: dir.to_path_buf(),
                source,
            }
        })?;
        std::fs::write(
            dir.join(MARKER),
            format!(
                "# written by archivar {}; the index schema is schema/index.v{}.toml\nschema_version = {}\n",
                env!("CARGO_PKG_VERSION"),
                schema.version,
                schema.version
            ),
        )
        .map_err(io)?;
        Ok(Archive::with_index(dir, index, schema))
    }

    fn with_index(dir: &Path, index: Index, schema: ArchiveSchema) -> Archive {
        index
            .tokenizers()
            .register(analysis::GERMAN, GermanTokenizer::new());
        Archive {
            dir: dir.to_path_buf(),
            index,
            schema,
        }
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

    /// Wrap a tantivy error with this index's folder.
    pub fn tantivy(&self, source: tantivy::TantivyError) -> IndexError {
        IndexError::Tantivy {
            dir: self.dir.clone(),
            source,
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

/// A day as a tantivy date (UTC midnight).
pub fn day_to_datetime(day: Day) -> DateTime {
    DateTime::from_timestamp_secs(day.unix_days() * 86_400)
}

/// A tantivy date back to its day.
pub fn datetime_to_day(dt: DateTime) -> Option<Day> {
    Day::from_unix_days(dt.into_timestamp_secs().div_euclid(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_case_and_umlauts() {
        assert_eq!(key("Deutschlandfunk  Kultur"), "deutschlandfunk kultur");
        assert_eq!(key("Bärbel Bas"), key("Baerbel Bas"));
        assert_eq!(key("MARKUS SÖDER"), key("Markus Söder"));
    }

    #[test]
    fn day_round_trip() {
        let d = Day::parse("2025-02-13").unwrap();
        assert_eq!(datetime_to_day(day_to_datetime(d)), Some(d));
    }
}
