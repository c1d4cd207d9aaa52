//! One line per finding, like ruff's `concise` format, for terminals, editors and `grep`:
//!
//! ```text
//! ecs/app.json:4:5: ECS001 [error] container `app` has no `stopTimeout`…
//! broken.yaml:5:4: input-error invalid YAML: …
//! ```
//!
//! Input errors come first, then findings in report order, then the summary line (left out by
//! `--quiet`). [`statistics`] is the `--statistics` view: one line per rule with its count.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{display_path, error_lines, span_lines, Report};

/// `path:line:col: input-error message` for each input error of the report.
pub fn error_lines_of(report: &Report<'_>) -> Vec<String> {
    report
        .errors
        .iter()
        .map(|e| {
            let name = display_path(&e.path);
            match error_lines(e) {
                Some((s, _)) => format!("{name}:{}:{}: input-error {}", s.line, s.col, e.message),
                None => format!("{name}: input-error {}", e.message),
            }
        })
        .collect()
}

/// The first line of a message (the rest is shown by the other formats).
fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

pub fn render(w: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    for line in error_lines_of(report) {
        writeln!(w, "{line}")?;
    }
    for f in report.findings {
        let file = &report.db.get(f.primary.file).name;
        let (s, _) = span_lines(report.db, f.primary.file, f.primary.span);
        writeln!(
            w,
            "{file}:{}:{}: {} [{}] {}",
            s.line,
            s.col,
            f.rule_id,
            f.severity.as_str(),
            first_line(&f.message)
        )?;
    }
    if !report.quiet {
        writeln!(w, "{}", super::human::summary_line(report))?;
    }
    Ok(())
}

/// `--statistics`: how many findings each rule has, most first, then the summary line.
///
/// ```text
///    12  K8S001   missing-resource-requests  [warning]
///     3  ECS001   missing-stop-timeout       [error]
/// ```
pub fn statistics(w: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    // (rule, severity) → count; a rule whose findings have several severities gets a line each.
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in report.findings {
        *counts
            .entry((f.rule_id.as_str(), f.severity.as_str()))
            .or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let name = |id: &str| {
        report
            .rules
            .iter()
            .find(|m| m.id == id)
            .map_or("", |m| m.name)
    };
    let width = rows
        .iter()
        .map(|((id, _), _)| name(id).len())
        .max()
        .unwrap_or(0);
    for ((id, sev), n) in &rows {
        writeln!(w, "{n:>6}  {id:<8} {:<width$}  [{sev}]", name(id))?;
    }
    for line in error_lines_of(report) {
        writeln!(w, "{line}")?;
    }
    if !report.quiet {
        writeln!(w, "{}", super::human::summary_line(report))?;
    }
    Ok(())
}
