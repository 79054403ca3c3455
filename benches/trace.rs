//! Writing a trace: 200,000 recorded messages merged, matched (each receive to its send) and
//! written as JSON lines and as an SVG. Run with `cargo bench --bench trace`; the numbers are in
//! docs/BENCHMARKS.md. Target (issue 8): under a second for 200,000 events, off the console's task.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use herdctl_core::event::{Arrival, EventKind, HerdEvent};
use herdctl_core::protocol::Record;
use herdctl_core::topology::NodeName;
use herdctl_teach::trace::Trace;

const EVENTS: usize = 200_000;

fn main() {
    let trace = Trace::default();
    let names: Vec<NodeName> = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"].map(NodeName::from).to_vec();
    let rings: Vec<_> = names.iter().map(|_| trace.recorder().ring()).collect();
    let start = SystemTime::now();
    // Sends and receives over the ring of nodes, one a millisecond (within the recording budget);
    // one send in ten is never received (its link broke), the worst case of the old matching.
    let mut count = 0;
    let mut i = 0u64;
    while count < EVENTS {
        let (from, to) = ((i % 5) as usize, ((i + 1) % 5) as usize);
        let line = format!("AT Riley +0.000100000 client-{} +1+1 1700000000.{:09}", i % 5_000, i);
        let record = Arc::new(Record::parse(&line).unwrap());
        let at = start + Duration::from_millis(i);
        let sent = EventKind::FloodSent { to: names[to].clone(), record: record.clone(), hops: 1, catch_up: false };
        rings[from].record(&Arc::new(HerdEvent { at, node: names[from].clone(), kind: sent }));
        count += 1;
        if i % 10 != 0 {
            let kind = EventKind::FloodReceived {
                from: names[from].clone(),
                record,
                hops: 1,
                arrival: Arrival::New,
                catch_up: false,
            };
            rings[to].record(&Arc::new(HerdEvent {
                at: at + Duration::from_micros(50),
                node: names[to].clone(),
                kind,
            }));
            count += 1;
        }
        i += 1;
    }
    let dir = std::env::temp_dir().join(format!("herdctl-trace-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["trace.jsonl", "trace.svg"] {
        let started = Instant::now();
        trace.write(&dir.join(file), &names).unwrap();
        let size = std::fs::metadata(dir.join(file)).unwrap().len();
        println!(
            "{count} events written as {file}: {:.0} ms, {:.1} MB",
            started.elapsed().as_secs_f64() * 1e3,
            size as f64 / 1e6
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
