//! Prometheus metrics (`--metrics ADDR`): counters each node bumps as things happen (each one
//! registered once, so the hot path pays one atomic add), and gauges read from the herd when
//! scraped. The binary serves them over HTTP.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use metrics::{Counter, Histogram, Key, Label, Metadata, Recorder};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use crate::event::{Arrival, EventKind};
use crate::topology::NodeName;

const ACK_WAIT: &str = "herdctl_ack_wait_seconds";
/// The acknowledgement wait is bounded by 200 ms; finer buckets below it, where it matters.
const ACK_BUCKETS: [f64; 10] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.2];

/// One herd's metrics (a process's nodes share it); not the global recorder, so that several
/// herds in one process (tests) keep theirs apart.
pub struct Registry {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Default for Registry {
    fn default() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(ACK_WAIT.into()), &ACK_BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            // Only an empty bucket list is refused, and this one is not.
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        Self { recorder, handle }
    }
}

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
        Arc::new(NodeMetrics { registry: self.clone(), node: node.clone(), lines, links, ack_wait })
    }

    /// Sets the gauge `name{labels}` to `value` (read from the herd when scraped).
    pub fn gauge(&self, name: &'static str, pairs: &[(&'static str, &str)], value: f64) {
        self.recorder.register_gauge(&Key::from_parts(name, labels(pairs)), &METADATA).set(value);
    }

    /// Sets the counter `name{labels}` to a total counted elsewhere (read when scraped).
    pub fn total(&self, name: &'static str, pairs: &[(&'static str, &str)], value: u64) {
        self.counter(name, pairs).absolute(value);
    }

    /// The Prometheus text of everything counted and set so far.
    pub fn render(&self) -> String {
        self.handle.run_upkeep();
        self.handle.render()
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
}

impl NodeMetrics {
    /// A client line was answered (or refused with `?`).
    pub fn client_line(&self, asked: Asked, answered: bool) {
        self.lines[asked as usize][usize::from(!answered)].increment(1);
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
