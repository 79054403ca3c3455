//! A loopback of its own for each server of a foreign herd (Linux): herdctl enters a user
//! namespace of its own as it starts (unprivileged; before any thread runs, as the kernel asks),
//! and then makes one network namespace a server, each with its loopback up. A thread of
//! herdctl lives in each namespace and makes sockets there on request: listeners on the ports of
//! the server's neighbours (so that what the server sends them reaches herdctl first) and
//! connections to the server's own port (to deliver what its neighbours and clients send).
//! Sockets stay in the namespace they were made in, so the rest of herdctl uses them from any
//! thread. A server's every life starts inside its namespace.

use std::fs::File;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::mpsc;
use std::time::Duration;

use nix::sched::{CloneFlags, setns, unshare};

/// How long a connection made inside a namespace may take (a loopback answers at once).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Why namespaces cannot be had here, in words for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(String);

/// Enters a user namespace of this process's own, where it may make network namespaces. Must
/// run while the process has one thread (before the async runtime starts). `Err` says why not
/// (a kernel that restricts unprivileged user namespaces, a container without them).
pub fn enter_user_namespace() -> Result<(), Unavailable> {
    let (uid, gid) = (nix::unistd::getuid(), nix::unistd::getgid());
    unshare(CloneFlags::CLONE_NEWUSER)
        .map_err(|error| Unavailable(format!("this system does not let herdctl make a user namespace ({error})")))?;
    let write = |path: &str, text: String| {
        std::fs::write(path, text).map_err(|error| Unavailable(format!("cannot write {path} ({error})")))
    };
    // Groups cannot be set in the namespace, which the kernel asks before a gid map.
    write("/proc/self/setgroups", "deny".into())?;
    write("/proc/self/uid_map", format!("0 {uid} 1"))?;
    write("/proc/self/gid_map", format!("0 {gid} 1"))?;
    Ok(())
}

enum Ask {
    Listen(u16, mpsc::Sender<io::Result<TcpListener>>),
    Connect(SocketAddr, mpsc::Sender<io::Result<TcpStream>>),
    Listening(u16, mpsc::Sender<bool>),
}

/// One network namespace, its loopback up, and the thread that makes sockets in it.
pub struct NetNamespace {
    /// Keeps the namespace alive, and lets a server's process enter it.
    handle: File,
    asks: mpsc::Sender<Ask>,
}

impl NetNamespace {
    /// Makes a network namespace (this process must be in a user namespace of its own).
    pub fn new(name: &str) -> Result<Self, Unavailable> {
        let (made, handle) = mpsc::channel();
        let (asks, questions) = mpsc::channel::<Ask>();
        std::thread::Builder::new()
            .name(format!("herdctl-ns-{name}"))
            .spawn(move || {
                let entered = unshare(CloneFlags::CLONE_NEWNET)
                    .map_err(|error| Unavailable(format!("cannot make a network namespace ({error})")))
                    .and_then(|()| {
                        loopback_up().map_err(|error| Unavailable(format!("cannot raise its loopback ({error})")))
                    })
                    .and_then(|()| {
                        File::open("/proc/thread-self/ns/net")
                            .map_err(|error| Unavailable(format!("cannot hold the namespace ({error})")))
                    });
                let failed = entered.is_err();
                let _ = made.send(entered);
                if failed {
                    return;
                }
                // Sockets made here belong to the namespace; the thread lives as long as anyone
                // may still ask for one.
                for ask in questions {
                    match ask {
                        Ask::Listen(port, answer) => {
                            let _ = answer.send(listen(port));
                        }
                        Ask::Connect(addr, answer) => {
                            let _ = answer.send(TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT));
                        }
                        Ask::Listening(port, answer) => {
                            let _ = answer.send(listening("/proc/thread-self/net", port));
                        }
                    }
                }
            })
            .map_err(|error| Unavailable(format!("cannot start a thread ({error})")))?;
        let handle = handle.recv().map_err(|_| Unavailable("the namespace's thread stopped".into()))??;
        Ok(Self { handle, asks })
    }

    /// A listener on 127.0.0.1:`port` inside the namespace (non-blocking, for tokio).
    pub fn listen(&self, port: u16) -> io::Result<TcpListener> {
        let (answer, answered) = mpsc::channel();
        self.asks.send(Ask::Listen(port, answer)).map_err(|_| gone())?;
        answered.recv().map_err(|_| gone())?
    }

    /// A connection to `addr` made inside the namespace (non-blocking, for tokio).
    pub fn connect(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let (answer, answered) = mpsc::channel();
        self.asks.send(Ask::Connect(addr, answer)).map_err(|_| gone())?;
        let stream = answered.recv().map_err(|_| gone())??;
        stream.set_nonblocking(true)?;
        Ok(stream)
    }

    /// Whether something listens on `port` inside the namespace (read from the kernel's table of
    /// sockets, so that asking opens no connection the server would see).
    pub fn is_listening(&self, port: u16) -> bool {
        let (answer, answered) = mpsc::channel();
        self.asks.send(Ask::Listening(port, answer)).is_ok() && answered.recv().unwrap_or(false)
    }

    /// Makes the calling process enter the namespace: for a server's process, between fork and
    /// exec (async-signal-safe: one system call).
    pub fn enter(&self) -> io::Result<()> {
        setns(self.handle.as_fd(), CloneFlags::CLONE_NEWNET).map_err(io::Error::from)
    }

    /// The raw descriptor, for `enter` in a `pre_exec` closure.
    pub fn raw(&self) -> i32 {
        self.handle.as_raw_fd()
    }
}

fn gone() -> io::Error {
    io::Error::other("the namespace's thread stopped")
}

/// Whether a socket listens on `port` in the network namespace whose `net` folder of /proc is
/// `net` (`/proc/thread-self/net` for the calling thread's).
pub fn listening(net: &str, port: u16) -> bool {
    // Each row: `sl local_address rem_address st ...`, the address as HEX:PORT, state 0A LISTEN.
    let wanted = format!(":{port:04X}");
    ["tcp", "tcp6"].iter().any(|table| {
        std::fs::read_to_string(format!("{net}/{table}")).is_ok_and(|text| {
            text.lines().skip(1).any(|row| {
                let mut fields = row.split_whitespace().skip(1);
                let local = fields.next().unwrap_or_default();
                let state = fields.nth(1).unwrap_or_default();
                local.ends_with(&wanted) && state == "0A"
            })
        })
    })
}

fn listen(port: u16) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Raises `lo` in the calling thread's network namespace (a new one has it down).
fn loopback_up() -> io::Result<()> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").or_else(|_| {
        // A new namespace has no address yet: an unbound socket is enough for the ioctl.
        std::net::UdpSocket::bind("0.0.0.0:0")
    });
    let fd = match &socket {
        Ok(socket) => socket.as_raw_fd(),
        Err(_) => {
            // SAFETY: a plain socket(2) call; the descriptor is closed below.
            let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            fd
        }
    };
    // SAFETY: `request` is a zeroed `ifreq` naming "lo", valid for both ioctls; `fd` is open.
    let result = unsafe {
        let mut request: libc::ifreq = std::mem::zeroed();
        for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
            *slot = *byte as libc::c_char;
        }
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut request) < 0 {
            Err(io::Error::last_os_error())
        } else {
            request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            if libc::ioctl(fd, libc::SIOCSIFFLAGS, &request) < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
        }
    };
    if socket.is_err() {
        // SAFETY: the descriptor opened above, closed once.
        unsafe { libc::close(fd) };
    }
    result
}
