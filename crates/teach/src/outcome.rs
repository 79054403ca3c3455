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
    /// Select these nodes on screen (two: side by side).
    Show(Vec<String>),
    /// Mark this path on the graph (empty: clear it).
    Highlight(Vec<String>),
    /// Refused: a sentence saying why.
    Refused(String),
}

impl Outcome {
    /// A refusal naming the nodes there are.
    pub fn unknown_node(topology: &Topology, node: &str) -> Self {
        let names: Vec<String> = topology.names().iter().map(|n| n.to_string()).collect();
        Self::Refused(format!("unknown node {node:?}; the nodes are {}", names.join(", ")))
    }
}
