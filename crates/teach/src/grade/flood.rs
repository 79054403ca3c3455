//! Flooding: a report reaches every server, crosses no link twice, goes only to neighbours, and
//! the newest report of a client wins everywhere while an older one changes nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use herdctl_core::event::{EventKind, HerdEvent};
use tokio::sync::broadcast::{Receiver, error::TryRecvError};

use super::client::{self, learns, record_at};
use super::shape::origin;
use super::{Bench, Finding, LEARN_WITHIN};

/// Waits until every server but `except` answers about `client` with `at`; the ones that never
/// did, with what they answered instead.
pub(super) async fn everywhere(bench: &Bench, client: &str, at: &str, except: &[&str]) -> Result<(), String> {
    let names = bench.names();
    let waits = names.iter().filter(|name| !except.contains(&&***name)).map(|name| async move {
        learns(bench, name, client, at, LEARN_WITHIN).await.map_err(|why| format!("{name}: {why}"))
    });
    let missing: Vec<String> =
        futures_util::future::join_all(waits).await.into_iter().filter_map(Result::err).collect();
    if missing.is_empty() { Ok(()) } else { Err(missing.join("; ")) }
}

/// Reports `client` at the first server and returns it and the AT line it got.
async fn report_at_origin(bench: &Bench, finding: &mut Finding, client: &str, offset: i64) -> Option<(String, String)> {
    let node = origin(bench.herd.topology())?.to_string();
    let line = client::iamat(client, offset);
    finding.sent(&node, &line);
    match client::report(bench, &node, &line).await {
        Ok(at) => Some((node, at)),
        Err(why) => {
            finding.fail(why);
            None
        }
    }
}

pub async fn reach(bench: &Bench, finding: &mut Finding) {
    let Some((_, at)) = report_at_origin(bench, finding, "grade-reach", -1).await else { return };
    finding.expect(format!("every server answers WHATSAT grade-reach with {at:?} within {} s", LEARN_WITHIN.as_secs()));
    match everywhere(bench, "grade-reach", &at, &[]).await {
        Ok(()) => finding.got("every server knew it"),
        Err(why) => finding.fail(why),
    }
}

/// Every event the herd has told `events` since it subscribed.
fn drain(events: &mut Receiver<Arc<HerdEvent>>, lagged: &mut bool) -> Vec<Arc<HerdEvent>> {
    let mut all = Vec::new();
    loop {
        match events.try_recv() {
            Ok(event) => all.push(event),
            Err(TryRecvError::Lagged(_)) => *lagged = true,
            Err(_) => return all,
        }
    }
}

/// Why a check of what crosses between servers cannot run on this herd.
fn unseen(bench: &Bench, finding: &mut Finding) -> bool {
    if !bench.sees_messages {
        finding.skip("herdctl cannot see what these servers send each other (they share the machine's network)");
    }
    !bench.sees_messages
}

pub async fn once(bench: &Bench, finding: &mut Finding) {
    if unseen(bench, finding) {
        return;
    }
    let mut events = bench.herd.subscribe();
    let Some((_, at)) = report_at_origin(bench, finding, "grade-once", -1).await else { return };
    finding.expect("the record crosses each link (each way) at most once");
    // The whole flood, then its rest: a copy sent on late is counted too.
    if let Err(why) = everywhere(bench, "grade-once", &at, &[]).await {
        finding.notes.push(format!("the record did not reach every server: {why}"));
    }
    bench.settle().await;
    let mut lagged = false;
    let mut crossings: BTreeMap<(String, String), usize> = BTreeMap::new();
    for event in drain(&mut events, &mut lagged) {
        if let EventKind::FloodSent { to, record, catch_up: false, .. } = &event.kind {
            if record.line() == at {
                *crossings.entry((event.node.to_string(), to.to_string())).or_default() += 1;
            }
        }
    }
    let twice: Vec<String> =
        crossings.iter().filter(|(_, n)| **n > 1).map(|((a, b), n)| format!("{a}→{b} {n} times")).collect();
    if !twice.is_empty() {
        return finding.fail(format!("{at:?} crossed {}", twice.join(", ")));
    }
    if crossings.is_empty() {
        return finding.skip("no AT line crossed between the servers (does their own protocol wrap it?)");
    }
    let total: usize = crossings.values().sum();
    finding.got(format!(
        "{total} crossings over {} links, each once{}",
        crossings.len(),
        if lagged { " (some events missed)" } else { "" }
    ));
}

pub async fn neighbours_only(bench: &Bench, finding: &mut Finding) {
    if unseen(bench, finding) {
        return;
    }
    let mut events = bench.herd.subscribe();
    let Some((_, at)) = report_at_origin(bench, finding, "grade-near", -1).await else { return };
    finding.expect("each server connects and sends only to its neighbours in the topology");
    if let Err(why) = everywhere(bench, "grade-near", &at, &[]).await {
        finding.notes.push(format!("the record did not reach every server: {why}"));
    }
    bench.settle().await;
    let topology = bench.herd.topology().clone();
    // A connection to a stranger, or a record sent to one.
    let mut strays = std::collections::BTreeSet::new();
    for event in drain(&mut events, &mut false) {
        match &event.kind {
            EventKind::Stray { to } => strays.insert(format!("{}→{to}", event.node)),
            EventKind::FloodSent { to, .. } if !topology.are_neighbours(&event.node, to) => {
                strays.insert(format!("{}→{to}", event.node))
            }
            _ => false,
        };
    }
    match strays.is_empty() {
        true => finding.got("no server talked to a server that is not its neighbour"),
        false => finding.fail(format!(
            "connections between servers that are not neighbours in the topology: {}",
            strays.into_iter().collect::<Vec<_>>().join(", ")
        )),
    }
}

pub async fn newer_wins(bench: &Bench, finding: &mut Finding) {
    let names = bench.names();
    let Some((_, newer)) = report_at_origin(bench, finding, "grade-pear", -10).await else { return };
    if let Err(why) = everywhere(bench, "grade-pear", &newer, &[]).await {
        finding.expect(format!("every server answers with {newer:?}"));
        return finding.fail(why);
    }
    let other = names.last().map(|name| name.to_string()).unwrap_or_default();
    let older = client::iamat("grade-pear", -20);
    finding.sent(&other, &older);
    finding
        .expect(format!("the older report is answered but changes nothing: every server still answers with {newer:?}"));
    if let Err(why) = client::report(bench, &other, &older).await {
        return finding.fail(why);
    }
    bench.settle().await;
    for name in &names {
        match record_at(bench, name, "grade-pear").await {
            Ok(found) if found == newer => {}
            Ok(found) => return finding.fail(format!("{name} answered with the older {found:?}")),
            Err(why) => return finding.fail(why),
        }
    }
    let newest = client::iamat("grade-pear", -5);
    finding.sent(&other, &newest);
    let newest = match client::report(bench, &other, &newest).await {
        Ok(at) => at,
        Err(why) => return finding.fail(why),
    };
    finding.expect(format!("then a newer report wins: every server answers with {newest:?}"));
    match everywhere(bench, "grade-pear", &newest, &[]).await {
        Ok(()) => finding.got("the older report changed nothing, the newer one reached every server"),
        Err(why) => finding.fail(why),
    }
}
