//! A walkthrough played without a terminal: each step and what came of it, written as lines.

use std::io::Write;
use std::sync::Arc;

use super::{Player, Report, Script, Step};
use crate::operator::{LINKED_WITHIN, Outcome};
use crate::schedule::Told;
use herdctl_core::herd::Herd;

/// What a headless walkthrough prints for `show`: each node's clients, a line each (with a client
/// named, that client's record at each, or that it has none).
pub(crate) fn listing(moment: &dyn crate::moment::Moment, nodes: &[String], client: Option<&str>) -> String {
    let mut out = String::new();
    for node in nodes {
        if let Some(client) = client {
            let known = match moment.cache_entry(node, client) {
                Some(entry) => format!("{client} at {} from {}", entry.record.coords(), entry.record.server()),
                None => format!("no record of {client}"),
            };
            out.push_str(&format!("\n     │   {node}: {known}"));
            continue;
        }
        let entries = moment.cache_page(node, &herdctl_core::cache::PageStart::First, 10);
        let clients: Vec<String> = entries
            .iter()
            .map(|entry| {
                format!("{} at {} from {}", entry.record.client(), entry.record.coords(), entry.record.server())
            })
            .collect();
        let known = if clients.is_empty() { "knows no client".to_string() } else { clients.join(", ") };
        out.push_str(&format!("\n     │   {node}: {known}"));
    }
    out
}

/// Writes what one step came to, as a headless walkthrough tells it; `listing` writes `show`.
pub(crate) fn print_outcome(
    out: &mut impl Write,
    step: &Step,
    outcome: &Outcome,
    listing: impl Fn(&[String], Option<&str>) -> String,
) {
    let line = step.line;
    let _ = match outcome {
        Outcome::Said(text) => writeln!(out, "{line:>4} │ » {text}"),
        Outcome::Asked(text) => writeln!(out, "{line:>4} │ ? {text}"),
        Outcome::Noted(text) => writeln!(out, "{line:>4} │ · {text}"),
        Outcome::Section(title) => writeln!(out, "{line:>4} │ ── {title} ──"),
        Outcome::Show { nodes, client } => {
            writeln!(out, "{line:>4} │ {}{}", step.text, listing(nodes, client.as_deref()))
        }
        Outcome::Highlight(_) | Outcome::Track(_) => writeln!(out, "{line:>4} │ {}", step.text),
        Outcome::Done(text) => writeln!(out, "{line:>4} │ {}: {text}", step.text),
        Outcome::Reply { reply, .. } => {
            writeln!(out, "{line:>4} │ {}\n     │   {}", step.text, reply.trim_end().replace('\n', "\n     │   "))
        }
        Outcome::Answers { answers, .. } => {
            let table = crate::outcome::answers_table(answers);
            writeln!(out, "{line:>4} │ {}\n     │   {}", step.text, table.replace('\n', "\n     │   "))
        }
        Outcome::Checked { held: true, text } => writeln!(out, "{line:>4} │ ✓ {text}"),
        Outcome::Checked { held: false, text } | Outcome::Refused(text) => {
            writeln!(out, "{line:>4} │ ✗ {}: {text}", step.text)
        }
    };
}

/// Writes what scheduled work did: each line under the step it ran beside; a missed `at` fails.
fn tell_scheduled(told: Vec<Told>, script: &Script, report: &mut Report, out: &mut impl Write) {
    for told in told {
        let _ = match told {
            Told::Did(text) => writeln!(out, "     ⏱ {text}"),
            Told::Missed(text) => {
                report.failures.push(format!("{}: {text}: its time never came (the script ended first)", script.name));
                writeln!(out, "     ✗ {text}: its time never came (the script ended first; add a wait)")
            }
        };
    }
}

/// Plays a script without a terminal, writing what happens to `out`.
pub async fn play_headless(herd: &Arc<Herd>, script: &Script, out: &mut impl Write) -> Report {
    let mut report = Report::default();
    let mut player = Player::new(herd);
    let _ = writeln!(out, "playing {}", script.name);
    if !herd.wait_linked(LINKED_WITHIN).await {
        let _ = writeln!(out, "(not every link came up within {} s; playing anyway)", LINKED_WITHIN.as_secs());
    }
    for step in &script.steps {
        let outcome = player.play(herd, step).await;
        report.count(&script.name, step, &outcome);
        print_outcome(out, step, &outcome, |nodes, client| listing(herd.as_ref(), nodes, client));
        tell_scheduled(player.told(), script, &mut report, out);
    }
    tell_scheduled(player.finish().await, script, &mut report, out);
    let _ = writeln!(out, "{}", report.summary());
    for failure in &report.failures {
        let _ = writeln!(out, "FAILED {failure}");
    }
    report
}
