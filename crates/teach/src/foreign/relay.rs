//! What one foreign server sends another, carried across herdctl: a connection the first opened
//! to the second's port (in its own namespace, where that port is herdctl's) is joined to the
//! second's real port in the second's namespace, a line at a time each way. AT lines (a flood)
//! pass through the network's hand, as herdctl's own nodes' records do: held in step mode and
//! while conducted, delayed, lost, dropped or sent twice; they are told as floods, and the
//! receiver's cache as herdctl sees it learns them. Any other line (a greeting, an
//! acknowledgement, a protocol of the student's own) passes at once and is told as it is.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use herdctl_core::event::{EventKind, Via};
use herdctl_core::network::{Fate, Transmission};
use herdctl_core::protocol::Record;

use super::lines::Lines;
use super::{ForeignHerd, Server};

/// Joins `stream` (from `from`, to `to`'s port) to `to`'s real port, until either side closes
/// or the door closes (`through`).
pub(super) async fn carry(
    foreign: &Arc<ForeignHerd>,
    from: &Arc<Server>,
    to: &Arc<Server>,
    stream: TcpStream,
    through: CancellationToken,
) {
    if !foreign.topology.neighbours(&from.name).contains(&to.name) {
        from.events.emit(EventKind::Stray { to: to.name.clone() });
    }
    let Ok(target) = super::member::connect(to).await else {
        // It stopped listening as the connection came: as a refused connection would, this one
        // closes.
        return;
    };
    let (from_read, from_write) = stream.into_split();
    let (to_read, to_write) = target.into_split();
    let there = pass_lines(foreign, from, to, from_read, to_write);
    let back = pass_lines(foreign, to, from, to_read, from_write);
    tokio::select! {
        () = through.cancelled() => {}
        ((), ()) = async { tokio::join!(there, back) } => {}
    }
}

/// Passes every line `sender` writes on to `receiver`, then closes its side once `sender` has.
async fn pass_lines(
    foreign: &Arc<ForeignHerd>,
    sender: &Arc<Server>,
    receiver: &Arc<Server>,
    read: impl AsyncRead + Unpin,
    mut write: impl AsyncWrite + Unpin,
) {
    let mut lines = Lines::new(read);
    while let Ok(Some(line)) = lines.next().await {
        let moving = Moving::start(foreign);
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        let written = match at_record(text) {
            Some(record) => flood(foreign, sender, receiver, record, &line, &mut write, moving).await,
            None => {
                let written = write.write_all(&line).await.is_ok();
                if written {
                    sender.events.emit(EventKind::LineSent { to: receiver.name.clone(), line: text.into() });
                }
                written
            }
        };
        if !written {
            return;
        }
    }
    let _ = write.shutdown().await;
}

/// Passes one AT line through the network's hand; returns whether the connection still takes
/// lines.
async fn flood(
    foreign: &Arc<ForeignHerd>,
    sender: &Arc<Server>,
    receiver: &Arc<Server>,
    record: Arc<Record>,
    line: &[u8],
    write: &mut (impl AsyncWrite + Unpin),
    mut moving: Moving<'_>,
) -> bool {
    // The hop it arrives with: one past what the sender knows of it (herdctl cannot read the
    // hop count of a student's protocol, if it has one).
    let hops = sender.cache().entry(record.client()).map_or(1, |entry| entry.hops + 1);
    let transmission =
        Transmission { from: &sender.name, to: &receiver.name, client: record.client(), hops, queued: Instant::now() };
    let passage = foreign
        .network
        .pass(&transmission, |_| {
            // At rest while held: it waits for the operator or the conductor.
            moving.rest();
            sender.events.emit(EventKind::FloodHeld {
                to: receiver.name.clone(),
                record: record.clone(),
                hops,
                catch_up: false,
            });
        })
        .await;
    moving.resume();
    drop(passage.resuming);
    let times = match passage.fate {
        Fate::Deliver => 1,
        Fate::Duplicate => 2,
        Fate::Drop | Fate::Lost => {
            let by_operator = passage.fate == Fate::Drop;
            sender.events.emit(EventKind::FloodDropped {
                to: receiver.name.clone(),
                record,
                hops,
                catch_up: false,
                by_operator,
            });
            return true;
        }
    };
    for _ in 0..times {
        // Told, and learnt by the receiver's cache, before the line reaches the receiver: what
        // the receiver sends on in answer may cross herdctl at once, on another task, and its hop
        // is read from that cache (were it read first, a second hop would pass as a first and be
        // released out of its order). A write that then fails means the receiver closed the
        // connection, which a successful write to a closing socket would not prove either.
        sender.events.counters().transmissions.fetch_add(1, Ordering::Relaxed);
        sender.events.emit(EventKind::FloodSent {
            to: receiver.name.clone(),
            record: record.clone(),
            hops,
            catch_up: false,
        });
        let arrival = receiver.cache().offer(&record, hops, Via::Peer(sender.name.clone()));
        receiver.events.emit(EventKind::FloodReceived {
            from: sender.name.clone(),
            record: record.clone(),
            hops,
            arrival,
            catch_up: false,
        });
        if arrival.is_new() {
            let via = Via::Peer(sender.name.clone());
            receiver.events.emit(EventKind::CacheUpdated { record: record.clone(), via, hops, catch_up: false });
        }
        if write.write_all(line).await.is_err() {
            return false;
        }
    }
    true
}

/// The record an AT line carries: the line itself, or its first six fields when the student's
/// protocol adds its own (a hop count, the servers it has visited).
pub(super) fn at_record(text: &str) -> Option<Arc<Record>> {
    if !text.starts_with("AT") {
        return None;
    }
    Record::parse(text)
        .or_else(|| {
            let fields: Vec<&str> = text.split_ascii_whitespace().take(6).collect();
            Record::parse(&fields.join(" "))
        })
        .map(Arc::new)
}

/// One line on its way across herdctl, counted in the foreign herd's motion from the moment it
/// is read until it is written (or at rest, held), so that the herd is quiet only when nothing
/// is.
struct Moving<'a> {
    foreign: &'a ForeignHerd,
    counted: bool,
}

impl<'a> Moving<'a> {
    fn start(foreign: &'a ForeignHerd) -> Self {
        foreign.moving.fetch_add(1, Ordering::AcqRel);
        foreign.crossing();
        Self { foreign, counted: true }
    }

    fn rest(&mut self) {
        if std::mem::replace(&mut self.counted, false) {
            self.foreign.moving.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn resume(&mut self) {
        if !std::mem::replace(&mut self.counted, true) {
            self.foreign.moving.fetch_add(1, Ordering::AcqRel);
        }
    }
}

impl Drop for Moving<'_> {
    fn drop(&mut self) {
        // The pause that follows a line counts from its arrival, so that what the receiver sends
        // on in answer is seen before the herd is called quiet.
        self.foreign.crossing();
        self.rest();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_lines_with_and_without_a_students_own_fields() {
        let line = "AT Riley +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503";
        assert_eq!(at_record(line).unwrap().client(), "kiwi.cs.ucla.edu");
        let with_more = format!("{line} 3 Riley,Jaquez");
        assert_eq!(at_record(&with_more).unwrap().line(), line);
        assert!(at_record("IAMAT kiwi +1+1 5").is_none());
        assert!(at_record("AT nonsense").is_none());
    }
}
