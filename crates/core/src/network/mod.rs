//! The operator's hand on the network between nodes: links cut and healed, extra latency and
//! loss, and time itself: in *step* mode every peer transmission is held at its sender until the
//! operator releases it, in *slow* mode every hop is delayed. *Conducted*, as while a walkthrough
//! plays, every transmission waits at its sender and the herd's conductor releases them one at a
//! time in one canonical order, each landed before the next, so that the same script gives the
//! same flood on every run. Link tasks ask the network before each transmission; nothing here
//! touches a socket. It also keeps the herd's strategy in force, for every node to read (what a
//! strategy decides is strategy/'s).

mod delay;
mod held;
mod mode;
mod motion;
#[cfg(test)]
mod tests;
mod transmit;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

pub use delay::{BadDelay, Delay, MAX_DELAY, Spread};
pub use held::{Fate, Held};
pub use mode::{Mode, NotAMode};
pub use motion::{Listening, Motion, Resuming};
pub use transmit::{Passage, Released, Transmission};

use crate::dice::Dice;
use crate::strategy::{SharedStrategy, Strategy};
use crate::topology::NodeName;

/// A transmission waiting at its sender.
struct Waiting {
    held: Held,
    release: oneshot::Sender<Released>,
    /// The link's delay when it was held, drawn by the conductor (conducted mode only).
    delay: Delay,
    /// When it may go, once the conductor has drawn its delay.
    due: Option<Instant>,
    /// When it was queued: latency and slow motion count from here.
    queued: Instant,
}

struct State {
    mode: Mode,
    /// Every transmission waits for the conductor (a walkthrough plays).
    conducted: bool,
    cut: HashSet<(NodeName, NodeName)>,
    latency: HashMap<(NodeName, NodeName), Delay>,
    /// The share of transmissions each link loses, in [0, 1].
    loss: HashMap<(NodeName, NodeName), f64>,
    held: VecDeque<Waiting>,
    next_id: u64,
    seed: u64,
    dice: Dice,
}

impl State {
    /// One transmission's delay on a link with `delay`: a roll of the dice only when it is spread.
    fn draw(&mut self, delay: Delay) -> Duration {
        match delay.spread {
            Spread::Fixed => delay.base,
            _ => {
                let roll = self.dice.unit();
                delay.draw(roll)
            }
        }
    }

    /// Whether a transmission over `from`→`to` is lost now (a roll only on a lossy link, so
    /// that one link's choices do not depend on traffic elsewhere).
    fn lose(&mut self, from: &str, to: &str) -> bool {
        let loss = self.loss.get(&pair(from, to)).copied().unwrap_or_default();
        loss > 0.0 && self.dice.unit() < loss
    }

    fn new(seed: u64) -> Self {
        Self {
            mode: Mode::default(),
            conducted: false,
            cut: HashSet::new(),
            latency: HashMap::new(),
            loss: HashMap::new(),
            held: VecDeque::new(),
            next_id: 0,
            seed,
            dice: Dice::seeded(seed),
        }
    }
}

/// Shared by every node of a herd in one process (a node alone gets its own, always live).
pub struct Network {
    state: Mutex<State>,
    /// Whether anything is other than live and plain: the hot path of every transmission checks
    /// this flag alone.
    special: AtomicBool,
    /// Bumped on every change, so that link tasks and the console notice.
    changes: watch::Sender<u64>,
    /// How nodes pass new records on (herd-wide; a walkthrough may switch it).
    strategy: SharedStrategy,
    /// What is on its way between this process's nodes, for the herd's quiet.
    motion: Arc<Motion>,
}

impl Default for Network {
    /// A network whose random choices follow a seed of the moment.
    fn default() -> Self {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Self::seeded(now.as_nanos() as u64 % 1_000_000)
    }
}

fn pair(a: &str, b: &str) -> (NodeName, NodeName) {
    if a <= b { (a.into(), b.into()) } else { (b.into(), a.into()) }
}

impl Network {
    /// A network whose random choices (which transmissions a lossy link loses, how long each
    /// waits on a link with a spread of delays) all follow `seed`.
    pub fn seeded(seed: u64) -> Self {
        Self {
            state: Mutex::new(State::new(seed)),
            special: AtomicBool::new(false),
            changes: watch::channel(0).0,
            strategy: SharedStrategy::default(),
            motion: Arc::default(),
        }
    }

    /// How nodes pass new records on now.
    pub fn strategy(&self) -> Strategy {
        self.strategy.load()
    }

    /// Switches how nodes pass new records on (records already on their way go as they went).
    pub fn set_strategy(&self, strategy: Strategy) {
        self.strategy.store(strategy);
        self.changes.send_modify(|version| *version += 1);
    }

    /// The seed of its random choices (`--seed` replays them).
    pub fn seed(&self) -> u64 {
        self.lock().seed
    }

    /// What is on its way, and the bell rung when something comes to rest.
    pub fn motion(&self) -> &Arc<Motion> {
        &self.motion
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change is a single field update: a poisoned lock still holds consistent data.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn changed(&self) {
        let special = {
            let state = self.lock();
            state.conducted || state.mode != Mode::Live || !state.latency.is_empty() || !state.loss.is_empty()
        };
        self.special.store(special, Ordering::Release);
        self.changes.send_modify(|version| *version += 1);
        self.motion.settled();
    }

    /// Whether transmissions may be held or delayed (conducted, step or slow mode, or some
    /// latency or loss).
    pub fn is_special(&self) -> bool {
        self.special.load(Ordering::Acquire)
    }

    /// Waits until `a`'s messages to `b` are cut.
    pub async fn until_cut(&self, a: &str, b: &str) {
        self.until(|network| network.is_cut_from(a, b)).await
    }

    /// Waits until `a`'s messages to `b` are not cut.
    pub async fn until_healed(&self, a: &str, b: &str) {
        self.until(|network| !network.is_cut_from(a, b)).await
    }

    async fn until(&self, condition: impl Fn(&Self) -> bool) {
        let mut changes = self.watch();
        while !condition(self) {
            if changes.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Notified on every change of mode, cut, latency or held transmissions.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    pub fn mode(&self) -> Mode {
        self.lock().mode
    }

    /// Switches mode. Leaving step mode releases everything held, unless the network is
    /// conducted: then the conductor releases it, in its order.
    pub fn set_mode(&self, mode: Mode) {
        let mut state = self.lock();
        state.mode = mode;
        let released: Vec<Waiting> =
            if mode != Mode::Step && !state.conducted { state.held.drain(..).collect() } else { Vec::new() };
        drop(state);
        for waiting in released {
            self.release(waiting, Fate::Deliver, false);
        }
        self.changed();
    }

    /// Whether every transmission waits for the conductor.
    pub fn is_conducted(&self) -> bool {
        self.lock().conducted
    }

    /// Conducted (a walkthrough plays): every transmission waits at its sender for the herd's
    /// conductor. Leaving it releases what waits, as live mode does.
    pub fn set_conducted(&self, conducted: bool) {
        let mut state = self.lock();
        state.conducted = conducted;
        let released: Vec<Waiting> =
            if !conducted && state.mode != Mode::Step { state.held.drain(..).collect() } else { Vec::new() };
        drop(state);
        for waiting in released {
            self.release(waiting, Fate::Deliver, false);
        }
        self.changed();
    }

    /// Cuts the link between `a` and `b` (both directions): both ends drop it and do not redial.
    pub fn cut(&self, a: &str, b: &str) {
        let mut state = self.lock();
        state.cut.insert((a.into(), b.into()));
        state.cut.insert((b.into(), a.into()));
        drop(state);
        self.changed();
    }

    /// Cuts one way: `a`'s messages to `b` are lost (its link to `b` drops and does not redial),
    /// while `b`'s to `a` still arrive.
    pub fn cut_one_way(&self, a: &str, b: &str) {
        self.lock().cut.insert((a.into(), b.into()));
        self.changed();
    }

    /// Heals both directions.
    pub fn heal(&self, a: &str, b: &str) {
        let mut state = self.lock();
        state.cut.remove(&(NodeName::from(a), NodeName::from(b)));
        state.cut.remove(&(NodeName::from(b), NodeName::from(a)));
        drop(state);
        self.changed();
    }

    /// Heals `a`'s messages to `b`.
    pub fn heal_one_way(&self, a: &str, b: &str) {
        self.lock().cut.remove(&(NodeName::from(a), NodeName::from(b)));
        self.changed();
    }

    /// Whether the link is cut either way.
    pub fn is_cut(&self, a: &str, b: &str) -> bool {
        self.is_cut_from(a, b) || self.is_cut_from(b, a)
    }

    /// Whether `a`'s messages to `b` are cut.
    pub fn is_cut_from(&self, a: &str, b: &str) -> bool {
        self.lock().cut.contains(&(NodeName::from(a), NodeName::from(b)))
    }

    /// Extra delay for every transmission over the link (zero removes it).
    pub fn set_latency(&self, a: &str, b: &str, latency: Duration) {
        self.set_delay(a, b, Delay::fixed(latency));
    }

    /// Extra delay, maybe spread, for every transmission over the link (zero removes it).
    pub fn set_delay(&self, a: &str, b: &str, delay: Delay) {
        let mut state = self.lock();
        if delay.base.is_zero() {
            state.latency.remove(&pair(a, b));
        } else {
            state.latency.insert(pair(a, b), delay);
        }
        drop(state);
        self.changed();
    }

    /// The link's extra delay (its mean, when spread).
    pub fn latency(&self, a: &str, b: &str) -> Duration {
        self.delay(a, b).base
    }

    pub fn delay(&self, a: &str, b: &str) -> Delay {
        self.lock().latency.get(&pair(a, b)).copied().unwrap_or_default()
    }

    /// The share of transmissions the link loses, from 0 (none: removes it) to 1 (all).
    pub fn set_loss(&self, a: &str, b: &str, share: f64) {
        let mut state = self.lock();
        if share <= 0.0 {
            state.loss.remove(&pair(a, b));
        } else {
            state.loss.insert(pair(a, b), share.min(1.0));
        }
        drop(state);
        self.changed();
    }

    pub fn loss(&self, a: &str, b: &str) -> f64 {
        self.lock().loss.get(&pair(a, b)).copied().unwrap_or_default()
    }

    /// The transmissions held for the operator (step mode), oldest first. What waits for the
    /// conductor is not the operator's, and not listed.
    pub fn held(&self) -> Vec<Held> {
        let state = self.lock();
        if state.mode != Mode::Step {
            return Vec::new();
        }
        state.held.iter().filter(|w| !w.release.is_closed()).map(|w| w.held.clone()).collect()
    }

    /// Releases the first held transmission in release order (see `Held::order`); returns it
    /// (skipping those whose link broke).
    pub fn release_next(&self) -> Option<Held> {
        let first = self.held().into_iter().min_by(|a, b| a.order().cmp(&b.order()))?;
        self.decide(first.id, Fate::Deliver)
    }

    /// Lets the held transmission `id` go with the given fate, if it is still held. A delivered
    /// transmission over a lossy link may still be lost: the dice are rolled as it goes, in the
    /// order things are let go.
    pub fn decide(&self, id: u64, fate: Fate) -> Option<Held> {
        self.let_go(id, fate, false)
    }

    /// The conductor lets `id` go, its time having come.
    pub fn conduct(&self, id: u64) -> Option<Held> {
        self.let_go(id, Fate::Deliver, true)
    }

    fn let_go(&self, id: u64, fate: Fate, by_conductor: bool) -> Option<Held> {
        let waiting = {
            let mut state = self.lock();
            let index = state.held.iter().position(|waiting| waiting.held.id == id)?;
            state.held.remove(index)?
        };
        let held = waiting.held.clone();
        let decided = self.release(waiting, fate, by_conductor).then_some(held);
        self.changed();
        decided
    }

    /// Sends a waiting transmission its fate (a delivery over a lossy link rolls for its loss),
    /// counted as on its way until its link takes it up; `false` when its link is gone.
    fn release(&self, waiting: Waiting, fate: Fate, by_conductor: bool) -> bool {
        if waiting.release.is_closed() {
            return false;
        }
        let fate = match fate {
            Fate::Deliver if self.lock().lose(&waiting.held.from, &waiting.held.to) => Fate::Lost,
            fate => fate,
        };
        let released = Released { fate, by_conductor, resuming: Some(self.motion.released()) };
        waiting.release.send(released).is_ok()
    }

    /// What the conductor releases next: the first in canonical order (`Held::order`) of the
    /// transmissions whose time has come, their delays drawn in that order as they first appear;
    /// else, when one waits for its time, when. Nothing in step mode, or when not conducted.
    pub fn next_due(&self, now: Instant) -> Due {
        let mut state = self.lock();
        if !state.conducted || state.mode == Mode::Step {
            return Due::Nothing;
        }
        state.held.retain(|waiting| !waiting.release.is_closed());
        let slow = if let Mode::Slow(slow) = state.mode { slow } else { Duration::ZERO };
        let mut order: Vec<usize> = (0..state.held.len()).collect();
        order.sort_by(|a, b| state.held[*a].held.order().cmp(&state.held[*b].held.order()));
        for &i in &order {
            if state.held[i].due.is_none() {
                let delay = state.held[i].delay;
                let drawn = state.draw(delay);
                let waiting = &mut state.held[i];
                waiting.due = Some(waiting.queued + slow.max(drawn));
            }
        }
        let mut earliest: Option<Instant> = None;
        for &i in &order {
            let due = state.held[i].due.unwrap_or(now);
            if due <= now {
                return Due::Now(state.held[i].held.id);
            }
            earliest = Some(earliest.map_or(due, |e| e.min(due)));
        }
        earliest.map_or(Due::Nothing, Due::At)
    }
}

/// What the conductor may release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// This held transmission, now.
    Now(u64),
    /// Nothing before then.
    At(Instant),
    /// Nothing waits for the conductor.
    Nothing,
}
