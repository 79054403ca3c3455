//! Per-node log files (`<log-dir>/<Node>.log`): lines appended by the node's tasks into a shared
//! buffer, written to the file by a thread of the node's own, flushed when the herd shuts down.
//!
//! Built for the hot path (docs/BENCHMARKS.md): a line is formatted straight into the buffer (no
//! allocation, no channel). The writer thread sleeps on the buffer and is woken only by the first
//! line after it went to sleep; after each write it lets lines gather for `GATHER` before looking
//! again, so a busy node costs at most a thousand wake-ups a second and a quiet node's line
//! reaches the file within a millisecond. Nothing is dropped: past `MOST_BUFFERED` bytes a node
//! waits for the disk.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Bytes that may wait for the disk before the node's next line waits too.
const MOST_BUFFERED: usize = 8 << 20;
/// How long lines gather after a write before the writer looks again.
const GATHER: std::time::Duration = std::time::Duration::from_millis(1);

#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    closed: bool,
    /// Who sleeps on the condition: signalling it costs a system call even with nobody there.
    writer_asleep: bool,
    nodes_waiting: usize,
}

struct Shared {
    buffer: Mutex<Buffer>,
    /// Lines are waiting (for the writer), or room was made (for a node waiting on the disk).
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where a node's tasks append their lines.
#[derive(Clone)]
pub struct Journal {
    shared: Arc<Shared>,
}

/// Stops the writer when dropped, after it has written every line appended before.
pub struct JournalGuard {
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
}

impl Journal {
    /// Appends one line, written by `write` straight into the buffer (it adds its own newline).
    pub fn line(&self, write: impl FnOnce(&mut Vec<u8>)) {
        let mut buffer = self.shared.lock();
        while buffer.bytes.len() > MOST_BUFFERED && !buffer.closed {
            buffer.nodes_waiting += 1;
            buffer = self.shared.changed.wait(buffer).unwrap_or_else(|p| p.into_inner());
            buffer.nodes_waiting -= 1;
        }
        write(&mut buffer.bytes);
        let wake = std::mem::take(&mut buffer.writer_asleep);
        drop(buffer);
        if wake {
            self.shared.changed.notify_all();
        }
    }
}

fn write_out(shared: &Shared, mut file: File, name: &str) {
    let mut spare = Vec::with_capacity(64 * 1024);
    // Bytes lost since writing last failed.
    let mut lost = 0usize;
    loop {
        let room_wanted = {
            let mut buffer = shared.lock();
            while buffer.bytes.is_empty() && !buffer.closed {
                buffer.writer_asleep = true;
                buffer = shared.changed.wait(buffer).unwrap_or_else(|p| p.into_inner());
            }
            buffer.writer_asleep = false;
            if buffer.bytes.is_empty() && buffer.closed {
                return;
            }
            std::mem::swap(&mut buffer.bytes, &mut spare);
            buffer.nodes_waiting > 0
        };
        // Room again for a node that waited on the disk.
        if room_wanted {
            shared.changed.notify_all();
        }
        // A failed write can be told to no one here but stderr, once, with what it cost when
        // writing resumes; the node goes on serving. (Retrying and never tearing a line is
        // issue 11's.)
        match file.write_all(&spare).and_then(|()| file.flush()) {
            Ok(()) if lost > 0 => {
                eprintln!("herdctl: {name}: writing the log again, after losing {lost} bytes of it");
                lost = 0;
            }
            Ok(()) => {}
            Err(error) => {
                if lost == 0 {
                    eprintln!("herdctl: {name}: cannot write the log ({error}); counting what is lost");
                }
                lost += spare.len();
            }
        }
        spare.clear();
        // Let the next lines gather: one wake-up and one write for all of them.
        std::thread::sleep(GATHER);
    }
}

/// Opens the log file of `node` in `dir` (created if missing) and starts its writer. Keep the
/// guard until shutdown: dropping it writes out whatever is still waiting.
pub fn open(dir: &Path, node: &str) -> std::io::Result<(Journal, JournalGuard)> {
    std::fs::create_dir_all(dir)?;
    let file = OpenOptions::new().create(true).append(true).open(dir.join(format!("{node}.log")))?;
    let shared = Arc::new(Shared { buffer: Mutex::default(), changed: Condvar::new() });
    let writer = {
        let (shared, name) = (shared.clone(), format!("{node}.log"));
        std::thread::Builder::new().name("herdctl-log".into()).spawn(move || write_out(&shared, file, &name))?
    };
    Ok((Journal { shared: shared.clone() }, JournalGuard { shared, writer: Some(writer) }))
}

impl Drop for JournalGuard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        // Whoever sleeps (the writer, or a node waiting for room) must see it.
        self.shared.changed.notify_all();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_reaches_the_file_in_order_by_the_time_the_guard_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (journal, guard) = open(dir.path(), "Riley").unwrap();
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let journal = journal.clone();
                std::thread::spawn(move || {
                    for i in 0..10_000 {
                        journal.line(|out| {
                            let _ = writeln!(out, "thread {t} line {i}");
                        });
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        drop(guard);
        let text = std::fs::read_to_string(dir.path().join("Riley.log")).unwrap();
        assert_eq!(text.lines().count(), 40_000, "no line lost");
        for t in 0..4 {
            let mine: Vec<usize> = text
                .lines()
                .filter_map(|line| line.strip_prefix(&format!("thread {t} line ")))
                .map(|i| i.parse().unwrap())
                .collect();
            assert_eq!(mine, (0..10_000).collect::<Vec<_>>(), "each thread's lines whole and in order");
        }
    }
}
