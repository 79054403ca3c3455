//! The accept loops of a node's two ports. Each connection is its own task, tracked by the node,
//! so that killing the node ends them all.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::net::{TcpListener, TcpStream};

use super::Node;
use super::client;
use crate::event::EventKind;
use crate::peer::{Local, inbound};

/// After a failed accept (usually: out of file descriptors), wait this long before the next one
/// rather than spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

pub async fn accept_clients(node: Arc<Node>, listener: TcpListener) {
    accept_each(&node, listener, "client", |stream, addr| {
        // Counted here, released by the connection task: the caps bound the node's memory and
        // its file descriptors, and keep one address from taking every place.
        let most = node.limits.most;
        if node.clients.fetch_add(1, Ordering::AcqRel) >= most {
            node.clients.fetch_sub(1, Ordering::AcqRel);
            let reason = format!("refused: {most} clients already connected").into();
            node.events.emit(EventKind::ClientClosed { addr, reason });
            return;
        }
        if !node.process_clients.open() {
            node.clients.fetch_sub(1, Ordering::AcqRel);
            let most = node.process_clients.most();
            let reason = format!("refused: the open-file limit leaves room for {most} clients in this process").into();
            node.events.emit(EventKind::ClientClosed { addr, reason });
            return;
        }
        let per_source = node.limits.limits_source(addr.ip());
        if per_source && !node.sources.open(addr.ip()) {
            node.process_clients.close();
            node.clients.fetch_sub(1, Ordering::AcqRel);
            let most = node.limits.per_source;
            let reason = format!("refused: {most} clients already connected from {}", addr.ip()).into();
            node.events.emit(EventKind::ClientClosed { addr, reason });
            return;
        }
        let node = node.clone();
        node.tracker.clone().spawn(async move {
            client::serve(&node, stream, addr).await;
            if per_source {
                node.sources.close(addr.ip());
            }
            node.process_clients.close();
            node.clients.fetch_sub(1, Ordering::AcqRel);
        });
    })
    .await;
}

pub async fn accept_peers(node: Arc<Node>, local: Arc<Local>, listener: TcpListener) {
    accept_each(&node, listener, "peer", |stream, addr| {
        node.tracker.spawn(inbound::serve(local.clone(), stream, addr));
    })
    .await;
}

/// Hands each accepted connection to `handle` until the node stops.
async fn accept_each(node: &Node, listener: TcpListener, role: &str, mut handle: impl FnMut(TcpStream, SocketAddr)) {
    loop {
        let accepted = tokio::select! {
            _ = node.token.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, addr)) => handle(stream, addr),
            Err(error) => {
                tracing::warn!(node = %node.name, "accepting a {role} connection failed: {error}");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}
