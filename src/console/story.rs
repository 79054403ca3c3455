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
use super::walkthrough::Map;

pub struct Story {
    script: Script,
    map: Map,
    /// The next step to run.
    next: usize,
    /// The step of the caption shown (the script's length once it is over).
    at: usize,
    report: Report,
}

impl Story {
    pub fn new(script: Script) -> Self {
        Self { map: Map::of(&script), script, next: 0, at: 0, report: Report::default() }
    }

    /// Where the operator wants the story to go.
    pub fn go(&mut self, to: StoryMove, past: &mut Past, state: &mut UiState) {
        // On: to the next caption, or from the last to the summary; after it, nothing.
        if to == StoryMove::Continue {
            if self.at < self.script.steps.len() {
                self.run_to_caption(past, state);
            }
            return;
        }
        let Some(target) = self.map.target(self.at, to) else {
            return state.tell(Feedback::Error(self.map.why_not(self.at, to)));
        };
        // From the start, without pausing, up to the target; then on to its caption.
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
        let outcome = play_step(past.timeline(), &mut count, step, at == 0);
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
        let step_on = format!(", {} steps on through the recording", label_of(TimeMove::Later));
        state.caption = Some(self.map.end(&self.report, &step_on));
        state.story_over = true;
    }

    pub fn report(&self) -> &Report {
        &self.report
    }

    pub fn name(&self) -> &str {
        &self.script.name
    }
}
