//! A walkthrough played in the console: each step carried out in turn, its outcome shown, a
//! pause at every caption until the operator continues, and at the end a summary of what held;
//! the report decides the console's exit status, as it does headless.

use std::sync::{Arc, Mutex};

use herdctl::Herd;
use herdctl::operator::{Outcome, execute};
use herdctl::script::{Report, Script};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub struct Walkthrough {
    go: mpsc::UnboundedSender<()>,
    task: JoinHandle<()>,
    report: Arc<Mutex<Report>>,
    name: String,
}

impl Walkthrough {
    pub fn start(herd: Arc<Herd>, script: Script, outcomes: mpsc::UnboundedSender<Outcome>) -> Self {
        let (go, mut went) = mpsc::unbounded_channel();
        let report = Arc::new(Mutex::new(Report::default()));
        let name = script.name.clone();
        let kept = report.clone();
        let task = tokio::spawn(async move {
            let first = herd.topology().names().first().map(|n| n.to_string()).unwrap_or_default();
            herd.wait_linked(herdctl::script::SETTLE).await;
            let _ = outcomes.send(Outcome::Done(format!("walkthrough {}: {} steps", script.name, script.steps.len())));
            for step in &script.steps {
                let outcome = execute(&herd, &step.command, &first).await;
                kept.lock().unwrap_or_else(|p| p.into_inner()).count(&script.name, step, &outcome);
                let pause = matches!(outcome, Outcome::Said(_));
                if outcomes.send(outcome).is_err() || (pause && went.recv().await.is_none()) {
                    return;
                }
            }
            let report = kept.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let summary = match report.failures.first() {
                None => format!("The walkthrough is over: {}. q quits.", report.summary()),
                Some(first) => format!("The walkthrough is over: {}. First failure: {first}", report.summary()),
            };
            let _ = outcomes.send(Outcome::Said(summary));
        });
        Self { go, task, report, name }
    }

    /// The operator read the caption: go on.
    pub fn go_on(&self) {
        let _ = self.go.send(());
    }

    /// How the walkthrough went so far (all of it, once it is over).
    pub fn report(&self) -> Report {
        self.report.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Walkthrough {
    fn drop(&mut self) {
        self.task.abort();
    }
}
