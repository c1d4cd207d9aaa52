//! Suppressions: findings a user has accepted, written next to them or in a configuration file.
//!
//! * [`comment`]: `# <tool>: ignore[ID, name] reason` on or above the flagged line,
//!   `# <tool>: ignore-file[...] reason` for a whole file, and an annotation on Kubernetes objects.
//! * A caller adds its own kinds (a configuration file's path globs) with
//!   [`Suppression::in_source`] or by building a [`Suppression`].
//!
//! Rules are named by ID or name, comma-separated, and resolved by the caller's [`Resolve`]. A
//! reason is required. A suppression may end with `expires=YYYY-MM-DD`; from that date on it no
//! longer suppresses. [`Suppressions::apply`] splits findings into kept and suppressed and marks
//! each rule a suppression names as used or not; what to report about the suppressions that did
//! not take effect is the job of a rule (cutover's `LINT002`).

pub mod comment;
mod date;

use std::borrow::Cow;
use std::collections::HashMap;

pub use date::Date;

use crate::{FileId, Finding, SourceDb, Span};

/// Turns a rule ID or name written by a user into the rule's ID (`None`: no such rule).
pub type Resolve<'r> = &'r dyn Fn(&str) -> Option<&'static str>;

/// Where a suppression is written, for SARIF: in the linted file, or outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Written in the linted file (comment or annotation): SARIF `inSource`.
    InSource,
    /// Written in a configuration file: SARIF `external`.
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
pub enum Scope {
    /// Findings starting on this 0-based line of a file.
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
    /// Files whose path (as given to [`Suppressions::apply`]) or display name matches.
    Paths(globset::GlobSet),
}

/// Where a suppression is written.
#[derive(Debug, Clone)]
pub enum Origin {
    Source {
        file: FileId,
        span: Span,
    },
    /// A configuration file (not a linted file); `span` is into its text.
    Config {
        span: Option<Span>,
    },
}

/// One rule named by one suppression.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Resolved rule ID, or `None` for an unknown name (kept to report it).
    pub rule: Option<&'static str>,
    /// As the user wrote it.
    pub written: String,
    /// Set by [`Suppressions::apply`] when it hid a finding.
    pub used: bool,
}

/// One suppression.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub kind: Kind,
    pub reason: String,
    pub origin: Origin,
    pub scope: Scope,
    pub entries: Vec<Entry>,
    /// Why it is not applied (expired, no reason, bad date or glob), if so.
    pub invalid: Option<String>,
}

/// A finding hidden by a suppression.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub kind: Kind,
    pub justification: String,
    /// Left empty here, for the caller to fill (cutover: once every suppression is applied).
    pub fingerprint: String,
}

/// The rules of a comma-separated list, resolved.
pub fn entries(list: &str, resolve: Resolve<'_>) -> Vec<Entry> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|w| Entry {
            rule: resolve(w),
            written: w.to_string(),
            used: false,
        })
        .collect()
}

/// Split `reason expires=YYYY-MM-DD` into the reason and the date (`Err` for a bad date).
pub fn split_expiry(text: &str) -> (String, Result<Option<Date>, String>) {
    let mut words = Vec::new();
    let mut expires = Ok(None);
    for w in text.split_whitespace() {
        if let Some(d) = w.strip_prefix("expires=") {
            expires = Date::parse(d)
                .map(Some)
                .ok_or_else(|| format!("has an invalid expiry date `{d}` (use YYYY-MM-DD)"));
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

/// Why a suppression with this reason and expiry is not applied `today`, if it is not.
pub fn validity(
    reason: &str,
    expires: &Result<Option<Date>, String>,
    today: Date,
) -> Option<String> {
    match expires {
        Err(e) => return Some(e.clone()),
        Ok(Some(d)) if *d <= today => return Some(format!("expired on {d}")),
        _ => {}
    }
    reason
        .is_empty()
        .then(|| "has no reason; write why after the rule list".to_string())
}

impl Suppression {
    /// A suppression written in a linted file as `RULES` then `reason [expires=YYYY-MM-DD]`.
    pub fn in_source(
        rules: &str,
        rest: &str,
        origin: Origin,
        scope: Scope,
        resolve: Resolve<'_>,
        today: Date,
    ) -> Suppression {
        let (reason, expires) = split_expiry(rest);
        let invalid = validity(&reason, &expires, today);
        Suppression {
            kind: Kind::InSource,
            reason,
            origin,
            scope,
            entries: entries(rules, resolve),
            invalid,
        }
    }

    /// A comment that starts like a suppression but does not parse (`# cutover: ignore K8S001`,
    /// `# cutover: ignore[K8S001 reason`): never applied, and reported with `why`.
    pub fn malformed(origin: Origin, scope: Scope, why: String) -> Suppression {
        Suppression {
            kind: Kind::InSource,
            reason: String::new(),
            origin,
            scope,
            entries: Vec::new(),
            invalid: Some(why),
        }
    }

    fn names(&self, rule_id: &str) -> bool {
        self.entries.iter().any(|e| e.rule == Some(rule_id))
    }

    /// Whether it covers `f`; `path_of` gives a file's path for [`Scope::Paths`].
    fn covers<'p>(
        &self,
        db: &SourceDb,
        f: &Finding,
        path_of: &dyn Fn(FileId) -> Cow<'p, str>,
    ) -> bool {
        let file = f.primary.file;
        match &self.scope {
            Scope::Line { file: sf, line } => {
                *sf == file && db.get(file).lines.line_of(f.primary.span.start) == *line
            }
            Scope::File(sf) => *sf == file,
            Scope::Object { file: sf, span } => {
                *sf == file && span.start <= f.primary.span.start && f.primary.span.end <= span.end
            }
            Scope::Paths(globs) => {
                globs.is_match(path_of(file).as_ref()) || globs.is_match(&db.get(file).name)
            }
        }
    }
}

/// All suppressions of a run.
#[derive(Debug, Default)]
pub struct Suppressions {
    pub list: Vec<Suppression>,
}

impl Suppressions {
    /// Split findings into kept and suppressed, and mark the entries that hid a finding as used.
    /// A suppression that is not valid leaves a note on the finding it no longer hides.
    /// `path_of` gives the path [`Scope::Paths`] globs are matched against.
    pub fn apply<'p>(
        &mut self,
        db: &SourceDb,
        findings: Vec<Finding>,
        path_of: &dyn Fn(FileId) -> Cow<'p, str>,
    ) -> (Vec<Finding>, Vec<Suppressed>) {
        let mut kept = Vec::with_capacity(findings.len());
        let mut suppressed = Vec::new();
        // Suppressions that can cover a file: those written in it, and those matching paths;
        // each list in the order of `self.list`.
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
                let Some(s) = self.list.get_mut(i) else {
                    continue;
                };
                if !s.names(&f.rule_id) || !s.covers(db, &f, path_of) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn entries_resolve_and_keep_unknown_names() {
        let resolve = |w: &str| (w == "ECS001").then_some("ECS001");
        let e = entries("ECS001, nope,", &resolve);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].rule, Some("ECS001"));
        assert_eq!((e[1].rule, e[1].written.as_str()), (None, "nope"));
    }
}
