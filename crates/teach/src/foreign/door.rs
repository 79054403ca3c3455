//! Doors: the listeners a foreign herd's servers and clients reach herdctl through, each open
//! only while what is behind it can be reached. A server's door in another server's namespace
//! (on the first's port) is open while the first is up and the link from the second is not cut;
//! a server's front door on this machine is open while it is up; a door in a server's namespace
//! to a port on this machine (the places stub) is always open. A closed door refuses
//! connections, as a dead server or a cut link does, and closing it drops what went through it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{ForeignError, ForeignHerd, Server};
use tokio::net::TcpListener;

/// What a door lets through, once a connection comes.
#[derive(Clone)]
enum Behind {
    /// From server `from`'s namespace to server `to`.
    Peer { from: Arc<Server>, to: Arc<Server> },
    /// From a client on this machine to `to`.
    Front { to: Arc<Server> },
    /// From server `from`'s namespace to the same port on this machine's loopback.
    Outside { from: Arc<Server>, to: SocketAddr },
}

impl Behind {
    /// Whether the door is open now.
    fn open(&self, foreign: &ForeignHerd) -> bool {
        match self {
            Self::Peer { from, to } => foreign.is_up(&to.name) && !foreign.network.is_cut_from(&from.name, &to.name),
            Self::Front { to } => foreign.is_up(&to.name),
            Self::Outside { .. } => true,
        }
    }

    /// A listener where the door is.
    fn listen(&self) -> std::io::Result<TcpListener> {
        match self {
            #[cfg(target_os = "linux")]
            Self::Peer { from, to } => match &from.namespace {
                Some(namespace) => TcpListener::from_std(namespace.listen(to.port)?),
                None => Err(std::io::Error::other("no namespace")),
            },
            #[cfg(target_os = "linux")]
            Self::Outside { from, to } => match &from.namespace {
                Some(namespace) => TcpListener::from_std(namespace.listen(to.port())?),
                None => Err(std::io::Error::other("no namespace")),
            },
            #[cfg(not(target_os = "linux"))]
            Self::Peer { .. } | Self::Outside { .. } => Err(std::io::Error::other("no namespace")),
            Self::Front { to } => {
                let socket =
                    if to.front.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() }?;
                socket.set_reuseaddr(true)?;
                socket.bind(to.front)?;
                socket.listen(1024)
            }
        }
    }
}

/// One door, and whether it listens now: the herd is not at rest while a door that should be
/// open is not listening yet, or one that should be closed still is (a heal or a revive is
/// complete for the servers only once their doors agree with it).
pub struct Door {
    behind: Behind,
    listening: AtomicBool,
}

/// The doors whose state does not yet agree with the herd's.
pub fn unsettled(foreign: &ForeignHerd) -> usize {
    let doors = foreign.doors.lock().unwrap_or_else(|p| p.into_inner());
    doors.iter().filter(|door| door.behind.open(foreign) != door.listening.load(Ordering::Acquire)).count()
}

/// Opens every door of an isolated foreign herd: each server's front door (checked now, so that
/// a busy port stops herdctl at once), its doors in the other servers' namespaces, and in its
/// own namespace the doors to the ports on this machine it may reach (`outside`).
pub fn open_all(foreign: &Arc<ForeignHerd>) -> Result<(), ForeignError> {
    for to in &foreign.servers {
        // The port is tried now, while nothing is up: a clash is said at start.
        let front = Behind::Front { to: to.clone() };
        drop(front.listen().map_err(|source| ForeignError::Front {
            node: to.name.to_string(),
            addr: to.front,
            source,
        })?);
        let mut doors = vec![front];
        for from in foreign.servers.iter().filter(|from| from.index != to.index) {
            doors.push(Behind::Peer { from: from.clone(), to: to.clone() });
        }
        for addr in &foreign.outside {
            doors.push(Behind::Outside { from: to.clone(), to: *addr });
        }
        for behind in doors {
            let door = Arc::new(Door { behind, listening: AtomicBool::new(false) });
            foreign.doors.lock().unwrap_or_else(|p| p.into_inner()).push(door.clone());
            foreign.tasks.spawn(keep(foreign.clone(), door));
        }
    }
    Ok(())
}

/// Keeps one door: open while it should be, closed (with what went through it) while not; says
/// which it is (`listening`), and rings the motion bell when that changes, so that whoever waits
/// for the herd to be at rest looks again.
async fn keep(foreign: Arc<ForeignHerd>, door: Arc<Door>) {
    let behind = &door.behind;
    let listening = |now: bool| {
        door.listening.store(now, Ordering::Release);
        foreign.network.motion().settled();
    };
    let mut lives = foreign.lives.subscribe();
    let mut changes = foreign.network.watch();
    loop {
        // Closed: wait until it should open.
        while !behind.open(&foreign) {
            tokio::select! {
                () = foreign.token.cancelled() => return,
                _ = lives.changed() => {}
                _ = changes.changed() => {}
            }
        }
        let listener = match behind.listen() {
            Ok(listener) => listener,
            Err(error) => {
                let at = match &behind {
                    Behind::Peer { from, to } => format!("{}'s door in {}'s namespace", to.name, from.name),
                    Behind::Front { to } => format!("{}'s front door ({})", to.name, to.front),
                    Behind::Outside { from, to } => format!("the door to {to} in {}'s namespace", from.name),
                };
                tracing::warn!("{at} cannot open: {error}; trying again");
                tokio::select! {
                    () = foreign.token.cancelled() => return,
                    () = tokio::time::sleep(std::time::Duration::from_millis(200)) => continue,
                }
            }
        };
        let through = foreign.token.child_token();
        listening(true);
        loop {
            tokio::select! {
                () = foreign.token.cancelled() => return,
                _ = lives.changed() => {}
                _ = changes.changed() => {}
                accepted = listener.accept() => {
                    if let Ok((stream, addr)) = accepted {
                        // A new connection is news: a line may follow.
                        foreign.crossing();
                        let (foreign, behind, through) = (foreign.clone(), behind.clone(), through.clone());
                        foreign.tasks.clone().spawn(async move {
                            match behind {
                                Behind::Peer { from, to } => {
                                    super::relay::carry(&foreign, &from, &to, stream, through).await;
                                }
                                Behind::Front { to } => super::front::serve(&foreign, &to, stream, addr, through).await,
                                Behind::Outside { to, .. } => super::outside::pass(stream, to, through).await,
                            }
                        });
                    }
                }
            }
            if !behind.open(&foreign) {
                break;
            }
        }
        // Closed: the listener goes, and so does everything that came through it.
        drop(listener);
        through.cancel();
        listening(false);
    }
}
