//! Indexing on every core: reading and parsing, building documents, and
//! tantivy's analysis run on different threads, in a pipeline with bounded
//! queues.
//!
//! - one reader thread walks the files in order: fingerprint, decompress,
//!   decode and parse ([`ingest::read_source`]), and cuts what it reads
//!   into numbered batches;
//! - [`workers`] threads build each item's document (its fields, the stored
//!   item, the near-duplicate signature: [`Indexer::prepare`]);
//! - the calling thread gets the batches back in their original order and
//!   hands each step to `consume` ([`Indexer::add_prepared`] for items),
//!   which keeps ids, replaced items and near-duplicate clusters exactly as
//!   one thread reading item after item would;
//! - tantivy's own indexing threads analyse the documents.
//!
//! Memory stays bounded: at most [`QUEUED`] batches of [`BATCH_ITEMS`] items
//! (or [`BATCH_BYTES`] of text) are between the reader and `consume`.

use super::Archive;
use super::writer::{FileState, Indexer, Prepared};
use crate::error::IndexError;
use crate::ingest::{self, Event, Meta, Source};
use crate::item::Item;
use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

/// Items a batch holds at most.
pub const BATCH_ITEMS: usize = 64;
/// Bytes of item text a batch holds at most (long transcripts).
pub const BATCH_BYTES: usize = 1 << 20;
/// Batches queued between two stages at most.
pub const QUEUED: usize = 8;

/// What `consume` gets, in the order of the files and of their items.
pub enum Step<'s> {
    /// A file starts. `unchanged` holds its items if its content is as when
    /// it was last indexed (and `force` was not given): then it is not read,
    /// and [`Step::End`] follows at once.
    Begin {
        /// The file.
        src: &'s Source,
        /// Its canonical path (the key of the commit payload).
        key: String,
        /// SHA-256 of its bytes, if it could be read.
        sha256: Option<String>,
        /// Its items, if unchanged.
        unchanged: Option<u64>,
    },
    /// An item, ready to add.
    Item(Box<Prepared>),
    /// A warning or an error of reading.
    Event(Event),
    /// An item whose document could not be built.
    Failed(IndexError),
    /// The file is read.
    End {
        /// The file.
        src: &'s Source,
        /// Its canonical path.
        key: String,
        /// SHA-256 of its bytes, if it could be read.
        sha256: Option<String>,
    },
}

/// Threads building documents: one per core (tantivy's indexing threads
/// and the reader share the cores with them).
pub fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

/// The canonical path of a file, as the commit payload names it. Bytes
/// that are not UTF-8 are kept as `\xFC`, so that `M\xfcller.txt` and
/// `M\xf6ller.txt` stay two files (as `M\u{fffd}ller.txt`, each one's
/// items replaced the other's).
pub fn file_key(path: &std::path::Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut key = String::new();
    for chunk in path.as_os_str().as_encoded_bytes().utf8_chunks() {
        key.push_str(chunk.valid());
        for b in chunk.invalid() {
            key.push_str(&format!("\\x{b:02X}"));
        }
    }
    key
}

/// What the reader sends: steps not yet prepared.
enum Raw<'s> {
    Begin {
        src: &'s Source,
        key: String,
        sha256: Option<String>,
        unchanged: Option<u64>,
    },
    Event(Event),
    End {
        src: &'s Source,
        key: String,
        sha256: Option<String>,
    },
}

/// A numbered batch of the reader, with the file being read at its start.
struct RawBatch<'s> {
    seq: u64,
    file: Option<String>,
    raws: Vec<Raw<'s>>,
}

type Batch<T> = (u64, Vec<T>);

/// Read `sources` and prepare their items on all cores; `consume` sees
/// every step in order on the calling thread and may stop the run with
/// [`ControlFlow::Break`]. `guard` turns each item read into the events to
/// index (the last checks before indexing, see `app`). Files whose
/// fingerprint is in `known` with the same SHA-256 are not read unless
/// `force`.
#[allow(clippy::too_many_arguments)]
pub fn run<'s>(
    archive: &Archive,
    sources: &'s [Source],
    given: &Meta,
    known: &BTreeMap<String, FileState>,
    force: bool,
    guard: &(dyn Fn(Item) -> Vec<Event> + Sync),
    consume: &mut dyn FnMut(Step<'s>) -> ControlFlow<()>,
) {
    let progress = AtomicU64::new(0);
    run_with_progress(
        archive, sources, given, known, force, guard, consume, &progress,
    );
}

/// [`run`], keeping in `progress` the bytes of the inputs read so far:
/// those of the files done and how far into the current one reading is
/// (for the progress bar, which then moves within one large file).
#[allow(clippy::too_many_arguments)]
pub fn run_with_progress<'s>(
    archive: &Archive,
    sources: &'s [Source],
    given: &Meta,
    known: &BTreeMap<String, FileState>,
    force: bool,
    guard: &(dyn Fn(Item) -> Vec<Event> + Sync),
    consume: &mut dyn FnMut(Step<'s>) -> ControlFlow<()>,
    progress: &AtomicU64,
) {
    let stop = AtomicBool::new(false);
    let (raw_tx, raw_rx) = sync_channel::<RawBatch<'s>>(QUEUED);
    let (done_tx, done_rx) = sync_channel::<Batch<Step<'s>>>(QUEUED);
    let raw_rx = Arc::new(Mutex::new(raw_rx));
    std::thread::scope(|scope| {
        let stop = &stop;
        std::thread::Builder::new()
            .name("archivar-read".into())
            .spawn_scoped(scope, move || {
                read(sources, given, known, force, stop, raw_tx, progress)
            })
            .expect("spawn the reader thread");
        for i in 0..workers() {
            let (rx, tx) = (Arc::clone(&raw_rx), done_tx.clone());
            std::thread::Builder::new()
                .name(format!("archivar-prep{i}"))
                .spawn_scoped(scope, move || prepare(archive, guard, &rx, &tx))
                .expect("spawn a worker thread");
        }
        // Only the workers hold the two ends now, so that each thread
        // ends when the one before or after it has ended.
        drop(raw_rx);
        drop(done_tx);
        // Batches come back out of order; keep the early ones until their
        // turn.
        let mut next = 0u64;
        let mut early: HashMap<u64, Vec<Step<'s>>> = HashMap::new();
        'outer: for (seq, steps) in done_rx.iter() {
            early.insert(seq, steps);
            while let Some(steps) = early.remove(&next) {
                next += 1;
                for step in steps {
                    if consume(step).is_break() {
                        stop.store(true, Ordering::Relaxed);
                        break 'outer;
                    }
                }
            }
        }
        // Let the other threads end: they stop sending once `stop` is set
        // or the queues are closed.
        stop.store(true, Ordering::Relaxed);
        drop(done_rx);
    });
}

/// The reader thread: every file in order, in numbered batches.
fn read<'s>(
    sources: &'s [Source],
    given: &Meta,
    known: &BTreeMap<String, FileState>,
    force: bool,
    stop: &AtomicBool,
    tx: SyncSender<RawBatch<'s>>,
    progress: &AtomicU64,
) {
    let mut seq = 0u64;
    let mut batch: Vec<Raw<'s>> = Vec::new();
    let (mut items, mut bytes) = (0usize, 0usize);
    // The file being read when the batch started.
    let mut file: Option<String> = None;
    // Whether to read on (false: the consumer stopped).
    let send = |batch: &mut Vec<Raw<'s>>, file: &Option<String>, seq: &mut u64| -> bool {
        if batch.is_empty() {
            return true;
        }
        let ok = tx
            .send(RawBatch {
                seq: *seq,
                file: file.clone(),
                raws: std::mem::take(batch),
            })
            .is_ok();
        *seq += 1;
        ok && !stop.load(Ordering::Relaxed)
    };
    for src in sources {
        let base = progress.load(Ordering::Relaxed);
        let key = file_key(&src.path);
        let sha256 = ingest::fingerprint(&src.path).ok();
        let unchanged = match (&sha256, force) {
            (Some(h), false) => known.get(&key).filter(|s| &s.sha256 == h).map(|s| s.items),
            _ => None,
        };
        batch.push(Raw::Begin {
            src,
            key: key.clone(),
            sha256: sha256.clone(),
            unchanged,
        });
        if unchanged.is_none() {
            let mut gone = false;
            let reading = Some(key.clone());
            // A bug that one file triggers must not end the run: its
            // panic is that file's error, and the other files are read.
            let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                ingest::read_source_counted(
                    src,
                    given,
                    &mut |ev| {
                        if gone {
                            return;
                        }
                        if let Event::Item(item) = &ev {
                            items += 1;
                            bytes += item.blocks.iter().map(|b| b.text.len()).sum::<usize>();
                        }
                        batch.push(Raw::Event(ev));
                        if items >= BATCH_ITEMS || bytes >= BATCH_BYTES {
                            (items, bytes) = (0, 0);
                            gone = !send(&mut batch, &file, &mut seq);
                            file.clone_from(&reading);
                        }
                    },
                    progress,
                )
            }));
            if read.is_err() {
                batch.push(Raw::Event(Event::Error(crate::error::IngestError::Format {
                    loc: crate::error::Location::file(&src.path),
                    detail: "archivar failed on this file (a bug; please report it with the file); skipped, the other files are read".to_string(),
                })));
            }
            if gone {
                return;
            }
        }
        progress.store(base + src.size, Ordering::Relaxed);
        batch.push(Raw::End { src, key, sha256 });
        // Unchanged files are only a step each: batch many of them.
        if batch.len() >= BATCH_ITEMS && !send(&mut batch, &file, &mut seq) {
            return;
        }
    }
    send(&mut batch, &file, &mut seq);
}

/// A worker thread: documents for the items of each batch.
fn prepare<'s>(
    archive: &Archive,
    guard: &(dyn Fn(Item) -> Vec<Event> + Sync),
    rx: &Mutex<Receiver<RawBatch<'s>>>,
    tx: &SyncSender<Batch<Step<'s>>>,
) {
    loop {
        let got = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(RawBatch {
            seq,
            mut file,
            raws,
        }) = got
        else {
            return;
        };
        let mut out = Vec::with_capacity(raws.len());
        for raw in raws {
            match raw {
                Raw::Begin {
                    src,
                    key,
                    sha256,
                    unchanged,
                } => {
                    file = Some(key.clone());
                    out.push(Step::Begin {
                        src,
                        key,
                        sha256,
                        unchanged,
                    });
                }
                Raw::End { src, key, sha256 } => out.push(Step::End { src, key, sha256 }),
                Raw::Event(Event::Item(item)) => {
                    for ev in guard(item) {
                        out.push(match ev {
                            Event::Item(item) => {
                                match Indexer::prepare(archive, file.as_deref(), item) {
                                    Ok(p) => Step::Item(Box::new(p)),
                                    Err(e) => Step::Failed(e),
                                }
                            }
                            ev => Step::Event(ev),
                        });
                    }
                }
                Raw::Event(ev) => out.push(Step::Event(ev)),
            }
        }
        if tx.send((seq, out)).is_err() {
            return;
        }
    }
}
