//! archivar: full-text search for archives of German broadcast transcripts.
//!
//! The data's way, one module a stage:
//!
//! ```text
//! files ─ ingest ─> Item ─ analysis ─> tokens ─ index ─> tantivy documents
//! query ─ search ─> Hits (ranked, with snippets) ─ output ─> terminal / JSON Lines / HTTP
//! ```
//!
//! - [`ingest`]: text items in the Deutschlandfunk format, interviews with
//!   speaker turns, JSON Lines (also gzip); decoding of legacy encodings.
//! - [`analysis`]: the German chain (words, hyphen groups, lower case,
//!   stopwords, Snowball stemming, umlaut/ß/transliteration folding).
//! - [`index`]: the schema from `schema/index.v5.toml`, writing, statistics.
//! - [`search`]: query language, filters, ranking, snippets.
//! - [`output`]: terminal and JSON printers.
//! - [`eval`]: ranking quality on judged queries (MRR, nDCG, recall).
//! - [`serve`]: the same searches over HTTP, as JSON and as a web page.
//! - [`app`]: one function per subcommand.
#![warn(missing_docs)]

pub mod analysis;
pub mod app;
pub mod cli;
pub mod cluster;
pub mod engine;
pub mod error;
pub mod eval;
pub mod index;
pub mod ingest;
pub mod item;
pub mod output;
pub mod search;
pub mod serve;
