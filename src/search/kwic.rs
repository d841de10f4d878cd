//! Keyword in context (`archivar kwic`): one line per occurrence of the
//! query in the matching items, with the words on either side, as
//! concordancers show them.
//!
//! It finds what search finds: the items are the hits of the same request,
//! and the occurrences are the spans that snippets mark in them
//! ([`snippet::occurrences`]): inflected forms, parts of hyphenated words,
//! phrases, the compounds a word starts or ends (marked as far as the word
//! goes), and the same-sounding spellings of names. Each line says which
//! form matched. Forms that only rank (a compound's parts alone, the
//! compounds a word starts) are no occurrence, as they are no match.

use super::snippet::{self, Marks, Occurrence, Via};
use super::{Request, SearchError, Sort, collapse, prepare, speaker_matches};
use crate::analysis::{Analyzer, fold};
use crate::item::{BlockKind, Day, Item};
use serde::Serialize;
use tantivy::Searcher;
use tantivy::schema::TantivyDocument;

use crate::index::Archive;

/// The most items a concordance reads (the best-ranked, or the newest with
/// `--sort date`); more are counted and said.
pub const MAX_ITEMS: usize = 10_000;

/// Order of the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// By the words left of the match, nearest first, as concordancers do.
    Left,
    /// By the words right of the match.
    Right,
    /// Oldest item first, in text order within an item.
    Date,
    /// Best-ranked item first, in text order within an item.
    Relevance,
}

/// How the matched text stands for the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// The query word as typed (ignoring case, umlaut spelling and ß).
    Word,
    /// Another inflection of it (same stem): "Zöllen" for "Zölle".
    Stem,
    /// A part of a compound: "Zölle" in "US-Zölle", "Zoll" in
    /// "Zollpolitik" (a compound the query word starts).
    CompoundPart,
    /// The head of a compound, the word it ends with: "Zöllen" in
    /// "Gegenzöllen".
    Head,
    /// The words of a quoted phrase.
    Phrase,
    /// A same-sounding spelling of the word (a name variant): "Selenski"
    /// for "Selenskyj".
    Phonetic,
    /// A word one edit away from a rare query word: "Shanghai" for
    /// "Schanghai".
    Misspelling,
}

impl Form {
    /// The name used in the terminal, JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Form::Word => "word",
            Form::Stem => "stem",
            Form::CompoundPart => "compound_part",
            Form::Head => "head",
            Form::Phrase => "phrase",
            Form::Phonetic => "phonetic",
            Form::Misspelling => "misspelling",
        }
    }
}

/// One occurrence with its context.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// Up to `width` characters before the match, white space made single.
    pub left: String,
    /// The matched text.
    pub matched: String,
    /// Up to `width` characters after it.
    pub right: String,
    /// How it matched.
    pub form: Form,
    /// The query word (or phrase) it stands for.
    pub query_word: String,
    /// The analysed term matched (`None` for a phrase).
    #[serde(skip)]
    pub term: Option<String>,
    /// The item.
    pub id: String,
    /// Its broadcast day.
    pub date: Option<Day>,
    /// Its programme.
    pub program: Option<String>,
    /// Who said it, where the source names the turn's speaker.
    pub speaker: Option<String>,
    /// For subtitles and transcripts: when it was said (ms).
    #[serde(skip)]
    pub start_ms: Option<u64>,
    /// The item's rank among the hits.
    pub rank: usize,
    /// Byte offset of the match in its block, and the block's index: the
    /// order within an item.
    #[serde(skip)]
    pub at: (usize, usize),
}

/// A concordance: the lines asked for and what they were taken from.
#[derive(Debug, Clone)]
pub struct Concordance {
    /// The query as run.
    pub query: String,
    /// The lines, sorted, at most `limit`.
    pub lines: Vec<Line>,
    /// All occurrences found in the items read.
    pub occurrences: usize,
    /// Items that match the query.
    pub items: usize,
    /// Items read (at most [`MAX_ITEMS`]).
    pub items_read: usize,
}

/// Options of a concordance.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Characters of context on either side.
    pub width: usize,
    /// Order of the lines.
    pub order: Order,
    /// Lines to return.
    pub limit: usize,
}

/// The order of items a concordance in `order` reads: the newest first
/// by date, else the best-ranked.
pub fn sort_of(order: Order) -> Sort {
    if order == Order::Date {
        Sort::Date
    } else {
        Sort::Relevance
    }
}

/// The concordance of `req` (its query and filters; its page, sort and
/// snippets are not used) on the local index.
pub fn kwic(
    archive: &Archive,
    searcher: &Searcher,
    req: &Request,
    opts: Options,
) -> Result<Concordance, SearchError> {
    let prepared = prepare(archive, searcher, req)?;
    let (items, top) = collapse::ranked(
        archive,
        searcher,
        collapse::Target::exhaustive(prepared.query.as_ref()),
        sort_of(opts.order),
        &prepared.passage,
        MAX_ITEMS,
        0,
    )?;
    let read = top
        .into_iter()
        .map(|(score, addr)| -> Result<_, SearchError> {
            let doc: TantivyDocument = searcher
                .doc(addr)
                .map_err(|e| SearchError::Index(archive.tantivy(e)))?;
            Ok((score, archive.stored_item(&doc)?))
        });
    concordance(req, opts, &prepared.marks, items.value, read)
}

/// The concordance of `req` from `ranked`, the first of the `matching`
/// items in the order asked for (best-ranked or newest first) with their
/// scores, whichever engine found them; an item that cannot be read ends
/// it with its error. Items that tie (in score, or in date when by date)
/// are ranked by id: engines break such ties differently (the local index
/// by where its writer threads put the items), the lines should not.
pub fn concordance<E>(
    req: &Request,
    opts: Options,
    marks: &Marks,
    matching: usize,
    ranked: impl IntoIterator<Item = Result<(Option<f32>, Item), E>>,
) -> Result<Concordance, E> {
    let analyzer = Analyzer::shared();
    let mut read: Vec<(Option<f32>, Item)> = Vec::new();
    let mut lines = Vec::new();
    // The run of tied items read last, ranked; `done` items read so far.
    let flush = |run: &mut Vec<(Option<f32>, Item)>, lines: &mut Vec<Line>, done: usize| {
        let first = done - run.len();
        run.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        for (k, (_, item)) in run.drain(..).enumerate() {
            lines.extend(item_lines(
                analyzer,
                &item,
                marks,
                req,
                first + k + 1,
                opts.width,
            ));
        }
    };
    let mut items_read = 0;
    for next in ranked.into_iter().take(MAX_ITEMS) {
        let next = next?;
        let ties = read.last().is_some_and(|last| match opts.order {
            Order::Date => last.1.date == next.1.date,
            _ => last.0 == next.0,
        });
        if !ties {
            flush(&mut read, &mut lines, items_read);
        }
        read.push(next);
        items_read += 1;
    }
    flush(&mut read, &mut lines, items_read);
    let occurrences = lines.len();
    sort_lines(&mut lines, opts.order);
    lines.truncate(opts.limit);
    Ok(Concordance {
        query: req.query.clone(),
        lines,
        occurrences,
        items: matching,
        items_read,
    })
}

/// The lines of one item: every marked occurrence in its searchable blocks
/// (all but image credits), in text order. With `--speaker`, only those in
/// the turns of that speaker.
pub fn item_lines(
    analyzer: &Analyzer,
    item: &Item,
    marks: &Marks,
    req: &Request,
    rank: usize,
    width: usize,
) -> Vec<Line> {
    let mut out = Vec::new();
    for (bi, block) in item.blocks.iter().enumerate() {
        if block.kind == BlockKind::Credit {
            continue;
        }
        if !req.speakers.is_empty()
            && !block
                .speaker
                .as_deref()
                .is_some_and(|name| req.speakers.iter().any(|f| speaker_matches(name, f)))
        {
            continue;
        }
        let text = &block.text;
        for occ in snippet::occurrences(analyzer, text, marks) {
            let (form, query_word) = form_of(text, &occ, marks);
            out.push(Line {
                left: left_context(&text[..occ.start], width),
                matched: one_line(&text[occ.start..occ.end]),
                right: right_context(&text[occ.end..], width),
                form,
                query_word,
                term: occ.term.clone(),
                id: item.id.clone(),
                date: item.date,
                program: item.program.clone(),
                speaker: block.speaker.clone(),
                start_ms: block.time_at(occ.start),
                rank,
                at: (bi, occ.start),
            });
        }
    }
    out
}

/// Which form an occurrence is, and the query word it stands for.
fn form_of(text: &str, occ: &Occurrence, marks: &Marks) -> (Form, String) {
    if let Some(p) = occ.phrase {
        let text = marks.phrase_texts.get(p).cloned().unwrap_or_else(|| {
            let words: Vec<&str> = marks.phrases[p].iter().map(|(_, t)| t.as_str()).collect();
            words.join(" ")
        });
        return (Form::Phrase, text);
    }
    let term = occ.term.as_deref().unwrap_or_default();
    let Some(origin) = marks.origins.get(term) else {
        return (Form::Stem, term.to_string());
    };
    match origin.via {
        Via::Phonetic => return (Form::Phonetic, origin.word.clone()),
        Via::Misspelling => return (Form::Misspelling, origin.word.clone()),
        Via::Stem => {}
    }
    let hyphen = |c: Option<char>| matches!(c, Some('-' | '‐' | '‑'));
    let before = text[..occ.start].chars().next_back();
    let after = text[occ.end..].chars().next();
    let surface = &text[occ.start..occ.end];
    if marks.suffixes.contains_key(term) {
        return (Form::Head, origin.word.clone());
    }
    if marks.prefixes.contains_key(term) {
        return (Form::CompoundPart, origin.word.clone());
    }
    // A hyphenated query word ("US-Zölle") is one word, matched whole.
    let typed_whole = origin.word.contains('-');
    let form = if !typed_whole && (hyphen(before) || hyphen(after)) {
        Form::CompoundPart
    } else if same_word(surface, &origin.word) {
        Form::Word
    } else {
        Form::Stem
    };
    (form, origin.word.clone())
}

/// Whether two words are the same but for case, umlaut spelling and ß.
fn same_word(a: &str, b: &str) -> bool {
    let norm = |w: &str| fold(&w.to_lowercase());
    norm(a) == norm(b)
}

/// Text on one line: runs of white space as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The last `width` characters before a match, on one line (with the
/// space before the match, if any).
fn left_context(before: &str, width: usize) -> String {
    let mut flat = one_line(before);
    if before.ends_with(char::is_whitespace) && !flat.is_empty() {
        flat.push(' ');
    }
    let n = flat.chars().count();
    let s: String = flat.chars().skip(n.saturating_sub(width)).collect();
    s.trim_start().to_string()
}

/// The first `width` characters after a match, on one line (with the
/// space after the match, if any).
fn right_context(after: &str, width: usize) -> String {
    let mut flat = String::new();
    if after.starts_with(char::is_whitespace) {
        flat.push(' ');
    }
    flat.push_str(&one_line(after));
    let s: String = flat.chars().take(width).collect();
    s.trim_end().to_string()
}

/// Words of a context for sorting: folded, lower-case, no punctuation.
fn sort_words<'a>(text: &'a str) -> impl DoubleEndedIterator<Item = String> + 'a {
    text.split_whitespace()
        .map(|w| {
            fold(
                &w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase(),
            )
        })
        .filter(|w| !w.is_empty())
}

/// Sort lines as `order` says; ties keep text order.
pub fn sort_lines(lines: &mut [Line], order: Order) {
    match order {
        Order::Relevance => lines.sort_by_key(|l| (l.rank, l.at)),
        Order::Date => lines.sort_by(|a, b| {
            (a.date.is_none(), a.date, &a.id, a.at).cmp(&(b.date.is_none(), b.date, &b.id, b.at))
        }),
        Order::Left => lines
            .sort_by_cached_key(|l| (sort_words(&l.left).rev().collect::<Vec<_>>(), l.rank, l.at)),
        Order::Right => {
            lines.sort_by_cached_key(|l| (sort_words(&l.right).collect::<Vec<_>>(), l.rank, l.at))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Block;
    use snippet::Origin;

    fn marks(words: &[&str]) -> Marks {
        let a = Analyzer::shared();
        let mut m = Marks::default();
        for w in words {
            let t = a.normalize(w).unwrap();
            m.terms.insert(t.clone());
            m.origins.insert(
                t,
                Origin {
                    word: w.to_string(),
                    via: Via::Stem,
                },
            );
        }
        m
    }

    fn item(text: &str) -> Item {
        Item {
            id: "dlf-1".into(),
            title: "T".into(),
            date: None,
            program: Some("Deutschlandfunk".into()),
            speakers: vec![],
            blocks: vec![Block::new(BlockKind::Paragraph, text)],
            source: "x".into(),
            media: None,
            stories: Vec::new(),
        }
    }

    fn lines(text: &str, words: &[&str], width: usize) -> Vec<Line> {
        item_lines(
            Analyzer::shared(),
            &item(text),
            &marks(words),
            &Request::new(words.join(" ")),
            1,
            width,
        )
    }

    #[test]
    fn one_line_per_occurrence_with_its_form() {
        let l = lines(
            "Die Zölle steigen. Mit Zöllen zu reagieren schadet. Die US-Zölle treffen uns.",
            &["Zölle"],
            12,
        );
        let got: Vec<(&str, &str, &str, Form)> = l
            .iter()
            .map(|l| {
                (
                    l.left.as_str(),
                    l.matched.as_str(),
                    l.right.as_str(),
                    l.form,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Die ", "Zölle", " steigen. Mi", Form::Word),
                ("teigen. Mit ", "Zöllen", " zu reagiere", Form::Stem),
                ("det. Die US-", "Zölle", " treffen uns", Form::CompoundPart),
            ]
        );
    }

    #[test]
    fn tied_items_are_ranked_by_id_whatever_order_the_engine_gave() {
        let with_id = |id: &str, text: &str| Item {
            id: id.into(),
            ..item(text)
        };
        let ranked = [
            (Some(3.0), with_id("dlf-3", "Die Zölle steigen.")),
            (Some(2.0), with_id("wdr-2", "Neue Zölle.")),
            (Some(2.0), with_id("br-2", "Zölle auf Stahl.")),
            (Some(1.0), with_id("ard-1", "Gegen Zölle.")),
        ];
        let opts = Options {
            width: 10,
            order: Order::Relevance,
            limit: 10,
        };
        let req = Request::new("Zölle");
        let c = concordance(
            &req,
            opts,
            &marks(&["Zölle"]),
            4,
            ranked.into_iter().map(Ok::<_, ()>),
        )
        .unwrap();
        let got: Vec<(&str, usize)> = c.lines.iter().map(|l| (l.id.as_str(), l.rank)).collect();
        assert_eq!(got, [("dlf-3", 1), ("br-2", 2), ("wdr-2", 3), ("ard-1", 4)]);
        assert_eq!((c.items, c.items_read, c.occurrences), (4, 4, 4));
    }

    #[test]
    fn umlaut_spelling_is_the_same_word() {
        let l = lines("Die Zoelle und die ZÖLLE.", &["Zölle"], 10);
        assert_eq!(l.len(), 2);
        assert!(l.iter().all(|l| l.form == Form::Word), "{l:?}");
    }

    #[test]
    fn sorts_by_the_nearest_word_to_the_left() {
        let mut l = lines(
            "Das Sondervermögen kommt. Ein Sondervermögen reicht. Kein Sondervermögen hilft.",
            &["Sondervermögen"],
            30,
        );
        sort_lines(&mut l, Order::Left);
        let left: Vec<&str> = l.iter().map(|l| l.left.trim()).collect();
        assert!(left[0].ends_with("Das"), "{left:?}");
        assert!(left[1].ends_with("Ein"), "{left:?}");
        assert!(left[2].ends_with("Kein"), "{left:?}");
        sort_lines(&mut l, Order::Right);
        let right: Vec<&str> = l.iter().map(|l| l.right.trim()).collect();
        assert!(right[0].starts_with("hilft"), "{right:?}");
        assert!(right[1].starts_with("kommt"), "{right:?}");
        assert!(right[2].starts_with("reicht"), "{right:?}");
    }

    #[test]
    fn context_is_one_line_and_at_most_width() {
        let l = lines(
            "Erste Zeile\nund die\n\nZölle danach\nweiter",
            &["Zölle"],
            8,
        );
        assert_eq!(l[0].left, "und die ");
        assert_eq!(l[0].right, " danach");
        let l = lines(
            "Erste Zeile\nund die\n\nZölle danach\nweiter",
            &["Zölle"],
            6,
        );
        assert_eq!(l[0].left, "d die ");
        assert_eq!(l[0].right, " danac");
        let l = lines("Zölle", &["Zölle"], 8);
        assert_eq!((l[0].left.as_str(), l[0].right.as_str()), ("", ""));
    }
}
