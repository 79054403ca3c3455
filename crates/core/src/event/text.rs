//! Events in words: how each reads in a node's log, the console's flow and a trace's text.

use std::fmt;

use super::{Arrival, EventKind, Via};
use crate::escaped::Escaped;
use crate::network::Mode;
use crate::places::Origin;

impl fmt::Display for Arrival {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::New => "new",
            Self::Duplicate => "duplicate dropped",
            Self::Stale => "stale: a newer one is known, dropped",
        })
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A student's server takes clients and neighbours on one port.
            Self::NodeUp { client, peer } if client == peer => write!(f, "node up: clients and neighbours on {client}"),
            Self::NodeUp { client, peer } => {
                write!(f, "node up: clients on {client}, peers on {peer}")
            }
            Self::NodeDown => write!(f, "node down: ports closed"),
            Self::ClientOpened { addr } => write!(f, "client {addr} connected"),
            Self::ClientClosed { addr, reason } => {
                write!(f, "client {addr} disconnected ({reason})")
            }
            Self::ClientLine { addr, line } => write!(f, "client {addr} > {}", Escaped(line)),
            Self::ClientReply { addr, reply } => {
                write!(f, "client {addr} < {}", Escaped(reply))
            }
            Self::LinkUp { neighbour } => write!(f, "link to {neighbour} up"),
            Self::LinkDown { neighbour, reason } => {
                write!(f, "link to {neighbour} down ({reason})")
            }
            Self::LinkFailed { neighbour, reason } => {
                write!(f, "link to {neighbour} failed: {reason}")
            }
            Self::PeerAccepted { neighbour, addr } => {
                write!(f, "peer {neighbour} connected from {addr}")
            }
            Self::PeerClosed { neighbour, reason } => {
                write!(f, "peer {neighbour} disconnected ({reason})")
            }
            Self::PeerRejected { addr, reason } => {
                write!(f, "peer connection from {addr} refused: {}", Escaped(reason))
            }
            Self::FloodSent { to, record, hops, catch_up } => {
                let what = if *catch_up { "catch-up" } else { "flood" };
                write!(f, "{what} > {to} hop {hops}: {}", Escaped(record.line()))
            }
            Self::FloodReceived { from, record, hops, arrival, catch_up } => {
                let what = if *catch_up { "catch-up" } else { "flood" };
                write!(f, "{what} < {from} hop {hops} ({arrival}): {}", Escaped(record.line()))
            }
            Self::CatchUpSent { to, records: 1 } => write!(f, "catch-up > {to}: 1 record"),
            Self::CatchUpSent { to, records } => write!(f, "catch-up > {to}: {records} records"),
            Self::PlacesAnswered { source, client, status, results, origin, elapsed, upstream_requests } => {
                write!(
                    f,
                    "places ({source}) for {}: {status}, {results} results in {:.1} ms",
                    Escaped(client),
                    elapsed.as_secs_f64() * 1e3
                )?;
                match origin {
                    Origin::Local => Ok(()),
                    Origin::Upstream => write!(f, " (upstream request #{upstream_requests})"),
                    Origin::Cached => write!(f, " (cached)"),
                    Origin::Shared => write!(f, " (shared an upstream request)"),
                }
            }
            Self::CacheUpdated { record, via, hops, catch_up } => {
                let client = Escaped(record.client());
                let how = if *catch_up { "catch-up " } else { "" };
                match via {
                    Via::Client => write!(f, "cache: {client} at {} (from the client)", record.coords()),
                    Via::Peer(peer) => {
                        write!(f, "cache: {client} at {} ({how}from {peer}, hop {hops})", record.coords())
                    }
                }
            }
            Self::Warning { text } => write!(f, "warning: {text}"),
            Self::ServerSaid { line, stderr: false } => write!(f, "says: {}", Escaped(line)),
            Self::ServerSaid { line, stderr: true } => write!(f, "says (stderr): {}", Escaped(line)),
            Self::ServerExited { status, last } if last.is_empty() => write!(f, "process ended: {status}"),
            Self::ServerExited { status, last } => {
                write!(f, "process ended: {status}; its last lines: {}", Escaped(&last.replace('\n', " ⏎ ")))
            }
            Self::Stray { to } => write!(f, "connected to {to}, which is not its neighbour in the topology"),
            Self::LineSent { to, line } => write!(f, "line > {to}: {}", Escaped(line)),
            Self::Attached { address } => write!(f, "attached through its control port at {address}"),
            Self::Unreachable { address, reason } => {
                write!(f, "unreachable: its control port at {address}: {reason}")
            }
            Self::FloodDropped { to, record, hops, catch_up, by_operator } => {
                let what = if *catch_up { "catch-up" } else { "flood" };
                let how = if *by_operator { "dropped by the operator" } else { "lost by the lossy link" };
                write!(f, "{what} × {to} hop {hops}: {how}: {}", Escaped(record.line()))
            }
            Self::FloodHeld { to, record, hops, catch_up } => {
                let what = if *catch_up { "catch-up" } else { "flood" };
                write!(f, "{what} ‖ {to} hop {hops}: held until the operator decides: {}", Escaped(record.line()))
            }
            Self::Restored { records: 1 } => write!(f, "restored 1 record kept on disk"),
            Self::Restored { records } => write!(f, "restored {records} records kept on disk"),
            Self::LinkCut { neighbour } => write!(f, "link to {neighbour} cut by the operator"),
            Self::LinkCutOneWay { neighbour } => {
                write!(
                    f,
                    "link to {neighbour} cut one way by the operator: messages to {neighbour} are lost, its own still arrive"
                )
            }
            Self::LinkHealed { neighbour } => write!(f, "link to {neighbour} healed by the operator"),
            Self::LinkHealedOneWay { neighbour } => {
                write!(f, "link to {neighbour} healed one way by the operator: messages to {neighbour} flow again")
            }
            Self::LatencySet { neighbour, delay } if delay.base.is_zero() => {
                write!(f, "link to {neighbour}: extra latency removed")
            }
            Self::LatencySet { neighbour, delay } => write!(f, "link to {neighbour}: {delay} extra latency"),
            Self::Seeded { seed } => write!(f, "random choices (lossy links, spread delays) follow seed {seed}"),
            Self::LossSet { neighbour, percent: 0 } => write!(f, "link to {neighbour}: losses removed"),
            Self::LossSet { neighbour, percent } => write!(f, "link to {neighbour}: loses {percent}% of messages"),
            Self::ModeChanged { mode: Mode::Live } => write!(f, "mode: live"),
            Self::ModeChanged { mode: Mode::Step } => write!(f, "mode: step (every transmission held)"),
            Self::ModeChanged { mode: Mode::Slow(delay) } => {
                write!(f, "mode: slow motion, {} a hop", humantime::format_duration(*delay))
            }
            Self::Caption { text } => write!(f, "» {text}"),
            Self::Section { title } => write!(f, "── {title} ──"),
            Self::Checked { held: true, text } => write!(f, "✓ {text}"),
            Self::Checked { held: false, text } => write!(f, "✗ {text}"),
            Self::Reset => write!(f, "reset: every node restarted empty, every link healed, counters at zero"),
            Self::ShuttingDown => write!(f, "the herd is shutting down"),
            Self::StrategySet { strategy } => write!(f, "strategy: {strategy}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Arrival;
    use crate::protocol::Record;
    use std::sync::Arc;

    #[test]
    fn control_bytes_from_the_wire_never_reach_a_log_line_raw() {
        let record = Arc::new(Record::parse("AT Riley +0.000000001 evil\x1b[2J\x07 +1+1 5").unwrap());
        let kinds = [
            EventKind::FloodReceived {
                from: "Jaquez".into(),
                record: record.clone(),
                hops: 1,
                arrival: Arrival::New,
                catch_up: false,
            },
            EventKind::FloodSent { to: "Jaquez".into(), record: record.clone(), hops: 1, catch_up: false },
            EventKind::CacheUpdated { record: record.clone(), via: Via::Client, hops: 0, catch_up: false },
            EventKind::ClientLine { addr: "127.0.0.1:1".parse().unwrap(), line: "IAMAT evil\x1b[2J +1+1 5".into() },
        ];
        for kind in kinds {
            let line = kind.to_string();
            assert!(!line.bytes().any(|b| b.is_ascii_control()), "{line:?}");
            assert!(line.contains(r"evil\u{1b}[2J"), "{line:?}");
        }
    }
}
