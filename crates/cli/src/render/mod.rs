//! Output formats. Every renderer has the same shape: it writes a [`Report`] to a writer.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
mod stream;

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
    /// The findings the baseline has, with their fingerprints (only SARIF shows them).
    pub baselined_findings: &'a [(Finding, String)],
    /// `--quiet`: findings and input errors only, no notes or summary lines.
    pub quiet: bool,
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

/// [`rel_path`] of every file, each computed once on first use (it resolves the file's path on
/// disk, which costs system calls), and safe to share between threads.
pub struct RelPaths<'a> {
    db: &'a SourceDb,
    /// `suppress::absolute` of the base directory, resolved once.
    base: Option<std::path::PathBuf>,
    cache: Vec<std::sync::OnceLock<String>>,
}

impl<'a> RelPaths<'a> {
    /// Paths relative to `base` (display names for files outside it, or without a base).
    pub fn new(db: &'a SourceDb, base: Option<&std::path::Path>) -> Self {
        RelPaths {
            db,
            base: base.map(crate::suppress::absolute),
            cache: (0..db.files.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    /// The path relative to the base, or `None` when the file is outside it (or there is none).
    fn compute(&self, file: lint_engine::FileId) -> Option<String> {
        crate::suppress::relative_to_absolute(&self.db.get(file).path, self.base.as_deref()?)
    }

    /// Same as [`rel_path`] with this base.
    pub fn get(&self, file: lint_engine::FileId) -> std::borrow::Cow<'_, str> {
        let name = || {
            self.compute(file)
                .unwrap_or_else(|| self.db.get(file).name.clone())
        };
        match self.cache.get(file.0 as usize) {
            Some(c) => std::borrow::Cow::Borrowed(c.get_or_init(name).as_str()),
            None => std::borrow::Cow::Owned(name()),
        }
    }
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
