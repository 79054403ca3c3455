//! The state of the screen and how keys change it: selection, focus, overlays, the flow's
//! filter, freeze and scroll, the cache pane's place, the command line and its history, and what
//! the last command came to. No rendering, no I/O. What a key's intent does is in `acts`, the
//! command line's editing in `command_line`, clicks and the wheel in `mouse`.

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use ratatui::layout::Rect;
use tui_input::Input;

use crate::input::KeyEvent;
use crate::intent::Intent;
use crate::keys;
use crate::view::{CacheAnchor, FlowLine, HeldView, HerdView, KindFilter};

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
    /// Which pane it was opened from, for the overlay's title.
    pub from: Opened,
}

/// What the reply overlay shows: a node's reply to a command, or a flow line whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Opened {
    /// A node's reply to a command (typed, or a walkthrough's).
    #[default]
    Reply,
    /// The flow's bottom line, whole (a long line is cut on screen).
    FlowLine,
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
    /// What Tab could complete to, listed (neither done nor failed; gone once the line is left
    /// or sent).
    Choices(String),
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

/// A WHATSAT a walkthrough sent, and what came back: shown by the caption (the class reads the
/// answer where it reads the story), until the operator continues.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    pub node: String,
    pub command: String,
    /// The reply's first line (the AT line, or a `?`).
    pub first: String,
    /// The places, in one line (`3 places: Santa Monica, …`), when the reply has them.
    pub places: Option<String>,
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
    /// The caption shown is the walkthrough's summary after its last step: it stays (`c` has
    /// nothing to go on to), and says how to replay or quit.
    pub story_over: bool,
    /// A walkthrough's note, shown while its next steps run.
    pub note: Option<String>,
    /// A second node whose cache is shown beside the selected one's.
    pub compare: Option<usize>,
    /// Links marked on the graph: a path's, or a whole spanning tree's.
    pub highlight: Vec<(String, String)>,
    /// The client whose version each node's badge shows (`track CLIENT`); `None`: the client of
    /// the last update.
    pub tracked: Option<String>,
    /// The client both compared caches are shown at (`show A B CLIENT`).
    pub shown_client: Option<String>,
    /// The answer to a walkthrough's WHATSAT, shown by its caption.
    pub answer: Option<Answer>,
    /// Whether a long reply opens in its overlay at once (a walkthrough shows a summary instead).
    pub open_replies: bool,
    /// The lecture layout: a large graph, node labels with the story's version (`--present`, and
    /// while a walkthrough plays).
    pub present: bool,
    /// The graph given the whole top of the screen (`z`), the cache hidden.
    pub graph_zoomed: bool,
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
            story_over: false,
            graph_zoomed: false,
            note: None,
            compare: None,
            highlight: Vec::new(),
            tracked: None,
            shown_client: None,
            answer: None,
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
        self.shown_client = None;
    }

    /// Selects the nodes a walkthrough shows: one, or two side by side; with a client, each pane
    /// at that client's row.
    pub fn show(&mut self, view: &HerdView, names: &[String], client: Option<&str>) {
        let index = |name: &String| view.nodes.iter().position(|n| &n.name == name);
        if let Some(first) = names.first().and_then(index) {
            self.select(first);
        }
        self.compare = names.get(1).and_then(index);
        self.shown_client = client.map(str::to_string);
        if let Some(client) = client {
            self.cache_by_recency = false;
            self.cache_anchor = CacheAnchor::At(client.to_string());
        }
    }

    /// A new part of the story: the client it was about is no longer shown at its row nor
    /// tracked by the badges (a section that wants them says so again).
    pub fn new_section(&mut self) {
        (self.tracked, self.shown_client) = (None, None);
    }

    /// Forgets what a walkthrough put on the screen (it is replayed from its start, or a
    /// recording's story starts again).
    pub fn clear_story(&mut self) {
        (self.caption, self.note, self.compare, self.answer) = (None, None, None, None);
        self.story_over = false;
        (self.tracked, self.shown_client) = (None, None);
        self.highlight.clear();
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

    /// What a command did, or why it was refused, for the row under the command line.
    pub fn tell(&mut self, feedback: Feedback) {
        self.feedback = Some(feedback);
    }
}

mod acts;
mod command_line;
mod mouse;
#[cfg(test)]
mod tests;
