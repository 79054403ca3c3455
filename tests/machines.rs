//! A herd across machines, in one test process: nodes that listen on every address while their
//! neighbours dial them by name.

mod common;

use std::sync::Arc;

use common::*;
use herdctl_core::{HerdOptions, Topology};

#[tokio::test]
async fn a_node_bound_to_every_address_is_dialled_by_its_advertised_name() {
    let ports = free_ports(10);
    let mut herd: serde_json::Value = serde_json::from_str(herdctl_core::topology::BUILT_IN).unwrap();
    for (i, node) in herd["nodes"].as_array_mut().unwrap().iter_mut().enumerate() {
        node["port"] = ports[2 * i].into();
        node["peer_port"] = ports[2 * i + 1].into();
        if node["name"] == "Campbell" {
            // As in a container: listen everywhere, be known by a name.
            node["host"] = "localhost".into();
            node["bind"] = "0.0.0.0".into();
        }
    }
    let topology = Arc::new(Topology::from_json(&herd.to_string(), "test").unwrap());
    let four = start_part(&topology, &["Riley", "Jaquez", "Juzang", "Bernard"], part_options()).await;
    let campbell = start_part(&topology, &["Campbell"], part_options()).await;
    assert!(campbell.wait_linked(DEADLINE).await, "{:?}", campbell.status());
    let status = campbell.status();
    assert!(status[0].client_addr.ip().is_unspecified(), "listens on every address: {status:?}");
    // Juzang reached Campbell by dialling "localhost", and Campbell's records flow out.
    assert!(four.wait_linked(DEADLINE).await, "{:?}", four.status());
    let reply = ask(&campbell, "Campbell", &format!("IAMAT kiwi +1+1 {}\n", now())).await;
    eventually("Riley knows Campbell's client", || async {
        known_line(&four, "Riley", "kiwi").as_deref() == Some(reply.trim_end())
    })
    .await;
    campbell.shutdown().await;
    four.shutdown().await;
}

#[tokio::test]
async fn bind_puts_every_node_of_the_process_on_every_address_while_links_dial_the_host() {
    let topology = Arc::new(default_herd_on_free_ports());
    let names: Vec<&str> = topology.names().iter().map(|n| &**n).collect();
    let options = HerdOptions { bind: Some("0.0.0.0".into()), ..part_options() };
    let herd = start_part(&topology, &names, options).await;
    all_links_up(&herd).await;
    assert!(herd.status().iter().all(|n| n.client_addr.ip().is_unspecified()), "{:?}", herd.status());
    // Clients reach it on loopback, and a flood crosses links dialled at the topology's host.
    let reply = ask(&herd, "Riley", &format!("IAMAT kiwi +1+1 {}\n", now())).await;
    assert!(herd.wait_until(DEADLINE, |herd| herd.knows("Campbell", "kiwi")).await, "{reply}");
    herd.shutdown().await;
}

/// Five headless processes on five loopback addresses (127.0.0.2 … 127.0.0.6), each on the same
/// ports, as five machines would be, with encrypted links; and a herd attached from outside, as
/// a console attaches.
#[cfg(target_os = "linux")]
mod five_machines {
    use std::net::TcpStream as StdStream;
    use std::process::{Command, Stdio};

    use herdctl_control as control;
    use herdctl_control::ControlError;
    use herdctl_core::key::HerdKey;
    use herdctl_core::places::NoPlaces;
    use herdctl_core::secure::{SealError, Security};
    use herdctl_core::{Herd, HerdOptions, Topology};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    use super::common::*;

    const NAMES: [&str; 5] = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];
    const SECRET: &str = "five machines";

    /// Ports free on all five hosts, below the range the kernel hands out for outgoing
    /// connections (and for port 0), so that the many dials of a starting herd cannot take them.
    fn quiet_ports(count: usize) -> Vec<u16> {
        let mut ports = Vec::new();
        let mut candidate = 20_000 + (std::process::id() % 10_000) as u16;
        while ports.len() < count {
            candidate = if candidate >= 31_000 { 20_000 } else { candidate + 1 };
            let free = (0..5).all(|i| std::net::TcpListener::bind((host(i), candidate)).is_ok());
            if free {
                ports.push(candidate);
            }
        }
        ports
    }

    fn host(i: usize) -> String {
        format!("127.0.0.{}", i + 2)
    }

    /// The default herd, node i on host 127.0.0.(i+2), every node on the same four ports.
    fn topology(ports: &[u16]) -> String {
        let mut herd: serde_json::Value = serde_json::from_str(herdctl_core::topology::BUILT_IN).unwrap();
        for (i, node) in herd["nodes"].as_array_mut().unwrap().iter_mut().enumerate() {
            node["host"] = host(i).into();
            node["port"] = ports[0].into();
            node["peer_port"] = ports[1].into();
            node["control_port"] = ports[2].into();
        }
        herd.to_string()
    }

    async fn metrics(i: usize, port: u16, path: &str) -> (u16, String) {
        let response = reqwest::get(format!("http://{}:{port}{path}", host(i))).await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn ask_at(i: usize, port: u16, text: &str) -> String {
        exchange(format!("{}:{port}", host(i)).parse().unwrap(), text.as_bytes()).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_herd_on_five_hosts_is_watched_and_steered_from_outside() {
        let dir = tempfile::tempdir().unwrap();
        let ports = quiet_ports(4);
        let path = dir.path().join("topology.json");
        std::fs::write(&path, topology(&ports)).unwrap();
        let _machines: Vec<Spawned> = NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let child = Command::new(env!("CARGO_BIN_EXE_herdctl"))
                    .args(["--headless", "--node", name, "--topology"])
                    .arg(&path)
                    .arg("--log-dir")
                    .arg(dir.path().join("logs"))
                    .args(["--metrics", &format!("{}:{}", host(i), ports[3])])
                    // Places are not what this test is about: a source that fails at once (its
                    // endpoint refuses) answers every WHATSAT with the AT line and no places,
                    // without five debug builds loading the gazetteer at once.
                    .args(["--places", "google-legacy", "--places-endpoint", "http://127.0.0.1:9"])
                    .env("GOOGLE_MAPS_API_KEY", "not used")
                    .env("HERD_KEY", SECRET)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                Spawned(child)
            })
            .collect();
        for i in 0..5 {
            eventually("every machine serves", || async { StdStream::connect((host(i), ports[0])).is_ok() }).await;
        }

        // The console's side: no node of its own, all five attached.
        let topology = std::sync::Arc::new(Topology::from_json(&topology(&ports), "five machines").unwrap());
        let key = HerdKey::new(SECRET);
        let options = HerdOptions::new(key.clone(), std::sync::Arc::new(NoPlaces));
        let herd = std::sync::Arc::new(Herd::bind(topology.clone(), &[], options).unwrap());
        control::follow::attach(&herd, topology.names(), control::terms(Security::Sealed, &key)).unwrap();
        assert!(
            herd.wait_until(DEADLINE, |herd| herd.status().iter().all(|n| n.reachable && n.up)).await,
            "every node is reachable and up: {:?}",
            herd.status()
        );
        assert!(herd.wait_linked(DEADLINE).await, "every link is up: {:?}", herd.status());

        // A walkthrough plays across the machines as in one process: step mode, releases hop by
        // hop, the cost of each update, and every expectation.
        let script = herdctl_teach::script::Script::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("walkthroughs/basic-flood.herd"),
        )
        .unwrap();
        let mut told = Vec::new();
        let report = herdctl_teach::script::play_headless(&herd, &script, &mut told).await;
        assert!(report.passed(), "{}", String::from_utf8_lossy(&told));
        assert!(herd.wait_linked(DEADLINE).await, "settled after the walkthrough: {:?}", herd.status());

        // A flood crosses the machines' encrypted links, and the attached herd sees it arrive.
        let reply = ask_at(0, ports[0], &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
        assert!(reply.starts_with("AT Riley"), "{reply}");
        assert!(herd.wait_until(DEADLINE, |herd| NAMES.iter().all(|n| herd.knows(n, "kiwi"))).await);
        let at_campbell = ask_at(3, ports[0], "WHATSAT kiwi 10 5\n").await;
        assert!(at_campbell.starts_with(reply.trim_end()), "{at_campbell}");

        // A remote kill stops Juzang's serving (the process stays), a revive brings it back, and
        // its links catch it up.
        herd.kill("Juzang").await.unwrap();
        assert!(StdStream::connect((host(2), ports[0])).is_err(), "Juzang's client port is closed");
        assert!(herd.wait_until(DEADLINE, |herd| !herd.status()[2].up && herd.status()[2].reachable).await);
        assert_eq!(metrics(2, ports[3], "/healthz").await, (503, "down: Juzang\n".into()));
        herd.revive("Juzang").await.unwrap();
        assert!(herd.wait_until(DEADLINE, |herd| herd.knows("Juzang", "kiwi")).await, "Juzang caught up");
        assert!(ask_at(2, ports[0], "WHATSAT kiwi 10 5\n").await.starts_with(reply.trim_end()));
        assert!(herd.wait_linked(DEADLINE).await, "Juzang linked again: {:?}", herd.status());

        // A cut through the control ports holds: Campbell's record reaches Bernard the long way.
        herd.cut("Bernard", "Campbell").unwrap();
        let cut = herd
            .wait_until(DEADLINE, |herd| {
                let status = herd.status();
                let down =
                    |node: usize, neighbour: &str| status[node].links.iter().any(|(n, up)| &**n == neighbour && !up);
                down(3, "Bernard") && down(4, "Campbell")
            })
            .await;
        assert!(cut, "both ends dropped the link: {:?}", herd.status());
        let fig = ask_at(3, ports[0], &format!("IAMAT fig +1+1 {}\n", now())).await;
        assert!(herd.wait_until(DEADLINE, |herd| herd.knows("Bernard", "fig")).await);
        let entry = herd.cache_entry("Bernard", "fig").unwrap().unwrap();
        assert_eq!(entry.record.line(), fig.trim_end());
        let campbell = herdctl_core::event::Via::Peer("Campbell".into());
        assert!(entry.via != campbell && entry.hops >= 2, "not over the cut link: {entry:?}");
        let (_, bernard) = metrics(4, ports[3], "/metrics").await;
        assert_eq!(sample(&bernard, r#"herdctl_link_up{node="Bernard",neighbour="Campbell"}"#), Some(0.0), "{bernard}");
        herd.heal("Bernard", "Campbell").unwrap();
        assert!(herd.wait_linked(DEADLINE).await, "healed: {:?}", herd.status());

        // Step mode across machines: each node holds its own transmissions, the attached herd
        // sees them all and releases them one at a time, in release order, wherever they wait.
        herd.set_mode(herdctl_core::network::Mode::Step);
        herd.steered().await;
        let lime = format!("IAMAT lime +2+2 {}\n", now());
        let client_port = ports[0];
        let asking = tokio::spawn(async move { ask_at(0, client_port, &lime).await });
        let held = |herd: &Herd| herd.held().iter().filter(|h| &*h.client == "lime").count();
        assert!(herd.wait_until(DEADLINE, |herd| held(herd) == 2).await, "Riley holds two: {:?}", herd.held());
        assert!(asking.await.unwrap().starts_with("AT Riley"), "the reply does not wait past its bound");
        // (A catch-up still on its way when step mode began may be held too: lime's are the test.)
        let limes: Vec<_> = herd.held().into_iter().filter(|h| &*h.client == "lime").collect();
        let first = limes.iter().min_by(|a, b| a.order().cmp(&b.order())).unwrap();
        assert_eq!((&*first.from, &*first.to), ("Riley", "Jaquez"), "release order: hop, sender, receiver");
        assert!(herd.decide(first.id, herdctl_core::network::Fate::Deliver).is_some(), "released at Riley's machine");
        assert!(herd.wait_until(DEADLINE, |herd| herd.knows("Jaquez", "lime")).await);
        // Jaquez's onward copy is held at Jaquez's machine now; Juzang's is still held at Riley's.
        let waiting = |herd: &Herd, from: &str, to: &str| herd.find_held(from, to, Some("lime")).is_some();
        assert!(herd.wait_until(DEADLINE, |herd| waiting(herd, "Jaquez", "Bernard")).await, "{:?}", herd.held());
        assert!(waiting(&herd, "Riley", "Juzang") && !herd.knows("Juzang", "lime"));
        herd.set_mode(herdctl_core::network::Mode::Live);
        assert!(herd.wait_until(DEADLINE, |herd| NAMES.iter().all(|n| herd.knows(n, "lime"))).await);

        // Each machine's metrics count what happened there.
        let (status, riley) = metrics(0, ports[3], "/metrics").await;
        assert_eq!(status, 200);
        let iamats = r#"herdctl_client_lines_total{node="Riley",command="IAMAT",outcome="answered"}"#;
        assert_eq!(sample(&riley, iamats), Some(3.0), "the walkthrough's, kiwi and lime: {riley}");
        assert!(sample(&riley, r#"herdctl_records_sent_total{node="Riley",neighbour="Jaquez"}"#) >= Some(1.0));
        assert_eq!(metrics(2, ports[3], "/readyz").await.0, 200);

        // A console with the wrong key is refused, and can steer nothing.
        let stranger = tokio::net::TcpStream::connect((host(0), ports[2])).await.unwrap();
        let refused = control::dial(stranger, "Riley", &control::terms(Security::Sealed, HerdKey::new("guess"))).await;
        let unknown = |r: &str| r.starts_with("no key in the keyring of this node");
        assert!(matches!(&refused, Err(ControlError::Seal(SealError::Denied(r))) if unknown(r)), "{:?}", refused.err());
        // One that skips the handshake and types a command in the clear is cut off.
        let mut raw = BufReader::new(tokio::net::TcpStream::connect((host(0), ports[2])).await.unwrap());
        let mut offer = String::new();
        raw.read_line(&mut offer).await.unwrap();
        assert!(offer.starts_with("SEALED ") && offer.ends_with(" herdctl-control/2\n"), "{offer}");
        raw.get_mut().write_all(b"KILL\n").await.unwrap();
        let mut rest = String::new();
        let closed = tokio::time::timeout(DEADLINE, raw.read_line(&mut rest)).await.unwrap().unwrap_or(0);
        assert!(closed == 0 || rest.starts_with("DENIED"), "{rest:?}");
        assert!(StdStream::connect((host(0), ports[0])).is_ok(), "Riley still serves");
        // The attached console leaving stops no node, and leaves none holding messages.
        herd.set_mode(herdctl_core::network::Mode::Step);
        herd.steered().await;
        ask_at(0, ports[0], &format!("IAMAT plum +3+3 {}\n", now())).await;
        assert!(herd.wait_until(DEADLINE, |herd| !herd.held().is_empty()).await, "Riley holds plum's flood");
        herd.shutdown().await;
        assert!(StdStream::connect((host(0), ports[0])).is_ok(), "Riley serves on after the console left");
        eventually("a flood crosses once the console that held it left", || async {
            ask_at(3, ports[0], "WHATSAT plum 10 1\n").await.starts_with("AT Riley")
        })
        .await;
    }
}
