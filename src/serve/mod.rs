//! `archivar serve`: the index over HTTP, read-only. A JSON API whose
//! bodies are the shapes of the CLI's `--json` ([`api`]), a search page
//! that works without script ([`page`]), and media files from the
//! `--media-root` folders ([`media`]).
//!
//! Every search goes through the same [`Request`](crate::search::Request)
//! and its `validate`, with the stricter [`LIMITS`]. tantivy work runs on
//! tokio's blocking pool under a limit of concurrent searches; one
//! long-lived reader follows the index's commits.

mod api;
mod auth;
mod media;
mod page;
mod params;

use crate::app::Outcome;
use crate::cli::ServeArgs;
use crate::engine::Engine;
use crate::error::IndexError;
use crate::index::Archive;
use crate::search::{Limits, SearchError};
use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request as HttpRequest, State as AxumState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tantivy::IndexReader;
use tokio::sync::Semaphore;

/// Where `archivar serve` listens unless told otherwise: loopback only.
pub const DEFAULT_BIND: &str = "127.0.0.1:4747";

/// The server's bounds on a search: the library's, with at most 100 hits
/// a page (a page of 100 hits with snippets is about 200 KB of JSON).
pub const LIMITS: Limits = Limits {
    limit: 100,
    ..Limits::DEFAULT
};

/// Hits an export (CSV, JSON Lines) or a feed holds at most.
pub const EXPORT_CAP: usize = 1_000;

// How many searches run at once (`--max-searches`, 4: twice the two
// cores, as a search waits on the disk part of its time), how many may
// wait for a slot (`--queue`, 64; one more is answered 503 with
// `Retry-After` at once, so the queue cannot grow without end, as with
// Elasticsearch's search queue), and the longest a request may take,
// waiting included (`--timeout`, 10 s): see `ServeArgs`.

/// The longest URL (path and query) taken; longer ones get 414. The query
/// may have 4 KiB, percent-encoded up to three times that.
pub const MAX_URL_BYTES: usize = 16 * 1024;

/// The most bytes of request headers taken; more get 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The shortest token `--token-file` may hold.
pub const MIN_TOKEN_CHARS: usize = 16;

/// What `serve` needs, checked before the socket is opened.
#[derive(Debug)]
pub struct Config {
    /// The index folder.
    pub dir: PathBuf,
    /// The address to listen on.
    pub bind: SocketAddr,
    /// The access token, when one is required.
    pub token: Option<String>,
    /// Folders media may be served from, canonical.
    pub media_roots: Vec<PathBuf>,
    /// Searches run at once.
    pub max_searches: usize,
    /// Searches that may wait for a slot.
    pub queue: usize,
    /// The longest a request may take.
    pub timeout: Duration,
    /// The cluster's index to serve instead of the local one.
    pub opensearch: Option<String>,
}

impl Config {
    /// Check the command line: a token file that holds a token, media
    /// folders that exist, and no open door on a reachable address.
    pub fn from_args(dir: PathBuf, a: ServeArgs) -> Result<Config> {
        let token = match &a.token_file {
            Some(f) => {
                let text = std::fs::read_to_string(f).with_context(|| {
                    format!(
                        "cannot read the token file {}",
                        crate::output::safe::SafePath(f)
                    )
                })?;
                let token = text.trim().to_string();
                if token.chars().count() < MIN_TOKEN_CHARS || token.contains(char::is_whitespace) {
                    bail!(
                        "the token file {} must hold one token of at least {MIN_TOKEN_CHARS} characters without spaces",
                        crate::output::safe::SafePath(f)
                    );
                }
                Some(token)
            }
            None => None,
        };
        if !a.bind.ip().is_loopback() && token.is_none() && !a.no_auth {
            bail!(
                "--bind {} can be reached from other machines; give --token-file FILE to require a token, or --no-auth to serve without one",
                a.bind
            );
        }
        let mut media_roots = Vec::new();
        for root in &a.media_root {
            let canonical = std::fs::canonicalize(root)
                .ok()
                .filter(|p| p.is_dir())
                .with_context(|| {
                    format!(
                        "--media-root {} is no folder",
                        crate::output::safe::SafePath(root)
                    )
                })?;
            media_roots.push(canonical);
        }
        Ok(Config {
            dir,
            bind: a.bind,
            token,
            media_roots,
            max_searches: usize::from(a.max_searches),
            queue: usize::from(a.queue),
            timeout: a.timeout,
            opensearch: a.opensearch,
        })
    }
}

/// Run the server until Ctrl-C or SIGTERM.
pub fn run(config: Config) -> Result<Outcome> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's threads")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let addr = listener.local_addr()?;
        // Where the archive is: the cluster's index with --opensearch.
        let place = match &config.opensearch {
            Some(target) => format!(
                "{} (OpenSearch)",
                crate::output::safe::escape(target.trim().trim_end_matches('/'))
            ),
            None => crate::output::safe::SafePath(&config.dir).to_string(),
        };
        let auth = if config.token.is_some() {
            "a token is required"
        } else {
            "no token required"
        };
        let state = Arc::new(State::new(config)?);
        crate::report!("serving {place} on http://{addr}/ ({auth}; Ctrl-C stops)");
        serve_on(listener, router(state)).await;
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(Outcome::Success)
}

/// How long a client may take to send a request's headers; then the
/// connection is closed (a client that trickles bytes holds no connection
/// for good).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The most bytes hyper buffers for a request's head; past it the
/// request is refused before any handler (431).
const MAX_HEAD_BUFFER: usize = 64 * 1024;

/// Accept connections until Ctrl-C or SIGTERM, each served by hyper's
/// HTTP/1 with a header read timeout (axum::serve sets none); then let the
/// open requests finish, for at most 5 s.
async fn serve_on(listener: tokio::net::TcpListener, app: Router) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_HEAD_BUFFER);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown());
    loop {
        tokio::select! {
            conn = listener.accept() => {
                let Ok((stream, peer)) = conn else {
                    // Out of file descriptors, say: wait, do not spin.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                // The client's address, for the failed-login count.
                let service = hyper_util::service::TowerToHyperService::new(
                    tower::ServiceExt::map_request(app.clone(), move |mut r: hyper::Request<hyper::body::Incoming>| {
                        r.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                        r
                    }),
                );
                let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = &mut stop => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {},
        _ = tokio::time::sleep(Duration::from_secs(5)) => {},
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The open archive: the local index and its reader, which reloads on
/// each commit, or the cluster's index (whose vocabulary answers are kept
/// across requests, [`crate::cluster::vocabulary::Answers`]).
pub(crate) enum Live {
    Local {
        archive: Arc<Archive>,
        reader: IndexReader,
    },
    Cluster {
        cluster: crate::cluster::Cluster,
        archive: Arc<Archive>,
    },
}

impl Live {
    /// The engine for one request: the local index as the reader sees it
    /// now, or the cluster.
    pub(crate) fn engine(&self) -> Engine {
        match self {
            Live::Local { archive, reader } => Engine::Local {
                archive: archive.clone(),
                searcher: reader.searcher(),
            },
            Live::Cluster { cluster, archive } => Engine::Cluster {
                cluster: cluster.clone(),
                archive: archive.clone(),
            },
        }
    }
}

/// What every request shares.
pub(crate) struct State {
    dir: PathBuf,
    opensearch: Option<String>,
    live: Mutex<Option<Arc<Live>>>,
    pub(crate) auth: auth::Auth,
    pub(crate) media_roots: Vec<PathBuf>,
    /// Searches running or waiting: at most running + queued.
    admitted: Arc<Semaphore>,
    /// Searches running.
    running: Arc<Semaphore>,
    max_searches: usize,
    queue: usize,
    timeout: Duration,
    pub(crate) pages: page::Pages,
}

pub(crate) type Shared = Arc<State>;

impl State {
    fn new(config: Config) -> Result<State> {
        let auth = auth::Auth::new(config.token);
        Ok(State {
            dir: config.dir,
            opensearch: config.opensearch,
            live: Mutex::new(None),
            pages: page::Pages::new(auth.required())?,
            auth,
            media_roots: config.media_roots,
            admitted: Arc::new(Semaphore::new(config.max_searches + config.queue)),
            running: Arc::new(Semaphore::new(config.max_searches)),
            max_searches: config.max_searches,
            queue: config.queue,
            timeout: config.timeout,
        })
    }

    /// The open index; opened on first use, so that a server started
    /// before the first `archivar index` answers 503 until there is one.
    fn live(&self) -> Result<Arc<Live>, ApiError> {
        let mut slot = self.live.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(live) = slot.as_ref() {
            return Ok(live.clone());
        }
        let live = match &self.opensearch {
            Some(target) => match Engine::open(&self.dir, Some(target)) {
                Ok(Engine::Cluster { cluster, archive }) => Live::Cluster { cluster, archive },
                Ok(Engine::Local { .. }) => {
                    return Err(ApiError::internal("--opensearch opened no cluster"));
                }
                Err(e) => return Err(ApiError::from_engine(e)),
            },
            None => {
                let archive = Archive::open(&self.dir).map_err(ApiError::from_index)?;
                let reader = archive.live_reader().map_err(ApiError::from_index)?;
                Live::Local {
                    archive: Arc::new(archive),
                    reader,
                }
            }
        };
        let live = Arc::new(live);
        *slot = Some(live.clone());
        Ok(live)
    }

    /// Run index work on the blocking pool, holding one of the
    /// `--max-searches` permits, after waiting in a queue of at most
    /// `--queue`; queue full, 503 at once.
    pub(crate) async fn blocking<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Live) -> Result<T, ApiError> + Send + 'static,
    {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| self.busy())?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| self.busy())?;
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            let live = state.live()?;
            f(&live)
        })
        .await
        .unwrap_or_else(|_| Err(ApiError::internal("the search stopped unexpectedly")))
    }

    /// All search slots taken and the queue full: 503.
    fn busy(&self) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            format!(
                "{} searches are running and {} waiting; try again in a moment",
                self.max_searches, self.queue
            ),
        )
        .retry_after(1)
    }
}

/// "10 s", "500 ms", "2 min".
fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(60_000) {
        format!("{} min", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

fn router(state: Shared) -> Router {
    Router::new()
        .route("/", get(page::search))
        .route("/item/{id}", get(page::item))
        .route("/export.csv", get(page::export_csv))
        .route("/export.jsonl", get(page::export_jsonl))
        .route("/feed.atom", get(page::feed))
        .route("/login", get(page::login_form).post(page::login))
        .route("/logout", axum::routing::post(page::logout))
        .route("/static/{name}", get(page::asset))
        // No icon; an empty answer keeps browsers from logging a 404.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/media/{*path}", get(media::serve))
        .route("/api/health", get(api::health))
        .route("/api/search", get(api::search))
        .route("/api/items/{id}", get(api::item))
        .route("/api/trend", get(api::trend))
        .route("/api/stats", get(api::stats))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/schema/{name}", get(api::schema_file))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(4096))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// 404: JSON below /api, a page elsewhere.
async fn not_found(AxumState(state): AxumState<Shared>, req: HttpRequest) -> Response {
    let path = req.uri().path();
    let e = ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "no page {}; the API is below /api (see /api/openapi.json)",
            crate::output::safe::escape(path)
        ),
    );
    if path.starts_with("/api/") {
        e.into_response()
    } else {
        state.pages.error(&e)
    }
}

/// Paths open without a token: what the login page needs, and health.
fn is_open(path: &str) -> bool {
    path == "/login" || path == "/logout" || path == "/api/health" || path.starts_with("/static/")
}

/// The answer to a request without the access it needs: 401 (a login
/// page outside the API), or 429 after too many wrong tokens.
fn refuse(state: &Shared, req: &HttpRequest, api: bool) -> Option<Response> {
    if is_open(req.uri().path()) {
        return None;
    }
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    match state.auth.check(req.headers(), peer) {
        auth::Verdict::Allowed => None,
        auth::Verdict::Limited(wait) => Some(ApiError::too_many_failures(wait).into_response()),
        auth::Verdict::Missing | auth::Verdict::Wrong if api => {
            let mut r = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a token is required: send the header Authorization: Bearer TOKEN".into(),
            )
            .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            Some(r)
        }
        auth::Verdict::Missing | auth::Verdict::Wrong => Some(page::login_required(state)),
    }
}

/// Before every handler: size limits, the token, the time limit; after
/// it, the security headers on every response.
async fn guard(AxumState(state): AxumState<Shared>, req: HttpRequest, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut res = if req.uri().to_string().len() > MAX_URL_BYTES {
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the URL is longer than the {MAX_URL_BYTES} bytes taken; shorten the query"),
        )
        .into_response()
    } else if header_bytes(&req) > MAX_HEADER_BYTES {
        ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("the request headers are larger than the {MAX_HEADER_BYTES} bytes taken"),
        )
        .into_response()
    } else if let Some(refused) = refuse(&state, &req, api) {
        refused
    } else {
        match tokio::time::timeout(state.timeout, next.run(req)).await {
            Ok(r) => r,
            Err(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!(
                    "the request took longer than {}; narrow the search",
                    human_duration(state.timeout)
                ),
            )
            .retry_after(1)
            .into_response(),
        }
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             media-src 'self' https:; connect-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

fn header_bytes(req: &HttpRequest) -> usize {
    req.headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum()
}

/// An answer other than success, as JSON: `{"error": code, "reason":
/// text}`, with the parameter and the query column where they are known.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ApiError {
    #[serde(skip)]
    pub(crate) status: StatusCode,
    /// A stable code for programs.
    pub(crate) error: &'static str,
    /// What is wrong and what to do, for people.
    pub(crate) reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) parameter: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) column: Option<usize>,
    #[serde(skip)]
    retry_after: Option<u32>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, error: &'static str, reason: String) -> ApiError {
        ApiError {
            status,
            error,
            reason,
            parameter: None,
            column: None,
            retry_after: None,
        }
    }

    /// A bad parameter: 400.
    pub(crate) fn bad(error: &'static str, parameter: &'static str, reason: String) -> ApiError {
        ApiError {
            parameter: Some(parameter),
            ..ApiError::new(StatusCode::BAD_REQUEST, error, reason)
        }
    }

    /// Too many wrong tokens from this address: 429.
    pub(crate) fn too_many_failures(wait: u64) -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_failures",
            format!(
                "{} wrong tokens from this address within {} s; try again in {wait} s",
                auth::MAX_FAILURES,
                auth::FAILURE_WINDOW.as_secs()
            ),
        )
        .retry_after(u32::try_from(wait).unwrap_or(u32::MAX))
    }

    fn retry_after(mut self, seconds: u32) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    pub(crate) fn internal(reason: &str) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            reason.to_string(),
        )
    }

    pub(crate) fn not_found(reason: String) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", reason)
    }

    /// An index that is not there (yet) or unusable is the server's
    /// state, not the client's fault: 503.
    pub(crate) fn from_index(e: IndexError) -> ApiError {
        match e {
            IndexError::Missing { .. } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no_index",
                "there is no index yet; run `archivar index PATH…` on the server".into(),
            )
            .retry_after(5),
            IndexError::SchemaVersion { .. } => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_index", e.to_string())
            }
            e => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "index", e.to_string()),
        }
    }

    /// An engine's error: a search's or index's as they are; a cluster
    /// that fails or cannot be reached is the server's state (502 or 503).
    pub(crate) fn from_engine(e: anyhow::Error) -> ApiError {
        let e = match e.downcast::<SearchError>() {
            Ok(s) => return ApiError::from_search(s),
            Err(e) => e,
        };
        let e = match e.downcast::<IndexError>() {
            Ok(i) => return ApiError::from_index(i),
            Err(e) => e,
        };
        match e.downcast::<crate::cluster::ClusterError>() {
            Ok(c @ crate::cluster::ClusterError::Unreachable { .. }) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_index", c.to_string())
                    .retry_after(5)
            }
            Ok(
                c @ (crate::cluster::ClusterError::NoIndex { .. }
                | crate::cluster::ClusterError::Version { .. }),
            ) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_index", c.to_string()),
            Ok(c) => ApiError::new(StatusCode::BAD_GATEWAY, "cluster", c.to_string()),
            Err(e) => ApiError::internal(&format!("{e:#}")),
        }
    }

    /// A search's error: the request's bounds and the query's syntax are
    /// the client's (400); the index's are not.
    pub(crate) fn from_search(e: SearchError) -> ApiError {
        use crate::error::QueryError as Q;
        use crate::search::RequestError as R;
        match e {
            SearchError::Request(r) => {
                let parameter = match &r {
                    R::QueryTooLong { .. } | R::TooManyWords { .. } => "q",
                    R::Limit { .. } => "limit",
                    R::Window { .. } => "offset",
                    R::Snippets { .. } => "snippets",
                    R::Dates { .. } => "from",
                    R::EmptyName { what }
                    | R::NameTooLong { what, .. }
                    | R::TooManyNames { what, .. } => *what,
                    R::Share => "match",
                };
                ApiError::bad("out_of_range", parameter, r.to_string())
            }
            SearchError::Query(q) => {
                let column = match &q {
                    Q::UnclosedQuote { col, .. }
                    | Q::Paren { col, .. }
                    | Q::Dangling { col, .. }
                    | Q::TooDeep { col, .. }
                    | Q::EmptyField { col, .. } => Some(*col),
                    _ => None,
                };
                ApiError {
                    column,
                    ..ApiError::bad("query_syntax", "q", q.to_string())
                }
            }
            SearchError::Index(e) => ApiError::from_index(e),
            e @ SearchError::TooManyPeriods { .. } => {
                ApiError::bad("out_of_range", "by", e.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = Response::new(Body::from(body));
        *res.status_mut() = self.status;
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(s) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

/// A JSON response from bytes already serialised.
pub(crate) fn json_bytes(body: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_paths() {
        assert!(is_open("/api/health"));
        assert!(is_open("/static/app.js"));
        assert!(!is_open("/api/search"));
        assert!(!is_open("/"));
    }

    #[test]
    fn query_errors_name_their_column() {
        let e = ApiError::from_search(SearchError::Query(crate::error::QueryError::Dangling {
            op: "OR".into(),
            col: 11,
            hint: "",
        }));
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            (e.error, e.column, e.parameter),
            ("query_syntax", Some(11), Some("q"))
        );
    }
}
