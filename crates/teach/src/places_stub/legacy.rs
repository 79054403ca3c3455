//! The legacy Nearby Search, `GET /maps/api/place/nearbysearch/json?location=LAT,LNG&radius=M&key=K`,
//! as Google answers it: always HTTP 200, the outcome in `status` (`OK`, `ZERO_RESULTS`,
//! `INVALID_REQUEST`, `REQUEST_DENIED`) with an `error_message` on failure, written in Google's
//! layout so that a server passing the text on replies as it would with Google's.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use herdctl_core::places::{self, Places, to_google_text};

use super::json_response;

/// Google's page: a legacy search answers at most 20 places (more would take a page token, which
/// the stub does not give).
const PAGE: usize = 20;
/// The largest radius Google's Nearby Search allows, in metres.
pub const MOST_RADIUS_M: f64 = 50_000.0;

/// What a well-formed request asks.
#[derive(Debug, PartialEq)]
struct Asked {
    lat: f64,
    lon: f64,
    radius_m: String,
}

/// A request the stub refuses: Google's status and a message that says what to change.
#[derive(Debug, PartialEq)]
struct Refused {
    status: &'static str,
    message: String,
}

fn invalid(message: String) -> Refused {
    Refused { status: "INVALID_REQUEST", message }
}

/// Reads the parameters in the order Google's answers suggest it does: the key first.
fn read(params: &HashMap<String, String>) -> Result<Asked, Refused> {
    if params.get("key").is_none_or(|key| key.trim().is_empty()) {
        return Err(Refused {
            status: "REQUEST_DENIED",
            message: "You must use an API key to authenticate each request: add key=... to the query \
                      (herdctl's places stub takes any key; Google needs your own)"
                .into(),
        });
    }
    let Some(location) = params.get("location") else {
        return Err(invalid("location is missing: give location=LAT,LNG, e.g. location=34.068930,-118.445127".into()));
    };
    let (lat, lon) = location
        .split_once(',')
        .and_then(|(lat, lon)| Some((lat.trim().parse::<f64>().ok()?, lon.trim().parse::<f64>().ok()?)))
        .filter(|(lat, lon)| lat.is_finite() && lon.is_finite())
        .ok_or_else(|| invalid(format!("location {location:?} is not LAT,LNG in decimal degrees")))?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(invalid(format!(
            "location {location:?} is off the globe: latitude runs from -90 to 90, longitude from -180 to 180"
        )));
    }
    let Some(radius) = params.get("radius") else {
        return Err(invalid(format!("radius is missing: give radius=METRES, at most {MOST_RADIUS_M}")));
    };
    let metres = radius
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|metres| metres.is_finite())
        .ok_or_else(|| invalid(format!("radius {radius:?} is not a number of metres")))?;
    if metres <= 0.0 || metres > MOST_RADIUS_M {
        return Err(invalid(format!(
            "radius {radius} is out of range: more than 0 and at most {MOST_RADIUS_M} metres"
        )));
    }
    Ok(Asked { lat, lon, radius_m: radius.trim().to_string() })
}

pub(super) async fn nearby(
    State(source): State<Arc<dyn Places>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let read = match query {
        Ok(Query(params)) => read(&params),
        Err(rejection) => Err(invalid(format!("the query string cannot be read: {}", rejection.body_text()))),
    };
    let document = match read {
        Ok(asked) => {
            let query = places::Query { lat: asked.lat, lon: asked.lon, radius_m: asked.radius_m, bound: PAGE };
            let answer = source.nearby(query.clone()).await;
            tracing::info!(
                "legacy nearby search at {},{} within {} m: {}, {} places",
                query.lat,
                query.lon,
                query.radius_m,
                answer.status(),
                answer.results()
            );
            answer.document
        }
        Err(refused) => {
            tracing::info!("legacy nearby search refused: {}: {}", refused.status, refused.message);
            places::failure(refused.status, &refused.message)
        }
    };
    json_response(StatusCode::OK, to_google_text(&document) + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> HashMap<String, String> {
        query.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn reads_a_request_as_google_does() {
        let asked = read(&params("location=34.06893,-118.445127&radius=12.5&key=x")).unwrap();
        assert_eq!(asked, Asked { lat: 34.06893, lon: -118.445127, radius_m: "12.5".into() });
        assert!(read(&params("location=0,0&radius=50000&key=x")).is_ok(), "the largest radius");
    }

    #[test]
    fn the_key_is_asked_for_before_anything_else() {
        for query in ["location=1,2&radius=10", "key=&radius=10", "key= &location=1,2"] {
            assert_eq!(read(&params(query)).unwrap_err().status, "REQUEST_DENIED", "{query}");
        }
    }

    #[test]
    fn a_bad_parameter_is_named() {
        for (query, named) in [
            ("key=k&radius=10", "location is missing"),
            ("key=k&location=34.1&radius=10", "\"34.1\" is not LAT,LNG"),
            ("key=k&location=91,0&radius=10", "off the globe"),
            ("key=k&location=0,-181&radius=10", "off the globe"),
            ("key=k&location=NaN,0&radius=10", "not LAT,LNG"),
            ("key=k&location=0,0", "radius is missing"),
            ("key=k&location=0,0&radius=ten", "\"ten\" is not a number"),
            ("key=k&location=0,0&radius=0", "out of range"),
            ("key=k&location=0,0&radius=-5", "out of range"),
            ("key=k&location=0,0&radius=50000.5", "at most 50000"),
        ] {
            let refused = read(&params(query)).unwrap_err();
            assert_eq!(refused.status, "INVALID_REQUEST", "{query}");
            assert!(refused.message.contains(named), "{query}: {}", refused.message);
        }
    }
}
