//! The writer lock of an index folder: one `archivar index` at a time, and
//! a second one is told who holds it.
//!
//! The lock is an advisory `flock` on `archivar.lock` in the index folder,
//! held for the whole run. The kernel drops it when the holder's process
//! ends in any way, SIGKILL and crashes included, so a lock is never
//! stale: a killed run leaves the file behind, and the next run simply
//! takes the lock and writes its own name into it. A lock held by a live
//! process is never taken away. The file itself is never deleted, since
//! deleting a locked file lets two processes lock two different files of
//! the same name.
//!
//! The holder writes its process id, host, start time and command line
//! into the file, so that the message of the second run can name it.

use crate::error::IndexError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Name of the lock file in the index folder.
pub const FILE: &str = "archivar.lock";

/// The lock, held until dropped.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
    /// The lock file.
    pub path: PathBuf,
}

/// Who holds a lock, as its file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holder {
    /// Process id.
    pub pid: Option<u32>,
    /// Host name.
    pub host: Option<String>,
    /// Start, in seconds since 1970.
    pub started: Option<u64>,
    /// The command line.
    pub command: Option<String>,
}

impl Holder {
    /// This process.
    fn me() -> Holder {
        Holder {
            pid: Some(std::process::id()),
            host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty()),
            started: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .ok()
                .map(|d| d.as_secs()),
            command: Some(
                std::env::args()
                    .enumerate()
                    // The program by its name, not its path.
                    .map(|(i, a)| match (i, Path::new(&a).file_name()) {
                        (0, Some(name)) => name.to_string_lossy().into_owned(),
                        _ => a,
                    })
                    .map(|a| {
                        if a.contains(char::is_whitespace) {
                            format!("'{a}'")
                        } else {
                            a
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        }
    }

    fn to_file(&self) -> String {
        let mut s =
            String::from("# the archivar process writing this index; see src/index/lock.rs\n");
        if let Some(p) = self.pid {
            s.push_str(&format!("pid = {p}\n"));
        }
        if let Some(h) = &self.host {
            s.push_str(&format!("host = {}\n", toml_string(h)));
        }
        if let Some(t) = self.started {
            s.push_str(&format!("started = {t}\n"));
        }
        if let Some(c) = &self.command {
            s.push_str(&format!("command = {}\n", toml_string(c)));
        }
        s
    }

    fn from_file(text: &str) -> Holder {
        #[derive(serde::Deserialize)]
        struct F {
            pid: Option<u32>,
            host: Option<String>,
            started: Option<u64>,
            command: Option<String>,
        }
        toml::from_str::<F>(text)
            .map(|f| Holder {
                pid: f.pid,
                host: f.host,
                started: f.started,
                command: f.command,
            })
            .unwrap_or_default()
    }
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

impl std::fmt::Display for Holder {
    /// "archivar process 4711 (`archivar index data/`, running for 12 s)".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pid {
            Some(p) => write!(f, "archivar process {p}")?,
            None => write!(f, "another archivar process")?,
        }
        let mut parts = vec![];
        if let Some(c) = &self.command {
            parts.push(format!("`{c}`"));
        }
        if let Some(t) = self.started {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(t);
            parts.push(format!("running for {}", duration(now.saturating_sub(t))));
        }
        if let Some(h) = &self.host {
            parts.push(format!("on {h}"));
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

fn duration(s: u64) -> String {
    match s {
        0..120 => format!("{s} s"),
        120..7200 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
}

/// Take the writer lock of the index in `dir` (creating the folder if need
/// be). If another process holds it: fail with [`IndexError::Locked`]
/// naming it, or, with `wait`, call `on_wait` with the holder and wait
/// until it is free.
pub fn acquire(
    dir: &Path,
    wait: bool,
    on_wait: impl FnOnce(&Holder),
) -> Result<WriteLock, IndexError> {
    let io = |source: std::io::Error| {
        if super::is_write_failure(&source) {
            IndexError::unwritable(dir, std::sync::Arc::new(source))
        } else {
            IndexError::Io {
                dir: dir.to_path_buf(),
                source,
            }
        }
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let path = dir.join(FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = read_holder(&mut file);
            if !wait {
                return Err(IndexError::Locked {
                    dir: dir.to_path_buf(),
                    holder: holder.to_string(),
                });
            }
            on_wait(&holder);
            file.lock().map_err(io)?;
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    // Ours now: whatever the file says is of a process that ended.
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    file.write_all(Holder::me().to_file().as_bytes())
        .map_err(io)?;
    Ok(WriteLock { _file: file, path })
}

/// Who holds the lock of the index in `dir`, if anyone does.
pub fn holder(dir: &Path) -> Option<Holder> {
    let mut file = File::open(dir.join(FILE)).ok()?;
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(TryLockError::WouldBlock) => Some(read_holder(&mut file)),
        Err(TryLockError::Error(_)) => None,
    }
}

fn read_holder(file: &mut File) -> Holder {
    let mut text = String::new();
    let _ = file.rewind().and_then(|_| file.read_to_string(&mut text));
    Holder::from_file(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_names_its_holder_and_is_not_taken() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), false, |_| {}).unwrap();
        // flock is per open file, so a second open in this process
        // conflicts like a second process would.
        let e = acquire(dir.path(), false, |_| {}).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("archivar process {}", std::process::id())),
            "{msg}"
        );
        assert!(msg.contains("running for"), "{msg}");
        assert_eq!(
            holder(dir.path()).and_then(|h| h.pid),
            Some(std::process::id())
        );
        drop(first);
        assert_eq!(holder(dir.path()), None);
        acquire(dir.path(), false, |_| {}).unwrap();
    }

    #[test]
    fn a_stale_lock_file_is_taken_over() {
        // What a killed run leaves: the file, with a process that is gone.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE),
            "pid = 999999999\ncommand = \"archivar index x\"\n",
        )
        .unwrap();
        assert_eq!(holder(dir.path()), None);
        let _lock = acquire(dir.path(), false, |_| {}).unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(
            text.contains(&format!("pid = {}", std::process::id())),
            "{text}"
        );
    }

    #[test]
    fn holder_file_round_trips() {
        let h = Holder {
            pid: Some(7),
            host: Some("funkhaus".into()),
            started: Some(1),
            command: Some("archivar index 'a b'".into()),
        };
        assert_eq!(Holder::from_file(&h.to_file()), h);
        assert_eq!(Holder::from_file("garbage = ["), Holder::default());
    }
}
