//! Flood accounting: what each update cost. Fed the herd's events, it counts for every record a
//! client reported the peer messages sent, the duplicates dropped, and the hop count at which
//! each node learned it, against the minimum a spanning tree would need (N-1 messages).

use std::collections::{BTreeMap, VecDeque};

use crate::event::{EventKind, HerdEvent, Via};
use crate::topology::{NodeName, Topology};

/// Updates remembered (the oldest are forgotten first).
const KEPT: usize = 256;

/// The cost of one update: one client's new record, from the node that received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flood {
    /// The record's AT line, which names it uniquely.
    pub at_line: String,
    pub client: String,
    pub origin: NodeName,
    /// Peer messages that carried it.
    pub messages: usize,
    /// Of those, the ones that arrived where it was already known.
    pub duplicates: usize,
    /// Every node that learned it from a neighbour, and at which hop.
    pub reached: BTreeMap<NodeName, u32>,
}

impl Flood {
    /// A spanning tree over the nodes it reached would have cost this many messages.
    pub fn minimum_messages(&self) -> usize {
        self.reached.len()
    }

    /// Hops until the last node had it.
    pub fn hops(&self) -> u32 {
        self.reached.values().copied().max().unwrap_or(0)
    }

    /// The fewest hops that could have reached the same nodes (their distance in the topology).
    pub fn minimum_hops(&self, topology: &Topology) -> usize {
        let distance = topology.hops_from(&self.origin);
        self.reached.keys().filter_map(|node| distance.get(node)).copied().max().unwrap_or(0)
    }

    /// One line for people: `kiwi from Riley: 8 msgs (4 dup) for 4 nodes, a tree needs 4 · 2 hops, fewest 2`.
    pub fn summary(&self, topology: &Topology) -> String {
        format!(
            "{} from {}: {} msgs ({} dup) for {} nodes, a tree needs {} · {} hops, fewest {}",
            self.client,
            self.origin,
            self.messages,
            self.duplicates,
            self.reached.len(),
            self.minimum_messages(),
            self.hops(),
            self.minimum_hops(topology)
        )
    }
}

#[derive(Default)]
pub struct Accounting {
    floods: VecDeque<Flood>,
}

impl Accounting {
    fn find(&mut self, at_line: &str) -> Option<&mut Flood> {
        self.floods.iter_mut().rev().find(|flood| flood.at_line == at_line)
    }

    pub fn apply(&mut self, event: &HerdEvent) {
        match &event.kind {
            EventKind::CacheUpdated { record, via: Via::Client, .. } => {
                if self.floods.len() == KEPT {
                    self.floods.pop_front();
                }
                self.floods.push_back(Flood {
                    at_line: record.line().to_string(),
                    client: record.client().to_string(),
                    origin: event.node.clone(),
                    messages: 0,
                    duplicates: 0,
                    reached: BTreeMap::new(),
                });
            }
            EventKind::CacheUpdated { record, via: Via::Peer(_), hops } => {
                if let Some(flood) = self.find(record.line()) {
                    flood.reached.insert(event.node.clone(), *hops);
                }
            }
            EventKind::FloodSent { record, .. } => {
                if let Some(flood) = self.find(record.line()) {
                    flood.messages += 1;
                }
            }
            EventKind::FloodReceived { record, fresh: false, .. } => {
                if let Some(flood) = self.find(record.line()) {
                    flood.duplicates += 1;
                }
            }
            _ => {}
        }
    }

    /// The most recent update.
    pub fn latest(&self) -> Option<&Flood> {
        self.floods.back()
    }

    /// The update whose record is `at_line`.
    pub fn get(&self, at_line: &str) -> Option<&Flood> {
        self.floods.iter().rev().find(|flood| flood.at_line == at_line)
    }
}
