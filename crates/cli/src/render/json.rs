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

use serde::Serialize;
use serde_json::{json, Value};

use super::stream::Part;
use super::{display_path, error_lines, span_lines, Report};
use lint_engine::{FileId, Finding, Label, Severity, SourceDb, Span};

pub const FORMAT_VERSION: u32 = 1;

// The report is written member by member with the keys of every object in sorted order (the
// order `serde_json::Value` objects have), so the structs below list their fields sorted.

#[derive(Serialize)]
struct Location<'a> {
    end_byte: u32,
    end_column: u32,
    end_line: u32,
    file: &'a str,
    start_byte: u32,
    start_column: u32,
    start_line: u32,
}

fn location_of(db: &SourceDb, file: FileId, span: Span) -> Location<'_> {
    let (s, e) = span_lines(db, file, span);
    Location {
        end_byte: span.end,
        end_column: e.col,
        end_line: e.line,
        file: &db.get(file).name,
        start_byte: span.start,
        start_column: s.col,
        start_line: s.line,
    }
}

pub fn location(db: &SourceDb, file: FileId, span: Span) -> Value {
    serde_json::to_value(location_of(db, file, span)).unwrap_or_default()
}

#[derive(Serialize)]
struct Related<'a> {
    location: Location<'a>,
    message: &'a str,
}

fn label<'a>(db: &'a SourceDb, l: &'a Label) -> Related<'a> {
    Related {
        location: location_of(db, l.file, l.span),
        message: &l.message,
    }
}

#[derive(Serialize)]
struct Suppression<'a> {
    justification: &'a str,
    kind: &'a str,
}

#[derive(Serialize)]
struct FindingOut<'a> {
    fingerprint: &'a str,
    help: &'a Option<String>,
    location: Location<'a>,
    logical_path: &'a Option<String>,
    message: &'a str,
    missing_path: &'a Option<String>,
    notes: &'a [String],
    related: Vec<Related<'a>>,
    rule_id: &'a str,
    rule_name: &'a str,
    severity: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<Suppression<'a>>,
}

fn finding<'a>(
    db: &'a SourceDb,
    f: &'a Finding,
    fp: &'a str,
    suppression: Option<Suppression<'a>>,
) -> FindingOut<'a> {
    FindingOut {
        fingerprint: fp,
        help: &f.help,
        location: location_of(db, f.primary.file, f.primary.span),
        logical_path: &f.logical_path,
        message: &f.message,
        missing_path: &f.missing_path,
        notes: &f.notes,
        related: f.related.iter().map(|l| label(db, l)).collect(),
        rule_id: &f.rule_id,
        rule_name: &f.rule_name,
        severity: f.severity.as_str(),
        suppression,
    }
}

/// Everything but the findings and the suppressed findings (left as empty arrays, filled in by
/// [`render`]).
fn skeleton(report: &Report<'_>) -> Value {
    let db = report.db;
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
        "findings": [],
        "suppressed": [],
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
    let db = report.db;
    let text = serde_json::to_string_pretty(&skeleton(report))?;
    let findings: Vec<_> = report.findings.iter().zip(report.fingerprints).collect();
    let write_findings = |w: &mut dyn Write| {
        super::stream::write_array(w, &findings, 2, |(f, fp)| finding(db, f, fp, None))
    };
    let suppressed: Vec<&crate::suppress::Suppressed> = report.suppressed.iter().collect();
    let write_suppressed = |w: &mut dyn Write| {
        super::stream::write_array(w, &suppressed, 2, |s| {
            let sup = Suppression {
                justification: &s.justification,
                kind: s.kind.sarif(),
            };
            finding(db, &s.finding, &s.fingerprint, Some(sup))
        })
    };
    super::stream::splice(
        w,
        &text,
        &[
            ("\n  \"findings\": []", &write_findings as Part<'_>),
            ("\n  \"suppressed\": []", &write_suppressed),
        ],
    )?;
    writeln!(w)
}
