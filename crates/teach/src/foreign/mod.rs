//! A foreign herd: a student's servers, in any language (`herdctl --exec 'python3 server.py
//! {name}'`), supervised as members of a herdctl herd. Each server is its own process, started in
//! the folder the user names, its output told as events and written to `<Node>.log`; a kill is
//! SIGKILL to its process group, a revive starts it again.
//!
//! On Linux, where unprivileged user namespaces are allowed, each server also runs in a network
//! namespace of its own, where the ports of the other servers are herdctl's: every connection one
//! server opens to another crosses herdctl (`relay`), which shows each line and passes it through
//! the network's hand (step mode, cuts, latency, loss, the conductor) to the other server's real
//! port in that server's namespace. Clients reach each server through herdctl on the topology's
//! ports (`front`). Elsewhere the servers run on the machine's own network: herdctl then sees
//! only what its own client commands send and get back.
//!
//! What a server knows cannot be read from inside it; its member shows what it has answered and
//! been told (`member`).
//!
//! Their WHATSAT needs places: a places stub on this machine answers it from herdctl's own
//! source, its URLs in every server's environment, with a door to it in each namespace
//! (`outside`).

#[cfg(target_os = "linux")]
mod busy;
mod door;
mod front;
mod lines;
mod member;
#[cfg(target_os = "linux")]
pub mod namespace;
mod outside;
mod process;
mod relay;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use herdctl_core::cache::Cache;
use herdctl_core::event::EventKind;
use herdctl_core::herd::{Herd, HerdError};
use herdctl_core::network::Network;
use herdctl_core::places::Places;
use herdctl_core::sink::EventSink;
use herdctl_core::topology::{NodeName, SharedTopology};

pub use member::Foreign;
pub use outside::loopback;
pub use process::Launch;

/// A foreign herd is taken to be quiet once nothing has crossed herdctl for this long (no line,
/// no new connection, no client's line or reply): its servers do not acknowledge, so their quiet
/// is a pause. Long enough for a server to act on what it was just told (a Python server on a
/// busy laptop takes milliseconds), short enough not to slow a walkthrough's steps.
pub const QUIET_GAP: Duration = Duration::from_millis(200);

/// How long after the last crossing a server still at work keeps the herd from being quiet: a
/// loaded machine may keep a server waiting for a core that long, and a server that never stops
/// working (a bug) must not hold a walkthrough for ever.
pub const MOST_BUSY: Duration = Duration::from_secs(5);

/// How often a server at work is looked at again.
const BUSY_LOOK: Duration = Duration::from_millis(10);
/// How long a server may take to listen on its port after it starts: long, since on a loaded
/// machine a Python server that starts with four others (and herdctl loading its gazetteer) took
/// more than 10 s, and a walkthrough then began with it down. One that never listens is said.
pub const READY_WITHIN: Duration = Duration::from_secs(30);

/// How to run a foreign herd.
#[derive(Clone)]
pub struct Plan {
    /// The command for every node (`python3 server.py {name}`), unless its topology entry has
    /// its own `exec`. `{name}`, `{port}` and `{topology}` are replaced.
    pub command: Option<String>,
    /// The topology file, for `{topology}`.
    pub topology_path: PathBuf,
    /// Where the servers run.
    pub dir: PathBuf,
    /// Whether each server gets a network namespace of its own (herdctl must have entered a user
    /// namespace as it started: `namespace::enter_user_namespace`).
    pub isolated: bool,
    /// Set in every server's environment.
    pub env: Vec<(String, String)>,
    /// When set, a places stub answering from this source listens on a free loopback port, and
    /// every server is given its URLs (`HERDCTL_PLACES_URL`, `HERDCTL_PLACES_NEW_URL`).
    pub places: Option<Arc<dyn Places>>,
    /// Addresses on this machine's loopback the servers reach from their namespaces too (a places
    /// stub of the user's own, say): each gets a door on its port in every namespace.
    pub outside: Vec<SocketAddr>,
}

/// Why a foreign herd could not start.
#[derive(Debug, thiserror::Error)]
pub enum ForeignError {
    #[error(
        "{node} has no command: give --exec 'COMMAND' (e.g. --exec 'python3 server.py {{name}}'), or an \"exec\" for it in the topology"
    )]
    NoCommand { node: String },
    #[error("cannot make {node} a network namespace: {reason}")]
    Namespace { node: String, reason: String },
    #[error("cannot listen on {addr} for {node}'s clients: {source}; is something else on that port?")]
    Front { node: String, addr: SocketAddr, source: std::io::Error },
    #[error("cannot start the places stub your servers' WHATSAT asks: {0}")]
    PlacesStub(std::io::Error),
    #[error(transparent)]
    Herd(#[from] HerdError),
}

/// One server of a foreign herd, as herdctl keeps it.
pub(crate) struct Server {
    pub name: NodeName,
    pub index: usize,
    /// Its client port (where it listens, and where the others reach it).
    pub port: u16,
    /// Where clients reach it on this machine.
    pub front: SocketAddr,
    pub launch: Launch,
    /// Its current (or last) life.
    pub life: Mutex<Option<Arc<member::Life>>>,
    /// Whether it listens on its port (it is up).
    pub ready: std::sync::atomic::AtomicBool,
    /// What it has answered and been told.
    pub cache: Mutex<Arc<Cache>>,
    pub events: EventSink,
    /// Rung whenever it comes up or goes down: the herd's waits look again.
    pub news: Arc<watch::Sender<u64>>,
    #[cfg(target_os = "linux")]
    pub namespace: Option<namespace::NetNamespace>,
}

/// A foreign herd's servers and what crosses between them.
pub struct ForeignHerd {
    pub(crate) servers: Vec<Arc<Server>>,
    pub(crate) topology: SharedTopology,
    pub(crate) network: Arc<Network>,
    /// Bumped whenever a server comes up or goes down (doors open and close on it).
    pub(crate) lives: watch::Sender<u64>,
    /// Lines read from one server and not yet passed on or dropped.
    pub(crate) moving: AtomicUsize,
    /// When a line last crossed herdctl (`QUIET_GAP` counts from here).
    pub(crate) last_crossing: Mutex<Instant>,
    /// How many crossings there have been, and through which the herd was found quiet: the
    /// herd is in motion until the bell has rung for the last crossing.
    pub(crate) crossings: std::sync::atomic::AtomicU64,
    pub(crate) quiet_through: std::sync::atomic::AtomicU64,
    /// Told when a line crosses, so that the bell rings a gap later.
    pub(crate) crossed: tokio::sync::Notify,
    /// Every door, and whether it listens (an isolated herd's; none otherwise).
    pub(crate) doors: Mutex<Vec<Arc<door::Door>>>,
    pub(crate) tasks: TaskTracker,
    pub(crate) token: CancellationToken,
    /// Whether its servers run in namespaces of their own (and herdctl sees their messages).
    pub isolated: bool,
    /// Where the places stub herdctl started for them listens, if it did.
    pub places_stub: Option<SocketAddr>,
    /// Addresses on this machine the servers reach from their namespaces (the places stub's too).
    pub(crate) outside: Vec<SocketAddr>,
}

impl Server {
    /// What it has answered and been told, as herdctl has seen it.
    pub fn cache(&self) -> Arc<Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl ForeignHerd {
    pub(crate) fn server(&self, name: &str) -> Option<&Arc<Server>> {
        self.servers.iter().find(|server| &*server.name == name)
    }

    /// Whether `name` runs and listens.
    pub(crate) fn is_up(&self, name: &str) -> bool {
        self.server(name).is_some_and(|server| server.ready.load(Ordering::Acquire))
    }

    /// A line crossed herdctl: the herd is not quiet for `QUIET_GAP` from now.
    pub(crate) fn crossing(&self) {
        *self.last_crossing.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.crossings.fetch_add(1, Ordering::AcqRel);
        self.crossed.notify_one();
    }

    /// What moves between the servers: lines on their way, the pause after the last (until
    /// the bell has rung for it: a pause with no server at work), and doors not yet opened or
    /// closed as the herd now is (a heal is not over for the servers until they can connect).
    pub(crate) fn in_motion(&self) -> usize {
        let settling = self.quiet_through.load(Ordering::Acquire) < self.crossings.load(Ordering::Acquire);
        self.moving.load(Ordering::Acquire) + usize::from(settling) + door::unsettled(self)
    }

    /// Whether any server's process is at work (Linux; elsewhere none ever is).
    fn any_busy(&self) -> bool {
        self.servers.iter().any(|server| {
            let life = server.life.lock().unwrap_or_else(|p| p.into_inner()).clone();
            life.is_some_and(|life| life.busy())
        })
    }

    /// A connection straight to `name`'s own port, past its front door (which passes a client's
    /// lines whole): for the grader's checks of how a server reads a line that comes in pieces.
    pub async fn connect_direct(&self, name: &str) -> std::io::Result<tokio::net::TcpStream> {
        let server = self.server(name).ok_or_else(|| std::io::Error::other(format!("no server {name}")))?;
        match self.isolated {
            true => member::connect(server).await,
            false => tokio::net::TcpStream::connect(server.front).await,
        }
    }

    /// Whether its servers' messages to each other cross herdctl.
    pub fn sees_messages(&self) -> bool {
        self.isolated
    }
}

/// Starts the foreign herd `plan` describes on `herd` (which runs no node of its own): every
/// server of the topology, with its doors, as members of `herd`.
pub async fn start(herd: &Arc<Herd>, plan: &Plan) -> Result<Arc<ForeignHerd>, ForeignError> {
    let topology = herd.topology().clone();
    let ports: Vec<u16> = topology.nodes().iter().map(|spec| spec.port).collect();
    let stub = match plan.places {
        Some(_) => Some(outside::Stub::bind(&ports).await.map_err(ForeignError::PlacesStub)?),
        None => None,
    };
    let mut outside: Vec<SocketAddr> = stub.iter().map(|stub| stub.addr).collect();
    outside.extend(plan.outside.iter().filter(|addr| !ports.contains(&addr.port())));
    let mut servers = Vec::new();
    // Stopped with the herd (or by `shutdown`).
    let mut token = None;
    for (index, spec) in topology.nodes().iter().enumerate() {
        let name = NodeName::from(spec.name.as_str());
        let template = spec
            .exec
            .clone()
            .or_else(|| plan.command.clone())
            .ok_or_else(|| ForeignError::NoCommand { node: spec.name.clone() })?;
        let command = template
            .replace("{name}", &spec.name)
            .replace("{port}", &spec.port.to_string())
            .replace("{topology}", &plan.topology_path.display().to_string());
        #[cfg(target_os = "linux")]
        let namespace = match plan.isolated {
            true => Some(
                namespace::NetNamespace::new(&spec.name)
                    .map_err(|error| ForeignError::Namespace { node: spec.name.clone(), reason: error.to_string() })?,
            ),
            false => None,
        };
        let mut env = plan.env.clone();
        env.extend(stub.iter().flat_map(outside::Stub::env));
        env.push(("HERD_NODE".into(), spec.name.clone()));
        env.push(("HERD_PORT".into(), spec.port.to_string()));
        let launch = Launch {
            command,
            dir: plan.dir.clone(),
            env,
            #[cfg(target_os = "linux")]
            namespace: namespace.as_ref().map(|namespace| namespace.raw()),
            #[cfg(not(target_os = "linux"))]
            namespace: None,
        };
        let front = resolve(&spec.host, spec.port);
        let following = herd.supervising(&name)?;
        token.get_or_insert(following.token);
        servers.push(Arc::new(Server {
            cache: Mutex::new(Arc::new(Cache::new(topology.neighbours(&name)))),
            name,
            index,
            port: spec.port,
            front,
            launch,
            life: Mutex::default(),
            ready: Default::default(),
            events: following.events,
            news: following.news,
            #[cfg(target_os = "linux")]
            namespace,
        }));
    }
    let foreign = Arc::new(ForeignHerd {
        servers,
        topology,
        network: herd.network().clone(),
        lives: watch::Sender::new(0),
        moving: AtomicUsize::new(0),
        last_crossing: Mutex::new(Instant::now() - QUIET_GAP),
        crossings: std::sync::atomic::AtomicU64::new(0),
        quiet_through: std::sync::atomic::AtomicU64::new(0),
        crossed: tokio::sync::Notify::new(),
        doors: Mutex::default(),
        tasks: TaskTracker::new(),
        token: token.unwrap_or_default(),
        isolated: plan.isolated,
        places_stub: stub.as_ref().map(|stub| stub.addr),
        outside,
    });
    if let (Some(stub), Some(places)) = (stub, &plan.places) {
        foreign.tasks.spawn(stub.serve(places.clone(), foreign.token.clone()));
    }
    // The bell that says a pause has come: the herd's waits look again then.
    foreign.tasks.spawn(ring_after_gaps(foreign.clone()));
    if foreign.isolated {
        door::open_all(&foreign)?;
    }
    let mut starting = Vec::new();
    for server in &foreign.servers {
        let member = Arc::new(Foreign::new(foreign.clone(), server.clone()));
        herd.follow(member.clone());
        let server = server.clone();
        starting.push(async move {
            // One that does not come up is shown down, with why; the rest run.
            if let Err(error) = member.start().await {
                server.events.emit(EventKind::Warning { text: error.to_string().into() });
            }
        });
    }
    // The stub's source is warmed while the servers start (the gazetteer takes seconds to load
    // in a debug build): their first WHATSAT then never waits past a timeout of their own.
    let warm = async {
        if let Some(places) = &plan.places {
            places.warm_up().await;
        }
    };
    tokio::join!(futures_util::future::join_all(starting), warm);
    Ok(foreign)
}

impl ForeignHerd {
    /// Stops every server and every door.
    pub async fn shutdown(&self) {
        self.token.cancel();
        for server in &self.servers {
            let life = server.life.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if let Some(life) = life {
                life.end().await;
            }
        }
        self.tasks.close();
        self.tasks.wait().await;
    }
}

/// Rings the network's motion bell once the herd is quiet after a crossing: `QUIET_GAP` has passed
/// with nothing crossing and no server at work on what it was sent (for at most `MOST_BUSY`), so
/// that whoever waits for quiet sees the pause end, on an idle machine and on a loaded one.
async fn ring_after_gaps(foreign: Arc<ForeignHerd>) {
    loop {
        tokio::select! {
            () = foreign.token.cancelled() => return,
            () = foreign.crossed.notified() => {}
        }
        loop {
            let through = foreign.crossings.load(Ordering::Acquire);
            let last = *foreign.last_crossing.lock().unwrap_or_else(|p| p.into_inner());
            tokio::select! {
                () = foreign.token.cancelled() => return,
                () = tokio::time::sleep_until(last + QUIET_GAP) => {}
            }
            let since = foreign.last_crossing.lock().unwrap_or_else(|p| p.into_inner()).elapsed();
            if since < QUIET_GAP {
                continue;
            }
            if since < MOST_BUSY && foreign.any_busy() {
                tokio::select! {
                    () = foreign.token.cancelled() => return,
                    () = tokio::time::sleep(BUSY_LOOK) => {}
                }
                continue;
            }
            if foreign.crossings.load(Ordering::Acquire) != through {
                continue;
            }
            foreign.quiet_through.store(through, Ordering::Release);
            foreign.network.motion().settled();
            break;
        }
    }
}

/// Where `host:port` is reached (unspecified when the name does not resolve).
fn resolve(host: &str, port: u16) -> SocketAddr {
    std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .ok()
        .and_then(|mut addrs| addrs.next())
        .unwrap_or(SocketAddr::from(([127, 0, 0, 1], port)))
}
