//! Where each node sits on the graph: where the topology says, or, for a topology without
//! positions, a layout that reads well up to a hundred nodes: the best-connected node in the
//! middle and the rest in rings by their distance from it (so hubs are not on the rim), then
//! spread by a force-directed pass (linked nodes pull together, all nodes push apart). No
//! randomness: the same topology is drawn the same way every time.

use std::collections::{HashMap, VecDeque};
use std::f64::consts::TAU;

use herdctl_core::Topology;

/// Rounds of the force-directed pass.
const ROUNDS: usize = 300;

/// Node positions in [0, 1]², by name.
pub fn positions(topology: &Topology) -> HashMap<String, (f64, f64)> {
    let nodes = topology.nodes();
    if nodes.iter().all(|n| n.x.is_some() && n.y.is_some()) {
        return nodes.iter().map(|n| (n.name.clone(), (n.x.unwrap_or(0.5), n.y.unwrap_or(0.5)))).collect();
    }
    let laid = laid_out(topology);
    // Positions given for some nodes are kept; the others take the layout's.
    nodes.iter().zip(laid).map(|(n, (x, y))| (n.name.clone(), (n.x.unwrap_or(x), n.y.unwrap_or(y)))).collect()
}

/// The layout of every node, in topology order.
fn laid_out(topology: &Topology) -> Vec<(f64, f64)> {
    let names = topology.names();
    let count = names.len();
    if count <= 2 {
        return (0..count).map(|i| (0.2 + 0.6 * i as f64, 0.5)).collect();
    }
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (&**n, i)).collect();
    let neighbours: Vec<Vec<usize>> = names
        .iter()
        .map(|n| topology.neighbours(n).iter().filter_map(|m| index.get(&**m).copied()).collect())
        .collect();
    // Rings around the best-connected node (the first of them, in file order).
    let hub = (0..count).max_by_key(|&i| (neighbours[i].len(), std::cmp::Reverse(i))).unwrap_or(0);
    let mut depth = vec![usize::MAX; count];
    let mut order = Vec::with_capacity(count);
    depth[hub] = 0;
    let mut queue = VecDeque::from([hub]);
    while let Some(node) = queue.pop_front() {
        order.push(node);
        for &next in &neighbours[node] {
            if depth[next] == usize::MAX {
                depth[next] = depth[node] + 1;
                queue.push_back(next);
            }
        }
    }
    // Nodes no link reaches go on the outermost ring.
    let deepest = order.iter().map(|&i| depth[i]).max().unwrap_or(0);
    for (i, d) in depth.iter_mut().enumerate() {
        if *d == usize::MAX {
            *d = deepest + 1;
            order.push(i);
        }
    }
    let rings = depth.iter().copied().max().unwrap_or(1).max(1);
    let mut position = vec![(0.0, 0.0); count];
    for ring in 0..=rings {
        let members: Vec<usize> = order.iter().copied().filter(|&i| depth[i] == ring).collect();
        let radius = ring as f64 / rings as f64;
        for (k, &node) in members.iter().enumerate() {
            // A half step between rings, so that one ring's nodes do not line up with the next's.
            let angle = TAU * (k as f64 + 0.5 * (ring % 2) as f64) / members.len() as f64;
            position[node] = (radius * angle.cos(), radius * angle.sin());
        }
    }
    spread(&mut position, &neighbours);
    fit(&position)
}

/// The force-directed pass (Fruchterman and Reingold's): springs along links, repulsion between
/// every pair, a step that cools down round by round.
fn spread(position: &mut [(f64, f64)], neighbours: &[Vec<usize>]) {
    let count = position.len();
    let ideal = (4.0 / count as f64).sqrt();
    for round in 0..ROUNDS {
        let heat = 0.1 * (1.0 - round as f64 / ROUNDS as f64) + 0.002;
        let mut push = vec![(0.0, 0.0); count];
        for a in 0..count {
            for b in a + 1..count {
                let (dx, dy) = (position[a].0 - position[b].0, position[a].1 - position[b].1);
                let distance = (dx * dx + dy * dy).sqrt().max(1e-3);
                let force = ideal * ideal / distance;
                let (fx, fy) = (dx / distance * force, dy / distance * force);
                push[a].0 += fx;
                push[a].1 += fy;
                push[b].0 -= fx;
                push[b].1 -= fy;
            }
        }
        for (a, links) in neighbours.iter().enumerate() {
            for &b in links {
                let (dx, dy) = (position[a].0 - position[b].0, position[a].1 - position[b].1);
                let distance = (dx * dx + dy * dy).sqrt().max(1e-3);
                let force = distance * distance / ideal;
                push[a].0 -= dx / distance * force;
                push[a].1 -= dy / distance * force;
            }
        }
        for (p, (fx, fy)) in position.iter_mut().zip(push) {
            let length = (fx * fx + fy * fy).sqrt().max(1e-9);
            let step = length.min(heat);
            p.0 += fx / length * step;
            p.1 += fy / length * step;
        }
    }
}

/// Scales the layout into [0, 1]², keeping its proportions.
fn fit(position: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let (min_x, max_x) = position.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let (min_y, max_y) = position.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let span = (max_x - min_x).max(max_y - min_y).max(1e-9);
    let (offset_x, offset_y) = ((1.0 - (max_x - min_x) / span) / 2.0, (1.0 - (max_y - min_y) / span) / 2.0);
    position.iter().map(|p| ((p.0 - min_x) / span + offset_x, (p.1 - min_y) / span + offset_y)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` nodes on free ports: a ring with chords, and one hub linked to every fifth node.
    fn topology(count: usize) -> Topology {
        let nodes: Vec<String> =
            (0..count).map(|i| format!(r#"{{"name":"n{i:02}","host":"127.0.0.1","port":0,"peer_port":0}}"#)).collect();
        let mut links: Vec<String> = (0..count).map(|i| format!(r#"["n{i:02}","n{:02}"]"#, (i + 1) % count)).collect();
        links.extend((5..count).step_by(5).map(|i| format!(r#"["n00","n{i:02}"]"#)));
        links.extend((0..count / 2).step_by(7).map(|i| format!(r#"["n{i:02}","n{:02}"]"#, i + count / 2)));
        links.sort();
        links.dedup();
        let json = format!(r#"{{"nodes":[{}],"links":[{}]}}"#, nodes.join(","), links.join(","));
        Topology::from_json(&json, "test").unwrap()
    }

    #[test]
    fn a_hub_sits_in_the_middle_and_every_node_inside_the_frame() {
        for count in [3, 10, 25, 100] {
            let topology = topology(count);
            let placed = positions(&topology);
            assert_eq!(placed.len(), count);
            assert!(placed.values().all(|&(x, y)| (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y)));
            if count >= 10 {
                let from_middle = |name: &str| {
                    let (x, y) = placed[name];
                    ((x - 0.5).powi(2) + (y - 0.5).powi(2)).sqrt()
                };
                let mean = placed.keys().map(|n| from_middle(n)).sum::<f64>() / count as f64;
                assert!(from_middle("n00") < mean, "{count} nodes: the hub is nearer the middle than most");
            }
        }
    }

    #[test]
    fn the_same_topology_is_drawn_the_same_way_and_positions_given_are_kept() {
        let topology = topology(25);
        assert_eq!(positions(&topology), positions(&topology));
        let given = Topology::built_in();
        assert_eq!(positions(&given)["Riley"], (0.0, 0.5));
    }

    #[test]
    fn no_two_nodes_of_a_hundred_fall_on_one_spot() {
        let placed: Vec<(f64, f64)> = positions(&topology(100)).into_values().collect();
        for (i, a) in placed.iter().enumerate() {
            for b in &placed[i + 1..] {
                assert!((a.0 - b.0).abs() + (a.1 - b.1).abs() > 0.005, "{a:?} and {b:?}");
            }
        }
    }
}
