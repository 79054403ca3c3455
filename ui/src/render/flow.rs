//! The message flow: recent events, newest at the bottom, coloured by kind; filtered, frozen
//! and scrolled as the state says.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::keys::{Action, label_of};
use crate::state::{Focus, UiState};
use crate::theme::Theme;
use crate::view::HerdView;

pub fn render(frame: &mut Frame, area: Rect, view: &HerdView, state: &UiState, theme: &Theme) {
    let selected = state.selected_name(view).unwrap_or_default();
    let shown: Vec<_> =
        state.flow(view).iter().filter(|line| !state.filter_selected || line.node == selected).collect();
    let height = area.height.saturating_sub(2) as usize;
    state.extents.flow_page.set(height);
    state.extents.flow_lines.set(shown.len());
    let scroll = state.flow_scroll.min(shown.len().saturating_sub(height));
    let end = shown.len() - scroll;
    let start = end.saturating_sub(height);
    let lines: Vec<Line> = shown[start..end]
        .iter()
        .map(|line| {
            Line::from(vec![
                Span::styled(format!("{} ", line.time), theme.dim()),
                Span::styled(format!("{:<9}", line.node), theme.title()),
                Span::styled(line.text.as_str(), theme.flow(line.kind)),
            ])
        })
        .collect();
    let scope = if state.filter_selected { format!("{selected} only") } else { "all nodes".to_string() };
    let mode = match (&state.frozen, scroll) {
        // A recorded moment: the flow ends at it.
        _ if view.timeline.is_some() && scroll == 0 => "up to the moment shown".into(),
        (Some(_), 0) => format!("FROZEN ({} follows)", label_of(Action::Freeze)),
        (Some(_), back) => format!("FROZEN, {back} lines back ({} follows)", label_of(Action::Freeze)),
        (None, 0) => "live".to_string(),
        (None, back) => format!("{back} lines back ({} follows)", label_of(Action::Follow)),
    };
    let title = format!(" Flow · {scope} · {mode} ");
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .border_style(theme.focus_border(state.focus == Focus::Flow));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
