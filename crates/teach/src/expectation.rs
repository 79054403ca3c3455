//! Checking what a walkthrough expects of the herd: which node knows which client (in a moment,
//! or at once), which record it holds, and the state of a link. Each check says, when it fails,
//! what was expected and what was found.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::command::{Expectation, LinkExpect, RecordField};
use crate::moment::Moment;
use crate::outcome::Outcome;
use herdctl_core::cache::PageStart;
use herdctl_core::herd::Herd;
use herdctl_core::protocol::Record;
use herdctl_core::topology::NodeName;

/// How long `expect NODE knows CLIENT` waits for a flood to arrive, and `step N` for
/// transmissions to be held.
pub const EXPECT_WITHIN: Duration = Duration::from_secs(3);

fn checked(held: bool, good: String, bad: impl FnOnce() -> String) -> Outcome {
    Outcome::Checked { held, text: if held { good } else { bad() } }
}

/// Checks `expectation` against the running herd, giving what a flood or a link needs a moment
/// (at most `EXPECT_WITHIN`) to come true. `expect reply` and `expect cost` need what a
/// walkthrough saw, so the player (`script`) checks them, not this.
pub async fn check(herd: &Herd, expectation: &Expectation) -> Outcome {
    if let Some(node) = named_node(expectation) {
        if herd.client_addr(node).is_err() {
            return Outcome::unknown_node(herd.topology(), node);
        }
    }
    let waits = match expectation {
        Expectation::Knows { now: true, .. } | Expectation::Lacks { .. } => None,
        Expectation::Link { state: LinkExpect::Cut, .. } => None,
        Expectation::Converged { within } => Some(*within),
        Expectation::Reply { .. } | Expectation::Cost { .. } => {
            return Outcome::Refused(
                "expect reply and expect cost check what a walkthrough saw: use them in a script".into(),
            );
        }
        _ => Some(EXPECT_WITHIN),
    };
    if let Some(within) = waits {
        herd.wait_until(within, |herd| holds(herd, expectation)).await;
    }
    check_now(herd, expectation, waits)
}

/// The node whose cache an expectation looks at, if one.
fn named_node(expectation: &Expectation) -> Option<&str> {
    match expectation {
        Expectation::Knows { node, .. } | Expectation::Lacks { node, .. } | Expectation::Has { node, .. } => Some(node),
        _ => None,
    }
}

/// Whether `expectation` holds at `moment`.
fn holds(moment: &dyn Moment, expectation: &Expectation) -> bool {
    matches!(check_now(moment, expectation, None), Outcome::Checked { held: true, .. })
}

/// What `node` holds of `client`, as `field` says it.
fn field_of(moment: &dyn Moment, node: &str, client: &str, field: RecordField) -> Option<String> {
    let entry = moment.cache_entry(node, client)?;
    Some(match field {
        RecordField::Coords => entry.record.coords().to_string(),
        RecordField::Server => entry.record.server().to_string(),
        RecordField::Via => match &entry.via {
            herdctl_core::event::Via::Client => "client".to_string(),
            herdctl_core::event::Via::Peer(peer) => peer.to_string(),
        },
    })
}

/// Checks `expectation` at `moment` as it is: a running herd after `waited` (said in a failure),
/// or a moment of a recording (`None`: "at this moment").
pub fn check_now(moment: &dyn Moment, expectation: &Expectation, waited: Option<Duration>) -> Outcome {
    let when = match waited {
        Some(waited) => format!("within {}", humantime::format_duration(waited)),
        None => "at this moment".to_string(),
    };
    if let Some(node) = named_node(expectation) {
        if moment.topology().node(node).is_none() {
            let names: Vec<String> = moment.topology().names().iter().map(|n| n.to_string()).collect();
            return Outcome::Refused(format!("unknown node {node:?}; the nodes are {}", names.join(", ")));
        }
    }
    match expectation {
        Expectation::Knows { node, client, now } => {
            let knows = moment.cache_entry(node, client).is_some();
            let when = if *now { "at once".to_string() } else { when };
            checked(knows, format!("{node} knows {client}"), || {
                format!("expected {node} to know {client}, but it did not {when}")
            })
        }
        Expectation::Lacks { node, client } => {
            let knows = moment.cache_entry(node, client).is_some();
            checked(!knows, format!("{node} lacks {client}"), || {
                format!("expected {node} to lack {client}, but it knows it")
            })
        }
        Expectation::Has { node, client, field, value } => {
            let found = field_of(moment, node, client, *field);
            let what = match field {
                RecordField::Coords => "at",
                RecordField::Server => "from",
                RecordField::Via => "via",
            };
            checked(found.as_deref() == Some(value.as_str()), format!("{node} has {client} {what} {value}"), || {
                match found {
                    Some(other) => {
                        format!("expected {node} to have {client} {what} {value}, but it has it {what} {other}")
                    }
                    None => format!("expected {node} to have {client} {what} {value}, but it does not know {client}"),
                }
            })
        }
        Expectation::Link { a, b, state } => {
            let cut = moment.is_cut(a, b);
            // Each end's own view: a node that is down sees none of its links.
            let ends: Vec<bool> = moment
                .status()
                .iter()
                .filter(|n| &*n.name == a || &*n.name == b)
                .map(|n| {
                    let other = if &*n.name == a { b } else { a };
                    n.up && n.links.iter().any(|(to, up)| &**to == other && *up)
                })
                .collect();
            // Up at both ends; down once every end has seen it go (a killed node's neighbour
            // too, not only the node that died).
            let up = ends.iter().all(|up| *up);
            let down = !ends.iter().any(|up| *up);
            let (held, found) = match state {
                LinkExpect::Cut => (cut, if cut { "cut" } else { "not cut" }),
                LinkExpect::Up => (
                    up,
                    if up {
                        "up"
                    } else if down {
                        "down"
                    } else {
                        "up at one end only"
                    },
                ),
                LinkExpect::Down => (
                    down,
                    if up {
                        "up"
                    } else if down {
                        "down"
                    } else {
                        "up at one end only"
                    },
                ),
            };
            let wanted = match state {
                LinkExpect::Up => "up",
                LinkExpect::Down => "down",
                LinkExpect::Cut => "cut",
            };
            checked(held, format!("the link {a}–{b} is {wanted}"), || {
                format!("expected the link {a}–{b} to be {wanted}, but it is {found}")
            })
        }
        Expectation::Converged { .. } => {
            let differ = disagreement(moment);
            checked(differ.is_none(), format!("every running node holds the same records ({when})"), || {
                format!(
                    "expected every running node to hold the same records {when}, but {}",
                    differ.unwrap_or_default()
                )
            })
        }
        Expectation::Reached { client, nodes } => {
            let (newest, found) = holders(moment, client);
            let newest = newest.unwrap_or_else(|| format!("no record of {client}"));
            let plural = if *nodes == 1 { "node" } else { "nodes" };
            checked(found == *nodes, format!("{client} reached {nodes} {plural}"), || {
                format!("expected {client} to have reached {nodes} {plural}, but {found} hold {newest} {when}")
            })
        }
        Expectation::Reply { .. } | Expectation::Cost { .. } => {
            Outcome::Refused("expect reply and expect cost check what a walkthrough saw: use them in a script".into())
        }
    }
}

/// Every record each running node holds, as AT lines by client.
fn records(herd: &dyn Moment) -> Vec<(NodeName, BTreeMap<String, String>)> {
    herd.status()
        .into_iter()
        .filter(|node| node.up)
        .map(|node| {
            let mut held = BTreeMap::new();
            let mut start = PageStart::First;
            loop {
                let page = herd.cache_page(&node.name, &start, 1024);
                let Some(last) = page.last() else { break };
                start = PageStart::After(last.record.client().to_string());
                held.extend(
                    page.iter().map(|entry| (entry.record.client().to_string(), entry.record.line().to_string())),
                );
            }
            (node.name, held)
        })
        .collect()
}

/// Where two running nodes differ, said in words; `None` when they all hold the same records.
fn disagreement(herd: &dyn Moment) -> Option<String> {
    let records = records(herd);
    let (first, theirs) = records.first()?;
    for (node, ours) in &records[1..] {
        let clients: BTreeSet<&String> = theirs.keys().chain(ours.keys()).collect();
        for client in clients {
            let (a, b) = (theirs.get(client), ours.get(client));
            if a != b {
                let say =
                    |line: Option<&String>| line.map_or_else(|| "nothing".to_string(), |line| format!("{line:?}"));
                return Some(format!("{first} holds {} of {client} and {node} {}", say(a), say(b)));
            }
        }
    }
    None
}

/// `client`'s newest record among the running nodes, and how many hold it.
fn holders(herd: &dyn Moment, client: &str) -> (Option<String>, usize) {
    let lines: Vec<Record> = herd
        .status()
        .into_iter()
        .filter(|node| node.up)
        .filter_map(|node| herd.cache_entry(&node.name, client))
        .map(|entry| (*entry.record).clone())
        .collect();
    let Some(newest) = lines.iter().max_by(|a, b| a.order(b)) else { return (None, 0) };
    let count = lines.iter().filter(|record| record.line() == newest.line()).count();
    (Some(newest.line().to_string()), count)
}
