//! herdctl's places stub over real loopback HTTP: Google's two nearby searches answered from the
//! offline gazetteer, checked field by field against Google's documented layouts; the refusals a
//! student's server meets; herdctl's own Google sources pointed at the stub giving what the
//! offline source gives; and `herdctl places-stub` as a command.

use std::sync::Arc;
use std::time::Duration;

use herdctl_core::places::{Offline, Origin, Places, PlacesSettings, Query, SourceKind, distance_m};
use herdctl_teach::places_stub::{self, LEGACY_PATH, NEW_PATH};
use serde_json::{Value, json};
use tokio_util::sync::{CancellationToken, DropGuard};

mod common;

const UCLA: (f64, f64) = (34.068930, -118.445127);
/// The middle of the Pacific: no town within reach.
const OCEAN: (f64, f64) = (0.0, -140.0);

/// A stub on a free port, and the offline source it answers from; stopped when dropped.
struct Stub {
    base: String,
    offline: Arc<Offline>,
    _stop: DropGuard,
}

async fn stub() -> Stub {
    let offline = Arc::new(Offline::start());
    let (listener, addr) = places_stub::bind("127.0.0.1:0").await.expect("a free port");
    let stop = CancellationToken::new();
    tokio::spawn(places_stub::serve(listener, offline.clone(), stop.clone()));
    Stub { base: format!("http://{addr}"), offline, _stop: stop.drop_guard() }
}

impl Stub {
    /// What the offline source itself answers.
    async fn expected(&self, (lat, lon): (f64, f64), radius_m: &str, bound: usize) -> Value {
        self.offline.nearby(Query { lat, lon, radius_m: radius_m.into(), bound }).await.document
    }

    /// A legacy search with these query parameters: the HTTP status, the content type, the body.
    async fn legacy(&self, params: &[(&str, &str)]) -> (u16, String, String) {
        let response = reqwest::Client::new().get(format!("{}{LEGACY_PATH}", self.base)).query(params).send().await;
        read(response.expect("the stub answers")).await
    }

    /// A `searchNearby` with these headers and this body.
    async fn search(&self, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
        let mut request = reqwest::Client::new().post(format!("{}{NEW_PATH}", self.base)).body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        read(request.send().await.expect("the stub answers")).await
    }
}

async fn read(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, kind, response.text().await.unwrap())
}

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().expect("an object").keys().map(String::as_str).collect()
}

fn circle((lat, lon): (f64, f64), radius: f64, count: Option<u32>) -> String {
    let mut body =
        json!({"locationRestriction": {"circle": {"center": {"latitude": lat, "longitude": lon}, "radius": radius}}});
    if let Some(count) = count {
        body["maxResultCount"] = count.into();
    }
    body.to_string()
}

const KEY: (&str, &str) = ("X-Goog-Api-Key", "any key at all");
const EVERY_FIELD: (&str, &str) = ("X-Goog-FieldMask", "*");

#[tokio::test]
async fn the_legacy_search_answers_in_googles_layout_from_the_gazetteer() {
    let stub = stub().await;
    let (status, kind, text) =
        stub.legacy(&[("location", "34.068930,-118.445127"), ("radius", "10000"), ("key", "anything")]).await;
    assert_eq!((status, kind.as_str()), (200, "application/json; charset=UTF-8"));
    // Google's own layout (three spaces, `"key" : value`), which a server may pass on as it is.
    assert!(text.starts_with("{\n   \"html_attributions\" : [\n      \"Place data from"), "{text}");
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(keys(&document), ["html_attributions", "results", "status"]);
    assert_eq!(document["status"], "OK");
    assert!(document["html_attributions"][0].as_str().unwrap().contains("GeoNames"), "CC BY: {document}");
    let results = document["results"].as_array().unwrap();
    assert!((2..=20).contains(&results.len()), "{} results", results.len());
    for result in results {
        assert_eq!(keys(result), ["geometry", "name", "place_id", "types", "vicinity"], "{result}");
        assert_eq!(keys(&result["geometry"]), ["location"]);
        assert_eq!(keys(&result["geometry"]["location"]), ["lat", "lng"]);
        let (lat, lng) = (&result["geometry"]["location"]["lat"], &result["geometry"]["location"]["lng"]);
        let distance = distance_m(UCLA.0, UCLA.1, lat.as_f64().unwrap(), lng.as_f64().unwrap());
        assert!(distance <= 10_000.0, "{result} is {distance} m away");
        assert!(!result["name"].as_str().unwrap().is_empty());
        assert!(result["place_id"].as_str().unwrap().starts_with("geonames:"), "{result}");
        assert_eq!(result["types"], json!(["locality", "political"]));
        assert!(result["vicinity"].as_str().unwrap().ends_with("United States"), "{result}");
    }
    assert_eq!(document, stub.expected(UCLA, "10000", 20).await, "the offline source's own answer, a page of 20");
}

#[tokio::test]
async fn nowhere_near_a_town_is_zero_results_in_both_shapes() {
    let stub = stub().await;
    let (status, _, text) = stub.legacy(&[("location", "0,-140"), ("radius", "1000"), ("key", "k")]).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"html_attributions": ["Place data from <a href=\"https://www.geonames.org/\">GeoNames</a>, CC BY 4.0"], "results": [], "status": "ZERO_RESULTS"})
    );
    // The New API leaves an empty list out.
    let (status, _, text) = stub.search(&[KEY, EVERY_FIELD], &circle(OCEAN, 1000.0, None)).await;
    assert_eq!((status, text.as_str()), (200, "{}\n"));
}

#[tokio::test]
async fn a_legacy_request_google_would_refuse_is_refused_the_same_way() {
    let stub = stub().await;
    let here = ("location", "34.068930,-118.445127");
    for (params, status, named) in [
        (vec![here, ("radius", "10000")], "REQUEST_DENIED", "API key"),
        (vec![here, ("radius", "10000"), ("key", "")], "REQUEST_DENIED", "API key"),
        (vec![("radius", "10000"), ("key", "k")], "INVALID_REQUEST", "location is missing"),
        (vec![("location", "34.06"), ("radius", "10000"), ("key", "k")], "INVALID_REQUEST", "not LAT,LNG"),
        (vec![here, ("key", "k")], "INVALID_REQUEST", "radius is missing"),
        (vec![here, ("radius", "50001"), ("key", "k")], "INVALID_REQUEST", "at most 50000"),
        (vec![here, ("radius", "0"), ("key", "k")], "INVALID_REQUEST", "more than 0"),
    ] {
        let (code, kind, text) = stub.legacy(&params).await;
        // Google says what went wrong in the document, with HTTP 200.
        assert_eq!((code, kind.as_str()), (200, "application/json; charset=UTF-8"), "{params:?}");
        let document: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(keys(&document), ["html_attributions", "results", "status", "error_message"], "{params:?}");
        assert_eq!((&document["html_attributions"], &document["results"]), (&json!([]), &json!([])));
        assert_eq!(document["status"], status, "{params:?}: {document}");
        assert!(document["error_message"].as_str().unwrap().contains(named), "{params:?}: {document}");
    }
    // The largest radius Google allows is allowed.
    let (_, _, text) = stub.legacy(&[here, ("radius", "50000"), ("key", "k")]).await;
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["status"], "OK");
}

#[tokio::test]
async fn search_nearby_answers_in_the_new_apis_shape_up_to_max_result_count() {
    let stub = stub().await;
    let (status, kind, text) = stub.search(&[KEY, EVERY_FIELD], &circle(UCLA, 10_000.0, Some(5))).await;
    assert_eq!((status, kind.as_str()), (200, "application/json; charset=UTF-8"), "{text}");
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(keys(&document), ["places"]);
    let places = document["places"].as_array().unwrap();
    let expected = stub.expected(UCLA, "10000", 5).await;
    let results = expected["results"].as_array().unwrap();
    assert_eq!(places.len(), 5, "maxResultCount is honoured: {document}");
    for (place, result) in places.iter().zip(results) {
        let id = result["place_id"].as_str().unwrap();
        let (name, vicinity) = (result["name"].as_str().unwrap(), result["vicinity"].as_str().unwrap());
        let location = &result["geometry"]["location"];
        assert_eq!(
            *place,
            json!({
                "name": format!("places/{id}"),
                "id": id,
                "types": ["locality", "political"],
                "formattedAddress": format!("{name}, {vicinity}"),
                "location": {"latitude": location["lat"], "longitude": location["lng"]},
                "displayName": {"text": name},
                "shortFormattedAddress": vicinity,
            })
        );
    }
    // Without maxResultCount, Google's default of 20.
    let (_, _, text) = stub.search(&[KEY, EVERY_FIELD], &circle(UCLA, 50_000.0, None)).await;
    let places = serde_json::from_str::<Value>(&text).unwrap()["places"].as_array().unwrap().len();
    assert_eq!(places, 20);
}

#[tokio::test]
async fn search_nearby_keeps_only_the_fields_the_mask_names() {
    let stub = stub().await;
    let mask = ("X-Goog-FieldMask", "places.displayName,places.location,places.rating");
    let (status, _, text) = stub.search(&[KEY, mask], &circle(UCLA, 10_000.0, Some(3))).await;
    assert_eq!(status, 200, "{text}");
    let document: Value = serde_json::from_str(&text).unwrap();
    let places = document["places"].as_array().unwrap();
    assert_eq!(places.len(), 3);
    for place in places {
        // A field the gazetteer does not have (rating) stays absent, as Google leaves out an unset one.
        assert_eq!(keys(place), ["location", "displayName"], "{place}");
    }
    // The key and the mask may come in the query instead, as Google allows.
    let url = format!("{}{NEW_PATH}?key=k&fields=places.id", stub.base);
    let response = reqwest::Client::new().post(url).body(circle(UCLA, 10_000.0, Some(1))).send().await.unwrap();
    let (status, _, text) = read(response).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(keys(&serde_json::from_str::<Value>(&text).unwrap()["places"][0]), ["id"]);
}

/// A request Google refuses: its headers and body, and the HTTP code, status and words expected.
type Mistake<'a> = (Vec<(&'a str, &'a str)>, String, u16, &'a str, &'a str);

#[tokio::test]
async fn a_search_nearby_google_would_refuse_is_an_http_error_in_googles_form() {
    let stub = stub().await;
    let good = circle(UCLA, 10_000.0, Some(5));
    let mistakes: Vec<Mistake> = vec![
        (vec![EVERY_FIELD], good.clone(), 403, "PERMISSION_DENIED", "API key"),
        (vec![("X-Goog-Api-Key", ""), EVERY_FIELD], good.clone(), 403, "PERMISSION_DENIED", "API key"),
        (vec![KEY], good.clone(), 400, "INVALID_ARGUMENT", "FieldMask is a required parameter"),
        (vec![KEY, ("X-Goog-FieldMask", "displayName")], good.clone(), 400, "INVALID_ARGUMENT", "'displayName'"),
        (vec![KEY, EVERY_FIELD], "lat=34".into(), 400, "INVALID_ARGUMENT", "Invalid JSON payload"),
        (
            vec![KEY, EVERY_FIELD],
            good.replace("maxResultCount", "maxResultsCount"),
            400,
            "INVALID_ARGUMENT",
            "maxResultsCount",
        ),
        (
            vec![KEY, EVERY_FIELD],
            circle(UCLA, 10_000.0, Some(0)),
            400,
            "INVALID_ARGUMENT",
            "maxResultCount must be between 1 and 20",
        ),
        (vec![KEY, EVERY_FIELD], circle(UCLA, 10_000.0, Some(21)), 400, "INVALID_ARGUMENT", "it is 21"),
        (vec![KEY, EVERY_FIELD], circle(UCLA, 50_001.0, None), 400, "INVALID_ARGUMENT", "radius"),
        (vec![KEY, EVERY_FIELD], circle(UCLA, 0.0, None), 400, "INVALID_ARGUMENT", "radius"),
        (vec![KEY, EVERY_FIELD], circle((91.0, 0.0), 10.0, None), 400, "INVALID_ARGUMENT", "off the globe"),
        (
            vec![KEY, EVERY_FIELD],
            r#"{"maxResultCount": 5}"#.into(),
            400,
            "INVALID_ARGUMENT",
            "locationRestriction is required",
        ),
    ];
    for (headers, body, code, status, named) in mistakes {
        let (got, kind, text) = stub.search(&headers, &body).await;
        assert_eq!((got, kind.as_str()), (code, "application/json; charset=UTF-8"), "{headers:?} {body}: {text}");
        let document: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(keys(&document), ["error"]);
        assert_eq!(keys(&document["error"]), ["code", "message", "status"]);
        assert_eq!((&document["error"]["code"], &document["error"]["status"]), (&json!(code), &json!(status)));
        assert!(document["error"]["message"].as_str().unwrap().contains(named), "{body}: {document}");
    }
}

#[tokio::test]
async fn herdctls_own_google_sources_pointed_at_the_stub_find_what_the_offline_source_finds() {
    let stub = stub().await;
    for kind in [SourceKind::Google, SourceKind::GoogleLegacy] {
        let settings = PlacesSettings {
            kind: Some(kind),
            key: Some("not a real key".into()),
            endpoint: Some(stub.base.clone()),
            timeout: Duration::from_secs(10),
        };
        let source = settings.build().expect("a source");
        for (at, radius_m, bound) in [(UCLA, "10000", 5), (UCLA, "50000", 20), (OCEAN, "1000", 3)] {
            let query = Query { lat: at.0, lon: at.1, radius_m: radius_m.into(), bound };
            let answer = source.nearby(query).await;
            assert_eq!(answer.origin, Origin::Upstream, "{kind:?}: asked the stub");
            let expected = stub.expected(at, radius_m, bound).await;
            assert_eq!(answer.status(), expected["status"], "{kind:?} {at:?}: {}", answer.document);
            assert_eq!(answer.document["results"], expected["results"], "{kind:?} {at:?} {radius_m} {bound}");
            if kind == SourceKind::GoogleLegacy {
                // The legacy source passes Google's document on: the attribution too.
                assert_eq!(answer.document, expected);
            }
        }
    }
    let unknown = reqwest::get(format!("{}/maps/api/place/textsearch/json", stub.base)).await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.unwrap().contains(LEGACY_PATH), "a wrong path is told where the endpoints are");
}

/// The command itself: its start line names the real address, it serves, and it stops.
mod command {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Child, Command, ExitStatus, Stdio};
    use std::sync::mpsc;
    use std::time::Instant;

    use super::*;
    use crate::common::Spawned;

    const DEADLINE: Duration = Duration::from_secs(30);

    fn places_stub(addr: &str) -> Spawned {
        let child = Command::new(env!("CARGO_BIN_EXE_herdctl"))
            .args(["places-stub", addr])
            .env("RUST_BACKTRACE", "1")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Spawned(child)
    }

    /// Polls until the process has exited, failing at the deadline.
    fn exited(child: &mut Child) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < DEADLINE, "herdctl places-stub did not exit within {DEADLINE:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What a stub that cannot start says (a line fits in the pipe, so it never waits on us).
    fn refused(addr: &str) -> String {
        let mut stub = places_stub(addr);
        assert!(!exited(&mut stub.0).success(), "{addr}");
        let mut said = String::new();
        stub.0.stderr.take().unwrap().read_to_string(&mut said).unwrap();
        said
    }

    #[test]
    fn a_busy_or_mistyped_address_is_one_line_without_a_backtrace() {
        let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = busy.local_addr().unwrap().to_string();
        let said = refused(&addr);
        assert_eq!(said.lines().count(), 1, "{said}");
        assert!(said.starts_with(&format!("herdctl: places-stub {addr}: cannot listen there")), "{said}");
        assert!(said.contains("in use"), "{said}");
        let said = refused("nonsense");
        assert_eq!(said.lines().count(), 1, "{said}");
        assert!(said.starts_with("herdctl: places-stub nonsense: cannot listen there"), "{said}");
    }

    /// The next line of `lines` that contains `needle`, failing at the deadline.
    fn line_with(lines: &mpsc::Receiver<String>, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let left = DEADLINE.saturating_sub(start.elapsed());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("no line with {needle:?} within {DEADLINE:?}"),
            }
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_command_says_its_real_address_serves_logs_each_request_and_stops_on_sigterm() {
        use nix::sys::signal::{Signal, kill};
        use nix::unistd::Pid;

        let mut stub = places_stub("127.0.0.1:0");
        // Its stderr line by line as it comes, read on a thread of its own.
        let stderr = BufReader::new(stub.0.stderr.take().unwrap());
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let first = line_with(&lines, "places stub on");
        let addr = first
            .strip_prefix("herdctl: places stub on http://")
            .and_then(|rest| rest.split_once(' '))
            .map(|(addr, _)| addr.to_string())
            .unwrap_or_else(|| panic!("{first}"));
        assert!(!addr.ends_with(":0"), "the real port: {first}");
        let rest = format!(
            "(Google's legacy Nearby Search at {LEGACY_PATH}, Places API (New) at {NEW_PATH}); \
             set HERDCTL_PLACES_URL=http://{addr}{LEGACY_PATH} for a student's server"
        );
        assert!(first.ends_with(&rest), "{first}");
        let url = format!("http://{addr}{LEGACY_PATH}?location=34.068930,-118.445127&radius=10000&key=k");
        let document: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
        assert_eq!(document["status"], "OK", "{document}");
        let logged = line_with(&lines, "legacy nearby search at 34.06893,-118.445127 within 10000 m");
        assert!(logged.contains(": OK, "), "{logged}");
        kill(Pid::from_raw(stub.0.id() as i32), Signal::SIGTERM).unwrap();
        let status = exited(&mut stub.0);
        assert!(status.success(), "exit status {status}");
    }
}
