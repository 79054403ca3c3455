//! A node's log file with real processes: levels and JSON lines, size-based rotation with a
//! count, and SIGHUP reopening the file (logrotate's way) instead of ending the node.

#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Spawned, free_ports};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const DEADLINE: Duration = Duration::from_secs(20);

/// Polls until `check` holds, failing at the deadline.
fn until(what: &str, check: impl Fn() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Solo alone (its neighbour never runs) on loopback, logging into `dir/logs` with `flags`;
/// returns the process and Solo's client port.
fn solo(dir: &Path, flags: &[&str]) -> (Spawned, u16) {
    let ports = free_ports(4);
    let text = format!(
        r#"{{"nodes": [{{"name": "Solo", "host": "127.0.0.1", "port": {}, "peer_port": {}}},
                       {{"name": "Away", "host": "127.0.0.1", "port": {}, "peer_port": {}}}],
            "links": [["Solo", "Away"]]}}"#,
        ports[0], ports[1], ports[2], ports[3]
    );
    let topology = dir.join("solo.json");
    std::fs::write(&topology, text).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_herdctl"))
        .args(["--headless", "--node", "Solo", "--topology"])
        .arg(&topology)
        .arg("--log-dir")
        .arg(dir.join("logs"))
        .args(flags)
        .env("HERD_KEY", "a key for the log tests")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let node = Spawned(child);
    until("Solo answers", || TcpStream::connect(("127.0.0.1", ports[0])).is_ok());
    (node, ports[0])
}

fn ask(port: u16, text: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(text.as_bytes()).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn stop(mut node: Spawned) {
    kill(Pid::from_raw(node.0.id() as i32), Signal::SIGTERM).unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = node.0.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < DEADLINE, "the node did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn at_info_in_json_the_file_keeps_the_nodes_story_and_not_its_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let (node, port) = solo(dir.path(), &["--log-level", "info", "--log-format", "json"]);
    assert!(ask(port, "IAMAT kiwi +1+1 1\n").starts_with("AT Solo "));
    assert_eq!(ask(port, "HELLO\n"), "? HELLO\n");
    stop(node);
    let text = read(&dir.path().join("logs/Solo.log"));
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect(l)).collect();
    assert!(lines.iter().all(|l| l["node"] == "Solo" && l["time"].is_string()), "{text}");
    let said = |level: &str, words: &str| {
        lines.iter().any(|l| l["level"] == level && l["message"].as_str().unwrap().contains(words))
    };
    assert!(said("info", "node up") && said("info", "node down"), "{text}");
    assert!(!text.contains("IAMAT") && !text.contains("HELLO"), "no client line at info: {text}");
    assert!(lines.iter().all(|l| l["level"] != "debug"), "{text}");
}

#[test]
fn past_its_size_the_file_is_rotated_keeping_the_count_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (node, port) = solo(dir.path(), &["--log-max-size", "4KiB", "--log-keep", "2"]);
    let logs = dir.path().join("logs");
    for i in 0..100 {
        assert!(ask(port, &format!("IAMAT client{i:03} +1+1 {i}\n")).starts_with("AT Solo "));
    }
    until("two rotations", || logs.join("Solo.log.2").exists());
    stop(node);
    assert!(!logs.join("Solo.log.3").exists(), "two kept");
    let older = read(&logs.join("Solo.log.1"));
    // Rotated once past its bound, which it outgrows by one line at most.
    let longest = older.lines().map(str::len).max().unwrap_or(0) + 1;
    assert!((4096..4096 + longest).contains(&older.len()), "{}", older.len());
    let current = read(&logs.join("Solo.log"));
    assert!(current.contains("IAMAT client099") && current.trim_end().ends_with("node down: ports closed"));
    for text in [older, current, read(&logs.join("Solo.log.2"))] {
        assert!(text.lines().all(|l| l.len() > 27 && l.as_bytes()[10] == b'T'), "whole stamped lines: {text}");
    }
}

#[test]
fn sighup_reopens_the_file_after_logrotate_moved_it_and_the_node_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let (node, port) = solo(dir.path(), &[]);
    let (log, moved) = (dir.path().join("logs/Solo.log"), dir.path().join("logs/Solo.log.moved"));
    assert!(ask(port, "IAMAT before +1+1 1\n").starts_with("AT Solo "));
    until("the first client is logged", || read(&log).contains("IAMAT before"));
    std::fs::rename(&log, &moved).unwrap();
    kill(Pid::from_raw(node.0.id() as i32), Signal::SIGHUP).unwrap();
    until("a new file is opened", || log.exists());
    assert!(ask(port, "IAMAT after +1+1 2\n").starts_with("AT Solo "), "still serving");
    stop(node);
    let (old, new) = (read(&moved), read(&log));
    assert!(old.contains("IAMAT before") && !old.contains("IAMAT after"), "{old}");
    assert!(new.contains("IAMAT after") && !new.contains("IAMAT before"), "{new}");
    assert!(new.trim_end().ends_with("node down: ports closed"), "flushed on the way out: {new}");
}
