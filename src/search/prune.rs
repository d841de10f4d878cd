//! Top hits without reading every match (issue 17), with the scores and
//! order of the exhaustive search. A query's score is a tree of sums: each
//! word with its field boosts, compounds, parts and sound-alikes, phrases
//! and conjunctions of split parts. tantivy's block-max WAND skips whole
//! blocks of postings that cannot reach the top, but only for a flat
//! disjunction of terms. So a relevance search runs like this:
//!
//! 1. **A bound**: every term of the score tree once, weighted by the sum
//!    of the boosts it appears under ([`Bounds`]). Because the tree only
//!    adds and every phrase without slop counts no more often than each of
//!    its terms, that flat sum is at least the exact score of every item.
//!    Terms whose most possible contribution is small ("light": compounds
//!    a word starts or ends, sound-alikes, sloppy phrases) are not read;
//!    their most possible sum is the `slack`.
//! 2. **Candidates**: block-WAND runs the flat disjunction of the heavy
//!    terms. Each item it yields is scored exactly by evaluating the whole
//!    query (filters, exclusions, phrases) on it ([`Op`]), and the best
//!    `want` exact scores are kept. WAND's threshold is the lowest kept
//!    exact score minus the slack: an item skipped cannot beat it.
//! 3. An item holding no heavy term scores at most the slack; when the
//!    lowest kept score is above it, the top is the exhaustive one, else
//!    the caller searches exhaustively.
//! 4. The total is counted up to [`TOTAL_BOUND`] (Elasticsearch's
//!    `track_total_hits`), exactly when asked for.

use super::plan::{Occur, Plan};
use rustc_hash::FxHashMap;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use tantivy::query::{
    Bm25Weight, BooleanQuery, BoostQuery, EnableScoring, Occur as TOccur, Query, Scorer, TermQuery,
    Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, TERMINATED, Term};

/// Matches counted before the total is given as "at least": Elasticsearch's
/// default for `track_total_hits`.
pub const TOTAL_BOUND: usize = 10_000;

/// Postings read ahead (the rarest scoring terms and phrases, summed
/// document frequencies): their exact share of each item's score is
/// summed into a table, so that the many rare expansions of a query
/// (compounds, sound-alikes, misspellings) bound nothing they do not hold.
pub const RARE_POSTINGS: u64 = 100_000;

/// The commonest terms of a disjunction whose items are counted first
/// towards a bounded total.
pub const SURE_TERMS: usize = 4;

/// The most common terms block-WAND reads (the heaviest are kept, the rest
/// count at their most possible score): it sorts its terms at every step,
/// so each term costs.
pub const MAX_HEAVY: usize = 24;

/// A number of matches: exact, or at least this many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    /// Matches counted.
    pub value: usize,
    /// Whether that is all of them (else there are more).
    pub exact: bool,
}

impl Total {
    /// An exact count.
    pub fn exact(value: usize) -> Total {
        Total { value, exact: true }
    }
}

/// What a search that prunes needs of a query, engine-neutral.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidates {
    /// The whole query with its filters: what scores and what matches.
    pub plan: Plan,
    /// What a hit must match (the match side of the words, exclusions,
    /// dates, programmes), without the scoring clauses: what is counted.
    pub filter: Plan,
    /// The filters besides the words (dates, programmes), if any: items
    /// that fail them are skipped before anything is scored.
    pub gate: Option<Plan>,
}

/// The flat upper bound of a plan's score: each term's summed weight, and
/// what scoring parts that are no plain terms may add at most.
#[derive(Debug, Default, PartialEq)]
pub struct Bounds {
    /// Text terms (and the terms of phrases without slop), summed weights.
    pub terms: FxHashMap<(Field, String), f32>,
    /// Keyword terms on a scoring path, summed weights.
    pub keywords: FxHashMap<(Field, String), f32>,
    /// Phrases with slop, with their weights (bounded by their most
    /// possible score or read whole).
    pub sloppy: Vec<(Plan, f32)>,
    /// Summed weights of clauses that score a constant 1 (all items, dates).
    pub constant: f32,
}

impl Bounds {
    /// The bound of `plan`, or `None` when a negative boost makes a sum no
    /// bound.
    pub fn of(plan: &Plan) -> Option<Bounds> {
        let mut b = Bounds::default();
        b.walk(plan, 1.0).then_some(b)
    }

    fn walk(&mut self, p: &Plan, w: f32) -> bool {
        match p {
            Plan::Term { field, text } => {
                *self.terms.entry((*field, text.clone())).or_default() += w;
            }
            Plan::Keyword { field, value } => {
                *self.keywords.entry((*field, value.clone())).or_default() += w;
            }
            Plan::Phrase { field, terms, slop } => {
                if *slop == 0 {
                    for (_, t) in terms {
                        *self.terms.entry((*field, t.clone())).or_default() += w;
                    }
                } else {
                    self.sloppy.push((p.clone(), w));
                }
            }
            Plan::Bool { clauses, .. } => {
                for (o, c) in clauses {
                    if *o != Occur::MustNot && !self.walk(c, w) {
                        return false;
                    }
                }
            }
            Plan::Boost(inner, b) => return *b >= 0.0 && self.walk(inner, w * b),
            Plan::Filter(_) | Plan::Nothing => {}
            Plan::Days { .. } | Plan::All => self.constant += w,
        }
        true
    }
}

/// A plan compiled for evaluating one item at a time: its leaves are
/// indexes into [`Pruned::leaves`].
#[derive(Debug)]
enum Op {
    Leaf(usize),
    Bool {
        must: Vec<Op>,
        should: Vec<Op>,
        not: Vec<Op>,
        /// Should clauses that must match.
        need: usize,
    },
    Boost(Box<Op>, f32),
    Filter(Box<Op>),
    All,
    Nothing,
}

impl Op {
    /// Compile `p`, adding its leaves (each distinct one once) to `leaves`.
    fn compile(p: &Plan, leaves: &mut Vec<Plan>, keys: &mut FxHashMap<String, usize>) -> Op {
        match p {
            Plan::Term { .. } | Plan::Keyword { .. } | Plan::Phrase { .. } | Plan::Days { .. } => {
                let key = format!("{p:?}");
                let i = *keys.entry(key).or_insert_with(|| {
                    leaves.push(p.clone());
                    leaves.len() - 1
                });
                Op::Leaf(i)
            }
            Plan::Bool {
                clauses,
                min_should,
            } => {
                let (mut must, mut should, mut not) = (Vec::new(), Vec::new(), Vec::new());
                for (o, c) in clauses {
                    let op = Op::compile(c, leaves, keys);
                    match o {
                        Occur::Must => must.push(op),
                        Occur::Should => should.push(op),
                        Occur::MustNot => not.push(op),
                    }
                }
                // Filters first: they are cheap and end the evaluation
                // of most items that fail.
                must.sort_by_key(|op| !matches!(op, Op::Filter(_)));
                // As `Plan::to_tantivy` and tantivy's BooleanQuery: a
                // bound of 1 is the default, and without must clauses one
                // should clause must match.
                let need = if *min_should > 1 {
                    *min_should
                } else {
                    usize::from(must.is_empty())
                };
                if must.is_empty() && should.is_empty() {
                    Op::Nothing
                } else {
                    Op::Bool {
                        must,
                        should,
                        not,
                        need,
                    }
                }
            }
            Plan::Boost(inner, f) => Op::Boost(Box::new(Op::compile(inner, leaves, keys)), *f),
            Plan::Filter(inner) => Op::Filter(Box::new(Op::compile(inner, leaves, keys))),
            Plan::All => Op::All,
            Plan::Nothing => Op::Nothing,
        }
    }

    /// The score of `doc` under this op, `None` when it does not match.
    /// Documents are evaluated in increasing order within a segment.
    /// `absent`: leaves known not to hold `doc` (they need a rare term and
    /// the item holds none), not looked up.
    fn eval(&self, doc: DocId, leaves: &mut [Box<dyn Scorer>], absent: &[bool]) -> Option<Score> {
        match self {
            Op::Leaf(i) => {
                if absent.get(*i) == Some(&true) {
                    return None;
                }
                let s = &mut leaves[*i];
                let mut d = s.doc();
                if d < doc {
                    d = s.seek(doc);
                }
                (d == doc).then(|| s.score())
            }
            Op::Bool {
                must,
                should,
                not,
                need,
            } => {
                let mut sum: Score = 0.0;
                for m in must {
                    sum += m.eval(doc, leaves, absent)?;
                }
                if not.iter().any(|n| n.eval(doc, leaves, absent).is_some()) {
                    return None;
                }
                let mut hits = 0;
                for s in should {
                    if let Some(x) = s.eval(doc, leaves, absent) {
                        sum += x;
                        hits += 1;
                    }
                }
                (hits >= *need).then_some(sum)
            }
            Op::Boost(inner, f) => inner.eval(doc, leaves, absent).map(|s| s * f),
            Op::Filter(inner) => inner.eval(doc, leaves, absent).map(|_| 0.0),
            Op::All => Some(1.0),
            Op::Nothing => None,
        }
    }
}

/// [`Candidates`] lowered for the local index.
pub struct Pruned {
    /// The common terms, each boosted by its summed weight, with its most
    /// possible score: read in step with each other ([`top`]).
    heavy: Vec<(Box<dyn Query>, Score)>,
    /// The rare scoring terms and phrases, each boosted by its summed
    /// weight: read whole before WAND runs.
    rare: Vec<Box<dyn Query>>,
    /// What the other scoring parts may add at most.
    slack: Score,
    /// For each leaf, whether it needs a term of `rare`.
    rare_leaf: Vec<bool>,
    /// The whole query, compiled.
    op: Op,
    /// The distinct leaves of the query, as tantivy weights.
    leaves: Vec<Box<dyn Weight>>,
    /// The filter, scoring disabled.
    filter: Box<dyn Query>,
    /// The terms holding the most items of which every one matches the
    /// words (at most [`SURE_TERMS`]), with their numbers of items, the
    /// commonest first.
    sure: Vec<(Term, u64)>,
    /// The filters besides the words, scoring disabled.
    gate: Option<Box<dyn Query>>,
    /// Whether every item that matches the words holds a term that is
    /// read: then an unfilled heap holds every match.
    complete: bool,
}

/// A scoring part of the bound: a query, its items, its most possible
/// score (weighted) and whether block-WAND can read it.
struct Part {
    query: Box<dyn Query>,
    df: u64,
    most: Score,
    term: bool,
    /// The term, for text terms.
    key: Option<(Field, String)>,
}

impl Pruned {
    /// Lower `c` for the local index; `None` when the query has no term to
    /// bound its score by.
    pub fn new(searcher: &Searcher, c: &Candidates) -> tantivy::Result<Option<Pruned>> {
        // A phrase or all words: tantivy's intersection finds the few
        // matches faster than any bound (1M items: phrases 3.3 / 24.7 ms
        // p50 / p99 exhaustive against 6.1 / 64.1 pruned).
        let words = match &c.filter {
            Plan::Bool { clauses, .. } => clauses.first().map(|w| &w.1),
            _ => None,
        };
        if words.is_some_and(selective) {
            return Ok(None);
        }
        let Some(b) = Bounds::of(&c.plan) else {
            return Ok(None);
        };
        let most = |terms: &[Term], w: f32| -> tantivy::Result<Score> {
            Ok(w * Bm25Weight::for_terms(searcher, terms)?.max_score())
        };
        let boosted = |q: Box<dyn Query>, w: f32| -> Box<dyn Query> {
            if w == 1.0 {
                q
            } else {
                Box::new(BoostQuery::new(q, w))
            }
        };
        let mut parts: Vec<Part> = Vec::new();
        for (keyword, ((f, t), w)) in b
            .terms
            .iter()
            .map(|x| (false, x))
            .chain(b.keywords.iter().map(|x| (true, x)))
        {
            let term = Term::from_field_text(*f, t);
            let df = searcher.doc_freq(&term)?;
            if df == 0 {
                continue;
            }
            let option = if keyword {
                IndexRecordOption::Basic
            } else {
                IndexRecordOption::WithFreqs
            };
            parts.push(Part {
                most: most(std::slice::from_ref(&term), *w)?,
                query: boosted(Box::new(TermQuery::new(term, option)), *w),
                df,
                term: !keyword,
                key: (!keyword).then(|| (*f, t.clone())),
            });
        }
        for (phrase, w) in &b.sloppy {
            let Plan::Phrase { field, terms, .. } = phrase else {
                continue;
            };
            let terms: Vec<Term> = terms
                .iter()
                .map(|(_, t)| Term::from_field_text(*field, t))
                .collect();
            let mut df = u64::MAX;
            for t in &terms {
                df = df.min(searcher.doc_freq(t)?);
            }
            if df == 0 {
                continue;
            }
            parts.push(Part {
                most: most(&terms, *w)?,
                query: boosted(phrase.to_tantivy(), *w),
                df,
                term: false,
                key: None,
            });
        }
        // The rarest first, read whole within the budget.
        parts.sort_by(|a, b| a.df.cmp(&b.df).then_with(|| b.most.total_cmp(&a.most)));
        let mut read = 0u64;
        let mut rare = Vec::new();
        let mut rest = Vec::new();
        // Text terms read whole or in step: an item holding one is seen.
        let mut seen: rustc_hash::FxHashSet<(Field, String)> = Default::default();
        let mut rare_terms: rustc_hash::FxHashSet<(Field, String)> = Default::default();
        for p in parts {
            if read + p.df <= RARE_POSTINGS {
                read += p.df;
                rare_terms.extend(p.key.clone());
                seen.extend(p.key);
                rare.push(p.query);
            } else {
                rest.push(p);
            }
        }
        // The common ones: WAND reads the heaviest terms, the others count
        // at their most.
        rest.sort_by(|a, b| b.most.total_cmp(&a.most));
        let mut slack = b.constant;
        let mut heavy: Vec<(Box<dyn Query>, Score)> = Vec::new();
        for p in rest {
            if p.term && heavy.len() < MAX_HEAVY {
                seen.extend(p.key);
                heavy.push((p.query, p.most));
            } else {
                slack += p.most;
            }
        }
        let mut leaves = Vec::new();
        let op = Op::compile(&c.plan, &mut leaves, &mut FxHashMap::default());
        // Leaves that need a rare term: absent from an item without any.
        let rare_leaf = leaves
            .iter()
            .map(|p| match p {
                Plan::Term { field, text } => rare_terms.contains(&(*field, text.clone())),
                Plan::Phrase { field, terms, .. } => terms
                    .iter()
                    .any(|(_, t)| rare_terms.contains(&(*field, t.clone()))),
                _ => false,
            })
            .collect();
        let scoring = EnableScoring::enabled_from_searcher(searcher);
        let leaves = leaves
            .iter()
            .map(|p| p.to_tantivy().weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Some(Pruned {
            heavy,
            rare,
            rare_leaf,
            slack,
            op,
            leaves,
            filter: c.filter.to_tantivy(),
            sure: {
                let words = match &c.filter {
                    Plan::Bool { clauses, .. } => clauses.first().map(|c| &c.1),
                    _ => None,
                };
                let mut sure = Vec::new();
                for (f, t) in words.map(sure_terms).unwrap_or_default() {
                    let term = Term::from_field_text(f, t);
                    let df = searcher.doc_freq(&term)?;
                    sure.push((term, df));
                }
                sure.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                sure.dedup_by(|a, b| a.0 == b.0);
                sure.truncate(SURE_TERMS);
                sure
            },
            gate: c.gate.as_ref().map(|g| g.to_tantivy()),
            complete: match &c.filter {
                Plan::Bool { clauses, .. } => clauses
                    .first()
                    .is_some_and(|(_, words)| all_seen(words, &seen)),
                _ => false,
            },
        }))
    }

    /// The items that pass the filter, counted up to `bound` (step 4).
    /// Terms of which every item matches the words shorten it: without
    /// other filters and deleted items the commonest one's frequency is a
    /// count, else the items of the commonest few that pass the filters
    /// are counted first.
    pub fn count(&self, searcher: &Searcher, bound: usize) -> tantivy::Result<Total> {
        let at_least = Total {
            value: bound,
            exact: false,
        };
        let deleted = searcher
            .segment_readers()
            .iter()
            .any(|r| r.num_deleted_docs() > 0);
        let most = self.sure.first().map_or(0, |s| s.1);
        if self.gate.is_none() && !deleted && most > bound as u64 {
            return Ok(at_least);
        }
        // The items of the commonest sure terms that pass the filters: a
        // part of the matches, read through a few postings only.
        let held: u64 = self.sure.iter().map(|s| s.1).sum();
        if held > bound as u64 {
            let any = self
                .sure
                .iter()
                .map(|(t, _)| {
                    let q: Box<dyn Query> =
                        Box::new(TermQuery::new(t.clone(), IndexRecordOption::Basic));
                    (TOccur::Should, q)
                })
                .collect();
            let mut clauses: Vec<(TOccur, Box<dyn Query>)> =
                vec![(TOccur::Must, Box::new(BooleanQuery::new(any)))];
            if let Some(g) = &self.gate {
                clauses.push((TOccur::Must, g.box_clone()));
            }
            if !count_upto(searcher, &BooleanQuery::new(clauses), bound)?.exact {
                return Ok(at_least);
            }
        }
        count_upto(searcher, self.filter(), bound)
    }

    /// The query that decides which items match.
    pub fn filter(&self) -> &dyn Query {
        self.filter.as_ref()
    }
}

/// The clauses of a bool that occur as `o`.
fn occurring(clauses: &[(Occur, Plan)], o: Occur) -> Vec<&Plan> {
    clauses.iter().filter(|c| c.0 == o).map(|c| &c.1).collect()
}

/// Whether `p` is a phrase or a conjunction (or a union of such, as a
/// phrase in several fields) rather than a union of words.
fn selective(p: &Plan) -> bool {
    match p {
        Plan::Phrase { .. } => true,
        Plan::Boost(inner, _) | Plan::Filter(inner) => selective(inner),
        Plan::Bool {
            clauses,
            min_should,
        } => {
            let must = occurring(clauses, Occur::Must);
            let should = occurring(clauses, Occur::Should);
            *min_should > 1
                || must.len() > 1
                || must.iter().any(|m| selective(m))
                || (must.is_empty() && !should.is_empty() && should.iter().all(|s| selective(s)))
        }
        _ => false,
    }
}

/// Whether every item matching `p` holds a term of `seen`.
fn all_seen(p: &Plan, seen: &rustc_hash::FxHashSet<(Field, String)>) -> bool {
    match p {
        Plan::Term { field, text } => seen.contains(&(*field, text.clone())),
        Plan::Phrase { field, terms, .. } => terms
            .iter()
            .any(|(_, t)| seen.contains(&(*field, t.clone()))),
        Plan::Boost(inner, _) | Plan::Filter(inner) => all_seen(inner, seen),
        Plan::Bool { clauses, .. } => {
            let must = occurring(clauses, Occur::Must);
            if must.is_empty() {
                // Some should clause matches: each must be seen.
                occurring(clauses, Occur::Should)
                    .into_iter()
                    .all(|c| all_seen(c, seen))
            } else {
                must.iter().any(|m| all_seen(m, seen))
            }
        }
        Plan::Nothing => true,
        Plan::Keyword { .. } | Plan::Days { .. } | Plan::All => false,
    }
}

/// Terms of `p` of which every item holding one matches `p`: the terms of
/// its disjunctions, through boosts and filters.
fn sure_terms(p: &Plan) -> Vec<(Field, &str)> {
    match p {
        Plan::Term { field, text } => vec![(*field, text.as_str())],
        Plan::Boost(inner, _) | Plan::Filter(inner) => sure_terms(inner),
        Plan::Bool {
            clauses,
            min_should,
        } => {
            let must = occurring(clauses, Occur::Must);
            if clauses.iter().any(|c| c.0 == Occur::MustNot) {
                Vec::new()
            } else if must.is_empty() && *min_should <= 1 {
                clauses.iter().flat_map(|c| sure_terms(&c.1)).collect()
            } else if must.len() == 1 && clauses.len() == 1 {
                sure_terms(must[0])
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

/// A heap entry: lowest score on top, and of equal scores the latest
/// address, which the exhaustive search would drop first.
#[derive(PartialEq)]
struct Entry(Score, DocAddress);

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| self.1.cmp(&other.1))
    }
}

/// What rounding may separate a bound from the exact score it bounds
/// (the sums run in another order).
fn rounding(score: Score) -> Score {
    score.abs() * 1e-5 + 1e-6
}

/// The top `want` hits of the query by exact score, best first, ties in
/// address order as the exhaustive search orders them; `None` when the
/// bound cannot prove them the top (fewer than `want` items with a heavy
/// or rare part, or the lowest of them within the slack): the caller then
/// searches exhaustively.
///
/// The common terms are read as in MaxScore (Turtle and Flood, 1995):
/// sorted by their most possible score, the lightest whose sum with the
/// slack cannot reach the lowest kept score are "non-essential" and only
/// looked up for items the others bring; the essential ones and the rare
/// table are read in step. tantivy's block-max WAND cannot be used: with
/// `fieldnorms = false` (the text fields) its postings store a block
/// maximum of 0, and it skips nearly every block (BENCHMARKS.md).
pub fn top(searcher: &Searcher, pruned: &Pruned, want: usize) -> tantivy::Result<Option<Top>> {
    let want = want.max(1);
    let scoring = EnableScoring::enabled_from_searcher(searcher);
    let heavy = pruned
        .heavy
        .iter()
        .map(|(q, most)| Ok((q.weight(scoring)?, *most)))
        .collect::<tantivy::Result<Vec<_>>>()?;
    let rare = pruned
        .rare
        .iter()
        .map(|q| q.weight(scoring))
        .collect::<tantivy::Result<Vec<_>>>()?;
    let gate = match &pruned.gate {
        Some(g) => Some(g.weight(EnableScoring::disabled_from_searcher(searcher))?),
        None => None,
    };
    let slack = pruned.slack;
    let mut heap = Heap {
        entries: BinaryHeap::with_capacity(want + 1),
        want,
        scored: 0,
    };
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let ord = ord as u32;
        let table = rare_table(&rare, reader)?;
        let alive = reader.alive_bitset();
        let mut leaves = pruned
            .leaves
            .iter()
            .map(|w| w.scorer(reader, 1.0))
            .collect::<tantivy::Result<Vec<_>>>()?;
        // Lightest first; `prefix[i]`: the most the first i may add.
        let mut terms: Vec<(Box<dyn Scorer>, Score)> = Vec::with_capacity(heavy.len());
        for (w, most) in &heavy {
            let s = w.scorer(reader, 1.0)?;
            if s.doc() != TERMINATED {
                terms.push((s, *most));
            }
        }
        terms.sort_by(|a, b| a.1.total_cmp(&b.1));
        let prefix: Vec<Score> = std::iter::once(0.0)
            .chain(terms.iter().scan(0.0, |sum, t| {
                *sum += t.1;
                Some(*sum)
            }))
            .collect();
        let mut lookup = 0;
        while lookup < terms.len() && !heap.may_enter(prefix[lookup + 1] + slack) {
            lookup += 1;
        }
        let mut gate = match &gate {
            Some(g) => Some(g.scorer(reader, 1.0)?),
            None => None,
        };
        let mut next_rare = 0;
        loop {
            let mut doc = table.get(next_rare).map_or(TERMINATED, |x| x.0);
            for t in &terms[lookup..] {
                doc = doc.min(t.0.doc());
            }
            if doc == TERMINATED {
                break;
            }
            // An item that fails the filters: on to the next that passes.
            if let Some(g) = &mut gate {
                let mut pass = g.doc();
                if pass < doc {
                    pass = g.seek(doc);
                }
                if pass != doc {
                    if pass == TERMINATED {
                        break;
                    }
                    while table.get(next_rare).is_some_and(|x| x.0 < pass) {
                        next_rare += 1;
                    }
                    for t in &mut terms[lookup..] {
                        if t.0.doc() < pass {
                            t.0.seek(pass);
                        }
                    }
                    continue;
                }
            }
            let mut bound = prefix[lookup] + slack;
            let mut absent: &[bool] = &pruned.rare_leaf;
            if table.get(next_rare).is_some_and(|x| x.0 == doc) {
                bound += table[next_rare].1;
                next_rare += 1;
                absent = &[];
            }
            for t in &mut terms[lookup..] {
                if t.0.doc() == doc {
                    bound += t.0.score();
                }
            }
            if heap.may_enter(bound) {
                // The non-essential terms, heaviest first, while the bound
                // may still let the item in.
                for t in terms[..lookup].iter_mut().rev() {
                    bound -= t.1;
                    let mut d = t.0.doc();
                    if d < doc {
                        d = t.0.seek(doc);
                    }
                    if d == doc {
                        bound += t.0.score();
                    }
                    if !heap.may_enter(bound) {
                        break;
                    }
                }
                if heap.may_enter(bound) && alive.is_none_or(|a| a.is_alive(doc)) {
                    heap.score(&pruned.op, &mut leaves, absent, DocAddress::new(ord, doc));
                    while lookup < terms.len() && !heap.may_enter(prefix[lookup + 1] + slack) {
                        lookup += 1;
                    }
                }
            }
            for t in &mut terms[lookup..] {
                if t.0.doc() == doc {
                    t.0.advance();
                }
            }
        }
    }
    // Items with neither score at most the slack; when the heap is not
    // full, it holds every match only if every match holds a term read.
    let all = heap.entries.len() < want;
    if (all && !pruned.complete) || (!all && heap.may_enter(slack)) {
        return Ok(None);
    }
    let scored = heap.scored;
    let mut hits: Vec<(Score, DocAddress)> = heap.entries.into_iter().map(|e| (e.0, e.1)).collect();
    hits.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(Some(Top {
        total: all.then(|| Total::exact(hits.len())),
        hits,
        scored,
    }))
}

/// What the rare parts add to each item of a segment that holds one, in
/// document order. Summed in a dense column (kept between searches of a
/// thread) and read back through a bitset: no hashing, no sorting.
fn rare_table(
    rare: &[Box<dyn Weight>],
    reader: &tantivy::SegmentReader,
) -> tantivy::Result<Vec<(DocId, Score)>> {
    thread_local! {
        static SUMS: std::cell::RefCell<Vec<Score>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    if rare.is_empty() {
        return Ok(Vec::new());
    }
    let max_doc = reader.max_doc();
    let mut held = tantivy::BitSet::with_max_value(max_doc);
    SUMS.with(|sums| {
        let mut sums = sums.borrow_mut();
        if sums.len() < max_doc as usize {
            sums.resize(max_doc as usize, 0.0);
        }
        for w in rare {
            let mut s = w.scorer(reader, 1.0)?;
            let mut doc = s.doc();
            while doc != TERMINATED {
                held.insert(doc);
                sums[doc as usize] += s.score();
                doc = s.advance();
            }
        }
        let mut table = Vec::with_capacity(held.len());
        let mut docs = tantivy::query::BitSetDocSet::from(held);
        let mut doc = docs.doc();
        while doc != TERMINATED {
            table.push((doc, std::mem::take(&mut sums[doc as usize])));
            doc = docs.advance();
        }
        Ok(table)
    })
}

/// The best `want` exact scores so far.
struct Heap {
    entries: BinaryHeap<Entry>,
    want: usize,
    /// Items scored exactly.
    scored: usize,
}

impl Heap {
    /// Whether an item whose score is at most `bound` may enter.
    fn may_enter(&self, bound: Score) -> bool {
        match self.entries.peek() {
            Some(e) if self.entries.len() >= self.want => bound + rounding(e.0) > e.0,
            _ => true,
        }
    }

    /// Score `addr` exactly and keep it if it is among the best.
    fn score(
        &mut self,
        op: &Op,
        leaves: &mut [Box<dyn Scorer>],
        absent: &[bool],
        addr: DocAddress,
    ) {
        self.scored += 1;
        if let Some(score) = op.eval(addr.doc_id, leaves, absent) {
            self.entries.push(Entry(score, addr));
            if self.entries.len() > self.want {
                self.entries.pop();
            }
        }
    }
}

/// The top hits of a search that pruned.
#[derive(Debug)]
pub struct Top {
    /// Exact scores and addresses, best first.
    pub hits: Vec<(Score, DocAddress)>,
    /// Items scored exactly on the way: what pruning left of the matches.
    pub scored: usize,
    /// All matches were scored: their number.
    pub total: Option<Total>,
}

/// The items that pass `filter`, counted up to `bound` (step 3).
pub fn count_upto(searcher: &Searcher, filter: &dyn Query, bound: usize) -> tantivy::Result<Total> {
    let weight = filter.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut n = 0;
    for reader in searcher.segment_readers() {
        let alive = reader.alive_bitset();
        let mut docs = weight.scorer(reader, 1.0)?;
        let mut doc = docs.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                n += 1;
                if n > bound {
                    return Ok(Total {
                        value: bound,
                        exact: false,
                    });
                }
            }
            doc = docs.advance();
        }
    }
    Ok(Total::exact(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::schema::{STRING, Schema, TEXT, TextFieldIndexing, TextOptions};
    use tantivy::{Index, doc};

    #[test]
    fn bounds_sum_the_weights_over_the_tree_and_drop_exclusions_and_filters() {
        let mut b = Schema::builder();
        let text = b.add_text_field("text", TEXT);
        let title = b.add_text_field("title", TEXT);
        let t = |f, s: &str| Plan::term(f, s);
        let plan = Plan::bool(vec![
            (Occur::Should, t(text, "rohstoff")),
            (Occur::Should, t(title, "rohstoff").boost(0.1)),
            (
                Occur::Should,
                Plan::any(vec![t(text, "rohstoff"), t(text, "rohstoffabkomm")]).boost(0.5),
            ),
            (
                Occur::Should,
                Plan::Phrase {
                    field: text,
                    terms: vec![(0, "seltene".into()), (1, "erd".into())],
                    slop: 0,
                },
            ),
            (
                Occur::Should,
                Plan::Phrase {
                    field: text,
                    terms: vec![(0, "rohstoff".into()), (1, "abkomm".into())],
                    slop: 10,
                }
                .boost(0.5),
            ),
            (Occur::MustNot, t(text, "gold")),
            (Occur::Must, Plan::term(text, "ukrain").filter()),
        ]);
        let b = Bounds::of(&plan).unwrap();
        let w = |f, s: &str| b.terms.get(&(f, s.to_string())).copied();
        assert_eq!(w(text, "rohstoff"), Some(1.5));
        assert_eq!(w(title, "rohstoff"), Some(0.1));
        assert_eq!(w(text, "rohstoffabkomm"), Some(0.5));
        assert_eq!(
            w(text, "erd"),
            Some(1.0),
            "a phrase without slop adds to its terms"
        );
        assert_eq!(w(text, "abkomm"), None, "a sloppy phrase is bounded whole");
        assert_eq!(b.sloppy.len(), 1);
        assert_eq!(w(text, "gold"), None, "an exclusion scores nothing");
        assert_eq!(w(text, "ukrain"), None, "a filter scores nothing");
        assert!(Bounds::of(&t(text, "zoll").boost(-1.0)).is_none());
    }

    /// The same documents in the same order with the same scores, up to
    /// rounding (the sums run in another order).
    fn assert_same_top(top: &[(Score, DocAddress)], exhaustive: &[(Score, DocAddress)]) {
        assert_eq!(top.len(), exhaustive.len());
        for (a, b) in top.iter().zip(exhaustive) {
            assert_eq!(a.1, b.1, "{top:?}\n{exhaustive:?}");
            assert!((a.0 - b.0).abs() <= rounding(b.0), "{a:?} {b:?}");
        }
    }

    /// 3,000 German headlines over 3 segments: the pruned top 10 is the
    /// exhaustive top 10, with the same scores, with a filter too; the total
    /// is exact below the bound and "at least" above it.
    #[test]
    fn pruned_top_equals_the_exhaustive_one() {
        let mut b = Schema::builder();
        // As archivar's text fields: no field lengths, with which tantivy's
        // postings keep no block maxima for block-WAND.
        let text = b.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions)
                    .set_fieldnorms(false),
            ),
        );
        let program = b.add_text_field("program", STRING);
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer(15_000_000).unwrap();
        let words = [
            "zölle",
            "stahl",
            "handel",
            "frieden",
            "ukraine",
            "rohstoffe",
            "wahl",
            "bundestag",
            "streik",
            "lufthansa",
            "regierung",
            "haushalt",
        ];
        let mut x: u64 = 7;
        for seg in 0..3 {
            for i in 0..1000 {
                let mut s = String::new();
                for _ in 0..(3 + i % 9) {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    s.push_str(words[(x >> 33) as usize % words.len()]);
                    s.push(' ');
                }
                let p = if i % 3 == 0 {
                    "tagesschau"
                } else {
                    "Deutschlandfunk"
                };
                w.add_document(doc!(text => s, program => p)).unwrap();
            }
            w.commit().unwrap();
            assert_eq!(index.searchable_segment_ids().unwrap().len(), seg + 1);
        }
        let searcher = index.reader().unwrap().searcher();
        let t = |s: &str| Plan::term(text, s);
        let phrase = |a: &str, b: &str, slop| Plan::Phrase {
            field: text,
            terms: vec![(0, a.into()), (1, b.into())],
            slop,
        };
        let both = |a: &str, b: &str| Plan::bool(vec![(Occur::Must, t(a)), (Occur::Must, t(b))]);
        // Phrase and conjunction bonuses are what a flat sum of the words
        // misranks (the first pruning missed such hits at 25k items).
        let scores = [
            Plan::any(vec![
                t("zölle"),
                t("stahl").boost(0.5),
                phrase("zölle", "stahl", 0),
            ]),
            Plan::any(vec![
                t("handel"),
                t("frieden"),
                both("handel", "frieden").boost(3.0),
                t("lufthansa").boost(0.2),
                t("streik").boost(0.04),
            ]),
            Plan::any(vec![
                t("wahl"),
                t("bundestag"),
                phrase("bundestag", "wahl", 3).boost(2.0),
            ]),
        ];
        let dlf = Plan::Keyword {
            field: program,
            value: "Deutschlandfunk".into(),
        };
        let mut pruned_tops = 0;
        // As `search::plan` builds them: the words' match side and their
        // score, then the filters besides the words (the gate).
        for (score, words, gate) in scores.iter().flat_map(|score| {
            let words: Vec<Plan> = score.terms().into_iter().map(|(_, w)| t(w)).collect();
            let any = Plan::any(words);
            [
                (score, any.clone(), None),
                (score, any.clone(), Some(dlf.clone().filter())),
                (
                    score,
                    Plan::bool(vec![(Occur::Must, any), (Occur::MustNot, t("regierung"))]),
                    None,
                ),
            ]
        }) {
            let mut clauses = vec![(
                Occur::Must,
                Plan::bool(vec![
                    (Occur::Must, words.clone().filter()),
                    (Occur::Should, score.clone()),
                ]),
            )];
            let mut filter = vec![(Occur::Must, words.clone())];
            if let Some(g) = &gate {
                clauses.push((Occur::Must, g.clone()));
                filter.push((Occur::Must, g.clone()));
            }
            let whole = Plan::bool(clauses);
            let filter = Plan::bool(filter);
            let query = whole.to_tantivy();
            let exhaustive = searcher
                .search(query.as_ref(), &TopDocs::with_limit(10).order_by_score())
                .unwrap();
            let pruned = Pruned::new(
                &searcher,
                &Candidates {
                    plan: whole.clone(),
                    filter: filter.clone(),
                    gate: gate.clone().map(|g| Plan::bool(vec![(Occur::Must, g)])),
                },
            )
            .unwrap()
            .unwrap();
            let all = searcher.search(query.as_ref(), &Count).unwrap();
            assert!(all > 100);
            // Deep as well: a skipped item shows lower down first.
            let deep = searcher
                .search(query.as_ref(), &TopDocs::with_limit(200).order_by_score())
                .unwrap();
            if let Some(top) = top(&searcher, &pruned, 200).unwrap() {
                assert_same_top(&top.hits, &deep);
            }
            if let Some(top) = top(&searcher, &pruned, 10).unwrap() {
                assert_same_top(&top.hits, &exhaustive);
                if top.scored < all / 2 {
                    pruned_tops += 1;
                }
            }
            assert_eq!(
                count_upto(&searcher, pruned.filter(), 100).unwrap(),
                Total {
                    value: 100,
                    exact: false
                }
            );
            assert_eq!(
                pruned.count(&searcher, 100).unwrap(),
                Total {
                    value: 100,
                    exact: false
                }
            );
            assert_eq!(pruned.count(&searcher, all).unwrap(), Total::exact(all));
        }
        assert!(
            pruned_tops >= 6,
            "only {pruned_tops} of 9 tops scored fewer than half the matches"
        );
    }

    /// Fewer matches than wanted: all of them, with their exact number,
    /// when every match holds a term read; else the caller searches.
    #[test]
    fn few_matches_come_whole_with_their_number() {
        let mut b = Schema::builder();
        let text = b.add_text_field("text", TEXT);
        let program = b.add_text_field("program", STRING);
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer(15_000_000).unwrap();
        for (s, p) in [
            ("Warnstreik bei der Lufthansa", "tagesschau"),
            ("Lufthansa streicht Flüge", "tagesschau"),
            ("Streik im Nahverkehr", "Deutschlandfunk"),
            ("Haushalt im Bundestag", "Deutschlandfunk"),
        ] {
            w.add_document(doc!(text => s, program => p)).unwrap();
        }
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let t = |s: &str| Plan::term(text, s);
        let words = Plan::any(vec![t("lufthansa"), t("streik")]);
        let run = |words: Plan| {
            let whole = Plan::bool(vec![(
                Occur::Must,
                Plan::bool(vec![
                    (Occur::Must, words.clone().filter()),
                    (Occur::Should, Plan::any(vec![t("lufthansa"), t("streik")])),
                ]),
            )]);
            let pruned = Pruned::new(
                &searcher,
                &Candidates {
                    plan: whole,
                    filter: Plan::bool(vec![(Occur::Must, words)]),
                    gate: None,
                },
            )
            .unwrap()
            .unwrap();
            top(&searcher, &pruned, 10).unwrap()
        };
        let found = run(words).unwrap();
        assert_eq!(found.total, Some(Total::exact(3)));
        assert_eq!(found.hits.len(), 3);
        // A match through a keyword no part reads: no proof, no top.
        let keyword = Plan::any(vec![
            t("lufthansa"),
            Plan::Keyword {
                field: program,
                value: "Deutschlandfunk".into(),
            },
        ]);
        assert!(run(keyword).is_none());
        // A phrase is left to tantivy's intersection.
        let phrase = Plan::Phrase {
            field: text,
            terms: vec![(0, "lufthansa".into()), (1, "streicht".into())],
            slop: 0,
        };
        let c = Candidates {
            plan: phrase.clone(),
            filter: Plan::bool(vec![(Occur::Must, phrase)]),
            gate: None,
        };
        assert!(Pruned::new(&searcher, &c).unwrap().is_none());
    }
}
