//! `herdctl health [ADDR]`, the image's HEALTHCHECK: exit 0 and one line for a node that serves,
//! exit 1 and one line saying why for one that does not, through a real node's client port and
//! its metrics HTTP port.

mod common;

use std::process::{Command, Output};
use std::sync::Arc;

use common::*;
use herdctl::health::serve;
use herdctl_core::metrics::Registry;
use tokio_util::sync::CancellationToken;

async fn health(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_herdctl")).arg("health").args(&args).output().unwrap()
    })
    .await
    .unwrap()
}

/// The one line a failing check prints, checked to be that: one line, no backtrace.
fn said(output: &Output) -> String {
    let (out, err) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let text = format!("{out}{err}");
    assert_eq!(text.trim_end().lines().count(), 1, "one line: {text}");
    text.trim_end().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serving_client_port_is_healthy_and_a_closed_one_is_not() {
    let herd = start_herd().await;
    let addr = herd.client_addr("Riley").unwrap().to_string();
    let output = health(&[&addr]).await;
    assert!(output.status.success(), "{}", said(&output));
    assert_eq!(said(&output), format!("healthy: {addr}: answers clients"));

    herd.kill("Riley").await.unwrap();
    let output = health(&[&addr, "--timeout", "5s"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    assert!(said(&output).starts_with(&format!("herdctl: unhealthy: {addr}: ")), "{}", said(&output));
    herd.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_port_answers_for_readiness_and_for_a_path_of_its_own() {
    let herd = Arc::new(start_herd().await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(serve(listener, herd.clone(), Arc::new(Registry::default()), stop.clone()));

    // Every link is up (start_herd waits for it) and caught up: ready, once catch-up is done.
    let ready = format!("{base}/readyz");
    eventually("/readyz answers 200", || {
        let ready = ready.clone();
        async move { health(&[&ready]).await.status.success() }
    })
    .await;
    assert_eq!(said(&health(&[&base]).await), format!("healthy: {base}: ready"), "/readyz by default");

    // A node of the process down: /healthz says which, and the check fails with it.
    herd.kill("Jaquez").await.unwrap();
    let output = health(&[&format!("{base}/healthz")]).await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(said(&output), format!("herdctl: unhealthy: {base}/healthz: 503 down: Jaquez"));

    // Not an HTTP port: the client port answers a line, not HTTP.
    let client = format!("http://{}", herd.client_addr("Riley").unwrap());
    let output = health(&[&client, "--timeout", "5s"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", said(&output));
    stop.cancel();
}

#[test]
fn a_bad_address_is_one_line_and_exit_1() {
    let port = free_ports(1)[0];
    let output = Command::new(env!("CARGO_BIN_EXE_herdctl")).args(["health", "no-port-here"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(said(&output).contains("no-port-here"), "{}", said(&output));
    let closed = format!("127.0.0.1:{port}");
    let output = Command::new(env!("CARGO_BIN_EXE_herdctl")).args(["health", &closed]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(said(&output).contains("refused"), "{}", said(&output));
}
