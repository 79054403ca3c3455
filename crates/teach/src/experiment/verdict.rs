//! What came of an experiment's run: its figures ([`Verdict`], each distribution a [`Summary`]),
//! whether it held the bars it was given ([`Bars`]) and the bound on clients' waits, and the run
//! written out as a Markdown summary and as the results file (docs/EXPERIMENTS.md has its schema).

use std::time::Duration;

use herdctl_core::ACK_BOUND;
use serde_json::json;

use super::{Lateness, Plan};
use crate::command::Fault;

/// What a client's wait may take beyond [`ACK_BOUND`] (the node's wait for its neighbours) before
/// it counts as past the bound: its own connection and the node's work around the wait, a
/// millisecond or two on an idle machine. As much as [`super::BUSY`]: a run whose probes never woke
/// that late cannot have added this much to a wait in one stall.
pub const WAIT_MARGIN: Duration = Duration::from_millis(50);

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
#[derive(Clone, Debug, Default, serde::Serialize)]
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
    /// How late the probes woke while the run was timed (lateness.rs).
    pub lateness: Lateness,
    /// Why the figures may be off: no update answered, events missed (counts low), or a machine
    /// or runtime too busy to judge the times by (times may be long).
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
    /// Whether the run held every bar, lost nothing and kept clients' waits within the bound:
    /// `None` when it cannot be judged. A machine too busy to judge can only have made times
    /// longer: a time that held, held; one that broke cannot be blamed on the herd, so it leaves
    /// the run unjudged unless a count broke too.
    pub fn judged(&self, bars: &Bars) -> Option<Vec<String>> {
        if self.updates == 0 {
            return None;
        }
        let mut broken = Vec::new();
        if self.lost > 0 {
            broken.push(format!("{} acknowledged updates lost", self.lost));
        }
        if let Some(most) = bars.max_msgs_per_update.filter(|most| self.messages_per_update > *most) {
            broken.push(format!("{:.1} messages per update, more than {most}", self.messages_per_update));
        }
        let late = self.times_broken(bars);
        match self.lateness.busy() {
            Some(_) if !late.is_empty() && broken.is_empty() => None,
            Some(_) => Some(broken),
            None => Some(broken.into_iter().chain(late).collect()),
        }
    }

    /// The times that broke a bar or the bound on clients' waits.
    fn times_broken(&self, bars: &Bars) -> Vec<String> {
        let mut broken = Vec::new();
        broken.extend(self.past_bound());
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
        broken
    }

    /// When a client waited longer than the acknowledgement bound allows (with [`WAIT_MARGIN`]),
    /// how long, in a sentence.
    pub fn past_bound(&self) -> Option<String> {
        let allowed = (ACK_BOUND + WAIT_MARGIN).as_secs_f64() * 1000.0;
        (self.updates > 0 && self.answer_ms.max > allowed).then(|| {
            format!(
                "clients waited up to {:.0} ms (p99 {:.0} ms), past the {} ms a node waits at most for its neighbours \
                 (and {} ms for the client's own exchange)",
                self.answer_ms.max,
                self.answer_ms.p99,
                ACK_BOUND.as_millis(),
                WAIT_MARGIN.as_millis()
            )
        })
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
        text.push_str(&format!(
            "| floor (farthest hops × link latency), median | {:.0} ms from the IAMAT; {:.0} ms from the answer, as \
             propagation is counted (a hop later) |\n",
            self.floor_ms,
            floor_from_answer(self.floor_ms, plan)
        ));
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
        if let Some(past) = self.past_bound() {
            text.push_str(&format!("\n**Past the bound**: {past}\n"));
        }
        if let Some(unsure) = &self.unsure {
            text.push_str(&format!("\n**Unsure**: {unsure}\n"));
        }
        text
    }

    /// The results file (docs/EXPERIMENTS.md has its schema).
    pub fn json(&self, plan: &Plan) -> serde_json::Value {
        // The outcome's own fields, and what is said of them.
        let mut outcome = serde_json::to_value(self).unwrap_or_default();
        if let Some(fields) = outcome.as_object_mut() {
            fields.insert("past_bound".into(), json!(self.past_bound()));
        }
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
            "outcome": outcome,
        })
    }
}

pub(super) fn fault_word(fault: &Fault) -> &'static str {
    match fault {
        Fault::Kill(_) => "kill",
        Fault::Cut(_) => "cut",
        Fault::Loss(..) => "loss",
        Fault::Latency(..) => "latency",
    }
}

/// The floor of propagation from the answer, as propagation is counted: the answer comes once
/// the record is a hop out (PROTOCOL.md: read-your-writes next door), so a hop less than from the
/// IAMAT.
pub(super) fn floor_from_answer(floor_ms: f64, plan: &super::Plan) -> f64 {
    (floor_ms - plan.latency.base.as_secs_f64() * 1000.0).max(0.0)
}

/// The table's sentence on the floor, saying that it and propagation differ by a hop.
pub(super) fn floor_sentence(floor_ms: f64, plan: &super::Plan) -> String {
    format!(
        "The floor of propagation (the farthest node's hops × the link latency) is {floor_ms:.0} ms from the IAMAT; \
         propagation is counted from the answer, which comes a hop later, so its floor is {:.0} ms.",
        floor_from_answer(floor_ms, plan)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of 100 updates whose clients waited up to `wait_max` ms, propagation p50 `p50` ms, and
    /// whose runtime's probe woke up to `late` ms late.
    fn verdict(wait_max: f64, p50: f64, late: f64) -> Verdict {
        let mut lateness = Lateness::default();
        lateness.runtime_ms.max = late;
        Verdict {
            updates: 100,
            messages_per_update: 8.0,
            answer_ms: Summary { p50: 102.0, p99: wait_max - 1.0, max: wait_max, ..Summary::default() },
            propagation_ms: Summary { p50, max: p50 * 2.0, ..Summary::default() },
            unsure: lateness.busy(),
            lateness,
            ..Verdict::default()
        }
    }

    #[test]
    fn a_wait_past_the_bound_and_its_margin_is_said_and_breaks_the_run() {
        assert_eq!(verdict(250.0, 100.0, 3.0).past_bound(), None, "200 ms and the 50 ms margin");
        let past = verdict(1178.0, 100.0, 3.0);
        let said = past.past_bound().unwrap();
        assert!(said.starts_with("clients waited up to 1178 ms (p99 1177 ms), past the 200 ms"), "{said}");
        assert_eq!(past.judged(&Bars::default()), Some(vec![said.clone()]));
        let summary = past.markdown(&super::super::example_plan());
        assert!(summary.contains(&format!("**Past the bound**: {said}")), "{summary}");
        let results = past.json(&super::super::example_plan());
        assert_eq!(results["outcome"]["past_bound"], said.as_str());
        assert!(results["outcome"]["lateness"]["runtime_ms"]["max"].is_number(), "{results}");
    }

    #[test]
    fn a_busy_run_is_not_blamed_for_times_that_broke_but_keeps_times_that_held_and_counts() {
        let p50 = Bars { max_p50: Some(Duration::from_millis(400)), ..Bars::default() };
        // Busy, and the times broke: they cannot be judged.
        let busy = verdict(1178.0, 500.0, 950.0);
        assert!(busy.unsure.as_deref().unwrap().contains("too busy to judge"), "{busy:?}");
        assert_eq!(busy.judged(&p50), None);
        // Busy, and the times held: lateness only adds time, so they held.
        assert_eq!(verdict(120.0, 300.0, 950.0).judged(&p50), Some(vec![]));
        // Busy, and a count broke: that is the herd's.
        let lost = Verdict { lost: 2, ..verdict(1178.0, 500.0, 950.0) };
        assert_eq!(lost.judged(&p50), Some(vec!["2 acknowledged updates lost".to_string()]));
        // Not busy: every broken time is the herd's.
        let broken = verdict(1178.0, 500.0, 3.0).judged(&p50).unwrap();
        assert_eq!(broken.len(), 2, "{broken:?}");
        assert!(broken[1].starts_with("propagation p50 500 ms, more than 400ms"), "{broken:?}");
    }
}
