//! The control protocol's messages as types, each with its one text form: a request is a line
//! (`KILL`, `CUT-FROM Jaquez`, `PAGE - 1024`), an answer a JSON line (`{"ok": …}` or
//! `{"error": "why"}`), and an events stream JSON lines of events, reports and losses. Both ends
//! read and write them here, so neither parses what the other wrote by hand.

use std::net::SocketAddr;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use herdctl_core::cache::Entry;
use herdctl_core::event::{HerdEvent, Via};
use herdctl_core::herd::{NodeStatus, Steer, Totals};
use herdctl_core::network::Held;
use herdctl_core::protocol::Record;
use herdctl_core::topology::NodeName;

use super::ControlError;

/// The most records a page may ask for.
pub const MOST_PAGE: usize = 1024;

/// What a console asks of a node's control port.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// The node's report.
    Status,
    /// Stop the node as if its process died.
    Kill,
    /// Start it again on the same ports.
    Revive,
    /// A change to the node's side of the network.
    Steer(Steer),
    /// Up to `count` records in client order after client `after` (from the first: `None`).
    Page { after: Option<String>, count: usize },
    /// Switch this connection to the node's events stream.
    Events,
    /// Write a consistent copy of the node's store as this file in its data folder.
    Snapshot(String),
    /// The keys the node's process offers and accepts (fingerprints); with `reload`, after it
    /// read its key file again (`herdctl keyring`).
    Keyring { reload: bool },
}

impl std::fmt::Display for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status => f.write_str("STATUS"),
            Self::Kill => f.write_str("KILL"),
            Self::Revive => f.write_str("REVIVE"),
            Self::Steer(change) => write!(f, "{change}"),
            Self::Page { after, count } => write!(f, "PAGE {} {count}", after.as_deref().unwrap_or("-")),
            Self::Events => f.write_str("EVENTS"),
            Self::Snapshot(file) => write!(f, "SNAPSHOT {file}"),
            Self::Keyring { reload: false } => f.write_str("KEYRING"),
            Self::Keyring { reload: true } => f.write_str("KEYRING RELOAD"),
        }
    }
}

impl std::str::FromStr for Request {
    type Err = ControlError;

    fn from_str(line: &str) -> Result<Self, ControlError> {
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        Ok(match verb {
            "STATUS" => Self::Status,
            "KILL" => Self::Kill,
            "REVIVE" => Self::Revive,
            "EVENTS" => Self::Events,
            "SNAPSHOT" => Self::Snapshot(rest.to_string()),
            "KEYRING" => match rest {
                "" => Self::Keyring { reload: false },
                "RELOAD" => Self::Keyring { reload: true },
                _ => return Err(ControlError::Refused(format!("KEYRING takes RELOAD or nothing, not {rest:?}"))),
            },
            "PAGE" => {
                let mut words = rest.split(' ');
                let after = match words.next() {
                    None | Some("-" | "") => None,
                    Some(after) => Some(after.to_string()),
                };
                let count = words.next().and_then(|count| count.parse().ok()).unwrap_or(MOST_PAGE).min(MOST_PAGE);
                Self::Page { after, count }
            }
            _ => Self::Steer(
                line.parse()
                    .map_err(|error: herdctl_core::herd::NotASteer| ControlError::Refused(error.to_string()))?,
            ),
        })
    }
}

/// A held transmission, as a node reports it (its own id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldReport {
    pub id: u64,
    pub to: String,
    pub client: String,
    pub hops: u32,
}

/// What a node says of itself: the answer to `STATUS`, and every 250 ms in an events stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeReport {
    pub up: bool,
    /// The addresses it is bound to.
    pub client: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
    /// How many clients it knows.
    pub clients: usize,
    /// Each neighbour, and whether its link is up.
    pub links: Vec<(String, bool)>,
    /// The neighbours whose link is up and caught up.
    pub caught_up: Vec<String>,
    pub messages: u64,
    pub duplicates: u64,
    pub transmissions: u64,
    pub unpublished: u64,
    /// How its transmissions flow (`live`, `step`, `slow 500ms`).
    pub mode: String,
    /// The neighbours its side of the link is cut to.
    pub cut_from: Vec<String>,
    /// Its transmissions held in step mode.
    pub held: Vec<HeldReport>,
}

impl NodeReport {
    /// The report of a node of this process.
    pub fn of(status: &NodeStatus, totals: Totals, mode: String, cut_from: Vec<String>, held: &[Held]) -> Self {
        Self {
            up: status.up,
            client: Some(status.client_addr),
            peer: Some(status.peer_addr),
            clients: status.clients,
            links: status.links.iter().map(|(n, up)| (n.to_string(), *up)).collect(),
            caught_up: status.caught_up.iter().map(|n| n.to_string()).collect(),
            messages: totals.messages,
            duplicates: totals.duplicates,
            transmissions: totals.transmissions,
            unpublished: totals.unpublished,
            mode,
            cut_from,
            held: held
                .iter()
                .map(|h| HeldReport { id: h.id, to: h.to.to_string(), client: h.client.to_string(), hops: h.hops })
                .collect(),
        }
    }

    pub fn totals(&self) -> Totals {
        Totals {
            messages: self.messages,
            duplicates: self.duplicates,
            transmissions: self.transmissions,
            unpublished: self.unpublished,
        }
    }

    /// Its held transmissions as the herd lists them (`from` this node).
    pub fn held_by(&self, from: &NodeName) -> Vec<Held> {
        self.held
            .iter()
            .map(|h| Held {
                id: h.id,
                from: from.clone(),
                to: NodeName::from(h.to.as_str()),
                client: h.client.as_str().into(),
                hops: h.hops,
                since: tokio::time::Instant::now(),
            })
            .collect()
    }
}

/// A node's keyring as `KEYRING` answers it: fingerprints, never keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyringReport {
    /// The key the node offers when it dials.
    pub offers: String,
    /// Every key it accepts, the one it offers first.
    pub accepts: Vec<String>,
}

impl KeyringReport {
    pub fn of(ring: &herdctl_core::keyring::Keyring) -> Self {
        Self { offers: ring.primary_fingerprint().to_string(), accepts: ring.fingerprints() }
    }
}

impl std::fmt::Display for KeyringReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "offers {}, accepts {}", self.offers, self.accepts.join(", "))
    }
}

/// One record of a page, as `PAGE` answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageEntry {
    pub line: String,
    pub hops: u32,
    /// The neighbour it came from; `None` from a client.
    pub via: Option<String>,
}

impl PageEntry {
    pub fn of(entry: &Entry) -> Self {
        let via = match &entry.via {
            Via::Client => None,
            Via::Peer(from) => Some(from.to_string()),
        };
        Self { line: entry.record.line().to_string(), hops: entry.hops, via }
    }

    /// The record again (`None` for a line that is not an AT line).
    pub fn entry(&self) -> Option<Entry> {
        let record = Record::parse(&self.line)?;
        let via = self.via.as_deref().map_or(Via::Client, |from| Via::Peer(NodeName::from(from)));
        Some(Entry { record: std::sync::Arc::new(record), hops: self.hops, via })
    }
}

/// A request's answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// Done; nothing to say.
    Done,
    Status(Box<NodeReport>),
    Page(Vec<PageEntry>),
    /// The events stream begins; its events count their time from `started`.
    Streaming {
        started: SystemTime,
    },
    /// A snapshot was written, with this many records.
    Snapshot(usize),
    /// The node's keyring (after it was read again, if asked).
    Keyring(KeyringReport),
    /// Refused, and why.
    Refused(String),
}

impl Response {
    /// The answer as its JSON line.
    pub fn to_line(&self) -> String {
        let ok = |value: Value| serde_json::json!({ "ok": value }).to_string();
        match self {
            Self::Done => ok(Value::Null),
            Self::Status(report) => ok(serde_json::to_value(report).unwrap_or_default()),
            Self::Page(page) => ok(serde_json::to_value(page).unwrap_or_default()),
            Self::Streaming { started } => {
                ok(serde_json::json!({ "started": humantime::format_rfc3339_micros(*started).to_string() }))
            }
            Self::Snapshot(records) => ok(serde_json::json!({ "records": records })),
            Self::Keyring(report) => ok(serde_json::to_value(report).unwrap_or_default()),
            Self::Refused(why) => serde_json::json!({ "error": why }).to_string(),
        }
    }

    /// Reads an answer to `request` (what `ok` holds depends on what was asked).
    pub fn parse(line: &str, request: &Request) -> Result<Self, ControlError> {
        let unexpected = || ControlError::Unexpected(line.to_string());
        let value: Value = serde_json::from_str(line).map_err(|_| unexpected())?;
        if let Some(why) = value.get("error") {
            return Ok(Self::Refused(why.as_str().unwrap_or("refused").to_string()));
        }
        let ok = value.get("ok").ok_or_else(unexpected)?.clone();
        Ok(match request {
            Request::Status => Self::Status(Box::new(serde_json::from_value(ok).map_err(|_| unexpected())?)),
            Request::Page { .. } => Self::Page(serde_json::from_value(ok).map_err(|_| unexpected())?),
            Request::Events => Self::Streaming {
                started: ok
                    .get("started")
                    .and_then(Value::as_str)
                    .and_then(|text| humantime::parse_rfc3339(text).ok())
                    .ok_or_else(unexpected)?,
            },
            Request::Snapshot(_) => {
                Self::Snapshot(ok.get("records").and_then(Value::as_u64).ok_or_else(unexpected)? as usize)
            }
            Request::Keyring { .. } => Self::Keyring(serde_json::from_value(ok).map_err(|_| unexpected())?),
            Request::Kill | Request::Revive | Request::Steer(_) => Self::Done,
        })
    }
}

/// What an events stream carries, a JSON line each.
#[derive(Debug, PartialEq)]
pub enum Streamed {
    /// Something that happened at the node (`{"event": E}`, E in the event codec).
    Event(HerdEvent),
    /// Its report, every 250 ms (`{"status": S}`).
    Status(NodeReport),
    /// Its event bus dropped this many events for this stream (`{"lagged": N}`).
    Lagged(u64),
}

/// The fields of a stream's line, the event left as written for the event codec.
#[derive(Deserialize)]
struct StreamLine<'a> {
    #[serde(borrow)]
    event: Option<&'a serde_json::value::RawValue>,
    status: Option<NodeReport>,
    lagged: Option<u64>,
}

impl Streamed {
    /// Appends this line (with its newline) to `out`; an event is encoded straight into it.
    pub fn write_to(&self, started: SystemTime, out: &mut Vec<u8>) {
        match self {
            Self::Event(event) => return Self::write_event(event, started, out),
            Self::Status(report) => {
                out.extend_from_slice(serde_json::json!({ "status": report }).to_string().as_bytes());
            }
            Self::Lagged(missed) => {
                out.extend_from_slice(serde_json::json!({ "lagged": missed }).to_string().as_bytes())
            }
        }
        out.push(b'\n');
    }

    /// Appends an event's line, as `write_to` writes `Streamed::Event`, without owning it.
    pub fn write_event(event: &HerdEvent, started: SystemTime, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"event\":");
        herdctl_core::event::encode(event, started, out);
        out.extend_from_slice(b"}\n");
    }

    /// Reads a stream's line; `None` for an event of a kind this version does not know.
    pub fn parse(line: &str, started: SystemTime) -> Result<Option<Self>, ControlError> {
        let unexpected = || ControlError::Unexpected(line.to_string());
        let fields: StreamLine = serde_json::from_str(line).map_err(|_| unexpected())?;
        Ok(match fields {
            StreamLine { event: Some(event), .. } => {
                herdctl_core::event::decode(event.get(), started).map_err(|_| unexpected())?.map(Self::Event)
            }
            StreamLine { status: Some(report), .. } => Some(Self::Status(report)),
            StreamLine { lagged: Some(missed), .. } => Some(Self::Lagged(missed)),
            _ => return Err(unexpected()),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use herdctl_core::event::EventKind;
    use herdctl_core::network::{Delay, Fate, Mode};

    use super::*;

    #[test]
    fn every_request_reads_back_as_it_is_written() {
        let jaquez = NodeName::from("Jaquez");
        for request in [
            Request::Status,
            Request::Kill,
            Request::Revive,
            Request::Events,
            Request::Page { after: None, count: 1024 },
            Request::Page { after: Some("kiwi.cs.ucla.edu".into()), count: 10 },
            Request::Steer(Steer::CutFrom(jaquez.clone())),
            Request::Steer(Steer::HealFrom(jaquez.clone())),
            Request::Steer(Steer::Delay(jaquez.clone(), Delay::parse("exp:100ms").unwrap())),
            Request::Steer(Steer::Loss(jaquez, 100)),
            Request::Steer(Steer::Mode(Mode::Step)),
            Request::Steer(Steer::Release(42, Fate::Drop)),
            Request::Keyring { reload: false },
            Request::Keyring { reload: true },
        ] {
            assert_eq!(request.to_string().parse::<Request>().unwrap(), request, "{request}");
        }
        assert_eq!("PAGE - 99999".parse::<Request>().unwrap(), Request::Page { after: None, count: MOST_PAGE });
        assert!(matches!("FLY".parse::<Request>(), Err(ControlError::Refused(_))));
        assert!(matches!("KEYRING USE 1a2b".parse::<Request>(), Err(ControlError::Refused(_))));
    }

    #[test]
    fn every_answer_reads_back_as_it_is_written() {
        let report = NodeReport {
            up: true,
            client: Some("127.0.0.1:12665".parse().unwrap()),
            clients: 2,
            links: vec![("Jaquez".into(), true), ("Juzang".into(), false)],
            caught_up: vec!["Jaquez".into()],
            messages: 8,
            mode: "step".into(),
            held: vec![HeldReport { id: 3, to: "Jaquez".into(), client: "kiwi".into(), hops: 1 }],
            ..NodeReport::default()
        };
        let page = vec![PageEntry { line: "AT Riley +0.1 kiwi +1+1 5".into(), hops: 2, via: Some("Jaquez".into()) }];
        let started = SystemTime::UNIX_EPOCH + Duration::from_micros(1_800_000_000_123_456);
        for (answer, request) in [
            (Response::Done, Request::Kill),
            (Response::Status(Box::new(report.clone())), Request::Status),
            (Response::Page(page), Request::Page { after: None, count: 1 }),
            (Response::Streaming { started }, Request::Events),
            (Response::Refused("Riley is already running".into()), Request::Revive),
            (
                Response::Keyring(KeyringReport { offers: "0f1e".into(), accepts: vec!["0f1e".into(), "2d3c".into()] }),
                Request::Keyring { reload: true },
            ),
        ] {
            assert_eq!(Response::parse(&answer.to_line(), &request).unwrap(), answer);
        }
        let event = HerdEvent {
            at: started + Duration::from_millis(250),
            node: "Riley".into(),
            kind: EventKind::LinkUp { neighbour: "Jaquez".into() },
        };
        for streamed in [Streamed::Event(event), Streamed::Status(report), Streamed::Lagged(12)] {
            let mut line = Vec::new();
            streamed.write_to(started, &mut line);
            let line = String::from_utf8(line).unwrap();
            assert_eq!(Streamed::parse(line.trim_end(), started).unwrap(), Some(streamed));
        }
        let _ = Arc::new(());
    }
}
