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
    /// Terms of `field` one edit away from `term` (a letter added, dropped,
    /// replaced, or two neighbours swapped), not `term` itself, with their
    /// document frequencies, most frequent first, at most `limit`.
    fn near(&self, field: Field, term: &str, limit: usize) -> Vec<(String, u64)>;
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

    fn near(&self, field: Field, term: &str, limit: usize) -> Vec<(String, u64)> {
        near_terms(self.searcher, field, term, limit)
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

/// Terms of a field one edit away from `term` (Damerau-Levenshtein, a
/// swap of neighbours counting one), found by a Levenshtein automaton over
/// each segment's term dictionary, their document frequencies summed over
/// the segments; most frequent first, ties by term, at most `limit`.
pub fn near_terms(
    searcher: &Searcher,
    field: Field,
    term: &str,
    limit: usize,
) -> Vec<(String, u64)> {
    let query = tantivy::query::FuzzyTermQuery::new(Term::from_field_text(field, term), 1, true);
    let Ok(automaton) = query.automaton() else {
        return Vec::new();
    };
    let mut found: std::collections::BTreeMap<String, u64> = Default::default();
    for seg in searcher.segment_readers() {
        let Ok(inv) = seg.inverted_index(field) else {
            continue;
        };
        let Ok(mut stream) = inv.terms().search(&automaton).into_stream() else {
            continue;
        };
        while stream.advance() {
            if let Ok(t) = std::str::from_utf8(stream.key())
                && t != term
            {
                *found.entry(t.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut out: Vec<(String, u64)> = found.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(limit);
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, doc};

    /// Headlines over two segments: the terms one edit away, summed over
    /// the segments, most frequent first; two edits away is too far.
    #[test]
    fn near_terms_are_one_edit_away_most_frequent_first() {
        let mut b = Schema::builder();
        let text = b.add_text_field("text", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer(15_000_000).unwrap();
        for batch in [
            [
                "Massenpanik in Shanghai",
                "Nawalny in Haft",
                "Bundestag stimmt ab",
            ],
            [
                "Shanghai meldet Rekord",
                "Shanghais Hafen",
                "Bundesrat stimmt zu",
            ],
        ] {
            for t in batch {
                w.add_document(doc!(text => t)).unwrap();
            }
            w.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let near = |t: &str| near_terms(&searcher, text, t, 10);
        // A letter too many, and one missing.
        assert_eq!(
            near("schanghai"),
            [("shanghai".to_string(), 2)],
            "\"shanghais\" is two edits away"
        );
        assert_eq!(near("nawalnyj"), [("nawalny".to_string(), 1)]);
        // Two neighbours swapped count one edit; the word itself is no
        // neighbour of its own.
        assert_eq!(near("bundestga"), [("bundestag".to_string(), 1)]);
        assert_eq!(near("shanghai"), [("shanghais".to_string(), 1)]);
        assert!(near("bundesamt").is_empty(), "bundesrat is two edits away");
        assert_eq!(near_terms(&searcher, text, "schanghai", 0), []);
    }
}
