//! Neighbours that run different herds (another topology file, another strategy) are refused at
//! the handshake, with both sides' values in both logs: real processes, real sockets.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Spawned, free_ports};
use herdctl_core::Topology;

const DEADLINE: Duration = Duration::from_secs(20);

/// Two linked nodes on `ports`; `extra` adds an unlinked third, which makes another herd.
fn pair(path: &Path, ports: &[u16], extra: bool) -> PathBuf {
    let third = if extra { r#", {"name": "Extra", "host": "127.0.0.1", "port": 1, "peer_port": 2}"# } else { "" };
    let text = format!(
        r#"{{"nodes": [{{"name": "Solo", "host": "127.0.0.1", "port": {}, "peer_port": {}}},
                       {{"name": "Away", "host": "127.0.0.1", "port": {}, "peer_port": {}}}{third}],
            "links": [["Solo", "Away"]]}}"#,
        ports[0], ports[1], ports[2], ports[3]
    );
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn node(name: &str, topology: &Path, logs: &Path, flags: &[&str]) -> Spawned {
    let child = Command::new(env!("CARGO_BIN_EXE_herdctl"))
        .args(["--headless", "--node", name, "--topology"])
        .arg(topology)
        .arg("--log-dir")
        .arg(logs)
        .args(flags)
        .env("HERD_KEY", "a key for the skew tests")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Spawned(child)
}

/// Waits until `file` has a line with every one of `words`; returns it.
fn logged(file: &Path, words: &[&str]) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if let Some(line) = text.lines().find(|line| words.iter().all(|word| line.contains(word))) {
            return line.to_string();
        }
        assert!(start.elapsed() < DEADLINE, "{} never said {words:?}:\n{text}", file.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn neighbours_with_different_topologies_are_refused_naming_both_digests() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(4);
    let (ours, theirs) =
        (pair(&dir.path().join("a.json"), &ports, false), pair(&dir.path().join("b.json"), &ports, true));
    let digest = |path: &Path| Topology::load(Some(path)).unwrap().digest();
    let (solo_digest, away_digest) = (digest(&ours), digest(&theirs));
    assert_ne!(solo_digest, away_digest);
    let logs = dir.path().join("logs");
    let _solo = node("Solo", &ours, &logs, &[]);
    let _away = node("Away", &theirs, &logs, &[]);
    for file in ["Solo.log", "Away.log"] {
        let line = logged(&logs.join(file), &["the topology differs", &solo_digest, &away_digest]);
        assert!(line.contains("give every node the same topology file"), "{line}");
    }
    let solo = std::fs::read_to_string(logs.join("Solo.log")).unwrap();
    assert!(!solo.contains("link to Away up"), "never linked: {solo}");
}

#[test]
fn neighbours_with_different_strategies_are_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(4);
    let topology = pair(&dir.path().join("herd.json"), &ports, false);
    let logs = dir.path().join("logs");
    let _solo = node("Solo", &topology, &logs, &[]);
    let _away = node("Away", &topology, &logs, &["--strategy", "tree"]);
    for file in ["Solo.log", "Away.log"] {
        let line = logged(&logs.join(file), &["the strategy differs"]);
        assert!(line.contains("Solo has flood") || line.contains("Away has tree"), "{line}");
        assert!(line.contains("flood") && line.contains("tree"), "both sides' values: {line}");
    }
}
