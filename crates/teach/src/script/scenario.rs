//! A scenario: the scripts of one lecture played in one process, in parts, each on a herd of its
//! own. A part starts with each script, and at each section whose first line chooses another herd
//! (`shape`, `topology FILE`, `replay FILE`). All of it is checked (every file, every part against
//! the herd it will have) before the first line runs. Played headless here; the console crosses
//! between parts with `[` and `]`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use herdctl_core::herd::Herd;
use herdctl_core::shape::Shape;
use herdctl_core::topology::Topology;

use super::{Report, Script, ScriptError, beside};
use crate::command::Command;
use crate::replay::{Recording, Timeline};

/// The herd a part plays on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ground {
    /// The one the command line names (`--topology`, `--shape`, or the default herd).
    Given,
    /// `shape SHAPE N`: a generated herd.
    Shape(Shape, usize),
    /// `topology FILE`: the herd of that file, beside the script.
    Topology(PathBuf),
    /// `replay FILE`: nothing runs; the part moves through that recording, beside the script.
    Replay(PathBuf),
}

/// Steps of one script on one herd.
#[derive(Clone, Debug)]
pub struct Part {
    /// Named after its file, so that each error and failure names the file and the line.
    pub script: Script,
    pub ground: Ground,
}

/// A part's herd made ready: the topology to start, or the recording to move through.
#[derive(Clone)]
pub enum Stage {
    Live(Arc<Topology>),
    Recorded(Arc<Recording>),
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub parts: Vec<Part>,
}

impl Scenario {
    /// Reads every script (the first that cannot be read or parsed stops it, naming file and
    /// line) and splits them into parts.
    pub fn load(paths: &[PathBuf]) -> Result<Self, ScriptError> {
        let scripts = paths.iter().map(|path| Script::load(path)).collect::<Result<Vec<_>, _>>()?;
        Self::of(scripts)
    }

    /// Splits scripts into parts; a line that would change the herd in the middle of a section
    /// is refused, with its place.
    pub fn of(scripts: Vec<Script>) -> Result<Self, ScriptError> {
        let mut parts = Vec::new();
        for script in scripts {
            split(script, &mut parts)?;
        }
        Ok(Self { parts })
    }

    /// The command line named the herd (`--topology`, `--shape`): the first part runs on it,
    /// whatever its script's `shape` or `topology` asks (a recording stays a recording).
    pub fn on_given_herd(&mut self) {
        if let Some(first) = self.parts.first_mut().filter(|part| !matches!(part.ground, Ground::Replay(_))) {
            first.ground = Ground::Given;
        }
    }

    /// Makes every part's herd ready and checks each part against it, before anything runs:
    /// every node and link named exists on that part's herd, and a live part does not move
    /// through time nor a replayed one change what happened. `given` is the command line's herd;
    /// `seed` chooses a random shape's links.
    pub fn prepare(&self, given: &Topology, seed: u64) -> Result<Vec<Stage>, ScriptError> {
        self.parts.iter().map(|part| part.prepare(given, seed)).collect()
    }
}

impl Part {
    fn prepare(&self, given: &Topology, seed: u64) -> Result<Stage, ScriptError> {
        let script = &self.script;
        let herd_line = script.herd_line();
        let at = |index: usize, problem: String| ScriptError::Line {
            name: script.name.clone(),
            line: script.steps.get(index).map_or(1, |step| step.line),
            problem,
        };
        let chosen = |problem: String| at(herd_line.unwrap_or_default(), problem);
        let stage = match &self.ground {
            Ground::Given => Stage::Live(Arc::new(given.clone())),
            Ground::Shape(shape, nodes) => {
                Stage::Live(Arc::new(shape.topology(*nodes, seed).map_err(|error| chosen(error.to_string()))?))
            }
            Ground::Topology(path) => {
                Stage::Live(Arc::new(Topology::load(Some(path)).map_err(|error| chosen(error.to_string()))?))
            }
            Ground::Replay(path) => {
                Stage::Recorded(Arc::new(Recording::load(path, None).map_err(|error| chosen(error.to_string()))?))
            }
        };
        match &stage {
            Stage::Live(topology) => {
                script.check(topology)?;
                if let Some(index) = script.steps.iter().position(|step| matches!(step.command, Command::Travel(_))) {
                    return Err(at(
                        index,
                        "seek, back and forward move through a recording, and this part runs a live herd (a \
                         section that starts with replay FILE moves through one)"
                            .into(),
                    ));
                }
            }
            Stage::Recorded(recording) => {
                script.check(&recording.topology)?;
                for (index, step) in script.steps.iter().enumerate() {
                    if let Some(why) = super::recorded::refusal(&step.command, herd_line == Some(index)) {
                        return Err(at(index, format!("{}: {why}", step.text)));
                    }
                }
            }
        }
        Ok(stage)
    }

    /// Where the part starts and what it plays on, in words: `lecture.herd from line 40, on a
    /// grid of 16`.
    pub fn describe(&self) -> String {
        let line = self.script.steps.first().map_or(1, |step| step.line);
        let on = match &self.ground {
            Ground::Given => "on the herd given".to_string(),
            Ground::Shape(shape, nodes) => format!("on a {shape} of {nodes}"),
            Ground::Topology(path) => format!("on {}", path.display()),
            Ground::Replay(path) => format!("through {}", path.display()),
        };
        format!("{} from line {line}, {on}", self.script.name)
    }
}

/// Cuts `script` into parts where a section's first line chooses another herd.
fn split(script: Script, parts: &mut Vec<Part>) -> Result<(), ScriptError> {
    let mut starts = vec![0];
    for (index, step) in script.steps.iter().enumerate() {
        if !step.command.changes_herd() {
            continue;
        }
        let after_section = index > 0 && matches!(script.steps[index - 1].command, Command::Section(_));
        // The script's own herd: its first line, or its first section's.
        if index == 0 || (index == 1 && after_section) {
            continue;
        }
        if !after_section {
            let verb = step.text.split_whitespace().next().unwrap_or_default();
            return Err(ScriptError::Line {
                name: script.name.clone(),
                line: step.line,
                problem: format!(
                    "{verb} chooses the herd at a script's first line or a section's (right after section \
                     TITLE), not in the middle of one"
                ),
            });
        }
        starts.push(index - 1);
    }
    starts.push(script.steps.len());
    for range in starts.windows(2).filter(|range| range[0] < range[1]) {
        let part = Script { name: script.name.clone(), steps: script.steps[range[0]..range[1]].to_vec() };
        let ground = match part.herd_line().map(|index| &part.steps[index].command) {
            Some(Command::Shape(shape, nodes)) => Ground::Shape(*shape, *nodes),
            Some(Command::Topology(file)) => Ground::Topology(beside(&part.name, file)),
            Some(Command::Replay(file)) => Ground::Replay(beside(&part.name, file)),
            _ => Ground::Given,
        };
        parts.push(Part { script: part, ground });
    }
    Ok(())
}

/// Plays every part in turn without a terminal, writing what happens to `out`: a live part on the
/// herd `start` starts from its topology (shut down, its ports freed, before the next part
/// starts), a replayed one through its recording. A herd that cannot start ends the scenario
/// there, as a failure.
pub async fn play_headless<E: std::fmt::Display>(
    parts: &[Part],
    stages: &[Stage],
    mut start: impl AsyncFnMut(Arc<Topology>) -> Result<Arc<Herd>, E>,
    out: &mut impl Write,
) -> Report {
    let mut report = Report::default();
    for (number, (part, stage)) in parts.iter().zip(stages).enumerate() {
        if parts.len() > 1 {
            let _ = writeln!(out, "── part {} of {}: {} ──", number + 1, parts.len(), part.describe());
        }
        let played = match stage {
            Stage::Live(topology) => match start(topology.clone()).await {
                Ok(herd) => {
                    let played = super::play_headless(&herd, &part.script, out).await;
                    herd.shutdown().await;
                    played
                }
                Err(error) => {
                    let failure = format!("{}: its herd could not start: {error}", part.describe());
                    let _ = writeln!(out, "✗ {failure}");
                    report.failures.push(failure);
                    break;
                }
            },
            Stage::Recorded(recording) => {
                super::recorded::play_headless(&Timeline::new(recording.clone()), &part.script, out)
            }
        };
        report.add(played);
    }
    if parts.len() > 1 {
        let _ = writeln!(out, "the whole scenario: {}", report.summary());
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(scripts: &[(&str, &str)]) -> Result<Scenario, String> {
        let scripts = scripts.iter().map(|(name, text)| Script::parse(text, name)).collect::<Result<Vec<_>, _>>();
        Scenario::of(scripts.map_err(|e| e.to_string())?).map_err(|e| e.to_string())
    }

    #[test]
    fn a_section_that_starts_with_a_herd_starts_a_part_of_its_own() {
        let text = "say Five servers.\nsection The grid\nshape grid 16\nsay Sixteen.\nsection Back then\nreplay \
                    then.jsonl\nsay Then.\nsection Topology\ntopology t.json\n";
        let scenario = scenario(&[("walk/a.herd", text)]).unwrap();
        let grounds: Vec<&Ground> = scenario.parts.iter().map(|part| &part.ground).collect();
        assert_eq!(
            grounds,
            [
                &Ground::Given,
                &Ground::Shape(Shape::Grid, 16),
                &Ground::Replay(PathBuf::from("walk/then.jsonl")),
                &Ground::Topology(PathBuf::from("walk/t.json")),
            ]
        );
        let firsts: Vec<usize> = scenario.parts.iter().map(|part| part.script.steps[0].line).collect();
        assert_eq!(firsts, [1, 2, 5, 8], "each part starts with its section");
        assert_eq!(scenario.parts[1].describe(), "walk/a.herd from line 2, on a grid of 16");
        assert_eq!(scenario.parts[1].script.herd_line(), Some(1));
        // A script that starts with its herd is one part.
        let one = self::scenario(&[("b.herd", "section S\nshape ring 4\nsay hi\n")]).unwrap();
        assert_eq!((one.parts.len(), &one.parts[0].ground), (1, &Ground::Shape(Shape::Ring, 4)));
    }

    #[test]
    fn a_herd_changed_in_the_middle_of_a_section_is_refused_with_its_place() {
        let error = scenario(&[("a.herd", "say hi\n"), ("b.herd", "section S\nsay hi\nshape grid 16\n")]).unwrap_err();
        assert_eq!(
            error,
            "b.herd:3: shape chooses the herd at a script's first line or a section's (right after section TITLE), \
             not in the middle of one"
        );
    }

    #[test]
    fn every_part_of_every_file_is_checked_against_its_own_herd_before_anything_runs() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let first = write("a.herd", "say Five.\nkill Juzang\n");
        let second = write("b.herd", "shape grid 4\nkill n04\n");
        // The third file names a node of the five servers in its grid part.
        let third =
            write("c.herd", "say Back to five.\nexpect Riley lacks kiwi\nsection Grid\nshape grid 4\nkill Riley\n");
        let scenario = Scenario::load(&[first.clone(), second.clone(), third]).unwrap();
        assert_eq!(scenario.parts.len(), 4);
        let error = scenario.prepare(&Topology::built_in(), 1).err().unwrap().to_string();
        let named = format!("{}:5: unknown node \"Riley\"", dir.path().join("c.herd").display());
        assert!(error.starts_with(&named), "{error}");

        // A replayed part changes nothing; a live one does not move through time.
        let recorded = write("r.herd", "replay ../no-such.jsonl\n");
        let error = Scenario::load(&[recorded]).unwrap().prepare(&Topology::built_in(), 1).err().unwrap();
        assert!(error.to_string().contains("r.herd:1: cannot read"), "{error}");
        let live = write("l.herd", "say hi\nback 2\n");
        let error = Scenario::load(&[first, live]).unwrap().prepare(&Topology::built_in(), 1).err().unwrap();
        assert!(error.to_string().contains("l.herd:2: seek, back and forward move through a recording"), "{error}");
        assert!(Scenario::load(&[second]).unwrap().prepare(&Topology::built_in(), 1).is_ok());
    }

    #[test]
    fn a_replayed_part_refuses_what_would_change_the_past_before_anything_runs() {
        let walkthroughs = concat!(env!("CARGO_MANIFEST_DIR"), "/../../walkthroughs/x.herd");
        let text = "say Live.\nsection Then\nreplay recordings/stale-node.jsonl\nseek end\nkill Juzang\n";
        let scenario = scenario(&[(walkthroughs, text)]).unwrap();
        let error = scenario.prepare(&Topology::built_in(), 1).err().unwrap().to_string();
        assert!(error.ends_with("x.herd:5: kill Juzang: a replay shows what happened and cannot change it (go live from a moment to act)"), "{error}");
    }
}
