//! Generated topologies for experiments: a line, a ring, a star, a grid, a tree, every pair
//! linked, or a random connected graph, of any size, with short names (`n01`…`n25`) and, where
//! the shape has one, a picture's positions. Random choices follow a seed.

use std::collections::BTreeSet;
use std::f64::consts::TAU;

use crate::dice::Dice;
use crate::topology::{Topology, TopologyError};

/// The largest herd a shape makes (and one process runs).
pub const MOST_NODES: usize = 100;
/// Client ports start here (node i listens on BASE_PORT + i), peer ports a hundred above.
const BASE_PORT: u16 = 12665;
const PEER_OFFSET: u16 = 100;

/// Links by node index, each once (the smaller index first).
type Links = BTreeSet<(usize, usize)>;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    Line,
    Ring,
    /// The first node linked to every other.
    Star,
    /// As close to square as the count allows, row by row.
    Grid,
    /// Each node with K children, breadth first.
    Tree(usize),
    /// Every pair linked.
    Total,
    /// Connected, with about this average degree.
    Random(f64),
}

// A random shape's degree is read as a number of 1 or more, never NaN: equality is total.
impl Eq for Shape {}

#[derive(Debug, thiserror::Error)]
pub enum ShapeError {
    #[error(
        "{0:?} is not a shape: write line, ring, star, grid, tree:K (K children each), total or random:D (average degree D)"
    )]
    Unknown(String),
    #[error("a herd of {0} nodes: a shape makes 1 to {MOST_NODES}")]
    Size(usize),
    #[error("{0}")]
    Topology(#[from] TopologyError),
}

impl Shape {
    /// Reads `line`, `ring`, `star`, `grid`, `tree:3`, `total`, `random:4`.
    pub fn parse(text: &str) -> Result<Self, ShapeError> {
        let unknown = || ShapeError::Unknown(text.to_string());
        Ok(match text.split_once(':') {
            None => match text {
                "line" => Self::Line,
                "ring" => Self::Ring,
                "star" => Self::Star,
                "grid" => Self::Grid,
                "total" => Self::Total,
                "tree" => Self::Tree(2),
                _ => return Err(unknown()),
            },
            Some(("tree", k)) => Self::Tree(k.parse().ok().filter(|k| *k >= 1).ok_or_else(unknown)?),
            Some(("random", d)) => Self::Random(d.parse().ok().filter(|d: &f64| *d >= 1.0).ok_or_else(unknown)?),
            Some(_) => return Err(unknown()),
        })
    }

    /// The herd: `nodes` nodes of this shape, on ports from 12665 (peers from 12765), random
    /// choices from `seed`.
    pub fn topology(self, nodes: usize, seed: u64) -> Result<Topology, ShapeError> {
        if !(1..=MOST_NODES).contains(&nodes) {
            return Err(ShapeError::Size(nodes));
        }
        let digits = nodes.to_string().len().max(2);
        let names: Vec<String> = (1..=nodes).map(|i| format!("n{i:0digits$}")).collect();
        let (links, positions) = self.links_and_positions(nodes, seed);
        let json = serde_json::json!({
            "nodes": names.iter().enumerate().map(|(i, name)| {
                let mut node = serde_json::json!({
                    "name": name,
                    "host": "127.0.0.1",
                    "port": BASE_PORT + i as u16,
                    "peer_port": BASE_PORT + PEER_OFFSET + i as u16,
                });
                if let Some((x, y)) = positions.as_ref().map(|p| p[i]) {
                    // Three decimals: a topology file a person can read.
                    node["x"] = ((x * 1000.0).round() / 1000.0).into();
                    node["y"] = ((y * 1000.0).round() / 1000.0).into();
                }
                node
            }).collect::<Vec<_>>(),
            "links": links.iter().map(|(a, b)| [&names[*a], &names[*b]]).collect::<Vec<_>>(),
        });
        let source = format!("the shape {self} of {nodes} nodes");
        Ok(Topology::from_json(&json.to_string(), &source)?)
    }

    /// Its links (each once, smaller index first) and, where it has one, its picture.
    fn links_and_positions(self, n: usize, seed: u64) -> (Links, Option<Vec<(f64, f64)>>) {
        let links = std::cell::RefCell::new(BTreeSet::new());
        let link = |a: usize, b: usize| {
            if a != b {
                links.borrow_mut().insert((a.min(b), a.max(b)));
            }
        };
        let around = |i: usize, count: usize| {
            let angle = TAU * i as f64 / count.max(1) as f64 - TAU / 4.0;
            (0.5 + 0.5 * angle.cos(), 0.5 + 0.5 * angle.sin())
        };
        let positions = match self {
            Self::Line => {
                (1..n).for_each(|i| link(i - 1, i));
                Some((0..n).map(|i| (i as f64 / (n - 1).max(1) as f64, 0.5)).collect())
            }
            Self::Ring => {
                (1..n).for_each(|i| link(i - 1, i));
                if n > 2 {
                    link(n - 1, 0);
                }
                Some((0..n).map(|i| around(i, n)).collect())
            }
            Self::Star => {
                (1..n).for_each(|i| link(0, i));
                Some((0..n).map(|i| if i == 0 { (0.5, 0.5) } else { around(i - 1, n - 1) }).collect())
            }
            Self::Grid => {
                let columns = (n as f64).sqrt().ceil() as usize;
                let rows = n.div_ceil(columns);
                for i in 0..n {
                    if i % columns + 1 < columns && i + 1 < n {
                        link(i, i + 1);
                    }
                    if i + columns < n {
                        link(i, i + columns);
                    }
                }
                let at = |i: usize, count: usize| i as f64 / (count - 1).max(1) as f64;
                Some((0..n).map(|i| (at(i % columns, columns), at(i / columns, rows))).collect())
            }
            Self::Tree(k) => {
                (1..n).for_each(|i| link((i - 1) / k, i));
                // Depth by depth, each depth's nodes spread across.
                let depth = |mut i: usize| {
                    let mut d = 0;
                    while i > 0 {
                        i = (i - 1) / k;
                        d += 1;
                    }
                    d
                };
                let deepest = depth(n - 1).max(1);
                let mut per_depth = vec![Vec::new(); deepest + 1];
                (0..n).for_each(|i| per_depth[depth(i)].push(i));
                let mut positions = vec![(0.5, 0.0); n];
                for (d, members) in per_depth.iter().enumerate() {
                    for (j, &i) in members.iter().enumerate() {
                        positions[i] = ((j as f64 + 0.5) / members.len() as f64, d as f64 / deepest as f64);
                    }
                }
                Some(positions)
            }
            Self::Total => {
                (0..n).for_each(|a| (a + 1..n).for_each(|b| link(a, b)));
                Some((0..n).map(|i| around(i, n)).collect())
            }
            Self::Random(degree) => {
                let mut dice = Dice::seeded(seed);
                // A random tree first (so it is connected), then links at random up to the degree.
                for i in 1..n {
                    link(dice.below(i as u64) as usize, i);
                }
                let wanted = ((degree * n as f64 / 2.0).round() as usize).min(n * (n - 1) / 2);
                while links.borrow().len() < wanted {
                    let (a, b) = (dice.below(n as u64) as usize, dice.below(n as u64) as usize);
                    link(a, b);
                }
                // No picture: the console lays it out (hubs in the middle).
                None
            }
        };
        (links.into_inner(), positions)
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Line => write!(f, "line"),
            Self::Ring => write!(f, "ring"),
            Self::Star => write!(f, "star"),
            Self::Grid => write!(f, "grid"),
            Self::Tree(k) => write!(f, "tree:{k}"),
            Self::Total => write!(f, "total"),
            Self::Random(d) => write!(f, "random:{d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(shape: &str, n: usize) -> usize {
        Shape::parse(shape).unwrap().topology(n, 7).unwrap().links().len()
    }

    #[test]
    fn each_shape_has_the_links_it_should() {
        assert_eq!(links("line", 25), 24);
        assert_eq!(links("ring", 25), 25);
        assert_eq!(links("star", 25), 24);
        assert_eq!(links("grid", 25), 40, "5x5: 2 x 5 x 4");
        assert_eq!(links("grid", 10), 13, "4 columns, 3 rows, the last row short");
        assert_eq!(links("tree:3", 25), 24);
        assert_eq!(links("total", 25), 300);
        assert_eq!(links("random:4", 25), 50);
    }

    #[test]
    fn every_shape_is_connected_named_short_and_seeded() {
        for shape in ["line", "ring", "star", "grid", "tree:2", "tree:3", "total", "random:3", "random:1"] {
            for n in [1, 2, 5, 25, 100] {
                let topology = Shape::parse(shape).unwrap().topology(n, 7).unwrap();
                let first = topology.names()[0].clone();
                assert_eq!(topology.hops_from(&first).len(), n, "{shape} of {n} is connected");
                assert_eq!(&*first, if n == 100 { "n001" } else { "n01" });
            }
        }
        let a = Shape::parse("random:4").unwrap().topology(25, 7).unwrap().links();
        let b = Shape::parse("random:4").unwrap().topology(25, 7).unwrap().links();
        let c = Shape::parse("random:4").unwrap().topology(25, 8).unwrap().links();
        assert_eq!(a, b, "the same seed, the same graph");
        assert_ne!(a, c);
    }

    #[test]
    fn what_is_not_a_shape_or_size_says_what_is() {
        assert!(Shape::parse("hexagon").unwrap_err().to_string().contains("tree:K"));
        assert!(Shape::parse("tree:0").is_err() && Shape::parse("random:x").is_err());
        assert!(Shape::parse("grid").unwrap().topology(101, 1).unwrap_err().to_string().contains("1 to 100"));
    }
}
