//! What a load run measured: requests, latencies (an HDR histogram, microseconds), errors by
//! kind, propagation times; as text for people and JSON for scripts.

use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Why a request did not get a good reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Failure {
    /// The connection was refused (nothing listens there).
    Refused,
    /// The connection was reset or closed mid-request.
    Reset,
    /// No reply within the timeout.
    Timeout,
    /// The server answered `? …`.
    Invalid,
    /// The reply was neither an AT line nor `? …`.
    Malformed,
}

impl Failure {
    pub const ALL: [Self; 5] = [Self::Refused, Self::Reset, Self::Timeout, Self::Invalid, Self::Malformed];

    pub fn name(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::Reset => "reset",
            Self::Timeout => "timeout",
            Self::Invalid => "? replies",
            Self::Malformed => "malformed replies",
        }
    }
}

/// One run's figures.
#[derive(Clone, Debug)]
pub struct Summary {
    pub elapsed: Duration,
    /// Latency of every good reply, in microseconds.
    pub latency: Histogram<u64>,
    pub failures: [u64; 5],
    /// Time until every other target knew a sampled IAMAT, in microseconds (`--propagation`).
    pub propagation: Option<Histogram<u64>>,
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 100 s, three significant digits.
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid bounds")
}

impl Summary {
    pub fn new(propagation: bool) -> Self {
        Self {
            elapsed: Duration::ZERO,
            latency: histogram(),
            failures: [0; 5],
            propagation: propagation.then(histogram),
        }
    }

    pub fn record(&mut self, latency: Duration) {
        let _ = self.latency.record((latency.as_micros() as u64).max(1));
    }

    pub fn fail(&mut self, failure: Failure) {
        self.failures[failure as usize] += 1;
    }

    pub fn merge(&mut self, other: &Self) {
        let _ = self.latency.add(&other.latency);
        for (mine, theirs) in self.failures.iter_mut().zip(other.failures) {
            *mine += theirs;
        }
        if let (Some(mine), Some(theirs)) = (&mut self.propagation, &other.propagation) {
            let _ = mine.add(theirs);
        }
    }

    pub fn requests(&self) -> u64 {
        self.latency.len()
    }

    pub fn errors(&self) -> u64 {
        self.failures.iter().sum()
    }

    pub fn rate(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn percentiles(histogram: &Histogram<u64>) -> [(&'static str, u64); 6] {
        [
            ("p50", histogram.value_at_quantile(0.50)),
            ("p90", histogram.value_at_quantile(0.90)),
            ("p99", histogram.value_at_quantile(0.99)),
            ("p99.9", histogram.value_at_quantile(0.999)),
            ("max", histogram.max()),
            ("mean", histogram.mean() as u64),
        ]
    }

    /// For people: the rate, the latency percentiles, errors by kind; with `baseline`, each
    /// figure also as a ratio to it.
    pub fn text(&self, label: &str, baseline: Option<&Self>) -> String {
        let mut out = String::new();
        let ratio =
            |mine: f64, theirs: f64| if theirs > 0.0 { format!(" ({:.2}x)", mine / theirs) } else { String::new() };
        let rate_ratio =
            baseline.map(|b| format!(" ({:.0}% of the baseline)", self.rate() / b.rate().max(1e-9) * 100.0));
        let _ = writeln!(
            out,
            "{label}: {} requests in {:.1} s = {:.0} req/s{}",
            self.requests(),
            self.elapsed.as_secs_f64(),
            self.rate(),
            rate_ratio.unwrap_or_default()
        );
        let mut line = "  latency µs:".to_string();
        for (i, (name, value)) in Self::percentiles(&self.latency).iter().enumerate() {
            let theirs = baseline.map(|b| Self::percentiles(&b.latency)[i].1 as f64);
            let _ = write!(line, " {name} {value}{}", theirs.map(|t| ratio(*value as f64, t)).unwrap_or_default());
        }
        let _ = writeln!(out, "{line}");
        if let Some(propagation) = &self.propagation {
            let mut line = format!("  propagation µs ({} samples):", propagation.len());
            for (name, value) in Self::percentiles(propagation) {
                let _ = write!(line, " {name} {value}");
            }
            let _ = writeln!(out, "{line}");
        }
        let errors: Vec<String> = Failure::ALL
            .iter()
            .filter(|f| self.failures[**f as usize] > 0)
            .map(|f| format!("{} {}", self.failures[*f as usize], f.name()))
            .collect();
        let _ = writeln!(out, "  errors: {}", if errors.is_empty() { "none".to_string() } else { errors.join(", ") });
        out
    }

    /// For scripts.
    pub fn json(&self) -> Value {
        let percentiles = |h: &Histogram<u64>| {
            Self::percentiles(h)
                .iter()
                .map(|(name, value)| (name.to_string(), json!(value)))
                .collect::<serde_json::Map<_, _>>()
        };
        json!({
            "requests": self.requests(),
            "seconds": self.elapsed.as_secs_f64(),
            "rate": self.rate(),
            "latency_us": percentiles(&self.latency),
            "propagation_us": self.propagation.as_ref().map(percentiles),
            "errors": Failure::ALL.iter().map(|f| (f.name().to_string(), json!(self.failures[*f as usize]))).collect::<serde_json::Map<_, _>>(),
        })
    }
}
