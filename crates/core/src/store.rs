//! A node's records on disk (`--data-dir DIR`): one redb database a node (`DIR/<Node>.redb`),
//! written before a client's AT reply and read back when the node starts, so a node killed with
//! -9 (or a whole herd restarted) comes back with what it had, and catch-up only fills the gap.
//!
//! Writes go through one thread a node, which commits everything that arrived meanwhile in one
//! transaction (group commit: one fsync for many records), then tells each waiting client. A
//! record from a neighbour is written the same way, but nobody waits for it: the node that took
//! the client's IAMAT has it on its own disk before it answers.
//!
//! A disk that fails (full, or an I/O error) never turns into a silent loss. A client whose
//! record could not be written gets no AT (the node answers `?`, which it may retry), and while
//! the store is *failing* the node refuses IAMATs the same way. What could not be written is
//! kept back in memory (the newest record of each client), and the writer tries again every
//! `RETRY_EVERY`, reopening the database (redb takes no write after an I/O error until it is
//! reopened), until the disk takes writes again; then the store is healthy, and says so. What is
//! kept back dies with the node, as it would with its process: a revived node reads the disk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use redb::{Database, ReadableTable, TableDefinition};
use tokio::sync::oneshot;

use crate::cache::Entry;
use crate::event::Via;
use crate::journal::Report;
use crate::protocol::Record;
use crate::topology::NodeName;

mod create;
mod snapshot;
pub use snapshot::{copy_file, held_open};

/// How long neighbours' records gather before a commit that no client waits for.
const GATHER: Duration = Duration::from_millis(10);
/// How often a failing store tries the disk again.
pub const RETRY_EVERY: Duration = Duration::from_millis(500);

/// Client ID -> (hops, the neighbour it came from or "" from a client, the AT line).
const RECORDS: TableDefinition<&str, (u32, &str, &str)> = TableDefinition::new("records");
/// One row, rewritten to learn whether a failing disk takes writes again when no record waits.
const PROBE: TableDefinition<&str, u64> = TableDefinition::new("probe");

struct Write {
    record: Arc<Record>,
    hops: u32,
    via: Via,
    /// Fires once the record is on the disk; dropped unsent when writing it failed.
    durable: Option<oneshot::Sender<()>>,
}

/// What the writer thread is asked to do, in the order asked.
enum Job {
    Write(Write),
    /// Everything on the disk (a node starting); what was kept back is forgotten.
    Load(mpsc::SyncSender<Result<Vec<Entry>, DiskError>>),
    /// Forget every record (a walkthrough's `reset`).
    Clear(mpsc::SyncSender<Result<(), DiskError>>),
    /// Copy every record on the disk into a new file (`herdctl snapshot`).
    Snapshot(PathBuf, mpsc::SyncSender<Result<usize, DiskError>>),
}

#[derive(Debug, thiserror::Error)]
#[error("cannot open {path}: {source}{}", self.hint())]
pub struct StoreError {
    path: PathBuf,
    source: DiskError,
}

impl StoreError {
    /// What to do, where the cause says it: only another process can hold the store's lock.
    fn hint(&self) -> &'static str {
        match &*self.source.0 {
            DiskFailure::Redb(redb::Error::DatabaseAlreadyOpen) => " (is another herdctl using this --data-dir?)",
            DiskFailure::Redb(redb::Error::Io(error)) if error.kind() == std::io::ErrorKind::InvalidData => {
                " (it is not a herdctl store: move it away, or give another --data-dir)"
            }
            _ => "",
        }
    }
}

/// redb's error (boxed: it is large, and travels through every result here), or the writer
/// thread gone.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DiskError(Box<DiskFailure>);

#[derive(Debug, thiserror::Error)]
enum DiskFailure {
    #[error(transparent)]
    Redb(redb::Error),
    #[error("the store's writer has stopped")]
    WriterGone,
}

macro_rules! disk_error_from {
    ($($kind:ty),*) => {$(
        impl From<$kind> for DiskError {
            fn from(error: $kind) -> Self {
                Self(Box::new(DiskFailure::Redb(error.into())))
            }
        }
    )*};
}

disk_error_from!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    std::io::Error
);

impl DiskError {
    fn writer_gone() -> Self {
        Self(Box::new(DiskFailure::WriterGone))
    }
}

/// How a store's disk is doing: read by the node (to refuse an IAMAT it could not keep), by
/// `/readyz` and by the metrics.
#[derive(Debug, Default)]
pub struct Health {
    failing: AtomicBool,
    /// Commits that failed, since the store opened.
    failures: AtomicU64,
    /// Records waiting in memory for the disk to take writes again.
    kept_back: AtomicUsize,
    /// Why the disk failed last, while it fails.
    reason: Mutex<Option<String>>,
    /// Where the writer records how long each commit took (`--metrics`): set once, read by the
    /// writer thread with one atomic load, and recorded into without a lock.
    commit_times: std::sync::OnceLock<metrics::Histogram>,
}

impl Health {
    /// Whether the disk refused the last write (and has not taken one since).
    pub fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Acquire)
    }

    /// Why, while it is failing.
    pub fn reason(&self) -> Option<String> {
        self.reason.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Commits that failed since the store opened.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Records waiting in memory for the disk.
    pub fn kept_back(&self) -> usize {
        self.kept_back.load(Ordering::Relaxed)
    }

    /// From now on, how long each commit takes (written or failed) is recorded into `times`
    /// (`herdctl_store_commit_seconds`). Only the first call counts.
    pub fn time_commits(&self, times: metrics::Histogram) {
        let _ = self.commit_times.set(times);
    }

    fn commit_took(&self, took: Duration) {
        if let Some(times) = self.commit_times.get() {
            times.record(took.as_secs_f64());
        }
    }
}

/// Opens the database: the file at a path, or (in tests) a backend that can be made to fail.
pub type Opener = Box<dyn Fn() -> Result<Database, DiskError> + Send>;

/// One node's store. Dropping it writes out what is queued and closes the database.
pub struct Store {
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<JoinHandle<()>>,
    health: Arc<Health>,
    name: String,
    /// The folder the file is in (none for a store opened some other way, in tests).
    dir: Option<PathBuf>,
}

impl Store {
    /// Opens (or creates) `dir/<node>.redb`.
    pub fn open(dir: &Path, node: &str, report: Report) -> Result<Self, StoreError> {
        let path = dir.join(format!("{node}.redb"));
        let fail = |source: DiskError| StoreError { path: path.clone(), source };
        if dir.exists() && !dir.is_dir() {
            let why = std::io::Error::other(format!("{} is not a folder: give --data-dir a folder", dir.display()));
            return Err(fail(why.into()));
        }
        std::fs::create_dir_all(dir).map_err(|error| fail(error.into()))?;
        let (file, told) = (path.clone(), report.clone());
        let opener: Opener = Box::new(move || create::open_or_create(&file, &told));
        let mut store = Self::open_with(opener, &format!("{node}.redb"), report).map_err(fail)?;
        store.dir = Some(dir.to_path_buf());
        Ok(store)
    }

    /// Opens a store whose database `opener` opens (again after each failure).
    pub fn open_with(opener: Opener, name: &str, report: Report) -> Result<Self, DiskError> {
        let database = opener()?;
        // The table exists from the start, so that reading an empty store is not an error.
        let setup = database.begin_write()?;
        setup.open_table(RECORDS)?;
        setup.commit()?;
        let (jobs, queue) = mpsc::channel();
        let health = Arc::new(Health::default());
        let writer = Writer {
            opener,
            database: Some(database),
            name: name.to_string(),
            report,
            health: health.clone(),
            kept_back: HashMap::new(),
            tried: None,
        };
        let writer = std::thread::Builder::new().name("herdctl-store".into()).spawn(move || writer.run(&queue))?;
        Ok(Self { jobs: Some(jobs), writer: Some(writer), health, name: name.to_string(), dir: None })
    }

    /// The file's name, for messages (`Riley.redb`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How the disk is doing.
    pub fn health(&self) -> &Arc<Health> {
        &self.health
    }

    /// Everything on the disk, in client order. A node starting reads this; what was kept back
    /// in memory is forgotten, as a process that died would have forgotten it.
    pub fn load(&self) -> Result<Vec<Entry>, DiskError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.send(Job::Load(reply));
        answer.recv().unwrap_or_else(|_| Err(DiskError::writer_gone()))
    }

    /// Forgets every record (a walkthrough's `reset`: every node restarts empty).
    pub fn clear(&self) -> Result<(), DiskError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.send(Job::Clear(reply));
        answer.recv().unwrap_or_else(|_| Err(DiskError::writer_gone()))
    }

    /// Writes a consistent copy of the store as `file` in its folder (a bare name ending in
    /// `.redb`, not there yet): every record committed before it, so every acknowledged one.
    /// Returns the copy's path and how many records it holds. Blocks while the writer copies.
    pub fn snapshot(&self, file: &str) -> Result<(PathBuf, usize), String> {
        let dir = self.dir.as_ref().ok_or("this store has no folder")?;
        let plain = Path::new(file).file_name().is_some_and(|name| name == file);
        if !plain || !file.ends_with(".redb") || file == self.name {
            return Err(format!("{file:?}: a snapshot is a new file name ending in .redb, in the store's folder"));
        }
        let out = dir.join(file);
        if out.exists() {
            return Err(format!("{} is there already", out.display()));
        }
        let (reply, answer) = mpsc::sync_channel(1);
        self.send(Job::Snapshot(out.clone(), reply));
        let copied = answer.recv().unwrap_or_else(|_| Err(DiskError::writer_gone()));
        copied.map(|count| (out, count)).map_err(|error| format!("cannot copy {}: {error}", self.name))
    }

    /// Queues `record` for the disk; the receiver fires once it is there, and fails (its sender
    /// dropped) if it could not be written.
    pub fn write(&self, record: &Arc<Record>, hops: u32, via: &Via) -> oneshot::Receiver<()> {
        let (durable, receiver) = oneshot::channel();
        self.send(Job::Write(Write { record: record.clone(), hops, via: via.clone(), durable: Some(durable) }));
        receiver
    }

    /// Queues `record` for the disk; nobody waits for it.
    pub fn keep(&self, record: &Arc<Record>, hops: u32, via: &Via) {
        self.send(Job::Write(Write { record: record.clone(), hops, via: via.clone(), durable: None }));
    }

    fn send(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            // The writer lives as long as the store; a failed send drops the job's reply, which
            // its waiter takes as a failure.
            let _ = jobs.send(job);
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Closing the queue ends the writer once it has written what was queued.
        self.jobs.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// The writer thread's state: the database (none between a failure and its reopening) and what
/// waits for the disk to come back.
struct Writer {
    opener: Opener,
    database: Option<Database>,
    name: String,
    report: Report,
    health: Arc<Health>,
    /// The newest record of each client that could not be written yet.
    kept_back: HashMap<Arc<str>, Write>,
    /// When the disk was last tried.
    tried: Option<std::time::Instant>,
}

impl Writer {
    /// Waits for jobs and does them in order, committing the writes that arrived together in
    /// one transaction; while the disk fails, tries again every `RETRY_EVERY`.
    fn run(mut self, queue: &mpsc::Receiver<Job>) {
        loop {
            let first = if self.health.is_failing() {
                match queue.recv_timeout(RETRY_EVERY) {
                    Ok(job) => Some(job),
                    Err(mpsc::RecvTimeoutError::Timeout) => None,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match queue.recv() {
                    Ok(job) => Some(job),
                    Err(_) => break,
                }
            };
            let mut batch = Vec::new();
            let mut waited_for = false;
            for job in first.into_iter().chain(queue.try_iter()) {
                match job {
                    Job::Write(write) => {
                        waited_for |= write.durable.is_some();
                        batch.push(write);
                    }
                    Job::Load(reply) => {
                        self.write(std::mem::take(&mut batch));
                        let _ = reply.send(self.load());
                    }
                    Job::Clear(reply) => {
                        self.write(std::mem::take(&mut batch));
                        let _ = reply.send(self.clear());
                    }
                    Job::Snapshot(out, reply) => {
                        // What was asked before the snapshot is in it.
                        self.write(std::mem::take(&mut batch));
                        let _ = reply.send(self.database().and_then(|database| snapshot::copy(database, &out)));
                    }
                }
            }
            let healthy = self.write(batch);
            // Nobody waited: let the next neighbours' records gather for 10 ms, so a busy node
            // commits (and wakes this thread) about a hundred times a second, not once a
            // record. A client's record is never held back this way.
            if healthy && !waited_for {
                std::thread::sleep(GATHER);
            }
        }
        // Closed: one last try for what is still kept back.
        if !self.kept_back.is_empty() {
            self.write(Vec::new());
        }
    }

    /// Writes `batch` and whatever was kept back, in one transaction; tells each waiting client
    /// whether its record is on the disk. Returns whether the disk took it.
    fn write(&mut self, batch: Vec<Write>) -> bool {
        let failing = self.health.is_failing();
        if batch.is_empty() && !failing {
            return true;
        }
        // A failing disk is tried again at most every `RETRY_EVERY` (each try reopens the
        // database); what comes meanwhile waits with what was kept back.
        if failing && self.tried.is_some_and(|tried| tried.elapsed() < RETRY_EVERY) {
            for mut write in batch {
                write.durable = None;
                self.keep_back(write);
            }
            self.health.kept_back.store(self.kept_back.len(), Ordering::Relaxed);
            return false;
        }
        self.tried = Some(std::time::Instant::now());
        let mut all: Vec<Write> = self.kept_back.drain().map(|(_, write)| write).collect();
        all.extend(batch);
        match self.commit(&all) {
            Ok(()) => {
                for write in all {
                    if let Some(durable) = write.durable {
                        let _ = durable.send(());
                    }
                }
                self.recovered();
                true
            }
            Err(error) => {
                // Failing before anyone hears of it: a client told `?` that retries at once finds
                // the store failing.
                self.failed(&error);
                for mut write in all {
                    // The client hears now that its record is not on the disk (a dropped sender).
                    write.durable = None;
                    self.keep_back(write);
                }
                self.health.kept_back.store(self.kept_back.len(), Ordering::Relaxed);
                false
            }
        }
    }

    fn keep_back(&mut self, write: Write) {
        let client: Arc<str> = write.record.client().into();
        let newer = self.kept_back.get(&client).is_none_or(|kept| write.record.supersedes_line(kept.record.line()));
        if newer {
            self.kept_back.insert(client, write);
        }
    }

    /// The database, reopened if a failure closed it.
    fn database(&mut self) -> Result<&Database, DiskError> {
        if self.database.is_none() {
            let database = (self.opener)()?;
            let setup = database.begin_write()?;
            setup.open_table(RECORDS)?;
            setup.commit()?;
            self.database = Some(database);
        }
        self.database.as_ref().ok_or_else(DiskError::writer_gone)
    }

    /// Writes a batch in one transaction. A record replaces the stored one of its client only
    /// if it is newer: writes of one client can reach the queue out of order from different
    /// tasks. With nothing to write (a failing disk, nothing kept back), rewrites the probe row.
    fn commit(&mut self, batch: &[Write]) -> Result<(), DiskError> {
        let started = std::time::Instant::now();
        let result = (|| {
            let database = self.database()?;
            let mut transaction = database.begin_write()?;
            // A client waits only on the node that took its IAMAT; neighbours' copies need no
            // fsync of their own (a later synced commit, or that node's disk, covers them), which
            // halves the cost.
            if batch.iter().all(|write| write.durable.is_none()) {
                transaction.set_durability(redb::Durability::Eventual);
            }
            if batch.is_empty() {
                let mut probe = transaction.open_table(PROBE)?;
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                probe.insert("last", now.as_secs())?;
            }
            {
                let mut table = transaction.open_table(RECORDS)?;
                for write in batch {
                    let client = write.record.client();
                    let newer = match table.get(client)? {
                        Some(stored) => write.record.supersedes_line(stored.value().2),
                        None => true,
                    };
                    if newer {
                        let via = match &write.via {
                            Via::Client => "",
                            Via::Peer(peer) => peer,
                        };
                        table.insert(client, (write.hops, via, write.record.line()))?;
                    }
                }
            }
            transaction.commit()?;
            Ok(())
        })();
        self.health.commit_took(started.elapsed());
        if result.is_err() {
            // redb refuses every write after an I/O error until the database is opened again.
            self.database = None;
        }
        result
    }

    fn failed(&mut self, error: &DiskError) {
        let health = &self.health;
        health.failures.fetch_add(1, Ordering::Relaxed);
        *health.reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(error.to_string());
        if !health.failing.swap(true, Ordering::AcqRel) {
            (self.report)(&format!(
                "{}: cannot write records ({error}); IAMATs are answered `?` until the disk takes writes again (tried every {} ms)",
                self.name,
                RETRY_EVERY.as_millis()
            ));
        }
    }

    fn recovered(&mut self) {
        let health = &self.health;
        let kept_back = health.kept_back.swap(0, Ordering::Relaxed);
        *health.reason.lock().unwrap_or_else(|p| p.into_inner()) = None;
        if health.failing.swap(false, Ordering::AcqRel) {
            (self.report)(&format!(
                "{}: records are written again ({kept_back} kept back meanwhile are on the disk now)",
                self.name
            ));
        }
    }

    fn load(&mut self) -> Result<Vec<Entry>, DiskError> {
        self.kept_back.clear();
        self.health.kept_back.store(0, Ordering::Relaxed);
        let database = self.database()?;
        let read = database.begin_read()?;
        let table = read.open_table(RECORDS)?;
        let mut kept = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            let (hops, via, line) = value.value();
            // Lines were valid when stored; one that is not (a store from another version) is
            // skipped rather than trusted.
            let Some(record) = Record::parse(line) else { continue };
            let via = if via.is_empty() { Via::Client } else { Via::Peer(NodeName::from(via)) };
            kept.push(Entry { record: Arc::new(record), hops, via });
        }
        Ok(kept)
    }

    fn clear(&mut self) -> Result<(), DiskError> {
        self.kept_back.clear();
        self.health.kept_back.store(0, Ordering::Relaxed);
        let result = (|| {
            let database = self.database()?;
            let transaction = database.begin_write()?;
            transaction.delete_table(RECORDS)?;
            transaction.open_table(RECORDS)?;
            transaction.commit()?;
            Ok(())
        })();
        if result.is_err() {
            self.database = None;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(client: &str, time: &str) -> Arc<Record> {
        Arc::new(Record::parse(&format!("AT Riley +0.000000001 {client} +1+1 {time}")).unwrap())
    }

    fn quiet() -> Report {
        Arc::new(|_: &str| {})
    }

    #[tokio::test]
    async fn what_was_written_is_read_back_after_a_restart_newest_of_each_client() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path(), "Riley", quiet()).unwrap();
            store.write(&record("kiwi", "5"), 0, &Via::Client).await.unwrap();
            // Out of order: an older record after a newer one changes nothing.
            store.keep(&record("kiwi", "4"), 1, &Via::Peer("Jaquez".into()));
            store.write(&record("lemon", "7"), 2, &Via::Peer("Juzang".into())).await.unwrap();
        }
        let store = Store::open(dir.path(), "Riley", quiet()).unwrap();
        let kept = store.load().unwrap();
        let lines: Vec<(&str, u32, &Via)> = kept.iter().map(|k| (k.record.line(), k.hops, &k.via)).collect();
        assert_eq!(
            lines,
            [
                ("AT Riley +0.000000001 kiwi +1+1 5", 0, &Via::Client),
                ("AT Riley +0.000000001 lemon +1+1 7", 2, &Via::Peer("Juzang".into())),
            ]
        );
    }

    #[test]
    fn a_store_in_use_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Store::open(dir.path(), "Riley", quiet()).unwrap();
        let Err(error) = Store::open(dir.path(), "Riley", quiet()) else { panic!("opened twice") };
        assert!(error.to_string().ends_with("(is another herdctl using this --data-dir?)"), "{error}");
        // Another failure gets no such guess.
        let file = dir.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        let Err(error) = Store::open(&file, "Riley", quiet()) else { panic!("a file is no folder") };
        assert!(!error.to_string().contains("another herdctl"), "{error}");
        assert!(error.to_string().contains("is not a folder: give --data-dir a folder"), "{error}");
        // A file of someone else's where the store would be is left alone, and said to be one.
        std::fs::write(dir.path().join("Jaquez.redb"), "my notes\n").unwrap();
        let Err(error) = Store::open(dir.path(), "Jaquez", quiet()) else { panic!("opened notes") };
        assert!(
            error.to_string().ends_with("(it is not a herdctl store: move it away, or give another --data-dir)"),
            "{error}"
        );
    }

    /// A file that refuses to grow while `full` is set, as a full disk does.
    #[derive(Debug)]
    struct Fillable {
        file: redb::backends::FileBackend,
        full: Arc<AtomicBool>,
    }

    impl Fillable {
        fn refuse(&self) -> Result<(), std::io::Error> {
            match self.full.load(Ordering::Acquire) {
                true => Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device")),
                false => Ok(()),
            }
        }
    }

    impl redb::StorageBackend for Fillable {
        fn len(&self) -> Result<u64, std::io::Error> {
            self.file.len()
        }
        fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>, std::io::Error> {
            self.file.read(offset, len)
        }
        fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
            if len > self.file.len()? {
                self.refuse()?;
            }
            self.file.set_len(len)
        }
        fn sync_data(&self, eventual: bool) -> Result<(), std::io::Error> {
            self.file.sync_data(eventual)
        }
        fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
            self.refuse()?;
            self.file.write(offset, data)
        }
    }

    /// A store on `path` whose disk fills while `full` is set, telling what it reports.
    fn fillable(path: &Path, full: &Arc<AtomicBool>, said: &Arc<Mutex<Vec<String>>>) -> Store {
        let (path, full) = (path.to_path_buf(), full.clone());
        let opener: Opener = Box::new(move || {
            let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
            let backend = Fillable { file: redb::backends::FileBackend::new(file)?, full: full.clone() };
            Ok(redb::Builder::new().create_with_backend(backend)?)
        });
        let said = said.clone();
        let report: Report = Arc::new(move |text: &str| said.lock().unwrap().push(text.to_string()));
        Store::open_with(opener, "Solo.redb", report).unwrap()
    }

    /// Polls (at most ten seconds) until `condition` holds.
    fn eventually(condition: impl Fn() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !condition() {
            assert!(std::time::Instant::now() < deadline, "never came to hold");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[tokio::test]
    async fn a_full_disk_acknowledges_nothing_it_did_not_write_and_writes_again_when_space_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Solo.redb");
        let (full, said) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(Vec::new())));
        let store = fillable(&path, &full, &said);
        store.write(&record("before", "1"), 0, &Via::Client).await.expect("written while there is room");

        full.store(true, Ordering::Release);
        let refused = store.write(&record("during", "2"), 0, &Via::Client).await;
        assert!(refused.is_err(), "a record the disk refused is not acknowledged");
        assert!(store.health().is_failing());
        assert!(store.health().reason().unwrap().contains("No space left on device"));
        // A neighbour's record waits in memory with it.
        store.keep(&record("from-a-neighbour", "3"), 1, &Via::Peer("Jaquez".into()));
        eventually(|| store.health().kept_back() == 2);
        assert!(said.lock().unwrap()[0].starts_with("Solo.redb: cannot write records"), "{said:?}");

        // Space comes back: the store notices by itself, without a new record.
        full.store(false, Ordering::Release);
        eventually(|| !store.health().is_failing());
        assert_eq!(said.lock().unwrap().len(), 2, "told once when it failed and once when it recovered");
        assert!(said.lock().unwrap()[1].contains("records are written again (2 kept back"), "{said:?}");
        store.write(&record("after", "4"), 0, &Via::Client).await.expect("written once there is room again");
        assert!(store.health().failures() >= 1);
        drop(store);

        let store = Store::open(dir.path(), "Solo", quiet()).unwrap();
        let clients: Vec<String> = store.load().unwrap().iter().map(|k| k.record.client().to_string()).collect();
        assert_eq!(clients, ["after", "before", "during", "from-a-neighbour"]);
    }

    #[tokio::test]
    async fn what_a_failing_disk_kept_back_dies_with_the_node() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Solo.redb");
        let (full, said) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(Vec::new())));
        let store = fillable(&path, &full, &said);
        store.write(&record("before", "1"), 0, &Via::Client).await.unwrap();
        full.store(true, Ordering::Release);
        assert!(store.write(&record("during", "2"), 0, &Via::Client).await.is_err());
        // The node restarts (a revive reads the disk), before the disk has room again.
        let refused = store.load().map(|kept| kept.len());
        assert!(refused.is_err(), "a disk that cannot be read back says so: {refused:?}");
        assert_eq!(store.health().kept_back(), 0);
        full.store(false, Ordering::Release);
        eventually(|| !store.health().is_failing());
        let clients: Vec<String> = store.load().unwrap().iter().map(|k| k.record.client().to_string()).collect();
        assert_eq!(clients, ["before"], "nothing the restarted node did not know was written behind its back");
    }

    #[tokio::test]
    async fn many_writes_at_once_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path(), "Riley", quiet()).unwrap());
        let waits: Vec<_> =
            (0..2_000).map(|i| store.write(&record(&format!("c{i:04}"), "5"), 0, &Via::Client)).collect();
        for wait in waits {
            wait.await.unwrap();
        }
        assert_eq!(store.load().unwrap().len(), 2_000);
    }
}
