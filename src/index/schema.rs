//! The index schema, declared in `schema/index.v5.toml` and embedded here.

use crate::analysis;
use crate::error::IndexError;
use serde::Deserialize;
use tantivy::IndexSettings;
use tantivy::schema::{
    BytesOptions, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// The schema file this binary builds indexes with.
pub const SCHEMA_TOML: &str = include_str!("../../schema/index.v5.toml");

/// One field as declared.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// tantivy field name.
    pub name: String,
    /// text, keyword, day, stored, u64 or bytes.
    #[serde(rename = "type")]
    pub kind: FieldKind,
    /// Analyzer of a text field.
    #[serde(default)]
    pub analyzer: Option<String>,
    /// Whether the field is a fast (columnar) field.
    #[serde(default)]
    pub fast: bool,
    /// Whether a text field keeps its length per document for BM25's
    /// length normalisation (see the schema file).
    #[serde(default = "yes")]
    pub fieldnorms: bool,
    /// Weight of a query word's phonetic variants from the index
    /// vocabulary (`index::phonetic`); 0 = none.
    #[serde(default)]
    pub phonetic_boost: f32,
    /// Whether a text field keeps word positions (phrase queries).
    #[serde(default = "yes")]
    pub positions: bool,
    /// Weight in a query without field prefix.
    #[serde(default)]
    pub boost: f32,
    /// Name a query uses for the field.
    #[serde(default)]
    pub prefix: Option<String>,
    /// What the field holds.
    pub doc: String,
}

/// The kinds of field the schema file knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// Analysed text.
    Text,
    /// One exact term per value.
    Keyword,
    /// A calendar day, as days since 1970-01-01 in an indexed, fast i64
    /// (any year 1000–9999; tantivy's own dates wrap outside 1677–2262).
    Day,
    /// Stored, not searched.
    Stored,
    /// A number, indexed and fast.
    U64,
    /// A byte string, fast.
    Bytes,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaFile {
    version: u32,
    #[serde(default)]
    docstore: DocstoreSpec,
    field: Vec<FieldSpec>,
}

/// How the stored fields are compressed (`[docstore]` of the schema file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocstoreSpec {
    /// "zstd", "lz4" or "none".
    pub compression: String,
    /// zstd's compression level.
    #[serde(default)]
    pub level: Option<i32>,
    /// Bytes of documents compressed together.
    pub block_bytes: usize,
}

impl Default for DocstoreSpec {
    /// tantivy's defaults, as indexes of schema versions 1 and 2 have them.
    fn default() -> Self {
        DocstoreSpec {
            compression: "lz4".to_string(),
            level: None,
            block_bytes: 16_384,
        }
    }
}

impl DocstoreSpec {
    fn settings(&self) -> Result<IndexSettings, IndexError> {
        use tantivy::store::{Compressor, ZstdCompressor};
        let compressor = match self.compression.as_str() {
            "zstd" => Compressor::Zstd(ZstdCompressor {
                compression_level: self.level,
            }),
            "lz4" => Compressor::Lz4,
            "none" => Compressor::None,
            other => {
                return Err(IndexError::Schema(format!(
                    "[docstore] compression \"{other}\": expected zstd, lz4 or none"
                )));
            }
        };
        if !(1_024..=16 << 20).contains(&self.block_bytes) {
            return Err(IndexError::Schema(format!(
                "[docstore] block_bytes {}: expected 1024 to 16777216",
                self.block_bytes
            )));
        }
        Ok(IndexSettings {
            docstore_compression: compressor,
            docstore_blocksize: self.block_bytes,
            ..IndexSettings::default()
        })
    }
}

/// The fields the code refers to by name.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Item id.
    pub id: Field,
    /// Canonical path of the source file.
    pub file: Field,
    /// All searchable text.
    pub text: Field,
    /// Headline.
    pub title: Field,
    /// Kicker and subheadings.
    pub headings: Field,
    /// Speaker names (text).
    pub speaker: Field,
    /// Programme (text).
    pub program: Field,
    /// Programme key (filter, facets).
    pub program_facet: Field,
    /// Speaker keys (filter, facets).
    pub speaker_facet: Field,
    /// Broadcast day.
    pub date: Field,
    /// The stored item.
    pub item: Field,
    /// LSH band keys of the near-duplicate signature.
    pub dup_bands: Field,
    /// Near-duplicate cluster.
    pub cluster: Field,
    /// The stored near-duplicate signature.
    pub minhash: Field,
    /// The stories' spans of word positions, as little-endian u32 pairs.
    pub spans: Field,
}

/// The schema: version, tantivy schema, fields and their declarations.
#[derive(Debug, Clone)]
pub struct ArchiveSchema {
    /// Version of the schema file.
    pub version: u32,
    /// The tantivy schema.
    pub schema: Schema,
    /// The fields by role.
    pub fields: Fields,
    /// The declarations, in file order.
    pub specs: Vec<FieldSpec>,
    /// Settings a new index is created with (doc store compression).
    pub settings: IndexSettings,
}

impl ArchiveSchema {
    /// Build the schema from the embedded file.
    pub fn embedded() -> Result<ArchiveSchema, IndexError> {
        ArchiveSchema::from_toml(SCHEMA_TOML)
    }

    /// Build a schema from the text of a schema file.
    pub fn from_toml(text: &str) -> Result<ArchiveSchema, IndexError> {
        let file: SchemaFile =
            toml::from_str(text).map_err(|e| IndexError::Schema(e.to_string()))?;
        let mut b = Schema::builder();
        for spec in &file.field {
            match spec.kind {
                FieldKind::Text => {
                    let analyzer = spec.analyzer.as_deref().unwrap_or(analysis::GERMAN);
                    if analyzer != analysis::GERMAN {
                        return Err(IndexError::Schema(format!(
                            "field {}: unknown analyzer {analyzer}",
                            spec.name
                        )));
                    }
                    let indexing = TextFieldIndexing::default()
                        .set_tokenizer(analyzer)
                        .set_fieldnorms(spec.fieldnorms)
                        .set_index_option(if spec.positions {
                            IndexRecordOption::WithFreqsAndPositions
                        } else {
                            IndexRecordOption::WithFreqs
                        });
                    b.add_text_field(
                        &spec.name,
                        TextOptions::default().set_indexing_options(indexing),
                    );
                }
                FieldKind::Keyword => {
                    let mut opts = STRING;
                    if spec.fast {
                        opts = opts | tantivy::schema::FAST;
                    }
                    b.add_text_field(&spec.name, opts);
                }
                FieldKind::Day => {
                    let mut opts = tantivy::schema::NumericOptions::default().set_indexed();
                    if spec.fast {
                        opts = opts.set_fast();
                    }
                    b.add_i64_field(&spec.name, opts);
                }
                FieldKind::Stored => {
                    b.add_bytes_field(&spec.name, BytesOptions::default().set_stored());
                }
                FieldKind::U64 => {
                    let mut opts = tantivy::schema::NumericOptions::default().set_indexed();
                    if spec.fast {
                        opts = opts.set_fast();
                    }
                    b.add_u64_field(&spec.name, opts);
                }
                FieldKind::Bytes => {
                    let mut opts = BytesOptions::default();
                    if spec.fast {
                        opts = opts.set_fast();
                    }
                    b.add_bytes_field(&spec.name, opts);
                }
            }
        }
        let schema = b.build();
        let get = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| IndexError::Schema(format!("no field \"{name}\"")))
        };
        let fields = Fields {
            id: get("id")?,
            file: get("file")?,
            text: get("text")?,
            title: get("title")?,
            headings: get("headings")?,
            speaker: get("speaker")?,
            program: get("program")?,
            program_facet: get("program_facet")?,
            speaker_facet: get("speaker_facet")?,
            date: get("date")?,
            item: get("item")?,
            dup_bands: get("dup_bands")?,
            cluster: get("cluster")?,
            minhash: get("minhash")?,
            spans: get("spans")?,
        };
        Ok(ArchiveSchema {
            version: file.version,
            schema,
            fields,
            settings: file.docstore.settings()?,
            specs: file.field,
        })
    }

    /// Text fields searched by a query without prefix, with their boosts.
    pub fn default_fields(&self) -> Vec<(Field, f32)> {
        self.specs
            .iter()
            .filter(|s| s.kind == FieldKind::Text && s.boost > 0.0)
            .filter_map(|s| Some((self.schema.get_field(&s.name).ok()?, s.boost)))
            .collect()
    }

    /// The phonetic field and its boost, if the schema has one.
    pub fn phonetic_field(&self) -> Option<(Field, f32)> {
        self.specs
            .iter()
            .find(|s| s.kind == FieldKind::Text && s.phonetic_boost > 0.0)
            .and_then(|s| Some((self.schema.get_field(&s.name).ok()?, s.phonetic_boost)))
    }

    /// The text field a query prefix names (`title`, `speaker`, …).
    pub fn field_for_prefix(&self, prefix: &str) -> Option<Field> {
        let p = prefix.to_lowercase();
        self.specs
            .iter()
            .find(|s| s.kind == FieldKind::Text && s.prefix.as_deref() == Some(p.as_str()))
            .and_then(|s| self.schema.get_field(&s.name).ok())
    }

    /// The prefixes a query may use, for error messages.
    pub fn prefixes(&self) -> Vec<&str> {
        self.specs
            .iter()
            .filter_map(|s| s.prefix.as_deref())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schema_builds() {
        let s = ArchiveSchema::embedded().unwrap();
        assert_eq!(s.version, 5);
        assert!(matches!(
            s.settings.docstore_compression,
            tantivy::store::Compressor::Zstd(_)
        ));
        assert_eq!(s.field_for_prefix("Title"), Some(s.fields.title));
        assert_eq!(s.field_for_prefix("speaker"), Some(s.fields.speaker));
        assert_eq!(s.field_for_prefix("nope"), None);
        let defaults = s.default_fields();
        assert!(defaults.iter().any(|(f, _)| *f == s.fields.text));
        assert!(!defaults.iter().any(|(f, _)| *f == s.fields.program));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let bad = "version = 1\n[[field]]\nname = \"id\"\ntype = \"keyword\"\ndoc = \"x\"\nstorred = true\n";
        assert!(ArchiveSchema::from_toml(bad).is_err());
    }
}
