//! Checking what a walkthrough expects of the herd: which node knows which client (in a moment,
//! or at once), which record it holds, and the state of a link. Each check says, when it fails,
//! what was expected and what was found.

use std::collections::{BTreeMap, BTreeSet};

use crate::cache::PageStart;
use crate::command::{Expectation, LinkExpect, RecordField};
use crate::herd::Herd;
use crate::operator::{EXPECT_WITHIN, Outcome};
use crate::protocol::Record;
use crate::topology::NodeName;

fn checked(held: bool, good: String, bad: impl FnOnce() -> String) -> Outcome {
    Outcome::Checked { held, text: if held { good } else { bad() } }
}

/// Checks `expectation` against the herd. `expect reply` needs the replies a walkthrough got, so
/// it is checked by the player (`script`), not here.
pub async fn check(herd: &Herd, expectation: &Expectation) -> Outcome {
    let within = humantime::format_duration(EXPECT_WITHIN);
    match expectation {
        Expectation::Knows { node, client, now } => {
            if herd.client_addr(node).is_err() {
                return crate::operator::unknown(herd, node);
            }
            // A node learns through the flood, so give it a moment, unless asked for `now`.
            let knows = if *now {
                herd.knows(node, client)
            } else {
                herd.wait_until(EXPECT_WITHIN, |herd| herd.knows(node, client)).await
            };
            let when = if *now { "at once".to_string() } else { format!("within {within}") };
            checked(knows, format!("{node} knows {client}"), || {
                format!("expected {node} to know {client}, but it did not {when}")
            })
        }
        Expectation::Lacks { node, client } => {
            if herd.client_addr(node).is_err() {
                return crate::operator::unknown(herd, node);
            }
            let knows = herd.knows(node, client);
            checked(!knows, format!("{node} lacks {client}"), || {
                format!("expected {node} to lack {client}, but it knows it")
            })
        }
        Expectation::Has { node, client, field, value } => {
            if herd.client_addr(node).is_err() {
                return crate::operator::unknown(herd, node);
            }
            let found = |herd: &Herd| {
                let entry = herd.cache_entry(node, client).ok().flatten()?;
                Some(match field {
                    RecordField::Coords => entry.record.coords().to_string(),
                    RecordField::Server => entry.record.server().to_string(),
                    RecordField::Via => match &entry.via {
                        crate::event::Via::Client => "client".to_string(),
                        crate::event::Via::Peer(peer) => peer.to_string(),
                    },
                })
            };
            let held = herd.wait_until(EXPECT_WITHIN, |herd| found(herd).as_deref() == Some(value.as_str())).await;
            let what = match field {
                RecordField::Coords => "at",
                RecordField::Server => "from",
                RecordField::Via => "via",
            };
            checked(held, format!("{node} has {client} {what} {value}"), || match found(herd) {
                Some(other) => format!("expected {node} to have {client} {what} {value}, but it has it {what} {other}"),
                None => format!("expected {node} to have {client} {what} {value}, but it does not know {client}"),
            })
        }
        Expectation::Link { a, b, state } => {
            let cut = herd.network().is_cut(a, b);
            let up = |herd: &Herd| {
                herd.status().iter().filter(|n| &*n.name == a || &*n.name == b).all(|n| {
                    let other = if &*n.name == a { b } else { a };
                    n.links.iter().any(|(to, up)| &**to == other && *up)
                })
            };
            let (held, found) = match state {
                LinkExpect::Cut => (cut, if cut { "cut" } else { "not cut" }),
                // Links come up within a second of a heal or revive: give them that.
                LinkExpect::Up => {
                    let up = herd.wait_until(EXPECT_WITHIN, up).await;
                    (up, if up { "up" } else { "down" })
                }
                LinkExpect::Down => {
                    let down = herd.wait_until(EXPECT_WITHIN, |herd| !up(herd)).await;
                    (down, if down { "down" } else { "up" })
                }
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
        Expectation::Converged { within } => {
            let held = herd.wait_until(*within, |herd| disagreement(herd).is_none()).await;
            let within = humantime::format_duration(*within);
            checked(held, format!("every running node holds the same records (within {within})"), || {
                let what = disagreement(herd).unwrap_or_default();
                format!("expected every running node to hold the same records within {within}, but {what}")
            })
        }
        Expectation::Reached { client, nodes } => {
            let held = herd.wait_until(EXPECT_WITHIN, |herd| holders(herd, client).1 == *nodes).await;
            let (newest, found) = holders(herd, client);
            let newest = newest.unwrap_or_else(|| format!("no record of {client}"));
            let plural = if *nodes == 1 { "node" } else { "nodes" };
            checked(held, format!("{client} reached {nodes} {plural}"), || {
                format!("expected {client} to have reached {nodes} {plural}, but {found} hold {newest} within {within}")
            })
        }
        Expectation::Reply { .. } | Expectation::Cost { .. } => {
            Outcome::Refused("expect reply and expect cost check what a walkthrough saw: use them in a script".into())
        }
    }
}

/// Every record each running node holds, as AT lines by client.
fn records(herd: &Herd) -> Vec<(NodeName, BTreeMap<String, String>)> {
    herd.status()
        .into_iter()
        .filter(|node| node.up)
        .filter_map(|node| {
            let mut held = BTreeMap::new();
            let mut start = PageStart::First;
            loop {
                let page = herd.cache_page(&node.name, &start, 1024).ok()?;
                let Some(last) = page.last() else { break };
                start = PageStart::After(last.record.client().to_string());
                held.extend(
                    page.iter().map(|entry| (entry.record.client().to_string(), entry.record.line().to_string())),
                );
            }
            Some((node.name, held))
        })
        .collect()
}

/// Where two running nodes differ, said in words; `None` when they all hold the same records.
fn disagreement(herd: &Herd) -> Option<String> {
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
fn holders(herd: &Herd, client: &str) -> (Option<String>, usize) {
    let lines: Vec<Record> = herd
        .status()
        .into_iter()
        .filter(|node| node.up)
        .filter_map(|node| herd.cache_entry(&node.name, client).ok().flatten())
        .map(|entry| (*entry.record).clone())
        .collect();
    let Some(newest) = lines.iter().max_by(|a, b| a.order(b)) else { return (None, 0) };
    let count = lines.iter().filter(|record| record.line() == newest.line()).count();
    (Some(newest.line().to_string()), count)
}
