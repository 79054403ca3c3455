//! Trace export: every client and peer message (catch-up included) and every fault the operator
//! caused, with its time, written as JSON lines (`.jsonl`, one event a line in the engine's event
//! codec) or drawn as a sequence diagram (`.svg`).
//!
//! The engine's `Recorder` keeps the events as they happen (one short lock of a node's own ring
//! per event); everything here (merging, matching sends to receives, formatting) happens when a
//! trace is written, in time linear in its length, and off the console's task.

mod row;
mod svg;

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::json;

pub use row::{Kind, Row, pairs};
pub use svg::{SVG_ROWS, caption_text, escape};

use herdctl_core::event::HerdEvent;
use herdctl_core::recorder::{KEPT_PER_NODE, RECORDED_PER_SECOND, Recorder, RingLosses};
use herdctl_core::topology::NodeName;

/// The version of the JSON lines format, written first in every trace (docs/TRACE.md).
pub const TRACE_FORMAT: &str = "herdctl-trace/1";

/// A session's recording, as it is written out: what the herd's `Recorder` keeps, maybe only
/// one client's messages of it.
#[derive(Default)]
pub struct Trace {
    recorder: Arc<Recorder>,
    /// Only this client's messages are written (`--trace-client`); faults and the story always.
    client: Option<String>,
}

/// What a trace left out, in words (empty when it kept everything).
pub fn losses_note(losses: RingLosses) -> Vec<String> {
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

impl Trace {
    /// A trace that writes only `client`'s messages (and every fault, caption and section).
    pub fn for_client(client: impl Into<String>) -> Self {
        Self { client: Some(client.into()), ..Self::default() }
    }

    /// What the herd records into (`HerdOptions::recorder`).
    pub fn recorder(&self) -> &Arc<Recorder> {
        &self.recorder
    }

    /// Everything recorded that this trace writes, as a diagram draws it, in time order, and
    /// what the rings did not keep.
    pub fn entries(&self) -> (Vec<Row>, RingLosses) {
        let (events, losses) = self.recorder.events();
        (self.entries_of(&events), losses)
    }

    fn entries_of(&self, events: &[Arc<HerdEvent>]) -> Vec<Row> {
        events.iter().filter_map(|event| Row::of(event)).filter(|entry| self.wanted(entry)).collect()
    }

    /// Every event kept, in time order, with when the trace started and what it left out (in
    /// words): what a live console looks back at.
    pub fn events(&self) -> (Vec<Arc<HerdEvent>>, SystemTime, Vec<String>) {
        let (events, losses) = self.recorder.events();
        (events, self.recorder.started(), losses_note(losses))
    }

    /// The herd's seed, once the herd said it.
    pub fn seed(&self) -> Option<u64> {
        self.recorder.seed()
    }

    /// The header line, notes of what is missing, then one event a line (docs/TRACE.md).
    pub fn to_jsonl(&self) -> String {
        let (events, losses) = self.recorder.events();
        self.jsonl_of(&events, losses)
    }

    fn jsonl_of(&self, events: &[Arc<HerdEvent>], losses: RingLosses) -> String {
        let mut out = Vec::new();
        // The first line says what this is (docs/TRACE.md): the format's version, when the
        // session started, its seed, and whether only one client's messages are in it.
        let header = json!({
            "format": TRACE_FORMAT,
            "started": humantime::format_rfc3339_micros(self.recorder.started()).to_string(),
            "seed": self.recorder.seed(),
            "client": self.client,
            "topology": self.recorder.topology(),
        });
        out.extend_from_slice(header.to_string().as_bytes());
        out.push(b'\n');
        for text in losses_note(losses) {
            out.extend_from_slice(json!({"t": 0.0, "kind": "note", "text": text}).to_string().as_bytes());
            out.push(b'\n');
        }
        for event in events.iter().filter(|event| self.wanted_event(event)) {
            herdctl_core::event::encode(event, self.recorder.started(), &mut out);
            out.push(b'\n');
        }
        // Every line is JSON, which is UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Whether `event` belongs in what is written: with one client chosen, its messages and
    /// every event that is not traffic.
    fn wanted_event(&self, event: &HerdEvent) -> bool {
        match Row::of(event) {
            Some(entry) => self.wanted(&entry),
            None => self.client.is_none() || event.kind.class() != herdctl_core::event::Class::Traffic,
        }
    }

    /// Whether `entry` belongs in what is written.
    fn wanted(&self, entry: &Row) -> bool {
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

    /// Writes one moment of the trace as both an SVG and JSON lines, so that the two agree.
    /// Takes time linear in the trace: call it off any task that draws.
    pub fn write_both(&self, svg: &Path, jsonl: &Path, nodes: &[NodeName]) -> std::io::Result<()> {
        let (events, losses) = self.recorder.events();
        std::fs::write(svg, self.svg_of(&self.entries_of(&events), losses, nodes))?;
        std::fs::write(jsonl, self.jsonl_of(&events, losses))
    }

    /// Writes the trace to `path`: SVG for `.svg`, JSON lines otherwise. Takes time linear in the
    /// trace: call it off any task that draws.
    pub fn write(&self, path: &Path, nodes: &[NodeName]) -> std::io::Result<()> {
        let text = if path.extension().is_some_and(|e| e == "svg") { self.to_svg(nodes) } else { self.to_jsonl() };
        std::fs::write(path, text)
    }
}
