//! A grader's own walkthrough as a check: played headless on the reset herd, passed when every
//! expectation in it held.

use super::{Bench, Finding};
use crate::script::{Script, play_headless};

pub async fn play(bench: &Bench, script: &Script, finding: &mut Finding) {
    finding.sent("the herd", &format!("the walkthrough {} ({} steps)", script.name, script.steps.len()));
    finding.expect("every expectation of the walkthrough holds");
    let mut said = Vec::new();
    let report = play_headless(&bench.herd, script, &mut said).await;
    match report.passed() {
        true => finding.got(report.summary()),
        false => finding.fail(report.failures.join("; ")),
    }
}
