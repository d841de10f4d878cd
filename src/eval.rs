//! Ranking quality on judged queries: MRR@10, nDCG@10, Recall@10 and
//! Recall@100, with the conventions of `../shared/eval/score.py` (those of
//! trec_eval): hits ordered by score, ties by docid descending; the mean over
//! every judged query, an unanswered one scoring 0.

use crate::cluster::search::Failure;
use crate::engine::Engine;
use crate::error::{IngestError, Location};
use crate::search::{MatchMode, Request, SearchError, Sort};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

/// Hits taken per query.
pub const DEPTH: usize = 100;

/// One judged query.
#[derive(Debug, Clone)]
pub struct EvalQuery {
    /// Query id.
    pub qid: String,
    /// Query text.
    pub text: String,
}

/// qid → docid → relevance.
pub type Qrels = HashMap<String, HashMap<String, i64>>;

/// A run: qid → (score, docid), as written to the run file.
pub type Run = HashMap<String, Vec<(f64, String)>>;

/// The four measures and how many queries they are over.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Metrics {
    /// Mean reciprocal rank of the first relevant hit in the top 10.
    #[serde(rename = "MRR@10")]
    pub mrr10: f64,
    /// nDCG of the top 10.
    #[serde(rename = "nDCG@10")]
    pub ndcg10: f64,
    /// Share of relevant documents in the top 10.
    #[serde(rename = "Recall@10")]
    pub recall10: f64,
    /// Share of relevant documents in the top 100.
    #[serde(rename = "Recall@100")]
    pub recall100: f64,
    /// Judged queries.
    pub queries: usize,
}

/// Bytes a line of a queries or qrels file may have: twice what a query
/// may have ([`crate::search::Limits::DEFAULT`]), room for the qid.
pub const MAX_LINE_BYTES: usize = 2 * crate::search::Limits::DEFAULT.query_bytes;

/// Call `each` with every line of a regular file (1-based number, text
/// without BOM and line end), each line read with a bound: a 1.65 MB line
/// or `/dev/zero` gives a message naming the file and line, not gigabytes
/// of memory.
fn read_lines(
    path: &Path,
    each: &mut dyn FnMut(u64, &str) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    use crate::ingest::read::{Line, Lines, open};
    let file = open(path)?;
    let mut lines = Lines::new(std::io::BufReader::new(file), MAX_LINE_BYTES);
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        let got = lines
            .next_line(&mut buf)
            .map_err(|source| IngestError::Io {
                loc: Location::line(path, n + 1),
                source,
            })?;
        match got {
            None => return Ok(()),
            Some(Line::TooLong(l)) => {
                return Err(IngestError::LineTooLong {
                    loc: Location::line(path, l),
                    max: MAX_LINE_BYTES,
                    hint: " (a query may have 4 KB)",
                });
            }
            Some(Line::Whole(l)) => {
                n = l;
                let text = std::str::from_utf8(&buf).map_err(|_| IngestError::Format {
                    loc: Location::line(path, l),
                    detail: "not UTF-8; convert the file to UTF-8".to_string(),
                })?;
                let text = if l == 1 {
                    text.strip_prefix('\u{feff}').unwrap_or(text)
                } else {
                    text
                };
                each(l, text.trim_end_matches(['\n', '\r']))?;
            }
        }
    }
}

/// Read `qid<TAB>query` lines.
pub fn read_queries(path: &Path) -> Result<Vec<EvalQuery>, IngestError> {
    let mut out = Vec::new();
    read_lines(path, &mut |n, line| {
        if line.trim().is_empty() {
            return Ok(());
        }
        let bad = |detail: &str| IngestError::Format {
            loc: Location::line(path, n),
            detail: detail.to_string(),
        };
        let (qid, q) = line
            .split_once('\t')
            .ok_or_else(|| bad("expected qid<TAB>query"))?;
        if qid.trim().is_empty() || qid.trim().contains(char::is_whitespace) {
            return Err(bad("a qid is one word without spaces, as in TREC qrels"));
        }
        out.push(EvalQuery {
            qid: qid.trim().to_string(),
            text: q.trim().to_string(),
        });
        Ok(())
    })?;
    Ok(out)
}

/// Read TREC qrels: `qid 0 docid rel`.
pub fn read_qrels(path: &Path) -> Result<Qrels, IngestError> {
    let mut out: Qrels = HashMap::new();
    read_lines(path, &mut |n, line| {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.is_empty() {
            return Ok(());
        }
        let bad = |detail: &str| IngestError::Format {
            loc: Location::line(path, n),
            detail: detail.to_string(),
        };
        if parts.len() != 4 {
            return Err(bad("expected 'qid 0 docid rel'"));
        }
        let rel: i64 = parts[3]
            .parse()
            .map_err(|_| bad("relevance is not an integer"))?;
        out.entry(parts[0].to_string())
            .or_default()
            .insert(parts[2].to_string(), rel);
        Ok(())
    })?;
    Ok(out)
}

/// The per-query measures.
pub fn score_query(rels: &HashMap<String, i64>, ranked: &[&str]) -> Metrics {
    let relevant: HashSet<&str> = rels
        .iter()
        .filter(|(_, r)| **r > 0)
        .map(|(d, _)| d.as_str())
        .collect();
    let mut m = Metrics {
        queries: 1,
        ..Metrics::default()
    };
    if let Some(i) = ranked.iter().take(10).position(|d| relevant.contains(d)) {
        m.mrr10 = 1.0 / (i + 1) as f64;
    }
    let gain = |d: &str| rels.get(d).copied().unwrap_or(0).max(0) as f64;
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, d)| gain(d) / ((i + 2) as f64).log2())
        .sum();
    let mut ideal: Vec<i64> = rels.values().copied().filter(|r| *r > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, r)| *r as f64 / ((i + 2) as f64).log2())
        .sum();
    m.ndcg10 = if idcg > 0.0 { dcg / idcg } else { 0.0 };
    let found = |k: usize| {
        ranked
            .iter()
            .take(k)
            .filter(|d| relevant.contains(*d))
            .count()
    };
    m.recall10 = found(10) as f64 / relevant.len() as f64;
    m.recall100 = found(100) as f64 / relevant.len() as f64;
    m
}

/// Score a run against qrels; also returns the per-query figures.
pub fn score(qrels: &Qrels, run: &Run) -> (Metrics, BTreeMap<String, Metrics>) {
    let mut per = BTreeMap::new();
    for (qid, rels) in qrels {
        if !rels.values().any(|r| *r > 0) {
            continue;
        }
        let mut docs: Vec<(f64, &str)> = Vec::new();
        let mut seen = HashSet::new();
        for (s, d) in run.get(qid).map(Vec::as_slice).unwrap_or(&[]) {
            if seen.insert(d.as_str()) {
                docs.push((*s, d.as_str()));
            }
        }
        // trec_eval's order: score descending, ties by docid descending.
        docs.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| b.1.cmp(a.1)));
        let ranked: Vec<&str> = docs.iter().map(|(_, d)| *d).collect();
        per.insert(qid.clone(), score_query(rels, &ranked));
    }
    let n = per.len();
    let mut mean = Metrics {
        queries: n,
        ..Metrics::default()
    };
    if n > 0 {
        for m in per.values() {
            mean.mrr10 += m.mrr10;
            mean.ndcg10 += m.ndcg10;
            mean.recall10 += m.recall10;
            mean.recall100 += m.recall100;
        }
        let nf = n as f64;
        mean.mrr10 /= nf;
        mean.ndcg10 /= nf;
        mean.recall10 /= nf;
        mean.recall100 /= nf;
    }
    (mean, per)
}

/// Characters of the query language that an editor's headline uses as
/// plain punctuation; they are blanked when the line does not parse.
fn plain_words(q: &str) -> String {
    q.chars()
        .map(|c| {
            if matches!(c, '"' | '„' | '“' | '”' | '»' | '«' | '(' | ')' | ':' | '+') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .split_whitespace()
        .map(|w| w.trim_start_matches('-'))
        .filter(|w| !w.is_empty() && !matches!(*w, "OR" | "AND" | "NOT"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a run of all queries gave.
pub struct RunOutcome {
    /// The run, scores as written to the run file.
    pub run: Run,
    /// Queries that did not parse and were searched as plain words.
    pub relaxed: usize,
    /// Queries with nothing to search (only stopwords).
    pub empty: usize,
}

/// Run every query, top [`DEPTH`], and write a TREC run file if asked.
pub fn run_queries(
    engine: &Engine,
    queries: &[EvalQuery],
    mode: MatchMode,
    mut run_file: Option<&mut dyn Write>,
) -> Result<RunOutcome, anyhow::Error> {
    let mut out = RunOutcome {
        run: HashMap::new(),
        relaxed: 0,
        empty: 0,
    };
    for q in queries {
        let mut req = Request {
            query: q.text.clone(),
            from: None,
            to: None,
            programs: Vec::new(),
            speakers: Vec::new(),
            sort: Sort::Relevance,
            limit: DEPTH,
            offset: 0,
            mode,
            snippets: 0,
            facets: false,
            // Judged documents are ranked one by one, as score.py expects.
            collapse: false,
            exact_total: false,
        };
        let hits = match engine.search_ids(&req) {
            Ok(h) => h,
            Err(Failure::Search(SearchError::Query(_))) => {
                req.query = plain_words(&q.text);
                match engine.search_ids(&req) {
                    Ok(h) => {
                        out.relaxed += 1;
                        h
                    }
                    Err(Failure::Search(SearchError::Query(_))) => {
                        out.empty += 1;
                        Vec::new()
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        };
        let entry = out.run.entry(q.qid.clone()).or_default();
        for (rank, (score, id)) in hits.into_iter().enumerate() {
            // The score as written is the score that counts, so that this
            // and score.py order ties the same way.
            let written = format!("{score:.6}");
            if let Some(w) = run_file.as_deref_mut() {
                writeln!(w, "{} Q0 {} {} {} archivar", q.qid, id, rank + 1, written)?;
            }
            entry.push((written.parse().unwrap_or(f64::from(score)), id));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rels(pairs: &[(&str, i64)]) -> HashMap<String, i64> {
        pairs.iter().map(|(d, r)| (d.to_string(), *r)).collect()
    }

    #[test]
    fn measures_of_one_query() {
        let m = score_query(&rels(&[("a", 1), ("b", 1)]), &["x", "a", "y"]);
        assert_eq!(m.mrr10, 0.5);
        assert_eq!(m.recall10, 0.5);
        let idcg = 1.0 + 1.0 / 3f64.log2();
        assert!((m.ndcg10 - (1.0 / 3f64.log2()) / idcg).abs() < 1e-12);
    }

    #[test]
    fn ties_order_by_docid_descending_and_unanswered_count_zero() {
        let mut qrels: Qrels = HashMap::new();
        qrels.insert("q1".into(), rels(&[("a", 1)]));
        qrels.insert("q2".into(), rels(&[("z", 1)]));
        let mut run: Run = HashMap::new();
        run.insert("q1".into(), vec![(1.0, "a".into()), (1.0, "b".into())]);
        let (mean, _) = score(&qrels, &run);
        // "b" sorts before "a" on the tie: rank 2 for q1, nothing for q2.
        assert_eq!(mean.mrr10, 0.25);
        assert_eq!(mean.queries, 2);
    }

    #[test]
    fn headlines_become_plain_words() {
        assert_eq!(
            plain_words("\"Tatort\"-Kommissar (64) OR: Abschied"),
            "Tatort Kommissar 64 Abschied"
        );
        assert_eq!(plain_words("- Gipfel"), "Gipfel");
    }
}
