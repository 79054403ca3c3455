//! Drawing one frame from the view and the state.
//!
//! ```text
//! ┌ status: nodes up · clients · msg/s · duplicates · places ───────────── ? help  q quit ┐
//! ┌ Topology ─────────────────────────────┐┌ Cache of Riley ─────────────────────────────┐
//! │        ● Jaquez 2                     ││ client   position   time   server  diff  via │
//! │  ● Riley 2 ─────── ● Bernard 2        ││ kiwi     +34…       1614…  Riley   +0.2  …   │
//! │        ● Juzang 2 ──── ● Campbell 2   ││                                             │
//! └───────────────────────────────────────┘└─────────────────────────────────────────────┘
//! ┌ Flow · all nodes · live ────────────────────────────────────────────────────────────┐
//! │ 20:01:02.123 Riley    client > IAMAT kiwi +34.068930-118.445127 1614209128.918963997 │
//! └─────────────────────────────────────────────────────────────────────────────────────┘
//! ×━━━━━━·━━━━━━▮──────────×──────»──── (a replay, or looking back: the recording, its marks)
//! ‖ paused 2.000s / 5.000s · ×1 · event 40/120 · Space play · ←→ step · {} faults …
//! ┌ Command → Riley ────────────────────────────────────────────────────────────────────┐
//! │ > iamat Riley kiwi +34.06-118.44                                                     │
//! │ AT Riley +0.000412317 kiwi +34.06-118.44 1795637319.778629541                        │
//! └─────────────────────────────────────────────────────────────────────────────────────┘
//! ```

mod caches;
mod command;
mod flow;
mod graph;
mod overlay;
mod status;
mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;

use crate::state::{Overlay, UiState};
use crate::theme::Theme;
use crate::view::HerdView;

/// The smallest terminal the console draws in; smaller gets a message instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 20;

pub fn render(frame: &mut Frame, view: &HerdView, state: &UiState, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let message = format!(
            "herdctl needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}.\nEnlarge it, or press {} to quit.",
            area.width,
            area.height,
            crate::keys::label_of(crate::Intent::Quit)
        );
        frame.render_widget(Paragraph::new(message).wrap(ratatui::widgets::Wrap { trim: true }), area);
        return;
    }
    // The lecture layout gives the graph the room: it is what a class watches.
    // (On a short terminal, the captions need the rows more.)
    let (top_share, graph_share) = if state.present && area.height >= 30 { (55, 62) } else { (45, 50) };
    let timeline_rows = if view.timeline.is_some() { 2 } else { 0 };
    let [status_area, top, flow_area, timeline_area, command_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Percentage(top_share),
        Constraint::Fill(1),
        Constraint::Length(timeline_rows),
        Constraint::Length(4),
    ])
    .areas(area);
    let [graph_area, cache_area] =
        Layout::horizontal([Constraint::Percentage(graph_share), Constraint::Fill(1)]).areas(top);
    // Where each part is, for the mouse (the overlays and the graph add theirs as they draw).
    *state.extents.areas.borrow_mut() = crate::state::Areas {
        graph: graph_area,
        cache: cache_area,
        flow: flow_area,
        command: command_area,
        timeline: Rect { height: timeline_area.height.min(1), ..timeline_area },
        ..Default::default()
    };
    status::render(frame, status_area, view, theme);
    graph::render(frame, graph_area, view, state, theme);
    match &view.compare {
        // Two caches side by side: a partition's two sides, say.
        Some(other) => {
            // Side by side where both fit a readable form, else one above the other.
            let [first, second] = if cache_area.width >= 2 * caches::NARROWEST_READABLE {
                Layout::horizontal([Constraint::Percentage(50), Constraint::Fill(1)]).areas(cache_area)
            } else {
                Layout::vertical([Constraint::Percentage(50), Constraint::Fill(1)]).areas(cache_area)
            };
            caches::render(frame, first, &view.cache, state, theme);
            caches::render(frame, second, other, state, theme);
        }
        None => caches::render(frame, cache_area, &view.cache, state, theme),
    }
    let told = state.caption.as_ref().map(|c| c.text.as_str()).or(state.note.as_deref());
    let (caption_area, flow_area) = match told {
        Some(text) => {
            // As many lines as the caption needs once wrapped (never cut mid-sentence): all of
            // the flow's room if it must, since the story matters more than the flow here.
            let lines = overlay::caption_lines(text, flow_area.width.saturating_sub(2));
            let height = (lines as u16 + 2).min(flow_area.height);
            let [caption_area, rest] =
                Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(flow_area);
            (Some(caption_area), rest)
        }
        None => (None, flow_area),
    };
    flow::render(frame, flow_area, view, state, theme);
    if let Some(timeline) = &view.timeline {
        timeline::render(frame, timeline_area, timeline, theme);
    }
    command::render(frame, command_area, view, state, theme);
    match state.overlay {
        Overlay::None => {}
        Overlay::Help => overlay::help(frame, area, view, state, theme),
        Overlay::Reply => overlay::reply(frame, area, state, theme),
        Overlay::Held => overlay::held(frame, area, view, state, theme),
    }
    // Drawn last: a walkthrough's caption is never hidden behind an overlay.
    if let Some(caption_area) = caption_area {
        overlay::caption(frame, caption_area, state, theme);
    }
}

#[cfg(test)]
mod tests;
