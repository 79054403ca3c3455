//! `herdctl grade`: starts the herd to grade (herdctl's own nodes on free ports, or a student's
//! servers under --exec, as `herdctl --exec` runs them), runs the grader's checks on it
//! (crates/teach/src/grade) and prints the score.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use herdctl_core::event::EventKind;
use herdctl_core::key::{self, HerdKey};
use herdctl_core::places::{PlacesSettings, Query, SourceKind};
use herdctl_core::{Herd, HerdOptions, Topology};
use herdctl_teach::grade::{self, Bench};
use herdctl_teach::script::Script;

use crate::cli::GradeArgs;
use crate::exec::{self, Isolation};

/// The environment variable a student's server may take its Places URL from.
const PLACES_URL: &str = "HERDCTL_PLACES_URL";

/// Grades the herd `args` names; exit 0 when every check passed, 1 when one failed (an error:
/// the grade could not run, exit 2).
pub async fn run(args: &GradeArgs, isolation: Option<Isolation>) -> anyhow::Result<ExitCode> {
    let topology = Topology::load(args.topology.as_deref())?;
    let chosen = grade::select(&args.only).map_err(anyhow::Error::msg)?;
    let mut scripts = Vec::new();
    for path in &args.walkthrough {
        let script = Script::load(path)?;
        script.check(&topology)?;
        scripts.push(script);
    }
    let places = PlacesSettings::from_env(Some(SourceKind::Offline), None).build()?;
    // Loaded now, so that no check's first WHATSAT pays for reading the gazetteer.
    if isolation.is_none() {
        let query = Query { lat: 34.07, lon: -118.45, radius_m: "1000".into(), bound: 1 };
        let _ = places.nearby(query).await;
    }
    let options = HerdOptions::new(HerdKey::new(key::nonce()), places.clone());
    let (herd, foreign, notes) = match &isolation {
        Some(isolation) => {
            let herd = Arc::new(Herd::bind(Arc::new(topology), &[], options)?);
            let mut events = herd.subscribe();
            herd.launch();
            let foreign = exec::start(
                &herd,
                args.exec.as_deref(),
                args.exec_dir.as_deref(),
                args.topology.as_deref(),
                isolation,
                places,
            )
            .await?;
            let down: Vec<String> =
                herd.status().into_iter().filter(|node| !node.up).map(|node| node.name.to_string()).collect();
            if !down.is_empty() {
                let mut why = Vec::new();
                while let Ok(event) = events.try_recv() {
                    if let EventKind::Warning { text } = &event.kind {
                        why.push(format!("{}: {text}", event.node));
                    }
                }
                foreign.shutdown().await;
                herd.shutdown().await;
                anyhow::bail!("{} did not start, so the herd cannot be graded: {}", down.join(", "), why.join("; "));
            }
            let mut notes = Vec::new();
            if let Isolation::Shared(why) = isolation {
                notes.push(format!(
                    "herdctl cannot see what your servers send each other ({why}): flood-once, neighbours-only and cut are skipped"
                ));
            }
            notes.push(match std::env::var(PLACES_URL) {
                Ok(url) => format!("your servers' places come from {PLACES_URL}={url}"),
                Err(_) => format!(
                    "your servers' places come from herdctl's stub of Google's Nearby Search, at {PLACES_URL} (offline gazetteer)"
                ),
            });
            (herd, Some(foreign), notes)
        }
        None => {
            let topology = Arc::new(topology.on_free_ports());
            let names = topology.names().to_vec();
            let herd = Arc::new(Herd::start(topology, &names, options).await?);
            herd.wait_linked(herdctl_teach::operator::LINKED_WITHIN).await;
            (herd, None, vec!["herdctl's own nodes, on free ports, places from the offline gazetteer".into()])
        }
    };
    let bench = Bench::new(herd.clone(), foreign.clone(), notes);
    let report = grade::run(&bench, &chosen, &scripts).await;
    if let Some(foreign) = &foreign {
        foreign.shutdown().await;
    }
    herd.shutdown().await;
    let text = match args.json {
        true => format!("{}\n", serde_json::to_string_pretty(&grade::json(&report)).context("cannot write JSON")?),
        false => grade::table(&report),
    };
    crate::print_all(text.as_bytes())?;
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
