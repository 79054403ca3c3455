//! The console driver: terminal events and herd events in, one frame out; the operator's
//! intents carried out on the herd. The only place that knows both the engine and `ui`.
//!
//! Drawing is decoupled from the nodes: all pending events are drained, then one frame is drawn,
//! at most `FRAME` apart and only when something changed, so an idle console costs nothing.

mod layout;
mod model;
mod past;
mod story;
mod terminal;
mod walkthrough;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use herdctl_core::network::{Fate, Mode};
use herdctl_core::{Herd, HerdEvent};
use herdctl_teach::command::Command;
use herdctl_teach::operator::{Outcome, execute};
use herdctl_teach::script::Script;
use herdctl_teach::trace::Trace;
use herdctl_ui::keys::{Action, label_of};
use herdctl_ui::{Caption, Feedback, HeldChoice, HerdView, Intent, Theme, TimeMove, UiState};
use tokio::sync::{broadcast, mpsc};

use model::Model;
use past::{Moved, Past};
use terminal::{Input, Keys};
use walkthrough::{Move, Told, Walkthrough};

/// At most ~30 frames a second.
const FRAME: Duration = Duration::from_millis(33);
/// Events taken in one go before the loop looks at keys and the clock again.
const DRAIN_PER_TURN: usize = 4_096;
/// How often the screen is refreshed while something moves (lit links, the rate figure).
const ANIMATION: Duration = Duration::from_millis(100);

/// What the console was started with.
pub struct Session {
    pub places_source: String,
    pub trace: Arc<Trace>,
    /// Where `t` writes the trace (`--trace`, or a file in the log folder).
    pub trace_path: Option<PathBuf>,
    pub log_dir: PathBuf,
    pub scenario: Option<Script>,
    /// The lecture layout (also on while a walkthrough plays).
    pub present: bool,
    /// Where the classroom page is served (`--classroom-web`).
    pub classroom_url: Option<String>,
    /// Said first, under the command line and in the flow (where a forked herd came from).
    pub greeting: Option<String>,
    pub screen: Screen,
}

impl Session {
    /// A session on a herd that another command started (a replay gone live, an experiment):
    /// no scenario, classroom or trace file of its own, and `greeting` said first.
    pub fn started_elsewhere(
        places_source: String,
        trace: Arc<Trace>,
        log_dir: PathBuf,
        greeting: String,
        screen: Screen,
    ) -> Self {
        Session {
            places_source,
            trace,
            trace_path: None,
            log_dir,
            scenario: None,
            present: false,
            classroom_url: None,
            greeting: Some(greeting),
            screen,
        }
    }
}

/// How the console meets the terminal.
#[derive(Clone, Copy, Debug)]
pub struct Screen {
    /// Whether clicks and the wheel reach the console (`--no-mouse` leaves the mouse to the
    /// terminal, for selecting text).
    pub mouse: bool,
    pub theme: herdctl_ui::ThemeChoice,
}

/// Runs the console until the operator quits. The terminal is restored on every way out,
/// panics included (ratatui's `init` installs the hook).
pub async fn run(herd: Arc<Herd>, events: broadcast::Receiver<Arc<HerdEvent>>, session: Session) -> anyhow::Result<()> {
    let mut terminal = terminal::open(session.screen.mouse)?;
    terminal::restore_only_for_the_consoles_own_panics();
    let result = drive(&mut terminal, &herd, events, &session).await;
    terminal::close();
    herd.shutdown().await;
    result
}

async fn drive(
    terminal: &mut ratatui::DefaultTerminal,
    herd: &Arc<Herd>,
    mut events: broadcast::Receiver<Arc<HerdEvent>>,
    session: &Session,
) -> anyhow::Result<()> {
    let theme = Theme::from_env(session.screen.theme);
    let mut state = UiState::default();
    let mut model = Model::new(herd.topology(), &session.places_source);
    model.set_strategy(herd.strategy().to_string());
    model.herd_said(herdctl_core::EventKind::Seeded { seed: herd.seed() }.to_string());
    for warning in herd.warnings() {
        model.warn(warning);
    }
    if let Some(warning) = model.take_warning() {
        state.tell(Feedback::Error(warning));
    }
    let mut network = herd.network().watch();
    let mut attached = herd.member_news();
    let mut keys = Keys::take();
    // A SIGTERM (say, from a closing terminal emulator) ends the console like q, terminal restored.
    let mut terminate = herdctl::signal::Terminate::new()?;
    let (outcome_sender, mut outcomes) = mpsc::unbounded_channel::<Outcome>();
    let (told_sender, mut told) = mpsc::unbounded_channel::<Told>();
    let walkthrough = session.scenario.clone().map(|script| Walkthrough::start(herd.clone(), script, told_sender));
    // In a walkthrough a WHATSAT shows its gist; the whole JSON opens on demand.
    state.open_replies = walkthrough.is_none();
    state.present = session.present || walkthrough.is_some();
    state.script = session.scenario.as_ref().map(|script| short_name(&script.name));
    if let Some(text) = &session.greeting {
        // Whole in the flow; its first part under the command line, which has one row.
        model.note(text.clone());
        state.tell(Feedback::Done(text.split("; ").next().unwrap_or(text).to_string()));
    }
    if let Some(url) = &session.classroom_url {
        let text = format!("the classroom page is at {url}: students on the room's network open it on their phones");
        model.note(text.clone());
        state.tell(Feedback::Done(text));
    }
    let mut view = model.view(herd.as_ref(), &state, Instant::now());
    let mut dirty = true;
    // A moment just passed, shown while the herd runs on (← in step mode).
    let mut past: Option<Past> = None;
    // Between a walkthrough's "replaying" and the caption it replays to.
    let mut replaying = false;
    let mut last_frame = Instant::now() - FRAME;
    let mut next_drain = Instant::now();
    let finished = loop {
        let now = Instant::now();
        if dirty && now >= last_frame + FRAME {
            view = match &mut past {
                Some(past) => past.view(&state, now),
                None => model.view(herd.as_ref(), &state, now),
            };
            let viewed = now.elapsed();
            terminal.draw(|frame| herdctl_ui::render(frame, &view, &state, &theme))?;
            // `RUST_LOG=herdctl::frame=debug` writes each frame's cost to herdctl.log.
            tracing::debug!(
                target: "herdctl::frame",
                view_us = viewed.as_micros() as u64,
                frame_us = now.elapsed().as_micros() as u64,
                "frame"
            );
            last_frame = now;
            dirty = false;
        }
        let animating = model.animating(now, herd.as_ref()) || past.as_ref().is_some_and(Past::playing);
        tokio::select! {
            key = keys.next() => match key.map(|read| read.map(terminal::input)) {
                Some(Ok(Some(input @ (Input::Key(_) | Input::Mouse(_))))) => {
                    let intent = match input {
                        // `RUST_LOG=herdctl::input=debug` writes each key and click to herdctl.log.
                        Input::Key(key) => {
                            tracing::debug!(target: "herdctl::input", ?key, "input");
                            state.handle_key(key, &view)
                        }
                        Input::Mouse(mouse) => {
                            tracing::debug!(target: "herdctl::input", ?mouse, "input");
                            state.handle_mouse(mouse, &view)
                        }
                        Input::Resized => None,
                    };
                    dirty = true;
                    match intent {
                        Some(Intent::Quit) => break Ok(()),
                        Some(intent @ (Intent::Continue | Intent::Back | Intent::PreviousSection | Intent::NextSection)) => {
                            let to = match intent {
                                Intent::Back => Move::Back,
                                Intent::PreviousSection => Move::PreviousSection,
                                Intent::NextSection => Move::NextSection,
                                _ => Move::Continue,
                            };
                            match &walkthrough {
                                Some(walkthrough) => walkthrough.go(to),
                                None if to != Move::Continue => {
                                    state.tell(Feedback::Error("no walkthrough is playing (--scenario FILE)".into()))
                                }
                                None => {}
                            }
                        }
                        Some(Intent::Time(to)) => look(to, &mut past, herd, session, &mut state),
                        Some(Intent::Submit { text, .. }) if past.is_some() && text.trim().starts_with("at ") => {
                            jump(past.as_mut(), &text, &mut state);
                        }
                        Some(_) if past.is_some() => state.tell(Feedback::Error(format!(
                            "looking back at a moment just passed: {} returns to now, then act on the herd",
                            label_of(Action::Close)
                        ))),
                        Some(intent) => carry_out(intent, herd, session, &mut state, &mut model, &view, &outcome_sender),
                        None => {}
                    }
                }
                Some(Ok(Some(Input::Resized))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(error)) => break Err(error.into()),
                None => break Ok(()),
            },
            // At most one drain a frame: between frames events wait in the bus, and what
            // overflows it is counted, not processed. The console's work is bounded however busy
            // the herd is (its cost to the nodes is measured in docs/BENCHMARKS.md).
            event = events.recv(), if Instant::now() >= next_drain => {
                next_drain = Instant::now() + FRAME;
                take(event, &mut model);
                // Drain what is waiting (a bounded amount, so that a torrent of events never
                // keeps a frame from being drawn), then draw once.
                for _ in 0..DRAIN_PER_TURN {
                    match events.try_recv() {
                        Ok(event) => model.apply(event),
                        Err(broadcast::error::TryRecvError::Lagged(count)) => model.dropped(count),
                        Err(_) => break,
                    }
                }
                if let Some(warning) = model.take_warning() {
                    state.tell(Feedback::Error(warning));
                } else if let Some(story) = model.take_loss_story() {
                    state.tell(Feedback::Done(story));
                }
                dirty = true;
            }
            Ok(()) = network.changed() => dirty = true,
            Ok(()) = attached.changed() => dirty = true,
            () = terminate.recv() => break Ok(()),
            Some(outcome) = outcomes.recv() => {
                show(outcome, &mut state, &mut model, &view);
                dirty = true;
            }
            Some(message) = told.recv() => {
                match message {
                    Told::Outcome(outcome) => show(outcome, &mut state, &mut model, &view),
                    Told::Caption(caption) => {
                        if replaying {
                            replaying = false;
                            state.tell(Feedback::Done(format!("replayed: back at caption {}/{}", caption.step, caption.steps)));
                        }
                        state.note = None;
                        state.caption = Some(caption);
                    }
                    Told::Replaying(text) => {
                        replaying = true;
                        (state.caption, state.note, state.compare) = (None, None, None);
                        state.highlight.clear();
                        state.tell(Feedback::Done(text));
                    }
                }
                dirty = true;
            }
            _ = tokio::time::sleep_until((last_frame + FRAME).into()), if dirty => {}
            _ = tokio::time::sleep_until(next_drain.into()), if Instant::now() < next_drain => {}
            _ = tokio::time::sleep(ANIMATION), if animating => dirty = true,
        }
        dirty |= model.tick(Instant::now(), herd.as_ref());
        dirty |= past.as_mut().is_some_and(|past| past.tick(Instant::now()));
    };
    // A walkthrough whose checks failed fails the run, as it does headless.
    match walkthrough.map(|walkthrough| (walkthrough.report(), walkthrough.name().to_string())) {
        Some((report, name)) if !report.passed() && finished.is_ok() => {
            Err(anyhow::anyhow!("walkthrough {name}: {}; {}", report.summary(), report.failures.join("; ")))
        }
        _ => finished,
    }
}

/// A script's name as its captions say it: `lecture` for `walkthroughs/lecture.herd`.
fn short_name(path: &str) -> String {
    let path = std::path::Path::new(path);
    path.file_stem().unwrap_or(path.as_os_str()).to_string_lossy().into_owned()
}

/// A move in time in a live console: looking back begins with ← in step mode, and ends at now.
fn look(to: TimeMove, past: &mut Option<Past>, herd: &Herd, session: &Session, state: &mut UiState) {
    let Some(shown) = past else {
        if to == TimeMove::Earlier {
            *past = Some(past::look_back(&session.trace, herd, &session.places_source));
            state.tell(Feedback::Done(format!(
                "looking back (the herd runs on): {}{} step, {} returns to now",
                label_of(Action::Earlier),
                label_of(Action::Later),
                label_of(Action::Close)
            )));
        }
        return;
    };
    match shown.go(to) {
        Moved::Stayed(Some(text)) => state.tell(Feedback::Done(text)),
        Moved::Stayed(None) => {}
        Moved::ToNow | Moved::GoLive => {
            *past = None;
            state.tell(Feedback::Done("back to now".into()));
        }
    }
}

/// `at 2.5s` typed while a recorded moment is shown.
fn jump(past: Option<&mut Past>, text: &str, state: &mut UiState) {
    let Some(past) = past else { return };
    let moment = text.trim().trim_start_matches("at").trim();
    match crate::cli::parse_moment(moment) {
        Ok(offset) => {
            past.jump(offset);
            state.tell(Feedback::Done(format!("at {moment}")));
        }
        Err(error) => state.tell(Feedback::Error(error)),
    }
}

/// Runs the console on a recording until the operator quits (`None`) or asks to go live from
/// the moment shown (that moment's world); with a `script`, walks the class through it.
pub async fn replay(
    timeline: herdctl_teach::replay::Timeline,
    at: Duration,
    script: Option<Script>,
    screen: Screen,
) -> anyhow::Result<Option<herdctl_teach::replay::World>> {
    let mut terminal = terminal::open(screen.mouse)?;
    terminal::restore_only_for_the_consoles_own_panics();
    let result = drive_replay(&mut terminal, timeline, at, script, screen.theme).await;
    terminal::close();
    result
}

async fn drive_replay(
    terminal: &mut ratatui::DefaultTerminal,
    timeline: herdctl_teach::replay::Timeline,
    at: Duration,
    script: Option<Script>,
    theme: herdctl_ui::ThemeChoice,
) -> anyhow::Result<Option<herdctl_teach::replay::World>> {
    let theme = Theme::from_env(theme);
    let mut state = UiState::default();
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
    let mut keys = Keys::take();
    let mut terminate = herdctl::signal::Terminate::new()?;
    let mut view = past.view(&state, Instant::now());
    state.script = script.as_ref().map(|script| short_name(&script.name));
    let mut story = script.map(story::Story::new);
    if let Some(story) = &mut story {
        state.present = true;
        state.open_replies = false;
        story.run_to_caption(&mut past, &mut state, &view);
    }
    let mut dirty = true;
    let mut last_frame = Instant::now() - FRAME;
    let ended = loop {
        let now = Instant::now();
        if dirty && now >= last_frame + FRAME {
            view = past.view(&state, now);
            terminal.draw(|frame| herdctl_ui::render(frame, &view, &state, &theme))?;
            last_frame = now;
            dirty = false;
        }
        tokio::select! {
            key = keys.next() => match key.map(|read| read.map(terminal::input)) {
                Some(Ok(Some(input @ (Input::Key(_) | Input::Mouse(_))))) => {
                    dirty = true;
                    let intent = match input {
                        Input::Key(key) => state.handle_key(key, &view),
                        Input::Mouse(mouse) => state.handle_mouse(mouse, &view),
                        Input::Resized => None,
                    };
                    match intent {
                        Some(Intent::Quit) => break None,
                        Some(intent @ (Intent::Continue | Intent::Back | Intent::PreviousSection | Intent::NextSection))
                            if story.is_some() =>
                        {
                            let to = match intent {
                                Intent::Back => Move::Back,
                                Intent::PreviousSection => Move::PreviousSection,
                                Intent::NextSection => Move::NextSection,
                                _ => Move::Continue,
                            };
                            if let Some(story) = &mut story {
                                story.go(to, &mut past, &mut state, &view);
                            }
                        }
                        Some(Intent::Time(to)) => match past.go(to) {
                            Moved::Stayed(Some(text)) => state.tell(Feedback::Done(text)),
                            Moved::Stayed(None) | Moved::ToNow => {}
                            Moved::GoLive => break Some(past.world().clone()),
                        },
                        Some(Intent::Submit { text, .. }) if text.trim().starts_with("at ") => {
                            jump(Some(&mut past), &text, &mut state);
                        }
                        Some(_) => state.tell(Feedback::Error(format!(
                            "a replay shows what happened and cannot change it: {} goes live from this moment, or type at 2.5s to move",
                            label_of(Action::GoLive)
                        ))),
                        None => {}
                    }
                }
                Some(Ok(Some(Input::Resized))) => dirty = true,
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => break None,
            },
            () = terminate.recv() => break None,
            _ = tokio::time::sleep_until((last_frame + FRAME).into()), if dirty => {}
            _ = tokio::time::sleep(FRAME), if past.playing() => dirty |= past.tick(Instant::now()),
        }
    };
    // A walkthrough whose checks failed fails the run, as it does headless.
    match story {
        Some(story) if !story.report().passed() => Err(anyhow::anyhow!(
            "walkthrough {}: {}; {}",
            story.name(),
            story.report().summary(),
            story.report().failures.join("; ")
        )),
        _ => Ok(ended),
    }
}

fn take(event: Result<Arc<HerdEvent>, broadcast::error::RecvError>, model: &mut Model) {
    match event {
        Ok(event) => model.apply(event),
        Err(broadcast::error::RecvError::Lagged(count)) => model.dropped(count),
        Err(broadcast::error::RecvError::Closed) => {}
    }
}

/// Shows what came of a command: in the command box, the flow, a caption or the reply overlay.
fn show(outcome: Outcome, state: &mut UiState, model: &mut Model, view: &HerdView) {
    match outcome {
        Outcome::Reply { node, line, reply } => {
            model.note(format!("{node} answered {line}"));
            state.command_sent(&node, &line);
            let summary = if state.open_replies { None } else { herdctl_core::places::summary(&reply) };
            state.reply_arrived(reply, summary);
        }
        // A caption typed in the command line (a walkthrough's come numbered, as `Told`).
        Outcome::Said(text) | Outcome::Asked(text) => {
            state.caption = Some(Caption { text, ..Caption::default() });
        }
        Outcome::Noted(text) => state.note = Some(text),
        Outcome::Section(_) => {}
        Outcome::Show(nodes) => state.show(view, &nodes),
        Outcome::Highlight(path) => state.highlight = path,
        Outcome::Done(text) => {
            model.note(text.clone());
            state.tell(Feedback::Done(text));
        }
        Outcome::Refused(text) => {
            model.note(text.clone());
            state.tell(Feedback::Error(text));
        }
        // The flow shows it from the herd's own event (which a trace keeps too).
        Outcome::Checked { held, text } => {
            state.tell(if held { Feedback::Done(text) } else { Feedback::Error(text) });
        }
    }
}

/// Carries out an intent. Commands run in their own task (a WHATSAT may wait on upstream, a kill
/// on its node's tasks) and report back through `outcomes`, so the screen never freezes.
fn carry_out(
    intent: Intent,
    herd: &Arc<Herd>,
    session: &Session,
    state: &mut UiState,
    model: &mut Model,
    view: &HerdView,
    outcomes: &mpsc::UnboundedSender<Outcome>,
) {
    let network = herd.network();
    // Raw protocol lines go to the node selected on screen.
    let mut selected = String::new();
    let command = match intent {
        Intent::Quit
        | Intent::Continue
        | Intent::Back
        | Intent::PreviousSection
        | Intent::NextSection
        | Intent::Time(_) => return,
        Intent::Kill(node) => {
            // Said with the key that undoes it: a kill is one capital away from a revive.
            let (herd, outcomes) = (herd.clone(), outcomes.clone());
            tokio::spawn(async move {
                let outcome = match execute(&herd, &Command::Kill(node.clone()), &node).await {
                    Outcome::Done(_) => Outcome::Done(format!(
                        "{node} killed: its ports refuse connections · {} revives",
                        label_of(Action::Revive)
                    )),
                    other => other,
                };
                let _ = outcomes.send(outcome);
            });
            return;
        }
        Intent::Revive(node) => Command::Revive(node),
        Intent::ToggleStep => {
            if network.mode() == Mode::Step {
                Command::Live
            } else {
                Command::Step(None)
            }
        }
        Intent::ReleaseNext => {
            let outcome = match herd.release_next() {
                Some(held) => Outcome::Done(format!("released {held}")),
                None if network.mode() != Mode::Step => Outcome::Refused(format!(
                    "nothing is held ({} switches to step mode)",
                    label_of(Action::ToggleStep)
                )),
                None => Outcome::Done("nothing is held yet: send an IAMAT, then release it hop by hop".into()),
            };
            return show(outcome, state, model, view);
        }
        Intent::Decide { id, choice } => {
            let fate = match choice {
                HeldChoice::Deliver => Fate::Deliver,
                HeldChoice::Drop => Fate::Drop,
                HeldChoice::Duplicate => Fate::Duplicate,
            };
            let outcome = match herd.decide(id, fate) {
                Some(held) => Outcome::Done(format!("{} {held}", fate.done())),
                None => Outcome::Refused("that message went already".into()),
            };
            return show(outcome, state, model, view);
        }
        Intent::ReleaseWave => {
            if network.mode() != Mode::Step {
                let refusal = Outcome::Refused(format!(
                    "nothing is held ({} switches to step mode)",
                    label_of(Action::ToggleStep)
                ));
                return show(refusal, state, model, view);
            }
            // In release order, each delivered before the next: a task, reporting back.
            Command::Wave
        }
        Intent::WriteTrace => {
            show(Outcome::Done("writing the trace…".into()), state, model, view);
            let (herd, outcomes) = (herd.clone(), outcomes.clone());
            let (trace, path) = (session.trace.clone(), session.trace_path.clone());
            let log_dir = session.log_dir.clone();
            // Off the console's task: a long session's trace takes a moment to write.
            tokio::task::spawn_blocking(move || {
                let _ = outcomes.send(write_trace(&herd, &trace, path, &log_dir));
            });
            return;
        }
        Intent::Submit { node, text } => match Command::parse(&text) {
            Ok(command) => {
                let target = command.node().unwrap_or(&node).to_string();
                if let Some(line) = command.client_line(herdctl_core::protocol::Timestamp::now()) {
                    state.command_sent(&target, &line);
                }
                selected = node;
                command
            }
            Err(error) => {
                let (a, b) = view.example_names();
                return show(Outcome::Refused(error.explain(a, b)), state, model, view);
            }
        },
    };
    let herd = herd.clone();
    let outcomes = outcomes.clone();
    tokio::spawn(async move {
        let _ = outcomes.send(execute(&herd, &command, &selected).await);
    });
}

fn write_trace(herd: &Herd, trace: &Trace, path: Option<PathBuf>, log_dir: &std::path::Path) -> Outcome {
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
