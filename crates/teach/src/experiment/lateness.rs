//! Whether the machine let a run be timed: two probes that ask to wake every [`TICK`] while the
//! run lasts and note how late they woke.
//!
//! - The machine's probe is a thread of its own, off the runtime: it wakes late only when this
//!   process waits for a CPU, that is when the machine is busy with other work.
//! - The runtime's probe is a task on the runtime the herd, its clients and the listener share: it
//!   wakes late when the machine is busy, and also when the runtime has more to do than its threads
//!   can do (a rate too high for this machine, a task that blocks a thread).
//!
//! Lateness only ever adds time: a figure of time taken while a probe woke late may be too long,
//! never too short. So a run whose probes woke more than [`BUSY`] late cannot be blamed for a time
//! that breaks a bar or the acknowledgement bound (it is unsure), while a time that held, held.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Summary;

/// How often each probe asks to wake.
pub const TICK: Duration = Duration::from_millis(10);

/// A probe woken later than this means the run was too busy to judge by its times: this much can
/// be added to any time measured across that moment, which is as much as the margin a client's wait
/// has over the acknowledgement bound ([`super::WAIT_MARGIN`]).
pub const BUSY: Duration = Duration::from_millis(50);

/// How late the probes woke, in milliseconds.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Lateness {
    /// The thread of its own: the machine.
    pub machine_ms: Summary,
    /// The task on the runtime: the machine and the runtime's own load.
    pub runtime_ms: Summary,
}

impl Lateness {
    /// Why the run's times cannot be judged, when a probe woke more than [`BUSY`] late.
    pub fn busy(&self) -> Option<String> {
        let busy = BUSY.as_secs_f64() * 1000.0;
        let tick = TICK.as_millis();
        let (machine, runtime) = (&self.machine_ms, &self.runtime_ms);
        if machine.max > busy {
            Some(format!(
                "the machine was too busy to judge the times: a thread of this process asked to wake every \
                 {tick} ms and woke up to {:.0} ms late (p99 {:.0} ms)",
                machine.max, machine.p99
            ))
        } else if runtime.max > busy {
            Some(format!(
                "the runtime was too busy to judge the times: its timers fired up to {:.0} ms late (p99 {:.0} ms) \
                 while the machine's were on time; the herd and its clients share it (a lower --rate may help)",
                runtime.max, runtime.p99
            ))
        } else {
            None
        }
    }
}

/// The two probes, running.
pub struct Probes {
    stop: Vec<mpsc::Sender<()>>,
    machine: tokio::task::JoinHandle<Vec<f64>>,
    runtime: tokio::task::JoinHandle<Vec<f64>>,
}

impl Probes {
    /// Starts both probes (on the current runtime).
    pub fn start() -> Self {
        let (stop_machine, stopped) = mpsc::channel();
        // The blocking pool gives the probe a thread of its own, which no task can hold up.
        let machine = tokio::task::spawn_blocking(move || {
            let mut late = Vec::new();
            loop {
                let asked = Instant::now();
                match stopped.recv_timeout(TICK) {
                    Err(mpsc::RecvTimeoutError::Timeout) => late.push(past(asked + TICK)),
                    _ => return late,
                }
            }
        });
        let (stop_runtime, stopped) = mpsc::channel::<()>();
        let runtime = tokio::spawn(async move {
            let mut late = Vec::new();
            // A tick after each wake, not on a fixed beat: a late wake is counted once, not
            // followed by a burst of ticks catching up.
            while matches!(stopped.try_recv(), Err(mpsc::TryRecvError::Empty)) {
                let due = tokio::time::Instant::now() + TICK;
                tokio::time::sleep_until(due).await;
                late.push(past(due.into_std()));
            }
            late
        });
        Self { stop: vec![stop_machine, stop_runtime], machine, runtime }
    }

    /// Stops both probes and says how late they woke.
    pub async fn stop(self) -> Lateness {
        drop(self.stop);
        let (machine, runtime) = tokio::join!(self.machine, self.runtime);
        Lateness {
            machine_ms: Summary::of(machine.unwrap_or_default()),
            runtime_ms: Summary::of(runtime.unwrap_or_default()),
        }
    }
}

/// Milliseconds since `due` (0 when it is not yet due).
fn past(due: Instant) -> f64 {
    Instant::now().saturating_duration_since(due).as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lateness(machine_max: f64, runtime_max: f64) -> Lateness {
        let of = |max: f64| Summary { max, p99: max / 2.0, ..Summary::default() };
        Lateness { machine_ms: of(machine_max), runtime_ms: of(runtime_max) }
    }

    #[test]
    fn a_probe_late_past_the_busy_mark_makes_a_run_unsure_and_says_which() {
        assert_eq!(lateness(3.0, 12.0).busy(), None);
        assert_eq!(lateness(50.0, 50.0).busy(), None, "the mark itself is not past it");
        let machine = lateness(312.0, 320.0).busy().unwrap();
        assert!(machine.starts_with("the machine was too busy"), "{machine}");
        assert!(machine.contains("woke up to 312 ms late (p99 156 ms)"), "{machine}");
        let runtime = lateness(4.0, 120.0).busy().unwrap();
        assert!(runtime.starts_with("the runtime was too busy"), "{runtime}");
        assert!(runtime.contains("up to 120 ms late (p99 60 ms) while the machine's were on time"), "{runtime}");
    }

    #[test]
    fn a_runtime_held_up_is_seen_by_its_probe() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let lateness = runtime.block_on(async {
            let probes = Probes::start();
            // Both probes are waiting for a tick; the runtime's one thread is then held, as a task
            // that blocks would hold it. No tick of the runtime's probe can come before it is let go.
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(300));
            tokio::task::yield_now().await;
            probes.stop().await
        });
        assert!(lateness.runtime_ms.max >= 250.0, "{lateness:?}");
        assert!(lateness.busy().is_some(), "{lateness:?}");
    }
}
