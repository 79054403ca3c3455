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
    /// What `show`, `highlight` and `track` come to against `topology`: the screen's part of the
    /// story, the same for a running herd and a recording.
    pub fn shaping(topology: &Topology, command: &crate::command::Command) -> Option<Self> {
        use crate::command::Command;
        Some(match command {
            Command::Show { nodes, client } => Self::Show { nodes: nodes.clone(), client: client.clone() },
            Command::Highlight(path) => {
                Self::Highlight(path.windows(2).map(|pair| (pair[0].clone(), pair[1].clone())).collect())
            }
            Command::HighlightTree(root) if topology.node(root).is_none() => Self::unknown_node(topology, root),
            Command::HighlightTree(root) => Self::Highlight(
                topology
                    .tree_from(root)
                    .into_iter()
                    .map(|(parent, child)| (parent.to_string(), child.to_string()))
                    .collect(),
            ),
            Command::Track(client) => Self::Track(client.clone()),
            _ => return None,
        })
    }

    /// A refusal naming the nodes there are.
    pub fn unknown_node(topology: &Topology, node: &str) -> Self {
        let names: Vec<String> = topology.names().iter().map(|n| n.to_string()).collect();
        Self::Refused(format!("unknown node {node:?}; the nodes are {}", names.join(", ")))
    }
}
