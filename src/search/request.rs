//! A search as the user asked for it, and the one place its bounds are
//! checked. The CLI and the HTTP server build the same [`Request`], and
//! every entry point of [`crate::search`] validates it before any work, so
//! no limit can be skipped by either: a number from a user never sizes an
//! allocation unchecked (`--offset 2000000000` used to abort the process on
//! a 32 GB allocation), and a query never costs without bound (a query of
//! 71,000 words took 23 s and 5 GB).

use crate::item::Day;

/// How many of a query's words must match.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MatchMode {
    /// Every word.
    All,
    /// At least one word; more matches rank higher.
    Any,
    /// At least this share of the words (0–1], rounded up.
    Share(f32),
    /// Every word of queries up to `upto` words, else at least `share` of
    /// them (Elasticsearch's `minimum_should_match: "2<50%"`).
    Auto {
        /// Queries with at most this many words need them all.
        upto: usize,
        /// Share needed of longer queries.
        share: f32,
    },
}

/// The default of `--match`, chosen by measurement (docs/relevance.md).
pub const DEFAULT_MATCH: &str = "any";

impl std::str::FromStr for MatchMode {
    type Err = String;
    fn from_str(s: &str) -> Result<MatchMode, String> {
        match s {
            "all" => Ok(MatchMode::All),
            "any" => Ok(MatchMode::Any),
            _ if s.contains('<') => {
                let (n, pct) = s.split_once('<').unwrap_or_default();
                let upto = n
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| format!("\"{s}\": expected N<share%, e.g. 2<50%"))?;
                match pct.trim().parse::<MatchMode>()? {
                    MatchMode::Share(share) => Ok(MatchMode::Auto { upto, share }),
                    _ => Err(format!("\"{s}\": expected N<share%, e.g. 2<50%")),
                }
            }
            _ => {
                let pct = s
                    .strip_suffix('%')
                    .and_then(|p| p.parse::<f32>().ok())
                    .filter(|p| *p > 0.0 && *p <= 100.0)
                    .ok_or_else(|| format!("\"{s}\": expected all, any, or a share such as 60%"))?;
                Ok(MatchMode::Share(pct / 100.0))
            }
        }
    }
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Best match first.
    Relevance,
    /// Newest first.
    Date,
}

/// A search as the user asked for it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The query text.
    pub query: String,
    /// First day, inclusive.
    pub from: Option<Day>,
    /// Last day, inclusive.
    pub to: Option<Day>,
    /// Programmes (any of them).
    pub programs: Vec<String>,
    /// Speakers (any of them).
    pub speakers: Vec<String>,
    /// Order.
    pub sort: Sort,
    /// Hits to return (at least 1).
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// How many words must match.
    pub mode: MatchMode,
    /// Snippets per hit.
    pub snippets: usize,
    /// Also count the hits per programme and speaker.
    pub facets: bool,
    /// One hit per near-duplicate cluster (repeated bulletins).
    pub collapse: bool,
    /// Count every match; else the total stops at
    /// [`super::prune::TOTAL_BOUND`] ("10000+ hits"), which lets the top
    /// hits be found without reading every match.
    pub exact_total: bool,
}

impl Request {
    /// A request for `query` with the CLI's defaults: the first 10 hits by
    /// relevance, two snippets each, repeats collapsed, no filters.
    pub fn new(query: impl Into<String>) -> Request {
        Request {
            query: query.into(),
            from: None,
            to: None,
            programs: Vec::new(),
            speakers: Vec::new(),
            sort: Sort::Relevance,
            limit: 10,
            offset: 0,
            mode: MatchMode::Any,
            snippets: 2,
            facets: false,
            collapse: true,
            exact_total: false,
        }
    }

    /// Check every bound of `limits`; the first one passed is the error.
    pub fn validate(&self, limits: &Limits) -> Result<(), RequestError> {
        let bytes = self.query.len();
        if bytes > limits.query_bytes {
            return Err(RequestError::QueryTooLong {
                bytes,
                max: limits.query_bytes,
            });
        }
        if self.limit == 0 || self.limit > limits.limit {
            return Err(RequestError::Limit {
                limit: self.limit,
                max: limits.limit,
            });
        }
        if self.offset.saturating_add(self.limit) > limits.window {
            return Err(RequestError::Window {
                offset: self.offset,
                limit: self.limit,
                max: limits.window,
            });
        }
        if self.snippets > limits.snippets {
            return Err(RequestError::Snippets {
                snippets: self.snippets,
                max: limits.snippets,
            });
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(RequestError::Dates { from, to });
        }
        for (what, names) in [("program", &self.programs), ("speaker", &self.speakers)] {
            if names.len() > limits.names {
                return Err(RequestError::TooManyNames {
                    what,
                    n: names.len(),
                    max: limits.names,
                });
            }
            for name in names {
                if name.trim().is_empty() {
                    return Err(RequestError::EmptyName { what });
                }
                if name.len() > limits.name_bytes {
                    return Err(RequestError::NameTooLong {
                        what,
                        bytes: name.len(),
                        max: limits.name_bytes,
                    });
                }
            }
        }
        if let MatchMode::Share(p) | MatchMode::Auto { share: p, .. } = self.mode
            && !(p > 0.0 && p <= 1.0)
        {
            return Err(RequestError::Share);
        }
        Ok(())
    }
}

/// The bounds of a request. [`Limits::DEFAULT`] is what the library and
/// the CLI allow; a server may be stricter, never looser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of query text.
    pub query_bytes: usize,
    /// Words and phrase words in a query (checked after parsing).
    pub query_words: usize,
    /// Hits a page may hold.
    pub limit: usize,
    /// How deep into the ranking a page may reach: `offset + limit`.
    pub window: usize,
    /// Snippets a hit may have.
    pub snippets: usize,
    /// Programmes or speakers one filter may name.
    pub names: usize,
    /// Bytes of one programme or speaker name in a filter.
    pub name_bytes: usize,
}

impl Limits {
    /// The library's and the CLI's bounds.
    ///
    /// - 4 KiB of query and 256 words: a pasted paragraph fits (the judged
    ///   queries have at most 17 words, 144 bytes), and the slowest such
    ///   query stays well under a second.
    /// - A window of 10,000 hits, as Elasticsearch's `max_result_window`:
    ///   deeper pages are narrowed with filters, not paged to.
    pub const DEFAULT: Limits = Limits {
        query_bytes: 4096,
        query_words: 256,
        limit: 10_000,
        window: 10_000,
        snippets: 10,
        names: 64,
        name_bytes: 256,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// A request outside its bounds. The messages name the option as the CLI
/// spells it; the server maps them to its parameters of the same names.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// The query text is longer than allowed.
    #[error("the query has {} bytes, more than the {} a query may have; shorten it", Grouped(*bytes), Grouped(*max))]
    QueryTooLong {
        /// Its bytes.
        bytes: usize,
        /// The bound.
        max: usize,
    },
    /// The query has more words than allowed.
    #[error("the query has {} words, more than the {} a query may have; shorten it", Grouped(*words), Grouped(*max))]
    TooManyWords {
        /// Its words.
        words: usize,
        /// The bound.
        max: usize,
    },
    /// `limit` is 0 or too large.
    #[error("limit {} is out of range; give 1 to {} hits a page", Grouped(*limit), Grouped(*max))]
    Limit {
        /// As asked.
        limit: usize,
        /// The bound.
        max: usize,
    },
    /// `offset + limit` reaches too deep.
    #[error(
        "offset {} + limit {} reaches past the first {} hits, the deepest a page may go; narrow the search with --from/--to, --program or --speaker instead",
        Grouped(*offset), Grouped(*limit), Grouped(*max)
    )]
    Window {
        /// As asked.
        offset: usize,
        /// As asked.
        limit: usize,
        /// The bound.
        max: usize,
    },
    /// Too many snippets a hit.
    #[error("snippets {snippets} is out of range; give 0 to {max}")]
    Snippets {
        /// As asked.
        snippets: usize,
        /// The bound.
        max: usize,
    },
    /// The date range is reversed.
    #[error("the date range is reversed: {from} (from) is after {to} (to); swap them")]
    Dates {
        /// First day.
        from: Day,
        /// Last day.
        to: Day,
    },
    /// An empty programme or speaker name.
    #[error("an empty {what} name matches nothing; give a name, or leave the filter out")]
    EmptyName {
        /// "program" or "speaker".
        what: &'static str,
    },
    /// A programme or speaker name too long.
    #[error("a {what} name of {bytes} bytes is longer than the {max} a name may have")]
    NameTooLong {
        /// "program" or "speaker".
        what: &'static str,
        /// Its bytes.
        bytes: usize,
        /// The bound.
        max: usize,
    },
    /// Too many programme or speaker names.
    #[error("{n} {what} filters, more than the {max} a search may have")]
    TooManyNames {
        /// "program" or "speaker".
        what: &'static str,
        /// How many.
        n: usize,
        /// The bound.
        max: usize,
    },
    /// A share of words outside (0, 100 %].
    #[error("the share of words that must match is out of range; give 1% to 100%")]
    Share,
}

/// A count with thousands separators, for messages: `10,000`.
pub struct Grouped(pub usize);

impl std::fmt::Display for Grouped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.0.to_string();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                f.write_str(",")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped() {
        assert_eq!(super::Grouped(0).to_string(), "0");
        assert_eq!(super::Grouped(999).to_string(), "999");
        assert_eq!(super::Grouped(10_000).to_string(), "10,000");
        assert_eq!(super::Grouped(2_000_000_000).to_string(), "2,000,000,000");
    }

    use super::*;

    #[test]
    fn match_modes_parse() {
        assert_eq!("all".parse::<MatchMode>(), Ok(MatchMode::All));
        assert_eq!("60%".parse::<MatchMode>(), Ok(MatchMode::Share(0.6)));
        assert!("0%".parse::<MatchMode>().is_err());
        assert!("most".parse::<MatchMode>().is_err());
        assert_eq!(
            "2<50%".parse::<MatchMode>(),
            Ok(MatchMode::Auto {
                upto: 2,
                share: 0.5
            })
        );
        assert!("x<50%".parse::<MatchMode>().is_err());
    }

    #[test]
    fn huge_numbers_are_refused_not_allocated() {
        let l = Limits::DEFAULT;
        let mut r = Request::new("Rente");
        assert_eq!(r.validate(&l), Ok(()));
        r.offset = 2_000_000_000;
        assert!(matches!(r.validate(&l), Err(RequestError::Window { .. })));
        r.offset = usize::MAX;
        assert!(matches!(r.validate(&l), Err(RequestError::Window { .. })));
        r.offset = 9_990;
        assert_eq!(r.validate(&l), Ok(()));
        r.offset = 9_991;
        assert!(r.validate(&l).is_err());
        let mut r = Request::new("Rente");
        r.limit = 0;
        assert!(matches!(r.validate(&l), Err(RequestError::Limit { .. })));
        r.limit = 10_001;
        assert!(matches!(r.validate(&l), Err(RequestError::Limit { .. })));
    }

    #[test]
    fn long_queries_and_empty_names_are_refused() {
        let l = Limits::DEFAULT;
        let r = Request::new("Rente ".repeat(1000));
        assert!(matches!(
            r.validate(&l),
            Err(RequestError::QueryTooLong { .. })
        ));
        let mut r = Request::new("Rente");
        r.speakers = vec![" ".into()];
        assert_eq!(
            r.validate(&l),
            Err(RequestError::EmptyName { what: "speaker" })
        );
        r.speakers = vec!["Annalena Baerbock".into()];
        r.from = Some(Day::parse("2025-03-01").unwrap());
        r.to = Some(Day::parse("2025-02-01").unwrap());
        assert!(matches!(r.validate(&l), Err(RequestError::Dates { .. })));
    }
}
