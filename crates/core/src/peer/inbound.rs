//! The receiving end of a neighbour's link, on this node's peer port: check the handshake, then
//! store (and pass on) each record and acknowledge it.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::net::TcpStream;
use tokio::time::timeout;

use super::link::{HANDSHAKE_TIMEOUT, SILENCE_LIMIT};
use super::wire::{Message, PeerError, PeerStream, line_buffered, next_line};
use super::{Local, handshake};
use crate::event::EventKind;
use crate::protocol::Record;
use crate::strategy::Carried;
use crate::topology::NodeName;

pub async fn serve(node: Arc<Local>, stream: TcpStream, addr: SocketAddr) {
    let agreement = node.agreement();
    let greeting = timeout(
        HANDSHAKE_TIMEOUT,
        handshake::accept(stream, &node.name, &node.topology, &node.terms, &node.linked, addr, &agreement),
    );
    let accepted = tokio::select! {
        _ = node.token.cancelled() => return,
        accepted = greeting => accepted.unwrap_or(Err(PeerError::Timeout)),
    };
    // The claim on the neighbour's name lasts as long as this connection.
    let (neighbour, peer, claim) = match accepted {
        Ok(accepted) => accepted,
        Err(error) => {
            if let Some(metrics) = node.events.metrics() {
                metrics.peer_refused(error.refusal());
            }
            if let Some(reason) = node.refusals.refused(addr.ip(), &error.to_string(), std::time::Instant::now()) {
                node.events.emit(EventKind::PeerRejected { addr, reason: reason.into() });
            }
            return;
        }
    };
    node.events.emit(EventKind::PeerAccepted { neighbour: neighbour.clone(), addr });
    let reason = tokio::select! {
        _ = node.token.cancelled() => "node stopped".to_string(),
        error = receive(&node, &neighbour, peer) => error.to_string(),
    };
    // The name is free again before anyone hears the link closed.
    drop(claim);
    node.events.emit(EventKind::PeerClosed { neighbour, reason: reason.into() });
}

/// Reads records until the connection breaks. Acknowledgements are cumulative and sent once per
/// batch of records that arrived together.
async fn receive(node: &Local, neighbour: &NodeName, peer: PeerStream) -> PeerError {
    let (mut lines, mut writer) = peer.split();
    let mut replies = String::new();
    let mut unacked = None;
    loop {
        // The dialer says something at least every `PING_EVERY`: a neighbour silent for longer
        // vanished (a host gone without a FIN), and its task and socket must not stay for ever.
        let line = match timeout(SILENCE_LIMIT, next_line(&mut lines)).await {
            Ok(Ok(line)) => line,
            Ok(Err(error)) => return error,
            Err(_) => return PeerError::Timeout,
        };
        match Message::parse(&line) {
            Some(Message::Record { seq, hops, at_line, catch_up, flooding }) => {
                let Some(record) = Record::parse(at_line) else {
                    return PeerError::Unexpected(line);
                };
                node.records.learn(Arc::new(record), hops, neighbour, Carried { catch_up, flooding });
                unacked = Some(seq);
            }
            Some(Message::Ping) => Message::Pong.write_to(&mut replies),
            _ => return PeerError::Unexpected(line),
        }
        if !line_buffered(&lines) {
            if let Some(seq) = unacked.take() {
                Message::Ack { seq }.write_to(&mut replies);
            }
            if let Err(error) = writer.write_all(replies.as_bytes()).await {
                return error.into();
            }
            replies.clear();
        }
    }
}
