//! Per-node log files (`<log-dir>/<Node>.log`): lines appended by the node's tasks into a shared
//! buffer, written to the file by a thread of the node's own, flushed when the herd shuts down.
//!
//! Built for the hot path (docs/BENCHMARKS.md): a line is formatted straight into the buffer (no
//! allocation, no channel). The writer thread sleeps on the buffer and is woken only by the first
//! line after it went to sleep; after each write it lets lines gather for `GATHER` before looking
//! again, so a busy node costs at most a thousand wake-ups a second and a quiet node's line
//! reaches the file within a millisecond.
//!
//! When the disk fails or stalls (README, "Logs"): a failed write is retried, from the byte where
//! it stopped, until it succeeds, so no line is ever torn or skipped in the middle; the trouble is
//! told once (stderr and the console) and its end too. Meanwhile lines gather in memory up to
//! `Policy::most_buffered`; past that a node waits for room at most `Policy::wait_for_disk`, then
//! lines are counted instead of kept (a node never freezes on its log), and a line in the file
//! says how many are missing, where they are missing. Shutdown waits for the log at most
//! `Policy::shutdown_bound`, and says what it could not write.
//!
//! Bounded on disk too (README, "Logs"): past `Rotation::max_bytes` the file is rotated, and on
//! `reopen` (SIGHUP) the writer opens `<Node>.log` again, so that logrotate can move it away.
//! Both happen between whole lines.

mod settings;

pub use settings::{LogFormat, LogLevel, LogSettings, Rotation};

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant, SystemTime};

/// How long lines gather after a write before the writer looks again.
const GATHER: Duration = Duration::from_millis(1);
/// Waits between attempts while the disk fails: from the first to the last, doubling.
const RETRY_FIRST: Duration = Duration::from_millis(20);
const RETRY_LAST: Duration = Duration::from_secs(1);

/// How much a journal holds while the disk is slow, and how long anyone waits for it.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Bytes kept for the disk before a node's next line waits for room.
    pub most_buffered: usize,
    /// How long a node's line waits for room before lines are counted instead of kept.
    pub wait_for_disk: Duration,
    /// How long shutdown waits for the log to be written.
    pub shutdown_bound: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self { most_buffered: 8 << 20, wait_for_disk: Duration::from_secs(1), shutdown_bound: Duration::from_secs(5) }
    }
}

/// Who is told of a node's disk trouble (its log, its store), and of its end.
pub type Report = Arc<dyn Fn(&str) + Send + Sync>;

#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    /// Bytes the writer holds that did not reach the disk yet (a failed or stalled write).
    unwritten: usize,
    closed: bool,
    /// Who sleeps on the condition: signalling it costs a system call even with nobody there.
    writer_asleep: bool,
    nodes_waiting: usize,
    /// Lines counted instead of kept, since room ran out and stayed out.
    dropping: Option<u64>,
    /// Lines counted instead of kept, in all (`herdctl_log_lines_dropped_total`).
    dropped: u64,
    /// The file is to be opened again (SIGHUP), at the next line boundary.
    reopen: bool,
}

impl Buffer {
    fn held(&self) -> usize {
        self.bytes.len() + self.unwritten
    }
}

struct Shared {
    buffer: Mutex<Buffer>,
    /// Lines are waiting (for the writer), or room was made (for a node waiting on the disk).
    changed: Condvar,
    policy: Policy,
    name: String,
    report: Report,
    settings: LogSettings,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn tell(&self, what: &str) {
        (self.report)(&format!("{}: {what}", self.name));
    }
}

/// Where a node's tasks append their lines.
#[derive(Clone)]
pub struct Journal {
    shared: Arc<Shared>,
}

impl Journal {
    /// Bytes appended but not yet on disk.
    pub fn backlog(&self) -> usize {
        self.shared.lock().held()
    }

    /// Lines counted instead of written, in all.
    pub fn dropped(&self) -> u64 {
        self.shared.lock().dropped
    }

    /// Which lines the file keeps, and in what form.
    pub fn settings(&self) -> &LogSettings {
        &self.shared.settings
    }
}

/// Stops the writer when dropped, after it has written every line appended before (or
/// `Policy::shutdown_bound` has passed).
pub struct JournalGuard {
    shared: Arc<Shared>,
    finished: mpsc::Receiver<()>,
}

impl Journal {
    /// Appends one line, written by `write` straight into the buffer (it adds its own newline).
    pub fn line(&self, write: impl FnOnce(&mut Vec<u8>)) {
        let shared = &self.shared;
        let most = shared.policy.most_buffered;
        let mut buffer = shared.lock();
        if let Some(lost) = buffer.dropping {
            // Counting until there is room for half again, so that the log does not flicker
            // between a line kept and a line lost.
            if buffer.held() > most / 2 && !buffer.closed {
                buffer.dropping = Some(lost + 1);
                buffer.dropped += 1;
                return;
            }
            buffer.dropping = None;
            let bytes = &mut buffer.bytes;
            write_stamp(bytes);
            let _ = writeln!(bytes, " log: {lost} lines not logged here: the disk could not keep up");
        }
        if buffer.held() > most && !buffer.closed {
            let deadline = Instant::now() + shared.policy.wait_for_disk;
            while buffer.held() > most && !buffer.closed {
                let Some(left) = deadline.checked_duration_since(Instant::now()) else { break };
                buffer.nodes_waiting += 1;
                buffer = shared.changed.wait_timeout(buffer, left).unwrap_or_else(|p| p.into_inner()).0;
                buffer.nodes_waiting -= 1;
            }
            if let Some(lost) = buffer.dropping {
                // Another line of this node gave up waiting meanwhile, and told it.
                buffer.dropping = Some(lost + 1);
                buffer.dropped += 1;
                return;
            }
            if buffer.held() > most && !buffer.closed {
                buffer.dropping = Some(1);
                buffer.dropped += 1;
                drop(buffer);
                shared.tell(&format!(
                    "the disk has not taken the log for {}: lines are counted, not kept, until it does",
                    humantime::format_duration(shared.policy.wait_for_disk)
                ));
                return;
            }
        }
        write(&mut buffer.bytes);
        let wake = std::mem::take(&mut buffer.writer_asleep);
        drop(buffer);
        if wake {
            shared.changed.notify_all();
        }
    }
}

fn write_stamp(out: &mut Vec<u8>) {
    let _ = write!(out, "{}", humantime::format_rfc3339_micros(SystemTime::now()));
}

/// Where a journal's writer puts its bytes: a log file, which it rotates and reopens between
/// lines, or (tests) anything that takes bytes.
pub(crate) trait Target: Write + Send + 'static {
    /// Opens the file again at its path (it was moved away, SIGHUP says).
    fn reopen(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    /// Rotates the file if it has grown past its bound.
    fn rotate_if_due(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    /// Bytes the file takes before it is due for rotation (`None`: it is never rotated).
    fn room(&self) -> Option<u64> {
        None
    }
}

/// A node's log file, and how big it has grown.
struct LogFile {
    path: PathBuf,
    file: File,
    size: u64,
    rotation: Option<Rotation>,
}

impl LogFile {
    fn open(path: PathBuf, rotation: Option<Rotation>) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let size = file.metadata()?.len();
        Ok(Self { path, file, size, rotation })
    }

    /// `<Node>.log.N`.
    fn aged(&self, n: usize) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        name.into()
    }
}

impl Write for LogFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(bytes)?;
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Target for LogFile {
    fn room(&self) -> Option<u64> {
        self.rotation.map(|rotation| rotation.max_bytes.saturating_sub(self.size))
    }

    fn reopen(&mut self) -> std::io::Result<()> {
        *self = Self::open(self.path.clone(), self.rotation)?;
        Ok(())
    }

    fn rotate_if_due(&mut self) -> std::io::Result<()> {
        let Some(rotation) = self.rotation.filter(|r| self.size >= r.max_bytes) else { return Ok(()) };
        // Oldest first, so that nothing is overwritten; a file missing on the way is no matter.
        let _ = std::fs::remove_file(self.aged(rotation.keep.max(1)));
        for n in (1..rotation.keep).rev() {
            let _ = std::fs::rename(self.aged(n), self.aged(n + 1));
        }
        if rotation.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            std::fs::rename(&self.path, self.aged(1))?;
        }
        self.reopen()
    }
}

/// Writes lines out until the journal is closed and everything is written.
fn write_out(shared: &Shared, mut sink: impl Target) {
    // What was taken from the buffer and is not on the disk yet, from its first byte.
    let mut pending: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut failing: Option<Duration> = None;
    // A rotation or a reopen that failed, told once until one succeeds.
    let mut kept_failing = false;
    loop {
        let (room_wanted, reopen, between_lines) = {
            let mut buffer = shared.lock();
            buffer.unwritten = pending.len();
            while buffer.bytes.is_empty() && pending.is_empty() && !buffer.closed && !buffer.reopen {
                buffer.writer_asleep = true;
                buffer = shared.changed.wait(buffer).unwrap_or_else(|p| p.into_inner());
            }
            buffer.writer_asleep = false;
            // Only whole lines go to a new file: a write that stopped mid-line finishes first.
            let between_lines = pending.is_empty();
            let reopen = between_lines && std::mem::take(&mut buffer.reopen);
            if buffer.bytes.is_empty() && pending.is_empty() && buffer.closed {
                return;
            }
            pending.append(&mut buffer.bytes);
            buffer.unwritten = pending.len();
            (buffer.nodes_waiting > 0, reopen, between_lines)
        };
        // Room again for a node that waited on the disk.
        if room_wanted {
            shared.changed.notify_all();
        }
        let mut turn = |sink: &mut dyn Target, reopen: bool| match if reopen { sink.reopen() } else { Ok(()) }
            .and_then(|()| sink.rotate_if_due())
        {
            Ok(()) => kept_failing = false,
            Err(error) if !kept_failing => {
                kept_failing = true;
                shared.tell(&format!("cannot rotate or reopen the log ({error}): writing on to the open file"));
            }
            Err(_) => {}
        };
        if between_lines {
            turn(&mut sink, reopen);
        }
        // Whole lines up to the file's bound, then a rotation, and so on: a file outgrows its
        // bound by at most one line.
        let mut written = Ok(());
        while !pending.is_empty() {
            let upto = sink.room().map_or(pending.len(), |room| line_end_within(&pending, room));
            written = write_some(&mut sink, &mut pending, upto);
            if written.is_err() || pending.is_empty() {
                break;
            }
            // What was written ended a line.
            turn(&mut sink, false);
        }
        match written {
            Ok(()) => {
                if failing.take().is_some() {
                    shared.tell("the log is written again");
                }
                // Let the next lines gather: one wake-up and one write for all of them.
                std::thread::sleep(GATHER);
            }
            Err(error) => {
                let wait = match failing {
                    None => {
                        shared.tell(&format!("cannot write the log ({error}); retrying, nothing is skipped"));
                        RETRY_FIRST
                    }
                    Some(wait) => (wait * 2).min(RETRY_LAST),
                };
                failing = Some(wait);
                std::thread::sleep(wait);
            }
        }
    }
}

/// Where the last line that fits in `room` bytes of `pending` ends (at least the first line,
/// so that a line longer than the room is written whole, never cut).
fn line_end_within(pending: &[u8], room: u64) -> usize {
    let room = usize::try_from(room).unwrap_or(usize::MAX);
    if pending.len() <= room {
        return pending.len();
    }
    let end = |bytes: &[u8]| bytes.iter().rposition(|&b| b == b'\n').map(|at| at + 1);
    end(&pending[..room]).or_else(|| pending.iter().position(|&b| b == b'\n').map(|at| at + 1)).unwrap_or(pending.len())
}

/// Writes the first `upto` bytes of `pending` out; on failure keeps what did not reach the
/// disk, from the exact byte.
fn write_some(sink: &mut (impl Write + ?Sized), pending: &mut Vec<u8>, upto: usize) -> std::io::Result<()> {
    let mut written = 0;
    let result = loop {
        if written == upto {
            break sink.flush();
        }
        match sink.write(&pending[written..upto]) {
            Ok(0) => break Err(ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => break Err(error),
        }
    };
    pending.drain(..written);
    result
}

/// Opens the log file of `node` in `dir` (created if missing) and starts its writer, keeping
/// the file as `settings` say. Keep the guard until shutdown: dropping it writes out whatever is
/// still waiting.
pub fn open(dir: &Path, node: &str, report: Report, settings: LogSettings) -> std::io::Result<(Journal, JournalGuard)> {
    std::fs::create_dir_all(dir)?;
    let file = LogFile::open(dir.join(format!("{node}.log")), settings.rotation)?;
    start(file, format!("{node}.log"), Policy::default(), report, settings)
}

/// Starts a journal writing to `sink`.
fn start(
    sink: impl Target,
    name: String,
    policy: Policy,
    report: Report,
    settings: LogSettings,
) -> std::io::Result<(Journal, JournalGuard)> {
    let shared = Arc::new(Shared { buffer: Mutex::default(), changed: Condvar::new(), policy, name, report, settings });
    let (done, finished) = mpsc::channel();
    let writer = shared.clone();
    std::thread::Builder::new().name("herdctl-log".into()).spawn(move || {
        write_out(&writer, sink);
        let _ = done.send(());
    })?;
    Ok((Journal { shared: shared.clone() }, JournalGuard { shared, finished }))
}

impl JournalGuard {
    /// Has the writer open the file again at its path, between two lines (SIGHUP, after
    /// logrotate moved it away).
    pub fn reopen(&self) {
        self.shared.lock().reopen = true;
        self.shared.changed.notify_all();
    }
}

impl Drop for JournalGuard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        // Whoever sleeps (the writer, or a node waiting for room) must see it.
        self.shared.changed.notify_all();
        if self.finished.recv_timeout(self.shared.policy.shutdown_bound).is_err() {
            let left = self.shared.lock().held();
            self.shared.tell(&format!(
                "gave up on the log after {}: {left} bytes not written (the disk stalls or fails)",
                humantime::format_duration(self.shared.policy.shutdown_bound)
            ));
        }
    }
}

#[cfg(test)]
mod tests;
