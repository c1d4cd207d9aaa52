//! GitHub Actions workflow commands, one annotation per finding:
//!
//! ```text
//! ::warning file=ecs/app.json,line=4,endLine=4,col=5,endColumn=18,title=cutover (ECS001)::container `app` has no `stopTimeout`…
//! ```
//!
//! `error`/`warning`/`notice` follow the severity. Data is escaped (`%`, CR, LF) and so are
//! properties (also `:` and `,`). `col`/`endColumn` are left out when a span crosses lines, as
//! GitHub then ignores or misplaces them. Paths are relative to the repository, whatever the
//! working directory: to `$GITHUB_WORKSPACE` (the checkout) in a workflow, else to the nearest
//! directory holding `.git` above the working directory ([`base`]), so that annotations attach to
//! the files even when cutover runs in a subdirectory. Suppressed and baselined findings are not
//! annotated. [`step_summary`] renders the markdown appended to `$GITHUB_STEP_SUMMARY`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{display_path, error_lines, span_lines, RelPaths, Report};
use lint_engine::Severity;

/// Escape the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// `file=…,line=…,endLine=…[,col=…,endColumn=…]`.
pub fn position(file: &str, start: (u32, u32), end: (u32, u32)) -> String {
    let mut p = format!(
        "file={},line={},endLine={}",
        escape_property(file),
        start.0,
        end.0
    );
    if start.0 == end.0 {
        let _ = write!(p, ",col={},endColumn={}", start.1, end.1.max(start.1));
    }
    p
}

/// The directory annotation paths are relative to: `$GITHUB_WORKSPACE`, else the git checkout
/// holding the working directory; `None` outside both (paths are then shown as elsewhere).
pub fn base() -> Option<std::path::PathBuf> {
    if let Some(ws) = std::env::var_os("GITHUB_WORKSPACE").filter(|w| !w.is_empty()) {
        return Some(crate::suppress::absolute(std::path::Path::new(&ws)));
    }
    let mut dir = crate::suppress::absolute(&std::env::current_dir().ok()?);
    loop {
        if dir.join(".git").exists() {
            return Some(dir);
        }
        if !dir.pop() {
            return None;
        }
    }
}

pub fn render(w: &mut dyn Write, report: &Report<'_>) -> io::Result<()> {
    let base = base();
    let paths = RelPaths::new(report.db, base.as_deref());
    for e in report.errors {
        let name = base
            .as_deref()
            .and_then(|b| crate::suppress::relative_to_absolute(&e.path, b))
            .unwrap_or_else(|| display_path(&e.path));
        let pos = match error_lines(e) {
            Some((s, en)) => position(&name, (s.line, s.col), (en.line, en.col)),
            None => format!("file={}", escape_property(&name)),
        };
        writeln!(
            w,
            "::error {pos},title={}::{}",
            escape_property("cutover (input error)"),
            escape_data(&e.message)
        )?;
    }
    for f in report.findings {
        let file = paths.get(f.primary.file);
        let (s, e) = span_lines(report.db, f.primary.file, f.primary.span);
        let mut msg = f.message.clone();
        if let Some(h) = &f.help {
            msg.push_str("\nhelp: ");
            msg.push_str(h);
        }
        writeln!(
            w,
            "::{} {},title={}::{}",
            command(f.severity),
            position(&file, (s.line, s.col), (e.line, e.col)),
            escape_property(&format!("cutover ({})", f.rule_id)),
            escape_data(&msg)
        )?;
    }
    Ok(())
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// Markdown for the job summary: counts by rule and severity, then the first findings with
/// links to the rule docs.
pub fn step_summary(report: &Report<'_>) -> String {
    const TOP: usize = 20;
    let base = base();
    let paths = RelPaths::new(report.db, base.as_deref());
    let mut md = String::from("## cutover\n\n");
    let total = report.findings.len();
    if total == 0 && report.errors.is_empty() {
        let _ = writeln!(md, "No findings in {} file(s).", report.db.files.len());
    } else {
        let _ = writeln!(
            md,
            "**{total}** finding(s): {} error, {} warning, {} info; {} input error(s).\n",
            report.count(Severity::Error),
            report.count(Severity::Warning),
            report.count(Severity::Info),
            report.errors.len()
        );
    }
    if !report.suppressed.is_empty() || report.baselined.is_some_and(|n| n > 0) {
        let _ = writeln!(
            md,
            "Not shown: {} suppressed, {} in the baseline.\n",
            report.suppressed.len(),
            report.baselined.unwrap_or(0)
        );
    }
    if total > 0 {
        let mut by_rule: BTreeMap<(&str, &str), [usize; 3]> = BTreeMap::new();
        for f in report.findings {
            let c = by_rule
                .entry((f.rule_id.as_str(), f.rule_name.as_str()))
                .or_default();
            c[match f.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
            }] += 1;
        }
        md.push_str("| Rule | Error | Warning | Info |\n|---|---:|---:|---:|\n");
        for ((id, name), c) in &by_rule {
            let link = report
                .rules
                .iter()
                .find(|m| m.id == *id)
                .and_then(|m| cutover_rules::help_url(m));
            let rule = match link {
                Some(u) => format!("[{id}]({u}) {name}"),
                None => format!("{id} {name}"),
            };
            let _ = writeln!(md, "| {} | {} | {} | {} |", rule, c[0], c[1], c[2]);
        }
        md.push('\n');
        let mut sorted: Vec<_> = report.findings.iter().collect();
        sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let _ = writeln!(
            md,
            "### Top findings\n\n| Severity | Rule | Location | Message |\n|---|---|---|---|"
        );
        for f in sorted.iter().take(TOP) {
            let (s, _) = span_lines(report.db, f.primary.file, f.primary.span);
            let _ = writeln!(
                md,
                "| {} | {} | `{}:{}` | {} |",
                f.severity,
                f.rule_id,
                cell(&paths.get(f.primary.file)),
                s.line,
                cell(&f.message)
            );
        }
        if total > TOP {
            let _ = writeln!(md, "\n…and {} more.", total - TOP);
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        // `:` and `,` stay as they are in the message.
        assert_eq!(escape_data("a: b, c"), "a: b, c");
    }

    #[test]
    fn col_only_on_single_line_spans() {
        assert_eq!(
            position("a.json", (3, 5), (3, 9)),
            "file=a.json,line=3,endLine=3,col=5,endColumn=9"
        );
        assert_eq!(
            position("dir,x/a:b.yaml", (3, 5), (4, 2)),
            "file=dir%2Cx/a%3Ab.yaml,line=3,endLine=4"
        );
    }
}
