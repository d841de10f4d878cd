//! The query language, as users know it from web search and Elasticsearch's
//! `query_string`:
//!
//! | syntax | meaning |
//! |---|---|
//! | `Selenskyj Rohstoffe` | words (how many must match: see `--match`) |
//! | `"seltener Erden"` | a phrase: the words in this order |
//! | `-Trump`, `NOT Trump` | exclude items with the word |
//! | `+Ukraine` | require the word even when `--match any` |
//! | `Zölle OR Zoelle` | either |
//! | `( … )` | grouping |
//! | `title:Waffenruhe`, `speaker:"Annalena Baerbock"` | a word or phrase in one field |

use crate::error::QueryError;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A word, maybe hyphenated, maybe in a named field.
    Word {
        /// Field prefix as written, if any.
        field: Option<String>,
        /// The word.
        text: String,
    },
    /// A quoted phrase.
    Phrase {
        /// Field prefix as written, if any.
        field: Option<String>,
        /// The words between the quotes.
        text: String,
    },
    /// Exclusion.
    Not(Box<Node>),
    /// Required clause (`+word`).
    Must(Box<Node>),
    /// Any of these.
    Or(Vec<Node>),
    /// A sequence of clauses.
    And(Vec<Node>),
}

impl Node {
    /// How many words the query names: each word, and each word of a
    /// phrase, excluded or not. What a query costs grows with it.
    pub fn words(&self) -> usize {
        match self {
            Node::Word { .. } => 1,
            Node::Phrase { text, .. } => text.split_whitespace().count().max(1),
            Node::Not(n) | Node::Must(n) => n.words(),
            Node::Or(ns) | Node::And(ns) => ns.iter().map(Node::words).sum(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lex {
    Open(usize),
    Close(usize),
    Minus(usize),
    Plus(usize),
    Or(usize),
    And(usize),
    Not(usize),
    Word(Option<String>, String),
    Phrase(Option<String>, String),
    /// `title:(` … `)`: a field for every word of the group that follows.
    Field(String, usize),
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '„' | '“' | '”' | '»' | '«')
}

fn marker(col: usize) -> String {
    " ".repeat(col.saturating_sub(1))
}

/// Parse a query. `is_field` says whether a `name:` prefix names a field;
/// a prefix that does not is part of the word ("re:publica").
pub fn parse(
    query: &str,
    is_field: &dyn Fn(&str) -> bool,
    known: &str,
) -> Result<Node, QueryError> {
    parse_noted(query, is_field, known).map(|(node, _)| node)
}

/// [`parse`], with notes for the user: a word that looks like a field
/// prefix but names none ("autor:Müller") is searched as words, and the
/// note lists the fields there are (`known`).
pub fn parse_noted(
    query: &str,
    is_field: &dyn Fn(&str) -> bool,
    known: &str,
) -> Result<(Node, Vec<String>), QueryError> {
    let mut notes = Vec::new();
    let lex = lex(query, is_field, known, &mut notes)?;
    if lex.is_empty() {
        return Err(QueryError::Empty);
    }
    let mut p = Parser {
        lex,
        pos: 0,
        query,
        depth: 0,
    };
    let node = p.or_expr()?;
    if let Some(l) = p.lex.get(p.pos) {
        let col = match l {
            Lex::Close(c) => *c,
            _ => 0,
        };
        return Err(QueryError::Paren {
            col,
            query: query.to_string(),
            marker: marker(col),
            hint: "this closes no parenthesis; remove it or add a \"(\" before",
        });
    }
    Ok((node, notes))
}

fn lex(
    query: &str,
    is_field: &dyn Fn(&str) -> bool,
    known: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Lex>, QueryError> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                out.push(Lex::Open(col));
                i += 1;
                continue;
            }
            ')' => {
                out.push(Lex::Close(col));
                i += 1;
                continue;
            }
            '-' | '+' => {
                let next = chars.get(i + 1).copied();
                // `"Euro Hawk"-Affäre`: a hyphen glued to a closing quote
                // joins a compound; it excludes nothing.
                if c == '-'
                    && i > 0
                    && is_quote(chars[i - 1])
                    && next.is_some_and(char::is_alphanumeric)
                {
                    i += 1;
                    continue;
                }
                // "Schule zu Hause - eine Herausforderung": a dash between
                // words, as headlines write it, is punctuation.
                if c == '-'
                    && next.is_some_and(char::is_whitespace)
                    && !out.is_empty()
                    && chars[i + 1..].iter().any(|c| !c.is_whitespace())
                {
                    i += 1;
                    continue;
                }
                if next.is_none_or(|n| n.is_whitespace() || n == ')') {
                    return Err(QueryError::Dangling {
                        op: c.to_string(),
                        col,
                        hint: if c == '-' {
                            "write -word to exclude a word"
                        } else {
                            "write +word to require a word"
                        },
                    });
                }
                out.push(if c == '-' {
                    Lex::Minus(col)
                } else {
                    Lex::Plus(col)
                });
                i += 1;
                continue;
            }
            _ => {}
        }
        if is_quote(c) {
            let (text, next) = read_phrase(&chars, i, query)?;
            out.push(Lex::Phrase(None, text));
            i = next;
            continue;
        }
        // A word runs to white space, a parenthesis or a quote.
        let start = i;
        while i < chars.len()
            && !chars[i].is_whitespace()
            && !matches!(chars[i], '(' | ')')
            && !is_quote(chars[i])
        {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if let Some((prefix, rest)) = word.split_once(':')
            && !prefix.is_empty()
            && prefix.chars().all(char::is_alphabetic)
            && is_field(prefix)
        {
            let next = chars.get(i).copied();
            if !rest.is_empty() {
                out.push(Lex::Word(Some(prefix.to_string()), rest.to_string()));
            } else if next.is_some_and(is_quote) {
                let (text, next) = read_phrase(&chars, i, query)?;
                out.push(Lex::Phrase(Some(prefix.to_string()), text));
                i = next;
            } else if next == Some('(') {
                out.push(Lex::Field(prefix.to_string(), col));
            } else {
                return Err(QueryError::EmptyField {
                    field: prefix.to_string(),
                    col,
                });
            }
            continue;
        }
        // A prefix that names no field is part of the word ("re:publica",
        // "10:30"). One that looks like a field name is noted.
        if let Some((prefix, rest)) = word.split_once(':')
            && prefix.chars().count() >= 3
            && prefix.chars().all(char::is_alphabetic)
            && rest.chars().next().is_some_and(char::is_alphabetic)
        {
            notes.push(format!(
                "\"{prefix}:\" is no field, so \"{word}\" is searched as words; the fields are {known}"
            ));
        }
        match word.as_str() {
            "OR" | "||" => out.push(Lex::Or(col)),
            "AND" | "&&" => out.push(Lex::And(col)),
            "NOT" => out.push(Lex::Not(col)),
            _ => out.push(Lex::Word(None, word)),
        }
    }
    Ok(out)
}

fn read_phrase(chars: &[char], open: usize, query: &str) -> Result<(String, usize), QueryError> {
    let mut j = open + 1;
    while j < chars.len() && !is_quote(chars[j]) {
        j += 1;
    }
    if j >= chars.len() {
        return Err(QueryError::UnclosedQuote {
            col: open + 1,
            query: query.to_string(),
            marker: marker(open + 1),
        });
    }
    Ok((chars[open + 1..j].iter().collect(), j + 1))
}

/// The exclusion of `node`. Excluding an exclusion requires what it
/// excluded: `--Zölle`, `NOT NOT Zölle` and `-(-Zölle)` require "Zölle",
/// and `-(-a -b)` requires a or b (De Morgan), instead of being a query
/// that only excludes.
fn negate(node: Node) -> Node {
    match node {
        Node::Not(inner) => required(*inner),
        Node::And(items)
            if !items.is_empty() && items.iter().all(|n| matches!(n, Node::Not(_))) =>
        {
            let mut alts: Vec<Node> = items
                .into_iter()
                .filter_map(|n| match n {
                    Node::Not(inner) => Some(*inner),
                    _ => None,
                })
                .collect();
            required(if alts.len() == 1 {
                alts.pop().expect("one")
            } else {
                Node::Or(alts)
            })
        }
        other => Node::Not(Box::new(other)),
    }
}

/// `node` required: `+word`, or a side of `AND`. An exclusion stays one,
/// and what is required already is not wrapped twice.
fn required(node: Node) -> Node {
    match node {
        n @ (Node::Must(_) | Node::Not(_)) => n,
        n => Node::Must(Box::new(n)),
    }
}

/// `title:(a "b c" OR d)`: the field for every word and phrase of a group
/// that names none of its own.
fn with_field(node: Node, name: &str) -> Node {
    match node {
        Node::Word { field: None, text } => Node::Word {
            field: Some(name.to_string()),
            text,
        },
        Node::Phrase { field: None, text } => Node::Phrase {
            field: Some(name.to_string()),
            text,
        },
        n @ (Node::Word { .. } | Node::Phrase { .. }) => n,
        Node::Not(n) => Node::Not(Box::new(with_field(*n, name))),
        Node::Must(n) => Node::Must(Box::new(with_field(*n, name))),
        Node::Or(ns) => Node::Or(ns.into_iter().map(|n| with_field(n, name)).collect()),
        Node::And(ns) => Node::And(ns.into_iter().map(|n| with_field(n, name)).collect()),
    }
}

/// How deep parentheses and prefix operators may nest. The parser and
/// everything after it recurse on the nesting, and 20,000 levels ("((((…")
/// overflowed the stack; no real query needs more than a few.
pub const MAX_DEPTH: usize = 64;

struct Parser<'q> {
    lex: Vec<Lex>,
    pos: usize,
    query: &'q str,
    depth: usize,
}

impl Parser<'_> {
    /// Go one level deeper, at `col`.
    fn enter(&mut self, col: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError::TooDeep {
                col,
                max: MAX_DEPTH,
            });
        }
        Ok(())
    }

    fn peek(&self) -> Option<&Lex> {
        self.lex.get(self.pos)
    }

    fn or_expr(&mut self) -> Result<Node, QueryError> {
        let mut alts = Vec::new();
        if let Some(Lex::Or(col)) = self.peek() {
            return Err(self.dangling_or(*col));
        }
        alts.push(self.and_expr()?);
        while let Some(Lex::Or(col)) = self.peek() {
            let col = *col;
            self.pos += 1;
            if matches!(self.peek(), None | Some(Lex::Close(_)) | Some(Lex::Or(_))) {
                return Err(self.dangling_or(col));
            }
            alts.push(self.and_expr()?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().expect("one")
        } else {
            Node::Or(alts)
        })
    }

    fn dangling_or(&self, col: usize) -> QueryError {
        QueryError::Dangling {
            op: "OR".to_string(),
            col,
            hint: "write it between two words: Zölle OR Zoelle",
        }
    }

    /// A sequence of clauses. `a AND b` requires both, as in Lucene's query
    /// syntax (`+a +b`); the other clauses of the sequence stay as they are.
    fn and_expr(&mut self) -> Result<Node, QueryError> {
        let mut items: Vec<Node> = Vec::new();
        let mut and_before = None;
        loop {
            match self.peek().cloned() {
                None | Some(Lex::Or(_)) | Some(Lex::Close(_)) => break,
                Some(Lex::And(col)) => {
                    self.pos += 1;
                    if items.is_empty()
                        || and_before.is_some()
                        || matches!(
                            self.peek(),
                            None | Some(Lex::Or(_)) | Some(Lex::Close(_)) | Some(Lex::And(_))
                        )
                    {
                        return Err(QueryError::Dangling {
                            op: "AND".to_string(),
                            col,
                            hint: "write it between two words: Rente AND Zölle",
                        });
                    }
                    and_before = Some(col);
                }
                _ => {
                    let item = self.unary()?;
                    if and_before.take().is_some() {
                        if let Some(last) = items.pop() {
                            items.push(required(last));
                        }
                        items.push(required(item));
                    } else {
                        items.push(item);
                    }
                }
            }
        }
        if let Some(col) = and_before {
            return Err(QueryError::Dangling {
                op: "AND".to_string(),
                col,
                hint: "write it between two words: Rente AND Zölle",
            });
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one")
        } else {
            Node::And(items)
        })
    }

    fn unary(&mut self) -> Result<Node, QueryError> {
        match self.peek().cloned() {
            Some(Lex::Minus(col)) | Some(Lex::Not(col)) => {
                self.pos += 1;
                if matches!(self.peek(), None | Some(Lex::Or(_)) | Some(Lex::Close(_))) {
                    return Err(QueryError::Dangling {
                        op: "NOT".to_string(),
                        col,
                        hint: "write -word or NOT word to exclude a word",
                    });
                }
                self.enter(col)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(negate(inner))
            }
            Some(Lex::Plus(col)) => {
                self.pos += 1;
                self.enter(col)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(required(inner))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Node, QueryError> {
        match self.peek().cloned() {
            Some(Lex::Open(col)) => {
                self.pos += 1;
                if matches!(self.peek(), Some(Lex::Close(_))) {
                    self.pos += 1;
                    return Ok(Node::And(Vec::new()));
                }
                self.enter(col)?;
                let inner = self.or_expr()?;
                self.depth -= 1;
                match self.peek() {
                    Some(Lex::Close(_)) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err(QueryError::Paren {
                        col,
                        query: self.query.to_string(),
                        marker: marker(col),
                        hint: "this parenthesis is not closed; add a \")\"",
                    }),
                }
            }
            Some(Lex::Field(field, col)) => {
                // The lexer emits a field group only before "(".
                self.pos += 1;
                let group = self.primary()?;
                if group.words() == 0 {
                    return Err(QueryError::EmptyField { field, col });
                }
                Ok(with_field(group, &field))
            }
            Some(Lex::Word(field, text)) => {
                self.pos += 1;
                Ok(Node::Word { field, text })
            }
            Some(Lex::Phrase(field, text)) => {
                self.pos += 1;
                Ok(Node::Phrase { field, text })
            }
            // Operators are handled by the callers; anything else is a bug.
            _ => {
                self.pos += 1;
                Ok(Node::And(Vec::new()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> Result<Node, QueryError> {
        parse(
            q,
            &|f| matches!(f, "title" | "speaker" | "program"),
            "title:, speaker:, program:",
        )
    }

    fn w(t: &str) -> Node {
        Node::Word {
            field: None,
            text: t.to_string(),
        }
    }

    #[test]
    fn words_phrases_and_operators() {
        assert_eq!(
            p("Selenskyj Rohstoffe").unwrap(),
            Node::And(vec![w("Selenskyj"), w("Rohstoffe")])
        );
        assert_eq!(
            p("\"seltener Erden\" -Trump").unwrap(),
            Node::And(vec![
                Node::Phrase {
                    field: None,
                    text: "seltener Erden".into()
                },
                Node::Not(Box::new(w("Trump")))
            ])
        );
        assert_eq!(
            p("Zölle OR Zoelle").unwrap(),
            Node::Or(vec![w("Zölle"), w("Zoelle")])
        );
        assert_eq!(p("US-Präsident").unwrap(), w("US-Präsident"));
        assert_eq!(
            p("speaker:\"Annalena Baerbock\" title:Waffenruhe").unwrap(),
            Node::And(vec![
                Node::Phrase {
                    field: Some("speaker".into()),
                    text: "Annalena Baerbock".into()
                },
                Node::Word {
                    field: Some("title".into()),
                    text: "Waffenruhe".into()
                }
            ])
        );
        assert_eq!(
            p("„Seltene Erden“").unwrap(),
            Node::Phrase {
                field: None,
                text: "Seltene Erden".into()
            }
        );
        // A hyphen after a closing quote joins a compound, as the
        // tagesschau rundowns write them: it excludes nothing.
        assert_eq!(
            p("\"Euro Hawk\"-Affäre").unwrap(),
            Node::And(vec![
                Node::Phrase {
                    field: None,
                    text: "Euro Hawk".into()
                },
                w("Affäre")
            ])
        );
        assert_eq!(
            p("\"Euro Hawk\" -Affäre").unwrap(),
            Node::And(vec![
                Node::Phrase {
                    field: None,
                    text: "Euro Hawk".into()
                },
                Node::Not(Box::new(w("Affäre")))
            ])
        );
        // A dash between words is punctuation.
        assert_eq!(
            p("Grammy Awards - Beyoncé").unwrap(),
            Node::And(vec![w("Grammy"), w("Awards"), w("Beyoncé")])
        );
        assert_eq!(
            p("10:30 Uhr").unwrap(),
            Node::And(vec![w("10:30"), w("Uhr")])
        );
    }

    #[test]
    fn errors_are_clear() {
        assert_eq!(p(""), Err(QueryError::Empty));
        assert_eq!(p("   "), Err(QueryError::Empty));
        let e = p("\"seltene Erden").unwrap_err();
        assert!(
            e.to_string().starts_with("unclosed quote at column 1"),
            "{e}"
        );
        assert!(matches!(
            p("(Zölle OR Stahl"),
            Err(QueryError::Paren { col: 1, .. })
        ));
        assert!(matches!(p("Zölle)"), Err(QueryError::Paren { col: 6, .. })));
        // A prefix that names no field is part of the word.
        assert_eq!(p("re:publica").unwrap(), w("re:publica"));
        let (node, notes) = parse_noted("autor:Meier", &|f| f == "title", "title:").unwrap();
        assert_eq!(node, w("autor:Meier"));
        assert!(notes[0].contains("\"autor:\" is no field"), "{notes:?}");
        // A field with nothing to search.
        for q in [
            "title:",
            "title: Zölle",
            "Zölle speaker:",
            "title:()",
            "(speaker:)",
        ] {
            assert!(
                matches!(p(q), Err(QueryError::EmptyField { .. })),
                "{q}: {:?}",
                p(q)
            );
        }
        assert!(matches!(p("-"), Err(QueryError::Dangling { .. })));
        assert!(matches!(p("Zölle -"), Err(QueryError::Dangling { .. })));
        assert!(matches!(p("- Zölle"), Err(QueryError::Dangling { .. })));
        assert!(matches!(p("Zölle OR"), Err(QueryError::Dangling { .. })));
        assert!(matches!(p("OR Zölle"), Err(QueryError::Dangling { .. })));
        assert!(matches!(p("Zölle NOT"), Err(QueryError::Dangling { .. })));
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any text parses or gets an error; nothing panics.
        #[test]
        fn parse_never_panics(q in "\\PC{0,80}") {
            let _ = parse(&q, &|f| f == "title", "title:");
        }

        /// Query-like text with operators, quotes and parentheses.
        #[test]
        fn operators_never_panic(q in "[a-zäöüß \"()\\-+:ORNTAD]{0,40}") {
            let _ = parse(&q, &|f| f == "title", "title:");
        }
    }
}
