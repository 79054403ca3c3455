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
    /// `whatsat all`: `line` sent to every server; each one's reply in the topology's order (a
    /// sentence in parentheses where there was none: down, refused, silent past the bound).
    Answers { line: String, answers: Vec<(String, String)> },
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

/// What a server's reply to `whatsat all` comes to, for grouping who answers what.
fn gist(reply: &str) -> String {
    let first = reply.lines().next().unwrap_or_default();
    let words: Vec<&str> = first.split_whitespace().collect();
    match words.as_slice() {
        // Which server's record, and which report (its client time): a stale copy differs there.
        ["AT", server, .., stamp] => format!("AT {server} …{stamp}"),
        _ if first.starts_with("? ") || first == "?" => "?".into(),
        _ if first.starts_with('(') && first.contains("down") => "down".into(),
        _ if first.starts_with('(') => "no answer".into(),
        _ => first.to_string(),
    }
}

/// One line saying who answered `whatsat all` what: `3 AT Riley …1700000000.5 (Riley, Jaquez,
/// Juzang) · 1 ? (Campbell) · 1 down (Bernard)`, the largest group first.
pub fn answers_summary(answers: &[(String, String)]) -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for (node, reply) in answers {
        let gist = gist(reply);
        match groups.iter_mut().find(|(seen, _)| *seen == gist) {
            Some((_, nodes)) => nodes.push(node),
            None => groups.push((gist, vec![node])),
        }
    }
    // Stable: equal groups keep the topology's order.
    groups.sort_by_key(|(_, nodes)| std::cmp::Reverse(nodes.len()));
    let parts: Vec<String> =
        groups.iter().map(|(gist, nodes)| format!("{} {gist} ({})", nodes.len(), nodes.join(", "))).collect();
    parts.join(" · ")
}

/// `whatsat all`'s answers as a small table: the summary, then each server and its reply's
/// first line.
pub fn answers_table(answers: &[(String, String)]) -> String {
    let width = answers.iter().map(|(node, _)| node.chars().count()).max().unwrap_or(0);
    let mut table = answers_summary(answers);
    for (node, reply) in answers {
        let first = reply.lines().next().unwrap_or_default();
        table.push_str(&format!("\n{node:<width$}  {first}"));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatsat_all_groups_who_answers_what() {
        let answers: Vec<(String, String)> = [
            ("Riley", "AT Riley +0.1 kiwi +1+1 1700000000.5\n{\n}\n\n"),
            ("Jaquez", "AT Riley +0.1 kiwi +1+1 1700000000.5\n{}\n\n"),
            ("Juzang", "AT Riley +0.2 kiwi +1+1 1699999999.0\n{}\n\n"),
            ("Campbell", "? WHATSAT kiwi 10 5\n"),
            ("Bernard", "(Bernard is down: not asked)"),
            ("Clark", "(Clark did not answer within 10 s)"),
        ]
        .iter()
        .map(|(node, reply)| (node.to_string(), reply.to_string()))
        .collect();
        assert_eq!(
            answers_summary(&answers),
            "2 AT Riley …1700000000.5 (Riley, Jaquez) · 1 AT Riley …1699999999.0 (Juzang) · 1 ? (Campbell) · \
             1 down (Bernard) · 1 no answer (Clark)"
        );
        let table = answers_table(&answers);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], answers_summary(&answers));
        assert_eq!(lines[1], "Riley     AT Riley +0.1 kiwi +1+1 1700000000.5");
        assert_eq!(lines[4], "Campbell  ? WHATSAT kiwi 10 5");
        assert_eq!(lines.len(), 7, "a summary and a row a server: {table}");
    }
}
