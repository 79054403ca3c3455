//! `--metrics`: Prometheus text that counts what the herd did, and the health endpoints.

mod common;

use std::sync::Arc;

use common::*;
use herdctl::health::serve;
use herdctl_core::key::HerdKey;
use herdctl_core::metrics::Registry;
use herdctl_core::places::Offline;
use herdctl_core::{Herd, HerdOptions};
use tokio_util::sync::CancellationToken;

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("the metrics server answers");
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn metrics_count_what_happened_and_health_follows_the_nodes() {
    let registry = Arc::new(Registry::default());
    let topology = Arc::new(default_herd_on_free_ports());
    let names = topology.names().to_vec();
    let options = HerdOptions {
        metrics: Some(registry.clone()),
        ..HerdOptions::new(HerdKey::new(KEY), Arc::new(Offline::start()))
    };
    let herd = Arc::new(Herd::start(topology, &names, options).await.unwrap());
    all_links_up(&herd).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(serve(listener, herd.clone(), registry, stop.clone()));

    assert_eq!(get(&format!("{base}/healthz")).await, (200, "serving\n".into()));
    assert_eq!(get(&format!("{base}/readyz")).await, (200, "ready\n".into()));

    let reply = ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    assert!(reply.starts_with("AT Riley"), "{reply}");
    ask(&herd, "Riley", "WHATSAT kiwi 10 5\n").await;
    ask(&herd, "Riley", "WHATSAT nobody 10 5\n").await;
    ask(&herd, "Riley", "HELLO\n").await;

    let (status, text) = get(&format!("{base}/metrics")).await;
    assert_eq!(status, 200);
    let lines = |command: &str, outcome: &str| {
        sample(&text, &format!(r#"herdctl_client_lines_total{{node="Riley",command="{command}",outcome="{outcome}"}}"#))
    };
    assert_eq!(lines("IAMAT", "answered"), Some(1.0), "{text}");
    assert_eq!(lines("WHATSAT", "answered"), Some(1.0));
    assert_eq!(lines("WHATSAT", "refused"), Some(1.0));
    assert_eq!(lines("invalid", "refused"), Some(1.0));
    assert_eq!(lines("IAMAT", "refused"), Some(0.0));
    // The reply waited for Jaquez's and Juzang's acknowledgements: the record went and arrived.
    let link = |name: &str, from: &str, to: &str| {
        sample(&text, &format!(r#"herdctl_records_{name}_total{{node="{from}",neighbour="{to}"}}"#))
    };
    assert!(link("sent", "Riley", "Jaquez") >= Some(1.0), "{text}");
    assert!(link("received", "Jaquez", "Riley") >= Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"herdctl_ack_wait_seconds_count{node="Riley"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"herdctl_link_up{node="Campbell",neighbour="Juzang"}"#), Some(1.0));
    assert_eq!(sample(&text, r#"herdctl_clients_known{node="Riley"}"#), Some(1.0));
    assert_eq!(
        sample(&text, r#"herdctl_places_requests_total{node="Riley",source="offline",status="OK"}"#),
        Some(1.0),
        "{text}"
    );
    assert!(text.contains("herdctl_log_queue_bytes{node=\"Riley\"} 0"), "{text}");
    assert_eq!(sample(&text, r#"herdctl_log_lines_dropped_total{node="Riley"}"#), Some(0.0), "{text}");
    assert_eq!(sample(&text, r#"herdctl_client_connections{node="Riley"}"#), Some(0.0), "{text}");
    let build = format!(
        r#"herdctl_build_info{{version="{}",protocol="{}"}}"#,
        env!("CARGO_PKG_VERSION"),
        herdctl_core::peer::wire::VERSION
    );
    assert_eq!(sample(&text, &build), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"herdctl_peer_refused_total{node="Riley",reason="wrong_key"}"#), Some(0.0));
    #[cfg(target_os = "linux")]
    {
        assert!(sample(&text, "process_resident_memory_bytes") > Some(1e6), "{text}");
        assert!(sample(&text, "process_open_fds") > Some(10.0), "five nodes' listeners at least: {text}");
        assert!(sample(&text, "process_cpu_seconds_total") > Some(0.0), "{text}");
    }
    every_family_is_described_and_in_order(&text);
    promtool_accepts(&text);
    // A client connected now is counted while it stays.
    let client = tokio::net::TcpStream::connect(herd.client_addr("Riley").unwrap()).await.unwrap();
    eventually("the open client connection is counted", || async {
        sample(&get(&format!("{base}/metrics")).await.1, r#"herdctl_client_connections{node="Riley"}"#) == Some(1.0)
    })
    .await;
    drop(client);

    // A node killed from the console: neither healthy nor ready, and its neighbours' links say so.
    herd.kill("Juzang").await.unwrap();
    assert_eq!(get(&format!("{base}/healthz")).await, (503, "down: Juzang\n".into()));
    assert_eq!(get(&format!("{base}/readyz")).await, (503, "Juzang is down\n".into()));
    eventually("Campbell's link to Juzang is counted down", || async {
        let text = get(&format!("{base}/metrics")).await.1;
        sample(&text, r#"herdctl_link_up{node="Campbell",neighbour="Juzang"}"#) == Some(0.0)
            && sample(&text, r#"herdctl_link_downs_total{node="Campbell",neighbour="Juzang"}"#) >= Some(1.0)
    })
    .await;
    stop.cancel();
    herd.shutdown().await;
}

/// Every family has `# HELP` and `# TYPE` before its samples, and families come in name order.
fn every_family_is_described_and_in_order(text: &str) {
    let mut families = Vec::new();
    let mut described = std::collections::HashSet::new();
    for line in text.lines().filter(|line| !line.is_empty()) {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap();
            assert!(!help.trim().is_empty(), "{line}");
            described.insert(name.to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap();
            assert!(described.contains(name), "{name} has no HELP before its TYPE:\n{text}");
            families.push(name.to_string());
        } else {
            let name = line.split(['{', ' ']).next().unwrap();
            let family = families.last().unwrap_or_else(|| panic!("a sample before any TYPE: {line}"));
            assert!(name.starts_with(family.as_str()), "{name} is not under the TYPE of {family}");
        }
    }
    let mut sorted = families.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(families, sorted, "each family once, in name order");
}

/// `promtool check metrics` (Debian's prometheus package) passes the text, lints included.
fn promtool_accepts(text: &str) {
    use std::io::Write;
    let spawned = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut promtool) = spawned else {
        return missing_tool("promtool (Debian's prometheus package)");
    };
    promtool.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = promtool.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "promtool check metrics: {said}\n{text}");
}

/// Serves `herd`'s health and metrics on a free port; returns its base URL.
async fn serve_health(herd: &Arc<Herd>, registry: &Arc<Registry>, stop: &CancellationToken) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, herd.clone(), registry.clone(), stop.clone()));
    base
}

#[tokio::test]
async fn readiness_is_this_nodes_own_and_a_dead_or_cut_neighbour_is_a_metric() {
    // Riley in one part (a process of its own, as in a pod), its neighbours in another, on
    // ports both know.
    let dir = tempfile::tempdir().unwrap();
    let topology = Arc::new(herdctl_core::Topology::load(Some(&write_topology(dir.path(), &free_ports(10)))).unwrap());
    let registry = Arc::new(Registry::default());
    let options = HerdOptions { metrics: Some(registry.clone()), ..part_options() };
    let riley = Arc::new(start_part(&topology, &["Riley"], options).await);
    let stop = CancellationToken::new();
    let base = serve_health(&riley, &registry, &stop).await;

    // Alone since it started: serving, but not caught up with anyone yet.
    assert_eq!(get(&format!("{base}/healthz")).await, (200, "serving\n".into()));
    let (status, text) = get(&format!("{base}/readyz")).await;
    assert_eq!((status, text.as_str()), (503, "Riley has not caught up with a neighbour since it started\n"));

    // A Jaquez with another key is refused, counted by reason, and makes nobody ready.
    let impostor = HerdOptions::new(HerdKey::new("another herd's key"), Arc::new(herdctl_core::places::NoPlaces));
    let impostor = start_part(&topology, &["Jaquez"], impostor).await;
    eventually("the wrong key is counted", || async {
        let text = get(&format!("{base}/metrics")).await.1;
        let refused = sample(&text, r#"herdctl_peer_refused_total{node="Riley",reason="wrong_key"}"#);
        refused >= Some(1.0)
    })
    .await;
    assert_eq!(get(&format!("{base}/readyz")).await.0, 503);
    impostor.shutdown().await;

    let others = start_part(&topology, &["Jaquez", "Juzang", "Campbell", "Bernard"], part_options()).await;
    eventually("Riley is ready once a link has caught up", || async {
        get(&format!("{base}/readyz")).await == (200, "ready\n".into())
    })
    .await;

    // Its neighbours die: Riley still serves and is still ready; the links say the rest.
    others.shutdown().await;
    eventually("both of Riley's links are down", || async {
        let text = get(&format!("{base}/metrics")).await.1;
        ["Jaquez", "Juzang"].iter().all(|neighbour| {
            sample(&text, &format!(r#"herdctl_link_up{{node="Riley",neighbour="{neighbour}"}}"#)) == Some(0.0)
        })
    })
    .await;
    assert_eq!(get(&format!("{base}/readyz")).await, (200, "ready\n".into()));
    assert_eq!(get(&format!("{base}/healthz")).await, (200, "serving\n".into()));

    // An operator's cut is told apart from an outage.
    riley.cut("Riley", "Jaquez").unwrap();
    let text = get(&format!("{base}/metrics")).await.1;
    assert_eq!(sample(&text, r#"herdctl_link_cut{node="Riley",neighbour="Jaquez"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"herdctl_link_cut{node="Riley",neighbour="Juzang"}"#), Some(0.0), "{text}");

    // Killed from a console: neither healthy nor ready; revived, it must catch up again first.
    riley.kill("Riley").await.unwrap();
    assert_eq!(get(&format!("{base}/healthz")).await, (503, "down: Riley\n".into()));
    assert_eq!(get(&format!("{base}/readyz")).await, (503, "Riley is down\n".into()));
    // The process lives on: a liveness probe (on /livez) does not have the pod restarted.
    assert_eq!(get(&format!("{base}/livez")).await, (200, "alive\n".into()));
    riley.revive("Riley").await.unwrap();
    assert_eq!(get(&format!("{base}/healthz")).await, (200, "serving\n".into()));
    assert_eq!(get(&format!("{base}/readyz")).await.0, 503, "no neighbour to catch up with");
    stop.cancel();
    riley.shutdown().await;
}

/// The families of Prometheus text, in the order their `# TYPE` lines come.
fn families(text: &str) -> Vec<String> {
    text.lines().filter_map(|line| line.strip_prefix("# TYPE ")?.split(' ').next()).map(str::to_string).collect()
}

#[tokio::test]
async fn store_commits_link_queues_and_control_refusals_are_measured() {
    use herdctl_core::network::Mode;
    use herdctl_core::secure::Security;
    let dir = tempfile::tempdir().unwrap();
    let registry = Arc::new(Registry::default());
    let topology = Arc::new(default_herd_on_free_ports());
    let names = topology.names().to_vec();
    let options = HerdOptions {
        metrics: Some(registry.clone()),
        data_dir: Some(dir.path().to_path_buf()),
        ..HerdOptions::new(HerdKey::new(KEY), Arc::new(Offline::start()))
    };
    let herd = Arc::new(Herd::start(topology, &names, options).await.unwrap());
    all_links_up(&herd).await;
    let stop = CancellationToken::new();
    let base = serve_health(&herd, &registry, &stop).await;
    let metrics_url = format!("{base}/metrics");
    let scrape = || get(&metrics_url);

    // A client's record is committed (and synced) before its AT: the commit is timed by then.
    let reply = ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    assert!(reply.starts_with("AT Riley"), "{reply}");
    let text = scrape().await.1;
    let commits = sample(&text, r#"herdctl_store_commit_seconds_count{node="Riley"}"#).unwrap_or(0.0);
    assert!(commits >= 1.0, "{text}");
    assert_eq!(sample(&text, r#"herdctl_store_commit_seconds_bucket{node="Riley",le="+Inf"}"#), Some(commits));
    assert!(sample(&text, r#"herdctl_store_commit_seconds_sum{node="Riley"}"#) > Some(0.0), "{text}");
    assert!(text.contains(r#"herdctl_store_commit_seconds_bucket{node="Riley",le="0.0001"}"#), "{text}");
    assert!(text.contains(r#"herdctl_store_commit_seconds_bucket{node="Riley",le="5"}"#), "{text}");
    assert_eq!(sample(&text, r#"herdctl_link_queue_records{node="Riley",neighbour="Jaquez"}"#), Some(0.0), "{text}");

    // In step mode each link's task holds its first record at the gate: the next ones queue.
    herd.set_mode(Mode::Step);
    for client in ["fig", "date", "plum"] {
        ask(&herd, "Riley", &format!("IAMAT {client} +34.068930-118.445127 {}\n", now())).await;
    }
    eventually("records queue at Riley's link to Jaquez", || async {
        sample(&scrape().await.1, r#"herdctl_link_queue_records{node="Riley",neighbour="Jaquez"}"#) >= Some(1.0)
    })
    .await;
    herd.set_mode(Mode::Live);
    eventually("every queue empties once the network is live", || async {
        let text = scrape().await.1;
        let queues: Vec<f64> = text
            .lines()
            .filter(|line| line.starts_with("herdctl_link_queue_records{"))
            .filter_map(|line| line.rsplit(' ').next()?.parse().ok())
            .collect();
        queues.len() == 12 && queues.iter().all(|queued| *queued == 0.0)
    })
    .await;

    // Riley's control port refuses a wrong key, a plain console and one that never speaks.
    let listener = herdctl_core::net::listen("127.0.0.1:0".parse().unwrap()).unwrap();
    let control = listener.local_addr().unwrap();
    let terms = herdctl_control::terms(Security::Sealed, HerdKey::new(KEY));
    let tasks = tokio_util::task::TaskTracker::new();
    tokio::spawn(herdctl_control::server::serve(
        herd.clone(),
        "Riley".into(),
        listener,
        terms,
        None,
        stop.clone(),
        tasks,
    ));
    for (security, key) in [(Security::Sealed, "not the herd's key"), (Security::Plain, KEY)] {
        let stream = tokio::net::TcpStream::connect(control).await.unwrap();
        let terms = herdctl_control::terms(security, HerdKey::new(key));
        assert!(herdctl_control::dial(stream, "Riley", &terms).await.is_err(), "{security:?} {key}");
    }
    let silent = tokio::net::TcpStream::connect(control).await.unwrap();
    let refused = |reason: &str| format!(r#"herdctl_control_refused_total{{node="Riley",reason="{reason}"}}"#);
    eventually("each refusal is counted by its reason", || async {
        let text = scrape().await.1;
        ["wrong_key", "plain_mismatch", "timeout"].iter().all(|reason| sample(&text, &refused(reason)) == Some(1.0))
    })
    .await;
    drop(silent);
    let text = scrape().await.1;
    assert_eq!(sample(&text, &refused("version")), Some(0.0), "{text}");
    assert_eq!(sample(&text, &refused("other")), Some(0.0), "{text}");
    assert_eq!(sample(&text, &refused("full")), Some(0.0), "{text}");
    assert_eq!(sample(&text, r#"herdctl_control_refused_total{node="Jaquez",reason="wrong_key"}"#), Some(0.0));
    // A flood of connections that never speak: past the port's cap, each is closed at once and
    // counted as `full` (the others end as `timeout`, or `other` when they close first).
    let mut flood = Vec::new();
    for _ in 0..herdctl_control::server::MOST_CONNECTIONS + 20 {
        flood.push(tokio::net::TcpStream::connect(control).await.unwrap());
    }
    eventually("connections past the cap are refused as full", || async {
        sample(&scrape().await.1, &refused("full")) >= Some(1.0)
    })
    .await;
    // A console that comes now is told why, in words.
    let stream = tokio::net::TcpStream::connect(control).await.unwrap();
    let terms = herdctl_control::terms(Security::Sealed, HerdKey::new(KEY));
    let full = herdctl_control::dial(stream, "Riley", &terms).await.err().map(|error| error.to_string());
    assert!(full.as_deref().is_some_and(|said| said.contains("the control port is full")), "{full:?}");
    drop(flood);
    let text = scrape().await.1;
    assert!(sample(&text, &refused("full")) <= Some(21.0), "{text}");

    // Every scrape lists the same families in the same order, described, and promtool takes it.
    let again = scrape().await.1;
    assert_eq!(families(&text), families(&again));
    assert!(families(&text).len() > 20, "{text}");
    every_family_is_described_and_in_order(&again);
    promtool_accepts(&again);
    stop.cancel();
    herd.shutdown().await;
}
