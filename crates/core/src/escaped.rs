//! How text from the wire is shown in log lines and the flow: control characters, quotes and
//! backslashes escaped (as Rust's `escape_debug` does), so a hostile line can neither forge a
//! log line nor move a terminal's cursor.

use std::fmt;

/// Displays its text escaped. Text that needs no escaping (nearly every line) is written as is,
/// without looking at it character by character: this runs for every logged line.
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.0.bytes().all(|b| (b' '..=b'~').contains(&b) && !matches!(b, b'\\' | b'\'' | b'"'));
        if plain { f.write_str(self.0) } else { write!(f, "{}", self.0.escape_debug()) }
    }
}

#[cfg(test)]
mod tests {
    use super::Escaped;

    #[test]
    fn writes_plain_text_as_is_and_escapes_as_escape_debug_does() {
        for text in ["IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1621464827.959498503", "", "a b"] {
            assert_eq!(Escaped(text).to_string(), text);
        }
        for text in ["tab\there", "new\nline", "esc\x1b[2J", "quote'\"", "back\\slash", "é", "\u{7f}", "\0"] {
            assert_eq!(Escaped(text).to_string(), text.escape_debug().to_string(), "{text:?}");
        }
    }
}
