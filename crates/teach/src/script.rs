//! Walkthrough scripts: plain text, one command a line (the console's command forms), `#` for
//! comments, and the story's own verbs (sections, captions, notes, questions). Parsed and checked
//! against the topology before anything runs, so that a typo is found at once, with its line.
//! A `Player` carries the steps out, for the console and headless alike.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::accounting::Accounting;
use crate::command::{Command, Compare, CostMeasure, Expectation, VERBS};
use crate::operator::{Outcome, execute};
use crate::schedule::{Schedule, Told};
use herdctl_core::herd::Herd;
use herdctl_core::topology::Topology;

/// How long a walkthrough waits for the herd's links before its first step.
pub const SETTLE: std::time::Duration = std::time::Duration::from_secs(5);

/// One command of a script, with the line it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub line: usize,
    pub text: String,
    pub command: Command,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    pub name: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("cannot read the script {0}: {1}")]
    Read(String, std::io::Error),
    #[error("{name}:{line}: {problem}")]
    Line { name: String, line: usize, problem: String },
}

/// Whether a verb's text may go on over the next lines.
fn continues(command: &str) -> bool {
    matches!(command.split_whitespace().next(), Some("say" | "note" | "ask"))
}

/// Whether a line starts with a verb (an indented command is a command, not caption text).
fn is_command(line: &str) -> bool {
    let verb = line.split_whitespace().next().unwrap_or_default();
    VERBS.split(", ").any(|known| known.trim() == verb)
}

impl Script {
    pub fn load(path: &Path) -> Result<Self, ScriptError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| ScriptError::Read(name.clone(), error))?;
        Self::parse(&text, &name)
    }

    /// Reads a script. The text of `say`, `note` and `ask` may go on over more lines: after a line
    /// ending in `\`, or on the indented lines that follow it (unless one starts with a verb).
    pub fn parse(text: &str, name: &str) -> Result<Self, ScriptError> {
        // First the logical lines (with the line each starts on), then their commands.
        let mut lines: Vec<(usize, String)> = Vec::new();
        let mut open = false;
        for (index, raw) in text.lines().enumerate() {
            let trimmed = raw.trim();
            let indented = raw.starts_with([' ', '\t']);
            let joined =
                open || (indented && !is_command(trimmed) && lines.last().is_some_and(|(_, text)| continues(text)));
            if trimmed.starts_with('#') || (trimmed.is_empty() && !open) {
                open = false;
                continue;
            }
            let (body, more) = match trimmed.strip_suffix('\\') {
                Some(body) => (body.trim_end(), true),
                None => (trimmed, false),
            };
            match lines.last_mut() {
                Some((_, text)) if joined => {
                    if !body.is_empty() {
                        text.push(' ');
                        text.push_str(body);
                    }
                }
                _ => lines.push((index + 1, body.to_string())),
            }
            open = more;
        }
        let mut steps = Vec::new();
        for (line, text) in lines {
            let problem = |problem: String| ScriptError::Line { name: name.to_string(), line, problem };
            let command = Command::parse(&text).map_err(|error| problem(error.to_string()))?;
            if let Command::Raw(_) = command {
                let verb = text.split_whitespace().next().unwrap_or_default();
                return Err(problem(format!(
                    "a raw {verb} line goes with send NODE {verb} … in a script (the verbs: {VERBS})"
                )));
            }
            steps.push(Step { line, text, command });
        }
        Ok(Self { name: name.to_string(), steps })
    }

    /// The herd the script asks for on its first line (`shape grid 16`), if it does.
    pub fn shape(&self) -> Option<(herdctl_core::shape::Shape, usize)> {
        match self.steps.first()?.command {
            Command::Shape(shape, nodes) => Some((shape, nodes)),
            _ => None,
        }
    }

    /// Checks every node and link the script names against `topology`, before anything runs.
    pub fn check(&self, topology: &Topology) -> Result<(), ScriptError> {
        for step in &self.steps {
            let problem = |problem: String| ScriptError::Line { name: self.name.clone(), line: step.line, problem };
            for node in step.command.nodes() {
                if topology.node(node).is_none() {
                    let known: Vec<&str> = topology.names().iter().map(|n| &**n).collect();
                    return Err(problem(format!("unknown node {node:?}; the nodes are {}", known.join(", "))));
                }
            }
            for (a, b) in step.command.links() {
                if !topology.are_neighbours(a, b) {
                    return Err(problem(format!("there is no link between {a} and {b} in this topology")));
                }
            }
        }
        Ok(())
    }
}

/// How a played script went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub held: usize,
    /// Each failure (a broken expectation or a refused command), with its line.
    pub failures: Vec<String>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Counts what came of one step: an expectation held, or a failure (a broken expectation or
    /// a refused command) with its place in the script.
    pub fn count(&mut self, script: &str, step: &Step, outcome: &Outcome) {
        match outcome {
            Outcome::Checked { held: true, .. } => self.held += 1,
            Outcome::Checked { held: false, text } | Outcome::Refused(text) => {
                self.failures.push(format!("{script}:{}: {text}", step.line));
            }
            _ => {}
        }
    }

    /// One line: how many expectations held and failed.
    pub fn summary(&self) -> String {
        let held =
            if self.held == 1 { "1 expectation held".to_string() } else { format!("{} expectations held", self.held) };
        format!("{held}, {} failed", self.failures.len())
    }
}

/// Carries out a script's steps, remembering what each node last replied (for `expect reply`)
/// and what each update cost (for `expect cost`, from the herd's events).
pub struct Player {
    /// Where raw lines go: the topology's first node.
    first: String,
    replies: HashMap<String, String>,
    events: tokio::sync::broadcast::Receiver<std::sync::Arc<herdctl_core::event::HerdEvent>>,
    accounting: Accounting,
    /// Events the accounting missed (a walkthrough far behind a torrent): costs are then unsure.
    missed: u64,
    /// Its `at`s and nemeses, running beside the steps.
    schedule: Schedule,
}

impl Player {
    pub fn new(herd: &Herd) -> Self {
        let first = herd.topology().names().first().map(|n| n.to_string()).unwrap_or_default();
        Self {
            first,
            replies: HashMap::new(),
            events: herd.subscribe(),
            accounting: Accounting::new(herd.topology().clone()),
            missed: 0,
            schedule: Schedule::default(),
        }
    }

    /// Forgets what it remembered and stops what it scheduled (the console's replay starts over).
    pub async fn forget(&mut self) {
        self.schedule.calm().await;
        self.replies.clear();
        self.accounting.clear();
    }

    /// What its scheduled work did since last asked.
    pub fn told(&mut self) -> Vec<Told> {
        self.schedule.told()
    }

    /// The script is over: its nemeses stop (undoing their faults) and its `at`s not yet due are
    /// told as missed.
    pub async fn finish(&mut self) -> Vec<Told> {
        self.schedule.calm().await
    }

    /// Brings the accounting up to date with what the herd did, the live graph included.
    fn account(&mut self, herd: &Herd) {
        self.accounting.set_live(herd.live());
        loop {
            match self.events.try_recv() {
                Ok(event) => self.accounting.apply(&event),
                Err(tokio::sync::broadcast::error::TryRecvError::Lagged(count)) => self.missed += count,
                Err(_) => break,
            }
        }
    }

    /// `expect cost`: waits (at most `EXPECT_WITHIN`) for the update's figure to hold, since its
    /// last messages may still be in flight.
    async fn cost(
        &mut self,
        herd: &Herd,
        client: &str,
        measure: CostMeasure,
        compare: Compare,
        value: usize,
    ) -> Outcome {
        let what = match measure {
            CostMeasure::Messages => "messages",
            CostMeasure::Duplicates => "duplicates",
            CostMeasure::Hops => "hops",
        };
        let deadline = tokio::time::Instant::now() + crate::operator::EXPECT_WITHIN;
        loop {
            self.account(herd);
            let flood = self.accounting.latest_of(client);
            let found = flood.map(|f| match measure {
                CostMeasure::Messages => f.messages,
                CostMeasure::Duplicates => f.duplicates,
                CostMeasure::Hops => f.hops() as usize,
            });
            let held = found.is_some_and(|found| compare.holds(found, value));
            let complete = flood.is_some_and(|f| f.is_complete());
            if held && complete || tokio::time::Instant::now() >= deadline {
                let symbol = compare.symbol();
                let text = match found {
                    _ if held => format!("{client}'s update cost {} {what} ({symbol} {value})", found.unwrap_or(0)),
                    Some(found) => {
                        format!("expected {client}'s update to cost {what} {symbol} {value}, but it cost {found}")
                    }
                    None if self.missed > 0 => {
                        format!("no update of {client} was seen ({} events were missed)", self.missed)
                    }
                    None => format!("expected an update of {client}, but none was seen"),
                };
                return Outcome::Checked { held, text };
            }
            // The event waited for is counted too, not only those after it.
            if let Ok(Ok(event)) = tokio::time::timeout_at(deadline, self.events.recv()).await {
                self.accounting.apply(&event);
            }
        }
    }

    /// Carries out one step. A short-form client command answered with `?` fails (a typo in a
    /// script must not pass unnoticed); `send` may send anything.
    pub async fn play(&mut self, herd: &Arc<Herd>, step: &Step) -> Outcome {
        match &step.command {
            Command::At { after, command } => {
                let what = step.text.clone();
                self.schedule.at(herd.clone(), *after, (**command).clone(), what);
                return Outcome::Done(format!("scheduled: {}", step.text));
            }
            Command::Every { min, max, fault, lasting } => {
                // Each nemesis its own dice, all from the herd's seed: --seed replays them.
                let seed = herd.seed() ^ (step.line as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                self.schedule.every(herd.clone(), (*min, *max), fault.clone(), *lasting, seed, step.text.clone());
                return Outcome::Done(format!("a nemesis starts (seed {}): {}", herd.seed(), step.text));
            }
            Command::Calm => {
                let told = self.schedule.calm().await;
                let undone = told.iter().filter(|t| matches!(t, Told::Did(_))).count();
                return Outcome::Done(format!("calm: every nemesis stopped and undone ({undone} last steps told)"));
            }
            _ => {}
        }
        if let Command::Expect(Expectation::Cost { client, measure, compare, value }) = &step.command {
            let outcome = self.cost(herd, client, *measure, *compare, *value).await;
            crate::operator::note_check(herd, &outcome);
            return outcome;
        }
        if let Command::Expect(Expectation::Reply { node, starts }) = &step.command {
            let held = self.replies.get(node).is_some_and(|reply| reply.starts_with(starts.as_str()));
            let text = match self.replies.get(node) {
                _ if held => format!("{node} replied {starts}…"),
                Some(reply) => format!(
                    "expected {node}'s reply to start with {starts:?}, but it was {:?}",
                    reply.lines().next().unwrap_or_default()
                ),
                None => format!("expected a reply from {node}, but the walkthrough has sent it nothing"),
            };
            let outcome = Outcome::Checked { held, text };
            crate::operator::note_check(herd, &outcome);
            return outcome;
        }
        let outcome = execute(herd, &step.command, &self.first).await;
        if let Outcome::Reply { node, reply, line } = &outcome {
            self.replies.insert(node.clone(), reply.clone());
            let short_form = matches!(step.command, Command::Iamat { .. } | Command::Whatsat { .. });
            if short_form && reply.starts_with("? ") {
                return Outcome::Refused(format!(
                    "{node} did not understand {line:?}: it answered {}",
                    reply.trim_end()
                ));
            }
        }
        outcome
    }
}

/// What a headless walkthrough prints for `show`: each node's clients, a line each.
pub(crate) fn listing(moment: &dyn crate::moment::Moment, nodes: &[String]) -> String {
    let mut out = String::new();
    for node in nodes {
        let entries = moment.cache_page(node, &herdctl_core::cache::PageStart::First, 10);
        let clients: Vec<String> = entries
            .iter()
            .map(|entry| {
                format!("{} at {} from {}", entry.record.client(), entry.record.coords(), entry.record.server())
            })
            .collect();
        let known = if clients.is_empty() { "knows no client".to_string() } else { clients.join(", ") };
        out.push_str(&format!("\n     │   {node}: {known}"));
    }
    out
}

/// Writes what one step came to, as a headless walkthrough tells it; `listing` writes `show`.
pub(crate) fn print_outcome(
    out: &mut impl Write,
    step: &Step,
    outcome: &Outcome,
    listing: impl Fn(&[String]) -> String,
) {
    let line = step.line;
    let _ = match outcome {
        Outcome::Said(text) => writeln!(out, "{line:>4} │ » {text}"),
        Outcome::Asked(text) => writeln!(out, "{line:>4} │ ? {text}"),
        Outcome::Noted(text) => writeln!(out, "{line:>4} │ · {text}"),
        Outcome::Section(title) => writeln!(out, "{line:>4} │ ── {title} ──"),
        Outcome::Show(nodes) => writeln!(out, "{line:>4} │ {}{}", step.text, listing(nodes)),
        Outcome::Highlight(_) => writeln!(out, "{line:>4} │ {}", step.text),
        Outcome::Done(text) => writeln!(out, "{line:>4} │ {}: {text}", step.text),
        Outcome::Reply { reply, .. } => {
            writeln!(out, "{line:>4} │ {}\n     │   {}", step.text, reply.trim_end().replace('\n', "\n     │   "))
        }
        Outcome::Checked { held: true, text } => writeln!(out, "{line:>4} │ ✓ {text}"),
        Outcome::Checked { held: false, text } | Outcome::Refused(text) => {
            writeln!(out, "{line:>4} │ ✗ {}: {text}", step.text)
        }
    };
}

/// Writes what scheduled work did: each line under the step it ran beside; a missed `at` fails.
fn tell_scheduled(told: Vec<Told>, script: &Script, report: &mut Report, out: &mut impl Write) {
    for told in told {
        let _ = match told {
            Told::Did(text) => writeln!(out, "     ⏱ {text}"),
            Told::Missed(text) => {
                report.failures.push(format!("{}: {text}: its time never came (the script ended first)", script.name));
                writeln!(out, "     ✗ {text}: its time never came (the script ended first; add a wait)")
            }
        };
    }
}

/// Plays a script without a terminal, writing what happens to `out`.
pub async fn play_headless(herd: &Arc<Herd>, script: &Script, out: &mut impl Write) -> Report {
    let mut report = Report::default();
    let mut player = Player::new(herd);
    let _ = writeln!(out, "playing {}", script.name);
    if !herd.wait_linked(SETTLE).await {
        let _ = writeln!(out, "(not every link came up within {} s; playing anyway)", SETTLE.as_secs());
    }
    for step in &script.steps {
        let outcome = player.play(herd, step).await;
        report.count(&script.name, step, &outcome);
        print_outcome(out, step, &outcome, |nodes| listing(herd.as_ref(), nodes));
        tell_scheduled(player.told(), script, &mut report, out);
    }
    tell_scheduled(player.finish().await, script, &mut report, out);
    let _ = writeln!(out, "{}", report.summary());
    for failure in &report.failures {
        let _ = writeln!(out, "FAILED {failure}");
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines_are_skipped_and_lines_are_numbered() {
        let script = Script::parse("# a walkthrough\n\nsay Hello, class.\n  kill Juzang  \n", "demo.herd").unwrap();
        assert_eq!(script.steps.len(), 2);
        assert_eq!((script.steps[0].line, &script.steps[0].command), (3, &Command::Say("Hello, class.".into())));
        assert_eq!((script.steps[1].line, &script.steps[1].command), (4, &Command::Kill("Juzang".into())));
    }

    #[test]
    fn captions_go_on_over_lines() {
        let text = "say Five servers. \\\n  Riley talks to Jaquez\nnote Watch\n    the duplicates.\n    kill Juzang\nask Who\\\nlearns last?\n";
        let script = Script::parse(text, "demo.herd").unwrap();
        let commands: Vec<&Command> = script.steps.iter().map(|s| &s.command).collect();
        assert_eq!(
            commands,
            [
                &Command::Say("Five servers. Riley talks to Jaquez".into()),
                &Command::Note("Watch the duplicates.".into()),
                &Command::Kill("Juzang".into()),
                &Command::Ask("Who learns last?".into()),
            ]
        );
        assert_eq!(script.steps[2].line, 5, "an indented command is a command, on its own line");
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let error = Script::parse("say hi\nfrobnicate Riley\n", "demo.herd").unwrap_err();
        assert!(error.to_string().starts_with("demo.herd:2: unknown command frobnicate"), "{error}");
        let error = Script::parse("kil Riley\n", "demo.herd").unwrap_err();
        assert_eq!(error.to_string(), "demo.herd:1: unknown command kil: did you mean kill?");
        assert!(Script::parse("Kill Riley\n", "demo.herd").is_ok(), "verbs in any case");
        let error = Script::parse("\n\nwait soon\n", "demo.herd").unwrap_err();
        assert_eq!(error.to_string(), "demo.herd:3: \"soon\" is not a duration (write 500ms, 2s, 1.5s)");
        assert!(Script::parse("IAMAT kiwi +1+1 5", "x").is_err(), "raw lines need send");
    }

    #[test]
    fn nodes_and_links_are_checked_against_the_topology_before_anything_runs() {
        let topology = Topology::built_in();
        let check = |text: &str| Script::parse(text, "demo.herd").unwrap().check(&topology).map_err(|e| e.to_string());
        assert_eq!(check("say hi\niamat Riley kiwi +1+1\nhighlight Riley-Juzang-Campbell\n"), Ok(()));
        assert_eq!(
            check("say hi\nkill Rilye\n").unwrap_err(),
            "demo.herd:2: unknown node \"Rilye\"; the nodes are Riley, Jaquez, Juzang, Campbell, Bernard"
        );
        assert_eq!(
            check("cut Riley Campbell\n").unwrap_err(),
            "demo.herd:1: there is no link between Riley and Campbell in this topology"
        );
        assert!(check("highlight Riley-Campbell\n").is_err(), "a path follows links");
        assert!(check("drop Riley Campbell kiwi\n").is_err(), "a held message crosses a link");
        assert_eq!(check("step\ndrop Riley Jaquez kiwi\n"), Ok(()));
        assert!(check("expect Jaquez has kiwi from Nobody\n").is_err(), "a server is a node too");
    }
}
