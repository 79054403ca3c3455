//! The same answer every run: while the network is conducted (a walkthrough plays), every
//! transmission waits at its sender and the conductor lets them go one at a time, in one
//! canonical order (hop, then sender, then receiver, then the order they were held in), each only
//! once the one before has landed and everything it set off has come to rest. Which copy of a
//! record arrives first, and so which is a duplicate and which path a record takes, then no longer
//! depends on how busy the machine is. Latency and slow motion still take their time: a
//! transmission goes once its time has come, in that order among those whose time has come.
//!
//! `quiet` is what the operator's commands wait for before the next: nothing on its way between
//! this process's nodes but what waits for its time or for the operator (step mode).

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Herd, Members};
use crate::network::{Due, Network};

impl Herd {
    /// Whether every transmission waits for the conductor.
    pub fn is_conducted(&self) -> bool {
        self.network.is_conducted()
    }

    /// Conducts the herd's transmissions (a walkthrough starts) or lets them flow freely again
    /// (it ends; what waits goes at once).
    pub fn set_conducted(&self, conducted: bool) {
        let mut conductor = self.conductor.lock().unwrap_or_else(|p| p.into_inner());
        if conducted && conductor.is_none() {
            let token = self.root.child_token();
            let (members, network) = (self.members_shared(), self.network.clone());
            self.tasks.spawn(conduct(members, network, token.clone()));
            *conductor = Some(token);
        }
        if !conducted {
            if let Some(token) = conductor.take() {
                token.cancel();
            }
        }
        self.network.set_conducted(conducted);
    }

    /// Records on their way between this process's nodes (queued, being sent, written and not
    /// yet acknowledged, or released and not yet taken up).
    pub fn in_motion(&self) -> usize {
        motion(&self.members_shared(), &self.network)
    }

    /// Waits (at most `within`) until the herd is quiet: nothing on its way between this
    /// process's nodes but what waits for its time (a latency, slow motion) or for the operator
    /// (step mode). Returns whether it came to be quiet. Nodes followed in other processes are
    /// not waited for: their links are theirs.
    pub async fn quiet(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        let mut changes = self.network.watch();
        loop {
            let listening = self.network.motion().listen();
            let rung = listening.notified();
            tokio::pin!(rung);
            rung.as_mut().enable();
            changes.borrow_and_update();
            if self.in_motion() == 0 && !matches!(self.network.next_due(Instant::now()), Due::Now(_)) {
                return true;
            }
            tokio::select! {
                () = &mut rung => {}
                _ = changes.changed() => {}
                () = tokio::time::sleep_until(deadline) => return false,
            }
        }
    }
}

fn motion(members: &Members, network: &Network) -> usize {
    let members = members.read().unwrap_or_else(|p| p.into_inner());
    members.iter().map(|member| member.in_motion()).sum::<usize>() + network.motion().resuming()
}

/// The conductor: whenever nothing is on its way, lets the first transmission whose time has
/// come go; waits for its time when none has; until `token`.
async fn conduct(members: Members, network: Arc<Network>, token: CancellationToken) {
    let mut changes = network.watch();
    loop {
        let listening = network.motion().listen();
        let rung = listening.notified();
        tokio::pin!(rung);
        rung.as_mut().enable();
        changes.borrow_and_update();
        let mut wake = None;
        if motion(&members, &network) == 0 {
            match network.next_due(Instant::now()) {
                Due::Now(id) => {
                    // Counted as on its way from this moment, so the loop waits for it to land.
                    network.conduct(id);
                    continue;
                }
                Due::At(time) => wake = Some(time),
                Due::Nothing => {}
            }
        }
        let due = async {
            match wake {
                Some(time) => tokio::time::sleep_until(time).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = token.cancelled() => return,
            () = &mut rung => {}
            _ = changes.changed() => {}
            () = due => {}
        }
    }
}
