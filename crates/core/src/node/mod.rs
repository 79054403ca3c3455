//! One node of the herd: its cache, its client and peer listeners, its links to its neighbours,
//! and what it does with a record it learns.

mod client;
mod listen;

pub use client::ACK_BOUND;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::cache::{Cache, Entry, PageStart};
use crate::event::{EventKind, Via};
use crate::keyring::SharedKeyring;
use crate::limits::{ClientLimits, ProcessClients, Sources};
use crate::net::TcpListener;
use crate::network::Network;
use crate::peer::link::{self, Link, Outgoing};
use crate::peer::{Linked, Local, Records, Refusals};
use crate::places::Places;
use crate::protocol::Record;
use crate::secure::{Security, Terms};
use crate::sink::EventSink;
use crate::store::Store;
use crate::strategy::{Carried, Router};
use crate::topology::{NodeName, SharedTopology};

/// Whether whoever hands a record on waits for the neighbours' acknowledgements (a client's
/// IAMAT does; a record passed on does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acks {
    Wanted,
    Unwanted,
}

/// Where each node's peer port can be reached (`host:port`), as the herd resolved it.
pub type PeerAddresses = Arc<HashMap<NodeName, String>>;

/// Everything a node needs from the herd it belongs to.
#[derive(Clone)]
pub struct NodeConfig {
    pub name: NodeName,
    pub topology: SharedTopology,
    pub peer_addresses: PeerAddresses,
    pub keys: SharedKeyring,
    /// Links sealed (encrypted) or plain.
    pub security: Security,
    pub places: Arc<dyn Places>,
    pub events: EventSink,
    pub network: Arc<Network>,
    pub clients: ClientLimits,
    /// The clients of every node of this process, against its open-file limit.
    pub process_clients: Arc<ProcessClients>,
    /// Where the node keeps its records on disk (`--data-dir`).
    pub store: Option<Arc<Store>>,
}

/// A number from a node's name, so that nodes sharing the herd's seed still choose apart.
fn name_seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3))
}

/// Under a strategy with anti-entropy (gossip), every live neighbour is caught up with
/// everything this node knows once a second: what the random fanout missed arrives within a
/// second or two. It costs a few transmissions a link (catch-up is written in large batches) but
/// the whole cache in bytes: fine for experiments, not for a million clients. Under the others it
/// only looks, each second, whether the strategy has switched to one with anti-entropy.
async fn anti_entropy(node: Arc<Node>) {
    loop {
        tokio::select! {
            () = node.token.cancelled() => return,
            () = tokio::time::sleep(crate::strategy::ANTI_ENTROPY_EVERY) => {}
        }
        if node.network.strategy().anti_entropy() {
            node.links.iter().filter(|link| link.is_up()).for_each(|link| link.resync());
        }
    }
}

/// The listening sockets of a node, bound before the node starts so that binding errors are
/// reported at once and port 0 can be resolved.
pub struct Listeners {
    pub client: TcpListener,
    pub peer: TcpListener,
}

/// A running node. Dropping the last handle does not stop it: cancel `token` (the herd does,
/// on kill and on shutdown) and wait on `tracker`.
pub struct Node {
    pub(crate) name: NodeName,
    pub(crate) cache: Cache,
    places: Arc<dyn Places>,
    pub(crate) events: EventSink,
    pub(crate) token: CancellationToken,
    pub(crate) tracker: TaskTracker,
    links: Vec<Arc<Link>>,
    limits: ClientLimits,
    /// Open client connections, in all and from each address that `limits` counts.
    clients: AtomicUsize,
    pub(crate) sources: Sources,
    pub(crate) process_clients: Arc<ProcessClients>,
    store: Option<Arc<Store>>,
    /// Where records go on, by the network's strategy in force when each goes.
    router: Router,
    network: Arc<Network>,
}

/// What the node's links may do with its records: read pages of them, and learn new ones.
impl Records for Node {
    fn page(&self, start: &PageStart, count: usize) -> Vec<Entry> {
        self.cache.page(start, count)
    }

    fn learn(&self, record: Arc<Record>, hops: u32, from: &NodeName, carried: Carried) {
        Node::learn(self, record, hops, from, carried);
    }
}

impl Node {
    /// Starts a node on already bound listeners (accept loops and one task per neighbour link),
    /// knowing `records` from the start (read back from its disk, or a herd forked from a
    /// replayed moment) before any link connects: catch-up then carries them.
    pub fn spawn(
        config: NodeConfig,
        listeners: Listeners,
        token: CancellationToken,
        records: &[crate::cache::Entry],
    ) -> Arc<Self> {
        let mut queues = Vec::new();
        let links: Vec<Arc<Link>> = config
            .topology
            .neighbours(&config.name)
            .into_iter()
            .map(|neighbour| {
                let (link, queue) = Link::new(neighbour);
                queues.push(queue);
                link
            })
            .collect();
        let peers = links.iter().map(|link: &Arc<Link>| link.neighbour.clone()).collect();
        let node = Arc::new(Self {
            name: config.name.clone(),
            cache: Cache::new(peers),
            places: config.places,
            events: config.events.clone(),
            token: token.clone(),
            tracker: TaskTracker::new(),
            links,
            limits: config.clients,
            clients: AtomicUsize::new(0),
            sources: Sources::new(config.clients.per_source),
            process_clients: config.process_clients.clone(),
            store: config.store.clone(),
            router: Router::new(
                config.topology.clone(),
                config.name.clone(),
                config.network.seed() ^ name_seed(&config.name),
            ),
            network: config.network.clone(),
        });
        // What the links get: not the node, only what a link needs of it.
        let local = Arc::new(Local {
            name: config.name,
            terms: Terms { security: config.security, keys: config.keys, protocol: crate::peer::wire::VERSION },
            events: config.events,
            network: config.network,
            token,
            records: node.clone(),
            refusals: Refusals::default(),
            linked: Linked::default(),
            topology_digest: config.topology.digest(),
            topology: config.topology,
        });
        for entry in records {
            node.cache.offer(&entry.record, entry.hops, entry.via.clone());
        }
        // With --data-dir, what the node knows from the start is what its disk kept.
        if node.store.is_some() {
            node.events.emit(EventKind::Restored { records: records.len() });
        }
        if let (Ok(client), Ok(peer)) = (listeners.client.local_addr(), listeners.peer.local_addr()) {
            node.events.emit(EventKind::NodeUp { client, peer });
        }
        node.tracker.spawn(listen::accept_clients(node.clone(), listeners.client));
        node.tracker.spawn(listen::accept_peers(node.clone(), local.clone(), listeners.peer));
        for (link, queue) in node.links.iter().zip(queues) {
            let address = config.peer_addresses.get(&link.neighbour).cloned().unwrap_or_default();
            node.tracker.spawn(link::run(local.clone(), link.clone(), queue, address));
        }
        node.tracker.spawn(anti_entropy(node.clone()));
        node.tracker.close();
        node
    }

    /// Client connections open now.
    pub fn client_connections(&self) -> usize {
        self.clients.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The outbound links, one per neighbour, sorted by name.
    pub fn links(&self) -> &[Arc<Link>] {
        &self.links
    }

    /// Records on their way through this node's links (see `Link::in_motion`).
    pub fn in_motion(&self) -> usize {
        self.links.iter().map(|link| link.in_motion()).sum()
    }

    /// Hands `record` on, to the neighbours the strategy in force routes it to (flooding: every
    /// live neighbour except `except`), as `carried` says it came. With `Acks::Wanted`, returns
    /// one receiver per neighbour that fires when that neighbour has stored the record (or when
    /// the link drops).
    pub fn flood(
        &self,
        record: &Arc<Record>,
        hops: u32,
        except: Option<&str>,
        acks: Acks,
        carried: Carried,
    ) -> Vec<oneshot::Receiver<()>> {
        let mut waits = Vec::new();
        let up = |name: &str| self.links.iter().any(|link| &*link.neighbour == name && link.is_up());
        // The strategy is read once for the whole record, so that a switch meanwhile cannot send
        // it half one way and half the other; the read takes no lock (`SharedStrategy` says why).
        let route = self.router.route(self.network.strategy(), record.server(), except, carried, up);
        let carried = Carried { flooding: route.marked(), ..carried };
        for link in self.links.iter().filter(|link| route.includes(&link.neighbour, except) && link.is_up()) {
            let ack = (acks == Acks::Wanted).then(|| {
                let (sender, receiver) = oneshot::channel();
                waits.push(receiver);
                sender
            });
            let queued = tokio::time::Instant::now();
            link.send(Outgoing { record: record.clone(), hops: hops + 1, ack, queued, carried });
        }
        waits
    }

    /// A record arrived from neighbour `from`: keep it if it is newer and pass it on; drop it if not.
    /// `catch_up`: it came in a catch-up exchange (and is passed on as such).
    fn learn(&self, record: Arc<Record>, hops: u32, from: &NodeName, carried: Carried) {
        let catch_up = carried.catch_up;
        let arrival = self.cache.offer(&record, hops, Via::Peer(from.clone()));
        let from = from.clone();
        self.events.emit(EventKind::FloodReceived {
            from: from.clone(),
            record: record.clone(),
            hops,
            arrival,
            catch_up,
        });
        if arrival.is_new() {
            if let Some(store) = &self.store {
                store.keep(&record, hops, &Via::Peer(from.clone()));
            }
            self.events.emit(EventKind::CacheUpdated {
                record: record.clone(),
                via: Via::Peer(from.clone()),
                hops,
                catch_up,
            });
            self.flood(&record, hops, Some(&from), Acks::Unwanted, carried);
        }
    }
}
