//! Rotating the herd key of a running herd, with real processes: three headless nodes in a line,
//! each with its own copy of the key file (as machines would have), `herdctl keyring install`,
//! `use` node by node and `remove`, every link up all the way through and a fresh IAMAT reaching
//! every node after each step; a node killed and restarted in the middle relinks whatever its
//! key order; and at the end a node that holds only the old key is refused, logged and counted.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use herdctl_core::key::HerdKey;

const OLD: &str = "the herd's old key, 0123456789";
const NEW: &str = "the herd's new key, 9876543210";
const NAMES: [&str; 3] = ["A", "B", "C"];

fn fingerprint(key: &str) -> String {
    HerdKey::new(key).fingerprint()
}

/// One node of the herd: its ports, its own key file, its process.
struct Node {
    name: &'static str,
    client: u16,
    control: u16,
    key_file: PathBuf,
    process: Option<Spawned>,
}

struct Herd {
    dir: PathBuf,
    topology: PathBuf,
    metrics: u16,
    nodes: Vec<Node>,
}

impl Herd {
    /// A–B–C on loopback, each node with a control port and a key file of `OLD` (a comment
    /// above it, which every change must keep); B serves metrics.
    fn new(dir: &Path) -> Self {
        let ports = free_ports(10);
        let nodes: Vec<serde_json::Value> = NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                serde_json::json!({"name": name, "host": "127.0.0.1", "port": ports[3 * i],
                                   "peer_port": ports[3 * i + 1], "control_port": ports[3 * i + 2]})
            })
            .collect();
        let topology = dir.join("line.json");
        let text = serde_json::json!({"nodes": nodes, "links": [["A", "B"], ["B", "C"]]}).to_string();
        std::fs::write(&topology, text).unwrap();
        let nodes = NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let key_file = dir.join(format!("{name}.key"));
                std::fs::write(&key_file, format!("# the herd key, first offered\n{OLD}\n")).unwrap();
                Node { name, client: ports[3 * i], control: ports[3 * i + 2], key_file, process: None }
            })
            .collect();
        Self { dir: dir.to_path_buf(), topology, metrics: ports[9], nodes }
    }

    fn node(&self, name: &str) -> &Node {
        self.nodes.iter().find(|n| n.name == name).unwrap()
    }

    /// Starts `name` headless with its key file, and waits until it answers clients.
    fn start(&mut self, name: &str) {
        let (dir, topology, metrics) = (self.dir.clone(), self.topology.clone(), self.metrics);
        let node = self.nodes.iter_mut().find(|n| n.name == name).unwrap();
        let mut command = herdctl();
        command.args(["--headless", "--node", name, "--topology"]).arg(&topology);
        command.arg("--key-file").arg(&node.key_file).arg("--log-dir").arg(dir.join("logs"));
        if name == "B" {
            command.args(["--metrics", &format!("127.0.0.1:{metrics}")]);
        }
        let said = std::fs::OpenOptions::new().create(true).append(true).open(dir.join(format!("{name}.err"))).unwrap();
        command.stdout(Stdio::null()).stderr(said);
        node.process = Some(Spawned(command.spawn().unwrap()));
        let client = node.client;
        poll(&format!("{name} answers clients"), || TcpStream::connect(("127.0.0.1", client)).is_ok());
    }

    fn kill(&mut self, name: &str) {
        let node = self.nodes.iter_mut().find(|n| n.name == name).unwrap();
        drop(node.process.take());
    }

    /// What `name` said on stderr (its process's log).
    fn said(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.err"))).unwrap_or_default()
    }

    /// `name`'s log file (its events).
    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join("logs").join(format!("{name}.log"))).unwrap_or_default()
    }

    /// How often each node's links came up and went down, as their logs say.
    fn link_changes(&self) -> Vec<(usize, usize)> {
        NAMES
            .iter()
            .map(|name| {
                let log = self.log(name);
                let ups = log.lines().filter(|l| l.contains("link to ") && l.ends_with(" up")).count();
                let downs = log.lines().filter(|l| l.contains("link to ") && l.contains(" down (")).count();
                (ups, downs)
            })
            .collect()
    }

    /// Waits until every link came up (again) since `before`: A's and C's one, B's two.
    fn wait_linked(&self, before: &[(usize, usize)]) {
        poll("every link up", || {
            let now = self.link_changes();
            [1, 2, 1].iter().enumerate().all(|(i, needed)| now[i].0 >= before.get(i).map_or(0, |b| b.0) + needed)
        });
    }

    /// A fresh IAMAT at `at` reaches every node (each answers WHATSAT with its AT line).
    fn floods(&self, at: &str, client: &str) {
        let when = now();
        let said = exchange(self.node(at).client, &format!("IAMAT {client} +34.068930-118.445127 {when}\n"));
        assert!(said.starts_with(&format!("AT {at} ")), "{at} answered {said:?}");
        for node in &self.nodes {
            poll(&format!("{client} reaches {}", node.name), || {
                let answer = exchange(node.client, &format!("WHATSAT {client} 1 1\n"));
                answer.starts_with("AT ") && answer.contains(&when)
            });
        }
    }

    /// Runs `herdctl keyring ARGS --key-file <name's> --control <name's>`; its stdout, checked to
    /// never hold a key.
    fn keyring(&self, name: &str, args: &[&str], stdin: Option<&str>) -> Result<String, String> {
        let node = self.node(name);
        let mut command = herdctl();
        command.arg("keyring").args(args).arg("--key-file").arg(&node.key_file);
        command.args(["--control", &format!("127.0.0.1:{}", node.control)]);
        keyring_run(command, stdin)
    }
}

fn herdctl() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herdctl"));
    command.env_remove("HERD_KEY").env_remove("HERD_KEY_FILE").env_remove("RUST_LOG").env("RUST_BACKTRACE", "1");
    command.stdin(Stdio::null());
    command
}

/// Runs a `herdctl keyring` command: its stdout if it succeeded, else its stderr; neither may
/// hold a key or a backtrace.
fn keyring_run(mut command: Command, stdin: Option<&str>) -> Result<String, String> {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command.spawn().unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let (out, err) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    for text in [&out, &err] {
        for key in [OLD, NEW] {
            assert!(!text.contains(key), "a key was printed: {text}");
        }
        assert!(!text.contains("panicked") && !text.contains("backtrace"), "{text}");
    }
    if output.status.success() { Ok(out.into_owned()) } else { Err(format!("{out}{err}")) }
}

/// Sends `text` to a client port and reads what comes back until it is quiet for a moment
/// after the first line.
fn exchange(port: u16, text: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(text.as_bytes()).unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

/// Waits (with a deadline) until `condition` holds.
fn poll(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < DEADLINE * 2, "{what}: not within {:?}", DEADLINE * 2);
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// B's count of refused handshakes for a wrong key, from its metrics.
fn refused_for_the_key(port: u16) -> f64 {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return 0.0 };
    stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: b\r\n\r\n").unwrap();
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    sample(&text, r#"herdctl_peer_refused_total{node="B",reason="wrong_key"}"#).unwrap_or(0.0)
}

#[test]
fn the_herd_key_rotates_node_by_node_with_every_link_up_throughout() {
    let dir = tempfile::tempdir().unwrap();
    let mut herd = Herd::new(dir.path());
    for name in NAMES {
        herd.start(name);
    }
    herd.wait_linked(&[]);
    herd.floods("A", "before");
    let (old, new) = (fingerprint(OLD), fingerprint(NEW));
    let steady = herd.link_changes();
    let unchanged = |herd: &Herd, step: &str| {
        assert_eq!(herd.link_changes(), steady, "{step}: a link went down or came up again");
    };
    // Each node says its keyring at start: fingerprints, never the key.
    assert!(herd.said("A").contains(&format!("the keyring: offers {old}, accepts {old}")), "{}", herd.said("A"));

    // 1. The new key goes into every node's ring (from standard input): accepted, not offered.
    for name in NAMES {
        let said = herd.keyring(name, &["install", "-"], Some(&format!("{NEW}\n"))).unwrap();
        assert!(said.contains(&format!("installed {new}")), "{said}");
        assert!(said.contains(&format!("{name} at 127.0.0.1:")), "{said}");
        assert!(
            said.contains(&format!(
                "{name} at 127.0.0.1:{}: offers {old}, accepts {old}, {new}",
                herd.node(name).control
            )),
            "{said}"
        );
        let file = std::fs::read_to_string(&herd.node(name).key_file).unwrap();
        assert_eq!(file, format!("# the herd key, first offered\n{OLD}\n{NEW}\n"), "the comment stays");
        herd.floods(name, &format!("installed-at-{name}"));
        unchanged(&herd, "install");
    }
    // A weak key is refused, and nothing changes.
    let weak = herd.keyring("A", &["install", "short"], None).unwrap_err();
    assert!(weak.contains("5 bytes long") && weak.contains("not installed"), "{weak}");

    // 2. A offers the new key (named by the start of its fingerprint); the others still offer the
    // old one, and every link stays.
    let said = herd.keyring("A", &["use", &new[..8]], None).unwrap();
    assert!(said.contains(&format!("offers {new}, accepts {new}, {old}")), "{said}");
    unchanged(&herd, "use at A");
    herd.floods("C", "used-at-A");

    // B, killed and restarted in between, offers the old key first and A the new: B relinks both
    // ways, each end checking the other's key with the one of its ring that it named.
    herd.kill("B");
    herd.start("B");
    herd.wait_linked(&steady);
    herd.floods("A", "after-restart");
    herd.floods("C", "after-restart-c");
    let steady = herd.link_changes();
    let unchanged = |herd: &Herd, step: &str| {
        assert_eq!(herd.link_changes(), steady, "{step}: a link went down or came up again");
    };

    // 3. B: the file is changed without asking B, then B reads it on SIGHUP (Unix).
    let b_file = herd.node("B").key_file.clone();
    let mut command = herdctl();
    command.args(["keyring", "use", &new]).arg("--key-file").arg(&b_file);
    let said = keyring_run(command, None).unwrap();
    assert!(said.contains(&format!("the file offers {new}")), "{said}");
    #[cfg(unix)]
    {
        let pid = herd.node("B").process.as_ref().unwrap().0.id();
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGHUP).unwrap();
        poll("B read its key file on SIGHUP", || {
            herd.said("B")
                .contains(&format!("SIGHUP: the keyring was read again from {}: offers {new}", b_file.display()))
        });
    }
    #[cfg(not(unix))]
    herd.keyring("B", &["use", &new], None).unwrap();
    let listed = herd.keyring("B", &["list"], None).unwrap();
    assert!(listed.contains(&format!("{new}  offered and accepted")), "{listed}");
    assert!(
        listed.contains(&format!("B at 127.0.0.1:{}: offers {new}, accepts {new}, {old}", herd.node("B").control)),
        "{listed}"
    );
    unchanged(&herd, "use at B");
    herd.floods("A", "used-at-B");

    // 4. C: the file is changed some other way (as a Kubernetes Secret is), then C is asked to
    // read it again through its control port.
    let c_file = herd.node("C").key_file.clone();
    std::fs::write(&c_file, format!("# the herd key, first offered\n{NEW}\n{OLD}\n")).unwrap();
    let said = herd.keyring("C", &["reload"], None).unwrap();
    assert_eq!(said, format!("C at 127.0.0.1:{}: offers {new}, accepts {new}, {old}\n", herd.node("C").control));
    unchanged(&herd, "use at C");
    herd.floods("C", "used-at-C");

    // A file that cannot be used leaves the ring as it was, and says why.
    let kept = std::fs::read(&c_file).unwrap();
    std::fs::write(&c_file, "# nothing here\n").unwrap();
    let refused = herd.keyring("C", &["list"], None);
    assert!(refused.is_err(), "the CLI refuses a file with no key: {refused:?}");
    // (A node asked to read it answers with the ring it keeps.)
    let not_read = reload_by_control(herd.node("C").control);
    assert!(
        not_read.contains("holds no key") && not_read.contains(&format!("stays as it was: offers {new}")),
        "{not_read}"
    );
    std::fs::write(&c_file, kept).unwrap();
    unchanged(&herd, "a bad file");

    // 5. The old key goes from every ring; the one offered cannot be removed.
    let primary = herd.keyring("A", &["remove", &new], None).unwrap_err();
    assert!(primary.contains("is the key this node offers"), "{primary}");
    for name in NAMES {
        let said = herd.keyring(name, &["remove", &old], None).unwrap();
        assert!(said.contains(&format!("offers {new}, accepts {new}\n")), "{said}");
        unchanged(&herd, "remove");
        herd.floods(name, &format!("removed-at-{name}"));
    }
    let last = herd.keyring("A", &["remove", &new], None).unwrap_err();
    assert!(last.contains("last key"), "{last}");

    // 6. A node whose ring holds only the old key is refused by B, which says why and counts it.
    herd.kill("C");
    std::fs::write(&herd.node("C").key_file, format!("{OLD}\n")).unwrap();
    let counted = refused_for_the_key(herd.metrics);
    herd.start("C");
    let told = format!("no key in the keyring of this node has the fingerprint {old}");
    // (The log escapes quotes of what came from the wire, the apostrophe too.)
    let logged = |line: &str| {
        line.contains("refused: no key in the keyring of this node") && line.contains(&format!("fingerprint {old}"))
    };
    poll("B logs the refusal", || herd.log("B").lines().any(logged));
    poll("B counts it", || refused_for_the_key(herd.metrics) > counted);
    poll("C hears why", || herd.log("C").contains(&format!("refused by the other side: {told}")));
    // B's link to the old C went down when it was killed; no link of C's came up again.
    let now = herd.link_changes();
    assert_eq!(now[2].0, steady[2].0, "C linked with only the old key: {}", herd.log("C"));
}

/// Asks the node at `port`'s control port to read its key file again, with the new key; its
/// refusal.
fn reload_by_control(port: u16) -> String {
    use herdctl_control::protocol::{Request, Response};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let terms = herdctl_control::terms(herdctl_core::secure::Security::Sealed, HerdKey::new(NEW));
        let stream = herdctl_core::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let (mut channel, _) = herdctl_control::dial_any(stream, &terms).await.unwrap();
        let request = Request::Keyring { reload: true };
        channel.send(&request.to_string()).await.unwrap();
        match Response::parse(&channel.receive().await.unwrap(), &request).unwrap() {
            Response::Refused(why) => why,
            other => panic!("read a file with no key: {other:?}"),
        }
    })
}

#[test]
fn changes_made_at_once_are_all_kept_and_a_wrong_file_is_refused_not_made() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("herd.key");
    std::fs::write(&file, format!("{OLD}\n")).unwrap();
    // Eight installs at the same moment: each takes the file in turn, none writes over another.
    let keys: Vec<String> = (0..8).map(|i| format!("key number {i} of the herd, long enough")).collect();
    let children: Vec<_> = keys
        .iter()
        .map(|key| {
            let mut command = herdctl();
            command.args(["keyring", "install", key]).arg("--key-file").arg(&file);
            command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let listed = keyring_run(
        {
            let mut command = herdctl();
            command.args(["keyring", "list"]).arg("--key-file").arg(&file);
            command
        },
        None,
    )
    .unwrap();
    assert_eq!(listed.lines().count(), 9, "{listed}");
    for key in &keys {
        assert!(listed.contains(&fingerprint(key)), "{key} was lost: {listed}");
    }
    // Installed again (a rotation script run twice): nothing changes, and that is no error.
    let again = keyring_run(
        {
            let mut command = herdctl();
            command.args(["keyring", "install", &keys[0]]).arg("--key-file").arg(&file);
            command
        },
        None,
    );
    assert!(again.as_deref().is_ok_and(|said| said.contains("in the keyring already")), "{again:?}");
    // A misspelt path is refused, not made into a new keyring of one key.
    let typo = dir.path().join("hed.key");
    let made = keyring_run(
        {
            let mut command = herdctl();
            command.args(["keyring", "install", NEW]).arg("--key-file").arg(&typo);
            command
        },
        None,
    );
    assert!(made.is_err() && !typo.exists(), "{made:?}");
    // A pipe is refused at once (opening it would wait for a writer for ever).
    let pipe = dir.path().join("pipe.key");
    assert!(Command::new("mkfifo").arg(&pipe).status().unwrap().success());
    let listed = keyring_run(
        {
            let mut command = herdctl();
            command.args(["keyring", "list"]).arg("--key-file").arg(&pipe);
            command
        },
        None,
    );
    assert!(listed.as_ref().is_err_and(|said| said.contains("not a plain file")), "{listed:?}");
}
