//! A link: this node's long-lived connection to one neighbour, as its own task with an outbound
//! queue. It dials, proves the herd key, sends everything it knows (catch-up), then streams new
//! records and matches the neighbour's acknowledgements to waiting clients. When the connection
//! breaks it redials every `RETRY_EVERY`, so a returning neighbour is back within a second.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, timeout};

use super::Local;
use super::handshake;
use super::wire::{Message, PeerError, PeerStream, next_line};
use crate::cache::PageStart;
use crate::event::EventKind;
use crate::protocol::Record;
use crate::topology::NodeName;

pub const RETRY_EVERY: Duration = Duration::from_millis(250);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);
/// An idle link sends a PING this often...
const PING_EVERY: Duration = Duration::from_secs(2);
/// ...and is dropped (then redialled) when the neighbour says nothing for this long: a hung or
/// vanished machine is noticed even when TCP is not told.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(6);
/// Records waiting for a slow neighbour. Past this the link resets: the reconnection's catch-up
/// carries every record, so nothing is lost and memory stays bounded.
const MAX_QUEUE: usize = 1 << 16;
/// Records are written in batches of about this many bytes.
const BATCH_BYTES: usize = 64 * 1024;
/// Records read from the cache at a time for catch-up.
const CATCH_UP_PAGE: usize = 1024;

/// A record on its way to the neighbour, and who (if anyone) waits for its acknowledgement.
pub struct Outgoing {
    pub record: Arc<Record>,
    /// The hop count the record will have at the neighbour.
    pub hops: u32,
    pub ack: Option<oneshot::Sender<()>>,
    /// When it was queued: latency and slow motion count from here.
    pub queued: Instant,
    /// Passed on after arriving by catch-up, not by a flood.
    pub catch_up: bool,
}

/// The node's side of one link.
pub struct Link {
    pub neighbour: NodeName,
    up: AtomicBool,
    /// Up, and its catch-up sent: what was known when it came up has gone out.
    caught_up: AtomicBool,
    queue: mpsc::UnboundedSender<Outgoing>,
}

impl Link {
    pub fn new(neighbour: NodeName) -> (Arc<Self>, mpsc::UnboundedReceiver<Outgoing>) {
        let (queue, receiver) = mpsc::unbounded_channel();
        (Arc::new(Self { neighbour, up: AtomicBool::new(false), caught_up: AtomicBool::new(false), queue }), receiver)
    }

    /// Whether the link is connected and authenticated.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Whether the link is up and its catch-up has been sent.
    pub fn is_caught_up(&self) -> bool {
        self.caught_up.load(Ordering::Acquire)
    }

    pub fn send(&self, outgoing: Outgoing) {
        // The receiver lives as long as the link task; after that, nobody needs the record.
        let _ = self.queue.send(outgoing);
    }
}

/// The link's task: connect, exchange, reconnect, until the node stops.
pub async fn run(node: Arc<Local>, link: Arc<Link>, mut queue: mpsc::UnboundedReceiver<Outgoing>, address: String) {
    let mut last_failure = None;
    loop {
        // A cut link is not dialled until the operator heals it.
        tokio::select! {
            _ = node.token.cancelled() => return,
            _ = node.network.until_healed(&node.name, &link.neighbour) => {}
        }
        let attempt = tokio::select! {
            _ = node.token.cancelled() => return,
            attempt = connect(&node, &link.neighbour, &address) => attempt,
        };
        match attempt {
            Ok(peer) => {
                last_failure = None;
                // What was queued while the link was down reaches the neighbour by catch-up.
                while queue.try_recv().is_ok() {}
                // Up before the cache snapshot: a record stored after the snapshot is then queued,
                // and one stored before it is in the snapshot. None falls between.
                link.up.store(true, Ordering::Release);
                node.events.emit(EventKind::LinkUp { neighbour: link.neighbour.clone() });
                let reason = tokio::select! {
                    _ = node.token.cancelled() => "node stopped".to_string(),
                    _ = node.network.until_cut(&node.name, &link.neighbour) => "cut by the operator".to_string(),
                    error = exchange(&node, &link, peer, &mut queue) => error.to_string(),
                };
                link.up.store(false, Ordering::Release);
                link.caught_up.store(false, Ordering::Release);
                node.events.emit(EventKind::LinkDown { neighbour: link.neighbour.clone(), reason: reason.into() });
            }
            Err(error) => {
                // A refused connection is the normal state of a link to a dead node: not news.
                let refused = matches!(&error, PeerError::Io(e) if e.kind() == ErrorKind::ConnectionRefused);
                let repeated = last_failure.as_ref().is_some_and(|last: &PeerError| last.same_kind(&error));
                if !refused && !repeated {
                    node.events.emit(EventKind::LinkFailed {
                        neighbour: link.neighbour.clone(),
                        reason: error.to_string().into(),
                    });
                }
                last_failure = Some(error);
            }
        }
        tokio::select! {
            _ = node.token.cancelled() => return,
            _ = tokio::time::sleep(RETRY_EVERY) => {}
        }
    }
}

async fn connect(node: &Local, neighbour: &str, address: &str) -> Result<PeerStream, PeerError> {
    let stream = timeout(CONNECT_TIMEOUT, TcpStream::connect(address)).await.map_err(|_| PeerError::Timeout)??;
    timeout(HANDSHAKE_TIMEOUT, handshake::dial(stream, &node.name, neighbour, &node.key))
        .await
        .map_err(|_| PeerError::Timeout)?
}

/// Streams records over an open link until it breaks; returns why it broke.
async fn exchange(
    node: &Local,
    link: &Link,
    peer: PeerStream,
    queue: &mut mpsc::UnboundedReceiver<Outgoing>,
) -> PeerError {
    let neighbour = &link.neighbour;
    let (mut lines, mut writer) = peer.split();
    let waiting: Mutex<VecDeque<(u64, oneshot::Sender<()>)>> = Mutex::default();

    let send = async {
        let mut seq = 0u64;
        let mut text = String::with_capacity(BATCH_BYTES + 1024);
        // Catch-up: everything this node knows, a page at a time so that the cache's lock is
        // never held for more than one page (a node may know a million clients). A record stored
        // while this runs is also queued (the link is up), so none falls between pages.
        let snapshot_taken = Instant::now();
        let mut sent = 0usize;
        let mut start = PageStart::First;
        loop {
            let page = node.records.page(&start, CATCH_UP_PAGE);
            let Some(last) = page.last() else { break };
            start = PageStart::After(last.record.client().to_string());
            for entry in &page {
                if node.network.is_special() {
                    writer.write_all(text.as_bytes()).await?;
                    text.clear();
                    gate(node, neighbour, entry.record.client(), entry.hops + 1, snapshot_taken, &mut writer).await?;
                }
                seq += 1;
                let (record, hops) = (&entry.record, entry.hops + 1);
                Message::Record { seq, hops, at_line: record.line(), catch_up: true }.write_to(&mut text);
                if node.events.is_heard() {
                    let to = neighbour.clone();
                    node.events.emit(EventKind::FloodSent { to, record: record.clone(), hops, catch_up: true });
                }
                if text.len() >= BATCH_BYTES {
                    writer.write_all(text.as_bytes()).await?;
                    text.clear();
                }
            }
            sent += page.len();
        }
        writer.write_all(text.as_bytes()).await?;
        text.clear();
        link.caught_up.store(true, Ordering::Release);
        node.events.emit(EventKind::CatchUpSent { to: neighbour.clone(), records: sent });

        loop {
            let first = tokio::select! {
                outgoing = queue.recv() => outgoing.ok_or(PeerError::Closed)?,
                _ = tokio::time::sleep(PING_EVERY) => {
                    writer.write_all(b"PING\n").await?;
                    continue;
                }
            };
            let mut next = Some(first);
            let mut yielded = false;
            while let Some(outgoing) = next {
                let Outgoing { record, hops, ack, queued, catch_up } = outgoing;
                let special = node.network.is_special();
                if special {
                    // Held or delayed: what is batched goes first, then this record waits.
                    writer.write_all(text.as_bytes()).await?;
                    text.clear();
                    gate(node, neighbour, record.client(), hops, queued, &mut writer).await?;
                }
                seq += 1;
                Message::Record { seq, hops, at_line: record.line(), catch_up }.write_to(&mut text);
                if let Some(ack) = ack {
                    waiting.lock().unwrap_or_else(|p| p.into_inner()).push_back((seq, ack));
                }
                node.events.emit(EventKind::FloodSent { to: neighbour.clone(), record, hops, catch_up });
                next = if text.len() < BATCH_BYTES && !special { queue.try_recv().ok() } else { None };
                if next.is_none() && !special && !yielded {
                    // Let the tasks that are ready run first: under load they queue more records,
                    // which then share this write (one system call, one wake-up at the neighbour).
                    yielded = true;
                    tokio::task::yield_now().await;
                    next = queue.try_recv().ok();
                }
            }
            if queue.len() > MAX_QUEUE {
                return Err(PeerError::Overflow(MAX_QUEUE));
            }
            writer.write_all(text.as_bytes()).await?;
            text.clear();
        }
    };

    let receive = async {
        loop {
            let line = timeout(SILENCE_LIMIT, next_line(&mut lines)).await.map_err(|_| PeerError::Timeout)??;
            match Message::parse(&line) {
                Some(Message::Ack { seq: acked }) => {
                    let mut waiting = waiting.lock().unwrap_or_else(|p| p.into_inner());
                    while waiting.front().is_some_and(|(seq, _)| *seq <= acked) {
                        if let Some((_, ack)) = waiting.pop_front() {
                            let _ = ack.send(());
                        }
                    }
                }
                Some(Message::Pong) => {}
                _ => return Err(PeerError::Unexpected(line)),
            }
        }
    };

    let result: Result<(), PeerError> = tokio::select! {
        result = send => result,
        result = receive => result,
    };
    result.err().unwrap_or(PeerError::Closed)
}

/// Waits until the network lets a transmission go, pinging meanwhile so that a long hold in step
/// mode is not mistaken for a dead neighbour.
async fn gate(
    node: &Local,
    neighbour: &NodeName,
    client: &str,
    hops: u32,
    queued: Instant,
    writer: &mut OwnedWriteHalf,
) -> Result<(), PeerError> {
    let transmit = node.network.transmit(&node.name, neighbour, client, hops, queued);
    tokio::pin!(transmit);
    loop {
        tokio::select! {
            _ = &mut transmit => return Ok(()),
            _ = tokio::time::sleep(PING_EVERY) => writer.write_all(b"PING\n").await?,
        }
    }
}
