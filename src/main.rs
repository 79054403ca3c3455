//! The herdctl binary: parse the command line, start logging, start the herd, then run the
//! console or wait for a signal (headless).

mod cli;
mod config;
mod error_line;
mod exec;
// The terminal console, in a build with it; main meets it through `frontend` either way.
#[cfg(feature = "console")]
mod console;
mod frontend;
mod grade;
mod herd_key;
mod key_reload;
mod keyring;
mod probe;
mod records;
mod scenario;
mod snapshot;
mod tools;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use herdctl_core::key::{self, KeySource};
use herdctl_core::keyring::{Keyring, SharedKeyring};
use herdctl_core::limits::ClientLimits;
use herdctl_core::places::PlacesSettings;
use herdctl_core::{Herd, HerdOptions, Topology};
use herdctl_teach::script::Script;
use herdctl_teach::trace::Trace;
use tokio_util::sync::CancellationToken;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use cli::Cli;

fn main() -> ExitCode {
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let mut cli = <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    cli.log_dir_given = matches.value_source("log_dir") == Some(clap::parser::ValueSource::CommandLine);
    // Before any thread starts (the kernel asks it): a student's servers each get a loopback of
    // their own, where herdctl sees and steers what they send each other.
    let foreign =
        (cli.command.is_none() && exec::wanted(cli.exec.as_deref(), cli.topology.as_deref())).then(exec::isolate);
    let graded = match &cli.command {
        Some(cli::Tool::Grade(args)) => {
            exec::wanted(args.exec.as_deref(), args.topology.as_deref()).then(exec::isolate)
        }
        _ => None,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&anyhow::Error::new(error).context("cannot start the async runtime")),
    };
    if let Some(cli::Tool::Grade(args)) = &cli.command {
        // A grade that could not run is told apart from a herd that failed a check.
        return match runtime.block_on(grade::run(args, graded)) {
            Ok(code) => code,
            Err(error) => {
                fail(&error);
                ExitCode::from(2)
            }
        };
    }
    if let Some(cli::Tool::Experiment(args)) = &mut cli.command {
        return match runtime.block_on(tools::experiment::run(args)) {
            Ok(code) => code,
            Err(error) => {
                fail(&error);
                ExitCode::from(2)
            }
        };
    }
    let ran = match cli.command {
        Some(cli::Tool::Experiment(_) | cli::Tool::Grade(_)) => Ok(()),
        Some(cli::Tool::Load(args)) => runtime.block_on(tools::load::run(args)),
        Some(cli::Tool::Replay(args)) => runtime.block_on(tools::replay::run(args)),
        Some(cli::Tool::PlacesStub { addr }) => runtime.block_on(tools::places_stub::run(&addr)),
        Some(cli::Tool::Completions { shell }) => {
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "herdctl", &mut text);
            print_all(&text)
        }
        Some(cli::Tool::Topology { shape, nodes, seed }) => {
            shape.topology(nodes, seed).map_err(anyhow::Error::new).and_then(|topology| {
                let text = serde_json::to_string_pretty(&topology.to_json()).context("cannot write the topology")?;
                print_all(format!("{text}\n").as_bytes())
            })
        }
        Some(cli::Tool::Config { default: true }) => print_all(config::DEFAULT.as_bytes()),
        Some(cli::Tool::Config { default: false }) => match config::default_path() {
            Some(path) => {
                let state = if path.exists() { "" } else { " (not there: every setting is its default)" };
                print_all(format!("{}{state}\n", path.display()).as_bytes())
            }
            None => Err(anyhow::anyhow!("this platform has no config folder: give one with --config FILE")),
        },
        Some(cli::Tool::Health { addr, timeout }) => runtime.block_on(probe::check(&addr, timeout)).map(|said| {
            println!("healthy: {addr}: {said}");
        }),
        Some(cli::Tool::Snapshot(args)) => runtime.block_on(snapshot::take(&args)).map(|said| println!("{said}")),
        Some(cli::Tool::Keyring(args)) => runtime.block_on(keyring::run(args)),
        Some(cli::Tool::Man) => {
            let mut text = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut text)
                .context("cannot write the manual page")
                .and_then(|()| print_all(&text))
        }
        None => runtime.block_on(run(cli, foreign)),
    };
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Writes `text` to standard output; a reader that stopped early (`| head`) is not an error.
fn print_all(text: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().write_all(text) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

/// A user's mistake or a failure to start: one clear line on stderr, never a backtrace (users
/// often run with `RUST_BACKTRACE=1`), each cause said once.
fn fail(error: &anyhow::Error) -> ExitCode {
    eprintln!("herdctl: {}", error_line::in_words(error));
    ExitCode::FAILURE
}

async fn run(mut cli: Cli, foreign: Option<exec::Isolation>) -> anyhow::Result<()> {
    check_front_end(&mut cli)?;
    // Listened for before any port opens: a SIGTERM or SIGHUP that comes as soon as a node
    // answers (a supervisor's, logrotate's) is handled, not the default action that ends the
    // process without a word.
    let signals = match cli.headless {
        true => Some(HeadlessSignals::listen()?),
        false => None,
    };
    let _log_guard = start_logging(&cli)?;
    let (scenario, topology) = match read_the_plan(&cli)? {
        Plan::Parts(scenario, stages) => return scenario::run(&cli, scenario, stages).await,
        Plan::One(scenario, topology) => (scenario, topology),
    };
    let (members, attached) = who_runs_here(&mut cli, &topology, foreign.is_some())?;
    let whole_herd = members.len() == topology.names().len() || foreign.is_some();
    let (ring, source, hosts) = load_key(&cli, &topology, &members, whole_herd)?;
    let keys = SharedKeyring::new(ring);
    // The key file is read again on SIGHUP and on a control port's `KEYRING RELOAD`.
    let reloader =
        cli.key_file.clone().map(|path| Arc::new(key_reload::KeyReloader { path, hosts, keys: keys.clone() }));
    let places = PlacesSettings::from_env(cli.places.map(Into::into), cli.places_endpoint.clone()).build()?;
    let places_source = places.name().to_string();
    tracing::info!("WHATSAT places come from the {places_source} source");
    // A walkthrough through a recording needs no herd: it replays one.
    if let Some((script, file)) =
        scenario.as_ref().and_then(|s| Some((s, herdctl_teach::script::recorded::recording_of(s)?)))
    {
        return tools::replay::walkthrough(&cli, script.clone(), file).await;
    }
    // The console always records, so that its t key can write the session's trace.
    let trace = (cli.trace.is_some() || cli.handout.is_some() || !cli.headless).then(|| {
        Arc::new(cli.trace_client.as_ref().map_or_else(Trace::default, |client| Trace::for_client(client.as_str())))
    });
    // Bound before the herd starts, so that a busy address stops herdctl with one clear line.
    let metrics = bind_metrics(&cli).await?;
    let security = herdctl_core::secure::Security::from_plain_flag(cli.plain_links);
    let control_terms = herdctl_control::terms(security, keys.clone());
    let places_for_exec = places.clone();
    let registry = metrics.as_ref().map(|(_, registry)| registry.clone());
    let options = herd_options(&cli, keys, places, trace.as_deref(), registry, security);
    let herd = Arc::new(Herd::bind(topology.clone(), &members, options)?);
    let controlled = if source == KeySource::Random { &[][..] } else { &members[..] };
    let reload: Option<herdctl_control::server::ReloadKeys> = reloader.clone().map(|reloader| {
        Arc::new(move || reloader.reload("a console asked (KEYRING RELOAD)")) as herdctl_control::server::ReloadKeys
    });
    let _stop_control = serve_control_ports(&herd, &topology, controlled, &cli, &control_terms, reload)?.drop_guard();
    herdctl_control::follow::attach(&herd, &attached, control_terms)?;
    // Subscribed before any node starts: the console shows the herd's start-up too.
    let events = herd.subscribe();
    herd.launch();
    let foreign = match &foreign {
        Some(isolation) => Some(
            exec::start(
                &herd,
                cli.exec.as_deref(),
                cli.exec_dir.as_deref(),
                cli.topology.as_deref(),
                isolation,
                places_for_exec,
            )
            .await?,
        ),
        None => None,
    };
    // The students' phones: a page that reports to this herd, until herdctl stops.
    let (classroom_url, classroom) = serve_classroom(&cli, &herd).await?;
    let _stop_classroom = classroom.drop_guard();
    let metrics_stop = CancellationToken::new();
    if let Some(((listener, bound), registry)) = metrics {
        tokio::spawn(herdctl::health::serve(listener, herd.clone(), registry, metrics_stop.clone()));
        tracing::warn!("metrics at http://{bound}/metrics (health: /healthz, /readyz)");
    }
    let _stop_metrics = metrics_stop.drop_guard();
    let names: Vec<String> = members.iter().map(|n| n.to_string()).collect();
    if foreign.is_none() {
        tracing::info!("serving {} from {}; logs in {}", names.join(", "), topology.source(), cli.log_dir.display());
    }
    if !cli.headless {
        let trace = trace.unwrap_or_default();
        let session = frontend::Session {
            places_source,
            trace: trace.clone(),
            trace_path: cli.trace.clone(),
            log_dir: cli.log_dir.clone(),
            scenario,
            present: cli.present,
            classroom_url,
            greeting: None,
            screen: frontend::Screen::of(&cli.screen),
        };
        let outcome = frontend::run(herd, events, session).await;
        if let Some(foreign) = &foreign {
            foreign.shutdown().await;
        }
        records::write(&cli, &trace, &topology)?;
        return outcome;
    }
    // Headless: nobody reads the bus from here on, and the page's address is in the log.
    drop((events, classroom_url));
    let signals = signals.context("a headless run listens for signals from its start")?;
    let outcome = headless(&herd, scenario.as_ref(), reloader, signals).await;
    if let Some(foreign) = &foreign {
        foreign.shutdown().await;
    }
    herd.shutdown().await;
    if let Some(trace) = &trace {
        records::write(&cli, trace, &topology)?;
    }
    outcome
}

/// What must hold before anything starts: the settings read, and a console only where it can be.
fn check_front_end(cli: &mut Cli) -> anyhow::Result<()> {
    let config = config::Config::load(cli.screen.config.as_deref())?;
    cli.settle(&config);
    frontend::use_keys(&config);
    if !cli.headless && !frontend::BUILT_WITH_CONSOLE {
        anyhow::bail!("this herdctl was built without its console (cargo feature `console`): run it with --headless");
    }
    // Checked before anything is started or written: the console cannot draw without a terminal.
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if !cli.headless && !terminal {
        anyhow::bail!(
            "the console needs a terminal, and {} is not one. To serve without a console (in a \
             script, from cron, over ssh without a tty), run: herdctl --headless",
            if std::io::stdout().is_terminal() { "standard input" } else { "standard output" }
        );
    }
    Ok(())
}

/// What this process plays: a scenario of several parts (a herd each), or one herd with at
/// most one script.
enum Plan {
    Parts(herdctl_teach::script::Scenario, Vec<herdctl_teach::script::Stage>),
    One(Option<Script>, Arc<Topology>),
}

/// Reads every script and the herd, and checks all of it (each part against the herd it will
/// have, where records go) before anything runs: a typo fails now, not half-way.
fn read_the_plan(cli: &Cli) -> anyhow::Result<Plan> {
    // Every script read and split into its parts (a herd each) first: a typo fails now.
    let mut scenario =
        (!cli.scenario.is_empty()).then(|| herdctl_teach::script::Scenario::load(&cli.scenario)).transpose()?;
    // A walkthrough may name its herd (`shape grid 16`) unless the command line does.
    if cli.topology.is_some() || cli.shape.is_some() {
        scenario.iter_mut().for_each(herdctl_teach::script::Scenario::on_given_herd);
    }
    let given = match cli.shape.zip(cli.nodes_count) {
        Some((shape, nodes)) => shape.topology(nodes, cli.seed.unwrap_or(1))?,
        None => Topology::load(cli.topology.as_deref())?,
    };
    // Every part of every script checked against the herd it will have, before anything runs.
    let stages = match &scenario {
        Some(scenario) => scenario.prepare(&given, cli.seed.unwrap_or(1))?,
        None => Vec::new(),
    };
    if let Some(scenario) = scenario.take_if(|scenario| scenario.parts.len() > 1) {
        return Ok(Plan::Parts(scenario, stages));
    }
    let scenario: Option<Script> =
        scenario.and_then(|scenario| scenario.parts.into_iter().next()).map(|part| part.script);
    // Where the records go is checked before anything runs: a typo fails now, not at the end.
    records::check(cli)?;
    let replayed = scenario.as_ref().and_then(herdctl_teach::script::recorded::recording_of);
    if let (Some(path), Some(recording)) = (&cli.trace, &replayed) {
        anyhow::bail!(
            "--trace {}: a walkthrough through a recording records nothing new ({} is its trace); leave --trace out",
            path.display(),
            recording.display()
        );
    }
    let topology = Arc::new(match stages.into_iter().next() {
        Some(herdctl_teach::script::Stage::Live(topology)) => Arc::unwrap_or_clone(topology),
        _ => given,
    });
    Ok(Plan::One(scenario, topology))
}

/// The nodes of herdctl's own this process runs, and the nodes it follows in other processes.
fn who_runs_here(
    cli: &mut Cli,
    topology: &Topology,
    foreign: bool,
) -> anyhow::Result<(Vec<herdctl_core::NodeName>, Vec<herdctl_core::NodeName>)> {
    if cli.node_from_host {
        let host =
            this_host().context("--node-from-host: this machine's host name is unknown (HOSTNAME is not set)")?;
        let node = topology.node_on_host(&host).with_context(|| {
            format!(
                "--node-from-host: no node of {} has the host {host:?}: give --node NAME instead",
                topology.source()
            )
        })?;
        cli.nodes = vec![node.name.clone()];
    }
    // Attached with no --node, or a student's herd: no node of herdctl's own runs here.
    let members =
        if (cli.attach && cli.nodes.is_empty()) || foreign { Vec::new() } else { topology.select(&cli.nodes)? };
    let attached: Vec<_> = if cli.attach {
        topology.names().iter().filter(|n| !members.contains(n)).cloned().collect()
    } else {
        Vec::new()
    };
    Ok((members, attached))
}

/// The herd's keyring, checked against where this process's nodes listen (every key guarding a
/// node beyond loopback must be strong); a made-up demo key is said loudly. With those hosts,
/// against which the key file is checked again when it is read again.
fn load_key(
    cli: &Cli,
    topology: &Topology,
    members: &[herdctl_core::NodeName],
    whole_herd: bool,
) -> anyhow::Result<(Keyring, KeySource, Vec<String>)> {
    let (ring, source) = herd_key::load(cli.key_file.as_deref(), whole_herd)?;
    // Where this process's nodes listen: a key guarding a node beyond loopback must be strong.
    let hosts: Vec<String> = members
        .iter()
        .filter_map(|name| topology.node(name))
        .map(|spec| cli.bind.clone().unwrap_or_else(|| spec.listen_host().to_string()))
        .collect();
    herd_key::check(&ring, source, &hosts)?;
    if source == KeySource::File {
        tracing::info!("the keyring: {ring}");
    }
    if source == KeySource::Demo {
        tracing::warn!(
            "{} is not set: using the public demo key {:?}. Anyone who can reach the peer ports can \
             inject records. Set {0} to the same secret on every node.",
            key::KEY_VARIABLE,
            key::DEMO_KEY
        );
    }
    Ok((ring, source, hosts))
}

type Metrics = ((tokio::net::TcpListener, std::net::SocketAddr), Arc<herdctl_core::metrics::Registry>);

/// The metrics port, bound now (a busy address stops herdctl before the herd starts).
async fn bind_metrics(cli: &Cli) -> anyhow::Result<Option<Metrics>> {
    Ok(match &cli.metrics {
        Some(addr) => {
            let (listener, bound) = herdctl::health::bind(addr)
                .await
                .with_context(|| format!("--metrics {addr}: cannot listen there (is it busy, or a typo?)"))?;
            Some(((listener, bound), Arc::new(herdctl_core::metrics::Registry::default())))
        }
        None => None,
    })
}

/// What this process's nodes are started with, from the command line.
fn herd_options(
    cli: &Cli,
    keys: SharedKeyring,
    places: Arc<dyn herdctl_core::places::Places>,
    trace: Option<&Trace>,
    metrics: Option<Arc<herdctl_core::metrics::Registry>>,
    security: herdctl_core::secure::Security,
) -> HerdOptions {
    HerdOptions {
        keys,
        places,
        log_dir: Some(cli.log_dir.clone()),
        log: herdctl_core::LogSettings {
            level: cli.log_level,
            format: cli.log_format,
            rotation: cli.log_max_size.map(|max_bytes| herdctl_core::Rotation { max_bytes, keep: cli.log_keep }),
        },
        recorder: trace.map(|trace| trace.recorder().clone()),
        clients: ClientLimits { most: cli.max_clients, per_source: cli.max_per_source, idle: cli.idle_timeout },
        data_dir: cli.data_dir.clone(),
        seed: cli.seed,
        strategy: cli.strategy,
        security,
        bind: cli.bind.clone(),
        metrics,
    }
}

/// Each node's control port, bound before anything starts (a busy one stops herdctl at once),
/// served for the process's whole life: a node killed through it is revived through it. A
/// herd whose key was made up here has none: nobody else could prove the key.
fn serve_control_ports(
    herd: &Arc<Herd>,
    topology: &Topology,
    controlled: &[herdctl_core::NodeName],
    cli: &Cli,
    control_terms: &herdctl_core::secure::Terms,
    reload: Option<herdctl_control::server::ReloadKeys>,
) -> anyhow::Result<CancellationToken> {
    let control = CancellationToken::new();
    let control_tasks = tokio_util::task::TaskTracker::new();
    for name in controlled {
        let (listener, bound) = control_listener(topology, name, cli.bind.as_deref())?;
        tracing::info!("{name}: control port at {bound} (a console attaches with herdctl --attach)");
        let serving = herdctl_control::server::serve(
            herd.clone(),
            name.clone(),
            listener,
            control_terms.clone(),
            reload.clone(),
            control.clone(),
            control_tasks.clone(),
        );
        control_tasks.spawn(serving);
    }
    Ok(control)
}

/// The classroom page, if asked: its address, and the token that stops it.
async fn serve_classroom(cli: &Cli, herd: &Arc<Herd>) -> anyhow::Result<(Option<String>, CancellationToken)> {
    let classroom = CancellationToken::new();
    let classroom_url = match cli.classroom_web {
        Some(addr) => {
            let page = herdctl_teach::classroom::Classroom::new(herd.clone(), herdctl_teach::classroom::MAX_STUDENTS);
            let bound = herdctl_teach::classroom::serve(page, addr, classroom.clone()).await?;
            tracing::warn!("the classroom page is at http://{bound}/ (students on the room's network open it)");
            Some(format!("http://{bound}/"))
        }
        None => None,
    };
    Ok((classroom_url, classroom))
}

/// Headless: plays the walkthrough, or serves until a signal; SIGHUP (logrotate moved the files
/// away, or the key file changed) opens the nodes' log files again and reads the key file again,
/// instead of ending the process.
async fn headless(
    herd: &Arc<Herd>,
    scenario: Option<&Script>,
    reloader: Option<Arc<key_reload::KeyReloader>>,
    signals: HeadlessSignals,
) -> anyhow::Result<()> {
    let HeadlessSignals { mut terminate, mut reopen } = signals;
    let reopening = {
        let herd = herd.clone();
        tokio::spawn(async move {
            loop {
                reopen.recv().await;
                herd.reopen_logs();
                tracing::info!("SIGHUP: the nodes' log files are opened again");
                if let Some(reloader) = &reloader {
                    // A file that cannot be used is said, and the ring in force stays.
                    let _ = reloader.reload("SIGHUP");
                }
            }
        })
    };
    let outcome = match scenario {
        Some(script) => {
            let report = herdctl_teach::script::play_headless(herd, script, &mut std::io::stdout()).await;
            if report.passed() {
                Ok(())
            } else {
                Err(anyhow::anyhow!("{} of the walkthrough's checks failed", report.failures.len()))
            }
        }
        None => {
            shutdown_signal(&mut terminate).await.context("cannot listen for shutdown signals")?;
            tracing::info!("shutting down");
            Ok(())
        }
    };
    reopening.abort();
    outcome
}

/// Headless: herdctl's own messages go to stderr. With the console up, nothing may be printed
/// behind it, so they go to `<log-dir>/herdctl.log` instead.
fn start_logging(cli: &Cli) -> anyhow::Result<Option<WorkerGuard>> {
    // A headless walkthrough prints its own story on stdout; only warnings join it by default.
    let default = if cli.scenario.is_empty() { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    if cli.headless {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            // Its default says a failed write on stderr with `eprintln!`, which panics when
            // stderr is gone (`herdctl … 2>&1 | head`): the herd must outlive its reader.
            .log_internal_errors(false)
            .init();
        return Ok(None);
    }
    log_to_file_filtered(&cli.log_dir, filter).map(Some)
}

fn log_to_file_filtered(dir: &std::path::Path, filter: EnvFilter) -> anyhow::Result<WorkerGuard> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the log folder {}", dir.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(tracing_appender::rolling::never(dir, "herdctl.log"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .log_internal_errors(false)
        .init();
    Ok(guard)
}

/// This machine's host name: `HOSTNAME` (set in containers and most shells), else
/// `/etc/hostname`, else (Windows) `COMPUTERNAME`.
fn this_host() -> Option<String> {
    let named = |text: String| Some(text.trim().to_string()).filter(|name| !name.is_empty());
    std::env::var("HOSTNAME")
        .ok()
        .and_then(named)
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().and_then(named))
        .or_else(|| std::env::var("COMPUTERNAME").ok().and_then(named))
}

/// Binds `name`'s control port: `control_port` in the topology, or a free one, on the node's
/// listening host (or `--bind`).
fn control_listener(
    topology: &Topology,
    name: &str,
    bind: Option<&str>,
) -> anyhow::Result<(herdctl_core::net::TcpListener, std::net::SocketAddr)> {
    use std::net::ToSocketAddrs;
    let spec = topology.node(name).with_context(|| format!("{name} is not in the topology"))?;
    let host = bind.unwrap_or(spec.listen_host());
    let port = spec.control_port.unwrap_or(0);
    let failed = || format!("{name} cannot listen on {host}:{port} (its control port); is another herd running?");
    let addr = (host, port).to_socket_addrs().with_context(failed)?.next().with_context(failed)?;
    let listener = herdctl_core::net::listen(addr).with_context(failed)?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}

/// The signals a headless run answers, listened for from its start: stop (SIGTERM and the like)
/// and open the log files again (SIGHUP).
struct HeadlessSignals {
    terminate: herdctl::signal::Terminate,
    reopen: herdctl::signal::Reopen,
}

impl HeadlessSignals {
    fn listen() -> anyhow::Result<Self> {
        Ok(Self {
            terminate: herdctl::signal::Terminate::new().context("cannot listen for shutdown signals")?,
            reopen: herdctl::signal::Reopen::new().context("cannot listen for SIGHUP")?,
        })
    }
}

/// Waits for Ctrl-C (SIGINT) or `terminate` (SIGTERM; on Windows: Ctrl-Break or the console
/// window closing), which the caller listened for before it said it was ready.
async fn shutdown_signal(terminate: &mut herdctl::signal::Terminate) -> std::io::Result<()> {
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        () = terminate.recv() => Ok(()),
    }
}
