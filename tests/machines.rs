//! A herd across machines, in one test process: nodes that listen on every address while their
//! neighbours dial them by name.

mod common;

use std::sync::Arc;

use common::*;
use herdctl::peer::HerdKey;
use herdctl::places::NoPlaces;
use herdctl::{Herd, HerdOptions, Topology};

#[tokio::test]
async fn a_node_bound_to_every_address_is_dialled_by_its_advertised_name() {
    let ports = free_ports(10);
    let mut herd: serde_json::Value = serde_json::from_str(herdctl::topology::BUILT_IN).unwrap();
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
    let four = start(&topology, &["Riley", "Jaquez", "Juzang", "Bernard"]).await;
    let campbell = start(&topology, &["Campbell"]).await;
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

async fn start(topology: &Arc<Topology>, names: &[&str]) -> Herd {
    let names: Vec<_> = names.iter().map(|name| topology.name(name).unwrap()).collect();
    let options = HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces));
    Herd::start(topology.clone(), &names, options).await.expect("starts")
}
