//! The herd over real loopback sockets: flooding, read-your-writes next door, failures and
//! catch-up, and the protection of the peer port (its readable protocol: tests/sealed.rs covers
//! the encrypted one, which runs the same handshake inside).

mod common;

use std::time::Duration;

use common::*;
use herdctl_core::EventKind;
use herdctl_core::key::HerdKey;
use herdctl_core::peer::wire::Message;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const NODES: [&str; 5] = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];

#[tokio::test]
async fn an_iamat_at_riley_is_known_at_all_five() {
    let herd = start_herd().await;
    let reply = ask(&herd, "Riley", &format!("IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 {}\n", now())).await;
    assert!(reply.starts_with("AT Riley +"), "{reply}");
    let at_line = reply.trim_end();
    for node in NODES {
        eventually(&format!("{node} knows kiwi"), || async {
            known_line(&herd, node, "kiwi.cs.ucla.edu").as_deref() == Some(at_line)
        })
        .await;
        let answer = ask(&herd, node, "WHATSAT kiwi.cs.ucla.edu 10 5\n").await;
        assert!(answer.starts_with(&format!("{at_line}\n{{")), "{node}: {answer}");
        assert!(answer.ends_with("}\n\n"), "{node}: {answer}");
    }
    herd.shutdown().await;
}

#[tokio::test]
async fn a_whatsat_next_door_right_after_the_reply_sees_the_record() {
    let herd = start_herd().await;
    for i in 0..50 {
        let client = format!("phone-{i}");
        let reply = ask(&herd, "Riley", &format!("IAMAT {client} +34.1-118.4 {}\n", now())).await;
        // No waiting: the AT reply is only sent once Jaquez has acknowledged the record.
        let next_door = ask(&herd, "Jaquez", &format!("WHATSAT {client} 10 5\n")).await;
        assert!(next_door.starts_with(&reply), "round {i}: {next_door:?} does not start with {reply:?}");
    }
    herd.shutdown().await;
}

#[tokio::test]
async fn with_juzang_and_bernard_down_campbell_is_cut_off_and_catches_up_on_revival() {
    let herd = start_herd().await;
    herd.kill("Juzang").await.unwrap();
    herd.kill("Bernard").await.unwrap();
    for node in ["Juzang", "Bernard"] {
        let refused = TcpStream::connect(herd.client_addr(node).unwrap()).await;
        assert!(refused.is_err(), "{node}'s port still accepts connections");
    }
    let reply = ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    // Acknowledged before the reply: Jaquez has it now.
    assert_eq!(known_line(&herd, "Jaquez", "kiwi").as_deref(), Some(reply.trim_end()));
    assert_eq!(ask(&herd, "Campbell", "WHATSAT kiwi 10 5\n").await, "? WHATSAT kiwi 10 5\n");
    assert_eq!(known_line(&herd, "Campbell", "kiwi"), None);

    herd.revive("Juzang").await.unwrap();
    herd.revive("Bernard").await.unwrap();
    eventually("Campbell catches up without a new IAMAT", || async {
        known_line(&herd, "Campbell", "kiwi").as_deref() == Some(reply.trim_end())
    })
    .await;
    for node in ["Juzang", "Bernard"] {
        assert_eq!(known_line(&herd, node, "kiwi").as_deref(), Some(reply.trim_end()), "{node}");
    }
    herd.shutdown().await;
}

#[tokio::test]
async fn a_killed_node_comes_back_on_the_same_ports_with_its_links() {
    let herd = start_herd().await;
    let before = herd.status();
    herd.kill("Riley").await.unwrap();
    assert!(herd.kill("Riley").await.is_err(), "killing a dead node is an error");
    assert!(!herd.status()[0].up);
    herd.revive("Riley").await.unwrap();
    assert!(herd.revive("Riley").await.is_err(), "reviving a live node is an error");
    assert_eq!(herd.status()[0].client_addr, before[0].client_addr);
    // The port is bound again at once.
    TcpStream::connect(herd.client_addr("Riley").unwrap()).await.expect("Riley accepts again");
    all_links_up(&herd).await;
    herd.shutdown().await;
}

#[tokio::test]
async fn an_older_iamat_is_answered_but_changes_nothing() {
    let herd = start_herd().await;
    let newer = ask(&herd, "Riley", "IAMAT kiwi +10-10 1700000000.5\n").await;
    let older = ask(&herd, "Jaquez", "IAMAT kiwi +20-20 1700000000.4\n").await;
    assert!(older.starts_with("AT Jaquez ") && older.ends_with(" kiwi +20-20 1700000000.4\n"), "{older}");
    // A marker sent after the older IAMAT, over the same links: once every node has it, an
    // older record flooded by mistake would have arrived before it.
    let marker = ask(&herd, "Jaquez", &format!("IAMAT marker +0+0 {}\n", now())).await;
    for node in NODES {
        eventually(&format!("{node} has the marker"), || async {
            known_line(&herd, node, "marker").as_deref() == Some(marker.trim_end())
        })
        .await;
        assert_eq!(known_line(&herd, node, "kiwi").as_deref(), Some(newer.trim_end()), "{node}");
    }
    let whatsat = ask(&herd, "Jaquez", "WHATSAT kiwi 1 1\n").await;
    assert!(whatsat.starts_with(&newer), "the stored AT line is the newer one's: {whatsat}");
    herd.shutdown().await;
}

#[tokio::test]
async fn ties_converge_on_the_same_record_everywhere() {
    let herd = start_herd().await;
    // Same client time at two servers: every node must end with Riley's (the greater name).
    let (at_jaquez, at_riley) = tokio::join!(
        ask(&herd, "Jaquez", "IAMAT twin +1+1 1700000000\n"),
        ask(&herd, "Riley", "IAMAT twin +1+1 1700000000\n"),
    );
    assert!(at_jaquez.starts_with("AT Jaquez"));
    for node in NODES {
        eventually(&format!("{node} settles on Riley's record"), || async {
            known_line(&herd, node, "twin").as_deref() == Some(at_riley.trim_end())
        })
        .await;
    }
    herd.shutdown().await;
}

/// Reads the acceptor's greeting and returns its challenge.
async fn greeting(lines: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    lines.read_line(&mut line).await.unwrap();
    match Message::parse(line.trim_end()) {
        Some(Message::Herd { nonce, .. }) => nonce.to_string(),
        other => panic!("expected a greeting, got {other:?}"),
    }
}

/// Opens `target`'s peer port claiming to be `claimed`, signs the challenge with `key`, sends
/// `after` right behind the HELLO, and returns what comes back until an ACK or the end.
async fn handshake_as(herd: &herdctl_core::Herd, target: &str, claimed: &str, key: &HerdKey, after: &str) -> String {
    let mut lines = BufReader::new(TcpStream::connect(peer_addr(herd, target)).await.unwrap());
    let challenge = greeting(&mut lines).await;
    let digest = herd.topology().digest();
    let proof = key.prove(&["herdctl-peer/1 dialer", &challenge, claimed, target, &digest, "flood"]);
    // It names the herd's key (a fingerprint is no secret), whatever key it holds.
    let named = HerdKey::new(KEY).fingerprint();
    let hello = format!("HELLO {claimed} 00 {proof} {named} {digest} flood\n{after}");
    lines.get_mut().write_all(hello.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let mut line = String::new();
    while lines.read_line(&mut line).await.unwrap_or(0) > 0 {
        answer.push_str(&line);
        line.clear();
        if answer.contains("ACK") {
            break;
        }
    }
    answer
}

/// Kills `neighbour` and waits until `node`'s receiving end of its link has closed: only then
/// may someone else take its name at `node`.
async fn kill_and_unlink(herd: &herdctl_core::Herd, neighbour: &str, node: &str) {
    let mut events = herd.subscribe();
    herd.kill(neighbour).await.unwrap();
    tokio::time::timeout(DEADLINE, async {
        loop {
            let event = events.recv().await.unwrap();
            if let EventKind::PeerClosed { neighbour: from, .. } = &event.kind {
                if &*event.node == node && &**from == neighbour {
                    return;
                }
            }
        }
    })
    .await
    .expect("the link closed at both ends");
}

/// Claims to be Juzang at Campbell's peer port and sends a record for `client`.
async fn inject(herd: &herdctl_core::Herd, key: &HerdKey, client: &str) -> String {
    let record = format!("REC 1 1 AT Juzang +0.000000001 {client} +1+1 {}\n", now());
    handshake_as(herd, "Campbell", "Juzang", key, &record).await
}

#[tokio::test]
async fn a_neighbour_with_the_wrong_key_is_logged_once_not_at_every_redial() {
    let herd = start_plain_herd().await;
    let mut events = herd.subscribe();
    for _ in 0..10 {
        assert_eq!(inject(&herd, &HerdKey::new("a guess"), "mallory").await, "DENIED wrong herd key\n");
    }
    // A marker after the ten: once it is seen, every refusal before it would have been too.
    let marker = ask(&herd, "Campbell", "marker\n").await;
    assert_eq!(marker, "? marker\n");
    let mut rejected = 0;
    loop {
        let event = tokio::time::timeout(DEADLINE, events.recv()).await.unwrap().unwrap();
        match &event.kind {
            EventKind::PeerRejected { reason, .. } => {
                assert_eq!(&**reason, "wrong herd key");
                rejected += 1;
            }
            EventKind::ClientReply { reply, .. } if &**reply == "? marker" => break,
            _ => {}
        }
    }
    assert_eq!(rejected, 1, "ten refusals, one line");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_neighbour_that_falls_silent_is_let_go() {
    let herd = start_plain_herd().await;
    let mut events = herd.subscribe();
    // The real Juzang goes first: a second Juzang beside a linked one is refused.
    kill_and_unlink(&herd, "Juzang", "Campbell").await;
    let mut lines = BufReader::new(TcpStream::connect(peer_addr(&herd, "Campbell")).await.unwrap());
    let challenge = greeting(&mut lines).await;
    let digest = herd.topology().digest();
    let proof = HerdKey::new(KEY).prove(&["herdctl-peer/1 dialer", &challenge, "Juzang", "Campbell", &digest, "flood"]);
    let named = HerdKey::new(KEY).fingerprint();
    lines.get_mut().write_all(format!("HELLO Juzang 00 {proof} {named} {digest} flood\n").as_bytes()).await.unwrap();
    // Accepted, then nothing: no record, no PING, as from a host that vanished without a FIN.
    let mut welcome = String::new();
    lines.read_line(&mut welcome).await.unwrap();
    assert!(welcome.starts_with("WELCOME "), "{welcome}");
    let mut rest = String::new();
    let closed = tokio::time::timeout(DEADLINE, lines.read_line(&mut rest)).await.expect("let go within the deadline");
    assert_eq!(closed.unwrap_or(0), 0, "closed by Campbell, after {rest:?}");
    let reason = loop {
        let event = tokio::time::timeout(DEADLINE, events.recv()).await.unwrap().unwrap();
        if let EventKind::PeerClosed { neighbour, reason } = &event.kind {
            if &*event.node == "Campbell" && &**neighbour == "Juzang" && reason.contains("no answer") {
                break reason.clone();
            }
        }
    };
    assert_eq!(&*reason, "no answer in time");
    herd.shutdown().await;
}

#[tokio::test]
async fn only_a_peer_with_the_herd_key_can_add_records() {
    let herd = start_plain_herd().await;
    let mut events = herd.subscribe();

    let refused = inject(&herd, &HerdKey::new("a guess"), "mallory").await;
    assert_eq!(refused, "DENIED wrong herd key\n");
    let rejected = loop {
        let event = tokio::time::timeout(DEADLINE, events.recv()).await.unwrap().unwrap();
        if let EventKind::PeerRejected { reason, .. } = &event.kind {
            break reason.clone();
        }
    };
    assert_eq!(&*rejected, "wrong herd key");

    // A stranger that skips the handshake is cut off at its first line.
    let peer_addr = peer_addr(&herd, "Campbell");
    let forged = format!("REC 1 1 AT Juzang +0.000000001 mallory +1+1 {}\n", now());
    let mut stream = TcpStream::connect(peer_addr).await.unwrap();
    stream.write_all(forged.as_bytes()).await.unwrap();
    let mut lines = BufReader::new(stream);
    greeting(&mut lines).await;
    let mut rest = String::new();
    assert_eq!(lines.read_line(&mut rest).await.unwrap(), 0, "connection closed after {rest:?}");

    // On the client port, a record line is just an invalid command.
    assert_eq!(ask(&herd, "Campbell", &forged).await, format!("? {}\n", forged.trim_end()));

    // The control: with the herd key, the very same injection is accepted (once the real Juzang
    // is gone: a second Juzang beside a linked one is refused).
    kill_and_unlink(&herd, "Juzang", "Campbell").await;
    let accepted = inject(&herd, &HerdKey::new(KEY), "trusted").await;
    assert!(accepted.starts_with("WELCOME ") && accepted.ends_with("ACK 1\n"), "{accepted}");
    assert!(known_line(&herd, "Campbell", "trusted").is_some());
    for node in NODES {
        assert_eq!(known_line(&herd, node, "mallory"), None, "{node}");
    }
    herd.shutdown().await;
}

#[tokio::test]
async fn a_neighbour_that_is_not_in_the_topology_is_refused() {
    let herd = start_plain_herd().await;
    // Campbell holds the key but is no neighbour of Riley's.
    let answer = handshake_as(&herd, "Riley", "Campbell", &HerdKey::new(KEY), "").await;
    assert_eq!(answer, "DENIED Campbell is not a neighbour here\n");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_hung_neighbour_delays_a_reply_by_at_most_the_bound() {
    let herd = start_plain_herd().await;
    // Pretend to be Riley's neighbour Jaquez's replacement: kill Jaquez and accept Riley's link
    // ourselves, never acknowledging anything. Riley must answer within the bound anyway.
    let jaquez_peer = peer_addr(&herd, "Jaquez");
    herd.kill("Jaquez").await.unwrap();
    let listener = tokio::net::TcpListener::bind(jaquez_peer).await.unwrap();
    let hung = tokio::spawn(async move {
        let mut connections = Vec::new();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let mut lines = BufReader::new(stream);
            // Greet honestly so that the link comes up, then go silent.
            let herd_line = format!("HERD {} Jaquez 00\n", herdctl_core::peer::wire::VERSION);
            lines.get_mut().write_all(herd_line.as_bytes()).await.unwrap();
            let mut hello = String::new();
            lines.read_line(&mut hello).await.unwrap();
            let nonce = hello.split(' ').nth(2).unwrap().to_string();
            let dialer = hello.split(' ').nth(1).unwrap().to_string();
            let proof = HerdKey::new(KEY).prove(&["herdctl-peer/1 acceptor", &nonce, "Jaquez", &dialer]);
            lines.get_mut().write_all(format!("WELCOME {proof}\n").as_bytes()).await.unwrap();
            connections.push(lines);
        }
    });
    eventually("Riley's link to the silent Jaquez is up", || async {
        herd.status()[0].links.iter().any(|(name, up)| &**name == "Jaquez" && *up)
    })
    .await;
    let started = tokio::time::Instant::now();
    let reply = ask(&herd, "Riley", &format!("IAMAT kiwi +1+1 {}\n", now())).await;
    assert!(reply.starts_with("AT Riley"));
    // The bound is 200 ms; allow for a slow machine, but not for waiting on the silent peer.
    assert!(started.elapsed() < Duration::from_secs(2), "reply took {:?}", started.elapsed());
    hung.abort();
    herd.shutdown().await;
}

#[tokio::test]
async fn a_retry_at_a_server_restarted_empty_still_leaves_one_record_everywhere() {
    let herd = start_herd().await;
    let iamat = format!("IAMAT kiwi +34.068930-118.445127 {}\n", now());
    let first = ask(&herd, "Riley", &iamat).await;
    // Riley dies and comes back empty, cut off, so the retry meets no copy of the first answer.
    herd.cut("Riley", "Jaquez").unwrap();
    herd.cut("Riley", "Juzang").unwrap();
    herd.kill("Riley").await.unwrap();
    herd.revive("Riley").await.unwrap();
    let retry = ask(&herd, "Riley", &iamat).await;
    assert_ne!(first, retry, "the same IAMAT, answered again with another time difference");
    herd.heal("Riley", "Jaquez").unwrap();
    herd.heal("Riley", "Juzang").unwrap();
    // The PROTOCOL's last tie-break: the greater AT line, byte-wise, wins on every node.
    let winner = first.clone().max(retry.clone());
    eventually("every node keeps the same AT line", || async {
        NODES.iter().all(|node| known_line(&herd, node, "kiwi").as_deref() == Some(winner.trim_end()))
    })
    .await;
    herd.shutdown().await;
}

#[tokio::test]
async fn with_a_data_dir_a_node_killed_comes_back_with_what_it_had() {
    let dir = tempfile::tempdir().unwrap();
    let topology = std::sync::Arc::new(default_herd_on_free_ports());
    let names = topology.names().to_vec();
    let places = std::sync::Arc::new(herdctl_core::places::NoPlaces);
    let options = herdctl_core::HerdOptions {
        data_dir: Some(dir.path().to_path_buf()),
        ..herdctl_core::HerdOptions::new(HerdKey::new(KEY), places)
    };
    let herd = herdctl_core::Herd::start(topology, &names, options).await.unwrap();
    all_links_up(&herd).await;
    let at = ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    // Riley comes back cut off from everyone: only its disk can give the record back.
    herd.cut("Riley", "Jaquez").unwrap();
    herd.cut("Riley", "Juzang").unwrap();
    herd.kill("Riley").await.unwrap();
    let mut events = herd.subscribe();
    herd.revive("Riley").await.unwrap();
    let restored = loop {
        let event = tokio::time::timeout(DEADLINE, events.recv()).await.unwrap().unwrap();
        if let EventKind::Restored { records } = event.kind {
            break records;
        }
    };
    assert_eq!(restored, 1);
    assert_eq!(known_line(&herd, "Riley", "kiwi").as_deref(), Some(at.trim_end()));
    let whatsat = ask(&herd, "Riley", "WHATSAT kiwi 10 1\n").await;
    assert!(whatsat.starts_with(&at), "{whatsat}");
    herd.shutdown().await;
}

#[tokio::test]
async fn totals_are_exact_whether_anyone_listens_or_not_and_a_reset_zeroes_them() {
    // No log files, no trace and no subscriber: nobody takes the nodes' traffic events.
    let herd = start_herd().await;
    for i in 0..3 {
        ask(&herd, "Riley", &format!("IAMAT quiet-{i} +1+1 {}\n", now())).await;
    }
    for i in 0..3 {
        let client = format!("quiet-{i}");
        eventually("every node knows it", || async { NODES.iter().all(|n| herd.knows(n, &client)) }).await;
    }
    // Each update: one client line and the default herd's 8 records; 4 of those are duplicates.
    // (Every node knowing it is not every copy having arrived: wait for the duplicates too.)
    eventually("every copy arrived", || async { herd.totals().duplicates == 12 }).await;
    let totals = herd.totals();
    assert_eq!((totals.messages, totals.duplicates), (3 * 9, 3 * 4), "{totals:?}");
    herd.reset(DEADLINE).await;
    assert_eq!(herd.totals(), herdctl_core::herd::Totals::default(), "a reset starts every count again");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_plain_dialler_naming_a_key_the_keyring_lacks_is_told_so() {
    let herd = start_plain_herd().await;
    let mut lines = BufReader::new(TcpStream::connect(peer_addr(&herd, "Campbell")).await.unwrap());
    let challenge = greeting(&mut lines).await;
    let digest = herd.topology().digest();
    // A proof made with another herd's key, named by its fingerprint: Campbell's ring lacks it.
    let other = HerdKey::new("another herd's key");
    let proof = other.prove(&["herdctl-peer/1 dialer", &challenge, "Juzang", "Campbell", &digest, "flood"]);
    let hello = format!("HELLO Juzang 00 {proof} {} {digest} flood\n", other.fingerprint());
    lines.get_mut().write_all(hello.as_bytes()).await.unwrap();
    let mut answer = String::new();
    lines.read_line(&mut answer).await.unwrap();
    let told = format!("DENIED no key in the keyring of this node has the fingerprint {}:", other.fingerprint());
    assert!(answer.starts_with(&told), "{answer}");
    herd.shutdown().await;
}
