//! The herd key: a weak or public key stops a node that others can reach, a key file does what
//! `HERD_KEY` does, and a second node claiming a name already linked is refused and logged.

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use herdctl_core::{EventKind, Topology};

const STRONG: &str = "3f1c9e0a7b2d4c6e8f0a1b2c3d4e5f60";

fn herdctl() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herdctl"));
    command.env_remove("HERD_KEY").env_remove("HERD_KEY_FILE").env("RUST_BACKTRACE", "1").stdin(Stdio::null());
    command
}

/// A two-node topology on free ports at `host`, in `dir`, of which Solo alone is run (so that no
/// key is made up for a whole herd in one process); returns it and Solo's client port.
fn solo(dir: &std::path::Path, host: &str) -> (std::path::PathBuf, u16) {
    let ports = free_ports(4);
    let text = format!(
        r#"{{"nodes": [{{"name": "Solo", "host": "{host}", "port": {}, "peer_port": {}}},
                       {{"name": "Away", "host": "{host}", "port": {}, "peer_port": {}}}],
            "links": [["Solo", "Away"]]}}"#,
        ports[0], ports[1], ports[2], ports[3]
    );
    let path = dir.join("solo.json");
    std::fs::write(&path, text).unwrap();
    (path, ports[0])
}

/// Runs Solo headless as `configure` says, listening on `bind`, until it answers a client (the
/// running node) or exits (what it said on stderr).
fn start(dir: &std::path::Path, bind: &str, configure: impl FnOnce(&mut Command)) -> Result<Spawned, String> {
    let (topology, port) = solo(dir, "127.0.0.1");
    let mut command = herdctl();
    command.args(["--headless", "--node", "Solo", "--bind", bind, "--topology"]).arg(&topology);
    command.arg("--log-dir").arg(dir.join("logs")).stdout(Stdio::null()).stderr(Stdio::piped());
    configure(&mut command);
    let mut node = Spawned(command.spawn().unwrap());
    let started = Instant::now();
    loop {
        if let Some(status) = node.0.try_wait().unwrap() {
            assert!(!status.success(), "a refused start exits non-zero");
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut node.0.stderr.take().unwrap(), &mut stderr).unwrap();
            assert!(!stderr.contains("backtrace") && !stderr.contains("panicked"), "{stderr}");
            return Err(stderr);
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(node);
        }
        assert!(started.elapsed() < Duration::from_secs(20), "Solo neither answered nor exited");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_weak_or_public_key_stops_a_node_others_can_reach_and_loopback_keeps_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let short = start(dir.path(), "0.0.0.0", |c| {
        c.env("HERD_KEY", "k1");
    })
    .err()
    .expect("refused");
    assert!(short.contains("2 bytes long") && short.contains("0.0.0.0") && short.contains("--key-file"), "{short}");
    let shipped = start(dir.path(), "0.0.0.0", |c| {
        c.env("HERD_KEY", "change-me-before-deploying");
    });
    assert!(shipped.err().expect("refused").contains("public"));
    let unset = start(dir.path(), "0.0.0.0", |_| {}).err().expect("refused");
    assert!(unset.contains("public") && unset.contains("demo key"), "{unset}");
    // On loopback nobody else can reach the node: the demo key and short keys still do.
    drop(
        start(dir.path(), "127.0.0.1", |c| {
            c.env("HERD_KEY", "k1");
        })
        .expect("a loopback node starts"),
    );
    drop(start(dir.path(), "127.0.0.1", |_| {}).expect("with the demo key"));
}

#[test]
fn a_key_file_from_the_flag_or_the_environment_guards_a_reachable_node() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("herd.key");
    std::fs::write(&key, format!("{STRONG}\n")).unwrap();
    drop(
        start(dir.path(), "0.0.0.0", |c| {
            c.arg("--key-file").arg(&key);
        })
        .expect("starts with --key-file"),
    );
    drop(
        start(dir.path(), "0.0.0.0", |c| {
            c.env("HERD_KEY_FILE", &key);
        })
        .expect("starts with HERD_KEY_FILE"),
    );
    // The file wins over HERD_KEY, so a weak one in the file is refused even beside a strong HERD_KEY.
    std::fs::write(&key, "short\n").unwrap();
    let weak = start(dir.path(), "0.0.0.0", |c| {
        c.arg("--key-file").arg(&key).env("HERD_KEY", STRONG);
    });
    assert!(weak.err().expect("refused").contains("5 bytes long"));
    let missing = start(dir.path(), "0.0.0.0", |c| {
        c.arg("--key-file").arg(dir.path().join("nowhere"));
    });
    let missing = missing.err().expect("refused");
    assert!(missing.contains("--key-file") && missing.contains("nowhere"), "{missing}");
}

#[tokio::test]
async fn a_second_node_claiming_a_name_already_linked_is_refused_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let real = Arc::new(Topology::load(Some(&write_topology(dir.path(), &ports))).unwrap());
    // The same herd where Jaquez has other ports: a second Jaquez, with the key, dials Riley.
    let other = tempfile::tempdir().unwrap();
    let mut moved = ports.clone();
    moved[2..4].copy_from_slice(&free_ports(2));
    let impostor_view = Arc::new(Topology::load(Some(&write_topology(other.path(), &moved))).unwrap());
    let names = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];
    let herd = start_part(&real, &names, part_options()).await;
    all_links_up(&herd).await;
    let mut events = herd.subscribe();
    let impostor = start_part(&impostor_view, &["Jaquez"], part_options()).await;

    let refused = tokio::time::timeout(DEADLINE, async {
        loop {
            let event = events.recv().await.unwrap();
            if let EventKind::PeerRejected { reason, .. } = &event.kind {
                if &*event.node == "Riley" {
                    return reason.to_string();
                }
            }
        }
    })
    .await
    .expect("Riley refuses the second Jaquez");
    assert!(refused.contains("Jaquez is already linked here") && refused.contains("a second Jaquez"), "{refused}");
    let riley = impostor.status().into_iter().find(|n| &*n.name == "Jaquez").unwrap();
    assert!(riley.links.iter().all(|(_, up)| !up), "the impostor has no link: {riley:?}");
    assert!(herd.status().iter().all(|n| n.links.iter().all(|(_, up)| *up)), "the real herd is untouched");
    impostor.shutdown().await;
    herd.shutdown().await;
}
