//! Any bytes as one client line: see `herdctl_core::fuzz_checks::client_line`.
#![no_main]

libfuzzer_sys::fuzz_target!(|line: &[u8]| herdctl_core::fuzz_checks::client_line(line));
