//! The rule-plugin host: protocol version 1 (see `docs/plugins.md` and `schemas/`).
//!
//! 1. `cutover-<name> rules --protocol 1` answers the plugin's rule metadata
//!    (`schemas/plugin-rules-v1.json`).
//! 2. `cutover-<name> check --protocol 1` reads the request (`schemas/plugin-request-v1.json`:
//!    the model as JSON with pointers, see [`crate::model_json`]) on standard input and answers
//!    findings (`schemas/plugin-response-v1.json`) that name a file and a JSON pointer or a byte
//!    range. The host turns them into [`Finding`]s with exact spans.
//!
//! Any failure (not found, cannot start, timeout, crash, non-zero exit, invalid JSON, unknown
//! protocol version, schema mismatch, a finding that does not resolve) becomes one
//! [`PluginError`] naming the plugin; the plugin's findings are then all dropped (a plugin
//! succeeds or fails as a whole) and the run exits with 2.
//!
//! A plugin may declare in its `rules` answer that it **extends** or **supersedes** built-in
//! rules (`"extends": ["IAM001"], "supersedes": ["IAM002"]`): it then may answer findings under
//! those built-in IDs, in addition to the built-in rule's own findings. Built-in findings are
//! never dropped as a whole; when the plugin's `check` succeeds, a built-in finding is dropped
//! only where the plugin answered for its exact primary location (file and byte range):
//!
//! - with a finding of the same rule (extended or superseded): the plugin's finding replaces it
//!   (it carries the live evidence);
//! - for a superseded rule, also by listing the location in the answer's `evaluated` member: the
//!   plugin checked that place and found nothing (or something else) to report, so the built-in
//!   finding there (often "cannot verify") goes.
//!
//! When the plugin fails, nothing is dropped: the built-in findings stand. A built-in rule can be
//! superseded by one plugin per run (extended by any number), and only while it is selected.
//!
//! Plugin rule metadata is leaked once per run into `&'static RuleMeta`, so built-in and plugin
//! rules share one type and every renderer handles both without change (a run is one short-lived
//! process and the metadata is a few hundred bytes per rule).

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value as Json;

use lint_engine::{FileId, FileKind, Finding, Label, RuleMeta, Severity, SourceDb, Span};

use crate::plugin;

/// The protocol version this host speaks.
pub const PROTOCOL: u64 = 1;

/// Default time a plugin may take for one invocation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// ID prefixes of built-in rule domains: plugins may not use them.
const RESERVED_PREFIXES: &[&str] = &["ECS", "K8S", "NET", "IAM", "PAR", "LINT"];

const RULES_SCHEMA: &str = include_str!("../../../schemas/plugin-rules-v1.json");
const RESPONSE_SCHEMA: &str = include_str!("../../../schemas/plugin-response-v1.json");

/// One error about one plugin.
#[derive(Debug, Clone)]
pub struct PluginError {
    pub plugin: String,
    pub message: String,
    /// The last lines the plugin wrote on standard error, if any.
    pub stderr: Vec<String>,
}

impl PluginError {
    fn new(plugin: &str, message: impl Into<String>) -> Self {
        PluginError {
            plugin: plugin.to_string(),
            message: message.into(),
            stderr: Vec::new(),
        }
    }

    /// `error: plugin `acme`: …` and the plugin's last stderr lines, for standard error.
    pub fn render(&self) -> String {
        let mut s = format!("error: plugin `{}`: {}", self.plugin, self.message);
        if !self.stderr.is_empty() {
            s.push_str("\n  = plugin stderr (last lines):");
            for l in &self.stderr {
                s.push_str("\n    ");
                s.push_str(l);
            }
        }
        s
    }
}

/// A plugin whose rules were read.
#[derive(Debug, Clone)]
pub struct RulePlugin {
    pub name: String,
    pub path: PathBuf,
    pub rules: Vec<&'static RuleMeta>,
    /// Built-in rules this plugin replaces where it evaluated them (see the module docs).
    pub supersedes: Vec<&'static RuleMeta>,
    /// Built-in rules this plugin adds findings to.
    pub extends: Vec<&'static RuleMeta>,
}

impl RulePlugin {
    /// The built-in rule `id` if this plugin extends or supersedes it.
    fn builtin(&self, id: &str) -> Option<&'static RuleMeta> {
        self.supersedes
            .iter()
            .chain(&self.extends)
            .find(|m| m.id == id)
            .copied()
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

struct Schemas {
    rules: jsonschema::Validator,
    response: jsonschema::Validator,
}

fn schemas() -> Result<&'static Schemas, String> {
    static S: OnceLock<Result<Schemas, String>> = OnceLock::new();
    S.get_or_init(|| {
        let compile = |text: &str, name: &str| {
            let v: Json = serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))?;
            jsonschema::validator_for(&v).map_err(|e| format!("{name}: {e}"))
        };
        Ok(Schemas {
            rules: compile(RULES_SCHEMA, "plugin-rules-v1.json")?,
            response: compile(RESPONSE_SCHEMA, "plugin-response-v1.json")?,
        })
    })
    .as_ref()
    .map_err(|e| format!("internal error: bad bundled schema {e}"))
}

// ---------------------------------------------------------------------------------------------
// Running a plugin process

enum RunError {
    Spawn(std::io::Error),
    Timeout,
    Io(String),
}

struct RunOutput {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

fn reader<R: Read + Send + 'static>(mut r: R) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// Run `path args…` with `input` on standard input, within `timeout`.
fn run_process(
    path: &std::path::Path,
    args: &[&str],
    input: Option<Arc<Vec<u8>>>,
    timeout: Duration,
) -> Result<RunOutput, RunError> {
    let mut cmd = Command::new(path);
    cmd.args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    plugin::set_env(&mut cmd);
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(RunError::Spawn)?;
    if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
        // A plugin that exits without reading its input makes this fail with a broken pipe:
        // that is its right, so the error is ignored.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    let out_rx = child.stdout.take().map(reader);
    let err_rx = child.stderr.take().map(reader);
    let mut pause = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(RunError::Io(e.to_string())),
        }
        if start.elapsed() >= timeout {
            // Our own child, by its handle.
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError::Timeout);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    // The pipes close when the plugin exits, unless it left a child process holding them.
    let grace = timeout
        .saturating_sub(start.elapsed())
        .max(Duration::from_millis(500));
    let collect = |rx: Option<mpsc::Receiver<Vec<u8>>>| {
        rx.map(|rx| rx.recv_timeout(grace).map_err(|_| RunError::Timeout))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    let stdout = collect(out_rx)?;
    let stderr = collect(err_rx).unwrap_or_default();
    Ok(RunOutput {
        status,
        stdout,
        stderr,
    })
}

fn stderr_tail(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let from = lines.len().saturating_sub(10);
    lines[from..].iter().map(|l| l.to_string()).collect()
}

fn describe_status(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let name = match sig {
                4 => " (SIGILL)",
                6 => " (SIGABRT)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                15 => " (SIGTERM)",
                _ => "",
            };
            return format!("crashed: killed by signal {sig}{name}");
        }
    }
    match status.code() {
        Some(c) => format!("exited with status {c}"),
        None => "exited abnormally".to_string(),
    }
}

/// Run one protocol command and return its answer, checked for JSON, protocol version and schema.
fn call(
    name: &str,
    path: &std::path::Path,
    command: &str,
    input: Option<Arc<Vec<u8>>>,
    timeout: Duration,
    validator: &jsonschema::Validator,
    schema_file: &str,
) -> Result<(Json, Vec<u8>), PluginError> {
    let shown = format!("`{}{name} {command} --protocol {PROTOCOL}`", plugin::PREFIX);
    let out = run_process(path, &[command, "--protocol", "1"], input, timeout).map_err(|e| {
        PluginError::new(
            name,
            match e {
                RunError::Spawn(e) => format!("cannot run `{}`: {e}", path.display()),
                RunError::Timeout => format!(
                    "{shown} did not finish within {} (raise it with `--plugin-timeout` or \
                     `plugin-timeout` in cutover.toml)",
                    seconds(timeout)
                ),
                RunError::Io(e) => format!("{shown} failed: {e}"),
            },
        )
    })?;
    let fail = |message: String| PluginError {
        plugin: name.to_string(),
        message,
        stderr: stderr_tail(&out.stderr),
    };
    if !out.status.success() {
        return Err(fail(format!("{shown} {}", describe_status(out.status))));
    }
    let v: Json = serde_json::from_slice(&out.stdout).map_err(|e| {
        if out.stdout.iter().all(u8::is_ascii_whitespace) {
            fail(format!("{shown} wrote nothing on standard output"))
        } else {
            fail(format!("{shown} wrote invalid JSON: {e}"))
        }
    })?;
    match v.get("protocol") {
        Some(p) if p.as_u64() == Some(PROTOCOL) => {}
        Some(p) => {
            return Err(fail(format!(
                "{shown} answered with protocol version {p}, but this cutover speaks version \
                 {PROTOCOL} only"
            )))
        }
        None => {}
    }
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .take(3)
        .map(|e| {
            let at = e.instance_path().to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            format!("at `{at}`: {}", e.masked())
        })
        .collect();
    if !errors.is_empty() {
        return Err(fail(format!(
            "{shown} answered JSON that does not match schemas/{schema_file}: {}",
            errors.join("; ")
        )));
    }
    Ok((v, out.stderr))
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

// ---------------------------------------------------------------------------------------------
// `rules --protocol 1`

#[derive(Deserialize)]
struct RulesAnswer {
    rules: Vec<RuleInfo>,
    #[serde(default)]
    supersedes: Vec<String>,
    #[serde(default)]
    extends: Vec<String>,
}

#[derive(Deserialize)]
struct RuleInfo {
    id: String,
    name: String,
    default_severity: String,
    summary: String,
    help_markdown: Option<String>,
    help_uri: Option<String>,
    #[serde(default)]
    security: bool,
}

const ALL_KINDS: &[FileKind] = &[
    FileKind::K8s,
    FileKind::TaskDef,
    FileKind::TfJson,
    FileKind::TfPlan,
];

fn read_rules(name: &str, timeout: Duration) -> Result<RulePlugin, PluginError> {
    let Some(path) = plugin::find(name) else {
        return Err(PluginError::new(
            name,
            format!(
                "no executable `{}{name}` on PATH or in ~/.cutover/bin (it is enabled by \
                 `plugins` in cutover.toml or `--plugin`)",
                plugin::PREFIX
            ),
        ));
    };
    let schemas = schemas().map_err(|e| PluginError::new(name, e))?;
    let (v, _) = call(
        name,
        &path,
        "rules",
        None,
        timeout,
        &schemas.rules,
        "plugin-rules-v1.json",
    )?;
    let answer: RulesAnswer = serde_json::from_value(v)
        .map_err(|e| PluginError::new(name, format!("invalid `rules` answer: {e}")))?;
    let mut seen = HashSet::new();
    let mut rules = Vec::with_capacity(answer.rules.len());
    for r in answer.rules {
        let prefix = r.id.trim_end_matches(|c: char| c.is_ascii_digit());
        if RESERVED_PREFIXES.contains(&prefix) {
            return Err(PluginError::new(
                name,
                format!(
                    "rule `{}` uses the prefix `{prefix}` reserved for built-in rules; choose \
                     another prefix",
                    r.id
                ),
            ));
        }
        if let Some(b) = cutover_rules::all()
            .iter()
            .find(|b| b.meta().id == r.id || b.meta().name == r.name)
        {
            return Err(PluginError::new(
                name,
                format!(
                    "rule `{}` (`{}`) collides with built-in rule `{}` (`{}`)",
                    r.id,
                    r.name,
                    b.meta().id,
                    b.meta().name
                ),
            ));
        }
        if !seen.insert(r.id.clone()) {
            return Err(PluginError::new(
                name,
                format!("rule `{}` is declared twice", r.id),
            ));
        }
        let Some(sev) = Severity::parse(&r.default_severity) else {
            return Err(PluginError::new(
                name,
                format!("rule `{}` has an invalid severity", r.id),
            ));
        };
        let docs = r.help_markdown.unwrap_or_else(|| {
            format!(
                "## What it does\n{}.\n\nProvided by the plugin `{}{name}`.\n",
                r.summary,
                plugin::PREFIX
            )
        });
        // `RuleMeta::docs` holds doc-comment text: every line carries one leading space.
        let docs: String = docs.lines().map(|l| format!(" {l}\n")).collect();
        let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
            id: leak(r.id),
            name: leak(r.name),
            default_severity: sev,
            summary: leak(r.summary),
            docs: leak(docs),
            inputs: ALL_KINDS,
            cross_file: false,
            security: r.security,
            source: leak(path.display().to_string()),
            help_uri: r.help_uri.map(leak),
        }));
        rules.push(meta);
    }
    let builtins = |member: &str, ids: &[String]| -> Result<Vec<&'static RuleMeta>, PluginError> {
        let mut out: Vec<&'static RuleMeta> = Vec::new();
        for id in ids {
            let Some(b) = cutover_rules::all().iter().find(|b| b.meta().id == id) else {
                return Err(PluginError::new(
                    name,
                    format!("`{member}` names `{id}`, which is not a built-in rule"),
                ));
            };
            if out.iter().any(|m| m.id == id) {
                return Err(PluginError::new(
                    name,
                    format!("`{member}` names `{id}` twice"),
                ));
            }
            out.push(b.meta());
        }
        Ok(out)
    };
    let supersedes = builtins("supersedes", &answer.supersedes)?;
    let extends = builtins("extends", &answer.extends)?;
    if let Some(m) = extends
        .iter()
        .find(|m| supersedes.iter().any(|s| s.id == m.id))
    {
        return Err(PluginError::new(
            name,
            format!(
                "built-in rule `{}` is in both `supersedes` and `extends`; name it in one",
                m.id
            ),
        ));
    }
    Ok(RulePlugin {
        name: name.to_string(),
        path,
        rules,
        supersedes,
        extends,
    })
}

/// Ask every enabled plugin for its rules, in parallel. A plugin whose rule ID or name is already
/// taken by an earlier plugin fails.
pub fn load(names: &[String], timeout: Duration) -> (Vec<RulePlugin>, Vec<PluginError>) {
    let results: Vec<Result<RulePlugin, PluginError>> = std::thread::scope(|s| {
        let handles: Vec<_> = names
            .iter()
            .map(|n| s.spawn(move || read_rules(n, timeout)))
            .collect();
        handles
            .into_iter()
            .zip(names)
            .map(|(h, n)| {
                h.join()
                    .unwrap_or_else(|_| Err(PluginError::new(n, "internal error: host panicked")))
            })
            .collect()
    });
    let mut ok: Vec<RulePlugin> = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(p) => {
                let taken = p.supersedes.iter().find_map(|m| {
                    ok.iter()
                        .find(|o| o.supersedes.iter().any(|x| x.id == m.id))
                        .map(|o| (m.id, &o.name))
                });
                if let Some((id, other)) = taken {
                    errors.push(PluginError::new(
                        &p.name,
                        format!("supersedes built-in rule `{id}`, which plugin `{other}` already supersedes"),
                    ));
                    continue;
                }
                let clash = p.rules.iter().find_map(|m| {
                    ok.iter().find_map(|o| {
                        o.rules
                            .iter()
                            .find(|x| x.id == m.id || x.name == m.name)
                            .map(|x| (m, &o.name, x))
                    })
                });
                match clash {
                    Some((m, other, x)) => errors.push(PluginError::new(
                        &p.name,
                        format!(
                            "rule `{}` (`{}`) collides with rule `{}` (`{}`) of plugin `{other}`",
                            m.id, m.name, x.id, x.name
                        ),
                    )),
                    None => ok.push(p),
                }
            }
            Err(e) => errors.push(e),
        }
    }
    (ok, errors)
}

// ---------------------------------------------------------------------------------------------
// `check --protocol 1`

#[derive(Deserialize)]
struct CheckAnswer {
    findings: Vec<WireFinding>,
    #[serde(default)]
    evaluated: Vec<WireEvaluated>,
}

/// A place the plugin evaluated for a superseded rule.
#[derive(Deserialize)]
struct WireEvaluated {
    rule_id: String,
    location: WireLocation,
}

/// `(rule ID, file, span)` of the places where a plugin answered for a built-in rule.
pub type Answered = HashSet<(&'static str, FileId, Span)>;

#[derive(Deserialize)]
struct WireFinding {
    rule_id: String,
    message: String,
    severity: Option<String>,
    location: WireLocation,
    help: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    related: Vec<WireLabel>,
    missing_path: Option<String>,
    logical_path: Option<String>,
}

#[derive(Deserialize)]
struct WireLabel {
    location: WireLocation,
    message: String,
}

#[derive(Deserialize)]
struct WireLocation {
    file: String,
    document: Option<usize>,
    pointer: Option<String>,
    target: Option<String>,
    start_byte: Option<u64>,
    end_byte: Option<u64>,
}

/// Resolve a wire location to a file and an exact span.
fn resolve(
    db: &SourceDb,
    files: &HashMap<&str, FileId>,
    loc: &WireLocation,
) -> Result<(FileId, Span), String> {
    let Some(&id) = files.get(loc.file.as_str()) else {
        return Err(format!(
            "names the file `{}`, which is not in the request",
            loc.file
        ));
    };
    let f = db.get(id);
    if let Some(ptr) = &loc.pointer {
        let d = loc.document.unwrap_or(0);
        let Some(doc) = f.docs.get(d) else {
            return Err(format!(
                "names document {d} of `{}`, which has {} document(s)",
                f.name,
                f.docs.len()
            ));
        };
        let Some((node, key)) = doc.pointer(ptr) else {
            return Err(format!(
                "pointer `{ptr}` does not exist in document {d} of `{}`",
                f.name
            ));
        };
        return match (loc.target.as_deref().unwrap_or("value"), key) {
            ("key", Some(k)) => Ok((id, k)),
            ("member", Some(k)) => Ok((id, k.cover(node.span))),
            ("key" | "member", None) => Err(format!(
                "pointer `{ptr}` in `{}` is not an object member, so it has no key",
                f.name
            )),
            _ => Ok((id, node.span)),
        };
    }
    let (Some(s), Some(e)) = (loc.start_byte, loc.end_byte) else {
        return Err("has neither a pointer nor a byte range".into());
    };
    let len = f.text.len() as u64;
    if s > e || e > len {
        return Err(format!(
            "byte range {s}..{e} is outside `{}` ({len} bytes)",
            f.name
        ));
    }
    if !f.text.is_char_boundary(s as usize) || !f.text.is_char_boundary(e as usize) {
        return Err(format!(
            "byte range {s}..{e} of `{}` splits a UTF-8 character",
            f.name
        ));
    }
    Ok((id, Span::new(s as u32, e as u32)))
}

/// Turn a checked answer into findings of the plugin's enabled rules, and the places where it
/// answered for built-in rules (see the module docs).
fn findings_of(
    p: &RulePlugin,
    answer: Json,
    db: &SourceDb,
    enabled: &HashSet<&str>,
    builtin: &HashSet<&str>,
) -> Result<(Vec<Finding>, Answered), String> {
    let answer: CheckAnswer =
        serde_json::from_value(answer).map_err(|e| format!("invalid `check` answer: {e}"))?;
    let files: HashMap<&str, FileId> = db.iter().map(|f| (f.name.as_str(), f.id)).collect();
    let mut out = Vec::new();
    let mut answered = Answered::new();
    for (i, w) in answer.findings.into_iter().enumerate() {
        let own = p.rules.iter().find(|m| m.id == w.rule_id).copied();
        let extended = p.builtin(&w.rule_id);
        let Some(meta) = own.or(extended) else {
            return Err(format!(
                "finding {i} is for `{}`, which is neither one of its rules nor a rule it \
                 extends or supersedes (see `{}{} rules --protocol 1`)",
                w.rule_id,
                plugin::PREFIX,
                p.name
            ));
        };
        let on = if own.is_some() {
            enabled.contains(meta.id)
        } else {
            builtin.contains(meta.id)
        };
        if !on {
            continue;
        }
        let ctx = |e: String| format!("finding {i} ({}) {e}", w.rule_id);
        let (file, span) = resolve(db, &files, &w.location).map_err(ctx)?;
        if extended.is_some() {
            answered.insert((meta.id, file, span));
        }
        let mut related = Vec::with_capacity(w.related.len());
        for r in &w.related {
            let (rf, rs) = resolve(db, &files, &r.location).map_err(ctx)?;
            related.push(Label::new(rf, rs, r.message.clone()));
        }
        let severity = match w.severity.as_deref() {
            None => meta.default_severity,
            Some(s) => Severity::parse(s).unwrap_or(meta.default_severity),
        };
        out.push(Finding {
            rule_id: meta.id.to_string(),
            rule_name: meta.name.to_string(),
            severity,
            message: w.message,
            primary: Label::new(file, span, ""),
            related,
            help: w.help,
            notes: w.notes,
            missing_path: w.missing_path,
            logical_path: w.logical_path,
        });
    }
    for (i, e) in answer.evaluated.into_iter().enumerate() {
        let Some(meta) = p.supersedes.iter().find(|m| m.id == e.rule_id) else {
            return Err(format!(
                "`evaluated` entry {i} is for `{}`, which is not a rule it supersedes",
                e.rule_id
            ));
        };
        if !builtin.contains(meta.id) {
            continue;
        }
        let (file, span) = resolve(db, &files, &e.location)
            .map_err(|m| format!("`evaluated` entry {i} ({}) {m}", e.rule_id))?;
        answered.insert((meta.id, file, span));
    }
    Ok((out, answered))
}

/// The request for one plugin: its header, then the shared `files` and `model` members.
fn request(
    p: &RulePlugin,
    enabled: &HashSet<&str>,
    builtin: &HashSet<&str>,
    options: &Json,
    body: &str,
) -> Vec<u8> {
    let rules: Vec<&str> = p
        .rules
        .iter()
        .map(|m| m.id)
        .filter(|id| enabled.contains(id))
        .chain(
            p.supersedes
                .iter()
                .chain(&p.extends)
                .map(|m| m.id)
                .filter(|id| builtin.contains(id)),
        )
        .collect();
    let header = serde_json::json!({
        "protocol": PROTOCOL,
        "cutover_version": env!("CARGO_PKG_VERSION"),
        "plugin": p.name,
        "rules": rules,
        "options": options,
    });
    let mut s = header.to_string();
    s.pop(); // the closing brace
    s.push(',');
    s.push_str(body);
    s.push('}');
    s.into_bytes()
}

/// Run one plugin's `check` on the request.
fn check_one(
    p: &RulePlugin,
    input: Arc<Vec<u8>>,
    db: &SourceDb,
    enabled: &HashSet<&str>,
    builtin: &HashSet<&str>,
    timeout: Duration,
    verbose: bool,
) -> Result<(Vec<Finding>, Answered), PluginError> {
    let schemas = schemas().map_err(|e| PluginError::new(&p.name, e))?;
    let (v, stderr) = call(
        &p.name,
        &p.path,
        "check",
        Some(input),
        timeout,
        &schemas.response,
        "plugin-response-v1.json",
    )?;
    if verbose {
        for l in String::from_utf8_lossy(&stderr).lines() {
            eprintln!("{}{}: {l}", plugin::PREFIX, p.name);
        }
    }
    findings_of(p, v, db, enabled, builtin).map_err(|m| PluginError {
        plugin: p.name.clone(),
        message: m,
        stderr: stderr_tail(&stderr),
    })
}

/// What the plugins answered: their findings, their failures, and the places where successful
/// plugins answered for built-in rules (the built-in findings there are to be dropped).
pub struct PluginRun {
    pub findings: Vec<Finding>,
    pub errors: Vec<PluginError>,
    pub answered: Answered,
}

/// Build the request from the model and run every plugin's `check` in parallel (each on its own
/// thread; the caller runs the built-in rules meanwhile). `builtin` holds the IDs of the selected
/// built-in rules (a plugin supersedes only selected ones).
pub fn check_all(
    model: &lint_engine::Model<'_>,
    plugins: &[RulePlugin],
    enabled: &HashSet<&str>,
    builtin: &HashSet<&str>,
    options: &HashMap<String, Json>,
    timeout: Duration,
    verbose: bool,
) -> PluginRun {
    let active: Vec<&RulePlugin> = plugins
        .iter()
        .filter(|p| {
            p.rules.iter().any(|m| enabled.contains(m.id))
                || p.supersedes
                    .iter()
                    .chain(&p.extends)
                    .any(|m| builtin.contains(m.id))
        })
        .collect();
    let mut run = PluginRun {
        findings: Vec::new(),
        errors: Vec::new(),
        answered: Answered::new(),
    };
    if active.is_empty() {
        return run;
    }
    let (files, model_json) = crate::model_json::files_and_model(model);
    let body = format!("\"files\":{},\"model\":{}", files, model_json);
    let empty = Json::Object(Default::default());
    let results: Vec<Result<(Vec<Finding>, Answered), PluginError>> = std::thread::scope(|s| {
        let handles: Vec<_> = active
            .iter()
            .map(|p| {
                let input = Arc::new(request(
                    p,
                    enabled,
                    builtin,
                    options.get(&p.name).unwrap_or(&empty),
                    &body,
                ));
                let db = model.db;
                s.spawn(move || check_one(p, input, db, enabled, builtin, timeout, verbose))
            })
            .collect();
        handles
            .into_iter()
            .zip(&active)
            .map(|(h, p)| {
                h.join().unwrap_or_else(|_| {
                    Err(PluginError::new(&p.name, "internal error: host panicked"))
                })
            })
            .collect()
    });
    for r in results {
        match r {
            Ok((f, answered)) => {
                run.findings.extend(f);
                run.answered.extend(answered);
            }
            Err(e) => run.errors.push(e),
        }
    }
    run
}

/// Parse a timeout in seconds (`--plugin-timeout`, `plugin-timeout`).
pub fn timeout_from_secs(s: f64) -> Result<Duration, String> {
    if s.is_finite() && s > 0.0 && s <= 86_400.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(format!(
            "invalid plugin timeout `{s}`: give a number of seconds above 0 and at most 86400"
        ))
    }
}

/// Run the built-in rules and the enabled rule plugins in parallel over one model; the findings
/// of both are merged into the stable output order.
#[allow(clippy::too_many_arguments)]
pub fn run_all(
    model: &lint_engine::Model<'_>,
    rules: &[&dyn lint_engine::Rule],
    config: &lint_engine::Config,
    plugins: &[RulePlugin],
    enabled: &HashSet<&str>,
    options: &HashMap<String, Json>,
    timeout: Duration,
    verbose: bool,
) -> (Vec<Finding>, Vec<PluginError>) {
    let builtin_ids: HashSet<&str> = rules.iter().map(|r| r.meta().id).collect();
    let (mut findings, run) = std::thread::scope(|s| {
        let h = s.spawn(|| {
            check_all(
                model,
                plugins,
                enabled,
                &builtin_ids,
                options,
                timeout,
                verbose,
            )
        });
        let builtin = lint_engine::runner::run_rules(model, rules, config);
        let from_plugins = h.join().unwrap_or_else(|_| PluginRun {
            findings: Vec::new(),
            errors: plugins
                .iter()
                .map(|p| PluginError::new(&p.name, "internal error: host panicked"))
                .collect(),
            answered: Answered::new(),
        });
        (builtin, from_plugins)
    });
    let PluginRun {
        findings: plugin_findings,
        errors,
        answered,
    } = run;
    if !answered.is_empty() {
        // A built-in finding goes where a plugin answered for its rule at its primary location;
        // the plugin's findings are added below.
        findings.retain(|f| {
            !answered.iter().any(|(id, file, span)| {
                *id == f.rule_id && *file == f.primary.file && *span == f.primary.span
            })
        });
    }
    if !plugin_findings.is_empty() {
        findings.extend(plugin_findings);
        lint_engine::runner::sort_findings(&mut findings, model.db);
        findings.dedup();
    }
    (findings, errors)
}
