//! JSON Lines output, one object a line, as in `schema/hit.v1.schema.json`
//! (hits, then a summary) and `schema/item.v1.schema.json` (`show`).
//! Highlight offsets are [start, end) in Unicode code points of the text.

use super::Printer;
use crate::index::stats::Stats;
use crate::item::{BlockKind, Item};
use crate::search::Hits;
use crate::search::facets::{Facets, Trend};
use crate::search::kwic::Concordance;
use crate::search::share::Table;
use serde::Serialize;
use std::io::{self, Write};
use std::time::Duration;

/// Writes JSON Lines.
pub struct JsonPrinter<W: Write> {
    out: W,
}

impl<W: Write> JsonPrinter<W> {
    /// A printer on `out`.
    pub fn new(out: W) -> JsonPrinter<W> {
        JsonPrinter { out }
    }

    fn line<T: Serialize>(&mut self, v: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, v)?;
        self.out.write_all(b"\n")
    }
}

#[derive(Serialize)]
struct SnippetOut<'a> {
    text: &'a str,
    highlights: &'a [(usize, usize)],
    kind: BlockKind,
    speaker: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    speaker_unknown: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<f64>,
}

fn seconds(ms: Option<u64>) -> Option<f64> {
    ms.map(|ms| ms as f64 / 1000.0)
}

#[derive(Serialize)]
struct HitOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    rank: usize,
    id: &'a str,
    score: Option<f32>,
    title: &'a str,
    title_highlights: &'a [(usize, usize)],
    date: Option<String>,
    program: Option<&'a str>,
    speakers: &'a [String],
    source: &'a str,
    snippets: Vec<SnippetOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repeats: Option<RepeatsOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<&'a crate::search::explain::Explanation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    story: Option<StoryOut>,
}

/// The story of a hit the query's words are most in.
#[derive(Serialize)]
struct StoryOut {
    number: usize,
    of: usize,
    passages: [usize; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<f64>,
}

fn story_out(item: &Item, story: Option<usize>) -> Option<StoryOut> {
    let n = story?;
    let s = item.stories.get(n)?;
    let [a, b] = s.blocks();
    Some(StoryOut {
        number: n + 1,
        of: item.stories.len(),
        passages: [a + 1, b + 1],
        start: seconds(s.start_ms),
        end: seconds(s.end_ms),
    })
}

#[derive(Serialize)]
struct RepeatsOut<'a> {
    total: usize,
    items: Vec<RepeatOut<'a>>,
}

#[derive(Serialize)]
struct RepeatOut<'a> {
    id: &'a str,
    date: Option<String>,
    program: Option<&'a str>,
}

#[derive(Serialize)]
struct SummaryOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    query: &'a str,
    total: usize,
    total_relation: &'static str,
    offset: usize,
    returned: usize,
    elapsed_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    facets: Option<&'a Facets>,
}

/// `show --json`: the stored item plus its body as one text, so that the
/// line is also valid input.
#[derive(Serialize)]
struct ItemOut<'a> {
    #[serde(flatten)]
    item: &'a Item,
    body: String,
}

impl<W: Write> Printer for JsonPrinter<W> {
    fn hits(
        &mut self,
        query: &str,
        offset: usize,
        hits: &Hits,
        elapsed: Duration,
    ) -> io::Result<()> {
        for h in &hits.hits {
            let it = &h.item;
            self.line(&HitOut {
                kind: "hit",
                rank: h.rank,
                id: &it.id,
                score: h.score,
                title: &it.title,
                title_highlights: &h.title_highlights,
                date: it.date.map(|d| d.to_string()),
                program: it.program.as_deref(),
                speakers: &it.speakers,
                source: &it.source,
                snippets: h
                    .snippets
                    .iter()
                    .map(|s| SnippetOut {
                        text: &s.text,
                        highlights: &s.highlights,
                        kind: s.kind,
                        speaker: s.speaker.as_deref(),
                        speaker_unknown: s.speaker_unknown(),
                        start: seconds(s.start_ms),
                        end: seconds(s.end_ms),
                    })
                    .collect(),
                repeats: (h.repeats.total > 0).then(|| RepeatsOut {
                    total: h.repeats.total,
                    items: h
                        .repeats
                        .items
                        .iter()
                        .map(|r| RepeatOut {
                            id: &r.id,
                            date: r.date.map(|d| d.to_string()),
                            program: r.program.as_deref(),
                        })
                        .collect(),
                }),
                explain: h.explain.as_ref(),
                story: story_out(it, h.story),
            })?;
        }
        self.line(&SummaryOut {
            kind: "summary",
            query,
            total: hits.total,
            total_relation: if hits.total_exact { "eq" } else { "gte" },
            offset,
            returned: hits.hits.len(),
            elapsed_ms: (elapsed.as_secs_f64() * 1e6).round() / 1e3,
            facets: hits.facets.as_ref(),
        })?;
        self.out.flush()
    }

    fn item(&mut self, item: &Item) -> io::Result<()> {
        self.line(&ItemOut {
            item,
            body: item.body_text(),
        })?;
        self.out.flush()
    }

    fn stats(&mut self, stats: &Stats) -> io::Result<()> {
        self.line(stats)?;
        self.out.flush()
    }

    fn trend(&mut self, trend: &Trend) -> io::Result<()> {
        self.line(trend)?;
        self.out.flush()
    }

    fn trend_table(&mut self, t: &Table) -> io::Result<()> {
        let buckets: Vec<TableBucketOut> = t
            .periods
            .iter()
            .enumerate()
            .map(|(p, (key, start))| TableBucketOut {
                key,
                start: start.to_string(),
                counts: t.series.iter().map(|s| s.counts[p]).collect(),
                items: t.items.as_ref().map(|i| i[p]),
                shares: t
                    .per
                    .map(|_| (0..t.series.len()).map(|q| t.share(q, p)).collect()),
            })
            .collect();
        self.line(&TableOut {
            by: t.by,
            per: t.per,
            queries: t
                .series
                .iter()
                .map(|s| SeriesOut {
                    query: &s.query,
                    total: s.total,
                    undated: s.undated,
                })
                .collect(),
            buckets,
        })?;
        self.out.flush()
    }

    fn kwic(&mut self, c: &Concordance) -> io::Result<()> {
        for l in &c.lines {
            self.line(&KwicLineOut {
                kind: "line",
                left: &l.left,
                matched: &l.matched,
                right: &l.right,
                form: l.form.name(),
                query_word: &l.query_word,
                id: &l.id,
                date: l.date.map(|d| d.to_string()),
                program: l.program.as_deref(),
                speaker: l.speaker.as_deref(),
                start: seconds(l.start_ms),
                rank: l.rank,
            })?;
        }
        self.line(&KwicSummaryOut {
            kind: "summary",
            query: &c.query,
            occurrences: c.occurrences,
            returned: c.lines.len(),
            items: c.items,
            items_read: c.items_read,
        })?;
        self.out.flush()
    }
}

/// A line of `kwic --json` (schema/kwic.v1.schema.json).
#[derive(Serialize)]
struct KwicLineOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    left: &'a str,
    #[serde(rename = "match")]
    matched: &'a str,
    right: &'a str,
    form: &'static str,
    query_word: &'a str,
    id: &'a str,
    date: Option<String>,
    program: Option<&'a str>,
    speaker: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<f64>,
    rank: usize,
}

/// The summary line of `kwic --json`.
#[derive(Serialize)]
struct KwicSummaryOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    query: &'a str,
    occurrences: usize,
    returned: usize,
    items: usize,
    items_read: usize,
}

/// `trend A B --json` and `trend --per N --json` (schema/trend.v2.schema.json).
#[derive(Serialize)]
struct TableOut<'a> {
    by: crate::search::facets::Interval,
    per: Option<u32>,
    queries: Vec<SeriesOut<'a>>,
    buckets: Vec<TableBucketOut<'a>>,
}

#[derive(Serialize)]
struct SeriesOut<'a> {
    query: &'a str,
    total: u64,
    undated: u64,
}

#[derive(Serialize)]
struct TableBucketOut<'a> {
    key: &'a str,
    start: String,
    counts: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shares: Option<Vec<Option<f64>>>,
}
