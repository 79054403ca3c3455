//! A foreign server's process: started from its command (in the folder the user names, inside
//! its namespace when it has one, leading a process group of its own), its output read a line at
//! a time and told as events, killed with SIGKILL to its whole group, and its end told with its
//! exit status and its last lines.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

use herdctl_core::event::EventKind;
use herdctl_core::sink::EventSink;

/// Lines of a server's output kept to say why it ended.
const LAST_LINES: usize = 5;
/// The longest output line shown whole; longer ones are cut, saying how long they were.
const MOST_LINE: usize = 2_000;

/// How to start one server.
#[derive(Clone, Debug)]
pub struct Launch {
    /// The command line, run by `sh -c` (the user's words: `python3 server.py Riley`).
    pub command: String,
    /// Where it runs.
    pub dir: PathBuf,
    /// Set in its environment (its places source, say).
    pub env: Vec<(String, String)>,
    /// The network namespace it runs in (its descriptor), if it has one.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub namespace: Option<i32>,
}

/// A server's running process, and what it said last.
pub struct Process {
    /// Asks the watcher to kill the child (where a process group cannot be signalled).
    kill: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// The process group's id (the child's pid: it leads its group).
    group: Option<i32>,
    /// Cancelled when the process ends (by itself or killed).
    ended: CancellationToken,
    /// How it ended, once it has.
    status: Mutex<Option<String>>,
}

impl Process {
    /// Starts the server; its output and its end are told through `events`.
    pub fn start(launch: &Launch, events: EventSink) -> std::io::Result<Arc<Self>> {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(&launch.command)
            .current_dir(&launch.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in &launch.env {
            command.env(key, value);
        }
        #[cfg(unix)]
        {
            let namespace = launch.namespace;
            // SAFETY: between fork and exec only async-signal-safe calls: setsid(2) and setns(2).
            unsafe {
                command.pre_exec(move || {
                    // A group of its own, so that a kill takes the server's children too.
                    if libc::setsid() < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    #[cfg(target_os = "linux")]
                    if let Some(fd) = namespace {
                        if libc::setns(fd, libc::CLONE_NEWNET) < 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                    }
                    #[cfg(not(target_os = "linux"))]
                    let _ = namespace;
                    Ok(())
                });
            }
        }
        let mut child = command.spawn()?;
        let group = child.id().map(|id| id as i32);
        let last = Arc::new(Mutex::new(VecDeque::new()));
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            readers.push(tokio::spawn(read_lines(BufReader::new(stdout), false, events.clone(), last.clone())));
        }
        if let Some(stderr) = child.stderr.take() {
            readers.push(tokio::spawn(read_lines(BufReader::new(stderr), true, events.clone(), last.clone())));
        }
        let (kill, killed) = tokio::sync::oneshot::channel();
        let process = Arc::new(Self {
            kill: Mutex::new(Some(kill)),
            group,
            ended: CancellationToken::new(),
            status: Mutex::default(),
        });
        tokio::spawn(watch(process.clone(), child, killed, (readers, last), events));
        Ok(process)
    }

    /// Whether it still runs.
    pub fn is_running(&self) -> bool {
        !self.ended.is_cancelled()
    }

    /// Whether it is at work (a thread of its group running or waiting for a core): it has not
    /// settled, whatever it has said. Known on Linux only; elsewhere never busy.
    pub fn busy(&self) -> bool {
        #[cfg(target_os = "linux")]
        if let Some(group) = self.group.filter(|_| self.is_running()) {
            return super::busy::group_busy(group);
        }
        false
    }

    /// Cancelled once it has ended.
    pub fn ended(&self) -> &CancellationToken {
        &self.ended
    }

    /// How it ended (`exit status 1`), once it has.
    pub fn status(&self) -> Option<String> {
        self.status.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Kills the whole process group with SIGKILL, as a crash would; returns once it has ended.
    pub async fn kill(&self) {
        #[cfg(unix)]
        if let Some(group) = self.group {
            // SAFETY: a plain kill(2) of a group this process made.
            unsafe { libc::kill(-group, libc::SIGKILL) };
        }
        if let Some(kill) = self.kill.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = kill.send(());
        }
        self.ended.cancelled().await;
    }
}

/// Tells each line of one output stream as an event, keeping the last few.
async fn read_lines(
    mut reader: BufReader<impl tokio::io::AsyncRead + Unpin>,
    stderr: bool,
    events: EventSink,
    last: Arc<Mutex<VecDeque<String>>>,
) {
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        match reader.read_until(b'\n', &mut bytes).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&bytes);
                let text = text.trim_end_matches(['\n', '\r']);
                let line = if text.len() > MOST_LINE {
                    let cut = text.char_indices().take_while(|(i, _)| *i < MOST_LINE).last().map_or(0, |(i, _)| i);
                    format!("{}… ({} bytes)", &text[..cut], text.len())
                } else {
                    text.to_string()
                };
                {
                    let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
                    if last.len() == LAST_LINES {
                        last.pop_front();
                    }
                    last.push_back(line.clone());
                }
                events.emit(EventKind::ServerSaid { line: line.into(), stderr });
            }
        }
    }
}

/// Waits for the process to end (or kills it when asked), then tells how, with its last lines.
async fn watch(
    process: Arc<Process>,
    mut child: Child,
    killed: tokio::sync::oneshot::Receiver<()>,
    (readers, last): (Vec<tokio::task::JoinHandle<()>>, Arc<Mutex<VecDeque<String>>>),
    events: EventSink,
) {
    let waited = tokio::select! {
        waited = child.wait() => waited,
        _ = killed => {
            let _ = child.start_kill();
            child.wait().await
        }
    };
    let status = waited.map(|status| describe(&status)).unwrap_or_else(|error| error.to_string());
    // Everything it wrote is told before its end.
    for reader in readers {
        let _ = reader.await;
    }
    let last: Vec<String> = last.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
    *process.status.lock().unwrap_or_else(|p| p.into_inner()) = Some(status.clone());
    events.emit(EventKind::ServerExited { status: status.into(), last: last.join("\n").into() });
    process.ended.cancel();
}

/// An exit status in words: `exit status 1`, `killed by signal 9`.
fn describe(status: &std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => status.to_string(),
    }
}
