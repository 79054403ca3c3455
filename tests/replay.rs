//! A real herd's session, recorded and read back: the world a replay rebuilds at the end is the
//! herd as it was (caches, nodes, cuts, mode, held transmissions), and at an earlier moment the
//! herd as it was then.

mod common;

use std::sync::Arc;

use common::*;
use herdctl_core::cache::PageStart;
use herdctl_core::key::HerdKey;
use herdctl_core::network::Mode;
use herdctl_core::places::NoPlaces;
use herdctl_core::{Herd, HerdOptions};
use herdctl_teach::moment::Moment;
use herdctl_teach::replay::{Recording, Timeline};
use herdctl_teach::trace::Trace;

fn records(moment: &dyn Moment, node: &str) -> Vec<String> {
    moment.cache_page(node, &PageStart::First, 1_000).iter().map(|e| e.record.line().to_string()).collect()
}

fn same_as_the_herd(world: &dyn Moment, herd: &Herd) {
    for node in herd.status() {
        let replayed = world.status().into_iter().find(|n| n.name == node.name).expect("every node replayed");
        assert_eq!(replayed.up, node.up, "{} up or down", node.name);
        assert_eq!(records(world, &node.name), records(herd, &node.name), "{}'s cache", node.name);
    }
    for (a, b) in herd.topology().links() {
        assert_eq!(world.is_cut_from(&a, &b), herd.network().is_cut_from(&a, &b), "{a}>{b} cut");
        assert_eq!(world.is_cut_from(&b, &a), herd.network().is_cut_from(&b, &a), "{b}>{a} cut");
    }
    assert_eq!(world.mode(), herd.network().mode());
    let held = |moment: &dyn Moment| {
        let mut held: Vec<String> = moment.held().iter().map(|h| format!("{}>{} {}", h.from, h.to, h.client)).collect();
        held.sort();
        held
    };
    assert_eq!(held(world), held(herd), "held transmissions");
}

#[tokio::test]
async fn a_replay_rebuilds_the_herd_as_it_was_at_the_end_and_before() {
    let trace = Arc::new(Trace::default());
    let topology = Arc::new(default_herd_on_free_ports());
    let names = topology.names().to_vec();
    let options = HerdOptions {
        recorder: Some(trace.recorder().clone()),
        ..HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces))
    };
    let herd = Herd::start(topology, &names, options).await.expect("herd starts");
    all_links_up(&herd).await;

    ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    eventually("every node knows kiwi", || async { names.iter().all(|n| herd.knows(n, "kiwi")) }).await;
    herd.kill("Juzang").await.unwrap();
    let before_the_step = std::time::SystemTime::now();
    herd.cut_one_way("Bernard", "Campbell").unwrap();
    herd.set_mode(Mode::Step);
    ask(&herd, "Campbell", &format!("IAMAT lime +1.0+2.0 {}\n", now())).await;
    eventually("Campbell's sends are held", || async { !herd.network().held().is_empty() }).await;
    // One released, so that the replay sees a hold end as well as begin.
    let released = herd.network().release_next().expect("something was held");
    // The receiver passes it on (held in turn) to each neighbour it can reach but the sender.
    let passes_on: Vec<_> = herd
        .status()
        .into_iter()
        .find(|n| n.name == released.to)
        .unwrap()
        .links
        .into_iter()
        .filter(|(n, up)| *up && *n != released.from && !herd.network().is_cut_from(&released.to, n))
        .map(|(n, _)| n)
        .collect();
    eventually("the released record arrived and was passed on", || async {
        let held = herd.network().held();
        herd.knows(&released.to, "lime")
            && passes_on.iter().all(|n| held.iter().any(|h| h.from == released.to && h.to == *n))
    })
    .await;

    let jsonl = trace.to_jsonl();
    let recording = Arc::new(Recording::parse(&jsonl, "session.jsonl", None).expect("the trace reads back"));
    assert_eq!(recording.seed, Some(herd.seed()));
    let timeline = Timeline::new(recording.clone());
    same_as_the_herd(&timeline.world_after(timeline.len()), &herd);

    let offset = before_the_step.duration_since(recording.started).unwrap();
    let then = timeline.world_after(timeline.count_at(offset));
    assert!(!then.status().iter().find(|n| &*n.name == "Juzang").unwrap().up, "Juzang was already dead");
    for node in ["Riley", "Jaquez", "Campbell", "Bernard"] {
        assert!(then.cache_entry(node, "kiwi").is_some(), "{node} knew kiwi");
        assert!(then.cache_entry(node, "lime").is_none(), "{node} did not know lime yet");
    }
    assert!(!then.is_cut("Bernard", "Campbell") && then.mode() == Mode::Live);

    // Every receive has its send.
    let sends = jsonl.lines().filter(|l| l.contains(r#""kind":"peer_send""#)).count();
    let receives = jsonl.lines().filter(|l| l.contains(r#""kind":"peer_receive""#)).count();
    assert!(receives <= sends && receives > 0, "{receives} receives, {sends} sends");
    herd.shutdown().await;

    // Going live from the end: the same caches, faults and mode, on a running herd (its
    // catch-up held, as everything is in step mode, so the caches stay as they were).
    let end = timeline.world_after(timeline.len());
    let options = HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces));
    let (forked, _events) = herdctl_teach::replay::go_live(&end, options).await.expect("a herd starts from the moment");
    assert_eq!(forked.network().mode(), Mode::Step);
    assert!(
        forked.network().is_cut_from("Bernard", "Campbell") && !forked.network().is_cut_from("Campbell", "Bernard")
    );
    for node in forked.status() {
        let then = end.status().into_iter().find(|n| n.name == node.name).unwrap();
        assert_eq!(node.up, then.up, "{} up or down", node.name);
        assert_eq!(records(&forked, &node.name), records(&end, &node.name), "{}'s cache", node.name);
    }
    // It runs: a record released there is stored.
    eventually("catch-up is held", || async { !forked.network().held().is_empty() }).await;
    forked.set_mode(Mode::Live);
    eventually("Riley learns lime by catch-up", || async { forked.knows("Riley", "lime") }).await;
    forked.shutdown().await;
}
