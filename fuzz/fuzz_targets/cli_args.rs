//! cargo-fuzz target `cli_args`: see `fuzz/harness/mod.rs` for what it runs and checks.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::cli_args(data));
