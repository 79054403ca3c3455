//! The timeline of a recorded moment: the whole recording as a bar with its faults, floods and
//! story marked and the moment shown on it; under it where the moment is and the keys that move
//! it. Symbols carry the meaning, so it reads the same under NO_COLOR.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::intent::{ScreenAct, TimeMove};
use crate::keys::label_of;
use crate::text::{INCOMPLETE, SAMPLED, grouped};
use crate::theme::Theme;
use crate::view::{MarkKind, TimelineView};

/// The bar: one cell a slice of the recording, marked with the most telling thing in it.
fn bar(timeline: &TimelineView, width: usize, theme: &Theme) -> Line<'static> {
    let width = width.max(1);
    let length = timeline.length_ms.max(1);
    let cell = |at: u64| ((at.min(length) as u128 * (width as u128 - 1)) / length as u128) as usize;
    let mut cells: Vec<Option<MarkKind>> = vec![None; width];
    for mark in &timeline.marks {
        let slot = &mut cells[cell(mark.at_ms)];
        // A fault outranks a story mark, which outranks a flood.
        let rank = |kind: Option<MarkKind>| match kind {
            Some(MarkKind::Fault) => 3,
            Some(MarkKind::Story) => 2,
            Some(MarkKind::Flood) => 1,
            None => 0,
        };
        if rank(Some(mark.kind)) > rank(*slot) {
            *slot = Some(mark.kind);
        }
    }
    let here = cell(timeline.at_ms);
    let color = |c: Color, plain: Style| if theme.color { Style::new().fg(c) } else { plain };
    let spans = cells
        .into_iter()
        .enumerate()
        .map(|(i, mark)| {
            if i == here {
                return Span::styled("▮", Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED));
            }
            let played = i < here;
            match mark {
                Some(MarkKind::Fault) => {
                    Span::styled("×", color(Color::Red, Style::new().add_modifier(Modifier::BOLD)))
                }
                Some(MarkKind::Story) => Span::styled("»", color(Color::Cyan, Style::new())),
                Some(MarkKind::Flood) => Span::styled("·", color(Color::Yellow, Style::new())),
                None if played => Span::styled("━", color(Color::Green, Style::new())),
                None => Span::styled("─", theme.dim()),
            }
        })
        .collect::<Vec<_>>();
    Line::from(spans)
}

/// Where the moment is, then the keys, as many as fit, then what happened at the moment; in the
/// lecture layout (`present`) what happened comes before the keys, since the class asks "which
/// event is this?" and the operator knows the keys.
fn caption(timeline: &TimelineView, width: usize, present: bool) -> String {
    let seconds = |ms: u64| ms as f64 / 1000.0;
    // A recording with gaps says so first, where no width cuts it off.
    let mut text = match (timeline.incomplete, timeline.looking_back) {
        // A look-back after a burst: rebuilt from what the nodes recorded, and says how much.
        (true, true) if timeline.missing > 0 => format!(
            "{SAMPLED}: rebuilt from {} of {} events · ",
            grouped(timeline.events),
            grouped(timeline.events + timeline.missing as usize)
        ),
        (true, _) => format!("{INCOMPLETE} "),
        _ => String::new(),
    };
    text += &if timeline.looking_back {
        // How long before the moment looking back began: what a live console's operator asks.
        format!(
            "◀ LOOKING BACK {:.3}s before · event {}/{}",
            seconds(timeline.length_ms.saturating_sub(timeline.at_ms)),
            timeline.event,
            timeline.events
        )
    } else {
        format!(
            "{} {:.3}s / {:.3}s · ×{} · event {}/{}",
            if timeline.playing { "▶ playing" } else { "‖ paused" },
            seconds(timeline.at_ms),
            seconds(timeline.length_ms),
            timeline.speed_tenths as f64 / 10.0,
            timeline.event,
            timeline.events
        )
    };
    let keys = if timeline.looking_back {
        vec![
            format!("{}{} step", label_of(TimeMove::Earlier), label_of(TimeMove::Later)),
            format!("{} now", label_of(ScreenAct::Close)),
        ]
    } else {
        vec![
            format!("{} play", label_of(ScreenAct::Freeze)),
            format!("{}{} step", label_of(TimeMove::Earlier), label_of(TimeMove::Later)),
            format!("{}{} faults", label_of(TimeMove::PreviousFault), label_of(TimeMove::NextFault)),
            format!("{}{} floods", label_of(TimeMove::PreviousFlood), label_of(TimeMove::NextFlood)),
            format!("{}{} speed", label_of(TimeMove::Slower), label_of(TimeMove::Faster)),
            format!("{} go live", label_of(TimeMove::GoLive)),
        ]
    };
    // The moment first, cut at a character boundary if it must be; then whole key hints only.
    if text.chars().count() > width {
        return text.chars().take(width.saturating_sub(1)).chain(std::iter::once('…')).collect();
    }
    // Then the keys and what happened at the moment (the flow shows it too), as far as they fit;
    // what happened cut at the edge rather than left out when it comes first.
    let now = (!timeline.now.is_empty()).then(|| timeline.now.clone());
    if let Some(now) = now.as_ref().filter(|_| present) {
        text.push_str(" · ");
        text.push_str(now);
        if text.chars().count() > width {
            return text.chars().take(width.saturating_sub(1)).chain(std::iter::once('…')).collect();
        }
    }
    let hints: Vec<String> = if present { keys } else { keys.into_iter().chain(now).collect() };
    for hint in hints {
        if text.chars().count() + 3 + hint.chars().count() > width {
            break;
        }
        text.push_str(" · ");
        text.push_str(&hint);
    }
    text
}

pub fn render(frame: &mut Frame, area: Rect, timeline: &TimelineView, theme: &Theme, present: bool) {
    let width = area.width as usize;
    let lines = vec![bar(timeline, width, theme), Line::styled(caption(timeline, width, present), theme.title())];
    frame.render_widget(Paragraph::new(lines), area);
}
