//! Fuzzing by property tests: every input parser, the query parser, the
//! whole search and snippet highlighting, on arbitrary Unicode and bytes.
//! None may panic, and each keeps its promise (a parsed date prints back
//! to itself, highlights lie inside their text, …).
//!
//! In the test suite each property runs a modest number of cases. The long
//! run gives them a time budget, shared equally (about 10 minutes):
//!
//! ```sh
//! ARCHIVAR_FUZZ_SECS=600 cargo test --release --test fuzz -- --nocapture --test-threads 1
//! ```
//!
//! It prints the inputs tried per property; a failure prints the smallest
//! input proptest shrank it to.

use archivar::analysis::Analyzer;
use archivar::index::Archive;
use archivar::index::writer::Indexer;
use archivar::ingest::{self, Event};
use archivar::item::{Block, BlockKind, Day, Item};
use archivar::search::snippet::{Marks, highlight_all, snippets};
use archivar::search::{self, Request, Sort};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How many properties share the long run's budget.
const PROPERTIES: u64 = 17;

/// Run `test` on values of `strategy`: `cases` of them in the test suite,
/// or for this property's share of `ARCHIVAR_FUZZ_SECS`.
fn fuzz<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let budget = std::env::var("ARCHIVAR_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map(|s| Duration::from_secs(s) / PROPERTIES as u32);
    let config = |cases| Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    };
    let Some(budget) = budget else {
        let mut runner = TestRunner::new(config(cases));
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("{name}: {e}");
        }
        return;
    };
    let started = Instant::now();
    let mut tried = 0u64;
    while started.elapsed() < budget {
        // A fresh random seed each round.
        let mut runner = TestRunner::new(config(500));
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("{name}: after {tried} inputs: {e}");
        }
        tried += 500;
    }
    eprintln!(
        "fuzz {name}: {tried} inputs in {:.0} s, 0 failures",
        started.elapsed().as_secs_f64()
    );
}

/// Text with what breaks parsers: any Unicode, line breaks, quotes,
/// colons, brackets, digits and dots.
fn nasty_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<char>().prop_map(String::from),
            2 => prop::sample::select(vec![
                "\n", "\n\n", "\r\n", " ", ":", "\"", "„", "“", "(", ")", "-", ".", "Diese Nachricht wurde am ",
                " im Programm ", " gesendet.", "13.02.2025", "31.02.2025", "HEINEMANN: ", "Christoph Heinemann: ",
                "Präsidentin Bärbel Bas: ", "(IMAGO / ABACAPRESS)", "\u{feff}", "\u{ad}", "ß", "Zölle", "\u{0}",
            ])
            .prop_map(String::from),
            2 => "[A-Za-zÄÖÜäöüß]{1,12}",
        ],
        0..max,
    )
    .prop_map(|v| v.concat())
}

#[test]
fn fuzz_decode_any_bytes() {
    fuzz(
        "decode",
        256,
        prop::collection::vec(any::<u8>(), 0..600),
        |bytes| {
            let loc = archivar::error::Location::file(Path::new("x.txt"));
            if let Ok(d) = ingest::decode::decode(&bytes, &loc)
                && d.encoding.is_none()
            {
                let plain = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
                prop_assert_eq!(d.text.as_bytes(), plain);
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_text_items() {
    fuzz("text items", 256, nasty_text(80), |text| {
        if let Ok(p) = ingest::text::parse_text(&text, "x", Path::new("x.txt")) {
            prop_assert_eq!(&p.item.id, "x");
            for b in &p.item.blocks {
                prop_assert!(!b.text.trim().is_empty(), "{:?}", p.item.blocks);
            }
        }
        Ok(())
    });
}

/// Subtitle-like text: cue numbers, time lines (good and broken), voice
/// tags, markup, NAME: labels and notes among any Unicode.
fn subtitle_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => nasty_text(6),
            3 => prop::sample::select(vec![
                "WEBVTT\n\n", "1\n", "\n\n", "00:00:01,000 --> 00:00:02,500\n", "00:01.000 --> 00:02.000 align:start\n",
                "00:00:05,000 --> 00:00:01,000\n", "99:99:99,999 --> 1\n", "-->", "<v Anna Schmidt>", "<v.loud Bernd>", "</v>",
                "<i>", "</i>", "{\\an8}", "&amp;", "&lt;", "NOTE\nDatum: 31.02.2025\n", "NOTE Programm: WDR 5\n",
                "STYLE\n", "HEINEMANN: ", "Heute im Studio: Judith Rakers\n", "live untertitelt (03.04.2020)\n",
                "<00:00:01.500>", "\u{feff}",
            ])
            .prop_map(String::from),
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

/// Every cue's time and the passages built from them keep their promises:
/// ends after starts, cue offsets inside the text and in order.
fn check_subtitle_item(parsed: ingest::subtitle::Parsed) -> Result<(), TestCaseError> {
    for c in &parsed.cues {
        prop_assert!(c.end >= c.start);
    }
    let (item, _) =
        ingest::subtitle::assemble(parsed, "x", Path::new("x.srt"), &ingest::Meta::default());
    for b in &item.blocks {
        prop_assert!(!b.text.is_empty());
        let (Some(s), Some(e)) = (b.start_ms, b.end_ms) else {
            return Err(TestCaseError::fail("a subtitle block without times"));
        };
        prop_assert!(e >= s);
        let mut last = 0;
        for c in &b.cues {
            prop_assert!(c[0] as usize <= b.text.len());
            prop_assert!(b.text.is_char_boundary(c[0] as usize));
            prop_assert!(c[0] >= last);
            last = c[0];
        }
    }
    Ok(())
}

#[test]
fn fuzz_srt() {
    fuzz("srt", 256, subtitle_text(), |text| {
        if let Ok(p) = ingest::subtitle::parse_srt(&text, Path::new("x.srt")) {
            check_subtitle_item(p)?;
        }
        Ok(())
    });
}

#[test]
fn fuzz_webvtt() {
    fuzz("webvtt", 256, subtitle_text(), |text| {
        if let Ok(p) = ingest::subtitle::parse_vtt(&format!("WEBVTT\n\n{text}"), Path::new("x.vtt"))
        {
            check_subtitle_item(p)?;
        }
        Ok(())
    });
}

/// TTML-like text: elements, attributes and times, well-formed or not.
fn ttml_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            2 => nasty_text(4),
            3 => prop::sample::select(vec![
                "<tt:p begin=\"00:00:01.000\" end=\"00:00:02.000\">", "<tt:p begin=\"1.5s\" end=\"90f\">",
                "<tt:p begin=\"00:99:00.000\" end=\"x\">", "</tt:p>", "<tt:span style=\"textYellow\">",
                "<tt:span style=\"textWhite\">", "</tt:span>", "<tt:br/>", "&amp;", "&#x0;", "<![CDATA[x]]>",
                "Heute im Studio: Jan Hofer", "<!DOCTYPE tt [<!ENTITY a \"aaaa\">]>",
            ])
            .prop_map(String::from),
        ],
        0..30,
    )
    .prop_map(|v| {
        format!(
            "<tt:tt xmlns:tt=\"http://www.w3.org/ns/ttml\" xmlns:tts=\"http://www.w3.org/ns/ttml#styling\"><tt:head><tt:styling><tt:style xml:id=\"textYellow\" tts:color=\"#FFFF00\"/><tt:style xml:id=\"textWhite\" tts:color=\"#FFFFFF\"/></tt:styling></tt:head><tt:body><tt:div>{}</tt:div></tt:body></tt:tt>",
            v.concat()
        )
    })
}

#[test]
fn fuzz_ttml() {
    fuzz("ttml", 256, ttml_text(), |text| {
        match ingest::ttml::parse_ttml(&text, Path::new("x.xml")) {
            Ok(p) => check_subtitle_item(p)?,
            Err(e) => prop_assert!(e.to_string().starts_with("x.xml"), "{e}"),
        }
        Ok(())
    });
}

/// Deep nesting in every parser (issue 12, row 1): TTML elements, JSON
/// arrays and objects in a JSON line, VTT tags, nested 0 to 20,000 deep,
/// parsed on a thread with a 512 KiB stack. None may overflow it.
#[test]
fn fuzz_deep_nesting_in_every_parser() {
    let shape = (
        0usize..20_000,
        prop::sample::select(vec!["tt:span", "tt:div", "span", "tt:p"]),
        prop::sample::select(vec!["[", "{\"a\":", "{\"body\":["]),
    );
    fuzz("deep nesting", 48, shape, |(depth, tag, open)| {
        let ttml = format!(
            "<tt:tt xmlns:tt=\"http://www.w3.org/ns/ttml\"><tt:body><tt:div><tt:p begin=\"1s\" end=\"2s\">{}Tor{}</tt:p></tt:div></tt:body></tt:tt>",
            format!("<{tag}>").repeat(depth),
            format!("</{tag}>").repeat(depth)
        );
        let json = format!("{}\n", open.repeat(depth));
        let vtt = format!(
            "WEBVTT\n\n00:01.000 --> 00:02.000\n{}Tor{}\n",
            "<b><i>".repeat(depth / 2),
            "</i></b>".repeat(depth / 2)
        );
        let ok = std::thread::Builder::new()
            .stack_size(512 << 10)
            .spawn(move || {
                let t = ingest::ttml::parse_ttml(&ttml, Path::new("x.ttml"));
                let deep_refused = t
                    .as_ref()
                    .is_err_and(|e| e.to_string().contains("nested more than"));
                let _ = ingest::subtitle::parse_vtt(&vtt, Path::new("x.vtt"));
                let mut n = 0;
                let r = ingest::jsonl::read_jsonl(
                    &mut std::io::Cursor::new(json.into_bytes()),
                    Path::new("x.jsonl"),
                    "x",
                    &mut |_| n += 1,
                    &mut |_| {},
                );
                (deep_refused, r.is_ok() && n <= 1)
            })
            .unwrap()
            .join();
        prop_assert!(ok.is_ok(), "a parser panicked at depth {depth}");
        let (deep_refused, json_ok) = ok.unwrap();
        prop_assert_eq!(deep_refused, depth + 4 > ingest::ttml::MAX_DEPTH);
        prop_assert!(json_ok);
        Ok(())
    });
}

/// Huge lines in every line reader (issue 12, row 4): [`Lines`] never
/// holds more than its bound of a line, numbers every line, and gives
/// back exactly the lines within the bound.
#[test]
fn fuzz_bounded_lines() {
    use archivar::ingest::read::{Line, Lines};
    let input = (
        prop::collection::vec((0usize..300, any::<u8>()), 0..20),
        1usize..100,
        1usize..64,
    );
    fuzz("bounded lines", 256, input, |(lines, max, cap)| {
        let mut bytes = Vec::new();
        for (len, b) in &lines {
            let b = if *b == b'\n' { b'x' } else { *b };
            bytes.extend(std::iter::repeat_n(b, *len));
            bytes.push(b'\n');
        }
        let mut r = Lines::new(std::io::BufReader::with_capacity(cap, &bytes[..]), max);
        let mut buf = Vec::new();
        let mut n = 0;
        while let Some(got) = r.next_line(&mut buf).unwrap() {
            let (len, _) = lines[n];
            n += 1;
            prop_assert!(buf.len() <= max);
            match got {
                Line::Whole(l) => {
                    prop_assert_eq!(l, n as u64);
                    prop_assert!(len < max);
                    prop_assert_eq!(buf.len(), len + 1);
                }
                Line::TooLong(l) => {
                    prop_assert_eq!(l, n as u64);
                    prop_assert!(len + 1 > max);
                }
            }
        }
        prop_assert_eq!(n, lines.len());
        prop_assert_eq!(r.consumed(), bytes.len() as u64);
        Ok(())
    });
}

/// Any JSON value, nested a little.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        nasty_text(12).prop_map(serde_json::Value::from),
        "(1[0-9]{3}|2[0-9]{3}|99999)-[0-9]{1,2}-[0-9]{1,2}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn fuzz_json_items_of_any_shape() {
    let fields = prop::collection::btree_map(
        prop::sample::select(vec![
            "id", "title", "body", "date", "program", "speaker", "speakers", "x",
        ]),
        json_value(),
        0..7,
    );
    fuzz("json items", 512, fields, |obj| {
        let line =
            serde_json::Value::Object(obj.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                .to_string();
        let loc = archivar::error::Location::line(Path::new("x.jsonl"), 3);
        match ingest::jsonl::parse_line(&line, &loc, "x") {
            Ok(item) => {
                prop_assert!(!item.id.is_empty());
                prop_assert!(!item.body_text().trim().is_empty());
            }
            Err(e) => prop_assert!(e.to_string().starts_with("x.jsonl:3: "), "{}", e),
        }
        Ok(())
    });
}

#[test]
fn fuzz_json_lines_any_bytes() {
    let bytes = prop::collection::vec(
        prop_oneof![
            4 => any::<u8>(),
            1 => Just(b'\n'),
            1 => Just(b'{'),
            1 => Just(b'"'),
        ],
        0..800,
    );
    fuzz("json lines", 256, bytes, |bytes| {
        let lines = bytes.split(|b| *b == b'\n').count() as u64;
        let mut results = 0u64;
        let mut reader = std::io::Cursor::new(bytes);
        let r = ingest::jsonl::read_jsonl(
            &mut reader,
            Path::new("x.jsonl"),
            "x",
            &mut |_| results += 1,
            &mut |_| {},
        );
        prop_assert!(r.is_ok());
        prop_assert!(results <= lines);
        Ok(())
    });
}

#[test]
fn fuzz_dates() {
    let text = prop_oneof![
        nasty_text(6),
        "[0-9]{0,6}[-.][0-9]{0,4}[-.][0-9]{0,6}(T[0-9:+]{0,10})?",
    ];
    fuzz("dates", 1024, text, |text| {
        if let Ok(d) = Day::parse(&text) {
            // A date that parses prints back to itself.
            prop_assert_eq!(Day::parse(&d.to_string()), Ok(d));
            let year: i32 = d.to_string()[..4].parse().unwrap();
            prop_assert!((1000..=9999).contains(&year));
        }
        Ok(())
    });
}

#[test]
fn fuzz_speaker_turns() {
    let known = prop::collection::vec("[A-ZÄÖÜa-zäöüß. ]{0,20}", 0..4);
    fuzz(
        "speaker turns",
        512,
        (nasty_text(20), known),
        |(line, known)| {
            if let Some(t) = ingest::turns::parse_turn(&line) {
                let _ = ingest::turns::speaker_name(t.label, &known);
                let _ = ingest::turns::is_strong_label(t.label);
            }
            let _ = ingest::turns::ends_sentence(&line);
            let mut speakers = known.clone();
            let lines = ingest::blocks::lines(&line);
            let _ = ingest::blocks::classify(&lines, true, &mut speakers);
            Ok(())
        },
    );
}

/// Queries: any Unicode mixed with the query language's operators.
fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => any::<char>().prop_map(String::from),
            3 => prop::sample::select(vec![
                " ", "\"", "„", "“", "(", ")", "-", "+", ":", " OR ", " AND ", " NOT ", "title:", "speaker:",
                "autor:", "*", "?", "\\", "Zölle", "Selenskyj", "Rohstoffabkommen", "US-Präsident", "und", "die",
            ])
            .prop_map(String::from),
            2 => "[A-Za-zÄÖÜäöüß]{1,10}",
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

#[test]
fn fuzz_query_parser() {
    fuzz("query parser", 1024, query(), |q| {
        let known = "text:, title:";
        match search::parse::parse(&q, &|f| f == "title" || f == "text", known) {
            Ok(_) => {}
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        Ok(())
    });
}

/// The sample archive `data/`, indexed once into a temporary folder.
fn data_archive() -> &'static (tempfile::TempDir, Archive) {
    static A: OnceLock<(tempfile::TempDir, Archive)> = OnceLock::new();
    A.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open_or_create(dir.path(), false).unwrap();
        {
            let mut ix = Indexer::new(&archive, 32).unwrap();
            let walk = ingest::walk(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("data")]);
            for src in &walk.sources {
                ingest::read_source(src, &ingest::Meta::default(), &mut |ev| {
                    if let Event::Item(i) = ev {
                        ix.add(&i).unwrap();
                    }
                });
            }
            ix.commit().unwrap();
        }
        (dir, archive)
    })
}

#[test]
fn fuzz_search_end_to_end() {
    let (_, archive) = data_archive();
    let searcher = archive.reader().unwrap().searcher();
    let mode = (
        query(),
        prop::sample::select(vec!["any", "all", "2<50%", "60%"]),
        any::<bool>(),
    );
    fuzz("search", 96, mode, |(q, mode, by_date)| {
        let req = Request {
            query: q.clone(),
            from: None,
            to: None,
            programs: vec![],
            speakers: vec![],
            sort: if by_date { Sort::Date } else { Sort::Relevance },
            limit: 5,
            offset: 0,
            mode: mode.parse().unwrap(),
            snippets: 2,
            facets: by_date,
            collapse: !by_date,
            exact_total: false,
        };
        match search::search(archive, &searcher, &req) {
            Ok(hits) => {
                for h in &hits.hits {
                    let n = h.item.title.chars().count();
                    for &(a, b) in &h.title_highlights {
                        prop_assert!(a < b && b <= n, "{:?} in {:?}", (a, b), h.item.title);
                    }
                    for s in &h.snippets {
                        let n = s.text.chars().count();
                        let mut last = 0;
                        for &(a, b) in &s.highlights {
                            prop_assert!(last <= a && a < b && b <= n);
                            last = b;
                        }
                    }
                }
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        Ok(())
    });
}

#[test]
fn fuzz_snippets_over_any_unicode() {
    let input = (
        nasty_text(120),
        prop::collection::vec("[a-zäöüßA-Z]{1,10}", 1..4),
        nasty_text(20),
    );
    fuzz("snippets", 256, input, |(text, words, title)| {
        let a = Analyzer::shared();
        let mut marks = Marks::default();
        for w in &words {
            marks.terms.extend(a.normalize(w));
        }
        let item = Item {
            id: "x".into(),
            title: title.clone(),
            date: None,
            program: None,
            speakers: vec!["Jana Wiesinger".into()],
            blocks: text
                .split("\n\n")
                .enumerate()
                .map(|(i, t)| {
                    let mut b = Block::new(
                        [BlockKind::Paragraph, BlockKind::Turn, BlockKind::Caption][i % 3],
                        t,
                    );
                    if i % 3 == 1 {
                        b.speaker = Some("Jana Wiesinger".into());
                    }
                    b
                })
                .collect(),
            source: "x".into(),
            media: None,
            stories: Vec::new(),
        };
        for s in snippets(a, &item, &marks, 3, &|s| s.contains("Jana")) {
            let n = s.text.chars().count();
            let mut last = 0;
            for (start, end) in s.highlights {
                prop_assert!(start >= last && start < end && end <= n);
                last = end;
            }
        }
        for t in [&text, &title] {
            for (start, end) in highlight_all(a, t, &marks) {
                prop_assert!(start < end && end <= t.chars().count());
            }
        }
        Ok(())
    });
}

#[test]
fn fuzz_analysis() {
    fuzz("analysis", 512, nasty_text(60), |text| {
        let a = Analyzer::shared();
        let _ = a.analyze(&text);
        // (Normalising is not idempotent: Snowball stems "ydies" again to
        // "ydi". Folding is, see src/analysis.)
        for w in text.split_whitespace() {
            let _ = a.normalize(w);
            let _ = a.phonetic(w);
        }
        Ok(())
    });
}

#[test]
fn fuzz_guards() {
    fuzz(
        "item guards",
        512,
        (nasty_text(40), nasty_text(10)),
        |(body, title)| {
            let mut item = Item {
                id: format!("x{title}"),
                title,
                date: None,
                program: None,
                speakers: vec![],
                blocks: vec![Block::new(BlockKind::Paragraph, body)],
                source: "x".into(),
                media: None,
                stories: Vec::new(),
            };
            let before = ingest::clean::item_bytes(&item);
            let (n, first) = ingest::clean::strip_controls(&mut item);
            prop_assert_eq!(n > 0, first.is_some());
            prop_assert!(ingest::clean::item_bytes(&item) <= before);
            prop_assert!(
                !item
                    .title
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            );
            prop_assert_eq!(ingest::clean::strip_controls(&mut item).0, 0);
            Ok(())
        },
    );
}

/// Items dated across years 1000–9999, one in every 45 years and some
/// undated, indexed once: the days each holds.
fn dated_archive() -> &'static (tempfile::TempDir, Archive, Vec<Option<Day>>) {
    static A: OnceLock<(tempfile::TempDir, Archive, Vec<Option<Day>>)> = OnceLock::new();
    A.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open_or_create(dir.path(), false).unwrap();
        let mut days = Vec::new();
        {
            let mut ix = Indexer::new(&archive, 32).unwrap();
            for i in 0..210u32 {
                let date = (i % 7 != 3).then(|| {
                    let year = 1000 + (i * 43) % 9000;
                    Day::from_ymd(year as i32, (1 + i % 12) as u8, (1 + i % 28) as u8).unwrap()
                });
                let item = Item {
                    id: format!("d{i}"),
                    title: format!("Rente {i}"),
                    date,
                    program: Some("Archiv".into()),
                    speakers: vec![],
                    blocks: vec![Block::new(BlockKind::Paragraph, "Die Rente steigt.")],
                    source: format!("gen:{i}"),
                    media: None,
                    stories: Vec::new(),
                };
                ix.add(&item).unwrap();
                days.push(date);
            }
            ix.commit().unwrap();
        }
        (dir, archive, days)
    })
}

/// Dates across 1000–9999 in every filter and trend: a search from one
/// day to another finds exactly the items dated between them, and a
/// trend's bars sum to the same counts (tantivy's own dates wrapped
/// outside 1677–2262, and its histogram stopped at 65,000 days).
#[test]
fn fuzz_dates_in_filters_and_trends() {
    use archivar::search::facets::{Interval, trend};
    let (_, archive, days) = dated_archive();
    let searcher = archive.reader().unwrap().searcher();
    let day =
        (1000i32..=9999, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Day::from_ymd(y, m, d).unwrap());
    let range = (proptest::option::of(day.clone()), proptest::option::of(day));
    fuzz("dates", 48, range, |(from, to)| {
        let (from, to) = match (from, to) {
            (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
            r => r,
        };
        let want = days
            .iter()
            .filter(|d| match (d, from, to) {
                (None, None, None) => true,
                (None, _, _) => false,
                (Some(d), f, t) => f.is_none_or(|f| *d >= f) && t.is_none_or(|t| *d <= t),
            })
            .count();
        let req = Request {
            from,
            to,
            limit: 1,
            collapse: false,
            snippets: 0,
            ..Request::new("Rente")
        };
        let hits = search::search(archive, &searcher, &req).unwrap();
        prop_assert_eq!(hits.total, want);
        let t = trend(archive, &searcher, &req, Interval::Year).unwrap();
        prop_assert_eq!(t.total as usize, want);
        let in_bars: u64 = t.buckets.iter().map(|b| b.count).sum();
        prop_assert_eq!(in_bars + t.undated, t.total);
        for b in &t.buckets {
            let year = b.start.0.year();
            let n = days
                .iter()
                .flatten()
                .filter(|d| d.0.year() == year)
                .filter(|d| from.is_none_or(|f| **d >= f) && to.is_none_or(|t| **d <= t))
                .count();
            prop_assert_eq!(b.count as usize, n, "year {}", year);
        }
        Ok(())
    });
}
