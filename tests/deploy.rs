//! The deployment files agree with herdctl and with each other: the Dockerfile, compose.yaml and
//! deploy/kubernetes/ (rendered by `kubectl kustomize` where kubectl is installed).

mod common;

use std::path::Path;
use std::process::Command;

use herdctl_core::Topology;
use yaml_rust2::{Yaml, YamlLoader};

fn yaml(path: &str) -> Vec<Yaml> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    YamlLoader::load_from_str(&text).unwrap_or_else(|error| panic!("{path} is not valid YAML: {error}"))
}

fn topology(path: &str) -> Topology {
    Topology::load(Some(&Path::new(env!("CARGO_MANIFEST_DIR")).join(path))).unwrap()
}

/// herdctl takes these arguments: every flag exists and every value parses (`--version` at the
/// end answers only if all before it did).
fn herdctl_takes(args: &[String]) {
    let output = Command::new(env!("CARGO_BIN_EXE_herdctl")).args(args).arg("--version").output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

fn words(command: &Yaml) -> Vec<String> {
    match command {
        Yaml::String(text) => text.split_whitespace().map(str::to_string).collect(),
        Yaml::Array(items) => items.iter().filter_map(Yaml::as_str).map(str::to_string).collect(),
        other => panic!("a command is a string or a list, not {other:?}"),
    }
}

/// A field of a compose service, or of what it merges in (`<<: *node`, which compose reads and
/// the YAML parser leaves as a key).
fn field<'a>(service: &'a Yaml, name: &str) -> &'a Yaml {
    match &service[name] {
        Yaml::BadValue => &service["<<"][name],
        value => value,
    }
}

#[test]
fn compose_runs_each_node_of_its_topology_and_a_console_that_attaches() {
    let compose = &yaml("compose.yaml")[0];
    let topology = topology("deploy/compose/topology.json");
    let services = &compose["services"];
    for node in topology.nodes() {
        let service = &services[node.host.as_str()];
        assert_eq!(service["hostname"].as_str(), Some(node.host.as_str()), "{}", node.name);
        let command = words(field(service, "command"));
        assert!(command.contains(&"--node-from-host".to_string()), "{command:?}");
        assert!(command.contains(&"--bind".to_string()), "listens beyond the container: {command:?}");
        let mounted = field(service, "volumes")[0].as_str().unwrap();
        assert!(mounted.starts_with("./deploy/compose/topology.json:/etc/herd/topology.json"), "{mounted}");
        // The same name is found again by herdctl.
        assert_eq!(topology.node_on_host(&node.host).map(|n| &n.name), Some(&node.name));
        herdctl_takes(&command);
        assert!(node.control_port.is_some(), "{} can be attached to", node.name);
    }
    // No key, no herd: compose stops with the message instead of starting on a public key.
    for service in topology.nodes().iter().map(|node| &services[node.host.as_str()]).chain([&services["console"]]) {
        assert_eq!(field(service, "environment")["HERD_KEY"].as_str(), Some("${HERD_KEY:?set HERD_KEY}"));
    }
    let console = words(&services["console"]["command"]);
    assert!(console.contains(&"--attach".to_string()), "{console:?}");
    assert_eq!(services["console"]["tty"].as_bool(), Some(true));
}

#[test]
fn the_statefulset_runs_its_topology_with_probes_and_scrape_annotations() {
    let topology = topology("deploy/kubernetes/topology.json");
    let kustomization = &yaml("deploy/kubernetes/kustomization.yaml")[0];
    let set = &yaml("deploy/kubernetes/statefulset.yaml")[0];
    let service = &yaml("deploy/kubernetes/service.yaml")[0];
    assert_eq!(set["kind"].as_str(), Some("StatefulSet"));
    assert_eq!(set["spec"]["replicas"].as_i64(), Some(topology.nodes().len() as i64));
    let (set_name, service_name) =
        (set["metadata"]["name"].as_str().unwrap(), service["metadata"]["name"].as_str().unwrap());
    assert_eq!(set["spec"]["serviceName"].as_str(), Some(service_name));
    assert_eq!(service["spec"]["clusterIP"].as_str(), Some("None"), "headless");
    // Pod i of the StatefulSet is the topology's node i, found by its stable name.
    for (i, node) in topology.nodes().iter().enumerate() {
        assert_eq!(node.host, format!("{set_name}-{i}.{service_name}"), "{}", node.name);
        assert_eq!(topology.node_on_host(&format!("{set_name}-{i}")).map(|n| &n.name), Some(&node.name));
    }
    let container = &set["spec"]["template"]["spec"]["containers"][0];
    let args = words(&container["args"]);
    assert!(args.contains(&"--node-from-host".to_string()) && args.contains(&"--headless".to_string()), "{args:?}");
    herdctl_takes(&args);
    let metrics_port = args.iter().find_map(|a| a.strip_prefix("--metrics=0.0.0.0:")).expect("serves metrics");
    let annotations = &set["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["prometheus.io/scrape"].as_str(), Some("true"));
    assert_eq!(annotations["prometheus.io/port"].as_str(), Some(metrics_port));
    // Liveness is the process answering: a node killed on purpose from a console is not restarted.
    assert_eq!(container["livenessProbe"]["httpGet"]["path"].as_str(), Some("/livez"));
    assert_eq!(container["readinessProbe"]["httpGet"]["path"].as_str(), Some("/readyz"));
    // The container and the service open the topology's ports.
    let node = &topology.nodes()[0];
    let opened = |list: &Yaml, field: &str| -> Vec<i64> {
        list.as_vec().unwrap().iter().filter_map(|port| port[field].as_i64()).collect()
    };
    for port in [node.port, node.peer_port, node.control_port.unwrap()] {
        assert!(opened(&container["ports"], "containerPort").contains(&i64::from(port)), "{port}");
        assert!(opened(&service["spec"]["ports"], "port").contains(&i64::from(port)), "{port}");
    }
    // The key is a file of the secret the kustomization makes from a file (never a literal in
    // the repository), the topology from its config map.
    let key_file = args.iter().find_map(|a| a.strip_prefix("--key-file=")).expect("the key from a file");
    let volumes = set["spec"]["template"]["spec"]["volumes"].as_vec().unwrap();
    let mounts = container["volumeMounts"].as_vec().unwrap();
    let under = |m: &&Yaml| key_file.starts_with(&format!("{}/", m["mountPath"].as_str().unwrap()));
    let mount = mounts.iter().find(under).expect("the key file is mounted");
    let volume = volumes.iter().find(|v| v["name"] == mount["name"]).unwrap();
    let generator = &kustomization["secretGenerator"][0];
    assert_eq!(volume["secret"]["secretName"].as_str(), generator["name"].as_str());
    assert!(generator["literals"].is_badvalue(), "no literal key: {generator:?}");
    let entry = generator["files"][0].as_str().unwrap();
    assert!(key_file.ends_with(&format!("/{}", entry.split('=').next().unwrap())), "{key_file} {entry}");
    let config = volumes[0]["configMap"]["name"].as_str().unwrap();
    assert_eq!(kustomization["configMapGenerator"][0]["name"].as_str(), Some(config));
}

#[test]
fn kubectl_kustomize_renders_the_deployment() {
    // A copy of the folder, where the operator's key file is written as the kustomization says.
    let folder = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes");
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != "herd.key" {
            std::fs::copy(entry.path(), folder.path().join(entry.file_name())).unwrap();
        }
    }
    let render = || Command::new("kubectl").args(["kustomize", "."]).current_dir(folder.path()).output();
    let Ok(output) = render() else {
        // Without kubectl the files are still checked, as YAML, by the tests above.
        return common::missing_tool("kubectl");
    };
    assert!(!output.status.success(), "no key file, no rendering");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("herd.key"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(folder.path().join("herd.key"), "5c7f0e4b9a1d2c3e8f6a7b0c1d2e3f4a\n").unwrap();
    let output = render().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let documents = YamlLoader::load_from_str(&String::from_utf8(output.stdout).unwrap()).unwrap();
    let kinds: Vec<&str> = documents.iter().filter_map(|d| d["kind"].as_str()).collect();
    let of = |kind: &str| documents.iter().find(|d| d["kind"].as_str() == Some(kind)).unwrap();
    for kind in ["ConfigMap", "Secret", "Service", "StatefulSet", "PodDisruptionBudget", "NetworkPolicy"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    // The generated names (with their content's hash) are the ones the StatefulSet refers to.
    let set = of("StatefulSet");
    let volumes = set["spec"]["template"]["spec"]["volumes"].as_vec().unwrap();
    let secret = volumes.iter().find_map(|volume| volume["secret"]["secretName"].as_str());
    assert_eq!(secret, of("Secret")["metadata"]["name"].as_str());
    assert!(of("Secret")["data"]["key"].as_str().is_some(), "the key file's content: {:?}", of("Secret"));
    // The image is the one `images:` names (a registry the cluster can pull from), and the
    // budget and the policy select the StatefulSet's pods.
    let image = set["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap();
    assert!(image.contains('/') && image.contains(':'), "a registry and a tag: {image}");
    let pods = &set["spec"]["template"]["metadata"]["labels"];
    for selector in [&of("PodDisruptionBudget")["spec"]["selector"], &of("NetworkPolicy")["spec"]["podSelector"]] {
        for (label, value) in selector["matchLabels"].as_hash().unwrap() {
            assert_eq!(&pods[label.as_str().unwrap()], value, "{label:?}");
        }
    }
}

#[test]
fn the_statefulset_is_locked_down_and_keeps_its_records_on_a_claim() {
    let set = &yaml("deploy/kubernetes/statefulset.yaml")[0];
    let pod = &set["spec"]["template"]["spec"];
    assert_eq!(pod["automountServiceAccountToken"].as_bool(), Some(false));
    assert_eq!(pod["securityContext"]["seccompProfile"]["type"].as_str(), Some("RuntimeDefault"));
    assert_eq!(pod["securityContext"]["runAsNonRoot"].as_bool(), Some(true));
    assert!(!pod["affinity"]["podAntiAffinity"].is_badvalue(), "nodes spread over machines");
    let container = &pod["containers"][0];
    let security = &container["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"].as_bool(), Some(true));
    assert_eq!(security["allowPrivilegeEscalation"].as_bool(), Some(false));
    assert_eq!(security["capabilities"]["drop"][0].as_str(), Some("ALL"));
    // Requests cover the measured idle node (76 MB resident, 95 MB at its peak: the comment above
    // them in the file).
    let mebibytes = |value: &Yaml| value.as_str().unwrap().strip_suffix("Mi").unwrap().parse::<u64>().unwrap();
    assert!(mebibytes(&container["resources"]["requests"]["memory"]) * 1024 * 1024 >= 95_000_000);
    assert!(!container["resources"]["limits"]["cpu"].is_badvalue());
    // --data-dir is the mount of the claim each pod gets.
    let args = words(&container["args"]);
    let data_dir = args.iter().find_map(|a| a.strip_prefix("--data-dir=")).expect("--data-dir");
    let claim = set["spec"]["volumeClaimTemplates"][0]["metadata"]["name"].as_str().unwrap();
    let mounts = container["volumeMounts"].as_vec().unwrap();
    assert!(mounts.iter().any(|m| m["name"].as_str() == Some(claim) && m["mountPath"].as_str() == Some(data_dir)));
    // Every emptyDir (the logs) is bounded.
    for volume in pod["volumes"].as_vec().unwrap() {
        if !volume["emptyDir"].is_badvalue() {
            assert!(volume["emptyDir"]["sizeLimit"].as_str().is_some(), "{volume:?}");
        }
    }
}

#[test]
fn the_network_policy_lets_clients_in_and_keeps_control_and_metrics_in_the_herd() {
    let policy = &yaml("deploy/kubernetes/network.yaml")[0];
    let rules = policy["spec"]["ingress"].as_vec().unwrap();
    let open_to_all: Vec<&str> = rules
        .iter()
        .filter(|rule| rule["from"].is_badvalue())
        .flat_map(|rule| rule["ports"].as_vec().unwrap().iter().filter_map(|p| p["port"].as_str()))
        .collect();
    assert_eq!(open_to_all, ["client"]);
    let from_pods = rules.iter().find(|rule| !rule["from"][0]["podSelector"].is_badvalue()).unwrap();
    let ports: Vec<&str> = from_pods["ports"].as_vec().unwrap().iter().filter_map(|p| p["port"].as_str()).collect();
    assert_eq!(ports, ["peer", "control", "metrics"]);
}

#[test]
fn the_image_runs_as_a_user_and_starts_a_herd_herdctl_accepts() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile")).unwrap();
    let stages = text.lines().filter(|line| line.starts_with("FROM ")).count();
    assert_eq!(stages, 2, "a build stage and a small runtime stage");
    let runtime = &text[text.rfind("FROM ").unwrap()..];
    let user = runtime.lines().find_map(|line| line.strip_prefix("USER ")).expect("a USER in the runtime stage");
    assert!(!user.starts_with("0") && !user.starts_with("root"), "{user}");
    let cmd = runtime.lines().find_map(|line| line.strip_prefix("CMD ")).expect("a CMD");
    let args: Vec<String> = serde_json::from_str(cmd).unwrap();
    herdctl_takes(&args);
    // The health check asks the metrics port the command serves, with `herdctl health`.
    let metrics = args.iter().position(|a| a == "--metrics").map(|i| args[i + 1].clone()).expect("serves metrics");
    let port = metrics.rsplit(':').next().unwrap();
    let check = runtime.find("HEALTHCHECK").map(|at| &runtime[at..]).expect("a HEALTHCHECK");
    let check = check.lines().find_map(|line| line.trim().strip_prefix("CMD ")).unwrap();
    let check: Vec<String> = serde_json::from_str(check).unwrap();
    assert_eq!(check[..2], ["herdctl", "health"]);
    assert!(check.last().unwrap().contains(&format!(":{port}/")), "{check:?}");
    // The control port of the shipped topologies is exposed with the others.
    let exposed = runtime.lines().find_map(|line| line.strip_prefix("EXPOSE ")).expect("EXPOSE");
    let control = topology("deploy/kubernetes/topology.json").nodes()[0].control_port.unwrap();
    assert!(exposed.split_whitespace().any(|p| p == control.to_string()), "{exposed}");
}
