//! What shows the herd to the operator: the terminal console when herdctl is built with it
//! (cargo feature `console`, on by default), or a stand-in that says what to run instead. `main`
//! asks the same of either, so that it reads the same in both builds: which one is compiled is
//! decided here, once.

use std::path::PathBuf;
use std::sync::Arc;

use herdctl_teach::script::Script;
use herdctl_teach::trace::Trace;

use crate::cli::ScreenArgs;
use crate::config::ThemeName;

#[cfg(feature = "console")]
mod with_console;
#[cfg(feature = "console")]
pub use with_console::{BUILT_WITH_CONSOLE, replay, run, scenario, use_keys, watch_experiment};

#[cfg(not(feature = "console"))]
mod without_console;
#[cfg(not(feature = "console"))]
pub use without_console::{BUILT_WITH_CONSOLE, replay, run, scenario, use_keys, watch_experiment};

/// What the console on a running herd is started with.
// Read by the console only: a build without it takes a session and says it cannot show one.
#[cfg_attr(not(feature = "console"), allow(dead_code))]
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

/// How the console meets the terminal.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(feature = "console"), allow(dead_code))]
pub struct Screen {
    /// Whether clicks and the wheel reach the console (`--no-mouse` leaves the mouse to the
    /// terminal, for selecting text).
    pub mouse: bool,
    /// The colours, as the command line or the configuration name them (unsaid: auto).
    pub theme: Option<ThemeName>,
}

impl Screen {
    /// As the command line says, settled with the configuration (`ScreenArgs::settle`).
    pub fn of(args: &ScreenArgs) -> Self {
        Self { mouse: !args.no_mouse, theme: args.theme }
    }
}
