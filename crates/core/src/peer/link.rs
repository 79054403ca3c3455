//! A link: this node's long-lived connection to one neighbour, as its own task with an outbound
//! queue. It dials, proves the herd key, sends everything it knows (catch-up), then streams new
//! records and matches the neighbour's acknowledgements to waiting clients. When the connection
//! breaks it redials every `RETRY_EVERY`, so a returning neighbour is back within a second.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::time::{Instant, timeout};

use super::Local;
use super::handshake;
use super::wire::{Message, PeerError, PeerStream, next_line};
use crate::cache::PageStart;
use crate::event::EventKind;
use crate::net::TcpStream;
use crate::network::{Fate, Motion, Passage, Transmission};
use crate::protocol::Record;
use crate::secure::Writer;
use crate::strategy::Carried;
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
    /// How it is passed on: after arriving by catch-up, and whether the receiver is to flood it
    /// on (a routing strategy fell back to flooding it).
    pub carried: Carried,
}

/// The node's side of one link.
pub struct Link {
    pub neighbour: NodeName,
    up: AtomicBool,
    /// Up, and its catch-up sent: what was known when it came up has gone out.
    caught_up: AtomicBool,
    /// Caught up at least once in this life of the node (never cleared: readiness reads it).
    caught_up_once: AtomicBool,
    /// Asks the link to send its node's whole cache again (gossip's anti-entropy).
    resync: tokio::sync::Notify,
    queue: mpsc::UnboundedSender<Outgoing>,
    /// Records in `queue`. Counted at the sender, so the bound holds even while the link's task
    /// is stuck in a write to a neighbour that stopped reading.
    queued: AtomicUsize,
    /// Records the link's task has taken and that have not come to rest: on their way through
    /// the gate, written and not yet acknowledged, and the catch-up under way. Only the task
    /// changes it; with `queued`, it is what this link has in motion (the herd's quiet).
    working: AtomicUsize,
    /// The most records `queue` may hold; past it the link resets.
    most_queued: usize,
    /// Set when a record found the queue full; the link's task then resets the link.
    overflowed: AtomicBool,
    overflow: Notify,
}

impl Link {
    pub fn new(neighbour: NodeName) -> (Arc<Self>, mpsc::UnboundedReceiver<Outgoing>) {
        Self::with_bound(neighbour, MAX_QUEUE)
    }

    /// A link whose queue holds at most `most_queued` records.
    pub fn with_bound(neighbour: NodeName, most_queued: usize) -> (Arc<Self>, mpsc::UnboundedReceiver<Outgoing>) {
        let (queue, receiver) = mpsc::unbounded_channel();
        let link = Self {
            neighbour,
            up: AtomicBool::new(false),
            caught_up: AtomicBool::new(false),
            caught_up_once: AtomicBool::new(false),
            resync: tokio::sync::Notify::new(),
            queue,
            queued: AtomicUsize::new(0),
            working: AtomicUsize::new(0),
            most_queued,
            overflowed: AtomicBool::new(false),
            overflow: Notify::new(),
        };
        (Arc::new(link), receiver)
    }

    /// Whether the link is connected and authenticated.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Whether the link is up and its catch-up has been sent.
    pub fn is_caught_up(&self) -> bool {
        self.caught_up.load(Ordering::Acquire)
    }

    /// Whether the link has been up and caught up at least once since the node started.
    pub fn has_caught_up_once(&self) -> bool {
        self.caught_up_once.load(Ordering::Acquire)
    }

    /// Catches the neighbour up again with everything the node knows (anti-entropy).
    pub fn resync(&self) {
        self.resync.notify_one();
    }

    /// Queues a record for the neighbour. A full queue drops it (and with it the wait for its
    /// acknowledgement) and tells the link's task to reset: the catch-up after the reset carries
    /// every record, so nothing is lost, and a neighbour that stopped reading cannot grow this
    /// node's memory with the load.
    pub fn send(&self, outgoing: Outgoing) {
        if self.queued.fetch_add(1, Ordering::AcqRel) >= self.most_queued {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            if !self.overflowed.swap(true, Ordering::AcqRel) {
                self.overflow.notify_waiters();
            }
            return;
        }
        // The receiver lives as long as the link task; after that, nobody needs the record.
        if self.queue.send(outgoing).is_err() {
            self.queued.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// The next queued record is the task's now: off the queue's count, onto the work's.
    fn taken(&self) {
        self.working.fetch_add(1, Ordering::AcqRel);
        self.queued.fetch_sub(1, Ordering::AcqRel);
    }

    /// A queued record thrown away (the link is down: catch-up will carry it).
    fn discarded(&self, motion: &Motion) {
        if self.queued.fetch_sub(1, Ordering::AcqRel) == 1 && self.working.load(Ordering::Acquire) == 0 {
            motion.settled();
        }
    }

    /// Records (or a catch-up) set in motion by the task itself.
    fn work(&self, records: usize) {
        self.working.fetch_add(records, Ordering::AcqRel);
    }

    /// Records come to rest: held, acknowledged, dropped, or a catch-up done.
    fn rest(&self, records: usize, motion: &Motion) {
        if records > 0 && self.working.fetch_sub(records, Ordering::AcqRel) == records {
            motion.settled();
        }
    }

    /// Everything the task had in motion is gone with the connection.
    fn rest_all(&self, motion: &Motion) {
        if self.working.swap(0, Ordering::AcqRel) > 0 {
            motion.settled();
        }
    }

    /// Records this link has in motion: queued, or taken and not yet at rest. Zero at every link
    /// of the herd (and nothing released but not yet taken up) is the herd's quiet.
    pub fn in_motion(&self) -> usize {
        self.queued.load(Ordering::Acquire) + self.working.load(Ordering::Acquire)
    }

    /// Records waiting in the queue for the link's task to take them up (the queue's depth:
    /// grows while the task is held, in step or slow motion or by a neighbour that reads slowly).
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Waits until a record found the queue full.
    async fn overflowing(&self) {
        loop {
            let notified = self.overflow.notified();
            tokio::pin!(notified);
            // Registered before the flag is read, so a notification in between is not missed.
            notified.as_mut().enable();
            if self.overflowed.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }

    /// Marks the link down when dropped: however its exchange ends (an error, the node
    /// stopping, a panic), the link is never left marked up.
    fn up_while(&self) -> UpGuard<'_> {
        self.up.store(true, Ordering::Release);
        UpGuard(self)
    }
}

/// Leaves nothing of a link counted as in motion when its task ends.
struct RestGuard<'a> {
    link: &'a Link,
    motion: &'a Motion,
}

impl Drop for RestGuard<'_> {
    fn drop(&mut self) {
        self.link.rest_all(self.motion);
    }
}

struct UpGuard<'a>(&'a Link);

impl Drop for UpGuard<'_> {
    fn drop(&mut self) {
        self.0.up.store(false, Ordering::Release);
        self.0.caught_up.store(false, Ordering::Release);
    }
}

/// The link's task: connect, exchange, reconnect, until the node stops.
pub async fn run(node: Arc<Local>, link: Arc<Link>, mut queue: mpsc::UnboundedReceiver<Outgoing>, address: String) {
    let mut last_failure = None;
    let motion = node.network.motion().clone();
    // However the task ends, nothing of this link stays counted as in motion.
    let _rest = RestGuard { link: &link, motion: &motion };
    loop {
        // What was queued while the link was down reaches the neighbour by catch-up.
        while queue.try_recv().is_ok() {
            link.discarded(&motion);
        }
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
                while queue.try_recv().is_ok() {
                    link.discarded(&motion);
                }
                link.overflowed.store(false, Ordering::Release);
                // The catch-up to come is in motion from now, before the link is seen up, so that
                // nobody takes the moment between for quiet.
                link.work(1);
                // Up before the cache snapshot: a record stored after the snapshot is then queued,
                // and one stored before it is in the snapshot. None falls between.
                let up = link.up_while();
                node.events.emit(EventKind::LinkUp { neighbour: link.neighbour.clone() });
                let connected = async {
                    tokio::select! {
                        _ = node.token.cancelled() => "node stopped".to_string(),
                        _ = node.network.until_cut(&node.name, &link.neighbour) => "cut by the operator".to_string(),
                        () = link.overflowing() => PeerError::Overflow(link.most_queued).to_string(),
                        error = exchange(&node, &link, peer, &mut queue) => error.to_string(),
                    }
                };
                // A bug in the exchange must not end the link for good: it is told, and the link
                // redials like after any other failure.
                let reason = AssertUnwindSafe(connected).catch_unwind().await.unwrap_or_else(|panic| {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|text| text.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    format!("the link's task failed ({what}); redialling")
                });
                drop(up);
                while queue.try_recv().is_ok() {
                    link.discarded(&motion);
                }
                link.rest_all(&motion);
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
    timeout(HANDSHAKE_TIMEOUT, handshake::dial(stream, &node.name, neighbour, &node.terms, &node.agreement()))
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
    let motion = &**node.network.motion();
    let (mut lines, writer) = peer.split();
    let waiting: Mutex<VecDeque<(u64, oneshot::Sender<()>)>> = Mutex::default();

    let send = async {
        let counters = node.events.counters().clone();
        let mut out = Outbox { writer, text: String::with_capacity(BATCH_BYTES + 1024), seq: 0, counters };
        let sent = catch_up(node, link, &mut out).await?;
        link.caught_up.store(true, Ordering::Release);
        link.caught_up_once.store(true, Ordering::Release);
        node.events.emit(EventKind::CatchUpSent { to: neighbour.clone(), records: sent });

        loop {
            let first = tokio::select! {
                outgoing = queue.recv() => {
                    link.taken();
                    outgoing.ok_or(PeerError::Closed)?
                }
                _ = tokio::time::sleep(PING_EVERY) => {
                    out.writer.write_all(b"PING\n").await?;
                    continue;
                }
                () = link.resync.notified() => {
                    link.work(1);
                    let sent = catch_up(node, link, &mut out).await?;
                    node.events.emit(EventKind::CatchUpSent { to: neighbour.clone(), records: sent });
                    continue;
                }
            };
            // A batching strategy gathers what comes within its interval, and sends it as one.
            if let Some(every) = node.network.strategy().batch_interval() {
                let batch = gather(first, queue, link, every).await;
                put_batch(node, link, &mut out, batch, &waiting).await?;
                out.flush().await?;
                continue;
            }
            let mut next = Some(first);
            let mut yielded = false;
            while let Some(outgoing) = next {
                let Outgoing { record, hops, ack, queued, carried } = outgoing;
                let special = node.network.is_special();
                let sent = put(node, link, &mut out, &record, hops, queued, carried).await?;
                // The wait ends with the (last) copy's acknowledgement; a dropped one's at once.
                if let (Some(ack), Some(last)) = (ack, sent) {
                    waiting.lock().unwrap_or_else(|p| p.into_inner()).push_back((last, ack));
                }
                next = if out.text.len() < BATCH_BYTES && !special { queue.try_recv().ok() } else { None };
                if next.is_some() {
                    link.taken();
                }
                if next.is_none() && !special && !yielded {
                    // Let the tasks that are ready run first: under load they queue more records,
                    // which then share this write (one system call, one wake-up at the neighbour).
                    yielded = true;
                    tokio::task::yield_now().await;
                    next = queue.try_recv().ok();
                    if next.is_some() {
                        link.taken();
                    }
                }
            }
            out.flush().await?;
        }
    };

    let receive = async {
        // Copies are numbered from 1 on each connection; each one acknowledged comes to rest.
        let mut acknowledged = 0;
        loop {
            let line = timeout(SILENCE_LIMIT, next_line(&mut lines)).await.map_err(|_| PeerError::Timeout)??;
            match Message::parse(&line) {
                Some(Message::Ack { seq: acked }) => {
                    if acked > acknowledged {
                        link.rest((acked - acknowledged) as usize, motion);
                        acknowledged = acked;
                    }
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

/// Waits until the network lets a transmission of `records` records go, pinging meanwhile so that
/// a long hold in step mode is not mistaken for a dead neighbour; returns what became of it. While
/// it is held its records are at rest; once let go they are the link's again.
async fn gate(
    node: &Local,
    link: &Link,
    record: &Arc<Record>,
    (hops, catch_up, records): (u32, bool, usize),
    queued: Instant,
    writer: &mut Writer,
) -> Result<Fate, PeerError> {
    let neighbour = &link.neighbour;
    let motion = &**node.network.motion();
    let held = |for_operator: bool| {
        // What waits for the conductor is not news: only the operator's holds are told.
        if for_operator {
            let (to, record) = (neighbour.clone(), record.clone());
            node.events.emit(EventKind::FloodHeld { to, record, hops, catch_up });
        }
        link.rest(records, motion);
    };
    let transmission = Transmission { from: &node.name, to: neighbour, client: record.client(), hops, queued };
    let pass = node.network.pass(&transmission, held);
    tokio::pin!(pass);
    let passage: Passage = loop {
        tokio::select! {
            passage = &mut pass => break passage,
            _ = tokio::time::sleep(PING_EVERY) => writer.write_all(b"PING\n").await?,
        }
    };
    if passage.held {
        link.work(records);
    }
    // Counted as the link's again: the network's count of it as released can go.
    drop(passage.resuming);
    Ok(passage.fate)
}

/// What a link's sending half writes: records batched in `text` until flushed, numbered by `seq`.
struct Outbox {
    writer: Writer,
    text: String,
    seq: u64,
    /// The node's totals: each write of records is one transmission.
    counters: Arc<crate::sink::Counters>,
}

impl Outbox {
    async fn flush(&mut self) -> Result<(), PeerError> {
        if self.text.is_empty() {
            return Ok(());
        }
        self.writer.write_all(self.text.as_bytes()).await?;
        self.text.clear();
        self.counters.transmissions.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// One record's way onto the link. On a special network (held, delayed, lossy) what is batched
/// goes first and the record waits at the gate; then it is written as many times as its fate
/// says (batched), each copy told as sent, or told as dropped. Returns the sequence number of
/// its last copy, or `None` when it was never written: a dropped or lost record spends no
/// sequence number, so later acknowledgements stay exact.
async fn put(
    node: &Local,
    link: &Link,
    out: &mut Outbox,
    record: &Arc<Record>,
    hops: u32,
    queued: Instant,
    carried: Carried,
) -> Result<Option<u64>, PeerError> {
    let Carried { catch_up, flooding } = carried;
    let neighbour = &link.neighbour;
    let motion = &**node.network.motion();
    let mut fate = Fate::Deliver;
    if node.network.is_special() {
        out.flush().await?;
        fate = gate(node, link, record, (hops, catch_up, 1), queued, &mut out.writer).await?;
    }
    if matches!(fate, Fate::Drop | Fate::Lost) {
        let (to, by_operator) = (neighbour.clone(), fate == Fate::Drop);
        node.events.emit(EventKind::FloodDropped { to, record: record.clone(), hops, catch_up, by_operator });
        link.rest(1, motion);
        return Ok(None);
    }
    // Each copy written is in motion until acknowledged.
    link.work(copies(fate) - 1);
    for _ in 0..copies(fate) {
        out.seq += 1;
        Message::Record { seq: out.seq, hops, at_line: record.line(), catch_up, flooding }.write_to(&mut out.text);
        node.events.emit(EventKind::FloodSent { to: neighbour.clone(), record: record.clone(), hops, catch_up });
    }
    Ok(Some(out.seq))
}

/// Catch-up: everything this node knows, a page at a time so that the cache's lock is never held
/// for more than one page (a node may know a million clients). A record stored while this runs
/// is also queued (the link is up), so none falls between pages. Returns how many were sent.
///
/// The caller counts the catch-up as in motion before it starts; that count passes to its first
/// record (or comes to rest at once when there is none), so that the herd never looks quiet
/// while a catch-up is under way, nor stays busy while its records wait at the gate.
async fn catch_up(node: &Local, link: &Link, out: &mut Outbox) -> Result<usize, PeerError> {
    let motion = &**node.network.motion();
    let snapshot_taken = Instant::now();
    let mut sent = 0usize;
    let mut start = PageStart::First;
    let mut handed_over = false;
    loop {
        let page = node.records.page(&start, CATCH_UP_PAGE);
        let Some(last) = page.last() else { break };
        start = PageStart::After(last.record.client().to_string());
        for entry in &page {
            link.work(1);
            if !std::mem::replace(&mut handed_over, true) {
                link.rest(1, motion);
            }
            let carried = Carried { catch_up: true, flooding: false };
            put(node, link, out, &entry.record, entry.hops + 1, snapshot_taken, carried).await?;
            if out.text.len() >= BATCH_BYTES {
                out.flush().await?;
            }
        }
        sent += page.len();
    }
    if !handed_over {
        link.rest(1, motion);
    }
    out.flush().await?;
    Ok(sent)
}

/// The records queued within `every` of the first (at most a batch's bytes' worth).
async fn gather(
    first: Outgoing,
    queue: &mut mpsc::UnboundedReceiver<Outgoing>,
    link: &Link,
    every: Duration,
) -> Vec<Outgoing> {
    let closes = first.queued + every;
    let mut batch = vec![first];
    let mut bytes = 0;
    while bytes < BATCH_BYTES {
        tokio::select! {
            more = queue.recv() => match more {
                Some(more) => {
                    link.taken();
                    bytes += more.record.line().len() + 24;
                    batch.push(more);
                }
                None => break,
            },
            () = tokio::time::sleep_until(closes) => break,
        }
    }
    batch
}

/// A batch's way onto the link: it goes through the gate as one transmission (held, delayed,
/// lost or duplicated whole; its latency counted from when it closed), then every record of it
/// is written together, each told as sent.
async fn put_batch(
    node: &Local,
    link: &Link,
    out: &mut Outbox,
    batch: Vec<Outgoing>,
    waiting: &Mutex<VecDeque<(u64, oneshot::Sender<()>)>>,
) -> Result<(), PeerError> {
    let Some(head) = batch.first() else { return Ok(()) };
    let neighbour = &link.neighbour;
    let motion = &**node.network.motion();
    let records = batch.len();
    let mut fate = Fate::Deliver;
    if node.network.is_special() {
        out.flush().await?;
        let closed = Instant::now();
        let how = (head.hops, head.carried.catch_up, records);
        fate = gate(node, link, &head.record, how, closed, &mut out.writer).await?;
    }
    // Each copy written is in motion until acknowledged; a dropped batch is at rest at once.
    match fate {
        Fate::Drop | Fate::Lost => link.rest(records, motion),
        fate => link.work(records * (copies(fate) - 1)),
    }
    for outgoing in batch {
        let Outgoing { record, hops, ack, carried: Carried { catch_up, flooding }, .. } = outgoing;
        if matches!(fate, Fate::Drop | Fate::Lost) {
            let (to, by_operator) = (neighbour.clone(), fate == Fate::Drop);
            node.events.emit(EventKind::FloodDropped { to, record, hops, catch_up, by_operator });
            continue;
        }
        for _ in 0..copies(fate) {
            out.seq += 1;
            Message::Record { seq: out.seq, hops, at_line: record.line(), catch_up, flooding }.write_to(&mut out.text);
            node.events.emit(EventKind::FloodSent { to: neighbour.clone(), record: record.clone(), hops, catch_up });
        }
        if let Some(ack) = ack {
            waiting.lock().unwrap_or_else(|p| p.into_inner()).push_back((out.seq, ack));
        }
    }
    Ok(())
}

/// How many times a transmission is written.
fn copies(fate: Fate) -> usize {
    match fate {
        Fate::Deliver => 1,
        Fate::Drop | Fate::Lost => 0,
        Fate::Duplicate => 2,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use tokio::net::TcpListener;
    use tokio::sync::broadcast;
    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::cache::Entry;
    use crate::event::HerdEvent;
    use crate::key::HerdKey;
    use crate::network::Network;
    use crate::peer::{Records, Refusals};
    use crate::sink::EventSink;
    use crate::topology::Topology;

    /// A node that knows nothing; its first catch-up panics when `panic_once` is set.
    struct Empty {
        panic_once: AtomicBool,
    }

    impl Records for Empty {
        fn page(&self, _: &PageStart, _: usize) -> Vec<Entry> {
            assert!(!self.panic_once.swap(false, Ordering::AcqRel), "a bug in reading the cache");
            Vec::new()
        }
        fn learn(&self, _: Arc<Record>, _: u32, _: &NodeName, _: Carried) {}
    }

    /// Sealed links with a test key, as a herd has them by default.
    fn terms() -> crate::secure::Terms {
        crate::secure::Terms {
            security: crate::secure::Security::Sealed,
            keys: HerdKey::new("k").into(),
            protocol: super::super::wire::VERSION,
        }
    }

    /// Riley's side of a link to Jaquez, dialling `listener`; returns the link and Riley's events.
    fn riley(
        listener: &TcpListener,
        bound: usize,
        panic_once: bool,
    ) -> (Arc<Link>, broadcast::Receiver<Arc<HerdEvent>>, CancellationToken) {
        let (bus, events) = broadcast::channel(1 << 16);
        let token = CancellationToken::new();
        let local = Arc::new(Local {
            name: "Riley".into(),
            terms: terms(),
            topology: Arc::new(Topology::built_in()),
            events: EventSink::new("Riley".into(), bus, None, None),
            network: Arc::new(Network::default()),
            token: token.clone(),
            records: Arc::new(Empty { panic_once: AtomicBool::new(panic_once) }),
            refusals: Refusals::default(),
            linked: crate::peer::Linked::default(),
            topology_digest: Topology::built_in().digest(),
        });
        let (link, queue) = Link::with_bound("Jaquez".into(), bound);
        tokio::spawn(run(local, link.clone(), queue, listener.local_addr().unwrap().to_string()));
        (link, events, token)
    }

    /// Accepts the next dial as Jaquez would.
    async fn accept(listener: &TcpListener) -> super::super::wire::PeerStream {
        let (stream, from) = listener.accept().await.unwrap();
        let topology = Topology::built_in();
        let linked = crate::peer::Linked::default();
        let agreement = super::handshake::Agreement { topology: topology.digest(), strategy: "flood".into() };
        super::handshake::accept(stream, "Jaquez", &topology, &terms(), &linked, from, &agreement).await.unwrap().1
    }

    /// The next event of `kind`'s shape, as text.
    async fn next(events: &mut broadcast::Receiver<Arc<HerdEvent>>, wanted: impl Fn(&EventKind) -> bool) -> String {
        loop {
            let event = tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap();
            if wanted(&event.kind) {
                return event.kind.to_string();
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_neighbour_that_stops_reading_resets_the_link_instead_of_growing_its_queue() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (link, mut events, token) = riley(&listener, 100, false);
        // Jaquez accepts, then never reads: the kernel's buffers fill, then Riley's writes block.
        let _jaquez = accept(&listener).await;
        next(&mut events, |kind| matches!(kind, EventKind::CatchUpSent { .. })).await;
        let record = Arc::new(Record::parse(&format!("AT Riley +0.000000001 {} +1+1 5", "k".repeat(256))).unwrap());
        let mut sent = 0;
        while !link.overflowed.load(Ordering::Acquire) {
            assert!(sent < 1_000_000, "a million records and the queue never filled");
            for _ in 0..50 {
                let (record, queued) = (record.clone(), Instant::now());
                link.send(Outgoing { record, hops: 1, ack: None, queued, carried: Carried::default() });
                assert!(link.queued.load(Ordering::Acquire) <= 100, "the bound holds while writes are stuck");
            }
            sent += 50;
            tokio::task::yield_now().await;
        }
        assert!(sent > 100, "some records were written before the writes stuck ({sent})");
        let down = next(&mut events, |kind| matches!(kind, EventKind::LinkDown { .. })).await;
        assert!(down.contains("more than 100 records waited"), "{down}");
        // And it dials again, to catch the neighbour up.
        let _again = accept(&listener).await;
        next(&mut events, |kind| matches!(kind, EventKind::LinkUp { .. })).await;
        token.cancel();
    }

    #[tokio::test]
    async fn a_panic_in_a_link_marks_it_down_and_it_redials() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (link, mut events, token) = riley(&listener, 100, true);
        let _first = accept(&listener).await;
        let down = next(&mut events, |kind| matches!(kind, EventKind::LinkDown { .. })).await;
        assert!(down.contains("the link's task failed (a bug in reading the cache); redialling"), "{down}");
        assert!(!link.is_up(), "never left marked up");
        let _second = accept(&listener).await;
        next(&mut events, |kind| matches!(kind, EventKind::CatchUpSent { .. })).await;
        assert!(link.is_caught_up());
        token.cancel();
    }
}
