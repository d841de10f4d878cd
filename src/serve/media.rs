//! `GET /media/PATH`: a file below one of the `--media-root` folders, with
//! HTTP Range requests (a player seeks to `#t=`). Nothing outside the
//! folders is reachable: `..` and `.` parts, absolute paths, backslashes
//! and NUL are refused before the file system is asked, and the file's
//! real path (symlinks resolved) must still lie below the folder.

use super::{ApiError, Shared};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// The file a request path names, if it lies below a root.
pub(crate) fn resolve(roots: &[PathBuf], raw: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?;
    if decoded.is_empty()
        || decoded.starts_with('/')
        || decoded.contains(['\\', '\0'])
        || decoded
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return None;
    }
    let rel = Path::new(decoded.as_ref());
    if rel.is_absolute() {
        return None;
    }
    roots.iter().find_map(|root| {
        let real = std::fs::canonicalize(root.join(rel)).ok()?;
        (real.starts_with(root) && real.is_file()).then_some(real)
    })
}

/// The content type of a media file, by its extension.
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("mp3") => "audio/mpeg",
        Some("m4a" | "aac") => "audio/mp4",
        Some("mp4" | "m4v") => "video/mp4",
        Some("ogg" | "oga" | "opus") => "audio/ogg",
        Some("ogv") => "video/ogg",
        Some("webm") => "video/webm",
        Some("wav") => "audio/wav",
        Some("flac") => "audio/flac",
        Some("vtt") => "text/vtt; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A `Range: bytes=…` header against a file of `len` bytes: the first
/// and last byte, `Err` when it cannot be met (416), `None` for the whole
/// file (no header, or several ranges, which are answered whole).
fn range(value: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(v) = value else { return Ok(None) };
    let Some(spec) = v.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| s.parse::<u64>().map_err(|_| ());
    let (start, end) = match (a.is_empty(), b.is_empty()) {
        (true, true) => return Err(()),
        // The last b bytes.
        (true, false) => {
            let n = num(b)?;
            if n == 0 || len == 0 {
                return Err(());
            }
            (len.saturating_sub(n), len - 1)
        }
        (false, true) => (num(a)?, len.saturating_sub(1)),
        (false, false) => (num(a)?, num(b)?.min(len.saturating_sub(1))),
    };
    if start >= len || start > end {
        return Err(());
    }
    Ok(Some((start, end)))
}

/// `GET /media/{*path}`.
pub(crate) async fn serve(State(state): State<Shared>, req: Request) -> Response {
    let raw = req
        .uri()
        .path()
        .strip_prefix("/media/")
        .unwrap_or_default()
        .to_string();
    let not_found = || {
        ApiError::not_found("no such media file below the --media-root folders".into())
            .into_response()
    };
    let roots = state.media_roots.clone();
    let Ok(Some(path)) = tokio::task::spawn_blocking(move || resolve(&roots, &raw)).await else {
        return not_found();
    };
    let Ok(mut file) = tokio::fs::File::open(&path).await else {
        return not_found();
    };
    let Ok(meta) = file.metadata().await else {
        return not_found();
    };
    let len = meta.len();
    let asked = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let (status, start, end) = match range(asked, len) {
        Ok(Some((s, e))) => (StatusCode::PARTIAL_CONTENT, s, e),
        Ok(None) => (StatusCode::OK, 0, len.saturating_sub(1)),
        Err(()) => {
            let mut r = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "bad_range",
                format!("the range cannot be served from a file of {len} bytes"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return r;
        }
    };
    let count = if len == 0 { 0 } else { end - start + 1 };
    if file.seek(std::io::SeekFrom::Start(start)).await.is_err() {
        return not_found();
    }
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file.take(count)));
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&path)),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}"))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(range(None, 100), Ok(None));
        assert_eq!(range(Some("bytes=0-9"), 100), Ok(Some((0, 9))));
        assert_eq!(range(Some("bytes=90-"), 100), Ok(Some((90, 99))));
        assert_eq!(range(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(range(Some("bytes=50-500"), 100), Ok(Some((50, 99))));
        assert_eq!(range(Some("bytes=100-"), 100), Err(()));
        assert_eq!(range(Some("bytes=9-3"), 100), Err(()));
        assert_eq!(range(Some("bytes=x-3"), 100), Err(()));
        assert_eq!(range(Some("bytes=0-1,5-6"), 100), Ok(None));
    }

    #[test]
    fn no_way_out_of_the_roots() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("medien");
        std::fs::create_dir_all(root.join("2025")).unwrap();
        std::fs::write(root.join("2025/nachrichten.mp3"), b"ID3").unwrap();
        std::fs::write(dir.path().join("geheim.txt"), b"x").unwrap();
        let roots = vec![std::fs::canonicalize(&root).unwrap()];
        assert!(resolve(&roots, "2025/nachrichten.mp3").is_some());
        assert!(resolve(&roots, "2025%2Fnachrichten.mp3").is_some());
        for bad in [
            "../geheim.txt",
            "2025/../../geheim.txt",
            "%2e%2e/geheim.txt",
            "%2E%2E%2Fgeheim.txt",
            "/etc/passwd",
            "%2Fetc%2Fpasswd",
            "2025/./nachrichten.mp3",
            "2025//nachrichten.mp3",
            "..%5cgeheim.txt",
            "nachrichten.mp3%00",
            "",
        ] {
            assert_eq!(resolve(&roots, bad), None, "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("geheim.txt"), root.join("link.txt"))
                .unwrap();
            assert_eq!(resolve(&roots, "link.txt"), None);
        }
    }
}
