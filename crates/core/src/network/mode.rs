//! How transmissions flow: live, held in step mode, or slowed; and how a mode reads and is
//! written (`live`, `step`, `slow 500ms`).

use std::time::Duration;

use super::delay::MAX_DELAY;

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
pub enum NotAMode {
    #[error("{0:?} is not a mode: live, step or slow DURATION (e.g. slow 500ms)")]
    Unknown(String),
    #[error("slow {} is too slow: at most slow {}", humantime::format_duration(*.0), humantime::format_duration(MAX_DELAY))]
    TooSlow(Duration),
}

impl std::str::FromStr for Mode {
    type Err = NotAMode;

    fn from_str(text: &str) -> Result<Self, NotAMode> {
        match text.split_once(' ') {
            None if text == "live" => Ok(Self::Live),
            None if text == "step" => Ok(Self::Step),
            Some(("slow", delay)) => match humantime::parse_duration(delay) {
                Ok(delay) if delay > MAX_DELAY => Err(NotAMode::TooSlow(delay)),
                Ok(delay) => Ok(Self::Slow(delay)),
                Err(_) => Err(NotAMode::Unknown(text.into())),
            },
            _ => Err(NotAMode::Unknown(text.into())),
        }
    }
}
