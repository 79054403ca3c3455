//! `herdctl experiment`: a herd in this process, driven by its own clients at a steady rate,
//! with latency (and loss) on every link and seeded faults, healed at the end; then what it
//! cost and how fast it spread: messages per update, propagation latency against the floor the
//! links' latency sets, and updates lost once everything healed. docs/EXPERIMENTS.md has the
//! figures and the schema of `--results`. While it runs, probes note how late the machine and
//! the runtime woke (lateness.rs): a run too busy to be timed says so instead of blaming the herd.
//! A series of runs (several strategies, repeats) makes one table (series.rs, table.rs).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

mod lateness;
mod series;
mod table;
mod verdict;

pub use lateness::{BUSY, Lateness, TICK};
pub use series::{MOST_RUNS, Run, Series};
pub use table::{Spread, json as series_json, markdown as series_markdown};
pub use verdict::{Bars, FaultDone, Summary, Verdict, WAIT_MARGIN};

use crate::command::Fault;
use crate::schedule::Schedule;
use herdctl_core::event::{Arrival, EventKind};
use herdctl_core::herd::{Herd, HerdError, HerdOptions};
use herdctl_core::network::Delay;
use herdctl_core::protocol::Record;
use herdctl_core::topology::SharedTopology;

/// How long the herd may take to settle after the last update and the last fault.
pub const CONVERGED_WITHIN: Duration = Duration::from_secs(10);

/// The most updates a second the clients send. Each update is a client connection of its own, made
/// in this process beside the herd: past this the clients, not the herd, are what a run measures
/// (`herdctl load` measures a herd's throughput).
pub const MOST_RATE: f64 = 10_000.0;

/// The most updates a run makes (rate × duration): each is kept until the run ends, to be measured.
pub const MOST_UPDATES: f64 = 1_000_000.0;

/// What to run.
#[derive(Clone)]
pub struct Plan {
    pub topology: SharedTopology,
    /// What the topology is, in words (`grid of 25`), for the report.
    pub topology_name: String,
    pub options: HerdOptions,
    pub latency: Delay,
    pub loss_percent: u32,
    /// Updates a second, over all clients.
    pub rate: f64,
    /// Reads (WHATSAT at a random node, of a client already reported) for each update.
    pub reads_per_update: f64,
    pub clients: usize,
    pub duration: Duration,
    /// Faults the nemesis makes, one kind after another, every `nemesis_interval`.
    pub nemesis: Vec<Fault>,
    pub nemesis_interval: Duration,
    pub seed: u64,
}

impl Plan {
    /// Why the plan cannot be run, when it cannot.
    pub fn check(&self) -> Result<(), String> {
        rate(self.rate)?;
        let updates = self.rate * self.duration.as_secs_f64();
        if updates > MOST_UPDATES {
            return Err(format!(
                "{} updates a second for {} is {updates:.0} updates: at most {MOST_UPDATES:.0} a run, as each is kept \
                 until the run ends to be measured",
                self.rate,
                humantime::format_duration(self.duration)
            ));
        }
        Ok(())
    }
}

/// Reads a rate of updates a second: more than 0, at most [`MOST_RATE`].
pub fn rate(rate: f64) -> Result<f64, String> {
    if rate > 0.0 && rate <= MOST_RATE {
        Ok(rate)
    } else {
        Err(format!(
            "{rate} updates a second: write more than 0 and at most {MOST_RATE:.0}; each update is a client \
             connection of its own in this process, and past that the clients, not the herd, are what is \
             measured (herdctl load measures a herd's throughput)"
        ))
    }
}

/// One update the clients made and were answered for.
#[derive(Clone, Debug)]
struct Update {
    record: Arc<Record>,
    answered: SystemTime,
    /// How long the client waited for its answer (the node waits for its neighbours first).
    waited: Duration,
}

/// What the herd said while the experiment ran.
#[derive(Default)]
struct Seen {
    /// By AT line: when each node stored it.
    stored: HashMap<String, Vec<SystemTime>>,
    /// By AT line: records sent for it (not catch-up), and copies dropped as duplicates.
    sent: HashMap<String, usize>,
    duplicates: HashMap<String, usize>,
    /// Events the listener missed (it fell behind): the figures are then unsure.
    missed: u64,
    /// What happened to nodes and links, when: the fault schedule as it was carried out.
    faults: Vec<(SystemTime, String)>,
}

/// Runs `plan`: starts the herd, drives it, injects the faults, heals, settles, and measures.
pub async fn run(plan: &Plan) -> Result<Verdict, HerdError> {
    let herd = start(plan).await?;
    let outcome = exercise(&herd, plan).await;
    herd.shutdown().await;
    outcome
}

/// The herd of `plan`, started, linked, and its links given their latency and loss.
pub async fn start(plan: &Plan) -> Result<Arc<Herd>, HerdError> {
    let names = plan.topology.names().to_vec();
    let herd = Arc::new(Herd::start(plan.topology.clone(), &names, plan.options.clone()).await?);
    herd.wait_linked(CONVERGED_WITHIN).await;
    for (a, b) in plan.topology.links() {
        if !plan.latency.base.is_zero() {
            herd.set_delay(&a, &b, plan.latency)?;
        }
        if plan.loss_percent > 0 {
            herd.set_loss(&a, &b, plan.loss_percent)?;
        }
    }
    Ok(herd)
}

/// Drives a started herd as `plan` says, heals it, lets it settle, and measures (the herd is
/// left running: a console may still be showing it).
pub async fn exercise(herd: &Arc<Herd>, plan: &Plan) -> Result<Verdict, HerdError> {
    let names = plan.topology.names().to_vec();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let listener = tokio::spawn(listen(herd.subscribe(), seen.clone()));
    let mut schedule = Schedule::default();
    for (i, fault) in plan.nemesis.iter().enumerate() {
        let interval = plan.nemesis_interval * plan.nemesis.len() as u32;
        let seed = plan.seed.wrapping_add(i as u64 + 1);
        let text = format!("nemesis {}", i + 1);
        schedule.every(herd.clone(), (interval / 2, interval * 3 / 2), fault.clone(), Some(plan.duration), seed, text);
    }
    let transmissions_before = herd.totals().transmissions;
    // From the first update to the herd settled: every time the figures measure is in there.
    let probes = lateness::Probes::start();
    let began = SystemTime::now();
    let (updates, (reads, stale_reads)) = drive(herd, plan).await;
    schedule.calm().await;
    // Heal what is left (a lossy link keeps its loss: it is the experiment's weather, not a fault).
    for name in &names {
        let _ = herd.revive(name).await;
    }
    herd.wait_linked(CONVERGED_WITHIN).await;
    let settled = settle(herd, &updates).await;
    let lateness = probes.stop().await;
    let transmissions = herd.totals().transmissions - transmissions_before;
    listener.abort();
    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|p| p.into_inner()));
    let mut outcome = measure(plan, &updates, &seen, transmissions, settled, lateness);
    (outcome.reads, outcome.stale_reads) = (reads, stale_reads);
    outcome.faults = seen
        .faults
        .iter()
        .filter(|(at, _)| *at >= began)
        .map(|(at, what)| FaultDone {
            at_s: at.duration_since(began).unwrap_or_default().as_secs_f64(),
            what: what.clone(),
        })
        .collect();
    Ok(outcome)
}

/// Listens to the herd's events for what the measures need.
async fn listen(mut events: tokio::sync::broadcast::Receiver<Arc<herdctl_core::HerdEvent>>, seen: Arc<Mutex<Seen>>) {
    loop {
        match events.recv().await {
            Ok(event) => {
                let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                match &event.kind {
                    EventKind::CacheUpdated { record, .. } => {
                        seen.stored.entry(record.line().to_string()).or_default().push(event.at)
                    }
                    EventKind::FloodSent { record, catch_up: false, .. } => {
                        *seen.sent.entry(record.line().to_string()).or_default() += 1
                    }
                    EventKind::FloodReceived { record, arrival: Arrival::Duplicate, catch_up: false, .. } => {
                        *seen.duplicates.entry(record.line().to_string()).or_default() += 1
                    }
                    EventKind::NodeUp { .. }
                    | EventKind::NodeDown
                    | EventKind::LinkCut { .. }
                    | EventKind::LinkHealed { .. }
                    | EventKind::LossSet { .. } => {
                        seen.faults.push((event.at, format!("{} {}", event.node, event.kind)))
                    }
                    _ => {}
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(count)) => {
                seen.lock().unwrap_or_else(|p| p.into_inner()).missed += count;
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// The newest record each client was answered for, so far.
type Acknowledged = Arc<Mutex<HashMap<String, Arc<Record>>>>;

/// Sends `rate` IAMATs a second for the run's duration, each to a node chosen by the seed,
/// for one of `clients` clients in turn, with `reads_per_update` WHATSATs between them; returns
/// the updates answered, and how many reads were answered and how many of those were stale.
async fn drive(herd: &Arc<Herd>, plan: &Plan) -> (Vec<Update>, (usize, usize)) {
    let acknowledged: Acknowledged = Arc::default();
    let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stale = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut read_credit = 0.0;
    let mut dice = herdctl_core::dice::Dice::seeded(plan.seed);
    let names = plan.topology.names().to_vec();
    let every = Duration::from_secs_f64(1.0 / plan.rate.max(0.1));
    let count = (plan.duration.as_secs_f64() * plan.rate) as usize;
    let started = tokio::time::Instant::now();
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..count {
        tokio::time::sleep_until(started + every * i as u32).await;
        let node = names[dice.below(names.len() as u64) as usize].clone();
        let Ok(addr) = herd.client_addr(&node) else { continue };
        let line = format!(
            "IAMAT c{} +{:.6}+{:.6} {}",
            i % plan.clients.max(1),
            dice.unit() * 80.0,
            dice.unit() * 170.0,
            herdctl_core::protocol::Timestamp::now()
        );
        let acked = acknowledged.clone();
        sends.spawn(async move {
            let sent = tokio::time::Instant::now();
            let reply = crate::operator::send(addr, &node, &line).await;
            let (answered, waited) = (SystemTime::now(), sent.elapsed());
            let record = Arc::new(Record::parse(reply.trim_end())?);
            let mut acked = acked.lock().unwrap_or_else(|p| p.into_inner());
            if acked.get(record.client()).is_none_or(|known| record.supersedes(known)) {
                acked.insert(record.client().to_string(), record.clone());
            }
            Some(Update { record, answered, waited })
        });
        // Reads between updates: a client already answered for, at a node chosen by the seed.
        read_credit += plan.reads_per_update;
        while read_credit >= 1.0 {
            read_credit -= 1.0;
            let client = format!("c{}", dice.below(plan.clients.max(1) as u64));
            let node = names[dice.below(names.len() as u64) as usize].clone();
            let expected = acknowledged.lock().unwrap_or_else(|p| p.into_inner()).get(&client).cloned();
            let (Some(expected), Ok(addr)) = (expected, herd.client_addr(&node)) else { continue };
            let (reads, stale) = (reads.clone(), stale.clone());
            sends.spawn(async move {
                let reply = crate::operator::send(addr, &node, &format!("WHATSAT {client} 10 1")).await;
                let first = reply.lines().next().unwrap_or_default();
                // Answered with an AT line, or `?` when the node knows no such client yet.
                let found = Record::parse(first);
                if found.is_some() || first.starts_with("? ") {
                    reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if found.is_none_or(|found| expected.supersedes(&found)) {
                        stale.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                None
            });
        }
    }
    let mut updates = Vec::new();
    while let Some(done) = sends.join_next().await {
        if let Ok(Some(update)) = done {
            updates.push(update);
        }
    }
    let count = |counter: &std::sync::atomic::AtomicUsize| counter.load(std::sync::atomic::Ordering::Relaxed);
    (updates, (count(&reads), count(&stale)))
}

/// Waits (at most `CONVERGED_WITHIN`) until every live node holds, for every client, at least the newest
/// record a client was answered for; returns how many of those updates some node still lacks.
async fn settle(herd: &Herd, updates: &[Update]) -> usize {
    let mut newest: BTreeMap<&str, &Record> = BTreeMap::new();
    for update in updates {
        let client = update.record.client();
        if newest.get(client).is_none_or(|known| update.record.supersedes(known)) {
            newest.insert(client, &update.record);
        }
    }
    let missing = |herd: &Herd| {
        newest
            .values()
            .filter(|record| {
                herd.status().iter().filter(|n| n.up).any(|node| {
                    herd.cache_entry(&node.name, record.client())
                        .ok()
                        .flatten()
                        .is_none_or(|held| record.supersedes(&held.record))
                })
            })
            .count()
    };
    herd.wait_until(CONVERGED_WITHIN, |herd| missing(herd) == 0).await;
    missing(herd)
}

fn measure(
    plan: &Plan,
    updates: &[Update],
    seen: &Seen,
    transmissions: u64,
    lost: usize,
    lateness: Lateness,
) -> Verdict {
    let latency_ms = plan.latency.base.as_secs_f64() * 1000.0;
    let live = plan.topology.names().len();
    let mut propagation = Vec::new();
    let mut floors = Vec::new();
    let mut sent = Vec::new();
    let mut duplicates = 0;
    for update in updates {
        let line = update.record.line();
        if let Some(stored) = seen.stored.get(line).filter(|stored| stored.len() >= live) {
            let last = stored.iter().max().copied().unwrap_or(update.answered);
            propagation.push(last.duration_since(update.answered).unwrap_or_default().as_secs_f64() * 1000.0);
        }
        let farthest = plan.topology.hops_from(update.record.server()).values().copied().max().unwrap_or(0);
        floors.push(farthest as f64 * latency_ms);
        sent.push(seen.sent.get(line).copied().unwrap_or(0) as f64);
        duplicates += seen.duplicates.get(line).copied().unwrap_or(0);
    }
    let count = updates.len().max(1) as f64;
    let mut unsure = Vec::new();
    if updates.is_empty() {
        unsure.push("no update was answered".to_string());
    }
    if seen.missed > 0 {
        unsure.push(format!("the listener missed {} events: per-update figures are low", seen.missed));
    }
    unsure.extend(lateness.busy());
    Verdict {
        updates: updates.len(),
        transmissions,
        messages_per_update: transmissions as f64 / count,
        records_sent_per_update: Summary::of(sent),
        duplicates_per_update: duplicates as f64 / count,
        propagation_ms: Summary::of(propagation),
        answer_ms: Summary::of(updates.iter().map(|u| u.waited.as_secs_f64() * 1000.0).collect()),
        floor_ms: Summary::of(floors).p50,
        lost,
        reads: 0,
        stale_reads: 0,
        faults: Vec::new(),
        lateness,
        unsure: (!unsure.is_empty()).then(|| unsure.join("; ")),
    }
}

/// A plan on a ring of 3, for tests: seed 7, 10 ms links, 10 updates/s for a second.
#[cfg(test)]
fn example_plan() -> Plan {
    let topology = herdctl_core::shape::Shape::Ring.topology(3, 1).unwrap();
    let key = herdctl_core::key::HerdKey::new("k");
    Plan {
        topology: Arc::new(topology),
        topology_name: "ring of 3".into(),
        options: HerdOptions::new(key, Arc::new(herdctl_core::places::NoPlaces)),
        latency: Delay::fixed(Duration::from_millis(10)),
        loss_percent: 0,
        rate: 10.0,
        reads_per_update: 0.0,
        clients: 2,
        duration: Duration::from_secs(1),
        nemesis: Vec::new(),
        nemesis_interval: Duration::from_secs(2),
        seed: 7,
    }
}

/// Reads `kill,cut,loss`: the nemesis's faults, each on a random node or link.
pub fn nemesis(text: &str) -> Result<Vec<Fault>, String> {
    text.split(',')
        .map(|word| match word.trim() {
            "kill" => Ok(Fault::Kill(None)),
            "cut" => Ok(Fault::Cut(None)),
            "loss" => Ok(Fault::Loss(None, 30)),
            other => Err(format!("{other:?}: the nemesis's faults are kill, cut and loss")),
        })
        .collect()
}
