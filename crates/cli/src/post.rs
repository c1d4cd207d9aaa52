//! After the rules: suppressions and `LINT002`, the `--repo-context` scope, fingerprints and the
//! baseline. `check` calls [`Options::run`] between running the rules and rendering.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use lint_engine::runner::LoadOutcome;
use lint_engine::{FileId, Finding, Rule, Severity, SourceDb};

use crate::baseline::Baseline;
use crate::suppress::{self, ConfigSource, Suppressed, Suppressions};

/// `cutover.toml` as a source of `[[ignore]]` suppressions.
pub fn config_source<'c>(
    path: Option<&'c Path>,
    text: Option<&'c str>,
    cfg: &'c crate::config::FileConfig,
) -> Option<ConfigSource<'c>> {
    Some(ConfigSource {
        path: path?,
        text: text?,
        entries: &cfg.ignore,
    })
}

pub struct Options<'a> {
    pub config: Option<&'a ConfigSource<'a>>,
    /// Enabled rules.
    pub rules: &'a [&'static dyn Rule],
    pub overrides: &'a BTreeMap<&'static str, Severity>,
    /// `--repo-context`: absolute paths of the files to report on.
    pub scope: Option<&'a HashSet<PathBuf>>,
    /// With a scope, whether each file of the inputs is in it ([`files_in_scope`]).
    pub files_in_scope: Option<&'a [bool]>,
    /// Repository root, base of the paths in fingerprints and baselines.
    pub root: Option<&'a Path>,
    pub write_baseline: Option<&'a Path>,
    pub baseline: Option<&'a Path>,
}

/// What is left to report.
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// One per finding.
    pub fingerprints: Vec<String>,
    pub suppressed: Vec<Suppressed>,
    /// Findings left out because the baseline has them (`None` without a baseline).
    pub baselined: Option<usize>,
    /// Those findings with their fingerprints: SARIF keeps them (`baselineState: unchanged`) so
    /// that code scanning does not close their alerts as fixed.
    pub baselined_findings: Vec<(Finding, String)>,
}

/// Whether each file of `db` is one of `scope` (absolute paths): the files a `--repo-context`
/// run reports on.
pub fn files_in_scope(db: &SourceDb, scope: &HashSet<PathBuf>) -> Vec<bool> {
    use rayon::prelude::*;
    // One `lstat` per file (a link is in scope when its target is): in parallel.
    db.files
        .par_iter()
        .map(|f| scope.contains(&suppress::absolute(&f.path)))
        .collect()
}

/// The files whose findings a `--repo-context` run keeps, as the rules see them: those of
/// `in_scope` ([`files_in_scope`]), and each rendered file (Kustomize, Helm) whose findings can
/// be mapped to one of them (an object of it comes from such a file, or its fallback place is
/// in one).
pub fn reported_files(db: &SourceDb, in_scope: &[bool]) -> Vec<bool> {
    let is_in = |id: lint_engine::FileId| in_scope.get(id.0 as usize).copied().unwrap_or(false);
    let mut reported = in_scope.to_vec();
    reported.resize(db.files.len(), false);
    for (id, origin) in &db.origins {
        if let Some(r) = reported.get_mut(id.0 as usize) {
            *r = *r || is_in(origin.fallback.0) || origin.nodes.iter().any(|&(_, f, _)| is_in(f));
        }
    }
    reported
}

impl Options<'_> {
    fn in_scope(&self, path: &Path) -> bool {
        self.scope
            .is_none_or(|s| s.contains(&suppress::absolute(path)))
    }

    pub fn run(
        &self,
        outcome: &mut LoadOutcome,
        findings: Vec<Finding>,
        mut suppressions: Suppressions,
    ) -> Result<Outcome, String> {
        let config_dir = self.config.and_then(|c| c.path.parent());
        let config_rel = crate::render::RelPaths::new(&outcome.db, config_dir);
        let (mut findings, mut suppressed) =
            suppressions.apply(&outcome.db, findings, &|id| config_rel.get(id));
        drop(config_rel);
        let in_scope: Vec<bool> = match (self.files_in_scope, self.scope) {
            (Some(v), _) => v.to_vec(),
            (None, Some(s)) => files_in_scope(&outcome.db, s),
            (None, None) => vec![true; outcome.db.files.len()],
        };

        let lint002 = &cutover_rules::lint::unused_suppression::UnusedSuppression::META;
        if self.rules.iter().any(|r| r.meta().id == lint002.id) {
            let enabled: Vec<&str> = self.rules.iter().map(|r| r.meta().id).collect();
            let config_id = FileId(outcome.db.files.len() as u32);
            let config_in_scope = self.config.is_some_and(|c| self.in_scope(c.path));
            let scope_of = |id: FileId| {
                in_scope
                    .get(id.0 as usize)
                    .copied()
                    .unwrap_or(config_in_scope)
            };
            let mut unused = cutover_rules::lint::unused_suppression::report(
                &suppressions,
                &enabled,
                &scope_of,
                self.config.map(|_| config_id),
            );
            if let Some(src) = self.config {
                if unused.iter().any(|f| f.primary.file == config_id) {
                    outcome
                        .db
                        .files
                        .push(suppress::config_source_file(config_id, src.path, src.text));
                }
            }
            for f in &mut unused {
                if let Some(s) = self.overrides.get(f.rule_id.as_str()) {
                    f.severity = *s;
                }
            }
            findings = lint_engine::runner::merge_findings(findings, unused, &outcome.db);
        }

        if self.scope.is_some() {
            let keep = |f: &Finding| {
                in_scope
                    .get(f.primary.file.0 as usize)
                    .copied()
                    .unwrap_or(true)
            };
            findings.retain(keep);
            suppressed.retain(|s| keep(&s.finding));
            outcome.errors.retain(|e| self.in_scope(&e.path));
            outcome.skipped.retain(|e| self.in_scope(&e.path));
        }

        let db = &outcome.db;
        let rel_paths = crate::render::RelPaths::new(db, self.root);
        let rel = |f: &Finding| rel_paths.get(f.primary.file).into_owned();
        let mut fingerprints = crate::fingerprint::fingerprints(db, &findings, &rel);
        let suppressed_fps =
            crate::fingerprint::fingerprints(db, suppressed.iter().map(|s| &s.finding), &rel);
        for (s, fp) in suppressed.iter_mut().zip(suppressed_fps) {
            s.fingerprint = fp;
        }

        if let Some(path) = self.write_baseline {
            let entries = findings
                .iter()
                .zip(&fingerprints)
                .map(|(f, fp)| Baseline::entry(f, fp, &rel(f)))
                .collect();
            Baseline::new(entries).write(path)?;
            eprintln!(
                "cutover: wrote {} finding(s) to the baseline {}",
                findings.len(),
                path.display()
            );
        }
        let mut baselined = None;
        let mut baselined_findings = Vec::new();
        if let Some(path) = self.baseline {
            let new = Baseline::read(path)?.new_findings(&fingerprints);
            baselined = Some(new.iter().filter(|n| !**n).count());
            let mut kept = Vec::with_capacity(findings.len());
            let mut kept_fps = Vec::with_capacity(findings.len());
            for ((f, fp), is_new) in findings.into_iter().zip(fingerprints).zip(new) {
                if is_new {
                    kept.push(f);
                    kept_fps.push(fp);
                } else {
                    baselined_findings.push((f, fp));
                }
            }
            findings = kept;
            fingerprints = kept_fps;
        }
        Ok(Outcome {
            findings,
            fingerprints,
            suppressed,
            baselined,
            baselined_findings,
        })
    }
}
