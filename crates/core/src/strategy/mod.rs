//! How a node passes a new record on (`--strategy`), answered here and nowhere else: which
//! neighbours a record goes on to ([`Router::route`]), whether each link gathers records before
//! it writes them ([`Strategy::batch_interval`]), whether nodes catch their neighbours up on their
//! own ([`Strategy::anti_entropy`]), how strategies are written ([`FORMS`]), and where a herd keeps
//! the one it uses now ([`SharedStrategy`]). node/ and peer/ ask these questions and never match on
//! a strategy: a new one is a variant below, its answers here, its routes in route.rs, its word in
//! shared.rs and how it is written back in forms.rs (matches the compiler makes exhaustive), and
//! its row of FORMS (a test fails without it, once the variant is in `one_of_each`'s match).
//!
//! - `flood`: to every live neighbour but the one it came from (the course's way, and every
//!   guarantee of PROTOCOL.md).
//! - `tree`: along the breadth-first spanning tree rooted at the record's origin server, N−1
//!   messages an update when nothing fails; a node that sees a tree link down, or gets a record off
//!   the tree, floods it instead and marks it so, and every node downstream floods it too.
//! - `batch:INTERVAL`: the tree's routes, and each link sends what it gathered within the interval
//!   as one transmission.
//! - `gossip:FANOUT`: to that many live neighbours chosen at random, and once a second every node
//!   catches each neighbour up with everything it knows (anti-entropy).
//!
//! When a link comes up it catches its neighbour up in the same way under every strategy; what the
//! neighbour learns that way it floods on, except under gossip, which gossips it on.

mod forms;
mod route;
mod shared;

use std::time::Duration;

pub use forms::{FORMS, Form, NotAStrategy, choices, described, usage};
pub use route::{Carried, Route, Router};
pub use shared::SharedStrategy;

/// How often a strategy with anti-entropy catches every live link up.
pub const ANTI_ENTROPY_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    #[default]
    Flood,
    Tree,
    /// The tree's routes, and each link gathers what comes within this long and sends it as
    /// one transmission (push, batched): fewer messages an update, for a little delay.
    Batch(Duration),
    /// Each node passes a new record to this many neighbours chosen at random (seeded), and
    /// once a second catches every neighbour up with everything it knows (anti-entropy), so
    /// that nothing is lost for good.
    Gossip(u32),
}

impl Strategy {
    /// How long each link gathers records before it writes them as one transmission; `None`:
    /// each goes as soon as the link can write it.
    pub fn batch_interval(self) -> Option<Duration> {
        match self {
            Self::Batch(every) => Some(every),
            Self::Flood | Self::Tree | Self::Gossip(_) => None,
        }
    }

    /// Whether every node catches each live neighbour up with everything it knows, every
    /// [`ANTI_ENTROPY_EVERY`]: what a random fanout missed then arrives within a second or two.
    pub fn anti_entropy(self) -> bool {
        match self {
            Self::Gossip(_) => true,
            Self::Flood | Self::Tree | Self::Batch(_) => false,
        }
    }

    /// Whether records go by routes a node works out (a tree, a random choice) rather than to
    /// every neighbour. Such a strategy that floods a record after all (its route broke) marks
    /// it, so that every node downstream floods it too.
    fn routes(self) -> bool {
        match self {
            Self::Flood => false,
            Self::Tree | Self::Batch(_) | Self::Gossip(_) => true,
        }
    }

    /// Whether a record that came in a catch-up goes on by the strategy's routes. Catch-up is how
    /// a node that missed something gets it, so it is flooded on; but gossip's anti-entropy
    /// catches every link up each second, and flooding that on would flood the herd each second.
    fn routes_catch_up(self) -> bool {
        match self {
            Self::Gossip(_) => true,
            Self::Flood | Self::Tree | Self::Batch(_) => false,
        }
    }
}

/// One strategy of each kind, for tests that must see them all. The match makes a new kind a
/// compile error here until it is listed.
#[cfg(test)]
pub(crate) fn one_of_each() -> Vec<Strategy> {
    let each = vec![Strategy::Flood, Strategy::Tree, Strategy::Batch(Duration::from_millis(500)), Strategy::Gossip(3)];
    for strategy in &each {
        match strategy {
            Strategy::Flood | Strategy::Tree | Strategy::Batch(_) | Strategy::Gossip(_) => {}
        }
    }
    each
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_batch_gathers_and_only_gossip_runs_anti_entropy_and_gossips_catch_up_on() {
        let every = Duration::from_millis(200);
        assert_eq!(Strategy::Batch(every).batch_interval(), Some(every));
        let others = one_of_each().into_iter().filter(|s| !matches!(s, Strategy::Batch(_)));
        assert!(others.into_iter().all(|s| s.batch_interval().is_none()));
        for strategy in one_of_each() {
            let gossip = matches!(strategy, Strategy::Gossip(_));
            assert_eq!((strategy.anti_entropy(), strategy.routes_catch_up()), (gossip, gossip), "{strategy}");
            assert_eq!(strategy.routes(), strategy != Strategy::Flood, "{strategy}");
        }
    }
}
