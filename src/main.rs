//! The herdctl binary: parse the command line, start logging, run the herd.

mod cli;

use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use herdctl::peer::{HerdKey, KeySource, key};
use herdctl::places::PlacesSettings;
use herdctl::{Herd, HerdOptions, Topology};
use tracing_subscriber::EnvFilter;

use cli::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    if !cli.headless {
        tracing::warn!("the console is not built yet; running the herd headless (Ctrl-C stops it)");
    }
    run_headless(&cli).await
}

async fn run_headless(cli: &Cli) -> anyhow::Result<()> {
    let topology = Arc::new(Topology::load(cli.topology.as_deref())?);
    let members = topology.select(&cli.nodes).map_err(anyhow::Error::msg)?;
    let whole_herd = members.len() == topology.names().len();
    let (key, source) = HerdKey::from_env(whole_herd);
    if source == KeySource::Demo {
        tracing::warn!(
            "{} is not set: using the public demo key {:?}. Anyone who can reach the peer ports can \
             inject records. Set {0} to the same secret on every node.",
            key::KEY_VARIABLE,
            key::DEMO_KEY
        );
    }
    let places = PlacesSettings::from_env(cli.places.map(Into::into), cli.places_endpoint.clone())
        .build()?;
    tracing::info!("WHATSAT places come from the {} source", places.name());
    let options = HerdOptions {
        key,
        places,
        log_dir: Some(cli.log_dir.clone()),
    };
    let herd = Herd::start(topology.clone(), &members, options).await?;
    tracing::info!(
        "serving {} from {}; logs in {}",
        members
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        topology.source(),
        cli.log_dir.display()
    );
    shutdown_signal()
        .await
        .context("cannot listen for shutdown signals")?;
    tracing::info!("shutting down");
    herd.shutdown().await;
    Ok(())
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        _ = terminate.recv() => Ok(()),
    }
}
