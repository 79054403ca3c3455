//! What an intent made by a key does to the screen, wherever the screen is (the main panes, an
//! overlay, the held list), and which intents go on to the driver: the herd's, the walkthrough's
//! and the recording's.

use std::time::Instant;

use tui_input::Input;

use super::{CONFIRM_WITHIN, CONTINUE_DEBOUNCE, Feedback, Focus, Motion, Opened, Overlay, Reply, UiState};
use crate::intent::{HerdAct, Intent, ScreenAct, StoryMove, TimeMove};
use crate::keys;
use crate::view::{CacheAnchor, HerdView, ModeView};

/// What `W` asks every server: WHATSAT within 10 km, at most 5 places (the course's example).
const WHATSAT_ALL: (u32, u32) = (10, 5);

/// How far a scroll key moves, `page` lines being a page.
fn motion(act: ScreenAct, page: usize) -> Option<Motion> {
    let page = page.max(1);
    Some(match act {
        ScreenAct::ScrollUp => Motion::Up(1),
        ScreenAct::ScrollDown => Motion::Down(1),
        ScreenAct::PageUp => Motion::Up(page),
        ScreenAct::PageDown => Motion::Down(page),
        ScreenAct::Top => Motion::Top,
        ScreenAct::Follow => Motion::Bottom,
        _ => return None,
    })
}

impl UiState {
    /// A key's intent over the main panes.
    pub(super) fn act(&mut self, intent: Intent, view: &HerdView) -> Option<Intent> {
        if !self.confirmed(&intent) {
            return None;
        }
        let count = view.nodes.len().max(1);
        match intent {
            Intent::Quit => Some(Intent::Quit),
            Intent::Screen(act) => self.on_screen(act, view),
            // Time moves in a replay, and in step mode (where the moment just passed matters);
            // elsewhere the arrows select nodes, as h and l do.
            Intent::Time(TimeMove::Earlier)
                if view.timeline.is_some() || matches!(view.stats.mode, ModeView::Step { .. }) =>
            {
                Some(intent)
            }
            Intent::Time(TimeMove::Earlier) => {
                self.select((self.selected + count - 1) % count);
                None
            }
            Intent::Time(TimeMove::Later) if view.timeline.is_some() => Some(intent),
            Intent::Time(TimeMove::Later) => {
                self.select((self.selected + 1) % count);
                None
            }
            Intent::Time(_) if view.timeline.is_none() => {
                self.feedback = Some(Feedback::Error(format!(
                    "that key moves through a recording: herdctl replay FILE, or {} in step mode to look back",
                    keys::label_of(TimeMove::Earlier)
                )));
                None
            }
            Intent::Time(_) => Some(intent),
            // Outside the held list, a held message is chosen by name: deliver A B in the command line.
            Intent::Herd(HerdAct::Held(_)) => {
                self.feedback = Some(Feedback::Error(format!(
                    "{} opens the list of held messages first",
                    keys::label_of(ScreenAct::ShowHeld)
                )));
                None
            }
            // Of the selected node: none selected, nothing to do.
            Intent::Herd(HerdAct::Kill | HerdAct::Revive) => self.selected_name(view).map(|_| intent),
            Intent::Herd(_) => Some(intent),
            // The story's keys say why they do nothing where no walkthrough plays.
            Intent::Story(to) if self.script.is_none() && self.caption.is_none() => {
                self.feedback = Some(Feedback::Error(format!(
                    "{} moves through a walkthrough, and none plays here (herdctl --scenario FILE plays one)",
                    keys::label_of(to)
                )));
                None
            }
            Intent::Story(StoryMove::Continue) if self.caption.is_none() => {
                self.feedback = Some(Feedback::Error(format!(
                    "no caption to continue from yet: the walkthrough is running its next steps ({} goes back)",
                    keys::label_of(StoryMove::Back)
                )));
                None
            }
            Intent::Story(StoryMove::Continue) => self.continue_walkthrough(),
            Intent::Story(_) => Some(intent),
        }
    }

    /// What concerns the screen alone; a few keys mean a move in time on a recording.
    fn on_screen(&mut self, act: ScreenAct, view: &HerdView) -> Option<Intent> {
        let count = view.nodes.len().max(1);
        if self.focus == Focus::Cache {
            if let Some(motion) = motion(act, self.extents.cache_page.get()) {
                self.scroll_cache(motion, view);
                return None;
            }
        } else if let Some(motion) = motion(act, self.extents.flow_page.get()) {
            self.scroll_flow(motion);
            return None;
        }
        match act {
            ScreenAct::Help => self.open(Overlay::Help),
            // Outside step mode nothing is ever held: said, rather than an empty list.
            ScreenAct::ShowHeld if view.held.is_empty() && !matches!(view.stats.mode, ModeView::Step { .. }) => {
                self.feedback = Some(Feedback::Error(format!(
                    "{} lists the messages held in step mode, and none is: {} switches to step mode",
                    keys::label_of(ScreenAct::ShowHeld),
                    keys::label_of(HerdAct::ToggleStep)
                )));
            }
            ScreenAct::ShowHeld => {
                self.open(Overlay::Held);
                self.held_selected = 0;
            }
            ScreenAct::Close if view.timeline.as_ref().is_some_and(|t| t.looking_back) => {
                return Some(Intent::Time(TimeMove::Now));
            }
            ScreenAct::Close => self.focus = Focus::Graph,
            ScreenAct::NextNode => self.select((self.selected + 1) % count),
            ScreenAct::PreviousNode => self.select((self.selected + count - 1) % count),
            ScreenAct::SelectNode(index) if index < view.nodes.len() => self.select(index),
            ScreenAct::SelectNode(index) => {
                let count = view.nodes.len();
                self.feedback = Some(Feedback::Error(match count {
                    0 => format!("no node {}: this herd has none", index + 1),
                    1 => format!("no node {}: this herd has 1 (1 selects it)", index + 1),
                    count => format!("no node {}: this herd has {count} (1-{} select them)", index + 1, count.min(9)),
                }));
            }
            // A fresh line: whatever was left in it before is not put before the new command.
            ScreenAct::Command => {
                self.focus = Focus::Command;
                self.input.reset();
                self.history_position = None;
            }
            ScreenAct::FocusNext => self.focus_next(),
            ScreenAct::Filter => {
                self.filter_selected = !self.filter_selected;
                (self.flow_scroll, self.flow_anchor) = (0, None);
            }
            ScreenAct::Kinds => {
                self.flow_kinds = self.flow_kinds.next();
                (self.flow_scroll, self.flow_anchor) = (0, None);
            }
            ScreenAct::Search => {
                self.searching = Some(self.focus);
                self.focus = Focus::Command;
                self.input = Input::new("/".into());
            }
            ScreenAct::NextMatch => match self.search.clone() {
                Some(search) => self.search_for(search.text, search.focus, view, true),
                None => {
                    self.feedback =
                        Some(Feedback::Error(format!("{} searches first", keys::label_of(ScreenAct::Search))))
                }
            },
            ScreenAct::Order => {
                self.cache_by_recency = !self.cache_by_recency;
                self.cache_anchor = CacheAnchor::First;
            }
            // A replay's Space plays and pauses it.
            ScreenAct::Freeze if view.timeline.as_ref().is_some_and(|t| !t.looking_back) => {
                return Some(Intent::Time(TimeMove::PlayPause));
            }
            ScreenAct::Freeze => {
                self.frozen = match self.frozen {
                    Some(_) => None,
                    // Copied once, when frozen: the frozen lines stay however many come after.
                    None => Some(view.flow.to_vec()),
                };
                (self.flow_scroll, self.flow_anchor) = (0, None);
            }
            // With the flow focused: its bottom line, whole (a long line is cut on screen).
            ScreenAct::OpenReply if self.focus == Focus::Flow => {
                let Some(line) = self.extents.flow_bottom.borrow().clone() else {
                    self.feedback = Some(Feedback::Error("the flow shows no line to open".into()));
                    return None;
                };
                self.reply = Some(Reply {
                    node: line.node.clone(),
                    command: line.time.clone(),
                    text: Some(line.text.clone()),
                    from: Opened::FlowLine,
                });
                self.open(Overlay::Reply);
            }
            ScreenAct::OpenReply => match &self.reply {
                Some(reply) if reply.text.is_some() => self.open(Overlay::Reply),
                Some(reply) => self.feedback = Some(Feedback::Error(format!("{} has not answered yet", reply.node))),
                None => {
                    self.feedback = Some(Feedback::Error(format!(
                        "no reply to open yet: a WHATSAT's answer opens whole here ({} in the flow opens its bottom line)",
                        keys::label_of(ScreenAct::OpenReply)
                    )))
                }
            },
            ScreenAct::ZoomGraph => {
                self.graph_zoomed = !self.graph_zoomed;
                let said = match self.graph_zoomed {
                    true => {
                        format!("the graph has the room: {} gives the cache back", keys::label_of(ScreenAct::ZoomGraph))
                    }
                    false => "the cache is back beside the graph".to_string(),
                };
                self.feedback = Some(Feedback::Done(said));
            }
            ScreenAct::WhatsatAll => {
                // The client the cache pane is about: the one a walkthrough shows, else its top row.
                let cache = &view.cache;
                let client = cache.marked.clone().or_else(|| cache.rows.get(cache.top).map(|row| row.client.clone()));
                match client {
                    Some(client) => {
                        let (km, bound) = WHATSAT_ALL;
                        return Some(Intent::Herd(HerdAct::Submit(format!("whatsat all {client} {km} {bound}"))));
                    }
                    None => {
                        self.feedback = Some(Feedback::Error(format!(
                            "{} asks about the cache's top client, and {}'s cache has none: scroll to one, or \
                             type whatsat all CLIENT KM N",
                            keys::label_of(ScreenAct::WhatsatAll),
                            cache.node
                        )))
                    }
                }
            }
            // Taken as motions above.
            ScreenAct::ScrollUp
            | ScreenAct::ScrollDown
            | ScreenAct::PageUp
            | ScreenAct::PageDown
            | ScreenAct::Top
            | ScreenAct::Follow => {}
        }
        None
    }

    /// A key's intent over the help or a reply: they scroll and close it; the classroom's keys
    /// work over a reply, so that a walkthrough never gets stuck behind one.
    pub(super) fn in_overlay(&mut self, intent: Intent) -> Option<Intent> {
        if let Some(motion) = intent_motion(&intent, self.extents.overlay_page.get()) {
            let max = self.extents.overlay_max_scroll();
            self.overlay_scroll = match motion {
                Motion::Up(n) => self.overlay_scroll.saturating_sub(n),
                Motion::Down(n) => (self.overlay_scroll + n).min(max),
                Motion::Top => 0,
                Motion::Bottom => max,
            };
            return None;
        }
        match (self.overlay, intent) {
            (_, Intent::Quit) => return Some(Intent::Quit),
            (Overlay::Help, Intent::Screen(ScreenAct::Help | ScreenAct::Close))
            | (Overlay::Reply, Intent::Screen(ScreenAct::Close)) => self.overlay = Overlay::None,
            (Overlay::Reply, Intent::Screen(ScreenAct::Help)) => self.open(Overlay::Help),
            (Overlay::Reply, Intent::Story(StoryMove::Continue)) => {
                self.overlay = Overlay::None;
                return self.continue_walkthrough();
            }
            (
                Overlay::Reply,
                intent @ (Intent::Story(StoryMove::Back)
                | Intent::Herd(
                    HerdAct::ToggleStep | HerdAct::ReleaseNext | HerdAct::ReleaseWave | HerdAct::WriteTrace,
                )),
            ) => return Some(intent),
            _ => {}
        }
        None
    }

    /// A key's intent over the held list: move the selection, decide the selected message's fate.
    pub(super) fn in_held_list(&mut self, intent: Intent, view: &HerdView) -> Option<Intent> {
        let last = view.held.len().saturating_sub(1);
        self.held_selected = self.held_selected.min(last);
        match intent {
            Intent::Quit => Some(Intent::Quit),
            Intent::Screen(ScreenAct::Close | ScreenAct::ShowHeld) => {
                self.overlay = Overlay::None;
                None
            }
            Intent::Screen(ScreenAct::ScrollUp) => {
                self.held_selected = self.held_selected.saturating_sub(1);
                None
            }
            Intent::Screen(ScreenAct::ScrollDown) => {
                self.held_selected = (self.held_selected + 1).min(last);
                None
            }
            Intent::Herd(HerdAct::Held(_)) => self.selected_held(view).map(|_| intent),
            Intent::Herd(HerdAct::ToggleStep | HerdAct::ReleaseWave) => Some(intent),
            _ => None,
        }
    }

    /// `c`: go on, unless it is a bounce of the last `c` (three quick presses must not skip
    /// three captions for good).
    pub(super) fn continue_walkthrough(&mut self) -> Option<Intent> {
        let now = Instant::now();
        if self.continued_at.is_some_and(|at| now.duration_since(at) < CONTINUE_DEBOUNCE) {
            return None;
        }
        // The walkthrough's summary: nothing after it to go on to; it stays, saying what can be done.
        if self.story_over && self.caption.is_some() {
            self.feedback = Some(Feedback::Error(format!(
                "the walkthrough is over: {} replays it from the start, {} quits",
                keys::label_of(StoryMove::PreviousSection),
                keys::label_of(Intent::Quit)
            )));
            return None;
        }
        self.caption.take()?;
        // The answer shown by the caption belongs to it: on to the next part of the story.
        self.answer = None;
        self.continued_at = Some(now);
        Some(Intent::Story(StoryMove::Continue))
    }

    /// While a walkthrough plays, a key that changes what it drives (kill, revive, the step
    /// keys) is refused once with the reason; pressed again within `CONFIRM_WITHIN`, it goes.
    fn confirmed(&mut self, intent: &Intent) -> bool {
        let Some(script) = &self.script else { return true };
        let drives = matches!(
            intent,
            Intent::Herd(
                HerdAct::Kill | HerdAct::Revive | HerdAct::ToggleStep | HerdAct::ReleaseNext | HerdAct::ReleaseWave
            )
        );
        let now = Instant::now();
        if !drives
            || self
                .confirming
                .as_ref()
                .is_some_and(|(pressed, at)| pressed == intent && now.duration_since(*at) < CONFIRM_WITHIN)
        {
            self.confirming = None;
            return true;
        }
        self.feedback = Some(Feedback::Error(format!(
            "{script} is driving the herd: press {} again to do it anyway, or {} to go on with the story",
            keys::label_of(intent.clone()),
            keys::label_of(StoryMove::Continue)
        )));
        self.confirming = Some((intent.clone(), now));
        false
    }
}

/// The motion of a scroll key's intent, `page` lines being a page.
fn intent_motion(intent: &Intent, page: usize) -> Option<Motion> {
    match intent {
        Intent::Screen(act) => motion(*act, page),
        _ => None,
    }
}
