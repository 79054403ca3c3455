//! Snapshots of whole screens, rendered from plain view values with ratatui's `TestBackend`.

use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use crate::intent::{HerdAct, Intent, TimeMove};
use crate::state::{Caption, Focus, Overlay, UiState};
use crate::theme::Theme;
use crate::view::*;

/// The course's herd, laid out as the default topology.json lays it out.
fn herd() -> HerdView<'static> {
    let node = |name: &str, x: f64, y: f64, port: u16| NodeView {
        name: name.into(),
        up: true,
        here: true,
        unreachable: false,
        clients: 1,
        x,
        y,
        addr: format!("127.0.0.1:{port}"),
        story: None,
    };
    let link = LinkView::up;
    HerdView {
        held: Vec::new(),
        timeline: None,
        verbs: Vec::new(),
        slots: None,
        compare: None,
        nodes: vec![
            node("Riley", 0.0, 0.5, 12665),
            node("Jaquez", 0.4, 0.0, 12666),
            node("Juzang", 0.4, 1.0, 12667),
            node("Campbell", 1.0, 1.0, 12668),
            node("Bernard", 0.8, 0.4, 12669),
        ],
        links: vec![
            link("Riley", "Jaquez"),
            link("Riley", "Juzang"),
            link("Jaquez", "Bernard"),
            link("Juzang", "Bernard"),
            link("Juzang", "Campbell"),
            link("Campbell", "Bernard"),
        ],
        cache: CacheView {
            node: "Riley".into(),
            addr: "127.0.0.1:12665".into(),
            up: true,
            total: 1,
            at_start: true,
            at_end: true,
            top: 0,
            elsewhere: false,
            unreachable: false,
            recorded: false,
            by_recency: false,
            recent_seen: None,
            recent_sampled: false,
            marked: None,
            rows: vec![CacheRow {
                client: "kiwi.cs.ucla.edu".into(),
                position: "+34.068930-118.445127".into(),
                time: "1614209128.918963997".into(),
                server: "Riley".into(),
                difference: "+0.263873386".into(),
                via: "client".into(),
            }],
        },
        // As event.rs writes them (src/console/model/tests.rs checks a real herd's).
        flow: vec![
            FlowLine { seq: 1, time: "20:01:02.120".into(), node: "Riley".into(), kind: FlowKind::ClientIn, text: "client 127.0.0.1:50000 > IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997".into() },
            FlowLine { seq: 2, time: "20:01:02.121".into(), node: "Riley".into(), kind: FlowKind::FloodSent, text: "flood > Jaquez hop 1: AT Riley +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997".into() },
            FlowLine { seq: 3, time: "20:01:02.121".into(), node: "Jaquez".into(), kind: FlowKind::FloodReceived, text: "flood < Riley hop 1 (new): AT Riley +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997".into() },
            FlowLine { seq: 4, time: "20:01:02.122".into(), node: "Riley".into(), kind: FlowKind::ClientOut, text: "client 127.0.0.1:50000 < AT Riley +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997".into() },
            FlowLine { seq: 5, time: "20:01:02.123".into(), node: "Bernard".into(), kind: FlowKind::Duplicate, text: "flood < Juzang hop 2 (duplicate dropped): AT Riley +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997".into() },
        ].into(),
        stats: Stats {
            nodes_up: 5,
            nodes_total: 5,
            clients: 1,
            messages_per_second: 12,
            duplicates_dropped: 3,
            places_source: "offline".into(),
            mode: ModeView::Live,
            last_flood: Some(FloodView {
                client: "kiwi.cs.ucla.edu".into(),
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
            }),
            ..Stats::default()
        },
    }
}

fn terminal(view: &HerdView, state: &UiState, theme: Theme, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| render(frame, view, state, &theme)).unwrap();
    terminal
}

fn screen(view: &HerdView, state: &UiState, width: u16, height: u16) -> String {
    terminal(view, state, Theme::plain(), width, height).backend().to_string()
}

#[test]
fn no_color_means_no_colour_but_the_same_text() {
    use ratatui::style::Color;
    assert!(Theme::from_no_color(None).color);
    assert!(Theme::from_no_color(Some("".as_ref())).color, "an empty NO_COLOR does not count");
    assert!(!Theme::from_no_color(Some("1".as_ref())).color);
    let coloured = |theme: Theme| {
        let terminal = terminal(&herd(), &UiState::default(), theme, 120, 36);
        terminal.backend().buffer().content().iter().any(|cell| cell.fg != Color::Reset)
    };
    assert!(coloured(Theme::coloured(crate::theme::Palette::Dark)));
    assert!(!coloured(Theme::from_no_color(Some("1".as_ref()))));
    let text = |theme| terminal(&herd(), &UiState::default(), theme, 120, 36).backend().to_string();
    // Snapshots compare symbols, not colours: both themes must draw the same characters.
    assert_eq!(text(Theme::coloured(crate::theme::Palette::Dark)), text(Theme::plain()));
}

#[test]
fn the_default_herd_all_up() {
    assert_snapshot!(screen(&herd(), &UiState::default(), 120, 36));
}

#[test]
fn a_node_down() {
    let mut view = herd();
    view.nodes[2].up = false;
    view.nodes[2].clients = 0;
    for link in view.links.iter_mut().filter(|l| l.a == "Juzang" || l.b == "Juzang") {
        link.state = LinkState::Down;
    }
    view.cache = CacheView { node: "Juzang".into(), up: false, ..CacheView::default() };
    view.stats.nodes_up = 4;
    let state = UiState { selected: 2, ..UiState::default() };
    assert_snapshot!(screen(&view, &state, 120, 36));
}

#[test]
fn a_flood_in_flight() {
    let mut view = herd();
    view.links[0].lit = true;
    view.links[1].lit = true;
    view.links[2].state = LinkState::Half;
    let state = UiState { filter_selected: true, ..UiState::default() };
    assert_snapshot!(screen(&view, &state, 120, 36));
}

#[test]
fn the_help_overlay() {
    let state = UiState { overlay: Overlay::Help, ..UiState::default() };
    assert_snapshot!(screen(&herd(), &state, 120, 36));
}

#[test]
fn a_whatsat_reply() {
    let mut state = UiState { focus: Focus::Command, ..UiState::default() };
    state.command_sent("Campbell", "WHATSAT kiwi.cs.ucla.edu 10 2");
    state.reply_arrived(
        "AT Riley +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997\n{\n   \"html_attributions\" : [],\n   \"results\" : [\n      {\n         \"name\" : \"Santa Monica\"\n      }\n   ],\n   \"status\" : \"OK\"\n}\n\n"
            .into(),
        None,
    );
    assert_snapshot!(screen(&herd(), &state, 100, 30));
}

#[test]
fn a_small_terminal() {
    assert_snapshot!(screen(&herd(), &UiState::default(), 50, 12));
}

#[test]
fn the_held_list_over_the_screen() {
    let mut view = herd();
    view.stats.mode = ModeView::Step { held: 2 };
    view.links[0].held_a_to_b = 1;
    view.links[1].held_a_to_b = 1;
    let held = |id: u64, to: &str, waited_ms: u64| crate::view::HeldView {
        id,
        from: "Riley".into(),
        to: to.into(),
        client: "kiwi.cs.ucla.edu".into(),
        hops: 1,
        waited_ms,
    };
    view.held = vec![held(1, "Jaquez", 2300), held(2, "Juzang", 2250)];
    let state = UiState { overlay: crate::state::Overlay::Held, held_selected: 1, ..UiState::default() };
    assert_snapshot!(screen(&view, &state, 100, 30));
}

#[test]
fn step_mode_with_held_transmissions() {
    let mut view = herd();
    view.stats.mode = ModeView::Step { held: 3 };
    // Riley -> Jaquez and Riley -> Juzang wait at Riley; Juzang -> Campbell waits at Juzang.
    view.links[0].held_a_to_b = 1;
    view.links[1].held_a_to_b = 1;
    view.links[4].held_a_to_b = 1;
    let state = UiState {
        caption: Some(Caption {
            text: "Riley stored kiwi and sends it to both neighbours. Release the first hop.".into(),
            step: 3,
            steps: 8,
            section: Some("A flood, hop by hop".into()),
            question: false,
        }),
        ..UiState::default()
    };
    assert_snapshot!(screen(&view, &state, 120, 36));
}

#[test]
fn a_cut_link_and_a_slow_one() {
    let mut view = herd();
    view.links[0].cut = true;
    view.links[0].state = LinkState::Down;
    view.links[5].latency = "500ms".into();
    assert_snapshot!(screen(&view, &UiState::default(), 120, 36));
}

#[test]
fn a_narrow_terminal_keeps_every_node_label() {
    let text = screen(&herd(), &UiState::default(), 80, 24);
    for label in ["1 Riley ●1", "2 Jaquez ●1", "3 Juzang ●1", "4 Campbell ●1", "5 Bernard ●1"] {
        assert!(text.contains(label), "{label} missing:\n{text}");
    }
    assert_snapshot!(text);
}

#[test]
fn a_tiny_graph_keeps_every_label_and_every_state() {
    let mut view = herd();
    view.nodes[2].up = false;
    // Two nodes at the very same spot must both be drawn.
    view.nodes[4].x = view.nodes[3].x;
    view.nodes[4].y = view.nodes[3].y;
    let text = screen(&view, &UiState::default(), 60, 20);
    for label in ["1 Riley", "2 Jaquez", "3 Juzang", "4 Campbell", "5 Bernard"] {
        assert!(text.contains(label), "{label} missing:\n{text}");
    }
    assert!(text.contains("○DOWN"), "Juzang's state is not lost:\n{text}");
}

#[test]
fn without_colour_a_down_link_looks_unlike_a_live_one() {
    let graph = |state: LinkState| {
        let mut view = herd();
        view.links[0].state = state;
        let text = screen(&view, &UiState::default(), 120, 36);
        // The graph's rows only (the left half of the top panes).
        text.lines().skip(3).take(14).map(|line| line.chars().take(60).collect::<String>()).collect::<Vec<_>>()
    };
    let (up, half, down) = (graph(LinkState::Up), graph(LinkState::Half), graph(LinkState::Down));
    assert_ne!(up, down);
    assert_ne!(up, half);
    assert_ne!(half, down);
    let text = screen(&herd(), &UiState::default(), 120, 36);
    assert!(text.contains("⠒⠒⠒ up  ⠒ ⠒ half  ⠂ ⠂ down"), "the legend shows the glyphs drawn:\n{text}");
}

#[test]
fn the_help_scrolls_to_its_last_line_at_80_by_24() {
    let mut state = UiState { overlay: Overlay::Help, ..UiState::default() };
    let first = screen(&herd(), &state, 80, 24);
    assert!(!first.contains("a raw protocol line"), "the help is longer than 24 rows:\n{first}");
    state.overlay_scroll = state.extents.overlay_lines.get().saturating_sub(state.extents.overlay_page.get());
    let last = screen(&herd(), &state, 80, 24);
    assert!(last.contains("a raw protocol line, sent to the selected node"), "{last}");
    assert!(last.contains("of "), "the box says where it is:\n{last}");
}

#[test]
fn a_caption_stays_visible_over_a_reply() {
    let mut state = UiState { caption: Some("Watch the duplicates.".into()), ..UiState::default() };
    state.command_sent("Campbell", "WHATSAT kiwi 10 2");
    state.reply_arrived("AT Riley +0.1 kiwi +1-1 5\n{\n   \"results\" : []\n}\n\n".into(), None);
    assert_eq!(state.overlay, Overlay::Reply);
    assert!(screen(&herd(), &state, 100, 30).contains("Watch the duplicates."));
}

#[test]
fn nodes_elsewhere_are_drawn_and_said_to_be_elsewhere() {
    let mut view = herd();
    view.nodes[3].here = false;
    view.nodes[3].up = false;
    view.cache = CacheView { node: "Campbell".into(), elsewhere: true, ..CacheView::default() };
    view.stats.nodes_total = 4;
    view.stats.nodes_up = 4;
    view.stats.nodes_elsewhere = 1;
    let text = screen(&view, &UiState { selected: 3, ..UiState::default() }, 120, 36);
    assert!(text.contains("[4] Campbell ◌ elsewhere"), "{text}");
    assert!(text.contains("Campbell runs in another process"), "{text}");
    assert!(text.contains("Cache of Campbell · in another process"), "no count it cannot know:\n{text}");
    assert!(text.contains("4/4 up here, 1 elsewhere"), "{text}");
}

#[test]
fn an_attached_node_out_of_reach_is_unreachable_not_down() {
    let mut view = herd();
    view.nodes[3].here = false;
    view.nodes[3].up = false;
    view.nodes[3].unreachable = true;
    view.cache = CacheView { node: "Campbell".into(), elsewhere: true, unreachable: true, ..CacheView::default() };
    view.stats.nodes_up = 4;
    view.stats.nodes_unreachable = 1;
    let text = screen(&view, &UiState { selected: 3, ..UiState::default() }, 120, 36);
    assert!(text.contains("[4] Campbell ◌ unreachable"), "{text}");
    assert!(!text.contains("DOWN"), "{text}");
    assert!(text.contains("Cache of Campbell · unreachable"), "{text}");
    assert!(text.contains("its control port does not answer"), "{text}");
    assert!(text.contains("4/5 up, 1 unreachable"), "{text}");
}

#[test]
fn the_cache_pane_never_cuts_the_hop_count() {
    let mut view = herd();
    view.cache.rows[0].via = "Bernard ·3".into();
    view.cache.rows[0].server = "Campbell".into();
    for (width, height) in [(80, 24), (100, 30), (120, 36), (160, 48)] {
        let text = screen(&view, &UiState::default(), width, height);
        assert!(text.contains("Bernard ·3"), "{width}×{height}:\n{text}");
        assert!(text.contains("Campbell"), "{width}×{height}:\n{text}");
    }
}

#[test]
fn a_long_caption_wraps_instead_of_being_cut() {
    let caption = "Five servers. Riley talks to Jaquez and Juzang; Bernard to Jaquez, Juzang and Campbell; \
                   Juzang to Campbell. Watch what happens when Riley hears from kiwi.";
    let state = UiState { caption: Some(caption.into()), ..UiState::default() };
    let text = screen(&herd(), &state, 100, 30);
    assert!(text.contains("Watch what happens when Riley hears from kiwi."), "{text}");
}

#[test]
fn the_lecture_layout_shows_each_sides_version_and_the_dropped_copies() {
    let mut view = herd();
    for (node, version) in view.nodes.iter_mut().zip([1, 2, 2, 2, 2]) {
        node.story = Some(Badge { client: "fig".into(), version: Some(version) });
    }
    // Bernard (b of Jaquez–Bernard) dropped Jaquez's copy as a duplicate.
    view.links[2].dropped_at_b = Some(Dropped::Duplicate);
    let state = UiState { present: true, ..UiState::default() };
    let text = screen(&view, &state, 100, 30);
    assert!(text.contains("Riley ●1 · fig v1") && text.contains("Jaquez ●1 · fig v2"), "{text}");
    assert!(text.contains("✕dup"), "{text}");
    let plain = screen(&view, &UiState::default(), 100, 30);
    assert!(!plain.contains("fig v1"), "versions belong to the lecture layout:\n{plain}");
    assert_snapshot!(text);
}

#[test]
fn two_caches_compared_never_cut_a_position() {
    let mut view = herd();
    let mut other = view.cache.clone();
    other.node = "Bernard".into();
    other.rows[0].position = "+40.712800-074.006000".into();
    view.compare = Some(other);
    for (width, height) in [(100, 30), (120, 36), (160, 48)] {
        let state = UiState { present: true, compare: Some(4), ..UiState::default() };
        let text = screen(&view, &state, width, height);
        assert!(
            text.contains("+34.068930-118.445127") && text.contains("+40.712800-074.006000"),
            "{width}×{height}:\n{text}"
        );
    }
}

#[test]
fn a_caption_is_whole_even_at_80_by_24_in_the_lecture_layout() {
    let caption = "We cut both of Riley's links: Riley becomes an island. Both sides keep serving, and \
                   each side takes its own clients' reports.";
    let state = UiState { caption: Some(caption.into()), present: true, ..UiState::default() };
    let text = screen(&herd(), &state, 80, 24);
    assert!(text.contains("each side takes its own clients'"), "{text}");
    assert!(text.contains("reports."), "{text}");
}

fn replayed(looking_back: bool) -> HerdView<'static> {
    let marks = [(0, MarkKind::Fault), (1_200, MarkKind::Flood), (2_500, MarkKind::Fault), (4_000, MarkKind::Story)];
    HerdView {
        timeline: Some(TimelineView {
            at_ms: 2_000,
            length_ms: 5_000,
            event: 40,
            events: 120,
            playing: false,
            speed_tenths: 10,
            marks: marks.iter().map(|&(at_ms, kind)| Mark { at_ms, kind }).collect(),
            looking_back,
            now: "Riley flood > Jaquez hop 1".into(),
            incomplete: false,
            missing: 0,
        }),
        ..herd()
    }
}

#[test]
fn a_replay_shows_its_timeline_with_the_moment_and_the_marks() {
    for (width, height) in [(80, 24), (160, 48)] {
        let text = screen(&replayed(false), &UiState::default(), width, height);
        let lines: Vec<&str> = text.lines().collect();
        let caption = lines.iter().position(|line| line.contains("‖ paused")).expect("the timeline's caption");
        let bar = lines[caption - 1];
        // The moment at 2 s of 5 s sits before the fault at 2.5 s, after the flood at 1.2 s.
        let (moment, fault, flood) = (bar.find('▮').unwrap(), bar.rfind('×').unwrap(), bar.find('·').unwrap());
        assert!(flood < moment && moment < fault, "{bar}");
        assert!(text.contains("paused 2.000s / 5.000s"), "{text}");
        assert!(text.contains("go live") || width < 100, "the keys when they fit: {text}");
    }
    assert_snapshot!(screen(&replayed(false), &UiState::default(), 120, 36));
}

#[test]
fn a_replay_of_a_trace_with_gaps_is_marked_incomplete_and_never_says_mode_live() {
    let mut view = replayed(false);
    if let Some(timeline) = &mut view.timeline {
        timeline.incomplete = true;
    }
    for (width, height) in [(60, 20), (100, 30), (160, 48)] {
        let text = screen(&view, &UiState::default(), width, height);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].contains("≈incomplete replay paused"), "the status bar: {text}");
        assert!(!text.contains("mode live"), "{text}");
        let caption = lines.iter().find(|line| line.contains("‖ paused")).expect("the timeline's caption");
        assert!(caption.contains("≈incomplete ‖ paused"), "the timeline: {text}");
    }
    assert_snapshot!(screen(&view, &UiState::default(), 100, 30));
}

#[test]
fn a_look_back_after_a_burst_says_it_is_rebuilt_from_sampled_events() {
    let mut view = replayed(true);
    if let Some(timeline) = &mut view.timeline {
        (timeline.incomplete, timeline.missing) = (true, 380);
    }
    let text = screen(&view, &UiState::default(), 100, 30);
    assert!(text.contains("≈sampled: rebuilt from 120 of 500 events"), "{text}");
    assert!(text.contains("≈incomplete looking back"), "the status bar: {text}");
}

#[test]
fn looking_back_says_so_and_how_to_return() {
    let text = screen(&replayed(true), &UiState::default(), 120, 36);
    assert!(text.contains("LOOKING BACK") && text.contains("Esc now"), "{text}");
    assert!(!text.contains("go live"), "a live console looking back goes back to now, not live again");
}

/// A left click (or wheel notch) at a cell, as the console hands it to the state.
fn mouse(kind: crate::input::MouseEventKind, column: u16, row: u16) -> crate::input::MouseEvent {
    crate::input::MouseEvent { kind, column, row, modifiers: crate::input::KeyModifiers::NONE }
}

#[test]
fn clicks_select_nodes_show_links_focus_panes_and_jump_on_the_timeline() {
    use crate::input::{MouseButton, MouseEventKind};
    let click = |column, row| mouse(MouseEventKind::Down(MouseButton::Left), column, row);
    let view = replayed(false);
    let mut state = UiState::default();
    terminal(&view, &state, Theme::plain(), 120, 36);
    let areas = state.extents.areas.borrow().clone();

    let (jaquez, _) = *areas.nodes.iter().find(|(_, i)| *i == 1).expect("Jaquez's label is placed");
    assert_eq!(state.handle_mouse(click(jaquez.x + 1, jaquez.y), &view), None);
    assert_eq!(state.selected, 1, "a click on a label selects its node");

    let (x, y, _) = *areas.links.iter().find(|(_, _, i)| *i == 0).expect("Riley–Jaquez's middle");
    state.handle_mouse(click(x, y), &view);
    assert_eq!(state.input.value(), "cut Riley Jaquez", "what would change it, ready");
    assert_eq!(state.focus, Focus::Command);
    assert!(matches!(&state.feedback, Some(crate::state::Feedback::Done(t)) if t.starts_with("Riley–Jaquez: up")));

    state.handle_mouse(click(areas.flow.x + 3, areas.flow.y + 1), &view);
    assert_eq!(state.focus, Focus::Flow);
    state.handle_mouse(click(areas.cache.x + 3, areas.cache.y + 2), &view);
    assert_eq!(state.focus, Focus::Cache);

    // The timeline's bar maps its width onto the recording: its middle is its middle.
    let middle = areas.timeline.x + (areas.timeline.width - 1) / 2;
    match state.handle_mouse(click(middle, areas.timeline.y), &view) {
        Some(Intent::Time(TimeMove::To(ms))) => assert!((2_450..=2_550).contains(&ms), "{ms}"),
        other => panic!("a click on the bar jumps: {other:?}"),
    }
}

#[test]
fn a_click_on_a_held_message_delivers_it_and_the_wheel_scrolls_what_is_under_it() {
    use crate::input::{MouseButton, MouseEventKind};
    let mut view = herd();
    view.held = (1..=3)
        .map(|id| HeldView {
            id,
            from: "Riley".into(),
            to: "Jaquez".into(),
            client: "kiwi".into(),
            hops: 1,
            waited_ms: 5,
        })
        .collect();
    view.flow = (1..=200)
        .map(|seq| FlowLine {
            seq,
            time: String::new(),
            node: "Riley".into(),
            kind: FlowKind::Other,
            text: format!("event {seq}"),
        })
        .collect();
    let mut state = UiState { overlay: Overlay::Held, ..UiState::default() };
    terminal(&view, &state, Theme::plain(), 120, 36);
    let (row, id) = state.extents.areas.borrow().held[1];
    let overlay = state.extents.areas.borrow().overlay.unwrap();
    assert_eq!(
        state.handle_mouse(mouse(MouseEventKind::Down(MouseButton::Left), overlay.x + 4, row), &view),
        Some(Intent::Herd(HerdAct::Held(HeldChoice::Deliver)))
    );
    assert_eq!(state.selection(&view).held, Some(id), "the clicked message is the one delivered");
    state.handle_mouse(mouse(MouseEventKind::Down(MouseButton::Left), 0, 0), &view);
    assert_eq!(state.overlay, Overlay::None, "a click beside an overlay closes it");

    terminal(&view, &state, Theme::plain(), 120, 36);
    let flow = state.extents.areas.borrow().flow;
    state.handle_mouse(mouse(MouseEventKind::ScrollUp, flow.x + 5, flow.y + 2), &view);
    assert_eq!(state.flow_scroll, 3, "a notch of the wheel, three lines back");
    state.handle_mouse(mouse(MouseEventKind::ScrollDown, flow.x + 5, flow.y + 2), &view);
    assert_eq!(state.flow_scroll, 0);
}

#[test]
fn the_default_herd_at_80_by_24() {
    assert_snapshot!(screen(&herd(), &UiState::default(), 80, 24));
}

#[test]
fn the_default_herd_at_120_by_40() {
    assert_snapshot!(screen(&herd(), &UiState::default(), 120, 40));
}

#[test]
fn the_default_herd_at_200_by_60() {
    assert_snapshot!(screen(&herd(), &UiState::default(), 200, 60));
}

#[test]
fn light_and_dark_draw_the_same_text_in_their_own_colours() {
    use crate::theme::Palette;
    let cells = |palette| {
        let terminal = terminal(&herd(), &UiState::default(), Theme::coloured(palette), 120, 40);
        let buffer = terminal.backend().buffer().clone();
        (terminal.backend().to_string(), buffer.content().iter().map(|cell| cell.fg).collect::<Vec<_>>())
    };
    let (dark_text, dark) = cells(Palette::Dark);
    let (light_text, light) = cells(Palette::Light);
    assert_eq!(dark_text, light_text, "the palette changes colours only");
    assert_ne!(dark, light);
    use ratatui::style::Color;
    assert!(!light.contains(&Color::Yellow), "no yellow on a light background");
    assert!(!dark.contains(&Color::Blue), "no dark blue on a dark one");
}

fn many_lines(view: &mut HerdView, seqs: std::ops::RangeInclusive<u64>) {
    view.flow = seqs
        .map(|seq| {
            let kind = if seq % 2 == 0 { FlowKind::ClientIn } else { FlowKind::FloodSent };
            FlowLine { seq, time: String::new(), node: "Riley".into(), kind, text: format!("event {seq}") }
        })
        .collect();
}

#[test]
fn a_scrolled_flow_stays_on_its_line_as_events_arrive_and_searches_and_filters_by_kind() {
    use crate::input::{KeyCode, KeyEvent, KeyModifiers};
    let key =
        |state: &mut UiState, view: &HerdView, code| state.handle_key(KeyEvent::new(code, KeyModifiers::NONE), view);
    let mut view = herd();
    many_lines(&mut view, 1..=100);
    let mut state = UiState { focus: Focus::Flow, ..UiState::default() };
    terminal(&view, &state, Theme::plain(), 120, 36);
    for _ in 0..10 {
        key(&mut state, &view, KeyCode::Up);
    }
    let bottom = |state: &UiState| state.extents.flow_bottom.borrow().as_ref().map(|l| l.seq);
    terminal(&view, &state, Theme::plain(), 120, 36);
    assert_eq!(bottom(&state), Some(90));
    // Fifty more events: the flow does not drift.
    many_lines(&mut view, 1..=150);
    let text = screen(&view, &state, 120, 36);
    assert_eq!(bottom(&state), Some(90), "{text}");
    assert!(text.contains("60 lines back"), "{text}");

    // Search: `/`, the text, Enter; `n` finds the next older one.
    key(&mut state, &view, KeyCode::Char('/'));
    assert_eq!((state.focus, state.input.value()), (Focus::Command, "/"));
    for c in "event 4".chars() {
        key(&mut state, &view, KeyCode::Char(c));
    }
    key(&mut state, &view, KeyCode::Enter);
    assert_eq!(state.focus, Focus::Flow, "back where the search began");
    terminal(&view, &state, Theme::plain(), 120, 36);
    assert_eq!(bottom(&state), Some(49), "the newest line before the bottom that has it");
    key(&mut state, &view, KeyCode::Char('n'));
    terminal(&view, &state, Theme::plain(), 120, 36);
    assert_eq!(bottom(&state), Some(48));

    // `o`: the bottom line whole.
    key(&mut state, &view, KeyCode::Char('o'));
    assert_eq!(state.overlay, Overlay::Reply);
    assert_eq!(state.reply.as_ref().and_then(|r| r.text.clone()), Some("event 48".into()));
    key(&mut state, &view, KeyCode::Esc);

    // `v`: only client lines (the even ones here), and the title says so.
    key(&mut state, &view, KeyCode::End);
    key(&mut state, &view, KeyCode::Char('v'));
    let text = screen(&view, &state, 120, 36);
    assert!(text.contains("all nodes · client lines · live"), "{text}");
    assert!(text.contains("event 150") && !text.contains("event 149"), "{text}");
}

#[test]
fn a_search_on_the_graph_selects_a_node_by_its_name_and_on_the_cache_finds_a_client() {
    use crate::input::{KeyCode, KeyEvent, KeyModifiers};
    let view = herd();
    let mut state = UiState::default();
    let type_in = |state: &mut UiState, text: &str| {
        for c in text.chars() {
            state.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), &view);
        }
        state.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), &view);
    };
    type_in(&mut state, "/ju");
    assert_eq!(state.selected, 2, "Juzang");
    type_in(&mut state, "/zz");
    assert!(
        matches!(&state.feedback, Some(crate::state::Feedback::Error(t)) if t.contains("no node's name starts with"))
    );
    state.focus = Focus::Cache;
    type_in(&mut state, "/kiw");
    assert_eq!(state.cache_anchor, CacheAnchor::At("kiw".into()));
    assert_eq!(state.focus, Focus::Cache);
}

#[test]
fn a_hundred_nodes_at_160_by_48_get_labels_that_never_overlap() {
    let nodes: Vec<NodeView> = (0..100)
        .map(|i| NodeView {
            name: format!("n{i:02}"),
            up: i % 7 != 0,
            here: true,
            unreachable: false,
            clients: i,
            x: (i % 10) as f64 / 9.0,
            y: (i / 10) as f64 / 9.0,
            addr: String::new(),
            story: None,
        })
        .collect();
    let links = (0..99)
        .map(|i| LinkView {
            a: format!("n{i:02}"),
            b: format!("n{:02}", i + 1),
            cut: i % 9 == 0,
            ..herd().links[0].clone()
        })
        .collect();
    let view = HerdView { nodes, links, ..herd() };
    let state = UiState::default();
    terminal(&view, &state, Theme::plain(), 160, 48);
    let labels = state.extents.areas.borrow().nodes.clone();
    for (i, (a, _)) in labels.iter().enumerate() {
        for (b, _) in &labels[i + 1..] {
            assert!(a.intersection(*b).is_empty(), "{a:?} overlaps {b:?}");
        }
    }
    assert!(labels.len() >= 90, "nearly every node keeps at least its glyph: {}", labels.len());
}

/// The lecture layout at 100×30 with every node's badge on, as `--present` shows a walkthrough.
fn presented(view: &mut HerdView, client: &str) -> UiState {
    for (i, node) in view.nodes.iter_mut().enumerate() {
        node.story = Some(Badge { client: client.into(), version: (i != 3).then_some(1) });
    }
    UiState {
        present: true,
        script: Some("lecture".into()),
        caption: Some(Caption {
            text: "Bernard is about to hear of kiwi from both Jaquez and Juzang. What does it do with the second?"
                .into(),
            step: 5,
            steps: 30,
            section: Some("2. A flood, hop by hop".into()),
            question: true,
        }),
        ..UiState::default()
    }
}

/// The graph's pane of a screen: its rows, up to the cache pane.
fn graph_pane(text: &str) -> String {
    text.lines()
        .skip(2)
        .take_while(|line| !line.contains("┌ Walkthrough") && !line.contains("┌ Predict") && !line.contains("┌ Flow"))
        .map(|line| line.split("││").next().unwrap_or(line).to_string() + "\n")
        .collect()
}

#[test]
fn in_step_mode_every_held_message_is_on_the_graph_and_no_mark_hides_another() {
    // Hop 2 of the course's flood: Jaquez→Bernard, Juzang→Bernard and Juzang→Campbell wait, with
    // long badges (the issue's `kiwi v1` became `kiwi v11` under a ◆, and one ◆ was not drawn).
    let mut view = herd();
    let state = presented(&mut view, "kiwi.cs.ucla.edu");
    view.stats.mode = ModeView::Step { held: 3 };
    view.links[2].held_a_to_b = 1;
    view.links[3].held_a_to_b = 1;
    view.links[4].held_a_to_b = 1;
    let text = screen(&view, &state, 100, 30);
    let graph = graph_pane(&text);
    assert_eq!(graph.matches("◆1").count(), 3, "every held message is drawn:\n{text}");
    assert!(!graph.contains("v11") && !graph.contains("◆1◆"), "no mark runs into a label or a mark:\n{text}");
    assert_snapshot!(text);

    // Hop 3: three more held, and three copies dropped: Bernard's of Juzang's, and on the short
    // link Campbell–Bernard one at each end, beside the held ones (`◆1dup` lost its ✕ once).
    let mut view = herd();
    let state = presented(&mut view, "kiwi.cs.ucla.edu");
    view.stats.mode = ModeView::Step { held: 3 };
    view.links[3].held_b_to_a = 1; // Bernard→Juzang
    view.links[5].held_a_to_b = 1; // Campbell→Bernard
    view.links[5].held_b_to_a = 1; // Bernard→Campbell
    view.links[3].dropped_at_b = Some(Dropped::Duplicate); // at Bernard, from Juzang
    view.links[5].dropped_at_a = Some(Dropped::Duplicate); // at Campbell, from Bernard
    view.links[5].dropped_at_b = Some(Dropped::Duplicate); // at Bernard, from Campbell
    view.links[0].dropped_at_b = Some(Dropped::CatchUp); // at Jaquez: a catch-up's echo
    let text = screen(&view, &state, 100, 30);
    let graph = graph_pane(&text);
    assert_eq!(graph.matches("◆1").count(), 3, "{text}");
    assert_eq!(graph.matches("✕dup").count(), 3, "every dropped copy is marked, none over another:\n{text}");
    assert_eq!(graph.matches("✕catch-up").count(), 1, "an echo of a catch-up says so:\n{text}");
    assert!(!graph.contains("◆1dup"), "{text}");
    assert_snapshot!("in_step_mode_hop_3_holds_and_drops_side_by_side", text);
}

#[test]
fn every_cut_link_says_it_is_cut_even_in_the_lecture_layout() {
    let mut view = herd();
    let state = presented(&mut view, "kiwi.cs.ucla.edu");
    // Riley an island, Juzang–Campbell cut (its middle lies between two labels on their row),
    // and Campbell cut off from Bernard one way: four cuts, short links among them.
    for i in [0, 1, 4] {
        view.links[i].cut = true;
        view.links[i].state = LinkState::Down;
    }
    view.links[5].cut_one_way = Some("Bernard>Campbell".into());
    view.links[3].latency = "500ms".into();
    let text = screen(&view, &state, 100, 30);
    let graph = graph_pane(&text);
    assert_eq!(graph.matches("✂ cut").count(), 3, "{text}");
    assert_eq!(graph.matches("✂ Bernard>Campbell").count(), 1, "{text}");
    assert_snapshot!(text);
}

/// The 4×4 grid `shape grid 16` makes, as the console lays it out.
fn grid16() -> HerdView<'static> {
    let base = herd();
    let nodes: Vec<NodeView> = (0..16)
        .map(|i| NodeView {
            name: format!("n{:02}", i + 1),
            x: (i % 4) as f64 / 3.0,
            y: (i / 4) as f64 / 3.0,
            addr: String::new(),
            ..base.nodes[0].clone()
        })
        .collect();
    let mut links = Vec::new();
    for i in 0..16 {
        let name = |i: usize| format!("n{:02}", i + 1);
        if i % 4 < 3 {
            links.push(LinkView { a: name(i), b: name(i + 1), ..base.links[0].clone() });
        }
        if i + 4 < 16 {
            links.push(LinkView { a: name(i), b: name(i + 4), ..base.links[0].clone() });
        }
    }
    HerdView { nodes, links, ..base }
}

#[test]
fn a_grid_with_badges_still_looks_like_a_grid_at_100_by_30() {
    let mut view = grid16();
    let mut state = presented(&mut view, "kiwi");
    state.caption = Some("Sixteen servers in a 4x4 grid, each linked to the ones beside it.".into());
    // A tree's links marked, and a flood's copies in flight.
    view.links[0].held_a_to_b = 1;
    view.links[1].held_a_to_b = 1;
    let text = screen(&view, &state, 100, 30);
    let labels = state.extents.areas.borrow().nodes.clone();
    assert_eq!(labels.len(), 16, "every node keeps a label:\n{text}");
    let row_of = |i: usize| labels.iter().find(|(_, n)| *n == i).map(|(r, _)| r.y).unwrap();
    let centre_of = |i: usize| labels.iter().find(|(_, n)| *n == i).map(|(r, _)| r.x + r.width / 2).unwrap();
    for row in 0..4 {
        let rows: Vec<u16> = (0..4).map(|column| row_of(4 * row + column)).collect();
        assert!(rows.iter().all(|r| *r == rows[0]), "grid row {row} is one screen row: {rows:?}\n{text}");
    }
    for column in 0..4 {
        let centres: Vec<u16> = (0..4).map(|row| centre_of(4 * row + column)).collect();
        assert!(
            centres.iter().all(|c| c.abs_diff(centres[0]) <= 1),
            "grid column {column} lines up: {centres:?}\n{text}"
        );
    }
    assert!(text.contains("v1") && text.contains("versions of kiwi"), "the badges, and whose:\n{text}");
    assert_eq!(graph_pane(&text).matches("◆1").count(), 2, "{text}");
    assert_snapshot!(text);
}

#[test]
fn a_whole_spanning_tree_is_drawn_thick() {
    let view = herd();
    // The breadth-first tree from Riley (the core works it out; here as the console gets it).
    let tree = [("Riley", "Jaquez"), ("Riley", "Juzang"), ("Jaquez", "Bernard"), ("Juzang", "Campbell")];
    let state = UiState {
        present: true,
        highlight: tree.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        ..UiState::default()
    };
    let thick = graph_pane(&screen(&view, &state, 100, 30));
    let thin = graph_pane(&screen(&view, &UiState { present: true, ..UiState::default() }, 100, 30));
    // The tree's links denser; the two links off the tree (Juzang–Bernard, Campbell–Bernard) as
    // they were: compare the count of braille dots.
    let dots = |text: &str| -> u32 {
        text.chars().filter(|c| ('\u{2800}'..='\u{28ff}').contains(c)).map(|c| (c as u32 - 0x2800).count_ones()).sum()
    };
    assert!(dots(&thick) > dots(&thin) * 3 / 2, "{thick}");
    assert_snapshot!(thick);
}

#[test]
fn a_shown_client_is_marked_in_both_caches_or_said_missing() {
    let mut view = herd();
    let first = view.cache.rows[0].clone();
    let row = |client: &str, position: &str| CacheRow {
        client: client.into(),
        position: position.into(),
        via: "Jaquez ·1".into(),
        server: "Jaquez".into(),
        ..first.clone()
    };
    view.cache.rows = vec![row("island", "+34.068930-118.445127"), row("kiwi", "+1+1")];
    let mut other = view.cache.clone();
    other.node = "Campbell".into();
    other.rows = vec![row("mainland", "+40.712800-074.006000")];
    view.compare = Some(other);
    view.cache.marked = Some("island".into());
    view.compare.as_mut().unwrap().marked = Some("island".into());
    let state = UiState { present: true, compare: Some(3), ..UiState::default() };
    let text = screen(&view, &state, 100, 30);
    assert!(text.contains("+34.068930-118.445127"), "{text}");
    assert!(text.contains("no record of island here"), "Campbell has none of it, and says so:\n{text}");
    // A node that knows no client at all says that it has none of this one either.
    view.compare.as_mut().unwrap().rows.clear();
    let empty = screen(&view, &state, 100, 30);
    assert!(empty.contains("Bernard has no record of island") || empty.contains("has no record of island"), "{empty}");
    assert_snapshot!(text);
}

#[test]
fn a_walkthroughs_whatsat_answer_stands_by_its_caption_with_three_flow_lines_under_it() {
    let mut state =
        UiState { present: true, open_replies: false, script: Some("basic-flood".into()), ..UiState::default() };
    state.command_sent("Campbell", "WHATSAT kiwi.cs.ucla.edu 10 3");
    state.reply_arrived(
        "AT Riley +0.000279974 kiwi.cs.ucla.edu +34.068930-118.445127 1796592801.108345000\n{\"results\": []}\n\n"
            .into(),
        Some("3 places: Santa Monica, Westwood, Venice".into()),
    );
    // A check after it wrote under the command line; the answer stays by the caption.
    state.tell(crate::state::Feedback::Done("Campbell replied AT Riley…".into()));
    state.caption = Some(Caption {
        text: "That is a flood: every server learns every report, at the price of duplicates.".into(),
        step: 10,
        steps: 10,
        section: Some("The cost".into()),
        question: false,
    });
    let text = screen(&herd(), &state, 100, 30);
    assert!(text.contains("↳ Campbell: AT Riley +0.000279974 kiwi.cs.ucla.edu +34.068930-118.445127"), "{text}");
    assert!(text.contains("3 places: Santa Monica, Westwood, Venice"), "{text}");
    assert!(state.extents.flow_page.get() >= 3, "three flow lines at the least:\n{text}");
    assert_snapshot!(text);
}

#[test]
fn the_lecture_layout_keeps_three_flow_lines_under_a_long_caption_and_a_replays_timeline() {
    let caption = "One more step back, to the last fault before it: the operator cut Campbell off from Bernard \
                   (and, just before, from Juzang). Here Campbell was still current: every server held the same \
                   position. The cuts did no harm yet.";
    for timeline in [false, true] {
        let view = if timeline { replayed(false) } else { herd() };
        let state = UiState {
            present: true,
            script: Some("stale-node".into()),
            caption: Some(caption.into()),
            ..UiState::default()
        };
        let text = screen(&view, &state, 100, 30);
        assert!(state.extents.flow_page.get() >= 3, "{text}");
        assert!(text.contains("The cuts did no harm yet."), "{text}");
        if timeline {
            // Which event this is, and what it was, before the keys.
            assert!(text.contains("event 40/120 · Riley flood > Jaquez hop 1"), "{text}");
        }
    }
}

/// The screen's rows, each trimmed.
fn rows(text: &str) -> Vec<String> {
    text.lines().map(|row| row.trim_matches('"').to_string()).collect()
}

#[test]
fn the_footer_shows_the_focused_panes_keys() {
    let first = |focus: Focus| rows(&screen(&herd(), &UiState { focus, ..UiState::default() }, 100, 30))[0].clone();
    assert!(first(Focus::Graph).ends_with("h l select · K kill · R revive · ? help "), "{}", first(Focus::Graph));
    assert!(first(Focus::Cache).contains("/ search · O order · Home/End · ? help"), "{}", first(Focus::Cache));
    assert!(first(Focus::Flow).contains("/ search · v kinds · ? help"), "{}", first(Focus::Flow));
    assert!(first(Focus::Command).contains("Enter sends · Esc leaves · ? help"), "{}", first(Focus::Command));
    // The nodes and the clients are never pushed out by keys, even at 60 columns.
    let narrow = rows(&screen(&herd(), &UiState { focus: Focus::Cache, ..UiState::default() }, 60, 20))[0].clone();
    assert!(narrow.contains("5/5 up · 1 client") && narrow.contains("? help"), "{narrow}");
}

#[test]
fn the_help_names_the_mouse_and_keeps_a_space_after_every_form() {
    let state = UiState { overlay: Overlay::Help, ..UiState::default() };
    let text = screen(&herd(), &state, 120, 200);
    assert!(text.contains("Mouse"), "{text}");
    assert!(text.contains("click  a node selects it"), "{text}");
    assert!(text.contains("wheel  scrolls the pane under it"), "{text}");
    assert!(text.contains("deliver|drop|dup A B [CLIENT] in step mode"), "{text}");
}

#[test]
fn words_read_as_sentences() {
    // One line back is a line, not lines.
    let mut view = herd();
    many_lines(&mut view, 1..=100);
    let state = UiState { flow_scroll: 1, ..UiState::default() };
    let text = screen(&view, &state, 100, 30);
    assert!(text.contains("· 1 line back (End follows)"), "{text}");
    // A node name longer than the column keeps a space before its text.
    let mut view = herd();
    view.flow.to_mut()[0].node = "warsaw-vis-0002".into();
    view.flow.to_mut()[0].text = "link to warsaw-vis-0001 up".into();
    let text = screen(&view, &UiState::default(), 100, 30);
    assert!(text.contains("warsaw-vis-0002 link to warsaw-vis-0001 up"), "{text}");
    // One hop of the fewest two is `1 hop, fewest 2`.
    let mut view = herd();
    if let Some(flood) = &mut view.stats.last_flood {
        (flood.hops, flood.fewest_hops, flood.reached) = (1, 2, 2);
    }
    let text = screen(&view, &UiState::default(), 160, 48);
    assert!(text.contains("· 1 hop, fewest 2"), "{text}");
}

#[test]
fn a_dead_nodes_cache_says_its_sentence_whole_at_80_by_24() {
    let mut view = herd();
    view.nodes[2].up = false;
    view.cache = CacheView { node: "Juzang".into(), up: false, ..CacheView::default() };
    let state = UiState { selected: 2, ..UiState::default() };
    let text = screen(&view, &state, 80, 24);
    // The pane's text, its rows joined: every word whole, none cut at the border.
    let pane: Vec<String> = rows(&text)
        .iter()
        .filter_map(|row| row.split('│').nth(3).map(|cell| cell.trim().to_string()))
        .filter(|cell| !cell.is_empty())
        .collect();
    let said = pane.join(" ");
    assert!(said.contains("a dead node remembers nothing."), "{said}\n{text}");
    assert!(said.contains("Revive it (R) and watch it catch up."), "{said}\n{text}");
}

#[test]
fn a_reply_overlay_says_what_it_shows_and_from_which_pane() {
    let mut state = UiState::default();
    state.command_sent("Campbell", "WHATSAT kiwi.cs.ucla.edu 10 2");
    state.reply_arrived("AT Campbell +0.1 kiwi.cs.ucla.edu +1-1 5\n{\n}\n\n".into(), None);
    let text = screen(&herd(), &state, 120, 36);
    assert!(text.contains("Command line · Campbell's reply to WHATSAT kiwi.cs.ucla.edu 10 2"), "{text}");
    let mut state = UiState { focus: Focus::Flow, ..UiState::default() };
    screen(&herd(), &state, 120, 36);
    state.handle_key(
        crate::input::KeyEvent::new(crate::input::KeyCode::Char('o'), crate::input::KeyModifiers::NONE),
        &herd(),
    );
    let text = screen(&herd(), &state, 120, 36);
    assert!(text.contains("Flow · the line of Bernard at 20:01:02.123, whole"), "{text}");
    assert!(!text.contains("answered"), "{text}");
}

#[test]
fn a_walkthroughs_sum_says_it_is_over_and_how_to_replay() {
    let state = UiState {
        caption: Some(Caption::from("The walkthrough is over: 1 expectation held, 0 failed.")),
        story_over: true,
        script: Some("short".into()),
        ..UiState::default()
    };
    let text = screen(&herd(), &state, 100, 30);
    assert!(text.contains("over · [ replays · b back · q quits"), "{text}");
    assert!(!text.contains("c continues"), "{text}");
}

#[test]
fn zoomed_the_graph_takes_the_whole_top_and_an_empty_cache_takes_little() {
    let view = herd();
    // The herd's view has clients: side by side, half and half.
    let beside = screen(&view, &UiState::default(), 120, 36);
    assert!(beside.contains("Cache of"), "{beside}");
    // Zoomed (z): no cache, and the graph's box runs the whole width.
    let zoomed = screen(&view, &UiState { graph_zoomed: true, ..UiState::default() }, 120, 36);
    assert!(!zoomed.contains("Cache of"), "{zoomed}");
    let top_border = zoomed.lines().find(|line| line.contains("Topology")).unwrap();
    let top_border = top_border.trim_end().trim_end_matches('"');
    assert!(top_border.ends_with('┐') && top_border.matches('┐').count() == 1, "{top_border}");
    // A big herd's empty cache gives the graph most of the width, and still says how to fill it.
    let mut empty = herd();
    empty.cache.rows.clear();
    let more: Vec<_> = (6..=16).map(|i| NodeView { name: format!("n{i}"), up: true, ..NodeView::default() }).collect();
    empty.nodes.extend(more);
    let roomy = screen(&empty, &UiState::default(), 120, 36);
    let border = roomy.lines().find(|line| line.contains("Topology")).unwrap();
    let graph_width = border.find('┐').map(|at| border[..at].chars().count()).unwrap();
    assert!(graph_width >= 120 * 65 / 100, "the graph is {graph_width} of 120 columns:\n{roomy}");
    assert!(roomy.contains("Cache of"), "{roomy}");
}

#[test]
fn a_live_figure_outlasts_a_static_one_as_the_status_line_narrows() {
    let mut view = herd();
    view.stats.strategy = "flood".into();
    view.stats.duplicates_dropped = 5_761_767;
    for width in 60..=160 {
        let text = screen(&view, &UiState::default(), width, 24);
        let first = text.lines().next().unwrap();
        assert!(
            !first.contains("flood strategy") || first.contains("dup dropped"),
            "at {width} columns the strategy stayed and the duplicates went: {first}"
        );
    }
}
