//! Last guards on an item before it is indexed, whatever format it came in:
//! its size, and control characters.
//!
//! - An item may hold up to [`MAX_ITEM_BYTES`] of text. Larger ones (a
//!   20 MB line) are reported and skipped: the longest item of
//!   `../shared/corpora` has 82 KB, and snippets of a 20 MB item took
//!   minutes.
//! - Control characters other than tab and line breaks (NUL, ESC, C1) are
//!   removed with a warning: they carry no text, and an ESC in a title
//!   would be a terminal escape sequence in `archivar search` output.

use crate::item::Item;

/// Most bytes of text an item may have: 2 MiB, 25 times the longest item
/// of the shared corpora.
pub const MAX_ITEM_BYTES: usize = 2 << 20;

/// Bytes of text in an item: id, title, programme, speakers and blocks.
pub fn item_bytes(item: &Item) -> usize {
    item.id.len()
        + item.title.len()
        + item.program.as_ref().map_or(0, String::len)
        + item.speakers.iter().map(String::len).sum::<usize>()
        + item
            .blocks
            .iter()
            .map(|b| b.text.len() + b.speaker.as_ref().map_or(0, String::len))
            .sum::<usize>()
}

fn unwanted(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn strip(s: &mut String, removed: &mut usize, first: &mut Option<char>) {
    if s.contains(unwanted) {
        let before = s.chars().count();
        if first.is_none() {
            *first = s.chars().find(|c| unwanted(*c));
        }
        s.retain(|c| !unwanted(c));
        *removed += before - s.chars().count();
    }
}

/// Remove control characters (but tab and line breaks) from every text
/// of the item; returns how many there were and the first of them.
pub fn strip_controls(item: &mut Item) -> (usize, Option<char>) {
    let (mut n, mut first) = (0, None);
    strip(&mut item.id, &mut n, &mut first);
    strip(&mut item.title, &mut n, &mut first);
    if let Some(p) = &mut item.program {
        strip(p, &mut n, &mut first);
    }
    for s in &mut item.speakers {
        strip(s, &mut n, &mut first);
    }
    for b in &mut item.blocks {
        strip(&mut b.text, &mut n, &mut first);
        if let Some(s) = &mut b.speaker {
            strip(s, &mut n, &mut first);
        }
    }
    (n, first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::{Block, BlockKind};

    #[test]
    fn controls_go_text_stays() {
        let mut item = Item {
            id: "x".into(),
            title: "Zölle\u{1b}[2J steigen\u{0}".into(),
            date: None,
            program: Some("Deutschlandfunk\u{85}".into()),
            speakers: vec![],
            blocks: vec![Block::new(
                BlockKind::Paragraph,
                "Straße\tund\nWeg \u{7}العربية 🙂",
            )],
            source: "x.jsonl:1".into(),
            media: None,
            stories: Vec::new(),
        };
        assert_eq!(strip_controls(&mut item), (4, Some('\u{1b}')));
        assert_eq!(item.title, "Zölle[2J steigen");
        assert_eq!(item.program.as_deref(), Some("Deutschlandfunk"));
        assert_eq!(item.blocks[0].text, "Straße\tund\nWeg العربية 🙂");
        assert_eq!(strip_controls(&mut item), (0, None));
        assert_eq!(
            item_bytes(&item),
            item.id.len() + item.title.len() + 15 + item.blocks[0].text.len()
        );
    }
}
