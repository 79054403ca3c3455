//! Reading one command from its line: the verb, in any case, then its words as its form says.

use std::time::Duration;

use herdctl_core::network::{Delay, Fate, Spread};

use super::expect::expectation;
use super::forms::{CommandError, MAX_DELAY, MAX_WAIT, PROTOCOL_WORDS, Verb, at_most, duration, nearest};
use super::{Command, Fault, Landmark, Travel};

/// `now-5s`, `now+500ms`, `now`: nanoseconds from the current time.
fn shift(text: &str) -> Option<i64> {
    let rest = text.strip_prefix("now")?;
    if rest.is_empty() {
        return Some(0);
    }
    let (sign, amount) = match rest.split_at(1) {
        ("-", amount) => (-1, amount),
        ("+", amount) => (1, amount),
        _ => return None,
    };
    let nanos = i64::try_from(humantime::parse_duration(amount).ok()?.as_nanos()).ok()?;
    Some(sign * nanos)
}

impl Command {
    /// Reads one command. Errors say what the form is.
    pub fn parse(text: &str) -> Result<Self, CommandError> {
        let text = text.trim();
        let words: Vec<&str> = text.split_whitespace().collect();
        let typed = words.first().copied().unwrap_or_default();
        // A protocol line goes as it is; everything else is a verb, in any case.
        if PROTOCOL_WORDS.contains(&typed) {
            return Ok(Self::Raw(text.into()));
        }
        let lowered = typed.to_lowercase();
        let verb = lowered.as_str();
        let with = |count: usize, verb: Verb| {
            if words.len() == count { Ok(()) } else { Err(CommandError::Usage(verb)) }
        };
        // The text after the first `skip` words, as written.
        let rest = |skip: usize| {
            let mut rest = text;
            for word in &words[..skip] {
                rest = rest.trim_start()[word.len()..].trim_start();
            }
            rest.to_string()
        };
        Ok(match verb {
            "iamat" => {
                let shift_ns = match words.len() {
                    4 => 0,
                    6 if words[4] == "at" => shift(words[5]).ok_or(CommandError::Usage(Verb::Iamat))?,
                    _ => return Err(CommandError::Usage(Verb::Iamat)),
                };
                Self::Iamat { node: words[1].into(), client: words[2].into(), coords: words[3].into(), shift_ns }
            }
            "whatsat" => {
                with(5, Verb::Whatsat)?;
                Self::Whatsat {
                    node: words[1].into(),
                    client: words[2].into(),
                    radius: words[3].into(),
                    bound: words[4].into(),
                }
            }
            "send" => {
                if words.len() < 3 {
                    return Err(CommandError::Usage(Verb::Send));
                }
                Self::Send { node: words[1].into(), line: rest(2) }
            }
            "kill" => {
                with(2, Verb::Kill)?;
                Self::Kill(words[1].into())
            }
            "revive" => {
                with(2, Verb::Revive)?;
                Self::Revive(words[1].into())
            }
            "cut" | "heal" if words.len() == 2 && words[1].contains('>') => {
                let verb = if lowered == "cut" { Verb::Cut } else { Verb::Heal };
                let (a, b) = words[1]
                    .split_once('>')
                    .filter(|(a, b)| !a.is_empty() && !b.is_empty())
                    .ok_or(CommandError::Usage(verb))?;
                if lowered == "cut" {
                    Self::CutOneWay(a.into(), b.into())
                } else {
                    Self::HealOneWay(a.into(), b.into())
                }
            }
            "cut" => {
                with(3, Verb::Cut)?;
                Self::Cut(words[1].into(), words[2].into())
            }
            "heal" => {
                with(3, Verb::Heal)?;
                Self::Heal(words[1].into(), words[2].into())
            }
            "latency" => {
                with(4, Verb::Latency)?;
                let delay = Delay::parse(words[3]).ok_or_else(|| CommandError::NotADuration(words[3].into()))?;
                at_most("a latency", delay.base, MAX_DELAY)?;
                if let Spread::Uniform(spread) = delay.spread {
                    at_most("a latency's spread", spread, MAX_DELAY)?;
                }
                Self::Latency(words[1].into(), words[2].into(), delay)
            }
            "loss" => {
                with(4, Verb::Loss)?;
                let percent = words[3].strip_suffix('%').and_then(|n| n.parse().ok()).filter(|n: &u32| *n <= 100);
                Self::Loss(words[1].into(), words[2].into(), percent.ok_or(CommandError::Usage(Verb::Loss))?)
            }
            "step" => match words.len() {
                1 => Self::Step(None),
                2 => Self::Step(Some(words[1].parse().ok().filter(|n| *n > 0).ok_or(CommandError::Usage(Verb::Step))?)),
                _ => return Err(CommandError::Usage(Verb::Step)),
            },
            verb if Fate::from_verb(verb).is_some() => {
                let fate = Fate::from_verb(verb).unwrap_or_default();
                if !(3..=4).contains(&words.len()) {
                    return Err(CommandError::Usage(Verb::Decide(fate)));
                }
                let client = words.get(3).map(|client| client.to_string());
                Self::Decide { fate, from: words[1].into(), to: words[2].into(), client }
            }
            "slow" => {
                with(2, Verb::Slow)?;
                Self::Slow(at_most("slow motion", duration(words[1])?, MAX_DELAY)?)
            }
            "live" => {
                with(1, Verb::Live)?;
                Self::Live
            }
            "wave" => {
                with(1, Verb::Live)?;
                Self::Wave
            }
            "reset" => {
                with(1, Verb::Live)?;
                Self::Reset
            }
            "section" => Self::Section(rest(1)),
            "note" => Self::Note(rest(1)),
            "ask" => Self::Ask(rest(1)),
            "show" => match words.len() {
                2 | 3 => Self::Show(words[1..].iter().map(|w| w.to_string()).collect()),
                _ => return Err(CommandError::Usage(Verb::Show)),
            },
            "highlight" => match words.len() {
                1 => Self::Highlight(Vec::new()),
                2 => Self::Highlight(words[1].split('-').map(str::to_string).collect()),
                _ => return Err(CommandError::Usage(Verb::Highlight)),
            },
            "wait" => {
                with(2, Verb::Wait)?;
                Self::Wait(at_most("a wait", duration(words[1])?, MAX_WAIT)?)
            }
            "expect" => Self::Expect(expectation(&words, &rest)?),
            "at" => {
                if words.len() < 3 {
                    return Err(CommandError::Usage(Verb::At));
                }
                let after = at_most("an at's wait", duration(words[1])?, MAX_WAIT)?;
                let command = Self::parse(&rest(2))?;
                if !command.can_wait() {
                    return Err(CommandError::Usage(Verb::At));
                }
                Self::At { after, command: Box::new(command) }
            }
            "every" => {
                if words.len() < 3 {
                    return Err(CommandError::Usage(Verb::Every));
                }
                let (min, max) = match words[1].split_once("..") {
                    Some((min, max)) => (duration(min)?, duration(max)?),
                    None => (duration(words[1])?, duration(words[1])?),
                };
                if min.is_zero() || min > max {
                    return Err(CommandError::Usage(Verb::Every));
                }
                at_most("an every's pause", max, MAX_WAIT)?;
                let (fault, lasting) = match words.len() {
                    n if n >= 5 && words[n - 2] == "for" => (&words[2..n - 2], Some(duration(words[n - 1])?)),
                    _ => (&words[2..], None),
                };
                let fault = Fault::parse(fault).ok_or(CommandError::Usage(Verb::Every))?;
                Self::Every { min, max, fault, lasting }
            }
            "calm" => {
                with(1, Verb::Live)?;
                Self::Calm
            }
            "shape" => {
                with(3, Verb::Shape)?;
                let shape =
                    herdctl_core::shape::Shape::parse(words[1]).map_err(|_| CommandError::Usage(Verb::Shape))?;
                let nodes = words[2].parse().ok().filter(|n| (1..=herdctl_core::shape::MOST_NODES).contains(n));
                Self::Shape(shape, nodes.ok_or(CommandError::Usage(Verb::Shape))?)
            }
            "strategy" => {
                with(2, Verb::Strategy)?;
                Self::Strategy(
                    herdctl_core::strategy::Strategy::parse(words[1])
                        .map_err(|_| CommandError::Usage(Verb::Strategy))?,
                )
            }
            "replay" => {
                with(2, Verb::Replay)?;
                Self::Replay(words[1].into())
            }
            "seek" => {
                with(2, Verb::Travel)?;
                Self::Travel(Travel::Seek(match words[1] {
                    "start" => Some(Duration::ZERO),
                    "end" => None,
                    moment => Some(super::parse_moment(moment).map_err(|_| CommandError::Usage(Verb::Travel))?),
                }))
            }
            way @ ("back" | "forward") => {
                let back = way == "back";
                let landmark = |word: &str| match word {
                    "fault" => Some(Landmark::Fault),
                    "flood" => Some(Landmark::Flood),
                    "caption" => Some(Landmark::Story),
                    _ => None,
                };
                Self::Travel(match words[1..] {
                    [] if back => Travel::Back(1),
                    [] => Travel::Forward(1),
                    [count] => {
                        let count = count.parse().ok().filter(|n| *n > 0).ok_or(CommandError::Usage(Verb::Travel))?;
                        if back { Travel::Back(count) } else { Travel::Forward(count) }
                    }
                    ["to", word] => {
                        let landmark = landmark(word).ok_or(CommandError::Usage(Verb::Travel))?;
                        if back { Travel::BackTo(landmark) } else { Travel::ForwardTo(landmark) }
                    }
                    _ => return Err(CommandError::Usage(Verb::Travel)),
                })
            }
            "say" => Self::Say(rest(1)),
            _ => return Err(CommandError::Unknown { word: typed.to_string(), nearest: nearest(typed) }),
        })
    }
}
