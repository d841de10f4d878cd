//! Durability beyond tantivy's default, and the first write error kept for
//! the message.
//!
//! tantivy commits by writing `meta.json` to a temporary file, syncing it
//! and renaming it over the old one (`MmapDirectory::atomic_write`). It
//! syncs the folder *before* that rename, so that the new segment files are
//! durable, but not after it: a commit that returned can still roll back
//! to the one before if the power fails before the file system writes the
//! folder out by itself. [`DurableDirectory`] syncs the folder after every
//! atomic write, so that a returned commit stays. The test at the bottom
//! shows the loss without it and its absence with it, on a simulated disk
//! that drops every write not yet synced ([`super::crashsim`]).
//!
//! It also remembers the first write error (a full disk, a read-only file
//! system): tantivy's indexing threads report such an error only as "an
//! index writer was killed", and [`DurableDirectory::write_error`] lets the
//! caller name the real cause.
//!
//! Searching an index on read-only media needs no lock: tantivy's
//! `META_LOCK` only keeps a writer's clean-up from deleting files a reader
//! is opening, and nobody writes a read-only index.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, TerminatingWrite, WatchCallback,
    WatchHandle, WritePtr,
};

/// A [`Directory`] that syncs the folder after each atomic write and keeps
/// the first write error.
#[derive(Debug, Clone)]
pub struct DurableDirectory<D> {
    inner: D,
    error: Arc<Mutex<Option<Arc<io::Error>>>>,
}

impl<D: Directory + Clone> DurableDirectory<D> {
    /// Wrap a directory.
    pub fn new(inner: D) -> DurableDirectory<D> {
        DurableDirectory {
            inner,
            error: Arc::default(),
        }
    }

    /// A handle on the first write error, shared by every clone of this
    /// directory (tantivy clones it into its threads).
    pub fn error_slot(&self) -> WriteErrorSlot {
        WriteErrorSlot(self.error.clone())
    }
}

/// Where a [`DurableDirectory`] keeps its first write error.
#[derive(Debug, Clone, Default)]
pub struct WriteErrorSlot(Arc<Mutex<Option<Arc<io::Error>>>>);

impl WriteErrorSlot {
    /// The first error of a write, if there was one.
    pub fn get(&self) -> Option<Arc<io::Error>> {
        self.0.lock().ok().and_then(|e| e.clone())
    }

    fn keep<T>(&self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r
            && let Ok(mut slot) = self.0.lock()
            && slot.is_none()
        {
            *slot = Some(Arc::new(io::Error::new(e.kind(), e.to_string())));
        }
        r
    }
}

/// A writer that reports its errors to the slot.
struct Watched {
    inner: Box<dyn TerminatingWrite + Send + Sync>,
    slot: WriteErrorSlot,
}

impl Write for Watched {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.slot.keep(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.slot.keep(r)
    }
}

impl TerminatingWrite for Watched {
    fn terminate_ref(&mut self, token: AntiCallToken) -> io::Result<()> {
        let r = self.inner.terminate_ref(token);
        self.slot.keep(r)
    }
}

/// Whether an error says the place cannot be written at all.
pub fn is_read_only(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied
    )
}

/// A lock that holds nothing, for readers of read-only indexes.
struct NoLock;

impl<D: Directory + Clone> Directory for DurableDirectory<D> {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let slot = self.error_slot();
        let writer = self.inner.open_write(path).inspect_err(|e| {
            if let OpenWriteError::IoError { io_error, .. } = e {
                let _ = slot.keep::<()>(Err(io::Error::new(io_error.kind(), io_error.to_string())));
            }
        })?;
        let inner = writer.into_inner().map_err(|e| OpenWriteError::IoError {
            io_error: Arc::new(e.into_error()),
            filepath: path.to_path_buf(),
        })?;
        Ok(BufWriter::new(Box::new(Watched { inner, slot })))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let slot = self.error_slot();
        slot.keep(self.inner.atomic_write(path, data))?;
        // The rename is only durable once the folder is synced.
        slot.keep(self.inner.sync_directory())
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.error_slot().keep(self.inner.sync_directory())
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        match self.inner.acquire_lock(lock) {
            // Only readers take the blocking META_LOCK; see the module doc.
            Err(LockError::IoError(e)) if lock.is_blocking && is_read_only(&e) => {
                Ok(DirectoryLock::from(Box::new(NoLock)))
            }
            r => r,
        }
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}

/// Write `bytes` to `dir/name` so that a crash leaves either the old file or
/// the whole new one: a synced temporary file renamed over it, then the
/// folder synced.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, dir.join(name))?;
    sync_dir(dir)
}

/// Sync a folder, so that the names created or renamed in it are durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        // Windows makes renames durable with the file; a folder cannot be
        // opened for syncing there.
        let _ = dir;
        Ok(())
    }
}

/// The name `write_file` uses for its temporary file, for the clean-up of
/// a killed run.
pub fn is_temporary(name: &str) -> bool {
    name.ends_with(".tmp") || name.starts_with(".tmp")
}

#[cfg(test)]
mod tests {
    use super::super::crashsim::SimDisk;
    use super::*;
    use crate::index::schema::ArchiveSchema;
    use crate::index::writer::Indexer;
    use crate::index::{Archive, lock};
    use crate::item::{Block, BlockKind, Item};
    use std::collections::BTreeSet;
    use tantivy::Index;

    fn item(n: usize) -> Item {
        Item {
            id: format!("sim-{n}"),
            title: format!("Meldung {n}"),
            date: None,
            program: Some("Deutschlandfunk".into()),
            speakers: vec![],
            blocks: vec![Block::new(
                BlockKind::Paragraph,
                format!("Die Zölle auf Stahl steigen zum {n}. Mal, sagt die Regierung."),
            )],
            source: format!("sim.jsonl:{n}"),
            media: None,
            stories: Vec::new(),
        }
    }

    /// An archive on a simulated disk; the folder is only for the lock
    /// file and the phonetic map.
    fn archive_on(disk: &SimDisk, durable: bool, folder: &Path) -> tantivy::Result<Archive> {
        let schema = ArchiveSchema::embedded().unwrap();
        let index = if durable {
            Index::open_or_create(DurableDirectory::new(disk.clone()), schema.schema.clone())?
        } else {
            Index::open_or_create(disk.clone(), schema.schema.clone())?
        };
        Ok(Archive::with_index(folder, index, schema))
    }

    fn stored_ids(disk: &SimDisk, folder: &Path) -> Option<BTreeSet<String>> {
        let archive = archive_on(disk, true, folder).ok()?;
        let searcher = archive.reader().ok()?.searcher();
        let mut ids = BTreeSet::new();
        for seg in searcher.segment_readers() {
            let store = seg.get_store_reader(1).ok()?;
            for doc in seg.doc_ids_alive() {
                let d: tantivy::TantivyDocument = store.get(doc).ok()?;
                let item = archive.stored_item(&d).ok()?;
                // No item half there: what is stored is what was added.
                let n: usize = item.id.strip_prefix("sim-")?.parse().ok()?;
                assert_eq!(item, self::item(n));
                ids.insert(item.id);
            }
        }
        Some(ids)
    }

    /// Add `items` in rounds of `per_commit` and commit each round; returns
    /// the id set of each returned commit and the disk's operation count
    /// when it returned.
    fn index_rounds(
        archive: &Archive,
        disk: &SimDisk,
        items: usize,
        per_commit: usize,
    ) -> Vec<(BTreeSet<String>, u64)> {
        let mut out = vec![];
        let mut ids = BTreeSet::new();
        let mut n = 0;
        while n < items {
            let lock = lock::acquire(&archive.dir, false, |_| {}).unwrap();
            let mut ix = Indexer::with_lock(archive, 16, lock).unwrap();
            for _ in 0..per_commit.min(items - n) {
                ix.add(&item(n)).unwrap();
                ids.insert(format!("sim-{n}"));
                n += 1;
            }
            ix.commit().unwrap();
            out.push((ids.clone(), disk.ops()));
        }
        out
    }

    #[test]
    fn without_the_folder_sync_a_returned_commit_is_lost_at_a_crash() {
        // The gap this module closes, shown on plain tantivy.
        let folder = tempfile::tempdir().unwrap();
        let disk = SimDisk::default();
        let archive = archive_on(&disk, false, folder.path()).unwrap();
        let commits = index_rounds(&archive, &disk, 10, 10);
        assert_eq!(commits.len(), 1);
        let after = disk.crash();
        // meta.json of the commit was renamed but the rename never synced.
        assert_ne!(
            stored_ids(&after, folder.path()).unwrap_or_default().len(),
            10
        );
    }

    #[test]
    fn a_returned_commit_survives_a_crash_with_all_its_items() {
        let folder = tempfile::tempdir().unwrap();
        let disk = SimDisk::default();
        let archive = archive_on(&disk, true, folder.path()).unwrap();
        let commits = index_rounds(&archive, &disk, 30, 10);
        let after = disk.crash();
        assert_eq!(
            stored_ids(&after, folder.path()),
            Some(commits[2].0.clone())
        );
    }

    #[test]
    fn a_power_cut_at_any_moment_leaves_the_last_returned_commit_or_a_later_one() {
        // Lucene's MockDirectoryWrapper does this at random; here every
        // operation of a run with commits and merges is a cut once.
        let folder = tempfile::tempdir().unwrap();
        let dry = SimDisk::default();
        let archive = archive_on(&dry, true, folder.path()).unwrap();
        let created = dry.ops();
        let total = index_rounds(&archive, &dry, 48, 6).last().unwrap().1;
        let mut cuts = 0;
        for cut in (created..=total).step_by(((total - created) / 60).max(1) as usize) {
            let folder = tempfile::tempdir().unwrap();
            let disk = SimDisk::default();
            let archive = archive_on(&disk, true, folder.path()).unwrap();
            disk.cut_power_after(cut);
            let commits = index_rounds(&archive, &disk, 48, 6);
            let after = disk.snapshot().expect("the power was cut");
            let ids = stored_ids(&after, folder.path())
                .unwrap_or_else(|| panic!("cut after op {cut}: the index does not open"));
            let returned = commits.iter().rposition(|(_, at)| *at <= cut);
            let ok = match returned {
                Some(i) => commits[i..].iter().any(|(set, _)| *set == ids),
                None => ids.is_empty() || commits.iter().any(|(set, _)| *set == ids),
            };
            assert!(
                ok,
                "cut after op {cut}: {} items stored, not a committed state at or after commit {returned:?}",
                ids.len()
            );
            cuts += 1;
        }
        assert!(cuts >= 40, "{cuts} cuts");
    }

    #[test]
    fn a_full_disk_is_named_and_the_last_commit_stays() {
        let folder = tempfile::tempdir().unwrap();
        let disk = SimDisk::default();
        let dir = DurableDirectory::new(disk.clone());
        let slot = dir.error_slot();
        let schema = ArchiveSchema::embedded().unwrap();
        let index = Index::open_or_create(dir, schema.schema.clone()).unwrap();
        let archive = Archive::with_index(folder.path(), index, schema);
        index_rounds(&archive, &disk, 10, 10);
        disk.fill_after(1_000);
        let lock = lock::acquire(folder.path(), false, |_| {}).unwrap();
        let mut ix = Indexer::with_lock(&archive, 16, lock).unwrap();
        for n in 10..400 {
            if ix.add(&item(n)).is_err() {
                break;
            }
        }
        assert!(ix.commit().is_err());
        let e = slot.get().expect("the write error is kept");
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        let ids = stored_ids(&disk.crash(), folder.path()).unwrap();
        assert_eq!(ids.len(), 10);
    }
}
