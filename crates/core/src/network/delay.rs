//! A link's extra delay, fixed or spread (`100ms`, `100ms±40ms`, `exp:100ms`), and one
//! transmission's draw of it.

use std::time::Duration;

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

    /// Reads `100ms`, `100ms±40ms` (or `100ms+-40ms`), `exp:100ms`.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(mean) = text.strip_prefix("exp:") {
            return Some(Self { base: humantime::parse_duration(mean).ok()?, spread: Spread::Exponential });
        }
        let split = text.split_once('±').or_else(|| text.split_once("+-"));
        match split {
            Some((base, spread)) => Some(Self {
                base: humantime::parse_duration(base).ok()?,
                spread: Spread::Uniform(humantime::parse_duration(spread).ok()?),
            }),
            None => Some(Self::fixed(humantime::parse_duration(text).ok()?)),
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
