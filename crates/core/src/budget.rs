//! A rate budget: so many a second, counted per wall-clock second, without a lock (what a node
//! publishes to the bus under a burst, what a trace records).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// So many a second, counted per wall-clock second, shared by every clone of its owner.
#[derive(Debug)]
pub struct Budget {
    per_second: u64,
    second: AtomicU64,
    used: AtomicU64,
}

impl Budget {
    pub fn new(per_second: u64) -> Self {
        Self { per_second, second: AtomicU64::new(0), used: AtomicU64::new(0) }
    }

    /// Whether one more at `at` fits in its second's budget (and counts it).
    pub fn admit(&self, at: SystemTime) -> bool {
        let second = at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if self.second.swap(second, Ordering::Relaxed) != second {
            self.used.store(0, Ordering::Relaxed);
        }
        self.used.fetch_add(1, Ordering::Relaxed) < self.per_second
    }
}
