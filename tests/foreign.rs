//! A student's herd under herdctl (`--exec`): Python servers of the course's design, which
//! herdctl has never seen (tests/fixtures/student-herd/server.py), run as the herd, each in a
//! network namespace of its own, every line between them crossing herdctl. Real processes, real
//! namespaces, real sockets; walkthroughs steer them headless.

#![cfg(target_os = "linux")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use common::{free_ports, missing_tool};

const NAMES: [&str; 5] = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];
const LINKS: [[&str; 2]; 6] = [
    ["Riley", "Jaquez"],
    ["Riley", "Juzang"],
    ["Bernard", "Jaquez"],
    ["Bernard", "Juzang"],
    ["Bernard", "Campbell"],
    ["Juzang", "Campbell"],
];
/// Time enough for a walkthrough on a busy machine; a hang fails the test rather than CI.
const DEADLINE: Duration = Duration::from_secs(180);

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/student-herd")
}

/// Whether this machine lets an unprivileged process make namespaces (CI's does: if not, the
/// test fails there, and elsewhere says why it did not run).
fn namespaces_allowed() -> bool {
    let allowed = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--net", "true"])
        .status()
        .is_ok_and(|status| status.success());
    if !allowed {
        missing_tool("unprivileged user and network namespaces (unshare -rn)");
    }
    allowed
}

fn python_present() -> bool {
    let present = std::process::Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !present {
        missing_tool("python3");
    }
    present
}

/// The course's five servers on free ports, with no peer ports: a student's herd talks on its
/// client ports. `exec` gives one node a command of its own.
fn write_topology(dir: &Path, exec: Option<(&str, &str)>) -> PathBuf {
    let ports = free_ports(NAMES.len());
    let nodes: Vec<serde_json::Value> = NAMES
        .iter()
        .zip(ports)
        .map(|(name, port)| {
            let mut node = serde_json::json!({"name": name, "host": "127.0.0.1", "port": port});
            if let Some((node_name, command)) = exec.filter(|(node_name, _)| node_name == name) {
                node["exec"] = command.into();
                let _ = node_name;
            }
            node
        })
        .collect();
    let path = dir.join("theirs.json");
    std::fs::write(&path, serde_json::json!({"nodes": nodes, "links": LINKS}).to_string()).unwrap();
    path
}

/// Runs herdctl headless on the student herd (`bug` makes it a broken one) with `args`, until
/// it exits; fails the test at the deadline.
async fn run(dir: &Path, topology: &Path, bug: Option<&str>, args: &[&str]) -> Output {
    run_with(dir, topology, bug, args, &[]).await
}

/// `run`, with `env` set in herdctl's environment (and no Places URL or shared network of the
/// caller's own).
async fn run_with(dir: &Path, topology: &Path, bug: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Output {
    let command = match bug {
        Some(bug) => format!("python3 server.py {{name}} {{topology}} --bug {bug}"),
        None => "python3 server.py {name} {topology}".to_string(),
    };
    let mut herdctl = tokio::process::Command::new(env!("CARGO_BIN_EXE_herdctl"));
    herdctl
        .args(["--headless", "--exec", &command, "--exec-dir"])
        .arg(fixture())
        .arg("--topology")
        .arg(topology)
        .arg("--log-dir")
        .arg(dir.join("logs"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env_remove("HERDCTL_PLACES_URL")
        .env_remove("HERDCTL_PLACES_NEW_URL")
        .env_remove("HERDCTL_SHARED_NETWORK")
        .envs(env.iter().copied())
        .kill_on_drop(true);
    tokio::time::timeout(DEADLINE, herdctl.output()).await.expect("herdctl ends within the deadline").unwrap()
}

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn log(dir: &Path, node: &str) -> String {
    std::fs::read_to_string(dir.join("logs").join(format!("{node}.log"))).unwrap_or_default()
}

#[tokio::test]
async fn the_shipped_basic_flood_walkthrough_plays_on_a_student_herd_hop_by_hop() {
    if !namespaces_allowed() || !python_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let topology = write_topology(dir.path(), None);
    let walkthrough = Path::new(env!("CARGO_MANIFEST_DIR")).join("walkthroughs/basic-flood.herd");
    let output = run(dir.path(), &topology, None, &["--scenario", walkthrough.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // Step mode held the student's own flood, a hop at a time, in the canonical order.
    assert!(stdout.contains("step 2: released 2 of 2: Riley→Jaquez"), "{stdout}");
    assert!(stdout.contains("step 3: released 3 of 3: Jaquez→Bernard"), "{stdout}");
    // Their flood's cost, counted from the lines that crossed herdctl.
    assert!(stdout.contains("cost 8 messages (== 8)") && stdout.contains("cost 4 duplicates (== 4)"), "{stdout}");
    assert!(stdout.contains("11 expectations held, 0 failed"), "{stdout}");
    // Each server's own output, and the AT lines it sent and got, are in its log.
    let riley = log(dir.path(), "Riley");
    assert!(riley.contains("says: Riley: listening on"), "{riley}");
    assert!(riley.contains("flood > Jaquez hop 1: AT Riley"), "{riley}");
    let bernard = log(dir.path(), "Bernard");
    assert!(bernard.contains("flood < Juzang hop 2 (duplicate dropped)"), "{bernard}");
}

#[tokio::test]
async fn a_walkthrough_kills_cuts_and_heals_a_student_herd_and_draws_its_trace() {
    if !namespaces_allowed() || !python_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let topology = write_topology(dir.path(), None);
    let script = dir.path().join("faults.herd");
    std::fs::write(
        &script,
        "kill Juzang\n\
         expect link Riley Juzang down\n\
         iamat Riley lemon +40.712800-074.006000\n\
         expect Campbell has lemon via Bernard\n\
         expect cost lemon messages == 3\n\
         revive Juzang\n\
         expect link Riley Juzang up\n\
         # The fixture, like the course's servers, does not catch a revived server up.\n\
         expect Juzang lacks lemon\n\
         cut Riley Jaquez\n\
         cut Riley Juzang\n\
         iamat Riley fig +34.068930-118.445127\n\
         expect Jaquez lacks fig\n\
         heal Riley Jaquez\n\
         iamat Riley fig +34.068930-118.445127 at now+1s\n\
         expect Jaquez has fig via Riley\n\
         whatsat Campbell lemon 10 3\n\
         expect reply Campbell AT Riley\n",
    )
    .unwrap();
    let trace = dir.path().join("theirs.svg");
    let args = ["--scenario", script.to_str().unwrap(), "--trace", trace.to_str().unwrap()];
    let output = run(dir.path(), &topology, None, &args).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("revived Juzang: its process runs again"), "{stdout}");
    // The kill was SIGKILL to the server's process: its end is told with its status.
    assert!(log(dir.path(), "Juzang").contains("process ended: killed by signal 9"));
    // The trace draws their flood: lemon's copies between the servers.
    let svg = std::fs::read_to_string(&trace).unwrap();
    assert!(svg.contains("<svg") && svg.contains("lemon"), "{svg}");
}

#[tokio::test]
async fn a_server_that_floods_to_every_server_is_shown_connecting_to_non_neighbours() {
    if !namespaces_allowed() || !python_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let topology = write_topology(dir.path(), None);
    let script = dir.path().join("stray.herd");
    std::fs::write(&script, "iamat Riley kiwi +34.068930-118.445127\nexpect Campbell knows kiwi\n").unwrap();
    let output = run(dir.path(), &topology, Some("all-servers"), &["--scenario", script.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // Riley's neighbours are Jaquez and Juzang: its connections to Campbell and Bernard are
    // strays, and still succeed (the course's servers share one machine).
    let riley = log(dir.path(), "Riley");
    assert!(riley.contains("connected to Campbell, which is not its neighbour"), "{riley}");
    assert!(riley.contains("connected to Bernard, which is not its neighbour"), "{riley}");
    assert!(!riley.contains("connected to Jaquez, which is not"), "{riley}");
}

#[tokio::test]
async fn a_flood_that_never_ends_is_held_by_step_mode() {
    if !namespaces_allowed() || !python_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let topology = write_topology(dir.path(), None);
    let script = dir.path().join("storm.herd");
    // With no duplicate check, every copy is passed on: the cycle Riley-Jaquez-Bernard-Juzang
    // carries kiwi round for ever. Step mode holds it wherever it is.
    std::fs::write(
        &script,
        "step\n\
         iamat Riley kiwi +34.068930-118.445127\n\
         step 30\n\
         expect cost kiwi messages >= 30\n\
         expect cost kiwi duplicates >= 20\n",
    )
    .unwrap();
    let output = run(dir.path(), &topology, Some("no-dup-check"), &["--scenario", script.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    // Thirty released, and more still held: the storm goes on only as fast as the operator lets it.
    assert!(stdout.contains("step 30: released 30 of"), "{stdout}");
}

#[tokio::test]
async fn a_server_that_exits_is_shown_down_with_its_status_and_last_words() {
    if !namespaces_allowed() || !python_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let crash = "python3 -c 'import sys; print(\"cannot read my config\", file=sys.stderr); sys.exit(3)'";
    let topology = write_topology(dir.path(), Some(("Campbell", crash)));
    let script = dir.path().join("down.herd");
    std::fs::write(&script, "expect link Bernard Campbell down\niamat Riley kiwi +34.068930-118.445127\n").unwrap();
    let output = run(dir.path(), &topology, None, &["--scenario", script.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let campbell = log(dir.path(), "Campbell");
    assert!(campbell.contains("says (stderr): cannot read my config"), "{campbell}");
    assert!(campbell.contains("process ended: exit status 3"), "{campbell}");
    assert!(campbell.contains("cannot read my config"), "{campbell}");
    assert!(!stderr.contains("panicked") && !stderr.contains("stack backtrace"), "{stderr}");
}

#[tokio::test]
async fn a_missing_command_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let topology = write_topology(dir.path(), Some(("Riley", "python3 server.py Riley")));
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_herdctl"))
        .args(["--headless", "--topology", topology.to_str().unwrap(), "--log-dir"])
        .arg(dir.path().join("logs"))
        .env("RUST_BACKTRACE", "1")
        .output()
        .await
        .unwrap();
    let (_, stderr) = text(&output);
    assert!(!output.status.success());
    assert!(stderr.contains("Jaquez has no command: give --exec 'COMMAND'"), "{stderr}");
    assert_eq!(stderr.lines().filter(|line| line.starts_with("herdctl:")).count(), 1, "{stderr}");
}

/// The gazetteer's places within 10 km of UCLA, as the offline source ranks them: the ids of the
/// first `count`.
async fn places_near_ucla(count: usize) -> Vec<String> {
    use herdctl_core::places::{Offline, Places, Query};
    let query = Query { lat: 34.068930, lon: -118.445127, radius_m: "10000".into(), bound: 20 };
    let document = Offline::start().nearby(query).await.document;
    let results = document["results"].as_array().expect("results").iter().take(count);
    results.map(|result| result["place_id"].as_str().expect("an id").to_string()).collect()
}

/// Tells Riley where kiwi is and asks it WHATSAT, under herdctl with `env`; returns what the
/// walkthrough printed (each reply whole).
async fn whatsat_through(env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let topology = write_topology(dir.path(), None);
    let script = dir.path().join("whatsat.herd");
    std::fs::write(
        &script,
        "iamat Riley kiwi +34.068930-118.445127\n\
         whatsat Riley kiwi 10 3\n\
         expect reply Riley AT Riley\n",
    )
    .unwrap();
    let output = run_with(dir.path(), &topology, None, &["--scenario", script.to_str().unwrap()], env).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    stdout
}

/// The fixture's WHATSAT asks the URL in HERDCTL_PLACES_URL; with none it answers no places.
/// Under --exec herdctl starts a places stub and gives every server its URL, reached from each
/// server's namespace through a door, and on the shared network directly.
#[tokio::test]
async fn a_student_herds_whatsat_finds_places_offline_through_herdctls_places_stub() {
    if !namespaces_allowed() || !python_present() {
        return;
    }
    let expected = places_near_ucla(4).await;
    assert_eq!(expected.len(), 4, "the gazetteer has towns near UCLA");
    for env in [&[][..], &[("HERDCTL_SHARED_NETWORK", "1")][..]] {
        let played = whatsat_through(env).await;
        // Riley's reply: the stub's answer, cut to the bound by the server.
        assert!(played.contains(r#""status": "OK""#), "{env:?}: {played}");
        for id in &expected[..3] {
            assert!(played.contains(&format!(r#""place_id": "{id}""#)), "{env:?}: {id} in {played}");
        }
        assert!(!played.contains(&expected[3]), "{env:?}: the bound of 3 held: {played}");
    }
}

/// A stub the user runs themselves, named in HERDCTL_PLACES_URL, is the one the servers ask
/// (through a door in each namespace): herdctl starts none of its own.
#[tokio::test]
async fn a_places_url_of_the_users_own_is_the_one_the_servers_ask() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use herdctl_core::places::{Offline, Places, PlacesFuture, Query};

    /// The offline source, counting what it is asked.
    struct Counted(Offline, AtomicUsize);
    impl Places for Counted {
        fn name(&self) -> &str {
            "counted"
        }
        fn nearby(&self, query: Query) -> PlacesFuture<'_> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.nearby(query)
        }
    }

    if !namespaces_allowed() || !python_present() {
        return;
    }
    let source = Arc::new(Counted(Offline::start(), AtomicUsize::new(0)));
    // Loaded before the servers start, as herdctl's own stub is: their first WHATSAT does not
    // wait for it.
    source.0.ready().await.expect("the gazetteer loads");
    let (listener, addr) = herdctl_teach::places_stub::bind("127.0.0.1:0").await.unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(herdctl_teach::places_stub::serve(listener, source.clone(), stop.clone()));
    let _stop = stop.drop_guard();
    let url = herdctl_teach::places_stub::legacy_url(addr);
    let played = whatsat_through(&[("HERDCTL_PLACES_URL", &url)]).await;
    assert!(played.contains(r#""status": "OK""#), "{played}");
    assert_eq!(source.1.load(Ordering::SeqCst), 1, "Riley's one WHATSAT asked the user's stub");
}

/// `whatsat all` asks every one of the student's servers at its client port, through herdctl:
/// the table says who answers what, a server killed is down and not asked, and each answer is
/// the server's own (the fixture's WHATSAT finds its places through herdctl's stub).
#[tokio::test]
async fn whatsat_all_shows_what_each_of_a_student_herds_servers_answers() {
    if !namespaces_allowed() || !python_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let topology = write_topology(dir.path(), None);
    let script = dir.path().join("all.herd");
    std::fs::write(
        &script,
        "iamat Riley kiwi +34.068930-118.445127\n\
         expect Campbell knows kiwi\n\
         expect Bernard knows kiwi\n\
         kill Bernard\n\
         whatsat all kiwi 10 3\n\
         expect reply Campbell AT Riley\n\
         expect reply Riley AT Riley\n",
    )
    .unwrap();
    let output = run(dir.path(), &topology, None, &["--scenario", script.to_str().unwrap()]).await;
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("│ whatsat all kiwi 10 3\n     │   4 AT Riley …")
            && stdout.contains("(Riley, Jaquez, Juzang, Campbell) · 1 down (Bernard)"),
        "{stdout}"
    );
    for node in ["Riley", "Jaquez", "Juzang", "Campbell"] {
        assert!(stdout.contains(&format!("│   {node:<8}  AT Riley +")), "{node}: {stdout}");
    }
    assert!(stdout.contains("│   Bernard   (Bernard is down: not asked)"), "{stdout}");
    // Each server was asked at its client port: the WHATSAT is in its log, and its places came
    // from herdctl's stub.
    let campbell = log(dir.path(), "Campbell");
    assert!(campbell.contains("> WHATSAT kiwi 10 3"), "{campbell}");
    assert!(campbell.contains(r#"\"status\": \"OK\""#), "{campbell}");
}
