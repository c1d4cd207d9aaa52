//! Helpers shared by the integration tests of the `cutover` binary. Include with `mod support;`
//! and `use support::*;` (a test file uses only some of them, hence `allow(dead_code)`).
//!
//! * Running the binary: [`bin`], [`cutover`], and the parts of its [`Output`]: [`stdout`],
//!   [`stderr`], [`stderr_unwrapped`], [`code`], [`json_of`].
//! * Reports as lines `<file>:<line>:<col>-<line>:<col> <ID> <severity> <message>`:
//!   [`finding_lines`] and [`lines_of`] (findings, then input errors).
//! * Expectation files: [`read_expected`] (`# rules: A,B` limits the comparison, other `#` lines
//!   are comments; a `# placeholder: ...` line marks a fixture that is not written yet:
//!   [`placeholder`]) and [`bless`] (`CUTOVER_BLESS=1` rewrites expectations instead).
//! * Paths and scratch space: [`repo`], [`test_corpus`], [`TempDir`].
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// The cutover binary built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_cutover");

/// The workspace root (canonical when possible).
pub fn repo() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::canonicalize(&p).unwrap_or(p)
}

/// `test-corpus/` of the workspace.
pub fn test_corpus() -> PathBuf {
    repo().join("test-corpus")
}

/// A command running the cutover binary, with nothing set.
pub fn bin() -> Command {
    Command::new(BIN)
}

/// Run cutover in `dir` with `args`, without colours and without the GitHub Actions variables
/// of the environment the tests run in.
pub fn cutover(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_SERVER_URL")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_WORKSPACE")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("run cutover")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard error without the summary line `check` prints there when the report is JSON,
/// SARIF, GitHub commands or a file (`cutover: Found …` / `cutover: No findings …`).
pub fn stderr_no_summary(o: &Output) -> String {
    stderr(o)
        .lines()
        .filter(|l| !(l.starts_with("cutover: Found ") || l.starts_with("cutover: No findings ")))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Standard error with miette's wrapped message lines joined again.
pub fn stderr_unwrapped(o: &Output) -> String {
    stderr(o).replace("\n  │ ", " ")
}

/// The exit code (-1 when killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Standard output parsed as JSON; a parse failure shows both streams.
pub fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}\nstderr: {}", stdout(o), stderr(o)))
}

fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v}"))
}

/// Every finding of a JSON report as `file:l:c-l:c ID severity message`, limited to the rule IDs
/// in `only` unless it is empty.
pub fn finding_lines(v: &Value, only: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for f in v["findings"].as_array().expect("`findings` array") {
        let id = str_of(f, "rule_id");
        if !only.is_empty() && !only.iter().any(|o| o == id) {
            continue;
        }
        let l = &f["location"];
        out.push(format!(
            "{}:{}:{}-{}:{} {} {} {}",
            str_of(l, "file"),
            l["start_line"],
            l["start_column"],
            l["end_line"],
            l["end_column"],
            id,
            str_of(f, "severity"),
            str_of(f, "message"),
        ));
        // Parity findings carry both sides: their related labels are part of the expectation.
        if id.starts_with("PAR") {
            for r in f["related"].as_array().into_iter().flatten() {
                let l = &r["location"];
                out.push(format!(
                    "  related {}:{}:{}-{}:{} {}",
                    str_of(l, "file"),
                    l["start_line"],
                    l["start_column"],
                    l["end_line"],
                    l["end_column"],
                    str_of(r, "message"),
                ));
            }
        }
    }
    out
}

/// [`finding_lines`], then each input error as `file input-error message`.
pub fn lines_of(v: &Value, only: &[String]) -> Vec<String> {
    let mut out = finding_lines(v, only);
    for e in v["errors"].as_array().expect("`errors` array") {
        out.push(format!(
            "{} input-error {}",
            str_of(e, "file"),
            str_of(e, "message")
        ));
    }
    out
}

/// The `# rules:` filter and the expected lines of an expectation file (empty when missing).
pub fn read_expected(path: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut only = Vec::new();
    let mut lines = Vec::new();
    for l in text.lines() {
        if let Some(r) = l.strip_prefix("# rules:") {
            only = r
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        } else if !l.trim().is_empty() && !l.starts_with('#') {
            lines.push(l.to_string());
        }
    }
    (only, lines)
}

/// The text of a `# placeholder: ...` line of a fixture or expectation file: what its author
/// still has to write (`cargo xtask new-rule` creates such files).
pub fn placeholder(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("# placeholder:"))
        .map(|s| s.trim().to_string())
}

/// `CUTOVER_BLESS=1`: rewrite expectation files from the current output.
pub fn bless() -> bool {
    std::env::var_os("CUTOVER_BLESS").is_some()
}

/// A fresh directory, removed when dropped. Names are unique per process and call.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Under the system temporary directory.
    pub fn new(name: &str) -> TempDir {
        TempDir::under(&std::env::temp_dir(), name)
    }

    /// Under the workspace's `target/tmp-tests/` (for tools that refuse the system one).
    pub fn in_target(name: &str) -> TempDir {
        TempDir::under(&repo().join("target/tmp-tests"), name)
    }

    fn under(base: &Path, name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = base.join(format!(
            "cutover-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Write `text` at `rel` (parents created); the file's path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create parent dir");
        }
        std::fs::write(&p, text).expect("write temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
