//! Sealed connections: the Noise handshake (`Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s`, its
//! pre-shared key derived from the herd key) and the framing that encrypts everything after it,
//! or, with `--plain-links`, the readable protocol as it was. Peer links and control connections
//! both open through here, so each end knows at once whether the other speaks the same way.
//!
//! On the wire, a sealed connection begins with the accepting side's one plain line
//! `SEALED <pattern> <protocol>`; then the dialler's plain line `KEY <fingerprint>`, naming the
//! key of the acceptor's keyring it uses (the acceptor has several while the herd's key changes),
//! its handshake message and the acceptor's answer, then sealed frames, each a two-byte big-endian length and at most 65,535 bytes of ciphertext.
//! A plain connection begins with the protocol's own greeting. Either side that meets the other
//! kind says so in one plain `DENIED` line, so a mismatch is a clear error at both ends, not a hang.

use std::io;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use snow::resolvers::{DefaultResolver, FallbackResolver, RingResolver};
use snow::{Builder, HandshakeState, StatelessTransportState};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::{FramedRead, LengthDelimitedCodec};
use tokio_util::io::StreamReader;

use crate::key::HerdKey;
use crate::keyring::SharedKeyring;
use crate::net::{OwnedReadHalf, OwnedWriteHalf, TcpStream};

/// The Noise protocol every sealed connection uses. `NN`: neither side has a long-term key pair;
/// `psk0`: both mix the herd's pre-shared key in from the first message, so only holders of the
/// key can complete the handshake, and each connection gets fresh keys (forward secrecy).
pub const PATTERN: &str = "Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s";
/// The most a frame may carry: Noise's limit of 65,535 bytes less the 16-byte tag.
const MOST_PLAIN: usize = 65_535 - 16;
/// The longest plain line before the sealed frames (`SEALED …` or a `DENIED` reason).
const MOST_PREAMBLE: usize = 600;

/// Whether connections are sealed (`--plain-links` chooses plain, for watching with tcpdump).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Security {
    #[default]
    Sealed,
    Plain,
}

impl Security {
    pub fn from_plain_flag(plain: bool) -> Self {
        if plain { Self::Plain } else { Self::Sealed }
    }
}

/// Why a connection could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("wrong herd key")]
    WrongKey,
    /// The dialler named a key (by its fingerprint) that this node's keyring does not hold.
    #[error(
        "no key in the keyring of this node has the fingerprint {0}: the two sides hold no key in common (`herdctl \
         keyring list` shows the keys of each side)"
    )]
    UnknownKey(String),
    #[error(
        "this side encrypts its connections and the other uses --plain-links: run every node (and console) of the \
         herd with --plain-links, or none"
    )]
    OtherIsPlain,
    #[error(
        "this side uses --plain-links and the other encrypts its connections: run every node (and console) of the \
         herd with --plain-links, or none"
    )]
    OtherIsSealed,
    #[error("refused by the other side: {0}")]
    Denied(String),
    #[error("unexpected message: {0:?}")]
    Unexpected(String),
    /// The other side offers another version of the same protocol (an older or newer herdctl).
    #[error("the other side speaks {0}: run the same herdctl version on every node")]
    Version(String),
}

/// The reading half of an open connection: sealed frames opened back into bytes, or plain bytes.
pub type Reader = Pin<Box<dyn AsyncRead + Send>>;

/// The writing half of an open connection.
pub struct Writer {
    half: OwnedWriteHalf,
    sealed: Option<Sealer>,
}

/// What seals the frames one side writes: the session's keys and the next nonce.
struct Sealer {
    transport: Arc<StatelessTransportState>,
    nonce: u64,
    frames: Vec<u8>,
}

impl Writer {
    /// Writes `bytes` whole; sealed, as one frame per 65,519 bytes, all in one write.
    pub async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(sealer) = &mut self.sealed else { return self.half.write_all(bytes).await };
        sealer.frames.clear();
        for chunk in bytes.chunks(MOST_PLAIN) {
            let start = sealer.frames.len();
            sealer.frames.resize(start + 2 + chunk.len() + 16, 0);
            let written = sealer
                .transport
                .write_message(sealer.nonce, chunk, &mut sealer.frames[start + 2..])
                .map_err(|error| io::Error::other(format!("cannot seal a message: {error}")))?;
            sealer.nonce += 1;
            // `written` is at most 65,535: the chunk is sized for it.
            sealer.frames[start..start + 2].copy_from_slice(&(written as u16).to_be_bytes());
            sealer.frames.truncate(start + 2 + written);
        }
        self.half.write_all(&sealer.frames).await
    }
}

/// What both ends agree on before they trust each other: how connections are secured, the key,
/// and which protocol runs inside (so that a peer link is never taken for a control connection).
#[derive(Clone, Debug)]
pub struct Terms {
    pub security: Security,
    /// The keys accepted, the first offered; read again while the process runs.
    pub keys: SharedKeyring,
    /// e.g. `herdctl-peer/5`.
    pub protocol: &'static str,
}

/// The accepting side: seals the connection if the terms say so. A plain one is returned as it
/// came; its protocol's greeting comes next.
pub async fn accept(stream: TcpStream, terms: &Terms) -> Result<(Reader, Writer), SealError> {
    let (mut reader, mut writer) = stream.into_split();
    if terms.security == Security::Plain {
        return Ok(plain(reader, writer));
    }
    writer.write_all(format!("SEALED {PATTERN} {}\n", terms.protocol).as_bytes()).await?;
    let fingerprint = match frame_or_line(&mut reader).await? {
        Said::Line(line) => match line.strip_prefix("KEY ") {
            Some(fingerprint) if is_fingerprint(fingerprint) => fingerprint.to_string(),
            _ => return Err(refusal(line)),
        },
        Said::Frame(_) => return Err(SealError::Unexpected("a handshake that names no key".into())),
    };
    let ring = terms.keys.now();
    let Some(key) = ring.find(&fingerprint) else {
        let refused = SealError::UnknownKey(fingerprint);
        let _ = writer.write_all(format!("DENIED {refused}\n").as_bytes()).await;
        return Err(refused);
    };
    let mut handshake = handshake(key, &fingerprint, terms.protocol, false)?;
    let first = match frame_or_line(&mut reader).await? {
        Said::Frame(frame) => frame,
        Said::Line(line) => return Err(refusal(line)),
    };
    let mut scratch = vec![0u8; 65_535];
    if handshake.read_message(&first, &mut scratch).is_err() {
        let _ = writer.write_all(b"DENIED wrong herd key\n").await;
        return Err(SealError::WrongKey);
    }
    let length = handshake.write_message(&[], &mut scratch).map_err(noise)?;
    write_frame(&mut writer, &scratch[..length]).await?;
    let transport = Arc::new(handshake.into_stateless_transport_mode().map_err(noise)?);
    Ok(sealed(reader, writer, transport))
}

/// The dialling side: reads the acceptor's first line and, if both seal, runs the handshake. A
/// plain connection is returned with that first line, which is its protocol's greeting.
pub async fn dial(stream: TcpStream, terms: &Terms) -> Result<(Reader, Writer, Option<String>), SealError> {
    let (mut reader, mut writer) = stream.into_split();
    let first = read_line(&mut reader).await?;
    let offer = first.strip_prefix("SEALED ");
    match (terms.security, offer) {
        (Security::Plain, None) => {
            let (reader, writer) = plain(reader, writer);
            return Ok((reader, writer, Some(first)));
        }
        (Security::Plain, Some(_)) => {
            let _ = writer.write_all(format!("DENIED {}\n", SealError::OtherIsSealed.mirrored()).as_bytes()).await;
            return Err(SealError::OtherIsSealed);
        }
        (Security::Sealed, None) if first.starts_with("DENIED ") => return Err(refusal(first)),
        (Security::Sealed, None) => {
            let _ = writer.write_all(format!("DENIED {}\n", SealError::OtherIsPlain.mirrored()).as_bytes()).await;
            return Err(SealError::OtherIsPlain);
        }
        (Security::Sealed, Some(offer)) if offer != format!("{PATTERN} {}", terms.protocol) => {
            // Another version of this protocol (`herdctl-peer/4` offered to a `herdctl-peer/5`):
            // both ends are told in words; anything else is not ours to answer.
            let family = |protocol: &str| protocol.split_once('/').map(|(name, _)| name.to_string());
            let theirs = offer.strip_prefix(PATTERN).map(str::trim).unwrap_or(offer);
            if family(theirs).is_some() && family(theirs) == family(terms.protocol) {
                let told =
                    format!("the other side speaks {}: run the same herdctl version on every node", terms.protocol);
                let _ = writer.write_all(format!("DENIED {told}\n").as_bytes()).await;
                return Err(SealError::Version(theirs.to_string()));
            }
            return Err(SealError::Unexpected(first));
        }
        (Security::Sealed, Some(_)) => {}
    }
    // The ring of this moment: its primary is offered, named by its fingerprint.
    let ring = terms.keys.now();
    let fingerprint = ring.primary_fingerprint();
    let mut handshake = handshake(ring.primary(), fingerprint, terms.protocol, true)?;
    let mut scratch = vec![0u8; 65_535];
    let length = handshake.write_message(&[], &mut scratch).map_err(noise)?;
    let mut opening = format!("KEY {fingerprint}\n").into_bytes();
    opening.extend_from_slice(&(length as u16).to_be_bytes());
    opening.extend_from_slice(&scratch[..length]);
    writer.write_all(&opening).await?;
    let answer = match frame_or_line(&mut reader).await? {
        Said::Frame(frame) => frame,
        Said::Line(line) => return Err(refusal(line)),
    };
    handshake.read_message(&answer, &mut scratch).map_err(|_| SealError::WrongKey)?;
    let transport = Arc::new(handshake.into_stateless_transport_mode().map_err(noise)?);
    let (reader, writer) = sealed(reader, writer, transport);
    Ok((reader, writer, None))
}

impl SealError {
    /// The same mismatch as the other side sees it, for the `DENIED` line sent to it.
    fn mirrored(&self) -> String {
        match self {
            Self::OtherIsPlain => Self::OtherIsSealed.to_string(),
            Self::OtherIsSealed => Self::OtherIsPlain.to_string(),
            other => other.to_string(),
        }
    }

    /// Whether two failures are the same kind of thing: a link reports a failure once.
    pub fn same_kind(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Io(a), Self::Io(b)) => a.kind() == b.kind(),
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

/// A `DENIED` line from the other side, as an error; anything else is unexpected.
pub fn refusal(line: String) -> SealError {
    match line.strip_prefix("DENIED ") {
        Some(reason) if reason == SealError::WrongKey.to_string() => SealError::WrongKey,
        Some(reason) if reason == SealError::OtherIsPlain.to_string() => SealError::OtherIsPlain,
        Some(reason) if reason == SealError::OtherIsSealed.to_string() => SealError::OtherIsSealed,
        Some(reason) => SealError::Denied(reason.to_string()),
        None => SealError::Unexpected(line),
    }
}

/// Whether a dialler's `KEY` names a key as fingerprints are written (hex, not too long): what
/// it names is said in refusals and logs.
fn is_fingerprint(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The handshake's state at the start, for one side. Both sides mix in the key, the protocol and
/// the key's fingerprint (as the prologue), so a connection for another protocol or herd cannot
/// complete, nor one whose `KEY` line was changed on the way.
fn handshake(key: &HerdKey, fingerprint: &str, protocol: &str, initiator: bool) -> Result<HandshakeState, SealError> {
    let psk = key.derive("herdctl sealed connection");
    let prologue = format!("{protocol} {fingerprint}");
    // ring's ChaCha20-Poly1305 (assembly) for every frame; the pure-Rust resolver for what ring
    // does not offer (X25519 and BLAKE2s, used once per connection). See docs/BENCHMARKS.md.
    let resolver = FallbackResolver::new(Box::new(RingResolver), Box::new(DefaultResolver));
    let builder = Builder::with_resolver(PATTERN.parse().map_err(noise)?, Box::new(resolver))
        .psk(0, &psk)
        .map_err(noise)?
        .prologue(prologue.as_bytes())
        .map_err(noise)?;
    if initiator { builder.build_initiator() } else { builder.build_responder() }.map_err(noise)
}

fn noise(error: snow::Error) -> SealError {
    SealError::Io(io::Error::other(format!("the Noise handshake failed: {error}")))
}

fn plain(reader: OwnedReadHalf, half: OwnedWriteHalf) -> (Reader, Writer) {
    (Box::pin(reader), Writer { half, sealed: None })
}

fn sealed(reader: OwnedReadHalf, half: OwnedWriteHalf, transport: Arc<StatelessTransportState>) -> (Reader, Writer) {
    let codec = LengthDelimitedCodec::builder().length_field_length(2).max_frame_length(65_535).new_codec();
    let opener = transport.clone();
    let mut nonce = 0u64;
    let opened = FramedRead::new(reader, codec).map(move |frame| {
        let frame = frame?;
        let mut plain = vec![0u8; frame.len()];
        let length = opener.read_message(nonce, &frame, &mut plain).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidData, "a sealed message did not open: altered on the way, or not ours")
        })?;
        nonce += 1;
        plain.truncate(length);
        Ok::<Bytes, io::Error>(Bytes::from(plain))
    });
    let sealer = Sealer { transport, nonce: 0, frames: Vec::new() };
    (Box::pin(StreamReader::new(opened)), Writer { half, sealed: Some(sealer) })
}

/// What the other side sent first: a handshake frame, or a plain line (a refusal).
enum Said {
    Frame(Vec<u8>),
    Line(String),
}

/// A frame's length is below 0x0100 for a handshake message, so its first byte is zero; a plain
/// line never starts with a zero byte.
async fn frame_or_line(reader: &mut OwnedReadHalf) -> Result<Said, SealError> {
    let first = reader.read_u8().await?;
    if first != 0 {
        let rest = read_line(reader).await?;
        return Ok(Said::Line(format!("{}{rest}", char::from(first))));
    }
    let length = usize::from(reader.read_u8().await?);
    let mut frame = vec![0u8; length];
    reader.read_exact(&mut frame).await?;
    Ok(Said::Frame(frame))
}

async fn write_frame(writer: &mut OwnedWriteHalf, message: &[u8]) -> io::Result<()> {
    let mut frame = Vec::with_capacity(message.len() + 2);
    frame.extend_from_slice(&(message.len() as u16).to_be_bytes());
    frame.extend_from_slice(message);
    writer.write_all(&frame).await
}

/// One line, read a byte at a time so that nothing after it is taken from the socket (the
/// sealed frames that follow belong to the next reader). Only a handful of bytes, once.
async fn read_line(reader: &mut OwnedReadHalf) -> Result<String, SealError> {
    let mut line = Vec::new();
    loop {
        let byte = match reader.read_u8().await {
            Ok(byte) => byte,
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(SealError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed by the other side",
                )));
            }
            Err(error) => return Err(error.into()),
        };
        if byte == b'\n' {
            return Ok(String::from_utf8_lossy(&line).into_owned());
        }
        if line.len() >= MOST_PREAMBLE {
            return Err(SealError::Unexpected(String::from_utf8_lossy(&line).into_owned()));
        }
        line.push(byte);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures_util::StreamExt;
    use tokio::io::AsyncReadExt;
    use tokio::net::{TcpListener, TcpStream};
    use tokio_util::codec::{FramedRead, LinesCodec};

    use super::*;

    fn fingerprint(key: &str) -> String {
        HerdKey::new(key).fingerprint()
    }

    fn terms(key: &str) -> Terms {
        Terms { security: Security::Sealed, keys: HerdKey::new(key).into(), protocol: "herdctl-test/1" }
    }

    /// Relays one connection to `to`, keeping a copy of what the dialler sends and flipping its
    /// byte number `tamper` on the way, as someone on the path could.
    async fn relay(to: std::net::SocketAddr, tamper: Option<usize>) -> (std::net::SocketAddr, Arc<Mutex<Vec<u8>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let copy = seen.clone();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (dialler, _) = listener.accept().await.unwrap();
            let acceptor = TcpStream::connect(to).await.unwrap();
            let (mut from_dialler, mut to_dialler) = dialler.into_split();
            let (mut from_acceptor, mut to_acceptor) = acceptor.into_split();
            tokio::spawn(async move { tokio::io::copy(&mut from_acceptor, &mut to_dialler).await });
            let mut buffer = [0u8; 4096];
            while let Ok(n @ 1..) = from_dialler.read(&mut buffer).await {
                {
                    let mut seen = copy.lock().unwrap();
                    let start = seen.len();
                    if let Some(at) = tamper.filter(|at| (start..start + n).contains(at)) {
                        buffer[at - start] ^= 0x01;
                    }
                    seen.extend_from_slice(&buffer[..n]);
                }
                if to_acceptor.write_all(&buffer[..n]).await.is_err() {
                    break;
                }
            }
        });
        (addr, seen)
    }

    /// Opens a sealed connection through a relay; returns the acceptor's lines, the dialler's
    /// writer and what the relay saw.
    async fn sealed_pair(tamper: Option<usize>) -> (FramedRead<Reader, LinesCodec>, Writer, Arc<Mutex<Vec<u8>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (relay, seen) = relay(listener.local_addr().unwrap(), tamper).await;
        let accepting = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            accept(stream, &terms("k")).await.unwrap()
        });
        let (_, writer, first) = dial(TcpStream::connect(relay).await.unwrap(), &terms("k")).await.unwrap();
        assert!(first.is_none());
        let (reader, _) = accepting.await.unwrap();
        (FramedRead::new(reader, LinesCodec::new()), writer, seen)
    }

    #[tokio::test]
    async fn what_crosses_a_sealed_connection_cannot_be_read_on_the_way() {
        let (mut lines, mut writer, seen) = sealed_pair(None).await;
        let record = "REC 1 1 AT Riley +0.000000001 kiwi.secret.example +34.068930-118.445127 1700000000";
        writer.write_all(format!("{record}\n").as_bytes()).await.unwrap();
        // A batch larger than one frame arrives whole too.
        let big = "x".repeat(3 * MOST_PLAIN);
        writer.write_all(format!("{big}\n").as_bytes()).await.unwrap();
        assert_eq!(lines.next().await.unwrap().unwrap(), record);
        assert_eq!(lines.next().await.unwrap().unwrap(), big);
        let seen = seen.lock().unwrap().clone();
        assert!(seen.len() > big.len(), "the relay saw the traffic ({} bytes)", seen.len());
        let text = String::from_utf8_lossy(&seen);
        for secret in ["kiwi.secret", "REC ", "+34.068930", "xxxxxxxx"] {
            assert!(!text.contains(secret), "{secret:?} was readable on the wire");
        }
    }

    #[tokio::test]
    async fn a_message_altered_on_the_way_does_not_open() {
        // The dialler's KEY line takes 21 bytes and its handshake message 52 (framed); byte 90 is
        // inside the first record.
        let (mut lines, mut writer, _) = sealed_pair(Some(90)).await;
        writer.write_all(b"REC 1 1 AT Riley +0.000000001 kiwi +1+1 5\n").await.unwrap();
        let error = lines.next().await.unwrap().expect_err("the altered record is refused");
        assert!(error.to_string().contains("did not open"), "{error}");
    }

    #[tokio::test]
    async fn another_version_of_the_protocol_is_told_in_words_at_both_ends() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // An older acceptor's offer, and what it hears back.
        let old = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (reader, mut writer) = stream.into_split();
            writer.write_all(format!("SEALED {PATTERN} herdctl-test/0\n").as_bytes()).await.unwrap();
            let mut lines = FramedRead::new(reader, LinesCodec::new());
            lines.next().await.unwrap().unwrap()
        });
        let refused = dial(TcpStream::connect(addr).await.unwrap(), &terms("k")).await.err();
        let Some(SealError::Version(theirs)) = &refused else { panic!("{refused:?}") };
        assert_eq!(theirs, "herdctl-test/0");
        assert_eq!(
            refused.unwrap().to_string(),
            "the other side speaks herdctl-test/0: run the same herdctl version on every node"
        );
        let told = old.await.unwrap();
        assert_eq!(told, "DENIED the other side speaks herdctl-test/1: run the same herdctl version on every node");
    }

    #[tokio::test]
    async fn the_wrong_key_and_the_wrong_protocol_are_refused_at_the_handshake() {
        for (dialler, why) in
            [(terms("other"), "key"), (Terms { protocol: "herdctl-control/1", ..terms("k") }, "protocol")]
        {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let accepting = tokio::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                accept(stream, &terms("k")).await.err()
            });
            let refused = dial(TcpStream::connect(addr).await.unwrap(), &dialler).await.err();
            let at_acceptor = accepting.await.unwrap();
            match why {
                "key" => {
                    // The dialler's key is none of the acceptor's: refused by its fingerprint.
                    let told =
                        format!("no key in the keyring of this node has the fingerprint {}", fingerprint("other"));
                    assert!(
                        matches!(&refused, Some(SealError::Denied(reason)) if reason.starts_with(&told)),
                        "{why}: {refused:?}"
                    );
                    assert!(
                        matches!(&at_acceptor, Some(SealError::UnknownKey(f)) if *f == fingerprint("other")),
                        "{why}: {at_acceptor:?}"
                    );
                }
                _ => {
                    // Another protocol's offer is not answered at all.
                    assert!(matches!(refused, Some(SealError::Unexpected(_))), "{why}: {refused:?}");
                    assert!(at_acceptor.is_some(), "{why}: the acceptor does not open it");
                }
            }
        }
    }

    /// An acceptor whose ring is `ring`, on a free port; its outcome comes from the handle.
    async fn acceptor(ring: &[&str]) -> (std::net::SocketAddr, tokio::task::JoinHandle<Result<(), SealError>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let ring = crate::keyring::Keyring::new(ring.iter().map(|key| HerdKey::new(*key))).unwrap();
        let terms = Terms { keys: ring.into(), ..terms("unused") };
        let accepting = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            accept(stream, &terms).await.map(|_| ())
        });
        (addr, accepting)
    }

    #[tokio::test]
    async fn every_key_of_the_ring_is_accepted_whichever_is_first() {
        for dialler in ["the new key", "the old key"] {
            let (addr, accepting) = acceptor(&["the old key", "the new key"]).await;
            let dialled = dial(TcpStream::connect(addr).await.unwrap(), &terms(dialler)).await;
            assert!(dialled.is_ok(), "{dialler}: {:?}", dialled.err());
            assert!(accepting.await.unwrap().is_ok(), "{dialler}");
        }
    }

    #[tokio::test]
    async fn a_fingerprint_without_its_key_does_not_open_the_handshake() {
        // A stranger names a key of the ring (fingerprints are no secret) but holds another.
        let (addr, accepting) = acceptor(&["the herd key"]).await;
        let (mut reader, mut writer) = TcpStream::connect(addr).await.unwrap().into_split();
        assert!(read_line(&mut reader).await.unwrap().starts_with("SEALED "));
        let named = fingerprint("the herd key");
        let mut forged = handshake(&HerdKey::new("a guess"), &named, "herdctl-test/1", true).unwrap();
        let mut scratch = vec![0u8; 65_535];
        let length = forged.write_message(&[], &mut scratch).unwrap();
        writer.write_all(format!("KEY {named}\n").as_bytes()).await.unwrap();
        write_frame(&mut writer, &scratch[..length]).await.unwrap();
        assert!(matches!(accepting.await.unwrap(), Err(SealError::WrongKey)));
        assert_eq!(read_line(&mut reader).await.unwrap(), "DENIED wrong herd key");
        // And a KEY line that is no fingerprint is not answered, nor echoed into the logs.
        let (addr, accepting) = acceptor(&["the herd key"]).await;
        let (mut reader, mut writer) = TcpStream::connect(addr).await.unwrap().into_split();
        read_line(&mut reader).await.unwrap();
        writer.write_all(b"KEY \x1b[31mred\n").await.unwrap();
        assert!(matches!(accepting.await.unwrap(), Err(SealError::Unexpected(_))));
    }
}
