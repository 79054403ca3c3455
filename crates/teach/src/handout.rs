//! A walkthrough's handout: one figure per section, drawn from its trace, to print at A4 width.
//! Each figure has the section's title as its heading and the captions where they were said, a
//! time axis that tells the truth (rows spaced by the time between them, long gaps compressed and
//! marked with their real length), the clients on a lane of their own apart from the servers'
//! messages, and a legend.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::trace::{Kind, Row, Trace, escape, shorten};
use herdctl_core::event::Arrival;
use herdctl_core::topology::{NodeName, Topology};

/// A4 at 96 dpi is 794 px wide: the figure fits with margins.
const WIDTH: f64 = 760.0;
/// Where the clients' lane stands, and where the servers' lanes begin and end.
const CLIENTS_X: f64 = 60.0;
const FIRST_LANE: f64 = 170.0;
const LAST_LANE: f64 = 720.0;
/// Vertical space: a row at least, and at most before a gap is compressed.
const ROW: f64 = 15.0;
const PIXELS_PER_MS: f64 = 0.6;
const MOST_SPACE: f64 = 45.0;
/// A gap longer than this is drawn compressed, with its length written on it.
const COMPRESS_AFTER: Duration = Duration::from_millis(150);
const CAPTION_LINE: f64 = 14.0;
/// Characters of a caption on one line at the caption's font size.
const CAPTION_CHARS: usize = 100;

/// A section of the story and its events.
struct Part<'a> {
    title: String,
    /// When the section began: the time axis starts here.
    start: std::time::SystemTime,
    entries: Vec<&'a Row>,
}

/// Whether an entry is a node starting or stopping.
fn restart(entry: &Row) -> bool {
    entry.kind == Kind::Fault && (entry.text.starts_with("node up") || entry.text.starts_with("node down"))
}

/// Splits a trace into its sections (what comes before the first section is left out: the
/// herd's start-up). A walkthrough without sections is one part. The nodes' restarts that a
/// `reset` causes are left out too: the reset itself says it.
fn parts(entries: &[Row]) -> Vec<Part<'_>> {
    let mut parts: Vec<Part> = Vec::new();
    let sections = entries.iter().any(|e| e.kind == Kind::Section);
    let mut resetting = false;
    for entry in entries {
        if entry.kind == Kind::Fault && entry.text.starts_with("reset") {
            resetting = true;
        } else if resetting && restart(entry) {
            continue;
        } else if !matches!(entry.kind, Kind::Fault) {
            resetting = false;
        }
        match (entry.kind == Kind::Section, parts.last_mut()) {
            (true, _) => parts.push(Part { title: entry.text.clone(), start: entry.at, entries: Vec::new() }),
            (false, Some(part)) => part.entries.push(entry),
            (false, None) if !sections && entry.kind == Kind::Caption => {
                parts.push(Part { title: "The walkthrough".into(), start: entry.at, entries: vec![entry] })
            }
            (false, None) => {}
        }
    }
    parts
}

/// A file name for a section: its number and its title in lower case, words joined by dashes.
fn file_name(number: usize, title: &str) -> String {
    let words: Vec<String> =
        title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    format!("{number:02}-{}.svg", words.join("-"))
}

/// Wraps `text` at about `chars` characters a line.
fn wrap(text: &str, chars: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > chars {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn human(gap: Duration) -> String {
    if gap >= Duration::from_secs(1) {
        format!("{:.1} s", gap.as_secs_f64())
    } else {
        format!("{} ms", gap.as_millis())
    }
}

/// Where a node's lane is across the page.
fn lane_of(nodes: &[NodeName], name: &str) -> Option<f64> {
    let i = nodes.iter().position(|n| &**n == name)?;
    let step = if nodes.len() > 1 { (LAST_LANE - FIRST_LANE) / (nodes.len() - 1) as f64 } else { 0.0 };
    Some(FIRST_LANE + step * i as f64)
}

/// One section as an SVG figure: its rows placed down the page, its messages drawn between the
/// lanes, in a frame of lanes, title and legend.
fn figure(part: &Part, nodes: &[NodeName]) -> String {
    let mut body = String::new();
    let (ys, y) = place(part, &mut body);
    draw(part, nodes, &ys, &mut body);
    frame(part, nodes, y, &body)
}

/// Where each row goes down the page: spaced by real time, long gaps compressed (and marked in
/// `body`), captions written across. Returns each row's height and the page's last.
fn place(part: &Part, body: &mut String) -> (Vec<f64>, f64) {
    // Where each entry goes down the page: spaced by real time, long gaps compressed.
    let mut y = 90.0;
    let mut ys = Vec::with_capacity(part.entries.len());
    // The first event's distance from the section's start counts too (a `wait`, say).
    let mut previous = part.start;
    for entry in &part.entries {
        let gap = entry.at.duration_since(previous).unwrap_or_default();
        if gap > COMPRESS_AFTER {
            // A break in the lifelines, and how long it really was.
            y += ROW;
            let _ = writeln!(
                body,
                r##"<line x1="{CLIENTS_X}" y1="{y}" x2="{LAST_LANE}" y2="{y}" stroke="#bbb" stroke-dasharray="2 4"/><text x="{}" y="{}" fill="#888" font-size="10" text-anchor="end">≈ {} later</text>"##,
                WIDTH - 4.0,
                y - 3.0,
                human(gap)
            );
            y += ROW;
        } else {
            y += (gap.as_secs_f64() * 1e3 * PIXELS_PER_MS).clamp(ROW, MOST_SPACE);
        }
        previous = entry.at;
        if entry.kind == Kind::Caption {
            // Said at this moment: written across the figure, wrapped.
            for (i, line) in wrap(&format!("» {}", entry.text), CAPTION_CHARS).iter().enumerate() {
                let _ = writeln!(
                    body,
                    r##"<text x="{CLIENTS_X}" y="{}" font-style="italic" font-size="11" fill="#222">{}</text>"##,
                    y + CAPTION_LINE * i as f64,
                    escape(line)
                );
            }
            ys.push(y);
            y += CAPTION_LINE * (wrap(&entry.text, CAPTION_CHARS).len() as f64 - 1.0) + 4.0;
            continue;
        }
        ys.push(y);
    }
    (ys, y)
}

/// The messages, faults and client lines of `part`, now that every row has its place.
fn draw(part: &Part, nodes: &[NodeName], ys: &[f64], body: &mut String) {
    let lane = |name: &str| lane_of(nodes, name);
    let arrivals = crate::trace::pairs(part.entries.iter().copied());
    for (i, entry) in part.entries.iter().enumerate() {
        let y = ys[i];
        let Some(x) = lane(&entry.node) else {
            // Herd-wide: a reset, a change of mode.
            if entry.kind == Kind::Fault {
                let _ = writeln!(
                    body,
                    r##"<circle cx="{CLIENTS_X}" cy="{}" r="3.5" fill="#a00"/><text x="{}" y="{y}" fill="#a00" font-size="10">{}</text>"##,
                    y - 3.5,
                    CLIENTS_X + 6.0,
                    escape(&entry.text)
                );
            }
            continue;
        };
        match entry.kind {
            Kind::ClientIn | Kind::ClientOut => {
                let (from, to, color) =
                    if entry.kind == Kind::ClientIn { (CLIENTS_X, x, "#0a7") } else { (x, CLIENTS_X, "#05a") };
                let _ = writeln!(
                    body,
                    r##"<line x1="{from}" y1="{y}" x2="{to}" y2="{y}" stroke="{color}" marker-end="url(#arrow)"/><text x="{}" y="{}" fill="{color}" font-size="10">{}</text>"##,
                    CLIENTS_X + 4.0,
                    y - 3.0,
                    escape(&shorten(&entry.text, 24))
                );
            }
            Kind::PeerSend => {
                let (Some(&j), Some(x2)) = (arrivals.get(&i), entry.peer.as_deref().and_then(lane)) else { continue };
                let y2 = ys[j];
                let arrival = part.entries[j].arrival.unwrap_or(Arrival::New);
                let (color, dash) = match (arrival, entry.catch_up == Some(true)) {
                    (Arrival::New, false) => ("#c60", ""),
                    (Arrival::New, true) => ("#36c", ""),
                    _ => ("#999", r##" stroke-dasharray="5 3""##),
                };
                let note = match arrival {
                    Arrival::Duplicate => " dup",
                    Arrival::Stale => " stale",
                    Arrival::New => "",
                };
                // The client may be shortened; the hop and what became of the copy never are.
                let label = format!("{} h{}{note}", shorten(&entry.text, 14), entry.hops.unwrap_or_default());
                let (anchor, dx) = if x2 >= x { ("start", 5.0) } else { ("end", -5.0) };
                let _ = writeln!(
                    body,
                    r##"<line x1="{x}" y1="{y}" x2="{x2}" y2="{y2}" stroke="{color}"{dash} marker-end="url(#arrow)"/><text x="{}" y="{}" fill="{color}" font-size="10" text-anchor="{anchor}">{}</text>"##,
                    x + dx,
                    y - 3.0,
                    escape(&label)
                );
            }
            Kind::Fault => {
                // Written to the right of the lane, or to its left near the page's edge.
                let (anchor, tx) = if x > WIDTH - 160.0 { ("end", x - 6.0) } else { ("start", x + 6.0) };
                let _ = writeln!(
                    body,
                    r##"<circle cx="{x}" cy="{}" r="3.5" fill="#a00"/><text x="{tx}" y="{y}" fill="#a00" font-size="10" text-anchor="{anchor}">{}</text>"##,
                    y - 3.5,
                    escape(&shorten(&entry.text, 30))
                );
            }
            Kind::PeerReceive | Kind::Caption | Kind::Section | Kind::Held | Kind::Learned | Kind::Expectation => {}
        }
    }
}

/// The page around `body`: the title, a lane per server (and the clients'), the legend.
fn frame(part: &Part, nodes: &[NodeName], y: f64, body: &str) -> String {
    let lane = |name: &str| lane_of(nodes, name);
    let bottom = y + 30.0;
    let legend_y = bottom + 10.0;
    let height = legend_y + 30.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">"##
    );
    let _ = writeln!(
        svg,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs><rect width="100%" height="100%" fill="white"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="{CLIENTS_X}" y="28" font-size="17" font-weight="bold">{}</text>"##,
        escape(&part.title)
    );
    // The lanes: the clients apart, then one per server.
    let _ = writeln!(
        svg,
        r##"<text x="{CLIENTS_X}" y="62" text-anchor="middle" fill="#555">clients</text><line x1="{CLIENTS_X}" y1="70" x2="{CLIENTS_X}" y2="{bottom}" stroke="#ccc" stroke-dasharray="1 3"/>"##
    );
    for node in nodes {
        let x = lane(node).unwrap_or_default();
        let _ = writeln!(
            svg,
            r##"<text x="{x}" y="62" text-anchor="middle" font-weight="bold">{}</text><line x1="{x}" y1="70" x2="{x}" y2="{bottom}" stroke="#999" stroke-dasharray="4 3"/>"##,
            escape(node)
        );
    }
    svg.push_str(body);
    let legend = [
        ("#0a7", "", "client line in"),
        ("#05a", "", "reply"),
        ("#c60", "", "record, new where it arrives"),
        ("#999", r##" stroke-dasharray="5 3""##, "copy dropped (dup, stale)"),
        ("#36c", "", "catch-up"),
    ];
    let mut x = CLIENTS_X;
    for (color, dash, text) in legend {
        let _ = writeln!(
            svg,
            r##"<line x1="{x}" y1="{legend_y}" x2="{}" y2="{legend_y}" stroke="{color}"{dash}/><text x="{}" y="{}" font-size="10" fill="#333">{text}</text>"##,
            x + 22.0,
            x + 26.0,
            legend_y + 3.5
        );
        // About 5.5 px a character at this size, and a gap.
        x += 26.0 + 5.5 * text.chars().count() as f64 + 14.0;
    }
    let _ = writeln!(
        svg,
        r##"<circle cx="{CLIENTS_X}" cy="{}" r="3.5" fill="#a00"/><text x="{}" y="{}" font-size="10" fill="#333">fault (kill, revive, cut, heal, latency, mode) · rows are spaced by the time between them; ≈ marks a gap drawn shorter than it was</text>"##,
        legend_y + 16.0,
        CLIENTS_X + 8.0,
        legend_y + 19.5
    );
    svg.push_str("</svg>\n");
    svg
}

/// Writes one figure per section of the walkthrough recorded in `trace` into `dir` (created if
/// missing); returns the files written, in order.
pub fn write(trace: &Trace, topology: &Topology, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let (mut entries, _) = trace.entries();
    // A handout shows the story and the messages; the checks are the script's business.
    entries.retain(|entry| entry.is_drawn() && entry.kind != Kind::Expectation);
    let mut written = Vec::new();
    for (i, part) in parts(&entries).iter().enumerate() {
        let path = dir.join(file_name(i + 1, &part.title));
        std::fs::write(&path, figure(part, topology.names()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_wrapping_read_well() {
        assert_eq!(file_name(3, "3. What flooding costs!"), "03-3-what-flooding-costs.svg");
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("", 7), [""]);
        assert_eq!(human(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(human(Duration::from_millis(300)), "300 ms");
    }
}
