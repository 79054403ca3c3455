//! herdctl: a proxy herd you can watch. The engine (protocol, nodes, peer links, places, the
//! supervisor and its events) lives here; the binary adds the command line and the console.

pub mod accounting;
pub mod cache;
pub mod classroom;
pub mod command;
pub mod control;
pub mod dice;
pub mod escaped;
pub mod event;
pub mod expectation;
pub mod experiment;
#[doc(hidden)]
pub mod fuzz_checks;
pub mod handout;
pub mod herd;
mod journal;
pub mod limits;
pub mod load;
pub mod metrics;
pub mod moment;
pub mod net;
pub mod network;
mod node;
pub mod operator;
pub mod peer;
pub mod places;
pub mod protocol;
pub mod replay;
pub mod schedule;
pub mod script;
pub mod secure;
pub mod shape;
pub mod signal;
pub mod store;
pub mod strategy;
pub mod topology;
pub mod trace;

pub use event::{EventKind, HerdEvent};
pub use herd::{Herd, HerdError, HerdOptions, NodeStatus};
pub use topology::{NodeName, Topology};
