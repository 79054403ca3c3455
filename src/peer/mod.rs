//! The peer protocol: how neighbours prove they hold the herd key, pass records to each other
//! and catch up after a break. Described for humans in `docs/PEER_PROTOCOL.md`.

pub mod handshake;
pub mod inbound;
pub mod key;
pub mod link;
pub mod wire;

pub use key::{HerdKey, KeySource};
