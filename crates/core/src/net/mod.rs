//! The sockets of nodes and their links. Real sockets (tokio's) always; with the `simulation`
//! feature, also turmoil's simulated network (tests/simulation.rs), where whole herds run in
//! virtual time under seeded faults. The feature only adds that ability: a process uses the
//! simulated network once it says so (`simulate`), so no feature changes what a real herd is.
//! Only what nodes use is here; everything else (the load generator, the classroom page) always
//! uses real sockets.

#[cfg(feature = "simulation")]
mod either;

use std::io;
use std::net::SocketAddr;

#[cfg(not(feature = "simulation"))]
pub use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
#[cfg(not(feature = "simulation"))]
pub use tokio::net::{TcpListener, TcpStream};

#[cfg(feature = "simulation")]
pub use either::{OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpStream, simulate, simulated};

/// Whether this process runs its herds on the simulated network (never without the feature).
#[cfg(not(feature = "simulation"))]
pub fn simulated() -> bool {
    false
}

/// Listens on `addr` at once (so a busy port fails a herd's start before any node runs), with
/// address reuse, so a node revived right after being killed gets its ports back. In a
/// simulation every host listens on all its addresses, and binding never waits.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    #[cfg(feature = "simulation")]
    if simulated() {
        return either::listen_simulated(addr.port());
    }
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() }?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    #[cfg(feature = "simulation")]
    return Ok(TcpListener::Real(socket.listen(1024)?));
    #[cfg(not(feature = "simulation"))]
    socket.listen(1024)
}
