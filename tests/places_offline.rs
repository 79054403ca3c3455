//! The offline source on the real gazetteer shipped with herdctl.

mod common;

use std::sync::Arc;

use common::*;
use herdctl_core::places::{Gazetteer, Offline, Places, Query};
use herdctl_core::protocol::Radius;

fn query(lat: f64, lon: f64, radius_km: &str, bound: usize) -> Query {
    let radius = Radius::parse(radius_km).unwrap();
    Query { lat, lon, radius_m: radius.metres(), bound }
}

fn names(document: &serde_json::Value) -> Vec<String> {
    document["results"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn near_ucla_it_names_real_places_all_inside_the_radius() {
    let offline = Offline::start();
    assert!(offline.ready().await.unwrap() >= 100_000, "a world gazetteer");
    let (lat, lon) = (34.068930, -118.445127);
    let answer = offline.nearby(query(lat, lon, "10", 20)).await;
    assert_eq!(answer.status(), "OK");
    let found = names(&answer.document);
    for expected in ["Santa Monica", "Beverly Hills", "Westwood", "Brentwood", "Culver City"] {
        assert!(found.iter().any(|name| name == expected), "{expected} missing from {found:?}");
    }
    for result in answer.document["results"].as_array().unwrap() {
        let location = &result["geometry"]["location"];
        let (plat, plon) = (location["lat"].as_f64().unwrap(), location["lng"].as_f64().unwrap());
        let distance = herdctl_core::places::distance_m(lat, lon, plat, plon);
        assert!(distance <= 10_000.0, "{} is {distance:.0} m away", result["name"]);
        assert_eq!(result["vicinity"], "California, United States");
    }
    // Downtown Los Angeles is about 19 km away: out of a 10 km radius.
    assert!(!found.iter().any(|name| name == "Los Angeles"), "{found:?}");
    assert!(answer.document["html_attributions"][0].as_str().unwrap().contains("GeoNames"));
}

#[tokio::test]
async fn the_bound_holds_and_prominence_comes_first() {
    let offline = Offline::start();
    let three = offline.nearby(query(34.068930, -118.445127, "50", 3)).await;
    assert_eq!(names(&three.document), ["Los Angeles", "Long Beach", "Glendale"]);
    let one = offline.nearby(query(48.8566, 2.3522, "5", 1)).await;
    assert_eq!(names(&one.document), ["Paris"]);
}

#[tokio::test]
async fn the_middle_of_an_ocean_has_zero_results() {
    let offline = Offline::start();
    let answer = offline.nearby(query(-30.0, -130.0, "50", 20)).await;
    assert_eq!(answer.status(), "ZERO_RESULTS");
    assert_eq!(answer.results(), 0);
}

#[test]
fn the_gazetteer_loads_every_place() {
    let gazetteer = Gazetteer::built_in().unwrap();
    assert!(gazetteer.len() >= 100_000, "{}", gazetteer.len());
}

#[tokio::test]
async fn a_herd_answers_whatsat_from_the_gazetteer() {
    let herd = start_herd_with(Arc::new(Offline::start())).await;
    let at = ask(&herd, "Riley", &format!("IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 {}\n", now())).await;
    let reply = ask(&herd, "Campbell", "WHATSAT kiwi.cs.ucla.edu 10 5\n").await;
    assert!(reply.starts_with(&at), "{reply}");
    assert!(reply.contains("\"name\" : \"Santa Monica\""), "{reply}");
    assert_eq!(reply.matches("\"place_id\"").count(), 5);
    assert!(reply.ends_with("   \"status\" : \"OK\"\n}\n\n"), "{reply}");
    herd.shutdown().await;
}
