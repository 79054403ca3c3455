//! A node's records on disk (`--data-dir DIR`): one redb database a node (`DIR/<Node>.redb`),
//! written before a client's AT reply and read back when the node starts, so a node killed with
//! -9 (or a whole herd restarted) comes back with what it had, and catch-up only fills the gap.
//!
//! Writes go through one thread a node, which commits everything that arrived meanwhile in one
//! transaction (group commit: one fsync for many records), then tells each waiting client. A
//! record from a neighbour is written the same way, but nobody waits for it: the node that took
//! the client's IAMAT has it on its own disk before it answers.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use redb::{Database, ReadableTable, TableDefinition};
use tokio::sync::oneshot;

use crate::event::Via;
use crate::journal::Report;
use crate::protocol::Record;
use crate::topology::NodeName;

/// How long neighbours' records gather before a commit that no client waits for.
const GATHER: std::time::Duration = std::time::Duration::from_millis(10);

/// Client ID -> (hops, the neighbour it came from or "" from a client, the AT line).
const RECORDS: TableDefinition<&str, (u32, &str, &str)> = TableDefinition::new("records");

/// A record read back from the disk, with how it had arrived.
pub struct Kept {
    pub record: Arc<Record>,
    pub hops: u32,
    pub via: Via,
}

struct Write {
    record: Arc<Record>,
    hops: u32,
    via: Via,
    /// Fires once the record is on the disk (dropped if writing failed).
    durable: Option<oneshot::Sender<()>>,
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
        match *self.source.0 {
            redb::Error::DatabaseAlreadyOpen => " (is another herdctl using this --data-dir?)",
            _ => "",
        }
    }
}

/// redb's error, boxed: it is large, and travels through every result here.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DiskError(Box<redb::Error>);

macro_rules! disk_error_from {
    ($($kind:ty),*) => {$(
        impl From<$kind> for DiskError {
            fn from(error: $kind) -> Self {
                Self(Box::new(error.into()))
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

/// One node's store. Dropping it writes out what is queued and closes the database.
pub struct Store {
    writes: Option<mpsc::Sender<Write>>,
    writer: Option<JoinHandle<()>>,
    database: Arc<Database>,
}

impl Store {
    /// Opens (or creates) `dir/<node>.redb`.
    pub fn open(dir: &Path, node: &str, report: Report) -> Result<Self, StoreError> {
        let path = dir.join(format!("{node}.redb"));
        let fail = |source: DiskError| StoreError { path: path.clone(), source };
        std::fs::create_dir_all(dir).map_err(|error| fail(error.into()))?;
        let database = Arc::new(Database::create(&path).map_err(|error| fail(error.into()))?);
        // The table exists from the start, so that reading an empty store is not an error.
        let setup = database.begin_write().map_err(|error| fail(error.into()))?;
        setup.open_table(RECORDS).map_err(|error| fail(error.into()))?;
        setup.commit().map_err(|error| fail(error.into()))?;
        let (writes, queue) = mpsc::channel();
        let writer = {
            let (database, name) = (database.clone(), format!("{node}.redb"));
            std::thread::Builder::new()
                .name("herdctl-store".into())
                .spawn(move || write_out(&database, &queue, &name, &report))
                .map_err(|error| fail(error.into()))?
        };
        Ok(Self { writes: Some(writes), writer: Some(writer), database })
    }

    /// Everything the node had, in client order.
    pub fn load(&self) -> Result<Vec<Kept>, DiskError> {
        let read = self.database.begin_read()?;
        let table = read.open_table(RECORDS)?;
        let mut kept = Vec::new();
        for entry in table.iter()? {
            let (_, value) = entry?;
            let (hops, via, line) = value.value();
            // Lines were valid when stored; one that is not (a store from another version) is
            // skipped rather than trusted.
            let Some(record) = Record::parse(line) else { continue };
            let via = if via.is_empty() { Via::Client } else { Via::Peer(NodeName::from(via)) };
            kept.push(Kept { record: Arc::new(record), hops, via });
        }
        Ok(kept)
    }

    /// Forgets every record (a walkthrough's `reset`: every node restarts empty).
    pub fn clear(&self) -> Result<(), DiskError> {
        let transaction = self.database.begin_write()?;
        transaction.delete_table(RECORDS)?;
        transaction.open_table(RECORDS)?;
        transaction.commit()?;
        Ok(())
    }

    /// Queues `record` for the disk; the receiver fires once it is there.
    pub fn write(&self, record: &Arc<Record>, hops: u32, via: &Via) -> oneshot::Receiver<()> {
        let (durable, receiver) = oneshot::channel();
        self.send(Write { record: record.clone(), hops, via: via.clone(), durable: Some(durable) });
        receiver
    }

    /// Queues `record` for the disk; nobody waits for it.
    pub fn keep(&self, record: &Arc<Record>, hops: u32, via: &Via) {
        self.send(Write { record: record.clone(), hops, via: via.clone(), durable: None });
    }

    fn send(&self, write: Write) {
        if let Some(writes) = &self.writes {
            // The writer lives as long as the store; a failed send only drops the wait.
            let _ = writes.send(write);
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Closing the queue ends the writer once it has written what was queued.
        self.writes.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// The writer: waits for a record, takes every other one queued meanwhile, commits them in one
/// transaction, then tells whoever waits.
fn write_out(database: &Database, queue: &mpsc::Receiver<Write>, name: &str, report: &Report) {
    let mut failing = false;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter());
        let waited_for = batch.iter().any(|write| write.durable.is_some());
        match commit(database, &batch) {
            Ok(()) => {
                if std::mem::take(&mut failing) {
                    report(&format!("{name}: records are written again"));
                }
                for write in batch {
                    if let Some(durable) = write.durable {
                        let _ = durable.send(());
                    }
                }
                // Nobody waited: let the next neighbours' records gather for 10 ms, so a
                // busy node commits (and wakes this thread) about a hundred times a second, not
                // once a record. A client's record is never held back this way.
                if !waited_for {
                    std::thread::sleep(GATHER);
                }
            }
            Err(error) => {
                // The waits end without the record on disk (dropped senders): the node answers
                // from memory, as without --data-dir, and the operator is told.
                if !std::mem::replace(&mut failing, true) {
                    report(&format!("{name}: cannot write records ({error}); answering from memory only"));
                }
            }
        }
    }
}

/// Writes a batch in one transaction. A record replaces the stored one of its client only if it
/// is newer: writes of one client can reach the queue out of order from different tasks.
fn commit(database: &Database, batch: &[Write]) -> Result<(), DiskError> {
    let mut transaction = database.begin_write()?;
    // A client waits only on the node that took its IAMAT; neighbours' copies need no fsync of
    // their own (a later synced commit, or that node's disk, covers them), which halves the cost.
    if batch.iter().all(|write| write.durable.is_none()) {
        transaction.set_durability(redb::Durability::Eventual);
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
