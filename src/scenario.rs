//! A scenario of several parts (`--scenario a.herd b.herd`, or a section that starts with
//! `shape`, `topology FILE` or `replay FILE`): one herd after another in this process, each
//! stopped (its ports freed) before the next starts, in the console or headless alike.

use std::sync::Arc;

use anyhow::Context;
use herdctl_core::key::HerdKey;
use herdctl_core::places::PlacesSettings;
use herdctl_core::recorder::Recorder;
use herdctl_core::{Herd, HerdEvent, HerdOptions, Topology};
use herdctl_teach::script::{Scenario, Stage};
use tokio::sync::broadcast;

use crate::cli::Cli;
use crate::frontend;

/// Starts each part's herd: the whole herd in this process, as the command line configures it.
pub struct Starter {
    options: HerdOptions,
}

impl Starter {
    /// Binds every node of `topology`, subscribes to its bus, then launches it (so that the
    /// console sees its start); `recorder` keeps its trace for the console's `t`.
    pub fn start(
        &self,
        topology: Arc<Topology>,
        recorder: Option<Arc<Recorder>>,
    ) -> anyhow::Result<(Arc<Herd>, broadcast::Receiver<Arc<HerdEvent>>)> {
        let names = topology.names().to_vec();
        let source = topology.source().to_string();
        let options = HerdOptions { recorder, ..self.options.clone() };
        let herd =
            Herd::bind(topology, &names, options).with_context(|| format!("cannot start the herd of {source}"))?;
        let events = herd.subscribe();
        herd.launch();
        Ok((Arc::new(herd), events))
    }
}

/// What a scenario of several parts cannot do: each of these belongs to one herd.
fn refuse_one_herd_options(cli: &Cli, parts: usize) -> anyhow::Result<()> {
    let given = [
        ("--trace", cli.trace.is_some()),
        ("--handout", cli.handout.is_some()),
        ("--attach", cli.attach),
        ("--node", !cli.nodes.is_empty()),
        ("--node-from-host", cli.node_from_host),
        ("--exec", cli.exec.is_some()),
        ("--classroom-web", cli.classroom_web.is_some()),
        ("--metrics", cli.metrics.is_some()),
        ("--data-dir", cli.data_dir.is_some()),
    ];
    if let Some((option, _)) = given.iter().find(|(_, given)| *given) {
        anyhow::bail!(
            "{option} belongs to one herd, and this scenario plays {parts} parts, a herd each: leave {option} out, \
             or play the scripts one at a time"
        );
    }
    Ok(())
}

/// Plays every part in turn, in the console or (`--headless`) printing each step; fails if a
/// check failed.
pub async fn run(cli: &Cli, scenario: Scenario, stages: Vec<Stage>) -> anyhow::Result<()> {
    refuse_one_herd_options(cli, scenario.parts.len())?;
    let (key, _) = HerdKey::from_env(true);
    let places = PlacesSettings::from_env(cli.places.map(Into::into), cli.places_endpoint.clone()).build()?;
    let places_source = places.name().to_string();
    let options = HerdOptions {
        log_dir: Some(cli.log_dir.clone()),
        clients: herdctl_core::limits::ClientLimits {
            most: cli.max_clients,
            per_source: cli.max_per_source,
            idle: cli.idle_timeout,
        },
        seed: cli.seed,
        strategy: cli.strategy,
        security: herdctl_core::secure::Security::from_plain_flag(cli.plain_links),
        bind: cli.bind.clone(),
        ..HerdOptions::new(key, places)
    };
    let starter = Starter { options };
    if !cli.headless {
        let parts = scenario.parts.into_iter().map(|part| part.script).zip(stages).collect();
        let base = frontend::Session {
            places_source,
            trace: Default::default(),
            trace_path: None,
            log_dir: cli.log_dir.clone(),
            scenario: None,
            present: cli.present,
            classroom_url: None,
            greeting: None,
            screen: frontend::Screen::of(&cli.screen),
        };
        return frontend::scenario(parts, starter, base).await;
    }
    let start = async |topology: Arc<Topology>| starter.start(topology, None).map(|(herd, _)| herd);
    let report =
        herdctl_teach::script::scenario::play_headless(&scenario.parts, &stages, start, &mut std::io::stdout()).await;
    if report.passed() {
        Ok(())
    } else {
        Err(anyhow::anyhow!("{} of the scenario's checks failed", report.failures.len()))
    }
}
