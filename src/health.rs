//! The small HTTP server of `--metrics ADDR`: `/metrics` (Prometheus text), `/healthz` and
//! `/readyz`.

use std::net::SocketAddr;
use std::sync::Arc;

use herdctl_core::herd::Herd;
use herdctl_core::metrics::Registry;
use tokio_util::sync::CancellationToken;

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
    let metrics = {
        let (herd, registry) = (herd.clone(), registry.clone());
        move || async move { registry.render(&herd) }
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
    let served = axum::serve(listener, app).with_graceful_shutdown(async move { stop.cancelled().await });
    if let Err(error) = served.await {
        tracing::warn!("the metrics server stopped: {error}");
    }
}

/// Binds the metrics address at once, so that a busy port stops herdctl before the herd starts.
pub async fn bind(addr: &str) -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
