//! Query-time compound splitting against the index's own vocabulary.
//!
//! "Brustkrebsvorsorge" is searched as itself and, with less weight, as
//! "Brustkrebs" and "Vorsorge" together, when both parts are words of the
//! index. A split is only taken when every part is a real word here (it
//! occurs in at least [`MIN_DF`] items and is no stopword) and at least
//! [`MIN_PART`] letters long, so no junk fragments ("sporthalle" → "e").
//! German linking elements ("Friedens-", "Plagiats-") are tried off.

use crate::analysis::Analyzer;

/// Shortest part, in letters.
pub const MIN_PART: usize = 4;

/// Shortest word that is tried, in letters.
pub const MIN_WORD: usize = 8;

/// Items a part must occur in.
pub const MIN_DF: u64 = 2;

/// Most parts a compound is split into.
const MAX_PARTS: usize = 3;

/// Linking elements between the parts of German compounds.
const LINKS: &[&str] = &["", "s", "es", "n", "en", "e"];

/// Split a word into normalised parts that are words of the index, best
/// split first by the rarest part's frequency. `df` gives an analysed
/// term's document frequency.
pub fn split(analyzer: &Analyzer, word: &str, df: &dyn Fn(&str) -> u64) -> Option<Vec<String>> {
    let chars: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    if chars.len() < MIN_WORD || !chars.iter().all(|c| c.is_alphabetic()) {
        return None;
    }
    best(analyzer, &chars, df, MAX_PARTS).map(|(parts, _)| parts)
}

/// The part's normalised form and frequency, if it is a word of the index.
fn part(analyzer: &Analyzer, raw: &[char], df: &dyn Fn(&str) -> u64) -> Option<(String, u64)> {
    if raw.len() < MIN_PART {
        return None;
    }
    let s: String = raw.iter().collect();
    let t = analyzer.normalize(&s)?;
    let n = df(&t);
    (n >= MIN_DF && t.chars().count() >= 3).then_some((t, n))
}

fn best(
    analyzer: &Analyzer,
    chars: &[char],
    df: &dyn Fn(&str) -> u64,
    max_parts: usize,
) -> Option<(Vec<String>, u64)> {
    if max_parts < 2 {
        return None;
    }
    let mut found: Option<(Vec<String>, u64)> = None;
    for i in MIN_PART..=chars.len().saturating_sub(MIN_PART) {
        let (left_raw, right_raw) = chars.split_at(i);
        // The left part without a linking element, the most frequent form.
        let left = LINKS
            .iter()
            .filter_map(|link| {
                let l: Vec<char> = link.chars().collect();
                left_raw
                    .ends_with(&l)
                    .then(|| &left_raw[..left_raw.len() - l.len()])
            })
            .filter_map(|raw| part(analyzer, raw, df))
            .max_by_key(|(_, n)| *n);
        let Some((l, ln)) = left else { continue };
        let candidate = match part(analyzer, right_raw, df) {
            Some((r, rn)) => Some((vec![l.clone(), r], ln.min(rn))),
            None => best(analyzer, right_raw, df, max_parts - 1).map(|(mut rest, rn)| {
                rest.insert(0, l.clone());
                (rest, ln.min(rn))
            }),
        };
        if let Some(c) = candidate
            && found.as_ref().is_none_or(|f| c.1 > f.1)
        {
            found = Some(c);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vocab(words: &[&str]) -> HashMap<String, u64> {
        let a = Analyzer::shared();
        words
            .iter()
            .filter_map(|w| a.normalize(w))
            .map(|t| (t, 5))
            .collect()
    }

    fn parts(word: &str, v: &HashMap<String, u64>) -> Option<Vec<String>> {
        let a = Analyzer::shared();
        split(a, word, &|t| v.get(t).copied().unwrap_or(0))
    }

    fn norm(ws: &[&str]) -> Vec<String> {
        ws.iter()
            .map(|w| Analyzer::shared().normalize(w).unwrap())
            .collect()
    }

    #[test]
    fn splits_into_words_of_the_index() {
        let v = vocab(&[
            "Brustkrebs",
            "Vorsorge",
            "Frieden",
            "Verhandlungen",
            "Plagiat",
            "Affäre",
        ]);
        assert_eq!(
            parts("Brustkrebsvorsorge", &v),
            Some(norm(&["Brustkrebs", "Vorsorge"]))
        );
        assert_eq!(
            parts("Friedensverhandlungen", &v),
            Some(norm(&["Frieden", "Verhandlungen"]))
        );
        assert_eq!(
            parts("Plagiatsaffäre", &v),
            Some(norm(&["Plagiat", "Affäre"]))
        );
    }

    #[test]
    fn three_parts() {
        let v = vocab(&["Pferd", "Fleisch", "Skandal"]);
        assert_eq!(
            parts("Pferdefleischskandal", &v),
            Some(norm(&["Pferd", "Fleisch", "Skandal"]))
        );
    }

    #[test]
    fn no_junk_fragments() {
        // "halle" is not a word of this index: no split, rather than "sport" + junk.
        let v = vocab(&["Sport"]);
        assert_eq!(parts("Sporthalle", &v), None);
        assert_eq!(parts("Haus", &vocab(&["Haus"])), None);
        assert_eq!(parts("G7-Gipfel", &vocab(&["Gipfel"])), None);
    }
}
