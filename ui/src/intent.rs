//! What the operator asks for: the one type the key table maps keys to, the command line and the
//! mouse produce, and the console's driver carries out. The screen's own intents are carried out
//! by `UiState` and never leave ui; the others go to whoever owns what they change: the herd, the
//! walkthrough, the recording's time.

use crate::view::HeldChoice;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// Stop the console (and, on a live herd, every node).
    Quit,
    /// Something about the screen alone: `UiState` does it.
    Screen(ScreenAct),
    /// Something done to the herd (or with its recording): the driver does it.
    Herd(HerdAct),
    /// On through a walkthrough, or back.
    Story(StoryMove),
    /// Through a recording's time: a replay, or a live console looking back.
    Time(TimeMove),
}

/// What changes only the screen: selection, focus, panes, overlays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScreenAct {
    Help,
    /// Close an overlay, leave the command line (looking back: back to now).
    Close,
    NextNode,
    PreviousNode,
    /// Select node 1..9 by its number on the graph (counted from 0 here).
    SelectNode(usize),
    /// Type in the command line.
    Command,
    FocusNext,
    /// The flow: only the selected node, or all.
    Filter,
    /// The flow: which kinds of line it shows.
    Kinds,
    /// The flow: freeze, or follow live again (a replay: play or pause).
    Freeze,
    ScrollUp,
    ScrollDown,
    PageUp,
    PageDown,
    /// To the oldest line (flow, overlays) or the first client (cache).
    Top,
    /// To the newest line, following live again (flow), or the last client (cache).
    Follow,
    /// Search: the flow's lines, the cache's clients, or (on the graph) a node by its name.
    Search,
    /// The next older match of the last search.
    NextMatch,
    /// The cache pane: by client name, or the most recently updated first.
    Order,
    /// Open the last reply whole.
    OpenReply,
    /// The held messages as a list (step mode).
    ShowHeld,
    /// Ask every server WHATSAT for the cache pane's client (`whatsat all`): who answers what.
    WhatsatAll,
    /// Give the graph the whole top of the screen (the cache hidden), or give the cache back.
    ZoomGraph,
}

/// What changes the herd, or writes what it did. Acts on "the selected node" or "the selected
/// held message" take them from the selection made with them (`UiState::selection`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HerdAct {
    /// Kill the selected node.
    Kill,
    /// Revive the selected node.
    Revive,
    /// A command typed in the command line (raw protocol lines go to the selected node).
    Submit(String),
    /// Switch between live and step mode.
    ToggleStep,
    /// Release the oldest held transmission.
    ReleaseNext,
    /// Release every held transmission.
    ReleaseWave,
    /// Deliver, drop or duplicate the selected held transmission.
    Held(HeldChoice),
    /// Write the session's trace to a file.
    WriteTrace,
}

/// A move through a walkthrough.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoryMove {
    /// On after a caption.
    Continue,
    /// Back to the previous caption (a live herd replays the story up to it).
    Back,
    /// To the start of this section, or of the previous one from its start.
    PreviousSection,
    /// To the start of the next section.
    NextSection,
}

/// A move along a recording's timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeMove {
    /// One event back (in a live console in step mode: start looking back; elsewhere the key
    /// selects the previous node).
    Earlier,
    /// One event forward (looking back: at the newest, back to now; elsewhere the key selects
    /// the next node).
    Later,
    PlayPause,
    PreviousFault,
    NextFault,
    PreviousFlood,
    NextFlood,
    Slower,
    Faster,
    /// A replay: start a live herd from the moment shown.
    GoLive,
    /// A live console looking back: back to the herd as it is now.
    Now,
    /// To this many milliseconds from the recording's start (a click on the timeline).
    To(u64),
}

impl From<ScreenAct> for Intent {
    fn from(act: ScreenAct) -> Self {
        Self::Screen(act)
    }
}

impl From<HerdAct> for Intent {
    fn from(act: HerdAct) -> Self {
        Self::Herd(act)
    }
}

impl From<StoryMove> for Intent {
    fn from(to: StoryMove) -> Self {
        Self::Story(to)
    }
}

impl From<TimeMove> for Intent {
    fn from(to: TimeMove) -> Self {
        Self::Time(to)
    }
}
