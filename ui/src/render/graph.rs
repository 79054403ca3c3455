//! The topology graph: links as lines (coloured by state, lit while a record crosses them),
//! nodes as labelled points with a state symbol and text, so it reads without colour too.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;
use ratatui::widgets::canvas::{Canvas, Line as Segment};

use crate::state::{Focus, UiState};
use crate::theme::Theme;
use crate::view::{HerdView, LinkState};

/// Keeps labels inside the frame: positions are mapped into [MARGIN, 1 - MARGIN].
const MARGIN: f64 = 0.12;

fn place(x: f64, y: f64) -> (f64, f64) {
    (MARGIN + x.clamp(0.0, 1.0) * (1.0 - 2.0 * MARGIN), 1.0 - (MARGIN + y.clamp(0.0, 1.0) * (1.0 - 2.0 * MARGIN)))
}

pub fn render(frame: &mut Frame, area: Rect, view: &HerdView, state: &UiState, theme: &Theme) {
    let legend = " ● up (clients) ○ down · ── link ┄ half ·· down ";
    let block = Block::bordered()
        .title(Line::styled(" Topology ", theme.title()))
        .title_bottom(Line::styled(legend, theme.dim()))
        .border_style(theme.focus_border(state.focus == Focus::Graph));
    let inner_width = f64::from(block.inner(area).width.max(1));
    let position = |name: &str| view.nodes.iter().find(|n| n.name == name).map(|n| place(n.x, n.y));
    let canvas =
        Canvas::default().block(block).marker(Marker::Braille).x_bounds([0.0, 1.0]).y_bounds([0.0, 1.0]).paint(|ctx| {
            for link in &view.links {
                let (Some((x1, y1)), Some((x2, y2))) = (position(&link.a), position(&link.b)) else {
                    continue;
                };
                let color = theme.link(link.state, link.lit);
                match link.state {
                    LinkState::Up => ctx.draw(&Segment::new(x1, y1, x2, y2, color)),
                    // Broken lines for links that are not fully up: readable without colour.
                    LinkState::Half | LinkState::Down => {
                        let pieces = if link.state == LinkState::Half { 12 } else { 24 };
                        for i in (0..pieces).step_by(2) {
                            let (a, b) = (f64::from(i) / f64::from(pieces), f64::from(i + 1) / f64::from(pieces));
                            ctx.draw(&Segment::new(
                                x1 + (x2 - x1) * a,
                                y1 + (y2 - y1) * a,
                                x1 + (x2 - x1) * b,
                                y1 + (y2 - y1) * b,
                                color,
                            ));
                        }
                    }
                }
            }
            ctx.layer();
            // What the operator did to each link, and what is held on it, as text on the line.
            for link in &view.links {
                let (Some((x1, y1)), Some((x2, y2))) = (position(&link.a), position(&link.b)) else { continue };
                let mut marks = Vec::new();
                if link.cut {
                    marks.push("✂ cut".to_string());
                }
                if link.latency_ms > 0 {
                    marks.push(format!("+{}ms", link.latency_ms));
                }
                // A record crossing: a mark in the middle of the line, visible without colour too.
                if link.lit {
                    marks.push("✉".to_string());
                }
                if !marks.is_empty() {
                    let text = marks.join(" ");
                    let half = text.chars().count() as f64 / 2.0 / inner_width;
                    ctx.print((x1 + x2) / 2.0 - half, (y1 + y2) / 2.0, Line::styled(text, theme.node(false)));
                }
                // A held message waits near its sender: ◆ and how many.
                for (count, (sx, sy), (tx, ty)) in
                    [(link.held_a_to_b, (x1, y1), (x2, y2)), (link.held_b_to_a, (x2, y2), (x1, y1))]
                {
                    if count > 0 {
                        let (x, y) = (sx + (tx - sx) * 0.3, sy + (ty - sy) * 0.3);
                        ctx.print(
                            x,
                            y,
                            Line::styled(format!("◆{count}"), theme.flow(crate::view::FlowKind::FloodSent)),
                        );
                    }
                }
            }
            for (i, node) in view.nodes.iter().enumerate() {
                let (x, y) = place(node.x, node.y);
                let state_text = if node.up { format!("● {}", node.clients) } else { "○ DOWN".to_string() };
                // Narrow graphs get the short form, so that neighbouring labels do not collide.
                let label = if inner_width < 50.0 {
                    format!("{} {} {}", i + 1, node.name, state_text.replace(' ', ""))
                } else {
                    format!("[{}] {} {state_text}", i + 1, node.name)
                };
                let style =
                    if i == state.selected { theme.node(node.up).patch(theme.selected()) } else { theme.node(node.up) };
                // Centre the label on the node's point.
                let half = label.chars().count() as f64 / 2.0 / inner_width;
                // The canvas drops text that starts outside it: keep the label inside, even when
                // the graph is narrow.
                let left = (x - half).clamp(0.0, (1.0 - 2.0 * half).max(0.0));
                ctx.print(left, y, Line::from(Span::styled(label, style)));
            }
        });
    frame.render_widget(canvas, area);
}
