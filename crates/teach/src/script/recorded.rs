//! A walkthrough through a recorded session: a script whose first line is `replay FILE`, whose
//! steps move through the recording (`seek`, `back`, `forward`, `back to fault`) and check the
//! herd as it was (`expect`), while it tells the story (`say`, `section`). Nothing is run: what
//! happened cannot change, so the verbs that would change it are refused.

use std::io::Write;
use std::path::PathBuf;

use super::{Report, Script, Step};
use crate::command::{Command, Travel};
use crate::expectation::check_now;
use crate::outcome::Outcome;
use crate::replay::{Timeline, describe_event};

/// The recording a replay walkthrough names, beside the script; `None` for a walkthrough of a
/// live herd.
pub fn recording_of(script: &Script) -> Option<PathBuf> {
    let Command::Replay(file) = &script.steps.get(script.herd_line()?)?.command else { return None };
    Some(super::beside(&script.name, file))
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
/// the step, if it moves); `herd_line` says the step is the `replay FILE` its part starts with.
pub fn play_step(timeline: &Timeline, count: &mut usize, step: &Step, herd_line: bool) -> Outcome {
    if let Some(why) = refusal(&step.command, herd_line) {
        return Outcome::Refused(why);
    }
    match &step.command {
        Command::Replay(file) => Outcome::Done(format!("replaying {file}")),
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
        other => Outcome::Refused(format!("{other:?} has no meaning in a replay")),
    }
}

/// Why a replay walkthrough cannot carry `command` out, if it cannot: what would change the
/// herd, hold its messages or wait. The script check asks it of every step before anything
/// runs; `herd_line` says the step is the `replay FILE` its part starts with.
pub fn refusal(command: &Command, herd_line: bool) -> Option<String> {
    Some(match command {
        Command::Replay(_) if herd_line => return None,
        Command::Replay(_) | Command::Shape(..) | Command::Topology(_) => {
            "replay, shape and topology choose the herd at a script's or a section's first line, and only there".into()
        }
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
        | Command::Reset => "a replay shows what happened and cannot change it (go live from a moment to act)".into(),
        Command::Step(_) | Command::Slow(_) | Command::Live | Command::Wave | Command::Decide { .. } => {
            "a replay moves through time with seek, back and forward; step, wave and live hold a running herd's \
             messages"
                .into()
        }
        Command::Wait(_) | Command::At { .. } | Command::Every { .. } | Command::Calm => {
            "nothing runs in a replay: move to a moment with seek, back or forward instead of waiting for it".into()
        }
        Command::Travel(_)
        | Command::Expect(_)
        | Command::Section(_)
        | Command::Say(_)
        | Command::Ask(_)
        | Command::Note(_)
        | Command::Show { .. }
        | Command::Highlight(_)
        | Command::HighlightTree(_)
        | Command::Track(_) => return None,
    })
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
    let herd_line = script.herd_line();
    for (i, step) in script.steps.iter().enumerate() {
        let outcome = play_step(timeline, &mut count, step, herd_line == Some(i));
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
