//! The command line (PROTOCOL.md section 6).

use std::ffi::OsStr;
use std::path::PathBuf;

use crate::config::PlacesChoice;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use herdctl_core::limits::ClientLimits;
use herdctl_core::strategy::{self, Strategy};

/// herdctl runs a proxy herd: TCP servers that take client locations (IAMAT), flood them to
/// each other, and answer WHATSAT with nearby places.
#[derive(Debug, Parser)]
#[command(name = "herdctl", version, about, long_about = None, after_help = AFTER_HELP)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Tool>,

    /// Run without the console, as plain servers: every node of the topology, or only those
    /// named with --node. Stops cleanly on Ctrl-C or SIGTERM.
    #[arg(long)]
    pub headless: bool,

    /// Open the console on a herd whose nodes run elsewhere (other processes, other machines),
    /// through each node's control port (`control_port` in the topology). With --node, the
    /// console runs those nodes itself and attaches to the others.
    #[arg(long, conflicts_with = "headless")]
    pub attach: bool,

    /// Run the node whose `host` is this machine's host name (its first label: `herd-0` for
    /// `herd-0.herd`), as in a StatefulSet or a compose file where every container runs the same
    /// command.
    #[arg(long, conflicts_with = "nodes")]
    pub node_from_host: bool,

    /// Run only this node (repeat for several). The others are expected to run elsewhere, from
    /// the same topology file and herd key.
    #[arg(long = "node", value_name = "NAME")]
    pub nodes: Vec<String>,

    /// The herd's shape: nodes, their ports, and links. Default: ./topology.json if there is
    /// one, else the built-in default herd.
    #[arg(long, value_name = "FILE", conflicts_with = "shape")]
    pub topology: Option<PathBuf>,

    /// A generated herd instead of a topology file: line, ring, star, grid, tree:K, total or
    /// random:D (with --nodes; --seed chooses a random one's links). `herdctl topology` writes
    /// the same herd as a file.
    #[arg(long, value_name = "SHAPE", value_parser = parse_shape, requires = "nodes_count")]
    pub shape: Option<herdctl_core::shape::Shape>,

    /// How many nodes the --shape has (1 to 100), named n01, n02, …
    #[arg(long = "nodes", value_name = "N", requires = "shape")]
    pub nodes_count: Option<usize>,

    // Its help lists every strategy from their one table, so that it cannot leave one out.
    #[arg(long, value_name = "STRATEGY", default_value = "flood", value_parser = StrategyParser,
          hide_possible_values = true, help = strategy_help())]
    pub strategy: Strategy,

    /// Peer links in readable text, as before they were encrypted: for watching a herd with
    /// `tcpdump -A` in class. Every node of the herd must agree (a mismatch is refused with a
    /// message saying so). Default: links are encrypted and authenticated with the herd key (Noise).
    /// `HERD_PLAIN_LINKS` takes 1/0, true/false, yes/no or on/off.
    // Boolish: the environment's spellings (`=1`, `=yes`), not only Rust's `true`.
    #[arg(long, env = "HERD_PLAIN_LINKS", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub plain_links: bool,

    /// Read the herd key from this file (its last line break dropped) instead of HERD_KEY: a
    /// mounted secret, kept out of the environment and the process list.
    #[arg(long, value_name = "FILE", env = "HERD_KEY_FILE")]
    pub key_file: Option<PathBuf>,

    /// Listen on this address (e.g. 0.0.0.0 or ::) instead of each node's `host`, which stays the
    /// name its neighbours dial: for containers and machines behind NAT. A node's `bind` in the
    /// topology does the same for that node alone.
    #[arg(long, value_name = "HOST")]
    pub bind: Option<String>,

    /// Where each node writes its log, <Node>.log (created if missing).
    #[arg(long, value_name = "DIR", default_value = "logs")]
    pub log_dir: PathBuf,

    /// What each node's log file keeps: debug (every client line, reply and record, the
    /// default), info (nodes, links, faults and refusals: no traffic) or warn (refusals and
    /// troubles only).
    #[arg(long, value_name = "LEVEL", default_value = "debug", env = "HERD_LOG_LEVEL")]
    pub log_level: herdctl_core::LogLevel,

    /// The form of each node's log lines: text (a time and the event in words) or json (one
    /// object a line: time, level, node, message).
    #[arg(long, value_name = "FORMAT", default_value = "text", env = "HERD_LOG_FORMAT")]
    pub log_format: herdctl_core::LogFormat,

    /// Rotate each node's log file past this size (e.g. 64MiB, 500KB): <Node>.log becomes
    /// <Node>.log.1, and so on up to --log-keep. Default: no rotation (SIGHUP reopens the file,
    /// for logrotate).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub log_max_size: Option<u64>,

    /// How many rotated files of each node's log are kept with --log-max-size.
    #[arg(long, value_name = "N", default_value_t = 5, requires = "log_max_size")]
    pub log_keep: usize,

    /// Keep each node's records on disk in this folder (<Node>.redb, created if missing),
    /// written before the AT reply and read back at start: a node killed with -9, or a whole herd
    /// restarted, comes back with what it had. Default: records live in memory only.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The seed of the network's random choices (which messages a lossy link loses, how long a
    /// spread delay is each time): printed at start, so a session can be run again the same way.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Open client connections each node keeps; more are closed at once. Lowered (with a
    /// warning) when the open-file limit cannot hold them beside peer links and logs.
    #[arg(long, value_name = "N", default_value_t = ClientLimits::default().most)]
    pub max_clients: usize,

    /// Open client connections from one address each node keeps, so that one host cannot take
    /// every place (0: no limit). Loopback is never limited: the machine's own tools are trusted.
    #[arg(long, value_name = "N", default_value_t = ClientLimits::default().per_source)]
    pub max_per_source: usize,

    /// Disconnect a client that sends nothing for this long (e.g. 10m). Default: idle clients
    /// are kept, as the course's servers kept them.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub idle_timeout: Option<std::time::Duration>,

    /// Where WHATSAT finds places: the offline GeoNames gazetteer, Google's Places API (New), or
    /// Google's legacy Nearby Search. Default: google if GOOGLE_MAPS_API_KEY is set, else offline.
    #[arg(long, value_name = "SOURCE")]
    pub places: Option<PlacesChoice>,

    /// Run your own servers as the herd, in any language: the command that starts one (`{name}`,
    /// `{port}` and `{topology}` are filled in), e.g. --exec 'python3 server.py {name}'. The
    /// topology names them, their ports and their links; a node's own "exec" there wins. On
    /// Linux each runs in a network namespace of its own, so every message between them crosses
    /// herdctl (shown, held in step mode, cut). Each is given HERDCTL_PLACES_URL, a places stub
    /// herdctl runs for their WHATSAT (unless that variable is set already).
    #[arg(long, value_name = "COMMAND", conflicts_with_all = ["attach", "nodes", "node_from_host", "shape"])]
    pub exec: Option<String>,

    /// Where --exec's command runs (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub exec_dir: Option<std::path::PathBuf>,

    /// Play a walkthrough script: in the console (pausing at each `say` until you press c), or
    /// with --headless, printing each step and exiting 0 only if every expectation held. Several
    /// scripts play one after another in one process (a lecture: `--scenario a.herd b.herd
    /// c.herd`), each on its own herd, `[` and `]` crossing between them; all are checked first.
    /// (--walkthrough FILE… is the same.)
    #[arg(long, value_name = "FILE", num_args = 1.., visible_alias = "walkthrough")]
    pub scenario: Vec<PathBuf>,

    /// Serve the classroom page here (e.g. 0.0.0.0:8080): students on the room's network open it
    /// on their phones and report a city (or, over HTTPS, their position) as an IAMAT to a random
    /// server. Off unless given.
    #[arg(long, value_name = "ADDR")]
    pub classroom_web: Option<std::net::SocketAddr>,

    /// Serve Prometheus metrics of this process's nodes at http://ADDR/metrics, with /healthz
    /// (every node serves) and /readyz (and each has caught up once since it started), e.g. 0.0.0.0:9100.
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,

    /// With --scenario: write one figure per section of the walkthrough into this folder when it
    /// ends (SVG, A4 width: the captions as headings, time spaced as it passed, a legend).
    #[arg(long, value_name = "DIR", requires = "scenario")]
    pub handout: Option<PathBuf>,

    #[command(flatten)]
    pub screen: ScreenArgs,

    /// Whether --log-dir was given (a configuration's log_dir is used only when it was not).
    #[arg(skip)]
    pub log_dir_given: bool,

    /// The lecture layout (for a projector at 100×30 and up): a large graph, node labels that
    /// show which version of the last update's client each node holds, dropped copies marked.
    /// On by itself while a walkthrough plays.
    #[arg(long)]
    pub present: bool,

    /// Record the session (client and peer messages, catch-up included, up to 5,000 a second a
    /// node; faults and walkthrough captions always) and write it here when herdctl stops (and on
    /// the console's t key): .svg draws a sequence diagram, anything else JSON lines.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Write only this client's messages in the trace (faults, captions and sections always).
    #[arg(long, value_name = "CLIENT")]
    pub trace_client: Option<String>,

    /// Send the google sources' requests to this base URL instead of Google's (scheme and host;
    /// the paths stay the same), e.g. a proxy or a test server.
    #[arg(long, value_name = "URL")]
    pub places_endpoint: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Tool {
    /// Drive any herd (herdctl's, the course's Python servers, anything that speaks IAMAT and
    /// WHATSAT) with load, and measure it: requests a second, latency percentiles, errors by
    /// kind, and with --propagation how long a report takes to reach every server.
    Load(LoadArgs),
    /// Open a recorded session (a .jsonl trace from --trace, the console's t, or a walkthrough)
    /// in the console: play it, step it forwards and back, jump to faults, and go live from any
    /// moment. With --headless, print the herd as it was at one moment.
    Replay(ReplayArgs),
    /// Print a completion script for a shell, e.g. `herdctl completions bash > ~/.local/share/bash-completion/completions/herdctl`.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
    /// Write a generated topology.json (a line, ring, star, grid, tree, every pair linked, or a
    /// random connected graph), e.g. `herdctl topology --shape grid --nodes 25 > grid.json`.
    Topology {
        /// line, ring, star, grid, tree:K (K children each), total, or random:D (average degree D).
        #[arg(long, value_parser = parse_shape)]
        shape: herdctl_core::shape::Shape,
        /// How many nodes (1 to 100).
        #[arg(long)]
        nodes: usize,
        /// The seed of a random shape's links.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Run a herd in this process under a steady load with latency, loss and seeded faults, heal
    /// it, and measure what each update cost and how fast it spread; exit 0 when nothing was lost
    /// and every --max held, 1 when not, 2 when the run could not be judged.
    Experiment(ExperimentArgs),
    /// Grade a herd the way a course's graders do: IAMAT and WHATSAT answers to the byte, bad
    /// lines, flooding, faults, many clients; a score table (or --json). Exit 0 when every check
    /// passed, 1 when one failed, 2 when the grade could not run.
    Grade(GradeArgs),
    /// Stand in for Google's places services, for students' servers without a key: serve the
    /// legacy Nearby Search (GET /maps/api/place/nearbysearch/json) and the Places API (New)
    /// (POST /v1/places:searchNearby) from the offline gazetteer, over plain HTTP, until Ctrl-C
    /// or SIGTERM. Any key is accepted; a request without one is refused, as Google refuses it.
    PlacesStub {
        /// Where to listen, HOST:PORT (e.g. 127.0.0.1:8090); port 0 picks a free one, printed at start.
        #[arg(value_name = "ADDR")]
        addr: String,
    },
    /// Whether a node is healthy (for a container's HEALTHCHECK or a script): ask its metrics
    /// port's /readyz (`http://HOST:PORT`, or a path of your own) or, given `HOST:PORT`, its
    /// client port. Exit 0 healthy, 1 not, with one line saying why.
    Health {
        /// `http://HOST:PORT[/PATH]` (a metrics port; /readyz by default) or `HOST:PORT` (a client
        /// port).
        #[arg(value_name = "ADDR", default_value = crate::probe::DEFAULT)]
        addr: String,
        /// How long to wait for the answer.
        #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
        timeout: std::time::Duration,
    },
    /// Copy a node's records (--data-dir) into a file, consistently, while it runs or not: a
    /// backup. Restore by copying the file back as <Node>.redb before the node starts.
    Snapshot(SnapshotArgs),
    /// Change the herd key while the herd runs, no link ever down: `install` the new key in every
    /// node's key file (accepted, not offered), then `use` it on each node (offered), then
    /// `remove` the old one. Each change is written to --key-file and read again by the nodes
    /// named with --control; only fingerprints are ever shown.
    Keyring(KeyringArgs),
    /// Print herdctl's manual page (roff), e.g. `herdctl man > herdctl.1 && man ./herdctl.1`.
    Man,
    /// Print where herdctl reads its configuration, or (--default) a commented configuration
    /// with every setting.
    Config {
        /// Print the commented default configuration.
        #[arg(long)]
        default: bool,
    },
}

#[derive(Debug, Args)]
pub struct GradeArgs {
    /// Grade your own servers: the command that starts one (`{name}`, `{port}` and `{topology}`
    /// filled in), as for `herdctl --exec`. Without it, herdctl grades its own nodes.
    #[arg(long, value_name = "COMMAND")]
    pub exec: Option<String>,

    /// Where --exec's command runs (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub exec_dir: Option<PathBuf>,

    /// The herd's servers, ports and links. Default: ./topology.json if there is one, else the
    /// built-in herd (herdctl's own nodes are graded on free ports).
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,

    /// Print the results as JSON (docs/GRADE.md has the shape).
    #[arg(long)]
    pub json: bool,

    /// Run only these checks (comma-separated names, as the table shows them).
    #[arg(long, value_name = "CHECK,...", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Also run these walkthroughs as checks (each passes when every expectation in it holds).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub walkthrough: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The node whose store (<DIR>/<NODE>.redb) is copied.
    #[arg(long, value_name = "NODE")]
    pub node: String,
    /// The node's --data-dir.
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// The new file the copy is written to (a store a node can start from).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The herd's topology, where a running node's control port is found (as for the herd).
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,
    /// The herd runs with --plain-links (its control ports too).
    #[arg(long, env = "HERD_PLAIN_LINKS")]
    pub plain_links: bool,
    /// The herd's key file (its keyring), to prove to a running node's control port; without
    /// it, HERD_KEY.
    #[arg(long, value_name = "FILE", env = "HERD_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct KeyringArgs {
    #[command(subcommand)]
    pub action: KeyringAction,
    /// The key file to change: one key a line, the first the one the node offers, every one
    /// accepted; blank lines and lines beginning with # are not keys.
    #[arg(long, value_name = "FILE", env = "HERD_KEY_FILE", global = true)]
    pub key_file: Option<PathBuf>,
    /// A running node's control port (HOST:PORT), asked to read its key file again and say what
    /// it now offers and accepts (repeat for several). Give the nodes that use this key file.
    #[arg(long, value_name = "ADDR", global = true)]
    pub control: Vec<String>,
    /// The herd runs with --plain-links (its control ports too).
    #[arg(long, env = "HERD_PLAIN_LINKS", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub plain_links: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeyringAction {
    /// List the file's keys by fingerprint (the first is offered); with --control, what each
    /// node offers and accepts now.
    List,
    /// Change nothing; ask the nodes named with --control to read their key file again (after it
    /// was changed some other way: a Kubernetes Secret, a configuration manager).
    Reload,
    /// Add a key: accepted from now on, not yet offered. `-` reads it from standard input (out
    /// of the process list and the shell's history), e.g. `openssl rand -hex 32 | herdctl
    /// keyring install -`.
    Install {
        #[arg(value_name = "KEY")]
        key: String,
    },
    /// Offer this key (its fingerprint, or the start of it): it moves to the top of the file.
    Use {
        #[arg(value_name = "FINGERPRINT")]
        fingerprint: String,
    },
    /// Forget this key (its fingerprint, or the start of it): never the one offered, never the
    /// last.
    Remove {
        #[arg(value_name = "FINGERPRINT")]
        fingerprint: String,
    },
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The recording: a .jsonl trace.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Print each node's cache and every link's state at --at (default: the end), and exit.
    #[arg(long)]
    pub headless: bool,

    /// The moment, from the recording's start: 2.5s, 2.5, 1500ms, 1m3s. In the console, where
    /// it opens (default: the start).
    #[arg(long, value_name = "TIME", value_parser = parse_moment)]
    pub at: Option<std::time::Duration>,

    /// The herd's topology, for a trace that does not carry its own (older herdctl versions).
    #[arg(long, value_name = "FILE", conflicts_with = "shape")]
    pub topology: Option<PathBuf>,

    /// Or a generated one (as `herdctl --shape`), with --nodes.
    #[arg(long, value_name = "SHAPE", value_parser = parse_shape, requires = "nodes")]
    pub shape: Option<herdctl_core::shape::Shape>,

    /// How many nodes the --shape has.
    #[arg(long, value_name = "N", requires = "shape")]
    pub nodes: Option<usize>,

    /// Where a herd started from a moment (L, go live) writes its logs.
    #[arg(long, value_name = "DIR", default_value = "logs")]
    pub log_dir: PathBuf,

    #[command(flatten)]
    pub screen: ScreenArgs,
}

#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// A generated herd: line, ring, star, grid, tree:K, total, random:D.
    #[arg(long, value_parser = parse_shape, requires = "nodes", conflicts_with = "topology")]
    pub shape: Option<herdctl_core::shape::Shape>,
    /// How many nodes the shape has.
    #[arg(long, requires = "shape")]
    pub nodes: Option<usize>,
    /// A topology file instead (its ports are replaced by free ones).
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,
    // Every strategy, from their one table.
    #[arg(long = "strategy", value_name = "STRATEGY", default_value = "flood", value_parser = StrategyParser,
          value_delimiter = ',', hide_possible_values = true, help = experiment_strategy_help())]
    pub strategies: Vec<Strategy>,
    /// Run each strategy this many times (1 to 100), with the seeds --seed, --seed + 1, …: the
    /// table gives each figure's median over the runs, and the least and the most of them.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
    /// Extra latency on every link (e.g. 100ms).
    #[arg(long, default_value = "100ms", value_parser = parse_delay)]
    pub latency: std::time::Duration,
    /// How the latency varies: fixed, exp (exponential, the latency its mean), or uniform:40ms.
    #[arg(long, default_value = "fixed")]
    pub latency_dist: String,
    /// The share of messages every link loses (e.g. 5%).
    #[arg(long, default_value = "0%")]
    pub loss: String,
    /// Updates a second, over all clients (at most 10000: each is a client connection of its own).
    #[arg(long, default_value_t = 100.0, value_parser = parse_rate)]
    pub rate: f64,
    /// Distinct clients the updates are for.
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
    /// Reads (WHATSAT of a client already reported, at a random node) for each update; a read
    /// answered with an older record than the client's newest answered one is stale.
    #[arg(long, default_value_t = 1.0)]
    pub reads: f64,
    /// How long the clients report.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub duration: std::time::Duration,
    /// Faults made during the run, on random nodes and links: kill, cut, loss (comma-separated).
    #[arg(long)]
    pub nemesis: Option<String>,
    /// About how often the nemesis strikes.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub nemesis_interval: std::time::Duration,
    /// The seed of every random choice (which node each update goes to, the faults, losses).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the results as JSON here (docs/EXPERIMENTS.md has the schema).
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
    /// Watch it in the console while it runs (quitting before it ends leaves it unjudged).
    #[arg(long)]
    pub console: bool,
    /// Fail (exit 1) above this many messages per update.
    #[arg(long)]
    pub max_msgs_per_update: Option<f64>,
    /// Fail above this median propagation latency.
    #[arg(long, value_parser = parse_duration)]
    pub max_p50: Option<std::time::Duration>,
    /// Fail above this largest propagation latency.
    #[arg(long, value_parser = parse_duration)]
    pub max_latency: Option<std::time::Duration>,

    /// With --console: how it meets the terminal.
    #[command(flatten)]
    pub screen: ScreenArgs,
}

/// How the console meets the terminal, and where its settings come from (the herd's console and
/// the replay console alike).
#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// Leave the mouse to the terminal (for selecting text), instead of clicks selecting nodes
    /// and links and the wheel scrolling.
    #[arg(long)]
    pub no_mouse: bool,

    /// The console's colours, for a dark or a light background; auto reads the terminal's
    /// COLORFGBG (else dark). NO_COLOR turns colours off whatever this says.
    #[arg(long, value_name = "THEME")]
    pub theme: Option<crate::config::ThemeName>,

    /// Read the configuration from this file instead of herdctl's config folder
    /// (`herdctl config` says where that is; `herdctl config --default` prints one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl ScreenArgs {
    /// Takes the mouse and theme from `config` where the command line left them unsaid.
    pub fn settle(&mut self, config: &crate::config::Config) {
        self.no_mouse |= config.console.mouse == Some(false);
        self.theme = self.theme.or(config.console.theme);
    }
}

pub use herdctl_teach::command::parse_moment;

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The servers' client addresses; connections are spread over them. With --propagation the
    /// first takes the sampled IAMATs and the others are asked for them.
    #[arg(required_unless_present = "serve_bare", value_name = "HOST:PORT")]
    pub targets: Vec<String>,

    /// Connections, all open at once.
    #[arg(long, short = 'c', default_value_t = 50)]
    pub connections: usize,

    /// How long to drive, e.g. 10s, 1m.
    #[arg(long, short = 'd', default_value = "10s", value_parser = parse_duration)]
    pub duration: std::time::Duration,

    /// Open loop: this many requests a second over all connections, latency counted from when
    /// each was due (coordinated omission cannot hide a stall). Default: closed loop.
    #[arg(long)]
    pub rate: Option<f64>,

    /// Distinct client names the IAMATs report for (default: one per connection).
    #[arg(long)]
    pub clients: Option<usize>,

    /// The mix of requests, e.g. iamat=90,whatsat=10 (WHATSATs ask for clients already reported).
    #[arg(long, default_value = "iamat=100", value_parser = parse_mix)]
    pub mix: u8,

    /// Also measure propagation: every 100 ms an IAMAT at the first target, then WHATSAT at the
    /// others until each has it; the time until the WHATSAT that found it at the last one was sent.
    #[arg(long)]
    pub propagation: bool,

    /// A reply later than this is an error.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,

    /// Print the summary as JSON (for scripts) instead of text.
    #[arg(long)]
    pub json: bool,

    /// First drive an in-process bare line server (answers IAMAT with AT, nothing else) the same
    /// way, and give every figure also as a ratio to it: only ratios travel between machines.
    #[arg(long)]
    pub baseline: bool,

    /// Drive nothing: serve the bare line server of --baseline at this address until Ctrl-C, so
    /// that it runs in a process (or on a machine) of its own, as a herd's servers do.
    #[arg(long, value_name = "HOST:PORT", conflicts_with_all = ["targets", "baseline", "propagation"])]
    pub serve_bare: Option<String>,
}

/// `--strategy`'s help: what each strategy does.
fn strategy_help() -> String {
    format!("How a node passes a new record on: {}. Every node of a herd must use the same", strategy::described())
}

/// The experiment's `--strategy` help: every strategy, and that several make one table.
fn experiment_strategy_help() -> String {
    format!(
        "How nodes pass records on: {}. Several, comma-separated (flood,tree,gossip:3,batch:200ms), make one \
         table with a row for each",
        strategy::choices()
    )
}

/// The longest duration the command line takes for a run, a timeout or an idle client: longer is
/// a typo, and every timer stays far from overflowing (a link's delay has its own, shorter bound,
/// `herdctl_core::network::MAX_DELAY`).
pub const LONGEST: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// A duration of the command line (`10s`, `1m30s`), at most `LONGEST`.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|error| format!("{text:?} is not a duration ({error})"))?;
    match duration > LONGEST {
        true => Err(format!("{text} is too long: at most {}", humantime::format_duration(LONGEST))),
        false => Ok(duration),
    }
}

/// A link's delay (`--latency`), at most the engine's one bound for delays.
fn parse_delay(text: &str) -> Result<std::time::Duration, String> {
    let delay = humantime::parse_duration(text).map_err(|error| format!("{text:?} is not a duration ({error})"))?;
    herdctl_core::network::Delay::fixed(delay).bounded().map(|delay| delay.base).map_err(|error| error.to_string())
}

/// `--rate`: updates a second, bounded (`herdctl_teach::experiment::MOST_RATE` says why).
fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number of updates a second"))?;
    herdctl_teach::experiment::rate(rate)
}

/// Reads `--strategy` (`flood`, `tree`, `batch:500ms`, `gossip:3`), and offers each strategy's
/// example to shell completion (help lists the forms already, so it does not list these again).
#[derive(Clone)]
struct StrategyParser;

impl TypedValueParser for StrategyParser {
    type Value = Strategy;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Strategy, clap::Error> {
        Strategy::parse.parse_ref(command, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(strategy::FORMS.iter().map(|form| PossibleValue::new(form.example).help(form.does))))
    }
}

/// `grid`, `tree:3`, `random:4`: a shape of herd.
fn parse_shape(text: &str) -> Result<herdctl_core::shape::Shape, String> {
    herdctl_core::shape::Shape::parse(text).map_err(|error| error.to_string())
}

/// `iamat=90,whatsat=10` -> the WHATSAT share in percent.
fn parse_mix(text: &str) -> Result<u8, String> {
    let mut shares = (0u32, 0u32);
    for part in text.split(',') {
        let (kind, share) = part.split_once('=').ok_or_else(|| format!("{part:?}: write KIND=SHARE, e.g. iamat=90"))?;
        let share: u32 = share.trim().parse().map_err(|_| format!("{share:?} is not a whole number"))?;
        match kind.trim() {
            "iamat" => shares.0 += share,
            "whatsat" => shares.1 += share,
            other => return Err(format!("{other:?}: the kinds are iamat and whatsat")),
        }
    }
    let total = shares.0 + shares.1;
    if total == 0 {
        return Err("the shares add up to nothing".into());
    }
    Ok((shares.1 * 100 / total) as u8)
}

const AFTER_HELP: &str = "\
Environment:
  HERD_KEY   the secret that neighbours prove to each other before any record is accepted.
             Unset: a random key when the whole herd runs in this process, else the public
             demo key (with a warning). A node that listens beyond loopback refuses a public
             key (the demo key, the examples in herdctl's files) and one under 16 bytes.
  HERD_KEY_FILE
             a file holding the herd key (as --key-file); it wins over HERD_KEY.
  GOOGLE_MAPS_API_KEY
             the key of the google sources; with it set, --places defaults to google.
  RUST_LOG   what herdctl itself prints on stderr, e.g. RUST_LOG=debug shows every line.

Examples:
  herdctl --headless                      the whole default herd, no console
  herdctl load 127.0.0.1:12665 --baseline measure a herd against a bare server
  herdctl --headless --node Campbell      one node, as a plain server
  herdctl replay session.jsonl            step through a recorded session, back and forth
  herdctl replay session.jsonl --headless --at 2.5s
                                          the caches and links as they were 2.5 s in
  herdctl --scenario walkthroughs/basic-flood.herd --trace flood.svg
  printf 'IAMAT kiwi +34.068930-118.445127 %s\\n' \"$(date +%s.%N)\" | nc 127.0.0.1 12665";

impl Cli {
    /// Takes from `config` what the command line left unsaid.
    pub fn settle(&mut self, config: &crate::config::Config) {
        if self.topology.is_none() {
            self.topology = config.herd.topology.clone();
        }
        if let (false, Some(dir)) = (self.log_dir_given, &config.herd.log_dir) {
            self.log_dir = dir.clone();
        }
        if self.places.is_none() {
            self.places = config.herd.places;
        }
        self.screen.settle(config);
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    #[test]
    fn walkthrough_is_another_name_for_scenario() {
        let cli = Cli::try_parse_from(["herdctl", "--walkthrough", "lecture.herd"]).expect("accepted");
        assert_eq!(cli.scenario, [std::path::PathBuf::from("lecture.herd")]);
        let cli = Cli::try_parse_from(["herdctl", "--scenario", "lecture.herd", "--handout", "figures"]).unwrap();
        assert!(cli.handout.is_some(), "--handout still asks for a walkthrough by either name");
    }
}

/// A size in bytes, as `bytesize` reads one: a number, with KiB, MiB, GiB (powers of 1024) or
/// KB, MB, GB (powers of 1000); never nothing, and never more than a u64 holds.
fn parse_size(text: &str) -> Result<u64, String> {
    let size: bytesize::ByteSize =
        text.trim().parse().map_err(|_| format!("{text:?}: write a size, e.g. 64MiB or 500KB"))?;
    match size.as_u64() {
        // bytesize saturates what does not fit.
        0 | u64::MAX => Err(format!("{text:?}: a size from 1 byte to 16 EiB")),
        bytes => Ok(bytes),
    }
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn sizes_read_with_or_without_units_and_nonsense_is_refused() {
        assert_eq!(super::parse_size("512"), Ok(512));
        assert_eq!(super::parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(super::parse_size("500KB"), Ok(500_000));
        assert_eq!(super::parse_size("1 GiB"), Ok(1 << 30));
        assert!(super::parse_size("lots").unwrap_err().contains("e.g. 64MiB"));
        assert!(super::parse_size("5 furlongs").is_err());
        assert!(super::parse_size("0").is_err());
        assert!(super::parse_size("99999999999999EiB").unwrap_err().contains("16 EiB"));
    }
}
