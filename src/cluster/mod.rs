//! archivar on an OpenSearch cluster (issue 14, route 1): archivar reads
//! and analyses the input and the queries, the cluster stores the items as
//! [`crate::index::template`] makes them and ranks them by BM25.
//!
//! - [`Cluster`]: the index named by `--opensearch URL/INDEX`, and its
//!   HTTP calls, with retries on 429 and 5xx;
//! - [`load`]: `archivar index --opensearch`, bulk batches sized by bytes;
//! - [`vocabulary`]: the vocabulary the query plan needs, kept beside the
//!   index as a second index `INDEX-vocabulary`;
//! - [`search`]: `archivar search --opensearch`, the plan as query DSL and
//!   archivar's own passage rerank and snippets from `_source`.

pub mod load;
pub mod search;
pub mod vocabulary;

use serde_json::{Value, json};
use std::time::Duration;

/// The environment variable that names the cluster's index when
/// `--opensearch` is not given.
pub const ENV: &str = "ARCHIVAR_OPENSEARCH";

/// Suffix of the vocabulary's index name.
pub const VOCABULARY_SUFFIX: &str = "-vocabulary";

/// Attempts of a call that the cluster answers 429 or 5xx (or that cannot
/// connect), waiting 0.25 s, 0.5 s, 1 s, … in between.
pub const ATTEMPTS: u32 = 6;

/// Attempts of a call that cannot connect at all: an address where
/// nothing listens is reported quickly.
const CONNECT_ATTEMPTS: u32 = 3;

/// Errors talking to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// `--opensearch` names no cluster index.
    #[error(
        "--opensearch {given:?}: {why}; give the cluster's URL and an index name, e.g. --opensearch http://127.0.0.1:9200/archivar"
    )]
    BadTarget {
        /// What was given.
        given: String,
        /// What is wrong with it.
        why: String,
    },
    /// Nothing answered.
    #[error(
        "cannot reach the OpenSearch cluster at {url} ({detail}); is it running? `opensearch/cluster start` starts one on this machine"
    )]
    Unreachable {
        /// The cluster's URL.
        url: String,
        /// The transport error.
        detail: String,
    },
    /// The cluster refused a call.
    #[error("OpenSearch answered {method} {path} with status {status}: {reason}")]
    Status {
        /// The method.
        method: &'static str,
        /// The path called.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The error's type and reason from the answer.
        reason: String,
    },
    /// The index was made with another schema version.
    #[error(
        "the cluster's index {index} was made with schema version {found}, this archivar writes version {want}; \
         rebuild it: archivar index --rebuild PATHS --opensearch {url}/{index}"
    )]
    Version {
        /// The cluster's URL.
        url: String,
        /// The index.
        index: String,
        /// Its version ("none" if it has none).
        found: String,
        /// The version of this build.
        want: u64,
    },
    /// No index of that name.
    #[error(
        "the cluster at {url} has no index {index}; build it first: archivar index PATHS --opensearch {url}/{index}"
    )]
    NoIndex {
        /// The cluster's URL.
        url: String,
        /// The index.
        index: String,
    },
    /// An answer archivar cannot read.
    #[error("OpenSearch's answer to {path} cannot be read: {detail}")]
    Answer {
        /// The path called.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

/// An index on a cluster: its base URL (`http://host:port`) and name.
#[derive(Clone)]
pub struct Cluster {
    /// `http://host:port`, without a trailing slash.
    pub url: String,
    /// The index name.
    pub index: String,
    agent: ureq::Agent,
    /// The vocabulary's answers so far, shared by the searches of a
    /// process ([`vocabulary::Remote`]).
    answers: std::sync::Arc<std::sync::Mutex<vocabulary::Answers>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.url, self.index)
    }
}

impl Cluster {
    /// The index `target` names: `http://host:port/INDEX`.
    pub fn parse(target: &str) -> Result<Cluster, ClusterError> {
        let bad = |why: &str| ClusterError::BadTarget {
            given: target.to_string(),
            why: why.to_string(),
        };
        let t = target.trim().trim_end_matches('/');
        let rest = if let Some(r) = t.strip_prefix("http://") {
            r
        } else if t.starts_with("https://") {
            return Err(bad(
                "this build speaks plain HTTP only (the cluster on loopback or behind a TLS proxy)",
            ));
        } else {
            return Err(bad("it does not start with http://"));
        };
        let Some((host, index)) = rest.rsplit_once('/') else {
            return Err(bad("it names no index after the host"));
        };
        if host.is_empty() || host.starts_with('/') {
            return Err(bad("it names no host"));
        }
        check_index_name(index).map_err(|why| bad(&why))?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Ok(Cluster {
            url: format!("http://{host}"),
            index: index.to_string(),
            agent,
            answers: Default::default(),
        })
    }

    /// The target of `--opensearch`, or of [`ENV`] when the flag is
    /// absent; `None` when neither names one.
    pub fn from_flag(flag: Option<&str>) -> Result<Option<Cluster>, ClusterError> {
        match flag {
            Some(t) => Cluster::parse(t).map(Some),
            None => Ok(None),
        }
    }

    /// The vocabulary's index name.
    pub fn vocabulary_index(&self) -> String {
        format!("{}{VOCABULARY_SUFFIX}", self.index)
    }

    /// Call `path` (starting with `/`) with a JSON or NDJSON body; 429,
    /// 5xx and connection failures are retried with backoff. Returns the
    /// status and the JSON answer (a string where it is no JSON).
    pub fn call(
        &self,
        method: &'static str,
        path: &str,
        body: Option<(&str, &str)>,
    ) -> Result<(u16, Value), ClusterError> {
        let url = format!("{}{path}", self.url);
        let mut wait = Duration::from_millis(250);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let res = match (method, body) {
                ("GET", _) => self.agent.get(&url).call(),
                ("HEAD", _) => self.agent.head(&url).call(),
                ("DELETE", _) => self.agent.delete(&url).call(),
                ("PUT", Some((kind, b))) => self.agent.put(&url).content_type(kind).send(b),
                ("PUT", None) => self.agent.put(&url).send_empty(),
                ("POST", Some((kind, b))) => self.agent.post(&url).content_type(kind).send(b),
                (_, _) => self.agent.post(&url).send_empty(),
            };
            match res {
                Ok(mut r) => {
                    let status = r.status().as_u16();
                    if (status == 429 || status >= 500) && attempt < ATTEMPTS {
                        std::thread::sleep(wait);
                        wait *= 2;
                        continue;
                    }
                    let text = r
                        .body_mut()
                        .with_config()
                        .limit(1 << 30)
                        .read_to_string()
                        .map_err(|e| ClusterError::Answer {
                            path: path.to_string(),
                            detail: e.to_string(),
                        })?;
                    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
                    return Ok((status, v));
                }
                Err(e) => {
                    let connect = matches!(
                        e,
                        ureq::Error::ConnectionFailed
                            | ureq::Error::HostNotFound
                            | ureq::Error::Io(_)
                            | ureq::Error::Timeout(_)
                    );
                    if connect && attempt < CONNECT_ATTEMPTS {
                        std::thread::sleep(wait);
                        wait *= 2;
                        continue;
                    }
                    return Err(ClusterError::Unreachable {
                        url: self.url.clone(),
                        detail: e.to_string(),
                    });
                }
            }
        }
    }

    /// [`Cluster::call`] with a JSON body, expecting a 2xx answer.
    pub fn json(
        &self,
        method: &'static str,
        path: &str,
        body: &Value,
    ) -> Result<Value, ClusterError> {
        let b = body.to_string();
        let (status, v) = self.call(method, path, Some(("application/json", &b)))?;
        ok(method, path, status, v)
    }

    /// `GET path`, expecting a 2xx answer.
    pub fn get(&self, path: &str) -> Result<Value, ClusterError> {
        let (status, v) = self.call("GET", path, None)?;
        ok("GET", path, status, v)
    }

    /// Whether an index exists.
    pub fn exists(&self, index: &str) -> Result<bool, ClusterError> {
        let path = format!("/{index}");
        match self.call("HEAD", &path, None)? {
            (200, _) => Ok(true),
            (404, _) => Ok(false),
            (status, v) => ok("HEAD", &path, status, v).map(|_| false),
        }
    }

    /// The schema version in an index's `_meta` (`None` for an index
    /// without one).
    pub fn version(&self, index: &str) -> Result<Option<u64>, ClusterError> {
        let v = self.get(&format!("/{index}/_mapping"))?;
        Ok(v.as_object()
            .and_then(|m| m.values().next())
            .and_then(|m| m["mappings"]["_meta"][crate::index::template::VERSION_KEY].as_u64()))
    }

    /// Check that the index exists and has schema version `want`.
    pub fn check_version(&self, want: u64) -> Result<(), ClusterError> {
        // One call: the mapping, or 404 for no index.
        let path = format!("/{}/_mapping", self.index);
        let (status, v) = self.call("GET", &path, None)?;
        if status == 404 {
            return Err(ClusterError::NoIndex {
                url: self.url.clone(),
                index: self.index.clone(),
            });
        }
        let v = ok("GET", &path, status, v)?;
        let found = v
            .as_object()
            .and_then(|m| m.values().next())
            .and_then(|m| m["mappings"]["_meta"][crate::index::template::VERSION_KEY].as_u64());
        match found {
            Some(v) if v == want => Ok(()),
            found => Err(ClusterError::Version {
                url: self.url.clone(),
                index: self.index.clone(),
                found: found.map_or("none".to_string(), |v| v.to_string()),
                want,
            }),
        }
    }

    /// Items in the index (as of its last refresh).
    pub fn count(&self) -> Result<u64, ClusterError> {
        let path = format!("/{}/_count", self.index);
        let v = self.get(&path)?;
        v["count"].as_u64().ok_or_else(|| ClusterError::Answer {
            path,
            detail: "no count".into(),
        })
    }

    /// Make what was written visible to searches.
    pub fn refresh(&self, index: &str) -> Result<(), ClusterError> {
        self.json("POST", &format!("/{index}/_refresh"), &json!({}))
            .map(|_| ())
    }
}

/// The answer, or an error naming the status and OpenSearch's reason.
fn ok(method: &'static str, path: &str, status: u16, v: Value) -> Result<Value, ClusterError> {
    if (200..300).contains(&status) {
        return Ok(v);
    }
    Err(ClusterError::Status {
        method,
        path: path.to_string(),
        status,
        reason: reason(&v),
    })
}

/// The type and reason of an error answer (or item error).
pub fn reason(v: &Value) -> String {
    let e = if v["error"].is_object() {
        &v["error"]
    } else {
        v
    };
    match (e["type"].as_str(), e["reason"].as_str()) {
        (Some(t), Some(r)) => format!("{t}: {r}"),
        _ => {
            let s = v.to_string();
            s.chars().take(300).collect()
        }
    }
}

/// OpenSearch's rules for index names.
fn check_index_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the index name is empty".into());
    }
    if name.len() > 200 {
        return Err("the index name is longer than 200 bytes".into());
    }
    if name != name.to_lowercase() {
        return Err("index names are lowercase".into());
    }
    if name.starts_with(['-', '_', '+', '.']) {
        return Err("an index name cannot start with -, _, + or .".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| "\\/*?\"<>| ,#:".contains(*c) || c.is_control())
    {
        return Err(format!("an index name cannot hold {c:?}"));
    }
    Ok(())
}

/// The bytes of standard base64, as [`crate::index::template`] writes the
/// `binary` fields; `None` for text that is not base64.
pub fn unbase64(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let t = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    for chunk in t.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= digit(c)? << (18 - 6 * i);
        }
        let [_, a, b, c] = n.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(&[a, b, c]),
            3 => out.extend_from_slice(&[a, b]),
            2 => out.push(a),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_back_to_bytes() {
        assert_eq!(unbase64("").as_deref(), Some(&b""[..]));
        assert_eq!(unbase64("Zg==").as_deref(), Some(&b"f"[..]));
        assert_eq!(unbase64("Zm8=").as_deref(), Some(&b"fo"[..]));
        assert_eq!(unbase64("Zm9v").as_deref(), Some(&b"foo"[..]));
        assert_eq!(unbase64("WsO2bGxl").as_deref(), Some("Zölle".as_bytes()));
        assert_eq!(unbase64("Zg=!"), None);
        assert_eq!(unbase64("Z"), None);
    }

    #[test]
    fn a_target_is_a_url_and_an_index() {
        let c = Cluster::parse("http://127.0.0.1:9200/archivar/").unwrap();
        assert_eq!(c.url, "http://127.0.0.1:9200");
        assert_eq!(c.index, "archivar");
        assert_eq!(c.vocabulary_index(), "archivar-vocabulary");
        for bad in [
            "127.0.0.1:9200/archivar",
            "http://127.0.0.1:9200",
            "http://127.0.0.1:9200/Archivar",
            "http:///archivar",
            "http://127.0.0.1:9200/_x",
            "https://127.0.0.1:9200/archivar",
        ] {
            let e = Cluster::parse(bad).unwrap_err().to_string();
            assert!(e.contains("--opensearch"), "{bad}: {e}");
        }
    }

    #[test]
    fn nothing_listening_is_unreachable_not_a_panic() {
        // Port 9 (discard) on loopback: nothing listens in the test
        // machines, so the connection is refused at once.
        let c = Cluster::parse("http://127.0.0.1:9/archivar").unwrap();
        let e = c.count().unwrap_err();
        assert!(matches!(e, ClusterError::Unreachable { .. }), "{e}");
        assert!(e.to_string().contains("cannot reach"), "{e}");
    }
}
