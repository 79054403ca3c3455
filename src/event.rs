//! `HerdEvent`: the one record of what happened in the herd. Node log files, the console and
//! metrics all read the same events; publishing one never waits for any reader.

use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use tokio::sync::broadcast;
use tracing_appender::non_blocking::NonBlocking;

use crate::places::Origin;
use crate::protocol::Record;
use crate::topology::NodeName;
use crate::trace::Trace;

/// How many events a slow subscriber may fall behind before it starts losing them (and is told
/// how many it lost, by `broadcast::error::RecvError::Lagged`).
pub const BUS_CAPACITY: usize = 1 << 12;

/// A node's running totals, counted as events happen (exact even when a reader falls behind).
#[derive(Debug, Default)]
pub struct Counters {
    /// Client lines in and records sent to neighbours.
    pub messages: AtomicU64,
    /// Records that arrived where they were already known, and were dropped.
    pub duplicates: AtomicU64,
}

/// Something that happened at one node.
#[derive(Clone, Debug)]
pub struct HerdEvent {
    pub at: SystemTime,
    pub node: NodeName,
    pub kind: EventKind,
}

/// Where a cached record came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// From a client's IAMAT at this node.
    Client,
    /// Flooded by this neighbour.
    Peer(NodeName),
}

#[derive(Clone, Debug)]
pub enum EventKind {
    /// The node is listening: clients on `client`, neighbours on `peer`.
    NodeUp {
        client: SocketAddr,
        peer: SocketAddr,
    },
    /// The node was stopped (killed or shut down): its ports are closed.
    NodeDown,
    ClientOpened {
        addr: SocketAddr,
    },
    ClientClosed {
        addr: SocketAddr,
        reason: Arc<str>,
    },
    /// A line from a client, as received (bytes that are not UTF-8 shown as U+FFFD).
    ClientLine {
        addr: SocketAddr,
        line: Arc<str>,
    },
    /// The reply written for one client line.
    ClientReply {
        addr: SocketAddr,
        reply: Arc<str>,
    },
    /// This node's link to `neighbour` is connected and authenticated: records can flow.
    LinkUp {
        neighbour: NodeName,
    },
    LinkDown {
        neighbour: NodeName,
        reason: Arc<str>,
    },
    /// A connection attempt to `neighbour` failed for a reason worth telling (not just "refused").
    LinkFailed {
        neighbour: NodeName,
        reason: Arc<str>,
    },
    /// `neighbour` connected to this node's peer port and proved it holds the herd key.
    PeerAccepted {
        neighbour: NodeName,
        addr: SocketAddr,
    },
    PeerClosed {
        neighbour: NodeName,
        reason: Arc<str>,
    },
    /// A connection to the peer port that was refused (wrong key, not a neighbour, garbage).
    PeerRejected {
        addr: SocketAddr,
        reason: Arc<str>,
    },
    /// A record written to `to`; `hops` is the hop count it arrives with.
    FloodSent {
        to: NodeName,
        record: Arc<Record>,
        hops: u32,
    },
    /// A record received from `from`; `fresh` is false for a duplicate (dropped).
    FloodReceived {
        from: NodeName,
        record: Arc<Record>,
        hops: u32,
        fresh: bool,
    },
    /// On (re)connecting to `to`, this node sent every record it knows.
    CatchUpSent {
        to: NodeName,
        records: usize,
    },
    /// A WHATSAT's places came from `source`.
    PlacesAnswered {
        source: Arc<str>,
        client: Arc<str>,
        status: Arc<str>,
        results: usize,
        origin: Origin,
        elapsed: Duration,
        /// Requests the source has made upstream so far.
        upstream_requests: u64,
    },
    /// The node's cache now holds `record` for its client.
    CacheUpdated {
        record: Arc<Record>,
        via: Via,
        hops: u32,
    },
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NodeUp { client, peer } => {
                write!(f, "node up: clients on {client}, peers on {peer}")
            }
            Self::NodeDown => write!(f, "node down: ports closed"),
            Self::ClientOpened { addr } => write!(f, "client {addr} connected"),
            Self::ClientClosed { addr, reason } => {
                write!(f, "client {addr} disconnected ({reason})")
            }
            Self::ClientLine { addr, line } => write!(f, "client {addr} > {}", line.escape_debug()),
            Self::ClientReply { addr, reply } => {
                write!(f, "client {addr} < {}", reply.escape_debug())
            }
            Self::LinkUp { neighbour } => write!(f, "link to {neighbour} up"),
            Self::LinkDown { neighbour, reason } => {
                write!(f, "link to {neighbour} down ({reason})")
            }
            Self::LinkFailed { neighbour, reason } => {
                write!(f, "link to {neighbour} failed: {reason}")
            }
            Self::PeerAccepted { neighbour, addr } => {
                write!(f, "peer {neighbour} connected from {addr}")
            }
            Self::PeerClosed { neighbour, reason } => {
                write!(f, "peer {neighbour} disconnected ({reason})")
            }
            Self::PeerRejected { addr, reason } => {
                write!(f, "peer connection from {addr} refused: {reason}")
            }
            Self::FloodSent { to, record, hops } => {
                write!(f, "flood > {to} hop {hops}: {}", record.line())
            }
            Self::FloodReceived { from, record, hops, fresh } => {
                let outcome = if *fresh { "new" } else { "duplicate dropped" };
                write!(f, "flood < {from} hop {hops} ({outcome}): {}", record.line())
            }
            Self::CatchUpSent { to, records } => write!(f, "catch-up > {to}: {records} records"),
            Self::PlacesAnswered { source, client, status, results, origin, elapsed, upstream_requests } => {
                write!(
                    f,
                    "places ({source}) for {client}: {status}, {results} results in {:.1} ms",
                    elapsed.as_secs_f64() * 1e3
                )?;
                match origin {
                    Origin::Local => Ok(()),
                    Origin::Upstream => write!(f, " (upstream request #{upstream_requests})"),
                    Origin::Cached => write!(f, " (cached)"),
                    Origin::Shared => write!(f, " (shared an upstream request)"),
                }
            }
            Self::CacheUpdated { record, via, hops } => {
                let client = record.client();
                match via {
                    Via::Client => write!(f, "cache: {client} at {} (from the client)", record.coords()),
                    Via::Peer(peer) => write!(f, "cache: {client} at {} (from {peer}, hop {hops})", record.coords()),
                }
            }
        }
    }
}

impl EventKind {
    /// Events that say something about the herd's health; the rest is traffic.
    fn is_notable(&self) -> bool {
        matches!(
            self,
            Self::NodeUp { .. }
                | Self::NodeDown
                | Self::LinkUp { .. }
                | Self::LinkDown { .. }
                | Self::LinkFailed { .. }
                | Self::PeerRejected { .. }
        )
    }
}

/// Where one node publishes its events: its own log file (every line, in order, written by a
/// background thread so the node never waits on the disk), the process's `tracing` output, and
/// the herd's broadcast bus (for the console; lossy for slow readers).
#[derive(Clone)]
pub struct EventSink {
    node: NodeName,
    bus: broadcast::Sender<Arc<HerdEvent>>,
    journal: Option<NonBlocking>,
    trace: Option<Arc<Trace>>,
    counters: Arc<Counters>,
}

impl EventSink {
    pub fn new(
        node: NodeName,
        bus: broadcast::Sender<Arc<HerdEvent>>,
        journal: Option<NonBlocking>,
        trace: Option<Arc<Trace>>,
    ) -> Self {
        Self { node, bus, journal, trace, counters: Arc::default() }
    }

    /// This node's totals (shared by every clone of the sink, and kept across kill and revive).
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    pub fn node(&self) -> &NodeName {
        &self.node
    }

    /// Whether anyone takes traffic events (a log file, a trace, a subscriber, or `RUST_LOG`
    /// at debug). When nobody does, callers skip building them: no copies of lines on the hot path.
    pub fn is_heard(&self) -> bool {
        self.journal.is_some()
            || self.trace.is_some()
            || self.bus.receiver_count() > 0
            || tracing::enabled!(tracing::Level::DEBUG)
    }

    pub fn emit(&self, kind: EventKind) {
        match &kind {
            EventKind::ClientLine { .. } | EventKind::FloodSent { .. } => {
                self.counters.messages.fetch_add(1, Ordering::Relaxed);
            }
            EventKind::FloodReceived { fresh: false, .. } => {
                self.counters.duplicates.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
        let at = SystemTime::now();
        if let Some(journal) = &self.journal {
            // One formatted line, one write: lines of concurrent tasks never interleave.
            let line = format!("{} {kind}\n", humantime::format_rfc3339_micros(at));
            let _ = journal.clone().write_all(line.as_bytes());
        }
        if kind.is_notable() {
            tracing::info!(node = %self.node, "{kind}");
        } else {
            tracing::debug!(node = %self.node, "{kind}");
        }
        // Nobody listening is normal (a headless node); never an error.
        if self.bus.receiver_count() > 0 || self.trace.is_some() {
            let event = Arc::new(HerdEvent { at, node: self.node.clone(), kind });
            if let Some(trace) = &self.trace {
                trace.record(&event);
            }
            let _ = self.bus.send(event);
        }
    }
}
