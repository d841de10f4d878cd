//! Output: hits, items and statistics as terminal text or JSON Lines.
//! Only this module writes to stdout.

pub mod bulk;
pub mod csv;
pub mod json;
pub mod manual;
pub mod safe;
pub mod terminal;

use crate::index::stats::Stats;
use crate::item::Item;
use crate::search::Hits;
use crate::search::facets::Trend;
use crate::search::kwic::Concordance;
use crate::search::share::Table;
use std::fmt;
use std::io;
use std::time::Duration;

/// Something that prints results.
pub trait Printer {
    /// Print a page of hits (facets also when the page is empty).
    fn hits(
        &mut self,
        query: &str,
        offset: usize,
        hits: &Hits,
        elapsed: Duration,
    ) -> io::Result<()>;
    /// Print one whole item.
    fn item(&mut self, item: &Item) -> io::Result<()>;
    /// Print index statistics.
    fn stats(&mut self, stats: &Stats) -> io::Result<()>;
    /// Print a trend: matching items per period.
    fn trend(&mut self, trend: &Trend) -> io::Result<()>;
    /// Print several trends side by side, with shares (`trend A B --per N`).
    fn trend_table(&mut self, _table: &Table) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this output has no form for trends side by side",
        ))
    }
    /// Print a concordance (keyword in context).
    fn kwic(&mut self, _concordance: &Concordance) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this output has no concordance form",
        ))
    }
}

/// Cut `text` into its plain and marked pieces, in order: `marks` are
/// [start, end) spans in characters, sorted, as in [`Hits`]. Spans past the
/// end are cut to it, overlapping ones skipped, empty pieces left out. The
/// terminal colours the marked pieces, the web page wraps them in `<mark>`.
pub fn pieces<'a>(text: &'a str, marks: &[(usize, usize)]) -> Vec<(&'a str, bool)> {
    // Byte offset of each character boundary, the end included.
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let chars = bounds.len() - 1;
    let mut out = Vec::new();
    let mut at = 0;
    for &(s, e) in marks {
        let (s, e) = (s.min(chars), e.min(chars));
        if s < at || e <= s {
            continue;
        }
        if s > at {
            out.push((&text[bounds[at]..bounds[s]], false));
        }
        out.push((&text[bounds[s]..bounds[e]], true));
        at = e;
    }
    if at < chars {
        out.push((&text[bounds[at]..], false));
    }
    out
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set or TERM is dumb.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// Whether to colour stdout.
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        }
    }
}

/// Print a message for the user on stderr, `archivar: ` first, with what
/// came from outside (paths, ids, titles) escaped ([`safe`]).
pub fn report(message: fmt::Arguments<'_>) {
    eprintln!("archivar: {}", safe::escape(&message.to_string()));
}

/// [`report`] with `format!` arguments.
#[macro_export]
macro_rules! report {
    ($($arg:tt)*) => {
        $crate::output::report(format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn pieces_follow_character_offsets() {
        // "Rohstoffabkommen" starts at character 4, after the umlaut.
        let text = "Für Rohstoffabkommen mit Selenskyj";
        assert_eq!(
            pieces(text, &[(4, 20), (25, 34)]),
            [
                ("Für ", false),
                ("Rohstoffabkommen", true),
                (" mit ", false),
                ("Selenskyj", true)
            ]
        );
        assert_eq!(pieces("Zölle", &[]), [("Zölle", false)]);
        // Out of range and overlapping spans do not panic.
        assert_eq!(
            pieces("Zölle", &[(0, 2), (1, 3), (3, 99)]),
            [("Zö", true), ("l", false), ("le", true)]
        );
    }
}
