//! Reading a foreign server's connection a line at a time, whatever it sends: lines ending in a
//! newline, a last line the connection closes without one, and no line longer than a bound (a
//! runaway server must not grow herdctl's memory).

use tokio::io::{AsyncRead, AsyncReadExt};

/// The longest line taken whole; a longer one is passed on in pieces of this size.
pub const MOST_LINE: usize = 64 * 1024;

/// Lines read from one side of a connection.
pub struct Lines<R> {
    reader: R,
    buffer: Vec<u8>,
    ended: bool,
}

impl<R: AsyncRead + Unpin> Lines<R> {
    pub fn new(reader: R) -> Self {
        Self { reader, buffer: Vec::with_capacity(1024), ended: false }
    }

    /// The next line with its newline (if it had one); `None` once the other side has closed and
    /// everything it sent has been read.
    pub async fn next(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                return Ok(Some(self.buffer.drain(..=end).collect()));
            }
            if self.buffer.len() >= MOST_LINE {
                return Ok(Some(self.buffer.drain(..MOST_LINE).collect()));
            }
            if self.ended {
                // A last line without its newline is still a line.
                return Ok((!self.buffer.is_empty()).then(|| std::mem::take(&mut self.buffer)));
            }
            let mut chunk = [0u8; 4096];
            let read = self.reader.read(&mut chunk).await?;
            if read == 0 {
                self.ended = true;
            }
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_whole_split_over_reads_and_the_last_without_its_newline() {
        let (mut writer, reader) = tokio::io::duplex(16);
        let sending = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for piece in ["AT Riley +0.1 ki", "wi +1+1 5\nAT Jaq", "uez +0.2 fig +1+1 6"] {
                writer.write_all(piece.as_bytes()).await.unwrap();
            }
        });
        // The pipe holds 16 bytes, less than the pieces: the sender finishes (and closes its end)
        // only while the lines are read, so it is awaited last, never between two reads.
        let mut lines = Lines::new(reader);
        assert_eq!(lines.next().await.unwrap(), Some(b"AT Riley +0.1 kiwi +1+1 5\n".to_vec()));
        assert_eq!(lines.next().await.unwrap(), Some(b"AT Jaquez +0.2 fig +1+1 6".to_vec()));
        assert_eq!(lines.next().await.unwrap(), None);
        sending.await.unwrap();
    }

    #[tokio::test]
    async fn an_endless_line_comes_in_bounded_pieces() {
        let (mut writer, reader) = tokio::io::duplex(1 << 20);
        use tokio::io::AsyncWriteExt;
        writer.write_all(&vec![b'x'; MOST_LINE * 2 + 10]).await.unwrap();
        drop(writer);
        let mut lines = Lines::new(reader);
        assert_eq!(lines.next().await.unwrap().map(|l| l.len()), Some(MOST_LINE));
        assert_eq!(lines.next().await.unwrap().map(|l| l.len()), Some(MOST_LINE));
        assert_eq!(lines.next().await.unwrap().map(|l| l.len()), Some(10));
        assert_eq!(lines.next().await.unwrap(), None);
    }
}
