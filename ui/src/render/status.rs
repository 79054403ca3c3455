//! The status bar: the herd's figures and the main keys, then the mode and what the last update
//! cost. The figures and the mode have a long and a short form; the bar shows the longest that
//! fits and drops the least needed figures first, and the cost is one line with its least needed
//! parts last, dropped from the end, so that nothing is cut mid-word at 80 columns.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::intent::{HerdAct, Intent, ScreenAct};
use crate::keys::label_of;
use crate::state::{Focus, Overlay, UiState};
use crate::text::{INCOMPLETE, SAMPLED, count, grouped};
use crate::theme::Theme;
use crate::view::{FloodView, HerdView, ModeView, Stats};

/// The figures of the first line, most needed first; shown in this order, left to right.
fn figures(stats: &Stats) -> Vec<(u8, String)> {
    let nodes = if stats.nodes_unreachable > 0 {
        format!("{}/{} up, {} unreachable", stats.nodes_up, stats.nodes_total, stats.nodes_unreachable)
    } else if stats.nodes_elsewhere > 0 {
        format!("{}/{} up here, {} elsewhere", stats.nodes_up, stats.nodes_total, stats.nodes_elsewhere)
    } else {
        format!("{}/{} up", stats.nodes_up, stats.nodes_total)
    };
    let mut figures = vec![
        (0, nodes),
        (0, count(stats.clients, "client", "clients")),
        (2, format!("{} msg/s", grouped(stats.messages_per_second as usize))),
        (3, format!("{} dup dropped", grouped(stats.duplicates_dropped as usize))),
        (4, format!("places {}", stats.places_source)),
    ];
    // A recording does not say which strategy its herd used: then nothing is said.
    if !stats.strategy.is_empty() {
        // Static, so it goes before a live count does when the line is short.
        figures.push((4, format!("{} strategy", stats.strategy)));
    }
    if stats.upstream_requests > 0 {
        figures.push((5, format!("{} upstream", grouped(stats.upstream_requests as usize))));
    }
    if stats.events_dropped > 0 {
        figures.push((1, format!("{} not shown (too fast)", count(stats.events_dropped as usize, "event", "events"))));
    }
    figures
}

fn mode(mode: ModeView, long: bool) -> String {
    match (mode, long) {
        (ModeView::Live, _) => "live".into(),
        (ModeView::Step { held }, true) => format!(
            "STEP · {held} held ({} next, {} wave, {} list, {} live)",
            label_of(HerdAct::ReleaseNext),
            label_of(HerdAct::ReleaseWave),
            label_of(ScreenAct::ShowHeld),
            label_of(HerdAct::ToggleStep)
        ),
        (ModeView::Step { held }, false) => format!("STEP {held} held"),
        (ModeView::Slow { millis }, _) => format!("slow {millis} ms a hop"),
    }
}

/// The cost of an update, in one form: what it cost first, then how far it got, what a tree
/// would need and how many hops, least needed last. A narrow screen drops parts from the end, so
/// that the line reads the same at every width, only shorter.
fn flood(flood: &FloodView) -> Vec<String> {
    let so_far = match (flood.reached < flood.reachable, flood.ended) {
        // Its events were sampled: how far it got is not known here.
        _ if flood.sampled => "",
        (true, false) => " so far",
        // A kill took what still waited: it stopped where it stands, and says so.
        (true, true) => " ended",
        _ => "",
    };
    let msgs = if flood.messages == 1 { "msg" } else { "msgs" };
    let hops = if flood.hops == 1 { "hop" } else { "hops" };
    let FloodView { client, origin, messages, reached, reachable, hops: h, fewest_hops, .. } = flood;
    // Stale copies (a newer record was already known) said apart, where there were any.
    let mut dropped = match flood.stale {
        0 => format!("{} dup", flood.duplicates),
        stale => format!("{} dup, {stale} stale", flood.duplicates),
    };
    // Lost on the way (dropped by the operator in step mode), where there were any.
    if flood.lost > 0 {
        dropped.push_str(&format!(", {} lost", flood.lost));
    }
    if flood.lost_in_kill > 0 {
        dropped.push_str(&format!(", {} held lost with {}", flood.lost_in_kill, flood.killed));
    }
    // Marked first, where no width cuts it off.
    let sampled = if flood.sampled { format!("{SAMPLED} ") } else { String::new() };
    let mut parts = vec![
        format!("{sampled}{client} from {origin}: {messages} {msgs} ({dropped}){so_far}"),
        format!("reached {reached} of {reachable}"),
    ];
    // A replay's moment in the middle of a recorded update: its whole cost, and how far it got.
    if let Some(sent) = flood.so_far {
        parts.push(format!("{sent} sent by now"));
    }
    parts.push(format!("a tree needs {reachable}"));
    parts.push(format!("{h} {hops}, fewest {fewest_hops}"));
    parts
}

/// The parts that fit in `room` columns, joined, dropped from the end; the first is cut (with an
/// ellipsis) when even it alone does not fit.
fn fit(parts: &[String], room: usize) -> String {
    let mut line = String::new();
    for (i, part) in parts.iter().enumerate() {
        let joined = if i == 0 { part.clone() } else { format!("{line} · {part}") };
        if joined.chars().count() > room {
            if i == 0 {
                let kept: String = part.chars().take(room.saturating_sub(1)).collect();
                return format!("{kept}…");
            }
            break;
        }
        line = joined;
    }
    line
}

/// The focused pane's keys, most needed first (the keys of an open overlay are in its title).
fn pane_keys(state: &UiState) -> Vec<String> {
    use crate::intent::{StoryMove, TimeMove};
    let both = |a: ScreenAct, b: ScreenAct| format!("{}/{}", label_of(a), label_of(b));
    if state.overlay != Overlay::None {
        return vec![format!("{} closes", label_of(ScreenAct::Close))];
    }
    match state.focus {
        Focus::Graph => vec![
            format!("{} {} select", label_of(ScreenAct::PreviousNode), label_of(ScreenAct::NextNode)),
            format!("{} kill", label_of(HerdAct::Kill)),
            format!("{} revive", label_of(HerdAct::Revive)),
            format!("{} command", label_of(ScreenAct::Command)),
            format!("{} step", label_of(HerdAct::ToggleStep)),
            format!("{} back", label_of(TimeMove::Earlier)),
        ],
        Focus::Cache => vec![
            format!("{} search", label_of(ScreenAct::Search)),
            format!("{} order", label_of(ScreenAct::Order)),
            both(ScreenAct::Top, ScreenAct::Follow),
            format!("{} next pane", label_of(ScreenAct::FocusNext)),
        ],
        Focus::Flow => vec![
            format!("{} search", label_of(ScreenAct::Search)),
            format!("{} kinds", label_of(ScreenAct::Kinds)),
            format!("{} freeze", label_of(ScreenAct::Freeze)),
            format!("{} node only", label_of(ScreenAct::Filter)),
            format!("{} opens a line", label_of(ScreenAct::OpenReply)),
            both(ScreenAct::Top, ScreenAct::Follow),
        ],
        Focus::Command => vec![
            "Enter sends".to_string(),
            format!("{} leaves", label_of(ScreenAct::Close)),
            "Tab completes".to_string(),
        ],
    }
    .into_iter()
    .chain(
        (state.caption.is_some() && !state.story_over).then(|| format!("{} continues", label_of(StoryMove::Continue))),
    )
    .collect()
}

pub fn render(frame: &mut Frame, area: Rect, view: &HerdView, state: &UiState, theme: &Theme) {
    let stats = &view.stats;
    let width = usize::from(area.width);
    let title = " herdctl";
    // The figures (left) and the focused pane's keys (right), kept by need where they do not all
    // fit: the nodes and clients first, then the pane's first key and help, then the rest.
    let figures = figures(stats);
    let mut keys = pane_keys(state);
    let pane = keys.len();
    keys.push(format!("{} help", label_of(ScreenAct::Help)));
    keys.push(format!("{} quit", label_of(Intent::Quit)));
    // (need, on the right, index, cost)
    let mut parts: Vec<(u8, bool, usize, usize)> = Vec::new();
    for (i, (need, text)) in figures.iter().enumerate() {
        parts.push((need * 2, false, i, text.chars().count() + 3));
    }
    for (i, text) in keys.iter().enumerate() {
        let need = match i {
            0 => 3,
            i if i == pane => 3,
            i if i == pane + 1 => 11,
            1 => 7,
            _ => 9,
        };
        parts.push((need, true, i, text.chars().count() + 3));
    }
    parts.sort_by_key(|part| part.0);
    let mut budget = width.saturating_sub(title.len() + 1);
    let (mut shown_figures, mut shown_keys) = (vec![false; figures.len()], vec![false; keys.len()]);
    // A figure left out leaves out every less needed one too: a short static figure must not
    // take the place of a longer live one (`flood strategy` shown, `800,004 dup dropped` not).
    let mut figure_left_out = false;
    for (_, right, i, cost) in parts {
        // The pane's keys in their order: none after one left out.
        let in_order = if right { i == 0 || i >= pane || shown_keys[i - 1] } else { !figure_left_out };
        if cost <= budget && in_order {
            budget -= cost;
            if right { shown_keys[i] = true } else { shown_figures[i] = true }
        } else if !right {
            figure_left_out = true;
        }
    }
    let shown: String =
        figures.iter().zip(&shown_figures).filter(|(_, k)| **k).map(|((_, text), _)| format!(" · {text}")).collect();
    let keys: Vec<&str> = keys.iter().zip(&shown_keys).filter(|(_, k)| **k).map(|(text, _)| text.as_str()).collect();
    let keys = format!("{} ", keys.join(" · "));
    let gap = width.saturating_sub(title.len() + shown.chars().count() + keys.chars().count());
    let first = Line::from(vec![
        Span::styled(title, theme.title()),
        Span::raw(shown),
        Span::raw(" ".repeat(gap.max(1))),
        Span::styled(keys, theme.dim()),
    ]);
    // The long mode where the cost and how far it got fit beside it (its keys help more than
    // the tree and the hops), else the short one; the cost cut from its end.
    let cost = match &stats.last_flood {
        Some(last) => flood(last),
        None => vec!["last flood: no update yet".to_string()],
    };
    let mut second = None;
    for long_mode in [true, false] {
        // A recorded moment is not a live herd's mode: it says what is shown, and the mode as
        // recorded; a recording with gaps is marked.
        let mode = match &view.timeline {
            Some(timeline) => {
                let gaps = if timeline.incomplete { format!("{INCOMPLETE} ") } else { String::new() };
                let shown = match (timeline.looking_back, timeline.playing) {
                    (true, _) => "looking back",
                    (false, true) => "replay playing",
                    (false, false) => "replay paused",
                };
                format!(" {gaps}{shown}, recorded {} ", self::mode(stats.mode, false))
            }
            None => format!(" mode {} ", self::mode(stats.mode, long_mode)),
        };
        let room = width.saturating_sub(mode.chars().count() + 2);
        let needed = cost[..cost.len().min(2)].join(" · ");
        if needed.chars().count() <= room || !long_mode {
            second = Some((mode, fit(&cost, room)));
            break;
        }
    }
    let (mode, cost) = second.unwrap_or_default();
    let second = Line::from(vec![Span::styled(mode, theme.title()), Span::styled("· ", theme.dim()), Span::raw(cost)]);
    frame.render_widget(Paragraph::new(vec![first, second]), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floods_cost_is_one_line_cut_from_its_end() {
        let last = FloodView {
            client: "kiwi".into(),
            origin: "Riley".into(),
            messages: 8,
            duplicates: 4,
            stale: 0,
            lost: 0,
            reached: 4,
            reachable: 4,
            hops: 2,
            fewest_hops: 2,
            so_far: None,
            ..FloodView::default()
        };
        let whole = "kiwi from Riley: 8 msgs (4 dup) · reached 4 of 4 · a tree needs 4 · 2 hops, fewest 2";
        assert_eq!(flood(&last).join(" · "), whole);
        // Narrower: the same words, fewer of them, whole parts dropped from the end.
        assert_eq!(fit(&flood(&last), whole.chars().count()), whole);
        assert_eq!(fit(&flood(&last), 80), "kiwi from Riley: 8 msgs (4 dup) · reached 4 of 4 · a tree needs 4");
        assert_eq!(fit(&flood(&last), 60), "kiwi from Riley: 8 msgs (4 dup) · reached 4 of 4");
        assert_eq!(fit(&flood(&last), 40), "kiwi from Riley: 8 msgs (4 dup)");
        assert_eq!(fit(&flood(&last), 20), "kiwi from Riley: 8 …");
        let started = FloodView { messages: 1, reached: 0, hops: 0, ..last.clone() };
        assert!(flood(&started).join(" · ").contains("1 msg (4 dup) so far · reached 0 of 4"));
        let overtaken = FloodView { duplicates: 1, stale: 2, ..last.clone() };
        assert!(flood(&overtaken)[0].ends_with("(1 dup, 2 stale)"), "{:?}", flood(&overtaken));
        let lossy = FloodView { messages: 7, duplicates: 3, lost: 1, ..last.clone() };
        assert!(flood(&lossy)[0].ends_with("7 msgs (3 dup, 1 lost)"), "{:?}", flood(&lossy));
        // A replay at the start of a recorded update: what it cost in the end, and how far it got,
        // before the tree and the hops.
        let recorded = FloodView { so_far: Some(0), ..last.clone() };
        assert_eq!(fit(&flood(&recorded), 80), "kiwi from Riley: 8 msgs (4 dup) · reached 4 of 4 · 0 sent by now");
        // Seen only in part (a burst): marked first, and not said to be on its way.
        let sampled = FloodView { messages: 0, reached: 1, sampled: true, ..last.clone() };
        assert_eq!(fit(&flood(&sampled), 40), "≈sampled kiwi from Riley: 0 msgs (4 dup)");
        assert!(!flood(&sampled).join(" ").contains("so far"));
        // Step mode's held messages lost with a killed node: the update ended where it stood.
        let killed = FloodView {
            messages: 0,
            reached: 1,
            lost_in_kill: 3,
            killed: "Jaquez".into(),
            ended: true,
            ..last.clone()
        };
        assert_eq!(flood(&killed)[0], "kiwi from Riley: 0 msgs (4 dup, 3 held lost with Jaquez) ended");
    }
}
