//! How transmissions flow: live, held in step mode, or slowed; and how a mode reads and is
//! written (`live`, `step`, `slow 500ms`).

use std::time::Duration;

/// How transmissions flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Live,
    /// Every transmission waits at its sender until released.
    Step,
    /// Every hop takes this long.
    Slow(Duration),
}

/// A mode as the command line, traces and the control port write it: `live`, `step`,
/// `slow 500ms`.
impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Live => f.write_str("live"),
            Self::Step => f.write_str("step"),
            Self::Slow(delay) => write!(f, "slow {}", humantime::format_duration(*delay)),
        }
    }
}

/// A text that is not a mode.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a mode: live, step or slow DURATION (e.g. slow 500ms)")]
pub struct NotAMode(String);

impl std::str::FromStr for Mode {
    type Err = NotAMode;

    fn from_str(text: &str) -> Result<Self, NotAMode> {
        match text.split_once(' ') {
            None if text == "live" => Ok(Self::Live),
            None if text == "step" => Ok(Self::Step),
            Some(("slow", delay)) => {
                humantime::parse_duration(delay).map(Self::Slow).map_err(|_| NotAMode(text.into()))
            }
            _ => Err(NotAMode(text.into())),
        }
    }
}
