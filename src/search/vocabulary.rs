//! What building a query asks of an index's vocabulary: how many items
//! hold a term, the terms a prefix starts (compounds a word starts), the
//! stems that sound alike or end alike (name variants, compound heads),
//! and the values of a keyword field (programme and speaker filters).
//!
//! [`Local`] answers from a tantivy searcher and the index's variant map;
//! another engine answers from its own vocabulary, and the query builder
//! ([`super::prepare_plan`]) stays the same.

use super::SearchError;
use crate::analysis::Analyzer;
use crate::index::Archive;
use crate::index::phonetic::Variants;
use std::collections::BTreeSet;
use std::sync::Arc;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// An index's vocabulary, as query building needs it.
pub trait Vocabulary {
    /// Items whose `field` holds `term` (0 where unknown).
    fn doc_freq(&self, field: Field, term: &str) -> u64;
    /// Terms of `field` that start with `prefix`, with their document
    /// frequencies, at most about `limit`.
    fn prefixed(&self, field: Field, prefix: &str, limit: usize) -> Vec<(String, u64)>;
    /// Stems of the text that sound like `stem`, most frequent first.
    fn sounding(&self, analyzer: &Analyzer, stem: &str) -> Vec<String>;
    /// Stems of the text that end with `head` and are longer, with their
    /// document frequencies, at most `limit`.
    fn ending_with(&self, head: &str, limit: usize) -> Vec<(String, u64)>;
    /// Every value of a keyword field.
    fn values(&self, field: Field) -> Result<BTreeSet<String>, SearchError>;
}

/// The vocabulary of the local index at one reader generation.
pub struct Local<'a> {
    archive: &'a Archive,
    searcher: &'a Searcher,
    variants: Arc<Variants>,
}

impl<'a> Local<'a> {
    /// The vocabulary `searcher` sees, with the index's variant map.
    pub fn new(archive: &'a Archive, searcher: &'a Searcher) -> Local<'a> {
        Local {
            archive,
            searcher,
            variants: archive.variants(),
        }
    }
}

impl Vocabulary for Local<'_> {
    fn doc_freq(&self, field: Field, term: &str) -> u64 {
        self.searcher
            .doc_freq(&Term::from_field_text(field, term))
            .unwrap_or(0)
    }

    fn prefixed(&self, field: Field, prefix: &str, limit: usize) -> Vec<(String, u64)> {
        prefixed_terms(self.searcher, field, prefix, limit)
    }

    fn sounding(&self, analyzer: &Analyzer, stem: &str) -> Vec<String> {
        self.variants.of(analyzer, stem)
    }

    fn ending_with(&self, head: &str, limit: usize) -> Vec<(String, u64)> {
        self.variants.ending_with(head, limit)
    }

    fn values(&self, field: Field) -> Result<BTreeSet<String>, SearchError> {
        field_values(self.searcher, field).map_err(|e| SearchError::Index(self.archive.tantivy(e)))
    }
}

/// Terms of a field that start with `prefix`, with their document
/// frequencies summed over the segments read, at most about `limit` terms
/// in all: the largest segments are read first, so the work per word stays
/// bounded however many segments an archive has.
fn prefixed_terms(
    searcher: &Searcher,
    field: Field,
    prefix: &str,
    limit: usize,
) -> Vec<(String, u64)> {
    let mut hi = prefix.as_bytes().to_vec();
    // The smallest key above every key that starts with the prefix.
    while let Some(last) = hi.pop() {
        if last < 0xff {
            hi.push(last + 1);
            break;
        }
    }
    let mut segments: Vec<&tantivy::SegmentReader> = searcher.segment_readers().iter().collect();
    segments.sort_by_key(|s| std::cmp::Reverse(s.num_docs()));
    let mut found: std::collections::BTreeMap<String, u64> = Default::default();
    let mut n = 0;
    for seg in segments {
        let Ok(inv) = seg.inverted_index(field) else {
            continue;
        };
        let range = inv.terms().range().ge(prefix.as_bytes());
        let range = if hi.is_empty() { range } else { range.lt(&hi) };
        let Ok(mut stream) = range.into_stream() else {
            continue;
        };
        while n < limit && stream.advance() {
            n += 1;
            if let Ok(t) = std::str::from_utf8(stream.key()) {
                *found.entry(t.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    found.into_iter().collect()
}

/// All values of a keyword field in the index (programmes, speakers).
fn field_values(
    searcher: &Searcher,
    field: Field,
) -> Result<BTreeSet<String>, tantivy::TantivyError> {
    let mut out = BTreeSet::new();
    for seg in searcher.segment_readers() {
        let inv = seg.inverted_index(field)?;
        let mut stream = inv.terms().stream()?;
        while stream.advance() {
            if let Ok(s) = std::str::from_utf8(stream.key()) {
                out.insert(s.to_string());
            }
        }
    }
    Ok(out)
}
