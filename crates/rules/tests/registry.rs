//! The registries tell the truth: every rule declared in `src/` is in `cutover_rules::all()`,
//! IDs are well-formed, unique and sorted, every rule has its fixture folder and docs page and
//! every fixture folder and snapshot belongs to something that exists. Also: the runner shows a
//! rule only the inputs its `RuleMeta::inputs` declares.
//!
//! These tests read the sources and `test-corpus/` directly: no binary is built.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lint_engine::load::{load_bytes, Limits, Loaded};
use lint_engine::model::{TaskDef, TfResource, Workload};
use lint_engine::runner::run_rules;
use lint_engine::source::{FileId, LineIndex, SourceDb, SourceFile};
use lint_engine::{declare_rule, Config, Model, Rule, RuleContext, TfResources};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for p in sorted_entries(dir) {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The `(type, id)` of each `declare_rule!` invocation in `text`, read from the source as a
/// contributor writes it (the macro's `pub <Type> {` line and its `id: "..."` field).
fn declared(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for block in text.split("declare_rule! {").skip(1) {
        let ty = block
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix("pub ")?.strip_suffix(" {"))
            .unwrap_or("?")
            .to_string();
        let id = block
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix("id: \"")?.split('"').next())
            .unwrap_or("?")
            .to_string();
        out.push((ty, id));
    }
    out
}

/// `^[A-Z]([A-Z0-9]*[A-Z])?[0-9]{3}$`: an upper-case domain prefix (digits allowed inside it, as
/// in `K8S`) and a three-digit number.
fn well_formed_id(id: &str) -> bool {
    let (prefix, digits) = id.split_at(id.len().saturating_sub(3));
    prefix.starts_with(|c: char| c.is_ascii_uppercase())
        && prefix.ends_with(|c: char| c.is_ascii_uppercase())
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && digits.len() == 3
        && digits.chars().all(|c| c.is_ascii_digit())
}

fn registered() -> BTreeMap<&'static str, &'static lint_engine::RuleMeta> {
    cutover_rules::all()
        .iter()
        .map(|r| (r.meta().id, r.meta()))
        .collect()
}

#[test]
fn every_declared_rule_is_registered() {
    let src = repo().join("crates/rules/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let reg = registered();
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let rel = f
            .strip_prefix(repo())
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        for (ty, id) in declared(&text) {
            seen.insert(id.clone());
            match reg.get(id.as_str()) {
                None => problems.push(format!(
                    "{rel}: `{ty}` ({id}) is declared but not in `all()` in crates/rules/src/lib.rs"
                )),
                Some(m) if !rel.ends_with(m.source) && !m.source.ends_with(&rel) => problems.push(
                    format!("{rel}: {id} is registered from another file ({})", m.source),
                ),
                Some(_) if !lib.contains(&format!("::{ty},")) => problems.push(format!(
                    "{rel}: `{ty}` is not listed in crates/rules/src/lib.rs"
                )),
                Some(_) => {}
            }
        }
    }
    for id in reg.keys() {
        if !seen.contains(*id) {
            problems.push(format!(
                "{id} is registered but no `declare_rule!` in crates/rules/src declares it"
            ));
        }
    }
    assert!(reg.len() >= 7, "too few rules registered: {:?}", reg.keys());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn ids_are_well_formed_unique_and_sorted_by_domain() {
    let ids: Vec<&str> = cutover_rules::all().iter().map(|r| r.meta().id).collect();
    let bad: Vec<&&str> = ids.iter().filter(|id| !well_formed_id(id)).collect();
    assert!(
        bad.is_empty(),
        "malformed IDs (want e.g. ECS001, K8S001): {bad:?}"
    );
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate rule IDs in {ids:?}");
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(
        ids, sorted,
        "all() must list rules sorted by ID (so by domain)"
    );
    let names: BTreeSet<&str> = cutover_rules::all().iter().map(|r| r.meta().name).collect();
    assert_eq!(names.len(), ids.len(), "duplicate rule names");
}

#[test]
fn id_checker_accepts_only_prefix_and_three_digits() {
    for ok in ["ECS001", "LINT000", "K8S001"] {
        assert!(well_formed_id(ok), "{ok}");
    }
    for bad in ["ECS01", "ecs001", "001", "ECS0001", "ECS-001", "8S001", ""] {
        assert!(!well_formed_id(bad), "{bad}");
    }
}

#[test]
fn fixture_folders_and_rules_match_one_to_one() {
    let reg = registered();
    let mut problems = Vec::new();
    let mut with_folder = BTreeSet::new();
    for dir in sorted_entries(&repo().join("test-corpus/rules")) {
        let dname = name_of(&dir);
        if !dir.is_dir() {
            problems.push(format!("test-corpus/rules/{dname} is not a fixture folder"));
            continue;
        }
        let (id, name) = dname.split_once('-').unwrap_or((dname.as_str(), ""));
        match reg.get(id) {
            None => problems.push(format!(
                "test-corpus/rules/{dname}: no registered rule has the ID {id}"
            )),
            Some(m) if m.name != name => problems.push(format!(
                "test-corpus/rules/{dname}: rule {id} is named `{}`; rename the folder to {id}-{}",
                m.name, m.name
            )),
            Some(_) => {
                with_folder.insert(id.to_string());
            }
        }
    }
    for (id, m) in &reg {
        if !with_folder.contains(*id) {
            problems.push(format!(
                "{id}: no fixture folder test-corpus/rules/{id}-{}/",
                m.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_orphan_snapshot() {
    let rules = repo().join("test-corpus/rules");
    let mut problems = Vec::new();
    let snapshots = sorted_entries(&repo().join("test-corpus/snapshots"));
    assert!(!snapshots.is_empty(), "no snapshots found");
    for snap in snapshots {
        let sname = name_of(&snap);
        // `<fixture folder>__<invalid fixture file>.txt`, or `examples__<example>.txt`.
        let Some((folder, file)) = sname.strip_suffix(".txt").and_then(|s| s.split_once("__"))
        else {
            problems.push(format!(
                "test-corpus/snapshots/{sname}: not <folder>__<file>.txt"
            ));
            continue;
        };
        let exists = if folder == "examples" {
            repo().join("examples").join(file).exists()
        } else {
            file.starts_with("invalid")
                && !file.ends_with(".expected")
                && rules.join(folder).join(file).exists()
        };
        if !exists {
            problems.push(format!(
                "test-corpus/snapshots/{sname}: its fixture is gone; delete the snapshot"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_rule_has_a_docs_page() {
    let dir = repo().join("rules-docs");
    let index = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    let mut problems = Vec::new();
    for id in registered().keys() {
        if !dir.join(format!("{id}.md")).is_file() {
            problems.push(format!("rules-docs/{id}.md is missing"));
        }
        if !index.contains(&format!("[{id}]({id}.md)")) {
            problems.push(format!("rules-docs/README.md does not list {id}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nrun `cargo xtask docs`",
        problems.join("\n")
    );
}

// --- `inputs` is enforced by the runner ----------------------------------------------------

declare_rule! {
    /// Test rule: reports every resource it is shown, to see what the runner shows it.
    pub TfOnlyProbe {
        id: "TST001",
        name: "tf-only-probe",
        severity: Info,
        summary: "test rule that reports what it is shown",
        inputs: [TfJson],
        cross_file: false,
        security: false,
    }
}

impl Rule for TfOnlyProbe {
    fn check_task_def(&self, td: &TaskDef<'_>, cx: &mut RuleContext<'_, '_>) {
        let f = cx.finding(
            td.file,
            td.anchor,
            format!("task definition {}", td.logical),
        );
        cx.emit(f);
    }
    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        if let Some(o) = cx.model.k8s.get(w.object) {
            let f = cx.finding(o.file, o.node.span, format!("workload {}", w.kind));
            cx.emit(f);
        }
    }
    fn tf_resources(&self) -> TfResources {
        TfResources::All
    }
    fn check_tf_resource(&self, r: &TfResource<'_>, cx: &mut RuleContext<'_, '_>) {
        let f = cx.finding(r.file, r.values.span, format!("resource {}", r.address));
        cx.emit(f);
    }
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        if let Some(file) = cx.model.db.files.first() {
            let f = cx.finding(file.id, Default::default(), "model");
            cx.emit(f);
        }
    }
}

fn db_of(files: &[(&str, &str)]) -> SourceDb {
    let mut db = SourceDb::default();
    for (name, text) in files {
        let Loaded::File {
            path,
            text,
            encoding,
            kind,
            docs,
        } = load_bytes(Path::new(name), text.as_bytes(), &Limits::default())
        else {
            panic!("{name} did not load");
        };
        db.files.push(SourceFile {
            id: FileId(db.files.len() as u32),
            name: path.display().to_string(),
            lines: LineIndex::new(&text),
            path,
            text,
            encoding,
            kind,
            docs,
        });
    }
    db
}

const TASKDEF: &str = r#"{"family": "file-td", "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true}]}"#;
const TF: &str = r#"{"resource": {"aws_ecs_task_definition": {"tf_td": {"family": "tf-td", "container_definitions": "[{\"name\": \"app\", \"image\": \"nginx\", \"essential\": true}]"}}}}"#;
const K8S: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: nginx}]\n";

fn probe(files: &[(&str, &str)]) -> Vec<String> {
    let db = db_of(files);
    let model = Model::build(&db);
    run_rules(&model, &[&TfOnlyProbe], &Config::default())
        .into_iter()
        .map(|f| format!("{} {}", db.get(f.primary.file).name, f.message))
        .collect()
}

#[test]
fn runner_shows_a_rule_only_its_declared_inputs() {
    // The model holds a task definition from a task definition file, a workload and a Terraform
    // task definition; the rule declares only `TfJson`, so it sees only the Terraform one.
    let got = probe(&[
        ("taskdef.json", TASKDEF),
        ("deploy.yaml", K8S),
        ("main.tf.json", TF),
    ]);
    assert_eq!(
        got,
        [
            "main.tf.json task definition aws_ecs_task_definition.tf_td",
            "main.tf.json resource aws_ecs_task_definition.tf_td",
            "taskdef.json model",
        ]
    );
}

#[test]
fn check_model_is_skipped_when_no_declared_input_was_loaded() {
    let got = probe(&[("taskdef.json", TASKDEF), ("deploy.yaml", K8S)]);
    assert!(got.is_empty(), "{got:?}");
}

// --- `tf_resources` is enforced by the runner ------------------------------------------------

declare_rule! {
    /// Test rule: reports every Terraform resource it is shown, for the types it names.
    pub TypedTfProbe {
        id: "TST002",
        name: "typed-tf-probe",
        severity: Info,
        summary: "Test rule",
        inputs: [TfJson],
        cross_file: false,
        security: false,
    }
}

impl Rule for TypedTfProbe {
    fn tf_resources(&self) -> TfResources {
        TfResources::Managed(&["aws_subnet", "aws_ecs_service"])
    }
    fn check_tf_resource(&self, r: &TfResource<'_>, cx: &mut RuleContext<'_, '_>) {
        let f = cx.finding(r.file, r.values.span, format!("resource {}", r.address));
        cx.emit(f);
    }
}

declare_rule! {
    /// Test rule: has a `check_tf_resource` but names no resources, so it is never called.
    pub UndeclaredTfProbe {
        id: "TST003",
        name: "undeclared-tf-probe",
        severity: Info,
        summary: "Test rule",
        inputs: [TfJson],
        cross_file: false,
        security: false,
    }
}

impl Rule for UndeclaredTfProbe {
    fn check_tf_resource(&self, r: &TfResource<'_>, cx: &mut RuleContext<'_, '_>) {
        let f = cx.finding(r.file, r.values.span, format!("resource {}", r.address));
        cx.emit(f);
    }
}

#[test]
fn runner_shows_a_rule_the_managed_resources_of_the_types_it_names_in_model_order() {
    // Types interleaved in the file, a data source of a named type, and a type not named.
    let tf = r#"{
      "resource": {
        "aws_subnet": {"b": {"cidr_block": "10.0.1.0/24"}},
        "aws_ecs_service": {"svc": {"name": "svc"}},
        "aws_iam_role": {"r": {"name": "r"}}
      },
      "data": {"aws_subnet": {"d": {"id": "subnet-1"}}}
    }"#;
    let tf2 = r#"{"resource": {"aws_subnet": {"c": {"cidr_block": "10.0.2.0/24"}}}}"#;
    let db = db_of(&[("a.tf.json", tf), ("b.tf.json", tf2), ("deploy.yaml", K8S)]);
    let model = Model::build(&db);
    let got: Vec<String> = run_rules(&model, &[&TypedTfProbe], &Config::default())
        .into_iter()
        .map(|f| format!("{} {}", db.get(f.primary.file).name, f.message))
        .collect();
    assert_eq!(
        got,
        [
            "a.tf.json resource aws_subnet.b",
            "a.tf.json resource aws_ecs_service.svc",
            "b.tf.json resource aws_subnet.c",
        ]
    );
    let none = run_rules(&model, &[&UndeclaredTfProbe], &Config::default());
    assert!(none.is_empty(), "{none:?}");
}

#[test]
fn every_rule_with_a_terraform_resource_hook_names_its_resources() {
    // `check_tf_resource` is called only for what `tf_resources` names (none by default): a
    // rule that implements the one without the other would never run its hook.
    let mut problems = Vec::new();
    let mut stack = vec![repo().join("crates/rules/src")];
    while let Some(dir) = stack.pop() {
        for path in sorted_entries(&dir) {
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains("fn check_tf_resource") && !text.contains("fn tf_resources") {
                    problems.push(format!(
                        "{}: implements check_tf_resource without tf_resources",
                        path.strip_prefix(repo()).unwrap_or(&path).display()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// --- A run that reports on some files only (`--repo-context`) --------------------------------

declare_rule! {
    /// Test rule: reports every workload its hook is shown, in the workload's file; declares
    /// local hooks when built with `true`.
    pub LocalProbe {
        id: "TST004",
        name: "local-probe",
        severity: Info,
        summary: "Test rule",
        inputs: [K8s],
        cross_file: false,
        security: false,
    }
}

impl Rule for LocalProbe {
    fn local_hooks(&self) -> bool {
        true
    }
    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        let obj = &cx.model.k8s[w.object];
        let f = cx.finding(obj.file, obj.anchor(), "workload seen");
        cx.emit(f);
    }
}

declare_rule! {
    /// Test rule: as `LocalProbe`, without declaring local hooks.
    pub AnywhereProbe {
        id: "TST005",
        name: "anywhere-probe",
        severity: Info,
        summary: "Test rule",
        inputs: [K8s],
        cross_file: false,
        security: false,
    }
}

impl Rule for AnywhereProbe {
    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        let obj = &cx.model.k8s[w.object];
        let f = cx.finding(obj.file, obj.anchor(), "workload seen");
        cx.emit(f);
    }
}

declare_rule! {
    /// Test rule: declares local hooks but reports every workload in the first file.
    pub LyingProbe {
        id: "TST006",
        name: "lying-probe",
        severity: Info,
        summary: "Test rule",
        inputs: [K8s],
        cross_file: false,
        security: false,
    }
}

impl Rule for LyingProbe {
    fn local_hooks(&self) -> bool {
        true
    }
    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        let obj = &cx.model.k8s[w.object];
        let f = cx.finding(FileId(0), obj.anchor(), "workload seen");
        cx.emit(f);
    }
}

fn scoped_run(rule: &dyn Rule, reported: Vec<bool>) -> Vec<String> {
    let other = K8S.replace("name: web", "name: api");
    let db = db_of(&[("a.yaml", K8S), ("b.yaml", &other)]);
    let model = Model::build(&db);
    let shared = lint_engine::shared::Shared::reporting_on(reported);
    lint_engine::runner::run_rules_shared(&model, &[rule], &Config::default(), &shared)
        .into_iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f.rule_id,
                db.get(f.primary.file).name,
                f.message
            )
        })
        .collect()
}

#[test]
fn local_hooks_skip_the_resources_of_files_not_reported_on_and_the_others_see_all() {
    assert_eq!(
        scoped_run(&LocalProbe, vec![false, true]),
        ["TST004 b.yaml workload seen"]
    );
    // A file past the end of the list (added after it was made) is reported on.
    assert_eq!(
        scoped_run(&LocalProbe, vec![false]),
        ["TST004 b.yaml workload seen"]
    );
    assert_eq!(
        scoped_run(&AnywhereProbe, vec![false, true]),
        ["TST005 a.yaml workload seen", "TST005 b.yaml workload seen"]
    );
    // A full check reports on every file.
    let db = db_of(&[("a.yaml", K8S)]);
    let model = Model::build(&db);
    assert_eq!(
        run_rules(&model, &[&LocalProbe], &Config::default()).len(),
        1
    );
}

#[test]
#[cfg(debug_assertions)]
fn a_rule_declaring_local_hooks_that_reports_elsewhere_fails_in_debug_builds() {
    let caught = std::panic::catch_unwind(|| scoped_run(&LyingProbe, vec![true, true]));
    let message = match caught {
        Ok(found) => panic!("no panic: {found:?}"),
        Err(e) => e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    };
    assert!(
        message.contains("rule TST006 declares local hooks, but a hook reported in file"),
        "{message}"
    );
}
