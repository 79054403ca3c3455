//! The state of the screen and how keys change it: selection, focus, overlays, the flow's
//! filter, freeze and scroll, the command line and its history. No rendering, no I/O.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use tui_input::{Input, InputRequest};

use crate::intent::Intent;
use crate::keys::{self, Action};
use crate::view::HerdView;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Graph,
    Flow,
    Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Reply,
}

/// A command sent from the command line, and its reply once it came.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub node: String,
    pub command: String,
    /// `None` while waiting.
    pub text: Option<String>,
}

/// How many flow lines a page scroll moves.
const PAGE: usize = 10;

#[derive(Clone, Debug)]
pub struct UiState {
    pub selected: usize,
    pub focus: Focus,
    pub overlay: Overlay,
    /// Show only the selected node's events.
    pub filter_selected: bool,
    /// Frozen at this sequence number: newer events are kept but not shown.
    pub frozen_at: Option<u64>,
    /// Lines scrolled back from the newest shown.
    pub flow_scroll: usize,
    pub input: Input,
    pub history: Vec<String>,
    pub(crate) history_position: Option<usize>,
    pub reply: Option<Reply>,
    pub reply_scroll: u16,
    /// A short note for the operator (what the last action did).
    pub notice: Option<String>,
    /// A walkthrough's caption, shown until the operator continues.
    pub caption: Option<String>,
}

impl Default for UiState {
    fn default() -> Self {
        Self {
            selected: 0,
            focus: Focus::Graph,
            overlay: Overlay::None,
            filter_selected: false,
            frozen_at: None,
            flow_scroll: 0,
            input: Input::default(),
            history: Vec::new(),
            history_position: None,
            reply: None,
            reply_scroll: 0,
            notice: None,
            caption: None,
        }
    }
}

impl UiState {
    pub fn selected_name<'a>(&self, view: &'a HerdView) -> Option<&'a str> {
        view.nodes.get(self.selected).map(|n| n.name.as_str())
    }

    /// Handles one key; returns what the operator asked the herd for, if anything.
    pub fn handle_key(&mut self, key: KeyEvent, view: &HerdView) -> Option<Intent> {
        if key.kind != KeyEventKind::Press {
            return None;
        }
        if keys::is_interrupt(&key) {
            return Some(Intent::Quit);
        }
        if self.focus == Focus::Command && self.overlay == Overlay::None {
            return self.command_key(key, view);
        }
        let action = keys::action_for(&key)?;
        if self.overlay != Overlay::None {
            return self.overlay_action(action);
        }
        self.action(action, view)
    }

    fn overlay_action(&mut self, action: Action) -> Option<Intent> {
        match (self.overlay, action) {
            (_, Action::Quit) => return Some(Intent::Quit),
            (Overlay::Help, Action::Help | Action::Close) | (Overlay::Reply, Action::Close) => {
                self.overlay = Overlay::None
            }
            (Overlay::Reply, Action::ScrollUp) => self.reply_scroll = self.reply_scroll.saturating_sub(1),
            (Overlay::Reply, Action::ScrollDown) => self.reply_scroll = self.reply_scroll.saturating_add(1),
            (Overlay::Reply, Action::PageUp) => self.reply_scroll = self.reply_scroll.saturating_sub(PAGE as u16),
            (Overlay::Reply, Action::PageDown) => self.reply_scroll = self.reply_scroll.saturating_add(PAGE as u16),
            (Overlay::Reply, Action::Help) => self.overlay = Overlay::Help,
            // The classroom's keys work over a reply, so a walkthrough never gets stuck behind one.
            (Overlay::Reply, Action::Continue) => {
                self.overlay = Overlay::None;
                return self.caption.take().map(|_| Intent::Continue);
            }
            (Overlay::Reply, Action::ToggleStep) => return Some(Intent::ToggleStep),
            (Overlay::Reply, Action::ReleaseNext) => return Some(Intent::ReleaseNext),
            (Overlay::Reply, Action::ReleaseWave) => return Some(Intent::ReleaseWave),
            (Overlay::Reply, Action::WriteTrace) => return Some(Intent::WriteTrace),
            _ => {}
        }
        None
    }

    fn action(&mut self, action: Action, view: &HerdView) -> Option<Intent> {
        let count = view.nodes.len().max(1);
        match action {
            Action::Quit => return Some(Intent::Quit),
            Action::Help => self.overlay = Overlay::Help,
            Action::Close => self.focus = Focus::Graph,
            Action::NextNode => self.selected = (self.selected + 1) % count,
            Action::PrevNode => self.selected = (self.selected + count - 1) % count,
            Action::SelectNode(index) if index < view.nodes.len() => self.selected = index,
            Action::SelectNode(_) => {}
            Action::Kill => {
                return self.selected_name(view).map(|n| Intent::Kill(n.to_string()));
            }
            Action::Revive => {
                return self.selected_name(view).map(|n| Intent::Revive(n.to_string()));
            }
            Action::Command => self.focus = Focus::Command,
            Action::FocusNext => self.focus_next(),
            Action::Filter => {
                self.filter_selected = !self.filter_selected;
                self.flow_scroll = 0;
            }
            Action::Freeze => {
                self.frozen_at = match self.frozen_at {
                    Some(_) => None,
                    None => Some(view.flow.last().map_or(0, |line| line.seq)),
                };
                self.flow_scroll = 0;
            }
            Action::ScrollUp => self.flow_scroll += 1,
            Action::ScrollDown => self.flow_scroll = self.flow_scroll.saturating_sub(1),
            Action::PageUp => self.flow_scroll += PAGE,
            Action::PageDown => self.flow_scroll = self.flow_scroll.saturating_sub(PAGE),
            Action::Follow => {
                self.flow_scroll = 0;
                self.frozen_at = None;
            }
            Action::ToggleStep => return Some(Intent::ToggleStep),
            Action::ReleaseNext => return Some(Intent::ReleaseNext),
            Action::ReleaseWave => return Some(Intent::ReleaseWave),
            Action::WriteTrace => return Some(Intent::WriteTrace),
            Action::Continue => return self.caption.take().map(|_| Intent::Continue),
        }
        None
    }

    fn focus_next(&mut self) {
        self.focus = match self.focus {
            Focus::Graph => Focus::Flow,
            Focus::Flow => Focus::Command,
            Focus::Command => Focus::Graph,
        };
    }

    fn command_key(&mut self, key: KeyEvent, view: &HerdView) -> Option<Intent> {
        let request = match key.code {
            KeyCode::Esc => {
                self.focus = Focus::Graph;
                return None;
            }
            KeyCode::Tab => {
                self.focus_next();
                return None;
            }
            KeyCode::Enter => return self.submit(view),
            KeyCode::Up => return self.recall(true),
            KeyCode::Down => return self.recall(false),
            KeyCode::Char(c) => InputRequest::InsertChar(c),
            KeyCode::Backspace => InputRequest::DeletePrevChar,
            KeyCode::Delete => InputRequest::DeleteNextChar,
            KeyCode::Left => InputRequest::GoToPrevChar,
            KeyCode::Right => InputRequest::GoToNextChar,
            KeyCode::Home => InputRequest::GoToStart,
            KeyCode::End => InputRequest::GoToEnd,
            _ => return None,
        };
        self.input.handle(request);
        None
    }

    fn submit(&mut self, view: &HerdView) -> Option<Intent> {
        let text = self.input.value().trim().to_string();
        if text.is_empty() {
            return None;
        }
        if self.history.last() != Some(&text) {
            self.history.push(text.clone());
        }
        self.history_position = None;
        self.input.reset();
        let node = self.selected_name(view)?.to_string();
        Some(Intent::Submit { node, text })
    }

    /// Up (`back`) and Down walk the history of sent commands.
    fn recall(&mut self, back: bool) -> Option<Intent> {
        let last = self.history.len().checked_sub(1)?;
        self.history_position = match (self.history_position, back) {
            (None, true) => Some(last),
            (None, false) => None,
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i < last => Some(i + 1),
            (Some(_), false) => None,
        };
        let text = self.history_position.map_or(String::new(), |i| self.history[i].clone());
        self.input = Input::new(text);
        None
    }

    /// A command was sent; its reply will follow.
    pub fn command_sent(&mut self, node: &str, command: &str) {
        self.reply = Some(Reply { node: node.to_string(), command: command.to_string(), text: None });
        self.reply_scroll = 0;
    }

    /// A reply came; replies of more than one line (WHATSAT) open in an overlay.
    pub fn reply_arrived(&mut self, text: String) {
        let long = text.trim_end().contains('\n');
        if let Some(reply) = &mut self.reply {
            reply.text = Some(text);
        }
        if long {
            self.overlay = Overlay::Reply;
            self.reply_scroll = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::KeyModifiers;

    use super::*;
    use crate::view::{FlowKind, FlowLine, NodeView};

    fn view() -> HerdView {
        let node = |name: &str| NodeView { name: name.into(), up: true, ..NodeView::default() };
        let line =
            |seq| FlowLine { seq, time: String::new(), node: "A".into(), kind: FlowKind::Other, text: String::new() };
        HerdView { nodes: vec![node("A"), node("B"), node("C")], flow: vec![line(1), line(2)], ..HerdView::default() }
    }

    fn press(state: &mut UiState, code: KeyCode) -> Option<Intent> {
        state.handle_key(KeyEvent::new(code, KeyModifiers::NONE), &view())
    }

    fn type_text(state: &mut UiState, text: &str) {
        for c in text.chars() {
            press(state, KeyCode::Char(c));
        }
    }

    #[test]
    fn selection_wraps_and_kill_targets_the_selected_node() {
        let mut state = UiState::default();
        press(&mut state, KeyCode::Left);
        assert_eq!(state.selected, 2);
        press(&mut state, KeyCode::Right);
        assert_eq!(state.selected, 0);
        press(&mut state, KeyCode::Char('2'));
        assert_eq!(press(&mut state, KeyCode::Char('k')), Some(Intent::Kill("B".into())));
        assert_eq!(press(&mut state, KeyCode::Char('r')), Some(Intent::Revive("B".into())));
        press(&mut state, KeyCode::Char('9'));
        assert_eq!(state.selected, 1, "no ninth node");
    }

    #[test]
    fn typing_in_the_command_line_does_not_trigger_keys() {
        let mut state = UiState::default();
        press(&mut state, KeyCode::Char(':'));
        assert_eq!(state.focus, Focus::Command);
        type_text(&mut state, "iamat A kiwi +1-1 q");
        assert_eq!(state.input.value(), "iamat A kiwi +1-1 q");
        let intent = press(&mut state, KeyCode::Enter);
        assert_eq!(intent, Some(Intent::Submit { node: "A".into(), text: "iamat A kiwi +1-1 q".into() }));
        assert_eq!(state.input.value(), "");
        press(&mut state, KeyCode::Esc);
        assert_eq!(state.focus, Focus::Graph);
        assert_eq!(press(&mut state, KeyCode::Char('q')), Some(Intent::Quit));
    }

    #[test]
    fn history_walks_back_and_forth() {
        let mut state = UiState::default();
        press(&mut state, KeyCode::Enter);
        for command in ["one", "two"] {
            type_text(&mut state, command);
            press(&mut state, KeyCode::Enter);
        }
        press(&mut state, KeyCode::Up);
        assert_eq!(state.input.value(), "two");
        press(&mut state, KeyCode::Up);
        press(&mut state, KeyCode::Up);
        assert_eq!(state.input.value(), "one");
        press(&mut state, KeyCode::Down);
        assert_eq!(state.input.value(), "two");
        press(&mut state, KeyCode::Down);
        assert_eq!(state.input.value(), "");
    }

    #[test]
    fn ctrl_c_quits_even_while_typing() {
        let mut state = UiState { focus: Focus::Command, ..UiState::default() };
        let intent = state.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), &view());
        assert_eq!(intent, Some(Intent::Quit));
    }

    #[test]
    fn overlays_open_and_close() {
        let mut state = UiState::default();
        press(&mut state, KeyCode::Char('?'));
        assert_eq!(state.overlay, Overlay::Help);
        assert_eq!(press(&mut state, KeyCode::Char('k')), None, "keys under an overlay do nothing");
        press(&mut state, KeyCode::Esc);
        assert_eq!(state.overlay, Overlay::None);
        state.command_sent("A", "WHATSAT kiwi 10 5");
        state.reply_arrived("AT ...\n{\n}\n\n".into());
        assert_eq!(state.overlay, Overlay::Reply);
        press(&mut state, KeyCode::Down);
        assert_eq!(state.reply_scroll, 1);
        press(&mut state, KeyCode::Esc);
        assert_eq!(state.overlay, Overlay::None);
        state.reply_arrived("AT one line\n".into());
        assert_eq!(state.overlay, Overlay::None, "a one-line reply stays in the command box");
    }

    #[test]
    fn classroom_keys_become_intents_and_continue_needs_a_caption() {
        let mut state = UiState::default();
        assert_eq!(press(&mut state, KeyCode::Char('s')), Some(Intent::ToggleStep));
        assert_eq!(press(&mut state, KeyCode::Char('.')), Some(Intent::ReleaseNext));
        assert_eq!(press(&mut state, KeyCode::Char('w')), Some(Intent::ReleaseWave));
        assert_eq!(press(&mut state, KeyCode::Char('t')), Some(Intent::WriteTrace));
        assert_eq!(press(&mut state, KeyCode::Char('c')), None, "nothing to continue");
        state.caption = Some("Watch Riley.".into());
        assert_eq!(press(&mut state, KeyCode::Char('c')), Some(Intent::Continue));
        assert_eq!(state.caption, None);
    }

    #[test]
    fn freeze_pins_the_flow_at_the_newest_line() {
        let mut state = UiState::default();
        press(&mut state, KeyCode::Char(' '));
        assert_eq!(state.frozen_at, Some(2));
        press(&mut state, KeyCode::Up);
        assert_eq!(state.flow_scroll, 1);
        press(&mut state, KeyCode::End);
        assert_eq!((state.frozen_at, state.flow_scroll), (None, 0));
        press(&mut state, KeyCode::Char('f'));
        assert!(state.filter_selected);
    }
}
