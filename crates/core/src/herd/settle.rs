//! Waiting for the herd to show a change: every link up and caught up, the ends of the links an
//! operator's command changed, or any condition on the herd; and what a flood starting now could
//! use (`Live`).

use std::collections::HashSet;
use std::time::Duration;

use super::Herd;
use super::member::NodeStatus;
use crate::network::Mode;
use crate::topology::NodeName;

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

impl Herd {
    /// Which of this herd's nodes are down and which links are cut: what a flood starting now
    /// could use (a followed node that cannot be reached counts as down).
    pub fn live(&self) -> Live {
        Live {
            down: self.status().into_iter().filter(|n| !n.up).map(|n| n.name).collect(),
            cut: self
                .topology
                .links()
                .into_iter()
                .flat_map(|(a, b)| [(a.clone(), b.clone()), (b, a)])
                .filter(|(a, b)| self.network.is_cut_from(a, b))
                .collect(),
        }
    }

    /// Waits (at most `within`) until every link of every running node is up and caught up;
    /// returns whether they all did. Walkthroughs start (and resets end) on a settled herd, so
    /// that a record stored next is flooded, not carried by a catch-up still under way.
    pub async fn wait_linked(&self, within: Duration) -> bool {
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
    /// after a revive or a heal both ends are up and caught up.
    pub async fn wait_settled(&self, ends: &[(NodeName, NodeName)], within: Duration) -> bool {
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
        up && (self.network.mode() == Mode::Step || here.caught_up.iter().any(|n| &**n == neighbour))
    }

    /// Why each of this process's nodes that is not ready is not (see `LocalMember::unready`):
    /// empty when they all are.
    pub fn not_ready(&self) -> Vec<String> {
        self.locals.iter().filter_map(|local| local.unready(&self.network)).collect()
    }

    /// Waits (at most `within`) until `condition` holds, looking again after each event of the
    /// herd (every change of a cache or a link is one) and each report of a followed node;
    /// returns whether it came to hold.
    pub async fn wait_until(&self, within: Duration, condition: impl Fn(&Self) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        let mut events = self.subscribe();
        let mut reports = self.member_news();
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
}
