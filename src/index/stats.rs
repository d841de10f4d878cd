//! Index statistics through tantivy's aggregations: items, date range,
//! programmes and speakers with their counts, size on disk.

use super::Archive;
use crate::error::IndexError;
use crate::item::Day;
use serde::Serialize;
use serde_json::{Value, json};
use tantivy::Searcher;
use tantivy::aggregation::AggregationCollector;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::query::AllQuery;

/// How many speakers `stats` lists.
pub const TOP_SPEAKERS: usize = 30;

/// A name and how many items have it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Count {
    /// Programme or speaker.
    pub name: String,
    /// Items.
    pub count: u64,
}

/// What `archivar stats` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// The index folder.
    pub index: String,
    /// Schema version.
    pub schema_version: u32,
    /// Items in the index.
    pub items: u64,
    /// Items without a date.
    pub undated: u64,
    /// Earliest broadcast day.
    pub first_date: Option<String>,
    /// Latest broadcast day.
    pub last_date: Option<String>,
    /// Every programme, most items first.
    pub programs: Vec<Count>,
    /// Distinct speakers.
    pub speakers_total: u64,
    /// The most frequent speakers.
    pub speakers: Vec<Count>,
    /// Bytes of the index on disk.
    pub index_bytes: u64,
}

/// The buckets of a terms aggregation's result as counts.
pub fn buckets(x: &Value) -> Vec<Count> {
    x["buckets"]
        .as_array()
        .map(|bs| {
            bs.iter()
                .filter_map(|b| {
                    Some(Count {
                        name: b["key"].as_str()?.to_string(),
                        count: b["doc_count"].as_u64()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The aggregations `stats` runs over every item: Elasticsearch DSL, run
/// by tantivy locally and by the cluster as they are.
pub fn aggregations() -> Value {
    json!({
        "programs": {"terms": {"field": "program_facet", "size": 10_000}},
        "speakers": {"terms": {"field": "speaker_facet", "size": TOP_SPEAKERS}},
        "speakers_total": {"cardinality": {"field": "speaker_facet"}},
        "first": {"min": {"field": "date"}},
        "last": {"max": {"field": "date"}},
        "dated": {"value_count": {"field": "date"}}
    })
}

/// Compute the statistics of an index.
pub fn stats(archive: &Archive, searcher: &Searcher) -> Result<Stats, IndexError> {
    let req: Aggregations = serde_json::from_value(aggregations())
        .map_err(|e| IndexError::Schema(format!("aggregation request: {e}")))?;
    let collector = AggregationCollector::from_aggs(req, Default::default());
    let res = searcher
        .search(&AllQuery, &collector)
        .map_err(|e| archive.tantivy(e))?;
    let v = serde_json::to_value(&res).map_err(|e| IndexError::Schema(e.to_string()))?;
    Ok(from_aggregations(
        &v,
        searcher.num_docs(),
        archive.dir.display().to_string(),
        archive.schema.version,
        archive.size_on_disk(),
    ))
}

/// The statistics from the answer to [`aggregations`] over `items` items.
pub fn from_aggregations(
    v: &Value,
    items: u64,
    index: String,
    schema_version: u32,
    index_bytes: u64,
) -> Stats {
    let dated = v["dated"]["value"].as_f64().unwrap_or(0.0) as u64;
    // The day field holds days since 1970-01-01 (schema/index.v5.toml).
    let day = |x: &Value| -> Option<String> {
        let days = x["value"].as_f64()?;
        Day::from_unix_days(days.round() as i64).map(|d| d.to_string())
    };
    Stats {
        index,
        schema_version,
        items,
        undated: items.saturating_sub(dated),
        first_date: if dated > 0 { day(&v["first"]) } else { None },
        last_date: if dated > 0 { day(&v["last"]) } else { None },
        programs: buckets(&v["programs"]),
        speakers_total: v["speakers_total"]["value"].as_f64().unwrap_or(0.0) as u64,
        speakers: buckets(&v["speakers"]),
        index_bytes,
    }
}
