//! The operator's commands as the console and walkthroughs carry them out, over real sockets:
//! what each says it did is what the herd did, and a herd split over processes is still one herd.

mod common;

use std::sync::Arc;

use common::*;
use herdctl_core::event::EventKind;
use herdctl_core::key::HerdKey;
use herdctl_core::network::Mode;
use herdctl_core::places::NoPlaces;
use herdctl_core::{Herd, HerdOptions, Topology};
use herdctl_teach::command::Command;
use herdctl_teach::operator::{Outcome, execute};
use herdctl_teach::trace::{Kind, Trace};

async fn run(herd: &Herd, command: &str) -> Outcome {
    execute(herd, &Command::parse(command).unwrap(), "Riley").await
}

fn done(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::Done(text) => text,
        other => panic!("expected done, got {other:?}"),
    }
}

fn refused(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::Refused(text) => text,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn commands_say_what_they_did_and_refuse_what_they_cannot_do() {
    let herd = start_herd().await;
    assert_eq!(refused(&run(&herd, "heal Riley Jaquez").await), "the link Riley–Jaquez is not cut");
    assert_eq!(done(&run(&herd, "cut Riley Jaquez").await), "cut Riley–Jaquez");
    assert_eq!(refused(&run(&herd, "cut Jaquez Riley").await), "the link Jaquez–Riley is already cut");
    assert!(done(&run(&herd, "heal Jaquez Riley").await).starts_with("healed Jaquez–Riley"));
    assert!(refused(&run(&herd, "kill Nobody").await).starts_with("unknown node \"Nobody\"; the nodes are Riley"));
    assert!(refused(&run(&herd, "iamat Rilye kiwi +1+1").await).starts_with("unknown node \"Rilye\""));

    // A check that fails says what was expected, the right way round.
    ask(&herd, "Riley", &format!("IAMAT fig +1+1 {}\n", now())).await;
    all_links_up(&herd).await;
    eventually("Campbell knows fig", || async { known_line(&herd, "Campbell", "fig").is_some() }).await;
    let checked = run(&herd, "expect Campbell lacks fig").await;
    assert_eq!(
        checked,
        Outcome::Checked { held: false, text: "expected Campbell to lack fig, but it knows it".into() }
    );

    // Killing a node in step mode says what it took with it.
    herd.set_mode(Mode::Step);
    ask(&herd, "Riley", &format!("IAMAT kiwi +1+1 {}\n", now())).await;
    let mut changes = herd.network().watch();
    while herd.network().held().len() < 2 {
        tokio::time::timeout(DEADLINE, changes.changed()).await.unwrap().unwrap();
    }
    let text = done(&run(&herd, "kill Jaquez").await).to_string();
    assert_eq!(text, "killed Jaquez: its ports refuse connections; 1 held message was lost with its links");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_trace_joins_every_receive_to_its_send_catch_up_and_faults_included() {
    let trace = Arc::new(Trace::default());
    let topology = Arc::new(default_herd_on_free_ports());
    let names = topology.names().to_vec();
    let options = HerdOptions {
        recorder: Some(trace.recorder().clone()),
        ..HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces))
    };
    let herd = Herd::start(topology, &names, options).await.unwrap();
    all_links_up(&herd).await;
    let mut events = herd.subscribe();
    run(&herd, "kill Juzang").await;
    ask(&herd, "Riley", &format!("IAMAT kiwi +1+1 {}\n", now())).await;
    run(&herd, "cut Riley Jaquez").await;
    run(&herd, "revive Juzang").await;
    // Juzang catches up from its neighbours; wait until it has kiwi and every link is up again.
    tokio::time::timeout(DEADLINE, async {
        loop {
            let event = events.recv().await.unwrap();
            if &*event.node == "Juzang" && matches!(event.kind, EventKind::CacheUpdated { catch_up: true, .. }) {
                return;
            }
        }
    })
    .await
    .expect("Juzang catches up");
    run(&herd, "heal Riley Jaquez").await;
    all_links_up(&herd).await;
    herd.shutdown().await;

    let (entries, _) = trace.entries();
    let faults: Vec<&str> = entries.iter().filter(|e| e.kind == Kind::Fault).map(|e| e.text.as_str()).collect();
    for fault in
        ["node down: ports closed", "link to Jaquez cut by the operator", "link to Jaquez healed by the operator"]
    {
        assert!(faults.contains(&fault), "{fault} missing from {faults:?}");
    }
    assert!(faults.iter().filter(|f| f.starts_with("node up")).count() >= 6, "five starts and a revive: {faults:?}");
    let catch_up = |kind: Kind| entries.iter().filter(|e| e.kind == kind && e.catch_up == Some(true)).count();
    assert!(catch_up(Kind::PeerReceive) > 0, "the catch-up is in the trace");
    // Every receive has its send: per link and record, never more receives than sends.
    for receive in entries.iter().filter(|e| e.kind == Kind::PeerReceive) {
        let same = |e: &&herdctl_teach::trace::Row| e.record == receive.record;
        let sends = entries
            .iter()
            .filter(|e| {
                e.kind == Kind::PeerSend
                    && &*e.node == receive.peer.as_deref().unwrap()
                    && e.peer.as_deref() == Some(&*receive.node)
            })
            .filter(same)
            .count();
        let receives = entries
            .iter()
            .filter(|e| e.kind == Kind::PeerReceive && e.node == receive.node && e.peer == receive.peer)
            .filter(same)
            .count();
        assert!(sends >= receives, "{receive:?} arrived {receives} times but was sent {sends}");
    }
}

#[tokio::test]
async fn a_herd_split_over_processes_is_one_herd_to_its_operator() {
    let dir = tempfile::tempdir().unwrap();
    let topology = Arc::new(Topology::load(Some(&write_topology(dir.path(), &free_ports(10)))).unwrap());
    let start = |names: &[&str]| {
        let topology = topology.clone();
        let names = topology.select(&names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
        async move {
            let options = HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces));
            Herd::start(topology, &names, options).await.unwrap()
        }
    };
    let here = start(&["Riley", "Jaquez", "Juzang", "Bernard"]).await;
    let elsewhere = start(&["Campbell"]).await;
    assert!(here.wait_linked(DEADLINE).await && elsewhere.wait_linked(DEADLINE).await);
    // Client commands reach Campbell at its topology address, although another herd runs it.
    let reply = run(&here, "iamat Campbell lemon +1+1").await;
    let Outcome::Reply { node, reply, .. } = reply else { panic!("{reply:?}") };
    assert!(node == "Campbell" && reply.starts_with("AT Campbell"), "{reply}");
    eventually("lemon reaches Riley", || async { known_line(&here, "Riley", "lemon").is_some() }).await;
    // But only the process that runs a node can kill it.
    let text = refused(&run(&here, "kill Campbell").await).to_string();
    assert_eq!(
        text,
        "Campbell runs in another process: this console can kill only the nodes it runs or attaches to (--attach)"
    );
    let text = refused(&run(&here, "revive Campbell").await).to_string();
    assert_eq!(
        text,
        "Campbell runs in another process: this console can revive only the nodes it runs or attaches to (--attach)"
    );
    here.shutdown().await;
    elsewhere.shutdown().await;
}

#[tokio::test]
async fn whatsat_all_asks_every_server_and_shows_who_answers_what() {
    let herd = start_herd().await;
    let Outcome::Reply { reply: first, .. } = run(&herd, "iamat Riley kiwi +34.068930-118.445127").await else {
        panic!("a reply")
    };
    let first = first.trim_end().to_string();
    for node in ["Jaquez", "Juzang", "Campbell", "Bernard"] {
        eventually("kiwi reaches every node", || async { known_line(&herd, node, "kiwi").is_some() }).await;
    }
    // Riley alone hears kiwi's next report; Bernard goes down.
    run(&herd, "cut Riley Jaquez").await;
    run(&herd, "cut Riley Juzang").await;
    let Outcome::Reply { reply: second, .. } = run(&herd, "iamat Riley kiwi +34.068930-118.445127").await else {
        panic!("a reply")
    };
    let second = second.trim_end().to_string();
    assert_ne!(first, second);
    done(&run(&herd, "kill Bernard").await);
    let outcome = run(&herd, "whatsat all kiwi 10 5").await;
    let Outcome::Answers { line, answers } = &outcome else { panic!("{outcome:?}") };
    assert_eq!(line, "WHATSAT kiwi 10 5");
    let firsts: Vec<(&str, &str)> =
        answers.iter().map(|(node, reply)| (node.as_str(), reply.lines().next().unwrap_or_default())).collect();
    assert_eq!(
        firsts,
        [
            ("Riley", second.as_str()),
            ("Jaquez", first.as_str()),
            ("Juzang", first.as_str()),
            ("Campbell", first.as_str()),
            ("Bernard", "(Bernard is down: not asked)"),
        ]
    );
    // Each answer is the whole WHATSAT reply: its AT line, the places, a blank line.
    assert!(answers[0].1.ends_with("\n\n"), "{:?}", answers[0].1);
    let stamp = |line: &str| line.rsplit(' ').next().unwrap().to_string();
    assert_eq!(
        herdctl_teach::outcome::answers_summary(answers),
        format!(
            "3 AT Riley …{} (Jaquez, Juzang, Campbell) · 1 AT Riley …{} (Riley) · 1 down (Bernard)",
            stamp(&first),
            stamp(&second)
        )
    );
    // A client no server knows: each says `?`.
    let Outcome::Answers { answers, .. } = run(&herd, "whatsat all fig 10 5").await else { panic!("answers") };
    assert_eq!(
        herdctl_teach::outcome::answers_summary(&answers),
        "4 ? (Riley, Jaquez, Juzang, Campbell) · 1 down (Bernard)"
    );
    herd.shutdown().await;
}
