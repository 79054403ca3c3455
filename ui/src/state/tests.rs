//! Keys against the state, with plain view values.

use crate::input::{KeyCode, KeyEvent, KeyModifiers};
use crate::intent::{HerdAct, StoryMove};

use super::*;
use crate::view::{CacheRow, CacheView, FlowKind, FlowLine, HeldChoice, NodeView};

fn line(seq: u64) -> FlowLine {
    FlowLine { seq, time: String::new(), node: "A".into(), kind: FlowKind::Other, text: format!("event {seq}") }
}

fn view() -> HerdView<'static> {
    let node = |name: &str| NodeView { name: name.into(), up: true, ..NodeView::default() };
    HerdView {
        nodes: vec![node("A"), node("B"), node("C")],
        flow: vec![line(1), line(2)].into(),
        ..HerdView::default()
    }
}

fn press_in(state: &mut UiState, code: KeyCode, view: &HerdView) -> Option<Intent> {
    state.handle_key(KeyEvent::new(code, KeyModifiers::NONE), view)
}

fn press(state: &mut UiState, code: KeyCode) -> Option<Intent> {
    press_in(state, code, &view())
}

fn chord(state: &mut UiState, c: char, modifiers: KeyModifiers) {
    state.handle_key(KeyEvent::new(KeyCode::Char(c), modifiers), &view());
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
    assert_eq!(press(&mut state, KeyCode::Char('K')), Some(Intent::Herd(HerdAct::Kill)));
    assert_eq!(state.selection(&view()).node.as_deref(), Some("B"), "K kills the selected node");
    assert_eq!(press(&mut state, KeyCode::Char('R')), Some(Intent::Herd(HerdAct::Revive)));
    assert_eq!(press(&mut state, KeyCode::Char('k')), None, "k scrolls: it never kills");
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
    assert_eq!(intent, Some(Intent::Herd(HerdAct::Submit("iamat A kiwi +1-1 q".into()))));
    assert_eq!(state.input.value(), "");
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.focus, Focus::Graph);
    assert_eq!(press(&mut state, KeyCode::Char('q')), Some(Intent::Quit));
}

#[test]
fn the_command_line_edits_like_readline() {
    let mut state = UiState { focus: Focus::Command, ..UiState::default() };
    type_text(&mut state, "kill Riley Jaquez");
    chord(&mut state, 'w', KeyModifiers::CONTROL);
    assert_eq!(state.input.value(), "kill Riley ", "Ctrl-W deletes the word before the cursor");
    chord(&mut state, 'a', KeyModifiers::CONTROL);
    type_text(&mut state, "x");
    assert_eq!(state.input.value(), "xkill Riley ", "Ctrl-A goes to the start");
    chord(&mut state, 'e', KeyModifiers::CONTROL);
    type_text(&mut state, "y");
    assert_eq!(state.input.value(), "xkill Riley y", "Ctrl-E goes to the end");
    chord(&mut state, 'b', KeyModifiers::ALT);
    chord(&mut state, 'k', KeyModifiers::CONTROL);
    assert_eq!(state.input.value(), "xkill Riley ", "Alt-B goes back a word, Ctrl-K cuts to the end");
    chord(&mut state, 'u', KeyModifiers::CONTROL);
    assert_eq!(state.input.value(), "", "Ctrl-U deletes to the start");
    chord(&mut state, 'z', KeyModifiers::CONTROL);
    chord(&mut state, 'q', KeyModifiers::ALT);
    assert_eq!(state.input.value(), "", "other chords are not text");
}

#[test]
fn history_walks_back_and_forth() {
    let mut state = UiState::default();
    for command in ["one", "two"] {
        // Each command closes the line; Enter opens it again.
        press(&mut state, KeyCode::Enter);
        type_text(&mut state, command);
        press(&mut state, KeyCode::Enter);
    }
    press(&mut state, KeyCode::Enter);
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
fn a_new_command_clears_the_last_outcome_and_a_refusal_ends_the_wait() {
    let mut state = UiState { focus: Focus::Command, ..UiState::default() };
    state.command_sent("A", "IAMAT kiwi +1-1 5");
    state.reply_arrived("AT A +0.1 kiwi +1-1 5\n".into(), None);
    assert!(matches!(&state.feedback, Some(Feedback::Reply { node, .. }) if node == "A"));
    type_text(&mut state, "iamat Nobody kiwi +1-1");
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.feedback, None, "the old reply is gone");
    state.command_sent("Nobody", "IAMAT kiwi +1-1 6");
    assert_eq!(state.feedback, Some(Feedback::Waiting { node: "Nobody".into() }));
    state.tell(Feedback::Error("unknown node \"Nobody\"".into()));
    assert_eq!(state.feedback, Some(Feedback::Error("unknown node \"Nobody\"".into())), "no longer waiting");
}

#[test]
fn ctrl_c_quits_even_while_typing() {
    let mut state = UiState { focus: Focus::Command, ..UiState::default() };
    let intent = state.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), &view());
    assert_eq!(intent, Some(Intent::Quit));
}

#[test]
fn overlays_open_close_and_scroll_within_their_text() {
    let mut state = UiState::default();
    press(&mut state, KeyCode::Char('?'));
    assert_eq!(state.overlay, Overlay::Help);
    assert_eq!(press(&mut state, KeyCode::Char('K')), None, "keys under an overlay do nothing");
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.overlay, Overlay::None);
    state.command_sent("A", "WHATSAT kiwi 10 5");
    state.reply_arrived("AT ...\n{\n}\n\n".into(), None);
    assert_eq!(state.overlay, Overlay::Reply);
    // As drawn: 30 lines of text in a box that shows 10.
    state.extents.overlay_lines.set(30);
    state.extents.overlay_page.set(10);
    press(&mut state, KeyCode::Down);
    assert_eq!(state.overlay_scroll, 1);
    press(&mut state, KeyCode::PageDown);
    assert_eq!(state.overlay_scroll, 11, "a page is what the box shows");
    press(&mut state, KeyCode::PageDown);
    press(&mut state, KeyCode::PageDown);
    assert_eq!(state.overlay_scroll, 20, "never past the last line");
    press(&mut state, KeyCode::Home);
    assert_eq!(state.overlay_scroll, 0);
    press(&mut state, KeyCode::End);
    assert_eq!(state.overlay_scroll, 20);
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.overlay, Overlay::None);
    state.reply_arrived("AT one line\n".into(), None);
    assert_eq!(state.overlay, Overlay::None, "a one-line reply stays in the command box");
}

#[test]
fn classroom_keys_become_intents_and_continue_needs_a_caption() {
    let mut state = UiState::default();
    assert_eq!(press(&mut state, KeyCode::Char('s')), Some(Intent::Herd(HerdAct::ToggleStep)));
    assert_eq!(press(&mut state, KeyCode::Char('.')), Some(Intent::Herd(HerdAct::ReleaseNext)));
    assert_eq!(press(&mut state, KeyCode::Char('w')), Some(Intent::Herd(HerdAct::ReleaseWave)));
    assert_eq!(press(&mut state, KeyCode::Char('t')), Some(Intent::Herd(HerdAct::WriteTrace)));
    assert_eq!(press(&mut state, KeyCode::Char('c')), None, "nothing to continue");
    assert!(
        matches!(&state.feedback, Some(Feedback::Error(why)) if why.contains("none plays here")),
        "and it says why: {:?}",
        state.feedback
    );
    state.script = Some("lecture".into());
    state.caption = Some("Watch Riley.".into());
    assert_eq!(press(&mut state, KeyCode::Char('c')), Some(Intent::Story(StoryMove::Continue)));
    assert_eq!(state.caption, None);
    assert_eq!(press(&mut state, KeyCode::Char('b')), Some(Intent::Story(StoryMove::Back)));
    assert_eq!(press(&mut state, KeyCode::Char('[')), Some(Intent::Story(StoryMove::PreviousSection)));
    assert_eq!(press(&mut state, KeyCode::Char(']')), Some(Intent::Story(StoryMove::NextSection)));
}

#[test]
fn a_quick_second_c_is_a_bounce_not_a_second_caption_skipped() {
    let mut state = UiState { caption: Some("One.".into()), ..UiState::default() };
    assert_eq!(press(&mut state, KeyCode::Char('c')), Some(Intent::Story(StoryMove::Continue)));
    // The next caption arrives at once, and the finger bounces.
    state.caption = Some("Two.".into());
    assert_eq!(press(&mut state, KeyCode::Char('c')), None, "within the debounce");
    assert_eq!(state.caption, Some("Two.".into()), "the second caption is still there to read");
    state.continued_at = Some(std::time::Instant::now() - CONTINUE_DEBOUNCE);
    assert_eq!(
        press(&mut state, KeyCode::Char('c')),
        Some(Intent::Story(StoryMove::Continue)),
        "a deliberate second press"
    );
}

#[test]
fn a_walkthrough_shows_one_node_or_two_side_by_side() {
    let mut state = UiState::default();
    state.show(&view(), &["C".into(), "A".into()], None);
    assert_eq!((state.selected, state.compare), (2, Some(0)));
    state.show(&view(), &["B".into()], None);
    assert_eq!((state.selected, state.compare), (1, None));
    press(&mut state, KeyCode::Char('3'));
    assert_eq!(state.compare, None, "choosing a node by hand ends the comparison");
    // `show A B CLIENT`: both panes at the client's row, until a node is chosen by hand.
    state.show(&view(), &["A".into(), "C".into()], Some("kiwi"));
    assert_eq!((state.selected, state.compare, state.shown_client.as_deref()), (0, Some(2), Some("kiwi")));
    assert_eq!(state.cache_anchor, CacheAnchor::At("kiwi".into()));
    press(&mut state, KeyCode::Char('2'));
    assert_eq!((state.compare, state.shown_client.as_deref()), (None, None));
    // Or until the story moves on to its next section, where that client may not even exist.
    state.show(&view(), &["A".into(), "C".into()], Some("kiwi"));
    state.tracked = Some("kiwi".into());
    state.new_section();
    assert_eq!((state.shown_client.as_deref(), state.tracked.as_deref()), (None, None));
}

#[test]
fn in_a_walkthrough_a_whatsat_shows_its_gist_and_o_opens_it_whole() {
    let mut state = UiState { open_replies: false, ..UiState::default() };
    state.command_sent("A", "WHATSAT kiwi 10 2");
    state.reply_arrived("AT A +0.1 kiwi +1-1 5\n{\n}\n\n".into(), Some("2 places: Santa Monica, Venice".into()));
    assert_eq!(state.overlay, Overlay::None, "no overlay over the story");
    let Some(Feedback::Reply { text, .. }) = &state.feedback else { panic!("{:?}", state.feedback) };
    assert_eq!(text, "AT A +0.1 kiwi +1-1 5 · 2 places: Santa Monica, Venice (o: whole reply)");
    // By the caption too, where the class reads it, until the operator continues.
    let answer = state.answer.clone().expect("the answer, by the caption");
    assert_eq!(
        (answer.first.as_str(), answer.places.as_deref()),
        ("AT A +0.1 kiwi +1-1 5", Some("2 places: Santa Monica, Venice"))
    );
    press(&mut state, KeyCode::Char('o'));
    assert_eq!(state.overlay, Overlay::Reply);
    press(&mut state, KeyCode::Esc);
    state.caption = Some("Any server can answer.".into());
    press(&mut state, KeyCode::Char('c'));
    assert_eq!(state.answer, None, "gone with its caption");
}

#[test]
fn freezing_keeps_the_lines_it_froze_however_many_come_after() {
    let mut state = UiState::default();
    press(&mut state, KeyCode::Char(' '));
    let frozen: Vec<u64> = state.flow(&view()).iter().map(|l| l.seq).collect();
    assert_eq!(frozen, [1, 2]);
    // The console's flow has moved on: its kept lines no longer include the frozen ones.
    let later = HerdView { flow: (5_000..7_000).map(line).collect(), ..view() };
    let shown: Vec<u64> = state.flow(&later).iter().map(|l| l.seq).collect();
    assert_eq!(shown, [1, 2], "the frozen pane still shows what it froze");
    press_in(&mut state, KeyCode::End, &later);
    assert_eq!(state.frozen, None, "End follows live again");
    assert_eq!(state.flow(&later).len(), 2_000);
    press(&mut state, KeyCode::Char('f'));
    assert!(state.filter_selected);
}

#[test]
fn the_flow_scrolls_by_pages_and_stops_at_its_ends() {
    let mut state = UiState::default();
    state.extents.flow_lines.set(100);
    state.extents.flow_page.set(12);
    press(&mut state, KeyCode::PageUp);
    assert_eq!(state.flow_scroll, 12);
    press(&mut state, KeyCode::Up);
    assert_eq!(state.flow_scroll, 13);
    press(&mut state, KeyCode::Home);
    assert_eq!(state.flow_scroll, 88, "the oldest line at the top, not past it");
    press(&mut state, KeyCode::PageUp);
    assert_eq!(state.flow_scroll, 88);
    press(&mut state, KeyCode::PageDown);
    assert_eq!(state.flow_scroll, 76);
    press(&mut state, KeyCode::End);
    assert_eq!(state.flow_scroll, 0);
}

fn cache_view(clients: &[&str], top: usize, at_start: bool, at_end: bool) -> HerdView<'static> {
    let row = |client: &&str| CacheRow { client: client.to_string(), ..CacheRow::default() };
    HerdView {
        cache: CacheView {
            node: "A".into(),
            addr: String::new(),
            up: true,
            total: 1_000,
            rows: clients.iter().map(row).collect(),
            top,
            at_start,
            at_end,
            elsewhere: false,
            unreachable: false,
            recorded: false,
            by_recency: false,
            recent_seen: None,
            recent_sampled: false,
            marked: None,
        },
        ..view()
    }
}

#[test]
fn the_cache_pane_takes_focus_and_scrolls_by_client() {
    let mut state = UiState::default();
    press(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Focus::Cache);
    state.extents.cache_page.set(2);
    let start = cache_view(&["a", "b", "c", "d", "e"], 0, true, false);
    press_in(&mut state, KeyCode::Down, &start);
    assert_eq!(state.cache_anchor, CacheAnchor::At("b".into()));
    press_in(&mut state, KeyCode::PageDown, &start);
    assert_eq!(state.cache_anchor, CacheAnchor::At("c".into()), "a page is what the pane shows");
    press_in(&mut state, KeyCode::Up, &start);
    assert_eq!(state.cache_anchor, CacheAnchor::First, "back at the first client");
    // In the middle of a large cache: rows before the anchor are there to scroll back to.
    let middle = cache_view(&["m", "n", "o", "p", "q", "r"], 3, false, false);
    press_in(&mut state, KeyCode::PageUp, &middle);
    assert_eq!(state.cache_anchor, CacheAnchor::At("n".into()));
    press_in(&mut state, KeyCode::End, &middle);
    assert_eq!(state.cache_anchor, CacheAnchor::Last);
    let end = cache_view(&["w", "x", "y", "z"], 2, false, true);
    press_in(&mut state, KeyCode::Down, &end);
    assert_eq!(state.cache_anchor, CacheAnchor::Last, "never past the last client");
    press_in(&mut state, KeyCode::Home, &end);
    assert_eq!(state.cache_anchor, CacheAnchor::First);
    // The flow does not move while the cache has the focus.
    assert_eq!(state.flow_scroll, 0);
    state.cache_anchor = CacheAnchor::At("x".into());
    press(&mut state, KeyCode::Char('2'));
    assert_eq!(state.cache_anchor, CacheAnchor::First, "another node's cache starts at its top");
}

#[test]
fn the_held_list_selects_a_message_and_decides_its_fate() {
    let held = |id: u64, to: &str| crate::view::HeldView {
        id,
        from: "A".into(),
        to: to.into(),
        client: "kiwi".into(),
        hops: 1,
        waited_ms: 1500,
    };
    let view = HerdView { held: vec![held(7, "B"), held(9, "C")], ..view() };
    let mut state = UiState::default();
    // Outside the list, its keys say how to get there.
    assert_eq!(press_in(&mut state, KeyCode::Char('x'), &view), None);
    assert!(matches!(&state.feedback, Some(Feedback::Error(why)) if why.starts_with("m opens the list")));
    press_in(&mut state, KeyCode::Char('m'), &view);
    assert_eq!(state.overlay, Overlay::Held);
    press_in(&mut state, KeyCode::Down, &view);
    press_in(&mut state, KeyCode::Down, &view);
    assert_eq!(state.held_selected, 1, "the selection stops at the last");
    let decided = |intent: Option<Intent>, state: &UiState| intent.zip(state.selection(&view).held);
    let held = |choice| Intent::Herd(HerdAct::Held(choice));
    let intent = press_in(&mut state, KeyCode::Char('x'), &view);
    assert_eq!(decided(intent, &state), Some((held(HeldChoice::Drop), 9)));
    press_in(&mut state, KeyCode::Up, &view);
    let intent = press_in(&mut state, KeyCode::Char('u'), &view);
    assert_eq!(decided(intent, &state), Some((held(HeldChoice::Duplicate), 7)));
    let intent = press_in(&mut state, KeyCode::Char('d'), &view);
    assert_eq!(decided(intent, &state), Some((held(HeldChoice::Deliver), 7)));
    // A message gone from the list meanwhile: nothing to decide.
    let empty = HerdView { held: Vec::new(), ..view.clone() };
    assert_eq!(press_in(&mut state, KeyCode::Char('d'), &empty), None);
    press_in(&mut state, KeyCode::Esc, &view);
    assert_eq!(state.overlay, Overlay::None);
}

#[test]
fn the_arrows_move_in_time_in_a_replay_and_in_step_mode_and_select_nodes_elsewhere() {
    use crate::intent::TimeMove;
    use crate::view::{ModeView, TimelineView};
    let mut state = UiState::default();
    assert_eq!(press(&mut state, KeyCode::Left), None, "live: the previous node");
    assert_eq!(state.selected, 2);

    let mut stepping = view();
    stepping.stats.mode = ModeView::Step { held: 1 };
    assert_eq!(press_in(&mut state, KeyCode::Left, &stepping), Some(Intent::Time(TimeMove::Earlier)));
    assert_eq!(press_in(&mut state, KeyCode::Right, &stepping), None, "nothing to go forward to yet");
    assert_eq!(state.selected, 0, "so → selects the next node");

    let replay = HerdView { timeline: Some(TimelineView::default()), ..view() };
    assert_eq!(press_in(&mut state, KeyCode::Right, &replay), Some(Intent::Time(TimeMove::Later)));
    assert_eq!(press_in(&mut state, KeyCode::Char(' '), &replay), Some(Intent::Time(TimeMove::PlayPause)));
    assert_eq!(press_in(&mut state, KeyCode::Char('}'), &replay), Some(Intent::Time(TimeMove::NextFault)));
    assert_eq!(press_in(&mut state, KeyCode::Char('L'), &replay), Some(Intent::Time(TimeMove::GoLive)));
    assert_eq!(press_in(&mut state, KeyCode::Char('h'), &replay), None, "h still selects nodes");
    assert_eq!(state.selected, 2);

    let looking_back =
        HerdView { timeline: Some(TimelineView { looking_back: true, ..TimelineView::default() }), ..view() };
    assert_eq!(press_in(&mut state, KeyCode::Esc, &looking_back), Some(Intent::Time(TimeMove::Now)));
    assert_eq!(press_in(&mut state, KeyCode::Char(' '), &looking_back), None, "Space freezes the flow there");

    assert_eq!(press(&mut state, KeyCode::Char('}')), None, "no recording: nothing to jump to");
    assert!(matches!(&state.feedback, Some(Feedback::Error(text)) if text.contains("herdctl replay")));
}

#[test]
fn tab_completes_verbs_then_nodes_and_clients_and_lists_what_it_cannot_choose() {
    let mut view = view();
    view.verbs = vec!["iamat", "kill", "send", "show", "step"];
    view.nodes[1].name = "Jaquez".into();
    view.cache.rows = vec![CacheRow { client: "kiwi.cs.ucla.edu".into(), ..CacheRow::default() }];
    let mut state = UiState { focus: Focus::Command, ..UiState::default() };
    let tab = |state: &mut UiState, view: &HerdView| press_in(state, KeyCode::Tab, view);
    for c in "KI".chars() {
        press_in(&mut state, KeyCode::Char(c), &view);
    }
    tab(&mut state, &view);
    assert_eq!(state.input.value(), "kill ", "a verb, in its spelling, whatever the case typed");
    for c in "j".chars() {
        press_in(&mut state, KeyCode::Char(c), &view);
    }
    tab(&mut state, &view);
    assert_eq!(state.input.value(), "kill Jaquez ");
    state.input = tui_input::Input::new("iamat Jaquez ki".into());
    tab(&mut state, &view);
    assert_eq!(state.input.value(), "iamat Jaquez kiwi.cs.ucla.edu ", "a client the view knows");
    state.input = tui_input::Input::new("whatsat al".into());
    tab(&mut state, &view);
    assert_eq!(state.input.value(), "whatsat all ", "whatsat all: every server");
    state.input = tui_input::Input::new("s".into());
    tab(&mut state, &view);
    assert_eq!(state.input.value(), "s", "three verbs start with s: nothing to choose alone");
    assert_eq!(state.feedback, Some(Feedback::Choices("send, show, step".into())));
    state.input = tui_input::Input::new("sh".into());
    tab(&mut state, &view);
    assert_eq!(state.input.value(), "show ");
    state.input = tui_input::Input::new("zz".into());
    tab(&mut state, &view);
    assert!(matches!(&state.feedback, Some(Feedback::Error(text)) if text.contains("\"zz\"")));
    press_in(&mut state, KeyCode::Backspace, &view);
    assert_eq!(state.feedback, None, "an error stays until the next key");
    state.input = tui_input::Input::default();
    tab(&mut state, &view);
    assert_eq!(state.focus, Focus::Command, "on an empty line Tab stays in the line");
    assert_eq!(state.feedback, Some(Feedback::Choices("iamat, kill, send, show, step".into())), "and lists the verbs");
    press_in(&mut state, KeyCode::Char('k'), &view);
    assert_eq!(state.input.value(), "k", "the next key is typed, not eaten");
}

#[test]
fn while_a_walkthrough_plays_a_key_that_changes_its_herd_must_be_pressed_twice() {
    let mut state = UiState { script: Some("lecture".into()), ..UiState::default() };
    assert_eq!(press(&mut state, KeyCode::Char('K')), None, "refused once, with the reason");
    assert!(
        matches!(&state.feedback, Some(Feedback::Error(text)) if text.contains("lecture is driving the herd: press K again"))
    );
    assert_eq!(press(&mut state, KeyCode::Char('K')), Some(Intent::Herd(HerdAct::Kill)), "pressed again: done");
    assert_eq!(press(&mut state, KeyCode::Char('w')), None);
    assert_eq!(press(&mut state, KeyCode::Char('s')), None, "another key starts over");
    assert_eq!(press(&mut state, KeyCode::Char('s')), Some(Intent::Herd(HerdAct::ToggleStep)));
    let mut free = UiState::default();
    assert_eq!(press(&mut free, KeyCode::Char('K')), Some(Intent::Herd(HerdAct::Kill)), "no walkthrough, no question");
}

#[test]
fn c_typed_in_the_command_line_continues_a_walkthrough() {
    let mut state = UiState {
        script: Some("lecture".into()),
        caption: Some(crate::state::Caption::from("Watch Riley.")),
        focus: Focus::Command,
        ..UiState::default()
    };
    type_text(&mut state, "c");
    assert_eq!(press(&mut state, KeyCode::Enter), Some(Intent::Story(StoryMove::Continue)));
    assert_eq!(state.caption, None);
    assert_eq!(state.focus, Focus::Graph, "back to the keys");
}

/// The course's five nodes and their links, with a client in the cache, for completion.
fn herd_view() -> HerdView<'static> {
    use crate::view::{LinkView, Slot, Slots};
    let node = |name: &str| NodeView { name: name.into(), up: true, ..NodeView::default() };
    let link = LinkView::up;
    // As the console's forms say (herdctl_teach::command::slot): a small stand-in of the table.
    fn slots(before: &[&str]) -> Slot {
        match (before[0], before.len()) {
            ("cut", 1) | ("kill", 1) | ("iamat", 1) => Slot::Node,
            ("cut", 2) => Slot::NeighbourOf(1),
            ("iamat", 2) | ("track", 1) => Slot::Client,
            ("seek", 1) => Slot::Words(&["start", "end"]),
            _ => Slot::Nothing,
        }
    }
    HerdView {
        nodes: ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"].into_iter().map(node).collect(),
        links: vec![
            link("Riley", "Jaquez"),
            link("Riley", "Juzang"),
            link("Jaquez", "Bernard"),
            link("Juzang", "Bernard"),
            link("Juzang", "Campbell"),
            link("Campbell", "Bernard"),
        ],
        cache: CacheView {
            rows: vec![CacheRow { client: "kiwi".into(), ..CacheRow::default() }],
            ..CacheView::default()
        },
        verbs: vec!["cut", "iamat", "kill", "seek", "track", "wait"],
        slots: Some(Slots(slots)),
        ..HerdView::default()
    }
}

fn type_in(state: &mut UiState, text: &str, view: &HerdView) {
    for c in text.chars() {
        press_in(state, KeyCode::Char(c), view);
    }
}

#[test]
fn tab_offers_what_fits_where_the_cursor_is() {
    let view = herd_view();
    let mut state = UiState { focus: Focus::Command, ..UiState::default() };
    type_in(&mut state, "cut Riley ", &view);
    press_in(&mut state, KeyCode::Tab, &view);
    assert_eq!(
        state.feedback,
        Some(Feedback::Choices("Jaquez, Juzang".into())),
        "Riley's neighbours only: not Riley, not Campbell, no client, no replay word"
    );
    assert_eq!(state.input.value(), "cut Riley J", "as far as they agree");
    type_in(&mut state, "u", &view);
    press_in(&mut state, KeyCode::Tab, &view);
    assert_eq!(state.input.value(), "cut Riley Juzang ");
    // A client's place offers clients; a duration's, nothing, and says so.
    state.input = tui_input::Input::new("iamat Riley ".into());
    press_in(&mut state, KeyCode::Tab, &view);
    assert_eq!(state.input.value(), "iamat Riley kiwi ");
    state.input = tui_input::Input::new("wait ".into());
    press_in(&mut state, KeyCode::Tab, &view);
    assert!(matches!(&state.feedback, Some(Feedback::Error(why)) if why.starts_with("nothing to complete here")));
    state.input = tui_input::Input::new("seek ".into());
    press_in(&mut state, KeyCode::Tab, &view);
    assert_eq!(state.feedback, Some(Feedback::Choices("end, start".into())));
    // The list goes once a command runs.
    state.input = tui_input::Input::new("seek start".into());
    press_in(&mut state, KeyCode::Enter, &view);
    assert_eq!(state.feedback, None, "no list under the line after the command");
}

#[test]
fn after_enter_the_line_closes_so_the_next_key_is_a_key() {
    let view = herd_view();
    let mut state = UiState::default();
    press_in(&mut state, KeyCode::Char(':'), &view);
    type_in(&mut state, "kill Riley", &view);
    assert_eq!(press_in(&mut state, KeyCode::Enter, &view), Some(Intent::Herd(HerdAct::Submit("kill Riley".into()))));
    assert_eq!(state.focus, Focus::Graph, "the prompt closed");
    assert_eq!(press_in(&mut state, KeyCode::Char('R'), &view), Some(Intent::Herd(HerdAct::Revive)), "R revives");
    assert_eq!(state.input.value(), "", "and was not typed");
}

#[test]
fn esc_throws_the_draft_away_and_a_second_colon_is_not_typed() {
    let view = herd_view();
    // A click on a link leaves `cut Riley Jaquez` ready in the line; Esc: not wanted.
    let mut state = UiState {
        input: tui_input::Input::new("cut Riley Jaquez".into()),
        focus: Focus::Command,
        ..UiState::default()
    };
    press_in(&mut state, KeyCode::Esc, &view);
    assert_eq!(state.focus, Focus::Graph);
    press_in(&mut state, KeyCode::Char(':'), &view);
    assert_eq!(state.input.value(), "", "the draft is gone");
    // `:` again in the open line (the habit of vim's users) is not part of the command.
    type_in(&mut state, ":iamat Riley kiwi +1-1", &view);
    assert_eq!(state.input.value(), "iamat Riley kiwi +1-1");
    press_in(&mut state, KeyCode::Esc, &view);
    press_in(&mut state, KeyCode::Char(':'), &view);
    state.input = tui_input::Input::new("::kill Riley".into());
    assert_eq!(
        press_in(&mut state, KeyCode::Enter, &view),
        Some(Intent::Herd(HerdAct::Submit("kill Riley".into()))),
        "a pasted leading ':' is stripped"
    );
    // A search's draft goes the same way, and the focus returns where the search began.
    state.focus = Focus::Flow;
    press_in(&mut state, KeyCode::Char('/'), &view);
    type_in(&mut state, "kiw", &view);
    press_in(&mut state, KeyCode::Esc, &view);
    assert_eq!((state.focus, state.input.value()), (Focus::Flow, ""));
}

#[test]
fn context_keys_say_why_they_do_nothing() {
    let view = herd_view();
    let mut state = UiState::default();
    let said = |state: &UiState| match &state.feedback {
        Some(Feedback::Error(why)) => why.clone(),
        other => panic!("nothing said: {other:?}"),
    };
    assert_eq!(press_in(&mut state, KeyCode::Char('9'), &view), None);
    assert_eq!(said(&state), "no node 9: this herd has 5 (1-5 select them)");
    assert_eq!(state.selected, 0);
    press_in(&mut state, KeyCode::Char('m'), &view);
    assert_eq!(state.overlay, Overlay::None);
    assert!(said(&state).starts_with("m lists the messages held in step mode"), "{}", said(&state));
    for key in ['c', 'b', '[', ']'] {
        state.feedback = None;
        assert_eq!(press_in(&mut state, KeyCode::Char(key), &view), None);
        assert!(said(&state).contains("none plays here"), "{key}: {}", said(&state));
    }
    state.feedback = None;
    press_in(&mut state, KeyCode::Char('o'), &view);
    assert!(said(&state).starts_with("no reply to open yet"), "{}", said(&state));
    // In a walkthrough between captions, c says the story is busy.
    state.script = Some("lecture".into());
    press_in(&mut state, KeyCode::Char('c'), &view);
    assert!(said(&state).starts_with("no caption to continue from yet"), "{}", said(&state));
    // At its end, the summary stays and c says what can be done.
    state.caption = Some("The walkthrough is over: 2 expectations held, 0 failed.".into());
    state.story_over = true;
    assert_eq!(press_in(&mut state, KeyCode::Char('c'), &view), None);
    assert!(state.caption.is_some(), "the summary stays");
    assert_eq!(said(&state), "the walkthrough is over: [ replays it from the start, q quits");
}

#[test]
fn o_says_what_it_opened_and_from_where() {
    let mut state = UiState::default();
    state.command_sent("Riley", "WHATSAT kiwi 10 5");
    state.reply_arrived("AT Riley ...\n{\n}\n\n".into(), None);
    assert_eq!(state.reply.as_ref().map(|r| r.from), Some(Opened::Reply));
    press(&mut state, KeyCode::Esc);
    // With the flow focused, o opens its bottom line, and says it is a flow line.
    *state.extents.flow_bottom.borrow_mut() = Some(line(2));
    state.focus = Focus::Flow;
    press(&mut state, KeyCode::Char('o'));
    let reply = state.reply.clone().expect("opened");
    assert_eq!((reply.from, reply.text.as_deref()), (Opened::FlowLine, Some("event 2")));
}

#[test]
fn w_asks_every_server_about_the_caches_top_client_or_the_one_shown() {
    let mut state = UiState::default();
    let mut view = view();
    view.cache.node = "A".into();
    // An empty cache: nothing to ask about, and the feedback says so.
    assert_eq!(press_in(&mut state, KeyCode::Char('W'), &view), None);
    assert!(matches!(&state.feedback, Some(Feedback::Error(text)) if text.contains("A's cache has none")));
    let row = |client: &str| CacheRow { client: client.into(), ..CacheRow::default() };
    view.cache.rows = vec![row("apple"), row("kiwi"), row("pear")];
    view.cache.top = 1;
    let asked = |client: &str| Some(Intent::Herd(HerdAct::Submit(format!("whatsat all {client} 10 5"))));
    assert_eq!(press_in(&mut state, KeyCode::Char('W'), &view), asked("kiwi"), "the row at the top of the pane");
    view.cache.marked = Some("pear".into());
    assert_eq!(press_in(&mut state, KeyCode::Char('W'), &view), asked("pear"), "the client a walkthrough shows");
}

#[test]
fn z_gives_the_graph_the_room_and_back() {
    let mut state = UiState::default();
    press(&mut state, KeyCode::Char('z'));
    assert!(state.graph_zoomed);
    assert!(matches!(&state.feedback, Some(Feedback::Done(said)) if said.contains("z gives the cache back")));
    press(&mut state, KeyCode::Char('z'));
    assert!(!state.graph_zoomed);
}
