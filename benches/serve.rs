//! Serving under load (issue 13): `archivar serve` on the scale bench's 100k
//! archive, loaded over loopback by keep-alive HTTP/1.1 clients, against the
//! library's own search time for the same queries in the same run.
//!
//! ```sh
//! cargo bench --bench serve                                  # BENCHMARKS.md, ~12 min on 2 cores
//! cargo bench --bench serve -- --size 10k --queries 200 --soak 30s   # a quick look, ~1-2 min
//! cargo bench --bench serve -- --help                        # options
//! ```
//!
//! The run
//! 1. takes `target/bench-scale/synth-SIZE.jsonl`, the scale bench's archive
//!    (made by the generator in `benches/common/mod.rs` if it is not there),
//!    and a second archive of `--add` items with seed 2 (other ids), cut into
//!    `--add-files` files;
//! 2. indexes the first with the real binary (`archivar --index DIR index`);
//! 3. runs the eval queries of `../shared/eval/queries.tsv` (split into
//!    words as the scale bench does) through `archivar::search` in this
//!    process: once untimed, then timed, as the API asks for them (top 10,
//!    two snippets, repeats collapsed) and as the search page does (the same
//!    with facets, and the month trend);
//! 4. starts `archivar --index DIR serve --bind 127.0.0.1:0` and loads it with
//!    1, 4 and 16 clients, each a thread with one keep-alive connection,
//!    which take the queries in turn until all are sent or `--phase` has
//!    passed: `/api/search?q=…&limit=10`, then the HTML page `/?q=…`. Every
//!    answer but a 200 with a whole body is an error and counted;
//! 5. soaks it: 4 clients, API and page in turn, for `--soak`, with the
//!    server's RSS (`/proc/PID/status`) sampled every 10 s;
//! 6. loads it the same way while `archivar index` adds the second archive
//!    into the served index, one commit a file, and measures how long after
//!    each commit (a new `meta.json` with more items) `/api/health` counts
//!    its items;
//! 7. prints a Markdown report and writes it to `target/bench-serve/`.
//!
//! Latency is per request at the client, from the request's first byte
//! written to its body's last byte read. The server keeps its defaults
//! (`--max-searches 4`, `--queue 64`), so 16 clients must see no 503.

mod common;

use archivar::index::Archive;
use archivar::search::facets::{self, Interval};
use archivar::search::{self, Request};
use common::{corpus, eval_queries, file_len, label, machine, now_utc, parse_size};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const USAGE: &str = "\
cargo bench --bench serve -- [OPTIONS]

  --size N          items of the served archive, e.g. 10k, 100k (default 100k)
  --queries N       use only the first N eval queries (default: all 2,068)
  --clients LIST    concurrent clients of the load runs (default 1,4,16)
  --phase DURATION  longest load run, per endpoint and client count (default 60s)
  --soak DURATION   the soak at 4 clients (default 300s; 0 skips it)
  --add N           items `archivar index` adds while the server is loaded
                    (default 10k; 0 skips that phase)
  --add-files N     files they come in, one commit each (default 20)
  --warm N          queries of the untimed warm-up passes (default 200)
  --quiet-wait DURATION
                    before each timed pass, wait until the other processes of
                    the machine use less than a quarter core, at most this
                    long (default 20s; 0: do not wait)
  --seed N          generator seed of the served archive (default 1)
  --work DIR        index and reports (default target/bench-serve);
                    the archives are kept in target/bench-scale
";

/// Clients of the soak and of the load during indexing.
const SOAK_CLIENTS: usize = 4;
/// How often the soak samples the server's RSS.
const RSS_EVERY: Duration = Duration::from_secs(10);
/// How often the indexing phase looks for a new commit and asks the server
/// how many items it sees.
const COMMIT_POLL: Duration = Duration::from_millis(5);
const SEEN_POLL: Duration = Duration::from_millis(10);
/// What issue 13 allows between a commit and the server seeing it.
const SEEN_WITHIN: Duration = Duration::from_secs(1);
/// A client gives up on an answer after this long (and counts an error).
const READ_TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------- options

struct Opts {
    size: u64,
    queries: Option<usize>,
    clients: Vec<usize>,
    phase: Duration,
    soak: Duration,
    add: u64,
    add_files: usize,
    warm: usize,
    quiet_wait: Duration,
    seed: u64,
    work: PathBuf,
    archives: PathBuf,
}

/// `300s`, `5m`, `500ms`, `300` (seconds).
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((s, ""), |i| s.split_at(i));
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1e3,
        "m" | "min" => n * 60.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut o = Opts {
        size: 100_000,
        queries: None,
        clients: vec![1, 4, 16],
        phase: Duration::from_secs(60),
        soak: Duration::from_secs(300),
        add: 10_000,
        add_files: 20,
        warm: 200,
        quiet_wait: Duration::from_secs(20),
        seed: 1,
        work: root.join("target/bench-serve"),
        archives: root.join("target/bench-scale"),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("{a}: {e}"));
        let size = |v: String| parse_size(&v).ok_or(format!("{a}: bad size {v:?}"));
        let duration = |v: String| parse_duration(&v).ok_or(format!("{a}: bad duration {v:?}"));
        match a.as_str() {
            "--size" => o.size = size(val()?)?,
            "--queries" => o.queries = Some(number(val()?)?),
            "--clients" => {
                o.clients = val()?
                    .split(',')
                    .map(|c| match c.trim().parse::<usize>() {
                        Ok(n) if n > 0 => Ok(n),
                        _ => Err(format!("{a}: bad client count {c:?}")),
                    })
                    .collect::<Result<_, _>>()?
            }
            "--phase" => o.phase = duration(val()?)?,
            "--soak" => o.soak = duration(val()?)?,
            "--add" => o.add = size(val()?)?,
            "--add-files" => o.add_files = number(val()?)?.max(1),
            "--warm" => o.warm = number(val()?)?,
            "--quiet-wait" => o.quiet_wait = duration(val()?)?,
            "--seed" => o.seed = val()?.parse().map_err(|e| format!("{a}: {e}"))?,
            "--work" => o.work = PathBuf::from(val()?),
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            "--help" | "-h" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown option {other:?}\n\n{USAGE}")),
        }
    }
    Ok(o)
}

// ---------------------------------------------------------------- HTTP client

/// Why a request got no answer.
enum Failure {
    /// The connection was gone before any byte of an answer came back: on a
    /// kept-alive connection the server may close it between requests, and
    /// a client sends again on a new one (RFC 9112, 9.3.1).
    Closed(std::io::Error),
    /// Anything else: a broken or bad answer, a timeout.
    Broken(std::io::Error),
}

fn bad_answer(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

/// A keep-alive HTTP/1.1 client on one connection, opened when needed. It
/// reads answers by `Content-Length` or chunked, as the server sends them.
struct Client {
    addr: SocketAddr,
    host: String,
    conn: Option<BufReader<TcpStream>>,
    /// The last answer's body.
    body: Vec<u8>,
    /// Requests sent again on a new connection.
    reconnects: usize,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            host: addr.to_string(),
            conn: None,
            body: Vec::new(),
            reconnects: 0,
        }
    }

    /// `GET target`: the status; the body is in `self.body`.
    fn get(&mut self, target: &str) -> std::io::Result<u16> {
        let reused = self.conn.is_some();
        match self.try_get(target) {
            Err(Failure::Closed(_)) if reused => {
                self.reconnects += 1;
                self.try_get(target)
            }
            r => r,
        }
        .map_err(|(Failure::Closed(e) | Failure::Broken(e))| e)
    }

    fn try_get(&mut self, target: &str) -> Result<u16, Failure> {
        let conn = match self.conn.take() {
            Some(c) => c,
            None => {
                let s = TcpStream::connect(self.addr).map_err(Failure::Broken)?;
                s.set_nodelay(true).map_err(Failure::Broken)?;
                s.set_read_timeout(Some(READ_TIMEOUT))
                    .map_err(Failure::Broken)?;
                BufReader::with_capacity(64 * 1024, s)
            }
        };
        let mut conn = conn;
        let (status, keep) = exchange(&mut conn, &self.host, target, &mut self.body)?;
        if keep {
            self.conn = Some(conn);
        }
        Ok(status)
    }
}

/// One request and its answer on `conn`: the status, and whether the
/// connection may be used again.
fn exchange(
    conn: &mut BufReader<TcpStream>,
    host: &str,
    target: &str,
    body: &mut Vec<u8>,
) -> Result<(u16, bool), Failure> {
    use Failure::{Broken, Closed};
    let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n");
    conn.get_mut()
        .write_all(request.as_bytes())
        .map_err(Closed)?;
    let mut line = Vec::with_capacity(256);
    match conn.read_until(b'\n', &mut line) {
        Ok(0) => {
            return Err(Closed(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed before answering",
            )));
        }
        Ok(_) => {}
        Err(e) => return Err(Closed(e)),
    }
    // "HTTP/1.1 200 OK"
    let status_line = String::from_utf8_lossy(&line);
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or("");
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .filter(|_| version.starts_with("HTTP/1."))
        .ok_or_else(|| Broken(bad_answer("no HTTP/1.x status line")))?;
    let mut keep = version == "HTTP/1.1";
    let (mut length, mut chunked) = (None, false);
    loop {
        line.clear();
        if conn.read_until(b'\n', &mut line).map_err(Broken)? == 0 {
            return Err(Broken(bad_answer("closed within the headers")));
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        let Some((name, value)) = text.split_once(':') else {
            return Err(Broken(bad_answer("a header without a colon")));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| Broken(bad_answer("a bad Content-Length")))?,
                )
            }
            "transfer-encoding" => chunked = value.to_ascii_lowercase().ends_with("chunked"),
            "connection" => {
                if value.eq_ignore_ascii_case("close") {
                    keep = false;
                } else if value.eq_ignore_ascii_case("keep-alive") {
                    keep = true;
                }
            }
            _ => {}
        }
    }
    body.clear();
    if chunked {
        loop {
            line.clear();
            conn.read_until(b'\n', &mut line).map_err(Broken)?;
            let text = String::from_utf8_lossy(&line);
            let hex = text.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(hex, 16)
                .map_err(|_| Broken(bad_answer("a bad chunk size")))?;
            if size == 0 {
                // Trailers, then the empty line.
                loop {
                    line.clear();
                    if conn.read_until(b'\n', &mut line).map_err(Broken)? == 0
                        || line == b"\r\n"
                        || line == b"\n"
                    {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            conn.read_exact(&mut body[start..]).map_err(Broken)?;
            let mut crlf = [0u8; 2];
            conn.read_exact(&mut crlf).map_err(Broken)?;
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        conn.read_exact(body).map_err(Broken)?;
    } else {
        conn.read_to_end(body).map_err(Broken)?;
        keep = false;
    }
    Ok((status, keep))
}

// ---------------------------------------------------------------- load

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Endpoint {
    Api,
    Page,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Endpoint::Api => "/api/search",
            Endpoint::Page => "HTML page /",
        }
    }

    fn target(self, query: &str) -> String {
        let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        match self {
            Endpoint::Api => format!("/api/search?q={q}&limit=10"),
            Endpoint::Page => format!("/?q={q}"),
        }
    }

    /// A whole answer of this endpoint, not only a 200.
    fn whole(self, body: &[u8]) -> bool {
        match self {
            Endpoint::Api => body.starts_with(b"{\"hits\":[") && body.ends_with(b"}"),
            Endpoint::Page => body.trim_ascii_end().ends_with(b"</html>"),
        }
    }
}

/// One request of a load run: which query, to which endpoint.
struct Target {
    endpoint: Endpoint,
    query: usize,
    path: String,
}

fn targets(queries: &[String], endpoints: &[Endpoint]) -> Vec<Target> {
    queries
        .iter()
        .enumerate()
        .flat_map(|(i, q)| {
            endpoints.iter().map(move |&e| Target {
                endpoint: e,
                query: i,
                path: e.target(q),
            })
        })
        .collect()
}

/// What one endpoint got in a load run.
#[derive(Default, Clone)]
struct Tally {
    /// Latency of every answered request, ms, with its query.
    ms: Vec<(usize, f64)>,
    ok: usize,
    /// Answers other than 200, by status.
    status: BTreeMap<u16, usize>,
    /// No answer (connection refused, reset, timed out, broken).
    io: usize,
    /// A 200 without a whole body.
    partial: usize,
    /// The first few errors, for the report.
    examples: Vec<String>,
}

impl Tally {
    fn errors(&self) -> usize {
        self.status.values().sum::<usize>() + self.io + self.partial
    }

    fn note(&mut self, what: String) {
        if self.examples.len() < 3 {
            self.examples.push(what);
        }
    }

    fn merge(&mut self, o: Tally) {
        self.ms.extend(o.ms);
        self.ok += o.ok;
        for (s, n) in o.status {
            *self.status.entry(s).or_default() += n;
        }
        self.io += o.io;
        self.partial += o.partial;
        for e in o.examples {
            self.note(e);
        }
    }

    fn latencies(&self) -> Vec<f64> {
        self.ms.iter().map(|m| m.1).collect()
    }

    fn error_text(&self) -> String {
        if self.errors() == 0 {
            return "0".into();
        }
        let mut parts: Vec<String> = self
            .status
            .iter()
            .map(|(s, n)| format!("{n}× {s}"))
            .collect();
        if self.io > 0 {
            parts.push(format!("{} no answer", self.io));
        }
        if self.partial > 0 {
            parts.push(format!("{} partial", self.partial));
        }
        format!("**{}** ({})", self.errors(), parts.join(", "))
    }
}

/// A load run's figures.
#[derive(Default, Clone)]
struct Run {
    clients: usize,
    wall: Duration,
    tallies: BTreeMap<Endpoint, Tally>,
    reconnects: usize,
    /// CPU the server, this process (the clients) and all other processes
    /// of the machine used, in cores.
    server_cores: f64,
    client_cores: f64,
    other_cores: f64,
}

impl Run {
    fn tally(&self, e: Endpoint) -> Tally {
        self.tallies.get(&e).cloned().unwrap_or_default()
    }

    fn throughput(&self, e: Endpoint) -> f64 {
        self.tally(e).ok as f64 / self.wall.as_secs_f64()
    }

    fn errors(&self) -> usize {
        self.tallies.values().map(Tally::errors).sum()
    }
}

/// When a load run ends: after `count` requests, after `limit`, or when
/// `stop` is set, whichever comes first.
struct Bound<'a> {
    count: usize,
    limit: Duration,
    stop: Option<&'a AtomicBool>,
}

/// `clients` threads, each with its own connection, take `targets` in turn
/// (from the start again when they run out) until `bound` ends the run.
fn load(addr: SocketAddr, pid: u32, targets: &[Target], clients: usize, bound: &Bound) -> Run {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let deadline = started + bound.limit;
    let (server0, client0, busy0) = (
        cpu_seconds(pid),
        cpu_seconds(std::process::id()),
        busy_seconds(),
    );
    let results: Vec<(BTreeMap<Endpoint, Tally>, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let next = &next;
                s.spawn(move || {
                    let mut client = Client::new(addr);
                    let mut tallies: BTreeMap<Endpoint, Tally> = BTreeMap::new();
                    loop {
                        if Instant::now() >= deadline
                            || bound.stop.is_some_and(|s| s.load(Ordering::Relaxed))
                        {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= bound.count {
                            break;
                        }
                        let t = &targets[i % targets.len()];
                        let tally = tallies.entry(t.endpoint).or_default();
                        let sent = Instant::now();
                        match client.get(&t.path) {
                            Ok(200) if t.endpoint.whole(&client.body) => {
                                tally.ok += 1;
                                tally.ms.push((t.query, sent.elapsed().as_secs_f64() * 1e3));
                            }
                            Ok(200) => {
                                tally.partial += 1;
                                tally.note(format!("{}: 200 without a whole body", t.path));
                            }
                            Ok(status) => {
                                *tally.status.entry(status).or_default() += 1;
                                let body = String::from_utf8_lossy(&client.body);
                                let body: String = body.chars().take(200).collect();
                                tally.note(format!("{}: {status} {body}", t.path));
                            }
                            Err(e) => {
                                tally.io += 1;
                                tally.note(format!("{}: {e}", t.path));
                            }
                        }
                    }
                    (tallies, client.reconnects)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a client thread"))
            .collect()
    });
    let wall = started.elapsed();
    let secs = wall.as_secs_f64();
    let server_cores = (cpu_seconds(pid) - server0) / secs;
    let client_cores = (cpu_seconds(std::process::id()) - client0) / secs;
    let mut run = Run {
        clients,
        wall,
        server_cores,
        client_cores,
        other_cores: ((busy_seconds() - busy0) / secs - server_cores - client_cores).max(0.0),
        ..Run::default()
    };
    for (tallies, reconnects) in results {
        run.reconnects += reconnects;
        for (e, t) in tallies {
            run.tallies.entry(e).or_default().merge(t);
        }
    }
    run
}

// ---------------------------------------------------------------- the server process

/// `archivar serve` on an ephemeral port, stopped when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// What it printed on stderr after its first line.
    said: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_archivar"))
            .arg("--index")
            .arg(dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("archivar serve starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let first = lines
            .next()
            .and_then(Result::ok)
            .expect("serve says where it listens");
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        let said = Arc::new(Mutex::new(Vec::new()));
        let keep = said.clone();
        // Keep reading stderr so that the server never blocks on it.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut said = keep.lock().unwrap_or_else(|p| p.into_inner());
                if said.len() < 20 {
                    said.push(line);
                }
            }
        });
        eprintln!("server: {first}");
        Server { child, addr, said }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it still runs.
    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM: the server stops gracefully.
        // SAFETY: kill only sends a signal to the child this bench started.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

/// A process's resident memory, from /proc/PID/status, in bytes.
#[derive(Clone, Copy, Default)]
struct Rss {
    /// All of it (VmRSS).
    total: u64,
    /// Heap and other anonymous memory (RssAnon): what a leak grows.
    anon: u64,
    /// Mapped files (RssFile): the index's segments as they are read.
    file: u64,
}

fn rss(pid: u32) -> Rss {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .map_or(0, |k: u64| k * 1024)
    };
    Rss {
        total: kb("VmRSS:"),
        anon: kb("RssAnon:"),
        file: kb("RssFile:"),
    }
}

/// User and system CPU time of a process so far, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after ")".
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| f.get(i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1);
    ticks as f64 / hz as f64
}

/// CPU time all processes of the machine have used so far (user, nice,
/// system, interrupts, steal; not idle or I/O wait), in seconds.
fn busy_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return 0.0;
    };
    // user nice system idle iowait irq softirq steal
    let f: Vec<u64> = cpu
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let ticks: u64 = [0, 1, 2, 5, 6, 7].iter().filter_map(|&i| f.get(i)).sum();
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1);
    ticks as f64 / hz as f64
}

/// How long the bench waited for a quiet machine, over all its passes.
#[derive(Default)]
struct Waits {
    passes: usize,
    waited: Duration,
    /// Passes that began on a busy machine, the wait being over.
    gave_up: usize,
}

/// The machine is quiet when the other processes use less than this.
const QUIET_CORES: f64 = 0.25;

/// Wait until the machine is quiet (measured over 2 s, while this bench
/// and its server are idle), for at most `max`.
fn wait_quiet(max: Duration, waits: &mut Waits) {
    waits.passes += 1;
    if max.is_zero() {
        return;
    }
    let started = Instant::now();
    let window = Duration::from_secs(2);
    loop {
        let b0 = busy_seconds();
        std::thread::sleep(window);
        let busy = (busy_seconds() - b0) / window.as_secs_f64();
        if busy < QUIET_CORES {
            break;
        }
        if started.elapsed() >= max {
            waits.gave_up += 1;
            eprintln!("the machine is still busy ({busy:.2} cores); going on");
            break;
        }
        if started.elapsed() < window + Duration::from_millis(100) {
            eprintln!("waiting for a quiet machine ({busy:.2} cores busy)");
        }
    }
    // The first window is no wait.
    waits.waited += started.elapsed().saturating_sub(window);
}

// ---------------------------------------------------------------- the archive

/// `archivar --index DIR index ARGS…`; its wall time.
fn index(dir: &Path, args: &[&str], inputs: &[PathBuf]) -> Duration {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_archivar"))
        .arg("--index")
        .arg(dir)
        .arg("index")
        .args(args)
        .args(inputs)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("archivar index runs");
    assert!(
        out.status.success(),
        "archivar index {inputs:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

/// Cut `input` into `files` files of about the same number of lines.
fn split(input: &Path, files: usize, out_dir: &Path) -> Vec<PathBuf> {
    let _ = std::fs::remove_dir_all(out_dir);
    std::fs::create_dir_all(out_dir).expect("folder of the added items");
    let lines: Vec<String> = BufReader::new(std::fs::File::open(input).expect("added items"))
        .lines()
        .map(|l| l.expect("a line"))
        .collect();
    let per = lines.len().div_ceil(files).max(1);
    lines
        .chunks(per)
        .enumerate()
        .map(|(i, chunk)| {
            let path = out_dir.join(format!("part-{i:03}.jsonl"));
            let mut w = BufWriter::new(std::fs::File::create(&path).expect("part"));
            for l in chunk {
                writeln!(w, "{l}").expect("part written");
            }
            w.flush().expect("part written");
            path
        })
        .collect()
}

/// The items a commit holds, from the index's `meta.json`.
fn committed_items(dir: &Path) -> Option<u64> {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("meta.json")).ok()?).ok()?;
    let mut n = 0;
    for s in meta["segments"].as_array()? {
        let max = s["max_doc"].as_u64()?;
        let deleted = s["deletes"]["num_deleted_docs"].as_u64().unwrap_or(0);
        n += max - deleted.min(max);
    }
    Some(n)
}

/// What identifies one version of `meta.json` (tantivy replaces it on commit).
fn meta_stamp(dir: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(dir.join("meta.json")).ok()?;
    Some((m.modified().ok()?, m.len()))
}

// ---------------------------------------------------------------- library

/// Per-query latencies, ms, of the library doing what an endpoint does.
struct Library {
    api: Vec<f64>,
    page: Vec<f64>,
    /// CPU time of this process per query of the timed passes, ms.
    api_cpu_ms: f64,
    page_cpu_ms: f64,
    /// CPU all other processes of the machine used meanwhile, in cores.
    other_cores: f64,
    /// Threads of the parallel pass (one a core), and its throughput, per
    /// second, as the API and as the page: what the machine allows.
    threads: usize,
    api_parallel: f64,
    page_parallel: f64,
}

/// The request `/api/search?q=…&limit=10` makes.
fn api_request(q: &str) -> Request {
    Request::new(q)
}

/// The requests the page `/?q=…` makes: its hits with facets, and its
/// month trend.
fn page_requests(q: &str) -> (Request, Request) {
    let req = Request {
        facets: true,
        ..Request::new(q)
    };
    let trend = Request {
        limit: 1,
        offset: 0,
        snippets: 0,
        facets: false,
        collapse: false,
        ..req.clone()
    };
    (req, trend)
}

/// The queries the library answers (a query it refuses, the server would
/// refuse too, and that is no load figure), and how many it refused.
fn answerable(dir: &Path, queries: Vec<String>) -> (Vec<String>, usize) {
    let archive = Archive::open(dir).expect("the index opens");
    let searcher = archive.reader().expect("reader").searcher();
    let before = queries.len();
    let kept: Vec<String> = queries
        .into_iter()
        .filter(|q| search::search(&archive, &searcher, &api_request(q)).is_ok())
        .collect();
    let refused = before - kept.len();
    (kept, refused)
}

/// The queries through `archivar::search` in this process, one at a time:
/// the first `warm` untimed, then all timed.
fn library(dir: &Path, queries: &[String], warm: usize) -> Library {
    let archive = Archive::open(dir).expect("the index opens");
    let searcher = archive.reader().expect("reader").searcher();
    let api = |q: &str| {
        search::search(&archive, &searcher, &api_request(q)).expect("library search");
    };
    let page = |q: &str| {
        let (req, trend) = page_requests(q);
        search::search(&archive, &searcher, &req).expect("library search");
        facets::trend(&archive, &searcher, &trend, Interval::Month).expect("library trend");
    };
    let time = |f: &dyn Fn(&str)| -> (Vec<f64>, f64) {
        for q in queries.iter().take(warm) {
            f(q);
        }
        let cpu = cpu_seconds(std::process::id());
        let ms = queries
            .iter()
            .map(|q| {
                let t = Instant::now();
                f(q);
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        let cpu_ms = (cpu_seconds(std::process::id()) - cpu) * 1e3 / queries.len().max(1) as f64;
        (ms, cpu_ms)
    };
    let (started, own0, busy0) = (
        Instant::now(),
        cpu_seconds(std::process::id()),
        busy_seconds(),
    );
    let ((api_ms, api_cpu_ms), (page_ms, page_cpu_ms)) = (time(&api), time(&page));
    let secs = started.elapsed().as_secs_f64();
    let own = (cpu_seconds(std::process::id()) - own0) / secs;
    let other_cores = ((busy_seconds() - busy0) / secs - own).max(0.0);
    // The same queries on every core at once, each thread taking the next.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let parallel = |f: &(dyn Fn(&str) + Sync)| -> f64 {
        let next = AtomicUsize::new(0);
        let t = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    while let Some(q) = queries.get(next.fetch_add(1, Ordering::Relaxed)) {
                        f(q);
                    }
                });
            }
        });
        queries.len() as f64 / t.elapsed().as_secs_f64()
    };
    Library {
        api: api_ms,
        page: page_ms,
        api_cpu_ms,
        page_cpu_ms,
        other_cores,
        threads,
        api_parallel: parallel(&api),
        page_parallel: parallel(&page),
    }
}

// ---------------------------------------------------------------- phases

/// The soak: load and RSS samples (seconds since its start, RSS).
struct Soak {
    run: Run,
    samples: Vec<(f64, Rss)>,
}

fn soak(server: &Server, mixed: &[Target], duration: Duration) -> Soak {
    let started = Instant::now();
    let done = AtomicBool::new(false);
    let mut samples = vec![(0.0, rss(server.pid()))];
    let run = std::thread::scope(|s| {
        let h = s.spawn(|| {
            let run = load(
                server.addr,
                server.pid(),
                mixed,
                SOAK_CLIENTS,
                &Bound {
                    count: usize::MAX,
                    limit: duration,
                    stop: None,
                },
            );
            done.store(true, Ordering::Relaxed);
            run
        });
        let mut next = RSS_EVERY;
        while !done.load(Ordering::Relaxed) {
            let now = started.elapsed();
            if now >= next {
                samples.push((now.as_secs_f64(), rss(server.pid())));
                next += RSS_EVERY;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        h.join().expect("the soak's load")
    });
    samples.push((started.elapsed().as_secs_f64(), rss(server.pid())));
    Soak { run, samples }
}

/// The load while `archivar index` adds items.
struct Indexing {
    run: Run,
    added: u64,
    files: usize,
    index_s: f64,
    /// Items per commit seen in `meta.json`, and how long after it the
    /// server counted them (None: never, within the phase).
    seen: Vec<(u64, Option<f64>)>,
    /// Requests of the health poller, and those that failed.
    polls: usize,
    poll_errors: usize,
}

fn indexing(
    server: &Server,
    dir: &Path,
    mixed: &[Target],
    parts: &[PathBuf],
    added: u64,
) -> Indexing {
    let stop = AtomicBool::new(false);
    let base = committed_items(dir).expect("meta.json of the index");
    let commits: Mutex<Vec<(Instant, u64)>> = Mutex::new(Vec::new());
    let polls: Mutex<Vec<(Instant, u64)>> = Mutex::new(Vec::new());
    let poll_errors = AtomicUsize::new(0);
    let per_file = (added as usize).div_ceil(parts.len()).max(1);
    let mut index_s = 0.0;
    let run = std::thread::scope(|s| {
        // New commits: a new meta.json with more items than the last.
        s.spawn(|| {
            let mut stamp = meta_stamp(dir);
            let mut last = base;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(COMMIT_POLL);
                let now = meta_stamp(dir);
                if now.is_some() && now != stamp {
                    let at = Instant::now();
                    stamp = now;
                    if let Some(n) = committed_items(dir).filter(|&n| n > last) {
                        last = n;
                        commits.lock().expect("commits").push((at, n));
                    }
                }
            }
        });
        // What the server sees.
        s.spawn(|| {
            let mut client = Client::new(server.addr);
            while !stop.load(Ordering::Relaxed) {
                match client.get("/api/health") {
                    Ok(200) => {
                        let v: serde_json::Value =
                            serde_json::from_slice(&client.body).unwrap_or_default();
                        match v["items"].as_u64() {
                            Some(n) => polls.lock().expect("polls").push((Instant::now(), n)),
                            None => {
                                poll_errors.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    _ => {
                        poll_errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                std::thread::sleep(SEEN_POLL);
            }
        });
        let h = s.spawn(|| {
            load(
                server.addr,
                server.pid(),
                mixed,
                SOAK_CLIENTS,
                &Bound {
                    count: usize::MAX,
                    limit: Duration::from_secs(3600),
                    stop: Some(&stop),
                },
            )
        });
        // A second of load before the first commit.
        std::thread::sleep(Duration::from_secs(1));
        let took = index(
            dir,
            &["--quiet", "--commit-every", &per_file.to_string()],
            parts,
        );
        index_s = took.as_secs_f64();
        // Until the server counts every item, for at most 5 s.
        let want = base + added;
        let wait = Instant::now();
        while wait.elapsed() < Duration::from_secs(5)
            && polls
                .lock()
                .expect("polls")
                .last()
                .is_none_or(|p| p.1 < want)
        {
            std::thread::sleep(SEEN_POLL);
        }
        std::thread::sleep(Duration::from_secs(1));
        stop.store(true, Ordering::Relaxed);
        h.join().expect("the load during indexing")
    });
    let polls = polls.into_inner().expect("polls");
    let seen = commits
        .into_inner()
        .expect("commits")
        .into_iter()
        .map(|(at, n)| {
            let seen = polls
                .iter()
                .find(|p| p.0 >= at && p.1 >= n)
                .map(|p| (p.0 - at).as_secs_f64() * 1e3);
            (n, seen)
        })
        .collect();
    Indexing {
        run,
        added,
        files: parts.len(),
        index_s,
        seen,
        polls: polls.len(),
        poll_errors: poll_errors.into_inner(),
    }
}

// ---------------------------------------------------------------- report

/// Nearest-rank percentile of sorted `v`.
fn pct(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// The median over queries of (server − library), the same query each.
fn paired_median(run: &Tally, lib: &[f64]) -> f64 {
    let d: Vec<f64> = run
        .ms
        .iter()
        .filter_map(|&(q, ms)| lib.get(q).map(|l| ms - l))
        .collect();
    pct(&sorted(d), 50.0)
}

fn mb(b: u64) -> f64 {
    b as f64 / 1048576.0
}

/// Least-squares slope of `y` over `x` (per unit of x).
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let cov: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let var: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    cov / var
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

struct Report<'a> {
    o: &'a Opts,
    items: u64,
    raw: u64,
    index_s: f64,
    index_mb: f64,
    queries: usize,
    refused: usize,
    lib: &'a Library,
    runs: &'a [(Endpoint, Run)],
    soak: Option<&'a Soak>,
    indexing: Option<&'a Indexing>,
    rss_start: Rss,
    rss_end: Rss,
    said: Vec<String>,
    alive: bool,
    waits: Waits,
}

/// The head of the load tables.
const LOAD_HEAD: &str = "| endpoint | clients | requests | errors | req/s | p50 | p99 | mean \
    | p50 − library p50 | server CPU ms a request | CPU cores: server / clients / others |\n\
    |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

/// A row of a load table: endpoint `e` of `run`, against the library's
/// latencies `lib` (compared at 1 client only: with more, the difference is
/// time in the queue).
fn load_row(s: &mut String, run: &Run, e: Endpoint, lib: &[f64]) {
    let t = run.tally(e);
    let ms = sorted(t.latencies());
    let requests: usize = run.tallies.values().map(|t| t.ok + t.errors()).sum();
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {} | {:.2}{} | {:.2} / {:.2} / {:.2} |",
        e.name(),
        run.clients,
        t.ok + t.errors(),
        t.error_text(),
        t.ok as f64 / run.wall.as_secs_f64(),
        pct(&ms, 50.0),
        pct(&ms, 99.0),
        mean(&ms),
        if run.clients == 1 {
            format!("{:+.2}", pct(&ms, 50.0) - pct(&sorted(lib.to_vec()), 50.0))
        } else {
            "–".into()
        },
        run.server_cores * run.wall.as_secs_f64() * 1e3 / requests.max(1) as f64,
        if run.tallies.len() > 1 { " (both)" } else { "" },
        run.server_cores,
        run.client_cores,
        run.other_cores,
    );
}

fn report(r: &Report) -> String {
    let o = r.o;
    let mut s = String::new();
    let _ = writeln!(s, "# archivar serve under load: {} items\n", label(r.items));
    let _ = writeln!(
        s,
        "Command: `cargo bench --bench serve -- --size {}{} --soak {}s` · {} · run of {} UTC\n",
        label(o.size),
        o.queries
            .map_or(String::new(), |q| format!(" --queries {q}")),
        o.soak.as_secs(),
        machine(),
        now_utc(),
    );
    let _ = writeln!(
        s,
        "Archive: `synth-{}.jsonl` ({:.0} MB JSON Lines) indexed by `archivar index` in {:.1} s \
         ({:.0} MB). Queries: {} eval queries of `../shared/eval/queries.tsv`{}, each sent once \
         per run (a run ends after {} s at most). Server: `archivar serve --bind 127.0.0.1:0`, \
         defaults (`--max-searches 4 --queue 64 --timeout 10s`). Clients: threads of this bench, \
         one keep-alive HTTP/1.1 connection each. Latency in ms, per request, at the client. \
         \"library\": the same queries through `archivar::search` in the bench's process, one at \
         a time, after {} untimed; for the page that is its search with facets plus its month \
         trend.\n",
        label(o.size),
        r.raw as f64 / 1e6,
        r.index_s,
        r.index_mb,
        r.queries,
        if r.refused > 0 {
            format!(" ({} refused by the library left out)", r.refused)
        } else {
            String::new()
        },
        o.phase.as_secs(),
        o.warm.min(r.queries),
    );
    let _ = writeln!(
        s,
        "The machine is shared: before each of its {} timed passes the bench waited until the \
         other processes used less than {QUIET_CORES} cores, for at most {} s ({:.0} s in all; \
         {} passes began on a busy machine). The column \"others\" gives the CPU the other \
         processes used during each pass.\n",
        r.waits.passes,
        o.quiet_wait.as_secs(),
        r.waits.waited.as_secs_f64(),
        r.waits.gave_up,
    );
    s.push_str("## Library and server, 1 to 16 clients\n\n");
    s.push_str(LOAD_HEAD);
    let mut overheads = Vec::new();
    let mut scaling = Vec::new();
    let mut library_scaling = Vec::new();
    for e in [Endpoint::Api, Endpoint::Page] {
        let lib = match e {
            Endpoint::Api => &r.lib.api,
            Endpoint::Page => &r.lib.page,
        };
        let l = sorted(lib.clone());
        let (parallel, cpu_ms) = match e {
            Endpoint::Api => (r.lib.api_parallel, r.lib.api_cpu_ms),
            Endpoint::Page => (r.lib.page_parallel, r.lib.page_cpu_ms),
        };
        let threads = r.lib.threads;
        let serial = l.len() as f64 / (l.iter().sum::<f64>() / 1e3);
        let _ = writeln!(
            s,
            "| library, as {} | 1 thread | {} | 0 | {serial:.1} | {:.2} | {:.2} | {:.2} | – | {cpu_ms:.2} (library) | – / – / {:.2} |",
            e.name(),
            l.len(),
            pct(&l, 50.0),
            pct(&l, 99.0),
            mean(&l),
            r.lib.other_cores,
        );
        let _ = writeln!(
            s,
            "| library, as {} | {threads} threads | {} | 0 | {parallel:.1} ({:.2}× 1 thread) | – | – | – | – | – | – |",
            e.name(),
            l.len(),
            parallel / serial,
        );
        library_scaling.push((e, threads, parallel / serial));
        let runs: Vec<&Run> = r
            .runs
            .iter()
            .filter(|(x, _)| *x == e)
            .map(|(_, run)| run)
            .collect();
        for run in &runs {
            load_row(&mut s, run, e, lib);
        }
        let one = runs.iter().find(|r| r.clients == 1);
        let most = runs.iter().max_by_key(|r| r.clients);
        if let Some(one) = one {
            let t = one.tally(e);
            let server_cpu_ms =
                one.server_cores * one.wall.as_secs_f64() * 1e3 / (t.ok + t.errors()).max(1) as f64;
            overheads.push((
                e,
                pct(&sorted(t.latencies()), 50.0) - pct(&l, 50.0),
                paired_median(&t, lib),
                server_cpu_ms - cpu_ms,
            ));
        }
        if let (Some(one), Some(most)) = (one, most)
            && most.clients > 1
        {
            scaling.push((
                e,
                most.clients,
                most.throughput(e) / one.throughput(e),
                most.server_cores,
            ));
        }
    }
    let reconnects: usize = r.runs.iter().map(|(_, run)| run.reconnects).sum();
    let errors: usize = r.runs.iter().map(|(_, run)| run.errors()).sum();
    let _ = writeln!(
        s,
        "\nErrors in these runs: {errors}; requests sent again on a new connection: {reconnects}.\n"
    );
    s.push_str("Targets (ratios of this run):\n\n");
    for (e, d50, paired, cpu) in &overheads {
        let _ = writeln!(
            s,
            "- {}: the server adds {d50:+.2} ms at p50 over the library's p50 at 1 client \
             (median of the per-query differences {paired:+.2} ms; CPU a request {cpu:+.2} ms \
             over the library's CPU a query); target ≤ 1 ms: {}.",
            e.name(),
            verdict(*d50 <= 1.0)
        );
    }
    for (e, n, ratio, cores) in &scaling {
        let lib = library_scaling
            .iter()
            .find(|x| x.0 == *e)
            .map_or(String::new(), |(_, t, x)| {
                format!(" (the library on {t} threads: {x:.2}× its 1 thread)")
            });
        let _ = writeln!(
            s,
            "- {}: throughput at {n} clients is {ratio:.2}× that at 1 client, with the server \
             on {cores:.2} cores{lib}; target ≥ 1.8×: {}.",
            e.name(),
            verdict(*ratio >= 1.8)
        );
    }
    if let Some(soak) = r.soak {
        let _ = writeln!(
            s,
            "\n## Soak: {} clients, API and page in turn, {:.0} s\n",
            SOAK_CLIENTS,
            soak.run.wall.as_secs_f64()
        );
        s.push_str(LOAD_HEAD);
        for e in [Endpoint::Api, Endpoint::Page] {
            let lib = match e {
                Endpoint::Api => &r.lib.api,
                Endpoint::Page => &r.lib.page,
            };
            load_row(&mut s, &soak.run, e, lib);
        }
        let first = soak.samples.first().map(|x| x.1).unwrap_or_default();
        let last = soak.samples.last().map(|x| x.1).unwrap_or_default();
        let max = |f: fn(&Rss) -> u64| soak.samples.iter().map(|x| f(&x.1)).max().unwrap_or(0);
        let per_min = |f: fn(&Rss) -> u64| {
            let pts: Vec<(f64, f64)> = soak
                .samples
                .iter()
                .map(|(t, m)| (t / 60.0, mb(f(m))))
                .collect();
            slope(&pts)
        };
        let _ = writeln!(
            s,
            "\nServer RSS, {} samples every {} s (MiB): \n\n\
             | | first | max | last | last ÷ first | trend, MiB/min |\n|---|---:|---:|---:|---:|---:|",
            soak.samples.len(),
            RSS_EVERY.as_secs()
        );
        type Part = fn(&Rss) -> u64;
        let parts: [(&str, Part); 3] = [
            ("VmRSS (all)", |m| m.total),
            ("RssAnon (heap)", |m| m.anon),
            ("RssFile (mapped index)", |m| m.file),
        ];
        for (name, f) in parts {
            let _ = writeln!(
                s,
                "| {name} | {:.1} | {:.1} | {:.1} | {:.2}× | {:+.2} |",
                mb(f(&first)),
                mb(max(f)),
                mb(f(&last)),
                f(&last) as f64 / f(&first).max(1) as f64,
                per_min(f)
            );
        }
        // A leak grows to the end; warming up (allocator arenas of the
        // blocking threads, caches) levels off. So the second half's trend.
        let half = soak.run.wall.as_secs_f64() / 2.0;
        let late: Vec<(f64, f64)> = soak
            .samples
            .iter()
            .filter(|(t, _)| *t >= half)
            .map(|(t, m)| (t / 60.0, mb(m.anon)))
            .collect();
        let late_slope = slope(&late);
        let heap: Vec<String> = soak
            .samples
            .iter()
            .map(|(_, m)| format!("{:.0}", mb(m.anon)))
            .collect();
        let _ = writeln!(
            s,
            "\nHeap (RssAnon, MiB) at each sample: {}.\n\n\
             RSS flat over the soak (VmRSS last ≤ 1.10× first, and the heap's trend over the \
             second half ≤ 0.5 MiB/min: {late_slope:+.2}): {}; errors {}; requests sent again \
             on a new connection: {}.",
            heap.join(", "),
            verdict(last.total as f64 <= 1.10 * first.total as f64 && late_slope <= 0.5),
            soak.run.errors(),
            soak.run.reconnects
        );
    }
    if let Some(ix) = r.indexing {
        let _ = writeln!(
            s,
            "\n## While `archivar index` adds {} items ({} files, one commit each)\n",
            ix.added, ix.files
        );
        let _ = writeln!(
            s,
            "`archivar index --commit-every {}` took {:.1} s under the load; the load ran {:.1} s \
             ({} clients, API and page in turn), from 1 s before the indexing to 1 s after the \
             server counted every item; \"others\" includes `archivar index`.\n",
            (ix.added as usize).div_ceil(ix.files),
            ix.index_s,
            ix.run.wall.as_secs_f64(),
            SOAK_CLIENTS
        );
        s.push_str(LOAD_HEAD);
        for e in [Endpoint::Api, Endpoint::Page] {
            let lib = match e {
                Endpoint::Api => &r.lib.api,
                Endpoint::Page => &r.lib.page,
            };
            load_row(&mut s, &ix.run, e, lib);
        }
        let delays = sorted(ix.seen.iter().filter_map(|x| x.1).collect());
        let unseen = ix.seen.iter().filter(|x| x.1.is_none()).count();
        let within = delays
            .iter()
            .filter(|&&d| d <= SEEN_WITHIN.as_secs_f64() * 1e3)
            .count();
        let _ = writeln!(
            s,
            "\nFrom a commit (a new `meta.json` with more items, looked for every {} ms) to \
             `/api/health` counting its items (asked every {} ms, {} requests, {} failed), over \
             {} commits: min {:.0}, p50 {:.0}, p90 {:.0}, max {:.0} ms; never seen: {unseen}. \
             Seen within {} s: {within} of {} ({}). Errors of the load: {}.",
            COMMIT_POLL.as_millis(),
            SEEN_POLL.as_millis(),
            ix.polls,
            ix.poll_errors,
            ix.seen.len(),
            delays.first().copied().unwrap_or(f64::NAN),
            pct(&delays, 50.0),
            pct(&delays, 90.0),
            delays.last().copied().unwrap_or(f64::NAN),
            SEEN_WITHIN.as_secs(),
            ix.seen.len(),
            verdict(within == ix.seen.len() && !ix.seen.is_empty()),
            ix.run.errors(),
        );
    }
    let _ = writeln!(
        s,
        "\nServer RSS at its start {:.0} MiB (heap {:.0}), at the end {:.0} MiB (heap {:.0}); \
         the server {} at the end.",
        mb(r.rss_start.total),
        mb(r.rss_start.anon),
        mb(r.rss_end.total),
        mb(r.rss_end.anon),
        if r.alive {
            "still ran"
        } else {
            "**had exited**"
        }
    );
    if !r.said.is_empty() {
        s.push_str("\nThe server said on stderr:\n\n```\n");
        for l in &r.said {
            s.push_str(l);
            s.push('\n');
        }
        s.push_str("```\n");
    }
    let examples: Vec<&String> = r
        .runs
        .iter()
        .map(|(_, run)| run)
        .chain(r.soak.map(|x| &x.run))
        .chain(r.indexing.map(|x| &x.run))
        .flat_map(|run| run.tallies.values().flat_map(|t| t.examples.iter()))
        .take(10)
        .collect();
    if !examples.is_empty() {
        s.push_str("\nFirst errors:\n\n");
        for e in examples {
            let _ = writeln!(s, "- `{}`", e.replace('`', "'"));
        }
    }
    s
}

fn dir_size(p: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(p) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    std::fs::read_dir(p)
        .map(|rd| rd.filter_map(Result::ok).map(|e| dir_size(&e.path())).sum())
        .unwrap_or(0)
}

// ---------------------------------------------------------------- main

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = match parse_opts(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if !common::shared().join("corpora").exists() {
        eprintln!(
            "{} not found: nothing to measure",
            common::shared().display()
        );
        return;
    }
    std::fs::create_dir_all(&o.work).expect("work folder");
    std::fs::create_dir_all(&o.archives).expect("archives folder");

    // 1. The archives.
    let mut pools = None;
    let input = corpus(&mut pools, &o.archives, o.seed, o.size);
    let parts = if o.add > 0 {
        let more = corpus(&mut pools, &o.archives, o.seed + 1, o.add);
        split(&more, o.add_files, &o.work.join("add"))
    } else {
        Vec::new()
    };
    drop(pools);

    // 2. The index, anew.
    let dir = o.work.join(format!("index-{}", label(o.size)));
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("indexing {}", input.display());
    let index_s = index(&dir, &["--quiet"], std::slice::from_ref(&input)).as_secs_f64();
    let items = committed_items(&dir).expect("meta.json of the new index");
    let index_mb = dir_size(&dir) as f64 / 1e6;
    eprintln!("indexed {items} items in {index_s:.1} s ({index_mb:.0} MB)");

    // 3. The library's own time.
    let queries: Vec<String> = eval_queries(o.queries)
        .iter()
        .map(|q| q.archivar())
        .collect();
    let (queries, refused) = answerable(&dir, queries);
    eprintln!(
        "library: {} queries ({refused} refused), as the API and as the page",
        queries.len()
    );
    let mut waits = Waits::default();
    wait_quiet(o.quiet_wait, &mut waits);
    let lib = library(&dir, &queries, o.warm);

    // 4. The server, 1 to 16 clients, API then page.
    let mut server = Server::start(&dir);
    let (addr, pid) = (server.addr, server.pid());
    let rss_start = rss(pid);
    let warm = |e: Endpoint| {
        let t = targets(&queries[..o.warm.min(queries.len())], &[e]);
        if !t.is_empty() {
            let run = load(
                addr,
                pid,
                &t,
                2,
                &Bound {
                    count: t.len(),
                    limit: o.phase,
                    stop: None,
                },
            );
            assert_eq!(run.errors(), 0, "the warm-up of {} failed", e.name());
        }
    };
    let mut runs = Vec::new();
    for e in [Endpoint::Api, Endpoint::Page] {
        warm(e);
        let t = targets(&queries, &[e]);
        for &clients in &o.clients {
            wait_quiet(o.quiet_wait, &mut waits);
            let run = load(
                addr,
                pid,
                &t,
                clients,
                &Bound {
                    count: t.len(),
                    limit: o.phase,
                    stop: None,
                },
            );
            let tally = run.tally(e);
            let ms = sorted(tally.latencies());
            eprintln!(
                "{} at {clients} clients: {} requests, {} errors, {:.1} req/s, p50 {:.2} p99 {:.2} ms, server on {:.2} cores",
                e.name(),
                tally.ok + tally.errors(),
                tally.errors(),
                run.throughput(e),
                pct(&ms, 50.0),
                pct(&ms, 99.0),
                run.server_cores
            );
            runs.push((e, run));
        }
    }

    // 5. The soak.
    let mixed = targets(&queries, &[Endpoint::Api, Endpoint::Page]);
    let soaked = (!o.soak.is_zero()).then(|| {
        wait_quiet(o.quiet_wait, &mut waits);
        eprintln!("soak: {} s at {SOAK_CLIENTS} clients", o.soak.as_secs());
        let s = soak(&server, &mixed, o.soak);
        eprintln!(
            "soak: {} errors; RSS {:.0} → {:.0} MiB",
            s.run.errors(),
            mb(s.samples.first().map_or(0, |x| x.1.total)),
            mb(s.samples.last().map_or(0, |x| x.1.total))
        );
        s
    });

    // 6. The load while items are added.
    let indexed = (!parts.is_empty()).then(|| {
        wait_quiet(o.quiet_wait, &mut waits);
        eprintln!("adding {} items in {} files under load", o.add, parts.len());
        let ix = indexing(&server, &dir, &mixed, &parts, o.add);
        eprintln!(
            "added in {:.1} s; {} errors; {} commits seen",
            ix.index_s,
            ix.run.errors(),
            ix.seen.len()
        );
        ix
    });

    let rss_end = rss(pid);
    let alive = server.alive();
    let said = server
        .said
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    drop(server);

    // 7. The report.
    let md = report(&Report {
        o: &o,
        items,
        raw: file_len(&input),
        index_s,
        index_mb,
        queries: queries.len(),
        refused,
        lib: &lib,
        runs: &runs,
        soak: soaked.as_ref(),
        indexing: indexed.as_ref(),
        rss_start,
        rss_end,
        said,
        alive,
        waits,
    });
    let out = o.work.join(format!("report-{}.md", label(o.size)));
    std::fs::write(&out, &md).expect("report written");
    println!("{md}");
    eprintln!("report: {}", out.display());
}
