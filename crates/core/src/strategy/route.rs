//! Which neighbours a record goes on to from one node, by the strategy in force: all of them, the
//! node's branch of the record's tree, or a random few; and whether it goes marked as flooded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::Strategy;
use crate::topology::{NodeName, Topology};

/// How a record came to a node, as far as where it goes next depends on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Carried {
    /// In a catch-up exchange (and passed on as such).
    pub catch_up: bool,
    /// Marked as flooded (`FLOOD`): a node upstream fell back to flooding it.
    pub flooding: bool,
}

/// Where a record goes on from a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// To every live neighbour but the one it came from. `marked`: sent as flooded (`FLOOD`), so
    /// that every node downstream floods it too, around whatever broke its route.
    Flood { marked: bool },
    /// To these neighbours only (those of them whose link is up).
    To(Vec<NodeName>),
}

impl Route {
    /// Whether the record goes to `neighbour` (if its link is up), having come from `from`
    /// (`None`: this node's own client).
    pub fn includes(&self, neighbour: &NodeName, from: Option<&str>) -> bool {
        match self {
            Self::Flood { .. } => Some(&**neighbour) != from,
            Self::To(chosen) => chosen.contains(neighbour),
        }
    }

    /// Whether the record goes marked as flooded.
    pub fn marked(&self) -> bool {
        matches!(self, Self::Flood { marked: true })
    }
}

/// One node's part of the tree rooted at one origin.
#[derive(Clone, Debug, Default)]
struct Branch {
    parent: Option<NodeName>,
    children: Vec<NodeName>,
}

/// What one node needs to route records: its branch of each origin's tree, worked out the first
/// time a record of that origin comes (the topology does not change while the node runs), and
/// gossip's dice.
#[derive(Debug)]
pub struct Router {
    topology: Arc<Topology>,
    me: NodeName,
    /// By origin server.
    branches: Mutex<HashMap<NodeName, Branch>>,
    /// Gossip's choices.
    dice: Mutex<crate::dice::Dice>,
}

impl Router {
    /// `seed`: gossip's random choices (the herd's seed, told apart per node by the caller).
    pub fn new(topology: Arc<Topology>, me: NodeName, seed: u64) -> Self {
        Self { topology, me, branches: Mutex::default(), dice: Mutex::new(crate::dice::Dice::seeded(seed)) }
    }

    /// Where a record from `origin` that came from `from` (`None`: this node's own client), as
    /// `arrival` says, goes on to by `strategy`. `up` says whether this node's link to a
    /// neighbour is up.
    pub fn route(
        &self,
        strategy: Strategy,
        origin: &str,
        from: Option<&str>,
        carried: Carried,
        up: impl Fn(&str) -> bool,
    ) -> Route {
        // Flooded upstream, or caught up under a strategy that floods catch-up on: flood it.
        let chosen = if carried.flooding || (carried.catch_up && !strategy.routes_catch_up()) {
            None
        } else {
            match strategy {
                Strategy::Flood => None,
                Strategy::Tree | Strategy::Batch(_) => self.down_the_tree(origin, from, up),
                Strategy::Gossip(fanout) => Some(self.at_random(fanout, from, up)),
            }
        };
        match chosen {
            Some(chosen) => Route::To(chosen),
            // A catch-up is not marked: it is flooded on by whoever catches up, whatever happened.
            None => Route::Flood { marked: !carried.catch_up && strategy.routes() },
        }
    }

    /// `fanout` live neighbours but the sender, chosen at random.
    fn at_random(&self, fanout: u32, from: Option<&str>, up: impl Fn(&str) -> bool) -> Vec<NodeName> {
        let mut choices: Vec<NodeName> =
            self.topology.neighbours(&self.me).into_iter().filter(|n| Some(&**n) != from && up(n)).collect();
        let mut dice = self.dice.lock().unwrap_or_else(|p| p.into_inner());
        let keep = (fanout as usize).min(choices.len());
        for i in 0..keep {
            let j = i + dice.below((choices.len() - i) as u64) as usize;
            choices.swap(i, j);
        }
        choices.truncate(keep);
        choices
    }

    /// This node's children in the tree from `origin`; `None` (flood) when the record came off
    /// the tree (someone upstream fell back to flooding) or a tree link is down.
    fn down_the_tree(&self, origin: &str, from: Option<&str>, up: impl Fn(&str) -> bool) -> Option<Vec<NodeName>> {
        let origin = self.topology.name(origin)?;
        let mut branches = self.branches.lock().unwrap_or_else(|p| p.into_inner());
        let branch = branches.entry(origin.clone()).or_insert_with(|| branch(&self.topology, &origin, &self.me));
        let on_the_tree = branch.parent.as_deref() == from;
        (on_the_tree && branch.children.iter().all(|child| up(child))).then(|| branch.children.clone())
    }
}

/// `me`'s parent and children in the breadth-first tree from `origin` (the topology's tree, the
/// one `highlight tree` draws).
fn branch(topology: &Topology, origin: &str, me: &str) -> Branch {
    let tree = topology.tree_from(origin);
    Branch {
        parent: tree.iter().find(|(_, child)| &**child == me).map(|(parent, _)| parent.clone()),
        children: tree.into_iter().filter(|(parent, _)| &**parent == me).map(|(_, child)| child).collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;
    use crate::shape::Shape;

    const NEW: Carried = Carried { catch_up: false, flooding: false };
    const CAUGHT_UP: Carried = Carried { catch_up: true, flooding: false };
    const FLOODED: Carried = Carried { catch_up: false, flooding: true };

    fn grid() -> HashMap<NodeName, Router> {
        let grid = Arc::new(Shape::Grid.topology(25, 1).unwrap());
        grid.names().iter().map(|n| (n.clone(), Router::new(grid.clone(), n.clone(), 1))).collect()
    }

    fn names(names: &[&str]) -> Vec<NodeName> {
        names.iter().map(|&n| n.into()).collect()
    }

    #[test]
    fn a_tree_sends_each_node_one_copy_and_floods_around_a_failure_marked() {
        let routers = grid();
        for strategy in [Strategy::Tree, Strategy::Batch(std::time::Duration::from_millis(200))] {
            // Every node reached from n01 exactly once, in 24 messages.
            let mut reached = vec![NodeName::from("n01")];
            let mut queue = VecDeque::from([(NodeName::from("n01"), None::<NodeName>)]);
            let mut messages = 0;
            while let Some((node, from)) = queue.pop_front() {
                let Route::To(targets) = routers[&node].route(strategy, "n01", from.as_deref(), NEW, |_| true) else {
                    panic!("{node} is on the tree")
                };
                for next in targets {
                    messages += 1;
                    assert!(!reached.contains(&next), "{next} got two copies");
                    reached.push(next.clone());
                    queue.push_back((next, Some(node.clone())));
                }
            }
            assert_eq!((reached.len(), messages), (25, 24), "{strategy}");
            // A tree link down, or a record off the tree: flood, and say so downstream.
            let n01 = &routers[&NodeName::from("n01")];
            assert_eq!(n01.route(strategy, "n01", None, NEW, |n| n != "n02"), Route::Flood { marked: true });
            let n07 = &routers[&NodeName::from("n07")];
            assert_eq!(n07.route(strategy, "n01", Some("n08"), NEW, |_| true), Route::Flood { marked: true });
            // Flooded upstream: flooded on, still marked; a catch-up is flooded on unmarked.
            assert_eq!(n07.route(strategy, "n01", Some("n02"), FLOODED, |_| true), Route::Flood { marked: true });
            assert_eq!(n07.route(strategy, "n01", Some("n02"), CAUGHT_UP, |_| true), Route::Flood { marked: false });
        }
    }

    #[test]
    fn flooding_goes_to_every_neighbour_but_the_sender_and_marks_nothing() {
        let n07 = &grid()[&NodeName::from("n07")];
        for arrival in [NEW, CAUGHT_UP, FLOODED] {
            let route = n07.route(Strategy::Flood, "n01", Some("n02"), arrival, |_| true);
            assert_eq!(route, Route::Flood { marked: false });
            let to: Vec<&str> = ["n02", "n06", "n08", "n12"]
                .into_iter()
                .filter(|n| route.includes(&(*n).into(), Some("n02")))
                .collect();
            assert_eq!(to, ["n06", "n08", "n12"]);
        }
    }

    #[test]
    fn gossip_picks_its_fanout_of_live_neighbours_but_the_sender_even_for_a_catch_up() {
        let n07 = &grid()[&NodeName::from("n07")];
        let live = |n: &str| n != "n12";
        let mut seen = Vec::new();
        for arrival in [NEW, CAUGHT_UP].into_iter().cycle().take(40) {
            let Route::To(chosen) = n07.route(Strategy::Gossip(1), "n01", Some("n02"), arrival, live) else {
                panic!("gossip chooses")
            };
            assert_eq!(chosen.len(), 1, "{chosen:?}");
            assert!(chosen.iter().all(|n| ["n06", "n08"].contains(&&**n)), "{chosen:?}");
            seen.extend(chosen);
        }
        assert!(seen.contains(&"n06".into()) && seen.contains(&"n08".into()));
        // Fewer live neighbours than the fanout: all of them.
        let route = n07.route(Strategy::Gossip(100), "n01", None, NEW, |_| true);
        let Route::To(mut chosen) = route else { panic!("gossip chooses") };
        chosen.sort();
        assert_eq!(chosen, names(&["n02", "n06", "n08", "n12"]));
        // Flooded upstream (the strategy switched while it travelled): flooded on, marked.
        assert_eq!(
            n07.route(Strategy::Gossip(2), "n01", Some("n02"), FLOODED, |_| true),
            Route::Flood { marked: true }
        );
    }
}
