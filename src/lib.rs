//! The `herdctl` binary's own parts that its tests and benchmarks reach too: the load generator
//! and the stop signal. The engine, the classroom and the control port are crates of their own
//! (`herdctl-core`, `herdctl-teach`, `herdctl-control`); the command line, the configuration and
//! the console driver live beside `main`.

pub mod health;
pub mod load;
pub mod process_stats;
pub mod signal;
