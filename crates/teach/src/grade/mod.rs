//! The grader (`herdctl grade`): a battery of checks a course's graders run on a herd (herdctl's
//! own nodes, or a student's servers under `--exec`), each from a reset herd, each saying what it
//! sent, what it expected and what came back, added up into a score.

mod answers;
mod bench;
mod client;
mod faults;
mod flood;
mod invalid;
mod load;
mod report;
mod shape;
mod storm;
mod walkthrough;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

pub use bench::Bench;
pub use report::{Report, json, table};

/// What came of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    /// Could not be run on this herd (said why): it counts neither way.
    Skipped,
}

/// One check's result: what it sent, what it expected and what came back.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Finding {
    pub check: String,
    pub verdict: Verdict,
    pub sent: Vec<String>,
    pub expected: String,
    pub got: String,
    /// What the check reports without judging it (a revived server's catch-up, a storm stopped).
    pub notes: Vec<String>,
    pub seconds: f64,
}

impl Finding {
    fn new(check: &str) -> Self {
        Self {
            check: check.into(),
            verdict: Verdict::Pass,
            sent: Vec::new(),
            expected: String::new(),
            got: String::new(),
            notes: Vec::new(),
            seconds: 0.0,
        }
    }

    /// Records a line sent to a server.
    fn sent(&mut self, node: &str, line: &str) {
        self.sent.push(format!("{node} <- {}", line.trim_end_matches('\n')));
    }

    fn expect(&mut self, expected: impl Into<String>) {
        self.expected = expected.into();
    }

    /// Fails the check with what came back (the first failure is kept: it is the cause).
    fn fail(&mut self, got: impl Into<String>) {
        if self.verdict != Verdict::Fail {
            self.verdict = Verdict::Fail;
            self.got = got.into();
        }
    }

    fn skip(&mut self, why: impl Into<String>) {
        self.verdict = Verdict::Skipped;
        self.got = why.into();
    }

    /// What came back, when it passed.
    fn got(&mut self, got: impl Into<String>) {
        if self.verdict == Verdict::Pass {
            self.got = got.into();
        }
    }
}

type Run = for<'a> fn(&'a Bench, &'a mut Finding) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Every check, in the order they run: its stable name, what it is about, and how it runs.
pub const CHECKS: &[(&str, &str, Run)] = &[
    ("iamat-format", "IAMAT answered with one exact AT line", |b, f| Box::pin(answers::iamat_format(b, f))),
    ("iamat-sign", "a client ahead of the server gets a negative difference", |b, f| {
        Box::pin(answers::iamat_sign(b, f))
    }),
    ("whatsat-format", "WHATSAT's AT line, JSON, radius, bound and closing blank line", |b, f| {
        Box::pin(answers::whatsat_format(b, f))
    }),
    ("whatsat-client", "WHATSAT answers about the client asked for", |b, f| Box::pin(answers::whatsat_client(b, f))),
    ("bad-lines", "`? ` for every kind of bad line, nothing for an empty one", |b, f| {
        Box::pin(invalid::bad_lines(b, f))
    }),
    ("flood-reach", "a report reaches every server", |b, f| Box::pin(flood::reach(b, f))),
    ("flood-once", "no record crosses a link twice", |b, f| Box::pin(flood::once(b, f))),
    ("neighbours-only", "servers talk only to their neighbours", |b, f| Box::pin(flood::neighbours_only(b, f))),
    ("newer-wins", "a newer report wins, an older one changes nothing", |b, f| Box::pin(flood::newer_wins(b, f))),
    ("kill", "a server killed: the others answer and flood around it", |b, f| Box::pin(faults::kill_one(b, f))),
    ("revive", "a revived server gets new reports", |b, f| Box::pin(faults::revive(b, f))),
    ("cut", "a cut link is routed around", |b, f| Box::pin(faults::cut(b, f))),
    ("many-clients", "many clients at once, each answered", |b, f| Box::pin(load::many_clients(b, f))),
    ("burst", "a burst of commands on one connection, answered in order", |b, f| Box::pin(load::burst(b, f))),
    ("slow-client", "a client that never finishes its line blocks nobody", |b, f| Box::pin(load::slow_client(b, f))),
    ("split-line", "a command written in pieces is one command", |b, f| Box::pin(load::split_line(b, f))),
];

/// The names of every built-in check.
pub fn names() -> Vec<&'static str> {
    CHECKS.iter().map(|(name, _, _)| *name).collect()
}

/// Checks `only` to its names: an unknown one is refused, with the names there are.
pub fn select(only: &[String]) -> Result<Vec<&'static str>, String> {
    if only.is_empty() {
        return Ok(names());
    }
    let mut chosen = Vec::new();
    for wanted in only {
        match CHECKS.iter().find(|(name, _, _)| name == wanted) {
            Some((name, _, _)) => chosen.push(*name),
            None => return Err(format!("--only {wanted}: no such check; the checks are {}", names().join(", "))),
        }
    }
    Ok(chosen)
}

/// Runs the `chosen` checks, then each walkthrough as a check of its own, each from a reset herd.
pub async fn run(bench: &Bench, chosen: &[&str], walkthroughs: &[crate::script::Script]) -> Report {
    let started = Instant::now();
    let mut findings = Vec::new();
    for (name, _, run) in CHECKS.iter().filter(|(name, _, _)| chosen.contains(name)) {
        let (begun, mut finding) = (Instant::now(), Finding::new(name));
        let guard = bench.begin(&mut finding).await;
        if guard.is_some() {
            run(bench, &mut finding).await;
        }
        bench.end(&mut finding, guard, begun).await;
        findings.push(finding);
    }
    for script in walkthroughs {
        let file = std::path::Path::new(&script.name).file_name().map(|name| name.to_string_lossy());
        let name = format!("walkthrough:{}", file.unwrap_or_else(|| script.name.as_str().into()));
        let (begun, mut finding) = (Instant::now(), Finding::new(&name));
        let guard = bench.begin(&mut finding).await;
        if guard.is_some() {
            walkthrough::play(bench, script, &mut finding).await;
        }
        bench.end(&mut finding, guard, begun).await;
        findings.push(finding);
    }
    Report { findings, notes: bench.notes(), seconds: started.elapsed().as_secs_f64() }
}

/// How long a server may take to learn a record flooded to it (generous: only a broken herd
/// waits this long).
const LEARN_WITHIN: Duration = Duration::from_secs(10);
/// How long a client waits for its answer (longer than a places source's own timeout, about
/// 5 s, so that a slow WHATSAT still gets its answer).
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
/// How long the herd may take to come to rest after a flood.
const QUIET_WITHIN: Duration = Duration::from_secs(5);
