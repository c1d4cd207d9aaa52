//! How users get cutover: the Python wheel (built by the real `maturin`, installed into a fresh
//! virtualenv, run by the real `pre-commit` as a `language: python` hook) and the GitHub action's
//! argument splitting (the action's own `run:` step, executed by bash).
//!
//! maturin and pre-commit come from `bash scripts/install-test-tools.sh` (into
//! `target/test-tools/venv`, or named by `CUTOVER_MATURIN` / `CUTOVER_PRE_COMMIT`). A test that
//! needs one fails with instructions when it is missing: it is never skipped silently.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::tools::*;
use support::*;

const BAD_TASKDEF: &str = r#"{
  "family": "orders",
  "containerDefinitions": [
    {"name": "orders", "image": "orders:1.0", "essential": true}
  ]
}
"#;

/// Build the wheel with maturin from this workspace, into `dir`; its path.
fn build_wheel(dir: &Path) -> PathBuf {
    let ws = repo();
    // The dev profile and the workspace's target directory reuse what `cargo test` compiled for
    // the `cutover` binary already; release wheels are the same packaging with `--release`.
    run(Command::new(venv_tool("CUTOVER_MATURIN", "maturin"))
        .current_dir(&ws)
        .args(["build", "--locked", "--profile", "dev", "--out"])
        .arg(dir)
        .env("CARGO_TARGET_DIR", ws.join("target")));
    let wheels: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read the wheel directory")
        .map(|e| e.expect("wheel directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "one wheel expected: {wheels:?}");
    wheels[0].clone()
}

#[test]
fn wheel_installs_cutover_and_runs_as_a_python_pre_commit_hook() {
    let tmp = TempDir::in_target("wheel");
    let wheel = build_wheel(&tmp.path().join("wheels"));
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("cutover-{}-", env!("CARGO_PKG_VERSION"))),
        "{name}"
    );

    // A fresh virtualenv gets a working `cutover` from the wheel alone (no index, no compiler).
    let venv = tmp.path().join("venv");
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    run(Command::new(venv.join("bin/python"))
        .args(["-m", "pip", "install", "--quiet", "--no-index"])
        .arg(&wheel));
    let version = run(Command::new(venv.join("bin/cutover")).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("cutover {}", env!("CARGO_PKG_VERSION"))
    );

    // The real pre-commit installs the same wheel into its own hook environment.
    let proj = tmp.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    git(&proj, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(proj.join("ecs")).unwrap();
    std::fs::write(proj.join("ecs/orders.json"), BAD_TASKDEF).unwrap();
    std::fs::write(
        proj.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: local\n    hooks:\n      - id: cutover\n        name: cutover\n        \
             entry: cutover check --repo-context\n        language: python\n        \
             additional_dependencies: ['{}']\n        files: '\\.(json|ya?ml|tf|tfvars)$'\n        \
             require_serial: true\n",
            wheel.display()
        ),
    )
    .unwrap();
    git(&proj, &["add", "-A"]);
    git(&proj, &["commit", "-q", "-m", "bad task definition"]);
    let out = Command::new(venv_tool("CUTOVER_PRE_COMMIT", "pre-commit"))
        .current_dir(&proj)
        .args(["run", "--all-files", "--color", "never"])
        .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"))
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("run pre-commit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected the hook to fail:\n{text}"
    );
    assert!(text.contains("Failed"), "{text}");
    assert!(text.contains("ECS001/missing-stop-timeout"), "{text}");
    assert!(text.contains("ecs/orders.json:4:6"), "{text}");
    // The hook ran the wheel's binary, installed by pip into pre-commit's environment.
    let envs = tmp.path().join("pre-commit-home");
    let found = std::fs::read_dir(&envs)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.path().join("py_env-default/bin/cutover").is_file()
                || std::fs::read_dir(e.path())
                    .map(|d| {
                        d.filter_map(|x| x.ok())
                            .any(|x| x.path().join("bin/cutover").is_file())
                    })
                    .unwrap_or(false)
        });
    assert!(
        found,
        "no `cutover` installed in pre-commit's hook environment under {}",
        envs.display()
    );
}

// ---------------------------------------------------------------------------------------------
// The GitHub action.

/// The `run:` script of the action's "Run cutover" step, as written in action.yml.
fn action_run_step() -> String {
    let yml = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let start = yml
        .find("      id: run\n")
        .expect("the `run` step in action.yml");
    let body = &yml[start..];
    let script = &body[body.find("      run: |\n").expect("its run: block") + 13..];
    script
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with("        "))
        .map(|l| l.strip_prefix("        ").unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run the action's step with `paths` and `args` inputs against a stand-in `cutover` that records
/// its argv; the argv of each call and the step's exit code.
fn action_argv(paths: &str, args: &str) -> (Vec<Vec<String>>, i32) {
    let (calls, code, _) = action_run(paths, args, None);
    (calls, code)
}

/// [`action_argv`] with the `report` input set (when `Some`); also what the step appended to
/// the job summary.
fn action_run(paths: &str, args: &str, report: Option<&str>) -> (Vec<Vec<String>>, i32, String) {
    let tmp = TempDir::new("action");
    let log = tmp.path().join("calls");
    tmp.write(
        "bin/cutover",
        &format!(
            "#!/usr/bin/env bash\nprintf '%s\\0' \"$@\" >> '{}'\nprintf '\\n' >> '{}'\necho \"stand-in $1\"\nexit 0\n",
            log.display(),
            log.display()
        ),
    );
    run(Command::new("chmod")
        .arg("+x")
        .arg(tmp.path().join("bin/cutover")));
    let path = format!(
        "{}:{}",
        tmp.path().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let summary = tmp.path().join("summary.md");
    let mut cmd = Command::new("bash");
    if let Some(r) = report {
        cmd.env("INPUT_REPORT", r)
            .env("GITHUB_STEP_SUMMARY", &summary);
    }
    let out = cmd
        .arg("-c")
        .arg(action_run_step())
        .current_dir(tmp.path())
        .env("PATH", path)
        .env("GITHUB_ACTION_PATH", repo())
        .env("GITHUB_OUTPUT", tmp.path().join("output"))
        .env("INPUT_PATHS", paths)
        .env("INPUT_SARIF", "cutover.sarif")
        .env("INPUT_FAIL_ON", "warning")
        .env("INPUT_ANNOTATIONS", "true")
        .env("INPUT_ARGS", args)
        .output()
        .expect("run bash");
    let calls = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .split_terminator('\n')
        .map(|call| call.split_terminator('\0').map(String::from).collect())
        .collect();
    let summary = std::fs::read_to_string(&summary).unwrap_or_default();
    (calls, out.status.code().unwrap_or(-1), summary)
}

#[test]
fn action_report_input_appends_the_readiness_report_to_the_summary() {
    let (calls, code, summary) = action_run("k8s", "--baseline b.json", Some("true"));
    assert_eq!(code, 0);
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(
        calls[2],
        [
            "report",
            "--format",
            "markdown",
            "--fail-on",
            "never",
            "--baseline",
            "b.json",
            "k8s"
        ]
    );
    assert_eq!(summary, "stand-in report\n");
    let (calls, _, summary) = action_run("k8s", "", Some("false"));
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(summary, "");
}

#[test]
fn action_args_are_split_like_a_shell_command_line() {
    let (calls, code) = action_argv(
        "k8s \"my dir\"",
        "--exclude 'vendor/**' --config \"ci/my cutover.toml\"\n--baseline b.json",
    );
    assert_eq!(code, 0);
    let tail = [
        "--exclude",
        "vendor/**",
        "--config",
        "ci/my cutover.toml",
        "--baseline",
        "b.json",
        "k8s",
        "my dir",
    ];
    assert_eq!(calls.len(), 2, "{calls:?}");
    let mut sarif = vec![
        "check",
        "--format",
        "sarif",
        "--output",
        "cutover.sarif",
        "--fail-on",
        "never",
    ];
    sarif.extend(tail);
    assert_eq!(calls[0], sarif);
    let mut github = vec!["check", "--format", "github", "--fail-on", "warning"];
    github.extend(tail);
    assert_eq!(calls[1], github);
}

#[test]
fn action_without_args_passes_only_the_paths() {
    let (calls, code) = action_argv(".", "");
    assert_eq!(code, 0);
    assert_eq!(
        calls[0],
        [
            "check",
            "--format",
            "sarif",
            "--output",
            "cutover.sarif",
            "--fail-on",
            "never",
            "."
        ]
    );
}

#[test]
fn action_rejects_unbalanced_quotes_instead_of_running() {
    let (calls, code) = action_argv(".", "--exclude 'vendor/**");
    assert_eq!(code, 2);
    assert!(calls.is_empty(), "cutover must not run: {calls:?}");
}
