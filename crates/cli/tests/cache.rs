//! The load cache of `--repo-context` (the pre-commit path): the report of the given files is
//! byte for byte the same with the cache as without it — cold, warm, after files are edited,
//! added and deleted, and after the cache is corrupted or written by another build — and it is
//! written only where it should be.

mod support;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use support::*;

/// Files of the real-world corpus with findings of several rules and kinds (Kubernetes,
/// Kustomize bases, ECS, Terraform HCL and JSON).
const GIVEN: &[&str] = &[
    "k8s/aws-samples__aws-microservices-deploy-options/apps/k8s/istio/manifest.yaml",
    "k8s/GoogleCloudPlatform__microservices-demo/kubernetes-manifests/frontend.yaml",
    "ecs-taskdefs/aws-samples__amazon-ecs-firelens-examples/examples/fluent-bit/adot-resource-monitoring/task-definition.json",
    "k8s-kustomize/stefanprodan__podinfo/deploy/bases/backend/deployment.yaml",
    "terraform-hcl/aws-ia__ecs-blueprints/terraform/fargate-examples/backstage/main.tf",
    "terraform-json/bridgecrewio__checkov/tests/terraform/image_referencer/resources/aws/ecs_tfplan.json",
];

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy file");
        }
    }
}

/// The real-world corpus copied into a fresh repository (a `.git` marker at its root).
fn real_repo() -> Option<TempDir> {
    let corpus = repo().join("../shared/corpus/real");
    if !corpus.is_dir() {
        eprintln!("skipping: {} not present", corpus.display());
        return None;
    }
    let dir = TempDir::new("cache-real");
    copy_dir(&corpus, dir.path());
    std::fs::create_dir_all(dir.path().join(".git")).expect("create .git");
    Some(dir)
}

/// `cutover check --repo-context --format json <given> <extra>` in `dir`, with `env` set.
fn run(dir: &Path, extra: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = bin();
    cmd.current_dir(dir)
        .args(["check", "--repo-context", "--format", "json"])
        .args(GIVEN)
        .args(extra)
        .env("NO_COLOR", "1")
        .env_remove("CUTOVER_CACHE_DIR")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cutover")
}

/// Report and exit code with the cache, checked against the same run without it; the report.
fn same_with_and_without(dir: &Path, what: &str) -> String {
    let without = run(dir, &["--no-cache"], &[]);
    let with = run(dir, &[], &[]);
    assert_eq!(stdout(&with), stdout(&without), "{what}: reports differ");
    assert_eq!(code(&with), code(&without), "{what}: exit codes differ");
    assert!(!stdout(&with).is_empty(), "{what}: {}", stderr(&with));
    stdout(&with)
}

fn cache_file(dir: &Path) -> PathBuf {
    dir.join(".cutover_cache/load.bin")
}

#[test]
fn cached_reports_equal_uncached_ones_through_edits_and_corruption() {
    let Some(repo) = real_repo() else { return };
    let dir = repo.path();

    // `--no-cache` writes nothing; the first cached run (cold) writes the cache and its
    // `.gitignore`; the second (warm) reads it.
    let without = run(dir, &["--no-cache"], &[]);
    assert!(!dir.join(".cutover_cache").exists());
    let cold = same_with_and_without(dir, "cold");
    assert_eq!(cold, stdout(&without));
    assert!(cache_file(dir).is_file());
    assert_eq!(
        std::fs::read_to_string(dir.join(".cutover_cache/.gitignore"))
            .ok()
            .as_deref(),
        Some("# Written by cutover: its cache, never to commit.\n*\n")
    );
    let warm = same_with_and_without(dir, "warm");
    assert_eq!(warm, cold);
    let findings = json_of(&without)["findings"].as_array().map_or(0, Vec::len);
    assert!(findings > 20, "the given files have findings ({findings})");

    // Edit a given file (a changed image tag, a removed probe) and a context file.
    let frontend = dir.join(GIVEN[1]);
    let text = std::fs::read_to_string(&frontend).expect("read");
    std::fs::write(&frontend, text.replace("livenessProbe", "livenessProbeX")).expect("write");
    let edited = same_with_and_without(dir, "edited");
    assert_ne!(edited, warm, "the edit changes the report");

    // Add a file that joins with a given one (a Namespace and a Service for the frontend),
    // then delete a context file.
    std::fs::write(
        dir.join("k8s/GoogleCloudPlatform__microservices-demo/kubernetes-manifests/added.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: frontend-extra}\nspec:\n  selector: {app: frontend}\n  ports: [{port: 81, targetPort: 9090}]\n",
    )
    .expect("write");
    same_with_and_without(dir, "added");
    std::fs::remove_file(
        dir.join(
            "k8s/GoogleCloudPlatform__microservices-demo/kubernetes-manifests/cartservice.yaml",
        ),
    )
    .expect("delete");
    same_with_and_without(dir, "deleted");

    // A corrupt cache (a flipped byte, then a truncated file, then garbage) is ignored and
    // rewritten.
    let bytes = std::fs::read(cache_file(dir)).expect("read cache");
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    for bad in [
        flipped,
        bytes[..bytes.len() / 3].to_vec(),
        b"not a cache".to_vec(),
    ] {
        std::fs::write(cache_file(dir), &bad).expect("corrupt");
        same_with_and_without(dir, "corrupt cache");
        assert_eq!(std::fs::read(cache_file(dir)).ok(), Some(bytes.clone()));
    }

    // A cache written by another build (its key differs) is ignored, then replaced.
    let version = format!("cutover {} ", env!("CARGO_PKG_VERSION"));
    let other = format!("cutover {} ", "9".repeat(env!("CARGO_PKG_VERSION").len()));
    let at = bytes
        .windows(version.len())
        .position(|w| w == version.as_bytes())
        .expect("the cache names the version");
    let mut foreign = bytes.clone();
    foreign[at..at + other.len()].copy_from_slice(other.as_bytes());
    assert_ne!(foreign, bytes);
    std::fs::write(cache_file(dir), &foreign).expect("foreign");
    same_with_and_without(dir, "foreign cache");
    assert_eq!(std::fs::read(cache_file(dir)).ok(), Some(bytes));
}

#[test]
fn cache_dir_from_the_environment_and_never_written_by_plain_checks() {
    let repo = TempDir::new("cache-env");
    let dir = repo.path();
    std::fs::create_dir_all(dir.join(".git")).expect("create .git");
    repo.write(
        "k8s/web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      serviceAccountName: web\n      containers:\n        - {name: web, image: nginx}\n",
    );
    repo.write(
        "k8s/sa.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web}\n",
    );
    // A plain check (as CI runs it) writes no cache.
    let plain = cutover(dir, &["check", "--format", "json", "."]);
    assert!(!stdout(&plain).is_empty());
    assert!(!dir.join(".cutover_cache").exists());
    // `CUTOVER_CACHE_DIR` moves it.
    let elsewhere = TempDir::new("cache-env-dir");
    let cache_dir = elsewhere.path().join("c");
    let args = [
        "check",
        "--repo-context",
        "--format",
        "json",
        "k8s/web.yaml",
    ];
    let out = bin()
        .current_dir(dir)
        .args(args)
        .env("CUTOVER_CACHE_DIR", &cache_dir)
        .output()
        .expect("run cutover");
    assert!(cache_dir.join("load.bin").is_file());
    assert!(cache_dir.join(".gitignore").is_file());
    assert!(!dir.join(".cutover_cache").exists());
    let uncached = cutover(
        dir,
        &[
            "check",
            "--repo-context",
            "--no-cache",
            "--format",
            "json",
            "k8s/web.yaml",
        ],
    );
    assert_eq!(stdout(&out), stdout(&uncached));
    assert!(!dir.join(".cutover_cache").exists());
}

/// Kustomize renders are cached on the same path: a warm run starts no renderer, and editing a
/// base file or an overlay's patch renders the overlays that read it again, with the report the
/// same as without the cache.
#[test]
fn cached_renders_are_reused_until_an_input_of_the_overlay_changes() {
    let repo = TempDir::new("cache-render");
    let dir = repo.path();
    copy_dir(&test_corpus().join("scenarios/kustomize-overlays"), dir);
    std::fs::create_dir_all(dir.join(".git")).expect("create .git");
    // The renderer is `kubectl` behind a script that logs each render, outside the repository.
    let tools = TempDir::new("cache-render-tools");
    let log = tools.path().join("renders.log");
    let script = tools.write(
        "kubectl-logged",
        &format!(
            "#!/bin/sh\necho \"$2\" >> '{}'\nexec kubectl \"$@\"\n",
            log.display()
        ),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    repo.write(
        "cutover.toml",
        &format!("[render]\nkustomize = {:?}\n", script.display().to_string()),
    );
    let renders = || {
        std::fs::read_to_string(&log)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    let cached_renders = || {
        std::fs::read_dir(dir.join(".cutover_cache"))
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("render-"))
                    .count()
            })
            .unwrap_or(0)
    };
    let run = |extra: &[&str]| {
        bin()
            .current_dir(dir)
            .args([
                "check",
                "--repo-context",
                "--format",
                "json",
                "--fail-on",
                "never",
            ])
            .args(["base/deployment.yaml", "base/hpa.yaml"])
            .args(extra)
            .env("NO_COLOR", "1")
            .env_remove("CUTOVER_CACHE_DIR")
            .env_remove("GITHUB_STEP_SUMMARY")
            .output()
            .expect("run cutover")
    };
    // Reports with and without the cache, and the renders the cached run started.
    let compare = |what: &str| {
        let without = run(&["--no-cache"]);
        let before = renders();
        let with = run(&[]);
        assert_eq!(stdout(&with), stdout(&without), "{what}: reports differ");
        assert!(
            json_of(&with)["findings"]
                .as_array()
                .is_some_and(|f| !f.is_empty()),
            "{what}: {}",
            stderr(&with)
        );
        (stdout(&with), renders() - before)
    };

    // Cold: both overlays (production, staging) are rendered and kept.
    let (cold, started) = compare("cold");
    assert_eq!(started, 2);
    assert_eq!(cached_renders(), 2);
    // Warm: none is.
    let (warm, started) = compare("warm");
    assert_eq!((warm.as_str(), started), (cold.as_str(), 0));

    // A base file both overlays read: both render again; the stale entries are removed.
    let deployment = dir.join("base/deployment.yaml");
    let text = std::fs::read_to_string(&deployment).expect("read");
    std::fs::write(
        &deployment,
        text.replace("    spec:\n", "    spec:\n      serviceAccountName: web\n"),
    )
    .expect("write");
    let (edited, started) = compare("base edited");
    assert_ne!(edited, warm, "the edit changes the report");
    assert_eq!((started, cached_renders()), (2, 2));

    // The production overlay's patch: only production renders again.
    let patch = dir.join("overlays/production/requests.yaml");
    let text = std::fs::read_to_string(&patch).expect("read");
    std::fs::write(&patch, text.replace("              cpu: 250m\n", "")).expect("write");
    let (patched, started) = compare("patch edited");
    assert_ne!(patched, edited, "the edit changes the report");
    assert_eq!((started, cached_renders()), (1, 2));
    let (_, started) = compare("warm again");
    assert_eq!(started, 0);
}

/// Every file of `dir`'s repository given alone with `--repo-context` is reported exactly as the
/// check of the whole repository reports it: findings (with fingerprints), suppressed findings
/// and unused suppressions. Suppressions are read from the given files only, so this holds only
/// if none written elsewhere applies to them.
fn each_file_as_in_the_full_check(dir: &Path, files: &[&str]) {
    let full = cutover(dir, &["check", "--format", "json", "."]);
    let full = json_of(&full);
    let of = |v: &Value, key: &str, file: &str| -> Vec<Value> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|f| f["location"]["file"] == file)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    for file in files {
        let one = cutover(
            dir,
            &[
                "check",
                "--format",
                "json",
                "--no-cache",
                "--repo-context",
                file,
            ],
        );
        let one = json_of(&one);
        for key in ["findings", "suppressed"] {
            assert_eq!(
                of(&one, key, file),
                of(&full, key, file),
                "{file}: {key} differ"
            );
            let elsewhere = one[key]
                .as_array()
                .map(|a| a.iter().filter(|f| f["location"]["file"] != *file).count());
            assert_eq!(elsewhere, Some(0), "{file}: {key} of other files");
        }
    }
}

#[test]
fn a_given_file_is_reported_as_in_the_full_check_with_its_suppressions() {
    for (scenario, files) in [
        (
            "suppressions",
            &["k8s/apps.yaml", "ecs/legacy.json", "ecs/old.json"][..],
        ),
        ("suppressions-hcl", &["main.tf"][..]),
        (
            "kustomize-annotation-suppression",
            &["base/deployment.yaml", "iam.tf.json"][..],
        ),
    ] {
        let tmp = TempDir::new(&format!("scope-{scenario}"));
        copy_dir(&test_corpus().join("scenarios").join(scenario), tmp.path());
        std::fs::create_dir_all(tmp.path().join(".git")).expect("create .git");
        let full = json_of(&cutover(tmp.path(), &["check", "--format", "json", "."]));
        // The scenario has suppressed findings and some in each given file.
        assert!(
            full["suppressed"].as_array().is_some_and(|s| !s.is_empty()),
            "{scenario}: {full}"
        );
        each_file_as_in_the_full_check(tmp.path(), files);
    }
}

/// The rules that leave out the work of files a `--repo-context` run does not report on (the
/// pulls of IAM002, the hooks of rules with local hooks, LINT001, K8S006, IAM005, IAM006) report
/// every file of these repositories as the full check does: task definitions whose containers
/// come from another file, workloads rendered by Kustomize, cross-account pulls from ECS and EKS.
#[test]
fn rules_that_skip_other_files_report_each_file_as_the_full_check() {
    for (dir, files) in [
        (
            "scenarios/iam002-eks-node-role-gap",
            &[
                "k8s/web.yaml",
                "cluster/eks.tf.json",
                "shared-services/ecr.tf.json",
            ][..],
        ),
        (
            "scenarios/iam002-cross-account-gap-hcl",
            &[
                "workloads/api-taskdef.json",
                "workloads/exec-role.tf",
                "shared-services/ecr.tf",
            ][..],
        ),
        (
            "scenarios/ecs-templatefile-json",
            &["main.tf.json", "tpl/app.json.tpl", "tpl/worker.json.tpl"][..],
        ),
        (
            "scenarios/iam005-task-secrets-gap",
            &["ecs/api.json", "iam/roles.tf.json"][..],
        ),
        (
            "scenarios/kustomize-overlays",
            &[
                "base/deployment.yaml",
                "base/hpa.yaml",
                "overlays/production/requests.yaml",
                "iam.tf.json",
            ][..],
        ),
        (
            "rules/LINT001-duplicate-key",
            &[
                "invalid-embedded.tf",
                "invalid-taskdef.json",
                "invalid-manifest.yaml",
                "valid-merge-key.yaml",
            ][..],
        ),
    ] {
        let tmp = TempDir::new(&format!("skip-{}", dir.replace('/', "-")));
        copy_dir(&test_corpus().join(dir), tmp.path());
        std::fs::create_dir_all(tmp.path().join(".git")).expect("create .git");
        for f in files {
            assert!(tmp.path().join(f).is_file(), "{dir}: no file {f}");
        }
        let full = json_of(&cutover(tmp.path(), &["check", "--format", "json", "."]));
        assert!(
            full["findings"].as_array().is_some_and(|s| !s.is_empty()),
            "{dir}: {full}"
        );
        each_file_as_in_the_full_check(tmp.path(), files);
    }
}
