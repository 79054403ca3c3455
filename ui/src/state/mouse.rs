//! What a click or the wheel does: a click selects a node, shows a link (what would change it
//! ready in the command line), delivers a held message, jumps on the timeline or focuses a pane;
//! the wheel scrolls what is under it. Only the places the last frame drew are known here.

use ratatui::layout::Position;
use tui_input::Input;

use super::{Feedback, Focus, Motion, Overlay, UiState};
use crate::input::{MouseButton, MouseEvent, MouseEventKind};
use crate::intent::{HerdAct, Intent, TimeMove};
use crate::view::{HeldChoice, HerdView};

/// Lines one notch of the mouse wheel scrolls.
const WHEEL: usize = 3;

impl UiState {
    /// Handles one mouse event; returns what it asks of the driver, if anything.
    pub fn handle_mouse(&mut self, mouse: MouseEvent, view: &HerdView) -> Option<Intent> {
        let areas = self.extents.areas.borrow().clone();
        let at = Position::new(mouse.column, mouse.row);
        let wheel = match mouse.kind {
            MouseEventKind::ScrollUp => Some(Motion::Up(WHEEL)),
            MouseEventKind::ScrollDown => Some(Motion::Down(WHEEL)),
            _ => None,
        };
        if let Some(motion) = wheel {
            match self.overlay {
                Overlay::Held => {
                    let last = view.held.len().saturating_sub(1);
                    self.held_selected = match motion {
                        Motion::Up(_) => self.held_selected.saturating_sub(1),
                        _ => (self.held_selected + 1).min(last),
                    };
                }
                Overlay::None if areas.cache.contains(at) => self.scroll_cache(motion, view),
                Overlay::None if areas.flow.contains(at) => self.scroll_flow(motion),
                Overlay::None => {}
                _ => {
                    let max = self.extents.overlay_max_scroll();
                    self.overlay_scroll = match motion {
                        Motion::Up(n) => self.overlay_scroll.saturating_sub(n),
                        _ => (self.overlay_scroll + WHEEL).min(max),
                    };
                }
            }
            return None;
        }
        if mouse.kind != MouseEventKind::Down(MouseButton::Left) {
            return None;
        }
        if self.overlay != Overlay::None {
            if let Some((_, id)) =
                areas.held.iter().find(|(row, _)| *row == at.y).filter(|_| self.overlay == Overlay::Held)
            {
                // The clicked message is selected and delivered, if it is still held.
                match view.held.iter().position(|held| held.id == *id) {
                    Some(index) => {
                        self.held_selected = index;
                        return Some(Intent::Herd(HerdAct::Held(HeldChoice::Deliver)));
                    }
                    None => self.feedback = Some(Feedback::Error("that message went already".into())),
                }
                return None;
            }
            // A click beside an overlay closes it.
            if !areas.overlay.is_some_and(|overlay| overlay.contains(at)) {
                self.overlay = Overlay::None;
            }
            return None;
        }
        if areas.timeline.contains(at) {
            let timeline = view.timeline.as_ref()?;
            let along = f64::from(at.x - areas.timeline.x) / f64::from(areas.timeline.width.saturating_sub(1).max(1));
            return Some(Intent::Time(TimeMove::To((along * timeline.length_ms as f64).round() as u64)));
        }
        if let Some((_, index)) = areas.nodes.iter().find(|(rect, _)| rect.contains(at)) {
            self.select(*index);
            self.focus = Focus::Graph;
            return None;
        }
        let near = areas
            .links
            .iter()
            .filter(|(x, y, _)| *y == at.y && x.abs_diff(at.x) <= 2)
            .min_by_key(|(x, ..)| x.abs_diff(at.x));
        if let Some(link) = near.and_then(|(_, _, index)| view.links.get(*index)) {
            self.show_link(link);
            return None;
        }
        self.focus = if areas.cache.contains(at) {
            Focus::Cache
        } else if areas.flow.contains(at) {
            Focus::Flow
        } else if areas.command.contains(at) {
            Focus::Command
        } else {
            Focus::Graph
        };
        None
    }

    /// A clicked link: its state under the command line, and what would change it ready in it.
    fn show_link(&mut self, link: &crate::view::LinkView) {
        let state = match link.state {
            crate::view::LinkState::Up => "up",
            crate::view::LinkState::Half => "half up (one side connected)",
            crate::view::LinkState::Down => "down",
            crate::view::LinkState::Elsewhere => "in other processes",
        };
        let mut said = vec![format!("{}–{}: {state}", link.a, link.b)];
        if let Some(direction) = &link.cut_one_way {
            said.push(format!("cut one way ({direction})"));
        } else if link.cut {
            said.push("cut".into());
        }
        if !link.latency.is_empty() {
            said.push(format!("+{} latency", link.latency));
        }
        if link.loss_percent > 0 {
            said.push(format!("loses {}%", link.loss_percent));
        }
        let command = if link.cut || link.cut_one_way.is_some() { "heal" } else { "cut" };
        said.push(format!("Enter {command}s it"));
        self.feedback = Some(Feedback::Done(said.join(" · ")));
        let typed = format!("{command} {} {}", link.a, link.b);
        let cursor = typed.chars().count();
        self.input = Input::new(typed).with_cursor(cursor);
        self.focus = Focus::Command;
    }
}
