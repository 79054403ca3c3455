//! Carrying out a walkthrough's steps on a running herd: what the operator does, plus what only
//! a walkthrough has (the replies it remembers, the cost of each update, its scheduled faults).

use std::collections::HashMap;
use std::sync::Arc;

use super::Step;
use crate::accounting::Accounting;
use crate::command::{Command, Compare, CostMeasure, Expectation};
use crate::operator::{Outcome, execute};
use crate::schedule::{Schedule, Told};
use herdctl_core::herd::Herd;

/// Carries out a script's steps, remembering what each node last replied (for `expect reply`)
/// and what each update cost (for `expect cost`, from the herd's events). While it plays, the
/// herd is conducted: every transmission goes in one canonical order, and each step starts from
/// a quiet herd, so that the script gives the same answer on every run.
pub struct Player {
    herd: Arc<Herd>,
    /// Where raw lines go: the topology's first node.
    first: String,
    replies: HashMap<String, String>,
    events: tokio::sync::broadcast::Receiver<std::sync::Arc<herdctl_core::event::HerdEvent>>,
    accounting: Accounting,
    /// Events the accounting missed (a walkthrough far behind a torrent): costs are then unsure.
    missed: u64,
    /// Its `at`s and nemeses, running beside the steps.
    schedule: Schedule,
}

impl Player {
    pub fn new(herd: &Arc<Herd>) -> Self {
        let first = herd.topology().names().first().map(|n| n.to_string()).unwrap_or_default();
        herd.set_conducted(true);
        Self {
            herd: herd.clone(),
            first,
            replies: HashMap::new(),
            events: herd.subscribe(),
            accounting: Accounting::new(herd.topology().clone()),
            missed: 0,
            schedule: Schedule::default(),
        }
    }

    /// Forgets what it remembered and stops what it scheduled (the console's replay starts over).
    pub async fn forget(&mut self) {
        self.schedule.calm().await;
        self.replies.clear();
        self.accounting.clear();
    }

    /// What its scheduled work did since last asked.
    pub fn told(&mut self) -> Vec<Told> {
        self.schedule.told()
    }

    /// The script is over: its nemeses stop (undoing their faults), its `at`s not yet due are
    /// told as missed, and the herd's transmissions flow freely again.
    pub async fn finish(&mut self) -> Vec<Told> {
        let told = self.schedule.calm().await;
        crate::operator::settle(&self.herd).await;
        self.herd.set_conducted(false);
        told
    }

    /// Brings the accounting up to date with what the herd did, the live graph included.
    fn account(&mut self, herd: &Herd) {
        self.accounting.set_live(herd.live());
        loop {
            match self.events.try_recv() {
                Ok(event) => self.accounting.apply(&event),
                Err(tokio::sync::broadcast::error::TryRecvError::Lagged(count)) => self.missed += count,
                Err(_) => break,
            }
        }
    }

    /// `expect cost`: waits (at most `EXPECT_WITHIN`) for the update's figure to hold, since its
    /// last messages may still be in flight.
    async fn cost(
        &mut self,
        herd: &Herd,
        client: &str,
        measure: CostMeasure,
        compare: Compare,
        value: usize,
    ) -> Outcome {
        let what = match measure {
            CostMeasure::Messages => "messages",
            CostMeasure::Duplicates => "duplicates",
            CostMeasure::Hops => "hops",
        };
        let deadline = tokio::time::Instant::now() + crate::expectation::EXPECT_WITHIN;
        loop {
            self.account(herd);
            let flood = self.accounting.latest_of(client);
            let found = flood.map(|f| match measure {
                CostMeasure::Messages => f.messages,
                CostMeasure::Duplicates => f.duplicates,
                CostMeasure::Hops => f.hops() as usize,
            });
            let held = found.is_some_and(|found| compare.holds(found, value));
            let complete = flood.is_some_and(|f| f.is_complete());
            if held && complete || tokio::time::Instant::now() >= deadline {
                let symbol = compare.symbol();
                let text = match found {
                    _ if held => format!("{client}'s update cost {} {what} ({symbol} {value})", found.unwrap_or(0)),
                    Some(found) => {
                        format!("expected {client}'s update to cost {what} {symbol} {value}, but it cost {found}")
                    }
                    None if self.missed > 0 => {
                        format!("no update of {client} was seen ({} events were missed)", self.missed)
                    }
                    None => format!("expected an update of {client}, but none was seen"),
                };
                return Outcome::Checked { held, text };
            }
            // The event waited for is counted too, not only those after it.
            if let Ok(Ok(event)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
                self.accounting.apply(&event);
            }
        }
    }

    /// Carries out one step. A short-form client command answered with `?` fails (a typo in a
    /// script must not pass unnoticed); `send` may send anything.
    pub async fn play(&mut self, herd: &Arc<Herd>, step: &Step) -> Outcome {
        // Each step starts once what the last one set off has landed.
        crate::operator::settle(herd).await;
        match &step.command {
            Command::At { after, command } => {
                let what = step.text.clone();
                self.schedule.at(herd.clone(), *after, (**command).clone(), what);
                return Outcome::Done(format!("scheduled: {}", step.text));
            }
            Command::Every { min, max, fault, lasting } => {
                // Each nemesis its own dice, all from the herd's seed: --seed replays them.
                let seed = herd.seed() ^ (step.line as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                self.schedule.every(herd.clone(), (*min, *max), fault.clone(), *lasting, seed, step.text.clone());
                return Outcome::Done(format!("a nemesis starts (seed {}): {}", herd.seed(), step.text));
            }
            // The part's herd was started from it.
            Command::Topology(file) => {
                return Outcome::Done(format!("on the herd of {file} ({} nodes)", herd.topology().names().len()));
            }
            Command::Calm => {
                let told = self.schedule.calm().await;
                let undone = told.iter().filter(|t| matches!(t, Told::Did(_))).count();
                return Outcome::Done(format!("calm: every nemesis stopped and undone ({undone} last steps told)"));
            }
            _ => {}
        }
        if let Command::Expect(Expectation::Cost { client, measure, compare, value }) = &step.command {
            let outcome = self.cost(herd, client, *measure, *compare, *value).await;
            crate::operator::note_check(herd, &outcome);
            return outcome;
        }
        if let Command::Expect(Expectation::Reply { node, starts }) = &step.command {
            let held = self.replies.get(node).is_some_and(|reply| reply.starts_with(starts.as_str()));
            let text = match self.replies.get(node) {
                _ if held => format!("{node} replied {starts}…"),
                Some(reply) => format!(
                    "expected {node}'s reply to start with {starts:?}, but it was {:?}",
                    reply.lines().next().unwrap_or_default()
                ),
                None => format!("expected a reply from {node}, but the walkthrough has sent it nothing"),
            };
            let outcome = Outcome::Checked { held, text };
            crate::operator::note_check(herd, &outcome);
            return outcome;
        }
        let outcome = execute(herd, &step.command, &self.first).await;
        if let Outcome::Answers { answers, .. } = &outcome {
            // `expect reply NODE` checks each server's answer to `whatsat all` too.
            self.replies.extend(answers.iter().cloned());
        }
        if let Outcome::Reply { node, reply, line } = &outcome {
            self.replies.insert(node.clone(), reply.clone());
            let short_form = matches!(step.command, Command::Iamat { .. } | Command::Whatsat { .. });
            if short_form && reply.starts_with("? ") {
                return Outcome::Refused(format!(
                    "{node} did not understand {line:?}: it answered {}",
                    reply.trim_end()
                ));
            }
        }
        outcome
    }
}
