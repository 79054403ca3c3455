//! Deterministic simulation: the real nodes (their caches, floods, links, catch-up) on turmoil's
//! simulated network, in virtual time, each node a simulated machine. Every run is one seed's
//! schedule of faults (links partitioned and repaired, nodes crashed and restarted empty, one
//! fault at a time), while a client reports and reads; after the last fault heals, every node must
//! hold the same record of every client, never older than the newest one the client was answered
//! for. Hundreds of schedules take seconds.
//!
//! `cargo test --features simulation --test simulation`; `SIMULATION_SEEDS=5000` for more,
//! `SIMULATION_SEED=N` for one. A failure prints its seed.
#![cfg(feature = "simulation")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herdctl_core::dice::Dice;
use herdctl_core::key::HerdKey;
use herdctl_core::places::NoPlaces;
use herdctl_core::{Herd, HerdOptions, NodeName, Topology};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use turmoil::net::TcpStream;

const NAMES: [&str; 5] = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];
const CLIENTS: usize = 4;
/// Virtual time with faults; then everything heals and the herd has `SETTLE` to agree.
const FAULTS_FOR: Duration = Duration::from_secs(15);
const SETTLE: Duration = Duration::from_secs(20);

/// The default herd with each node on a simulated machine of its own name.
fn topology() -> Arc<Topology> {
    let mut herd: serde_json::Value = serde_json::from_str(herdctl_core::topology::BUILT_IN).unwrap();
    for node in herd["nodes"].as_array_mut().unwrap() {
        node["host"] = node["name"].clone();
    }
    Arc::new(Topology::from_json(&herd.to_string(), "simulated.json").unwrap())
}

/// What the fault injector tells the client: whether the herd is calm (no fault, and none healed
/// in the last `CALM_AFTER`, so every link is up again), and a count that changes with every
/// fault and heal.
#[derive(Clone, Copy, Default)]
struct Weather {
    calm: bool,
    changes: u64,
}

/// Reads next door checked for read-your-writes, over all runs (each run is too short to be sure
/// of one; all of them together must have many).
static READS_CHECKED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How long links take to come back after a heal: redial, handshake, catch-up.
const CALM_AFTER: Duration = Duration::from_secs(2);

/// One line to `node`, and the first line of its answer (`None` when it cannot be had).
async fn ask(node: &str, port: u16, line: &str) -> Option<String> {
    let exchange = async {
        let mut stream = TcpStream::connect((node, port)).await.ok()?;
        stream.write_all(line.as_bytes()).await.ok()?;
        let mut answer = String::new();
        BufReader::new(stream).read_line(&mut answer).await.ok()?;
        answer.ends_with('\n').then(|| answer.trim_end().to_string())
    };
    tokio::time::timeout(Duration::from_secs(2), exchange).await.ok().flatten()
}

fn time_of(at: &str) -> u64 {
    at.rsplit(' ').next().and_then(|time| time.parse().ok()).unwrap_or_else(|| panic!("{at:?}"))
}

/// How a fault is undone, and when.
type Heal = Box<dyn FnOnce(&mut turmoil::Sim)>;

/// Runs one schedule; returns what went wrong, if anything.
fn run(seed: u64) -> Result<(), String> {
    // This process's herds run on the simulated network (only this test binary's).
    herdctl_core::net::simulate();
    let topology = topology();
    let ports: HashMap<&str, u16> = topology
        .nodes()
        .iter()
        .map(|node| (NAMES.iter().find(|n| **n == node.name).unwrap().to_owned(), node.port))
        .collect();
    let mut sim = turmoil::Builder::new()
        .simulation_duration(FAULTS_FOR + SETTLE + Duration::from_secs(30))
        .rng_seed(seed)
        // Coarse ticks: the herd's timers are hundreds of milliseconds, and a run is ten times
        // cheaper than at 1 ms.
        .tick_duration(Duration::from_millis(10))
        .build();
    for name in NAMES {
        let topology = topology.clone();
        sim.host(name, move || {
            let topology = topology.clone();
            async move {
                let options = HerdOptions::new(HerdKey::new("simulated"), Arc::new(NoPlaces));
                let _herd = Herd::start(topology, &[NodeName::from(name)], options).await?;
                std::future::pending::<()>().await;
                Ok(())
            }
        });
    }

    // The client reports for a while, remembering each client's newest answer; then, once every
    // fault has healed, it reads every client's record at every node until they agree.
    let verdict: Arc<Mutex<Option<String>>> = Arc::default();
    let weather: Arc<Mutex<Weather>> = Arc::default();
    let (told, client_ports, sky) = (verdict.clone(), ports.clone(), weather.clone());
    let neighbours: HashMap<&str, Vec<String>> =
        NAMES.iter().map(|name| (*name, topology.neighbours(name).iter().map(|n| n.to_string()).collect())).collect();
    sim.client("client", async move {
        let mut dice = Dice::seeded(seed);
        let mut answered: HashMap<String, String> = HashMap::new();
        let mut time = 1_700_000_000u64;
        let started = tokio::time::Instant::now();
        while started.elapsed() < FAULTS_FOR {
            time += 1;
            let client = format!("c{}", dice.below(CLIENTS as u64));
            let node = NAMES[dice.below(NAMES.len() as u64) as usize];
            let line = format!("IAMAT {client} +34.068930-118.445127 {time}\n");
            let before = *sky.lock().unwrap();
            if let Some(at) = ask(node, client_ports[node], &line).await.filter(|at| at.starts_with("AT ")) {
                // Read-your-writes next door: once answered, any neighbour of that node has it,
                // unless a fault came between.
                let next_door = &neighbours[node][dice.below(neighbours[node].len() as u64) as usize];
                let read = ask(next_door, client_ports[next_door.as_str()], &format!("WHATSAT {client} 1 1\n")).await;
                let after = *sky.lock().unwrap();
                let fresh = read.as_deref().is_some_and(|r| r.starts_with("AT ") && time_of(r) >= time);
                let checked = before.calm && after.calm && before.changes == after.changes;
                if checked {
                    READS_CHECKED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                if checked && !fresh {
                    *told.lock().unwrap() =
                        Some(format!("{node} answered {at:?}, and then {next_door} said {read:?} (read-your-writes)"));
                    return Ok(());
                }
                answered.insert(client, at);
            }
            tokio::time::sleep(Duration::from_millis(50 + dice.below(100))).await;
        }
        let deadline = tokio::time::Instant::now() + SETTLE;
        loop {
            let mut disagreement = None;
            for (client, newest) in &answered {
                let mut seen = Vec::new();
                for node in NAMES {
                    seen.push(ask(node, client_ports[node], &format!("WHATSAT {client} 1 1\n")).await);
                }
                let agreed = seen.iter().all(|at| at.is_some() && *at == seen[0]);
                let fresh =
                    seen[0].as_deref().is_some_and(|at| at.starts_with("AT ") && time_of(at) >= time_of(newest));
                if !(agreed && fresh) {
                    disagreement = Some(format!("{client}: newest answered {newest:?}, the nodes say {seen:?}"));
                }
            }
            match disagreement {
                None => break,
                Some(what) if tokio::time::Instant::now() > deadline => {
                    *told.lock().unwrap() = Some(what);
                    break;
                }
                Some(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
        Ok(())
    });

    // The faults, one at a time, each healed before the next: a link partitioned, or a node
    // crashed and restarted empty.
    let mut dice = Dice::seeded(seed.rotate_left(17));
    let mut next_fault = Duration::from_millis(500);
    let mut heal: Option<(Duration, Heal)> = None;
    let mut faults = Vec::new();
    let mut healed_at = Duration::ZERO;
    loop {
        let now = sim.elapsed();
        {
            let mut sky = weather.lock().unwrap();
            let calm = heal.is_none() && now >= healed_at + CALM_AFTER;
            if calm != sky.calm {
                *sky = Weather { calm, changes: sky.changes + 1 };
            }
        }
        if let Some((at, _)) = &heal {
            if now >= *at {
                let (_, undo) = heal.take().unwrap();
                undo(&mut sim);
                healed_at = now;
                next_fault = now + Duration::from_millis(200 + dice.below(4000));
            }
        } else if now >= next_fault && now < FAULTS_FOR {
            // Some outlast the links' silence limit (6 s): the links then break and catch up.
            let lasting = Duration::from_millis(100 + dice.below(8000));
            let mut sky = weather.lock().unwrap();
            *sky = Weather { calm: false, changes: sky.changes + 1 };
            drop(sky);
            if dice.below(2) == 0 {
                let links = topology.links();
                let (a, b) = links[dice.below(links.len() as u64) as usize].clone();
                // Held, not dropped: TCP retransmits what a partition swallows, or breaks the
                // connection; it never loses a segment and goes on (turmoil's `partition` does,
                // which no real link does).
                faults.push(format!("{now:?}: {a}–{b} partitioned for {lasting:?}"));
                sim.hold(a.to_string(), b.to_string());
                heal = Some((
                    now + lasting,
                    Box::new(move |sim: &mut turmoil::Sim| sim.release(a.to_string(), b.to_string())),
                ));
            } else {
                let node = NAMES[dice.below(NAMES.len() as u64) as usize];
                faults.push(format!("{now:?}: {node} crashed for {lasting:?}"));
                sim.crash(node);
                heal = Some((now + lasting, Box::new(move |sim: &mut turmoil::Sim| sim.bounce(node))));
            }
        }
        match sim.step() {
            Ok(true) => break,
            Ok(false) => {}
            Err(error) => return Err(format!("the simulation failed: {error}\nfaults: {faults:#?}")),
        }
    }
    match verdict.lock().unwrap().take() {
        None => Ok(()),
        Some(what) => Err(format!("{what}\nfaults: {faults:#?}")),
    }
}

#[test]
fn every_schedule_of_partitions_and_crashes_ends_in_agreement_without_losing_an_answered_record() {
    let seeds: Vec<u64> = match std::env::var("SIMULATION_SEED").ok().and_then(|seed| seed.parse().ok()) {
        Some(seed) => vec![seed],
        None => {
            let count = std::env::var("SIMULATION_SEEDS").ok().and_then(|n| n.parse().ok()).unwrap_or(200);
            (1..=count).collect()
        }
    };
    let runs = seeds.len() as u64;
    for seed in seeds {
        if let Err(what) = run(seed) {
            panic!("seed {seed} (replay with SIMULATION_SEED={seed}): {what}");
        }
    }
    let checked = READS_CHECKED.load(std::sync::atomic::Ordering::Relaxed);
    assert!(checked >= runs, "only {checked} reads next door were checked in calm weather over {runs} runs");
}
