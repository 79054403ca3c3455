//! What is on its way in this process's links, so that the herd can tell when it is *quiet*:
//! every record handed to a link has come to rest (held for the operator or the conductor,
//! acknowledged by its neighbour, dropped, or gone with a broken link). Each link counts its own
//! (`peer::link`); the network counts the transmissions released and not yet taken up again by
//! their links, which belong to no link's count in between, and wakes whoever waits for quiet.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// The network's share of what moves, and the bell rung when something may have come to rest.
#[derive(Debug, Default)]
pub struct Motion {
    /// Transmissions released whose link has not resumed them yet.
    resuming: AtomicUsize,
    /// Tasks waiting for quiet: the bell is rung only when someone listens, so that the hot
    /// path pays nothing for it otherwise.
    listeners: AtomicUsize,
    bell: Notify,
}

impl Motion {
    /// Released transmissions not yet taken up by their links.
    pub fn resuming(&self) -> usize {
        self.resuming.load(Ordering::Acquire)
    }

    /// Something may have come to rest: whoever waits for quiet looks again.
    pub fn settled(&self) {
        if self.listeners.load(Ordering::Acquire) > 0 {
            self.bell.notify_waiters();
        }
    }

    /// Waits until something may have come to rest. Register first (`listen`), then look, then
    /// wait on the returned future, so that a change in between is not missed.
    pub fn listen(&self) -> Listening<'_> {
        self.listeners.fetch_add(1, Ordering::AcqRel);
        Listening { motion: self }
    }

    /// A transmission is released: counted until its link takes it up again (the guard drops).
    pub(super) fn released(self: &Arc<Self>) -> Resuming {
        self.resuming.fetch_add(1, Ordering::AcqRel);
        Resuming { motion: self.clone() }
    }
}

/// A waiter for quiet, registered: `notified` is the next ring of the bell.
pub struct Listening<'a> {
    motion: &'a Motion,
}

impl Listening<'_> {
    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.motion.bell.notified()
    }
}

impl Drop for Listening<'_> {
    fn drop(&mut self) {
        self.motion.listeners.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Travels with a released transmission to its link; the link drops it once it has counted the
/// transmission as its own again. If the link is gone, it drops unread, which counts the same.
#[derive(Debug)]
pub struct Resuming {
    motion: Arc<Motion>,
}

impl Drop for Resuming {
    fn drop(&mut self) {
        if self.motion.resuming.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.motion.settled();
        }
    }
}
