//! The `classify` fuzz target's second half: every saved fuzz input (`fuzz/regressions/`) is
//! loaded as up to four files and every built-in rule runs over the model without panicking, with
//! every finding label a valid span of its file.

use std::path::PathBuf;

use lint_engine::runner::run_rules;
use lint_engine::{fuzzing, Config, Model};

#[test]
fn rules_survive_every_regression_input() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut seen = 0;
    for target in std::fs::read_dir(&root).expect("fuzz/regressions exists") {
        for f in std::fs::read_dir(target.unwrap().path()).unwrap() {
            let bytes = std::fs::read(f.unwrap().path()).unwrap();
            let db = fuzzing::classify(&bytes);
            let model = Model::build(&db);
            for finding in run_rules(&model, cutover_rules::all(), &Config::default()) {
                for l in std::iter::once(&finding.primary).chain(&finding.related) {
                    let text = &db.get(l.file).text;
                    assert!(l.span.start <= l.span.end && l.span.end as usize <= text.len());
                    assert!(text.is_char_boundary(l.span.start as usize));
                    assert!(text.is_char_boundary(l.span.end as usize));
                }
            }
            seen += 1;
        }
    }
    assert!(seen >= 5);
}
