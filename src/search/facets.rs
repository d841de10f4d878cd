//! Counts over the matching items, by tantivy's aggregations: hits per
//! programme and per speaker (`search --facets`), and per period of time
//! (`trend`).
//!
//! A trend counts the matching items by day (a collector over the `date`
//! fast field); the days are then summed into ISO weeks, calendar months or
//! years, and periods without a match between the first and the last are
//! filled in with zero.

use super::{Request, SearchError, prepare};
use crate::index::Archive;
use crate::index::stats::{Count, buckets};
use crate::item::Day;
use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::{Value, json};
use tantivy::aggregation::AggregationCollector;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Query;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// How many programmes and speakers `--facets` lists.
pub const TOP_FACETS: usize = 10;

/// Hits per programme and per speaker.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Facets {
    /// The programmes with most hits, most first.
    pub programs: Vec<Count>,
    /// The speakers with most hits, most first.
    pub speakers: Vec<Count>,
}

fn aggregate(
    archive: &Archive,
    searcher: &Searcher,
    query: &dyn Query,
    req: Value,
) -> Result<(usize, Value), SearchError> {
    let req: Aggregations = serde_json::from_value(req)
        .map_err(|e| SearchError::Index(crate::error::IndexError::Schema(e.to_string())))?;
    let collector = AggregationCollector::from_aggs(req, Default::default());
    let (n, res) = searcher
        .search(query, &(tantivy::collector::Count, collector))
        .map_err(|e| SearchError::Index(archive.tantivy(e)))?;
    let v = serde_json::to_value(&res)
        .map_err(|e| SearchError::Index(crate::error::IndexError::Schema(e.to_string())))?;
    Ok((n, v))
}

/// Count the items matching `query`, all and per programme and per speaker.
pub fn facets(
    archive: &Archive,
    searcher: &Searcher,
    query: &dyn Query,
    top: usize,
) -> Result<(usize, Facets), SearchError> {
    let (n, v) = aggregate(
        archive,
        searcher,
        query,
        json!({
            "programs": {"terms": {"field": "program_facet", "size": top}},
            "speakers": {"terms": {"field": "speaker_facet", "size": top}},
        }),
    )?;
    Ok((
        n,
        Facets {
            programs: buckets(&v["programs"]),
            speakers: buckets(&v["speakers"]),
        },
    ))
}

/// Period of a trend's bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    /// Days.
    Day,
    /// ISO weeks (Monday to Sunday), keyed `2025-W07`.
    Week,
    /// Calendar months, keyed `2025-02`.
    Month,
    /// Calendar years, keyed `2025`.
    Year,
}

impl Interval {
    /// The first day of the period holding `d`.
    pub fn start(self, d: Day) -> Day {
        let date = d.0;
        let start = match self {
            Interval::Day => date,
            Interval::Week => {
                date - time::Duration::days(i64::from(date.weekday().number_days_from_monday()))
            }
            Interval::Month => date.replace_day(1).unwrap_or(date),
            Interval::Year => date
                .replace_day(1)
                .and_then(|x| x.replace_month(time::Month::January))
                .unwrap_or(date),
        };
        Day(start)
    }

    /// The first day of the next period.
    pub fn next(self, start: Day) -> Option<Day> {
        let d = start.0;
        let next = match self {
            Interval::Day => d.next_day(),
            Interval::Week => d.checked_add(time::Duration::days(7)),
            Interval::Month => {
                let (y, m) = if d.month() == time::Month::December {
                    (d.year() + 1, time::Month::January)
                } else {
                    (d.year(), d.month().next())
                };
                time::Date::from_calendar_date(y, m, 1).ok()
            }
            Interval::Year => {
                time::Date::from_calendar_date(d.year() + 1, time::Month::January, 1).ok()
            }
        };
        next.map(Day)
    }

    /// The period's label: `2025-02-13`, `2025-W07`, `2025-02`, `2025`.
    pub fn key(self, start: Day) -> String {
        let d = start.0;
        match self {
            Interval::Day => start.to_string(),
            Interval::Week => {
                let (y, w, _) = d.to_iso_week_date();
                format!("{y}-W{w:02}")
            }
            Interval::Month => format!("{:04}-{:02}", d.year(), d.month() as u8),
            Interval::Year => format!("{:04}", d.year()),
        }
    }
}

/// One bar of a trend.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Bucket {
    /// The period's label.
    pub key: String,
    /// Its first day.
    pub start: Day,
    /// Matching items broadcast in it.
    pub count: u64,
}

/// How often a query matched over time.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// The query as run.
    pub query: String,
    /// Width of the bars.
    pub by: Interval,
    /// All matching items, dated or not.
    pub total: u64,
    /// Matching items without a date (in no bar).
    pub undated: u64,
    /// The bars, oldest first, from the first period with a match to the
    /// last (or the --from/--to range), empty periods included.
    pub buckets: Vec<Bucket>,
}

/// The most bars a trend may have: 100,000 days are 274 years; a longer
/// span is asked for by week, month or year.
pub const MAX_PERIODS: usize = 100_000;

/// Matching items and their days: every match is counted, and each dated
/// one under its day (the `date` fast field, days since 1970-01-01). A
/// plain map, so any span of years works; tantivy's date histogram stops at
/// 65,000 buckets, which a hit of 1800 beside one of 2025 passed.
struct DayCounts;

/// [`DayCounts`] of one segment.
struct SegmentDayCounts {
    dates: Option<tantivy::columnar::Column<i64>>,
    total: u64,
    days: FxHashMap<i64, u64>,
}

impl Collector for DayCounts {
    type Fruit = (u64, FxHashMap<i64, u64>);
    type Child = SegmentDayCounts;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentDayCounts> {
        Ok(SegmentDayCounts {
            dates: segment.fast_fields().i64("date").ok(),
            total: 0,
            days: FxHashMap::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(
        &self,
        fruits: Vec<(u64, FxHashMap<i64, u64>)>,
    ) -> tantivy::Result<(u64, FxHashMap<i64, u64>)> {
        let mut total = 0;
        let mut days = FxHashMap::default();
        for (n, d) in fruits {
            total += n;
            for (day, c) in d {
                *days.entry(day).or_default() += c;
            }
        }
        Ok((total, days))
    }
}

impl SegmentCollector for SegmentDayCounts {
    type Fruit = (u64, FxHashMap<i64, u64>);

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.total += 1;
        if let Some(day) = self.dates.as_ref().and_then(|c| c.first(doc)) {
            *self.days.entry(day).or_default() += 1;
        }
    }

    fn harvest(self) -> Self::Fruit {
        (self.total, self.days)
    }
}

/// Count the items matching `req` per period.
pub fn trend(
    archive: &Archive,
    searcher: &Searcher,
    req: &Request,
    by: Interval,
) -> Result<Trend, SearchError> {
    let prepared = prepare(archive, searcher, req)?;
    let (total, days) = day_counts(archive, searcher, &prepared.query)?;
    trend_of(req, by, total, &days)
}

/// The trend of `req` from its matches' count (`total`) and how many of
/// them are of each day (`days`, oldest first), whichever engine counted
/// them.
pub fn trend_of(
    req: &Request,
    by: Interval,
    total: u64,
    days: &[(Day, u64)],
) -> Result<Trend, SearchError> {
    let dated: u64 = days.iter().map(|(_, n)| n).sum();
    let first = req.from.or(days.first().map(|d| d.0));
    let last = req.to.or(days.last().map(|d| d.0));
    let buckets = match (first, last) {
        (Some(first), Some(last)) => periods(days, by, first, last)?,
        _ => Vec::new(),
    };
    Ok(Trend {
        query: req.query.clone(),
        by,
        total,
        undated: total.saturating_sub(dated),
        buckets,
    })
}

/// The items matching `query`: how many in all, and how many on each
/// day, oldest first.
pub fn day_counts(
    archive: &Archive,
    searcher: &Searcher,
    query: &dyn Query,
) -> Result<(u64, Vec<(Day, u64)>), SearchError> {
    let (total, by_day) = searcher
        .search(query, &DayCounts)
        .map_err(|e| SearchError::Index(archive.tantivy(e)))?;
    let mut days: Vec<(Day, u64)> = by_day
        .into_iter()
        .filter_map(|(d, n)| Some((Day::from_unix_days(d)?, n)))
        .collect();
    days.sort_unstable();
    Ok((total, days))
}

/// The bars from the period of `first` to that of `last`, empty ones
/// included, summing `days` (sorted) into them.
pub fn periods(
    days: &[(Day, u64)],
    by: Interval,
    first: Day,
    last: Day,
) -> Result<Vec<Bucket>, SearchError> {
    let mut buckets = Vec::new();
    let mut start = by.start(first);
    let mut i = 0;
    while start <= last {
        if buckets.len() == MAX_PERIODS {
            return Err(SearchError::TooManyPeriods {
                first,
                last,
                max: MAX_PERIODS,
            });
        }
        let next = by.next(start);
        let mut count = 0;
        while i < days.len() && next.is_none_or(|n| days[i].0 < n) {
            if days[i].0 >= start {
                count += days[i].1;
            }
            i += 1;
        }
        buckets.push(Bucket {
            key: by.key(start),
            start,
            count,
        });
        match next {
            Some(n) => start = n,
            None => break,
        }
    }
    Ok(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap()
    }

    #[test]
    fn periods_start_and_end_on_the_calendar() {
        let d = day("2025-02-13"); // a Thursday
        assert_eq!(Interval::Week.start(d), day("2025-02-10"));
        assert_eq!(Interval::Week.key(Interval::Week.start(d)), "2025-W07");
        assert_eq!(Interval::Month.start(d), day("2025-02-01"));
        assert_eq!(
            Interval::Month.next(day("2025-12-01")),
            Some(day("2026-01-01"))
        );
        assert_eq!(Interval::Month.key(day("2025-02-01")), "2025-02");
        assert_eq!(Interval::Year.start(d), day("2025-01-01"));
        assert_eq!(Interval::Year.key(day("2025-01-01")), "2025");
        assert_eq!(Interval::Day.next(d), Some(day("2025-02-14")));
        // ISO week 1 of 2025 starts on Monday, 30 December 2024.
        assert_eq!(
            Interval::Week.key(Interval::Week.start(day("2025-01-01"))),
            "2025-W01"
        );
        assert_eq!(Interval::Week.start(day("2025-01-01")), day("2024-12-30"));
    }

    #[test]
    fn periods_span_centuries_and_refuse_too_many_bars() {
        let days = [(day("1800-01-01"), 1), (day("2025-02-13"), 2)];
        let years = periods(&days, Interval::Year, days[0].0, days[1].0).unwrap();
        assert_eq!(years.len(), 226);
        assert_eq!((years[0].key.as_str(), years[0].count), ("1800", 1));
        assert_eq!(years[225].count, 2);
        assert_eq!(years.iter().map(|b| b.count).sum::<u64>(), 3);
        let far = [(day("1000-01-01"), 1), (day("9999-12-31"), 1)];
        assert_eq!(
            periods(&far, Interval::Year, far[0].0, far[1].0)
                .unwrap()
                .len(),
            9000
        );
        assert!(matches!(
            periods(&far, Interval::Day, far[0].0, far[1].0),
            Err(SearchError::TooManyPeriods { .. })
        ));
    }
}
