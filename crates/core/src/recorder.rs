//! What a session's recording keeps as it happens: a ring of events for each node (and one for
//! the herd), the herd's seed and its topology. Writing it out (JSON lines, diagrams, handouts)
//! and reading it back are done above the engine; the engine only fills the rings.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::budget::Budget;
use crate::event::{EventKind, HerdEvent};
use crate::topology::Topology;

/// Events each node's ring keeps; past this the oldest go first (and the export says so).
pub const KEPT_PER_NODE: usize = 100_000;

/// Messages a node records a second; more are counted as skipped.
pub const RECORDED_PER_SECOND: u64 = 5_000;
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
    pub fn wants(&self, kind: &EventKind, at: SystemTime) -> bool {
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

    pub fn keep(&self, event: &Arc<HerdEvent>) {
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

/// A session's recording so far: every node's ring, and what the herd said of itself.
pub struct Recorder {
    started: SystemTime,
    rings: Mutex<Vec<Arc<EventRing>>>,
    /// The herd's seed: `--seed` with it replays the random choices.
    seed: Mutex<Option<u64>>,
    /// The herd's topology, as topology.json writes it: a replay draws the herd from it.
    topology: Mutex<Option<serde_json::Value>>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self { started: SystemTime::now(), rings: Mutex::default(), seed: Mutex::default(), topology: Mutex::default() }
    }
}

impl Recorder {
    /// A new ring for one node's (or the herd's) events, recorded from now on.
    pub fn ring(&self) -> Arc<EventRing> {
        let ring = Arc::new(EventRing::new(KEPT_PER_NODE));
        self.rings.lock().unwrap_or_else(|p| p.into_inner()).push(ring.clone());
        ring
    }

    /// When the recording started.
    pub fn started(&self) -> SystemTime {
        self.started
    }

    /// Every event of every ring, in time order (tasks record a hair out of order), and what
    /// the rings did not keep.
    pub fn events(&self) -> (Vec<Arc<HerdEvent>>, RingLosses) {
        let rings: Vec<Arc<EventRing>> = self.rings.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut losses = RingLosses::default();
        let mut events = Vec::new();
        for ring in &rings {
            let (kept, lost) = ring.snapshot();
            losses += lost;
            events.extend(kept);
        }
        events.sort_by_key(|event| event.at);
        (events, losses)
    }

    /// The herd's seed, once the herd said it.
    pub fn seed(&self) -> Option<u64> {
        *self.seed.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_seed(&self, seed: u64) {
        *self.seed.lock().unwrap_or_else(|p| p.into_inner()) = Some(seed);
    }

    /// The herd's topology as topology.json writes it, once the herd said it.
    pub fn topology(&self) -> Option<serde_json::Value> {
        self.topology.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_topology(&self, topology: &Topology) {
        *self.topology.lock().unwrap_or_else(|p| p.into_inner()) = Some(topology.to_json());
    }
}
