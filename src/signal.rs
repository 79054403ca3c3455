//! "Please stop" from outside the process, on every platform: SIGTERM on Unix (a closing
//! terminal emulator, `kill`, a service manager); on Windows, Ctrl-Break and the console window
//! closing. Ctrl-C is tokio's own `ctrl_c` everywhere.

/// A stream of termination requests.
pub struct Terminate {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
    #[cfg(windows)]
    signals: (tokio::signal::windows::CtrlBreak, tokio::signal::windows::CtrlClose),
}

impl Terminate {
    #[cfg(unix)]
    pub fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self { signal: signal(SignalKind::terminate())? })
    }

    #[cfg(windows)]
    pub fn new() -> std::io::Result<Self> {
        use tokio::signal::windows::{ctrl_break, ctrl_close};
        Ok(Self { signals: (ctrl_break()?, ctrl_close()?) })
    }

    #[cfg(not(any(unix, windows)))]
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {})
    }

    /// Waits for the next request.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        {
            if self.signal.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        #[cfg(windows)]
        {
            let (brk, close) = &mut self.signals;
            tokio::select! {
                _ = brk.recv() => {}
                _ = close.recv() => {}
            }
        }
        #[cfg(not(any(unix, windows)))]
        std::future::pending::<()>().await
    }
}
