//! `--metrics`: Prometheus text that counts what the herd did, and the health endpoints.

mod common;

use std::sync::Arc;

use common::*;
use herdctl::health::serve;
use herdctl_core::key::HerdKey;
use herdctl_core::metrics::Registry;
use herdctl_core::places::Offline;
use herdctl_core::{Herd, HerdOptions};
use tokio_util::sync::CancellationToken;

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("the metrics server answers");
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn metrics_count_what_happened_and_health_follows_the_nodes() {
    let registry = Arc::new(Registry::default());
    let topology = Arc::new(default_herd_on_free_ports());
    let names = topology.names().to_vec();
    let options = HerdOptions {
        metrics: Some(registry.clone()),
        ..HerdOptions::new(HerdKey::new(KEY), Arc::new(Offline::start()))
    };
    let herd = Arc::new(Herd::start(topology, &names, options).await.unwrap());
    all_links_up(&herd).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(serve(listener, herd.clone(), registry, stop.clone()));

    assert_eq!(get(&format!("{base}/healthz")).await, (200, "serving\n".into()));
    assert_eq!(get(&format!("{base}/readyz")).await, (200, "ready\n".into()));

    let reply = ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    assert!(reply.starts_with("AT Riley"), "{reply}");
    ask(&herd, "Riley", "WHATSAT kiwi 10 5\n").await;
    ask(&herd, "Riley", "WHATSAT nobody 10 5\n").await;
    ask(&herd, "Riley", "HELLO\n").await;

    let (status, text) = get(&format!("{base}/metrics")).await;
    assert_eq!(status, 200);
    let lines = |command: &str, outcome: &str| {
        sample(&text, &format!(r#"herdctl_client_lines_total{{node="Riley",command="{command}",outcome="{outcome}"}}"#))
    };
    assert_eq!(lines("IAMAT", "answered"), Some(1.0), "{text}");
    assert_eq!(lines("WHATSAT", "answered"), Some(1.0));
    assert_eq!(lines("WHATSAT", "refused"), Some(1.0));
    assert_eq!(lines("invalid", "refused"), Some(1.0));
    assert_eq!(lines("IAMAT", "refused"), Some(0.0));
    // The reply waited for Jaquez's and Juzang's acknowledgements: the record went and arrived.
    let link = |name: &str, from: &str, to: &str| {
        sample(&text, &format!(r#"herdctl_records_{name}_total{{node="{from}",neighbour="{to}"}}"#))
    };
    assert!(link("sent", "Riley", "Jaquez") >= Some(1.0), "{text}");
    assert!(link("received", "Jaquez", "Riley") >= Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"herdctl_ack_wait_seconds_count{node="Riley"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"herdctl_link_up{node="Campbell",neighbour="Juzang"}"#), Some(1.0));
    assert_eq!(sample(&text, r#"herdctl_clients_known{node="Riley"}"#), Some(1.0));
    assert_eq!(
        sample(&text, r#"herdctl_places_requests_total{node="Riley",source="offline",status="OK"}"#),
        Some(1.0),
        "{text}"
    );
    assert!(text.contains("herdctl_log_queue_bytes{node=\"Riley\"} 0"), "{text}");

    // A node down: not healthy, not ready, and its neighbours' links say so.
    herd.kill("Juzang").await.unwrap();
    assert_eq!(get(&format!("{base}/healthz")).await, (503, "down: Juzang\n".into()));
    let (status, waiting) = get(&format!("{base}/readyz")).await;
    assert_eq!(status, 503);
    assert!(waiting.contains("Campbell→Juzang"), "{waiting}");
    eventually("Campbell's link to Juzang is counted down", || async {
        let text = get(&format!("{base}/metrics")).await.1;
        sample(&text, r#"herdctl_link_up{node="Campbell",neighbour="Juzang"}"#) == Some(0.0)
            && sample(&text, r#"herdctl_link_downs_total{node="Campbell",neighbour="Juzang"}"#) >= Some(1.0)
    })
    .await;
    stop.cancel();
    herd.shutdown().await;
}
