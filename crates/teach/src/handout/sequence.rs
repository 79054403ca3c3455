//! A section as a sequence diagram at A4 width: its title, the clients' lane and one per server,
//! the section's rows as `crate::diagram` lays them out, and a legend.

use std::fmt::Write as _;

use super::Part;
use crate::diagram::{self, Clock, Font, Sheet, px};
use crate::trace::{Row, escape};
use herdctl_core::topology::NodeName;

/// A4 at 96 dpi is 794 px wide: the figure fits with margins.
pub const WIDTH: f64 = 760.0;
/// Where the clients' lane stands, and where the servers' lanes begin and end.
const CLIENTS: f64 = 24.0;
const FIRST_LANE: f64 = 200.0;
const LAST_LANE: f64 = 724.0;
/// Below the lanes' names.
const TOP: f64 = 74.0;

/// What the colours and strokes mean: a line's colour, its dashes, and the words.
const LEGEND: [(&str, &str, &str); 5] = [
    ("#0a7", "", "client line in"),
    ("#05a", "", "reply"),
    ("#c60", "", "record, new where it arrives"),
    ("#999", r#" stroke-dasharray="5 3""#, "copy dropped (dup, stale)"),
    ("#36c", "", "catch-up"),
];

/// `part` as a sequence diagram of `nodes`.
pub fn figure(part: &Part, nodes: &[NodeName]) -> String {
    let sheet = Sheet {
        clients: CLIENTS,
        lanes: Sheet::lanes(nodes, FIRST_LANE, LAST_LANE),
        left: 8.0,
        right: WIDTH - 8.0,
        top: TOP,
        times: None,
        tooltips: false,
    };
    let rows: Vec<&Row> = part.rows.iter().filter(|row| row.is_drawn()).collect();
    let body = diagram::draw(&rows, &sheet, &Clock { start: part.start, origin: part.start });
    let bottom = px(body.bottom + 16.0);
    let mut svg = header(&part.title, bottom + 50.0);
    // The lanes: the clients apart, then one per server.
    let _ = writeln!(
        svg,
        r##"<text x="{CLIENTS}" y="62" text-anchor="middle" fill="#555">clients</text><line x1="{CLIENTS}" y1="68" x2="{CLIENTS}" y2="{bottom}" stroke="#ccc" stroke-dasharray="1 3"/>"##
    );
    for (node, x) in &sheet.lanes {
        let _ = writeln!(
            svg,
            r##"<text x="{x}" y="62" text-anchor="middle" font-weight="bold">{}</text><line x1="{x}" y1="68" x2="{x}" y2="{bottom}" stroke="#999" stroke-dasharray="4 3"/>"##,
            escape(node)
        );
    }
    svg.push_str(&body.svg);
    legend(&mut svg, bottom + 14.0);
    svg.push_str("</svg>\n");
    svg
}

/// The start of a figure `height` high: its size, the arrowhead, a white page, the title.
pub fn header(title: &str, height: f64) -> String {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">"##
    );
    let _ = writeln!(
        svg,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs><rect width="100%" height="100%" fill="white"/>"##
    );
    let _ = writeln!(svg, r##"<text x="{CLIENTS}" y="28" font-size="17" font-weight="bold">{}</text>"##, escape(title));
    svg
}

/// The legend, from `y` down.
fn legend(svg: &mut String, y: f64) {
    let mut x = CLIENTS;
    for (color, dash, text) in LEGEND {
        let _ = writeln!(
            svg,
            r##"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{color}"{dash}/><text class="legend" x="{}" y="{}" font-size="10" fill="#333">{text}</text>"##,
            x + 22.0,
            x + 26.0,
            y + 3.5
        );
        x += 26.0 + Font::plain(10.0).width(text) + 14.0;
    }
    let _ = writeln!(
        svg,
        r##"<circle cx="{CLIENTS}" cy="{}" r="3.5" fill="#a00"/><text class="legend" x="{}" y="{}" font-size="10" fill="#333">fault (kill, revive, cut, heal, latency, mode) · rows are spaced by the time between them; ≈ marks a gap drawn shorter than it was</text>"##,
        y + 16.0,
        CLIENTS + 8.0,
        y + 19.5
    );
}
