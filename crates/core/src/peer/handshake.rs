//! Opening a peer link: the accepting node sends a challenge, the dialling node answers with its
//! name and a proof made with the herd key, and the acceptor proves itself in turn. Nothing a
//! connection sends is believed before both proofs check out.

use crate::net::TcpStream;

use super::wire::{Message, PeerError, PeerStream, VERSION};
use crate::key::nonce;
use crate::secure::{self, Terms};
use crate::topology::{NodeName, Topology};

const DIALER: &str = "herdctl-peer/1 dialer";
const ACCEPTOR: &str = "herdctl-peer/1 acceptor";

/// Dials side: `me` opens a link to `neighbour` over `stream`, sealed or plain as `terms` say.
pub async fn dial(stream: TcpStream, me: &str, neighbour: &str, terms: &Terms) -> Result<PeerStream, PeerError> {
    let _ = stream.set_nodelay(true);
    let (reader, writer, first) = secure::dial(stream, terms).await?;
    let mut peer = PeerStream::new(reader, writer, first);
    let key = &terms.key;
    let greeting = peer.receive().await?;
    let (node, challenge) = match Message::parse(&greeting) {
        Some(Message::Herd { version: VERSION, node, nonce }) => (node, nonce),
        Some(Message::Herd { version, .. }) => return Err(PeerError::Version(version.to_string())),
        _ => return Err(PeerError::Unexpected(greeting)),
    };
    if node != neighbour {
        return Err(PeerError::WrongNode { expected: neighbour.into(), found: node.into() });
    }
    let my_nonce = nonce();
    let proof = key.prove(&[DIALER, challenge, me, neighbour]);
    peer.send(&Message::Hello { node: me, nonce: &my_nonce, proof: &proof }).await?;
    let answer = peer.receive().await?;
    match Message::parse(&answer) {
        Some(Message::Welcome { proof }) if key.verify(&[ACCEPTOR, &my_nonce, neighbour, me], proof) => Ok(peer),
        Some(Message::Welcome { .. }) => Err(PeerError::WrongKey),
        Some(Message::Denied { reason }) => Err(PeerError::Denied(reason.into())),
        _ => Err(PeerError::Unexpected(answer)),
    }
}

/// Accepting side: a connection arrived at `me`'s peer port. Returns the neighbour it proved to be.
pub async fn accept(
    stream: TcpStream,
    me: &str,
    topology: &Topology,
    terms: &Terms,
) -> Result<(NodeName, PeerStream), PeerError> {
    let _ = stream.set_nodelay(true);
    let (reader, writer) = secure::accept(stream, terms).await?;
    let mut peer = PeerStream::new(reader, writer, None);
    let key = &terms.key;
    let challenge = nonce();
    peer.send(&Message::Herd { version: VERSION, node: me, nonce: &challenge }).await?;
    let hello = peer.receive().await?;
    let Some(Message::Hello { node, nonce: their_nonce, proof }) = Message::parse(&hello) else {
        // A sealing dialler that met this plain acceptor says so in a `DENIED` line.
        return Err(secure::refusal(hello).into());
    };
    let refusal = if !key.verify(&[DIALER, &challenge, node, me], proof) {
        Some(PeerError::WrongKey)
    } else if !topology.are_neighbours(me, node) {
        Some(PeerError::NotANeighbour(node.into()))
    } else {
        None
    };
    if let Some(error) = refusal {
        // Tell an honest but misconfigured peer what is wrong; a stranger learns nothing useful.
        let _ = peer.send(&Message::Denied { reason: &error.to_string() }).await;
        return Err(error);
    }
    let neighbour = topology.name(node).ok_or_else(|| PeerError::NotANeighbour(node.into()))?;
    let proof = key.prove(&[ACCEPTOR, their_nonce, me, node]);
    peer.send(&Message::Welcome { proof: &proof }).await?;
    Ok((neighbour, peer))
}
