//! The client protocol, pure and without I/O: parsing IAMAT and WHATSAT lines, formatting AT lines
//! and `? ` replies (PROTOCOL.md section 1).

mod decimal;
mod fields;
mod position;
mod record;
mod timestamp;
mod whatsat;

pub use fields::{is_space, trim};
pub use position::Position;
pub use record::{Difference, Record};
pub use timestamp::Timestamp;
pub use whatsat::{Radius, Whatsat};

/// The longest line a client (or a peer) may send, newline excluded: 64 KiB. A longer line closes
/// that connection, so one client can never make a node buffer without bound.
pub const MAX_LINE: usize = 64 * 1024;

/// The longest client ID a node accepts, in bytes. Longer is an invalid line (`? `): each
/// record is kept by every node and logged by each, so one client must not grow them all by
/// 64 KiB a report (README, "Decisions the protocol left open").
pub const MAX_CLIENT_ID: usize = 256;
/// The longest coordinates text a node accepts, in bytes, for the same reason: far more digits
/// than any position needs (a nanometre is the 14th decimal of a degree).
pub const MAX_COORDS: usize = 128;

/// A valid IAMAT, borrowing its fields from the line so that they can be echoed byte for byte.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Iamat<'a> {
    pub client: &'a str,
    pub coords: &'a str,
    pub time: &'a str,
    pub position: Position,
    pub stamp: Timestamp,
}

/// What a client line asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClientCommand<'a> {
    Iamat(Iamat<'a>),
    Whatsat(Whatsat<'a>),
    /// Anything else: answered with `? ` and the trimmed line.
    Invalid,
}

/// Parses one line (without its `\n`). Returns `None` for a line that is empty after trimming,
/// which gets no reply at all.
pub fn parse(line: &[u8]) -> Option<ClientCommand<'_>> {
    let line = trim(line);
    if line.is_empty() {
        return None;
    }
    // Bytes that are not UTF-8 can never form a valid command: the whole line is invalid.
    let Ok(text) = std::str::from_utf8(line) else {
        return Some(ClientCommand::Invalid);
    };
    let mut words = fields::split(text);
    let command = match words.next() {
        Some("IAMAT") => parse_iamat(&mut words),
        Some("WHATSAT") => Whatsat::parse(&mut words).map(ClientCommand::Whatsat),
        _ => None,
    };
    Some(command.unwrap_or(ClientCommand::Invalid))
}

fn parse_iamat<'a>(words: &mut impl Iterator<Item = &'a str>) -> Option<ClientCommand<'a>> {
    let (client, coords, time) = (words.next()?, words.next()?, words.next()?);
    if words.next().is_some() || client.len() > MAX_CLIENT_ID || coords.len() > MAX_COORDS {
        return None;
    }
    Some(ClientCommand::Iamat(Iamat {
        client,
        coords,
        time,
        position: Position::parse(coords)?,
        stamp: Timestamp::parse(time)?,
    }))
}

/// Appends the reply to an invalid line: `? `, the line as received trimmed at both ends, `\n`.
pub fn write_invalid(line: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"? ");
    out.extend_from_slice(trim(line));
    out.push(b'\n');
}

/// Appends a WHATSAT reply: the stored AT line, then the places JSON with every run of newlines
/// collapsed to one and trailing newlines removed, then exactly two newlines.
pub fn write_whatsat_reply(at_line: &str, json: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(at_line.as_bytes());
    out.push(b'\n');
    let mut previous_newline = false;
    for &byte in json.trim_end_matches('\n').as_bytes() {
        let newline = byte == b'\n';
        if !(newline && previous_newline) {
            out.push(byte);
        }
        previous_newline = newline;
    }
    out.extend_from_slice(b"\n\n");
}

#[cfg(test)]
mod tests;
