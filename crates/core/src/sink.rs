//! Where a node's events go: its log file, the process's `tracing` output, a trace's ring, the
//! herd's bus (within a budget under a burst) and its metrics; and the node's running totals.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use tokio::sync::broadcast;

use crate::budget::Budget;
use crate::event::{Arrival, EventKind, HerdEvent, Via};
use crate::journal::Journal;
use crate::topology::NodeName;

/// A node's running totals, counted where things happen: exact whoever listens, however far
/// behind a reader falls.
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
    /// Back to zero, every one of them (a walkthrough's `reset`).
    pub fn reset(&self) {
        for counter in [&self.messages, &self.duplicates, &self.unpublished, &self.transmissions] {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

/// Traffic events a node publishes a second to the bus (the console reads about 120,000 a second
/// in all); more are counted as unpublished. Faults, links and captions always go.
pub const PUBLISHED_PER_SECOND: u64 = 20_000;

/// Where one node publishes its events: its own log file (every line, in order, written by a
/// background thread so the node never waits on the disk), the process's `tracing` output, and
/// the herd's broadcast bus (for the console; lossy for slow readers).
#[derive(Clone)]
pub struct EventSink {
    node: NodeName,
    bus: broadcast::Sender<Arc<HerdEvent>>,
    journal: Option<Journal>,
    trace: Option<Arc<crate::recorder::EventRing>>,
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
        trace: Option<Arc<crate::recorder::EventRing>>,
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

    /// Log lines counted instead of written, since the node started.
    pub fn log_dropped(&self) -> u64 {
        self.journal.as_ref().map_or(0, Journal::dropped)
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
        self.journal.as_ref().is_some_and(|journal| journal.settings().level == crate::journal::LogLevel::Debug)
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
            EventKind::ClientLine { .. } | EventKind::FloodSent { .. } | EventKind::LineSent { .. } => {
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
            let settings = journal.settings();
            if crate::journal::LogLevel::of(&kind) <= settings.level {
                // Formatted straight into the journal's buffer: one line, whole, in order.
                journal.line(|out| settings.write_line(out, at, &node, &kind));
            }
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
