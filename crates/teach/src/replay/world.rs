//! The herd as a recording says it was: nodes up or down, every cache, links, cuts, delays,
//! losses, the mode and the held transmissions, rebuilt by applying events one by one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::ops::Bound;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::moment::Moment;
use herdctl_core::cache::{Entry, PageStart};
use herdctl_core::event::{Arrival, EventKind, HerdEvent, Via};
use herdctl_core::herd::NodeStatus;
use herdctl_core::herd::{Live, Totals};
use herdctl_core::network::{Delay, Held, Mode};
use herdctl_core::protocol::Record;
use herdctl_core::topology::{NodeName, SharedTopology};

/// One node as the recording says it was.
#[derive(Clone, Debug)]
struct NodeState {
    name: NodeName,
    up: bool,
    client_addr: SocketAddr,
    peer_addr: SocketAddr,
    cache: BTreeMap<String, Entry>,
    /// This node's side of each link: up or not.
    links: BTreeMap<NodeName, bool>,
}

/// A transmission held in step mode, as recorded.
#[derive(Clone, Debug)]
struct HeldThen {
    id: u64,
    from: NodeName,
    to: NodeName,
    record: Arc<Record>,
    hops: u32,
    since: SystemTime,
}

/// The herd at one moment of a recording.
#[derive(Clone, Debug)]
pub struct World {
    topology: SharedTopology,
    nodes: Vec<NodeState>,
    /// Directions cut: (a, b) when a's messages to b are lost.
    cut: HashSet<(NodeName, NodeName)>,
    delays: HashMap<(NodeName, NodeName), Delay>,
    losses: HashMap<(NodeName, NodeName), u32>,
    mode: Mode,
    held: Vec<HeldThen>,
    next_held: u64,
    messages: u64,
    duplicates: u64,
    /// The time of the last event applied.
    now: SystemTime,
}

fn pair(a: &str, b: &str) -> (NodeName, NodeName) {
    if a <= b { (a.into(), b.into()) } else { (b.into(), a.into()) }
}

/// `host:port` as an address, or the unspecified address with that port (a host name).
fn address(host: &str, port: u16) -> SocketAddr {
    let ip = host.parse().unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    SocketAddr::new(ip, port)
}

impl World {
    /// The herd before its first event: each node up or not as `up_at_start` says (a recording
    /// that begins with a node's start has it down until then), every link down until it is
    /// said to be up, unless `linked_at_start` says it was up already.
    pub fn new(
        topology: SharedTopology,
        started: SystemTime,
        up_at_start: impl Fn(&str) -> bool,
        linked_at_start: impl Fn(&str, &str) -> bool,
    ) -> Self {
        let nodes = topology
            .nodes()
            .iter()
            .map(|spec| NodeState {
                name: topology.name(&spec.name).unwrap_or_else(|| spec.name.as_str().into()),
                up: up_at_start(&spec.name),
                client_addr: address(&spec.host, spec.port),
                peer_addr: address(&spec.host, spec.peer_port),
                cache: BTreeMap::new(),
                links: topology
                    .neighbours(&spec.name)
                    .into_iter()
                    .map(|n| {
                        let up = linked_at_start(&spec.name, &n);
                        (n, up)
                    })
                    .collect(),
            })
            .collect();
        Self {
            topology,
            nodes,
            cut: HashSet::new(),
            delays: HashMap::new(),
            losses: HashMap::new(),
            mode: Mode::Live,
            held: Vec::new(),
            next_held: 0,
            messages: 0,
            duplicates: 0,
            now: started,
        }
    }

    fn node_mut(&mut self, name: &str) -> Option<&mut NodeState> {
        self.nodes.iter_mut().find(|n| &*n.name == name)
    }

    fn node(&self, name: &str) -> Option<&NodeState> {
        self.nodes.iter().find(|n| &*n.name == name)
    }

    /// The time of the last event applied (the moment this world shows).
    pub fn now(&self) -> SystemTime {
        self.now
    }

    /// Lets the held transmission of `record` from `from` to `to` go (sent, dropped or lost).
    fn unhold(&mut self, from: &str, to: &str, record: &Record) {
        if let Some(i) =
            self.held.iter().position(|h| &*h.from == from && &*h.to == to && h.record.line() == record.line())
        {
            self.held.remove(i);
        }
    }

    /// Takes one event in: the world as it was just after it.
    pub fn apply(&mut self, event: &HerdEvent) {
        self.now = self.now.max(event.at);
        let at = &event.node;
        match &event.kind {
            EventKind::NodeUp { client, peer } => {
                if let Some(node) = self.node_mut(at) {
                    node.up = true;
                    node.client_addr = *client;
                    node.peer_addr = *peer;
                }
            }
            EventKind::NodeDown => {
                if let Some(node) = self.node_mut(at) {
                    // A dead node remembers nothing.
                    node.up = false;
                    node.cache.clear();
                    node.links.values_mut().for_each(|up| *up = false);
                }
                self.held.retain(|h| h.from != *at);
            }
            EventKind::LinkUp { neighbour } | EventKind::LinkDown { neighbour, .. } => {
                let up = matches!(event.kind, EventKind::LinkUp { .. });
                if let Some(link) = self.node_mut(at).and_then(|node| node.links.get_mut(neighbour)) {
                    *link = up;
                }
            }
            EventKind::ClientLine { .. } => self.messages += 1,
            EventKind::CacheUpdated { record, via, hops, .. } => self.learn(at, record, via.clone(), *hops),
            EventKind::FloodReceived { from, record, hops, arrival, catch_up } => match arrival {
                Arrival::New => self.learn(at, record, Via::Peer(from.clone()), *hops),
                Arrival::Duplicate if !catch_up => self.duplicates += 1,
                _ => {}
            },
            EventKind::FloodSent { to, record, .. } => {
                self.messages += 1;
                self.unhold(at, to, record);
            }
            EventKind::FloodDropped { to, record, .. } => self.unhold(at, to, record),
            EventKind::FloodHeld { to, record, hops, .. } => {
                self.next_held += 1;
                self.held.push(HeldThen {
                    id: self.next_held,
                    from: at.clone(),
                    to: to.clone(),
                    record: record.clone(),
                    hops: *hops,
                    since: event.at,
                });
            }
            EventKind::LinkCut { neighbour } => {
                self.cut.insert((at.clone(), neighbour.clone()));
                self.cut.insert((neighbour.clone(), at.clone()));
            }
            EventKind::LinkCutOneWay { neighbour } => {
                self.cut.insert((at.clone(), neighbour.clone()));
            }
            EventKind::LinkHealed { neighbour } => {
                self.cut.remove(&(at.clone(), neighbour.clone()));
                self.cut.remove(&(neighbour.clone(), at.clone()));
            }
            EventKind::LinkHealedOneWay { neighbour } => {
                self.cut.remove(&(at.clone(), neighbour.clone()));
            }
            EventKind::LatencySet { neighbour, delay } => {
                if delay.base.is_zero() {
                    self.delays.remove(&pair(at, neighbour));
                } else {
                    self.delays.insert(pair(at, neighbour), *delay);
                }
            }
            EventKind::LossSet { neighbour, percent } => {
                if *percent == 0 {
                    self.losses.remove(&pair(at, neighbour));
                } else {
                    self.losses.insert(pair(at, neighbour), *percent);
                }
            }
            EventKind::ModeChanged { mode } => {
                self.mode = *mode;
                if *mode != Mode::Step {
                    // Leaving step mode lets everything held go.
                    self.held.clear();
                }
            }
            EventKind::Reset => {
                self.messages = 0;
                self.duplicates = 0;
            }
            _ => {}
        }
    }

    fn learn(&mut self, at: &str, record: &Arc<Record>, via: Via, hops: u32) {
        if let Some(node) = self.node_mut(at) {
            node.cache.insert(record.client().to_string(), Entry { record: record.clone(), hops, via });
        }
    }
}

impl Moment for World {
    fn topology(&self) -> &SharedTopology {
        &self.topology
    }

    fn status(&self) -> Vec<NodeStatus> {
        self.nodes
            .iter()
            .map(|n| NodeStatus {
                name: n.name.clone(),
                up: n.up,
                client_addr: n.client_addr,
                peer_addr: n.peer_addr,
                clients: n.cache.len(),
                links: n.links.iter().map(|(name, up)| (name.clone(), *up && n.up)).collect(),
                caught_up: n.links.iter().filter(|(_, up)| **up).map(|(name, _)| name.clone()).collect(),
                reachable: true,
            })
            .collect()
    }

    fn cache_page(&self, node: &str, start: &PageStart, count: usize) -> Vec<Entry> {
        let Some(node) = self.node(node) else { return Vec::new() };
        let cache = &node.cache;
        let take = |range: Box<dyn Iterator<Item = &Entry> + '_>| range.take(count).cloned().collect::<Vec<_>>();
        match start {
            PageStart::First => take(Box::new(cache.values())),
            PageStart::From(client) => take(Box::new(
                cache.range::<str, _>((Bound::Included(client.as_str()), Bound::Unbounded)).map(|(_, e)| e),
            )),
            PageStart::After(client) => take(Box::new(
                cache.range::<str, _>((Bound::Excluded(client.as_str()), Bound::Unbounded)).map(|(_, e)| e),
            )),
            PageStart::Last => {
                let mut page = take(Box::new(cache.values().rev()));
                page.reverse();
                page
            }
            PageStart::Before(client) => {
                let mut page = take(Box::new(
                    cache.range::<str, _>((Bound::Unbounded, Bound::Excluded(client.as_str()))).rev().map(|(_, e)| e),
                ));
                page.reverse();
                page
            }
        }
    }

    fn cache_entry(&self, node: &str, client: &str) -> Option<Entry> {
        self.node(node)?.cache.get(client).cloned()
    }

    fn totals(&self) -> Totals {
        Totals { messages: self.messages, duplicates: self.duplicates, ..Totals::default() }
    }

    fn live(&self) -> Live {
        Live { down: self.nodes.iter().filter(|n| !n.up).map(|n| n.name.clone()).collect(), cut: self.cut.clone() }
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn is_cut_from(&self, a: &str, b: &str) -> bool {
        self.cut.contains(&(NodeName::from(a), NodeName::from(b)))
    }

    fn delay(&self, a: &str, b: &str) -> Delay {
        self.delays.get(&pair(a, b)).copied().unwrap_or_default()
    }

    fn loss(&self, a: &str, b: &str) -> f64 {
        f64::from(self.losses.get(&pair(a, b)).copied().unwrap_or_default()) / 100.0
    }

    fn held(&self) -> Vec<Held> {
        // Ages as they were at this moment, measured back from now for the console's clock.
        let now = tokio::time::Instant::now();
        self.held
            .iter()
            .map(|h| Held {
                id: h.id,
                from: h.from.clone(),
                to: h.to.clone(),
                client: h.record.client().into(),
                hops: h.hops,
                since: now.checked_sub(self.now.duration_since(h.since).unwrap_or(Duration::ZERO)).unwrap_or(now),
            })
            .collect()
    }
}
