//! End to end: the real binary, as five `--headless --node` processes from one topology file,
//! driven the way a plain TCP client would.

// The helpers of the Unix-only tests (SIGTERM, open-file limits) go unused elsewhere.
#![cfg_attr(not(unix), allow(dead_code))]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

// SIGTERM and open-file limits are Unix's; on Windows those two tests are left out.
#[cfg(unix)]
use nix::sys::signal::{Signal, kill};
#[cfg(unix)]
use nix::unistd::Pid;

mod common;

use common::{free_ports, poll_until, write_line_of_three, write_topology};

const NAMES: [&str; 5] = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];
const DEADLINE: Duration = Duration::from_secs(20);

fn herdctl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_herdctl"))
}

/// A node process, killed if a test fails before stopping it.
use common::Spawned as Node;

fn exchange(port: u16, text: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(DEADLINE))?;
    stream.write_all(text.as_bytes())?;
    stream.shutdown(Shutdown::Write)?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply)
}

#[cfg(unix)]
#[test]
fn five_processes_form_one_herd_and_stop_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let topology = write_topology(dir.path(), &ports);
    let logs = dir.path().join("logs");
    let nodes: Vec<Node> = NAMES
        .iter()
        .map(|name| {
            let child = herdctl()
                .args(["--headless", "--node", name, "--topology"])
                .arg(&topology)
                .arg("--log-dir")
                .arg(&logs)
                .env("HERD_KEY", "end-to-end secret")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            Node(child)
        })
        .collect();
    for (i, name) in NAMES.iter().enumerate() {
        poll_until(DEADLINE, &format!("{name} accepts clients"), || {
            TcpStream::connect(("127.0.0.1", ports[2 * i])).ok()
        });
    }

    let at = exchange(ports[0], "IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997\n").unwrap();
    assert!(
        at.starts_with("AT Riley ") && at.ends_with(" kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997\n")
    );
    let campbell = poll_until(DEADLINE, "Campbell knows kiwi", || {
        exchange(ports[6], "WHATSAT kiwi.cs.ucla.edu 10 5\n").ok().filter(|reply| reply.starts_with(&at))
    });
    assert!(campbell.ends_with("}\n\n"), "{campbell}");
    assert_eq!(exchange(ports[8], "hello\n").unwrap(), "? hello\n");

    for node in &nodes {
        kill(Pid::from_raw(node.0.id() as i32), Signal::SIGTERM).unwrap();
    }
    for mut node in nodes {
        let status = poll_until(DEADLINE, "the node exits", || node.0.try_wait().unwrap());
        assert!(status.success(), "exit status {status}");
    }
    let riley = std::fs::read_to_string(logs.join("Riley.log")).unwrap();
    assert!(riley.contains("> IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997"), "{riley}");
    assert!(riley.contains(&format!("< {}", at.trim_end())), "{riley}");
    assert!(riley.contains("link to Jaquez up") && riley.trim_end().ends_with("node down: ports closed"), "{riley}");
    let campbell_log = std::fs::read_to_string(logs.join("Campbell.log")).unwrap();
    assert!(campbell_log.contains("> WHATSAT kiwi.cs.ucla.edu 10 5"), "{campbell_log}");
    // By flood, or by catch-up when Campbell's links came up after the IAMAT.
    let stored = campbell_log
        .lines()
        .find(|line| (line.contains(" flood < ") || line.contains(" catch-up < ")) && line.contains(at.trim_end()));
    assert!(stored.is_some_and(|line| line.contains("(new)")), "{campbell_log}");
    // A record from a neighbour is logged once, as the flood line that brought it.
    assert!(!campbell_log.contains("cache: kiwi.cs.ucla.edu"), "{campbell_log}");
    assert!(riley.contains("cache: kiwi.cs.ucla.edu"), "{riley}");
}

fn run(args: &[&str]) -> Output {
    herdctl().args(args).stdin(Stdio::null()).output().unwrap()
}

#[test]
fn an_unknown_node_exits_non_zero_and_lists_the_names() {
    let output = run(&["--headless", "--node", "Bob", "--log-dir", "/nonexistent-never-created"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown node \"Bob\"") && stderr.contains("Riley, Jaquez, Juzang, Campbell, Bernard"),
        "{stderr}"
    );
}

#[test]
fn a_bad_topology_exits_non_zero_naming_file_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(
        &path,
        r#"{"nodes": [{"name": "A", "host": "127.0.0.1", "port": 1, "peer_port": 2}], "links": [["A", "A"]]}"#,
    )
    .unwrap();
    let output = run(&["--headless", "--topology", path.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.json: links[0] (\"A\", \"A\"): a node cannot be linked to itself"), "{stderr}");
}

#[test]
#[cfg(feature = "console")]
fn without_a_terminal_the_console_says_so_and_writes_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let output = herdctl()
        .arg("--log-dir")
        .arg(dir.path().join("logs"))
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing on stdout, not even escape codes: {:?}", output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the console needs a terminal") && stderr.contains("herdctl --headless"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line, no backtrace: {stderr}");
    assert!(!dir.path().join("logs").exists(), "nothing was started");
}

#[test]
fn a_users_mistake_is_one_line_without_a_backtrace_or_a_repeated_cause() {
    let output = herdctl()
        .args(["--headless", "--topology", "/nonexistent/topology.json"])
        .env("RUST_BACKTRACE", "full")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("herdctl: cannot read topology file /nonexistent/topology.json"), "{stderr}");
    let cause = "No such file or directory";
    assert_eq!(stderr.matches(cause).count(), 1, "the cause is said once: {stderr}");
}

#[test]
fn node_from_host_runs_the_node_named_by_the_host_name_or_says_which_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(2);
    // One node on `localhost`: a machine called localhost runs it.
    let text = format!(
        r#"{{"nodes": [{{"name": "Solo", "host": "localhost", "port": {}, "peer_port": {}}}], "links": []}}"#,
        ports[0], ports[1]
    );
    let topology = dir.path().join("solo.json");
    std::fs::write(&topology, text).unwrap();
    let start = |hostname: &str| {
        let mut command = herdctl();
        command
            .args(["--headless", "--node-from-host", "--topology"])
            .arg(&topology)
            .arg("--log-dir")
            .arg(dir.path().join("logs"))
            .env("HOSTNAME", hostname)
            .env("RUST_BACKTRACE", "1")
            .env("HERD_KEY", "k")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    };
    let _solo = Node(start("localhost").spawn().unwrap());
    let reply = poll_until(DEADLINE, "Solo answers", || exchange(ports[0], "IAMAT kiwi +1+1 1\n").ok());
    assert!(reply.starts_with("AT Solo "), "{reply}");
    let output = start("elsewhere").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no node of") && stderr.contains("has the host \"elsewhere\""), "{stderr}");
    assert!(stderr.contains("give --node NAME instead") && !stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn help_explains_every_option() {
    let output = run(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--headless",
        "--node <NAME>",
        "--topology <FILE>",
        "--log-dir <DIR>",
        "--places <SOURCE>",
        "google-legacy",
        "--places-endpoint <URL>",
        "--scenario <FILE>",
        "--trace <FILE>",
        "HERD_KEY",
        "GOOGLE_MAPS_API_KEY",
        "RUST_LOG",
        "--plain-links",
        "--bind <HOST>",
        "--attach",
        "--node-from-host",
        "--metrics <ADDR>",
    ] {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
}

/// The help, the refusal and completion are all made from the strategies' one table (FORMS):
/// this fails if any of them leaves a strategy out.
#[test]
fn every_strategy_is_in_the_help_the_refusal_and_completion() {
    let text = |output: Output| {
        assert!(output.status.code().is_some_and(|code| code <= 2), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
    };
    let help = text(run(&["--help"]));
    let experiment = text(run(&["experiment", "--help"]));
    let refused = text(run(&["--headless", "--strategy", "tree:3"]));
    let completion = text(run(&["completions", "bash"]));
    assert!(refused.contains("\"tree:3\" is not a strategy"), "{refused}");
    for form in herdctl_core::strategy::FORMS {
        for (what, text) in [("--help", &help), ("experiment --help", &experiment), ("the refusal", &refused)] {
            assert!(text.contains(form.form), "{what} lacks {}:\n{text}", form.form);
        }
        assert!(help.contains(form.does), "--help does not say what {} does:\n{help}", form.form);
        assert!(completion.contains(form.example), "completion lacks {}", form.example);
    }
}

#[test]
fn a_google_source_without_a_key_is_refused_at_start() {
    let output = herdctl()
        .args(["--headless", "--places", "google-legacy", "--log-dir"])
        .arg(tempfile::tempdir().unwrap().path())
        .env_remove("GOOGLE_MAPS_API_KEY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--places google-legacy needs a Google Maps API key: set GOOGLE_MAPS_API_KEY"), "{stderr}");
}

fn scenario(script: &str, dir: &std::path::Path, trace: &std::path::Path) -> Output {
    // Port 0 everywhere: the herd runs in one process, which picks free ports itself, so these
    // tests never race the five-process test for ports.
    let topology = write_topology(dir, &[0; 10]);
    herdctl()
        .args(["--headless", "--scenario", script, "--topology"])
        .arg(topology)
        .arg("--log-dir")
        .arg(dir.join("logs"))
        .arg("--trace")
        .arg(trace)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_headless_walkthrough_exits_0_when_every_expectation_holds_and_writes_its_trace() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("recovery.svg");
    let output = scenario("walkthroughs/failure-and-recovery.herd", dir.path(), &trace);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("expectations held, 0 failed"), "{stdout}");
    let svg = std::fs::read_to_string(&trace).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains(">Campbell</text>"), "{svg}");
}

#[test]
fn where_a_trace_or_a_handout_goes_is_checked_before_the_walkthrough_plays() {
    let dir = tempfile::tempdir().unwrap();
    let topology = write_topology(dir.path(), &[0; 10]);
    // A walkthrough that would take a minute: a check made at its end would be a minute late.
    let script = dir.path().join("long.herd");
    std::fs::write(&script, "say A long wait.\nwait 60s\n").unwrap();
    let file = dir.path().join("a-file.txt");
    std::fs::write(&file, "").unwrap();
    let missing = dir.path().join("no-such-folder");
    let cases: [(&str, std::path::PathBuf, &str); 4] = [
        ("--trace", missing.join("trace.svg"), "the folder"),
        ("--trace", dir.path().to_path_buf(), "that is a folder"),
        ("--handout", missing.join("handout"), "the folder"),
        ("--handout", file.clone(), "that is a file, not a folder"),
    ];
    for (option, path, said) in cases {
        let started = Instant::now();
        let output = herdctl()
            .args(["--headless", "--scenario"])
            .arg(&script)
            .arg("--topology")
            .arg(&topology)
            .arg("--log-dir")
            .arg(dir.path().join("logs"))
            .arg(option)
            .arg(&path)
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{option} {}: {stderr}", path.display());
        assert_eq!(stderr.lines().count(), 1, "one line, no backtrace: {stderr}");
        assert!(stderr.starts_with(&format!("herdctl: {option} {}: {said}", path.display())), "{stderr}");
        assert!(output.stdout.is_empty(), "nothing was played: {}", String::from_utf8_lossy(&output.stdout));
        assert!(started.elapsed() < Duration::from_secs(30), "refused at start, not after the walkthrough");
    }
    assert!(!missing.exists(), "no folder is made in a folder that is not there");
    assert!(std::fs::read_dir(dir.path().join("logs")).map_or(true, |mut logs| logs.next().is_none()), "no node ran");

    // A walkthrough through a recording records nothing new: --trace is refused there too.
    let output = herdctl()
        .args(["--headless", "--scenario", "walkthroughs/stale-node.herd", "--trace"])
        .arg(dir.path().join("t.svg"))
        .arg("--log-dir")
        .arg(dir.path().join("logs"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("a walkthrough through a recording records nothing new"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_walkthrough_through_a_recording_writes_its_handout() {
    let dir = tempfile::tempdir().unwrap();
    let handout = dir.path().join("handout");
    let output = herdctl()
        .args(["--headless", "--scenario", "walkthroughs/stale-node.herd", "--handout"])
        .arg(&handout)
        .arg("--log-dir")
        .arg(dir.path().join("logs"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("handout: 3 figures in"), "{stderr}");
    let mut figures: Vec<String> =
        std::fs::read_dir(&handout).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    figures.sort();
    assert_eq!(figures, ["01-a-complaint.svg", "02-stepping-back.svg", "03-catching-up.svg"]);
}

#[test]
fn a_failing_walkthrough_exits_non_zero_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("wrong.herd");
    std::fs::write(&script, "kill Juzang\nkill Bernard\niamat Riley kiwi +1+1\nexpect Campbell knows kiwi\n").unwrap();
    let output = scenario(script.to_str().unwrap(), dir.path(), &dir.path().join("t.jsonl"));
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("wrong.herd:4: expected Campbell to know kiwi, but it did not within 3s"), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 of the walkthrough's checks failed"));
}

#[test]
fn a_scenario_of_several_scripts_changes_herd_in_one_process_on_the_same_ports() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let topology = write_topology(dir.path(), &ports);
    // The second part's herd listens on the first one's ports: it starts only if those were freed.
    write_line_of_three(dir.path(), &ports);
    let first = dir.path().join("five.herd");
    std::fs::write(&first, "say Five.\niamat Riley kiwi +1+1\nexpect Campbell knows kiwi\n").unwrap();
    let second = dir.path().join("line.herd");
    std::fs::write(
        &second,
        "section Three\ntopology line.json\nexpect A lacks kiwi\niamat A fig +2+2\nexpect C knows fig\n\
         section Five again\ntopology topology.json\nexpect Riley lacks fig\n",
    )
    .unwrap();
    let output = herdctl()
        .args(["--headless", "--topology"])
        .arg(&topology)
        .arg("--log-dir")
        .arg(dir.path().join("logs"))
        .arg("--scenario")
        .args([&first, &second])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let parts: Vec<&str> = stdout.lines().filter(|line| line.starts_with("── part")).collect();
    assert_eq!(parts.len(), 3, "{stdout}");
    assert!(parts[1].ends_with(&format!("line.herd from line 1, on {} ──", dir.path().join("line.json").display())));
    assert!(stdout.contains("the whole scenario: 4 expectations held, 0 failed"), "{stdout}");

    // An error in the last script stops it all before the first line runs, naming file and line.
    let third = dir.path().join("wrong.herd");
    std::fs::write(&third, "say Three again.\nsection Back to the line\ntopology line.json\nkill Riley\n").unwrap();
    let output = herdctl()
        .args(["--headless", "--topology"])
        .arg(&topology)
        .arg("--log-dir")
        .arg(dir.path().join("logs-wrong"))
        .arg("--scenario")
        .args([&first, &second, &third])
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line, no backtrace: {stderr}");
    let named = format!("herdctl: {}:4: unknown node \"Riley\"; the nodes are A, B, C", third.display());
    assert!(stderr.starts_with(&named), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing was played: {}", String::from_utf8_lossy(&output.stdout));
    assert!(!dir.path().join("logs-wrong").join("Riley.log").exists(), "no node ran");
}

#[test]
fn a_script_with_a_typo_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("typo.herd");
    std::fs::write(&script, "say hello\nkil Juzang\n").unwrap();
    let output = scenario(script.to_str().unwrap(), dir.path(), &dir.path().join("t.jsonl"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("typo.herd:2: unknown command kil: did you mean kill?"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing was played");
}

#[cfg(unix)]
#[test]
fn under_a_low_open_file_limit_clients_get_what_is_left_and_the_links_keep_theirs() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let topology = write_topology(dir.path(), &ports);
    let mut command = herdctl();
    command
        .args(["--headless", "--topology"])
        .arg(&topology)
        .arg("--log-dir")
        .arg(dir.path().join("logs"))
        .env("HERD_KEY", "k")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| rlimit::setrlimit(rlimit::Resource::NOFILE, 300, 300));
    }
    let mut herd = Node(command.spawn().unwrap());
    // Said once, at start: how many clients fit, and why.
    let stderr = BufReader::new(herd.0.stderr.take().unwrap());
    let warning = stderr.lines().map_while(Result::ok).find(|line| line.contains("WARN")).unwrap();
    // Nobody reads stderr from here on (the reader is gone): the herd must outlive it.
    let fit: usize = warning
        .split("can hold ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{warning}"));
    assert!(warning.contains("the open-file limit is 300") && fit < 300, "{warning}");
    poll_until(DEADLINE, "Riley accepts clients", || TcpStream::connect(("127.0.0.1", ports[0])).ok());

    // More clients than fit: those that fit are served, the others are closed at once (before,
    // they hung and the node could no longer dial its neighbours).
    let mut held = Vec::new();
    let mut closed = 0;
    for _ in 0..fit + 20 {
        let mut stream = TcpStream::connect(("127.0.0.1", ports[0])).unwrap();
        stream.write_all(b"hello\n").unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut reply = [0u8; 8];
        match stream.read(&mut reply).unwrap_or(0) {
            0 => closed += 1,
            _ => held.push(stream),
        }
    }
    assert!(closed >= 20 && held.len() <= fit, "{} held, {closed} closed, {fit} fit", held.len());
    // The links still work: a report at Riley reaches Jaquez, once a place is free there.
    let at = exchange(ports[0], "hello\n").unwrap_or_default();
    assert!(at.is_empty(), "no place left: {at:?}");
    held.truncate(held.len() - 3);
    let at = poll_until(DEADLINE, "a place is free again", || {
        exchange(ports[0], "IAMAT kiwi +34.068930-118.445127 1614209128.918963997\n").ok().filter(|r| !r.is_empty())
    });
    let whatsat = poll_until(DEADLINE, "Jaquez answers", || {
        exchange(ports[2], "WHATSAT kiwi 10 1\n").ok().filter(|r| !r.is_empty())
    });
    assert!(whatsat.starts_with(&at), "{whatsat:?} after {at:?}");
    kill(Pid::from_raw(herd.0.id() as i32), Signal::SIGTERM).unwrap();
    assert!(herd.0.wait().unwrap().success());
}

#[test]
fn completions_and_a_manual_page_come_from_the_command_line_itself() {
    for (shell, mark) in [
        ("bash", "_herdctl()"),
        ("zsh", "#compdef herdctl"),
        ("fish", "complete -c herdctl"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let output = run(&["completions", shell]);
        assert!(output.status.success());
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains(mark) && text.contains("replay") && text.contains("no-mouse"), "{shell}: {text}");
    }
    let output = run(&["man"]);
    assert!(output.status.success());
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(page.contains(".TH herdctl 1") && page.contains("headless") && page.contains("replay"), "{page}");
    let wrong = run(&["completions", "tcsh"]);
    assert!(!wrong.status.success() && String::from_utf8_lossy(&wrong.stderr).contains("possible values"));
}

#[test]
fn the_configuration_file_fills_in_what_the_command_line_leaves_unsaid_and_a_mistake_names_its_line() {
    let output = run(&["config", "--default"]);
    assert!(output.status.success());
    let default = String::from_utf8_lossy(&output.stdout);
    assert!(default.contains("[console]") && default.contains("# theme = \"auto\"") && default.contains("[keys]"));

    let dir = tempfile::tempdir().unwrap();
    let topology = write_topology(dir.path(), &free_ports(10));
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("[herd]\ntopology = {:?}\n", topology.display().to_string())).unwrap();
    // The topology comes from the file: the error lists its nodes.
    let output = run(&["--config", config.to_str().unwrap(), "--headless", "--node", "Nobody"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains(&topology.display().to_string()), "{output:?}");

    std::fs::write(&config, "[console]\nmouse = false\ncolor = \"red\"\n").unwrap();
    let output = run(&["--config", config.to_str().unwrap(), "--headless"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("config.toml: line 3: unknown field `color`"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line, no backtrace: {stderr}");

    let missing = run(&["--config", dir.path().join("none.toml").to_str().unwrap(), "--headless"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the configuration"));
}

#[test]
fn a_generated_topology_is_a_valid_file_and_runs_where_a_file_does() {
    let output = run(&["topology", "--shape", "grid", "--nodes", "25"]);
    assert!(output.status.success(), "{output:?}");
    let topology = herdctl_core::Topology::from_json(&String::from_utf8_lossy(&output.stdout), "grid.json").unwrap();
    assert_eq!((topology.names().len(), topology.links().len()), (25, 40));
    assert_eq!(&*topology.names()[24], "n25");
    // --shape works where --topology does, and not with it.
    let named = run(&["--shape", "tree:3", "--nodes", "13", "--headless", "--node", "n99"]);
    assert!(String::from_utf8_lossy(&named.stderr).contains("the nodes are: n01, n02"), "{named:?}");
    let both = run(&["--shape", "ring", "--nodes", "5", "--topology", "t.json", "--headless"]);
    assert!(!both.status.success() && String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
    let unsized_ = run(&["--shape", "ring", "--headless"]);
    assert!(!unsized_.status.success() && String::from_utf8_lossy(&unsized_.stderr).contains("--nodes"));
}
