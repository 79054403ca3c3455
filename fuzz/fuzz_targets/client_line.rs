//! Any bytes as one client line: see `herdctl::fuzz_checks::client_line`.
#![no_main]

libfuzzer_sys::fuzz_target!(|line: &[u8]| herdctl::fuzz_checks::client_line(line));
