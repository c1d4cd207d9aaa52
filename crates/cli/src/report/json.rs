//! `cutover report --format json`, version 1 (`schemas/readiness-report-v1.json`).
//!
//! The report is serialized straight from borrowed structs: building a `serde_json::Value` tree
//! first cost one allocation per key and value, which at thousands of services took longer than
//! the rest of the report. Fields are declared in alphabetical order, the order the report has
//! always had (it was written from sorted JSON maps), so the bytes are unchanged.

use std::io::{self, Write};

use lint_engine::Finding;
use serde::Serialize;

use super::{by_concern, collect::Side, Place, Readiness};
use crate::render::Report;

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    line: u32,
}

fn place<'a>(report: &Report<'a>, p: Place) -> Location<'a> {
    let f = report.db.get(p.file);
    Location {
        file: &f.name,
        line: f.line_col(p.span.start).line,
    }
}

#[derive(Serialize)]
struct SideOut<'a> {
    file: &'a str,
    id: &'a str,
    kind: &'a str,
    line: u32,
}

fn side<'a>(report: &Report<'a>, s: &'a Option<Side>) -> Option<SideOut<'a>> {
    s.as_ref().map(|s| {
        let at = place(report, s.at);
        SideOut {
            file: at.file,
            id: &s.id,
            kind: &s.kind,
            line: at.line,
        }
    })
}

#[derive(Serialize)]
struct FindingOut<'a> {
    column: u32,
    end_column: u32,
    end_line: u32,
    file: &'a str,
    line: u32,
    message: &'a str,
    rule: &'a str,
    severity: &'static str,
}

fn finding<'a>(report: &Report<'a>, f: &'a Finding) -> FindingOut<'a> {
    let file = report.db.get(f.primary.file);
    let (s, e) = (
        file.line_col(f.primary.span.start),
        file.line_col(f.primary.span.end),
    );
    FindingOut {
        column: s.col,
        end_column: e.col,
        end_line: e.line,
        file: &file.name,
        line: s.line,
        message: &f.message,
        rule: &f.rule_id,
        severity: f.severity.as_str(),
    }
}

#[derive(Serialize)]
struct Value<'a> {
    file: &'a str,
    line: u32,
    value: &'a str,
}

#[derive(Serialize)]
struct ParityOut<'a> {
    aspect: &'a str,
    ecs: Option<Value<'a>>,
    kubernetes: Option<Value<'a>>,
    verdict: &'a str,
}

#[derive(Serialize)]
struct ConcernOut<'a> {
    concern: &'static str,
    findings: Vec<FindingOut<'a>>,
}

#[derive(Serialize)]
struct ServiceOut<'a> {
    concerns: Vec<ConcernOut<'a>>,
    ecs: Option<SideOut<'a>>,
    kubernetes: Option<SideOut<'a>>,
    name: &'a str,
    paired_by: Option<&'static str>,
    parity: Vec<ParityOut<'a>>,
    verdict: &'static str,
}

#[derive(Serialize)]
struct Summary {
    blocked: usize,
    needs_work: usize,
    ready: usize,
    repository_wide: usize,
    services: usize,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct ReportOut<'a> {
    repository_wide: Vec<FindingOut<'a>>,
    services: Vec<ServiceOut<'a>>,
    summary: Summary,
    tool: Tool,
    version: u32,
}

fn to_out<'a>(r: &'a Readiness, report: &Report<'a>) -> ReportOut<'a> {
    let (ready, needs_work, blocked) = r.counts();
    let services: Vec<ServiceOut<'a>> = r
        .services
        .iter()
        .map(|s| {
            let val = |x: &'a Option<(String, Place)>| {
                x.as_ref().map(|(v, at)| {
                    let at = place(report, *at);
                    Value {
                        file: at.file,
                        line: at.line,
                        value: v,
                    }
                })
            };
            let parity = s
                .unit
                .parity
                .iter()
                .map(|p| ParityOut {
                    aspect: &p.aspect,
                    ecs: val(&p.ecs),
                    kubernetes: val(&p.k8s),
                    verdict: &p.verdict,
                })
                .collect();
            let concerns = by_concern(&s.findings, report.findings)
                .into_iter()
                .map(|(c, fs)| ConcernOut {
                    concern: c,
                    findings: fs.iter().map(|(_, f)| finding(report, f)).collect(),
                })
                .collect();
            ServiceOut {
                concerns,
                ecs: side(report, &s.unit.ecs),
                kubernetes: side(report, &s.unit.k8s),
                name: &s.unit.name,
                paired_by: s.unit.paired_by,
                parity,
                verdict: s.verdict.as_str(),
            }
        })
        .collect();
    let wide: Vec<FindingOut<'a>> = r
        .repository_wide
        .iter()
        .filter_map(|&i| report.findings.get(i))
        .map(|f| finding(report, f))
        .collect();
    ReportOut {
        summary: Summary {
            blocked,
            needs_work,
            ready,
            repository_wide: wide.len(),
            services: r.services.len(),
        },
        repository_wide: wide,
        services,
        tool: Tool {
            name: "cutover",
            version: env!("CARGO_PKG_VERSION"),
        },
        version: 1,
    }
}

pub fn render(w: &mut dyn Write, r: &Readiness, report: &Report<'_>) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &to_out(r, report))?;
    writeln!(w)
}
