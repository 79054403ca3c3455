//! A trace drawn as a sequence diagram (`.svg`): one vertical line per node, time flowing down,
//! an arrow per message, captions and faults across.

use std::fmt::Write as _;

use super::row::{Kind, Row, pairs};
use super::{Trace, losses_note};
use herdctl_core::event::Arrival;
use herdctl_core::recorder::RingLosses;
use herdctl_core::topology::NodeName;

/// Rows an SVG draws at most: the newest are kept, and the diagram says what it left out (a
/// diagram of a burst's 200,000 messages would be unreadable; the `.jsonl` keeps them all).
pub const SVG_ROWS: usize = 2_000;

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

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A caption or a section title as the diagram writes it.
pub fn caption_text(entry: &Row) -> String {
    match entry.kind {
        Kind::Section => format!("── {} ──", entry.text),
        Kind::Expectation if entry.value.as_deref() == Some("held") => format!("✓ {}", entry.text),
        Kind::Expectation => format!("✗ {}", entry.text),
        _ => format!("» {}", entry.text),
    }
}

pub fn shorten(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(most - 1).collect::<String>())
    }
}

impl Trace {
    /// A sequence diagram of the messages between `nodes`, time flowing down (one row a message,
    /// so that bursts a microsecond apart stay readable; each row is labelled with its time).
    pub fn to_svg(&self, nodes: &[NodeName]) -> String {
        let (entries, losses) = self.entries();
        self.svg_of(&entries, losses, nodes)
    }

    pub(super) fn svg_of(&self, all: &[Row], losses: RingLosses, nodes: &[NodeName]) -> String {
        let all: Vec<Row> = all.iter().filter(|entry| entry.is_drawn()).cloned().collect();
        const LANE: f64 = 170.0;
        const ROW: f64 = 22.0;
        const TOP: f64 = 70.0;
        const LEFT: f64 = 190.0;
        let left_out = all.len().saturating_sub(SVG_ROWS);
        let entries = &all[left_out..];
        let arrivals = pairs(entries);
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
        notes.extend(losses_note(losses));
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
        let started = humantime::format_rfc3339_seconds(self.recorder.started())
            .to_string()
            .replace('T', " ")
            .replace('Z', " UTC");
        let mut title = format!("herdctl trace · {started}");
        if let Some(client) = &self.client {
            title.push_str(&format!(" · only {client}'s messages"));
        }
        if let Some(seed) = self.recorder.seed() {
            title.push_str(&format!(" · seed {seed} (--seed {seed} replays its random choices)"));
        }
        title
    }
}
