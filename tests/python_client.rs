//! A client written the way the course's were (Python asyncio: open a connection, write one
//! command, half-close, read until the server closes) works against herdctl unchanged.

mod common;

use common::*;

const CLIENT: &str = r#"
import asyncio, sys, time

async def main(port, message):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(message.encode())
    writer.write_eof()
    data = await reader.read()
    print(data.decode(), end='')
    writer.close()

port, command = int(sys.argv[1]), sys.argv[2]
if command == 'IAMAT':
    message = 'IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 {:.9f}\n'.format(time.time())
else:
    message = command + '\n'
asyncio.run(main(port, message))
"#;

fn python(port: u16, command: &str) -> String {
    let output = std::process::Command::new("python3")
        .args(["-c", CLIENT, &port.to_string(), command])
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_course_style_python_client_works_unchanged() {
    let herd = start_herd().await;
    let (riley, campbell) = (herd.client_addr("Riley").unwrap().port(), herd.client_addr("Campbell").unwrap().port());
    let at = tokio::task::spawn_blocking(move || python(riley, "IAMAT")).await.unwrap();
    assert!(
        at.starts_with("AT Riley +") && at.contains(" kiwi.cs.ucla.edu +34.068930-118.445127 ") && at.ends_with('\n'),
        "{at}"
    );
    eventually("Campbell knows kiwi", || async { known_line(&herd, "Campbell", "kiwi.cs.ucla.edu").is_some() }).await;
    let whatsat = tokio::task::spawn_blocking(move || python(campbell, "WHATSAT kiwi.cs.ucla.edu 10 5")).await.unwrap();
    assert!(whatsat.starts_with(&at) && whatsat.ends_with("}\n\n"), "{whatsat}");
    let invalid = tokio::task::spawn_blocking(move || python(campbell, "WHATSAT kiwi.cs.ucla.edu 51 5")).await.unwrap();
    assert_eq!(invalid, "? WHATSAT kiwi.cs.ucla.edu 51 5\n");
    herd.shutdown().await;
}
