//! The selected node's cache, one client a row (two lines each), a window of it at a time.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};

use crate::state::{Focus, UiState};
use crate::text::{SAMPLED, count, grouped};
use crate::theme::Theme;
use crate::view::CacheView;

/// The narrowest pane (borders included) that shows a position whole, in the narrow form.
pub const NARROWEST_READABLE: u16 = 2 + 2 + 21 + 1;

/// How the pane lays a client out, by width.
enum Form {
    Wide,
    Medium,
    Narrow,
}

/// Lines a client takes, and the header's.
const ROW_HEIGHT: u16 = 2;
const HEADER_HEIGHT: u16 = 2;

pub fn render(frame: &mut Frame, area: Rect, cache: &CacheView, state: &UiState, theme: &Theme) {
    let focused = state.focus == Focus::Cache;
    // The title's parts, most needed first, each whole (its longest form that fits) or left out.
    let parts: Vec<Vec<String>> = if cache.unreachable {
        vec![vec!["unreachable".into()]]
    } else if cache.elsewhere {
        vec![vec!["in another process".into()]]
    } else {
        let mut parts = vec![vec![count(cache.total, "client", "clients")]];
        if cache.by_recency {
            // Titled for what it is: the updates this console saw, not the node's own record.
            let sampled = if cache.recent_sampled { format!("{SAMPLED} ") } else { String::new() };
            parts.push(match cache.recent_seen {
                Some(seen) => vec![
                    format!("{sampled}newest first of {} seen here", grouped(seen)),
                    format!("{sampled}newest of {} seen", grouped(seen)),
                    format!("{sampled}newest seen"),
                ],
                None => vec![format!("{sampled}newest first"), format!("{sampled}newest")],
            });
        }
        if !cache.addr.is_empty() {
            parts.push(vec![cache.addr.clone()]);
        }
        parts
    };
    let mut title = format!(" Cache of {}", cache.node);
    for forms in parts {
        let room = usize::from(area.width).saturating_sub(title.chars().count() + 6);
        if let Some(part) = forms.iter().find(|part| part.chars().count() <= room) {
            title.push_str(" · ");
            title.push_str(part);
        }
    }
    title.push(' ');
    let mut block =
        Block::bordered().title(Line::styled(title, theme.title())).border_style(theme.focus_border(focused));
    let inner = block.inner(area);
    // The client a walkthrough shows, when this node has no record of it: said on the pane's
    // first line, since it is the point (the rows start at the next client).
    let missing = cache.marked.as_ref().filter(|client| {
        cache.up && !cache.unreachable && !cache.elsewhere && !cache.rows.iter().any(|r| &r.client == *client)
    });
    let page =
        usize::from(inner.height.saturating_sub(HEADER_HEIGHT + u16::from(missing.is_some())) / ROW_HEIGHT).max(1);
    state.extents.cache_page.set(page);
    if cache.unreachable {
        let text = format!(
            "{} is attached, but its control port does not answer (the flow says why): its cache is not known \
             here until it does.\nIts clients may still ask it directly, e.g. whatsat {} CLIENT 10 5.",
            cache.node, cache.node
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }).style(theme.dim()).block(block), area);
        return;
    }
    if cache.elsewhere {
        let text = format!(
            "{} runs in another process: this console cannot read its cache.\nAsk it directly, e.g. whatsat {} CLIENT 10 5.",
            cache.node, cache.node
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).style(theme.dim()).block(block), area);
        return;
    }
    if !cache.up {
        let text = if cache.recorded {
            format!("{} is down at this moment: a dead node remembers nothing.", cache.node)
        } else {
            format!(
                "{} is down: a dead node remembers nothing.\nRevive it ({}) and watch it catch up.",
                cache.node,
                crate::keys::label_of(crate::intent::HerdAct::Revive)
            )
        };
        // Wrapped: at 80 columns the pane is narrower than the sentence.
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).style(theme.node(false)).block(block), area);
        return;
    }
    if let (Some(client), true) = (missing, cache.rows.is_empty()) {
        let text = format!("{} has no record of {client}: it knows no client at all.", cache.node);
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).block(block), area);
        return;
    }
    if cache.rows.is_empty() {
        let text = if cache.recorded {
            "No clients at this moment.".to_string()
        } else {
            format!(
                "No clients yet. Type  iamat NODE CLIENT +LAT-LON  in the command line ({}).",
                crate::keys::label_of(crate::intent::ScreenAct::Command)
            )
        };
        let paragraph = Paragraph::new(text).style(theme.dim()).wrap(ratatui::widgets::Wrap { trim: true });
        frame.render_widget(paragraph.block(block), area);
        return;
    }
    let top = cache.top.min(cache.rows.len().saturating_sub(1));
    let shown = &cache.rows[top..(top + page).min(cache.rows.len())];
    let more_before = top > 0 || !cache.at_start;
    let more_after = top + shown.len() < cache.rows.len() || !cache.at_end;
    let position = match (more_before, more_after) {
        (false, false) => String::new(),
        (true, true) => " ▲▼ more ".to_string(),
        (true, false) => " ▲ more · the last clients ".to_string(),
        (false, true) => " ▼ more ".to_string(),
    };
    let hint = if focused { " ↑↓ PgUp PgDn Home End " } else { " Tab to scroll " };
    if !position.is_empty() {
        block = block.title_bottom(Line::styled(format!("{position}·{hint}"), theme.dim()));
    }
    // Every field whole, in the form the pane's width allows: three columns of two lines (a
    // client time is 22 cells with its indent, a position 21, `via ·hops` 12); two columns without
    // the times; or, narrower still, one column of three lines.
    // Column widths plus the spaces between them.
    const WIDE: u16 = 22 + 21 + 12 + 2;
    const MEDIUM: u16 = 23 + 14 + 1;
    let form = if inner.width >= WIDE {
        Form::Wide
    } else if inner.width >= MEDIUM {
        Form::Medium
    } else {
        Form::Narrow
    };
    let (header, widths, height) = match form {
        Form::Wide => (
            Row::new(["client\n  client time", "position\n  difference", "server\n  via ·hops"]),
            vec![Constraint::Length(22), Constraint::Length(21), Constraint::Fill(1)],
            2,
        ),
        Form::Medium => (
            Row::new(["client\n  position", "server\n  via ·hops"]),
            vec![Constraint::Fill(1), Constraint::Length(14)],
            2,
        ),
        Form::Narrow => (Row::new(["client\n  position · server via ·hops"]), vec![Constraint::Fill(1)], 3),
    };
    if height != ROW_HEIGHT {
        let rows = inner.height.saturating_sub(HEADER_HEIGHT + u16::from(missing.is_some()));
        state.extents.cache_page.set(usize::from(rows / height).max(1));
    }
    let header = header.style(theme.title()).height(HEADER_HEIGHT);
    let rows = shown.iter().map(|row| {
        let cells = match form {
            Form::Wide => vec![
                Cell::from(format!("{}\n  {}", row.client, row.time)),
                Cell::from(format!("{}\n  {}", row.position, row.difference)),
                Cell::from(format!("{}\n  {}", row.server, row.via)),
            ],
            Form::Medium => vec![
                Cell::from(format!("{}\n  {}", row.client, row.position)),
                Cell::from(format!("{}\n  {}", row.server, row.via)),
            ],
            Form::Narrow => {
                let how =
                    if row.via == "client" { ", from the client".to_string() } else { format!(" via {}", row.via) };
                vec![Cell::from(format!("{}\n  {}\n  {}{how}", row.client, row.position, row.server))]
            }
        };
        // The client a walkthrough shows stands out, without colour too.
        let row_style = if cache.marked.as_ref() == Some(&row.client) { theme.selected() } else { Style::new() };
        Row::new(cells).height(height).style(row_style)
    });
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(block, area);
    let table_area = match missing {
        Some(client) => {
            let [note, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
            let note_text = format!("no record of {client} here");
            frame.render_widget(Paragraph::new(Line::styled(note_text, theme.selected())), note);
            rest
        }
        None => inner,
    };
    frame.render_widget(table, table_area);
}
