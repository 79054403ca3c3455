//! `herdctl experiment`: one run of a herd under load and faults, or a series of them (several
//! strategies, --repeat), judged against the bars asked for.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use herdctl_core::key::HerdKey;
use herdctl_core::{HerdOptions, Topology};

use crate::{cli, config, frontend};

/// `herdctl experiment`: runs it (or, with several strategies or --repeat, each run of the series),
/// prints its Markdown summary (the series's one table), writes its results; exit 0 when every run
/// held, 1 when one did not, 2 when one could not be judged.
pub async fn run(args: &mut cli::ExperimentArgs) -> anyhow::Result<ExitCode> {
    use herdctl_teach::experiment::{Bars, Plan, Series, nemesis};
    let (topology, topology_name) = match (args.shape, args.nodes) {
        (Some(shape), Some(nodes)) => (shape.topology(nodes, args.seed)?, format!("{shape} of {nodes}")),
        _ => {
            let topology = Topology::load(args.topology.as_deref())?;
            let name = topology.source().to_string();
            (topology, name)
        }
    };
    let latency = match args.latency_dist.as_str() {
        "fixed" => herdctl_core::network::Delay::fixed(args.latency),
        "exp" => {
            herdctl_core::network::Delay { base: args.latency, spread: herdctl_core::network::Spread::Exponential }
        }
        other => match other.strip_prefix("uniform:").and_then(|s| humantime::parse_duration(s).ok()) {
            Some(spread) => herdctl_core::network::Delay {
                base: args.latency,
                spread: herdctl_core::network::Spread::Uniform(spread),
            },
            None => anyhow::bail!("--latency-dist {other:?}: write fixed, exp or uniform:40ms"),
        },
    };
    let latency = latency.bounded().with_context(|| format!("--latency-dist {}", args.latency_dist))?;
    let loss_percent = args
        .loss
        .strip_suffix('%')
        .and_then(|n| n.parse().ok())
        .filter(|n: &u32| *n <= 100)
        .with_context(|| format!("--loss {:?}: write a percentage, e.g. 5%", args.loss))?;
    let faults = match &args.nemesis {
        Some(text) => nemesis(text).map_err(|error| anyhow::anyhow!("--nemesis {error}"))?,
        None => Vec::new(),
    };
    // A strategy named twice is run once: a row each.
    let mut strategies = Vec::new();
    for strategy in &args.strategies {
        if !strategies.contains(strategy) {
            strategies.push(*strategy);
        }
    }
    let (key, _) = HerdKey::from_env(true);
    let options = HerdOptions {
        seed: Some(args.seed),
        strategy: strategies.first().copied().unwrap_or_default(),
        ..HerdOptions::new(key, Arc::new(herdctl_core::places::NoPlaces))
    };
    let plan = Plan {
        topology: Arc::new(topology.on_free_ports()),
        topology_name,
        options,
        latency,
        loss_percent,
        rate: args.rate,
        reads_per_update: args.reads.max(0.0),
        clients: args.clients,
        duration: args.duration,
        nemesis: faults,
        nemesis_interval: args.nemesis_interval,
        seed: args.seed,
    };
    let series = Series { plan, strategies, repeats: args.repeat };
    series.check().map_err(anyhow::Error::msg)?;
    let bars =
        Bars { max_msgs_per_update: args.max_msgs_per_update, max_p50: args.max_p50, max_latency: args.max_latency };
    if series.strategies.len() > 1 || series.repeats > 1 {
        return experiment_series(args, &series, &bars).await;
    }
    let plan = series.plan;
    let outcome = if args.console {
        let config = config::Config::load(args.screen.config.as_deref())?;
        frontend::use_keys(&config);
        args.screen.settle(&config);
        match frontend::watch_experiment(plan.clone(), frontend::Screen::of(&args.screen)).await? {
            Some(outcome) => outcome,
            None => {
                eprintln!("herdctl: the console was closed before the experiment ended: nothing to judge");
                return Ok(ExitCode::from(2));
            }
        }
    } else {
        herdctl_teach::experiment::run(&plan).await?
    };
    print!("{}", outcome.markdown(&plan));
    if let Some(path) = &args.results {
        let text = serde_json::to_string_pretty(&outcome.json(&plan))?;
        std::fs::write(path, text).with_context(|| format!("cannot write the results to {}", path.display()))?;
    }
    Ok(match outcome.judged(&bars) {
        None => {
            eprintln!(
                "herdctl: the experiment could not be judged: {}",
                outcome.unsure.as_deref().unwrap_or("no figures")
            );
            ExitCode::from(2)
        }
        Some(broken) if broken.is_empty() => ExitCode::SUCCESS,
        Some(broken) => {
            eprintln!("herdctl: the experiment did not hold: {}", broken.join("; "));
            ExitCode::FAILURE
        }
    })
}

/// `herdctl experiment` with several strategies or --repeat: every run, then one table; each run
/// judged as a single one is, and the exit status the worst of them (did not hold, then could not
/// be judged).
async fn experiment_series(
    args: &cli::ExperimentArgs,
    series: &herdctl_teach::experiment::Series,
    bars: &herdctl_teach::experiment::Bars,
) -> anyhow::Result<ExitCode> {
    use herdctl_teach::experiment::{CONVERGED_WITHIN, series_json, series_markdown};
    if args.console {
        anyhow::bail!(
            "--console watches one run, and this is a series of {} (strategies × --repeat): give one strategy \
             and leave --repeat out to watch it",
            series.strategies.len() * series.repeats as usize
        );
    }
    let runs = series
        .run(|number, count, plan| {
            eprintln!(
                "herdctl: run {number} of {count}: {}, seed {} ({}, then at most {} to settle)",
                plan.options.strategy,
                plan.seed,
                humantime::format_duration(plan.duration),
                humantime::format_duration(CONVERGED_WITHIN)
            )
        })
        .await?;
    print!("{}", series_markdown(series, &runs));
    if let Some(path) = &args.results {
        let text = serde_json::to_string_pretty(&series_json(series, &runs))?;
        std::fs::write(path, text).with_context(|| format!("cannot write the results to {}", path.display()))?;
    }
    let (mut broken, mut unjudged) = (Vec::new(), Vec::new());
    for run in &runs {
        let which = format!("{} run {} (seed {})", run.strategy, run.repeat, run.seed);
        match run.verdict.judged(bars) {
            None => unjudged.push(format!("{which}: {}", run.verdict.unsure.as_deref().unwrap_or("no figures"))),
            Some(said) if said.is_empty() => {}
            Some(said) => broken.push(format!("{which}: {}", said.join("; "))),
        }
    }
    for line in &unjudged {
        eprintln!("herdctl: could not be judged: {line}");
    }
    for line in &broken {
        eprintln!("herdctl: did not hold: {line}");
    }
    Ok(if !broken.is_empty() {
        eprintln!("herdctl: the experiment did not hold ({} of {} runs)", broken.len(), runs.len());
        ExitCode::FAILURE
    } else if !unjudged.is_empty() {
        eprintln!("herdctl: the experiment could not be judged ({} of {} runs)", unjudged.len(), runs.len());
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
