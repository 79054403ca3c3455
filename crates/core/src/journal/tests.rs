//! The journal against disks that work, fail, and stall.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::*;

/// What a journal told, in order.
fn reports() -> (Report, Arc<Mutex<Vec<String>>>) {
    let told = Arc::new(Mutex::new(Vec::new()));
    let sink = told.clone();
    (Arc::new(move |text: &str| sink.lock().unwrap().push(text.to_string())), told)
}

/// A disk: what reached it, and how it behaves.
#[derive(Clone, Default)]
struct Disk {
    written: Arc<Mutex<Vec<u8>>>,
    /// Bytes accepted before it fails (`None`: never fails).
    fails_after: Option<usize>,
    /// Writes that fail once it fails; then it works again.
    failures: Arc<Mutex<usize>>,
    /// Closed: every write waits until it opens.
    gate: Arc<(Mutex<bool>, Condvar)>,
}

impl Disk {
    fn open_gate(&self) {
        *self.gate.0.lock().unwrap() = true;
        self.gate.1.notify_all();
    }

    fn text(&self) -> String {
        String::from_utf8(self.written.lock().unwrap().clone()).unwrap()
    }
}

impl Target for Disk {}

impl Write for Disk {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut open = self.gate.0.lock().unwrap();
        while !*open {
            open = self.gate.1.wait(open).unwrap();
        }
        let mut written = self.written.lock().unwrap();
        let mut take = bytes.len();
        if let Some(limit) = self.fails_after {
            let room = limit.saturating_sub(written.len());
            let mut failures = self.failures.lock().unwrap();
            if room == 0 && *failures > 0 {
                *failures -= 1;
                return Err(io::Error::new(io::ErrorKind::StorageFull, "No space left on device"));
            }
            if *failures > 0 {
                take = take.min(room);
            }
        }
        written.extend_from_slice(&bytes[..take]);
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn open_disk() -> Disk {
    let disk = Disk::default();
    disk.open_gate();
    disk
}

fn line(journal: &Journal, text: &str) {
    journal.line(|out| {
        let _ = writeln!(out, "{text}");
    });
}

#[test]
fn stamps_are_rfc3339_with_microseconds() {
    let mut out = Vec::new();
    write_stamp(&mut out);
    let text = String::from_utf8(out).unwrap();
    assert_eq!((text.len(), &text[10..11], &text[26..]), (27, "T", "Z"), "{text}");
}

#[test]
fn every_line_reaches_the_file_in_order_by_the_time_the_guard_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (report, told) = reports();
    let (journal, guard) = open(dir.path(), "Riley", report, LogSettings::default()).unwrap();
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let journal = journal.clone();
            std::thread::spawn(move || {
                for i in 0..10_000 {
                    line(&journal, &format!("thread {t} line {i}"));
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
    assert!(told.lock().unwrap().is_empty(), "nothing to tell: {:?}", told.lock().unwrap());
}

#[test]
fn a_failing_disk_is_retried_from_the_byte_where_it_stopped_and_the_trouble_is_told() {
    // The disk fills in the middle of a line, refuses five writes, then has room again.
    let disk = Disk { fails_after: Some(1000), failures: Arc::new(Mutex::new(5)), ..open_disk() };
    let (report, told) = reports();
    let (journal, guard) =
        start(disk.clone(), "Riley.log".into(), Policy::default(), report, LogSettings::default()).unwrap();
    for i in 0..200 {
        line(&journal, &format!("line {i} of a log that outlives a full disk"));
    }
    drop(guard);
    let text = disk.text();
    let expected: Vec<String> = (0..200).map(|i| format!("line {i} of a log that outlives a full disk")).collect();
    assert_eq!(text.lines().collect::<Vec<_>>(), expected, "every line, whole, once, in order");
    let told = told.lock().unwrap();
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[0].starts_with("Riley.log: cannot write the log (No space left on device)"), "{told:?}");
    assert_eq!(told[1], "Riley.log: the log is written again");
}

#[test]
fn a_stalled_disk_holds_a_node_up_for_a_bounded_wait_then_its_lines_are_counted() {
    let disk = Disk::default(); // gate closed: every write waits
    let policy = Policy {
        most_buffered: 64 * 1024,
        wait_for_disk: Duration::from_millis(50),
        shutdown_bound: Duration::from_secs(5),
    };
    let (report, told) = reports();
    let (journal, guard) = start(disk.clone(), "Riley.log".into(), policy, report, LogSettings::default()).unwrap();
    // A node writing 1 MB of log: it must get through, not wait on the disk for ever.
    let (finished, done) = mpsc::channel();
    let node = journal.clone();
    std::thread::spawn(move || {
        for i in 0..10_000 {
            line(&node, &format!("line {i:05} {}", "x".repeat(80)));
        }
        let _ = finished.send(());
    });
    done.recv_timeout(Duration::from_secs(60)).expect("the node got through its lines");
    assert!(
        told.lock().unwrap().iter().any(|t| t.contains("lines are counted, not kept")),
        "{:?}",
        told.lock().unwrap()
    );
    // The disk comes back; the next line says where lines are missing, and how many.
    disk.open_gate();
    let started = Instant::now();
    while journal.shared.lock().held() > policy.most_buffered / 2 {
        assert!(started.elapsed() < Duration::from_secs(60), "the writer never caught up");
        std::thread::yield_now();
    }
    line(&journal, "after");
    drop(guard);
    let text = disk.text();
    assert!(text.ends_with("after\n"), "{}", &text[text.len().saturating_sub(200)..]);
    let kept = text.lines().filter(|l| l.starts_with("line ")).count();
    let note = text.lines().find(|l| l.contains(" log: ")).expect("a line says what is missing");
    let lost: usize = note.split(" log: ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
    assert_eq!(kept + lost, 10_000, "every line kept or counted: {note}");
    assert!(lost > 0 && kept > 0);
    assert_eq!(journal.dropped(), lost as u64, "the metric counts what the file says is missing");
    assert!(text.lines().all(|l| l.starts_with("line ") || l.contains(" log: ") || l == "after"), "no torn line");
}

#[test]
fn shutdown_gives_up_on_a_stalled_disk_after_its_bound_and_says_so() {
    let disk = Disk::default(); // never opens
    let policy = Policy { shutdown_bound: Duration::from_millis(200), ..Policy::default() };
    let (report, told) = reports();
    let (journal, guard) = start(disk, "Riley.log".into(), policy, report, LogSettings::default()).unwrap();
    line(&journal, "a line the disk never takes");
    let (finished, done) = mpsc::channel();
    std::thread::spawn(move || {
        drop(guard);
        let _ = finished.send(());
    });
    done.recv_timeout(Duration::from_secs(60)).expect("shutdown finished");
    let told = told.lock().unwrap();
    assert!(
        told.iter().any(|t| t.starts_with("Riley.log: gave up on the log after 200ms: 28 bytes not written")),
        "{told:?}"
    );
}

/// Waits (with a deadline) until `done` holds.
fn until(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(60), "never: {what}");
        std::thread::yield_now();
    }
}

#[test]
fn past_its_bound_the_file_is_rotated_between_lines_keeping_the_count_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (report, told) = reports();
    let settings = LogSettings { rotation: Some(Rotation { max_bytes: 4096, keep: 2 }), ..LogSettings::default() };
    let (journal, guard) = open(dir.path(), "Riley", report, settings).unwrap();
    for i in 0..2000 {
        line(&journal, &format!("line {i:05} {}", "x".repeat(40)));
    }
    drop(guard);
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    let (current, older, oldest) = (read("Riley.log"), read("Riley.log.1"), read("Riley.log.2"));
    assert!(!dir.path().join("Riley.log.3").exists(), "two kept, no more");
    let listed: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(!older.is_empty() && !oldest.is_empty(), "{listed:?} {}", current.len());
    for text in [&current, &older, &oldest] {
        assert!(text.lines().all(|l| l.len() == 51 && l.starts_with("line ")), "only whole lines");
    }
    // The newest lines are in the current file, and the files follow each other.
    let numbers = |text: &str| text.lines().map(|l| l[5..10].parse::<usize>().unwrap()).collect::<Vec<_>>();
    let all: Vec<usize> = [numbers(&oldest), numbers(&older), numbers(&current)].concat();
    assert_eq!(all.last(), Some(&1999));
    assert!(all.windows(2).all(|w| w[1] == w[0] + 1), "in order, none missing between files");
    // A file is rotated once past its bound, which it outgrows by one line at most.
    assert!((4096..4096 + 51).contains(&older.len()), "{}", older.len());
    assert!(told.lock().unwrap().is_empty(), "{:?}", told.lock().unwrap());
}

#[test]
fn reopen_writes_on_to_a_new_file_at_the_path_after_the_old_one_was_moved() {
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = reports();
    let (journal, guard) = open(dir.path(), "Riley", report, LogSettings::default()).unwrap();
    let path = dir.path().join("Riley.log");
    line(&journal, "before");
    until("the first line is written", || std::fs::read_to_string(&path).unwrap_or_default().contains("before"));
    std::fs::rename(&path, dir.path().join("Riley.log.moved")).unwrap();
    line(&journal, "still to the moved file");
    guard.reopen();
    until("a new file is made", || path.exists());
    line(&journal, "after");
    drop(guard);
    let moved = std::fs::read_to_string(dir.path().join("Riley.log.moved")).unwrap();
    let new = std::fs::read_to_string(&path).unwrap();
    assert!(moved.starts_with("before\n") && !moved.contains("after"), "{moved}");
    assert!(new.ends_with("after\n") && !new.contains("before"), "{new}");
    assert_eq!(format!("{moved}{new}").lines().count(), 3, "every line once: {moved}{new}");
}
