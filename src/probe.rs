//! `herdctl health [ADDR]`: whether a node is healthy, for a container's `HEALTHCHECK` and for
//! scripts. It asks a node's metrics port (`http://HOST:PORT`, `/readyz` unless another path is
//! given) or, given a bare `HOST:PORT`, a client port (a line the node must answer with `? `):
//! exit 0 healthy, 1 not, with one line saying which and why.

use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where `herdctl health` looks without an address: the metrics port the image serves.
pub const DEFAULT: &str = "http://127.0.0.1:9100/readyz";
/// The most of an answer read: a status line and a short reason are all it needs.
const MOST_ANSWER: usize = 16 * 1024;
/// What is sent to a client port: not a command, so it changes nothing, and any node answers it.
const QUESTION: &str = "HEALTH";

/// Checks `addr` within `timeout`: Ok(what the node said) when healthy, Err(why) when not.
pub async fn check(addr: &str, timeout: Duration) -> anyhow::Result<String> {
    match tokio::time::timeout(timeout, ask(addr)).await {
        Ok(answer) => answer.context("unhealthy"),
        Err(_) => bail!("unhealthy: {addr}: no answer in {}", humantime::format_duration(timeout)),
    }
}

async fn ask(addr: &str) -> anyhow::Result<String> {
    match addr.strip_prefix("http://") {
        Some(rest) => {
            let (host, path) =
                rest.split_once('/').map_or((rest, "/readyz".to_string()), |(h, p)| (h, format!("/{p}")));
            http(host, &path).await.with_context(|| format!("http://{host}{path}"))
        }
        None => client(addr).await.with_context(|| addr.to_string()),
    }
}

/// GET `path` from `host`: healthy on 200, the body's first line either way.
async fn http(host: &str, path: &str) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(host).await?;
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes()).await?;
    let answer = read_all(&mut stream).await?;
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let body = match response.parse(&answer).context("not an HTTP answer")? {
        httparse::Status::Complete(length) => String::from_utf8_lossy(&answer[length..]),
        httparse::Status::Partial => bail!("the answer ended before its headers did"),
    };
    let said = body.lines().next().unwrap_or_default().trim().to_string();
    match response.code {
        Some(200) => Ok(said),
        Some(code) => bail!("{code} {said}"),
        None => bail!("an answer without a status"),
    }
}

/// Sends a line that is no command to a client port: a serving node answers `? ` and the line.
async fn client(addr: &str) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(format!("{QUESTION}\n").as_bytes()).await?;
    let mut answer = Vec::new();
    let mut buffer = [0; 512];
    while !answer.contains(&b'\n') {
        let read = stream.read(&mut buffer).await?;
        if read == 0 || answer.len() > MOST_ANSWER {
            break;
        }
        answer.extend_from_slice(&buffer[..read]);
    }
    let line = String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_string();
    match line.starts_with("? ") {
        true => Ok("answers clients".to_string()),
        false if line.is_empty() => bail!("closed without an answer"),
        false => bail!("answered {line:?}, not a herd node's `? `"),
    }
}

/// Reads until the other side closes (HTTP/1.0), at most `MOST_ANSWER` bytes.
async fn read_all(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut answer = Vec::new();
    stream.take(MOST_ANSWER as u64).read_to_end(&mut answer).await?;
    Ok(answer)
}
