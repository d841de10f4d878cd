//! The built-in German lexicon: the terms of archivar's analysis with the
//! number of the Bundestag's plenary speeches (59,428, 2017–2026) each
//! occurs in, compiled by `build.rs` from `lexicon/de.tsv` into an FST
//! embedded in the binary (attribution: Deutscher Bundestag).
//!
//! The index's own vocabulary says which words an archive holds; the
//! lexicon says which strings are German words at all, so that a small
//! archive splits and widens compounds as a large one does
//! ("Windkraftanlagen" = "Windkraft" + "Anlagen" in five items).

use std::sync::OnceLock;
use tantivy_fst::Map;

static BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/lexicon.fst"));

/// Speeches a term must occur in to count as a word of German here.
pub const MIN_SPEECHES: u64 = 10;

fn map() -> Option<&'static Map<&'static [u8]>> {
    static MAP: OnceLock<Option<Map<&'static [u8]>>> = OnceLock::new();
    MAP.get_or_init(|| tantivy_fst::raw::Fst::new(BYTES).ok().map(Map::from))
        .as_ref()
}

/// The number of speeches a term (as the analysis gives it) occurs in; 0
/// for terms the lexicon does not hold.
pub fn speeches(term: &str) -> u64 {
    map().and_then(|m| m.get(term)).unwrap_or(0)
}

/// Whether a term is a word of German: it occurs in at least
/// [`MIN_SPEECHES`] speeches.
pub fn knows(term: &str) -> bool {
    speeches(term) >= MIN_SPEECHES
}

/// The number of terms in the lexicon.
pub fn len() -> usize {
    map().map_or(0, |m| m.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Analyzer;

    fn term(w: &str) -> String {
        Analyzer::shared().normalize(w).unwrap()
    }

    #[test]
    fn holds_common_words_as_the_analysis_gives_them() {
        // If this fails after a change to the analysis, rebuild the
        // lexicon (lexicon/README.md).
        for w in [
            "Anlagen",
            "Windkraft",
            "Mangel",
            "Straße",
            "Abkommen",
            "Rohstoffe",
            "Pflegekräfte",
            "Schuldenbremse",
            "Klima",
        ] {
            assert!(knows(&term(w)), "{w} → {} not in the lexicon", term(w));
        }
        assert!(len() > 50_000);
    }

    #[test]
    fn fragments_are_no_words() {
        for t in ["tisiert", "ungsexport", "xyzzy", "lschutz"] {
            assert!(!knows(t), "{t}");
        }
    }

    #[test]
    fn embedded_map_is_small() {
        assert!(BYTES.len() <= 5 << 20, "{} bytes", BYTES.len());
    }
}
