//! `cutover report --format json`, version 1 (`schemas/readiness-report-v1.json`).

use std::io::{self, Write};

use lint_engine::Finding;
use serde_json::{json, Value};

use super::{by_concern, collect::Side, Place, Readiness};
use crate::render::Report;

fn place(report: &Report<'_>, p: Place) -> Value {
    let f = report.db.get(p.file);
    json!({"file": f.name, "line": f.line_col(p.span.start).line})
}

fn side(report: &Report<'_>, s: &Option<Side>) -> Value {
    match s {
        None => Value::Null,
        Some(s) => {
            let mut v = place(report, s.at);
            v["kind"] = json!(s.kind);
            v["id"] = json!(s.id);
            v
        }
    }
}

fn finding(report: &Report<'_>, f: &Finding) -> Value {
    let file = report.db.get(f.primary.file);
    let (s, e) = (
        file.line_col(f.primary.span.start),
        file.line_col(f.primary.span.end),
    );
    json!({
        "rule": f.rule_id,
        "severity": f.severity.as_str(),
        "message": f.message,
        "file": file.name,
        "line": s.line, "column": s.col, "end_line": e.line, "end_column": e.col,
    })
}

/// The report as one JSON value.
pub fn to_value(r: &Readiness, report: &Report<'_>) -> Value {
    let (ready, needs_work, blocked) = r.counts();
    let services: Vec<Value> = r
        .services
        .iter()
        .map(|s| {
            let parity: Vec<Value> = s
                .unit
                .parity
                .iter()
                .map(|p| {
                    let val = |x: &Option<(String, Place)>| match x {
                        None => Value::Null,
                        Some((v, at)) => {
                            let mut o = place(report, *at);
                            o["value"] = json!(v);
                            o
                        }
                    };
                    json!({"aspect": p.aspect, "ecs": val(&p.ecs), "kubernetes": val(&p.k8s),
                        "verdict": p.verdict})
                })
                .collect();
            let concerns: Vec<Value> = by_concern(&s.findings, report.findings)
                .into_iter()
                .map(|(c, fs)| {
                    json!({"concern": c,
                        "findings": fs.iter().map(|(_, f)| finding(report, f)).collect::<Vec<_>>()})
                })
                .collect();
            json!({
                "name": s.unit.name,
                "verdict": s.verdict.as_str(),
                "ecs": side(report, &s.unit.ecs),
                "kubernetes": side(report, &s.unit.k8s),
                "paired_by": s.unit.paired_by,
                "parity": parity,
                "concerns": concerns,
            })
        })
        .collect();
    let wide: Vec<Value> = r
        .repository_wide
        .iter()
        .filter_map(|&i| report.findings.get(i))
        .map(|f| finding(report, f))
        .collect();
    json!({
        "version": 1,
        "tool": {"name": "cutover", "version": env!("CARGO_PKG_VERSION")},
        "summary": {"services": r.services.len(), "ready": ready, "needs_work": needs_work,
            "blocked": blocked, "repository_wide": wide.len()},
        "services": services,
        "repository_wide": wide,
    })
}

pub fn render(w: &mut dyn Write, r: &Readiness, report: &Report<'_>) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &to_value(r, report))?;
    writeln!(w)
}
