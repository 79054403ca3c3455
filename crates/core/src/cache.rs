//! A node's cache: the greatest record of each client it knows, ordered by client ID.
//!
//! A plain `std::sync::Mutex` around an ordered set: every operation is a short, non-async
//! critical section (never held across `.await`), so an async mutex would only add cost.
//!
//! Ordered, so that readers take *pages*: the console shows a screenful starting at a client,
//! catch-up streams the cache a page at a time, and neither ever holds the lock for longer than
//! one page takes to copy (microseconds, at a million clients). Only `len` is asked of the whole.
//!
//! A node may hold a million clients, so each is kept compactly (docs/BENCHMARKS.md): just its AT
//! line (which holds the client ID, so the set is searched by the ID inside it), where the ID
//! starts in it, the hop count and where it came from as an index. Records are rebuilt from their
//! lines outside the lock when asked for (per WHATSAT, per catch-up page, per console frame),
//! never per flood.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::event::{Arrival, Via};
use crate::protocol::Record;
use crate::topology::NodeName;

/// A cached record, with how it got here.
#[derive(Clone, Debug)]
pub struct Entry {
    pub record: Arc<Record>,
    /// Peer hops from the node that received the IAMAT (0 there).
    pub hops: u32,
    pub via: Via,
}

/// Where a page of the cache starts, in client ID order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageStart {
    /// The first clients.
    First,
    /// The last clients (the page ends with the greatest ID).
    Last,
    /// From this client on (it included, if known).
    From(String),
    /// The clients after this one.
    After(String),
    /// The clients before this one (the page ends just before it).
    Before(String),
}

/// What the set holds for one client.
struct Stored {
    line: Box<str>,
    /// Where the client ID starts in `line`.
    client_at: u16,
    hops: u32,
    /// Index into `Cache::peers`, or `FROM_CLIENT`.
    via: u16,
}

const FROM_CLIENT: u16 = u16::MAX;

/// Where the client ID starts in an AT line (`AT server difference client ...`), if it fits the
/// compact index; `None` sends the caller to the slow path.
fn client_start(line: &str) -> Option<u16> {
    let mut spaces = memchr::memchr_iter(b' ', line.as_bytes());
    let third = spaces.nth(2)?;
    u16::try_from(third + 1).ok()
}

impl Stored {
    fn client(&self) -> &str {
        let rest = self.line.get(usize::from(self.client_at)..).unwrap_or_default();
        match memchr::memchr(b' ', rest.as_bytes()) {
            Some(end) => &rest[..end],
            None => rest,
        }
    }
}

// Identified and ordered by client ID alone, so that the set can be searched by `&str`.
impl PartialEq for Stored {
    fn eq(&self, other: &Self) -> bool {
        self.client() == other.client()
    }
}

impl Eq for Stored {}

impl PartialOrd for Stored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Stored {
    fn cmp(&self, other: &Self) -> Ordering {
        // The same order as the `str` it borrows as, which `BTreeSet::get(&str)` relies on.
        self.client().cmp(other.client())
    }
}

impl Borrow<str> for Stored {
    fn borrow(&self) -> &str {
        self.client()
    }
}

/// A page as copied under the lock: lines and small numbers only; parsed after the lock is gone.
type RawPage = Vec<(Box<str>, u32, u16)>;

#[derive(Default)]
pub struct Cache {
    entries: Mutex<BTreeSet<Stored>>,
    /// The neighbours records can come from.
    peers: Vec<NodeName>,
}

impl Cache {
    /// A cache for a node whose records come from its clients and from `peers`.
    pub fn new(peers: Vec<NodeName>) -> Self {
        Self { entries: Mutex::default(), peers }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeSet<Stored>> {
        // A panic while holding this lock cannot leave the set half-updated (each operation is a
        // single insert), so a poisoned lock is still safe to use.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn via_index(&self, via: &Via) -> u16 {
        match via {
            Via::Client => FROM_CLIENT,
            Via::Peer(peer) => self.peers.iter().position(|p| p == peer).map_or(FROM_CLIENT - 1, |i| i as u16),
        }
    }

    fn rebuild(&self, line: &str, hops: u32, via: u16) -> Option<Entry> {
        let via = match via {
            FROM_CLIENT => Via::Client,
            index => Via::Peer(self.peers.get(index as usize).cloned().unwrap_or_else(|| "?".into())),
        };
        // Lines are only ever stored from valid records, so this parse always succeeds.
        let record = Arc::new(Record::parse(line)?);
        Some(Entry { record, hops, via })
    }

    /// Stores `record` if it supersedes what is known of its client; says what became of it.
    pub fn offer(&self, record: &Arc<Record>, hops: u32, via: Via) -> Arrival {
        let via = self.via_index(&via);
        // A record whose client ID starts past the compact index's reach (a node name of
        // thousands of characters) cannot be kept; topology validation makes this unreachable.
        let Some(client_at) = client_start(record.line()) else {
            return Arrival::Stale;
        };
        let stored = Stored { line: record.line().into(), client_at, hops, via };
        let mut entries = self.lock();
        if let Some(known) = entries.get(record.client()) {
            if !record.supersedes_line(&known.line) {
                return if *known.line == *record.line() { Arrival::Duplicate } else { Arrival::Stale };
            }
        }
        // Replaces the entry of the same client, if any.
        entries.replace(stored);
        Arrival::New
    }

    pub fn get(&self, client: &str) -> Option<Arc<Record>> {
        let line = self.lock().get(client).map(|stored| stored.line.clone())?;
        Record::parse(&line).map(Arc::new)
    }

    /// What is known of `client`, with how it got here.
    pub fn entry(&self, client: &str) -> Option<Entry> {
        let (line, hops, via) = self.lock().get(client).map(|stored| (stored.line.clone(), stored.hops, stored.via))?;
        self.rebuild(&line, hops, via)
    }

    /// Up to `count` entries in client ID order, starting where `start` says. The lock is held
    /// only while `count` lines are copied, however large the cache.
    pub fn page(&self, start: &PageStart, count: usize) -> Vec<Entry> {
        let raw: RawPage = {
            let entries = self.lock();
            let copy = |stored: &Stored| (stored.line.clone(), stored.hops, stored.via);
            match start {
                PageStart::First => entries.iter().take(count).map(copy).collect(),
                PageStart::From(client) => entries
                    .range::<str, _>((Bound::Included(client.as_str()), Bound::Unbounded))
                    .take(count)
                    .map(copy)
                    .collect(),
                PageStart::After(client) => entries
                    .range::<str, _>((Bound::Excluded(client.as_str()), Bound::Unbounded))
                    .take(count)
                    .map(copy)
                    .collect(),
                PageStart::Last => {
                    let mut page: RawPage = entries.iter().rev().take(count).map(copy).collect();
                    page.reverse();
                    page
                }
                PageStart::Before(client) => {
                    let mut page: RawPage = entries
                        .range::<str, _>((Bound::Unbounded, Bound::Excluded(client.as_str())))
                        .rev()
                        .take(count)
                        .map(copy)
                        .collect();
                    page.reverse();
                    page
                }
            }
        };
        raw.iter().filter_map(|(line, hops, via)| self.rebuild(line, *hops, *via)).collect()
    }

    /// How many clients the node knows (kept by the set: O(1)).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(time: &str, coords: &str) -> Arc<Record> {
        client_record("kiwi", time, coords)
    }

    fn client_record(client: &str, time: &str, coords: &str) -> Arc<Record> {
        Arc::new(Record::parse(&format!("AT Riley +0.000000000 {client} {coords} {time}")).unwrap())
    }

    #[test]
    fn the_most_recent_record_wins() {
        let cache = Cache::new(vec!["Jaquez".into()]);
        assert_eq!(cache.offer(&record("5", "+1-1"), 0, Via::Client), Arrival::New);
        assert_eq!(cache.offer(&record("4", "+2-2"), 0, Via::Client), Arrival::Stale, "older");
        assert_eq!(cache.offer(&record("5", "+1-1"), 1, Via::Client), Arrival::Duplicate, "the same record");
        // As old, written otherwise: the greater AT line wins, byte-wise (PROTOCOL.md).
        assert_eq!(cache.offer(&record("5.0", "+1-1"), 1, Via::Client), Arrival::New, "as old, a greater line");
        assert_eq!(cache.offer(&record("5", "+1-1"), 1, Via::Client), Arrival::Stale, "as old, a lesser line");
        assert_eq!(cache.get("kiwi").unwrap().time(), "5.0");
        assert_eq!(cache.offer(&record("6", "+3-3"), 2, Via::Peer("Jaquez".into())), Arrival::New);
        assert_eq!(cache.get("kiwi").unwrap().coords(), "+3-3");
        assert_eq!(cache.len(), 1);
        let entry = &cache.page(&PageStart::First, 10)[0];
        assert_eq!((entry.hops, &entry.via), (2, &Via::Peer("Jaquez".into())));
        assert_eq!(entry.record.line(), "AT Riley +0.000000000 kiwi +3-3 6");
        assert_eq!(cache.get("nobody"), None);
        assert_eq!(cache.get("kiw"), None, "a prefix of a known ID is another client");
    }

    fn clients(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.record.client()).collect()
    }

    #[test]
    fn pages_walk_the_clients_in_order_both_ways() {
        let cache = Cache::default();
        for client in ["d", "a", "e", "c", "b", "f"] {
            cache.offer(&client_record(client, "5", "+1-1"), 0, Via::Client);
        }
        assert_eq!(clients(&cache.page(&PageStart::First, 4)), ["a", "b", "c", "d"]);
        assert_eq!(clients(&cache.page(&PageStart::After("d".into()), 4)), ["e", "f"]);
        assert_eq!(clients(&cache.page(&PageStart::From("c".into()), 2)), ["c", "d"]);
        assert_eq!(clients(&cache.page(&PageStart::From("cc".into()), 2)), ["d", "e"], "an unknown ID starts between");
        assert_eq!(clients(&cache.page(&PageStart::Before("c".into()), 4)), ["a", "b"]);
        assert_eq!(clients(&cache.page(&PageStart::Before("f".into()), 2)), ["d", "e"]);
        assert_eq!(clients(&cache.page(&PageStart::Last, 3)), ["d", "e", "f"]);
        assert!(cache.page(&PageStart::After("f".into()), 3).is_empty());
        assert!(Cache::default().page(&PageStart::Last, 3).is_empty());
    }
}
