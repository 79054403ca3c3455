//! Opening a node's file so that a kill during its creation never leaves one that redb refuses.
//! redb writes a new file's magic number last, once the rest is on disk, and refuses for ever a
//! file that has bytes but no magic number ("invalid data"): a node killed -9 while it created
//! its store the first time could then never start again. So a new file is made beside its
//! place and renamed into it once complete, and a file left unfinished by an older herdctl (no
//! magic number: its creation never ended, so it never held a record) is made again.

use std::io::Read;
use std::path::{Path, PathBuf};

use redb::Database;

use super::DiskError;
use crate::journal::Report;

/// The bytes every finished redb file starts with.
const MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// Opens the database at `path`, creating it (whole, or not at all) if it is not there.
pub(super) fn open_or_create(path: &Path, report: &Report) -> Result<Database, DiskError> {
    let cut_short = || {
        report(&format!(
            "{}: its creation was cut short before it held any record (the node was stopped while it made the file); making it again",
            path.display()
        ))
    };
    if unfinished(path)? {
        cut_short();
        std::fs::remove_file(path)?;
    }
    if !path.exists() {
        let beside = beside(path);
        // Left by a creation cut short: it never held a record.
        if beside.exists() {
            cut_short();
            std::fs::remove_file(&beside)?;
        }
        drop(Database::create(&beside)?);
        std::fs::rename(&beside, path)?;
        // The new name is on the disk before any record is acknowledged in the file (a power
        // cut could otherwise lose the name, and with it every record written since).
        #[cfg(unix)]
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::File::open(dir)?.sync_all()?;
        }
    }
    Ok(Database::create(path)?)
}

/// Whether the file at `path` has bytes but never got its magic number: zeros where the number
/// goes. A file that starts with anything else is not taken for one (it is someone's other
/// file, and redb refuses it with a reason).
fn unfinished(path: &Path) -> Result<bool, DiskError> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    let mut start = Vec::with_capacity(MAGIC.len());
    (&mut file).take(MAGIC.len() as u64).read_to_end(&mut start)?;
    Ok(!start.is_empty() && start != MAGIC && start.iter().all(|byte| *byte == 0))
}

/// Where a new file is made before it takes its place.
fn beside(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".creating");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn told() -> (Report, Arc<Mutex<Vec<String>>>) {
        let said = Arc::new(Mutex::new(Vec::new()));
        let into = said.clone();
        (Arc::new(move |line: &str| into.lock().unwrap().push(line.to_string())), said)
    }

    #[test]
    fn a_file_whose_creation_was_cut_short_is_made_again_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Jaquez.redb");
        // What a kill leaves between redb's resize and its magic number: zeros.
        std::fs::write(&path, vec![0u8; 4096]).unwrap();
        assert!(Database::create(&path).is_err(), "redb itself refuses such a file");
        let (report, said) = told();
        let database = open_or_create(&path, &report).unwrap();
        drop(database);
        assert_eq!(std::fs::read(&path).unwrap()[..MAGIC.len()], MAGIC);
        let said = said.lock().unwrap();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].contains("cut short"), "{said:?}");
    }

    #[test]
    fn someone_elses_file_is_left_alone_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Riley.redb");
        std::fs::write(&path, "my notes, not a database\n").unwrap();
        let (report, said) = told();
        assert!(open_or_create(&path, &report).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "my notes, not a database\n");
        assert!(said.lock().unwrap().is_empty());
    }

    #[test]
    fn a_creation_cut_short_beside_the_file_is_cleared_and_the_new_file_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Riley.redb");
        std::fs::write(beside(&path), vec![0u8; 100]).unwrap();
        let (report, said) = told();
        drop(open_or_create(&path, &report).unwrap());
        assert!(!beside(&path).exists());
        assert_eq!(std::fs::read(&path).unwrap()[..MAGIC.len()], MAGIC);
        let said = said.lock().unwrap();
        assert!(said.len() == 1 && said[0].contains("cut short"), "said once: {said:?}");
    }
}
