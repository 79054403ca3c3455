//! A foreign server as a member of the herd: up while its process runs and listens on its port,
//! its links up while both ends are up and the operator has not cut them, its cache what herdctl
//! has seen it answer and be told. A kill is SIGKILL to its process group; a revive starts its
//! command again and waits until it listens.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use herdctl_core::cache::{Cache, Entry, PageStart};
use herdctl_core::event::EventKind;
use herdctl_core::herd::{HerdError, Member, NodeStatus, Steer, Totals};
use herdctl_core::network::Held;
use herdctl_core::topology::NodeName;

use super::process::Process;
use super::{ForeignHerd, READY_WITHIN, Server};

/// How often a starting server's port is looked at (in the kernel's table: no connection).
const LOOK_EVERY: Duration = Duration::from_millis(20);

/// One life of a server: its process, told when it listens and once it is down again.
pub(crate) struct Life {
    process: Arc<Process>,
    listening: CancellationToken,
    down: CancellationToken,
}

impl Life {
    /// Whether its process is at work (see `Process::busy`).
    pub(crate) fn busy(&self) -> bool {
        self.process.busy()
    }

    /// Kills the process (if it still runs) and waits until its server is told down.
    pub(crate) async fn end(&self) {
        self.process.kill().await;
        self.down.cancelled().await;
    }
}

/// A foreign server, steered as a member of the herd.
pub struct Foreign {
    foreign: Arc<ForeignHerd>,
    server: Arc<Server>,
}

impl Foreign {
    pub(crate) fn new(foreign: Arc<ForeignHerd>, server: Arc<Server>) -> Self {
        Self { foreign, server }
    }

    /// Starts the server and waits until it listens on its port (or ends, or takes too long).
    pub(crate) fn start(&self) -> BoxFuture<'static, Result<(), HerdError>> {
        let (foreign, server) = (self.foreign.clone(), self.server.clone());
        async move {
            let life = {
                let mut slot = server.life.lock().unwrap_or_else(|p| p.into_inner());
                if slot.as_ref().is_some_and(|life| life.process.is_running()) {
                    return Err(HerdError::AlreadyUp(server.name.to_string()));
                }
                let process =
                    Process::start(&server.launch, server.events.clone()).map_err(|error| HerdError::Elsewhere {
                        node: server.name.to_string(),
                        reason: format!(
                            "cannot start `{}` in {}: {error}",
                            server.launch.command,
                            server.launch.dir.display()
                        ),
                    })?;
                let life =
                    Arc::new(Life { process, listening: CancellationToken::new(), down: CancellationToken::new() });
                *slot = Some(life.clone());
                life
            };
            foreign.tasks.spawn(watch(foreign.clone(), server.clone(), life.clone()));
            tokio::select! {
                () = life.listening.cancelled() => Ok(()),
                () = life.process.ended().cancelled() => Err(HerdError::Elsewhere {
                    node: server.name.to_string(),
                    reason: format!(
                        "it ended ({}) before it listened on port {}; its last words are in the flow and in {}.log",
                        life.process.status().unwrap_or_default(),
                        server.port,
                        server.name,
                    ),
                }),
                () = tokio::time::sleep(READY_WITHIN) => Err(HerdError::Elsewhere {
                    node: server.name.to_string(),
                    reason: format!(
                        "it runs, but has not listened on port {} within {}s: does it take its port from the topology?",
                        server.port,
                        READY_WITHIN.as_secs()
                    ),
                }),
            }
        }
        .boxed()
    }
}

/// Watches one life of a server: up once it listens, down once its process ends.
async fn watch(foreign: Arc<ForeignHerd>, server: Arc<Server>, life: Arc<Life>) {
    let ended = life.process.ended().clone();
    let listens = async {
        while !listening(&server).await {
            tokio::time::sleep(LOOK_EVERY).await;
        }
    };
    let up = tokio::select! {
        () = listens => true,
        () = ended.cancelled() => false,
    };
    if up {
        server.ready.store(true, Ordering::Release);
        let peer = SocketAddr::from(([127, 0, 0, 1], server.port));
        server.events.emit(EventKind::NodeUp { client: server.front, peer });
        foreign.lives.send_modify(|n| *n += 1);
        server.news.send_modify(|n| *n += 1);
        life.listening.cancel();
    }
    ended.cancelled().await;
    if up {
        server.ready.store(false, Ordering::Release);
        // A server that died remembers nothing herdctl could show.
        *server.cache.lock().unwrap_or_else(|p| p.into_inner()) =
            Arc::new(Cache::new(foreign.topology.neighbours(&server.name)));
        server.events.emit(EventKind::NodeDown);
        foreign.lives.send_modify(|n| *n += 1);
        server.news.send_modify(|n| *n += 1);
    }
    life.down.cancel();
}

/// Whether the server listens on its port.
async fn listening(server: &Arc<Server>) -> bool {
    #[cfg(target_os = "linux")]
    {
        let server = server.clone();
        tokio::task::spawn_blocking(move || match &server.namespace {
            Some(namespace) => namespace.is_listening(server.port),
            None => super::namespace::listening("/proc/self/net", server.port),
        })
        .await
        .unwrap_or(false)
    }
    #[cfg(not(target_os = "linux"))]
    {
        TcpStream::connect(server.front).await.is_ok()
    }
}

/// A connection to the server's own port (in its namespace).
pub(super) async fn connect(server: &Arc<Server>) -> std::io::Result<TcpStream> {
    #[cfg(target_os = "linux")]
    {
        let server = server.clone();
        let stream = tokio::task::spawn_blocking(move || match &server.namespace {
            Some(namespace) => namespace.connect(SocketAddr::from(([127, 0, 0, 1], server.port))),
            None => Err(std::io::Error::other("the server has no namespace")),
        })
        .await
        .map_err(std::io::Error::other)??;
        TcpStream::from_std(stream)
    }
    #[cfg(not(target_os = "linux"))]
    {
        TcpStream::connect(server.front).await
    }
}

impl Member for Foreign {
    fn name(&self) -> &NodeName {
        &self.server.name
    }

    fn status(&self) -> NodeStatus {
        let up = self.server.ready.load(Ordering::Acquire);
        let neighbours = self.foreign.topology.neighbours(&self.server.name);
        let links: Vec<(NodeName, bool)> = neighbours
            .into_iter()
            .map(|neighbour| {
                let linked = up
                    && self.foreign.is_up(&neighbour)
                    && !self.foreign.network.is_cut_from(&self.server.name, &neighbour);
                (neighbour, linked)
            })
            .collect();
        NodeStatus {
            name: self.server.name.clone(),
            up,
            client_addr: self.server.front,
            peer_addr: SocketAddr::from(([127, 0, 0, 1], self.server.port)),
            clients: if up { self.server.cache().len() } else { 0 },
            // A foreign server owes no catch-up: a link is as caught up as it is up.
            caught_up: links.iter().filter(|(_, up)| *up).map(|(name, _)| name.clone()).collect(),
            links,
            reachable: true,
        }
    }

    fn totals(&self) -> Totals {
        let counters = self.server.events.counters();
        let count = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
        Totals {
            messages: count(&counters.messages),
            duplicates: count(&counters.duplicates),
            transmissions: count(&counters.transmissions),
            unpublished: count(&counters.unpublished),
        }
    }

    fn client_addr(&self) -> SocketAddr {
        self.server.front
    }

    fn page(&self, start: &PageStart, count: usize) -> Result<Vec<Entry>, HerdError> {
        self.up()?;
        Ok(self.server.cache().page(start, count))
    }

    fn entry(&self, client: &str) -> Result<Option<Entry>, HerdError> {
        self.up()?;
        Ok(self.server.cache().entry(client))
    }

    fn held(&self) -> Vec<Held> {
        self.foreign.network.held().into_iter().filter(|held| held.from == self.server.name).collect()
    }

    fn kill(&self) -> BoxFuture<'static, Result<(), HerdError>> {
        let life = self.server.life.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let name = self.server.name.to_string();
        async move {
            let life = life.filter(|life| life.process.is_running()).ok_or(HerdError::AlreadyDown(name))?;
            life.end().await;
            Ok(())
        }
        .boxed()
    }

    fn revive(&self) -> BoxFuture<'static, Result<(), HerdError>> {
        self.start()
    }

    fn steer(&self, change: Steer) -> BoxFuture<'static, Result<(), HerdError>> {
        // The relay reads the herd's network, as herdctl's own nodes' links do.
        futures_util::future::ready(change.on_shared(&self.foreign.network)).boxed()
    }

    fn catches_up(&self) -> bool {
        false
    }

    fn forget_totals(&self) {
        self.server.events.counters().reset();
    }

    fn in_motion(&self) -> usize {
        // The foreign herd's motion is one count for all its servers: the first tells it.
        if self.server.index == 0 { self.foreign.in_motion() } else { 0 }
    }
}

impl Foreign {
    fn up(&self) -> Result<(), HerdError> {
        match self.server.ready.load(Ordering::Acquire) {
            true => Ok(()),
            false => Err(HerdError::AlreadyDown(self.server.name.to_string())),
        }
    }
}
