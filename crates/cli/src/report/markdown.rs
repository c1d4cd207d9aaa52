//! `cutover report --format markdown`: a pull-request comment or a GitHub job summary.

use std::io::{self, Write};

use super::{by_concern, finding_location, location, Readiness, Service, Verdict};
use crate::render::Report;

/// Text for a table cell: no line breaks, `|` escaped.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn badge(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready => "🟢 ready",
        Verdict::NeedsWork => "🟡 needs work",
        Verdict::Blocked => "🔴 blocked",
    }
}

fn side(report: &Report<'_>, s: &Option<super::Side>) -> String {
    match s {
        None => "—".into(),
        Some(s) => format!("`{}` ({})", cell(&s.id), location(report, s.at)),
    }
}

fn service(w: &mut dyn Write, s: &Service, report: &Report<'_>) -> io::Result<()> {
    writeln!(
        w,
        "<details><summary><b>{}</b>: {}</summary>\n",
        super::html::esc(&s.unit.name),
        badge(s.verdict)
    )?;
    if let Some(how) = s.unit.paired_by {
        writeln!(w, "Paired by {how}.\n")?;
    }
    if !s.unit.parity.is_empty() {
        writeln!(
            w,
            "| Aspect | ECS | Kubernetes | Parity |\n|---|---|---|---|"
        )?;
        let rows = super::parity_cells(report, s, "—", |v, at| format!("`{}` ({at})", cell(v)));
        for row in rows {
            writeln!(w, "| {} |", row.join(" | "))?;
        }
        writeln!(w)?;
    }
    if s.findings.is_empty() {
        writeln!(w, "No finding.\n")?;
    }
    for (concern, fs) in by_concern(&s.findings, report.findings) {
        writeln!(w, "**{concern}**\n")?;
        for (_, f) in fs {
            writeln!(
                w,
                "- {} `{}` {} ({})",
                f.severity.as_str(),
                f.rule_id,
                f.message,
                finding_location(report, f)
            )?;
        }
        writeln!(w)?;
    }
    writeln!(w, "</details>\n")
}

pub fn render(w: &mut dyn Write, r: &Readiness, report: &Report<'_>) -> io::Result<()> {
    let (ready, needs, blocked) = r.counts();
    writeln!(w, "## Migration readiness\n")?;
    writeln!(
        w,
        "{} services: **{ready} ready**, **{needs} {} work**, **{blocked} blocked**.\n",
        r.services.len(),
        if needs == 1 { "needs" } else { "need" }
    )?;
    writeln!(
        w,
        "| Service | ECS | Kubernetes | Verdict | Errors | Warnings |\n|---|---|---|---|---|---|"
    )?;
    for s in &r.services {
        let n = |sev| {
            s.findings
                .iter()
                .filter_map(|&i| report.findings.get(i))
                .filter(|f| f.severity == sev)
                .count()
        };
        writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&s.unit.name),
            side(report, &s.unit.ecs),
            side(report, &s.unit.k8s),
            badge(s.verdict),
            n(lint_engine::Severity::Error),
            n(lint_engine::Severity::Warning)
        )?;
    }
    writeln!(w)?;
    for s in &r.services {
        service(w, s, report)?;
    }
    if !r.repository_wide.is_empty() {
        writeln!(w, "### Repository-wide\n")?;
        for f in r
            .repository_wide
            .iter()
            .filter_map(|&i| report.findings.get(i))
        {
            writeln!(
                w,
                "- {} `{}` {} ({})",
                f.severity.as_str(),
                f.rule_id,
                f.message,
                finding_location(report, f)
            )?;
        }
    }
    Ok(())
}
