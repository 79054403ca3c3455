//! Looking back on a live herd, with a real herd on free ports: the moments just passed are
//! rebuilt off the screen's task (a key is answered while they are), and leaving them lets them go.

use std::sync::Arc;
use std::time::Duration;

use herdctl_core::key::HerdKey;
use herdctl_core::places::NoPlaces;
use herdctl_core::protocol::Timestamp;
use herdctl_core::{Herd, HerdOptions, Topology};
use herdctl_teach::operator::send;
use herdctl_teach::trace::Trace;
use herdctl_ui::intent::TimeMove;
use herdctl_ui::{Feedback, UiState};

use super::Live;
use crate::console::driver::{Stage, Wake};
use crate::console::testing::PAIR;
use crate::frontend::{Screen, Session};

const DEADLINE: Duration = Duration::from_secs(30);

fn said(state: &UiState) -> String {
    match &state.feedback {
        Some(Feedback::Done(text) | Feedback::Error(text)) => text.clone(),
        other => format!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looking_back_is_rebuilt_aside_and_leaving_it_returns_to_now() {
    let topology = Arc::new(Topology::from_json(PAIR, "test").unwrap());
    let names = topology.names().to_vec();
    let trace = Arc::new(Trace::default());
    let options = HerdOptions {
        recorder: Some(trace.recorder().clone()),
        ..HerdOptions::new(HerdKey::new("k"), Arc::new(NoPlaces))
    };
    let herd = Arc::new(Herd::start(topology, &names, options).await.unwrap());
    let events = herd.subscribe();
    assert!(herd.wait_linked(DEADLINE).await);
    for i in 0..20 {
        let line = format!("IAMAT client-{i} +34.068930-118.445127 {}", Timestamp::now());
        assert!(send(herd.client_addr("Riley").unwrap(), "Riley", &line).await.starts_with("AT "));
    }
    let logs = tempfile::tempdir().unwrap();
    let session = Session {
        places_source: "offline".into(),
        trace,
        trace_path: None,
        log_dir: logs.path().to_path_buf(),
        scenario: None,
        present: false,
        classroom_url: None,
        greeting: None,
        screen: Screen { mouse: false, theme: None },
    };
    let mut state = UiState::default();
    let mut live = Live::start(herd.clone(), events, session, &mut state);

    // ← answers at once: the rebuild is an errand, and the screen shows now meanwhile.
    live.carry_out(herdctl_ui::Intent::Time(TimeMove::Earlier), Default::default(), &mut state);
    assert!(live.rebuilding && live.past.is_none(), "the key waited for the rebuild");
    assert!(said(&state).starts_with("rebuilding the moments just passed"), "{}", said(&state));
    // Pressed again while it rebuilds: nothing queues up behind it.
    live.carry_out(herdctl_ui::Intent::Time(TimeMove::Earlier), Default::default(), &mut state);
    assert!(live.rebuilding && live.past.is_none());

    // Ready: the moment just passed is shown, the twenty clients in it.
    let ready = tokio::time::timeout(DEADLINE, live.errands.report()).await.expect("the rebuild ends");
    live.take(Wake::Report(ready), &mut state);
    assert!(!live.rebuilding && live.past.is_some());
    assert!(said(&state).starts_with("looking back (the herd runs on)"), "{}", said(&state));
    let shown = live.view(&state).stats.clients;
    assert!((19..=20).contains(&shown), "one event before now holds 19 or 20 clients, not {shown}");

    // Esc returns to now, and the look-back is let go.
    live.carry_out(herdctl_ui::Intent::Time(TimeMove::Now), Default::default(), &mut state);
    assert!(live.past.is_none(), "still looking back");
    assert_eq!(said(&state), "back to now");

    // Given up before it is ready (→), a rebuild that then arrives is not shown.
    live.carry_out(herdctl_ui::Intent::Time(TimeMove::Earlier), Default::default(), &mut state);
    live.carry_out(herdctl_ui::Intent::Time(TimeMove::Later), Default::default(), &mut state);
    assert!(!live.rebuilding);
    let late = tokio::time::timeout(DEADLINE, live.errands.report()).await.expect("the rebuild ends");
    live.take(Wake::Report(late), &mut state);
    assert!(live.past.is_none(), "a look-back given up was shown");
    live.finish(Ok(())).await.unwrap();
    herd.shutdown().await;
}
