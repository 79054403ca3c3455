//! The command line and the last reply.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::state::{Focus, UiState};
use crate::theme::Theme;
use crate::view::HerdView;

pub fn render(frame: &mut Frame, area: Rect, view: &HerdView, state: &UiState, theme: &Theme) {
    let focused = state.focus == Focus::Command;
    let selected = state.selected_name(view).unwrap_or_default();
    let title = if focused {
        format!(" Command · raw lines go to {selected} · Enter sends · ↑↓ history · Esc leaves ")
    } else {
        " Command · press : to type (? lists the forms) ".to_string()
    };
    let block = Block::bordered().title(Line::styled(title, theme.title())).border_style(theme.focus_border(focused));
    let inner = block.inner(area);
    let width = inner.width.saturating_sub(2) as usize;
    let scroll = state.input.visual_scroll(width);
    let input = Line::from(vec![
        Span::styled("> ", theme.title()),
        Span::raw(state.input.value().chars().skip(scroll).collect::<String>()),
    ]);
    let reply = match &state.reply {
        None => Line::styled("iamat Riley kiwi +34.068930-118.445127   ·   whatsat Campbell kiwi 10 5", theme.dim()),
        Some(reply) => match &reply.text {
            None => Line::styled(format!("waiting for {} …", reply.node), theme.dim()),
            Some(text) => {
                let first = text.lines().next().unwrap_or_default();
                let more = text.trim_end().lines().count().saturating_sub(1);
                let suffix = if more > 0 { format!("  (+{more} lines)") } else { String::new() };
                Line::from(format!("{}: {first}{suffix}", reply.node))
            }
        },
    };
    let notice = state.notice.as_deref().map(|n| Line::styled(n.to_string(), theme.dim()));
    let mut lines = vec![input, reply];
    lines.extend(notice);
    frame.render_widget(Paragraph::new(lines).block(block), area);
    if focused {
        let cursor = (state.input.visual_cursor().saturating_sub(scroll) + 2) as u16;
        frame.set_cursor_position(Position::new(inner.x + cursor.min(inner.width.saturating_sub(1)), inner.y));
    }
}
