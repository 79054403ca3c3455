//! The Places API (New)'s nearby search, `POST /v1/places:searchNearby`, as Google answers it:
//! the key in `X-Goog-Api-Key`, the fields wanted in `X-Goog-FieldMask` (both also accepted as
//! the query's `key` and `fields`, as Google accepts them), a JSON body naming a circle; the
//! answer `{"places": [...]}` with only the fields asked for (`{}` when there are none), and a
//! failure an HTTP error with Google's error document.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use herdctl_core::places::{self, Places, to_new_place};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::json_response;
use super::legacy::MOST_RADIUS_M;

/// Google's limit on `maxResultCount`, and what it gives when the count is left out.
const MOST_RESULTS: i64 = 20;

/// The request body. Unknown fields are refused, as Google refuses them: a misspelt
/// `maxResultsCount` is a mistake a student should hear about, not a silent default.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Body {
    location_restriction: Option<Restriction>,
    max_result_count: Option<i64>,
    // Google's other fields, accepted and not used: the gazetteer holds towns, not kinds of
    // place, and answers in their own names, ranked by population.
    #[serde(rename = "includedTypes")]
    _included_types: Option<Value>,
    #[serde(rename = "excludedTypes")]
    _excluded_types: Option<Value>,
    #[serde(rename = "includedPrimaryTypes")]
    _included_primary_types: Option<Value>,
    #[serde(rename = "excludedPrimaryTypes")]
    _excluded_primary_types: Option<Value>,
    #[serde(rename = "languageCode")]
    _language_code: Option<Value>,
    #[serde(rename = "regionCode")]
    _region_code: Option<Value>,
    #[serde(rename = "rankPreference")]
    _rank_preference: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Restriction {
    circle: Option<Circle>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Circle {
    center: Option<LatLng>,
    radius: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LatLng {
    latitude: Option<f64>,
    longitude: Option<f64>,
}

/// A refusal: the HTTP status and Google's words for it, with a message that says what to change.
#[derive(Debug)]
struct Refused {
    code: StatusCode,
    message: String,
}

impl Refused {
    fn invalid(message: impl Into<String>) -> Self {
        Self { code: StatusCode::BAD_REQUEST, message: message.into() }
    }

    fn status(&self) -> &'static str {
        match self.code {
            StatusCode::BAD_REQUEST => "INVALID_ARGUMENT",
            StatusCode::FORBIDDEN => "PERMISSION_DENIED",
            _ => "INTERNAL",
        }
    }

    fn response(&self) -> Response {
        let document = json!({
            "error": { "code": self.code.as_u16(), "message": self.message, "status": self.status() }
        });
        json_response(self.code, pretty(&document))
    }
}

/// Which fields of each place the answer keeps.
#[derive(Debug, PartialEq)]
enum Mask {
    All,
    Fields(Vec<String>),
}

/// Reads a field mask (`places.displayName,places.location`, `*`). A path below a field keeps the
/// whole field; a field the stub never has (`places.rating`) is allowed and stays absent. `None`:
/// the mask names nothing.
fn mask(text: &str) -> Result<Option<Mask>, String> {
    let mut fields = Vec::new();
    let mut paths = 0;
    for path in text.split(',').map(str::trim).filter(|path| !path.is_empty()) {
        paths += 1;
        match path {
            "*" | "places" | "places.*" => return Ok(Some(Mask::All)),
            // Google's other part of the answer, which the stub never fills.
            _ if path.split('.').next() == Some("routingSummaries") => {}
            _ => match path.strip_prefix("places.").and_then(|field| field.split('.').next()) {
                Some(field) if !field.is_empty() => fields.push(field.to_string()),
                _ => return Err(path.to_string()),
            },
        }
    }
    // Only commas: no mask at all.
    Ok((paths > 0).then_some(Mask::Fields(fields)))
}

/// What a well-formed request asks.
#[derive(Debug)]
struct Asked {
    mask: Mask,
    query: places::Query,
}

fn read(headers: &HeaderMap, params: &HashMap<String, String>, body: &[u8]) -> Result<Asked, Refused> {
    let given = |header: &str, param: &str| {
        let header = headers.get(header).and_then(|value| value.to_str().ok());
        header.or(params.get(param).map(String::as_str)).map(str::trim).filter(|text| !text.is_empty())
    };
    if given("x-goog-api-key", "key").is_none() {
        return Err(Refused {
            code: StatusCode::FORBIDDEN,
            message: "The request is missing a valid API key: send one in the X-Goog-Api-Key header \
                      (herdctl's places stub takes any key; Google needs your own)"
                .into(),
        });
    }
    let required = || {
        Refused::invalid(
            "FieldMask is a required parameter: name the fields you want in the X-Goog-FieldMask header, \
             e.g. places.displayName,places.location (or * for every field)",
        )
    };
    let text = given("x-goog-fieldmask", "fields").ok_or_else(required)?;
    let mask = mask(text)
        .map_err(|path| {
            Refused::invalid(format!(
                "Error expanding 'fields' parameter. Cannot find matching fields for path '{path}' \
                 (a place's field is places.NAME, e.g. places.displayName)"
            ))
        })?
        .ok_or_else(required)?;
    let body: Body = serde_json::from_slice(body)
        .map_err(|error| Refused::invalid(format!("Invalid JSON payload received: {error}")))?;
    let circle = body.location_restriction.and_then(|restriction| restriction.circle).ok_or_else(|| {
        Refused::invalid(
            "locationRestriction is required: {\"circle\": {\"center\": {\"latitude\": LAT, \"longitude\": LNG}, \
             \"radius\": METRES}}",
        )
    })?;
    let center = circle.center.ok_or_else(|| Refused::invalid("locationRestriction.circle.center is required"))?;
    let (Some(lat), Some(lon)) = (center.latitude, center.longitude) else {
        return Err(Refused::invalid("locationRestriction.circle.center needs both latitude and longitude"));
    };
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(Refused::invalid(format!(
            "locationRestriction.circle.center ({lat}, {lon}) is off the globe: latitude runs from -90 to 90, \
             longitude from -180 to 180"
        )));
    }
    let radius = circle.radius.unwrap_or(0.0);
    if radius <= 0.0 || radius > MOST_RADIUS_M {
        return Err(Refused::invalid(format!(
            "locationRestriction.circle.radius must be more than 0 and at most {MOST_RADIUS_M} metres; it is {radius}"
        )));
    }
    let bound = match body.max_result_count {
        None => MOST_RESULTS,
        Some(count @ 1..=MOST_RESULTS) => count,
        Some(count) => {
            return Err(Refused::invalid(format!(
                "maxResultCount must be between 1 and {MOST_RESULTS}, inclusive; it is {count}"
            )));
        }
    };
    let query = places::Query { lat, lon, radius_m: radius.to_string(), bound: bound as usize };
    Ok(Asked { mask, query })
}

/// A place with only the fields `mask` keeps.
fn masked(place: Value, mask: &Mask) -> Value {
    match (place, mask) {
        (Value::Object(fields), Mask::Fields(wanted)) => {
            Value::Object(fields.into_iter().filter(|(key, _)| wanted.contains(key)).collect::<Map<_, _>>())
        }
        (place, _) => place,
    }
}

/// JSON as Google's Places API (New) writes it: two-space indentation.
fn pretty(document: &Value) -> String {
    // Serializing a JSON value into memory cannot fail.
    serde_json::to_string_pretty(document).expect("JSON serializes into memory") + "\n"
}

pub(super) async fn search_nearby(
    State(source): State<Arc<dyn Places>>,
    headers: HeaderMap,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Bytes,
) -> Response {
    // A query string that cannot be read names neither key nor fields: the headers may still.
    let params = params.map(|Query(params)| params).unwrap_or_default();
    let asked = match read(&headers, &params, &body) {
        Ok(asked) => asked,
        Err(refused) => {
            tracing::info!("searchNearby refused: {} {}: {}", refused.code.as_u16(), refused.status(), refused.message);
            return refused.response();
        }
    };
    let answer = source.nearby(asked.query.clone()).await;
    let (lat, lon, radius) = (asked.query.lat, asked.query.lon, &asked.query.radius_m);
    tracing::info!("searchNearby at {lat},{lon} within {radius} m: {}, {} places", answer.status(), answer.results());
    if !matches!(answer.status(), "OK" | "ZERO_RESULTS") {
        let said = answer.document["error_message"].as_str().unwrap_or_default();
        let message = format!("the stub's places source failed: {}: {said}", answer.status());
        return Refused { code: StatusCode::INTERNAL_SERVER_ERROR, message }.response();
    }
    let results = answer.document["results"].as_array().map(Vec::as_slice).unwrap_or_default();
    let places: Vec<Value> = results.iter().map(|result| masked(to_new_place(result), &asked.mask)).collect();
    // Google leaves an empty list out: no places is `{}`.
    let document = if places.is_empty() { json!({}) } else { json!({ "places": places }) };
    json_response(StatusCode::OK, pretty(&document))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_mask_keeps_the_fields_it_names() {
        assert_eq!(mask("*"), Ok(Some(Mask::All)));
        assert_eq!(mask("places.id, places.*"), Ok(Some(Mask::All)));
        assert_eq!(mask(" , "), Ok(None));
        let fields = |names: &[&str]| Ok(Some(Mask::Fields(names.iter().map(|name| name.to_string()).collect())));
        assert_eq!(mask("places.displayName.text,places.location"), fields(&["displayName", "location"]));
        assert_eq!(mask("places.rating,routingSummaries"), fields(&["rating"]));
        assert_eq!(mask("displayName"), Err("displayName".into()), "a place's field needs places.");
        assert_eq!(mask("places."), Err("places.".into()));
        let place = json!({"id": "a", "displayName": {"text": "A"}, "types": ["locality"]});
        assert_eq!(
            masked(place.clone(), &Mask::Fields(vec!["displayName".into()])),
            json!({"displayName": {"text": "A"}})
        );
        assert_eq!(masked(place.clone(), &Mask::All), place);
    }
}
