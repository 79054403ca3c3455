//! A herdctl built without its console (`--no-default-features`): headless nodes and
//! `replay --headless` work; whatever needs the console says so, and what to run instead.

use std::path::Path;
use std::sync::Arc;

use herdctl_core::{Herd, HerdEvent};
use tokio::sync::broadcast;

use super::{Screen, Session};
use crate::config::Config;

pub const BUILT_WITH_CONSOLE: bool = false;

const WITHOUT: &str = "this herdctl was built without its console (cargo feature `console`)";

/// Without a console there are no keys to rebind.
pub fn use_keys(_config: &Config) {}

pub async fn run(
    _herd: Arc<Herd>,
    _events: broadcast::Receiver<Arc<HerdEvent>>,
    _session: Session,
) -> anyhow::Result<()> {
    anyhow::bail!("{WITHOUT}: run it with --headless")
}

pub async fn replay(
    _timeline: herdctl_teach::replay::Timeline,
    _at: std::time::Duration,
    _script: Option<herdctl_teach::script::Script>,
    file: &Path,
    _shown: (std::path::PathBuf, Screen),
) -> anyhow::Result<()> {
    anyhow::bail!("{WITHOUT}: use herdctl replay {} --headless", file.display())
}

pub async fn scenario(
    _parts: Vec<(herdctl_teach::script::Script, herdctl_teach::script::Stage)>,
    _starter: crate::scenario::Starter,
    _base: Session,
) -> anyhow::Result<()> {
    anyhow::bail!("{WITHOUT}: run it with --headless")
}

pub async fn watch_experiment(
    _plan: herdctl_teach::experiment::Plan,
    _screen: Screen,
) -> anyhow::Result<Option<herdctl_teach::experiment::Verdict>> {
    anyhow::bail!("{WITHOUT}: leave --console out")
}
