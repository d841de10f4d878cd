//! Subtitle and transcript formats on the real binary: the project's own
//! files in `data/subtitles/` and the real broadcasts in
//! `../shared/subtitles/`. Times are checked against the cue times read
//! from the files here, independently of archivar's parsers.

mod common;

use common::*;
use predicates::prelude::*;
use regex::Regex;
use std::path::{Path, PathBuf};

fn shared_subtitles() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/subtitles")
}

fn subtitles_dir() -> PathBuf {
    data_dir().join("subtitles")
}

/// (start in seconds, text) of each `tt:p` of an EBU-TT-D file.
fn ttml_cues(path: &Path) -> Vec<(f64, String)> {
    let xml = std::fs::read_to_string(path).unwrap();
    let p = Regex::new(r#"(?s)<tt:p [^>]*?begin="(\d+):(\d+):(\d+(?:\.\d+)?)"[^>]*?>(.*?)</tt:p>"#)
        .unwrap();
    let tags = Regex::new(r"<[^>]+>").unwrap();
    p.captures_iter(&xml)
        .map(|c| {
            let t = c[1].parse::<f64>().unwrap() * 3600.0
                + c[2].parse::<f64>().unwrap() * 60.0
                + c[3].parse::<f64>().unwrap();
            let text = tags.replace_all(&c[4], " ");
            (t, text.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .collect()
}

/// (start in seconds, text) of each SRT cue.
fn srt_cues(path: &Path) -> Vec<(f64, String)> {
    let srt = std::fs::read_to_string(path).unwrap();
    let re = Regex::new(r"(?m)^(\d+):(\d+):(\d+),(\d+) --> [^\n]*\n((?:[^\n]+\n?)+)").unwrap();
    re.captures_iter(&srt)
        .map(|c| {
            let t = c[1].parse::<f64>().unwrap() * 3600.0
                + c[2].parse::<f64>().unwrap() * 60.0
                + c[3].parse::<f64>().unwrap()
                + c[4].parse::<f64>().unwrap() / 1000.0;
            (t, c[5].trim().to_string())
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.001
}

#[test]
fn sample_subtitles_are_indexed_with_dates_programmes_and_speakers() {
    let idx = index_of(&subtitles_dir());
    let r = search_json(idx.path(), &["Rohstoffabkommen"], 0);
    let hit = r.hit("14.02.2025_tagesschau, 20:00 Uhr");
    assert_eq!(hit.date.as_deref(), Some("2025-02-14"));
    assert_eq!(hit.program.as_deref(), Some("tagesschau"));
    assert_eq!(hit.title, "tagesschau, 20:00 Uhr");
    assert_eq!(hit.speakers, ["Marlene Hoffmann"]);
    // The statement is in yellow: a turn whose speaker is not named.
    let s = &hit.snippets[0];
    assert_eq!(s.kind, "turn");
    assert_eq!(s.speaker, None);
    assert!(s.speaker_unknown);
    let cues = ttml_cues(&subtitles_dir().join("14.02.2025_tagesschau, 20:00 Uhr.xml"));
    let cue = cues
        .iter()
        .find(|(_, t)| t.contains("Rohstoffabkommen"))
        .unwrap();
    assert!(close(s.start.unwrap(), cue.0), "{s:?} vs {cue:?}");

    // The anchor speaks the greeting and the first story.
    let r = search_json(idx.path(), &["Sicherheitskonferenz"], 0);
    let s = &r.hits[0].snippets[0];
    assert_eq!(s.speaker.as_deref(), Some("Marlene Hoffmann"));
    assert!(close(s.start.unwrap(), 15.7), "{s:?}");

    // WebVTT: voices and the NOTE's metadata.
    let r = search_json(idx.path(), &["Landwirte"], 0);
    let hit = r.hit("dlf-interview-petersen");
    assert_eq!(hit.date.as_deref(), Some("2025-03-09"));
    assert_eq!(hit.program.as_deref(), Some("Deutschlandfunk"));
    assert_eq!(hit.speakers, ["Tobias Armbrüster", "Jana Petersen"]);
    let by: Vec<(Option<&str>, f64)> = hit
        .snippets
        .iter()
        .map(|s| (s.speaker.as_deref(), s.start.unwrap()))
        .collect();
    assert!(by.contains(&(Some("Tobias Armbrüster"), 62.0)), "{by:?}");
    assert!(by.contains(&(Some("Jana Petersen"), 68.8)), "{by:?}");

    // SRT: date from the file name, programme and title from the sidecar,
    // speakers from NAME: labels.
    let r = search_json(idx.path(), &["Haushaltskrise"], 0);
    let hit = r.hit("hoerfunk-nachrichten-2025-02-20");
    assert_eq!(hit.date.as_deref(), Some("2025-02-20"));
    assert_eq!(hit.program.as_deref(), Some("Deutschlandfunk"));
    assert_eq!(hit.title, "Nachrichten, 20:00 Uhr");
    assert_eq!(hit.snippets[0].speaker.as_deref(), Some("Korrespondent"));
    assert!(close(hit.snippets[0].start.unwrap(), 17.0));
}

#[test]
fn word_level_asr_gives_readable_snippets_at_the_word_time() {
    let idx = index_of(&subtitles_dir());
    let file = subtitles_dir().join("2025-02-21-nachrichtenjournal-asr.srt");
    let cues = srt_cues(&file);
    let r = search_json(idx.path(), &["Reedereien"], 0);
    let hit = r.hit("2025-02-21-nachrichtenjournal-asr");
    assert_eq!(hit.date.as_deref(), Some("2025-02-21"));
    assert_eq!(hit.program, None);
    let s = &hit.snippets[0];
    // Words joined by spaces, not one a line; the passage is a run of
    // words around the match.
    assert!(
        s.text
            .contains("kritiker warnen vor dem einfluss ausländischer reedereien"),
        "{s:?}"
    );
    assert_eq!(s.marked(), ["reedereien"]);
    let cue = cues.iter().find(|(_, t)| t == "reedereien").unwrap();
    assert!(close(s.start.unwrap(), cue.0), "{s:?} vs {cue:?}");
}

#[test]
fn show_at_prints_the_passage_said_at_that_moment() {
    let idx = index_of(&subtitles_dir());
    archivar_in(idx.path())
        .args(["show", "14.02.2025_tagesschau, 20:00 Uhr", "--at", "0:41", "--context", "0", "--color", "never"])
        .assert()
        .success()
        .stdout(predicate::str::contains("00:37 (speaker unknown) Wir dürfen die Ukraine jetzt nicht allein lassen. Die Rohstoffabkommen"))
        .stdout(predicate::str::contains("Schneeregen").not())
        .stdout(predicate::str::contains("Guten Abend").not());
    // With context, the neighbours too.
    archivar_in(idx.path())
        .args([
            "show",
            "14.02.2025_tagesschau, 20:00 Uhr",
            "--at",
            "41",
            "--color",
            "never",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Drinnen warben"))
        .stdout(predicate::str::contains("Der Verteidigungsminister"));
    // After the end, or on an item without times: a clear message.
    assert_error(
        archivar_in(idx.path())
            .args(["show", "14.02.2025_tagesschau, 20:00 Uhr", "--at", "10:00"])
            .assert(),
        "ends at 00:",
    );
    assert_error(
        archivar_in(idx.path())
            .args(["show", "14.02.2025_tagesschau, 20:00 Uhr", "--at", "zehn"])
            .assert(),
        "not a time",
    );
    let data = index_of(&data_dir().join("news"));
    assert_error(
        archivar_in(data.path())
            .args(["show", "dlf-2024-01-01-co2-preis", "--at", "1:00"])
            .assert(),
        "no time offsets",
    );
}

#[test]
fn undated_subtitles_are_indexed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mitschnitt.vtt");
    std::fs::write(
        &f,
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nDie Pegel steigen.\n",
    )
    .unwrap();
    let idx = empty_index();
    archivar_in(idx.path())
        .arg("index")
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "mitschnitt.vtt: no broadcast date",
        ))
        .stderr(predicate::str::contains("indexed undated"));
    let r = search_json(idx.path(), &["Pegel"], 0);
    assert_eq!(r.hits[0].date, None);
    // The index-time options fill in what the file does not say.
    let idx = empty_index();
    archivar_in(idx.path())
        .args(["index", "--date", "01.03.2025", "--program", "WDR 5"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr("");
    let r = search_json(idx.path(), &["Pegel"], 0);
    assert_eq!(r.hits[0].date.as_deref(), Some("2025-03-01"));
    assert_eq!(r.hits[0].program.as_deref(), Some("WDR 5"));
}

#[test]
fn broken_subtitles_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kaputt.xml"),
        "<tt:tt xmlns:tt=\"http://www.w3.org/ns/ttml\">\n<tt:body>\n<tt:p begin=\"00:00:01.000\">x</tt:span>\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("halb.srt"),
        "1\n00:00:01,000 --> 00:00:02,000\nGuten Abend.\n\n2\n00:00:xx,000 --> 00:00:03,000\nkaputt\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("leer.vtt"), "WEBVTT\n").unwrap();
    // XML that is not TTML is passed over like any unknown file.
    std::fs::write(dir.path().join("feed.xml"), "<rss><channel/></rss>").unwrap();
    let idx = empty_index();
    let out = archivar_in(idx.path())
        .arg("index")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "kaputt.xml:3: not well-formed XML",
        ))
        .stderr(predicate::str::contains("halb.srt:6: unreadable cue time"))
        .stderr(predicate::str::contains("leer.vtt: no cue"))
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("indexed 1 item"), "{stdout}");
    assert!(stdout.contains("feed.xml"), "{stdout}");
    assert_eq!(item_count(idx.path()), 1);
}

#[test]
fn real_tagesschau_subtitles_carry_cue_times_and_anchors() {
    let dir = shared_subtitles().join("ebu-tt-d");
    let idx = empty_index();
    archivar_in(idx.path())
        .arg("index")
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("indexed 12 items"));
    let r = search_json(idx.path(), &["Antikörper-Tests", "--limit", "20"], 0);
    let id = "03.04.2020_tagesschau, 20:00 Uhr";
    let hit = r.hit(id);
    assert_eq!(hit.date.as_deref(), Some("2020-04-03"));
    assert_eq!(hit.program.as_deref(), Some("tagesschau"));
    assert_eq!(hit.speakers, ["Judith Rakers"]);
    let cues = ttml_cues(&dir.join(format!("{id}.xml")));
    let s = hit
        .snippets
        .iter()
        .find(|s| s.marked().iter().any(|m| m.contains("Antikörper")))
        .unwrap();
    let cue = cues
        .iter()
        .find(|(_, t)| t.contains("Antikörper-Tests"))
        .unwrap();
    assert!(close(s.start.unwrap(), cue.0), "{s:?} vs {cue:?}");
    // Every anchor named in a file is a speaker of its item.
    let stats = stats_json(idx.path());
    let speakers = stats["speakers"].as_array().unwrap();
    for name in [
        "Judith Rakers",
        "Jan Hofer",
        "Thorsten Schröder",
        "Jens Riewa",
    ] {
        assert!(
            speakers.iter().any(|s| s["name"] == name),
            "{name}: {speakers:?}"
        );
    }
    // The greeting is the anchor's.
    let r = search_json(
        idx.path(),
        &[
            "ich begrüße Sie zur tagesschau",
            "--match",
            "all",
            "--limit",
            "20",
        ],
        0,
    );
    let s = &r.hit(id).snippets[0];
    assert_eq!(s.speaker.as_deref(), Some("Judith Rakers"), "{s:?}");
}

#[test]
fn real_word_level_transcripts_place_every_hit_on_a_cue() {
    let dir = shared_subtitles().join("srt-words");
    let idx = empty_index();
    archivar_in(idx.path())
        .arg("index")
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("indexed 8 items"));
    let r = search_json(
        idx.path(),
        &["impfstoff", "--limit", "20", "--snippets", "3"],
        0,
    );
    assert!(!r.hits.is_empty());
    let mut checked = 0;
    for hit in &r.hits {
        assert!(hit.date.is_some(), "date from the file name: {}", hit.id);
        let file = dir.join(format!("{}.srt", hit.id));
        let cues = srt_cues(&file);
        for s in &hit.snippets {
            // The time is that of the cue holding the first marked word.
            let first = s.marked().into_iter().next().unwrap().to_lowercase();
            let t = s.start.unwrap();
            assert!(
                cues.iter()
                    .any(|(ct, w)| close(*ct, t) && w.to_lowercase() == first),
                "{}: no cue \"{first}\" at {t}",
                hit.id
            );
            assert!(s.speaker_unknown);
            checked += 1;
        }
    }
    assert!(checked >= 5, "{checked}");
}
