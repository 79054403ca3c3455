//! What a grade found, as a score table for a person or JSON for a program.

use std::fmt::Write;

use super::{Finding, Verdict};

/// Every check's finding, with what the grader says once.
pub struct Report {
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    pub seconds: f64,
}

impl Report {
    /// Whether no check failed.
    pub fn passed(&self) -> bool {
        self.findings.iter().all(|finding| finding.verdict != Verdict::Fail)
    }

    /// Points scored, and the most there were (a skipped check is worth nothing either way).
    pub fn score(&self) -> (usize, usize) {
        let counted = self.findings.iter().filter(|finding| finding.verdict != Verdict::Skipped);
        let most = counted.clone().count();
        (counted.filter(|finding| finding.verdict == Verdict::Pass).count(), most)
    }
}

/// The score table, then each failure's details and every note.
pub fn table(report: &Report) -> String {
    let (score, most) = report.score();
    let mut out = String::new();
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let width = report.findings.iter().map(|finding| finding.check.len()).max().unwrap_or(5).max(5);
    let _ = writeln!(out, "{:width$}  {:7}  {:>6}  {:>6}", "check", "result", "points", "time");
    for finding in &report.findings {
        let (result, points) = match finding.verdict {
            Verdict::Pass => ("pass", "1/1"),
            Verdict::Fail => ("FAIL", "0/1"),
            Verdict::Skipped => ("skipped", "-"),
        };
        let _ = writeln!(out, "{:width$}  {result:7}  {points:>6}  {:>5.1}s", finding.check, finding.seconds);
    }
    let _ = writeln!(out, "score {score}/{most} in {:.1} s", report.seconds);
    for finding in report.findings.iter().filter(|finding| finding.verdict == Verdict::Fail) {
        let _ = writeln!(out, "\n{} FAILED", finding.check);
        for sent in &finding.sent {
            let _ = writeln!(out, "  sent:     {sent}");
        }
        let _ = writeln!(out, "  expected: {}", finding.expected);
        let _ = writeln!(out, "  got:      {}", finding.got);
    }
    let notes: Vec<_> = report
        .findings
        .iter()
        .flat_map(|finding| {
            let skipped = (finding.verdict == Verdict::Skipped).then(|| format!("skipped: {}", finding.got));
            skipped.into_iter().chain(finding.notes.iter().cloned()).map(move |note| (finding.check.clone(), note))
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out);
        for (check, note) in notes {
            let _ = writeln!(out, "{check}: {note}");
        }
    }
    out
}

/// The whole report as JSON (docs/GRADE.md has its shape).
pub fn json(report: &Report) -> serde_json::Value {
    let (score, most) = report.score();
    serde_json::json!({
        "passed": report.passed(),
        "score": score,
        "out_of": most,
        "seconds": report.seconds,
        "notes": report.notes,
        "checks": report.findings,
    })
}
