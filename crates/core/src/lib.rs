//! herdctl's engine: the client protocol, the topology and its shapes, the nodes with their
//! caches, stores and peer links, the network's hand between them (cuts, delays, holds), the
//! events they publish and their one codec, the supervisor of a herd, its metrics and places.
//! It knows nothing of consoles, classrooms or control ports: they sit above it.

pub mod budget;
pub mod cache;
pub mod capped;
pub mod dice;
pub mod escaped;
pub mod event;
#[doc(hidden)]
pub mod fuzz_checks;
pub mod herd;
mod journal;
pub mod key;
pub mod keyring;
pub mod limits;
pub mod metrics;
pub mod net;
pub mod network;
mod node;
pub mod peer;
pub mod places;
pub mod protocol;
pub mod recorder;
pub mod secure;
pub mod shape;
pub mod sink;
pub mod store;
pub mod strategy;
pub mod topology;

pub use event::{EventKind, HerdEvent};
pub use herd::{Herd, HerdError, HerdOptions, NodeStatus};
// How nodes' log files are kept (`--log-level`, `--log-format`, rotation).
pub use journal::{LogFormat, LogLevel, LogSettings, Rotation};
// The bound on a client's wait for its answer: what experiments judge clients' waits by.
pub use node::ACK_BOUND;
pub use topology::{NodeName, Topology};
