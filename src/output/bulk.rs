//! OpenSearch `_bulk` lines (`archivar export --format opensearch-bulk`):
//! for each item an `index` action naming its id, then its document, each
//! one line of JSON ending in a newline, as the bulk API reads them.

use serde_json::{Value, json};
use std::io::Write;

/// Write one item's action and document.
pub fn write_item(out: &mut dyn Write, id: &str, source: &Value) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &json!({ "index": { "_id": id } }))?;
    out.write_all(b"\n")?;
    serde_json::to_writer(&mut *out, source)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_lines_an_item_with_newlines_inside_escaped() {
        let mut out = Vec::new();
        let src = json!({ "title": "Zölle\nund Handel" });
        write_item(&mut out, "dlf-2025-02-13", &src).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], r#"{"index":{"_id":"dlf-2025-02-13"}}"#);
        assert_eq!(serde_json::from_str::<Value>(lines[1]).unwrap(), src);
        assert!(text.ends_with('\n'));
    }
}
