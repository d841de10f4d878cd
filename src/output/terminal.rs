//! Terminal output: hits as a reader wants them, colour only on a terminal.

use super::Printer;
use crate::index::stats::Stats;
use crate::item::{BlockKind, Item, clock};
use crate::search::Hits;
use crate::search::facets::Trend;
use crate::search::kwic::{Concordance, Form};
use crate::search::share::Table;
use std::io;
use std::time::Duration;
use termcolor::{Color, ColorSpec, WriteColor};

/// Longest title shown in a hit list, in characters.
const TITLE_CHARS: usize = 120;

/// Writes hits for people.
pub struct TerminalPrinter<W: WriteColor> {
    out: W,
}

impl<W: WriteColor> TerminalPrinter<W> {
    /// A printer on `out`.
    pub fn new(out: W) -> TerminalPrinter<W> {
        TerminalPrinter { out }
    }

    fn styled(&mut self, text: &str, spec: &ColorSpec) -> io::Result<()> {
        self.out.set_color(spec)?;
        write!(self.out, "{text}")?;
        self.out.reset()
    }

    /// Text with marked spans (character offsets) in the match colour.
    fn marked(&mut self, text: &str, marks: &[(usize, usize)], base: &ColorSpec) -> io::Result<()> {
        let mut hit = base.clone();
        hit.set_fg(Some(Color::Red)).set_bold(true);
        for (piece, marked) in super::pieces(text, marks) {
            self.styled(piece, if marked { &hit } else { base })?;
        }
        Ok(())
    }
}

fn dim() -> ColorSpec {
    let mut c = ColorSpec::new();
    c.set_dimmed(true);
    c
}

fn fg(color: Color) -> ColorSpec {
    let mut c = ColorSpec::new();
    c.set_fg(Some(color));
    c
}

impl<W: WriteColor> TerminalPrinter<W> {
    /// `search --explain`: the scores, then a line per form found.
    fn explanation(
        &mut self,
        e: &crate::search::explain::Explanation,
        pad: &str,
    ) -> io::Result<()> {
        let score = e
            .score
            .map_or("– (sorted by date)".to_string(), |s| format!("{s:.3}"));
        let bonus = e.score.map_or(0.0, |s| s - e.bm25);
        // Another engine's BM25 says whose it is (its note is on stderr).
        let bm25 = if e.note.is_some() {
            "BM25 (OpenSearch)"
        } else {
            "BM25"
        };
        let how = if bonus > 1e-3 {
            format!(
                " = {bm25} {:.3} + {} × passage {:.3} + {} × story {:.3}",
                e.bm25, e.passage_weight, e.passage, e.story_weight, e.story
            )
        } else {
            format!(
                " = {bm25} {:.3} (passage {:.3}, story {:.3}, not reranked)",
                e.bm25, e.passage, e.story
            )
        };
        write!(self.out, "{pad}")?;
        self.styled(&format!("why: score {score}{how}\n"), &dim())?;
        for f in &e.found {
            write!(self.out, "{pad}     ")?;
            let spellings: Vec<String> = f.spellings.iter().map(|s| format!("\"{s}\"")).collect();
            let label = f.kind.name().replace('_', " ");
            let label = if f.kind == crate::search::explain::Kind::Phonetic {
                "phonetic (name variant)".to_string()
            } else if f.kind == crate::search::explain::Kind::Misspelling {
                "misspelling (one letter off)".to_string()
            } else if f.kind.matches() {
                label
            } else {
                format!("{label}, ranks only")
            };
            let line = format!(
                "{} → {} ×{} [{label}] weight {} · idf {:.2}\n",
                f.query_word,
                spellings.join(", "),
                f.count,
                f.weight,
                f.idf
            );
            if f.kind.matches() {
                write!(self.out, "{line}")?;
            } else {
                self.styled(&line, &dim())?;
            }
        }
        Ok(())
    }
}

/// Width of the longest bar of a trend, in characters.
const TREND_WIDTH: usize = 50;

/// A bar of `count / max` of `width` characters, in eighths of a block.
fn bar(count: u64, max: u64, width: usize) -> String {
    if max == 0 || count == 0 {
        return String::new();
    }
    let eighths = ((count as f64 / max as f64) * (width * 8) as f64)
        .round()
        .max(1.0) as usize;
    let mut s = "█".repeat(eighths / 8);
    let part = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8];
    s.push_str(part);
    s
}

fn kind_label(kind: BlockKind) -> Option<&'static str> {
    match kind {
        BlockKind::Caption => Some("caption"),
        BlockKind::Subheading => Some("subheading"),
        _ => None,
    }
}

impl<W: WriteColor> Printer for TerminalPrinter<W> {
    fn hits(
        &mut self,
        _query: &str,
        offset: usize,
        hits: &Hits,
        elapsed: Duration,
    ) -> io::Result<()> {
        // An empty page is said on stderr (app.rs); facets still print.
        let width = hits.hits.last().map_or(1, |h| h.rank.to_string().len());
        for h in &hits.hits {
            let it = &h.item;
            self.styled(&format!("{:>width$}. ", h.rank), &dim())?;
            let (title, marks) = if it.title.chars().count() > TITLE_CHARS {
                let t: String = it.title.chars().take(TITLE_CHARS).collect();
                (format!("{t}…"), h.title_highlights.clone())
            } else if it.title.is_empty() {
                ("(untitled)".to_string(), Vec::new())
            } else {
                (it.title.clone(), h.title_highlights.clone())
            };
            let mut bold = ColorSpec::new();
            bold.set_bold(true);
            self.marked(&title, &marks, &bold)?;
            writeln!(self.out)?;
            let pad = " ".repeat(width + 2);
            write!(self.out, "{pad}")?;
            let date = it.date.map_or("undated".to_string(), |d| d.to_string());
            self.styled(&date, &fg(Color::Green))?;
            if let Some(p) = &it.program {
                self.styled(" · ", &dim())?;
                self.styled(p, &fg(Color::Cyan))?;
            }
            if !it.speakers.is_empty() {
                self.styled(" · ", &dim())?;
                let shown: Vec<&str> = it.speakers.iter().take(3).map(String::as_str).collect();
                let more = it.speakers.len().saturating_sub(3);
                let mut s = shown.join(", ");
                if more > 0 {
                    s.push_str(&format!(" +{more}"));
                }
                write!(self.out, "{s}")?;
            }
            self.styled(" · ", &dim())?;
            self.styled(&it.id, &fg(Color::Magenta))?;
            writeln!(self.out)?;
            if let Some((n, s)) = h.story.and_then(|n| Some((n, it.stories.get(n)?))) {
                write!(self.out, "{pad}")?;
                self.styled(
                    &format!(
                        "story {} of {}, {} (show {} --story {})\n",
                        n + 1,
                        it.stories.len(),
                        s.span(),
                        it.id,
                        n + 1
                    ),
                    &dim(),
                )?;
            }
            if h.repeats.total > 0 {
                let r = &h.repeats;
                let times = if r.total == 1 { "time" } else { "times" };
                let shown: Vec<String> = r
                    .items
                    .iter()
                    .map(|x| {
                        let mut s = x.date.map_or("undated".to_string(), |d| d.to_string());
                        if let Some(p) = &x.program {
                            s.push(' ');
                            s.push_str(p);
                        }
                        format!("{s} ({})", x.id)
                    })
                    .collect();
                let more = if r.total > r.items.len() { ", …" } else { "" };
                write!(self.out, "{pad}")?;
                self.styled(
                    &format!(
                        "also aired {} more {times}: {}{more}\n",
                        r.total,
                        shown.join(", ")
                    ),
                    &dim(),
                )?;
            }
            for s in &h.snippets {
                write!(self.out, "{pad}")?;
                if let Some(ms) = s.start_ms {
                    self.styled(&format!("{} ", clock(ms)), &fg(Color::Blue))?;
                }
                if s.speaker_unknown() {
                    self.styled("(speaker unknown) ", &dim())?;
                } else if let Some(sp) = &s.speaker {
                    self.styled(&format!("{sp}: "), &fg(Color::Yellow))?;
                } else if let Some(label) = kind_label(s.kind) {
                    self.styled(&format!("[{label}] "), &dim())?;
                }
                self.marked(&s.text, &s.highlights, &ColorSpec::new())?;
                writeln!(self.out)?;
            }
            if let Some(e) = &h.explain {
                self.explanation(e, &pad)?;
            }
            writeln!(self.out)?;
        }
        if let Some(f) = &hits.facets {
            let mut bold = ColorSpec::new();
            bold.set_bold(true);
            for (label, counts) in [("Programmes", &f.programs), ("Speakers", &f.speakers)] {
                self.styled(&format!("{label} of all {} hits\n", hits.total), &bold)?;
                if counts.is_empty() {
                    self.styled("  –\n", &dim())?;
                }
                for c in counts {
                    writeln!(self.out, "  {:>7}  {}", c.count, c.name)?;
                }
            }
            writeln!(self.out)?;
        }
        if hits.hits.is_empty() {
            return self.out.flush();
        }
        let noun = if hits.total == 1 { "hit" } else { "hits" };
        let first = offset + 1;
        let last = offset + hits.hits.len();
        let folded: usize = hits.hits.iter().map(|h| h.repeats.total).sum();
        let folded = match folded {
            0 => String::new(),
            1 => " · 1 repeat folded in (--no-collapse shows it)".to_string(),
            n => format!(" · {n} repeats folded in (--no-collapse shows them)"),
        };
        self.styled(
            &format!(
                "{first}–{last} of {}{} {noun}{folded} · {:.1} ms\n",
                hits.total,
                if hits.total_exact { "" } else { "+" },
                elapsed.as_secs_f64() * 1e3
            ),
            &dim(),
        )?;
        self.out.flush()
    }

    fn item(&mut self, item: &Item) -> io::Result<()> {
        let mut bold = ColorSpec::new();
        bold.set_bold(true);
        let kicker = item.blocks.iter().find(|b| b.kind == BlockKind::Kicker);
        if let Some(k) = kicker {
            self.styled(&format!("{}\n", k.text), &fg(Color::Cyan))?;
        }
        self.styled(&format!("{}\n", item.title), &bold)?;
        let date = item.date.map_or("undated".to_string(), |d| d.to_string());
        self.styled(&date, &fg(Color::Green))?;
        if let Some(p) = &item.program {
            write!(self.out, " · {p}")?;
        }
        self.styled(&format!(" · {} · {}\n", item.id, item.source), &dim())?;
        if !item.speakers.is_empty() {
            writeln!(self.out, "Speakers: {}", item.speakers.join(", "))?;
        }
        let mut last_speaker: Option<&str> = None;
        for b in &item.blocks {
            match b.kind {
                BlockKind::Kicker => continue,
                BlockKind::Lead => {
                    writeln!(self.out)?;
                    self.styled(&format!("{}\n", b.text), &bold)?;
                }
                BlockKind::Subheading => {
                    writeln!(self.out)?;
                    self.styled(&format!("{}\n", b.text), &bold)?;
                }
                BlockKind::Caption if b.is_timed() => {
                    writeln!(self.out)?;
                    self.styled(
                        &format!("{} ", clock(b.start_ms.unwrap_or(0))),
                        &fg(Color::Blue),
                    )?;
                    self.styled(&format!("[note] {}\n", b.text), &dim())?;
                }
                BlockKind::Caption => self.styled(&format!("\n[caption] {}", b.text), &dim())?,
                BlockKind::Credit => self.styled(&format!(" ({})\n", b.text), &dim())?,
                BlockKind::Turn if b.is_timed() => {
                    writeln!(self.out)?;
                    self.styled(
                        &format!("{} ", clock(b.start_ms.unwrap_or(0))),
                        &fg(Color::Blue),
                    )?;
                    match &b.speaker {
                        Some(s) => self.styled(&format!("{s}: "), &fg(Color::Yellow))?,
                        None => self.styled("(speaker unknown) ", &dim())?,
                    }
                    writeln!(self.out, "{}", b.text)?;
                }
                BlockKind::Turn => {
                    let sp = b.speaker.as_deref();
                    if sp != last_speaker || sp.is_none() {
                        writeln!(self.out)?;
                        if let Some(s) = sp {
                            self.styled(&format!("{s}: "), &fg(Color::Yellow))?;
                        }
                    }
                    writeln!(self.out, "{}", b.text)?;
                    last_speaker = sp;
                    continue;
                }
                BlockKind::Paragraph => {
                    writeln!(self.out)?;
                    writeln!(self.out, "{}", b.text)?;
                }
            }
            last_speaker = None;
        }
        self.out.flush()
    }

    fn trend(&mut self, t: &Trend) -> io::Result<()> {
        let max = t.buckets.iter().map(|b| b.count).max().unwrap_or(0);
        let key_w = t.buckets.iter().map(|b| b.key.len()).max().unwrap_or(0);
        let count_w = max.to_string().len();
        for b in &t.buckets {
            self.styled(&format!("{:<key_w$}  ", b.key), &fg(Color::Green))?;
            write!(self.out, "{:>count_w$} ", b.count)?;
            self.styled(&bar(b.count, max, TREND_WIDTH), &fg(Color::Cyan))?;
            writeln!(self.out)?;
        }
        let noun = if t.total == 1 { "item" } else { "items" };
        let mut summary = format!("{} matching {noun}", t.total);
        if t.undated > 0 {
            summary.push_str(&format!(", {} undated (not shown)", t.undated));
        }
        self.styled(&format!("{summary}\n"), &dim())?;
        self.out.flush()
    }

    fn trend_table(&mut self, t: &Table) -> io::Result<()> {
        let unit = match t.per {
            Some(1000) => "‰".to_string(),
            Some(100) => "%".to_string(),
            Some(n) => format!("per {n}"),
            None => String::new(),
        };
        let share = |q: usize, p: usize| {
            t.share(q, p)
                .map_or("–".to_string(), |x| format!("{x:.2} {unit}"))
        };
        // Columns: the period, the items (with --per), then per query its
        // count and (with --per) its share, each as wide as its widest cell.
        let mut head = vec!["period".to_string()];
        let mut rows: Vec<Vec<String>> = t.periods.iter().map(|(k, _)| vec![k.clone()]).collect();
        if let Some(items) = &t.items {
            head.push("items".to_string());
            for (row, n) in rows.iter_mut().zip(items) {
                row.push(n.to_string());
            }
        }
        for (q, s) in t.series.iter().enumerate() {
            head.push(s.query.clone());
            if t.per.is_some() {
                head.push(unit.clone());
            }
            for (p, row) in rows.iter_mut().enumerate() {
                row.push(s.counts[p].to_string());
                if t.per.is_some() {
                    row.push(share(q, p));
                }
            }
        }
        let chars = |s: &str| s.chars().count();
        let widths: Vec<usize> = (0..head.len())
            .map(|c| {
                rows.iter()
                    .map(|r| chars(&r[c]))
                    .chain([chars(&head[c])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let cell = |c: usize, text: &str| {
            let pad = " ".repeat(widths[c] - chars(text));
            if c == 0 {
                format!("{text}{pad}")
            } else {
                format!("{pad}{text}")
            }
        };
        let mut bold = ColorSpec::new();
        bold.set_bold(true);
        let line: Vec<String> = head.iter().enumerate().map(|(c, h)| cell(c, h)).collect();
        self.styled(&format!("{}\n", line.join("  ")), &bold)?;
        for row in &rows {
            self.styled(&cell(0, &row[0]), &fg(Color::Green))?;
            let rest: Vec<String> = row
                .iter()
                .enumerate()
                .skip(1)
                .map(|(c, x)| cell(c, x))
                .collect();
            writeln!(self.out, "  {}", rest.join("  "))?;
        }
        for s in &t.series {
            let noun = if s.total == 1 { "item" } else { "items" };
            let mut summary = format!("{}: {} matching {noun}", s.query, s.total);
            if s.undated > 0 {
                summary.push_str(&format!(", {} undated (not shown)", s.undated));
            }
            self.styled(&format!("{summary}\n"), &dim())?;
        }
        if let (Some(n), Some(_)) = (t.per, &t.items) {
            self.styled(
                &format!(
                    "{unit}: matching items per {n} items of the period that pass the filters\n"
                ),
                &dim(),
            )?;
        }
        self.out.flush()
    }

    fn kwic(&mut self, c: &Concordance) -> io::Result<()> {
        // Aligned on the match: the left context right-aligned to the
        // widest shown, the match, the right context padded likewise.
        let chars = |s: &str| s.chars().count();
        let lw = c.lines.iter().map(|l| chars(&l.left)).max().unwrap_or(0);
        let rw = c.lines.iter().map(|l| chars(&l.right)).max().unwrap_or(0);
        let mw = c.lines.iter().map(|l| chars(&l.matched)).max().unwrap_or(0);
        let mut hit = fg(Color::Red);
        hit.set_bold(true);
        for l in &c.lines {
            let pad = lw - chars(&l.left);
            write!(self.out, "{}{}", " ".repeat(pad), l.left)?;
            self.styled(&l.matched, &hit)?;
            let pad = (mw - chars(&l.matched)) + (rw - chars(&l.right));
            write!(self.out, "{}{}  ", l.right, " ".repeat(pad))?;
            let date = l.date.map_or("undated".to_string(), |d| d.to_string());
            self.styled(&date, &fg(Color::Green))?;
            if let Some(p) = &l.program {
                self.styled(" · ", &dim())?;
                self.styled(p, &fg(Color::Cyan))?;
            }
            if let Some(sp) = &l.speaker {
                self.styled(" · ", &dim())?;
                self.styled(sp, &fg(Color::Yellow))?;
            }
            if let Some(ms) = l.start_ms {
                self.styled(" · ", &dim())?;
                self.styled(&clock(ms), &fg(Color::Blue))?;
            }
            self.styled(" · ", &dim())?;
            self.styled(&l.id, &fg(Color::Magenta))?;
            if l.form != Form::Word {
                self.styled(&format!(" [{}]", l.form.name().replace('_', " ")), &dim())?;
            }
            writeln!(self.out)?;
        }
        if c.occurrences > 0 {
            let lines = if c.occurrences == 1 {
                "occurrence"
            } else {
                "occurrences"
            };
            let items = if c.items == 1 { "item" } else { "items" };
            let shown = if c.lines.len() < c.occurrences {
                format!(" · {} shown (--limit)", c.lines.len())
            } else {
                String::new()
            };
            self.styled(
                &format!(
                    "{} {lines} in {} matching {items}{shown}\n",
                    c.occurrences, c.items
                ),
                &dim(),
            )?;
        }
        self.out.flush()
    }

    fn stats(&mut self, s: &Stats) -> io::Result<()> {
        let mut bold = ColorSpec::new();
        bold.set_bold(true);
        self.styled("Index     ", &bold)?;
        writeln!(self.out, "{} (schema v{})", s.index, s.schema_version)?;
        self.styled("Items     ", &bold)?;
        writeln!(self.out, "{} ({} undated)", s.items, s.undated)?;
        self.styled("Dates     ", &bold)?;
        match (&s.first_date, &s.last_date) {
            (Some(a), Some(b)) => writeln!(self.out, "{a} – {b}")?,
            _ => writeln!(self.out, "–")?,
        }
        self.styled("Size      ", &bold)?;
        writeln!(self.out, "{:.1} MB on disk", s.index_bytes as f64 / 1e6)?;
        self.styled(&format!("\nProgrammes ({})\n", s.programs.len()), &bold)?;
        for c in &s.programs {
            writeln!(self.out, "  {:>7}  {}", c.count, c.name)?;
        }
        self.styled(
            &format!(
                "\nSpeakers ({}, top {})\n",
                s.speakers_total,
                s.speakers.len()
            ),
            &bold,
        )?;
        for c in &s.speakers {
            writeln!(self.out, "  {:>7}  {}", c.count, c.name)?;
        }
        self.out.flush()
    }
}
