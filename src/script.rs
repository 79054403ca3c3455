//! Walkthrough scripts: plain text, one command a line (the console's command forms), `#` for
//! comments. Parsed whole before anything runs, so that a typo is found at once, with its line.

use std::io::Write;
use std::path::Path;

use crate::command::{Command, VERBS};
use crate::herd::Herd;
use crate::operator::{Outcome, execute};

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

impl Script {
    pub fn load(path: &Path) -> Result<Self, ScriptError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| ScriptError::Read(name.clone(), error))?;
        Self::parse(&text, &name)
    }

    pub fn parse(text: &str, name: &str) -> Result<Self, ScriptError> {
        let mut steps = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let problem = |problem: String| ScriptError::Line { name: name.to_string(), line: index + 1, problem };
            let command = Command::parse(trimmed).map_err(|error| problem(error.to_string()))?;
            if let Command::Raw(_) = command {
                let verb = trimmed.split_whitespace().next().unwrap_or_default();
                return Err(problem(format!("unknown verb {verb:?} (the verbs: {VERBS}; raw lines go with send)")));
            }
            steps.push(Step { line: index + 1, text: trimmed.to_string(), command });
        }
        Ok(Self { name: name.to_string(), steps })
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

/// Plays a script without a terminal, writing what happens to `out`.
pub async fn play_headless(herd: &Herd, script: &Script, out: &mut impl Write) -> Report {
    let mut report = Report::default();
    let first = herd.topology().names().first().map(|n| n.to_string()).unwrap_or_default();
    let _ = writeln!(out, "playing {}", script.name);
    if !herd.wait_linked(SETTLE).await {
        let _ = writeln!(out, "(not every link came up within {} s; playing anyway)", SETTLE.as_secs());
    }
    for step in &script.steps {
        let outcome = execute(herd, &step.command, &first).await;
        report.count(&script.name, step, &outcome);
        let line = step.line;
        let _ = match &outcome {
            Outcome::Said(text) => writeln!(out, "{line:>4} │ » {text}"),
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
    fn errors_name_the_file_and_line() {
        let error = Script::parse("say hi\nfrobnicate Riley\n", "demo.herd").unwrap_err();
        assert!(error.to_string().starts_with("demo.herd:2: unknown verb \"frobnicate\""), "{error}");
        let error = Script::parse("\n\nwait soon\n", "demo.herd").unwrap_err();
        assert_eq!(error.to_string(), "demo.herd:3: \"soon\" is not a duration (write 500ms, 2s, 1.5s)");
        assert!(Script::parse("IAMAT kiwi +1+1 5", "x").is_err(), "raw lines need send");
    }
}
