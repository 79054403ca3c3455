//! White space as the protocol defines it, and splitting a line into fields.

/// The six white-space bytes of the protocol: space, tab, LF, CR, vertical tab and form feed.
/// (`u8::is_ascii_whitespace` leaves out the vertical tab, so it is not used.)
pub fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// The line without leading and trailing white space.
pub fn trim(line: &[u8]) -> &[u8] {
    let start = line.iter().position(|&b| !is_space(b)).unwrap_or(line.len());
    let end = line.iter().rposition(|&b| !is_space(b)).map_or(start, |i| i + 1);
    &line[start..end]
}

/// The fields of a line: the text between runs of white space.
pub fn split(text: &str) -> impl Iterator<Item = &str> {
    // All six white-space bytes are ASCII, so splitting on chars never cuts a UTF-8 sequence.
    text.split(|c: char| c.is_ascii() && is_space(c as u8)).filter(|word| !word.is_empty())
}
