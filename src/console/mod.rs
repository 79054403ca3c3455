//! The console driver: the terminal's keys and the herd's events in, frames out, and the
//! operator's intents carried out on the herd or on a recording. Here the engine meets `ui`:
//! engine snapshots and events become `ui`'s view, and `ui`'s intents become commands. One loop
//! (`driver`) runs both of the console's stages: a live herd (`live`) and a recording
//! (`recorded`).

mod driver;
mod errands;
mod layout;
mod live;
mod memory;
mod model;
mod news;
mod past;
mod recorded;
mod scenario;
mod story;
mod terminal;
#[cfg(test)]
mod testing;
mod walkthrough;

use std::sync::Arc;
use std::time::Duration;

use herdctl_core::{Herd, HerdEvent};
use herdctl_teach::script::Script;
use herdctl_ui::{Theme, ThemeChoice, UiState};
use tokio::sync::broadcast;

use crate::config::ThemeName;
use crate::frontend::{Screen, Session};

/// Runs the console until the operator quits. The terminal is restored on every way out,
/// panics included (ratatui's `init` installs the hook); everything the console started has
/// stopped before the herd shuts down.
pub async fn run(herd: Arc<Herd>, events: broadcast::Receiver<Arc<HerdEvent>>, session: Session) -> anyhow::Result<()> {
    let mut terminal = terminal::open(session.screen.mouse)?;
    terminal::restore_only_for_the_consoles_own_panics();
    let theme = theme(session.screen);
    let mut state = UiState::default();
    let mut live = live::Live::start(herd.clone(), events, session, &mut state);
    let ended = driver::drive(&mut terminal, &mut live, &mut state, &theme).await;
    terminal::close();
    let result = live.finish(ended.map(drop)).await;
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
    let theme = theme(screen);
    let mut state = UiState::default();
    let mut recorded = recorded::Recorded::start(timeline, at, script, &mut state);
    let ended = driver::drive(&mut terminal, &mut recorded, &mut state, &theme).await;
    terminal::close();
    Ok(match recorded.finish(ended)? {
        recorded::Left::GoLive(world) => Some(*world),
        recorded::Left::Quit | recorded::Left::Cross(_) => None,
    })
}

pub use scenario::scenario;

/// A script's name as its captions say it: `lecture` for `walkthroughs/lecture.herd`.
fn short_name(path: &str) -> String {
    let path = std::path::Path::new(path);
    path.file_stem().unwrap_or(path.as_os_str()).to_string_lossy().into_owned()
}

/// The colours `screen` asks for, as this terminal and `NO_COLOR` allow.
fn theme(screen: Screen) -> Theme {
    Theme::from_env(match screen.theme {
        Some(ThemeName::Dark) => ThemeChoice::Dark,
        Some(ThemeName::Light) => ThemeChoice::Light,
        Some(ThemeName::Auto) | None => ThemeChoice::Auto,
    })
}
