//! The operator's hand on the network between nodes: links cut and healed, extra latency, and
//! time itself: in *step* mode every peer transmission is held at its sender until released,
//! in *slow* mode every hop is delayed. Link tasks ask the network before each transmission;
//! nothing here touches a socket. It also keeps the herd's strategy in force, for every node to
//! read (what a strategy decides is strategy/'s).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

use crate::dice::Dice;
use crate::strategy::{SharedStrategy, Strategy};
use crate::topology::NodeName;

/// How transmissions flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Live,
    /// Every transmission waits at its sender until released.
    Step,
    /// Every hop takes this long.
    Slow(Duration),
}

/// A mode as the command line, traces and the control port write it: `live`, `step`,
/// `slow 500ms`.
impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Live => f.write_str("live"),
            Self::Step => f.write_str("step"),
            Self::Slow(delay) => write!(f, "slow {}", humantime::format_duration(*delay)),
        }
    }
}

/// A text that is not a mode.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a mode: live, step or slow DURATION (e.g. slow 500ms)")]
pub struct NotAMode(String);

impl std::str::FromStr for Mode {
    type Err = NotAMode;

    fn from_str(text: &str) -> Result<Self, NotAMode> {
        match text.split_once(' ') {
            None if text == "live" => Ok(Self::Live),
            None if text == "step" => Ok(Self::Step),
            Some(("slow", delay)) => {
                humantime::parse_duration(delay).map(Self::Slow).map_err(|_| NotAMode(text.into()))
            }
            _ => Err(NotAMode(text.into())),
        }
    }
}

/// How a link's extra delay varies from one transmission to the next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Spread {
    /// Always the same.
    #[default]
    Fixed,
    /// Anywhere within this much either side, evenly (`100ms±40ms`).
    Uniform(Duration),
    /// Exponentially distributed with the delay as its mean (`exp:100ms`): mostly short, now and
    /// then long, as queues on a real network are.
    Exponential,
}

/// A link's extra delay: `100ms`, `100ms±40ms`, `exp:100ms`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delay {
    pub base: Duration,
    pub spread: Spread,
}

impl Delay {
    pub fn fixed(base: Duration) -> Self {
        Self { base, spread: Spread::Fixed }
    }

    /// Reads `100ms`, `100ms±40ms` (or `100ms+-40ms`), `exp:100ms`.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(mean) = text.strip_prefix("exp:") {
            return Some(Self { base: humantime::parse_duration(mean).ok()?, spread: Spread::Exponential });
        }
        let split = text.split_once('±').or_else(|| text.split_once("+-"));
        match split {
            Some((base, spread)) => Some(Self {
                base: humantime::parse_duration(base).ok()?,
                spread: Spread::Uniform(humantime::parse_duration(spread).ok()?),
            }),
            None => Some(Self::fixed(humantime::parse_duration(text).ok()?)),
        }
    }

    /// One transmission's delay, drawn with `dice` (a number in [0, 1)).
    fn draw(self, dice: f64) -> Duration {
        match self.spread {
            Spread::Fixed => self.base,
            Spread::Uniform(spread) => {
                let offset = spread.as_secs_f64() * (2.0 * dice - 1.0);
                Duration::from_secs_f64((self.base.as_secs_f64() + offset).max(0.0))
            }
            // Capped at ten means, so one draw cannot stall a link for good.
            Spread::Exponential => Duration::from_secs_f64(self.base.as_secs_f64() * (-(1.0 - dice).ln()).min(10.0)),
        }
    }
}

impl std::fmt::Display for Delay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let base = humantime::format_duration(self.base);
        match self.spread {
            Spread::Fixed => write!(f, "{base}"),
            Spread::Uniform(spread) => write!(f, "{base}±{}", humantime::format_duration(spread)),
            Spread::Exponential => write!(f, "exp:{base}"),
        }
    }
}

/// A transmission held in step mode, as the console shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub id: u64,
    pub from: NodeName,
    pub to: NodeName,
    pub client: Arc<str>,
    pub hops: u32,
    /// When it was held.
    pub since: Instant,
}

impl Held {
    /// The order step mode releases in: hop, then sender, then receiver, then when it was held.
    /// A defined order, so that a walkthrough's duplicates are the same copies on every run
    /// (which link task holds first is a race).
    pub fn order(&self) -> (u32, &str, &str, u64) {
        (self.hops, &self.from, &self.to, self.id)
    }
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}→{} {} (hop {})", self.from, self.to, self.client, self.hops)
    }
}

/// What becomes of a transmission: it goes, it is lost, or it arrives twice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fate {
    #[default]
    Deliver,
    /// Never written: the operator dropped it (a lost message). The receiver never learns it
    /// by this link, unless a later catch-up carries it.
    Drop,
    /// Written twice: the receiver keeps the first and drops the second as a duplicate.
    Duplicate,
    /// Never written: a lossy link lost it (`loss A B 20%`).
    Lost,
}

impl Fate {
    /// The verb that gives a held transmission this fate (`deliver`, `drop`, `dup`), as the
    /// command line and the control port write it.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Deliver => "deliver",
            Self::Drop | Self::Lost => "drop",
            Self::Duplicate => "dup",
        }
    }

    /// The fate an operator's verb gives a held message.
    pub fn from_verb(verb: &str) -> Option<Self> {
        match verb {
            "deliver" => Some(Self::Deliver),
            "drop" => Some(Self::Drop),
            "dup" => Some(Self::Duplicate),
            _ => None,
        }
    }

    /// What the operator did, in the past tense.
    pub fn done(self) -> &'static str {
        match self {
            Self::Deliver => "delivered",
            Self::Drop => "dropped",
            Self::Duplicate => "duplicated",
            Self::Lost => "lost",
        }
    }
}

struct Waiting {
    held: Held,
    release: oneshot::Sender<Fate>,
}

struct State {
    mode: Mode,
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

    fn new(seed: u64) -> Self {
        Self {
            mode: Mode::default(),
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

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change is a single field update: a poisoned lock still holds consistent data.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn changed(&self) {
        let special = {
            let state = self.lock();
            state.mode != Mode::Live || !state.latency.is_empty() || !state.loss.is_empty()
        };
        self.special.store(special, Ordering::Release);
        self.changes.send_modify(|version| *version += 1);
    }

    /// Whether transmissions may be held or delayed (step or slow mode, or some latency).
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

    /// Switches mode. Leaving step mode releases everything held.
    pub fn set_mode(&self, mode: Mode) {
        let mut state = self.lock();
        state.mode = mode;
        if mode != Mode::Step {
            for waiting in state.held.drain(..) {
                let _ = waiting.release.send(Fate::Deliver);
            }
        }
        drop(state);
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

    /// The transmissions held now, oldest first.
    pub fn held(&self) -> Vec<Held> {
        self.lock().held.iter().filter(|w| !w.release.is_closed()).map(|w| w.held.clone()).collect()
    }

    /// Releases the first held transmission in release order (see `Held::order`); returns it
    /// (skipping those whose link broke).
    pub fn release_next(&self) -> Option<Held> {
        let mut state = self.lock();
        state.held.retain(|waiting| !waiting.release.is_closed());
        let first = state.held.iter().enumerate().min_by(|(_, a), (_, b)| a.held.order().cmp(&b.held.order()))?.0;
        let waiting = state.held.remove(first)?;
        drop(state);
        let _ = waiting.release.send(Fate::Deliver);
        self.changed();
        Some(waiting.held)
    }

    /// Lets the held transmission `id` go with the given fate, if it is still held.
    pub fn decide(&self, id: u64, fate: Fate) -> Option<Held> {
        let mut state = self.lock();
        let index = state.held.iter().position(|waiting| waiting.held.id == id)?;
        let waiting = state.held.remove(index)?;
        drop(state);
        let decided = waiting.release.send(fate).is_ok().then_some(waiting.held);
        self.changed();
        decided
    }

    /// Waits until a transmission of `client`'s record from `from` to `to`, queued at `queued`,
    /// may go: held in step mode; in slow mode and on a slow link, due that long after it was
    /// queued. Delays are a delay line, not a rate limit: records queued together arrive together.
    /// A delay is looked at again whenever the network changes, so lowering a link's latency (or
    /// going live) lets what already waits go at its new time.
    pub async fn transmit(&self, from: &NodeName, to: &NodeName, client: &str, hops: u32, queued: Instant) -> Fate {
        self.transmit_telling(from, to, client, hops, queued, || {}).await
    }

    /// `transmit`, calling `on_hold` when the transmission is held in step mode (so that the
    /// sender can tell the herd, and a trace can show what waited).
    pub async fn transmit_telling(
        &self,
        from: &NodeName,
        to: &NodeName,
        client: &str,
        hops: u32,
        queued: Instant,
        on_hold: impl FnOnce(),
    ) -> Fate {
        if !self.is_special() {
            return Fate::Deliver;
        }
        let mut fate = Fate::Deliver;
        // A lossy link loses this one now or never; a spread delay is drawn once (and drawn
        // again only if the operator changes the link's delay).
        let (lost, mut delay, mut latency) = {
            let mut state = self.lock();
            let link = pair(from, to);
            // Dice are rolled only for the links that need them, so that one link's choices do
            // not depend on traffic elsewhere.
            let loss = state.loss.get(&link).copied().unwrap_or_default();
            let lost = loss > 0.0 && state.dice.unit() < loss;
            let delay = state.latency.get(&link).copied().unwrap_or_default();
            let latency = state.draw(delay);
            (lost, delay, latency)
        };
        if lost {
            return Fate::Lost;
        }
        let mut changes = self.watch();
        let mut stepped = false;
        let mut on_hold = Some(on_hold);
        loop {
            changes.borrow_and_update();
            let mode = {
                let mut state = self.lock();
                let now = state.latency.get(&pair(from, to)).copied().unwrap_or_default();
                if now != delay {
                    delay = now;
                    latency = state.draw(delay);
                }
                state.mode
            };
            if mode == Mode::Step && !stepped {
                fate = self.hold(from, to, client, hops, on_hold.take()).await;
                if fate == Fate::Drop {
                    // Never sent: nothing to delay.
                    return fate;
                }
                stepped = true;
                continue;
            }
            let slow = if let Mode::Slow(delay) = mode { delay } else { Duration::ZERO };
            let due = queued + slow.max(latency);
            if Instant::now() >= due {
                return fate;
            }
            tokio::select! {
                () = tokio::time::sleep_until(due) => return fate,
                changed = changes.changed() => {
                    if changed.is_err() {
                        tokio::time::sleep_until(due).await;
                        return fate;
                    }
                }
            }
        }
    }

    /// Holds a transmission until it is released (or step mode ends); returns its fate.
    async fn hold(&self, from: &NodeName, to: &NodeName, client: &str, hops: u32, told: Option<impl FnOnce()>) -> Fate {
        let (release, released) = oneshot::channel();
        {
            let mut state = self.lock();
            state.next_id += 1;
            let held = Held {
                id: state.next_id,
                from: from.clone(),
                to: to.clone(),
                client: client.into(),
                hops,
                since: Instant::now(),
            };
            state.held.push_back(Waiting { held, release });
        }
        // Told before anyone is notified, so that the hold comes before its release in the
        // events.
        if let Some(told) = told {
            told();
        }
        self.changed();
        // A sender dropped (the herd reset) also lets the transmission go.
        released.await.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> NodeName {
        s.into()
    }

    #[tokio::test]
    async fn step_mode_holds_until_released_in_order() {
        let network = Arc::new(Network::default());
        network.set_mode(Mode::Step);
        let mut sent = Vec::new();
        for (i, to) in ["B", "C", "D"].into_iter().enumerate() {
            let sender = network.clone();
            sent.push(tokio::spawn(async move {
                sender.transmit(&name("A"), &name(to), "kiwi", i as u32, Instant::now()).await
            }));
            let mut changes = network.watch();
            // Each transmission is held before the next one starts.
            while network.held().len() <= i {
                changes.changed().await.unwrap();
            }
        }
        assert!(sent.iter().all(|task| !task.is_finished()));
        assert_eq!(network.release_next().map(|h| h.to), Some(name("B")));
        sent.remove(0).await.unwrap();
        assert!(sent.iter().all(|task| !task.is_finished()), "one release lets exactly one go");
        // The rest in release order: the lower hop first.
        assert_eq!(network.release_next().map(|h| h.to), Some(name("C")));
        assert_eq!(network.release_next().map(|h| h.to), Some(name("D")));
        for task in sent {
            task.await.unwrap();
        }
        assert_eq!(network.release_next(), None);
    }

    #[tokio::test]
    async fn leaving_step_mode_releases_everything() {
        let network = Arc::new(Network::default());
        network.set_mode(Mode::Step);
        let task = {
            let network = network.clone();
            tokio::spawn(async move { network.transmit(&name("A"), &name("B"), "kiwi", 1, Instant::now()).await })
        };
        let mut changes = network.watch();
        while network.held().is_empty() {
            changes.changed().await.unwrap();
        }
        network.set_mode(Mode::Live);
        task.await.unwrap();
        assert!(network.held().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn latency_delays_each_record_without_queueing_them_behind_each_other() {
        let network = Arc::new(Network::default());
        network.set_latency("A", "B", Duration::from_millis(300));
        let queued = Instant::now();
        let started = Instant::now();
        let transmissions: Vec<_> = (0..5)
            .map(|i| {
                let network = network.clone();
                tokio::spawn(async move { network.transmit(&name("A"), &name("B"), "kiwi", i, queued).await })
            })
            .collect();
        for transmission in transmissions {
            transmission.await.unwrap();
        }
        // Five records queued together arrive together, 300 ms later (the clock is paused, so
        // this is exact), not 1.5 s later.
        assert_eq!(started.elapsed(), Duration::from_millis(300));
        // A record already older than the latency goes at once.
        let old = Instant::now() - Duration::from_secs(1);
        let started = Instant::now();
        network.transmit(&name("A"), &name("B"), "kiwi", 1, old).await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn lowering_a_latency_or_going_live_releases_what_already_waits() {
        let network = Arc::new(Network::default());
        network.set_latency("A", "B", Duration::from_secs(3600));
        let started = Instant::now();
        let waiting = {
            let network = network.clone();
            tokio::spawn(async move { network.transmit(&name("A"), &name("B"), "kiwi", 1, started).await })
        };
        tokio::task::yield_now().await;
        network.set_latency("A", "B", Duration::from_millis(200));
        waiting.await.unwrap();
        assert_eq!(started.elapsed(), Duration::from_millis(200), "due at the new latency, not an hour");
        network.set_mode(Mode::Slow(Duration::from_secs(3600)));
        let started = Instant::now();
        let waiting = {
            let network = network.clone();
            tokio::spawn(async move { network.transmit(&name("B"), &name("A"), "kiwi", 1, started).await })
        };
        tokio::task::yield_now().await;
        network.set_mode(Mode::Live);
        waiting.await.unwrap();
        assert_eq!(started.elapsed(), Duration::from_millis(200), "live: only the link's own latency is left");
    }

    #[tokio::test(start_paused = true)]
    async fn slow_motion_makes_every_hop_take_the_chosen_time() {
        let network = Network::default();
        network.set_mode(Mode::Slow(Duration::from_secs(2)));
        let started = Instant::now();
        network.transmit(&name("A"), &name("B"), "kiwi", 1, started).await;
        assert_eq!(started.elapsed(), Duration::from_secs(2));
        network.set_mode(Mode::Live);
        let started = Instant::now();
        network.transmit(&name("A"), &name("B"), "kiwi", 1, started).await;
        assert_eq!(started.elapsed(), Duration::ZERO, "live again: no delay");
    }

    #[test]
    fn modes_and_fates_read_back_as_they_are_written() {
        for mode in [Mode::Live, Mode::Step, Mode::Slow(Duration::from_millis(500))] {
            assert_eq!(mode.to_string().parse::<Mode>().unwrap(), mode);
        }
        assert_eq!(Mode::Slow(Duration::from_millis(1500)).to_string(), "slow 1s 500ms");
        assert!("fast".parse::<Mode>().unwrap_err().to_string().contains("live, step or slow"));
        for fate in [Fate::Deliver, Fate::Drop, Fate::Duplicate] {
            assert_eq!(Fate::from_verb(fate.verb()), Some(fate));
        }
        assert_eq!(Fate::Lost.verb(), "drop", "a lost message is one dropped by the link");
        assert_eq!(Fate::from_verb("keep"), None);
    }

    #[test]
    fn delays_read_and_write_their_three_forms_and_stay_within_their_spread() {
        for text in ["100ms", "100ms±40ms", "exp:100ms"] {
            assert_eq!(Delay::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Delay::parse("100ms+-40ms"), Delay::parse("100ms±40ms"));
        assert_eq!(Delay::parse("soon"), None);
        let spread = Delay::parse("100ms±40ms").unwrap();
        let mut dice = Dice::seeded(7);
        for _ in 0..1000 {
            let drawn = spread.draw(dice.unit());
            assert!((Duration::from_millis(60)..=Duration::from_millis(140)).contains(&drawn), "{drawn:?}");
        }
        let exponential = Delay::parse("exp:100ms").unwrap();
        let mean: f64 = (0..10_000).map(|_| exponential.draw(dice.unit()).as_secs_f64()).sum::<f64>() / 10_000.0;
        assert!((0.09..0.11).contains(&mean), "the mean is the delay: {mean}");
    }

    #[tokio::test]
    async fn a_lossy_link_loses_its_share_and_the_same_seed_loses_the_same_messages() {
        let fates = |seed: u64| async move {
            let network = Network::seeded(seed);
            network.set_loss("A", "B", 0.3);
            let mut fates = Vec::new();
            for _ in 0..1000 {
                fates.push(network.transmit(&name("A"), &name("B"), "kiwi", 1, Instant::now()).await);
            }
            fates
        };
        let first = fates(42).await;
        let lost = first.iter().filter(|fate| **fate == Fate::Lost).count();
        assert!((230..370).contains(&lost), "about 30% lost: {lost}");
        assert!(first.iter().all(|fate| matches!(fate, Fate::Lost | Fate::Deliver)));
        assert!(fates(42).await == first, "the same seed, the same losses");
        assert!(fates(43).await != first, "another seed, other losses");
        let network = Network::seeded(1);
        network.set_loss("A", "B", 1.0);
        assert_eq!(network.transmit(&name("B"), &name("A"), "kiwi", 1, Instant::now()).await, Fate::Lost, "both ways");
        network.set_loss("A", "B", 0.0);
        assert!(!network.is_special(), "0% removes it");
    }

    #[test]
    fn a_one_way_cut_cuts_one_direction() {
        let network = Network::default();
        network.cut_one_way("A", "B");
        assert!(network.is_cut_from("A", "B") && !network.is_cut_from("B", "A"));
        assert!(network.is_cut("B", "A"), "the link is cut, one way");
        network.heal_one_way("A", "B");
        assert!(!network.is_cut("A", "B"));
        network.cut("A", "B");
        assert!(network.is_cut_from("A", "B") && network.is_cut_from("B", "A"));
        network.heal("B", "A");
        assert!(!network.is_cut("A", "B"));
    }

    #[test]
    fn cuts_and_latency_are_per_link_in_both_directions() {
        let network = Network::default();
        network.cut("B", "A");
        assert!(network.is_cut("A", "B"));
        network.heal("A", "B");
        assert!(!network.is_cut("B", "A"));
        network.set_latency("A", "B", Duration::from_millis(300));
        assert_eq!(network.latency("B", "A"), Duration::from_millis(300));
        network.set_latency("A", "B", Duration::ZERO);
        assert_eq!(network.latency("A", "B"), Duration::ZERO);
    }
}
