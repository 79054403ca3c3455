//! How a node passes a new record on (`--strategy`). `flood`: to every live neighbour but the one
//! it came from (the course's way, and every guarantee of PROTOCOL.md). `tree`: along the
//! breadth-first spanning tree rooted at the record's origin server, N−1 messages an update when
//! nothing fails; a node that sees a tree link down, or gets a record off the tree, floods it
//! instead, so updates keep flowing around a failure. Catch-up is the same for every strategy.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::topology::{NodeName, Topology};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    #[default]
    Flood,
    Tree,
    /// The tree's routes, and each link gathers what comes within this long and sends it as
    /// one transmission (push, batched): fewer messages an update, for a little delay.
    Batch(std::time::Duration),
    /// Each node passes a new record to this many neighbours chosen at random (seeded), and
    /// once a second catches every neighbour up with everything it knows (anti-entropy), so
    /// that nothing is lost for good.
    Gossip(u32),
}

impl Strategy {
    /// `flood`, `tree`, `batch:500ms`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.split_once(':') {
            None if text == "flood" => Some(Self::Flood),
            None if text == "tree" => Some(Self::Tree),
            Some(("gossip", fanout)) => fanout.parse().ok().filter(|f| (1..=100).contains(f)).map(Self::Gossip),
            Some(("batch", every)) => {
                let every = humantime::parse_duration(every).ok().filter(|d| !d.is_zero() && d.as_secs() <= 60)?;
                Some(Self::Batch(every))
            }
            _ => None,
        }
    }

    /// Whether it routes records down a tree (rather than flooding them).
    pub fn routes(self) -> bool {
        self != Self::Flood
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Flood => f.write_str("flood"),
            Self::Tree => f.write_str("tree"),
            Self::Batch(every) => write!(f, "batch:{}", humantime::format_duration(*every)),
            Self::Gossip(fanout) => write!(f, "gossip:{fanout}"),
        }
    }
}

/// One node's part of the tree rooted at one origin.
#[derive(Clone, Debug, Default)]
struct Branch {
    parent: Option<NodeName>,
    children: Vec<NodeName>,
}

/// Where one node passes records for `tree`: its branch of each origin's tree, worked out the
/// first time a record of that origin comes (the topology does not change while the node runs).
#[derive(Debug)]
pub struct Router {
    topology: std::sync::Arc<Topology>,
    me: NodeName,
    /// By origin server.
    branches: Mutex<HashMap<NodeName, Branch>>,
    /// Gossip's choices.
    dice: Mutex<crate::dice::Dice>,
}

impl Router {
    /// `seed`: gossip's random choices (the herd's seed, told apart per node by the caller).
    pub fn new(topology: std::sync::Arc<Topology>, me: NodeName, seed: u64) -> Self {
        Self { topology, me, branches: Mutex::default(), dice: Mutex::new(crate::dice::Dice::seeded(seed)) }
    }

    /// The neighbours a record from `origin` that came from `from` (`None`: this node's own
    /// client) goes on to by `strategy`; `None` means flood: every live neighbour but `from`.
    /// `up` says whether this node's link to a neighbour is up.
    pub fn targets(
        &self,
        strategy: Strategy,
        origin: &str,
        from: Option<&str>,
        up: impl Fn(&str) -> bool,
    ) -> Option<Vec<NodeName>> {
        if !strategy.routes() {
            return None;
        }
        if let Strategy::Gossip(fanout) = strategy {
            // `fanout` live neighbours but the sender, chosen at random.
            let mut choices: Vec<NodeName> =
                self.topology.neighbours(&self.me).into_iter().filter(|n| Some(&**n) != from && up(n)).collect();
            let mut dice = self.dice.lock().unwrap_or_else(|p| p.into_inner());
            let keep = (fanout as usize).min(choices.len());
            for i in 0..keep {
                let j = i + dice.below((choices.len() - i) as u64) as usize;
                choices.swap(i, j);
            }
            choices.truncate(keep);
            return Some(choices);
        }
        let origin = self.topology.name(origin)?;
        let mut branches = self.branches.lock().unwrap_or_else(|p| p.into_inner());
        let branch = branches.entry(origin.clone()).or_insert_with(|| branch(&self.topology, &origin, &self.me));
        // Off the tree (someone upstream fell back to flooding), or a tree link down: flood on.
        let on_the_tree = branch.parent.as_deref() == from;
        (on_the_tree && branch.children.iter().all(|child| up(child))).then(|| branch.children.clone())
    }
}

/// `me`'s parent and children in the breadth-first tree from `origin` (neighbours in name order,
/// so every node works out the same tree).
fn branch(topology: &Topology, origin: &str, me: &str) -> Branch {
    let mut parent: HashMap<NodeName, Option<NodeName>> = HashMap::new();
    let Some(root) = topology.name(origin) else { return Branch::default() };
    parent.insert(root.clone(), None);
    let mut queue = VecDeque::from([root]);
    let mut children: HashMap<NodeName, Vec<NodeName>> = HashMap::new();
    while let Some(node) = queue.pop_front() {
        for next in topology.neighbours(&node) {
            if !parent.contains_key(&next) {
                parent.insert(next.clone(), Some(node.clone()));
                children.entry(node.clone()).or_default().push(next.clone());
                queue.push_back(next);
            }
        }
    }
    Branch { parent: parent.get(me).cloned().flatten(), children: children.remove(me).unwrap_or_default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Shape;

    #[test]
    fn strategies_read_back_as_they_are_written() {
        for text in ["flood", "tree", "batch:500ms", "batch:1s", "gossip:3"] {
            assert_eq!(Strategy::parse(text).unwrap().to_string(), text);
        }
        for wrong in ["gossip", "gossip:0", "batch", "batch:0s", "batch:2m", "tree:3"] {
            assert_eq!(Strategy::parse(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn a_tree_sends_each_node_one_copy_and_floods_around_a_failure() {
        let grid = std::sync::Arc::new(Shape::Grid.topology(25, 1).unwrap());
        let routers: HashMap<NodeName, Router> =
            grid.names().iter().map(|n| (n.clone(), Router::new(grid.clone(), n.clone(), 1))).collect();
        // Every node reached from n01 exactly once, in 24 messages.
        let mut reached = vec![NodeName::from("n01")];
        let mut queue = VecDeque::from([(NodeName::from("n01"), None::<NodeName>)]);
        let mut messages = 0;
        while let Some((node, from)) = queue.pop_front() {
            let targets =
                routers[&node].targets(Strategy::Tree, "n01", from.as_deref(), |_| true).expect("on the tree");
            for next in targets {
                messages += 1;
                assert!(!reached.contains(&next), "{next} got two copies");
                reached.push(next.clone());
                queue.push_back((next, Some(node.clone())));
            }
        }
        assert_eq!((reached.len(), messages), (25, 24));
        // A tree link down, or a record off the tree: flood.
        let n01 = &routers[&NodeName::from("n01")];
        assert!(n01.targets(Strategy::Tree, "n01", None, |n| n != "n02").is_none());
        assert!(routers[&NodeName::from("n07")].targets(Strategy::Tree, "n01", Some("n08"), |_| true).is_none());
        assert!(n01.targets(Strategy::Flood, "n01", None, |_| true).is_none());
    }
}
