//! `herdctl places-stub`: Google's places services stood in for by the offline gazetteer, for
//! students' servers without a key.

use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

/// `herdctl places-stub ADDR`: Google's nearby searches from the offline gazetteer, each request
/// logged on stderr, until Ctrl-C or SIGTERM.
pub async fn run(addr: &str) -> anyhow::Result<()> {
    use herdctl_teach::places_stub::{self as stub, LEGACY_PATH, NEW_PATH, URL_VARIABLE};
    let (listener, bound) = stub::bind(addr)
        .await
        .with_context(|| format!("places-stub {addr}: cannot listen there (is it busy, or not HOST:PORT?)"))?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).log_internal_errors(false).init();
    let places = Arc::new(herdctl_core::places::Offline::start());
    // Ready when it says so: a first request does not wait for the gazetteer to load.
    herdctl_core::places::Places::warm_up(&*places).await;
    // Listened for before the address is said: whoever reads it may stop the stub at once.
    let mut terminate = herdctl::signal::Terminate::new().context("cannot listen for shutdown signals")?;
    // The real address (port 0 picks one): tests and scripts read it from this line.
    eprintln!(
        "herdctl: places stub on http://{bound} (Google's legacy Nearby Search at {LEGACY_PATH}, Places API (New) \
         at {NEW_PATH}); set {URL_VARIABLE}={} for a student's server",
        stub::legacy_url(bound)
    );
    let stop = CancellationToken::new();
    let serving = tokio::spawn(stub::serve(listener, places, stop.clone()));
    crate::shutdown_signal(&mut terminate).await.context("cannot listen for shutdown signals")?;
    stop.cancel();
    serving.await.context("the places stub failed")?.context("the places stub stopped")
}
