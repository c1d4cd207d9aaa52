//! Loading in parallel, running rules in parallel, and sorting the findings deterministically.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::config::Config;
use crate::discover::display_name;
use crate::finding::Finding;
use crate::load::cache::LoadCache;
use crate::load::{load_bytes, load_path, InputError, Limits, Loaded};
use crate::model::Model;
use crate::rule::{Rule, RuleContext, TfResources, Unresolved};
use crate::shared::Shared;
use crate::source::{FileId, LineIndex, SourceDb, SourceFile};

/// A file that was not linted, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
    /// Shown without `-v` (e.g. unrendered Helm templates).
    pub note: bool,
}

/// The outcome of loading every input.
#[derive(Debug, Default)]
pub struct LoadOutcome {
    pub db: SourceDb,
    pub errors: Vec<InputError>,
    pub skipped: Vec<Skipped>,
}

/// An input supplied in memory (standard input).
pub struct MemoryInput {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// Load files in parallel; the result is in the order given (callers sort paths first).
pub fn load_all(paths: &[PathBuf], memory: Vec<MemoryInput>, limits: &Limits) -> LoadOutcome {
    load_all_cached(paths, memory, limits, None)
}

/// [`load_all`], the files on disk through `cache` when there is one (the same outcome).
pub fn load_all_cached(
    paths: &[PathBuf],
    memory: Vec<MemoryInput>,
    limits: &Limits,
    cache: Option<&LoadCache>,
) -> LoadOutcome {
    let mut loaded: Vec<Loaded> = paths
        .par_iter()
        .map(|p| match cache {
            Some(c) => c.load_path(p, limits),
            None => load_path(p, limits),
        })
        .collect();
    for m in memory {
        loaded.push(load_bytes(&m.path, &m.bytes, limits));
    }
    let mut out = LoadOutcome::default();
    for l in loaded {
        match l {
            Loaded::File {
                path,
                text,
                encoding,
                kind,
                docs,
            } => {
                let id = FileId(out.db.files.len() as u32);
                out.db.files.push(SourceFile {
                    id,
                    name: display_name(&path),
                    lines: LineIndex::new(&text),
                    path,
                    text,
                    encoding,
                    kind,
                    docs,
                });
            }
            Loaded::Skipped { path, reason, note } => {
                out.skipped.push(Skipped { path, reason, note })
            }
            Loaded::Error(e) => out.errors.push(e),
        }
    }
    out
}

/// Run every rule over the model. Rules and resources run in parallel; the output order is a
/// total order on (file name, start, end, rule, message), so it is the same for any thread count.
///
/// A rule's `inputs` are enforced: its per-resource hooks see only the task definitions,
/// workloads and Terraform resources of files whose [`FileKind`](crate::source::FileKind) it
/// declares, and its `check_model` runs (over the whole model) only when the run loaded at least
/// one such file.
pub fn run_rules(model: &Model<'_>, rules: &[&dyn Rule], config: &Config) -> Vec<Finding> {
    run_rules_shared(model, rules, config, &Shared::default())
}

/// [`run_rules`] with the caller's cache of facts, so that what the rules built (the indexes,
/// the pairing) can be read after the run.
pub fn run_rules_shared<'m, 'a: 'm>(
    model: &'m Model<'a>,
    rules: &[&dyn Rule],
    config: &'m Config,
    shared: &'m Shared<'m, 'a>,
) -> Vec<Finding> {
    let per_rule: Vec<(Vec<Finding>, Vec<Unresolved>)> = rules
        .par_iter()
        .map(|rule| {
            let meta = rule.meta();
            let mut cx = RuleContext::new(meta, model, config, shared);
            // `inputs` is enforced here: a hook only sees resources of files of a declared kind.
            let reads = |file: FileId| meta.reads(model.db.get(file).kind);
            // A rule whose hooks report only in the resource's own files skips the resources
            // of files this run does not report on (`--repo-context`).
            let local = rule.local_hooks();
            let wanted = |file: FileId| !local || shared.reports_on(file);
            for td in model.task_defs.iter().filter(|td| reads(td.file)) {
                if !local || cx.reports_on_task_def(td) {
                    let at = cx.marks();
                    rule.check_task_def(td, &mut cx);
                    cx.check_local(local, at, |f| td.files().any(|t| t == f));
                }
            }
            for w in &model.workloads {
                let Some(file) = model.k8s.get(w.object).map(|o| o.file) else {
                    continue;
                };
                if reads(file) && wanted(file) {
                    let at = cx.marks();
                    rule.check_workload(w, &mut cx);
                    cx.check_local(local, at, |f| f == file);
                }
            }
            let tf_resource = |r: &crate::model::TfResource<'_>, cx: &mut RuleContext<'_, '_>| {
                if reads(r.file) && wanted(r.file) {
                    let at = cx.marks();
                    rule.check_tf_resource(r, cx);
                    cx.check_local(local, at, |f| f == r.file);
                }
            };
            match rule.tf_resources() {
                TfResources::None => {}
                TfResources::All => {
                    for r in &model.tf {
                        tf_resource(r, &mut cx);
                    }
                }
                TfResources::Managed(types) => {
                    for i in model.tf_indexes_of_types(types) {
                        tf_resource(&model.tf[i], &mut cx);
                    }
                }
            }
            if model.db.files.iter().any(|f| meta.reads(f.kind)) {
                rule.check_model(&mut cx);
            }
            (cx.findings, cx.unresolved)
        })
        .collect();
    let mut findings = Vec::new();
    let mut unresolved = Vec::new();
    for (f, u) in per_rule {
        findings.extend(f);
        unresolved.extend(u);
    }
    // Second pass: the skipped inputs of every rule, merged, to the rule that reports them.
    let unresolved = Unresolved::merge(unresolved, model.db);
    if !unresolved.is_empty() {
        for rule in rules {
            let mut cx = RuleContext::new(rule.meta(), model, config, shared);
            rule.report_unresolved(&unresolved, &mut cx);
            findings.extend(cx.findings);
        }
    }
    crate::tfeval::modules::note_call_chains(model, &mut findings);
    sort_findings(&mut findings, model.db);
    findings.dedup();
    findings
}

/// `f` over `items` in parallel, the results in the order of `items`: for a rule that checks
/// many independent parts of the model (the output does not depend on the thread count).
pub fn par_map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    items.par_iter().map(f).collect()
}

/// [`par_map`] over owned items.
pub fn par_map_owned<T, R, F>(items: Vec<T>, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync + Send,
{
    items.into_par_iter().map(f).collect()
}

/// Sort findings into their stable output order.
pub fn sort_findings(findings: &mut [Finding], db: &SourceDb) {
    // A stable sort (rayon's parallel one is stable too): equal findings keep their order, so
    // the result is the same for any thread count.
    findings.par_sort_by(|a, b| cmp_findings(a, b, db));
}

/// The output order of findings: file name, span, rule ID, message.
fn cmp_findings(a: &Finding, b: &Finding, db: &SourceDb) -> std::cmp::Ordering {
    let fa = &db.get(a.primary.file).name;
    let fb = &db.get(b.primary.file).name;
    fa.cmp(fb)
        .then(a.primary.span.start.cmp(&b.primary.span.start))
        .then(a.primary.span.end.cmp(&b.primary.span.end))
        .then(a.rule_id.cmp(&b.rule_id))
        .then(a.message.cmp(&b.message))
}

/// `sorted` (in output order) and `added` in one list in output order: the same list as
/// `sorted` extended with `added` and then [`sort_findings`], without sorting `sorted` again
/// (equal findings: those of `sorted` first, each list in its own order).
pub fn merge_findings(
    sorted: Vec<Finding>,
    mut added: Vec<Finding>,
    db: &SourceDb,
) -> Vec<Finding> {
    if added.is_empty() {
        return sorted;
    }
    sort_findings(&mut added, db);
    let mut out = Vec::with_capacity(sorted.len() + added.len());
    let mut added = added.into_iter().peekable();
    for f in sorted {
        while let Some(a) = added.next_if(|a| cmp_findings(a, &f, db).is_lt()) {
            out.push(a);
        }
        out.push(f);
    }
    out.extend(added);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Label, Severity};
    use crate::source::Span;

    fn db() -> SourceDb {
        let input = |path: &str| MemoryInput {
            path: path.into(),
            bytes: b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n".to_vec(),
        };
        let db = load_all(
            &[],
            vec![input("b.yaml"), input("a.yaml")],
            &Limits::default(),
        )
        .db;
        assert_eq!(db.files.len(), 2);
        db
    }

    /// A finding whose `notes` (not part of the output order) tell equal findings apart.
    fn finding(file: u32, start: u32, rule: &str, tag: &str) -> Finding {
        Finding {
            rule_id: rule.into(),
            rule_name: rule.to_lowercase(),
            severity: Severity::Warning,
            message: "m".into(),
            primary: Label::new(FileId(file), Span::new(start, start + 1), ""),
            related: Vec::new(),
            help: None,
            notes: vec![tag.into()],
            missing_path: None,
            logical_path: None,
        }
    }

    #[test]
    fn merging_added_findings_is_extending_then_sorting() {
        let db = db();
        let mut sorted = vec![
            finding(0, 5, "ECS001", "s1"),
            finding(1, 0, "ECS001", "s2"),
            finding(0, 0, "K8S001", "s3"),
            finding(1, 5, "ECS001", "s4"),
        ];
        sort_findings(&mut sorted, &db);
        // Ties with the sorted list (same file, span, rule and message), one before everything,
        // one after everything, in an order that is not the output order.
        let added = vec![
            finding(0, 9, "LINT002", "a1"),
            finding(1, 0, "ECS001", "a2"),
            finding(0, 5, "ECS001", "a3"),
            finding(1, 0, "AAA000", "a4"),
        ];
        let mut expected = sorted.clone();
        expected.extend(added.clone());
        sort_findings(&mut expected, &db);
        let merged = merge_findings(sorted, added, &db);
        assert_eq!(merged, expected);
        let tags: Vec<&str> = merged.iter().map(|f| f.notes[0].as_str()).collect();
        // a.yaml (file 1) sorts before b.yaml (file 0); on a tie the sorted list's finding
        // comes first.
        assert_eq!(tags, ["a4", "s2", "a2", "s4", "s3", "s1", "a3", "a1"]);
        assert_eq!(merge_findings(merged.clone(), Vec::new(), &db), merged);
    }
}
