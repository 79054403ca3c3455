//! The console driver: the terminal's keys and the herd's events in, frames out, and the
//! operator's intents carried out on the herd or on a recording. Here the engine meets `ui`:
//! engine snapshots and events become `ui`'s view, and `ui`'s intents become commands. One loop
//! (`driver`) runs both of the console's stages: a live herd (`live`) and a recording
//! (`recorded`).

mod driver;
mod errands;
mod layout;
mod live;
mod model;
mod news;
mod past;
mod recorded;
mod story;
mod terminal;
mod walkthrough;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use herdctl_core::{Herd, HerdEvent};
use herdctl_teach::script::Script;
use herdctl_teach::trace::Trace;
use herdctl_ui::{Theme, UiState};
use tokio::sync::broadcast;

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
/// panics included (ratatui's `init` installs the hook); everything the console started has
/// stopped before the herd shuts down.
pub async fn run(herd: Arc<Herd>, events: broadcast::Receiver<Arc<HerdEvent>>, session: Session) -> anyhow::Result<()> {
    let mut terminal = terminal::open(session.screen.mouse)?;
    terminal::restore_only_for_the_consoles_own_panics();
    let theme = Theme::from_env(session.screen.theme);
    let mut state = UiState::default();
    let mut live = live::Live::start(herd.clone(), events, session, &mut state);
    let ended = driver::drive(&mut terminal, &mut live, &mut state, &theme).await;
    terminal::close();
    let result = live.finish(ended).await;
    herd.shutdown().await;
    result
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
    let theme = Theme::from_env(screen.theme);
    let mut state = UiState::default();
    let mut recorded = recorded::Recorded::start(timeline, at, script, &mut state);
    let ended = driver::drive(&mut terminal, &mut recorded, &mut state, &theme).await;
    terminal::close();
    recorded.finish(ended)
}

/// A script's name as its captions say it: `lecture` for `walkthroughs/lecture.herd`.
fn short_name(path: &str) -> String {
    let path = std::path::Path::new(path);
    path.file_stem().unwrap_or(path.as_os_str()).to_string_lossy().into_owned()
}
