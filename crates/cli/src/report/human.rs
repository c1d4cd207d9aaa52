//! `cutover report` for a person at a terminal: one block per service, colours only on a
//! terminal; `--service NAME` shows one service with the source of each finding.

use std::io::{self, Write};

use super::{by_concern, finding_location, location, snippet, Readiness, Service, Verdict};
use crate::render::Report;

struct Paint(bool);

impl Paint {
    fn verdict(&self, v: Verdict) -> String {
        let code = match v {
            Verdict::Ready => "32",
            Verdict::NeedsWork => "33",
            Verdict::Blocked => "31",
        };
        self.code(code, v.as_str())
    }
    fn bold(&self, s: &str) -> String {
        self.code("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.code("2", s)
    }
    fn code(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn service(
    w: &mut dyn Write,
    s: &Service,
    report: &Report<'_>,
    paint: &Paint,
    snippets: bool,
) -> io::Result<()> {
    writeln!(
        w,
        "{}: {}",
        paint.bold(&s.unit.name),
        paint.verdict(s.verdict)
    )?;
    for (label, side) in [("ECS", &s.unit.ecs), ("Kubernetes", &s.unit.k8s)] {
        if let Some(side) = side {
            // Kubernetes IDs (`Deployment/shop/orders`) already start with their kind.
            let what = if side.id.starts_with(&format!("{}/", side.kind)) {
                side.id.clone()
            } else {
                format!("{} {}", side.kind, side.id)
            };
            writeln!(w, "  {label}: {what} ({})", location(report, side.at))?;
        }
    }
    if let Some(how) = s.unit.paired_by {
        writeln!(w, "  paired by {how}")?;
    }
    if !s.unit.parity.is_empty() {
        writeln!(w, "  parity:")?;
        for [aspect, ecs, k8s, verdict] in
            super::parity_cells(report, s, "-", |v, at| format!("{v} ({at})"))
        {
            writeln!(w, "    {aspect:<20} {ecs}  <->  {k8s}  [{verdict}]")?;
        }
    }
    for (concern, fs) in by_concern(&s.findings, report.findings) {
        writeln!(w, "  {concern}:")?;
        for (_, f) in fs {
            writeln!(
                w,
                "    {} {} {} {}",
                f.severity.as_str(),
                f.rule_id,
                f.message,
                paint.dim(&format!("({})", finding_location(report, f)))
            )?;
            if snippets {
                for (n, line) in snippet(report, f) {
                    writeln!(w, "      {} | {line}", paint.dim(&format!("{n:>4}")))?;
                }
            }
        }
    }
    Ok(())
}

pub fn render(
    w: &mut dyn Write,
    r: &Readiness,
    report: &Report<'_>,
    color: bool,
) -> io::Result<()> {
    let paint = Paint(color);
    let one = r.services.len() == 1 && r.repository_wide.is_empty();
    for (i, s) in r.services.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        service(w, s, report, &paint, one)?;
    }
    if !r.repository_wide.is_empty() {
        writeln!(w, "\n{}:", paint.bold("repository-wide"))?;
        for f in r
            .repository_wide
            .iter()
            .filter_map(|&i| report.findings.get(i))
        {
            writeln!(
                w,
                "    {} {} {} {}",
                f.severity.as_str(),
                f.rule_id,
                f.message,
                paint.dim(&format!("({})", finding_location(report, f)))
            )?;
        }
    }
    let (ready, needs, blocked) = r.counts();
    writeln!(
        w,
        "\n{} service{}: {ready} {}, {needs} {}, {blocked} {}",
        r.services.len(),
        if r.services.len() == 1 { "" } else { "s" },
        paint.verdict(Verdict::Ready),
        paint.verdict(Verdict::NeedsWork),
        paint.verdict(Verdict::Blocked)
    )
}
