//! JSON Lines: one item a line, shaped as in `schema/item.v1.schema.json`
//! (`id`, `title`, `body`, `date`, `program`, `speaker`; fields it does not
//! know are passed over). Read as a stream, gzip-compressed or not.

use super::blocks::{classify, lines};
use super::decode::decode_line;
use crate::error::{IngestError, Location};
use crate::item::{Day, Item};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::BufRead;
use std::path::Path;

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
pub fn read_jsonl(
    reader: &mut dyn BufRead,
    path: &Path,
    id_prefix: &str,
    on_item: &mut dyn FnMut(LineResult),
    on_legacy: &mut dyn FnMut(u64),
) -> Result<(), IngestError> {
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    let mut warned = false;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| IngestError::Io {
                loc: Location::line(path, line_no + 1),
                source,
            })?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
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
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(v) => {
            return Err(field_err(
                "id",
                format!("expected a non-empty string, found {}", kind_of(v)),
            ));
        }
    };
    let blocks = classify(&lines(&body), false, &mut speakers);
    Ok(Item {
        id,
        title,
        date,
        program,
        speakers,
        blocks,
        source: loc.to_string(),
        media,
    })
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    let s = s.trim();
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
        assert_eq!(item.speakers, vec!["Alice Weidel", "Bärbel Bas"]);
    }
}
