//! EBU-TT-D (the TTML profile German broadcasters use) to [`Cue`]s.
//!
//! A cue is a `tt:p` with `begin` and `end`; its text is in `tt:span`s,
//! lines are broken by `tt:br`. Each span's colour comes from its `style`
//! (or its parent's), looked up in the head's `tt:style` definitions
//! (`tts:color`). A cue whose spans change colour is split in two, since
//! the colour marks who speaks. Times are clock times (`00:01:02.345`,
//! `00:01:02:12` with frames at `ttp:frameRate`) or offsets (`62.3s`,
//! `1500ms`, `90f`, `1000t` at `ttp:tickRate`).

use super::subtitle::{Cue, Parsed};
use crate::error::{IngestError, Location};
use std::collections::HashMap;
use std::path::Path;

/// How deep elements may nest in a TTML document. EBU-TT-D nests
/// `tt/body/div/p/span` and a `span` or two inside: 100 is far more.
pub const MAX_DEPTH: usize = 100;

const TTML_NS: &str = "http://www.w3.org/ns/ttml";
const TTP_NS: &str = "http://www.w3.org/ns/ttml#parameter";
const TTS_NS: &str = "http://www.w3.org/ns/ttml#styling";

/// Whether the start of a file looks like a TTML document.
pub fn looks_like_ttml(head: &[u8]) -> bool {
    let s = String::from_utf8_lossy(head);
    s.contains("<tt:tt") || s.contains("<tt ") || s.contains("<tt>") || s.contains(TTML_NS)
}

struct Rates {
    frame: f64,
    tick: f64,
}

/// A TTML time expression in milliseconds.
fn parse_time(t: &str, rates: &Rates) -> Option<u64> {
    let t = t.trim();
    if t.contains(':') {
        let parts: Vec<&str> = t.split(':').collect();
        let (h, m, s, f) = match parts[..] {
            [h, m, s] => (h, m, s, None),
            [h, m, s, f] => (h, m, s, Some(f)),
            _ => return None,
        };
        let int = |x: &str| -> Option<u64> {
            (!x.is_empty() && x.len() <= 4 && x.bytes().all(|b| b.is_ascii_digit()))
                .then(|| x.parse().ok())
                .flatten()
        };
        let (h, m) = (int(h)?, int(m)?);
        let secs: f64 = if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !s.is_empty() {
            s.parse().ok()?
        } else {
            return None;
        };
        if m >= 60 || secs >= 60.0 {
            return None;
        }
        let frames: f64 = match f {
            Some(f) => f.parse::<f64>().ok()? / rates.frame,
            None => 0.0,
        };
        let ms = ((h * 3600 + m * 60) as f64 + secs + frames) * 1000.0;
        return Some(ms.round() as u64);
    }
    let split = t.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = t.split_at(split);
    let v: f64 = num.parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    let secs = match unit {
        "h" => v * 3600.0,
        "m" => v * 60.0,
        "s" => v,
        "ms" => v / 1000.0,
        "f" => v / rates.frame,
        "t" => v / rates.tick,
        _ => return None,
    };
    let ms = secs * 1000.0;
    (ms < 1e15).then(|| ms.round() as u64)
}

/// Read an EBU-TT-D document's cues.
pub fn parse_ttml(text: &str, path: &Path) -> Result<Parsed, IngestError> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        let pos = e.pos();
        IngestError::Format {
            loc: Location::line(path, u64::from(pos.row)),
            detail: format!("not well-formed XML ({e}); expected an EBU-TT-D (TTML) document"),
        }
    })?;
    // The cue text is collected by recursion: bound the nesting first
    // (10,000 nested <span>s overflowed the reader thread's stack).
    // (ancestors counted up to the bound: at most 101 steps an element).
    if let Some(n) = doc
        .descendants()
        .find(|n| n.is_element() && n.ancestors().take(MAX_DEPTH + 2).count() > MAX_DEPTH + 1)
    {
        return Err(IngestError::Format {
            loc: Location::line(path, u64::from(doc.text_pos_at(n.range().start).row)),
            detail: format!(
                "XML elements nested more than {MAX_DEPTH} deep; skipped. EBU-TT-D nests a few levels"
            ),
        });
    }
    let root = doc.root_element();
    if root.tag_name().name() != "tt" {
        return Err(IngestError::Format {
            loc: Location::file(path),
            detail: format!(
                "XML root element is <{}>, not <tt>; expected an EBU-TT-D (TTML) document",
                root.tag_name().name()
            ),
        });
    }
    let rate = |name: &str, default: f64| {
        root.attribute((TTP_NS, name))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| *v > 0.0 && v.is_finite())
            .unwrap_or(default)
    };
    let rates = Rates {
        frame: rate("frameRate", 30.0),
        tick: rate("tickRate", 1.0),
    };
    // Style id → colour.
    let mut colors: HashMap<&str, &str> = HashMap::new();
    for n in root
        .descendants()
        .filter(|n| n.has_tag_name((TTML_NS, "style")))
    {
        if let (Some(id), Some(c)) = (
            n.attribute(("http://www.w3.org/XML/1998/namespace", "id")),
            n.attribute((TTS_NS, "color")),
        ) {
            colors.insert(id, c);
        }
    }
    let color_of = |n: roxmltree::Node| -> Option<String> {
        if let Some(c) = n.attribute((TTS_NS, "color")) {
            return Some(c.to_lowercase());
        }
        n.attribute("style")?
            .split_whitespace()
            .find_map(|s| colors.get(s))
            .map(|c| c.to_lowercase())
    };
    let mut p = Parsed::default();
    let Some(body) = root.children().find(|n| n.has_tag_name((TTML_NS, "body"))) else {
        return Err(IngestError::Format {
            loc: Location::file(path),
            detail: "TTML document without <body>; no subtitle in it".to_string(),
        });
    };
    for para in body
        .descendants()
        .filter(|n| n.has_tag_name((TTML_NS, "p")))
    {
        let line = u64::from(doc.text_pos_at(para.range().start).row);
        let (b, e) = (para.attribute("begin"), para.attribute("end"));
        let (start, end) = match (
            b.map(|b| parse_time(b, &rates)),
            e.map(|e| parse_time(e, &rates)),
        ) {
            (Some(Some(s)), Some(Some(e))) if e >= s => (s, e),
            (Some(Some(s)), None) => (s, s),
            _ => {
                let text = para_text(para);
                if !text.trim().is_empty() {
                    p.warnings.push((
                        line,
                        format!(
                            "cue without readable begin/end (begin=\"{}\", end=\"{}\"); cue skipped",
                            b.unwrap_or(""),
                            e.unwrap_or("")
                        ),
                    ));
                }
                continue;
            }
        };
        // Runs of text of one colour.
        let p_color = color_of(para);
        let mut runs: Vec<(Option<String>, String)> = Vec::new();
        collect(para, p_color, &color_of, &mut runs);
        for (color, text) in runs {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if text.is_empty() {
                continue;
            }
            p.cues.push(Cue {
                start,
                end,
                text,
                voice: None,
                color,
                line,
            });
        }
    }
    Ok(p)
}

fn para_text(n: roxmltree::Node) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Collect the text below `n` as runs of one colour, in order.
fn collect(
    n: roxmltree::Node,
    color: Option<String>,
    color_of: &dyn Fn(roxmltree::Node) -> Option<String>,
    runs: &mut Vec<(Option<String>, String)>,
) {
    for child in n.children() {
        if child.is_text() {
            let t = child.text().unwrap_or("");
            if t.trim().is_empty() {
                if let Some(last) = runs.last_mut() {
                    last.1.push(' ');
                }
                continue;
            }
            match runs.last_mut() {
                Some((c, s)) if *c == color || s.trim().is_empty() => {
                    *c = color.clone();
                    s.push_str(t);
                }
                _ => runs.push((color.clone(), t.to_string())),
            }
        } else if child.is_element() {
            if child.tag_name().name() == "br" {
                if let Some(last) = runs.last_mut() {
                    last.1.push(' ');
                }
                continue;
            }
            let c = color_of(child).or_else(|| color.clone());
            collect(child, c, color_of, runs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<tt:tt xmlns:tt="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
 xmlns:tts="http://www.w3.org/ns/ttml#styling" ttp:timeBase="media" ttp:frameRate="25" xml:lang="de">
<tt:head><tt:styling>
<tt:style xml:id="textWhite" tts:color="#FFFFFF"/>
<tt:style xml:id="textYellow" tts:color="#FFFF00"/>
<tt:style xml:id="textCenter" tts:textAlign="center"/>
</tt:styling></tt:head>
<tt:body><tt:div>
<tt:p xml:id="sub0" begin="00:00:00.040" end="00:00:01.040"/>
<tt:p xml:id="sub1" style="textCenter" begin="00:00:03.000" end="00:00:06.400">
<tt:span style="textWhite">Hier ist das Erste</tt:span>
<tt:br/>
<tt:span style="textWhite">mit der tagesschau.</tt:span>
</tt:p>
<tt:p begin="00:01:01:05" end="63.5s">
<tt:span style="textWhite">Guten Abend.</tt:span><tt:br/><tt:span style="textYellow">Danke &amp; tschüss.</tt:span>
</tt:p>
</tt:div></tt:body></tt:tt>"##;

    #[test]
    fn reads_cues_times_and_colours() {
        let p = parse_ttml(DOC, Path::new("t.xml")).unwrap();
        let cues: Vec<_> = p
            .cues
            .iter()
            .map(|c| (c.start, c.end, c.text.as_str(), c.color.as_deref()))
            .collect();
        assert_eq!(
            cues,
            [
                (
                    3_000,
                    6_400,
                    "Hier ist das Erste mit der tagesschau.",
                    Some("#ffffff")
                ),
                (61_200, 63_500, "Guten Abend.", Some("#ffffff")),
                (61_200, 63_500, "Danke & tschüss.", Some("#ffff00")),
            ]
        );
        assert_eq!(p.cues[0].line, 11);
    }

    #[test]
    fn names_the_line_of_broken_xml() {
        let err = parse_ttml(
            "<tt:tt xmlns:tt=\"http://www.w3.org/ns/ttml\">\n<tt:body>\n<tt:p>x</tt:span>",
            Path::new("t.xml"),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("t.xml:3:"), "{msg}");
        assert!(msg.contains("not well-formed XML"), "{msg}");
        let err = parse_ttml("<html/>", Path::new("t.xml")).unwrap_err();
        assert!(err.to_string().contains("<html>"), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused_with_the_line() {
        let deep = |n: usize| {
            format!(
                "<tt:tt xmlns:tt=\"http://www.w3.org/ns/ttml\">\n<tt:body><tt:div>\n<tt:p begin=\"1s\" end=\"2s\">{}Tor{}</tt:p></tt:div></tt:body></tt:tt>",
                "<tt:span>".repeat(n),
                "</tt:span>".repeat(n)
            )
        };
        // On a thread with a small stack, as a reader thread might have.
        let handle = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || {
                let err = parse_ttml(&deep(10_000), Path::new("tief.ttml")).unwrap_err();
                assert_eq!(
                    err.to_string(),
                    "tief.ttml:3: XML elements nested more than 100 deep; skipped. EBU-TT-D nests a few levels"
                );
                let ok = parse_ttml(&deep(90), Path::new("tief.ttml")).unwrap();
                assert_eq!(ok.cues[0].text, "Tor");
            })
            .unwrap();
        handle.join().unwrap();
    }

    #[test]
    fn reads_offset_times() {
        let r = Rates {
            frame: 25.0,
            tick: 10_000_000.0,
        };
        assert_eq!(parse_time("1.5s", &r), Some(1_500));
        assert_eq!(parse_time("250ms", &r), Some(250));
        assert_eq!(parse_time("50f", &r), Some(2_000));
        assert_eq!(parse_time("20000000t", &r), Some(2_000));
        assert_eq!(parse_time("2m", &r), Some(120_000));
        assert_eq!(parse_time("00:00:02:12", &r), Some(2_480));
        assert_eq!(parse_time("abc", &r), None);
        assert_eq!(parse_time("00:99:00.000", &r), None);
        assert_eq!(parse_time("-1s", &r), None);
    }
}
