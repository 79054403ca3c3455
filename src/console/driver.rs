//! The console's one loop, for a live herd and a recording alike: wake on whatever comes first
//! (a key or a click, the herd's events, what a command came to, the walkthrough, a tick of an
//! animation), take it in, and draw when something changed, never two frames less than `FRAME`
//! apart: all that comes between two frames is taken in, then one frame is drawn. Idle, nothing
//! wakes it: no timer runs unless something on screen moves. What is shown, and what the
//! operator's intents do, belong to a `Stage`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use herdctl_core::HerdEvent;
use herdctl_ui::input::{KeyEvent, MouseEvent};
use herdctl_ui::state::Selection;
use herdctl_ui::{HerdView, Intent, Theme, UiState};
use tokio::sync::broadcast;

use super::errands::Report;
use super::terminal::{self, Input, Keys};
use super::walkthrough::Told;

/// At most ~30 frames a second.
pub const FRAME: Duration = Duration::from_millis(33);

/// What woke the console.
pub enum Wake {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// The terminal changed size.
    Resized,
    /// The terminal's input failed.
    InputFailed(std::io::Error),
    /// The terminal's input ended, or the process was asked to stop (SIGTERM): as `q`.
    Closed,
    /// A frame held back (the last one was too recent) may be drawn now.
    FrameDue,
    /// Time moved something on screen (a lit link fades, a recording plays).
    Tick,
    /// The herd published events: the first of them (the rest are drained with it).
    Herd(Result<Arc<HerdEvent>, broadcast::error::RecvError>),
    /// The herd's mode or its members changed: nothing to take in, only to draw.
    Redraw,
    /// What work done off the console's task came to (a command, the trace written).
    Report(Report),
    /// The walkthrough's news.
    Told(Told),
}

/// What the console shows and acts on: a live herd, or a recording.
pub trait Stage {
    /// What the console comes to when the operator leaves it (`Default`: on `q`).
    type End: Default;

    /// Gets ready to draw a frame at `now` (formats what came, forgets what faded).
    fn prepare(&mut self, now: Instant);

    /// What the screen shows; borrows what the stage keeps.
    fn view(&self, state: &UiState) -> HerdView<'_>;

    /// How often the screen changes with time alone, if it does now.
    fn animation(&self, now: Instant) -> Option<Duration>;

    /// Waits for the stage's own news (never for the terminal).
    async fn news(&mut self) -> Wake;

    /// Takes in news from `news`; `Some` ends the console (a walkthrough left its part).
    fn take(&mut self, news: Wake, state: &mut UiState) -> Option<Self::End>;

    /// Carries out what the operator asked for, on what was selected when they asked; `Some`
    /// ends the console.
    fn carry_out(&mut self, intent: Intent, selection: Selection, state: &mut UiState) -> Option<Self::End>;

    /// Moves what time moves on to `now`; returns whether the screen changed.
    fn tick(&mut self, now: Instant) -> bool;
}

/// Runs `stage` on the terminal until the operator leaves it.
pub async fn drive<S: Stage>(
    terminal: &mut ratatui::DefaultTerminal,
    stage: &mut S,
    state: &mut UiState,
    theme: &Theme,
) -> anyhow::Result<S::End> {
    let mut keys = Keys::take();
    // A SIGTERM (say, from a closing terminal emulator) ends the console like q, terminal restored.
    let mut terminate = herdctl::signal::Terminate::new()?;
    let mut dirty = true;
    let mut last_frame = Instant::now() - FRAME;
    loop {
        let now = Instant::now();
        if dirty && now >= last_frame + FRAME {
            stage.prepare(now);
            let view = stage.view(state);
            let viewed = now.elapsed();
            terminal.draw(|frame| herdctl_ui::render(frame, &view, state, theme))?;
            // `RUST_LOG=herdctl::frame=debug` writes each frame's cost to herdctl.log.
            tracing::debug!(
                target: "herdctl::frame",
                view_us = viewed.as_micros() as u64,
                frame_us = now.elapsed().as_micros() as u64,
                "frame"
            );
            (last_frame, dirty) = (now, false);
        }
        let animation = stage.animation(now);
        let wake = tokio::select! {
            read = keys.next() => match read {
                Some(Ok(event)) => match terminal::input(event) {
                    Some(Input::Key(key)) => Wake::Key(key),
                    Some(Input::Mouse(mouse)) => Wake::Mouse(mouse),
                    Some(Input::Resized) => Wake::Resized,
                    None => continue,
                },
                Some(Err(error)) => Wake::InputFailed(error),
                None => Wake::Closed,
            },
            () = terminate.recv() => Wake::Closed,
            () = tokio::time::sleep_until((last_frame + FRAME).into()), if dirty => Wake::FrameDue,
            () = tokio::time::sleep(animation.unwrap_or_default()), if animation.is_some() => Wake::Tick,
            news = stage.news() => news,
        };
        dirty |= !matches!(wake, Wake::FrameDue | Wake::Tick);
        match wake {
            // `RUST_LOG=herdctl::input=debug` writes each key and click to herdctl.log.
            Wake::Key(key) => {
                tracing::debug!(target: "herdctl::input", ?key, "input");
                if let Some(end) = take_input(stage, state, |state, view| state.handle_key(key, view)) {
                    return Ok(end);
                }
            }
            Wake::Mouse(mouse) => {
                tracing::debug!(target: "herdctl::input", ?mouse, "input");
                if let Some(end) = take_input(stage, state, |state, view| state.handle_mouse(mouse, view)) {
                    return Ok(end);
                }
            }
            Wake::Closed => return Ok(S::End::default()),
            Wake::InputFailed(error) => return Err(error.into()),
            Wake::Resized | Wake::FrameDue | Wake::Tick | Wake::Redraw => {}
            news @ (Wake::Herd(_) | Wake::Report(_) | Wake::Told(_)) => {
                if let Some(end) = stage.take(news, state) {
                    return Ok(end);
                }
            }
        }
        dirty |= stage.tick(Instant::now());
    }
}

/// Handles a key or a click against the screen as it is (the flow as last prepared, the herd as
/// it is now), then carries out what it asks for, on what was selected on that screen.
fn take_input<S: Stage>(
    stage: &mut S,
    state: &mut UiState,
    handle: impl FnOnce(&mut UiState, &HerdView) -> Option<Intent>,
) -> Option<S::End> {
    let (intent, selection) = {
        let view = stage.view(state);
        let intent = handle(state, &view);
        (intent?, state.selection(&view))
    };
    stage.carry_out(intent, selection, state)
}
