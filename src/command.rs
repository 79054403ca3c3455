//! The operator's commands, as typed in the console's command line and written in walkthrough
//! scripts: short forms that spare a demo user the 19-digit timestamp, raw protocol lines, and
//! the classroom's controls (kill, revive, cut, heal, latency, step, live, wait, expect, say).
//! Pure: parsing, and turning a command into the line a client would send.

use std::time::Duration;

use crate::protocol::Timestamp;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `iamat NODE CLIENT COORDS`: an IAMAT stamped with the current time.
    Iamat {
        node: String,
        client: String,
        coords: String,
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
    Latency(String, String, Duration),
    /// `step`: hold every transmission; `step N`: release the next N held ones.
    Step(Option<usize>),
    /// `slow DURATION`: every hop takes that long.
    Slow(Duration),
    /// `live`: release everything, no holds, no slow motion.
    Live,
    Wait(Duration),
    /// `expect NODE knows CLIENT` / `expect NODE lacks CLIENT`.
    Expect {
        node: String,
        client: String,
        knows: bool,
    },
    /// `say TEXT`: a caption for the class.
    Say(String),
    /// Anything else: a raw protocol line for the selected node (refused in scripts).
    Raw(String),
}

/// The verbs, for error messages.
pub const VERBS: &str = "iamat, whatsat, send, kill, revive, cut, heal, latency, step, slow, live, wait, expect, say";

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
    Step,
    Slow,
    Live,
    Wait,
    Expect,
}

impl Verb {
    pub fn form(self) -> &'static str {
        match self {
            Self::Iamat => "iamat NODE CLIENT COORDS",
            Self::Whatsat => "whatsat NODE CLIENT RADIUS_KM BOUND",
            Self::Send => "send NODE LINE",
            Self::Kill => "kill NODE",
            Self::Revive => "revive NODE",
            Self::Cut => "cut NODE NODE",
            Self::Heal => "heal NODE NODE",
            Self::Latency => "latency NODE NODE DURATION (0s removes it)",
            Self::Step => "step [N] (N: how many held messages to release, 1 or more)",
            Self::Slow => "slow DURATION",
            Self::Live => "live",
            Self::Wait => "wait DURATION",
            Self::Expect => "expect NODE knows CLIENT, or expect NODE lacks CLIENT",
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
            Self::Step => "step 2".into(),
            Self::Slow => "slow 1s".into(),
            Self::Live => "live".into(),
            Self::Wait => "wait 500ms".into(),
            Self::Expect => format!("expect {b} knows kiwi"),
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
        let verb = words.first().copied().unwrap_or_default();
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
                with(4, Verb::Iamat)?;
                Self::Iamat { node: words[1].into(), client: words[2].into(), coords: words[3].into() }
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
                Self::Latency(words[1].into(), words[2].into(), at_most("a latency", duration(words[3])?, MAX_DELAY)?)
            }
            "step" => match words.len() {
                1 => Self::Step(None),
                2 => Self::Step(Some(words[1].parse().ok().filter(|n| *n > 0).ok_or(CommandError::Usage(Verb::Step))?)),
                _ => return Err(CommandError::Usage(Verb::Step)),
            },
            "slow" => {
                with(2, Verb::Slow)?;
                Self::Slow(at_most("slow motion", duration(words[1])?, MAX_DELAY)?)
            }
            "live" => {
                with(1, Verb::Live)?;
                Self::Live
            }
            "wait" => {
                with(2, Verb::Wait)?;
                Self::Wait(at_most("a wait", duration(words[1])?, MAX_WAIT)?)
            }
            "expect" => {
                with(4, Verb::Expect)?;
                let knows = match words[2] {
                    "knows" => true,
                    "lacks" => false,
                    _ => return Err(CommandError::Usage(Verb::Expect)),
                };
                Self::Expect { node: words[1].into(), client: words[3].into(), knows }
            }
            "say" => Self::Say(rest(1)),
            _ => Self::Raw(text.into()),
        })
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
            Self::Iamat { client, coords, .. } => Some(format!("IAMAT {client} {coords} {now}")),
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
                Command::Latency("Riley".into(), "Jaquez".into(), Duration::from_millis(500)),
            ),
            ("step", Command::Step(None)),
            ("step 3", Command::Step(Some(3))),
            ("slow 1.5s", Command::Slow(Duration::from_millis(1500))),
            ("live", Command::Live),
            ("wait 2s", Command::Wait(Duration::from_secs(2))),
            (
                "expect Campbell knows kiwi",
                Command::Expect { node: "Campbell".into(), client: "kiwi".into(), knows: true },
            ),
            (
                "expect Campbell lacks kiwi",
                Command::Expect { node: "Campbell".into(), client: "kiwi".into(), knows: false },
            ),
            ("say  Watch   Riley. ", Command::Say("Watch   Riley.".into())),
        ];
        for (text, expected) in cases {
            assert_eq!(Command::parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn wrong_forms_say_the_usage() {
        for (text, start) in [
            ("iamat Riley kiwi", "usage: iamat NODE CLIENT COORDS"),
            ("whatsat A b 1", "usage: whatsat"),
            ("send Bernard", "usage: send"),
            ("kill", "usage: kill NODE"),
            ("cut Riley", "usage: cut NODE NODE"),
            ("latency A B soon", "\"soon\" is not a duration"),
            ("latency A B 99999h", "a latency of 11years"),
            ("slow 2min", "slow motion of 2m is too long: at most 1m"),
            ("wait 1h", "a wait of 1h is too long: at most 10m"),
            ("step 0", "usage: step [N]"),
            ("step x y", "usage: step [N]"),
            ("live now", "usage: live"),
            ("wait", "usage: wait DURATION"),
            ("expect A sees kiwi", "usage: expect NODE knows CLIENT"),
        ] {
            let error = Command::parse(text).unwrap_err().to_string();
            assert!(error.starts_with(start), "{text}: {error}");
        }
    }

    #[test]
    fn examples_name_the_running_herds_nodes() {
        let error = Command::parse("cut n01").unwrap_err();
        assert_eq!(error.explain("n01", "n02"), "usage: cut NODE NODE (e.g. cut n01 n02)");
        let error = Command::parse("iamat n01").unwrap_err();
        assert!(error.explain("n01", "n02").ends_with("(e.g. iamat n01 kiwi +34.068930-118.445127)"));
    }
}
