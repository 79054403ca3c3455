//! A series written out: one Markdown table with a row for each strategy, each figure the median
//! of its runs with the least and the most of them in brackets (with three runs, that is every
//! run's figure: a median and a range say no more than the runs do, where a mean and a deviation
//! would pretend to know a distribution from three samples); the runs whose clients waited past
//! the bound, or whose machine was too busy to judge, flagged in their row and said in full below
//! it. And the series as JSON, every run's own results inside.

use serde_json::json;

use super::{Run, Series, Verdict};

/// A figure over the runs of a row.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; `None` when there are none. The median of an even count is the
    /// mean of the middle two.
    pub fn of(values: &[f64]) -> Option<Self> {
        let mut values = values.to_vec();
        values.sort_by(f64::total_cmp);
        let (min, max) = (*values.first()?, *values.last()?);
        let middle = values.len() / 2;
        let median = if values.len() % 2 == 1 { values[middle] } else { (values[middle - 1] + values[middle]) / 2.0 };
        Some(Self { median, min, max })
    }

    /// `23.8 (23.5–24.0)`, or `23.8` when the runs agree to the digits shown.
    fn cell(&self, decimals: usize) -> String {
        let [median, min, max] = [self.median, self.min, self.max].map(|x| format!("{x:.decimals$}"));
        if min == max { median } else { format!("{median} ({min}–{max})") }
    }
}

/// A figure of a run that the table shows.
struct Figure {
    /// Its name in the JSON.
    key: &'static str,
    /// Its column's head.
    head: &'static str,
    decimals: usize,
    /// `None` when the run has no such figure (no reads, no stale reads).
    of: fn(&Verdict) -> Option<f64>,
}

const FIGURES: &[Figure] = &[
    Figure { key: "updates", head: "updates answered", decimals: 0, of: |v| Some(v.updates as f64) },
    Figure { key: "messages_per_update", head: "messages / update", decimals: 1, of: |v| Some(v.messages_per_update) },
    Figure {
        key: "records_sent_per_update",
        head: "records sent / update",
        decimals: 1,
        of: |v| Some(v.records_sent_per_update.mean),
    },
    Figure {
        key: "duplicates_per_update",
        head: "duplicates / update",
        decimals: 1,
        of: |v| Some(v.duplicates_per_update),
    },
    Figure { key: "propagation_p50_ms", head: "propagation p50 ms", decimals: 0, of: |v| Some(v.propagation_ms.p50) },
    Figure { key: "propagation_max_ms", head: "propagation max ms", decimals: 0, of: |v| Some(v.propagation_ms.max) },
    Figure { key: "answer_p50_ms", head: "client wait p50 ms", decimals: 0, of: |v| Some(v.answer_ms.p50) },
    Figure { key: "answer_max_ms", head: "client wait max ms", decimals: 0, of: |v| Some(v.answer_ms.max) },
    Figure { key: "lost", head: "lost", decimals: 0, of: |v| Some(v.lost as f64) },
    Figure {
        key: "stale_reads_percent",
        head: "stale reads %",
        decimals: 1,
        of: |v| (v.reads > 0).then(|| 100.0 * v.stale_reads as f64 / v.reads as f64),
    },
];

/// The runs of each strategy, in the order the strategies were given.
fn rows<'a>(series: &Series, runs: &'a [Run]) -> Vec<(String, Vec<&'a Run>)> {
    series
        .strategies
        .iter()
        .map(|strategy| (strategy.to_string(), runs.iter().filter(|run| run.strategy == *strategy).collect()))
        .collect()
}

/// A figure's spread over `runs`, from those that have it.
fn spread(figure: &Figure, runs: &[&Run]) -> Option<Spread> {
    Spread::of(&runs.iter().filter_map(|run| (figure.of)(&run.verdict)).collect::<Vec<_>>())
}

/// What a run can be flagged for, in the order the table says them.
const FLAGS: [&str; 2] = ["past the bound", "unsure"];

/// What is said of a run in the table: that its clients waited past the bound, that it is unsure
/// (the machine too busy to judge, events missed); each with its sentence.
fn flags(run: &Run) -> Vec<(&'static str, String)> {
    // A wait past the bound on a machine too busy to judge is said, and said not to be the herd's.
    let excused =
        if run.verdict.lateness.busy().is_some() { "; too busy to judge (below): not blamed on the herd" } else { "" };
    let past = run.verdict.past_bound().map(|text| (FLAGS[0], format!("{text}{excused}")));
    let unsure = run.verdict.unsure.clone().map(|text| (FLAGS[1], text));
    past.into_iter().chain(unsure).collect()
}

/// A row's flags: `**unsure**: runs 1, 3` (without run numbers when each strategy runs once).
fn flag_cell(runs: &[&Run], repeats: u32) -> String {
    let mut cell = Vec::new();
    for flag in FLAGS {
        let which: Vec<String> = runs
            .iter()
            .filter(|run| flags(run).iter().any(|(said, _)| said == &flag))
            .map(|run| run.repeat.to_string())
            .collect();
        match which.len() {
            0 => {}
            _ if repeats == 1 => cell.push(format!("**{flag}**")),
            1 => cell.push(format!("**{flag}**: run {}", which[0])),
            _ => cell.push(format!("**{flag}**: runs {}", which.join(", "))),
        }
    }
    cell.join("; ")
}

/// A flagged run's lines under the table: `- tree, run 2 (seed 8), unsure: the machine was …`.
fn said_in_full(strategy: &str, run: &Run, repeats: u32) -> Vec<String> {
    let which = if repeats > 1 { format!(", run {} (seed {})", run.repeat, run.seed) } else { String::new() };
    flags(run).into_iter().map(|(flag, sentence)| format!("- {strategy}{which}, {flag}: {sentence}")).collect()
}

/// The table, with the flagged runs said in full below it.
pub fn markdown(series: &Series, runs: &[Run]) -> String {
    let plan = &series.plan;
    let last_seed = plan.seed.wrapping_add(u64::from(series.repeats.saturating_sub(1)));
    let seeds =
        if series.repeats > 1 { format!("seeds {}–{last_seed}", plan.seed) } else { format!("seed {}", plan.seed) };
    let mut text = format!(
        "## {} · {} links · {:.0} updates/s for {} · {} run{} a strategy ({seeds})\n\n",
        plan.topology_name,
        plan.latency,
        plan.rate,
        humantime::format_duration(plan.duration),
        series.repeats,
        if series.repeats == 1 { "" } else { "s" },
    );
    if !plan.nemesis.is_empty() {
        let faults: Vec<&str> = plan.nemesis.iter().map(super::verdict::fault_word).collect();
        text.push_str(&format!(
            "Nemesis: {} every {}, healed before the end.\n",
            faults.join(", "),
            humantime::format_duration(plan.nemesis_interval)
        ));
    }
    if series.repeats > 1 {
        text.push_str("Each figure is the median of the runs, and in brackets the least and the most of them.\n");
    }
    let floors: Vec<f64> = runs.iter().map(|run| run.verdict.floor_ms).collect();
    if let Some(floor) = Spread::of(&floors) {
        text.push_str(&super::verdict::floor_sentence(floor.median, plan));
        text.push('\n');
    }
    let rows = rows(series, runs);
    let shown: Vec<&Figure> =
        FIGURES.iter().filter(|figure| runs.iter().any(|run| (figure.of)(&run.verdict).is_some())).collect();
    text.push_str("\n| strategy |");
    for figure in &shown {
        text.push_str(&format!(" {} |", figure.head));
    }
    text.push_str(" flags |\n|---|");
    text.push_str(&"---|".repeat(shown.len() + 1));
    text.push('\n');
    let mut notes = Vec::new();
    for (strategy, runs) in &rows {
        text.push_str(&format!("| {strategy} |"));
        for figure in &shown {
            let cell = spread(figure, runs).map_or("–".to_string(), |spread| spread.cell(figure.decimals));
            text.push_str(&format!(" {cell} |"));
        }
        text.push_str(&format!(" {} |\n", flag_cell(runs, series.repeats)));
        notes.extend(runs.iter().flat_map(|run| said_in_full(strategy, run, series.repeats)));
    }
    if !notes.is_empty() {
        text.push_str("\nFlagged runs:\n\n");
        text.push_str(&notes.join("\n"));
        text.push('\n');
    }
    text
}

/// The series as JSON (schema `herdctl-experiment-series/1`, in docs/EXPERIMENTS.md): what was
/// run, each row's spreads and flagged runs, and every run's own results.
pub fn json(series: &Series, runs: &[Run]) -> serde_json::Value {
    let plan = &series.plan;
    let rows: Vec<serde_json::Value> = rows(series, runs)
        .into_iter()
        .map(|(strategy, runs)| {
            let figures: serde_json::Map<String, serde_json::Value> =
                FIGURES.iter().map(|figure| (figure.key.to_string(), json!(spread(figure, &runs)))).collect();
            let flagged: Vec<serde_json::Value> = runs
                .iter()
                .filter(|run| !flags(run).is_empty())
                .map(|run| {
                    json!({
                        "repeat": run.repeat,
                        "seed": run.seed,
                        "past_bound": run.verdict.past_bound(),
                        "unsure": run.verdict.unsure,
                    })
                })
                .collect();
            json!({"strategy": strategy, "runs": runs.len(), "figures": figures, "flagged": flagged})
        })
        .collect();
    let each: Vec<serde_json::Value> = runs
        .iter()
        .map(|run| {
            let mut one = run.verdict.json(&series.plan_of(run.strategy, run.repeat));
            if let Some(fields) = one.as_object_mut() {
                fields.insert("repeat".into(), json!(run.repeat));
            }
            one
        })
        .collect();
    json!({
        "schema": "herdctl-experiment-series/1",
        "topology": plan.topology_name,
        "nodes": plan.topology.names().len(),
        "strategies": series.strategies.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "repeats": series.repeats,
        "latency": plan.latency.to_string(),
        "loss_percent": plan.loss_percent,
        "rate": plan.rate,
        "reads_per_update": plan.reads_per_update,
        "clients": plan.clients,
        "duration_s": plan.duration.as_secs_f64(),
        "seed": plan.seed,
        "nemesis": plan.nemesis.iter().map(super::verdict::fault_word).collect::<Vec<_>>(),
        "nemesis_interval_s": plan.nemesis_interval.as_secs_f64(),
        "rows": rows,
        "runs": each,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::series::series;
    use crate::experiment::{Lateness, Summary};
    use herdctl_core::strategy::Strategy;

    /// A run of `strategy` whose messages per update were `messages`, whose clients waited up to
    /// `wait_max` ms, and whose machine's probe woke up to `late` ms late.
    fn run(strategy: &str, repeat: u32, messages: f64, wait_max: f64, late: f64) -> Run {
        let mut lateness = Lateness::default();
        lateness.machine_ms.max = late;
        let verdict = Verdict {
            updates: 100,
            messages_per_update: messages,
            answer_ms: Summary { p50: 102.0, max: wait_max, ..Summary::default() },
            propagation_ms: Summary { p50: 500.0 + f64::from(repeat), max: 700.0, ..Summary::default() },
            floor_ms: 600.0,
            reads: 50,
            stale_reads: 5 * repeat as usize,
            unsure: lateness.busy(),
            lateness,
            ..Verdict::default()
        };
        Run { strategy: Strategy::parse(strategy).unwrap(), repeat, seed: 6 + u64::from(repeat), verdict }
    }

    #[test]
    fn a_spread_is_the_median_and_the_least_and_the_most() {
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[3.0, 1.0, 2.0]), Some(Spread { median: 2.0, min: 1.0, max: 3.0 }));
        assert_eq!(Spread::of(&[4.0, 1.0, 2.0, 10.0]), Some(Spread { median: 3.0, min: 1.0, max: 10.0 }));
        assert_eq!(Spread::of(&[23.84, 23.5, 24.0]).unwrap().cell(1), "23.8 (23.5–24.0)");
        assert_eq!(Spread::of(&[24.01, 23.98]).unwrap().cell(1), "24.0", "the same to the digits shown");
    }

    #[test]
    fn a_series_is_one_table_a_row_a_strategy_with_its_flagged_runs_said_below() {
        let series = series(&["flood", "tree"], 3);
        let runs = vec![
            run("flood", 1, 55.0, 210.0, 3.0),
            run("tree", 1, 24.0, 205.0, 3.0),
            run("flood", 2, 54.0, 1178.0, 3.0),
            run("tree", 2, 24.0, 206.0, 312.0),
            run("flood", 3, 56.0, 212.0, 4.0),
            run("tree", 3, 24.0, 1178.0, 950.0),
        ];
        let table = markdown(&series, &runs);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "## ring of 3 · 10ms links · 10 updates/s for 1s · 3 runs a strategy (seeds 7–9)");
        assert!(table.contains("Each figure is the median of the runs, and in brackets the least and the most"));
        assert!(
            table.contains(
                "The floor of propagation (the farthest node's hops × the link latency) is 600 ms from the IAMAT; \
                 propagation is counted from the answer, which comes a hop later, so its floor is 590 ms."
            ),
            "{table}"
        );
        let head = lines.iter().position(|line| line.starts_with("| strategy |")).unwrap();
        assert_eq!(
            lines[head],
            "| strategy | updates answered | messages / update | records sent / update | duplicates / update | \
             propagation p50 ms | propagation max ms | client wait p50 ms | client wait max ms | lost | stale reads % \
             | flags |"
        );
        assert_eq!(lines[head + 1], "|---|---|---|---|---|---|---|---|---|---|---|---|");
        assert_eq!(
            lines[head + 2],
            "| flood | 100 | 55.0 (54.0–56.0) | 0.0 | 0.0 | 502 (501–503) | 700 | 102 | 212 (210–1178) | 0 \
             | 20.0 (10.0–30.0) | **past the bound**: run 2 |"
        );
        assert!(
            lines[head + 3]
                .starts_with("| tree | 100 | 24.0 | 0.0 | 0.0 | 502 (501–503) | 700 | 102 | 206 (205–1178) |"),
            "{table}"
        );
        assert!(lines[head + 3].ends_with(" | **past the bound**: run 3; **unsure**: runs 2, 3 |"), "{table}");
        assert_eq!(lines.len(), head + 11, "two rows, a blank line, a heading, a blank line, four notes: {table}");
        let notes = &lines[head + 4..];
        assert_eq!(notes[..3], ["", "Flagged runs:", ""]);
        assert!(notes[3].starts_with("- flood, run 2 (seed 8), past the bound: clients waited up to 1178 ms"));
        assert!(notes[4].starts_with("- tree, run 2 (seed 8), unsure: the machine was too busy to judge the times"));
        assert!(notes[4].contains("woke up to 312 ms late"), "{table}");
        assert!(notes[3].ends_with("for the client's own exchange)"), "not busy: the herd's: {table}");
        assert!(notes[5].starts_with("- tree, run 3 (seed 9), past the bound: "), "{table}");
        assert!(notes[5].ends_with("; too busy to judge (below): not blamed on the herd"), "{table}");
        assert!(notes[6].starts_with("- tree, run 3 (seed 9), unsure: the machine was too busy"), "{table}");
    }

    #[test]
    fn one_run_a_strategy_shows_figures_without_brackets_and_flags_without_run_numbers() {
        let series = series(&["flood", "tree"], 1);
        let table = markdown(&series, &[run("flood", 1, 55.0, 1178.0, 3.0), run("tree", 1, 24.0, 205.0, 3.0)]);
        assert!(table.starts_with("## ring of 3 · 10ms links · 10 updates/s for 1s · 1 run a strategy (seed 7)\n"));
        assert!(!table.contains("median"), "{table}");
        assert!(
            table.contains(
                "| flood | 100 | 55.0 | 0.0 | 0.0 | 501 | 700 | 102 | 1178 | 0 | 10.0 | **past the bound** |"
            )
        );
        assert!(table.contains("| tree | 100 | 24.0 | 0.0 | 0.0 | 501 | 700 | 102 | 205 | 0 | 10.0 |  |"), "{table}");
        assert!(table.contains("\n- flood, past the bound: clients waited up to 1178 ms"), "{table}");
    }

    #[test]
    fn the_series_results_carry_each_rows_spreads_its_flagged_runs_and_every_run() {
        let series = series(&["flood", "tree"], 2);
        let runs = vec![
            run("flood", 1, 55.0, 210.0, 3.0),
            run("tree", 1, 24.0, 205.0, 3.0),
            run("flood", 2, 54.0, 1178.0, 3.0),
        ];
        let results = json(&series, &runs);
        assert_eq!(results["schema"], "herdctl-experiment-series/1");
        assert_eq!(results["strategies"], json!(["flood", "tree"]));
        assert_eq!(results["repeats"], 2);
        let flood = &results["rows"][0];
        assert_eq!(flood["strategy"], "flood");
        assert_eq!(flood["runs"], 2);
        assert_eq!(flood["figures"]["messages_per_update"], json!({"median": 54.5, "min": 54.0, "max": 55.0}));
        assert_eq!(flood["flagged"][0]["repeat"], 2);
        assert_eq!(flood["flagged"][0]["seed"], 8);
        assert!(flood["flagged"][0]["past_bound"].as_str().unwrap().contains("1178 ms"));
        assert_eq!(results["rows"][1]["flagged"], json!([]));
        let each = results["runs"].as_array().unwrap();
        assert_eq!(each.len(), 3);
        assert_eq!((&each[2]["schema"], &each[2]["strategy"]), (&json!("herdctl-experiment/1"), &json!("flood")));
        assert_eq!((&each[2]["repeat"], &each[2]["seed"]), (&json!(2), &json!(8)));
        assert_eq!(each[2]["outcome"]["messages_per_update"], 54.0);
    }
}
