//! The herd supervisor: runs any set of a topology's nodes in one runtime, kills and revives
//! them, and publishes everything they do as `HerdEvent`s. The console drives the herd through
//! this API and nothing else.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

mod attached;

use crate::cache::{Entry, PageStart};
use crate::control::remote::RemoteNode;
use crate::event::{BUS_CAPACITY, EventKind, EventSink, HerdEvent};
use crate::journal::{self, JournalGuard};
use crate::limits::{self, ClientLimits, ProcessClients};
use crate::net::{self, TcpListener};
use crate::network::{Delay, Network};
use crate::node::{Listeners, Node, NodeConfig};
use crate::peer::HerdKey;
use crate::places::Places;
use crate::store::{Store, StoreError};
use crate::topology::HERD;
use crate::topology::{NodeName, SharedTopology, Topology};
use crate::trace::Trace;

/// How a herd is run.
#[derive(Clone)]
pub struct HerdOptions {
    pub key: HerdKey,
    pub places: Arc<dyn Places>,
    /// Where each node writes `<Node>.log`; `None` writes no files (tests of the engine).
    pub log_dir: Option<PathBuf>,
    /// Records every client and peer message, when set.
    pub trace: Option<Arc<Trace>>,
    /// What each node may hold open for clients (lowered to fit the open-file limit).
    pub clients: ClientLimits,
    /// Where each node keeps its records on disk (`<Node>.redb`); `None`: in memory only.
    pub data_dir: Option<PathBuf>,
    /// The seed of the network's random choices (lossy links, spread delays); `None`: one of
    /// the moment, which `Herd::seed` tells so that the session can be replayed.
    pub seed: Option<u64>,
    /// How nodes pass new records on (`--strategy`): flood by default.
    pub strategy: crate::strategy::Strategy,
    /// Peer links sealed (encrypted, the default) or plain (`--plain-links`).
    pub security: crate::secure::Security,
    /// Where this process's nodes listen, whatever the topology says (`--bind 0.0.0.0`); their
    /// neighbours still dial the topology's `host`.
    pub bind: Option<String>,
    /// Where the nodes count what they do for Prometheus (`--metrics`); `None`: not counted.
    pub metrics: Option<Arc<crate::metrics::Registry>>,
}

impl HerdOptions {
    /// A herd with this key and places source, no log files, no trace, the default client limits
    /// and records in memory only; set the other fields as needed.
    pub fn new(key: HerdKey, places: Arc<dyn Places>) -> Self {
        Self {
            key,
            places,
            log_dir: None,
            trace: None,
            clients: ClientLimits::default(),
            data_dir: None,
            seed: None,
            strategy: crate::strategy::Strategy::Flood,
            security: crate::secure::Security::default(),
            bind: None,
            metrics: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HerdError {
    #[error("{0:?} is not a node of this herd")]
    NotAMember(String),
    #[error("{0} is already running")]
    AlreadyUp(String),
    #[error("{0} is not running")]
    AlreadyDown(String),
    #[error("there is no link between {0} and {1} in this topology")]
    NoSuchLink(String, String),
    #[error("the link {0}–{1} is not cut")]
    NotCut(String, String),
    #[error("the link {0}–{1} is already cut")]
    AlreadyCut(String, String),
    #[error("{node} cannot listen on {host}:{port} (its {role} port): {source}; is another herd running?")]
    Bind { node: String, host: String, port: u16, role: &'static str, source: io::Error },
    #[error("cannot open the log file of {node} in {dir}: {source}")]
    Log { node: String, dir: PathBuf, source: io::Error },
    #[error("cannot keep records on disk: {0}")]
    Store(#[source] StoreError),
    #[error(
        "{node} cannot read the records it kept in {file} ({source}): it stays down; free the disk, then revive it"
    )]
    Unreadable { node: String, file: String, source: crate::store::DiskError },
    #[error("{node} has no control_port in {source_name}: give every node one to attach a console to it")]
    NoControlPort { node: String, source_name: String },
    #[error("{0}")]
    Remote(String),
}

/// Which nodes are up and which links are cut: what a flood starting now could use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Live {
    pub down: HashSet<NodeName>,
    /// Directions cut: (a, b) when a's messages to b are lost.
    pub cut: HashSet<(NodeName, NodeName)>,
}

impl Live {
    /// Whether a flood can go from `a` to `b` (`cut` holds directions: a one-way cut stops one).
    pub fn usable(&self, a: &NodeName, b: &NodeName) -> bool {
        !self.down.contains(b) && !self.cut.contains(&(a.clone(), b.clone()))
    }
}

/// What the console (or a test) sees of one node.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeStatus {
    pub name: NodeName,
    pub up: bool,
    pub client_addr: SocketAddr,
    pub peer_addr: SocketAddr,
    /// How many clients the node knows (0 while it is down: a dead node remembers nothing).
    pub clients: usize,
    /// Each neighbour, and whether this node's link to it is up.
    pub links: Vec<(NodeName, bool)>,
    /// The neighbours this node's link has caught up (up, and everything it knew sent).
    pub caught_up: Vec<NodeName>,
    /// Whether this console knows the node's state: `false` for an attached node whose control
    /// port cannot be reached (unreachable, which is not down).
    pub reachable: bool,
}

struct Member {
    config: NodeConfig,
    client_addr: SocketAddr,
    peer_addr: SocketAddr,
    running: Option<Arc<Node>>,
    /// Listeners bound but not launched yet.
    bound: Option<Listeners>,
}

pub struct Herd {
    topology: SharedTopology,
    members: Mutex<Vec<Member>>,
    bus: broadcast::Sender<Arc<HerdEvent>>,
    root: CancellationToken,
    network: Arc<Network>,
    /// Where herd-wide events (the operator's faults) are published.
    events: EventSink,
    /// Dropped at shutdown, after every node has stopped: dropping a guard writes out its log.
    journals: Mutex<Vec<JournalGuard>>,
    /// Nodes of other processes this herd follows and steers through their control ports
    /// (`herdctl --attach`).
    remotes: Mutex<Vec<Arc<RemoteNode>>>,
    /// Requests to attached nodes sent and not yet answered.
    steering: Arc<tokio::sync::watch::Sender<usize>>,
    /// Told whenever an attached node reports a new status.
    remote_news: Arc<tokio::sync::watch::Sender<u64>>,
    /// The session's recording, which attached nodes' events join.
    trace: Option<Arc<Trace>>,
    /// What the operator should know from the start (a client limit lowered to fit the open-file
    /// limit): said on stderr and as events, and kept for a console that subscribes later.
    warnings: Vec<String>,
}

impl Herd {
    /// Binds the ports of `names` (all of them before any node starts, so that one busy port
    /// fails the whole start cleanly) and starts those nodes.
    pub async fn start(topology: SharedTopology, names: &[NodeName], options: HerdOptions) -> Result<Self, HerdError> {
        let herd = Self::bind(topology, names, options)?;
        herd.launch();
        Ok(herd)
    }

    /// Binds the ports of `names` and opens their logs without starting any node, so that a
    /// reader can subscribe before the first event (the console shows the herd's start-up).
    /// `launch` starts them.
    pub fn bind(topology: SharedTopology, names: &[NodeName], options: HerdOptions) -> Result<Self, HerdError> {
        let mut bound = Vec::new();
        for name in names {
            let spec = topology.node(name).ok_or_else(|| HerdError::NotAMember(name.to_string()))?;
            let host = options.bind.as_deref().unwrap_or(spec.listen_host());
            let client = bind(name, host, spec.port, "client")?;
            let peer = bind(name, host, spec.peer_port, "peer")?;
            bound.push((name.clone(), Listeners { client, peer }));
        }
        // Neighbours dial the advertised host, resolved again at every dial (a restarted
        // container may come back with a new address); a port 0 is the one this process took.
        let mut peer_addresses = HashMap::new();
        for spec in topology.nodes() {
            peer_addresses.insert(NodeName::from(spec.name.as_str()), format!("{}:{}", spec.host, spec.peer_port));
        }
        for (name, listeners) in &bound {
            let spec = topology.node(name).ok_or_else(|| HerdError::NotAMember(name.to_string()))?;
            if let (0, Ok(addr)) = (spec.peer_port, listeners.peer.local_addr()) {
                peer_addresses.insert(name.clone(), format!("{}:{}", spec.host, addr.port()));
            }
        }
        let peer_addresses = Arc::new(peer_addresses);
        let (bus, _) = broadcast::channel(BUS_CAPACITY);
        let (process_clients, warning) = fit_clients(&topology, names, options.clients);
        let root = CancellationToken::new();
        let network = Arc::new(options.seed.map_or_else(Network::default, Network::seeded));
        network.set_strategy(options.strategy);
        let mut journals = Vec::new();
        let mut members = Vec::new();
        for (name, listeners) in bound {
            let journal = match &options.log_dir {
                Some(dir) => {
                    let report = report_to_operator(bus.clone(), name.clone());
                    let (writer, guard) = journal::open(dir, &name, report).map_err(|source| HerdError::Log {
                        node: name.to_string(),
                        dir: dir.clone(),
                        source,
                    })?;
                    journals.push(guard);
                    Some(writer)
                }
                None => None,
            };
            let store = match &options.data_dir {
                Some(dir) => {
                    let report = report_to_operator(bus.clone(), name.clone());
                    Some(Arc::new(Store::open(dir, &name, report).map_err(HerdError::Store)?))
                }
                None => None,
            };
            let config = NodeConfig {
                name: name.clone(),
                topology: topology.clone(),
                peer_addresses: peer_addresses.clone(),
                key: options.key.clone(),
                security: options.security,
                places: options.places.clone(),
                events: EventSink::new(name.clone(), bus.clone(), journal, options.trace.as_ref().map(|t| t.ring()))
                    .with_metrics(options.metrics.as_ref().map(|m| m.node(&name, &topology.neighbours(&name)))),
                network: network.clone(),
                clients: options.clients,
                store,
                process_clients: process_clients.clone(),
            };
            let client_addr = local_addr(&listeners.client);
            let peer_addr = local_addr(&listeners.peer);
            members.push(Member { config, client_addr, peer_addr, running: None, bound: Some(listeners) });
        }
        let events = EventSink::new(HERD.into(), bus.clone(), None, options.trace.as_ref().map(|t| t.ring()));
        // Said at the start of every trace (and in its diagram's title), so that a recorded
        // session can be replayed.
        events.emit(EventKind::Seeded { seed: network.seed() });
        if let Some(trace) = &options.trace {
            trace.set_seed(network.seed());
            trace.set_topology(&topology);
        }
        let warnings: Vec<String> = warning.into_iter().collect();
        for warning in &warnings {
            tracing::warn!("{warning}");
            events.emit(EventKind::Warning { text: warning.as_str().into() });
        }
        Ok(Self {
            remotes: Mutex::default(),
            remote_news: Arc::new(tokio::sync::watch::Sender::new(0)),
            steering: Arc::new(tokio::sync::watch::Sender::new(0)),
            trace: options.trace.clone(),
            warnings,
            topology,
            members: Mutex::new(members),
            bus,
            root,
            network,
            events,
            journals: Mutex::new(journals),
        })
    }

    /// Starts every bound node that has not started yet.
    pub fn launch(&self) {
        self.launch_knowing(|_| Vec::new());
    }

    /// Starts every bound node that has not started yet, each knowing from the start the
    /// records `known` gives it (a herd forked from a moment of a replay).
    pub fn launch_knowing(&self, known: impl Fn(&str) -> Vec<Entry>) {
        for member in self.members().iter_mut() {
            if let Some(listeners) = member.bound.take() {
                let mut records = known(&member.config.name);
                // The store opened a moment ago; should it fail to read now, the node starts
                // with what it was given, and says why.
                match stored(&member.config) {
                    Ok(kept) => records.extend(kept),
                    Err(error) => member.config.events.emit(EventKind::Warning { text: error.to_string().into() }),
                }
                let token = self.root.child_token();
                member.running = Some(Node::spawn_knowing(member.config.clone(), listeners, token, &records));
            }
        }
    }

    /// How the herd's nodes pass records on.
    pub fn strategy(&self) -> crate::strategy::Strategy {
        self.network.strategy()
    }

    /// Switches how the herd's nodes pass new records on (a walkthrough comparing strategies).
    pub fn set_strategy(&self, strategy: crate::strategy::Strategy) {
        if self.network.strategy() != strategy {
            self.network.set_strategy(strategy);
            self.events.emit(EventKind::StrategySet { strategy });
        }
    }

    /// The seed of the network's random choices: `--seed` with it replays them.
    pub fn seed(&self) -> u64 {
        self.network.seed()
    }

    /// Warnings given when the herd started.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn topology(&self) -> &SharedTopology {
        &self.topology
    }

    /// A new reader of every event from now on. A reader that falls more than `BUS_CAPACITY`
    /// events behind loses the oldest and is told how many.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<HerdEvent>> {
        self.bus.subscribe()
    }

    fn members(&self) -> MutexGuard<'_, Vec<Member>> {
        // Every update of the list is a single assignment; a poisoned lock holds consistent data.
        self.members.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn with_member<T>(
        &self,
        name: &str,
        action: impl FnOnce(&mut Member) -> Result<T, HerdError>,
    ) -> Result<T, HerdError> {
        let mut members = self.members();
        let member = members
            .iter_mut()
            .find(|m| &*m.config.name == name)
            .ok_or_else(|| HerdError::NotAMember(name.to_string()))?;
        action(member)
    }

    /// Stops a node as if its process died: its ports close, its connections and links drop,
    /// its cache is gone. Returns once all of its tasks have ended.
    pub async fn kill(&self, name: &str) -> Result<(), HerdError> {
        if let Some(remote) = self.remote(name) {
            return remote.request("KILL".into()).await.map(drop).map_err(HerdError::Remote);
        }
        let node =
            self.with_member(name, |m| m.running.take().ok_or_else(|| HerdError::AlreadyDown(name.to_string())))?;
        stop(&node).await;
        Ok(())
    }

    /// Starts a killed node again on the same ports, with an empty cache; its links reconnect
    /// and catch it up.
    pub fn revive(&self, name: &str) -> Result<(), HerdError> {
        if let Some(remote) = self.remote(name) {
            match remote.status() {
                None => return Err(HerdError::Remote(format!("{name} is unreachable"))),
                Some(status) if status.up => return Err(HerdError::AlreadyUp(name.to_string())),
                Some(_) => self.steer(name, "REVIVE".into()),
            }
            return Ok(());
        }
        let root = &self.root;
        self.with_member(name, |m| {
            if m.running.is_some() {
                return Err(HerdError::AlreadyUp(name.to_string()));
            }
            // A node comes back with what its disk kept; one whose disk cannot be read stays
            // down rather than start forgetting what it acknowledged.
            let records = stored(&m.config)?;
            let host = m.client_addr.ip().to_string();
            let client = bind(name, &host, m.client_addr.port(), "client")?;
            let peer = bind(name, &m.peer_addr.ip().to_string(), m.peer_addr.port(), "peer")?;
            let listeners = Listeners { client, peer };
            m.running = Some(Node::spawn_knowing(m.config.clone(), listeners, root.child_token(), &records));
            Ok(())
        })
    }

    /// Waits (at most `within`) until every link of every running node is up and caught up;
    /// returns whether they all did. Walkthroughs start (and resets end) on a settled herd, so
    /// that a record stored next is flooded, not carried by a catch-up still under way.
    pub async fn wait_linked(&self, within: std::time::Duration) -> bool {
        let ends: Vec<(NodeName, NodeName)> =
            self.topology.links().into_iter().flat_map(|(a, b)| [(a.clone(), b.clone()), (b, a)]).collect();
        self.wait_settled(&ends, within).await
    }

    /// The ends of every link of `node`, both ways: what a kill or a revive of it changes.
    pub fn ends_of(&self, node: &str) -> Vec<(NodeName, NodeName)> {
        let Some(node) = self.topology.name(node) else { return Vec::new() };
        self.topology
            .neighbours(&node)
            .into_iter()
            .flat_map(|neighbour| [(node.clone(), neighbour.clone()), (neighbour, node.clone())])
            .collect()
    }

    /// Waits (at most `within`) until each of `ends` (a node's own link to a neighbour) shows
    /// what the herd's state now means for it; returns whether they all did. An operator's
    /// command returns through this, so that what runs next (a check, a release, a flood) finds
    /// its effect seen wherever it matters: after a kill every neighbour has seen its link go,
    /// after a revive or a heal both ends are linked and caught up.
    pub async fn wait_settled(&self, ends: &[(NodeName, NodeName)], within: std::time::Duration) -> bool {
        self.wait_until(within, |herd| {
            let status = herd.status();
            ends.iter().all(|(node, neighbour)| herd.end_settled(&status, node, neighbour))
        })
        .await
    }

    /// The ends of `ends` that do not yet show the herd's state.
    pub fn unsettled(&self, ends: &[(NodeName, NodeName)]) -> Vec<(NodeName, NodeName)> {
        let status = self.status();
        ends.iter().filter(|(node, neighbour)| !self.end_settled(&status, node, neighbour)).cloned().collect()
    }

    /// Whether `node`'s link to `neighbour` is as the herd's state says it should be: down when
    /// either node is down or the operator cut that direction; otherwise up, and caught up
    /// (unless step mode holds the catch-up, which the operator then releases by hand).
    fn end_settled(&self, status: &[NodeStatus], node: &str, neighbour: &str) -> bool {
        let find = |name: &str| status.iter().find(|n| &*n.name == name && n.reachable);
        // Nodes this herd cannot see (in another process, not followed, or unreachable) are not
        // waited for, and neither are their links.
        let (Some(here), Some(there)) = (find(node), find(neighbour)) else { return true };
        if !here.up {
            return true;
        }
        let up = here.links.iter().any(|(to, up)| &**to == neighbour && *up);
        if !there.up || self.network.is_cut_from(node, neighbour) {
            return !up;
        }
        up && (self.network.mode() == crate::network::Mode::Step || here.caught_up.iter().any(|n| &**n == neighbour))
    }

    /// Waits (at most `within`) until `condition` holds, looking again after each event of the
    /// herd (every change of a cache or a link is one); returns whether it came to hold.
    /// An attached node's status report is news too.
    pub async fn wait_until(&self, within: std::time::Duration, condition: impl Fn(&Self) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        let mut events = self.subscribe();
        let mut reports = self.attached_news();
        loop {
            if condition(self) {
                return true;
            }
            // A lagged receiver has missed events, not the state: look again either way.
            let news = async {
                tokio::select! {
                    _ = events.recv() => {}
                    _ = reports.changed() => {}
                }
            };
            if tokio::time::timeout_at(deadline, news).await.is_err() {
                return condition(self);
            }
        }
    }

    /// Whether a running node has a record of `client`.
    pub fn knows(&self, node: &str, client: &str) -> bool {
        if let Some(remote) = self.remote(node) {
            return remote.status().is_some_and(|s| s.up) && remote.cache().get(client).is_some();
        }
        self.with_member(node, |m| Ok(m.running.as_ref().is_some_and(|n| n.cache.get(client).is_some())))
            .unwrap_or(false)
    }

    /// The network between the nodes: step and slow modes, held transmissions.
    pub fn network(&self) -> &Arc<Network> {
        &self.network
    }

    fn link_exists(&self, a: &str, b: &str) -> Result<(), HerdError> {
        if self.topology.are_neighbours(a, b) { Ok(()) } else { Err(HerdError::NoSuchLink(a.into(), b.into())) }
    }

    /// Publishes an operator's change of the link `a`–`b` (at `a`, naming `b`).
    fn link_event(&self, a: &str, b: &str, kind: impl FnOnce(NodeName) -> EventKind) {
        let node = self.topology.name(a).unwrap_or_else(|| a.into());
        let neighbour = self.topology.name(b).unwrap_or_else(|| b.into());
        self.events.emit_at(node, kind(neighbour));
    }

    /// Cuts the link between `a` and `b`: both ends drop it and do not redial until healed.
    pub fn cut(&self, a: &str, b: &str) -> Result<(), HerdError> {
        self.link_exists(a, b)?;
        // Cut one way only, it can still be cut both ways.
        if self.network.is_cut_from(a, b) && self.network.is_cut_from(b, a) {
            return Err(HerdError::AlreadyCut(a.into(), b.into()));
        }
        self.network.cut(a, b);
        self.steer(a, format!("CUT-FROM {b}"));
        self.steer(b, format!("CUT-FROM {a}"));
        self.link_event(a, b, |neighbour| EventKind::LinkCut { neighbour });
        Ok(())
    }

    /// Heals a cut link: both ends redial at once and catch each other up.
    pub fn heal(&self, a: &str, b: &str) -> Result<(), HerdError> {
        self.link_exists(a, b)?;
        if !self.network.is_cut(a, b) {
            return Err(HerdError::NotCut(a.into(), b.into()));
        }
        // The ends that were cut (one way or both) heal.
        for (from, to) in [(a, b), (b, a)] {
            if self.network.is_cut_from(from, to) {
                self.steer(from, format!("HEAL-FROM {to}"));
            }
        }
        self.network.heal(a, b);
        self.link_event(a, b, |neighbour| EventKind::LinkHealed { neighbour });
        Ok(())
    }

    /// Cuts the link one way: `a`'s messages to `b` are lost, `b`'s to `a` still arrive.
    pub fn cut_one_way(&self, a: &str, b: &str) -> Result<(), HerdError> {
        self.link_exists(a, b)?;
        if self.network.is_cut_from(a, b) {
            return Err(HerdError::AlreadyCut(a.into(), b.into()));
        }
        self.network.cut_one_way(a, b);
        self.steer(a, format!("CUT-FROM {b}"));
        self.link_event(a, b, |neighbour| EventKind::LinkCutOneWay { neighbour });
        Ok(())
    }

    /// Heals `a`'s messages to `b`: its link redials and catches `b` up.
    pub fn heal_one_way(&self, a: &str, b: &str) -> Result<(), HerdError> {
        self.link_exists(a, b)?;
        if !self.network.is_cut_from(a, b) {
            return Err(HerdError::NotCut(a.into(), b.into()));
        }
        self.network.heal_one_way(a, b);
        self.steer(a, format!("HEAL-FROM {b}"));
        self.link_event(a, b, |neighbour| EventKind::LinkHealedOneWay { neighbour });
        Ok(())
    }

    /// Adds `latency` to every transmission over the link (zero removes it).
    pub fn set_latency(&self, a: &str, b: &str, latency: std::time::Duration) -> Result<(), HerdError> {
        self.set_delay(a, b, Delay::fixed(latency))
    }

    /// Extra delay on the link, maybe spread (`100ms±40ms`, `exp:100ms`); zero removes it.
    pub fn set_delay(&self, a: &str, b: &str, delay: Delay) -> Result<(), HerdError> {
        self.link_exists(a, b)?;
        self.network.set_delay(a, b, delay);
        self.steer(a, format!("DELAY {b} {delay}"));
        self.steer(b, format!("DELAY {a} {delay}"));
        self.link_event(a, b, |neighbour| EventKind::LatencySet { neighbour, delay });
        Ok(())
    }

    /// Makes the link lose `percent` of its messages, chosen by the herd's seed (0 removes it).
    pub fn set_loss(&self, a: &str, b: &str, percent: u32) -> Result<(), HerdError> {
        self.link_exists(a, b)?;
        self.network.set_loss(a, b, f64::from(percent) / 100.0);
        self.steer(a, format!("LOSS {b} {percent}"));
        self.steer(b, format!("LOSS {a} {percent}"));
        self.link_event(a, b, |neighbour| EventKind::LossSet { neighbour, percent });
        Ok(())
    }

    /// Switches how transmissions flow (leaving step mode releases everything held).
    pub fn set_mode(&self, mode: crate::network::Mode) {
        let changed = self.network.mode() != mode;
        self.network.set_mode(mode);
        // Attached nodes hold (or slow) their own transmissions; `held` and `decide` reach them.
        for remote in self.remotes() {
            self.steer(remote.name(), format!("MODE {mode}"));
        }
        if changed {
            self.events.emit(EventKind::ModeChanged { mode });
        }
    }

    /// Publishes a part of a walkthrough's story (a caption, a section), so that traces and the
    /// console's flow tell it with the messages.
    pub fn note_story(&self, kind: EventKind) {
        self.events.emit(kind);
    }

    /// A clean herd: live mode, every cut healed and every latency removed, every node of this
    /// herd restarted empty, counters at zero; returns once the links are up again (or
    /// `settle_within` has passed).
    pub async fn reset(&self, settle_within: std::time::Duration) {
        // Said first, so that a trace can tell the restarts that follow from a crash.
        self.events.emit(EventKind::Reset);
        self.set_mode(crate::network::Mode::Live);
        for (a, b) in self.topology.links() {
            if self.network.is_cut(&a, &b) {
                let _ = self.heal(&a, &b);
            }
            if !self.network.latency(&a, &b).is_zero() {
                let _ = self.set_latency(&a, &b, std::time::Duration::ZERO);
            }
            if self.network.loss(&a, &b) > 0.0 {
                let _ = self.set_loss(&a, &b, 0);
            }
        }
        let mut names: Vec<NodeName> = self.members().iter().map(|m| m.config.name.clone()).collect();
        names.extend(self.remotes().iter().map(|r| r.name().clone()));
        for name in &names {
            // A node already down is simply revived below.
            let _ = self.kill(name).await;
        }
        for member in self.members().iter() {
            member.config.events.counters().reset();
            // Restarted empty means empty on disk too.
            if let Some(store) = &member.config.store {
                if let Err(error) = store.clear() {
                    tracing::warn!(node = %member.config.name, "cannot clear the stored records: {error}");
                }
            }
        }
        for name in &names {
            let _ = self.revive(name);
        }
        self.wait_linked(settle_within).await;
    }

    /// Which of this herd's nodes are down and which links are cut: what a flood starting now
    /// could use (nodes in other processes count as up).
    pub fn live(&self) -> Live {
        let remotes_down = self.remotes().into_iter().filter(|r| !r.status().is_some_and(|s| s.up));
        Live {
            down: self
                .members()
                .iter()
                .filter(|m| m.running.is_none())
                .map(|m| m.config.name.clone())
                .chain(remotes_down.map(|r| r.name().clone()))
                .collect(),
            cut: self
                .topology
                .links()
                .into_iter()
                .flat_map(|(a, b)| [(a.clone(), b.clone()), (b, a)])
                .filter(|(a, b)| self.network.is_cut_from(a, b))
                .collect(),
        }
    }

    /// Every member node (and attached node), in topology order.
    pub fn status(&self) -> Vec<NodeStatus> {
        let mut all: Vec<NodeStatus> = self.local_status();
        let remotes = self.remotes();
        if !remotes.is_empty() {
            all.extend(remotes.iter().map(|remote| self.remote_status(remote)));
            let order = |name: &str| self.topology.names().iter().position(|n| &**n == name);
            all.sort_by_key(|status| order(&status.name));
        }
        all
    }

    fn local_status(&self) -> Vec<NodeStatus> {
        self.members()
            .iter()
            .map(|m| NodeStatus {
                name: m.config.name.clone(),
                up: m.running.is_some(),
                client_addr: m.client_addr,
                peer_addr: m.peer_addr,
                clients: m.running.as_ref().map_or(0, |node| node.cache.len()),
                links: match &m.running {
                    Some(node) => node.links().iter().map(|l| (l.neighbour.clone(), l.is_up())).collect(),
                    None => self.topology.neighbours(&m.config.name).into_iter().map(|n| (n, false)).collect(),
                },
                caught_up: m.running.as_ref().map_or_else(Vec::new, |node| {
                    node.links().iter().filter(|l| l.is_caught_up()).map(|l| l.neighbour.clone()).collect()
                }),
                reachable: true,
            })
            .collect()
    }

    fn running(&self, name: &str) -> Result<Arc<Node>, HerdError> {
        self.with_member(name, |m| m.running.clone().ok_or_else(|| HerdError::AlreadyDown(name.to_string())))
    }

    /// A page of a running node's cache, in client ID order: what a screen shows, never the
    /// whole cache (the node's lock is held only while the page is copied).
    pub fn cache_page(&self, name: &str, start: &PageStart, count: usize) -> Result<Vec<Entry>, HerdError> {
        if let Some(remote) = self.remote(name) {
            return Ok(remote.cache().page(start, count));
        }
        Ok(self.running(name)?.cache.page(start, count))
    }

    /// What a running node knows of one client, with how it got there.
    pub fn cache_entry(&self, name: &str, client: &str) -> Result<Option<Entry>, HerdError> {
        if let Some(remote) = self.remote(name) {
            return Ok(remote.cache().entry(client));
        }
        Ok(self.running(name)?.cache.entry(client))
    }

    /// Messages (client lines in and records sent) and duplicates dropped so far, over every
    /// member node: exact, however far behind an event reader is.
    pub fn totals(&self) -> (u64, u64) {
        let attached = self
            .remotes()
            .iter()
            .map(|r| r.last_status())
            .fold((0, 0), |(messages, duplicates), s| (messages + s.messages, duplicates + s.duplicates));
        self.members().iter().fold(attached, |(messages, duplicates), m| {
            let counters = m.config.events.counters();
            (
                messages + counters.messages.load(std::sync::atomic::Ordering::Relaxed),
                duplicates + counters.duplicates.load(std::sync::atomic::Ordering::Relaxed),
            )
        })
    }

    /// Writes of records to neighbours so far, over every member node (records sharing a write
    /// count once).
    pub fn transmissions(&self) -> u64 {
        self.total(|counters| &counters.transmissions, |status| status.transmissions)
    }

    /// Traffic events the nodes held back from the bus (more than its budget a second came while
    /// someone listened): what a console could not have been shown.
    pub fn unpublished(&self) -> u64 {
        self.total(|counters| &counters.unpublished, |status| status.unpublished)
    }

    /// One running total over this process's nodes (`here`) and attached ones (their last
    /// report, kept while unreachable).
    fn total(
        &self,
        here: impl Fn(&crate::event::Counters) -> &std::sync::atomic::AtomicU64,
        attached: impl Fn(&crate::control::remote::RemoteStatus) -> u64,
    ) -> u64 {
        let there: u64 = self.remotes().iter().map(|r| attached(&r.last_status())).sum();
        let members = self.members();
        there
            + members
                .iter()
                .map(|m| here(m.config.events.counters()).load(std::sync::atomic::Ordering::Relaxed))
                .sum::<u64>()
    }

    /// A member node's running totals.
    pub fn counters_of(&self, name: &str) -> Option<Arc<crate::event::Counters>> {
        self.with_member(name, |m| Ok(m.config.events.counters().clone())).ok()
    }

    /// Bytes of each member node's log not yet on disk.
    pub fn log_backlog(&self) -> Vec<(String, usize)> {
        self.members().iter().map(|m| (m.config.name.to_string(), m.config.events.log_backlog())).collect()
    }

    /// Each member node's store (`--data-dir`): its file's name and how its disk is doing.
    pub fn stores(&self) -> Vec<(NodeName, String, Arc<crate::store::Health>)> {
        self.members()
            .iter()
            .filter_map(|m| {
                let store = m.config.store.as_ref()?;
                Some((m.config.name.clone(), store.name().to_string(), store.health().clone()))
            })
            .collect()
    }

    /// The links of running member nodes that are not up and caught up (and not cut by the
    /// operator), as `Node→Neighbour`: empty when this process's nodes are ready.
    pub fn links_not_ready(&self) -> Vec<String> {
        let mut waiting = Vec::new();
        for node in self.status().iter().filter(|n| n.up) {
            for (neighbour, _) in &node.links {
                if !node.caught_up.contains(neighbour) && !self.network.is_cut_from(&node.name, neighbour) {
                    waiting.push(format!("{}→{neighbour}", node.name));
                }
            }
        }
        waiting
    }

    /// The address where a member node takes client connections.
    pub fn client_addr(&self, name: &str) -> Result<SocketAddr, HerdError> {
        if self.remote(name).is_some() {
            return Ok(self.advertised(name).0);
        }
        self.with_member(name, |m| Ok(m.client_addr))
    }

    /// Stops every node and writes out their logs. The herd cannot be revived after this.
    pub async fn shutdown(&self) {
        if !self.root.is_cancelled() {
            // Said first: a recording ends here, and the nodes' stopping is not part of its story.
            self.events.emit(EventKind::ShuttingDown);
        }
        self.root.cancel();
        self.network.set_mode(crate::network::Mode::Live);
        let running: Vec<Arc<Node>> = self.members().iter_mut().filter_map(|m| m.running.take()).collect();
        for node in running {
            stop(&node).await;
        }
        self.journals.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

/// What a node's store kept (nothing without `--data-dir`).
fn stored(config: &NodeConfig) -> Result<Vec<Entry>, HerdError> {
    let Some(store) = &config.store else { return Ok(Vec::new()) };
    store.load().map_err(|source| HerdError::Unreadable {
        node: config.name.to_string(),
        file: store.name().to_string(),
        source,
    })
}

async fn stop(node: &Node) {
    node.token.cancel();
    node.tracker.wait().await;
    node.events.emit(EventKind::NodeDown);
}

fn unspecified(port: u16) -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], port))
}

fn local_addr(listener: &TcpListener) -> SocketAddr {
    // A bound listener always has a local address.
    listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
}

/// Binds a listener with `SO_REUSEADDR`, so that a revived node gets its port back at once even
/// while connections of its previous life linger in TIME_WAIT.
fn bind(node: &str, host: &str, port: u16, role: &'static str) -> Result<TcpListener, HerdError> {
    let fail = |source| HerdError::Bind { node: node.to_string(), host: host.to_string(), port, role, source };
    let addr = resolve(host, port)
        .map_err(fail)?
        .ok_or_else(|| fail(io::Error::new(io::ErrorKind::NotFound, "the host has no address")))?;
    net::listen(addr).map_err(fail)
}

#[cfg(not(feature = "simulation"))]
fn resolve(host: &str, port: u16) -> io::Result<Option<SocketAddr>> {
    Ok(std::net::ToSocketAddrs::to_socket_addrs(&(host, port))?.next())
}

/// In the simulation a node's host is its simulated machine: it listens on all its addresses.
#[cfg(feature = "simulation")]
fn resolve(_host: &str, port: u16) -> io::Result<Option<SocketAddr>> {
    Ok(Some(SocketAddr::from(([0, 0, 0, 0], port))))
}

/// Raises the open-file limit as far as allowed and sizes the process's client budget from it,
/// with a warning when that is fewer clients than one node was asked to hold.
fn fit_clients(topology: &Topology, names: &[NodeName], asked: ClientLimits) -> (Arc<ProcessClients>, Option<String>) {
    let limit = limits::raise_open_files();
    let reserved: u64 = names.iter().map(|name| limits::reserved_per_node(topology.neighbours(name).len())).sum();
    let most = limits::clients_that_fit(limit, reserved).unwrap_or(usize::MAX);
    let warning = (most < asked.most).then(|| {
        format!(
            "this process can hold {most} clients at once, not {} a node: the open-file limit is {} (`ulimit \
             -n` raises it)",
            asked.most,
            limit.unwrap_or_default()
        )
    });
    (Arc::new(ProcessClients::new(most)), warning)
}

/// Where a node's log and store tell of their own trouble (a disk that fails or stalls): stderr,
/// and the bus for the console. Not the node's event sink, which would write it to the failing log.
fn report_to_operator(bus: broadcast::Sender<Arc<HerdEvent>>, node: NodeName) -> journal::Report {
    Arc::new(move |text: &str| {
        // Never `eprintln!`: it panics when stderr is gone.
        let _ = writeln!(std::io::stderr(), "herdctl: {text}");
        let kind = EventKind::Warning { text: text.into() };
        let _ = bus.send(Arc::new(HerdEvent { at: std::time::SystemTime::now(), node: node.clone(), kind }));
    })
}
