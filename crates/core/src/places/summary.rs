//! A WHATSAT reply in one line, for a class that wants the gist rather than the JSON: the
//! places' names, or the source's status when there are none.

use serde_json::Value;

/// `3 places: Santa Monica, Mid-City, Venice`, `no places (ZERO_RESULTS)`; `None` for a reply
/// that is not a WHATSAT answer (an AT line and a JSON document).
pub fn summary(reply: &str) -> Option<String> {
    let (_at_line, document) = reply.split_once('\n')?;
    let document: Value = serde_json::from_str(document.trim()).ok()?;
    let names: Vec<&str> =
        document.get("results")?.as_array()?.iter().filter_map(|r| r.get("name")?.as_str()).collect();
    let status = document.get("status").and_then(Value::as_str).unwrap_or("UNKNOWN_ERROR");
    Some(match names.len() {
        0 => format!("no places ({status})"),
        1 => format!("1 place: {}", names[0]),
        n => format!("{n} places: {}", names.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whatsat_reply_in_one_line() {
        let reply = "AT Riley +0.1 kiwi +1+1 5\n{\n   \"results\" : [ { \"name\" : \"Santa Monica\" }, { \"name\" : \"Venice\" } ],\n   \"status\" : \"OK\"\n}\n\n";
        assert_eq!(summary(reply).unwrap(), "2 places: Santa Monica, Venice");
        let none = "AT Riley +0.1 kiwi +1+1 5\n{\n   \"results\" : [],\n   \"status\" : \"ZERO_RESULTS\"\n}\n\n";
        assert_eq!(summary(none).unwrap(), "no places (ZERO_RESULTS)");
        assert_eq!(summary("AT Riley +0.1 kiwi +1+1 5\n"), None, "an IAMAT's reply");
        assert_eq!(summary("? HELLO\n"), None);
    }
}
