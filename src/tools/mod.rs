//! The subcommands that are not the herd itself, each in its file: replaying a recording,
//! running an experiment, driving a herd with load, standing in for Google's places.

pub mod experiment;
pub mod load;
pub mod places_stub;
pub mod replay;
