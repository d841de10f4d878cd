//! URL parameters to a validated [`Request`]: the HTTP side of the one
//! request type. Names are the CLI's options without dashes (`q` for the
//! query words); `program` and `speaker` may repeat. An empty value counts
//! as absent, as an empty field of the page's form sends it.

use super::ApiError;
use crate::item::Day;
use crate::search::facets::Interval;
use crate::search::{Limits, MatchMode, Request, Sort};
use axum::http::StatusCode;

/// The most parameters one URL may have.
const MAX_PAIRS: usize = 200;

/// Parameters of a search, in every endpoint that runs one.
pub(crate) const SEARCH: &[&str] = &[
    "q",
    "from",
    "to",
    "program",
    "speaker",
    "match",
    "sort",
    "limit",
    "offset",
    "snippets",
    "facets",
    "collapse",
    "exact_total",
];

/// A URL's parameters, decoded.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Decode `raw`; a name outside `allowed` is an error (a misspelt
    /// filter would otherwise be passed over silently).
    pub(crate) fn parse(raw: Option<&str>, allowed: &[&[&str]]) -> Result<Params, ApiError> {
        let mut pairs = Vec::new();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if pairs.len() == MAX_PAIRS {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "out_of_range",
                    format!("more than {MAX_PAIRS} parameters"),
                ));
            }
            if !allowed.iter().any(|set| set.contains(&k.as_ref())) {
                let known: Vec<&str> = allowed.iter().flat_map(|s| s.iter().copied()).collect();
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unknown_parameter",
                    format!(
                        "unknown parameter \"{}\"; known are {}",
                        crate::output::safe::escape(&k),
                        known.join(", ")
                    ),
                ));
            }
            if !v.is_empty() {
                pairs.push((k.into_owned(), v.into_owned()));
            }
        }
        Ok(Params { pairs })
    }

    /// The value of a parameter given at most once.
    pub(crate) fn one(&self, name: &'static str) -> Result<Option<&str>, ApiError> {
        let mut values = self.all(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::bad(
                "bad_parameter",
                name,
                format!("\"{name}\" is given more than once; give it once"),
            ));
        }
        Ok(first)
    }

    /// Every value of a parameter.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A whole number, if given.
    pub(crate) fn number(&self, name: &'static str) -> Result<Option<usize>, ApiError> {
        self.one(name)?
            .map(|v| {
                v.trim().parse::<usize>().map_err(|_| {
                    ApiError::bad(
                        "bad_number",
                        name,
                        format!(
                            "\"{name}\" must be a whole number from 0 to {}, not \"{}\"",
                            usize::MAX,
                            crate::output::safe::escape(v)
                        ),
                    )
                })
            })
            .transpose()
    }

    /// A yes/no flag: `true`/`false`, `1`/`0`, `on` (a checkbox).
    fn flag(&self, name: &'static str, default: bool) -> Result<bool, ApiError> {
        match self.one(name)? {
            None => Ok(default),
            Some("true" | "1" | "on" | "yes") => Ok(true),
            Some("false" | "0" | "off" | "no") => Ok(false),
            Some(_) => Err(ApiError::bad(
                "bad_parameter",
                name,
                format!("\"{name}\" must be true or false"),
            )),
        }
    }

    fn day(&self, name: &'static str) -> Result<Option<Day>, ApiError> {
        self.one(name)?
            .map(|v| {
                Day::parse(v).map_err(|why| {
                    ApiError::bad(
                        "bad_date",
                        name,
                        format!(
                            "\"{name}\": {why}; give a day as YYYY-MM-DD or DD.MM.YYYY, not \"{}\"",
                            crate::output::safe::escape(v)
                        ),
                    )
                })
            })
            .transpose()
    }

    /// The search these parameters ask for, validated against `limits`.
    /// `q` is required.
    pub(crate) fn request(&self, limits: &Limits) -> Result<Request, ApiError> {
        let q = self.one("q")?.ok_or_else(|| {
            ApiError::bad(
                "missing_parameter",
                "q",
                "give the query as q, e.g. ?q=Selenskyj+Rohstoffe".into(),
            )
        })?;
        let mut req = Request::new(q);
        req.from = self.day("from")?;
        req.to = self.day("to")?;
        req.programs = self.all("program").map(str::to_string).collect();
        req.speakers = self.all("speaker").map(str::to_string).collect();
        if let Some(m) = self.one("match")? {
            req.mode = m
                .parse::<MatchMode>()
                .map_err(|why| ApiError::bad("bad_parameter", "match", why))?;
        }
        req.sort = match self.one("sort")? {
            None | Some("relevance") => Sort::Relevance,
            Some("date") => Sort::Date,
            Some(_) => {
                return Err(ApiError::bad(
                    "bad_parameter",
                    "sort",
                    "\"sort\" must be relevance or date".into(),
                ));
            }
        };
        if let Some(n) = self.number("limit")? {
            req.limit = n;
        }
        if let Some(n) = self.number("offset")? {
            req.offset = n;
        }
        if let Some(n) = self.number("snippets")? {
            req.snippets = n;
        }
        req.facets = self.flag("facets", false)?;
        req.collapse = self.flag("collapse", true)?;
        req.exact_total = self.flag("exact_total", false)?;
        req.validate(limits)
            .map_err(|e| ApiError::from_search(e.into()))?;
        Ok(req)
    }

    /// The trend's period width: `by`, month if not given.
    pub(crate) fn interval(&self) -> Result<Interval, ApiError> {
        Ok(match self.one("by")? {
            None | Some("month") => Interval::Month,
            Some("day") => Interval::Day,
            Some("week") => Interval::Week,
            Some("year") => Interval::Year,
            Some(_) => {
                return Err(ApiError::bad(
                    "bad_parameter",
                    "by",
                    "\"by\" must be day, week, month or year".into(),
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::LIMITS;

    fn req(q: &str) -> Result<Request, ApiError> {
        Params::parse(Some(q), &[SEARCH])?.request(&LIMITS)
    }

    #[test]
    fn parameters_make_the_cli_request() {
        let r = req("q=Selenskyj+Rohstoffe&from=01.02.2025&program=Deutschlandfunk&program=Deutschlandfunk+Kultur&sort=date&limit=20").unwrap();
        assert_eq!(r.query, "Selenskyj Rohstoffe");
        assert_eq!(r.from.unwrap().to_string(), "2025-02-01");
        assert_eq!(r.programs, ["Deutschlandfunk", "Deutschlandfunk Kultur"]);
        assert_eq!((r.sort, r.limit, r.collapse), (Sort::Date, 20, true));
        // Empty fields of the form are absent.
        let r = req("q=Zölle&from=&to=&sort=").unwrap();
        assert_eq!((r.from, r.sort), (None, Sort::Relevance));
    }

    #[test]
    fn bad_parameters_are_named() {
        let e = |q| req(q).unwrap_err();
        assert_eq!(e("from=2025-01-01").parameter, Some("q"));
        assert_eq!(e("q=Rente&from=31.02.2025").error, "bad_date");
        assert_eq!(e("q=Rente&limit=101").parameter, Some("limit"));
        assert_eq!(
            e("q=Rente&offset=99999999999999999999999").error,
            "bad_number"
        );
        assert_eq!(e("q=Rente&offset=9999999").parameter, Some("offset"));
        assert_eq!(e("q=Rente&q=Pension").error, "bad_parameter");
        assert_eq!(e("q=Rente&limt=5").error, "unknown_parameter");
        assert_eq!(
            e("q=Rente&from=2025-03-01&to=2025-02-01").parameter,
            Some("from")
        );
        assert_eq!(e("q=Rente&match=most").parameter, Some("match"));
    }
}
