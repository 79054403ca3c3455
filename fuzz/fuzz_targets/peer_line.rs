//! Any bytes as one peer line: see `herdctl_core::fuzz_checks::peer_line`.
#![no_main]

libfuzzer_sys::fuzz_target!(|line: &[u8]| herdctl_core::fuzz_checks::peer_line(line));
