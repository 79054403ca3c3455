//! The herd supervisor: the nodes of this process and the nodes it follows elsewhere, behind one
//! `Member` seam; it kills and revives them, changes the network between them, and publishes
//! everything they do as `HerdEvent`s. Consoles, walkthroughs, control ports and tests steer the
//! herd through this API and nothing else.

mod conduct;
mod local;
mod member;
mod options;
mod settle;

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use futures_util::FutureExt;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use member::{Following, Member, NodeStatus, NotASteer, Steer, Totals};
pub use options::{HerdError, HerdOptions};
pub use settle::Live;

use crate::cache::{Entry, PageStart};
use crate::event::{BUS_CAPACITY, EventKind, HerdEvent};
use crate::journal::{self, JournalGuard};
use crate::limits::{self, ClientLimits, ProcessClients};
use crate::network::{Delay, Fate, Held, Mode, Network};
use crate::node::{Listeners, NodeConfig};
use crate::recorder::Recorder;
use crate::sink::EventSink;
use crate::store::Store;
use crate::topology::{HERD, NodeName, SharedTopology, Topology};
use local::LocalMember;

pub struct Herd {
    topology: SharedTopology,
    /// Every node this herd steers, in the order they joined (a held transmission's id names
    /// its member by this order): this process's first, then those it follows elsewhere.
    members: Members,
    /// This process's own nodes, for what only they have: logs, stores, counters.
    locals: Vec<Arc<LocalMember>>,
    bus: broadcast::Sender<Arc<HerdEvent>>,
    root: CancellationToken,
    network: Arc<Network>,
    /// Where herd-wide events (the operator's faults) are published.
    events: EventSink,
    /// Dropped at shutdown, after every node has stopped: dropping a guard writes out its log.
    journals: Mutex<Vec<JournalGuard>>,
    /// Changes sent to followed nodes and not yet answered.
    steering: Arc<watch::Sender<usize>>,
    /// The tasks that carry them (and the conductor), waited for at shutdown.
    tasks: TaskTracker,
    /// Stops the conductor, while the network is conducted.
    conductor: Mutex<Option<CancellationToken>>,
    /// Told whenever a followed node reports a new status.
    news: Arc<watch::Sender<u64>>,
    /// The session's recording, which followed nodes' events join.
    recorder: Option<Arc<Recorder>>,
    /// What the operator should know from the start (a client limit lowered to fit the open-file
    /// limit): said on stderr and as events, and kept for a console that subscribes later.
    warnings: Vec<String>,
    /// Where members log (`<Node>.log`), for members that join later (`log_of`).
    log_dir: Option<std::path::PathBuf>,
    /// The connections this process may hold open, by the open-file limit: its nodes' clients
    /// and its HTTP ports' visitors draw from it, so that none can starve the others' links.
    connections: Arc<ProcessClients>,
    /// How their files are kept.
    log: journal::LogSettings,
}

/// The members, shared with the conductor.
type Members = Arc<RwLock<Vec<Arc<dyn Member>>>>;

/// Held transmissions of member *i* are numbered from `(i + 1) × MEMBER_IDS`: each member counts
/// its own, and the herd's number says whose it is.
const MEMBER_IDS: u64 = 1 << 40;

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
        // A herd too big for the open-file limit is refused before a port is bound, saying why
        // (binding would fail half-way, and say something else).
        let reserved: u64 = names.iter().map(|name| limits::reserved_per_node(topology.neighbours(name).len())).sum();
        let needed = reserved + limits::RESERVED_FOR_PROCESS;
        if let Some(limit) = limits::raise_open_files().filter(|limit| needed > *limit) {
            return Err(HerdError::TooManyFiles { nodes: names.len(), needed, limit });
        }
        for name in names {
            let spec = topology.node(name).ok_or_else(|| HerdError::NotAMember(name.to_string()))?;
            let host = options.bind.as_deref().unwrap_or(spec.listen_host());
            let client = local::bind(name, host, spec.port, "client")?;
            let peer = local::bind(name, host, spec.peer_port, "peer")?;
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
        let ring = || options.recorder.as_ref().map(|recorder| recorder.ring());
        let mut journals = Vec::new();
        let mut locals = Vec::new();
        for (name, listeners) in bound {
            let journal = match &options.log_dir {
                Some(dir) => {
                    let report = report_to_operator(bus.clone(), name.clone());
                    let (writer, guard) = journal::open(dir, &name, report, options.log)
                        .map_err(|source| HerdError::Log { node: name.to_string(), dir: dir.clone(), source })?;
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
            let metrics = options.metrics.as_ref().map(|m| m.node(&name, &topology.neighbours(&name)));
            if let (Some(store), Some(metrics)) = (&store, &metrics) {
                store.health().time_commits(metrics.store_commits());
            }
            let config = NodeConfig {
                name: name.clone(),
                topology: topology.clone(),
                peer_addresses: peer_addresses.clone(),
                keys: options.keys.clone(),
                security: options.security,
                places: options.places.clone(),
                events: EventSink::new(name.clone(), bus.clone(), journal, ring()).with_metrics(metrics),
                network: network.clone(),
                clients: options.clients,
                store,
                process_clients: process_clients.clone(),
            };
            locals.push(Arc::new(LocalMember::new(config, listeners, root.clone())));
        }
        let events = EventSink::new(HERD.into(), bus.clone(), None, ring());
        // Said at the start of every trace (and in its diagram's title), so that a recorded
        // session can be replayed.
        events.emit(EventKind::Seeded { seed: network.seed() });
        if let Some(recorder) = &options.recorder {
            recorder.set_seed(network.seed());
            recorder.set_topology(&topology);
        }
        let warnings: Vec<String> = warning.into_iter().collect();
        for warning in &warnings {
            tracing::warn!("{warning}");
            events.emit(EventKind::Warning { text: warning.as_str().into() });
        }
        let members = locals.iter().map(|local| local.clone() as Arc<dyn Member>).collect();
        Ok(Self {
            topology,
            members: Arc::new(RwLock::new(members)),
            locals,
            bus,
            root,
            network,
            events,
            journals: Mutex::new(journals),
            steering: Arc::new(watch::Sender::new(0)),
            tasks: TaskTracker::new(),
            conductor: Mutex::default(),
            news: Arc::new(watch::Sender::new(0)),
            recorder: options.recorder.clone(),
            warnings,
            log_dir: options.log_dir.clone(),
            connections: process_clients,
            log: options.log,
        })
    }

    /// Starts every bound node that has not started yet.
    pub fn launch(&self) {
        self.launch_knowing(|_| Vec::new());
    }

    /// Starts every bound node that has not started yet, each knowing from the start the
    /// records `known` gives it (a herd forked from a moment of a replay).
    pub fn launch_knowing(&self, known: impl Fn(&str) -> Vec<Entry>) {
        for local in &self.locals {
            local.launch(known(&local.config.name));
        }
    }

    /// What a node followed in another process needs from this herd (its events join this
    /// herd's, its reports wake the herd's waits); `follow` then makes it a member.
    pub fn following(&self, name: &NodeName) -> Following {
        let ring = self.recorder.as_ref().map(|recorder| recorder.ring());
        Following {
            topology: self.topology.clone(),
            events: EventSink::new(name.clone(), self.bus.clone(), None, ring),
            news: self.news.clone(),
            network: self.network.clone(),
            token: self.root.child_token(),
        }
    }

    /// What a member that joins later and runs under this process's eye (a foreign server,
    /// `--exec`) needs, as `following`, with its events also written to `<log-dir>/<Node>.log`.
    pub fn supervising(&self, name: &NodeName) -> Result<Following, HerdError> {
        let mut following = self.following(name);
        if let Some(dir) = &self.log_dir {
            let report = report_to_operator(self.bus.clone(), name.clone());
            let (writer, guard) = journal::open(dir, name, report, self.log).map_err(|source| HerdError::Log {
                node: name.to_string(),
                dir: dir.clone(),
                source,
            })?;
            self.journals.lock().unwrap_or_else(|p| p.into_inner()).push(guard);
            let ring = self.recorder.as_ref().map(|recorder| recorder.ring());
            following.events = EventSink::new(name.clone(), self.bus.clone(), Some(writer), ring);
        }
        Ok(following)
    }

    /// Makes `member` (a node of another process) one of this herd's.
    pub fn follow(&self, member: Arc<dyn Member>) {
        self.members.write().unwrap_or_else(|p| p.into_inner()).push(member);
    }

    /// Changes whenever a followed node reports a new status: a console redraws then (a report
    /// is not an event).
    pub fn member_news(&self) -> watch::Receiver<u64> {
        self.news.subscribe()
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

    /// The network between the nodes: step and slow modes, held transmissions.
    pub fn network(&self) -> &Arc<Network> {
        &self.network
    }

    fn members_shared(&self) -> Members {
        self.members.clone()
    }

    fn members(&self) -> Vec<Arc<dyn Member>> {
        self.members.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn member(&self, name: &str) -> Result<Arc<dyn Member>, HerdError> {
        self.members().into_iter().find(|m| &**m.name() == name).ok_or_else(|| HerdError::NotAMember(name.into()))
    }

    fn local(&self, name: &str) -> Option<&Arc<LocalMember>> {
        self.locals.iter().find(|local| &*local.config.name == name)
    }

    /// Stops a node as if its process died: its ports close, its connections and links drop,
    /// its cache is gone. Returns once its ports are closed.
    pub async fn kill(&self, name: &str) -> Result<(), HerdError> {
        self.member(name)?.kill().await
    }

    /// Starts a killed node again on the same ports, with an empty cache (or what its disk
    /// kept); its links reconnect and catch it up.
    pub async fn revive(&self, name: &str) -> Result<(), HerdError> {
        self.member(name)?.revive().await
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

    fn name(&self, name: &str) -> NodeName {
        self.topology.name(name).unwrap_or_else(|| name.into())
    }

    /// Cuts the link between `a` and `b`: both ends drop it and do not redial until healed.
    pub fn cut(&self, a: &str, b: &str) -> Result<(), HerdError> {
        self.link_exists(a, b)?;
        // Cut one way only, it can still be cut both ways.
        if self.network.is_cut_from(a, b) && self.network.is_cut_from(b, a) {
            return Err(HerdError::AlreadyCut(a.into(), b.into()));
        }
        self.network.cut(a, b);
        self.steer(a, Steer::CutFrom(self.name(b)));
        self.steer(b, Steer::CutFrom(self.name(a)));
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
                self.steer(from, Steer::HealFrom(self.name(to)));
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
        self.steer(a, Steer::CutFrom(self.name(b)));
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
        self.steer(a, Steer::HealFrom(self.name(b)));
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
        self.steer(a, Steer::Delay(self.name(b), delay));
        self.steer(b, Steer::Delay(self.name(a), delay));
        self.link_event(a, b, |neighbour| EventKind::LatencySet { neighbour, delay });
        Ok(())
    }

    /// Makes the link lose `percent` of its messages, chosen by the herd's seed (0 removes it).
    pub fn set_loss(&self, a: &str, b: &str, percent: u32) -> Result<(), HerdError> {
        self.link_exists(a, b)?;
        self.network.set_loss(a, b, f64::from(percent) / 100.0);
        self.steer(a, Steer::Loss(self.name(b), percent));
        self.steer(b, Steer::Loss(self.name(a), percent));
        self.link_event(a, b, |neighbour| EventKind::LossSet { neighbour, percent });
        Ok(())
    }

    /// Switches how transmissions flow (leaving step mode releases everything held).
    pub fn set_mode(&self, mode: Mode) {
        let changed = self.network.mode() != mode;
        self.network.set_mode(mode);
        // Followed nodes hold (or slow) their own transmissions.
        for member in self.members() {
            self.steer_member(&member, Steer::Mode(mode));
        }
        if changed {
            self.events.emit(EventKind::ModeChanged { mode });
        }
    }

    /// Makes `change` at `node`'s side of the network (nothing for a node that is not a member).
    fn steer(&self, node: &str, change: Steer) {
        if let Ok(member) = self.member(node) {
            self.steer_member(&member, change);
        }
    }

    /// Makes `change` at `member`: at once for a node of this process; for a followed node, by a
    /// request whose answer `steered` waits for. Returns what came of it if it is known now. A
    /// refusal is told as a warning.
    fn steer_member(&self, member: &Arc<dyn Member>, change: Steer) -> Option<Result<(), HerdError>> {
        let said = format!("{} did not take \"{change}\"", member.name());
        let mut answer = member.steer(change);
        let warn = move |events: &EventSink, error: &HerdError| {
            events.emit(EventKind::Warning { text: format!("{said}: {error}").into() });
        };
        if let Some(done) = (&mut answer).now_or_never() {
            // A transmission that went before it was released is no news.
            if let Some(error) = done.as_ref().err().filter(|error| !matches!(error, HerdError::Gone)) {
                warn(&self.events, error);
            }
            return Some(done);
        }
        let (events, steering) = (self.events.clone(), self.steering.clone());
        steering.send_modify(|pending| *pending += 1);
        self.tasks.spawn(async move {
            if let Err(error) = answer.await {
                warn(&events, &error);
            }
            steering.send_modify(|pending| *pending -= 1);
        });
        None
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
        self.set_mode(Mode::Live);
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
        let members = self.members();
        for member in &members {
            // A node already down is simply revived below.
            let _ = member.kill().await;
        }
        for member in &members {
            member.forget_totals();
        }
        for local in &self.locals {
            // Restarted empty means empty on disk too.
            if let Some(store) = &local.config.store {
                if let Err(error) = store.clear() {
                    tracing::warn!(node = %local.config.name, "cannot clear the stored records: {error}");
                }
            }
        }
        for member in &members {
            let _ = member.revive().await;
        }
        self.wait_linked(settle_within).await;
    }

    /// Every member node, in topology order.
    pub fn status(&self) -> Vec<NodeStatus> {
        let mut all: Vec<NodeStatus> = self.members().iter().map(|member| member.status()).collect();
        let order = |name: &str| self.topology.names().iter().position(|n| &**n == name);
        all.sort_by_key(|status| order(&status.name));
        all
    }

    /// A page of a running node's cache, in client ID order: what a screen shows, never the
    /// whole cache (the node's lock is held only while the page is copied).
    pub fn cache_page(&self, name: &str, start: &PageStart, count: usize) -> Result<Vec<Entry>, HerdError> {
        self.member(name)?.page(start, count)
    }

    /// What a running node knows of one client, with how it got there.
    pub fn cache_entry(&self, name: &str, client: &str) -> Result<Option<Entry>, HerdError> {
        self.member(name)?.entry(client)
    }

    /// Whether a running node has a record of `client`.
    pub fn knows(&self, node: &str, client: &str) -> bool {
        self.cache_entry(node, client).is_ok_and(|entry| entry.is_some())
    }

    /// The running totals of every member (a followed node's as it last reported them), added
    /// up: messages, duplicates dropped, transmissions, events not published. Counted as things
    /// happen at the nodes, so exact however far behind an event reader is.
    pub fn totals(&self) -> Totals {
        let mut all = Totals::default();
        for member in self.members() {
            all += member.totals();
        }
        all
    }

    /// One member's running totals.
    pub fn totals_of(&self, name: &str) -> Result<Totals, HerdError> {
        Ok(self.member(name)?.totals())
    }

    /// Whether `name` is a node of this process (not one followed elsewhere).
    pub fn runs_here(&self, name: &str) -> bool {
        self.local(name).is_some()
    }

    /// Has every node's log writer open its file again (SIGHUP: logrotate moved the files away).
    pub fn reopen_logs(&self) {
        for journal in self.journals.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            journal.reopen();
        }
    }

    /// Bytes of each of this process's nodes' log not yet on disk.
    pub fn log_backlog(&self) -> Vec<(String, usize)> {
        self.locals.iter().map(|l| (l.config.name.to_string(), l.config.events.log_backlog())).collect()
    }

    /// Log lines each of this process's nodes counted instead of writing (the disk could not keep up).
    pub fn log_lines_dropped(&self) -> Vec<(String, u64)> {
        self.locals.iter().map(|l| (l.config.name.to_string(), l.config.events.log_dropped())).collect()
    }

    /// Client connections open at each of this process's nodes.
    pub fn client_connections(&self) -> Vec<(String, usize)> {
        self.locals.iter().map(|l| (l.config.name.to_string(), l.client_connections())).collect()
    }

    /// Records queued at each link of this process's nodes: (node, neighbour, records).
    pub fn link_queues(&self) -> Vec<(NodeName, NodeName, usize)> {
        let queues = |l: &Arc<LocalMember>| {
            let node = l.config.name.clone();
            l.link_queues().into_iter().map(move |(neighbour, queued)| (node.clone(), neighbour, queued))
        };
        self.locals.iter().flat_map(queues).collect()
    }

    /// Counts a console's connection refused at `node`'s control port, for `reason` (one of
    /// `metrics::CONTROL_REFUSALS`), when `--metrics` counts.
    pub fn control_refused(&self, node: &str, reason: &str) {
        if let Some(metrics) = self.local(node).and_then(|l| l.config.events.metrics()) {
            metrics.control_refused(reason);
        }
    }

    /// The store of this process's node `name` (with `--data-dir`), for `herdctl snapshot`.
    pub fn store(&self, name: &str) -> Option<Arc<crate::store::Store>> {
        self.local(name)?.config.store.clone()
    }

    /// Each of this process's nodes' store (`--data-dir`): its file's name and how its disk is
    /// doing.
    pub fn stores(&self) -> Vec<(NodeName, String, Arc<crate::store::Health>)> {
        self.locals
            .iter()
            .filter_map(|l| {
                let store = l.config.store.as_ref()?;
                Some((l.config.name.clone(), store.name().to_string(), store.health().clone()))
            })
            .collect()
    }

    /// The address where a member node takes client connections.
    pub fn client_addr(&self, name: &str) -> Result<SocketAddr, HerdError> {
        Ok(self.member(name)?.client_addr())
    }

    /// Whether `name`'s links catch it up when they come back (see `Member::catches_up`).
    pub fn catches_up(&self, name: &str) -> bool {
        self.member(name).is_ok_and(|member| member.catches_up())
    }

    /// Transmissions held in step mode at every member, numbered by the herd (see `MEMBER_IDS`).
    pub fn held(&self) -> Vec<Held> {
        let mut held = Vec::new();
        for (index, member) in self.members().iter().enumerate() {
            held.extend(member.held().into_iter().map(|h| Held { id: herd_id(index, h.id), ..h }));
        }
        held
    }

    /// Releases the first held transmission in release order (`Held::order`), wherever it waits.
    pub fn release_next(&self) -> Option<Held> {
        let first = self.held().into_iter().min_by(|a, b| a.order().cmp(&b.order()))?;
        self.decide(first.id, Fate::Deliver)
    }

    /// Lets the held transmission `id` go with `fate`, wherever it waits; `None` if it went.
    pub fn decide(&self, id: u64, fate: Fate) -> Option<Held> {
        let member = self.members().get((id / MEMBER_IDS).checked_sub(1)? as usize)?.clone();
        let own = id % MEMBER_IDS;
        let held = member.held().into_iter().find(|h| h.id == own).map(|h| Held { id, ..h })?;
        match self.steer_member(&member, Steer::Release(own, fate)) {
            Some(Err(HerdError::Gone)) => None,
            _ => Some(held),
        }
    }

    /// The first held transmission (in release order) from `from` to `to`, of `client`'s record
    /// if one is named, wherever it waits.
    pub fn find_held(&self, from: &str, to: &str, client: Option<&str>) -> Option<Held> {
        self.held()
            .into_iter()
            .filter(|h| &*h.from == from && &*h.to == to && client.is_none_or(|client| &*h.client == client))
            .min_by(|a, b| a.order().cmp(&b.order()))
    }

    /// The connections this process may still open for clients and HTTP visitors, shared by all.
    pub fn connections(&self) -> Arc<ProcessClients> {
        self.connections.clone()
    }

    /// Waits until every change sent to followed nodes so far has been answered (each is
    /// answered or fails within seconds): then a cut holds at both ends, a mode is everywhere.
    pub async fn steered(&self) {
        let mut pending = self.steering.subscribe();
        let _ = pending.wait_for(|pending| *pending == 0).await;
    }

    /// Stops every node and writes out their logs. The herd cannot be revived after this.
    pub async fn shutdown(&self) {
        if !self.root.is_cancelled() {
            // Said first: a recording ends here, and the nodes' stopping is not part of its story.
            self.events.emit(EventKind::ShuttingDown);
        }
        self.root.cancel();
        self.network.set_mode(Mode::Live);
        for local in &self.locals {
            local.stop().await;
        }
        self.tasks.close();
        self.tasks.wait().await;
        self.journals.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

fn herd_id(index: usize, own: u64) -> u64 {
    (index as u64 + 1) * MEMBER_IDS + own
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
