//! The herd's shape: loading and validating `topology.json`, neighbours and hop distances.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A node's name, shared cheaply between tasks, events and records.
pub type NodeName = Arc<str>;

/// The default herd, built into the binary so that herdctl runs from any folder.
pub const BUILT_IN: &str = include_str!("../../../topology.json");
const BUILT_IN_SOURCE: &str = "the built-in topology";

/// One node as the file describes it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub name: String,
    pub host: String,
    /// The client port (0: any free port, for herds in one process, such as tests).
    pub port: u16,
    /// The peer port, where neighbours connect (herdctl's own nodes; 0 or absent: any free
    /// port, which only nodes run in one process can agree on). A foreign herd's servers talk to
    /// each other on their client ports and need none.
    #[serde(default)]
    pub peer_port: u16,
    /// The command that runs this node as a foreign server (`python3 server.py {name}`), where
    /// its herd is not herdctl's own: `herdctl --exec` gives one for every node, this one for
    /// this node alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<String>,
    /// Where the node listens when that is not `host` (the name its neighbours dial, resolved
    /// again at every dial): `0.0.0.0` or `::` in a container. Default: `host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// The control port, where a console attaches (`herdctl --attach`); default: a free port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_port: Option<u16>,
    /// Optional position on the console's graph, as fractions of its width and height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopologyFile {
    nodes: Vec<NodeSpec>,
    links: Vec<[String; 2]>,
}

impl NodeSpec {
    /// The host the node listens on: `bind` if given, else `host`.
    pub fn listen_host(&self) -> &str {
        self.bind.as_deref().unwrap_or(&self.host)
    }
}

/// Why a topology was refused. Every message names the file, the place and the problem.
#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    #[error("cannot read topology file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{source_name}: line {line}, column {column}: {problem}")]
    Json { source_name: String, line: usize, column: usize, problem: String },
    #[error("{source_name}: {place}: {problem}")]
    Invalid { source_name: String, place: String, problem: String },
    #[error("unknown node {name:?} in {source_name}; the nodes are: {}", known.join(", "))]
    UnknownNode { name: String, source_name: String, known: Vec<String> },
}

/// A validated topology: unique names and addresses, links between known nodes.
#[derive(Clone, Debug)]
pub struct Topology {
    source: String,
    nodes: Vec<NodeSpec>,
    names: Vec<NodeName>,
    /// Neighbours of each node, by index, sorted by name.
    neighbours: Vec<Vec<usize>>,
}

impl Topology {
    /// Loads `path`, or `./topology.json` if it exists, or the built-in default herd.
    pub fn load(path: Option<&Path>) -> Result<Self, TopologyError> {
        let default = Path::new("topology.json");
        let path = match path {
            Some(path) => path,
            None if default.exists() => default,
            None => return Self::from_json(BUILT_IN, BUILT_IN_SOURCE),
        };
        let text = crate::capped::read_to_string(path, crate::capped::FileKind::Topology)
            .map_err(|source| TopologyError::Read { path: path.to_path_buf(), source })?;
        Self::from_json(&text, &path.display().to_string())
    }

    /// The default herd of the course.
    pub fn built_in() -> Self {
        Self::from_json(BUILT_IN, BUILT_IN_SOURCE).expect("the built-in topology is valid")
    }

    /// Parses and validates topology JSON; `source_name` names it in error messages.
    pub fn from_json(text: &str, source_name: &str) -> Result<Self, TopologyError> {
        let file: TopologyFile = serde_json::from_str(text).map_err(|error| TopologyError::Json {
            source_name: source_name.to_string(),
            line: error.line(),
            column: error.column(),
            problem: error.to_string().split(" at line ").next().unwrap_or_default().to_string(),
        })?;
        let invalid = |place: String, problem: String| TopologyError::Invalid {
            source_name: source_name.to_string(),
            place,
            problem,
        };
        if file.nodes.is_empty() {
            return Err(invalid("nodes".into(), "the herd has no nodes; list at least one".into()));
        }
        let mut index = HashMap::new();
        let mut addresses = HashMap::new();
        for (i, node) in file.nodes.iter().enumerate() {
            let place = format!("nodes[{i}] ({:?})", node.name);
            if node.name.is_empty() || !node.name.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(invalid(place, "a name must be non-empty printable ASCII without white space".into()));
            }
            if node.name.len() > MAX_NAME {
                return Err(invalid(
                    place,
                    format!("a name may have at most {MAX_NAME} characters (this one has {})", node.name.len()),
                ));
            }
            if RESERVED.contains(&node.name.as_str()) {
                return Err(invalid(
                    place,
                    format!("{:?} is reserved: herd-wide events and the console's notes go by that name", node.name),
                ));
            }
            if let Some(first) = index.insert(node.name.as_str(), i) {
                return Err(invalid(
                    place,
                    format!("duplicate name: nodes[{first}] is already called {:?}", node.name),
                ));
            }
            for (axis, value) in [("x", node.x), ("y", node.y)] {
                if value.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
                    return Err(invalid(place, format!("{axis} must be between 0 and 1 (a fraction of the graph)")));
                }
            }
            if node.host.is_empty() || node.bind.as_deref() == Some("") {
                return Err(invalid(place, "host is empty".into()));
            }
            let control = ("control_port", node.control_port.unwrap_or(0));
            for (field, port) in [("port", node.port), ("peer_port", node.peer_port), control] {
                // Port 0 asks for any free port, which never clashes.
                if port == 0 {
                    continue;
                }
                if let Some(owner) = addresses.insert((node.host.as_str(), port), format!("nodes[{i}].{field}")) {
                    return Err(invalid(place, format!("{field} {port} on {} is already used by {owner}", node.host)));
                }
            }
        }
        let known = || file.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", ");
        let mut links = BTreeSet::new();
        for (i, [a, b]) in file.links.iter().enumerate() {
            let place = format!("links[{i}] ({a:?}, {b:?})");
            let find = |name: &str| {
                index
                    .get(name)
                    .copied()
                    .ok_or_else(|| invalid(place.clone(), format!("unknown node {name:?} (known: {})", known())))
            };
            let (a, b) = (find(a)?, find(b)?);
            if a == b {
                return Err(invalid(place, "a node cannot be linked to itself".into()));
            }
            links.insert((a.min(b), a.max(b)));
        }
        let mut neighbours = vec![Vec::new(); file.nodes.len()];
        for (a, b) in links {
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
        for list in &mut neighbours {
            list.sort_by(|&x, &y| file.nodes[x].name.cmp(&file.nodes[y].name));
        }
        let names = file.nodes.iter().map(|n| NodeName::from(n.name.as_str())).collect();
        Ok(Self { source: source_name.to_string(), nodes: file.nodes, names, neighbours })
    }

    /// The same herd with every port 0, so that a herd run in one process (tests, benchmarks)
    /// picks free ports itself.
    pub fn on_free_ports(&self) -> Self {
        let mut herd = self.clone();
        for node in &mut herd.nodes {
            node.port = 0;
            node.peer_port = 0;
            node.control_port = node.control_port.map(|_| 0);
        }
        herd
    }

    /// Where this topology came from (a path, or "the built-in topology").
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The topology as topology.json writes it (`from_json` reads it back): a trace carries its
    /// herd's shape this way, so that a replay needs no other file.
    pub fn to_json(&self) -> serde_json::Value {
        let links: Vec<[String; 2]> = self.links().iter().map(|(a, b)| [a.to_string(), b.to_string()]).collect();
        serde_json::json!({ "nodes": self.nodes, "links": links })
    }

    pub fn nodes(&self) -> &[NodeSpec] {
        &self.nodes
    }

    /// The node a machine called `hostname` runs: the one whose host, or its first label, is that
    /// name (`herd-0` runs the node on `herd-0.herd`).
    pub fn node_on_host(&self, hostname: &str) -> Option<&NodeSpec> {
        let first_label = |host: &str| host.split('.').next().unwrap_or(host).to_string();
        let wanted = hostname.to_ascii_lowercase();
        self.nodes.iter().find(|node| {
            let host = node.host.to_ascii_lowercase();
            host == wanted || first_label(&host) == first_label(&wanted)
        })
    }

    /// Node names in file order.
    pub fn names(&self) -> &[NodeName] {
        &self.names
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    pub fn node(&self, name: &str) -> Option<&NodeSpec> {
        self.index(name).map(|i| &self.nodes[i])
    }

    /// The shared name of a node of this topology.
    pub fn name(&self, name: &str) -> Option<NodeName> {
        self.index(name).map(|i| self.names[i].clone())
    }

    /// The neighbours of `name`, sorted by name (empty for an unknown name).
    pub fn neighbours(&self, name: &str) -> Vec<NodeName> {
        self.index(name)
            .map(|i| self.neighbours[i].iter().map(|&j| self.names[j].clone()).collect())
            .unwrap_or_default()
    }

    pub fn are_neighbours(&self, a: &str, b: &str) -> bool {
        self.neighbours(a).iter().any(|n| &**n == b)
    }

    /// A short digest of what every node of a herd must agree on: each node's name, host and
    /// ports, and the links (not where a node binds, nor the file's name). Two neighbours with
    /// different digests run different herds, and their link is refused (the peer handshake).
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for node in &self.nodes {
            hash.update(format!("{}\n{}\n{}\n{}\n", node.name, node.host, node.port, node.peer_port));
        }
        let mut links: Vec<String> = self.links().iter().map(|(a, b)| format!("{a}-{b}\n")).collect();
        links.sort();
        hash.update(links.concat());
        hex::encode(&hash.finalize()[..6])
    }

    /// Every link once, each as (earlier in file order, later).
    pub fn links(&self) -> Vec<(NodeName, NodeName)> {
        let mut links = Vec::new();
        for (a, list) in self.neighbours.iter().enumerate() {
            for &b in list.iter().filter(|&&b| b > a) {
                links.push((self.names[a].clone(), self.names[b].clone()));
            }
        }
        links
    }

    /// Hop distance from `from` to every node it can reach (itself at 0).
    pub fn hops_from(&self, from: &str) -> HashMap<NodeName, usize> {
        let mut hops = HashMap::new();
        let Some(start) = self.index(from) else {
            return hops;
        };
        let mut seen = vec![false; self.nodes.len()];
        let mut queue = VecDeque::from([(start, 0)]);
        seen[start] = true;
        while let Some((i, distance)) = queue.pop_front() {
            hops.insert(self.names[i].clone(), distance);
            for &j in &self.neighbours[i] {
                if !std::mem::replace(&mut seen[j], true) {
                    queue.push_back((j, distance + 1));
                }
            }
        }
        hops
    }

    /// The breadth-first spanning tree from `origin`, as (parent, child) links in the order they
    /// are found: neighbours in name order, so that every node works out the same tree (the one
    /// the tree strategy sends `origin`'s records along). Empty for an unknown name.
    pub fn tree_from(&self, origin: &str) -> Vec<(NodeName, NodeName)> {
        let Some(root) = self.name(origin) else { return Vec::new() };
        let mut seen = std::collections::HashSet::from([root.clone()]);
        let mut queue = VecDeque::from([root]);
        let mut links = Vec::new();
        while let Some(node) = queue.pop_front() {
            for next in self.neighbours(&node) {
                if seen.insert(next.clone()) {
                    links.push((node.clone(), next.clone()));
                    queue.push_back(next);
                }
            }
        }
        links
    }

    /// Resolves the names a user asked for, or says which names exist.
    pub fn select(&self, wanted: &[String]) -> Result<Vec<NodeName>, TopologyError> {
        if wanted.is_empty() {
            return Ok(self.names.clone());
        }
        wanted
            .iter()
            .map(|name| {
                self.name(name).ok_or_else(|| TopologyError::UnknownNode {
                    name: name.clone(),
                    source_name: self.source.clone(),
                    known: self.names.iter().map(|n| n.to_string()).collect(),
                })
            })
            .collect()
    }
}

/// The longest node name. Names travel in every AT line and peer message, so the peer line limit
/// is sized from it (`peer::wire::MAX_PEER_LINE`).
pub const MAX_NAME: usize = 64;

/// The name herd-wide events are published under (no node may have it).
pub const HERD: &str = "herd";

/// Names no node may have: herd-wide events are published as `herd` (`HERD`), and the
/// console writes its own lines as `console`.
const RESERVED: [&str; 2] = [HERD, "console"];

/// Shared handle used by the engine.
pub type SharedTopology = Arc<Topology>;

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        Topology::from_json(text, "t.json").unwrap_err().to_string()
    }

    const NODES: &str = r#""nodes": [
        {"name": "A", "host": "127.0.0.1", "port": 1, "peer_port": 2},
        {"name": "B", "host": "127.0.0.1", "port": 3, "peer_port": 4}]"#;

    #[test]
    fn the_default_herd_is_the_courses() {
        let herd = Topology::built_in();
        let names: Vec<&str> = herd.names().iter().map(|n| &**n).collect();
        assert_eq!(names, ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"]);
        assert_eq!(herd.links().len(), 6);
        let neighbours = |n| herd.neighbours(n).iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(neighbours("Riley"), ["Jaquez", "Juzang"]);
        assert_eq!(neighbours("Bernard"), ["Campbell", "Jaquez", "Juzang"]);
        assert_eq!(neighbours("Juzang"), ["Bernard", "Campbell", "Riley"]);
        assert_eq!(herd.hops_from("Riley")["Campbell"], 2);
    }

    #[test]
    fn on_free_ports_keeps_the_shape_and_zeroes_every_port() {
        let herd = Topology::built_in().on_free_ports();
        assert_eq!(herd.names(), Topology::built_in().names());
        assert_eq!(herd.links(), Topology::built_in().links());
        assert!(herd.nodes().iter().all(|n| n.port == 0 && n.peer_port == 0));
    }

    #[test]
    fn a_link_listed_twice_is_one_link() {
        let herd = Topology::from_json(&format!(r#"{{{NODES}, "links": [["A","B"],["B","A"]]}}"#), "t.json").unwrap();
        assert_eq!(herd.links().len(), 1);
        assert_eq!(herd.neighbours("A").len(), 1);
    }

    #[test]
    fn bad_json_names_file_line_and_column() {
        let message = refused("{\n  \"nodes\": [,\n}");
        assert!(message.starts_with("t.json: line 2, column"), "{message}");
    }

    #[test]
    fn missing_field_is_named() {
        let message = refused(r#"{"nodes": [{"name": "A", "host": "h"}], "links": []}"#);
        assert!(message.contains("t.json: line 1") && message.contains("missing field `port`"), "{message}");
    }

    #[test]
    fn a_node_may_listen_apart_from_its_advertised_host_and_name_a_control_port() {
        let text = r#"{"nodes": [{"name": "A", "host": "a.herd", "bind": "0.0.0.0", "port": 1, "peer_port": 2,
            "control_port": 3}], "links": []}"#;
        let topology = Topology::from_json(text, "t.json").unwrap();
        let a = topology.node("A").unwrap();
        assert_eq!((a.host.as_str(), a.listen_host(), a.control_port), ("a.herd", "0.0.0.0", Some(3)));
        assert_eq!(Topology::built_in().node("Riley").unwrap().listen_host(), "127.0.0.1");
        let clash = r#"{"nodes": [{"name": "A", "host": "h", "port": 1, "peer_port": 2, "control_port": 2}],
            "links": []}"#;
        assert!(
            refused(clash).contains("control_port 2 on h is already used by nodes[0].peer_port"),
            "{}",
            refused(clash)
        );
        // Written back as read, so a trace's topology keeps them.
        assert_eq!(Topology::from_json(&topology.to_json().to_string(), "again").unwrap().node("A"), Some(a));
    }

    #[test]
    fn a_machine_finds_its_node_by_its_host_name() {
        let text = r#"{"nodes": [{"name": "A", "host": "herd-0.herd", "port": 1, "peer_port": 2},
            {"name": "B", "host": "herd-1.herd", "port": 1, "peer_port": 2}], "links": []}"#;
        let topology = Topology::from_json(text, "t.json").unwrap();
        let on = |host: &str| topology.node_on_host(host).map(|node| node.name.clone());
        assert_eq!(on("herd-1"), Some("B".into()));
        assert_eq!(on("herd-0.herd.default.svc.cluster.local"), Some("A".into()));
        assert_eq!(on("HERD-0"), Some("A".into()));
        assert_eq!(on("herd-2"), None);
    }

    #[test]
    fn unknown_node_in_a_link_lists_the_known_ones() {
        let message = refused(&format!(r#"{{{NODES}, "links": [["A","C"]]}}"#));
        assert_eq!(message, r#"t.json: links[0] ("A", "C"): unknown node "C" (known: A, B)"#);
    }

    #[test]
    fn self_links_duplicate_names_and_ports_are_refused() {
        assert!(refused(&format!(r#"{{{NODES}, "links": [["A","A"]]}}"#)).contains("linked to itself"));
        let dup_name = r#"{"nodes": [{"name": "A", "host": "h", "port": 1, "peer_port": 2},
            {"name": "A", "host": "h", "port": 3, "peer_port": 4}], "links": []}"#;
        assert!(refused(dup_name).contains("nodes[1] (\"A\"): duplicate name"));
        let dup_port = r#"{"nodes": [{"name": "A", "host": "h", "port": 1, "peer_port": 2},
            {"name": "B", "host": "h", "port": 3, "peer_port": 1}], "links": []}"#;
        assert_eq!(refused(dup_port), "t.json: nodes[1] (\"B\"): peer_port 1 on h is already used by nodes[0].port");
    }

    #[test]
    fn names_must_fit_in_an_at_line() {
        let spaced = r#"{"nodes": [{"name": "A B", "host": "h", "port": 1, "peer_port": 2}], "links": []}"#;
        assert!(refused(spaced).contains("without white space"));
        assert!(refused(r#"{"nodes": [], "links": []}"#).contains("no nodes"));
        let reserved = r#"{"nodes": [{"name": "herd", "host": "h", "port": 1, "peer_port": 2}], "links": []}"#;
        assert!(refused(reserved).contains("\"herd\" is reserved"), "{}", refused(reserved));
        let reserved = r#"{"nodes": [{"name": "console", "host": "h", "port": 1, "peer_port": 2}], "links": []}"#;
        assert!(refused(reserved).contains("\"console\" is reserved"), "{}", refused(reserved));
        let named = |name: &str| {
            format!(r#"{{"nodes": [{{"name": "{name}", "host": "h", "port": 1, "peer_port": 2}}], "links": []}}"#)
        };
        assert!(Topology::from_json(&named(&"N".repeat(MAX_NAME)), "t.json").is_ok());
        let long = refused(&named(&"N".repeat(MAX_NAME + 1)));
        assert!(long.contains("at most 64 characters (this one has 65)"), "{long}");
        assert!(refused(&named(r"Ri\u0007ley")).contains("printable ASCII"));
    }

    #[test]
    fn selecting_an_unknown_node_lists_the_names() {
        let error = Topology::built_in().select(&["Bob".into()]).unwrap_err().to_string();
        assert!(error.contains("Riley, Jaquez, Juzang, Campbell, Bernard"), "{error}");
    }

    #[test]
    fn the_breadth_first_tree_reaches_every_node_once_by_its_shortest_path() {
        let herd = Topology::built_in();
        let tree = herd.tree_from("Riley");
        let tree: Vec<(&str, &str)> = tree.iter().map(|(a, b)| (&**a, &**b)).collect();
        // Neighbours in name order: Riley's Jaquez before Juzang, and Bernard reached from Jaquez.
        assert_eq!(tree, [("Riley", "Jaquez"), ("Riley", "Juzang"), ("Jaquez", "Bernard"), ("Juzang", "Campbell")]);
        let hops = herd.hops_from("Campbell");
        for (parent, child) in herd.tree_from("Campbell") {
            assert_eq!(hops[&child], hops[&parent] + 1, "{parent}-{child} is on a shortest path");
        }
        assert!(herd.tree_from("Nobody").is_empty());
    }
}
