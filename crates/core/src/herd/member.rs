//! One node as the supervisor sees it, wherever it runs: a node of this process, or one in
//! another process followed through its control port (the control crate's follower). The herd asks
//! the same of both and never asks which it is.

use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::HerdError;
use crate::cache::{Entry, PageStart};
use crate::network::{Delay, Fate, Held, Mode, Network};
use crate::sink::EventSink;
use crate::topology::{NodeName, SharedTopology};

/// What the console (or a test) sees of one node.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeStatus {
    pub name: NodeName,
    pub up: bool,
    pub client_addr: SocketAddr,
    pub peer_addr: SocketAddr,
    /// How many clients the node knows (0 while it is down: a dead node remembers nothing).
    pub clients: usize,
    /// Each neighbour, and whether this node's link to it is up.
    pub links: Vec<(NodeName, bool)>,
    /// The neighbours this node's link has caught up (up, and everything it knew sent).
    pub caught_up: Vec<NodeName>,
    /// Whether the herd knows the node's state: `false` for a followed node whose control port
    /// cannot be reached (unreachable, which is not down).
    pub reachable: bool,
}

/// A node's running totals (kept across kill and revive, and while a followed node is
/// unreachable: its last report).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Client lines in and records sent to neighbours.
    pub messages: u64,
    /// Flooded records dropped on arrival as duplicates.
    pub duplicates: u64,
    /// Writes of records to neighbours (records sharing a write count once).
    pub transmissions: u64,
    /// Traffic events held back from the bus, or lost on their way to this process.
    pub unpublished: u64,
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, other: Self) {
        self.messages += other.messages;
        self.duplicates += other.duplicates;
        self.transmissions += other.transmissions;
        self.unpublished += other.unpublished;
    }
}

/// A change the operator makes to one node's side of the network. A node of this process reads
/// the herd's network, which the herd has already changed; a followed node changes its own.
#[derive(Clone, Debug, PartialEq)]
pub enum Steer {
    /// This node's messages to the neighbour are lost (its side of a cut).
    CutFrom(NodeName),
    /// This node's messages to the neighbour flow again.
    HealFrom(NodeName),
    /// Extra delay on the link to the neighbour (zero removes it).
    Delay(NodeName, Delay),
    /// The share of messages the link to the neighbour loses, in percent (0 removes it).
    Loss(NodeName, u32),
    /// How transmissions flow.
    Mode(Mode),
    /// A transmission this node holds in step mode goes with this fate (the node's own id).
    Release(u64, Fate),
}

impl Steer {
    /// Carries out the change for a member that reads the herd's own `network`, which already
    /// holds every change but a release: a release lets go of a transmission the member holds
    /// there.
    pub fn on_shared(self, network: &Network) -> Result<(), HerdError> {
        match self {
            Self::Release(id, fate) => network.decide(id, fate).map(|_| ()).ok_or(HerdError::Gone),
            _ => Ok(()),
        }
    }
}

/// The text form, as the control port carries it (`CUT-FROM Jaquez`, `DELAY Jaquez 100ms±40ms`,
/// `MODE slow 500ms`, `RELEASE 7 dup`).
impl std::fmt::Display for Steer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CutFrom(neighbour) => write!(f, "CUT-FROM {neighbour}"),
            Self::HealFrom(neighbour) => write!(f, "HEAL-FROM {neighbour}"),
            Self::Delay(neighbour, delay) => write!(f, "DELAY {neighbour} {delay}"),
            Self::Loss(neighbour, percent) => write!(f, "LOSS {neighbour} {percent}"),
            Self::Mode(mode) => write!(f, "MODE {mode}"),
            Self::Release(id, fate) => write!(f, "RELEASE {id} {}", fate.verb()),
        }
    }
}

/// Why a text is not a change of the network.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotASteer(String);

impl std::str::FromStr for Steer {
    type Err = NotASteer;

    fn from_str(text: &str) -> Result<Self, NotASteer> {
        let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
        let neighbour = || -> Result<(NodeName, &str), NotASteer> {
            let (name, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            match name.is_empty() {
                true => Err(NotASteer(format!("{verb} needs a neighbour"))),
                false => Ok((NodeName::from(name), rest)),
            }
        };
        Ok(match verb {
            "CUT-FROM" => Self::CutFrom(neighbour()?.0),
            "HEAL-FROM" => Self::HealFrom(neighbour()?.0),
            "DELAY" => {
                // A delay may have spaces (`1s 500ms`): the rest of the line.
                let (neighbour, delay) = neighbour()?;
                let delay = Delay::read(delay).map_err(|error| NotASteer(error.to_string()))?;
                Self::Delay(neighbour, delay)
            }
            "LOSS" => {
                let (neighbour, percent) = neighbour()?;
                let percent = percent.parse().ok().filter(|p| *p <= 100);
                Self::Loss(neighbour, percent.ok_or_else(|| NotASteer("LOSS needs 0 to 100".into()))?)
            }
            "MODE" => Self::Mode(rest.parse().map_err(|error: crate::network::NotAMode| NotASteer(error.to_string()))?),
            "RELEASE" => {
                let (id, verb) = rest.split_once(' ').unwrap_or((rest, "deliver"));
                let id = id.parse().map_err(|_| NotASteer("RELEASE needs a held message's id".into()))?;
                let fate = Fate::from_verb(verb).ok_or_else(|| NotASteer(format!("{verb:?}: deliver, drop or dup")))?;
                Self::Release(id, fate)
            }
            _ => return Err(NotASteer(format!("unknown change {verb:?}"))),
        })
    }
}

/// One node of the herd, as the supervisor steers it.
pub trait Member: Send + Sync {
    fn name(&self) -> &NodeName;
    fn status(&self) -> NodeStatus;
    fn totals(&self) -> Totals;
    /// Where the node takes clients.
    fn client_addr(&self) -> SocketAddr;
    /// A page of its cache, in client ID order (never the whole cache).
    fn page(&self, start: &PageStart, count: usize) -> Result<Vec<Entry>, HerdError>;
    /// What it knows of one client, with how it got there.
    fn entry(&self, client: &str) -> Result<Option<Entry>, HerdError>;
    /// Its transmissions held in step mode (its own ids).
    fn held(&self) -> Vec<Held>;
    /// Stops it as if its process died; done once its ports are closed.
    fn kill(&self) -> BoxFuture<'static, Result<(), HerdError>>;
    /// Starts it again on the same ports; its links reconnect and catch it up.
    fn revive(&self) -> BoxFuture<'static, Result<(), HerdError>>;
    /// Makes a change to its side of the network.
    fn steer(&self, change: Steer) -> BoxFuture<'static, Result<(), HerdError>>;
    /// What it has on its way between nodes of this process, for the herd's quiet (a node
    /// followed elsewhere has nothing here: its links are in its own process).
    fn in_motion(&self) -> usize {
        0
    }
    /// Sets its running totals back to zero (the herd is reset). A node followed elsewhere keeps
    /// its own.
    fn forget_totals(&self) {}
    /// Whether its links catch it up when they come back (herdctl's nodes do; a student's
    /// server does only if its code does, which herdctl cannot promise).
    fn catches_up(&self) -> bool {
        true
    }
}

/// What the herd gives a node it follows in another process: where its events go, where its
/// news is told, the network that shows its cuts, its topology, and when to stop.
pub struct Following {
    pub topology: SharedTopology,
    pub events: EventSink,
    /// Bumped whenever the followed node reports a new status: the herd's waits look again.
    pub news: Arc<tokio::sync::watch::Sender<u64>>,
    pub network: Arc<Network>,
    pub token: tokio_util::sync::CancellationToken,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_reads_back_as_it_is_written() {
        let jaquez = NodeName::from("Jaquez");
        for change in [
            Steer::CutFrom(jaquez.clone()),
            Steer::HealFrom(jaquez.clone()),
            Steer::Delay(jaquez.clone(), Delay::parse("1s 500ms").unwrap()),
            Steer::Delay(jaquez.clone(), Delay::parse("100ms±40ms").unwrap()),
            Steer::Loss(jaquez, 20),
            Steer::Mode(Mode::Slow(std::time::Duration::from_millis(500))),
            Steer::Mode(Mode::Step),
            Steer::Release(7, Fate::Duplicate),
        ] {
            assert_eq!(change.to_string().parse::<Steer>(), Ok(change.clone()), "{change}");
        }
        assert_eq!("RELEASE 7".parse::<Steer>(), Ok(Steer::Release(7, Fate::Deliver)));
        assert!("LOSS Jaquez 101".parse::<Steer>().is_err());
        assert!("CUT-FROM".parse::<Steer>().unwrap_err().to_string().contains("needs a neighbour"));
        assert!("JUMP".parse::<Steer>().is_err());
    }
}
