//! The Google sources against a real local HTTP server standing in for Google: the exact
//! requests, the conversion of answers, every failure a user meets, the cache and single flight.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use herdctl_core::places::{FIELD_MASK, KEY_VARIABLE, Origin, Places, PlacesSettings, Query, SourceKind};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, headers, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_KEY: &str = "test-api-key";

/// A source whose upstream has all the time a loaded machine may need: only the test of a hung
/// upstream races the timeout, and it gives its own.
fn source(kind: SourceKind, endpoint: &str) -> Arc<dyn Places> {
    source_within(kind, endpoint, Duration::from_secs(30))
}

fn source_within(kind: SourceKind, endpoint: &str, timeout: Duration) -> Arc<dyn Places> {
    PlacesSettings { kind: Some(kind), key: Some(API_KEY.into()), endpoint: Some(endpoint.into()), timeout }
        .build()
        .expect("source")
}

fn ucla(radius_km: u32, bound: usize) -> Query {
    Query { lat: 34.06893, lon: -118.445127, radius_m: (radius_km * 1000).to_string(), bound }
}

fn new_api_place(i: usize) -> Value {
    json!({
        "id": format!("place-{i}"),
        "displayName": {"text": format!("Place {i}"), "languageCode": "en"},
        "location": {"latitude": 34.07 + i as f64 / 1000.0, "longitude": -118.44},
        "types": ["cafe", "food"],
        "formattedAddress": format!("{i} Westwood Blvd, Los Angeles, CA 90024, USA"),
        "rating": 4.5,
    })
}

fn legacy_result(i: usize) -> Value {
    json!({
        "geometry": {"location": {"lat": 34.07, "lng": -118.44}},
        "name": format!("Place {i}"),
        "place_id": format!("place-{i}"),
        "types": ["cafe"],
        "vicinity": "Westwood",
    })
}

#[tokio::test]
async fn google_posts_the_exact_nearby_request_and_converts_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/places:searchNearby"))
        .and(header("X-Goog-Api-Key", API_KEY))
        // wiremock reads a header with commas as a list of values.
        .and(headers("X-Goog-FieldMask", FIELD_MASK.split(',').collect()))
        .and(body_json(json!({
            "maxResultCount": 5,
            "locationRestriction": {"circle": {"center": {"latitude": 34.06893, "longitude": -118.445127}, "radius": 10000.0}}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"places": (0..5).map(new_api_place).collect::<Vec<_>>()})))
        .expect(1)
        .mount(&server)
        .await;
    let answer = source(SourceKind::Google, &server.uri()).nearby(ucla(10, 5)).await;
    assert_eq!(answer.origin, Origin::Upstream);
    assert_eq!(answer.status(), "OK", "{}", answer.document);
    let first = &answer.document["results"][0];
    assert_eq!(first["name"], "Place 0");
    assert_eq!(first["place_id"], "place-0");
    assert_eq!(first["geometry"]["location"]["lat"], 34.07);
    assert_eq!(first["vicinity"], "0 Westwood Blvd, Los Angeles, CA 90024, USA");
    assert_eq!(answer.results(), 5);
}

#[tokio::test]
async fn legacy_gets_the_exact_url_and_passes_googles_document_through_cut_to_the_bound() {
    let server = MockServer::start().await;
    let document = json!({
        "html_attributions": ["Listings by <a href=\"https://example.com\">Example</a>"],
        "next_page_token": "token",
        "results": (0..7).map(legacy_result).collect::<Vec<_>>(),
        "status": "OK",
    });
    Mock::given(method("GET"))
        .and(path("/maps/api/place/nearbysearch/json"))
        .and(query_param("location", "34.06893,-118.445127"))
        .and(query_param("radius", "10000"))
        .and(query_param("key", API_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(&document))
        .expect(1)
        .mount(&server)
        .await;
    let answer = source(SourceKind::GoogleLegacy, &server.uri()).nearby(ucla(10, 3)).await;
    let mut expected = document.clone();
    expected["results"].as_array_mut().unwrap().truncate(3);
    assert_eq!(answer.document, expected);
}

/// Asks `kind` once, with `response` standing in for Google's, and returns the answer.
async fn answer_to(kind: SourceKind, response: ResponseTemplate) -> Value {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any()).respond_with(response).mount(&server).await;
    source(kind, &server.uri()).nearby(ucla(10, 5)).await.document
}

fn assert_failure(document: &Value, status: &str, message_part: &str) {
    assert_eq!(document["status"], status, "{document}");
    assert_eq!(document["results"], json!([]), "{document}");
    assert!(document["html_attributions"].is_array(), "{document}");
    let message = document["error_message"].as_str().unwrap_or_default();
    assert!(message.contains(message_part), "{message:?} lacks {message_part:?}");
}

#[tokio::test]
async fn a_bad_key_gives_googles_own_status_and_message() {
    let legacy = answer_to(
        SourceKind::GoogleLegacy,
        ResponseTemplate::new(200).set_body_json(json!({
            "error_message": "The provided API key is invalid.", "html_attributions": [], "results": [], "status": "REQUEST_DENIED"
        })),
    )
    .await;
    assert_failure(&legacy, "REQUEST_DENIED", "The provided API key is invalid.");

    let new = answer_to(
        SourceKind::Google,
        ResponseTemplate::new(400).set_body_json(json!({"error": {
            "code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT"
        }})),
    )
    .await;
    assert_failure(&new, "REQUEST_DENIED", "API key not valid. Please pass a valid API key.");
}

#[tokio::test]
async fn quota_is_over_query_limit() {
    let new = answer_to(
        SourceKind::Google,
        ResponseTemplate::new(429).set_body_json(json!({"error": {
            "code": 429, "message": "Quota exceeded for quota metric 'Requests'", "status": "RESOURCE_EXHAUSTED"
        }})),
    )
    .await;
    assert_failure(&new, "OVER_QUERY_LIMIT", "Quota exceeded");
    let legacy = answer_to(
        SourceKind::GoogleLegacy,
        ResponseTemplate::new(200).set_body_json(json!({"error_message": "You have exceeded your daily request quota for this API.", "results": [], "status": "OVER_QUERY_LIMIT"})),
    )
    .await;
    assert_failure(&legacy, "OVER_QUERY_LIMIT", "daily request quota");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_an_unknown_error() {
    for kind in [SourceKind::Google, SourceKind::GoogleLegacy] {
        let document = answer_to(kind, ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>")).await;
        assert_failure(&document, "UNKNOWN_ERROR", "HTTP 502 with a body that is not JSON");
    }
}

#[tokio::test]
async fn a_body_over_a_mebibyte_is_a_failure_and_is_not_read() {
    // With its length said up front...
    let huge = json!({"results": [], "status": "OK", "padding": "x".repeat(2 << 20)});
    for kind in [SourceKind::Google, SourceKind::GoogleLegacy] {
        let document = answer_to(kind, ResponseTemplate::new(200).set_body_json(huge.clone())).await;
        assert_failure(&document, "UNKNOWN_ERROR", "more than 1 MiB");
    }
    // ...and without (chunked, endless): reading stops at the cap.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
                while stream.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    for kind in [SourceKind::Google, SourceKind::GoogleLegacy] {
        let document = source(kind, &format!("http://{addr}")).nearby(ucla(10, 5)).await.document;
        assert_failure(&document, "UNKNOWN_ERROR", "more than 1 MiB");
    }
}

#[tokio::test]
async fn a_hung_upstream_gives_up_at_the_timeout() {
    for kind in [SourceKind::Google, SourceKind::GoogleLegacy] {
        let started = tokio::time::Instant::now();
        let server = MockServer::start().await;
        let hung = ResponseTemplate::new(200).set_delay(Duration::from_secs(30));
        Mock::given(wiremock::matchers::any()).respond_with(hung).mount(&server).await;
        let places = source_within(kind, &server.uri(), Duration::from_millis(500));
        let document = places.nearby(ucla(10, 5)).await.document;
        assert_failure(&document, "UNKNOWN_ERROR", "did not answer within 500ms");
        assert!(started.elapsed() < Duration::from_secs(10), "gave up after {:?}", started.elapsed());
    }
}

#[tokio::test]
async fn an_unreachable_upstream_is_said_so() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    for kind in [SourceKind::Google, SourceKind::GoogleLegacy] {
        let document = source(kind, &format!("http://127.0.0.1:{port}")).nearby(ucla(10, 5)).await.document;
        assert_failure(&document, "UNKNOWN_ERROR", "cannot reach the places service");
    }
}

#[tokio::test]
async fn identical_queries_within_the_ttl_cost_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [legacy_result(1)], "status": "OK"})))
        .expect(2)
        .mount(&server)
        .await;
    let places = source(SourceKind::GoogleLegacy, &server.uri());
    assert_eq!(places.nearby(ucla(10, 5)).await.origin, Origin::Upstream);
    // Another bound is the same upstream query for the legacy API.
    assert_eq!(places.nearby(ucla(10, 1)).await.origin, Origin::Cached);
    // Another radius is not.
    assert_eq!(places.nearby(ucla(20, 5)).await.origin, Origin::Upstream);
    assert_eq!(places.upstream_requests(), 2);
}

#[tokio::test]
async fn failures_are_not_cached() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [], "status": "OVER_QUERY_LIMIT"})))
        .expect(2)
        .mount(&server)
        .await;
    let places = source(SourceKind::GoogleLegacy, &server.uri());
    for _ in 0..2 {
        assert_eq!(places.nearby(ucla(10, 5)).await.origin, Origin::Upstream);
    }
}

#[tokio::test]
async fn concurrent_identical_queries_share_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"places": [new_api_place(1)]}))
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let places = source(SourceKind::Google, &server.uri());
    let answers = futures_util::future::join_all((0..8).map(|_| places.nearby(ucla(10, 5)))).await;
    let upstream = answers.iter().filter(|a| a.origin == Origin::Upstream).count();
    let shared = answers.iter().filter(|a| a.origin == Origin::Shared).count();
    assert_eq!((upstream, shared), (1, 7));
    assert!(answers.iter().all(|a| a.document == answers[0].document));
}

#[tokio::test]
async fn a_google_source_without_a_key_is_refused_naming_the_variable() {
    for kind in [SourceKind::Google, SourceKind::GoogleLegacy] {
        let error = PlacesSettings { kind: Some(kind), ..PlacesSettings::default() }.build().err().expect("refused");
        assert!(error.to_string().contains(KEY_VARIABLE), "{error}");
    }
    let offline_with_endpoint = PlacesSettings {
        kind: Some(SourceKind::Offline),
        endpoint: Some("http://x".into()),
        ..PlacesSettings::default()
    };
    assert!(offline_with_endpoint.build().is_err());
}

#[tokio::test]
async fn the_whatsat_reply_is_byte_exact() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "html_attributions": [], "results": [legacy_result(1), legacy_result(2)], "status": "OK"
        })))
        .mount(&server)
        .await;
    let herd = start_herd_with(source(SourceKind::GoogleLegacy, &server.uri())).await;
    let at = ask(&herd, "Riley", "IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997\n").await;
    let reply = ask(&herd, "Bernard", "WHATSAT kiwi.cs.ucla.edu 10 1\n").await;
    let expected = format!(
        "{at}{{\n   \"html_attributions\" : [],\n   \"results\" : [\n      {{\n         \"geometry\" : {{\n            \"location\" : {{\n               \"lat\" : 34.07,\n               \"lng\" : -118.44\n            }}\n         }},\n         \"name\" : \"Place 1\",\n         \"place_id\" : \"place-1\",\n         \"types\" : [\n            \"cafe\"\n         ],\n         \"vicinity\" : \"Westwood\"\n      }}\n   ],\n   \"status\" : \"OK\"\n}}\n\n"
    );
    assert_eq!(reply, expected);
    herd.shutdown().await;
}

/// An upstream that takes each request and answers nothing until told to, then answers it with
/// an empty Nearby Search document: a WHATSAT is surely waiting on it for as long as the test
/// wants, whatever the machine's speed.
async fn held_upstream() -> (String, tokio::sync::oneshot::Sender<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; 4096];
        let _ = stream.read(&mut request).await;
        let _ = released.await;
        let body = r#"{"places": []}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
    });
    (uri, release)
}

#[tokio::test]
async fn iamats_keep_flowing_while_a_whatsat_waits_on_a_slow_upstream() {
    let (uri, release) = held_upstream().await;
    let places = PlacesSettings {
        kind: Some(SourceKind::Google),
        key: Some(API_KEY.into()),
        endpoint: Some(uri),
        // Longer than the test: the upstream answers when the test lets it.
        timeout: Duration::from_secs(60),
    }
    .build()
    .expect("source");
    let herd = Arc::new(start_herd_with(places).await);
    let at = ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    let waiting = {
        let herd = herd.clone();
        tokio::spawn(async move { ask(&herd, "Riley", "WHATSAT kiwi 10 5\n").await })
    };
    for i in 0..20 {
        let reply = ask(&herd, "Riley", &format!("IAMAT other-{i} +1+1 {}\n", now())).await;
        assert!(reply.starts_with("AT Riley"), "{reply}");
    }
    assert!(!waiting.is_finished(), "the WHATSAT waits on the upstream, which has not answered");
    release.send(()).unwrap();
    let reply = waiting.await.unwrap();
    assert!(reply.starts_with(&at) && reply.contains("\"status\" : \"ZERO_RESULTS\""), "{reply}");
    assert!(reply.ends_with("}\n\n"));
}
