//! A link's extra delay, fixed or spread (`100ms`, `100ms±40ms`, `exp:100ms`), and one
//! transmission's draw of it.

use std::time::Duration;

/// The longest a link may be delayed or a hop slowed (`latency`, `slow`, the control port's
/// `DELAY` and `MODE slow`, `experiment --latency`), wherever it is read: longer is a typo, not a
/// lesson, and a link's timers must stay far from overflowing.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// Why a text is not a link's delay.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadDelay {
    #[error("{0:?} is not a delay (write 100ms, 100ms±40ms or exp:100ms)")]
    NotADelay(String),
    #[error("a delay{} of {} is too long: at most {}", if *.spread { "'s spread" } else { "" },
            humantime::format_duration(*.given), humantime::format_duration(MAX_DELAY))]
    TooLong { spread: bool, given: Duration },
}

/// How a link's extra delay varies from one transmission to the next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Spread {
    /// Always the same.
    #[default]
    Fixed,
    /// Anywhere within this much either side, evenly (`100ms±40ms`).
    Uniform(Duration),
    /// Exponentially distributed with the delay as its mean (`exp:100ms`): mostly short, now and
    /// then long, as queues on a real network are.
    Exponential,
}

/// A link's extra delay: `100ms`, `100ms±40ms`, `exp:100ms`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delay {
    pub base: Duration,
    pub spread: Spread,
}

impl Delay {
    pub fn fixed(base: Duration) -> Self {
        Self { base, spread: Spread::Fixed }
    }

    /// Reads `100ms`, `100ms±40ms` (or `100ms+-40ms`), `exp:100ms`; `None` for anything else,
    /// a delay over `MAX_DELAY` included (`read` says why).
    pub fn parse(text: &str) -> Option<Self> {
        Self::read(text).ok()
    }

    /// Reads a delay as `parse` does, saying why a text is not one.
    pub fn read(text: &str) -> Result<Self, BadDelay> {
        let duration = |text: &str| humantime::parse_duration(text).ok();
        let read = if let Some(mean) = text.strip_prefix("exp:") {
            duration(mean).map(|base| Self { base, spread: Spread::Exponential })
        } else {
            match text.split_once('±').or_else(|| text.split_once("+-")) {
                Some((base, spread)) => duration(base)
                    .zip(duration(spread))
                    .map(|(base, spread)| Self { base, spread: Spread::Uniform(spread) }),
                None => duration(text).map(Self::fixed),
            }
        };
        read.ok_or_else(|| BadDelay::NotADelay(text.into()))?.bounded()
    }

    /// This delay, if neither its base nor its spread is over `MAX_DELAY`.
    pub fn bounded(self) -> Result<Self, BadDelay> {
        if self.base > MAX_DELAY {
            return Err(BadDelay::TooLong { spread: false, given: self.base });
        }
        match self.spread {
            Spread::Uniform(spread) if spread > MAX_DELAY => Err(BadDelay::TooLong { spread: true, given: spread }),
            _ => Ok(self),
        }
    }

    /// One transmission's delay, drawn with `dice` (a number in [0, 1)).
    pub(super) fn draw(self, dice: f64) -> Duration {
        match self.spread {
            Spread::Fixed => self.base,
            Spread::Uniform(spread) => {
                let offset = spread.as_secs_f64() * (2.0 * dice - 1.0);
                Duration::from_secs_f64((self.base.as_secs_f64() + offset).max(0.0))
            }
            // Capped at ten means, so one draw cannot stall a link for good.
            Spread::Exponential => Duration::from_secs_f64(self.base.as_secs_f64() * (-(1.0 - dice).ln()).min(10.0)),
        }
    }
}

impl std::fmt::Display for Delay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let base = humantime::format_duration(self.base);
        match self.spread {
            Spread::Fixed => write!(f, "{base}"),
            Spread::Uniform(spread) => write!(f, "{base}±{}", humantime::format_duration(spread)),
            Spread::Exponential => write!(f, "exp:{base}"),
        }
    }
}
