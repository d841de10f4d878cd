//! Access with `--token-file`: a bearer token for scripts, a login for
//! the page.
//!
//! - The token is compared in constant time ([`same_token`]) and never
//!   logged or sent back.
//! - Logging in on the page starts a session: the cookie holds a random
//!   session id of 256 bits, not the token, lives [`SESSION_TTL`] and is
//!   forgotten by `POST /logout` (and by a restart of the server).
//! - A client address that sends a wrong token (login form or bearer
//!   header) [`MAX_FAILURES`] times within [`FAILURE_WINDOW`] is answered
//!   429 with `Retry-After` until the window has passed, whatever it
//!   sends: guessing the token takes years, not hours.

use axum::http::{HeaderMap, header};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The name of the session cookie.
pub(crate) const COOKIE: &str = "archivar_session";

/// How long a session lasts after its login.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 60 * 60);

/// Sessions kept at most; past it the oldest is forgotten.
const MAX_SESSIONS: usize = 10_000;

/// Wrong tokens one address may send in a [`FAILURE_WINDOW`].
pub const MAX_FAILURES: u32 = 5;

/// The window in which wrong tokens are counted.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// Addresses whose failures are tracked at most (older ones are dropped
/// first, so a flood of addresses cannot grow the map without end).
const MAX_TRACKED: usize = 10_000;

/// What a request's credentials amount to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// No token is required, or the request carries it or a session.
    Allowed,
    /// Nothing that could be the token.
    Missing,
    /// A wrong token.
    Wrong,
    /// Too many wrong tokens from this address: wait this many seconds.
    Limited(u64),
}

/// Failures of one address in its current window.
struct Failures {
    since: Instant,
    count: u32,
}

/// The token, the open sessions and the failure counts.
pub(crate) struct Auth {
    token: Option<String>,
    sessions: Mutex<HashMap<String, Instant>>,
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

impl Auth {
    pub(crate) fn new(token: Option<String>) -> Auth {
        Auth {
            token,
            sessions: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a token is required at all.
    pub(crate) fn required(&self) -> bool {
        self.token.is_some()
    }

    /// Check a request's bearer token or session cookie.
    pub(crate) fn check(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Verdict {
        let Some(token) = &self.token else {
            return Verdict::Allowed;
        };
        if let Some(wait) = self.limited(peer) {
            return Verdict::Limited(wait);
        }
        if let Some(id) = session_cookie(headers)
            && self.session_alive(id)
        {
            return Verdict::Allowed;
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        match bearer {
            None => Verdict::Missing,
            Some(given) if same_token(given, token) => Verdict::Allowed,
            Some(_) => self.failed(peer),
        }
    }

    /// The login form's token: a new session id for the cookie, or why not.
    pub(crate) fn login(&self, given: &str, peer: Option<IpAddr>) -> Result<String, Verdict> {
        let Some(token) = &self.token else {
            return Err(Verdict::Allowed);
        };
        if let Some(wait) = self.limited(peer) {
            return Err(Verdict::Limited(wait));
        }
        if !same_token(given, token) {
            return Err(self.failed(peer));
        }
        let id = new_session_id();
        let mut sessions = lock(&self.sessions);
        let now = Instant::now();
        sessions.retain(|_, until| *until > now);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, until)| **until)
                .map(|(k, _)| k.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(id.clone(), now + SESSION_TTL);
        Ok(id)
    }

    /// Forget the request's session, if it has one.
    pub(crate) fn logout(&self, headers: &HeaderMap) {
        if let Some(id) = session_cookie(headers) {
            lock(&self.sessions).remove(id);
        }
    }

    fn session_alive(&self, id: &str) -> bool {
        let mut sessions = lock(&self.sessions);
        match sessions.get(id) {
            Some(until) if *until > Instant::now() => true,
            Some(_) => {
                sessions.remove(id);
                false
            }
            None => false,
        }
    }

    /// Seconds this address must wait, if it sent too many wrong tokens.
    fn limited(&self, peer: Option<IpAddr>) -> Option<u64> {
        let peer = peer?;
        let failures = lock(&self.failures);
        let f = failures.get(&peer)?;
        let elapsed = f.since.elapsed();
        (f.count >= MAX_FAILURES && elapsed < FAILURE_WINDOW)
            .then(|| (FAILURE_WINDOW - elapsed).as_secs().max(1))
    }

    /// Count a wrong token; the verdict for this request.
    fn failed(&self, peer: Option<IpAddr>) -> Verdict {
        let Some(peer) = peer else {
            return Verdict::Wrong;
        };
        let mut failures = lock(&self.failures);
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, f| f.since.elapsed() < FAILURE_WINDOW);
            if failures.len() >= MAX_TRACKED
                && let Some(oldest) = failures
                    .iter()
                    .min_by_key(|(_, f)| f.since)
                    .map(|(ip, _)| *ip)
            {
                failures.remove(&oldest);
            }
        }
        let f = failures.entry(peer).or_insert(Failures {
            since: Instant::now(),
            count: 0,
        });
        if f.since.elapsed() >= FAILURE_WINDOW {
            *f = Failures {
                since: Instant::now(),
                count: 0,
            };
        }
        f.count += 1;
        Verdict::Wrong
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The session id a request's cookies carry.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .next()
}

/// 32 random bytes from the system, as 64 hex digits.
fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    // The system's random source failing is no state to serve logins in.
    getrandom::fill(&mut bytes).expect("the system's random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compare tokens in constant time: both are hashed first, so neither
/// their bytes nor their lengths show in the time taken.
pub(crate) fn same_token(given: &str, token: &str) -> bool {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(token.as_bytes());
    a.ct_eq(&b).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const TOKEN: &str = "Sendezentrum-Koeln-2025";

    fn bearer(t: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {t}")).unwrap(),
        );
        h
    }

    fn cookie(id: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("andere=1; {COOKIE}={id}")).unwrap(),
        );
        h
    }

    #[test]
    fn tokens_compare_whole() {
        let token = "Rundfunkarchiv-2025-geheim";
        assert!(same_token("Rundfunkarchiv-2025-geheim", token));
        assert!(!same_token("Rundfunkarchiv-2025-geheiM", token));
        assert!(!same_token("Rundfunkarchiv", token));
        assert!(!same_token("", token));
    }

    #[test]
    fn the_token_or_a_session_lets_in() {
        let auth = Auth::new(Some(TOKEN.into()));
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        assert_eq!(auth.check(&HeaderMap::new(), ip), Verdict::Missing);
        assert_eq!(auth.check(&bearer(TOKEN), ip), Verdict::Allowed);
        assert_eq!(
            auth.check(&bearer("Sendezentrum-Koeln-2024"), ip),
            Verdict::Wrong
        );
        // The token itself is no session id.
        assert_eq!(auth.check(&cookie(TOKEN), ip), Verdict::Missing);
        let id = auth.login(TOKEN, ip).unwrap();
        assert_eq!(id.len(), 64);
        assert_ne!(auth.login(TOKEN, ip).unwrap(), id);
        assert_eq!(auth.check(&cookie(&id), ip), Verdict::Allowed);
        auth.logout(&cookie(&id));
        assert_eq!(auth.check(&cookie(&id), ip), Verdict::Missing);
    }

    #[test]
    fn five_wrong_tokens_lock_out_that_address_only() {
        let auth = Auth::new(Some(TOKEN.into()));
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..MAX_FAILURES {
            assert_eq!(auth.login("falsch", ip), Err(Verdict::Wrong));
        }
        assert!(matches!(auth.login(TOKEN, ip), Err(Verdict::Limited(s)) if (1..=60).contains(&s)));
        assert!(matches!(
            auth.check(&bearer(TOKEN), ip),
            Verdict::Limited(_)
        ));
        let other = Some(IpAddr::from([10, 0, 0, 2]));
        assert_eq!(auth.check(&bearer(TOKEN), other), Verdict::Allowed);
        assert!(auth.login(TOKEN, other).is_ok());
    }

    #[test]
    fn without_a_token_everything_is_allowed() {
        let auth = Auth::new(None);
        assert_eq!(auth.check(&HeaderMap::new(), None), Verdict::Allowed);
        assert!(!auth.required());
    }
}
