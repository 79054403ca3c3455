//! The command line, and what the last command came to.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::intent::ScreenAct;
use crate::keys::label_of;
use crate::state::{Feedback, Focus, Running, UiState};
use crate::theme::Theme;
use crate::view::{FlowKind, HerdView};

/// The command box; in the lecture layout (`present`) without its bottom border, a row the flow
/// has instead.
pub fn render(frame: &mut Frame, area: Rect, view: &HerdView, state: &UiState, theme: &Theme, present: bool) {
    let focused = state.focus == Focus::Command;
    let selected = state.selected_name(view).unwrap_or_default();
    // What runs is said first: the line takes keys meanwhile, and what is sent waits its turn.
    let running = state.running.as_ref().map(|Running { command, waiting }| match waiting {
        0 => format!("running {command}…"),
        waiting => format!("running {command}… ({waiting} more waiting)"),
    });
    let title = if focused {
        // Enter and the arrows are the line editor's own keys, not the table's. As many of the
        // hints as fit, most needed first, each whole.
        let hints = [
            "Enter sends".to_string(),
            format!("{} leaves", label_of(ScreenAct::Close)),
            "Tab completes".to_string(),
            "↑↓ history".to_string(),
            format!("raw lines go to {selected}"),
        ];
        let mut title = " Command".to_string();
        for hint in running.into_iter().chain(hints) {
            if title.chars().count() + hint.chars().count() + 6 <= usize::from(area.width) {
                title.push_str(" · ");
                title.push_str(&hint);
            }
        }
        title.push(' ');
        title
    } else {
        let running = running.map(|running| format!(" · {running}")).unwrap_or_default();
        format!(
            " Command{running} · press {} to type ({} lists the forms) ",
            label_of(ScreenAct::Command),
            label_of(ScreenAct::Help)
        )
    };
    let borders = if present { Borders::TOP | Borders::LEFT | Borders::RIGHT } else { Borders::ALL };
    let block = Block::new()
        .borders(borders)
        .title(Line::styled(title, theme.title()))
        .border_style(theme.focus_border(focused));
    let inner = block.inner(area);
    let width = inner.width.saturating_sub(2) as usize;
    let scroll = state.input.visual_scroll(width);
    let input = Line::from(vec![
        Span::styled("> ", theme.title()),
        Span::raw(state.input.value().chars().skip(scroll).collect::<String>()),
    ]);
    let result = match &state.feedback {
        None => Line::styled(example(view), theme.dim()),
        Some(Feedback::Waiting { node }) => Line::styled(format!("waiting for {node} …"), theme.dim()),
        Some(Feedback::Reply { node, text }) => Line::from(format!("{node}: {text}")),
        Some(Feedback::Done(text)) => Line::from(vec![Span::styled("✓ ", theme.title()), Span::raw(text.as_str())]),
        Some(Feedback::Error(text)) => Line::styled(format!("✗ {text}"), theme.flow(FlowKind::Warning)),
        // What Tab could complete to: a list, neither done nor failed.
        Some(Feedback::Choices(text)) => Line::from(vec![Span::styled("Tab: ", theme.dim()), Span::raw(text.as_str())]),
    };
    frame.render_widget(Paragraph::new(vec![input, result]).block(block), area);
    if focused {
        let cursor = (state.input.visual_cursor().saturating_sub(scroll) + 2) as u16;
        frame.set_cursor_position(Position::new(inner.x + cursor.min(inner.width.saturating_sub(1)), inner.y));
    }
}

/// An example of the command forms, with the running herd's own node names.
fn example(view: &HerdView) -> String {
    let (a, b) = view.example_names();
    format!("iamat {a} kiwi +34.068930-118.445127   ·   whatsat {b} kiwi 10 5")
}
