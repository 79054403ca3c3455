//! One node's cache: the greatest record of each client it knows.
//!
//! A plain `std::sync::Mutex` around a `HashMap`: every operation is a short, non-async critical
//! section (never held across `.await`), so an async mutex would only add cost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::event::Via;
use crate::protocol::Record;

/// A cached record, with how it got here.
#[derive(Clone, Debug)]
pub struct Entry {
    pub record: Arc<Record>,
    /// Peer hops from the node that received the IAMAT (0 there).
    pub hops: u32,
    pub via: Via,
}

#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<Box<str>, Entry>>,
}

impl Cache {
    fn lock(&self) -> MutexGuard<'_, HashMap<Box<str>, Entry>> {
        // A panic while holding this lock cannot leave the map half-updated (each operation is a
        // single insert), so a poisoned lock is still safe to use.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores `record` if it supersedes what is known of its client. Returns whether it did.
    pub fn offer(&self, record: &Arc<Record>, hops: u32, via: Via) -> bool {
        let mut entries = self.lock();
        match entries.get_mut(record.client()) {
            Some(known) if !record.supersedes(&known.record) => false,
            Some(known) => {
                *known = Entry { record: record.clone(), hops, via };
                true
            }
            None => {
                entries.insert(record.client().into(), Entry { record: record.clone(), hops, via });
                true
            }
        }
    }

    pub fn get(&self, client: &str) -> Option<Arc<Record>> {
        self.lock().get(client).map(|entry| entry.record.clone())
    }

    /// Every entry, for catch-up and for the console.
    pub fn snapshot(&self) -> Vec<Entry> {
        self.lock().values().cloned().collect()
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
        let cache = Cache::default();
        assert!(cache.offer(&record("5", "+1-1"), 0, Via::Client));
        assert!(!cache.offer(&record("4", "+2-2"), 0, Via::Client), "older");
        assert!(!cache.offer(&record("5.0", "+1-1"), 1, Via::Client), "same");
        assert_eq!(cache.get("kiwi").unwrap().coords(), "+1-1");
        assert!(cache.offer(&record("6", "+3-3"), 1, Via::Client));
        assert_eq!(cache.get("kiwi").unwrap().coords(), "+3-3");
        assert_eq!(cache.len(), 1);
    }
}
