//! The forms of the commands: the verbs, the usage each error names, an example with the herd's
//! own names, the nearest verb to a typo, and the bounds of what a script may ask.

use std::sync::LazyLock;
use std::time::Duration;

use herdctl_core::network::Fate;

/// The verbs, for error messages.
pub const VERBS: &str = "iamat, whatsat, send, kill, revive, cut, heal, latency, loss, step, wave, deliver, drop, \
                         dup, slow, live, reset, wait, at, every, calm, strategy, shape, replay, seek, back, forward, expect, section, say, \
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
            Self::Show => "show NODE [NODE [CLIENT]] (two caches side by side; with CLIENT, each at its row)",
            Self::Highlight => {
                "highlight NODE-NODE-... (a path), or highlight tree NODE (its breadth-first spanning tree)"
            }
            Self::Track => "track [CLIENT] (the version badges follow CLIENT; alone: the last update's client)",
            Self::Replay => "replay FILE (a recording, beside the script; the script's first line)",
            Self::Strategy => {
                // Written from the strategies' own forms, so that it lists every one.
                static FORM: LazyLock<String> = LazyLock::new(|| {
                    format!("strategy {} (how nodes pass new records on)", herdctl_core::strategy::usage())
                });
                &FORM
            }
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
            Self::Show => format!("show {a} {b} kiwi"),
            Self::Highlight => format!("highlight tree {a}"),
            Self::Track => "track kiwi".into(),
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

pub(super) fn duration(text: &str) -> Result<Duration, CommandError> {
    humantime::parse_duration(text).map_err(|_| CommandError::NotADuration(text.into()))
}

pub(super) fn at_most(what: &'static str, given: Duration, most: Duration) -> Result<Duration, CommandError> {
    if given <= most { Ok(given) } else { Err(CommandError::TooLong { what, given, most }) }
}
