//! A client of a foreign server, carried across herdctl: a connection to the server's port on
//! this machine (herdctl's front door) is joined to the server's real port in its namespace.
//! Bytes pass as they come, unchanged; herdctl reads along, telling each client line and each
//! reply (a WHATSAT's whole answer, up to its blank line, as one), and the server's cache as
//! herdctl sees it learns the AT line the server answers an IAMAT with.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use herdctl_core::event::{EventKind, Via};
use herdctl_core::protocol::{self, ClientCommand};

use super::lines::Lines;
use super::relay::at_record;
use super::{ForeignHerd, Server};

/// The most of one reply told in an event; the client gets it all.
const MOST_TOLD: usize = 16 * 1024;

/// What a client asked, for reading its answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Asked {
    /// An IAMAT: one AT line, which the server's cache now holds.
    Iamat,
    /// A WHATSAT: an AT line, the places, and a blank line.
    Whatsat,
    /// Anything else: one line (`? ...`).
    Other,
}

/// Serves one client of `to` until either side closes or the door closes (`through`).
pub(super) async fn serve(
    foreign: &Arc<ForeignHerd>,
    to: &Arc<Server>,
    stream: TcpStream,
    addr: SocketAddr,
    through: CancellationToken,
) {
    let Ok(target) = super::member::connect(to).await else { return };
    to.events.emit(EventKind::ClientOpened { addr });
    let (client_read, client_write) = stream.into_split();
    let (server_read, server_write) = target.into_split();
    let asked = Mutex::new(VecDeque::new());
    let reason = tokio::select! {
        () = through.cancelled() => "the server went down",
        ((), ()) = async {
            tokio::join!(
                lines_in(foreign, to, addr, client_read, server_write, &asked),
                replies_out(foreign, to, addr, server_read, client_write, &asked),
            )
        } => "closed",
    };
    to.events.emit(EventKind::ClientClosed { addr, reason: reason.into() });
}

/// The client's lines, told and passed on.
async fn lines_in(
    foreign: &ForeignHerd,
    to: &Server,
    addr: SocketAddr,
    read: impl AsyncRead + Unpin,
    mut write: impl AsyncWrite + Unpin,
    asked: &Mutex<VecDeque<Asked>>,
) {
    let mut lines = Lines::new(read);
    while let Ok(Some(line)) = lines.next().await {
        let kind = match protocol::parse(&line) {
            Some(ClientCommand::Iamat(_)) => Some(Asked::Iamat),
            Some(ClientCommand::Whatsat(_)) => Some(Asked::Whatsat),
            Some(ClientCommand::Invalid) => Some(Asked::Other),
            // An empty line asks nothing (a server of the course's design answers nothing).
            None => None,
        };
        asked.lock().unwrap_or_else(|p| p.into_inner()).extend(kind);
        // The server acts on it (an IAMAT floods): the herd is not quiet yet.
        foreign.crossing();
        let text = String::from_utf8_lossy(&line);
        to.events.emit(EventKind::ClientLine { addr, line: text.trim_end_matches(['\n', '\r']).into() });
        if write.write_all(&line).await.is_err() {
            return;
        }
    }
    let _ = write.shutdown().await;
}

/// The server's replies, passed on as they come and told once whole.
async fn replies_out(
    foreign: &ForeignHerd,
    to: &Server,
    addr: SocketAddr,
    read: impl AsyncRead + Unpin,
    mut write: impl AsyncWrite + Unpin,
    asked: &Mutex<VecDeque<Asked>>,
) {
    let mut lines = Lines::new(read);
    let mut reply = String::new();
    let mut whatsat = false;
    while let Ok(Some(line)) = lines.next().await {
        if write.write_all(&line).await.is_err() {
            return;
        }
        // A server may flood after it answers: the pause counts from its answer.
        foreign.crossing();
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if reply.is_empty() {
            // A reply's first line: what it answers is the oldest question unanswered.
            let question = asked.lock().unwrap_or_else(|p| p.into_inner()).pop_front().unwrap_or(Asked::Other);
            if question == Asked::Iamat {
                learn(to, text);
            }
            whatsat = question == Asked::Whatsat && text.starts_with("AT");
        }
        if reply.len() < MOST_TOLD {
            if !reply.is_empty() {
                reply.push('\n');
            }
            reply.push_str(text);
        }
        // A WHATSAT's answer ends with a blank line; every other answer is one line.
        let whole = !whatsat || (text.is_empty() && reply.len() > 1);
        if whole {
            tell(to, addr, &mut reply);
        }
    }
    if !reply.is_empty() {
        tell(to, addr, &mut reply);
    }
    let _ = write.shutdown().await;
}

fn tell(to: &Server, addr: SocketAddr, reply: &mut String) {
    if reply.len() >= MOST_TOLD {
        reply.push_str("\n…");
    }
    to.events.emit(EventKind::ClientReply { addr, reply: std::mem::take(reply).into() });
}

/// The server answered an IAMAT with `text`: if it is an AT line, the server knows it now.
fn learn(to: &Server, text: &str) {
    let Some(record) = at_record(text) else { return };
    if to.cache().offer(&record, 0, Via::Client).is_new() {
        to.events.emit(EventKind::CacheUpdated { record, via: Via::Client, hops: 0, catch_up: false });
    }
}
