//! The one way archivar reads an input file: regular files only, and never
//! more than a bound into memory.
//!
//! - [`open`] refuses FIFOs, devices and sockets, also behind a symbolic
//!   link: a FIFO blocks until someone writes to it, `/dev/zero` never
//!   ends. Both used to give "indexed 0 items" (or 18 GB of memory).
//! - [`read_whole`] reads a file that is one item (text, subtitles, a
//!   sidecar) up to a bound, [`MAX_FILE_BYTES`].
//! - [`Lines`] reads lines of at most a bound. A longer line is reported
//!   by its number as soon as the bound is reached; the rest of it is
//!   passed over without being kept, and the next line is read as usual.

use crate::error::{IngestError, Location};
use std::fs::File;
use std::io::{BufRead, Read};
use std::path::Path;

/// Bytes a file of one item (text, SRT, WebVTT, TTML, a sidecar) may have:
/// 64 MiB, 32 times what the item's text may have (subtitle markup and
/// time codes take room).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Bytes a JSON Lines line may have: twice the text an item may have
/// ([`super::clean::MAX_ITEM_BYTES`]), room for the other fields and JSON's
/// escapes. A longer line is skipped before it is read whole.
pub const MAX_LINE_BYTES: usize = 2 * super::clean::MAX_ITEM_BYTES;

/// What a path is, if it is not a regular file.
fn kind_of(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// The error for a path that is no regular file, if it is none.
pub fn check_regular(path: &Path, meta: &std::fs::Metadata) -> Result<(), IngestError> {
    match kind_of(meta) {
        None => Ok(()),
        Some(kind) => Err(IngestError::NotRegular {
            loc: Location::file(path),
            kind,
        }),
    }
}

/// Open a regular file for reading; refuse anything else before opening
/// it (opening a FIFO would block).
pub fn open(path: &Path) -> Result<File, IngestError> {
    let io = |source| IngestError::Io {
        loc: Location::file(path),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    check_regular(path, &meta)?;
    let file = File::open(path).map_err(io)?;
    // Replaced by something else between the two looks?
    check_regular(path, &file.metadata().map_err(io)?)?;
    Ok(file)
}

/// Read a whole regular file of at most `max` bytes.
pub fn read_whole(path: &Path, max: u64) -> Result<Vec<u8>, IngestError> {
    let file = open(path)?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| IngestError::Io {
            loc: Location::file(path),
            source,
        })?;
    if bytes.len() as u64 > max {
        return Err(IngestError::FileTooLarge {
            loc: Location::file(path),
            max,
        });
    }
    Ok(bytes)
}

/// A reader that adds the bytes read through it to a counter: how far
/// into a file reading is, for the progress bar (of a `.jsonl.gz`, the
/// compressed bytes, which the file's size counts).
pub struct Counted<'a, R> {
    inner: R,
    count: &'a std::sync::atomic::AtomicU64,
}

impl<'a, R: Read> Counted<'a, R> {
    /// Count what is read from `inner` into `count`.
    pub fn new(inner: R, count: &'a std::sync::atomic::AtomicU64) -> Counted<'a, R> {
        Counted { inner, count }
    }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// One line read by [`Lines::next_line`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The whole line is in the buffer (with its `\n`, if it had one).
    Whole(u64),
    /// The line is longer than the bound; the buffer holds its start, the
    /// rest is passed over on the next call.
    TooLong(u64),
}

/// Lines of a stream, each of at most `max` bytes in memory.
pub struct Lines<R> {
    inner: R,
    max: usize,
    line: u64,
    skipping: bool,
    consumed: u64,
}

impl<R: BufRead> Lines<R> {
    /// Lines of `inner` of at most `max` bytes.
    pub fn new(inner: R, max: usize) -> Lines<R> {
        Lines {
            inner,
            max: max.max(1),
            line: 0,
            skipping: false,
            consumed: 0,
        }
    }

    /// Bytes taken from the stream so far (for progress).
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The next line into `buf` (cleared first), with its 1-based number;
    /// `None` at the end of the stream.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> std::io::Result<Option<Line>> {
        buf.clear();
        if self.skipping {
            self.skip_rest()?;
            self.skipping = false;
        }
        let mut started = false;
        loop {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                if !started {
                    return Ok(None);
                }
                break;
            }
            started = true;
            let (take, ends) = match avail.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            let room = self.max - buf.len();
            if take > room {
                buf.extend_from_slice(&avail[..room]);
                self.inner.consume(room);
                self.consumed += room as u64;
                self.line += 1;
                self.skipping = true;
                return Ok(Some(Line::TooLong(self.line)));
            }
            buf.extend_from_slice(&avail[..take]);
            self.inner.consume(take);
            self.consumed += take as u64;
            if ends {
                break;
            }
        }
        self.line += 1;
        Ok(Some(Line::Whole(self.line)))
    }

    fn skip_rest(&mut self) -> std::io::Result<()> {
        loop {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                return Ok(());
            }
            match avail.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.inner.consume(i + 1);
                    self.consumed += i as u64 + 1;
                    return Ok(());
                }
                None => {
                    let n = avail.len();
                    self.inner.consume(n);
                    self.consumed += n as u64;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8], max: usize) -> Vec<(Line, String)> {
        let mut r = Lines::new(std::io::BufReader::with_capacity(4, text), max);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some(l) = r.next_line(&mut buf).unwrap() {
            out.push((l, String::from_utf8_lossy(&buf).into_owned()));
        }
        out
    }

    #[test]
    fn a_long_line_is_cut_at_the_bound_and_the_next_read() {
        let got = all(b"Zoelle\nSchuldenbremse und Rente\nStahl", 10);
        assert_eq!(
            got,
            [
                (Line::Whole(1), "Zoelle\n".to_string()),
                (Line::TooLong(2), "Schuldenbr".to_string()),
                (Line::Whole(3), "Stahl".to_string()),
            ]
        );
        assert_eq!(all(b"", 10), []);
        assert_eq!(all(b"\n\n", 10).len(), 2);
    }

    #[test]
    fn an_endless_line_stops_at_the_bound() {
        // /dev/zero as a stream: the bound is reached, nothing more is kept.
        let zeros = std::io::repeat(0).take(50 << 20);
        let mut r = Lines::new(std::io::BufReader::new(zeros), 1 << 20);
        let mut buf = Vec::new();
        assert_eq!(r.next_line(&mut buf).unwrap(), Some(Line::TooLong(1)));
        assert_eq!(buf.len(), 1 << 20);
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_folders_are_refused() {
        let e = open(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/dev/zero: a device, not a regular file; skipped. Name a file or a folder of files"
        );
        let dir = tempfile::TempDir::new().unwrap();
        let e = read_whole(dir.path(), 10).unwrap_err();
        assert!(
            e.to_string().contains("a folder, not a regular file"),
            "{e}"
        );
        let f = dir.path().join("gross.txt");
        std::fs::write(&f, "Haushalt ".repeat(10)).unwrap();
        let e = read_whole(&f, 20).unwrap_err();
        assert!(e.to_string().contains("larger than the 20 bytes"), "{e}");
        assert_eq!(read_whole(&f, 90).unwrap().len(), 90);
    }
}
