//! End to end: the real binary's console in a pseudo-terminal, read back with a terminal
//! emulator, driven with keys the way an operator would.
#![cfg(feature = "console")]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{free_ports, write_line_of_three, write_topology};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const DEADLINE: Duration = Duration::from_secs(20);
const HERD_KEY: &str = "console test key";
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
        let mut all = vec!["--topology".to_string(), topology.display().to_string()];
        all.extend(["--log-dir".to_string(), dir.join("logs").display().to_string()]);
        all.extend(args.iter().map(|a| a.to_string()));
        Self::run(dir, &all)
    }

    /// herdctl with exactly these arguments, in `dir`.
    fn run(dir: &std::path::Path, args: &[String]) -> Self {
        Self::run_at(dir, args, (ROWS, COLS))
    }

    /// herdctl with these arguments in a terminal of `rows` × `cols`.
    fn run_at(dir: &std::path::Path, args: &[String], (rows, cols): (u16, u16)) -> Self {
        let pty = native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_herdctl"));
        command.args(args);
        command.env("TERM", "xterm-256color");
        command.env_remove("NO_COLOR");
        // The key of every herd these tests start, so that a console can attach to their nodes.
        command.env("HERD_KEY", HERD_KEY);
        command.cwd(dir);
        let child = pty.slave.spawn_command(command).unwrap();
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZero::new(rows).unwrap(),
            std::num::NonZero::new(cols).unwrap(),
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

    /// Polls the screen until `holds` says it shows what is wanted (a whole frame: one read may
    /// catch a frame half written); fails with the screen at the deadline.
    fn wait_until(&self, what: &str, holds: impl Fn(&str) -> bool) {
        let started = Instant::now();
        while !holds(&self.contents()) {
            assert!(started.elapsed() < DEADLINE, "the screen never showed {what}:\n{}", self.contents());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Where `text` is on the screen: (column, row), from 0.
    fn find(&self, text: &str) -> Option<(u16, u16)> {
        let contents = self.contents();
        contents.lines().enumerate().find_map(|(row, line)| {
            let at = line.find(text)?;
            Some((line[..at].chars().count() as u16, row as u16))
        })
    }

    /// A left click at a cell, as a terminal in SGR mouse mode sends it (press, then release).
    fn click(&mut self, (column, row): (u16, u16)) {
        self.press(&format!("\x1b[<0;{};{}M\x1b[<0;{};{}m", column + 1, row + 1, column + 1, row + 1));
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
            assert!(started.elapsed() < DEADLINE, "the console did not exit:\n{}", self.contents());
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
    console.press("K");
    console.wait_for("[2] Jaquez ○ DOWN");
    console.wait_for("Jaquez killed: its ports refuse connections · R revives");
    assert!(refused(ports[2]), "Jaquez's client port still accepts connections");
    console.wait_for("4/5 up");

    // Back to Riley; type an IAMAT in the command line.
    console.press("1");
    console.wait_for("Cache of Riley");
    console.press(":");
    console.wait_for("Enter sends");
    // A typo is an error on the spot, never a line sent to a node.
    console.press("kil Riley\r");
    console.wait_for("unknown command kil: did you mean kill?");
    assert!(!refused(ports[0]), "Riley still serves");
    // Enter closed the line; `:` opens it again. Tab completes the verb and the node.
    console.press(":iam\tRi\t");
    console.wait_for("> iamat Riley ");
    console.press("\x15");
    console.press("iamat Riley kiwi.cs.ucla.edu +34.068930-118.445127\r");
    console.wait_for("Riley: AT Riley +");
    console.wait_for("Cache of Riley · 1 client ");
    console.wait_for("kiwi.cs.ucla.edu");

    // Enter left the command line (an Esc now could merge with the next key into Alt-w).
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

#[test]
fn at_80_by_24_the_command_line_has_no_traps() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let topology = write_topology(dir.path(), &ports);
    let args = ["--topology", topology.to_str().unwrap(), "--log-dir", dir.path().join("logs").to_str().unwrap()]
        .map(String::from);
    let mut console = Console::run_at(dir.path(), &args, (24, 80));
    console.wait_for("5/5 up");
    // A second `:` in the open line is not typed into the command.
    console.press("::kill Jaquez\r");
    console.wait_for("killed Jaquez");
    console.wait_for("4/5 up");
    assert!(refused(ports[2]), "Jaquez's port is closed");
    // The line closed after Enter: R is a key again, and revives the selected node.
    console.press("2R");
    console.wait_for("5/5 up");
    // The revive's own word comes once Jaquez has relinked: waited for, so that it cannot take
    // the place of the completions below.
    console.wait_for("✓ revived Jaquez");
    // Tab on an empty line stays in it and lists the verbs; the next key is typed.
    console.press(":\t");
    console.wait_until("the verbs listed under the line", |screen| screen.contains("Tab: iamat, whatsat, send"));
    console.press("c\t");
    console.wait_until("cut, calm listed", |screen| {
        screen.contains("Tab: cut, calm") || screen.contains("Tab: calm, cut")
    });
    // `cut Riley ` offers Riley's neighbours only.
    console.press("ut Riley \t");
    console.wait_until("Riley's neighbours", |screen| screen.contains("Tab: Jaquez, Juzang"));
    // Esc throws the draft away: the next command starts on an empty line.
    console.press("\x1b");
    console.wait_for("press : to type");
    console.press(":");
    console.wait_until("an empty line", |screen| screen.contains("│> ") && !screen.contains("> cut Riley"));
    console.press("live\r");
    console.wait_for("every transmission flows again");
    assert!(!console.contents().contains("Tab: "), "the list is gone once a command ran");
    // A context key outside its context says why.
    console.press("9");
    console.wait_for("no node 9: this herd has 5");
    console.press("c");
    console.wait_for("none plays here");
    console.press("q");
    assert!(console.exit());
}

#[test]
fn a_walkthrough_ends_with_its_sum_and_offers_a_replay() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("short.herd");
    std::fs::write(&script, "say One.\niamat Riley kiwi +1+1\nexpect Riley knows kiwi\nsay Two.\n").unwrap();
    let mut console = Console::start_with(dir.path(), &free_ports(10), &["--walkthrough", script.to_str().unwrap()]);
    console.wait_for("│One.");
    continue_to(&mut console, "Two.");
    // On from the last caption: the sum, and what can be done next.
    console.press(":c\r");
    console.wait_for("1 expectation held, 0 failed. [ replays it from the start");
    // [ plays it again from the start.
    console.press("[");
    console.wait_for("│One.");
    console.press("q");
    assert!(console.exit(), "the walkthrough held");
}

#[test]
fn a_scenario_crosses_between_its_scripts_herds_with_the_section_keys() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    // The second script's herd of three listens on the first herd's first ports.
    write_line_of_three(dir.path(), &ports);
    let first = dir.path().join("five.herd");
    std::fs::write(&first, "section One\nsay First part.\nsection Two\nsay Still the five.\n").unwrap();
    let second = dir.path().join("three.herd");
    std::fs::write(&second, "section Line\ntopology line.json\nsay On the line of three.\nexpect C lacks kiwi\n")
        .unwrap();
    let scripts = [first.to_str().unwrap(), second.to_str().unwrap()];
    let mut console = Console::start_with(dir.path(), &ports, &[&["--scenario"][..], &scripts[..]].concat());
    console.wait_for("First part.");
    console.press("]");
    console.wait_for("Still the five.");
    // Past the last section: the five stop, their ports freed, and the three start on them.
    console.press("]");
    console.wait_for("On the line of three.");
    console.wait_for("Walkthrough 1/1 of three · Line");
    assert!(refused(ports[6]) && refused(ports[8]), "Campbell and Bernard stopped with their herd");
    console.wait_until("the three's graph", |screen| screen.contains("[1] A ●") && !screen.contains("Riley"));
    // Back before the first section: the five again, at their last section.
    console.press("[");
    console.wait_for("Still the five.");
    console.wait_for("Walkthrough 2/2 of five · Two");
    console.wait_for("Riley");
    // On past the part's end: its summary says where c goes, and c goes there.
    console.press(":c\r");
    console.wait_for("This part is over: 0 expectations held, 0 failed. c goes on to the next part.");
    console.press(":c\r");
    console.wait_for("│On the line of three.");
    console.press("q");
    assert!(console.exit(), "nothing failed");
}

/// The shipped recording, its herd moved to free ports (so that going live binds those).
fn recording_on(dir: &std::path::Path, ports: &[u16]) -> std::path::PathBuf {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/walkthroughs/recordings/stale-node.jsonl"))
            .unwrap();
    let (header, rest) = text.split_once('\n').unwrap();
    let mut header: serde_json::Value = serde_json::from_str(header).unwrap();
    for (i, node) in header["topology"]["nodes"].as_array_mut().unwrap().iter_mut().enumerate() {
        node["port"] = ports[i].into();
        node["peer_port"] = ports[i + 5].into();
    }
    let path = dir.join("session.jsonl");
    std::fs::write(&path, format!("{header}\n{rest}")).unwrap();
    path
}

#[test]
fn a_replay_steps_back_and_forth_jumps_to_faults_and_goes_live_from_a_moment() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let recording = recording_on(dir.path(), &ports);
    let args = [
        "replay".to_string(),
        recording.display().to_string(),
        "--log-dir".into(),
        dir.path().join("logs").display().to_string(),
    ];
    let mut console = Console::run(dir.path(), &args);
    console.wait_for("paused 0.000s");
    console.wait_for("event 0/76");
    console.press("}");
    console.wait_for("event 2/76");
    console.press("\x1b[C");
    console.wait_for("event 3/76");
    console.press("\x1b[D\x1b[D");
    console.wait_for("event 1/76");
    // To the cut of Campbell's links: the graph and the flow show it as it was.
    for _ in 0..6 {
        console.press("}");
    }
    console.wait_for("cut by the operator");
    assert!(refused(ports[0]), "a replay runs no herd");
    console.press("L");
    console.wait_for("live from");
    // A real herd now listens on the recorded ports, with that moment's caches.
    let started = Instant::now();
    while refused(ports[0]) {
        assert!(started.elapsed() < DEADLINE, "the herd went live on its recorded ports");
        std::thread::sleep(Duration::from_millis(20));
    }
    console.press("q");
    assert!(console.exit(), "quitting the live herd ends well");
    assert!(refused(ports[0]), "and frees its ports");
}

#[test]
fn a_click_selects_a_node_and_the_wheel_scrolls_the_flow() {
    let dir = tempfile::tempdir().unwrap();
    let mut console = Console::start(dir.path(), &free_ports(10));
    console.wait_for("5/5 up");
    console.wait_for("[4] Campbell");
    let campbell = console.find("[4] Campbell").unwrap();
    console.click((campbell.0 + 2, campbell.1));
    console.wait_for("Cache of Campbell");
    // A click on the flow focuses it; the wheel scrolls it back.
    let flow = console.find("Flow · all nodes").unwrap();
    console.click((flow.0 + 4, flow.1 + 3));
    // The wheel scrolls once the flow has more lines than its pane (the herd's start-up may
    // still be arriving): a notch, until it does.
    let started = Instant::now();
    while !console.contents().contains("lines back") {
        assert!(started.elapsed() < DEADLINE, "the wheel never scrolled the flow:\n{}", console.contents());
        console.press(&format!("\x1b[<64;{};{}M", flow.0 + 5, flow.1 + 4));
        std::thread::sleep(Duration::from_millis(50));
    }
    console.press("q");
    assert!(console.exit());
}

#[test]
fn a_configuration_rebinds_a_key_and_the_help_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[keys]\nkill = \"X\"\n[console]\ntheme = \"light\"\n").unwrap();
    let ports = free_ports(10);
    let mut console = Console::start_with(dir.path(), &ports, &["--config", config.to_str().unwrap()]);
    console.wait_for("5/5 up");
    console.press("2");
    console.wait_for("Cache of Jaquez");
    console.press("K");
    console.press("X");
    console.wait_for("[2] Jaquez ○ DOWN");
    console.wait_for("Jaquez killed");
    console.press("?");
    console.wait_for("X  kill the selected node");
    console.press("q");
    assert!(console.exit());
}

#[test]
fn a_console_attaches_to_headless_nodes_and_steers_them() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(15);
    let path = write_topology(dir.path(), &ports[..10]);
    // Control ports too, so that a console can attach.
    let mut herd: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for (i, node) in herd["nodes"].as_array_mut().unwrap().iter_mut().enumerate() {
        node["control_port"] = ports[10 + i].into();
    }
    std::fs::write(&path, herd.to_string()).unwrap();
    let names = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];
    let _nodes: Vec<common::Spawned> = names
        .iter()
        .map(|name| {
            common::Spawned(
                std::process::Command::new(env!("CARGO_BIN_EXE_herdctl"))
                    .args(["--headless", "--node", name, "--topology"])
                    .arg(&path)
                    .arg("--log-dir")
                    .arg(dir.path().join("logs"))
                    .env("HERD_KEY", HERD_KEY)
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    let args = ["--attach", "--topology", &path.display().to_string(), "--log-dir", "console-logs"].map(String::from);
    let mut console = Console::run(dir.path(), &args);
    console.wait_for("5/5 up");
    console.press(":kill Juzang\r");
    console.wait_for("killed Juzang");
    assert!(refused(ports[4]), "Juzang's client port is closed");
    console.wait_for("4/5 up");
    console.press(":revive Juzang\r");
    // A revive is done once both ends of each of its links are up and caught up: nothing of it
    // can still be on its way when step mode begins.
    console.wait_for("revived Juzang: it relinks and catches up");
    console.wait_for("5/5 up");
    // Step mode reaches across processes: Riley's machine holds its two messages, shown here.
    console.press(":step\r");
    console.wait_for("STEP · 0 held");
    console.press(":iamat Riley fig +1+1\r");
    console.wait_for("STEP · 2 held");
    // Enter left the command line: `.` is a key again.
    console.wait_for("press : to type");
    console.press(".");
    console.wait_for("released Riley→Jaquez fig (hop 1)");
    console.press("q");
    assert!(console.exit(), "the console quits cleanly");
    // Leaving the console stops no node.
    assert!(!refused(ports[0]) && !refused(ports[4]), "the nodes serve on");
}

/// The lecture layout on a projector: 100×30, `--present`.
const PROJECTOR: (u16, u16) = (30, 100);

/// herdctl playing `script` in the lecture layout at 100×30, on a herd on free ports.
fn present(dir: &std::path::Path, script: &str) -> Console {
    let topology = write_topology(dir, &free_ports(10));
    let args = ["--topology", topology.to_str().unwrap(), "--log-dir", dir.join("logs").to_str().unwrap()]
        .into_iter()
        .chain(["--scenario", script, "--present"])
        .map(String::from)
        .collect::<Vec<_>>();
    Console::run_at(dir, &args, PROJECTOR)
}

/// The graph's pane of a screen: its rows from the status bar's to the cache pane's bottom, each
/// up to where the cache pane begins.
fn graph(screen: &str) -> String {
    let rows = screen.lines().skip(2).take_while(|line| !line.starts_with('└')).skip(1);
    rows.map(|line| line.split("││").next().unwrap_or(line).to_string() + "\n").collect()
}

/// How many lines of the flow a screen shows.
fn flow_lines(screen: &str) -> usize {
    let mut lines = screen.lines().skip_while(|line| !line.starts_with("┌ Flow")).skip(1);
    lines.by_ref().take_while(|line| line.starts_with('│')).count()
}

/// Continues past the caption on screen to the one that begins with `next` (in the caption's box,
/// not the flow's line of it): typed in the command line, where a quick second `c` is not taken
/// for a bounce of the key.
fn continue_to(console: &mut Console, next: &str) {
    console.press(":c\r");
    console.wait_for(&format!("│{next}"));
}

#[test]
fn at_100_by_30_a_flood_hop_by_hop_shows_every_held_message_and_the_answer_by_the_caption() {
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/walkthroughs/basic-flood.herd");
    let mut console = present(dir.path(), script);
    console.wait_for("│Five servers.");
    continue_to(&mut console, "From now on every message");
    continue_to(&mut console, "A client, kiwi, reports");
    continue_to(&mut console, "? The two messages wait at Riley");
    console.wait_until("2 held, both on the graph", |screen| {
        screen.contains("STEP 2 held") && graph(screen).matches('◆').count() == 2
    });
    // The second hop: three held, at Jaquez and (two) at Juzang, beside labels with badges.
    continue_to(&mut console, "Jaquez and Juzang. Each passes it on");
    console.wait_until("3 held, all on the graph, three flow lines", |screen| {
        screen.contains("STEP 3 held") && graph(screen).matches("◆1").count() == 3 && flow_lines(screen) >= 3
    });
    assert!(!graph(&console.contents()).contains("v11"), "no ◆ runs into a badge:\n{}", console.contents());
    // The third hop: three held again, and the duplicate Bernard dropped, none over another.
    continue_to(&mut console, "? Bernard will receive kiwi twice");
    continue_to(&mut console, "The first to arrive");
    console.wait_until("3 held and the duplicate marked", |screen| {
        let graph = graph(screen);
        screen.contains("STEP 3 held") && graph.matches("◆1").count() == 3 && graph.contains("✕dup")
    });
    assert!(!graph(&console.contents()).contains("◆1dup"), "a ✕ is not written over:\n{}", console.contents());
    continue_to(&mut console, "Everyone knows kiwi after two hops");
    continue_to(&mut console, "Any server can now answer for kiwi");
    // The WHATSAT's answer stands by the next caption, without `o`, over three flow lines.
    continue_to(&mut console, "That is a flood");
    console.wait_until("the answer by the caption", |screen| {
        screen.contains("│↳ Campbell: AT Riley +") && screen.contains(" places: ") && flow_lines(screen) >= 3
    });
    console.press("q");
    assert!(console.exit(), "the walkthrough held");
}

#[test]
fn at_100_by_30_a_replay_walkthrough_says_which_event_and_what_the_update_cost_in_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/walkthroughs/stale-node.herd");
    let args =
        ["--scenario", script, "--present", "--log-dir", dir.path().join("logs").to_str().unwrap()].map(String::from);
    let mut console = Console::run_at(dir.path(), &args, PROJECTOR);
    console.wait_for("│This is not a live herd");
    continue_to(&mut console, "? Every server ends up with kiwi's new position");
    // Back to the update's start: which event it is and what, and its whole cost, not `0 msgs`.
    continue_to(&mut console, "Back to the last flood");
    console.wait_until("the event, the update's whole cost and three flow lines", |screen| {
        screen.contains("event 49/76 · Riley cache: kiwi at +34.052235-118.243683")
            && screen.contains("5 msgs (2 dup) · reached 3 of 3 · 0 sent by now")
            && flow_lines(screen) >= 3
    });
    console.press("q");
    assert!(console.exit());
}

#[test]
fn at_100_by_30_show_puts_one_clients_row_at_both_sides_and_track_keeps_its_badges() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("stale.herd");
    // Campbell cut off while kiwi moves: its old record is the point, and four clients come
    // before kiwi in its cache. Then another client reports last.
    std::fs::write(
        &script,
        "iamat Riley apple +1+1\niamat Riley banana +1+1\niamat Riley cherry +1+1\niamat Riley damson +1+1\n\
         iamat Riley kiwi +34.068930-118.445127\nexpect Campbell knows kiwi\n\
         cut Campbell Juzang\ncut Campbell Bernard\n\
         iamat Riley kiwi +40.712800-074.006000\nexpect Bernard has kiwi at +40.712800-074.006000\n\
         track kiwi\niamat Jaquez lemon +1+1\nexpect Bernard knows lemon\n\
         show Riley Campbell kiwi\nhighlight tree Riley\nsay Campbell is stale.\n",
    )
    .unwrap();
    let mut console = present(dir.path(), script.to_str().unwrap());
    console.wait_for("│Campbell is stale.");
    // Each pane at kiwi's row (Riley's new position, Campbell's old one), not at the first
    // client; the badges on kiwi, not on lemon (the last update); both cut links said.
    console.wait_until("kiwi's two records, kiwi's badges, two cuts", |screen| {
        let panes: String = screen.lines().filter_map(|line| line.split("││").nth(1)).collect();
        panes.contains("+40.712800-074.006000")
            && panes.contains("+34.068930-118.445127")
            && !panes.contains("apple")
            && screen.contains("Cache of Campbell")
            && screen.contains("kiwi v2")
            && screen.contains("kiwi v1")
            && !screen.contains("lemon v")
            && graph(screen).matches("✂ cut").count() == 2
    });
    console.press("q");
    assert!(console.exit());
}

#[test]
fn w_on_the_caches_client_asks_every_server_whatsat_and_shows_who_answers_what() {
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(10);
    let mut console = Console::start(dir.path(), &ports);
    console.wait_for("5/5 up");
    console.press(":");
    console.wait_for("Enter sends");
    console.press("iamat Riley kiwi +34.068930-118.445127\r");
    console.wait_for("Riley: AT Riley +");
    // Enter closed the command line: the next keys are keys (an Esc here could reach the console
    // glued to the next key, as Alt+2).
    console.wait_for("press : to type");
    // Every node has kiwi (its cache pane says so), then Bernard goes down.
    for (key, name) in [("2", "Jaquez"), ("3", "Juzang"), ("4", "Campbell"), ("5", "Bernard")] {
        console.press(key);
        console.wait_for(&format!("Cache of {name} · 1 client "));
    }
    console.press("K");
    console.wait_for("4/5 up");
    // W on Riley's cache, whose top client is kiwi: the table of every server's answer opens.
    console.press("1");
    console.wait_for("Cache of Riley · 1 client ");
    console.press("W");
    console.wait_for("every server's reply to WHATSAT kiwi 10 5");
    console.wait_for("4 AT Riley …");
    console.wait_for("(Riley, Jaquez, Juzang, Campbell) · 1 down");
    console.wait_for("Bernard   (Bernard is down: not asked)");
    console.wait_until("each up server's AT line in the table", |screen| {
        ["Riley     AT Riley +", "Jaquez    AT Riley +", "Juzang    AT Riley +", "Campbell  AT Riley +"]
            .iter()
            .all(|row| screen.contains(row))
    });
    // Closed, the flow has each server's answer.
    console.press("\x1b");
    console.wait_for("Campbell answered WHATSAT kiwi 10 5: AT Riley");
    console.press("q");
    assert!(console.exit(), "a clean quit exits 0");
}
