//! The console on a recording: the moment shown moves as the operator asks (step, jump, play),
//! a walkthrough through the recording moves it caption by caption, and `L` goes live from it.
//! Nothing here can change what happened: other intents are refused, saying so.

use std::time::{Duration, Instant};

use herdctl_teach::replay::{Timeline, World};
use herdctl_teach::script::Script;
use herdctl_ui::intent::{HerdAct, TimeMove};
use herdctl_ui::keys::label_of;
use herdctl_ui::state::Selection;
use herdctl_ui::{Feedback, HerdView, Intent, UiState};

use super::driver::{FRAME, Stage, Wake};
use super::past::{self, Moved, Past};
use super::story::Story;
use super::walkthrough::{Cross, Place};

pub struct Recorded {
    past: Past,
    /// A walkthrough through the recording.
    story: Option<Story>,
}

/// How the console on a recording ends.
#[derive(Default)]
pub enum Left {
    /// The operator quit.
    #[default]
    Quit,
    /// Asked to go live from the moment shown (that moment's world).
    GoLive(Box<World>),
    /// Moved out of this part of a scenario.
    Cross(Cross),
}

impl Recorded {
    /// The recording of `timeline` at `at`, walked through with `script` if one is given; what
    /// is said first is said through `state`.
    pub fn start(timeline: Timeline, at: Duration, script: Option<Script>, state: &mut UiState) -> Self {
        Self::start_part(timeline, at, script, Place::default(), state)
    }

    /// As `start`, for a part of a scenario standing at `place` among the others.
    pub fn start_part(
        timeline: Timeline,
        at: Duration,
        script: Option<Script>,
        place: Place,
        state: &mut UiState,
    ) -> Self {
        let recording = timeline.recording().clone();
        let count = timeline.count_at(at);
        let mut past = Past::new(timeline, count, "replay", false);
        let mut said = vec![format!(
            "replaying {} events over {:.3}s{}",
            recording.events.len(),
            recording.duration().as_millis() as f64 / 1000.0,
            recording.seed.map(|seed| format!(", seed {seed}")).unwrap_or_default()
        )];
        said.extend(recording.notes.iter().cloned());
        state.tell(Feedback::Done(said.join("; ")));
        state.script = script.as_ref().map(|script| super::short_name(&script.name));
        let mut story = script.map(|script| Story::new(script, place));
        if let Some(story) = &mut story {
            state.present = true;
            state.open_replies = false;
            story.begin(&mut past, state);
        }
        Self { past, story }
    }

    /// How the console ended: a walkthrough whose checks failed fails the run, as it does
    /// headless.
    pub fn finish(self, ended: anyhow::Result<Left>) -> anyhow::Result<Left> {
        let ended = ended?;
        match &self.story {
            Some(story) if !story.report().passed() => Err(anyhow::anyhow!(
                "walkthrough {}: {}; {}",
                story.name(),
                story.report().summary(),
                story.report().failures.join("; ")
            )),
            _ => Ok(ended),
        }
    }
}

impl Stage for Recorded {
    type End = Left;

    fn prepare(&mut self, now: Instant) {
        self.past.prepare(now);
    }

    fn view(&self, state: &UiState) -> HerdView<'_> {
        self.past.view(state)
    }

    fn animation(&self, _now: Instant) -> Option<Duration> {
        self.past.playing().then_some(FRAME)
    }

    /// A recording has nothing to say of its own.
    async fn news(&mut self) -> Wake {
        std::future::pending().await
    }

    fn take(&mut self, _news: Wake, _state: &mut UiState) -> Option<Left> {
        None
    }

    fn carry_out(&mut self, intent: Intent, _selection: Selection, state: &mut UiState) -> Option<Left> {
        match intent {
            Intent::Quit => return Some(Left::Quit),
            // Done by the state already.
            Intent::Screen(_) => {}
            Intent::Story(to) => match &mut self.story {
                Some(story) => return story.go(to, &mut self.past, state).map(Left::Cross),
                None => cannot_change(state),
            },
            Intent::Time(to) => match self.past.go(to) {
                Moved::Stayed(Some(text)) => state.tell(Feedback::Done(text)),
                Moved::Stayed(None) | Moved::ToNow => {}
                Moved::GoLive => return Some(Left::GoLive(Box::new(self.past.world().clone()))),
            },
            Intent::Herd(HerdAct::Submit(text)) if text.trim().starts_with("at ") => {
                past::jump(&mut self.past, &text, state);
            }
            Intent::Herd(_) => cannot_change(state),
        }
        None
    }

    fn tick(&mut self, now: Instant) -> bool {
        self.past.tick(now)
    }
}

/// Says why what was asked cannot be done, and what can.
fn cannot_change(state: &mut UiState) {
    state.tell(Feedback::Error(format!(
        "a replay shows what happened and cannot change it: {} goes live from this moment, or type at 2.5s to move",
        label_of(TimeMove::GoLive)
    )));
}
