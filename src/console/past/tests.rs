//! Moving through a recording: each move lands on the moment it names, and a moment reached
//! step by step is the moment rebuilt from the start.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use herdctl_teach::command::Landmark;
use herdctl_teach::replay::{Recording, Timeline, describe};
use herdctl_ui::TimeMove;

use super::{Moved, Past};

fn timeline() -> Timeline {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("walkthroughs/recordings/stale-node.jsonl");
    Timeline::new(Arc::new(Recording::load(&path, None).expect("the recorded walkthrough loads")))
}

/// The moment `past` shows, in the words of `replay --headless`.
fn shown(past: &Past) -> String {
    describe(past.world(), Duration::ZERO, Duration::ZERO, (past.count(), past.timeline().len()))
}

/// The same moment built afresh from the recording's start.
fn rebuilt(timeline: &Timeline, count: usize) -> String {
    describe(&timeline.world_after(count), Duration::ZERO, Duration::ZERO, (count, timeline.len()))
}

fn told(moved: Moved) -> Option<String> {
    match moved {
        Moved::Stayed(told) => told,
        Moved::ToNow => Some("to now".into()),
        Moved::GoLive => Some("go live".into()),
    }
}

#[test]
fn steps_and_landmarks_land_on_the_moment_they_name() {
    let reference = timeline();
    let mut past = Past::new(timeline(), 0, "offline", false);
    assert_eq!(told(past.go(TimeMove::Earlier)).as_deref(), Some("this is the recording's start"));
    assert_eq!(past.count(), 0);

    let fault = reference.landmark(Landmark::Fault, 0, true).expect("the walkthrough has a fault");
    assert_eq!(told(past.go(TimeMove::NextFault)), None);
    assert_eq!(past.count(), fault);
    assert_eq!(shown(&past), rebuilt(&reference, fault));

    assert_eq!(told(past.go(TimeMove::Later)), None);
    assert_eq!(past.count(), fault + 1);
    assert_eq!(told(past.go(TimeMove::Earlier)), None);
    assert_eq!(told(past.go(TimeMove::Earlier)), None);
    assert_eq!(past.count(), fault - 1);
    assert_eq!(shown(&past), rebuilt(&reference, fault - 1));

    // A step back after many forward rebuilds from a checkpoint: the same moment either way.
    let last = reference.len();
    past.seek(last);
    past.seek(last - 1);
    assert_eq!(shown(&past), rebuilt(&reference, last - 1));
}

#[test]
fn a_click_on_the_timeline_goes_to_its_moment() {
    let reference = timeline();
    let mut past = Past::new(timeline(), 0, "offline", false);
    let half = reference.recording().duration() / 2;
    past.go(TimeMove::To(half.as_millis() as u64));
    assert_eq!(past.count(), reference.count_at(Duration::from_millis(half.as_millis() as u64)));
    assert!(past.count() > 0 && past.count() < reference.len(), "half way is neither end");
}

#[test]
fn the_end_stops_a_replay_and_returns_a_look_back_to_now() {
    let end = timeline().len();
    let mut replay = Past::new(timeline(), end, "offline", false);
    assert_eq!(told(replay.go(TimeMove::Later)).as_deref(), Some("this is the recording's end"));
    assert_eq!(told(replay.go(TimeMove::GoLive)).as_deref(), Some("go live"));

    let mut looking_back = Past::new(timeline(), end, "offline", true);
    assert_eq!(told(looking_back.go(TimeMove::Later)).as_deref(), Some("to now"));
    assert_eq!(told(looking_back.go(TimeMove::GoLive)).as_deref(), Some("to now"));
}

#[test]
fn speeds_step_through_the_list_and_stop_at_its_ends() {
    let mut past = Past::new(timeline(), 0, "offline", false);
    assert_eq!(told(past.go(TimeMove::Faster)).as_deref(), Some("playing at ×2"));
    for _ in 0..10 {
        past.go(TimeMove::Faster);
    }
    assert_eq!(told(past.go(TimeMove::Faster)).as_deref(), Some("playing at ×10"));
    for _ in 0..10 {
        past.go(TimeMove::Slower);
    }
    assert_eq!(told(past.go(TimeMove::Slower)).as_deref(), Some("playing at ×0.1"));
}

#[test]
fn a_moment_at_an_updates_start_shows_what_the_update_cost_in_the_end() {
    let reference = timeline();
    let start = reference.landmark(Landmark::Flood, 0, true).expect("the recording has an update");
    let state = herdctl_ui::UiState::default();
    // Just after the client's report: nothing sent yet, but the recording knows the whole cost.
    let past = Past::new(timeline(), start, "offline", false);
    let cost = past.view(&state).stats.last_flood.expect("the update");
    assert!(cost.messages > 0 && cost.reachable > 0 && cost.reached == cost.reachable, "{cost:?}");
    assert_eq!(cost.so_far, Some(0), "and how far it got by the moment shown");
    // Once it is over, the figures are the same and nothing is said to be on its way.
    let mut later = Past::new(timeline(), start, "offline", false);
    let over = reference.landmark(Landmark::Flood, start, true).unwrap_or(reference.len()) - 1;
    later.seek(over);
    let done = later.view(&state).stats.last_flood.expect("the update");
    assert_eq!((done.messages, done.reached, done.so_far), (cost.messages, cost.reached, None));
}

#[test]
fn a_recording_with_gaps_marks_its_timeline_incomplete() {
    let state = herdctl_ui::UiState::default();
    let whole = Past::new(timeline(), 0, "offline", false);
    assert!(!whole.view(&state).timeline.expect("a timeline").incomplete);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("walkthroughs/recordings/stale-node.jsonl");
    let mut recording = Recording::load(&path, None).expect("the recorded walkthrough loads");
    // As a trace written after a burst says of itself.
    recording.notes.push("17408 messages were not recorded: they came faster than 5000 a second at a node".into());
    recording.notes.push("3 older events were let go (a node keeps its last 100000)".into());
    assert_eq!(recording.missing(), 17_411);
    let gaps = Past::new(Timeline::new(Arc::new(recording)), 0, "offline", false);
    assert!(gaps.view(&state).timeline.expect("a timeline").incomplete);
    let mut at_update = gaps;
    at_update.seek(reference_update());
    assert!(at_update.view(&state).stats.last_flood.expect("an update").sampled, "its cost is a sample");
}

/// Just after the recording's first update began.
fn reference_update() -> usize {
    timeline().landmark(Landmark::Flood, 0, true).expect("the recording has an update")
}
