//! Checking what a walkthrough expects of the herd: which node knows which client (in a moment,
//! or at once), which record it holds, and the state of a link. Each check says, when it fails,
//! what was expected and what was found.

use crate::command::{Expectation, LinkExpect, RecordField};
use crate::herd::Herd;
use crate::operator::{EXPECT_WITHIN, Outcome};

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
        Expectation::Reply { .. } | Expectation::Cost { .. } => {
            Outcome::Refused("expect reply and expect cost check what a walkthrough saw: use them in a script".into())
        }
    }
}
