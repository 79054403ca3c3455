//! The herd a grade runs on, and the frame of every check: a reset herd before it, a storm guard
//! beside it, its time taken.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;

use herdctl_core::herd::Herd;
use herdctl_core::topology::NodeName;
use tokio::net::TcpStream;

use super::{Finding, QUIET_WITHIN, storm};
use crate::foreign::ForeignHerd;
use crate::operator::LINKED_WITHIN;

/// A running herd to grade, and what herdctl can see of it.
pub struct Bench {
    pub herd: Arc<Herd>,
    /// Whether herdctl sees (and can cut) what the servers send each other: always for its own
    /// nodes, for a student's only where each server has a network namespace of its own.
    pub sees_messages: bool,
    /// Said once, above the table (why herdctl cannot see the servers' messages, where places
    /// come from).
    pub notes: Vec<String>,
    /// A student's servers (restarted all at once between checks), when they are graded.
    pub foreign: Option<Arc<ForeignHerd>>,
    /// Held (to write) by the storm guard from its cut to its heal: a check waits on it before
    /// it goes on, so that its next report is not sent while every link is cut.
    pub(super) calming: Arc<tokio::sync::RwLock<()>>,
}

impl Bench {
    pub fn new(herd: Arc<Herd>, foreign: Option<Arc<ForeignHerd>>, notes: Vec<String>) -> Self {
        let sees_messages = foreign.as_ref().is_none_or(|foreign| foreign.sees_messages());
        Self { herd, sees_messages, notes, foreign, calming: Arc::default() }
    }

    pub(super) fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }

    /// The topology's node names, in its order.
    pub(super) fn names(&self) -> Vec<NodeName> {
        self.herd.topology().names().to_vec()
    }

    /// Where `node` takes clients.
    pub(super) fn addr(&self, node: &str) -> SocketAddr {
        self.herd.client_addr(node).unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Starts one check from a reset herd, with a storm guard beside it; `None` (and the
    /// finding failed) when the herd did not come back whole.
    pub(super) async fn begin(&self, finding: &mut Finding) -> Option<storm::Guard> {
        self.reset().await;
        let down: Vec<String> =
            self.herd.status().into_iter().filter(|node| !node.up).map(|node| node.name.to_string()).collect();
        if down.is_empty() {
            return Some(storm::Guard::start(self));
        }
        finding.expect("every server up after a restart");
        finding.fail(format!("{} did not come back up after the herd was restarted", down.join(", ")));
        None
    }

    /// Waits until the herd is at rest before a check's next step: quiet, and no storm being
    /// calmed (a storm is never quiet; the guard cuts every link until it stops, and the step
    /// waits until the links are healed and quiet again).
    pub(super) async fn settle(&self) {
        self.herd.quiet(QUIET_WITHIN).await;
        drop(self.calming.read().await);
        self.herd.quiet(QUIET_WITHIN).await;
    }

    /// Ends a check: what the storm guard did is noted, the time taken written down.
    pub(super) async fn end(&self, finding: &mut Finding, guard: Option<storm::Guard>, started: Instant) {
        if let Some(guard) = guard {
            finding.notes.extend(guard.stop().await);
        }
        finding.seconds = started.elapsed().as_secs_f64();
    }

    /// A clean herd: every server restarted empty, every cut healed, and what the restart set
    /// moving come to rest (a student's servers connecting to each other as they start).
    async fn reset(&self) {
        match self.foreign {
            Some(_) => self.restart_all().await,
            None => self.herd.reset(LINKED_WITHIN).await,
        }
        self.herd.quiet(QUIET_WITHIN).await;
    }

    /// A student's herd restarted: every cut healed, every server killed and started again,
    /// all at once (one after another, Python's start-up would make each check take seconds).
    async fn restart_all(&self) {
        for (a, b) in self.herd.topology().links() {
            if self.herd.network().is_cut(&a, &b) {
                let _ = self.herd.heal(&a, &b);
            }
        }
        let names = self.names();
        join_all(names.iter().map(|name| self.herd.kill(name))).await;
        join_all(names.iter().map(|name| self.herd.revive(name))).await;
        self.herd.wait_linked(LINKED_WITHIN).await;
        // A server's front door opens a moment after the server listens: each is waited for.
        join_all(names.iter().map(|name| self.front_open(name))).await;
    }

    /// Waits (at most `LINKED_WITHIN`) until `node` takes connections.
    async fn front_open(&self, node: &str) {
        let deadline = tokio::time::Instant::now() + LINKED_WITHIN;
        while TcpStream::connect(self.addr(node)).await.is_err() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A connection to `node` that reaches its own port with every byte as written, past
    /// herdctl's front door (which passes a student's server only whole lines): for the checks
    /// of how a server reads.
    pub(super) async fn connect_direct(&self, node: &str) -> std::io::Result<TcpStream> {
        match &self.foreign {
            Some(foreign) => foreign.connect_direct(node).await,
            None => TcpStream::connect(self.addr(node)).await,
        }
    }
}
