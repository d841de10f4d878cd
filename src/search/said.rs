//! `--speaker X` means "X said it": an item is a hit when the query's
//! matched words lie in X's own turns, not merely somewhere in an item that
//! X speaks in. A session chair speaks in every speech of a sitting, so
//! `--speaker "Julia Klöckner" Schuldenbremse` found 150 speeches of other
//! people; an interviewer's question is not the guest's answer.
//!
//! The index keeps each item's speakers (the `speaker_facet` field) but not
//! who said which word, so the words are checked in the stored item of each
//! item that the query and the speaker filter let through ([`SaidBy`]):
//! a query wrapper whose documents are those of the inner query for which
//! [`Check::holds`]. It works for every collector alike (top hits, counts,
//! facets, trends). What a speaker said is:
//!
//! - in an item with speaker turns, every turn with that speaker's name;
//! - in an item without any (a transcript or an article that only names
//!   its speakers), the body text (paragraphs, lead, unnamed turns), for
//!   each speaker it names.
//!
//! Titles, kickers, subheadings and captions are the editors' words.

use super::snippet::{Marks, highlight_all};
use crate::analysis::Analyzer;
use crate::item::{BlockKind, Item};
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, TantivyDocument, Value};
use tantivy::store::StoreReader;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError};

/// Stored blocks kept decompressed per segment while checking (64 KiB
/// each, [`crate::index::schema`]'s docstore).
const STORE_CACHE_BLOCKS: usize = 16;

/// What an item's speaker must have said: the query's matched forms, by
/// the names the speaker filter resolved to.
pub struct Check {
    /// The stored item's field.
    pub item: Field,
    /// The query's marks; forms that only rank are not in `terms`.
    pub marks: Marks,
    /// Speaker names as stored in items.
    pub names: HashSet<String>,
}

impl Check {
    /// Whether one of `names` says one of the matched words in `item`.
    pub fn holds(&self, item: &Item) -> bool {
        let analyzer = Analyzer::shared();
        let has_turns = item.blocks.iter().any(|b| b.speaker.is_some());
        let named = item.speakers.iter().any(|s| self.names.contains(s));
        item.blocks.iter().any(|b| {
            let by_them = match (&b.speaker, b.kind) {
                (Some(s), _) => self.names.contains(s),
                (None, BlockKind::Paragraph | BlockKind::Lead | BlockKind::Turn) => {
                    !has_turns && named
                }
                (None, _) => false,
            };
            by_them && !highlight_all(analyzer, &b.text, &self.marks).is_empty()
        })
    }
}

/// The items of `inner` whose speaker said the matched words ([`Check`]).
pub struct SaidBy {
    inner: Box<dyn Query>,
    check: Arc<Check>,
}

impl SaidBy {
    /// Keep the items of `inner` for which `check` holds.
    pub fn new(inner: Box<dyn Query>, check: Check) -> SaidBy {
        SaidBy {
            inner,
            check: Arc::new(check),
        }
    }
}

impl Clone for SaidBy {
    fn clone(&self) -> SaidBy {
        SaidBy {
            inner: self.inner.box_clone(),
            check: self.check.clone(),
        }
    }
}

impl fmt::Debug for SaidBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaidBy")
            .field("inner", &self.inner)
            .field("names", &self.check.names)
            .finish()
    }
}

impl Query for SaidBy {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(SaidByWeight {
            inner: self.inner.weight(enable_scoring)?,
            check: self.check.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct SaidByWeight {
    inner: Box<dyn Weight>,
    check: Arc<Check>,
}

impl Weight for SaidByWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inner = self.inner.scorer(reader, boost)?;
        let store = reader.get_store_reader(STORE_CACHE_BLOCKS)?;
        let mut scorer = SaidByScorer {
            inner,
            store,
            check: self.check.clone(),
        };
        // Stand on the first document that holds.
        let first = scorer.inner.doc();
        if first != TERMINATED && !scorer.holds(first) {
            scorer.advance();
        }
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} is not said by the speaker"
            )));
        }
        self.inner.explain(reader, doc)
    }
}

struct SaidByScorer {
    inner: Box<dyn Scorer>,
    store: StoreReader,
    check: Arc<Check>,
}

impl SaidByScorer {
    fn holds(&self, doc: DocId) -> bool {
        // An item that cannot be read is no hit; `show` names the damage.
        let Ok(stored) = self.store.get::<TantivyDocument>(doc) else {
            return false;
        };
        stored
            .get_first(self.check.item)
            .and_then(|v| v.as_bytes())
            .and_then(|bytes| serde_json::from_slice::<Item>(bytes).ok())
            .is_some_and(|item| self.check.holds(&item))
    }
}

impl DocSet for SaidByScorer {
    fn advance(&mut self) -> DocId {
        loop {
            let doc = self.inner.advance();
            if doc == TERMINATED || self.holds(doc) {
                return doc;
            }
        }
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.inner.seek(target);
        if doc == TERMINATED || self.holds(doc) {
            return doc;
        }
        self.advance()
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }
}

impl Scorer for SaidByScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Block;

    fn turn(speaker: &str, text: &str) -> Block {
        let mut b = Block::new(BlockKind::Turn, text);
        b.speaker = Some(speaker.to_string());
        b
    }

    fn check(term: &str, name: &str) -> Check {
        let mut marks = Marks::default();
        marks.terms.insert(term.to_string());
        Check {
            item: Field::from_field_id(0),
            marks,
            names: [name.to_string()].into(),
        }
    }

    fn item(speakers: &[&str], blocks: Vec<Block>) -> Item {
        Item {
            id: "x".into(),
            title: "Schuldenbremse im Bundestag".into(),
            date: None,
            program: None,
            speakers: speakers.iter().map(|s| s.to_string()).collect(),
            blocks,
            source: "x".into(),
            media: None,
            stories: Vec::new(),
        }
    }

    #[test]
    fn the_words_must_be_in_the_speakers_own_turns() {
        let interview = item(
            &["Christoph Heinemann", "Annalena Baerbock"],
            vec![
                Block::new(BlockKind::Lead, "Ein Gespräch über die Schuldenbremse."),
                turn(
                    "Christoph Heinemann",
                    "Was halten Sie von der Schuldenbremse?",
                ),
                turn("Annalena Baerbock", "Wir brauchen Investitionen."),
            ],
        );
        let term = "schuldenbrems";
        assert!(check(term, "Christoph Heinemann").holds(&interview));
        assert!(!check(term, "Annalena Baerbock").holds(&interview));
        assert!(check("investition", "Annalena Baerbock").holds(&interview));
    }

    #[test]
    fn without_turns_the_body_is_the_named_speakers() {
        let transcript = item(
            &["Jens Riewa"],
            vec![Block::new(
                BlockKind::Paragraph,
                "Die Schuldenbremse bleibt.",
            )],
        );
        assert!(check("schuldenbrems", "Jens Riewa").holds(&transcript));
        // With turns, text outside them is nobody's.
        let speech = item(
            &["Gabriele Katzmarek", "Julia Klöckner"],
            vec![
                Block::new(BlockKind::Paragraph, "Die Schuldenbremse muss bleiben."),
                turn("Julia Klöckner", "Das Wort hat die Kollegin."),
            ],
        );
        assert!(!check("schuldenbrems", "Julia Klöckner").holds(&speech));
        // The title is the editors'.
        let titled = item(
            &["Gabriele Katzmarek"],
            vec![turn("Gabriele Katzmarek", "Danke.")],
        );
        assert!(!check("schuldenbrems", "Gabriele Katzmarek").holds(&titled));
    }
}
