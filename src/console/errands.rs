//! What the console has done off its own task, so that the screen never waits: the operator's
//! commands (typed, or asked for with K, R, s and w), carried out one at a time and in the order
//! given by one task (a `revive X` is seen done before a `step` after it begins), and longer work
//! beside them (writing the trace), each telling the console what it came to. Every such task,
//! the walkthrough's too, is on one `JoinSet`, stopped and waited for before the herd shuts down.
//! The channels are bounded: a command that finds the queue full is refused, not kept.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use herdctl_core::Herd;
use herdctl_teach::command::Command;
use herdctl_teach::operator::{Outcome, execute};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

/// Commands that may wait behind the one running.
pub const WAITING_AT_MOST: usize = 16;

/// What a piece of work came to.
pub enum Report {
    /// The oldest command given (the one that was running).
    Command(Outcome),
    /// Other work (the trace written).
    Aside(Outcome),
    /// The moments just passed, rebuilt for looking back.
    LookedBack(Box<super::past::Past>),
}

/// A command to carry out.
struct Order {
    command: Command,
    /// The node selected when it was given: where raw protocol lines go.
    selected: String,
}

/// A command given and not yet come to anything.
pub struct Given {
    /// As the operator typed it, or would have (`kill Jaquez` for K).
    pub text: String,
    /// The node K killed: what came of it is said with the key that undoes it.
    pub killed_with_key: Option<String>,
}

pub struct Errands {
    orders: mpsc::Sender<Order>,
    /// Oldest first: the first is running, the others wait.
    given: VecDeque<Given>,
    reports: mpsc::Receiver<Report>,
    reporter: mpsc::Sender<Report>,
    tasks: JoinSet<()>,
}

/// The queue is full: the command was not given.
#[derive(Debug)]
pub struct Busy;

impl Errands {
    /// Starts the task that carries out commands on `herd`.
    pub fn start(herd: Arc<Herd>) -> Self {
        let (orders, mut taken) = mpsc::channel::<Order>(WAITING_AT_MOST);
        // Every command, and work beside them: room for all of them to report at once.
        let (reporter, reports) = mpsc::channel(2 * WAITING_AT_MOST);
        let mut tasks = JoinSet::new();
        let to_console = reporter.clone();
        tasks.spawn(async move {
            while let Some(order) = taken.recv().await {
                // A command that panics is one failed command, as when each had a task of its
                // own: the queue goes on (the panic is in herdctl.log).
                let carried_out = AssertUnwindSafe(execute(&herd, &order.command, &order.selected)).catch_unwind();
                let outcome = carried_out
                    .await
                    .unwrap_or_else(|_| Outcome::Refused("that command failed: herdctl.log says why".into()));
                if to_console.send(Report::Command(outcome)).await.is_err() {
                    return;
                }
            }
        });
        Self { orders, given: VecDeque::new(), reports, reporter, tasks }
    }

    /// Gives a command, to be carried out after those given before it.
    pub fn command(&mut self, command: Command, selected: String, given: Given) -> Result<(), Busy> {
        self.orders.try_send(Order { command, selected }).map_err(|_| Busy)?;
        self.given.push_back(given);
        Ok(())
    }

    /// The command that was running came to something (its report arrived): which it was.
    pub fn finished(&mut self) -> Option<Given> {
        self.given.pop_front()
    }

    /// The command running, and how many wait behind it.
    pub fn running(&self) -> Option<(&str, usize)> {
        self.given.front().map(|given| (given.text.as_str(), self.given.len() - 1))
    }

    /// Runs `work` on a thread where blocking is fine, its outcome reported as `Aside`.
    pub fn aside(&mut self, work: impl FnOnce() -> Outcome + Send + 'static) {
        // Work done long ago is forgotten here, not kept until the console ends.
        while self.tasks.try_join_next().is_some() {}
        let reporter = self.reporter.clone();
        self.tasks.spawn_blocking(move || {
            let _ = reporter.blocking_send(Report::Aside(work()));
        });
    }

    /// Rebuilds the moments just passed on a thread of its own (after a burst that replays
    /// hundreds of thousands of events: the screen must not wait for it), reported as `LookedBack`.
    pub fn look_back(&mut self, work: impl FnOnce() -> super::past::Past + Send + 'static) {
        while self.tasks.try_join_next().is_some() {}
        let reporter = self.reporter.clone();
        self.tasks.spawn_blocking(move || {
            let _ = reporter.blocking_send(Report::LookedBack(Box::new(work())));
        });
    }

    /// Drops a look-back the operator left (or gave up) on a thread where it may take its time
    /// (hundreds of megabytes after a burst), then hands the freed memory back to the system.
    pub fn forget(&mut self, past: super::past::Past) {
        while self.tasks.try_join_next().is_some() {}
        self.tasks.spawn_blocking(move || {
            drop(past);
            super::memory::give_back();
        });
    }

    /// Runs `task` among the console's tasks (stopped with them).
    pub fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) -> AbortHandle {
        self.tasks.spawn(task)
    }

    /// The next report.
    pub async fn report(&mut self) -> Report {
        // The console holds a sender itself, so the channel never closes under it.
        match self.reports.recv().await {
            Some(report) => report,
            None => std::future::pending().await,
        }
    }

    /// Stops every task (a command halfway is abandoned: the herd is about to stop) and waits
    /// until they are all gone; blocking work (a trace being written) is finished first.
    pub async fn stop(mut self) {
        self.tasks.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use herdctl_core::key::HerdKey;
    use herdctl_core::network::Mode;
    use herdctl_core::places::NoPlaces;
    use herdctl_core::{HerdOptions, Topology};

    use super::*;

    const DEADLINE: Duration = Duration::from_secs(20);

    async fn herd() -> Arc<Herd> {
        let topology = Arc::new(Topology::built_in().on_free_ports());
        let names = topology.names().to_vec();
        let options = HerdOptions::new(HerdKey::new("k"), Arc::new(NoPlaces));
        let herd = Arc::new(Herd::start(topology, &names, options).await.unwrap());
        assert!(herd.wait_linked(DEADLINE).await);
        herd
    }

    fn typed(text: &str) -> Given {
        Given { text: text.into(), killed_with_key: None }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commands_given_at_once_run_one_at_a_time_in_the_order_given() {
        let herd = herd().await;
        let mut errands = Errands::start(herd.clone());
        // Given faster than any of them can be done: were they carried out side by side, the
        // revive would find Juzang still up (or the kill come after it).
        let juzang = "Juzang".to_string();
        errands.command(Command::Kill(juzang.clone()), String::new(), typed("kill Juzang")).unwrap();
        errands.command(Command::Revive(juzang), String::new(), typed("revive Juzang")).unwrap();
        errands.command(Command::Step(None), String::new(), typed("step")).unwrap();
        assert_eq!(errands.running(), Some(("kill Juzang", 2)));
        for expected in ["kill Juzang", "revive Juzang", "step"] {
            let report = tokio::time::timeout(DEADLINE, errands.report()).await.expect("a report");
            let Report::Command(outcome) = report else { panic!("only commands were given") };
            let given = errands.finished().expect("a command was running");
            assert_eq!(given.text, expected, "reported in the order given");
            assert!(matches!(outcome, Outcome::Done(_)), "{expected}: {outcome:?}");
        }
        assert_eq!(errands.running(), None);
        assert!(herd.status().iter().all(|node| node.up), "revived after it was killed");
        assert_eq!(herd.network().mode(), Mode::Step);
        errands.stop().await;
        herd.shutdown().await;
    }

    #[tokio::test]
    async fn a_command_that_finds_the_queue_full_is_refused() {
        let herd = herd().await;
        let mut errands = Errands::start(herd.clone());
        // On this one-thread runtime the queue's task cannot take any before this test awaits.
        for _ in 0..WAITING_AT_MOST {
            errands.command(Command::Live, String::new(), typed("live")).unwrap();
        }
        assert!(errands.command(Command::Live, String::new(), typed("live")).is_err());
        assert_eq!(errands.running(), Some(("live", WAITING_AT_MOST - 1)), "the refused one is not counted");
        errands.stop().await;
        herd.shutdown().await;
    }
}
