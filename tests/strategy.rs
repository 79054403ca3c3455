//! Propagation strategies on a real herd of 25 nodes: a tree costs one message a node when
//! nothing fails, flooding costs more, and a tree floods around a cut link so every node still
//! learns every update.

mod common;

use std::sync::Arc;

use common::*;
use herdctl_core::event::EventKind;
use herdctl_core::key::HerdKey;
use herdctl_core::places::NoPlaces;
use herdctl_core::shape::Shape;
use herdctl_core::strategy::Strategy;
use herdctl_core::{Herd, HerdOptions};

async fn grid(strategy: Strategy) -> Herd {
    let topology = Arc::new(Shape::Grid.topology(25, 1).unwrap().on_free_ports());
    let names = topology.names().to_vec();
    let options = HerdOptions { strategy, ..HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces)) };
    let herd = Herd::start(topology, &names, options).await.unwrap();
    all_links_up(&herd).await;
    herd
}

/// Sends an IAMAT for `client` at n01 and counts the flood's messages once all 25 know it.
async fn messages_for(herd: &Herd, client: &str) -> usize {
    let mut events = herd.subscribe();
    ask(herd, "n01", &format!("IAMAT {client} +1.0+2.0 {}\n", now())).await;
    let names: Vec<String> = herd.topology().names().iter().map(|n| n.to_string()).collect();
    eventually("every node knows the update", || async { names.iter().all(|n| herd.knows(n, client)) }).await;
    // Every send was published before the receive it caused, which is before `knows`.
    let mut sent = 0;
    while let Ok(event) = events.try_recv() {
        if let EventKind::FloodSent { record, catch_up: false, .. } = &event.kind {
            sent += usize::from(record.client() == client);
        }
    }
    sent
}

#[tokio::test]
async fn a_tree_costs_one_message_a_node_and_flooding_more() {
    let tree = grid(Strategy::Tree).await;
    assert_eq!(messages_for(&tree, "kiwi").await, 24, "N-1 on a healthy 5x5 grid");
    tree.shutdown().await;
    let flood = grid(Strategy::Flood).await;
    let flooded = messages_for(&flood, "kiwi").await;
    assert!(flooded > 24 && flooded <= 80, "every link once or twice: {flooded}");
    flood.shutdown().await;
}

#[tokio::test]
async fn a_tree_floods_around_a_cut_and_every_node_still_learns() {
    let herd = grid(Strategy::Tree).await;
    herd.cut("n01", "n02").unwrap();
    herd.cut("n07", "n12").unwrap();
    let messages = messages_for(&herd, "lime").await;
    assert!(messages >= 24, "{messages}");
    herd.shutdown().await;
}
