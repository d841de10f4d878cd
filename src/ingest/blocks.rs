//! Body text to blocks: paragraphs, subheadings, image captions with their
//! credits, and speaker turns. Shared by the text and JSON Lines readers.

use super::turns::{TurnStart, ends_sentence, is_chair, is_strong_label, parse_turn, speaker_name};
use crate::item::{Block, BlockKind, Role};
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Longest line taken for a subheading or an image's alternative text.
const HEADING_MAX_CHARS: usize = 120;

fn credit_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // A caption ends with a photo credit in parentheses: agencies
        // separated by slashes, or a known agency name.
        Regex::new(
            r"(?i)^(?P<caption>.*?)\s*\((?P<credit>[^()]*(?:\s/\s|imago|picture[ -]alliance|dpa|afp|reuters|getty|epa|keystone|photothek|ap photo)[^()]*)\)\s*$",
        )
        .expect("credit regex is valid")
    })
}

/// Split a caption line into caption and credit.
pub fn split_credit(line: &str) -> Option<(&str, &str)> {
    let caps = credit_re().captures(line)?;
    Some((
        caps.name("caption")?.as_str(),
        caps.name("credit")?.as_str(),
    ))
}

fn is_heading_like(line: &str) -> bool {
    line.chars().count() <= HEADING_MAX_CHARS && !ends_sentence(line)
}

/// A line of body text with its 1-based line number and whether a blank
/// line stands before it.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// The text, trimmed.
    pub text: &'a str,
    /// Whether a blank line (or the start) precedes it.
    pub after_blank: bool,
    /// Whether a blank line (or the end) follows it.
    pub before_blank: bool,
}

/// Lines of a text, trimmed, with blank-line context; blank lines dropped.
pub fn lines(text: &str) -> Vec<Line<'_>> {
    let raw: Vec<&str> = text.lines().map(str::trim).collect();
    let mut out = Vec::new();
    for (i, l) in raw.iter().enumerate() {
        if l.is_empty() {
            continue;
        }
        out.push(Line {
            text: l,
            after_blank: i == 0 || raw[i - 1].is_empty(),
            before_blank: i + 1 == raw.len() || raw[i + 1].is_empty(),
        });
    }
    out
}

/// Classify body lines into blocks; `speakers` collects the speakers found.
/// The first plain paragraph is the lead when `first_is_lead`.
pub fn classify(lines: &[Line<'_>], first_is_lead: bool, speakers: &mut Vec<String>) -> Vec<Block> {
    classify_with_main(lines, first_is_lead, speakers, None)
}

/// [`classify`], for an item whose `main` speaker is known (a JSON Lines
/// item's `speaker`): in a body with labelled turns, the text before the
/// first label is the main speaker's turn (a Bundestag speech opens
/// without a label, and the chair's and hecklers' turns follow).
pub fn classify_with_main(
    lines: &[Line<'_>],
    first_is_lead: bool,
    speakers: &mut Vec<String>,
    main: Option<&str>,
) -> Vec<Block> {
    // Weak labels (one mixed-case word) count only when they recur.
    // Each line's label, parsed once (the regex is the costliest step of
    // reading a speech).
    let turns: Vec<Option<TurnStart<'_>>> = lines.iter().map(|l| parse_turn(l.text)).collect();
    let mut label_counts: HashMap<&str, usize> = HashMap::new();
    for t in turns.iter().flatten() {
        *label_counts.entry(t.label).or_default() += 1;
    }
    // A protocol (Bundestag speeches) labels each turn with a party, an
    // office or the chair's role; there, "Klare Ansage: …" inside a speech
    // is the speaker's sentence, not a turn of a "Klare Ansage".
    let protocol = turns
        .iter()
        .flatten()
        .any(|t| t.qualified || is_chair(t.label));
    // With a known main speaker, an unqualified label ("Konkrete Frage:
    // …") must recur, as an interviewer's or guest's does.
    let is_turn = |t: &TurnStart<'_>, speakers: &[String]| {
        let recurs = label_counts.get(t.label).copied().unwrap_or(0) >= 2;
        let label_ok = (is_strong_label(t.label) && main.is_none()) || recurs;
        t.qualified
            || is_chair(t.label)
            || speakers.contains(&speaker_name(t.label, speakers))
            || (!protocol && label_ok)
    };
    let has_labels = turns.iter().flatten().any(|t| is_turn(t, &speakers[..]));
    let mut opening = main.filter(|_| has_labels).map(str::to_string);
    let mut blocks: Vec<Block> = Vec::new();
    let mut current_speaker: Option<String> = None;
    let mut current_role: Option<Role> = None;
    let mut lead_given = !first_is_lead;
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        if let Some(t) = turns[i]
            && is_turn(&t, &speakers[..])
        {
            let name = speaker_name(t.label, speakers);
            // The chair gives the floor in every speech of a sitting: a
            // role, not a speaker of the speech.
            let role = is_chair(t.label).then_some(Role::Chair);
            if role.is_none() && !speakers.contains(&name) {
                speakers.push(name.clone());
            }
            current_speaker = Some(name.clone());
            current_role = role;
            opening = None;
            let mut b = Block::new(BlockKind::Turn, t.text);
            b.speaker = Some(name);
            b.role = role;
            blocks.push(b);
            lead_given = true;
            i += 1;
            continue;
        }
        let is_remark = l.text.starts_with('(') && l.text.ends_with(')');
        if let (Some(main), false) = (&opening, is_remark) {
            let mut b = Block::new(BlockKind::Turn, l.text);
            b.speaker = Some(main.clone());
            blocks.push(b);
            lead_given = true;
            i += 1;
            continue;
        }
        if let Some((caption, credit)) = split_credit(l.text) {
            // A credit alone, "(IMAGO / ABACAPRESS)", has no caption.
            if !caption.trim().is_empty() {
                blocks.push(Block::new(BlockKind::Caption, caption));
            }
            blocks.push(Block::new(BlockKind::Credit, credit));
            i += 1;
            continue;
        }
        let next_is_caption = lines
            .get(i + 1)
            .is_some_and(|n| !n.after_blank && split_credit(n.text).is_some());
        if is_heading_like(l.text) && next_is_caption {
            // The image's alternative text, right above its caption.
            blocks.push(Block::new(BlockKind::Caption, l.text));
            i += 1;
            continue;
        }
        if is_heading_like(l.text) && l.after_blank && l.before_blank && i + 1 < lines.len() {
            blocks.push(Block::new(BlockKind::Subheading, l.text));
            current_speaker = None;
            current_role = None;
            i += 1;
            continue;
        }
        // Prose; a protocol remark "(Beifall bei der SPD)" has no speaker.
        if let (Some(s), false) = (&current_speaker, is_remark) {
            // A turn goes on until a blank line and a new label.
            let continues =
                !l.after_blank || blocks.last().is_some_and(|b| b.kind == BlockKind::Turn);
            if continues {
                let mut b = Block::new(BlockKind::Turn, l.text);
                b.speaker = Some(s.clone());
                b.role = current_role;
                blocks.push(b);
                i += 1;
                continue;
            }
        }
        let kind = if lead_given {
            BlockKind::Paragraph
        } else {
            lead_given = true;
            BlockKind::Lead
        };
        blocks.push(Block::new(kind, l.text));
        i += 1;
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_split_off() {
        assert_eq!(
            split_credit("US-Präsident Donald Trump (IMAGO / ABACAPRESS / IMAGO / Pool / ABACA)"),
            Some((
                "US-Präsident Donald Trump",
                "IMAGO / ABACAPRESS / IMAGO / Pool / ABACA"
            ))
        );
        assert_eq!(
            split_credit("Scholz in Berlin (picture alliance / dpa / Kay Nietfeld)").map(|c| c.1),
            Some("picture alliance / dpa / Kay Nietfeld")
        );
        assert_eq!(split_credit("Die Partei (SPD) lehnt das ab."), None);
    }

    #[test]
    fn interview_blocks() {
        let text = "Christoph Heinemann: Frau Baerbock, brauchen wir eine Waffenruhe?\n\
                    Annalena Baerbock: Ja, und zwar sofort.\n\
                    HEINEMANN: Warum jetzt?\n\
                    BAERBOCK: Weil Menschen sterben.";
        let mut speakers = Vec::new();
        let blocks = classify(&lines(text), true, &mut speakers);
        assert_eq!(speakers, vec!["Christoph Heinemann", "Annalena Baerbock"]);
        assert_eq!(blocks.len(), 4);
        assert_eq!(blocks[3].speaker.as_deref(), Some("Annalena Baerbock"));
        assert_eq!(blocks[3].text, "Weil Menschen sterben.");
    }

    #[test]
    fn phrases_with_a_colon_are_not_speakers() {
        // Row 16 of issue 12: 69 such phrases were speakers.
        let text = "Im Gegenteil: Die Lage hat sich verschärft.\n\n\
                    Ein Beispiel: In Bayern fehlen Lehrer.\n\n\
                    Die Lottozahlen: 3, 7, 12, 25, 31, 44.\n\n\
                    Im Gegenteil: Es wird teurer.";
        let mut speakers = Vec::new();
        let blocks = classify(&lines(text), true, &mut speakers);
        assert!(speakers.is_empty(), "{speakers:?}");
        assert!(blocks.iter().all(|b| b.speaker.is_none()));
    }

    #[test]
    fn a_speech_opens_with_its_speaker_and_the_chair_is_a_role() {
        let text = "Frau Präsidentin! Wir wollen die Schuldenbremse ab 2023 einhalten.\n\
                    (Beifall bei der FDP)\n\
                    Das verlangt Disziplin.\n\n\
                    Präsidentin Bärbel Bas: Herr Minister, gestatten Sie eine Zwischenfrage?\n\n\
                    Bettina Hagedorn (SPD): Wie viel Disziplin braucht die Schuldenbremse?\n\n\
                    Christian Lindner, Bundesminister der Finanzen: Sehr viel, Frau Kollegin.\n\n\
                    Vizepräsident Dr. Gregor Gysi: Das Wort hat nun der Kollege Brandner.";
        let mut speakers = vec!["Christian Lindner".to_string()];
        let blocks = classify_with_main(
            &lines(text),
            false,
            &mut speakers,
            Some("Christian Lindner"),
        );
        assert_eq!(speakers, ["Christian Lindner", "Bettina Hagedorn"]);
        let who: Vec<(Option<&str>, Option<Role>)> = blocks
            .iter()
            .map(|b| (b.speaker.as_deref(), b.role))
            .collect();
        assert_eq!(
            who,
            [
                (Some("Christian Lindner"), None),
                (None, None),
                (Some("Christian Lindner"), None),
                (Some("Bärbel Bas"), Some(Role::Chair)),
                (Some("Bettina Hagedorn"), None),
                (Some("Christian Lindner"), None),
                (Some("Gregor Gysi"), Some(Role::Chair)),
            ]
        );
        assert_eq!(blocks[1].kind, BlockKind::Paragraph);
    }

    #[test]
    fn datelines_are_not_speakers() {
        let text =
            "Washington: Der US-Präsident hat neue Zölle angekündigt.\n\nDas trifft auch Stahl.";
        let mut speakers = Vec::new();
        let blocks = classify(&lines(text), true, &mut speakers);
        assert!(speakers.is_empty());
        assert_eq!(blocks[0].kind, BlockKind::Lead);
    }
}
