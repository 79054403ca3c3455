//! Where WHATSAT finds its places: the `Places` trait, the reply document in the layout of
//! Google's Nearby Search response, and the three sources behind the trait (PROTOCOL.md
//! section 3): Google's Places API (New), its legacy Nearby Search, and an offline gazetteer.

mod cache;
mod google;
mod http;
mod layout;
mod legacy;
mod offline;
mod summary;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

pub use cache::CACHE_TTL;
pub use google::{FIELD_MASK, to_new_place};
pub use http::TIMEOUT;
pub use layout::to_google_text;
pub use offline::{Gazetteer, Offline, distance_m};
pub use summary::summary;

/// The environment variable that holds the Google Maps API key.
pub const KEY_VARIABLE: &str = "GOOGLE_MAPS_API_KEY";
/// Where the Places API (New) lives, unless `--places-endpoint` says otherwise.
pub const GOOGLE_ENDPOINT: &str = "https://places.googleapis.com";
/// Where the legacy Nearby Search lives, unless `--places-endpoint` says otherwise.
pub const LEGACY_ENDPOINT: &str = "https://maps.googleapis.com";

/// What a WHATSAT asks of a source.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub lat: f64,
    pub lon: f64,
    /// The radius in metres, as exact decimal text (see `protocol::Radius::metres`): what goes
    /// upstream, and the cache key.
    pub radius_m: String,
    /// At most this many results.
    pub bound: usize,
}

impl Query {
    /// The radius in metres as a number, for arithmetic.
    pub fn radius_metres(&self) -> f64 {
        self.radius_m.parse().unwrap_or(0.0)
    }
}

/// How a source came by its answer, for logs and the console's cost figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Computed here (the offline gazetteer).
    Local,
    /// A new request to the upstream service.
    Upstream,
    /// A recent identical query's answer.
    Cached,
    /// An identical query was already waiting on upstream; this one shared its answer.
    Shared,
}

/// A source's answer: a document in the Nearby Search layout, `results` already cut to the bound.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub document: Value,
    pub origin: Origin,
}

impl Answer {
    /// The document's `status` (`OK`, `ZERO_RESULTS`, `REQUEST_DENIED`, ...).
    pub fn status(&self) -> &str {
        self.document["status"].as_str().unwrap_or("UNKNOWN_ERROR")
    }

    pub fn results(&self) -> usize {
        self.document["results"].as_array().map_or(0, Vec::len)
    }
}

/// A future returned by a places source.
pub type PlacesFuture<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// A source of nearby places. Every answer is a document in the Nearby Search layout
/// (`html_attributions`, `results`, `status`, and `error_message` on failure). A source never
/// fails and never hangs past `TIMEOUT`: its failures are documents too.
pub trait Places: Send + Sync {
    /// The name shown to users (`offline`, `google`, `google-legacy`).
    fn name(&self) -> &str;
    fn nearby(&self, query: Query) -> PlacesFuture<'_>;
    /// Requests made to an upstream service so far (0 for local sources).
    fn upstream_requests(&self) -> u64 {
        0
    }
    /// Done once the source answers without a wait of its own making (the offline gazetteer
    /// loaded); at once for the others. Costs no request.
    fn warm_up(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(std::future::ready(()))
    }
}

/// A failure answer in the Nearby Search layout.
pub fn failure(status: &str, message: &str) -> Value {
    json!({ "html_attributions": [], "results": [], "status": status, "error_message": message })
}

/// A successful answer in the Nearby Search layout (`ZERO_RESULTS` when there are none).
pub fn success(attributions: Vec<Value>, results: Vec<Value>) -> Value {
    let status = if results.is_empty() { "ZERO_RESULTS" } else { "OK" };
    json!({ "html_attributions": attributions, "results": results, "status": status })
}

/// The sources a user can choose with `--places`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Offline,
    Google,
    GoogleLegacy,
}

#[derive(Debug, thiserror::Error)]
pub enum PlacesError {
    #[error("--places {0} needs a Google Maps API key: set {KEY_VARIABLE} (or use --places offline)")]
    NoKey(&'static str),
    #[error("--places-endpoint only applies to the google sources, not to --places offline")]
    EndpointWithoutGoogle,
    #[error("--places-endpoint {0:?} is not an http:// or https:// URL")]
    BadEndpoint(String),
    #[error("cannot set up the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// What the user asked for on the command line and in the environment.
#[derive(Clone, Debug)]
pub struct PlacesSettings {
    /// `None`: google when a key is set, else offline.
    pub kind: Option<SourceKind>,
    pub key: Option<String>,
    pub endpoint: Option<String>,
    /// The limit on each upstream request (`TIMEOUT` unless a test wants it shorter).
    pub timeout: Duration,
}

impl Default for PlacesSettings {
    fn default() -> Self {
        Self { kind: None, key: None, endpoint: None, timeout: TIMEOUT }
    }
}

impl PlacesSettings {
    /// Reads the key from `GOOGLE_MAPS_API_KEY` (an empty value counts as unset).
    pub fn from_env(kind: Option<SourceKind>, endpoint: Option<String>) -> Self {
        let key = std::env::var(KEY_VARIABLE).ok().filter(|key| !key.trim().is_empty());
        Self { kind, key, endpoint, ..Self::default() }
    }

    /// Builds the chosen source, refusing a Google source without a key.
    pub fn build(self) -> Result<Arc<dyn Places>, PlacesError> {
        let kind = self.kind.unwrap_or(if self.key.is_some() { SourceKind::Google } else { SourceKind::Offline });
        if let Some(endpoint) = &self.endpoint {
            if kind == SourceKind::Offline {
                return Err(PlacesError::EndpointWithoutGoogle);
            }
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(PlacesError::BadEndpoint(endpoint.clone()));
            }
        }
        let endpoint = |default: &str| self.endpoint.clone().unwrap_or_else(|| default.to_string());
        let key = |source| self.key.clone().ok_or(PlacesError::NoKey(source));
        let http = || http::Http::new(self.timeout);
        Ok(match kind {
            SourceKind::Offline => Arc::new(Offline::start()),
            SourceKind::Google => {
                Arc::new(cache::Cached::new(google::Google::new(http()?, endpoint(GOOGLE_ENDPOINT), key("google")?)))
            }
            SourceKind::GoogleLegacy => Arc::new(cache::Cached::new(legacy::Legacy::new(
                http()?,
                endpoint(LEGACY_ENDPOINT),
                key("google-legacy")?,
            ))),
        })
    }
}

/// A source with no places at all: every query gets `ZERO_RESULTS`. For tests of the engine
/// that are not about places.
pub struct NoPlaces;

impl Places for NoPlaces {
    fn name(&self) -> &str {
        "none"
    }

    fn nearby(&self, _query: Query) -> PlacesFuture<'_> {
        Box::pin(async { Answer { document: success(Vec::new(), Vec::new()), origin: Origin::Local } })
    }
}

/// Cuts a document's `results` to `bound`.
fn truncate(mut document: Value, bound: usize) -> Value {
    if let Some(results) = document.get_mut("results").and_then(Value::as_array_mut) {
        results.truncate(bound);
    }
    document
}
