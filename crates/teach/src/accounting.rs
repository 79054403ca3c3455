//! Flood accounting: what each update cost. Fed the herd's events, it counts for every record a
//! client reported the peer messages that flooded it, the copies dropped on arrival, and the hop
//! at which each node learned it, against what a spanning tree over the nodes that could be
//! reached would need (one message a node) and their distance in the live graph.
//!
//! Catch-up (records exchanged because a link came back) is not part of any flood's cost.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use herdctl_core::event::{Arrival, EventKind, HerdEvent, Via};
use herdctl_core::herd::Live;
use herdctl_core::topology::{NodeName, SharedTopology};

/// Updates remembered (the oldest are forgotten first).
const KEPT: usize = 256;

/// The cost of one update: one client's new record, from the node that received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flood {
    /// The record's AT line, which names it uniquely.
    pub at_line: String,
    pub client: String,
    /// The node that received the IAMAT (the AT line names it).
    pub origin: NodeName,
    /// Peer messages that carried it.
    pub messages: usize,
    /// Of those, the ones that arrived where it was already known: duplicates, dropped.
    pub duplicates: usize,
    /// And the ones that arrived where a newer record of the client was known: stale, dropped.
    pub stale: usize,
    /// Messages the operator dropped on the way (step mode's `drop`), sender and receiver.
    pub lost: Vec<(NodeName, NodeName)>,
    /// Every node that learned it from a neighbour, and at which hop.
    pub reached: BTreeMap<NodeName, u32>,
    /// And from which neighbour.
    pub learned_from: BTreeMap<NodeName, NodeName>,
    /// The nodes the origin could reach when the update started (live, over links neither down
    /// nor cut), with their distance in hops.
    pub reachable: BTreeMap<NodeName, usize>,
    /// Its transmissions waiting in step mode now, sender and receiver.
    pub held: Vec<(NodeName, NodeName)>,
    /// Nodes killed while some of its transmissions waited from or for them, and how many were
    /// lost with each: step mode's held messages go with their links.
    pub killed: Vec<(NodeName, usize)>,
    /// Some of its events may never have been seen (the nodes published over their budget, or
    /// the reader fell behind): its figures are from a sample, not its whole cost.
    pub sampled: bool,
}

impl Flood {
    /// A spanning tree over the nodes it could reach needs one message each.
    pub fn minimum_messages(&self) -> usize {
        self.reachable.len()
    }

    /// Hops until the last node had it.
    pub fn hops(&self) -> u32 {
        self.reached.values().copied().max().unwrap_or(0)
    }

    /// The fewest hops that reach every node it could reach.
    pub fn minimum_hops(&self) -> usize {
        self.reachable.values().copied().max().unwrap_or(0)
    }

    /// Whether every node it could reach has it.
    pub fn is_complete(&self) -> bool {
        self.reachable.keys().all(|node| self.reached.contains_key(node))
    }

    /// Whether it stopped short for good: a kill lost some of its held transmissions and none
    /// of the rest waits any more, so nothing more of it will come (its figures stand as they are).
    pub fn is_closed(&self) -> bool {
        !self.killed.is_empty() && self.held.is_empty() && !self.is_complete()
    }

    /// Held transmissions lost with killed nodes.
    pub fn lost_in_kills(&self) -> usize {
        self.killed.iter().map(|(_, lost)| lost).sum()
    }

    /// What each lost message did, once the node it was for has the record another way: the
    /// lesson of a drop. (Until then, nothing is said: more of the flood may still come.)
    pub fn losses(&self) -> Vec<String> {
        self.lost
            .iter()
            .filter_map(|(from, to)| {
                let (via, hops) = (self.learned_from.get(to)?, self.reached.get(to)?);
                Some(format!(
                    "{from}→{to} was lost, and {to} still learned it, through {via} (hop {hops}): flooding \
                     tolerates that lost message"
                ))
            })
            .collect()
    }
}

/// The record an event of a flood (not of a catch-up) carries.
fn flooded(kind: &EventKind) -> Option<&herdctl_core::protocol::Record> {
    match kind {
        EventKind::CacheUpdated { record, catch_up: false, .. }
        | EventKind::FloodSent { record, catch_up: false, .. }
        | EventKind::FloodReceived { record, catch_up: false, .. }
        | EventKind::FloodDropped { record, catch_up: false, .. }
        | EventKind::FloodHeld { record, catch_up: false, .. } => Some(record),
        _ => None,
    }
}

/// One transmission from `from` to `to` no longer waits (a duplicate's second copy finds none).
fn let_go(held: &mut Vec<(NodeName, NodeName)>, from: &NodeName, to: &NodeName) {
    if let Some(index) = held.iter().position(|(f, t)| f == from && t == to) {
        held.remove(index);
    }
}

pub struct Accounting {
    topology: SharedTopology,
    live: Live,
    floods: VecDeque<Flood>,
    /// Updates remembered at most.
    kept: usize,
    /// Where each remembered update is, by its AT line: the number it was started as, the first
    /// remembered one being `first` (a recording's accounting keeps hundreds of thousands, and
    /// each of their events finds its update).
    index: HashMap<String, usize>,
    first: usize,
    /// The records of updates a reset cut short: what of them still moves after it (a held
    /// message let go as the herd is reset, a walkthrough's aborted replay) is not a new update.
    forgotten: HashSet<String>,
    /// The updates whose events came since the reader last said whether it missed any, and in
    /// the turn before (what goes missing is counted a moment before or after what came).
    touched: HashSet<String>,
    touched_before: HashSet<String>,
}

impl Accounting {
    pub fn new(topology: SharedTopology) -> Self {
        Self {
            topology,
            live: Live::default(),
            floods: VecDeque::new(),
            kept: KEPT,
            index: HashMap::new(),
            first: 0,
            forgotten: HashSet::new(),
            touched: HashSet::new(),
            touched_before: HashSet::new(),
        }
    }

    /// An accounting that remembers every update: a recording's, read whole once.
    pub fn of_everything(topology: SharedTopology) -> Self {
        Self { kept: usize::MAX, ..Self::new(topology) }
    }

    /// What is up and cut now; floods that start from here on are measured against it.
    pub fn set_live(&mut self, live: Live) {
        self.live = live;
    }

    /// Distances from `origin` over the live graph, `origin` itself left out.
    fn reachable(&self, origin: &NodeName) -> BTreeMap<NodeName, usize> {
        let mut distance = BTreeMap::new();
        let mut queue = VecDeque::from([(origin.clone(), 0)]);
        let mut seen = HashSet::from([origin.clone()]);
        while let Some((node, hops)) = queue.pop_front() {
            for next in self.topology.neighbours(&node) {
                if self.live.usable(&node, &next) && seen.insert(next.clone()) {
                    distance.insert(next.clone(), hops + 1);
                    queue.push_back((next, hops + 1));
                }
            }
        }
        distance
    }

    fn find(&mut self, at_line: &str) -> Option<&mut Flood> {
        let at = self.index.get(at_line)?.checked_sub(self.first)?;
        self.floods.get_mut(at)
    }

    fn start(&mut self, event: &HerdEvent, record: &herdctl_core::protocol::Record) {
        let origin = self.topology.name(record.server()).unwrap_or_else(|| event.node.clone());
        if self.floods.len() == self.kept {
            if let Some(old) = self.floods.pop_front() {
                self.index.remove(&old.at_line);
            }
            self.first += 1;
        }
        self.index.insert(record.line().to_string(), self.first + self.floods.len());
        let reachable = self.reachable(&origin);
        self.floods.push_back(Flood {
            at_line: record.line().to_string(),
            client: record.client().to_string(),
            origin,
            messages: 0,
            duplicates: 0,
            stale: 0,
            lost: Vec::new(),
            reached: BTreeMap::new(),
            learned_from: BTreeMap::new(),
            reachable,
            held: Vec::new(),
            killed: Vec::new(),
            sampled: false,
        });
    }

    pub fn apply(&mut self, event: &HerdEvent) {
        if let Some(record) = flooded(&event.kind) {
            if !self.touched.contains(record.line()) {
                self.touched.insert(record.line().to_string());
            }
        }
        match &event.kind {
            // A reset herd starts its story again: no update has cost anything yet.
            EventKind::Reset => self.clear(),
            // A flood starts where a node first stores the record: at the node the client spoke
            // to, or (when that node runs in another process) at the first one seen to learn it.
            EventKind::CacheUpdated { record, .. } if self.forgotten.contains(record.line()) => {}
            EventKind::CacheUpdated { record, via, hops, catch_up: false } => {
                if self.find(record.line()).is_none() {
                    self.start(event, record);
                }
                if let (Via::Peer(from), Some(flood)) = (via, self.find(record.line())) {
                    flood.reached.insert(event.node.clone(), *hops);
                    flood.learned_from.insert(event.node.clone(), from.clone());
                }
            }
            EventKind::FloodSent { to, record, catch_up: false, .. } => {
                if let Some(flood) = self.find(record.line()) {
                    flood.messages += 1;
                    let_go(&mut flood.held, &event.node, to);
                }
            }
            EventKind::FloodDropped { to, record, catch_up: false, .. } => {
                if let Some(flood) = self.find(record.line()) {
                    flood.lost.push((event.node.clone(), to.clone()));
                    let_go(&mut flood.held, &event.node, to);
                }
            }
            EventKind::FloodHeld { to, record, catch_up: false, .. } => {
                if let Some(flood) = self.find(record.line()) {
                    flood.held.push((event.node.clone(), to.clone()));
                }
            }
            // A node gone takes with it what waited from or for it.
            EventKind::NodeDown => {
                let down = &event.node;
                for flood in &mut self.floods {
                    let before = flood.held.len();
                    flood.held.retain(|(from, to)| from != down && to != down);
                    let lost = before - flood.held.len();
                    if lost > 0 {
                        flood.killed.push((down.clone(), lost));
                    }
                }
            }
            EventKind::FloodReceived { record, arrival, catch_up: false, .. } if !arrival.is_new() => {
                if let Some(flood) = self.find(record.line()) {
                    match arrival {
                        Arrival::Stale => flood.stale += 1,
                        _ => flood.duplicates += 1,
                    }
                }
            }
            _ => {}
        }
    }

    /// The reader says whether events went missing since it last said (`missed`): then the
    /// updates it saw events of lately, and those not yet complete, are only a sample.
    pub fn events_missed(&mut self, missed: bool) {
        if missed {
            let touched: HashSet<String> = self.touched.union(&self.touched_before).cloned().collect();
            for flood in &mut self.floods {
                if touched.contains(&flood.at_line) || !(flood.is_complete() || flood.is_closed()) {
                    flood.sampled = true;
                }
            }
        }
        self.touched_before = std::mem::take(&mut self.touched);
    }

    /// Forgets every update (the herd was reset), and leaves out what of them comes after.
    pub fn clear(&mut self) {
        self.touched.clear();
        self.touched_before.clear();
        self.first += self.floods.len();
        self.index.clear();
        self.forgotten = self.floods.drain(..).map(|flood| flood.at_line).collect();
    }

    /// The most recent update.
    pub fn latest(&self) -> Option<&Flood> {
        self.floods.back()
    }

    /// The most recent update of `client`.
    pub fn latest_of(&self, client: &str) -> Option<&Flood> {
        self.floods.iter().rev().find(|flood| flood.client == client)
    }

    /// The update whose record is `at_line`.
    pub fn get(&self, at_line: &str) -> Option<&Flood> {
        let at = self.index.get(at_line)?.checked_sub(self.first)?;
        self.floods.get(at)
    }
}
