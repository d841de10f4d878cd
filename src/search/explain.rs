//! Why a hit is a hit (`search --explain`): which words of the query it
//! holds and in which form, with their weights, the passage score and the
//! document score, so that a sound-alike can be told from the word typed
//! before a hit is quoted.
//!
//! Forms that match (and are marked in snippets) are found as `kwic` finds
//! them; forms that only add to the score (a compound's parts alone, the
//! compounds a word starts, same-sounding stems that are no spelling of
//! the word) are counted among the item's analysed words.

use super::kwic::{self, Form};
use super::passage;
use super::snippet::Marks;
use super::{Request, SearchError};
use crate::analysis::Analyzer;
use crate::index::Archive;
use crate::item::{Block, BlockKind, Item};
use serde::Serialize;
use std::collections::BTreeMap;
use tantivy::query::Query;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher, Term};

/// How a term of the item stands for the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The word as typed.
    Word,
    /// Another inflection of it.
    Stem,
    /// A part of a compound ("Zölle" in "US-Zölle", "Zoll" in
    /// "Zollpolitik").
    CompoundPart,
    /// The head of a compound ("Zöllen" in "Gegenzöllen").
    Head,
    /// A word of a quoted phrase.
    Phrase,
    /// A same-sounding spelling of the word, a name variant ("Selenski"
    /// for "Selenskyj"): it matches.
    Phonetic,
    /// A word one edit away from a long query word the index holds rarely
    /// ("Shanghai" for "Schanghai"): it matches.
    Misspelling,
    /// Ranks only: a part of the query's compound ("Pflicht" for
    /// "Wehrpflicht").
    SplitPart,
    /// Ranks only: a compound that the query word starts ("Klimageld" for
    /// "Klima").
    Compound,
    /// Ranks only: a same-sounding stem that is no spelling of the word.
    SoundAlike,
}

impl Kind {
    /// Whether this form makes an item a hit by itself.
    pub fn matches(self) -> bool {
        self < Kind::SplitPart
    }

    fn of(form: Form) -> Kind {
        match form {
            Form::Word => Kind::Word,
            Form::Stem => Kind::Stem,
            Form::CompoundPart => Kind::CompoundPart,
            Form::Head => Kind::Head,
            Form::Phrase => Kind::Phrase,
            Form::Phonetic => Kind::Phonetic,
            Form::Misspelling => Kind::Misspelling,
        }
    }

    /// Its name in the terminal and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Word => "word",
            Kind::Stem => "stem",
            Kind::CompoundPart => "compound_part",
            Kind::Head => "head",
            Kind::Phrase => "phrase",
            Kind::Phonetic => "phonetic",
            Kind::Misspelling => "misspelling",
            Kind::SplitPart => "split_part",
            Kind::Compound => "compound",
            Kind::SoundAlike => "sound_alike",
        }
    }
}

/// One form of the query found in the item.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// The query word (or phrase) it stands for.
    pub query_word: String,
    /// The analysed term.
    pub term: String,
    /// How it stands for the query word.
    pub kind: Kind,
    /// Its weight against the query word itself (1).
    pub weight: f32,
    /// Its inverse document frequency in the `text` field.
    pub idf: f32,
    /// How often the item holds it (title and text).
    pub count: usize,
    /// The spellings in the item, up to five.
    pub spellings: Vec<String>,
}

/// Why one hit is a hit.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The hit's score as ranked (BM25 plus the passage bonus where the hit
    /// was among the reranked); `None` when sorted by date.
    pub score: Option<f32>,
    /// The engine's BM25 score of the item for the whole query: tantivy's,
    /// or OpenSearch's on a cluster.
    pub bm25: f32,
    /// The best passage: the highest sum of idf × weight of distinct query
    /// terms within [`passage::WINDOW`] words.
    pub passage: f32,
    /// What a passage point adds to the score ([`passage::WEIGHT`]), for
    /// the first [`passage::RERANK_TOP`] hits by BM25.
    pub passage_weight: f32,
    /// The best story's score ([`passage::story_score`]; for an item
    /// without stories, that of its best window of
    /// [`passage::STORY_WORDS`] words).
    pub story: f32,
    /// What a story point adds to the score ([`passage::STORY_WEIGHT`]),
    /// for the same hits.
    pub story_weight: f32,
    /// The forms found, matching ones first.
    pub found: Vec<Found>,
    /// Where this explanation is not what the local index would give, and
    /// why (on a cluster: BM25 by OpenSearch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Explain each of `hits`, a page of `req` on the local index.
pub fn explain_hits(
    archive: &Archive,
    searcher: &Searcher,
    req: &Request,
    hits: &mut super::Hits,
) -> Result<(), SearchError> {
    let prepared = super::prepare(archive, searcher, req)?;
    for h in &mut hits.hits {
        h.explain = Some(explain(
            archive,
            searcher,
            &prepared.query,
            &prepared.marks,
            &prepared.passage,
            req,
            &h.item,
            h.score,
        )?);
    }
    Ok(())
}

/// Explain `item`, a hit of the prepared query, with the score it was
/// ranked by.
#[allow(clippy::too_many_arguments)]
pub fn explain(
    archive: &Archive,
    searcher: &Searcher,
    query: &dyn Query,
    marks: &Marks,
    terms: &[(String, f32)],
    req: &Request,
    item: &Item,
    score: Option<f32>,
) -> Result<Explanation, SearchError> {
    let tantivy_err = |e| SearchError::Index(archive.tantivy(e));
    let addr = address(archive, searcher, &item.id).map_err(tantivy_err)?;
    let bm25 = match addr {
        Some(a) => query.explain(searcher, a).map_err(tantivy_err)?.value(),
        None => 0.0,
    };
    let evidence = match addr {
        Some(a) => {
            let spans = item.stories.iter().map(|s| s.positions).collect();
            passage::evidence(archive, searcher, terms, &[(a, spans)])
                .map_err(tantivy_err)?
                .first()
                .copied()
                .unwrap_or_default()
        }
        None => passage::Evidence::default(),
    };
    let field = archive.fields().text;
    let n = searcher.num_docs();
    let idf_of = |t: &str| {
        idf(
            n,
            searcher
                .doc_freq(&Term::from_field_text(field, t))
                .unwrap_or(0),
        )
    };
    let scored = Scored {
        score,
        bm25,
        evidence,
    };
    Ok(explanation(marks, terms, req, item, scored, &idf_of))
}

/// A hit's scores as its engine computed them.
#[derive(Debug, Clone, Copy)]
pub struct Scored {
    /// The score it was ranked by; `None` when sorted by date.
    pub score: Option<f32>,
    /// The engine's BM25 score of the item for the whole query.
    pub bm25: f32,
    /// Its passage and story evidence.
    pub evidence: passage::Evidence,
}

/// BM25's inverse document frequency of a term in `df` of `n` items (0
/// for a term no item holds), as tantivy and Lucene compute it.
pub fn idf(n: u64, df: u64) -> f32 {
    if df == 0 {
        return 0.0;
    }
    let (n, df) = (n as f32, df as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// The explanation of `item` from its scores, whichever engine computed
/// them: the forms of the query found in it (the same code for every
/// engine), each with its weight in `terms` and its idf (`idf_of`).
pub fn explanation(
    marks: &Marks,
    terms: &[(String, f32)],
    req: &Request,
    item: &Item,
    scored: Scored,
    idf_of: &dyn Fn(&str) -> f32,
) -> Explanation {
    let weight_of: BTreeMap<&str, f32> = terms.iter().map(|(t, w)| (t.as_str(), *w)).collect();
    let found = forms(marks, terms, req, item)
        .into_iter()
        .map(|((kind, query_word, term), (count, spellings))| Found {
            weight: weight_of.get(term.as_str()).copied().unwrap_or(1.0),
            idf: idf_of(&term),
            query_word,
            term,
            kind,
            count,
            spellings,
        })
        .collect();
    Explanation {
        score: scored.score,
        bm25: scored.bm25,
        passage: scored.evidence.passage,
        passage_weight: passage::WEIGHT,
        story: scored.evidence.story,
        story_weight: passage::STORY_WEIGHT,
        found,
        note: None,
    }
}

/// The forms of the query in `item`'s title and text, by (kind, query
/// word, term): how often, and up to five spellings.
type Forms = BTreeMap<(Kind, String, String), (usize, Vec<String>)>;

/// The forms found in `item`: those that match as kwic finds them, then
/// those that only rank (the passage terms that mark nothing) among its
/// analysed words.
fn forms(marks: &Marks, terms: &[(String, f32)], req: &Request, item: &Item) -> Forms {
    let analyzer = Analyzer::shared();
    let mut with_title = item.clone();
    with_title
        .blocks
        .insert(0, Block::new(BlockKind::Paragraph, item.title.clone()));
    let every = Request {
        speakers: Vec::new(),
        ..req.clone()
    };
    let lines = kwic::item_lines(analyzer, &with_title, marks, &every, 1, 0);
    let mut found = Forms::new();
    for l in &lines {
        let term = l.term.clone().unwrap_or_else(|| l.query_word.clone());
        let e = found
            .entry((Kind::of(l.form), l.query_word.clone(), term))
            .or_default();
        e.0 += 1;
        if e.1.len() < 5 && !e.1.contains(&l.matched) {
            e.1.push(l.matched.clone());
        }
    }
    let ranking: Vec<&(String, f32)> = terms
        .iter()
        .filter(|(t, _)| !marks.terms.contains(t))
        .filter(|(t, _)| !marks.phrases.iter().flatten().any(|(_, p)| p == t))
        .collect();
    if ranking.is_empty() {
        return found;
    }
    for b in with_title
        .blocks
        .iter()
        .filter(|b| b.kind != BlockKind::Credit)
    {
        for tok in analyzer.analyze(&b.text) {
            let Some((t, _)) = ranking.iter().find(|(t, _)| *t == tok.text) else {
                continue;
            };
            let kind = if marks.prefixes.contains_key(t) {
                Kind::Compound
            } else if marks.ranking.contains(t) {
                Kind::SplitPart
            } else {
                Kind::SoundAlike
            };
            let e = found
                .entry((kind, query_word_of(marks, t), t.clone()))
                .or_default();
            e.0 += 1;
            let surface = b.text[tok.start..tok.end].to_string();
            if e.1.len() < 5 && !e.1.contains(&surface) {
                e.1.push(surface);
            }
        }
    }
    found
}

/// The query word a ranking-only term was found for: the only word of
/// the query when there is one, else the term itself.
fn query_word_of(marks: &Marks, term: &str) -> String {
    let mut words: Vec<&String> = marks
        .origins
        .values()
        .filter(|o| o.via == super::snippet::Via::Stem)
        .map(|o| &o.word)
        .collect();
    words.sort();
    words.dedup();
    match words.as_slice() {
        [one] => (*one).clone(),
        _ => term.to_string(),
    }
}

/// Where the item with this id is.
fn address(
    archive: &Archive,
    searcher: &Searcher,
    id: &str,
) -> tantivy::Result<Option<DocAddress>> {
    let q = tantivy::query::TermQuery::new(
        Term::from_field_text(archive.fields().id, id),
        IndexRecordOption::Basic,
    );
    let top = searcher.search(
        &q,
        &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
    )?;
    Ok(top.into_iter().next().map(|(_, a)| a))
}
