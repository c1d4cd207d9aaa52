#![no_main]
//! Loading, classification and the model (lint_engine::fuzzing::classify), then every built-in
//! rule over the model: no rule may panic on whatever a repository contains.
use libfuzzer_sys::fuzz_target;
use lint_engine::runner::run_rules;
use lint_engine::{Config, Model};

fuzz_target!(|data: &[u8]| {
    let db = lint_engine::fuzzing::classify(data);
    let model = Model::build(&db);
    let findings = run_rules(&model, cutover_rules::all(), &Config::default());
    for f in &findings {
        for l in std::iter::once(&f.primary).chain(&f.related) {
            let text = &db.get(l.file).text;
            assert!(l.span.start <= l.span.end && l.span.end as usize <= text.len());
            assert!(text.is_char_boundary(l.span.start as usize));
            assert!(text.is_char_boundary(l.span.end as usize));
        }
    }
});
