//! Helpers shared by the integration tests: herds on free ports, a plain TCP client, and polling
//! with a deadline (never a bare sleep).

#![allow(dead_code)]

pub mod figure;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use herdctl_core::key::HerdKey;
pub use herdctl_core::limits::ClientLimits;
use herdctl_core::places::{NoPlaces, Places};
use herdctl_core::{Herd, HerdOptions, Topology};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const KEY: &str = "test herd key";
/// Generous: these deadlines only matter when something is broken.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The course's herd with every port 0, so that the herd picks free ones.
pub fn default_herd_on_free_ports() -> Topology {
    Topology::built_in().on_free_ports()
}

pub async fn start_herd_with(places: Arc<dyn Places>) -> Herd {
    start_herd_limited(places, ClientLimits::default()).await
}

/// A herd whose nodes keep clients as `clients` says.
pub async fn start_herd_limited(places: Arc<dyn Places>, clients: ClientLimits) -> Herd {
    let topology = Arc::new(default_herd_on_free_ports());
    let names = topology.names().to_vec();
    let options = HerdOptions { clients, ..HerdOptions::new(HerdKey::new(KEY), places) };
    let herd = Herd::start(topology, &names, options).await.expect("herd starts");
    all_links_up(&herd).await;
    herd
}

pub async fn start_herd() -> Herd {
    start_herd_with(Arc::new(NoPlaces)).await
}

/// A herd whose peer links speak the readable protocol (`--plain-links`), for tests that play
/// a neighbour by hand.
pub async fn start_plain_herd() -> Herd {
    let topology = Arc::new(default_herd_on_free_ports());
    let names = topology.names().to_vec();
    let options = HerdOptions {
        security: herdctl_core::secure::Security::Plain,
        ..HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces))
    };
    let herd = Herd::start(topology, &names, options).await.expect("herd starts");
    all_links_up(&herd).await;
    herd
}

/// Polls `condition` until it holds, failing the test at the deadline.
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !condition().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Polls `check` (a blocking look: a connect, a file read) until it returns something, failing
/// the test after `within`; for tests that drive herdctl's processes without a runtime.
pub fn poll_until<T>(within: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(start.elapsed() < within, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub async fn all_links_up(herd: &Herd) {
    assert!(herd.wait_linked(DEADLINE).await, "every link of every live node comes up: {:?}", herd.status());
}

/// Where a member node takes its neighbours' connections.
pub fn peer_addr(herd: &Herd, name: &str) -> SocketAddr {
    herd.status().into_iter().find(|n| &*n.name == name).expect("member").peer_addr
}

/// Whether node `name` has a record for `client`, and which AT line.
pub fn known_line(herd: &Herd, name: &str, client: &str) -> Option<String> {
    herd.cache_entry(name, client).ok()?.map(|entry| entry.record.line().to_string())
}

/// Sends `text`, half-closes, and reads everything until the node closes the connection.
pub async fn exchange(addr: SocketAddr, text: &[u8]) -> String {
    let reply = tokio::time::timeout(DEADLINE, async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(text).await.expect("write");
        stream.shutdown().await.expect("half-close");
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).await.expect("read");
        reply
    })
    .await
    .expect("the node answered in time");
    String::from_utf8(reply).expect("reply is UTF-8")
}

/// Like `exchange`, for connections the node may cut off: write errors and resets end the
/// exchange instead of failing it. Returns what was read before the end.
pub async fn exchange_until_closed(addr: SocketAddr, text: &[u8]) -> Vec<u8> {
    tokio::time::timeout(DEADLINE, async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let _ = stream.write_all(text).await;
        let _ = stream.shutdown().await;
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply).await;
        reply
    })
    .await
    .expect("the node closed the connection in time")
}

pub async fn ask(herd: &Herd, node: &str, text: &str) -> String {
    exchange(herd.client_addr(node).expect("member"), text.as_bytes()).await
}

/// A current client timestamp, as a client would write it.
pub fn now() -> String {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    format!("{}.{:09}", since.as_secs(), since.subsec_nanos())
}

/// Ports that were free a moment ago and that no other test of this process was given: the tests
/// of one file run side by side, and a port one test's herd has let go (a killed node's) must not
/// become another's, or the first would find it "still open" after quitting.
pub fn free_ports(count: usize) -> Vec<u16> {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // Held until all are chosen, so that the kernel does not hand one out twice in this call.
    let mut held = Vec::new();
    let mut ports = Vec::new();
    while ports.len() < count {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        if !given.contains(&port) {
            given.push(port);
            ports.push(port);
        }
        held.push(listener);
    }
    ports
}

pub fn write_topology(dir: &std::path::Path, ports: &[u16]) -> std::path::PathBuf {
    let mut herd: serde_json::Value = serde_json::from_str(herdctl_core::topology::BUILT_IN).unwrap();
    for (i, node) in herd["nodes"].as_array_mut().unwrap().iter_mut().enumerate() {
        node["port"] = ports[2 * i].into();
        node["peer_port"] = ports[2 * i + 1].into();
    }
    let path = dir.join("topology.json");
    std::fs::write(&path, herd.to_string()).unwrap();
    path
}

/// A herd of three in a line, A–B–C, on the first six of `ports` (client and peer port in turn,
/// as `write_topology` gives them): `line.json` in `dir`.
pub fn write_line_of_three(dir: &std::path::Path, ports: &[u16]) -> std::path::PathBuf {
    let nodes: Vec<serde_json::Value> = ["A", "B", "C"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            serde_json::json!({"name": name, "host": "127.0.0.1", "port": ports[2 * i], "peer_port": ports[2 * i + 1]})
        })
        .collect();
    let path = dir.join("line.json");
    std::fs::write(&path, serde_json::json!({"nodes": nodes, "links": [["A", "B"], ["B", "C"]]}).to_string()).unwrap();
    path
}

/// Some of `topology`'s nodes, started in this process with `options` (the herd key is `KEY`):
/// two such parts make one herd, as two processes would.
pub async fn start_part(topology: &Arc<Topology>, names: &[&str], options: HerdOptions) -> Herd {
    let names: Vec<_> = names.iter().map(|name| topology.name(name).expect("a node of the topology")).collect();
    Herd::start(topology.clone(), &names, options).await.expect("starts")
}

/// Options for a part of a herd: the test key, no places.
pub fn part_options() -> HerdOptions {
    HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces))
}

/// A child process (a headless node), killed if the test ends before it does.
pub struct Spawned(pub std::process::Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The value of the sample `name{labels}` in Prometheus text (labels in the exporter's order).
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// A tool a test needs is missing: under CI (`CI` set, as `.ci/run` sets it) that fails the run,
/// so that CI is never green without the test having run; elsewhere the test says so and passes.
pub fn missing_tool(what: &str) {
    let ci = std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false" && value != "0");
    assert!(!ci, "{what} is missing, and CI must run this test (.ci/run installs it)");
    eprintln!("{what} is missing: this test did not run (.ci/run installs it)");
}
