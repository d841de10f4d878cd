//! Stories inside broadcasts (issue 15), through the real binary: a hit
//! names the story its words are in, `show --story` prints it, and short
//! items have none. The small archive is `tests/fixtures/stories/`: an
//! invented evening bulletin of six reports (greeting and rail strike,
//! flood on the Oder, budget, moon landing, cup final, weather), as
//! WebVTT with 2.5 s pauses between reports and as JSON Lines without
//! times, and a two-sentence item.

mod common;

use common::*;
use predicates::prelude::*;
use serde_json::Value;

fn stories_index() -> tempfile::TempDir {
    index_of(&fixture("stories"))
}

#[test]
fn a_hit_names_its_story_and_span() {
    let idx = stories_index();
    let r = search_json(idx.path(), &["Hochwasser", "Oder", "--no-collapse"], 0);
    let timed = r.hit("sendung");
    assert_eq!(
        timed.story,
        Some(HitStory {
            number: 2,
            of: 6,
            passages: [6, 10],
            start: Some(70.2),
            end: Some(123.9),
        })
    );
    // The snippet comes from that story.
    assert!(
        timed.snippets[0].text.contains("Oder"),
        "{:?}",
        timed.snippets
    );
    let untimed = r.hit("abendschau-2024-05-21");
    let story = untimed.story.as_ref().expect("a story");
    assert!(story.start.is_none() && story.end.is_none());
    assert!(story.of >= 4, "{story:?}");
    // The terminal says it, with the command that shows it; untimed, the
    // passages.
    archivar_in(idx.path())
        .args([
            "search",
            "Pokalfinale",
            "Freiburg",
            "--no-collapse",
            "--color",
            "never",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "story 5 of 6, 03:33\u{2013}04:13 (show sendung --story 5)",
        ))
        .stdout(
            predicate::str::is_match(
                r"story \d of \d, passages \d+–\d+ \(show abendschau-2024-05-21 --story \d\)",
            )
            .unwrap(),
        );
}

#[test]
fn show_prints_one_story() {
    let idx = stories_index();
    let out = archivar_in(idx.path())
        .args(["show", "sendung", "--story", "2", "--color", "never"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("01:10 (speaker unknown) An der Oder steigt das Hochwasser weiter."),
        "{text}"
    );
    assert!(text.contains("rund um die Uhr."), "{text}");
    // Nothing of the strike before it or the budget after it.
    assert!(!text.contains("Lokführer"), "{text}");
    assert!(!text.contains("Bundestag"), "{text}");
    // As JSON: an item, cut to the story, times kept.
    let out = archivar_in(idx.path())
        .args(["show", "sendung", "--story", "6", "--json"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_valid("item.v1.schema.json", &v);
    let blocks = v["blocks"].as_array().unwrap();
    assert!(
        blocks[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Und nun das Wetter."),
        "{v}"
    );
    assert_eq!(blocks[0]["start_ms"], 253_000);
    assert!(v.get("stories").is_none(), "{v}");
}

#[test]
fn show_says_which_stories_there_are() {
    let idx = stories_index();
    assert_error(
        archivar_in(idx.path())
            .args(["show", "sendung", "--story", "7"])
            .assert()
            .code(2),
        "item \"sendung\" has stories 1 to 6; give one of them",
    );
    assert_error(
        archivar_in(idx.path())
            .args(["show", "kurz-2024-05-21", "--story", "1"])
            .assert()
            .code(2),
        "item \"kurz-2024-05-21\" has no stories",
    );
    // --story and --at are two ways to cut an item: one at a time.
    archivar_in(idx.path())
        .args(["show", "sendung", "--story", "1", "--at", "1:00"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn show_json_lists_the_stories_in_order() {
    let idx = stories_index();
    for id in ["sendung", "abendschau-2024-05-21"] {
        let out = archivar_in(idx.path())
            .args(["show", id, "--json"])
            .assert()
            .success();
        let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_valid("item.v1.schema.json", &v);
        let stories = v["stories"].as_array().unwrap();
        assert!(stories.len() >= 4, "{id}: {stories:?}");
        assert_eq!(stories[0]["from"], serde_json::json!([0, 0]));
        for w in stories.windows(2) {
            assert_eq!(w[0]["to"], w[1]["from"], "{id}");
            assert_eq!(w[0]["positions"][1], w[1]["positions"][0], "{id}");
        }
        let blocks = v["blocks"].as_array().unwrap().len();
        assert_eq!(
            stories.last().unwrap()["to"],
            serde_json::json!([blocks, 0])
        );
    }
    // The two-sentence item is one story: none listed.
    let out = archivar_in(idx.path())
        .args(["show", "kurz-2024-05-21", "--json"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(v.get("stories").is_none(), "{v}");
}

/// The items of `data/` are single reports, interviews and bulletins of a
/// few hundred words: none is cut, and no hit names a story.
#[test]
fn the_sample_archive_has_no_stories() {
    let idx = index_of(&data_dir());
    for q in ["Selenskyj", "Zölle", "Hochwasser", "Bundestag"] {
        let r = search_json(idx.path(), &[q, "--limit", "50"], 0);
        for h in &r.hits {
            assert!(h.story.is_none(), "{q}: {} has {:?}", h.id, h.story);
        }
    }
}
