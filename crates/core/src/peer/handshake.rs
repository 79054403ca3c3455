//! Opening a peer link: the accepting node sends a challenge, the dialling node answers with its
//! name, a proof made with its primary key (named by the key's fingerprint, so that the acceptor
//! knows which key of its keyring to check it with) and what the two must agree on (the topology's digest and
//! the strategy), and the acceptor proves itself in turn. Nothing a connection sends is believed
//! before both proofs check out, and neighbours that run different herds are refused, with both
//! sides' values said.

use crate::net::TcpStream;

use super::wire::{Message, PeerError, PeerStream, VERSION};
use crate::key::nonce;
use crate::secure::{self, Terms};
use crate::topology::{NodeName, Topology};

use super::linked::{Claim, Linked};
use std::net::SocketAddr;

const DIALER: &str = "herdctl-peer/1 dialer";
const ACCEPTOR: &str = "herdctl-peer/1 acceptor";

/// What two neighbours must agree on besides the key: the topology's digest and the strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    pub topology: String,
    pub strategy: String,
}

/// Dials side: `me` opens a link to `neighbour` over `stream`, sealed or plain as `terms` say.
pub async fn dial(
    stream: TcpStream,
    me: &str,
    neighbour: &str,
    terms: &Terms,
    agreement: &Agreement,
) -> Result<PeerStream, PeerError> {
    let _ = stream.set_nodelay(true);
    let (reader, writer, first) = secure::dial(stream, terms).await?;
    let mut peer = PeerStream::new(reader, writer, first);
    let ring = terms.keys.now();
    let key = ring.primary();
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
    let (topology, strategy) = (agreement.topology.as_str(), agreement.strategy.as_str());
    let proof = key.prove(&[DIALER, challenge, me, neighbour, topology, strategy]);
    let fingerprint = ring.primary_fingerprint();
    peer.send(&Message::Hello { node: me, nonce: &my_nonce, proof: &proof, key: fingerprint, topology, strategy })
        .await?;
    let answer = peer.receive().await?;
    match Message::parse(&answer) {
        Some(Message::Welcome { proof }) if key.verify(&[ACCEPTOR, &my_nonce, neighbour, me], proof) => Ok(peer),
        Some(Message::Welcome { .. }) => Err(PeerError::WrongKey),
        Some(Message::Denied { reason }) => Err(PeerError::Denied(reason.into())),
        _ => Err(PeerError::Unexpected(answer)),
    }
}

/// Accepting side: a connection from `from` arrived at `me`'s peer port. Returns the neighbour it
/// proved to be, and its claim on that name among the links `linked` (one connection a name).
pub async fn accept<'a>(
    stream: TcpStream,
    me: &str,
    topology: &Topology,
    terms: &Terms,
    linked: &'a Linked,
    from: SocketAddr,
    agreement: &Agreement,
) -> Result<(NodeName, PeerStream, Claim<'a>), PeerError> {
    let _ = stream.set_nodelay(true);
    let (reader, writer) = secure::accept(stream, terms).await?;
    let mut peer = PeerStream::new(reader, writer, None);
    let ring = terms.keys.now();
    let challenge = nonce();
    peer.send(&Message::Herd { version: VERSION, node: me, nonce: &challenge }).await?;
    let hello = peer.receive().await?;
    let Some(Message::Hello {
        node,
        nonce: their_nonce,
        proof,
        key: fingerprint,
        topology: their_topology,
        strategy: their_strategy,
    }) = Message::parse(&hello)
    else {
        // A sealing dialler that met this plain acceptor says so in a `DENIED` line.
        return Err(secure::refusal(hello).into());
    };
    let key = ring.find(fingerprint);
    let neighbour = topology.name(node).filter(|_| topology.are_neighbours(me, node));
    let skew = |what, theirs: &str, ours: &str| PeerError::Skew {
        what,
        dialler: node.into(),
        theirs: if theirs.is_empty() { "none".into() } else { theirs.into() },
        acceptor: me.into(),
        ours: ours.into(),
    };
    let claimed = match (&neighbour, key) {
        // Said only as a fingerprint: a plain dialler's HELLO is read before anything is checked.
        (_, None) if fingerprint.len() <= 64 && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Err(PeerError::UnknownKey(fingerprint.into()))
        }
        (_, None) => Err(PeerError::WrongKey),
        (_, Some(key)) if !key.verify(&[DIALER, &challenge, node, me, their_topology, their_strategy], proof) => {
            Err(PeerError::WrongKey)
        }
        (None, _) => Err(PeerError::NotANeighbour(node.into())),
        (Some(name), Some(key)) => linked
            .claim(name, from)
            .map_err(|holder| PeerError::AlreadyLinked { node: node.into(), holder, from })
            .and_then(|claim| match () {
                () if their_topology != agreement.topology => {
                    Err(skew("topology", their_topology, &agreement.topology))
                }
                () if their_strategy != agreement.strategy => {
                    Err(skew("strategy", their_strategy, &agreement.strategy))
                }
                () => Ok((claim, key)),
            }),
    };
    let (claim, key) = match claimed {
        Ok(claimed) => claimed,
        Err(error) => {
            // Tell an honest but misconfigured peer what is wrong; a stranger learns nothing useful.
            let _ = peer.send(&Message::Denied { reason: &error.to_string() }).await;
            return Err(error);
        }
    };
    let neighbour = claim.name().clone();
    // The dialler checks this proof with the key it offered: the one its fingerprint found.
    let proof = key.prove(&[ACCEPTOR, their_nonce, me, node]);
    peer.send(&Message::Welcome { proof: &proof }).await?;
    Ok((neighbour, peer, claim))
}
