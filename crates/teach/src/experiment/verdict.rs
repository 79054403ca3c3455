//! What came of an experiment's run: its figures ([`Verdict`], each distribution a [`Summary`]),
//! whether it held the bars it was given ([`Bars`]), and the run written out as a Markdown summary
//! and as the results file (docs/EXPERIMENTS.md has its schema).

use std::time::Duration;

use serde_json::json;

use super::Plan;
use crate::command::Fault;

/// Thresholds the run is judged by.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bars {
    pub max_msgs_per_update: Option<f64>,
    pub max_p50: Option<Duration>,
    pub max_latency: Option<Duration>,
}

/// One fault of the schedule, as carried out.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FaultDone {
    /// Seconds from the clients' start.
    pub at_s: f64,
    pub what: String,
}

/// What came of a run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Verdict {
    pub updates: usize,
    pub transmissions: u64,
    pub messages_per_update: f64,
    pub records_sent_per_update: Summary,
    pub duplicates_per_update: f64,
    /// From the IAMAT's answer to the last live node storing it, in milliseconds.
    pub propagation_ms: Summary,
    /// How long clients waited for their answers, in milliseconds.
    pub answer_ms: Summary,
    /// The least a flood could take: the farthest node's hops from the origin times the link
    /// latency, in milliseconds (median over updates).
    pub floor_ms: f64,
    pub lost: usize,
    /// Reads answered, and those answered with an older record than the newest one a client had
    /// been answered for when the read was sent (or with `?`, for a client so answered).
    pub reads: usize,
    pub stale_reads: usize,
    /// The faults made (and healed), in order.
    pub faults: Vec<FaultDone>,
    pub unsure: Option<String>,
}

/// A distribution in a few numbers.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    pub(super) fn of(mut values: Vec<f64>) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        values.sort_by(|a, b| a.total_cmp(b));
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        Self {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            p50: at(0.5),
            p95: at(0.95),
            p99: at(0.99),
            max: values[values.len() - 1],
        }
    }
}

impl Verdict {
    /// Whether the run held every bar (and lost nothing): `None` when it cannot be judged.
    pub fn judged(&self, bars: &Bars) -> Option<Vec<String>> {
        if self.unsure.is_some() && self.updates == 0 {
            return None;
        }
        let mut broken = Vec::new();
        if self.lost > 0 {
            broken.push(format!("{} acknowledged updates lost", self.lost));
        }
        if let Some(most) = bars.max_msgs_per_update.filter(|most| self.messages_per_update > *most) {
            broken.push(format!("{:.1} messages per update, more than {most}", self.messages_per_update));
        }
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        if let Some(most) = bars.max_p50.filter(|most| self.propagation_ms.p50 > ms(*most)) {
            broken.push(format!(
                "propagation p50 {:.0} ms, more than {}",
                self.propagation_ms.p50,
                humantime::format_duration(most)
            ));
        }
        if let Some(most) = bars.max_latency.filter(|most| self.propagation_ms.max > ms(*most)) {
            broken.push(format!(
                "propagation max {:.0} ms, more than {}",
                self.propagation_ms.max,
                humantime::format_duration(most)
            ));
        }
        Some(broken)
    }

    /// The summary as Markdown.
    pub fn markdown(&self, plan: &Plan) -> String {
        let p = &self.propagation_ms;
        let mut text = format!(
            "## {} · {} · {} links · {:.0} updates/s for {}\n\n",
            plan.topology_name,
            plan.options.strategy,
            plan.latency,
            plan.rate,
            humantime::format_duration(plan.duration)
        );
        text.push_str("| figure | value |\n|---|---|\n");
        text.push_str(&format!("| updates answered | {} |\n", self.updates));
        text.push_str(&format!("| messages per update (writes to neighbours) | {:.1} |\n", self.messages_per_update));
        text.push_str(&format!(
            "| records sent per update: mean, p99 | {:.1}, {:.0} |\n",
            self.records_sent_per_update.mean, self.records_sent_per_update.p99
        ));
        text.push_str(&format!("| duplicates per update | {:.1} |\n", self.duplicates_per_update));
        text.push_str(&format!(
            "| propagation ms: p50, p95, p99, max | {:.0}, {:.0}, {:.0}, {:.0} |\n",
            p.p50, p.p95, p.p99, p.max
        ));
        text.push_str(&format!("| floor (farthest hops × link latency), median | {:.0} ms |\n", self.floor_ms));
        let a = &self.answer_ms;
        text.push_str(&format!(
            "| clients' wait for the answer ms: p50, p99, max | {:.0}, {:.0}, {:.0} |\n",
            a.p50, a.p99, a.max
        ));
        text.push_str(&format!("| lost updates | {} |\n", self.lost));
        if self.reads > 0 {
            let share = 100.0 * self.stale_reads as f64 / self.reads as f64;
            text.push_str(&format!("| stale reads | {} of {} ({share:.1}%) |\n", self.stale_reads, self.reads));
        }
        text.push_str(&format!("| seed | {} |\n", plan.seed));
        if !plan.nemesis.is_empty() {
            text.push_str(&format!(
                "| nemesis | {} every {}: {} faults and heals (the results list each, with its time) |\n",
                plan.nemesis.iter().map(fault_word).collect::<Vec<_>>().join(", "),
                humantime::format_duration(plan.nemesis_interval),
                self.faults.len()
            ));
        }
        if let Some(unsure) = &self.unsure {
            text.push_str(&format!("\n**Unsure**: {unsure}\n"));
        }
        text
    }

    /// The results file (docs/EXPERIMENTS.md has its schema).
    pub fn json(&self, plan: &Plan) -> serde_json::Value {
        json!({
            "schema": "herdctl-experiment/1",
            "topology": plan.topology_name,
            "nodes": plan.topology.names().len(),
            "strategy": plan.options.strategy.to_string(),
            "latency": plan.latency.to_string(),
            "loss_percent": plan.loss_percent,
            "rate": plan.rate,
            "reads_per_update": plan.reads_per_update,
            "clients": plan.clients,
            "duration_s": plan.duration.as_secs_f64(),
            "seed": plan.seed,
            "nemesis": plan.nemesis.iter().map(fault_word).collect::<Vec<_>>(),
            "nemesis_interval_s": plan.nemesis_interval.as_secs_f64(),
            "outcome": self,
        })
    }
}

fn fault_word(fault: &Fault) -> &'static str {
    match fault {
        Fault::Kill(_) => "kill",
        Fault::Cut(_) => "cut",
        Fault::Loss(..) => "loss",
        Fault::Latency(..) => "latency",
    }
}
