//! The herd a grade runs on, and the frame of every check: a reset herd before it, a storm guard
//! beside it, its time taken.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use herdctl_core::herd::Herd;
use herdctl_core::topology::NodeName;

use super::{Finding, QUIET_WITHIN, storm};
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
}

impl Bench {
    pub fn new(herd: Arc<Herd>, sees_messages: bool, notes: Vec<String>) -> Self {
        Self { herd, sees_messages, notes }
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
        self.herd.reset(LINKED_WITHIN).await;
        self.herd.quiet(QUIET_WITHIN).await;
    }
}
