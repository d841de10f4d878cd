//! Top hits without reading every match (issue 17). A query's score is a
//! tree of sums: each word with its field boosts, compounds, parts and
//! sound-alikes, phrases and conjunctions of split parts. tantivy's
//! block-max WAND skips whole blocks of postings that cannot reach the
//! top, but only for a flat disjunction of terms, and only when nothing
//! counts every match. So a relevance search runs in three steps:
//!
//! 1. **Candidates**: every term of the score tree, each once with the sum
//!    of its weights ([`flat_terms`]), as one flat disjunction that
//!    block-WAND prunes; only documents that pass the query's filter (the
//!    words' match side, exclusions, dates, programmes) enter the heap, so
//!    the threshold is that of real hits. The heap is shared by all
//!    segments, so a later segment starts from the best so far.
//! 2. **Exact scores** of the candidates with the whole query, by seeking
//!    its scorer to each of them: the same scores as the exhaustive search.
//! 3. The total is counted up to [`TOTAL_BOUND`] (Elasticsearch's
//!    `track_total_hits`), exactly when asked for.
//!
//! A hit of the exhaustive search is missed only when its flat score is
//! below that of [`candidates`]' worth of others while its exact score is
//! among the top: phrase and conjunction bonuses are what differ. The
//! ranking on `../shared/eval` is measured with and without (`docs/relevance.md`).

use super::plan::{Occur, Plan};
use rustc_hash::FxHashMap;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur as TOccur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, TERMINATED, Term};

/// Matches counted before the total is given as "at least": Elasticsearch's
/// default for `track_total_hits`.
pub const TOTAL_BOUND: usize = 10_000;

/// How many candidates step 1 keeps for `want` hits: four times as many,
/// and at least [`MIN_CANDIDATES`].
pub fn candidates(want: usize) -> usize {
    want.saturating_mul(4).max(MIN_CANDIDATES)
}

/// The fewest candidates kept, whatever the page.
pub const MIN_CANDIDATES: usize = 500;

/// The least summed weight of a term in the candidates' disjunction: the
/// query's own words (1.0) and split compounds' parts (0.5 together and
/// 0.15 alone), not the low-weight expansions (compounds a word starts or
/// ends, parts alone, sound-alikes, title and speaker boosts of 0.1–0.2),
/// which only rescore. block-WAND sorts its terms at every step, so each
/// term costs; the expansions can be dozens.
pub const CANDIDATE_WEIGHT: f32 = 0.5;

/// The most terms in the candidates' disjunction (the heaviest are kept).
pub const MAX_CANDIDATE_TERMS: usize = 16;

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

/// What step 1 needs of a query, engine-neutral: its scoring terms and the
/// filter a hit passes.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidates {
    /// Each text term of the score once, with its summed weight.
    pub terms: Vec<(Field, String, f32)>,
    /// What a hit must match (the match side of the words, exclusions,
    /// dates, programmes); no score.
    pub filter: Plan,
}

/// The terms of `plans`' score trees whose summed weight is at least
/// [`CANDIDATE_WEIGHT`], each once with the sum of the boosts it appears
/// under, the [`MAX_CANDIDATE_TERMS`] heaviest; a phrase's terms count as
/// terms. Exclusions and filters add nothing. Sorted by field and term.
pub fn flat_terms(plans: &[Plan]) -> Vec<(Field, String, f32)> {
    fn walk(p: &Plan, w: f32, out: &mut FxHashMap<(Field, String), f32>) {
        match p {
            Plan::Term { field, text } => *out.entry((*field, text.clone())).or_default() += w,
            Plan::Phrase { field, terms, .. } => {
                for (_, t) in terms {
                    *out.entry((*field, t.clone())).or_default() += w;
                }
            }
            Plan::Bool { clauses, .. } => {
                for (o, c) in clauses {
                    if *o != Occur::MustNot {
                        walk(c, w, out);
                    }
                }
            }
            Plan::Boost(inner, b) => walk(inner, w * b, out),
            Plan::Filter(_) | Plan::Keyword { .. } | Plan::Days { .. } => {}
            Plan::All | Plan::Nothing => {}
        }
    }
    let mut out = FxHashMap::default();
    for p in plans {
        walk(p, 1.0, &mut out);
    }
    let mut terms: Vec<(Field, String, f32)> = out
        .into_iter()
        .filter(|(_, w)| *w >= CANDIDATE_WEIGHT)
        .map(|((f, t), w)| (f, t, w))
        .collect();
    terms.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.cmp(&b.1))
    });
    terms.truncate(MAX_CANDIDATE_TERMS);
    terms.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    terms
}

/// [`Candidates`] as tantivy queries.
pub struct Pruned {
    /// The flat disjunction: term queries, each boosted by its weight, so
    /// that block-WAND can run it.
    terms: Box<dyn Query>,
    /// The filter, scoring disabled.
    filter: Box<dyn Query>,
}

impl Pruned {
    /// Lower `c` for the local index; `None` when it has no terms.
    pub fn new(c: &Candidates) -> Option<Pruned> {
        if c.terms.is_empty() {
            return None;
        }
        let clauses = c
            .terms
            .iter()
            .map(|(f, t, w)| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(*f, t),
                    IndexRecordOption::WithFreqs,
                ));
                let q: Box<dyn Query> = if (*w - 1.0).abs() > f32::EPSILON {
                    Box::new(BoostQuery::new(q, *w))
                } else {
                    q
                };
                (TOccur::Should, q)
            })
            .collect();
        Some(Pruned {
            terms: Box::new(BooleanQuery::new(clauses)),
            filter: c.filter.to_tantivy(),
        })
    }

    /// The query that decides which items match.
    pub fn filter(&self) -> &dyn Query {
        self.filter.as_ref()
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

/// The `k` items that pass the filter with the highest flat scores
/// (step 1), and whether there may be more that pass (the heap filled).
fn candidate_docs(
    searcher: &Searcher,
    pruned: &Pruned,
    k: usize,
) -> tantivy::Result<(Vec<DocAddress>, bool)> {
    let terms = pruned
        .terms
        .weight(EnableScoring::enabled_from_searcher(searcher))?;
    let filter = pruned
        .filter
        .weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut heap: BinaryHeap<Entry> = BinaryHeap::with_capacity(k + 1);
    let mut full = false;
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let ord = ord as u32;
        let mut pass = filter.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut threshold = heap.peek().filter(|_| full).map_or(Score::MIN, |e| e.0);
        terms.for_each_pruning(threshold, reader, &mut |doc: DocId, score: Score| {
            if pass.doc() < doc {
                pass.seek(doc);
            }
            if pass.doc() != doc || alive.is_some_and(|a| a.is_deleted(doc)) {
                return threshold;
            }
            heap.push(Entry(score, DocAddress::new(ord, doc)));
            if heap.len() > k {
                heap.pop();
                full = true;
            }
            if full || heap.len() == k {
                threshold = heap.peek().map_or(Score::MIN, |e| e.0);
            }
            threshold
        })?;
    }
    let full = full || heap.len() == k;
    Ok((heap.into_iter().map(|e| e.1).collect(), full))
}

/// The exact scores of `docs` under `query` (step 2), best first, ties in
/// address order as the exhaustive search orders them; documents the
/// query does not match are left out.
fn rescore(
    searcher: &Searcher,
    query: &dyn Query,
    mut docs: Vec<DocAddress>,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    docs.sort_unstable();
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let mut out = Vec::with_capacity(docs.len());
    let mut i = 0;
    while i < docs.len() {
        let ord = docs[i].segment_ord;
        let reader = searcher.segment_reader(ord);
        let mut scorer = weight.scorer(reader, 1.0)?;
        while i < docs.len() && docs[i].segment_ord == ord {
            let doc = docs[i].doc_id;
            if scorer.doc() < doc {
                scorer.seek(doc);
            }
            if scorer.doc() == doc {
                out.push((scorer.score(), docs[i]));
            }
            i += 1;
        }
    }
    out.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(out)
}

/// The top `want` hits of `query` by score, through `pruned`'s candidates;
/// `None` when the candidates did not fill their heap (items matching only
/// through expansions are then no candidates, but few items hold the
/// words) or hold fewer than `want` hits of `query`: the caller then
/// searches exhaustively.
pub fn top(
    searcher: &Searcher,
    pruned: &Pruned,
    query: &dyn Query,
    want: usize,
) -> tantivy::Result<Option<Vec<(Score, DocAddress)>>> {
    let (docs, full) = candidate_docs(searcher, pruned, candidates(want))?;
    if !full {
        return Ok(None);
    }
    let mut hits = rescore(searcher, query, docs)?;
    if hits.len() < want {
        return Ok(None);
    }
    hits.truncate(want);
    Ok(Some(hits))
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
    use tantivy::schema::{STRING, Schema, TEXT};
    use tantivy::{Index, doc};

    #[test]
    fn terms_are_summed_over_the_tree_and_exclusions_dropped() {
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
            (Occur::MustNot, t(text, "gold")),
            (Occur::Must, Plan::term(text, "ukrain").filter()),
        ]);
        let terms = flat_terms(&[plan]);
        let w = |f, s: &str| {
            terms
                .iter()
                .find(|(g, u, _)| *g == f && u == s)
                .map(|x| x.2)
        };
        assert_eq!(w(text, "rohstoff"), Some(1.5));
        assert_eq!(
            w(title, "rohstoff"),
            None,
            "a title boost of 0.1 only rescores"
        );
        assert_eq!(w(text, "rohstoffabkomm"), Some(0.5));
        assert_eq!(w(text, "gold"), None, "an exclusion scores nothing");
        assert_eq!(w(text, "ukrain"), None, "a filter scores nothing");
    }

    /// 3,000 German headlines over 3 segments: the pruned top 10 is the
    /// exhaustive top 10, with the same scores, with a filter too; the total
    /// is exact below the bound and "at least" above it.
    #[test]
    fn pruned_top_equals_the_exhaustive_one() {
        let mut b = Schema::builder();
        let text = b.add_text_field("text", TEXT);
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
        let score = Plan::any(vec![
            t("zölle"),
            t("stahl").boost(0.5),
            Plan::Phrase {
                field: text,
                terms: vec![(0, "zölle".into()), (1, "stahl".into())],
                slop: 0,
            },
        ]);
        let dlf = Plan::Keyword {
            field: program,
            value: "Deutschlandfunk".into(),
        };
        for filter in [Plan::any(vec![t("zölle"), t("stahl")]), {
            Plan::bool(vec![
                (Occur::Must, Plan::any(vec![t("zölle"), t("stahl")])),
                (Occur::Must, dlf.clone()),
            ])
        }] {
            let whole = Plan::bool(vec![
                (Occur::Must, filter.clone().filter()),
                (Occur::Should, score.clone()),
            ]);
            let query = whole.to_tantivy();
            let exhaustive = searcher
                .search(query.as_ref(), &TopDocs::with_limit(10).order_by_score())
                .unwrap();
            let pruned = Pruned::new(&Candidates {
                terms: flat_terms(std::slice::from_ref(&score)),
                filter: filter.clone(),
            })
            .unwrap();
            let top = top(&searcher, &pruned, query.as_ref(), 10)
                .unwrap()
                .unwrap();
            assert_eq!(top, exhaustive);
            let all = searcher.search(query.as_ref(), &Count).unwrap();
            assert!(all > 100);
            assert_eq!(
                count_upto(&searcher, pruned.filter(), 100).unwrap(),
                Total {
                    value: 100,
                    exact: false
                }
            );
            assert_eq!(
                count_upto(&searcher, pruned.filter(), all).unwrap(),
                Total::exact(all)
            );
        }
    }
}
