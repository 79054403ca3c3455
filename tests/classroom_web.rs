//! The students' phones in the herd: the classroom page's API driven as a room of phones would,
//! its bounds, and the real page in a real headless browser (Debian's chromium, installed by
//! `.ci/run`; without one the browser test says so, and fails under CI).

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::*;
use herdctl_core::Herd;
use herdctl_teach::classroom::{Classroom, serve};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

async fn page(herd: &Arc<Herd>, max_students: usize) -> (SocketAddr, CancellationToken) {
    let stop = CancellationToken::new();
    let addr =
        serve(Classroom::new(herd.clone(), max_students), "127.0.0.1:0".parse().unwrap(), stop.clone()).await.unwrap();
    (addr, stop)
}

async fn report(http: &reqwest::Client, addr: SocketAddr, body: Value) -> (u16, Value) {
    let response = http.post(format!("http://{addr}/report")).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_room_of_phones_reports_at_once_and_every_report_floods() {
    let herd = Arc::new(start_herd().await);
    let (addr, stop) = page(&herd, 500).await;
    let http = reqwest::Client::new();
    let phones: Vec<_> = (0..120)
        .map(|i| {
            let http = http.clone();
            tokio::spawn(async move {
                report(
                    &http,
                    addr,
                    json!({ "name": format!("student{i}"), "lat": 34.0 + i as f64 / 100.0, "lon": -118.4 }),
                )
                .await
            })
        })
        .collect();
    for phone in phones {
        let (status, answer) = phone.await.unwrap();
        assert_eq!(status, 200, "{answer}");
        let reply = answer["reply"].as_str().unwrap();
        assert!(reply.starts_with(&format!("AT {} ", answer["node"].as_str().unwrap())), "{answer}");
        assert!(reply.contains(answer["client"].as_str().unwrap()), "{answer}");
    }
    eventually("every server knows every phone", || async {
        herd.status().iter().all(|node| (0..120).all(|i| herd.knows(&node.name, &format!("phone-student{i}"))))
    })
    .await;
    let known: Value =
        http.get(format!("http://{addr}/known?client=phone-student7")).send().await.unwrap().json().await.unwrap();
    let nodes = known["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    assert!(nodes.iter().all(|n| n["knows"] == true), "{known}");
    stop.cancel();
    herd.shutdown().await;
}

#[tokio::test]
async fn the_page_is_bounded() {
    let herd = Arc::new(start_herd().await);
    let (addr, stop) = page(&herd, 4).await;
    let http = reqwest::Client::new();
    let place = |name: &str| json!({ "name": name, "lat": 48.8566, "lon": 2.3522 });
    for name in ["ann", "bea", "cy"] {
        assert_eq!(report(&http, addr, place(name)).await.0, 200);
    }
    // A name is sanitised into what the herd sees.
    let answer = report(&http, addr, place("d e <e>")).await.1;
    assert_eq!(answer["client"], "phone-dee", "{answer}");
    let (status, answer) = report(&http, addr, place("eve")).await;
    assert_eq!((status, answer["error"].as_str()), (503, Some("the class is full")));
    let (status, _) = report(&http, addr, place("ann")).await;
    assert_eq!(status, 429, "one report every 2 seconds");
    let (status, answer) = report(&http, addr, place("<☃>")).await;
    assert_eq!(status, 400, "{answer}");
    let (status, _) = report(&http, addr, json!({ "name": "ann", "lat": 123.0, "lon": 0.0 })).await;
    assert_eq!(status, 400, "no such place");
    let huge = json!({ "name": "x".repeat(100_000), "lat": 1.0, "lon": 1.0 });
    let status = http.post(format!("http://{addr}/report")).json(&huge).send().await.unwrap().status().as_u16();
    assert_eq!(status, 413, "bodies are small");
    stop.cancel();
    herd.shutdown().await;
}

#[tokio::test]
async fn cities_are_found_by_name_biggest_first() {
    let herd = Arc::new(start_herd().await);
    let (addr, stop) = page(&herd, 10).await;
    let found: Value = reqwest::get(format!("http://{addr}/cities?q=los%20ang")).await.unwrap().json().await.unwrap();
    let first = &found.as_array().unwrap()[0];
    assert_eq!(first["name"], "Los Angeles", "{found}");
    assert!((first["lat"].as_f64().unwrap() - 34.05).abs() < 0.1, "{first}");
    let page = reqwest::get(format!("http://{addr}/")).await.unwrap().text().await.unwrap();
    assert!(page.contains("<title>Join the herd</title>"));
    stop.cancel();
    herd.shutdown().await;
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|name| {
        std::process::Command::new(name).arg("--version").output().is_ok_and(|output| output.status.success())
    })
}

#[tokio::test]
async fn a_real_browser_reports_from_the_page() {
    let Some(browser) = chromium() else {
        return missing_tool("chromium (Debian's package)");
    };
    let herd = Arc::new(start_herd().await);
    let (addr, stop) = page(&herd, 10).await;
    let url = format!("http://{addr}/?name=alice&city=Los%20Angeles&auto=1");
    let dir = tempfile::tempdir().unwrap();
    // The page loads, finds the city, reports, and polls until every server knows alice.
    let output = tokio::process::Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000"])
        .arg(format!("--user-data-dir={}", dir.path().display()))
        .args(["--dump-dom", &url])
        .output()
        .await
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(dom.contains(r#"<p id="reply">AT "#) && dom.contains(" phone-alice +34.05"), "{dom}");
    assert!(dom.contains(r#"data-all="yes""#), "every server knew alice before the page was dumped:\n{dom}");
    assert!(herd.knows("Campbell", "phone-alice"));
    stop.cancel();
    herd.shutdown().await;
}
