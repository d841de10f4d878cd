//! Near-duplicates: radio news repeats an item every hour with small edits.
//!
//! Each item's text (lower-cased, folded words; title, speaker labels and
//! photo credits left out) is cut into overlapping 3-word shingles, and
//! summarised in a MinHash signature of [`BINS`] values by one-permutation
//! hashing (one hash a shingle, the minimum kept per bin, empty bins
//! filled from their right neighbour: Shrivastava's densification). Two
//! signatures agree in a bin with probability equal to the Jaccard
//! similarity of the shingle sets.
//!
//! At index time the signature is cut into [`BANDS`] bands of
//! [`ROWS`] bins; each band is one term of the `dup_bands` field, so the
//! items sharing a band with a new item are found by a term query
//! (locality-sensitive hashing). Each candidate is verified on its stored
//! 8-bit signature (the low byte of each bin: b-bit MinHash, 64 bytes an
//! item) and the new item joins the cluster of the most similar one at or
//! above [`THRESHOLD`]; otherwise it starts a cluster of its own. Searches
//! show one hit a cluster (`--no-collapse` shows all).
//!
//! Items under [`MIN_WORDS`] words (headlines) are too short to tell a
//! repeat from a common phrase: each is a cluster of its own.
//!
//! How the threshold was chosen is in `docs/dedup.md`.

use crate::analysis::fold_into;

/// Bins of a signature.
pub const BINS: usize = 64;
/// LSH bands (each [`ROWS`] bins); `BANDS * ROWS == BINS`.
pub const BANDS: usize = 16;
/// Bins a band.
pub const ROWS: usize = 4;
/// Items with fewer words are never collapsed.
pub const MIN_WORDS: usize = 25;
/// Estimated Jaccard similarity of 3-word shingles from which two items
/// count as the same item repeated.
pub const THRESHOLD: f64 = 0.5;

/// A MinHash signature and what is stored of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The minimum hash of each bin.
    pub mins: [u64; BINS],
}

fn mix(mut x: u64) -> u64 {
    // splitmix64's finaliser: a bijection with good avalanche.
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn word_hash(w: &str) -> u64 {
    // FNV-1a, then mixed: stable across runs and platforms, unlike std's
    // hasher, so signatures in an index stay comparable.
    let mut h = FNV_OFFSET;
    for b in w.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    mix(h)
}

/// For an ASCII word, in one pass without allocating: the [`word_hash`]
/// of its lower-cased [`fold`](crate::analysis::fold), that of the first
/// [`STEM_LETTERS`] letters of it, and how many letters it has.
fn ascii_word_hashes(w: &[u8]) -> (u64, u64, usize) {
    let (mut h, mut stem, mut n) = (FNV_OFFSET, FNV_OFFSET, 0);
    // As `fold`: after an a, o or u (not the u of "qu") a run of e's goes.
    let (mut prev, mut skip_e) = (0u8, false);
    for &b in w {
        let c = b.to_ascii_lowercase();
        if c == b'e' && skip_e {
            continue;
        }
        h = (h ^ u64::from(c)).wrapping_mul(FNV_PRIME);
        if n < STEM_LETTERS {
            stem = (stem ^ u64::from(c)).wrapping_mul(FNV_PRIME);
        }
        n += 1;
        skip_e = matches!(c, b'a' | b'o' | b'u') && !(c == b'u' && prev == b'q');
        prev = c;
    }
    (mix(h), mix(stem), n)
}

/// The words of a text as compared: lower case, folded (umlauts, ß),
/// letters and digits only.
pub fn words(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    words_into(text, &mut out, None);
    out
}

/// Letters a word needs for a stem in [`ItemWords::stems`].
pub const STEM_MIN_LETTERS: usize = 5;
/// Letters of a word its stem keeps.
pub const STEM_LETTERS: usize = 6;

/// [`words`] into `out`; with `stems`, also the hash of the first
/// [`STEM_LETTERS`] letters of each word of [`STEM_MIN_LETTERS`] or more.
fn words_into(text: &str, out: &mut Vec<u64>, mut stems: Option<&mut Vec<u64>>) {
    // Buffers reused for every word: this runs over every word of every
    // item.
    let (mut lower, mut folded) = (String::new(), String::new());
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if w.is_ascii() {
            let (word, stem, letters) = ascii_word_hashes(w.as_bytes());
            out.push(word);
            if let Some(stems) = stems.as_deref_mut()
                && letters >= STEM_MIN_LETTERS
            {
                stems.push(stem);
            }
            continue;
        }
        lower.clear();
        lower.extend(w.chars().flat_map(char::to_lowercase));
        folded.clear();
        fold_into(&lower, &mut folded);
        let folded = folded.as_str();
        out.push(word_hash(folded));
        if let Some(stems) = stems.as_deref_mut()
            && folded.chars().nth(STEM_MIN_LETTERS - 1).is_some()
        {
            let end = folded
                .char_indices()
                .nth(STEM_LETTERS)
                .map_or(folded.len(), |(i, _)| i);
            stems.push(word_hash(&folded[..end]));
        }
    }
}

/// The signature of a text's words, or `None` under [`MIN_WORDS`] words.
pub fn signature(words: &[u64]) -> Option<Signature> {
    if words.len() < MIN_WORDS {
        return None;
    }
    let mut mins = [u64::MAX; BINS];
    for w in words.windows(3) {
        let h = mix(w[0] ^ w[1].rotate_left(21) ^ w[2].rotate_left(42));
        let bin = (h >> 58) as usize; // top 6 bits: 64 bins
        let v = h & ((1 << 58) - 1);
        if v < mins[bin] {
            mins[bin] = v;
        }
    }
    // Densify: an empty bin takes the value of the next non-empty bin to
    // its right, mixed with the distance, so that two texts fill their
    // empty bins alike.
    let mut out = mins;
    for (i, slot) in out.iter_mut().enumerate() {
        if mins[i] != u64::MAX {
            continue;
        }
        for d in 1..BINS {
            let j = (i + d) % BINS;
            if mins[j] != u64::MAX {
                *slot =
                    mix(mins[j] ^ (d as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) & ((1 << 58) - 1);
                break;
            }
        }
    }
    Some(Signature { mins: out })
}

impl Signature {
    /// The LSH band keys, one for each band.
    pub fn bands(&self) -> [u64; BANDS] {
        let mut out = [0u64; BANDS];
        for (b, slot) in out.iter_mut().enumerate() {
            let mut h: u64 = b as u64;
            for v in &self.mins[b * ROWS..(b + 1) * ROWS] {
                h = mix(h ^ v);
            }
            *slot = h;
        }
        out
    }

    /// The stored form: the low byte of each bin's (mixed) minimum.
    pub fn bytes(&self) -> Vec<u8> {
        self.mins.iter().map(|&v| mix(v) as u8).collect()
    }
}

/// Estimated Jaccard similarity of two stored signatures: agreeing bins,
/// less the 1/256 chance that two 8-bit values agree by accident.
pub fn similarity(a: &[u8], b: &[u8]) -> f64 {
    if a.len() != BINS || b.len() != BINS {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / BINS as f64;
    let chance = 1.0 / 256.0;
    ((same - chance) / (1.0 - chance)).max(0.0)
}

/// The text of an item that is compared: its searchable blocks, without
/// title and photo credits.
pub fn item_words(item: &crate::item::Item) -> Vec<u64> {
    item_words_and_stems(item).words
}

/// An item's words as compared ([`item_words`]), and the crude stems of
/// its longer words in order, read in the same pass: the first
/// [`STEM_LETTERS`] letters of each word of at least [`STEM_MIN_LETTERS`]
/// ("Hochwassers" and "Hochwasser" meet; nearly all function words are
/// shorter). `index::stories` compares the stems to tell an item of one
/// subject before it analyses any text.
#[derive(Debug, Clone, Default)]
pub struct ItemWords {
    /// Hashes of all words.
    pub words: Vec<u64>,
    /// Hashes of the stems of the longer words.
    pub stems: Vec<u64>,
}

/// [`ItemWords`] of an item.
pub fn item_words_and_stems(item: &crate::item::Item) -> ItemWords {
    let mut out = ItemWords::default();
    for b in &item.blocks {
        if b.kind != crate::item::BlockKind::Credit {
            words_into(&b.text, &mut out.words, Some(&mut out.stems));
        }
    }
    out
}

/// A band key as a term of the `dup_bands` field: its low 36 bits in 6
/// characters of base 64. Keys that agree in these bits by chance (about
/// one item in 4,000 per band at a million items) only add a candidate
/// that fails verification; the full 16 hex digits took twice the space
/// in the term dictionary (16 terms an item, nearly all unique).
pub fn band_term(key: u64) -> String {
    const DIGITS: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
    (0..6)
        .map(|i| DIGITS[((key >> (6 * i)) & 63) as usize] as char)
        .collect()
}

/// Most candidates verified for an item; the rest share a band only by a
/// common formula.
pub const MAX_CANDIDATES: usize = 32;

/// Items of this run kept in memory to find repeats among them (the index
/// is searched for earlier runs'); two generations of half this many, so
/// memory stays bounded on any archive (about 70 MB).
pub const WINDOW: usize = 200_000;

/// Candidates for a repeat: (cluster, stored signature) of each.
pub type Candidates = Vec<(u64, Vec<u8>)>;

/// Assigns items to clusters as they are indexed.
#[derive(Default)]
pub struct Clusters {
    generations: [Generation; 2],
}

/// No item (end of a chain).
const NONE: u32 = u32::MAX;

/// The items of one generation, compact: about 350 bytes an item.
#[derive(Default)]
struct Generation {
    /// Low 32 bits of a band key (band keys differ by band) → the last
    /// item with it. Keys that agree by chance only add a candidate that
    /// fails verification.
    heads: rustc_hash::FxHashMap<u32, u32>,
    items: Vec<Entry>,
}

struct Entry {
    cluster: u64,
    bytes: [u8; BINS],
    /// For each band, the item before this one with the same key.
    prev: [u32; BANDS],
}

impl Clusters {
    /// The cluster of an item with signature `sig` (and id `id`): that of
    /// the most similar earlier item at or above [`THRESHOLD`], found
    /// among this run's items (the latest first) and, by `lookup`, in the
    /// index; else a new one. `lookup` gets the band keys and returns
    /// candidates' (cluster, stored signature).
    pub fn assign(
        &mut self,
        id: &str,
        sig: Option<&Signature>,
        lookup: &mut dyn FnMut(&[u64]) -> Candidates,
    ) -> u64 {
        let Some(sig) = sig else {
            return new_cluster(id);
        };
        let bands = sig.bands();
        let mut bytes = [0u8; BINS];
        for (b, v) in bytes.iter_mut().zip(&sig.mins) {
            *b = mix(*v) as u8;
        }
        let mut best: Option<(f64, u64)> = None;
        let mut consider = |cluster: u64, other: &[u8]| {
            let s = similarity(&bytes, other);
            if s >= THRESHOLD && best.is_none_or(|(b, _)| s > b) {
                best = Some((s, cluster));
            }
        };
        let mut seen = rustc_hash::FxHashSet::default();
        'gens: for (gi, g) in self.generations.iter().enumerate() {
            for (band, key) in bands.iter().enumerate() {
                let mut i = g.heads.get(&(*key as u32)).copied().unwrap_or(NONE);
                while let Some(e) = g.items.get(i as usize) {
                    if seen.insert((gi, i)) {
                        if seen.len() > MAX_CANDIDATES {
                            break 'gens;
                        }
                        consider(e.cluster, &e.bytes);
                    }
                    i = e.prev[band];
                }
            }
        }
        for (c, other) in lookup(&bands) {
            consider(c, &other);
        }
        let cluster = best.map_or_else(|| new_cluster(id), |(_, c)| c);
        if self.generations[0].items.len() >= WINDOW / 2 {
            self.generations.swap(0, 1);
            self.generations[0] = Generation::default();
        }
        let g = &mut self.generations[0];
        let i = g.items.len() as u32;
        let mut prev = [NONE; BANDS];
        for (p, key) in prev.iter_mut().zip(bands) {
            *p = g.heads.insert(key as u32, i).unwrap_or(NONE);
        }
        g.items.push(Entry {
            cluster,
            bytes,
            prev,
        });
        cluster
    }
}

/// A cluster id for an item that starts its own cluster.
pub fn new_cluster(id: &str) -> u64 {
    word_hash(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fold;

    #[test]
    fn ascii_words_hash_as_their_folded_form() {
        for w in [
            "Quelle",
            "QUELLE",
            "Koeln",
            "Zoelle",
            "Aeroflot",
            "aee",
            "Bundestag",
            "Rohstoffabkommen",
            "Steuer",
            "quer",
            "Mauer",
            "Euro",
            "2025",
            "Ab",
            "g20",
        ] {
            let folded = fold(&w.to_lowercase());
            let (word, stem, letters) = ascii_word_hashes(w.as_bytes());
            assert_eq!(word, word_hash(&folded), "{w}");
            assert_eq!(letters, folded.chars().count(), "{w}");
            let end = folded
                .char_indices()
                .nth(STEM_LETTERS)
                .map_or(folded.len(), |(i, _)| i);
            assert_eq!(stem, word_hash(&folded[..end]), "{w}");
        }
    }

    const BULLETIN: &str = "Die Zölle der USA belasten die Börsen in Asien. Der japanische \
        Nikkei-Index schloss mit einem Minus von mehr als drei Prozent. Die EU-Kommission \
        kündigte Gegenmaßnahmen an, will aber zunächst verhandeln. In Charkiw sind bei einem \
        russischen Angriff mindestens vier Menschen ums Leben gekommen. Das Wetter: im Norden \
        Regen, im Süden sonnig bei bis zu 18 Grad.";

    fn sig(t: &str) -> Vec<u8> {
        signature(&words(t)).unwrap().bytes()
    }

    #[test]
    fn a_repeat_with_small_edits_is_similar() {
        let edited = BULLETIN
            .replace("mehr als drei Prozent", "2,8 Prozent")
            .replace("mindestens vier", "mindestens fünf");
        let s = similarity(&sig(BULLETIN), &sig(&edited));
        assert!(s >= THRESHOLD, "{s}");
        assert_eq!(similarity(&sig(BULLETIN), &sig(BULLETIN)), 1.0);
    }

    #[test]
    fn another_story_on_the_same_topic_is_not() {
        let other = "Die neuen Zölle der USA treffen auch deutsche Autobauer. Der Verband \
            der Automobilindustrie warnte vor Arbeitsplatzverlusten in Deutschland. Die \
            Bundesregierung will mit den europäischen Partnern über eine gemeinsame Antwort \
            beraten. Experten rechnen mit steigenden Preisen für Verbraucher in den USA.";
        let s = similarity(&sig(BULLETIN), &sig(other));
        assert!(s < 0.2, "{s}");
    }

    #[test]
    fn folding_and_case_do_not_matter() {
        let ascii = BULLETIN
            .replace("Zölle", "Zoelle")
            .replace("Süden", "Sueden")
            .to_lowercase();
        assert!(similarity(&sig(BULLETIN), &sig(&ascii)) > 0.9);
    }

    #[test]
    fn short_texts_have_no_signature() {
        assert!(signature(&words("Trump verhängt neue Zölle gegen China")).is_none());
    }

    #[test]
    fn similar_texts_share_a_band() {
        let edited = BULLETIN.replace("mindestens vier", "mindestens fünf");
        let a = signature(&words(BULLETIN)).unwrap().bands();
        let b = signature(&words(&edited)).unwrap().bands();
        assert_eq!(a.len(), BANDS);
        assert!(a.iter().any(|x| b.contains(x)));
        assert_eq!(band_term(a[0]).len(), 6);
        assert_ne!(band_term(a[0]), band_term(a[1]));
        let c = signature(&words("Im Bundestag wurde heute über den Haushalt für das kommende Jahr beraten, die Opposition kritisierte die geplanten Kürzungen bei Bildung und Forschung scharf und forderte mehr Investitionen in Schulen, Brücken und Schienen sowie eine Reform der Schuldenbremse.")).unwrap().bands();
        assert!(!a.iter().any(|x| c.contains(x)));
    }

    #[test]
    fn repeats_join_the_first_items_cluster() {
        let mut c = Clusters::default();
        let none = &mut |_: &[u64]| Vec::new();
        let s = |t: &str| signature(&words(t));
        let first = c.assign("0700", s(BULLETIN).as_ref(), none);
        assert_eq!(first, new_cluster("0700"));
        let edited = BULLETIN.replace("mindestens vier", "mindestens fünf");
        assert_eq!(c.assign("0800", s(&edited).as_ref(), none), first);
        let other = "Im Bundestag wurde heute über den Haushalt für das kommende Jahr beraten, die Opposition kritisierte die geplanten Kürzungen bei Bildung und Forschung scharf und forderte mehr Investitionen in Schulen, Brücken und Schienen sowie eine Reform der Schuldenbremse.";
        assert_eq!(c.assign("bt", s(other).as_ref(), none), new_cluster("bt"));
        // Short items are clusters of their own.
        assert_eq!(c.assign("kurz", None, none), new_cluster("kurz"));
        // A repeat of an item in the index (an earlier run) joins its cluster.
        let mut fresh = Clusters::default();
        let stored = s(BULLETIN).unwrap().bytes();
        let lookup = &mut |_: &[u64]| vec![(42, stored.clone())];
        assert_eq!(fresh.assign("0900", s(&edited).as_ref(), lookup), 42);
    }

    #[test]
    fn signatures_are_stable_across_runs() {
        // Stored signatures must compare with ones computed by a later
        // build: pin one value.
        assert_eq!(word_hash("zolle"), word_hash(&fold("zölle")));
        assert_eq!(sig(BULLETIN).len(), BINS);
        assert_eq!(new_cluster("x"), new_cluster("x"));
        assert_eq!(word_hash("rohstoffe"), 0xa7_8098_c04b_88fe);
    }
}
