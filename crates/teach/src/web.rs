//! Serving a small HTTP app (the classroom page, `--metrics`) within bounds: a cap on open
//! connections, drawn from the same budget as the nodes' clients (the process's open-file
//! limit), a deadline for each request's header, and a cap on a connection's life. Without them
//! idle or slow visitors took every file descriptor, and clients and peer links starved.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use herdctl_core::limits::{PortPlace, ProcessClients};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio_util::sync::CancellationToken;

/// How much one HTTP port may hold.
#[derive(Clone, Copy, Debug)]
pub struct WebLimits {
    /// Open connections; more are closed as soon as they are accepted.
    pub most: usize,
    /// A request's header must arrive whole within this; a kept-alive connection waiting for its
    /// next request waits no longer (that is its idle timeout).
    pub header: Duration,
    /// The longest a connection lives, whatever it does (a slow body, a reply never read).
    pub life: Duration,
}

impl WebLimits {
    /// For `--metrics`: a scraper or two and a few people's browsers.
    pub const METRICS: Self = Self { most: 32, header: Duration::from_secs(10), life: Duration::from_secs(60) };
    /// For `--classroom-web`: a class of phones, each with a connection or two.
    pub const CLASSROOM: Self = Self { most: 256, header: Duration::from_secs(10), life: Duration::from_secs(300) };
}

/// After a failed accept (out of file descriptors), wait before the next rather than spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` within `limits` until `stop`; each connection also takes a place
/// in `budget` while it is open.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: WebLimits,
    budget: Arc<ProcessClients>,
    stop: CancellationToken,
) {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::debug!("an HTTP port cannot accept: {error}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        // Closed at once (dropped) past either cap: the port's own, or the process's.
        let Some(place) = PortPlace::take(&open, limits.most, &budget) else { continue };
        // Who is asking, for handlers that limit by address (axum's `ConnectInfo`).
        let app = app.clone().layer(axum::Extension(axum::extract::ConnectInfo(peer)));
        let stop = stop.clone();
        tokio::spawn(async move {
            let _place = place;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
            tokio::select! {
                () = stop.cancelled() => {}
                _ = tokio::time::timeout(limits.life, connection) => {}
            }
        });
    }
}
