//! Suppressions: one syntax for every input format.
//!
//! * YAML comments: `# cutover: ignore[ECS001] reason` at the end of the flagged line, or alone on
//!   the line above it (stacked suppression comments all apply to the next line of content);
//!   `# cutover: ignore-file[K8S001] reason` anywhere in the file applies to the whole file.
//! * Kubernetes annotation on the object:
//!   `cutover.dev/ignore: "K8S001: reason"` (one `RULES: reason` entry per line).
//! * `cutover.toml`: `[[ignore]] path = "ecs/*.json" rule = "ECS001" reason = "…"
//!   expires = 2027-01-31`, for every format and the only way for JSON (no comments).
//!
//! Rules are named by ID or name, comma-separated. A reason is required. An inline suppression
//! may end with `expires=YYYY-MM-DD`; from that date on it no longer suppresses and is reported.
//! A suppression that is not applied (no finding matched it, no reason, expired, unknown rule) is
//! reported as `LNT001 unused-suppression`, for enabled rules only.
//! Suppressed findings are kept, with their suppression, for SARIF `suppressions`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lint_engine::model::Model;
use lint_engine::source::{Encoding, LineIndex};
use lint_engine::{FileId, FileKind, Finding, Label, SourceDb, SourceFile, Span};

use crate::render::RelPaths;

/// Annotation key for Kubernetes objects.
pub const ANNOTATION: &str = "cutover.dev/ignore";
/// The unused-suppression rule.
pub const LNT001: &str = "LNT001";

/// A calendar date (proleptic Gregorian), compared as (year, month, day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let year: i32 = it.next()?.parse().ok()?;
        let month: u32 = it.next()?.parse().ok()?;
        let day: u32 = it.next()?.parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Date { year, month, day })
    }

    /// Today in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Date::from_days((secs / 86_400) as i64)
    }

    /// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    pub fn from_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Written in the linted file (comment or annotation): SARIF `inSource`.
    InSource,
    /// Written in `cutover.toml`: SARIF `external`.
    External,
}

impl Kind {
    pub fn sarif(self) -> &'static str {
        match self {
            Kind::InSource => "inSource",
            Kind::External => "external",
        }
    }
}

/// What a suppression covers.
#[derive(Debug, Clone)]
enum Scope {
    /// Findings starting on one of these 0-based lines of a file.
    Line {
        file: FileId,
        line: usize,
    },
    File(FileId),
    /// Findings whose primary span lies inside this span (a Kubernetes object).
    Object {
        file: FileId,
        span: Span,
    },
    /// Files whose path relative to the configuration's directory matches.
    Paths(globset::GlobSet),
}

/// Where a suppression is written.
#[derive(Debug, Clone)]
pub enum Origin {
    Source {
        file: FileId,
        span: Span,
    },
    /// `cutover.toml` (not a linted file); `span` is into its text.
    Config {
        span: Option<Span>,
    },
}

/// One rule named by one suppression.
#[derive(Debug, Clone)]
struct Entry {
    /// Resolved rule ID, or `None` for an unknown name (kept to report it).
    rule: Option<&'static str>,
    written: String,
    used: bool,
}

#[derive(Debug, Clone)]
pub struct Suppression {
    pub kind: Kind,
    pub reason: String,
    pub origin: Origin,
    scope: Scope,
    entries: Vec<Entry>,
    /// Expired or without a reason: reported, never applied.
    invalid: Option<String>,
}

/// A finding hidden by a suppression (kept for SARIF).
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub kind: Kind,
    pub justification: String,
    /// Set once every suppression has been applied.
    pub fingerprint: String,
}

/// Where `cutover.toml` entries live and how paths are matched against them.
pub struct ConfigSource<'c> {
    pub path: &'c Path,
    pub text: &'c str,
    pub entries: &'c [crate::config::IgnoreEntry],
}

fn resolve_rules(list: &str) -> Vec<Entry> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|w| Entry {
            rule: crate::select::find_rule(w).map(|r| r.meta().id),
            written: w.to_string(),
            used: false,
        })
        .collect()
}

/// Split `reason expires=YYYY-MM-DD` into the reason and the date (`Err` for a bad date).
fn split_expiry(text: &str) -> (String, Result<Option<Date>, String>) {
    let mut words = Vec::new();
    let mut expires = Ok(None);
    for w in text.split_whitespace() {
        if let Some(d) = w.strip_prefix("expires=") {
            expires = Date::parse(d)
                .map(Some)
                .ok_or_else(|| format!("invalid expiry date `{d}` (use YYYY-MM-DD)"));
        } else {
            words.push(w);
        }
    }
    let reason = words.join(" ");
    let reason = reason
        .trim_start_matches([':', '-', '—'])
        .trim()
        .to_string();
    (reason, expires)
}

fn validity(reason: &str, expires: &Result<Option<Date>, String>, today: Date) -> Option<String> {
    match expires {
        Err(e) => return Some(e.clone()),
        Ok(Some(d)) if *d <= today => return Some(format!("expired on {d}")),
        _ => {}
    }
    reason
        .is_empty()
        .then(|| "has no reason; write why after the rule list".to_string())
}

/// The comment part of a YAML line: the first `#` outside quotes at the start or after a blank.
fn yaml_comment(line: &str) -> Option<(usize, &str)> {
    let (mut single, mut double) = (false, false);
    let mut prev_blank = true;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if double => {
                escaped = !escaped;
                prev_blank = false;
                continue;
            }
            '"' if !single && !escaped => double = !double,
            '\'' if !double => single = !single,
            '#' if !single && !double && prev_blank => return Some((i, &line[i..])),
            _ => {}
        }
        escaped = false;
        prev_blank = c == ' ' || c == '\t';
    }
    None
}

/// Parse `cutover: ignore[...] reason` / `cutover: ignore-file[...] reason` after `#`.
fn parse_directive(comment: &str) -> Option<(bool, &str, &str)> {
    let body = comment.trim_start_matches('#').trim_start();
    let rest = body.strip_prefix("cutover:")?.trim_start();
    let (file_level, rest) = if let Some(r) = rest.strip_prefix("ignore-file[") {
        (true, r)
    } else {
        (false, rest.strip_prefix("ignore[")?)
    };
    let close = rest.find(']')?;
    Some((file_level, &rest[..close], &rest[close + 1..]))
}

fn is_yaml(f: &SourceFile) -> bool {
    let n = f.name.to_ascii_lowercase();
    n.ends_with(".yaml") || n.ends_with(".yml")
}

/// All suppressions of a run.
#[derive(Debug, Default)]
pub struct Suppressions {
    pub list: Vec<Suppression>,
}

impl Suppressions {
    /// Collect the suppressions written in the linted files, their Kubernetes annotations and
    /// the configuration.
    pub fn collect(model: &Model<'_>, config: Option<&ConfigSource<'_>>, today: Date) -> Self {
        let mut list: Vec<Suppression> = Vec::new();
        for f in model.db.iter().filter(|f| is_yaml(f)) {
            let mut pending: Vec<usize> = Vec::new();
            let mut offset = 0usize;
            let lines: Vec<&str> = f.text.split_inclusive('\n').collect();
            for (lno, raw) in lines.iter().enumerate() {
                let line = raw.trim_end_matches(['\n', '\r']);
                let start = offset;
                offset += raw.len();
                let trimmed = line.trim_start();
                let is_comment_line = trimmed.starts_with('#');
                if !is_comment_line && !trimmed.is_empty() {
                    // A line of content: stacked own-line suppressions above apply to it.
                    for i in pending.drain(..) {
                        if let Scope::Line { line, .. } = &mut list[i].scope {
                            *line = lno;
                        }
                    }
                }
                let Some((at, comment)) = yaml_comment(line) else {
                    continue;
                };
                let Some((file_level, rules, rest)) = parse_directive(comment) else {
                    continue;
                };
                let (reason, expires) = split_expiry(rest);
                let invalid = validity(&reason, &expires, today);
                let scope = if file_level {
                    Scope::File(f.id)
                } else {
                    Scope::Line {
                        file: f.id,
                        line: lno,
                    }
                };
                list.push(Suppression {
                    kind: Kind::InSource,
                    reason,
                    origin: Origin::Source {
                        file: f.id,
                        span: Span::new(
                            (start + at) as u32,
                            (start + line.trim_end().len()) as u32,
                        ),
                    },
                    scope,
                    entries: resolve_rules(rules),
                    invalid,
                });
                if !file_level && is_comment_line {
                    pending.push(list.len() - 1);
                }
            }
        }

        for obj in &model.k8s {
            let Some(node) = obj.annotation(ANNOTATION) else {
                continue;
            };
            let text = node.as_str().unwrap_or("");
            for (i, part) in text.lines().enumerate() {
                let part = part.trim();
                if part.is_empty() {
                    continue;
                }
                let (rules, rest) = part.split_once(':').unwrap_or((part, ""));
                let (reason, expires) = split_expiry(rest);
                let invalid = validity(&reason, &expires, today);
                let _ = i;
                list.push(Suppression {
                    kind: Kind::InSource,
                    reason,
                    origin: Origin::Source {
                        file: obj.file,
                        span: node.span,
                    },
                    scope: Scope::Object {
                        file: obj.file,
                        span: obj.node.span,
                    },
                    entries: resolve_rules(rules),
                    invalid,
                });
            }
        }

        if let Some(cfg) = config {
            let spans = config_spans(cfg.text);
            for (i, e) in cfg.entries.iter().enumerate() {
                let span = spans.get(i).copied();
                let expires: Result<Option<Date>, String> = Ok(e.expires.and_then(|d| {
                    d.date.map(|d| Date {
                        year: i32::from(d.year),
                        month: u32::from(d.month),
                        day: u32::from(d.day),
                    })
                }));
                let reason = e.reason.trim().to_string();
                let mut invalid = validity(&reason, &expires, today);
                let scope =
                    match lint_engine::discover::compile_excludes(std::slice::from_ref(&e.path)) {
                        Ok(g) => Scope::Paths(g),
                        Err(err) => {
                            invalid = Some(err);
                            Scope::Paths(globset::GlobSet::empty())
                        }
                    };
                list.push(Suppression {
                    kind: Kind::External,
                    reason,
                    origin: Origin::Config { span },
                    scope,
                    entries: resolve_rules(&e.rule),
                    invalid,
                });
            }
        }
        Suppressions { list }
    }

    /// Whether `s` covers `f`. `config_rel` gives a file's path relative to the configuration's
    /// directory (its display name when outside it or without a configuration).
    fn covers(s: &Suppression, db: &SourceDb, f: &Finding, config_rel: &RelPaths<'_>) -> bool {
        let file = f.primary.file;
        match &s.scope {
            Scope::Line { file: sf, line } => {
                *sf == file && db.get(file).lines.line_of(f.primary.span.start) == *line
            }
            Scope::File(sf) => *sf == file,
            Scope::Object { file: sf, span } => {
                *sf == file && span.start <= f.primary.span.start && f.primary.span.end <= span.end
            }
            Scope::Paths(globs) => {
                let src = db.get(file);
                let rel = config_rel.get(file);
                globs.is_match(rel.as_ref()) || globs.is_match(&src.name)
            }
        }
    }

    /// Split findings into kept and suppressed. Expired suppressions leave a note on the
    /// finding they no longer hide.
    pub fn apply(
        &mut self,
        db: &SourceDb,
        findings: Vec<Finding>,
        config_dir: Option<&Path>,
    ) -> (Vec<Finding>, Vec<Suppressed>) {
        let mut kept = Vec::new();
        let mut suppressed = Vec::new();
        // Suppressions that can cover a file: those written in it, and those of the
        // configuration (path globs); each list in the order of `self.list`.
        let mut in_file: HashMap<FileId, Vec<usize>> = HashMap::new();
        let mut by_path: Vec<usize> = Vec::new();
        for (i, s) in self.list.iter().enumerate() {
            match &s.scope {
                Scope::Line { file, .. } | Scope::File(file) | Scope::Object { file, .. } => {
                    in_file.entry(*file).or_default().push(i)
                }
                Scope::Paths(_) => by_path.push(i),
            }
        }
        let config_rel = RelPaths::new(db, config_dir);
        let mut candidates: Vec<usize> = Vec::new();
        for mut f in findings {
            let mut hit: Option<(Kind, String)> = None;
            candidates.clear();
            if let Some(l) = in_file.get(&f.primary.file) {
                candidates.extend_from_slice(l);
            }
            if !by_path.is_empty() {
                candidates.extend_from_slice(&by_path);
                candidates.sort_unstable();
            }
            for &i in &candidates {
                let s = &mut self.list[i];
                let names_rule = s.entries.iter().any(|e| e.rule == Some(f.rule_id.as_str()));
                if !names_rule || !Self::covers(s, db, &f, &config_rel) {
                    continue;
                }
                if let Some(why) = &s.invalid {
                    f.notes.push(format!(
                        "a suppression of `{}` here is not applied: it {why}",
                        f.rule_id
                    ));
                    continue;
                }
                for e in &mut s.entries {
                    if e.rule == Some(f.rule_id.as_str()) {
                        e.used = true;
                    }
                }
                hit.get_or_insert((s.kind, s.reason.clone()));
            }
            match hit {
                Some((kind, justification)) => suppressed.push(Suppressed {
                    finding: f,
                    kind,
                    justification,
                    fingerprint: String::new(),
                }),
                None => kept.push(f),
            }
        }
        (kept, suppressed)
    }

    /// `LNT001` findings for suppressions that did not take effect. Only rules in `enabled`
    /// are judged (a suppression of a deselected rule cannot be known to be unused); only files
    /// for which `in_scope` holds are reported. Findings about `cutover.toml` use `config_file`.
    pub fn unused(
        &self,
        meta: &'static lint_engine::RuleMeta,
        enabled: &[&str],
        in_scope: &dyn Fn(FileId) -> bool,
        config_file: Option<FileId>,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        for s in &self.list {
            let (file, span) = match &s.origin {
                Origin::Source { file, span } => (*file, *span),
                Origin::Config { span } => match config_file {
                    Some(id) => (id, span.unwrap_or_default()),
                    None => continue,
                },
            };
            if !in_scope(file) {
                continue;
            }
            let mut push = |message: String, help: &str| {
                let mut f = Finding {
                    rule_id: meta.id.to_string(),
                    rule_name: meta.name.to_string(),
                    severity: meta.default_severity,
                    message,
                    primary: Label::new(file, span, ""),
                    related: Vec::new(),
                    help: Some(help.to_string()),
                    notes: Vec::new(),
                    missing_path: None,
                    logical_path: None,
                };
                if s.kind == Kind::External {
                    f.notes.push("written in the configuration file".into());
                }
                out.push(f);
            };
            if s.entries.is_empty() {
                push(
                    "suppression names no rule".into(),
                    "name the rules to suppress: `ignore[ECS001] reason`",
                );
                continue;
            }
            for e in &s.entries {
                let Some(id) = e.rule else {
                    push(
                        format!("suppression names unknown rule `{}`", e.written),
                        "use a rule ID or name from `cutover rules`",
                    );
                    continue;
                };
                if !enabled.contains(&id) {
                    continue;
                }
                if let Some(why) = &s.invalid {
                    push(
                        format!("suppression of `{id}` is not applied: it {why}"),
                        "fix the finding, or renew the suppression with a reason and a future expiry",
                    );
                } else if !e.used {
                    push(
                        format!("suppression of `{id}` matches no finding"),
                        "remove the suppression",
                    );
                }
            }
        }
        out
    }
}

/// Byte spans of the `[[ignore]]` entries of a configuration text, in order.
fn config_spans(text: &str) -> Vec<Span> {
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(default)]
        ignore: Vec<toml::Spanned<serde::de::IgnoredAny>>,
    }
    toml::from_str::<Raw>(text)
        .map(|r| {
            r.ignore
                .iter()
                .map(|s| {
                    let r = s.span();
                    Span::new(r.start as u32, r.end as u32)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `path` relative to `dir`, `/`-separated (both made absolute first).
pub fn relative_to(path: &Path, dir: &Path) -> Option<String> {
    relative_to_absolute(path, &absolute(dir))
}

/// [`relative_to`] for a directory already made absolute with [`absolute`].
pub fn relative_to_absolute(path: &Path, abs_dir: &Path) -> Option<String> {
    let abs = absolute(path);
    let rel = abs.strip_prefix(abs_dir).ok()?;
    Some(rel.to_string_lossy().replace('\\', "/"))
}

/// Canonical path when it exists, else the lexically normalised absolute path.
pub fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let base = if path.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir()
            .ok()
            .and_then(|c| std::fs::canonicalize(&c).ok().or(Some(c)))
            .unwrap_or_default()
    };
    let mut out = PathBuf::new();
    for c in base.join(path).components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// A `cutover.toml` as a source file, so `LNT001` findings about it have spans to show.
pub fn config_source_file(id: FileId, path: &Path, text: &str) -> SourceFile {
    SourceFile {
        id,
        path: path.to_path_buf(),
        name: lint_engine::discover::display_name(path),
        text: text.to_string(),
        encoding: Encoding::Utf8,
        lines: LineIndex::new(text),
        // Not a lint input; no rule sees it (the model is built before it is added).
        kind: FileKind::TfJson,
        docs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_454).to_string(), "2026-01-01");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert!(Date::parse("2027-01-31").is_some());
        assert!(Date::parse("2027-13-01").is_none());
        assert!(Date::parse("soon").is_none());
    }

    #[test]
    fn comments_and_directives() {
        assert_eq!(yaml_comment("a: b # c").map(|c| c.0), Some(5));
        assert_eq!(yaml_comment("a: \"b # c\"").map(|c| c.0), None);
        assert_eq!(yaml_comment("a: b#c"), None);
        assert_eq!(yaml_comment("# x").map(|c| c.0), Some(0));
        let (file, rules, rest) =
            parse_directive("# cutover: ignore[ECS001, K8S001] legacy job").unwrap_or_default();
        assert!(!file);
        assert_eq!(rules, "ECS001, K8S001");
        assert_eq!(rest.trim(), "legacy job");
        assert!(parse_directive("# cutover: ignore-file[K8S001] x").is_some_and(|d| d.0));
        assert!(parse_directive("# something else").is_none());
    }

    #[test]
    fn expiry_past_and_future() {
        let today = Date::parse("2026-06-15").unwrap_or(Date::today());
        let (r, e) = split_expiry(" batch job expires=2000-01-01");
        assert_eq!(r, "batch job");
        assert!(validity(&r, &e, today).is_some_and(|m| m.contains("expired on 2000-01-01")));
        let (r, e) = split_expiry("batch job expires=2999-12-31");
        assert_eq!(validity(&r, &e, today), None);
        let (r, e) = split_expiry("");
        assert!(validity(&r, &e, today).is_some_and(|m| m.contains("no reason")));
        let (_, e) = split_expiry("x expires=tomorrow");
        assert!(e.is_err());
    }
}
