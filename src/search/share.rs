//! Trends of several queries side by side, and as shares of the archive
//! (`trend A B --per 1000`).
//!
//! An archive is uneven over time: raw counts then show the archive's
//! growth, not the topic's. A share divides each period's matching items
//! by all items of that period that pass the same filters (dates,
//! programmes, speakers), whatever the query.

use super::facets::{Interval, day_counts, periods};
use super::{Request, SearchError, filtered_items, prepare};
use crate::index::Archive;
use crate::item::Day;
use tantivy::Searcher;

/// One query's column.
#[derive(Debug, Clone)]
pub struct Series {
    /// The query as run.
    pub query: String,
    /// All matching items, dated or not.
    pub total: u64,
    /// Matching items without a date (in no period).
    pub undated: u64,
    /// Matching items per period, as [`Table::periods`].
    pub counts: Vec<u64>,
}

/// Several queries over the same periods.
#[derive(Debug, Clone)]
pub struct Table {
    /// Width of the periods.
    pub by: Interval,
    /// Shares are per this many items (`--per`), if asked for.
    pub per: Option<u32>,
    /// The periods: label and first day, oldest first, from the first
    /// period with a match of any query (or --from) to the last (or --to).
    pub periods: Vec<(String, Day)>,
    /// With `per`: all items of each period that pass the filters.
    pub items: Option<Vec<u64>>,
    /// One column per query, in the order given.
    pub series: Vec<Series>,
}

impl Table {
    /// The share of query `q` in period `p`, per [`Table::per`] items;
    /// `None` without `per` or in a period without items.
    pub fn share(&self, q: usize, p: usize) -> Option<f64> {
        let per = f64::from(self.per?);
        let items = *self.items.as_ref()?.get(p)?;
        let count = *self.series.get(q)?.counts.get(p)?;
        (items > 0).then(|| count as f64 * per / items as f64)
    }
}

/// Count each of `reqs` (the same filters, one query each) per period of
/// width `by`, over the same periods; with `per`, also all items per
/// period for shares.
pub fn table(
    archive: &Archive,
    searcher: &Searcher,
    reqs: &[Request],
    by: Interval,
    per: Option<u32>,
) -> Result<Table, SearchError> {
    let mut counted = Vec::with_capacity(reqs.len());
    for req in reqs {
        let prepared = prepare(archive, searcher, req)?;
        counted.push(day_counts(archive, searcher, &prepared.query)?);
    }
    let items = match (per, reqs.first()) {
        (Some(_), Some(req)) => {
            let all = filtered_items(archive, searcher, req)?;
            Some(day_counts(archive, searcher, &all)?.1)
        }
        _ => None,
    };
    table_of(reqs, by, per, &counted, items.as_deref())
}

/// The table of `reqs` from their matches counted by whichever engine:
/// for each, all matches and those of each day (oldest first); with
/// `per`, `items` are all items of each day that pass the filters.
pub fn table_of(
    reqs: &[Request],
    by: Interval,
    per: Option<u32>,
    counted: &[(u64, Vec<(Day, u64)>)],
    items: Option<&[(Day, u64)]>,
) -> Result<Table, SearchError> {
    let first_req = reqs.first();
    let first = first_req.and_then(|r| r.from).or_else(|| {
        counted
            .iter()
            .filter_map(|(_, days)| days.first().map(|d| d.0))
            .min()
    });
    let last = first_req.and_then(|r| r.to).or_else(|| {
        counted
            .iter()
            .filter_map(|(_, days)| days.last().map(|d| d.0))
            .max()
    });
    let span = |days: &[(Day, u64)]| match (first, last) {
        (Some(a), Some(b)) => periods(days, by, a, b),
        _ => Ok(Vec::new()),
    };
    let mut series = Vec::with_capacity(reqs.len());
    let mut labels = Vec::new();
    for (req, (total, days)) in reqs.iter().zip(counted) {
        let buckets = span(days)?;
        if labels.is_empty() {
            labels = buckets.iter().map(|b| (b.key.clone(), b.start)).collect();
        }
        let dated: u64 = days.iter().map(|(_, n)| n).sum();
        series.push(Series {
            query: req.query.clone(),
            total: *total,
            undated: total.saturating_sub(dated),
            counts: buckets.iter().map(|b| b.count).collect(),
        });
    }
    let items = match (per, items) {
        (Some(_), Some(days)) => Some(span(days)?.iter().map(|b| b.count).collect()),
        _ => None,
    };
    Ok(Table {
        by,
        per,
        periods: labels,
        items,
        series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_per_the_items_of_each_period() {
        let t = Table {
            by: Interval::Year,
            per: Some(1000),
            periods: vec![
                ("2024".into(), Day::parse("2024-01-01").unwrap()),
                ("2025".into(), Day::parse("2025-01-01").unwrap()),
            ],
            items: Some(vec![400, 0]),
            series: vec![Series {
                query: "Zölle".into(),
                total: 3,
                undated: 0,
                counts: vec![3, 0],
            }],
        };
        assert_eq!(t.share(0, 0), Some(7.5));
        assert_eq!(t.share(0, 1), None, "a period without items has no share");
        assert_eq!(t.share(1, 0), None);
    }
}
