//! The classroom controls over real sockets: step mode, cut and healed links, latency, and what
//! a flood costs.

mod common;

use std::time::Duration;

use std::collections::HashSet;

use common::*;
use herdctl_core::event::{EventKind, Via};
use herdctl_core::herd::Live;
use herdctl_core::network::Mode;
use herdctl_teach::accounting::Accounting;

const NODES: [&str; 5] = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];

/// Waits until the network holds `count` transmissions.
async fn held(herd: &herdctl_core::Herd, count: usize) -> Vec<herdctl_core::network::Held> {
    let mut changes = herd.network().watch();
    tokio::time::timeout(DEADLINE, async {
        loop {
            let held = herd.network().held();
            if held.len() == count {
                return held;
            }
            changes.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never held {count}: {:?}", herd.network().held()))
}

#[tokio::test]
async fn in_step_mode_nothing_crosses_a_link_until_released_in_order() {
    let herd = start_herd().await;
    herd.network().set_mode(Mode::Step);
    let reply = ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    assert!(reply.starts_with("AT Riley"), "the client is answered within the bound: {reply}");
    let wave = held(&herd, 2).await;
    assert!(wave.iter().all(|h| &*h.from == "Riley" && h.hops == 1 && &*h.client == "kiwi"), "{wave:?}");
    for node in ["Jaquez", "Juzang", "Bernard", "Campbell"] {
        assert_eq!(known_line(&herd, node, "kiwi"), None, "{node} learned it through a held link");
    }

    // One release lets exactly the oldest transmission go.
    let first = herd.network().release_next().unwrap();
    assert_eq!(first, wave[0]);
    eventually("the released neighbour knows", || async { known_line(&herd, &first.to, "kiwi").is_some() }).await;
    let other = &wave[1].to;
    assert_eq!(known_line(&herd, other, "kiwi"), None, "{other} got it without a release");

    // The rest of the flood, one wave at a time (each waits for the last to land), until
    // nothing is left to send.
    let mut waves = 0;
    while !herdctl_teach::operator::release_wave(&herd).await.is_empty() {
        waves += 1;
        assert!(waves < 10, "the flood never finished: {:?}", herd.network().held());
    }
    assert!(herd.status().iter().all(|n| n.clients == 1), "every node learned it: {:?}", herd.status());
    herd.network().set_mode(Mode::Live);
    for node in NODES {
        eventually(&format!("{node} knows"), || async {
            known_line(&herd, node, "kiwi").as_deref() == Some(reply.trim_end())
        })
        .await;
    }
    herd.shutdown().await;
}

#[tokio::test]
async fn a_partition_keeps_records_apart_until_healed_then_catch_up_joins_them() {
    let herd = start_herd().await;
    herd.cut("Riley", "Jaquez").unwrap();
    herd.cut("Juzang", "Riley").unwrap();
    assert!(herd.cut("Riley", "Campbell").is_err(), "not a link");
    // Both ends of both links must have noticed: Riley's links, and Jaquez's and Juzang's to Riley.
    eventually("Riley is cut off", || async {
        herd.status().iter().all(|node| {
            node.links.iter().all(|(neighbour, up)| !up || (&*node.name != "Riley" && &**neighbour != "Riley"))
        })
    })
    .await;

    let riley = ask(&herd, "Riley", &format!("IAMAT island +1+1 {}\n", now())).await;
    let campbell = ask(&herd, "Campbell", &format!("IAMAT mainland +2+2 {}\n", now())).await;
    for node in ["Jaquez", "Juzang", "Bernard"] {
        eventually(&format!("{node} knows the mainland"), || async { known_line(&herd, node, "mainland").is_some() })
            .await;
    }
    // The links stay down while cut: nothing reaches across.
    assert_eq!(known_line(&herd, "Riley", "mainland"), None);
    for node in ["Jaquez", "Juzang", "Bernard", "Campbell"] {
        assert_eq!(known_line(&herd, node, "island"), None, "{node}");
    }

    herd.heal("Riley", "Jaquez").unwrap();
    herd.heal("Riley", "Juzang").unwrap();
    for node in NODES {
        eventually(&format!("{node} knows both after the heal"), || async {
            known_line(&herd, node, "island").as_deref() == Some(riley.trim_end())
                && known_line(&herd, node, "mainland").as_deref() == Some(campbell.trim_end())
        })
        .await;
    }
    herd.shutdown().await;
}

#[tokio::test]
async fn latency_on_a_link_lets_the_long_way_round_win() {
    let herd = start_herd().await;
    herd.set_latency("Riley", "Jaquez", Duration::from_millis(400)).unwrap();
    ask(&herd, "Riley", &format!("IAMAT kiwi +1+1 {}\n", now())).await;
    // Riley -> Juzang -> Bernard -> Jaquez takes three quick hops; the direct hop takes 400 ms.
    eventually("Jaquez knows", || async { known_line(&herd, "Jaquez", "kiwi").is_some() }).await;
    let entry = herd.cache_entry("Jaquez", "kiwi").unwrap().unwrap();
    assert_eq!((entry.via, entry.hops), (Via::Peer("Bernard".into()), 3));
    herd.shutdown().await;
}

#[tokio::test]
async fn each_update_costs_exactly_the_messages_flooding_needs() {
    let herd = start_herd().await;
    let mut events = herd.subscribe();
    let mut accounting = Accounting::new(herd.topology().clone());
    // On the default herd: the origin sends to each of its neighbours, every other node to all
    // but the one it heard from first: 2 * 6 links - (5 - 1) = 8 messages, 4 of them duplicates.
    for client in ["kiwi", "lemon", "lime"] {
        let at = ask(&herd, "Riley", &format!("IAMAT {client} +1+1 {}\n", now())).await;
        let at = at.trim_end().to_string();
        tokio::time::timeout(DEADLINE, async {
            while accounting
                .get(&at)
                .is_none_or(|f| f.messages < 8 || f.messages - f.duplicates < 4 || f.duplicates < 4)
            {
                accounting.apply(&events.recv().await.unwrap());
            }
        })
        .await
        .expect("the flood completes");
        let flood = accounting.get(&at).unwrap().clone();
        assert_eq!(flood.reached.len(), 4);
        assert_eq!(flood.minimum_messages(), 4);
        assert_eq!(flood.minimum_hops(), 2);
        assert_eq!((flood.messages, flood.duplicates), (8, 4), "{flood:?}");
    }
    // Nothing more trickles in later for the first update: its count stays at 8.
    while let Ok(event) = events.try_recv() {
        accounting.apply(&event);
    }
    let first = accounting.get(&known_line(&herd, "Riley", "kiwi").unwrap()).unwrap();
    assert_eq!(first.messages, 8);
    herd.shutdown().await;
}

#[tokio::test]
async fn catch_up_is_not_a_floods_cost_and_a_dead_node_is_not_a_floods_goal() {
    let herd = start_herd().await;
    let mut events = herd.subscribe();
    let mut accounting = Accounting::new(herd.topology().clone());
    herd.kill("Juzang").await.unwrap();
    let links_to_juzang_down = |herd: &herdctl_core::Herd| {
        herd.status().iter().all(|n| n.links.iter().all(|(to, up)| &**to != "Juzang" || !up))
    };
    assert!(herd.wait_until(DEADLINE, links_to_juzang_down).await, "Juzang's neighbours see it gone");
    accounting.set_live(Live { down: HashSet::from(["Juzang".into()]), ..Live::default() });
    let at = ask(&herd, "Riley", &format!("IAMAT kiwi +1+1 {}\n", now())).await.trim_end().to_string();
    // Without Juzang: Riley -> Jaquez -> Bernard -> Campbell, a line: 3 messages, no duplicate.
    tokio::time::timeout(DEADLINE, async {
        while accounting.get(&at).is_none_or(|f| !f.is_complete()) {
            accounting.apply(&events.recv().await.unwrap());
        }
    })
    .await
    .expect("the flood reaches every live node");
    let flood = accounting.get(&at).unwrap().clone();
    assert_eq!(flood.reachable.len(), 3, "three live nodes to reach, not four: {flood:?}");
    assert_eq!(flood.minimum_hops(), 3, "Campbell is three hops away while Juzang is down");
    // Juzang comes back: the catch-up that brings it kiwi is not charged to kiwi's flood.
    herd.revive("Juzang").await.unwrap();
    let mut caught_up = false;
    tokio::time::timeout(DEADLINE, async {
        while !caught_up {
            let event = events.recv().await.unwrap();
            caught_up |= &*event.node == "Juzang"
                && matches!(&event.kind, EventKind::CacheUpdated { catch_up: true, record, .. } if record.line() == at);
            accounting.apply(&event);
        }
    })
    .await
    .expect("Juzang catches up");
    all_links_up(&herd).await;
    while let Ok(event) = events.try_recv() {
        accounting.apply(&event);
    }
    let after = accounting.get(&at).unwrap();
    assert_eq!((after.messages, after.duplicates), (flood.messages, flood.duplicates), "{after:?}");
    assert_eq!(flood.messages, 3, "{flood:?}");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_dropped_message_is_lost_and_flooding_still_gets_the_record_there_another_way() {
    let herd = start_herd().await;
    let mut events = herd.subscribe();
    let run = |line: &str| {
        let command = herdctl_teach::command::Command::parse(line).unwrap();
        let herd = &herd;
        async move { herdctl_teach::operator::execute(herd, &command, "Riley").await }
    };
    // Held, so nothing is decided yet: deliver, drop and dup want step mode.
    let refused = run("drop Riley Jaquez kiwi").await;
    assert!(
        matches!(&refused, herdctl_teach::operator::Outcome::Refused(why) if why.contains("step mode")),
        "{refused:?}"
    );
    herd.network().set_mode(Mode::Step);
    ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    held(&herd, 2).await;

    // Riley's message to Jaquez is lost; the one to Juzang arrives twice.
    let dropped = run("drop Riley Jaquez kiwi").await;
    assert_eq!(dropped, herdctl_teach::operator::Outcome::Done("dropped Riley→Jaquez kiwi (hop 1)".into()));
    let duplicated = run("dup Riley Juzang").await;
    assert_eq!(duplicated, herdctl_teach::operator::Outcome::Done("duplicated Riley→Juzang kiwi (hop 1)".into()));
    assert_eq!(known_line(&herd, "Jaquez", "kiwi"), None, "the dropped message never arrived");
    let nothing = run("deliver Riley Jaquez").await;
    assert!(
        matches!(&nothing, herdctl_teach::operator::Outcome::Refused(why) if why == "nothing is held from Riley to Jaquez")
    );

    // The rest of the flood, released wave by wave: Jaquez still learns it, through Bernard.
    while !herdctl_teach::operator::release_wave(&herd).await.is_empty() {}
    assert!(known_line(&herd, "Jaquez", "kiwi").is_some(), "Jaquez learned it: {:?}", herd.status());
    let entry = herd.cache_entry("Jaquez", "kiwi").unwrap().unwrap();
    assert_eq!(entry.via, Via::Peer("Bernard".into()), "the long way round");
    herd.network().set_mode(Mode::Live);

    // What the events said: one drop, and Juzang's second copy from Riley a duplicate.
    let (mut drops, mut copies_at_juzang) = (0, Vec::new());
    let mut accounting = Accounting::new(herd.topology().clone());
    accounting.set_live(Live::default());
    while let Ok(event) = events.try_recv() {
        accounting.apply(&event);
        match &event.kind {
            EventKind::FloodDropped { to, hops: 1, .. } if &*event.node == "Riley" && &**to == "Jaquez" => drops += 1,
            EventKind::FloodReceived { from, arrival, .. } if &*event.node == "Juzang" && &**from == "Riley" => {
                copies_at_juzang.push(*arrival)
            }
            _ => {}
        }
    }
    assert_eq!(drops, 1);
    assert_eq!(copies_at_juzang, [herdctl_core::event::Arrival::New, herdctl_core::event::Arrival::Duplicate]);
    // And the accounting says what the drop did.
    let flood = accounting.latest_of("kiwi").unwrap();
    assert_eq!(flood.lost, [("Riley".into(), "Jaquez".into())]);
    assert!(flood.is_complete(), "{flood:?}");
    assert_eq!(
        flood.losses(),
        [
            "Riley→Jaquez was lost, and Jaquez still learned it, through Bernard (hop 3): flooding tolerates that lost message"
        ]
    );
    herd.shutdown().await;
}

#[tokio::test]
async fn a_walkthrough_can_expect_convergence_and_how_far_a_record_reached() {
    let herd = start_herd().await;
    let expect = |line: &str| {
        let command = herdctl_teach::command::Command::parse(line).unwrap();
        let herd = &herd;
        async move { herdctl_teach::operator::execute(herd, &command, "Riley").await }
    };
    let held = |outcome: &herdctl_teach::operator::Outcome| {
        matches!(outcome, herdctl_teach::operator::Outcome::Checked { held: true, .. })
    };
    ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    assert!(held(&expect("expect converged within 2s").await));
    assert!(held(&expect("expect kiwi reached 5 nodes").await));

    // Riley cut off from both neighbours takes a newer report: the herd disagrees until healed.
    herd.cut("Riley", "Jaquez").unwrap();
    herd.cut("Riley", "Juzang").unwrap();
    ask(&herd, "Riley", &format!("IAMAT kiwi +10+10 {}\n", now())).await;
    let split = expect("expect converged within 300ms").await;
    let herdctl_teach::operator::Outcome::Checked { held: false, text } = &split else { panic!("{split:?}") };
    assert!(text.contains("but Riley holds") && text.contains("+10+10"), "{text}");
    let one = expect("expect kiwi reached 5 nodes").await;
    let herdctl_teach::operator::Outcome::Checked { held: false, text } = &one else { panic!("{one:?}") };
    assert!(text.contains("but 1 hold"), "{text}");
    assert!(held(&expect("expect kiwi reached 1 node").await));

    herd.heal("Riley", "Jaquez").unwrap();
    herd.heal("Riley", "Juzang").unwrap();
    assert!(held(&expect("expect converged within 5s").await));
    assert!(held(&expect("expect kiwi reached 5 nodes").await));
    herd.shutdown().await;
}

#[tokio::test]
async fn a_link_that_loses_every_message_is_routed_around_and_a_reset_removes_the_loss() {
    let herd = start_herd().await;
    let mut events = herd.subscribe();
    let command = herdctl_teach::command::Command::parse("loss Riley Jaquez 100%").unwrap();
    let outcome = herdctl_teach::operator::execute(&herd, &command, "Riley").await;
    let seed = herd.seed();
    assert_eq!(
        outcome,
        herdctl_teach::operator::Outcome::Done(format!(
            "Riley–Jaquez loses 100% of messages (seed {seed}: --seed replays which)"
        ))
    );
    let at = ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    assert!(at.starts_with("AT Riley"), "answered, not held up by the lost message: {at}");
    eventually("Jaquez learns it the long way round", || async {
        herd.cache_entry("Jaquez", "kiwi").ok().flatten().is_some_and(|entry| entry.via == Via::Peer("Bernard".into()))
    })
    .await;
    let lost = loop {
        let event = tokio::time::timeout(DEADLINE, events.recv()).await.unwrap().unwrap();
        if let EventKind::FloodDropped { to, by_operator, .. } = &event.kind {
            break (event.node.clone(), to.clone(), *by_operator);
        }
    };
    assert_eq!(lost, ("Riley".into(), "Jaquez".into(), false));
    herd.reset(DEADLINE).await;
    assert_eq!(herd.network().loss("Riley", "Jaquez"), 0.0, "a reset heals every link");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_one_way_cut_loses_one_direction_only() {
    let herd = start_herd().await;
    let run = |line: &str| {
        let command = herdctl_teach::command::Command::parse(line).unwrap();
        let herd = &herd;
        async move { herdctl_teach::operator::execute(herd, &command, "Riley").await }
    };
    let cut = run("cut Riley>Jaquez").await;
    assert!(
        matches!(&cut, herdctl_teach::operator::Outcome::Done(text) if text.starts_with("cut Riley>Jaquez")),
        "{cut:?}"
    );
    assert!(herd.network().is_cut_from("Riley", "Jaquez") && !herd.network().is_cut_from("Jaquez", "Riley"));
    // Jaquez's messages still reach Riley directly...
    ask(&herd, "Jaquez", &format!("IAMAT lemon +1+1 {}\n", now())).await;
    eventually("Riley learns lemon from Jaquez", || async {
        herd.cache_entry("Riley", "lemon").ok().flatten().is_some_and(|entry| entry.via == Via::Peer("Jaquez".into()))
    })
    .await;
    // ...while Riley's reach Jaquez only the long way round.
    ask(&herd, "Riley", &format!("IAMAT kiwi +2+2 {}\n", now())).await;
    eventually("Jaquez learns kiwi through Bernard", || async {
        herd.cache_entry("Jaquez", "kiwi").ok().flatten().is_some_and(|entry| entry.via == Via::Peer("Bernard".into()))
    })
    .await;
    assert!(matches!(run("heal Riley>Jaquez").await, herdctl_teach::operator::Outcome::Done(_)));
    assert!(!herd.network().is_cut("Riley", "Jaquez"));
    // A link cut one way can then be cut both ways; cut both ways, it is cut already.
    assert!(matches!(run("cut Jaquez>Riley").await, herdctl_teach::operator::Outcome::Done(_)));
    assert!(matches!(run("cut Riley Jaquez").await, herdctl_teach::operator::Outcome::Done(_)));
    assert!(herd.network().is_cut_from("Riley", "Jaquez") && herd.network().is_cut_from("Jaquez", "Riley"));
    let again = run("cut Riley Jaquez").await;
    assert!(
        matches!(&again, herdctl_teach::operator::Outcome::Refused(why) if why.contains("already cut")),
        "{again:?}"
    );
    assert!(matches!(run("heal Riley Jaquez").await, herdctl_teach::operator::Outcome::Done(_)));
    all_links_up(&herd).await;
    herd.shutdown().await;
}
