//! Which servers know a student: each server of the herd, up or down, and whether it has the
//! student's record; and a phone's question "has that changed since what I saw?", answered as
//! soon as it has (a report flooded on, a server died or came back and caught up), or after a
//! while with "no". So a phone sees a dead server as down, not as a flood that has not arrived,
//! and sees it catch up when it is revived, while a room of phones asks the herd little.

use std::sync::Arc;
use std::time::Duration;

use herdctl_core::event::{EventKind, HerdEvent};
use herdctl_core::herd::Herd;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

/// How long a phone's question waits for news before it is told that nothing changed (it asks
/// again): long enough that 500 phones cost the herd little, well under a proxy's timeout.
pub const WAIT_FOR_NEWS: Duration = Duration::from_secs(20);

/// Where the herd stands for one student: each server, and a word that changes whenever what the
/// page shows would (the page sends it back to ask for news).
fn standing(herd: &Herd, client: &str) -> (Vec<Value>, String) {
    let mut state = String::new();
    let nodes = herd
        .status()
        .into_iter()
        .map(|n| {
            let knows = n.up && herd.knows(&n.name, client);
            state.push(match (n.up, knows) {
                (false, _) => 'd',
                (true, false) => 'l',
                (true, true) => 'k',
            });
            json!({ "name": &*n.name, "up": n.up, "knows": knows })
        })
        .collect();
    (nodes, state)
}

/// Whether `event` may change where the herd stands for `client`.
fn matters(event: &HerdEvent, client: &str) -> bool {
    match &event.kind {
        EventKind::CacheUpdated { record, .. } => record.client() == client,
        EventKind::NodeUp { .. } | EventKind::NodeDown | EventKind::Restored { .. } | EventKind::Reset => true,
        _ => false,
    }
}

/// The servers and what they know of `client`; when the phone saw `seen` already, once that has
/// changed, or after `wait` (then the same answer: nothing changed).
pub async fn answer(herd: &Arc<Herd>, client: &str, seen: Option<&str>, wait: Duration) -> Value {
    // Listening before looking: a change between the look and the wait is not missed.
    let mut events = herd.subscribe();
    let (mut nodes, mut state) = standing(herd, client);
    if seen == Some(state.as_str()) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let news = match tokio::time::timeout_at(deadline, events.recv()).await {
                Err(_) | Ok(Err(RecvError::Closed)) => break,
                Ok(Ok(event)) => matters(&event, client),
                // Too much at once to follow: look again.
                Ok(Err(RecvError::Lagged(_))) => true,
            };
            if news {
                (nodes, state) = standing(herd, client);
                if seen != Some(state.as_str()) {
                    break;
                }
            }
        }
    }
    json!({ "client": client, "nodes": nodes, "state": state })
}
