//! Speaker turns in transcripts: `Christoph Heinemann: …`, `HEINEMANN: …`,
//! `Präsidentin Bärbel Bas: …`, `Dr. Alice Weidel (AfD): …`,
//! `Christian Lindner, Bundesminister der Finanzen: …`.
//!
//! A label must look like a name: "Im Gegenteil: …", "Ein Beispiel: …",
//! "Die Lottozahlen: …" start with a function word and are sentences, not
//! speakers (69 such phrases were taken for speakers in the Bundestag
//! speeches and tagesschau transcripts). The chair of a sitting
//! (`Präsidentin …`, `Vizepräsident …`, `Alterspräsident …`) speaks in a
//! [`Role::Chair`](crate::item::Role) turn and is no speaker of the
//! speech. Titles (`Dr.`, `Prof.`) are not part of a speaker's name, so
//! "Dr. Alice Weidel" and "Alice Weidel" are one speaker.

use regex::Regex;
use std::sync::OnceLock;

/// A line that opens a speaker turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnStart<'a> {
    /// The label as written, without a party in parentheses.
    pub label: &'a str,
    /// What the speaker says.
    pub text: &'a str,
    /// Whether a party in parentheses or an office after a comma follows
    /// the name, as in a parliament's protocol.
    pub qualified: bool,
}

fn label_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // One to five name words (capitalised, or particles such as "von"),
        // an optional party in parentheses, a colon, then the words said.
        // Or, for a member of the government, a comma and the office
        // ("Christian Lindner, Bundesminister der Finanzen: …"). The
        // regex ends at the first letter said: the rest of the line is
        // the text, and matching it too made this the costliest step of
        // reading a speech.
        Regex::new(
            r"^(?P<label>\p{Lu}[\p{L}\-.'’]*(?:\s+(?:\p{Lu}[\p{L}\-.'’]*|von|van|der|de|zu|vom|den|dem)){0,4})(?:(?:\s*\((?P<party>[^()]{1,40})\)){1,2}|,\s+(?P<office>\p{L}[\p{L}\s\-.,]{2,}))?:\s+(?P<text>\S)",
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
    let line = line.trim();
    if !line.contains(':') {
        return None;
    }
    let caps = label_re().captures(line)?;
    let label = caps.name("label")?.as_str();
    let text = &line[caps.name("text")?.start()..];
    if text.contains('\n') {
        return None;
    }
    if !(ends_sentence(text) || text.chars().count() > 100) || !looks_like_name(label) {
        return None;
    }
    // An office needs a name before it: "Berlin, Hamburg und München: …"
    // is a list. It is at most 101 letters (a bounded repeat of a Unicode
    // class in the regex would compile to a hundred copies of it).
    if let Some(office) = caps.name("office")
        && (label.split_whitespace().count() < 2 || office.as_str().chars().count() > 101)
    {
        return None;
    }
    let qualified = caps.name("party").is_some() || caps.name("office").is_some();
    Some(TurnStart {
        label,
        text,
        qualified,
    })
}

/// Words that start a German sentence or phrase but never a name: articles,
/// prepositions (also fused with an article), pronouns, conjunctions and
/// adverbs. "Im Gegenteil", "Ein Beispiel", "Die Lottozahlen", "Unser
/// Fazit" are thus no speakers.
const NOT_NAMES: &[&str] = &[
    "Der",
    "Die",
    "Das",
    "Den",
    "Dem",
    "Des",
    "Ein",
    "Eine",
    "Einen",
    "Einem",
    "Einer",
    "Eines",
    "Kein",
    "Keine",
    "Im",
    "Am",
    "Zum",
    "Zur",
    "Vom",
    "Beim",
    "Ins",
    "Ans",
    "Aufs",
    "In",
    "Auf",
    "An",
    "Mit",
    "Nach",
    "Bei",
    "Für",
    "Aus",
    "Über",
    "Unter",
    "Vor",
    "Seit",
    "Bis",
    "Durch",
    "Gegen",
    "Ohne",
    "Um",
    "Ich",
    "Du",
    "Er",
    "Sie",
    "Es",
    "Wir",
    "Ihr",
    "Man",
    "Mein",
    "Meine",
    "Dein",
    "Deine",
    "Sein",
    "Seine",
    "Unser",
    "Unsere",
    "Euer",
    "Eure",
    "Ihre",
    "Dieser",
    "Diese",
    "Dieses",
    "Jeder",
    "Jede",
    "Jedes",
    "Alle",
    "Alles",
    "Viele",
    "Manche",
    "Was",
    "Wer",
    "Wie",
    "Wo",
    "Warum",
    "Wann",
    "Und",
    "Aber",
    "Oder",
    "Doch",
    "Denn",
    "Also",
    "Nur",
    "Auch",
    "Noch",
    "Schon",
    "Jetzt",
    "Heute",
    "Morgen",
    "Gestern",
    "Hier",
    "Dort",
    "Dann",
    "So",
    "Da",
    "Nun",
    "Immer",
    "Nie",
    "Kurz",
    "Klar",
    "Fest",
    "Sicher",
    "Wichtig",
    "Gut",
    "Besonders",
    "Erstens",
    "Zweitens",
    "Drittens",
    "Fazit",
    "Achtung",
    "Zitat",
    "Thema",
    "Frage",
    "Zu",
    "Zurück",
    "Zuerst",
    "Von",
    "Neben",
    "Wegen",
    "Unabhängig",
    "Hinsichtlich",
    "Bezüglich",
    "Angesichts",
    "Abgesehen",
    "Abschließend",
    "Allein",
    "All",
    "Einige",
    "Einiges",
    "Entgegen",
    "Gerade",
    "Genug",
    "Ganz",
    "Grundsätzlich",
    "Konkret",
    "Kurzum",
    "Nochmals",
    "Übrigens",
    "Daher",
    "Darum",
    "Deshalb",
    "Deswegen",
    "Trotzdem",
    "Dennoch",
    "Außerdem",
    "Zudem",
    "Natürlich",
    "Leider",
    "Tatsächlich",
    "Richtig",
    "Falsch",
    "Fakt",
    "Beispiel",
    "Stichwort",
    "Grund",
    "Neu",
    "Nicht",
    "Ob",
    "Sei",
    "Minute",
    "Kollegen",
    "Mitglieder",
    "Vertreter",
    "Abgeordnete",
    "Ergebnis",
    "Problem",
    "Punkt",
    "Ziel",
    "Antwort",
    "Wahr",
    "It",
    // Forms of address and counting: "Herr Kollege Müller: …", "Liebe
    // Koalition: …", "Erste Säule: …", "Besten Dank: …".
    "Herr",
    "Frau",
    "Liebe",
    "Lieber",
    "Liebes",
    "Werte",
    "Werter",
    "Sehr",
    "Kollege",
    "Kollegin",
    "Apropos",
    "Weil",
    "Weitere",
    "Weiterer",
    "Nächste",
    "Nächstes",
    "Nächster",
    "Erste",
    "Erster",
    "Erstes",
    "Zweite",
    "Zweiter",
    "Zweites",
    "Dritte",
    "Dritter",
    "Drittes",
    "Vierte",
    "Vierter",
    "Letzte",
    "Letzter",
    "Letztes",
    "Besten",
    "Vielen",
    "Herzlichen",
    "Zwei",
    "Drei",
    "Vier",
    // Parties, agencies, broadcasters: "CDU: …" is no person.
    "AfD",
    "Afd",
    "Cdu",
    "Csu",
    "Spd",
    "Fdp",
    "Bsw",
    "Grüne",
    "Linke",
    "Bka",
    "Zdf",
    "Ard",
    "Ndr",
    "Wdr",
    "Swr",
    "Mdr",
    "Rbb",
    "Eu",
    "Un",
    "Usa",
    "Nato",
];

/// Endings of German abstract nouns, never of a first name: "Erhöhung von
/// Strafrahmen", "Einigkeit der Alliierten", "Zusammenfassung der …".
const NOUN_ENDINGS: &[&str] = &[
    "ung", "ungen", "heit", "keit", "schaft", "tion", "tionen", "tät", "nis", "ismus",
];

/// Whether a label can be a name or a role and a name: no word of it is a
/// function word ("Im Gegenteil", "Ein Beispiel", "Die Lottozahlen").
pub fn looks_like_name(label: &str) -> bool {
    let words: Vec<&str> = label.split_whitespace().collect();
    // "der", "den", "dem" in a name follow "von" or "van" ("von der
    // Leyen"); "Angesichts der Kritik", "Zu den Kosten" are phrases.
    let articles_fit = words.iter().enumerate().all(|(i, w)| {
        !matches!(*w, "der" | "den" | "dem")
            || (i > 0 && matches!(words[i - 1], "von" | "van" | "in"))
    });
    if !articles_fit || words.len() > 1 && NOUN_ENDINGS.iter().any(|e| words[0].ends_with(e)) {
        return false;
    }
    // A word with a full stop is a title or an initial ("Dr.", "h.c.",
    // "A."), not the end of a sentence ("Zweitens. Europa").
    if words
        .iter()
        .any(|w| w.ends_with('.') && w.chars().count() > 5)
    {
        return false;
    }
    match words.first() {
        Some(first) if NOT_NAMES.contains(first) => false,
        // A caps label ("HEINEMANN", "DIE LOTTOZAHLEN") by the same rule.
        Some(_) => !words.iter().any(|w| {
            let t = title_case(w);
            w.chars().all(|c| !c.is_lowercase())
                && w.chars().count() > 1
                && NOT_NAMES.contains(&t.as_str())
        }),
        None => false,
    }
}

/// The chair of a sitting: a label starting with the office of the
/// Bundestag's president or vice-president ("Präsidentin Bärbel Bas",
/// "Vizepräsident Omid Nouripour", "Alterspräsident Dr. Gregor Gysi").
pub fn is_chair(label: &str) -> bool {
    label
        .split_whitespace()
        .next()
        .is_some_and(|w| CHAIRS.contains(&w))
        && label.split_whitespace().count() >= 2
}

const CHAIRS: &[&str] = &[
    "Präsident",
    "Präsidentin",
    "Vizepräsident",
    "Vizepräsidentin",
    "Alterspräsident",
    "Alterspräsidentin",
];

/// A name without academic titles: "Dr. Alice Weidel" → "Alice Weidel",
/// "Prof. Dr. Claudia Major" → "Claudia Major"; used for names given in a
/// `speaker` field, so that they meet the names of the turn labels.
pub fn without_titles(name: &str) -> &str {
    let mut rest = name.trim();
    while let Some((first, tail)) = rest.split_once(char::is_whitespace) {
        if !is_title(first) || tail.trim().is_empty() {
            break;
        }
        rest = tail.trim_start();
    }
    rest
}

fn is_title(word: &str) -> bool {
    matches!(
        word,
        "Dr."
            | "Prof."
            | "Dres."
            | "h."
            | "c."
            | "h.c."
            | "med."
            | "phil."
            | "rer."
            | "nat."
            | "jur."
            | "pol."
            | "oec."
            | "habil."
            | "Dipl.-Ing."
            | "Ing."
    )
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
    fn labels_look_like_names() {
        for phrase in [
            "Im Gegenteil",
            "Ein Beispiel",
            "Die Lottozahlen",
            "DIE LOTTOZAHLEN",
            "Zu den Kosten",
            "Angesichts der Kritik",
            "Erhöhung von Strafrahmen",
            "Deshalb",
            "CDU",
            "Herr Kollege Müller",
            "Zweitens. Europa",
        ] {
            assert!(!looks_like_name(phrase), "{phrase}");
        }
        for name in [
            "Alice Weidel",
            "Ursula von der Leyen",
            "Christoph de Vries",
            "Präsidentin Bärbel Bas",
            "HEINEMANN",
            "Karl-Theodor zu Guttenberg",
        ] {
            assert!(looks_like_name(name), "{name}");
        }
        assert!(is_chair("Vizepräsidentin Andrea Lindholz"));
        assert!(is_chair("Alterspräsident Dr. Gregor Gysi"));
        assert!(!is_chair("Bundespräsident Frank-Walter Steinmeier"));
        assert_eq!(without_titles("Prof. Dr. Claudia Major"), "Claudia Major");
        assert_eq!(without_titles("Dr."), "Dr.");
        let t = parse_turn("Christian Lindner, Bundesminister der Finanzen: Vielen Dank.").unwrap();
        assert_eq!(t.label, "Christian Lindner");
        let t = parse_turn("Stephan Mayer (Altötting) (CDU/CSU): Das stimmt nicht.").unwrap();
        assert_eq!(t.label, "Stephan Mayer");
        assert_eq!(parse_turn("Berlin, Hamburg und München: Es regnet."), None);
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
