//! The German analysis chain, used the same way at index and at query time.
//!
//! `text -> words -> lower case -> stopwords out -> Snowball stem -> fold`
//!
//! - Words are runs of letters and digits. A hyphen between two words joins
//!   them into a group ("US-Präsident"): each part is a token of its own, at
//!   its own position and with its own offsets, and the whole group is one
//!   more token at the first part's position ("uspräsident"), so the group is
//!   findable by its parts, as a phrase, and as one word.
//! - Soft hyphens (U+00AD) and zero-width characters inside a word are
//!   dropped ("Münte\u{ad}fering", [`is_invisible`]).
//! - Folding after stemming maps ä/ö/ü to a/o/u (Snowball already does),
//!   ß to ss, accents to their base letter (é → e), and the transliterations
//!   ae/oe/ue to a/o/u, so that "Zoelle", "Zolle" and "Zölle" meet.
//! - A genitive s after j or y is removed before stemming ("Selenskyjs"):
//!   Snowball only strips s after b, d, f, g, h, k, l, m, n, r, t.

pub mod lexicon;
pub mod numbers;
pub mod stopwords;
mod tokenizer;

pub use tokenizer::GermanTokenizer;

use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The name under which the German analyzer is registered with tantivy.
pub const GERMAN: &str = "german";

/// Words shorter than this get no phonetic code: names are long, and
/// short words share their codes with too many others.
pub const PHONETIC_MIN_LETTERS: usize = 5;

/// Tokens longer than this (in bytes, before analysis) are dropped: they are
/// junk (URLs, base64, runaway ASR) and would bloat the term dictionary.
pub const MAX_WORD_BYTES: usize = 64;

/// What a token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A word, or one part of a hyphenated group.
    Word,
    /// A hyphenated group as one word ("US-Präsident" → "usprasident").
    Whole,
}

/// One analysed token with its place in the text.
pub type Token = TokenOf<String>;

/// A token whose term is a `T`: the term itself ([`Token`]), or a handle
/// to it in a memo (the indexing tokenizer's, which so allocates nothing
/// for a word it has seen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOf<T> {
    /// The normalised term.
    pub text: T,
    /// Byte offset of the first byte in the analysed text.
    pub start: usize,
    /// Byte offset after the last byte.
    pub end: usize,
    /// Word position; the parts of a group count one each, stopwords too.
    pub position: u32,
    /// Index of the hyphen group (or lone word) the token belongs to.
    pub group: u32,
    /// Word or whole group.
    pub kind: TokenKind,
}

/// The German analyzer. Cheap to clone; thread-safe.
#[derive(Clone)]
pub struct Analyzer {
    inner: Arc<Inner>,
}

struct Inner {
    stemmer: Stemmer,
    stopwords: HashSet<String>,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::shared().clone()
    }
}

impl Analyzer {
    /// The process-wide analyzer (the stopword set is built once).
    pub fn shared() -> &'static Analyzer {
        static SHARED: OnceLock<Analyzer> = OnceLock::new();
        SHARED.get_or_init(|| {
            let mut set = HashSet::new();
            for w in stopwords::GERMAN {
                set.insert((*w).to_string());
                // The same word as typed without umlauts: "fuer", "ueber".
                let translit = transliterate_umlauts(w);
                if translit != *w {
                    set.insert(translit);
                }
            }
            Analyzer {
                inner: Arc::new(Inner {
                    stemmer: Stemmer::create(Algorithm::German),
                    stopwords: set,
                }),
            }
        })
    }

    /// Whether a lower-case word is a stopword.
    pub fn is_stopword(&self, lower: &str) -> bool {
        self.inner.stopwords.contains(lower)
    }

    /// Normalise one word (no spaces or hyphens in it): `None` for stopwords
    /// and overlong junk.
    pub fn normalize(&self, word: &str) -> Option<String> {
        if word.len() > MAX_WORD_BYTES || word.is_empty() {
            return None;
        }
        let lower: String = word
            .chars()
            .filter(|c| !is_invisible(*c))
            .flat_map(char::to_lowercase)
            .collect();
        if lower.is_empty() || self.is_stopword(&lower) {
            return None;
        }
        Some(self.stem_and_fold(&lower))
    }

    /// The Kölner Phonetik code of a word ("Selenskyj", "Selenski" and
    /// "Zelensky" share one), for words of at least [`PHONETIC_MIN_LETTERS`] letters that are
    /// no stopwords; `None` for others and for codes under four digits,
    /// which too many words share.
    pub fn phonetic(&self, word: &str) -> Option<String> {
        use rphonetic::Encoder;
        if word.len() > MAX_WORD_BYTES
            || word.chars().count() < PHONETIC_MIN_LETTERS
            || !word.chars().all(char::is_alphabetic)
        {
            return None;
        }
        let lower: String = word.chars().flat_map(char::to_lowercase).collect();
        if self.is_stopword(&lower) {
            return None;
        }
        let code = rphonetic::Cologne.encode(&fold(&lower));
        (code.len() >= 4).then_some(code)
    }

    /// Stem a lower-case word and fold the result; words with digits are
    /// only folded ("co2", "2025", "g20").
    fn stem_and_fold(&self, lower: &str) -> String {
        if lower.chars().any(|c| c.is_numeric()) {
            return fold(lower);
        }
        // Genitive s after j or y, which Snowball keeps: "selenskyjs".
        let base = match lower.strip_suffix('s') {
            Some(b) if (b.ends_with('j') || b.ends_with('y')) && b.len() >= 3 => b,
            _ => lower,
        };
        fold(&self.inner.stemmer.stem(base))
    }

    /// Analyse a text into tokens with offsets and positions.
    pub fn analyze(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.analyze_into(text, &mut out, &mut |w| self.normalize(w));
        out
    }

    /// Analyse into `out`, normalising each word through `norm` (which may
    /// memoise [`Analyzer::normalize`]).
    pub fn analyze_into<T>(
        &self,
        text: &str,
        out: &mut Vec<TokenOf<T>>,
        norm: &mut dyn FnMut(&str) -> Option<T>,
    ) {
        let mut position: u32 = 0;
        let mut parts: Vec<(usize, usize)> = Vec::new();
        for (group, (gstart, gend)) in (0_u32..).zip(groups(text)) {
            parts.clear();
            split_parts(text, gstart, gend, &mut parts);
            let first_position = position;
            let group_start = out.len();
            for &(s, e) in &parts {
                let word = clean_word(&text[s..e]);
                if let Some(t) = norm(&word) {
                    out.push(TokenOf {
                        text: t,
                        start: s,
                        end: e,
                        position,
                        group,
                        kind: TokenKind::Word,
                    });
                }
                position += 1;
            }
            if parts.len() > 1 {
                let joined: String = parts
                    .iter()
                    .map(|&(s, e)| clean_word(&text[s..e]))
                    .collect();
                if let Some(t) = norm(&joined) {
                    out.insert(
                        group_start,
                        TokenOf {
                            text: t,
                            start: parts[0].0,
                            end: parts[parts.len() - 1].1,
                            position: first_position,
                            group,
                            kind: TokenKind::Whole,
                        },
                    );
                }
            }
        }
    }
}

/// Map ä/ö/ü to ae/oe/ue (and ß to ss), as people type without umlauts.
fn transliterate_umlauts(w: &str) -> String {
    let mut s = String::with_capacity(w.len() + 2);
    for c in w.chars() {
        match c {
            'ä' => s.push_str("ae"),
            'ö' => s.push_str("oe"),
            'ü' => s.push_str("ue"),
            'ß' => s.push_str("ss"),
            c => s.push(c),
        }
    }
    s
}

/// The first two letters of `fold` of the lower-cased word (soft hyphens
/// dropped), `'\0'` where the word is shorter, computed letter by letter
/// without allocating: a cheap test of whether a word can analyse to a
/// term, as a stem is a prefix of its folded word.
pub fn folded_start(word: &str) -> [char; 2] {
    folded_prefix(word)
}

/// The first `N` letters of `fold` of the lower-cased word, as
/// [`folded_start`] gives two.
pub fn folded_prefix<const N: usize>(word: &str) -> [char; N] {
    let mut out = ['\0'; N];
    let mut n = 0;
    let mut prev = None;
    let mut skip_e = false;
    for c in word
        .chars()
        .filter(|c| !is_invisible(*c))
        .flat_map(char::to_lowercase)
    {
        // The base letters of `c`, as `fold` maps them; ASCII is itself.
        let mut bases = [c, '\0', '\0', '\0'];
        let mut k = usize::from(c.is_ascii());
        let mut push = |d: char| {
            if is_combining_mark(d) {
                return;
            }
            let mapped: &[char] = match d {
                'ß' => &['s', 's'],
                'æ' => &['a', 'e'],
                'œ' => &['o', 'e'],
                'ø' => &['o'],
                'ł' => &['l'],
                'đ' => &['d'],
                _ => &[d],
            };
            for &m in mapped {
                if k < bases.len() {
                    bases[k] = m;
                    k += 1;
                }
            }
        };
        if !c.is_ascii() {
            unicode_normalization::char::decompose_canonical(c, &mut push);
        }
        for &b in &bases[..k] {
            if skip_e && b == 'e' {
                continue;
            }
            out[n] = b;
            n += 1;
            if n == out.len() {
                return out;
            }
            skip_e = matches!(b, 'a' | 'o' | 'u') && !(b == 'u' && prev == Some('q'));
            prev = Some(b);
        }
    }
    out
}

/// Fold a lower-case stem: accents off, ß → ss, ae/oe/ue → a/o/u
/// (but not the u of "qu": "quelle" stays).
pub fn fold(stem: &str) -> String {
    let mut out = String::with_capacity(stem.len());
    fold_into(stem, &mut out);
    out
}

/// [`fold`], appended to `out` (no allocation once `out` has grown).
pub fn fold_into(stem: &str, out: &mut String) {
    // After an a, o or u (but the u of "qu"), a run of e's goes whole, so
    // that folding twice changes nothing ("aee" → "a", not "ae" → "a").
    let mut prev = None;
    let mut skip_e = false;
    let mut push = |c: char| {
        if c == 'e' && skip_e {
            return;
        }
        out.push(c);
        skip_e = matches!(c, 'a' | 'o' | 'u') && !(c == 'u' && prev == Some('q'));
        prev = Some(c);
    };
    if stem.is_ascii() {
        let b = stem.as_bytes();
        if !b
            .windows(2)
            .any(|w| w[1] == b'e' && matches!(w[0], b'a' | b'o' | b'u'))
        {
            out.push_str(stem);
        } else {
            stem.chars().for_each(push);
        }
        return;
    }
    for c in stem.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' => "ss".chars().for_each(&mut push),
            'æ' => "ae".chars().for_each(&mut push),
            'œ' => "oe".chars().for_each(&mut push),
            'ø' => push('o'),
            'ł' => push('l'),
            'đ' => push('d'),
            c => push(c),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || (!c.is_ascii() && (is_invisible(c) || is_combining_mark(c)))
}

/// Characters that show nothing and join, inside a word, what stands on
/// either side: the soft hyphen (U+00AD), the zero-width space, non-joiner
/// and joiner (U+200B–U+200D), the word joiner (U+2060) and the byte-order
/// mark (U+FEFF). "Münte\u{ad}fering" and "zero\u{200d}width" are one word
/// each, as they look.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
    )
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

/// Byte ranges of word groups: words joined by single hyphens or
/// apostrophes between word characters.
fn groups(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        // Skip to the next word character.
        let start = loop {
            let (i, c) = chars.next()?;
            if is_word_char(c) && !is_invisible(c) {
                break i;
            }
        };
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if is_word_char(c) {
                chars.next();
                continue;
            }
            if is_hyphen(c) || is_apostrophe(c) {
                // A connector only counts between two word characters.
                let next = text[i + c.len_utf8()..].chars().next();
                if next.is_some_and(|n| is_word_char(n) && !is_invisible(n)) {
                    chars.next();
                    continue;
                }
            }
            end = i;
            break;
        }
        Some((start, end))
    })
}

/// Split a group at its hyphens. An apostrophe stays inside its part;
/// a trailing "'s" ("Zelensky's") is cut off.
fn split_parts(text: &str, start: usize, end: usize, parts: &mut Vec<(usize, usize)>) {
    let mut part_start = start;
    for (i, c) in text[start..end].char_indices() {
        if is_hyphen(c) {
            push_part(text, part_start, start + i, parts);
            part_start = start + i + c.len_utf8();
        }
    }
    push_part(text, part_start, end, parts);
}

fn push_part(text: &str, s: usize, e: usize, parts: &mut Vec<(usize, usize)>) {
    let mut e = e;
    let w = &text[s..e];
    for apo in ["'s", "\u{2019}s"] {
        if w.len() > apo.len() && w.ends_with(apo) {
            e -= apo.len();
        }
    }
    if e > s {
        parts.push((s, e));
    }
}

/// The word as the stemmer should see it: apostrophes and soft hyphens out.
fn clean_word(w: &str) -> std::borrow::Cow<'_, str> {
    if w.chars().any(|c| is_apostrophe(c) || is_invisible(c)) {
        w.chars()
            .filter(|c| !is_apostrophe(*c) && !is_invisible(*c))
            .collect::<String>()
            .into()
    } else {
        w.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        Analyzer::shared()
            .analyze(text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    fn one(word: &str) -> String {
        Analyzer::shared().normalize(word).unwrap()
    }

    #[test]
    fn inflections_meet() {
        assert_eq!(one("Rohstoffe"), one("Rohstoffen"));
        assert_eq!(one("Nachrichten"), "nachricht");
        assert_eq!(one("Verhandlungen"), one("Verhandlung"));
        assert_eq!(one("seltener"), one("seltene"));
        assert_eq!(one("Erden"), one("Erde"));
    }

    #[test]
    fn genitive_of_names() {
        assert_eq!(one("Selenskyjs"), one("Selenskyj"));
        assert_eq!(one("Merkels"), one("Merkel"));
    }

    #[test]
    fn umlauts_and_sharp_s_fold() {
        assert_eq!(one("Straße"), one("Strasse"));
        assert_eq!(one("Fußball"), "fussball");
        assert_eq!(one("Zölle"), one("Zolle"));
        assert_eq!(one("Zölle"), one("Zoelle"));
        assert_eq!(one("Zöllen"), one("Zoelle"));
        assert_eq!(one("Müntefering"), one("Muentefering"));
        assert_eq!(one("Hoeneß"), one("Hoeness"));
        assert_eq!(one("Vendée"), one("Vendee"));
        assert_eq!(one("QUELLE"), one("Quelle"));
        assert!(one("Quelle").starts_with("quell"));
    }

    #[test]
    fn name_variants_share_a_phonetic_code() {
        let a = Analyzer::shared();
        let p = |w| a.phonetic(w).unwrap();
        assert_eq!(p("Selenskyj"), p("Selenski"));
        assert_eq!(p("Selenskyj"), p("Zelensky"));
        assert_eq!(p("Lukaschenko"), p("Lukaschenka"));
        assert_eq!(a.phonetic("Hoeneß"), a.phonetic("Hoeness"));
        assert_ne!(p("Selenskyj"), p("Lukaschenko"));
        assert_eq!(a.phonetic("und"), None);
        assert_eq!(a.phonetic("G20"), None);
    }

    #[test]
    fn fold_is_idempotent() {
        for w in [
            "zoell",
            "fussball",
            "muentefering",
            "vendée",
            "quelle",
            "aeoeue",
        ] {
            let once = fold(w);
            assert_eq!(fold(&once), once, "{w}");
        }
    }

    #[test]
    fn stopwords_go_also_without_umlauts() {
        assert_eq!(terms("für die Ukraine"), vec![one("Ukraine")]);
        assert_eq!(terms("fuer die Ukraine"), vec![one("Ukraine")]);
        assert!(terms("und oder aber").is_empty());
    }

    #[test]
    fn hyphenated_words_give_parts_and_whole() {
        let toks = Analyzer::shared().analyze("US-Präsident Trump");
        let texts: Vec<_> = toks.iter().map(|t| (t.text.as_str(), t.position)).collect();
        assert_eq!(
            texts,
            vec![
                ("usprasident", 0),
                ("us", 0),
                ("prasident", 1),
                ("trump", 2)
            ]
        );
        assert_eq!(toks[0].kind, TokenKind::Whole);
        // Each part has its own offsets; the whole spans the group.
        let text = "US-Präsident Trump";
        assert_eq!(&text[toks[0].start..toks[0].end], "US-Präsident");
        assert_eq!(&text[toks[1].start..toks[1].end], "US");
        assert_eq!(&text[toks[2].start..toks[2].end], "Präsident");
    }

    #[test]
    fn hoeness_affaere_whole_matches_glued_form() {
        let glued = one("Hoeneßaffäre");
        let toks = Analyzer::shared().analyze("Hoeneß-Affäre");
        assert_eq!(toks[0].text, glued);
    }

    #[test]
    fn soft_hyphen_is_invisible() {
        assert_eq!(terms("Münte\u{ad}fering"), vec![one("Müntefering")]);
        // Zero-width characters inside a word join it as it looks.
        for zw in ['\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}'] {
            assert_eq!(terms(&format!("Wehr{zw}pflicht")), vec![one("Wehrpflicht")]);
        }
        assert_eq!(terms("\u{feff}Zölle"), vec![one("Zölle")]);
    }

    #[test]
    fn apostrophe_s_is_cut() {
        assert_eq!(terms("Zelensky's Plan"), vec![one("Zelensky"), one("Plan")]);
    }

    #[test]
    fn offsets_are_byte_ranges_of_the_text() {
        let text = "Die Zölle für Stahl – »seltene Erden«.";
        for t in Analyzer::shared().analyze(text) {
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        }
        let toks = Analyzer::shared().analyze(text);
        assert_eq!(&text[toks[0].start..toks[0].end], "Zölle");
    }

    #[test]
    fn positions_count_stopwords() {
        let toks = Analyzer::shared().analyze("Abbau seltener Erden in der Ukraine");
        let pos: Vec<_> = toks.iter().map(|t| t.position).collect();
        assert_eq!(pos, vec![0, 1, 2, 5]);
    }

    #[test]
    fn numbers_and_junk() {
        assert_eq!(
            terms("CO2-Preis 2025"),
            vec!["co2preis", "co2", "preis", "2025"]
        );
        let long = "x".repeat(200);
        assert!(terms(&long).is_empty());
        assert!(terms("").is_empty());
        assert!(terms(" -- ' - ").is_empty());
    }

    #[test]
    fn asr_text_without_case_or_punctuation() {
        assert_eq!(
            terms("präsident selenskyj sagte die rohstoffe"),
            terms("Präsident Selenskyj sagte, die Rohstoffe")
        );
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Offsets are char boundaries inside the text, positions never fall.
        #[test]
        fn tokens_are_well_formed(text in "\\PC{0,200}") {
            let toks = Analyzer::shared().analyze(&text);
            let mut last = 0;
            for t in &toks {
                prop_assert!(t.start < t.end && t.end <= text.len());
                prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
                prop_assert!(t.position >= last);
                last = t.position;
            }
        }

        /// A word's analysed form starts its folded form: stemming only
        /// cuts endings. Snippets rely on it to skip words that cannot
        /// match without stemming them.
        #[test]
        fn stem_is_a_prefix_of_the_folded_word(
            w in "([a-zA-ZäöüÄÖÜßéèáàçñ\u{ad}]{1,24}|\\PC{1,24})"
        ) {
            if let Some(t) = Analyzer::shared().normalize(&w) {
                let lower: String = w
                    .chars()
                    .filter(|c| !is_invisible(*c))
                    .flat_map(char::to_lowercase)
                    .collect();
                let folded = fold(&lower);
                prop_assert!(folded.starts_with(&t), "{w:?}: {t:?} vs {folded:?}");
            }
        }

        /// `folded_start` is the start of `fold`, without allocating.
        #[test]
        fn folded_start_is_the_start_of_fold(
            w in "([a-zA-ZäöüÄÖÜßæœøłđéèáàçñqQeE\u{ad}\u{301}]{0,8}|\\PC{0,8})"
        ) {
            let lower: String = w
                .chars()
                .filter(|c| !is_invisible(*c))
                .flat_map(char::to_lowercase)
                .collect();
            let mut want = ['\0'; 2];
            for (slot, c) in want.iter_mut().zip(fold(&lower).chars()) {
                *slot = c;
            }
            prop_assert_eq!(folded_start(&w), want, "{:?}", w);
        }

        /// Folding twice changes nothing.
        #[test]
        fn fold_is_idempotent_on_any_text(w in "\\PC{0,30}") {
            let once = fold(&w.to_lowercase());
            prop_assert_eq!(fold(&once), once);
        }
    }
}
