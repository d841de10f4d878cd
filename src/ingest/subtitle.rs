//! Subtitles and timed transcripts: SRT, WebVTT and EBU-TT-D (TTML, see
//! [`super::ttml`]) to one [`Item`] a file.
//!
//! Each format is first read into [`Cue`]s (start, end, text, and what the
//! format says about the speaker). [`assemble`] then joins the cues into
//! passages, the item's blocks: a new passage starts at every change of
//! speaker (a WebVTT voice `<v Name>`, a `NAME:` prefix, a change of text
//! colour in EBU-TT-D, as German subtitles mark speakers) and, inside a
//! turn, after a sentence (or a pause in unpunctuated speech recognition)
//! once the passage has [`MIN_WORDS`] words, or at [`MAX_WORDS`] at the
//! latest. Every block keeps its start and end time and the start time of
//! each cue in it, so a match can be placed to the cue.
//!
//! Speakers are only named where the source names them: voice tags,
//! `NAME:` prefixes, and the anchor announced by "Heute im Studio: NAME",
//! who is given the turn that follows the announcement. Every other turn
//! has no speaker, and hits say "speaker unknown" rather than guess.
//!
//! Date and programme, first found wins:
//! 1. the content: a subtitler's note "live untertitelt (03.04.2020)", or
//!    in WebVTT a `NOTE` block with `date:`/`Datum:`, `program:`/`Programm:`
//!    and `title:`/`Titel:` lines;
//! 2. the file name: a date `DD.MM.YYYY` or `YYYY-MM-DD`, and after it and
//!    an underscore the programme up to a comma
//!    (`03.04.2020_tagesschau, 20:00 Uhr.xml`: 2020-04-03, "tagesschau",
//!    titled "tagesschau, 20:00 Uhr");
//! 3. a sidecar file beside it, the file's name plus `.json`
//!    (`episode.srt.json`: `{"date": "2021-01-01", "program": "tagesschau",
//!    "title": "…"}`);
//! 4. the `--date` and `--program` options of `archivar index`.
//!
//! An item with no date from any of these is indexed undated, with a
//! warning.

use super::turns;
use crate::error::{IngestError, Location};
use crate::item::{Block, BlockKind, Day, Item};
use regex::Regex;
use std::path::Path;
use std::sync::OnceLock;

/// A passage is closed at a sentence end once it has this many words.
pub const MIN_WORDS: usize = 20;
/// … and at a cue boundary once it has this many, sentence or not.
pub const MAX_WORDS: usize = 60;
/// A pause this long between cues counts as a sentence end (speech
/// recognition output has no punctuation).
pub const PAUSE_MS: u64 = 900;

/// The anchor named by "Heute im Studio" is given the turn after the
/// announcement only up to a pause this long: then a report usually
/// starts, in the same colour, spoken by someone else.
pub const ANCHOR_PAUSE_MS: u64 = 3_000;

/// One cue of a subtitle file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Start, milliseconds from the start of the recording.
    pub start: u64,
    /// End, milliseconds.
    pub end: u64,
    /// The text, lines joined by a space, markup removed.
    pub text: String,
    /// The speaker the format names (WebVTT `<v Name>`).
    pub voice: Option<String>,
    /// The text colour (EBU-TT-D), which marks a change of speaker.
    pub color: Option<String>,
    /// The cue's first line in the file, 1-based.
    pub line: u64,
}

/// Date, programme and title found in a file's content or given for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// Broadcast date.
    pub date: Option<Day>,
    /// Programme.
    pub program: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Where the recording is (see [`crate::item::Item::media`]).
    pub media: Option<String>,
}

impl Meta {
    /// Fill what is missing from `other`.
    pub fn or(mut self, other: &Meta) -> Meta {
        if self.date.is_none() {
            self.date = other.date;
        }
        if self.program.is_none() {
            self.program = other.program.clone();
        }
        if self.title.is_none() {
            self.title = other.title.clone();
        }
        if self.media.is_none() {
            self.media = other.media.clone();
        }
        self
    }
}

/// Cues of a file and what else its content says.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The cues, in file order.
    pub cues: Vec<Cue>,
    /// Date, programme or title from the content.
    pub meta: Meta,
    /// Problems with single cues, which were skipped: `(line, message)`.
    pub warnings: Vec<(u64, String)>,
}

/// A time of SRT (`00:01:02,345`) or WebVTT (`00:01:02.345`, `01:02.345`).
pub fn parse_timestamp(text: &str) -> Option<u64> {
    let t = text.trim();
    let (clock, frac) = match t.rfind([',', '.']) {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => (t, ""),
    };
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let mut secs: u64 = 0;
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u64 = p.parse().ok()?;
        if i > 0 && v >= 60 {
            return None;
        }
        secs = secs * 60 + v;
    }
    let ms: u64 = if frac.is_empty() {
        0
    } else {
        let f3: String = frac.chars().chain("000".chars()).take(3).collect();
        f3.parse().ok()?
    };
    Some(secs * 1000 + ms)
}

/// `start --> end [settings]`, or `None` if the line is no timing line.
fn parse_timing(line: &str) -> Option<Result<(u64, u64), String>> {
    let (a, b) = line.split_once("-->")?;
    let b = b.split_whitespace().next().unwrap_or("");
    Some(match (parse_timestamp(a), parse_timestamp(b)) {
        (Some(s), Some(e)) if e >= s => Ok((s, e)),
        (Some(_), Some(_)) => Err(format!("cue ends before it starts (\"{}\")", line.trim())),
        _ => Err(format!(
            "unreadable cue time \"{}\"; expected HH:MM:SS,mmm --> HH:MM:SS,mmm",
            line.trim()
        )),
    })
}

fn tag_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"<[^>]*>|\{\\[^}]*\}").expect("tag regex is valid"))
}

fn voice_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"<v(?:\.[^\s>]*)?\s+([^>]+)>").expect("voice regex is valid"))
}

/// Remove markup (`<i>`, `<font …>`, `<c.yellow>`, `{\an8}`, timestamps)
/// and decode the entities WebVTT and SRT use.
pub fn plain(text: &str) -> String {
    let stripped = tag_re().replace_all(text, "");
    let decoded = stripped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&lrm;", "")
        .replace("&rlm;", "")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Split a cue's raw lines into (voice, text) runs at `<v Name>` tags.
fn voices(raw: &str) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    let mut last = 0;
    let mut voice: Option<String> = None;
    for m in voice_re().captures_iter(raw) {
        let whole = m.get(0).expect("match has group 0");
        let before = plain(&raw[last..whole.start()]);
        if !before.is_empty() {
            out.push((voice.clone(), before));
        }
        voice = Some(plain(&m[1]));
        last = whole.end();
    }
    let rest = plain(&raw[last..]);
    if !rest.is_empty() {
        out.push((voice, rest));
    }
    out
}

/// Blocks of non-blank lines with the 1-based number of their first line.
fn paragraphs(text: &str) -> Vec<(u64, Vec<&str>)> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut first = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push((first, std::mem::take(&mut cur)));
            }
        } else {
            if cur.is_empty() {
                first = i as u64 + 1;
            }
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        out.push((first, cur));
    }
    out
}

/// The cues of one SRT or WebVTT cue block's text lines: one for each
/// voice in it.
fn push_cues(p: &mut Parsed, start: u64, end: u64, lines: &[&str], line: u64) {
    for (voice, text) in voices(&lines.join("\n")) {
        p.cues.push(Cue {
            start,
            end,
            text,
            voice,
            color: None,
            line,
        });
    }
}

/// Read an SRT file's cues. Cue numbers are optional; a cue whose time
/// line cannot be read is skipped with a warning.
pub fn parse_srt(text: &str, path: &Path) -> Result<Parsed, IngestError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut p = Parsed::default();
    for (line, lines) in paragraphs(text) {
        let mut rest = &lines[..];
        let mut at = line;
        if rest.len() > 1 && rest[0].trim().bytes().all(|b| b.is_ascii_digit()) {
            rest = &rest[1..];
            at += 1;
        }
        match parse_timing(rest[0]) {
            Some(Ok((start, end))) => push_cues(&mut p, start, end, &rest[1..], at),
            Some(Err(msg)) => p.warnings.push((at, format!("{msg}; cue skipped"))),
            None => p.warnings.push((
                at,
                format!(
                    "no cue time line (\"{}\"); cue skipped. An SRT cue is a number, a line HH:MM:SS,mmm --> HH:MM:SS,mmm and its text",
                    excerpt(rest[0])
                ),
            )),
        }
    }
    if p.cues.is_empty() {
        return Err(IngestError::Format {
            loc: Location::file(path),
            detail: "no subtitle cue in this SRT file; expected numbered cues with HH:MM:SS,mmm --> HH:MM:SS,mmm time lines".to_string(),
        });
    }
    Ok(p)
}

/// Read a WebVTT file's cues, and the date, programme and title of `NOTE`
/// blocks with `key: value` lines.
pub fn parse_vtt(text: &str, path: &Path) -> Result<Parsed, IngestError> {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    if !(first.starts_with("WEBVTT")
        && first[6..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t' || c == '\r'))
    {
        return Err(IngestError::Format {
            loc: Location::line(path, 1),
            detail: "not a WebVTT file: the first line must be \"WEBVTT\"".to_string(),
        });
    }
    let mut p = Parsed::default();
    for (i, (line, lines)) in paragraphs(text).into_iter().enumerate() {
        if i == 0 {
            continue; // the header block
        }
        let head = lines[0].trim_start();
        if head.starts_with("NOTE") {
            for l in &lines {
                let l = l.trim_start_matches("NOTE").trim();
                if let Some((k, v)) = l.split_once(':') {
                    let v = v.trim();
                    match k.trim().to_lowercase().as_str() {
                        "date" | "datum" => match Day::parse(v) {
                            Ok(d) => p.meta.date = Some(d),
                            Err(e) => p.warnings.push((line, format!("note date \"{v}\": {e}"))),
                        },
                        "program" | "programme" | "programm" | "sendung" if !v.is_empty() => {
                            p.meta.program = Some(v.to_string())
                        }
                        "title" | "titel" if !v.is_empty() => p.meta.title = Some(v.to_string()),
                        _ => {}
                    }
                }
            }
            continue;
        }
        if head.starts_with("STYLE") || head.starts_with("REGION") {
            continue;
        }
        let (timing_at, timing) = match lines.iter().position(|l| l.contains("-->")) {
            Some(k) if k <= 1 => (k, lines[k]),
            _ => {
                p.warnings.push((
                    line,
                    format!(
                        "no cue timing line (\"{}\"); cue skipped. A WebVTT cue is an optional id, a line HH:MM:SS.mmm --> HH:MM:SS.mmm and its text",
                        excerpt(lines[0])
                    ),
                ));
                continue;
            }
        };
        let at = line + timing_at as u64;
        match parse_timing(timing) {
            Some(Ok((start, end))) => push_cues(&mut p, start, end, &lines[timing_at + 1..], at),
            Some(Err(msg)) => p.warnings.push((at, format!("{msg}; cue skipped"))),
            None => unreachable!("the line holds -->"),
        }
    }
    if p.cues.is_empty() {
        return Err(IngestError::Format {
            loc: Location::file(path),
            detail: "no cue in this WebVTT file".to_string(),
        });
    }
    Ok(p)
}

fn excerpt(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

fn anchor_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?:Heute\s+)?(?:im\s+Studio|Am\s+Mikrofon|Moderation)\s*:\s*(?P<name>\p{Lu}[\p{L}.'\- ]{1,60}?)\s*\.?$")
            .expect("anchor regex is valid")
    })
}

fn note_date_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)untertitelt\s*\((?P<date>\d{1,2}\.\d{1,2}\.\d{2,5})\)")
            .expect("note regex is valid")
    })
}

fn name_date_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?P<date>\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2})(?:_(?P<rest>[^_]+))?")
            .expect("file name regex is valid")
    })
}

/// Date, programme and title from a file name such as
/// `03.04.2020_tagesschau, 20:00 Uhr` (the stem, without extension).
pub fn meta_from_name(stem: &str) -> Meta {
    let mut m = Meta::default();
    if let Some(c) = name_date_re().captures(stem) {
        m.date = Day::parse(&c["date"]).ok();
        if let Some(rest) = c.name("rest") {
            let rest = rest.as_str().trim();
            let program = rest.split(',').next().unwrap_or("").trim();
            if !program.is_empty() && program.chars().any(char::is_alphabetic) {
                m.program = Some(program.to_string());
                m.title = Some(rest.to_string());
            }
        }
    }
    m
}

/// Date, programme, title and media address from a sidecar file,
/// `<file>.json`, if there is one.
pub fn meta_from_sidecar(path: &Path) -> Result<Option<Meta>, IngestError> {
    let mut name = path.as_os_str().to_owned();
    name.push(".json");
    let side = std::path::PathBuf::from(name);
    if !side.exists() {
        return Ok(None);
    }
    let bytes = super::read::read_whole(&side, super::read::MAX_FILE_BYTES)?;
    #[derive(serde::Deserialize)]
    struct Side {
        date: Option<String>,
        #[serde(alias = "programme")]
        program: Option<String>,
        title: Option<String>,
        media: Option<String>,
    }
    let s: Side = serde_json::from_slice(&bytes).map_err(|e| IngestError::Json {
        loc: Location::line(&side, e.line() as u64),
        detail: format!(
            "{e}; a sidecar holds {{\"date\": \"YYYY-MM-DD\", \"program\": \"…\", \"title\": \"…\"}}"
        ),
    })?;
    let date = match s.date {
        Some(d) => Some(Day::parse(&d).map_err(|detail| IngestError::Date {
            loc: Location::file(&side),
            text: d.clone(),
            detail,
        })?),
        None => None,
    };
    Ok(Some(Meta {
        date,
        program: s.program.filter(|p| !p.trim().is_empty()),
        title: s.title.filter(|t| !t.trim().is_empty()),
        media: s
            .media
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty()),
    }))
}

/// A passage being built.
struct Open {
    block: Block,
    words: usize,
}

impl Open {
    fn new(kind: BlockKind, speaker: Option<String>, start: u64) -> Open {
        let mut block = Block::new(kind, String::new());
        block.speaker = speaker;
        block.start_ms = Some(start);
        block.end_ms = Some(start);
        Open { block, words: 0 }
    }

    fn push(&mut self, cue: &Cue, text: &str) {
        if !self.block.text.is_empty() {
            self.block.text.push(' ');
        }
        self.block
            .cues
            .push([self.block.text.len() as u64, cue.start]);
        self.block.text.push_str(text);
        self.block.end_ms = Some(self.block.end_ms.unwrap_or(0).max(cue.end));
        self.words += text.split_whitespace().count();
    }
}

/// Join cues into an item: see the module documentation. Also gives the
/// warnings, with the line where there is one.
pub fn assemble(
    parsed: Parsed,
    id: &str,
    path: &Path,
    given: &Meta,
) -> (Item, Vec<(Option<u64>, String)>) {
    let mut meta = parsed.meta;
    let mut blocks: Vec<Block> = Vec::new();
    let mut speakers: Vec<String> = Vec::new();
    let mut cur: Option<Open> = None;
    // The speaker key of the running turn: voice, label or colour.
    let mut turn_key: Option<String> = None;
    let mut anchor: Option<String> = None;
    let mut anchor_pending = false;
    // The running turn's speaker is the announced anchor, not a name the
    // source gives.
    let mut anchor_turn = false;
    let mut prev_end: Option<u64> = None;
    let mut prev_sentence_end = false;
    let close = |cur: &mut Option<Open>, blocks: &mut Vec<Block>| {
        if let Some(o) = cur.take()
            && !o.block.text.is_empty()
        {
            blocks.push(o.block);
        }
    };
    for cue in &parsed.cues {
        let text = cue.text.trim();
        if text.is_empty() {
            continue;
        }
        // Notes of the subtitler: the anchor, the date.
        if let Some(c) = anchor_re().captures(text) {
            close(&mut cur, &mut blocks);
            let name = c["name"].trim().to_string();
            speakers_add(&mut speakers, &name);
            anchor = Some(name);
            anchor_pending = true;
            blocks.push(note_block(cue, text));
            turn_key = None;
            continue;
        }
        if let Some(c) = note_date_re().captures(text) {
            if meta.date.is_none() {
                meta.date = Day::parse(&c["date"]).ok();
            }
            close(&mut cur, &mut blocks);
            blocks.push(note_block(cue, text));
            continue;
        }
        // Who speaks: a voice, a `NAME:` label, or a colour. Only labels in
        // capitals count: "Ein Problem: …" is a subtitle's sentence.
        let (label, body) = match turns::parse_turn(text) {
            Some(t) if cue.voice.is_none() && is_caps_label(t.label) => {
                (Some(turns::speaker_name(t.label, &speakers)), t.text)
            }
            _ => (None, text),
        };
        let named = cue.voice.clone().or(label.clone());
        let key = match (&named, &cue.color) {
            (Some(n), _) => Some(format!("v:{n}")),
            (None, Some(c)) => Some(format!("c:{c}")),
            (None, None) => turn_key.clone(),
        };
        let gap = prev_end.map_or(0, |e| cue.start.saturating_sub(e));
        let pause = prev_end.is_some() && gap >= PAUSE_MS;
        let new_turn = label.is_some()
            || key != turn_key
            || cur.is_none()
            || (anchor_turn && gap >= ANCHOR_PAUSE_MS);
        let full = cur.as_ref().is_some_and(|o| {
            o.words >= MAX_WORDS || (o.words >= MIN_WORDS && (prev_sentence_end || pause))
        });
        if new_turn || full {
            let speaker = if new_turn {
                anchor_turn = named.is_none() && anchor_pending;
                let s = match &named {
                    Some(n) => Some(n.clone()),
                    None if anchor_pending => anchor.clone(),
                    None => None,
                };
                anchor_pending = false;
                s
            } else {
                cur.as_ref().and_then(|o| o.block.speaker.clone())
            };
            close(&mut cur, &mut blocks);
            if let Some(s) = &speaker {
                speakers_add(&mut speakers, s);
            }
            cur = Some(Open::new(BlockKind::Turn, speaker, cue.start));
        }
        turn_key = key;
        if let Some(o) = cur.as_mut() {
            o.push(cue, body);
        }
        prev_end = Some(cue.end);
        prev_sentence_end = turns::ends_sentence(body);
    }
    close(&mut cur, &mut blocks);

    let mut warnings: Vec<(Option<u64>, String)> = parsed
        .warnings
        .into_iter()
        .map(|(line, w)| (Some(line), w))
        .collect();
    let meta = meta.or(given);
    if meta.date.is_none() {
        warnings.push((
            None,
            "no broadcast date in the content, the file name (DD.MM.YYYY or YYYY-MM-DD) or a sidecar file; indexed undated. Give one with a sidecar <file>.json or `archivar index --date`"
                .to_string(),
        ));
    }
    let item = Item {
        id: id.to_string(),
        title: meta.title.unwrap_or_default(),
        date: meta.date,
        program: meta.program,
        speakers,
        blocks,
        source: path.display().to_string(),
        media: meta.media,
        stories: Vec::new(),
    };
    (item, warnings)
}

fn is_caps_label(label: &str) -> bool {
    let letters = label.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 2 && label.chars().all(|c| !c.is_lowercase())
}

fn speakers_add(speakers: &mut Vec<String>, name: &str) {
    if !speakers.iter().any(|s| s == name) {
        speakers.push(name.to_string());
    }
}

fn note_block(cue: &Cue, text: &str) -> Block {
    let mut b = Block::new(BlockKind::Caption, text);
    b.start_ms = Some(cue.start);
    b.end_ms = Some(cue.end);
    b.cues = vec![[0, cue.start]];
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("t.srt")
    }

    #[test]
    fn reads_timestamps_of_both_formats() {
        assert_eq!(parse_timestamp("00:00:04,590"), Some(4_590));
        assert_eq!(parse_timestamp("01:02:03.5"), Some(3_723_500));
        assert_eq!(parse_timestamp("02:03.250"), Some(123_250));
        assert_eq!(parse_timestamp("00:61:00,000"), None);
        assert_eq!(parse_timestamp("vier Uhr"), None);
        assert_eq!(parse_timestamp(""), None);
    }

    #[test]
    fn reads_word_level_srt() {
        let srt = "1\n00:00:04,590 --> 00:00:04,830\nhier\n\n2\n00:00:04,830 --> 00:00:04,950\nist\n\n3\r\n00:00:04,950 --> 00:00:05,130\r\ndas\r\n";
        let parsed = parse_srt(srt, p()).unwrap();
        let words: Vec<&str> = parsed.cues.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(words, ["hier", "ist", "das"]);
        assert_eq!(parsed.cues[2].start, 4_950);
        assert_eq!(parsed.cues[2].line, 10);
    }

    #[test]
    fn skips_a_bad_cue_with_its_line() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nGuten Abend.\n\n2\n00:00:xx,000 --> 00:00:03,000\nkaputt\n\n3\n00:00:04,000 --> 00:00:05,000\nDas Wetter.\n";
        let parsed = parse_srt(srt, p()).unwrap();
        assert_eq!(parsed.cues.len(), 2);
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].0, 6);
        assert!(parsed.warnings[0].1.contains("00:00:xx"));
    }

    #[test]
    fn refuses_a_file_without_cues() {
        let err = parse_srt("Das ist kein Untertitel.\n", p()).unwrap_err();
        assert!(err.to_string().contains("no subtitle cue"), "{err}");
        let err =
            parse_vtt("1\n00:00:01.000 --> 00:00:02.000\nx\n", Path::new("t.vtt")).unwrap_err();
        assert!(err.to_string().contains("WEBVTT"), "{err}");
    }

    #[test]
    fn reads_webvtt_voices_notes_and_markup() {
        let vtt = "WEBVTT - Interview\n\nNOTE\nDatum: 12.03.2025\nProgramm: Deutschlandfunk\n\nSTYLE\n::cue { color: yellow }\n\nintro\n00:01.000 --> 00:04.000 align:start\n<v Christoph Heinemann>Frau Baerbock, <i>guten Morgen</i>.\n\n00:00:04.000 --> 00:00:09.000\n<v.loud Annalena Baerbock>Guten Morgen &amp; hallo.</v>\n";
        let parsed = parse_vtt(vtt, Path::new("t.vtt")).unwrap();
        assert_eq!(parsed.meta.program.as_deref(), Some("Deutschlandfunk"));
        assert_eq!(parsed.meta.date.unwrap().to_string(), "2025-03-12");
        assert_eq!(parsed.cues.len(), 2);
        assert_eq!(parsed.cues[0].voice.as_deref(), Some("Christoph Heinemann"));
        assert_eq!(parsed.cues[0].text, "Frau Baerbock, guten Morgen.");
        assert_eq!(parsed.cues[1].voice.as_deref(), Some("Annalena Baerbock"));
        assert_eq!(parsed.cues[1].text, "Guten Morgen & hallo.");
        assert_eq!(parsed.cues[0].start, 1_000);
    }

    #[test]
    fn splits_a_cue_with_two_voices() {
        let vtt = "WEBVTT\n\n00:01.000 --> 00:04.000\n<v Anna>Ja.</v>\n<v Bernd>Nein.</v>\n";
        let parsed = parse_vtt(vtt, Path::new("t.vtt")).unwrap();
        let v: Vec<_> = parsed
            .cues
            .iter()
            .map(|c| (c.voice.clone().unwrap(), c.text.clone()))
            .collect();
        assert_eq!(
            v,
            [
                ("Anna".to_string(), "Ja.".to_string()),
                ("Bernd".to_string(), "Nein.".to_string())
            ]
        );
    }

    #[test]
    fn file_names_give_date_and_programme() {
        let m = meta_from_name("03.04.2020_tagesschau, 20:00 Uhr");
        assert_eq!(m.date.unwrap().to_string(), "2020-04-03");
        assert_eq!(m.program.as_deref(), Some("tagesschau"));
        assert_eq!(m.title.as_deref(), Some("tagesschau, 20:00 Uhr"));
        let m = meta_from_name("01.01.2021-sgGcjuKq1pI.webm");
        assert_eq!(m.date.unwrap().to_string(), "2021-01-01");
        assert_eq!(m.program, None);
        assert_eq!(meta_from_name("interview"), Meta::default());
        assert_eq!(meta_from_name("31.02.2020_tagesschau").date, None);
    }

    fn cue(start: u64, text: &str, color: Option<&str>) -> Cue {
        Cue {
            start,
            end: start + 2_000,
            text: text.to_string(),
            voice: None,
            color: color.map(str::to_string),
            line: 1,
        }
    }

    #[test]
    fn colours_make_turns_and_the_anchor_is_named() {
        let w = Some("white");
        let y = Some("yellow");
        let parsed = Parsed {
            cues: vec![
                cue(
                    0,
                    "Diese Sendung wurde vom NDR live untertitelt (03.04.2020)",
                    Some("blue"),
                ),
                cue(3_000, "Heute im Studio: Judith Rakers", w),
                cue(5_000, "Guten Abend, ich begrüße Sie zur tagesschau.", w),
                cue(
                    7_000,
                    "Die Ausbreitung des Corona-Virus hat sich verlangsamt.",
                    w,
                ),
                cue(9_000, "Das läuft gut.", y),
                cue(11_000, "Das Virus breite sich langsamer aus.", w),
            ],
            ..Parsed::default()
        };
        let (item, warnings) = assemble(parsed, "x", p(), &Meta::default());
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(item.date.unwrap().to_string(), "2020-04-03");
        let turns: Vec<_> = item
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Turn)
            .map(|b| (b.speaker.as_deref(), b.start_ms.unwrap(), b.text.as_str()))
            .collect();
        assert_eq!(turns.len(), 3);
        assert_eq!(turns[0].0, Some("Judith Rakers"));
        assert_eq!(turns[0].1, 5_000);
        assert_eq!(turns[1], (None, 9_000, "Das läuft gut."));
        assert_eq!(turns[2].0, None);
        assert_eq!(item.speakers, ["Judith Rakers"]);
        // Each cue's start is kept, at its byte offset.
        let first = &item.blocks[2];
        let second_cue = first.text.find("Die Ausbreitung").unwrap();
        assert_eq!(first.time_at(second_cue), Some(7_000));
        assert_eq!(first.end_ms, Some(9_000));
    }

    #[test]
    fn the_anchor_keeps_the_turn_only_up_to_a_long_pause() {
        let w = Some("white");
        let parsed = Parsed {
            cues: vec![
                cue(3_000, "Heute im Studio: Jan Hofer", w),
                cue(5_000, "Guten Abend.", w),
                // 2 s after the end of the greeting: still the anchor.
                cue(9_000, "Die erfassten Zahlen:", w),
                // 10 s of graphics, then the report.
                cue(21_000, "Deutschland stehe am Anfang der Epidemie.", w),
            ],
            ..Parsed::default()
        };
        let (item, _) = assemble(parsed, "x", p(), &Meta::default());
        let turns: Vec<_> = item
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Turn)
            .map(|b| (b.speaker.as_deref(), b.start_ms.unwrap()))
            .collect();
        assert_eq!(turns, [(Some("Jan Hofer"), 5_000), (None, 21_000)]);
    }

    #[test]
    fn unpunctuated_words_are_cut_into_passages_at_pauses() {
        let mut cues = Vec::new();
        for i in 0..100u64 {
            // A long pause after word 30.
            let start = i * 300 + if i > 30 { 2_000 } else { 0 };
            cues.push(Cue {
                start,
                end: start + 250,
                text: format!("wort{i}"),
                voice: None,
                color: None,
                line: i + 1,
            });
        }
        let given = Meta {
            program: Some("tagesschau".into()),
            ..Meta::default()
        };
        let (item, warnings) = assemble(
            Parsed {
                cues,
                ..Parsed::default()
            },
            "x",
            p(),
            &given,
        );
        assert_eq!(warnings.len(), 1, "undated: {warnings:?}");
        assert_eq!(item.program.as_deref(), Some("tagesschau"));
        let lens: Vec<usize> = item
            .blocks
            .iter()
            .map(|b| b.text.split_whitespace().count())
            .collect();
        assert_eq!(lens[0], 31, "cut at the pause: {lens:?}");
        assert!(lens.iter().all(|&n| n <= MAX_WORDS), "{lens:?}");
        assert_eq!(lens.iter().sum::<usize>(), 100);
        assert_eq!(item.blocks[1].start_ms, Some(31 * 300 + 2_000));
    }

    #[test]
    fn mixed_case_labels_are_text() {
        let parsed = parse_srt(
            "1\n00:00:01,000 --> 00:00:03,000\nEin Problem: Nach wie vor fehlt es an Masken.\n",
            p(),
        )
        .unwrap();
        let (item, _) = assemble(parsed, "x", p(), &Meta::default());
        assert_eq!(item.blocks[0].speaker, None);
        assert_eq!(
            item.blocks[0].text,
            "Ein Problem: Nach wie vor fehlt es an Masken."
        );
        assert!(item.speakers.is_empty());
    }

    #[test]
    fn name_labels_start_turns() {
        let parsed = parse_srt(
            "1\n00:00:01,000 --> 00:00:03,000\nHEINEMANN: Guten Morgen, Frau Ministerin.\n\n2\n00:00:03,000 --> 00:00:05,000\nBAERBOCK: Guten Morgen.\n",
            p(),
        )
        .unwrap();
        let (item, _) = assemble(parsed, "x", p(), &Meta::default());
        let speakers: Vec<_> = item.blocks.iter().map(|b| b.speaker.clone()).collect();
        assert_eq!(
            speakers,
            [Some("Heinemann".into()), Some("Baerbock".into())]
        );
        assert_eq!(item.blocks[1].text, "Guten Morgen.");
    }
}
