//! `cutover report --format html`: one self-contained page (inline CSS, SVG and a little
//! JavaScript; nothing fetched). A summary bar of the verdicts, a sortable table of services,
//! and per service a collapsed section with its parity table and its findings with their
//! source lines. Sections stay closed until opened, so the page stays light at hundreds of
//! services.

use std::io::{self, Write};

use super::{by_concern, finding_location, location, snippet, Readiness, Service, Verdict};
use crate::render::Report;

/// Text escaped for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn class(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready => "ready",
        Verdict::NeedsWork => "needs-work",
        Verdict::Blocked => "blocked",
    }
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328}\
h1{font-size:22px}table{border-collapse:collapse;width:100%}\
th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}\
th{cursor:pointer;background:#f6f8fa;user-select:none}th:after{content:' \\2195';color:#8c959f}\
.v{font-weight:600;border-radius:10px;padding:0 8px;white-space:nowrap}\
.ready{background:#dafbe1;color:#116329}.needs-work{background:#fff8c5;color:#7d4e00}\
.blocked{background:#ffebe9;color:#a40e26}code,pre{font:12px ui-monospace,monospace}\
pre{background:#f6f8fa;padding:6px;margin:4px 0 8px;overflow-x:auto}\
details{border:1px solid #d0d7de;border-radius:6px;margin:6px 0;padding:4px 8px}\
summary{cursor:pointer}.loc{color:#57606a;word-break:break-all}td code{word-break:break-all}.counts span{margin-right:16px}";

const SCRIPT: &str = "document.querySelectorAll('th[data-col]').forEach(function(th){\
th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0],\
c=+th.dataset.col,d=th.dataset.dir==='asc'?'desc':'asc';th.dataset.dir=d;\
var rows=Array.prototype.slice.call(b.rows);rows.sort(function(x,y){\
var a=x.cells[c].dataset.key||x.cells[c].textContent,z=y.cells[c].dataset.key||y.cells[c].textContent;\
var n=parseFloat(a)-parseFloat(z);var r=isNaN(n)?a.localeCompare(z):n;return d==='asc'?r:-r;});\
rows.forEach(function(r){b.appendChild(r);});});});\
document.querySelectorAll('a[data-open]').forEach(function(a){a.addEventListener('click',function(){\
var d=document.getElementById(a.dataset.open);if(d){d.open=true;}});});";

fn summary_bar(w: &mut dyn Write, r: &Readiness) -> io::Result<()> {
    let (ready, needs, blocked) = r.counts();
    let total = (ready + needs + blocked).max(1) as f64;
    writeln!(
        w,
        "<p class=\"counts\"><span>services: <b id=\"count-services\">{}</b></span>\
<span class=\"v ready\">ready: <b id=\"count-ready\">{ready}</b></span>\
<span class=\"v needs-work\">needs work: <b id=\"count-needs-work\">{needs}</b></span>\
<span class=\"v blocked\">blocked: <b id=\"count-blocked\">{blocked}</b></span></p>",
        r.services.len()
    )?;
    write!(
        w,
        "<svg width=\"600\" height=\"18\" role=\"img\" aria-label=\"verdicts\">"
    )?;
    let mut x = 0.0;
    for (n, color) in [(ready, "#2da44e"), (needs, "#d4a72c"), (blocked, "#cf222e")] {
        let width = 600.0 * n as f64 / total;
        write!(
            w,
            "<rect x=\"{x:.1}\" y=\"0\" width=\"{width:.1}\" height=\"18\" fill=\"{color}\"/>"
        )?;
        x += width;
    }
    writeln!(w, "</svg>")
}

fn details(w: &mut dyn Write, i: usize, s: &Service, report: &Report<'_>) -> io::Result<()> {
    writeln!(
        w,
        "<details id=\"svc-{i}\"><summary><b>{}</b> <span class=\"v {}\">{}</span></summary>",
        esc(&s.unit.name),
        class(s.verdict),
        s.verdict.as_str()
    )?;
    if let Some(how) = s.unit.paired_by {
        writeln!(w, "<p>Paired by {how}.</p>")?;
    }
    if !s.unit.parity.is_empty() {
        writeln!(
            w,
            "<table><thead><tr><th>Aspect</th><th>ECS</th><th>Kubernetes</th><th>Parity</th></tr></thead><tbody>"
        )?;
        let rows = super::parity_cells(report, s, "—", |v, at| {
            format!(
                "<code>{}</code> <span class=\"loc\">{}</span>",
                esc(v),
                esc(at)
            )
        });
        for [aspect, ecs, k8s, verdict] in rows {
            writeln!(
                w,
                "<tr><td>{}</td><td>{ecs}</td><td>{k8s}</td><td>{}</td></tr>",
                esc(&aspect),
                esc(&verdict)
            )?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    if s.findings.is_empty() {
        writeln!(w, "<p>No finding.</p>")?;
    }
    for (concern, fs) in by_concern(&s.findings, report.findings) {
        writeln!(w, "<h4>{}</h4>", esc(concern))?;
        for (_, f) in fs {
            writeln!(
                w,
                "<div><b>{}</b> <code>{}</code> {} <span class=\"loc\">{}</span></div>",
                f.severity.as_str(),
                esc(&f.rule_id),
                esc(&f.message),
                esc(&finding_location(report, f))
            )?;
            let lines: Vec<String> = snippet(report, f)
                .into_iter()
                .map(|(n, l)| format!("{n:>4} | {}", esc(&l)))
                .collect();
            if !lines.is_empty() {
                writeln!(w, "<pre>{}</pre>", lines.join("\n"))?;
            }
        }
    }
    writeln!(w, "</details>")
}

pub fn render(w: &mut dyn Write, r: &Readiness, report: &Report<'_>) -> io::Result<()> {
    writeln!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width\"><title>cutover: migration readiness</title>\
<style>{STYLE}</style></head><body>\n<h1>Migration readiness</h1>"
    )?;
    summary_bar(w, r)?;
    writeln!(
        w,
        "<table id=\"services\"><thead><tr><th data-col=\"0\">Service</th><th data-col=\"1\">Verdict</th>\
<th data-col=\"2\">ECS</th><th data-col=\"3\">Kubernetes</th><th data-col=\"4\">Errors</th>\
<th data-col=\"5\">Warnings</th></tr></thead><tbody>"
    )?;
    for (i, s) in r.services.iter().enumerate() {
        let n = |sev| {
            s.findings
                .iter()
                .filter_map(|&i| report.findings.get(i))
                .filter(|f| f.severity == sev)
                .count()
        };
        let side = |x: &Option<super::Side>| match x {
            None => "—".to_string(),
            Some(s) => format!(
                "<code>{}</code> <span class=\"loc\">{}</span>",
                esc(&s.id),
                esc(&location(report, s.at))
            ),
        };
        writeln!(
            w,
            "<tr data-service=\"{name}\" data-verdict=\"{cls}\"><td><a href=\"#svc-{i}\" data-open=\"svc-{i}\">{name}</a></td>\
<td data-key=\"{rank}\"><span class=\"v {cls}\">{verdict}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            side(&s.unit.ecs),
            side(&s.unit.k8s),
            n(lint_engine::Severity::Error),
            n(lint_engine::Severity::Warning),
            name = esc(&s.unit.name),
            cls = class(s.verdict),
            rank = s.verdict as u8,
            verdict = s.verdict.as_str(),
        )?;
    }
    writeln!(w, "</tbody></table>\n<h2>Services</h2>")?;
    for (i, s) in r.services.iter().enumerate() {
        details(w, i, s, report)?;
    }
    if !r.repository_wide.is_empty() {
        writeln!(w, "<h2>Repository-wide</h2><ul id=\"repository-wide\">")?;
        for f in r
            .repository_wide
            .iter()
            .filter_map(|&i| report.findings.get(i))
        {
            writeln!(
                w,
                "<li><b>{}</b> <code>{}</code> {} <span class=\"loc\">{}</span></li>",
                f.severity.as_str(),
                esc(&f.rule_id),
                esc(&f.message),
                esc(&finding_location(report, f))
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    writeln!(w, "<script>{SCRIPT}</script>\n</body></html>")
}
