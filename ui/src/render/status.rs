//! The status bar: the herd's figures and the main keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::text::{count, grouped};
use crate::theme::Theme;
use crate::view::HerdView;

pub fn render(frame: &mut Frame, area: Rect, view: &HerdView, theme: &Theme) {
    let stats = &view.stats;
    let mut figures = format!(
        " · {}/{} up · {} · {} msg/s · {} dropped · places {}",
        stats.nodes_up,
        stats.nodes_total,
        count(stats.clients, "client", "clients"),
        grouped(stats.messages_per_second as usize),
        count(stats.duplicates_dropped as usize, "duplicate", "duplicates"),
        stats.places_source
    );
    if stats.nodes_elsewhere > 0 {
        figures = figures.replacen(" up ·", &format!(" up here, {} elsewhere ·", stats.nodes_elsewhere), 1);
    }
    if stats.upstream_requests > 0 {
        figures.push_str(&format!(" ({} upstream)", stats.upstream_requests));
    }
    if stats.events_dropped > 0 {
        figures
            .push_str(&format!(" · {} not shown (too fast)", count(stats.events_dropped as usize, "event", "events")));
    }
    let keys = "? help  q quit ";
    let gap = (area.width as usize).saturating_sub(figures.chars().count() + keys.chars().count() + 9);
    let line = Line::from(vec![
        Span::styled(" herdctl", theme.title()),
        Span::raw(figures),
        Span::raw(" ".repeat(gap.max(1))),
        Span::styled(keys, theme.dim()),
    ]);
    let flood = stats.last_flood.as_deref().unwrap_or("no update yet");
    let second = Line::from(vec![
        Span::styled(format!(" mode {} ", stats.mode), theme.title()),
        Span::styled("· last flood: ", theme.dim()),
        Span::raw(flood),
    ]);
    frame.render_widget(Paragraph::new(vec![line, second]), area);
}
