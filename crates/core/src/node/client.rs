//! A client connection: lines in, replies out, in order. The protocol's choices for hostile or
//! broken clients are made here (README, "Decisions the protocol left open"):
//! - a line longer than 64 KiB closes the connection (nothing is answered for it);
//! - bytes that are not UTF-8 make the line invalid (`? ` and the bytes as received);
//! - a client that does not read its replies for `WRITE_TIMEOUT` is disconnected;
//! - idle connections are kept (or closed after `--idle-timeout`), up to the node's client limits
//!   (`limits::ClientLimits`); past them, new ones are closed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, FramedRead};

use super::Node;
use crate::event::{EventKind, Via};
use crate::metrics::Asked;
use crate::net::{OwnedReadHalf, OwnedWriteHalf, TcpStream};
use crate::places::{Query, to_google_text};
use crate::protocol::{self, ClientCommand, MAX_LINE, Record, Timestamp, Whatsat};
use crate::strategy::Carried;

/// The longest a client's IAMAT reply waits for live neighbours to acknowledge the record.
pub const ACK_BOUND: Duration = Duration::from_millis(200);
/// A client that has not taken its replies after this long is disconnected.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Replies to pipelined commands are gathered up to this size before being written.
const REPLY_BATCH: usize = 64 * 1024;
/// The most of an invalid line (and of its `? ` echo) that its events carry to the log, the
/// console and a trace; the rest is cut and its length said. Valid lines never come near it (an
/// IAMAT's fields are bounded), and without it junk lines cost the log twice their size.
pub const SHOWN_INVALID: usize = 512;

/// Why a client connection ended.
#[derive(Debug, thiserror::Error)]
pub enum Closed {
    #[error("client closed the connection")]
    ByClient,
    #[error("node stopped")]
    NodeStopped,
    #[error("line longer than {MAX_LINE} bytes: connection closed")]
    LineTooLong,
    #[error("read failed: {0}")]
    Read(std::io::Error),
    #[error("write failed: {0}")]
    Write(std::io::Error),
    #[error("client took no reply for {}s", WRITE_TIMEOUT.as_secs())]
    NotReading,
    #[error("client sent nothing for {}", humantime::format_duration(*.0))]
    Idle(Duration),
}

pub async fn serve(node: &Arc<Node>, stream: TcpStream, addr: SocketAddr) {
    node.events.emit(EventKind::ClientOpened { addr });
    let reason = converse(node, stream, addr).await;
    node.events.emit(EventKind::ClientClosed { addr, reason: reason.to_string().into() });
}

/// Runs the connection until it ends; returns why it ended.
async fn converse(node: &Node, stream: TcpStream, addr: SocketAddr) -> Closed {
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.into_split();
    let codec = AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), MAX_LINE);
    let mut lines = FramedRead::new(reader, codec);
    let mut replies = Vec::new();
    loop {
        let next = tokio::select! {
            _ = node.token.cancelled() => return Closed::NodeStopped,
            next = next_line(&mut lines, node.limits.idle) => match next {
                Some(next) => next,
                None => return Closed::Idle(node.limits.idle.unwrap_or_default()),
            },
        };
        match next {
            Some(Ok(line)) => {
                node.answer(&line, addr, &mut replies).await;
                // Replies to pipelined lines go out together, once no complete line is waiting.
                let more_waiting = memchr::memchr(b'\n', lines.read_buffer()).is_some();
                if !replies.is_empty() && (!more_waiting || replies.len() >= REPLY_BATCH) {
                    if let Err(reason) = write(node, &mut writer, &mut replies).await {
                        return reason;
                    }
                }
            }
            Some(Err(AnyDelimiterCodecError::MaxChunkLengthExceeded)) => return Closed::LineTooLong,
            Some(Err(AnyDelimiterCodecError::Io(error))) => return Closed::Read(error),
            None => {
                // EOF: the final unterminated line (if any) was answered above; say goodbye.
                let _ = write(node, &mut writer, &mut replies).await;
                let _ = writer.shutdown().await;
                return Closed::ByClient;
            }
        }
    }
}

type Lines = FramedRead<OwnedReadHalf, AnyDelimiterCodec>;

/// The next line (or the end), or `None` when the client stayed silent for `idle`.
async fn next_line(
    lines: &mut Lines,
    idle: Option<Duration>,
) -> Option<Option<Result<bytes::Bytes, AnyDelimiterCodecError>>> {
    match idle {
        Some(idle) => tokio::time::timeout(idle, lines.next()).await.ok(),
        None => Some(lines.next().await),
    }
}

async fn write(node: &Node, writer: &mut OwnedWriteHalf, replies: &mut Vec<u8>) -> Result<(), Closed> {
    let result = tokio::select! {
        _ = node.token.cancelled() => return Err(Closed::NodeStopped),
        result = tokio::time::timeout(WRITE_TIMEOUT, writer.write_all(replies)) => result,
    };
    replies.clear();
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(Closed::Write(error)),
        Err(_) => Err(Closed::NotReading),
    }
}

impl Node {
    /// Answers one client line (without its newline), appending the reply to `out`.
    pub async fn answer(&self, line: &[u8], addr: SocketAddr, out: &mut Vec<u8>) {
        let received = Timestamp::now();
        let Some(command) = protocol::parse(line) else {
            return;
        };
        let start = out.len();
        // Only counted with `--metrics`: the hot path pays nothing otherwise.
        let asked = self.events.metrics().map(|_| match command {
            ClientCommand::Iamat(_) => Asked::Iamat,
            ClientCommand::Whatsat(_) => Asked::Whatsat,
            ClientCommand::Invalid => Asked::Invalid,
        });
        let heard = self.events.is_heard();
        if heard {
            let line = shown(protocol::trim(line));
            self.events.emit(EventKind::ClientLine { addr, line });
        } else {
            // Nobody takes the event, but the line is counted all the same: totals do not depend
            // on who listens.
            self.events.counters().messages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        match command {
            ClientCommand::Iamat(iamat) => {
                let record = Arc::new(Record::new(&self.name, received, &iamat));
                if self.store_and_flood(&record).await {
                    out.extend_from_slice(record.line().as_bytes());
                    out.push(b'\n');
                } else {
                    // Not on the disk (--data-dir): no AT, the protocol's refusal, which a
                    // client may retry.
                    protocol::write_invalid(line, out);
                }
            }
            ClientCommand::Whatsat(whatsat) => match self.cache.get(whatsat.client) {
                Some(record) => self.nearby(&record, &whatsat, out).await,
                None => protocol::write_invalid(line, out),
            },
            ClientCommand::Invalid => protocol::write_invalid(line, out),
        }
        if let (Some(metrics), Some(asked)) = (self.events.metrics(), asked) {
            metrics.client_line(asked, !out[start..].starts_with(b"? "));
        }
        if heard {
            let reply = &out[start..];
            let reply = reply.strip_suffix(b"\n").unwrap_or(reply);
            // Only an invalid line's echo is cut: a WHATSAT's places are long and wanted.
            let reply = match reply.starts_with(b"? ") {
                true => shown(reply),
                false => String::from_utf8_lossy(reply).into(),
            };
            self.events.emit(EventKind::ClientReply { addr, reply });
        }
    }

    /// Keeps a client's new record and hands it to every live neighbour, waiting (at most
    /// `ACK_BOUND`) until they have it, so that a WHATSAT next door sees it. A record that is not
    /// newer than the one known changes nothing. Returns whether the record may be acknowledged:
    /// with `--data-dir`, only once it is on this node's disk (while the disk fails, the record is
    /// not taken at all).
    async fn store_and_flood(&self, record: &Arc<Record>) -> bool {
        if self.store.as_ref().is_some_and(|store| store.health().is_failing()) {
            return false;
        }
        if !self.cache.offer(record, 0, Via::Client).is_new() {
            return true;
        }
        self.events.emit(EventKind::CacheUpdated {
            record: record.clone(),
            via: Via::Client,
            hops: 0,
            catch_up: false,
        });
        // On this node's disk (with --data-dir) before the reply, written while the neighbours
        // take it. A failed write ends the wait with a refusal (the operator is told); the record
        // stays in memory and is written once the disk takes writes again.
        let durable = self.store.as_ref().map(|store| store.write(record, 0, &Via::Client));
        let acks = self.flood(record, 0, None, super::Acks::Wanted, Carried::default());
        let neighbours = tokio::time::timeout(ACK_BOUND, async {
            // A dropped sender (the link went down) counts as done: a dead neighbour never waits.
            for ack in acks {
                let _ = ack.await;
            }
        });
        let disk = async {
            match durable {
                Some(durable) => durable.await.is_ok(),
                None => true,
            }
        };
        let waiting = Instant::now();
        let (_, on_disk) = tokio::join!(neighbours, disk);
        if let Some(metrics) = self.events.metrics() {
            metrics.ack_waited(waiting.elapsed());
        }
        on_disk
    }

    async fn nearby(&self, record: &Record, whatsat: &Whatsat<'_>, out: &mut Vec<u8>) {
        let position = record.position();
        let query =
            Query { lat: position.lat, lon: position.lon, radius_m: whatsat.radius.metres(), bound: whatsat.bound };
        let started = Instant::now();
        let answer = self.places.nearby(query).await;
        self.events.emit(EventKind::PlacesAnswered {
            source: self.places.name().into(),
            client: record.client().into(),
            status: answer.status().into(),
            results: answer.results(),
            origin: answer.origin,
            elapsed: started.elapsed(),
            upstream_requests: self.places.upstream_requests(),
        });
        protocol::write_whatsat_reply(record.line(), &to_google_text(&answer.document), out);
    }
}

/// `text` as an event shows it: whole up to `SHOWN_INVALID` bytes, else its start and its length.
fn shown(text: &[u8]) -> Arc<str> {
    if text.len() <= SHOWN_INVALID {
        return String::from_utf8_lossy(text).into();
    }
    let start = String::from_utf8_lossy(&text[..SHOWN_INVALID]);
    // A character cut in two shows as U+FFFD at the end, which is what it is.
    format!("{start}... (cut: {} bytes in all)", text.len()).into()
}
