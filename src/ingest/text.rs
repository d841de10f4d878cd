//! Text items in the seed's format (`../shared/seed/dlf-2025-02-13.txt`):
//!
//! ```text
//! US-Präsident                                   kicker (optional)
//! Trump: Einigung mit Putin über …               title
//!
//! US-Präsident Trump hat …                       lead
//!
//!     Donald Trump im Oval Office                image alt text
//!     US-Präsident Donald Trump (IMAGO / …)      caption + credit
//!     Zuvor hatte Trump …                        paragraph
//!
//!     Europäer wollen an … beteiligt werden      subheading
//!
//!     Christoph Heinemann: Frau Baerbock, …      speaker turn
//!     Diese Nachricht wurde am 13.02.2025 im Programm Deutschlandfunk gesendet.
//! ```
//!
//! The trailer gives date and programme. Without it the item is indexed
//! undated, with a warning.

use super::blocks::{classify, lines};
use crate::error::{IngestError, Location};
use crate::item::{Block, BlockKind, Day, Item};
use regex::Regex;
use std::path::Path;
use std::sync::OnceLock;

fn trailer_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^Diese[rs]?\s+\S+\s+wurde\s+am\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{1,6})\s+im\s+Programm\s+(?P<program>.+?)\s+gesendet\.?$",
        )
        .expect("trailer regex is valid")
    })
}

/// A parsed text item and what the user should hear about it.
#[derive(Debug)]
pub struct Parsed {
    /// The item.
    pub item: Item,
    /// Warnings (the item is indexed all the same).
    pub warnings: Vec<String>,
}

/// Parse one text item. `id` and `source` come from the caller.
pub fn parse_text(text: &str, id: &str, path: &Path) -> Result<Parsed, IngestError> {
    let loc = Location::file(path);
    if text.trim().is_empty() {
        return Err(IngestError::Empty { loc });
    }
    let mut warnings = Vec::new();
    // The trailer is the last non-empty line.
    let raw_lines: Vec<&str> = text.lines().collect();
    let mut end = raw_lines.len();
    while end > 0 && raw_lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let mut date = None;
    let mut program = None;
    let last = raw_lines[end - 1].trim();
    if let Some(c) = trailer_re().captures(last) {
        let line_no = end as u64;
        let d = &c["date"];
        date = Some(Day::parse(d).map_err(|detail| IngestError::Date {
            loc: Location::line(path, line_no),
            text: d.to_string(),
            detail,
        })?);
        program = Some(c["program"].trim().to_string());
        end -= 1;
    } else {
        warnings.push(
            "no broadcast trailer (\"Diese Nachricht wurde am TT.MM.JJJJ im Programm … gesendet.\"); indexed without date and programme"
                .to_string(),
        );
    }
    let body = raw_lines[..end].join("\n");
    let all = lines(&body);
    // Header: the lines before the first blank line: [kicker,] title.
    let header_len = all
        .iter()
        .skip(1)
        .position(|l| l.after_blank)
        .map_or(all.len(), |p| p + 1);
    let (kicker, title, rest_from) = match header_len {
        0 => (None, String::new(), 0),
        1 => (None, all[0].text.to_string(), 1),
        _ => (Some(all[0].text), all[1].text.to_string(), 2),
    };
    let mut speakers = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    if let Some(k) = kicker {
        blocks.push(Block::new(BlockKind::Kicker, k));
    }
    let body_blocks = classify(&all[rest_from..], true, &mut speakers);
    if !body_blocks
        .iter()
        .any(|b| !matches!(b.kind, BlockKind::Credit | BlockKind::Kicker))
    {
        return Err(IngestError::MissingBody { loc });
    }
    blocks.extend(body_blocks);
    Ok(Parsed {
        item: Item {
            id: id.to_string(),
            title,
            date,
            program,
            speakers,
            blocks,
            source: path.display().to_string(),
            media: None,
            stories: Vec::new(),
        },
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "US-Präsident\nTrump: Einigung mit Putin über Aufnahme von Friedensverhandlungen\n\n\
        US-Präsident Trump hat ein Treffen ins Spiel gebracht.\n\n\
        \x20   Donald Trump im Oval Office\n\
        \x20   US-Präsident Donald Trump (IMAGO / ABACAPRESS / IMAGO / Pool / ABACA)\n\
        \x20   Zuvor hatte Trump mit Putin telefoniert.\n\n\
        \x20   US-Vertragsentwurf für Abbau seltener Erden in Ukraine\n\n\
        \x20   Präsident Selenskyj hatte den USA Zugang zu Rohstoffen angeboten.\n\
        \x20   Diese Nachricht wurde am 13.02.2025 im Programm Deutschlandfunk gesendet.\n";

    #[test]
    fn seed_format() {
        let p = parse_text(SEED, "dlf-2025-02-13", Path::new("dlf-2025-02-13.txt")).unwrap();
        let item = p.item;
        assert!(p.warnings.is_empty());
        assert_eq!(item.date.unwrap().to_string(), "2025-02-13");
        assert_eq!(item.program.as_deref(), Some("Deutschlandfunk"));
        assert!(item.title.starts_with("Trump: Einigung"));
        let kinds: Vec<_> = item.blocks.iter().map(|b| b.kind).collect();
        use BlockKind::*;
        assert_eq!(
            kinds,
            vec![
                Kicker, Lead, Caption, Caption, Credit, Paragraph, Subheading, Paragraph
            ]
        );
        assert_eq!(
            item.blocks[4].text,
            "IMAGO / ABACAPRESS / IMAGO / Pool / ABACA"
        );
        assert!(item.speakers.is_empty());
    }

    #[test]
    fn impossible_trailer_date_names_the_line() {
        let text = "Titel\n\nText.\nDiese Nachricht wurde am 31.02.2025 im Programm Deutschlandfunk gesendet.";
        let e = parse_text(text, "x", Path::new("x.txt")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.txt:4: impossible date \"31.02.2025\""),
            "{e}"
        );
    }

    #[test]
    fn no_trailer_warns() {
        let p = parse_text("Titel\n\nEin Satz.", "x", Path::new("x.txt")).unwrap();
        assert_eq!(p.item.date, None);
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn missing_body_and_empty() {
        assert!(matches!(
            parse_text("Nur ein Titel\n", "x", Path::new("x.txt")),
            Err(IngestError::MissingBody { .. })
        ));
        assert!(matches!(
            parse_text(" \n\n", "x", Path::new("x.txt")),
            Err(IngestError::Empty { .. })
        ));
    }
}
