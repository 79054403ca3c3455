//! `Moment`: what a reader (the console, `replay --headless`) asks of a herd at one moment:
//! the running herd now, or a recorded session at a moment of its past. One set of questions,
//! so that the console shows a replay with the very code that shows a live herd.

use herdctl_core::cache::{Entry, PageStart};
use herdctl_core::herd::Live;
use herdctl_core::herd::{Herd, NodeStatus, Totals};
use herdctl_core::network::{Delay, Held, Mode};
use herdctl_core::topology::SharedTopology;

pub trait Moment {
    fn topology(&self) -> &SharedTopology;
    /// Every node this herd runs (or ran), in topology order.
    fn status(&self) -> Vec<NodeStatus>;
    /// A page of a running node's cache, in client ID order (empty for a node that is down).
    fn cache_page(&self, node: &str, start: &PageStart, count: usize) -> Vec<Entry>;
    /// What a running node knows of one client.
    fn cache_entry(&self, node: &str, client: &str) -> Option<Entry>;
    /// Messages (client lines in and records sent), duplicates dropped, transmissions and
    /// traffic events never published (a live herd over its budget), so far.
    fn totals(&self) -> Totals;
    /// Which nodes are down and which directions are cut.
    fn live(&self) -> Live;
    fn mode(&self) -> Mode;
    /// Whether `a`'s messages to `b` are cut.
    fn is_cut_from(&self, a: &str, b: &str) -> bool;
    fn delay(&self, a: &str, b: &str) -> Delay;
    /// The share of the link's messages it loses, in [0, 1].
    fn loss(&self, a: &str, b: &str) -> f64;
    /// Transmissions held in step mode, oldest first.
    fn held(&self) -> Vec<Held>;

    /// Whether the link is cut either way.
    fn is_cut(&self, a: &str, b: &str) -> bool {
        self.is_cut_from(a, b) || self.is_cut_from(b, a)
    }
}

impl Moment for Herd {
    fn topology(&self) -> &SharedTopology {
        Herd::topology(self)
    }

    fn status(&self) -> Vec<NodeStatus> {
        Herd::status(self)
    }

    fn cache_page(&self, node: &str, start: &PageStart, count: usize) -> Vec<Entry> {
        Herd::cache_page(self, node, start, count).unwrap_or_default()
    }

    fn cache_entry(&self, node: &str, client: &str) -> Option<Entry> {
        Herd::cache_entry(self, node, client).ok().flatten()
    }

    fn totals(&self) -> Totals {
        Herd::totals(self)
    }

    fn live(&self) -> Live {
        Herd::live(self)
    }

    fn mode(&self) -> Mode {
        self.network().mode()
    }

    fn is_cut_from(&self, a: &str, b: &str) -> bool {
        self.network().is_cut_from(a, b)
    }

    fn delay(&self, a: &str, b: &str) -> Delay {
        self.network().delay(a, b)
    }

    fn loss(&self, a: &str, b: &str) -> f64 {
        self.network().loss(a, b)
    }

    fn held(&self) -> Vec<Held> {
        Herd::held(self)
    }
}
