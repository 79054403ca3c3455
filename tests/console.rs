//! End to end: the real binary's console in a pseudo-terminal, read back with a terminal
//! emulator, driven with keys the way an operator would.
#![cfg(feature = "console")]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{free_ports, write_topology};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const DEADLINE: Duration = Duration::from_secs(20);
const ROWS: u16 = 36;
const COLS: u16 = 120;

/// The console running in a pseudo-terminal, and what its screen shows.
struct Console {
    screen: Arc<Mutex<vt100::Parser>>,
    keys: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Console {
    fn start(dir: &std::path::Path, ports: &[u16]) -> Self {
        Self::start_with(dir, ports, &[])
    }

    fn start_with(dir: &std::path::Path, ports: &[u16], args: &[&str]) -> Self {
        let topology = write_topology(dir, ports);
        let pty =
            native_pty_system().openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_herdctl"));
        command.arg("--topology");
        command.arg(&topology);
        command.arg("--log-dir");
        command.arg(dir.join("logs"));
        command.args(args);
        command.env("TERM", "xterm-256color");
        command.env_remove("NO_COLOR");
        command.cwd(dir);
        let child = pty.slave.spawn_command(command).unwrap();
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZero::new(ROWS).unwrap(),
            std::num::NonZero::new(COLS).unwrap(),
            0,
        )));
        let mut output = pty.master.try_clone_reader().unwrap();
        let parser = screen.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = output.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                parser.lock().unwrap().process(&buffer[..n]);
            }
        });
        let keys = pty.master.take_writer().unwrap();
        // The master must outlive the child; leak it for the test's lifetime.
        std::mem::forget(pty.master);
        Self { screen, keys, child }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Polls the screen until it shows `text`.
    fn wait_for(&self, text: &str) {
        let started = Instant::now();
        while !self.contents().contains(text) {
            assert!(started.elapsed() < DEADLINE, "the screen never showed {text:?}:\n{}", self.contents());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn press(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).unwrap();
        self.keys.flush().unwrap();
    }

    /// Waits for the process to end; returns whether it succeeded.
    fn exit(&mut self) -> bool {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(started.elapsed() < DEADLINE, "the console did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn refused(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_err()
}

#[test]
fn an_operator_kills_a_node_sends_an_iamat_and_quits() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let mut console = Console::start(dir.path(), &ports);
    for name in ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"] {
        console.wait_for(name);
    }
    console.wait_for("5/5 up");

    // Select Jaquez (node 2) and kill it: its port must refuse connections.
    console.press("2");
    console.wait_for("Cache of Jaquez");
    console.press("k");
    console.wait_for("[2] Jaquez ○ DOWN");
    assert!(refused(ports[2]), "Jaquez's client port still accepts connections");
    console.wait_for("4/5 up");

    // Back to Riley; type an IAMAT in the command line.
    console.press("1");
    console.wait_for("Cache of Riley");
    console.press(":");
    console.wait_for("Enter sends");
    console.press("iamat Riley kiwi.cs.ucla.edu +34.068930-118.445127\r");
    console.wait_for("Riley: AT Riley +");
    console.wait_for("Cache of Riley · 1 client ");
    console.wait_for("kiwi.cs.ucla.edu");

    // Leave the command line, quit with q: exit 0, every port freed.
    console.press("\x1b");
    console.wait_for("press : to type");

    // Outside step mode there is no wave to release, and the console says so.
    console.press("w");
    console.wait_for("nothing is held (s switches to step mode)");
    // The trace is written in the background, and the console says where when it is done.
    console.press("t");
    console.wait_for("trace written:");
    let written = std::fs::read_dir(dir.path().join("logs")).unwrap().filter_map(Result::ok);
    assert!(written.into_iter().any(|f| f.file_name().to_string_lossy().ends_with(".svg")), "an SVG in the log folder");
    console.press("q");
    assert!(console.exit(), "a clean quit exits 0");
    for (i, port) in ports.iter().enumerate() {
        assert!(refused(*port), "port {i} ({port}) still open after quitting");
    }
}

#[test]
fn a_failed_walkthrough_in_the_console_says_so_and_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("wrong.herd");
    std::fs::write(&script, "say Watch Riley.\nexpect Riley knows nobody\n").unwrap();
    let mut console = Console::start_with(dir.path(), &free_ports(10), &["--scenario", script.to_str().unwrap()]);
    console.wait_for("Watch Riley.");
    console.press("c");
    // The check waits its 3 s, fails, and the last caption sums up.
    console.wait_for("0 expectations held, 1 failed");
    console.press("q");
    assert!(!console.exit(), "a failed walkthrough fails the run");
    console.wait_for("wrong.herd:2: expected Riley to know nobody");
}
