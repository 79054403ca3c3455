//! Running a student's herd (`--exec`, or an `exec` per node in the topology): whether herdctl
//! can give each server a network namespace of its own (decided before any thread starts), and
//! the foreign herd started on the herd the console and walkthroughs steer, with a places stub
//! for their WHATSAT unless the user names a Places URL of their own.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use herdctl_core::places::Places;
use herdctl_core::{Herd, Topology};
use herdctl_teach::foreign::{self, ForeignHerd, Plan};
use herdctl_teach::places_stub::URL_VARIABLE;

/// Whether each foreign server gets a loopback of its own, and why not when it does not.
#[derive(Clone, Debug)]
pub enum Isolation {
    /// Every connection between servers crosses herdctl.
    Isolated,
    /// The servers share the machine's network: herdctl sees only what clients send them.
    Shared(String),
}

/// Whether this run supervises foreign servers: `--exec`, or a topology that gives a node its
/// own `exec`.
pub fn wanted(exec: Option<&str>, topology: Option<&Path>) -> bool {
    exec.is_some()
        || Topology::load(topology).is_ok_and(|topology| topology.nodes().iter().any(|node| node.exec.is_some()))
}

/// Enters a user namespace of herdctl's own, where it may make each server a network namespace.
/// Must run before the async runtime starts any thread.
pub fn isolate() -> Isolation {
    if std::env::var_os("HERDCTL_SHARED_NETWORK").is_some() {
        return Isolation::Shared("HERDCTL_SHARED_NETWORK is set".into());
    }
    #[cfg(target_os = "linux")]
    {
        match foreign::namespace::enter_user_namespace() {
            Ok(()) => Isolation::Isolated,
            Err(why) => Isolation::Shared(why.to_string()),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Isolation::Shared("network namespaces are Linux's".into())
    }
}

/// Starts every server of the topology on `herd` (which runs no node of its own). Their WHATSAT
/// asks a places stub answering from `places` (herdctl's own source), unless `HERDCTL_PLACES_URL`
/// is already set: then that URL is theirs (inherited), and reached from their namespaces when
/// it is on this machine's loopback.
pub async fn start(
    herd: &Arc<Herd>,
    command: Option<&str>,
    dir: Option<&Path>,
    topology_path: Option<&Path>,
    isolation: &Isolation,
    places: Arc<dyn Places>,
) -> anyhow::Result<Arc<ForeignHerd>> {
    let here = std::env::current_dir().context("cannot read the current folder")?;
    let dir = dir.map_or_else(|| here.clone(), |dir| here.join(dir));
    if !dir.is_dir() {
        anyhow::bail!("--exec-dir {}: no such folder", dir.display());
    }
    if let Isolation::Shared(why) = isolation {
        tracing::warn!(
            "your servers share this machine's network ({why}): herdctl sees what clients send them, \
             not what they send each other, so step mode, cuts and the flood are not shown"
        );
    }
    let own_url = std::env::var(URL_VARIABLE).ok().filter(|url| !url.trim().is_empty());
    if let Some(url) = &own_url {
        let reached = foreign::loopback(url).is_some() || matches!(isolation, Isolation::Shared(_));
        if !reached {
            tracing::warn!(
                "{URL_VARIABLE}={url} is not on this machine's loopback (http://127.0.0.1:PORT/...): your \
                 servers, each in a namespace of its own, cannot reach it"
            );
        }
    }
    let plan = Plan {
        command: command.map(str::to_string),
        topology_path: topology_path.map_or_else(|| here.join("topology.json"), |path| here.join(path)),
        dir,
        isolated: matches!(isolation, Isolation::Isolated),
        env: Vec::new(),
        places: own_url.is_none().then_some(places),
        outside: own_url.as_deref().and_then(foreign::loopback).into_iter().collect(),
    };
    let started = foreign::start(herd, &plan).await?;
    let up = herd.status().iter().filter(|node| node.up).count();
    tracing::info!(
        "supervising {up} of {} servers of {} ({}), in {}",
        herd.topology().names().len(),
        herd.topology().source(),
        command.unwrap_or("each node's exec"),
        plan.dir.display()
    );
    if let Some(addr) = started.places_stub {
        tracing::info!(
            "your servers' WHATSAT: {URL_VARIABLE}={} (herdctl's places stub)",
            herdctl_teach::places_stub::legacy_url(addr)
        );
    }
    Ok(started)
}
