//! Where WHATSAT finds its places: the `Places` trait, the reply document in the layout of
//! Google's Nearby Search response, and the sources behind the trait.

mod layout;

use std::future::Future;
use std::pin::Pin;

use serde_json::{Value, json};

pub use layout::to_google_text;

/// What a WHATSAT asks of a source.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub lat: f64,
    pub lon: f64,
    /// The radius in metres, as exact decimal text (see `protocol::Radius::metres`).
    pub radius_m: String,
    /// The radius in metres as a number, for arithmetic.
    pub radius_m_f64: f64,
    /// At most this many results.
    pub bound: usize,
}

/// A future returned by a places source.
pub type PlacesFuture<'a> = Pin<Box<dyn Future<Output = Value> + Send + 'a>>;

/// A source of nearby places. Every answer is a document in the Nearby Search layout
/// (`html_attributions`, `results`, `status`, and `error_message` on failure), with `results`
/// already cut to the bound. A source never fails: its failures are documents too.
pub trait Places: Send + Sync {
    /// The name shown to users (`offline`, `google`, `google-legacy`).
    fn name(&self) -> &str;
    fn nearby(&self, query: Query) -> PlacesFuture<'_>;
}

/// A failure answer in the Nearby Search layout.
pub fn failure(status: &str, message: &str) -> Value {
    json!({ "html_attributions": [], "results": [], "status": status, "error_message": message })
}

/// A successful answer in the Nearby Search layout (`ZERO_RESULTS` when there are none).
pub fn answer(results: Vec<Value>) -> Value {
    let status = if results.is_empty() {
        "ZERO_RESULTS"
    } else {
        "OK"
    };
    json!({ "html_attributions": [], "results": results, "status": status })
}

/// A source with no places at all: every query gets `ZERO_RESULTS`. Used where no real source is
/// wanted (the engine's own tests).
pub struct NoPlaces;

impl Places for NoPlaces {
    fn name(&self) -> &str {
        "none"
    }

    fn nearby(&self, _query: Query) -> PlacesFuture<'_> {
        Box::pin(async { answer(Vec::new()) })
    }
}
