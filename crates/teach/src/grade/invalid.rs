//! Bad lines: each kind answered with `? ` and the line as received, trimmed at both ends; an
//! empty line answered with nothing at all.

use super::client::{self, HERE, ask, shown};
use super::{Bench, Finding};

/// Each kind of bad line, and one line of it (`{t}`: a good client time, `{k}`: a client the
/// server knows).
const BAD: &[(&str, &str)] = &[
    ("unknown command", "HELLO there"),
    ("command in lower case", "iamat {k} {here} {t}"),
    ("IAMAT with three fields", "IAMAT {k} {here}"),
    ("IAMAT with five fields", "IAMAT {k} {here} {t} extra"),
    ("WHATSAT with three fields", "WHATSAT {k} 10"),
    ("latitude past 90", "IAMAT {k} +91.000000-118.445127 {t}"),
    ("coordinates without a sign", "IAMAT {k} 34.068930-118.445127 {t}"),
    ("coordinates without a longitude", "IAMAT {k} +34.068930 {t}"),
    ("time that is not a number", "IAMAT {k} {here} yesterday"),
    ("time with a sign", "IAMAT {k} {here} +{t}"),
    ("radius over 50", "WHATSAT {k} 51 5"),
    ("radius of 0", "WHATSAT {k} 0 5"),
    ("radius that is not a number", "WHATSAT {k} ten 5"),
    ("bound over 20", "WHATSAT {k} 10 21"),
    ("bound of 0", "WHATSAT {k} 10 0"),
    ("WHATSAT of an unknown client", "WHATSAT grade-nobody 10 5"),
    ("spaces around a bad line", "   HELLO   there  "),
];

pub async fn bad_lines(bench: &Bench, finding: &mut Finding) {
    let node = bench.names().first().map(|name| name.to_string()).unwrap_or_default();
    let known = client::iamat("grade-known", -1);
    finding.sent(&node, &known);
    if let Err(why) = client::report(bench, &node, &known).await {
        return finding.fail(why);
    }
    finding.expect("\"? \" and the line as sent, trimmed at both ends, for each bad line; nothing for an empty one");
    let (time, _) = client::stamp(-1);
    let mut wrong = Vec::new();
    for (kind, template) in BAD {
        let line = template.replace("{k}", "grade-known").replace("{here}", HERE).replace("{t}", &time);
        finding.sent(&node, &line);
        let wanted = format!("? {}\n", line.trim());
        match ask(bench, &node, &line).await {
            Ok(answer) if answer == wanted => {}
            Ok(answer) => wrong.push(format!("{kind}: {line:?} got {}", shown(&answer))),
            Err(why) => wrong.push(format!("{kind}: {line:?}: {why}")),
        }
    }
    finding.sent(&node, "   (an empty line)");
    match client::exchange(bench.addr(&node), b"   \n").await {
        Ok(answer) if answer.is_empty() => {}
        Ok(answer) => wrong.push(format!("empty line: got {}", shown(&answer))),
        Err(why) => wrong.push(format!("empty line: {why}")),
    }
    match wrong.is_empty() {
        true => finding.got(format!("all {} answered as expected", BAD.len() + 1)),
        false => finding.fail(wrong.join("; ")),
    }
}
