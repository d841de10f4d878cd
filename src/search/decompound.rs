//! Query-time compound splitting against the index's own vocabulary.
//!
//! "Brustkrebsvorsorge" is searched as itself and, with less weight, as
//! "Brustkrebs" and "Vorsorge" together, when both parts are words of the
//! index. A split is only taken when every part is a real word here (it
//! occurs in at least [`MIN_DF`] items and is no stopword) and at least
//! [`MIN_PART`] letters long, so no junk fragments ("sporthalle" → "e").
//! German linking elements ("Friedens-", "Plagiats-") are tried off.

use crate::analysis::{Analyzer, lexicon};

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

/// The part's normalised form and frequency in the index, if it is a word:
/// of the index (in at least [`MIN_DF`] items) or of German (the built-in
/// [`lexicon`]), so that a small archive splits as a large one does.
fn part(analyzer: &Analyzer, raw: &[char], df: &dyn Fn(&str) -> u64) -> Option<(String, u64)> {
    if raw.len() < MIN_PART {
        return None;
    }
    let s: String = raw.iter().collect();
    let t = analyzer.normalize(&s)?;
    let n = df(&t);
    ((n >= MIN_DF || lexicon::knows(&t)) && t.chars().count() >= 3).then_some((t, n))
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

/// The terms of the dictionary that start (or, for [`heads`], end) with a
/// string, at most so many, with their document frequencies.
pub type Prefixed<'a> = dyn Fn(&str, usize) -> Vec<(String, u64)> + 'a;

/// Most compounds a word is widened to.
pub const MAX_COMPOUNDS: usize = 8;

/// Terms of the dictionary looked at for one word, at most: "land" starts
/// thousands of terms, and a query must stay fast on a million items.
const MAX_SCANNED: usize = 4_000;

/// Candidates whose rest is looked up, at most.
const MAX_CHECKED: usize = 64;

/// Shortest word that is widened to the compounds it starts, in letters of
/// its normalised form.
pub const MIN_MODIFIER: usize = 5;

/// Compounds of the vocabulary that start with `stem` and go on with a word
/// of the index ("klima" → "klimawandel", "rustungsexport" →
/// "rustungsexportbericht"; not "rotation" for "rot"), most frequent first.
/// `prefixed` lists the dictionary's terms that start with a prefix, with
/// their document frequencies, in order; `df` gives one term's frequency.
pub fn compounds(
    analyzer: &Analyzer,
    stem: &str,
    prefixed: &Prefixed,
    df: &dyn Fn(&str) -> u64,
) -> Vec<String> {
    if stem.chars().count() < MIN_MODIFIER || !stem.chars().all(char::is_alphabetic) {
        return Vec::new();
    }
    let mut candidates: Vec<(String, u64)> = prefixed(stem, MAX_SCANNED)
        .into_iter()
        .filter(|(t, n)| *n >= 1 && t.len() > stem.len())
        .collect();
    candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    // Most frequent first, and only so many checked: each check looks the
    // rest of the word up in the dictionary.
    candidates
        .into_iter()
        .take(MAX_CHECKED)
        .filter(|(t, _)| {
            let rest: Vec<char> = t[stem.len()..].chars().collect();
            LINKS.iter().any(|link| {
                let l: Vec<char> = link.chars().collect();
                rest.starts_with(&l) && part(analyzer, &rest[l.len()..], df).is_some()
            })
        })
        .take(MAX_COMPOUNDS)
        .map(|(t, _)| t)
        .collect()
}

/// Shortest word whose compounds it ends are looked for, in letters of its
/// normalised form ("Haus" → "Krankenhaus"; not "Amt").
pub const MIN_HEAD: usize = 4;

/// Most compounds a word is found as the head of.
pub const MAX_HEADS: usize = 16;

/// Compounds of the vocabulary that end with `stem` after a modifier that
/// is a word, or words ("mangel" → "pflegekraftemangel", "strass" →
/// "hauptstrass"; not "strass" for "trass": "s" is no word), most frequent
/// first, with the modifier's length in letters. `ending` lists the
/// vocabulary's terms that end with a stem, with their frequencies; `df`
/// gives one term's frequency.
pub fn heads(
    analyzer: &Analyzer,
    stem: &str,
    ending: &Prefixed,
    df: &dyn Fn(&str) -> u64,
) -> Vec<(String, usize)> {
    if stem.chars().count() < MIN_HEAD || !stem.chars().all(char::is_alphabetic) {
        return Vec::new();
    }
    let mut candidates = ending(stem, MAX_SCANNED);
    candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    candidates
        .into_iter()
        .take(MAX_CHECKED)
        .filter_map(|(t, _)| {
            let chars: Vec<char> = t.chars().collect();
            let modifier = &chars[..chars.len() - stem.chars().count()];
            // A linking element that also begins a longer word makes that
            // the head: "Hauptstraße" is "Haupt" + "Straße", not "Haupts"
            // + "Trasse".
            let longer_head = LINKS.iter().filter(|l| !l.is_empty()).any(|link| {
                let l: Vec<char> = link.chars().collect();
                modifier.ends_with(&l) && {
                    let head: Vec<char> = l.iter().copied().chain(stem.chars()).collect();
                    part(analyzer, &head, df).is_some()
                }
            });
            if longer_head {
                return None;
            }
            let is_word = LINKS.iter().any(|link| {
                let l: Vec<char> = link.chars().collect();
                modifier.ends_with(&l) && {
                    let m = &modifier[..modifier.len() - l.len()];
                    part(analyzer, m, df).is_some() || best(analyzer, m, df, MAX_PARTS).is_some()
                }
            });
            is_word.then_some((t, modifier.len()))
        })
        .take(MAX_HEADS)
        .collect()
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

    fn prefixed(v: &HashMap<String, u64>) -> impl Fn(&str, usize) -> Vec<(String, u64)> + '_ {
        |p, limit| {
            let mut t: Vec<(String, u64)> = v
                .iter()
                .filter(|(k, _)| k.starts_with(p))
                .map(|(k, n)| (k.clone(), *n))
                .collect();
            t.sort();
            t.truncate(limit);
            t
        }
    }

    #[test]
    fn compounds_a_word_starts() {
        let v = vocab(&[
            "Klima",
            "Klimawandel",
            "Klimageld",
            "Wandel",
            "Geld",
            "klimatisiert",
            "Rüstungsexport",
            "Rüstungsexportbericht",
            "Bericht",
        ]);
        let a = Analyzer::shared();
        let df = |t: &str| v.get(t).copied().unwrap_or(0);
        let stem = |w: &str| a.normalize(w).unwrap();
        let mut c = compounds(a, &stem("Klima"), &prefixed(&v), &df);
        c.sort();
        // Not "klimatisiert": "tisiert" is no word here.
        assert_eq!(c, norm(&["Klimageld", "Klimawandel"]));
        assert_eq!(
            compounds(a, &stem("Rüstungsexporte"), &prefixed(&v), &df),
            norm(&["Rüstungsexportbericht"])
        );
        // Too short to start compounds ("Rot" would find "Rotation").
        assert!(compounds(a, &stem("Geld"), &prefixed(&v), &df).is_empty());
    }

    #[test]
    fn compounds_a_word_ends() {
        let v = vocab(&[
            "Pflegekräftemangel",
            "Pflegekräfte",
            "Hauptstraße",
            "Straße",
            "Rohstoffabkommen",
            "Rohstoff",
            "Mangel",
        ]);
        let a = Analyzer::shared();
        let df = |t: &str| v.get(t).copied().unwrap_or(0);
        let ending = |s: &str, limit: usize| -> Vec<(String, u64)> {
            let mut t: Vec<(String, u64)> = v
                .iter()
                .filter(|(k, _)| k.ends_with(s) && k.len() > s.len())
                .map(|(k, n)| (k.clone(), *n))
                .collect();
            t.sort();
            t.truncate(limit);
            t
        };
        let stem = |w: &str| a.normalize(w).unwrap();
        let words = |w: &str| -> Vec<String> {
            heads(a, &stem(w), &ending, &df)
                .into_iter()
                .map(|(t, _)| t)
                .collect()
        };
        assert_eq!(words("Mangel"), norm(&["Pflegekräftemangel"]));
        assert_eq!(words("Strasse"), norm(&["Hauptstraße"]));
        assert_eq!(words("Abkommen"), norm(&["Rohstoffabkommen"]));
        // "Trasse" is no head of "Straße": "s" is no word.
        assert!(words("Trasse").is_empty());
        // The modifier's length, for marking only the head.
        assert_eq!(heads(a, &stem("Straße"), &ending, &df)[0].1, "haupt".len());
    }

    #[test]
    fn no_junk_fragments() {
        // "tisiert" is no word of the index nor of German: no split,
        // rather than "klima" + junk.
        let v = vocab(&["Klima"]);
        assert_eq!(parts("klimatisiert", &v), None);
        // "halle" is no word of this index, but one of German.
        assert_eq!(
            parts("Sporthalle", &vocab(&["Sport"])),
            Some(norm(&["Sport", "Halle"]))
        );
        assert_eq!(parts("Haus", &vocab(&["Haus"])), None);
        assert_eq!(parts("G7-Gipfel", &vocab(&["Gipfel"])), None);
    }
}
