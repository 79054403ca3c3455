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
    let (journal, guard) = open(dir.path(), "Riley", report).unwrap();
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
    let (journal, guard) = start(disk.clone(), "Riley.log".into(), Policy::default(), report).unwrap();
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
    let (journal, guard) = start(disk.clone(), "Riley.log".into(), policy, report).unwrap();
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
    assert!(text.lines().all(|l| l.starts_with("line ") || l.contains(" log: ") || l == "after"), "no torn line");
}

#[test]
fn shutdown_gives_up_on_a_stalled_disk_after_its_bound_and_says_so() {
    let disk = Disk::default(); // never opens
    let policy = Policy { shutdown_bound: Duration::from_millis(200), ..Policy::default() };
    let (report, told) = reports();
    let (journal, guard) = start(disk, "Riley.log".into(), policy, report).unwrap();
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
