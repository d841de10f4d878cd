//! Passage and story scoring: a long transcript holds ten or more
//! stories, and the one a query is after is where its words come
//! together. The best passage of a hit is the window of [`WINDOW`] word
//! positions that holds the most (by idf) of the query's distinct terms;
//! its best story is the one of its stories (`index::stories`) with the
//! most evidence: the idf of each query term it holds, a term said again
//! and again counting up to twice (`2 tf / (tf + 1)`). An item without
//! stories (a short article, a speech on one subject) is scored on its best
//! window of [`STORY_WORDS`] positions instead, about a story's length.
//! The top [`RERANK_TOP`] hits by BM25 are reordered by BM25 plus
//! [`WEIGHT`] times the passage score plus [`STORY_WEIGHT`] times the
//! story score.
//!
//! The positions come from the `text` field's postings (no text is
//! analysed); the stories' spans of positions from the `spans` fast field. The figures are in `docs/relevance.md`.

use crate::index::Archive;
use std::collections::HashMap;
use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Searcher, TERMINATED, Term};

/// Word positions a passage spans.
pub const WINDOW: u32 = 30;
/// Hits reordered by their passage.
pub const RERANK_TOP: usize = 50;
/// Weight of the passage score against BM25.
pub const WEIGHT: f32 = 8.0;
/// Weight of the best story's score against BM25.
pub const STORY_WEIGHT: f32 = 3.0;
/// Word positions an item without stories is scored on as its story.
pub const STORY_WORDS: u32 = 200;

/// What a hit's words say about it beyond BM25.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Evidence {
    /// The best passage's score.
    pub passage: f32,
    /// The best story's score (or that of the best window of
    /// [`STORY_WORDS`] positions, for an item without stories).
    pub story: f32,
    /// Which of the item's stories is the best (0-based), if it has any
    /// and the query's words are in one.
    pub best_story: Option<usize>,
}

impl Evidence {
    /// What the evidence adds to a hit's BM25 score.
    pub fn bonus(&self) -> f32 {
        WEIGHT * self.passage + STORY_WEIGHT * self.story
    }
}

/// The best passage score of each of `docs` for `terms` (analysed query
/// terms of the `text` field, each with a weight that multiplies its
/// idf), in the order of `docs`.
pub fn scores(
    archive: &Archive,
    searcher: &Searcher,
    terms: &[(String, f32)],
    docs: &[DocAddress],
) -> tantivy::Result<Vec<f32>> {
    let (hits, idf) = matches(archive, searcher, terms, docs)?;
    Ok(hits.iter().map(|h| best_window(h, &idf, WINDOW)).collect())
}

/// The passage and story evidence of each of `docs`, whose stories' spans
/// of positions are given with them (none for an item without stories),
/// in the order of `docs`.
pub fn evidence(
    archive: &Archive,
    searcher: &Searcher,
    terms: &[(String, f32)],
    docs: &[(DocAddress, Vec<[u32; 2]>)],
) -> tantivy::Result<Vec<Evidence>> {
    let addrs: Vec<DocAddress> = docs.iter().map(|d| d.0).collect();
    let (hits, idf) = matches(archive, searcher, terms, &addrs)?;
    Ok(hits
        .iter()
        .zip(docs)
        .map(|(h, (_, stories))| {
            let passage = best_window(h, &idf, WINDOW);
            if stories.is_empty() {
                return Evidence {
                    passage,
                    story: best_story_window(h, &idf, STORY_WORDS),
                    best_story: None,
                };
            }
            let mut best: Option<(f32, usize)> = None;
            for (i, &[lo, hi]) in stories.iter().enumerate() {
                let s = story_score(h, &idf, lo, hi);
                if s > 0.0 && best.is_none_or(|(b, _)| s > b) {
                    best = Some((s, i));
                }
            }
            Evidence {
                passage,
                story: best.map_or(0.0, |b| b.0),
                best_story: best.map(|b| b.1),
            }
        })
        .collect())
}

/// The matches of a document: (word position, index of the term), sorted.
type Matches = Vec<(u32, usize)>;

/// The matches of `terms` in each of `docs` as (position, term), sorted,
/// and each term's idf times its weight.
fn matches(
    archive: &Archive,
    searcher: &Searcher,
    terms: &[(String, f32)],
    docs: &[DocAddress],
) -> tantivy::Result<(Vec<Matches>, Vec<f32>)> {
    let field = archive.fields().text;
    let n = searcher.num_docs() as f32;
    let mut idf = Vec::with_capacity(terms.len());
    let mut ts = Vec::with_capacity(terms.len());
    for (t, weight) in terms {
        let term = Term::from_field_text(field, t);
        let df = searcher.doc_freq(&term)? as f32;
        if df == 0.0 {
            continue;
        }
        idf.push(weight * (1.0 + (n - df + 0.5) / (df + 0.5)).ln());
        ts.push(term);
    }
    // Positions of each term in each doc, segment by segment, docs in
    // increasing order as postings are read forwards.
    let mut by_segment: HashMap<u32, Vec<(u32, usize)>> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        by_segment
            .entry(d.segment_ord)
            .or_default()
            .push((d.doc_id, i));
    }
    let mut hits: Vec<Vec<(u32, usize)>> = vec![Vec::new(); docs.len()];
    let mut positions = Vec::new();
    for (seg, mut list) in by_segment {
        list.sort_unstable();
        let inverted = searcher.segment_reader(seg).inverted_index(field)?;
        for (k, term) in ts.iter().enumerate() {
            let Some(mut postings) =
                inverted.read_postings(term, IndexRecordOption::WithFreqsAndPositions)?
            else {
                continue;
            };
            for &(doc, i) in &list {
                if postings.doc() > doc {
                    continue;
                }
                if postings.seek(doc) == TERMINATED {
                    break;
                }
                if postings.doc() == doc {
                    positions.clear();
                    postings.positions(&mut positions);
                    hits[i].extend(positions.iter().map(|&p| (p, k)));
                }
            }
        }
    }
    for h in &mut hits {
        h.sort_unstable();
    }
    Ok((hits, idf))
}

/// A term found `tf` times in a story counts `2 tf / (tf + 1)` times its
/// weight: once for one mention, 1.33 for two, at most twice.
fn saturated(tf: u32) -> f32 {
    2.0 * tf as f32 / (tf as f32 + 1.0)
}

/// The score of the story of positions `[lo, hi)` for the matches `hits`
/// (sorted by position): each term's weight, saturated by how often the
/// story holds it.
pub fn story_score(hits: &[(u32, usize)], weights: &[f32], lo: u32, hi: u32) -> f32 {
    let a = hits.partition_point(|h| h.0 < lo);
    let b = hits.partition_point(|h| h.0 < hi);
    let mut tf = vec![0u32; weights.len()];
    for h in &hits[a..b] {
        tf[h.1] += 1;
    }
    tf.iter()
        .zip(weights)
        .filter(|(t, _)| **t > 0)
        .map(|(t, w)| w * saturated(*t))
        .sum()
}

/// The highest [`story_score`] of a window of `window` consecutive
/// positions among `hits`.
pub fn best_story_window(hits: &[(u32, usize)], weights: &[f32], window: u32) -> f32 {
    let mut tf = vec![0u32; weights.len()];
    let (mut sum, mut best, mut j) = (0.0f32, 0.0f32, 0);
    for i in 0..hits.len() {
        while j < hits.len() && hits[j].0 < hits[i].0.saturating_add(window) {
            let k = hits[j].1;
            sum += weights[k] * (saturated(tf[k] + 1) - saturated(tf[k]));
            tf[k] += 1;
            j += 1;
        }
        best = best.max(sum);
        let k = hits[i].1;
        sum -= weights[k] * (saturated(tf[k]) - saturated(tf[k] - 1));
        tf[k] -= 1;
    }
    best
}

/// The weights the passage terms get in an archive of `n` items where a
/// term is in `df(term)` of them: the term's weight times its idf; terms
/// in no item are left out. As [`scores`] weighs them.
pub fn weights(n: u64, terms: &[(String, f32)], df: impl Fn(&str) -> u64) -> Vec<(String, f32)> {
    let n = n as f32;
    terms
        .iter()
        .filter_map(|(t, weight)| {
            let df = df(t) as f32;
            (df > 0.0).then(|| (t.clone(), weight * (1.0 + (n - df + 0.5) / (df + 0.5)).ln()))
        })
        .collect()
}

/// The best passage score of a text given as its analysed terms in order
/// (as another engine keeps them, e.g. in `_source`), for `weights`
/// ([`weights`]).
pub fn score_terms<'a>(weights: &[(String, f32)], terms: impl Iterator<Item = &'a str>) -> f32 {
    let index: HashMap<&str, usize> = weights
        .iter()
        .enumerate()
        .map(|(k, (t, _))| (t.as_str(), k))
        .collect();
    let hits: Vec<(u32, usize)> = terms
        .enumerate()
        .filter_map(|(p, t)| index.get(t).map(|&k| (p as u32, k)))
        .collect();
    let w: Vec<f32> = weights.iter().map(|(_, w)| *w).collect();
    best_window(&hits, &w, WINDOW)
}

/// Reorder the first [`RERANK_TOP`] of `ranked` (scores best first) as
/// [`rerank`] does, with each hit's passage score given.
pub fn blend(ranked: &mut [(f32, String)], passage: &[f32]) {
    let k = ranked.len().min(RERANK_TOP).min(passage.len());
    for (h, p) in ranked[..k].iter_mut().zip(passage) {
        h.0 += WEIGHT * p;
    }
    ranked[..k].sort_by(|a, b| b.0.total_cmp(&a.0));
}

/// The highest sum of the weights of distinct terms among `hits`
/// (position, term) within `window` consecutive positions.
pub fn best_window(hits: &[(u32, usize)], weights: &[f32], window: u32) -> f32 {
    let mut counts = vec![0u32; weights.len()];
    let (mut sum, mut best, mut j) = (0.0f32, 0.0f32, 0);
    for i in 0..hits.len() {
        while j < hits.len() && hits[j].0 < hits[i].0.saturating_add(window) {
            let k = hits[j].1;
            if counts[k] == 0 {
                sum += weights[k];
            }
            counts[k] += 1;
            j += 1;
        }
        best = best.max(sum);
        let k = hits[i].1;
        counts[k] -= 1;
        if counts[k] == 0 {
            sum -= weights[k];
        }
    }
    best
}

/// The spans of word positions of items' stories, from the `spans` fast
/// field (no stored item is read), one column a segment opened once.
pub struct Spans<'s> {
    searcher: &'s Searcher,
    columns: HashMap<u32, Option<tantivy::columnar::BytesColumn>>,
    buf: Vec<u8>,
}

impl<'s> Spans<'s> {
    /// Spans of the items of `searcher`.
    pub fn new(searcher: &'s Searcher) -> Spans<'s> {
        Spans {
            searcher,
            columns: HashMap::new(),
            buf: Vec::new(),
        }
    }

    /// The spans of the stories of the item at `doc`, `[first, end)`;
    /// none for an item without stories.
    pub fn of(&mut self, doc: DocAddress) -> tantivy::Result<Vec<[u32; 2]>> {
        let col = match self.columns.entry(doc.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                self.searcher
                    .segment_reader(doc.segment_ord)
                    .fast_fields()
                    .bytes("spans")?,
            ),
        };
        let Some(col) = col else {
            return Ok(Vec::new());
        };
        let Some(ord) = col.term_ords(doc.doc_id).next() else {
            return Ok(Vec::new());
        };
        self.buf.clear();
        col.ord_to_bytes(ord, &mut self.buf)?;
        Ok(decode_spans(&self.buf))
    }
}

/// Spans stored as little-endian u32 pairs (`index::writer::document`).
fn decode_spans(bytes: &[u8]) -> Vec<[u32; 2]> {
    bytes
        .chunks_exact(8)
        .map(|c| {
            let n = |i: usize| u32::from_le_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
            [n(0), n(4)]
        })
        .collect()
}

/// Reorder the first [`RERANK_TOP`] of `ranked` (best first, with BM25
/// scores) by BM25 plus their [`Evidence::bonus`]; the scores become the
/// blended ones.
pub fn rerank(
    archive: &Archive,
    searcher: &Searcher,
    terms: &[(String, f32)],
    ranked: &mut [(Option<f32>, DocAddress)],
) -> tantivy::Result<()> {
    let k = ranked.len().min(RERANK_TOP);
    if k < 2 || terms.is_empty() {
        return Ok(());
    }
    let mut spans = Spans::new(searcher);
    let docs: Vec<(DocAddress, Vec<[u32; 2]>)> = ranked[..k]
        .iter()
        .map(|h| Ok((h.1, spans.of(h.1)?)))
        .collect::<tantivy::Result<_>>()?;
    let ev = evidence(archive, searcher, terms, &docs)?;
    for (h, e) in ranked[..k].iter_mut().zip(ev) {
        h.0 = h.0.map(|s| s + e.bonus());
    }
    ranked[..k].sort_by(|a, b| b.0.unwrap_or(0.0).total_cmp(&a.0.unwrap_or(0.0)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_with_most_distinct_terms_wins() {
        // "corona" (0) and "lockdown" (1) far apart, then together.
        let hits = [(3, 0), (200, 1), (500, 0), (510, 1), (512, 1)];
        assert_eq!(best_window(&hits, &[1.0, 2.0], 30), 3.0);
        assert_eq!(best_window(&hits, &[1.0, 2.0], 5), 2.0);
        assert_eq!(best_window(&[], &[1.0], 30), 0.0);
        // A term counts once however often it occurs.
        assert_eq!(best_window(&[(1, 0), (2, 0), (3, 0)], &[1.5], 30), 1.5);
    }

    #[test]
    fn a_text_of_terms_scores_its_best_window() {
        let w = weights(
            100,
            &[
                ("selenskyj".into(), 1.0),
                ("rohstoff".into(), 1.0),
                ("nie".into(), 1.0),
            ],
            |t| match t {
                "selenskyj" => 5,
                "rohstoff" => 20,
                _ => 0,
            },
        );
        assert_eq!(w.len(), 2, "a term in no item has no weight");
        let text = "rohstoff ".to_string() + &"ford abkomm mit usa ".repeat(10) + "selenskyj";
        let far = score_terms(&w, text.split(' '));
        let near = score_terms(&w, "selenskyj will rohstoff".split(' '));
        assert!(near > far && (far - w[0].1).abs() < 1e-6, "{near} {far}");
        let mut ranked = vec![(3.0, "a".to_string()), (2.5, "b".to_string())];
        blend(&mut ranked, &[0.0, 0.2]);
        assert_eq!(ranked[0].1, "b");
    }

    #[test]
    fn a_story_counts_each_term_saturated() {
        // "lufthansa" (0) three times and "warnstreik" (1) once in the
        // story of positions 100..300; "warnstreik" again in the next.
        let hits = [(120, 0), (150, 1), (180, 0), (290, 0), (310, 1)];
        let w = [2.0, 1.0];
        let s = story_score(&hits, &w, 100, 300);
        assert!((s - (2.0 * 1.5 + 1.0)).abs() < 1e-6, "{s}");
        assert_eq!(story_score(&hits, &w, 0, 100), 0.0);
        assert!((story_score(&hits, &w, 300, 400) - 1.0).abs() < 1e-6);
        // The best window of 200 positions, 120..320, also holds the
        // second "warnstreik".
        let best = best_story_window(&hits, &w, 200);
        assert!((best - (2.0 * 1.5 + 4.0 / 3.0)).abs() < 1e-5, "{best}");
        assert_eq!(best_story_window(&[], &w, 200), 0.0);
        // Within 20 positions only one "lufthansa" and nothing else.
        assert!((best_story_window(&hits, &w, 20) - 2.0).abs() < 1e-6);
    }
}
