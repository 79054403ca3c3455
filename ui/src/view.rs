//! The view model: plain values that describe the herd at one moment, as the console shows it.

use std::borrow::Cow;

/// Everything the screen shows that comes from the herd. The flow is borrowed from whoever keeps
/// it (thousands of lines, of which a frame shows a few dozen), so that a frame copies none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HerdView<'a> {
    pub nodes: Vec<NodeView>,
    pub links: Vec<LinkView>,
    /// The cache of the selected node.
    pub cache: CacheView,
    /// A second node's cache, shown beside it (a walkthrough's `show A B`).
    pub compare: Option<CacheView>,
    /// Recent events, oldest first, numbered.
    pub flow: Cow<'a, [FlowLine]>,
    pub stats: Stats,
    /// The transmissions held now (step mode), in release order.
    pub held: Vec<HeldView>,
    /// Shown while the screen is a recorded moment (a replay, or a live console looking back).
    pub timeline: Option<TimelineView>,
    /// The command line's verbs, for Tab to complete.
    pub verbs: Vec<&'static str>,
    /// What the next word of a command stands for, given the words before it (the verb first),
    /// so that Tab offers only what fits there; `None`: anything (nodes, clients, words).
    pub slots: Option<Slots>,
}

/// What the next word of a command stands for, given the words before it: the commands' own
/// forms, which the console knows (ui never imports them).
#[derive(Clone, Copy)]
pub struct Slots(pub fn(&[&str]) -> Slot);

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slots")
    }
}

/// One table of forms for the life of the console: views compare by what they show.
impl PartialEq for Slots {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// What a word of a command stands for, for Tab to complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A verb (a command inside `at 2s ...`).
    Verb,
    Node,
    /// A neighbour of the node named by the word at this index (the verb is 0).
    NeighbourOf(usize),
    /// A client the view knows.
    Client,
    /// One of these words.
    Words(&'static [&'static str]),
    /// A node, or one of these words.
    NodeOr(&'static [&'static str]),
    /// A number, a duration or free text: nothing to complete.
    Nothing,
    /// Not known: nodes, clients and the forms' words.
    Any,
}

/// Where a recorded moment sits in its recording, and what happens around it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimelineView {
    /// The moment shown, from the recording's start.
    pub at_ms: u64,
    pub length_ms: u64,
    /// Events up to the moment, of all the recording's events.
    pub event: usize,
    pub events: usize,
    pub playing: bool,
    /// Playing speed, in tenths (10: as fast as it happened).
    pub speed_tenths: u32,
    /// Faults, floods and captions, for the bar.
    pub marks: Vec<Mark>,
    /// A live console looking back at a moment just passed (the herd runs on meanwhile);
    /// otherwise a replay of a file.
    pub looking_back: bool,
    /// What happened at the moment shown, in words.
    pub now: String,
    /// The recording has gaps (events let go or never recorded): the moment shown is rebuilt
    /// from what was kept, and may miss what the gaps held.
    pub incomplete: bool,
    /// Of those gaps, the events known lost (a look-back after a burst: its moments are rebuilt
    /// from `events` of `events + missing`).
    pub missing: u64,
}

/// Something worth jumping to on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub at_ms: u64,
    pub kind: MarkKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// A kill, revive, cut, heal, loss or latency change, a lost or dropped message.
    Fault,
    /// A client's new record, the start of a flood.
    Flood,
    /// A walkthrough's caption or section.
    Story,
}

/// A transmission held in step mode, waiting for the operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldView {
    pub id: u64,
    pub from: String,
    pub to: String,
    pub client: String,
    pub hops: u32,
    /// How long it has waited.
    pub waited_ms: u64,
}

/// What the operator makes of one held transmission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeldChoice {
    Deliver,
    Drop,
    Duplicate,
}

impl HerdView<'_> {
    /// Two node names for examples: the first node and a neighbour of it (or any other node).
    pub fn example_names(&self) -> (&str, &str) {
        let first = self.nodes.first().map_or("NODE", |n| n.name.as_str());
        let neighbour = self
            .links
            .iter()
            .find_map(|l| {
                if l.a == first {
                    Some(l.b.as_str())
                } else if l.b == first {
                    Some(l.a.as_str())
                } else {
                    None
                }
            })
            .or_else(|| self.nodes.get(1).map(|n| n.name.as_str()))
            .unwrap_or(first);
        (first, neighbour)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeView {
    pub name: String,
    pub up: bool,
    /// Runs in this process (or is attached); `false`: in another process or machine, its state
    /// unknown here.
    pub here: bool,
    /// Attached, but its control port cannot be reached: its state is unknown, which is not down.
    pub unreachable: bool,
    /// How many clients it knows.
    pub clients: usize,
    /// Position on the graph, as fractions of its width and height (0,0 top left).
    pub x: f64,
    pub y: f64,
    /// Where clients reach it.
    pub addr: String,
    /// Which version of the story's client it holds (the client a walkthrough tracks, else the
    /// client of the last update): so that a partition's two sides look different.
    pub story: Option<Badge>,
}

/// Which version of one client a node holds: `fig v2`, or `no fig`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Badge {
    pub client: String,
    /// 1 for the oldest record any running node holds, and so on; `None`: it holds none.
    pub version: Option<usize>,
}

/// A link between two nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkView {
    pub a: String,
    pub b: String,
    pub state: LinkState,
    /// A record crossed it a moment ago.
    pub lit: bool,
    /// Cut by the operator (either way).
    pub cut: bool,
    /// Cut one way only: which (`Riley>Jaquez`: Riley's messages to Jaquez are lost).
    pub cut_one_way: Option<String>,
    /// Extra latency set by the operator, as the graph writes it (`500ms`, `100ms±40ms`,
    /// `exp:100ms`); empty for none.
    pub latency: String,
    /// The share of messages the link loses, in percent (0: none).
    pub loss_percent: u32,
    /// Transmissions held at `a` for `b`, and at `b` for `a` (step mode).
    pub held_a_to_b: usize,
    pub held_b_to_a: usize,
    /// A copy dropped a moment ago at `a` (coming from `b`), and at `b` (coming from `a`).
    pub dropped_at_a: Option<Dropped>,
    pub dropped_at_b: Option<Dropped>,
}

impl LinkView {
    /// A link up between `a` and `b` with nothing on it: nothing lit, cut, slowed, held or
    /// dropped (what a view builds on, field by field).
    pub fn up(a: &str, b: &str) -> Self {
        Self {
            a: a.into(),
            b: b.into(),
            state: LinkState::Up,
            lit: false,
            cut: false,
            cut_one_way: None,
            latency: String::new(),
            loss_percent: 0,
            held_a_to_b: 0,
            held_b_to_a: 0,
            dropped_at_a: None,
            dropped_at_b: None,
        }
    }
}

/// Why an arriving copy was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dropped {
    /// The very record the node had.
    Duplicate,
    /// Older than what the node has.
    Stale,
    /// Sent in a catch-up (a link came back) and already known: the echo of a catch-up, not
    /// part of any flood.
    CatchUp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// Connected both ways.
    Up,
    /// Connected one way only (a side is (re)connecting).
    Half,
    Down,
    /// Between two nodes that run elsewhere: not known here.
    Elsewhere,
}

/// A window of the selected node's cache, in client ID order: the rows around the place the
/// operator scrolled to, never the whole cache.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CacheView {
    pub node: String,
    /// Where its clients reach it: the port it really listens on (a topology's port 0 is chosen
    /// at start).
    pub addr: String,
    pub up: bool,
    /// Every client the node knows (the rows are a window of them).
    pub total: usize,
    pub rows: Vec<CacheRow>,
    /// The row the pane starts at (rows before it are there to scroll back to).
    pub top: usize,
    /// Whether the window reaches the first client / the last client.
    pub at_start: bool,
    pub at_end: bool,
    /// The node runs in another process: its cache cannot be read from here.
    pub elsewhere: bool,
    /// Attached, but its control port does not answer: nothing of it is known here.
    pub unreachable: bool,
    /// A recorded moment, not the node now: the operator cannot act on it.
    pub recorded: bool,
    /// The most recently updated clients first, instead of by name.
    pub by_recency: bool,
    /// In that order, the clients the console saw updated (it keeps so many, and sees only the
    /// updates it was shown), when that is not every client the node knows.
    pub recent_seen: Option<usize>,
    /// The console missed updates (a burst): the order is from a sample.
    pub recent_sampled: bool,
    /// The client a walkthrough shows (`show A B CLIENT`): its row is marked, or the pane says the
    /// node has none.
    pub marked: Option<String>,
}

/// Where the cache pane is scrolled to, in client ID order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CacheAnchor {
    /// The first clients.
    #[default]
    First,
    /// The last clients: the pane stays at the end as clients arrive.
    Last,
    /// The pane starts at this client (or the next one after it, if it is gone).
    At(String),
}

/// One client as a node knows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CacheRow {
    pub client: String,
    pub position: String,
    pub time: String,
    /// The node that received the IAMAT.
    pub server: String,
    pub difference: String,
    /// Where this node got it: `client`, or a neighbour and the hop count (`Jaquez ·2`).
    pub via: String,
}

/// One event in the message flow.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowLine {
    /// Increasing; used to freeze the view at a point.
    pub seq: u64,
    /// Wall-clock time, `HH:MM:SS.mmm`.
    pub time: String,
    pub node: String,
    pub kind: FlowKind,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowKind {
    ClientIn,
    ClientOut,
    FloodSent,
    FloodReceived,
    Duplicate,
    Link,
    /// A peer's connection accepted or closed: how links work, not a fault.
    Connection,
    Node,
    Places,
    /// Something the operator should notice (refused peers, lost events).
    Warning,
    Other,
}

/// Which kinds of flow line are shown (`v` cycles through them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KindFilter {
    #[default]
    All,
    /// Client lines in and replies out.
    Clients,
    /// Records sent and received.
    Floods,
    /// Copies dropped on arrival, and messages dropped or lost on the way.
    Duplicates,
    /// Nodes and links: up, down, cut, healed, slowed (not a peer's ordinary connection).
    Faults,
    /// Warnings, refusals, `?` replies.
    Errors,
}

impl KindFilter {
    pub fn next(self) -> Self {
        match self {
            Self::All => Self::Clients,
            Self::Clients => Self::Floods,
            Self::Floods => Self::Duplicates,
            Self::Duplicates => Self::Faults,
            Self::Faults => Self::Errors,
            Self::Errors => Self::All,
        }
    }

    pub fn shows(self, kind: FlowKind) -> bool {
        match self {
            Self::All => true,
            Self::Clients => matches!(kind, FlowKind::ClientIn | FlowKind::ClientOut),
            Self::Floods => matches!(kind, FlowKind::FloodSent | FlowKind::FloodReceived),
            Self::Duplicates => kind == FlowKind::Duplicate,
            Self::Faults => matches!(kind, FlowKind::Node | FlowKind::Link),
            Self::Errors => kind == FlowKind::Warning,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Self::All => "every kind",
            Self::Clients => "client lines",
            Self::Floods => "floods",
            Self::Duplicates => "duplicates and drops",
            Self::Faults => "faults",
            Self::Errors => "errors",
        }
    }
}

/// The herd's figures for the status bar.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub nodes_up: usize,
    /// Nodes this console runs.
    pub nodes_total: usize,
    /// Nodes of the topology that run in other processes.
    pub nodes_elsewhere: usize,
    /// Attached nodes whose control port cannot be reached.
    pub nodes_unreachable: usize,
    /// Clients known by the best-informed node (the most any one node knows; clients known only
    /// by different nodes are not added up).
    pub clients: usize,
    /// Client and peer messages in the last second.
    pub messages_per_second: u64,
    pub duplicates_dropped: u64,
    pub places_source: String,
    /// How nodes pass records on (`flood`, `tree`).
    pub strategy: String,
    pub upstream_requests: u64,
    /// Events the console could not keep up with (dropped, never slowing the nodes).
    pub events_dropped: u64,
    pub mode: ModeView,
    /// What the last update cost.
    pub last_flood: Option<FloodView>,
}

/// How transmissions flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ModeView {
    #[default]
    Live,
    /// Every transmission held; this many wait now.
    Step { held: usize },
    /// Every hop takes this long.
    Slow { millis: u64 },
}

/// What one update cost: numbers, formatted by the screen as room allows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FloodView {
    pub client: String,
    pub origin: String,
    /// Peer messages that flooded it (catch-up not counted).
    pub messages: usize,
    /// Of those, copies dropped on arrival: duplicates, and stale ones (a newer record was known).
    pub duplicates: usize,
    pub stale: usize,
    /// Messages the operator dropped on the way (never sent, so not among `messages`).
    pub lost: usize,
    /// Nodes that have it, of those it could reach when it started.
    pub reached: usize,
    pub reachable: usize,
    /// Hops until the last node had it, and the fewest that could do.
    pub hops: u32,
    pub fewest_hops: usize,
    /// In a replay, the figures are the update's whole cost as recorded; this many of its
    /// messages had been sent by the moment shown, when that is not all of them.
    pub so_far: Option<usize>,
    /// Held transmissions (step mode) lost with a killed node, and the node killed last.
    pub lost_in_kill: usize,
    pub killed: String,
    /// Nothing more of it will come (a kill took what still waited): its figures are final.
    pub ended: bool,
    /// Some of its events were never seen (the nodes published over their budget): its figures
    /// are from a sample.
    pub sampled: bool,
}
