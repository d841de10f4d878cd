//! A simulated disk for crash tests, after Lucene's `MockDirectoryWrapper`:
//! a tantivy [`Directory`] in memory that tracks what a real disk would
//! keep at a power cut.
//!
//! - A file's bytes are durable up to its last sync (tantivy syncs a file
//!   when it terminates the writer, as `MmapDirectory` does).
//! - A name (created, renamed over, deleted) is durable once the folder is
//!   synced.
//! - `atomic_write` is `MmapDirectory`'s: a synced temporary file renamed
//!   over the old name, the rename not yet durable.
//!
//! [`SimDisk::crash`] is the disk after a power cut now, and
//! [`SimDisk::cut_power_after`] takes that picture after a given number of
//! operations while the run goes on. [`SimDisk::fill_after`] makes writes
//! fail with "no space left on device" after so many more bytes.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, OwnedBytes, TerminatingWrite,
    WatchCallback, WatchHandle, WritePtr,
};

#[derive(Debug, Default, Clone)]
struct Inode {
    data: Vec<u8>,
    synced: usize,
}

#[derive(Debug, Default)]
struct Disk {
    next: u64,
    inodes: HashMap<u64, Inode>,
    /// The names the running process sees.
    names: HashMap<PathBuf, u64>,
    /// The names as of the last folder sync.
    durable: HashMap<PathBuf, u64>,
    locks: HashSet<PathBuf>,
    ops: u64,
    cut_at: Option<u64>,
    snapshot: Option<Box<Disk>>,
    space_left: Option<u64>,
}

impl Disk {
    /// The disk as a power cut now would leave it.
    fn after_crash(&self) -> Disk {
        let mut d = Disk {
            next: self.next,
            ..Disk::default()
        };
        for (name, ino) in &self.durable {
            if let Some(i) = self.inodes.get(ino) {
                let mut i = i.clone();
                i.data.truncate(i.synced);
                d.inodes.insert(*ino, i);
                d.names.insert(name.clone(), *ino);
                d.durable.insert(name.clone(), *ino);
            }
        }
        d
    }

    /// Count an operation, once it took effect.
    fn op(&mut self) {
        self.ops += 1;
        if self.cut_at == Some(self.ops) {
            self.snapshot = Some(Box::new(self.after_crash()));
        }
    }

    fn create(&mut self, path: &Path, data: Vec<u8>, synced: bool) -> u64 {
        self.next += 1;
        let synced = if synced { data.len() } else { 0 };
        self.inodes.insert(self.next, Inode { data, synced });
        self.names.insert(path.to_path_buf(), self.next);
        self.next
    }

    fn spend(&mut self, bytes: usize) -> io::Result<()> {
        if let Some(left) = &mut self.space_left {
            if (bytes as u64) > *left {
                *left = 0;
                return Err(io::Error::from(io::ErrorKind::StorageFull));
            }
            *left -= bytes as u64;
        }
        Ok(())
    }
}

/// A simulated disk; clones share it.
#[derive(Debug, Clone, Default)]
pub struct SimDisk(Arc<Mutex<Disk>>);

impl SimDisk {
    fn disk(&self) -> MutexGuard<'_, Disk> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The disk after a power cut now, as a new disk.
    pub fn crash(&self) -> SimDisk {
        SimDisk(Arc::new(Mutex::new(self.disk().after_crash())))
    }

    /// Operations so far.
    pub fn ops(&self) -> u64 {
        self.disk().ops
    }

    /// Take the power-cut picture right after operation `n`.
    pub fn cut_power_after(&self, n: u64) {
        let mut d = self.disk();
        d.cut_at = Some(n);
        if d.ops >= n {
            let s = d.after_crash();
            d.snapshot = Some(Box::new(s));
        }
    }

    /// The picture of [`SimDisk::cut_power_after`], once taken.
    pub fn snapshot(&self) -> Option<SimDisk> {
        let d = self.disk();
        let s = d.snapshot.as_ref()?;
        Some(SimDisk(Arc::new(Mutex::new(s.after_crash()))))
    }

    /// Let only `bytes` more be written; then writes fail as on a full disk.
    pub fn fill_after(&self, bytes: u64) {
        self.disk().space_left = Some(bytes);
    }
}

struct SimWriter {
    disk: SimDisk,
    ino: u64,
}

impl Write for SimWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut d = self.disk.disk();
        d.spend(buf.len())?;
        if let Some(i) = d.inodes.get_mut(&self.ino) {
            i.data.extend_from_slice(buf);
        }
        d.op();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TerminatingWrite for SimWriter {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        let mut d = self.disk.disk();
        if let Some(i) = d.inodes.get_mut(&self.ino) {
            i.synced = i.data.len();
        }
        d.op();
        Ok(())
    }
}

struct SimLock {
    disk: SimDisk,
    path: PathBuf,
}

impl Drop for SimLock {
    fn drop(&mut self) {
        self.disk.disk().locks.remove(&self.path);
    }
}

fn not_found(path: &Path) -> OpenReadError {
    OpenReadError::FileDoesNotExist(path.to_path_buf())
}

impl Directory for SimDisk {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let d = self.disk();
        let ino = d.names.get(path).ok_or_else(|| not_found(path))?;
        let bytes = d
            .inodes
            .get(ino)
            .map(|i| i.data.clone())
            .unwrap_or_default();
        Ok(Arc::new(OwnedBytes::new(bytes)))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        let mut d = self.disk();
        let r = d
            .names
            .remove(path)
            .map(|_| ())
            .ok_or_else(|| DeleteError::FileDoesNotExist(path.to_path_buf()));
        d.op();
        r
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        Ok(self.disk().names.contains_key(path))
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let mut d = self.disk();
        if d.names.contains_key(path) {
            return Err(OpenWriteError::FileAlreadyExists(path.to_path_buf()));
        }
        let ino = d.create(path, Vec::new(), false);
        d.op();
        Ok(BufWriter::new(Box::new(SimWriter {
            disk: self.clone(),
            ino,
        })))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        let d = self.disk();
        let ino = d.names.get(path).ok_or_else(|| not_found(path))?;
        Ok(d.inodes
            .get(ino)
            .map(|i| i.data.clone())
            .unwrap_or_default())
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let mut d = self.disk();
        d.spend(data.len())?;
        d.create(path, data.to_vec(), true);
        d.op();
        Ok(())
    }

    fn sync_directory(&self) -> io::Result<()> {
        let mut d = self.disk();
        d.durable = d.names.clone();
        d.op();
        Ok(())
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        // Like flock: held in memory, gone with the process (the crash).
        if !self.disk().locks.insert(lock.filepath.clone()) {
            return Err(LockError::LockBusy);
        }
        Ok(DirectoryLock::from(Box::new(SimLock {
            disk: self.clone(),
            path: lock.filepath.clone(),
        })))
    }

    fn watch(&self, _: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsynced_names_and_bytes_are_gone_after_a_crash() {
        let disk = SimDisk::default();
        let mut w = disk.open_write(Path::new("a")).unwrap();
        w.write_all("Zölle".as_bytes()).unwrap();
        w.terminate().unwrap();
        disk.atomic_write(Path::new("meta.json"), b"1").unwrap();
        assert!(!disk.crash().exists(Path::new("a")).unwrap());
        disk.sync_directory().unwrap();
        disk.atomic_write(Path::new("meta.json"), b"2").unwrap();
        let mut w = disk.open_write(Path::new("b")).unwrap();
        w.write_all(b"Stahl").unwrap();
        w.flush().unwrap();
        disk.sync_directory().unwrap();
        let after = disk.crash();
        assert_eq!(
            after.atomic_read(Path::new("a")).unwrap(),
            "Zölle".as_bytes()
        );
        assert_eq!(after.atomic_read(Path::new("meta.json")).unwrap(), b"2");
        // b's name is durable, its bytes were never synced.
        assert_eq!(after.atomic_read(Path::new("b")).unwrap(), b"");
    }
}
