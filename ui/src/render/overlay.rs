//! Overlays drawn over the screen: the help (from the key table) and a long reply.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::keys::{BINDINGS, COMMAND_HELP};
use crate::state::UiState;
use crate::theme::Theme;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [area] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(area);
    let [area] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    area
}

pub fn help(frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut lines: Vec<Line> = BINDINGS
        .iter()
        .map(|b| Line::from(vec![Span::styled(format!("{:>12}  ", b.label), theme.title()), Span::raw(b.help)]))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled("Commands (in the command line)", theme.title()));
    for (form, help) in COMMAND_HELP {
        lines.push(Line::from(vec![Span::styled(format!("  {form:<26}"), theme.title()), Span::raw(*help)]));
    }
    let height = lines.len() as u16 + 2;
    let area = centered(area, 96, height);
    frame.render_widget(Clear, area);
    let block = Block::bordered().title(Line::styled(" Keys · Esc or ? closes ", theme.title()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn reply(frame: &mut Frame, area: Rect, state: &UiState, theme: &Theme) {
    let Some(reply) = &state.reply else { return };
    let area = centered(area, area.width.saturating_sub(8), area.height.saturating_sub(4));
    frame.render_widget(Clear, area);
    let title = format!(" {} answered {} · ↑↓ PgUp PgDn scroll · Esc closes ", reply.node, reply.command);
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    let text = reply.text.as_deref().unwrap_or("waiting…");
    let paragraph = Paragraph::new(text).block(block).wrap(Wrap { trim: false }).scroll((state.reply_scroll, 0));
    frame.render_widget(paragraph, area);
}

/// A walkthrough's caption, above the flow.
pub fn caption(frame: &mut Frame, area: Rect, caption: &str, theme: &Theme) {
    let block = Block::bordered()
        .title(Line::styled(" Walkthrough · c continues ", theme.title()))
        .border_style(theme.focus_border(true));
    frame.render_widget(
        Paragraph::new(Line::styled(caption.to_string(), theme.title())).wrap(Wrap { trim: true }).block(block),
        area,
    );
}
