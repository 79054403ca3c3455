//! A recorded session read back (`herdctl replay FILE`): the trace's events, in time order, and
//! the herd as it was at any moment of it, rebuilt from them (docs/TRACE.md says what is kept).
//!
//! Moments are found fast in long recordings: the world is kept every `CHECKPOINT_EVERY` events
//! (wider apart in a long one, never more than `MOST_CHECKPOINTS` copies), so a step back replays
//! the events from the nearest copy, not the whole session.

mod fork;
mod report;

mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::accounting::{Accounting, Flood};
use crate::command::Landmark;
use crate::moment::Moment;
use crate::trace::{TRACE_FORMAT, Trace};
use herdctl_core::event::{Arrival, EventKind, HerdEvent, Via};
use herdctl_core::topology::HERD;
use herdctl_core::topology::{SharedTopology, Topology, TopologyError};

pub use fork::go_live;
pub use report::describe;
pub use world::World;

/// A copy of the world is kept every so many events at least.
const CHECKPOINT_EVERY: usize = 2_000;
/// And never more copies than this: a long recording after a burst (a node keeps 100,000
/// events) spaces them wider rather than hold hundreds of copies of a world with many clients
/// (2.6 GB after a 230,000-client burst). A step back then replays at most `len / MAX` events.
pub const MOST_CHECKPOINTS: usize = 24;

/// Why a recording could not be read. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read the recording {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "{source_name} is not a herdctl trace (its first line should say \"format\":\"{TRACE_FORMAT}\"); record one with herdctl --trace FILE.jsonl, or t in the console"
    )]
    NotATrace { source_name: String },
    #[error("{source_name} is a {found} trace; this herdctl reads {TRACE_FORMAT}")]
    Version { source_name: String, found: String },
    #[error(
        "{source_name} does not carry its herd's topology (an older herdctl wrote it): give it with --topology FILE"
    )]
    NoTopology { source_name: String },
    #[error("the topology in {source_name}: {source}")]
    Topology { source_name: String, source: TopologyError },
    #[error("{source_name}: line {line}: {problem}")]
    Line { source_name: String, line: usize, problem: String },
}

/// A session as recorded.
#[derive(Debug)]
pub struct Recording {
    pub started: SystemTime,
    pub seed: Option<u64>,
    /// The one client whose messages were kept (`--trace-client`), if only one's were.
    pub client: Option<String>,
    /// What was left out of a trace whose last line was torn (herdctl killed while writing
    /// it): said, so that a reader knows the story ends early.
    pub torn: Option<String>,
    pub topology: SharedTopology,
    /// What the recording could not keep, in words.
    pub notes: Vec<String>,
    /// Every event, in time order.
    pub events: Vec<Arc<HerdEvent>>,
}

impl Recording {
    /// Events the recording says it lost (its notes count them: let go, or never recorded).
    pub fn missing(&self) -> u64 {
        self.notes.iter().filter_map(|note| note.split_whitespace().next()?.parse::<u64>().ok()).sum()
    }

    /// Reads a `.jsonl` trace; `topology` stands in for one the trace does not carry.
    pub fn load(path: &Path, topology: Option<Topology>) -> Result<Self, ReplayError> {
        let text = herdctl_core::capped::read_to_string(path, herdctl_core::capped::FileKind::Trace)
            .map_err(|source| ReplayError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text, &path.display().to_string(), topology)
    }

    /// Parses trace text; `source_name` names it in error messages.
    pub fn parse(text: &str, source_name: &str, topology: Option<Topology>) -> Result<Self, ReplayError> {
        let mut lines = text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty());
        let not_a_trace = || ReplayError::NotATrace { source_name: source_name.to_string() };
        let header: Value =
            lines.next().and_then(|(_, line)| serde_json::from_str(line).ok()).ok_or_else(not_a_trace)?;
        match header.get("format").and_then(Value::as_str) {
            Some(TRACE_FORMAT) => {}
            Some(other) => {
                return Err(ReplayError::Version { source_name: source_name.to_string(), found: other.to_string() });
            }
            None => return Err(not_a_trace()),
        }
        let started = header
            .get("started")
            .and_then(Value::as_str)
            .and_then(|text| humantime::parse_rfc3339(text).ok())
            .ok_or_else(|| ReplayError::Line {
                source_name: source_name.to_string(),
                line: 1,
                problem: "\"started\" is not an RFC 3339 time".to_string(),
            })?;
        let topology = match (topology, header.get("topology").filter(|t| !t.is_null())) {
            (Some(topology), _) => topology,
            (None, Some(carried)) => Topology::from_json(&carried.to_string(), &format!("{source_name}'s topology"))
                .map_err(|source| ReplayError::Topology { source_name: source_name.to_string(), source })?,
            (None, None) => return Err(ReplayError::NoTopology { source_name: source_name.to_string() }),
        };
        let topology = Arc::new(topology);
        let mut recording = Self {
            started,
            seed: header.get("seed").and_then(Value::as_u64),
            client: header.get("client").and_then(Value::as_str).map(str::to_string),
            topology,
            notes: Vec::new(),
            events: Vec::new(),
            torn: None,
        };
        // A last line that is not whole (no newline, no JSON): a writer stopped mid-line. What
        // came before is whole, and is the recording; the torn line is left out, and said.
        let last = text.lines().count();
        let unfinished = (!text.ends_with('\n') && last > 1)
            .then(|| text.lines().last().unwrap_or_default())
            .filter(|line| serde_json::from_str::<Value>(line).is_err());
        if let Some(line) = unfinished {
            recording.torn = Some(format!(
                "{source_name}: its last line (line {last}, {} bytes) was cut off mid-way and is left out",
                line.len()
            ));
        }
        for (index, line) in lines {
            let problem =
                |problem: String| ReplayError::Line { source_name: source_name.to_string(), line: index + 1, problem };
            if unfinished.is_some() && index + 1 == last {
                break;
            }
            let entry: Value = serde_json::from_str(line).map_err(|error| problem(error.to_string()))?;
            if entry.get("kind").and_then(Value::as_str) == Some("note") {
                recording.notes.push(entry.get("text").and_then(Value::as_str).unwrap_or_default().to_string());
                continue;
            }
            let Some(event) =
                herdctl_core::event::decode(line, recording.started).map_err(|e| problem(e.to_string()))?
            else {
                continue;
            };
            // The herd's shutdown ends the story: its nodes going down is not part of it.
            if event.kind == EventKind::ShuttingDown {
                break;
            }
            recording.check_names(&event).map_err(problem)?;
            recording.events.push(Arc::new(event));
        }
        // Written in time order; kept so even if a hand edited it.
        recording.events.sort_by_key(|event| event.at);
        recording.events = with_cache_updates(std::mem::take(&mut recording.events));
        Ok(recording)
    }

    /// A live session's recording so far (the console's look back): the trace's events as they
    /// are now.
    pub fn of_trace(trace: &Trace, topology: SharedTopology) -> Self {
        let (events, started, notes) = trace.events();
        let events = with_cache_updates(events);
        Self { started, seed: trace.seed(), client: None, topology, notes, events, torn: None }
    }

    /// How long the recording lasts, from its start to its last event.
    pub fn duration(&self) -> Duration {
        self.events.last().map_or(Duration::ZERO, |event| self.offset(event))
    }

    /// When `event` happened, from the recording's start.
    pub fn offset(&self, event: &HerdEvent) -> Duration {
        event.at.duration_since(self.started).unwrap_or_default()
    }

    /// Refuses an event of a node (or naming a neighbour) the recording's topology does not have.
    fn check_names(&self, event: &HerdEvent) -> Result<(), String> {
        let known = |name: &str| name == HERD || self.topology.node(name).is_some();
        let other = match &event.kind {
            EventKind::FloodSent { to, .. } | EventKind::FloodHeld { to, .. } | EventKind::FloodDropped { to, .. } => {
                Some(to)
            }
            EventKind::FloodReceived { from, .. } => Some(from),
            EventKind::CacheUpdated { via: Via::Peer(from), .. } => Some(from),
            EventKind::LinkUp { neighbour }
            | EventKind::LinkDown { neighbour, .. }
            | EventKind::LinkCut { neighbour }
            | EventKind::LinkCutOneWay { neighbour }
            | EventKind::LinkHealed { neighbour }
            | EventKind::LinkHealedOneWay { neighbour }
            | EventKind::LatencySet { neighbour, .. }
            | EventKind::LossSet { neighbour, .. } => Some(neighbour),
            _ => None,
        };
        for name in std::iter::once(&event.node).chain(other) {
            if !known(name) {
                return Err(format!("{name:?} is not a node of the recording's topology"));
            }
        }
        Ok(())
    }
}

/// The events with each new record's storing said after its arrival, as a node says it (a trace
/// keeps the arrival only, marked new, to stay small): the console's accounting of a flood counts
/// the nodes it reached by these.
fn with_cache_updates(events: Vec<Arc<HerdEvent>>) -> Vec<Arc<HerdEvent>> {
    let mut all = Vec::with_capacity(events.len() * 5 / 4);
    for event in events {
        let stored = stored_on_arrival(&event.kind);
        let (at, node) = (event.at, event.node.clone());
        all.push(event);
        if let Some(kind) = stored {
            all.push(Arc::new(HerdEvent { at, node, kind }));
        }
    }
    all
}

/// The storing a node says after a new record's arrival (`CacheUpdated`), for an arrival told
/// without it (a trace's, a control port's stream).
pub(crate) fn stored_on_arrival(kind: &EventKind) -> Option<EventKind> {
    match kind {
        EventKind::FloodReceived { from, record, hops, arrival: Arrival::New, catch_up } => {
            Some(EventKind::CacheUpdated {
                record: record.clone(),
                via: Via::Peer(from.clone()),
                hops: *hops,
                catch_up: *catch_up,
            })
        }
        _ => None,
    }
}

/// An event in a line: its node, and what happened there.
pub fn describe_event(event: &HerdEvent) -> String {
    format!("{} {}", event.node, event.kind)
}

/// A recording and the world at any moment of it.
pub struct Timeline {
    recording: Arc<Recording>,
    /// `checkpoints[k]`: the world after the first `k * every` events.
    checkpoints: Vec<World>,
    /// Events between two checkpoints: `CHECKPOINT_EVERY`, or more in a long recording.
    every: usize,
    /// What each update of the recording cost in the end (a moment in the middle of one knows
    /// only what it cost so far).
    costs: Accounting,
}

impl Timeline {
    /// Replays the recording once, keeping a copy of the world every `CHECKPOINT_EVERY` events.
    pub fn new(recording: Arc<Recording>) -> Self {
        let first = |node: &str, up: bool, down: bool| {
            recording.events.iter().find_map(|event| match &event.kind {
                EventKind::NodeUp { .. } if &*event.node == node => Some(up),
                EventKind::NodeDown if &*event.node == node => Some(down),
                _ => None,
            })
        };
        // A node whose first word is that it started was down before; otherwise it was up.
        let up_at_start = |node: &str| first(node, false, true).unwrap_or(true);
        let linked_at_start = |node: &str, neighbour: &str| {
            let said = recording.events.iter().find_map(|event| match &event.kind {
                EventKind::LinkUp { neighbour: n } if &*event.node == node && &**n == neighbour => Some(false),
                EventKind::LinkDown { neighbour: n, .. } if &*event.node == node && &**n == neighbour => Some(true),
                EventKind::NodeUp { .. } if &*event.node == node => Some(false),
                _ => None,
            });
            said.unwrap_or(up_at_start(node) && up_at_start(neighbour))
        };
        let mut world = World::new(recording.topology.clone(), recording.started, up_at_start, linked_at_start);
        let mut checkpoints = vec![world.clone()];
        let every = CHECKPOINT_EVERY.max(recording.events.len().div_ceil(MOST_CHECKPOINTS));
        let mut costs = Accounting::of_everything(recording.topology.clone());
        for (i, event) in recording.events.iter().enumerate() {
            // An update is measured against the nodes and links live when it starts.
            if matches!(event.kind, EventKind::CacheUpdated { via: Via::Client, .. }) {
                costs.set_live(world.live());
            }
            costs.apply(event);
            world.apply(event);
            if (i + 1) % every == 0 {
                checkpoints.push(world.clone());
            }
        }
        Self { recording, checkpoints, every, costs }
    }

    /// What the update whose record is `at_line` cost in the whole recording.
    pub fn cost_of(&self, at_line: &str) -> Option<&Flood> {
        self.costs.get(at_line)
    }

    pub fn recording(&self) -> &Arc<Recording> {
        &self.recording
    }

    /// How many events the recording has.
    pub fn len(&self) -> usize {
        self.recording.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recording.events.is_empty()
    }

    /// Copies of the world kept for seeking (never more than `MOST_CHECKPOINTS` and one).
    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// The world after the first `count` events.
    pub fn world_after(&self, count: usize) -> World {
        let count = count.min(self.len());
        let mut world = self.checkpoints[count / self.every].clone();
        for event in &self.recording.events[count / self.every * self.every..count] {
            world.apply(event);
        }
        world
    }

    /// The moment just after the nearest `landmark` after the moment after `count` events
    /// (`forward`), or before it; `None` when there is none that way.
    pub fn landmark(&self, landmark: Landmark, count: usize, forward: bool) -> Option<usize> {
        let events = &self.recording.events;
        let is = |i: &usize| Landmark::of(&events[*i]) == Some(landmark);
        let found = if forward { (count..events.len()).find(is) } else { (0..count.saturating_sub(1)).rev().find(is) };
        found.map(|i| i + 1)
    }

    /// How many events happened at or before `offset` from the start.
    pub fn count_at(&self, offset: Duration) -> usize {
        let at = self.recording.started + offset;
        self.recording.events.partition_point(|event| event.at <= at)
    }
}

#[cfg(test)]
mod tests;
