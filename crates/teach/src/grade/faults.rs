//! Faults: a server killed (the others still answer and flood around it), a server revived (it
//! gets new reports; whether it catches up on old ones is reported, never failed: the course
//! does not ask for it), a link cut (the flood goes round).

use super::client::{self, record_at};
use super::flood::everywhere;
use super::shape::{detour, origin, victim};
use super::{Bench, Finding};
use crate::operator::SEEN_WITHIN;

/// The server reports go to and a server that can die without splitting the rest, or why the
/// topology has none.
fn pair(bench: &Bench, finding: &mut Finding) -> Option<(String, String)> {
    let topology = bench.herd.topology();
    let origin = origin(topology)?;
    match victim(topology, &origin) {
        Some(victim) if topology.names().len() > 2 => Some((origin.to_string(), victim.to_string())),
        _ => {
            finding.skip("the topology has no server whose death leaves two or more others connected");
            None
        }
    }
}

/// Kills `node`, and waits until its neighbours have seen it go.
async fn kill(bench: &Bench, finding: &mut Finding, node: &str) -> bool {
    finding.sent(node, "(killed)");
    if let Err(error) = bench.herd.kill(node).await {
        finding.fail(format!("cannot kill {node}: {error}"));
        return false;
    }
    bench.herd.wait_settled(&bench.herd.ends_of(node), SEEN_WITHIN).await;
    true
}

/// Sends an IAMAT of `client` to `node`; its AT line.
async fn report(bench: &Bench, finding: &mut Finding, node: &str, client: &str) -> Option<String> {
    let line = client::iamat(client, -1);
    finding.sent(node, &line);
    match client::report(bench, node, &line).await {
        Ok(at) => Some(at),
        Err(why) => {
            finding.fail(why);
            None
        }
    }
}

pub async fn kill_one(bench: &Bench, finding: &mut Finding) {
    let Some((origin, victim)) = pair(bench, finding) else { return };
    if !kill(bench, finding, &victim).await {
        return;
    }
    finding.expect(format!("with {victim} dead, {origin} answers and every other server learns the report"));
    let Some(at) = report(bench, finding, &origin, "grade-lemon").await else { return };
    match everywhere(bench, "grade-lemon", &at, &[&victim]).await {
        Ok(()) => finding.got(format!("every server but {victim} knew it")),
        Err(why) => finding.fail(why),
    }
}

pub async fn revive(bench: &Bench, finding: &mut Finding) {
    let Some((origin, victim)) = pair(bench, finding) else { return };
    if !kill(bench, finding, &victim).await {
        return;
    }
    let Some(old) = report(bench, finding, &origin, "grade-old").await else { return };
    finding.sent(&victim, "(revived)");
    if let Err(error) = bench.herd.revive(&victim).await {
        return finding.fail(format!("cannot revive {victim}: {error}"));
    }
    bench.herd.wait_settled(&bench.herd.ends_of(&victim), SEEN_WITHIN).await;
    bench.settle().await;
    finding.expect(format!("a report made after {victim} came back reaches it"));
    let Some(new) = report(bench, finding, &origin, "grade-new").await else { return };
    if let Err(why) = everywhere(bench, "grade-new", &new, &[]).await {
        return finding.fail(why);
    }
    finding.got(format!("{victim} learned the new report"));
    let caught_up = record_at(bench, &victim, "grade-old").await.is_ok_and(|found| found == old);
    finding.notes.push(match caught_up {
        true => format!("{victim} caught up on grade-old, reported while it was down"),
        false => format!(
            "{victim} did not catch up on grade-old, reported while it was down (the course does not ask it to)"
        ),
    });
}

pub async fn cut(bench: &Bench, finding: &mut Finding) {
    if !bench.sees_messages {
        return finding.skip("herdctl cannot cut links between these servers (they share the machine's network)");
    }
    let topology = bench.herd.topology().clone();
    let Some(origin) = origin(&topology) else { return };
    let Some(far) = detour(&topology, &origin) else {
        return finding.skip(format!("no link of {origin} lies on a cycle: there is nothing to route around"));
    };
    finding.sent(&origin, &format!("(link {origin}–{far} cut)"));
    if let Err(error) = bench.herd.cut(&origin, &far) {
        return finding.fail(format!("cannot cut {origin}–{far}: {error}"));
    }
    let ends = [(origin.clone(), far.clone()), (far.clone(), origin.clone())];
    bench.herd.wait_settled(&ends, SEEN_WITHIN).await;
    finding.expect(format!("with {origin}–{far} cut, the report still reaches every server, {far} the long way"));
    let Some(at) = report(bench, finding, &origin, "grade-cut").await else { return };
    match everywhere(bench, "grade-cut", &at, &[]).await {
        Ok(()) => finding.got(format!("every server knew it, {far} too")),
        Err(why) => finding.fail(why),
    }
}
