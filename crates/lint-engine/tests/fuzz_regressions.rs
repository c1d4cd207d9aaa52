//! Replays every input saved under `fuzz/regressions/` (crashes the fuzzers found, minimised by
//! hand where possible, plus a few hand-written edge cases) through every fuzz harness, so a fixed
//! crash stays fixed and the harnesses' invariants run on every `cargo test`.

use std::path::PathBuf;

use lint_engine::fuzzing;

fn inputs() -> Vec<(PathBuf, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut out = Vec::new();
    for target in std::fs::read_dir(&root).expect("fuzz/regressions exists") {
        let dir = target.expect("readable entry").path();
        for f in std::fs::read_dir(&dir).expect("readable directory") {
            let p = f.expect("readable entry").path();
            let bytes = std::fs::read(&p).expect("readable file");
            out.push((p, bytes));
        }
    }
    out.sort();
    assert!(out.len() >= 5, "regression inputs are missing");
    out
}

#[test]
fn every_regression_input_passes_every_harness() {
    for (path, bytes) in inputs() {
        let run = |name: &str, f: &dyn Fn(&[u8])| {
            if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&bytes))) {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("{} fails the {name} harness: {msg}", path.display());
            }
        };
        run("yaml", &fuzzing::yaml);
        run("json", &fuzzing::json);
        run("embedded", &fuzzing::embedded);
        run("tfref", &fuzzing::tfref);
        run("hcl", &fuzzing::hcl);
        run("tfeval", &fuzzing::tfeval);
        run("classify", &|b| {
            fuzzing::classify(b);
        });
    }
}

#[test]
fn errors_at_multibyte_characters_cover_the_whole_character() {
    use lint_engine::load::{json, yaml, Limits};
    let t = "[\"\\\u{7bc}\"]";
    let e = json::parse(t, 16).unwrap_err();
    assert_eq!(e.message, "invalid escape sequence in string");
    assert_eq!(&t[e.span.range()], "\\\u{7bc}");
    let t = "a: 1\n\u{feff}b: 2\n";
    let e = yaml::parse(t, &Limits::default()).unwrap_err();
    assert_eq!(&t[e.span.range()], "\u{feff}");
}
