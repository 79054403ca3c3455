//! Load on one node, against a bare tokio line server driven the same way on the same machine.
//! Run with `cargo bench --bench load`; the numbers are written down in docs/BENCHMARKS.md.
//! (`herdctl load --baseline` measures any herd the same way, with percentiles and errors.)
//!
//! Each of 50 connections sends an IAMAT for its own client with a rising timestamp, waits for
//! the AT line, and repeats, for a fixed time. Every IAMAT is new, so every one is flooded to the
//! rest of the herd (the herd runs in this process: the node shares the 2 cores with its four
//! neighbours and with the load generator).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use herdctl_core::key::HerdKey;
use herdctl_core::places::NoPlaces;
use herdctl_core::{Herd, HerdOptions, Topology};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const CONNECTIONS: usize = 50;
const RUN_FOR: Duration = Duration::from_secs(4);

/// Drives `addr` with the load; returns (requests per second, mean latency, 99th percentile).
async fn drive(addr: SocketAddr) -> (f64, Duration, Duration) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for connection in 0..CONNECTIONS {
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (reader, mut writer) = stream.into_split();
            let mut lines = BufReader::new(reader);
            let mut latencies = Vec::new();
            let mut reply = String::new();
            let mut n: u64 = 0;
            while started.elapsed() < RUN_FOR {
                n += 1;
                let line = format!("IAMAT load-{connection} +34.068930-118.445127 1700000000.{n:09}\n");
                let sent = Instant::now();
                writer.write_all(line.as_bytes()).await.unwrap();
                reply.clear();
                lines.read_line(&mut reply).await.unwrap();
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let mean = latencies.iter().sum::<Duration>() / latencies.len() as u32;
    let p99 = latencies[latencies.len() * 99 / 100];
    (latencies.len() as f64 / elapsed, mean, p99)
}

fn report(label: &str, (rate, mean, p99): (f64, Duration, Duration)) {
    println!(
        "{label}: {rate:.0} requests/s, mean latency {:.0} µs, p99 {:.0} µs",
        mean.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // `cargo bench --bench load -- --target HOST:PORT` drives a server run elsewhere (a node of a
    // herd of separate processes, say) and nothing else.
    let args: Vec<String> = std::env::args().collect();
    if let Some(target) = args.iter().position(|a| a == "--target").and_then(|i| args.get(i + 1)) {
        let addr: SocketAddr = target.parse().expect("--target HOST:PORT");
        runtime.block_on(async { report(&format!("server at {addr}"), drive(addr).await) });
        return;
    }
    runtime.block_on(async {
        let stop = tokio_util::sync::CancellationToken::new();
        let bare = drive(herdctl::load::bare::serve(stop.clone()).await.unwrap()).await;
        report("bare tokio line server", bare);

        let topology = Arc::new(Topology::built_in().on_free_ports());
        let names = topology.names().to_vec();
        let logs = std::env::temp_dir().join(format!("herdctl-bench-{}", std::process::id()));
        for (label, log_dir) in [("without log files", None), ("with log files", Some(logs.clone()))] {
            let options = HerdOptions { log_dir, ..HerdOptions::new(HerdKey::new("bench"), Arc::new(NoPlaces)) };
            let herd = Herd::start(topology.clone(), &names, options).await.unwrap();
            while !herd.wait_linked(Duration::from_secs(5)).await {}
            let node = drive(herd.client_addr("Riley").unwrap()).await;
            report(&format!("herdctl node Riley, flooding to a 5-node herd in this process, {label}"), node);
            println!(
                "  = {:.0}% of the bare server's throughput, {:.1}x its mean latency",
                node.0 / bare.0 * 100.0,
                node.1.as_secs_f64() / bare.1.as_secs_f64()
            );
            herd.shutdown().await;
        }
        let _ = std::fs::remove_dir_all(logs);
    });
}
