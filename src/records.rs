//! Where a session's records go (`--trace FILE`, `--handout DIR`): checked before anything runs,
//! so that a typo in a folder's name stops herdctl at once with one line instead of after the
//! whole walkthrough, and written when the session ends.

use std::fs::OpenOptions;
use std::path::Path;

use anyhow::{Context, bail};
use herdctl_core::Topology;
use herdctl_teach::trace::Trace;

use crate::cli::Cli;

/// Refuses, before anything runs, a `--trace` or `--handout` that could not be written: a folder
/// that does not exist, a folder given for a file (or a file for a folder), a place this user
/// may not write. A missing handout folder is created here (in a folder that exists), which also
/// proves that it can be written.
pub fn check(cli: &Cli) -> anyhow::Result<()> {
    if let Some(path) = &cli.trace {
        check_file(path).with_context(|| format!("--trace {}", path.display()))?;
    }
    if let Some(dir) = &cli.handout {
        check_folder(dir).with_context(|| format!("--handout {}", dir.display()))?;
    }
    Ok(())
}

/// The folder a relative name like `trace.svg` is in: the current one.
fn parent(path: &Path) -> &Path {
    path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn check_file(path: &Path) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!("that is a folder: give a file name in it, e.g. {}", path.join("trace.svg").display());
    }
    let folder = parent(path);
    if !folder.is_dir() {
        bail!("the folder {} does not exist", folder.display());
    }
    let existed = path.exists();
    // Opened for writing without truncating: an existing file is left as it is until the end.
    OpenOptions::new().write(true).create(true).truncate(false).open(path).context("cannot write there")?;
    if !existed {
        // Nothing is left behind if the session fails before it writes the trace.
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

fn check_folder(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!("that is a file, not a folder");
    }
    if !dir.exists() {
        let folder = parent(dir);
        if !folder.is_dir() {
            bail!("the folder {} does not exist", folder.display());
        }
        std::fs::create_dir(dir).context("cannot create it")?;
    }
    // A file made and removed at once: the surest way to know the figures can be written.
    let probe = dir.join(format!(".herdctl-probe-{}", std::process::id()));
    OpenOptions::new().write(true).create_new(true).open(&probe).context("cannot write in it")?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Writes what the session recorded, as asked: the trace (`--trace`) and the handout (`--handout`).
pub fn write(cli: &Cli, trace: &Trace, topology: &Topology) -> anyhow::Result<()> {
    if let Some(path) = &cli.trace {
        trace.write(path, topology.names()).with_context(|| format!("cannot write the trace to {}", path.display()))?;
    }
    if let Some(dir) = &cli.handout {
        let written = herdctl_teach::handout::write(trace, topology, dir)
            .with_context(|| format!("cannot write the handout in {}", dir.display()))?;
        eprintln!("handout: {} figures in {}", written.len(), dir.display());
    }
    Ok(())
}

/// Writes the handout (`--handout`) of a walkthrough through a recording: its sections' stretches
/// of `timeline`.
pub fn write_replay_handout(
    cli: &Cli,
    timeline: &herdctl_teach::replay::Timeline,
    script: &herdctl_teach::script::Script,
) -> anyhow::Result<()> {
    if let Some(dir) = &cli.handout {
        let written = herdctl_teach::handout::write_replay(timeline, script, dir)
            .with_context(|| format!("cannot write the handout in {}", dir.display()))?;
        eprintln!("handout: {} figures in {}", written.len(), dir.display());
    }
    Ok(())
}
