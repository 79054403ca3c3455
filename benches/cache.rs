//! What a node's cache costs per client: a million clients' records, memory measured from the
//! process's resident size before and after. Run with `cargo bench --bench cache`.

use std::sync::Arc;
use std::time::Instant;

use herdctl::event::Via;
use herdctl::node::Cache;
use herdctl::protocol::{self, Command, Record, Timestamp};

const CLIENTS: usize = 1_000_000;

fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

fn main() {
    let cache = Cache::default();
    let before = resident_bytes();
    let started = Instant::now();
    for i in 0..CLIENTS {
        // A realistic client: a host name, a six-decimal position, a nanosecond timestamp.
        let line = format!("IAMAT client-{i}.cs.ucla.edu +34.068930-118.445127 1700000000.{i:09}");
        let Some(Command::Iamat(iamat)) = protocol::parse(line.as_bytes()) else { unreachable!() };
        let record = Arc::new(Record::new("Riley", Timestamp::now(), &iamat));
        cache.offer(&record, 0, Via::Client);
    }
    let elapsed = started.elapsed();
    let grown = resident_bytes().saturating_sub(before);
    println!(
        "{} clients stored in {:.2} s ({:.0} ns each); memory {:.0} MB, {} bytes a client",
        cache.len(),
        elapsed.as_secs_f64(),
        elapsed.as_nanos() as f64 / CLIENTS as f64,
        grown as f64 / 1e6,
        grown / CLIENTS
    );
}
