//! What a live herd tells the console without being asked: its events (taken in at most once a
//! frame: between frames they wait in the bus, and what overflows it is counted, not processed,
//! so the console's work is bounded however busy the herd is), and changes of its mode and of its
//! members (which only need drawing).

use std::sync::Arc;

use herdctl_core::{Herd, HerdEvent};
use tokio::sync::{broadcast, watch};

use super::driver::Wake;
use super::model::Model;

/// Events taken in one go after the first: a bounded amount, so that a torrent of events never
/// keeps a frame from being drawn.
const DRAIN_PER_TURN: usize = 4_096;

pub struct HerdNews {
    events: broadcast::Receiver<Arc<HerdEvent>>,
    /// Events were taken in since the last frame: the next wait for the frame.
    drained: bool,
    network: watch::Receiver<u64>,
    members: watch::Receiver<u64>,
}

impl HerdNews {
    pub fn of(herd: &Herd, events: broadcast::Receiver<Arc<HerdEvent>>) -> Self {
        Self { events, drained: false, network: herd.network().watch(), members: herd.member_news() }
    }

    /// Waits for the herd's next news.
    pub async fn next(&mut self) -> Wake {
        tokio::select! {
            event = self.events.recv(), if !self.drained => Wake::Herd(event),
            Ok(()) = self.network.changed() => Wake::Redraw,
            Ok(()) = self.members.changed() => Wake::Redraw,
            // Neither ever ends while the herd runs, and the events wait for the frame.
            else => std::future::pending().await,
        }
    }

    /// Takes in `first` and what waits behind it into `model`.
    pub fn drain(&mut self, first: Result<Arc<HerdEvent>, broadcast::error::RecvError>, model: &mut Model) {
        self.drained = true;
        match first {
            Ok(event) => model.apply(event),
            Err(broadcast::error::RecvError::Lagged(count)) => model.dropped(count),
            Err(broadcast::error::RecvError::Closed) => {}
        }
        for _ in 0..DRAIN_PER_TURN {
            match self.events.try_recv() {
                Ok(event) => model.apply(event),
                Err(broadcast::error::TryRecvError::Lagged(count)) => model.dropped(count),
                Err(_) => break,
            }
        }
    }

    /// A frame was drawn: events may be taken in again.
    pub fn frame_drawn(&mut self) {
        self.drained = false;
    }
}
