//! Overlays drawn over the screen: the help (from the key table) and a long reply, each
//! scrollable within its text; and a walkthrough's caption.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::intent::{HerdAct, ScreenAct, StoryMove};
use crate::keys::{COMMAND_HELP, label_of, labels_of, table, with_names};
use crate::state::{Opened, UiState};
use crate::theme::Theme;
use crate::view::{HeldChoice, HerdView};

/// What the mouse does (unless `--no-mouse`, or `mouse = false` in the configuration, leaves it to
/// the terminal).
const MOUSE_HELP: &[(&str, &str)] = &[
    ("click", "a node selects it; a link says its state and puts cut (or heal) A B in the command line, for Enter"),
    ("", "a held message delivers it; the timeline jumps there; a pane focuses it; beside an overlay closes it"),
    ("wheel", "scrolls the pane under it (the flow, the cache, an overlay, the held list)"),
    ("", "--no-mouse (or mouse = false in the configuration) leaves the mouse to the terminal, to select text"),
];

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [area] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(area);
    let [area] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    area
}

/// Draws `paragraph` in a box over `area`, scrolled as the state says, and records how much of
/// it there is, so that the keys stop at its ends.
fn scrolled(frame: &mut Frame, area: Rect, state: &UiState, title: String, paragraph: Paragraph, theme: &Theme) {
    frame.render_widget(Clear, area);
    state.extents.areas.borrow_mut().overlay = Some(area);
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    let inner = block.inner(area);
    let lines = paragraph.line_count(inner.width);
    let page = usize::from(inner.height);
    state.extents.overlay_lines.set(lines);
    state.extents.overlay_page.set(page);
    let scroll = state.overlay_scroll.min(lines.saturating_sub(page));
    let block = if lines > page {
        let end = (scroll + page).min(lines);
        block.title_bottom(Line::styled(format!(" lines {}–{end} of {lines} ", scroll + 1), theme.dim()))
    } else {
        block
    };
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(paragraph.block(block).scroll((scroll, 0)), area);
}

/// `label` then `text` wrapped to `width`, continuation lines indented under the text.
fn hanging<'a>(label: String, text: &str, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let indent = label.chars().count();
    let room = width.saturating_sub(indent).max(10);
    let mut rows: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let row = rows.last_mut().expect("never empty");
        if !row.is_empty() && row.chars().count() + 1 + word.chars().count() > room {
            rows.push(word.to_string());
        } else {
            if !row.is_empty() {
                row.push(' ');
            }
            row.push_str(word);
        }
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let head = if i == 0 { label.clone() } else { " ".repeat(indent) };
            Line::from(vec![Span::styled(head, theme.title()), Span::raw(row)])
        })
        .collect()
}

pub fn help(frame: &mut Frame, area: Rect, view: &HerdView, state: &UiState, theme: &Theme) {
    let (a, b) = view.example_names();
    let box_area = centered(area, 100, area.height);
    let width = usize::from(box_area.width.saturating_sub(2));
    let mut lines: Vec<Line> =
        table().bindings.iter().flat_map(|b| hanging(format!("{:>12}  ", b.label), b.help, width, theme)).collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled("Mouse", theme.title()));
    for (what, does) in MOUSE_HELP {
        lines.extend(hanging(format!("{what:>12}  "), does, width, theme));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Commands (in the command line)", theme.title()));
    // The forms' column as wide as the longest, and a space after it, so that no form runs
    // into what it does.
    let column = COMMAND_HELP.iter().map(|(form, _)| form.chars().count()).max().unwrap_or(0);
    for (form, help) in COMMAND_HELP {
        lines.extend(hanging(format!("  {form:<column$} "), &with_names(help, a, b), width, theme));
    }
    let height = lines.len() as u16 + 2;
    let area = centered(area, 100, height);
    let paragraph = Paragraph::new(lines);
    let title = format!(
        " Keys · {} scroll · {} or {} closes ",
        labels_of(&[ScreenAct::ScrollUp, ScreenAct::ScrollDown, ScreenAct::PageUp, ScreenAct::PageDown], " "),
        label_of(ScreenAct::Close),
        label_of(ScreenAct::Help)
    );
    scrolled(frame, area, state, title, paragraph, theme);
}

/// The held transmissions, in release order, the selected one marked (`▶`, visible without
/// colour too).
pub fn held(frame: &mut Frame, area: Rect, view: &HerdView, state: &UiState, theme: &Theme) {
    let keys =
        [HeldChoice::Deliver, HeldChoice::Drop, HeldChoice::Duplicate].map(|choice| label_of(HerdAct::Held(choice)));
    let title = format!(
        " Held · {} select · {} delivers · {} drops · {} duplicates · {} closes ",
        labels_of(&[ScreenAct::ScrollUp, ScreenAct::ScrollDown], ""),
        keys[0],
        keys[1],
        keys[2],
        label_of(ScreenAct::Close)
    );
    let lines: Vec<Line> = if view.held.is_empty() {
        vec![Line::raw(format!(
            "Nothing is held. In step mode ({}) every message between servers waits here.",
            label_of(HerdAct::ToggleStep)
        ))]
    } else {
        let selected = state.held_selected.min(view.held.len() - 1);
        view.held
            .iter()
            .enumerate()
            .map(|(i, held)| {
                let mark = if i == selected { "▶ " } else { "  " };
                let text = format!(
                    "{mark}{}→{}  {}  hop {}  waited {:.1} s",
                    held.from,
                    held.to,
                    held.client,
                    held.hops,
                    held.waited_ms as f64 / 1000.0
                );
                if i == selected { Line::styled(text, theme.title()) } else { Line::raw(text) }
            })
            .collect()
    };
    let width = (title.chars().count() as u16 + 2).max(60);
    let area = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    {
        // Each row a click releases.
        let mut areas = state.extents.areas.borrow_mut();
        areas.overlay = Some(area);
        let rows = usize::from(area.height.saturating_sub(2));
        areas.held =
            view.held.iter().take(rows).enumerate().map(|(i, held)| (area.y + 1 + i as u16, held.id)).collect();
    }
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn reply(frame: &mut Frame, area: Rect, state: &UiState, theme: &Theme) {
    let Some(reply) = &state.reply else { return };
    let area = centered(area, area.width.saturating_sub(8), area.height.saturating_sub(4));
    // What was opened, and from where: a node's reply to a command, or a line of the flow.
    let what = match reply.from {
        Opened::Reply => format!("Command line · {}'s reply to {}", reply.node, reply.command),
        Opened::FlowLine => format!("Flow · the line of {} at {}, whole", reply.node, reply.command),
    };
    let title = format!(
        " {what} · {} · {} closes ",
        labels_of(
            &[
                ScreenAct::ScrollUp,
                ScreenAct::ScrollDown,
                ScreenAct::PageUp,
                ScreenAct::PageDown,
                ScreenAct::Top,
                ScreenAct::Follow
            ],
            " "
        ),
        label_of(ScreenAct::Close)
    );
    let text = reply.text.as_deref().unwrap_or("waiting…");
    scrolled(frame, area, state, title, Paragraph::new(text).wrap(Wrap { trim: false }), theme);
}

/// The caption's text, then the answer to the walkthrough's WHATSAT (its AT line and places),
/// if one came since the operator last continued.
fn caption_paragraph<'a>(text: &str, question: bool, state: &UiState, theme: &Theme) -> Paragraph<'a> {
    let text = if question { format!("? {text}") } else { text.to_string() };
    let mut lines = vec![Line::styled(text, theme.title())];
    if let Some(answer) = &state.answer {
        lines.push(Line::from(vec![
            Span::styled(format!("↳ {}: ", answer.node), theme.dim()),
            Span::raw(answer.first.clone()),
        ]));
        if let Some(places) = &answer.places {
            lines.push(Line::from(vec![
                Span::raw(format!("  {places}")),
                Span::styled(format!(" ({}: the whole reply)", label_of(ScreenAct::OpenReply)), theme.dim()),
            ]));
        }
    }
    Paragraph::new(lines).wrap(Wrap { trim: true })
}

/// The borders of the story's box: whole, or (in the lecture layout, where every row counts)
/// open at the bottom, where the flow's top border closes it.
fn caption_borders(present: bool) -> Borders {
    if present { Borders::TOP | Borders::LEFT | Borders::RIGHT } else { Borders::ALL }
}

/// The rows the story's box takes at `width`: its caption (or note), the answer by it, borders.
pub fn caption_height(state: &UiState, width: u16, present: bool) -> u16 {
    let text = state.caption.as_ref().map(|c| c.text.as_str()).or(state.note.as_deref()).unwrap_or_default();
    let question = state.caption.as_ref().is_some_and(|c| c.question);
    let lines = caption_paragraph(text, question, state, &Theme::plain()).line_count(width.saturating_sub(2));
    lines as u16 + if present { 1 } else { 2 }
}

/// A walkthrough's caption (or, between captions, its note), above the flow: where the story is
/// (step, section), and the keys that move it, from the key table.
pub fn caption(frame: &mut Frame, area: Rect, state: &UiState, theme: &Theme, present: bool) {
    frame.render_widget(Clear, area);
    let (text, question, title) = match (&state.caption, &state.note) {
        (Some(caption), _) => {
            let section = caption.section.as_deref().map(|s| format!(" · {s}")).unwrap_or_default();
            let what = if caption.question { "Predict" } else { "Walkthrough" };
            // After the last step there is nothing to continue to: what can be done instead.
            let keys = if state.story_over {
                format!(
                    "over · {} replays · {} back · {} quits",
                    label_of(StoryMove::PreviousSection),
                    label_of(StoryMove::Back),
                    label_of(crate::Intent::Quit)
                )
            } else {
                format!(
                    "{} continues · {} back · {} {} sections",
                    label_of(StoryMove::Continue),
                    label_of(StoryMove::Back),
                    label_of(StoryMove::PreviousSection),
                    label_of(StoryMove::NextSection)
                )
            };
            let place = if caption.steps > 0 { format!(" {}/{}", caption.step, caption.steps) } else { String::new() };
            let name = state.script.as_deref().map(|name| format!(" of {name}")).unwrap_or_default();
            // The fullest title that fits: the keys go first, then the script's name (`?` lists
            // the keys); the story's place stays.
            let title = [
                format!(" {what}{place}{name}{section} · {keys} "),
                format!(" {what}{place}{section} · {keys} "),
                format!(" {what}{place}{name}{section} "),
                format!(" {what}{place}{section} "),
            ]
            .into_iter()
            .find(|title| title.chars().count() + 2 <= usize::from(area.width))
            .unwrap_or_else(|| format!(" {what}{place}{section} "));
            (caption.text.as_str(), caption.question, title)
        }
        (None, Some(note)) => (note.as_str(), false, " Note ".to_string()),
        (None, None) => return,
    };
    let block = Block::new()
        .borders(caption_borders(present))
        .title(Line::styled(title, theme.title()))
        .border_style(theme.focus_border(true));
    frame.render_widget(caption_paragraph(text, question, state, theme).block(block), area);
}
