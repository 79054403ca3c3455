//! Sending the operator's commands to a node exactly as a client would: over TCP, one line,
//! half-close, read the reply to the end.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longer than the places timeout, so that a slow WHATSAT still gets its failure document.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// The reply to `line`, or a sentence saying why there is none.
pub async fn send(addr: SocketAddr, node: &str, line: &str) -> String {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(format!("{line}\n").as_bytes()).await?;
        stream.shutdown().await?;
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&reply).into_owned())
    };
    match tokio::time::timeout(REPLY_TIMEOUT, exchange).await {
        Ok(Ok(reply)) if reply.is_empty() => format!("({node} closed the connection without a reply)"),
        Ok(Ok(reply)) => reply,
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("({node} refused the connection: it is down)")
        }
        Ok(Err(error)) => format!("({node}: {error})"),
        Err(_) => format!("({node} did not answer within {} s)", REPLY_TIMEOUT.as_secs()),
    }
}
