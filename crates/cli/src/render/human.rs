//! Human output: codespan-reporting diagnostics with source snippets and labels across files.

use std::io;

use codespan_reporting::diagnostic::{Diagnostic, Label, LabelStyle, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::WriteColor};

use super::{display_path, Report};
use lint_engine::Severity;

fn cs_severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    }
}

pub fn render(w: &mut dyn WriteColor, report: &Report<'_>) -> io::Result<()> {
    let mut files = SimpleFiles::new();
    for f in report.db.iter() {
        files.add(f.name.clone(), f.text.as_str());
    }
    let config = term::Config::default();
    let map_err = |e: codespan_reporting::files::Error| io::Error::other(e.to_string());

    for e in report.errors {
        let name = display_path(&e.path);
        match (&e.text, e.span) {
            (Some(text), Some(span)) => {
                let id = files.add(name, text.as_str());
                let d = Diagnostic::error()
                    .with_code("input-error")
                    .with_message(&e.message)
                    .with_labels(vec![Label::primary(id, span.range())]);
                term::emit_to_write_style(w, &config, &files, &d).map_err(map_err)?;
            }
            _ => {
                let d = Diagnostic::error()
                    .with_code("input-error")
                    .with_message(format!("{name}: {}", e.message));
                term::emit_to_write_style(w, &config, &files, &d).map_err(map_err)?;
            }
        }
    }

    for f in report.findings {
        let mut labels = vec![
            Label::primary(f.primary.file.0 as usize, f.primary.span.range())
                .with_message(&f.primary.message),
        ];
        for r in &f.related {
            labels.push(
                Label::new(LabelStyle::Secondary, r.file.0 as usize, r.span.range())
                    .with_message(&r.message),
            );
        }
        let mut notes = Vec::new();
        if let Some(m) = &f.missing_path {
            notes.push(format!("missing: `{m}`"));
        }
        notes.extend(f.notes.iter().cloned());
        if let Some(h) = &f.help {
            notes.push(format!("help: {h}"));
        }
        let d = Diagnostic::new(cs_severity(f.severity))
            .with_code(format!("{}/{}", f.rule_id, f.rule_name))
            .with_message(&f.message)
            .with_labels(labels)
            .with_notes(notes);
        term::emit_to_write_style(w, &config, &files, &d).map_err(map_err)?;
    }

    for s in report.skipped.iter().filter(|s| s.note || report.verbose) {
        writeln!(w, "note: skipped {}: {}", display_path(&s.path), s.reason)?;
    }

    let (e, wn, i) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    );
    let total = report.findings.len();
    let files = report.db.files.len();
    let plural = |n: usize, s: &str| format!("{n} {s}{}", if n == 1 { "" } else { "s" });
    if total == 0 && report.errors.is_empty() {
        writeln!(w, "No findings in {}.", plural(files, "file"))?;
    } else {
        let mut line = format!(
            "Found {} ({} error, {} warning, {} info) in {} checked",
            plural(total, "finding"),
            e,
            wn,
            i,
            plural(files, "file"),
        );
        if !report.errors.is_empty() {
            line.push_str(&format!(
                "; {} could not be read",
                plural(report.errors.len(), "input")
            ));
        }
        line.push('.');
        writeln!(w, "{line}")?;
    }
    let hidden = report.suppressed.len() + report.baselined.unwrap_or(0);
    if hidden > 0 {
        writeln!(
            w,
            "Not shown: {} suppressed, {} in the baseline.",
            report.suppressed.len(),
            report.baselined.unwrap_or(0)
        )?;
    }
    Ok(())
}
