//! A walkthrough through a recorded session: a script whose first line is `replay FILE`, whose
//! steps move through the recording (`seek`, `back`, `forward`, `back to fault`) and check the
//! herd as it was (`expect`), while it tells the story (`say`, `section`). Nothing is run: what
//! happened cannot change, so the verbs that would change it are refused.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Report, Script, Step};
use crate::command::{Command, Travel};
use crate::expectation::check_now;
use crate::outcome::Outcome;
use crate::replay::{Timeline, describe_event};

/// The recording a replay walkthrough names, beside the script; `None` for a walkthrough of a
/// live herd.
pub fn recording_of(script: &Script) -> Option<PathBuf> {
    let Command::Replay(file) = &script.steps.first()?.command else { return None };
    let beside = Path::new(&script.name).parent().unwrap_or(Path::new("."));
    Some(beside.join(file))
}

/// Where a move through `timeline` goes from the moment after `count` events.
pub fn travel(timeline: &Timeline, count: usize, travel: Travel) -> Result<usize, String> {
    Ok(match travel {
        Travel::Seek(Some(offset)) => {
            let length = timeline.recording().duration();
            if offset > length {
                return Err(format!("the recording lasts {:.3}s", length.as_secs_f64()));
            }
            timeline.count_at(offset)
        }
        Travel::Seek(None) => timeline.len(),
        Travel::Back(n) => count.checked_sub(n).ok_or("that is before the recording's start")?,
        Travel::Forward(n) => {
            Some(count + n).filter(|c| *c <= timeline.len()).ok_or("that is past the recording's end")?
        }
        Travel::BackTo(landmark) => timeline
            .landmark(landmark, count, false)
            .ok_or_else(|| format!("no {} before this moment", landmark.word()))?,
        Travel::ForwardTo(landmark) => timeline
            .landmark(landmark, count, true)
            .ok_or_else(|| format!("no {} after this moment", landmark.word()))?,
    })
}

/// What one step of a replay walkthrough comes to, at the moment after `count` events (moved by
/// the step, if it moves).
pub fn play_step(timeline: &Timeline, count: &mut usize, step: &Step, first: bool) -> Outcome {
    match &step.command {
        Command::Replay(file) if first => Outcome::Done(format!("replaying {file}")),
        Command::Replay(_) => Outcome::Refused("replay FILE is a walkthrough's first line, and only that".into()),
        Command::Travel(to) => match travel(timeline, *count, *to) {
            Ok(moved) => {
                *count = moved;
                Outcome::Done(where_now(timeline, moved))
            }
            Err(why) => Outcome::Refused(why),
        },
        Command::Expect(expectation) => check_now(&timeline.world_after(*count), expectation, None),
        Command::Section(title) => Outcome::Section(title.clone()),
        Command::Say(text) => Outcome::Said(text.clone()),
        Command::Ask(text) => Outcome::Asked(text.clone()),
        Command::Note(text) => Outcome::Noted(text.clone()),
        Command::Show { nodes, client } => Outcome::Show { nodes: nodes.clone(), client: client.clone() },
        Command::Highlight(path) => Outcome::path(path),
        Command::HighlightTree(root) => Outcome::tree(&timeline.recording().topology, root),
        Command::Track(client) => Outcome::Track(client.clone()),
        // What would change the herd, or send it anything: what happened cannot change.
        Command::Iamat { .. }
        | Command::Whatsat { .. }
        | Command::WhatsatAll { .. }
        | Command::Send { .. }
        | Command::Raw(_)
        | Command::Kill(_)
        | Command::Revive(_)
        | Command::Cut(..)
        | Command::Heal(..)
        | Command::CutOneWay(..)
        | Command::HealOneWay(..)
        | Command::Latency(..)
        | Command::Loss(..)
        | Command::Strategy(_)
        | Command::Reset => {
            Outcome::Refused("a replay shows what happened and cannot change it (go live from a moment to act)".into())
        }
        Command::Step(_) | Command::Slow(_) | Command::Live | Command::Wave | Command::Decide { .. } => {
            Outcome::Refused(
                "a replay moves through time with seek, back and forward; step, wave and live hold a running herd's \
             messages"
                    .into(),
            )
        }
        Command::Wait(_) | Command::At { .. } | Command::Every { .. } | Command::Calm => Outcome::Refused(
            "nothing runs in a replay: move to a moment with seek, back or forward instead of waiting for it".into(),
        ),
        Command::Shape(..) => {
            Outcome::Refused("a replay's herd is the recording's: shape starts a running herd".into())
        }
    }
}

/// The moment after `count` events, in words.
pub fn where_now(timeline: &Timeline, count: usize) -> String {
    let recording = timeline.recording();
    let Some(event) = count.checked_sub(1).and_then(|i| recording.events.get(i)) else {
        return format!("at the start (0 of {} events)", timeline.len());
    };
    format!(
        "at {:.3}s, after {count} of {} events: {}",
        recording.offset(event).as_secs_f64(),
        timeline.len(),
        describe_event(event)
    )
}

/// Plays a replay walkthrough without a terminal, writing what happens to `out`.
pub fn play_headless(timeline: &Timeline, script: &Script, out: &mut impl Write) -> Report {
    let mut report = Report::default();
    let mut count = 0;
    let _ = writeln!(out, "playing {}", script.name);
    for (i, step) in script.steps.iter().enumerate() {
        let outcome = play_step(timeline, &mut count, step, i == 0);
        report.count(&script.name, step, &outcome);
        super::headless::print_outcome(out, step, &outcome, |nodes, client| listing(timeline, count, nodes, client));
    }
    let _ = writeln!(out, "{}", report.summary());
    for failure in &report.failures {
        let _ = writeln!(out, "FAILED {failure}");
    }
    report
}

/// What `show` prints: each node's clients at the moment.
fn listing(timeline: &Timeline, count: usize, nodes: &[String], client: Option<&str>) -> String {
    let world = timeline.world_after(count);
    super::headless::listing(&world, nodes, client)
}
