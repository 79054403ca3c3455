//! The sockets of nodes and their links: tokio's, or, with the `simulation` feature, turmoil's
//! simulated network (tests/simulation.rs), where whole herds run in virtual time under seeded
//! faults. Only what nodes use is here; everything else (the load generator, the classroom page)
//! always uses real sockets.

use std::io;
use std::net::SocketAddr;

#[cfg(not(feature = "simulation"))]
pub use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
#[cfg(not(feature = "simulation"))]
pub use tokio::net::{TcpListener, TcpStream};
#[cfg(feature = "simulation")]
pub use turmoil::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
#[cfg(feature = "simulation")]
pub use turmoil::net::{TcpListener, TcpStream};

/// Listens on `addr` at once (so a busy port fails a herd's start before any node runs), with
/// address reuse, so a node revived right after being killed gets its ports back.
#[cfg(not(feature = "simulation"))]
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() }?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// In the simulation every host listens on all its addresses; binding never waits.
#[cfg(feature = "simulation")]
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    use futures_util::FutureExt;
    let any = SocketAddr::from(([0, 0, 0, 0], addr.port()));
    TcpListener::bind(any).now_or_never().unwrap_or_else(|| Err(io::ErrorKind::WouldBlock.into()))
}
