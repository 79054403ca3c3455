//! Trace export: every client and peer message with its time, written as JSON lines (`.jsonl`)
//! or drawn as a sequence diagram (`.svg`): one vertical line per node, time flowing down, an
//! arrow per message.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde_json::json;

use crate::event::{EventKind, HerdEvent};
use crate::topology::NodeName;

/// Messages kept; past this the oldest are dropped (and the export says so).
const KEPT: usize = 200_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    ClientIn,
    ClientOut,
    PeerSend,
    PeerReceive,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub at: SystemTime,
    pub node: NodeName,
    pub kind: Kind,
    /// The other node of a peer message.
    pub peer: Option<NodeName>,
    /// The client a peer message is about, or the client line.
    pub text: String,
    pub hops: Option<u32>,
    /// For a received record: whether it was new there (false: a duplicate, dropped).
    pub fresh: Option<bool>,
}

/// A recording of one session's messages.
pub struct Trace {
    started: SystemTime,
    events: Mutex<VecDeque<Arc<HerdEvent>>>,
}

impl Default for Trace {
    fn default() -> Self {
        Self { started: SystemTime::now(), events: Mutex::default() }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn shorten(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(most - 1).collect::<String>())
    }
}

impl Trace {
    /// Keeps `event` if it is a client or peer message. Only a reference is taken here (this
    /// runs on the nodes' hot path); entries are built when the trace is written.
    pub fn record(&self, event: &Arc<HerdEvent>) {
        let message = matches!(
            event.kind,
            EventKind::ClientLine { .. }
                | EventKind::ClientReply { .. }
                | EventKind::FloodSent { .. }
                | EventKind::FloodReceived { .. }
        );
        if !message {
            return;
        }
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        if events.len() == KEPT {
            events.pop_front();
        }
        events.push_back(event.clone());
    }

    fn entry(event: &HerdEvent) -> Option<Entry> {
        let (kind, peer, text, hops, fresh) = match &event.kind {
            EventKind::ClientLine { line, .. } => (Kind::ClientIn, None, line.to_string(), None, None),
            EventKind::ClientReply { reply, .. } => {
                (Kind::ClientOut, None, reply.lines().next().unwrap_or_default().to_string(), None, None)
            }
            EventKind::FloodSent { to, record, hops } => {
                (Kind::PeerSend, Some(to.clone()), record.client().to_string(), Some(*hops), None)
            }
            EventKind::FloodReceived { from, record, hops, fresh } => {
                (Kind::PeerReceive, Some(from.clone()), record.client().to_string(), Some(*hops), Some(*fresh))
            }
            _ => return None,
        };
        Some(Entry { at: event.at, node: event.node.clone(), kind, peer, text, hops, fresh })
    }

    /// The messages in time order (tasks record them a hair out of order).
    pub fn entries(&self) -> Vec<Entry> {
        let events: Vec<Arc<HerdEvent>> =
            self.events.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
        let mut entries: Vec<Entry> = events.iter().filter_map(|event| Self::entry(event)).collect();
        entries.sort_by_key(|entry| entry.at);
        entries
    }

    fn seconds(&self, at: SystemTime) -> f64 {
        at.duration_since(self.started).unwrap_or_default().as_secs_f64()
    }

    /// One JSON object a line: `t` (seconds since the start), `node`, `kind`, `peer`, `text`,
    /// `hops`, `fresh` (for received records: new, or a dropped duplicate).
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        for entry in self.entries() {
            let kind = match entry.kind {
                Kind::ClientIn => "client_in",
                Kind::ClientOut => "client_out",
                Kind::PeerSend => "peer_send",
                Kind::PeerReceive => "peer_receive",
            };
            let line = json!({
                "t": self.seconds(entry.at),
                "node": &*entry.node,
                "kind": kind,
                "peer": entry.peer.as_deref(),
                "text": entry.text,
                "hops": entry.hops,
                "fresh": entry.fresh,
            });
            let _ = writeln!(out, "{line}");
        }
        out
    }

    /// A sequence diagram of the messages between `nodes`, time flowing down (one row a message,
    /// so that bursts a microsecond apart stay readable; each row is labelled with its time).
    pub fn to_svg(&self, nodes: &[NodeName]) -> String {
        const LANE: f64 = 170.0;
        const ROW: f64 = 22.0;
        const TOP: f64 = 70.0;
        const LEFT: f64 = 190.0;
        let entries = self.entries();
        let lane = |name: &str| nodes.iter().position(|n| &**n == name).map(|i| LEFT + LANE * i as f64);
        let width = LEFT + LANE * nodes.len() as f64 + 60.0;
        let height = TOP + ROW * (entries.len() as f64 + 2.0);
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
        // Each send is matched with the first unmatched receive of the same client on its link.
        let mut received = vec![false; entries.len()];
        for (i, entry) in entries.iter().enumerate() {
            let y = TOP + ROW * i as f64;
            let _ = writeln!(svg, r##"<text x="8" y="{y}" fill="#777">{:.6}s</text>"##, self.seconds(entry.at));
            let Some(x) = lane(&entry.node) else { continue };
            match entry.kind {
                Kind::ClientIn | Kind::ClientOut => {
                    let (x1, x2, color) =
                        if entry.kind == Kind::ClientIn { (x - 80.0, x, "#0a7") } else { (x, x + 80.0, "#05a") };
                    let _ = writeln!(
                        svg,
                        r##"<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{color}" marker-end="url(#arrow)"/><text x="{}" y="{}" fill="{color}">{}</text>"##,
                        x1.min(x2),
                        y - 4.0,
                        escape(&shorten(&entry.text, 28))
                    );
                }
                Kind::PeerSend => {
                    let target = entry.peer.as_deref().unwrap_or_default();
                    let arrival = entries.iter().enumerate().skip(i + 1).position(|(j, other)| {
                        !received[j]
                            && other.kind == Kind::PeerReceive
                            && &*other.node == target
                            && other.peer.as_deref() == Some(&*entry.node)
                            && other.text == entry.text
                    });
                    let (Some(x2), Some(offset)) = (lane(target), arrival) else { continue };
                    let j = i + 1 + offset;
                    received[j] = true;
                    let y2 = TOP + ROW * j as f64;
                    // A duplicate (dropped on arrival) is drawn grey and dashed.
                    let duplicate = entries[j].fresh == Some(false);
                    let (color, dash, note) =
                        if duplicate { ("#999", r##" stroke-dasharray="5 3""##, " dup") } else { ("#c60", "", "") };
                    let label = format!("{} h{}{note}", entry.text, entry.hops.unwrap_or_default());
                    // The label sits at the sender's end, where rows never share a line.
                    let (direction, anchor) = if x2 >= x { (1.0, "start") } else { (-1.0, "end") };
                    let _ = writeln!(
                        svg,
                        r##"<line x1="{x}" y1="{y}" x2="{x2}" y2="{y2}" stroke="{color}"{dash} marker-end="url(#arrow)"/><text x="{}" y="{}" fill="{color}" text-anchor="{anchor}">{}</text>"##,
                        x + 8.0 * direction,
                        y - 4.0,
                        escape(&shorten(&label, 24))
                    );
                }
                Kind::PeerReceive => {}
            }
        }
        svg.push_str("</svg>\n");
        svg
    }

    /// Writes the trace to `path`: SVG for `.svg`, JSON lines otherwise.
    pub fn write(&self, path: &Path, nodes: &[NodeName]) -> std::io::Result<()> {
        let text = if path.extension().is_some_and(|e| e == "svg") { self.to_svg(nodes) } else { self.to_jsonl() };
        std::fs::write(path, text)
    }
}
