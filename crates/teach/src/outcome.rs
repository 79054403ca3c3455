//! What came of an operator's command or a walkthrough's step: the one answer the console, the
//! headless player and the tests all read.

use herdctl_core::topology::Topology;

/// What came of a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done; a sentence for the operator.
    Done(String),
    /// A client command's reply (or why there was none).
    Reply { node: String, line: String, reply: String },
    /// An expectation, and whether it held.
    Checked { held: bool, text: String },
    /// A caption for the class (the console waits for the operator).
    Said(String),
    /// A question for the class to predict (the console waits; the next steps answer it).
    Asked(String),
    /// A note shown while the next steps run.
    Noted(String),
    /// A new part of the story begins.
    Section(String),
    /// Select these nodes on screen (two: side by side), each at `client`'s row if one is named.
    Show { nodes: Vec<String>, client: Option<String> },
    /// Mark these links on the graph (a path's, or a whole tree's; none: clear it).
    Highlight(Vec<(String, String)>),
    /// The version badges follow this client (`None`: the last update's).
    Track(Option<String>),
    /// Refused: a sentence saying why.
    Refused(String),
}

impl Outcome {
    /// A path marked on the graph: its links, in order.
    pub fn path(path: &[String]) -> Self {
        Self::Highlight(path.windows(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect())
    }

    /// The breadth-first spanning tree from `root` marked on the graph (the same for a running
    /// herd and a recording: the topology's).
    pub fn tree(topology: &Topology, root: &str) -> Self {
        if topology.node(root).is_none() {
            return Self::unknown_node(topology, root);
        }
        let links = topology.tree_from(root).into_iter().map(|(parent, child)| (parent.to_string(), child.to_string()));
        Self::Highlight(links.collect())
    }

    /// A refusal naming the nodes there are.
    pub fn unknown_node(topology: &Topology, node: &str) -> Self {
        let names: Vec<String> = topology.names().iter().map(|n| n.to_string()).collect();
        Self::Refused(format!("unknown node {node:?}; the nodes are {}", names.join(", ")))
    }
}
