//! Peer messages and their text form: one line each, fields separated by single spaces.

use std::fmt::Write as _;

use futures_util::StreamExt;
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

use crate::protocol::{MAX_CLIENT_ID, MAX_COORDS};
use crate::secure::{Reader, SealError, Writer};
use crate::topology::MAX_NAME;

/// The protocol's name and version, sent first by the accepting side.
pub const VERSION: &str = "herdctl-peer/5";

/// The longest AT line a node can write: `AT`, a server name, a time difference (a sign, twenty
/// digits, a point, nine digits), a client ID, coordinates and a client time (twenty digits, a
/// point, nine digits), with a space between each.
pub const MAX_AT_LINE: usize = 2 + 1 + MAX_NAME + 1 + 31 + 1 + MAX_CLIENT_ID + 1 + MAX_COORDS + 1 + 30;

/// A record line is `SYNC`/`REC`, a sequence number and a hop count (twenty digits at most each),
/// then an AT line; every other peer message is shorter. A longer line is a broken or hostile
/// neighbour, never a legal record (sized from the limits, so no legal IAMAT can exceed it).
pub const MAX_PEER_LINE: usize = 4 + 1 + 20 + 1 + 20 + 1 + MAX_AT_LINE;

/// One peer message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// Acceptor's greeting: protocol version, its name, a fresh challenge.
    Herd {
        version: &'a str,
        node: &'a str,
        nonce: &'a str,
    },
    /// Dialer's answer: its name, its own challenge, its proof over the acceptor's challenge,
    /// the fingerprint of the key it proved with (the acceptor's keyring may hold several),
    /// and what the two must agree on (its topology's digest and its strategy; empty, and not
    /// written, in a console's HELLO to a control port, which runs no herd of its own).
    Hello {
        node: &'a str,
        nonce: &'a str,
        proof: &'a str,
        key: &'a str,
        topology: &'a str,
        strategy: &'a str,
    },
    /// Acceptor's proof over the dialer's challenge: the link is open.
    Welcome {
        proof: &'a str,
    },
    /// The acceptor refuses the link, and says why.
    Denied {
        reason: &'a str,
    },
    /// A record, numbered per connection, with the hop count it has on arrival. `catch_up`: sent
    /// because the link came up (`SYNC`), or passed on after arriving that way, not flooded
    /// (`REC`); the receiver treats both alike and tells them apart in its events. `flooding`
    /// (`FLOOD`): a strategy that routes records (a tree) fell back to flooding this one, so the
    /// receiver floods it on too, whatever its own routes say.
    Record {
        seq: u64,
        hops: u32,
        at_line: &'a str,
        catch_up: bool,
        flooding: bool,
    },
    /// Every record up to `seq` is in the receiver's cache.
    Ack {
        seq: u64,
    },
    Ping,
    Pong,
}

impl<'a> Message<'a> {
    pub fn parse(line: &'a str) -> Option<Self> {
        let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
        let mut fields = rest.split(' ');
        let mut field = || fields.next().filter(|f| !f.is_empty());
        let message = match verb {
            "HERD" => Self::Herd { version: field()?, node: field()?, nonce: field()? },
            "HELLO" => {
                let (node, nonce, proof, key) = (field()?, field()?, field()?, field()?);
                let (topology, strategy) = match field() {
                    Some(topology) => (topology, field()?),
                    None => ("", ""),
                };
                Self::Hello { node, nonce, proof, key, topology, strategy }
            }
            "WELCOME" => Self::Welcome { proof: field()? },
            "DENIED" => return Some(Self::Denied { reason: rest }),
            "REC" | "SYNC" | "FLOOD" => {
                let mut parts = rest.splitn(3, ' ');
                let seq = parts.next()?.parse().ok()?;
                let hops = parts.next()?.parse().ok()?;
                let (catch_up, flooding) = (verb == "SYNC", verb == "FLOOD");
                return Some(Self::Record { seq, hops, at_line: parts.next()?, catch_up, flooding });
            }
            "ACK" => Self::Ack { seq: field()?.parse().ok()? },
            "PING" => Self::Ping,
            "PONG" => Self::Pong,
            _ => return None,
        };
        field().is_none().then_some(message)
    }

    /// Appends the message and its newline.
    pub fn write_to(&self, out: &mut String) {
        // Writing into a String cannot fail.
        let _ = match self {
            Self::Herd { version, node, nonce } => writeln!(out, "HERD {version} {node} {nonce}"),
            Self::Hello { node, nonce, proof, key, topology: "", .. } => {
                writeln!(out, "HELLO {node} {nonce} {proof} {key}")
            }
            Self::Hello { node, nonce, proof, key, topology, strategy } => {
                writeln!(out, "HELLO {node} {nonce} {proof} {key} {topology} {strategy}")
            }
            Self::Welcome { proof } => writeln!(out, "WELCOME {proof}"),
            Self::Denied { reason } => writeln!(out, "DENIED {reason}"),
            Self::Record { seq, hops, at_line, catch_up: true, .. } => writeln!(out, "SYNC {seq} {hops} {at_line}"),
            Self::Record { seq, hops, at_line, flooding: true, .. } => writeln!(out, "FLOOD {seq} {hops} {at_line}"),
            Self::Record { seq, hops, at_line, .. } => writeln!(out, "REC {seq} {hops} {at_line}"),
            Self::Ack { seq } => writeln!(out, "ACK {seq}"),
            Self::Ping => writeln!(out, "PING"),
            Self::Pong => writeln!(out, "PONG"),
        };
    }
}

/// Why a peer connection ended or was refused.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("connection closed by the other side")]
    Closed,
    #[error("line longer than {MAX_PEER_LINE} bytes")]
    TooLong,
    #[error("unexpected message: {0:?}")]
    Unexpected(String),
    #[error("wrong herd key")]
    WrongKey,
    /// The dialler proved with a key (named by its fingerprint) this node's keyring lacks.
    #[error("{}", SealError::UnknownKey(.0.clone()))]
    UnknownKey(String),
    #[error("{0} is not a neighbour here")]
    NotANeighbour(String),
    #[error(
        "the {what} differs: {dialler} has {theirs}, {acceptor} has {ours}: give every node the same topology \
         file and --strategy"
    )]
    Skew { what: &'static str, dialler: String, theirs: String, acceptor: String, ours: String },
    #[error("{node} is already linked here (from {holder}): a second {node} from {from} is refused")]
    AlreadyLinked { node: String, holder: std::net::SocketAddr, from: std::net::SocketAddr },
    #[error("expected {expected}, but {found} answered")]
    WrongNode { expected: String, found: String },
    #[error("refused by the other side: {0}")]
    Denied(String),
    #[error("no answer in time")]
    Timeout,
    #[error("the other side speaks {0}, this node {VERSION}: run the same herdctl version on every node")]
    Version(String),
    #[error("more than {0} records waited for the neighbour: resynchronising")]
    Overflow(usize),
    #[error(transparent)]
    Seal(SealError),
}

impl From<SealError> for PeerError {
    fn from(error: SealError) -> Self {
        match error {
            SealError::Io(error) => Self::Io(error),
            SealError::WrongKey => Self::WrongKey,
            SealError::UnknownKey(fingerprint) => Self::UnknownKey(fingerprint),
            SealError::Denied(reason) => Self::Denied(reason),
            SealError::Unexpected(line) => Self::Unexpected(line),
            SealError::Version(theirs) => Self::Version(theirs),
            mismatch => Self::Seal(mismatch),
        }
    }
}

impl PeerError {
    /// Why a handshake was refused, in the words of `herdctl_peer_refused_total`'s `reason`.
    pub fn refusal(&self) -> &'static str {
        match self {
            // A key this node's keyring lacks is a wrong key for the metrics' reasons.
            Self::WrongKey | Self::UnknownKey(_) => "wrong_key",
            Self::NotANeighbour(_) | Self::WrongNode { .. } => "not_a_neighbour",
            Self::Seal(SealError::OtherIsPlain | SealError::OtherIsSealed) => "plain_mismatch",
            Self::Version(_) => "version",
            Self::AlreadyLinked { .. } => "already_linked",
            Self::Skew { .. } => "skew",
            _ => "other",
        }
    }

    /// Whether two failures are the same kind of thing (the same variant; for I/O, the same kind
    /// of I/O error): a link reports a failure once, not on every redial.
    pub fn same_kind(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Io(a), Self::Io(b)) => a.kind() == b.kind(),
            (Self::Seal(a), Self::Seal(b)) => a.same_kind(b),
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

/// The lines a peer connection reads.
pub type Lines = FramedRead<Reader, LinesCodec>;

/// A peer connection (sealed or plain): lines in, batched writes out.
pub struct PeerStream {
    lines: Lines,
    writer: Writer,
    /// A line read before the stream was made (a plain acceptor's greeting), given out first.
    first: Option<String>,
}

impl PeerStream {
    pub fn new(reader: Reader, writer: Writer, first: Option<String>) -> Self {
        Self { lines: FramedRead::new(reader, LinesCodec::new_with_max_length(MAX_PEER_LINE)), writer, first }
    }

    pub fn split(self) -> (Lines, Writer) {
        (self.lines, self.writer)
    }

    pub async fn send(&mut self, message: &Message<'_>) -> Result<(), PeerError> {
        let mut text = String::new();
        message.write_to(&mut text);
        self.writer.write_all(text.as_bytes()).await?;
        Ok(())
    }

    pub async fn receive(&mut self) -> Result<String, PeerError> {
        match self.first.take() {
            Some(line) => Ok(line),
            None => next_line(&mut self.lines).await,
        }
    }
}

/// The next line from a peer.
pub async fn next_line(lines: &mut Lines) -> Result<String, PeerError> {
    match lines.next().await {
        Some(Ok(line)) => Ok(line),
        Some(Err(LinesCodecError::MaxLineLengthExceeded)) => Err(PeerError::TooLong),
        Some(Err(LinesCodecError::Io(error))) => Err(PeerError::Io(error)),
        None => Err(PeerError::Closed),
    }
}

/// Whether another complete line is already buffered (so a reply can wait for the batch).
pub fn line_buffered(lines: &Lines) -> bool {
    memchr::memchr(b'\n', lines.read_buffer()).is_some()
}

#[cfg(test)]
mod tests {
    use super::{MAX_PEER_LINE, Message};
    use crate::protocol::{ClientCommand, MAX_CLIENT_ID, MAX_COORDS, Record, Timestamp, parse};
    use crate::topology::MAX_NAME;

    #[test]
    fn the_longest_legal_record_fits_a_peer_line() {
        // The longest name, ID and coordinates, the largest client time, received at time zero
        // (so the difference has twenty digits too), with the largest counters.
        let coords = format!("+90.{}-180", "0".repeat(MAX_COORDS - 8));
        let line = format!("IAMAT {} {coords} {}.999999999", "k".repeat(MAX_CLIENT_ID), u64::MAX);
        let Some(ClientCommand::Iamat(iamat)) = parse(line.as_bytes()) else { panic!("{line} is legal") };
        let record = Record::new(&"N".repeat(MAX_NAME), Timestamp::default(), &iamat);
        let mut text = String::new();
        let longest =
            Message::Record { seq: u64::MAX, hops: u32::MAX, at_line: record.line(), catch_up: false, flooding: true };
        longest.write_to(&mut text);
        assert!(text.len() - 1 <= MAX_PEER_LINE, "{} > {MAX_PEER_LINE}", text.len() - 1);
        assert!(text.len() - 1 > MAX_PEER_LINE - 16, "the limit is tight: {} of {MAX_PEER_LINE}", text.len() - 1);
    }

    #[test]
    fn messages_round_trip() {
        let messages = [
            Message::Herd { version: "herdctl-peer/1", node: "Riley", nonce: "00ff" },
            Message::Hello {
                node: "Jaquez",
                nonce: "abcd",
                proof: "1234",
                key: "0f1e2d3c4b5a6978",
                topology: "5c1f09ab77d2",
                strategy: "gossip:2",
            },
            Message::Hello { node: "console", nonce: "abcd", proof: "1234", key: "0f1e", topology: "", strategy: "" },
            Message::Welcome { proof: "99" },
            Message::Denied { reason: "wrong herd key" },
            Message::Record {
                seq: 7,
                hops: 2,
                at_line: "AT Riley +0.000000001 kiwi +1-2 3",
                catch_up: false,
                flooding: false,
            },
            Message::Record {
                seq: 8,
                hops: 1,
                at_line: "AT Riley +0.000000001 kiwi +1-2 3",
                catch_up: true,
                flooding: false,
            },
            Message::Record {
                seq: 9,
                hops: 3,
                at_line: "AT Riley +0.000000001 kiwi +1-2 3",
                catch_up: false,
                flooding: true,
            },
            Message::Ack { seq: u64::MAX },
            Message::Ping,
            Message::Pong,
        ];
        for message in messages {
            let mut text = String::new();
            message.write_to(&mut text);
            let line = text.strip_suffix('\n').unwrap();
            assert_eq!(Message::parse(line), Some(message), "{line}");
        }
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "REC",
            "REC x 1 AT",
            "REC 1 -1 AT",
            "ACK",
            "ACK 1 2",
            "HELLO a b",
            "HELLO a b c",
            "HELLO a b c d e",
            "HELLO a b c d e f g",
            "PING x",
            "IAMAT k +1-2 3",
        ] {
            assert_eq!(Message::parse(bad), None, "{bad}");
        }
    }
}
