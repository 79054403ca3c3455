//! The small HTTP server of `--metrics ADDR`: `/metrics` (Prometheus text), `/healthz` and
//! `/readyz`.

use std::net::SocketAddr;
use std::sync::Arc;

use herdctl_core::herd::Herd;
use herdctl_core::metrics::Registry;
use tokio_util::sync::CancellationToken;

/// The Prometheus text, with the gauges read from `herd` and the process now.
pub fn scrape(registry: &Registry, herd: &Herd) -> String {
    let build = [("version", env!("CARGO_PKG_VERSION")), ("protocol", herdctl_core::peer::wire::VERSION)];
    registry.gauge("herdctl_build_info", &build, 1.0);
    let process = crate::process_stats::now();
    if let Some(bytes) = process.resident_bytes {
        registry.gauge("process_resident_memory_bytes", &[], bytes as f64);
    }
    if let Some(fds) = process.open_fds {
        registry.gauge("process_open_fds", &[], fds as f64);
    }
    if let Some(seconds) = process.cpu_seconds {
        registry.cpu_seconds(seconds);
    }
    for node in herd.status() {
        let name = &*node.name;
        registry.gauge("herdctl_node_up", &[("node", name)], f64::from(u8::from(node.up)));
        registry.gauge("herdctl_clients_known", &[("node", name)], node.clients as f64);
        for (neighbour, up) in &node.links {
            let pairs = [("node", name), ("neighbour", &**neighbour)];
            registry.gauge("herdctl_link_up", &pairs, f64::from(u8::from(*up)));
            // An operator's cut is not an outage: alerts on `herdctl_link_up` can leave these out.
            let cut = herd.network().is_cut_from(name, neighbour);
            registry.gauge("herdctl_link_cut", &pairs, f64::from(u8::from(cut)));
        }
    }
    for (node, neighbour, queued) in herd.link_queues() {
        registry.gauge("herdctl_link_queue_records", &[("node", &node), ("neighbour", &neighbour)], queued as f64);
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
    for (node, lines) in herd.log_lines_dropped() {
        registry.total("herdctl_log_lines_dropped_total", &[("node", &node)], lines);
    }
    for (node, open) in herd.client_connections() {
        registry.gauge("herdctl_client_connections", &[("node", &node)], open as f64);
    }
    registry.render()
}

/// How often the metrics' histograms are folded while nobody scrapes (the exporter's own default).
const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Serves `/metrics`, `/livez` (the process answers: what a liveness probe should ask, since a
/// node an operator killed on purpose is not a process to restart), `/healthz` (every node of
/// this process serves clients) and `/readyz`
/// (every node of this process serves clients, can write its store, and has caught up once since
/// it started; neighbours' state is not readiness) on `listener` until `stop`.
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
        // A store that cannot write refuses IAMATs: not ready.
        let failing: Vec<String> = herd
            .stores()
            .iter()
            .filter(|(_, _, health)| health.is_failing())
            .map(|(_, file, health)| format!("{file} cannot be written ({})", health.reason().unwrap_or_default()))
            .collect();
        if !failing.is_empty() {
            return (StatusCode::SERVICE_UNAVAILABLE, format!("{}\n", failing.join("; ")));
        }
        let unready = herd.not_ready();
        match unready.is_empty() {
            true => (StatusCode::OK, "ready\n".to_string()),
            false => (StatusCode::SERVICE_UNAVAILABLE, format!("{}\n", unready.join("; "))),
        }
    };
    // The histograms' samples are folded into buckets every few seconds whether or not anyone
    // scrapes, so that memory stays bounded.
    tokio::spawn({
        let (registry, stop) = (registry.clone(), stop.clone());
        async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    _ = every.tick() => registry.upkeep(),
                }
            }
        }
    });
    let app = axum::Router::new()
        .route("/metrics", get(metrics))
        .route("/livez", get(|| async { "alive\n" }))
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
