//! A trace drawn as a sequence diagram (`.svg`), as `crate::diagram` lays it out: a lane for
//! the clients and one per node, time flowing down, an arrow per message, faults marked on their
//! lanes, the story written across, each row's time beside it.

use std::fmt::Write as _;

use super::row::{Kind, Row};
use super::{Trace, losses_note};
use crate::diagram::{self, Clock, Font, Sheet, px};
use herdctl_core::recorder::RingLosses;
use herdctl_core::topology::NodeName;

/// Rows an SVG draws at most: the newest are kept, and the diagram says what it left out (a
/// diagram of a burst's 200,000 messages would be unreadable; the `.jsonl` keeps them all).
pub const SVG_ROWS: usize = 2_000;
/// The tallest sheet drawn, in px: under what SVG viewers and converters take.
const MOST_HEIGHT: f64 = 30_000.0;

/// What the colours and strokes of the diagram mean.
const LEGEND: &str = "orange: a record's first copy · blue: catch-up · grey, dashed: a copy dropped on arrival \
     (dup, stale) · grey half arrow: a receive whose send is not recorded (a burst's) · green: a client's line, blue: the reply, between the clients' lane and a server's · red: faults, \
     losses · italics: the story · rows are spaced by the time between them; ≈ marks a gap drawn shorter than it was \
     · hover an arrow for the whole message";

/// Where the lanes go across the page: a column of times, the clients' column, then the servers'
/// lanes this far apart.
const TIMES: f64 = 62.0;
const CLIENTS: f64 = 76.0;
const FIRST_LANE: f64 = 270.0;
const LANE: f64 = 150.0;
const TOP: f64 = 60.0;

/// `text`'s items (separated by ` · `) in rows at most `room` wide.
fn wrap_items(text: &str, room: f64) -> Vec<String> {
    let font = Font::plain(10.0);
    let mut rows: Vec<String> = Vec::new();
    for item in text.split(" · ") {
        match rows.last_mut() {
            Some(row) if font.width(&format!("{row} · {item}")) <= room => {
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

impl Trace {
    /// A sequence diagram of the messages between `nodes`, time flowing down: the clients' lane
    /// and one per server, rows spaced by the time between them (long gaps drawn short and
    /// marked), each row's time beside it where there is room, the whole message as each arrow's
    /// tooltip. The herd's stopping at the end is left out (the JSON lines keep it).
    pub fn to_svg(&self, nodes: &[NodeName]) -> String {
        let (entries, losses) = self.entries();
        self.svg_of(&entries, losses, nodes)
    }

    pub(super) fn svg_of(&self, all: &[Row], losses: RingLosses, nodes: &[NodeName]) -> String {
        let story: Vec<&Row> =
            all.iter().take_while(|entry| !entry.is_shutdown()).filter(|entry| entry.is_drawn()).collect();
        let left_out = story.len().saturating_sub(SVG_ROWS);
        let rows = &story[left_out..];
        let last = FIRST_LANE + LANE * nodes.len().saturating_sub(1) as f64;
        let width = last + 140.0;
        let sheet = Sheet {
            clients: CLIENTS,
            lanes: Sheet::lanes(nodes, FIRST_LANE, last),
            left: 8.0,
            right: width - 8.0,
            top: TOP,
            times: Some(TIMES),
            tooltips: true,
        };
        let started = self.recorder.started();
        // The last rows that can be drawn: a sheet taller than viewers take (rsvg-convert refuses
        // 32,767 px) keeps fewer of them, the oldest left out first.
        let (mut left_out, mut rows) = (left_out, rows);
        let body = loop {
            // With older rows left out, the axis starts at the first one kept.
            let start = if left_out > 0 { rows.first().map_or(started, |row| row.at) } else { started };
            let body = diagram::draw(rows, &sheet, &Clock { start, origin: started });
            if body.bottom <= MOST_HEIGHT || rows.len() < 2 {
                break body;
            }
            let fewer = rows.len() / 4;
            left_out += fewer;
            rows = &rows[fewer..];
        };
        let legend = wrap_items(LEGEND, width - 16.0);
        let bottom = px(body.bottom + 12.0);
        let height = px(bottom + 8.0 + 16.0 * legend.len() as f64);
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">"##
        );
        let _ = writeln!(
            svg,
            r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>"##
        );
        let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="white"/>"##);
        let mut notes = vec![self.title()];
        notes.extend(losses_note(losses));
        if left_out > 0 {
            notes.push(format!(
                "{left_out} older events are left out: this diagram shows the last {} (the .jsonl trace has every event kept)",
                rows.len()
            ));
        }
        let (title, warnings) = notes.split_first().expect("a title");
        let said = if warnings.is_empty() { String::new() } else { format!("; {}", warnings.join("; ")) };
        let _ = writeln!(
            svg,
            r##"<text x="8" y="16" font-size="12"><tspan font-weight="bold">{}</tspan><tspan fill="#a00">{}</tspan></text>"##,
            escape(title),
            escape(&said)
        );
        let _ = writeln!(
            svg,
            r##"<text x="{CLIENTS}" y="42" text-anchor="middle" fill="#555">clients</text><line x1="{CLIENTS}" y1="48" x2="{CLIENTS}" y2="{bottom}" stroke="#ccc" stroke-dasharray="1 3"/>"##
        );
        for (node, x) in &sheet.lanes {
            let _ = writeln!(
                svg,
                r##"<text x="{x}" y="42" text-anchor="middle" font-weight="bold">{}</text><line x1="{x}" y1="48" x2="{x}" y2="{bottom}" stroke="#999" stroke-dasharray="4 3"/>"##,
                escape(node)
            );
        }
        svg.push_str(&body.svg);
        for (i, row) in legend.iter().enumerate() {
            let y = px(bottom + 18.0 + 16.0 * i as f64);
            let _ = writeln!(
                svg,
                r##"<text class="legend" x="8" y="{y}" font-size="10" fill="#555">{}</text>"##,
                escape(row)
            );
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use herdctl_core::event::{Arrival, EventKind, HerdEvent};
    use herdctl_core::protocol::Record;

    use crate::trace::Trace;

    #[test]
    fn after_a_burst_the_svg_stays_drawable_and_a_receive_without_its_send_gets_half_an_arrow() {
        // A burst's receives whose sends the recording budget skipped, as a trace keeps them.
        let trace = Trace::default();
        let started = trace.recorder().started();
        for i in 0..3_000u64 {
            let line = format!("AT Riley +0.000000001 c{i} +34.068930-118.445127 {}.000000000", 1_000 + i);
            let event = HerdEvent {
                at: started + Duration::from_millis(40 * i),
                node: "Jaquez".into(),
                kind: EventKind::FloodReceived {
                    from: "Riley".into(),
                    record: Arc::new(Record::parse(&line).expect("a record")),
                    hops: 1,
                    arrival: Arrival::New,
                    catch_up: false,
                },
            };
            trace.recorder().ring().keep(&Arc::new(event));
        }
        let svg = trace.to_svg(&["Riley".into(), "Jaquez".into()]);
        let height: f64 =
            svg.split("height=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap().parse().unwrap();
        assert!(height < 32_767.0, "{height} px: too tall to draw");
        assert!(svg.matches(r#"<line class="half""#).count() > 100, "receives drawn as half arrows");
        assert!(svg.contains("older events are left out"), "what is left out is said");
    }
}
