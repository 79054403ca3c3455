//! The topology graph: links as lines (solid when up, dashed when half up, sparse dots when
//! down, so that state reads without colour), lit while a record crosses them; nodes as labels
//! with a state symbol and text, placed so that no label hides another.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::Block;
use ratatui::widgets::canvas::{Canvas, Context, Line as Segment, Points};

use crate::state::{Focus, UiState};
use crate::theme::Theme;
use crate::view::{Dropped, FlowKind, HerdView, LinkState, LinkView, NodeView};

/// Keeps labels inside the frame: positions are mapped into [MARGIN, 1 - MARGIN].
const MARGIN: f64 = 0.12;

/// The legend shows the very glyphs the links are drawn with.
const LEGEND: &str = " ⠒⠒⠒ up  ⠒ ⠒ half  ⠂ ⠂ down ";

fn place(x: f64, y: f64) -> (f64, f64) {
    (MARGIN + x.clamp(0.0, 1.0) * (1.0 - 2.0 * MARGIN), 1.0 - (MARGIN + y.clamp(0.0, 1.0) * (1.0 - 2.0 * MARGIN)))
}

/// The cell a canvas point falls in (the canvas maps [0, 1] onto the inner area, y upwards).
fn cell(inner: Rect, (x, y): (f64, f64)) -> (u16, u16) {
    let column = (x * f64::from(inner.width.saturating_sub(1))).round() as u16;
    let row = ((1.0 - y) * f64::from(inner.height.saturating_sub(1))).round() as u16;
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

/// A node's label: full, short, or shortest, as room allows; in the lecture layout with the
/// version of the story's client it holds.
fn label(index: usize, node: &NodeView, form: usize, present: bool) -> String {
    let number = index + 1;
    let state = match (node.here, node.up) {
        (false, _) if node.unreachable => "◌ unreachable".to_string(),
        (false, _) => "◌ elsewhere".to_string(),
        (true, true) => format!("● {}", node.clients),
        (true, false) => "○ DOWN".to_string(),
    };
    let story = match (&node.story, present) {
        (Some(story), true) => format!(" · {story}"),
        _ => String::new(),
    };
    match form {
        0 => format!("[{number}] {} {state}{story}", node.name),
        1 => format!("{number} {} {}{story}", node.name, state.replacen(' ', "", 1)),
        _ => format!("{number}{}", state.split(' ').next().unwrap_or_default()),
    }
}

/// Places each label on its node's row if it can, else on the nearest free row above or below,
/// shifted sideways to stay inside; returns (column, row, text) for each node, `None` for one
/// with no room left at all.
fn place_labels(inner: Rect, view: &HerdView, present: bool) -> Vec<Option<(u16, u16, String)>> {
    let mut taken: Vec<(u16, u16, u16)> = Vec::new(); // row, first column, last column
    // A cell of space between two labels on a row, so that `●800` and `4 Campbell` never run
    // together into `●8004 Campbell`.
    let free = |taken: &[(u16, u16, u16)], row: u16, start: u16, width: u16| {
        taken.iter().all(|&(r, a, b)| r != row || start + width < a || start > b + 1)
    };
    let mut placed = Vec::new();
    for (i, node) in view.nodes.iter().enumerate() {
        let (column, row) = cell(inner, place(node.x, node.y));
        let mut choice = None;
        // Prefer the fuller form on a nearby row to the shorter form on the node's own row only
        // when the short form does not fit at all.
        'search: for form in 0..3 {
            let text = label(i, node, form, present);
            let width = (text.chars().count() as u16).min(inner.width);
            if form == 0 && f64::from(inner.width) < 50.0 {
                continue;
            }
            let left = column.saturating_sub(width / 2).clamp(inner.x, inner.right().saturating_sub(width));
            for offset in [0i32, -1, 1, -2, 2] {
                let Some(r) = row.checked_add_signed(offset as i16) else { continue };
                if r < inner.y || r >= inner.bottom() {
                    continue;
                }
                if free(&taken, r, left, width) {
                    choice = Some((left, r, text, width));
                    break 'search;
                }
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
            free(&taken, row, column, 1).then(|| (column, row, text.to_string(), 1))
        };
        let Some((left, r, text, width)) = choice.or_else(glyph) else {
            placed.push(None);
            continue;
        };
        taken.push((r, left, left + width - 1));
        placed.push(Some((left, r, text)));
    }
    placed
}

pub fn render(frame: &mut Frame, area: Rect, view: &HerdView, state: &UiState, theme: &Theme) {
    let block = Block::bordered()
        .title(Line::styled(" Topology ", theme.title()))
        .title_bottom(Line::styled(LEGEND, theme.dim()))
        .border_style(theme.focus_border(state.focus == Focus::Graph));
    let inner = block.inner(area);
    let inner_width = f64::from(inner.width.max(1));
    let position = |name: &str| view.nodes.iter().find(|n| n.name == name).map(|n| place(n.x, n.y));
    // Labels first, so that what is written on the links keeps off them.
    let labels = place_labels(inner, view, state.present);
    let on_a_label = |column: u16, row: u16, width: u16| {
        labels
            .iter()
            .flatten()
            .any(|(left, r, text)| *r == row && column <= left + text.chars().count() as u16 && *left <= column + width)
    };
    let canvas =
        Canvas::default().block(block).marker(Marker::Braille).x_bounds([0.0, 1.0]).y_bounds([0.0, 1.0]).paint(|ctx| {
            for link in &view.links {
                if let (Some(from), Some(to)) = (position(&link.a), position(&link.b)) {
                    draw_link(ctx, inner, link, from, to, theme);
                }
            }
            // A walkthrough's path: its links drawn thick (three lines a braille dot apart).
            for pair in state.highlight.windows(2) {
                if let (Some((x1, y1)), Some((x2, y2))) = (position(&pair[0]), position(&pair[1])) {
                    let (dx, dy) = (0.5 / f64::from(inner.width.max(1)), 0.25 / f64::from(inner.height.max(1)));
                    for (ox, oy) in [(0.0, 0.0), (dx, 0.0), (0.0, dy), (-dx, 0.0), (0.0, -dy)] {
                        ctx.draw(&Segment::new(x1 + ox, y1 + oy, x2 + ox, y2 + oy, theme.highlight()));
                    }
                }
            }
            ctx.layer();
            // What the operator did to each link, and what is held on it, as text on the line.
            for link in &view.links {
                let (Some((x1, y1)), Some((x2, y2))) = (position(&link.a), position(&link.b)) else { continue };
                let mut marks = Vec::new();
                match (&link.cut_one_way, link.cut) {
                    (Some(direction), _) => marks.push(format!("✂ {direction}")),
                    (None, true) => marks.push("✂ cut".to_string()),
                    (None, false) => {}
                }
                if !link.latency.is_empty() {
                    marks.push(format!("+{}", link.latency));
                }
                if link.loss_percent > 0 {
                    marks.push(format!("{}% loss", link.loss_percent));
                }
                // A record crossing: a mark in the middle of the line, visible without colour too.
                if link.lit {
                    marks.push("✉".to_string());
                }
                if !marks.is_empty() {
                    // Whole, or each mark's first sign (`✂`, `+`), or not at all: never over a label.
                    let whole = marks.join(" ");
                    let short: String = marks.iter().filter_map(|m| m.chars().next()).collect();
                    let fits = |text: &String| {
                        let half = text.chars().count() as f64 / 2.0 / inner_width;
                        let (column, row) = cell(inner, ((x1 + x2) / 2.0 - half, (y1 + y2) / 2.0));
                        (!on_a_label(column, row, text.chars().count() as u16)).then_some(half)
                    };
                    for text in [whole, short] {
                        if let Some(half) = fits(&text) {
                            ctx.print((x1 + x2) / 2.0 - half, (y1 + y2) / 2.0, Line::styled(text, theme.node(false)));
                            break;
                        }
                    }
                }
                // A copy dropped on arrival: ✕ near the node that dropped it (dup or stale).
                for (dropped, (rx, ry), (sx, sy)) in
                    [(link.dropped_at_a, (x1, y1), (x2, y2)), (link.dropped_at_b, (x2, y2), (x1, y1))]
                {
                    if let Some(dropped) = dropped {
                        let (x, y) = (rx + (sx - rx) * 0.25, ry + (sy - ry) * 0.25);
                        let text = match dropped {
                            Dropped::Duplicate => "✕dup",
                            Dropped::Stale => "✕stale",
                        };
                        let (column, row) = cell(inner, (x, y));
                        if !on_a_label(column, row, text.chars().count() as u16) {
                            ctx.print(x, y, Line::styled(text, theme.flow(FlowKind::Duplicate)));
                        }
                    }
                }
                // A held message waits near its sender: ◆ and how many.
                for (count, (sx, sy), (tx, ty)) in
                    [(link.held_a_to_b, (x1, y1), (x2, y2)), (link.held_b_to_a, (x2, y2), (x1, y1))]
                {
                    if count > 0 {
                        let (x, y) = (sx + (tx - sx) * 0.3, sy + (ty - sy) * 0.3);
                        let text = format!("◆{count}");
                        let (column, row) = cell(inner, (x, y));
                        // What is held matters: beside a label rather than hidden under it.
                        let x = if on_a_label(column, row, text.chars().count() as u16) {
                            x + 3.0 / inner_width
                        } else {
                            x
                        };
                        ctx.print(x, y, Line::styled(text, theme.flow(FlowKind::FloodSent)));
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
    for (i, placed) in labels.into_iter().enumerate() {
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
