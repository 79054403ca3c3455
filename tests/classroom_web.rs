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

/// One phone of the room: an address of its own on the loopback (127.0.0.N: the page limits
/// names by address), and the cookie the page gave it (its names are its own).
struct Phone {
    http: reqwest::Client,
    cookie: std::sync::Mutex<Option<String>>,
}

impl Phone {
    fn at(n: u8) -> Self {
        let address = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, n));
        Self { http: reqwest::Client::builder().local_address(address).build().unwrap(), cookie: Default::default() }
    }

    async fn report(&self, addr: SocketAddr, body: Value) -> (u16, Value) {
        let mut request = self.http.post(format!("http://{addr}/report")).json(&body);
        if let Some(cookie) = self.cookie.lock().unwrap().clone() {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        if let Some(set) = response.headers().get("set-cookie").and_then(|value| value.to_str().ok()) {
            *self.cookie.lock().unwrap() = set.split(';').next().map(str::to_string);
        }
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

#[tokio::test]
async fn a_room_of_phones_reports_at_once_and_every_report_floods() {
    let herd = Arc::new(start_herd().await);
    let (addr, stop) = page(&herd, 500).await;
    let http = reqwest::Client::new();
    let phones: Vec<_> = (0..120)
        .map(|i| {
            tokio::spawn(async move {
                let body = json!({ "name": format!("student{i}"), "lat": 34.0 + i as f64 / 100.0, "lon": -118.4 });
                Phone::at(i as u8 + 2).report(addr, body).await
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
    let phones: Vec<Phone> = (2..8).map(Phone::at).collect();
    for (phone, name) in phones.iter().zip(["ann", "bea", "cy"]) {
        assert_eq!(phone.report(addr, place(name)).await.0, 200);
    }
    // A name is sanitised into what the herd sees.
    let answer = phones[3].report(addr, place("d e <e>")).await.1;
    assert_eq!(answer["client"], "phone-dee", "{answer}");
    let (status, answer) = phones[4].report(addr, place("eve")).await;
    assert_eq!((status, answer["error"].as_str()), (503, Some("the class is full")));
    let (status, _) = phones[0].report(addr, place("ann")).await;
    assert_eq!(status, 429, "one report every 2 seconds");
    // A name belongs to the phone that took it.
    let (status, answer) = phones[1].report(addr, place("ann")).await;
    assert_eq!(status, 409, "{answer}");
    let (status, answer) = phones[0].report(addr, place("<☃>")).await;
    assert_eq!(status, 400, "{answer}");
    let (status, _) = phones[0].report(addr, json!({ "name": "ann", "lat": 123.0, "lon": 0.0 })).await;
    assert_eq!(status, 400, "no such place");
    let huge = json!({ "name": "x".repeat(100_000), "lat": 1.0, "lon": 1.0 });
    let status = http.post(format!("http://{addr}/report")).json(&huge).send().await.unwrap().status().as_u16();
    assert_eq!(status, 413, "bodies are small");
    stop.cancel();
    herd.shutdown().await;
}

#[tokio::test]
async fn one_address_cannot_fill_the_class_and_a_forgotten_name_makes_room() {
    let herd = Arc::new(start_herd().await);
    let stop = CancellationToken::new();
    let forgetful = Classroom::forgetting_after(herd.clone(), 6, std::time::Duration::ZERO);
    let addr = serve(forgetful, "127.0.0.1:0".parse().unwrap(), stop.clone()).await.unwrap();
    let place = |name: String| json!({ "name": name, "lat": 48.8566, "lon": 2.3522 });
    // Made-up names from one address: a few are taken, then no more.
    let mallory = Phone::at(9);
    let mut taken = 0;
    for i in 0..50 {
        match mallory.report(addr, place(format!("fake{i}"))).await {
            (200, _) => taken += 1,
            (status, answer) => {
                assert_eq!(status, 429, "{answer}");
                assert!(answer["error"].as_str().unwrap().contains("enough names"), "{answer}");
            }
        }
    }
    assert_eq!(taken, herdctl_teach::classroom::NAMES_PER_ADDRESS);
    // Real students from their own phones still join; a full class forgets names not reported
    // lately (here at once) to make room.
    for n in 10..14 {
        let (status, answer) = Phone::at(n).report(addr, place(format!("real{n}"))).await;
        assert_eq!(status, 200, "{answer}");
    }
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

#[tokio::test]
async fn which_servers_know_a_student_says_who_is_down_and_waits_for_news() {
    let herd = Arc::new(start_herd().await);
    let (addr, stop) = page(&herd, 10).await;
    let http = reqwest::Client::new();
    assert_eq!(Phone::at(2).report(addr, json!({ "name": "carol", "lat": 48.85, "lon": 2.35 })).await.0, 200);
    eventually("every server knows carol", || async {
        herd.status().iter().all(|n| herd.knows(&n.name, "phone-carol"))
    })
    .await;
    herd.kill("Juzang").await.unwrap();
    let known = |seen: Option<String>| {
        let (http, seen) = (http.clone(), seen.map(|s| format!("&seen={s}")).unwrap_or_default());
        async move {
            let url = format!("http://{addr}/known?client=phone-carol{seen}");
            http.get(url).send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    let now = known(None).await;
    let juzang = now["nodes"].as_array().unwrap().iter().find(|n| n["name"] == "Juzang").unwrap().clone();
    assert_eq!((&juzang["up"], &juzang["knows"]), (&json!(false), &json!(false)), "{now}");
    // Asked with what it saw, the page is answered once that changes: here, by the revive (and
    // at once if the revive came first).
    let seen = now["state"].as_str().unwrap().to_string();
    let waiting = tokio::spawn(known(Some(seen.clone())));
    herd.revive("Juzang").await.unwrap();
    let news = waiting.await.unwrap();
    assert_ne!(news["state"].as_str().unwrap(), seen, "{news}");
    let juzang = news["nodes"].as_array().unwrap().iter().find(|n| n["name"] == "Juzang").unwrap().clone();
    assert_eq!(juzang["up"], json!(true), "{news}");
    stop.cancel();
    herd.shutdown().await;
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|name| {
        std::process::Command::new(name).arg("--version").output().is_ok_and(|output| output.status.success())
    })
}

/// The page at `url` in a headless browser, as it stands once it has nothing left to do (its
/// questions answered, its pauses over) or 20 s of the page's time have passed.
async fn browse(browser: &str, url: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000"])
        .arg(format!("--user-data-dir={}", dir.path().display()))
        .args(["--dump-dom", url])
        .output()
        .await
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn a_real_browser_reports_from_the_page() {
    let Some(browser) = chromium() else {
        return missing_tool("chromium (Debian's package)");
    };
    let herd = Arc::new(start_herd().await);
    let (addr, stop) = page(&herd, 10).await;
    // The page loads, finds the city, reports, and asks until every server knows alice.
    let dom = browse(browser, &format!("http://{addr}/?name=alice&city=Los%20Angeles&auto=1")).await;
    assert!(dom.contains(r#"<p id="reply">AT "#) && dom.contains(" phone-alice +34.05"), "{dom}");
    assert!(dom.contains(r#"data-all="yes""#), "every server knew alice before the page was dumped:\n{dom}");
    assert!(herd.knows("Campbell", "phone-alice"));
    stop.cancel();
    herd.shutdown().await;
}

#[tokio::test]
async fn a_server_that_is_down_shows_as_down_and_the_page_follows_its_revive() {
    let Some(browser) = chromium() else {
        return missing_tool("chromium (Debian's package)");
    };
    let herd = Arc::new(start_herd().await);
    herd.kill("Juzang").await.unwrap();

    // Juzang stays down: the page says so (not `…`, a flood that never arrives), knows that every
    // live server has bob, and goes on asking (told "nothing new" quickly here, so that the
    // browser's budget runs out in a few seconds).
    let stop = CancellationToken::new();
    let quick = Classroom::waiting_for_news(herd.clone(), 10, std::time::Duration::from_millis(100));
    let addr = serve(quick, "127.0.0.1:0".parse().unwrap(), stop.clone()).await.unwrap();
    let dom = browse(browser, &format!("http://{addr}/?name=bob&city=Paris&auto=1")).await;
    assert!(dom.contains(r#"<span class="down">Juzang down</span>"#), "{dom}");
    assert!(dom.contains(r#"data-live="yes""#), "every live server knew bob:\n{dom}");
    assert!(!dom.contains(r#"data-all="yes""#), "not every server: Juzang is down\n{dom}");

    // A phone watches while Juzang comes back: the page follows it to `Juzang ✓` by itself.
    let (addr, _stop) = page(&herd, 10).await;
    let url = format!("http://{addr}/?name=alice&city=Los%20Angeles&auto=1");
    let watching = tokio::spawn(async move { browse(browser, &url).await });
    let live_know = || {
        herd.status().iter().filter(|n| n.up).all(|n| herd.knows(&n.name, "phone-alice"))
            && herd.knows("Riley", "phone-alice")
    };
    // The browser starts, finds the city and reports (slow on a busy machine; the deadline only
    // matters when something is broken).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while !live_know() {
        assert!(tokio::time::Instant::now() < deadline && !watching.is_finished(), "alice never reported");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    herd.revive("Juzang").await.unwrap();
    let dom = watching.await.unwrap();
    assert!(dom.contains(r#"<span class="knows">Juzang ✓</span>"#), "the revived server caught up:\n{dom}");
    assert!(dom.contains(r#"data-all="yes""#), "{dom}");
    stop.cancel();
    herd.shutdown().await;
}
