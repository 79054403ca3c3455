//! The peer protocol: how neighbours prove they hold the herd key, pass records to each other
//! and catch up after a break. Described for humans in `docs/PEER_PROTOCOL.md`.
//!
//! Links never see the node they belong to: they get a `Local`, the narrow handle of what a link
//! needs (who it is, the key, the events, the network, when to stop) and the node's `Records`
//! (read a page for catch-up, learn a record). Dependencies point one way: `node` uses `peer`.

mod handshake;
pub(crate) mod inbound;
pub(crate) mod link;
mod linked;
mod refusals;
pub mod wire;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

pub use handshake::Agreement;
pub use linked::Linked;
pub use refusals::Refusals;

use crate::cache::{Entry, PageStart};
use crate::network::Network;
use crate::protocol::Record;
use crate::sink::EventSink;
use crate::strategy::Carried;
use crate::topology::{NodeName, SharedTopology};

impl Local {
    /// What this node's neighbours must agree with now: its topology, and the strategy in force.
    pub fn agreement(&self) -> handshake::Agreement {
        handshake::Agreement { topology: self.topology_digest.clone(), strategy: self.network.strategy().to_string() }
    }
}

/// What a link (either end) needs of the node it belongs to, and nothing more.
pub struct Local {
    pub name: NodeName,
    /// The herd key, and whether links are sealed (encrypted) or plain (`--plain-links`).
    pub terms: crate::secure::Terms,
    pub topology: SharedTopology,
    pub events: EventSink,
    pub network: Arc<Network>,
    /// Cancelled when the node stops: every link ends.
    pub token: CancellationToken,
    pub records: Arc<dyn Records>,
    /// Refused peer connections, so that one that keeps coming is logged once.
    pub refusals: Refusals,
    /// The neighbours linked to this node now: one connection each.
    pub linked: Linked,
    /// `topology`'s digest, which neighbours must share (worked out once).
    pub topology_digest: String,
}

/// The node's records, as its links read and add to them.
pub trait Records: Send + Sync {
    /// A page of what the node knows, in client order (catch-up streams the cache this way).
    fn page(&self, start: &PageStart, count: usize) -> Vec<Entry>;
    /// A record arrived from `from`: keep it if it is newer and pass it on; drop it if not.
    /// `carried` says how it came: in a catch-up exchange (and so passed on as such), or marked
    /// to be flooded on whatever the strategy's routes (one upstream fell back to flooding).
    fn learn(&self, record: Arc<Record>, hops: u32, from: &NodeName, carried: Carried);
}
