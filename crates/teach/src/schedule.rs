//! A walkthrough's scheduled faults, run beside its steps: `at 2s kill Juzang` (once, that long
//! after its line is reached) and `every 1s..3s cut random-link` (a nemesis: each time it undoes
//! its last fault and makes a new one, its targets and pauses chosen by the herd's seed, so that
//! `--seed` makes the same choices again). `calm`, and the script's end, stop them all and undo
//! what the nemeses did.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::command::{Command, Fault};
use crate::operator::{Outcome, execute};
use herdctl_core::dice::Dice;
use herdctl_core::herd::Herd;
use herdctl_core::network::Delay;

/// This time's fault and what undoes it, its targets chosen now; `None` when nothing is
/// left to choose (every node down, every link cut).
fn pick(fault: &Fault, herd: &Herd, dice: &mut Dice) -> Option<(Command, Command)> {
    let mut choose = |count: usize| (count > 0).then(|| dice.below(count as u64) as usize);
    let link = |named: &Option<(String, String)>, choose: &mut dyn FnMut(usize) -> Option<usize>| match named {
        Some(link) => Some(link.clone()),
        None => {
            let open: Vec<_> =
                herd.topology().links().into_iter().filter(|(a, b)| !herd.network().is_cut(a, b)).collect();
            let (a, b) = open.get(choose(open.len())?)?.clone();
            Some((a.to_string(), b.to_string()))
        }
    };
    Some(match fault {
        Fault::Kill(named) => {
            let node = match named {
                Some(node) => node.clone(),
                None => {
                    let up: Vec<_> = herd.status().into_iter().filter(|n| n.up).map(|n| n.name.to_string()).collect();
                    up.get(choose(up.len())?)?.clone()
                }
            };
            (Command::Kill(node.clone()), Command::Revive(node))
        }
        Fault::Cut(named) => {
            let (a, b) = link(named, &mut choose)?;
            (Command::Cut(a.clone(), b.clone()), Command::Heal(a, b))
        }
        Fault::Loss(named, percent) => {
            let (a, b) = link(named, &mut choose)?;
            (Command::Loss(a.clone(), b.clone(), *percent), Command::Loss(a, b, 0))
        }
        Fault::Latency(named, delay) => {
            let (a, b) = link(named, &mut choose)?;
            (Command::Latency(a.clone(), b.clone(), *delay), Command::Latency(a, b, Delay::default()))
        }
    })
}

/// What scheduled work did, for the script's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Told {
    /// Something ran, and what came of it.
    Did(String),
    /// An `at` whose time never came: the script ended (or went back) first.
    Missed(String),
}

/// The scheduled work of one playing script.
pub struct Schedule {
    tasks: JoinSet<()>,
    stop: CancellationToken,
    said: mpsc::UnboundedSender<Told>,
    heard: mpsc::UnboundedReceiver<Told>,
}

impl Default for Schedule {
    fn default() -> Self {
        let (said, heard) = mpsc::unbounded_channel();
        Self { tasks: JoinSet::new(), stop: CancellationToken::new(), said, heard }
    }
}

fn outcome_text(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Done(text) | Outcome::Refused(text) => text.clone(),
        Outcome::Reply { node, reply, .. } => format!("{node} replied {}", reply.lines().next().unwrap_or_default()),
        Outcome::Answers { answers, .. } => format!("every server: {}", crate::outcome::answers_summary(answers)),
        _ => String::new(),
    }
}

impl Schedule {
    /// `at AFTER COMMAND` (written as `text`): COMMAND runs `after` from now.
    pub fn at(&mut self, herd: Arc<Herd>, after: Duration, command: Command, text: String) {
        let (stop, said) = (self.stop.clone(), self.said.clone());
        let first = herd.topology().names().first().map(|n| n.to_string()).unwrap_or_default();
        self.tasks.spawn(async move {
            tokio::select! {
                () = stop.cancelled() => {
                    let _ = said.send(Told::Missed(text));
                }
                () = tokio::time::sleep(after) => {
                    let outcome = execute(&herd, &command, &first).await;
                    let _ = said.send(Told::Did(format!("{text}: {}", outcome_text(&outcome))));
                }
            }
        });
    }

    /// `every MIN..MAX FAULT [for LASTING]` (written as `text`): a nemesis until `calm`, the
    /// script's end, or `lasting` from now; `seed` chooses its pauses and targets.
    pub fn every(
        &mut self,
        herd: Arc<Herd>,
        (min, max): (Duration, Duration),
        fault: Fault,
        lasting: Option<Duration>,
        seed: u64,
        text: String,
    ) {
        let (stop, said) = (self.stop.clone(), self.said.clone());
        self.tasks.spawn(async move {
            let mut dice = Dice::seeded(seed);
            let ends = lasting.map(|lasting| tokio::time::Instant::now() + lasting);
            let mut undo: Option<Command> = None;
            loop {
                let pause = min + (max.saturating_sub(min)).mul_f64(dice.unit());
                let woke = tokio::time::Instant::now() + pause;
                let until = ends.map_or(woke, |ends| woke.min(ends));
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep_until(until) => {}
                }
                if ends.is_some_and(|ends| tokio::time::Instant::now() >= ends) {
                    break;
                }
                if let Some(undo) = undo.take() {
                    let outcome = execute(&herd, &undo, "").await;
                    let _ = said.send(Told::Did(format!("{text}: {}", outcome_text(&outcome))));
                }
                let Some((fault, undoing)) = pick(&fault, &herd, &mut dice) else { continue };
                let outcome = execute(&herd, &fault, "").await;
                if matches!(outcome, Outcome::Done(_)) {
                    undo = Some(undoing);
                }
                let _ = said.send(Told::Did(format!("{text}: {}", outcome_text(&outcome))));
            }
            // A nemesis leaves the herd as it found it.
            if let Some(undo) = undo {
                let outcome = execute(&herd, &undo, "").await;
                let _ = said.send(Told::Did(format!("{text} stopped: {}", outcome_text(&outcome))));
            }
        });
    }

    /// Stops every nemesis (each undoes its last fault) and every `at` not yet due; returns once
    /// they have, with everything they told since last asked.
    pub async fn calm(&mut self) -> Vec<Told> {
        self.stop.cancel();
        while self.tasks.join_next().await.is_some() {}
        self.stop = CancellationToken::new();
        self.told()
    }

    /// What the scheduled work did since last asked.
    pub fn told(&mut self) -> Vec<Told> {
        let mut told = Vec::new();
        while let Ok(one) = self.heard.try_recv() {
            told.push(one);
        }
        told
    }
}
