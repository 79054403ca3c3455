//! Whether a server's processes are at work: a thread of its process group running, waiting to
//! run, or in an uninterruptible wait (from Linux's /proc). A line herdctl handed a server wakes
//! it at once, so a server still busy with it has not settled yet even if it has said nothing for
//! a while, as happens on a loaded machine, where it may wait long for a core.

use std::path::Path;

/// Whether any thread of a process in group `group` runs, waits to run, or waits on the disk.
pub fn group_busy(group: i32) -> bool {
    let Ok(processes) = std::fs::read_dir("/proc") else { return false };
    processes.filter_map(Result::ok).any(|entry| {
        let path = entry.path();
        let is_pid = entry.file_name().to_str().is_some_and(|name| name.bytes().all(|b| b.is_ascii_digit()));
        is_pid && stat_of(&path.join("stat")).is_some_and(|(_, pgrp)| pgrp == group) && any_thread_busy(&path)
    })
}

fn any_thread_busy(process: &Path) -> bool {
    let Ok(threads) = std::fs::read_dir(process.join("task")) else { return false };
    threads
        .filter_map(Result::ok)
        .any(|thread| stat_of(&thread.path().join("stat")).is_some_and(|(state, _)| busy_state(state)))
}

/// `R` runs or waits for a core, `D` waits on the disk: neither has settled.
fn busy_state(state: char) -> bool {
    matches!(state, 'R' | 'D')
}

/// A `stat` file's state and process group: the fields after the command's closing parenthesis
/// (the command itself may hold spaces and parentheses).
fn stat_of(path: &Path) -> Option<(char, i32)> {
    let text = std::fs::read_to_string(path).ok()?;
    parse_stat(&text)
}

fn parse_stat(text: &str) -> Option<(char, i32)> {
    let after = &text[text.rfind(')')? + 1..];
    let mut fields = after.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _parent = fields.next()?;
    let group = fields.next()?.parse().ok()?;
    Some((state, group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_gives_its_state_and_group_whatever_the_command_is_called() {
        assert_eq!(parse_stat("4242 (python3) S 1 4242 4242 0 -1"), Some(('S', 4242)));
        assert_eq!(parse_stat("77 (a (b) c) R 5 70 70 0 -1"), Some(('R', 70)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn a_spinning_group_is_busy_and_a_sleeping_one_is_not() {
        use std::os::unix::process::CommandExt;
        let start = |script: &str| {
            std::process::Command::new("sh").args(["-c", script]).process_group(0).spawn().expect("sh runs")
        };
        let mut sleeping = start("exec sleep 30");
        let mut spinning = start("while :; do :; done");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        // The sleeper is asleep once it has started; a spinning shell is always at work.
        let sleeping_group = sleeping.id() as i32;
        while group_busy(sleeping_group) {
            assert!(std::time::Instant::now() < deadline, "sleep never went to sleep");
            std::thread::yield_now();
        }
        assert!(group_busy(spinning.id() as i32), "a loop that never waits is busy");
        for child in [&mut sleeping, &mut spinning] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
