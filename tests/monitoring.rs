//! What deploy/ ships to watch a herd: the alert rules (deploy/prometheus/, checked and unit-tested
//! by promtool), the same groups as a PrometheusRule (deploy/kubernetes-monitoring/), and the
//! Grafana dashboard (deploy/grafana/herdctl.json), whose queries and rules ask only for metrics a
//! running herdctl serves.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use yaml_rust2::{Yaml, YamlLoader};

const RULES: &str = "deploy/prometheus/herdctl-alerts.yml";
const RULE_TESTS: &str = "deploy/prometheus/herdctl-alerts.test.yml";
const PROMETHEUS_RULE: &str = "deploy/kubernetes-monitoring/prometheusrule.yaml";
const DASHBOARD: &str = "deploy/grafana/herdctl.json";

fn path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(file)
}

fn yaml(file: &str) -> Yaml {
    let text = std::fs::read_to_string(path(file)).unwrap();
    let mut documents = YamlLoader::load_from_str(&text).unwrap_or_else(|error| panic!("{file}: {error}"));
    assert_eq!(documents.len(), 1, "{file} is one document");
    documents.remove(0)
}

fn dashboard() -> serde_json::Value {
    let text = std::fs::read_to_string(path(DASHBOARD)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{DASHBOARD} is not JSON: {error}"))
}

/// `yaml` with each mapping's keys in order: the same document, however its keys were written
/// (kubectl writes them sorted).
fn sorted(yaml: &Yaml) -> Yaml {
    match yaml {
        Yaml::Hash(hash) => {
            let mut entries: Vec<(Yaml, Yaml)> = hash.iter().map(|(key, value)| (key.clone(), sorted(value))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Yaml::Hash(entries.into_iter().collect())
        }
        Yaml::Array(items) => Yaml::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The rules of the rules file's groups.
fn rules() -> Vec<Yaml> {
    let rules = yaml(RULES);
    let groups = rules["groups"].as_vec().expect("groups");
    groups.iter().flat_map(|group| group["rules"].as_vec().expect("rules").clone()).collect()
}

fn alert_names() -> BTreeSet<String> {
    rules().iter().filter_map(|rule| rule["alert"].as_str().map(str::to_string)).collect()
}

/// Every query of the dashboard's panels.
fn dashboard_queries() -> Vec<String> {
    let dashboard = dashboard();
    let panels = dashboard["panels"].as_array().expect("panels");
    let queries: Vec<String> = panels
        .iter()
        .flat_map(|panel| panel["targets"].as_array().cloned().unwrap_or_default())
        .map(|target| target["expr"].as_str().expect("every target has a query").to_string())
        .collect();
    assert!(queries.len() > 20, "{queries:?}");
    queries
}

/// Runs promtool; `None` when it is not installed (said loudly, and a failure under CI).
fn promtool(args: &[&Path]) -> Option<(bool, String)> {
    let Ok(output) = Command::new("promtool").args(args).output() else {
        missing_tool("promtool (Debian's prometheus package)");
        return None;
    };
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Some((output.status.success(), said))
}

#[test]
fn the_alert_rules_pass_promtool_and_each_has_a_unit_test() {
    // Each alert is named in the unit tests (which promtool then runs).
    let tests = yaml(RULE_TESTS);
    assert_eq!(tests["rule_files"][0].as_str(), Some("herdctl-alerts.yml"));
    let tested: BTreeSet<String> = tests["tests"]
        .as_vec()
        .expect("tests")
        .iter()
        .flat_map(|test| test["alert_rule_test"].as_vec().cloned().unwrap_or_default())
        .filter(|case| case["exp_alerts"].as_vec().is_some_and(|alerts| !alerts.is_empty()))
        .filter_map(|case| case["alertname"].as_str().map(str::to_string))
        .collect();
    let alerts = alert_names();
    assert!(alerts.len() >= 7, "{alerts:?}");
    let untested: Vec<&String> = alerts.difference(&tested).collect();
    assert!(untested.is_empty(), "alerts no unit test expects to fire: {untested:?}");
    for rule in rules() {
        let alert = rule["alert"].as_str().unwrap_or("?");
        assert!(rule["labels"]["severity"].as_str().is_some(), "{alert} has a severity");
        assert!(rule["annotations"]["summary"].as_str().is_some(), "{alert} has a summary");
    }

    let Some((checked, said)) = promtool(&["check".as_ref(), "rules".as_ref(), &path(RULES)]) else { return };
    assert!(checked, "promtool check rules: {said}");
    let (passed, said) = promtool(&["test".as_ref(), "rules".as_ref(), &path(RULE_TESTS)]).unwrap();
    assert!(passed, "promtool test rules: {said}");
}

#[test]
fn the_prometheus_rule_carries_the_rules_files_groups() {
    let rule = yaml(PROMETHEUS_RULE);
    assert_eq!(rule["apiVersion"].as_str(), Some("monitoring.coreos.com/v1"));
    assert_eq!(rule["kind"].as_str(), Some("PrometheusRule"));
    let groups = sorted(&yaml(RULES)["groups"]);
    assert_eq!(sorted(&rule["spec"]["groups"]), groups, "{PROMETHEUS_RULE} and {RULES} differ: change both");
    // Rendered as the operator applies it: the rule and the scrape its alerts ask `up` about.
    let Ok(output) = Command::new("kubectl").args(["kustomize"]).arg(path("deploy/kubernetes-monitoring")).output()
    else {
        return missing_tool("kubectl");
    };
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let documents = YamlLoader::load_from_str(&String::from_utf8(output.stdout).unwrap()).unwrap();
    let of =
        |kind: &str| documents.iter().find(|d| d["kind"].as_str() == Some(kind)).unwrap_or_else(|| panic!("{kind}"));
    assert_eq!(sorted(&of("PrometheusRule")["spec"]["groups"]), groups);
    // HerdctlProcessDown asks for `up{job="herdctl"}`: the job is named after this label's value.
    let monitor = of("PodMonitor");
    assert_eq!(monitor["spec"]["jobLabel"].as_str(), Some("app.kubernetes.io/name"));
    assert_eq!(monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as_str(), Some("herdctl"));
    assert_eq!(monitor["spec"]["podMetricsEndpoints"][0]["port"].as_str(), Some("metrics"));
    let set = &YamlLoader::load_from_str(&std::fs::read_to_string(path("deploy/kubernetes/statefulset.yaml")).unwrap())
        .unwrap()[0];
    let ports = set["spec"]["template"]["spec"]["containers"][0]["ports"].as_vec().unwrap();
    assert!(ports.iter().any(|port| port["name"].as_str() == Some("metrics")), "the pods name their metrics port");
}

#[test]
fn the_dashboard_is_importable_and_its_queries_parse() {
    let dashboard = dashboard();
    assert_eq!(dashboard["uid"].as_str(), Some("herdctl"));
    assert!(dashboard["title"].as_str().is_some());
    // The data source is chosen at import (a variable), never a uid of someone's Grafana.
    let variables = dashboard["templating"]["list"].as_array().unwrap();
    assert!(
        variables.iter().any(|v| v["name"] == "datasource" && v["type"] == "datasource" && v["query"] == "prometheus")
    );
    let panels = dashboard["panels"].as_array().unwrap();
    let mut ids = BTreeSet::new();
    for panel in panels {
        assert!(ids.insert(panel["id"].as_u64().expect("a numeric id")), "ids are unique: {panel}");
        let grid = &panel["gridPos"];
        assert!(
            grid["w"].as_u64().is_some_and(|w| w > 0)
                && grid["x"].as_u64().unwrap() + grid["w"].as_u64().unwrap() <= 24
        );
        if panel["type"] != "row" {
            assert_eq!(panel["datasource"]["uid"], "${datasource}", "{}", panel["title"]);
            assert!(!panel["targets"].as_array().unwrap().is_empty(), "{}", panel["title"]);
        }
    }
    let titles: Vec<&str> = panels.iter().filter_map(|panel| panel["title"].as_str()).collect();
    for wanted in [
        "Nodes up",
        "Links",
        "Client lines / s",
        "Records / s",
        "Store failing",
        "Records kept back",
        "Commit latency p50 / p99",
        "Ack wait p50 / p99",
        "Peer handshakes refused / s",
        "Control connections refused / s",
        "Log lines dropped / s",
        "Resident memory",
        "Open file descriptors",
    ] {
        assert!(titles.contains(&wanted), "a panel {wanted:?} in {titles:?}");
    }

    // Each query is PromQL that Prometheus parses: promtool checks them as recording rules, with
    // Grafana's variables as Grafana fills them in.
    let dir = tempfile::tempdir().unwrap();
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, query) in dashboard_queries().iter().enumerate() {
        let filled = query.replace("$__rate_interval", "1m").replace("$node", ".*").replace("$job", ".*");
        rules
            .push_str(&format!("      - record: dashboard:query{i}\n        expr: '{}'\n", filled.replace('\'', "''")));
    }
    let file = dir.path().join("dashboard.yml");
    std::fs::write(&file, rules).unwrap();
    let Some((parsed, said)) = promtool(&["check".as_ref(), "rules".as_ref(), &file]) else { return };
    assert!(parsed, "the dashboard's queries: {said}");
}

/// The metric names a PromQL expression reads: its identifiers that are neither functions,
/// keywords, label names (in `{…}`, or after `by`, `on` and the like), nor Grafana variables.
fn metric_names(expr: &str) -> Vec<String> {
    const KEYWORDS: [&str; 6] = ["and", "or", "unless", "bool", "offset", "inf"];
    const LABEL_LISTS: [&str; 6] = ["by", "without", "on", "ignoring", "group_left", "group_right"];
    let chars: Vec<char> = expr.chars().collect();
    let mut names = Vec::new();
    let (mut i, mut braces, mut brackets) = (0, 0, 0);
    let mut labels_next = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => {
                // A string: skip to its closing quote.
                i += 1;
                while i < chars.len() && chars[i] != c {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
            }
            '{' => braces += 1,
            '}' => braces -= 1,
            '[' => brackets += 1,
            ']' => brackets -= 1,
            '(' if labels_next => {
                // A list of labels: skip it.
                while i < chars.len() && chars[i] != ')' {
                    i += 1;
                }
                labels_next = false;
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while i + 1 < chars.len() && (chars[i + 1].is_ascii_alphanumeric() || matches!(chars[i + 1], '_' | ':'))
                {
                    i += 1;
                }
                let word: String = chars[start..=i].iter().collect();
                let variable = start > 0 && chars[start - 1] == '$';
                // A function, or an aggregation (`sum by (…) (…)`).
                let rest: String = chars[i + 1..].iter().collect();
                let rest = rest.trim_start();
                let call = rest.starts_with('(') || rest.starts_with("by ") || rest.starts_with("without ");
                if LABEL_LISTS.contains(&word.as_str()) {
                    labels_next = true;
                } else if !(variable || call || braces > 0 || brackets > 0 || KEYWORDS.contains(&word.as_str())) {
                    names.push(word);
                }
            }
            c if c.is_ascii_digit() => {
                while i + 1 < chars.len() && (chars[i + 1].is_ascii_alphanumeric() || chars[i + 1] == '.') {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    names
}

#[test]
fn metric_names_are_told_from_functions_labels_and_variables() {
    assert_eq!(
        metric_names(
            r#"histogram_quantile(0.99, sum by (node, le) (rate(herdctl_x_bucket{node=~"$node",a="b c"}[$__rate_interval])))"#
        ),
        ["herdctl_x_bucket"]
    );
    assert_eq!(
        metric_names("(up{job=\"herdctl\"} == 0 unless on (node) herdctl_cut == 1) or vector(0)"),
        ["up", "herdctl_cut"]
    );
}

#[tokio::test]
async fn the_dashboard_and_the_alerts_ask_only_for_metrics_a_node_serves() {
    // A real herd: five nodes of one process, with a store, serving their metrics.
    let dir = tempfile::tempdir().unwrap();
    let ports = free_ports(11);
    let topology = write_topology(dir.path(), &ports);
    let metrics = format!("127.0.0.1:{}", ports[10]);
    let mut command = Command::new(env!("CARGO_BIN_EXE_herdctl"));
    command.env("HERD_KEY", "monitoring test key").env_remove("HERD_PLAIN_LINKS");
    command.args(["--headless", "--metrics", &metrics, "--topology"]).arg(&topology);
    command.arg("--log-dir").arg(dir.path().join("logs")).arg("--data-dir").arg(dir.path().join("data"));
    let _herd = Spawned(command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    let url = format!("http://{metrics}/metrics");
    let scrape = || async { reqwest::get(&url).await.ok()?.text().await.ok() };
    eventually("Riley serves", || async {
        scrape().await.is_some_and(|text| sample(&text, r#"herdctl_node_up{node="Riley"}"#) == Some(1.0))
    })
    .await;
    // A record, so that every histogram has been observed.
    let client = std::net::SocketAddr::from(([127, 0, 0, 1], ports[0]));
    let reply = exchange(client, format!("IAMAT kiwi +34.068930-118.445127 {}\n", now()).as_bytes()).await;
    assert!(reply.starts_with("AT Riley"), "{reply}");
    let text = scrape().await.unwrap();
    let mut served = BTreeSet::new();
    let mut histograms = BTreeSet::new();
    for line in text.lines().filter_map(|line| line.strip_prefix("# TYPE ")) {
        let (name, kind) = line.split_once(' ').unwrap();
        served.insert(name.to_string());
        if kind == "histogram" {
            histograms.insert(name.to_string());
        }
    }
    let serves = |name: &str| {
        // `up` is Prometheus's own (whether the scrape answered).
        name == "up"
            || served.contains(name)
            || ["_bucket", "_sum", "_count"]
                .iter()
                .any(|suffix| name.strip_suffix(suffix).is_some_and(|family| histograms.contains(family)))
    };
    let mut asked = Vec::new();
    for query in dashboard_queries() {
        asked.extend(metric_names(&query).into_iter().map(|name| (name, format!("{DASHBOARD}: {query}"))));
    }
    for rule in rules() {
        let expr = rule["expr"].as_str().unwrap().to_string();
        asked.extend(metric_names(&expr).into_iter().map(|name| (name, format!("{RULES}: {expr}"))));
    }
    let names: BTreeSet<&str> = asked.iter().map(|(name, _)| name.as_str()).collect();
    for wanted in ["herdctl_store_commit_seconds_bucket", "herdctl_link_queue_records", "herdctl_control_refused_total"]
    {
        assert!(names.contains(wanted), "{wanted} is asked for: {names:?}");
    }
    let unknown: Vec<&(String, String)> = asked.iter().filter(|(name, _)| !serves(name)).collect();
    assert!(unknown.is_empty(), "names no node serves: {unknown:#?}\nserved: {served:?}");
}
