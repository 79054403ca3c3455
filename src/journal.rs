//! Per-node log files (`<log-dir>/<Node>.log`): opened for appending, written by a background
//! thread, flushed when the herd shuts down.

use std::fs::OpenOptions;
use std::io::BufWriter;
use std::path::Path;

use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};

/// Lines that may wait for the disk before a node's next log line blocks it. Blocking (rather
/// than dropping) keeps the log complete, which the protocol promises.
const BUFFERED_LINES: usize = 1 << 16;

/// Opens the log file of `node` in `dir` (created if missing). Keep the guard until shutdown:
/// dropping it writes out whatever is still queued.
pub fn open(dir: &Path, node: &str) -> std::io::Result<(NonBlocking, WorkerGuard)> {
    std::fs::create_dir_all(dir)?;
    let file = OpenOptions::new().create(true).append(true).open(dir.join(format!("{node}.log")))?;
    // Buffered: the writer thread flushes whenever it has drained what is queued, so a burst of
    // lines costs one system call, and a quiet node's lines still reach the file at once.
    let file = BufWriter::with_capacity(64 * 1024, file);
    Ok(NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(BUFFERED_LINES)
        .thread_name("herdctl-log")
        .finish(file))
}
