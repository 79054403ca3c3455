//! What the console knows between frames: recent events as flow lines, the herd's figures, and
//! which links carried a record a moment ago. Turns the engine's snapshots into `ui`'s view:
//! `prepare` does the work a frame needs done first (formatting what came, forgetting what
//! faded), and `view` only reads, lending the flow's lines rather than copying them.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use herdctl_core::cache::{Entry, PageStart};
use herdctl_core::escaped::Escaped;
use herdctl_core::event::{Arrival, Class, EventKind, HerdEvent, Via};
use herdctl_core::network::Mode;
use herdctl_core::topology::SharedTopology;
use herdctl_core::{NodeName, NodeStatus};
use herdctl_teach::accounting::{Accounting, Flood};
use herdctl_teach::moment::Moment;
use herdctl_ui::{
    Badge, CacheAnchor, CacheRow, CacheView, Dropped, FloodView, FlowKind, FlowLine, HeldView, HerdView, LinkState,
    LinkView, ModeView, NodeView, Stats, UiState,
};

/// Flow lines kept for scrolling back.
const FLOW_KEPT: usize = 2_000;
/// Events formatted for one frame at most; more than this between two frames are counted, not
/// shown (a screen shows a few dozen).
pub const FORMATTED_PER_FRAME: usize = 500;
/// How long a link stays lit after a record crossed it.
const LIT_FOR: Duration = Duration::from_millis(700);
/// How long a dropped copy stays marked on the graph: long enough to point at.
const DROPPED_FOR: Duration = Duration::from_secs(5);
/// Cache rows read on each side of the pane's anchor: more than a screen shows, so that the
/// operator can scroll a page back or forth, and never more (a node may know a million clients).
const CACHE_WINDOW: usize = 200;

/// Clients kept per node for the cache pane's newest-first order.
const RECENT_KEPT: usize = 1_000;

/// Something for the flow that is not formatted yet.
enum Unformatted {
    Event(Arc<HerdEvent>),
    Note { at: SystemTime, kind: FlowKind, text: String },
}

pub struct Model {
    /// Events as they came, formatted only when a frame is drawn, and only the newest
    /// `FORMATTED_PER_FRAME` of them: the cost of the flow does not grow with the event rate.
    unformatted: VecDeque<Unformatted>,
    /// Events that came and went between two frames without being shown.
    skipped: u64,
    /// The newest warning not yet shown under the command line.
    unseen_warning: Option<String>,
    /// What lost messages did, as already told under the command line.
    told_losses: std::collections::HashSet<String>,
    flow: FlowKept,
    next_seq: u64,
    /// When each link (by its two names, sorted) last carried a record.
    crossed: HashMap<(NodeName, NodeName), Instant>,
    /// Copies dropped on arrival, by (receiver, sender): when, and why.
    dropped_copies: HashMap<(NodeName, NodeName), (Instant, Dropped)>,
    /// Where each node of the topology sits on the graph, by name.
    positions: HashMap<String, (f64, f64)>,
    second_started: Instant,
    /// The herd's message total when the current second started.
    messages_at_second: u64,
    messages_per_second: u64,
    duplicates: u64,
    events_dropped: u64,
    /// Events the console never saw (it fell behind the herd), and with those the herd never
    /// published, as of the last frame: when this grows, the updates of the moment are sampled.
    missed: u64,
    missed_at_frame: u64,
    upstream_requests: u64,
    places_source: String,
    /// How the herd's nodes pass records on, for the status bar.
    strategy: String,
    accounting: Accounting,
    /// Each node's most recently updated clients, newest first (as the console saw them): the
    /// cache pane's other order.
    recent: HashMap<NodeName, VecDeque<String>>,
}

fn link_key(a: &NodeName, b: &NodeName) -> (NodeName, NodeName) {
    if a <= b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) }
}

/// How the flow shows an event: by its class, with the few finer cuts a class has on screen (a
/// `?` reply reads as an error; a duplicate apart from a record that was new).
fn kind_of(event: &EventKind) -> FlowKind {
    match event.class() {
        Class::Traffic => match event {
            EventKind::ClientLine { .. } => FlowKind::ClientIn,
            EventKind::ClientReply { reply, .. } if reply.starts_with("? ") => FlowKind::Warning,
            EventKind::ClientReply { .. } => FlowKind::ClientOut,
            EventKind::FloodSent { .. } | EventKind::LineSent { .. } => FlowKind::FloodSent,
            EventKind::FloodReceived { arrival: Arrival::New, .. } | EventKind::CacheUpdated { .. } => {
                FlowKind::FloodReceived
            }
            EventKind::FloodReceived { .. } => FlowKind::Duplicate,
            EventKind::PlacesAnswered { .. } => FlowKind::Places,
            EventKind::ServerSaid { stderr: true, .. } => FlowKind::Warning,
            _ => FlowKind::Other,
        },
        Class::Link => match event {
            EventKind::LinkFailed { .. } => FlowKind::Warning,
            // A neighbour's connection coming or going: how links work, not a fault.
            EventKind::PeerAccepted { .. } | EventKind::PeerClosed { .. } => FlowKind::Connection,
            EventKind::CatchUpSent { .. } => FlowKind::FloodSent,
            _ => FlowKind::Link,
        },
        Class::Node => match event {
            EventKind::Unreachable { .. } | EventKind::ServerExited { .. } => FlowKind::Warning,
            _ => FlowKind::Node,
        },
        Class::Fault => match event {
            EventKind::FloodHeld { .. } => FlowKind::FloodSent,
            EventKind::FloodDropped { .. } => FlowKind::Duplicate,
            EventKind::Seeded { .. } => FlowKind::Other,
            _ => FlowKind::Node,
        },
        Class::Story => match event {
            EventKind::Checked { held: false, .. } => FlowKind::Warning,
            _ => FlowKind::Other,
        },
        Class::Warning => FlowKind::Warning,
    }
}

impl Model {
    pub fn new(topology: &SharedTopology, places_source: &str) -> Self {
        Self {
            unformatted: VecDeque::with_capacity(FORMATTED_PER_FRAME),
            skipped: 0,
            unseen_warning: None,
            told_losses: Default::default(),
            flow: FlowKept::default(),
            next_seq: 1,
            crossed: HashMap::new(),
            dropped_copies: HashMap::new(),
            positions: super::layout::positions(topology),
            second_started: Instant::now(),
            messages_at_second: 0,
            messages_per_second: 0,
            duplicates: 0,
            events_dropped: 0,
            missed: 0,
            missed_at_frame: 0,
            upstream_requests: 0,
            places_source: places_source.to_string(),
            strategy: "flood".to_string(),
            accounting: Accounting::new(topology.clone()),
            recent: HashMap::new(),
        }
    }

    fn queue(&mut self, item: Unformatted) {
        if self.unformatted.len() == FORMATTED_PER_FRAME {
            self.unformatted.pop_front();
            self.skipped += 1;
        }
        self.unformatted.push_back(item);
    }

    /// Names the herd's strategy in the status bar.
    pub fn set_strategy(&mut self, strategy: String) {
        self.strategy = strategy;
    }

    /// Shows a line of the herd's own, said before the console subscribed (its start).
    pub fn herd_said(&mut self, text: String) {
        self.push(SystemTime::now(), herdctl_core::topology::HERD, FlowKind::Other, text);
    }

    /// Shows a warning given before the console subscribed (the herd's start).
    pub fn warn(&mut self, text: &str) {
        self.push(SystemTime::now(), herdctl_core::topology::HERD, FlowKind::Warning, format!("warning: {text}"));
        self.unseen_warning = Some(format!("warning: {text}"));
    }

    /// The newest warning since this was last asked, for the row under the command line: a
    /// warning must not scroll away in the flow unseen.
    pub fn take_warning(&mut self) -> Option<String> {
        self.unseen_warning.take()
    }

    /// What a message the operator dropped did, once the flood has got round it ("Jaquez still
    /// learned it, through Bernard"), told once.
    pub fn take_loss_story(&mut self) -> Option<String> {
        let story = self.accounting.latest()?.losses().into_iter().find(|story| !self.told_losses.contains(story))?;
        self.told_losses.insert(story.clone());
        // In the flow too, where it stays when the row under the command line moves on.
        self.push(SystemTime::now(), "console", FlowKind::Other, story.clone());
        Some(story)
    }

    fn push(&mut self, at: SystemTime, node: &str, kind: FlowKind, text: String) {
        let time = humantime::format_rfc3339_millis(at).to_string();
        let time = time.get(11..23).unwrap_or_default().to_string();
        self.flow.push(FlowLine { seq: self.next_seq, time, node: node.to_string(), kind, text });
        self.next_seq += 1;
    }

    /// Formats what came since the last frame into flow lines, saying how much was skipped.
    fn format_flow(&mut self) {
        if self.skipped > 0 {
            let count = std::mem::take(&mut self.skipped);
            self.events_dropped += count;
            let text = format!(
                "… {count} events not shown: they came faster than a screen can show (the nodes were not slowed)"
            );
            self.push(SystemTime::now(), "console", FlowKind::Warning, text);
        }
        // Tasks publish a hair out of order; each frame's batch is shown in time order.
        self.unformatted.make_contiguous().sort_by_key(|item| match item {
            Unformatted::Event(event) => event.at,
            Unformatted::Note { at, .. } => *at,
        });
        while let Some(item) = self.unformatted.pop_front() {
            match item {
                Unformatted::Event(event) => {
                    self.push(event.at, &event.node, kind_of(&event.kind), event.kind.to_string())
                }
                Unformatted::Note { at, kind, text } => self.push(at, "console", kind, text),
            }
        }
    }

    /// The most recent update, as far as it got.
    pub fn latest_update(&self) -> Option<&Flood> {
        self.accounting.latest()
    }

    /// What is up and cut now, for the accounting of floods that start next (a frame does this
    /// for a live herd; a replay, event by event).
    pub fn set_live(&mut self, live: herdctl_core::herd::Live) {
        self.accounting.set_live(live);
    }

    /// Takes in one event: counted at once, formatted when (and if) a frame shows it.
    pub fn apply(&mut self, event: Arc<HerdEvent>) {
        self.apply_seen(event, Instant::now());
    }

    /// Takes in one event as if it happened at `seen` (a replay's events happened a while
    /// before the moment shown, and light its links only as long as they would have).
    pub fn apply_seen(&mut self, event: Arc<HerdEvent>, seen: Instant) {
        self.accounting.apply(&event);
        match &event.kind {
            EventKind::FloodSent { to, .. } => {
                self.crossed.insert(link_key(&event.node, to), seen);
            }
            EventKind::FloodReceived { from, arrival, catch_up, .. } if !arrival.is_new() => {
                // A catch-up's copy of what the node knew is an echo of the reconnection, not a
                // flood's duplicate: said apart, so that no one counts it against the flood.
                let why = match (arrival, catch_up) {
                    (Arrival::Stale, _) => Dropped::Stale,
                    (_, true) => Dropped::CatchUp,
                    (_, false) => Dropped::Duplicate,
                };
                self.dropped_copies.insert((event.node.clone(), from.clone()), (seen, why));
            }
            EventKind::PlacesAnswered { upstream_requests, .. } => self.upstream_requests = *upstream_requests,
            EventKind::CacheUpdated { record, .. } => {
                let recent = self.recent.entry(event.node.clone()).or_default();
                recent.retain(|client| client != record.client());
                recent.push_front(record.client().to_string());
                recent.truncate(RECENT_KEPT);
            }
            EventKind::NodeDown => {
                self.recent.remove(&event.node);
            }
            // A reset herd starts its figures again: the events not shown before it are not
            // this herd's any more (its own count of those never published starts at zero too).
            EventKind::Reset => {
                self.events_dropped = 0;
                (self.missed, self.missed_at_frame) = (0, 0);
                self.skipped = 0;
                self.recent.clear();
            }
            EventKind::StrategySet { strategy } => self.strategy = strategy.to_string(),
            EventKind::Warning { text } => self.unseen_warning = Some(format!("warning: {text}")),
            _ => {}
        }
        self.queue(Unformatted::Event(event));
    }

    /// The console fell behind the herd and `count` events were lost before it saw them.
    pub fn dropped(&mut self, count: u64) {
        self.skipped += count;
        self.missed += count;
    }

    /// A line of the console's own (command replies, refusals).
    pub fn note(&mut self, text: String) {
        self.queue(Unformatted::Note { at: SystemTime::now(), kind: FlowKind::Other, text });
    }

    /// Rolls the messages-per-second window over the herd's exact totals; returns whether the
    /// figures changed.
    pub fn tick(&mut self, now: Instant, herd: &dyn Moment) -> bool {
        if now.duration_since(self.second_started) < Duration::from_secs(1) {
            return false;
        }
        let herdctl_core::herd::Totals { messages, duplicates, .. } = herd.totals();
        let before = (self.messages_per_second, self.duplicates);
        self.messages_per_second = messages.saturating_sub(self.messages_at_second);
        self.messages_at_second = messages;
        self.duplicates = duplicates;
        self.second_started = now;
        before != (self.messages_per_second, self.duplicates)
    }

    /// Whether the screen must be redrawn as time passes: a link is still lit, or messages moved
    /// in the current second (its rate must be rolled over and shown).
    pub fn animating(&self, now: Instant, herd: &dyn Moment) -> bool {
        self.crossed.values().any(|at| now.duration_since(*at) < LIT_FOR)
            || self.dropped_copies.values().any(|(at, _)| now.duration_since(*at) < DROPPED_FOR)
            || self.messages_per_second > 0
            || herd.totals().messages != self.messages_at_second
    }

    /// Which version of the story's client (the one tracked, else the client of the last update)
    /// each running node holds: 1 for the oldest record the herd has of it, and so on.
    fn story_versions(
        &self,
        herd: &dyn Moment,
        status: &[NodeStatus],
        tracked: Option<&str>,
    ) -> HashMap<String, Badge> {
        let Some(client) = tracked.map(str::to_string).or_else(|| self.accounting.latest().map(|f| f.client.clone()))
        else {
            return HashMap::new();
        };
        let held: Vec<(String, Option<herdctl_core::protocol::Timestamp>)> = status
            .iter()
            .filter(|node| node.up)
            .map(|node| {
                let stamp = herd.cache_entry(&node.name, &client).map(|e| e.record.stamp());
                (node.name.to_string(), stamp)
            })
            .collect();
        let mut versions: Vec<_> = held.iter().filter_map(|(_, stamp)| *stamp).collect();
        versions.sort();
        versions.dedup();
        held.into_iter()
            .map(|(node, stamp)| {
                let version = stamp.and_then(|s| versions.iter().position(|v| *v == s)).map(|i| i + 1);
                (node, Badge { client: Escaped(&client).to_string(), version })
            })
            .collect()
    }

    /// Gets ready for a frame at `now`: what came since the last one formatted into flow lines,
    /// the herd's totals read, lit links and dropped copies that faded forgotten, and what is up
    /// and cut noted for the accounting of floods that start next.
    pub fn prepare(&mut self, herd: &dyn Moment, now: Instant) {
        self.format_flow();
        self.duplicates = herd.totals().duplicates;
        self.crossed.retain(|_, at| now.duration_since(*at) < LIT_FOR);
        self.dropped_copies.retain(|_, (at, _)| now.duration_since(*at) < DROPPED_FOR);
        self.accounting.set_live(herd.live());
        // Events missed since the last frame make the updates of the moment a sample.
        let missed = self.missed + herd.totals().unpublished;
        self.accounting.events_missed(missed > self.missed_at_frame);
        self.missed_at_frame = missed;
    }

    /// The view of the herd now, with the selected node's cache where the operator scrolled it
    /// (as of the last `prepare`: the flow, the lit links).
    pub fn view(&self, herd: &dyn Moment, state: &UiState) -> HerdView<'_> {
        let status = herd.status();
        // Only the lecture layout shows which version of the story's client each node holds.
        let story =
            if state.present { self.story_versions(herd, &status, state.tracked.as_deref()) } else { HashMap::new() };
        let topology = herd.topology();
        // Every node of the topology, in its order: those this console runs, and those that run
        // in other processes (drawn, but their state is not known here).
        let nodes: Vec<NodeView> = topology
            .nodes()
            .iter()
            .map(|spec| {
                let (x, y) = self.positions.get(&spec.name).copied().unwrap_or((0.5, 0.5));
                let member = status.iter().find(|n| *n.name == *spec.name);
                NodeView {
                    name: spec.name.clone(),
                    up: member.is_some_and(|n| n.up),
                    here: member.is_some_and(|n| n.reachable),
                    unreachable: member.is_some_and(|n| !n.reachable),
                    clients: member.map_or(0, |n| n.clients),
                    x,
                    y,
                    addr: member.map_or_else(|| format!("{}:{}", spec.host, spec.port), |n| n.client_addr.to_string()),
                    story: story.get(spec.name.as_str()).cloned(),
                }
            })
            .collect();
        let is_up = |from: &str, to: &str| {
            status
                .iter()
                .find(|n| &*n.name == from)
                .is_some_and(|n| n.links.iter().any(|(name, up)| &**name == to && *up))
        };
        let held = herd.held();
        // An unreachable attached node's side of a link is not known here either.
        let here = |name: &str| status.iter().any(|n| &*n.name == name && n.reachable);
        let links = topology
            .links()
            .into_iter()
            .map(|(a, b)| {
                let state = match (here(&a), here(&b)) {
                    (true, true) => match (is_up(&a, &b), is_up(&b, &a)) {
                        (true, true) => LinkState::Up,
                        (false, false) => LinkState::Down,
                        _ => LinkState::Half,
                    },
                    // One end here: its side of the link is all this console can know.
                    (true, false) => {
                        if is_up(&a, &b) {
                            LinkState::Up
                        } else {
                            LinkState::Down
                        }
                    }
                    (false, true) => {
                        if is_up(&b, &a) {
                            LinkState::Up
                        } else {
                            LinkState::Down
                        }
                    }
                    (false, false) => LinkState::Elsewhere,
                };
                let lit = self.crossed.contains_key(&link_key(&a, &b));
                let count = |from: &str, to: &str| held.iter().filter(|h| &*h.from == from && &*h.to == to).count();
                LinkView {
                    a: a.to_string(),
                    b: b.to_string(),
                    state,
                    lit,
                    cut: herd.is_cut(&a, &b),
                    cut_one_way: match (herd.is_cut_from(&a, &b), herd.is_cut_from(&b, &a)) {
                        (true, false) => Some(format!("{a}>{b}")),
                        (false, true) => Some(format!("{b}>{a}")),
                        _ => None,
                    },
                    latency: match herd.delay(&a, &b) {
                        delay if delay.base.is_zero() => String::new(),
                        delay => delay.to_string(),
                    },
                    loss_percent: (herd.loss(&a, &b) * 100.0).round() as u32,
                    held_a_to_b: count(&a, &b),
                    held_b_to_a: count(&b, &a),
                    dropped_at_a: self.dropped_copies.get(&(a.clone(), b.clone())).map(|(_, why)| *why),
                    dropped_at_b: self.dropped_copies.get(&(b.clone(), a.clone())).map(|(_, why)| *why),
                }
            })
            .collect();
        let cache_of = |index: usize, anchor: &CacheAnchor| match nodes.get(index) {
            Some(node) if node.here && state.cache_by_recency => CacheView {
                addr: node.addr.clone(),
                by_recency: true,
                recent_seen: Some(self.recent.get(node.name.as_str()).map_or(0, VecDeque::len))
                    .filter(|seen| *seen < node.clients),
                recent_sampled: self.missed_at_frame > 0,
                ..recent_view(
                    herd,
                    &node.name,
                    (node.up, node.clients),
                    self.recent.get(node.name.as_str()),
                    anchor,
                    state,
                )
            },
            Some(node) if node.here => CacheView {
                addr: node.addr.clone(),
                ..cache_view(herd, &node.name, node.up, node.clients, anchor, state)
            },
            Some(node) => CacheView {
                node: node.name.clone(),
                addr: node.addr.clone(),
                elsewhere: true,
                unreachable: node.unreachable,
                ..CacheView::default()
            },
            None => CacheView::default(),
        };
        // A walkthrough's `show A B CLIENT`: both panes at that client's row, marked.
        let marked = |cache: CacheView| CacheView { marked: state.shown_client.clone(), ..cache };
        let cache = marked(cache_of(state.selected, &state.cache_anchor));
        let compare_anchor = state.shown_client.clone().map_or(CacheAnchor::First, CacheAnchor::At);
        let compare = state.compare.map(|index| marked(cache_of(index, &compare_anchor)));
        let stats = Stats {
            nodes_up: status.iter().filter(|n| n.up).count(),
            nodes_total: status.len(),
            nodes_elsewhere: nodes.len() - status.len(),
            nodes_unreachable: status.iter().filter(|n| !n.reachable).count(),
            clients: status.iter().map(|n| n.clients).max().unwrap_or(0),
            messages_per_second: self.messages_per_second,
            duplicates_dropped: self.duplicates,
            places_source: self.places_source.clone(),
            strategy: self.strategy.clone(),
            upstream_requests: self.upstream_requests,
            // Lost by the console (it fell behind) or never published (over the nodes' budget).
            events_dropped: self.events_dropped + herd.totals().unpublished,
            mode: match herd.mode() {
                Mode::Live => ModeView::Live,
                Mode::Step => ModeView::Step { held: held.len() },
                Mode::Slow(delay) => ModeView::Slow { millis: delay.as_millis() as u64 },
            },
            last_flood: self.accounting.latest().map(flood_view),
        };
        let mut held = herd.held();
        held.sort_by(|a, b| a.order().cmp(&b.order()));
        let held = held
            .into_iter()
            .map(|held| HeldView {
                id: held.id,
                from: held.from.to_string(),
                to: held.to.to_string(),
                client: Escaped(&held.client).to_string(),
                hops: held.hops,
                waited_ms: held.since.elapsed().as_millis() as u64,
            })
            .collect();
        HerdView {
            nodes,
            links,
            cache,
            compare,
            flow: Cow::Borrowed(self.flow.lines()),
            stats,
            held,
            timeline: None,
            verbs: herdctl_teach::command::verbs().collect(),
            slots: Some(herdctl_ui::Slots(slot_of)),
        }
    }
}

/// What the next word of a command stands for, from the commands' own forms, as `ui` takes it.
fn slot_of(before: &[&str]) -> herdctl_ui::Slot {
    use herdctl_teach::command::Slot as Form;
    use herdctl_ui::Slot;
    match herdctl_teach::command::slot(before) {
        Form::Verb => Slot::Verb,
        Form::Node => Slot::Node,
        Form::NeighbourOf(index) => Slot::NeighbourOf(index),
        Form::Client => Slot::Client,
        Form::Words(words) => Slot::Words(words),
        Form::NodeOr(words) => Slot::NodeOr(words),
        Form::Nothing => Slot::Nothing,
        Form::Any => Slot::Any,
    }
}

/// What an update cost, as the status bar shows it.
pub fn flood_view(flood: &Flood) -> FloodView {
    FloodView {
        client: flood.client.clone(),
        origin: flood.origin.to_string(),
        messages: flood.messages,
        duplicates: flood.duplicates,
        stale: flood.stale,
        lost: flood.lost.len(),
        reached: flood.reached.len(),
        reachable: flood.reachable.len(),
        hops: flood.hops(),
        fewest_hops: flood.minimum_hops(),
        so_far: None,
        lost_in_kill: flood.lost_in_kills(),
        killed: flood.killed.last().map(|(node, _)| node.to_string()).unwrap_or_default(),
        ended: flood.is_closed(),
        sampled: flood.sampled,
    }
}

/// The newest `FLOW_KEPT` flow lines, in one slice that a view can borrow: lines are appended to
/// a buffer of twice that, and the oldest half dropped when it is full (a copy every `FLOW_KEPT`
/// lines, instead of a ring that would need rearranging before each frame).
#[derive(Default)]
struct FlowKept {
    lines: Vec<FlowLine>,
}

impl FlowKept {
    fn push(&mut self, line: FlowLine) {
        if self.lines.len() == 2 * FLOW_KEPT {
            self.lines.drain(..FLOW_KEPT);
        }
        self.lines.push(line);
    }

    /// The newest `FLOW_KEPT` lines, oldest first.
    fn lines(&self) -> &[FlowLine] {
        &self.lines[self.lines.len().saturating_sub(FLOW_KEPT)..]
    }
}

fn cache_row(entry: &Entry) -> CacheRow {
    CacheRow {
        client: Escaped(entry.record.client()).to_string(),
        position: entry.record.coords().to_string(),
        time: entry.record.time().to_string(),
        server: entry.record.server().to_string(),
        difference: entry.record.difference().to_string(),
        via: match &entry.via {
            Via::Client => "client".to_string(),
            Via::Peer(peer) => format!("{peer} ·{}", entry.hops),
        },
    }
}

/// The window of `node`'s cache around the pane's anchor: at most `CACHE_WINDOW` clients on each
/// side, read as two short pages (the node's lock is held for microseconds, at any size).
fn cache_view(
    herd: &dyn Moment,
    node: &str,
    up: bool,
    total: usize,
    anchor: &CacheAnchor,
    state: &UiState,
) -> CacheView {
    let page = |start: PageStart| herd.cache_page(node, &start, CACHE_WINDOW);
    let visible = state.extents.cache_page.get().max(1);
    let (before, after) = match anchor {
        CacheAnchor::First => (Vec::new(), page(PageStart::First)),
        CacheAnchor::Last => (page(PageStart::Last), Vec::new()),
        CacheAnchor::At(client) => match page(PageStart::From(client.clone())) {
            // The anchor's client and all after it are gone: show the end.
            after if after.is_empty() => (page(PageStart::Last), Vec::new()),
            after => (page(PageStart::Before(client.clone())), after),
        },
    };
    let (at_start, at_end) = match anchor {
        CacheAnchor::First => (true, after.len() < CACHE_WINDOW),
        _ if after.is_empty() => (before.len() < CACHE_WINDOW, true),
        _ => (before.len() < CACHE_WINDOW, after.len() < CACHE_WINDOW),
    };
    // At the end, the pane shows the last screenful.
    let top = if after.is_empty() { before.len().saturating_sub(visible) } else { before.len() };
    let rows = before.iter().chain(&after).map(cache_row).collect();
    CacheView { node: node.to_string(), up, total, rows, top, at_start, at_end, ..CacheView::default() }
}

/// The window of `node`'s most recently updated clients around the pane's anchor (a client of
/// that list), newest first: a few screens' worth read, one client at a time.
fn recent_view(
    herd: &dyn Moment,
    node: &str,
    (up, total): (bool, usize),
    recent: Option<&VecDeque<String>>,
    anchor: &CacheAnchor,
    state: &UiState,
) -> CacheView {
    let empty = VecDeque::new();
    let recent = recent.unwrap_or(&empty);
    let visible = state.extents.cache_page.get().max(1);
    let at = match anchor {
        CacheAnchor::First => 0,
        CacheAnchor::Last => recent.len().saturating_sub(visible),
        CacheAnchor::At(client) => recent.iter().position(|c| c == client).unwrap_or(0),
    };
    let start = at.saturating_sub(visible);
    let rows: Vec<CacheRow> = recent
        .iter()
        .skip(start)
        .take(at - start + 2 * visible)
        .filter_map(|client| herd.cache_entry(node, client))
        .map(|entry| cache_row(&entry))
        .collect();
    CacheView {
        node: node.to_string(),
        up,
        total,
        top: at - start,
        at_start: at == 0,
        at_end: at + visible >= recent.len(),
        rows,
        ..CacheView::default()
    }
}

#[cfg(test)]
mod tests;
