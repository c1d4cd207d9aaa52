//! The external tools some integration tests run (installed by `bash scripts/install-test-tools.sh`
//! into `target/test-tools/`, or named by an environment variable), and `git` for scratch
//! repositories. A test that needs a missing tool fails with instructions: never skipped silently.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::repo;

/// Where the test tools are installed (`CUTOVER_TEST_TOOLS`, default `target/test-tools`).
pub fn tools_dir() -> PathBuf {
    std::env::var_os("CUTOVER_TEST_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/test-tools"))
}

/// The executable named by `env`, else `default`; panics with how to install it when absent.
pub fn tool(env: &str, default: PathBuf, what: &str) -> PathBuf {
    let p = std::env::var_os(env).map(PathBuf::from).unwrap_or(default);
    assert!(
        p.is_file(),
        "{what} not found at {}.\nInstall the test tools first: `bash scripts/install-test-tools.sh` \
         (or set {env} to the executable).",
        p.display()
    );
    p
}

/// A tool of the test tools' virtualenv (`target/test-tools/venv/bin/<name>`).
pub fn venv_tool(env: &str, name: &str) -> PathBuf {
    tool(env, tools_dir().join("venv/bin").join(name), name)
}

/// Run `cmd`; its stdout and stderr together, or a panic with them when it fails.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("start the command");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// `git ARGS` in `dir` with a test identity and no signing; panics when it fails.
pub fn git(dir: &Path, args: &[&str]) {
    run(Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=cutover-test",
            "-c",
            "user.email=test@cutover.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args));
}
