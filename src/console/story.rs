//! A walkthrough through a recorded session, in the replay console: its steps run at once up to
//! each caption, moving the moment shown, and wait there until the operator continues (`c`);
//! back (`b`) and the sections (`[`, `]`) replay the story from its start up to the caption
//! asked for, as a live walkthrough does (here in no time: nothing runs).

use herdctl_teach::command::Command;
use herdctl_teach::operator::Outcome;
use herdctl_teach::script::recorded::play_step;
use herdctl_teach::script::{Report, Script};
use herdctl_ui::intent::{StoryMove, TimeMove};
use herdctl_ui::keys::label_of;
use herdctl_ui::{Caption, Feedback, UiState};

use super::past::Past;
use super::walkthrough::{Cross, Map, Place};

pub struct Story {
    script: Script,
    map: Map,
    /// The next step to run.
    next: usize,
    /// The step of the caption shown (the script's length once it is over).
    at: usize,
    report: Report,
    /// Where it stands among a scenario's parts.
    place: Place,
}

impl Story {
    pub fn new(script: Script, place: Place) -> Self {
        Self { map: Map::of(&script), script, next: 0, at: 0, report: Report::default(), place }
    }

    /// Runs to its first caption, or (entered backwards) to its last section's.
    pub fn begin(&mut self, past: &mut Past, state: &mut UiState) {
        match self.map.last_section() {
            last if self.place.at_last_section && last > 0 => self.replay_to(last, past, state),
            _ => self.run_to_caption(past, state),
        }
    }

    /// Where the operator wants the story to go; `Some` when it leaves this part.
    pub fn go(&mut self, to: StoryMove, past: &mut Past, state: &mut UiState) -> Option<Cross> {
        let over = self.next >= self.script.steps.len() && self.at >= self.script.steps.len();
        if to == StoryMove::Continue && over && self.place.next {
            return Some(Cross::Next);
        }
        if let Some(cross) = self.map.crossing(self.at, to, &self.place) {
            return Some(cross);
        }
        if to == StoryMove::Continue {
            // On: to the next caption, or from the last to the summary; after it, nothing.
            if self.at < self.script.steps.len() {
                self.run_to_caption(past, state);
            }
            return None;
        }
        let Some(target) = self.map.target(self.at, to) else {
            state.tell(Feedback::Error(self.map.why_not(self.at, to)));
            return None;
        };
        self.replay_to(target, past, state);
        None
    }

    /// From the start, without pausing, up to step `target`; then on to its caption.
    fn replay_to(&mut self, target: usize, past: &mut Past, state: &mut UiState) {
        (self.next, self.report) = (0, Report::default());
        past.seek(0);
        state.clear_story();
        while self.next < target {
            self.step(past, state);
        }
        self.run_to_caption(past, state);
    }

    /// Runs one step; returns the caption it says, if it is one.
    fn step(&mut self, past: &mut Past, state: &mut UiState) -> Option<Caption> {
        let at = self.next;
        self.next += 1;
        let step = &self.script.steps[at];
        let mut count = past.count();
        let outcome = play_step(past.timeline(), &mut count, step, self.script.herd_line() == Some(at));
        past.seek(count);
        self.report.count(&self.script.name, step, &outcome);
        match outcome {
            Outcome::Said(text) | Outcome::Asked(text) => {
                return Some(Caption {
                    text,
                    step: self.map.pauses.iter().position(|&p| p == at).map_or(0, |i| i + 1),
                    steps: self.map.pauses.len(),
                    section: self.map.section(at).map(|(_, title)| title.clone()),
                    question: matches!(step.command, Command::Ask(_)),
                });
            }
            Outcome::Noted(text) => state.note = Some(text),
            Outcome::Show { nodes, client } => state.show(&past.view(state), &nodes, client.as_deref()),
            Outcome::Highlight(links) => state.highlight = links,
            Outcome::Track(client) => state.tracked = client,
            Outcome::Done(text) | Outcome::Checked { held: true, text } => state.tell(Feedback::Done(text)),
            Outcome::Checked { held: false, text } | Outcome::Refused(text) => {
                state.tell(Feedback::Error(format!("line {}: {text}", step.line)))
            }
            Outcome::Section(_) => state.new_section(),
            Outcome::Reply { .. } | Outcome::Answers { .. } => {}
        }
        None
    }

    /// Runs steps until the next caption (shown) or the end (its summary shown as a caption).
    pub fn run_to_caption(&mut self, past: &mut Past, state: &mut UiState) {
        while self.next < self.script.steps.len() {
            let at = self.next;
            if let Some(caption) = self.step(past, state) {
                self.at = at;
                state.caption = Some(caption);
                state.story_over = false;
                return;
            }
        }
        self.at = self.script.steps.len();
        state.caption = Some(match self.place.next {
            true => {
                let pauses = self.map.pauses.len();
                Caption {
                    text: self.place.summary(&self.report, ""),
                    step: pauses,
                    steps: pauses,
                    ..Caption::default()
                }
            }
            false => {
                let step_on = format!(", {} steps on through the recording", label_of(TimeMove::Later));
                self.map.end(&self.report, &step_on)
            }
        });
        // A part with one after it: c goes on to it.
        state.story_over = !self.place.next;
    }

    pub fn report(&self) -> &Report {
        &self.report
    }

    pub fn name(&self) -> &str {
        &self.script.name
    }
}
