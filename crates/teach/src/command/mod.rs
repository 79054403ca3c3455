//! The operator's commands, as typed in the console's command line and written in walkthrough
//! scripts: short forms that spare a demo user the 19-digit timestamp, raw protocol lines, the
//! classroom's controls (kill, revive, cut, heal, latency, step, wave, live, reset, wait, expect)
//! and the story a walkthrough tells (section, say, note, ask, show, highlight, track). Pure: the forms,
//! parsing them, and turning a command into the line a client would send.

mod expect;
mod fault;
mod forms;
mod parse;
mod travel;

use std::time::Duration;

use herdctl_core::network::{Delay, Fate};
use herdctl_core::protocol::Timestamp;

pub use expect::{Compare, CostMeasure, Expectation, LinkExpect, RecordField};
pub use fault::{Fault, RANDOM_LINK, RANDOM_NODE};
pub use forms::{CommandError, MAX_DELAY, MAX_WAIT, PROTOCOL_WORDS, Slot, VERBS, Verb, slot, verbs};
pub use travel::{Landmark, Travel, parse_moment};

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
    /// `whatsat all CLIENT RADIUS BOUND`: the same WHATSAT to every server, to see who answers
    /// what.
    WhatsatAll {
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
    /// `cut A>B`: A's messages to B are lost; B's to A still arrive.
    CutOneWay(String, String),
    /// `heal A>B`: A's messages to B go again.
    HealOneWay(String, String),
    /// `latency A B DURATION`: extra delay on a link, maybe spread (`100ms±40ms`, `exp:100ms`;
    /// `0s` removes it).
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
    /// `show NODE [NODE]`: the console selects NODE (two: their caches side by side); `show A B
    /// CLIENT`: both caches at CLIENT's row, so that what each side holds of it is seen at once.
    Show {
        nodes: Vec<String>,
        client: Option<String>,
    },
    /// `highlight A-B-C`: a path marked on the graph (an empty path clears it).
    Highlight(Vec<String>),
    /// `highlight tree FROM`: the breadth-first spanning tree from FROM (the one the tree
    /// strategy sends FROM's records along) marked on the graph.
    HighlightTree(String),
    /// `track CLIENT`: the nodes' version badges follow CLIENT; `track` alone: the client of the
    /// last update again.
    Track(Option<String>),
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
    /// `strategy tree`, `strategy batch:500ms`, ...: how nodes pass new records on from now.
    Strategy(herdctl_core::strategy::Strategy),
    /// `shape grid 16`: as a script's or a section's first line, the herd it runs on (a
    /// generated one).
    Shape(herdctl_core::shape::Shape, usize),
    /// `topology FILE`: as a script's or a section's first line, the herd of that topology
    /// (beside the script).
    Topology(String),
    /// `replay FILE`: as a script's or a section's first line, a walkthrough through a recorded
    /// session from there.
    Replay(String),
    /// `seek`, `back`, `forward`: moving through a replayed session.
    Travel(Travel),
    /// A line that starts with a protocol word in its exact case (`IAMAT`, `WHATSAT`, `AT`): sent
    /// as it is to the selected node (refused in scripts, which say `send`).
    Raw(String),
}

impl Command {
    /// Whether `at` may run it later: faults, modes and client commands, not the story's verbs.
    fn can_wait(&self) -> bool {
        !matches!(
            self,
            Self::Expect(_)
                | Self::Section(_)
                | Self::Say(_)
                | Self::Note(_)
                | Self::Ask(_)
                | Self::Show { .. }
                | Self::Highlight(_)
                | Self::HighlightTree(_)
                | Self::Track(_)
                | Self::Wait(_)
                | Self::At { .. }
                | Self::Every { .. }
                | Self::Calm
                | Self::Reset
                | Self::Replay(_)
                | Self::Shape(..)
                | Self::Topology(_)
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
            Self::Show { nodes, .. } | Self::Highlight(nodes) => nodes.iter().map(String::as_str).collect(),
            Self::HighlightTree(root) => vec![root],
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

    /// Whether it chooses the herd a script (or a section) plays on: `shape`, `topology`,
    /// `replay`.
    pub fn changes_herd(&self) -> bool {
        matches!(self, Self::Shape(..) | Self::Topology(_) | Self::Replay(_))
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
            Self::Whatsat { client, radius, bound, .. } | Self::WhatsatAll { client, radius, bound } => {
                Some(format!("WHATSAT {client} {radius} {bound}"))
            }
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
        let all = Command::parse("whatsat ALL kiwi 10 5").unwrap();
        assert_eq!(all, Command::WhatsatAll { client: "kiwi".into(), radius: "10".into(), bound: "5".into() });
        assert_eq!(all.client_line(now).unwrap(), "WHATSAT kiwi 10 5");
        assert_eq!(all.node(), None, "no one node: every server");
        assert!(all.nodes().is_empty(), "all is not a node to check against the topology");
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
        // Every strategy reads as a command, and the usage a wrong one gets names every form.
        let usage = Command::parse("strategy").unwrap_err().to_string();
        for form in herdctl_core::strategy::FORMS {
            let strategy = herdctl_core::strategy::Strategy::parse(form.example).unwrap();
            assert_eq!(Command::parse(&format!("strategy {}", form.example)).unwrap(), Command::Strategy(strategy));
            assert!(usage.contains(form.form), "{usage} lacks {}", form.form);
        }
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
            ("show Jaquez Bernard", Command::Show { nodes: vec!["Jaquez".into(), "Bernard".into()], client: None }),
            ("show Riley", Command::Show { nodes: vec!["Riley".into()], client: None }),
            (
                "show Riley Campbell kiwi",
                Command::Show { nodes: vec!["Riley".into(), "Campbell".into()], client: Some("kiwi".into()) },
            ),
            ("highlight tree Riley", Command::HighlightTree("Riley".into())),
            ("track kiwi", Command::Track(Some("kiwi".into()))),
            ("track", Command::Track(None)),
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
            ("show A B C D", "usage: show NODE [NODE [CLIENT]]"),
            ("highlight tree", "usage: highlight NODE-NODE-..."),
            ("highlight tree A B", "usage: highlight NODE-NODE-..."),
            ("track kiwi lemon", "usage: track [CLIENT]"),
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

    #[test]
    fn a_latency_below_zero_and_delays_of_nothing_are_refused_with_the_reason() {
        let why = |text: &str| Command::parse(text).unwrap_err().to_string();
        assert_eq!(
            why("latency A B 100ms±200ms"),
            "100ms±200ms would need negative delays: at most 100ms±100ms, or exp:100ms"
        );
        assert!(Command::parse("latency A B 100ms±100ms").is_ok(), "as wide as the latency is fine");
        assert!(why("latency A B exp:0ms").starts_with("exp:0ms is no latency"));
        assert!(why("slow 0s").starts_with("slow 0s is no slow motion: live ends it"));
        assert!(Command::parse("every 1s..2s latency random-link 100ms±200ms").is_err());
        assert!(Command::parse("latency A B 0s").is_ok(), "0s removes a latency");
    }

    #[test]
    fn each_word_of_a_form_says_what_it_stands_for() {
        assert_eq!(slot(&[]), Slot::Verb);
        assert_eq!(slot(&["cut"]), Slot::Node);
        assert_eq!(slot(&["cut", "Riley"]), Slot::NeighbourOf(1), "cut Riley is followed by a neighbour of Riley's");
        assert_eq!(slot(&["Latency", "Riley"]), Slot::NeighbourOf(1), "in any case");
        assert_eq!(slot(&["latency", "Riley", "Jaquez"]), Slot::Nothing);
        assert_eq!(slot(&["iamat", "Riley"]), Slot::Client);
        assert_eq!(slot(&["iamat", "Riley", "kiwi"]), Slot::Nothing, "coordinates");
        assert_eq!(slot(&["dup", "Riley", "Jaquez"]), Slot::Client);
        assert_eq!(slot(&["IAMAT"]), Slot::Client, "a raw line's client");
        assert_eq!(slot(&["seek"]), Slot::Words(&["start", "end"]));
        assert_eq!(slot(&["back", "to"]), Slot::Words(&["fault", "flood", "caption"]));
        assert_eq!(slot(&["at", "2s"]), Slot::Verb);
        assert_eq!(slot(&["at", "2s", "cut", "Riley"]), Slot::NeighbourOf(3), "the command inside at: Riley's");
        assert_eq!(slot(&["every", "1s", "kill"]), Slot::NodeOr(&[RANDOM_NODE]));
        assert_eq!(slot(&["track"]), Slot::Client);
        assert_eq!(slot(&["wait"]), Slot::Nothing);
    }
}
