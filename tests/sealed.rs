//! Encrypted peer links (Noise, the default): only holders of the herd key get in, a plain node
//! among encrypted ones is refused with a message saying so at both ends, and nothing a refused
//! connection sends reaches a cache.

mod common;

use std::sync::Arc;

use common::*;
use herdctl_core::key::HerdKey;
use herdctl_core::peer::wire::{Message, PeerStream, VERSION};
use herdctl_core::secure::{self, SealError, Security, Terms};
use herdctl_core::{EventKind, Herd, HerdEvent, HerdOptions, Topology};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::broadcast;

fn terms(key: &str) -> Terms {
    Terms { security: Security::Sealed, keys: HerdKey::new(key).into(), protocol: VERSION }
}

/// The next event matching `wanted`, as text with its node.
async fn next(events: &mut broadcast::Receiver<Arc<HerdEvent>>, wanted: impl Fn(&HerdEvent) -> bool) -> String {
    loop {
        let event = tokio::time::timeout(DEADLINE, events.recv()).await.expect("the event came in time").unwrap();
        if wanted(&event) {
            return format!("{}: {}", event.node, event.kind);
        }
    }
}

#[tokio::test]
async fn a_sealed_peer_port_speaks_noise_and_a_stranger_with_the_wrong_key_is_refused() {
    let herd = start_herd().await;
    let mut events = herd.subscribe();
    let campbell = peer_addr(&herd, "Campbell");

    // What anyone sees first: the offer, in one plain line.
    let mut lines = BufReader::new(TcpStream::connect(campbell).await.unwrap());
    let mut offer = String::new();
    lines.read_line(&mut offer).await.unwrap();
    assert_eq!(offer, format!("SEALED {} {VERSION}\n", secure::PATTERN));
    // A stranger that writes a record in the clear is cut off, and it is stored nowhere.
    let forged = format!("REC 1 1 AT Juzang +0.000000001 mallory +1+1 {}\n", now());
    lines.get_mut().write_all(forged.as_bytes()).await.unwrap();
    let mut rest = String::new();
    assert_eq!(lines.read_line(&mut rest).await.unwrap_or(0), 0, "closed after {rest:?}");

    // The wrong key is named by a fingerprint no key of Campbell's keyring has: refused before
    // the Noise handshake (one that names the herd key's fingerprint without the key fails the
    // handshake itself: secure.rs's tests), nothing decrypted, nothing believed.
    let stream = TcpStream::connect(campbell).await.unwrap();
    let refused = secure::dial(stream, &terms("a guess")).await.err().expect("refused");
    let told =
        format!("no key in the keyring of this node has the fingerprint {}", HerdKey::new("a guess").fingerprint());
    assert!(matches!(&refused, SealError::Denied(reason) if reason.starts_with(&told)), "{refused}");
    let rejected =
        next(&mut events, |e| matches!(&e.kind, EventKind::PeerRejected { reason, .. } if reason.contains("key")))
            .await;
    // (The log escapes the quotes of what came from the wire, the apostrophe too.)
    assert!(rejected.contains(&told.replace('\'', "\\'")), "{rejected}");

    // The control: with the key, the same stranger's record is heard (the text handshake runs
    // inside the sealed channel), once the real Juzang has gone (a second Juzang beside a linked
    // one is refused).
    herd.kill("Juzang").await.unwrap();
    next(&mut events, |e| {
        &*e.node == "Campbell" && matches!(&e.kind, EventKind::PeerClosed { neighbour, .. } if &**neighbour == "Juzang")
    })
    .await;
    let stream = TcpStream::connect(campbell).await.unwrap();
    let (reader, writer, first) = secure::dial(stream, &terms(KEY)).await.expect("sealed with the key");
    assert!(first.is_none(), "a sealed connection has no plain greeting");
    let mut peer = PeerStream::new(reader, writer, first);
    let greeting = peer.receive().await.unwrap();
    let Some(Message::Herd { nonce, .. }) = Message::parse(&greeting) else { panic!("{greeting}") };
    let digest = herd.topology().digest();
    let proof = HerdKey::new(KEY).prove(&["herdctl-peer/1 dialer", nonce, "Juzang", "Campbell", &digest, "flood"]);
    let key = HerdKey::new(KEY).fingerprint();
    let hello =
        Message::Hello { node: "Juzang", nonce: "00", proof: &proof, key: &key, topology: &digest, strategy: "flood" };
    peer.send(&hello).await.unwrap();
    assert!(peer.receive().await.unwrap().starts_with("WELCOME "));
    let line = format!("AT Juzang +0.000000001 trusted +1+1 {}", now());
    peer.send(&Message::Record { seq: 1, hops: 1, at_line: &line, catch_up: false, flooding: false }).await.unwrap();
    assert_eq!(peer.receive().await.unwrap(), "ACK 1");
    assert!(known_line(&herd, "Campbell", "trusted").is_some());
    for node in ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"] {
        assert_eq!(known_line(&herd, node, "mallory"), None, "{node}");
    }
    herd.shutdown().await;
}

/// The default herd on fixed free ports, so that two herds in this process make one.
fn herd_on(ports: &[u16]) -> Arc<Topology> {
    let dir = tempfile::tempdir().unwrap();
    Arc::new(Topology::load(Some(&write_topology(dir.path(), ports))).unwrap())
}

async fn part(topology: &Arc<Topology>, names: &[&str], security: Security) -> Herd {
    start_part(topology, names, HerdOptions { security, ..part_options() }).await
}

#[tokio::test]
async fn a_plain_node_among_sealed_ones_is_refused_at_both_ends_with_a_clear_message() {
    let topology = herd_on(&free_ports(10));
    let sealed = part(&topology, &["Riley", "Jaquez", "Juzang", "Bernard"], Security::Sealed).await;
    let mut sealed_events = sealed.subscribe();
    let plain = part(&topology, &["Campbell"], Security::Plain).await;
    let mut plain_events = plain.subscribe();

    // Campbell dials Juzang and Bernard, and is told why not.
    let dialled = next(&mut plain_events, |e| matches!(e.kind, EventKind::LinkFailed { .. })).await;
    assert!(dialled.contains("this side uses --plain-links and the other encrypts its connections"), "{dialled}");
    // Juzang and Bernard dial Campbell, and are told why not.
    let dialling = next(&mut sealed_events, |e| matches!(e.kind, EventKind::LinkFailed { .. })).await;
    assert!(dialling.contains("this side encrypts its connections and the other uses --plain-links"), "{dialling}");
    // The acceptors log the refusal with the same reason, as they see it.
    let at_sealed = next(&mut sealed_events, |e| matches!(e.kind, EventKind::PeerRejected { .. })).await;
    assert!(at_sealed.contains("the other uses --plain-links"), "{at_sealed}");
    let at_plain = next(&mut plain_events, |e| matches!(e.kind, EventKind::PeerRejected { .. })).await;
    assert!(at_plain.contains("the other encrypts its connections"), "{at_plain}");

    // Nothing crosses: Campbell's client is not flooded to its sealed neighbours.
    let reply = ask(&plain, "Campbell", &format!("IAMAT lonely +1+1 {}\n", now())).await;
    assert!(reply.starts_with("AT Campbell"), "{reply}");
    let status = plain.status();
    assert!(status[0].links.iter().all(|(_, up)| !up), "no link of Campbell's came up: {status:?}");
    assert_eq!(known_line(&sealed, "Juzang", "lonely"), None);
    plain.shutdown().await;
    sealed.shutdown().await;
}

#[tokio::test]
async fn sealed_nodes_in_two_herds_form_one() {
    let topology = herd_on(&free_ports(10));
    let four = part(&topology, &["Riley", "Jaquez", "Juzang", "Bernard"], Security::Sealed).await;
    let one = part(&topology, &["Campbell"], Security::Sealed).await;
    assert!(one.wait_linked(DEADLINE).await, "Campbell links to its neighbours: {:?}", one.status());
    let reply = ask(&one, "Campbell", &format!("IAMAT kiwi +1+1 {}\n", now())).await;
    eventually("Riley, two sealed hops away, knows kiwi", || async {
        known_line(&four, "Riley", "kiwi").as_deref() == Some(reply.trim_end())
    })
    .await;
    one.shutdown().await;
    four.shutdown().await;
}
