#![no_main]
//! See lint_engine::fuzzing::tfeval for the invariants this target checks.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lint_engine::fuzzing::tfeval(data));
