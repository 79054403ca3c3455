//! The legacy Nearby Search (`GET /maps/api/place/nearbysearch/json`): the course's original
//! source. Google's document is passed through; only `results` is cut to the bound.

use serde_json::{Map, Value, json};

use super::cache::Upstream;
use super::http::Http;
use super::{Query, failure};

pub struct Legacy {
    http: Http,
    url: String,
    key: String,
}

impl Legacy {
    pub fn new(http: Http, endpoint: String, key: String) -> Self {
        let url = format!("{}/maps/api/place/nearbysearch/json", endpoint.trim_end_matches('/'));
        Self { http, url, key }
    }
}

impl Upstream for Legacy {
    fn name(&self) -> &str {
        "google-legacy"
    }

    /// The legacy API has no bound: the whole page is fetched and cut afterwards, so one cached
    /// answer serves every bound.
    fn requested_bound(&self, _query: &Query) -> Option<usize> {
        None
    }

    async fn fetch(&self, query: &Query) -> Value {
        let location = format!("{},{}", query.lat, query.lon);
        let params = [("location", location.as_str()), ("radius", query.radius_m.as_str()), ("key", self.key.as_str())];
        let (status, document) = match self.http.send_for_json(self.http.client.get(&self.url).query(&params)).await {
            Ok(answer) => answer,
            Err(failure) => return failure,
        };
        match document["status"].as_str() {
            Some("OK" | "ZERO_RESULTS") if document["results"].is_array() => with_attributions(document),
            // Google's own failure (REQUEST_DENIED, OVER_QUERY_LIMIT, ...): its words, no results.
            Some(_) => {
                let mut document = with_attributions(document);
                document["results"] = Value::Array(Vec::new());
                document
            }
            None => failure(
                "UNKNOWN_ERROR",
                &format!("the places service answered HTTP {} without a Nearby Search status", status.as_u16()),
            ),
        }
    }
}

/// Google's document with `html_attributions` first, as Google writes it (added, empty, if a
/// proxy or an error page left it out), so that every reply has the same layout.
fn with_attributions(document: Value) -> Value {
    let Value::Object(fields) = document else {
        return document;
    };
    let mut ordered = Map::new();
    ordered.insert("html_attributions".into(), fields.get("html_attributions").cloned().unwrap_or_else(|| json!([])));
    ordered.extend(fields.into_iter().filter(|(key, _)| key != "html_attributions"));
    Value::Object(ordered)
}
