//! The students' phones in the herd: a small web page (`--classroom-web ADDR`) where each student
//! types a name, picks a city (from the offline gazetteer) or their own position, and reports it
//! as an IAMAT to a random server of the herd. The page shows the AT reply and which servers know
//! them already (`known`: a server that is down says so), while the projector shows the reports
//! flooding.
//!
//! Bounded, since a room full of phones is a room full of clients: names are sanitised and short,
//! each student reports at most once every `REPORT_EVERY`, and the page takes at most
//! `max_students` different students; bodies are small. One address takes at most
//! `NAMES_PER_ADDRESS` names, a name not reported for `FORGET_AFTER` makes room for another, and a
//! name belongs to the phone that took it (a cookie it is given then), so nobody reports under
//! another student's name.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
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
/// Names one address may report under (a phone, or a few behind one address).
pub const NAMES_PER_ADDRESS: usize = 4;
/// A name not reported for this long is forgotten when the class needs room.
pub const FORGET_AFTER: Duration = Duration::from_secs(30 * 60);
/// The cookie that tells a phone's names from another's.
const PHONE_COOKIE: &str = "herd_phone";
/// The longest name, after sanitising.
const NAME_MOST: usize = 24;
/// Cities offered for a typed name.
const CITIES: usize = 8;

/// What the page serves.
pub struct Classroom {
    herd: Arc<Herd>,
    gazetteer: OnceCell<Arc<Gazetteer>>,
    /// Each student: when they last reported, from which phone and address.
    students: Mutex<HashMap<String, Student>>,
    max_students: usize,
    /// How long a name not reported is kept while the class is full.
    forget_after: Duration,
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

/// A name taken on the page.
struct Student {
    last: Instant,
    phone: String,
    address: IpAddr,
}

/// Why a student may not report now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    TooSoon,
    Full,
    Taken,
    TooManyNames,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::TooSoon => refuse(StatusCode::TOO_MANY_REQUESTS, "one report every 2 seconds, please"),
            Self::Full => refuse(StatusCode::SERVICE_UNAVAILABLE, "the class is full"),
            Self::Taken => refuse(StatusCode::CONFLICT, "another phone reports under that name: choose another"),
            Self::TooManyNames => refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "this address reports under enough names already: keep one of them",
            ),
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
            forget_after: FORGET_AFTER,
            wait_for_news: wait,
        })
    }

    /// A page that forgets a name not reported for `after` when it needs room (the default is
    /// `FORGET_AFTER`).
    pub fn forgetting_after(herd: Arc<Herd>, max_students: usize, after: Duration) -> Arc<Self> {
        Arc::new(Self {
            herd,
            gazetteer: OnceCell::new(),
            students: Mutex::default(),
            max_students,
            forget_after: after,
            wait_for_news: WAIT_FOR_NEWS,
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

    /// Whether `client` may report now from `phone` at `address`; counts it.
    fn admit(&self, client: &str, phone: &str, address: IpAddr) -> Result<(), Refusal> {
        let mut students = self.students.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match students.get(client) {
            Some(student) if student.phone != phone => return Err(Refusal::Taken),
            Some(student) if now.duration_since(student.last) < REPORT_EVERY => return Err(Refusal::TooSoon),
            Some(_) => {}
            None => {
                if students.values().filter(|student| student.address == address).count() >= NAMES_PER_ADDRESS {
                    return Err(Refusal::TooManyNames);
                }
                if students.len() >= self.max_students {
                    students.retain(|_, student| now.duration_since(student.last) < self.forget_after);
                }
                if students.len() >= self.max_students {
                    return Err(Refusal::Full);
                }
            }
        }
        students.insert(client.to_string(), Student { last: now, phone: phone.to_string(), address });
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

async fn report(
    State(classroom): State<Arc<Classroom>>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(body): Json<ReportBody>,
) -> Response {
    let name = sanitise(&body.name);
    if name.is_empty() {
        return refuse(StatusCode::BAD_REQUEST, "type a name: letters, digits, - and _");
    }
    let Some(coords) = coordinates(body.lat, body.lon) else {
        return refuse(StatusCode::BAD_REQUEST, "that is not a place on Earth");
    };
    let client = format!("phone-{name}");
    // The phone's token: the one its cookie carries, or a new one it is given now.
    let (phone, new_phone) = match phone_of(&headers) {
        Some(phone) => (phone, false),
        None => match new_token() {
            Some(phone) => (phone, true),
            None => return refuse(StatusCode::SERVICE_UNAVAILABLE, "no randomness for a phone's token"),
        },
    };
    if let Err(refusal) = classroom.admit(&client, &phone, from.ip()) {
        return refusal.into_response();
    }
    let Some((node, addr)) = classroom.random_node() else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "no server of the herd is up");
    };
    // A real client's IAMAT, over TCP, like any other.
    let line = format!("IAMAT {client} {coords} {}", Timestamp::now());
    let reply = crate::operator::send(addr, &node, &line).await;
    let mut response = Json(json!({ "client": client, "node": node, "reply": reply.trim_end() })).into_response();
    if new_phone {
        let cookie = format!("{PHONE_COOKIE}={phone}; Path=/; SameSite=Strict; HttpOnly");
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

/// The phone token a request's cookie carries, if it carries a well-formed one.
fn phone_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().strip_prefix(PHONE_COOKIE)?.strip_prefix('='))
        .find(|token| token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

/// A new phone's token: 16 random bytes in hex.
fn new_token() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
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
