//! `herdctl load`: drives any server that speaks the herd's protocol (herdctl, the course's Python
//! servers, anything) with IAMATs and WHATSATs over many connections, and measures it: requests
//! a second, latency percentiles (HDR histogram), errors by kind, and how long a report takes to
//! reach every server (`--propagation`). Closed loop by default (each connection sends, waits for
//! the reply, sends again); open loop with `--rate`, where latency counts from the time a request
//! was due, so that a stalled server cannot hide its stalls by slowing the generator down
//! (coordinated omission).

pub mod bare;
mod summary;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::Instant;

pub use summary::{Failure, Summary};

use herdctl_core::dice::Dice;
use herdctl_core::protocol::Timestamp;

/// How a run drives its targets.
#[derive(Clone, Debug)]
pub struct Options {
    pub targets: Vec<SocketAddr>,
    pub connections: usize,
    pub duration: Duration,
    /// Requests a second over all connections (open loop); `None`: closed loop.
    pub rate: Option<f64>,
    /// Distinct client names the IAMATs report for.
    pub clients: usize,
    /// Of every hundred requests, how many are WHATSATs (the rest IAMATs).
    pub whatsat_percent: u8,
    /// Measure how long a sampled IAMAT at the first target takes to reach the others.
    pub propagation: bool,
    /// A reply later than this is an error.
    pub timeout: Duration,
}

/// Running totals for the progress line.
#[derive(Debug, Default)]
pub struct Progress {
    pub requests: AtomicU64,
    pub errors: AtomicU64,
}

type Conn = (BufReader<OwnedReadHalf>, OwnedWriteHalf);

/// The longest reply read (a WHATSAT's places included); longer is a malformed reply, and the
/// connection goes no further.
const MOST_REPLY: usize = 1024 * 1024;

async fn connect(addr: SocketAddr, timeout: Duration) -> Result<Conn, Failure> {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            let (reader, writer) = stream.into_split();
            Ok((BufReader::new(reader), writer))
        }
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => Err(Failure::Refused),
        Ok(Err(_)) => Err(Failure::Reset),
        Err(_) => Err(Failure::Timeout),
    }
}

/// Sends `line` and reads its reply: one line, or (for a WHATSAT) up to the empty line.
async fn exchange(conn: &mut Conn, line: &str, whatsat: bool, timeout: Duration) -> Result<String, Failure> {
    let (reader, writer) = conn;
    let talk = async {
        writer.write_all(line.as_bytes()).await.map_err(|_| Failure::Reset)?;
        let mut reply = String::new();
        loop {
            let before = reply.len();
            // Bounded: a server that never sends a newline must not fill this process's memory.
            let room = (MOST_REPLY - reply.len()) as u64;
            if (&mut *reader).take(room).read_line(&mut reply).await.map_err(|_| Failure::Reset)? == 0 {
                return Err(if reply.len() >= MOST_REPLY { Failure::Malformed } else { Failure::Reset });
            }
            if !reply.ends_with('\n') && reply.len() >= MOST_REPLY {
                return Err(Failure::Malformed);
            }
            let last = &reply[before..];
            let done = !whatsat || reply.starts_with("? ") || last == "\n";
            if done {
                return Ok(reply);
            }
        }
    };
    let reply = tokio::time::timeout(timeout, talk).await.map_err(|_| Failure::Timeout)??;
    if reply.starts_with("AT ") {
        Ok(reply)
    } else if reply.starts_with("? ") {
        Err(Failure::Invalid)
    } else {
        Err(Failure::Malformed)
    }
}

/// One connection: opens, waits for every other to be open, then loops until the end.
async fn drive(
    options: Arc<Options>,
    index: usize,
    ready: tokio::sync::mpsc::Sender<()>,
    mut go: tokio::sync::watch::Receiver<Option<Instant>>,
    progress: Arc<Progress>,
) -> Summary {
    let mut summary = Summary::new(false);
    let target = options.targets[index % options.targets.len()];
    // Connected before the clock starts: a connection's setup is not a request's latency.
    let mut conn: Option<Conn> = connect(target, options.timeout).await.ok();
    drop(ready);
    let Ok(start) = go.wait_for(Option::is_some).await.map(|start| start.unwrap_or_else(Instant::now)) else {
        return summary;
    };
    let end = start + options.duration;
    let mut dice = Dice::seeded(index as u64);
    // Open loop: this connection's share of the rate, requests due at fixed times.
    let interval = options.rate.map(|rate| Duration::from_secs_f64(options.connections as f64 / rate.max(1e-3)));
    let mut reported = Vec::new();
    let mut n: u64 = 0;
    while Instant::now() < end {
        let due = match interval {
            Some(interval) => {
                // Connections are spread over the interval, so that the requests are evenly
                // spaced in time rather than due all at once.
                let phase = index as f64 / options.connections as f64;
                let due = start + interval.mul_f64(n as f64 + phase);
                if due >= end {
                    break;
                }
                tokio::time::sleep_until(due).await;
                due
            }
            None => Instant::now(),
        };
        n += 1;
        if conn.is_none() {
            match connect(target, options.timeout).await {
                Ok(opened) => conn = Some(opened),
                Err(failure) => {
                    summary.fail(failure);
                    progress.errors.fetch_add(1, Ordering::Relaxed);
                    // Not a busy loop against a server that is down.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            }
        }
        let whatsat = !reported.is_empty() && dice.below(100) < u64::from(options.whatsat_percent);
        let line = if whatsat {
            let client: &String = &reported[dice.below(reported.len() as u64) as usize];
            format!("WHATSAT {client} 10 5\n")
        } else {
            let client =
                format!("load-{}", (index as u64 + n * options.connections as u64) % options.clients.max(1) as u64);
            let line = format!("IAMAT {client} +34.068930-118.445127 {}\n", Timestamp::now());
            if reported.len() < 64 && !reported.contains(&client) {
                reported.push(client);
            }
            line
        };
        let Some(open) = conn.as_mut() else { continue };
        match exchange(open, &line, whatsat, options.timeout).await {
            Ok(_) => {
                summary.record(due.elapsed());
                progress.requests.fetch_add(1, Ordering::Relaxed);
            }
            Err(failure) => {
                summary.fail(failure);
                progress.errors.fetch_add(1, Ordering::Relaxed);
                // After a timeout or a reset the connection's state is unknown: start afresh.
                if matches!(failure, Failure::Timeout | Failure::Reset | Failure::Malformed) {
                    conn = None;
                }
            }
        }
    }
    summary
}

/// Samples propagation: an IAMAT at the first target, then each other target asked with WHATSAT
/// (back to back, over connections kept open) until it answers with that very AT line; the time
/// from sending the IAMAT until sending the WHATSAT that found it at the last one. Not until its
/// answer: that answer carries a places search, which is no part of propagation. So a figure is
/// exact to one poll (the round trip of a `?` answer).
async fn propagation(options: Arc<Options>, end: Instant) -> Summary {
    let mut summary = Summary::new(true);
    let mut conns = Vec::new();
    for &target in &options.targets {
        match connect(target, options.timeout).await {
            Ok(conn) => conns.push(conn),
            Err(failure) => {
                summary.fail(failure);
                return summary;
            }
        }
    }
    let mut n = 0u64;
    while Instant::now() < end {
        n += 1;
        let client = format!("probe-{n}");
        let line = format!("IAMAT {client} +34.068930-118.445127 {}\n", Timestamp::now());
        let sent = Instant::now();
        let (first, others) = conns.split_first_mut().expect("two targets at least");
        let Ok(at) = exchange(first, &line, false, options.timeout).await else { break };
        let deadline = sent + options.timeout;
        let mut everywhere = true;
        let mut known_by = sent;
        for conn in others {
            loop {
                let asking = Instant::now();
                let asked = exchange(conn, &format!("WHATSAT {client} 1 1\n"), true, options.timeout).await;
                match asked {
                    Ok(reply) if reply.lines().next() == at.lines().next() => {
                        known_by = known_by.max(asking);
                        break;
                    }
                    // Not there yet: `?` (unknown client) keeps the connection usable.
                    Ok(_) | Err(Failure::Invalid) if Instant::now() < deadline => {}
                    _ => {
                        everywhere = false;
                        break;
                    }
                }
            }
        }
        if everywhere {
            if let Some(histogram) = &mut summary.propagation {
                let _ = histogram.record(((known_by - sent).as_micros() as u64).max(1));
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    summary
}

/// Runs the load; `progress` is updated as it goes.
pub async fn run(options: Options, progress: Arc<Progress>) -> Summary {
    let options = Arc::new(options);
    let (ready, mut all_ready) = tokio::sync::mpsc::channel::<()>(1);
    let (go, started) = tokio::sync::watch::channel(None);
    let tasks: Vec<_> = (0..options.connections)
        .map(|index| tokio::spawn(drive(options.clone(), index, ready.clone(), started.clone(), progress.clone())))
        .collect();
    // Every connection has dropped its `ready` once it is open (or failed to open).
    drop(ready);
    let _ = all_ready.recv().await;
    let start = Instant::now();
    let end = start + options.duration;
    let _ = go.send(Some(start));
    let probe =
        (options.propagation && options.targets.len() > 1).then(|| tokio::spawn(propagation(options.clone(), end)));
    let mut summary = Summary::new(options.propagation);
    for task in tasks {
        if let Ok(part) = task.await {
            summary.merge(&part);
        }
    }
    if let Some(probe) = probe {
        if let Ok(part) = probe.await {
            summary.merge(&part);
        }
    }
    // The run lasts its duration (open loop: requests were due over exactly that time).
    summary.elapsed = start.elapsed().max(options.duration);
    summary
}
