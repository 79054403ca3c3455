//! Sockets that are real or simulated, as the process chose (`simulate`): each call goes to one
//! or the other. Built only with the `simulation` feature; a process that never calls `simulate`
//! uses real sockets, exactly as one built without it.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

static SIMULATED: AtomicBool = AtomicBool::new(false);

/// From now on, this process's herds run on turmoil's simulated network (a simulation test says
/// so before it builds its simulation).
pub fn simulate() {
    SIMULATED.store(true, Ordering::Release);
}

/// Whether this process runs its herds on the simulated network.
pub fn simulated() -> bool {
    SIMULATED.load(Ordering::Acquire)
}

/// Every host of a simulation listens on all its addresses; binding never waits.
pub(super) fn listen_simulated(port: u16) -> io::Result<TcpListener> {
    use futures_util::FutureExt;
    let any = SocketAddr::from(([0, 0, 0, 0], port));
    let bound =
        turmoil::net::TcpListener::bind(any).now_or_never().unwrap_or_else(|| Err(io::ErrorKind::WouldBlock.into()));
    Ok(TcpListener::Simulated(bound?))
}

pub enum TcpListener {
    Real(tokio::net::TcpListener),
    Simulated(turmoil::net::TcpListener),
}

impl TcpListener {
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        match self {
            Self::Real(listener) => listener.accept().await.map(|(stream, addr)| (TcpStream::Real(stream), addr)),
            Self::Simulated(listener) => {
                listener.accept().await.map(|(stream, addr)| (TcpStream::Simulated(stream), addr))
            }
        }
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match self {
            Self::Real(listener) => listener.local_addr(),
            Self::Simulated(listener) => listener.local_addr(),
        }
    }
}

pub enum TcpStream {
    Real(tokio::net::TcpStream),
    Simulated(turmoil::net::TcpStream),
}

impl TcpStream {
    /// Connects to `address` (`host:port`), on the network this process uses.
    pub async fn connect(address: impl std::fmt::Display) -> io::Result<Self> {
        let address = address.to_string();
        if simulated() {
            Ok(Self::Simulated(turmoil::net::TcpStream::connect(address.as_str()).await?))
        } else {
            Ok(Self::Real(tokio::net::TcpStream::connect(address.as_str()).await?))
        }
    }

    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        match self {
            Self::Real(stream) => stream.set_nodelay(nodelay),
            Self::Simulated(stream) => stream.set_nodelay(nodelay),
        }
    }

    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        match self {
            Self::Real(stream) => {
                let (read, write) = stream.into_split();
                (OwnedReadHalf::Real(read), OwnedWriteHalf::Real(write))
            }
            Self::Simulated(stream) => {
                let (read, write) = stream.into_split();
                (OwnedReadHalf::Simulated(read), OwnedWriteHalf::Simulated(write))
            }
        }
    }
}

pub enum OwnedReadHalf {
    Real(tokio::net::tcp::OwnedReadHalf),
    Simulated(turmoil::net::tcp::OwnedReadHalf),
}

pub enum OwnedWriteHalf {
    Real(tokio::net::tcp::OwnedWriteHalf),
    Simulated(turmoil::net::tcp::OwnedWriteHalf),
}

/// Reading and writing go to whichever socket it is.
macro_rules! either_io {
    ($type:ident) => {
        impl AsyncRead for $type {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    Self::Real(inner) => Pin::new(inner).poll_read(cx, buf),
                    Self::Simulated(inner) => Pin::new(inner).poll_read(cx, buf),
                }
            }
        }
    };
    ($type:ident, write) => {
        impl AsyncWrite for $type {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                match self.get_mut() {
                    Self::Real(inner) => Pin::new(inner).poll_write(cx, buf),
                    Self::Simulated(inner) => Pin::new(inner).poll_write(cx, buf),
                }
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    Self::Real(inner) => Pin::new(inner).poll_flush(cx),
                    Self::Simulated(inner) => Pin::new(inner).poll_flush(cx),
                }
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    Self::Real(inner) => Pin::new(inner).poll_shutdown(cx),
                    Self::Simulated(inner) => Pin::new(inner).poll_shutdown(cx),
                }
            }
        }
    };
}

either_io!(TcpStream);
either_io!(TcpStream, write);
either_io!(OwnedReadHalf);
either_io!(OwnedWriteHalf, write);
