//! A trace's events as a diagram draws them: one entry a message, fault or caption, with what
//! its arrow or its line needs (the other node, the record, hops, how it arrived).

use std::collections::{HashMap, VecDeque};
use std::time::SystemTime;

use herdctl_core::event::{Arrival, EventKind, HerdEvent, Via, fault_word};
use herdctl_core::topology::NodeName;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    ClientIn,
    ClientOut,
    PeerSend,
    PeerReceive,
    /// Something the operator did or that happened to a node: kill, revive, cut, heal, latency,
    /// a change of mode, a reset.
    Fault,
    /// A walkthrough's caption: the story told beside the messages.
    Caption,
    /// A walkthrough's section begins.
    Section,
    /// A walkthrough's expectation, checked: `value` says `held` or `failed`.
    Expectation,
    /// A peer transmission held at its sender (step mode) until the operator decides its fate.
    Held,
    /// A node's cache took a client's own IAMAT (records from neighbours are the `PeerReceive`s
    /// that arrived new): with these, a replay rebuilds every cache.
    Learned,
}

#[derive(Clone, Debug)]
pub struct Row {
    pub at: SystemTime,
    pub node: NodeName,
    pub kind: Kind,
    /// The other node of a peer message (or of a link fault).
    pub peer: Option<NodeName>,
    /// The client a peer message is about, the client line, or what the fault was.
    pub text: String,
    /// The whole AT line of a peer message: what matches a receive to its send.
    pub record: Option<String>,
    pub hops: Option<u32>,
    /// For a received record: new, duplicate or stale.
    pub arrival: Option<Arrival>,
    /// For a peer message: part of a catch-up exchange rather than a flood.
    pub catch_up: Option<bool>,
    /// For a fault: which, as a word a program can match (docs/TRACE.md lists them).
    pub fault: Option<&'static str>,
    /// For a client line or reply, the client's address.
    pub addr: Option<String>,
    /// For a fault that sets something, what it set, as the command line writes it: a latency
    /// (`100ms±40ms`), a loss (`20`, percent), a mode (`step`, `live`, `slow 500ms`), a seed.
    pub value: Option<String>,
}

impl Row {
    /// Whether a diagram draws it: a held transmission shows as its later send, a client's
    /// record as its IAMAT, and links coming and going as the messages that cross them.
    pub fn is_drawn(&self) -> bool {
        !matches!(self.kind, Kind::Held | Kind::Learned) && !matches!(self.fault, Some("link_up" | "link_down"))
    }

    /// Whether it is the herd beginning to stop: what follows (links and nodes going down) is
    /// the end of the process, not part of the story a figure tells.
    pub fn is_shutdown(&self) -> bool {
        self.fault == Some("shutdown")
    }

    /// The entry a diagram draws for `event`; `None` for what it does not draw.
    pub fn of(event: &HerdEvent) -> Option<Row> {
        let fault = |peer: Option<NodeName>| Row {
            at: event.at,
            node: event.node.clone(),
            kind: Kind::Fault,
            peer,
            text: event.kind.to_string(),
            fault: fault_word(&event.kind),
            value: fault_value(&event.kind),
            addr: None,
            record: None,
            hops: None,
            arrival: None,
            catch_up: None,
        };
        let message = |kind, peer, text: String| Row {
            at: event.at,
            node: event.node.clone(),
            kind,
            peer,
            text,
            fault: None,
            value: None,
            addr: None,
            record: None,
            hops: None,
            arrival: None,
            catch_up: None,
        };
        Some(match &event.kind {
            EventKind::ClientLine { line, addr } => {
                Row { addr: Some(addr.to_string()), ..message(Kind::ClientIn, None, line.to_string()) }
            }
            EventKind::ClientReply { reply, addr } => Row {
                addr: Some(addr.to_string()),
                ..message(Kind::ClientOut, None, reply.lines().next().unwrap_or_default().to_string())
            },
            EventKind::FloodSent { to, record, hops, catch_up } => Row {
                record: Some(record.line().to_string()),
                hops: Some(*hops),
                catch_up: Some(*catch_up),
                ..message(Kind::PeerSend, Some(to.clone()), record.client().to_string())
            },
            EventKind::FloodReceived { from, record, hops, arrival, catch_up } => Row {
                record: Some(record.line().to_string()),
                hops: Some(*hops),
                arrival: Some(*arrival),
                catch_up: Some(*catch_up),
                ..message(Kind::PeerReceive, Some(from.clone()), record.client().to_string())
            },
            EventKind::NodeUp { .. }
            | EventKind::NodeDown
            | EventKind::ModeChanged { .. }
            | EventKind::Reset
            | EventKind::ShuttingDown
            | EventKind::StrategySet { .. } => fault(None),
            EventKind::Caption { text } => Row { kind: Kind::Caption, text: text.to_string(), ..fault(None) },
            EventKind::Seeded { .. } => fault(None),
            EventKind::Section { title } => Row { kind: Kind::Section, text: title.to_string(), ..fault(None) },
            EventKind::Checked { held, text } => Row {
                kind: Kind::Expectation,
                text: text.to_string(),
                value: Some(if *held { "held" } else { "failed" }.to_string()),
                ..fault(None)
            },
            EventKind::LinkCut { neighbour }
            | EventKind::LinkCutOneWay { neighbour }
            | EventKind::LinkHealed { neighbour }
            | EventKind::LinkHealedOneWay { neighbour } => fault(Some(neighbour.clone())),
            EventKind::LatencySet { neighbour, .. } | EventKind::LossSet { neighbour, .. } => {
                fault(Some(neighbour.clone()))
            }
            EventKind::FloodDropped { to, record, hops, catch_up, .. } => Row {
                record: Some(record.line().to_string()),
                hops: Some(*hops),
                catch_up: Some(*catch_up),
                ..fault(Some(to.clone()))
            },
            EventKind::LinkUp { neighbour } | EventKind::LinkDown { neighbour, .. } => fault(Some(neighbour.clone())),
            EventKind::FloodHeld { to, record, hops, catch_up } => Row {
                record: Some(record.line().to_string()),
                hops: Some(*hops),
                catch_up: Some(*catch_up),
                ..message(Kind::Held, Some(to.clone()), record.client().to_string())
            },
            EventKind::CacheUpdated { record, via: Via::Client, hops, catch_up } => Row {
                record: Some(record.line().to_string()),
                hops: Some(*hops),
                catch_up: Some(*catch_up),
                ..message(Kind::Learned, None, record.client().to_string())
            },
            _ => return None,
        })
    }
}

/// What a fault set, as the command line writes it (`value` in the trace).
fn fault_value(kind: &EventKind) -> Option<String> {
    Some(match kind {
        EventKind::LatencySet { delay, .. } => delay.to_string(),
        EventKind::LossSet { percent, .. } => percent.to_string(),
        EventKind::ModeChanged { mode } => mode.to_string(),
        EventKind::Seeded { seed } => seed.to_string(),
        EventKind::StrategySet { strategy } => strategy.to_string(),
        _ => return None,
    })
}

/// Pairs each receive with its send: the oldest unmatched send of the same record over the same
/// link (TCP keeps a link's order). One pass with a map: linear in the trace's length.
pub fn pairs<'a>(entries: impl IntoIterator<Item = &'a Row>) -> HashMap<usize, usize> {
    let mut unmatched: HashMap<(&str, &str, &str), VecDeque<usize>> = HashMap::new();
    let mut arrivals = HashMap::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let (Some(peer), Some(record)) = (entry.peer.as_deref(), entry.record.as_deref()) else { continue };
        match entry.kind {
            Kind::PeerSend => unmatched.entry((&*entry.node, peer, record)).or_default().push_back(i),
            Kind::PeerReceive => {
                if let Some(send) = unmatched.get_mut(&(peer, &*entry.node, record)).and_then(VecDeque::pop_front) {
                    arrivals.insert(send, i);
                }
            }
            _ => {}
        }
    }
    arrivals
}
