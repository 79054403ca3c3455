//! The one place a herd keeps the strategy in force: every node reads it for every record it
//! passes on, and the operator may switch it at any moment; a reader always sees one whole
//! strategy, never half of one and half of another.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::Strategy;

/// The strategy in force, as one word.
///
/// Why one atomic word, and not a `tokio::sync::watch` or an `ArcSwap`: a node reads the strategy
/// once for every record it floods, and a link for every write it gathers. Reading a `watch` takes
/// its read lock, a shared counter that every node of the process would bump per record; an
/// `ArcSwap` is lock-free but costs a dependency and a few fenced operations a read. A strategy is
/// a `Copy` value of a kind and at most one number, so it fits in 64 bits: a store replaces the
/// whole strategy, and a load (one relaxed load, no lock, no allocation) sees all of the old one
/// or all of the new. Nothing else is published with it, so no stronger ordering is needed. Who
/// must hear of a switch hears it from the network's `changes`.
#[derive(Debug)]
pub struct SharedStrategy(AtomicU64);

impl SharedStrategy {
    pub fn new(strategy: Strategy) -> Self {
        Self(AtomicU64::new(word(strategy)))
    }

    /// The strategy in force now.
    pub fn load(&self) -> Strategy {
        strategy(self.0.load(Ordering::Relaxed))
    }

    /// Switches to `strategy`, whole.
    pub fn store(&self, strategy: Strategy) {
        self.0.store(word(strategy), Ordering::Relaxed);
    }
}

impl Default for SharedStrategy {
    fn default() -> Self {
        Self::new(Strategy::default())
    }
}

/// The kind in the top byte, its number in the rest.
const KIND_SHIFT: u32 = 56;
const NUMBER: u64 = (1 << KIND_SHIFT) - 1;

fn word(strategy: Strategy) -> u64 {
    let (kind, number) = match strategy {
        Strategy::Flood => (0, 0),
        Strategy::Tree => (1, 0),
        // To the nanosecond, up to 2^56 ns (over two years; parsing allows a minute).
        Strategy::Batch(every) => (2, u64::try_from(every.as_nanos()).unwrap_or(NUMBER).min(NUMBER)),
        Strategy::Gossip(fanout) => (3, u64::from(fanout)),
    };
    (kind << KIND_SHIFT) | number
}

fn strategy(word: u64) -> Strategy {
    let number = word & NUMBER;
    match word >> KIND_SHIFT {
        1 => Strategy::Tree,
        2 => Strategy::Batch(Duration::from_nanos(number)),
        3 => Strategy::Gossip(u32::try_from(number).unwrap_or(u32::MAX)),
        // 0, and nothing else: only `word` writes the cell.
        _ => Strategy::Flood,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::{FORMS, one_of_each};

    #[test]
    fn every_strategy_is_read_back_as_it_was_stored() {
        let examples = FORMS.iter().map(|form| Strategy::parse(form.example).unwrap());
        let extremes = [
            Strategy::Batch(Duration::from_nanos(1500)),
            Strategy::Batch(Duration::from_secs(60)),
            Strategy::Gossip(u32::MAX),
        ];
        let shared = SharedStrategy::default();
        assert_eq!(shared.load(), Strategy::Flood);
        for strategy in one_of_each().into_iter().chain(examples).chain(extremes) {
            shared.store(strategy);
            assert_eq!(shared.load(), strategy);
        }
        // Longer than the word holds: as long as it holds, not wrapped round to a short one.
        shared.store(Strategy::Batch(Duration::MAX));
        assert_eq!(shared.load(), Strategy::Batch(Duration::from_nanos(NUMBER)));
    }

    /// Two strategies whose numbers mean different things: read half of one and half of the
    /// other (as when kind and number were two atomics) and it is `batch:100ns` or `gossip:1`. The
    /// writer switches until the reader has seen a thousand switches, so the two overlap however
    /// busy the machine is.
    #[test]
    fn a_reader_never_sees_half_of_one_strategy_and_half_of_another() {
        let (batch, gossip) = (Strategy::Batch(Duration::from_nanos(1)), Strategy::Gossip(100));
        let shared = SharedStrategy::new(batch);
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for next in [gossip, batch].into_iter().cycle() {
                    if done.load(Ordering::Relaxed) {
                        break;
                    }
                    shared.store(next);
                }
            });
            let (mut last, mut switches) = (batch, 0);
            while switches < 1000 {
                let seen = shared.load();
                if seen != batch && seen != gossip {
                    done.store(true, Ordering::Relaxed);
                    panic!("{seen}: half of one and half of the other");
                }
                switches += usize::from(seen != last);
                last = seen;
            }
            done.store(true, Ordering::Relaxed);
        });
    }
}
