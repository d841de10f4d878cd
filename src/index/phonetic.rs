//! Name variants through the index's own vocabulary: a map from the Kölner
//! Phonetik code of each stem of the `text` field to the stems with that
//! code and their document frequencies, rebuilt at every commit and kept
//! beside the index as an FST (`phonetic.v1.fst`).
//!
//! A query word then also searches the stems that sound the same
//! ("Selenskyj" → "selenski", "zelensky"), at low weight. Indexing pays only
//! for one pass over the vocabulary per commit, not for every token.
//!
//! The same map holds the vocabulary's long stems reversed, so that the
//! compounds a word ends are found by a prefix scan: "mangel" →
//! "pflegekraftemangel" ([`Variants::ending_with`], compound heads).

use super::Archive;
use crate::analysis::Analyzer;
use crate::error::IndexError;
use std::collections::BTreeMap;
use tantivy::Searcher;
use tantivy_fst::{IntoStreamer, Map, MapBuilder, Streamer};

/// File name of the map in the index folder.
pub const FILE: &str = "phonetic.v1.fst";

/// Stems shorter than this get no code: names are long, and short codes
/// are shared by too many words.
pub const MIN_STEM_LETTERS: usize = 5;

/// Most variants a query word is expanded to (the most frequent first).
pub const MAX_VARIANTS: usize = 8;

/// The code of a stem, if it has one worth using (4 digits or more).
pub fn code(analyzer: &Analyzer, stem: &str) -> Option<String> {
    if stem.chars().count() < MIN_STEM_LETTERS {
        return None;
    }
    analyzer.phonetic(stem)
}

/// The key under which the map records the commit it was built for. It
/// starts with a byte no code has (codes are digits), so no lookup meets it.
const OPSTAMP_KEY: &[u8] = b"\xffopstamp";

/// Keys of the reversed stems start with this byte, which no code has.
const HEADS: u8 = 0xfe;

/// Present in maps that hold the reversed stems (built since issue 15), so
/// that an older map is rebuilt.
const HEADS_KEY: &[u8] = b"\xffheads";

/// Shortest stem whose reversed form is kept: a compound of a modifier and
/// a head of 4 letters each.
pub const MIN_COMPOUND_LETTERS: usize = 8;

/// The commit (opstamp) the map of the index was built for, if it has one
/// of this kind.
pub fn built_for(archive: &Archive) -> Option<u64> {
    let bytes = std::fs::read(archive.dir.join(FILE)).ok()?;
    let map = Map::from_bytes(bytes).ok()?;
    map.get(HEADS_KEY)?;
    map.get(OPSTAMP_KEY)
}

/// The key of a stem in the reversed part of the map.
fn reversed_key(stem: &str) -> Vec<u8> {
    let mut k = vec![HEADS];
    k.extend(stem.chars().rev().collect::<String>().into_bytes());
    k
}

/// Build the map from the text field's terms of commit `opstamp` and write
/// it atomically and durably.
pub fn build(archive: &Archive, searcher: &Searcher, opstamp: u64) -> Result<(), IndexError> {
    let field = archive.fields().text;
    let analyzer = Analyzer::shared();
    let mut keys: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    let tantivy = |e| archive.tantivy(e);
    for seg in searcher.segment_readers() {
        let inv = seg.inverted_index(field).map_err(tantivy)?;
        let mut stream = inv.terms().stream().map_err(|e| tantivy(e.into()))?;
        while stream.advance() {
            let Ok(stem) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if !stem.chars().all(char::is_alphabetic) {
                continue;
            }
            if stem.chars().count() >= MIN_COMPOUND_LETTERS {
                *keys.entry(reversed_key(stem)).or_default() += u64::from(stream.value().doc_freq);
            }
            if let Some(c) = code(analyzer, stem) {
                let mut k = c.into_bytes();
                k.push(0);
                k.extend_from_slice(stem.as_bytes());
                *keys.entry(k).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let io = |e: std::io::Error| IndexError::Io {
        dir: archive.dir.clone(),
        source: e,
    };
    keys.insert(OPSTAMP_KEY.to_vec(), opstamp);
    keys.insert(HEADS_KEY.to_vec(), 1);
    let mut b = MapBuilder::memory();
    for (k, v) in &keys {
        b.insert(k, *v)
            .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    }
    let bytes = b
        .into_inner()
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    super::durable::write_file(&archive.dir, FILE, &bytes).map_err(|e| archive.io_error(e))
}

/// The map of an index folder, opened once for each version of the file:
/// the file is replaced by rename at every commit, so a new inode or
/// modification time means a new map, and searches between two commits
/// share one mapping instead of opening the file each.
#[derive(Default)]
pub struct Cache {
    slot: std::sync::Mutex<Option<(FileKey, std::sync::Arc<Variants>)>>,
}

/// What tells two versions of the map file apart.
#[derive(Clone, Copy, PartialEq, Eq)]
struct FileKey {
    inode: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileKey {
    fn of(path: &std::path::Path) -> Option<FileKey> {
        let m = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let inode = 0;
        Some(FileKey {
            inode,
            len: m.len(),
            modified: m.modified().ok(),
        })
    }
}

impl Cache {
    /// The map of `archive`'s folder as it is now.
    pub fn get(&self, archive: &Archive) -> std::sync::Arc<Variants> {
        let key = FileKey::of(&archive.dir.join(FILE));
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        match (&*slot, key) {
            (Some((k, v)), Some(key)) if *k == key => v.clone(),
            (_, None) => std::sync::Arc::new(Variants { map: None }),
            (_, Some(key)) => {
                let v = std::sync::Arc::new(Variants::load(archive));
                *slot = Some((key, v.clone()));
                v
            }
        }
    }
}

/// The map of an index, if it has one.
pub struct Variants {
    map: Option<Map<memmap2::Mmap>>,
}

impl Variants {
    /// Map the file of the index folder into memory (none: no variants).
    /// Mapping, not reading, keeps a search's start cheap on large archives.
    pub fn load(archive: &Archive) -> Variants {
        let map = std::fs::File::open(archive.dir.join(FILE))
            .ok()
            // SAFETY: the file is only ever replaced by rename, never written
            // in place, so the mapped bytes cannot change under us.
            .and_then(|f| unsafe { memmap2::Mmap::map(&f) }.ok())
            .and_then(|m| tantivy_fst::raw::Fst::new(m).ok())
            .map(Map::from);
        Variants { map }
    }

    /// Stems of the index that end with `head` and are longer, with their
    /// document frequencies, at most `limit` of them in the order of the
    /// reversed stems ("mangel" → "pflegekraftemangel", "fachkraftemangel").
    pub fn ending_with(&self, head: &str, limit: usize) -> Vec<(String, u64)> {
        let Some(map) = &self.map else {
            return Vec::new();
        };
        let lo = reversed_key(head);
        let mut hi = lo.clone();
        hi.push(0xff);
        let mut found = Vec::new();
        let mut stream = map.range().gt(&lo).lt(&hi).into_stream();
        while let Some((k, v)) = stream.next() {
            if found.len() >= limit {
                break;
            }
            if let Ok(r) = std::str::from_utf8(&k[1..]) {
                found.push((r.chars().rev().collect(), v));
            }
        }
        found
    }

    /// Other stems with the same code as `stem`, most frequent first.
    pub fn of(&self, analyzer: &Analyzer, stem: &str) -> Vec<String> {
        let (Some(map), Some(c)) = (&self.map, code(analyzer, stem)) else {
            return Vec::new();
        };
        let mut lo = c.clone().into_bytes();
        lo.push(0);
        let mut hi = c.into_bytes();
        hi.push(1);
        let mut found: Vec<(u64, String)> = Vec::new();
        let mut stream = map.range().ge(&lo).lt(&hi).into_stream();
        while let Some((k, v)) = stream.next() {
            if let Ok(s) = std::str::from_utf8(&k[lo.len()..])
                && s != stem
            {
                found.push((v, s.to_string()));
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        found
            .into_iter()
            .take(MAX_VARIANTS)
            .map(|(_, s)| s)
            .collect()
    }
}
