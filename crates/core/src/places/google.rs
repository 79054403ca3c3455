//! The Places API (New): `POST /v1/places:searchNearby`, its answer converted into the Nearby
//! Search layout that WHATSAT replies use.

use serde_json::{Map, Value, json};

use super::cache::Upstream;
use super::http::Http;
use super::{Query, failure, success};

/// The fields asked for: what a Nearby Search result carries, and no more (Google bills by field).
pub const FIELD_MASK: &str = "places.id,places.displayName,places.location,places.types,\
places.shortFormattedAddress,places.formattedAddress,places.rating,places.userRatingCount,\
places.businessStatus,places.iconMaskBaseUri,places.iconBackgroundColor";

pub struct Google {
    http: Http,
    url: String,
    key: String,
}

impl Google {
    pub fn new(http: Http, endpoint: String, key: String) -> Self {
        Self { http, url: format!("{}/v1/places:searchNearby", endpoint.trim_end_matches('/')), key }
    }
}

impl Upstream for Google {
    fn name(&self) -> &str {
        "google"
    }

    fn requested_bound(&self, query: &Query) -> Option<usize> {
        Some(query.bound)
    }

    async fn fetch(&self, query: &Query) -> Value {
        let body = json!({
            "maxResultCount": query.bound,
            "locationRestriction": {
                "circle": {
                    "center": { "latitude": query.lat, "longitude": query.lon },
                    "radius": query.radius_metres(),
                }
            }
        });
        let request = self
            .http
            .client
            .post(&self.url)
            .header("X-Goog-Api-Key", &self.key)
            .header("X-Goog-FieldMask", FIELD_MASK)
            .json(&body);
        match self.http.send_for_json(request).await {
            Ok((status, document)) if status.is_success() => convert(&document),
            Ok((status, document)) => google_error(status.as_u16(), &document),
            Err(failure) => failure,
        }
    }
}

/// Converts a `searchNearby` answer (`{"places": [...]}`, or `{}` for none).
pub fn convert(document: &Value) -> Value {
    let places = document["places"].as_array().map(Vec::as_slice).unwrap_or_default();
    success(Vec::new(), places.iter().map(result).collect())
}

/// One place, in the legacy result's layout and key order.
fn result(place: &Value) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: &Value| {
        if !value.is_null() {
            out.insert(key.to_string(), value.clone());
        }
    };
    put("business_status", &place["businessStatus"]);
    put(
        "geometry",
        &json!({ "location": { "lat": place["location"]["latitude"], "lng": place["location"]["longitude"] } }),
    );
    if let Some(icon) = place["iconMaskBaseUri"].as_str() {
        put("icon", &Value::String(format!("{icon}.png")));
    }
    put("icon_background_color", &place["iconBackgroundColor"]);
    put("name", &place["displayName"]["text"]);
    put("place_id", &place["id"]);
    put("rating", &place["rating"]);
    put("types", &place["types"]);
    put("user_ratings_total", &place["userRatingCount"]);
    let vicinity = if place["shortFormattedAddress"].is_null() {
        &place["formattedAddress"]
    } else {
        &place["shortFormattedAddress"]
    };
    put("vicinity", vicinity);
    Value::Object(out)
}

/// A Nearby Search result as a Places API (New) place: the inverse of `convert`'s step for each
/// place, so that a place served in the New shape comes back through `convert` as it was (the
/// places stub serves the offline gazetteer this way). The legacy `vicinity` is the New
/// `shortFormattedAddress`, as `convert` reads it; `formattedAddress`, which a legacy result
/// lacks, is the name and the vicinity, and `name` is the resource name Google gives a place.
pub fn to_new_place(result: &Value) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Value| {
        if !value.is_null() {
            out.insert(key.to_string(), value);
        }
    };
    let (id, name, vicinity) = (&result["place_id"], &result["name"], &result["vicinity"]);
    put("name", id.as_str().map_or(Value::Null, |id| format!("places/{id}").into()));
    put("id", id.clone());
    put("types", result["types"].clone());
    let formatted = match (name.as_str(), vicinity.as_str()) {
        (Some(name), Some(vicinity)) => Value::String(format!("{name}, {vicinity}")),
        _ => vicinity.clone(),
    };
    put("formattedAddress", formatted);
    let location = &result["geometry"]["location"];
    if !location.is_null() {
        put("location", json!({ "latitude": location["lat"], "longitude": location["lng"] }));
    }
    put("rating", result["rating"].clone());
    put("userRatingCount", result["user_ratings_total"].clone());
    put("businessStatus", result["business_status"].clone());
    put("displayName", name.as_str().map_or(Value::Null, |text| json!({ "text": text })));
    put("shortFormattedAddress", vicinity.clone());
    let icon = result["icon"].as_str().map(|icon| icon.strip_suffix(".png").unwrap_or(icon));
    put("iconMaskBaseUri", icon.map_or(Value::Null, Value::from));
    put("iconBackgroundColor", result["icon_background_color"].clone());
    Value::Object(out)
}

/// Turns the New API's error (`{"error": {"code", "message", "status"}}`) into the legacy status
/// a course client expects, keeping Google's message.
fn google_error(http_status: u16, document: &Value) -> Value {
    let error = &document["error"];
    let message = error["message"]
        .as_str()
        .map_or_else(|| format!("the places service answered HTTP {http_status}"), str::to_string);
    let status = match error["status"].as_str().unwrap_or_default() {
        _ if message.contains("API key") => "REQUEST_DENIED",
        "PERMISSION_DENIED" | "UNAUTHENTICATED" => "REQUEST_DENIED",
        "RESOURCE_EXHAUSTED" => "OVER_QUERY_LIMIT",
        "INVALID_ARGUMENT" => "INVALID_REQUEST",
        _ => "UNKNOWN_ERROR",
    };
    failure(status, &message)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn converts_a_place_into_a_nearby_search_result() {
        let answer = super::convert(&json!({"places": [{
            "id": "ChIJ", "displayName": {"text": "Royce Hall", "languageCode": "en"},
            "location": {"latitude": 34.0729, "longitude": -118.4422},
            "types": ["university", "point_of_interest"], "shortFormattedAddress": "340 Royce Dr, Los Angeles",
            "rating": 4.8, "userRatingCount": 1234, "businessStatus": "OPERATIONAL",
            "iconMaskBaseUri": "https://maps.gstatic.com/mapfiles/place_api/icons/v2/school_pinlet",
            "iconBackgroundColor": "#7B9EB0"
        }]}));
        assert_eq!(
            answer,
            json!({
                "html_attributions": [],
                "results": [{
                    "business_status": "OPERATIONAL",
                    "geometry": {"location": {"lat": 34.0729, "lng": -118.4422}},
                    "icon": "https://maps.gstatic.com/mapfiles/place_api/icons/v2/school_pinlet.png",
                    "icon_background_color": "#7B9EB0",
                    "name": "Royce Hall",
                    "place_id": "ChIJ",
                    "rating": 4.8,
                    "types": ["university", "point_of_interest"],
                    "user_ratings_total": 1234,
                    "vicinity": "340 Royce Dr, Los Angeles"
                }],
                "status": "OK"
            })
        );
    }

    #[test]
    fn a_result_becomes_a_new_place_and_comes_back_the_same() {
        let royce = json!({
            "business_status": "OPERATIONAL",
            "geometry": {"location": {"lat": 34.0729, "lng": -118.4422}},
            "icon": "https://maps.gstatic.com/mapfiles/place_api/icons/v2/school_pinlet.png",
            "icon_background_color": "#7B9EB0",
            "name": "Royce Hall",
            "place_id": "ChIJ",
            "rating": 4.8,
            "types": ["university", "point_of_interest"],
            "user_ratings_total": 1234,
            "vicinity": "340 Royce Dr, Los Angeles"
        });
        let place = super::to_new_place(&royce);
        assert_eq!(place["name"], "places/ChIJ");
        assert_eq!(place["displayName"], json!({"text": "Royce Hall"}));
        assert_eq!(place["location"], json!({"latitude": 34.0729, "longitude": -118.4422}));
        assert_eq!(place["formattedAddress"], "Royce Hall, 340 Royce Dr, Los Angeles");
        assert_eq!(place["iconMaskBaseUri"], "https://maps.gstatic.com/mapfiles/place_api/icons/v2/school_pinlet");
        // The offline gazetteer's layout: fewer fields, the same round trip.
        let town = json!({
            "geometry": {"location": {"lat": 34.01949, "lng": -118.49138}},
            "name": "Santa Monica",
            "place_id": "geonames:5393212",
            "types": ["locality", "political"],
            "vicinity": "California, United States"
        });
        for result in [royce, town] {
            let back = super::convert(&json!({"places": [super::to_new_place(&result)]}));
            assert_eq!(back["results"][0], result);
        }
    }

    #[test]
    fn no_places_is_zero_results() {
        assert_eq!(super::convert(&json!({}))["status"], "ZERO_RESULTS");
    }
}
