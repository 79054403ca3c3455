//! The sections of a walkthrough through a recording (`replay FILE` as its first line). Nothing
//! ran while it played: its steps moved through the recording. So a section's figure shows the
//! stretch of the recording its steps visited, from the earliest moment they moved to to the
//! latest (a section that moved once: from where it was to where it went), with its captions at
//! the moments they were said.

use super::{Part, shapes_the_herd};
use crate::outcome::Outcome;
use crate::replay::Timeline;
use crate::script::Script;
use crate::script::recorded::play_step;
use crate::trace::{Kind, Row};

/// A section as the walkthrough played it: its title, where it started, the moments its steps
/// moved to, and what it said where.
struct Walked {
    title: String,
    entered: usize,
    landed: Vec<usize>,
    said: Vec<(usize, String)>,
}

impl Walked {
    /// The moments it spans, as counts of events: the moment after `lo` events to the one after
    /// `hi`.
    fn stretch(&self) -> (usize, usize) {
        let (lo, hi) = self.landed.iter().fold((usize::MAX, 0), |(lo, hi), &c| (lo.min(c), hi.max(c)));
        match self.landed.len() {
            0 => (self.entered, self.entered),
            _ if lo < hi => (lo, hi),
            _ => (self.entered.min(lo), self.entered.max(lo)),
        }
    }
}

/// Plays `script`'s steps through `timeline` (as `recorded::play_headless` does, without a word
/// printed) and notes each section's moves and captions. What comes before the first section is
/// a section of its own only when there is no section at all.
fn walk(timeline: &Timeline, script: &Script) -> Vec<Walked> {
    let mut walked: Vec<Walked> = Vec::new();
    let sections = script.steps.iter().any(|step| matches!(step.command, crate::command::Command::Section(_)));
    let mut count = 0;
    for (i, step) in script.steps.iter().enumerate() {
        let before = count;
        let outcome = play_step(timeline, &mut count, step, i == 0);
        if let Outcome::Section(title) = &outcome {
            walked.push(Walked { title: title.clone(), entered: count, landed: Vec::new(), said: Vec::new() });
            continue;
        }
        if walked.is_empty() && !sections && !matches!(outcome, Outcome::Done(_) if i == 0) {
            walked.push(Walked {
                title: "The walkthrough".into(),
                entered: before,
                landed: Vec::new(),
                said: Vec::new(),
            });
        }
        let Some(section) = walked.last_mut() else { continue };
        match outcome {
            Outcome::Said(text) => section.said.push((count, text)),
            Outcome::Asked(text) => section.said.push((count, format!("Predict: {text}"))),
            Outcome::Done(_) if matches!(step.command, crate::command::Command::Travel(_)) => {
                section.landed.push(count)
            }
            _ => {}
        }
    }
    walked
}

/// The walkthrough's sections, each with the recording's events in its stretch.
pub fn parts(timeline: &Timeline, script: &Script) -> Vec<Part> {
    let recording = timeline.recording();
    // The recording as a handout draws it: up to the herd's shutdown, without the recorded
    // session's own story (this walkthrough tells its own) or checks.
    let end = recording
        .events
        .iter()
        .position(|event| matches!(event.kind, herdctl_core::EventKind::ShuttingDown))
        .unwrap_or(recording.events.len());
    // Nor its start-up: the seed said and the nodes coming up before anything else happened.
    let mut starting = true;
    let rows: Vec<(usize, Row)> = recording.events[..end]
        .iter()
        .enumerate()
        .filter_map(|(i, event)| Some((i, Row::of(event)?)))
        .filter(|(_, row)| !matches!(row.kind, Kind::Caption | Kind::Section | Kind::Expectation))
        .filter(|(_, row)| {
            starting &= matches!(row.fault, Some("seed" | "node_up" | "link_up"));
            !starting
        })
        .collect();
    let time_of = |count: usize| {
        count.checked_sub(1).and_then(|i| recording.events.get(i)).map_or(recording.started, |event| event.at)
    };
    walk(timeline, script)
        .into_iter()
        .map(|walked| {
            let (lo, hi) = walked.stretch();
            let (lo, hi) = (lo.min(end), hi.min(end));
            // The moment after `lo` events is that of the event `lo - 1`: it is in the figure.
            let first = lo.saturating_sub(1);
            let mut part_rows: Vec<Row> = Vec::new();
            let mut said = walked.said.iter().map(|(at, text)| ((*at).clamp(lo, hi), text)).collect::<Vec<_>>();
            said.sort_by_key(|(at, _)| *at);
            let mut said = said.into_iter().peekable();
            for (i, row) in rows.iter().filter(|(i, _)| (first..hi).contains(i)) {
                // A caption said at the moment after `at` events goes after the event `at - 1`.
                while let Some((at, text)) = said.next_if(|(at, _)| *at <= *i) {
                    part_rows.push(caption(text, time_of(at)));
                }
                part_rows.push(row.clone());
            }
            part_rows.extend(said.map(|(at, text)| caption(text, time_of(at))));
            let before =
                rows.iter().filter(|(i, r)| *i < first && shapes_the_herd(r)).map(|(_, r)| r.clone()).collect();
            let start = part_rows.first().map_or(time_of(lo), |row| row.at);
            Part { title: walked.title, start, rows: part_rows, before }
        })
        .collect()
}

/// A caption of the walkthrough, told at `at` in the recording's time.
fn caption(text: &str, at: std::time::SystemTime) -> Row {
    Row {
        at,
        node: herdctl_core::topology::HERD.into(),
        kind: Kind::Caption,
        peer: None,
        text: text.to_string(),
        record: None,
        hops: None,
        arrival: None,
        catch_up: None,
        fault: None,
        addr: None,
        value: None,
    }
}
