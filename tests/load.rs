//! `herdctl load` against real servers: a herd on free ports, the bare baseline, a port where
//! nothing listens; and the binary's JSON summary.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use herdctl::load::{Failure, Options, Progress, bare, run};
use tokio_util::sync::CancellationToken;

fn options(targets: Vec<std::net::SocketAddr>) -> Options {
    Options {
        targets,
        connections: 8,
        duration: Duration::from_millis(800),
        rate: None,
        clients: 8,
        whatsat_percent: 0,
        propagation: false,
        timeout: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn a_herd_under_load_answers_every_request_and_reports_reach_every_server() {
    let herd = start_herd().await;
    let targets = vec![herd.client_addr("Riley").unwrap(), herd.client_addr("Campbell").unwrap()];
    let progress = Arc::new(Progress::default());
    let summary = run(Options { whatsat_percent: 20, propagation: true, ..options(targets) }, progress.clone()).await;
    assert!(summary.requests() > 100, "{}", summary.text("herd", None));
    assert_eq!(summary.errors(), 0, "{}", summary.text("herd", None));
    assert_eq!(progress.requests.load(std::sync::atomic::Ordering::Relaxed), summary.requests());
    let propagation = summary.propagation.as_ref().unwrap();
    assert!(propagation.len() >= 3, "a sample every 100 ms: {}", summary.text("herd", None));
    assert!(summary.latency.value_at_quantile(0.5) > 0);
    herd.shutdown().await;
}

#[tokio::test]
async fn errors_are_told_apart() {
    // Nothing listens on a port just freed: every attempt is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let summary = run(options(vec![closed]), Arc::new(Progress::default())).await;
    assert_eq!(summary.requests(), 0);
    assert!(summary.failures[Failure::Refused as usize] > 0, "{}", summary.text("closed", None));
    // The bare server knows no WHATSAT: those come back as `?` replies, counted as such.
    let stop = CancellationToken::new();
    let addr = bare::serve(stop.clone()).await.unwrap();
    let summary = run(Options { whatsat_percent: 50, ..options(vec![addr]) }, Arc::new(Progress::default())).await;
    assert!(
        summary.requests() > 0 && summary.failures[Failure::Invalid as usize] > 0,
        "{}",
        summary.text("bare", None)
    );
    assert_eq!(summary.failures[Failure::Malformed as usize] + summary.failures[Failure::Reset as usize], 0);
    stop.cancel();
}

#[tokio::test]
async fn open_loop_keeps_to_its_rate() {
    let stop = CancellationToken::new();
    let addr = bare::serve(stop.clone()).await.unwrap();
    let summary = run(
        Options { rate: Some(500.0), duration: Duration::from_secs(1), ..options(vec![addr]) },
        Arc::new(Progress::default()),
    )
    .await;
    // 500 a second for a second: each connection's requests are due at fixed times, so the
    // count is the rate times the duration, give or take one a connection.
    assert!((492..=508).contains(&summary.requests()), "{}", summary.text("open loop", None));
    stop.cancel();
}

#[test]
fn the_binary_prints_a_json_summary_with_a_baseline() {
    let stop_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = stop_port.local_addr().unwrap().to_string();
    drop(stop_port);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_herdctl"))
        .args(["load", &target, "-c", "2", "-d", "300ms", "--baseline", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(summary["baseline"]["requests"].as_u64().unwrap() > 0, "{summary}");
    assert!(summary["result"]["errors"]["refused"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(summary["result"]["requests"], 0);
    assert!(summary["rate_vs_baseline"].as_f64().is_some());
}

#[cfg(unix)]
#[test]
fn serve_bare_runs_the_baseline_in_a_process_of_its_own_until_told_to_stop() {
    use std::io::{BufRead, BufReader, Write};
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_herdctl"))
        .args(["load", "--serve-bare", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It says where it listens (port 0 made concrete).
    let mut said = String::new();
    BufReader::new(server.stderr.take().unwrap()).read_line(&mut said).unwrap();
    let addr = said.split_whitespace().find(|word| word.starts_with("127.0.0.1:")).unwrap_or_else(|| panic!("{said}"));
    let stream = std::net::TcpStream::connect(addr.trim_end_matches(['(', ';'])).unwrap();
    (&stream).write_all(b"IAMAT kiwi +34.068930-118.445127 1621464827.959498503\n").unwrap();
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).unwrap();
    assert!(reply.starts_with("AT Bare ") && reply.ends_with(" kiwi +34.068930-118.445127 1621464827.959498503\n"));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(server.id() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    assert!(server.wait().unwrap().success());
}
