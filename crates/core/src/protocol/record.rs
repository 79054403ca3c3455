//! The AT line and the record a node keeps for each client: the AT line exactly as first sent,
//! with the parsed time and position beside it.

use std::cmp::Ordering;
use std::fmt;

use super::decimal::Decimal;
use super::{Iamat, Position, Timestamp, fields};

/// A receive time minus a client time, in integer nanoseconds. Written with a sign and exactly
/// nine fraction digits (`+0.263873386`, `-3.000000000`), never in exponent notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Difference(pub i128);

impl Difference {
    pub fn between(received: Timestamp, sent: Timestamp) -> Self {
        Self(received.as_nanos() - sent.as_nanos())
    }

    /// Whether `text` is written the way `Display` writes a difference.
    fn is_well_formed(text: &str) -> bool {
        let Some(unsigned) = text.strip_prefix(['+', '-']) else {
            return false;
        };
        Decimal::parse(unsigned).is_some_and(|d| d.fraction.len() == 9)
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:09}", magnitude / 1_000_000_000, magnitude % 1_000_000_000)
    }
}

/// What a node knows of one client: the AT line of the client's most recent IAMAT, exactly as it
/// was first sent, plus the parsed values that ordering and places need.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    line: Box<str>,
    stamp: Timestamp,
    position: Position,
}

// Field positions in `AT server difference client coords time`.
const SERVER: usize = 1;
const DIFFERENCE: usize = 2;
const CLIENT: usize = 3;
const COORDS: usize = 4;
const TIME: usize = 5;

impl Record {
    /// The record of an IAMAT received by `server` at `received`.
    pub fn new(server: &str, received: Timestamp, iamat: &Iamat<'_>) -> Self {
        let difference = Difference::between(received, iamat.stamp);
        let line = format!("AT {server} {difference} {} {} {}", iamat.client, iamat.coords, iamat.time);
        Self { line: line.into_boxed_str(), stamp: iamat.stamp, position: iamat.position }
    }

    /// Reads an AT line as nodes pass it to each other: six fields separated by single spaces,
    /// each valid. Returns `None` for anything else.
    pub fn parse(line: &str) -> Option<Self> {
        if line.bytes().any(|b| fields::is_space(b) && b != b' ') {
            return None;
        }
        let words: Vec<&str> = line.split(' ').collect();
        let [at, server, difference, client, coords, time] = words.as_slice() else {
            return None;
        };
        // The limits a client's IAMAT meets, met by what a peer sends too.
        let within = client.len() <= super::MAX_CLIENT_ID && coords.len() <= super::MAX_COORDS;
        let valid =
            *at == "AT" && !server.is_empty() && !client.is_empty() && within && Difference::is_well_formed(difference);
        if !valid {
            return None;
        }
        Some(Self { line: line.into(), stamp: Timestamp::parse(time)?, position: Position::parse(coords)? })
    }

    pub fn line(&self) -> &str {
        &self.line
    }

    fn field(&self, index: usize) -> &str {
        self.line.split(' ').nth(index).unwrap_or_default()
    }

    /// The node that received the IAMAT.
    pub fn server(&self) -> &str {
        self.field(SERVER)
    }

    pub fn difference(&self) -> &str {
        self.field(DIFFERENCE)
    }

    pub fn client(&self) -> &str {
        self.field(CLIENT)
    }

    /// The position as the client wrote it.
    pub fn coords(&self) -> &str {
        self.field(COORDS)
    }

    /// The client's time as the client wrote it.
    pub fn time(&self) -> &str {
        self.field(TIME)
    }

    pub fn stamp(&self) -> Timestamp {
        self.stamp
    }

    pub fn position(&self) -> Position {
        self.position
    }

    /// The herd's order on records of one client: client time, then (to break exact ties the same
    /// way on every node) the receiving server's name, then the coordinates text, then the whole
    /// AT line, byte-wise. The last step settles one server hearing the same IAMAT twice (a
    /// client's retry after that server restarted empty): the lines differ only in the time
    /// difference, and without it each node would keep whichever copy it heard first, for ever.
    pub fn order(&self, other: &Self) -> Ordering {
        self.stamp
            .cmp(&other.stamp)
            .then_with(|| self.server().cmp(other.server()))
            .then_with(|| self.coords().cmp(other.coords()))
            .then_with(|| self.line().cmp(other.line()))
    }

    /// Whether this record should replace `other`.
    pub fn supersedes(&self, other: &Self) -> bool {
        self.order(other) == Ordering::Greater
    }

    /// Whether this record should replace the one whose AT line is `other` (a line this program
    /// wrote; compared without building a whole record, as the cache keeps only lines).
    pub fn supersedes_line(&self, other: &str) -> bool {
        let mut fields = other.split(' ');
        let (server, coords, time) = (fields.nth(SERVER), fields.nth(COORDS - SERVER - 1), fields.next());
        let other_stamp = time.and_then(Timestamp::parse).unwrap_or_default();
        let order = self
            .stamp
            .cmp(&other_stamp)
            .then_with(|| self.server().cmp(server.unwrap_or_default()))
            .then_with(|| self.coords().cmp(coords.unwrap_or_default()))
            .then_with(|| self.line().cmp(other));
        order == Ordering::Greater
    }
}
