//! The state of the screen and how keys change it: selection, focus, overlays, the flow's
//! filter, freeze and scroll, the cache pane's place, the command line and its history, and what
//! the last command came to. No rendering, no I/O.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use ratatui::layout::{Position, Rect};
use tui_input::{Input, InputRequest};

use crate::input::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use crate::intent::{HerdAct, Intent, ScreenAct, StoryMove, TimeMove};
use crate::keys;
use crate::view::{CacheAnchor, FlowLine, HeldChoice, HeldView, HerdView, KindFilter};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Graph,
    Cache,
    Flow,
    Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Reply,
    /// The held transmissions, one selected.
    Held,
}

/// A command sent from the command line, and its reply once it came (shown whole in the reply
/// overlay).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub node: String,
    pub command: String,
    /// `None` while waiting.
    pub text: Option<String>,
}

/// What the last command came to, on the row under the command line: one slot, so that an old
/// reply never stands beside a new command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Feedback {
    /// A client command is on its way to `node`.
    Waiting { node: String },
    /// A node's reply (its first line; the whole reply is in the overlay).
    Reply { node: String, text: String },
    /// Done: what the command did.
    Done(String),
    /// Refused or failed: why.
    Error(String),
}

/// A command being carried out, and how many wait behind it (commands run one at a time, in the
/// order given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Running {
    /// As the operator typed it (`revive Juzang`).
    pub command: String,
    pub waiting: usize,
}

/// A walkthrough's caption: what to say, where the story is, and whether it asks the class.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Caption {
    pub text: String,
    /// This caption's number among the walkthrough's pauses, and how many there are.
    pub step: usize,
    pub steps: usize,
    /// The section it belongs to.
    pub section: Option<String>,
    /// A question for the class to predict (the next steps answer it).
    pub question: bool,
}

impl From<&str> for Caption {
    /// A caption that is not part of a numbered walkthrough (typed in the command line).
    fn from(text: &str) -> Self {
        Self { text: text.to_string(), ..Self::default() }
    }
}

/// How soon a second press must follow for a key a walkthrough's herd would feel.
pub const CONFIRM_WITHIN: Duration = Duration::from_secs(3);

/// A second `c` this soon after one is a bounce of the key, not a wish to skip a caption.
pub const CONTINUE_DEBOUNCE: Duration = Duration::from_millis(400);

/// How big the scrollable parts were when last drawn, so that keys move by a real page and stop
/// at the ends. Written by `render` (which alone knows the terminal's size), read by the keys.
#[derive(Clone, Debug, Default)]
pub struct Extents {
    /// Flow lines that fit in the pane, and how many there are to show.
    pub flow_page: Cell<usize>,
    pub flow_lines: Cell<usize>,
    /// Clients that fit in the cache pane.
    pub cache_page: Cell<usize>,
    /// Lines that fit in the open overlay, and how many it has (wrapped).
    pub overlay_page: Cell<usize>,
    pub overlay_lines: Cell<usize>,
    /// Where things were drawn, for the mouse.
    pub areas: RefCell<Areas>,
    /// The flow as last drawn: its lines' numbers (after the filters), how far back it was, and
    /// its bottom line.
    pub flow_seqs: RefCell<Vec<u64>>,
    pub flow_back: Cell<usize>,
    pub flow_bottom: RefCell<Option<FlowLine>>,
}

/// Where the last frame drew what a click can hit.
#[derive(Clone, Debug, Default)]
pub struct Areas {
    pub graph: Rect,
    pub cache: Rect,
    pub flow: Rect,
    pub command: Rect,
    /// The timeline's bar (a replay, or looking back).
    pub timeline: Rect,
    /// The open overlay.
    pub overlay: Option<Rect>,
    /// Each node's label, and the node's index.
    pub nodes: Vec<(Rect, usize)>,
    /// The middle of each link (column, row), and the link's index.
    pub links: Vec<(u16, u16, usize)>,
    /// The held list's rows, and the held transmission on each.
    pub held: Vec<(u16, u64)>,
}

impl Extents {
    fn flow_max_scroll(&self) -> usize {
        self.flow_lines.get().saturating_sub(self.flow_page.get())
    }

    fn overlay_max_scroll(&self) -> usize {
        self.overlay_lines.get().saturating_sub(self.overlay_page.get())
    }
}

#[derive(Clone, Debug)]
pub struct UiState {
    pub selected: usize,
    pub focus: Focus,
    pub overlay: Overlay,
    /// Show only the selected node's events.
    pub filter_selected: bool,
    /// The flow as it was when frozen: newer events are kept by the console but not shown, and
    /// the frozen lines stay however many events come after.
    pub frozen: Option<Vec<FlowLine>>,
    /// Lines scrolled back from the newest shown.
    pub flow_scroll: usize,
    /// The line at the bottom of a scrolled flow, by its number: what it stays on as new events
    /// arrive (`None`: following the newest).
    pub flow_anchor: Option<u64>,
    /// Which kinds of line the flow shows.
    pub flow_kinds: KindFilter,
    /// The last search, and where it looked.
    pub search: Option<Search>,
    /// Where `/` was pressed: what the search typed next is for.
    pub(crate) searching: Option<Focus>,
    /// The cache pane's order: by client name, or the most recently updated first.
    pub cache_by_recency: bool,
    /// Where the cache pane is scrolled to.
    pub cache_anchor: CacheAnchor,
    pub input: Input,
    pub history: Vec<String>,
    pub(crate) history_position: Option<usize>,
    pub reply: Option<Reply>,
    /// Lines scrolled down in the open overlay (help or reply).
    pub overlay_scroll: usize,
    /// The selected line of the held list.
    pub held_selected: usize,
    /// What the last command came to.
    pub feedback: Option<Feedback>,
    /// A command being carried out: the command line takes the next meanwhile, which waits for it.
    pub running: Option<Running>,
    /// A walkthrough's caption, shown until the operator continues.
    pub caption: Option<Caption>,
    /// A walkthrough's note, shown while its next steps run.
    pub note: Option<String>,
    /// A second node whose cache is shown beside the selected one's.
    pub compare: Option<usize>,
    /// A path marked on the graph, node by node.
    pub highlight: Vec<String>,
    /// Whether a long reply opens in its overlay at once (a walkthrough shows a summary instead).
    pub open_replies: bool,
    /// The lecture layout: a large graph, node labels with the story's version (`--present`, and
    /// while a walkthrough plays).
    pub present: bool,
    /// When `c` last continued, to ignore a bounce.
    pub(crate) continued_at: Option<Instant>,
    /// The walkthrough playing, by name: its captions say it, and keys that would change what
    /// it drives ask to be pressed twice.
    pub script: Option<String>,
    /// A key that changes what a walkthrough drives, pressed once, and when: pressed again soon
    /// after, it does it.
    pub(crate) confirming: Option<(Intent, Instant)>,
    pub extents: Extents,
}

impl Default for UiState {
    fn default() -> Self {
        Self {
            selected: 0,
            focus: Focus::Graph,
            overlay: Overlay::None,
            held_selected: 0,
            filter_selected: false,
            frozen: None,
            flow_scroll: 0,
            flow_anchor: None,
            flow_kinds: KindFilter::All,
            search: None,
            searching: None,
            cache_by_recency: false,
            cache_anchor: CacheAnchor::First,
            input: Input::default(),
            history: Vec::new(),
            history_position: None,
            reply: None,
            overlay_scroll: 0,
            feedback: None,
            running: None,
            caption: None,
            note: None,
            compare: None,
            highlight: Vec::new(),
            open_replies: true,
            present: false,
            continued_at: None,
            script: None,
            confirming: None,
            extents: Extents::default(),
        }
    }
}

/// What an intent about "the selected one" applies to, read from the view the intent was made on
/// (the driver carries the intent out after that view is gone).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// The selected node, by name.
    pub node: Option<String>,
    /// The selected held transmission, by id.
    pub held: Option<u64>,
}

/// A search, and which pane it was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    pub text: String,
    pub focus: Focus,
}

/// Lines one notch of the mouse wheel scrolls.
const WHEEL: usize = 3;

/// Words of the commands' forms that Tab completes beside names.
const COMPLETED_WORDS: &[&str] = &["random-node", "random-link", "fault", "flood", "caption", "start", "end", "now"];

/// The longest start the words share (in the first word's spelling).
fn common_prefix(words: &[&String]) -> String {
    let first: Vec<char> = words[0].chars().collect();
    let mut length = first.len();
    for word in &words[1..] {
        let same = first.iter().zip(word.chars()).take_while(|(a, b)| a.to_lowercase().eq(b.to_lowercase())).count();
        length = length.min(same);
    }
    first[..length].iter().collect()
}

/// How far a scroll key moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Motion {
    Up(usize),
    Down(usize),
    Top,
    Bottom,
}

impl UiState {
    pub fn selected_name<'a>(&self, view: &'a HerdView) -> Option<&'a str> {
        view.nodes.get(self.selected).map(|n| n.name.as_str())
    }

    /// The held transmission selected in the held list.
    pub fn selected_held<'a>(&self, view: &'a HerdView) -> Option<&'a HeldView> {
        view.held.get(self.held_selected)
    }

    /// What "the selected one" is on `view`, for the intent just made on it.
    pub fn selection(&self, view: &HerdView) -> Selection {
        Selection {
            node: self.selected_name(view).map(str::to_string),
            held: self.selected_held(view).map(|held| held.id),
        }
    }

    /// The flow lines on screen: the frozen copy while frozen, else the live ones.
    pub fn flow<'a>(&'a self, view: &'a HerdView) -> &'a [FlowLine] {
        self.frozen.as_deref().unwrap_or(&view.flow)
    }

    /// Handles one key: does what concerns the screen alone, and returns any other intent, for
    /// the driver to carry out.
    pub fn handle_key(&mut self, key: KeyEvent, view: &HerdView) -> Option<Intent> {
        if keys::is_interrupt(&key) {
            return Some(Intent::Quit);
        }
        // An error stays until the next key: read, then gone.
        if matches!(self.feedback, Some(Feedback::Error(_))) {
            self.feedback = None;
        }
        if self.focus == Focus::Command && self.overlay == Overlay::None {
            return self.command_key(key, view);
        }
        let intent = keys::intent_for(&key)?;
        if self.overlay == Overlay::Held {
            return self.in_held_list(intent, view);
        }
        if self.overlay != Overlay::None {
            return self.in_overlay(intent);
        }
        self.act(intent, view)
    }

    /// Handles one mouse event: a click selects a node, shows a link (its cut or heal ready in
    /// the command line), releases a held message, jumps on the timeline or focuses a pane; the
    /// wheel scrolls what is under it.
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

    fn open(&mut self, overlay: Overlay) {
        self.overlay = overlay;
        self.overlay_scroll = 0;
    }

    fn select(&mut self, index: usize) {
        if index != self.selected {
            self.selected = index;
            self.cache_anchor = CacheAnchor::First;
        }
        self.compare = None;
    }

    /// Selects the nodes a walkthrough shows: one, or two side by side.
    pub fn show(&mut self, view: &HerdView, names: &[String]) {
        let index = |name: &String| view.nodes.iter().position(|n| &n.name == name);
        if let Some(first) = names.first().and_then(index) {
            self.select(first);
        }
        self.compare = names.get(1).and_then(index);
    }

    fn scroll_flow(&mut self, motion: Motion) {
        let max = self.extents.flow_max_scroll();
        // From where its anchor line is now (an anchored flow stays put while events arrive).
        let back = match self.flow_anchor {
            Some(seq) => {
                let seqs = self.extents.flow_seqs.borrow();
                seqs.len() - seqs.partition_point(|s| *s <= seq)
            }
            None => self.flow_scroll,
        };
        self.flow_scroll = match motion {
            Motion::Up(n) => (back + n).min(max),
            Motion::Down(n) => back.saturating_sub(n),
            Motion::Top => max,
            Motion::Bottom => {
                // Back to the newest events: following live again.
                self.frozen = None;
                0
            }
        };
        self.anchor_flow();
    }

    /// Anchors the flow on the line now at its bottom (none when following the newest).
    fn anchor_flow(&mut self) {
        let seqs = self.extents.flow_seqs.borrow();
        self.flow_anchor = match self.flow_scroll {
            0 => None,
            back => seqs.len().checked_sub(back + 1).and_then(|i| seqs.get(i)).copied(),
        };
    }

    /// Runs the search typed after `/`, in the pane it was pressed in.
    fn search_for(&mut self, text: String, focus: Focus, view: &HerdView, older_than_shown: bool) {
        let needle = text.to_lowercase();
        self.search = Some(Search { text: text.clone(), focus });
        match focus {
            Focus::Cache => {
                // The cache is in client order: a client's start finds it (or where it would be).
                self.cache_by_recency = false;
                self.cache_anchor = CacheAnchor::At(text.clone());
                self.feedback = Some(Feedback::Done(format!("the cache from the first client at or after {text:?}")));
            }
            Focus::Graph | Focus::Command => {
                let start = if older_than_shown { self.selected + 1 } else { 0 };
                let count = view.nodes.len().max(1);
                let found = (0..view.nodes.len())
                    .map(|i| (start + i) % count)
                    .find(|i| view.nodes[*i].name.to_lowercase().starts_with(&needle));
                match found {
                    Some(index) => self.select(index),
                    None => self.feedback = Some(Feedback::Error(format!("no node's name starts with {text:?}"))),
                }
            }
            Focus::Flow => {
                let lines = self.flow(view);
                let kinds = self.flow_kinds;
                let selected = self.selected_name(view).unwrap_or_default().to_string();
                let shown: Vec<&FlowLine> = lines
                    .iter()
                    .filter(|line| (!self.filter_selected || line.node == selected) && kinds.shows(line.kind))
                    .collect();
                // Backwards from the line at the bottom (excluded when looking for the next).
                let bottom = match self.flow_anchor {
                    Some(seq) => shown.partition_point(|line| line.seq <= seq),
                    None => shown.len().saturating_sub(self.flow_scroll),
                };
                let before = if older_than_shown { bottom.saturating_sub(1) } else { bottom };
                let found = shown[..before.min(shown.len())]
                    .iter()
                    .rposition(|line| line.text.to_lowercase().contains(&needle) || line.node.to_lowercase() == needle);
                let (count, seq) = (shown.len(), found.map(|index| shown[index].seq));
                match found.zip(seq) {
                    Some((index, seq)) => {
                        self.flow_scroll = count - index - 1;
                        self.flow_anchor = (self.flow_scroll > 0).then_some(seq);
                        self.feedback = None;
                    }
                    None => self.feedback = Some(Feedback::Error(format!("no older line has {text:?}"))),
                }
            }
        }
    }

    /// Moves the cache pane over the window of rows the view holds around its anchor.
    fn scroll_cache(&mut self, motion: Motion, view: &HerdView) {
        let cache = &view.cache;
        let page = self.extents.cache_page.get().max(1);
        let anchor_at =
            |index: usize| cache.rows.get(index).map_or(CacheAnchor::Last, |row| CacheAnchor::At(row.client.clone()));
        self.cache_anchor = match motion {
            Motion::Top => CacheAnchor::First,
            Motion::Bottom => CacheAnchor::Last,
            Motion::Up(n) => match cache.top.checked_sub(n) {
                Some(0) | None if cache.at_start => CacheAnchor::First,
                Some(top) => anchor_at(top),
                None => anchor_at(0),
            },
            Motion::Down(n) => {
                let top = cache.top + n;
                if cache.at_end && top + page >= cache.rows.len() {
                    CacheAnchor::Last
                } else {
                    anchor_at(top.min(cache.rows.len().saturating_sub(1)))
                }
            }
        };
    }

    fn focus_next(&mut self) {
        self.focus = match self.focus {
            Focus::Graph => Focus::Cache,
            Focus::Cache => Focus::Flow,
            Focus::Flow => Focus::Command,
            Focus::Command => Focus::Graph,
        };
    }

    /// The line editor's keys, readline style (Ctrl-A/E/W/U/K/Y, Alt-B/F, Ctrl-←/→).
    fn editing(key: &KeyEvent) -> Option<InputRequest> {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        Some(match (key.code, control, alt) {
            (KeyCode::Char('a'), true, false) | (KeyCode::Home, _, _) => InputRequest::GoToStart,
            (KeyCode::Char('e'), true, false) | (KeyCode::End, _, _) => InputRequest::GoToEnd,
            (KeyCode::Char('w'), true, false) | (KeyCode::Backspace, _, true) => InputRequest::DeletePrevWord,
            (KeyCode::Char('u'), true, false) => InputRequest::DeleteFromStart,
            (KeyCode::Char('k'), true, false) => InputRequest::DeleteTillEnd,
            (KeyCode::Char('y'), true, false) => InputRequest::Yank,
            (KeyCode::Char('b'), true, false) | (KeyCode::Left, false, false) => InputRequest::GoToPrevChar,
            (KeyCode::Char('f'), true, false) | (KeyCode::Right, false, false) => InputRequest::GoToNextChar,
            (KeyCode::Char('b'), false, true) | (KeyCode::Left, true, _) | (KeyCode::Left, _, true) => {
                InputRequest::GoToPrevWord
            }
            (KeyCode::Char('f'), false, true) | (KeyCode::Right, true, _) | (KeyCode::Right, _, true) => {
                InputRequest::GoToNextWord
            }
            (KeyCode::Char('d'), false, true) => InputRequest::DeleteNextWord,
            (KeyCode::Char('d'), true, false) | (KeyCode::Delete, _, _) => InputRequest::DeleteNextChar,
            (KeyCode::Char('h'), true, false) | (KeyCode::Backspace, _, _) => InputRequest::DeletePrevChar,
            // Other control and alt chords are not text.
            (KeyCode::Char(_), true, _) | (KeyCode::Char(_), _, true) => return None,
            (KeyCode::Char(c), _, _) => InputRequest::InsertChar(c),
            _ => return None,
        })
    }

    fn command_key(&mut self, key: KeyEvent, view: &HerdView) -> Option<Intent> {
        match key.code {
            KeyCode::Esc => self.focus = self.searching.take().unwrap_or(Focus::Graph),
            // Tab completes what is typed; on an empty line it moves the focus, as elsewhere.
            KeyCode::Tab if self.input.value().trim().is_empty() => self.focus_next(),
            KeyCode::Tab => self.complete(view),
            KeyCode::Enter => return self.submit(view),
            KeyCode::Up => return self.recall(true),
            KeyCode::Down => return self.recall(false),
            _ => {
                if let Some(request) = Self::editing(&key) {
                    self.input.handle(request);
                }
            }
        }
        None
    }

    /// Completes the word before the cursor: a verb first, then node names, the clients the
    /// view knows and the verbs' own words. One match is taken whole; several, as far as they
    /// agree, and listed under the line.
    fn complete(&mut self, view: &HerdView) {
        let cursor = self.input.cursor();
        let value: Vec<char> = self.input.value().chars().collect();
        let before: String = value[..cursor].iter().collect();
        let after: String = value[cursor..].iter().collect();
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let (head, word) = before.split_at(start);
        let candidates: Vec<String> = if head.trim().is_empty() {
            view.verbs.iter().map(|v| v.to_string()).collect()
        } else {
            let mut words: Vec<String> = view.nodes.iter().map(|n| n.name.clone()).collect();
            let clients = view.cache.rows.iter().chain(view.compare.iter().flat_map(|c| c.rows.iter()));
            words.extend(clients.map(|row| row.client.clone()));
            words.extend(COMPLETED_WORDS.iter().map(|w| w.to_string()));
            words.sort();
            words.dedup();
            words
        };
        let lowered = word.to_lowercase();
        let matching: Vec<&String> = candidates.iter().filter(|c| c.to_lowercase().starts_with(&lowered)).collect();
        let completed = match matching.as_slice() {
            [] => {
                self.feedback = Some(Feedback::Error(format!(
                    "nothing to complete: no command, node or client starts with {word:?}"
                )));
                return;
            }
            [one] => format!("{one} "),
            several => {
                let shown: Vec<&str> = several.iter().take(12).map(|s| s.as_str()).collect();
                let more = if several.len() > 12 { format!(" and {} more", several.len() - 12) } else { String::new() };
                self.feedback = Some(Feedback::Done(format!("{}{more}", shown.join(", "))));
                common_prefix(several)
            }
        };
        let completed = if completed.chars().count() >= word.chars().count() { completed } else { word.to_string() };
        let text = format!("{head}{completed}{after}");
        let cursor = head.chars().count() + completed.chars().count();
        self.input = Input::new(text).with_cursor(cursor);
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
        // The last command's outcome does not stand beside the new one.
        self.feedback = None;
        // A search typed after `/` is the console's own business: nothing is sent.
        if let Some(query) = text.strip_prefix('/') {
            let focus = self.searching.take().unwrap_or(Focus::Flow);
            self.focus = focus;
            if !query.trim().is_empty() {
                self.search_for(query.trim().to_string(), focus, view, false);
            }
            return None;
        }
        // A walkthrough goes on from the command line too.
        if matches!(text.as_str(), "c" | "continue") && (self.caption.is_some() || self.script.is_some()) {
            self.focus = Focus::Graph;
            return self.continue_walkthrough().or(Some(Intent::Story(StoryMove::Continue)));
        }
        // Raw protocol lines go to the selected node: none, nothing to send them to.
        self.selected_name(view)?;
        Some(Intent::Herd(HerdAct::Submit(text)))
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

    /// A client command was sent to `node`; its reply will follow.
    pub fn command_sent(&mut self, node: &str, command: &str) {
        self.reply = Some(Reply { node: node.to_string(), command: command.to_string(), text: None });
        self.feedback = Some(Feedback::Waiting { node: node.to_string() });
    }

    /// A reply came; replies of more than one line (WHATSAT) open in an overlay, or (in a
    /// walkthrough) show `summary` beside the AT line until `o` opens them.
    pub fn reply_arrived(&mut self, text: String, summary: Option<String>) {
        let long = text.trim_end().contains('\n');
        let first = text.lines().next().unwrap_or_default().to_string();
        let more = text.trim_end().lines().count().saturating_sub(1);
        let shown = match (summary, more) {
            (Some(summary), _) => {
                format!("{first} · {summary} ({}: whole reply)", keys::label_of(ScreenAct::OpenReply))
            }
            (None, 0) => first,
            (None, more) => format!("{first}  (+{more} lines)"),
        };
        if let Some(reply) = &mut self.reply {
            self.feedback = Some(Feedback::Reply { node: reply.node.clone(), text: shown });
            reply.text = Some(text);
        }
        if long && self.open_replies {
            self.open(Overlay::Reply);
        }
    }

    /// What a command did, or why it was refused, for the row under the command line.
    pub fn tell(&mut self, feedback: Feedback) {
        self.feedback = Some(feedback);
    }
}

mod acts;
#[cfg(test)]
mod tests;
