//! `Item`: the one record every stage passes on, from ingest to output.
//!
//! An item is one broadcast text: a news item, an interview, a transcript,
//! a speech. Its text is kept as `blocks` in reading order, each of a kind
//! (lead, paragraph, subheading, caption, …) and, for transcripts, with the
//! speaker of the turn, so that a hit can say who said the matched words.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar date (proleptic Gregorian), serialised as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub time::Date);

impl Day {
    /// Build a day from year, month and day, or say why it is no date.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Result<Day, String> {
        if !(1000..=9999).contains(&year) {
            return Err(format!("year {year} is out of range 1000–9999"));
        }
        let month = time::Month::try_from(month).map_err(|_| format!("no month {month}"))?;
        time::Date::from_calendar_date(year, month, day)
            .map(Day)
            .map_err(|_| format!("{month} {year} has no day {day}"))
    }

    /// Parse `YYYY-MM-DD`, `DD.MM.YYYY`, or an RFC 3339 timestamp (its date).
    pub fn parse(text: &str) -> Result<Day, String> {
        let t = text.trim();
        let num = |s: &str| -> Result<u32, String> {
            if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("\"{s}\" is not a number"));
            }
            s.parse::<u32>().map_err(|e| e.to_string())
        };
        if let Some((d, rest)) = t.split_once('.') {
            let (m, y) = rest
                .split_once('.')
                .ok_or_else(|| "expected DD.MM.YYYY".to_string())?;
            let y = num(y)?;
            if y > 99_999 {
                return Err(format!("year {y} is out of range"));
            }
            return Day::from_ymd(y as i32, num(m)? as u8, num(d)? as u8);
        }
        // Take the date part of a timestamp such as 2025-02-13T20:00:00+01:00.
        let date_part = t.split(['T', ' ']).next().unwrap_or(t);
        let mut parts = date_part.splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            return Err("expected YYYY-MM-DD or DD.MM.YYYY".to_string());
        };
        let (y, m, d) = (num(y)?, num(m)?, num(d)?);
        if m > 255 || d > 255 || y > 99_999 {
            return Err(format!("{t} is out of range"));
        }
        Day::from_ymd(y as i32, m as u8, d as u8)
    }

    /// Days since 1970-01-01.
    pub fn unix_days(self) -> i64 {
        i64::from(self.0.to_julian_day() - UNIX_EPOCH_JULIAN_DAY)
    }

    /// The day `days` after 1970-01-01.
    pub fn from_unix_days(days: i64) -> Option<Day> {
        let jd = days.checked_add(i64::from(UNIX_EPOCH_JULIAN_DAY))?;
        time::Date::from_julian_day(i32::try_from(jd).ok()?)
            .ok()
            .map(Day)
    }
}

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month() as u8,
            self.0.day()
        )
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        let s = String::deserialize(d)?;
        Day::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// What part of an item a block of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    /// The line above the title ("US-Präsident", "Interview").
    Kicker,
    /// The lead paragraph under the title.
    Lead,
    /// A body paragraph.
    Paragraph,
    /// A subheading inside the body.
    Subheading,
    /// An image caption (or its alternative text).
    Caption,
    /// A photo credit ("IMAGO / ABACAPRESS"): shown, never searched.
    Credit,
    /// A speaker turn of a transcript or interview.
    Turn,
}

/// A role in which someone speaks in an item without being one of its
/// speakers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The chair of a sitting (Präsidentin, Vizepräsident of the
    /// Bundestag), who gives the floor and keeps order.
    Chair,
}

/// A piece of an item's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// What part of the item this is.
    pub kind: BlockKind,
    /// The text, as in the source.
    pub text: String,
    /// Who speaks, for turns whose speaker is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// The speaker's role in this turn, where it is not that of a speaker
    /// of the item: the chair of a sitting. Such a speaker is not among the
    /// item's speakers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Where in the programme the block starts, in milliseconds from the
    /// start of the recording (subtitles and transcripts only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<u64>,
    /// Where it ends, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<u64>,
    /// The cues the block was joined from: `[byte offset in text, start ms]`
    /// for each, in order, so a match can be placed in time to the cue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cues: Vec<[u64; 2]>,
}

impl Block {
    /// A block without a speaker.
    pub fn new(kind: BlockKind, text: impl Into<String>) -> Block {
        Block {
            kind,
            text: text.into(),
            speaker: None,
            role: None,
            start_ms: None,
            end_ms: None,
            cues: Vec::new(),
        }
    }

    /// When the words at byte `offset` of the text were said: the start of
    /// the cue holding them, else the block's start.
    pub fn time_at(&self, offset: usize) -> Option<u64> {
        let i = self.cues.partition_point(|c| c[0] <= offset as u64);
        if i > 0 {
            Some(self.cues[i - 1][1])
        } else {
            self.start_ms
        }
    }

    /// The part `[lo, hi)` of the block (byte offsets, moved back to char
    /// boundaries), trimmed, with the cues inside it and its times: it
    /// starts when the cue holding `lo` starts, and ends when the cue
    /// after it starts.
    pub fn slice(&self, lo: usize, hi: usize) -> Block {
        let floor = |mut i: usize| {
            i = i.min(self.text.len());
            while !self.text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let hi = floor(hi);
        let lo = floor(lo).min(hi);
        if lo == 0 && hi == self.text.len() {
            return self.clone();
        }
        let part = &self.text[lo..hi];
        let lead = part.len() - part.trim_start().len();
        let base = (lo + lead) as u64;
        let mut out = self.clone();
        out.text = part.trim().to_string();
        out.start_ms = self.time_at(lo + lead);
        if hi < self.text.len()
            && let Some(c) = self.cues.iter().find(|c| c[0] >= hi as u64)
        {
            out.end_ms = Some(c[1]);
        }
        // The cue the part starts in, and those that start inside it.
        let first = self
            .cues
            .partition_point(|c| c[0] <= base)
            .saturating_sub(1);
        out.cues = self
            .cues
            .iter()
            .skip(first)
            .take_while(|c| c[0] < hi as u64)
            .map(|c| [c[0].saturating_sub(base), c[1]])
            .collect();
        out
    }

    /// Whether the block has a time in the programme.
    pub fn is_timed(&self) -> bool {
        self.start_ms.is_some()
    }
}

/// Words (positions) an item must have for its stories to be found
/// (`index::stories`): a shorter item is one story.
pub const STORY_MIN_WORDS: usize = 600;

/// `754_200` ms as `12:34` (or `1:02:03` from an hour on).
pub fn clock(ms: u64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// Read `12:34`, `1:02:03`, `754` (seconds) or `12:34.5` as milliseconds.
pub fn parse_clock(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let bad = || format!("\"{t}\" is not a time; expected MM:SS, HH:MM:SS or seconds");
    let parts: Vec<&str> = t.split(':').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(bad());
    }
    let (mut secs, mut frac_ms) = (0u64, 0u64);
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let (whole, frac) = match p.split_once('.') {
            Some((w, f)) if last => (w, f),
            Some(_) => return Err(bad()),
            None => (*p, ""),
        };
        if whole.is_empty()
            || whole.len() > 6
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let w: u64 = whole.parse().map_err(|_| bad())?;
        if i > 0 && w >= 60 {
            return Err(bad());
        }
        secs = secs * 60 + w;
        if last {
            let f3: String = frac.chars().chain("000".chars()).take(3).collect();
            frac_ms = f3.parse::<u64>().map_err(|_| bad())?;
        }
    }
    let ms = secs * 1000 + frac_ms;
    Ok(ms)
}

/// One broadcast item, as stored in the index and printed by `show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Stable id: given by the source, or derived (see `ingest`).
    pub id: String,
    /// Headline or episode label; may be empty.
    pub title: String,
    /// Broadcast date, where known.
    pub date: Option<Day>,
    /// Programme or outlet, where known.
    pub program: Option<String>,
    /// Everyone who speaks in the item or is named as its speaker.
    #[serde(default)]
    pub speakers: Vec<String>,
    /// The text in reading order.
    pub blocks: Vec<Block>,
    /// The file the item came from, and its line for JSON Lines.
    pub source: String,
    /// Where its recording is, for a player: an `http(s)` URL, or a path
    /// below a folder of `archivar serve --media-root`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// The stories of a long broadcast, in order, found at index time
    /// (`index::stories`); empty for short items and for items of one
    /// subject.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stories: Vec<Story>,
}

/// One story of a broadcast (a report, a news item, the weather): a run of
/// its passages on one subject. Stories follow each other without gaps and
/// together hold every block of the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Story {
    /// Where it starts: `[block, byte offset in the block's text]`.
    pub from: [usize; 2],
    /// Where the next story starts, `[block, byte offset]`; the last
    /// story's is `[number of blocks, 0]`.
    pub to: [usize; 2],
    /// Its word positions in the index's `text` field, `[first, end)`:
    /// what search ranks a story by.
    pub positions: [u32; 2],
    /// When it starts in the programme, in ms (timed items only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<u64>,
    /// When it ends, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<u64>,
}

impl Story {
    /// Its blocks, `[first, last]`: the last is the one `to` points into,
    /// or the one before where `to` is at a block's start.
    pub fn blocks(&self) -> [usize; 2] {
        let last = if self.to[1] == 0 {
            self.to[0].saturating_sub(1).max(self.from[0])
        } else {
            self.to[0]
        };
        [self.from[0], last]
    }

    /// Its span for people: `03:12–05:40` for a timed story, else the
    /// blocks it holds, `passages 31–45` (1-based).
    pub fn span(&self) -> String {
        match (self.start_ms, self.end_ms) {
            (Some(s), Some(e)) => format!("{}\u{2013}{}", clock(s), clock(e)),
            (Some(s), None) => format!("from {}", clock(s)),
            _ => {
                let [a, b] = self.blocks();
                if a == b {
                    format!("passage {}", a + 1)
                } else {
                    format!("passages {}\u{2013}{}", a + 1, b + 1)
                }
            }
        }
    }
}

impl Item {
    /// The body as one text: every searchable block but the title,
    /// separated by blank lines.
    pub fn body_text(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            if b.kind == BlockKind::Credit {
                continue;
            }
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            if let (BlockKind::Turn, Some(s)) = (b.kind, &b.speaker) {
                out.push_str(s);
                out.push_str(": ");
            }
            out.push_str(&b.text);
        }
        out
    }

    /// The item cut to the passage said at `ms` and `context` passages on
    /// either side (`show --at`). Says why not for an item without times
    /// or a moment after its end.
    pub fn around(&self, ms: u64, context: usize) -> Result<Item, String> {
        let timed: Vec<usize> = (0..self.blocks.len())
            .filter(|&i| self.blocks[i].is_timed())
            .collect();
        let Some(&last) = timed.last() else {
            return Err(format!(
                "item \"{}\" has no time offsets; --at works on subtitles and transcripts",
                self.id
            ));
        };
        let end = self.blocks[last]
            .end_ms
            .or(self.blocks[last].start_ms)
            .unwrap_or(0);
        if ms > end {
            return Err(format!(
                "item \"{}\" ends at {}; give a time up to that",
                self.id,
                clock(end)
            ));
        }
        // The last passage that starts at or before the moment.
        let k = timed
            .iter()
            .rposition(|&i| self.blocks[i].start_ms.is_some_and(|s| s <= ms))
            .unwrap_or(0);
        let lo = k.saturating_sub(context);
        let hi = (k + context).min(timed.len() - 1);
        let mut out = self.clone();
        out.blocks = timed[lo..=hi]
            .iter()
            .map(|&i| self.blocks[i].clone())
            .collect();
        Ok(out)
    }

    /// Story `n` (1-based) of the item alone (`show --story`): its blocks,
    /// the first and last cut where the story starts and ends inside them,
    /// with their cues and times. Says why not for an item without stories
    /// or a number past its last.
    pub fn story(&self, n: usize) -> Result<Item, String> {
        if self.stories.is_empty() {
            return Err(format!(
                "item \"{}\" has no stories; stories are found in transcripts of at least {STORY_MIN_WORDS} words that change subject",
                self.id
            ));
        }
        let Some(story) = n.checked_sub(1).and_then(|i| self.stories.get(i)) else {
            return Err(format!(
                "item \"{}\" has stories 1 to {}; give one of them",
                self.id,
                self.stories.len()
            ));
        };
        let [first, last] = story.blocks();
        let mut out = self.clone();
        out.stories = Vec::new();
        out.blocks = Vec::new();
        for (i, b) in self.blocks.iter().enumerate().take(last + 1).skip(first) {
            let lo = if i == story.from[0] { story.from[1] } else { 0 };
            let hi = if i == story.to[0] {
                story.to[1]
            } else {
                b.text.len()
            };
            out.blocks.push(b.slice(lo, hi.max(lo)));
        }
        out.blocks.retain(|b| !b.text.trim().is_empty());
        Ok(out)
    }

    /// Add a speaker once, keeping first-seen order.
    pub fn add_speaker(&mut self, name: &str) {
        let name = name.trim();
        if !name.is_empty() && !self.speakers.iter().any(|s| s == name) {
            self.speakers.push(name.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_date_forms() {
        assert_eq!(Day::parse("13.02.2025").unwrap().to_string(), "2025-02-13");
        assert_eq!(Day::parse("2025-02-13").unwrap().to_string(), "2025-02-13");
        assert_eq!(
            Day::parse("2025-02-13T20:00:00+01:00").unwrap().to_string(),
            "2025-02-13"
        );
    }

    #[test]
    fn refuses_impossible_dates() {
        assert!(Day::parse("31.02.2025").is_err());
        assert!(Day::parse("2025-13-01").is_err());
        assert!(Day::parse("01.01.99999").is_err());
        assert!(Day::parse("gestern").is_err());
        assert!(Day::parse("").is_err());
    }

    #[test]
    fn clocks_both_ways() {
        assert_eq!(clock(754_200), "12:34");
        assert_eq!(clock(3_723_000), "1:02:03");
        assert_eq!(parse_clock("12:34"), Ok(754_000));
        assert_eq!(parse_clock("1:02:03"), Ok(3_723_000));
        assert_eq!(parse_clock("754.5"), Ok(754_500));
        assert_eq!(parse_clock("0:07.25"), Ok(7_250));
        assert!(parse_clock("12:61").is_err());
        assert!(parse_clock("zwölf").is_err());
        assert!(parse_clock("").is_err());
        assert!(parse_clock("1:2:3:4").is_err());
    }

    #[test]
    fn places_offsets_in_cues() {
        let mut b = Block::new(BlockKind::Turn, "hier ist das erste");
        b.start_ms = Some(4_590);
        b.cues = vec![[0, 4_590], [5, 4_830], [9, 4_950], [13, 5_130]];
        assert_eq!(b.time_at(0), Some(4_590));
        assert_eq!(b.time_at(6), Some(4_830));
        assert_eq!(b.time_at(13), Some(5_130));
        assert_eq!(b.time_at(100), Some(5_130));
    }

    #[test]
    fn cuts_around_a_moment() {
        let mut item = Item {
            id: "x".into(),
            title: String::new(),
            date: None,
            program: None,
            speakers: Vec::new(),
            blocks: Vec::new(),
            source: "x.srt".into(),
            media: None,
            stories: Vec::new(),
        };
        assert!(item.around(0, 1).unwrap_err().contains("no time offsets"));
        for (i, t) in ["eins", "zwei", "drei", "vier"].iter().enumerate() {
            let mut b = Block::new(BlockKind::Turn, *t);
            b.start_ms = Some(i as u64 * 10_000);
            b.end_ms = Some(i as u64 * 10_000 + 9_000);
            item.blocks.push(b);
        }
        let texts = |it: Item| it.blocks.into_iter().map(|b| b.text).collect::<Vec<_>>();
        assert_eq!(
            texts(item.around(15_000, 1).unwrap()),
            ["eins", "zwei", "drei"]
        );
        assert_eq!(texts(item.around(0, 1).unwrap()), ["eins", "zwei"]);
        assert_eq!(texts(item.around(39_000, 0).unwrap()), ["vier"]);
        assert!(
            item.around(40_000, 1)
                .unwrap_err()
                .contains("ends at 00:39")
        );
    }

    #[test]
    fn a_story_is_cut_from_its_blocks_with_their_cues() {
        let mut b0 = Block::new(BlockKind::Turn, "Guten Abend. Der Warnstreik beginnt.");
        b0.start_ms = Some(0);
        b0.end_ms = Some(6_000);
        b0.cues = vec![[0, 0], [13, 2_000]];
        let mut b1 = Block::new(
            BlockKind::Turn,
            "Die Bahn fährt nicht. An der Oder steigt das Wasser.",
        );
        b1.start_ms = Some(7_000);
        b1.end_ms = Some(15_000);
        b1.cues = vec![[0, 7_000], [22, 11_000]];
        let mut b2 = Block::new(BlockKind::Turn, "Die Deiche halten.");
        b2.start_ms = Some(16_000);
        b2.end_ms = Some(18_000);
        b2.cues = vec![[0, 16_000]];
        let story = |from: [usize; 2], to: [usize; 2]| Story {
            from,
            to,
            positions: [0, 0],
            start_ms: None,
            end_ms: None,
        };
        let mut item = Item {
            id: "x".into(),
            title: String::new(),
            date: None,
            program: None,
            speakers: Vec::new(),
            blocks: vec![b0, b1, b2],
            source: "x.vtt".into(),
            media: None,
            stories: Vec::new(),
        };
        assert!(item.story(1).unwrap_err().contains("has no stories"));
        item.stories = vec![
            story([0, 0], [0, 13]),
            story([0, 13], [1, 22]),
            story([1, 22], [3, 0]),
        ];
        let texts = |it: &Item| it.blocks.iter().map(|b| b.text.clone()).collect::<Vec<_>>();
        let s2 = item.story(2).unwrap();
        assert_eq!(
            texts(&s2),
            ["Der Warnstreik beginnt.", "Die Bahn fährt nicht."]
        );
        assert_eq!(s2.blocks[0].start_ms, Some(2_000));
        assert_eq!(s2.blocks[0].cues, vec![[0, 2_000]]);
        // The part of a block ends where the next cue starts.
        assert_eq!(s2.blocks[1].end_ms, Some(11_000));
        assert!(s2.stories.is_empty());
        let s3 = item.story(3).unwrap();
        assert_eq!(
            texts(&s3),
            ["An der Oder steigt das Wasser.", "Die Deiche halten."]
        );
        assert_eq!(s3.blocks[0].cues, vec![[0, 11_000]]);
        assert_eq!(s3.blocks[0].start_ms, Some(11_000));
        assert_eq!(item.story(1).unwrap().blocks[0].text, "Guten Abend.");
        assert!(item.story(4).unwrap_err().contains("stories 1 to 3"));
        assert!(item.story(0).is_err());
        assert_eq!(item.stories[1].blocks(), [0, 1]);
        assert_eq!(item.stories[2].blocks(), [1, 2]);
        assert_eq!(item.stories[2].span(), "passages 2\u{2013}3");
    }

    #[test]
    fn unix_days_round_trip() {
        let d = Day::parse("2025-02-13").unwrap();
        assert_eq!(d.unix_days(), 20132);
        assert_eq!(Day::from_unix_days(20132), Some(d));
        assert_eq!(Day::parse("1970-01-01").unwrap().unix_days(), 0);
    }
}
