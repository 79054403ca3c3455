//! A node that runs in another process, as a member of an attached console's herd: a mirror of
//! its report and cache, kept by the stream of its events (and a page-by-page copy when the
//! stream lost some), its events republished here, and a connection for the operator's requests.
//! A node whose control port cannot be reached is *unreachable*, which is not *down*.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;
use tokio_util::task::TaskTracker;

use herdctl_core::cache::{Cache, Entry, PageStart};
use herdctl_core::event::{Arrival, EventKind, Via};
use herdctl_core::herd::{Following, Herd, HerdError, Member, NodeStatus, Steer, Totals};
use herdctl_core::net::TcpStream;
use herdctl_core::network::{Held, Network};
use herdctl_core::secure::Terms;
use herdctl_core::sink::EventSink;
use herdctl_core::topology::{NodeName, SharedTopology};

use super::protocol::{MOST_PAGE, NodeReport, Request, Response, Streamed};
use super::{Channel, ControlError, HANDSHAKE_TIMEOUT, dial};

/// How long a dial waits, and how long after a failure the next one comes.
const DIAL_TIMEOUT: Duration = Duration::from_secs(1);
const REDIAL_EVERY: Duration = Duration::from_millis(500);
/// How long a request waits for its answer (a kill waits for the node's tasks to end).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests waiting for the connection: the operator's commands are few, and a console whose
/// node stopped answering waits rather than piling them up.
const QUEUED_REQUESTS: usize = 64;
/// A node reports every 250 ms (`server::STATUS_EVERY`): a stream silent this long is a hung
/// node (stopped with SIGSTOP, or stuck), shown as unreachable until it speaks again.
pub const SILENT_AFTER: Duration = Duration::from_secs(1);
/// A stream silent this long is given up and dialled again (a host gone without a word).
const SILENT_GIVE_UP: Duration = Duration::from_secs(10);
/// Status reports in a row whose client count differs from the mirror's before it is copied
/// again (a difference for a moment is only events on their way).
const DRIFT_REPORTS: u32 = 4;

/// Follows and steers the nodes `names`, which run in other processes, through their control
/// ports (`control_port` in the topology): their events join `herd`'s, their state and caches are
/// mirrored, and the operator's commands reach them (`herdctl --attach`).
pub fn attach(herd: &Herd, names: &[NodeName], terms: Terms) -> Result<(), HerdError> {
    let topology = herd.topology().clone();
    let mut followed = Vec::new();
    for name in names {
        let spec = topology.node(name).ok_or_else(|| HerdError::NotAMember(name.to_string()))?;
        let port = spec.control_port.filter(|port| *port != 0).ok_or_else(|| HerdError::NoControlPort {
            node: name.to_string(),
            source_name: topology.source().to_string(),
        })?;
        followed.push((name.clone(), format!("{}:{port}", spec.host)));
    }
    for (name, address) in followed {
        herd.follow(Followed::start(name.clone(), address, terms.clone(), herd.following(&name)));
    }
    Ok(())
}

struct Ask {
    request: Request,
    answer: oneshot::Sender<Result<Response, ControlError>>,
}

/// A node of another process, as this herd follows it.
pub struct Followed {
    name: NodeName,
    topology: SharedTopology,
    /// Whether its control port answers now, and the last report it made (kept while it is
    /// unreachable: its totals still count).
    report: Mutex<(bool, NodeReport)>,
    cache: Mutex<Arc<Cache>>,
    asks: mpsc::Sender<Ask>,
    /// Set when the mirror should be copied again.
    resync: AtomicBool,
    /// Set while its stream is silent past `SILENT_AFTER`: shown unreachable meanwhile.
    silent: AtomicBool,
    /// Events its stream dropped before they reached this console (the node's bus lagged).
    lagged: AtomicU64,
    /// Told when the report changes (the herd's waits look again).
    news: Arc<tokio::sync::watch::Sender<u64>>,
    /// The attached herd's network, which shows the cuts the node reports.
    network: Arc<Network>,
    /// Held transmissions this console let go that the node's last report still lists.
    let_go: Mutex<HashSet<u64>>,
    /// The cache copies under way.
    tasks: TaskTracker,
}

impl Followed {
    /// Starts following `name` at `address` (`host:control_port`).
    fn start(name: NodeName, address: String, terms: Terms, following: Following) -> Arc<Self> {
        let Following { topology, events, news, network, token } = following;
        let (asks, queue) = mpsc::channel(QUEUED_REQUESTS);
        let tasks = TaskTracker::new();
        let node = Arc::new(Self {
            cache: Mutex::new(Arc::new(Cache::new(topology.neighbours(&name)))),
            name,
            topology,
            report: Mutex::default(),
            asks,
            resync: AtomicBool::new(true),
            silent: AtomicBool::new(false),
            lagged: AtomicU64::new(0),
            news,
            network,
            let_go: Mutex::default(),
            tasks: tasks.clone(),
        });
        let port = Port { name: node.name.clone(), address, terms };
        tasks.spawn(answer_requests(port.clone(), queue, token.clone()));
        tasks.spawn(follow_events(node.clone(), port, events, token));
        node
    }

    /// Its last report, if its control port answers now.
    fn reachable_report(&self) -> Option<NodeReport> {
        let (reachable, last) = &*self.report.lock().unwrap_or_else(|p| p.into_inner());
        reachable.then(|| last.clone())
    }

    /// Asks the node; its answer, or why there was none.
    fn ask(&self, request: Request) -> BoxFuture<'static, Result<Response, ControlError>> {
        let asks = self.asks.clone();
        async move {
            let (answer, answered) = oneshot::channel();
            asks.send(Ask { request, answer }).await.map_err(|_| ControlError::Stopping)?;
            answered.await.unwrap_or(Err(ControlError::Stopping))
        }
        .boxed()
    }

    /// Asks, and takes any answer but a refusal as done.
    fn command(&self, request: Request) -> BoxFuture<'static, Result<(), HerdError>> {
        let name = self.name.to_string();
        let asked = self.ask(request);
        async move {
            match asked.await {
                Ok(Response::Refused(reason)) => Err(HerdError::Elsewhere { node: name, reason }),
                Ok(_) => Ok(()),
                Err(error) => Err(HerdError::Elsewhere { node: name, reason: error.to_string() }),
            }
        }
        .boxed()
    }

    fn set_report(&self, report: Option<NodeReport>) {
        if let Some(report) = &report {
            // What the node no longer holds need not be remembered as let go.
            self.let_go.lock().unwrap_or_else(|p| p.into_inner()).retain(|id| report.held.iter().any(|h| h.id == *id));
        }
        let changed = {
            let mut last = self.report.lock().unwrap_or_else(|p| p.into_inner());
            let reachable = report.is_some();
            let changed = last.0 != reachable || report.as_ref().is_some_and(|report| *report != last.1);
            last.0 = reachable;
            if let Some(report) = report {
                last.1 = report;
            }
            changed
        };
        if changed {
            self.news.send_modify(|reports| *reports += 1);
        }
    }

    fn show_cuts(&self, cut_from: &[String]) {
        for neighbour in self.topology.neighbours(&self.name) {
            let cut = cut_from.iter().any(|n| **n == *neighbour);
            if cut != self.network.is_cut_from(&self.name, &neighbour) {
                if cut {
                    self.network.cut_one_way(&self.name, &neighbour);
                } else {
                    self.network.heal_one_way(&self.name, &neighbour);
                }
            }
        }
    }

    fn mirror(&self) -> Arc<Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn replace_cache(&self, cache: Cache) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(cache);
    }

    fn empty_cache(&self) -> Cache {
        Cache::new(self.topology.neighbours(&self.name))
    }

    /// Where the topology says the node is reached, looked up now (unspecified when the name
    /// does not resolve).
    fn advertised(&self, port: impl Fn(&herdctl_core::topology::NodeSpec) -> u16) -> SocketAddr {
        let Some(spec) = self.topology.node(&self.name) else { return SocketAddr::from(([0, 0, 0, 0], 0)) };
        let port = port(spec);
        std::net::ToSocketAddrs::to_socket_addrs(&(spec.host.as_str(), port))
            .ok()
            .and_then(|mut addrs| addrs.next())
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], port)))
    }
}

impl Member for Followed {
    fn name(&self) -> &NodeName {
        &self.name
    }

    fn status(&self) -> NodeStatus {
        let (client_addr, peer_addr) = (self.advertised(|spec| spec.port), self.advertised(|spec| spec.peer_port));
        let names = |list: &[String]| list.iter().map(|n| NodeName::from(n.as_str())).collect();
        let heard = self.reachable_report().filter(|_| !self.silent.load(Ordering::Acquire));
        match heard {
            Some(report) => NodeStatus {
                name: self.name.clone(),
                up: report.up,
                client_addr,
                peer_addr,
                clients: report.clients,
                links: report.links.iter().map(|(n, up)| (NodeName::from(n.as_str()), *up)).collect(),
                caught_up: names(&report.caught_up),
                reachable: true,
            },
            None => NodeStatus {
                name: self.name.clone(),
                up: false,
                client_addr,
                peer_addr,
                clients: 0,
                links: self.topology.neighbours(&self.name).into_iter().map(|n| (n, false)).collect(),
                caught_up: Vec::new(),
                reachable: false,
            },
        }
    }

    /// What the node said of itself last, reachable or not, with the events its stream dropped
    /// on the way here counted as unpublished: what this console never saw.
    fn totals(&self) -> Totals {
        let mut totals = self.report.lock().unwrap_or_else(|p| p.into_inner()).1.totals();
        totals.unpublished += self.lagged.load(Ordering::Relaxed);
        totals
    }

    fn client_addr(&self) -> SocketAddr {
        self.advertised(|spec| spec.port)
    }

    fn page(&self, start: &PageStart, count: usize) -> Result<Vec<Entry>, HerdError> {
        Ok(self.mirror().page(start, count))
    }

    fn entry(&self, client: &str) -> Result<Option<Entry>, HerdError> {
        Ok(self.reachable_report().is_some_and(|r| r.up).then(|| self.mirror().entry(client)).flatten())
    }

    /// Its transmissions held in step mode, less those this console has let go since it last
    /// reported (a report is up to 250 ms old).
    fn held(&self) -> Vec<Held> {
        let gone = self.let_go.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let held = self.reachable_report().map(|report| report.held_by(&self.name)).unwrap_or_default();
        held.into_iter().filter(|h| !gone.contains(&h.id)).collect()
    }

    fn kill(&self) -> BoxFuture<'static, Result<(), HerdError>> {
        self.command(Request::Kill)
    }

    fn revive(&self) -> BoxFuture<'static, Result<(), HerdError>> {
        let name = self.name.to_string();
        match self.reachable_report() {
            None => futures_util::future::ready(Err(HerdError::Elsewhere { node: name, reason: "unreachable".into() }))
                .boxed(),
            Some(report) if report.up => futures_util::future::ready(Err(HerdError::AlreadyUp(name))).boxed(),
            Some(_) => self.command(Request::Revive),
        }
    }

    fn steer(&self, change: Steer) -> BoxFuture<'static, Result<(), HerdError>> {
        if let Steer::Release(id, _) = &change {
            self.let_go.lock().unwrap_or_else(|p| p.into_inner()).insert(*id);
        }
        self.command(Request::Steer(change))
    }
}

/// Where the node's control port is, and how to open it.
#[derive(Clone)]
struct Port {
    name: NodeName,
    address: String,
    terms: Terms,
}

impl Port {
    async fn open(&self) -> Result<Channel, ControlError> {
        let stream = timeout(DIAL_TIMEOUT, TcpStream::connect(self.address.as_str()))
            .await
            .map_err(|_| ControlError::Timeout)??;
        timeout(HANDSHAKE_TIMEOUT, dial(stream, &self.name, &self.terms)).await.map_err(|_| ControlError::Timeout)?
    }
}

/// One request over `channel`: its answer, or why there was none.
async fn ask(channel: &mut Channel, request: &Request) -> Result<Response, ControlError> {
    channel.send(&request.to_string()).await?;
    let answer = timeout(ANSWER_TIMEOUT, channel.receive()).await.map_err(|_| ControlError::Timeout)??;
    Response::parse(&answer, request)
}

/// The operator's requests, one at a time over one connection (opened again when it breaks).
async fn answer_requests(port: Port, mut queue: mpsc::Receiver<Ask>, token: tokio_util::sync::CancellationToken) {
    let mut channel: Option<Channel> = None;
    loop {
        let Ask { request, answer } = tokio::select! {
            () = token.cancelled() => return,
            asked = queue.recv() => match asked {
                Some(asked) => asked,
                None => return,
            },
        };
        let mut outcome = Err(ControlError::Closed);
        for _attempt in 0..2 {
            if channel.is_none() {
                match port.open().await {
                    Ok(opened) => channel = Some(opened),
                    Err(error) => {
                        outcome = Err(error);
                        break;
                    }
                }
            }
            let Some(open) = channel.as_mut() else { break };
            match ask(open, &request).await {
                Ok(response) => {
                    outcome = Ok(response);
                    break;
                }
                // A connection that broke since the last request: once more on a new one.
                Err(error) => {
                    channel = None;
                    outcome = Err(error);
                }
            }
        }
        let _ = answer.send(outcome);
    }
}

/// The node's events, republished here, and its reports, until `token`; redials whenever the
/// stream breaks, and meanwhile the node is unreachable.
async fn follow_events(node: Arc<Followed>, port: Port, sink: EventSink, token: tokio_util::sync::CancellationToken) {
    // The reason last told: told again when it changes (a node back with a wrong key is not
    // "connection refused" any more), not at every redial.
    let mut told: Option<String> = None;
    loop {
        let ended = tokio::select! {
            () = token.cancelled() => return,
            ended = stream(&node, &port, &sink) => ended,
        };
        let reason = ended.to_string();
        if node.reachable_report().is_some() || told.as_deref() != Some(reason.as_str()) {
            sink.emit(EventKind::Unreachable { address: port.address.as_str().into(), reason: reason.as_str().into() });
            told = Some(reason);
        }
        node.silent.store(false, Ordering::Release);
        node.set_report(None);
        tokio::select! {
            () = token.cancelled() => return,
            () = tokio::time::sleep(REDIAL_EVERY) => {}
        }
    }
}

async fn stream(node: &Arc<Followed>, port: &Port, sink: &EventSink) -> ControlError {
    let mut channel = match port.open().await {
        Ok(channel) => channel,
        Err(error) => return error,
    };
    let started = match ask(&mut channel, &Request::Events).await {
        Ok(Response::Streaming { started }) => started,
        Ok(Response::Refused(refused)) => return ControlError::Refused(refused),
        Ok(other) => return ControlError::Unexpected(format!("{other:?}")),
        Err(error) => return error,
    };
    node.resync.store(true, Ordering::Release);
    let mut drifted = 0;
    loop {
        let line = match timeout(SILENT_AFTER, channel.receive()).await {
            Ok(Ok(line)) => line,
            Ok(Err(error)) => return error,
            Err(_) => {
                // Hung: said at once, and the node shown unreachable until it speaks again.
                node.silent.store(true, Ordering::Release);
                node.news.send_modify(|n| *n += 1);
                let reason = format!("silent for {} s: hung or stopped (SIGSTOP?)", SILENT_AFTER.as_secs());
                sink.emit(EventKind::Unreachable { address: port.address.as_str().into(), reason: reason.into() });
                match timeout(SILENT_GIVE_UP - SILENT_AFTER, channel.receive()).await {
                    Ok(Ok(line)) => {
                        node.silent.store(false, Ordering::Release);
                        node.news.send_modify(|n| *n += 1);
                        sink.emit(EventKind::Attached { address: port.address.as_str().into() });
                        line
                    }
                    Ok(Err(error)) => return error,
                    Err(_) => return ControlError::Timeout,
                }
            }
        };
        match Streamed::parse(&line, started) {
            Ok(Some(Streamed::Event(event))) => {
                mirror(node, &event.kind);
                if !steered_here(&event.kind) {
                    sink.emit(event.kind);
                }
            }
            Ok(Some(Streamed::Status(report))) => {
                let before = node.reachable_report();
                if before.is_none() {
                    sink.emit(EventKind::Attached { address: port.address.as_str().into() });
                }
                // A cut this console did not make (another console's, from before it attached)
                // is shown as the node reports it; only a change is taken over, so a report made
                // before this console's own command arrived does not undo it.
                if before.as_ref().is_none_or(|before| before.cut_from != report.cut_from) {
                    node.show_cuts(&report.cut_from);
                }
                drifted = if report.clients == node.mirror().len() { 0 } else { drifted + 1 };
                if drifted >= DRIFT_REPORTS {
                    drifted = 0;
                    node.resync.store(true, Ordering::Release);
                }
                node.set_report(Some(report));
            }
            Ok(Some(Streamed::Lagged(missed))) => {
                // Lost on the way here: said with what the node itself did not publish.
                node.lagged.fetch_add(missed, Ordering::Relaxed);
                node.resync.store(true, Ordering::Release);
            }
            // An event of a kind this version does not know.
            Ok(None) => {}
            Err(error) => return error,
        }
        if node.resync.swap(false, Ordering::AcqRel) {
            node.tasks.spawn(copy_cache(node.clone()));
        }
    }
}

/// The operator's changes of links and mode are told by this console's own herd: the node's
/// account of carrying them out would say them twice.
fn steered_here(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::LinkCut { .. }
            | EventKind::LinkCutOneWay { .. }
            | EventKind::LinkHealed { .. }
            | EventKind::LinkHealedOneWay { .. }
            | EventKind::LatencySet { .. }
            | EventKind::LossSet { .. }
            | EventKind::ModeChanged { .. }
    )
}

/// Keeps the mirror of the cache as the node's own events change it.
fn mirror(node: &Followed, kind: &EventKind) {
    match kind {
        EventKind::CacheUpdated { record, via, hops, .. } => {
            node.mirror().offer(record, *hops, via.clone());
        }
        EventKind::FloodReceived { from, record, hops, arrival: Arrival::New, .. } => {
            node.mirror().offer(record, *hops, Via::Peer(from.clone()));
        }
        // A node that comes back with records on disk says so in its next report: the count
        // then differs, and the mirror is copied again.
        EventKind::NodeDown => node.replace_cache(node.empty_cache()),
        _ => {}
    }
}

/// Copies the node's whole cache, a page at a time, into a new mirror.
async fn copy_cache(node: Arc<Followed>) {
    let fresh = node.empty_cache();
    let mut after = None;
    loop {
        let page = match node.ask(Request::Page { after: after.clone(), count: MOST_PAGE }).await {
            Ok(Response::Page(page)) => page,
            _ => return,
        };
        let Some(last) = page.last().and_then(|entry| entry.entry()) else { break };
        for entry in page.iter().filter_map(|entry| entry.entry()) {
            fresh.offer(&entry.record, entry.hops, entry.via);
        }
        after = Some(last.record.client().to_string());
    }
    node.replace_cache(fresh);
}
