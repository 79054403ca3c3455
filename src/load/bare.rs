//! The baseline: a bare tokio line server that answers each IAMAT with an AT line and does
//! nothing else (no cache, no flood, no log). What a herd's figures are compared with, measured
//! on the same machine in the same run, since only ratios travel between machines.

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use herdctl_core::protocol::{self, ClientCommand, Record, Timestamp};

/// Serves on a free loopback port until `stop` is cancelled; returns the address.
pub async fn serve(stop: CancellationToken) -> std::io::Result<SocketAddr> {
    serve_on(TcpListener::bind("127.0.0.1:0").await?, stop)
}

/// Serves on `listener` until `stop` is cancelled; returns its address.
pub fn serve_on(listener: TcpListener, stop: CancellationToken) -> std::io::Result<SocketAddr> {
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let (stream, _) = tokio::select! {
                () = stop.cancelled() => return,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(_) => continue,
                },
            };
            let _ = stream.set_nodelay(true);
            let stop = stop.clone();
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut lines = BufReader::new(reader);
                let mut line = String::new();
                loop {
                    line.clear();
                    let read = tokio::select! {
                        () = stop.cancelled() => return,
                        read = lines.read_line(&mut line) => read,
                    };
                    if read.unwrap_or(0) == 0 {
                        return;
                    }
                    let reply = match protocol::parse(line.as_bytes()) {
                        Some(ClientCommand::Iamat(iamat)) => {
                            format!("{}\n", Record::new("Bare", Timestamp::now(), &iamat).line())
                        }
                        _ => format!("? {}\n", line.trim()),
                    };
                    if writer.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(addr)
}
