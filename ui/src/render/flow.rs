//! The message flow: recent events, newest at the bottom, coloured by kind; filtered, frozen
//! and scrolled as the state says.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::intent::ScreenAct;
use crate::keys::label_of;
use crate::state::{Focus, UiState};
use crate::text::count;
use crate::theme::Theme;
use crate::view::{HerdView, KindFilter};

/// `text` with each match of `needle` (any case) reversed, so that a search's hits stand out
/// without colour too.
fn marked<'a>(text: &'a str, needle: Option<&str>, style: Style) -> Vec<Span<'a>> {
    let Some(needle) = needle.filter(|n| !n.is_empty()) else { return vec![Span::styled(text, style)] };
    let lower = text.to_lowercase();
    // Lowercasing keeps byte offsets only for ASCII; other text is shown unmarked.
    if lower.len() != text.len() {
        return vec![Span::styled(text, style)];
    }
    let needle = needle.to_lowercase();
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find(&needle) {
        let (start, end) = (at + found, at + found + needle.len());
        spans.push(Span::styled(&text[at..start], style));
        spans.push(Span::styled(&text[start..end], style.add_modifier(Modifier::REVERSED)));
        at = end;
    }
    spans.push(Span::styled(&text[at..], style));
    spans
}

pub fn render(frame: &mut Frame, area: Rect, view: &HerdView, state: &UiState, theme: &Theme) {
    let selected = state.selected_name(view).unwrap_or_default();
    let shown: Vec<_> = state
        .flow(view)
        .iter()
        .filter(|line| (!state.filter_selected || line.node == selected) && state.flow_kinds.shows(line.kind))
        .collect();
    let height = area.height.saturating_sub(2) as usize;
    state.extents.flow_page.set(height);
    state.extents.flow_lines.set(shown.len());
    // Scrolled back, the flow stays on its anchor line however many events arrive after it.
    let back = match state.flow_anchor {
        Some(seq) => shown.len() - shown.partition_point(|line| line.seq <= seq).max(height.min(shown.len())),
        None => state.flow_scroll,
    };
    let scroll = back.min(shown.len().saturating_sub(height));
    state.extents.flow_back.set(scroll);
    *state.extents.flow_seqs.borrow_mut() = shown.iter().map(|line| line.seq).collect();
    let end = shown.len() - scroll;
    let start = end.saturating_sub(height);
    *state.extents.flow_bottom.borrow_mut() = end.checked_sub(1).map(|i| shown[i].clone());
    let needle = state.search.as_ref().filter(|s| s.focus == Focus::Flow).map(|s| s.text.as_str());
    let lines: Vec<Line> = shown[start..end]
        .iter()
        .map(|line| {
            let mut spans = vec![
                Span::styled(format!("{} ", line.time), theme.dim()),
                // A space after the name however long it is: a long name never runs into the text.
                Span::styled(format!("{:<8} ", line.node), theme.title()),
            ];
            spans.extend(marked(&line.text, needle, theme.flow(line.kind)));
            Line::from(spans)
        })
        .collect();
    let mut scope = if state.filter_selected { format!("{selected} only") } else { "all nodes".to_string() };
    if state.flow_kinds != KindFilter::All {
        scope = format!("{scope} · {}", state.flow_kinds.word());
    }
    let mode = match (&state.frozen, scroll) {
        _ if shown.is_empty() && !state.flow(view).is_empty() => {
            format!("none of this kind yet ({} shows the next kind)", label_of(ScreenAct::Kinds))
        }
        // A recorded moment: the flow ends at it.
        _ if view.timeline.is_some() && scroll == 0 => "up to the moment shown".into(),
        (Some(_), 0) => format!("FROZEN ({} follows)", label_of(ScreenAct::Freeze)),
        (Some(_), back) => {
            format!("FROZEN, {} back ({} follows)", count(back, "line", "lines"), label_of(ScreenAct::Freeze))
        }
        (None, 0) => "live".to_string(),
        (None, back) => format!("{} back ({} follows)", count(back, "line", "lines"), label_of(ScreenAct::Follow)),
    };
    let title = format!(" Flow · {scope} · {mode} ");
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .border_style(theme.focus_border(state.focus == Focus::Flow));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
