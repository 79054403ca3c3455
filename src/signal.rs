//! "Please stop" from outside the process, on every platform: SIGTERM on Unix (a closing
//! terminal emulator, `kill`, a service manager); on Windows, Ctrl-Break and the console window
//! closing. Ctrl-C is tokio's own `ctrl_c` everywhere. And "open your log files again" (SIGHUP,
//! Unix only: logrotate's signal), which a headless process takes instead of dying of it.

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

/// A stream of requests to open the log files again: SIGHUP on Unix; none elsewhere.
pub struct Reopen {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Reopen {
    #[cfg(unix)]
    pub fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self { signal: signal(SignalKind::hangup())? })
    }

    #[cfg(not(unix))]
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
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
