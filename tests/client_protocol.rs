//! The client protocol over real sockets: framing, limits and hostile clients.

mod common;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn several_commands_on_one_connection_are_answered_in_order() {
    let herd = start_herd().await;
    let reply = ask(
        &herd,
        "Riley",
        "IAMAT kiwi +1-1 1700000000\n\n   \r\nHELLO  there \nWHATSAT kiwi 1 1\nWHATSAT nobody 1 1\nIAMAT kiwi +2-2 1700000001",
    )
    .await;
    let lines: Vec<&str> = reply.split('\n').collect();
    assert!(lines[0].starts_with("AT Riley +") && lines[0].ends_with(" kiwi +1-1 1700000000"), "{reply}");
    assert_eq!(lines[1], "? HELLO  there");
    assert_eq!(lines[2], lines[0], "WHATSAT starts with the stored AT line");
    let json_end = lines.iter().position(|l| *l == "}").unwrap();
    assert_eq!(lines[json_end + 1], "", "one empty line after the JSON");
    assert_eq!(lines[json_end + 2], "? WHATSAT nobody 1 1");
    // EOF ends the last line, which had no newline.
    assert!(lines[json_end + 3].ends_with(" kiwi +2-2 1700000001"), "{reply}");
    assert_eq!(lines.len(), json_end + 5, "{reply:?}");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_command_split_across_writes_is_one_command() {
    let herd = start_herd().await;
    let mut stream = TcpStream::connect(herd.client_addr("Jaquez").unwrap()).await.unwrap();
    stream.set_nodelay(true).unwrap();
    for piece in ["IAM", "AT ki", "wi +1-", "1 17", "00000000.5", "\n"] {
        stream.write_all(piece.as_bytes()).await.unwrap();
        stream.flush().await.unwrap();
        tokio::task::yield_now().await;
    }
    let mut reply = [0u8; 256];
    let n = stream.read(&mut reply).await.unwrap();
    let reply = std::str::from_utf8(&reply[..n]).unwrap();
    assert!(reply.starts_with("AT Jaquez ") && reply.ends_with(" kiwi +1-1 1700000000.5\n"), "{reply}");
    herd.shutdown().await;
}

#[tokio::test]
async fn bytes_that_are_not_utf8_are_echoed_as_received() {
    let herd = start_herd().await;
    let addr = herd.client_addr("Riley").unwrap();
    let reply = tokio::time::timeout(DEADLINE, async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"  IAMAT k\xff\xfe +1-1 5 \n").await.unwrap();
        stream.shutdown().await.unwrap();
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).await.unwrap();
        reply
    })
    .await
    .unwrap();
    assert_eq!(reply, b"? IAMAT k\xff\xfe +1-1 5\n");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_line_of_64_kib_is_answered_and_a_longer_one_closes_only_its_connection() {
    let herd = start_herd().await;
    let addr = herd.client_addr("Riley").unwrap();
    let mut longest = b"HELLO ".to_vec();
    longest.resize(64 * 1024, b'x');
    let reply = exchange(addr, &[longest.as_slice(), b"\n"].concat()).await;
    assert_eq!(reply.len(), 64 * 1024 + 3);
    assert!(reply.starts_with("? HELLO xxx"));

    let mut bystander = TcpStream::connect(addr).await.unwrap();
    longest.push(b'x');
    let cut = exchange_until_closed(addr, &[longest.as_slice(), b"\nHELLO\n"].concat()).await;
    assert_eq!(cut, b"", "nothing is answered once the line is too long");
    // An endless line without a newline ends the same way, without the node buffering it all.
    let endless = vec![b'y'; 1 << 20];
    assert_eq!(exchange_until_closed(addr, &endless).await, b"");

    bystander.write_all(b"HELLO\n").await.unwrap();
    let mut answer = [0u8; 16];
    let n = bystander.read(&mut answer).await.unwrap();
    assert_eq!(&answer[..n], b"? HELLO\n");
    herd.shutdown().await;
}

#[tokio::test]
async fn hundreds_of_idle_connections_and_a_client_that_never_reads_do_not_stop_service() {
    let herd = start_herd().await;
    let addr = herd.client_addr("Campbell").unwrap();
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // This one sends far more commands than the socket buffers can hold replies for, and never
    // reads a byte; its task blocks on writing, nobody else's does.
    let mut greedy = TcpStream::connect(addr).await.unwrap();
    let flood = "HELLO there, this is a line that gets a reply of about the same length\n".repeat(100_000);
    let writer = tokio::spawn(async move {
        let _ = greedy.write_all(flood.as_bytes()).await;
        greedy
    });
    let reply = ask(&herd, "Campbell", &format!("IAMAT kiwi +1+1 {}\n", now())).await;
    assert!(reply.starts_with("AT Campbell"), "{reply}");
    assert_eq!(ask(&herd, "Campbell", "WHATSAT kiwi 51 1\n").await, "? WHATSAT kiwi 51 1\n");
    writer.abort();
    drop(idle);
    herd.shutdown().await;
}

#[tokio::test]
async fn with_an_idle_timeout_a_silent_client_is_let_go_and_a_talking_one_is_not() {
    let idle = std::time::Duration::from_millis(300);
    let limits = ClientLimits { idle: Some(idle), ..ClientLimits::default() };
    let herd = start_herd_limited(std::sync::Arc::new(herdctl_core::places::NoPlaces), limits).await;
    let mut events = herd.subscribe();
    let addr = herd.client_addr("Riley").unwrap();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut talking = TcpStream::connect(addr).await.unwrap();
    // The talker speaks more often than the timeout, for longer than it.
    let started = tokio::time::Instant::now();
    let mut reply = [0u8; 64];
    while started.elapsed() < idle * 3 {
        talking.write_all(b"hello\n").await.unwrap();
        let n = talking.read(&mut reply).await.unwrap();
        assert_eq!(&reply[..n], b"? hello\n", "still served after {:?}", started.elapsed());
        tokio::time::sleep(idle / 4).await; // the pace of a talking client, not a synchronisation
    }
    let mut rest = Vec::new();
    let read = tokio::time::timeout(DEADLINE, silent.read_to_end(&mut rest)).await.expect("let go");
    assert_eq!((read.unwrap(), rest.len()), (0, 0), "closed without a word");
    let reason = loop {
        let event = tokio::time::timeout(DEADLINE, events.recv()).await.unwrap().unwrap();
        if let herdctl_core::event::EventKind::ClientClosed { reason, .. } = &event.kind {
            break reason.clone();
        }
    };
    assert_eq!(&*reason, "client sent nothing for 300ms");
    herd.shutdown().await;
}
