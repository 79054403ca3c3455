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
mod marks;
mod overlay;
mod status;
mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;

use crate::state::{Overlay, UiState};
use crate::theme::Theme;
use crate::view::HerdView;

/// The flow's rows in the lecture layout at the least: three lines and the borders.
const FLOW_LEAST: u16 = 5;
/// The graph's rows in the lecture layout at the least (a 4×4 grid still reads as one).
const PRESENT_GRAPH_LEAST: u16 = 10;
/// The command box in the lecture layout: the line and what came of it, under a top border
/// (the screen's edge closes it).
const PRESENT_COMMAND_ROWS: u16 = 3;

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
    // The lecture layout (`--present`, a walkthrough) at 100×30 and up: the graph gets the room a
    // class watches, while the story's box and three lines of the flow stay readable under it.
    let present = state.present && area.height >= 30;
    /// More nodes than this, and the graph takes the room an empty cache leaves.
    const BIG_HERD: usize = 9;
    let timeline_rows = if view.timeline.is_some() { 2 } else { 0 };
    let told = state.caption.is_some() || state.note.is_some();
    let story_rows = if told { overlay::caption_height(state, area.width, present) } else { 0 };
    let top = if present {
        // Room kept for a caption of three lines while a walkthrough plays, so that the graph
        // keeps its size from caption to caption; a longer one (or a WHATSAT's answer) takes more.
        let kept = story_rows.max(if state.script.is_some() { 4 } else { 0 });
        let room = area.height.saturating_sub(2 + PRESENT_COMMAND_ROWS + timeline_rows + kept + FLOW_LEAST);
        Constraint::Length((area.height * 55 / 100).min(room).max(PRESENT_GRAPH_LEAST))
    } else {
        Constraint::Percentage(45)
    };
    // The cache takes the room it needs: little while a big herd's is empty (and none while the
    // graph is zoomed), so that the graph can spread out; a small herd's empty cache keeps its
    // half, where it says why it is empty (a dead node's, say).
    let empty_cache = view.cache.rows.is_empty() && view.compare.is_none() && view.nodes.len() > BIG_HERD;
    let graph_share = match (state.graph_zoomed, present, empty_cache) {
        (true, _, _) => 100,
        (false, _, true) => 70,
        (false, true, false) => 62,
        (false, false, false) => 50,
    };
    let [status_area, top, flow_area, timeline_area, command_area] = Layout::vertical([
        Constraint::Length(2),
        top,
        Constraint::Fill(1),
        Constraint::Length(timeline_rows),
        Constraint::Length(if present { PRESENT_COMMAND_ROWS } else { 4 }),
    ])
    .areas(area);
    let [graph_area, cache_area] =
        Layout::horizontal([Constraint::Percentage(graph_share), Constraint::Fill(1)]).areas(top);
    let top_zoomed = state.graph_zoomed;
    // Where each part is, for the mouse (the overlays and the graph add theirs as they draw).
    *state.extents.areas.borrow_mut() = crate::state::Areas {
        graph: graph_area,
        cache: cache_area,
        flow: flow_area,
        command: command_area,
        timeline: Rect { height: timeline_area.height.min(1), ..timeline_area },
        ..Default::default()
    };
    status::render(frame, status_area, view, state, theme);
    graph::render(frame, graph_area, view, state, theme);
    match &view.compare {
        _ if top_zoomed => {}
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
    let (caption_area, flow_area) = if told {
        // As many lines as the caption needs once wrapped (never cut mid-sentence): all of the
        // flow's room if it must, since the story matters more than the flow here; else the
        // flow keeps three lines in the lecture layout.
        let least = if present { FLOW_LEAST } else { 0 };
        let height = if story_rows + least <= flow_area.height { story_rows } else { story_rows.min(flow_area.height) };
        let [caption_area, rest] = Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(flow_area);
        (Some(caption_area), rest)
    } else {
        (None, flow_area)
    };
    flow::render(frame, flow_area, view, state, theme);
    if let Some(timeline) = &view.timeline {
        timeline::render(frame, timeline_area, timeline, theme, state.present);
    }
    command::render(frame, command_area, view, state, theme, present);
    match state.overlay {
        Overlay::None => {}
        Overlay::Help => overlay::help(frame, area, view, state, theme),
        Overlay::Reply => overlay::reply(frame, area, state, theme),
        Overlay::Held => overlay::held(frame, area, view, state, theme),
    }
    // Drawn last: a walkthrough's caption is never hidden behind an overlay.
    if let Some(caption_area) = caption_area {
        overlay::caption(frame, caption_area, state, theme, present);
    }
}

#[cfg(test)]
mod tests;
