//! German number words and digits meet: "viertausenddreihundertneunundsechzig"
//! and "4369", "zwanzig" and "20", "neunzehnhundertneunundachtzig" and
//! "1989". Speech recognition writes numbers one way, subtitles and news
//! texts the other, and a query may use either.
//!
//! Numbers from 0 to 999,999 are read and written, in one word, as German
//! writes them (Duden): "einundzwanzig", "hunderteins", "zweitausend", and
//! the years 1100–1999 also as "neunzehnhundert…".

/// Largest number handled.
pub const MAX: u64 = 999_999;

const UNITS: [&str; 20] = [
    "null", "eins", "zwei", "drei", "vier", "funf", "sechs", "sieben", "acht", "neun", "zehn",
    "elf", "zwolf", "dreizehn", "vierzehn", "funfzehn", "sechzehn", "siebzehn", "achtzehn",
    "neunzehn",
];

const TENS: [&str; 10] = [
    "", "", "zwanzig", "dreissig", "vierzig", "funfzig", "sechzig", "siebzig", "achtzig", "neunzig",
];

/// A word in the spelling the parser reads: lower case, umlauts as plain
/// vowels, ß as ss ("Fünf", "fuenf" → "funf").
fn plain(word: &str) -> String {
    let lower: String = word.chars().flat_map(char::to_lowercase).collect();
    lower
        .replace('ß', "ss")
        .replace("ue", "u")
        .replace('ü', "u")
        .replace("oe", "o")
        .replace('ö', "o")
}

/// The number a German number word stands for ("Dreißig" → 30,
/// "neunzehnhundertneunundachtzig" → 1989); `None` for other words.
pub fn parse(word: &str) -> Option<u64> {
    let w = plain(word);
    if w.len() < 3 || !w.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    if w == "null" {
        return Some(0);
    }
    thousands(&w).filter(|n| *n > 0)
}

fn thousands(w: &str) -> Option<u64> {
    if let Some(i) = w.find("tausend") {
        let (left, right) = (&w[..i], &w[i + "tausend".len()..]);
        // Before "tausend", 1 is "ein": "hunderteintausend".
        let left = match left.strip_suffix("ein") {
            Some(l) if !l.is_empty() && !l.ends_with("und") => format!("{l}eins"),
            _ => left.to_string(),
        };
        let high = if left.is_empty() || left == "ein" {
            1
        } else {
            hundreds(&left).filter(|n| (1..1000).contains(n))?
        };
        let low = if right.is_empty() {
            0
        } else {
            hundreds(right).filter(|n| *n < 1000)?
        };
        return Some(high * 1000 + low);
    }
    hundreds(w)
}

fn hundreds(w: &str) -> Option<u64> {
    if let Some(i) = w.find("hundert") {
        let (left, right) = (&w[..i], &w[i + "hundert".len()..]);
        let high = if left.is_empty() || left == "ein" {
            1
        } else {
            // "neunzehnhundert" (1900) as years are said.
            below_100(left).filter(|n| (1..100).contains(n))?
        };
        let low = if right.is_empty() {
            0
        } else {
            below_100(right)?
        };
        return Some(high * 100 + low);
    }
    below_100(w)
}

fn below_100(w: &str) -> Option<u64> {
    if let Some(n) = UNITS.iter().position(|u| *u == w) {
        return Some(n as u64);
    }
    if let Some(t) = TENS.iter().position(|t| !t.is_empty() && *t == w) {
        return Some(t as u64 * 10);
    }
    let (unit, tens) = w.split_once("und")?;
    let u = match unit {
        "ein" => 1,
        _ => UNITS[2..10].iter().position(|x| *x == unit)? as u64 + 2,
    };
    let t = TENS.iter().position(|x| !x.is_empty() && *x == tens)? as u64;
    Some(t * 10 + u)
}

/// The number words of `n` (at most [`MAX`]), in the parser's spelling:
/// the usual one first, then others in use ("eintausend", and
/// "neunzehnhundert…" for the years 1100–1999).
pub fn words(n: u64) -> Vec<String> {
    if n > MAX {
        return Vec::new();
    }
    let mut out = vec![write(n, false)];
    if (1000..2000).contains(&n) {
        out.push(write(n, true));
    }
    if (1100..2000).contains(&n) && n % 1000 >= 100 {
        let low = n % 100;
        let mut y = format!("{}hundert", write_below_100(n / 100, false));
        if low > 0 {
            y.push_str(&write_below_100(low, true));
        }
        out.push(y);
    }
    out.dedup();
    out
}

fn write(n: u64, one_thousand: bool) -> String {
    if n == 0 {
        return "null".to_string();
    }
    let mut s = String::new();
    let (high, low) = (n / 1000, n % 1000);
    if high > 0 {
        if high > 1 || one_thousand {
            s.push_str(&write_below_1000(high, false));
        }
        s.push_str("tausend");
    }
    if low > 0 {
        s.push_str(&write_below_1000(low, true));
    }
    s
}

fn write_below_1000(n: u64, last: bool) -> String {
    let mut s = String::new();
    let (h, low) = (n / 100, n % 100);
    if h > 0 {
        if h > 1 {
            s.push_str(&write_below_100(h, false));
        }
        s.push_str("hundert");
    }
    if low > 0 {
        s.push_str(&write_below_100(low, last));
    }
    s
}

/// 1–99; `last`: the number ends here, so 1 is "eins", not "ein".
fn write_below_100(n: u64, last: bool) -> String {
    match n {
        1 if !last => "ein".to_string(),
        0..=19 => UNITS[n as usize].to_string(),
        _ if n.is_multiple_of(10) => TENS[(n / 10) as usize].to_string(),
        _ => {
            let unit = if n % 10 == 1 {
                "ein"
            } else {
                UNITS[(n % 10) as usize]
            };
            format!("{unit}und{}", TENS[(n / 10) as usize])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_german_number_words() {
        for (w, n) in [
            ("viertausenddreihundertneunundsechzig", 4369),
            ("zwanzig", 20),
            ("Dreißig", 30),
            ("fuenfundzwanzig", 25),
            ("einundzwanzig", 21),
            ("neunzehnhundertneunundachtzig", 1989),
            ("zweitausendfünfundzwanzig", 2025),
            ("hunderteins", 101),
            ("einhundert", 100),
            ("tausend", 1000),
            ("eintausendneunhundert", 1900),
            ("zwölf", 12),
            ("Null", 0),
            (
                "neunhundertneunundneunzigtausendneunhundertneunundneunzig",
                999_999,
            ),
        ] {
            assert_eq!(parse(w), Some(n), "{w}");
        }
    }

    #[test]
    fn other_words_are_no_numbers() {
        for w in [
            "Zwiebel",
            "und",
            "Hundertschaft",
            "tausendmal",
            "Einheit",
            "zweiundzwei",
            "achtung",
            "zehnte",
            "elfmeter",
        ] {
            assert_eq!(parse(w), None, "{w}");
        }
    }

    #[test]
    fn writes_german_number_words() {
        assert_eq!(words(4369), ["viertausenddreihundertneunundsechzig"]);
        assert_eq!(words(20), ["zwanzig"]);
        assert_eq!(words(1), ["eins"]);
        assert_eq!(words(101), ["hunderteins"]);
        assert_eq!(words(21), ["einundzwanzig"]);
        assert_eq!(
            words(1989),
            [
                "tausendneunhundertneunundachtzig",
                "eintausendneunhundertneunundachtzig",
                "neunzehnhundertneunundachtzig"
            ]
        );
        assert!(words(1_000_000).is_empty());
    }

    #[test]
    fn writing_and_reading_meet_for_every_number() {
        for n in 0..=MAX {
            for w in words(n) {
                assert_eq!(parse(&w), Some(n), "{w}");
            }
        }
    }
}
