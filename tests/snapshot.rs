//! `herdctl snapshot`: a running node's store copied while a client writes to it, and a node
//! started from the copy answering for every record acknowledged before the copy was asked for;
//! a stopped node's store copied directly. Real processes, real TCP.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;

const NODE: &str = "Riley";

/// A topology of one node on free ports, with a control port (where `snapshot` asks it).
fn topology(dir: &Path) -> (std::path::PathBuf, std::net::SocketAddr) {
    let ports = free_ports(3);
    let text = serde_json::json!({
        "nodes": [{"name": NODE, "host": "127.0.0.1", "port": ports[0], "peer_port": ports[1], "control_port": ports[2]}],
        "links": []
    });
    let path = dir.join(format!("topology-{}.json", ports[0]));
    std::fs::write(&path, text.to_string()).unwrap();
    (path, format!("127.0.0.1:{}", ports[0]).parse().unwrap())
}

use common::Spawned as Node;

async fn start(topology: &Path, data: &Path, logs: &Path, client: std::net::SocketAddr) -> Node {
    let node = Node(
        Command::new(env!("CARGO_BIN_EXE_herdctl"))
            .args(["--headless", "--node", NODE, "--places", "offline", "--topology"])
            .arg(topology)
            .arg("--data-dir")
            .arg(data)
            .arg("--log-dir")
            .arg(logs)
            .env("HERD_KEY", KEY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    eventually("the node answers clients", || async move { tokio::net::TcpStream::connect(client).await.is_ok() })
        .await;
    node
}

async fn snapshot(args: Vec<std::ffi::OsString>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_herdctl")).arg("snapshot").args(args).env("HERD_KEY", KEY).output().unwrap()
    })
    .await
    .unwrap()
}

fn args(data: &Path, out: &Path, topology: Option<&Path>) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> =
        vec!["--node".into(), NODE.into(), "--data-dir".into(), data.into(), "--out".into(), out.into()];
    if let Some(topology) = topology {
        args.extend(["--topology".into(), topology.into()]);
    }
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_taken_while_a_client_writes_holds_every_record_acknowledged_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let (data, logs, out) = (dir.path().join("data"), dir.path().join("logs"), dir.path().join("riley.backup.redb"));
    let (topology, client) = self::topology(dir.path());
    let node = start(&topology, &data, &logs, client).await;

    // A client writes all along; each record it has an AT for is acknowledged (on the disk).
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let id = format!("client{n}");
                let reply = exchange(client, format!("IAMAT {id} +34.068930-118.445127 {}\n", now()).as_bytes()).await;
                if reply.starts_with("AT ") {
                    acknowledged.lock().unwrap().push(id);
                }
            }
        }
    });
    eventually("the client has records acknowledged", || {
        let acknowledged = acknowledged.clone();
        async move { acknowledged.lock().unwrap().len() >= 20 }
    })
    .await;
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let output = snapshot(args(&data, &out, Some(&topology))).await;
    let said = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(said.starts_with(&format!("{NODE}: ")) && said.contains("records in"), "{said}");
    let during = acknowledged.lock().unwrap().len();
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(during > before.len(), "the client kept writing while the snapshot was taken");
    // Nothing of the copy is left in the node's folder.
    let left: Vec<_> = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, [std::ffi::OsString::from(format!("{NODE}.redb"))]);
    drop(node);

    // Restore: the copy as the store of a new node (other ports, another folder).
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::copy(&out, restored.join(format!("{NODE}.redb"))).unwrap();
    let (topology, client) = self::topology(dir.path());
    let _node = start(&topology, &restored, &logs, client).await;
    for id in &before {
        let reply = exchange(client, format!("WHATSAT {id} 10 1\n").as_bytes()).await;
        assert!(reply.starts_with("AT "), "{id} was acknowledged before the snapshot: {reply:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_nodes_store_is_copied_and_a_running_one_needs_its_control_port() {
    let dir = tempfile::tempdir().unwrap();
    let (data, logs) = (dir.path().join("data"), dir.path().join("logs"));
    let (topology, client) = self::topology(dir.path());
    let node = start(&topology, &data, &logs, client).await;
    let reply = exchange(client, format!("IAMAT kiwi +34.068930-118.445127 {}\n", now()).as_bytes()).await;
    assert!(reply.starts_with("AT "), "{reply}");

    // Running, and no topology saying where its control port is (the built-in herd has none).
    let out = dir.path().join("copy.redb");
    let output = snapshot(args(&data, &out, None)).await;
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.contains("control_port"), "{said}");
    assert!(!out.exists());

    // Stopped (killed: its lock on the file goes with it): copied from the file itself.
    drop(node);
    let output = snapshot(args(&data, &out, None)).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), format!("{NODE}: 1 records in {}", out.display()));
    // A second time: the copy is there already, and is not overwritten.
    let output = snapshot(args(&data, &out, None)).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("there already"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_keyed_from_a_key_file_is_asked_with_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let (data, logs) = (dir.path().join("data"), dir.path().join("logs"));
    let (topology, client) = self::topology(dir.path());
    // A keyring of two: the node offers the first and accepts both.
    let keys = dir.path().join("herd.keys");
    std::fs::write(&keys, "# the herd's keys\nnew key, sixteen bytes and more\nold key, sixteen bytes and more\n")
        .unwrap();
    let _node = Node(
        Command::new(env!("CARGO_BIN_EXE_herdctl"))
            .args(["--headless", "--node", NODE, "--places", "offline", "--topology"])
            .arg(&topology)
            .arg("--data-dir")
            .arg(&data)
            .arg("--log-dir")
            .arg(&logs)
            .arg("--key-file")
            .arg(&keys)
            .env_remove("HERD_KEY")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    eventually("the node answers clients", || async move { tokio::net::TcpStream::connect(client).await.is_ok() })
        .await;
    let reply = exchange(client, format!("IAMAT kiwi +34.068930-118.445127 {}\n", now()).as_bytes()).await;
    assert!(reply.starts_with("AT "), "{reply}");
    let ask = |key_file: Option<std::path::PathBuf>, out: std::path::PathBuf| {
        let mut args = args(&data, &out, Some(&topology));
        if let Some(file) = key_file {
            args.extend(["--key-file".into(), file.into()]);
        }
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_herdctl"))
                .arg("snapshot")
                .args(args)
                .env("HERD_KEY", "a key of nobody's, long enough")
                .output()
                .unwrap()
        })
    };
    // HERD_KEY is not the herd's: refused, in one line.
    let refused = ask(None, dir.path().join("refused.redb")).await.unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&refused.stderr).lines().count(), 1, "{refused:?}");
    // Into a folder that is not there: refused before the node is asked, and nothing is left
    // in the node's folder.
    let nowhere = ask(Some(keys.clone()), dir.path().join("no such folder").join("copy.redb")).await.unwrap();
    assert_eq!(nowhere.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("there is no folder"), "{nowhere:?}");
    let left: Vec<_> = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, [std::ffi::OsString::from(format!("{NODE}.redb"))]);
    // The herd's key file (it wins over HERD_KEY): the copy is made.
    let out = dir.path().join("copy.redb");
    let copied = ask(Some(keys.clone()), out.clone()).await.unwrap();
    assert!(copied.status.success(), "{}", String::from_utf8_lossy(&copied.stderr));
    assert_eq!(String::from_utf8_lossy(&copied.stdout).trim(), format!("{NODE}: 1 records in {}", out.display()));
}
