//! Machine-readable output, version 1.
//!
//! ```text
//! {
//!   "version": 1,
//!   "tool": {"name": "cutover", "version": "0.1.0"},
//!   "findings": [{
//!     "rule_id": "ECS001", "rule_name": "missing-stop-timeout", "severity": "warning",
//!     "message": "...", "help": "..." | null, "notes": [...],
//!     "missing_path": "..." | null, "logical_path": "..." | null,
//!     "location": {"file": "path", "start_line": 3, "start_column": 7, "end_line": 3,
//!                  "end_column": 20, "start_byte": 41, "end_byte": 54},
//!     "related": [{"message": "...", "location": {...}}],
//!     "fingerprint": "..."
//!   }],
//!   "suppressed": [{<finding>, "suppression": {"kind": "inSource" | "external",
//!                                              "justification": "..."}}],
//!   "errors": [{"file": "path", "message": "...", "location": {...} | null}],
//!   "skipped": [{"file": "path", "reason": "..."}],
//!   "summary": {"files": 3, "findings": 2, "error": 1, "warning": 1, "info": 0, "input_errors": 0,
//!               "suppressed": 0, "baselined": 0}
//! }
//! ```
//! Lines and columns are 1-based; columns count Unicode characters; byte offsets are 0-based
//! into the file's UTF-8 text (BOM removed). Findings are sorted by file, start, rule.
//! `findings` leaves out suppressed findings (listed in `suppressed`) and, with `--baseline`,
//! those in the baseline (counted in `summary.baselined`).

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{display_path, error_lines, span_lines, Report};
use lint_engine::{FileId, Label, Severity, SourceDb, Span};

pub const FORMAT_VERSION: u32 = 1;

pub fn location(db: &SourceDb, file: FileId, span: Span) -> Value {
    let (s, e) = span_lines(db, file, span);
    json!({
        "file": db.get(file).name,
        "start_line": s.line, "start_column": s.col,
        "end_line": e.line, "end_column": e.col,
        "start_byte": span.start, "end_byte": span.end,
    })
}

fn label(db: &SourceDb, l: &Label) -> Value {
    json!({"message": l.message, "location": location(db, l.file, l.span)})
}

pub fn to_value(report: &Report<'_>) -> Value {
    let db = report.db;
    let finding = |f: &lint_engine::Finding, fp: &str| {
        json!({
            "rule_id": f.rule_id,
            "rule_name": f.rule_name,
            "severity": f.severity.as_str(),
            "message": f.message,
            "help": f.help,
            "notes": f.notes,
            "missing_path": f.missing_path,
            "logical_path": f.logical_path,
            "location": location(db, f.primary.file, f.primary.span),
            "related": f.related.iter().map(|l| label(db, l)).collect::<Vec<_>>(),
            "fingerprint": fp,
        })
    };
    let findings: Vec<Value> = report
        .findings
        .iter()
        .zip(report.fingerprints)
        .map(|(f, fp)| finding(f, fp))
        .collect();
    let suppressed: Vec<Value> = report
        .suppressed
        .iter()
        .map(|s| {
            let mut v = finding(&s.finding, &s.fingerprint);
            v["suppression"] = json!({"kind": s.kind.sarif(), "justification": s.justification});
            v
        })
        .collect();
    let errors: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let loc = error_lines(e).map(|(s, en)| {
                let span = e.span.unwrap_or_default();
                json!({
                    "file": display_path(&e.path),
                    "start_line": s.line, "start_column": s.col,
                    "end_line": en.line, "end_column": en.col,
                    "start_byte": span.start, "end_byte": span.end,
                })
            });
            json!({"file": display_path(&e.path), "message": e.message, "location": loc})
        })
        .collect();
    let skipped: Vec<Value> = report
        .skipped
        .iter()
        .map(|s| json!({"file": display_path(&s.path), "reason": s.reason}))
        .collect();
    json!({
        "version": FORMAT_VERSION,
        "tool": {"name": "cutover", "version": env!("CARGO_PKG_VERSION")},
        "findings": findings,
        "suppressed": suppressed,
        "errors": errors,
        "skipped": skipped,
        "summary": {
            "files": db.files.len(),
            "findings": report.findings.len(),
            "error": report.count(Severity::Error),
            "warning": report.count(Severity::Warning),
            "info": report.count(Severity::Info),
            "input_errors": report.errors.len(),
            "suppressed": report.suppressed.len(),
            "baselined": report.baselined.unwrap_or(0),
        },
    })
}

pub fn render(w: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &to_value(report))?;
    writeln!(w)
}
