//! Running a rule plugin's process: spawn it, feed its standard input, read its output within
//! the timeout, and check that the answer is JSON of the right protocol version and schema.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use lint_engine::{Finding, SourceDb};

use crate::plugin;

use super::protocol::{findings_of, schemas, Answered, PluginError, RulePlugin, PROTOCOL};

pub(crate) enum RunError {
    Spawn(std::io::Error),
    Timeout,
    Io(String),
}

pub(crate) struct RunOutput {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

pub(crate) fn reader<R: Read + Send + 'static>(mut r: R) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// Run `path args…` with `input` on standard input, within `timeout`.
pub(crate) fn run_process(
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

pub(crate) fn stderr_tail(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let from = lines.len().saturating_sub(10);
    lines[from..].iter().map(|l| l.to_string()).collect()
}

pub(crate) fn describe_status(status: ExitStatus) -> String {
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
pub(crate) fn call(
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

pub(crate) fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// The request for one plugin: its header, then the shared `files` and `model` members.
pub(crate) fn request(
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
pub(crate) fn check_one(
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
