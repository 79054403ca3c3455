//! Moving through a recorded session (`seek`, `back`, `forward`, `back to fault`): the moves,
//! the landmarks a move can jump to, and how a moment reads.

use std::time::Duration;

use herdctl_core::event::{EventKind, HerdEvent, Via};

/// A move through a replayed session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Travel {
    /// `seek TIME`, `seek start`; `seek end` (`None`).
    Seek(Option<Duration>),
    /// `back [N]`: N events back.
    Back(usize),
    /// `forward [N]`.
    Forward(usize),
    /// `back to fault|flood|caption`: just after the nearest one before the moment.
    BackTo(Landmark),
    /// `forward to fault|flood|caption`.
    ForwardTo(Landmark),
}

/// Something worth jumping to in a recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landmark {
    /// A node up or down, a link cut or healed, a latency or loss set, a message dropped or
    /// lost, a reset.
    Fault,
    /// A client's new record: the start of a flood.
    Flood,
    /// A walkthrough's caption or section.
    Story,
}

impl Landmark {
    /// What kind of landmark `event` is, if any.
    pub fn of(event: &HerdEvent) -> Option<Self> {
        Some(match &event.kind {
            EventKind::NodeUp { .. }
            | EventKind::NodeDown
            | EventKind::LinkCut { .. }
            | EventKind::LinkCutOneWay { .. }
            | EventKind::LinkHealed { .. }
            | EventKind::LinkHealedOneWay { .. }
            | EventKind::LatencySet { .. }
            | EventKind::LossSet { .. }
            | EventKind::FloodDropped { .. }
            | EventKind::Reset => Self::Fault,
            EventKind::CacheUpdated { via: Via::Client, .. } => Self::Flood,
            EventKind::Caption { .. } | EventKind::Section { .. } | EventKind::Checked { .. } => Self::Story,
            _ => return None,
        })
    }

    pub fn word(self) -> &'static str {
        match self {
            Self::Fault => "fault",
            Self::Flood => "flood",
            Self::Story => "caption",
        }
    }
}

/// `2.5s`, `2.5`, `1500ms`, `1m3s`: a moment of a recording, from its start.
pub fn parse_moment(text: &str) -> Result<Duration, String> {
    let seconds = text.strip_suffix('s').filter(|t| !t.ends_with('m')).unwrap_or(text);
    if let Ok(seconds) = seconds.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text:?}: a moment is zero or more seconds"));
    }
    humantime::parse_duration(text).map_err(|_| format!("{text:?}: write a time such as 2.5s, 1500ms or 1m3s"))
}
