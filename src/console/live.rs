//! The console on a live herd: the herd's events become the model's flow and figures, the
//! operator's intents are carried out on the herd (commands through the errands' queue), a
//! walkthrough is told, and a moment just passed can be looked back at while the herd runs on.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use herdctl_core::network::{Fate, Mode};
use herdctl_core::{Herd, HerdEvent};
use herdctl_teach::command::Command;
use herdctl_teach::operator::Outcome;
use herdctl_teach::trace::Trace;
use herdctl_ui::intent::{HerdAct, ScreenAct, StoryMove, TimeMove};
use herdctl_ui::keys::label_of;
use herdctl_ui::state::{Running, Selection};
use herdctl_ui::{Caption, Feedback, HeldChoice, HerdView, Intent, UiState};
use tokio::sync::broadcast;

use super::Session;
use super::driver::{Stage, Wake};
use super::errands::{Errands, Given, Report, WAITING_AT_MOST};
use super::model::Model;
use super::news::HerdNews;
use super::past::{self, Moved, Past};
use super::walkthrough::{Cross, Place, Told, Walkthrough};

/// How often the screen is refreshed while something moves (lit links, the rate figure).
const ANIMATION: Duration = Duration::from_millis(100);
/// Who `whatsat all` is sent to, as the reply and the command line name it.
const EVERY_SERVER: &str = "every server";

pub struct Live {
    herd: Arc<Herd>,
    model: Model,
    news: HerdNews,
    errands: Errands,
    walkthrough: Option<Walkthrough>,
    /// Between a walkthrough's "replaying" and the caption it replays to.
    replaying: bool,
    /// A moment just passed, shown while the herd runs on (← in step mode).
    past: Option<Past>,
    /// The moments just passed are being rebuilt for looking back (off the screen's task).
    rebuilding: bool,
    places_source: String,
    trace: Arc<Trace>,
    /// Where `t` writes the trace (`--trace`, or a file in the log folder).
    trace_path: Option<PathBuf>,
    log_dir: PathBuf,
}

/// How the console on a live herd ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Leave {
    /// The operator quit.
    #[default]
    Quit,
    /// The walkthrough moved out of this part of a scenario.
    Cross(Cross),
}

impl Live {
    /// The console's stage on `herd`, from its bus `events` on, set up as `session` asks; what
    /// is said first is said through `state`.
    pub fn start(
        herd: Arc<Herd>,
        events: broadcast::Receiver<Arc<HerdEvent>>,
        session: Session,
        state: &mut UiState,
    ) -> Self {
        Self::start_part(herd, events, session, Place::default(), state)
    }

    /// As `start`, for a part of a scenario standing at `place` among the others.
    pub fn start_part(
        herd: Arc<Herd>,
        events: broadcast::Receiver<Arc<HerdEvent>>,
        session: Session,
        place: Place,
        state: &mut UiState,
    ) -> Self {
        let mut model = Model::new(herd.topology(), &session.places_source);
        model.set_strategy(herd.strategy().to_string());
        model.herd_said(herdctl_core::EventKind::Seeded { seed: herd.seed() }.to_string());
        for warning in herd.warnings() {
            model.warn(warning);
        }
        if let Some(warning) = model.take_warning() {
            state.tell(Feedback::Error(warning));
        }
        let mut errands = Errands::start(herd.clone());
        let walkthrough = session.scenario.clone().map(|script| {
            let (walkthrough, telling) = Walkthrough::start_part(herd.clone(), script, place);
            errands.spawn(telling);
            walkthrough
        });
        // In a walkthrough a WHATSAT shows its gist; the whole JSON opens on demand.
        state.open_replies = walkthrough.is_none();
        state.present = session.present || walkthrough.is_some();
        state.script = session.scenario.as_ref().map(|script| super::short_name(&script.name));
        if let Some(text) = &session.greeting {
            // Whole in the flow; its first part under the command line, which has one row.
            model.note(text.clone());
            state.tell(Feedback::Done(text.split("; ").next().unwrap_or(text).to_string()));
        }
        if let Some(url) = &session.classroom_url {
            let text =
                format!("the classroom page is at {url}: students on the room's network open it on their phones");
            model.note(text.clone());
            state.tell(Feedback::Done(text));
        }
        Self {
            news: HerdNews::of(&herd, events),
            herd,
            model,
            errands,
            walkthrough,
            replaying: false,
            past: None,
            rebuilding: false,
            places_source: session.places_source,
            trace: session.trace,
            trace_path: session.trace_path,
            log_dir: session.log_dir,
        }
    }

    /// Stops what runs for the console (commands, the walkthrough, a trace being written: all
    /// gone when this returns); a walkthrough whose checks failed fails the run, as it does
    /// headless.
    pub async fn finish(self, ended: anyhow::Result<()>) -> anyhow::Result<()> {
        self.errands.stop().await;
        match self.walkthrough.map(|walkthrough| (walkthrough.report(), walkthrough.name().to_string())) {
            Some((report, name)) if !report.passed() && ended.is_ok() => {
                Err(anyhow::anyhow!("walkthrough {name}: {}; {}", report.summary(), report.failures.join("; ")))
            }
            _ => ended,
        }
    }

    /// Shows what came of a command: in the command box, the flow, a caption or the reply overlay.
    fn show(&mut self, outcome: Outcome, state: &mut UiState) {
        match outcome {
            Outcome::Reply { node, line, reply } => {
                self.model.note(format!("{node} answered {line}"));
                state.command_sent(&node, &line);
                let summary = if state.open_replies { None } else { herdctl_core::places::summary(&reply) };
                state.reply_arrived(reply, summary);
            }
            Outcome::Answers { line, answers } => {
                // Who answers what: each server's first line in the flow, the table in the reply
                // (opened at once, or by the caption in a walkthrough), its summary below.
                for (node, reply) in &answers {
                    self.model.note(format!("{node} answered {line}: {}", reply.lines().next().unwrap_or_default()));
                }
                state.command_sent(EVERY_SERVER, &line);
                state.reply_arrived(herdctl_teach::outcome::answers_table(&answers), None);
            }
            // A caption typed in the command line (a walkthrough's come numbered, as `Told`).
            Outcome::Said(text) | Outcome::Asked(text) => {
                state.caption = Some(Caption { text, ..Caption::default() });
            }
            Outcome::Noted(text) => state.note = Some(text),
            Outcome::Section(_) => state.new_section(),
            Outcome::Show { nodes, client } => state.show(&self.view(state), &nodes, client.as_deref()),
            Outcome::Highlight(links) => state.highlight = links,
            Outcome::Track(client) => state.tracked = client,
            Outcome::Done(text) => {
                self.model.note(text.clone());
                state.tell(Feedback::Done(text));
            }
            Outcome::Refused(text) => {
                self.model.note(text.clone());
                state.tell(Feedback::Error(text));
            }
            // The flow shows it from the herd's own event (which a trace keeps too).
            Outcome::Checked { held, text } => {
                state.tell(if held { Feedback::Done(text) } else { Feedback::Error(text) });
            }
        }
    }

    /// The walkthrough's news.
    fn told(&mut self, told: Told, state: &mut UiState) {
        match told {
            Told::Outcome(outcome) => self.show(outcome, state),
            Told::Caption(caption) => {
                if self.replaying {
                    self.replaying = false;
                    state.tell(Feedback::Done(format!("replayed: back at caption {}/{}", caption.step, caption.steps)));
                }
                state.note = None;
                state.caption = Some(caption);
                state.story_over = false;
            }
            Told::End(summary) => {
                state.note = None;
                state.caption = Some(summary);
                state.story_over = true;
            }
            Told::Replaying(text) => {
                self.replaying = true;
                state.clear_story();
                state.tell(Feedback::Done(text));
            }
            // Ended by `take`, before it comes here.
            Told::Cross(_) => {}
        }
    }

    /// On through the walkthrough, or back.
    fn move_story(&self, to: StoryMove, state: &mut UiState) {
        let Some(walkthrough) = &self.walkthrough else {
            if to != StoryMove::Continue {
                state.tell(Feedback::Error("no walkthrough is playing (--scenario FILE)".into()));
            }
            return;
        };
        if !walkthrough.go(to) {
            state.tell(Feedback::Error("the walkthrough is still busy with the moves asked for".into()));
        }
    }

    /// A move in time: looking back begins with ← in step mode, and ends at now.
    fn look(&mut self, to: TimeMove, state: &mut UiState) {
        let Some(shown) = &mut self.past else {
            match to {
                TimeMove::Earlier if !self.rebuilding => {
                    self.rebuilding = true;
                    let (trace, herd, places) = (self.trace.clone(), self.herd.clone(), self.places_source.clone());
                    self.errands.look_back(move || past::look_back(&trace, &herd, &places));
                    state.tell(Feedback::Done(format!(
                        "rebuilding the moments just passed… (the screen goes on; {} gives it up)",
                        label_of(TimeMove::Later)
                    )));
                }
                TimeMove::Earlier => {}
                // Any other move before the look-back is ready gives it up.
                _ if self.rebuilding => {
                    self.rebuilding = false;
                    state.tell(Feedback::Done("back to now".into()));
                }
                _ => {}
            }
            return;
        };
        match shown.go(to) {
            Moved::Stayed(Some(text)) => state.tell(Feedback::Done(text)),
            Moved::Stayed(None) => {}
            Moved::ToNow | Moved::GoLive => {
                if let Some(past) = self.past.take() {
                    self.errands.forget(past);
                }
                state.tell(Feedback::Done("back to now".into()));
            }
        }
    }

    /// Carries out an act on the herd. What takes time (a WHATSAT may wait on upstream, a kill on
    /// its node's tasks) is a command for the errands' queue, so that the screen never freezes;
    /// what is done at once (one held message released or decided) is done here.
    fn act(&mut self, act: HerdAct, selection: Selection, state: &mut UiState) {
        let selected = selection.node.unwrap_or_default();
        let step_mode = self.herd.network().mode() == Mode::Step;
        let typed = |text: &str| Given { text: text.to_string(), killed_with_key: None };
        match act {
            HerdAct::Kill => {
                let given = Given { text: format!("kill {selected}"), killed_with_key: Some(selected.clone()) };
                self.give(Command::Kill(selected.clone()), selected, given, state);
            }
            HerdAct::Revive => {
                let given = typed(&format!("revive {selected}"));
                self.give(Command::Revive(selected.clone()), selected, given, state);
            }
            HerdAct::ToggleStep if step_mode => self.give(Command::Live, selected, typed("live"), state),
            HerdAct::ToggleStep => self.give(Command::Step(None), selected, typed("step"), state),
            // In release order, each delivered before the next: a command, reporting back.
            HerdAct::ReleaseWave if step_mode => self.give(Command::Wave, selected, typed("wave"), state),
            HerdAct::ReleaseWave => self.show(nothing_held(), state),
            HerdAct::ReleaseNext => {
                let outcome = match self.herd.release_next() {
                    Some(held) => Outcome::Done(format!("released {held}")),
                    None if !step_mode => nothing_held(),
                    None => Outcome::Done("nothing is held yet: send an IAMAT, then release it hop by hop".into()),
                };
                self.show(outcome, state);
            }
            HerdAct::Held(choice) => {
                let fate = match choice {
                    HeldChoice::Deliver => Fate::Deliver,
                    HeldChoice::Drop => Fate::Drop,
                    HeldChoice::Duplicate => Fate::Duplicate,
                };
                let outcome = match selection.held.and_then(|id| self.herd.decide(id, fate)) {
                    Some(held) => Outcome::Done(format!("{} {held}", fate.done())),
                    None => Outcome::Refused("that message went already".into()),
                };
                self.show(outcome, state);
            }
            HerdAct::WriteTrace => {
                self.show(Outcome::Done("writing the trace…".into()), state);
                let (herd, trace) = (self.herd.clone(), self.trace.clone());
                let (path, log_dir) = (self.trace_path.clone(), self.log_dir.clone());
                // Off the console's task: a long session's trace takes a moment to write.
                self.errands.aside(move || write_trace(&herd, &trace, path, &log_dir));
            }
            HerdAct::Submit(text) => self.submit(text, selected, state),
        }
    }

    /// A command typed in the command line; raw protocol lines go to the `selected` node.
    fn submit(&mut self, text: String, selected: String, state: &mut UiState) {
        match Command::parse(&text) {
            Ok(command) => {
                let target = match &command {
                    Command::WhatsatAll { .. } => EVERY_SERVER,
                    command => command.node().unwrap_or(&selected),
                }
                .to_string();
                if let Some(line) = command.client_line(herdctl_core::protocol::Timestamp::now()) {
                    state.command_sent(&target, &line);
                }
                self.give(command, selected, Given { text, killed_with_key: None }, state);
            }
            Err(error) => {
                let explained = {
                    let view = self.view(state);
                    let (a, b) = view.example_names();
                    error.explain(a, b)
                };
                self.show(Outcome::Refused(explained), state);
            }
        }
    }

    /// Queues a command behind those given before it.
    fn give(&mut self, command: Command, selected: String, given: Given, state: &mut UiState) {
        if self.errands.command(command, selected, given).is_err() {
            let text = format!("{WAITING_AT_MOST} commands wait already: this one was not queued");
            return self.show(Outcome::Refused(text), state);
        }
        self.say_running(state);
    }

    /// What the command line's title says of the commands given and not done.
    fn say_running(&self, state: &mut UiState) {
        state.running =
            self.errands.running().map(|(command, waiting)| Running { command: command.to_string(), waiting });
    }

    /// A command given came to `outcome`.
    fn finished(&mut self, outcome: Outcome, state: &mut UiState) {
        let given = self.errands.finished();
        self.say_running(state);
        let outcome = match (outcome, given) {
            // Said with the key that undoes it: a kill is one capital away from a revive.
            // What the kill took with it (step mode's held messages) is kept: the operator's
            // words after the `;` of the kill's outcome.
            (Outcome::Done(text), Some(Given { killed_with_key: Some(node), .. })) => {
                let took = text.split_once("; ").map(|(_, took)| format!("; {took}")).unwrap_or_default();
                Outcome::Done(format!(
                    "{node} killed: its ports refuse connections{took} · {} revives",
                    label_of(HerdAct::Revive)
                ))
            }
            (outcome, _) => outcome,
        };
        self.show(outcome, state);
    }
}

impl Stage for Live {
    type End = Leave;

    fn prepare(&mut self, now: Instant) {
        match &mut self.past {
            Some(past) => past.prepare(now),
            None => self.model.prepare(self.herd.as_ref(), now),
        }
        self.news.frame_drawn();
    }

    fn view(&self, state: &UiState) -> HerdView<'_> {
        match &self.past {
            Some(past) => past.view(state),
            None => self.model.view(self.herd.as_ref(), state),
        }
    }

    fn animation(&self, now: Instant) -> Option<Duration> {
        let moving = self.model.animating(now, self.herd.as_ref()) || self.past.as_ref().is_some_and(Past::playing);
        moving.then_some(ANIMATION)
    }

    async fn news(&mut self) -> Wake {
        let walkthrough = &mut self.walkthrough;
        let told = async move {
            match walkthrough {
                Some(walkthrough) => walkthrough.told().await,
                None => None,
            }
        };
        tokio::select! {
            news = self.news.next() => news,
            report = self.errands.report() => Wake::Report(report),
            Some(told) = told => Wake::Told(told),
        }
    }

    fn take(&mut self, news: Wake, state: &mut UiState) -> Option<Leave> {
        match news {
            Wake::Told(Told::Cross(cross)) => return Some(Leave::Cross(cross)),
            Wake::Herd(first) => {
                self.news.drain(first, &mut self.model);
                if let Some(warning) = self.model.take_warning() {
                    state.tell(Feedback::Error(warning));
                } else if let Some(story) = self.model.take_loss_story() {
                    state.tell(Feedback::Done(story));
                }
            }
            Wake::Report(Report::Command(outcome)) => self.finished(outcome, state),
            Wake::Report(Report::Aside(outcome)) => self.show(outcome, state),
            // Ready, unless the operator gave it up meanwhile.
            Wake::Report(Report::LookedBack(past)) if self.rebuilding => {
                self.rebuilding = false;
                self.past = Some(*past);
                state.tell(Feedback::Done(format!(
                    "looking back (the herd runs on): {}{} step, {} returns to now",
                    label_of(TimeMove::Earlier),
                    label_of(TimeMove::Later),
                    label_of(ScreenAct::Close)
                )));
            }
            // Given up before it was ready: its memory goes back.
            Wake::Report(Report::LookedBack(past)) => self.errands.forget(*past),
            Wake::Told(told) => self.told(told, state),
            _ => {}
        }
        None
    }

    fn carry_out(&mut self, intent: Intent, selection: Selection, state: &mut UiState) -> Option<Leave> {
        match intent {
            Intent::Quit => return Some(Leave::Quit),
            // Done by the state already.
            Intent::Screen(_) => {}
            Intent::Story(to) => self.move_story(to, state),
            Intent::Time(to) => self.look(to, state),
            Intent::Herd(HerdAct::Submit(text)) if self.past.is_some() && text.trim().starts_with("at ") => {
                if let Some(past) = &mut self.past {
                    past::jump(past, &text, state);
                }
            }
            Intent::Herd(_) if self.past.is_some() => state.tell(Feedback::Error(format!(
                "looking back at a moment just passed: {} returns to now, then act on the herd",
                label_of(ScreenAct::Close)
            ))),
            Intent::Herd(act) => self.act(act, selection, state),
        }
        None
    }

    fn tick(&mut self, now: Instant) -> bool {
        let rolled = self.model.tick(now, self.herd.as_ref());
        let played = self.past.as_mut().is_some_and(|past| past.tick(now));
        rolled || played || self.model.animating(now, self.herd.as_ref())
    }
}

/// Why a release found nothing: outside step mode nothing is ever held.
fn nothing_held() -> Outcome {
    Outcome::Refused(format!("nothing is held ({} switches to step mode)", label_of(HerdAct::ToggleStep)))
}

fn write_trace(herd: &Herd, trace: &Trace, path: Option<PathBuf>, log_dir: &Path) -> Outcome {
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string().replace(':', "-");
    let base = path.unwrap_or_else(|| log_dir.join(format!("trace-{stamp}.svg")));
    let jsonl = base.with_extension("jsonl");
    let svg = base.with_extension("svg");
    let names = herd.topology().names();
    let written = trace.write_both(&svg, &jsonl, names);
    match written {
        Ok(()) => Outcome::Done(format!("trace written: {} and {}", svg.display(), jsonl.display())),
        Err(error) => Outcome::Refused(format!("cannot write the trace to {}: {error}", svg.display())),
    }
}

#[cfg(test)]
mod tests;
