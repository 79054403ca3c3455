//! The forms of the commands: the verbs, the usage each error names, an example with the herd's
//! own names, the nearest verb to a typo, and the bounds of what a script may ask.

use std::sync::LazyLock;
use std::time::Duration;

use herdctl_core::network::Fate;

/// The verbs, for error messages.
pub const VERBS: &str = "iamat, whatsat, send, kill, revive, cut, heal, latency, loss, step, wave, deliver, drop, \
                         dup, slow, live, reset, wait, at, every, calm, strategy, shape, topology, replay, seek, back, forward, expect, section, say, \
                         note, ask, show, highlight, track";

/// The words a line sent as it is starts with: the protocol's own, in their exact case.
pub const PROTOCOL_WORDS: [&str; 3] = ["IAMAT", "WHATSAT", "AT"];

/// Every verb, one by one (for completion and for "did you mean").
pub fn verbs() -> impl Iterator<Item = &'static str> {
    VERBS.split(", ").map(str::trim)
}

/// The verb `word` was most likely meant to be: one or two letters off, or its start.
pub(super) fn nearest(word: &str) -> Option<&'static str> {
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

/// The longest `latency` or `slow` a link may be given: the engine's one bound for delays.
pub use herdctl_core::network::MAX_DELAY;
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
    /// Well formed, but it asks for what cannot be (a delay below zero) or does nothing: why.
    #[error("{0}")]
    Pointless(String),
}

/// What a word of a command stands for, for completion: the forms' own places.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A verb (the command inside `at 2s ...`).
    Verb,
    Node,
    /// A neighbour of the node named by the word at this index (the verb is 0).
    NeighbourOf(usize),
    Client,
    /// One of these words.
    Words(&'static [&'static str]),
    /// A node, or one of these words.
    NodeOr(&'static [&'static str]),
    /// A number, a duration, a file or free text: nothing to complete.
    Nothing,
    /// More than one kind (an expectation's many forms): nodes, clients, words.
    Any,
}

/// What the word after `before` (the verb first) stands for: `cut Riley` is followed by one of
/// Riley's neighbours, `iamat Riley` by a client, `seek` by `start` or `end`.
pub fn slot(before: &[&str]) -> Slot {
    let Some(first) = before.first() else { return Slot::Verb };
    // A raw line, in the protocol's exact case: its client, then numbers.
    if PROTOCOL_WORDS.contains(first) {
        return if before.len() == 1 && *first != "AT" { Slot::Client } else { Slot::Nothing };
    }
    let verb = first.to_lowercase();
    let link = ["cut", "heal", "latency", "loss", "deliver", "drop", "dup"];
    match (verb.as_str(), before.len()) {
        ("iamat" | "whatsat" | "send" | "kill" | "revive", 1) => Slot::Node,
        (verb, 1) if link.contains(&verb) => Slot::Node,
        (verb, 2) if link.contains(&verb) => Slot::NeighbourOf(1),
        ("iamat" | "whatsat", 2) | ("deliver" | "drop" | "dup", 3) => Slot::Client,
        ("iamat", 4) => Slot::Words(&["at"]),
        ("iamat", 5) => Slot::Words(&["now"]),
        ("send", 2) => Slot::Words(&["IAMAT", "WHATSAT"]),
        ("show", 1 | 2) => Slot::Node,
        ("show", 3) | ("track", 1) => Slot::Client,
        ("highlight", 1) => Slot::NodeOr(&["tree"]),
        ("highlight", 2) if before[1] == "tree" => Slot::Node,
        ("seek", 1) => Slot::Words(&["start", "end"]),
        ("back" | "forward", 1) => Slot::Words(&["to"]),
        ("back" | "forward", 2) if before[1] == "to" => Slot::Words(&["fault", "flood", "caption"]),
        ("at", 2) => Slot::Verb,
        // The command inside: its places, counted in the whole line.
        ("at", n) if n > 2 => match slot(&before[2..]) {
            Slot::NeighbourOf(index) => Slot::NeighbourOf(index + 2),
            inside => inside,
        },
        ("every", 2) => Slot::Words(&["kill", "cut", "loss", "latency"]),
        ("every", 3) if before[2] == "kill" => Slot::NodeOr(&[super::RANDOM_NODE]),
        ("every", 3) => Slot::NodeOr(&[super::RANDOM_LINK]),
        ("every", 4) if before[2] != "kill" && before[3] != super::RANDOM_LINK => Slot::NeighbourOf(3),
        ("expect", _) => Slot::Any,
        _ => Slot::Nothing,
    }
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
    Track,
    At,
    Every,
    Replay,
    Travel,
    Strategy,
    Shape,
    Topology,
}

impl Verb {
    pub fn form(self) -> &'static str {
        match self {
            Self::Iamat => "iamat NODE CLIENT COORDS [at now-5s]",
            Self::Whatsat => "whatsat NODE|all CLIENT RADIUS_KM BOUND (all: every server, who answers what)",
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
            Self::Show => "show NODE [NODE [CLIENT]] (two caches side by side; with CLIENT, each at its row)",
            Self::Highlight => {
                "highlight NODE-NODE-... (a path), or highlight tree NODE (its breadth-first spanning tree)"
            }
            Self::Track => "track [CLIENT] (the version badges follow CLIENT; alone: the last update's client)",
            Self::Replay => "replay FILE (a recording, beside the script; a script's or a section's first line)",
            Self::Strategy => {
                // Written from the strategies' own forms, so that it lists every one.
                static FORM: LazyLock<String> = LazyLock::new(|| {
                    format!("strategy {} (how nodes pass new records on)", herdctl_core::strategy::usage())
                });
                &FORM
            }
            Self::Shape => {
                "shape SHAPE N (a script's or a section's first line: the herd it runs on, e.g. shape grid 16)"
            }
            Self::Topology => "topology FILE (a topology beside the script; a script's or a section's first line)",
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
            Self::Show => format!("show {a} {b} kiwi"),
            Self::Highlight => format!("highlight tree {a}"),
            Self::Track => "track kiwi".into(),
            Self::Replay => "replay session.jsonl".into(),
            Self::Strategy => "strategy tree".into(),
            Self::Shape => "shape grid 16".into(),
            Self::Topology => "topology grid.json".into(),
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

pub(super) fn duration(text: &str) -> Result<Duration, CommandError> {
    humantime::parse_duration(text).map_err(|_| CommandError::NotADuration(text.into()))
}

pub(super) fn at_most(what: &'static str, given: Duration, most: Duration) -> Result<Duration, CommandError> {
    if given <= most { Ok(given) } else { Err(CommandError::TooLong { what, given, most }) }
}
