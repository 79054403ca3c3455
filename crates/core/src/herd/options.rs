//! How a herd is run, and why an operation on it was refused.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::keyring::SharedKeyring;
use crate::limits::ClientLimits;
use crate::places::Places;
use crate::recorder::Recorder;
use crate::store::StoreError;

/// How a herd is run.
#[derive(Clone)]
pub struct HerdOptions {
    /// The herd keys its nodes accept, the first the one they offer; shared, so that reading
    /// the key file again changes them for every node of the process.
    pub keys: SharedKeyring,
    pub places: Arc<dyn Places>,
    /// Where each node writes `<Node>.log`; `None` writes no files (tests of the engine).
    pub log_dir: Option<PathBuf>,
    /// Which events those files keep, in what form, and when they are rotated.
    pub log: crate::journal::LogSettings,
    /// Records every client and peer message (and every fault) for a trace, when set.
    pub recorder: Option<Arc<Recorder>>,
    /// What each node may hold open for clients (lowered to fit the open-file limit).
    pub clients: ClientLimits,
    /// Where each node keeps its records on disk (`<Node>.redb`); `None`: in memory only.
    pub data_dir: Option<PathBuf>,
    /// The seed of the network's random choices (lossy links, spread delays); `None`: one of
    /// the moment, which `Herd::seed` tells so that the session can be replayed.
    pub seed: Option<u64>,
    /// How nodes pass new records on (`--strategy`): flood by default.
    pub strategy: crate::strategy::Strategy,
    /// Peer links sealed (encrypted, the default) or plain (`--plain-links`).
    pub security: crate::secure::Security,
    /// Where this process's nodes listen, whatever the topology says (`--bind 0.0.0.0`); their
    /// neighbours still dial the topology's `host`.
    pub bind: Option<String>,
    /// Where the nodes count what they do for Prometheus (`--metrics`); `None`: not counted.
    pub metrics: Option<Arc<crate::metrics::Registry>>,
}

impl HerdOptions {
    /// A herd with this key (or keyring) and places source, no log files, no trace, the default
    /// client limits and records in memory only; set the other fields as needed.
    pub fn new(keys: impl Into<SharedKeyring>, places: Arc<dyn Places>) -> Self {
        Self {
            keys: keys.into(),
            places,
            log_dir: None,
            log: crate::journal::LogSettings::default(),
            recorder: None,
            clients: ClientLimits::default(),
            data_dir: None,
            seed: None,
            strategy: crate::strategy::Strategy::Flood,
            security: crate::secure::Security::default(),
            bind: None,
            metrics: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HerdError {
    #[error("{0:?} is not a node of this herd")]
    NotAMember(String),
    #[error("{0} is already running")]
    AlreadyUp(String),
    #[error("{0} is not running")]
    AlreadyDown(String),
    #[error("there is no link between {0} and {1} in this topology")]
    NoSuchLink(String, String),
    #[error("the link {0}–{1} is not cut")]
    NotCut(String, String),
    #[error("the link {0}–{1} is already cut")]
    AlreadyCut(String, String),
    #[error("that message went already")]
    Gone,
    #[error("{node} cannot listen on {host}:{port} (its {role} port): {source}{}", bind_hint(.source))]
    Bind { node: String, host: String, port: u16, role: &'static str, source: io::Error },
    #[error(
        "{nodes} nodes need about {needed} open files in one process, and this one may open {limit}: raise the \
         limit (`ulimit -n`) or run fewer nodes a process (--node NAME)"
    )]
    TooManyFiles { nodes: usize, needed: u64, limit: u64 },
    #[error("cannot open the log file of {node} in {dir}: {source}")]
    Log { node: String, dir: PathBuf, source: io::Error },
    #[error("cannot keep records on disk: {0}")]
    Store(#[source] StoreError),
    #[error(
        "{node} cannot read the records it kept in {file} ({source}): it stays down; free the disk, then revive it"
    )]
    Unreadable { node: String, file: String, source: crate::store::DiskError },
    #[error("{node} has no control_port in {source_name}: give every node one to attach a console to it")]
    NoControlPort { node: String, source_name: String },
    /// A node in another process could not be reached, or refused.
    #[error("{node}: {reason}")]
    Elsewhere { node: String, reason: String },
}

/// What a failed bind most likely means, said only where it does: a port in use is another herd
/// (or program) there; a full descriptor table is not.
fn bind_hint(source: &io::Error) -> &'static str {
    match source.kind() {
        io::ErrorKind::AddrInUse => "; is another herd running?",
        _ if source.raw_os_error() == Some(24) => {
            "; this process may open no more files (`ulimit -n` raises the limit)"
        }
        _ => "",
    }
}
