//! The console's model against a real herd on free ports: what a frame shows is what the engine
//! did, counted right, bounded, and in order.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use herdctl_core::event::{EventKind, HerdEvent};
use herdctl_core::key::HerdKey;
use herdctl_core::places::NoPlaces;
use herdctl_core::protocol::Timestamp;
use herdctl_core::{Herd, HerdOptions, Topology};
use herdctl_teach::operator::send;
use herdctl_ui::{CacheAnchor, Dropped, FlowKind, HerdView, Theme, UiState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::Model;

use crate::console::testing::PAIR;

const DEADLINE: Duration = Duration::from_secs(10);

async fn herd(json: &str) -> Herd {
    let topology = Arc::new(Topology::from_json(json, "test").unwrap());
    let names = topology.names().to_vec();
    let options = HerdOptions::new(HerdKey::new("k"), Arc::new(NoPlaces));
    let herd = Herd::start(topology, &names, options).await.unwrap();
    assert!(herd.wait_linked(DEADLINE).await);
    herd
}

fn model(herd: &Herd) -> Model {
    Model::new(herd.topology(), "offline")
}

async fn iamat(herd: &Herd, node: &str, client: &str) -> String {
    let line = format!("IAMAT {client} +34.068930-118.445127 {}", Timestamp::now());
    send(herd.client_addr(node).unwrap(), node, &line).await
}

/// Takes every event the herd published until `done` says the story is complete.
async fn drain(
    events: &mut tokio::sync::broadcast::Receiver<Arc<HerdEvent>>,
    model: &mut Model,
    mut done: impl FnMut(&HerdEvent) -> bool,
) {
    tokio::time::timeout(DEADLINE, async {
        loop {
            let event = events.recv().await.unwrap();
            let last = done(&event);
            model.apply(event);
            if last {
                return;
            }
        }
    })
    .await
    .expect("the herd told the whole story");
}

/// A frame's view, as the console makes it: prepared, then read.
fn frame<'m>(model: &'m mut Model, herd: &Herd, state: &UiState, now: Instant) -> HerdView<'m> {
    model.prepare(herd, now);
    model.view(herd, state)
}

fn screen(view: &HerdView, state: &UiState) -> String {
    let mut terminal = Terminal::new(TestBackend::new(110, 30)).unwrap();
    terminal.draw(|frame| herdctl_ui::render(frame, view, state, &Theme::plain())).unwrap();
    terminal.backend().to_string()
}

#[tokio::test]
async fn a_real_flood_as_the_console_shows_it() {
    let herd = herd(PAIR).await;
    let mut events = herd.subscribe();
    let mut model = model(&herd);
    iamat(&herd, "Riley", "kiwi.cs.ucla.edu").await;
    drain(&mut events, &mut model, |event| matches!(event.kind, EventKind::ClientClosed { .. })).await;
    let state = UiState::default();
    // A second on, so that no link is still lit: the picture does not depend on timing.
    let view = frame(&mut model, &herd, &state, Instant::now() + Duration::from_secs(1));
    // The flood, as the engine published it, in the order it happened.
    let kinds: Vec<FlowKind> = view.flow.iter().map(|line| line.kind).collect();
    assert_eq!(
        kinds,
        [
            FlowKind::Other,
            FlowKind::ClientIn,
            FlowKind::FloodReceived,
            FlowKind::FloodSent,
            FlowKind::FloodReceived,
            FlowKind::FloodReceived,
            FlowKind::ClientOut,
            FlowKind::Other
        ],
        "{:#?}",
        view.flow
    );
    assert_eq!(view.cache.total, 1);
    let cost = view.stats.last_flood.clone().unwrap();
    assert_eq!(
        (cost.origin.as_str(), cost.messages, cost.duplicates, cost.reached, cost.reachable, cost.hops),
        ("Riley", 1, 0, 1, 1, 1)
    );
    // Times, ports and the measured time difference change from run to run.
    insta::with_settings!({filters => vec![
        (r"\d\d:\d\d:\d\d\.\d\d\d", "HH:MM:SS.mmm"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
        (r"\+0\.\d*", "+0.DIFFERENCE"),
        (r"1\d{9}\.\d*", "CLIENT-TIME"),
    ]}, {
        insta::assert_snapshot!(screen(&view, &state));
    });
    herd.shutdown().await;
}

#[tokio::test]
async fn the_console_sees_the_herd_start() {
    let topology = Arc::new(Topology::from_json(PAIR, "test").unwrap());
    let names = topology.names().to_vec();
    let options = HerdOptions::new(HerdKey::new("k"), Arc::new(NoPlaces));
    // As the binary does: bound, subscribed, then launched.
    let herd = Herd::bind(topology, &names, options).unwrap();
    let mut events = herd.subscribe();
    herd.launch();
    let mut model = model(&herd);
    let mut links_up = 0;
    drain(&mut events, &mut model, |event| {
        links_up += usize::from(matches!(event.kind, EventKind::LinkUp { .. }));
        links_up == 2
    })
    .await;
    let view = frame(&mut model, &herd, &UiState::default(), Instant::now());
    for node in ["Riley", "Jaquez"] {
        let up = view.flow.iter().find(|line| line.node == node && line.text.starts_with("node up"));
        assert!(up.is_some(), "{node}'s start is in the flow: {:#?}", view.flow);
    }
    assert_eq!(view.stats.events_dropped, 0);
    herd.shutdown().await;
}

#[tokio::test]
async fn the_cache_pane_reads_a_window_and_the_true_count() {
    let herd = herd(PAIR).await;
    let addr = herd.client_addr("Riley").unwrap();
    // 1,000 clients in one pipelined connection.
    let lines: String =
        (0..1_000).map(|i| format!("IAMAT client-{i:04} +1+1 {}\n", Timestamp::now())).collect::<Vec<_>>().concat();
    let replies = send(addr, "Riley", lines.trim_end()).await;
    assert_eq!(replies.lines().count(), 1_000);
    let mut model = model(&herd);
    let mut state = UiState::default();
    state.extents.cache_page.set(10);
    let view = frame(&mut model, &herd, &state, Instant::now());
    assert_eq!(view.cache.total, 1_000, "the count is the node's, not the rows read");
    assert_eq!(view.cache.rows.len(), super::CACHE_WINDOW, "a window is read, never the whole cache");
    assert_eq!(view.cache.rows[0].client, "client-0000");
    assert!(view.cache.at_start && !view.cache.at_end);

    state.cache_anchor = CacheAnchor::At("client-0500".into());
    let view = frame(&mut model, &herd, &state, Instant::now());
    assert_eq!(view.cache.rows.len(), 2 * super::CACHE_WINDOW);
    assert_eq!(view.cache.rows[view.cache.top].client, "client-0500");
    assert!(!view.cache.at_start && !view.cache.at_end);

    state.cache_anchor = CacheAnchor::Last;
    let view = frame(&mut model, &herd, &state, Instant::now());
    assert!(view.cache.at_end);
    assert_eq!(view.cache.rows[view.cache.top].client, "client-0990", "the last screenful");
    assert_eq!(view.cache.rows.last().unwrap().client, "client-0999");
    herd.shutdown().await;
}

#[tokio::test]
async fn each_frame_shows_its_events_in_time_order_and_counts_what_it_cannot_show() {
    let herd = herd(PAIR).await;
    let mut model = model(&herd);
    let start = SystemTime::now();
    let event = |millis: u64| {
        Arc::new(HerdEvent {
            at: start + Duration::from_millis(millis),
            node: "Riley".into(),
            kind: EventKind::NodeDown,
        })
    };
    // Published a hair out of order, as concurrent tasks do.
    for millis in [3, 1, 2] {
        model.apply(event(millis));
    }
    let view = frame(&mut model, &herd, &UiState::default(), Instant::now());
    let times: Vec<&str> = view.flow.iter().map(|line| line.time.as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);

    // A torrent between two frames: the newest are formatted, the rest counted and said.
    for millis in 0..10_000 {
        model.apply(event(millis));
    }
    model.dropped(7);
    let view = frame(&mut model, &herd, &UiState::default(), Instant::now());
    assert_eq!(view.stats.events_dropped, 10_000 - super::FORMATTED_PER_FRAME as u64 + 7);
    let note = view.flow.iter().find(|line| line.kind == FlowKind::Warning).unwrap();
    assert!(note.text.starts_with(&format!("… {} events not shown", view.stats.events_dropped)), "{}", note.text);
    herd.shutdown().await;
}

#[tokio::test]
async fn a_flood_in_step_mode_says_how_far_it_got_and_what_a_tree_would_need() {
    let herd = herd(PAIR).await;
    let mut events = herd.subscribe();
    let mut model = model(&herd);
    let _ = frame(&mut model, &herd, &UiState::default(), Instant::now());
    herd.set_mode(herdctl_core::network::Mode::Step);
    let asked = tokio::spawn({
        let addr = herd.client_addr("Riley").unwrap();
        async move { send(addr, "Riley", &format!("IAMAT kiwi +1+1 {}", Timestamp::now())).await }
    });
    drain(&mut events, &mut model, |event| matches!(event.kind, EventKind::CacheUpdated { .. })).await;
    let view = frame(&mut model, &herd, &UiState::default(), Instant::now());
    let cost = view.stats.last_flood.unwrap();
    assert_eq!((cost.messages, cost.reached, cost.reachable), (0, 0, 1), "nothing released yet, one node to reach");
    herd.set_mode(herdctl_core::network::Mode::Live);
    asked.await.unwrap();
    herd.shutdown().await;
}

#[tokio::test]
async fn a_kill_in_step_mode_says_what_it_lost_and_ends_the_update_where_it_stood() {
    use herdctl_teach::command::Command;
    use herdctl_teach::outcome::Outcome;
    let herd = herd(PAIR).await;
    let mut events = herd.subscribe();
    let mut model = model(&herd);
    let state = UiState::default();
    let _ = frame(&mut model, &herd, &state, Instant::now());
    herd.set_mode(herdctl_core::network::Mode::Step);
    let asked = tokio::spawn({
        let addr = herd.client_addr("Riley").unwrap();
        async move { send(addr, "Riley", &format!("IAMAT kiwi +1+1 {}", Timestamp::now())).await }
    });
    drain(&mut events, &mut model, |event| matches!(event.kind, EventKind::FloodHeld { .. })).await;
    asked.await.unwrap();
    let killed = herdctl_teach::operator::execute(&herd, &Command::Kill("Riley".into()), "Riley").await;
    let Outcome::Done(said) = killed else { panic!("{killed:?}") };
    assert!(said.contains("1 held message was lost"), "{said}");
    drain(&mut events, &mut model, |event| matches!(event.kind, EventKind::NodeDown)).await;
    let view = frame(&mut model, &herd, &state, Instant::now());
    let cost = view.stats.last_flood.clone().unwrap();
    assert_eq!((cost.messages, cost.reached, cost.reachable, cost.lost_in_kill), (0, 0, 1, 1));
    assert!(cost.ended, "nothing more of it waits: the accounting does not wait for ever");
    let shown = screen(&view, &state);
    assert!(shown.contains("1 held lost with Riley) ended"), "{shown}");
    assert!(!shown.contains("so far"), "{shown}");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_reset_starts_the_events_not_shown_and_the_cost_line_again() {
    let herd = herd(PAIR).await;
    let mut events = herd.subscribe();
    let mut model = model(&herd);
    let state = UiState::default();
    iamat(&herd, "Riley", "kiwi").await;
    // The whole of one update, kept to come again after the reset, as an aborted replay's
    // messages still moving do.
    let mut flood = Vec::new();
    drain(&mut events, &mut model, |event| {
        flood.push(Arc::new(event.clone()));
        matches!(event.kind, EventKind::CacheUpdated { .. }) && &*event.node == "Jaquez"
    })
    .await;
    model.dropped(5_761_767);
    let view = frame(&mut model, &herd, &state, Instant::now());
    assert_eq!(view.stats.events_dropped, 5_761_767);
    assert!(view.stats.last_flood.is_some());

    herd.reset(DEADLINE).await;
    drain(&mut events, &mut model, |event| matches!(event.kind, EventKind::Reset)).await;
    for event in flood {
        model.apply(event);
    }
    let view = frame(&mut model, &herd, &state, Instant::now());
    assert_eq!(view.stats.events_dropped, 0, "the count starts again with the herd");
    assert_eq!(view.stats.last_flood, None, "an update cut short by the reset is not the last update");
    let shown = screen(&view, &state);
    assert!(shown.contains("no update yet") && !shown.contains("not shown"), "{shown}");
    herd.shutdown().await;
}

#[tokio::test]
async fn an_update_seen_only_in_part_is_marked_sampled_not_left_so_far() {
    let herd = herd(PAIR).await;
    let mut events = herd.subscribe();
    let mut model = model(&herd);
    let state = UiState::default();
    let _ = frame(&mut model, &herd, &state, Instant::now());
    iamat(&herd, "Riley", "kiwi").await;
    // The console sees the update start at Riley, then falls behind and misses the rest (as it
    // does after a burst, when the nodes publish only so many events a second).
    let mut missed = 0;
    tokio::time::timeout(DEADLINE, async {
        loop {
            let event = events.recv().await.unwrap();
            let arrived = matches!(event.kind, EventKind::CacheUpdated { .. }) && &*event.node == "Jaquez";
            match event.kind {
                EventKind::CacheUpdated { .. } if &*event.node == "Riley" => model.apply(event),
                _ => missed += 1,
            }
            if arrived {
                return;
            }
        }
    })
    .await
    .unwrap();
    model.dropped(missed);
    let view = frame(&mut model, &herd, &state, Instant::now());
    let cost = view.stats.last_flood.clone().unwrap();
    assert_eq!((cost.messages, cost.reached), (0, 0), "the sample's figures");
    assert!(cost.sampled, "an update seen in part is marked");
    let shown = screen(&view, &state);
    assert!(shown.contains("≈sampled kiwi") && !shown.contains("so far"), "{shown}");
    herd.shutdown().await;
}

#[tokio::test]
async fn newest_first_is_titled_for_the_updates_the_console_saw() {
    let herd = herd(PAIR).await;
    // One client reported before the console looked: not in its newest-first list.
    iamat(&herd, "Riley", "apple").await;
    assert!(herd.quiet(DEADLINE).await);
    let mut events = herd.subscribe();
    let mut model = model(&herd);
    iamat(&herd, "Riley", "kiwi").await;
    drain(&mut events, &mut model, |event| {
        matches!(event.kind, EventKind::CacheUpdated { .. }) && &*event.node == "Jaquez"
    })
    .await;
    let mut state = UiState::default();
    state.cache_by_recency = true;
    let view = frame(&mut model, &herd, &state, Instant::now());
    assert_eq!((view.cache.total, view.cache.recent_seen), (2, Some(1)));
    let shown = screen(&view, &state);
    assert!(shown.contains("· newest of 1 seen"), "{shown}");
    // Then the console misses events (a burst): the order is marked as a sample.
    model.dropped(3);
    let view = frame(&mut model, &herd, &state, Instant::now());
    assert!(view.cache.recent_sampled);
    let shown = screen(&view, &state);
    assert!(shown.contains("≈sampled newest seen"), "{shown}");
    herd.shutdown().await;
}

#[tokio::test]
async fn in_the_lecture_layout_each_node_says_which_version_of_the_story_it_holds() {
    let herd = herd(PAIR).await;
    let mut events = herd.subscribe();
    let mut model = model(&herd);
    herd.cut("Riley", "Jaquez").unwrap();
    // The same client on both sides of the cut, the later report at Jaquez.
    let riley =
        send(herd.client_addr("Riley").unwrap(), "Riley", &format!("IAMAT fig +1+1 {}", Timestamp::now())).await;
    let later = Timestamp::now().shifted(1_000_000_000);
    let jaquez = send(herd.client_addr("Jaquez").unwrap(), "Jaquez", &format!("IAMAT fig +2+2 {later}")).await;
    assert!(riley.starts_with("AT Riley") && jaquez.starts_with("AT Jaquez"));
    let mut stored = 0;
    drain(&mut events, &mut model, |event| {
        stored += usize::from(matches!(event.kind, EventKind::CacheUpdated { .. }));
        stored == 2
    })
    .await;
    let mut present = UiState::default();
    present.present = true;
    let view = frame(&mut model, &herd, &present, Instant::now());
    let story: Vec<Option<(&str, Option<usize>)>> =
        view.nodes.iter().map(|n| n.story.as_ref().map(|b| (b.client.as_str(), b.version))).collect();
    assert_eq!(story, [Some(("fig", Some(1))), Some(("fig", Some(2)))], "the two sides differ");
    let plain = frame(&mut model, &herd, &UiState::default(), Instant::now());
    assert!(plain.nodes.iter().all(|n| n.story.is_none()), "only the lecture layout shows versions");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_topologys_port_0_shows_as_the_port_the_node_took() {
    let herd = herd(PAIR).await;
    let mut model = model(&herd);
    let port = herd.client_addr("Riley").unwrap().port();
    assert_ne!(port, 0);
    let view = frame(&mut model, &herd, &UiState::default(), Instant::now());
    assert_eq!(view.cache.addr, format!("127.0.0.1:{port}"));
    assert!(screen(&view, &UiState::default()).contains(&format!("Cache of Riley · 0 clients · 127.0.0.1:{port}")));
    herd.shutdown().await;
}

#[tokio::test]
async fn the_cache_pane_shows_the_most_recently_updated_clients_first_on_asking() {
    let herd = herd(PAIR).await;
    let mut events = herd.subscribe();
    let mut model = model(&herd);
    for client in ["banana", "apple", "cherry"] {
        iamat(&herd, "Riley", client).await;
    }
    let mut stored = 0;
    drain(&mut events, &mut model, |event| {
        stored += usize::from(&*event.node == "Riley" && matches!(event.kind, EventKind::CacheUpdated { .. }));
        stored == 3
    })
    .await;
    iamat(&herd, "Riley", "banana").await;
    drain(&mut events, &mut model, |event| {
        &*event.node == "Riley" && matches!(event.kind, EventKind::CacheUpdated { .. })
    })
    .await;
    let mut state = UiState::default();
    state.cache_by_recency = true;
    state.extents.cache_page.set(10);
    let view = frame(&mut model, &herd, &state, Instant::now());
    let clients: Vec<&str> = view.cache.rows.iter().map(|row| row.client.as_str()).collect();
    assert_eq!(clients, ["banana", "cherry", "apple"], "newest first, banana updated again last");
    assert!(view.cache.by_recency && view.cache.total == 3);
    let by_name = frame(&mut model, &herd, &UiState::default(), Instant::now());
    let clients: Vec<&str> = by_name.cache.rows.iter().map(|row| row.client.as_str()).collect();
    assert_eq!(clients, ["apple", "banana", "cherry"]);
    herd.shutdown().await;
}

#[test]
fn the_flow_keeps_the_newest_lines_in_order() {
    let mut kept = super::FlowKept::default();
    let total = 2 * super::FLOW_KEPT as u64 + 5;
    for seq in 1..=total {
        kept.push(herdctl_ui::FlowLine {
            seq,
            time: String::new(),
            node: "Riley".into(),
            kind: FlowKind::Other,
            text: String::new(),
        });
    }
    let seqs: Vec<u64> = kept.lines().iter().map(|line| line.seq).collect();
    let newest: Vec<u64> = (total - super::FLOW_KEPT as u64 + 1..=total).collect();
    assert_eq!(seqs, newest);
}

#[tokio::test]
async fn a_catch_ups_echo_is_marked_as_catch_up_not_as_a_floods_duplicate() {
    let herd = herd(PAIR).await;
    let mut events = herd.subscribe();
    let mut model = model(&herd);
    iamat(&herd, "Riley", "kiwi").await;
    // Cut (seen at both ends) and healed: each end sends the other what it knows, which the
    // other has already.
    herd.cut("Riley", "Jaquez").unwrap();
    let mut down = 0;
    drain(&mut events, &mut model, |event| {
        down += usize::from(matches!(event.kind, EventKind::LinkDown { .. }));
        down == 2
    })
    .await;
    herd.heal("Riley", "Jaquez").unwrap();
    let mut echoes = 0;
    drain(&mut events, &mut model, |event| {
        echoes += usize::from(matches!(event.kind, EventKind::FloodReceived { catch_up: true, .. }));
        echoes == 2
    })
    .await;
    let mut state = UiState::default();
    state.present = true;
    let view = frame(&mut model, &herd, &state, Instant::now());
    let link = &view.links[0];
    assert_eq!((link.dropped_at_a, link.dropped_at_b), (Some(Dropped::CatchUp), Some(Dropped::CatchUp)));
    let text = screen(&view, &state);
    assert_eq!(text.matches("✕catch-up").count(), 2, "{text}");
    assert!(!text.contains("✕dup"), "{text}");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_walkthrough_shows_one_clients_row_at_two_nodes_and_tracks_its_version() {
    let herd = herd(PAIR).await;
    // Thirty clients before kiwi in name order, so that kiwi is far below the pane's first rows;
    // then lemon, the last update.
    let addr = herd.client_addr("Riley").unwrap();
    let lines: String =
        (0..30).map(|i| format!("IAMAT apple-{i:02} +1+1 {}\n", Timestamp::now())).collect::<Vec<_>>().concat();
    send(addr, "Riley", lines.trim_end()).await;
    iamat(&herd, "Riley", "kiwi").await;
    iamat(&herd, "Riley", "lemon").await;
    let mut model = model(&herd);
    let mut events = herd.subscribe();
    // Every record on both nodes (the console's accounting needs lemon's update seen too).
    iamat(&herd, "Jaquez", "lemon").await;
    drain(&mut events, &mut model, |event| {
        &*event.node == "Riley"
            && matches!(&event.kind, EventKind::CacheUpdated { record, .. } if record.client() == "lemon")
    })
    .await;
    let mut state = UiState::default();
    state.present = true;
    let first = frame(&mut model, &herd, &state, Instant::now());
    state.show(&first, &["Riley".into(), "Jaquez".into()], Some("kiwi"));
    let view = frame(&mut model, &herd, &state, Instant::now());
    // The badges follow the last update's client, until a client is tracked.
    assert_eq!(view.nodes[0].story.as_ref().map(|b| b.client.as_str()), Some("lemon"));
    for cache in [&view.cache, view.compare.as_ref().expect("two caches")] {
        assert_eq!(cache.rows[cache.top].client, "kiwi", "{}'s pane starts at kiwi", cache.node);
        assert_eq!(cache.marked.as_deref(), Some("kiwi"));
    }
    let text = screen(&view, &state);
    assert!(text.contains("Cache of Riley") && text.contains("Cache of Jaquez"), "{text}");
    assert_eq!(text.matches("││kiwi ").count(), 2, "kiwi's row in each pane:\n{text}");
    state.tracked = Some("kiwi".into());
    let view = frame(&mut model, &herd, &state, Instant::now());
    let badges: Vec<_> = view.nodes.iter().map(|n| n.story.clone().map(|b| (b.client, b.version))).collect();
    assert_eq!(badges, [Some(("kiwi".to_string(), Some(1))), Some(("kiwi".to_string(), Some(1)))]);
    herd.shutdown().await;
}

#[tokio::test]
async fn the_faults_filter_leaves_out_a_peers_ordinary_connection() {
    let topology = Arc::new(Topology::from_json(PAIR, "test").unwrap());
    let names = topology.names().to_vec();
    let options = HerdOptions::new(HerdKey::new("k"), Arc::new(NoPlaces));
    let herd = Herd::bind(topology, &names, options).unwrap();
    let mut events = herd.subscribe();
    herd.launch();
    let mut model = model(&herd);
    let (mut links_up, mut accepted) = (0, 0);
    drain(&mut events, &mut model, |event| {
        links_up += usize::from(matches!(event.kind, EventKind::LinkUp { .. }));
        accepted += usize::from(matches!(event.kind, EventKind::PeerAccepted { .. }));
        links_up == 2 && accepted == 2
    })
    .await;
    let view = frame(&mut model, &herd, &UiState::default(), Instant::now());
    let faults = herdctl_ui::KindFilter::Faults;
    let shown: Vec<&str> =
        view.flow.iter().filter(|line| faults.shows(line.kind)).map(|line| line.text.as_str()).collect();
    assert!(shown.iter().any(|text| text.starts_with("node up")), "{shown:#?}");
    assert!(shown.iter().any(|text| text.starts_with("link to")), "{shown:#?}");
    assert!(!shown.iter().any(|text| text.contains("connected from")), "{shown:#?}");
    assert!(view.flow.iter().any(|line| line.text.contains("connected from")), "the lines are kept, only not shown");
    herd.shutdown().await;
}

#[tokio::test]
async fn tab_completes_a_link_with_the_nodes_neighbour_from_the_commands_forms() {
    let herd = herd(PAIR).await;
    let mut model = model(&herd);
    use herdctl_ui::input::{KeyCode, KeyEvent, KeyModifiers};
    let mut state = UiState::default();
    let view = frame(&mut model, &herd, &state, Instant::now());
    for key in ":cut Riley ".chars().map(KeyCode::Char).chain([KeyCode::Tab]) {
        state.handle_key(KeyEvent::new(key, KeyModifiers::NONE), &view);
    }
    assert_eq!(state.input.value(), "cut Riley Jaquez ", "Riley's only neighbour, not Riley itself");
    herd.shutdown().await;
}
