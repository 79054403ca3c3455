//! What a foreign herd's servers reach outside the herd: the places stub herdctl starts for
//! their WHATSAT (on a free loopback port that is none of the topology's), and, from inside their
//! namespaces, any port on this machine's loopback the plan names. A namespace has a loopback of
//! its own, so each such port gets a door there whose connections are passed, byte for byte and
//! unread, to the same port on this machine.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use herdctl_core::places::Places;

use crate::places_stub;

/// Tries at a free port before giving up (each try that lands on a topology port keeps it, so
/// that the next cannot land there again).
const TRIES: usize = 64;

/// A places stub bound on this machine's loopback, not yet serving.
pub(super) struct Stub {
    listener: TcpListener,
    pub addr: SocketAddr,
}

impl Stub {
    /// Binds a free loopback port that is none of `taken` (the servers' ports: in a namespace,
    /// the stub's door must not stand where a server or another server's door listens).
    pub async fn bind(taken: &[u16]) -> std::io::Result<Self> {
        let mut kept = Vec::new();
        for _ in 0..TRIES {
            let (listener, addr) = places_stub::bind("127.0.0.1:0").await?;
            if !taken.contains(&addr.port()) {
                return Ok(Self { listener, addr });
            }
            kept.push(listener);
        }
        Err(std::io::Error::other("every free port offered was one of the topology's"))
    }

    /// What each server is given in its environment: the stub's two URLs.
    pub fn env(&self) -> [(String, String); 2] {
        [
            (places_stub::URL_VARIABLE.into(), places_stub::legacy_url(self.addr)),
            (places_stub::NEW_URL_VARIABLE.into(), places_stub::new_url(self.addr)),
        ]
    }

    /// Serves from `places` until `stop` is cancelled.
    pub async fn serve(self, places: Arc<dyn Places>, stop: CancellationToken) {
        if let Err(error) = places_stub::serve(self.listener, places, stop).await {
            tracing::warn!("the places stub for your servers stopped: {error}");
        }
    }
}

/// The IPv4 loopback address `url` names (`http://127.0.0.1:8090/...`,
/// `http://localhost:8090/...`), if it names one with a port: a server in a namespace reaches it
/// only through a door (which listens on the namespace's 127.0.0.1).
pub fn loopback(url: &str) -> Option<SocketAddr> {
    let rest = url.strip_prefix("http://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (host, port) = authority.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let ip = match host {
        "localhost" => Ipv4Addr::LOCALHOST,
        host => host.parse().ok()?,
    };
    ip.is_loopback().then_some(SocketAddr::from((ip, port)))
}

/// Passes one connection made in a namespace to `to` on this machine, both ways, until either
/// side closes or the door closes (`through`).
pub(super) async fn pass(mut stream: TcpStream, to: SocketAddr, through: CancellationToken) {
    let Ok(mut target) = TcpStream::connect(to).await else {
        // Nothing listens there: the server's connection closes, as a refused one would.
        return;
    };
    tokio::select! {
        () = through.cancelled() => {}
        _ = tokio::io::copy_bidirectional(&mut stream, &mut target) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::loopback;

    #[test]
    fn a_loopback_url_is_read_and_any_other_is_not() {
        let at = |text: &str| text.parse().ok();
        assert_eq!(loopback("http://127.0.0.1:8090/maps/api/place/nearbysearch/json"), at("127.0.0.1:8090"));
        assert_eq!(loopback("http://localhost:8090"), at("127.0.0.1:8090"));
        assert_eq!(loopback("http://127.0.0.2:80?x=1"), at("127.0.0.2:80"));
        for other in [
            "https://maps.googleapis.com/maps/api/place/nearbysearch/json",
            "http://192.168.1.4:8090/",
            "http://[::1]:8090/v1/places:searchNearby",
            "http://127.0.0.1/no-port",
            "https://127.0.0.1:8090/",
            "127.0.0.1:8090",
        ] {
            assert_eq!(loopback(other), None, "{other}");
        }
    }
}
