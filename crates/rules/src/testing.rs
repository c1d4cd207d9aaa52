//! Test helper: every rule on in-memory files.

use lint_engine::load::Limits;
use lint_engine::runner::{load_all, run_rules, MemoryInput};
use lint_engine::{Config, Finding, Model};

/// The findings of every rule on `files` (name, text) with the default configuration, each
/// with its primary span as `line:col-line:col`.
pub fn run_all(files: &[(&str, &str)]) -> Vec<(String, Finding)> {
    let inputs = files
        .iter()
        .map(|(name, text)| MemoryInput {
            path: (*name).into(),
            bytes: text.as_bytes().to_vec(),
        })
        .collect();
    let outcome = load_all(&[], inputs, &Limits::default());
    let model = Model::build(&outcome.db);
    let found: Vec<Finding> = run_rules(&model, crate::all(), &Config::default());
    found
        .into_iter()
        .map(|f| {
            let file = outcome.db.get(f.primary.file);
            let a = file.line_col(f.primary.span.start);
            let b = file.line_col(f.primary.span.end);
            (format!("{}:{}-{}:{}", a.line, a.col, b.line, b.col), f)
        })
        .collect()
}
