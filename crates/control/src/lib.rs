//! The control port (`herdctl-control/2`): each node's door for a console in another process or
//! on another machine (`herdctl --attach`). It streams the node's events and takes the
//! operator's commands (kill, revive, cut and heal its side of a link, latency, loss, mode) and
//! questions (status, a page of the cache). Sealed and authenticated with the herd key like the
//! peer port; described for humans in docs/CONTROL_PROTOCOL.md.

pub mod follow;
pub mod protocol;
pub mod server;

use std::time::Duration;

use futures_util::StreamExt;
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

use herdctl_core::key::nonce;
use herdctl_core::keyring::SharedKeyring;
use herdctl_core::net::TcpStream;
use herdctl_core::peer::wire::Message;
use herdctl_core::secure::{self, Reader, SealError, Security, Terms, Writer};

/// The control protocol's name and version.
pub const VERSION: &str = "herdctl-control/2";
const CONSOLE_PROOF: &str = "herdctl-control/1 console";
const NODE_PROOF: &str = "herdctl-control/1 node";
/// The longest line either side sends: a page of the cache is sent a record a line.
const MOST_LINE: usize = 64 * 1024;
/// How long either side waits for the other's handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);

/// The terms of a control connection: a key, or a node's whole keyring.
pub fn terms(security: Security, keys: impl Into<SharedKeyring>) -> Terms {
    Terms { security, keys: keys.into(), protocol: VERSION }
}

/// Why a control connection failed or was refused.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("connection closed by the other side")]
    Closed,
    #[error("a line longer than {MOST_LINE} bytes")]
    TooLong,
    #[error("the other side is {found}, not the node {expected}")]
    WrongNode { expected: String, found: String },
    #[error("the other side speaks {0}, this herdctl {VERSION}: run the same herdctl version everywhere")]
    Version(String),
    #[error("unexpected message: {0:?}")]
    Unexpected(String),
    #[error("no answer in time")]
    Timeout,
    #[error("{0}")]
    Refused(String),
    #[error("the console is stopping")]
    Stopping,
}

impl ControlError {
    /// Why a console was refused, in the words of `herdctl_control_refused_total`'s `reason`
    /// (see `herdctl_core::metrics::CONTROL_REFUSALS`).
    pub fn refusal(&self) -> &'static str {
        match self {
            // A key the keyring lacks is a wrong key for the metrics, as on the peer port.
            Self::Seal(SealError::WrongKey | SealError::UnknownKey(_)) => "wrong_key",
            Self::Seal(SealError::OtherIsPlain | SealError::OtherIsSealed) => "plain_mismatch",
            Self::Version(_) | Self::Seal(SealError::Version(_)) => "version",
            Self::Timeout => "timeout",
            _ => "other",
        }
    }
}

/// An open, authenticated control connection: lines both ways.
pub struct Channel {
    lines: FramedRead<Reader, LinesCodec>,
    writer: Writer,
    first: Option<String>,
}

impl Channel {
    fn new(reader: Reader, writer: Writer, first: Option<String>) -> Self {
        Self { lines: FramedRead::new(reader, LinesCodec::new_with_max_length(MOST_LINE)), writer, first }
    }

    pub async fn send(&mut self, line: &str) -> Result<(), ControlError> {
        let mut text = String::with_capacity(line.len() + 1);
        text.push_str(line);
        text.push('\n');
        Ok(self.writer.write_all(text.as_bytes()).await?)
    }

    /// Writes text that already ends in a newline (many lines at once).
    pub async fn send_lines(&mut self, text: &[u8]) -> Result<(), ControlError> {
        Ok(self.writer.write_all(text).await?)
    }

    pub async fn receive(&mut self) -> Result<String, ControlError> {
        if let Some(line) = self.first.take() {
            return Ok(line);
        }
        match self.lines.next().await {
            Some(Ok(line)) => Ok(line),
            Some(Err(LinesCodecError::MaxLineLengthExceeded)) => Err(ControlError::TooLong),
            Some(Err(LinesCodecError::Io(error))) => Err(ControlError::Io(error)),
            None => Err(ControlError::Closed),
        }
    }
}

/// The console's side: opens `node`'s control port over `stream`.
pub async fn dial(stream: TcpStream, node: &str, terms: &Terms) -> Result<Channel, ControlError> {
    open(stream, Some(node), terms).await.map(|(channel, _)| channel)
}

/// Opens the control port at the other end of `stream`, whichever node it is (`herdctl keyring
/// --control ADDR`); returns the node's name too.
pub async fn dial_any(stream: TcpStream, terms: &Terms) -> Result<(Channel, String), ControlError> {
    open(stream, None, terms).await
}

async fn open(stream: TcpStream, expected: Option<&str>, terms: &Terms) -> Result<(Channel, String), ControlError> {
    let _ = stream.set_nodelay(true);
    let (reader, writer, first) = secure::dial(stream, terms).await?;
    let mut channel = Channel::new(reader, writer, first);
    let greeting = channel.receive().await?;
    let (node, challenge) = match Message::parse(&greeting) {
        Some(Message::Herd { version: VERSION, node: found, nonce }) if expected.is_none_or(|node| node == found) => {
            (found.to_string(), nonce.to_string())
        }
        Some(Message::Herd { version: VERSION, node: found, .. }) => {
            let expected = expected.unwrap_or_default().into();
            return Err(ControlError::WrongNode { expected, found: found.into() });
        }
        Some(Message::Herd { version, .. }) => return Err(ControlError::Version(version.into())),
        _ => return Err(secure::refusal(greeting).into()),
    };
    let mine = nonce();
    let ring = terms.keys.now();
    let key = ring.primary();
    let proof = key.prove(&[CONSOLE_PROOF, &challenge, &node]);
    let mut hello = String::new();
    let fingerprint = ring.primary_fingerprint();
    Message::Hello { node: "console", nonce: &mine, proof: &proof, key: fingerprint, topology: "", strategy: "" }
        .write_to(&mut hello);
    channel.send_lines(hello.as_bytes()).await?;
    let answer = channel.receive().await?;
    match Message::parse(&answer) {
        Some(Message::Welcome { proof }) if key.verify(&[NODE_PROOF, &mine, &node], proof) => Ok((channel, node)),
        Some(Message::Welcome { .. }) => Err(SealError::WrongKey.into()),
        _ => Err(secure::refusal(answer).into()),
    }
}

/// The node's side: a console connected to `node`'s control port.
pub async fn accept(stream: TcpStream, node: &str, terms: &Terms) -> Result<Channel, ControlError> {
    let _ = stream.set_nodelay(true);
    let (reader, writer) = secure::accept(stream, terms).await?;
    let mut channel = Channel::new(reader, writer, None);
    let challenge = nonce();
    let mut greeting = String::new();
    Message::Herd { version: VERSION, node, nonce: &challenge }.write_to(&mut greeting);
    channel.send_lines(greeting.as_bytes()).await?;
    let hello = channel.receive().await?;
    let Some(Message::Hello { nonce: theirs, proof, key: fingerprint, .. }) = Message::parse(&hello) else {
        return Err(secure::refusal(hello).into());
    };
    // The key the console proved with, of this node's keyring (the ring of this moment).
    let ring = terms.keys.now();
    let Some(key) = ring.find(fingerprint).filter(|key| key.verify(&[CONSOLE_PROOF, &challenge, node], proof)) else {
        let _ = channel.send("DENIED wrong herd key").await;
        return Err(SealError::WrongKey.into());
    };
    let mut welcome = String::new();
    Message::Welcome { proof: &key.prove(&[NODE_PROOF, theirs, node]) }.write_to(&mut welcome);
    channel.send_lines(welcome.as_bytes()).await?;
    Ok(channel)
}
