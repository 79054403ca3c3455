//! The answers to good commands: IAMAT's AT line to the byte (the time difference's sign and nine
//! digits, the newline), and WHATSAT's AT line, JSON, radius, bound and closing blank line, about
//! the client asked for.

use super::client::{self, HERE, ask, shown};
use super::{Bench, Finding};

/// The first server of the topology: where single-server checks talk.
fn first(bench: &Bench) -> String {
    bench.names().first().map(|name| name.to_string()).unwrap_or_default()
}

/// The time difference of an AT line, if it is written as the protocol says (a sign, digits,
/// a point, nine digits), in seconds.
fn difference(field: &str) -> Option<f64> {
    let (sign, rest) = field.split_at_checked(1)?;
    let (whole, fraction) = rest.split_once('.')?;
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !matches!(sign, "+" | "-") || !digits(whole) || fraction.len() != 9 || !digits(fraction) {
        return None;
    }
    field.parse().ok()
}

pub async fn iamat_format(bench: &Bench, finding: &mut Finding) {
    let node = first(bench);
    let (time, _) = client::stamp(-2);
    let line = format!("IAMAT grade-kiwi {HERE} {time}");
    finding.sent(&node, &line);
    finding.expect(format!(
        "one line \"AT {node} +2.NNNNNNNNN grade-kiwi {HERE} {time}\\n\": the server's name, its receive time minus \
         the client's (about +2 s, a sign and nine digits), the client's fields as sent, a newline"
    ));
    let answer = match ask(bench, &node, &line).await {
        Ok(answer) => answer,
        Err(why) => return finding.fail(why),
    };
    finding.got(shown(&answer));
    let fields: Vec<&str> = answer.trim_end_matches('\n').split(' ').collect();
    let Some(seconds) = fields.get(2).and_then(|field| difference(field)) else {
        return finding.fail(format!("{} (the time difference is not [+-]digits.nine digits)", shown(&answer)));
    };
    let exact = format!("AT {node} {} grade-kiwi {HERE} {time}\n", fields[2]);
    if answer.trim_end_matches('\n') != exact.trim_end_matches('\n') {
        return finding.fail(shown(&answer));
    }
    if !answer.ends_with('\n') {
        return finding.fail(format!("{} (no newline at its end)", shown(&answer)));
    }
    if answer != exact {
        return finding.fail(format!("{} (more than one newline at its end)", shown(&answer)));
    }
    if !(1.0..=32.0).contains(&seconds) {
        finding.fail(format!("{} (a difference of {seconds} s for a client 2 s behind)", shown(&answer)));
    }
}

pub async fn iamat_sign(bench: &Bench, finding: &mut Finding) {
    let node = first(bench);
    let line = client::iamat("grade-early", 100);
    finding.sent(&node, &line);
    finding.expect("an AT line whose time difference is about -100 s (\"-99.NNNNNNNNN\" or so)");
    match client::report(bench, &node, &line).await {
        Ok(at) => {
            finding.got(format!("{at:?}"));
            let seconds = at.split(' ').nth(2).and_then(difference);
            if !seconds.is_some_and(|seconds| (-101.0..=-70.0).contains(&seconds)) {
                finding.fail(format!("{at:?}"));
            }
        }
        Err(why) => finding.fail(why),
    }
}

/// Kilometres between two points (haversine).
fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// What is wrong with a WHATSAT answer to `radius` km and `bound` places, given the AT line it
/// must start with; the number of places otherwise.
fn judge_whatsat(answer: &str, at: &str, radius: f64, bound: usize) -> Result<usize, String> {
    let (first, json) = answer.split_once('\n').ok_or("no newline after the AT line")?;
    if first != at {
        return Err(format!("its first line is {first:?}, not the AT line {at:?} the IAMAT got"));
    }
    if !answer.ends_with("\n\n") || answer.ends_with("\n\n\n") {
        return Err("it does not end with exactly one empty line (\"}\\n\\n\")".into());
    }
    let json = &json[..json.len() - 2];
    if json.contains("\n\n") {
        return Err("its JSON has two newlines in a row (an empty line inside the answer)".into());
    }
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|error| format!("its JSON does not parse: {error}"))?;
    let results =
        value.get("results").and_then(|results| results.as_array()).ok_or("its JSON has no \"results\" list")?;
    if results.len() > bound {
        return Err(format!("{} results for a bound of {bound}", results.len()));
    }
    let here = (34.068930, -118.445127);
    for place in results {
        let location = &place["geometry"]["location"];
        if let (Some(lat), Some(lng)) = (location["lat"].as_f64(), location["lng"].as_f64()) {
            let distance = km(here, (lat, lng));
            if distance > radius * 1.01 + 0.05 {
                return Err(format!("{:?} is {distance:.1} km away, past the radius of {radius} km", place["name"]));
            }
        }
    }
    Ok(results.len())
}

pub async fn whatsat_format(bench: &Bench, finding: &mut Finding) {
    let node = first(bench);
    let iamat = client::iamat("grade-fig", -1);
    finding.sent(&node, &iamat);
    let at = match client::report(bench, &node, &iamat).await {
        Ok(at) => at,
        Err(why) => return finding.fail(why),
    };
    finding.expect(
        "the AT line the IAMAT got, a newline, Nearby Search JSON with at most BOUND results all within RADIUS km, \
         no empty line inside, then exactly one empty line",
    );
    let mut counted = Vec::new();
    for (radius, bound) in [(10.0, 3), (1.0, 20)] {
        let line = format!("WHATSAT grade-fig {radius} {bound}");
        finding.sent(&node, &line);
        let answer = match ask(bench, &node, &line).await {
            Ok(answer) => answer,
            Err(why) => return finding.fail(why),
        };
        match judge_whatsat(&answer, &at, radius, bound) {
            Ok(places) => counted.push(format!("{places} places within {radius} km (bound {bound})")),
            Err(why) => return finding.fail(format!("{} ({why})", shown(&answer))),
        }
    }
    finding.got(counted.join("; "));
    if counted.iter().all(|text| text.starts_with("0 ")) {
        finding.notes.push(
            "no places came back, so the radius and bound were checked on empty lists: give the servers a Places \
             source (HERDCTL_PLACES_URL, herdctl places-stub) to check them on places"
                .into(),
        );
    }
}

pub async fn whatsat_client(bench: &Bench, finding: &mut Finding) {
    let node = first(bench);
    let mut lines = Vec::new();
    for client in ["grade-alice", "grade-bob"] {
        let iamat = client::iamat(client, -1);
        finding.sent(&node, &iamat);
        match client::report(bench, &node, &iamat).await {
            Ok(at) => lines.push((client, at)),
            Err(why) => return finding.fail(why),
        }
    }
    finding.expect("each WHATSAT starts with the AT line of the client it names");
    for (client, at) in &lines {
        finding.sent(&node, &format!("WHATSAT {client} 10 1"));
        match client::record_at(bench, &node, client).await {
            Ok(found) if &found == at => {}
            Ok(found) => return finding.fail(format!("WHATSAT {client} began {found:?}, not {at:?}")),
            Err(why) => return finding.fail(why),
        }
    }
    finding.got("each answered about its own client");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_has_a_sign_and_nine_digits() {
        assert_eq!(difference("+0.263873386"), Some(0.263873386));
        assert_eq!(difference("-12.000000001"), Some(-12.000000001));
        for wrong in ["0.263873386", "+0.26387338", "+0.2638733860", "+1e3", "+.123456789", "+1.12345678x"] {
            assert_eq!(difference(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn a_whatsat_answer_is_judged_line_json_bound_radius_and_ending() {
        let at = "AT Riley +0.1 kiwi +34.068930-118.445127 5.0";
        let near = r#"{"name": "Royce Hall", "geometry": {"location": {"lat": 34.0729, "lng": -118.4422}}}"#;
        let answer = |results: &str| format!("{at}\n{{\n\"results\": [{results}],\n\"status\": \"OK\"\n}}\n\n");
        assert_eq!(judge_whatsat(&answer(near), at, 1.0, 1), Ok(1));
        assert!(judge_whatsat(&answer(&format!("{near},{near}")), at, 1.0, 1).unwrap_err().contains("bound of 1"));
        assert!(judge_whatsat(&answer(near), at, 0.3, 5).unwrap_err().contains("past the radius"));
        assert!(judge_whatsat(&answer(near), "AT Jaquez", 1.0, 1).unwrap_err().contains("first line"));
        let unended = answer(near).trim_end().to_string() + "\n";
        assert!(judge_whatsat(&unended, at, 1.0, 1).unwrap_err().contains("exactly one empty line"));
        let blank_inside = answer(near).replacen("\n\"status\"", "\n\n\"status\"", 1);
        assert!(judge_whatsat(&blank_inside, at, 1.0, 1).unwrap_err().contains("two newlines"));
    }
}
