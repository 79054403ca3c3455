//! A real full disk: a headless node with `--data-dir` on a small tmpfs, mounted in a user and
//! mount namespace of the test's own (`unshare -rm`), filled up, freed, and the node killed with
//! -9 and started again. Every record the node acknowledged with an AT line is still there.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_ports, sample};

/// Runs inside the namespace: mounts the tmpfs over the data folder, then carries out one
/// command a line (start, kill, fill, free), answering each with `done`.
const DRIVER: &str = r#"
set -eu
mount -t tmpfs -o size=16m herdctl-full-disk "$DATA"
pid=
echo done
while read -r command; do
  case "$command" in
    start) "$HERDCTL" --headless --topology "$TOPOLOGY" --data-dir "$DATA" --log-dir "$LOGS" \
             --metrics "$METRICS" </dev/null >/dev/null 2>>"$LOGS/stderr" & pid=$! ;;
    kill) kill -9 "$pid"; wait "$pid" || true ;;
    fill) dd if=/dev/zero of="$DATA/filler" bs=64k 2>/dev/null || true ;;
    free) rm -f "$DATA/filler" ;;
  esac
  echo done
done
"#;

struct Namespace {
    child: Child,
    commands: ChildStdin,
    answers: BufReader<ChildStdout>,
}

impl Namespace {
    fn tell(&mut self, command: &str) {
        writeln!(self.commands, "{command}").unwrap();
        self.commands.flush().unwrap();
        let mut answer = String::new();
        self.answers.read_line(&mut answer).unwrap();
        assert_eq!(answer.trim(), "done", "the namespace did not carry out {command:?}");
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        // Killing unshare kills the namespace's first process, and with it every other one.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether this machine lets an unprivileged process mount a tmpfs in namespaces of its own.
fn namespaces_allowed() -> bool {
    Command::new("unshare")
        .args(["-rm", "--fork", "--pid", "--kill-child", "sh", "-c", "mount -t tmpfs none /mnt"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// One line sent, one line read back (a client keeps its connection).
struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Self {
        let started = Instant::now();
        loop {
            if let Ok(stream) = TcpStream::connect(addr) {
                stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                return Self { reader: BufReader::new(stream) };
            }
            assert!(started.elapsed() < Duration::from_secs(20), "the node never took clients");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn ask(&mut self, line: &str) -> String {
        // One write a line: a line split over two segments waits out the neighbour's delayed ACK.
        self.reader.get_mut().write_all(format!("{line}\n").as_bytes()).unwrap();
        let mut reply = String::new();
        self.reader.read_line(&mut reply).unwrap();
        reply.trim_end().to_string()
    }

    /// A WHATSAT's reply ends with an empty line; `?` is one line.
    fn whatsat(&mut self, client: &str) -> String {
        let first = self.ask(&format!("WHATSAT {client} 1 1"));
        if first.starts_with("AT ") {
            let mut line = String::new();
            while self.reader.read_line(&mut line).unwrap() > 0 && line != "\n" {
                line.clear();
            }
        }
        first
    }
}

fn iamat(client: &mut Client, id: &str) -> bool {
    let reply = client.ask(&format!("IAMAT {id} +34.068930-118.445127 {}", common::now()));
    assert!(reply.starts_with("AT ") || reply.starts_with("? IAMAT"), "{reply}");
    reply.starts_with("AT ")
}

fn readyz(metrics: SocketAddr) -> String {
    let mut stream = TcpStream::connect(metrics).unwrap();
    write!(stream, "GET /readyz HTTP/1.1\r\nHost: herd\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut stream, &mut text).unwrap();
    text
}

#[test]
fn a_full_disk_loses_no_acknowledged_record_and_writing_resumes_when_space_returns() {
    if !namespaces_allowed() {
        return common::missing_tool("an unprivileged mount namespace (`unshare -rm` mounting a tmpfs)");
    }
    let dir = tempfile::tempdir().unwrap();
    let (data, logs) = (dir.path().join("data"), dir.path().join("logs"));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&logs).unwrap();
    let ports = free_ports(3);
    let topology = dir.path().join("solo.json");
    let solo = format!(
        r#"{{"nodes": [{{"name": "Solo", "host": "127.0.0.1", "port": {}, "peer_port": {}}}], "links": []}}"#,
        ports[0], ports[1]
    );
    std::fs::write(&topology, solo).unwrap();
    let metrics = SocketAddr::from(([127, 0, 0, 1], ports[2]));
    // A PID namespace too, whose processes all die with it: a node the test started never
    // outlives the test, however it ends.
    let mut child = Command::new("unshare")
        .args(["-rm", "--fork", "--pid", "--kill-child", "sh", "-c", DRIVER])
        .env("DATA", &data)
        .env("LOGS", &logs)
        .env("TOPOLOGY", &topology)
        .env("METRICS", metrics.to_string())
        .env("HERDCTL", env!("CARGO_BIN_EXE_herdctl"))
        .env("HERD_KEY", "full disk test key")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (commands, answers) = (child.stdin.take().unwrap(), BufReader::new(child.stdout.take().unwrap()));
    let mut namespace = Namespace { child, commands, answers };
    let mut mounted = String::new();
    namespace.answers.read_line(&mut mounted).unwrap();
    assert_eq!(mounted.trim(), "done", "the tmpfs was mounted");

    namespace.tell("start");
    let node = SocketAddr::from(([127, 0, 0, 1], ports[0]));
    let mut client = Client::connect(node);
    let mut acknowledged = Vec::new();
    for i in 0..100 {
        let id = format!("before-{i}");
        assert!(iamat(&mut client, &id), "room on the disk: acknowledged");
        acknowledged.push(id);
    }

    // The disk fills: the node keeps answering, but acknowledges only what it wrote.
    namespace.tell("fill");
    let mut refused = 0;
    for i in 0..20_000 {
        let id = format!("filling-{i}");
        if iamat(&mut client, &id) {
            acknowledged.push(id);
        } else {
            refused += 1;
            break;
        }
    }
    assert_eq!(refused, 1, "a full disk refuses a record before 20,000 more are acknowledged");
    for i in 0..20 {
        assert!(!iamat(&mut client, &format!("while-full-{i}")), "refused while the disk is full");
    }
    let ready = readyz(metrics);
    assert!(ready.starts_with("HTTP/1.1 503") && ready.contains("Solo.redb cannot be written"), "{ready}");

    // Space comes back: the node writes again by itself.
    namespace.tell("free");
    let started = Instant::now();
    let mut i = 0;
    loop {
        let id = format!("after-{i}");
        i += 1;
        if iamat(&mut client, &id) {
            acknowledged.push(id);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the node never wrote again after space returned");
        std::thread::sleep(Duration::from_millis(50));
    }
    for j in 0..200 {
        let id = format!("after-more-{j}");
        assert!(iamat(&mut client, &id), "acknowledged once there is room again");
        acknowledged.push(id);
    }
    assert!(readyz(metrics).starts_with("HTTP/1.1 200"), "ready again");
    let scraped = {
        let mut stream = TcpStream::connect(metrics).unwrap();
        write!(stream, "GET /metrics HTTP/1.1\r\nHost: herd\r\nConnection: close\r\n\r\n").unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stream, &mut text).unwrap();
        text
    };
    let failures = sample(&scraped, "herdctl_store_commit_failures_total{node=\"Solo\"}").unwrap_or(0.0);
    assert!(failures >= 1.0, "{scraped}");
    // Every commit is timed, written or failed: one client's records, one at a time, are a commit
    // each.
    let commits = sample(&scraped, "herdctl_store_commit_seconds_count{node=\"Solo\"}").unwrap_or(0.0);
    assert!(commits >= acknowledged.len() as f64 + failures, "{commits} commits timed: {scraped}");
    assert_eq!(sample(&scraped, "herdctl_store_failing{node=\"Solo\"}"), Some(0.0));

    // kill -9, and back: a herd of one has no neighbour to catch it up, so what it knows, its
    // disk kept.
    drop(client);
    namespace.tell("kill");
    namespace.tell("start");
    let mut client = Client::connect(node);
    let lost: Vec<&String> = acknowledged.iter().filter(|id| !client.whatsat(id).starts_with("AT ")).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged records lost: {lost:?}", lost.len(), acknowledged.len());
    let stderr = std::fs::read_to_string(logs.join("stderr")).unwrap();
    assert!(stderr.contains("Solo.redb: cannot write records"), "{stderr}");
    assert!(stderr.contains("Solo.redb: records are written again"), "{stderr}");
}
