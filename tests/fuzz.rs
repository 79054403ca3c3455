//! The fuzz targets' checks (`herdctl_core::fuzz_checks`), on stable: over the checked-in corpus
//! (`fuzz/corpus/`), over a bounded random run, and over a live node, whose every answer must be
//! an AT line or a `? ` line, and which must still serve afterwards.

mod common;

use std::path::Path;

use common::*;
use herdctl_core::fuzz_checks;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(name);
    let mut inputs: Vec<Vec<u8>> =
        std::fs::read_dir(&dir).unwrap().map(|entry| std::fs::read(entry.unwrap().path()).unwrap()).collect();
    inputs.sort();
    assert!(inputs.len() >= 10, "the corpus of {name} is there");
    inputs
}

#[test]
fn the_corpus_holds() {
    let (clients, peers) = (corpus("client_line"), corpus("peer_line"));
    // Each parser also gets the other's inputs: a peer line on a client port happens.
    for input in clients.iter().chain(&peers) {
        fuzz_checks::client_line(input);
        fuzz_checks::peer_line(input);
    }
}

/// Lines made of the protocol's own words and characters reach deeper than random bytes.
fn protocol_ish() -> impl Strategy<Value = Vec<u8>> {
    let word = prop_oneof![
        Just("IAMAT".to_string()),
        Just("WHATSAT".to_string()),
        Just("AT".to_string()),
        Just("REC".to_string()),
        Just("SYNC".to_string()),
        Just("ACK".to_string()),
        "[+-]?[0-9]{0,22}(\\.[0-9]{0,12})?([+-][0-9]{0,4}(\\.[0-9]{0,10})?)?",
        "[a-z.\\x00-\\x1f\\x7f-\\xff]{0,12}",
    ];
    prop::collection::vec((word, prop_oneof![Just(" "), Just("  "), Just("\t"), Just("\r")]), 0..7).prop_map(|parts| {
        let mut line = String::new();
        for (word, space) in parts {
            line.push_str(&word);
            line.push_str(space);
        }
        line.into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_hold(line in prop::collection::vec(any::<u8>(), 0..300)) {
        fuzz_checks::client_line(&line);
        fuzz_checks::peer_line(&line);
    }

    #[test]
    fn protocol_ish_lines_hold(line in protocol_ish()) {
        fuzz_checks::client_line(&line);
        fuzz_checks::peer_line(&line);
    }
}

#[tokio::test]
async fn a_live_node_answers_every_line_with_at_or_a_question_mark_and_keeps_serving() {
    let herd = start_herd().await;
    let riley = herd.client_addr("Riley").unwrap();
    let mut inputs = corpus("client_line");
    inputs.extend(corpus("peer_line"));
    // And a bounded random run of protocol-ish lines, the same every time.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..300 {
        inputs.push(protocol_ish().new_tree(&mut runner).unwrap().current());
    }
    for mut input in inputs {
        // One line each: a newline inside would make two.
        input.retain(|&b| b != b'\n');
        input.push(b'\n');
        // Bytes, not text: an invalid line is echoed as received, UTF-8 or not.
        let reply = exchange_until_closed(riley, &input).await;
        let blank = herdctl_core::protocol::trim(&input).is_empty();
        assert!(
            (blank && reply.is_empty()) || reply.starts_with(b"AT ") || reply.starts_with(b"? "),
            "{:?} was answered {:?}",
            String::from_utf8_lossy(&input),
            String::from_utf8_lossy(&reply)
        );
    }
    let at = ask(&herd, "Riley", &format!("IAMAT kiwi +34.068930-118.445127 {}\n", now())).await;
    assert!(at.starts_with("AT Riley "), "still serving: {at:?}");
    herd.shutdown().await;
}
