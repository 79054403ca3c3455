//! Chaos: five real `--headless --node` processes with `--data-dir`, clients reporting all the
//! while, and seeded faults: kill -9 and restart, SIGSTOP and SIGCONT, the whole herd killed at
//! once. Then every fault is healed and the herd settles, and every node must hold, for every
//! client, the same record, never older than the newest one a client was answered for.
//!
//! `CHAOS_SEED=N cargo test --test chaos` replays a run; a failure prints its seed.
#![cfg(unix)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

mod common;

use common::{free_ports, write_topology};
use herdctl_core::dice::Dice;

const NAMES: [&str; 5] = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];
const CLIENTS: usize = 12;
/// How long faults are injected.
const CHAOS: Duration = Duration::from_secs(12);
/// How long the herd may take to settle once every fault is healed.
const SETTLE: Duration = Duration::from_secs(25);
/// A reply later than this counts as no answer (a stopped node never answers).
const REPLY_WITHIN: Duration = Duration::from_secs(2);

/// Prints the seed when the test fails, so the run can be replayed.
struct SeedOnFailure(u64);

impl Drop for SeedOnFailure {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("chaos seed: {} (replay with CHAOS_SEED={})", self.0, self.0);
        }
    }
}

struct Herd {
    topology: PathBuf,
    data: PathBuf,
    logs: PathBuf,
    ports: Vec<u16>,
    nodes: Vec<Option<Child>>,
    stopped: Vec<bool>,
}

impl Herd {
    fn start(&mut self, i: usize) {
        let child = Command::new(env!("CARGO_BIN_EXE_herdctl"))
            .args(["--headless", "--node", NAMES[i], "--topology"])
            .arg(&self.topology)
            .arg("--data-dir")
            .arg(&self.data)
            .arg("--log-dir")
            .arg(&self.logs)
            .env("HERD_KEY", "chaos")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(self.stderr_file(i))
            .spawn()
            .unwrap();
        self.nodes[i] = Some(child);
        self.stopped[i] = false;
    }

    fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.stopped[i] = false;
    }

    fn signal(&mut self, i: usize, signal: Signal) {
        if let Some(child) = &self.nodes[i] {
            kill(Pid::from_raw(child.id() as i32), signal).unwrap();
            self.stopped[i] = signal == Signal::SIGSTOP;
        }
    }

    /// Where node `i`'s standard error goes, every life of it one after another: a node that
    /// could not start says why there.
    fn stderr_file(&self, i: usize) -> std::fs::File {
        let path = self.logs.join(format!("{}.stderr", NAMES[i]));
        std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap()
    }

    /// For a failure's message: whether each node still runs, and the end of what it printed.
    fn states(&mut self) -> Vec<String> {
        (0..NAMES.len())
            .map(|i| {
                let running = match self.nodes[i].as_mut().map(|child| child.try_wait()) {
                    Some(Ok(None)) => "runs".to_string(),
                    Some(Ok(Some(status))) => format!("exited ({status})"),
                    Some(Err(error)) => format!("unknown ({error})"),
                    None => "not started".to_string(),
                };
                let printed =
                    std::fs::read_to_string(self.logs.join(format!("{}.stderr", NAMES[i]))).unwrap_or_default();
                let last: Vec<&str> = printed.lines().rev().take(3).collect();
                format!("{}: {running}; last said: {:?}", NAMES[i], last)
            })
            .collect()
    }

    fn client_port(&self, i: usize) -> u16 {
        self.ports[2 * i]
    }
}

impl Drop for Herd {
    fn drop(&mut self) {
        for i in 0..NAMES.len() {
            // A node may have exited by itself (that is what a failure reports): no signal to
            // send then, and no second panic while the first unwinds.
            if let Some(child) = &self.nodes[i] {
                let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGCONT);
            }
            self.kill(i);
        }
    }
}

/// One request on a fresh connection: the first line of the reply, if it came in time.
fn ask(port: u16, line: &str) -> Option<String> {
    let stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), REPLY_WITHIN).ok()?;
    stream.set_read_timeout(Some(REPLY_WITHIN)).ok()?;
    (&stream).write_all(line.as_bytes()).ok()?;
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).ok()?;
    reply.ends_with('\n').then(|| reply.trim_end().to_string())
}

/// The client time in an AT line, as seconds (the times here are whole numbers).
fn time_of(at: &str) -> u64 {
    at.rsplit(' ').next().and_then(|time| time.parse().ok()).unwrap_or_else(|| panic!("{at:?}"))
}

fn seed() -> u64 {
    std::env::var("CHAOS_SEED").ok().and_then(|seed| seed.parse().ok()).unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        now.as_nanos() as u64 | 1
    })
}

fn dir(root: &Path, name: &str) -> PathBuf {
    let path = root.join(name);
    std::fs::create_dir_all(&path).unwrap();
    path
}

#[test]
fn no_acknowledged_record_is_lost_through_kills_stops_and_a_whole_herd_restart() {
    let seed = seed();
    let _told = SeedOnFailure(seed);
    let root = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let mut herd = Herd {
        topology: write_topology(root.path(), &ports),
        data: dir(root.path(), "data"),
        logs: dir(root.path(), "logs"),
        ports: ports.clone(),
        nodes: (0..NAMES.len()).map(|_| None).collect(),
        stopped: vec![false; NAMES.len()],
    };
    for i in 0..NAMES.len() {
        herd.start(i);
    }

    // Clients report all the while, each with rising times, each to a node of its dice; the
    // newest answer each was given is what the herd must not lose.
    let acknowledged: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (acknowledged, stop, ports) = (acknowledged.clone(), stop.clone(), ports.clone());
            std::thread::spawn(move || {
                let mut dice = Dice::seeded(seed ^ (c as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                let client = format!("client-{c:02}");
                let mut time = 1_700_000_000u64;
                while !stop.load(Ordering::Relaxed) {
                    time += 1;
                    let node = dice.below(NAMES.len() as u64) as usize;
                    let line = format!("IAMAT {client} +34.068930-118.445127 {time}\n");
                    if let Some(at) = ask(ports[2 * node], &line).filter(|at| at.starts_with("AT ")) {
                        acknowledged.lock().unwrap().insert(client.clone(), at);
                    }
                    std::thread::sleep(Duration::from_millis(20)); // a client's pace
                }
            })
        })
        .collect();

    // Faults, one every 300–800 ms, each from the seed.
    let mut dice = Dice::seeded(seed);
    let mut faults = Vec::new();
    let started = Instant::now();
    while started.elapsed() < CHAOS {
        let i = dice.below(NAMES.len() as u64) as usize;
        match dice.below(10) {
            0 => {
                faults.push("the whole herd killed with -9 and restarted".to_string());
                for j in 0..NAMES.len() {
                    herd.signal(j, Signal::SIGCONT);
                    herd.kill(j);
                }
                for j in 0..NAMES.len() {
                    herd.start(j);
                }
            }
            1..=4 if herd.nodes[i].is_some() => {
                faults.push(format!("{} killed with -9", NAMES[i]));
                herd.kill(i);
            }
            5..=6 if herd.nodes[i].is_some() && !herd.stopped[i] => {
                faults.push(format!("{} stopped (SIGSTOP)", NAMES[i]));
                herd.signal(i, Signal::SIGSTOP);
            }
            _ => {
                // Heal one: restart a dead node or continue a stopped one.
                if herd.nodes[i].is_none() {
                    faults.push(format!("{} restarted", NAMES[i]));
                    herd.start(i);
                } else if herd.stopped[i] {
                    faults.push(format!("{} continued (SIGCONT)", NAMES[i]));
                    herd.signal(i, Signal::SIGCONT);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(300 + dice.below(500))); // the chaos's pace
    }

    // Heal everything; the clients stop; the herd settles.
    for i in 0..NAMES.len() {
        if herd.nodes[i].is_none() {
            herd.start(i);
        } else {
            herd.signal(i, Signal::SIGCONT);
        }
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() == CLIENTS, "every client was answered at least once: {acknowledged:?}");
    // And last, with every answer given: the whole herd dies at once and comes back. Only what
    // the nodes kept on disk can bring the records back.
    faults.push("the whole herd killed with -9 and restarted, after the last answer".to_string());
    for i in 0..NAMES.len() {
        herd.kill(i);
    }
    for i in 0..NAMES.len() {
        herd.start(i);
    }

    let deadline = Instant::now() + SETTLE;
    let mut last_seen = Vec::new();
    let settled = loop {
        last_seen.clear();
        let mut settled = true;
        for (client, newest) in &acknowledged {
            let seen: Vec<Option<String>> =
                (0..NAMES.len()).map(|i| ask(herd.client_port(i), &format!("WHATSAT {client} 1 1\n"))).collect();
            let first = seen[0].clone();
            let agree = seen.iter().all(|at| at.is_some() && *at == first);
            let not_older = first.as_deref().is_some_and(|at| at.starts_with("AT ") && time_of(at) >= time_of(newest));
            if !(agree && not_older) {
                settled = false;
            }
            last_seen.push((client.clone(), newest.clone(), seen));
        }
        if settled || Instant::now() > deadline {
            break settled;
        }
        std::thread::sleep(Duration::from_millis(200)); // polling until the herd settles
    };
    let states = if settled { Vec::new() } else { herd.states() };
    assert!(
        settled,
        "after healing, some node lacks or disagrees on a record.\nfaults: {faults:#?}\nnodes: {states:#?}\nrecords (client, newest answered, what each node says): {last_seen:#?}"
    );
}
