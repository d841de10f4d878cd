//! Bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, and
//! Windows-1252 (a superset of Latin-1) for everything else that is text.

use crate::error::{IngestError, Location};
use std::borrow::Cow;

/// Text decoded from bytes, and the encoding when it was not UTF-8.
#[derive(Debug)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// `Some("UTF-16LE")`, `Some("windows-1252")`, … when not UTF-8.
    pub encoding: Option<&'static str>,
    /// For a file that mixes UTF-8 and Windows-1252 lines (a UTF-8 title
    /// over a Latin-1 body), the lines (from 1) decoded as Windows-1252;
    /// empty when the whole file is one encoding.
    pub legacy_lines: Vec<usize>,
}

/// Decode a whole file.
pub fn decode(bytes: &[u8], loc: &Location) -> Result<Decoded, IngestError> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if enc == encoding_rs::UTF_8 {
            if had_errors {
                return decode_legacy(&bytes[bom_len..], loc);
            }
            return Ok(Decoded {
                text: text.into_owned(),
                encoding: None,
                legacy_lines: Vec::new(),
            });
        }
        if had_errors || text.contains('\0') {
            return Err(IngestError::Binary { loc: loc.clone() });
        }
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: Some(enc.name()),
            legacy_lines: Vec::new(),
        });
    }
    if looks_binary(bytes) {
        return Err(IngestError::Binary { loc: loc.clone() });
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Decoded {
            text: s.to_string(),
            encoding: None,
            legacy_lines: Vec::new(),
        }),
        Err(_) => decode_legacy(bytes, loc),
    }
}

/// Decode one line of a JSON Lines file: UTF-8 if it is, else Windows-1252.
pub fn decode_line(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), false),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text, true)
        }
    }
}

/// Bytes that are not UTF-8 as a whole: line by line, UTF-8 where a line
/// is valid UTF-8 with a character beyond ASCII, Windows-1252 where it is
/// not (an ASCII line reads the same in both).
fn decode_legacy(bytes: &[u8], loc: &Location) -> Result<Decoded, IngestError> {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    let mut legacy_lines = Vec::new();
    let mut utf8_lines = 0usize;
    for (n, line) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        match std::str::from_utf8(line) {
            Ok(s) => {
                if !s.is_ascii() {
                    utf8_lines += 1;
                }
                text.push_str(s);
            }
            Err(_) => {
                legacy_lines.push(n + 1);
                text.push_str(&encoding_rs::WINDOWS_1252.decode(line).0);
            }
        }
    }
    if utf8_lines == 0 {
        legacy_lines.clear();
    }
    // Text in a legacy encoding has few control characters; binary data
    // that happens to have no NUL byte has many.
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    if controls * 100 > text.chars().count().max(1) {
        return Err(IngestError::Binary { loc: loc.clone() });
    }
    Ok(Decoded {
        text,
        encoding: Some(encoding_rs::WINDOWS_1252.name()),
        legacy_lines,
    })
}

/// Line numbers as a reader takes them in: "3, 5–7, 12".
pub fn line_ranges(lines: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j + 1 < lines.len() && lines[j + 1] == lines[j] + 1 {
            j += 1;
        }
        out.push(if j > i {
            format!("{}–{}", lines[i], lines[j])
        } else {
            lines[i].to_string()
        });
        i = j + 1;
    }
    out.join(", ")
}

/// A NUL byte in the first 8 KiB marks binary data, as in git and ripgrep.
pub fn looks_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(8192)].contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn loc() -> Location {
        Location::file(Path::new("x.txt"))
    }

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decode("Zölle".as_bytes(), &loc()).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), ("Zölle", None));
        let d = decode(b"\xEF\xBB\xBFZ\xC3\xB6lle", &loc()).unwrap();
        assert_eq!(d.text, "Zölle");
    }

    #[test]
    fn latin1_is_decoded_as_windows_1252() {
        let d = decode(b"Z\xF6lle f\xFCr Stra\xDFen \x84Zitat\x93", &loc()).unwrap();
        assert_eq!(d.text, "Zölle für Straßen „Zitat“");
        assert_eq!(d.encoding, Some("windows-1252"));
    }

    #[test]
    fn mixed_lines_are_decoded_each_in_its_own_encoding() {
        // A UTF-8 title over a Latin-1 body: before, the title read
        // "KÃ¤lte in KÃ¶ln".
        let bytes = b"K\xC3\xA4lte in K\xC3\xB6ln\n\nDie K\xE4lte kam\nnach K\xF6ln.\n";
        let d = decode(bytes, &loc()).unwrap();
        assert_eq!(d.text, "Kälte in Köln\n\nDie Kälte kam\nnach Köln.\n");
        assert_eq!(d.legacy_lines, [3, 4]);
        assert_eq!(line_ranges(&d.legacy_lines), "3–4");
        assert_eq!(line_ranges(&[1, 3, 4, 5, 9]), "1, 3–5, 9");
        // All lines Latin-1: one encoding, no lines to name.
        let d = decode(b"Die K\xE4lte\nin K\xF6ln\n", &loc()).unwrap();
        assert!(d.legacy_lines.is_empty());
        assert_eq!(d.text, "Die Kälte\nin Köln\n");
    }

    #[test]
    fn utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "Straße".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode(&b, &loc()).unwrap();
        assert_eq!(d.text, "Straße");
        assert_eq!(d.encoding, Some("UTF-16LE"));
    }

    #[test]
    fn binary_is_refused() {
        assert!(matches!(
            decode(b"PK\x03\x04\x00\x00abc", &loc()),
            Err(IngestError::Binary { .. })
        ));
        let noise: Vec<u8> = (1u8..=255)
            .cycle()
            .take(4000)
            .filter(|b| *b != b'\n')
            .collect();
        assert!(decode(&noise, &loc()).is_err());
    }
}
