//! Snippets: the best passages of a hit with every matched word marked.
//!
//! Passages are sentences (or, in text without punctuation such as
//! word-level speech recognition, runs of about 30 words) of the item's
//! blocks. Each is scored by how many different query terms it holds, then
//! by how many matches; the best few are cut to length around their
//! matches. Matching uses the same analyzer as the index, so "Rohstoffe"
//! marks "Rohstoffen", and a phrase is marked as one span.

use crate::analysis::{Analyzer, Token, TokenKind};
use crate::item::{BlockKind, Item};
use std::collections::{HashMap, HashSet};

/// Longest snippet, in characters.
pub const SNIPPET_CHARS: usize = 220;

/// Words a passage of unpunctuated text runs to.
const WORDS_PER_RUN: usize = 30;

/// What to mark: single terms and phrases, in analysed form.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// Analysed terms.
    pub terms: HashSet<String>,
    /// Phrases: (position offset, term) from the phrase's first word.
    pub phrases: Vec<Vec<(u32, String)>>,
    /// Compounds found through the word they start, with that word's
    /// length in letters of the analysed form: only that part of
    /// "Klimageld" is marked for "Klima" where such a compound is marked.
    pub prefixes: HashMap<String, usize>,
    /// Compounds found through the word they end (their head), with the
    /// length of the part before it in letters of the analysed form: only
    /// "mangel" of "Pflegekräftemangel" is marked for "Mangel".
    pub suffixes: HashMap<String, usize>,
    /// Forms that only rank and are not marked: a split compound's parts
    /// alone and the compounds those parts start. Every marked word is a
    /// match of the query.
    pub ranking: HashSet<String>,
    /// Where each marked term comes from: the query word it stands for and
    /// how (the word's own stem, or a same-sounding spelling of it), for
    /// `kwic` and `search --explain`.
    pub origins: HashMap<String, Origin>,
    /// Each phrase of `phrases` as the query has it.
    pub phrase_texts: Vec<String>,
}

/// How a marked term stands for a word of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// The query word's own stem (also a part of a hyphenated query word).
    Stem,
    /// A same-sounding spelling (Kölner Phonetik, at most one edit in four
    /// letters): "Selenski" for "Selenskyj".
    Phonetic,
    /// A word of the index one edit away from a long query word the index
    /// holds rarely or not at all: "Shanghai" for "Schanghai".
    Misspelling,
}

/// The query word a marked term stands for, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The word as the query has it.
    pub word: String,
    /// How the term stands for it.
    pub via: Via,
}

impl Marks {
    /// Whether there is nothing to mark.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.phrases.is_empty()
    }
}

/// One passage shown for a hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Snippet {
    /// The passage, maybe cut with "…".
    pub text: String,
    /// Marked spans, as [start, end) in characters of `text`.
    pub highlights: Vec<(usize, usize)>,
    /// The block kind the passage is from.
    pub kind: BlockKind,
    /// The speaker of the turn, where known.
    pub speaker: Option<String>,
    /// For subtitles and transcripts: when the matched words were said
    /// (the start of the cue holding the first match), in ms.
    pub start_ms: Option<u64>,
    /// … and the end of the passage, in ms.
    pub end_ms: Option<u64>,
}

impl Snippet {
    /// A speaker turn of a timed transcript whose speaker the source does
    /// not name: shown as such rather than guessed.
    pub fn speaker_unknown(&self) -> bool {
        self.kind == BlockKind::Turn && self.speaker.is_none()
    }
}

/// A matched span in bytes, and the term(s) it stands for (phrases have a
/// key of their own).
#[derive(Debug, Clone)]
struct Span {
    start: usize,
    end: usize,
    key: usize,
}

/// Byte spans of `text` that match `marks`, merged where they overlap,
/// each with the query term (key) it matched.
fn matches(
    analyzer: &Analyzer,
    text: &str,
    marks: &Marks,
    keys: &HashMap<&str, usize>,
) -> Vec<Span> {
    // Only words that can match are stemmed: a stem is a prefix of the
    // folded word, so a word whose folded form starts like no term is
    // skipped (stemming every word of ten long transcripts was most of a
    // query's time).
    let starts = term_starts(marks);
    let mut tokens = Vec::new();
    analyzer.analyze_into(text, &mut tokens, &mut |w| {
        could_match(&starts, w)
            .then(|| analyzer.normalize(w))
            .flatten()
    });
    let mut spans: Vec<Span> = Vec::new();
    for t in &tokens {
        if let Some(&key) = keys.get(t.text.as_str()) {
            let end = match marks.prefixes.get(t.text.as_str()) {
                Some(&letters) => prefix_end(text, t.start, t.end, letters),
                None => t.end,
            };
            let start = match marks.suffixes.get(t.text.as_str()) {
                Some(&letters) => prefix_end(text, t.start, t.end, letters),
                None => t.start,
            };
            // A compound found through both its parts is marked whole.
            let (start, end) = if start < end {
                (start, end)
            } else {
                (t.start, t.end)
            };
            spans.push(Span { start, end, key });
        }
    }
    if !marks.phrases.is_empty() {
        let mut by_pos: HashMap<u32, Vec<&Token>> = HashMap::new();
        for t in tokens.iter().filter(|t| t.kind == TokenKind::Word) {
            by_pos.entry(t.position).or_default().push(t);
        }
        for (pi, phrase) in marks.phrases.iter().enumerate() {
            let Some((_, first)) = phrase.first() else {
                continue;
            };
            for t in tokens
                .iter()
                .filter(|t| t.kind == TokenKind::Word && &t.text == first)
            {
                let mut end = t.end;
                let ok = phrase.iter().skip(1).all(|(off, term)| {
                    by_pos
                        .get(&(t.position + off))
                        .and_then(|ts| ts.iter().find(|x| &x.text == term))
                        .map(|x| end = end.max(x.end))
                        .is_some()
                });
                if ok {
                    spans.push(Span {
                        start: t.start,
                        end,
                        key: keys.len() + pi,
                    });
                }
            }
        }
    }
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut merged: Vec<Span> = Vec::new();
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.start < last.end => {
                if s.end > last.end {
                    last.end = s.end;
                }
                // A phrase span swallows its words: the phrase key wins.
                if s.key >= keys.len() {
                    last.key = s.key;
                }
            }
            _ => merged.push(s),
        }
    }
    merged
}

/// The first two letters of every term to mark (`'\0'` for a term of
/// one letter).
fn term_starts(marks: &Marks) -> Vec<[char; START]> {
    let mut v: Vec<[char; START]> = marks
        .terms
        .iter()
        .map(String::as_str)
        .chain(marks.phrases.iter().flatten().map(|(_, t)| t.as_str()))
        .map(|t| {
            let mut s = ['\0'; START];
            for (slot, c) in s.iter_mut().zip(t.chars()) {
                *slot = c;
            }
            s
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Letters of a term's start that a word must share to be stemmed.
const START: usize = 4;

/// Whether a word's analysed form can be one of the terms starting with
/// `starts`: its folded form must start like one of them (as far as the
/// term goes, up to [`START`] letters).
fn could_match(starts: &[[char; START]], word: &str) -> bool {
    let w: [char; START] = crate::analysis::folded_prefix(word);
    starts
        .iter()
        .any(|s| s.iter().zip(&w).all(|(a, b)| *a == '\0' || a == b))
}

/// The byte where the first `letters` letters of the analysed form of the
/// word `text[start..end]` end: "ß" counts two ("ss"), a soft hyphen or
/// another invisible character none, any other letter one (umlauts fold to
/// one).
fn prefix_end(text: &str, start: usize, end: usize, letters: usize) -> usize {
    let mut n = 0;
    for (i, c) in text[start..end].char_indices() {
        if n >= letters {
            return start + i;
        }
        n += match c {
            c if crate::analysis::is_invisible(c) => 0,
            'ß' | 'ẞ' => 2,
            _ => 1,
        };
    }
    end
}

fn term_keys(marks: &Marks) -> HashMap<&str, usize> {
    let mut v: Vec<&str> = marks.terms.iter().map(String::as_str).collect();
    v.sort_unstable();
    v.into_iter().enumerate().map(|(i, t)| (t, i)).collect()
}

/// One marked occurrence in a text: its byte range and what it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// First byte.
    pub start: usize,
    /// After the last byte.
    pub end: usize,
    /// The analysed term matched, or `None` for a phrase.
    pub term: Option<String>,
    /// For a phrase: its index in [`Marks::phrases`].
    pub phrase: Option<usize>,
}

/// Every marked occurrence in `text`, in order: exactly what snippets and
/// titles mark (overlapping matches merged, a phrase as one).
pub fn occurrences(analyzer: &Analyzer, text: &str, marks: &Marks) -> Vec<Occurrence> {
    let keys = term_keys(marks);
    let mut terms: Vec<&str> = vec![""; keys.len()];
    for (t, &i) in &keys {
        terms[i] = t;
    }
    matches(analyzer, text, marks, &keys)
        .into_iter()
        .map(|s| Occurrence {
            start: s.start,
            end: s.end,
            term: terms.get(s.key).map(|t| t.to_string()),
            phrase: s.key.checked_sub(keys.len()),
        })
        .collect()
}

/// Highlights of a short text such as a title, in characters.
pub fn highlight_all(analyzer: &Analyzer, text: &str, marks: &Marks) -> Vec<(usize, usize)> {
    let keys = term_keys(marks);
    matches(analyzer, text, marks, &keys)
        .into_iter()
        .map(|s| (char_index(text, s.start), char_index(text, s.end)))
        .collect()
}

fn char_index(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}

/// A candidate passage: a byte range of a block.
struct Passage {
    block: usize,
    start: usize,
    end: usize,
    /// The passage starts or ends inside a sentence (a run of words).
    open_start: bool,
    open_end: bool,
    spans: Vec<Span>,
    order: usize,
}

/// Sentence ranges of a text; in text without sentence punctuation, runs of
/// [`WORDS_PER_RUN`] words, marked as open where they cut a sentence.
fn passages(text: &str) -> Vec<(usize, usize, bool, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?')
            && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace())
        {
            // Not after a single capital or digit ("z.B.", "13. Februar").
            let prev_word_len = text[start..i]
                .rsplit(|c: char| c.is_whitespace())
                .next()
                .map_or(0, |w| w.chars().count());
            let prev_is_digit = i > 0 && bytes[i - 1].is_ascii_digit();
            if prev_word_len > 1 && !prev_is_digit {
                out.push((start, i + 1));
                start = i + 1;
            }
        }
        i += 1;
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    // Split overlong "sentences" (unpunctuated text) into word runs.
    let mut result = Vec::new();
    for (s, e) in out {
        let words: Vec<(usize, usize)> = word_ranges(&text[s..e])
            .map(|(a, b)| (s + a, s + b))
            .collect();
        if words.len() <= WORDS_PER_RUN * 2 {
            result.push((s, e, false, false));
            continue;
        }
        let n = words.len().div_ceil(WORDS_PER_RUN);
        for (i, chunk) in words.chunks(WORDS_PER_RUN).enumerate() {
            result.push((chunk[0].0, chunk[chunk.len() - 1].1, i > 0, i + 1 < n));
        }
    }
    result
        .into_iter()
        .map(|(s, e, os, oe)| {
            let (s, e) = trim_range(text, s, e);
            (s, e, os, oe)
        })
        .filter(|(s, e, _, _)| e > s)
        .collect()
}

fn word_ranges(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut pos = 0;
    text.split_whitespace().map(move |w| {
        let start = pos + text[pos..].find(w).unwrap_or(0);
        pos = start + w.len();
        (start, pos)
    })
}

fn trim_range(text: &str, s: usize, e: usize) -> (usize, usize) {
    let slice = &text[s..e];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    (s + lead, e - trail.min(slice.len() - lead))
}

/// The best `max` snippets of an item for `marks`, best first. Passages
/// spoken by a speaker for whom `preferred` holds (the `--speaker` filter)
/// come first. Without any match in the text (the item matched by speaker
/// or programme), the lead.
pub fn snippets(
    analyzer: &Analyzer,
    item: &Item,
    marks: &Marks,
    max: usize,
    preferred: &dyn Fn(&str) -> bool,
) -> Vec<Snippet> {
    snippets_in(analyzer, item, marks, max, preferred, None)
}

/// [`snippets`], those of `story` first (after a preferred speaker's): the
/// hit names its best story, and shows it.
pub fn snippets_in(
    analyzer: &Analyzer,
    item: &Item,
    marks: &Marks,
    max: usize,
    preferred: &dyn Fn(&str) -> bool,
    story: Option<&crate::item::Story>,
) -> Vec<Snippet> {
    if max == 0 {
        return Vec::new();
    }
    let keys = term_keys(marks);
    let mut cands: Vec<Passage> = Vec::new();
    for (bi, block) in item.blocks.iter().enumerate() {
        if matches!(block.kind, BlockKind::Credit | BlockKind::Kicker) || marks.is_empty() {
            continue;
        }
        let spans = matches(analyzer, &block.text, marks, &keys);
        if spans.is_empty() {
            continue;
        }
        for (s, e, open_start, open_end) in passages(&block.text) {
            let inside: Vec<Span> = spans
                .iter()
                .filter(|sp| sp.start >= s && sp.end <= e)
                .cloned()
                .collect();
            if !inside.is_empty() {
                let order = cands.len();
                cands.push(Passage {
                    block: bi,
                    start: s,
                    end: e,
                    open_start,
                    open_end,
                    spans: inside,
                    order,
                });
            }
        }
    }
    let score = |p: &Passage| {
        let distinct: HashSet<usize> = p.spans.iter().map(|s| s.key).collect();
        let phrase_bonus = p.spans.iter().filter(|s| s.key >= keys.len()).count();
        let by_preferred = item.blocks[p.block]
            .speaker
            .as_deref()
            .is_some_and(preferred);
        let in_story = story.is_some_and(|st| {
            let at = [p.block, p.start];
            // A passage the story starts inside counts as its own.
            st.from <= [p.block, p.end.saturating_sub(1)] && at < st.to
        });
        (
            by_preferred,
            in_story,
            distinct.len() + phrase_bonus,
            p.spans.len().min(5),
        )
    };
    cands.sort_by(|a, b| score(b).cmp(&score(a)).then(a.order.cmp(&b.order)));
    let mut out: Vec<Snippet> = cands.iter().take(max).map(|p| cut(item, p)).collect();
    if out.is_empty()
        && let Some(b) = item.blocks.iter().find(|b| {
            !matches!(
                b.kind,
                BlockKind::Credit | BlockKind::Kicker | BlockKind::Caption
            )
        })
    {
        let (s, e, open_start, open_end) =
            passages(&b.text)
                .first()
                .copied()
                .unwrap_or((0, b.text.len(), false, false));
        let p = Passage {
            block: item
                .blocks
                .iter()
                .position(|x| std::ptr::eq(x, b))
                .unwrap_or(0),
            start: s,
            end: e,
            open_start,
            open_end,
            spans: Vec::new(),
            order: 0,
        };
        out.push(cut(item, &p));
    }
    out
}

/// Cut a passage to [`SNIPPET_CHARS`] around its matches, at word
/// boundaries, and turn byte spans into character offsets of the result.
fn cut(item: &Item, p: &Passage) -> Snippet {
    let block = &item.blocks[p.block];
    let text = &block.text;
    let (mut s, mut e) = (p.start, p.end);
    if text[s..e].chars().count() > SNIPPET_CHARS {
        // Centre on the matches: from a little before the first to as far
        // as the limit allows.
        let first = p.spans.first().map_or(s, |sp| sp.start);
        let budget_before = SNIPPET_CHARS / 4;
        let mut ns = first;
        let mut count = 0;
        for (i, _) in text[s..first].char_indices().rev() {
            count += 1;
            ns = s + i;
            if count >= budget_before {
                break;
            }
        }
        s = snap_forward_to_word(text, ns, first, p.start);
        let mut ne = s;
        for (n, (i, c)) in text[s..e].char_indices().enumerate() {
            if n >= SNIPPET_CHARS {
                break;
            }
            ne = s + i + c.len_utf8();
        }
        e = snap_back_to_word(text, s, ne, p.end);
    }
    let mut out = String::new();
    let mut offset_chars = 0;
    if s > p.start || p.open_start {
        out.push_str("… ");
        offset_chars = 2;
    }
    out.push_str(&text[s..e]);
    let mut highlights = Vec::new();
    for sp in &p.spans {
        if sp.start >= s && sp.end <= e {
            highlights.push((
                offset_chars + text[s..sp.start].chars().count(),
                offset_chars + text[s..sp.end].chars().count(),
            ));
        }
    }
    if e < p.end || p.open_end {
        out.push_str(" …");
    }
    let at = p.spans.first().map_or(s, |sp| sp.start.max(s));
    Snippet {
        text: out,
        highlights,
        kind: block.kind,
        speaker: block.speaker.clone(),
        start_ms: block.time_at(at),
        end_ms: block.end_ms,
    }
}

fn snap_forward_to_word(text: &str, at: usize, limit: usize, floor: usize) -> usize {
    if at <= floor {
        return floor;
    }
    match text[at..limit].find(char::is_whitespace) {
        Some(i) => {
            let j = at + i;
            j + text[j..].chars().next().map_or(0, char::len_utf8)
        }
        None => at,
    }
}

fn snap_back_to_word(text: &str, start: usize, at: usize, ceil: usize) -> usize {
    if at >= ceil {
        return ceil;
    }
    match text[start..at].rfind(char::is_whitespace) {
        Some(i) if i > 0 => {
            let end = start + i;
            let t = text[start..end].trim_end_matches([',', ';', ':', ' ']);
            start + t.len()
        }
        _ => at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Block;

    #[test]
    fn only_words_that_start_like_a_term_are_stemmed() {
        let mut marks = Marks::default();
        marks
            .terms
            .extend(["rohstoff".to_string(), "zoll".to_string(), "eu".to_string()]);
        let starts = term_starts(&marks);
        for w in [
            "Rohstoffabkommen",
            "ROHSTOFFE",
            "Zölle",
            "Zoelle",
            "EU",
            "Europa",
        ] {
            assert!(could_match(&starts, w), "{w}");
        }
        // "Rohre" and "Zorn" share two letters with a term, not four.
        for w in ["Rohre", "Zorn", "Roh", "Selenskyj"] {
            assert!(!could_match(&starts, w), "{w}");
        }
    }

    fn marks(words: &[&str]) -> Marks {
        let a = Analyzer::shared();
        Marks {
            terms: words.iter().filter_map(|w| a.normalize(w)).collect(),
            ..Marks::default()
        }
    }

    fn item(blocks: Vec<Block>) -> Item {
        Item {
            id: "x".into(),
            title: "T".into(),
            date: None,
            program: None,
            speakers: vec![],
            blocks,
            source: "x".into(),
            media: None,
            stories: Vec::new(),
        }
    }

    fn marked(s: &Snippet) -> Vec<String> {
        let chars: Vec<char> = s.text.chars().collect();
        s.highlights
            .iter()
            .map(|(a, b)| chars[*a..*b].iter().collect())
            .collect()
    }

    #[test]
    fn prefix_of_a_compound_ends_where_the_part_does() {
        let t = "Das Klimageldes wegen";
        let start = t.find("Klima").unwrap();
        let end = start + "Klimageldes".len();
        assert_eq!(&t[start..prefix_end(t, start, end, 5)], "Klima");
        // "ß" is "ss" in the analysed form, umlauts one letter.
        let t = "Straßenbahn";
        assert_eq!(&t[..prefix_end(t, 0, t.len(), 6)], "Straß");
        let t = "Übergangsfrist";
        assert_eq!(&t[..prefix_end(t, 0, t.len(), 8)], "Übergang");
    }

    #[test]
    fn marks_inflected_forms() {
        let it = item(vec![Block::new(
            BlockKind::Paragraph,
            "Präsident Selenskyj hatte den USA Zugang zu Rohstoffen angeboten. Das Wetter bleibt mild.",
        )]);
        let s = snippets(
            Analyzer::shared(),
            &it,
            &marks(&["Selenskyj", "Rohstoffe"]),
            3,
            &|_| false,
        );
        assert_eq!(s.len(), 1);
        assert_eq!(marked(&s[0]), vec!["Selenskyj", "Rohstoffen"]);
        assert_eq!(
            s[0].text,
            "Präsident Selenskyj hatte den USA Zugang zu Rohstoffen angeboten."
        );
    }

    #[test]
    fn the_named_story_shows_first() {
        // The strike is told in the first story with both words; the
        // second story, the one the hit names, mentions one of them.
        let it = item(vec![
            Block::new(
                BlockKind::Paragraph,
                "Der Warnstreik bei der Bahn legt morgen den Verkehr lahm.",
            ),
            Block::new(
                BlockKind::Paragraph,
                "Am Abend endete der Warnstreik. Die Züge fahren wieder.",
            ),
        ]);
        let m = marks(&["Warnstreik", "Bahn"]);
        let a = Analyzer::shared();
        let first = snippets(a, &it, &m, 1, &|_| false);
        assert!(first[0].text.starts_with("Der Warnstreik bei der Bahn"));
        let story = crate::item::Story {
            from: [1, 0],
            to: [2, 0],
            positions: [12, 30],
            start_ms: None,
            end_ms: None,
        };
        let named = snippets_in(a, &it, &m, 2, &|_| false, Some(&story));
        assert_eq!(named[0].text, "Am Abend endete der Warnstreik.");
        assert!(named[1].text.starts_with("Der Warnstreik bei der Bahn"));
    }

    #[test]
    fn phrase_is_one_span() {
        let a = Analyzer::shared();
        let m = Marks {
            terms: HashSet::new(),
            phrases: vec![vec![
                (0, a.normalize("seltener").unwrap()),
                (1, a.normalize("Erden").unwrap()),
            ]],
            ..Marks::default()
        };
        let it = item(vec![Block::new(
            BlockKind::Paragraph,
            "Es geht um den Abbau seltener Erden in der Ukraine. Erden allein zählt nicht.",
        )]);
        let s = snippets(a, &it, &m, 3, &|_| false);
        assert_eq!(marked(&s[0]), vec!["seltener Erden"]);
    }

    #[test]
    fn best_passage_first_and_long_ones_cut() {
        let long = format!("{} Rohstoffe und Selenskyj am Ende.", "Wort ".repeat(100));
        let it = item(vec![
            Block::new(BlockKind::Paragraph, "Nur Rohstoffe hier."),
            Block::new(BlockKind::Paragraph, &long),
        ]);
        let s = snippets(
            Analyzer::shared(),
            &it,
            &marks(&["Selenskyj", "Rohstoffe"]),
            2,
            &|_| false,
        );
        assert_eq!(s.len(), 2);
        assert!(s[0].text.starts_with("… "), "{}", s[0].text);
        assert!(s[0].text.chars().count() <= SNIPPET_CHARS + 4);
        assert_eq!(marked(&s[0]), vec!["Rohstoffe", "Selenskyj"]);
        assert_eq!(s[1].text, "Nur Rohstoffe hier.");
    }

    #[test]
    fn the_filtered_speakers_words_come_first() {
        let mut host = Block::new(BlockKind::Turn, "Frau Baerbock, wann kommt die Waffenruhe?");
        host.speaker = Some("Christoph Heinemann".into());
        let mut guest = Block::new(
            BlockKind::Turn,
            "Eine Waffenruhe muss die Ukraine schützen.",
        );
        guest.speaker = Some("Annalena Baerbock".into());
        let it = item(vec![host, guest]);
        let s = snippets(
            Analyzer::shared(),
            &it,
            &marks(&["Waffenruhe"]),
            1,
            &|name| name.contains("Baerbock"),
        );
        assert_eq!(s[0].speaker.as_deref(), Some("Annalena Baerbock"));
    }

    #[test]
    fn turn_snippets_carry_the_speaker() {
        let mut b = Block::new(BlockKind::Turn, "Wir brauchen eine Waffenruhe.");
        b.speaker = Some("Annalena Baerbock".into());
        let s = snippets(
            Analyzer::shared(),
            &item(vec![b]),
            &marks(&["Waffenruhe"]),
            1,
            &|_| false,
        );
        assert_eq!(s[0].speaker.as_deref(), Some("Annalena Baerbock"));
    }

    #[test]
    fn unpunctuated_asr_is_cut_in_runs() {
        let text = "guten abend meine damen und herren ".repeat(20)
            + "die zölle auf stahl steigen "
            + &"und so weiter ".repeat(20);
        let it = item(vec![Block::new(BlockKind::Paragraph, &text)]);
        let s = snippets(Analyzer::shared(), &it, &marks(&["Zölle"]), 1, &|_| false);
        assert_eq!(marked(&s[0]), vec!["zölle"]);
        assert!(s[0].text.chars().count() <= SNIPPET_CHARS + 4);
    }

    #[test]
    fn no_match_gives_the_lead() {
        let it = item(vec![Block::new(
            BlockKind::Lead,
            "Erster Satz. Zweiter Satz.",
        )]);
        let s = snippets(Analyzer::shared(), &it, &marks(&["Baerbock"]), 2, &|_| {
            false
        });
        assert_eq!(s[0].text, "Erster Satz.");
        assert!(s[0].highlights.is_empty());
    }

    #[test]
    fn highlights_titles() {
        let h = highlight_all(Analyzer::shared(), "Zölle für Stahl", &marks(&["Zoelle"]));
        assert_eq!(h, vec![(0, 5)]);
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use crate::item::Block;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Snippets of arbitrary text: highlights lie inside the snippet,
        /// in order, and nothing panics.
        #[test]
        fn highlights_stay_inside(text in "\\PC{0,300}", word in "[a-zäöüß]{1,8}") {
            let a = Analyzer::shared();
            let marks = Marks {
                terms: a.normalize(&word).into_iter().collect(),
                ..Marks::default()
            };
            let item = Item {
                id: "x".into(),
                title: text.clone(),
                date: None,
                program: None,
                speakers: vec![],
                blocks: vec![Block::new(BlockKind::Paragraph, &text)],
                source: "x".into(),
                media: None,
                stories: Vec::new(),
            };
            for s in snippets(a, &item, &marks, 3, &|_| false) {
                let n = s.text.chars().count();
                let mut last = 0;
                for (start, end) in s.highlights {
                    prop_assert!(start >= last && start < end && end <= n);
                    last = end;
                }
            }
            for (start, end) in highlight_all(a, &text, &marks) {
                prop_assert!(start < end && end <= text.chars().count());
            }
        }
    }
}
