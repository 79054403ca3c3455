//! One event as one line of JSON: the format of a trace's entries (docs/TRACE.md), which a replay
//! reads back and the control port streams to an attached console. Every kind of event has its
//! line, and reads back as the very event it was (`decode(encode(e)) == e`, tested for each).
//!
//! The format is `herdctl-trace/1`'s: lines written before a kind or a field was added still read
//! (a node's addresses and a link's reason are taken from the words then), and a kind this
//! version does not know is skipped, not refused, so that a newer herdctl's trace still replays.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::{Arrival, EventKind, HerdEvent, Via};
use crate::network::{Delay, Mode};
use crate::places::Origin;
use crate::protocol::Record;
use crate::strategy::Strategy;
use crate::topology::NodeName;

/// Why a line is not an event.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("not a JSON object of a trace entry: {0}")]
    NotJson(String),
    #[error("no \"{0}\"")]
    Missing(&'static str),
    #[error("\"{field}\" is {value:?}, which is not {what}")]
    Invalid { field: &'static str, value: String, what: &'static str },
}

/// A line as written: borrowed from its event, serialized straight into the output (no map of
/// values built per line, which a node's stream of events would pay for).
#[derive(Default, Serialize, Deserialize)]
struct Line<'a> {
    t: f64,
    #[serde(borrow)]
    node: Cow<'a, str>,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    peer: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    fault: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    value: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    addr: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    peer_addr: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    record: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hops: Option<u32>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    arrival: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fresh: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    catch_up: Option<bool>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    reason: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    origin: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    elapsed: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upstream: Option<u64>,
}

/// A fault's word (`"fault": "cut"`): what happened to a node or a link.
pub fn fault_word(kind: &EventKind) -> Option<&'static str> {
    Some(match kind {
        EventKind::NodeUp { .. } => "node_up",
        EventKind::NodeDown => "node_down",
        EventKind::LinkUp { .. } => "link_up",
        EventKind::LinkDown { .. } => "link_down",
        EventKind::LinkCut { .. } => "cut",
        EventKind::LinkCutOneWay { .. } => "cut_one_way",
        EventKind::LinkHealed { .. } => "heal",
        EventKind::LinkHealedOneWay { .. } => "heal_one_way",
        EventKind::LatencySet { .. } => "latency",
        EventKind::LossSet { .. } => "loss",
        EventKind::ModeChanged { .. } => "mode",
        EventKind::Reset => "reset",
        EventKind::ShuttingDown => "shutdown",
        EventKind::StrategySet { .. } => "strategy",
        EventKind::Seeded { .. } => "seed",
        EventKind::FloodDropped { by_operator: true, .. } => "dropped",
        EventKind::FloodDropped { by_operator: false, .. } => "lost",
        _ => return None,
    })
}

fn origin_word(origin: Origin) -> &'static str {
    match origin {
        Origin::Local => "local",
        Origin::Upstream => "upstream",
        Origin::Cached => "cached",
        Origin::Shared => "shared",
    }
}

fn arrival_word(arrival: Arrival) -> &'static str {
    match arrival {
        Arrival::New => "new",
        Arrival::Duplicate => "duplicate",
        Arrival::Stale => "stale",
    }
}

/// The line of `event`, `t` counted from `started`, appended to `out` (its JSON, no newline).
pub fn encode(event: &HerdEvent, started: SystemTime, out: &mut Vec<u8>) {
    let t = event.at.duration_since(started).unwrap_or_default().as_secs_f64();
    let word = |text: &'static str| Cow::Borrowed(text);
    let name = |name: &NodeName| Some(Cow::Owned(name.to_string()));
    let mut line = Line { t, node: Cow::Borrowed(&event.node), ..Line::default() };
    let message = |line: &mut Line, record: &Arc<Record>, hops: u32, catch_up: bool| {
        line.text = Cow::Owned(record.client().to_string());
        line.record = Some(Cow::Owned(record.line().to_string()));
        line.hops = Some(hops);
        line.catch_up = Some(catch_up);
    };
    if let Some(fault) = fault_word(&event.kind) {
        line.kind = word("fault");
        line.fault = Some(word(fault));
        line.text = Cow::Owned(event.kind.to_string());
    }
    match &event.kind {
        EventKind::NodeUp { client, peer } => {
            line.addr = Some(Cow::Owned(client.to_string()));
            line.peer_addr = Some(Cow::Owned(peer.to_string()));
        }
        EventKind::ClientOpened { addr } => {
            line.kind = word("client_opened");
            line.addr = Some(Cow::Owned(addr.to_string()));
        }
        EventKind::ClientClosed { addr, reason } => {
            line.kind = word("client_closed");
            line.addr = Some(Cow::Owned(addr.to_string()));
            line.reason = Some(Cow::Borrowed(reason));
        }
        EventKind::ClientLine { addr, line: text } => {
            line.kind = word("client_in");
            line.addr = Some(Cow::Owned(addr.to_string()));
            line.text = Cow::Borrowed(text);
        }
        EventKind::ClientReply { addr, reply } => {
            line.kind = word("client_out");
            line.addr = Some(Cow::Owned(addr.to_string()));
            line.text = Cow::Borrowed(reply);
        }
        EventKind::LinkUp { neighbour }
        | EventKind::LinkCut { neighbour }
        | EventKind::LinkCutOneWay { neighbour }
        | EventKind::LinkHealed { neighbour }
        | EventKind::LinkHealedOneWay { neighbour } => line.peer = name(neighbour),
        EventKind::LinkDown { neighbour, reason } => {
            line.peer = name(neighbour);
            line.reason = Some(Cow::Borrowed(reason));
        }
        EventKind::LinkFailed { neighbour, reason } => {
            line.kind = word("link_failed");
            line.peer = name(neighbour);
            line.reason = Some(Cow::Borrowed(reason));
        }
        EventKind::PeerAccepted { neighbour, addr } => {
            line.kind = word("peer_accepted");
            line.peer = name(neighbour);
            line.addr = Some(Cow::Owned(addr.to_string()));
        }
        EventKind::PeerClosed { neighbour, reason } => {
            line.kind = word("peer_closed");
            line.peer = name(neighbour);
            line.reason = Some(Cow::Borrowed(reason));
        }
        EventKind::PeerRejected { addr, reason } => {
            line.kind = word("peer_rejected");
            line.addr = Some(Cow::Owned(addr.to_string()));
            line.reason = Some(Cow::Borrowed(reason));
        }
        EventKind::FloodSent { to, record, hops, catch_up } => {
            line.kind = word("peer_send");
            line.peer = name(to);
            message(&mut line, record, *hops, *catch_up);
        }
        EventKind::FloodReceived { from, record, hops, arrival, catch_up } => {
            line.kind = word("peer_receive");
            line.peer = name(from);
            message(&mut line, record, *hops, *catch_up);
            line.arrival = Some(word(arrival_word(*arrival)));
            line.fresh = Some(arrival.is_new());
        }
        EventKind::FloodHeld { to, record, hops, catch_up } => {
            line.kind = word("held");
            line.peer = name(to);
            message(&mut line, record, *hops, *catch_up);
        }
        EventKind::FloodDropped { to, record, hops, catch_up, .. } => {
            let said = std::mem::take(&mut line.text);
            line.peer = name(to);
            message(&mut line, record, *hops, *catch_up);
            line.text = said;
        }
        EventKind::CacheUpdated { record, via, hops, catch_up } => {
            line.kind = word(if *via == Via::Client { "learned" } else { "stored" });
            if let Via::Peer(from) = via {
                line.peer = name(from);
            }
            message(&mut line, record, *hops, *catch_up);
        }
        EventKind::CatchUpSent { to, records } => {
            line.kind = word("catch_up");
            line.peer = name(to);
            line.count = Some(*records as u64);
        }
        EventKind::PlacesAnswered { source, client, status, results, origin, elapsed, upstream_requests } => {
            line.kind = word("places");
            line.text = Cow::Borrowed(client);
            line.source = Some(Cow::Borrowed(source));
            line.status = Some(Cow::Borrowed(status));
            line.count = Some(*results as u64);
            line.origin = Some(word(origin_word(*origin)));
            line.elapsed = Some(elapsed.as_secs_f64());
            line.upstream = Some(*upstream_requests);
        }
        EventKind::Restored { records } => {
            line.kind = word("restored");
            line.count = Some(*records as u64);
        }
        EventKind::Warning { text } => {
            line.kind = word("warning");
            line.text = Cow::Borrowed(text);
        }
        EventKind::ServerSaid { line: said, stderr } => {
            line.kind = word(if *stderr { "server_stderr" } else { "server_said" });
            line.text = Cow::Borrowed(said);
        }
        EventKind::ServerExited { status, last } => {
            line.kind = word("server_exited");
            line.status = Some(Cow::Borrowed(status));
            line.text = Cow::Borrowed(last);
        }
        EventKind::Stray { to } => {
            line.kind = word("stray");
            line.peer = name(to);
        }
        EventKind::LineSent { to, line: sent } => {
            line.kind = word("line_sent");
            line.peer = name(to);
            line.text = Cow::Borrowed(sent);
        }
        EventKind::Attached { address } => {
            line.kind = word("attached");
            line.addr = Some(Cow::Borrowed(address));
        }
        EventKind::Unreachable { address, reason } => {
            line.kind = word("unreachable");
            line.addr = Some(Cow::Borrowed(address));
            line.reason = Some(Cow::Borrowed(reason));
        }
        EventKind::LatencySet { neighbour, delay } => {
            line.peer = name(neighbour);
            line.value = Some(Cow::Owned(delay.to_string()));
        }
        EventKind::LossSet { neighbour, percent } => {
            line.peer = name(neighbour);
            line.value = Some(Cow::Owned(percent.to_string()));
        }
        EventKind::Seeded { seed } => line.value = Some(Cow::Owned(seed.to_string())),
        EventKind::ModeChanged { mode } => line.value = Some(Cow::Owned(mode.to_string())),
        EventKind::StrategySet { strategy } => line.value = Some(Cow::Owned(strategy.to_string())),
        EventKind::Caption { text } => {
            line.kind = word("caption");
            line.text = Cow::Borrowed(text);
        }
        EventKind::Section { title } => {
            line.kind = word("section");
            line.text = Cow::Borrowed(title);
        }
        EventKind::Checked { held, text } => {
            line.kind = word("expect");
            line.text = Cow::Borrowed(text);
            line.value = Some(word(if *held { "held" } else { "failed" }));
        }
        EventKind::NodeDown | EventKind::Reset | EventKind::ShuttingDown => {}
    }
    // Writing into a Vec cannot fail, and a line of strings and numbers always serializes.
    let _ = serde_json::to_writer(out, &line);
}

/// The event a line says, `t` counted from `started`; `None` for a kind this version does not
/// know (a newer herdctl's: skipped, as docs/TRACE.md promises). Node names are taken as
/// written: a reader that knows the herd checks them.
pub fn decode(text: &str, started: SystemTime) -> Result<Option<HerdEvent>, CodecError> {
    let line: Line = serde_json::from_str(text).map_err(|error| CodecError::NotJson(error.to_string()))?;
    let at = started + Duration::try_from_secs_f64(line.t.max(0.0)).unwrap_or_default();
    let node = NodeName::from(&*line.node);
    let Some(kind) = kind_of(&line)? else { return Ok(None) };
    Ok(Some(HerdEvent { at, node, kind }))
}

fn invalid(field: &'static str, value: &str, what: &'static str) -> CodecError {
    CodecError::Invalid { field, value: value.to_string(), what }
}

fn kind_of(line: &Line) -> Result<Option<EventKind>, CodecError> {
    let peer = || line.peer.as_deref().map(NodeName::from).ok_or(CodecError::Missing("peer"));
    let record = || -> Result<Arc<Record>, CodecError> {
        let text = line.record.as_deref().ok_or(CodecError::Missing("record"))?;
        Record::parse(text).map(Arc::new).ok_or_else(|| invalid("record", text, "an AT line"))
    };
    let hops = || line.hops.unwrap_or_default();
    let catch_up = || line.catch_up.unwrap_or_default();
    let text = || Arc::<str>::from(&*line.text);
    let value = || line.value.as_deref().ok_or(CodecError::Missing("value"));
    let reason = |fallback: &str| Arc::<str>::from(line.reason.as_deref().unwrap_or(fallback));
    let addr = |field: &'static str, text: Option<&str>| -> Result<SocketAddr, CodecError> {
        let text = text.ok_or(CodecError::Missing(field))?;
        text.parse().map_err(|_| invalid(field, text, "an address"))
    };
    let client_addr = || addr("addr", line.addr.as_deref());
    let count = || line.count.unwrap_or_default() as usize;
    Ok(Some(match &*line.kind {
        "client_opened" => EventKind::ClientOpened { addr: client_addr()? },
        "client_closed" => EventKind::ClientClosed { addr: client_addr()?, reason: reason("") },
        // A trace of an older herdctl may have written a line without its client's address.
        "client_in" => EventKind::ClientLine { addr: client_addr().unwrap_or(NOWHERE), line: text() },
        "client_out" => EventKind::ClientReply { addr: client_addr().unwrap_or(NOWHERE), reply: text() },
        "peer_send" => EventKind::FloodSent { to: peer()?, record: record()?, hops: hops(), catch_up: catch_up() },
        "peer_receive" => EventKind::FloodReceived {
            from: peer()?,
            record: record()?,
            hops: hops(),
            arrival: match line.arrival.as_deref() {
                Some("duplicate") => Arrival::Duplicate,
                Some("stale") => Arrival::Stale,
                _ => Arrival::New,
            },
            catch_up: catch_up(),
        },
        "held" => EventKind::FloodHeld { to: peer()?, record: record()?, hops: hops(), catch_up: catch_up() },
        "learned" => {
            EventKind::CacheUpdated { record: record()?, via: Via::Client, hops: hops(), catch_up: catch_up() }
        }
        "stored" => {
            EventKind::CacheUpdated { record: record()?, via: Via::Peer(peer()?), hops: hops(), catch_up: catch_up() }
        }
        "link_failed" => EventKind::LinkFailed { neighbour: peer()?, reason: reason("") },
        "peer_accepted" => EventKind::PeerAccepted { neighbour: peer()?, addr: client_addr()? },
        "peer_closed" => EventKind::PeerClosed { neighbour: peer()?, reason: reason("") },
        "peer_rejected" => EventKind::PeerRejected { addr: client_addr()?, reason: reason("") },
        "catch_up" => EventKind::CatchUpSent { to: peer()?, records: count() },
        "places" => EventKind::PlacesAnswered {
            source: line.source.as_deref().unwrap_or_default().into(),
            client: text(),
            status: line.status.as_deref().unwrap_or_default().into(),
            results: count(),
            origin: match line.origin.as_deref() {
                Some("upstream") => Origin::Upstream,
                Some("cached") => Origin::Cached,
                Some("shared") => Origin::Shared,
                _ => Origin::Local,
            },
            elapsed: Duration::try_from_secs_f64(line.elapsed.unwrap_or_default().max(0.0)).unwrap_or_default(),
            upstream_requests: line.upstream.unwrap_or_default(),
        },
        "restored" => EventKind::Restored { records: count() },
        "warning" => EventKind::Warning { text: text() },
        "server_said" => EventKind::ServerSaid { line: text(), stderr: false },
        "server_stderr" => EventKind::ServerSaid { line: text(), stderr: true },
        "server_exited" => {
            EventKind::ServerExited { status: line.status.as_deref().unwrap_or_default().into(), last: text() }
        }
        "stray" => EventKind::Stray { to: peer()? },
        "line_sent" => EventKind::LineSent { to: peer()?, line: text() },
        "attached" => EventKind::Attached { address: line.addr.as_deref().unwrap_or_default().into() },
        "unreachable" => {
            EventKind::Unreachable { address: line.addr.as_deref().unwrap_or_default().into(), reason: reason("") }
        }
        "caption" => EventKind::Caption { text: text() },
        "section" => EventKind::Section { title: text() },
        "expect" => EventKind::Checked { held: line.value.as_deref() == Some("held"), text: text() },
        "fault" => match line.fault.as_deref().ok_or(CodecError::Missing("fault"))? {
            "node_up" => {
                let (client, peer) = match (line.addr.as_deref(), line.peer_addr.as_deref()) {
                    (Some(_), Some(_)) => (client_addr()?, addr("peer_addr", line.peer_addr.as_deref())?),
                    // Older traces said the addresses only in words.
                    _ => addresses_in(&line.text).unwrap_or((NOWHERE, NOWHERE)),
                };
                EventKind::NodeUp { client, peer }
            }
            "node_down" => EventKind::NodeDown,
            "link_up" => EventKind::LinkUp { neighbour: peer()? },
            "link_down" => EventKind::LinkDown { neighbour: peer()?, reason: reason(reason_in(&line.text)) },
            "cut" => EventKind::LinkCut { neighbour: peer()? },
            "cut_one_way" => EventKind::LinkCutOneWay { neighbour: peer()? },
            "heal" => EventKind::LinkHealed { neighbour: peer()? },
            "heal_one_way" => EventKind::LinkHealedOneWay { neighbour: peer()? },
            "latency" => {
                let value = value()?;
                let delay = Delay::parse(value).ok_or_else(|| invalid("value", value, "a latency"))?;
                EventKind::LatencySet { neighbour: peer()?, delay }
            }
            "loss" => {
                let value = value()?;
                let percent = value.parse().map_err(|_| invalid("value", value, "a percentage"))?;
                EventKind::LossSet { neighbour: peer()?, percent }
            }
            "mode" => {
                let value = value()?;
                EventKind::ModeChanged { mode: value.parse::<Mode>().map_err(|_| invalid("value", value, "a mode"))? }
            }
            "seed" => {
                let value = value()?;
                EventKind::Seeded { seed: value.parse().map_err(|_| invalid("value", value, "a seed"))? }
            }
            "reset" => EventKind::Reset,
            "shutdown" => EventKind::ShuttingDown,
            "strategy" => {
                let value = value()?;
                EventKind::StrategySet {
                    strategy: Strategy::parse(value).map_err(|_| invalid("value", value, "a strategy"))?,
                }
            }
            which @ ("dropped" | "lost") => EventKind::FloodDropped {
                to: peer()?,
                record: record()?,
                hops: hops(),
                catch_up: catch_up(),
                by_operator: which == "dropped",
            },
            _ => return Ok(None),
        },
        _ => return Ok(None),
    }))
}

/// Where an address was not written (an older trace's client line).
const NOWHERE: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0);

/// The addresses in "node up: clients on A, peers on B" (how older traces said them).
fn addresses_in(text: &str) -> Option<(SocketAddr, SocketAddr)> {
    let rest = text.split_once("clients on ")?.1;
    let (client, peer) = rest.split_once(", peers on ")?;
    Some((client.parse().ok()?, peer.trim().parse().ok()?))
}

/// The reason in "link to X down (reason)" (how older traces said it).
fn reason_in(text: &str) -> &str {
    text.split_once('(').and_then(|(_, rest)| rest.strip_suffix(')')).unwrap_or("down")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Arc<Record> {
        Arc::new(
            Record::parse("AT Riley +0.000000001 kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997").unwrap(),
        )
    }

    /// One event of every kind (a new variant without a line here fails `every_kind_is_here`).
    fn every_kind() -> Vec<EventKind> {
        let (addr, peer): (SocketAddr, SocketAddr) =
            ("127.0.0.1:12665".parse().unwrap(), "[::1]:12765".parse().unwrap());
        let (jaquez, record) = (NodeName::from("Jaquez"), record());
        vec![
            EventKind::NodeUp { client: addr, peer },
            EventKind::NodeDown,
            EventKind::ClientOpened { addr },
            EventKind::ClientClosed { addr, reason: "client closed the connection".into() },
            EventKind::ClientLine { addr, line: "IAMAT kiwi \"quoted\" \u{1b}[2J".into() },
            EventKind::ClientReply { addr, reply: "AT Riley +0.1 kiwi +1+1 5\n{\n   \"results\" : []\n}\n".into() },
            EventKind::LinkUp { neighbour: jaquez.clone() },
            EventKind::LinkDown { neighbour: jaquez.clone(), reason: "reset (by peer) (again)".into() },
            EventKind::LinkFailed { neighbour: jaquez.clone(), reason: "wrong herd key".into() },
            EventKind::PeerAccepted { neighbour: jaquez.clone(), addr },
            EventKind::PeerClosed { neighbour: jaquez.clone(), reason: "node stopped".into() },
            EventKind::PeerRejected { addr, reason: "not a neighbour".into() },
            EventKind::FloodSent { to: jaquez.clone(), record: record.clone(), hops: 1, catch_up: false },
            EventKind::FloodReceived {
                from: jaquez.clone(),
                record: record.clone(),
                hops: 2,
                arrival: Arrival::Stale,
                catch_up: true,
            },
            EventKind::CatchUpSent { to: jaquez.clone(), records: 1234 },
            EventKind::PlacesAnswered {
                source: "google".into(),
                client: "kiwi".into(),
                status: "OK".into(),
                results: 3,
                origin: Origin::Shared,
                elapsed: Duration::from_micros(1500),
                upstream_requests: 12,
            },
            EventKind::CacheUpdated { record: record.clone(), via: Via::Client, hops: 0, catch_up: false },
            EventKind::CacheUpdated { record: record.clone(), via: Via::Peer(jaquez.clone()), hops: 3, catch_up: true },
            EventKind::FloodDropped {
                to: jaquez.clone(),
                record: record.clone(),
                hops: 1,
                catch_up: false,
                by_operator: true,
            },
            EventKind::FloodDropped {
                to: jaquez.clone(),
                record: record.clone(),
                hops: 2,
                catch_up: true,
                by_operator: false,
            },
            EventKind::FloodHeld { to: jaquez.clone(), record, hops: 1, catch_up: false },
            EventKind::Restored { records: 7 },
            EventKind::Warning { text: "the disk is full".into() },
            EventKind::ServerSaid { line: "listening on 12665".into(), stderr: false },
            EventKind::ServerSaid { line: "Traceback (most recent call last):".into(), stderr: true },
            EventKind::ServerExited { status: "exit status 1".into(), last: "line 1\nKeyError: 'x'".into() },
            EventKind::Stray { to: "Campbell".into() },
            EventKind::LineSent { to: "Jaquez".into(), line: "FLOOD kiwi 1 2".into() },
            EventKind::Attached { address: "herd-0.herd:12865".into() },
            EventKind::Unreachable { address: "herd-0.herd:12865".into(), reason: "connection refused".into() },
            EventKind::LinkCut { neighbour: jaquez.clone() },
            EventKind::LinkCutOneWay { neighbour: jaquez.clone() },
            EventKind::LinkHealed { neighbour: jaquez.clone() },
            EventKind::LinkHealedOneWay { neighbour: jaquez.clone() },
            EventKind::LatencySet { neighbour: jaquez.clone(), delay: Delay::parse("100ms±40ms").unwrap() },
            EventKind::Seeded { seed: 7 },
            EventKind::LossSet { neighbour: jaquez, percent: 20 },
            EventKind::ModeChanged { mode: Mode::Slow(Duration::from_millis(500)) },
            EventKind::Caption { text: "Five servers.".into() },
            EventKind::Section { title: "A crash".into() },
            EventKind::Checked { held: false, text: "expected Campbell to know kiwi".into() },
            EventKind::Reset,
            EventKind::StrategySet { strategy: Strategy::Gossip(3) },
            EventKind::ShuttingDown,
        ]
    }

    #[test]
    fn every_kind_of_event_reads_back_as_the_event_it_was() {
        let started = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for (i, kind) in every_kind().into_iter().enumerate() {
            let event = HerdEvent { at: started + Duration::from_millis(i as u64 * 250), node: "Riley".into(), kind };
            let mut line = Vec::new();
            encode(&event, started, &mut line);
            let line = String::from_utf8(line).unwrap();
            assert!(!line.contains('\n'), "one line: {line}");
            let back = decode(&line, started).unwrap().unwrap_or_else(|| panic!("skipped: {line}"));
            assert_eq!(back, event, "{line}");
        }
    }

    /// Which variant an event is: adding one fails to compile here until it is numbered, and then
    /// `every_kind_is_here` fails until `every_kind` has one of it.
    fn variant(kind: &EventKind) -> usize {
        match kind {
            EventKind::NodeUp { .. } => 0,
            EventKind::NodeDown => 1,
            EventKind::ClientOpened { .. } => 2,
            EventKind::ClientClosed { .. } => 3,
            EventKind::ClientLine { .. } => 4,
            EventKind::ClientReply { .. } => 5,
            EventKind::LinkUp { .. } => 6,
            EventKind::LinkDown { .. } => 7,
            EventKind::LinkFailed { .. } => 8,
            EventKind::PeerAccepted { .. } => 9,
            EventKind::PeerClosed { .. } => 10,
            EventKind::PeerRejected { .. } => 11,
            EventKind::FloodSent { .. } => 12,
            EventKind::FloodReceived { .. } => 13,
            EventKind::CatchUpSent { .. } => 14,
            EventKind::PlacesAnswered { .. } => 15,
            EventKind::CacheUpdated { .. } => 16,
            EventKind::FloodDropped { .. } => 17,
            EventKind::FloodHeld { .. } => 18,
            EventKind::Restored { .. } => 19,
            EventKind::Warning { .. } => 20,
            EventKind::Attached { .. } => 21,
            EventKind::Unreachable { .. } => 22,
            EventKind::LinkCut { .. } => 23,
            EventKind::LinkCutOneWay { .. } => 24,
            EventKind::LinkHealed { .. } => 25,
            EventKind::LinkHealedOneWay { .. } => 26,
            EventKind::LatencySet { .. } => 27,
            EventKind::Seeded { .. } => 28,
            EventKind::LossSet { .. } => 29,
            EventKind::ModeChanged { .. } => 30,
            EventKind::Caption { .. } => 31,
            EventKind::Section { .. } => 32,
            EventKind::Checked { .. } => 33,
            EventKind::Reset => 34,
            EventKind::StrategySet { .. } => 35,
            EventKind::ShuttingDown => 36,
            EventKind::ServerSaid { .. } => 37,
            EventKind::ServerExited { .. } => 38,
            EventKind::Stray { .. } => 39,
            EventKind::LineSent { .. } => 40,
        }
    }

    #[test]
    fn every_kind_is_here() {
        let covered: std::collections::BTreeSet<usize> = every_kind().iter().map(variant).collect();
        assert_eq!(covered, (0..=40).collect(), "every_kind lacks a kind of event");
    }

    #[test]
    fn lines_of_an_older_trace_still_read() {
        let started = SystemTime::UNIX_EPOCH;
        let node_up = r#"{"t":0.5,"node":"Riley","kind":"fault","peer":null,"text":"node up: clients on 127.0.0.1:1, peers on 127.0.0.1:2","fault":"node_up","value":null,"addr":null,"record":null,"hops":null,"arrival":null,"fresh":null,"catch_up":null}"#;
        let event = decode(node_up, started).unwrap().unwrap();
        assert_eq!(
            event.kind,
            EventKind::NodeUp { client: "127.0.0.1:1".parse().unwrap(), peer: "127.0.0.1:2".parse().unwrap() }
        );
        let link_down = r#"{"t":1,"node":"Riley","kind":"fault","peer":"Jaquez","text":"link to Jaquez down (node stopped)","fault":"link_down"}"#;
        let event = decode(link_down, started).unwrap().unwrap();
        assert_eq!(event.kind, EventKind::LinkDown { neighbour: "Jaquez".into(), reason: "node stopped".into() });
    }

    #[test]
    fn unknown_kinds_are_skipped_and_broken_lines_say_what_is_wrong() {
        let started = SystemTime::UNIX_EPOCH;
        assert_eq!(decode(r#"{"t":1,"node":"Riley","kind":"teleport"}"#, started), Ok(None));
        assert_eq!(
            decode(
                r#"{"t":1,"node":"Riley","kind":"fault","fault":"latency","peer":"Jaquez","value":"soon"}"#,
                started
            ),
            Err(CodecError::Invalid { field: "value", value: "soon".into(), what: "a latency" })
        );
        assert_eq!(decode(r#"{"t":1,"node":"Riley","kind":"peer_send"}"#, started), Err(CodecError::Missing("peer")));
        assert!(matches!(decode("not json", started), Err(CodecError::NotJson(_))));
    }
}
