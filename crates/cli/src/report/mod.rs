//! `cutover report`: is each service ready to move?
//!
//! The report runs the same pipeline as `cutover check` ([`crate::pipeline::run_inspect`]: same
//! inputs, configuration, suppressions and baseline) and reads the services from the model
//! ([`collect`]). Each finding that is reported is then *attributed* ([`attribute`]) to the
//! services it is on, and each service gets a verdict from its findings: **blocked** (an
//! error), **needs work** (warnings, no error) or **ready**. Findings on no service are listed
//! once, as repository-wide.
//!
//! Formats: human (one screen per service, `--service` picks one), markdown (pull-request
//! comment, job summary), JSON (versioned, `schemas/readiness-report-v1.json`) and HTML (one
//! self-contained page).

pub mod attribute;
pub mod collect;
pub mod concern;
pub mod html;
pub mod human;
pub mod json;
pub mod markdown;
mod pairs;
mod parity;

use std::io::{self, Write};
use std::path::PathBuf;

use lint_engine::{Finding, Severity};

use crate::pipeline::{self, CheckOptions};
use crate::render::Report;

pub use collect::{ParityRow, Place, Side, Unit};

/// Output format of `cutover report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReportFormat {
    #[default]
    Human,
    Markdown,
    Json,
    Html,
}

/// What `cutover report` is told: the check options (inputs, configuration, selection,
/// baseline, `--fail-on`, colour) and the report's own.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    pub check: CheckOptions,
    pub format: ReportFormat,
    /// Only this service (by name, ECS address or Kubernetes `Kind/namespace/name`).
    pub service: Option<String>,
    pub output: Option<PathBuf>,
}

/// A service's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Ready,
    NeedsWork,
    Blocked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NeedsWork => "needs work",
            Verdict::Blocked => "blocked",
        }
    }

    /// Errors block, warnings need work; info findings change nothing.
    pub fn of(findings: &[&Finding]) -> Verdict {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::Error) => Verdict::Blocked,
            Some(Severity::Warning) => Verdict::NeedsWork,
            _ => Verdict::Ready,
        }
    }
}

/// One service of the report, with its findings (indices into the report's findings).
#[derive(Debug, Clone)]
pub struct Service {
    pub unit: Unit,
    pub verdict: Verdict,
    pub findings: Vec<usize>,
}

impl Service {
    /// Whether `--service NAME` names this service: its name, ECS address or family, or its
    /// Kubernetes `Kind/namespace/name`.
    pub fn is_named(&self, name: &str) -> bool {
        self.unit.name == name
            || [&self.unit.ecs, &self.unit.k8s]
                .into_iter()
                .flatten()
                .any(|s| s.id == name)
    }
}

/// The whole readiness report.
pub struct Readiness {
    pub services: Vec<Service>,
    /// Findings on no service.
    pub repository_wide: Vec<usize>,
}

impl Readiness {
    /// Attribute the findings to the services and judge each.
    pub fn build(units: Vec<Unit>, findings: &[Finding]) -> Readiness {
        let (per_unit, repository_wide) = attribute::attribute(&units, findings);
        let services = units
            .into_iter()
            .zip(per_unit)
            .map(|(mut unit, idx)| {
                let fs: Vec<&Finding> = idx.iter().filter_map(|&i| findings.get(i)).collect();
                for row in &mut unit.parity {
                    row.verdict = fs
                        .iter()
                        .filter(|f| f.rule_id == row.rule)
                        .filter(|f| {
                            row.topic.is_none_or(|t| {
                                f.logical_path.as_deref().is_none_or(|l| l.contains(t))
                            })
                        })
                        .filter(|f| {
                            row.container.as_deref().is_none_or(|c| {
                                f.logical_path.as_deref().is_none_or(|l| {
                                    !(l.contains("containers[") || l.contains("initContainers["))
                                        || l.contains(c)
                                })
                            })
                        })
                        .max_by_key(|f| f.severity)
                        .map_or_else(
                            || "ok".to_string(),
                            |f| format!("{} ({})", f.severity.as_str(), f.rule_id),
                        );
                }
                Service {
                    verdict: Verdict::of(&fs),
                    unit,
                    findings: idx,
                }
            })
            .collect();
        Readiness {
            services,
            repository_wide,
        }
    }

    /// Number of services of each verdict: (ready, needs work, blocked).
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |v| self.services.iter().filter(|s| s.verdict == v).count();
        (
            n(Verdict::Ready),
            n(Verdict::NeedsWork),
            n(Verdict::Blocked),
        )
    }
}

/// Findings of `idx` grouped by concern, in [`concern::CONCERNS`] order.
pub fn by_concern<'f>(
    idx: &[usize],
    findings: &'f [Finding],
) -> Vec<(&'static str, Vec<(usize, &'f Finding)>)> {
    let mut groups: Vec<(&'static str, Vec<(usize, &'f Finding)>)> = Vec::new();
    for &i in idx {
        let Some(f) = findings.get(i) else { continue };
        let c = concern::concern(&f.rule_id);
        match groups.iter_mut().find(|(g, _)| *g == c) {
            Some((_, v)) => v.push((i, f)),
            None => groups.push((c, vec![(i, f)])),
        }
    }
    groups.sort_by_key(|(c, _)| concern::rank(c));
    groups
}

/// The parity table of a service as rows of cells (aspect, ECS, Kubernetes, verdict); `value`
/// writes a side's value from its text and `file:line`, `none` stands for a side without one.
pub fn parity_cells(
    report: &Report<'_>,
    s: &Service,
    none: &str,
    value: impl Fn(&str, &str) -> String,
) -> Vec<[String; 4]> {
    let side = |x: &Option<(String, Place)>| match x {
        None => none.to_string(),
        Some((v, at)) => value(v, &location(report, *at)),
    };
    s.unit
        .parity
        .iter()
        .map(|p| {
            [
                p.aspect.clone(),
                side(&p.ecs),
                side(&p.k8s),
                p.verdict.clone(),
            ]
        })
        .collect()
}

/// `file:line` of a place.
pub fn location(report: &Report<'_>, p: Place) -> String {
    let f = report.db.get(p.file);
    format!("{}:{}", f.name, f.line_col(p.span.start).line)
}

/// `file:line` of a finding's primary label.
pub fn finding_location(report: &Report<'_>, f: &Finding) -> String {
    location(
        report,
        Place {
            file: f.primary.file,
            span: f.primary.span,
        },
    )
}

/// The source lines of a finding's primary label (at most five), with their numbers.
pub fn snippet(report: &Report<'_>, f: &Finding) -> Vec<(u32, String)> {
    let file = report.db.get(f.primary.file);
    let first = file.line_col(f.primary.span.start).line;
    let last = file.line_col(f.primary.span.end).line.min(first + 4);
    let lines: Vec<&str> = file.text.lines().collect();
    (first..=last)
        .filter_map(|n| {
            let l = lines.get((n as usize).checked_sub(1)?)?;
            Some((n, l.to_string()))
        })
        .collect()
}

/// `cutover report`: run, attribute, write; the exit code (as `check`'s).
pub fn report(opts: &ReportOptions) -> u8 {
    let (checked, units) = match pipeline::run_inspect(&opts.check, collect::collect) {
        Ok(c) => c,
        Err(e) => {
            e.print();
            return 2;
        }
    };
    let report = checked.report();
    let mut readiness = Readiness::build(units, report.findings);
    if let Some(name) = &opts.service {
        readiness.services.retain(|s| s.is_named(name));
        if readiness.services.is_empty() {
            eprintln!("error: no service named `{name}` in the inputs");
            eprintln!("  help: `cutover report` without `--service` lists every service");
            return 2;
        }
        readiness.repository_wide.clear();
    }
    if let Err(e) = write(opts, &readiness, &report) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {e}");
            return 2;
        }
    }
    for e in &checked.plugin_errors {
        eprintln!("{}", e.render());
    }
    for line in crate::render::concise::error_lines_of(&report) {
        eprintln!("{line}");
    }
    checked.exit_code(false)
}

fn write(opts: &ReportOptions, r: &Readiness, report: &Report<'_>) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    let color = opts.output.is_none()
        && opts.format == ReportFormat::Human
        && !matches!(
            pipeline::color_choice(opts.check.color),
            codespan_reporting::term::termcolor::ColorChoice::Never
        );
    match opts.format {
        ReportFormat::Human => human::render(&mut buf, r, report, color)?,
        ReportFormat::Markdown => markdown::render(&mut buf, r, report)?,
        ReportFormat::Json => json::render(&mut buf, r, report)?,
        ReportFormat::Html => html::render(&mut buf, r, report)?,
    }
    match &opts.output {
        Some(p) => std::fs::write(p, &buf),
        None => {
            let mut out = io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()
        }
    }
}
