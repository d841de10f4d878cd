//! The index on an OpenSearch cluster (issue 14), made from the same
//! schema file as the local index (`schema/index.v5.toml`): an index
//! template, and each item's document as the cluster stores it.
//!
//! Text fields hold archivar's own analysed terms (stems, folded umlauts,
//! compound parts, numbers), separated by spaces, and the cluster splits
//! them at the spaces only (`whitespace` tokenizer): queries are analysed
//! by archivar too ([`crate::search::dsl`]), so both sides meet on the
//! same terms. BM25 and length normalisation follow the schema: tantivy's
//! k1 1.2 and b 0.75, no norms where the schema keeps none.
//!
//! What the cluster cannot keep: terms that share a position (the glued
//! form of a hyphenated word and its parts) follow one another, so a
//! phrase across such a word needs one more word of slop there.

use super::Archive;
use super::schema::{ArchiveSchema, FieldKind};
use crate::error::IndexError;
use serde_json::{Value, json};
use tantivy::TantivyDocument;
use tantivy::schema::{OwnedValue, document::Document as _};
use tantivy::tokenizer::TokenStream as _;

/// The analyzer of the template's text fields.
pub const TERMS_ANALYZER: &str = "archivar_terms";

/// The `_meta` key that holds the schema version an index was made with.
pub const VERSION_KEY: &str = "archivar_schema";

/// The index settings and mappings for `schema`, with `shards` primary
/// shards and `replicas` copies of each.
pub fn template(schema: &ArchiveSchema, shards: u32, replicas: u32) -> Value {
    let mut properties = serde_json::Map::new();
    for spec in &schema.specs {
        let mapping = match spec.kind {
            FieldKind::Text => json!({
                "type": "text",
                "analyzer": TERMS_ANALYZER,
                "norms": spec.fieldnorms,
                "index_options": if spec.positions { "positions" } else { "freqs" },
            }),
            FieldKind::Keyword => json!({ "type": "keyword", "doc_values": spec.fast }),
            // Days since 1970-01-01, years 1000–9999: within an integer.
            FieldKind::Day => json!({ "type": "integer" }),
            // The item as archivar stores it, kept in _source, not searched.
            FieldKind::Stored => json!({ "type": "object", "enabled": false }),
            FieldKind::U64 => json!({ "type": "unsigned_long" }),
            FieldKind::Bytes => json!({ "type": "binary", "doc_values": spec.fast }),
        };
        properties.insert(spec.name.clone(), mapping);
    }
    json!({
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "similarity": { "default": { "type": "BM25", "k1": 1.2, "b": 0.75 } },
            "analysis": { "analyzer": { TERMS_ANALYZER: {
                "type": "custom",
                "tokenizer": "whitespace",
            }}},
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": { VERSION_KEY: schema.version },
            "properties": properties,
        },
    })
}

/// A local index document as the cluster's `_source`: text fields as
/// their analysed terms, keywords and numbers as they are, the stored
/// item as its JSON object, bytes in base64.
pub fn source(archive: &Archive, doc: &TantivyDocument) -> Result<Value, IndexError> {
    let schema = &archive.schema;
    let mut out = serde_json::Map::new();
    let mut analyzers = std::collections::HashMap::new();
    for (field, values) in doc.get_sorted_field_values() {
        let Some(spec) = schema
            .specs
            .iter()
            .find(|s| s.name == schema.schema.get_field_name(field))
        else {
            continue;
        };
        let mut vals = Vec::new();
        for v in values {
            let v: OwnedValue = v.into();
            let json = match (spec.kind, v) {
                (FieldKind::Text, OwnedValue::Str(text)) => {
                    // One analyzer a field, not one a paragraph.
                    let analyzer = match analyzers.entry(field) {
                        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => e.insert(
                            archive
                                .index
                                .tokenizer_for_field(field)
                                .map_err(|e| archive.tantivy(e))?,
                        ),
                    };
                    let mut terms = String::with_capacity(text.len());
                    let mut stream = analyzer.token_stream(&text);
                    while stream.advance() {
                        if !terms.is_empty() {
                            terms.push(' ');
                        }
                        terms.push_str(&stream.token().text);
                    }
                    Value::String(terms)
                }
                (FieldKind::Stored, OwnedValue::Bytes(b)) => serde_json::from_slice(&b)
                    .map_err(|e| IndexError::Schema(format!("stored item is no JSON: {e}")))?,
                (FieldKind::Bytes, OwnedValue::Bytes(b)) => Value::String(base64(&b)),
                (_, OwnedValue::Str(s)) => Value::String(s),
                (_, OwnedValue::I64(n)) => json!(n),
                (_, OwnedValue::U64(n)) => json!(n),
                _ => continue,
            };
            vals.push(json);
        }
        let value = match vals.len() {
            0 => continue,
            1 => vals.pop().unwrap_or(Value::Null),
            _ => Value::Array(vals),
        };
        out.insert(spec.name.clone(), value);
    }
    Ok(Value::Object(out))
}

/// An item's document as the cluster's `_source`: the fields the local
/// index gives it ([`source`] of its document).
pub fn item_source(archive: &Archive, item: &crate::item::Item) -> Result<Value, IndexError> {
    source(archive, &super::writer::document(archive, None, item)?)
}

/// Standard base64 with padding (OpenSearch's `binary`).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_follows_the_schema_file() {
        let schema = ArchiveSchema::embedded().unwrap();
        let t = template(&schema, 3, 1);
        let props = &t["mappings"]["properties"];
        assert_eq!(props["text"]["analyzer"], TERMS_ANALYZER);
        // The schema keeps no norms for `text` (no length normalisation).
        assert_eq!(props["text"]["norms"], false);
        assert_eq!(props["title"]["norms"], true);
        assert_eq!(props["program_facet"]["type"], "keyword");
        assert_eq!(props["date"]["type"], "integer");
        assert_eq!(props["item"]["enabled"], false);
        assert_eq!(t["mappings"]["_meta"][VERSION_KEY], schema.version);
        assert_eq!(t["settings"]["number_of_shards"], 3);
        assert_eq!(
            props.as_object().unwrap().len(),
            schema.specs.len(),
            "every field of the schema file is mapped"
        );
    }

    #[test]
    fn base64_as_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64("Zölle".as_bytes()), "WsO2bGxl");
    }
}
