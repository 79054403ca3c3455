//! A recorded session read back (`herdctl replay FILE`): the trace's events, in time order, and
//! the herd as it was at any moment of it, rebuilt from them (docs/TRACE.md says what is kept).
//!
//! Moments are found fast in long recordings: the world is kept every `CHECKPOINT_EVERY` events,
//! so a step back replays at most that many events from the nearest copy, not the whole session.

mod fork;
mod report;
pub mod walk;
mod world;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::event::{Arrival, EventKind, HerdEvent, Via};
use crate::network::Delay;
use crate::protocol::Record;
use crate::topology::HERD;
use crate::topology::{NodeName, SharedTopology, Topology, TopologyError};
use crate::trace::{TRACE_FORMAT, Trace};

pub use fork::go_live;
pub use report::describe;
pub use world::World;

/// A copy of the world is kept every so many events.
const CHECKPOINT_EVERY: usize = 2_000;

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
    pub topology: SharedTopology,
    /// What the recording could not keep, in words.
    pub notes: Vec<String>,
    /// Every event, in time order.
    pub events: Vec<Arc<HerdEvent>>,
}

impl Recording {
    /// Reads a `.jsonl` trace; `topology` stands in for one the trace does not carry.
    pub fn load(path: &Path, topology: Option<Topology>) -> Result<Self, ReplayError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ReplayError::Read { path: path.to_path_buf(), source })?;
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
        };
        for (index, line) in lines {
            let problem =
                |problem: String| ReplayError::Line { source_name: source_name.to_string(), line: index + 1, problem };
            let entry: Value = serde_json::from_str(line).map_err(|error| problem(error.to_string()))?;
            if entry.get("kind").and_then(Value::as_str) == Some("note") {
                recording.notes.push(text_of(&entry).to_string());
                continue;
            }
            // The herd's shutdown ends the story: its nodes going down is not part of it.
            if entry.get("fault").and_then(Value::as_str) == Some("shutdown") {
                break;
            }
            if let Some(event) = recording.event(&entry).map_err(problem)? {
                recording.events.push(Arc::new(event));
            }
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
        Self { started, seed: trace.seed(), client: None, topology, notes, events: with_cache_updates(events) }
    }

    /// How long the recording lasts, from its start to its last event.
    pub fn duration(&self) -> Duration {
        self.events.last().map_or(Duration::ZERO, |event| self.offset(event))
    }

    /// When `event` happened, from the recording's start.
    pub fn offset(&self, event: &HerdEvent) -> Duration {
        event.at.duration_since(self.started).unwrap_or_default()
    }

    /// An empty recording of `topology` started at `started`: what decodes a stream of trace
    /// lines (a control port's events) one at a time.
    pub fn decoder(started: SystemTime, topology: SharedTopology) -> Self {
        Self { started, seed: None, client: None, topology, notes: Vec::new(), events: Vec::new() }
    }

    /// One trace entry as the event it records; `None` for kinds this version does not know
    /// (a newer herdctl may add some: they are skipped, as docs/TRACE.md promises).
    pub fn event(&self, entry: &Value) -> Result<Option<HerdEvent>, String> {
        let field = |name: &str| entry.get(name).and_then(Value::as_str);
        let t = entry.get("t").and_then(Value::as_f64).ok_or("no time \"t\"")?;
        let at = self.started + Duration::try_from_secs_f64(t.max(0.0)).map_err(|error| error.to_string())?;
        let node_field = field("node").ok_or("no \"node\"")?;
        let node = self.name(node_field)?;
        let peer = || field("peer").ok_or("no \"peer\"".to_string()).and_then(|peer| self.name(peer));
        let record = || -> Result<Arc<Record>, String> {
            let line = field("record").ok_or("no \"record\"")?;
            Record::parse(line).map(Arc::new).ok_or_else(|| format!("{line:?} is not an AT line"))
        };
        let hops = || entry.get("hops").and_then(Value::as_u64).unwrap_or_default() as u32;
        let catch_up = || entry.get("catch_up").and_then(Value::as_bool).unwrap_or_default();
        let text = || Arc::<str>::from(text_of(entry));
        let value = || field("value").ok_or("no \"value\"".to_string());
        let nowhere = SocketAddr::from(([0, 0, 0, 0], 0));
        let addr = || field("addr").and_then(|addr| addr.parse().ok()).unwrap_or(nowhere);
        let kind = match field("kind").ok_or("no \"kind\"")? {
            "client_in" => EventKind::ClientLine { addr: addr(), line: text() },
            "client_out" => EventKind::ClientReply { addr: addr(), reply: text() },
            "peer_send" => EventKind::FloodSent { to: peer()?, record: record()?, hops: hops(), catch_up: catch_up() },
            "peer_receive" => EventKind::FloodReceived {
                from: peer()?,
                record: record()?,
                hops: hops(),
                arrival: match field("arrival") {
                    Some("duplicate") => Arrival::Duplicate,
                    Some("stale") => Arrival::Stale,
                    _ => Arrival::New,
                },
                catch_up: catch_up(),
            },
            "held" => EventKind::FloodHeld { to: peer()?, record: record()?, hops: hops(), catch_up: catch_up() },
            "learned" => EventKind::CacheUpdated { record: record()?, via: Via::Client, hops: 0, catch_up: false },
            "caption" => EventKind::Caption { text: text() },
            "section" => EventKind::Section { title: text() },
            "expect" => EventKind::Checked { held: field("value") == Some("held"), text: text() },
            "fault" => match field("fault").ok_or("a fault without \"fault\"")? {
                "node_up" => {
                    let (client, peer) = addresses(text_of(entry)).unwrap_or((nowhere, nowhere));
                    EventKind::NodeUp { client, peer }
                }
                "node_down" => EventKind::NodeDown,
                "link_up" => EventKind::LinkUp { neighbour: peer()? },
                "link_down" => EventKind::LinkDown { neighbour: peer()?, reason: reason(text_of(entry)).into() },
                "cut" => EventKind::LinkCut { neighbour: peer()? },
                "cut_one_way" => EventKind::LinkCutOneWay { neighbour: peer()? },
                "heal" => EventKind::LinkHealed { neighbour: peer()? },
                "heal_one_way" => EventKind::LinkHealedOneWay { neighbour: peer()? },
                "latency" => {
                    let value = value()?;
                    let delay = Delay::parse(value).ok_or_else(|| format!("{value:?} is not a latency"))?;
                    EventKind::LatencySet { neighbour: peer()?, delay }
                }
                "loss" => {
                    let value = value()?;
                    let percent = value.parse().map_err(|_| format!("{value:?} is not a percentage"))?;
                    EventKind::LossSet { neighbour: peer()?, percent }
                }
                "mode" => {
                    let value = value()?;
                    EventKind::ModeChanged {
                        mode: value.parse().map_err(|error: crate::network::NotAMode| error.to_string())?,
                    }
                }
                "seed" => EventKind::Seeded { seed: value()?.parse().map_err(|_| "the seed is not a number")? },
                "reset" => EventKind::Reset,
                "strategy" => EventKind::StrategySet {
                    strategy: crate::strategy::Strategy::parse(value()?)
                        .ok_or_else(|| format!("{:?} is not a strategy", value().unwrap_or_default()))?,
                },
                which @ ("dropped" | "lost") => EventKind::FloodDropped {
                    to: peer()?,
                    record: record()?,
                    hops: hops(),
                    catch_up: catch_up(),
                    by_operator: which == "dropped",
                },
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        Ok(Some(HerdEvent { at, node, kind }))
    }

    /// A node of the recording's topology (or the herd itself).
    fn name(&self, name: &str) -> Result<NodeName, String> {
        if name == HERD {
            return Ok(HERD.into());
        }
        self.topology.name(name).ok_or_else(|| format!("{name:?} is not a node of the recording's topology"))
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

fn text_of(entry: &Value) -> &str {
    entry.get("text").and_then(Value::as_str).unwrap_or_default()
}

/// The addresses in "node up: clients on A, peers on B".
fn addresses(text: &str) -> Option<(SocketAddr, SocketAddr)> {
    let rest = text.split_once("clients on ")?.1;
    let (client, peer) = rest.split_once(", peers on ")?;
    Some((client.parse().ok()?, peer.trim().parse().ok()?))
}

/// The reason in "link to X down (reason)".
fn reason(text: &str) -> &str {
    text.split_once('(').and_then(|(_, rest)| rest.strip_suffix(')')).unwrap_or("down")
}

/// `2.5s`, `2.5`, `1500ms`, `1m3s`: a moment of a recording, from its start.
pub fn parse_moment(text: &str) -> Result<Duration, String> {
    let seconds = text.strip_suffix('s').filter(|t| !t.ends_with('m')).unwrap_or(text);
    if let Ok(seconds) = seconds.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text:?}: a moment is zero or more seconds"));
    }
    humantime::parse_duration(text).map_err(|_| format!("{text:?}: write a time such as 2.5s, 1500ms or 1m3s"))
}

/// An event in a line: its node, and what happened there.
pub fn describe_event(event: &HerdEvent) -> String {
    format!("{} {}", event.node, event.kind)
}

/// Something worth jumping to in a recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landmark {
    /// A node up or down, a link cut or healed, a latency or loss set, a message dropped or
    /// lost, a reset.
    Fault,
    /// A client's new record: the start of a flood.
    Flood,
    /// A walkthrough's caption or section.
    Story,
}

impl Landmark {
    /// What kind of landmark `event` is, if any.
    pub fn of(event: &HerdEvent) -> Option<Self> {
        Some(match &event.kind {
            EventKind::NodeUp { .. }
            | EventKind::NodeDown
            | EventKind::LinkCut { .. }
            | EventKind::LinkCutOneWay { .. }
            | EventKind::LinkHealed { .. }
            | EventKind::LinkHealedOneWay { .. }
            | EventKind::LatencySet { .. }
            | EventKind::LossSet { .. }
            | EventKind::FloodDropped { .. }
            | EventKind::Reset => Self::Fault,
            EventKind::CacheUpdated { via: Via::Client, .. } => Self::Flood,
            EventKind::Caption { .. } | EventKind::Section { .. } | EventKind::Checked { .. } => Self::Story,
            _ => return None,
        })
    }

    pub fn word(self) -> &'static str {
        match self {
            Self::Fault => "fault",
            Self::Flood => "flood",
            Self::Story => "caption",
        }
    }
}

/// A recording and the world at any moment of it.
pub struct Timeline {
    recording: Arc<Recording>,
    /// `checkpoints[k]`: the world after the first `k * CHECKPOINT_EVERY` events.
    checkpoints: Vec<World>,
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
        for (i, event) in recording.events.iter().enumerate() {
            world.apply(event);
            if (i + 1) % CHECKPOINT_EVERY == 0 {
                checkpoints.push(world.clone());
            }
        }
        Self { recording, checkpoints }
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

    /// The world after the first `count` events.
    pub fn world_after(&self, count: usize) -> World {
        let count = count.min(self.len());
        let mut world = self.checkpoints[count / CHECKPOINT_EVERY].clone();
        for event in &self.recording.events[count / CHECKPOINT_EVERY * CHECKPOINT_EVERY..count] {
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
