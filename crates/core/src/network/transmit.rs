//! A transmission's passage through the network's hand: at once when nothing is special; else
//! held (in step mode, or whenever the network is conducted), delayed (latency, slow motion) or
//! lost (a lossy link), and told what became of it.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use super::{Fate, Held, Mode, Network, Resuming, Waiting, pair};
use crate::topology::NodeName;

/// One transmission a link asks the network to let through.
pub struct Transmission<'a> {
    pub from: &'a NodeName,
    pub to: &'a NodeName,
    pub client: &'a str,
    /// The hop count it has where it arrives.
    pub hops: u32,
    /// When it was queued: latency and slow motion count from here.
    pub queued: Instant,
}

/// What a held transmission learns when it is let go.
#[derive(Debug)]
pub struct Released {
    pub fate: Fate,
    /// Let go by the conductor, which has already waited out its delays.
    pub(super) by_conductor: bool,
    /// The network's count of it as on its way, which its link drops once it counts the
    /// transmission as its own again.
    pub(super) resuming: Option<Resuming>,
}

/// How a transmission went through.
#[derive(Debug)]
pub struct Passage {
    pub fate: Fate,
    /// Whether it was held (for the operator or the conductor) on its way.
    pub held: bool,
    /// The network's count of it as released; the link drops it once it has counted it again.
    pub resuming: Option<Resuming>,
}

impl Network {
    /// Waits until a transmission of `client`'s record from `from` to `to`, queued at `queued`,
    /// may go (see `pass`); returns its fate.
    pub async fn transmit(&self, from: &NodeName, to: &NodeName, client: &str, hops: u32, queued: Instant) -> Fate {
        self.pass(&Transmission { from, to, client, hops, queued }, |_| {}).await.fate
    }

    /// Waits until `transmission` may go: held in step mode, or for the conductor when the
    /// network is conducted; in slow mode and on a slow link, due that long after it was queued.
    /// Delays are a delay line, not a rate limit: records queued together arrive together. A
    /// delay is looked at again whenever the network changes, so lowering a link's latency (or
    /// going live) lets what already waits go at its new time. `on_hold` is called as it is held,
    /// with whether it waits for the operator (step mode) rather than the conductor, so that the
    /// sender can tell the herd and count it as at rest.
    pub async fn pass(&self, transmission: &Transmission<'_>, on_hold: impl FnOnce(bool)) -> Passage {
        let mut passage = Passage { fate: Fate::Deliver, held: false, resuming: None };
        if !self.is_special() {
            return passage;
        }
        let (from, to) = (transmission.from, transmission.to);
        // A lossy link loses this one now or never; a spread delay is drawn once (and drawn
        // again only if the operator changes the link's delay). What is held has its loss rolled
        // when it is let go, in the order things are let go.
        let (lost, mut delay, mut latency) = {
            let mut state = self.lock();
            let holds = state.conducted || state.mode == Mode::Step;
            let lost = !holds && state.lose(from, to);
            let delay = state.latency.get(&pair(from, to)).copied().unwrap_or_default();
            let latency = state.draw(delay);
            (lost, delay, latency)
        };
        if lost {
            passage.fate = Fate::Lost;
            return passage;
        }
        let mut changes = self.watch();
        let mut on_hold = Some(on_hold);
        loop {
            changes.borrow_and_update();
            let (mode, conducted) = {
                let mut state = self.lock();
                let now = state.latency.get(&pair(from, to)).copied().unwrap_or_default();
                if now != delay {
                    delay = now;
                    latency = state.draw(delay);
                }
                (state.mode, state.conducted)
            };
            if !passage.held && (conducted || mode == Mode::Step) {
                let told = on_hold.take();
                let released = self.hold(transmission, |for_operator| told.into_iter().for_each(|t| t(for_operator)));
                let released = released.await;
                passage = Passage { fate: released.fate, held: true, resuming: released.resuming };
                // The conductor lets go when its time has come; what is dropped is never sent.
                if released.by_conductor || matches!(passage.fate, Fate::Drop | Fate::Lost) {
                    return passage;
                }
                continue;
            }
            let slow = if let Mode::Slow(delay) = mode { delay } else { Duration::ZERO };
            let due = transmission.queued + slow.max(latency);
            if Instant::now() >= due {
                return passage;
            }
            tokio::select! {
                () = tokio::time::sleep_until(due) => return passage,
                changed = changes.changed() => {
                    if changed.is_err() {
                        tokio::time::sleep_until(due).await;
                        return passage;
                    }
                }
            }
        }
    }

    /// Holds a transmission until it is released (or the herd is reset); returns its fate.
    async fn hold(&self, transmission: &Transmission<'_>, told: impl FnOnce(bool)) -> Released {
        let (release, released) = oneshot::channel();
        let for_operator = {
            let mut state = self.lock();
            state.next_id += 1;
            let held = Held {
                id: state.next_id,
                from: transmission.from.clone(),
                to: transmission.to.clone(),
                client: transmission.client.into(),
                hops: transmission.hops,
                since: Instant::now(),
            };
            let delay = state.latency.get(&pair(transmission.from, transmission.to)).copied().unwrap_or_default();
            state.held.push_back(Waiting { held, release, delay, due: None, queued: transmission.queued });
            state.mode == Mode::Step
        };
        // Told before anyone is notified, so that the hold comes before its release in the
        // events, and the sender counts it at rest before the conductor looks.
        told(for_operator);
        self.changed();
        // A sender dropped (the herd reset) also lets the transmission go.
        released.await.unwrap_or(Released { fate: Fate::Deliver, by_conductor: false, resuming: None })
    }
}
