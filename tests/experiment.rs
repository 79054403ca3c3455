//! `herdctl experiment` on small herds: a tree costs N−1 messages an update and flooding more,
//! a nemesis of kills and cuts loses no acknowledged update once healed, the exit status says
//! whether the bars held, a run whose runtime was held up says it was too busy to judge, and
//! several strategies and repeats make one table.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use herdctl_core::EventKind;
use herdctl_core::HerdOptions;
use herdctl_core::key::HerdKey;
use herdctl_core::network::Delay;
use herdctl_core::places::NoPlaces;
use herdctl_core::shape::Shape;
use herdctl_core::strategy::{FORMS, Strategy};
use herdctl_teach::experiment::{Bars, Plan, exercise, nemesis, run, start};

fn plan(strategy: Strategy, faults: &str) -> Plan {
    Plan {
        topology: Arc::new(Shape::Grid.topology(9, 1).unwrap().on_free_ports()),
        topology_name: "grid of 9".into(),
        options: HerdOptions { strategy, seed: Some(7), ..HerdOptions::new(HerdKey::new("k"), Arc::new(NoPlaces)) },
        latency: Delay::fixed(Duration::from_millis(10)),
        loss_percent: 0,
        rate: 40.0,
        reads_per_update: 1.0,
        clients: 8,
        duration: Duration::from_secs(2),
        nemesis: if faults.is_empty() { Vec::new() } else { nemesis(faults).unwrap() },
        nemesis_interval: Duration::from_millis(300),
        seed: 7,
    }
}

#[tokio::test]
async fn a_tree_costs_one_message_a_node_and_flooding_about_twice_that() {
    let tree = run(&plan(Strategy::Tree, "")).await.unwrap();
    assert!(tree.updates >= 75, "{tree:?}");
    // (An update overtaken in flight by a newer one of the same client is dropped as stale on
    // the way, and costs a little less.)
    assert_eq!(tree.records_sent_per_update.p50, 8.0, "N-1 on a healthy 3x3 grid: {tree:?}");
    assert!((7.5..=8.0).contains(&tree.records_sent_per_update.mean), "{tree:?}");
    assert_eq!((tree.lost, tree.duplicates_per_update), (0, 0.0));
    assert!(tree.propagation_ms.max >= 10.0, "at least a link's latency: {tree:?}");
    // One read an update, at a random node: most find the newest record, a few (just after an
    // update, far from where it was made) an older one.
    assert!(tree.reads >= 60 && tree.stale_reads < tree.reads / 2, "{tree:?}");
    let flood = run(&plan(Strategy::Flood, "")).await.unwrap();
    assert_eq!(flood.records_sent_per_update.p50, 16.0, "12 links once, 4 of them twice: {flood:?}");
    assert!(flood.duplicates_per_update > 7.0, "{flood:?}");
    assert!(tree.judged(&Bars { max_msgs_per_update: Some(9.0), ..Bars::default() }).unwrap().is_empty());
    let broken = flood.judged(&Bars { max_msgs_per_update: Some(9.0), ..Bars::default() }).unwrap();
    assert!(broken[0].contains("messages per update, more than 9"), "{broken:?}");
}

#[tokio::test]
async fn batching_sends_many_records_in_one_transmission_and_loses_nothing() {
    let batch = run(&plan(Strategy::Batch(Duration::from_millis(200)), "")).await.unwrap();
    assert_eq!(batch.records_sent_per_update.p50, 8.0, "the tree's routes: {batch:?}");
    assert!(batch.messages_per_update < 5.0, "records share transmissions: {batch:?}");
    assert_eq!(batch.lost, 0);
    assert!(batch.answer_ms.p50 >= 150.0, "a client waits for its batch to go: {batch:?}");
}

#[tokio::test]
async fn gossip_to_one_neighbour_leaves_gaps_that_anti_entropy_fills() {
    // On a star a fanout of one takes an update to at most two nodes: the other leaves learn it
    // from the catch-up a node gives a random neighbour every second.
    let star = Plan {
        topology: Arc::new(Shape::Star.topology(8, 1).unwrap().on_free_ports()),
        topology_name: "star of 8".into(),
        ..plan(Strategy::Gossip(1), "")
    };
    let outcome = run(&star).await.unwrap();
    assert!(outcome.stale_reads > 0, "before anti-entropy, reads elsewhere find older records: {outcome:?}");
    // Gossip alone takes each update to two nodes at most, yet all eight have every update.
    assert!(outcome.records_sent_per_update.max <= 2.0, "{outcome:?}");
    assert_eq!(outcome.lost, 0, "{outcome:?}");
    assert!(outcome.transmissions > 2 * outcome.updates as u64, "anti-entropy's own transmissions: {outcome:?}");
}

#[tokio::test]
async fn with_kills_and_cuts_no_strategy_loses_an_acknowledged_update() {
    let batch = Strategy::Batch(Duration::from_millis(150));
    for strategy in [Strategy::Flood, Strategy::Tree, batch, Strategy::Gossip(2)] {
        let outcome = run(&plan(strategy, "kill,cut")).await.unwrap();
        assert!(
            outcome.faults.iter().any(|f| f.what.contains("node down")),
            "the schedule as carried out: {outcome:?}"
        );
        assert!(outcome.faults.iter().any(|f| f.what.contains("cut by the operator")), "{outcome:?}");
        assert!(outcome.updates > 40, "{strategy}: {outcome:?}");
        assert_eq!(outcome.lost, 0, "{strategy}: {outcome:?}");
    }
}

#[test]
fn the_binary_prints_a_summary_writes_results_and_exits_by_the_bars() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.json");
    let args = [
        "experiment",
        "--shape",
        "ring",
        "--nodes",
        "5",
        "--strategy",
        "tree",
        "--latency",
        "5ms",
        "--rate",
        "20",
        "--duration",
        "1s",
        "--seed",
        "3",
    ];
    let output = Command::new(env!("CARGO_BIN_EXE_herdctl"))
        .args(args)
        .args(["--results", results.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(
        summary.contains("## ring of 5 · tree · 5ms links") && summary.contains("| lost updates | 0 |"),
        "{summary}"
    );
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(json["schema"], "herdctl-experiment/1");
    assert_eq!(json["outcome"]["lost"], 0);
    assert!(json["outcome"]["lateness"]["machine_ms"]["max"].is_number(), "{json}");
    assert!(json["outcome"]["lateness"]["runtime_ms"]["max"].is_number(), "{json}");
    assert!(json["outcome"].get("past_bound").is_some(), "said, even when null: {json}");
    assert!(json["outcome"]["messages_per_update"].as_f64().unwrap() > 0.0);
    let strict =
        Command::new(env!("CARGO_BIN_EXE_herdctl")).args(args).args(["--max-msgs-per-update", "1"]).output().unwrap();
    assert_eq!(strict.status.code(), Some(1), "{strict:?}");
    assert!(String::from_utf8_lossy(&strict.stderr).contains("did not hold"));
    let watched = Command::new(env!("CARGO_BIN_EXE_herdctl"))
        .args(args)
        .arg("--console")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(watched.status.code(), Some(2), "no terminal, no console: {watched:?}");
    assert!(String::from_utf8_lossy(&watched.stderr).contains("needs a terminal"));
    let wrong = Command::new(env!("CARGO_BIN_EXE_herdctl"))
        .args(["experiment", "--shape", "ring", "--nodes", "5", "--nemesis", "fire"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("kill, cut and loss"));
}

#[tokio::test]
async fn a_run_whose_runtime_was_held_up_says_it_was_too_busy_to_judge_its_times() {
    let plan = Plan { duration: Duration::from_secs(1), ..plan(Strategy::Tree, "") };
    let herd = start(&plan).await.unwrap();
    let mut events = herd.subscribe();
    let stall = tokio::spawn(async move {
        // The first record a client gave: the run is under way, and its probes with it.
        while let Ok(event) = events.recv().await {
            if matches!(event.kind, EventKind::CacheUpdated { hops: 0, .. }) {
                // Holds this test's one runtime thread (herd, clients and all) as a machine too
                // busy would: the fault this test makes, not a wait for something to happen.
                std::thread::sleep(Duration::from_millis(300));
                return true;
            }
        }
        false
    });
    let outcome = exercise(&herd, &plan).await.unwrap();
    herd.shutdown().await;
    assert!(stall.await.unwrap(), "the run stored a client's record");
    assert!(outcome.lateness.runtime_ms.max >= 250.0, "{:?}", outcome.lateness);
    let unsure = outcome.unsure.as_deref().unwrap_or_default();
    assert!(unsure.contains("too busy to judge the times"), "{outcome:?}");
    // Its times cannot be blamed on the herd: a bar they broke leaves the run unjudged, and so
    // does a client's wait past the bound (one waited through the stall, or none did).
    let strict = Bars { max_p50: Some(Duration::from_micros(1)), ..Bars::default() };
    assert_eq!(outcome.judged(&strict), None, "{outcome:?}");
    match outcome.past_bound() {
        Some(_) => assert_eq!(outcome.judged(&Bars::default()), None, "{outcome:?}"),
        None => assert_eq!(outcome.judged(&Bars::default()), Some(vec![]), "{outcome:?}"),
    }
    assert_eq!(outcome.lost, 0);
}

#[test]
fn the_help_and_errors_of_experiment_name_every_strategy_and_refuse_what_cannot_be_run() {
    let herdctl = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_herdctl")).args(args).output().unwrap();
    let help = String::from_utf8_lossy(&herdctl(&["experiment", "--help"]).stdout).into_owned();
    assert!(help.contains("--repeat <N>") && help.contains("comma-separated"), "{help}");
    let wrong = herdctl(&["experiment", "--strategy", "flood,bogus"]);
    assert_eq!(wrong.status.code(), Some(2), "{wrong:?}");
    let error = String::from_utf8_lossy(&wrong.stderr);
    assert!(error.contains("\"bogus\" is not a strategy"), "{error}");
    for form in FORMS {
        assert!(help.contains(form.form), "the help lacks {}: {help}", form.form);
        assert!(error.contains(form.form), "the error lacks {}: {error}", form.form);
    }
    for (args, reason) in [
        (&["--rate", "1000000000"][..], "1000000000 updates a second: write more than 0 and at most 10000"),
        (&["--rate", "0"], "0 updates a second: write more than 0"),
        (&["--rate", "5000", "--duration", "1h"], "is 18000000 updates: at most 1000000 a run"),
        (&["--strategy", "tree,flood", "--repeat", "51"], "2 strategies × 51 repeats is 102 runs: at most 100"),
        (&["--repeat", "101"], "101 is not in 1..=100"),
        (&["--strategy", "flood,tree", "--console"], "--console watches one run"),
    ] {
        let refused = herdctl(&[&["experiment"][..], args].concat());
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {refused:?}");
        assert!(String::from_utf8_lossy(&refused.stderr).contains(reason), "{args:?}: {refused:?}");
    }
}

#[test]
fn several_strategies_repeated_make_one_table_and_results_with_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("series.json");
    let output = Command::new(env!("CARGO_BIN_EXE_herdctl"))
        .args(["experiment", "--shape", "ring", "--nodes", "5", "--strategy", "flood,tree", "--repeat", "2"])
        .args(["--latency", "5ms", "--rate", "20", "--duration", "1s", "--seed", "3"])
        .args(["--results", results.to_str().unwrap()])
        .output()
        .unwrap();
    let (table, said) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    // A run on a machine too busy to judge is said so (exit 2); anything else must hold.
    assert!(output.status.success() || said.contains("could not be judged ("), "{output:?}");
    assert!(said.contains("run 4 of 4: tree, seed 4"), "{said}");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "## ring of 5 · 5ms links · 20 updates/s for 1s · 2 runs a strategy (seeds 3–4)", "{table}");
    assert_eq!(lines.iter().filter(|line| line.starts_with("| strategy |")).count(), 1, "one table: {table}");
    assert_eq!(lines.iter().filter(|line| line.starts_with("| flood | ") || line.starts_with("| tree | ")).count(), 2);
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(json["schema"], "herdctl-experiment-series/1");
    let runs: Vec<(String, u64, u64)> = json["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| {
            (
                run["strategy"].as_str().unwrap().to_string(),
                run["repeat"].as_u64().unwrap(),
                run["seed"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [("flood", 1, 3), ("tree", 1, 3), ("flood", 2, 4), ("tree", 2, 4)];
    assert_eq!(runs, expected.map(|(s, r, d)| (s.to_string(), r, d)));
    let sent = |row: usize| json["rows"][row]["figures"]["records_sent_per_update"]["median"].as_f64().unwrap();
    assert_eq!(json["rows"][1]["strategy"], "tree");
    assert!(sent(1) <= 4.0 && sent(0) > sent(1), "a tree sends N−1, flooding more: {json}");
    for run in json["runs"].as_array().unwrap() {
        assert_eq!(run["outcome"]["lost"], 0, "{run}");
    }
}
