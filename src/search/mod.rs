//! Search: a query and filters to ranked [`Hit`]s with snippets.

pub mod collapse;
pub mod decompound;
pub mod dsl;
pub mod explain;
pub mod facets;
pub mod kwic;
pub mod parse;
pub mod passage;
pub mod plan;
pub mod prune;
pub mod request;
pub mod said;
pub mod share;
pub mod snippet;
pub mod vocabulary;

pub use request::{DEFAULT_MATCH, Limits, MatchMode, Request, RequestError, Sort};

use crate::analysis::{Analyzer, TokenKind};
use crate::error::{IndexError, QueryError};
use crate::index::schema::ArchiveSchema;
use crate::index::{Archive, key};
use crate::item::{Day, Item};
use parse::Node;
use plan::{Occur, Plan};
use snippet::{Marks, Snippet};
use std::collections::BTreeSet;
use tantivy::Searcher;
use tantivy::query::Query;
use tantivy::schema::{Field, TantivyDocument};
use vocabulary::Vocabulary;

/// One result.
#[derive(Debug, Clone)]
pub struct Hit {
    /// 1-based rank in the whole result list.
    pub rank: usize,
    /// BM25 score; `None` when sorted by date.
    pub score: Option<f32>,
    /// The stored item.
    pub item: Item,
    /// Marked spans of the title, in characters.
    pub title_highlights: Vec<(usize, usize)>,
    /// Best passages.
    pub snippets: Vec<Snippet>,
    /// Other airings of the same item (near-duplicates) that match too,
    /// when results are collapsed.
    pub repeats: collapse::Repeats,
    /// Why it is a hit, when asked for ([`explain`]).
    pub explain: Option<explain::Explanation>,
    /// The story of the item the query's words are most in (0-based, into
    /// `item.stories`), for an item cut into stories.
    pub story: Option<usize>,
}

/// The results of a search.
#[derive(Debug, Clone)]
pub struct Hits {
    /// All matching items, or at least so many ([`Hits::total_exact`]).
    pub total: usize,
    /// Whether `total` counts every match; else there are more, and it
    /// is [`prune::TOTAL_BOUND`] (`Request::exact_total` counts them all).
    pub total_exact: bool,
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Things the user should know (a filter that matched no name, …).
    pub notes: Vec<String>,
    /// Hits per programme and speaker, when asked for.
    pub facets: Option<facets::Facets>,
}

/// Errors of a search.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The request is outside its bounds.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The query cannot be run.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A trend would have more bars than it may.
    #[error(
        "the hits span {first} to {last}, more than {} bars of this width; use a wider --by (week, month, year) or narrow with --from/--to",
        request::Grouped(*max)
    )]
    TooManyPeriods {
        /// First day of the span.
        first: Day,
        /// Last day.
        last: Day,
        /// The most bars a trend may have.
        max: usize,
    },
}

/// One clause of a query word: what decides whether an item matches it,
/// and what it adds to the score. The score side holds every expansion
/// (compound parts alone, the compounds a word starts, sound-alikes); the
/// match side only the forms the user asked for, so that hit counts,
/// facets and trends count items that hold the word (issue 12: a trend of
/// "Wehrpflicht" counted 95 items for 9 that hold the word).
struct Clause {
    /// Whether an item matches; its score is not used.
    matches: Plan,
    /// What the clause adds to a matching item's score.
    score: Plan,
}

impl Clause {
    /// A clause that matches and scores alike.
    fn plain(q: Plan) -> Clause {
        Clause {
            matches: q.clone(),
            score: q,
        }
    }
}

/// The clauses of a word and a score bonus (the glued or phrase form of a
/// hyphenated word).
type WordClauses = (Vec<Clause>, Option<Plan>);

/// Weight of a compound's split form against the word itself.
pub const SPLIT_WEIGHT: f32 = 0.5;

/// Weight of the compounds a word starts against the word itself.
pub const COMPOUND_WEIGHT: f32 = 0.1;

/// Weight of the compounds a word ends (it is their head: "Mangel" →
/// "Pflegekräftemangel") against the word itself.
pub const HEAD_WEIGHT: f32 = 0.1;

/// Weight of a misspelling of a query word ([`Builder::misspellings`])
/// against the word itself. On `../shared/eval` (rare words only, 7
/// letters or more), 0.3, 0.5, 0.7 and 1.0 gave MRR@10 0.5726, 0.5728,
/// 0.5734 and 0.5734 against 0.5720 without (`docs/relevance.md`, rows V);
/// at 0.5 a misspelling is also a candidate of the pruned top
/// ([`prune::CANDIDATE_WEIGHT`]), so an item that holds only it is found.
pub const FUZZY_WEIGHT: f32 = 0.5;

/// Query words with fewer letters are never taken as misspelt: one edit
/// turns a short word into another word ("Kiew" → "Kiel", "Wahl" →
/// "Wal"). 6 and not 7: "Corona" is "korona" in word-level speech
/// recognition (MRR@10 0.5769 against 0.5733 with 7).
pub const FUZZY_MIN_LETTERS: usize = 6;

/// A query word is rare, and the stems one edit away that more items hold
/// stand for it, when at most so many items hold its stem.
pub const FUZZY_RARE_ITEMS: u64 = 5;

/// A stem one edit away from a query word that is not rare stands for it
/// when it is in at least so many times as many items: the index mostly
/// spells the word so ("korona" in 90 items, "corona" in 18). 2, 3, 5 and
/// 10 gave MRR@10 0.5780, 0.5769, 0.5764 and 0.5735.
pub const FUZZY_OTHERWISE: u64 = 3;

/// Most misspellings a word is expanded to (the most frequent first).
pub const MAX_MISSPELLINGS: usize = 4;

/// Weight of each part of a compound alone, and of the compounds a part
/// starts ("Plagiatsaffäre" finds "Plagiatsfall" through "Plagiat").
pub const PART_WEIGHT: f32 = 0.15;

/// How far apart, in words, the parts of a split compound may stand to
/// match it, about a sentence: "Verhandlungen über einen Frieden" matches
/// "Friedensverhandlungen"; "Pflicht" in one story and "wehren" in another
/// do not match "Wehrpflicht" (they still add to the score). On
/// `../shared/eval`, 4, 10 and 30 words give Recall@100 0.9319, 0.9324 and
/// 0.9324; parts anywhere in the item, 0.9367.
pub const SPLIT_SLOP: u32 = 10;

struct Builder<'a> {
    schema: &'a ArchiveSchema,
    vocabulary: &'a dyn Vocabulary,
    analyzer: &'a Analyzer,
    mode: MatchMode,
    marks: Marks,
    /// Terms a passage is scored on, with their weights.
    passage: Vec<(String, f32)>,
    /// What the query's positive words add to the score.
    scoring: Vec<Plan>,
}

impl Builder<'_> {
    fn fields(&self, prefix: &Option<String>) -> Vec<(Field, f32)> {
        match prefix {
            Some(p) => self
                .schema
                .field_for_prefix(p)
                .map(|f| vec![(f, 1.0)])
                .unwrap_or_default(),
            None => self.schema.default_fields(),
        }
    }

    /// The match side of a node; positive words add their score sides to
    /// `scoring`. `None` when nothing is left to search (stopwords).
    fn build(&mut self, node: &Node, positive: bool) -> Result<Option<Plan>, QueryError> {
        match node {
            Node::Word { .. } | Node::Phrase { .. } => {
                self.and(std::slice::from_ref(node), positive)
            }
            Node::Must(inner) => self.build(inner, positive),
            Node::Not(_) => Err(QueryError::OnlyExclusions),
            Node::Or(alts) => {
                let mut qs = Vec::new();
                for a in alts {
                    if let Some(q) = self.build(a, positive)? {
                        qs.push((Occur::Should, q));
                    }
                }
                Ok(match qs.len() {
                    0 => None,
                    1 => qs.pop().map(|(_, q)| q),
                    _ => Some(Plan::bool(qs)),
                })
            }
            Node::And(items) => self.and(items, positive),
        }
    }

    /// Keep the score side of a positive clause; return its match side.
    fn take(&mut self, c: Clause, positive: bool) -> Plan {
        if positive {
            self.scoring.push(c.score);
        }
        c.matches
    }

    /// A sequence of clauses. Words count one each towards `--match`, the
    /// parts of a hyphenated word too ("Hoeneß-Affäre" is two words, as in
    /// Elasticsearch); the phrase or glued form of such a word only adds
    /// to the score.
    fn and(&mut self, items: &[Node], positive: bool) -> Result<Option<Plan>, QueryError> {
        let mut shoulds: Vec<Plan> = Vec::new();
        let mut clauses = Vec::new();
        for it in items {
            match it {
                Node::Not(inner) => {
                    if let Some(q) = self.build(inner, false)? {
                        clauses.push((Occur::MustNot, q));
                    }
                }
                Node::Must(inner) => {
                    if let Some(q) = self.build(inner, positive)? {
                        clauses.push((Occur::Must, q));
                    }
                }
                Node::Word { field, text } => {
                    let (parts, bonus) = self.word(field, text, positive);
                    for c in parts {
                        let m = self.take(c, positive);
                        shoulds.push(m);
                    }
                    if positive {
                        self.scoring.extend(bonus);
                    }
                }
                Node::Phrase { field, text } => {
                    if let Some(c) = self.phrase(field, text, positive) {
                        let m = self.take(c, positive);
                        shoulds.push(m);
                    }
                }
                other => shoulds.extend(self.build(other, positive)?),
            }
        }
        let required = clauses.iter().filter(|(o, _)| *o == Occur::Must).count();
        if shoulds.is_empty() && required == 0 {
            if clauses.is_empty() {
                return Ok(None);
            }
            return Err(QueryError::OnlyExclusions);
        }
        let n = shoulds.len();
        let min = match self.mode {
            MatchMode::All => n,
            MatchMode::Any => usize::from(required == 0),
            MatchMode::Share(p) => ((n as f32 * p).ceil() as usize).clamp(1, n.max(1)),
            MatchMode::Auto { upto, .. } if n <= upto => n,
            MatchMode::Auto { share, .. } => {
                ((n as f32 * share).ceil() as usize).clamp(1, n.max(1))
            }
        }
        .min(n);
        if n == 1 && clauses.is_empty() {
            return Ok(shoulds.pop());
        }
        let occur = if min == n { Occur::Must } else { Occur::Should };
        clauses.extend(shoulds.into_iter().map(|q| (occur, q)));
        let min_should = if occur == Occur::Should && min > 1 {
            min
        } else {
            0
        };
        Ok(Some(Plan::Bool {
            clauses,
            min_should,
        }))
    }

    /// The clauses of a word: one per part (a part also matches the glued
    /// form), and for a hyphenated word a bonus for the phrase or glued form.
    fn word(&mut self, field: &Option<String>, text: &str, positive: bool) -> WordClauses {
        let tokens = self.analyzer.analyze(text);
        if tokens.is_empty() {
            return (Vec::new(), None);
        }
        let groups: BTreeSet<u32> = tokens.iter().map(|t| t.group).collect();
        if groups.len() > 1 {
            // "13.02.2025", "Zelensky's": words that are several words.
            return (
                self.phrase(field, text, positive).into_iter().collect(),
                None,
            );
        }
        if positive {
            for t in &tokens {
                self.mark_term(&t.text);
                self.marks.origins.insert(
                    t.text.clone(),
                    snippet::Origin {
                        word: text.to_string(),
                        via: snippet::Via::Stem,
                    },
                );
                self.passage.push((t.text.clone(), 1.0));
            }
        }
        let fields = self.fields(field);
        let parts: Vec<(u32, String)> = tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| (t.position, t.text.clone()))
            .collect();
        if let Some(whole) = tokens.iter().find(|t| t.kind == TokenKind::Whole) {
            let (clauses, bonus) = hyphen_group(&fields, &parts, &whole.text);
            if field.is_some() {
                return (clauses, bonus);
            }
            // Each part may be misspelt: "Corona-Maßnahmen" finds
            // "korona maßnahmen" of word-level speech recognition.
            let clauses = clauses
                .into_iter()
                .zip(&parts)
                .map(|(c, (_, p))| {
                    let m = may_be_misspelt(p)
                        .then(|| self.misspellings(p, text, positive, &None))
                        .flatten();
                    with_alike(c, m)
                })
                .collect();
            return (clauses, bonus);
        }
        let [(_, stem)] = parts.as_slice() else {
            let clauses = parts
                .iter()
                .map(|(_, t)| Clause::plain(across_fields(&fields, |f| term_query(f, t))))
                .collect();
            return (clauses, None);
        };
        let phonetic = match field {
            None if tokens.len() == 1 => self.phonetic(stem, text, positive),
            _ => None,
        };
        let misspelt = match field {
            None if tokens.len() == 1 && may_be_misspelt(text) => {
                self.misspellings(stem, text, positive, &phonetic)
            }
            _ => None,
        };
        let before = self.marks.terms.len();
        let clause = match self.split(text) {
            Some(split) => self.compound(&fields, stem, &split, positive),
            None => {
                let c = across_fields(&fields, |f| term_query(f, stem));
                match field {
                    None => self.with_compounds(c, stem, positive),
                    Some(_) => Clause::plain(c),
                }
            }
        };
        if positive && self.marks.terms.len() > before {
            // The compounds this word starts or ends, now marked: theirs.
            for t in &self.marks.terms {
                if !self.marks.origins.contains_key(t) {
                    self.marks.origins.insert(
                        t.clone(),
                        snippet::Origin {
                            word: text.to_string(),
                            via: snippet::Via::Stem,
                        },
                    );
                }
            }
        }
        let clause = with_number(clause, self.numbers(&fields, text, positive));
        let clause = with_alike(with_alike(clause, phonetic), misspelt);
        (vec![clause], None)
    }

    /// A number's other spelling: "4369" also searches
    /// "viertausenddreihundertneunundsechzig", "zwanzig" also "20"
    /// ([`crate::analysis::numbers`]); it matches, and is marked, as the
    /// word itself.
    fn numbers(&mut self, fields: &[(Field, f32)], text: &str, positive: bool) -> Option<Plan> {
        use crate::analysis::numbers;
        let digits = text.chars().all(|c| c.is_ascii_digit())
            && (text == "0" || !text.starts_with('0'))
            && text.len() <= 6;
        let spellings: Vec<String> = if digits {
            numbers::words(text.parse().ok()?)
        } else {
            vec![numbers::parse(text)?.to_string()]
        };
        let terms: Vec<String> = spellings
            .iter()
            .filter_map(|w| self.analyzer.normalize(w))
            .collect();
        if terms.is_empty() {
            return None;
        }
        if positive {
            for t in &terms {
                self.mark_term(t);
                self.marks
                    .origins
                    .entry(t.clone())
                    .or_insert_with(|| snippet::Origin {
                        word: text.to_string(),
                        via: snippet::Via::Stem,
                    });
                self.passage.push((t.clone(), 1.0));
            }
        }
        Some(across_fields(fields, |f| {
            any_of(f, &terms).unwrap_or_else(|| term_query(f, &terms[0]))
        }))
    }

    /// Stems of the index that sound like `stem` ("selenski" for
    /// "Selenskyj"), at low weight: all of them add to the score, and those
    /// that are spellings of the word also match it ([`Phonetic`]).
    fn phonetic(&mut self, stem: &str, word: &str, positive: bool) -> Option<Alike> {
        let (pf, boost) = self.schema.phonetic_field()?;
        let variants = self.vocabulary.sounding(self.analyzer, stem);
        if variants.is_empty() {
            return None;
        }
        let df = |t: &str| self.vocabulary.doc_freq(pf, t);
        let own = df(stem);
        let spellings: Vec<String> = variants
            .iter()
            .filter(|v| is_spelling_variant(stem, own, v, df(v)))
            .cloned()
            .collect();
        if positive {
            self.marks.terms.extend(spellings.iter().cloned());
            for v in &spellings {
                self.marks
                    .origins
                    .entry(v.clone())
                    .or_insert_with(|| snippet::Origin {
                        word: word.to_string(),
                        via: snippet::Via::Phonetic,
                    });
            }
            self.passage
                .extend(variants.iter().map(|v| (v.clone(), boost)));
        }
        let any = |vs: &[String]| -> Option<Plan> {
            (!vs.is_empty()).then(|| {
                let qs: Vec<(Occur, Plan)> = vs
                    .iter()
                    .map(|v| (Occur::Should, term_query(pf, v)))
                    .collect();
                Plan::Boost(Box::new(Plan::bool(qs)), boost)
            })
        };
        Some(Alike {
            score: any(&variants)?,
            matches: any(&spellings),
        })
    }

    /// Stems of the index one edit away from a query word
    /// ([`may_be_misspelt`]) that stand for it ([`misspellings_of`]): the
    /// word is rare in the index, or the index mostly spells it otherwise,
    /// as speech recognition or an editor does ("Schanghai" → "shanghai",
    /// "Nawalnys" → "nawalny", "Corona" → "korona"). They match it and
    /// score at [`FUZZY_WEIGHT`]; the word's sound-alikes
    /// ([`Builder::phonetic`]) are not counted twice.
    fn misspellings(
        &mut self,
        stem: &str,
        word: &str,
        positive: bool,
        phonetic: &Option<Alike>,
    ) -> Option<Alike> {
        let field = self.schema.fields.text;
        let own = self.vocabulary.doc_freq(field, stem);
        let sounding: Vec<String> = match phonetic {
            Some(_) => self.vocabulary.sounding(self.analyzer, stem),
            None => Vec::new(),
        };
        let near = misspellings_of(own, self.vocabulary.near(field, stem, MAX_NEAR), &sounding);
        if near.is_empty() {
            return None;
        }
        let weight = FUZZY_WEIGHT;
        if positive {
            for v in &near {
                if !self.marks.terms.contains(v) {
                    self.marks.terms.insert(v.clone());
                    self.marks
                        .origins
                        .entry(v.clone())
                        .or_insert_with(|| snippet::Origin {
                            word: word.to_string(),
                            via: snippet::Via::Misspelling,
                        });
                }
            }
            self.passage
                .extend(near.iter().map(|v| (v.clone(), weight)));
        }
        let any = Plan::Boost(Box::new(any_of(field, &near)?), weight);
        Some(Alike {
            matches: Some(any.clone()),
            score: any,
        })
    }

    /// A compound split into words of the index: it matches itself, or its
    /// parts within [`SPLIT_SLOP`] words of each other; it scores also by
    /// its parts anywhere ([`SPLIT_WEIGHT`]) and by each part alone and the
    /// compounds each part starts ([`PART_WEIGHT`]).
    fn compound(
        &mut self,
        fields: &[(Field, f32)],
        stem: &str,
        split: &[String],
        positive: bool,
    ) -> Clause {
        if positive {
            for p in split {
                // A part the query also names itself is marked as a word.
                if !self.marks.terms.contains(p) {
                    self.marks.ranking.insert(p.clone());
                }
            }
            self.passage
                .extend(split.iter().map(|v| (v.clone(), SPLIT_WEIGHT)));
        }
        // The compounds the whole word starts match as for a word that is
        // not split ("Windkraft" → "Windkraftanlagen").
        let (whole, heads) = self.widened(stem, positive);
        let mut widened = Vec::new();
        for p in split {
            let compounds = self.compounds(p);
            if positive {
                self.mark_compounds(p, &compounds);
            }
            widened.extend(compounds);
        }
        if positive {
            let alone = split.iter().chain(&widened);
            self.passage.extend(alone.map(|v| (v.clone(), PART_WEIGHT)));
        }
        let matches = across_fields(fields, |f| {
            let mut alts: Vec<(Occur, Plan)> = vec![(Occur::Should, term_query(f, stem))];
            alts.extend(near(f, split).map(|q| (Occur::Should, q)));
            alts.extend(
                whole
                    .iter()
                    .chain(&heads)
                    .map(|c| (Occur::Should, term_query(f, c))),
            );
            Plan::bool(alts)
        });
        let score = across_fields(fields, |f| {
            let together: Vec<(Occur, Plan)> = split
                .iter()
                .map(|p| (Occur::Must, term_query(f, p)))
                .collect();
            let any: Vec<(Occur, Plan)> = split
                .iter()
                .chain(&widened)
                .map(|p| (Occur::Should, term_query(f, p)))
                .collect();
            let mut alts: Vec<(Occur, Plan)> = vec![
                (Occur::Should, term_query(f, stem)),
                (
                    Occur::Should,
                    Plan::Boost(Box::new(Plan::bool(together)), SPLIT_WEIGHT),
                ),
                (
                    Occur::Should,
                    Plan::Boost(Box::new(Plan::bool(any)), PART_WEIGHT),
                ),
            ];
            for (terms, weight) in [(&whole, COMPOUND_WEIGHT), (&heads, HEAD_WEIGHT)] {
                if let Some(any) = any_of(f, terms) {
                    alts.push((Occur::Should, Plan::Boost(Box::new(any), weight)));
                }
            }
            Plan::bool(alts)
        });
        Clause { matches, score }
    }

    /// A word's clause, widened to the compounds of the index that it
    /// starts ("Klima" → "Klimawandel", "Windkraft" → "Windkraftanlagen"):
    /// for a positive word they match (only the word's part is marked) and
    /// score at [`COMPOUND_WEIGHT`]; a word the query excludes excludes
    /// only itself.
    fn with_compounds(&mut self, clause: Plan, stem: &str, positive: bool) -> Clause {
        let (compounds, heads) = self.widened(stem, positive);
        if compounds.is_empty() && heads.is_empty() {
            return Clause::plain(clause);
        }
        let field = self.schema.fields.text;
        let mut matches = vec![(Occur::Should, clause.clone())];
        let mut score = vec![(Occur::Should, clause)];
        for (terms, weight) in [(&compounds, COMPOUND_WEIGHT), (&heads, HEAD_WEIGHT)] {
            if let Some(any) = any_of(field, terms) {
                matches.push((Occur::Should, any.clone()));
                score.push((Occur::Should, Plan::Boost(Box::new(any), weight)));
            }
        }
        Clause {
            matches: Plan::bool(matches),
            score: Plan::bool(score),
        }
    }

    /// For a positive word, the compounds of the index it starts and those
    /// it ends, marked as its matches and added to the passage terms.
    fn widened(&mut self, stem: &str, positive: bool) -> (Vec<String>, Vec<String>) {
        if !positive {
            return (Vec::new(), Vec::new());
        }
        let word = self
            .marks
            .origins
            .get(stem)
            .map_or_else(|| stem.to_string(), |o| o.word.clone());
        let compounds = self.compounds(stem);
        let letters = stem.chars().count();
        for c in &compounds {
            self.mark_part(c, &word, Part::Start(letters));
        }
        self.passage
            .extend(compounds.iter().map(|c| (c.clone(), COMPOUND_WEIGHT)));
        let heads = self.heads(stem);
        for (c, modifier) in &heads {
            self.mark_part(c, &word, Part::End(*modifier));
        }
        self.passage
            .extend(heads.iter().map(|(c, _)| (c.clone(), HEAD_WEIGHT)));
        (compounds, heads.into_iter().map(|(c, _)| c).collect())
    }

    /// Compounds of the index that end with this stem ([`decompound::heads`]).
    fn heads(&self, stem: &str) -> Vec<(String, usize)> {
        let field = self.schema.fields.text;
        decompound::heads(
            self.analyzer,
            stem,
            &|s, limit| self.vocabulary.ending_with(s, limit),
            &|t| self.vocabulary.doc_freq(field, t),
        )
    }

    /// Mark a compound found through a word of the query as that word's
    /// match, only as far as the word goes ([`Part`]); the query's own terms
    /// stay marked whole.
    fn mark_part(&mut self, compound: &str, word: &str, part: Part) {
        let (map, letters) = match part {
            Part::Start(n) => (&mut self.marks.prefixes, n),
            Part::End(n) => (&mut self.marks.suffixes, n),
        };
        if self.marks.terms.contains(compound) && !map.contains_key(compound) {
            return;
        }
        let e = map.entry(compound.to_string()).or_insert(letters);
        *e = match part {
            Part::Start(_) => (*e).max(letters),
            Part::End(_) => (*e).min(letters),
        };
        self.marks.ranking.remove(compound);
        self.marks.terms.insert(compound.to_string());
        self.marks
            .origins
            .entry(compound.to_string())
            .or_insert_with(|| snippet::Origin {
                word: word.to_string(),
                via: snippet::Via::Stem,
            });
    }

    /// Mark a term of the query whole, also where it was first marked as a
    /// compound of another word ("Klima Klimageld").
    fn mark_term(&mut self, term: &str) {
        self.marks.prefixes.remove(term);
        self.marks.suffixes.remove(term);
        self.marks.ranking.remove(term);
        self.marks.terms.insert(term.to_string());
    }

    /// Keep the compounds a word starts as forms that only rank (for
    /// explanations), with the length of the part the word is.
    fn mark_compounds(&mut self, stem: &str, compounds: &[String]) {
        for c in compounds {
            if !self.marks.terms.contains(c) && self.marks.ranking.insert(c.clone()) {
                self.marks.prefixes.insert(c.clone(), stem.chars().count());
            }
        }
    }

    /// Compounds of the index that start with this stem ([`decompound`]).
    fn compounds(&self, stem: &str) -> Vec<String> {
        let field = self.schema.fields.text;
        decompound::compounds(
            self.analyzer,
            stem,
            &|prefix, limit| self.vocabulary.prefixed(field, prefix, limit),
            &|t| self.vocabulary.doc_freq(field, t),
        )
    }

    /// Split a compound into words of the index ([`decompound`]).
    fn split(&self, word: &str) -> Option<Vec<String>> {
        let field = self.schema.fields.text;
        decompound::split(self.analyzer, word, &|t| self.vocabulary.doc_freq(field, t))
    }

    fn phrase(&mut self, field: &Option<String>, text: &str, positive: bool) -> Option<Clause> {
        let parts: Vec<(u32, String)> = self
            .analyzer
            .analyze(text)
            .into_iter()
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| (t.position, t.text))
            .collect();
        let first = parts.first()?.0;
        if positive {
            self.passage
                .extend(parts.iter().map(|(_, t)| (t.clone(), 1.0)));
            if parts.len() == 1 {
                self.mark_term(&parts[0].1);
                self.marks.origins.insert(
                    parts[0].1.clone(),
                    snippet::Origin {
                        word: text.to_string(),
                        via: snippet::Via::Stem,
                    },
                );
            } else {
                self.marks
                    .phrases
                    .push(parts.iter().map(|(p, t)| (p - first, t.clone())).collect());
                self.marks.phrase_texts.push(text.to_string());
            }
        }
        let fields = self.fields(field);
        Some(Clause::plain(across_fields(&fields, |f| {
            parts_query(f, &parts).unwrap_or(Plan::Nothing)
        })))
    }
}

/// A word's sound-alikes or misspellings: all of them score, those that
/// are spellings of it also match.
struct Alike {
    score: Plan,
    matches: Option<Plan>,
}

/// A clause with its word's sound-alikes.
/// A word's clause, or its number's other spelling ([`Builder::numbers`]).
fn with_number(c: Clause, number: Option<Plan>) -> Clause {
    let Some(n) = number else { return c };
    let either =
        |a: Plan, b: Plan| -> Plan { Plan::bool(vec![(Occur::Should, a), (Occur::Should, b)]) };
    Clause {
        matches: either(c.matches, n.clone()),
        score: either(c.score, n),
    }
}

fn with_alike(c: Clause, phonetic: Option<Alike>) -> Clause {
    let Some(p) = phonetic else { return c };
    let either =
        |a: Plan, b: Plan| -> Plan { Plan::bool(vec![(Occur::Should, a), (Occur::Should, b)]) };
    Clause {
        matches: match p.matches {
            Some(m) => either(c.matches, m),
            None => c.matches,
        },
        score: either(c.score, p.score),
    }
}

/// Whether a same-sounding stem of the index is a spelling of the query's
/// stem, and so matches it, rather than another word that happens to share
/// its Kölner Phonetik code: it is at most one edit in four letters away
/// ("selenski" for "selenskyj", "lukaschenka" for "lukaschenko"; not
/// "neuregel" for "merkel"), and, unless the query's own spelling is not in
/// the index at all, not far more common than it ("verpflicht", in 51
/// transcripts, is no spelling of "wehrpflicht", in 9).
fn is_spelling_variant(stem: &str, stem_df: u64, variant: &str, variant_df: u64) -> bool {
    let len = stem.chars().count().max(variant.chars().count());
    let close = edit_distance(stem, variant) <= (len / 4).max(1);
    close && (stem_df == 0 || variant_df <= 3 * stem_df + 3)
}

/// Terms of the vocabulary one edit away from a stem that are read as its
/// misspellings, at most so many of them.
const MAX_NEAR: usize = 64;

/// Whether a query word (or a part of a hyphenated one, as its stem) is
/// long enough to be taken as misspelt (at least [`FUZZY_MIN_LETTERS`]
/// letters, no digits: "4369" is no misspelling of "4396").
fn may_be_misspelt(word: &str) -> bool {
    word.chars().filter(|c| c.is_alphabetic()).count() >= FUZZY_MIN_LETTERS
        && !word.chars().any(|c| c.is_ascii_digit())
}

/// Which of the stems one edit away from a stem (held by `own` items)
/// stand for it: those more items hold than the stem itself (a misspelling
/// is read as the common word's, not the other way round), when the stem
/// is rare ([`FUZZY_RARE_ITEMS`]) or they are in [`FUZZY_OTHERWISE`] times
/// as many items (the index mostly spells it so); not among its
/// sound-alikes (already searched); the [`MAX_MISSPELLINGS`] most
/// frequent. `near` comes most frequent first ([`Vocabulary::near`]).
fn misspellings_of(own: u64, near: Vec<(String, u64)>, sounding: &[String]) -> Vec<String> {
    let rare = own <= FUZZY_RARE_ITEMS;
    near.into_iter()
        .filter(|(t, df)| {
            *df > own && (rare || *df >= FUZZY_OTHERWISE * own) && !sounding.contains(t)
        })
        .map(|(t, _)| t)
        .take(MAX_MISSPELLINGS)
        .collect()
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb)).min(up + 1).min(row[j] + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// The clauses of a hyphenated word ("Hoeneß-Affäre"): each part (or the
/// glued form) matches, and the phrase or glued form adds a bonus.
fn hyphen_group(fields: &[(Field, f32)], parts: &[(u32, String)], whole: &str) -> WordClauses {
    let clauses = parts
        .iter()
        .map(|(_, t)| {
            Clause::plain(across_fields(fields, |f| {
                Plan::bool(vec![
                    (Occur::Should, term_query(f, t)),
                    (Occur::Should, term_query(f, whole)),
                ])
            }))
        })
        .collect();
    let bonus = across_fields(fields, |f| {
        let mut alts = vec![(Occur::Should, term_query(f, whole))];
        if let Some(pq) = parts_query(f, parts) {
            alts.push((Occur::Should, pq));
        }
        Plan::bool(alts)
    });
    (clauses, Some(bonus))
}

/// The part of a compound that a query word is: its first letters (the
/// compounds a word starts) or what follows its first letters (its head).
#[derive(Clone, Copy)]
enum Part {
    /// The first so many letters of the analysed form.
    Start(usize),
    /// All after the first so many letters.
    End(usize),
}

/// Any of these terms in field `f`; `None` for none.
fn any_of(f: Field, terms: &[String]) -> Option<Plan> {
    (!terms.is_empty()).then(|| {
        Plan::bool(
            terms
                .iter()
                .map(|t| (Occur::Should, term_query(f, t)))
                .collect(),
        )
    })
}

/// The parts of a split compound within [`SPLIT_SLOP`] words of each
/// other, in either order (two parts) or in the compound's order (three).
fn near(f: Field, parts: &[String]) -> Option<Plan> {
    let phrase = |ps: &[&String]| -> Plan {
        Plan::Phrase {
            field: f,
            terms: ps
                .iter()
                .enumerate()
                .map(|(i, p)| (i, p.to_string()))
                .collect(),
            slop: SPLIT_SLOP,
        }
    };
    match parts {
        [a, b] => Some(Plan::bool(vec![
            (Occur::Should, phrase(&[a, b])),
            (Occur::Should, phrase(&[b, a])),
        ])),
        [_, _, ..] => Some(phrase(&parts.iter().collect::<Vec<_>>())),
        _ => None,
    }
}

/// The words of a query that the analyzer drops for their length, as their
/// first 20 characters and their bytes.
fn long_words(node: &Node) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut visit = |text: &str| {
        for w in text.split(|c: char| !c.is_alphanumeric()) {
            if w.len() > crate::analysis::MAX_WORD_BYTES {
                out.push((w.chars().take(20).collect(), w.len()));
            }
        }
    };
    fn walk(node: &Node, visit: &mut dyn FnMut(&str)) {
        match node {
            Node::Word { text, .. } | Node::Phrase { text, .. } => visit(text),
            Node::Not(n) | Node::Must(n) => walk(n, visit),
            Node::Or(ns) | Node::And(ns) => ns.iter().for_each(|n| walk(n, visit)),
        }
    }
    walk(node, &mut visit);
    out
}

fn term_query(f: Field, text: &str) -> Plan {
    Plan::term(f, text)
}

/// One term, or a phrase of terms at their relative positions.
fn parts_query(f: Field, parts: &[(u32, String)]) -> Option<Plan> {
    match parts {
        [] => None,
        [(_, t)] => Some(term_query(f, t)),
        _ => {
            let first = parts[0].0;
            Some(Plan::Phrase {
                field: f,
                terms: parts
                    .iter()
                    .map(|(p, t)| ((p - first) as usize, t.clone()))
                    .collect(),
                slop: 0,
            })
        }
    }
}

/// The same query over several fields, scores summed with field boosts.
fn across_fields(fields: &[(Field, f32)], per_field: impl Fn(Field) -> Plan) -> Plan {
    let mut qs: Vec<(Occur, Plan)> = fields
        .iter()
        .map(|&(f, boost)| {
            let q = per_field(f);
            let q: Plan = if (boost - 1.0).abs() > f32::EPSILON {
                Plan::Boost(Box::new(q), boost)
            } else {
                q
            };
            (Occur::Should, q)
        })
        .collect();
    if qs.len() == 1 {
        return qs.pop().expect("one").1;
    }
    Plan::bool(qs)
}

/// Whether a speaker name matches a filter: the filter's words, in order,
/// are whole words of the name ("Baerbock" matches "Annalena Baerbock").
/// Titles are no part of a name (ingest drops them), so "Dr. Alice
/// Weidel" matches "Alice Weidel".
pub fn speaker_matches(name: &str, filter: &str) -> bool {
    let n: Vec<String> = key(name).split(' ').map(str::to_string).collect();
    let filter = crate::ingest::turns::without_titles(filter);
    let f: Vec<String> = key(filter).split(' ').map(str::to_string).collect();
    !f.is_empty() && n.windows(f.len()).any(|w| w == f.as_slice())
}

/// Parse a query for this archive, with notes for the user
/// ([`parse::parse_noted`]).
pub fn parse_query(archive: &Archive, query: &str) -> Result<(Node, Vec<String>), QueryError> {
    parse_query_in(&archive.schema, query)
}

/// [`parse_query`] for an index of this schema, local or not.
pub fn parse_query_in(
    schema: &ArchiveSchema,
    query: &str,
) -> Result<(Node, Vec<String>), QueryError> {
    let known = schema
        .prefixes()
        .iter()
        .map(|p| format!("{p}:"))
        .collect::<Vec<_>>()
        .join(", ");
    parse::parse_noted(query, &|p| schema.field_for_prefix(p).is_some(), &known)
}

/// A search ready to run: the query plan and its tantivy query, what to
/// mark in snippets, and notes for the user.
pub struct Prepared {
    /// The whole query with filters, engine-neutral (speakers' words are
    /// checked in the items after it).
    pub plan: Plan,
    /// The plan as a tantivy query, with the speaker check.
    pub query: Box<dyn Query>,
    /// The candidates' queries, for a top that prunes ([`prune`]).
    pub pruned: Option<prune::Pruned>,
    /// Terms and phrases to mark.
    pub marks: Marks,
    /// Terms a hit's best passage is scored on, with their weights
    /// (variants and compound parts count less than the query's words).
    pub passage: Vec<(String, f32)>,
    /// Notes (filters that matched no name).
    pub notes: Vec<String>,
}

/// Whether relevance searches take their top hits by block-max WAND over
/// a bound of the score ([`prune`]) and count only up to
/// [`prune::TOTAL_BOUND`]. The top is the exhaustive search's, scores and
/// order (a unit test and the scale bench compare them). The first
/// pruning (a flat disjunction of the words as a proxy, rescored) missed
/// best hits: on wp20's 25,418 speeches 12 of 60 queries had another
/// top 10; the bound cannot.
const PRUNE: bool = true;

/// A request as an engine-neutral plan, before any engine runs it.
pub struct Planned {
    /// The whole query with filters.
    pub plan: Plan,
    /// Its flat terms and filter, for a search of the top hits that prunes
    /// ([`prune`]); `None` with a speaker filter.
    pub candidates: Option<prune::Candidates>,
    /// Terms and phrases to mark.
    pub marks: Marks,
    /// Terms a hit's best passage is scored on, with their weights.
    pub passage: Vec<(String, f32)>,
    /// Notes (filters that matched no name).
    pub notes: Vec<String>,
    /// The speakers a speaker filter resolved to: the engine checks that
    /// they said the words ([`said`]).
    pub speakers: Option<std::collections::HashSet<String>>,
}

/// Parse a request and build its plan against a vocabulary: the work
/// every engine shares (German analysis, compounds, name variants,
/// filters).
pub fn plan(
    schema: &ArchiveSchema,
    vocabulary: &dyn Vocabulary,
    req: &Request,
) -> Result<Planned, SearchError> {
    req.validate(&Limits::DEFAULT)?;
    let (node, mut notes) = parse_query_in(schema, &req.query)?;
    let words = node.words();
    if words > Limits::DEFAULT.query_words {
        return Err(RequestError::TooManyWords {
            words,
            max: Limits::DEFAULT.query_words,
        }
        .into());
    }
    let Main {
        query: main,
        matches,
        marks,
        passage,
    } = build_main(schema, vocabulary, req, &node, &mut notes)?;
    let mut clauses: Vec<(Occur, Plan)> = vec![(Occur::Must, main)];
    let speakers = filters(schema, vocabulary, req, &mut clauses, &mut notes)?;
    // A speaker filter is checked in the stored items after the engine:
    // no candidates for it.
    let gate = (clauses.len() > 1).then(|| Plan::bool(clauses[1..].to_vec()));
    let filter = (PRUNE && speakers.is_none()).then(|| {
        let mut filter = vec![(Occur::Must, matches)];
        filter.extend(clauses[1..].iter().cloned());
        Plan::bool(filter)
    });
    let plan = Plan::bool(clauses);
    let candidates = filter.map(|filter| prune::Candidates {
        plan: plan.clone(),
        filter,
        gate,
    });
    Ok(Planned {
        plan,
        candidates,
        marks,
        passage,
        notes,
        speakers,
    })
}

/// Parse and build a request's query with its filters for the local
/// index.
pub fn prepare(
    archive: &Archive,
    searcher: &Searcher,
    req: &Request,
) -> Result<Prepared, SearchError> {
    let vocabulary = vocabulary::Local::new(archive, searcher);
    let Planned {
        plan,
        candidates,
        marks,
        passage,
        notes,
        speakers,
    } = self::plan(&archive.schema, &vocabulary, req)?;
    // Only a relevance search with a bounded total prunes: lower the
    // candidates for nothing else.
    let prunes = req.sort == Sort::Relevance && !req.exact_total && !req.facets;
    let pruned = match &candidates {
        Some(c) if prunes => {
            prune::Pruned::new(searcher, c).map_err(|e| SearchError::Index(archive.tantivy(e)))?
        }
        _ => None,
    };
    let mut query = plan.to_tantivy();
    if let Some(names) = speakers {
        query = Box::new(said::SaidBy::new(
            query,
            said::Check {
                item: archive.fields().item,
                marks: marks.clone(),
                names,
            },
        ));
    }
    Ok(Prepared {
        plan,
        query,
        pruned,
        marks,
        passage,
        notes,
    })
}

/// The query's own part: what matches (as a constant-score filter) and
/// what scores, what to mark, and the passage terms, each once at its
/// highest weight.
fn build_main(
    schema: &ArchiveSchema,
    vocabulary: &dyn Vocabulary,
    req: &Request,
    node: &Node,
    notes: &mut Vec<String>,
) -> Result<Main, SearchError> {
    let mut b = Builder {
        schema,
        vocabulary,
        analyzer: Analyzer::shared(),
        mode: req.mode,
        marks: Marks::default(),
        passage: Vec::new(),
        scoring: Vec::new(),
    };
    // Words longer than the analyzer keeps are in no index: say so.
    let long = long_words(node);
    let matches = b.build(node, true)?.ok_or_else(|| match long.first() {
        Some((start, bytes)) => QueryError::WordTooLong {
            start: start.clone(),
            bytes: *bytes,
            max: crate::analysis::MAX_WORD_BYTES,
        },
        None => QueryError::NothingToSearch {
            query: req.query.clone(),
        },
    })?;
    for (start, bytes) in long {
        notes.push(format!(
            "the word \"{start}…\" ({bytes} bytes) is longer than the {} bytes a word is indexed with, so it was left out",
            crate::analysis::MAX_WORD_BYTES
        ));
    }
    // What matches decides the hits and their counts; the score is that of
    // the positive words with all their expansions.
    let scoring = std::mem::take(&mut b.scoring);
    let mut clauses: Vec<(Occur, Plan)> =
        vec![(Occur::Must, Plan::Filter(Box::new(matches.clone())))];
    clauses.extend(scoring.iter().cloned().map(|q| (Occur::Should, q)));
    let mut passage: Vec<(String, f32)> = Vec::new();
    let mut sorted = b.passage;
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    for (t, w) in sorted {
        if passage.last().is_none_or(|(l, _)| *l != t) {
            passage.push((t, w));
        }
    }
    Ok(Main {
        query: Plan::bool(clauses),
        matches,
        marks: b.marks,
        passage,
    })
}

/// What [`build_main`] makes of the query's own words.
struct Main {
    query: Plan,
    /// What decides whether an item matches.
    matches: Plan,
    marks: Marks,
    passage: Vec<(String, f32)>,
}

/// The items that pass the date, programme and speaker filters of `req`,
/// whatever the query: what a trend's shares are of. A speaker filter
/// here means items in which the speaker speaks.
pub fn filtered_items(
    archive: &Archive,
    searcher: &Searcher,
    req: &Request,
) -> Result<Box<dyn Query>, SearchError> {
    let vocabulary = vocabulary::Local::new(archive, searcher);
    Ok(filtered_plan(&archive.schema, &vocabulary, req)?.to_tantivy())
}

/// The plan of [`filtered_items`] against any engine's vocabulary.
pub fn filtered_plan(
    schema: &ArchiveSchema,
    vocabulary: &dyn Vocabulary,
    req: &Request,
) -> Result<Plan, SearchError> {
    let mut clauses: Vec<(Occur, Plan)> = vec![(Occur::Must, Plan::All)];
    filters(schema, vocabulary, req, &mut clauses, &mut Vec::new())?;
    Ok(Plan::bool(clauses))
}

/// Add the date, programme and speaker filters of `req` to `clauses`,
/// with notes where a name matched nothing. Returns the speaker names
/// resolved, when the request names speakers: their words are checked
/// in the items ([`said`]).
fn filters(
    schema: &ArchiveSchema,
    vocabulary: &dyn Vocabulary,
    req: &Request,
    clauses: &mut Vec<(Occur, Plan)>,
    notes: &mut Vec<String>,
) -> Result<Option<std::collections::HashSet<String>>, SearchError> {
    let f = schema.fields;
    let filter = |q: Plan| -> (Occur, Plan) { (Occur::Must, Plan::Filter(Box::new(q))) };
    if req.from.is_some() || req.to.is_some() {
        clauses.push(filter(Plan::Days {
            field: f.date,
            from: req.from.map(|d| d.unix_days()),
            to: req.to.map(|d| d.unix_days()),
        }));
    }
    if !req.programs.is_empty() {
        let names = vocabulary.values(f.program_facet)?;
        let wanted: BTreeSet<String> = req.programs.iter().map(|p| key(p)).collect();
        let hits: Vec<&String> = names.iter().filter(|n| wanted.contains(&key(n))).collect();
        if hits.len() < wanted.len() {
            notes.push(format!(
                "programmes in the index: {}",
                names.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        clauses.push(filter(any_term(f.program_facet, hits)));
    }
    if req.speakers.is_empty() {
        return Ok(None);
    }
    let names = vocabulary.values(f.speaker_facet)?;
    let hits: Vec<&String> = names
        .iter()
        .filter(|n| req.speakers.iter().any(|s| speaker_matches(n, s)))
        .collect();
    if hits.is_empty() {
        notes.push(format!(
            "no speaker in the index matches {}; `archivar stats` lists them",
            req.speakers.join(", ")
        ));
    }
    let resolved = hits.iter().map(|s| s.to_string()).collect();
    clauses.push(filter(any_term(f.speaker_facet, hits)));
    Ok(Some(resolved))
}

/// Run a search: the requested page of hits with their items and snippets.
pub fn search(archive: &Archive, searcher: &Searcher, req: &Request) -> Result<Hits, SearchError> {
    let analyzer = Analyzer::shared();
    let Prepared {
        query,
        pruned,
        marks,
        passage,
        notes,
        ..
    } = prepare(archive, searcher, req)?;
    let tantivy_err = |e| SearchError::Index(archive.tantivy(e));
    let limit = req.limit.max(1);
    let mut notes = notes;
    // Facets count every match anyway; their pass gives the exact total.
    let target = collapse::Target {
        query: query.as_ref(),
        pruned: pruned.as_ref(),
        exact_total: req.exact_total && !req.facets,
    };
    let (total, page) = if req.collapse {
        let c = collapse::collapsed_page(
            archive, searcher, target, req.sort, &passage, limit, req.offset,
        )?;
        if c.cut {
            notes.push(format!(
                "repeats are collapsed within the first {} matches only, and this page lies beyond them; \
                 add --no-collapse to page through every airing, or narrow the search",
                collapse::MAX_WINDOW
            ));
        }
        (c.total, c.page)
    } else {
        let (n, top) = collapse::ranked(
            archive, searcher, target, req.sort, &passage, limit, req.offset,
        )?;
        (n, top.into_iter().map(|(s, a)| (s, a, None)).collect())
    };
    let mut hits = Vec::with_capacity(page.len());
    for (i, (score, addr, cluster)) in page.into_iter().enumerate() {
        let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_err)?;
        let item = archive.stored_item(&doc)?;
        let story = best_story(archive, searcher, &passage, addr, &item)?;
        let repeats = match cluster {
            Some(c) => collapse::repeats(archive, searcher, &query, c, addr)?,
            None => collapse::Repeats::default(),
        };
        hits.push(hit(
            analyzer,
            req,
            &marks,
            req.offset + i + 1,
            score,
            item,
            story,
            repeats,
        ));
    }
    let (total, facets) = if req.facets {
        let (n, f) = facets::facets(archive, searcher, &query, facets::TOP_FACETS)?;
        (prune::Total::exact(n), Some(f))
    } else {
        (total, None)
    };
    Ok(Hits {
        total: total.value,
        total_exact: total.exact,
        hits,
        notes,
        facets,
    })
}

/// A hit of any engine: its item with the title and snippets marked (the
/// best story's snippets first), as the printers show it.
#[allow(clippy::too_many_arguments)]
pub fn hit(
    analyzer: &Analyzer,
    req: &Request,
    marks: &Marks,
    rank: usize,
    score: Option<f32>,
    item: Item,
    story: Option<usize>,
    repeats: collapse::Repeats,
) -> Hit {
    let title_highlights = snippet::highlight_all(analyzer, &item.title, marks);
    let preferred = |name: &str| req.speakers.iter().any(|f| speaker_matches(name, f));
    let snippets = snippet::snippets_in(
        analyzer,
        &item,
        marks,
        req.snippets,
        &preferred,
        story.and_then(|s| item.stories.get(s)),
    );
    Hit {
        rank,
        score,
        item,
        title_highlights,
        snippets,
        repeats,
        explain: None,
        story,
    }
}

/// The story of `item` (at `addr`) that holds the most of the query's
/// `terms` ([`passage::Evidence::best_story`]); `None` for an item without
/// stories or without matches in its text.
fn best_story(
    archive: &Archive,
    searcher: &Searcher,
    terms: &[(String, f32)],
    addr: tantivy::DocAddress,
    item: &Item,
) -> Result<Option<usize>, SearchError> {
    if item.stories.is_empty() || terms.is_empty() {
        return Ok(None);
    }
    let spans = item.stories.iter().map(|s| s.positions).collect();
    let ev = passage::evidence(archive, searcher, terms, &[(addr, spans)])
        .map_err(|e| SearchError::Index(archive.tantivy(e)))?;
    Ok(ev.first().and_then(|e| e.best_story))
}

/// Run a search for ids and scores only, best first (no stored items
/// read): what evaluation needs.
pub fn search_ids(
    archive: &Archive,
    searcher: &Searcher,
    req: &Request,
) -> Result<Vec<(f32, String)>, SearchError> {
    let Prepared {
        query,
        pruned,
        passage,
        ..
    } = prepare(archive, searcher, req)?;
    let tantivy_err = |e| SearchError::Index(archive.tantivy(e));
    let target = collapse::Target {
        query: query.as_ref(),
        pruned: pruned.as_ref(),
        exact_total: false,
    };
    let (_, top) = collapse::ranked(
        archive,
        searcher,
        target,
        Sort::Relevance,
        &passage,
        req.limit.max(1),
        req.offset,
    )?;
    let mut out = Vec::with_capacity(top.len());
    let mut buf = String::new();
    // One id column per segment, opened once for all its hits.
    let mut columns: std::collections::HashMap<u32, tantivy::columnar::StrColumn> =
        std::collections::HashMap::new();
    for (score, addr) in top {
        let score = score.unwrap_or(0.0);
        let col = match columns.entry(addr.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .str("id")
                    .map_err(tantivy_err)?
                    .ok_or_else(|| {
                        SearchError::Index(IndexError::Schema("id is not a fast field".into()))
                    })?,
            ),
        };
        buf.clear();
        if let Some(ord) = col.term_ords(addr.doc_id).next() {
            col.ord_to_str(ord, &mut buf)
                .map_err(|e| tantivy_err(e.into()))?;
        }
        out.push((score, buf.clone()));
    }
    Ok(out)
}

/// Any of these values of a keyword field.
fn any_term(field: Field, values: Vec<&String>) -> Plan {
    if values.is_empty() {
        return Plan::Nothing;
    }
    Plan::any(
        values
            .into_iter()
            .map(|v| Plan::Keyword {
                field,
                value: v.clone(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_long_words_without_digits_may_be_misspelt() {
        assert!(may_be_misspelt("Schanghai"));
        assert!(may_be_misspelt("Nawalnys"));
        assert!(may_be_misspelt("Corona"));
        assert!(!may_be_misspelt("Kiew"), "four letters");
        assert!(!may_be_misspelt("Krieg"));
        assert!(!may_be_misspelt("Covid19a"), "a digit");
    }

    #[test]
    fn a_misspelling_is_more_common_than_the_word_and_no_sound_alike() {
        let near = vec![
            ("shanghai".to_string(), 12),
            ("schanghais".to_string(), 3),
            ("schangha".to_string(), 1),
        ];
        // "schanghai" in 1 item: the more common neighbours stand for it.
        assert_eq!(
            misspellings_of(1, near.clone(), &[]),
            ["shanghai", "schanghais"]
        );
        // In 3 items, "schanghais" (3) is no more common than the word.
        assert_eq!(misspellings_of(3, near.clone(), &[]), ["shanghai"]);
        // A sound-alike is searched as such already.
        assert_eq!(
            misspellings_of(1, near, &["shanghai".to_string()]),
            ["schanghais"]
        );
        let many: Vec<(String, u64)> = ["nawalny", "nawalnyj", "nawalni", "nawalnyi", "nawalna"]
            .iter()
            .map(|t| (t.to_string(), 9))
            .collect();
        assert_eq!(misspellings_of(0, many, &[]).len(), MAX_MISSPELLINGS);
        // "corona" in 18 items is not rare, but word-level speech
        // recognition writes "korona", in 90: the index mostly spells it so.
        let korona = vec![("korona".to_string(), 90), ("coronas".to_string(), 20)];
        assert_eq!(misspellings_of(18, korona, &[]), ["korona"]);
        // "krone" in 40 items is another word, not far more common.
        assert!(misspellings_of(18, vec![("krone".to_string(), 40)], &[]).is_empty());
    }

    #[test]
    fn speaker_filter_matches_whole_words() {
        assert!(speaker_matches("Annalena Baerbock", "Baerbock"));
        assert!(speaker_matches("Annalena Baerbock", "annalena baerbock"));
        assert!(speaker_matches("Bärbel Bas", "Baerbel Bas"));
        assert!(!speaker_matches("Annalena Baerbock", "Baer"));
        assert!(!speaker_matches("Annalena Baerbock", "Baerbock Annalena"));
        assert!(speaker_matches("Alice Weidel", "Dr. Alice Weidel"));
    }
}
