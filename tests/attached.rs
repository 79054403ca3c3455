//! An attached console's view of a node in another process: a hung node (SIGSTOP) is flagged
//! within about a second and comes back when it resumes, and the reason a node cannot be reached
//! is said again whenever it changes. Real processes, real control ports.

#![cfg(unix)]

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;

use common::*;
use herdctl_control as control;
use herdctl_core::key::HerdKey;
use herdctl_core::places::NoPlaces;
use herdctl_core::secure::Security;
use herdctl_core::{EventKind, Herd, HerdOptions, Topology};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const SECRET: &str = "the attached console's herd key";

/// Solo (with a control port) and an Away node that never runs, on loopback.
fn topology(ports: &[u16]) -> String {
    format!(
        r#"{{"nodes": [{{"name": "Solo", "host": "127.0.0.1", "port": {}, "peer_port": {}, "control_port": {}}},
                       {{"name": "Away", "host": "127.0.0.1", "port": {}, "peer_port": {}}}],
            "links": [["Solo", "Away"]]}}"#,
        ports[0], ports[1], ports[2], ports[3], ports[4]
    )
}

/// Solo as a headless process; what it says on stderr goes to `said`.
fn solo(path: &std::path::Path, logs: &std::path::Path, key: &str, said: &std::path::Path) -> Spawned {
    let child = Command::new(env!("CARGO_BIN_EXE_herdctl"))
        .args(["--headless", "--node", "Solo", "--topology"])
        .arg(path)
        .arg("--log-dir")
        .arg(logs)
        .env("HERD_KEY", key)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(said).unwrap())
        .spawn()
        .unwrap();
    Spawned(child)
}

/// The next `Unreachable` reason said about Solo.
async fn unreachable(events: &mut tokio::sync::broadcast::Receiver<Arc<herdctl_core::HerdEvent>>) -> String {
    loop {
        let event = tokio::time::timeout(DEADLINE, events.recv()).await.expect("said in time").unwrap();
        if let EventKind::Unreachable { reason, .. } = &event.kind {
            return reason.to_string();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_node_is_flagged_within_a_second_and_the_reason_stays_current() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(5);
    let path = dir.path().join("topology.json");
    std::fs::write(&path, topology(&ports)).unwrap();
    let shape = Arc::new(Topology::from_json(&topology(&ports), "attached").unwrap());
    let key = HerdKey::new(SECRET);
    let herd = Herd::bind(shape.clone(), &[], HerdOptions::new(key.clone(), Arc::new(NoPlaces))).unwrap();
    let mut events = herd.subscribe();
    control::follow::attach(&herd, &shape.names()[..1], control::terms(Security::Sealed, &key)).unwrap();
    let solo_reachable = |herd: &Herd| herd.status()[0].reachable;

    // Nothing listens yet: refused.
    assert!(unreachable(&mut events).await.contains("refused"));
    // A Solo with another key: the reason changes, and is said.
    let said = dir.path().join("stderr.txt");
    let stranger = solo(&path, &dir.path().join("logs"), "another herd key, long enough", &said);
    let reason = unreachable(&mut events).await;
    assert!(reason.contains("no key in the keyring of this node"), "{reason}");
    drop(stranger);

    // The right Solo: reachable.
    let node = solo(&path, &dir.path().join("logs"), SECRET, &said);
    assert!(herd.wait_until(DEADLINE, solo_reachable).await, "{:?}", herd.status());

    // Stopped: its stream falls silent, and the node is flagged unreachable within about a
    // second of its last report (reports come four times a second).
    // (The first thing said after the stop is the second of silence, not the ten-second give-up
    // or a broken connection.)
    let mut events = herd.subscribe();
    let pid = Pid::from_raw(node.0.id() as i32);
    kill(pid, Signal::SIGSTOP).unwrap();
    let reason = unreachable(&mut events).await;
    assert!(reason.contains("silent for 1 s"), "{reason}");
    assert!(!solo_reachable(&herd), "{:?}", herd.status());

    // Resumed: it speaks again, and is reachable again.
    kill(pid, Signal::SIGCONT).unwrap();
    assert!(herd.wait_until(DEADLINE, solo_reachable).await, "{:?}", herd.status());

    // An action through the control port is logged by the node with who asked, and how it went.
    herd.kill("Solo").await.unwrap();
    eventually("the node logged the console's kill", || async {
        let text = std::fs::read_to_string(&said).unwrap_or_default();
        text.lines().any(|line| line.contains("KILL from the console at 127.0.0.1:") && line.contains(": done"))
    })
    .await;
    herd.shutdown().await;
    drop(node);
}
