//! What a nemesis does each time (`every 1s..3s cut random-link`): a fault at a named node or
//! link, or at one chosen at random; and how its words read.

use herdctl_core::network::Delay;

/// What a nemesis does each time, to a named node or link or to one chosen at random.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `kill NODE` or `kill random-node` (undone by a revive).
    Kill(Option<String>),
    /// `cut A B` or `cut random-link` (undone by a heal).
    Cut(Option<(String, String)>),
    /// `loss A B N%` or `loss random-link N%` (undone by `0%`).
    Loss(Option<(String, String)>, u32),
    /// `latency A B D` or `latency random-link D` (undone by `0s`).
    Latency(Option<(String, String)>, Delay),
}

/// The word for a random target.
pub const RANDOM_NODE: &str = "random-node";
pub const RANDOM_LINK: &str = "random-link";

impl Fault {
    /// Reads the fault of `every`: its verb and targets.
    pub fn parse(words: &[&str]) -> Option<Self> {
        let link = |words: &[&str]| -> Option<(Option<(String, String)>, usize)> {
            match words.first()? {
                &RANDOM_LINK => Some((None, 1)),
                a => Some((Some((a.to_string(), words.get(1)?.to_string())), 2)),
            }
        };
        Some(match *words.first()? {
            "kill" if words.len() == 2 => Self::Kill((words[1] != RANDOM_NODE).then(|| words[1].to_string())),
            "cut" => match link(&words[1..])? {
                (target, used) if words.len() == 1 + used => Self::Cut(target),
                _ => return None,
            },
            "loss" => match link(&words[1..])? {
                (target, used) if words.len() == 2 + used => {
                    let percent = words[1 + used].strip_suffix('%')?.parse().ok().filter(|p| (1..=100).contains(p))?;
                    Self::Loss(target, percent)
                }
                _ => return None,
            },
            "latency" => match link(&words[1..])? {
                (target, used) if words.len() == 2 + used => {
                    // Never a spread wider than the latency (delays below zero).
                    let delay = Delay::parse(words[1 + used]).filter(|d| {
                        !d.base.is_zero()
                            && !matches!(d.spread, herdctl_core::network::Spread::Uniform(spread) if spread > d.base)
                    });
                    Self::Latency(target, delay?)
                }
                _ => return None,
            },
            _ => return None,
        })
    }

    /// The nodes it names.
    pub fn nodes(&self) -> Vec<&str> {
        match self {
            Self::Kill(Some(node)) => vec![node],
            Self::Cut(Some((a, b))) | Self::Loss(Some((a, b)), _) | Self::Latency(Some((a, b)), _) => vec![a, b],
            _ => Vec::new(),
        }
    }

    /// The link it names.
    pub fn link(&self) -> Option<(&str, &str)> {
        match self {
            Self::Cut(Some((a, b))) | Self::Loss(Some((a, b)), _) | Self::Latency(Some((a, b)), _) => Some((a, b)),
            _ => None,
        }
    }
}
