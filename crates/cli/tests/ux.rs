//! What a user sees around the report: standard-error summaries when the report goes elsewhere,
//! the concise and statistics views, `--quiet`, colour from the environment, closed pipes,
//! did-you-mean, and errors that name their path.

mod support;

use std::io::Read;
use std::process::{Command, Stdio};

use support::*;

const BAD_TASKDEF: &str = r#"{
  "family": "orders",
  "containerDefinitions": [
    {"name": "orders", "image": "orders:1.0", "essential": true}
  ]
}
"#;

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx\n";

/// A directory with one task definition lacking `stopTimeout`, one Pod without requests and one
/// malformed YAML file.
fn mixed() -> TempDir {
    let tmp = TempDir::new("ux");
    tmp.write("task.json", BAD_TASKDEF);
    tmp.write("pod.yaml", POD);
    tmp.write(
        "broken.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n",
    );
    tmp
}

#[test]
fn machine_formats_still_tell_the_log_what_happened() {
    let tmp = mixed();
    for format in ["json", "sarif", "github"] {
        let out = cutover(tmp.path(), &["check", "--format", format, "."]);
        assert_eq!(code(&out), 2, "{format}");
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{format}: {err}");
        assert!(
            lines[0].starts_with("broken.yaml:5:7: input-error invalid YAML"),
            "{format}: {err}"
        );
        assert_eq!(
            lines[1],
            "cutover: Found 2 findings (0 error, 2 warning, 0 info) in 2 files checked; 1 input could not be read.",
            "{format}"
        );
    }
    // With `--output`, the human report goes to the file and the summary to standard error.
    let report = tmp.path().join("report.txt");
    let out = cutover(
        tmp.path(),
        &["check", "--output", report.to_str().unwrap(), "task.json"],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "cutover: Found 1 finding (0 error, 1 warning, 0 info) in 1 file checked.\n"
    );
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("ECS001/missing-stop-timeout"));
    // `--quiet` keeps the errors, drops the summary.
    let out = cutover(tmp.path(), &["check", "--format", "json", "--quiet", "."]);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn concise_format_is_one_line_per_finding() {
    let tmp = mixed();
    let out = cutover(tmp.path(), &["check", "--format", "concise", "."]);
    assert_eq!(code(&out), 2);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("broken.yaml:5:7: input-error invalid YAML"),
        "{text}"
    );
    assert_eq!(
        lines[1],
        "pod.yaml:7:7: K8S001 [warning] container `web` has no CPU or memory request"
    );
    assert!(
        lines[2]
            .starts_with("task.json:4:6: ECS001 [warning] container `orders` has no `stopTimeout`"),
        "{text}"
    );
    assert_eq!(
        lines[3],
        "Found 2 findings (0 error, 2 warning, 0 info) in 2 files checked; 1 input could not be read."
    );
    // Nothing on standard error: the report already says it all.
    assert_eq!(stderr(&out), "");
    let out = cutover(
        tmp.path(),
        &["check", "--format", "concise", "-q", "pod.yaml"],
    );
    assert_eq!(
        stdout(&out),
        "pod.yaml:7:7: K8S001 [warning] container `web` has no CPU or memory request\n"
    );
}

#[test]
fn statistics_count_findings_per_rule() {
    let tmp = TempDir::new("ux-stats");
    tmp.write("task.json", BAD_TASKDEF);
    tmp.write("a.yaml", POD);
    tmp.write("b.yaml", POD);
    let out = cutover(tmp.path(), &["check", "--statistics", "."]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stdout(&out),
        "     2  K8S001   missing-resource-requests  [warning]\n     1  ECS001   missing-stop-timeout       [warning]\nFound 3 findings (0 error, 3 warning, 0 info) in 3 files checked.\n"
    );
    let out = cutover(
        tmp.path(),
        &["check", "--statistics", "--format", "json", "."],
    );
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "error: `--statistics` goes with the human or concise format\n"
    );
}

#[test]
fn human_quiet_drops_notes_and_summary() {
    let tmp = TempDir::new("ux-quiet");
    tmp.write("task.json", BAD_TASKDEF);
    let out = cutover(tmp.path(), &["check", "-q", "."]);
    let text = stdout(&out);
    assert!(text.contains("ECS001/missing-stop-timeout"), "{text}");
    assert!(!text.contains("Found 1 finding"), "{text}");
    let out = cutover(tmp.path(), &["check", "."]);
    assert!(
        stdout(&out).ends_with("Found 1 finding (0 error, 1 warning, 0 info) in 1 file checked.\n")
    );
}

#[test]
fn colour_follows_force_color_and_no_color() {
    let tmp = TempDir::new("ux-colour");
    tmp.write("task.json", BAD_TASKDEF);
    let run = |vars: &[(&str, &str)]| {
        let mut c = bin();
        c.current_dir(tmp.path()).args(["check", "."]);
        for v in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE"] {
            c.env_remove(v);
        }
        for (k, v) in vars {
            c.env(k, v);
        }
        stdout(&c.output().unwrap()).contains("\u{1b}[")
    };
    assert!(!run(&[]), "not a terminal: no colour");
    assert!(run(&[("FORCE_COLOR", "1")]));
    assert!(run(&[("CLICOLOR_FORCE", "1")]));
    assert!(!run(&[("FORCE_COLOR", "0")]));
    assert!(!run(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    for args in [&["rules"][..], &["explain", "ECS001"][..]] {
        let mut child = bin()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe as `head -c1` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut one = [0u8; 1];
        stdout.read_exact(&mut one).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(stderr(&out), "", "{args:?}");
    }
}

#[test]
fn explain_prints_the_page_without_the_generator_comment_and_suggests() {
    let out = bin().args(["explain", "ECS001"]).output().unwrap();
    let text = stdout(&out);
    assert!(
        text.starts_with("# ECS001 missing-stop-timeout\n\n| |"),
        "{text}"
    );
    assert!(!text.contains("<!--"), "{text}");
    let out = bin().args(["explain", "ECS01"]).output().unwrap();
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "error: unknown rule `ECS01`\n  help: did you mean `ECS001`?\n  help: `cutover rules` lists every rule\n"
    );
    let tmp = TempDir::new("ux-select");
    tmp.write("task.json", BAD_TASKDEF);
    let out = cutover(
        tmp.path(),
        &["check", "--select", "missing-stop-timout", "."],
    );
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "error: unknown rule selector `missing-stop-timout`; did you mean `missing-stop-timeout`? (see `cutover rules`)\n"
    );
}

#[test]
fn plugin_names_get_a_suggestion() {
    let tmp = TempDir::new("ux-plugin");
    let bin_dir = tmp.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let plugin = bin_dir.join("cutover-imagepolicy");
    std::fs::write(&plugin, "#!/bin/sh\nexit 0\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    tmp.write("task.json", BAD_TASKDEF);
    let out = Command::new(BIN)
        .current_dir(tmp.path())
        .env("PATH", &bin_dir)
        .env("HOME", tmp.path())
        .args(["check", "--plugin", "imagepolicie", "task.json"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(
            "no executable `cutover-imagepolicie` on PATH or in ~/.cutover/bin (it is enabled by `plugins` in cutover.toml or `--plugin`); did you mean `imagepolicy`?"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_report_that_cannot_be_written_names_its_path() {
    let tmp = TempDir::new("ux-output");
    tmp.write("task.json", BAD_TASKDEF);
    let target = tmp.path().join("no-such-dir/report.json");
    let out = cutover(
        tmp.path(),
        &[
            "check",
            "--format",
            "json",
            "-o",
            target.to_str().unwrap(),
            "task.json",
        ],
    );
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "error: cannot write the report to {}: ",
            target.display()
        )),
        "{err}"
    );
}

#[test]
fn nothing_to_lint_is_a_warning_that_says_why() {
    let tmp = TempDir::new("ux-empty");
    tmp.write("README.md", "# docs\n");
    tmp.write(".deploy/app.yaml", POD);
    let out = cutover(tmp.path(), &["check", "."]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        stderr(&out),
        "warning: no file to lint in .\n  \
         - 1 file with an extension cutover does not read (e.g. README.md); it reads .json, .yaml, .yml, .tf and .tfvars\n  \
         - 1 file in hidden files or directories (e.g. .deploy/app.yaml); name a hidden directory on the command line to lint it\n  \
         help: `--fail-on-empty` (or `fail-on-empty = true` in cutover.toml) makes this fail the run\n"
    );
    let out = cutover(
        tmp.path(),
        &["check", "--fail-on-empty", "--format", "sarif", "."],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("error: no file to lint in .\n"),
        "{}",
        stderr(&out)
    );
    tmp.write("cutover.toml", "fail-on-empty = true\n");
    assert_eq!(code(&cutover(tmp.path(), &["check", "."])), 2);
    // Naming the hidden directory lints it.
    let out = cutover(tmp.path(), &["check", ".deploy"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

/// `schemas/report-v1.json` describes what `--format json` writes: every report over the test
/// corpus (findings, suppressions, input errors, skipped files) validates against it.
#[test]
fn json_reports_match_their_schema() {
    let text = std::fs::read_to_string(repo().join("schemas/report-v1.json")).unwrap();
    let schema = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    let corpus = test_corpus();
    let mut seen = (0, 0, 0, 0);
    for dir in ["rules", "scenarios", "hostile"] {
        let out = cutover(&corpus, &["check", "--format", "json", dir]);
        let v = json_of(&out);
        let errors: Vec<String> = schema
            .iter_errors(&v)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{dir}: {errors:#?}");
        let n = |k: &str| v[k].as_array().map_or(0, Vec::len);
        seen.0 += n("findings");
        seen.1 += n("suppressed");
        seen.2 += n("errors");
        seen.3 += n("skipped");
    }
    // The corpus exercises every part of the format.
    assert!(
        seen.0 > 100 && seen.1 > 0 && seen.2 > 0 && seen.3 > 0,
        "{seen:?}"
    );
}
