//! What a node's cache costs at a million clients: memory per client (the process's resident
//! size before and after), the time to store one, and what the console's reads cost the node:
//! a page of the ordered index (the lock is held only while a page is copied) read 30 times a
//! second while records keep arriving. Run with `cargo bench --bench cache`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use herdctl_core::cache::{Cache, PageStart};
use herdctl_core::event::Via;
use herdctl_core::protocol::{self, ClientCommand, Record, Timestamp};

const CLIENTS: usize = 1_000_000;
/// Rows the console reads on each side of its anchor.
const WINDOW: usize = 200;

fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

fn record(i: usize, fraction: usize) -> Arc<Record> {
    // A realistic client: a host name, a six-decimal position, a nanosecond timestamp.
    let line = format!("IAMAT client-{i:07}.cs.ucla.edu +34.068930-118.445127 1700000000.{fraction:09}");
    let Some(ClientCommand::Iamat(iamat)) = protocol::parse(line.as_bytes()) else { unreachable!() };
    Arc::new(Record::new("Riley", Timestamp::now(), &iamat))
}

fn percentile(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    samples[(samples.len() * p / 100).min(samples.len() - 1)]
}

fn percentile_permille(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    samples[(samples.len() * p / 1000).min(samples.len() - 1)]
}

fn main() {
    let cache = Arc::new(Cache::default());
    let before = resident_bytes();
    let started = Instant::now();
    for i in 0..CLIENTS {
        cache.offer(&record(i, i), 0, Via::Client);
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

    // What one console frame reads: the count, and a window around an anchor.
    for (label, start) in [
        ("first page", PageStart::First),
        ("a page in the middle", PageStart::From("client-0500000".into())),
        ("the page before it", PageStart::Before("client-0500000".into())),
        ("last page", PageStart::Last),
    ] {
        let mut times: Vec<Duration> = (0..200)
            .map(|_| {
                let started = Instant::now();
                let page = cache.page(&start, WINDOW);
                assert_eq!(page.len(), WINDOW);
                started.elapsed()
            })
            .collect();
        println!(
            "{label} ({WINDOW} of {CLIENTS} clients): p50 {:.0} µs, max {:.0} µs (lock held only while lines are copied)",
            percentile(&mut times, 50).as_secs_f64() * 1e6,
            percentile(&mut times, 100).as_secs_f64() * 1e6
        );
    }

    // Records keep arriving while a reader takes two pages 30 times a second, as the console does.
    let reading = Arc::new(AtomicBool::new(true));
    let reader = {
        let (cache, reading) = (cache.clone(), reading.clone());
        std::thread::spawn(move || {
            let mut frames = 0;
            while reading.load(Ordering::Relaxed) {
                let _ = cache.page(&PageStart::Before("client-0500000".into()), WINDOW);
                let _ = cache.page(&PageStart::From("client-0500000".into()), WINDOW);
                let _ = cache.len();
                frames += 1;
                std::thread::sleep(Duration::from_millis(33));
            }
            frames
        })
    };
    let mut offers: Vec<Duration> = (0..300_000)
        .map(|i| {
            let record = record(i * 3 % CLIENTS, CLIENTS + i);
            let started = Instant::now();
            cache.offer(&record, 0, Via::Client);
            started.elapsed()
        })
        .collect();
    reading.store(false, Ordering::Relaxed);
    let frames = reader.join().unwrap();
    println!(
        "300,000 updates while the console read {frames} frames: each update p50 {:.2} µs, p99.9 {:.0} µs, max {:.0} µs",
        percentile(&mut offers, 50).as_secs_f64() * 1e6,
        percentile_permille(&mut offers, 999).as_secs_f64() * 1e6,
        percentile(&mut offers, 100).as_secs_f64() * 1e6
    );
}
