//! A walkthrough played in the console: each step carried out in turn, its outcome shown, and a
//! pause at every caption until the operator continues.

use std::sync::Arc;

use herdctl::Herd;
use herdctl::operator::{Outcome, execute};
use herdctl::script::Script;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub struct Walkthrough {
    go: mpsc::UnboundedSender<()>,
    task: JoinHandle<()>,
}

impl Walkthrough {
    pub fn start(herd: Arc<Herd>, script: Script, outcomes: mpsc::UnboundedSender<Outcome>) -> Self {
        let (go, mut went) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let first = herd.topology().names().first().map(|n| n.to_string()).unwrap_or_default();
            herd.wait_linked(herdctl::script::SETTLE).await;
            let _ = outcomes.send(Outcome::Done(format!("walkthrough {}: {} steps", script.name, script.steps.len())));
            for step in &script.steps {
                let outcome = execute(&herd, &step.command, &first).await;
                let pause = matches!(outcome, Outcome::Said(_));
                if outcomes.send(outcome).is_err() || (pause && went.recv().await.is_none()) {
                    return;
                }
            }
            let _ = outcomes.send(Outcome::Done(format!("walkthrough {} finished", script.name)));
        });
        Self { go, task }
    }

    /// The operator read the caption: go on.
    pub fn go_on(&self) {
        let _ = self.go.send(());
    }
}

impl Drop for Walkthrough {
    fn drop(&mut self) {
        self.task.abort();
    }
}
