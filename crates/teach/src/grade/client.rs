//! Talking to a server as the course's clients do: a connection, a command, a half-close, the
//! answer read to the end; and waiting (with a deadline) for a server to learn a record.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{ANSWER_WITHIN, Bench};

/// Where the checks' clients say they are (UCLA, as in the course's examples).
pub const HERE: &str = "+34.068930-118.445127";

/// A client send time `offset` seconds from now, with nine fractional digits, and its value in
/// nanoseconds.
pub fn stamp(offset: i64) -> (String, i128) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as i128;
    let nanos = now + i128::from(offset) * 1_000_000_000;
    (format!("{}.{:09}", nanos / 1_000_000_000, nanos % 1_000_000_000), nanos)
}

/// An IAMAT of `client` here, sent `offset` seconds from now.
pub fn iamat(client: &str, offset: i64) -> String {
    format!("IAMAT {client} {HERE} {}", stamp(offset).0)
}

/// Writes `bytes`, half-closes, and reads the answer to its end.
pub async fn exchange(addr: SocketAddr, bytes: &[u8]) -> Result<String, String> {
    let talk = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(bytes).await?;
        stream.shutdown().await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&answer).into_owned())
    };
    match tokio::time::timeout(ANSWER_WITHIN, talk).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err("the connection was refused (the server is down?)".into())
        }
        Ok(Err(error)) => Err(format!("the connection failed: {error}")),
        Err(_) => Err(format!("no answer (the connection still open) within {} s", ANSWER_WITHIN.as_secs())),
    }
}

/// Sends one command line (a newline added) and returns the whole answer.
pub async fn ask(bench: &Bench, node: &str, line: &str) -> Result<String, String> {
    exchange(bench.addr(node), format!("{line}\n").as_bytes()).await
}

/// An answer shown in a report: its newlines made visible.
pub fn shown(answer: &str) -> String {
    let mut text = answer.replace('\n', "\\n");
    if text.len() > 300 {
        let mut cut = 300;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    format!("{text:?}")
}

/// The AT line a server answers about `client` now (the first line of its WHATSAT answer), or
/// what it said instead.
pub async fn record_at(bench: &Bench, node: &str, client: &str) -> Result<String, String> {
    let answer = ask(bench, node, &format!("WHATSAT {client} 10 1")).await?;
    let first = answer.lines().next().unwrap_or_default().to_string();
    if first.starts_with("AT ") { Ok(first) } else { Err(format!("{node} answered {}", shown(&answer))) }
}

/// Waits (at most `within`) until `node` answers WHATSAT about `client` with `line`; what it
/// last answered instead, when it never did.
pub async fn learns(bench: &Bench, node: &str, client: &str, line: &str, within: Duration) -> Result<(), String> {
    let deadline = Instant::now() + within;
    loop {
        let last = match record_at(bench, node, client).await {
            Ok(found) if found == line => return Ok(()),
            Ok(found) => format!("{node} answered with {found:?}"),
            Err(why) => why,
        };
        if Instant::now() >= deadline {
            return Err(format!("after {} s, {last}", within.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The AT line an IAMAT got, or why it got none (its newline not required here: the format
/// check is `iamat-format`'s).
pub async fn report(bench: &Bench, node: &str, line: &str) -> Result<String, String> {
    let answer = ask(bench, node, line).await?;
    match answer.lines().next() {
        Some(first) if first.starts_with("AT ") => Ok(first.to_string()),
        _ => Err(format!("{node} answered {}", shown(&answer))),
    }
}
