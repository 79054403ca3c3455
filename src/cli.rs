//! The command line (PROTOCOL.md section 6).

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use herdctl::places::SourceKind;

/// herdctl runs a proxy herd: TCP servers that take client locations (IAMAT), flood them to
/// each other, and answer WHATSAT with nearby places.
#[derive(Debug, Parser)]
#[command(name = "herdctl", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// Run without the console, as plain servers: every node of the topology, or only those
    /// named with --node. Stops cleanly on Ctrl-C or SIGTERM.
    #[arg(long)]
    pub headless: bool,

    /// Run only this node (repeat for several). The others are expected to run elsewhere, from
    /// the same topology file and herd key.
    #[arg(long = "node", value_name = "NAME")]
    pub nodes: Vec<String>,

    /// The herd's shape: nodes, their ports, and links. Default: ./topology.json if there is
    /// one, else the built-in default herd.
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,

    /// Where each node writes its log, <Node>.log (created if missing).
    #[arg(long, value_name = "DIR", default_value = "logs")]
    pub log_dir: PathBuf,

    /// Where WHATSAT finds places: the offline GeoNames gazetteer, Google's Places API (New), or
    /// Google's legacy Nearby Search. Default: google if GOOGLE_MAPS_API_KEY is set, else offline.
    #[arg(long, value_name = "SOURCE")]
    pub places: Option<PlacesChoice>,

    /// Play a walkthrough script: in the console (pausing at each `say` until you press c), or
    /// with --headless, printing each step and exiting 0 only if every expectation held.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Serve the classroom page here (e.g. 0.0.0.0:8080): students on the room's network open it
    /// on their phones and report a city (or, over HTTPS, their position) as an IAMAT to a random
    /// server. Off unless given.
    #[arg(long, value_name = "ADDR")]
    pub classroom_web: Option<std::net::SocketAddr>,

    /// With --scenario: write one figure per section of the walkthrough into this folder when it
    /// ends (SVG, A4 width: the captions as headings, time spaced as it passed, a legend).
    #[arg(long, value_name = "DIR", requires = "scenario")]
    pub handout: Option<PathBuf>,

    /// The lecture layout (for a projector at 100×30 and up): a large graph, node labels that
    /// show which version of the last update's client each node holds, dropped copies marked.
    /// On by itself while a walkthrough plays.
    #[arg(long)]
    pub present: bool,

    /// Record every client and peer message of the session and write it here when herdctl stops
    /// (and on the console's t key): .svg draws a sequence diagram, anything else JSON lines.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Send the google sources' requests to this base URL instead of Google's (scheme and host;
    /// the paths stay the same), e.g. a proxy or a test server.
    #[arg(long, value_name = "URL")]
    pub places_endpoint: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlacesChoice {
    /// The built-in world gazetteer (GeoNames): no key, no network.
    Offline,
    /// Places API (New): POST /v1/places:searchNearby.
    Google,
    /// The classic Nearby Search: GET /maps/api/place/nearbysearch/json.
    GoogleLegacy,
}

impl From<PlacesChoice> for SourceKind {
    fn from(choice: PlacesChoice) -> Self {
        match choice {
            PlacesChoice::Offline => Self::Offline,
            PlacesChoice::Google => Self::Google,
            PlacesChoice::GoogleLegacy => Self::GoogleLegacy,
        }
    }
}

const AFTER_HELP: &str = "\
Environment:
  HERD_KEY   the secret that neighbours prove to each other before any record is accepted.
             Unset: a random key when the whole herd runs in this process, else the public
             demo key (with a warning).
  GOOGLE_MAPS_API_KEY
             the key of the google sources; with it set, --places defaults to google.
  RUST_LOG   what herdctl itself prints on stderr, e.g. RUST_LOG=debug shows every line.

Examples:
  herdctl --headless                      the whole default herd, no console
  herdctl --headless --node Campbell      one node, as a plain server
  herdctl --scenario walkthroughs/basic-flood.herd --trace flood.svg
  printf 'IAMAT kiwi +34.068930-118.445127 %s\\n' \"$(date +%s.%N)\" | nc 127.0.0.1 12665";
