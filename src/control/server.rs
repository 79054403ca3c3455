//! The node's side of the control port: one listener per node of this process, open for the
//! process's whole life (a node killed through it stays revivable through it). Each connection
//! proves the herd key, then asks one question a line, or asks for the node's events.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use super::{Channel, ControlError, HANDSHAKE_TIMEOUT, accept};
use crate::cache::PageStart;
use crate::event::Via;
use crate::herd::Herd;
use crate::net::TcpListener;
use crate::network::{Delay, Mode};
use crate::secure::Terms;
use crate::topology::NodeName;
use crate::trace::Trace;

/// How often an events stream says the node's status (its counts and links).
pub const STATUS_EVERY: Duration = Duration::from_millis(250);
/// The most records a page may ask for.
const MOST_PAGE: usize = 1024;

/// Serves `node`'s control port on `listener` until `stop`.
pub async fn serve(herd: Arc<Herd>, node: NodeName, listener: TcpListener, terms: Terms, stop: CancellationToken) {
    let refusals = Arc::new(crate::peer::Refusals::default());
    loop {
        let (stream, addr) = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(node = %node, "the control port cannot accept: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let (herd, node, terms, stop) = (herd.clone(), node.clone(), terms.clone(), stop.clone());
        let refusals = refusals.clone();
        tokio::spawn(async move {
            let opened = match timeout(HANDSHAKE_TIMEOUT, accept(stream, &node, &terms)).await {
                Ok(Ok(channel)) => channel,
                refused => {
                    let reason = refused.map_or_else(
                        |_| "no handshake in time".to_string(),
                        |r| r.err().map(|e| e.to_string()).unwrap_or_default(),
                    );
                    // A console with the wrong key retries twice a second: said once, then counted.
                    if let Some(told) = refusals.refused(addr.ip(), &reason, std::time::Instant::now()) {
                        tracing::warn!(node = %node, "control connection from {addr} refused: {told}");
                    }
                    return;
                }
            };
            tracing::info!(node = %node, "a console attached from {addr}");
            let ended = tokio::select! {
                () = stop.cancelled() => return,
                ended = converse(&herd, &node, opened) => ended,
            };
            tracing::info!(node = %node, "the console from {addr} left: {ended}");
        });
    }
}

/// Answers requests until the console leaves (or switches the connection to events).
async fn converse(herd: &Herd, node: &NodeName, mut channel: Channel) -> ControlError {
    // A console that put the node in step mode and left (or vanished) must not leave its
    // messages held for ever: the node goes live again when that connection ends.
    let mut stepped = false;
    let ended = loop {
        let line = match channel.receive().await {
            Ok(line) => line,
            Err(error) => break error,
        };
        if line.starts_with("MODE ") {
            stepped = line == "MODE step";
        }
        if line == "EVENTS" {
            break stream_events(herd, node, channel).await;
        }
        let answer = match answer(herd, node, &line).await {
            Ok(value) => json!({ "ok": value }),
            Err(error) => json!({ "error": error }),
        };
        if let Err(error) = channel.send(&answer.to_string()).await {
            break error;
        }
    };
    if stepped && herd.network().mode() == Mode::Step {
        tracing::warn!(node = %node, "the console that asked for step mode left: live again, held messages go");
        herd.set_mode(Mode::Live);
    }
    ended
}

/// One request's answer, or why it was refused.
async fn answer(herd: &Herd, node: &NodeName, line: &str) -> Result<Value, String> {
    let mut words = line.split(' ');
    let verb = words.next().unwrap_or_default();
    let args: Vec<&str> = words.collect();
    let done = |result: Result<(), crate::herd::HerdError>| result.map(|()| Value::Null).map_err(|e| e.to_string());
    let neighbour = |index: usize| -> Result<&str, String> {
        let name = args.get(index).copied().ok_or_else(|| format!("{verb} needs a neighbour"))?;
        herd.topology()
            .are_neighbours(node, name)
            .then_some(name)
            .ok_or_else(|| format!("{name} is not a neighbour of {node}"))
    };
    match verb {
        "STATUS" => status(herd, node).ok_or_else(|| format!("{node} is not a node of this process")),
        "KILL" => done(herd.kill(node).await),
        "REVIVE" => done(herd.revive(node)),
        "CUT-FROM" => done(herd.cut_one_way(node, neighbour(0)?)),
        "HEAL-FROM" => done(herd.heal_one_way(node, neighbour(0)?)),
        "DELAY" => {
            // A delay may have spaces (`1s 500ms`): the rest of the line.
            let text = args.get(1..).map(|rest| rest.join(" ")).ok_or("DELAY needs a neighbour and a delay")?;
            let delay = Delay::parse(&text).ok_or_else(|| format!("{text:?} is not a delay"))?;
            done(herd.set_delay(node, neighbour(0)?, delay))
        }
        "LOSS" => {
            let percent =
                args.get(1).and_then(|p| p.parse().ok()).filter(|p| *p <= 100).ok_or("LOSS needs 0 to 100")?;
            done(herd.set_loss(node, neighbour(0)?, percent))
        }
        "MODE" => {
            let text = args.join(" ");
            let mode: Mode = text.parse().map_err(|e: crate::network::NotAMode| e.to_string())?;
            herd.set_mode(mode);
            Ok(Value::Null)
        }
        "RELEASE" => {
            let id = args.first().and_then(|id| id.parse().ok()).ok_or("RELEASE needs a held message's id")?;
            let verb = args.get(1).copied().unwrap_or("deliver");
            let fate =
                crate::network::Fate::from_verb(verb).ok_or_else(|| format!("{verb:?}: deliver, drop or dup"))?;
            herd.network().decide(id, fate).map(|_| Value::Null).ok_or_else(|| "that message went already".into())
        }
        "PAGE" => {
            let start = match args.first().copied() {
                None | Some("-") => PageStart::First,
                Some(after) => PageStart::After(after.to_string()),
            };
            let count = args.get(1).and_then(|c| c.parse().ok()).unwrap_or(MOST_PAGE).min(MOST_PAGE);
            let page = herd.cache_page(node, &start, count).map_err(|e| e.to_string())?;
            Ok(page
                .iter()
                .map(|entry| {
                    let via = match &entry.via {
                        Via::Client => Value::Null,
                        Via::Peer(from) => Value::from(&**from),
                    };
                    json!({ "line": entry.record.line(), "hops": entry.hops, "via": via })
                })
                .collect())
        }
        _ => Err(format!("unknown request {verb:?}")),
    }
}

/// What `STATUS` says, and an events stream says every `STATUS_EVERY`.
fn status(herd: &Herd, node: &str) -> Option<Value> {
    let status = herd.status().into_iter().find(|n| &*n.name == node)?;
    let counters = herd.counters_of(node)?;
    let count = |counter: &std::sync::atomic::AtomicU64| counter.load(std::sync::atomic::Ordering::Relaxed);
    Some(json!({
        "up": status.up,
        "client": status.client_addr.to_string(),
        "peer": status.peer_addr.to_string(),
        "clients": status.clients,
        "links": status.links.iter().map(|(n, up)| json!([&**n, up])).collect::<Vec<_>>(),
        "caught_up": status.caught_up.iter().map(|n| &**n).collect::<Vec<_>>(),
        "messages": count(&counters.messages),
        "duplicates": count(&counters.duplicates),
        "transmissions": count(&counters.transmissions),
        "unpublished": count(&counters.unpublished),
        "mode": herd.network().mode().to_string(),
        "held": herd
            .network()
            .held()
            .iter()
            .filter(|held| &*held.from == node)
            .map(|held| json!({ "id": held.id, "to": &*held.to, "client": &*held.client, "hops": held.hops }))
            .collect::<Vec<_>>(),
        "cut_from": herd.topology().neighbours(node).iter().filter(|n| herd.network().is_cut_from(node, n)).map(|n| &**n).collect::<Vec<_>>(),
    }))
}

/// Streams the node's events (as trace lines, `t` from the stream's start) and its status every
/// `STATUS_EVERY`, until the console leaves. Events that come together go out in one write.
async fn stream_events(herd: &Herd, node: &NodeName, mut channel: Channel) -> ControlError {
    let mut events = herd.subscribe();
    let started = SystemTime::now();
    let hello = json!({ "ok": { "started": humantime::format_rfc3339_micros(started).to_string() } });
    if let Err(error) = channel.send(&hello.to_string()).await {
        return error;
    }
    let mut ticker = tokio::time::interval(STATUS_EVERY);
    let mut out: Vec<u8> = Vec::new();
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                if let Some(status) = status(herd, node) {
                    out.extend_from_slice(json!({ "status": status }).to_string().as_bytes());
                    out.push(b'\n');
                }
            }
            received = events.recv() => {
                let mut next = Some(received);
                while let Some(received) = next.take() {
                    match received {
                        Ok(event) if event.node == *node => {
                            // Written straight into the batch: no map of values per event.
                            let start = out.len();
                            out.extend_from_slice(b"{\"event\":");
                            if Trace::write_event(&event, started, &mut out) {
                                out.extend_from_slice(b"}\n");
                            } else {
                                out.truncate(start);
                            }
                        }
                        Ok(_) => {}
                        // The console catches up from the next status (and the cache's count).
                        Err(RecvError::Lagged(missed)) => {
                            out.extend_from_slice(json!({ "lagged": missed }).to_string().as_bytes());
                            out.push(b'\n');
                        }
                        Err(RecvError::Closed) => return ControlError::Closed,
                    }
                    if out.len() < 64 * 1024 {
                        next = match events.try_recv() {
                            Ok(event) => Some(Ok(event)),
                            Err(TryRecvError::Lagged(missed)) => Some(Err(RecvError::Lagged(missed))),
                            // Empty (or closed, which the next `recv` tells).
                            Err(_) => None,
                        };
                    }
                }
            }
        }
        if !out.is_empty() {
            if let Err(error) = channel.send_lines(&out).await {
                return error;
            }
            out.clear();
        }
    }
}
