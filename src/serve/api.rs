//! The JSON API. Bodies are written by the CLI's own
//! [`JsonPrinter`](crate::output::json::JsonPrinter), so they have the
//! shapes of `--json` (schema/*.schema.json); `/api/search` wraps the hit
//! lines and the summary line into one object.

use super::params::{Params, SEARCH};
use super::{ApiError, LIMITS, Shared, json_bytes};
use crate::item::parse_clock;
use crate::output::Printer;
use crate::output::json::JsonPrinter;
use crate::search::{Hits, Request};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::time::{Duration, Instant};

/// The OpenAPI document of this API.
const OPENAPI: &str = include_str!("../../schema/openapi.v1.json");

/// `GET /api/health`: the server runs; whether it has an index.
pub(crate) async fn health(State(state): State<Shared>) -> Response {
    let ready = state
        .blocking(|live| live.engine().count().map_err(ApiError::from_engine))
        .await;
    let body = match ready {
        Ok(items) => serde_json::json!({"status": "ok", "index": true, "items": items}),
        Err(_) => serde_json::json!({"status": "ok", "index": false}),
    };
    axum::Json(body).into_response()
}

/// `GET /api/search`: `{"hits": [hit…], "summary": summary, "notes": […]}`,
/// each hit and the summary as a line of `archivar search --json`.
pub(crate) async fn search(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let req = match Params::parse(q.as_deref(), &[SEARCH]).and_then(|p| p.request(&LIMITS)) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let started = Instant::now();
    let res = state
        .blocking(move |live| {
            let hits = live.engine().search(&req).map_err(ApiError::from_engine)?;
            Ok(hits_object(&req, &hits, started.elapsed()))
        })
        .await;
    match res {
        Ok(body) => json_bytes(body),
        Err(e) => e.into_response(),
    }
}

/// The lines of `search --json` for `hits`.
pub(crate) fn hit_lines(req: &Request, hits: &Hits, elapsed: Duration) -> Vec<u8> {
    let mut buf = Vec::new();
    // Writing into a Vec does not fail.
    let _ = JsonPrinter::new(&mut buf).hits(&req.query, req.offset, hits, elapsed);
    buf
}

fn hits_object(req: &Request, hits: &Hits, elapsed: Duration) -> Vec<u8> {
    let buf = hit_lines(req, hits, elapsed);
    let lines: Vec<&[u8]> = buf
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let empty: &[u8] = b"{}";
    let (summary, hit_lines) = match lines.split_last() {
        Some((s, h)) => (*s, h),
        None => (empty, &[][..]),
    };
    let mut out = Vec::with_capacity(buf.len() + 64);
    out.extend_from_slice(b"{\"hits\":[");
    for (i, l) in hit_lines.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(l);
    }
    out.extend_from_slice(b"],\"summary\":");
    out.extend_from_slice(summary);
    out.extend_from_slice(b",\"notes\":");
    out.extend_from_slice(&serde_json::to_vec(&hits.notes).unwrap_or_else(|_| b"[]".to_vec()));
    out.push(b'}');
    out
}

/// `GET /api/items/{id}`: the item as `show --json`; with `at` (MM:SS,
/// HH:MM:SS or seconds) only the passage said then, with `context`
/// passages on either side.
pub(crate) async fn item(
    State(state): State<Shared>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let parsed = Params::parse(q.as_deref(), &[&["at", "context"]]).and_then(|p| {
        let at = p
            .one("at")?
            .map(|t| parse_clock(t).map_err(|why| ApiError::bad("bad_time", "at", why)))
            .transpose()?;
        let context = p.number("context")?.unwrap_or(1);
        if context > 100 {
            return Err(ApiError::bad(
                "out_of_range",
                "context",
                "\"context\" must be 0 to 100 passages".into(),
            ));
        }
        Ok((at, context))
    });
    let (at, context) = match parsed {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let res = state
        .blocking(move |live| {
            let item = find(live, &id)?;
            let item = match at {
                Some(ms) => item
                    .around(ms, context)
                    .map_err(|why| ApiError::bad("out_of_range", "at", why))?,
                None => item,
            };
            let mut buf = Vec::new();
            let _ = JsonPrinter::new(&mut buf).item(&item);
            Ok(buf)
        })
        .await;
    match res {
        Ok(body) => json_bytes(body),
        Err(e) => e.into_response(),
    }
}

/// The item with `id`, or 404.
pub(crate) fn find(live: &super::Live, id: &str) -> Result<crate::item::Item, ApiError> {
    live.engine()
        .find(id)
        .map_err(ApiError::from_engine)?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no item with id \"{}\"; ids are shown in search results",
                crate::output::safe::escape(id)
            ))
        })
}

/// `GET /api/trend`: matching items per period, as `trend --json`.
pub(crate) async fn trend(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    let parsed = Params::parse(q.as_deref(), &[SEARCH, &["by"]]).and_then(|p| {
        let mut req = p.request(&LIMITS)?;
        (req.limit, req.snippets, req.collapse) = (1, 0, false);
        Ok((req, p.interval()?))
    });
    let (req, by) = match parsed {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let res = state
        .blocking(move |live| {
            let trend = live
                .engine()
                .trend(&req, by)
                .map_err(ApiError::from_engine)?;
            let mut buf = Vec::new();
            let _ = JsonPrinter::new(&mut buf).trend(&trend);
            Ok(buf)
        })
        .await;
    match res {
        Ok(body) => json_bytes(body),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/stats`: as `stats --json`.
pub(crate) async fn stats(State(state): State<Shared>, RawQuery(q): RawQuery) -> Response {
    if let Err(e) = Params::parse(q.as_deref(), &[]) {
        return e.into_response();
    }
    let res = state
        .blocking(|live| {
            let s = live.engine().stats().map_err(ApiError::from_engine)?;
            let mut buf = Vec::new();
            let _ = JsonPrinter::new(&mut buf).stats(&s);
            Ok(buf)
        })
        .await;
    match res {
        Ok(body) => json_bytes(body),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/openapi.json`.
pub(crate) async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

/// `GET /api/schema/{name}`: the JSON Schemas the OpenAPI document refers to.
pub(crate) async fn schema_file(Path(name): Path<String>) -> Response {
    let body = match name.as_str() {
        "hit.v1.schema.json" => include_str!("../../schema/hit.v1.schema.json"),
        "item.v1.schema.json" => include_str!("../../schema/item.v1.schema.json"),
        "trend.v1.schema.json" => include_str!("../../schema/trend.v1.schema.json"),
        "stats.v1.schema.json" => include_str!("../../schema/stats.v1.schema.json"),
        _ => {
            return ApiError::not_found(format!(
                "no schema {}; see /api/openapi.json",
                crate::output::safe::escape(&name)
            ))
            .into_response();
        }
    };
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
