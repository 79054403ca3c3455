//! Several runs of one experiment, for a table: each strategy of a list, each repeated with the
//! next seed. Repeat 1 of every strategy runs before repeat 2 of any, so that a spell of a busy
//! machine falls on every strategy alike rather than on one strategy's repeats.

use std::sync::Arc;

use herdctl_core::herd::HerdError;
use herdctl_core::strategy::Strategy;

use super::{Plan, Verdict, run};

/// The most runs a series makes (strategies × repeats): a table past that is no longer read.
pub const MOST_RUNS: usize = 100;

/// The runs to make.
#[derive(Clone)]
pub struct Series {
    /// Everything but the strategy and the seed, which each run sets.
    pub plan: Plan,
    pub strategies: Vec<Strategy>,
    /// How many times each strategy runs, with the seeds `plan.seed`, `plan.seed + 1`, ….
    pub repeats: u32,
}

/// One run of a series, and what came of it.
#[derive(Clone, Debug)]
pub struct Run {
    pub strategy: Strategy,
    /// 1 for the first.
    pub repeat: u32,
    pub seed: u64,
    pub verdict: Verdict,
}

impl Series {
    /// Why the series cannot be run, when it cannot.
    pub fn check(&self) -> Result<(), String> {
        let runs = self.strategies.len() * self.repeats as usize;
        if self.strategies.is_empty() || self.repeats == 0 {
            return Err("a series needs a strategy and a repeat at least".into());
        }
        if runs > MOST_RUNS {
            return Err(format!(
                "{} strategies × {} repeats is {runs} runs: at most {MOST_RUNS} make one table",
                self.strategies.len(),
                self.repeats
            ));
        }
        self.plan.check()
    }

    /// The plan of every run, in the order they run: repeat by repeat, each strategy in turn.
    pub fn plans(&self) -> Vec<(u32, Plan)> {
        let each = (1..=self.repeats).flat_map(|repeat| self.strategies.iter().map(move |s| (repeat, *s)));
        each.map(|(repeat, strategy)| (repeat, self.plan_of(strategy, repeat))).collect()
    }

    /// The plan of a run: the series's, with this strategy, and the seed of this repeat (from 1).
    pub fn plan_of(&self, strategy: Strategy, repeat: u32) -> Plan {
        let mut plan = self.plan.clone();
        plan.seed = self.plan.seed.wrapping_add(u64::from(repeat.saturating_sub(1)));
        plan.options.seed = Some(plan.seed);
        plan.options.strategy = strategy;
        plan
    }

    /// Makes every run, telling `began` of each as it begins (its number from 1, and the count).
    pub async fn run(&self, mut began: impl FnMut(usize, usize, &Plan)) -> Result<Vec<Run>, HerdError> {
        let plans = self.plans();
        let count = plans.len();
        let mut runs = Vec::with_capacity(count);
        for (i, (repeat, mut plan)) in plans.into_iter().enumerate() {
            // Free ports chosen afresh: the last run's may have been taken since it let them go.
            plan.topology = Arc::new(plan.topology.on_free_ports());
            began(i + 1, count, &plan);
            let verdict = run(&plan).await?;
            runs.push(Run { strategy: plan.options.strategy, repeat, seed: plan.seed, verdict });
        }
        Ok(runs)
    }
}

/// A series of the example plan, for tests.
#[cfg(test)]
pub(super) fn series(strategies: &[&str], repeats: u32) -> Series {
    Series {
        plan: super::example_plan(),
        strategies: strategies.iter().map(|s| Strategy::parse(s).unwrap()).collect(),
        repeats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_take_the_next_seeds_and_every_strategy_runs_before_any_runs_again() {
        let plans = series(&["flood", "gossip:3"], 3).plans();
        let order: Vec<(u32, String, u64, Option<u64>)> = plans
            .iter()
            .map(|(repeat, plan)| (*repeat, plan.options.strategy.to_string(), plan.seed, plan.options.seed))
            .collect();
        let expected = [(1, "flood", 7), (1, "gossip:3", 7), (2, "flood", 8), (2, "gossip:3", 8), (3, "flood", 9)];
        for ((repeat, strategy, seed, herd_seed), (r, s, d)) in order.iter().zip(expected) {
            assert_eq!((*repeat, strategy.as_str(), *seed, *herd_seed), (r, s, d, Some(d)));
        }
        assert_eq!(order.len(), 6);
    }

    #[test]
    fn a_series_too_long_for_a_table_is_refused_with_its_count() {
        assert_eq!(series(&["flood", "tree"], 50).check(), Ok(()));
        let refused = series(&["flood", "tree", "gossip:3"], 34).check().unwrap_err();
        assert_eq!(refused, "3 strategies × 34 repeats is 102 runs: at most 100 make one table");
    }
}
