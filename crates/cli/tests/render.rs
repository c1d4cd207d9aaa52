//! Kustomize overlays and Helm charts rendered before linting. The Kustomize tests use the real
//! `kubectl kustomize` (it must be installed where the tests run); Helm cannot be installed on
//! the test machines, so its tests put a fake `helm` on `PATH` that prints a recorded
//! `helm template` output (`test-corpus/render/helm-web/`).

mod support;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::*;

fn overlays() -> PathBuf {
    test_corpus().join("scenarios/kustomize-overlays")
}

/// Run cutover in `dir` with `PATH` set to `path`.
fn with_path(dir: &Path, path: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .current_dir(dir)
        .args(args)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .expect("run cutover")
}

fn require_kubectl() {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("kubectl").is_file()));
    assert!(
        found,
        "kubectl is not on PATH: the Kustomize tests render with the real `kubectl kustomize` (scripts/install-test-tools.sh installs it)"
    );
}

#[test]
fn every_finding_of_a_rendered_overlay_is_in_a_repository_file() {
    require_kubectl();
    let dir = overlays();
    let v = json_of(&cutover(
        &dir,
        &["check", "--format", "json", "--fail-on", "never", "."],
    ));
    let findings = v["findings"].as_array().expect("findings");
    let k8s001: Vec<_> = findings
        .iter()
        .filter(|f| f["rule_id"] == "K8S001")
        .collect();
    assert_eq!(k8s001.len(), 1, "{k8s001:#?}");
    assert_eq!(k8s001[0]["location"]["file"], "base/deployment.yaml");
    assert_eq!(k8s001[0]["location"]["start_line"], 16);
    assert!(k8s001[0]["notes"]
        .as_array()
        .is_some_and(|n| n.iter().any(|n| n == "rendered by overlays/staging")));
    for f in findings {
        for loc in std::iter::once(&f["location"]).chain(
            f["related"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| &r["location"]),
        ) {
            let file = loc["file"].as_str().expect("file");
            assert!(
                dir.join(file).is_file(),
                "{file} is not a file of the repository"
            );
        }
    }
    // SARIF and GitHub point at the same files.
    let sarif = stdout(&cutover(&dir, &["check", "--format", "sarif", "."]));
    assert!(!sarif.contains("rendered)") && !sarif.contains("cutover-render-"));
    assert!(sarif.contains("kustomize-overlays/base/deployment.yaml"));
    let gh = stdout(&cutover(&dir, &["check", "--format", "github", "."]));
    for line in gh.lines().filter(|l| l.starts_with("::")) {
        let file = line
            .split("file=")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .expect("file=");
        assert!(repo().join(file).is_file(), "{line}");
    }
    let human = stdout(&cutover(&dir, &["check", "."]));
    assert!(human.contains("┌─ base/deployment.yaml:16:11"), "{human}");
    assert!(!human.contains("(rendered)"), "{human}");
}

#[test]
fn without_kubectl_the_raw_files_are_linted_with_a_note() {
    let empty = TempDir::new("no-kubectl");
    let out = with_path(
        &overlays(),
        &empty.path().to_string_lossy(),
        &["check", "--format", "json", "--fail-on", "never", "."],
    );
    let v = json_of(&out);
    let skipped = v["skipped"].to_string();
    assert!(
        skipped.contains("Kustomize overlays not rendered (overlays/production, overlays/staging): neither `kubectl` nor `kustomize` is on PATH"),
        "{skipped}"
    );
    let human = with_path(
        &overlays(),
        &empty.path().to_string_lossy(),
        &["check", "."],
    );
    let shown = format!("{}{}", stdout(&human), stderr(&human));
    assert!(
        shown.contains("note: skipped overlays/production: Kustomize overlays not rendered"),
        "{shown}"
    );
    let lines = finding_lines(&v, &["IAM001".into(), "K8S001".into()]);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("base/deployment.yaml:16:11-16:20 K8S001")),
        "{lines:#?}"
    );
    // Raw: the overlay's namespace is not applied, so the workload meets `default/default`.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("IAM001 error `Deployment/web` has no `serviceAccountName`")),
        "{lines:#?}"
    );
}

#[test]
fn no_render_lints_as_written_without_a_note() {
    let out = cutover(
        &overlays(),
        &[
            "check",
            "--no-render",
            "--format",
            "json",
            "--fail-on",
            "never",
            ".",
        ],
    );
    let v = json_of(&out);
    assert!(!v["skipped"].to_string().contains("not rendered"));
    let lines = finding_lines(&v, &["K8S001".into()]);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(!lines[0].contains("rendered by"));
}

#[test]
fn a_failing_render_is_an_input_error_and_the_rest_is_linted() {
    require_kubectl();
    let t = TempDir::new("render-fail");
    t.write(
        "broken/kustomization.yaml",
        "resources:\n  - app.yaml\n  - missing.yaml\n",
    );
    t.write(
        "broken/app.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n",
    );
    t.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n",
    );
    let out = cutover(
        t.path(),
        &["check", "--format", "json", "--fail-on", "never", "."],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let v = json_of(&out);
    let errors = v["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let message = errors[0]["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with("`kubectl kustomize` failed for broken: "),
        "{message}"
    );
    assert!(message.contains("missing.yaml"), "{message}");
    let lines = finding_lines(&v, &["K8S001".into()]);
    assert!(
        lines.iter().any(|l| l.starts_with("pod.yaml:")),
        "{lines:#?}"
    );
    // The failed kustomization's own files are linted as written.
    assert!(
        lines.iter().any(|l| l.starts_with("broken/app.yaml:")),
        "{lines:#?}"
    );
    // The temporary wrapper is gone.
    let left = std::fs::read_dir(std::env::temp_dir())
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("cutover-render-{}-", std::process::id()))
        });
    assert!(!left);
}

#[test]
fn helm_charts_render_with_helm_and_map_to_templates_and_values() {
    let fixture = test_corpus().join("render/helm-web");
    let t = TempDir::new("fake-helm");
    let args = t.path().join("args");
    let recorded = fixture.join("recorded/helm-template.txt");
    let helm = t.write(
        "bin/helm",
        &format!(
            "#!/bin/sh\necho \"$@\" > '{}'\nexec /bin/cat '{}'\n",
            args.display(),
            recorded.display()
        ),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let config = t.write(
        "cutover.toml",
        "[render.helm]\nvalues = [\"values-prod.yaml\"]\nnamespace = \"web\"\n",
    );
    let out = with_path(
        &fixture,
        &t.path().join("bin").to_string_lossy(),
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--config",
            &config.to_string_lossy(),
            "chart",
        ],
    );
    let v = json_of(&out);
    let lines = finding_lines(&v, &[]);
    assert_eq!(
        lines,
        [
            "chart/templates/deployment.yaml:16:11-16:20 K8S001 warning container `web` has no CPU or memory request",
            "chart/values-prod.yaml:2:17-2:18 K8S004 warning PodDisruptionBudget `release-web` requires 2 available pods of Deployment `release-web`, which runs 2 replicas: no pod can be evicted",
        ],
        "{}",
        stderr(&out)
    );
    assert!(v["findings"][0]["notes"]
        .as_array()
        .is_some_and(|n| n.iter().any(|n| n == "rendered by chart")));
    let called = std::fs::read_to_string(&args).expect("fake helm was called");
    assert_eq!(
        called.trim(),
        "template release chart --values chart/values-prod.yaml --namespace web"
    );
}

#[test]
fn a_changed_base_re_renders_the_overlays_that_include_it() {
    require_kubectl();
    let t = TempDir::new("render-repo-context");
    let src = overlays();
    for rel in [
        "base/kustomization.yaml",
        "base/deployment.yaml",
        "base/hpa.yaml",
        "base/pdb.yaml",
        "overlays/production/kustomization.yaml",
        "overlays/production/requests.yaml",
        "overlays/production/serviceaccount.yaml",
        "overlays/staging/kustomization.yaml",
        "iam.tf.json",
    ] {
        t.write(
            rel,
            &std::fs::read_to_string(src.join(rel)).expect("read scenario"),
        );
    }
    std::fs::create_dir_all(t.path().join(".git")).expect("git marker");
    let out = cutover(
        t.path(),
        &[
            "check",
            "--repo-context",
            "--format",
            "json",
            "--fail-on",
            "never",
            "base/deployment.yaml",
        ],
    );
    let lines = finding_lines(&json_of(&out), &[]);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0]
        .starts_with("base/deployment.yaml:14:5-14:9 IAM001 error `Deployment/production/web`"));
    assert!(lines[1].starts_with("base/deployment.yaml:16:11-16:20 K8S001 error"));
}
