//! Prometheus metrics (`--metrics ADDR`): counters each node bumps as things happen (each one
//! registered once, so the hot path pays one atomic add), and gauges read from the herd when
//! scraped. The binary serves them over HTTP.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use metrics::{Counter, Histogram, Key, KeyName, Label, Metadata, Recorder};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use crate::event::{Arrival, EventKind};
use crate::topology::NodeName;

const CPU_SECONDS: &str = "process_cpu_seconds_total";
const ACK_WAIT: &str = "herdctl_ack_wait_seconds";
/// The acknowledgement wait is bounded by 200 ms; finer buckets below it, where it matters.
const ACK_BUCKETS: [f64; 10] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.2];
const COMMIT: &str = "herdctl_store_commit_seconds";
/// A commit no client waits for is not synced (tens of microseconds); an fsync takes from under
/// a millisecond (NVMe) to tens (a network disk), and a stalling disk seconds.
const COMMIT_BUCKETS: [f64; 14] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

/// One herd's metrics (a process's nodes share it); not the global recorder, so that several
/// herds in one process (tests) keep theirs apart.
pub struct Registry {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// The process's CPU seconds, a counter in fractions that the exporter's whole-number
    /// counters cannot hold: rendered beside them.
    cpu_seconds: std::sync::Mutex<Option<f64>>,
}

impl Default for Registry {
    fn default() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(ACK_WAIT.into()), &ACK_BUCKETS)
            .and_then(|builder| builder.set_buckets_for_metric(Matcher::Full(COMMIT.into()), &COMMIT_BUCKETS))
            .map(PrometheusBuilder::build_recorder)
            // Only an empty bucket list is refused, and this one is not.
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        for &(name, help) in FAMILIES {
            // The kind is the exporter's to say (`# TYPE`); a description is the same for each.
            recorder.describe_counter(KeyName::from_const_str(name), None, help.into());
        }
        let handle = recorder.handle();
        Self { recorder, handle, cpu_seconds: std::sync::Mutex::default() }
    }
}

/// Every family herdctl serves, with its `# HELP` text. A family missing here is served without
/// one (a test checks that none is).
const FAMILIES: &[(&str, &str)] = &[
    ("herdctl_build_info", "The herdctl version and peer protocol this process runs (always 1)."),
    ("herdctl_node_up", "1 while the node serves clients, 0 while it is down (killed or not started)."),
    ("herdctl_clients_known", "Clients the node has a record of."),
    ("herdctl_client_connections", "Client connections open at the node now."),
    ("herdctl_client_lines_total", "Client lines, by command and by whether they were answered or refused with ?."),
    ("herdctl_ack_wait_seconds", "How long an IAMAT's reply waited for the neighbours' acknowledgements."),
    ("herdctl_places_requests_total", "WHATSAT places answers, by source and status."),
    ("herdctl_records_sent_total", "Records written to the neighbour over the link, catch-up included."),
    ("herdctl_records_received_total", "Records received from the neighbour, catch-up included."),
    ("herdctl_records_duplicate_total", "Records received that the node already had, and dropped."),
    ("herdctl_link_up", "1 while the node's link to the neighbour is connected and authenticated."),
    ("herdctl_link_cut", "1 while the operator has cut the link in this direction (not an outage)."),
    ("herdctl_link_ups_total", "Times the link came up (the first time and every reconnect)."),
    ("herdctl_link_downs_total", "Times the link went down."),
    ("herdctl_link_queue_records", "Records queued at the link for the neighbour, not yet taken up by the link."),
    ("herdctl_peer_refused_total", "Peer connections refused at the node's peer port, by reason."),
    ("herdctl_control_refused_total", "Control connections (consoles) refused at the node's control port, by reason."),
    ("herdctl_store_failing", "1 while the node's store (--data-dir) refuses writes."),
    ("herdctl_store_commit_failures_total", "Commits the node's store failed to write."),
    (
        "herdctl_store_commit_seconds",
        "How long each commit of the node's store took, written or failed (a client's record is synced).",
    ),
    ("herdctl_store_kept_back_records", "Records waiting in memory for the node's store to take them."),
    ("herdctl_log_queue_bytes", "Bytes of the node's log not yet on disk."),
    ("herdctl_log_lines_dropped_total", "Log lines counted instead of written because the disk could not keep up."),
    ("process_resident_memory_bytes", "Resident memory of the process, in bytes."),
    ("process_open_fds", "File descriptors the process has open."),
    ("process_cpu_seconds_total", "User and system CPU time the process has used, in seconds."),
];

/// Why a peer's handshake was refused, as `herdctl_peer_refused_total` counts it.
pub const REFUSALS: [&str; 7] =
    ["wrong_key", "not_a_neighbour", "already_linked", "plain_mismatch", "version", "skew", "other"];

/// Why a console's connection to a control port was refused, as `herdctl_control_refused_total`
/// counts it (`timeout`: no handshake within the handshake's time; `full`: the port or the
/// process had no room for another connection).
pub const CONTROL_REFUSALS: [&str; 6] = ["wrong_key", "plain_mismatch", "version", "timeout", "full", "other"];

const METADATA: Metadata<'static> = Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

fn labels(pairs: &[(&'static str, &str)]) -> Vec<Label> {
    pairs.iter().map(|(name, value)| Label::new(*name, value.to_string())).collect()
}

impl Registry {
    fn counter(&self, name: &'static str, pairs: &[(&'static str, &str)]) -> Counter {
        self.recorder.register_counter(&Key::from_parts(name, labels(pairs)), &METADATA)
    }

    /// The handles of one node and its links.
    pub fn node(self: &Arc<Self>, node: &NodeName, neighbours: &[NodeName]) -> Arc<NodeMetrics> {
        let name = &**node;
        let lines = COMMANDS.map(|command| {
            OUTCOMES.map(|outcome| {
                self.counter(
                    "herdctl_client_lines_total",
                    &[("node", name), ("command", command), ("outcome", outcome)],
                )
            })
        });
        let links = neighbours
            .iter()
            .map(|neighbour| {
                let pairs = [("node", name), ("neighbour", &**neighbour)];
                let link = LinkMetrics {
                    sent: self.counter("herdctl_records_sent_total", &pairs),
                    received: self.counter("herdctl_records_received_total", &pairs),
                    duplicate: self.counter("herdctl_records_duplicate_total", &pairs),
                    ups: self.counter("herdctl_link_ups_total", &pairs),
                    downs: self.counter("herdctl_link_downs_total", &pairs),
                };
                (neighbour.clone(), link)
            })
            .collect();
        let ack_wait =
            self.recorder.register_histogram(&Key::from_parts(ACK_WAIT, labels(&[("node", name)])), &METADATA);
        let refused =
            REFUSALS.map(|reason| self.counter("herdctl_peer_refused_total", &[("node", name), ("reason", reason)]));
        let control_refused = CONTROL_REFUSALS
            .map(|reason| self.counter("herdctl_control_refused_total", &[("node", name), ("reason", reason)]));
        let commit_seconds =
            self.recorder.register_histogram(&Key::from_parts(COMMIT, labels(&[("node", name)])), &METADATA);
        Arc::new(NodeMetrics {
            registry: self.clone(),
            node: node.clone(),
            lines,
            links,
            ack_wait,
            refused,
            control_refused,
            commit_seconds,
        })
    }

    /// Sets the gauge `name{labels}` to `value` (read from the herd when scraped).
    pub fn gauge(&self, name: &'static str, pairs: &[(&'static str, &str)], value: f64) {
        self.recorder.register_gauge(&Key::from_parts(name, labels(pairs)), &METADATA).set(value);
    }

    /// Sets the counter `name{labels}` to a total counted elsewhere (read when scraped).
    pub fn total(&self, name: &'static str, pairs: &[(&'static str, &str)], value: u64) {
        self.counter(name, pairs).absolute(value);
    }

    /// Sets `process_cpu_seconds_total`, the CPU time the process has used.
    pub fn cpu_seconds(&self, seconds: f64) {
        *self.cpu_seconds.lock().unwrap_or_else(|p| p.into_inner()) = Some(seconds);
    }

    /// Folds the histograms' samples into their buckets. The exporter keeps every sample until
    /// then; a scrape does it, and so must something else while nothing scrapes (each commit
    /// and IAMAT would otherwise add a sample to memory for good).
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// The Prometheus text of everything counted and set so far, in a stable order: families
    /// by name, and each family's series by their labels (the exporter's order changes between
    /// scrapes).
    pub fn render(&self) -> String {
        self.handle.run_upkeep();
        let mut text = self.handle.render();
        if let Some(seconds) = *self.cpu_seconds.lock().unwrap_or_else(|p| p.into_inner()) {
            let name = CPU_SECONDS;
            let help = FAMILIES.iter().find(|(family, _)| *family == name).map_or("", |(_, help)| help);
            text.push_str(&format!("\n# HELP {name} {help}\n# TYPE {name} counter\n{name} {seconds}\n\n"));
        }
        stable_order(&text)
    }
}

/// What a client line asked, for `herdctl_client_lines_total`.
#[derive(Clone, Copy, Debug)]
pub enum Asked {
    Iamat = 0,
    Whatsat = 1,
    Invalid = 2,
}

const COMMANDS: [&str; 3] = ["IAMAT", "WHATSAT", "invalid"];
/// `answered`: an AT line (and places); `refused`: the protocol's `?` reply.
const OUTCOMES: [&str; 2] = ["answered", "refused"];

/// Sorts Prometheus text: the families (blocks of lines between blank lines) by name, and the
/// samples of each by their labels without `le`, keeping a series' own lines (a histogram's
/// buckets, sum and count) in the order they came.
fn stable_order(text: &str) -> String {
    let family = |block: &str| {
        let first = block.lines().find(|line| !line.starts_with("# ")).unwrap_or(block);
        block
            .lines()
            .find_map(|line| line.strip_prefix("# TYPE "))
            .unwrap_or(first)
            .split(' ')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let series = |line: &str| -> String {
        let labels = line.split_once('{').and_then(|(_, rest)| rest.split_once('}')).map_or("", |(labels, _)| labels);
        labels.split(',').filter(|label| !label.starts_with("le=")).collect::<Vec<_>>().join(",")
    };
    let mut blocks: Vec<&str> = text.split("\n\n").map(str::trim).filter(|block| !block.is_empty()).collect();
    blocks.sort_by_key(|block| family(block));
    let mut out = String::with_capacity(text.len());
    for block in blocks {
        let (comments, mut samples): (Vec<&str>, Vec<&str>) = block.lines().partition(|line| line.starts_with('#'));
        samples.sort_by_cached_key(|line| series(line));
        for line in comments.into_iter().chain(samples) {
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

struct LinkMetrics {
    sent: Counter,
    received: Counter,
    duplicate: Counter,
    ups: Counter,
    downs: Counter,
}

/// One node's handles.
pub struct NodeMetrics {
    registry: Arc<Registry>,
    node: NodeName,
    lines: [[Counter; 2]; 3],
    links: HashMap<NodeName, LinkMetrics>,
    ack_wait: Histogram,
    /// One counter per reason of `REFUSALS`.
    refused: [Counter; 7],
    /// One counter per reason of `CONTROL_REFUSALS`.
    control_refused: [Counter; CONTROL_REFUSALS.len()],
    commit_seconds: Histogram,
}

impl NodeMetrics {
    /// A client line was answered (or refused with `?`).
    pub fn client_line(&self, asked: Asked, answered: bool) {
        self.lines[asked as usize][usize::from(!answered)].increment(1);
    }

    /// A peer's handshake was refused for `reason` (one of `REFUSALS`).
    pub fn peer_refused(&self, reason: &str) {
        let index = REFUSALS.iter().position(|known| *known == reason).unwrap_or(REFUSALS.len() - 1);
        self.refused[index].increment(1);
    }

    /// A console's connection to the node's control port was refused for `reason` (one of
    /// `CONTROL_REFUSALS`; anything else counts as `other`).
    pub fn control_refused(&self, reason: &str) {
        let index = CONTROL_REFUSALS.iter().position(|known| *known == reason).unwrap_or(CONTROL_REFUSALS.len() - 1);
        self.control_refused[index].increment(1);
    }

    /// The histogram of the node's store commits, for its writer thread to record into (a
    /// lock-free push).
    pub fn store_commits(&self) -> Histogram {
        self.commit_seconds.clone()
    }

    /// How long an IAMAT's reply waited for the neighbours' acknowledgements.
    pub fn ack_waited(&self, waited: Duration) {
        self.ack_wait.record(waited.as_secs_f64());
    }

    /// Counts what an event says happened (every event of the node passes here).
    pub fn observe(&self, kind: &EventKind) {
        let link = |neighbour: &NodeName| self.links.get(neighbour);
        match kind {
            EventKind::FloodSent { to, .. } => link(to).inspect(|l| l.sent.increment(1)),
            EventKind::FloodReceived { from, arrival, .. } => link(from).inspect(|l| {
                l.received.increment(1);
                if *arrival == Arrival::Duplicate {
                    l.duplicate.increment(1);
                }
            }),
            EventKind::LinkUp { neighbour } => link(neighbour).inspect(|l| l.ups.increment(1)),
            EventKind::LinkDown { neighbour, .. } => link(neighbour).inspect(|l| l.downs.increment(1)),
            EventKind::PlacesAnswered { source, status, .. } => {
                let pairs = [("node", &*self.node), ("source", &**source), ("status", &**status)];
                // Registered at need: statuses are few, and a WHATSAT is not the hot path.
                self.registry.counter("herdctl_places_requests_total", &pairs).increment(1);
                None
            }
            _ => None,
        };
    }
}
