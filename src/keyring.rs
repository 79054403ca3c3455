//! `herdctl keyring list|reload|install|use|remove`: changes a key file (written beside it and renamed
//! in, its permissions kept), then asks each running node named with `--control` to read it
//! again, and says what each now offers and accepts. Keys are never printed, only fingerprints.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use herdctl_control::protocol::{Request, Response};
use herdctl_control::{ControlError, dial_any};
use herdctl_core::key::HerdKey;
use herdctl_core::keyring::Keyring;
use herdctl_core::keyring::file::KeyFileError;
use herdctl_core::net::TcpStream;
use herdctl_core::secure::{SealError, Security};

use crate::cli::{KeyringAction, KeyringArgs};
use crate::herd_key;

/// How long a node may take to answer (a connection each key tried).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(args: KeyringArgs) -> anyhow::Result<()> {
    let path = args.key_file.clone().context("give the key file: --key-file FILE (or HERD_KEY_FILE)")?;
    // Held until the file is replaced: two changes at once would each write what it read, and
    // one of them would be lost.
    let _editing = match args.action {
        KeyringAction::List | KeyringAction::Reload => None,
        _ => Some(lock(&path)?),
    };
    let before = herd_key::read_file(&path)?;
    let mut after = before.clone();
    let said = match &args.action {
        KeyringAction::List | KeyringAction::Reload => None,
        KeyringAction::Install { key } => match after.install(read_key(key)?) {
            Ok(fingerprint) => Some(format!("installed {fingerprint} (accepted, not offered)")),
            // Installed already: a rotation run again goes on (the nodes are still asked).
            Err(KeyFileError::AlreadyThere(fingerprint)) => {
                println!("{}: {fingerprint} is in the keyring already; nothing changed", path.display());
                None
            }
            Err(error) => return Err(anyhow::Error::new(error).context("the key is not installed")),
        },
        KeyringAction::Use { fingerprint } => {
            let fingerprint = after.make_primary(fingerprint).context("no key was moved")?;
            Some(format!("{fingerprint} is offered now"))
        }
        KeyringAction::Remove { fingerprint } => {
            let fingerprint = after.remove(fingerprint).context("no key was removed")?;
            Some(format!("removed {fingerprint}"))
        }
    };
    let ring = after.keyring().context("a key file holds a key")?;
    match (said, &args.action) {
        (Some(said), _) => {
            write_beside(&path, &after.to_bytes())?;
            println!("{}: {said}; the file {ring}", path.display());
        }
        (None, KeyringAction::List) => list(&ring),
        (None, KeyringAction::Reload) if args.control.is_empty() => {
            bail!("give the nodes to ask: --control HOST:PORT (repeat for several)")
        }
        (None, _) => {}
    }
    // Dialled with the keys of the file now, then with those it had: a node that has not read
    // the change yet still accepts one of them.
    let mut candidates: Vec<HerdKey> = ring.keys().cloned().collect();
    if let Some(old) = before.keyring() {
        candidates.extend(old.keys().filter(|key| ring.find(&key.fingerprint()).is_none()).cloned());
    }
    let request = Request::Keyring { reload: !matches!(args.action, KeyringAction::List) };
    let security = Security::from_plain_flag(args.plain_links);
    let mut failed = 0;
    for address in &args.control {
        match ask(address, &request, &candidates, security).await {
            Ok((node, report)) => println!("{node} at {address}: {report}"),
            Err(error) => {
                failed += 1;
                println!("{address}: {}", crate::error_line::in_words(&error));
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} nodes did not {}",
            args.control.len(),
            if request_reloads(&request) { "read the key file again" } else { "answer" }
        );
    }
    Ok(())
}

fn request_reloads(request: &Request) -> bool {
    matches!(request, Request::Keyring { reload: true })
}

/// The file's keys, by fingerprint.
fn list(ring: &Keyring) {
    for (at, fingerprint) in ring.fingerprints().iter().enumerate() {
        println!("{fingerprint}  {}", if at == 0 { "offered and accepted" } else { "accepted" });
    }
}

/// The key given on the command line, or read from standard input for `-` (its line break
/// dropped).
fn read_key(given: &str) -> anyhow::Result<HerdKey> {
    if given != "-" {
        return Ok(HerdKey::new(given));
    }
    let mut text = Vec::new();
    std::io::stdin().take(64 * 1024).read_to_end(&mut text).context("cannot read the key from standard input")?;
    let key = text.strip_suffix(b"\n").unwrap_or(&text);
    Ok(HerdKey::new(key.strip_suffix(b"\r").unwrap_or(key)))
}

/// Locks the key file at `path` for one change (Unix: an flock on the file, taken again if
/// another change replaced the file meanwhile, since a lock on a file renamed away guards
/// nothing). Elsewhere nothing is locked: two changes at once there can still lose one.
#[cfg(unix)]
fn lock(path: &Path) -> anyhow::Result<nix::fcntl::Flock<std::fs::File>> {
    let cannot = || format!("cannot lock --key-file {} for the change", path.display());
    loop {
        let file = std::fs::File::open(path).with_context(cannot)?;
        let locked = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, errno)| std::io::Error::from(errno))
            .with_context(cannot)?;
        if same_file(&locked, path) {
            return Ok(locked);
        }
    }
}

#[cfg(not(unix))]
fn lock(path: &Path) -> anyhow::Result<()> {
    let _ = path;
    Ok(())
}

/// Whether `file` is still the file at `path`.
#[cfg(unix)]
fn same_file(file: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Writes `bytes` as `path` whole or not at all: into a new file beside it (its permissions those
/// of the file it replaces, else the owner's only), flushed to the disk, then renamed over it. A
/// link (a mounted secret's) is followed: the file it points at is replaced.
fn write_beside(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let target: PathBuf = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = target.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let cannot = || format!("cannot write {}", target.display());
    // tempfile creates it readable by the owner only; an existing file's permissions are kept.
    let mut file = tempfile::Builder::new().prefix(".herdctl-keyring").tempfile_in(dir).with_context(cannot)?;
    if let Ok(metadata) = std::fs::metadata(&target) {
        file.as_file().set_permissions(metadata.permissions()).with_context(cannot)?;
        // Its owner too (a node running as another user must still read it); only root may
        // give a file away, and anyone else edits files that are theirs already.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let _ = std::os::unix::fs::fchown(file.as_file(), Some(metadata.uid()), Some(metadata.gid()));
        }
    }
    file.write_all(bytes).with_context(cannot)?;
    file.as_file().sync_all().with_context(cannot)?;
    file.persist(&target).map_err(|error| error.error).with_context(cannot)?;
    // The rename itself is on the disk once the folder is.
    #[cfg(unix)]
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Asks the node at `address` its keyring (reading its key file again if the request says so),
/// with the first of `keys` it accepts; returns its name and answer.
async fn ask(
    address: &str,
    request: &Request,
    keys: &[HerdKey],
    security: Security,
) -> anyhow::Result<(String, herdctl_control::protocol::KeyringReport)> {
    let mut refused = None;
    for key in keys {
        let terms = herdctl_control::terms(security, key);
        let attempt = async {
            let stream = TcpStream::connect(address).await?;
            let (mut channel, node) = dial_any(stream, &terms).await?;
            channel.send(&request.to_string()).await?;
            let answer = channel.receive().await?;
            Ok::<_, ControlError>((node, Response::parse(&answer, request)?))
        };
        let answered = tokio::time::timeout(ANSWER_TIMEOUT, attempt)
            .await
            .map_err(|_| anyhow::anyhow!("no answer in {} s", ANSWER_TIMEOUT.as_secs()))?;
        match answered {
            Ok((node, Response::Keyring(report))) => return Ok((node, report)),
            Ok((node, Response::Refused(why))) => bail!("{node} did not read its key file again: {why}"),
            Ok((node, other)) => bail!("{node} answered {other:?}"),
            // This key is none of the node's: the next may be.
            Err(error) if wrong_key(&error) => refused = Some(error),
            Err(error) => {
                return Err(anyhow::Error::new(error).context(format!("cannot ask the control port {address}")));
            }
        }
    }
    let error = refused.map_or_else(|| anyhow::anyhow!("no key to try"), anyhow::Error::new);
    Err(error.context("the node accepts none of the key file's keys, old or new"))
}

/// Whether a control connection was refused for its key.
fn wrong_key(error: &ControlError) -> bool {
    match error {
        ControlError::Seal(SealError::WrongKey | SealError::UnknownKey(_)) => true,
        ControlError::Seal(SealError::Denied(reason)) => {
            reason.starts_with("no key in the keyring of this node") || reason == "wrong herd key"
        }
        _ => false,
    }
}
