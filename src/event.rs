//! `HerdEvent`: the one record of what happened in the herd. Node log files, the console and
//! metrics all read the same events; publishing one never waits for any reader.

use std::collections::VecDeque;
use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::broadcast;

use crate::escaped::Escaped;
use crate::journal::Journal;
use crate::network::{Delay, Mode};
use crate::places::Origin;
use crate::protocol::Record;
use crate::topology::NodeName;

/// How many events a slow subscriber may fall behind before it starts losing them (and is told
/// how many it lost, by `broadcast::error::RecvError::Lagged`).
pub const BUS_CAPACITY: usize = 1 << 12;

/// A node's running totals, counted as events happen (exact even when a reader falls behind).
#[derive(Debug, Default)]
pub struct Counters {
    /// Client lines in and records sent to neighbours.
    pub messages: AtomicU64,
    /// Flooded records that arrived where they were already known, and were dropped (catch-up
    /// exchanges, which resend what a neighbour may have, are not counted).
    pub duplicates: AtomicU64,
    /// Traffic events not published to the bus: over the budget while someone listened.
    pub unpublished: AtomicU64,
    /// Writes of records to neighbours: records that share a write count once (what an
    /// experiment calls a message).
    pub transmissions: AtomicU64,
}

impl Counters {
    /// Back to zero (a walkthrough's `reset`).
    pub fn reset(&self) {
        self.messages.store(0, Ordering::Relaxed);
        self.duplicates.store(0, Ordering::Relaxed);
    }
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
    /// A record written to `to`; `hops` is the hop count it arrives with. `catch_up`: sent
    /// because a link came (back) up, or passed on after arriving that way, not by a flood.
    FloodSent {
        to: NodeName,
        record: Arc<Record>,
        hops: u32,
        catch_up: bool,
    },
    /// A record received from `from`, and what became of it.
    FloodReceived {
        from: NodeName,
        record: Arc<Record>,
        hops: u32,
        arrival: Arrival,
        catch_up: bool,
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
        catch_up: bool,
    },
    /// A transmission to `to` was never written: the operator dropped it (step mode), or a
    /// lossy link lost it.
    FloodDropped {
        to: NodeName,
        record: Arc<Record>,
        hops: u32,
        catch_up: bool,
        by_operator: bool,
    },
    /// A transmission to `to` waits at this node in step mode until the operator decides its
    /// fate (then it is `FloodSent`, once or twice, or `FloodDropped`).
    FloodHeld {
        to: NodeName,
        record: Arc<Record>,
        hops: u32,
        catch_up: bool,
    },
    /// The node took back the records it kept on disk (`--data-dir`) as it started.
    Restored {
        records: usize,
    },
    /// Something the operator should know and act on, not tied to one message: a limit lower
    /// than asked, a log that cannot be written.
    Warning {
        text: Arc<str>,
    },
    /// A node of another process answers on its control port: this console follows it.
    Attached {
        address: Arc<str>,
    },
    /// A followed node's control port cannot be reached: its state is unknown here.
    Unreachable {
        address: Arc<str>,
        reason: Arc<str>,
    },
    /// The operator cut the link to `neighbour` (both ends drop it and do not redial).
    LinkCut {
        neighbour: NodeName,
    },
    /// The operator cut this node's messages to `neighbour` only; the neighbour's still arrive.
    LinkCutOneWay {
        neighbour: NodeName,
    },
    /// The operator healed the link to `neighbour`.
    LinkHealed {
        neighbour: NodeName,
    },
    /// The operator healed this node's messages to `neighbour` (cut one way before).
    LinkHealedOneWay {
        neighbour: NodeName,
    },
    /// The operator set the link's extra latency (zero: none), maybe spread.
    LatencySet {
        neighbour: NodeName,
        delay: Delay,
    },
    /// The seed of the herd's random choices (herd-wide, at start): `--seed` replays them.
    Seeded {
        seed: u64,
    },
    /// The operator made the link lose a share of its messages (0: none).
    LossSet {
        neighbour: NodeName,
        percent: u32,
    },
    /// The operator switched how transmissions flow (herd-wide: published by `HERD`).
    ModeChanged {
        mode: Mode,
    },
    /// A walkthrough's caption (herd-wide), so that traces tell the story with the messages.
    Caption {
        text: Arc<str>,
    },
    /// A walkthrough's section begins (herd-wide).
    Section {
        title: Arc<str>,
    },
    /// A walkthrough's expectation was checked (herd-wide): whether it held, and what it found.
    Checked {
        held: bool,
        text: Arc<str>,
    },
    /// Every node restarted empty, every link healed and plain, counters at zero (herd-wide).
    Reset,
    /// How nodes pass new records on changed (herd-wide).
    StrategySet {
        strategy: crate::strategy::Strategy,
    },
    /// The herd is stopping (herd-wide): what follows is its nodes going down.
    ShuttingDown,
}

/// What became of a record that arrived from a neighbour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Newer than what the node knew: kept and passed on.
    New,
    /// The very record the node already had: dropped.
    Duplicate,
    /// Older than what the node knows: dropped.
    Stale,
}

impl Arrival {
    pub fn is_new(self) -> bool {
        self == Self::New
    }
}

impl fmt::Display for Arrival {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::New => "new",
            Self::Duplicate => "duplicate dropped",
            Self::Stale => "stale: a newer one is known, dropped",
        })
    }
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
            Self::ClientLine { addr, line } => write!(f, "client {addr} > {}", Escaped(line)),
            Self::ClientReply { addr, reply } => {
                write!(f, "client {addr} < {}", Escaped(reply))
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
                write!(f, "peer connection from {addr} refused: {}", Escaped(reason))
            }
            Self::FloodSent { to, record, hops, catch_up } => {
                let what = if *catch_up { "catch-up" } else { "flood" };
                write!(f, "{what} > {to} hop {hops}: {}", Escaped(record.line()))
            }
            Self::FloodReceived { from, record, hops, arrival, catch_up } => {
                let what = if *catch_up { "catch-up" } else { "flood" };
                write!(f, "{what} < {from} hop {hops} ({arrival}): {}", Escaped(record.line()))
            }
            Self::CatchUpSent { to, records: 1 } => write!(f, "catch-up > {to}: 1 record"),
            Self::CatchUpSent { to, records } => write!(f, "catch-up > {to}: {records} records"),
            Self::PlacesAnswered { source, client, status, results, origin, elapsed, upstream_requests } => {
                write!(
                    f,
                    "places ({source}) for {}: {status}, {results} results in {:.1} ms",
                    Escaped(client),
                    elapsed.as_secs_f64() * 1e3
                )?;
                match origin {
                    Origin::Local => Ok(()),
                    Origin::Upstream => write!(f, " (upstream request #{upstream_requests})"),
                    Origin::Cached => write!(f, " (cached)"),
                    Origin::Shared => write!(f, " (shared an upstream request)"),
                }
            }
            Self::CacheUpdated { record, via, hops, catch_up } => {
                let client = Escaped(record.client());
                let how = if *catch_up { "catch-up " } else { "" };
                match via {
                    Via::Client => write!(f, "cache: {client} at {} (from the client)", record.coords()),
                    Via::Peer(peer) => {
                        write!(f, "cache: {client} at {} ({how}from {peer}, hop {hops})", record.coords())
                    }
                }
            }
            Self::Warning { text } => write!(f, "warning: {text}"),
            Self::Attached { address } => write!(f, "attached through its control port at {address}"),
            Self::Unreachable { address, reason } => {
                write!(f, "unreachable: its control port at {address}: {reason}")
            }
            Self::FloodDropped { to, record, hops, catch_up, by_operator } => {
                let what = if *catch_up { "catch-up" } else { "flood" };
                let how = if *by_operator { "dropped by the operator" } else { "lost by the lossy link" };
                write!(f, "{what} × {to} hop {hops}: {how}: {}", Escaped(record.line()))
            }
            Self::FloodHeld { to, record, hops, catch_up } => {
                let what = if *catch_up { "catch-up" } else { "flood" };
                write!(f, "{what} ‖ {to} hop {hops}: held until the operator decides: {}", Escaped(record.line()))
            }
            Self::Restored { records: 1 } => write!(f, "restored 1 record kept on disk"),
            Self::Restored { records } => write!(f, "restored {records} records kept on disk"),
            Self::LinkCut { neighbour } => write!(f, "link to {neighbour} cut by the operator"),
            Self::LinkCutOneWay { neighbour } => {
                write!(
                    f,
                    "link to {neighbour} cut one way by the operator: messages to {neighbour} are lost, its own still arrive"
                )
            }
            Self::LinkHealed { neighbour } => write!(f, "link to {neighbour} healed by the operator"),
            Self::LinkHealedOneWay { neighbour } => {
                write!(f, "link to {neighbour} healed one way by the operator: messages to {neighbour} flow again")
            }
            Self::LatencySet { neighbour, delay } if delay.base.is_zero() => {
                write!(f, "link to {neighbour}: extra latency removed")
            }
            Self::LatencySet { neighbour, delay } => write!(f, "link to {neighbour}: {delay} extra latency"),
            Self::Seeded { seed } => write!(f, "random choices (lossy links, spread delays) follow seed {seed}"),
            Self::LossSet { neighbour, percent: 0 } => write!(f, "link to {neighbour}: losses removed"),
            Self::LossSet { neighbour, percent } => write!(f, "link to {neighbour}: loses {percent}% of messages"),
            Self::ModeChanged { mode: Mode::Live } => write!(f, "mode: live"),
            Self::ModeChanged { mode: Mode::Step } => write!(f, "mode: step (every transmission held)"),
            Self::ModeChanged { mode: Mode::Slow(delay) } => {
                write!(f, "mode: slow motion, {} a hop", humantime::format_duration(*delay))
            }
            Self::Caption { text } => write!(f, "» {text}"),
            Self::Section { title } => write!(f, "── {title} ──"),
            Self::Checked { held: true, text } => write!(f, "✓ {text}"),
            Self::Checked { held: false, text } => write!(f, "✗ {text}"),
            Self::Reset => write!(f, "reset: every node restarted empty, every link healed, counters at zero"),
            Self::ShuttingDown => write!(f, "the herd is shutting down"),
            Self::StrategySet { strategy } => write!(f, "strategy: {strategy}"),
        }
    }
}

impl EventKind {
    /// Events a trace keeps: messages, and what happened to nodes and links.
    fn is_traced(&self) -> bool {
        matches!(
            self,
            Self::FloodDropped { .. }
                | Self::FloodHeld { .. }
                | Self::CacheUpdated { via: Via::Client, .. }
                | Self::LinkUp { .. }
                | Self::LinkDown { .. }
                | Self::Seeded { .. }
                | Self::ClientLine { .. }
                | Self::ClientReply { .. }
                | Self::FloodSent { .. }
                | Self::FloodReceived { .. }
                | Self::NodeUp { .. }
                | Self::NodeDown
                | Self::LinkCut { .. }
                | Self::LinkCutOneWay { .. }
                | Self::LinkHealed { .. }
                | Self::LinkHealedOneWay { .. }
                | Self::LatencySet { .. }
                | Self::LossSet { .. }
                | Self::ModeChanged { .. }
                | Self::Caption { .. }
                | Self::Section { .. }
                | Self::Checked { .. }
                | Self::Reset
                | Self::ShuttingDown
                | Self::StrategySet { .. }
        )
    }

    /// Client lines and peer transmissions (the rest is what happened to nodes and links).
    fn is_message(&self) -> bool {
        matches!(
            self,
            Self::ClientLine { .. }
                | Self::ClientReply { .. }
                | Self::FloodSent { .. }
                | Self::FloodReceived { .. }
                | Self::CacheUpdated { .. }
        )
    }

    /// Events every reader must see, however busy the herd: what happened to nodes and links,
    /// and the story. The rest is traffic, published within a budget.
    fn always_published(&self) -> bool {
        self.is_notable()
            || matches!(
                self,
                Self::Caption { .. }
                    | Self::Section { .. }
                    | Self::Checked { .. }
                    | Self::Reset
                    | Self::PeerAccepted { .. }
                    | Self::PeerClosed { .. }
                    | Self::CatchUpSent { .. }
            )
    }

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
                | Self::Warning { .. }
                | Self::Attached { .. }
                | Self::Unreachable { .. }
                | Self::Restored { .. }
                | Self::Seeded { .. }
                | Self::FloodDropped { .. }
                | Self::FloodHeld { .. }
                | Self::LinkCut { .. }
                | Self::LinkCutOneWay { .. }
                | Self::LinkHealed { .. }
                | Self::LinkHealedOneWay { .. }
                | Self::LatencySet { .. }
                | Self::LossSet { .. }
                | Self::ModeChanged { .. }
                | Self::Reset
                | Self::ShuttingDown
                | Self::StrategySet { .. }
        )
    }
}

/// The last events of one node, kept for a trace. Each node has its own ring and lock, so
/// recording never makes nodes wait on each other; only a reference is kept.
///
/// Recording has a budget of `RECORDED_PER_SECOND` messages a second per node: at classroom rates
/// everything is kept, while during a burst (tens of thousands of messages a second) the rest is
/// counted, not kept. Keeping every event of a burst would cost the nodes a fifth of their speed
/// (docs/BENCHMARKS.md) for a trace nobody could read; faults are always kept.
pub struct EventRing {
    events: Mutex<VecDeque<Arc<HerdEvent>>>,
    capacity: usize,
    /// Events let go to make room.
    dropped: AtomicU64,
    /// Messages not recorded because they came faster than the budget.
    skipped: AtomicU64,
    budget: Budget,
}

/// Messages a node records a second; more are counted as skipped.
pub const RECORDED_PER_SECOND: u64 = 5_000;
/// Traffic events a node publishes a second to the bus (the console reads about 120,000 a second
/// in all); more are counted as unpublished. Faults, links and captions always go.
pub const PUBLISHED_PER_SECOND: u64 = 20_000;

/// So many a second, counted per wall-clock second, shared by every clone of its owner.
#[derive(Debug)]
pub struct Budget {
    per_second: u64,
    second: AtomicU64,
    used: AtomicU64,
}

impl Budget {
    pub fn new(per_second: u64) -> Self {
        Self { per_second, second: AtomicU64::new(0), used: AtomicU64::new(0) }
    }

    /// Whether one more at `at` fits in its second's budget (and counts it).
    pub fn admit(&self, at: SystemTime) -> bool {
        let second = at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if self.second.swap(second, Ordering::Relaxed) != second {
            self.used.store(0, Ordering::Relaxed);
        }
        self.used.fetch_add(1, Ordering::Relaxed) < self.per_second
    }
}

impl EventRing {
    pub fn new(capacity: usize) -> Self {
        Self {
            events: Mutex::new(VecDeque::new()),
            capacity,
            dropped: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            budget: Budget::new(RECORDED_PER_SECOND),
        }
    }

    /// Whether the ring keeps an event of this kind at `at` (a message counts against the budget).
    fn wants(&self, kind: &EventKind, at: SystemTime) -> bool {
        if !kind.is_traced() {
            return false;
        }
        if kind.is_message() && !self.budget.admit(at) {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Keeps `event` if the ring wants it.
    pub fn record(&self, event: &Arc<HerdEvent>) {
        if self.wants(&event.kind, event.at) {
            self.keep(event);
        }
    }

    fn keep(&self, event: &Arc<HerdEvent>) {
        let evicted = {
            let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
            let evicted = if events.len() == self.capacity { events.pop_front() } else { None };
            events.push_back(event.clone());
            evicted
        };
        if evicted.is_some() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// What is kept, oldest first, and how many events were let go or never kept.
    pub fn snapshot(&self) -> (Vec<Arc<HerdEvent>>, RingLosses) {
        let events = self.events.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
        let losses =
            RingLosses { dropped: self.dropped.load(Ordering::Relaxed), skipped: self.skipped.load(Ordering::Relaxed) };
        (events, losses)
    }
}

/// What a trace ring did not keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RingLosses {
    /// Older events let go to make room.
    pub dropped: u64,
    /// Messages that came faster than the recording budget.
    pub skipped: u64,
}

impl std::ops::AddAssign for RingLosses {
    fn add_assign(&mut self, other: Self) {
        self.dropped += other.dropped;
        self.skipped += other.skipped;
    }
}

/// Where one node publishes its events: its own log file (every line, in order, written by a
/// background thread so the node never waits on the disk), the process's `tracing` output, and
/// the herd's broadcast bus (for the console; lossy for slow readers).
#[derive(Clone)]
pub struct EventSink {
    node: NodeName,
    bus: broadcast::Sender<Arc<HerdEvent>>,
    journal: Option<Journal>,
    trace: Option<Arc<EventRing>>,
    counters: Arc<Counters>,
    /// What this node may publish to the bus each second.
    published: Arc<Budget>,
    /// The node's Prometheus counters (`--metrics`), bumped by every event that counts.
    metrics: Option<Arc<crate::metrics::NodeMetrics>>,
}

impl EventSink {
    pub fn new(
        node: NodeName,
        bus: broadcast::Sender<Arc<HerdEvent>>,
        journal: Option<Journal>,
        trace: Option<Arc<EventRing>>,
    ) -> Self {
        Self {
            node,
            bus,
            journal,
            trace,
            counters: Arc::default(),
            published: Arc::new(Budget::new(PUBLISHED_PER_SECOND)),
            metrics: None,
        }
    }

    /// The same sink, also counting into `metrics`.
    pub fn with_metrics(mut self, metrics: Option<Arc<crate::metrics::NodeMetrics>>) -> Self {
        self.metrics = metrics;
        self
    }

    /// The node's metrics, when `--metrics` serves them.
    pub fn metrics(&self) -> Option<&crate::metrics::NodeMetrics> {
        self.metrics.as_deref()
    }

    /// Bytes of the node's log not yet on disk (none without a log).
    pub fn log_backlog(&self) -> usize {
        self.journal.as_ref().map_or(0, Journal::backlog)
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
        self.emit_at(self.node.clone(), kind);
    }

    /// Publishes an event of `node` through this sink (the herd's sink speaks for the node an
    /// operator's fault is about).
    pub fn emit_at(&self, node: NodeName, kind: EventKind) {
        match &kind {
            EventKind::ClientLine { .. } | EventKind::FloodSent { .. } => {
                self.counters.messages.fetch_add(1, Ordering::Relaxed);
            }
            EventKind::FloodReceived { arrival: Arrival::Duplicate, catch_up: false, .. } => {
                self.counters.duplicates.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
        if let Some(metrics) = &self.metrics {
            metrics.observe(&kind);
        }
        let at = SystemTime::now();
        // A record stored from a neighbour is already in the log as the `flood <` line that
        // brought it (marked new): a second line would only cost the disk and the node.
        let logged = !matches!(kind, EventKind::CacheUpdated { via: Via::Peer(_), .. });
        if let (Some(journal), true) = (&self.journal, logged) {
            // Formatted straight into the journal's buffer: one line, whole, in order.
            journal.line(|out| {
                let _ = writeln!(out, "{} {kind}", humantime::format_rfc3339_micros(at));
            });
        }
        if kind.is_notable() {
            tracing::info!(node = %node, "{kind}");
        } else {
            tracing::debug!(node = %node, "{kind}");
        }
        // Nobody listening is normal (a headless node); never an error. A torrent of traffic
        // goes to the bus only as far as its budget: a console reads a fraction of it anyway,
        // and building and sending every event would cost the nodes a third of their speed.
        let listened = self.bus.receiver_count() > 0;
        let to_bus = listened && (kind.always_published() || self.published.admit(at));
        if listened && !to_bus {
            self.counters.unpublished.fetch_add(1, Ordering::Relaxed);
        }
        let to_trace = self.trace.as_ref().is_some_and(|trace| trace.wants(&kind, at));
        if to_bus || to_trace {
            let event = Arc::new(HerdEvent { at, node, kind });
            if let (true, Some(trace)) = (to_trace, &self.trace) {
                trace.keep(&event);
            }
            if to_bus {
                let _ = self.bus.send(event);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_from_the_wire_never_reach_a_log_line_raw() {
        let record = Arc::new(Record::parse("AT Riley +0.000000001 evil\x1b[2J\x07 +1+1 5").unwrap());
        let kinds = [
            EventKind::FloodReceived {
                from: "Jaquez".into(),
                record: record.clone(),
                hops: 1,
                arrival: Arrival::New,
                catch_up: false,
            },
            EventKind::FloodSent { to: "Jaquez".into(), record: record.clone(), hops: 1, catch_up: false },
            EventKind::CacheUpdated { record: record.clone(), via: Via::Client, hops: 0, catch_up: false },
            EventKind::ClientLine { addr: "127.0.0.1:1".parse().unwrap(), line: "IAMAT evil\x1b[2J +1+1 5".into() },
        ];
        for kind in kinds {
            let line = kind.to_string();
            assert!(!line.bytes().any(|b| b.is_ascii_control()), "{line:?}");
            assert!(line.contains(r"evil\u{1b}[2J"), "{line:?}");
        }
    }
}
