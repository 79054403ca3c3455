//! `HerdEvent`: the one record of what happened in the herd. Node log files, the console and
//! metrics all read the same events; publishing one never waits for any reader.

mod codec;
mod text;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::network::{Delay, Mode};
use crate::places::Origin;
use crate::protocol::Record;
use crate::topology::NodeName;

pub use codec::{CodecError, decode, encode, fault_word};

/// How many events a slow subscriber may fall behind before it starts losing them (and is told
/// how many it lost, by `broadcast::error::RecvError::Lagged`).
pub const BUS_CAPACITY: usize = 1 << 12;

/// Something that happened at one node.
#[derive(Clone, Debug, PartialEq)]
pub struct HerdEvent {
    pub at: SystemTime,
    pub node: NodeName,
    pub kind: EventKind,
}

/// Where a cached record came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// From a client's IAMAT at this node.
    Client,
    /// Flooded by this neighbour.
    Peer(NodeName),
}

#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// The node is listening: clients on `client`, neighbours on `peer`.
    NodeUp {
        client: SocketAddr,
        peer: SocketAddr,
    },
    /// The node was stopped (killed or shut down): its ports are closed.
    NodeDown,
    ClientOpened {
        addr: SocketAddr,
    },
    ClientClosed {
        addr: SocketAddr,
        reason: Arc<str>,
    },
    /// A line from a client, as received (bytes that are not UTF-8 shown as U+FFFD).
    ClientLine {
        addr: SocketAddr,
        line: Arc<str>,
    },
    /// The reply written for one client line.
    ClientReply {
        addr: SocketAddr,
        reply: Arc<str>,
    },
    /// This node's link to `neighbour` is connected and authenticated: records can flow.
    LinkUp {
        neighbour: NodeName,
    },
    LinkDown {
        neighbour: NodeName,
        reason: Arc<str>,
    },
    /// A connection attempt to `neighbour` failed for a reason worth telling (not just "refused").
    LinkFailed {
        neighbour: NodeName,
        reason: Arc<str>,
    },
    /// `neighbour` connected to this node's peer port and proved it holds the herd key.
    PeerAccepted {
        neighbour: NodeName,
        addr: SocketAddr,
    },
    PeerClosed {
        neighbour: NodeName,
        reason: Arc<str>,
    },
    /// A connection to the peer port that was refused (wrong key, not a neighbour, garbage).
    PeerRejected {
        addr: SocketAddr,
        reason: Arc<str>,
    },
    /// A record written to `to`; `hops` is the hop count it arrives with. `catch_up`: sent
    /// because a link came (back) up, or passed on after arriving that way, not by a flood.
    FloodSent {
        to: NodeName,
        record: Arc<Record>,
        hops: u32,
        catch_up: bool,
    },
    /// A record received from `from`, and what became of it.
    FloodReceived {
        from: NodeName,
        record: Arc<Record>,
        hops: u32,
        arrival: Arrival,
        catch_up: bool,
    },
    /// On (re)connecting to `to`, this node sent every record it knows.
    CatchUpSent {
        to: NodeName,
        records: usize,
    },
    /// A WHATSAT's places came from `source`.
    PlacesAnswered {
        source: Arc<str>,
        client: Arc<str>,
        status: Arc<str>,
        results: usize,
        origin: Origin,
        elapsed: Duration,
        /// Requests the source has made upstream so far.
        upstream_requests: u64,
    },
    /// The node's cache now holds `record` for its client.
    CacheUpdated {
        record: Arc<Record>,
        via: Via,
        hops: u32,
        catch_up: bool,
    },
    /// A transmission to `to` was never written: the operator dropped it (step mode), or a
    /// lossy link lost it.
    FloodDropped {
        to: NodeName,
        record: Arc<Record>,
        hops: u32,
        catch_up: bool,
        by_operator: bool,
    },
    /// A transmission to `to` waits at this node in step mode until the operator decides its
    /// fate (then it is `FloodSent`, once or twice, or `FloodDropped`).
    FloodHeld {
        to: NodeName,
        record: Arc<Record>,
        hops: u32,
        catch_up: bool,
    },
    /// The node took back the records it kept on disk (`--data-dir`) as it started.
    Restored {
        records: usize,
    },
    /// Something the operator should know and act on, not tied to one message: a limit lower
    /// than asked, a log that cannot be written.
    Warning {
        text: Arc<str>,
    },
    /// A foreign server (a student's, `--exec`) wrote a line of output (`stderr`: on its error
    /// stream).
    ServerSaid {
        line: Arc<str>,
        stderr: bool,
    },
    /// A foreign server's process ended: how (`exit status 1`, `killed by signal 9`), and the last
    /// lines it wrote.
    ServerExited {
        status: Arc<str>,
        last: Arc<str>,
    },
    /// A foreign server connected to `to`, which is not its neighbour in the topology.
    Stray {
        to: NodeName,
    },
    /// A foreign server sent `to` a line that is not an AT line (its own protocol's words).
    LineSent {
        to: NodeName,
        line: Arc<str>,
    },
    /// A node of another process answers on its control port: this console follows it.
    Attached {
        address: Arc<str>,
    },
    /// A followed node's control port cannot be reached: its state is unknown here.
    Unreachable {
        address: Arc<str>,
        reason: Arc<str>,
    },
    /// The operator cut the link to `neighbour` (both ends drop it and do not redial).
    LinkCut {
        neighbour: NodeName,
    },
    /// The operator cut this node's messages to `neighbour` only; the neighbour's still arrive.
    LinkCutOneWay {
        neighbour: NodeName,
    },
    /// The operator healed the link to `neighbour`.
    LinkHealed {
        neighbour: NodeName,
    },
    /// The operator healed this node's messages to `neighbour` (cut one way before).
    LinkHealedOneWay {
        neighbour: NodeName,
    },
    /// The operator set the link's extra latency (zero: none), maybe spread.
    LatencySet {
        neighbour: NodeName,
        delay: Delay,
    },
    /// The seed of the herd's random choices (herd-wide, at start): `--seed` replays them.
    Seeded {
        seed: u64,
    },
    /// The operator made the link lose a share of its messages (0: none).
    LossSet {
        neighbour: NodeName,
        percent: u32,
    },
    /// The operator switched how transmissions flow (herd-wide: published by `HERD`).
    ModeChanged {
        mode: Mode,
    },
    /// A walkthrough's caption (herd-wide), so that traces tell the story with the messages.
    Caption {
        text: Arc<str>,
    },
    /// A walkthrough's section begins (herd-wide).
    Section {
        title: Arc<str>,
    },
    /// A walkthrough's expectation was checked (herd-wide): whether it held, and what it found.
    Checked {
        held: bool,
        text: Arc<str>,
    },
    /// Every node restarted empty, every link healed and plain, counters at zero (herd-wide).
    Reset,
    /// How nodes pass new records on changed (herd-wide).
    StrategySet {
        strategy: crate::strategy::Strategy,
    },
    /// The herd is stopping (herd-wide): what follows is its nodes going down.
    ShuttingDown,
}

/// What became of a record that arrived from a neighbour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Newer than what the node knew: kept and passed on.
    New,
    /// The very record the node already had: dropped.
    Duplicate,
    /// Older than what the node knows: dropped.
    Stale,
}

impl Arrival {
    pub fn is_new(self) -> bool {
        self == Self::New
    }
}

/// What kind of fact an event is: the one place that says it. What is logged where, what a
/// trace keeps, what is published under a burst and how the console colours a line all follow
/// from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Client lines and replies, records sent and received, what a cache took, places answered,
    /// client connections: the herd at work, as much of it as there is.
    Traffic,
    /// A node's own links: up, down, failing, accepted, caught up.
    Link,
    /// A node itself: up, down, restored from disk, followed in another process or not.
    Node,
    /// What the operator (or the network's hand) did: cuts, heals, latency, loss, modes, strategy,
    /// resets, messages held or dropped, the seed of the random choices, the herd stopping.
    Fault,
    /// A walkthrough's story: captions, sections, checks.
    Story,
    /// Something to act on: a refused peer, a disk or limit in trouble.
    Warning,
}

impl EventKind {
    /// What kind of fact this is.
    pub fn class(&self) -> Class {
        match self {
            Self::ClientOpened { .. }
            | Self::ClientClosed { .. }
            | Self::ClientLine { .. }
            | Self::ClientReply { .. }
            | Self::FloodSent { .. }
            | Self::FloodReceived { .. }
            | Self::CacheUpdated { .. }
            | Self::PlacesAnswered { .. }
            | Self::ServerSaid { .. }
            | Self::LineSent { .. } => Class::Traffic,
            Self::LinkUp { .. }
            | Self::LinkDown { .. }
            | Self::LinkFailed { .. }
            | Self::PeerAccepted { .. }
            | Self::PeerClosed { .. }
            | Self::CatchUpSent { .. } => Class::Link,
            Self::NodeUp { .. }
            | Self::NodeDown
            | Self::Restored { .. }
            | Self::Attached { .. }
            | Self::Unreachable { .. }
            | Self::ServerExited { .. } => Class::Node,
            Self::LinkCut { .. }
            | Self::LinkCutOneWay { .. }
            | Self::LinkHealed { .. }
            | Self::LinkHealedOneWay { .. }
            | Self::LatencySet { .. }
            | Self::LossSet { .. }
            | Self::ModeChanged { .. }
            | Self::StrategySet { .. }
            | Self::Reset
            | Self::Seeded { .. }
            | Self::ShuttingDown
            | Self::FloodDropped { .. }
            | Self::FloodHeld { .. } => Class::Fault,
            Self::Caption { .. } | Self::Section { .. } | Self::Checked { .. } => Class::Story,
            Self::Warning { .. } | Self::PeerRejected { .. } | Self::Stray { .. } => Class::Warning,
        }
    }

    /// Traffic a trace keeps: the messages themselves (client lines and replies, records sent
    /// and received, a client's record taken), not the connections around them or a neighbour's
    /// record stored (its arrival, marked new, says it).
    pub fn is_message(&self) -> bool {
        matches!(
            self,
            Self::ClientLine { .. }
                | Self::ClientReply { .. }
                | Self::FloodSent { .. }
                | Self::FloodReceived { .. }
                | Self::LineSent { .. }
                | Self::CacheUpdated { via: Via::Client, .. }
        )
    }

    /// Events a trace keeps: every message, and everything that is not traffic.
    pub fn is_traced(&self) -> bool {
        self.class() != Class::Traffic || self.is_message()
    }

    /// Events every reader must see, however busy the herd: everything but traffic, which is
    /// published within a budget.
    pub fn always_published(&self) -> bool {
        self.class() != Class::Traffic
    }

    /// Events that say something about the herd's health (logged at `info`); traffic and the
    /// story are logged at `debug`.
    pub fn is_notable(&self) -> bool {
        !matches!(self.class(), Class::Traffic | Class::Story)
    }
}
