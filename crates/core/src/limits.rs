//! What a node may hold open for its clients (how many, how many from one address, for how long
//! idle), and the process's open-file limit that bounds them: a node must never run out of file
//! descriptors for its peer links, its log or the places service because clients took them all.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The client limits of every node of a herd (`--max-clients`, `--max-per-source`,
/// `--idle-timeout`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientLimits {
    /// Open client connections per node; more are closed as soon as they are accepted.
    pub most: usize,
    /// Open client connections from one address per node (0: no limit). Loopback is not
    /// limited: the machine's own tools (tests, `herdctl load`) are trusted like its user.
    pub per_source: usize,
    /// A client that sends nothing for this long is disconnected; `None` keeps idle clients, as
    /// the original servers did.
    pub idle: Option<Duration>,
}

impl Default for ClientLimits {
    fn default() -> Self {
        Self { most: 10_000, per_source: 1_000, idle: None }
    }
}

impl ClientLimits {
    /// Whether connections from `addr` count against `per_source`.
    pub fn limits_source(&self, addr: IpAddr) -> bool {
        self.per_source > 0 && !addr.is_loopback()
    }
}

/// Open client connections from each address, for `ClientLimits::per_source`.
pub struct Sources {
    most: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl Sources {
    pub fn new(most: usize) -> Self {
        Self { most, open: Mutex::default() }
    }

    /// Counts a connection from `ip`; false (and not counted) when it already has its share.
    pub fn open(&self, ip: IpAddr) -> bool {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_default();
        if *count >= self.most {
            return false;
        }
        *count += 1;
        true
    }

    /// A connection counted by `open` closed.
    pub fn close(&self, ip: IpAddr) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&ip);
            }
        }
    }
}

/// File descriptors a node needs besides its clients: two listening sockets, a dialled and an
/// accepted socket per neighbour, its log file, and the places service's pooled connections.
pub fn reserved_per_node(neighbours: usize) -> u64 {
    2 + 2 * neighbours as u64 + 1 + 16
}

/// File descriptors the process needs besides its nodes: stdio, the console's terminal and log,
/// the runtime's own, a trace being written, and slack.
pub const RESERVED_FOR_PROCESS: u64 = 64;

/// Raises the open-file limit to the hard limit; returns the limit now in force, if the
/// platform has one.
pub fn raise_open_files() -> Option<u64> {
    #[cfg(unix)]
    {
        rlimit::increase_nofile_limit(u64::MAX).ok()
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// How many clients the nodes of this process can hold at once, together: what the open-file
/// limit leaves once every node's reserve and the process's are set aside. `None`: no limit known.
pub fn clients_that_fit(limit: Option<u64>, reserved: u64) -> Option<usize> {
    let free = limit?.saturating_sub(reserved + RESERVED_FOR_PROCESS);
    Some(usize::try_from(free).unwrap_or(usize::MAX))
}

/// The client connections open in this process, against what its open-file limit allows. Shared
/// by its nodes, so that one busy node may use what quiet ones leave, and peer links, logs and
/// places always keep their descriptors.
#[derive(Debug)]
pub struct ProcessClients {
    most: usize,
    open: AtomicUsize,
}

impl ProcessClients {
    pub fn new(most: usize) -> Self {
        Self { most, open: AtomicUsize::new(0) }
    }

    /// Counts a connection; false (and not counted) when the process has no room for it.
    pub fn open(&self) -> bool {
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.most {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        true
    }

    pub fn close(&self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
    }

    /// The most this process holds.
    pub fn most(&self) -> usize {
        self.most
    }
}

/// A connection's place at a port of its own cap (`open` of at most `most`) and in the
/// process's budget: the HTTP ports and the control ports take one per connection, and give it
/// back when it drops.
pub struct PortPlace {
    open: std::sync::Arc<AtomicUsize>,
    budget: std::sync::Arc<ProcessClients>,
}

impl PortPlace {
    /// A place, or `None` when the port holds `most` already or the process has no room.
    pub fn take(
        open: &std::sync::Arc<AtomicUsize>,
        most: usize,
        budget: &std::sync::Arc<ProcessClients>,
    ) -> Option<Self> {
        if open.fetch_add(1, Ordering::AcqRel) >= most {
            open.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        if !budget.open() {
            open.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Self { open: open.clone(), budget: budget.clone() })
    }
}

impl Drop for PortPlace {
    fn drop(&mut self) {
        self.budget.close();
        self.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_get_what_the_open_file_limit_leaves_after_the_reserves() {
        let reserved = 5 * reserved_per_node(2);
        let fitted = clients_that_fit(Some(1024), reserved).unwrap();
        assert_eq!(fitted, 1024 - reserved as usize - 64);
        assert_eq!(clients_that_fit(Some(10), reserved), Some(0), "nothing left");
        assert_eq!(clients_that_fit(None, reserved), None, "no limit known");
        let process = ProcessClients::new(2);
        assert!(process.open() && process.open() && !process.open(), "no more than fit");
        process.close();
        assert!(process.open());
    }

    #[test]
    fn one_address_gets_its_share_and_no_more() {
        let sources = Sources::new(2);
        let (one, other) = ("192.0.2.7".parse().unwrap(), "192.0.2.8".parse().unwrap());
        assert!(sources.open(one) && sources.open(one));
        assert!(!sources.open(one), "a third from the same address");
        assert!(sources.open(other), "another address is not held back");
        sources.close(one);
        assert!(sources.open(one), "a place freed is a place again");
        assert!(!sources.open(one));
    }

    #[test]
    fn loopback_is_not_limited_by_source() {
        let limits = ClientLimits::default();
        assert!(!limits.limits_source("127.0.0.1".parse().unwrap()));
        assert!(!limits.limits_source("::1".parse().unwrap()));
        assert!(limits.limits_source("192.0.2.7".parse().unwrap()));
        assert!(!ClientLimits { per_source: 0, ..limits }.limits_source("192.0.2.7".parse().unwrap()));
    }
}
