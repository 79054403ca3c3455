//! A stand-in for Google's Places web services, over plain HTTP, answering from herdctl's offline
//! gazetteer: a student's server (in any language) calls it exactly as it would call Google, with
//! no key of its own and no internet. Both of Google's shapes are served: the legacy Nearby
//! Search (`legacy`), which the course used, and the Places API (New)'s `searchNearby`
//! (`new_api`). `herdctl places-stub ADDR` runs one; a foreign herd (`--exec`) and the grader
//! start one in their own process (`bind`, then `serve`) and hand its address to each student's
//! server in `URL_VARIABLE` and `NEW_URL_VARIABLE`.
//!
//! Any key is accepted, but a request without one is refused as Google refuses it, so that a
//! server that works here works against Google too. Only Google's own paths are served, for the
//! same reason.

mod legacy;
mod new_api;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use herdctl_core::places::Places;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The environment variable a student's server reads: the full URL of the legacy endpoint.
pub const URL_VARIABLE: &str = "HERDCTL_PLACES_URL";
/// The same for a server written against the Places API (New): the full URL of `searchNearby`.
pub const NEW_URL_VARIABLE: &str = "HERDCTL_PLACES_NEW_URL";
/// Google's path of the legacy Nearby Search (on `https://maps.googleapis.com`).
pub const LEGACY_PATH: &str = "/maps/api/place/nearbysearch/json";
/// Google's path of the Places API (New)'s nearby search (on `https://places.googleapis.com`).
pub const NEW_PATH: &str = "/v1/places:searchNearby";

/// A request body larger than this is refused: a nearby search is a few hundred bytes.
const MOST_BODY: usize = 64 * 1024;

/// Binds the stub's address at once, so that a busy or mistyped one is said before anything
/// starts. Port 0 picks a free port; the address returned is the real one.
pub async fn bind(addr: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}

/// Serves both endpoints on `listener` from `places` (the offline source, usually) until `stop`
/// is cancelled; requests under way are finished first.
pub async fn serve(listener: TcpListener, places: Arc<dyn Places>, stop: CancellationToken) -> std::io::Result<()> {
    axum::serve(listener, router(places)).with_graceful_shutdown(stop.cancelled_owned()).await
}

/// What a student's server is given in `URL_VARIABLE` for a stub bound at `addr`.
pub fn legacy_url(addr: SocketAddr) -> String {
    format!("http://{addr}{LEGACY_PATH}")
}

/// What a student's server is given in `NEW_URL_VARIABLE` for a stub bound at `addr`.
pub fn new_url(addr: SocketAddr) -> String {
    format!("http://{addr}{NEW_PATH}")
}

fn router(places: Arc<dyn Places>) -> Router {
    Router::new()
        .route(LEGACY_PATH, get(legacy::nearby))
        .route(NEW_PATH, post(new_api::search_nearby))
        .fallback(elsewhere)
        .layer(DefaultBodyLimit::max(MOST_BODY))
        .with_state(places)
}

/// Google answers an unknown path with a bare 404; a student misconfiguring the URL learns more
/// from being told where the endpoints are.
async fn elsewhere(uri: Uri) -> Response {
    let text = format!(
        "herdctl's places stub has nothing at {}: the legacy Nearby Search is GET {LEGACY_PATH}, \
         the Places API (New) is POST {NEW_PATH}\n",
        uri.path()
    );
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=UTF-8")], text).into_response()
}

/// A JSON answer, typed as Google types it.
fn json_response(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json; charset=UTF-8")], text).into_response()
}
