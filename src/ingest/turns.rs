//! Speaker turns in transcripts: `Christoph Heinemann: …`, `HEINEMANN: …`,
//! `Präsidentin Bärbel Bas: …`, `Dr. Alice Weidel (AfD): …`.

use regex::Regex;
use std::sync::OnceLock;

/// A line that opens a speaker turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnStart<'a> {
    /// The label as written, without a party in parentheses.
    pub label: &'a str,
    /// What the speaker says.
    pub text: &'a str,
}

fn label_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // One to five name words (capitalised, or particles such as "von"),
        // an optional party in parentheses, a colon, then the words said.
        Regex::new(
            r"^(?P<label>\p{Lu}[\p{L}\-.'’]*(?:\s+(?:\p{Lu}[\p{L}\-.'’]*|von|van|der|de|zu|vom|den|dem)){0,4})(?:\s*\((?P<party>[^()]{1,40})\))?:\s+(?P<text>\S.*)$",
        )
        .expect("turn regex is valid")
    })
}

/// Whether the text ends a sentence: final punctuation, maybe followed by
/// closing quotes or brackets.
pub fn ends_sentence(text: &str) -> bool {
    let t = text.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '“' | '”' | '»' | '«' | '\'' | ')' | ']' | '’')
    });
    t.ends_with(['.', '!', '?', '…', ':', ';'])
}

/// Parse a turn label at the start of a line. A line is a turn when the
/// label is followed by a sentence (final punctuation) or by long text, so
/// that subheadings such as "Verteidigungsminister: NATO-Beitritt
/// unrealistisch" are not taken for turns.
pub fn parse_turn(line: &str) -> Option<TurnStart<'_>> {
    let caps = label_re().captures(line.trim())?;
    let label = caps.name("label")?.as_str();
    let text = caps.name("text")?.as_str();
    if !(ends_sentence(text) || text.chars().count() > 100) {
        return None;
    }
    Some(TurnStart { label, text })
}

/// Whether a label is strong evidence of a speaker on its own: two or more
/// words ("Christoph Heinemann") or all capitals ("HEINEMANN"). A single
/// mixed-case word ("Washington: …" is a dateline) needs to recur.
pub fn is_strong_label(label: &str) -> bool {
    label.split_whitespace().count() >= 2
        || (label.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && label.chars().all(|c| !c.is_lowercase()))
}

/// The display name of a label: an all-caps surname becomes the full name
/// seen earlier in the item ("HEINEMANN" → "Christoph Heinemann"), or is
/// title-cased if there is none.
pub fn speaker_name(label: &str, known: &[String]) -> String {
    let label = strip_roles(label);
    let is_caps =
        label.chars().any(|c| c.is_alphabetic()) && label.chars().all(|c| !c.is_lowercase());
    if !is_caps {
        return label.to_string();
    }
    let lower: String = label.chars().flat_map(char::to_lowercase).collect();
    if let Some(full) = known.iter().find(|k| {
        k.split_whitespace()
            .last()
            .is_some_and(|last| last.to_lowercase() == lower)
    }) {
        return full.clone();
    }
    title_case(label)
}

/// Words before a name that are a role or title, not the name: the chair
/// of the Bundestag ("Präsidentin Bärbel Bas") and academic titles ("Dr.").
const ROLES: &[&str] = &[
    "Präsident",
    "Präsidentin",
    "Vizepräsident",
    "Vizepräsidentin",
    "Alterspräsident",
    "Alterspräsidentin",
    "Prof.",
    "Dr.",
];

/// The label without leading roles and titles, as long as a name is left.
fn strip_roles(label: &str) -> &str {
    let mut rest = label.trim();
    while let Some((first, tail)) = rest.split_once(char::is_whitespace) {
        let is_role =
            ROLES.contains(&first) || (first.ends_with('.') && first.chars().count() <= 5);
        if !is_role || tail.trim().is_empty() {
            break;
        }
        rest = tail.trim_start();
    }
    rest
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphabetic();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interview_turns() {
        let t = parse_turn("Christoph Heinemann: Frau Baerbock, wie geht es weiter?").unwrap();
        assert_eq!(t.label, "Christoph Heinemann");
        assert_eq!(t.text, "Frau Baerbock, wie geht es weiter?");
        assert_eq!(parse_turn("HEINEMANN: Warum?").unwrap().label, "HEINEMANN");
        let t = parse_turn("Dr. Alice Weidel (AfD): Meine Damen und Herren!").unwrap();
        assert_eq!(t.label, "Dr. Alice Weidel");
        assert_eq!(
            parse_turn("Präsidentin Bärbel Bas: Das Wort hat der Kollege.")
                .unwrap()
                .label,
            "Präsidentin Bärbel Bas"
        );
    }

    #[test]
    fn subheadings_and_prose_are_not_turns() {
        assert_eq!(
            parse_turn(
                "US-Verteidigungsminister: Ukrainische NATO-Mitgliedschaft \"unrealistisch\""
            ),
            None
        );
        assert_eq!(parse_turn("Er sagte: Wir werden das schaffen."), None);
        assert_eq!(parse_turn("Die Lage ist ernst. Scholz: Wir handeln."), None);
    }

    #[test]
    fn caps_labels_map_to_full_names() {
        let known = vec!["Christoph Heinemann".to_string()];
        assert_eq!(speaker_name("HEINEMANN", &known), "Christoph Heinemann");
        assert_eq!(speaker_name("BAERBOCK", &known), "Baerbock");
        assert_eq!(
            speaker_name("Annalena Baerbock", &known),
            "Annalena Baerbock"
        );
        assert_eq!(speaker_name("Präsidentin Bärbel Bas", &known), "Bärbel Bas");
        assert_eq!(
            speaker_name("Prof. Dr. Claudia Major", &known),
            "Claudia Major"
        );
        assert_eq!(speaker_name("Dr.", &known), "Dr.");
    }

    #[test]
    fn strong_labels() {
        assert!(is_strong_label("Christoph Heinemann"));
        assert!(is_strong_label("HEINEMANN"));
        assert!(!is_strong_label("Washington"));
    }
}
