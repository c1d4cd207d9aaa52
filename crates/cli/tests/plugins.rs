//! Plugin tests in the style of cargo's `tests/testsuite/cargo_command.rs`: a fake `cutover-foo`
//! (a shell script) in a temporary directory put on `PATH`, and the real binary run against it.
//!
//! * External subcommands: discovery (PATH and `~/.cutover/bin`), argument passing, environment,
//!   exit codes, `--list`, `help`, did-you-mean, built-ins winning.
//! * Rule plugins: the request, findings with exact spans, selection and severity overrides, and
//!   every failure mode (not found, invalid JSON, schema mismatch, unknown protocol version,
//!   crash, non-zero exit, timeout, findings that do not resolve): one error naming the plugin,
//!   built-in findings still reported, exit code 2.
//! * The example plugin `examples/plugins/cutover-imagepolicy` (Python) through the real host,
//!   with exact spans in every output format (see `example_plugin_every_format`).
#![cfg(unix)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

/// A temporary directory with `bin/` (put first on PATH), `home/` (HOME) and `work/` (the
/// working directory). Removed on drop.
struct Sandbox {
    root: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "cutover-plugins-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["bin", "home", "work"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        Sandbox { root }
    }
    fn bin(&self) -> PathBuf {
        self.root.join("bin")
    }
    fn work(&self) -> PathBuf {
        self.root.join("work")
    }
    fn home(&self) -> PathBuf {
        self.root.join("home")
    }
    /// An executable `cutover-<name>` shell script in `dir`.
    fn script_in(&self, dir: &Path, name: &str, body: &str) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let p = dir.join(format!("cutover-{name}"));
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }
    fn script(&self, name: &str, body: &str) -> PathBuf {
        self.script_in(&self.bin(), name, body)
    }
    fn file(&self, rel: &str, text: &str) {
        let p = self.work().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn cutover(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run cutover")
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.bin()];
        paths.extend(std::env::split_paths(&path));
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.work())
            .env("PATH", std::env::join_paths(paths).unwrap())
            .env("HOME", self.home())
            .env_remove("CUTOVER_HOME")
            .env_remove("CUTOVER_IMAGEPOLICY_ALLOW")
            .env("NO_COLOR", "1");
        c
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

// ---------------------------------------------------------------------------------------------
// External subcommands

#[test]
fn list_command_looks_at_path() {
    let sb = Sandbox::new();
    let p = sb.script("1", "exit 0");
    let o = sb.cutover(&["--list"]);
    assert_eq!(code(&o), 0, "{}", stderr_no_summary(&o));
    let out = stdout(&o);
    assert!(out.starts_with("Installed commands:\n"), "{out}");
    for builtin in ["check", "report", "rules", "explain", "dump-model", "help"] {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(builtin)),
            "{builtin} missing in:\n{out}"
        );
    }
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["1", "(plugin)"]),
        "{out}"
    );
    assert!(
        !out.contains(&p.display().to_string()),
        "paths only under -v"
    );

    let o = sb.cutover(&["--list", "-v"]);
    let shown = p.display().to_string();
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["1", shown.as_str()]),
        "{}",
        stdout(&o)
    );
}

#[test]
fn list_and_run_from_cutover_home_bin() {
    let sb = Sandbox::new();
    let dir = sb.home().join(".cutover/bin");
    let p = sb.script_in(&dir, "homeplug", "echo from-home");
    let o = sb.cutover(&["--list", "-v"]);
    assert!(
        stdout(&o).contains(&p.display().to_string()),
        "{}",
        stdout(&o)
    );
    let o = sb.cutover(&["homeplug"]);
    assert_eq!(stdout(&o), "from-home\n");

    // `CUTOVER_HOME` moves it.
    let other = sb.root.join("elsewhere");
    sb.script_in(&other.join("bin"), "moved", "echo moved");
    let o = sb
        .cmd(&["moved"])
        .env("CUTOVER_HOME", &other)
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "moved\n", "{}", stderr_no_summary(&o));
}

#[test]
fn non_executable_files_are_not_plugins() {
    let sb = Sandbox::new();
    let p = sb.script("noexec", "echo hi");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(!stdout(&sb.cutover(&["--list"])).contains("noexec"));
    let o = sb.cutover(&["noexec"]);
    assert_eq!(code(&o), 2);
    assert!(stderr_no_summary(&o).contains("no such command: `noexec`"));
}

#[test]
fn subcommand_args_are_passed_through() {
    let sb = Sandbox::new();
    sb.script("foo", r#"for a in "$@"; do printf '[%s]\n' "$a"; done"#);
    let o = sb.cutover(&["foo", "bar", "--check", "-v", "two words", ""]);
    assert_eq!(code(&o), 0, "{}", stderr_no_summary(&o));
    assert_eq!(stdout(&o), "[bar]\n[--check]\n[-v]\n[two words]\n[]\n");
}

#[test]
fn subcommand_env() {
    let sb = Sandbox::new();
    sb.script("envtest", r#"echo "$CUTOVER"; echo "$CUTOVER_VERSION""#);
    let o = sb.cutover(&["envtest"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    let mut lines = out.lines();
    let host = lines.next().unwrap();
    assert_eq!(
        std::fs::canonicalize(host).unwrap(),
        std::fs::canonicalize(BIN).unwrap()
    );
    assert_eq!(lines.next(), Some(env!("CARGO_PKG_VERSION")));
}

#[test]
fn subcommand_stdin_and_exit_code_propagate() {
    let sb = Sandbox::new();
    sb.script("exit", r#"cat; exit "${1:-0}""#);
    for want in [0, 1, 3, 42, 255] {
        let mut c = sb.cmd(&["exit", &want.to_string()]);
        c.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"piped").unwrap();
        let o = child.wait_with_output().unwrap();
        assert_eq!(code(&o), want);
        assert_eq!(stdout(&o), "piped");
    }
}

#[test]
fn builtin_wins_over_plugin_with_warning_under_verbose() {
    let sb = Sandbox::new();
    let p = sb.script("rules", "echo PLUGIN; exit 9");
    let o = sb.cutover(&["rules"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("ECS001"));
    assert!(!stdout(&o).contains("PLUGIN"));
    assert_eq!(stderr_no_summary(&o), "", "no warning without -v");

    let o = sb.cutover(&["-v", "rules"]);
    assert_eq!(code(&o), 0);
    assert!(!stdout(&o).contains("PLUGIN"));
    assert_eq!(
        stderr_no_summary(&o),
        format!(
            "warning: `{}` is shadowed by the built-in command `rules` and was not run\n",
            p.display()
        )
    );
    // `--list -v` says so too.
    let o = sb.cutover(&["--list", "-v"]);
    assert!(stdout(&o).contains("(shadowed by the built-in command)"));
}

#[test]
fn help_runs_plugin_help() {
    let sb = Sandbox::new();
    sb.script("foo", r#"echo "foo help: $*""#);
    let o = sb.cutover(&["help", "foo"]);
    assert_eq!(code(&o), 0, "{}", stderr_no_summary(&o));
    assert_eq!(stdout(&o), "foo help: --help\n");

    // Built-ins: clap's help for the command.
    let o = sb.cutover(&["help", "check"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("Usage: cutover check"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn find_closest_command() {
    let sb = Sandbox::new();
    sb.script("imagepolicy", "exit 0");
    let o = sb.cutover(&["chek"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr_no_summary(&o),
        "error: no such command: `chek`\n\
         \n  help: a command with a similar name exists: `check`\n\
         \n  help: view all installed commands with `cutover --list`\n  \
         help: a plugin is an executable named `cutover-chek` on PATH or in ~/.cutover/bin\n"
    );
    // Plugins are candidates too, and `help` suggests the same way.
    let o = sb.cutover(&["imagepolcy"]);
    assert!(stderr_no_summary(&o).contains("a command with a similar name exists: `imagepolicy`"));
    let o = sb.cutover(&["help", "dump-modle"]);
    assert_eq!(code(&o), 2);
    assert!(stderr_no_summary(&o).contains("a command with a similar name exists: `dump-model`"));
    // Nothing close: no suggestion.
    let o = sb.cutover(&["zzzzzz"]);
    assert!(!stderr_no_summary(&o).contains("similar name"));
}

// ---------------------------------------------------------------------------------------------
// Rule plugins

/// A task definition with one ECS001 finding (built-in) and a Kubernetes Deployment.
fn inputs(sb: &Sandbox) {
    sb.file(
        "taskdef.json",
        r#"{
  "family": "orders",
  "containerDefinitions": [
    {"name": "orders", "image": "evil.example/orders:1", "essential": true}
  ]
}
"#,
    );
    sb.file(
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx\n          resources:\n            requests: {cpu: 1, memory: 1Gi}\n",
    );
}

const FOO_RULES: &str = r#"{"protocol":1,"rules":[{"id":"FOO001","name":"foo-thing","default_severity":"warning","summary":"flags foo","help_uri":"https://example.com/FOO001"},{"id":"FOO002","name":"foo-other","default_severity":"info","summary":"flags other foo"}]}"#;

/// A rule plugin `cutover-foo` whose `check` saves the request and runs `check_body`.
fn rule_plugin(sb: &Sandbox, name: &str, check_body: &str) {
    let req = sb.root.join(format!("request-{name}.json"));
    sb.script(
        name,
        &format!(
            "case \"$1 $2 $3\" in\n\
             \"rules --protocol 1\") echo '{FOO_RULES}' ;;\n\
             \"check --protocol 1\") cat > '{}'\n{check_body}\n ;;\n\
             *) echo \"bad args: $*\" >&2; exit 64 ;;\n\
             esac",
            req.display()
        ),
    );
}

fn answer(findings: &str) -> String {
    format!("echo '{{\"protocol\":1,\"findings\":[{findings}]}}'")
}

/// `file:l:c-l:c ID severity message` for every finding of a JSON report.
fn lines(v: &Value) -> Vec<String> {
    finding_lines(v, &[])
}

const ECS001_LINE: &str = "taskdef.json:4:6-4:22 ECS001 warning container `orders` has no `stopTimeout`: SIGTERM then SIGKILL after 30 s";

fn check_json(sb: &Sandbox, extra: &[&str]) -> Output {
    let mut args = vec!["check", "--format", "json", "--plugin", "foo"];
    args.extend_from_slice(extra);
    sb.cutover(&args)
}

#[test]
fn plugin_findings_get_exact_spans() {
    let sb = Sandbox::new();
    inputs(&sb);
    rule_plugin(
        &sb,
        "foo",
        &answer(
            r#"{"rule_id":"FOO001","message":"image `evil.example/orders:1` is foo","location":{"file":"taskdef.json","pointer":"/containerDefinitions/0/image"},"help":"use bar","notes":["because"],"related":[{"message":"the workload","location":{"file":"deploy.yaml","pointer":"/metadata/name","target":"member"}}]},
{"rule_id":"FOO002","message":"key foo","location":{"file":"deploy.yaml","document":0,"pointer":"/spec/template/spec/containers/0/image","target":"key"},"severity":"error","missing_path":"spec.x","logical_path":"Deployment/web"},
{"rule_id":"FOO001","message":"byte range foo","location":{"file":"deploy.yaml","start_byte":20,"end_byte":30}}"#,
        ),
    );
    let o = check_json(&sb, &[]);
    assert_eq!(code(&o), 1, "{}", stderr_no_summary(&o));
    assert_eq!(stderr_no_summary(&o), "");
    let v = json_of(&o);
    assert_eq!(
        lines(&v),
        [
            "deploy.yaml:2:1-2:11 FOO001 warning byte range foo",
            "deploy.yaml:10:11-10:16 FOO002 error key foo",
            ECS001_LINE,
            "taskdef.json:4:33-4:56 FOO001 warning image `evil.example/orders:1` is foo",
        ]
    );
    let f = &v["findings"][3];
    assert_eq!(f["rule_name"], "foo-thing");
    assert_eq!(f["help"], "use bar");
    assert_eq!(f["notes"][0], "because");
    assert_eq!(f["location"]["start_byte"], 84);
    let r = &f["related"][0];
    assert_eq!(r["message"], "the workload");
    assert_eq!(r["location"]["file"], "deploy.yaml");
    assert_eq!(r["location"]["start_line"], 4);
    assert_eq!(r["location"]["start_column"], 3);
    assert_eq!(r["location"]["end_column"], 12);
    assert_eq!(v["findings"][1]["missing_path"], "spec.x");
    assert_eq!(v["findings"][1]["logical_path"], "Deployment/web");

    // Human output renders them like built-in findings.
    let o = sb.cutover(&["check", "--plugin", "foo"]);
    let out = stdout(&o);
    assert!(
        out.contains(
            "warning[FOO001/foo-thing]: image `evil.example/orders:1` is foo\n  ┌─ taskdef.json:4:33\n"
        ),
        "{out}"
    );
    assert!(out.contains("= help: use bar"), "{out}");
    assert!(
        out.contains("Found 4 findings (1 error, 3 warning, 0 info)"),
        "{out}"
    );
}

fn request_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schemas/plugin-request-v1.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn assert_valid(schema: &jsonschema::Validator, v: &Value) {
    let errors: Vec<String> = schema
        .iter_errors(v)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn request_matches_schema_and_dump_model() {
    let sb = Sandbox::new();
    inputs(&sb);
    sb.file(
        "cutover.toml",
        "plugins = [\"foo\"]\n[plugin.foo]\nlevel = 3\nnames = [\"a\"]\n",
    );
    rule_plugin(&sb, "foo", &answer(""));
    let o = sb.cutover(&["check", "--format", "json", "--ignore", "FOO002"]);
    assert_eq!(code(&o), 1, "{}", stderr_no_summary(&o));
    let req: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.root.join("request-foo.json")).unwrap())
            .unwrap();
    let schema = request_schema();
    assert_valid(&schema, &req);
    assert_eq!(req["protocol"], 1);
    assert_eq!(req["plugin"], "foo");
    assert_eq!(req["rules"], serde_json::json!(["FOO001"]));
    assert_eq!(
        req["options"],
        serde_json::json!({"level": 3, "names": ["a"]})
    );
    let files = req["files"].as_array().unwrap();
    assert_eq!(files[0]["path"], "deploy.yaml");
    assert_eq!(files[0]["kind"], "k8s");
    assert_eq!(files[1]["path"], "taskdef.json");
    assert_eq!(files[1]["kind"], "taskdef");
    let doc = &files[1]["documents"][0];
    assert_eq!(doc["value"]["containerDefinitions"][0]["name"], "orders");
    assert_eq!(
        doc["nodes"]["/containerDefinitions/0/image"],
        serde_json::json!([84, 107])
    );
    assert_eq!(
        req["model"]["workloads"][0]["containers"][0]["pointer"],
        "/spec/template/spec/containers/0"
    );
    assert_eq!(
        req["model"]["task_definitions"][0]["containers"][0]["pointer"],
        "/containerDefinitions/0"
    );

    // `dump-model` prints the same files and model.
    let o = sb.cutover(&["dump-model", "--format", "json", "."]);
    assert_eq!(code(&o), 0, "{}", stderr_no_summary(&o));
    let dump = json_of(&o);
    assert_valid(&schema, &dump);
    assert_eq!(dump["files"], req["files"]);
    assert_eq!(dump["model"], req["model"]);
    assert!(dump.get("plugin").is_none());
}

#[test]
fn dump_model_inlines_embedded_json() {
    let sb = Sandbox::new();
    let text =
        std::fs::read_to_string(repo().join("test-corpus/plugins/imagepolicy/service.tf.json"))
            .unwrap();
    sb.file("service.tf.json", &text);
    let o = sb.cutover(&["dump-model", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr_no_summary(&o));
    let v = json_of(&o);
    assert_valid(&request_schema(), &v);
    let doc = &v["files"][0]["documents"][0];
    let ptr = "/resource/aws_ecs_task_definition/api/container_definitions";
    assert_eq!(doc["embedded"], serde_json::json!([ptr]));
    let image_ptr = format!("{ptr}/0/image");
    assert_eq!(
        doc["value"].pointer(&image_ptr).unwrap(),
        "ghcr.io/acme/api:2"
    );
    let span = doc["nodes"][image_ptr.as_str()].as_array().unwrap();
    let (s, e) = (
        span[0].as_u64().unwrap() as usize,
        span[1].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], r#"\"ghcr.io/acme/api:2\""#);
    assert_eq!(
        v["model"]["task_definitions"][0]["containers"][0]["pointer"],
        format!("{ptr}/0")
    );
    assert_eq!(
        v["model"]["terraform_resources"][0]["address"],
        "aws_ecs_task_definition.api"
    );
}

#[test]
fn selection_and_severity_overrides_apply_to_plugin_rules() {
    let sb = Sandbox::new();
    inputs(&sb);
    rule_plugin(
        &sb,
        "foo",
        &answer(
            r#"{"rule_id":"FOO001","message":"foo","location":{"file":"taskdef.json","pointer":"/family"}},{"rule_id":"FOO002","message":"other","location":{"file":"taskdef.json","pointer":"/family"}}"#,
        ),
    );
    sb.file("cutover.toml", "[rules.severity]\nfoo-thing = \"error\"\n");
    let o = check_json(&sb, &["--select", "FOO"]);
    assert_eq!(
        lines(&json_of(&o)),
        [
            "taskdef.json:2:13-2:21 FOO001 error foo",
            "taskdef.json:2:13-2:21 FOO002 info other"
        ]
    );
    let o = check_json(&sb, &["--ignore", "FOO002", "--fail-on", "error"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        lines(&json_of(&o)),
        ["taskdef.json:2:13-2:21 FOO001 error foo", ECS001_LINE]
    );
    // A plugin with every rule deselected is not run at all.
    let _ = std::fs::remove_file(sb.root.join("request-foo.json"));
    let o = check_json(&sb, &["--ignore", "FOO"]);
    assert_eq!(lines(&json_of(&o)), [ECS001_LINE]);
    assert!(!sb.root.join("request-foo.json").exists());
    // Unknown selectors are still errors.
    let o = check_json(&sb, &["--select", "BAR001"]);
    assert_eq!(code(&o), 2);
    assert!(stderr_no_summary(&o).contains("unknown rule selector `BAR001`"));
}

/// Run `check --plugin foo` with `check_body` as the plugin's `check`, expect exit 2, the built-in
/// finding alone, and one error naming the plugin that contains `want`.
fn expect_failure(check_body: &str, extra: &[&str], want: &str) -> String {
    let sb = Sandbox::new();
    inputs(&sb);
    rule_plugin(&sb, "foo", check_body);
    let o = check_json(&sb, extra);
    assert_eq!(code(&o), 2, "stderr: {}", stderr_no_summary(&o));
    assert_eq!(
        lines(&json_of(&o)),
        [ECS001_LINE],
        "built-in findings are kept"
    );
    let err = stderr_no_summary(&o);
    assert!(err.starts_with("error: plugin `foo`: "), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "one error: {err}");
    assert!(err.contains(want), "want {want:?} in:\n{err}");
    err
}

#[test]
fn failure_invalid_json() {
    expect_failure(
        "echo 'not json'",
        &[],
        "`cutover-foo check --protocol 1` wrote invalid JSON: expected ident at line 1 column 2",
    );
    expect_failure("true", &[], "wrote nothing on standard output");
}

#[test]
fn failure_schema_mismatch() {
    let err = expect_failure(
        &answer(r#"{"rule_id":"FOO001","message":"m"}"#),
        &[],
        "answered JSON that does not match schemas/plugin-response-v1.json: at `/findings/0`:",
    );
    assert!(err.contains("location"), "{err}");
    expect_failure(
        &answer(
            r#"{"rule_id":"FOO001","message":"m","location":{"file":"taskdef.json","pointer":"/family"},"colour":"red"}"#,
        ),
        &[],
        "does not match schemas/plugin-response-v1.json",
    );
}

#[test]
fn failure_unknown_protocol_version() {
    expect_failure(
        "echo '{\"protocol\":2,\"findings\":[]}'",
        &[],
        "answered with protocol version 2, but this cutover speaks version 1 only",
    );
}

#[test]
fn failure_crash() {
    expect_failure(
        "kill -SEGV $$",
        &[],
        "`cutover-foo check --protocol 1` crashed: killed by signal 11 (SIGSEGV)",
    );
}

#[test]
fn failure_non_zero_exit_shows_stderr() {
    let err = expect_failure(
        "echo 'Traceback: boom' >&2; exit 3",
        &[],
        "`cutover-foo check --protocol 1` exited with status 3",
    );
    assert!(
        err.contains("= plugin stderr (last lines):\n    Traceback: boom"),
        "{err}"
    );
}

#[test]
fn failure_timeout() {
    let start = Instant::now();
    expect_failure(
        "exec sleep 20",
        &["--plugin-timeout", "0.5"],
        "`cutover-foo check --protocol 1` did not finish within 0.5 s (raise it with `--plugin-timeout` or `plugin-timeout` in cutover.toml)",
    );
    assert!(start.elapsed() < Duration::from_secs(10));

    // The configuration file sets it too.
    let sb = Sandbox::new();
    inputs(&sb);
    sb.file("cutover.toml", "plugin-timeout = 1\n");
    rule_plugin(&sb, "foo", "exec sleep 20");
    let o = check_json(&sb, &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr_no_summary(&o).contains("did not finish within 1 s"),
        "{}",
        stderr_no_summary(&o)
    );
}

#[test]
fn failure_unresolvable_findings() {
    expect_failure(
        &answer(
            r#"{"rule_id":"FOO001","message":"m","location":{"file":"taskdef.json","pointer":"/nope"}}"#,
        ),
        &[],
        "finding 0 (FOO001) pointer `/nope` does not exist in document 0 of `taskdef.json`",
    );
    expect_failure(
        &answer(
            r#"{"rule_id":"FOO001","message":"m","location":{"file":"other.json","pointer":""}}"#,
        ),
        &[],
        "names the file `other.json`, which is not in the request",
    );
    expect_failure(
        &answer(
            r#"{"rule_id":"FOO001","message":"m","location":{"file":"taskdef.json","start_byte":5,"end_byte":5000}}"#,
        ),
        &[],
        "byte range 5..5000 is outside `taskdef.json`",
    );
    expect_failure(
        &answer(
            r#"{"rule_id":"BAR001","message":"m","location":{"file":"taskdef.json","pointer":""}}"#,
        ),
        &[],
        "finding 0 is for `BAR001`, which is neither one of its rules nor a rule it extends or supersedes",
    );
}

#[test]
fn failure_in_rules_step() {
    let sb = Sandbox::new();
    inputs(&sb);
    sb.script(
        "foo",
        r#"[ "$1" = rules ] && echo '{"protocol":1,"rules":[{"id":"ECS900","name":"x","default_severity":"warning","summary":"s"}]}'"#,
    );
    let o = check_json(&sb, &[]);
    assert_eq!(code(&o), 2);
    assert_eq!(lines(&json_of(&o)), [ECS001_LINE]);
    assert_eq!(
        stderr_no_summary(&o),
        "error: plugin `foo`: rule `ECS900` uses the prefix `ECS` reserved for built-in rules; choose another prefix\n"
    );

    sb.script("foo", r#"echo '{"protocol":1,"rules":[{"id":"foo1"}]}'"#);
    let o = check_json(&sb, &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr_no_summary(&o).contains("`cutover-foo rules --protocol 1` answered JSON that does not match schemas/plugin-rules-v1.json"),
        "{}",
        stderr_no_summary(&o)
    );
    // A selector naming the failed plugin's rules is not a second error.
    let o = check_json(&sb, &["--ignore", "FOO001"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stderr_no_summary(&o).matches("error:").count(), 1);
}

#[test]
fn failure_plugin_not_found() {
    let sb = Sandbox::new();
    inputs(&sb);
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "nope"]);
    assert_eq!(code(&o), 2);
    assert_eq!(lines(&json_of(&o)), [ECS001_LINE]);
    assert_eq!(
        stderr_no_summary(&o),
        "error: plugin `nope`: no executable `cutover-nope` on PATH or in ~/.cutover/bin (it is enabled by `plugins` in cutover.toml or `--plugin`)\n"
    );
}

#[test]
fn plugins_run_in_parallel() {
    let sb = Sandbox::new();
    inputs(&sb);
    for (name, prefix) in [("p1", "PA"), ("p2", "PB"), ("p3", "PC")] {
        sb.script(
            name,
            &format!(
                "case \"$1\" in\n rules) echo '{{\"protocol\":1,\"rules\":[{{\"id\":\"{prefix}001\",\"name\":\"{name}-rule\",\"default_severity\":\"info\",\"summary\":\"s\"}}]}}' ;;\n check) cat >/dev/null; sleep 1; echo '{{\"protocol\":1,\"findings\":[{{\"rule_id\":\"{prefix}001\",\"message\":\"{name}\",\"location\":{{\"file\":\"taskdef.json\",\"pointer\":\"/family\"}}}}]}}' ;;\n esac"
            ),
        );
    }
    let start = Instant::now();
    let o = sb.cutover(&[
        "check", "--format", "json", "--plugin", "p1,p2", "--plugin", "p3",
    ]);
    let took = start.elapsed();
    assert_eq!(code(&o), 1, "{}", stderr_no_summary(&o));
    assert_eq!(lines(&json_of(&o)).len(), 4);
    assert!(took < Duration::from_millis(2700), "took {took:?}");
}

// ---------------------------------------------------------------------------------------------
// The example plugin, through the real host

/// One expected finding of `examples/plugins/cutover-imagepolicy` on
/// `test-corpus/plugins/imagepolicy/`, in the units every format uses (1-based lines and
/// character columns, end exclusive).
struct Expect {
    file: &'static str,
    line: u32,
    col: u32,
    end_line: u32,
    end_col: u32,
    rule: &'static str,
    severity: &'static str,
    message: &'static str,
}

const EXAMPLE: &[Expect] = &[
    Expect {
        file: "service.tf.json",
        line: 6,
        col: 67,
        end_line: 6,
        end_col: 89,
        rule: "IMG001",
        severity: "error",
        message: "container `api` pulls `ghcr.io/acme/api:2` from `ghcr.io`, which is not an allowed registry",
    },
    Expect {
        file: "workloads.yaml",
        line: 16,
        col: 11,
        end_line: 16,
        end_col: 24,
        rule: "K8S001",
        severity: "info",
        message: "init container `migrate` has no CPU or memory request",
    },
    Expect {
        file: "workloads.yaml",
        line: 20,
        col: 18,
        end_line: 20,
        end_col: 38,
        rule: "IMG001",
        severity: "error",
        message: "container `web` pulls `quay.io/acme/web:1.4` from `quay.io`, which is not an allowed registry",
    },
];

/// Run the example plugin through the host on its fixture directory in one output format.
fn example_output(format: &str) -> Output {
    let dir = repo().join("test-corpus/plugins/imagepolicy");
    let plugins = repo().join("examples/plugins");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![plugins];
    paths.extend(std::env::split_paths(&path));
    Command::new(BIN)
        .current_dir(&dir)
        .args(["check", "--format", format, "--color", "never", "."])
        .env("PATH", std::env::join_paths(paths).unwrap())
        .env_remove("CUTOVER_IMAGEPOLICY_ALLOW")
        .output()
        .expect("run cutover")
}

fn assert_human(out: &str) {
    for e in EXAMPLE {
        let head = format!(
            "{}[{}/",
            if e.severity == "info" {
                "note"
            } else {
                e.severity
            },
            e.rule
        );
        let at = out
            .find(&head)
            .unwrap_or_else(|| panic!("{head} missing in:\n{out}"));
        assert!(out[at..].contains(e.message), "{out}");
        assert!(
            out.contains(&format!("┌─ {}:{}:{}\n", e.file, e.line, e.col)),
            "{}:{}:{} missing in:\n{out}",
            e.file,
            e.line,
            e.col
        );
        // The caret line underlines exactly the span (single-line spans).
        let carets = format!(
            "│ {}{}\n",
            " ".repeat(e.col as usize - 1),
            "^".repeat((e.end_col - e.col) as usize)
        );
        assert!(out.contains(&carets), "{carets:?} missing in:\n{out}");
    }
    assert!(out.contains("Found 3 findings (2 error, 0 warning, 1 info) in 2 files checked."));
}

fn assert_json(out: &str) {
    let v: Value = serde_json::from_str(out).unwrap();
    let got: Vec<String> = lines(&v);
    let want: Vec<String> = EXAMPLE
        .iter()
        .map(|e| {
            format!(
                "{}:{}:{}-{}:{} {} {} {}",
                e.file, e.line, e.col, e.end_line, e.end_col, e.rule, e.severity, e.message
            )
        })
        .collect();
    assert_eq!(got, want);
    let img = &v["findings"][0];
    assert_eq!(img["rule_name"], "image-registry-not-allowed");
    assert_eq!(
        img["logical_path"],
        "aws_ecs_task_definition.api/containers[api]"
    );
    assert!(img["help"]
        .as_str()
        .unwrap()
        .starts_with("mirror the image"));
}

/// SARIF 2.1.0 (`--format sarif`, built on another branch): every expected finding is a result
/// with its region, and plugin rules are described in `tool.driver.rules` with their helpUri.
#[allow(dead_code)]
fn assert_sarif(out: &str) {
    let v: Value = serde_json::from_str(out).unwrap();
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    for e in EXAMPLE {
        assert!(
            results.iter().any(|r| {
                let loc = &r["locations"][0]["physicalLocation"];
                let reg = &loc["region"];
                r["ruleId"] == e.rule
                    && r["message"]["text"]
                        .as_str()
                        .is_some_and(|m| m.to_lowercase().starts_with(&e.message.to_lowercase()))
                    && loc["artifactLocation"]["uri"]
                        .as_str()
                        .is_some_and(|u| u.ends_with(e.file))
                    && reg["startLine"] == e.line
                    && reg["startColumn"] == e.col
                    && reg["endLine"] == e.end_line
                    && reg["endColumn"] == e.end_col
            }),
            "no SARIF result for {}:{}:{} {}",
            e.file,
            e.line,
            e.col,
            e.rule
        );
    }
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let img = rules
        .iter()
        .find(|r| r["id"] == "IMG001")
        .expect("IMG001 in rules");
    assert!(
        img["name"] == "image-registry-not-allowed" || img["name"] == "ImageRegistryNotAllowed",
        "{img}"
    );
    // The plugin's own documentation, not a built-in rules-docs page.
    assert!(img["help"]["markdown"]
        .as_str()
        .is_some_and(|m| m.contains("Mirror the image into an allowed registry")));
    assert_eq!(
        img["helpUri"],
        "https://github.com/cutover-dev/cutover/blob/main/docs/plugins.md"
    );
}

/// GitHub workflow commands (`--format github`): paths relative to the repository, as GitHub
/// needs them, whatever the working directory.
fn assert_github(out: &str) {
    for e in EXAMPLE {
        let level = match e.severity {
            "info" => "notice",
            s => s,
        };
        assert!(
            out.lines().any(|l| {
                l.starts_with(&format!("::{level} "))
                    && l.contains(&format!("file=test-corpus/plugins/imagepolicy/{},", e.file))
                    && l.contains(&format!("line={},", e.line))
                    && l.contains(&format!("col={},", e.col))
                    && l.contains(&format!("endLine={},", e.end_line))
                    && l.contains(&format!("endColumn={}", e.end_col))
                    && l.contains(e.rule)
            }),
            "no GitHub annotation for {}:{} {} in:\n{out}",
            e.file,
            e.line,
            e.rule
        );
    }
}

/// Asserts one format's rendering of [`EXAMPLE`].
type Check = fn(&str);

/// Every output format renders the example plugin's findings with the same spans as built-in
/// ones. Adding a format is one line here: `("sarif", assert_sarif)`, `("github", assert_github)`.
/// (`assert_sarif` expects the descriptor's `helpUri` to be the plugin's `RuleMeta::help_uri` when
/// it has one, falling back to the built-in docs URL.)
#[test]
fn example_plugin_every_format() {
    let formats: &[(&str, Check)] = &[
        ("human", assert_human),
        ("json", assert_json),
        ("sarif", assert_sarif),
        ("github", assert_github),
    ];
    for (format, check) in formats {
        let o = example_output(format);
        assert_eq!(code(&o), 1, "{format}: {}", stderr_no_summary(&o));
        assert_eq!(stderr_no_summary(&o), "", "{format}");
        check(&stdout(&o));
    }
}

#[test]
fn example_plugin_allow_list_from_env() {
    let dir = repo().join("test-corpus/plugins/imagepolicy");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![repo().join("examples/plugins")];
    paths.extend(std::env::split_paths(&path));
    let o = Command::new(BIN)
        .current_dir(&dir)
        .args(["check", "--format", "json", "--select", "IMG", "."])
        .env("PATH", std::env::join_paths(paths).unwrap())
        .env("CUTOVER_IMAGEPOLICY_ALLOW", "ghcr.io,quay.io,docker.io")
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", stderr_no_summary(&o));
    // registry.k8s.io is allowed by cutover.toml only; the variable replaces that list.
    assert_eq!(
        lines(&json_of(&o)),
        ["workloads.yaml:17:18-17:43 IMG001 error container `migrate` pulls `registry.k8s.io/pause:3.9` from `registry.k8s.io`, which is not an allowed registry"]
    );
}

/// The JSON examples of `docs/plugins.md` match the schemas they illustrate.
#[test]
fn docs_examples_match_schemas() {
    let doc = std::fs::read_to_string(repo().join("docs/plugins.md")).unwrap();
    let schema = |name: &str| {
        let text = std::fs::read_to_string(repo().join("schemas").join(name)).unwrap();
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
    };
    for (heading, file) in [
        ("#### `rules` answer", "plugin-rules-v1.json"),
        (
            "#### `check` request (standard input)",
            "plugin-request-v1.json",
        ),
        (
            "#### `check` answer (standard output)",
            "plugin-response-v1.json",
        ),
    ] {
        let at = doc
            .find(heading)
            .unwrap_or_else(|| panic!("{heading} missing"));
        let rest = &doc[at..];
        let start = rest.find("```json\n").unwrap() + "```json\n".len();
        let end = start + rest[start..].find("```").unwrap();
        let v: Value =
            serde_json::from_str(&rest[start..end]).unwrap_or_else(|e| panic!("{heading}: {e}"));
        assert_valid(&schema(file), &v);
    }
}

// ---------------------------------------------------------------------------------------------
// Extending and superseding built-in rules

/// A plugin `cutover-<name>` that supersedes the rules `supersedes` (and has one rule of its
/// own) and runs `check_body` as its `check`.
fn superseding_plugin(sb: &Sandbox, name: &str, supersedes: &str, check_body: &str) {
    builtin_plugin(
        sb,
        name,
        &format!(r#""supersedes":{supersedes}"#),
        check_body,
    );
}

/// A plugin `cutover-<name>` whose `rules` answer has one rule of its own (`<NAME>001`) plus
/// `members`
/// (`"extends": […]`, `"supersedes": […]`), and that runs `check_body` as its `check`.
fn builtin_plugin(sb: &Sandbox, name: &str, members: &str, check_body: &str) {
    let id = format!("{}001", name.to_uppercase());
    let rules = format!(
        r#"{{"protocol":1,"rules":[{{"id":"{id}","name":"live-{name}","default_severity":"warning","summary":"live"}}],{members}}}"#
    );
    sb.script(
        name,
        &format!(
            "case \"$1 $2 $3\" in\n\
             \"rules --protocol 1\") echo '{rules}' ;;\n\
             \"check --protocol 1\") cat > '{}'\n{check_body}\n ;;\n\
             *) exit 64 ;;\n\
             esac",
            sb.root.join(format!("request-{name}.json")).display()
        ),
    );
}

const LIVE_ECS001: &str = r#"{"rule_id":"ECS001","message":"live says so","location":{"file":"taskdef.json","pointer":"/containerDefinitions/0/name","target":"member"},"notes":["fetched at 2026-01-01T00:00:00Z"]}"#;

#[test]
fn superseding_plugin_replaces_builtin_findings_when_it_succeeds() {
    let sb = Sandbox::new();
    inputs(&sb);
    superseding_plugin(&sb, "live", r#"["ECS001"]"#, &answer(LIVE_ECS001));
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 1, "{}", stderr_no_summary(&o));
    let v = json_of(&o);
    // The built-in ECS001 finding (4:6-4:22, "has no `stopTimeout`") is gone; the plugin's stands
    // under the built-in rule's ID, name and default severity.
    assert_eq!(
        lines(&v),
        ["taskdef.json:4:6-4:22 ECS001 warning live says so"]
    );
    assert_eq!(v["findings"][0]["rule_name"], "missing-stop-timeout");
    assert_eq!(
        v["findings"][0]["notes"][0],
        "fetched at 2026-01-01T00:00:00Z"
    );
    // The request lists the superseded rule with the plugin's own.
    let req: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.root.join("request-live.json")).unwrap())
            .unwrap();
    assert_eq!(req["rules"], serde_json::json!(["LIVE001", "ECS001"]));

    // Deselecting the built-in rule: the plugin's findings under that ID are dropped too, and
    // its own rules still run.
    let o = sb.cutover(&[
        "check", "--format", "json", "--plugin", "live", "--ignore", "ECS001",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr_no_summary(&o));
    assert_eq!(lines(&json_of(&o)), Vec::<String>::new());
    let req: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.root.join("request-live.json")).unwrap())
            .unwrap();
    assert_eq!(req["rules"], serde_json::json!(["LIVE001"]));
}

#[test]
fn superseded_builtin_findings_stand_when_the_plugin_fails() {
    let sb = Sandbox::new();
    inputs(&sb);
    superseding_plugin(
        &sb,
        "live",
        r#"["ECS001"]"#,
        &format!("{}; exit 3", answer(LIVE_ECS001)),
    );
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 2, "{}", stderr_no_summary(&o));
    assert_eq!(lines(&json_of(&o)), [ECS001_LINE]);
    assert_eq!(
        stderr_no_summary(&o),
        "error: plugin `live`: `cutover-live check --protocol 1` exited with status 3\n"
    );
}

#[test]
fn supersedes_is_checked() {
    // Not a built-in rule.
    let sb = Sandbox::new();
    inputs(&sb);
    superseding_plugin(&sb, "live", r#"["ECS999"]"#, &answer(""));
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 2);
    assert_eq!(lines(&json_of(&o)), [ECS001_LINE]);
    assert_eq!(
        stderr_no_summary(&o),
        "error: plugin `live`: `supersedes` names `ECS999`, which is not a built-in rule\n"
    );
    // Two plugins superseding one rule: the second fails, the first runs.
    superseding_plugin(&sb, "other", r#"["ECS001"]"#, &answer(""));
    superseding_plugin(&sb, "live", r#"["ECS001"]"#, &answer(LIVE_ECS001));
    let o = sb.cutover(&[
        "check", "--format", "json", "--plugin", "live", "--plugin", "other",
    ]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        lines(&json_of(&o)),
        ["taskdef.json:4:6-4:22 ECS001 warning live says so"]
    );
    assert!(
        stderr_no_summary(&o).contains(
            "error: plugin `other`: supersedes built-in rule `ECS001`, which plugin `live` already supersedes"
        ),
        "{}",
        stderr_no_summary(&o)
    );
    // A plugin that does not supersede a built-in rule still may not answer it.
    rule_plugin(&sb, "foo", &answer(LIVE_ECS001));
    let o = check_json(&sb, &[]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr_no_summary(&o).contains(
            "finding 0 is for `ECS001`, which is neither one of its rules nor a rule it extends or supersedes"
        ),
        "{}",
        stderr_no_summary(&o)
    );
}

/// The shared inputs plus a second task definition: two built-in ECS001 findings.
fn two_ecs001(sb: &Sandbox) {
    inputs(sb);
    sb.file(
        "batch.json",
        r#"{
  "family": "batch",
  "containerDefinitions": [
    {"name": "batch", "image": "evil.example/batch:1", "essential": true}
  ]
}
"#,
    );
}

const BATCH_ECS001_LINE: &str = "batch.json:4:6-4:21 ECS001 warning container `batch` has no `stopTimeout`: SIGTERM then SIGKILL after 30 s";

/// A finding on the image of `taskdef.json`: not where the built-in ECS001 finding is.
const LIVE_ECS001_IMAGE: &str = r#"{"rule_id":"ECS001","message":"live adds this","location":{"file":"taskdef.json","pointer":"/containerDefinitions/0/image"}}"#;

#[test]
fn extending_plugin_adds_to_builtin_findings() {
    let sb = Sandbox::new();
    two_ecs001(&sb);
    builtin_plugin(
        &sb,
        "live",
        r#""extends":["ECS001"]"#,
        &answer(LIVE_ECS001_IMAGE),
    );
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 1, "{}", stderr_no_summary(&o));
    // Both built-in findings stand; the plugin's comes in addition, under the built-in rule.
    assert_eq!(
        lines(&json_of(&o)),
        [
            BATCH_ECS001_LINE,
            ECS001_LINE,
            "taskdef.json:4:33-4:56 ECS001 warning live adds this",
        ]
    );
    let req: Value =
        serde_json::from_str(&std::fs::read_to_string(sb.root.join("request-live.json")).unwrap())
            .unwrap();
    assert_eq!(req["rules"], serde_json::json!(["LIVE001", "ECS001"]));
    // Deselected: the plugin's findings of that rule go too.
    let o = sb.cutover(&[
        "check", "--format", "json", "--plugin", "live", "--ignore", "ECS001",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr_no_summary(&o));
    assert_eq!(lines(&json_of(&o)), Vec::<String>::new());
}

#[test]
fn extending_plugin_replaces_the_builtin_finding_at_the_same_span_only() {
    let sb = Sandbox::new();
    two_ecs001(&sb);
    builtin_plugin(&sb, "live", r#""extends":["ECS001"]"#, &answer(LIVE_ECS001));
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 1, "{}", stderr_no_summary(&o));
    // taskdef.json 4:6-4:22: the plugin's finding replaces the built-in one; batch.json stands.
    let v = json_of(&o);
    assert_eq!(
        lines(&v),
        [
            BATCH_ECS001_LINE,
            "taskdef.json:4:6-4:22 ECS001 warning live says so",
        ]
    );
    assert_eq!(
        v["findings"][1]["notes"][0],
        "fetched at 2026-01-01T00:00:00Z"
    );
}

#[test]
fn extended_builtin_findings_stand_when_the_plugin_fails() {
    let sb = Sandbox::new();
    two_ecs001(&sb);
    builtin_plugin(
        &sb,
        "live",
        r#""extends":["ECS001"]"#,
        &format!("{}; exit 3", answer(LIVE_ECS001)),
    );
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 2, "{}", stderr_no_summary(&o));
    assert_eq!(lines(&json_of(&o)), [BATCH_ECS001_LINE, ECS001_LINE]);
    assert_eq!(
        stderr_no_summary(&o),
        "error: plugin `live`: `cutover-live check --protocol 1` exited with status 3\n"
    );
}

#[test]
fn superseding_plugin_drops_builtin_findings_only_where_it_evaluated() {
    let sb = Sandbox::new();
    two_ecs001(&sb);
    // No findings, nothing evaluated: every built-in finding stands.
    superseding_plugin(&sb, "live", r#"["ECS001"]"#, &answer(""));
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 1, "{}", stderr_no_summary(&o));
    assert_eq!(lines(&json_of(&o)), [BATCH_ECS001_LINE, ECS001_LINE]);
    // `taskdef.json`'s container evaluated without a finding: its built-in finding goes.
    let evaluated = r#"[{"rule_id":"ECS001","location":{"file":"taskdef.json","pointer":"/containerDefinitions/0/name","target":"member"}}]"#;
    superseding_plugin(
        &sb,
        "live",
        r#"["ECS001"]"#,
        &format!(r#"echo '{{"protocol":1,"findings":[],"evaluated":{evaluated}}}'"#),
    );
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 1, "{}", stderr_no_summary(&o));
    assert_eq!(lines(&json_of(&o)), [BATCH_ECS001_LINE]);
    // An evaluated place that is not a built-in finding's exact span drops nothing.
    let elsewhere = r#"[{"rule_id":"ECS001","location":{"file":"taskdef.json","pointer":"/containerDefinitions/0/name"}}]"#;
    superseding_plugin(
        &sb,
        "live",
        r#"["ECS001"]"#,
        &format!(r#"echo '{{"protocol":1,"findings":[],"evaluated":{elsewhere}}}'"#),
    );
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(lines(&json_of(&o)), [BATCH_ECS001_LINE, ECS001_LINE]);
    // When the plugin fails, its `evaluated` counts for nothing.
    superseding_plugin(
        &sb,
        "live",
        r#"["ECS001"]"#,
        &format!(r#"echo '{{"protocol":1,"findings":[],"evaluated":{evaluated}}}'; exit 3"#),
    );
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 2, "{}", stderr_no_summary(&o));
    assert_eq!(lines(&json_of(&o)), [BATCH_ECS001_LINE, ECS001_LINE]);
}

#[test]
fn extends_and_evaluated_are_checked() {
    let sb = Sandbox::new();
    inputs(&sb);
    // Both lists name one rule.
    builtin_plugin(
        &sb,
        "live",
        r#""extends":["ECS001"],"supersedes":["ECS001"]"#,
        &answer(""),
    );
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 2);
    assert_eq!(lines(&json_of(&o)), [ECS001_LINE]);
    assert_eq!(
        stderr_no_summary(&o),
        "error: plugin `live`: built-in rule `ECS001` is in both `supersedes` and `extends`; name it in one\n"
    );
    // Not a built-in rule.
    builtin_plugin(&sb, "live", r#""extends":["ECS999"]"#, &answer(""));
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr_no_summary(&o),
        "error: plugin `live`: `extends` names `ECS999`, which is not a built-in rule\n"
    );
    // Two plugins may extend one rule; one of them may supersede it, not both.
    builtin_plugin(&sb, "other", r#""extends":["ECS001"]"#, &answer(""));
    builtin_plugin(
        &sb,
        "live",
        r#""supersedes":["ECS001"]"#,
        &answer(LIVE_ECS001),
    );
    let o = sb.cutover(&[
        "check", "--format", "json", "--plugin", "live", "--plugin", "other",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr_no_summary(&o));
    assert_eq!(
        lines(&json_of(&o)),
        ["taskdef.json:4:6-4:22 ECS001 warning live says so"]
    );
    // `evaluated` only for superseded rules (an extended one is not enough).
    let evaluated = r#"[{"rule_id":"ECS001","location":{"file":"taskdef.json","pointer":"/containerDefinitions/0/name","target":"member"}}]"#;
    builtin_plugin(
        &sb,
        "live",
        r#""extends":["ECS001"]"#,
        &format!(r#"echo '{{"protocol":1,"findings":[],"evaluated":{evaluated}}}'"#),
    );
    let o = sb.cutover(&["check", "--format", "json", "--plugin", "live"]);
    assert_eq!(code(&o), 2);
    assert_eq!(lines(&json_of(&o)), [ECS001_LINE]);
    assert_eq!(
        stderr_no_summary(&o),
        "error: plugin `live`: `evaluated` entry 0 is for `ECS001`, which is not a rule it supersedes\n"
    );
}

#[test]
fn rules_and_explain_know_enabled_plugins() {
    let sb = Sandbox::new();
    rule_plugin(&sb, "foo", &answer(""));
    // Enabled on the command line.
    let o = sb.cutover(&["rules", "--plugin", "foo"]);
    assert_eq!(code(&o), 0, "{}", stderr_no_summary(&o));
    let text = stdout(&o);
    let last: Vec<&str> = text.lines().rev().take(2).collect();
    assert_eq!(
        last,
        [
            "FOO002   foo-other                              info     flags other foo (plugin foo)",
            "FOO001   foo-thing                              warning  flags foo (plugin foo)",
        ]
    );
    // Enabled by the configuration.
    sb.file("cutover.toml", "plugins = [\"foo\"]\n");
    let o = sb.cutover(&["rules", "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let foo: Vec<&Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["plugin"] == "foo")
        .collect();
    assert_eq!(foo.len(), 2);
    assert_eq!(foo[0]["id"], "FOO001");
    // `explain` prints the plugin's page: no generator comment, no local path.
    let o = sb.cutover(&["explain", "foo-other"]);
    assert_eq!(code(&o), 0, "{}", stderr_no_summary(&o));
    let page = stdout(&o);
    assert!(page.starts_with("# FOO002 foo-other\n\n| |"), "{page}");
    assert!(
        page.contains("Provided by the plugin `cutover-foo`."),
        "{page}"
    );
    assert!(!page.contains(sb.root.to_str().unwrap()), "{page}");
    assert!(!page.contains("<!--"), "{page}");
    let o = sb.cutover(&["explain", "FOO01"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr_no_summary(&o).contains("help: did you mean `FOO001`?"),
        "{}",
        stderr_no_summary(&o)
    );
    // A plugin rule without `help_uri` has no helpUri in SARIF (no dangling rules-docs link).
    inputs(&sb);
    let o = sb.cutover(&["check", "--format", "sarif", "."]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let foo2 = rules.iter().find(|r| r["id"] == "FOO002").unwrap();
    assert!(foo2.get("helpUri").is_none(), "{foo2}");
    assert!(!foo2["help"]["text"]
        .as_str()
        .unwrap()
        .contains("generated from"));
    let foo1 = rules.iter().find(|r| r["id"] == "FOO001").unwrap();
    assert_eq!(foo1["helpUri"], "https://example.com/FOO001");
}
