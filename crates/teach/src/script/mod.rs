//! Walkthrough scripts: plain text, one command a line (the console's command forms), `#` for
//! comments, and the story's own verbs (sections, captions, notes, questions). Parsed and checked
//! against the topology before anything runs, so that a typo is found at once, with its line.
//! A `Player` carries the steps out on a running herd, for the console and headless alike;
//! `recorded` plays a walkthrough through a recording; `scenario` splits scripts into parts, a
//! herd each, and checks them all.

mod headless;
mod player;
pub mod recorded;
pub mod scenario;

use std::path::Path;

use crate::command::{Command, VERBS};
use crate::outcome::Outcome;
use herdctl_core::topology::Topology;

pub use headless::play_headless;
pub use player::Player;
pub use scenario::{Ground, Part, Scenario, Stage};

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
        let text = herdctl_core::capped::read_to_string(path, herdctl_core::capped::FileKind::Script)
            .map_err(|error| ScriptError::Read(name.clone(), error))?;
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

    /// The herd the script asks for at its start (`shape grid 16`), if it does.
    pub fn shape(&self) -> Option<(herdctl_core::shape::Shape, usize)> {
        match self.steps.get(self.herd_line()?)?.command {
            Command::Shape(shape, nodes) => Some((shape, nodes)),
            _ => None,
        }
    }

    /// The step that chooses the script's herd (`shape`, `topology`, `replay`), if it has one
    /// where one goes: its first step, or the one after its first `section`.
    pub fn herd_line(&self) -> Option<usize> {
        let at = usize::from(matches!(self.steps.first()?.command, Command::Section(_)));
        self.steps.get(at).is_some_and(|step| step.command.changes_herd()).then_some(at)
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

/// A file a script names (`replay FILE`, `topology FILE`): beside the script.
pub(crate) fn beside(script: &str, file: &str) -> std::path::PathBuf {
    Path::new(script).parent().unwrap_or(Path::new(".")).join(file)
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

    /// Takes in how another part of the same scenario went.
    pub fn add(&mut self, other: Report) {
        self.held += other.held;
        self.failures.extend(other.failures);
    }

    /// One line: how many expectations held and failed.
    pub fn summary(&self) -> String {
        let held =
            if self.held == 1 { "1 expectation held".to_string() } else { format!("{} expectations held", self.held) };
        format!("{held}, {} failed", self.failures.len())
    }
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
        // The story's new forms name nodes too, and are checked before anything runs.
        assert_eq!(check("show Riley Campbell kiwi\nhighlight tree Campbell\ntrack kiwi\ntrack\n"), Ok(()));
        assert_eq!(
            check("say hi\nshow Riley Campbel kiwi\n").unwrap_err(),
            "demo.herd:2: unknown node \"Campbel\"; the nodes are Riley, Jaquez, Juzang, Campbell, Bernard"
        );
        assert!(check("highlight tree Nobody\n").unwrap_err().starts_with("demo.herd:1: unknown node \"Nobody\""));
    }
}
