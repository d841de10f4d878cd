//! Writing items into the index: one tantivy document per item, replacing
//! any item with the same id.

use super::{Archive, day_to_datetime};
use crate::error::IndexError;
use crate::item::{BlockKind, Item};
use std::collections::HashMap;
use tantivy::schema::TantivyDocument;
use tantivy::{IndexWriter, Searcher, Term};

/// Default memory budget of the tantivy writer, shared by its threads.
pub const DEFAULT_MEMORY_MB: usize = 256;

/// What became of an item handed to [`Indexer::add`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// A new id.
    New,
    /// The id was in the index before this run; the old item is replaced.
    Replaced,
    /// The id came earlier in this same run, from the source given.
    Duplicate(String),
}

/// Adds items to an index and commits them.
pub struct Indexer<'a> {
    archive: &'a Archive,
    writer: IndexWriter,
    before: Searcher,
    seen: HashMap<String, String>,
}

impl<'a> Indexer<'a> {
    /// Start writing. Fails with [`IndexError::Locked`] if another process
    /// writes the same index.
    pub fn new(archive: &'a Archive, memory_mb: usize) -> Result<Indexer<'a>, IndexError> {
        let writer = archive
            .index
            .writer(memory_mb.max(16) * 1_000_000)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => IndexError::Locked {
                    dir: archive.dir.clone(),
                },
                e => archive.tantivy(e),
            })?;
        let before = archive.reader()?.searcher();
        Ok(Indexer {
            archive,
            writer,
            before,
            seen: HashMap::new(),
        })
    }

    /// Add an item, replacing an earlier one with the same id.
    pub fn add(&mut self, item: &Item) -> Result<Added, IndexError> {
        let f = self.archive.fields();
        let id_term = Term::from_field_text(f.id, &item.id);
        let added = if let Some(src) = self.seen.get(&item.id) {
            Added::Duplicate(src.clone())
        } else if self
            .before
            .doc_freq(&id_term)
            .map_err(|e| self.archive.tantivy(e))?
            > 0
        {
            Added::Replaced
        } else {
            Added::New
        };
        if added != Added::New {
            self.writer.delete_term(id_term);
        }
        self.seen.insert(item.id.clone(), item.source.clone());
        self.writer
            .add_document(self.document(item)?)
            .map_err(|e| self.archive.tantivy(e))?;
        Ok(added)
    }

    fn document(&self, item: &Item) -> Result<TantivyDocument, IndexError> {
        let f = self.archive.fields();
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &item.id);
        doc.add_text(f.source, &item.source);
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
            doc.add_date(f.date, day_to_datetime(d));
        }
        let json = serde_json::to_vec(item).map_err(|e| IndexError::Stored {
            dir: self.archive.dir.clone(),
            id: item.id.clone(),
            detail: e.to_string(),
        })?;
        doc.add_bytes(f.item, &json);
        Ok(doc)
    }

    /// Commit what was added, wait for merges to finish, and rebuild the
    /// phonetic map of the vocabulary.
    pub fn commit(mut self) -> Result<(), IndexError> {
        self.writer.commit().map_err(|e| self.archive.tantivy(e))?;
        self.writer
            .wait_merging_threads()
            .map_err(|e| self.archive.tantivy(e))?;
        let searcher = self.archive.reader()?.searcher();
        super::phonetic::build(self.archive, &searcher)
    }
}
