//! The terminal console as `main` meets it: on a running herd, on a recording (and on a herd gone
//! live from one of its moments), and on an experiment; its keys as the configuration rebinds
//! them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use herdctl_core::key::HerdKey;
use herdctl_core::places::PlacesSettings;
use herdctl_core::{Herd, HerdEvent, HerdOptions};
use herdctl_teach::script::Script;
use herdctl_teach::trace::Trace;
use tokio::sync::broadcast;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use super::{Screen, Session};
use crate::config::Config;
use crate::console;

pub const BUILT_WITH_CONSOLE: bool = true;

/// The console's keys, as the configuration rebinds them (it was checked when read).
pub fn use_keys(config: &Config) {
    if let Ok(table) = config.key_table() {
        herdctl_ui::keys::use_table(table);
    }
}

impl Session {
    /// A session on a herd that another command started (a replay gone live, an experiment):
    /// no scenario, classroom or trace file of its own, and `greeting` said first.
    fn started_elsewhere(
        places_source: String,
        trace: Arc<Trace>,
        log_dir: PathBuf,
        greeting: String,
        screen: Screen,
    ) -> Self {
        Session {
            places_source,
            trace,
            trace_path: None,
            log_dir,
            scenario: None,
            present: false,
            classroom_url: None,
            greeting: Some(greeting),
            screen,
        }
    }
}

/// The console on `herd` until the operator quits.
pub async fn run(herd: Arc<Herd>, events: broadcast::Receiver<Arc<HerdEvent>>, session: Session) -> anyhow::Result<()> {
    console::run(herd, events, session).await
}

/// The console on a scenario of several parts: each part's herd started by `starter` (or its
/// recording replayed) in turn, in one terminal, `[` and `]` crossing between the parts.
pub async fn scenario(
    parts: Vec<(Script, herdctl_teach::script::Stage)>,
    starter: crate::scenario::Starter,
    base: Session,
) -> anyhow::Result<()> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        anyhow::bail!("the console needs a terminal; to play the scenario without one, add --headless");
    }
    // herdctl's log goes to the log folder already (main started it).
    console::scenario(parts, starter, base).await
}

/// The replay console on `timeline` (of the recording `file`), walking through `script` if one
/// is given; going live from a moment starts a herd logging into `log_dir`.
pub async fn replay(
    timeline: herdctl_teach::replay::Timeline,
    at: std::time::Duration,
    script: Option<Script>,
    file: &Path,
    (log_dir, screen): (PathBuf, Screen),
) -> anyhow::Result<()> {
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !terminal {
        anyhow::bail!(
            "the replay console needs a terminal; to print a moment of the recording instead, run: herdctl replay {} --headless --at 2.5s",
            file.display()
        );
    }
    let started = timeline.recording().started;
    match console::replay(timeline, at, script, screen).await? {
        Some(moment) => {
            let at = moment.now().duration_since(started).unwrap_or_default();
            let from = format!("{:.3}s of {}", at.as_secs_f64(), file.display());
            go_live_from(&moment, &from, (log_dir, screen)).await
        }
        None => Ok(()),
    }
}

/// The console on a herd started from a replayed moment (`L` in a replay).
async fn go_live_from(
    moment: &herdctl_teach::replay::World,
    from: &str,
    (log_dir, screen): (std::path::PathBuf, Screen),
) -> anyhow::Result<()> {
    let _log_guard = log_to_file(&log_dir)?;
    // The whole herd runs here: a key of its own, as a console's herd has.
    let (key, _) = HerdKey::from_env(true);
    let places = PlacesSettings::from_env(None, None).build()?;
    let places_source = places.name().to_string();
    let trace = Arc::new(Trace::default());
    let options = HerdOptions {
        log_dir: Some(log_dir.clone()),
        recorder: Some(trace.recorder().clone()),
        ..HerdOptions::new(key, places)
    };
    let (herd, events) = herdctl_teach::replay::go_live(moment, options).await?;
    let then = herdctl_teach::moment::Moment::topology(moment);
    let moved = herd.topology().nodes().iter().zip(then.nodes()).any(|(now, then)| now.port != then.port);
    let mut greeting = format!(
        "live from {from} (the flow says more); caches, cuts, delays and losses are as they were; \
         messages held then were not carried over (the links catch each other up{})",
        if herd.network().mode() == herdctl_core::network::Mode::Step { ", held in step mode" } else { "" }
    );
    if moved {
        let ports: Vec<String> =
            herd.status().iter().map(|node| format!("{} {}", node.name, node.client_addr.port())).collect();
        greeting = greeting.replacen(
            " (the flow says more)",
            &format!(" (the recorded ports were busy: clients reach {})", ports.join(", ")),
            1,
        );
    }
    let session = Session::started_elsewhere(places_source, trace, log_dir, greeting, screen);
    console::run(Arc::new(herd), events, session).await
}

/// An experiment in the console: the herd on screen while the experiment drives it; the outcome
/// once it ended (`None` when the console was closed first).
pub async fn watch_experiment(
    mut plan: herdctl_teach::experiment::Plan,
    screen: Screen,
) -> anyhow::Result<Option<herdctl_teach::experiment::Verdict>> {
    use herdctl_teach::experiment::{exercise, start};
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        anyhow::bail!("experiment --console needs a terminal; without it, leave --console out");
    }
    let log_dir = std::path::PathBuf::from("logs");
    let _log_guard = log_to_file(&log_dir)?;
    let trace = Arc::new(Trace::default());
    plan.options.recorder = Some(trace.recorder().clone());
    let herd = start(&plan).await?;
    let events = herd.subscribe();
    let running = {
        let (herd, plan) = (herd.clone(), plan.clone());
        tokio::spawn(async move {
            let outcome = exercise(&herd, &plan).await;
            if let Ok(outcome) = &outcome {
                let text = format!(
                    "the experiment is over: {:.1} messages an update, propagation p50 {:.0} ms, {} lost; q prints the summary",
                    outcome.messages_per_update, outcome.propagation_ms.p50, outcome.lost
                );
                herd.note_story(herdctl_core::EventKind::Caption { text: text.into() });
            }
            outcome
        })
    };
    let greeting = format!(
        "experiment: {} by {}, {} links, {} updates/s for {}; quitting stops it",
        plan.topology_name,
        plan.options.strategy,
        plan.latency,
        plan.rate,
        humantime::format_duration(plan.duration)
    );
    let session = Session::started_elsewhere("none".into(), trace, log_dir, greeting, screen);
    console::run(herd, events, session).await?;
    if !running.is_finished() {
        running.abort();
        return Ok(None);
    }
    Ok(Some(running.await??))
}

/// herdctl's own log in `dir`/herdctl.log (the console owns the terminal).
fn log_to_file(dir: &std::path::Path) -> anyhow::Result<WorkerGuard> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    crate::log_to_file_filtered(dir, filter)
}
