//! `cargo xtask bench-dir DIR [REPS]`: the benchmark's parse floor and in-process full check for
//! one directory, to measure one change without running the whole benchmark.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::bench::{full_check, min_of, ms, parse_floor};

/// `cargo xtask bench-dir DIR [REPS]`: the parse floor and the in-process full check of one
/// directory (minimum of REPS runs, default 5) with the phases of the fastest check, for
/// measuring one change without the whole benchmark.
pub fn main(args: &[String]) -> ExitCode {
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo xtask bench-dir DIR [REPS]");
        return ExitCode::from(2);
    };
    let reps = args
        .get(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(5usize)
        .max(1);
    let (parse, files) = min_of(reps, || parse_floor(&dir));
    let (check, (findings, p)) = min_of(reps, || full_check(&dir));
    let ratio = check.as_secs_f64() / parse.as_secs_f64().max(1e-9);
    println!(
        "{}: {files} files, {findings} findings; parse floor {} ms, full check {} ms, ratio {ratio:.2}; \
         load {} model {} rules {} post {} render {}",
        dir.display(),
        ms(parse),
        ms(check),
        ms(p.load),
        ms(p.model),
        ms(p.rules),
        ms(p.post),
        ms(p.render)
    );
    ExitCode::SUCCESS
}
