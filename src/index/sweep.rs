//! Clean-up of what a killed run leaves in the index folder.
//!
//! A run killed before its commit leaves segment files that no commit
//! names (tantivy issue 3079), and a run killed inside an atomic write
//! leaves its temporary file (`.tmpXXXXXX` of tantivy's `meta.json` and
//! `.managed.json`, `NAME.tmp` of archivar's own files). tantivy deletes
//! orphans it has listed in `.managed.json` only after a later commit of
//! its own, and never the temporary files; a run that finds nothing to
//! index would keep them all. So before writing, with the writer lock
//! held, every segment file that the last commit does not name and every
//! temporary file is deleted.
//!
//! Readers in other processes are safe: the sweep holds tantivy's
//! `META_LOCK`, which a reader holds while it opens the files of a commit,
//! and a file a reader has open stays readable after it is deleted.

use super::Archive;
use crate::error::IndexError;
use std::collections::HashSet;
use std::path::PathBuf;
use tantivy::directory::{Directory, META_LOCK};

/// What a sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Files deleted.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// Whether a file name is that of a segment file: 32 hex digits (the
/// segment's id), a dot, the component (`.idx`, `.store`, `.7.del`, …).
pub fn is_segment_file(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 33 && b[32] == b'.' && b[..32].iter().all(u8::is_ascii_hexdigit)
}

/// Whether a file name is that of a temporary file of an atomic write.
pub fn is_temporary(name: &str) -> bool {
    // tempfile's names: ".tmp" and six random characters.
    (name.starts_with(".tmp") && name.len() == 10) || super::durable::is_temporary(name)
}

/// Delete the orphans of killed runs. The caller holds the writer lock
/// and has no tantivy writer open yet.
pub fn sweep(archive: &Archive) -> Result<Swept, IndexError> {
    let directory = archive.index.directory();
    let _meta = directory
        .acquire_lock(&META_LOCK)
        .map_err(|e| archive.tantivy(e.into()))?;
    let metas = archive.index.load_metas().map_err(|e| archive.tantivy(e))?;
    let living: HashSet<PathBuf> = metas.list_segment_files();
    let mut swept = Swept::default();
    let entries = std::fs::read_dir(&archive.dir).map_err(|e| archive.io_error(e))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let orphan = (is_segment_file(&name) && !living.contains(&PathBuf::from(&name)))
            || is_temporary(&name);
        if !orphan || !e.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let bytes = e.metadata().map(|m| m.len()).unwrap_or(0);
        match std::fs::remove_file(e.path()) {
            Ok(()) => {
                swept.files += 1;
                swept.bytes += bytes;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(archive.io_error(e)),
        }
    }
    if swept.files > 0 {
        super::durable::sync_dir(&archive.dir).map_err(|e| archive.io_error(e))?;
    }
    Ok(swept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_segment_file("7a8c2a81201346f686c5126823dc31d3.fast"));
        assert!(is_segment_file("7a8c2a81201346f686c5126823dc31d3.12.del"));
        assert!(!is_segment_file("meta.json"));
        assert!(!is_segment_file("phonetic.v1.fst"));
        assert!(is_temporary(".tmpAb12Cd"));
        assert!(is_temporary("phonetic.v1.fst.tmp"));
        assert!(!is_temporary(".tantivy-writer.lock"));
        assert!(!is_temporary(".managed.json"));
    }
}
