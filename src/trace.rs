//! Trace export: every client and peer message (catch-up included) and every fault the operator
//! caused, with its time, written as JSON lines (`.jsonl`) or drawn as a sequence diagram
//! (`.svg`): one vertical line per node, time flowing down, an arrow per message.
//!
//! Recording costs the nodes one short lock of their own ring per event (no lock shared between
//! nodes); everything else (merging, matching sends to receives, formatting) happens when a trace
//! is written, in time linear in its length, and off the console's task.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde_json::json;

use crate::event::{Arrival, EventKind, EventRing, HerdEvent, RECORDED_PER_SECOND, RingLosses, Via};
use crate::topology::NodeName;

/// Events each node's ring keeps; past this the oldest go first (and the export says so).
pub const KEPT_PER_NODE: usize = 100_000;
/// Rows an SVG draws at most: the newest are kept, and the diagram says what it left out (a
/// diagram of a burst's 200,000 messages would be unreadable; the `.jsonl` keeps them all).
pub const SVG_ROWS: usize = 2_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    ClientIn,
    ClientOut,
    PeerSend,
    PeerReceive,
    /// Something the operator did or that happened to a node: kill, revive, cut, heal, latency,
    /// a change of mode, a reset.
    Fault,
    /// A walkthrough's caption: the story told beside the messages.
    Caption,
    /// A walkthrough's section begins.
    Section,
    /// A walkthrough's expectation, checked: `value` says `held` or `failed`.
    Expectation,
    /// A peer transmission held at its sender (step mode) until the operator decides its fate.
    Held,
    /// A node's cache took a client's own IAMAT (records from neighbours are the `PeerReceive`s
    /// that arrived new): with these, a replay rebuilds every cache.
    Learned,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub at: SystemTime,
    pub node: NodeName,
    pub kind: Kind,
    /// The other node of a peer message (or of a link fault).
    pub peer: Option<NodeName>,
    /// The client a peer message is about, the client line, or what the fault was.
    pub text: String,
    /// The whole AT line of a peer message: what matches a receive to its send.
    pub record: Option<String>,
    pub hops: Option<u32>,
    /// For a received record: new, duplicate or stale.
    pub arrival: Option<Arrival>,
    /// For a peer message: part of a catch-up exchange rather than a flood.
    pub catch_up: Option<bool>,
    /// For a fault: which, as a word a program can match (docs/TRACE.md lists them).
    pub fault: Option<&'static str>,
    /// For a client line or reply, the client's address.
    pub addr: Option<String>,
    /// For a fault that sets something, what it set, as the command line writes it: a latency
    /// (`100ms±40ms`), a loss (`20`, percent), a mode (`step`, `live`, `slow 500ms`), a seed.
    pub value: Option<String>,
}

/// A trace line as written: borrowed from its entry, serialized straight into the output (no
/// map of values built per line, which a stream of events would pay for on the node).
#[derive(serde::Serialize)]
struct Line<'a> {
    t: f64,
    node: &'a str,
    kind: &'static str,
    peer: Option<&'a str>,
    text: &'a str,
    fault: Option<&'static str>,
    value: Option<&'a str>,
    addr: Option<&'a str>,
    record: Option<&'a str>,
    hops: Option<u32>,
    arrival: Option<&'static str>,
    fresh: Option<bool>,
    catch_up: Option<bool>,
}

impl<'a> Line<'a> {
    fn of(entry: &'a Entry, t: f64) -> Self {
        let kind = match entry.kind {
            Kind::ClientIn => "client_in",
            Kind::ClientOut => "client_out",
            Kind::PeerSend => "peer_send",
            Kind::PeerReceive => "peer_receive",
            Kind::Fault => "fault",
            Kind::Caption => "caption",
            Kind::Section => "section",
            Kind::Held => "held",
            Kind::Learned => "learned",
            Kind::Expectation => "expect",
        };
        let arrival = entry.arrival.map(|a| match a {
            Arrival::New => "new",
            Arrival::Duplicate => "duplicate",
            Arrival::Stale => "stale",
        });
        Self {
            t,
            node: &entry.node,
            kind,
            peer: entry.peer.as_deref(),
            text: &entry.text,
            fault: entry.fault,
            value: entry.value.as_deref(),
            addr: entry.addr.as_deref(),
            record: entry.record.as_deref(),
            hops: entry.hops,
            arrival,
            fresh: entry.arrival.map(Arrival::is_new),
            catch_up: entry.catch_up,
        }
    }
}

impl Entry {
    /// Whether a diagram draws it: a held transmission shows as its later send, a client's
    /// record as its IAMAT, and links coming and going as the messages that cross them.
    pub(crate) fn is_drawn(&self) -> bool {
        !matches!(self.kind, Kind::Held | Kind::Learned) && !matches!(self.fault, Some("link_up" | "link_down"))
    }
}

/// A fault's kind, as the trace names it.
fn fault_kind(kind: &EventKind) -> Option<&'static str> {
    Some(match kind {
        EventKind::NodeUp { .. } => "node_up",
        EventKind::NodeDown => "node_down",
        EventKind::LinkCut { .. } => "cut",
        EventKind::LinkCutOneWay { .. } => "cut_one_way",
        EventKind::LinkHealed { .. } => "heal",
        EventKind::LinkHealedOneWay { .. } => "heal_one_way",
        EventKind::LatencySet { .. } => "latency",
        EventKind::LossSet { .. } => "loss",
        EventKind::ModeChanged { .. } => "mode",
        EventKind::Reset => "reset",
        EventKind::ShuttingDown => "shutdown",
        EventKind::StrategySet { .. } => "strategy",
        EventKind::Seeded { .. } => "seed",
        EventKind::FloodDropped { by_operator: true, .. } => "dropped",
        EventKind::FloodDropped { by_operator: false, .. } => "lost",
        EventKind::LinkUp { .. } => "link_up",
        EventKind::LinkDown { .. } => "link_down",
        _ => return None,
    })
}

/// What a fault set, as the command line writes it (`value` in the trace).
fn fault_value(kind: &EventKind) -> Option<String> {
    Some(match kind {
        EventKind::LatencySet { delay, .. } => delay.to_string(),
        EventKind::LossSet { percent, .. } => percent.to_string(),
        EventKind::ModeChanged { mode } => mode.to_string(),
        EventKind::Seeded { seed } => seed.to_string(),
        EventKind::StrategySet { strategy } => strategy.to_string(),
        _ => return None,
    })
}

/// A recording of one session: a ring of events per node.
pub struct Trace {
    started: SystemTime,
    rings: Mutex<Vec<Arc<EventRing>>>,
    /// The herd's seed, for the diagram's title: `--seed` with it replays the random choices.
    seed: Mutex<Option<u64>>,
    /// Only this client's messages are written (`--trace-client`); faults and the story always.
    client: Option<String>,
    /// The herd's topology, as topology.json writes it: a replay draws the herd from it.
    topology: Mutex<Option<serde_json::Value>>,
}

impl Default for Trace {
    fn default() -> Self {
        Self {
            started: SystemTime::now(),
            rings: Mutex::default(),
            seed: Mutex::default(),
            client: None,
            topology: Mutex::default(),
        }
    }
}

/// The version of the JSON lines format, written first in every trace (docs/TRACE.md).
pub const TRACE_FORMAT: &str = "herdctl-trace/1";

/// What the colours and strokes of the diagram mean.
const LEGEND: &str = "orange: a record's first copy · blue: catch-up (sync) · grey, dashed: a copy dropped on arrival \
     (dup, stale) · green and blue at a lane: a client's line and its reply · red: faults, losses, the story's turns \
     · hover an arrow for the whole message";

/// `text`'s items (separated by ` · `) in rows of at most `width` characters.
fn wrap_items(text: &str, width: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for item in text.split(" · ") {
        match rows.last_mut() {
            Some(row) if row.chars().count() + 3 + item.chars().count() <= width => {
                row.push_str(" · ");
                row.push_str(item);
            }
            _ => rows.push(item.to_string()),
        }
    }
    rows
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A caption or a section title as the diagram writes it.
pub(crate) fn caption_text(entry: &Entry) -> String {
    match entry.kind {
        Kind::Section => format!("── {} ──", entry.text),
        Kind::Expectation if entry.value.as_deref() == Some("held") => format!("✓ {}", entry.text),
        Kind::Expectation => format!("✗ {}", entry.text),
        _ => format!("» {}", entry.text),
    }
}

pub(crate) fn shorten(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(most - 1).collect::<String>())
    }
}

impl Trace {
    /// A new ring for one node's (or the herd's) events, recorded from now on.
    pub fn ring(&self) -> Arc<EventRing> {
        let ring = Arc::new(EventRing::new(KEPT_PER_NODE));
        self.rings.lock().unwrap_or_else(|p| p.into_inner()).push(ring.clone());
        ring
    }

    fn entry(event: &HerdEvent) -> Option<Entry> {
        let fault = |peer: Option<NodeName>| Entry {
            at: event.at,
            node: event.node.clone(),
            kind: Kind::Fault,
            peer,
            text: event.kind.to_string(),
            fault: fault_kind(&event.kind),
            value: fault_value(&event.kind),
            addr: None,
            record: None,
            hops: None,
            arrival: None,
            catch_up: None,
        };
        let message = |kind, peer, text: String| Entry {
            at: event.at,
            node: event.node.clone(),
            kind,
            peer,
            text,
            fault: None,
            value: None,
            addr: None,
            record: None,
            hops: None,
            arrival: None,
            catch_up: None,
        };
        Some(match &event.kind {
            EventKind::ClientLine { line, addr } => {
                Entry { addr: Some(addr.to_string()), ..message(Kind::ClientIn, None, line.to_string()) }
            }
            EventKind::ClientReply { reply, addr } => Entry {
                addr: Some(addr.to_string()),
                ..message(Kind::ClientOut, None, reply.lines().next().unwrap_or_default().to_string())
            },
            EventKind::FloodSent { to, record, hops, catch_up } => Entry {
                record: Some(record.line().to_string()),
                hops: Some(*hops),
                catch_up: Some(*catch_up),
                ..message(Kind::PeerSend, Some(to.clone()), record.client().to_string())
            },
            EventKind::FloodReceived { from, record, hops, arrival, catch_up } => Entry {
                record: Some(record.line().to_string()),
                hops: Some(*hops),
                arrival: Some(*arrival),
                catch_up: Some(*catch_up),
                ..message(Kind::PeerReceive, Some(from.clone()), record.client().to_string())
            },
            EventKind::NodeUp { .. }
            | EventKind::NodeDown
            | EventKind::ModeChanged { .. }
            | EventKind::Reset
            | EventKind::ShuttingDown
            | EventKind::StrategySet { .. } => fault(None),
            EventKind::Caption { text } => Entry { kind: Kind::Caption, text: text.to_string(), ..fault(None) },
            EventKind::Seeded { .. } => fault(None),
            EventKind::Section { title } => Entry { kind: Kind::Section, text: title.to_string(), ..fault(None) },
            EventKind::Checked { held, text } => Entry {
                kind: Kind::Expectation,
                text: text.to_string(),
                value: Some(if *held { "held" } else { "failed" }.to_string()),
                ..fault(None)
            },
            EventKind::LinkCut { neighbour }
            | EventKind::LinkCutOneWay { neighbour }
            | EventKind::LinkHealed { neighbour }
            | EventKind::LinkHealedOneWay { neighbour } => fault(Some(neighbour.clone())),
            EventKind::LatencySet { neighbour, .. } | EventKind::LossSet { neighbour, .. } => {
                fault(Some(neighbour.clone()))
            }
            EventKind::FloodDropped { to, record, hops, catch_up, .. } => Entry {
                record: Some(record.line().to_string()),
                hops: Some(*hops),
                catch_up: Some(*catch_up),
                ..fault(Some(to.clone()))
            },
            EventKind::LinkUp { neighbour } | EventKind::LinkDown { neighbour, .. } => fault(Some(neighbour.clone())),
            EventKind::FloodHeld { to, record, hops, catch_up } => Entry {
                record: Some(record.line().to_string()),
                hops: Some(*hops),
                catch_up: Some(*catch_up),
                ..message(Kind::Held, Some(to.clone()), record.client().to_string())
            },
            EventKind::CacheUpdated { record, via: Via::Client, hops, catch_up } => Entry {
                record: Some(record.line().to_string()),
                hops: Some(*hops),
                catch_up: Some(*catch_up),
                ..message(Kind::Learned, None, record.client().to_string())
            },
            _ => return None,
        })
    }

    /// Everything recorded, in time order (tasks record a hair out of order), and what the
    /// rings did not keep.
    pub fn entries(&self) -> (Vec<Entry>, RingLosses) {
        let (events, losses) = self.gathered();
        let entries = events.iter().filter_map(|event| Self::entry(event)).filter(|entry| self.wanted(entry)).collect();
        (entries, losses)
    }

    /// Every event of every ring, in time order, and what the rings did not keep.
    fn gathered(&self) -> (Vec<Arc<HerdEvent>>, RingLosses) {
        let rings: Vec<Arc<EventRing>> = self.rings.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut losses = RingLosses::default();
        let mut events = Vec::new();
        for ring in &rings {
            let (kept, lost) = ring.snapshot();
            losses += lost;
            events.extend(kept);
        }
        events.sort_by_key(|event| event.at);
        (events, losses)
    }

    /// Every event kept, in time order, with when the trace started and what it left out (in
    /// words): what a live console looks back at.
    pub fn events(&self) -> (Vec<Arc<HerdEvent>>, SystemTime, Vec<String>) {
        let (events, losses) = self.gathered();
        (events, self.started, Self::losses_note(losses))
    }

    /// The herd's seed, once the herd said it.
    pub fn seed(&self) -> Option<u64> {
        *self.seed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What a trace left out, in words (empty when it kept everything).
    fn losses_note(losses: RingLosses) -> Vec<String> {
        let mut notes = Vec::new();
        if losses.dropped > 0 {
            notes.push(format!("{} older events were let go (a node keeps its last {KEPT_PER_NODE})", losses.dropped));
        }
        if losses.skipped > 0 {
            notes.push(format!(
                "{} messages were not recorded: they came faster than {RECORDED_PER_SECOND} a second at a node",
                losses.skipped
            ));
        }
        notes
    }

    fn seconds(&self, at: SystemTime) -> f64 {
        at.duration_since(self.started).unwrap_or_default().as_secs_f64()
    }

    /// One JSON object a line: `t` (seconds since the start), `node`, `kind` (`client_in`,
    /// `client_out`, `peer_send`, `peer_receive`, `fault`, `caption`, `section`), `peer`, `text`, `hops`, `arrival`
    /// (`new`, `duplicate`, `stale`) and `fresh` (new or not) for received records, `catch_up`.
    pub fn to_jsonl(&self) -> String {
        let (entries, losses) = self.entries();
        self.jsonl_of(&entries, losses)
    }

    fn jsonl_of(&self, entries: &[Entry], losses: RingLosses) -> String {
        let mut out = String::new();
        // The first line says what this is (docs/TRACE.md): the format's version, when the
        // session started, its seed, and whether only one client's messages are in it.
        let seed = *self.seed.lock().unwrap_or_else(|p| p.into_inner());
        let header = json!({
            "format": TRACE_FORMAT,
            "started": humantime::format_rfc3339_micros(self.started).to_string(),
            "seed": seed,
            "client": self.client,
            "topology": *self.topology.lock().unwrap_or_else(|p| p.into_inner()),
        });
        let _ = writeln!(out, "{header}");
        for text in Self::losses_note(losses) {
            let _ = writeln!(out, "{}", json!({"t": 0.0, "kind": "note", "text": text}));
        }
        for entry in entries {
            if let Ok(line) = serde_json::to_string(&Line::of(entry, self.seconds(entry.at))) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    /// Appends one event as a trace line (its JSON, without the newline), `t` counted from
    /// `started`; `false` (nothing written) for the kinds a trace leaves out. The control port
    /// streams events this way (`herdctl --attach`).
    pub fn write_event(event: &HerdEvent, started: SystemTime, out: &mut Vec<u8>) -> bool {
        let Some(entry) = Self::entry(event) else { return false };
        let t = entry.at.duration_since(started).unwrap_or_default().as_secs_f64();
        // Writing into a Vec cannot fail, and a line of strings and numbers always serializes.
        serde_json::to_writer(out, &Line::of(&entry, t)).is_ok()
    }

    /// Pairs each receive with its send: the oldest unmatched send of the same record over the
    /// same link (TCP keeps a link's order). One pass with a map: linear in the trace's length.
    pub(crate) fn pairs<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> HashMap<usize, usize> {
        let mut unmatched: HashMap<(&str, &str, &str), VecDeque<usize>> = HashMap::new();
        let mut arrivals = HashMap::new();
        for (i, entry) in entries.into_iter().enumerate() {
            let (Some(peer), Some(record)) = (entry.peer.as_deref(), entry.record.as_deref()) else { continue };
            match entry.kind {
                Kind::PeerSend => unmatched.entry((&*entry.node, peer, record)).or_default().push_back(i),
                Kind::PeerReceive => {
                    if let Some(send) = unmatched.get_mut(&(peer, &*entry.node, record)).and_then(VecDeque::pop_front) {
                        arrivals.insert(send, i);
                    }
                }
                _ => {}
            }
        }
        arrivals
    }

    /// A trace that writes only `client`'s messages (and every fault, caption and section).
    pub fn for_client(client: impl Into<String>) -> Self {
        Self { client: Some(client.into()), ..Self::default() }
    }

    /// Whether `entry` belongs in what is written.
    fn wanted(&self, entry: &Entry) -> bool {
        let Some(client) = &self.client else { return true };
        match entry.kind {
            Kind::PeerSend | Kind::PeerReceive | Kind::Held | Kind::Learned => entry.text == *client,
            Kind::ClientIn | Kind::ClientOut => entry.text.split_whitespace().any(|word| word == client),
            // A dropped or lost message is a fault about one client's record.
            Kind::Fault => entry.record.as_deref().is_none_or(|line| line.split(' ').nth(3) == Some(client.as_str())),
            // A check is about the client when it names it (`Campbell knows kiwi`).
            Kind::Expectation => entry.text.split(|c: char| c.is_whitespace() || c == '\'').any(|word| word == client),
            Kind::Caption | Kind::Section => true,
        }
    }

    /// Writes the herd's topology in the trace's first line.
    pub fn set_topology(&self, topology: &crate::topology::Topology) {
        *self.topology.lock().unwrap_or_else(|p| p.into_inner()) = Some(topology.to_json());
    }

    /// Names the herd's seed in the diagram's title.
    pub fn set_seed(&self, seed: u64) {
        *self.seed.lock().unwrap_or_else(|p| p.into_inner()) = Some(seed);
    }

    /// A sequence diagram of the messages between `nodes`, time flowing down (one row a message,
    /// so that bursts a microsecond apart stay readable; each row is labelled with its time).
    pub fn to_svg(&self, nodes: &[NodeName]) -> String {
        let (entries, losses) = self.entries();
        self.svg_of(&entries, losses, nodes)
    }

    fn svg_of(&self, all: &[Entry], losses: RingLosses, nodes: &[NodeName]) -> String {
        let all: Vec<Entry> = all.iter().filter(|entry| entry.is_drawn()).cloned().collect();
        const LANE: f64 = 170.0;
        const ROW: f64 = 22.0;
        const TOP: f64 = 70.0;
        const LEFT: f64 = 190.0;
        let left_out = all.len().saturating_sub(SVG_ROWS);
        let entries = &all[left_out..];
        let arrivals = Self::pairs(entries);
        let lane = |name: &str| nodes.iter().position(|n| &**n == name).map(|i| LEFT + LANE * i as f64);
        let width = LEFT + LANE * nodes.len() as f64 + 60.0;
        // The legend, in as many rows as the width needs (about 7.2 px a character).
        let legend = wrap_items(LEGEND, ((width - 16.0) / 7.2) as usize);
        let height = TOP + ROW * (entries.len() as f64 + 2.0 + legend.len() as f64);
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">"##
        );
        let _ = writeln!(
            svg,
            r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>"##
        );
        let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="white"/>"##);
        let mut notes = vec![self.title()];
        notes.extend(Self::losses_note(losses));
        if left_out > 0 {
            notes.push(format!(
                "{left_out} older events are left out: this diagram shows the last {} (the .jsonl trace has every event kept)",
                entries.len()
            ));
        }
        let (title, warnings) = notes.split_first().expect("a title");
        let said = if warnings.is_empty() { String::new() } else { format!("; {}", warnings.join("; ")) };
        let _ = writeln!(
            svg,
            r##"<text x="8" y="14"><tspan font-weight="bold">{}</tspan><tspan fill="#a00">{}</tspan></text>"##,
            escape(title),
            escape(&said)
        );
        for (i, row) in legend.iter().enumerate() {
            let y = height - 8.0 - ROW * (legend.len() - 1 - i) as f64;
            let _ = writeln!(svg, r##"<text x="8" y="{y}" fill="#555">{}</text>"##, escape(row));
        }
        for node in nodes {
            let x = lane(node).unwrap_or_default();
            let _ = writeln!(
                svg,
                r##"<text x="{x}" y="30" text-anchor="middle" font-weight="bold">{}</text>"##,
                escape(node)
            );
            let _ = writeln!(
                svg,
                r##"<line x1="{x}" y1="40" x2="{x}" y2="{}" stroke="#999" stroke-dasharray="4 3"/>"##,
                height - 10.0
            );
        }
        for (i, entry) in entries.iter().enumerate() {
            let y = TOP + ROW * i as f64;
            let _ = writeln!(svg, r##"<text x="8" y="{y}" fill="#777">{:.6}s</text>"##, self.seconds(entry.at));
            let x = match lane(&entry.node) {
                Some(x) => x,
                // Herd-wide events (a change of mode, a caption) are written across the diagram.
                None if matches!(entry.kind, Kind::Fault | Kind::Caption | Kind::Section | Kind::Expectation) => {
                    LEFT - 60.0
                }
                None => continue,
            };
            match entry.kind {
                Kind::ClientIn | Kind::ClientOut => {
                    let (x1, x2, color) =
                        if entry.kind == Kind::ClientIn { (x - 80.0, x, "#0a7") } else { (x, x + 80.0, "#05a") };
                    let _ = writeln!(
                        svg,
                        r##"<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{color}" marker-end="url(#arrow)"><title>{}</title></line><text x="{}" y="{}" fill="{color}">{}</text>"##,
                        escape(&entry.text),
                        x1.min(x2),
                        y - 4.0,
                        escape(&shorten(&entry.text, 28))
                    );
                }
                Kind::Fault => {
                    let room = ((width - x - 18.0) / 7.2).clamp(10.0, 40.0) as usize;
                    let _ = writeln!(
                        svg,
                        r##"<circle cx="{x}" cy="{}" r="4" fill="#a00"/><text x="{}" y="{y}" fill="#a00"><title>{}</title>{}</text>"##,
                        y - 4.0,
                        x + 8.0,
                        escape(&entry.text),
                        escape(&shorten(&entry.text, room))
                    );
                }
                Kind::PeerSend => {
                    let target = entry.peer.as_deref().unwrap_or_default();
                    let (Some(x2), Some(&j)) = (lane(target), arrivals.get(&i)) else { continue };
                    let y2 = TOP + ROW * j as f64;
                    let arrival = entries[j].arrival.unwrap_or(Arrival::New);
                    // A dropped copy (duplicate or stale) is drawn grey and dashed; catch-up blue.
                    let (color, dash, note) = match (arrival, entry.catch_up == Some(true)) {
                        (Arrival::Duplicate, _) => ("#999", r##" stroke-dasharray="5 3""##, " dup"),
                        (Arrival::Stale, _) => ("#999", r##" stroke-dasharray="5 3""##, " stale"),
                        (Arrival::New, true) => ("#36c", "", " sync"),
                        (Arrival::New, false) => ("#c60", "", ""),
                    };
                    let label = format!("{} h{}{note}", entry.text, entry.hops.unwrap_or_default());
                    // The label sits at the sender's end, where rows never share a line.
                    let (direction, anchor) = if x2 >= x { (1.0, "start") } else { (-1.0, "end") };
                    // The whole message as the arrow's tooltip: the label has room for little.
                    let whole = format!(
                        "{} → {target}, hop {}{note}: {}",
                        entry.node,
                        entry.hops.unwrap_or_default(),
                        entry.record.as_deref().unwrap_or_default()
                    );
                    let _ = writeln!(
                        svg,
                        r##"<line x1="{x}" y1="{y}" x2="{x2}" y2="{y2}" stroke="{color}"{dash} marker-end="url(#arrow)"><title>{}</title></line><text x="{}" y="{}" fill="{color}" text-anchor="{anchor}">{}</text>"##,
                        escape(&whole),
                        x + 8.0 * direction,
                        y - 4.0,
                        escape(&shorten(&label, 24))
                    );
                }
                Kind::Caption | Kind::Section | Kind::Expectation => {
                    // Fitted to the diagram's width (monospace, about 7.2 px a character); the
                    // whole caption is the tooltip.
                    let room = ((width - x - 10.0) / 7.2).max(10.0) as usize;
                    let _ = writeln!(
                        svg,
                        r##"<text x="{x}" y="{y}" fill="#333" font-style="italic" font-weight="bold"><title>{}</title>{}</text>"##,
                        escape(&entry.text),
                        escape(&shorten(&caption_text(entry), room))
                    );
                }
                Kind::PeerReceive | Kind::Held | Kind::Learned => {}
            }
        }
        svg.push_str("</svg>\n");
        svg
    }

    /// `herdctl trace · 2026-11-26 10:45:11 UTC · seed 7`.
    fn title(&self) -> String {
        let started =
            humantime::format_rfc3339_seconds(self.started).to_string().replace('T', " ").replace('Z', " UTC");
        let mut title = format!("herdctl trace · {started}");
        if let Some(client) = &self.client {
            title.push_str(&format!(" · only {client}'s messages"));
        }
        if let Some(seed) = *self.seed.lock().unwrap_or_else(|p| p.into_inner()) {
            title.push_str(&format!(" · seed {seed} (--seed {seed} replays its random choices)"));
        }
        title
    }

    /// Writes the trace to `path`: SVG for `.svg`, JSON lines otherwise. Takes time linear in the
    /// trace: call it off any task that draws.
    /// Writes one moment of the trace as both an SVG and JSON lines, so that the two agree.
    pub fn write_both(&self, svg: &Path, jsonl: &Path, nodes: &[NodeName]) -> std::io::Result<()> {
        let (entries, losses) = self.entries();
        std::fs::write(svg, self.svg_of(&entries, losses, nodes))?;
        std::fs::write(jsonl, self.jsonl_of(&entries, losses))
    }

    pub fn write(&self, path: &Path, nodes: &[NodeName]) -> std::io::Result<()> {
        let text = if path.extension().is_some_and(|e| e == "svg") { self.to_svg(nodes) } else { self.to_jsonl() };
        std::fs::write(path, text)
    }
}
