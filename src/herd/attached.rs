//! The nodes a herd follows in other processes (`herdctl --attach`): attaching to their control
//! ports, their status and held transmissions beside this process's, and the operator's
//! requests steered to them.

use std::net::SocketAddr;
use std::sync::Arc;

use super::{Herd, HerdError, NodeStatus, resolve, unspecified};
use crate::control::remote::RemoteNode;
use crate::event::{EventKind, EventSink};
use crate::network::{Fate, Held};
use crate::topology::NodeName;

impl Herd {
    /// Changes whenever an attached node reports a new status: a console redraws then (a report
    /// is not an event).
    pub fn attached_news(&self) -> tokio::sync::watch::Receiver<u64> {
        self.remote_news.subscribe()
    }

    /// What an attached node said of itself last (unreachable: nothing known).
    pub(super) fn remote_status(&self, remote: &RemoteNode) -> NodeStatus {
        let name = remote.name().clone();
        let (client_addr, peer_addr) = self.advertised(&name);
        match remote.status() {
            Some(status) => NodeStatus {
                up: status.up,
                client_addr,
                peer_addr,
                clients: status.clients,
                links: status.links,
                caught_up: status.caught_up,
                reachable: true,
                name,
            },
            None => NodeStatus {
                up: false,
                client_addr,
                peer_addr,
                clients: 0,
                links: self.topology.neighbours(&name).into_iter().map(|n| (n, false)).collect(),
                caught_up: Vec::new(),
                reachable: false,
                name,
            },
        }
    }

    /// Where a node of the topology is reached: its advertised host and ports, looked up now
    /// (unspecified when the name does not resolve).
    pub(super) fn advertised(&self, name: &str) -> (SocketAddr, SocketAddr) {
        let Some(spec) = self.topology.node(name) else { return (unspecified(0), unspecified(0)) };
        let find = |port| resolve(&spec.host, port).ok().flatten().unwrap_or(unspecified(port));
        (find(spec.port), find(spec.peer_port))
    }

    /// Follows and steers the nodes `names`, which run in other processes, through their
    /// control ports (`control_port` in the topology): their events join this herd's, their
    /// state and caches are mirrored here, and the operator's commands reach them.
    pub fn attach(&self, names: &[NodeName], terms: crate::secure::Terms) -> Result<(), HerdError> {
        let mut followed = Vec::new();
        for name in names {
            let spec = self.topology.node(name).ok_or_else(|| HerdError::NotAMember(name.to_string()))?;
            let port = spec.control_port.filter(|port| *port != 0).ok_or_else(|| HerdError::NoControlPort {
                node: name.to_string(),
                source_name: self.topology.source().to_string(),
            })?;
            followed.push((name.clone(), format!("{}:{port}", spec.host)));
        }
        let mut remotes = self.remotes.lock().unwrap_or_else(|p| p.into_inner());
        for (name, address) in followed {
            let sink = EventSink::new(name.clone(), self.bus.clone(), None, self.trace.as_ref().map(|t| t.ring()));
            let topology = self.topology.clone();
            let (news, token, network) = (self.remote_news.clone(), self.root.child_token(), self.network.clone());
            remotes.push(RemoteNode::follow(name, address, terms.clone(), (topology, sink, news, network), token));
        }
        Ok(())
    }

    pub(super) fn remotes(&self) -> Vec<Arc<RemoteNode>> {
        self.remotes.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(super) fn remote(&self, name: &str) -> Option<Arc<RemoteNode>> {
        self.remotes.lock().unwrap_or_else(|p| p.into_inner()).iter().find(|r| &**r.name() == name).cloned()
    }

    /// Transmissions held in step mode, here and at attached nodes (whose ids are told apart
    /// from this process's by `ATTACHED_IDS`), oldest first here, then each attached node's.
    pub fn held(&self) -> Vec<Held> {
        let mut held = self.network.held();
        for (index, remote) in self.remotes().iter().enumerate() {
            held.extend(remote.held().into_iter().map(|h| Held { id: attached_id(index, h.id), ..h }));
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
        if id < ATTACHED_IDS {
            return self.network.decide(id, fate);
        }
        let remote = self.remotes().get((id / ATTACHED_IDS - 1) as usize)?.clone();
        let own = id % ATTACHED_IDS;
        let held = remote.held().into_iter().find(|h| h.id == own).map(|h| Held { id, ..h })?;
        let (events, steering) = (self.events.clone(), self.steering.clone());
        steering.send_modify(|pending| *pending += 1);
        tokio::spawn(async move {
            if let Err(error) = remote.decide(own, fate).await {
                let text = format!("{} did not let its held message go: {error}", remote.name());
                events.emit(EventKind::Warning { text: text.into() });
            }
            steering.send_modify(|pending| *pending -= 1);
        });
        Some(held)
    }

    /// The first held transmission (in release order) from `from` to `to`, of `client`'s record
    /// if one is named, wherever it waits.
    pub fn find_held(&self, from: &str, to: &str, client: Option<&str>) -> Option<Held> {
        self.held()
            .into_iter()
            .filter(|h| &*h.from == from && &*h.to == to && client.is_none_or(|client| &*h.client == client))
            .min_by(|a, b| a.order().cmp(&b.order()))
    }

    /// Sends an operator's request to `node` if it is attached (nothing for a node of this
    /// process, whose network the caller already changed). A refusal is told as a warning.
    pub(super) fn steer(&self, node: &str, request: String) {
        let Some(remote) = self.remote(node) else { return };
        let (events, steering) = (self.events.clone(), self.steering.clone());
        steering.send_modify(|pending| *pending += 1);
        tokio::spawn(async move {
            if let Err(error) = remote.request(request.clone()).await {
                let text = format!("{} did not take {request:?}: {error}", remote.name());
                events.emit(EventKind::Warning { text: text.into() });
            }
            steering.send_modify(|pending| *pending -= 1);
        });
    }

    /// Waits until every request sent to attached nodes so far has been answered (each is
    /// answered or fails within seconds): then a cut holds at both ends, a mode is everywhere.
    pub async fn steered(&self) {
        let mut pending = self.steering.subscribe();
        let _ = pending.wait_for(|pending| *pending == 0).await;
    }
}

/// Held transmissions of attached node *i* are numbered from `(i + 1) × ATTACHED_IDS`, above any
/// id this process gives out.
const ATTACHED_IDS: u64 = 1 << 40;

fn attached_id(index: usize, own: u64) -> u64 {
    (index as u64 + 1) * ATTACHED_IDS + own
}
