//! One hit per near-duplicate cluster (`index::dedup`): a bulletin aired
//! every hour shows once, best-ranked copy first, with the other airings
//! that match the same query and filters listed as its repeats.
//!
//! The top hits are read in a growing window until the page is full of
//! distinct clusters (or the matches run out); the cluster of each hit is
//! a fast-field lookup. Repeats are a second, filtered search per shown
//! hit: the query AND its cluster, newest first.

use super::prune::{self, Pruned, Total};
use super::{SearchError, Sort, passage};
use crate::index::Archive;
use crate::item::Day;
use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Order, Searcher, Term};

/// The widest window of top hits read to fill a page of distinct
/// clusters: enough for the deepest page ([`super::Limits`]' window of
/// 10,000) when clusters hold up to 20 airings on average. The window is
/// a heap of 12-byte entries (2.4 MB), so it is bounded however many items
/// match.
pub const MAX_WINDOW: usize = 200_000;
/// Repeats listed for a hit (all are counted).
pub const MAX_REPEATS: usize = 10;

/// Another airing of a hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    /// Its id.
    pub id: String,
    /// Its date.
    pub date: Option<Day>,
    /// Its programme.
    pub program: Option<String>,
}

/// The repeats of a hit: how many, and the newest of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repeats {
    /// All other matching items of the cluster.
    pub total: usize,
    /// The newest [`MAX_REPEATS`] of them, oldest first.
    pub items: Vec<Repeat>,
}

/// Hits in order: score (when ranked by relevance) and address.
pub type Ranked = Vec<(Option<f32>, DocAddress)>;

/// Hits in order, with the near-duplicate cluster of each (when collapsed).
pub type Page = Vec<(Option<f32>, DocAddress, Option<u64>)>;

/// What to rank: the whole query, its candidates for a top that prunes
/// ([`prune`]), and whether the total must be exact.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    /// The query with its filters.
    pub query: &'a dyn Query,
    /// Its candidates' queries; `None`: every match is scored.
    pub pruned: Option<&'a Pruned>,
    /// Count every match, not only up to [`prune::TOTAL_BOUND`].
    pub exact_total: bool,
}

impl<'a> Target<'a> {
    /// Every match scored and counted.
    pub fn exhaustive(query: &'a dyn Query) -> Target<'a> {
        Target {
            query,
            pruned: None,
            exact_total: true,
        }
    }
}

/// Run the target ordered by `sort`: its total and the top `limit` after
/// `offset`. By relevance, the top hits are reordered by their best
/// passage for `terms` ([`super::passage`]); no terms, no reordering.
pub fn ranked(
    archive: &Archive,
    searcher: &Searcher,
    target: Target<'_>,
    sort: Sort,
    terms: &[(String, f32)],
    limit: usize,
    offset: usize,
) -> Result<(Total, Ranked), SearchError> {
    let err = |e| SearchError::Index(archive.tantivy(e));
    let query = target.query;
    Ok(match sort {
        Sort::Relevance => {
            // Read at least the reranked head whole, then page.
            let want = (offset + limit).max(if terms.is_empty() {
                0
            } else {
                passage::RERANK_TOP
            });
            let want = want.max(1);
            // An exact total reads every match anyway: then one pass
            // scores them all.
            let pruned = match target.pruned {
                Some(p) if !target.exact_total => prune::top(searcher, p, want)
                    .map_err(err)?
                    .map(|top| (p, top)),
                _ => None,
            };
            let (total, top) = match pruned {
                Some((p, top)) => {
                    let total = match top.total {
                        Some(t) => t,
                        None => p.count(searcher, prune::TOTAL_BOUND).map_err(err)?,
                    };
                    (total, top.hits)
                }
                None => {
                    let (n, top) = searcher
                        .search(query, &(Count, TopDocs::with_limit(want).order_by_score()))
                        .map_err(err)?;
                    (Total::exact(n), top)
                }
            };
            let mut all: Ranked = top.into_iter().map(|(s, a)| (Some(s), a)).collect();
            passage::rerank(archive, searcher, terms, &mut all).map_err(err)?;
            (total, all.into_iter().skip(offset).take(limit).collect())
        }
        Sort::Date => {
            let (n, top) = searcher
                .search(
                    query,
                    &(
                        Count,
                        TopDocs::with_limit(limit)
                            .and_offset(offset)
                            .order_by_fast_field::<i64>("date", Order::Desc),
                    ),
                )
                .map_err(err)?;
            (
                Total::exact(n),
                top.into_iter().map(|(_, a)| (None, a)).collect(),
            )
        }
    })
}

/// Cluster ids of documents, one fast-field column a segment.
struct ClusterOf<'s> {
    searcher: &'s Searcher,
    columns: FxHashMap<u32, tantivy::columnar::Column<u64>>,
}

impl ClusterOf<'_> {
    fn get(&mut self, addr: DocAddress) -> tantivy::Result<Option<u64>> {
        let col = match self.columns.entry(addr.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                self.searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .u64("cluster")?,
            ),
        };
        Ok(col.first(addr.doc_id))
    }
}

/// A page of collapsed hits.
#[derive(Debug)]
pub struct Collapsed {
    /// All matching items (not clusters).
    pub total: Total,
    /// The page: one hit a cluster, each with its cluster id.
    pub page: Page,
    /// Whether the page was cut short because the hits before it fill more
    /// than [`MAX_WINDOW`] matches; the page may then lack hits that exist.
    pub cut: bool,
}

/// The page of hits with one hit a cluster, each with its cluster id,
/// and the number of all matches.
pub fn collapsed_page(
    archive: &Archive,
    searcher: &Searcher,
    target: Target<'_>,
    sort: Sort,
    terms: &[(String, f32)],
    limit: usize,
    offset: usize,
) -> Result<Collapsed, SearchError> {
    let err = |e| SearchError::Index(archive.tantivy(e));
    let want = offset.saturating_add(limit);
    // Most clusters are single items; three reads per wanted head is
    // seldom outgrown.
    let mut window = want.saturating_mul(3).saturating_add(10).min(MAX_WINDOW);
    let mut clusters = ClusterOf {
        searcher,
        columns: FxHashMap::default(),
    };
    loop {
        let (total, top) = ranked(archive, searcher, target, sort, terms, window, 0)?;
        let mut seen = FxHashSet::default();
        let mut heads = Vec::new();
        for (score, addr) in &top {
            let c = clusters.get(*addr).map_err(err)?;
            if c.is_none_or(|c| seen.insert(c)) {
                heads.push((*score, *addr, c));
            }
        }
        if heads.len() >= want || top.len() < window || window >= MAX_WINDOW {
            let cut = heads.len() < want && top.len() == window && total.value > window;
            let page = heads.into_iter().skip(offset).take(limit).collect();
            return Ok(Collapsed { total, page, cut });
        }
        window = (window * 4).min(MAX_WINDOW);
    }
}

/// The other matching items of `cluster`, newest first.
pub fn repeats(
    archive: &Archive,
    searcher: &Searcher,
    query: &dyn Query,
    cluster: u64,
    head: DocAddress,
) -> Result<Repeats, SearchError> {
    let err = |e| SearchError::Index(archive.tantivy(e));
    let term = Term::from_field_u64(archive.fields().cluster, cluster);
    // Most items are clusters of their own: no second search for them.
    if searcher.doc_freq(&term).map_err(err)? <= 1 {
        return Ok(Repeats::default());
    }
    // The cluster's items from its term's postings, then the query's
    // scorer, scoring off, sought to each of them in the segments that
    // hold them: a search of the whole query over every segment cost
    // more than the rest of a hit.
    let matching = cluster_matches(searcher, query, &term).map_err(err)?;
    let n = matching.len();
    let top = matching
        .into_iter()
        .take(MAX_REPEATS + 1)
        .map(|(_, a)| ((), a));
    let mut items = Vec::new();
    for (_, addr) in top {
        if addr == head || items.len() == MAX_REPEATS {
            continue;
        }
        let ff = searcher.segment_reader(addr.segment_ord).fast_fields();
        let text = |name: &str| -> tantivy::Result<Option<String>> {
            let Some(col) = ff.str(name)? else {
                return Ok(None);
            };
            let mut s = String::new();
            match col.term_ords(addr.doc_id).next() {
                Some(ord) => {
                    col.ord_to_str(ord, &mut s)?;
                    Ok(Some(s))
                }
                None => Ok(None),
            }
        };
        let date = ff
            .i64("date")
            .map_err(err)?
            .first(addr.doc_id)
            .and_then(Day::from_unix_days);
        items.push(Repeat {
            id: text("id").map_err(err)?.unwrap_or_default(),
            date,
            program: text("program_facet").map_err(err)?,
        });
    }
    // The newest airings, listed in the order they aired.
    items.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
    Ok(Repeats {
        total: n.saturating_sub(1),
        items,
    })
}

/// The items of a cluster (`term`) that `query` matches, newest first
/// (undated last), of one date in address order.
fn cluster_matches(
    searcher: &Searcher,
    query: &dyn Query,
    term: &Term,
) -> tantivy::Result<Vec<(Option<i64>, DocAddress)>> {
    let weight = query.weight(tantivy::query::EnableScoring::disabled_from_searcher(
        searcher,
    ))?;
    let mut out = Vec::new();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let Some(mut members) = reader
            .inverted_index(term.field())?
            .read_postings(term, IndexRecordOption::Basic)?
        else {
            continue;
        };
        let alive = reader.alive_bitset();
        let mut scorer = weight.scorer(reader, 1.0)?;
        let dates = reader.fast_fields().i64("date").ok();
        let mut doc = members.doc();
        while doc != tantivy::TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                if scorer.doc() < doc {
                    scorer.seek(doc);
                }
                if scorer.doc() == doc {
                    let date = dates.as_ref().and_then(|c| c.first(doc));
                    out.push((date, DocAddress::new(ord as u32, doc)));
                }
            }
            doc = members.advance();
        }
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(out)
}
