//! One node's cache: the greatest record of each client it knows.
//!
//! A plain `std::sync::Mutex` around a set: every operation is a short, non-async critical
//! section (never held across `.await`), so an async mutex would only add cost.
//!
//! A node may hold a million clients, so each is kept compactly (docs/BENCHMARKS.md): just its AT
//! line (which holds the client ID, so the set is searched by the ID inside it), the hop count
//! and where it came from as an index. Records are rebuilt from their lines when asked for,
//! which happens per WHATSAT, per catch-up and per console frame, never per flood.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::event::Via;
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

/// What the set holds for one client.
struct Stored {
    line: Box<str>,
    hops: u32,
    /// Index into `Cache::peers`, or `FROM_CLIENT`.
    via: u16,
}

const FROM_CLIENT: u16 = u16::MAX;

impl Stored {
    fn client(&self) -> &str {
        self.line.split(' ').nth(3).unwrap_or_default()
    }
}

// Identified by client ID alone, so that the set can be searched by `&str`.
impl PartialEq for Stored {
    fn eq(&self, other: &Self) -> bool {
        self.client() == other.client()
    }
}

impl Eq for Stored {}

impl Hash for Stored {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The same hash as the `str` it borrows as, which `HashSet::get(&str)` relies on.
        self.client().hash(state);
    }
}

impl Borrow<str> for Stored {
    fn borrow(&self) -> &str {
        self.client()
    }
}

#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashSet<Stored>>,
    /// The neighbours records can come from.
    peers: Vec<NodeName>,
}

impl Cache {
    /// A cache for a node whose records come from its clients and from `peers`.
    pub fn new(peers: Vec<NodeName>) -> Self {
        Self { entries: Mutex::default(), peers }
    }

    fn lock(&self) -> MutexGuard<'_, HashSet<Stored>> {
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

    fn entry(&self, stored: &Stored) -> Option<Entry> {
        let via = match stored.via {
            FROM_CLIENT => Via::Client,
            index => Via::Peer(self.peers.get(index as usize).cloned().unwrap_or_else(|| "?".into())),
        };
        // Lines are only ever stored from valid records, so this parse always succeeds.
        let record = Arc::new(Record::parse(&stored.line)?);
        Some(Entry { record, hops: stored.hops, via })
    }

    /// Stores `record` if it supersedes what is known of its client. Returns whether it did.
    pub fn offer(&self, record: &Arc<Record>, hops: u32, via: Via) -> bool {
        let via = self.via_index(&via);
        let mut entries = self.lock();
        if entries.get(record.client()).is_some_and(|known| !record.supersedes_line(&known.line)) {
            return false;
        }
        // Replaces the entry of the same client, if any.
        entries.replace(Stored { line: record.line().into(), hops, via });
        true
    }

    pub fn get(&self, client: &str) -> Option<Arc<Record>> {
        let line = self.lock().get(client).map(|stored| stored.line.clone())?;
        Record::parse(&line).map(Arc::new)
    }

    /// Every entry, for catch-up and for the console.
    pub fn snapshot(&self) -> Vec<Entry> {
        let entries = self.lock();
        entries.iter().filter_map(|stored| self.entry(stored)).collect()
    }

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
        Arc::new(Record::parse(&format!("AT Riley +0.000000000 kiwi {coords} {time}")).unwrap())
    }

    #[test]
    fn the_most_recent_record_wins() {
        let cache = Cache::new(vec!["Jaquez".into()]);
        assert!(cache.offer(&record("5", "+1-1"), 0, Via::Client));
        assert!(!cache.offer(&record("4", "+2-2"), 0, Via::Client), "older");
        assert!(!cache.offer(&record("5.0", "+1-1"), 1, Via::Client), "same");
        assert_eq!(cache.get("kiwi").unwrap().coords(), "+1-1");
        assert!(cache.offer(&record("6", "+3-3"), 2, Via::Peer("Jaquez".into())));
        assert_eq!(cache.get("kiwi").unwrap().coords(), "+3-3");
        assert_eq!(cache.len(), 1);
        let entry = &cache.snapshot()[0];
        assert_eq!((entry.hops, &entry.via), (2, &Via::Peer("Jaquez".into())));
        assert_eq!(entry.record.line(), "AT Riley +0.000000000 kiwi +3-3 6");
        assert_eq!(cache.get("nobody"), None);
    }
}
