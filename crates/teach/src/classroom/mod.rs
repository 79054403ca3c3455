//! The students' phones in the herd: a small web page (`--classroom-web ADDR`) where each student
//! types a name, picks a city (from the offline gazetteer) or their own position, and reports it
//! as an IAMAT to a random server of the herd. The page shows the AT reply and which servers know
//! them already (`known`: a server that is down says so), while the projector shows the reports
//! flooding.
//!
//! Bounded, since a room full of phones is a room full of clients: names are sanitised and short,
//! each student reports at most once every `REPORT_EVERY`, and the page takes at most
//! `max_students` different students; bodies are small.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use herdctl_core::herd::Herd;
use herdctl_core::places::Gazetteer;
use herdctl_core::protocol::Timestamp;

mod known;

pub use known::WAIT_FOR_NEWS;

const PAGE: &str = include_str!("page.html");
/// A student's reports come at most this often.
pub const REPORT_EVERY: Duration = Duration::from_secs(2);
/// Different students the page takes, by default.
pub const MAX_STUDENTS: usize = 500;
/// The longest name, after sanitising.
const NAME_MOST: usize = 24;
/// Cities offered for a typed name.
const CITIES: usize = 8;

/// What the page serves.
pub struct Classroom {
    herd: Arc<Herd>,
    gazetteer: OnceCell<Arc<Gazetteer>>,
    /// When each student last reported.
    students: Mutex<HashMap<String, Instant>>,
    max_students: usize,
    /// How long a phone's "anything new?" waits for news.
    wait_for_news: Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot serve the classroom page on {addr}: {source}")]
pub struct ServeError {
    addr: SocketAddr,
    source: std::io::Error,
}

/// A student's name made safe to be a client ID: letters, digits, `-`, `_` and `.` kept, the
/// rest dropped, at most `NAME_MOST` characters. Empty when nothing usable is left.
pub fn sanitise(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).take(NAME_MOST).collect()
}

/// ISO 6709 as IAMAT wants it: `+34.068930-118.445127`.
fn coordinates(lat: f64, lon: f64) -> Option<String> {
    let fits = lat.is_finite() && lon.is_finite() && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon);
    fits.then(|| format!("{lat:+.6}{lon:+.6}"))
}

fn refuse(status: StatusCode, error: impl Into<String>) -> Response {
    (status, Json(json!({ "error": error.into() }))).into_response()
}

/// Why a student may not report now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    TooSoon,
    Full,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::TooSoon => refuse(StatusCode::TOO_MANY_REQUESTS, "one report every 2 seconds, please"),
            Self::Full => refuse(StatusCode::SERVICE_UNAVAILABLE, "the class is full"),
        }
    }
}

#[derive(Deserialize)]
struct CityQuery {
    q: String,
}

#[derive(Deserialize)]
struct ReportBody {
    name: String,
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct KnownQuery {
    client: String,
    /// What the phone saw last (the answer's `state`): the answer waits until it changes.
    seen: Option<String>,
}

impl Classroom {
    pub fn new(herd: Arc<Herd>, max_students: usize) -> Arc<Self> {
        Self::waiting_for_news(herd, max_students, WAIT_FOR_NEWS)
    }

    /// A page whose phones' "anything new?" waits `wait` for news at most.
    pub fn waiting_for_news(herd: Arc<Herd>, max_students: usize, wait: Duration) -> Arc<Self> {
        Arc::new(Self {
            herd,
            gazetteer: OnceCell::new(),
            students: Mutex::default(),
            max_students,
            wait_for_news: wait,
        })
    }

    async fn gazetteer(&self) -> Option<&Arc<Gazetteer>> {
        self.gazetteer
            .get_or_try_init(|| async {
                let loaded = tokio::task::spawn_blocking(Gazetteer::built_in).await.map_err(|_| ())?;
                loaded.map(Arc::new).map_err(|_| ())
            })
            .await
            .ok()
    }

    /// Whether `client` may report now; counts it.
    fn admit(&self, client: &str) -> Result<(), Refusal> {
        let mut students = self.students.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match students.get(client) {
            Some(last) if now.duration_since(*last) < REPORT_EVERY => return Err(Refusal::TooSoon),
            None if students.len() >= self.max_students => return Err(Refusal::Full),
            _ => {}
        }
        students.insert(client.to_string(), now);
        Ok(())
    }

    /// A random running node of this herd: where a student's report goes.
    fn random_node(&self) -> Option<(String, SocketAddr)> {
        let running: Vec<_> = self.herd.status().into_iter().filter(|n| n.up).collect();
        let mut byte = [0u8; 4];
        getrandom::fill(&mut byte).ok()?;
        let node = running.get(u32::from_le_bytes(byte) as usize % running.len().max(1))?;
        Some((node.name.to_string(), node.client_addr))
    }
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn cities(State(classroom): State<Arc<Classroom>>, Query(query): Query<CityQuery>) -> Response {
    let Some(gazetteer) = classroom.gazetteer().await else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "the gazetteer could not be loaded");
    };
    let found: Vec<_> = gazetteer
        .named(&query.q, CITIES)
        .into_iter()
        .map(
            |(place, vicinity)| json!({ "name": place.name, "vicinity": vicinity, "lat": place.lat, "lon": place.lon }),
        )
        .collect();
    Json(found).into_response()
}

async fn report(State(classroom): State<Arc<Classroom>>, Json(body): Json<ReportBody>) -> Response {
    let name = sanitise(&body.name);
    if name.is_empty() {
        return refuse(StatusCode::BAD_REQUEST, "type a name: letters, digits, - and _");
    }
    let Some(coords) = coordinates(body.lat, body.lon) else {
        return refuse(StatusCode::BAD_REQUEST, "that is not a place on Earth");
    };
    let client = format!("phone-{name}");
    if let Err(refusal) = classroom.admit(&client) {
        return refusal.into_response();
    }
    let Some((node, addr)) = classroom.random_node() else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "no server of the herd is up");
    };
    // A real client's IAMAT, over TCP, like any other.
    let line = format!("IAMAT {client} {coords} {}", Timestamp::now());
    let reply = crate::operator::send(addr, &node, &line).await;
    Json(json!({ "client": client, "node": node, "reply": reply.trim_end() })).into_response()
}

async fn known(State(classroom): State<Arc<Classroom>>, Query(query): Query<KnownQuery>) -> Response {
    Json(known::answer(&classroom.herd, &query.client, query.seen.as_deref(), classroom.wait_for_news).await)
        .into_response()
}

/// Serves the page on `addr` until `stop` is cancelled; returns the address it listens on.
pub async fn serve(
    classroom: Arc<Classroom>,
    addr: SocketAddr,
    stop: CancellationToken,
) -> Result<SocketAddr, ServeError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| ServeError { addr, source })?;
    let bound = listener.local_addr().map_err(|source| ServeError { addr, source })?;
    let budget = classroom.herd.connections();
    let app = Router::new()
        .route("/", get(page))
        .route("/cities", get(cities))
        .route("/report", post(report))
        .route("/known", get(known))
        .layer(DefaultBodyLimit::max(4096))
        .with_state(classroom);
    tokio::spawn(crate::web::serve(listener, app, crate::web::WebLimits::CLASSROOM, budget, stop));
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_places_are_made_safe() {
        assert_eq!(sanitise("alice"), "alice");
        assert_eq!(sanitise(" Bob O'Neil <script>"), "BobONeilscript");
        assert_eq!(sanitise("a b\nc\u{0}d"), "abcd");
        assert_eq!(sanitise("x".repeat(100).as_str()).len(), NAME_MOST);
        assert_eq!(sanitise("☃☃☃"), "");
        assert_eq!(coordinates(34.06893, -118.445127).unwrap(), "+34.068930-118.445127");
        assert_eq!(coordinates(-0.5, 0.25).unwrap(), "-0.500000+0.250000");
        assert_eq!(coordinates(91.0, 0.0), None);
        assert_eq!(coordinates(f64::NAN, 0.0), None);
    }
}
