//! Reading one command from its line: the verb, in any case, then its words as its form says.
//! Each family of verbs (client commands, faults, modes, the story, scheduled work, moving through
//! a recording) reads its own.

use std::time::Duration;

use herdctl_core::network::{BadDelay, Delay, Fate, Spread};

use super::expect::expectation;
use super::forms::{CommandError, MAX_DELAY, MAX_WAIT, PROTOCOL_WORDS, Verb, at_most, duration, nearest};
use super::{Command, Fault, Landmark, Travel};

/// A line being read: its text and its words.
struct Line<'a> {
    text: &'a str,
    words: Vec<&'a str>,
}

type Read = Result<Command, CommandError>;

impl<'a> Line<'a> {
    fn len(&self) -> usize {
        self.words.len()
    }

    /// The `i`th word, owned.
    fn word(&self, i: usize) -> String {
        self.words[i].to_string()
    }

    /// Exactly `count` words, or the form of `verb`.
    fn with(&self, count: usize, verb: Verb) -> Result<(), CommandError> {
        if self.len() == count { Ok(()) } else { Err(CommandError::Usage(verb)) }
    }

    /// The text after the first `skip` words, as written.
    fn rest(&self, skip: usize) -> String {
        let mut rest = self.text;
        for word in &self.words[..skip] {
            rest = rest.trim_start()[word.len()..].trim_start();
        }
        rest.to_string()
    }
}

impl Command {
    /// Reads one command. Errors say what the form is.
    pub fn parse(text: &str) -> Result<Self, CommandError> {
        let text = text.trim();
        let line = Line { text, words: text.split_whitespace().collect() };
        let typed = line.words.first().copied().unwrap_or_default();
        // A protocol line goes as it is; everything else is a verb, in any case.
        if PROTOCOL_WORDS.contains(&typed) {
            return Ok(Self::Raw(text.into()));
        }
        let verb = typed.to_lowercase();
        let families = [client, fault, mode, story, scheduled, herd, travel];
        for family in families {
            if let Some(read) = family(&verb, &line) {
                return read;
            }
        }
        Err(CommandError::Unknown { word: typed.to_string(), nearest: nearest(typed) })
    }
}

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

/// `iamat`, `whatsat`, `send`: what a client would send.
fn client(verb: &str, line: &Line) -> Option<Read> {
    let read = || -> Read {
        Ok(match verb {
            "iamat" => {
                let shift_ns = match line.len() {
                    4 => 0,
                    6 if line.words[4] == "at" => shift(line.words[5]).ok_or(CommandError::Usage(Verb::Iamat))?,
                    _ => return Err(CommandError::Usage(Verb::Iamat)),
                };
                Command::Iamat { node: line.word(1), client: line.word(2), coords: line.word(3), shift_ns }
            }
            "whatsat" if line.len() > 1 && line.words[1].eq_ignore_ascii_case("all") => {
                line.with(5, Verb::Whatsat)?;
                Command::WhatsatAll { client: line.word(2), radius: line.word(3), bound: line.word(4) }
            }
            "whatsat" => {
                line.with(5, Verb::Whatsat)?;
                Command::Whatsat { node: line.word(1), client: line.word(2), radius: line.word(3), bound: line.word(4) }
            }
            _ => {
                if line.len() < 3 {
                    return Err(CommandError::Usage(Verb::Send));
                }
                Command::Send { node: line.word(1), line: line.rest(2) }
            }
        })
    };
    matches!(verb, "iamat" | "whatsat" | "send").then(read)
}

/// `kill`, `revive`, `cut`, `heal`, `latency`, `loss`: what happens to nodes and links.
fn fault(verb: &str, line: &Line) -> Option<Read> {
    let read = || -> Read {
        Ok(match verb {
            "kill" => {
                line.with(2, Verb::Kill)?;
                Command::Kill(line.word(1))
            }
            "revive" => {
                line.with(2, Verb::Revive)?;
                Command::Revive(line.word(1))
            }
            "cut" | "heal" if line.len() == 2 && line.words[1].contains('>') => {
                let cut = verb == "cut";
                let (a, b) = line.words[1]
                    .split_once('>')
                    .filter(|(a, b)| !a.is_empty() && !b.is_empty())
                    .ok_or(CommandError::Usage(if cut { Verb::Cut } else { Verb::Heal }))?;
                if cut { Command::CutOneWay(a.into(), b.into()) } else { Command::HealOneWay(a.into(), b.into()) }
            }
            "cut" => {
                line.with(3, Verb::Cut)?;
                Command::Cut(line.word(1), line.word(2))
            }
            "heal" => {
                line.with(3, Verb::Heal)?;
                Command::Heal(line.word(1), line.word(2))
            }
            "latency" => {
                line.with(4, Verb::Latency)?;
                let delay = Delay::read(line.words[3]).map_err(|error| match error {
                    BadDelay::NotADelay(_) => CommandError::NotADuration(line.word(3)),
                    BadDelay::TooLong { spread, given } => {
                        let what = if spread { "a latency's spread" } else { "a latency" };
                        CommandError::TooLong { what, given, most: MAX_DELAY }
                    }
                })?;
                sensible(&delay)?;
                Command::Latency(line.word(1), line.word(2), delay)
            }
            _ => {
                line.with(4, Verb::Loss)?;
                let percent = line.words[3].strip_suffix('%').and_then(|n| n.parse().ok()).filter(|n: &u32| *n <= 100);
                Command::Loss(line.word(1), line.word(2), percent.ok_or(CommandError::Usage(Verb::Loss))?)
            }
        })
    };
    matches!(verb, "kill" | "revive" | "cut" | "heal" | "latency" | "loss").then(read)
}

/// A latency that can be: a spread no wider than the latency (a delay is never below zero), and
/// an exponential one with a mean (`exp:0ms` would be none at all).
fn sensible(delay: &Delay) -> Result<(), CommandError> {
    let shown = |d: Duration| humantime::format_duration(d).to_string();
    match delay.spread {
        Spread::Uniform(spread) if spread > delay.base => Err(CommandError::Pointless(format!(
            "{base}±{spread} would need negative delays: at most {base}±{base}, or exp:{base}",
            base = shown(delay.base),
            spread = shown(spread)
        ))),
        Spread::Exponential if delay.base.is_zero() => Err(CommandError::Pointless(
            "exp:0ms is no latency: exp:100ms spreads one, 0s removes a link's latency".into(),
        )),
        _ => Ok(()),
    }
}

/// `step`, `deliver`/`drop`/`dup`, `slow`, `live`, `wave`, `reset`: how transmissions flow.
fn mode(verb: &str, line: &Line) -> Option<Read> {
    if let Some(fate) = Fate::from_verb(verb) {
        if !(3..=4).contains(&line.len()) {
            return Some(Err(CommandError::Usage(Verb::Decide(fate))));
        }
        let client = line.words.get(3).map(|client| client.to_string());
        return Some(Ok(Command::Decide { fate, from: line.word(1), to: line.word(2), client }));
    }
    let read = || -> Read {
        Ok(match verb {
            "step" => match line.len() {
                1 => Command::Step(None),
                2 => Command::Step(Some(
                    line.words[1].parse().ok().filter(|n| *n > 0).ok_or(CommandError::Usage(Verb::Step))?,
                )),
                _ => return Err(CommandError::Usage(Verb::Step)),
            },
            "slow" => {
                line.with(2, Verb::Slow)?;
                let delay = duration(line.words[1])?;
                if delay.is_zero() {
                    return Err(CommandError::Pointless(
                        "slow 0s is no slow motion: live ends it, slow 1s makes each hop take 1 s".into(),
                    ));
                }
                Command::Slow(at_most("slow motion", delay, MAX_DELAY)?)
            }
            // The bare verbs: `live`, `wave`, `reset`.
            _ => {
                line.with(1, Verb::Live)?;
                match verb {
                    "live" => Command::Live,
                    "wave" => Command::Wave,
                    _ => Command::Reset,
                }
            }
        })
    };
    matches!(verb, "step" | "slow" | "live" | "wave" | "reset").then(read)
}

/// `section`, `say`, `note`, `ask`, `show`, `highlight`, `track`, `wait`, `expect`: the story and
/// its checks.
fn story(verb: &str, line: &Line) -> Option<Read> {
    let read = || -> Read {
        Ok(match verb {
            "section" => Command::Section(line.rest(1)),
            "say" => Command::Say(line.rest(1)),
            "note" => Command::Note(line.rest(1)),
            "ask" => Command::Ask(line.rest(1)),
            // Two words after `show` are two nodes; a third is the client both are shown at.
            "show" => match line.len() {
                2 | 3 => Command::Show { nodes: line.words[1..].iter().map(|w| w.to_string()).collect(), client: None },
                4 => Command::Show { nodes: vec![line.word(1), line.word(2)], client: Some(line.word(3)) },
                _ => return Err(CommandError::Usage(Verb::Show)),
            },
            "highlight" => match line.words[1..] {
                [] => Command::Highlight(Vec::new()),
                ["tree", root] => Command::HighlightTree(root.to_string()),
                [path] if path != "tree" => Command::Highlight(path.split('-').map(str::to_string).collect()),
                _ => return Err(CommandError::Usage(Verb::Highlight)),
            },
            "track" => match line.words[1..] {
                [] => Command::Track(None),
                [client] => Command::Track(Some(client.to_string())),
                _ => return Err(CommandError::Usage(Verb::Track)),
            },
            "wait" => {
                line.with(2, Verb::Wait)?;
                Command::Wait(at_most("a wait", duration(line.words[1])?, MAX_WAIT)?)
            }
            _ => Command::Expect(expectation(&line.words, &|skip| line.rest(skip))?),
        })
    };
    matches!(verb, "section" | "say" | "note" | "ask" | "show" | "highlight" | "track" | "wait" | "expect").then(read)
}

/// `at`, `every`, `calm`: work scheduled beside a walkthrough's steps.
fn scheduled(verb: &str, line: &Line) -> Option<Read> {
    let read = || -> Read {
        Ok(match verb {
            "at" => {
                if line.len() < 3 {
                    return Err(CommandError::Usage(Verb::At));
                }
                let after = at_most("an at's wait", duration(line.words[1])?, MAX_WAIT)?;
                let command = Command::parse(&line.rest(2))?;
                if !command.can_wait() {
                    return Err(CommandError::Usage(Verb::At));
                }
                Command::At { after, command: Box::new(command) }
            }
            "every" => {
                if line.len() < 3 {
                    return Err(CommandError::Usage(Verb::Every));
                }
                let (min, max) = match line.words[1].split_once("..") {
                    Some((min, max)) => (duration(min)?, duration(max)?),
                    None => (duration(line.words[1])?, duration(line.words[1])?),
                };
                if min.is_zero() || min > max {
                    return Err(CommandError::Usage(Verb::Every));
                }
                at_most("an every's pause", max, MAX_WAIT)?;
                let words = &line.words;
                let (fault, lasting) = match words.len() {
                    n if n >= 5 && words[n - 2] == "for" => {
                        (&words[2..n - 2], Some(at_most("a fault's length", duration(words[n - 1])?, MAX_WAIT)?))
                    }
                    _ => (&words[2..], None),
                };
                let fault = Fault::parse(fault).ok_or(CommandError::Usage(Verb::Every))?;
                Command::Every { min, max, fault, lasting }
            }
            _ => {
                line.with(1, Verb::Live)?;
                Command::Calm
            }
        })
    };
    matches!(verb, "at" | "every" | "calm").then(read)
}

/// `shape`, `strategy`, `topology`, `replay`: which herd, and how it passes records on.
fn herd(verb: &str, line: &Line) -> Option<Read> {
    let read = || -> Read {
        Ok(match verb {
            "shape" => {
                line.with(3, Verb::Shape)?;
                let shape =
                    herdctl_core::shape::Shape::parse(line.words[1]).map_err(|_| CommandError::Usage(Verb::Shape))?;
                let nodes = line.words[2].parse().ok().filter(|n| (1..=herdctl_core::shape::MOST_NODES).contains(n));
                Command::Shape(shape, nodes.ok_or(CommandError::Usage(Verb::Shape))?)
            }
            "strategy" => {
                line.with(2, Verb::Strategy)?;
                let strategy = herdctl_core::strategy::Strategy::parse(line.words[1]);
                Command::Strategy(strategy.map_err(|_| CommandError::Usage(Verb::Strategy))?)
            }
            "topology" => {
                line.with(2, Verb::Topology)?;
                Command::Topology(line.word(1))
            }
            _ => {
                line.with(2, Verb::Replay)?;
                Command::Replay(line.word(1))
            }
        })
    };
    matches!(verb, "shape" | "strategy" | "topology" | "replay").then(read)
}

/// `seek`, `back`, `forward`: moving through a recording.
fn travel(verb: &str, line: &Line) -> Option<Read> {
    let read = || -> Read {
        if verb == "seek" {
            line.with(2, Verb::Travel)?;
            return Ok(Command::Travel(Travel::Seek(match line.words[1] {
                "start" => Some(Duration::ZERO),
                "end" => None,
                moment => Some(super::parse_moment(moment).map_err(|_| CommandError::Usage(Verb::Travel))?),
            })));
        }
        let back = verb == "back";
        let landmark = |word: &str| match word {
            "fault" => Some(Landmark::Fault),
            "flood" => Some(Landmark::Flood),
            "caption" => Some(Landmark::Story),
            _ => None,
        };
        Ok(Command::Travel(match line.words[1..] {
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
        }))
    };
    matches!(verb, "seek" | "back" | "forward").then(read)
}
