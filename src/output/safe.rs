//! Text from outside (file names, ids, titles, speakers) made safe to print
//! on a terminal, as ripgrep and `ls` do: a file named `esc-\e]0;PWNED\a.txt`
//! must not retitle the window, `\r` in a title must not overwrite the line,
//! and a right-to-left override in an id must not reverse what follows.
//!
//! Control characters (C0 but line feed and tab, DEL, C1), the bidirectional
//! controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and bytes
//! that are no UTF-8 are written as escapes: `\e`, `\r`, `\x07`, `\u{202e}`,
//! `\xfc`. Everything else passes unchanged, so German text, emoji and
//! right-to-left scripts print as they are.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io;
use std::path::Path;
use termcolor::{ColorSpec, WriteColor};

/// Whether `c` must not reach a terminal as it is.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
}

fn push_escape(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `text` with every unsafe character escaped; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Bytes as text: UTF-8 where they are, `\xNN` for each byte that is not,
/// and unsafe characters escaped.
pub fn escape_bytes(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return escape(s);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    Cow::Owned(out)
}

/// A path for messages: its bytes as [`escape_bytes`] writes them, so a
/// Latin-1 name shows as `M\xfcller.txt`, not as `M�ller.txt`.
pub struct SafePath<'a>(pub &'a Path);

impl fmt::Display for SafePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            f.write_str(&escape_bytes(self.0.as_os_str().as_bytes()))
        }
        #[cfg(not(unix))]
        {
            f.write_str(&escape(&self.0.to_string_lossy()))
        }
    }
}

/// A terminal writer that escapes what it is given to write (the text),
/// while colours set through [`WriteColor`] pass to the terminal as they
/// are. Every text the terminal printer writes goes through it.
pub struct Sanitized<W> {
    inner: W,
}

impl<W> Sanitized<W> {
    /// Escape what is written to `inner`.
    pub fn new(inner: W) -> Sanitized<W> {
        Sanitized { inner }
    }

    /// The writer inside.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: io::Write> io::Write for Sanitized<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_all(escape_bytes(buf).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: WriteColor> WriteColor for Sanitized<W> {
    fn supports_color(&self) -> bool {
        self.inner.supports_color()
    }

    fn set_color(&mut self, spec: &ColorSpec) -> io::Result<()> {
        self.inner.set_color(spec)
    }

    fn reset(&mut self) -> io::Result<()> {
        self.inner.reset()
    }

    fn is_synchronous(&self) -> bool {
        self.inner.is_synchronous()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn controls_and_direction_overrides_are_escaped_text_is_not() {
        assert_eq!(escape("Zölle für Stahl 🚢"), "Zölle für Stahl 🚢");
        assert_eq!(
            escape("esc-\u{1b}]0;PWNED\u{7}.txt"),
            "esc-\\e]0;PWNED\\x07.txt"
        );
        assert_eq!(escape("Harmlos\rFAKE TITLE"), "Harmlos\\rFAKE TITLE");
        assert_eq!(escape("id-\u{202e}txt.exe"), "id-\\u{202e}txt.exe");
        assert_eq!(escape("a\u{9b}b"), "a\\x9bb");
        assert_eq!(escape("Zeile 1\nZeile 2\tTab"), "Zeile 1\nZeile 2\tTab");
        // Right-to-left text itself is text.
        assert_eq!(escape("مرحبا שלום"), "مرحبا שלום");
        assert!(matches!(escape("Rente"), Cow::Borrowed(_)));
    }

    #[test]
    fn bytes_that_are_no_utf8_show_as_hex() {
        assert_eq!(escape_bytes(b"M\xfcller.txt"), "M\\xfcller.txt");
        assert_eq!(escape_bytes("Müller".as_bytes()), "Müller");
        assert_ne!(escape_bytes(b"M\xfcller"), escape_bytes(b"M\xf6ller"));
    }

    #[test]
    fn the_terminal_writer_escapes_text_not_colours() {
        let mut out = Sanitized::new(termcolor::Ansi::new(Vec::new()));
        let mut red = ColorSpec::new();
        red.set_fg(Some(termcolor::Color::Red));
        out.set_color(&red).unwrap();
        write!(out, "Titel\u{1b}[2J").unwrap();
        out.reset().unwrap();
        let bytes = out.into_inner().into_inner();
        let s = String::from_utf8(bytes).unwrap();
        assert_eq!(s, "\u{1b}[0m\u{1b}[31mTitel\\e[2J\u{1b}[0m");
    }
}
