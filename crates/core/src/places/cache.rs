//! What upstream requests cost, kept low: identical queries within `CACHE_TTL` are answered from
//! memory, and identical queries made at the same time share one request (single flight).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::OnceCell;

use super::{Answer, Origin, Places, PlacesFuture, Query, truncate};

/// How long an upstream answer is reused for the same position and radius.
pub const CACHE_TTL: Duration = Duration::from_secs(30);
/// Past this many entries, expired ones are swept out on the next insertion.
const SWEEP_AT: usize = 1024;

/// An upstream service: one request per call, no caching of its own.
pub trait Upstream: Send + Sync {
    fn name(&self) -> &str;
    /// The part of the query that shapes the request (beyond position and radius).
    fn requested_bound(&self, query: &Query) -> Option<usize>;
    fn fetch(&self, query: &Query) -> impl Future<Output = Value> + Send;
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    lat: u64,
    lon: u64,
    radius_m: String,
    bound: Option<usize>,
}

type Slot = Arc<OnceCell<(Value, Instant)>>;

pub struct Cached<U> {
    upstream: U,
    slots: Mutex<HashMap<Key, Slot>>,
    requests: AtomicU64,
}

impl<U: Upstream> Cached<U> {
    pub fn new(upstream: U) -> Self {
        Self { upstream, slots: Mutex::default(), requests: AtomicU64::new(0) }
    }

    fn expired(slot: &Slot) -> bool {
        slot.get().is_some_and(|(_, at)| at.elapsed() >= CACHE_TTL)
    }

    /// The slot for `key`: the live one, or a fresh one in its place.
    fn slot(&self, key: &Key) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = slots.get(key).filter(|slot| !Self::expired(slot)) {
            return slot.clone();
        }
        if slots.len() >= SWEEP_AT {
            slots.retain(|_, slot| !Self::expired(slot));
        }
        let slot = Slot::default();
        slots.insert(key.clone(), slot.clone());
        slot
    }

    /// Forgets a failed answer, so that the next query tries again (unless a newer slot exists).
    fn forget(&self, key: &Key, slot: &Slot) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if slots.get(key).is_some_and(|current| Arc::ptr_eq(current, slot)) {
            slots.remove(key);
        }
    }

    async fn answer(&self, query: Query) -> Answer {
        let key = Key {
            lat: query.lat.to_bits(),
            lon: query.lon.to_bits(),
            radius_m: query.radius_m.clone(),
            bound: self.upstream.requested_bound(&query),
        };
        let slot = self.slot(&key);
        let was_ready = slot.initialized();
        let fetched = AtomicBool::new(false);
        let (document, _) = slot
            .get_or_init(|| async {
                fetched.store(true, Ordering::Relaxed);
                self.requests.fetch_add(1, Ordering::Relaxed);
                (self.upstream.fetch(&query).await, Instant::now())
            })
            .await;
        let origin = match (fetched.load(Ordering::Relaxed), was_ready) {
            (true, _) => Origin::Upstream,
            (false, true) => Origin::Cached,
            (false, false) => Origin::Shared,
        };
        let failed = !matches!(document["status"].as_str(), Some("OK" | "ZERO_RESULTS"));
        let document = truncate(document.clone(), query.bound);
        if failed && origin == Origin::Upstream {
            self.forget(&key, &slot);
        }
        Answer { document, origin }
    }
}

impl<U: Upstream> Places for Cached<U> {
    fn name(&self) -> &str {
        self.upstream.name()
    }

    fn nearby(&self, query: Query) -> PlacesFuture<'_> {
        Box::pin(self.answer(query))
    }

    fn upstream_requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}
