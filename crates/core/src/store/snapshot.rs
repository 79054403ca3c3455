//! Consistent copies of a store (`herdctl snapshot`): every record of one read transaction
//! written into a new database file, which a node started on it reads as its own. A running
//! node's writer makes the copy between its commits (so it holds every acknowledged record); a
//! stopped node's file is copied by whoever opens it.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableTable};

use super::{DiskError, RECORDS};

/// Copies every record of `database` (one read transaction: one moment) into a new file at
/// `out`, written beside it first and renamed into place only once complete, so that `out` is
/// never a half-written store. Returns how many records it holds.
pub(super) fn copy(database: &Database, out: &Path) -> Result<usize, DiskError> {
    let read = database.begin_read()?;
    let records = read.open_table(RECORDS)?;
    let partial = partial(out);
    let _ = std::fs::remove_file(&partial);
    let written = (|| {
        let copy = Database::create(&partial)?;
        let write = copy.begin_write()?;
        let mut count = 0;
        {
            let mut table = write.open_table(RECORDS)?;
            for row in records.iter()? {
                let (client, value) = row?;
                table.insert(client.value(), value.value())?;
                count += 1;
            }
        }
        write.commit()?;
        Ok::<_, DiskError>(count)
    })();
    match written {
        Ok(count) => {
            std::fs::rename(&partial, out)?;
            Ok(count)
        }
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}

/// Copies the store at `file`, which no process may hold open (a stopped node's).
pub fn copy_file(file: &Path, out: &Path) -> Result<usize, DiskError> {
    let database = Database::open(file)?;
    copy(&database, out)
}

/// Whether `error` says that another process holds the store open (a running node).
pub fn held_open(error: &DiskError) -> bool {
    matches!(&*error.0, super::DiskFailure::Redb(redb::Error::DatabaseAlreadyOpen))
}

fn partial(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}
