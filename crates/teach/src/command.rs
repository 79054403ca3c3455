//! The operator's commands, as typed in the console's command line and written in walkthrough
//! scripts: short forms that spare a demo user the 19-digit timestamp, raw protocol lines, and
//! the classroom's controls (kill, revive, cut, heal, latency, step, wave, live, reset, wait,
//! expect), and the story a walkthrough tells (section, say, note, ask, show, highlight).
//! Pure: parsing, and turning a command into the line a client would send.

use std::time::Duration;

use crate::replay::Landmark;
use crate::schedule::Fault;
use herdctl_core::network::{Delay, Fate, Spread};
use herdctl_core::protocol::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `iamat NODE CLIENT COORDS [at now-5s]`: an IAMAT stamped with the current time, or with a
    /// time shifted from it (an old report arriving late).
    Iamat {
        node: String,
        client: String,
        coords: String,
        /// Nanoseconds added to the current time (negative: in the past).
        shift_ns: i64,
    },
    /// `whatsat NODE CLIENT RADIUS BOUND`.
    Whatsat {
        node: String,
        client: String,
        radius: String,
        bound: String,
    },
    /// `send NODE LINE...`: any line, as typed.
    Send {
        node: String,
        line: String,
    },
    Kill(String),
    Revive(String),
    Cut(String, String),
    Heal(String, String),
    /// `latency A B DURATION`: extra delay on a link (`0s` removes it).
    /// `cut A>B`: A's messages to B are lost; B's to A still arrive.
    CutOneWay(String, String),
    /// `heal A>B`: A's messages to B go again.
    HealOneWay(String, String),
    Latency(String, String, Delay),
    /// `loss A B 20%`: the link loses that share of its messages, chosen by the herd's seed
    /// (`0%` removes it).
    Loss(String, String, u32),
    /// `step`: hold every transmission; `step N`: release the next N held ones.
    Step(Option<usize>),
    /// `slow DURATION`: every hop takes that long.
    Slow(Duration),
    /// `live`: release everything, no holds, no slow motion.
    Live,
    /// `wave`: release every transmission held now.
    Wave,
    /// `deliver A B [CLIENT]`, `drop A B [CLIENT]`, `dup A B [CLIENT]`: what becomes of one held
    /// transmission from A to B (the first in release order, of CLIENT's record if named).
    Decide {
        fate: Fate,
        from: String,
        to: String,
        client: Option<String>,
    },
    /// `reset`: every node restarted empty, every link healed and plain, live mode: a clean
    /// herd between sections.
    Reset,
    Wait(Duration),
    /// `expect ...`: a check of the herd.
    Expect(Expectation),
    /// `section TITLE`: starts a part of the story.
    Section(String),
    /// `say TEXT`: a caption for the class; the console waits for the operator.
    Say(String),
    /// `note TEXT`: shown while the next steps run, without waiting.
    Note(String),
    /// `ask QUESTION`: a question to predict; the console waits, the next steps reveal it.
    Ask(String),
    /// `show NODE [NODE]`: the console selects NODE (two: their caches side by side).
    Show(Vec<String>),
    /// `highlight A-B-C`: a path marked on the graph (an empty path clears it).
    Highlight(Vec<String>),
    /// `at DURATION COMMAND`: COMMAND (a fault, a mode, a client command) runs that long after
    /// this line is reached, while the next lines go on.
    At {
        after: Duration,
        command: Box<Command>,
    },
    /// `every MIN..MAX FAULT [for DURATION]`: a nemesis, undoing its last fault and making a new
    /// one at seeded intervals, until `calm` or the script's end.
    Every {
        min: Duration,
        max: Duration,
        fault: Fault,
        lasting: Option<Duration>,
    },
    /// `calm`: stops every nemesis (undoing its faults) and every `at` not yet due.
    Calm,
    /// `strategy flood|tree`: how nodes pass new records on from now.
    Strategy(herdctl_core::strategy::Strategy),
    /// `shape grid 16`: as a script's first line, the herd it runs on (a generated one).
    Shape(herdctl_core::shape::Shape, usize),
    /// `replay FILE`: the first line of a walkthrough through a recorded session.
    Replay(String),
    /// `seek`, `back`, `forward`: moving through a replayed session.
    Travel(Travel),
    /// A line that starts with a protocol word in its exact case (`IAMAT`, `WHATSAT`, `AT`): sent
    /// as it is to the selected node (refused in scripts, which say `send`).
    Raw(String),
}

/// What `expect` checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// `expect NODE knows CLIENT`: within a moment (a flood takes one); with `now`, at once (a
    /// strict read-your-writes check).
    Knows { node: String, client: String, now: bool },
    /// `expect NODE lacks CLIENT`: at once.
    Lacks { node: String, client: String },
    /// `expect NODE has CLIENT at COORDS` / `from SERVER`: which record it holds.
    Has { node: String, client: String, field: RecordField, value: String },
    /// `expect reply NODE TEXT`: the last reply this walkthrough got from NODE starts with TEXT.
    Reply { node: String, starts: String },
    /// `expect link A B up|down|cut`.
    Link { a: String, b: String, state: LinkExpect },
    /// `expect cost CLIENT messages|duplicates|hops OP N`: what the last update of CLIENT cost.
    Cost { client: String, measure: CostMeasure, compare: Compare, value: usize },
    /// `expect converged within DURATION`: every running node holds the same record of every
    /// client, by then.
    Converged { within: Duration },
    /// `expect CLIENT reached N nodes`: exactly N running nodes hold CLIENT's newest record (the
    /// greatest any of them holds), within a moment.
    Reached { client: String, nodes: usize },
}

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

/// What an update's cost is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostMeasure {
    /// Peer messages that flooded it.
    Messages,
    /// Copies dropped on arrival.
    Duplicates,
    /// Hops until the last node had it.
    Hops,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    AtMost,
    Exactly,
    AtLeast,
}

impl Compare {
    pub fn holds(self, found: usize, value: usize) -> bool {
        match self {
            Self::AtMost => found <= value,
            Self::Exactly => found == value,
            Self::AtLeast => found >= value,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::AtMost => "<=",
            Self::Exactly => "==",
            Self::AtLeast => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordField {
    /// The position, as the client wrote it.
    Coords,
    /// The server that received the IAMAT.
    Server,
    /// The neighbour this node learned it from (`client` when it came from the client).
    Via,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkExpect {
    Up,
    Down,
    Cut,
}

/// The verbs, for error messages.
pub const VERBS: &str = "iamat, whatsat, send, kill, revive, cut, heal, latency, loss, step, wave, deliver, drop, \
                         dup, slow, live, reset, wait, at, every, calm, strategy, shape, replay, seek, back, forward, expect, section, say, \
                         note, ask, show, highlight";

/// The words a line sent as it is starts with: the protocol's own, in their exact case.
pub const PROTOCOL_WORDS: [&str; 3] = ["IAMAT", "WHATSAT", "AT"];

/// Every verb, one by one (for completion and for "did you mean").
pub fn verbs() -> impl Iterator<Item = &'static str> {
    VERBS.split(", ").map(str::trim)
}

/// The verb `word` was most likely meant to be: one or two letters off, or its start.
fn nearest(word: &str) -> Option<&'static str> {
    let word = word.to_lowercase();
    verbs()
        .map(|verb| (strsim::damerau_levenshtein(&word, verb), verb))
        // One letter off a short verb, two off a longer one, or its first letters.
        .filter(|(distance, verb)| {
            *distance <= if verb.len() <= 4 { 1 } else { 2 } || (word.len() >= 2 && verb.starts_with(&word))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, verb)| verb)
}

/// The longest `latency` or `slow` a link may be given: longer is a typo, not a lesson.
pub const MAX_DELAY: Duration = Duration::from_secs(60);
/// The longest `wait` in a script.
pub const MAX_WAIT: Duration = Duration::from_secs(600);

/// Why a command could not be read. Each says the form; `example` adds one with real names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("usage: {}", .0.form())]
    Usage(Verb),
    #[error("{0:?} is not a duration (write 500ms, 2s, 1.5s)")]
    NotADuration(String),
    /// Not a command: never sent anywhere.
    #[error("unknown command {word}{}", match nearest { Some(verb) => format!(": did you mean {verb}?"), None => " (? lists the commands; a raw line starts with IAMAT or WHATSAT, or goes with send)".into() })]
    Unknown { word: String, nearest: Option<&'static str> },
    #[error("{what} of {} is too long: at most {}", humantime::format_duration(*.given), humantime::format_duration(*.most))]
    TooLong { what: &'static str, given: Duration, most: Duration },
}

/// The verbs whose form an error can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Iamat,
    Whatsat,
    Send,
    Kill,
    Revive,
    Cut,
    Heal,
    Latency,
    Loss,
    Step,
    Decide(Fate),
    Slow,
    Live,
    Wait,
    Expect,
    Show,
    Highlight,
    At,
    Every,
    Replay,
    Travel,
    Strategy,
    Shape,
}

impl Verb {
    pub fn form(self) -> &'static str {
        match self {
            Self::Iamat => "iamat NODE CLIENT COORDS [at now-5s]",
            Self::Whatsat => "whatsat NODE CLIENT RADIUS_KM BOUND",
            Self::Send => "send NODE LINE",
            Self::Kill => "kill NODE",
            Self::Revive => "revive NODE",
            Self::Cut => "cut NODE NODE, or cut NODE>NODE (one way)",
            Self::Heal => "heal NODE NODE, or heal NODE>NODE (one way)",
            Self::Latency => "latency NODE NODE DURATION (100ms, 100ms±40ms or exp:100ms; 0s removes it)",
            Self::Loss => "loss NODE NODE PERCENT (20% loses a fifth; 0% removes it)",
            Self::Step => "step [N] (N: how many held messages to release, 1 or more)",
            Self::Decide(Fate::Deliver) => "deliver NODE NODE [CLIENT] (a held message, in step mode)",
            Self::Decide(Fate::Drop | Fate::Lost) => "drop NODE NODE [CLIENT] (a held message is lost, in step mode)",
            Self::Decide(Fate::Duplicate) => "dup NODE NODE [CLIENT] (a held message arrives twice, in step mode)",
            Self::Slow => "slow DURATION",
            Self::Live => "live",
            Self::Wait => "wait DURATION",
            Self::Expect => {
                "expect NODE knows CLIENT [now] | NODE lacks CLIENT | NODE has CLIENT at COORDS | NODE has \
                 CLIENT from SERVER | NODE has CLIENT via NEIGHBOUR | reply NODE TEXT | link A B up|down|cut | cost \
                 CLIENT messages|duplicates|hops <=|==|>= N | converged within DURATION | CLIENT reached N nodes"
            }
            Self::Show => "show NODE [NODE]",
            Self::Highlight => "highlight NODE-NODE-...",
            Self::Replay => "replay FILE (a recording, beside the script; the script's first line)",
            Self::Strategy => "strategy flood|tree|batch:INTERVAL|gossip:FANOUT (how nodes pass new records on)",
            Self::Shape => "shape SHAPE N (a script's first line: the herd it runs on, e.g. shape grid 16)",
            Self::Travel => {
                "seek TIME|start|end | back [N] | forward [N] | back to fault|flood|caption | forward to fault|flood|caption"
            }
            Self::At => "at DURATION COMMAND (a fault, a mode or a client command, that long after this line)",
            Self::Every => {
                "every MIN..MAX kill NODE|random-node | cut A B|random-link | loss A B|random-link N% | latency \
                 A B|random-link DURATION [for DURATION] (a nemesis: each time it undoes its last fault)"
            }
        }
    }

    /// An example of the form, with node names `a` and its neighbour `b` from the running herd.
    pub fn example(self, a: &str, b: &str) -> String {
        match self {
            Self::Iamat => format!("iamat {a} kiwi +34.068930-118.445127"),
            Self::Whatsat => format!("whatsat {b} kiwi 10 5"),
            Self::Send => format!("send {b} HELLO"),
            Self::Kill => format!("kill {b}"),
            Self::Revive => format!("revive {b}"),
            Self::Cut => format!("cut {a} {b}"),
            Self::Heal => format!("heal {a} {b}"),
            Self::Latency => format!("latency {a} {b} 500ms"),
            Self::Loss => format!("loss {a} {b} 20%"),
            Self::Step => "step 2".into(),
            Self::Decide(fate) => format!("{} {a} {b} kiwi", fate.verb()),
            Self::Slow => "slow 1s".into(),
            Self::Live => "live".into(),
            Self::Wait => "wait 500ms".into(),
            Self::Expect => format!("expect {b} knows kiwi"),
            Self::Show => format!("show {a} {b}"),
            Self::Highlight => format!("highlight {a}-{b}"),
            Self::Replay => "replay session.jsonl".into(),
            Self::Strategy => "strategy tree".into(),
            Self::Shape => "shape grid 16".into(),
            Self::Travel => "back to fault".into(),
            Self::At => format!("at 2s kill {b}"),
            Self::Every => "every 1s..3s cut random-link for 10s".into(),
        }
    }
}

impl CommandError {
    /// The error and, for a wrong form, an example with node names from the running herd.
    pub fn explain(&self, a: &str, b: &str) -> String {
        match self {
            Self::Usage(verb) => format!("{self} (e.g. {})", verb.example(a, b)),
            _ => self.to_string(),
        }
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

fn expectation(words: &[&str], rest: &dyn Fn(usize) -> String) -> Result<Expectation, CommandError> {
    let usage = || CommandError::Usage(Verb::Expect);
    let word = |i: usize| words.get(i).map(|w| w.to_string()).ok_or_else(usage);
    Ok(match (words.get(1).copied(), words.get(2).copied(), words.len()) {
        (Some("reply"), Some(_), n) if n >= 4 => Expectation::Reply { node: word(2)?, starts: rest(3) },
        (Some("cost"), Some(_), 6) => Expectation::Cost {
            client: word(2)?,
            measure: match words[3] {
                "messages" | "msgs" => CostMeasure::Messages,
                "duplicates" | "dup" => CostMeasure::Duplicates,
                "hops" => CostMeasure::Hops,
                _ => return Err(usage()),
            },
            compare: match words[4] {
                "<=" => Compare::AtMost,
                "==" | "=" => Compare::Exactly,
                ">=" => Compare::AtLeast,
                _ => return Err(usage()),
            },
            value: words[5].parse().map_err(|_| usage())?,
        },
        (Some("link"), _, 5) => Expectation::Link {
            a: word(2)?,
            b: word(3)?,
            state: match words[4] {
                "up" => LinkExpect::Up,
                "down" => LinkExpect::Down,
                "cut" => LinkExpect::Cut,
                _ => return Err(usage()),
            },
        },
        (Some("converged"), Some("within"), 4) => {
            Expectation::Converged { within: at_most("a wait", duration(words[3])?, MAX_WAIT)? }
        }
        (_, Some("reached"), 5) if words[4] == "nodes" || words[4] == "node" => {
            Expectation::Reached { client: word(1)?, nodes: words[3].parse().map_err(|_| usage())? }
        }
        (_, Some("knows"), 4) => Expectation::Knows { node: word(1)?, client: word(3)?, now: false },
        (_, Some("knows"), 5) if words[4] == "now" => {
            Expectation::Knows { node: word(1)?, client: word(3)?, now: true }
        }
        // A lack is always checked at once; `now` may say so.
        (_, Some("lacks"), 4) => Expectation::Lacks { node: word(1)?, client: word(3)? },
        (_, Some("lacks"), 5) if words[4] == "now" => Expectation::Lacks { node: word(1)?, client: word(3)? },
        (_, Some("has"), 6) => Expectation::Has {
            node: word(1)?,
            client: word(3)?,
            field: match words[4] {
                "at" => RecordField::Coords,
                "from" => RecordField::Server,
                "via" => RecordField::Via,
                _ => return Err(usage()),
            },
            value: word(5)?,
        },
        _ => return Err(usage()),
    })
}

fn duration(text: &str) -> Result<Duration, CommandError> {
    humantime::parse_duration(text).map_err(|_| CommandError::NotADuration(text.into()))
}

fn at_most(what: &'static str, given: Duration, most: Duration) -> Result<Duration, CommandError> {
    if given <= most { Ok(given) } else { Err(CommandError::TooLong { what, given, most }) }
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
                    herdctl_core::strategy::Strategy::parse(words[1]).ok_or(CommandError::Usage(Verb::Strategy))?,
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
                    moment => Some(crate::replay::parse_moment(moment).map_err(|_| CommandError::Usage(Verb::Travel))?),
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

    /// Whether `at` may run it later: faults, modes and client commands, not the story's verbs.
    fn can_wait(&self) -> bool {
        !matches!(
            self,
            Self::Expect(_)
                | Self::Section(_)
                | Self::Say(_)
                | Self::Note(_)
                | Self::Ask(_)
                | Self::Show(_)
                | Self::Highlight(_)
                | Self::Wait(_)
                | Self::At { .. }
                | Self::Every { .. }
                | Self::Calm
                | Self::Reset
                | Self::Replay(_)
                | Self::Shape(..)
                | Self::Travel(_)
                | Self::Raw(_)
        )
    }

    /// Every node a command names, for checking a script against its topology.
    pub fn nodes(&self) -> Vec<&str> {
        match self {
            Self::At { command, .. } => command.nodes(),
            Self::Every { fault, .. } => fault.nodes(),
            Self::Iamat { node, .. } | Self::Whatsat { node, .. } | Self::Send { node, .. } => vec![node],
            Self::Kill(node) | Self::Revive(node) => vec![node],
            Self::Cut(a, b)
            | Self::Heal(a, b)
            | Self::CutOneWay(a, b)
            | Self::HealOneWay(a, b)
            | Self::Latency(a, b, _)
            | Self::Loss(a, b, _) => vec![a, b],
            Self::Decide { from, to, .. } => vec![from, to],
            Self::Show(nodes) | Self::Highlight(nodes) => nodes.iter().map(String::as_str).collect(),
            Self::Expect(expectation) => match expectation {
                Expectation::Knows { node, .. } | Expectation::Lacks { node, .. } | Expectation::Reply { node, .. } => {
                    vec![node]
                }
                Expectation::Has { node, field: RecordField::Server, value, .. } => vec![node, value],
                Expectation::Has { node, field: RecordField::Via, value, .. } if value != "client" => vec![node, value],
                Expectation::Has { node, .. } => vec![node],
                Expectation::Link { a, b, .. } => vec![a, b],
                Expectation::Cost { .. } | Expectation::Converged { .. } | Expectation::Reached { .. } => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// The links a command names (pairs that must be neighbours).
    pub fn links(&self) -> Vec<(&str, &str)> {
        match self {
            Self::At { command, .. } => command.links(),
            Self::Every { fault, .. } => fault.link().into_iter().collect(),
            Self::Cut(a, b)
            | Self::Heal(a, b)
            | Self::CutOneWay(a, b)
            | Self::HealOneWay(a, b)
            | Self::Latency(a, b, _)
            | Self::Loss(a, b, _) => vec![(a, b)],
            Self::Decide { from, to, .. } => vec![(from, to)],
            Self::Expect(Expectation::Link { a, b, .. }) => vec![(a, b)],
            Self::Highlight(path) => path.windows(2).map(|pair| (pair[0].as_str(), pair[1].as_str())).collect(),
            _ => Vec::new(),
        }
    }

    /// The node a command is sent to, if it names one.
    pub fn node(&self) -> Option<&str> {
        match self {
            Self::Iamat { node, .. } | Self::Whatsat { node, .. } | Self::Send { node, .. } => Some(node),
            Self::Kill(node) | Self::Revive(node) => Some(node),
            _ => None,
        }
    }

    /// The protocol line a client would send for this command (`now` stamps an IAMAT).
    pub fn client_line(&self, now: Timestamp) -> Option<String> {
        match self {
            Self::Iamat { client, coords, shift_ns, .. } => {
                Some(format!("IAMAT {client} {coords} {}", now.shifted(*shift_ns)))
            }
            Self::Whatsat { client, radius, bound, .. } => Some(format!("WHATSAT {client} {radius} {bound}")),
            Self::Send { line, .. } | Self::Raw(line) => Some(line.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_become_protocol_lines() {
        let now = Timestamp::new(1_700_000_000, 5);
        let iamat = Command::parse("iamat Riley kiwi +34.06-118.44").unwrap();
        assert_eq!(iamat.node(), Some("Riley"));
        assert_eq!(iamat.client_line(now).unwrap(), "IAMAT kiwi +34.06-118.44 1700000000.000000005");
        let whatsat = Command::parse(" whatsat Campbell kiwi 10 5 ").unwrap();
        assert_eq!(whatsat.client_line(now).unwrap(), "WHATSAT kiwi 10 5");
        let send = Command::parse("send Bernard  HELLO   there").unwrap();
        assert_eq!(send, Command::Send { node: "Bernard".into(), line: "HELLO   there".into() });
        assert_eq!(Command::parse("IAMAT k +1-1 5").unwrap(), Command::Raw("IAMAT k +1-1 5".into()));
        assert_eq!(Command::parse("KILL Juzang").unwrap(), Command::Kill("Juzang".into()), "verbs in any case");
        let unknown = |text: &str| Command::parse(text).unwrap_err().to_string();
        assert_eq!(unknown("kil Riley"), "unknown command kil: did you mean kill?");
        assert_eq!(unknown("iamt Riley kiwi +1+1"), "unknown command iamt: did you mean iamat?");
        assert_eq!(unknown("Revve Jaquez"), "unknown command Revve: did you mean revive?");
        assert!(unknown("hello there").starts_with("unknown command hello (? lists"), "{}", unknown("hello there"));
        assert!(unknown("iamat!").contains("did you mean iamat?"));
        let late = Command::parse("iamat Riley kiwi +1-1 at now-5s").unwrap();
        assert_eq!(late.client_line(now).unwrap(), "IAMAT kiwi +1-1 1699999995.000000005", "an old report");
        let ahead = Command::parse("iamat Riley kiwi +1-1 at now+1.5s").unwrap();
        assert_eq!(ahead.client_line(now).unwrap(), "IAMAT kiwi +1-1 1700000001.500000005");
    }

    #[test]
    fn scheduled_faults_parse_and_what_cannot_wait_is_refused() {
        let at = Command::parse("at 2s kill Juzang").unwrap();
        assert_eq!(
            at,
            Command::At { after: Duration::from_secs(2), command: Box::new(Command::Kill("Juzang".into())) }
        );
        assert_eq!(at.nodes(), vec!["Juzang"]);
        let every = Command::parse("every 1s..3s cut random-link for 10s").unwrap();
        assert_eq!(
            every,
            Command::Every {
                min: Duration::from_secs(1),
                max: Duration::from_secs(3),
                fault: Fault::Cut(None),
                lasting: Some(Duration::from_secs(10)),
            }
        );
        let named = Command::parse("every 500ms loss Riley Jaquez 20%").unwrap();
        assert_eq!(named.links(), vec![("Riley", "Jaquez")]);
        assert_eq!(Command::parse("calm").unwrap(), Command::Calm);
        assert_eq!(Command::parse("strategy tree").unwrap(), Command::Strategy(herdctl_core::strategy::Strategy::Tree));
        assert_eq!(Command::parse("shape grid 16").unwrap(), Command::Shape(herdctl_core::shape::Shape::Grid, 16));
        assert!(Command::parse("strategy gossip").is_err() && Command::parse("shape grid 0").is_err());
        for wrong in [
            "at 2s say hi",
            "at 2s",
            "at soon kill Juzang",
            "every 3s..1s kill random-node",
            "every 1s dance",
            "every 1s loss random-link 0%",
        ] {
            assert!(Command::parse(wrong).is_err(), "{wrong:?} is refused");
        }
        let usage = Command::parse("at 2s expect Riley knows kiwi").unwrap_err().explain("Riley", "Jaquez");
        assert!(usage.contains("at 2s kill Jaquez"), "{usage}");
    }

    #[test]
    fn every_classroom_verb_parses() {
        let cases = [
            ("kill Juzang", Command::Kill("Juzang".into())),
            ("revive Juzang", Command::Revive("Juzang".into())),
            ("cut Riley Jaquez", Command::Cut("Riley".into(), "Jaquez".into())),
            ("heal Riley Jaquez", Command::Heal("Riley".into(), "Jaquez".into())),
            (
                "latency Riley Jaquez 500ms",
                Command::Latency("Riley".into(), "Jaquez".into(), Delay::fixed(Duration::from_millis(500))),
            ),
            ("step", Command::Step(None)),
            ("step 3", Command::Step(Some(3))),
            ("slow 1.5s", Command::Slow(Duration::from_millis(1500))),
            ("live", Command::Live),
            ("wait 2s", Command::Wait(Duration::from_secs(2))),
            (
                "expect Campbell knows kiwi",
                Command::Expect(Expectation::Knows { node: "Campbell".into(), client: "kiwi".into(), now: false }),
            ),
            (
                "expect Campbell knows kiwi now",
                Command::Expect(Expectation::Knows { node: "Campbell".into(), client: "kiwi".into(), now: true }),
            ),
            (
                "expect Campbell lacks kiwi",
                Command::Expect(Expectation::Lacks { node: "Campbell".into(), client: "kiwi".into() }),
            ),
            (
                "expect Campbell has kiwi at +1-1",
                Command::Expect(Expectation::Has {
                    node: "Campbell".into(),
                    client: "kiwi".into(),
                    field: RecordField::Coords,
                    value: "+1-1".into(),
                }),
            ),
            (
                "expect Jaquez has kiwi from Riley",
                Command::Expect(Expectation::Has {
                    node: "Jaquez".into(),
                    client: "kiwi".into(),
                    field: RecordField::Server,
                    value: "Riley".into(),
                }),
            ),
            (
                "expect reply Campbell AT Riley",
                Command::Expect(Expectation::Reply { node: "Campbell".into(), starts: "AT Riley".into() }),
            ),
            (
                "expect cost kiwi messages <= 8",
                Command::Expect(Expectation::Cost {
                    client: "kiwi".into(),
                    measure: CostMeasure::Messages,
                    compare: Compare::AtMost,
                    value: 8,
                }),
            ),
            (
                "expect link Riley Jaquez cut",
                Command::Expect(Expectation::Link { a: "Riley".into(), b: "Jaquez".into(), state: LinkExpect::Cut }),
            ),
            ("say  Watch   Riley. ", Command::Say("Watch   Riley.".into())),
            ("section A flood, hop by hop", Command::Section("A flood, hop by hop".into())),
            ("note Watch the duplicates.", Command::Note("Watch the duplicates.".into())),
            ("ask Who learns kiwi last?", Command::Ask("Who learns kiwi last?".into())),
            ("show Jaquez Bernard", Command::Show(vec!["Jaquez".into(), "Bernard".into()])),
            (
                "highlight Riley-Juzang-Campbell",
                Command::Highlight(vec!["Riley".into(), "Juzang".into(), "Campbell".into()]),
            ),
            ("highlight", Command::Highlight(Vec::new())),
            ("wave", Command::Wave),
            ("reset", Command::Reset),
            (
                "drop Riley Jaquez kiwi",
                Command::Decide {
                    fate: Fate::Drop,
                    from: "Riley".into(),
                    to: "Jaquez".into(),
                    client: Some("kiwi".into()),
                },
            ),
            (
                "dup Riley Juzang",
                Command::Decide { fate: Fate::Duplicate, from: "Riley".into(), to: "Juzang".into(), client: None },
            ),
            ("deliver A B", Command::Decide { fate: Fate::Deliver, from: "A".into(), to: "B".into(), client: None }),
            ("expect converged within 2s", Command::Expect(Expectation::Converged { within: Duration::from_secs(2) })),
            ("expect kiwi reached 4 nodes", Command::Expect(Expectation::Reached { client: "kiwi".into(), nodes: 4 })),
            ("loss Riley Jaquez 20%", Command::Loss("Riley".into(), "Jaquez".into(), 20)),
            ("cut Riley>Jaquez", Command::CutOneWay("Riley".into(), "Jaquez".into())),
            ("heal Riley>Jaquez", Command::HealOneWay("Riley".into(), "Jaquez".into())),
            ("latency A B 100ms±40ms", Command::Latency("A".into(), "B".into(), Delay::parse("100ms±40ms").unwrap())),
            ("latency A B exp:100ms", Command::Latency("A".into(), "B".into(), Delay::parse("exp:100ms").unwrap())),
        ];
        for (text, expected) in cases {
            assert_eq!(Command::parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn wrong_forms_say_the_usage() {
        for (text, start) in [
            ("iamat Riley kiwi", "usage: iamat NODE CLIENT COORDS"),
            ("iamat Riley kiwi +1+1 at yesterday", "usage: iamat NODE CLIENT COORDS [at now-5s]"),
            ("expect Riley has kiwi near +1+1", "usage: expect"),
            ("expect link Riley Jaquez sideways", "usage: expect"),
            ("show A B C", "usage: show NODE [NODE]"),
            ("whatsat A b 1", "usage: whatsat"),
            ("send Bernard", "usage: send"),
            ("kill", "usage: kill NODE"),
            ("cut Riley", "usage: cut NODE NODE"),
            ("cut Riley>", "usage: cut NODE NODE, or cut NODE>NODE"),
            ("latency A B soon", "\"soon\" is not a duration"),
            ("latency A B 99999h", "a latency of 11years"),
            ("slow 2min", "slow motion of 2m is too long: at most 1m"),
            ("wait 1h", "a wait of 1h is too long: at most 10m"),
            ("step 0", "usage: step [N]"),
            ("step x y", "usage: step [N]"),
            ("live now", "usage: live"),
            ("wait", "usage: wait DURATION"),
            ("expect A sees kiwi", "usage: expect NODE knows CLIENT"),
            ("drop Riley", "usage: drop NODE NODE [CLIENT]"),
            ("expect converged within soon", "\"soon\" is not a duration"),
            ("loss A B 120%", "usage: loss NODE NODE PERCENT"),
            ("loss A B 20", "usage: loss NODE NODE PERCENT"),
            ("latency A B 1s±2h", "a latency's spread of 2h"),
            ("expect kiwi reached four nodes", "usage: expect"),
            ("dup A B kiwi extra", "usage: dup NODE NODE [CLIENT]"),
            ("deliver", "usage: deliver NODE NODE [CLIENT]"),
        ] {
            let error = Command::parse(text).unwrap_err().to_string();
            assert!(error.starts_with(start), "{text}: {error}");
        }
    }

    #[test]
    fn examples_name_the_running_herds_nodes() {
        let error = Command::parse("cut n01").unwrap_err();
        assert_eq!(error.explain("n01", "n02"), "usage: cut NODE NODE, or cut NODE>NODE (one way) (e.g. cut n01 n02)");
        let error = Command::parse("iamat n01").unwrap_err();
        assert!(error.explain("n01", "n02").ends_with("(e.g. iamat n01 kiwi +34.068930-118.445127)"));
    }
}
