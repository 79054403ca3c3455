//! A node that runs in another process, as an attached console's herd sees it: a mirror of its
//! status and cache, kept by the stream of its events (and a page-by-page copy when the stream
//! lost some), its events republished here, and a connection for the operator's requests. A
//! node whose control port cannot be reached is *unreachable*, which is not *down*.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use super::{Channel, ControlError, HANDSHAKE_TIMEOUT, dial};
use crate::cache::Cache;
use crate::event::{Arrival, EventKind, EventSink, Via};
use crate::net::TcpStream;
use crate::network::{Held, Network};
use crate::protocol::Record;
use crate::replay::Recording;
use crate::secure::Terms;
use crate::topology::{NodeName, SharedTopology};

/// How long a dial waits, and how long after a failure the next one comes.
const DIAL_TIMEOUT: Duration = Duration::from_secs(1);
const REDIAL_EVERY: Duration = Duration::from_millis(500);
/// How long a request waits for its answer (a kill waits for the node's tasks to end).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// Status reports in a row whose client count differs from the mirror's before it is copied
/// again (a difference for a moment is only events on their way).
const DRIFT_REPORTS: u32 = 4;

/// What the node said of itself last.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RemoteStatus {
    pub up: bool,
    pub client: Option<std::net::SocketAddr>,
    pub peer: Option<std::net::SocketAddr>,
    pub clients: usize,
    pub links: Vec<(NodeName, bool)>,
    pub caught_up: Vec<NodeName>,
    pub messages: u64,
    pub duplicates: u64,
    pub transmissions: u64,
    pub unpublished: u64,
    /// The neighbours this node's side of the link is cut to (by this console or another).
    pub cut_from: Vec<NodeName>,
    /// Its transmissions held in step mode (ids are the node's own).
    pub held: Vec<Held>,
}

struct Request {
    line: String,
    answer: oneshot::Sender<Result<Value, String>>,
}

pub struct RemoteNode {
    name: NodeName,
    topology: SharedTopology,
    /// Whether its control port answers now, and the last status it reported (kept while it
    /// is unreachable: its totals still count).
    report: Mutex<(bool, RemoteStatus)>,
    cache: Mutex<Arc<Cache>>,
    requests: mpsc::UnboundedSender<Request>,
    /// Set when the mirror should be copied again.
    resync: AtomicBool,
    /// Events its stream dropped before they reached this console (the node's bus lagged).
    lagged: AtomicU64,
    /// Told when the status changes (the herd's waits look again).
    news: Arc<watch::Sender<u64>>,
    /// The attached herd's network, which shows the cuts the node reports.
    network: Arc<Network>,
    /// Held transmissions this console let go that the node's last report still lists.
    let_go: Mutex<std::collections::HashSet<u64>>,
}

impl RemoteNode {
    /// Starts following `name` at `address` (`host:control_port`); its events go out through
    /// `sink`. Stops with `token`.
    pub fn follow(
        name: NodeName,
        address: String,
        terms: Terms,
        (topology, sink, news, network): (SharedTopology, EventSink, Arc<watch::Sender<u64>>, Arc<Network>),
        token: CancellationToken,
    ) -> Arc<Self> {
        let (requests, queue) = mpsc::unbounded_channel();
        let node = Arc::new(Self {
            cache: Mutex::new(Arc::new(Cache::new(topology.neighbours(&name)))),
            name,
            topology,
            report: Mutex::default(),
            requests,
            resync: AtomicBool::new(true),
            lagged: AtomicU64::new(0),
            news,
            network,
            let_go: Mutex::default(),
        });
        let link = Link { name: node.name.clone(), address, terms };
        tokio::spawn(answer_requests(link.clone(), queue, token.clone()));
        tokio::spawn(follow_events(node.clone(), link, sink, token));
        node
    }

    pub fn name(&self) -> &NodeName {
        &self.name
    }

    /// What the node said of itself last; `None` while its control port cannot be reached.
    pub fn status(&self) -> Option<RemoteStatus> {
        let (reachable, last) = &*self.report.lock().unwrap_or_else(|p| p.into_inner());
        reachable.then(|| last.clone())
    }

    /// What the node said of itself last, reachable or not (its totals so far), with the events
    /// its stream dropped on the way here counted as unpublished: what this console never saw.
    pub fn last_status(&self) -> RemoteStatus {
        let mut last = self.report.lock().unwrap_or_else(|p| p.into_inner()).1.clone();
        last.unpublished += self.lagged.load(Ordering::Relaxed);
        last
    }

    /// Its transmissions held in step mode, less those this console has let go since it last
    /// reported (a report is up to 250 ms old).
    pub fn held(&self) -> Vec<Held> {
        let gone = self.let_go.lock().unwrap_or_else(|p| p.into_inner()).clone();
        self.status().map(|s| s.held).unwrap_or_default().into_iter().filter(|h| !gone.contains(&h.id)).collect()
    }

    /// Asks the node to let its held transmission `id` go with `fate`.
    pub fn decide(
        &self,
        id: u64,
        fate: crate::network::Fate,
    ) -> impl std::future::Future<Output = Result<Value, String>> + '_ {
        self.let_go.lock().unwrap_or_else(|p| p.into_inner()).insert(id);
        self.request(format!("RELEASE {id} {}", fate.verb()))
    }

    /// The mirror of the node's cache.
    pub fn cache(&self) -> Arc<Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sends `line` to the node; its answer, or why there was none.
    pub async fn request(&self, line: String) -> Result<Value, String> {
        let (answer, answered) = oneshot::channel();
        self.requests.send(Request { line, answer }).map_err(|_| "the console is stopping".to_string())?;
        answered.await.unwrap_or_else(|_| Err("the console is stopping".to_string()))
    }

    fn set_status(&self, status: Option<RemoteStatus>) {
        if let Some(status) = &status {
            // What the node no longer holds need not be remembered as let go.
            self.let_go.lock().unwrap_or_else(|p| p.into_inner()).retain(|id| status.held.iter().any(|h| h.id == *id));
        }
        let changed = {
            let mut report = self.report.lock().unwrap_or_else(|p| p.into_inner());
            let reachable = status.is_some();
            let changed = report.0 != reachable || status.as_ref().is_some_and(|status| *status != report.1);
            report.0 = reachable;
            if let Some(status) = status {
                report.1 = status;
            }
            changed
        };
        if changed {
            self.news.send_modify(|reports| *reports += 1);
        }
    }

    fn show_cuts(&self, cut_from: &[NodeName]) {
        for neighbour in self.topology.neighbours(&self.name) {
            let cut = cut_from.contains(&neighbour);
            if cut != self.network.is_cut_from(&self.name, &neighbour) {
                if cut {
                    self.network.cut_one_way(&self.name, &neighbour);
                } else {
                    self.network.heal_one_way(&self.name, &neighbour);
                }
            }
        }
    }

    fn replace_cache(&self, cache: Cache) {
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(cache);
    }

    fn empty_cache(&self) -> Cache {
        Cache::new(self.topology.neighbours(&self.name))
    }
}

/// Where the node's control port is, and how to open it.
#[derive(Clone)]
struct Link {
    name: NodeName,
    address: String,
    terms: Terms,
}

impl Link {
    async fn open(&self) -> Result<Channel, ControlError> {
        let stream = timeout(DIAL_TIMEOUT, TcpStream::connect(self.address.as_str()))
            .await
            .map_err(|_| ControlError::Timeout)??;
        timeout(HANDSHAKE_TIMEOUT, dial(stream, &self.name, &self.terms)).await.map_err(|_| ControlError::Timeout)?
    }
}

/// One request over `channel`: its answer, or why there was none.
async fn ask(channel: &mut Channel, line: &str) -> Result<Result<Value, String>, ControlError> {
    channel.send(line).await?;
    let answer = timeout(ANSWER_TIMEOUT, channel.receive()).await.map_err(|_| ControlError::Timeout)??;
    let value: Value = serde_json::from_str(&answer).map_err(|_| ControlError::Unexpected(answer.clone()))?;
    Ok(match (value.get("ok"), value.get("error")) {
        (Some(ok), _) => Ok(ok.clone()),
        (None, Some(error)) => Err(error.as_str().unwrap_or("refused").to_string()),
        _ => return Err(ControlError::Unexpected(answer)),
    })
}

/// The operator's requests, one at a time over one connection (opened again when it breaks).
async fn answer_requests(link: Link, mut queue: mpsc::UnboundedReceiver<Request>, token: CancellationToken) {
    let mut channel: Option<Channel> = None;
    loop {
        let request = tokio::select! {
            () = token.cancelled() => return,
            request = queue.recv() => match request {
                Some(request) => request,
                None => return,
            },
        };
        let mut outcome = Err(format!("{} is unreachable", link.name));
        for _attempt in 0..2 {
            if channel.is_none() {
                match link.open().await {
                    Ok(opened) => channel = Some(opened),
                    Err(error) => {
                        outcome = Err(format!("{} is unreachable: {error}", link.name));
                        break;
                    }
                }
            }
            let Some(open) = channel.as_mut() else { break };
            match ask(open, &request.line).await {
                Ok(answer) => {
                    outcome = answer;
                    break;
                }
                // A connection that broke since the last request: once more on a new one.
                Err(error) => {
                    channel = None;
                    outcome = Err(format!("{} is unreachable: {error}", link.name));
                }
            }
        }
        let _ = request.answer.send(outcome);
    }
}

/// The node's events, republished here, and its status, until `token`; redials whenever the
/// stream breaks, and meanwhile the node is unreachable.
async fn follow_events(node: Arc<RemoteNode>, link: Link, sink: EventSink, token: CancellationToken) {
    // Told once each time it changes, not at every redial.
    let mut told_unreachable = false;
    loop {
        let ended = tokio::select! {
            () = token.cancelled() => return,
            ended = stream(&node, &link, &sink) => ended,
        };
        if node.status().is_some() || !told_unreachable {
            let (address, reason) = (link.address.as_str().into(), ended.to_string().into());
            sink.emit(EventKind::Unreachable { address, reason });
            told_unreachable = true;
        }
        node.set_status(None);
        tokio::select! {
            () = token.cancelled() => return,
            () = tokio::time::sleep(REDIAL_EVERY) => {}
        }
    }
}

async fn stream(node: &Arc<RemoteNode>, link: &Link, sink: &EventSink) -> ControlError {
    let mut channel = match link.open().await {
        Ok(channel) => channel,
        Err(error) => return error,
    };
    let started = match ask(&mut channel, "EVENTS").await {
        Ok(Ok(hello)) => hello
            .get("started")
            .and_then(Value::as_str)
            .and_then(|text| humantime::parse_rfc3339(text).ok())
            .unwrap_or_else(SystemTime::now),
        Ok(Err(refused)) => return ControlError::Unexpected(refused),
        Err(error) => return error,
    };
    let decoder = Recording::decoder(started, node.topology.clone());
    node.resync.store(true, Ordering::Release);
    let mut drifted = 0;
    loop {
        let line = match channel.receive().await {
            Ok(line) => line,
            Err(error) => return error,
        };
        let Ok(value) = serde_json::from_str::<Value>(&line) else { return ControlError::Unexpected(line) };
        if let Some(entry) = value.get("event") {
            if let Ok(Some(event)) = decoder.event(entry) {
                mirror(node, &event.kind);
                if !steered_here(&event.kind) {
                    republish(sink, event.kind);
                }
            }
        } else if let Some(status) = value.get("status") {
            let status = parse_status(status, &node.name);
            let before = node.status();
            if before.is_none() {
                sink.emit(EventKind::Attached { address: link.address.as_str().into() });
            }
            // A cut this console did not make (another console's, from before it attached) is
            // shown as the node reports it; only a change is taken over, so a report made before
            // this console's own command arrived does not undo it.
            if before.as_ref().is_none_or(|before| before.cut_from != status.cut_from) {
                node.show_cuts(&status.cut_from);
            }
            drifted = if status.clients == node.cache().len() { 0 } else { drifted + 1 };
            if drifted >= DRIFT_REPORTS {
                drifted = 0;
                node.resync.store(true, Ordering::Release);
            }
            node.set_status(Some(status));
        } else if let Some(missed) = value.get("lagged") {
            // Lost on the way here: said with what the node itself did not publish.
            node.lagged.fetch_add(missed.as_u64().unwrap_or_default(), Ordering::Relaxed);
            node.resync.store(true, Ordering::Release);
        }
        if node.resync.swap(false, Ordering::AcqRel) {
            tokio::spawn(copy_cache(node.clone()));
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
fn mirror(node: &RemoteNode, kind: &EventKind) {
    match kind {
        EventKind::CacheUpdated { record, via, hops, .. } => {
            node.cache().offer(record, *hops, via.clone());
        }
        EventKind::FloodReceived { from, record, hops, arrival: Arrival::New, .. } => {
            node.cache().offer(record, *hops, Via::Peer(from.clone()));
        }
        // A node that comes back with records on disk says so in its next status: the count
        // then differs, and the mirror is copied again.
        EventKind::NodeDown => node.replace_cache(node.empty_cache()),
        _ => {}
    }
}

/// Publishes a node's event here, as its own node would (a new record stored after its
/// arrival, as a node says it, so the console's accounting counts the nodes a flood reached).
fn republish(sink: &EventSink, kind: EventKind) {
    let stored = crate::replay::stored_on_arrival(&kind);
    sink.emit(kind);
    if let Some(stored) = stored {
        sink.emit(stored);
    }
}

/// Copies the node's whole cache, a page at a time, into a new mirror.
async fn copy_cache(node: Arc<RemoteNode>) {
    let fresh = node.empty_cache();
    let mut after = "-".to_string();
    loop {
        let page = match node.request(format!("PAGE {after} 1024")).await {
            Ok(Value::Array(page)) => page,
            _ => return,
        };
        let Some(last) = page.last() else { break };
        for entry in &page {
            let Some(record) = entry.get("line").and_then(Value::as_str).and_then(Record::parse) else { continue };
            let hops = entry.get("hops").and_then(Value::as_u64).unwrap_or_default() as u32;
            let via = match entry.get("via").and_then(Value::as_str).and_then(|n| node.topology.name(n)) {
                Some(from) => Via::Peer(from),
                None => Via::Client,
            };
            fresh.offer(&Arc::new(record), hops, via);
        }
        match last.get("line").and_then(Value::as_str).and_then(Record::parse) {
            Some(record) => after = record.client().to_string(),
            None => break,
        }
    }
    node.replace_cache(fresh);
}

fn parse_status(value: &Value, from: &NodeName) -> RemoteStatus {
    let count = |name: &str| value.get(name).and_then(Value::as_u64).unwrap_or_default();
    let addr = |name: &str| value.get(name).and_then(Value::as_str).and_then(|a| a.parse().ok());
    let names = |list: Option<&Value>| -> Vec<NodeName> {
        list.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(NodeName::from).collect()
    };
    RemoteStatus {
        up: value.get("up").and_then(Value::as_bool).unwrap_or_default(),
        client: addr("client"),
        peer: addr("peer"),
        clients: count("clients") as usize,
        links: value
            .get("links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|pair| Some((NodeName::from(pair.get(0)?.as_str()?), pair.get(1)?.as_bool()?)))
            .collect(),
        caught_up: names(value.get("caught_up")),
        messages: count("messages"),
        duplicates: count("duplicates"),
        transmissions: count("transmissions"),
        unpublished: count("unpublished"),
        cut_from: names(value.get("cut_from")),
        held: value
            .get("held")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|held| {
                Some(Held {
                    id: held.get("id")?.as_u64()?,
                    from: from.clone(),
                    to: NodeName::from(held.get("to")?.as_str()?),
                    client: held.get("client")?.as_str()?.into(),
                    hops: held.get("hops")?.as_u64()? as u32,
                    since: tokio::time::Instant::now(),
                })
            })
            .collect(),
    }
}
