//! External subcommands, cargo style: `cutover <name> args…` runs `cutover-<name> args…`.
//!
//! * Search order: `$CUTOVER_HOME/bin` (default `~/.cutover/bin`), then every `PATH` entry; the
//!   first regular file with an execute bit wins (on Windows, the first `cutover-<name>.exe`).
//! * The plugin gets the remaining arguments (not its own name: `cutover foo a b` runs
//!   `cutover-foo a b`), `CUTOVER` set to this binary and `CUTOVER_VERSION` to its version; on
//!   Unix cutover execs it, so its exit code and signals are cutover's.
//! * Built-in commands win over plugins of the same name.
//! * `cutover --list` lists both; unknown commands get a did-you-mean over both.
//!
//! # Rule plugins
//!
//! The rule-plugin host speaks protocol version 1 (see `docs/plugins.md` and `schemas/`); it is
//! split into [`protocol`] (the answers and the request), [`process`] (running a plugin) and
//! [`merge`] (plugins beside the built-in rules).
//!
//! 1. `cutover-<name> rules --protocol 1` answers the plugin's rule metadata
//!    (`schemas/plugin-rules-v1.json`).
//! 2. `cutover-<name> check --protocol 1` reads the request (`schemas/plugin-request-v1.json`:
//!    the model as JSON with pointers, see [`crate::model_json`]) on standard input and answers
//!    findings (`schemas/plugin-response-v1.json`) that name a file and a JSON pointer or a byte
//!    range. The host turns them into [`lint_engine::Finding`]s with exact spans.
//!
//! Any failure (not found, cannot start, timeout, crash, non-zero exit, invalid JSON, unknown
//! protocol version, schema mismatch, a finding that does not resolve) becomes one
//! [`protocol::PluginError`] naming the plugin; the plugin's findings are then all dropped (a plugin
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

pub mod merge;
pub mod process;
pub mod protocol;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Prefix of every plugin executable.
pub const PREFIX: &str = "cutover-";

/// Directories searched for `cutover-<name>`, in order.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(home) = cutover_home() {
        dirs.push(home.join("bin"));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if !d.as_os_str().is_empty() && !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    dirs
}

/// `$CUTOVER_HOME`, else `~/.cutover`.
pub fn cutover_home() -> Option<PathBuf> {
    if let Some(h) = std::env::var_os("CUTOVER_HOME").filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(h));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    Some(PathBuf::from(home).join(".cutover"))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

fn file_name(name: &str) -> String {
    format!("{PREFIX}{name}{}", std::env::consts::EXE_SUFFIX)
}

/// The executable of plugin `name`, if installed.
pub fn find(name: &str) -> Option<PathBuf> {
    if name.is_empty() || name.contains(['/', '\\']) {
        return None;
    }
    let file = file_name(name);
    search_dirs()
        .into_iter()
        .map(|d| d.join(&file))
        .find(|p| is_executable(p))
}

/// Every installed plugin: name → path of the first match in search order.
pub fn discover() -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    for dir in search_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let fname = e.file_name();
            let Some(fname) = fname.to_str() else {
                continue;
            };
            let Some(name) = fname
                .strip_prefix(PREFIX)
                .and_then(|n| n.strip_suffix(std::env::consts::EXE_SUFFIX))
            else {
                continue;
            };
            if name.is_empty() || out.contains_key(name) {
                continue;
            }
            let path = e.path();
            if is_executable(&path) {
                out.insert(name.to_string(), path);
            }
        }
    }
    out
}

/// A built-in command: name and one-line description.
pub type Builtin = (String, String);

/// `cutover --list`.
pub fn list(builtins: &[Builtin], verbose: bool) -> ExitCode {
    let plugins = discover();
    let width = builtins
        .iter()
        .map(|(n, _)| n.len())
        .chain(plugins.keys().map(String::len))
        .max()
        .unwrap_or(0);
    println!("Installed commands:");
    for (name, about) in builtins {
        println!("    {name:<width$}  {about}");
    }
    for (name, path) in &plugins {
        let shadowed = builtins.iter().any(|(b, _)| b == name);
        match (verbose, shadowed) {
            (true, true) => println!(
                "    {name:<width$}  {} (shadowed by the built-in command)",
                path.display()
            ),
            (true, false) => println!("    {name:<width$}  {}", path.display()),
            (false, true) => {}
            (false, false) => println!("    {name:<width$}  (plugin)"),
        }
    }
    ExitCode::SUCCESS
}

/// Under `-v`: warn when a plugin has the name of the built-in command being run.
pub fn warn_if_shadowed(builtin: &str) {
    if let Some(p) = find(builtin) {
        eprintln!(
            "warning: `{}` is shadowed by the built-in command `{builtin}` and was not run",
            p.display()
        );
    }
}

/// `cutover <name> args…` for a name that is not built in.
pub fn run_external(args: &[OsString], builtins: &[Builtin]) -> ExitCode {
    let Some((name, rest)) = args.split_first() else {
        return ExitCode::from(2);
    };
    let name = name.to_string_lossy().into_owned();
    match find(&name) {
        Some(path) => exec(&path, &name, rest),
        None => no_such_command(&name, builtins),
    }
}

/// `cutover help <name>` for a name that is not built in: `cutover-<name> --help`.
pub fn help(name: &str, builtins: &[Builtin]) -> ExitCode {
    match find(name) {
        Some(path) => exec(&path, name, &[OsString::from("--help")]),
        None => no_such_command(name, builtins),
    }
}

fn no_such_command(name: &str, builtins: &[Builtin]) -> ExitCode {
    let plugins = discover();
    let candidates = builtins
        .iter()
        .map(|(n, _)| n.as_str())
        .chain(plugins.keys().map(String::as_str));
    eprintln!("error: no such command: `{name}`");
    if let Some(best) = closest(name, candidates) {
        eprintln!("\n  help: a command with a similar name exists: `{best}`");
    }
    eprintln!("\n  help: view all installed commands with `cutover --list`");
    eprintln!(
        "  help: a plugin is an executable named `{PREFIX}{name}` on PATH or in ~/.cutover/bin"
    );
    ExitCode::from(2)
}

/// The candidate closest to `name` by edit distance, when close enough to be a typo.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|&(d, c)| d > 0 && d <= (c.chars().count().max(name.chars().count()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

fn command(path: &Path, args: &[OsString]) -> Command {
    let mut cmd = Command::new(path);
    cmd.args(args);
    set_env(&mut cmd);
    cmd
}

/// `CUTOVER` (this binary) and `CUTOVER_VERSION`, for every plugin process.
pub fn set_env(cmd: &mut Command) {
    if let Ok(me) = std::env::current_exe() {
        cmd.env("CUTOVER", me);
    }
    cmd.env("CUTOVER_VERSION", env!("CARGO_PKG_VERSION"));
}

#[cfg(unix)]
fn exec(path: &Path, name: &str, args: &[OsString]) -> ExitCode {
    use std::os::unix::process::CommandExt;
    // Only returns on failure.
    let err = command(path, args).exec();
    eprintln!(
        "error: cannot run plugin `{name}` ({}): {err}",
        path.display()
    );
    ExitCode::from(2)
}

#[cfg(not(unix))]
fn exec(path: &Path, name: &str, args: &[OsString]) -> ExitCode {
    match command(path, args).status() {
        Ok(s) => ExitCode::from(s.code().unwrap_or(2).clamp(0, 255) as u8),
        Err(err) => {
            eprintln!(
                "error: cannot run plugin `{name}` ({}): {err}",
                path.display()
            );
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn did_you_mean() {
        let c = ["check", "rules", "explain", "dump-model", "imagepolicy"];
        assert_eq!(closest("chek", c.iter().copied()), Some("check"));
        assert_eq!(closest("rule", c.iter().copied()), Some("rules"));
        assert_eq!(
            closest("imagepolcy", c.iter().copied()),
            Some("imagepolicy")
        );
        assert_eq!(closest("zzz", c.iter().copied()), None);
    }
}
