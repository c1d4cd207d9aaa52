//! Output formats. Every renderer has the same shape: it writes a [`Report`] to a writer.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use lint_engine::load::InputError;
use lint_engine::runner::Skipped;
use lint_engine::source::{LineCol, SourceDb};
use lint_engine::{Finding, RuleMeta, Severity, Span};

/// Everything a renderer may show.
pub struct Report<'a> {
    pub db: &'a SourceDb,
    pub findings: &'a [Finding],
    pub errors: &'a [InputError],
    pub skipped: &'a [Skipped],
    /// Metadata of every enabled rule (built-in and plugin).
    pub rules: &'a [&'a RuleMeta],
    pub verbose: bool,
    /// Findings hidden by a suppression, with it (shown by SARIF as dismissed).
    pub suppressed: &'a [crate::suppress::Suppressed],
    /// Fingerprint of each finding in `findings` (same order).
    pub fingerprints: &'a [String],
    /// Repository root (nearest `cutover.toml` or `.git`): base of SARIF URIs and fingerprints.
    pub root: Option<&'a std::path::Path>,
    /// Findings left out because the baseline has them (`None` without `--baseline`).
    pub baselined: Option<usize>,
}

impl Report<'_> {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}

/// Path of a file relative to the repository root, `/`-separated (the display name when the
/// file is outside the root or there is no root).
pub fn rel_path(
    db: &SourceDb,
    root: Option<&std::path::Path>,
    file: lint_engine::FileId,
) -> String {
    let f = db.get(file);
    root.and_then(|r| crate::suppress::relative_to(&f.path, r))
        .unwrap_or_else(|| f.name.clone())
}

/// Start and end line/column of a span in a file of the report.
pub fn span_lines(db: &SourceDb, file: lint_engine::FileId, span: Span) -> (LineCol, LineCol) {
    let f = db.get(file);
    (f.line_col(span.start), f.line_col(span.end))
}

/// Line/column of an input error's span, when it has one.
pub fn error_lines(e: &InputError) -> Option<(LineCol, LineCol)> {
    let (text, span) = (e.text.as_ref()?, e.span?);
    let idx = lint_engine::source::LineIndex::new(text);
    Some((idx.line_col(text, span.start), idx.line_col(text, span.end)))
}

pub fn display_path(p: &std::path::Path) -> String {
    lint_engine::discover::display_name(p)
}
