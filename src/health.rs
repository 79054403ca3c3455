//! The small HTTP server of `--metrics ADDR`: `/metrics` (Prometheus text), `/healthz` and
//! `/readyz`.

use std::net::SocketAddr;
use std::sync::Arc;

use herdctl_core::herd::Herd;
use herdctl_core::metrics::Registry;
use tokio_util::sync::CancellationToken;

/// The Prometheus text, with the gauges read from `herd` now.
pub fn scrape(registry: &Registry, herd: &Herd) -> String {
    for node in herd.status() {
        let name = &*node.name;
        registry.gauge("herdctl_node_up", &[("node", name)], f64::from(u8::from(node.up)));
        registry.gauge("herdctl_clients_known", &[("node", name)], node.clients as f64);
        for (neighbour, up) in &node.links {
            let value = f64::from(u8::from(*up));
            registry.gauge("herdctl_link_up", &[("node", name), ("neighbour", neighbour)], value);
        }
    }
    for (node, _, health) in herd.stores() {
        let pairs = [("node", &*node)];
        registry.gauge("herdctl_store_failing", &pairs, f64::from(u8::from(health.is_failing())));
        registry.gauge("herdctl_store_kept_back_records", &pairs, health.kept_back() as f64);
        registry.total("herdctl_store_commit_failures_total", &pairs, health.failures());
    }
    for (node, bytes) in herd.log_backlog() {
        registry.gauge("herdctl_log_queue_bytes", &[("node", &node)], bytes as f64);
    }
    registry.render()
}

/// Serves `/metrics`, `/healthz` (every node of this process serves clients) and `/readyz`
/// (and every one of their links is up and caught up, or cut by the operator) on `listener`
/// until `stop`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    herd: Arc<Herd>,
    registry: Arc<Registry>,
    stop: CancellationToken,
) {
    use axum::http::StatusCode;
    use axum::routing::get;
    let budget = herd.connections();
    let metrics = {
        let (herd, registry) = (herd.clone(), registry.clone());
        move || async move { scrape(&registry, &herd) }
    };
    let healthz = {
        let herd = herd.clone();
        move || async move {
            let down: Vec<String> = herd.status().iter().filter(|n| !n.up).map(|n| n.name.to_string()).collect();
            match down.is_empty() {
                true => (StatusCode::OK, "serving\n".to_string()),
                false => (StatusCode::SERVICE_UNAVAILABLE, format!("down: {}\n", down.join(", "))),
            }
        }
    };
    let readyz = move || async move {
        // A store that cannot write refuses IAMATs: not ready, whatever the links say.
        let failing: Vec<String> = herd
            .stores()
            .iter()
            .filter(|(_, _, health)| health.is_failing())
            .map(|(_, file, health)| format!("{file} cannot be written ({})", health.reason().unwrap_or_default()))
            .collect();
        if !failing.is_empty() {
            return (StatusCode::SERVICE_UNAVAILABLE, format!("{}\n", failing.join("; ")));
        }
        let waiting = herd.links_not_ready();
        match waiting.is_empty() {
            true => (StatusCode::OK, "ready\n".to_string()),
            false => (StatusCode::SERVICE_UNAVAILABLE, format!("waiting for: {}\n", waiting.join(", "))),
        }
    };
    let app = axum::Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    herdctl_teach::web::serve(listener, app, herdctl_teach::web::WebLimits::METRICS, budget, stop).await;
}

/// Binds the metrics address at once, so that a busy port stops herdctl before the herd starts.
pub async fn bind(addr: &str) -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
