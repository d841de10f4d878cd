//! CSV output (RFC 4180: comma-separated, CRLF line ends, fields with a
//! comma, quote or line break in double quotes, quotes doubled), UTF-8,
//! optionally with a byte-order mark for spreadsheets that need one to
//! read UTF-8. One table per run, a header row first; the columns are
//! documented in `schema/csv.md`.

use super::Printer;
use crate::index::stats::Stats;
use crate::item::Item;
use crate::search::Hits;
use crate::search::facets::Trend;
use crate::search::kwic::Concordance;
use crate::search::share::Table;
use std::io::{self, Write};
use std::time::Duration;

/// The byte-order mark written first with `--csv-bom`.
pub const BOM: &str = "\u{feff}";

/// Writes CSV tables.
pub struct CsvPrinter<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> CsvPrinter<W> {
    /// A printer on `out`; with `bom`, the output starts with U+FEFF.
    pub fn new(mut out: W, bom: bool) -> io::Result<CsvPrinter<W>> {
        if bom {
            out.write_all(BOM.as_bytes())?;
        }
        let out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(out);
        Ok(CsvPrinter { out })
    }

    /// Write one row.
    pub fn row<I, T>(&mut self, fields: I) -> io::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.out.write_record(fields).map_err(into_io)
    }

    /// Flush what was written.
    pub fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The csv crate's errors are I/O errors here (a closed pipe stays one).
fn into_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A number of seconds as in `--json` (`754.2`), empty when unknown.
pub fn seconds(ms: Option<u64>) -> String {
    ms.map(|ms| format!("{}", ms as f64 / 1000.0))
        .unwrap_or_default()
}

/// A score as in `--json` (the shortest form that reads back the same),
/// empty when there is none (sorted by date).
pub fn score(s: Option<f32>) -> String {
    s.map(|s| s.to_string()).unwrap_or_default()
}

/// Columns of `search --csv`.
pub const HIT_COLUMNS: [&str; 11] = [
    "rank", "id", "score", "date", "program", "speakers", "title", "snippets", "start", "repeats",
    "source",
];

/// Columns of `search --facets --csv`.
pub const FACET_COLUMNS: [&str; 3] = ["facet", "name", "count"];

/// Columns of `kwic --csv`.
pub const KWIC_COLUMNS: [&str; 11] = [
    "left",
    "match",
    "right",
    "form",
    "query_word",
    "date",
    "program",
    "speaker",
    "start",
    "id",
    "rank",
];

/// Columns of `trend --csv` for one query.
pub const TREND_COLUMNS: [&str; 3] = ["period", "start", "count"];

impl<W: Write> Printer for CsvPrinter<W> {
    fn hits(
        &mut self,
        _query: &str,
        _offset: usize,
        hits: &Hits,
        _elapsed: Duration,
    ) -> io::Result<()> {
        // One CSV is one table: with --facets it is the facets'.
        if let Some(f) = &hits.facets {
            self.row(FACET_COLUMNS)?;
            for (facet, counts) in [("program", &f.programs), ("speaker", &f.speakers)] {
                for c in counts {
                    self.row([facet, c.name.as_str(), &c.count.to_string()])?;
                }
            }
            return self.finish();
        }
        self.row(HIT_COLUMNS)?;
        for h in &hits.hits {
            let it = &h.item;
            let snippets: Vec<&str> = h.snippets.iter().map(|s| s.text.as_str()).collect();
            self.row([
                h.rank.to_string(),
                it.id.clone(),
                score(h.score),
                it.date.map(|d| d.to_string()).unwrap_or_default(),
                it.program.clone().unwrap_or_default(),
                it.speakers.join("; "),
                it.title.clone(),
                snippets.join("\n"),
                seconds(h.snippets.first().and_then(|s| s.start_ms)),
                h.repeats.total.to_string(),
                it.source.clone(),
            ])?;
        }
        self.finish()
    }

    fn item(&mut self, _item: &Item) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "an item has no CSV form; use --json",
        ))
    }

    fn stats(&mut self, _stats: &Stats) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "statistics have no CSV form; use --json",
        ))
    }

    fn trend(&mut self, t: &Trend) -> io::Result<()> {
        self.row(TREND_COLUMNS)?;
        for b in &t.buckets {
            self.row([b.key.clone(), b.start.to_string(), b.count.to_string()])?;
        }
        self.finish()
    }

    fn trend_table(&mut self, t: &Table) -> io::Result<()> {
        let mut head = vec!["period".to_string(), "start".to_string()];
        if t.items.is_some() {
            head.push("items".to_string());
        }
        for s in &t.series {
            head.push(s.query.clone());
            if let Some(n) = t.per {
                head.push(format!("{} per {n}", s.query));
            }
        }
        self.row(&head)?;
        for (p, (key, start)) in t.periods.iter().enumerate() {
            let mut row = vec![key.clone(), start.to_string()];
            if let Some(items) = &t.items {
                row.push(items[p].to_string());
            }
            for (q, s) in t.series.iter().enumerate() {
                row.push(s.counts[p].to_string());
                if t.per.is_some() {
                    row.push(t.share(q, p).map(|x| x.to_string()).unwrap_or_default());
                }
            }
            self.row(&row)?;
        }
        self.finish()
    }

    fn kwic(&mut self, c: &Concordance) -> io::Result<()> {
        self.row(KWIC_COLUMNS)?;
        for l in &c.lines {
            self.row([
                l.left.clone(),
                l.matched.clone(),
                l.right.clone(),
                l.form.name().to_string(),
                l.query_word.clone(),
                l.date.map(|d| d.to_string()).unwrap_or_default(),
                l.program.clone().unwrap_or_default(),
                l.speaker.clone().unwrap_or_default(),
                seconds(l.start_ms),
                l.id.clone(),
                l.rank.to_string(),
            ])?;
        }
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_of(rows: &[&[&str]], bom: bool) -> String {
        let mut buf = Vec::new();
        {
            let mut p = CsvPrinter::new(&mut buf, bom).unwrap();
            for r in rows {
                p.row(r.iter()).unwrap();
            }
            p.finish().unwrap();
        }
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn awkward_fields_are_quoted_as_rfc_4180_says() {
        let out = csv_of(
            &[
                &["id", "title"],
                &["dlf-1", "Zölle, Stahl und \"Deals\""],
                &["dlf-2", "Erste Zeile\nzweite Zeile"],
                &["dlf-3", "Straße"],
            ],
            false,
        );
        assert_eq!(
            out,
            "id,title\r\ndlf-1,\"Zölle, Stahl und \"\"Deals\"\"\"\r\n\
             dlf-2,\"Erste Zeile\nzweite Zeile\"\r\ndlf-3,Straße\r\n"
        );
    }

    #[test]
    fn bom_comes_first() {
        let out = csv_of(&[&["period", "count"]], true);
        assert_eq!(out, "\u{feff}period,count\r\n");
    }

    #[test]
    fn scores_and_seconds_as_in_json() {
        assert_eq!(score(Some(12.5)), "12.5");
        assert_eq!(score(Some(3.0)), "3");
        assert_eq!(score(None), "");
        assert_eq!(seconds(Some(754_200)), "754.2");
        assert_eq!(seconds(None), "");
    }
}
