//! `herdctl snapshot`: a consistent copy of a node's records (`--data-dir`), taken while the node
//! runs or not. A stopped node's file is copied in one read transaction; a running node holds its
//! file, so its control port is asked to copy it between two commits (every record it
//! acknowledged is in the copy) into its data folder, and the copy is then moved to `--out`.
//! Restoring is copying the file back as `<Node>.redb` before the node starts.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use herdctl_control::protocol::{Request, Response};
use herdctl_core::net::TcpStream;
use herdctl_core::secure::Security;
use herdctl_core::store;

use crate::cli::SnapshotArgs;

/// How long the node may take to copy its store (a million records take seconds).
const COPY_TIMEOUT: Duration = Duration::from_secs(300);

/// Writes the snapshot; returns the line that says what it holds.
pub async fn take(args: &SnapshotArgs) -> anyhow::Result<String> {
    let file = args.data_dir.join(format!("{}.redb", args.node));
    if !file.exists() {
        bail!("{}: no store of {} there (is --data-dir the node's?)", file.display(), args.node);
    }
    if args.out.exists() {
        bail!("{} is there already: give a new file", args.out.display());
    }
    // Checked before a running node is asked to copy its store.
    let folder = args.out.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !folder.is_dir() {
        bail!("{}: there is no folder {} to write it in", args.out.display(), folder.display());
    }
    let records = match store::copy_file(&file, &args.out) {
        Ok(records) => records,
        Err(error) if store::held_open(&error) => from_running(args).await?,
        Err(error) => return Err(anyhow::Error::new(error).context(format!("cannot copy {}", file.display()))),
    };
    Ok(format!("{}: {records} records in {}", args.node, args.out.display()))
}

/// Asks the running node for a copy in its data folder, then moves it to `--out`.
async fn from_running(args: &SnapshotArgs) -> anyhow::Result<usize> {
    let topology = herdctl_core::Topology::load(args.topology.as_deref())?;
    let node = topology.node(&args.node).with_context(|| format!("{} is not a node of the topology", args.node))?;
    let port = node.control_port.filter(|port| *port != 0).with_context(|| {
        format!("{} is running, and the topology gives it no control_port to ask it for a copy", args.node)
    })?;
    let address = format!("{}:{port}", node.host);
    // The ring's first key is the one offered, as a node of the herd would.
    let (keys, _) = crate::herd_key::load(args.key_file.as_deref(), false)?;
    let terms = herdctl_control::terms(Security::from_plain_flag(args.plain_links), keys);
    let partial = format!(".snapshot-{}.redb", std::process::id());
    let asked = async {
        let stream = TcpStream::connect(address.as_str()).await?;
        let mut channel = herdctl_control::dial(stream, &args.node, &terms).await?;
        let request = Request::Snapshot(partial.clone());
        channel.send(&request.to_string()).await?;
        let answer = channel.receive().await?;
        Response::parse(&answer, &request)
    };
    let answer = tokio::time::timeout(COPY_TIMEOUT, asked)
        .await
        .map_err(|_| anyhow::anyhow!("{} did not answer in {} s", args.node, COPY_TIMEOUT.as_secs()))?
        .with_context(|| format!("{} is running; cannot ask its control port {address}", args.node))?;
    let records = match answer {
        Response::Snapshot(records) => records,
        Response::Refused(why) => bail!("{} refused the snapshot: {why}", args.node),
        other => bail!("{} answered {other:?}", args.node),
    };
    move_file(&args.data_dir.join(&partial), &args.out)?;
    Ok(records)
}

/// Renames `from` to `to`, or copies it where they are on different file systems.
fn move_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    if std::fs::rename(from, to).is_err() {
        let copied = std::fs::copy(from, to).with_context(|| format!("cannot write {}", to.display()));
        // Moved or not, the copy does not stay in the node's folder (each failed try would
        // leave a whole store there).
        let _ = std::fs::remove_file(from);
        copied?;
    }
    Ok(())
}
