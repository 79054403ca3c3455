//! A recorded moment on screen: a replay of a file, or a live console looking back at what just
//! passed. The world and the flow are rebuilt from the recording at that moment, and drawn by the
//! same code that draws a live herd.

use std::sync::Arc;
use std::time::{Duration, Instant};

use herdctl_core::event::{EventKind, Via};
use herdctl_teach::command::Landmark;
use herdctl_teach::moment::Moment;
use herdctl_teach::replay::{Timeline, World};
use herdctl_ui::intent::TimeMove;
use herdctl_ui::{Feedback, FloodView, HerdView, Mark, MarkKind, TimelineView, UiState};

use super::model::{FORMATTED_PER_FRAME, Model};

/// Playing speeds, in tenths: ×0.1 to ×10.
const SPEEDS: [u32; 8] = [1, 2, 5, 10, 20, 30, 50, 100];
/// A jump forward of up to this many events is applied one by one; a longer one (or any step
/// back) rebuilds the moment from the nearest checkpoint.
const APPLIED_ONE_BY_ONE: usize = FORMATTED_PER_FRAME;

/// The timeline's mark of a landmark.
fn mark_kind(landmark: Landmark) -> MarkKind {
    match landmark {
        Landmark::Fault => MarkKind::Fault,
        Landmark::Flood => MarkKind::Flood,
        Landmark::Story => MarkKind::Story,
    }
}

/// A model for a recording's flow: its herd's strategy unsaid (a trace does not record it).
fn fresh_model(timeline: &Timeline, places_source: &str) -> Model {
    let mut model = Model::new(&timeline.recording().topology, places_source);
    model.set_strategy(String::new());
    model
}

pub struct Past {
    timeline: Timeline,
    /// Events applied: the moment shown is just after the `count`th.
    count: usize,
    world: World,
    model: Model,
    places_source: String,
    playing: bool,
    speed_tenths: u32,
    /// While playing: when play (re)started, and the recording's time then.
    played_from: Option<(Instant, Duration)>,
    /// Each mark with the index of its event.
    marks: Vec<(usize, Mark)>,
    looking_back: bool,
}

/// What a move in time came to, for the console to act on.
pub enum Moved {
    /// The moment shown changed (or not), with something to tell the operator, maybe.
    Stayed(Option<String>),
    /// Looking back moved past the newest event: back to now.
    ToNow,
    /// Go live from the moment shown.
    GoLive,
}

impl Past {
    /// The recording at the moment just after its `count`th event.
    pub fn new(timeline: Timeline, count: usize, places_source: &str, looking_back: bool) -> Self {
        let recording = timeline.recording().clone();
        let marks = recording
            .events
            .iter()
            .enumerate()
            .filter_map(|(i, event)| {
                let at_ms = recording.offset(event).as_millis() as u64;
                Landmark::of(event).map(|landmark| (i, Mark { at_ms, kind: mark_kind(landmark) }))
            })
            .collect();
        let world = timeline.world_after(0);
        let model = fresh_model(&timeline, places_source);
        let mut past = Self {
            timeline,
            count: 0,
            world,
            model,
            places_source: places_source.to_string(),
            playing: false,
            speed_tenths: 10,
            played_from: None,
            marks,
            looking_back,
        };
        past.seek(count);
        past
    }

    /// Events applied: the moment shown is just after the `count`th.
    pub fn count(&self) -> usize {
        self.count
    }

    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    pub fn playing(&self) -> bool {
        self.playing
    }

    /// The world at the moment shown.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The recording's time of the moment shown.
    fn moment(&self) -> Duration {
        let recording = self.timeline.recording();
        match self.count.checked_sub(1).and_then(|i| recording.events.get(i)) {
            Some(event) => recording.offset(event),
            None => Duration::ZERO,
        }
    }

    /// Shows the moment just after the `count`th event.
    pub fn seek(&mut self, count: usize) {
        let count = count.min(self.timeline.len());
        if count < self.count || count - self.count > APPLIED_ONE_BY_ONE {
            // From the moment a screenful of events before, so that the flow and the last
            // update's accounting are rebuilt with the world as it was when each event happened.
            let from = count.saturating_sub(APPLIED_ONE_BY_ONE);
            self.world = self.timeline.world_after(from);
            self.model = fresh_model(&self.timeline, &self.places_source);
            self.count = from;
        }
        let recording = self.timeline.recording().clone();
        let moment =
            count.checked_sub(1).and_then(|i| recording.events.get(i)).map_or(recording.started, |event| event.at);
        let now = Instant::now();
        for event in &recording.events[self.count..count] {
            // A flood is measured against the nodes and links live when it starts.
            if matches!(event.kind, EventKind::CacheUpdated { via: Via::Client, .. }) {
                self.model.set_live(self.world.live());
            }
            self.world.apply(event);
            // Seen as long before now as it happened before the moment: links stay lit as long
            // as they would have.
            let seen = now.checked_sub(moment.duration_since(event.at).unwrap_or_default()).unwrap_or(now);
            self.model.apply_seen(event.clone(), seen);
        }
        self.count = count;
    }

    /// Seeks the nearest `landmark` after the moment shown (or before it).
    fn seek_landmark(&mut self, landmark: Landmark, forward: bool) -> Option<String> {
        match self.timeline.landmark(landmark, self.count, forward) {
            Some(count) => {
                self.seek(count);
                None
            }
            None if forward => Some(format!("no {} after this moment", landmark.word())),
            None => Some(format!("no {} before this moment", landmark.word())),
        }
    }

    /// Carries out a move in time.
    pub fn go(&mut self, to: TimeMove) -> Moved {
        let told = match to {
            TimeMove::Earlier => {
                self.pause();
                if self.count == 0 {
                    Some("this is the recording's start".to_string())
                } else {
                    self.seek(self.count - 1);
                    None
                }
            }
            TimeMove::Later => {
                self.pause();
                if self.count >= self.timeline.len() {
                    if self.looking_back {
                        return Moved::ToNow;
                    }
                    Some("this is the recording's end".to_string())
                } else {
                    self.seek(self.count + 1);
                    None
                }
            }
            TimeMove::PlayPause if self.playing => {
                self.pause();
                None
            }
            TimeMove::PlayPause => {
                if self.count >= self.timeline.len() {
                    self.seek(0);
                }
                self.playing = true;
                self.played_from = Some((Instant::now(), self.moment()));
                None
            }
            TimeMove::PreviousFault => self.seek_landmark(Landmark::Fault, false),
            TimeMove::NextFault => self.seek_landmark(Landmark::Fault, true),
            TimeMove::PreviousFlood => self.seek_landmark(Landmark::Flood, false),
            TimeMove::NextFlood => self.seek_landmark(Landmark::Flood, true),
            TimeMove::Slower | TimeMove::Faster => {
                let i = SPEEDS.iter().position(|s| *s == self.speed_tenths).unwrap_or(3);
                let i = if to == TimeMove::Faster { (i + 1).min(SPEEDS.len() - 1) } else { i.saturating_sub(1) };
                self.speed_tenths = SPEEDS[i];
                if self.playing {
                    self.played_from = Some((Instant::now(), self.moment()));
                }
                Some(format!("playing at ×{}", f64::from(self.speed_tenths) / 10.0))
            }
            TimeMove::GoLive if self.looking_back => return Moved::ToNow,
            TimeMove::GoLive => return Moved::GoLive,
            TimeMove::Now => return Moved::ToNow,
            TimeMove::To(millis) => {
                self.jump(Duration::from_millis(millis));
                None
            }
        };
        Moved::Stayed(told)
    }

    /// To the moment `offset` from the recording's start.
    pub fn jump(&mut self, offset: Duration) {
        self.pause();
        let count = self.timeline.count_at(offset);
        self.seek(count);
    }

    fn pause(&mut self) {
        self.playing = false;
        self.played_from = None;
    }

    /// Moves a playing recording on to the moment `now` reaches; returns whether it moved.
    pub fn tick(&mut self, now: Instant) -> bool {
        let Some((started, from)) = self.played_from.filter(|_| self.playing) else { return false };
        let played = now.duration_since(started).mul_f64(f64::from(self.speed_tenths) / 10.0);
        let count = self.timeline.count_at(from + played);
        let moved = count != self.count;
        self.seek(count);
        if count >= self.timeline.len() {
            self.pause();
        }
        moved
    }

    /// Gets ready for a frame at `now` (see `Model::prepare`).
    pub fn prepare(&mut self, now: Instant) {
        self.model.prepare(&self.world, now);
    }

    /// The view of the moment shown, with its timeline.
    pub fn view(&self, state: &UiState) -> HerdView<'_> {
        let mut view = self.model.view(&self.world, state);
        // The last update's whole cost as recorded (at its start a moment knows only that it has
        // cost nothing yet), and how much of it had been sent by the moment shown.
        if let Some(so_far) = self.model.latest_update() {
            if let Some(whole) = self.timeline.cost_of(&so_far.at_line) {
                let unfinished = (so_far.messages < whole.messages).then_some(so_far.messages);
                // A recording with gaps may miss some of its messages: its cost is a sample.
                let sampled = !self.timeline.recording().notes.is_empty();
                view.stats.last_flood =
                    Some(FloodView { so_far: unfinished, sampled, ..super::model::flood_view(whole) });
            }
        }
        view.cache.recorded = true;
        if let Some(compare) = &mut view.compare {
            compare.recorded = true;
        }
        let recording = self.timeline.recording();
        let at = self.count.checked_sub(1).and_then(|i| recording.events.get(i));
        view.timeline = Some(TimelineView {
            at_ms: self.moment().as_millis() as u64,
            length_ms: recording.duration().as_millis() as u64,
            event: self.count,
            events: self.timeline.len(),
            playing: self.playing,
            speed_tenths: self.speed_tenths,
            marks: self.marks.iter().map(|(_, mark)| *mark).collect(),
            looking_back: self.looking_back,
            now: at.map(|event| herdctl_teach::replay::describe_event(event)).unwrap_or_default(),
            // A recording's notes say what it is missing (events let go, or never recorded).
            incomplete: !recording.notes.is_empty(),
            missing: recording.missing(),
        });
        view
    }
}

/// `at 2.5s` typed while a recorded moment is shown: to that moment.
pub fn jump(past: &mut Past, text: &str, state: &mut UiState) {
    let moment = text.trim().trim_start_matches("at").trim();
    match crate::cli::parse_moment(moment) {
        Ok(offset) => {
            past.jump(offset);
            state.tell(Feedback::Done(format!("at {moment}")));
        }
        Err(error) => state.tell(Feedback::Error(error)),
    }
}

/// A live console's recording so far, for looking back: its timeline, shown one event before now.
pub fn look_back(trace: &herdctl_teach::trace::Trace, herd: &herdctl_core::Herd, places_source: &str) -> Past {
    let recording = herdctl_teach::replay::Recording::of_trace(trace, herd.topology().clone());
    let timeline = Timeline::new(Arc::new(recording));
    let count = timeline.len().saturating_sub(1);
    Past::new(timeline, count, places_source, true)
}

#[cfg(test)]
mod tests;
