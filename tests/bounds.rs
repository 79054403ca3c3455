//! Bounds an attacker or a slip of the keyboard runs into, through the real binary: spellings of
//! the environment's switches, sizes of files, durations, buffers and log lines.

// The helpers of the Unix-only tests (open-file limits) go unused elsewhere.
#![cfg_attr(not(unix), allow(dead_code))]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{Spawned, free_ports, poll_until, write_topology};

const DEADLINE: Duration = Duration::from_secs(30);

fn herdctl() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herdctl"));
    command.env("HERD_KEY", "bounds test key").env_remove("HERD_PLAIN_LINKS").stdin(Stdio::null());
    command
}

/// Runs `command` to its end, which must come within the deadline (a hang fails the test).
fn finished(command: &mut Command) -> Output {
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let (done, waited) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    match waited.recv_timeout(DEADLINE) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("herdctl was still running after {DEADLINE:?}");
        }
    }
}

/// What a node's peer port says first to whoever connects: plain links greet with the herd's
/// challenge, sealed ones offer their Noise pattern (`SEALED ...`).
fn first_words_of_peer_port(port: u16) -> String {
    let mut stream = poll_until(DEADLINE, "the peer port listens", || TcpStream::connect(("127.0.0.1", port)).ok());
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut said = [0u8; 64];
    let n = stream.read(&mut said).unwrap_or(0);
    String::from_utf8_lossy(&said[..n]).into_owned()
}

#[test]
fn boolean_environment_variables_take_the_usual_spellings() {
    let dir = tempfile::tempdir().unwrap();
    for (value, plain) in [("1", true), ("yes", true), ("true", true), ("0", false), ("no", false)] {
        let ports = free_ports(10);
        let topology = write_topology(dir.path(), &ports);
        let mut command = herdctl();
        command.args(["--headless", "--node", "Riley", "--topology"]).arg(&topology);
        command.arg("--log-dir").arg(dir.path().join("logs")).env("HERD_PLAIN_LINKS", value);
        let _node = Spawned(command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
        let said = first_words_of_peer_port(ports[1]);
        assert!(said.contains("herdctl-peer"), "{said:?}");
        assert_eq!(!said.starts_with("SEALED"), plain, "HERD_PLAIN_LINKS={value}: the peer port said {said:?}");
    }
    let output = finished(herdctl().args(["--headless"]).env("HERD_PLAIN_LINKS", "maybe"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("HERD_PLAIN_LINKS") || stderr.contains("--plain-links"), "{stderr}");
}

#[test]
fn a_long_invalid_line_is_logged_cut_with_its_length() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let topology = write_topology(dir.path(), &ports);
    let logs = dir.path().join("logs");
    let mut command = herdctl();
    command.args(["--headless", "--node", "Riley", "--topology"]).arg(&topology).arg("--log-dir").arg(&logs);
    let _node = Spawned(command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let mut client = poll_until(DEADLINE, "Riley takes clients", || TcpStream::connect(("127.0.0.1", ports[0])).ok());
    // Two hundred lines of 60,000 bytes of junk (12 MB), then a short one to know when all are in.
    let junk = format!("{}\n", "x".repeat(60_000));
    let mut replies = client.try_clone().unwrap();
    let reader = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = replies.read_to_end(&mut sink);
    });
    for _ in 0..200 {
        client.write_all(junk.as_bytes()).unwrap();
    }
    client.write_all(b"the end of the junk\n").unwrap();
    let log = logs.join("Riley.log");
    let text = poll_until(DEADLINE, "the last line is logged", || {
        let text = std::fs::read_to_string(&log).ok()?;
        text.contains("? the end of the junk").then_some(text)
    });
    client.shutdown(std::net::Shutdown::Both).unwrap();
    reader.join().unwrap();
    assert!(text.len() < 1_000_000, "12 MB of junk made {} bytes of log", text.len());
    assert_eq!(text.matches("(cut: 60000 bytes in all)").count(), 200, "each line, cut");
    assert_eq!(text.matches("(cut: 60002 bytes in all)").count(), 200, "each `? ` echo, cut");
}

/// A topology on free ports with a control port for each node: `ports` holds three a node
/// (client, peer, control).
fn write_controlled_topology(dir: &std::path::Path, ports: &[u16]) -> std::path::PathBuf {
    let mut herd: serde_json::Value = serde_json::from_str(herdctl_core::topology::BUILT_IN).unwrap();
    for (i, node) in herd["nodes"].as_array_mut().unwrap().iter_mut().enumerate() {
        node["port"] = ports[3 * i].into();
        node["peer_port"] = ports[3 * i + 1].into();
        node["control_port"] = ports[3 * i + 2].into();
    }
    let path = dir.join("topology.json");
    std::fs::write(&path, herd.to_string()).unwrap();
    path
}

fn exchange(port: u16, text: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(DEADLINE)).ok()?;
    stream.write_all(text.as_bytes()).ok()?;
    stream.shutdown(std::net::Shutdown::Write).ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    Some(reply).filter(|reply| !reply.is_empty())
}

#[test]
fn a_huge_duration_is_refused_with_its_bound_wherever_it_is_read() {
    // The command line: refused before anything starts, naming the bound, without a panic.
    let output = finished(herdctl().args(["experiment", "--latency", "18446744073709551615s"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("at most 1m") && !stderr.contains("panicked"), "{stderr}");
    let output = finished(herdctl().args(["experiment", "--latency", "1s", "--latency-dist", "uniform:1000000h"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("at most 1m") && !stderr.contains("panicked"), "{stderr}");
    let output = finished(herdctl().args(["load", "-d", "18446744073709551615s"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.code() == Some(2) && stderr.contains("at most 1day"), "{stderr}");

    // The control port: a console's DELAY and MODE slow are held to the same bound.
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(15);
    let topology = write_controlled_topology(dir.path(), &ports);
    let mut command = herdctl();
    command.args(["--headless", "--topology"]).arg(&topology).arg("--log-dir").arg(dir.path().join("logs"));
    let _herd = Spawned(command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let answers = runtime.block_on(async {
        use herdctl_core::key::HerdKey;
        use herdctl_core::secure::Security;
        let stream = poll_until(DEADLINE, "Riley's control port listens", || {
            std::net::TcpStream::connect(("127.0.0.1", ports[2])).ok()
        });
        stream.set_nonblocking(true).unwrap();
        let stream = tokio::net::TcpStream::from_std(stream).unwrap();
        let terms = herdctl_control::terms(Security::Sealed, HerdKey::new("bounds test key"));
        let mut channel = herdctl_control::dial(stream, "Riley", &terms).await.unwrap();
        let mut answers = Vec::new();
        for change in ["DELAY Jaquez 18446744073709551615s", "DELAY Jaquez 1s±100000h", "MODE slow 1000000h"] {
            channel.send(change).await.unwrap();
            answers.push(channel.receive().await.unwrap());
        }
        answers
    });
    assert!(answers[0].contains("a delay of") && answers[0].contains("at most 1m"), "{answers:?}");
    assert!(answers[1].contains("a delay's spread of") && answers[1].contains("at most 1m"), "{answers:?}");
    assert!(answers[2].contains("at most slow 1m"), "{answers:?}");
    // And the herd is whole: a report at Riley reaches Jaquez.
    let at = poll_until(DEADLINE, "Riley answers", || {
        exchange(ports[0], "IAMAT kiwi +34.068930-118.445127 1614209128.918963997\n")
    });
    assert!(at.starts_with("AT Riley"), "{at}");
    let whatsat = poll_until(DEADLINE, "Jaquez knows kiwi", || {
        exchange(ports[3], "WHATSAT kiwi 10 1\n").filter(|reply| reply.starts_with("AT"))
    });
    assert!(whatsat.starts_with(at.trim_end()), "{whatsat:?} after {at:?}");
}

#[cfg(unix)]
#[test]
fn files_are_read_with_a_cap_per_kind_and_devices_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |args: &[&str], said: &str| {
        let output = finished(herdctl().args(args).arg("--log-dir").arg(dir.path().join("logs")));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}: {stderr}");
        assert!(stderr.contains(said) && !stderr.contains("panicked"), "{args:?}: {stderr}");
    };
    refused(&["--headless", "--topology", "/dev/zero"], "a device, not a topology (a file of at most 4 MiB)");
    refused(&["--headless", "--topology", "/dev/urandom"], "a device, not a topology");
    refused(&["--headless", "--scenario", "/dev/zero"], "a device, not a script");
    refused(&["--headless", "--config", "/dev/zero"], "a device, not a configuration file");
    let big = dir.path().join("big.json");
    std::fs::write(&big, " ".repeat(5 << 20)).unwrap();
    refused(&["--headless", "--topology", big.to_str().unwrap()], "larger than a topology may be: at most 4 MiB");
}

#[cfg(unix)]
#[test]
fn a_trace_is_read_with_a_cap() {
    let output = finished(herdctl().args(["replay", "/dev/zero"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("a device, not a trace"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn the_load_generators_refuse_what_cannot_be_done_and_bound_their_buffers() {
    use std::os::unix::process::CommandExt;
    // More connections than the open-file limit allows: refused with the reason, at once.
    let mut command = herdctl();
    command.args(["load", "-c", "1000000", "-d", "1s", "127.0.0.1:9"]);
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| rlimit::setrlimit(rlimit::Resource::NOFILE, 1024, 1024));
    }
    let output = finished(&mut command);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("-c 1000000: this process can open at most 960 connections"), "{stderr}");
    assert!(stderr.contains("the open-file limit is 1024"), "{stderr}");
    let output = finished(herdctl().args(["experiment", "--rate", "1000000000"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.code() == Some(2) && stderr.contains("at most 10000"), "{stderr}");

    // A server that never sends a newline: load reads a bounded reply, calls it malformed, and
    // ends in its time (before, it grew by hundreds of MB a second).
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in server.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let endless = [b'x'; 64 * 1024];
                while stream.write_all(&endless).is_ok() {}
            });
        }
    });
    let output = finished(herdctl().args(["load", "-c", "2", "-d", "2s", "--json"]).arg(addr.to_string()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}\n{stderr}"));
    let malformed = report["result"]["errors"]["malformed replies"].as_u64().unwrap_or_default();
    assert!(output.status.success() && malformed > 0, "{stdout}\n{stderr}");
}

/// Whether the server closed `stream` (a read finds its end, or a reset), waiting at most `wait`.
fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut byte = [0u8; 1024];
    loop {
        match stream.read(&mut byte) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(error) if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[cfg(unix)]
#[test]
fn idle_and_slow_http_visitors_do_not_starve_the_clients() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(11);
    let topology = write_topology(dir.path(), &ports);
    let metrics = ports[10];
    let mut command = herdctl();
    command.args(["--headless", "--topology"]).arg(&topology).arg("--log-dir").arg(dir.path().join("logs"));
    command.arg("--metrics").arg(format!("127.0.0.1:{metrics}"));
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| rlimit::setrlimit(rlimit::Resource::NOFILE, 256, 256));
    }
    let _herd = Spawned(command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let scrape = || exchange(metrics, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let first = poll_until(DEADLINE, "the metrics port answers", scrape);
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    poll_until(DEADLINE, "Riley answers", || {
        exchange(ports[0], "IAMAT kiwi +34.068930-118.445127 1614209128.918963997\n")
    });

    // More idle HTTP connections than the process has file descriptors.
    let mut idle: Vec<TcpStream> = (0..300).map(|_| TcpStream::connect(("127.0.0.1", metrics)).unwrap()).collect();
    // A client is still served, and its record still reaches a neighbour.
    let at = poll_until(DEADLINE, "Riley answers with HTTP visitors waiting", || {
        exchange(ports[0], "IAMAT fig +34.068930-118.445127 1614209128.918963997\n")
    });
    assert!(at.starts_with("AT Riley"), "{at}");
    let whatsat = poll_until(DEADLINE, "Jaquez knows fig", || {
        exchange(ports[2], "WHATSAT fig 10 1\n").filter(|reply| reply.starts_with("AT"))
    });
    assert!(whatsat.starts_with(at.trim_end()), "{whatsat:?} after {at:?}");
    // The idle ones are closed (past the port's cap at once, the others at the header deadline),
    // and the port serves again.
    for stream in &mut idle {
        assert!(closed_within(stream, DEADLINE), "an idle HTTP connection was kept");
    }
    let again = poll_until(DEADLINE, "the metrics port answers again", scrape);
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");

    // A header sent a byte at a time is cut off at its deadline, however steadily it comes.
    let mut slow = TcpStream::connect(("127.0.0.1", metrics)).unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\n").unwrap();
    let start = Instant::now();
    let cut = loop {
        if slow.write_all(b"X").is_err() || closed_within(&mut slow, Duration::from_millis(500)) {
            break true;
        }
        if start.elapsed() > DEADLINE {
            break false;
        }
    };
    assert!(cut, "a header trickling in for {:?} was still being read", start.elapsed());
}

#[test]
fn a_topology_saved_with_a_byte_order_mark_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let topology = write_topology(dir.path(), &ports);
    let text = std::fs::read_to_string(&topology).unwrap();
    std::fs::write(&topology, format!("\u{feff}{text}")).unwrap();
    let mut command = herdctl();
    command.args(["--headless", "--node", "Riley", "--topology"]).arg(&topology);
    command.arg("--log-dir").arg(dir.path().join("logs"));
    let _node = Spawned(command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let at = poll_until(DEADLINE, "Riley answers", || {
        exchange(ports[0], "IAMAT kiwi +34.068930-118.445127 1614209128.918963997\n")
    });
    assert!(at.starts_with("AT Riley"), "{at}");
}

#[test]
fn a_trace_with_a_torn_last_line_is_read_up_to_it_and_says_what_was_cut() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let topology = write_topology(dir.path(), &ports);
    let script = dir.path().join("one.herd");
    std::fs::write(&script, "iamat Riley kiwi +34.068930-118.445127\nexpect Jaquez has kiwi via Riley\n").unwrap();
    let trace = dir.path().join("t.jsonl");
    let output = finished(
        herdctl()
            .args(["--headless", "--topology"])
            .arg(&topology)
            .arg("--scenario")
            .arg(&script)
            .arg("--trace")
            .arg(&trace)
            .arg("--log-dir")
            .arg(dir.path().join("logs")),
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // Killed while writing: the trace stops half-way through a line, after the report was heard.
    let text = std::fs::read_to_string(&trace).unwrap();
    let whole: Vec<&str> = text.lines().collect();
    let heard = whole.iter().position(|line| line.contains("kiwi")).expect("the report is in the trace");
    let lines = heard + 2;
    let torn = format!("{}\n{}", whole[..=heard].join("\n"), &whole[heard + 1][..whole[heard + 1].len() / 2]);
    std::fs::write(&trace, torn).unwrap();
    let output = finished(herdctl().args(["replay", "--headless"]).arg(&trace));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("its last line (line {lines}, ")) && stderr.contains("cut off"), "{stderr}");
    assert!(
        stdout.contains(" events)") && !stdout.contains("after 0 of 0 events"),
        "the whole lines are read: {stdout}"
    );
}

#[test]
fn a_herd_too_big_for_the_open_file_limit_is_refused_at_once_saying_so() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    // Twenty nodes in a ring, on ports the kernel picks: about 500 descriptors, twice the limit.
    let names: Vec<String> = (0..20).map(|i| format!("n{i:02}")).collect();
    let nodes: Vec<_> = names
        .iter()
        .map(|name| serde_json::json!({"name": name, "host": "127.0.0.1", "port": 0, "peer_port": 0}))
        .collect();
    let links: Vec<_> = (0..names.len()).map(|i| serde_json::json!([names[i], names[(i + 1) % names.len()]])).collect();
    let topology = dir.path().join("ring.json");
    std::fs::write(&topology, serde_json::json!({"nodes": nodes, "links": links}).to_string()).unwrap();
    let mut command = herdctl();
    command.args(["--headless", "--topology"]).arg(&topology).arg("--log-dir").arg(dir.path().join("logs"));
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| rlimit::setrlimit(rlimit::Resource::NOFILE, 256, 256));
    }
    let output = finished(&mut command);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(said.contains("20 nodes need about") && said.contains("may open 256"), "{said}");
    assert!(!said.contains("another herd"), "not a port in use: {said}");
}

#[test]
fn an_experiment_too_big_for_the_open_file_limit_names_the_limit() {
    use std::os::unix::process::CommandExt;
    // Every pair of thirty nodes linked: far more descriptors than 256.
    let mut command = herdctl();
    command.args(["experiment", "--shape", "total", "--nodes", "30"]);
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| rlimit::setrlimit(rlimit::Resource::NOFILE, 256, 256));
    }
    let output = finished(&mut command);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(said.contains("30 nodes need about") && said.contains("may open 256"), "{said}");
    assert!(said.contains("ulimit -n"), "says what to do: {said}");
}
