//! A node of this process, as a member of the herd: its configuration, its addresses, and the
//! node itself while it runs (or the listeners it is bound to before it starts). Killing it stops
//! its tasks and closes its ports; reviving it binds them again and reads back its store.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use super::HerdError;
use super::member::{Member, NodeStatus, Steer, Totals};
use crate::cache::{Entry, PageStart};
use crate::event::EventKind;
use crate::net::{self, TcpListener};
use crate::network::Held;
use crate::node::{Listeners, Node, NodeConfig};
use crate::sink::Counters;
use crate::topology::NodeName;

#[derive(Default)]
struct Life {
    running: Option<Arc<Node>>,
    /// Listeners bound but not launched yet.
    bound: Option<Listeners>,
}

pub(crate) struct LocalMember {
    pub(crate) config: NodeConfig,
    client_addr: SocketAddr,
    peer_addr: SocketAddr,
    life: Arc<Mutex<Life>>,
    /// The herd's root: each life of the node is a child of it, so that shutdown stops them all.
    root: CancellationToken,
}

impl LocalMember {
    pub(crate) fn new(config: NodeConfig, listeners: Listeners, root: CancellationToken) -> Self {
        let client_addr = local_addr(&listeners.client);
        let peer_addr = local_addr(&listeners.peer);
        let life = Life { running: None, bound: Some(listeners) };
        Self { config, client_addr, peer_addr, life: Arc::new(Mutex::new(life)), root }
    }

    fn life(&self) -> MutexGuard<'_, Life> {
        // Every update is a single assignment; a poisoned lock holds consistent data.
        self.life.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts the node on the listeners it was bound to, if it has not started yet, knowing
    /// `known` and what its store kept.
    pub(crate) fn launch(&self, mut known: Vec<Entry>) {
        let mut life = self.life();
        let Some(listeners) = life.bound.take() else { return };
        // The store opened a moment ago; should it fail to read now, the node starts with what
        // it was given, and says why.
        match stored(&self.config) {
            Ok(kept) => known.extend(kept),
            Err(error) => self.config.events.emit(EventKind::Warning { text: error.to_string().into() }),
        }
        let token = self.root.child_token();
        life.running = Some(Node::spawn(self.config.clone(), listeners, token, &known));
    }

    /// The node's running totals.
    pub(crate) fn counters(&self) -> &Arc<Counters> {
        self.config.events.counters()
    }

    fn running(&self) -> Result<Arc<Node>, HerdError> {
        self.life().running.clone().ok_or_else(|| HerdError::AlreadyDown(self.config.name.to_string()))
    }

    /// Client connections open at the node now (none while it is down).
    pub(crate) fn client_connections(&self) -> usize {
        self.life().running.as_ref().map_or(0, |node| node.client_connections())
    }

    /// Records queued at each of the node's links (each neighbour at 0 while it is down: a
    /// dead node's queues are gone).
    pub(crate) fn link_queues(&self) -> Vec<(NodeName, usize)> {
        match &self.life().running {
            Some(node) => node.links().iter().map(|link| (link.neighbour.clone(), link.queued())).collect(),
            None => self.config.topology.neighbours(&self.config.name).into_iter().map(|n| (n, 0)).collect(),
        }
    }

    /// Why the node is not ready for clients, or `None` when it is: it serves, and since it
    /// started it has caught up once (a link to a neighbour came up and exchanged what each
    /// missed), unless it has no neighbours or the operator cut every link. Neighbours that die
    /// later do not make it unready: their links are metrics (`herdctl_link_up`), not readiness.
    pub(crate) fn unready(&self, network: &crate::network::Network) -> Option<String> {
        let name = &self.config.name;
        let Some(node) = self.life().running.clone() else {
            return Some(format!("{name} is down"));
        };
        let links = node.links();
        let settled = links.iter().all(|l| network.is_cut_from(name, &l.neighbour));
        if settled || links.iter().any(|l| l.has_caught_up_once()) {
            return None;
        }
        Some(format!("{name} has not caught up with a neighbour since it started"))
    }

    /// Stops the node for good (the herd is shutting down); returns once its tasks have ended.
    pub(crate) async fn stop(&self) {
        let running = self.life().running.take();
        if let Some(node) = running {
            stop(&node).await;
        }
    }
}

impl Member for LocalMember {
    fn name(&self) -> &NodeName {
        &self.config.name
    }

    fn status(&self) -> NodeStatus {
        let running = self.life().running.clone();
        let (links, caught_up) = match &running {
            Some(node) => (
                node.links().iter().map(|l| (l.neighbour.clone(), l.is_up())).collect(),
                node.links().iter().filter(|l| l.is_caught_up()).map(|l| l.neighbour.clone()).collect(),
            ),
            None => (
                self.config.topology.neighbours(&self.config.name).into_iter().map(|n| (n, false)).collect(),
                Vec::new(),
            ),
        };
        NodeStatus {
            name: self.config.name.clone(),
            up: running.is_some(),
            client_addr: self.client_addr,
            peer_addr: self.peer_addr,
            clients: running.as_ref().map_or(0, |node| node.cache.len()),
            links,
            caught_up,
            reachable: true,
        }
    }

    fn totals(&self) -> Totals {
        let counters = self.counters();
        let count = |counter: &std::sync::atomic::AtomicU64| counter.load(std::sync::atomic::Ordering::Relaxed);
        Totals {
            messages: count(&counters.messages),
            duplicates: count(&counters.duplicates),
            transmissions: count(&counters.transmissions),
            unpublished: count(&counters.unpublished),
        }
    }

    fn client_addr(&self) -> SocketAddr {
        self.client_addr
    }

    fn page(&self, start: &PageStart, count: usize) -> Result<Vec<Entry>, HerdError> {
        Ok(self.running()?.cache.page(start, count))
    }

    fn entry(&self, client: &str) -> Result<Option<Entry>, HerdError> {
        Ok(self.running()?.cache.entry(client))
    }

    fn held(&self) -> Vec<Held> {
        self.config.network.held().into_iter().filter(|held| held.from == self.config.name).collect()
    }

    fn kill(&self) -> BoxFuture<'static, Result<(), HerdError>> {
        let taken = self.life().running.take();
        let name = self.config.name.to_string();
        async move {
            let node = taken.ok_or(HerdError::AlreadyDown(name))?;
            stop(&node).await;
            Ok(())
        }
        .boxed()
    }

    fn revive(&self) -> BoxFuture<'static, Result<(), HerdError>> {
        let revived = (|| {
            let mut life = self.life();
            let name = &*self.config.name;
            if life.running.is_some() {
                return Err(HerdError::AlreadyUp(name.to_string()));
            }
            // A node comes back with what its disk kept; one whose disk cannot be read stays
            // down rather than start forgetting what it acknowledged.
            let records = stored(&self.config)?;
            let client = bind(name, &self.client_addr.ip().to_string(), self.client_addr.port(), "client")?;
            let peer = bind(name, &self.peer_addr.ip().to_string(), self.peer_addr.port(), "peer")?;
            let listeners = Listeners { client, peer };
            life.running = Some(Node::spawn(self.config.clone(), listeners, self.root.child_token(), &records));
            Ok(())
        })();
        futures_util::future::ready(revived).boxed()
    }

    fn forget_totals(&self) {
        self.counters().reset();
    }

    /// Records on their way through the node's links (none while it is down).
    fn in_motion(&self) -> usize {
        self.life().running.as_ref().map_or(0, |node| node.in_motion())
    }

    fn steer(&self, change: Steer) -> BoxFuture<'static, Result<(), HerdError>> {
        // This node's links read the herd's network.
        futures_util::future::ready(change.on_shared(&self.config.network)).boxed()
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

fn local_addr(listener: &TcpListener) -> SocketAddr {
    // A bound listener always has a local address.
    listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
}

/// Binds a listener with `SO_REUSEADDR`, so that a revived node gets its port back at once even
/// while connections of its previous life linger in TIME_WAIT.
pub(crate) fn bind(node: &str, host: &str, port: u16, role: &'static str) -> Result<TcpListener, HerdError> {
    let fail = |source| HerdError::Bind { node: node.to_string(), host: host.to_string(), port, role, source };
    let addr = resolve(host, port)
        .map_err(fail)?
        .ok_or_else(|| fail(io::Error::new(io::ErrorKind::NotFound, "the host has no address")))?;
    net::listen(addr).map_err(fail)
}

/// The address `host` names. In a simulation a node's host is its simulated machine: it
/// listens on all its addresses.
pub(crate) fn resolve(host: &str, port: u16) -> io::Result<Option<SocketAddr>> {
    if net::simulated() {
        return Ok(Some(SocketAddr::from(([0, 0, 0, 0], port))));
    }
    Ok(std::net::ToSocketAddrs::to_socket_addrs(&(host, port))?.next())
}
