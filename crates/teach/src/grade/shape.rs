//! Where in the topology a check acts: the server that hears the report, one whose death leaves
//! the rest connected, a link the others can route around.

use std::collections::HashSet;

use herdctl_core::topology::{NodeName, Topology};

/// Whether every node but `without` is reached from the first such node, over the links but
/// `cut`.
fn connected(topology: &Topology, without: Option<&str>, cut: Option<(&str, &str)>) -> bool {
    let nodes: Vec<&NodeName> = topology.names().iter().filter(|name| Some(&***name) != without).collect();
    let Some(start) = nodes.first() else { return true };
    let is_cut = |a: &str, b: &str| cut.is_some_and(|(x, y)| (x == a && y == b) || (x == b && y == a));
    let mut seen: HashSet<NodeName> = HashSet::from([(*start).clone()]);
    let mut todo = vec![(*start).clone()];
    while let Some(node) = todo.pop() {
        for next in topology.neighbours(&node) {
            if Some(&*next) != without && !is_cut(&node, &next) && seen.insert(next.clone()) {
                todo.push(next);
            }
        }
    }
    seen.len() == nodes.len()
}

/// The server the checks' reports go to: the topology's first.
pub fn origin(topology: &Topology) -> Option<NodeName> {
    topology.names().first().cloned()
}

/// A server to kill whose death leaves the others connected: a neighbour of `origin` if one
/// will do (so that `origin` meets a dead neighbour), else any other.
pub fn victim(topology: &Topology, origin: &str) -> Option<NodeName> {
    let neighbours = topology.neighbours(origin);
    let others = topology.names().iter().filter(|name| &***name != origin && !neighbours.contains(name));
    neighbours.iter().chain(others).find(|name| connected(topology, Some(name), None)).cloned()
}

/// A link of `origin` the herd can route around (it lies on a cycle).
pub fn detour(topology: &Topology, origin: &str) -> Option<NodeName> {
    topology.neighbours(origin).into_iter().find(|name| connected(topology, None, Some((origin, name))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_course_herd_kills_jaquez_and_cuts_riley_jaquez() {
        let herd = Topology::built_in();
        assert_eq!(origin(&herd).as_deref(), Some("Riley"));
        assert_eq!(victim(&herd, "Riley").as_deref(), Some("Jaquez"));
        assert_eq!(detour(&herd, "Riley").as_deref(), Some("Jaquez"));
    }

    #[test]
    fn a_line_has_no_detour_and_kills_only_an_end() {
        let line = Topology::from_json(
            r#"{"nodes": [{"name": "A", "host": "127.0.0.1", "port": 1}, {"name": "B", "host": "127.0.0.1", "port": 2},
                          {"name": "C", "host": "127.0.0.1", "port": 3}],
                "links": [["A", "B"], ["B", "C"]]}"#,
            "line",
        )
        .unwrap();
        assert_eq!(detour(&line, "A"), None);
        // B holds A and C together: only C can die.
        assert_eq!(victim(&line, "A").as_deref(), Some("C"));
    }
}
