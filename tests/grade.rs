//! `herdctl grade`, run as a user runs it (the real binary, real processes, real sockets): on
//! herdctl's own nodes and on the course-design Python herd (tests/fixtures/student-herd) it
//! scores full marks; each of the fixture's bugs fails exactly the check that names it; walkthroughs
//! run as checks; a grade that cannot run exits 2 with one clear line.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use common::free_ports;

/// A hang fails the test rather than CI (a grade takes seconds; a loaded machine, a minute).
const DEADLINE: Duration = Duration::from_secs(300);

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/student-herd")
}

/// Runs `herdctl grade` with `args` until it exits.
async fn grade(args: &[&str]) -> Output {
    let mut herdctl = tokio::process::Command::new(env!("CARGO_BIN_EXE_herdctl"));
    herdctl.arg("grade").args(args).env("RUST_BACKTRACE", "1").kill_on_drop(true);
    tokio::time::timeout(DEADLINE, herdctl.output()).await.expect("the grade ends within the deadline").unwrap()
}

fn text(output: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The JSON report, and the names of the checks with each verdict.
fn verdicts(output: &Output) -> (serde_json::Value, Vec<(String, String)>) {
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(output)));
    let checks = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| (check["check"].as_str().unwrap().to_string(), check["verdict"].as_str().unwrap().to_string()))
        .collect();
    (report, checks)
}

fn failed(checks: &[(String, String)]) -> Vec<&str> {
    checks.iter().filter(|(_, verdict)| verdict == "fail").map(|(name, _)| name.as_str()).collect()
}

#[tokio::test]
async fn herdctls_own_nodes_score_full_marks() {
    let output = grade(&["--json"]).await;
    let (report, checks) = verdicts(&output);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(checks.len() >= 16, "{checks:?}");
    assert!(checks.iter().all(|(_, verdict)| verdict == "pass"), "{checks:?}");
    assert_eq!(report["score"], report["out_of"]);
    // herdctl's nodes catch a revived node up: reported, as the course does not ask for it.
    let revive = report["checks"].as_array().unwrap().iter().find(|check| check["check"] == "revive").unwrap();
    assert!(revive["notes"][0].as_str().unwrap().contains("caught up on grade-old"), "{revive}");
}

#[tokio::test]
async fn a_failed_check_says_what_it_sent_expected_and_got_and_a_walkthrough_is_a_check() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.herd");
    std::fs::write(&good, "iamat Riley kiwi +34.068930-118.445127\nexpect Campbell knows kiwi\n").unwrap();
    let bad = dir.path().join("bad.herd");
    std::fs::write(&bad, "kill Jaquez\niamat Riley fig +34.068930-118.445127\nexpect Jaquez knows fig\n").unwrap();
    let output =
        grade(&["--only", "iamat-format", "--walkthrough", good.to_str().unwrap(), bad.to_str().unwrap()]).await;
    let table = text(&output);
    assert_eq!(output.status.code(), Some(1), "{table}");
    assert!(table.contains("iamat-format") && table.contains("score 2/3"), "{table}");
    assert!(table.contains("walkthrough:good.herd  pass"), "{table}");
    assert!(table.contains("walkthrough:bad.herd   FAIL"), "{table}");
    // The failure's details: what went in, what was wanted, and the walkthrough's failing line.
    let details = table.split("walkthrough:bad.herd FAILED").nth(1).expect("details of the failure");
    assert!(details.contains("sent:") && details.contains("expected:") && details.contains("got:"), "{details}");
    assert!(details.contains("bad.herd:3: expected Jaquez to know fig"), "{details}");
}

#[tokio::test]
async fn a_grade_that_cannot_run_exits_2_with_one_clear_line() {
    let unknown = grade(&["--only", "iamat-format,no-such-check"]).await;
    let said = String::from_utf8_lossy(&unknown.stderr).into_owned();
    assert_eq!(unknown.status.code(), Some(2), "{said}");
    assert!(said.contains("--only no-such-check: no such check; the checks are iamat-format"), "{said}");
    assert!(!said.contains("backtrace") && !said.contains("panicked"), "{said}");

    let dir = tempfile::tempdir().unwrap();
    let topology = write_topology(dir.path());
    let missing =
        grade(&["--exec", "python3 no-such-server.py {name}", "--topology", topology.to_str().unwrap()]).await;
    let said = String::from_utf8_lossy(&missing.stderr).into_owned();
    assert_eq!(missing.status.code(), Some(2), "{said}");
    assert!(said.contains("did not start, so the herd cannot be graded"), "{said}");
    assert_eq!(said.lines().filter(|line| line.starts_with("herdctl:")).count(), 1, "{said}");
    assert!(missing.stdout.is_empty(), "{}", text(&missing));
}

/// The course's five servers on free ports (a student's herd talks on its client ports).
fn write_topology(dir: &Path) -> PathBuf {
    let names = ["Riley", "Jaquez", "Juzang", "Campbell", "Bernard"];
    let links = [
        ["Riley", "Jaquez"],
        ["Riley", "Juzang"],
        ["Bernard", "Jaquez"],
        ["Bernard", "Juzang"],
        ["Bernard", "Campbell"],
        ["Juzang", "Campbell"],
    ];
    let nodes: Vec<serde_json::Value> = names
        .iter()
        .zip(free_ports(names.len()))
        .map(|(name, port)| serde_json::json!({"name": name, "host": "127.0.0.1", "port": port}))
        .collect();
    let path = dir.join("theirs.json");
    std::fs::write(&path, serde_json::json!({"nodes": nodes, "links": links}).to_string()).unwrap();
    path
}

#[cfg(target_os = "linux")]
mod student {
    use super::*;
    use common::missing_tool;

    /// Whether this machine lets an unprivileged process make namespaces and has python3 (CI's
    /// does: if not, the test fails there, and elsewhere says why it did not run).
    fn can_run() -> bool {
        let namespaces = std::process::Command::new("unshare")
            .args(["--user", "--map-root-user", "--net", "true"])
            .status()
            .is_ok_and(|status| status.success());
        if !namespaces {
            missing_tool("unprivileged user and network namespaces (unshare -rn)");
        }
        let python = std::process::Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
        if !python {
            missing_tool("python3");
        }
        namespaces && python
    }

    /// Grades the fixture herd (`bug` makes it a broken one); the JSON report's verdicts.
    async fn grade_fixture(bug: Option<&str>) -> (Output, serde_json::Value, Vec<(String, String)>) {
        let dir = tempfile::tempdir().unwrap();
        let topology = write_topology(dir.path());
        let command = match bug {
            Some(bug) => format!("python3 server.py {{name}} {{topology}} --bug {bug}"),
            None => "python3 server.py {name} {topology}".to_string(),
        };
        let folder = fixture();
        let args = [
            "--json",
            "--exec",
            &command,
            "--exec-dir",
            folder.to_str().unwrap(),
            "--topology",
            topology.to_str().unwrap(),
        ];
        let output = grade(&args).await;
        let (report, checks) = verdicts(&output);
        (output, report, checks)
    }

    #[tokio::test]
    async fn the_course_fixture_scores_full_marks() {
        if !can_run() {
            return;
        }
        let (output, report, checks) = grade_fixture(None).await;
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        // Nothing skipped: herdctl sees (and cuts) what the servers send each other.
        assert!(checks.iter().all(|(_, verdict)| verdict == "pass"), "{checks:?}");
        assert_eq!(report["score"], report["out_of"]);
        // The fixture, like the course's servers, does not catch a revived server up: said, not failed.
        let revive = report["checks"].as_array().unwrap().iter().find(|check| check["check"] == "revive").unwrap();
        assert!(revive["notes"][0].as_str().unwrap().contains("did not catch up"), "{revive}");
    }

    /// Grades the fixture with `bug` and asserts that `check` alone failed, its details holding
    /// `said`.
    async fn fails_only(bug: &str, check: &str, said: &str) {
        if !can_run() {
            return;
        }
        let (output, report, checks) = grade_fixture(Some(bug)).await;
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        assert_eq!(failed(&checks), [check], "{report:#}");
        let finding = report["checks"].as_array().unwrap().iter().find(|finding| finding["check"] == check).unwrap();
        assert!(finding["got"].as_str().unwrap().contains(said), "{finding:#}");
        assert!(!finding["sent"].as_array().unwrap().is_empty() && !finding["expected"].as_str().unwrap().is_empty());
    }

    #[tokio::test]
    async fn no_duplicate_check_fails_flood_once() {
        fails_only("no-dup-check", "flood-once", "crossed").await;
    }

    #[tokio::test]
    async fn no_reconnect_fails_revive() {
        fails_only("no-reconnect", "revive", "Jaquez").await;
    }

    #[tokio::test]
    async fn wrong_client_fails_whatsat_client() {
        fails_only("wrong-client", "whatsat-client", "WHATSAT grade-alice began").await;
    }

    #[tokio::test]
    async fn no_newline_fails_iamat_format() {
        fails_only("no-newline", "iamat-format", "no newline at its end").await;
    }

    #[tokio::test]
    async fn flooding_to_every_server_fails_neighbours_only() {
        fails_only("all-servers", "neighbours-only", "Riley→Campbell").await;
    }
}
