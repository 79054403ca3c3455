//! One moment of a recording in words (`herdctl replay FILE --headless --at 2.5s`): each node's
//! cache and the state of every link, for people and for scripts that compare them.

use std::fmt::Write as _;
use std::time::Duration;

use super::World;
use crate::moment::Moment;
use herdctl_core::cache::PageStart;
use herdctl_core::event::Via;
use herdctl_core::network::Mode;

/// `world`, the moment `at` of a recording `length` long after `events` of its `total` events.
pub fn describe(world: &World, at: Duration, length: Duration, (events, total): (usize, usize)) -> String {
    let mut out = String::new();
    let held = world.held();
    let mode = match world.mode() {
        Mode::Step => format!("step, {} held", held.len()),
        mode => mode.to_string(),
    };
    let _ = writeln!(
        out,
        "at {:.3}s of {:.3}s (after {events} of {total} events) · mode {mode}",
        at.as_secs_f64(),
        length.as_secs_f64()
    );
    let status = world.status();
    let _ = writeln!(out, "\nnodes:");
    for node in &status {
        if !node.up {
            let _ = writeln!(out, "  {} down", node.name);
            continue;
        }
        let clients = if node.clients == 1 { "1 client".to_string() } else { format!("{} clients", node.clients) };
        let _ = writeln!(out, "  {} up, {clients}", node.name);
        for entry in world.cache_page(&node.name, &PageStart::First, usize::MAX) {
            let via = match &entry.via {
                Via::Client => "from the client".to_string(),
                Via::Peer(peer) => format!("from {peer}, hop {}", entry.hops),
            };
            let _ = writeln!(out, "    {}  ({via})", entry.record.line());
        }
    }
    let _ = writeln!(out, "\nlinks:");
    let up = |a: &str, b: &str| status.iter().any(|n| &*n.name == a && n.links.iter().any(|(n, up)| &**n == b && *up));
    for (a, b) in world.topology().links() {
        let mut said = vec![
            match (up(&a, &b), up(&b, &a)) {
                (true, true) => "up",
                (false, false) => "down",
                _ => "half up",
            }
            .to_string(),
        ];
        match (world.is_cut_from(&a, &b), world.is_cut_from(&b, &a)) {
            (true, true) => said.push("cut".into()),
            (true, false) => said.push(format!("cut one way ({a}>{b})")),
            (false, true) => said.push(format!("cut one way ({b}>{a})")),
            (false, false) => {}
        }
        let delay = world.delay(&a, &b);
        if !delay.base.is_zero() {
            said.push(format!("latency {delay}"));
        }
        let loss = (world.loss(&a, &b) * 100.0).round();
        if loss > 0.0 {
            said.push(format!("loses {loss}%"));
        }
        let _ = writeln!(out, "  {a}–{b}: {}", said.join(", "));
    }
    if !held.is_empty() {
        let _ = writeln!(out, "\nheld:");
        for held in &held {
            let _ = writeln!(out, "  {held}");
        }
    }
    out
}
