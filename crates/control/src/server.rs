//! The node's side of the control port: one listener per node of this process, open for the
//! process's whole life (a node killed through it stays revivable through it). Each connection
//! proves the herd key, then asks one question a line, or asks for the node's events.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use herdctl_core::cache::PageStart;
use herdctl_core::herd::{Herd, Steer};
use herdctl_core::keyring::SharedKeyring;
use herdctl_core::limits::PortPlace;
use herdctl_core::net::TcpListener;
use herdctl_core::network::Mode;
use herdctl_core::peer::Refusals;
use herdctl_core::secure::Terms;
use herdctl_core::topology::NodeName;

use super::protocol::{KeyringReport, NodeReport, PageEntry, Request, Response, Streamed};
use super::{Channel, ControlError, HANDSHAKE_TIMEOUT, accept};

/// How often an events stream says the node's status (its counts and links).
pub const STATUS_EVERY: Duration = Duration::from_millis(250);
/// Events gathered into one write of a stream.
const STREAM_BATCH: usize = 64 * 1024;
/// Connections one control port holds at once (consoles and handshakes under way); one more is
/// closed at once, as one past the process's open-file budget is: a flood of connections that
/// never finish their handshake must not take the descriptors the node's clients need.
pub const MOST_CONNECTIONS: usize = 64;

/// Reads the process's key file again and puts its ring in force, or says why it did not (the
/// ring in force stays); the process that runs the nodes knows where the file is.
pub type ReloadKeys = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// Serves `node`'s control port on `listener` until `stop`; every connection's task is tracked
/// by `tasks`, so that shutdown can wait for them. `reload`: how `KEYRING RELOAD` reads the key
/// file again (`None`: the key did not come from a file).
pub async fn serve(
    herd: Arc<Herd>,
    node: NodeName,
    listener: TcpListener,
    terms: Terms,
    reload: Option<ReloadKeys>,
    stop: CancellationToken,
    tasks: TaskTracker,
) {
    let refusals = Arc::new(Refusals::default());
    let open = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let budget = herd.connections();
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
        // Past the port's cap or the process's budget: closed at once, counted, said once.
        let Some(place) = PortPlace::take(&open, MOST_CONNECTIONS, &budget) else {
            herd.control_refused(&node, "full");
            // Told why in the plain line a console reads first (a sealed or plain dialler takes
            // a `DENIED` line as the refusal it is), never waited on for long.
            tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                let mut stream = stream;
                let told =
                    format!("DENIED the control port is full ({MOST_CONNECTIONS} connections): try again soon\n");
                let _ = timeout(Duration::from_secs(1), stream.write_all(told.as_bytes())).await;
            });
            let reason =
                format!("{MOST_CONNECTIONS} connections are open here, or the process has no descriptor to spare");
            if let Some(told) = refusals.refused(addr.ip(), &reason, std::time::Instant::now()) {
                tracing::warn!(node = %node, "control connection from {addr} refused: {told}");
            }
            continue;
        };
        let (herd, node, terms, stop) = (herd.clone(), node.clone(), terms.clone(), stop.clone());
        let (refusals, reload) = (refusals.clone(), reload.clone());
        tasks.spawn(async move {
            let _place = place;
            let opened = match timeout(HANDSHAKE_TIMEOUT, accept(stream, &node, &terms)).await {
                Ok(Ok(channel)) => channel,
                refused => {
                    let error = refused.map_or(ControlError::Timeout, |r| r.err().unwrap_or(ControlError::Closed));
                    herd.control_refused(&node, error.refusal());
                    let reason = match error {
                        ControlError::Timeout => "no handshake in time".to_string(),
                        error => error.to_string(),
                    };
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
                ended = converse(&herd, &node, opened, addr, (&terms.keys, reload.as_ref())) => ended,
            };
            tracing::info!(node = %node, "the console from {addr} left: {ended}");
        });
    }
}

/// Answers requests of the console at `from` until it leaves (or switches the connection to
/// events). Each action (not a look) is logged with who asked and how it ended.
async fn converse(
    herd: &Herd,
    node: &NodeName,
    mut channel: Channel,
    from: std::net::SocketAddr,
    keys: (&SharedKeyring, Option<&ReloadKeys>),
) -> ControlError {
    // A console that put the node in step mode and left (or vanished) must not leave its
    // messages held for ever: the node goes live again when that connection ends.
    let mut stepped = false;
    let ended = loop {
        let line = match channel.receive().await {
            Ok(line) => line,
            Err(error) => break error,
        };
        let answer = match line.parse::<Request>() {
            Ok(Request::Events) => break stream_events(herd, node, channel).await,
            Ok(request) => {
                if let Request::Steer(Steer::Mode(mode)) = &request {
                    stepped = *mode == Mode::Step;
                }
                let acts = matches!(
                    request,
                    Request::Kill | Request::Revive | Request::Steer(_) | Request::Keyring { reload: true }
                );
                let asked = acts.then(|| request.to_string());
                let answer = match request {
                    Request::Keyring { reload } => keyring(keys, reload),
                    request => answer(herd, node, request).await,
                };
                if let Some(asked) = asked {
                    let outcome = match &answer {
                        Response::Refused(why) => format!("refused: {why}"),
                        Response::Keyring(report) => format!("done: {report}"),
                        _ => "done".to_string(),
                    };
                    tracing::info!(node = %node, "{asked} from the console at {from}: {outcome}");
                }
                answer
            }
            Err(error) => Response::Refused(error.to_string()),
        };
        if let Err(error) = channel.send(&answer.to_line()).await {
            break error;
        }
    };
    if stepped && herd.network().mode() == Mode::Step {
        tracing::warn!(node = %node, "the console that asked for step mode left: live again, held messages go");
        herd.set_mode(Mode::Live);
    }
    ended
}

/// The keyring in force, after reading the key file again if `reload`: a file that cannot be
/// used leaves the ring as it was, and the answer says why.
fn keyring((keys, reloader): (&SharedKeyring, Option<&ReloadKeys>), reload: bool) -> Response {
    if reload {
        let outcome = match reloader {
            Some(reloader) => reloader(),
            None => Err("this node's key did not come from a key file (--key-file or HERD_KEY_FILE): there is no \
                         file to read again"
                .to_string()),
        };
        if let Err(why) = outcome {
            return Response::Refused(format!("{why}; the keyring stays as it was: {}", keys.now()));
        }
    }
    Response::Keyring(KeyringReport::of(&keys.now()))
}

/// One request's answer.
async fn answer(herd: &Herd, node: &NodeName, request: Request) -> Response {
    let done = |result: Result<(), herdctl_core::herd::HerdError>| match result {
        Ok(()) => Response::Done,
        Err(error) => Response::Refused(error.to_string()),
    };
    let neighbour = |name: &NodeName| -> Result<(), String> {
        match herd.topology().are_neighbours(node, name) {
            true => Ok(()),
            false => Err(format!("{name} is not a neighbour of {node}")),
        }
    };
    match request {
        Request::Status => match report(herd, node) {
            Some(report) => Response::Status(Box::new(report)),
            None => Response::Refused(format!("{node} is not a node of this process")),
        },
        Request::Kill => done(herd.kill(node).await),
        Request::Revive => done(herd.revive(node).await),
        Request::Steer(change) => {
            let checked = match &change {
                Steer::CutFrom(n) | Steer::HealFrom(n) | Steer::Delay(n, _) | Steer::Loss(n, _) => neighbour(n),
                Steer::Mode(_) | Steer::Release(..) => Ok(()),
            };
            if let Err(refused) = checked {
                return Response::Refused(refused);
            }
            match change {
                Steer::CutFrom(n) => done(herd.cut_one_way(node, &n)),
                Steer::HealFrom(n) => done(herd.heal_one_way(node, &n)),
                Steer::Delay(n, delay) => done(herd.set_delay(node, &n, delay)),
                Steer::Loss(n, percent) => done(herd.set_loss(node, &n, percent)),
                Steer::Mode(mode) => {
                    herd.set_mode(mode);
                    Response::Done
                }
                // Held transmissions here are numbered by this process's network.
                Steer::Release(id, fate) => match herd.network().decide(id, fate) {
                    Some(_) => Response::Done,
                    None => Response::Refused("that message went already".into()),
                },
            }
        }
        Request::Page { after, count } => {
            let start = after.map_or(PageStart::First, PageStart::After);
            match herd.cache_page(node, &start, count) {
                Ok(page) => Response::Page(page.iter().map(PageEntry::of).collect()),
                Err(error) => Response::Refused(error.to_string()),
            }
        }
        Request::Events => Response::Refused("EVENTS switches the connection to the stream".into()),
        Request::Keyring { .. } => Response::Refused("KEYRING is answered from the keyring".into()),
        Request::Snapshot(file) => match herd.store(node) {
            // The copy blocks its thread while the store's writer makes it.
            Some(store) => match tokio::task::spawn_blocking(move || store.snapshot(&file)).await {
                Ok(Ok((_, records))) => Response::Snapshot(records),
                Ok(Err(why)) => Response::Refused(why),
                Err(_) => Response::Refused("the snapshot stopped".into()),
            },
            None => Response::Refused(format!("{node} keeps no records on disk (no --data-dir)")),
        },
    }
}

/// What the node says of itself (`None` for a node this process does not run).
fn report(herd: &Herd, node: &str) -> Option<NodeReport> {
    if !herd.runs_here(node) {
        return None;
    }
    let status = herd.status().into_iter().find(|n| &*n.name == node)?;
    let totals = herd.totals_of(node).ok()?;
    let network = herd.network();
    let held: Vec<_> = network.held().into_iter().filter(|held| &*held.from == node).collect();
    let cut_from = herd
        .topology()
        .neighbours(node)
        .iter()
        .filter(|n| network.is_cut_from(node, n))
        .map(|n| n.to_string())
        .collect();
    Some(NodeReport::of(&status, totals, network.mode().to_string(), cut_from, &held))
}

/// Streams the node's events (`t` from the stream's start) and its report every
/// `STATUS_EVERY`, until the console leaves. Events that come together go out in one write.
async fn stream_events(herd: &Herd, node: &NodeName, mut channel: Channel) -> ControlError {
    let mut events = herd.subscribe();
    let started = SystemTime::now();
    if let Err(error) = channel.send(&Response::Streaming { started }.to_line()).await {
        return error;
    }
    let mut ticker = tokio::time::interval(STATUS_EVERY);
    let mut out: Vec<u8> = Vec::new();
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                if let Some(report) = report(herd, node) {
                    Streamed::Status(report).write_to(started, &mut out);
                }
            }
            received = events.recv() => {
                let mut next = Some(received);
                while let Some(received) = next.take() {
                    match received {
                        Ok(event) if event.node == *node => {
                            // Encoded straight into the batch: no copy, no map of values per event.
                            Streamed::write_event(&event, started, &mut out);
                        }
                        Ok(_) => {}
                        // The console catches up from the next report (and the cache's count).
                        Err(RecvError::Lagged(missed)) => Streamed::Lagged(missed).write_to(started, &mut out),
                        Err(RecvError::Closed) => return ControlError::Closed,
                    }
                    if out.len() < STREAM_BATCH {
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
