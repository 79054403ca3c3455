//! What the process itself uses, for the metrics (`process_*`, the names Prometheus's own
//! clients use): resident memory and open files from Linux's /proc, CPU time from getrusage on
//! any Unix. Where a figure cannot be read it is left out, never shown as 0.

/// Resident memory, open file descriptors, CPU seconds (user and system), as far as known.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProcessStats {
    pub resident_bytes: Option<u64>,
    pub open_fds: Option<u64>,
    pub cpu_seconds: Option<f64>,
}

/// The process's figures now.
pub fn now() -> ProcessStats {
    ProcessStats { resident_bytes: resident_bytes(), open_fds: open_fds(), cpu_seconds: cpu_seconds() }
}

/// `VmRSS` of /proc/self/status, in kB there (no page size to look up).
#[cfg(target_os = "linux")]
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|line| line.strip_prefix("VmRSS:"))?;
    let kilobytes: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kilobytes * 1024)
}

#[cfg(not(target_os = "linux"))]
fn resident_bytes() -> Option<u64> {
    None
}

#[cfg(target_os = "linux")]
fn open_fds() -> Option<u64> {
    // The listing itself holds one descriptor open while it is read: not the process's own.
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count().saturating_sub(1) as u64)
}

#[cfg(not(target_os = "linux"))]
fn open_fds() -> Option<u64> {
    None
}

#[cfg(unix)]
fn cpu_seconds() -> Option<f64> {
    use nix::sys::resource::{UsageWho, getrusage};
    use nix::sys::time::TimeValLike;
    let usage = getrusage(UsageWho::RUSAGE_SELF).ok()?;
    let micros = usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
    Some(micros as f64 / 1e6)
}

#[cfg(not(unix))]
fn cpu_seconds() -> Option<f64> {
    None
}

#[cfg(test)]
mod tests {
    #[cfg(target_os = "linux")]
    #[test]
    fn the_figures_of_this_process_are_read_and_follow_what_it_does() {
        let before = super::now();
        let rss = before.resident_bytes.expect("VmRSS is read");
        assert!(rss > 1 << 20, "a test process holds more than a MiB: {rss}");
        // Files opened are descriptors counted (other tests' threads may open or close theirs).
        let files: Vec<_> = (0..64).map(|_| std::fs::File::open("/proc/self/status").unwrap()).collect();
        let with_files = super::now().open_fds.expect("/proc/self/fd is listed");
        assert!(with_files >= files.len() as u64, "{with_files}");
        // CPU time only grows, and work makes it grow.
        let start = std::time::Instant::now();
        while super::now().cpu_seconds <= before.cpu_seconds {
            assert!(start.elapsed().as_secs() < 60, "CPU time never moved: {:?}", before.cpu_seconds);
        }
    }
}
