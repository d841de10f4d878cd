//! Ingest: files and folders of an archive to [`Item`]s.
//!
//! | file | format |
//! |---|---|
//! | `*.txt` | one item in the seed's text format ([`text`]) |
//! | `*.jsonl`, `*.ndjson` (also `.gz`) | JSON Lines, one item a line ([`jsonl`]) |
//! | `*.srt` | SubRip subtitles, one item a file ([`subtitle`]) |
//! | `*.vtt` | WebVTT subtitles, one item a file ([`subtitle`]) |
//! | `*.ttml`, `*.dfxp`, `*.xml` | EBU-TT-D / TTML subtitles ([`ttml`]); an `.xml` file found in a folder only if it is TTML |
//!
//! Folders are walked recursively (following links, skipping hidden
//! entries); files of other types found there are counted as skipped. A file
//! named explicitly is read whatever its name: JSON Lines if it starts with
//! `{`, text otherwise.
//!
//! Ids: a text item's id is its file name without the extension
//! (`data/news/dlf-2024-11-06-wahl-usa.txt` → `dlf-2024-11-06-wahl-usa`).
//! A JSON Lines item keeps its `id`; one without gets `<file name without
//! extension>#<12 hex digits of SHA-256 over title, date and body>`. Two
//! items with the same id in one file: the later replaces the earlier; in
//! two files: the item of the file whose path sorts first is kept (also
//! across runs, so an edit does not swap them), and the run says so.

pub mod blocks;
pub mod clean;
pub mod decode;
pub mod jsonl;
pub mod read;
pub mod subtitle;
pub mod text;
pub mod ttml;
pub mod turns;

use crate::error::{IngestError, Location};
use crate::item::Item;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
pub use subtitle::Meta;

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One item in the seed's text format.
    Text,
    /// JSON Lines.
    JsonLines,
    /// Gzip-compressed JSON Lines.
    JsonLinesGz,
    /// SubRip subtitles.
    Srt,
    /// WebVTT subtitles.
    WebVtt,
    /// EBU-TT-D or other TTML subtitles.
    Ttml,
}

impl Format {
    /// Subtitle formats: one item a file, with time offsets.
    pub fn is_subtitle(self) -> bool {
        matches!(self, Format::Srt | Format::WebVtt | Format::Ttml)
    }
}

/// A file to read.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as found.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// The id (text) or id prefix (JSON Lines) derived from the path.
    pub id: String,
    /// Size in bytes, for progress.
    pub size: u64,
}

/// What reading produces, in order.
#[derive(Debug)]
pub enum Event {
    /// An item to index.
    Item(Item),
    /// Something the user should know; nothing was lost.
    Warning(Location, String),
    /// A file or item that could not be read; it is not indexed.
    Error(IngestError),
}

/// The files to read below the inputs, and what was passed over.
#[derive(Debug, Default)]
pub struct Walk {
    /// Files to read, in a stable order.
    pub sources: Vec<Source>,
    /// Files of unknown type found in folders.
    pub skipped: Vec<PathBuf>,
    /// Inputs or folder entries that could not be read.
    pub errors: Vec<IngestError>,
    /// Entries passed over that held no item (dangling links).
    pub warnings: Vec<(Location, String)>,
}

fn format_of(name: &str) -> Option<(Format, usize)> {
    let lower = name.to_lowercase();
    for (ext, fmt) in [
        (".jsonl.gz", Format::JsonLinesGz),
        (".ndjson.gz", Format::JsonLinesGz),
        (".jsonl", Format::JsonLines),
        (".ndjson", Format::JsonLines),
        (".txt", Format::Text),
        (".srt", Format::Srt),
        (".vtt", Format::WebVtt),
        (".ttml", Format::Ttml),
        (".dfxp", Format::Ttml),
        (".xml", Format::Ttml),
    ] {
        if lower.ends_with(ext) && lower.len() > ext.len() {
            return Some((fmt, ext.len()));
        }
    }
    None
}

/// A file name as text. A name that is not UTF-8 (Latin-1 `M\xfcller.txt`
/// from an old archive) is decoded as Windows-1252, so that `Müller`,
/// `Möller` and `Mäller` stay three ids rather than one `M\u{fffd}ller`.
pub fn name_text(name: &std::ffi::OsStr) -> String {
    if let Some(s) = name.to_str() {
        return s.to_string();
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(name.as_bytes())
            .0
            .into_owned()
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

fn strip_ext(rel: &str, ext_len: usize) -> String {
    rel[..rel.len() - ext_len].to_string()
}

/// Find the files to read below the inputs.
pub fn walk(inputs: &[PathBuf]) -> Walk {
    let mut w = Walk::default();
    // A file named twice (or found twice, below two inputs) is read once.
    let mut seen = std::collections::HashSet::new();
    let mut first_time = |path: &Path| {
        seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    };
    for input in inputs {
        let meta = match std::fs::metadata(input) {
            Ok(m) => m,
            Err(source) => {
                w.errors.push(IngestError::Io {
                    loc: Location::file(input),
                    source,
                });
                continue;
            }
        };
        if !meta.is_dir()
            && let Err(e) = read::check_regular(input, &meta)
        {
            w.errors.push(e);
            continue;
        }
        if meta.is_file() {
            if !first_time(input) {
                continue;
            }
            let name = input.file_name().map(name_text).unwrap_or_default();
            let (format, id) = match format_of(&name) {
                Some((f, ext_len)) => (f, strip_ext(&name, ext_len)),
                None => {
                    let stem = input.file_stem().map(name_text).unwrap_or_default();
                    (sniff(input), stem)
                }
            };
            w.sources.push(Source {
                path: input.clone(),
                format,
                id,
                size: meta.len(),
            });
            continue;
        }
        let walker = walkdir::WalkDir::new(input)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err.path().unwrap_or(input).to_path_buf();
                    let dangling = err
                        .io_error()
                        .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                        && std::fs::symlink_metadata(&path)
                            .is_ok_and(|m| m.file_type().is_symlink());
                    if dangling {
                        // A link to nothing holds no item: nothing is lost.
                        w.warnings.push((
                            Location::file(&path),
                            "symbolic link to a file that does not exist; skipped".to_string(),
                        ));
                        continue;
                    }
                    let msg = if err.loop_ancestor().is_some() {
                        "symbolic link loop; skipped".to_string()
                    } else {
                        err.to_string()
                    };
                    w.errors.push(IngestError::Io {
                        loc: Location::file(&path),
                        source: std::io::Error::other(msg),
                    });
                    continue;
                }
            };
            if entry.file_type().is_dir() {
                continue;
            }
            if let Ok(meta) = entry.metadata()
                && let Err(e) = read::check_regular(entry.path(), &meta)
            {
                w.errors.push(e);
                continue;
            }
            let path = entry.path();
            if !first_time(path) {
                continue;
            }
            let name = name_text(entry.file_name());
            match format_of(&name) {
                Some((Format::Ttml, _))
                    if name.to_lowercase().ends_with(".xml") && !sniff_ttml(path) =>
                {
                    w.skipped.push(path.to_path_buf())
                }
                Some((format, ext_len)) => w.sources.push(Source {
                    path: path.to_path_buf(),
                    format,
                    id: strip_ext(&name, ext_len),
                    size: entry.metadata().map(|m| m.len()).unwrap_or(0),
                }),
                None if is_sidecar(path) => {}
                None => w.skipped.push(path.to_path_buf()),
            }
        }
    }
    w
}

/// A `<subtitle file>.json` beside its subtitle file: read with it.
fn is_sidecar(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.to_lowercase().ends_with(".json")
        && format_of(&name[..name.len() - 5]).is_some_and(|(f, _)| f.is_subtitle())
        && Path::new(&name[..name.len() - 5]).is_file()
}

fn sniff_ttml(path: &Path) -> bool {
    let mut head = [0u8; 2048];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    ttml::looks_like_ttml(&head[..n])
}

fn sniff(path: &Path) -> Format {
    let mut head = [0u8; 512];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    if head[..n].starts_with(&[0x1f, 0x8b]) {
        return Format::JsonLinesGz;
    }
    let first = head[..n]
        .iter()
        .find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
    if first == Some(&b'{') {
        Format::JsonLines
    } else {
        Format::Text
    }
}

/// Read one file, sending items, warnings and errors to `sink`. `given`
/// fills in date and programme where the file has none (`index --date`,
/// `--program`).
pub fn read_source(src: &Source, given: &Meta, sink: &mut dyn FnMut(Event)) {
    read_source_counted(src, given, sink, &std::sync::atomic::AtomicU64::new(0));
}

/// [`read_source`], adding the bytes of the file read so far to `read`
/// as it goes (JSON Lines are read as a stream; other files at once).
pub fn read_source_counted(
    src: &Source,
    given: &Meta,
    sink: &mut dyn FnMut(Event),
    read: &std::sync::atomic::AtomicU64,
) {
    let loc = Location::file(&src.path);
    let io_err = |source| IngestError::Io {
        loc: loc.clone(),
        source,
    };
    let fill = |mut item: Item| {
        if item.date.is_none() {
            item.date = given.date;
        }
        if item.program.is_none() {
            item.program = given.program.clone();
        }
        item
    };
    let sink = &mut |ev: Event| match ev {
        Event::Item(item) => sink(Event::Item(fill(item))),
        other => sink(other),
    };
    match src.format {
        Format::Srt | Format::WebVtt | Format::Ttml => read_subtitle(src, given, sink),
        Format::Text => {
            let Some(decoded) = read_text_file(src, sink) else {
                return;
            };
            match text::parse_text(&decoded.text, &src.id, &src.path) {
                Ok(p) => {
                    for w in p.warnings {
                        sink(Event::Warning(loc.clone(), w));
                    }
                    sink(Event::Item(p.item));
                }
                Err(e) => sink(Event::Error(e)),
            }
        }
        Format::JsonLines | Format::JsonLinesGz => {
            let file = match read::open(&src.path) {
                Ok(f) => f,
                Err(e) => return sink(Event::Error(e)),
            };
            let file = read::Counted::new(file, read);
            let inner: Box<dyn Read + '_> = if src.format == Format::JsonLinesGz {
                Box::new(flate2::read::MultiGzDecoder::new(file))
            } else {
                Box::new(file)
            };
            let mut reader: Box<dyn BufRead + '_> =
                Box::new(BufReader::with_capacity(1 << 16, inner));
            // UTF-16 with a BOM (PowerShell's Out-File writes it): decode
            // the whole file, then read its lines as UTF-8.
            let head = reader
                .fill_buf()
                .map(|b| b.get(..2).map(<[u8]>::to_vec))
                .unwrap_or(None);
            if let Some(enc) = head
                .and_then(|h| encoding_rs::Encoding::for_bom(&h))
                .map(|(e, _)| e)
                && enc != encoding_rs::UTF_8
            {
                let mut bytes = Vec::new();
                if let Err(e) = reader
                    .by_ref()
                    .take(read::MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                {
                    return sink(Event::Error(io_err(e)));
                }
                if bytes.len() as u64 > read::MAX_FILE_BYTES {
                    return sink(Event::Error(IngestError::Format {
                        loc,
                        detail: format!(
                            "UTF-16 file of more than {} MB, which is read whole; skipped. Convert it to UTF-8, which is read line by line",
                            read::MAX_FILE_BYTES >> 20
                        ),
                    }));
                }
                let (text, _) = enc.decode_with_bom_removal(&bytes);
                sink(Event::Warning(
                    loc.clone(),
                    format!(
                        "not UTF-8; decoded as {}. Convert the file to UTF-8 to silence this",
                        enc.name()
                    ),
                ));
                reader = Box::new(std::io::Cursor::new(text.into_owned().into_bytes()));
            }
            let mut legacy_line = None;
            let mut any = false;
            let result = jsonl::read_jsonl_from(
                &mut reader,
                &src.path,
                &src.id,
                src.format == Format::JsonLinesGz,
                &mut |r| {
                    any = true;
                    match r {
                        jsonl::LineResult::Item(i) => sink(Event::Item(i)),
                        jsonl::LineResult::Error(e) => sink(Event::Error(e)),
                    }
                },
                &mut |line| legacy_line = Some(line),
            );
            if let Some(line) = legacy_line {
                sink(Event::Warning(
                    Location::line(&src.path, line),
                    "not UTF-8 from this line on; decoded as windows-1252. Convert the file to UTF-8 to silence this"
                        .to_string(),
                ));
            }
            if let Err(e) = result {
                sink(Event::Error(e));
            } else if !any {
                sink(Event::Error(IngestError::Empty { loc }));
            }
        }
    }
}

/// Read and decode a whole text file; a legacy encoding is a warning, a
/// file that cannot be read or decoded an error (and `None`).
fn read_text_file(src: &Source, sink: &mut dyn FnMut(Event)) -> Option<decode::Decoded> {
    let loc = Location::file(&src.path);
    let bytes = match read::read_whole(&src.path, read::MAX_FILE_BYTES) {
        Ok(b) => b,
        Err(e) => {
            sink(Event::Error(e));
            return None;
        }
    };
    let decoded = match decode::decode(&bytes, &loc) {
        Ok(d) => d,
        Err(e) => {
            sink(Event::Error(e));
            return None;
        }
    };
    if !decoded.legacy_lines.is_empty() {
        let lines = decode::line_ranges(&decoded.legacy_lines);
        let s = if decoded.legacy_lines.len() == 1 {
            ""
        } else {
            "s"
        };
        sink(Event::Warning(
            loc,
            format!(
                "mixed encodings: line{s} {lines} not UTF-8, decoded as windows-1252, the others as UTF-8. Convert the file to UTF-8 to silence this"
            ),
        ));
    } else if let Some(enc) = decoded.encoding {
        sink(Event::Warning(
            loc,
            format!("not UTF-8; decoded as {enc}. Convert the file to UTF-8 to silence this"),
        ));
    }
    Some(decoded)
}

fn read_subtitle(src: &Source, given: &Meta, sink: &mut dyn FnMut(Event)) {
    let loc = Location::file(&src.path);
    let Some(decoded) = read_text_file(src, sink) else {
        return;
    };
    let parsed = match src.format {
        Format::Srt => subtitle::parse_srt(&decoded.text, &src.path),
        Format::WebVtt => subtitle::parse_vtt(&decoded.text, &src.path),
        _ => ttml::parse_ttml(&decoded.text, &src.path),
    };
    let mut parsed = match parsed {
        Ok(p) => p,
        Err(e) => return sink(Event::Error(e)),
    };
    if parsed.cues.is_empty() {
        return sink(Event::Error(IngestError::Format {
            loc,
            detail: "no subtitle text in this file; nothing to index".to_string(),
        }));
    }
    let sidecar = match subtitle::meta_from_sidecar(&src.path) {
        Ok(m) => m.unwrap_or_default(),
        Err(e) => {
            sink(Event::Error(e));
            return;
        }
    };
    let stem = src.path.file_name().map(name_text).unwrap_or_default();
    let stem = stem
        .rsplit_once('.')
        .map_or(stem.as_str(), |(s, _)| s)
        .to_string();
    parsed.meta = parsed
        .meta
        .clone()
        .or(&subtitle::meta_from_name(&stem))
        .or(&sidecar);
    let (item, warnings) = subtitle::assemble(parsed, &src.id, &src.path, given);
    for (line, msg) in warnings {
        let l = match line {
            Some(n) => Location::line(&src.path, n),
            None => loc.clone(),
        };
        sink(Event::Warning(l, msg));
    }
    sink(Event::Item(item));
}

/// SHA-256 of a file's bytes (and of its sidecar's, if it has one), hex:
/// what `index` compares to skip files that did not change since they
/// were indexed.
pub fn fingerprint(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut f = read::open(path).map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut h = Sha256::new();
    let mut side = path.as_os_str().to_owned();
    side.push(".json");
    if let Ok(b) = read::read_whole(Path::new(&side), read::MAX_FILE_BYTES) {
        h.update(&b);
        h.update(b"\0sidecar\0");
    }
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn progress_moves_within_one_large_file() {
        // Issue 12, row 23: the bar stayed at 0 until the file was done.
        use std::io::Write;
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("gross.jsonl.gz");
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::fast(),
        );
        for i in 0..20_000 {
            let body = format!("Die Rente steigt im Jahr {i} um {} Prozent.", i % 7);
            writeln!(
                gz,
                "{}",
                serde_json::json!({"id": format!("r{i}"), "body": body})
            )
            .unwrap();
        }
        gz.finish().unwrap();
        let walk = walk(&[path]);
        let src = &walk.sources[0];
        let read = AtomicU64::new(0);
        let mut seen = Vec::new();
        read_source_counted(
            src,
            &Meta::default(),
            &mut |ev| {
                if let Event::Item(_) = ev {
                    seen.push(read.load(Ordering::Relaxed));
                }
            },
            &read,
        );
        assert_eq!(seen.len(), 20_000);
        let between = seen.iter().filter(|&&n| n > 0 && n < src.size).count();
        assert!(
            between > 10_000,
            "{between} of 20000 items saw progress inside the file"
        );
        assert!(seen.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(read.load(Ordering::Relaxed), src.size);
    }
}
