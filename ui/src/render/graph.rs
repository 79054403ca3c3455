//! The topology graph: links as lines (solid when up, dashed when half up, sparse dots when
//! down, so that state reads without colour), lit while a record crosses them; nodes as labels
//! with a state symbol and text, placed so that no label hides another; and what is written on
//! the links (`marks`), placed where it hides nothing.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::Block;
use ratatui::widgets::canvas::{Canvas, Context, Line as Segment, Points};

use super::marks::{ALONG, Board, NEAR_RECEIVER, NEAR_SENDER, NEARBY, Placed};
use crate::state::{Focus, UiState};
use crate::theme::Theme;
use crate::view::{Badge, Dropped, FlowKind, HerdView, LinkState, LinkView, NodeView};

/// Keeps labels inside the frame: positions are mapped into [MARGIN, 1 - MARGIN].
const MARGIN: f64 = 0.12;

/// The legend shows the very glyphs the links are drawn with.
const LEGEND: &str = " ⠒⠒⠒ up  ⠒ ⠒ half  ⠂ ⠂ down ";

fn place(x: f64, y: f64) -> (f64, f64) {
    (MARGIN + x.clamp(0.0, 1.0) * (1.0 - 2.0 * MARGIN), 1.0 - (MARGIN + y.clamp(0.0, 1.0) * (1.0 - 2.0 * MARGIN)))
}

/// The cell a canvas point falls in, as the canvas itself maps it (braille: [0, 1] onto 2×4 dots
/// a cell, y upwards), so that a label sits where its node's links end and a mark on its line.
fn cell(inner: Rect, (x, y): (f64, f64)) -> (u16, u16) {
    let dot = |fraction: f64, dots: u16| (fraction.clamp(0.0, 1.0) * f64::from(dots.saturating_sub(1))).round() as u16;
    let column = dot(x, 2 * inner.width) / 2;
    let row = dot(1.0 - y, 4 * inner.height) / 4;
    (inner.x + column.min(inner.width.saturating_sub(1)), inner.y + row.min(inner.height.saturating_sub(1)))
}

/// Draws one link in the style of its state. Dashes and dots are spaced in terminal cells, so
/// that they stay visible at braille resolution whatever the link's length.
fn draw_link(ctx: &mut Context, inner: Rect, link: &LinkView, from: (f64, f64), to: (f64, f64), theme: &Theme) {
    let color = theme.link(link.state, link.lit);
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let cells = ((dx * f64::from(inner.width)).powi(2) + (dy * f64::from(inner.height) * 2.0).powi(2)).sqrt();
    let at = |t: f64| (from.0 + dx * t, from.1 + dy * t);
    match link.state {
        LinkState::Up => ctx.draw(&Segment::new(from.0, from.1, to.0, to.1, color)),
        // Two cells drawn, one left out.
        LinkState::Half | LinkState::Elsewhere => {
            let pieces = (cells / 3.0).max(1.0) as usize;
            for i in 0..pieces {
                let (a, b) = (i as f64 / pieces as f64, (i as f64 + 2.0 / 3.0) / pieces as f64);
                let ((x1, y1), (x2, y2)) = (at(a), at(b));
                ctx.draw(&Segment::new(x1, y1, x2, y2, color));
            }
        }
        // A dot every three cells.
        LinkState::Down => {
            let dots = (cells / 3.0).max(2.0) as usize;
            let coords: Vec<(f64, f64)> = (1..dots).map(|i| at(i as f64 / dots as f64)).collect();
            ctx.draw(&Points { coords: &coords, color });
        }
    }
}

/// A node's badge: which version of the story's client it holds, with the client's name or (when
/// the graph is too crowded for it, and the title names the client) without.
fn badge(badge: &Badge, with_client: bool) -> String {
    match (badge.version, with_client) {
        (Some(version), true) => format!("{} v{version}", badge.client),
        (None, true) => format!("no {}", badge.client),
        (Some(version), false) => format!("v{version}"),
        (None, false) => "none".to_string(),
    }
}

/// A node's label: full, short, or shortest, as room allows; in the lecture layout with its badge.
fn label(index: usize, node: &NodeView, form: usize, present: bool, with_client: bool) -> String {
    let number = index + 1;
    let state = match (node.here, node.up) {
        (false, _) if node.unreachable => "◌ unreachable".to_string(),
        (false, _) => "◌ elsewhere".to_string(),
        (true, true) => format!("● {}", node.clients),
        (true, false) => "○ DOWN".to_string(),
    };
    let story = match (&node.story, present) {
        (Some(story), true) => format!(" · {}", badge(story, with_client)),
        _ => String::new(),
    };
    match form {
        0 => format!("[{number}] {} {state}{story}", node.name),
        1 => format!("{number} {} {}{story}", node.name, state.replacen(' ', "", 1)),
        _ => format!("{number}{}", state.split(' ').next().unwrap_or_default()),
    }
}

/// The labels as placed: (column, row, text) for each node, `None` for one with no room left at
/// all; how far they strayed from the fullest form on their node's own row (0: none did), and
/// whether they strayed far (one two rows away, down to its glyph or hidden, or more than one in
/// five a row away).
struct Labels {
    placed: Vec<Option<(u16, u16, String)>>,
    strayed: usize,
    far: bool,
}

/// Places each label on its node's row if it can, else on the nearest free row above or below,
/// shifted sideways to stay inside; with `uniform`, every label in that form on its node's own
/// row, or `None` if one does not fit so.
fn place_labels(
    inner: Rect,
    view: &HerdView,
    present: bool,
    with_client: bool,
    uniform: Option<usize>,
) -> Option<Labels> {
    let mut board = Board::new(inner);
    let mut placed = Vec::new();
    let (mut strayed, mut moved, mut far) = (0, 0, false);
    for (i, node) in view.nodes.iter().enumerate() {
        let (column, row) = cell(inner, place(node.x, node.y));
        let mut choice = None;
        // A label is where its node is (nothing else marks the spot): on the node's own row in a
        // shorter form rather than a row away in the fuller one, so that a grid stays a grid; a
        // row or two away only when no form fits on its own; the shortest form last.
        let tries: Vec<(usize, i32)> = match uniform {
            Some(form) => vec![(form, 0)],
            None => [0i32, -1, 1, -2, 2]
                .into_iter()
                .flat_map(|offset| [(0, offset), (1, offset)])
                .chain([0, -1, 1, -2, 2].map(|offset| (2, offset)))
                .collect(),
        };
        'search: for (form, offset) in tries {
            let text = label(i, node, form, present, with_client);
            let width = (text.chars().count() as u16).min(inner.width);
            if form == 0 && f64::from(inner.width) < 50.0 {
                continue;
            }
            let left = column.saturating_sub(width / 2).clamp(inner.x, inner.right().saturating_sub(width));
            let Some(r) = row.checked_add_signed(offset as i16) else { continue };
            if r < inner.y || r >= inner.bottom() {
                continue;
            }
            if board.free(left, r, width) {
                strayed += form + 2 * offset.unsigned_abs() as usize;
                moved += usize::from(offset != 0);
                far |= form > 1 || offset.abs() > 1;
                choice = Some((left, r, text, width));
                break 'search;
            }
        }
        // Nowhere free: the state's glyph alone on the node's own cell, or nothing (a crowded
        // graph hides a label rather than write it over another; `/` finds the node by name).
        let glyph = || {
            let text = match (node.here, node.up) {
                (false, _) => "◌",
                (true, true) => "●",
                (true, false) => "○",
            };
            board.free(column, row, 1).then(|| (column, row, text.to_string(), 1))
        };
        if choice.is_none() && uniform.is_some() {
            return None;
        }
        far |= choice.is_none();
        let Some((left, r, text, width)) = choice.or_else(glyph) else {
            strayed += 10;
            placed.push(None);
            continue;
        };
        board.take(left, r, width);
        placed.push(Some((left, r, text)));
    }
    // A label or two a row off still reads; more, and the picture falls apart.
    far |= moved * 5 > view.nodes.len();
    Some(Labels { placed, strayed, far })
}

/// The labels, and whether their badges name their client. Best, every label on its node's own
/// row in one form (the fullest that fits, badges naming their client if they can): a grid stays
/// a grid. Else each where it fits best; badges without their client if that strays less far.
fn choose_labels(inner: Rect, view: &HerdView, present: bool) -> (Labels, bool) {
    let badges = present && view.nodes.iter().any(|n| n.story.is_some());
    let namings: &[bool] = if badges { &[true, false] } else { &[false] };
    for &with_client in namings {
        for form in [0, 1] {
            if let Some(labels) = place_labels(inner, view, present, with_client, Some(form)) {
                return (labels, with_client);
            }
        }
    }
    let greedy = |with_client| {
        place_labels(inner, view, present, with_client, None).unwrap_or(Labels {
            placed: Vec::new(),
            strayed: usize::MAX,
            far: true,
        })
    };
    let full = greedy(badges);
    if badges && full.far {
        let short = greedy(false);
        if short.strayed < full.strayed {
            return (short, false);
        }
    }
    (full, badges)
}

/// One mark to put beside a link, and how much it matters (lower: placed first).
struct Wanted {
    need: u8,
    forms: Vec<String>,
    spots: Vec<(u16, u16)>,
    reach: Option<u16>,
    style: Style,
}

/// Every mark the links need, from the most needed: held messages (always drawn), cuts (always
/// said), dropped copies, delays and losses, records crossing.
fn wanted_marks(
    inner: Rect,
    view: &HerdView,
    position: impl Fn(&str) -> Option<(f64, f64)>,
    theme: &Theme,
) -> Vec<Wanted> {
    let mut wanted = Vec::new();
    for link in &view.links {
        let (Some(a), Some(b)) = (position(&link.a), position(&link.b)) else { continue };
        // Cells along the link at these fractions of it, from `from` towards `to`.
        let along = |from: (f64, f64), to: (f64, f64), fractions: &[f64]| -> Vec<(u16, u16)> {
            fractions
                .iter()
                .map(|t| cell(inner, (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t)))
                .collect()
        };
        // A held message waits near its sender: ◆ and how many.
        for (count, from, to) in [(link.held_a_to_b, a, b), (link.held_b_to_a, b, a)] {
            if count > 0 {
                let style = theme.flow(FlowKind::FloodSent);
                let spots = along(from, to, &NEAR_SENDER);
                wanted.push(Wanted { need: 0, forms: vec![format!("◆{count}")], spots, reach: None, style });
            }
        }
        let cut = match (&link.cut_one_way, link.cut) {
            (Some(direction), _) => Some(format!("✂ {direction}")),
            (None, true) => Some("✂ cut".to_string()),
            (None, false) => None,
        };
        if let Some(cut) = cut {
            let style = theme.node(false);
            let spots = along(a, b, &ALONG);
            wanted.push(Wanted { need: 1, forms: vec![cut, "✂".into()], spots, reach: None, style });
        }
        // A copy dropped on arrival: ✕ near the node that dropped it, and why.
        for (dropped, at, from) in [(link.dropped_at_a, a, b), (link.dropped_at_b, b, a)] {
            if let Some(dropped) = dropped {
                let forms = match dropped {
                    Dropped::Duplicate => ["✕dup", "✕"],
                    Dropped::Stale => ["✕stale", "✕"],
                    Dropped::CatchUp => ["✕catch-up", "✕c-up"],
                };
                let spots = along(at, from, &NEAR_RECEIVER);
                let style = theme.flow(FlowKind::Duplicate);
                wanted.push(Wanted {
                    need: 2,
                    forms: forms.map(String::from).to_vec(),
                    spots,
                    reach: Some(NEARBY),
                    style,
                });
            }
        }
        let mut set = Vec::new();
        if !link.latency.is_empty() {
            set.push(format!("+{}", link.latency));
        }
        if link.loss_percent > 0 {
            set.push(format!("{}% loss", link.loss_percent));
        }
        if !set.is_empty() {
            // Whole, or each part's first sign (`+`, the loss's first digit).
            let short: String = set.iter().filter_map(|m| m.chars().next()).collect();
            let forms = vec![set.join(" "), short];
            wanted.push(Wanted {
                need: 3,
                forms,
                spots: along(a, b, &ALONG),
                reach: Some(0),
                style: theme.node(false),
            });
        }
        // A record crossing: a mark in the middle of the line, visible without colour too.
        if link.lit {
            let spots = along(a, b, &ALONG[..5]);
            wanted.push(Wanted { need: 4, forms: vec!["✉".into()], spots, reach: Some(0), style: theme.node(false) });
        }
    }
    // Stable: links keep the topology's order within each need.
    wanted.sort_by_key(|w| w.need);
    wanted
}

pub fn render(frame: &mut Frame, area: Rect, view: &HerdView, state: &UiState, theme: &Theme) {
    let inner = Block::bordered().inner(area);
    let position = |name: &str| view.nodes.iter().find(|n| n.name == name).map(|n| place(n.x, n.y));
    // Labels first, so that what is written on the links keeps off them.
    let (labels, with_client) = choose_labels(inner, view, state.present);
    let badges = state.present && view.nodes.iter().any(|n| n.story.is_some());
    let mut title = " Topology ".to_string();
    if let Some(client) = view.nodes.iter().find_map(|n| n.story.as_ref()).filter(|_| badges && !with_client) {
        title.push_str(&format!("· badges: versions of {} ", client.client));
    }
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .title_bottom(Line::styled(LEGEND, theme.dim()))
        .border_style(theme.focus_border(state.focus == Focus::Graph));
    let mut board = Board::new(inner);
    for (column, row, text) in labels.placed.iter().flatten() {
        board.take(*column, *row, text.chars().count() as u16);
    }
    let marks: Vec<(Placed, Style)> = wanted_marks(inner, view, position, theme)
        .into_iter()
        .filter_map(|wanted| Some((board.place(&wanted.forms, &wanted.spots, wanted.reach)?, wanted.style)))
        .collect();
    let canvas =
        Canvas::default().block(block).marker(Marker::Braille).x_bounds([0.0, 1.0]).y_bounds([0.0, 1.0]).paint(|ctx| {
            for link in &view.links {
                if let (Some(from), Some(to)) = (position(&link.a), position(&link.b)) {
                    draw_link(ctx, inner, link, from, to, theme);
                }
            }
            // A walkthrough's path or tree: its links drawn thick (lines a braille dot apart).
            for (a, b) in &state.highlight {
                if let (Some((x1, y1)), Some((x2, y2))) = (position(a), position(b)) {
                    let (dx, dy) = (0.5 / f64::from(inner.width.max(1)), 0.25 / f64::from(inner.height.max(1)));
                    for (ox, oy) in [(0.0, 0.0), (dx, 0.0), (0.0, dy), (-dx, 0.0), (0.0, -dy)] {
                        ctx.draw(&Segment::new(x1 + ox, y1 + oy, x2 + ox, y2 + oy, theme.highlight()));
                    }
                }
            }
        });
    frame.render_widget(canvas, area);
    // The middle of each link, where a click shows it.
    state.extents.areas.borrow_mut().links = view
        .links
        .iter()
        .enumerate()
        .filter_map(|(i, link)| {
            let ((x1, y1), (x2, y2)) = (position(&link.a)?, position(&link.b)?);
            let (column, row) = cell(inner, ((x1 + x2) / 2.0, (y1 + y2) / 2.0));
            Some((column, row, i))
        })
        .collect();
    let buffer: &mut Buffer = frame.buffer_mut();
    // Marks over the lines, in cells of their own: a plain style first, so that none keeps a
    // link's colour.
    for (Placed { column, row, text }, style) in &marks {
        let room = usize::from(inner.right().saturating_sub(*column));
        buffer.set_stringn(*column, *row, text, room, Style::reset());
        buffer.set_stringn(*column, *row, text, room, *style);
    }
    for (i, placed) in labels.placed.into_iter().enumerate() {
        let Some((column, row, text)) = placed else { continue };
        let width = (text.chars().count() as u16).min(inner.right().saturating_sub(column));
        state.extents.areas.borrow_mut().nodes.push((Rect::new(column, row, width, 1), i));
        let node = &view.nodes[i];
        let style = match (node.here, i == state.selected) {
            (false, false) => theme.dim(),
            (false, true) => theme.dim().patch(theme.selected()),
            (true, false) => theme.node(node.up),
            (true, true) => theme.node(node.up).patch(theme.selected()),
        };
        // A plain style first: the label's cells must not keep a link's colour.
        let room = usize::from(inner.right().saturating_sub(column));
        buffer.set_stringn(column, row, &text, room, Style::reset());
        buffer.set_stringn(column, row, &text, room, style);
    }
}
