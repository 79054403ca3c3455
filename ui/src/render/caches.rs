//! The selected node's cache, one client a row.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use crate::theme::Theme;
use crate::view::HerdView;

pub fn render(frame: &mut Frame, area: Rect, view: &HerdView, theme: &Theme) {
    let cache = &view.cache;
    let title = format!(" Cache of {} · {} clients ", cache.node, cache.rows.len());
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    if !cache.up {
        let text =
            format!("{} is down: a dead node remembers nothing.\nRevive it (r) and watch it catch up.", cache.node);
        frame.render_widget(Paragraph::new(text).style(theme.node(false)).block(block), area);
        return;
    }
    if cache.rows.is_empty() {
        let text = "No clients yet. Type  iamat NODE CLIENT +LAT-LON  in the command line (:).";
        frame.render_widget(Paragraph::new(text).style(theme.dim()).block(block), area);
        return;
    }
    // Two lines a client, so that every field fits whole even in a narrow pane.
    let header = Row::new(["client\n  client time", "position\n  difference", "server\n  via ·hops"])
        .style(theme.title())
        .height(2);
    let rows = cache.rows.iter().map(|row| {
        Row::new([
            Cell::from(format!("{}\n  {}", row.client, row.time)),
            Cell::from(format!("{}\n  {}", row.position, row.difference)),
            Cell::from(format!("{}\n  {}", row.server, row.via)),
        ])
        .height(2)
    });
    let widths = [Constraint::Min(23), Constraint::Length(22), Constraint::Fill(1)];
    frame.render_widget(Table::new(rows, widths).header(header).block(block).column_spacing(1), area);
}
