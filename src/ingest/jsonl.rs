//! JSON Lines: one item a line, shaped as in `schema/item.v1.schema.json`
//! (`id`, `title`, `body`, `date`, `program`, `speaker`; fields it does not
//! know are passed over). Read as a stream, gzip-compressed or not.

use super::blocks::{classify_with_main, lines};
use super::decode::decode_line;
use super::read::{Line, Lines, MAX_LINE_BYTES};
use crate::error::{IngestError, Location};
use crate::item::{Day, Item};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::BufRead;
use std::path::Path;

/// Bytes an item's id may have. Ids are looked up whole (`show ID`,
/// replacing an item of the same id); tantivy cannot index a term of more
/// than 64 KB, so a longer id was found by search but never by `show`, and
/// each re-run added another copy. 1 KiB is far more than ids need.
pub const MAX_ID_BYTES: usize = 1024;

/// What one line gave.
#[derive(Debug)]
pub enum LineResult {
    /// An item.
    Item(Item),
    /// A bad line, reported and skipped.
    Error(IngestError),
}

/// Read items from a JSON Lines stream. `id_prefix` makes the derived ids
/// of items without an id. Calls `on_legacy` once if a line was not UTF-8.
/// A line longer than [`MAX_LINE_BYTES`] is reported and skipped without
/// being read whole.
pub fn read_jsonl(
    reader: &mut dyn BufRead,
    path: &Path,
    id_prefix: &str,
    on_item: &mut dyn FnMut(LineResult),
    on_legacy: &mut dyn FnMut(u64),
) -> Result<(), IngestError> {
    read_jsonl_from(reader, path, id_prefix, false, on_item, on_legacy)
}

/// [`read_jsonl`]; with `compressed`, a read error is a truncated or
/// corrupt file, not an unreadable one.
pub fn read_jsonl_from(
    reader: &mut dyn BufRead,
    path: &Path,
    id_prefix: &str,
    compressed: bool,
    on_item: &mut dyn FnMut(LineResult),
    on_legacy: &mut dyn FnMut(u64),
) -> Result<(), IngestError> {
    let mut buf = Vec::new();
    let mut lines = Lines::new(reader, MAX_LINE_BYTES);
    let mut line_no: u64 = 0;
    let mut warned = false;
    loop {
        let got = lines.next_line(&mut buf).map_err(|source| {
            let loc = Location::line(path, line_no + 1);
            if compressed {
                IngestError::Corrupt {
                    loc,
                    detail: source.to_string(),
                }
            } else {
                IngestError::Io { loc, source }
            }
        })?;
        let Some(got) = got else {
            return Ok(());
        };
        line_no = match got {
            Line::Whole(n) => n,
            Line::TooLong(n) => {
                on_item(LineResult::Error(IngestError::LineTooLong {
                    loc: Location::line(path, n),
                    max: MAX_LINE_BYTES,
                    hint: " (an item may have 2 MB of text); split it into several items",
                }));
                line_no = n;
                continue;
            }
        };
        let loc = Location::line(path, line_no);
        if buf.contains(&0) {
            on_item(LineResult::Error(IngestError::Binary { loc }));
            continue;
        }
        let bytes = if line_no == 1 {
            strip_bom(&buf)
        } else {
            &buf[..]
        };
        let (text, legacy) = decode_line(bytes);
        if legacy && !warned {
            warned = true;
            on_legacy(line_no);
        }
        if text.trim().is_empty() {
            continue;
        }
        on_item(match parse_line(&text, &loc, id_prefix) {
            Ok(item) => LineResult::Item(item),
            Err(e) => LineResult::Error(e),
        });
    }
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// Parse one line into an item.
pub fn parse_line(text: &str, loc: &Location, id_prefix: &str) -> Result<Item, IngestError> {
    let value: Value = serde_json::from_str(text).map_err(|e| IngestError::Json {
        loc: loc.clone(),
        detail: e.to_string(),
    })?;
    let Value::Object(obj) = value else {
        return Err(IngestError::Json {
            loc: loc.clone(),
            detail: format!("expected an object, found {}", kind_of(&value)),
        });
    };
    let field_err = |field: &'static str, detail: String| IngestError::Field {
        loc: loc.clone(),
        field,
        detail,
    };
    let opt_string = |field: &'static str| -> Result<Option<String>, IngestError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(field_err(
                field,
                format!("expected a string, found {}", kind_of(v)),
            )),
        }
    };
    let title = opt_string("title")?.unwrap_or_default();
    let body = match obj.get("body") {
        None | Some(Value::Null) => return Err(IngestError::MissingBody { loc: loc.clone() }),
        Some(Value::String(s)) => s.clone(),
        Some(v) => {
            return Err(field_err(
                "body",
                format!("expected a string, found {}", kind_of(v)),
            ));
        }
    };
    if body.trim().is_empty() {
        return Err(IngestError::MissingBody { loc: loc.clone() });
    }
    let date = match opt_string("date")? {
        None => None,
        Some(s) if s.trim().is_empty() => None,
        Some(s) => Some(Day::parse(&s).map_err(|detail| IngestError::Date {
            loc: loc.clone(),
            text: s.clone(),
            detail,
        })?),
    };
    let program = opt_string("program")?.filter(|p| !p.trim().is_empty());
    let media = opt_string("media")?
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty());
    let mut speakers: Vec<String> = Vec::new();
    for field in ["speaker", "speakers"] {
        match obj.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => push_unique(&mut speakers, s),
            Some(Value::Array(a)) => {
                for v in a {
                    match v {
                        Value::String(s) => push_unique(&mut speakers, s),
                        Value::Null => {}
                        v => {
                            return Err(IngestError::Field {
                                loc: loc.clone(),
                                field,
                                detail: format!("expected names as strings, found {}", kind_of(v)),
                            });
                        }
                    }
                }
            }
            Some(v) => {
                return Err(IngestError::Field {
                    loc: loc.clone(),
                    field,
                    detail: format!(
                        "expected a string or a list of strings, found {}",
                        kind_of(v)
                    ),
                });
            }
        }
    }
    let id = match obj.get("id") {
        None | Some(Value::Null) => derived_id(id_prefix, &title, date, &body),
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(field_err(
                "id",
                "empty id; give the item an id, or leave \"id\" out to have one derived from its content"
                    .to_string(),
            ));
        }
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(v) => {
            return Err(field_err(
                "id",
                format!("expected a string, found {}", kind_of(v)),
            ));
        }
    };
    if id.len() > MAX_ID_BYTES {
        return Err(field_err(
            "id",
            format!(
                "id of {} bytes, more than the {MAX_ID_BYTES} bytes an id may have; item skipped. Give it a shorter id",
                id.len()
            ),
        ));
    }
    let blocks = match given_blocks(obj.get("blocks"), &body, loc)? {
        // What `show --json` wrote: its blocks keep subtitle times,
        // kickers, leads, subheadings and turns, which the body alone
        // cannot tell.
        Some(blocks) => {
            for b in &blocks {
                if let (Some(s), None) = (&b.speaker, b.role) {
                    push_unique(&mut speakers, s);
                }
            }
            blocks
        }
        None => {
            let main = speakers.first().cloned();
            classify_with_main(&lines(&body), false, &mut speakers, main.as_deref())
        }
    };
    Ok(Item {
        id,
        title,
        date,
        program,
        speakers,
        blocks,
        source: loc.to_string(),
        media,
        stories: Vec::new(),
    })
}

/// The `blocks` of a line, as `show --json` writes them, if it has them:
/// each of a known kind with its text, cue offsets inside the text and in
/// order. They are taken when their text is the body's (the body was not
/// edited since), else the body is split anew.
fn given_blocks(
    v: Option<&Value>,
    body: &str,
    loc: &Location,
) -> Result<Option<Vec<crate::item::Block>>, IngestError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let bad = |detail: String| IngestError::Field {
        loc: loc.clone(),
        field: "blocks",
        detail,
    };
    let blocks: Vec<crate::item::Block> = serde_json::from_value(v.clone())
        .map_err(|e| bad(format!("{e}; expected blocks as `show --json` writes them")))?;
    for (i, b) in blocks.iter().enumerate() {
        let mut last = 0;
        for c in &b.cues {
            let at = usize::try_from(c[0]).unwrap_or(usize::MAX);
            if at > b.text.len() || !b.text.is_char_boundary(at) || c[0] < last {
                return Err(bad(format!(
                    "block {}: cue offset {} is not in order inside its text of {} bytes",
                    i + 1,
                    c[0],
                    b.text.len()
                )));
            }
            last = c[0];
        }
    }
    let same = crate::item::Item {
        id: String::new(),
        title: String::new(),
        date: None,
        program: None,
        speakers: Vec::new(),
        blocks,
        source: String::new(),
        media: None,
        stories: Vec::new(),
    };
    if blocks_text_matches(&same, body) {
        Ok(Some(same.blocks))
    } else {
        Ok(None)
    }
}

/// Whether the blocks hold the body's text (white space aside).
fn blocks_text_matches(item: &crate::item::Item, body: &str) -> bool {
    let text = item.body_text();
    let a: Vec<&str> = text.split_whitespace().collect();
    let b: Vec<&str> = body.split_whitespace().collect();
    !item.blocks.is_empty() && a == b
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    // "Dr. Alice Weidel" in the field, "Alice Weidel" in the turns: one.
    let s = super::turns::without_titles(s);
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// The id of an item that has none: the file's id prefix and the first 12
/// hex digits of SHA-256 over title, date and body. It survives reordering
/// of the file; an edited item gets a new id.
pub fn derived_id(prefix: &str, title: &str, date: Option<Day>, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    h.update([0]);
    h.update(date.map(|d| d.to_string()).unwrap_or_default().as_bytes());
    h.update([0]);
    h.update(body.as_bytes());
    let digest = h.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}#{hex}")
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::BlockKind;

    fn parse(text: &str) -> Result<Item, IngestError> {
        parse_line(text, &Location::line(Path::new("a.jsonl"), 7), "a")
    }

    #[test]
    fn reads_the_corpus_shape_and_passes_unknown_fields() {
        let item = parse(
            r#"{"id":"ts-1","title":"Zölle","body":"Die USA erheben Zölle.\nSie treffen Stahl.","date":"2025-03-12","program":"tagesschau","speaker":"Jens Riewa","air_time":"20:00","source":"x"}"#,
        )
        .unwrap();
        assert_eq!(item.id, "ts-1");
        assert_eq!(item.speakers, vec!["Jens Riewa"]);
        assert_eq!(item.blocks.len(), 2);
        assert_eq!(item.source, "a.jsonl:7");
    }

    #[test]
    fn bad_lines_say_what_is_wrong_and_where() {
        let e = parse(r#"{"id":"x","body":"Text.","date":"31.02.2025"}"#).unwrap_err();
        assert!(
            e.to_string().starts_with("a.jsonl:7: impossible date"),
            "{e}"
        );
        let e = parse(r#"{"id":"x","title":"T"}"#).unwrap_err();
        assert!(matches!(e, IngestError::MissingBody { .. }));
        let e = parse(r#"{"id":"x","body":42}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.jsonl:7: field \"body\": expected a string, found a number"
        );
        let e = parse(r#"{"id":"x","body":"#).unwrap_err();
        assert!(e.to_string().starts_with("a.jsonl:7: bad JSON"), "{e}");
        let e = parse("[1,2]").unwrap_err();
        assert!(e.to_string().contains("expected an object"), "{e}");
    }

    #[test]
    fn empty_and_overlong_ids_are_refused_by_line() {
        let e = parse(r#"{"id":"","body":"Die Rente steigt."}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.jsonl:7: field \"id\": empty id; give the item an id, or leave \"id\" out to have one derived from its content"
        );
        let long = "Rentenanpassung".repeat(70);
        let line = serde_json::json!({"id": long, "body": "Die Rente steigt."}).to_string();
        let e = parse(&line).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("a.jsonl:7: field \"id\": id of 1050 bytes, more than the 1024 bytes"),
            "{e}"
        );
        let ok = "Rentenanpassung".repeat(68);
        let line = serde_json::json!({"id": ok, "body": "Die Rente steigt."}).to_string();
        assert_eq!(parse(&line).unwrap().id.len(), 1020);
    }

    #[test]
    fn blocks_as_show_writes_them_are_kept() {
        let v = serde_json::json!({
            "id": "s1",
            "body": "Handelspolitik\n\nDie Zölle steigen.\n\nJens Riewa: Guten Abend.",
            "blocks": [
                {"kind": "kicker", "text": "Handelspolitik"},
                {"kind": "lead", "text": "Die Zölle steigen.", "start_ms": 1000, "end_ms": 2000, "cues": [[0, 1000], [4, 1500]]},
                {"kind": "turn", "text": "Guten Abend.", "speaker": "Jens Riewa"}
            ]
        });
        let item = parse(&v.to_string()).unwrap();
        assert_eq!(item.blocks[0].kind, BlockKind::Kicker);
        assert_eq!(item.blocks[1].time_at(5), Some(1500));
        assert_eq!(item.speakers, ["Jens Riewa"]);
        // An edited body is split anew; offsets outside the text are refused.
        let mut edited = v.clone();
        edited["body"] = "Die Zölle steigen weiter.".into();
        assert_eq!(
            parse(&edited.to_string()).unwrap().blocks[0].kind,
            BlockKind::Paragraph
        );
        let mut bad = v.clone();
        bad["blocks"][1]["cues"] = serde_json::json!([[99, 1000]]);
        let e = parse(&bad.to_string()).unwrap_err();
        assert!(
            e.to_string()
                .contains("field \"blocks\": block 2: cue offset 99"),
            "{e}"
        );
    }

    #[test]
    fn derived_ids_are_stable() {
        let a = parse(r#"{"title":"T","body":"B","date":"2024-01-02"}"#).unwrap();
        let b = parse(r#"{"body":"B","date":"2024-01-02","title":"T","x":1}"#).unwrap();
        assert_eq!(a.id, b.id);
        assert!(a.id.starts_with("a#"));
    }

    #[test]
    fn bundestag_turns() {
        let body = "Präsidentin Bärbel Bas: Das Wort hat die Kollegin Weidel.\n\n(Beifall bei der AfD)\n\nDr. Alice Weidel (AfD): Frau Präsidentin! Meine Damen und Herren!";
        let v = serde_json::json!({"id": "bt-1", "body": body, "speaker": "Alice Weidel"});
        let item = parse(&v.to_string()).unwrap();
        // The chair is a role, not a speaker; the title is no part of the name.
        assert_eq!(item.speakers, vec!["Alice Weidel"]);
        assert_eq!(item.blocks[0].role, Some(crate::item::Role::Chair));
        let v = serde_json::json!({"id": "bt-2", "body": body, "speaker": "Dr. Alice Weidel"});
        assert_eq!(
            parse(&v.to_string()).unwrap().speakers,
            vec!["Alice Weidel"]
        );
    }
}
