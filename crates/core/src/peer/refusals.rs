//! Refused peer connections, told once: a misconfigured neighbour (a wrong herd key, an old
//! topology) redials four times a second for ever, and a line for each would bury the log. The
//! first refusal of a kind from an address is logged; repeats are counted and said in one line
//! a minute while they go on.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a refusal that keeps coming is said again, with its count.
const RETELL_EVERY: Duration = Duration::from_secs(60);
/// Addresses remembered at most: a scan from many addresses must not grow the node.
const MOST_ADDRESSES: usize = 1024;

struct Told {
    reason: String,
    at: Instant,
    /// Refusals since it was last said.
    untold: u64,
}

#[derive(Default)]
pub struct Refusals {
    told: Mutex<HashMap<IpAddr, Told>>,
}

impl Refusals {
    /// A connection from `from` was refused for `reason`. Returns what to log, if anything.
    pub fn refused(&self, from: IpAddr, reason: &str, now: Instant) -> Option<String> {
        let mut told = self.told.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(last) = told.get_mut(&from) {
            if last.reason == reason {
                if now.duration_since(last.at) < RETELL_EVERY {
                    last.untold += 1;
                    return None;
                }
                let text = format!("{reason} (again: {} times since it was last logged)", last.untold + 1);
                (last.at, last.untold) = (now, 0);
                return Some(text);
            }
        }
        if told.len() >= MOST_ADDRESSES {
            told.clear();
        }
        told.insert(from, Told { reason: reason.to_string(), at: now, untold: 0 });
        Some(reason.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_told_once_then_counted_once_a_minute() {
        let refusals = Refusals::default();
        let (here, there) = ("127.0.0.1".parse().unwrap(), "10.0.0.1".parse().unwrap());
        let start = Instant::now();
        assert_eq!(refusals.refused(here, "wrong herd key", start).as_deref(), Some("wrong herd key"));
        for i in 1..240 {
            assert_eq!(refusals.refused(here, "wrong herd key", start + Duration::from_millis(250 * i)), None);
        }
        // Another address, or another reason, is news.
        assert!(refusals.refused(there, "wrong herd key", start).is_some());
        let later = start + RETELL_EVERY + Duration::from_secs(1);
        assert_eq!(
            refusals.refused(here, "wrong herd key", later).as_deref(),
            Some("wrong herd key (again: 240 times since it was last logged)")
        );
        assert_eq!(refusals.refused(here, "wrong herd key", later), None);
        assert!(refusals.refused(here, "Jaquez is not a neighbour of Riley", later).is_some());
    }
}
