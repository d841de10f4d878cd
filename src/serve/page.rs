//! The web page: search, item, exports and feed, rendered from the
//! templates in `web/` (embedded in the binary) by minijinja with HTML
//! escaping on for every value. The whole state of a search is in its URL
//! ([`Search`]); the page works without script, `web/app.js` only adds
//! keys.

use super::auth::{COOKIE, SESSION_TTL, Verdict};
use super::params::{Params, SEARCH};
use super::{ApiError, EXPORT_CAP, LIMITS, Shared};
use crate::analysis::Analyzer;
use crate::item::{Day, Item, clock};
use crate::output::pieces;
use crate::search::facets::{Interval, Trend};
use crate::search::{self, Hits, Limits, Request, Sort};
use anyhow::Context;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use std::time::Instant;

/// Hits a page shows.
const PAGE_HITS: usize = 10;

/// Hits a feed holds, newest first.
const FEED_ENTRIES: usize = 50;

/// Months a trend shows by month; a longer span is shown by year.
const TREND_MONTHS: usize = 48;

/// Page numbers shown on either side of the current one.
const PAGE_SPAN: usize = 2;

/// Characters left as they are in an id placed in a URL path.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Parameters of the search page: a search's, and the page number.
const PAGE: &[&str] = &["page"];

/// The templates and assets.
pub(crate) struct Pages {
    env: Environment<'static>,
}

impl Pages {
    /// `auth`: a token is required, so pages offer to log out.
    pub(crate) fn new(auth: bool) -> anyhow::Result<Pages> {
        let mut env = Environment::new();
        env.add_global("auth", auth);
        for (name, text) in [
            ("base.html", include_str!("../../web/base.html")),
            ("search.html", include_str!("../../web/search.html")),
            ("item.html", include_str!("../../web/item.html")),
            ("message.html", include_str!("../../web/message.html")),
            ("feed.xml", include_str!("../../web/feed.xml")),
        ] {
            env.add_template(name, text)
                .with_context(|| format!("web/{name} is no valid template"))?;
        }
        Ok(Pages { env })
    }

    fn render<S: Serialize>(&self, name: &str, ctx: S) -> Result<String, ApiError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| ApiError::internal(&format!("page template {name}: {e}")))
    }

    /// An HTML page with `status`.
    fn html<S: Serialize>(&self, status: StatusCode, name: &str, ctx: S) -> Response {
        match self.render(name, ctx) {
            Ok(body) => (
                status,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                )],
                body,
            )
                .into_response(),
            Err(e) => e.into_response(),
        }
    }

    /// An error as a page, with its status.
    pub(crate) fn error(&self, e: &ApiError) -> Response {
        self.html(
            e.status,
            "message.html",
            minijinja::context! { title => "Fehler", message => &e.reason },
        )
    }
}

/// The search a page shows, as its URL holds it: the parameters as given
/// (dates as typed), so that links keep the user's own spelling.
#[derive(Debug, Clone, Default, Serialize)]
struct Search {
    q: String,
    from: String,
    to: String,
    programs: Vec<String>,
    speakers: Vec<String>,
    sort: String,
    page: usize,
}

impl Search {
    fn from_params(p: &Params) -> Result<Search, ApiError> {
        let page = p.number("page")?.unwrap_or(1);
        if page == 0 {
            return Err(ApiError::bad(
                "out_of_range",
                "page",
                "pages are counted from 1".into(),
            ));
        }
        Ok(Search {
            q: p.one("q")?.unwrap_or_default().to_string(),
            from: p.one("from")?.unwrap_or_default().to_string(),
            to: p.one("to")?.unwrap_or_default().to_string(),
            programs: p.all("program").map(str::to_string).collect(),
            speakers: p.all("speaker").map(str::to_string).collect(),
            sort: p.one("sort")?.unwrap_or_default().to_string(),
            page,
        })
    }

    /// The query string of this state.
    fn query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", &self.q);
        for (k, v) in [("from", &self.from), ("to", &self.to), ("sort", &self.sort)] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        for p in &self.programs {
            s.append_pair("program", p);
        }
        for p in &self.speakers {
            s.append_pair("speaker", p);
        }
        if self.page > 1 {
            s.append_pair("page", &self.page.to_string());
        }
        s.finish()
    }

    fn href(&self) -> String {
        format!("/?{}", self.query())
    }

    /// This search on page `n`.
    fn on_page(&self, n: usize) -> String {
        Search {
            page: n,
            ..self.clone()
        }
        .href()
    }

    /// This search with a programme or speaker filter added, or taken
    /// away when it is there; back on page 1.
    fn toggled(&self, speaker: bool, name: &str) -> (String, bool) {
        let mut s = Search {
            page: 1,
            ..self.clone()
        };
        let list = if speaker {
            &mut s.speakers
        } else {
            &mut s.programs
        };
        let on = list.iter().any(|n| n == name);
        if on {
            list.retain(|n| n != name);
        } else {
            list.push(name.to_string());
        }
        (s.href(), on)
    }

    /// This search narrowed to the days `from` to `to`.
    fn narrowed(&self, from: Day, to: Day) -> String {
        Search {
            from: from.to_string(),
            to: to.to_string(),
            page: 1,
            ..self.clone()
        }
        .href()
    }
}

/// A piece of text, marked or not.
#[derive(Serialize)]
struct Piece<'a> {
    text: &'a str,
    mark: bool,
}

fn marked<'a>(text: &'a str, marks: &[(usize, usize)]) -> Vec<Piece<'a>> {
    pieces(text, marks)
        .into_iter()
        .map(|(text, mark)| Piece { text, mark })
        .collect()
}

#[derive(Serialize)]
struct SnippetView<'a> {
    pieces: Vec<Piece<'a>>,
    speaker: Option<&'a str>,
    time: Option<String>,
    /// The item page at the snippet's moment (timed snippets only).
    href: Option<String>,
}

#[derive(Serialize)]
struct HitView<'a> {
    rank: usize,
    id: &'a str,
    href: String,
    title: Vec<Piece<'a>>,
    date: Option<String>,
    program: Option<&'a str>,
    speakers: &'a [String],
    snippets: Vec<SnippetView<'a>>,
    repeats: usize,
}

#[derive(Serialize)]
struct FacetView {
    name: String,
    count: u64,
    href: String,
    on: bool,
}

#[derive(Serialize)]
struct BarView {
    label: String,
    count: u64,
    href: String,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

#[derive(Serialize)]
struct PageLink {
    number: usize,
    href: String,
    current: bool,
}

/// Width and height of the trend chart, in SVG units.
const CHART: (f64, f64) = (600.0, 80.0);

/// The link to an item, with the query so that its matches are marked,
/// landing on the first.
fn item_href(id: &str, q: &str) -> String {
    let id = utf8_percent_encode(id, PATH);
    if q.is_empty() {
        format!("/item/{id}")
    } else {
        let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        format!("/item/{id}?q={q}#m1")
    }
}

/// The item page at a moment: the player starts there, and the page
/// scrolls to the passage (`#here`).
fn moment_href(id: &str, q: &str, ms: u64) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        s.append_pair("q", q);
    }
    s.append_pair("t", &seconds(ms));
    format!(
        "/item/{}?{}#here",
        utf8_percent_encode(id, PATH),
        s.finish()
    )
}

/// Milliseconds as seconds for a URL: `754.2`, `12`.
fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        (ms / 1000).to_string()
    } else {
        format!("{}.{:03}", ms / 1000, ms % 1000)
            .trim_end_matches('0')
            .to_string()
    }
}

/// Extensions of media files that are played as video.
const VIDEO: &[&str] = &[".mp4", ".m4v", ".webm", ".ogv", ".mov"];

/// The player's source for an item's media address, and whether it is
/// video: an `https` URL as it is, a relative path below the media
/// folders as `/media/PATH`. Anything else (`javascript:`, `data:`,
/// `http:`, absolute paths, `..`) gets no player.
fn media_src(media: &str, has_roots: bool) -> Option<(String, bool)> {
    let m = media.trim();
    let lower = m.to_ascii_lowercase();
    let url = if lower.starts_with("https://") {
        if m.contains(|c: char| c.is_whitespace() || c.is_control() || c == '"' || c == '\\') {
            return None;
        }
        m.to_string()
    } else if !has_roots
        || m.is_empty()
        || m.contains([':', '\\', '\0'])
        || m.starts_with('/')
        || m.split('/').any(|p| p.is_empty() || p == "." || p == "..")
    {
        return None;
    } else {
        let parts: Vec<String> = m
            .split('/')
            .map(|p| utf8_percent_encode(p, PATH).to_string())
            .collect();
        format!("/media/{}", parts.join("/"))
    };
    let path = lower.split(['?', '#']).next().unwrap_or_default();
    Some((url, VIDEO.iter().any(|e| path.ends_with(e))))
}

fn hit_views<'a>(hits: &'a Hits, q: &str) -> Vec<HitView<'a>> {
    hits.hits
        .iter()
        .map(|h| HitView {
            rank: h.rank,
            id: &h.item.id,
            href: item_href(&h.item.id, q),
            title: marked(&h.item.title, &h.title_highlights),
            date: h.item.date.map(|d| d.to_string()),
            program: h.item.program.as_deref(),
            speakers: &h.item.speakers,
            snippets: h
                .snippets
                .iter()
                .map(|s| SnippetView {
                    pieces: marked(&s.text, &s.highlights),
                    speaker: s.speaker.as_deref(),
                    time: s.start_ms.map(clock),
                    href: s.start_ms.map(|ms| moment_href(&h.item.id, q, ms)),
                })
                .collect(),
            repeats: h.repeats.total,
        })
        .collect()
}

/// The trend by month, or by year when it spans more than
/// [`TREND_MONTHS`]; each bar links to the search narrowed to its period.
fn bars(trend: &Trend, state: &Search) -> Vec<BarView> {
    let mut periods: Vec<(String, Day, u64)> = trend
        .buckets
        .iter()
        .map(|b| (b.key.clone(), b.start, b.count))
        .collect();
    let by = if periods.len() > TREND_MONTHS {
        let mut years: Vec<(String, Day, u64)> = Vec::new();
        for (_, start, count) in periods {
            let y = Interval::Year.start(start);
            match years.last_mut() {
                Some(last) if last.1 == y => last.2 += count,
                _ => years.push((Interval::Year.key(y), y, count)),
            }
        }
        periods = years;
        Interval::Year
    } else {
        Interval::Month
    };
    let max = periods.iter().map(|p| p.2).max().unwrap_or(0).max(1) as f64;
    let width = CHART.0 / periods.len().max(1) as f64;
    periods
        .into_iter()
        .enumerate()
        .map(|(i, (label, start, count))| {
            let end = by
                .next(start)
                .and_then(|n| Day::from_unix_days(n.unix_days() - 1))
                .unwrap_or(start);
            let height = (count as f64 / max * CHART.1).max(if count > 0 { 2.0 } else { 0.5 });
            BarView {
                label,
                count,
                href: state.narrowed(start, end),
                x: i as f64 * width,
                y: CHART.1 - height,
                width: (width - 1.0).max(0.5),
                height,
            }
        })
        .collect()
}

fn page_links(state: &Search, total: usize, limit: usize) -> Vec<PageLink> {
    let reachable = LIMITS.window / limit;
    let last = total.div_ceil(limit).clamp(1, reachable.max(1));
    let cur = state.page;
    let mut numbers: Vec<usize> = vec![1];
    numbers.extend(cur.saturating_sub(PAGE_SPAN).max(2)..=(cur + PAGE_SPAN).min(last));
    numbers.push(last);
    numbers.sort_unstable();
    numbers.dedup();
    numbers
        .into_iter()
        .map(|n| PageLink {
            number: n,
            href: state.on_page(n),
            current: n == cur,
        })
        .collect()
}

fn facet_views(
    counts: &[crate::index::stats::Count],
    state: &Search,
    speaker: bool,
) -> Vec<FacetView> {
    counts
        .iter()
        .map(|c| {
            let (href, on) = state.toggled(speaker, &c.name);
            FacetView {
                name: c.name.clone(),
                count: c.count,
                href,
                on,
            }
        })
        .collect()
}

/// The request of the search page: the state's search, a page of
/// [`PAGE_HITS`] with facets.
fn page_request(p: &Params, state: &Search) -> Result<Request, ApiError> {
    let mut req = p.request(&LIMITS)?;
    req.limit = PAGE_HITS;
    req.offset = (state.page - 1).saturating_mul(PAGE_HITS);
    req.facets = true;
    req.validate(&LIMITS)
        .map_err(|e| ApiError::from_search(e.into()))
        .map_err(|mut e| {
            if e.parameter == Some("offset") {
                e.parameter = Some("page");
            }
            e
        })?;
    Ok(req)
}

/// `GET /`: the form, and the hits when there is a query.
pub(crate) async fn search(State(state): State<Shared>, RawQuery(raw): RawQuery) -> Response {
    let parsed = Params::parse(raw.as_deref(), &[SEARCH, PAGE])
        .and_then(|p| Ok((Search::from_params(&p)?, p)));
    let (view, p) = match parsed {
        Ok(x) => x,
        Err(e) => return state.pages.error(&e),
    };
    if view.q.trim().is_empty() {
        return state.pages.html(
            StatusCode::OK,
            "search.html",
            minijinja::context! { s => &view, searched => false },
        );
    }
    let req = match page_request(&p, &view) {
        Ok(r) => r,
        Err(e) => return form_error(&state, &view, &e),
    };
    let started = Instant::now();
    let trend_req = Request {
        limit: 1,
        offset: 0,
        snippets: 0,
        facets: false,
        collapse: false,
        ..req.clone()
    };
    let res = state
        .blocking(move |live| {
            let engine = live.engine();
            let hits = engine.search(&req).map_err(ApiError::from_engine)?;
            let trend = engine
                .trend(&trend_req, Interval::Month)
                .map_err(ApiError::from_engine)?;
            Ok((hits, trend))
        })
        .await;
    let (hits, trend) = match res {
        Ok(x) => x,
        Err(e) if e.status == StatusCode::BAD_REQUEST => return form_error(&state, &view, &e),
        Err(e) => return state.pages.error(&e),
    };
    let elapsed_ms = (started.elapsed().as_secs_f64() * 1e4).round() / 10.0;
    let facets = hits.facets.clone().unwrap_or_default();
    let sort_date = Search {
        sort: "date".into(),
        page: 1,
        ..view.clone()
    };
    let sort_relevance = Search {
        sort: String::new(),
        page: 1,
        ..view.clone()
    };
    state.pages.html(
        StatusCode::OK,
        "search.html",
        minijinja::context! {
            s => &view,
            searched => true,
            total => hits.total,
            first => (view.page - 1) * PAGE_HITS + 1,
            elapsed_ms => elapsed_ms,
            hits => hit_views(&hits, &view.q),
            notes => &hits.notes,
            programs => facet_views(&facets.programs, &view, false),
            speakers => facet_views(&facets.speakers, &view, true),
            bars => bars(&trend, &view),
            chart_width => CHART.0,
            chart_height => CHART.1,
            undated => trend.undated,
            pages => page_links(&view, hits.total, PAGE_HITS),
            by_date => matches!(view.sort.as_str(), "date"),
            sort_date_href => sort_date.href(),
            sort_relevance_href => sort_relevance.href(),
            export_csv => format!("/export.csv?{}", Search { page: 1, ..view.clone() }.query()),
            export_jsonl => format!("/export.jsonl?{}", Search { page: 1, ..view.clone() }.query()),
            feed => format!("/feed.atom?{}", Search { page: 1, sort: String::new(), ..view.clone() }.query()),
            export_cap => EXPORT_CAP,
        },
    )
}

/// The search page again with the form filled in and the reason shown.
fn form_error(state: &Shared, view: &Search, e: &ApiError) -> Response {
    state.pages.html(
        e.status,
        "search.html",
        minijinja::context! {
            s => view,
            searched => false,
            error => &e.reason,
            error_parameter => e.parameter,
            error_column => e.column,
        },
    )
}

#[derive(Serialize)]
struct BlockView<'a> {
    anchor: String,
    /// The passage of the moment asked for (`t`).
    here: bool,
    /// A link to this moment, for timed passages.
    moment: Option<String>,
    kind: crate::item::BlockKind,
    speaker: Option<&'a str>,
    time: Option<String>,
    /// Pieces, each mark numbered from 1 through the whole item.
    pieces: Vec<NumberedPiece<'a>>,
}

#[derive(Serialize)]
struct NumberedPiece<'a> {
    text: &'a str,
    mark: Option<usize>,
}

fn numbered<'a>(
    text: &'a str,
    marks: &[(usize, usize)],
    counter: &mut usize,
) -> Vec<NumberedPiece<'a>> {
    pieces(text, marks)
        .into_iter()
        .map(|(text, mark)| NumberedPiece {
            text,
            mark: mark.then(|| {
                *counter += 1;
                *counter
            }),
        })
        .collect()
}

/// `GET /item/{id}`: the whole item, its matches of `q` marked.
pub(crate) async fn item(
    State(state): State<Shared>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let parsed = Params::parse(raw.as_deref(), &[&["q", "t"]]).and_then(|p| {
        let t = p
            .one("t")?
            .map(|t| crate::item::parse_clock(t).map_err(|why| ApiError::bad("bad_time", "t", why)))
            .transpose()?;
        Ok((p.one("q")?.unwrap_or_default().to_string(), t))
    });
    let (q, t) = match parsed {
        Ok(x) => x,
        Err(e) => return state.pages.error(&e),
    };
    let query = q.clone();
    let roots = state.media_roots.clone();
    let res = state
        .blocking(move |live| {
            let item = super::api::find(live, &id)?;
            // A player only for a file that is there (or a URL).
            let source = item
                .media
                .as_deref()
                .and_then(|m| media_src(m, !roots.is_empty()))
                .filter(|(src, _)| match src.strip_prefix("/media/") {
                    Some(rel) => super::media::resolve(&roots, rel).is_some(),
                    None => true,
                });
            // A query that does not parse marks nothing; the item is shown.
            let marks = if query.trim().is_empty() {
                None
            } else {
                let req = Request::new(query.as_str());
                req.validate(&LIMITS)
                    .ok()
                    .and_then(|_| live.engine().marks(&req).ok())
            };
            Ok((item, marks, source))
        })
        .await;
    let (item, marks, source) = match res {
        Ok(x) => x,
        Err(e) => return state.pages.error(&e),
    };
    let analyzer = Analyzer::shared();
    let spans = |text: &str| match &marks {
        Some(m) => search::snippet::highlight_all(analyzer, text, m),
        None => Vec::new(),
    };
    let mut counter = 0;
    let title_marks = spans(&item.title);
    let title = numbered(&item.title, &title_marks, &mut counter);
    let block_marks: Vec<Vec<(usize, usize)>> =
        item.blocks.iter().map(|b| spans(&b.text)).collect();
    // The passage of moment t: the last that starts at or before it.
    let here = t.and_then(|t| {
        item.blocks
            .iter()
            .rposition(|b| b.start_ms.is_some_and(|s| s <= t))
    });
    let blocks: Vec<BlockView> = item
        .blocks
        .iter()
        .zip(&block_marks)
        .enumerate()
        .map(|(i, (b, m))| BlockView {
            anchor: format!("b{}", i + 1),
            here: here == Some(i),
            moment: b.start_ms.map(|ms| moment_href(&item.id, &q, ms)),
            kind: b.kind,
            speaker: b.speaker.as_deref(),
            time: b.start_ms.map(clock),
            pieces: numbered(&b.text, m, &mut counter),
        })
        .collect();
    let player = source.map(|(src, video)| {
        let src = match t {
            Some(ms) if !src.contains('#') => format!("{src}#t={}", seconds(ms)),
            _ => src,
        };
        minijinja::context! { src => src, video => video }
    });
    let back = if q.is_empty() {
        "/".to_string()
    } else {
        Search {
            q: q.clone(),
            ..Search::default()
        }
        .href()
    };
    state.pages.html(
        StatusCode::OK,
        "item.html",
        minijinja::context! {
            item => item_meta(&item),
            title => title,
            blocks => blocks,
            matches => counter,
            q => &q,
            back => back,
            player => player,
        },
    )
}

fn item_meta(item: &Item) -> minijinja::Value {
    minijinja::context! {
        id => &item.id,
        date => item.date.map(|d| d.to_string()),
        program => &item.program,
        speakers => &item.speakers,
        source => &item.source,
    }
}

/// The request of an export: a search's parameters, up to
/// [`EXPORT_CAP`] hits (all of them unless `limit` says fewer).
fn export_request(raw: Option<&str>) -> Result<Request, ApiError> {
    let limits = Limits {
        limit: EXPORT_CAP,
        ..LIMITS
    };
    let p = Params::parse(raw, &[SEARCH])?;
    let mut req = p.request(&limits)?;
    if p.one("limit")?.is_none() {
        req.limit = EXPORT_CAP;
    }
    req.validate(&limits)
        .map_err(|e| ApiError::from_search(e.into()))?;
    Ok(req)
}

/// The server's own address as the client named it, for permalinks.
fn origin(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .map(|h| format!("http://{h}"))
        .unwrap_or_default()
}

/// A CSV field, quoted; a field that a spreadsheet would read as a
/// formula gets a leading apostrophe.
fn csv_field(out: &mut String, text: &str) {
    out.push('"');
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    out.push_str(&text.replace('"', "\"\""));
    out.push('"');
}

/// The hits as CSV, one row a hit, its best snippet in it.
fn csv(hits: &Hits, origin: &str) -> String {
    let mut out = String::from("id,date,program,speakers,title,time,snippet,permalink\r\n");
    for h in &hits.hits {
        let it = &h.item;
        let first = h.snippets.first();
        let fields = [
            it.id.clone(),
            it.date.map(|d| d.to_string()).unwrap_or_default(),
            it.program.clone().unwrap_or_default(),
            it.speakers.join("; "),
            it.title.clone(),
            first
                .and_then(|s| s.start_ms)
                .map(clock)
                .unwrap_or_default(),
            first.map(|s| s.text.clone()).unwrap_or_default(),
            format!("{origin}{}", item_href(&it.id, "")),
        ];
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(&mut out, f);
        }
        out.push_str("\r\n");
    }
    out
}

async fn export_hits(state: &Shared, raw: Option<&str>) -> Result<(Request, Hits, f64), ApiError> {
    let req = export_request(raw)?;
    let started = Instant::now();
    let r = req.clone();
    let hits = state
        .blocking(move |live| live.engine().search(&r).map_err(ApiError::from_engine))
        .await?;
    Ok((req, hits, started.elapsed().as_secs_f64()))
}

fn attachment(body: impl Into<axum::body::Body>, kind: &'static str, name: &str) -> Response {
    let mut res = axum::response::Response::new(body.into());
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// `GET /export.csv`.
pub(crate) async fn export_csv(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    match export_hits(&state, raw.as_deref()).await {
        Ok((_, hits, _)) => attachment(
            csv(&hits, &origin(&headers)),
            "text/csv; charset=utf-8",
            "archivar.csv",
        ),
        Err(e) => e.into_response(),
    }
}

/// `GET /export.jsonl`: the lines of `search --json`.
pub(crate) async fn export_jsonl(State(state): State<Shared>, RawQuery(raw): RawQuery) -> Response {
    match export_hits(&state, raw.as_deref()).await {
        Ok((req, hits, secs)) => attachment(
            super::api::hit_lines(&req, &hits, std::time::Duration::from_secs_f64(secs)),
            "application/x-ndjson",
            "archivar.jsonl",
        ),
        Err(e) => e.into_response(),
    }
}

#[derive(Serialize)]
struct EntryView<'a> {
    id: &'a str,
    title: &'a str,
    href: String,
    updated: String,
    summary: String,
    program: Option<&'a str>,
}

/// `GET /feed.atom?q=…`: the newest hits as an Atom feed.
pub(crate) async fn feed(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let parsed = Params::parse(raw.as_deref(), &[SEARCH]).and_then(|p| {
        let mut req = p.request(&LIMITS)?;
        (req.sort, req.limit, req.offset) = (Sort::Date, FEED_ENTRIES, 0);
        Ok(req)
    });
    let req = match parsed {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let r = req.clone();
    let hits = match state
        .blocking(move |live| live.engine().search(&r).map_err(ApiError::from_engine))
        .await
    {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    let origin = origin(&headers);
    let stamp = |d: Option<Day>| {
        format!(
            "{}T00:00:00Z",
            d.map_or("1970-01-01".into(), |d| d.to_string())
        )
    };
    let entries: Vec<EntryView> = hits
        .hits
        .iter()
        .map(|h| EntryView {
            id: &h.item.id,
            title: &h.item.title,
            href: format!("{origin}{}", item_href(&h.item.id, &req.query)),
            updated: stamp(h.item.date),
            summary: h
                .snippets
                .iter()
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join(" … "),
            program: h.item.program.as_deref(),
        })
        .collect();
    let updated = stamp(hits.hits.iter().filter_map(|h| h.item.date).max());
    let search_href = format!(
        "{origin}{}",
        Search {
            q: req.query.clone(),
            ..Search::default()
        }
        .href()
    );
    match state.pages.render(
        "feed.xml",
        minijinja::context! {
            q => &req.query, entries => entries, updated => updated,
            search_href => search_href, origin => origin,
        },
    ) {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/atom+xml; charset=utf-8"),
            )],
            body,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /login`: the token form.
pub(crate) async fn login_form(State(state): State<Shared>) -> Response {
    state.pages.html(
        StatusCode::OK,
        "message.html",
        minijinja::context! { title => "Anmelden", login => true },
    )
}

/// The login form in place of a page that needs the token: 401.
pub(crate) fn login_required(state: &Shared) -> Response {
    state.pages.html(
        StatusCode::UNAUTHORIZED,
        "message.html",
        minijinja::context! {
            title => "Anmelden",
            login => true,
            message => "Dieses Archiv verlangt ein Zugangstoken.",
        },
    )
}

/// `POST /login` (`token=…`): with the right token, a session in an
/// HttpOnly, SameSite=Strict cookie and back to the search; 429 after
/// too many wrong ones.
pub(crate) async fn login(
    State(state): State<Shared>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    body: Bytes,
) -> Response {
    let token = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let session = match state.auth.login(&token, Some(peer.ip())) {
        Ok(id) => Some(id),
        Err(Verdict::Allowed) => None,
        Err(Verdict::Limited(wait)) => {
            let e = ApiError::too_many_failures(wait);
            let mut res = state.pages.error(&e);
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return res;
        }
        Err(Verdict::Wrong | Verdict::Missing) => {
            return state.pages.html(
                StatusCode::UNAUTHORIZED,
                "message.html",
                minijinja::context! {
                    title => "Anmelden", login => true, message => "Das Token stimmt nicht.",
                },
            );
        }
    };
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    if let Some(id) = session
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
            SESSION_TTL.as_secs()
        ))
    {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// `POST /logout`: the session forgotten, its cookie cleared, and the
/// login form.
pub(crate) async fn logout(State(state): State<Shared>, headers: HeaderMap) -> Response {
    state.auth.logout(&headers);
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, "/login")]).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("archivar_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    res
}

/// `GET /static/{name}`: the page's style sheet and script.
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "style.css" => (
            include_str!("../../web/style.css"),
            "text/css; charset=utf-8",
        ),
        "app.js" => (
            include_str!("../../web/app.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => {
            return ApiError::not_found(format!(
                "no file /static/{}",
                crate::output::safe::escape(&name)
            ))
            .into_response();
        }
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_through_the_url() {
        let s = Search {
            q: "Selenskyj Rohstoffe".into(),
            from: "01.02.2025".into(),
            programs: vec!["Deutschlandfunk Kultur".into()],
            page: 2,
            ..Search::default()
        };
        assert_eq!(
            s.href(),
            "/?q=Selenskyj+Rohstoffe&from=01.02.2025&program=Deutschlandfunk+Kultur&page=2"
        );
        let (on, was) = s.toggled(false, "Deutschlandfunk Kultur");
        assert_eq!(
            (on.as_str(), was),
            ("/?q=Selenskyj+Rohstoffe&from=01.02.2025", true)
        );
        let (added, was) = s.toggled(true, "Annalena Baerbock");
        assert!(
            !was && added.ends_with("&speaker=Annalena+Baerbock"),
            "{added}"
        );
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let mut out = String::new();
        csv_field(&mut out, "=HYPERLINK(\"x\")");
        assert_eq!(out, "\"'=HYPERLINK(\"\"x\"\")\"");
        let mut out = String::new();
        csv_field(&mut out, "Zölle, Trump");
        assert_eq!(out, "\"Zölle, Trump\"");
    }

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(item_href("dlf-2025/05?x", ""), "/item/dlf-2025%2F05%3Fx");
        assert_eq!(
            item_href("a", "Zölle & Co"),
            "/item/a?q=Z%C3%B6lle+%26+Co#m1"
        );
    }

    #[test]
    fn media_addresses_become_player_sources() {
        assert_eq!(
            media_src("2025/Nachrichten 20 Uhr.mp3", true),
            Some(("/media/2025/Nachrichten%2020%20Uhr.mp3".into(), false))
        );
        assert_eq!(
            media_src("https://example.org/tagesschau.mp4", false),
            Some(("https://example.org/tagesschau.mp4".into(), true))
        );
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:audio/mp3;base64,AAAA",
            "http://example.org/a.mp3",
            "/etc/passwd",
            "../geheim.mp3",
            "https://example.org/a b.mp3",
        ] {
            assert_eq!(media_src(bad, true), None, "{bad}");
        }
        assert_eq!(media_src("2025/a.mp3", false), None);
        assert_eq!(seconds(754_200), "754.2");
        assert_eq!(seconds(12_000), "12");
        assert_eq!(
            moment_href("x", "Zölle", 754_200),
            "/item/x?q=Z%C3%B6lle&t=754.2#here"
        );
    }

    #[test]
    fn templates_parse() {
        Pages::new(true).unwrap();
    }
}
