//! Clients as a server meets them in use: many at once, a burst of commands on one connection, a
//! slow one that never finishes its line, a command that arrives in pieces.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::client::{self, HERE, shown};
use super::{ANSWER_WITHIN, Bench, Finding};

/// Clients that connect at once.
const MANY: usize = 40;
/// Commands in one burst.
const BURST: usize = 50;

/// Whether `answer` holds, in order, an AT line for each of `expected` (client fields as sent),
/// newline or not; the first one missing.
fn in_order<'a>(answer: &str, expected: &'a [String]) -> Result<(), &'a str> {
    let mut rest = answer;
    for fields in expected {
        match rest.find(fields.as_str()) {
            Some(at) => rest = &rest[at + fields.len()..],
            None => return Err(fields),
        }
    }
    Ok(())
}

pub async fn many_clients(bench: &Bench, finding: &mut Finding) {
    let names = bench.names();
    let targets: Vec<(String, String)> = (0..MANY)
        .map(|i| (names[i % names.len()].to_string(), client::iamat(&format!("grade-many-{i}"), -1)))
        .collect();
    finding.sent("each server", &format!("{MANY} clients connected at once, each with one IAMAT"));
    finding.expect("each client gets the AT line of its own IAMAT from the server it asked");
    // Every client is connected before any writes.
    let connecting = targets.iter().map(|(node, _)| TcpStream::connect(bench.addr(node)));
    let connected = futures_util::future::join_all(connecting).await;
    let talks = targets.iter().zip(connected).map(|((_, line), stream)| async move {
        let talk = async {
            let mut stream = stream.map_err(|e| format!("cannot connect: {e}"))?;
            stream.write_all(format!("{line}\n").as_bytes()).await.map_err(|e| e.to_string())?;
            stream.shutdown().await.map_err(|e| e.to_string())?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await.map_err(|e| e.to_string())?;
            Ok::<_, String>(String::from_utf8_lossy(&answer).into_owned())
        };
        tokio::time::timeout(ANSWER_WITHIN * 2, talk)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} s", (ANSWER_WITHIN * 2).as_secs())))
    });
    let answers = futures_util::future::join_all(talks).await;
    let mut wrong = Vec::new();
    for ((node, line), answer) in targets.iter().zip(answers) {
        let fields = line.split_once(' ').map(|(_, rest)| rest.to_string()).unwrap_or_default();
        match answer {
            Ok(answer) if answer.starts_with(&format!("AT {node} ")) && in_order(&answer, &[fields]).is_ok() => {}
            Ok(answer) => wrong.push(format!("{node} <- {line:?} got {}", shown(&answer))),
            Err(why) => wrong.push(format!("{node} <- {line:?}: {why}")),
        }
    }
    match wrong.len() {
        0 => finding.got(format!("all {MANY} answered")),
        n => finding.fail(format!("{n} of {MANY} not answered right, e.g. {}", wrong[0])),
    }
}

pub async fn burst(bench: &Bench, finding: &mut Finding) {
    let node = bench.names().first().map(|name| name.to_string()).unwrap_or_default();
    let lines: Vec<String> = (0..BURST).map(|i| client::iamat(&format!("grade-burst-{i}"), -1)).collect();
    let expected: Vec<String> =
        lines.iter().map(|line| line.split_once(' ').unwrap_or_default().1.to_string()).collect();
    finding.sent(&node, &format!("{BURST} IAMATs in one write on one connection, then a half-close"));
    finding.expect("an AT line for each, in the order sent");
    let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
    match client::exchange(bench.addr(&node), text.as_bytes()).await {
        Ok(answer) => match in_order(&answer, &expected) {
            Ok(()) => finding.got(format!("{BURST} AT lines in order")),
            Err(missing) => finding.fail(format!("no answer (in order) for {missing:?}; got {}", shown(&answer))),
        },
        Err(why) => finding.fail(why),
    }
}

/// Writes `pieces` one at a time on one connection, `gap` apart, then half-closes and reads the
/// answer.
async fn in_pieces(bench: &Bench, node: &str, pieces: &[String], gap: Duration) -> Result<String, String> {
    let talk = async {
        let mut stream = bench.connect_direct(node).await?;
        stream.set_nodelay(true)?;
        for (i, piece) in pieces.iter().enumerate() {
            if i > 0 {
                // Spaced so that each piece arrives as a read of its own: the point of the check.
                tokio::time::sleep(gap).await;
            }
            stream.write_all(piece.as_bytes()).await?;
        }
        stream.shutdown().await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&answer).into_owned())
    };
    match tokio::time::timeout(ANSWER_WITHIN + gap * pieces.len() as u32, talk).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(error)) => Err(format!("the connection failed: {error}")),
        Err(_) => Err("no answer in time".into()),
    }
}

pub async fn split_line(bench: &Bench, finding: &mut Finding) {
    let node = bench.names().first().map(|name| name.to_string()).unwrap_or_default();
    let (time, _) = client::stamp(-1);
    let pieces: Vec<String> =
        ["IAM", "AT grade-split +34.0", "68930-118.445127 ", &format!("{time}\n")].map(str::to_string).into();
    finding.sent(&node, &format!("{:?}, 100 ms apart", pieces));
    finding.expect(format!("one AT line for grade-split {HERE} {time}"));
    match in_pieces(bench, &node, &pieces, Duration::from_millis(100)).await {
        Ok(answer)
            if answer.starts_with("AT ")
                && answer.lines().count() == 1
                && in_order(&answer, &[format!("grade-split {HERE} {time}")]).is_ok() =>
        {
            finding.got(shown(&answer))
        }
        Ok(answer) => finding.fail(shown(&answer)),
        Err(why) => finding.fail(why),
    }
}

pub async fn slow_client(bench: &Bench, finding: &mut Finding) {
    let node = bench.names().first().map(|name| name.to_string()).unwrap_or_default();
    finding.sent(&node, "\"IAMAT grade-slow\" on one connection, no newline, the connection kept open");
    let mut slow = match bench.connect_direct(&node).await {
        Ok(stream) => stream,
        Err(error) => return finding.fail(format!("cannot connect: {error}")),
    };
    if let Err(error) = slow.write_all(b"IAMAT grade-slow").await {
        return finding.fail(format!("cannot write: {error}"));
    }
    let quick = client::iamat("grade-quick", -1);
    finding.sent(&node, &format!("{quick} (from another client, meanwhile)"));
    finding.expect("the other client answered at once; the slow one answered once its line ends");
    match client::report(bench, &node, &quick).await {
        Ok(_) => {}
        Err(why) => {
            return finding.fail(format!("while a client's line was unfinished, another got no AT line: {why}"));
        }
    }
    let (time, _) = client::stamp(-1);
    let rest = format!(" {HERE} {time}\n");
    finding.sent(&node, &format!("{rest:?} (the slow client's line ends)"));
    let answer = async {
        slow.write_all(rest.as_bytes()).await?;
        slow.shutdown().await?;
        let mut answer = Vec::new();
        slow.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&answer).into_owned())
    };
    match tokio::time::timeout(ANSWER_WITHIN, answer).await {
        Ok(Ok(answer)) if in_order(&answer, &[format!("grade-slow {HERE} {time}")]).is_ok() => {
            finding.got("both answered")
        }
        Ok(Ok(answer)) => finding.fail(format!("the slow client got {}", shown(&answer))),
        Ok(Err(error)) => finding.fail(format!("the slow client's connection failed: {error}")),
        Err(_) => finding.fail("the slow client got no answer once its line ended"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_found_in_order_newline_or_not() {
        let expected = ["a +1+1 5".to_string(), "b +1+1 6".to_string()];
        assert_eq!(in_order("AT R +0.1 a +1+1 5\nAT R +0.1 b +1+1 6\n", &expected), Ok(()));
        assert_eq!(in_order("AT R +0.1 a +1+1 5AT R +0.1 b +1+1 6", &expected), Ok(()));
        assert_eq!(in_order("AT R +0.1 b +1+1 6\nAT R +0.1 a +1+1 5\n", &expected), Err("b +1+1 6"));
    }
}
