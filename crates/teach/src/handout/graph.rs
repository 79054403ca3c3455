//! A section as the herd's graph: for each update it made (a client's new record at a server),
//! the links its copies took, which way, what became of each, and what the update cost. A 4x4
//! grid flooded reads as 33 arrows and "33 messages", a spanning tree as 15: the count is the
//! point, and sixteen lanes side by side would not fit a page. The captions go between, in the
//! order they were said.

use std::collections::{BTreeMap, BTreeSet};
use std::f64::consts::TAU;
use std::fmt::Write as _;

use super::Part;
use super::sequence::{WIDTH, header};
use crate::diagram::metrics::wrap;
use crate::diagram::{Font, px};
use crate::trace::{Kind, Row, escape, pairs};
use herdctl_core::event::Arrival;
use herdctl_core::topology::{NodeName, Topology};

/// More servers than this do not fit side by side as lanes at A4 width (their names would touch).
pub const MOST_LANES: usize = 8;

const LEFT: f64 = 24.0;
const STORY: Font = Font::plain(11.0);
/// The graph's room, and a server's circle.
const GRAPH_WIDTH: f64 = 700.0;
const GRAPH_HEIGHT: f64 = 380.0;
const RADIUS: f64 = 12.0;
/// What the colours and numbers mean.
const LEGEND: &str = "orange: a copy that brought the record to a server that lacked it · grey, dashed: a copy \
                      dropped where it arrived (dup, stale) · the number in a server: the hop at which it learned the \
                      record (0 where it was reported) · red, dashed: a cut link";
/// How far a copy's arrow is drawn beside its link, so that both ways show.
const BESIDE: f64 = 3.5;

/// Whether `part` is drawn as the graph: on a herd too big for lanes, or when it changes how
/// records are passed on (`strategy`), where what each update cost is the lesson.
pub fn wanted(part: &Part, topology: &Topology) -> bool {
    topology.names().len() > MOST_LANES || part.rows.iter().any(|row| row.fault == Some("strategy"))
}

/// The herd as the faults so far left it: cut links, servers down, the strategy.
#[derive(Clone, Default)]
struct State {
    cut: BTreeSet<(NodeName, NodeName)>,
    down: BTreeSet<NodeName>,
    strategy: Option<String>,
}

impl State {
    fn apply(&mut self, row: &Row) {
        let link = || {
            let (a, b) = (row.node.clone(), row.peer.clone().unwrap_or_else(|| "".into()));
            if a <= b { (a, b) } else { (b, a) }
        };
        match row.fault {
            Some("cut" | "cut_one_way") => {
                self.cut.insert(link());
            }
            Some("heal" | "heal_one_way") => {
                self.cut.remove(&link());
            }
            Some("node_down") => {
                self.down.insert(row.node.clone());
            }
            Some("node_up") => {
                self.down.remove(&row.node);
            }
            Some("reset") => {
                self.cut.clear();
                self.down.clear();
            }
            Some("strategy") => self.strategy = row.value.clone(),
            _ => {}
        }
    }
}

/// One update: where it came in, and each copy of it (sender, receiver, hop, arrival).
struct Update {
    client: String,
    origin: NodeName,
    state: State,
    copies: Vec<(NodeName, NodeName, u32, Arrival)>,
}

impl Update {
    /// What it cost, in words.
    fn cost(&self) -> String {
        let count = |a: Arrival| self.copies.iter().filter(|c| c.3 == a).count();
        let (new, duplicates, stale) = (count(Arrival::New), count(Arrival::Duplicate), count(Arrival::Stale));
        let dropped = match (duplicates, stale) {
            (0, 0) => "none dropped".to_string(),
            (d, 0) => format!("{d} dropped as duplicates"),
            (0, s) => format!("{s} dropped as stale"),
            (d, s) => format!("{d} dropped as duplicates, {s} as stale"),
        };
        let last = self.copies.iter().filter(|c| c.3 == Arrival::New).map(|c| c.2).max().unwrap_or(0);
        format!(
            "{} messages, {dropped}; {new} servers learned it from a neighbour, the last at hop {last}",
            self.copies.len()
        )
    }
}

/// What the section says and does, in order: captions, and updates.
enum Piece {
    Caption(String),
    Update(Update),
}

fn pieces(part: &Part) -> Vec<Piece> {
    let mut state = State::default();
    for row in &part.before {
        state.apply(row);
    }
    let arrivals = pairs(&part.rows);
    let mut pieces = Vec::new();
    let mut updates: BTreeMap<String, usize> = BTreeMap::new();
    for (i, row) in part.rows.iter().enumerate() {
        state.apply(row);
        match row.kind {
            Kind::Caption => pieces.push(Piece::Caption(row.text.clone())),
            Kind::Learned => {
                let Some(line) = row.record.clone() else { continue };
                updates.insert(line, pieces.len());
                let update = Update {
                    client: row.text.clone(),
                    origin: row.node.clone(),
                    state: state.clone(),
                    copies: Vec::new(),
                };
                pieces.push(Piece::Update(update));
            }
            Kind::PeerSend if row.catch_up != Some(true) => {
                let (Some(line), Some(peer)) = (&row.record, &row.peer) else { continue };
                let Some(Piece::Update(update)) = updates.get(line).and_then(|&k| pieces.get_mut(k)) else { continue };
                // A copy still in flight at the section's end is drawn as if it arrived new.
                let arrival = arrivals.get(&i).and_then(|&j| part.rows[j].arrival).unwrap_or(Arrival::New);
                update.copies.push((row.node.clone(), peer.clone(), row.hops.unwrap_or_default(), arrival));
            }
            _ => {}
        }
    }
    pieces
}

/// Each server's place on the page inside `(x, y, width, height)`: where the topology puts it,
/// or on a circle in the file's order when it does not say.
fn places(topology: &Topology, area: (f64, f64, f64, f64)) -> BTreeMap<NodeName, (f64, f64)> {
    let nodes = topology.nodes();
    let given = nodes.iter().all(|n| n.x.is_some() && n.y.is_some());
    let unit: Vec<(f64, f64)> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| match (n.x, n.y) {
            (Some(x), Some(y)) if given => (x, y),
            _ => {
                let angle = TAU * i as f64 / nodes.len() as f64;
                (0.5 + 0.5 * angle.sin(), 0.5 - 0.5 * angle.cos())
            }
        })
        .collect();
    let (min_x, max_x) = unit.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_y, max_y) = unit.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let (x, y, width, height) = area;
    // One scale both ways, so that a grid stays square; centred in the room.
    let margin = 40.0;
    let scale =
        ((width - 2.0 * margin) / (max_x - min_x).max(1e-9)).min((height - 2.0 * margin) / (max_y - min_y).max(1e-9));
    let (used_x, used_y) = ((max_x - min_x) * scale, (max_y - min_y) * scale);
    let (x0, y0) = (x + (width - used_x) / 2.0, y + (height - used_y) / 2.0);
    topology
        .names()
        .iter()
        .zip(unit)
        .map(|(name, (ux, uy))| (name.clone(), (x0 + (ux - min_x) * scale, y0 + (uy - min_y) * scale)))
        .collect()
}

/// The herd as `state` has it, and `update`'s copies on it, in `area`.
fn graph(svg: &mut String, topology: &Topology, area: (f64, f64, f64, f64), state: &State, update: Option<&Update>) {
    let at = places(topology, area);
    for (a, b) in topology.links() {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (at.get(&a), at.get(&b)) else { continue };
        let key = if a <= b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
        if state.cut.contains(&key) {
            let _ = writeln!(
                svg,
                r##"<line class="link" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#a00" stroke-dasharray="3 3"/><text class="cut" x="{}" y="{}" font-size="9" fill="#a00" text-anchor="middle" stroke="white" stroke-width="3" paint-order="stroke">cut</text>"##,
                px(x1),
                px(y1),
                px(x2),
                px(y2),
                px((x1 + x2) / 2.0),
                px((y1 + y2) / 2.0 + 3.0)
            );
        } else {
            let _ = writeln!(
                svg,
                r##"<line class="link" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd" stroke-width="5"/>"##,
                px(x1),
                px(y1),
                px(x2),
                px(y2)
            );
        }
    }
    let mut hop: BTreeMap<NodeName, u32> = BTreeMap::new();
    if let Some(update) = update {
        hop.insert(update.origin.clone(), 0);
        for (from, to, hops, arrival) in &update.copies {
            let (Some(&(x1, y1)), Some(&(x2, y2))) = (at.get(from), at.get(to)) else { continue };
            if *arrival == Arrival::New {
                hop.entry(to.clone()).or_insert(*hops);
            }
            // Along the link, off the circles, and to the right of the way it goes.
            let (dx, dy) = (x2 - x1, y2 - y1);
            let length = (dx * dx + dy * dy).sqrt().max(1e-9);
            let (ux, uy) = (dx / length, dy / length);
            let (ox, oy) = (-uy * BESIDE, ux * BESIDE);
            let off = RADIUS + 3.0;
            let (color, dash) = match arrival {
                Arrival::New => ("#c60", ""),
                _ => ("#999", r#" stroke-dasharray="4 2""#),
            };
            let _ = writeln!(
                svg,
                r##"<line class="message" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}"{dash} stroke-width="1.5" marker-end="url(#arrow)"/>"##,
                px(x1 + ux * off + ox),
                px(y1 + uy * off + oy),
                px(x2 - ux * off + ox),
                px(y2 - uy * off + oy)
            );
        }
    }
    for name in topology.names() {
        let Some(&(x, y)) = at.get(name) else { continue };
        let down = state.down.contains(name);
        let origin = update.is_some_and(|u| u.origin == *name);
        let (fill, stroke, ink) = match (down, origin) {
            (true, _) => ("#eee", "#aaa", "#999"),
            (false, true) => ("#c60", "#c60", "white"),
            (false, false) => ("white", "#333", "#333"),
        };
        let _ = write!(
            svg,
            r##"<circle class="node" cx="{}" cy="{}" r="{RADIUS}" fill="{fill}" stroke="{stroke}"/>"##,
            px(x),
            px(y)
        );
        if let Some(h) = hop.get(name) {
            let _ = write!(
                svg,
                r##"<text class="hop" x="{}" y="{}" font-size="10" font-weight="bold" fill="{ink}" text-anchor="middle">{h}</text>"##,
                px(x),
                px(y + 3.5)
            );
        }
        let label = if down { format!("{name} (down)") } else { name.to_string() };
        // At the corner of the circle farthest from its links.
        let ways: Vec<f64> = topology
            .neighbours(name)
            .iter()
            .filter_map(|other| at.get(other))
            .map(|&(ox, oy)| (oy - y).atan2(ox - x))
            .collect();
        let apart = |a: f64, b: f64| {
            let d = (a - b).rem_euclid(TAU);
            d.min(TAU - d)
        };
        // Above and to the right when all are as good (the last best is taken).
        let corners = [(1.0, -1.0), (1.0, 1.0), (-1.0, -1.0), (-1.0, 1.0)];
        let (dy, dx) = corners
            .into_iter()
            .max_by(|a, b| {
                let room = |c: &(f64, f64)| ways.iter().map(|&w| apart(c.0.atan2(c.1), w)).fold(TAU, f64::min);
                room(a).total_cmp(&room(b))
            })
            .unwrap_or((-1.0, 1.0));
        let anchor = if dx > 0.0 { "" } else { r#" text-anchor="end""# };
        let _ = writeln!(
            svg,
            r##"<text class="node" x="{}" y="{}" font-size="10" font-weight="bold" fill="{ink_name}" stroke="white" stroke-width="3" paint-order="stroke"{anchor}>{}</text>"##,
            px(x + dx * (RADIUS - 2.0)),
            px(y + dy * (RADIUS + 2.0) + if dy > 0.0 { 8.0 } else { 0.0 }),
            escape(&label),
            ink_name = if down { "#999" } else { "#333" }
        );
    }
}

/// Writes lines of `font` from baseline `y` down; returns where the next thing may start.
fn lines(svg: &mut String, class: &str, lines: &[String], y: f64, font: Font, style: &str) -> f64 {
    let height = font.line_height();
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(
            svg,
            r##"<text class="{class}" x="{LEFT}" y="{}" font-size="{}" fill="#222"{style}>{}</text>"##,
            px(y + height * i as f64),
            font.size,
            escape(line)
        );
    }
    y + height * lines.len() as f64
}

/// `part` as the graph of `topology`: a panel per update, the captions between them.
pub fn figure(part: &Part, topology: &Topology) -> String {
    let mut body = String::new();
    let room = WIDTH - 2.0 * LEFT;
    let mut y = 62.0;
    let mut pieces = pieces(part);
    let updates = pieces.iter().filter(|p| matches!(p, Piece::Update(_))).count();
    if updates == 0 {
        // No update in it: the herd as the section leaves it.
        let mut state = State::default();
        part.before.iter().chain(&part.rows).for_each(|row| state.apply(row));
        pieces.push(Piece::Update(Update { client: String::new(), origin: "".into(), state, copies: Vec::new() }));
    }
    // Several updates share the page: each graph is smaller.
    let height = if updates > 1 { GRAPH_HEIGHT * 0.7 } else { GRAPH_HEIGHT };
    for piece in &pieces {
        match piece {
            Piece::Caption(text) => {
                y = lines(
                    &mut body,
                    "story",
                    &wrap(&format!("» {text}"), room, STORY),
                    y,
                    STORY,
                    r#" font-style="italic""#,
                ) + 6.0;
            }
            Piece::Update(update) => {
                y += 8.0;
                if !update.client.is_empty() {
                    let by = update.state.strategy.as_deref().map(|s| format!(", by {s}")).unwrap_or_default();
                    let head = format!("{}, reported at {}{by}", update.client, update.origin);
                    y = lines(&mut body, "update", &[head], y, Font::bold(12.0), r#" font-weight="bold""#);
                    y = lines(&mut body, "count", &wrap(&update.cost(), room, STORY), y, STORY, "");
                }
                let shown = (!update.client.is_empty()).then_some(update);
                graph(&mut body, topology, (LEFT, y, GRAPH_WIDTH, height), &update.state, shown);
                y += height + 10.0;
            }
        }
    }
    let legend = wrap(LEGEND, room, Font::plain(10.0));
    let legend_y = y + 12.0;
    let mut svg = header(&part.title, px(legend_y + 13.0 * legend.len() as f64 + 6.0));
    svg.push_str(&body);
    for (i, line) in legend.iter().enumerate() {
        let _ = writeln!(
            svg,
            r##"<text class="legend" x="{LEFT}" y="{}" font-size="10" fill="#333">{}</text>"##,
            px(legend_y + 13.0 * i as f64),
            escape(line)
        );
    }
    svg.push_str("</svg>\n");
    svg
}
