//! Stories: a long broadcast cut into the reports it is made of, at index
//! time.
//!
//! A tagesschau transcript holds 10–15 stories in a row; a query is after
//! one of them, and a user wants to see that one. The cut follows
//! TextTiling (Hearst 1997): the text is read as sentences (runs of
//! [`RUN_WORDS`] words where speech recognition wrote no punctuation), and
//! at each gap between two sentences the [`WINDOW`] content words before
//! it are compared with those after it (cosine of their stem counts, each
//! stem weighted by its idf among the item's sentences, so that "heute" or
//! "Prozent" say little). Where a story ends, the vocabulary changes and
//! the similarity drops; the depth of each valley (how far it lies below
//! the peaks on either side) says how sure a boundary is. Other signs add
//! to a gap's depth:
//!
//! - a cue phrase at the start of the sentence after it ("Das Wetter",
//!   "Die Lottozahlen", "Und nun zum Sport", "Guten Abend"), [`CUES`];
//! - a pause of [`PAUSE_MS`] before it in timed material (subtitles, ASR
//!   with times; between two cues of one passage, the time between their
//!   starts less the time the words take, [`MS_PER_WORD`]);
//! - the anchor taking the turn (in a transcript with speakers: the item's
//!   first speaker, or the most frequent one, after someone else spoke).
//!
//! Gaps deeper than the mean depth plus half a standard deviation become
//! boundaries (TextTiling's liberal cut-off, mean less half a deviation,
//! cut the rundowns' 11 topics into 23 stories), the deepest first, none
//! closer than [`MIN_STORY`] content words to another.
//!
//! Each story keeps where it starts and ends in the item's blocks, its
//! span of word positions in the index's `text` field (so that search can
//! rank by story from the postings) and, for timed items, its start and
//! end time. Figures against the tagesschau rundowns are in
//! `docs/relevance.md` (`archivar-stories`).

use crate::analysis::{Analyzer, TokenKind};
use crate::index::dedup::ItemWords;
use crate::item::{BlockKind, Item, STORY_MIN_WORDS, Story};
use rustc_hash::FxHashMap;
use std::cell::RefCell;

/// Content words (no stopwords) compared on either side of a gap.
pub const WINDOW: usize = 60;
/// Fewest content words a story has.
pub const MIN_STORY: usize = 25;
/// Words a run of unpunctuated text (word-level ASR) is cut into.
pub const RUN_WORDS: u32 = 30;
/// A pause this long before a passage of a timed item counts as a cue.
pub const PAUSE_MS: u64 = 1_500;

/// Phrases that open a new story in German news, lower case, matched at
/// the start of a sentence (after "und", "nun" or "jetzt" too).
pub const CUES: &[&str] = &[
    "guten abend",
    "meine damen und herren",
    "das wetter",
    "die wetteraussichten",
    "die wettervorhersage",
    "zum wetter",
    "die lottozahlen",
    "zum sport",
    "im sport",
    "der sport",
    "zum fußball",
    "im fußball",
    "in der fußball",
    "zu den weiteren",
    "weitere meldungen",
    "weitere nachrichten",
    "die weiteren nachrichten",
    "im überblick",
    "kurz notiert",
    "zum schluss",
    "zum abschluss",
    "zu guter letzt",
    "das war die tagesschau",
    "heute im studio",
    "ich begrüße sie",
];

/// How the segmenter weighs its signs; [`Params::default`] is what the
/// index uses (tuned on the tagesschau rundowns, `docs/relevance.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Content words compared on either side of a gap.
    pub window: usize,
    /// Fewest content words a story has.
    pub min_story: usize,
    /// A gap is a boundary when its depth exceeds mean − `cutoff` × sd.
    pub cutoff: f32,
    /// Depth added by a cue phrase.
    pub cue: f32,
    /// Depth added by a pause of [`PAUSE_MS`] or more.
    pub pause: f32,
    /// Depth added where the anchor takes the turn.
    pub anchor: f32,
    /// Depth added at a block boundary (a new paragraph or subtitle line).
    pub block: f32,
    /// Fewest words (positions) an item has to be cut.
    pub min_words: usize,
    /// Weight words by their inverse frequency among the item's sentences
    /// (0 = counts only, 1 = idf).
    pub idf: f32,
    /// The least depth of a boundary, whatever the mean: text of one
    /// subject has valleys too, only shallow ones.
    pub min_depth: f32,
    /// An item is cut only where stretches 3 or more windows apart are
    /// less alike than this share of neighbouring ones ([`contrast`]): a
    /// broadcast of many reports, not a speech on one subject.
    pub max_contrast: f32,
    /// The same on cheap words ([`quick_contrast`]), tried first.
    pub max_quick_contrast: f32,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            window: WINDOW,
            min_story: MIN_STORY,
            cutoff: -0.5,
            cue: 0.3,
            pause: 0.2,
            anchor: 0.3,
            block: 0.0,
            min_words: STORY_MIN_WORDS,
            idf: 1.0,
            min_depth: 0.0,
            max_contrast: 0.45,
            max_quick_contrast: 0.4,
        }
    }
}

/// A sentence (or run of words) of a block: the unit stories are made of.
#[derive(Debug, Clone)]
struct Unit {
    block: usize,
    /// Byte offset in the block's text where it starts.
    start: usize,
    /// Its first word position in the `text` field.
    position: u32,
    /// Its content words, as ids of their stems.
    words: Vec<u32>,
    /// How many content words it has.
    count: usize,
    /// Depth added to the gap before it by cues, pauses and turns.
    bonus: f32,
}

thread_local! {
    // Stems, memoised per thread as the tokenizer does (the stemmer is
    // most of the analysis time), bounded like its memo.
    static MEMO: RefCell<FxHashMap<Box<str>, Option<Box<str>>>> = RefCell::new(FxHashMap::default());
}

const MEMO_LIMIT: usize = 200_000;

/// The stories of an item, with the default [`Params`]: empty for an item
/// of fewer than [`STORY_MIN_WORDS`] words or of one subject. `words` are
/// its words as near-duplicate detection reads them.
pub fn segment(item: &Item, words: &ItemWords) -> Vec<Story> {
    segment_with(item, words, &Params::default())
}

/// [`segment`] with other weights (for tuning them: `archivar-stories`).
pub fn segment_with(item: &Item, words: &ItemWords, params: &Params) -> Vec<Story> {
    if words.words.len() < params.min_words {
        return Vec::new();
    }
    match quick_contrast(&words.stems, params.window) {
        Some((near, far)) if far < params.max_quick_contrast * near => {}
        _ => return Vec::new(),
    }
    let units = MEMO.with(|memo| units(item, params, &mut memo.borrow_mut()));
    let Some((units, end)) = units else {
        return Vec::new();
    };
    // One subject (a speech, an interview): its distant stretches are
    // nearly as alike as its neighbouring ones.
    match unit_contrast(&units, params) {
        Some((near, far)) if far < params.max_contrast * near => {}
        _ => return Vec::new(),
    }
    let cuts = boundaries(&units, params);
    if cuts.is_empty() {
        return Vec::new();
    }
    stories(item, &units, &cuts, end)
}

/// How much more alike neighbouring stretches of [`Params::window`]
/// content words are than stretches 3 or more apart: (mean cosine of
/// neighbours, mean cosine of distant ones). `None` for a short item.
pub fn contrast(item: &Item, params: &Params) -> Option<(f32, f32)> {
    let (units, _) = MEMO.with(|memo| units(item, params, &mut memo.borrow_mut()))?;
    unit_contrast(&units, params)
}

/// [`contrast`] on the crude stems near-duplicate detection reads anyway
/// (`dedup::ItemWords::stems`), in stretches of [`Params::window`] stems,
/// each weighted by its idf among the stretches. Most long items are
/// speeches on one subject; this tells them without analysing their text.
pub fn quick_contrast(stems: &[u64], window: usize) -> Option<(f32, f32)> {
    let mut counted: Vec<Vec<(u64, f32)>> = Vec::new();
    let mut df: FxHashMap<u64, f32> = FxHashMap::default();
    let mut chunk: Vec<u64> = Vec::with_capacity(window);
    for part in stems.chunks(window.max(1)) {
        if part.len() < window / 2 {
            break;
        }
        chunk.clear();
        chunk.extend_from_slice(part);
        chunk.sort_unstable();
        let mut v: Vec<(u64, f32)> = Vec::with_capacity(chunk.len());
        for &w in &chunk {
            match v.last_mut() {
                Some((last, n)) if *last == w => *n += 1.0,
                _ => {
                    v.push((w, 1.0));
                    *df.entry(w).or_default() += 1.0;
                }
            }
        }
        counted.push(v);
    }
    let n = counted.len() as f32;
    let mut norms = Vec::with_capacity(counted.len());
    for v in &mut counted {
        for (w, x) in v.iter_mut() {
            *x *= (n / df[w]).ln();
        }
        norms.push(v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt());
    }
    let cos = |i: usize, j: usize| {
        let (a, b) = (&counted[i], &counted[j]);
        let (mut p, mut q, mut dot) = (0, 0, 0.0f32);
        while p < a.len() && q < b.len() {
            match a[p].0.cmp(&b[q].0) {
                std::cmp::Ordering::Less => p += 1,
                std::cmp::Ordering::Greater => q += 1,
                std::cmp::Ordering::Equal => {
                    dot += a[p].1 * b[q].1;
                    p += 1;
                    q += 1;
                }
            }
        }
        let d = norms[i] * norms[j];
        if d == 0.0 { 0.0 } else { dot / d }
    };
    let (mut near, mut nn, mut far, mut nf) = (0.0, 0, 0.0, 0);
    for i in 0..counted.len() {
        for j in i + 1..counted.len() {
            if j == i + 1 {
                near += cos(i, j);
                nn += 1;
            } else if j >= i + 3 {
                far += cos(i, j);
                nf += 1;
            }
        }
    }
    (nn > 0 && nf > 0).then(|| (near / nn as f32, far / nf as f32))
}

/// Mean cosine of neighbouring chunks and of chunks 3 or more apart.
fn near_far<K: std::hash::Hash + Eq>(chunks: &[FxHashMap<K, f32>]) -> Option<(f32, f32)> {
    let (mut near, mut nn, mut far, mut nf) = (0.0, 0, 0.0, 0);
    for i in 0..chunks.len() {
        for j in i + 1..chunks.len() {
            let c = cosine(&chunks[i], &chunks[j]);
            if j == i + 1 {
                near += c;
                nn += 1;
            } else if j >= i + 3 {
                far += c;
                nf += 1;
            }
        }
    }
    (nn > 0 && nf > 0).then(|| (near / nn as f32, far / nf as f32))
}

fn unit_contrast(units: &[Unit], params: &Params) -> Option<(f32, f32)> {
    let weight = idf_weights(units, params);
    let mut chunks: Vec<FxHashMap<u32, f32>> = vec![FxHashMap::default()];
    let mut k = 0;
    for u in units {
        let c = chunks.last_mut()?;
        for &w in &u.words {
            *c.entry(w).or_default() += weight(w);
        }
        k += u.count;
        if k >= params.window {
            chunks.push(FxHashMap::default());
            k = 0;
        }
    }
    near_far(&chunks)
}

/// Each stem's weight: its idf among the units, blended with 1 by
/// [`Params::idf`].
fn idf_weights(units: &[Unit], params: &Params) -> impl Fn(u32) -> f32 {
    let mut df: FxHashMap<u32, f32> = FxHashMap::default();
    for u in units {
        let mut seen: Vec<u32> = u.words.clone();
        seen.sort_unstable();
        seen.dedup();
        for w in seen {
            *df.entry(w).or_default() += 1.0;
        }
    }
    let n = units.len() as f32;
    let blend = params.idf;
    move |w: u32| {
        let idf = (n / df.get(&w).copied().unwrap_or(1.0)).ln();
        1.0 - blend + blend * idf
    }
}

/// The item's units and the end of its word positions, or `None` when it
/// is too short to cut.
fn units(
    item: &Item,
    params: &Params,
    memo: &mut FxHashMap<Box<str>, Option<Box<str>>>,
) -> Option<(Vec<Unit>, u32)> {
    let analyzer = Analyzer::shared();
    let mut norm = |w: &str| {
        if let Some(hit) = memo.get(w) {
            return hit.as_deref().map(str::to_string);
        }
        let n = analyzer.normalize(w);
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        memo.insert(w.into(), n.as_deref().map(Box::from));
        n
    };
    let mut ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut tokens = Vec::new();
    // Word positions as tantivy counts them over the values of the `text`
    // field (see `writer::document`: the title, then every block but
    // credits): a value ends after its last token, and the next starts one
    // position later.
    let mut base: u32 = 0;
    let advance = |base: &mut u32, tokens: &[crate::analysis::Token]| {
        let end = tokens.iter().map(|t| t.position + 1).max().unwrap_or(0);
        *base += end + 1;
    };
    if !item.title.is_empty() {
        tokens.clear();
        analyzer.analyze_into(&item.title, &mut tokens, &mut norm);
        advance(&mut base, &tokens);
    }
    let anchor = anchor(item);
    let mut out: Vec<Unit> = Vec::new();
    let mut prev_block: Option<usize> = None;
    for (bi, b) in item.blocks.iter().enumerate() {
        if b.kind == BlockKind::Credit {
            continue;
        }
        tokens.clear();
        analyzer.analyze_into(&b.text, &mut tokens, &mut norm);
        // What the block's start adds to the gap before it.
        let mut block_bonus = params.block;
        if let Some(p) = prev_block.map(|p| &item.blocks[p]) {
            if let (Some(end), Some(start)) = (p.end_ms.or(p.start_ms), b.start_ms)
                && start.saturating_sub(end) >= PAUSE_MS
            {
                block_bonus += params.pause;
            }
            if let Some(a) = anchor
                && b.speaker.as_deref() == Some(a)
                && p.speaker.as_deref() != Some(a)
            {
                block_bonus += params.anchor;
            }
        }
        prev_block = Some(bi);
        let ends = sentence_ends(&b.text);
        let mut next_end = 0; // index into `ends`
        let mut unit_start_pos: Option<u32> = None;
        let mut first = true;
        for t in tokens.iter().filter(|t| t.kind == TokenKind::Word) {
            // A new unit at a sentence end, or after RUN_WORDS positions of
            // an overlong unpunctuated run.
            let mut new_unit = first;
            let mut at_sentence = false;
            while next_end < ends.len() && t.start >= ends[next_end] {
                next_end += 1;
                new_unit = true;
                at_sentence = true;
            }
            if let Some(s) = unit_start_pos
                && !new_unit
                && t.position >= s + RUN_WORDS
                && !sentence_ahead(&ends, next_end, &b.text, t.start, RUN_WORDS)
            {
                new_unit = true;
            }
            if new_unit {
                // The unit starts where its sentence does (stopwords such
                // as "Und nun das" are no tokens), or at its first word
                // where a run of words is cut.
                let start = if first {
                    0
                } else if at_sentence {
                    let e = ends[next_end - 1];
                    e + (b.text[e..].len() - b.text[e..].trim_start().len())
                } else {
                    t.start
                };
                let mut bonus = if first { block_bonus } else { 0.0 };
                if !first && cue_pause(b, start) >= PAUSE_MS {
                    bonus += params.pause;
                }
                if has_cue(&b.text[start..]) {
                    bonus += params.cue;
                }
                out.push(Unit {
                    block: bi,
                    start,
                    position: base + t.position,
                    words: Vec::new(),
                    count: 0,
                    bonus,
                });
                unit_start_pos = Some(t.position);
                first = false;
            }
            if t.text.chars().count() >= 3
                && !t.text.chars().all(|c| c.is_ascii_digit())
                && let Some(u) = out.last_mut()
            {
                u.count += 1;
                let n = ids.len() as u32;
                u.words.push(*ids.entry(t.text.clone()).or_insert(n));
            }
        }
        advance(&mut base, &tokens);
    }
    (out.len() >= 4).then_some((out, base))
}

/// Milliseconds spoken per word, to tell a pause between two cues of one
/// block, which keeps only their starts: about 2.4 words a second in
/// German news.
pub const MS_PER_WORD: u64 = 420;

/// The pause before the cue of block `b` that starts at byte `at`,
/// estimated from the cue before it: the time between their starts less
/// the time its words take. 0 where no cue starts at `at`.
fn cue_pause(b: &crate::item::Block, at: usize) -> u64 {
    let Ok(i) = b.cues.binary_search_by_key(&(at as u64), |c| c[0]) else {
        return 0;
    };
    let Some(prev) = i.checked_sub(1).map(|p| b.cues[p]) else {
        return 0;
    };
    let words = b
        .text
        .get(prev[0] as usize..at)
        .map_or(0, |t| t.split_whitespace().count()) as u64;
    b.cues[i][1]
        .saturating_sub(prev[1])
        .saturating_sub(words * MS_PER_WORD)
}

/// Whether a sentence end lies within `run` words after byte `at`: then
/// the run is not cut here but at that end.
fn sentence_ahead(ends: &[usize], next: usize, text: &str, at: usize, run: u32) -> bool {
    let Some(&end) = ends.get(next) else {
        return false;
    };
    text[at..end.min(text.len())].split_whitespace().count() <= run as usize
}

/// Byte offsets just after each sentence end of `text`: a `.`, `!` or `?`
/// before white space or the end, not after a single letter or a digit
/// ("z.B.", "13. Februar"), as snippets cut sentences.
fn sentence_ends(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut word_len = 0usize;
    let mut prev_digit = false;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?')
            && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace())
            && word_len > 1
            && !prev_digit
        {
            out.push(i + 1);
        }
        if c.is_whitespace() {
            word_len = 0;
        } else {
            word_len += 1;
        }
        prev_digit = c.is_ascii_digit();
    }
    out
}

/// Whether a text starts with a cue phrase, maybe after "und", "nun",
/// "jetzt" (any case, punctuation between words ignored).
fn has_cue(text: &str) -> bool {
    let mut words = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .take(8)
        .collect::<Vec<_>>();
    while words
        .first()
        .is_some_and(|w| matches!(w.as_str(), "und" | "nun" | "jetzt" | "so" | "hier"))
    {
        words.remove(0);
    }
    let head = words.join(" ");
    CUES.iter()
        .any(|c| head.starts_with(c) && head[c.len()..].chars().next().is_none_or(|n| n == ' '))
}

/// The anchor of a transcript with speakers: the item's first speaker if
/// it has turns, else none.
fn anchor(item: &Item) -> Option<&str> {
    let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
    for b in &item.blocks {
        if let (BlockKind::Turn, Some(s)) = (b.kind, b.speaker.as_deref()) {
            *counts.entry(s).or_default() += 1;
        }
    }
    if counts.len() < 2 {
        return None;
    }
    item.speakers
        .iter()
        .map(String::as_str)
        .find(|s| counts.contains_key(s))
        .or_else(|| counts.iter().max_by_key(|(_, n)| **n).map(|(s, _)| *s))
}

/// Indices of the units that start a new story (never the first).
fn boundaries(units: &[Unit], params: &Params) -> Vec<usize> {
    let n = units.len();
    // Content words before each unit, to measure distances in words.
    let mut before = Vec::with_capacity(n + 1);
    let mut total = 0usize;
    for u in units {
        before.push(total);
        total += u.count;
    }
    before.push(total);
    // Similarity at each gap g (before unit g), g in 1..n.
    let mut sim = vec![0.0f32; n];
    // Words found in many of the item's sentences ("heute", "Prozent")
    // say little about where a story ends.
    let weight = idf_weights(units, params);
    let mut left: FxHashMap<u32, f32> = FxHashMap::default();
    let mut right: FxHashMap<u32, f32> = FxHashMap::default();
    for g in 1..n {
        left.clear();
        right.clear();
        let mut k = 0;
        for u in units[..g].iter().rev() {
            for &w in &u.words {
                *left.entry(w).or_default() += weight(w);
            }
            k += u.count;
            if k >= params.window {
                break;
            }
        }
        let mut k = 0;
        for u in &units[g..] {
            for &w in &u.words {
                *right.entry(w).or_default() += weight(w);
            }
            k += u.count;
            if k >= params.window {
                break;
            }
        }
        sim[g] = cosine(&left, &right);
    }
    // Smoothed over three gaps, as TextTiling does.
    let mut smooth = sim.clone();
    for (g, x) in smooth.iter_mut().enumerate().skip(1) {
        let lo = g.saturating_sub(1).max(1);
        let hi = (g + 1).min(n - 1);
        *x = sim[lo..=hi].iter().sum::<f32>() / (hi - lo + 1) as f32;
    }
    let mut depth = vec![0.0f32; n];
    for g in 1..n {
        let s = smooth[g];
        let mut hl = s;
        for &x in smooth[1..g].iter().rev() {
            if x < hl {
                break;
            }
            hl = x;
        }
        let mut hr = s;
        for &x in &smooth[g + 1..] {
            if x < hr {
                break;
            }
            hr = x;
        }
        depth[g] = (hl - s) + (hr - s) + units[g].bonus;
    }
    let gaps = &depth[1..];
    let mean = gaps.iter().sum::<f32>() / gaps.len() as f32;
    let var = gaps.iter().map(|d| (d - mean).powi(2)).sum::<f32>() / gaps.len() as f32;
    let cut = mean - params.cutoff * var.sqrt();
    let cut = cut.max(params.min_depth);
    let mut cands: Vec<usize> = (1..n)
        .filter(|&g| depth[g] > cut && depth[g] > 0.0)
        .collect();
    cands.sort_by(|&a, &b| depth[b].total_cmp(&depth[a]).then(a.cmp(&b)));
    let mut chosen: Vec<usize> = Vec::new();
    for g in cands {
        let far = |a: usize, b: usize| before[a.max(b)] - before[a.min(b)] >= params.min_story;
        if far(0, g) && far(g, n) && chosen.iter().all(|&c| far(c, g)) {
            chosen.push(g);
        }
    }
    chosen.sort_unstable();
    chosen
}

fn cosine<K: std::hash::Hash + Eq>(a: &FxHashMap<K, f32>, b: &FxHashMap<K, f32>) -> f32 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let dot: f32 = small
        .iter()
        .filter_map(|(k, x)| large.get(k).map(|y| x * y))
        .sum();
    let na: f32 = a.values().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.values().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// The stories between the cuts; `end_position` is past the item's last
/// word position.
fn stories(item: &Item, units: &[Unit], cuts: &[usize], end_position: u32) -> Vec<Story> {
    let mut starts: Vec<usize> = vec![0];
    starts.extend_from_slice(cuts);
    let mut out = Vec::with_capacity(starts.len());
    for (i, &s) in starts.iter().enumerate() {
        let u = &units[s];
        let next = starts.get(i + 1).map(|&n| &units[n]);
        let from = [u.block, u.start];
        let to = next.map_or([item.blocks.len(), 0], |n| [n.block, n.start]);
        let positions = [
            if i == 0 { 0 } else { u.position },
            next.map_or(end_position, |n| n.position),
        ];
        let start_ms = item.blocks[u.block].time_at(u.start);
        let end_ms = match next {
            Some(n) => item.blocks[n.block].time_at(n.start),
            None => item
                .blocks
                .iter()
                .rev()
                .find_map(|b| b.end_ms.or(b.start_ms)),
        };
        out.push(Story {
            from,
            to,
            positions,
            start_ms: start_ms.filter(|_| end_ms.is_some()),
            end_ms: end_ms.filter(|_| start_ms.is_some()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;
    use crate::index::Archive;
    use crate::index::writer::Indexer;
    use std::path::Path;
    use tantivy::postings::Postings;
    use tantivy::schema::IndexRecordOption;
    use tantivy::{DocSet, TERMINATED, Term};

    const JSONL: &str = include_str!("../../tests/fixtures/stories/sendung.jsonl");
    const VTT: &str = include_str!("../../tests/fixtures/stories/sendung.vtt");

    /// The invented evening bulletin of `tests/fixtures/stories`: greeting
    /// and rail strike, flood on the Oder, budget, moon landing, cup final,
    /// weather; untimed (JSON Lines) and timed (WebVTT, 2.5 s between
    /// reports, 0.3 s between sentences).
    fn untimed() -> Item {
        let line = JSONL.lines().next().unwrap();
        crate::ingest::jsonl::parse_line(line, &Location::line(Path::new("s.jsonl"), 1), "s")
            .unwrap()
    }

    fn timed() -> Item {
        let path = Path::new("sendung.vtt");
        let parsed = crate::ingest::subtitle::parse_vtt(VTT, path).unwrap();
        crate::ingest::subtitle::assemble(parsed, "sendung", path, &Default::default()).0
    }

    fn cut(item: &Item) -> Vec<Story> {
        segment(item, &crate::index::dedup::item_words_and_stems(item))
    }

    /// The first words of each story.
    fn openings(item: &Item, stories: &[Story]) -> Vec<String> {
        stories
            .iter()
            .map(|s| {
                let t = &item.blocks[s.from[0]].text[s.from[1]..];
                t.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
            })
            .collect()
    }

    #[test]
    fn pauses_and_cues_cut_a_timed_bulletin_into_its_reports() {
        let item = timed();
        let stories = cut(&item);
        assert_eq!(
            openings(&item, &stories),
            [
                "Guten Abend, meine",
                "An der Oder",
                "Im Bundestag wird",
                "Eine japanische Raumsonde",
                "Im Pokalfinale in",
                "Und nun das",
            ]
        );
        // Times: the weather starts after the last pause, and the last
        // story ends with the last cue.
        let last = stories.last().unwrap();
        assert_eq!((last.start_ms, last.end_ms), (Some(253_000), Some(282_900)));
        assert_eq!(last.span(), "04:13\u{2013}04:42");
        assert_eq!(stories[0].start_ms, Some(0));
        // They follow each other without gaps, over every block.
        for w in stories.windows(2) {
            assert_eq!(w[0].to, w[1].from);
            assert_eq!(w[0].positions[1], w[1].positions[0]);
            assert_eq!(w[0].end_ms, w[1].start_ms);
        }
        assert_eq!(last.to, [item.blocks.len(), 0]);
    }

    #[test]
    fn an_untimed_bulletin_is_cut_at_its_cues_and_where_words_change() {
        let item = untimed();
        let stories = cut(&item);
        let open = openings(&item, &stories);
        assert!(open.len() >= 4, "{open:?}");
        assert_eq!(open.first().unwrap(), "Guten Abend, meine");
        assert_eq!(open.last().unwrap(), "Und nun das");
        assert!(stories.iter().all(|s| s.start_ms.is_none()));
        assert_eq!(stories.last().unwrap().span(), "passages 45\u{2013}50");
    }

    #[test]
    fn short_items_and_one_subject_have_no_stories() {
        let mut item = untimed();
        item.blocks.truncate(12);
        assert!(cut(&item).is_empty());
        // The rail strike alone, four times over: long enough, one subject.
        let strike: Vec<_> = untimed().blocks[1..12].to_vec();
        item.blocks = (0..5).flat_map(|_| strike.clone()).collect();
        let stories = cut(&item);
        assert!(stories.len() <= 2, "{:?}", openings(&item, &stories));
    }

    #[test]
    fn the_anchor_taking_the_turn_and_cues_deepen_a_gap() {
        let turn = |speaker: Option<&str>, text: &str| {
            let mut b = crate::item::Block::new(BlockKind::Turn, text);
            b.speaker = speaker.map(str::to_string);
            b
        };
        let item = Item {
            id: "t".into(),
            title: "Nachrichten".into(),
            date: None,
            program: None,
            speakers: vec!["Judith Rakers".into(), "Jan Hofer".into()],
            blocks: vec![
                turn(Some("Judith Rakers"), "Die Bahn wird bestreikt."),
                turn(Some("Jan Hofer"), "In Köln stehen alle Züge still."),
                turn(Some("Judith Rakers"), "An der Oder steigt das Wasser."),
                turn(None, "Die Deiche halten noch. Und nun das Wetter."),
            ],
            source: "t".into(),
            media: None,
            stories: Vec::new(),
        };
        assert_eq!(anchor(&item), Some("Judith Rakers"));
        let p = Params::default();
        let mut memo = FxHashMap::default();
        let (units, end) = units(&item, &p, &mut memo).unwrap();
        let bonus: Vec<f32> = units.iter().map(|u| u.bonus).collect();
        assert_eq!(bonus, [0.0, 0.0, p.anchor, 0.0, p.cue]);
        // Positions: the title's word (0), a gap (1), then "Die" (2) and
        // "Bahn", the first word with a term.
        assert_eq!(units[0].position, 3);
        assert_eq!(units[4].block, 3);
        assert!(end > units[4].position);
    }

    #[test]
    fn cue_phrases_open_sentences() {
        assert!(has_cue("Und nun das Wetter."));
        assert!(has_cue("und jetzt zum sport in der bundesliga"));
        assert!(has_cue("Die Lottozahlen: 3, 7, 12"));
        assert!(!has_cue("Das Wetteramt warnt vor Sturm."));
        assert!(!has_cue("Der Regen und das Wetter"));
    }

    #[test]
    fn sentences_end_at_punctuation_not_after_abbreviations_or_numbers() {
        let t = "Am 13. Mai kam Herr U. Meier. Dann Sonne! Fertig";
        let ends = sentence_ends(t);
        assert_eq!(ends.len(), 2);
        assert_eq!(&t[..ends[0]], "Am 13. Mai kam Herr U. Meier.");
    }

    /// The positions a story records are those of the index: its first word
    /// is at its first position in the `text` field's postings.
    #[test]
    fn story_positions_are_the_index_positions() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open_or_create(dir.path(), false).unwrap();
        let mut ix = Indexer::new(&archive, 16).unwrap();
        for item in [untimed(), timed()] {
            ix.add(&item).unwrap();
        }
        ix.commit().unwrap();
        let searcher = archive.reader().unwrap().searcher();
        let field = archive.fields().text;
        let analyzer = Analyzer::shared();
        let mut checked = 0;
        for id in ["abendschau-2024-05-21", "sendung"] {
            let item = archive.find(&searcher, id).unwrap().unwrap();
            assert!(item.stories.len() >= 4, "{id}");
            let doc = searcher
                .search(
                    &tantivy::query::TermQuery::new(
                        Term::from_field_text(archive.fields().id, id),
                        IndexRecordOption::Basic,
                    ),
                    &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
                )
                .unwrap()[0]
                .1;
            let inverted = searcher
                .segment_reader(doc.segment_ord)
                .inverted_index(field)
                .unwrap();
            let positions_of = |term: &str| {
                let mut p = inverted
                    .read_postings(
                        &Term::from_field_text(field, term),
                        IndexRecordOption::WithFreqsAndPositions,
                    )
                    .unwrap()
                    .unwrap();
                assert_ne!(p.seek(doc.doc_id), TERMINATED);
                assert_eq!(p.doc(), doc.doc_id);
                let mut out = Vec::new();
                p.positions(&mut out);
                out
            };
            for s in &item.stories[1..] {
                let text = &item.blocks[s.from[0]].text[s.from[1]..];
                let first = analyzer.analyze(text)[0].text.clone();
                assert!(
                    positions_of(&first).contains(&s.positions[0]),
                    "{id}: \"{first}\" at {}: {:?}",
                    s.positions[0],
                    positions_of(&first)
                );
                checked += 1;
            }
            // The last word lies inside the last story.
            let last_block = &item.blocks.last().unwrap().text;
            let last_word = analyzer.analyze(last_block).last().unwrap().text.clone();
            let at = *positions_of(&last_word).last().unwrap();
            let s = item.stories.last().unwrap();
            assert!(s.positions[0] <= at && at < s.positions[1], "{at} {s:?}");
        }
        assert!(checked >= 8);
    }
}
