//! The storm guard: a herd without duplicate suppression floods for ever (every copy passed on
//! round every cycle), which would swamp the machine and every check after it. Beside each check,
//! the guard counts each record's crossings of each link; when one crosses a link `STORM_AT`
//! times, it cuts every link until the herd is quiet, heals them, and says so in the check's notes.
//! Whether the herd sends a record twice is judged by `flood-once`, not here.

use std::collections::HashMap;
use std::sync::Arc;

use herdctl_core::event::{EventKind, HerdEvent};
use herdctl_core::herd::Herd;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Bench, QUIET_WITHIN};

/// Crossings of one link by one record that make a storm.
const STORM_AT: usize = 4;
/// Storms stopped in one check; past this the guard leaves the herd be.
const MOST_STOPS: usize = 5;

pub struct Guard {
    stop: CancellationToken,
    task: Option<JoinHandle<Vec<String>>>,
}

impl Guard {
    /// Starts guarding (only where herdctl sees and can cut what the servers send each other).
    pub fn start(bench: &Bench) -> Self {
        let stop = CancellationToken::new();
        let task = bench.sees_messages.then(|| {
            let (herd, events, stop) = (bench.herd.clone(), bench.herd.subscribe(), stop.clone());
            tokio::spawn(guard(herd, events, bench.calming.clone(), stop))
        });
        Self { stop, task }
    }

    /// Stops guarding; what it did, in words.
    pub async fn stop(self) -> Vec<String> {
        self.stop.cancel();
        match self.task {
            Some(task) => task.await.unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

async fn guard(
    herd: Arc<Herd>,
    mut events: tokio::sync::broadcast::Receiver<Arc<HerdEvent>>,
    calming: Arc<tokio::sync::RwLock<()>>,
    stop: CancellationToken,
) -> Vec<String> {
    let mut notes = Vec::new();
    let mut crossings: HashMap<(String, String, String), usize> = HashMap::new();
    loop {
        let event = tokio::select! {
            () = stop.cancelled() => return notes,
            event = events.recv() => event,
        };
        let event = match event {
            Ok(event) => event,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return notes,
        };
        let EventKind::FloodSent { to, record, catch_up: false, .. } = &event.kind else { continue };
        let key = (event.node.to_string(), to.to_string(), record.line().to_string());
        let count = crossings.entry(key.clone()).or_default();
        *count += 1;
        if *count < STORM_AT || notes.len() >= MOST_STOPS {
            continue;
        }
        // A check waits while this holds: what it sends next must not meet cut links.
        let calm = calming.write().await;
        let cut: Vec<_> = herd.topology().links().into_iter().filter(|(a, b)| herd.cut(a, b).is_ok()).collect();
        herd.quiet(QUIET_WITHIN).await;
        for (a, b) in &cut {
            let _ = herd.heal(a, b);
        }
        let ends: Vec<_> = cut.iter().flat_map(|(a, b)| [(a.clone(), b.clone()), (b.clone(), a.clone())]).collect();
        herd.wait_settled(&ends, QUIET_WITHIN).await;
        drop(calm);
        notes.push(format!(
            "a flood storm: {:?} crossed {}→{} {STORM_AT} times; herdctl cut every link until it stopped",
            key.2, key.0, key.1
        ));
        crossings.clear();
        // What was sent while the links were cut is no longer counted.
        events = events.resubscribe();
    }
}
