//! Running a renderer: found on `PATH` (no shell), bounded by a timeout, its output read while
//! it runs; and the temporary wrapper kustomization that turns origin annotations on.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The executable `name` (or a path) resolved on `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.components().count() > 1 {
        return p.is_file().then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|c| is_executable(c))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file() || p.with_extension("exe").is_file()
}

/// Run `program args…` without a shell; its standard output, or why not: the exit status with
/// the first lines of its standard error, or the timeout.
pub fn run_bounded(
    program: &Path,
    args: &[&std::ffi::OsStr],
    timeout: Duration,
) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut s);
        }
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "no answer within {:.0} seconds (raise `[render] timeout`)",
                    timeout.as_secs_f64()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let stdout = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        let first: Vec<String> = String::from_utf8_lossy(&stderr)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(5)
            .map(|l| strip_log_prefix(l).to_string())
            .collect();
        let mut message = first.join(" / ");
        if message.chars().count() > 600 {
            message = message.chars().take(600).collect::<String>() + "…";
        }
        return Err(format!("{status}: {message}"));
    }
    String::from_utf8(stdout).map_err(|_| "its output is not UTF-8".into())
}

/// A line of a Go program's log without its klog header (`E1204 17:25:04.153629   21621 run.go:72] `),
/// whose time and process id would make the message differ from run to run.
fn strip_log_prefix(line: &str) -> &str {
    let b = line.as_bytes();
    let klog = b.len() > 22
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b' '
        && b[8] == b':';
    match (klog, line.find("] ")) {
        (true, Some(i)) => &line[i + 2..],
        _ => line,
    }
}

/// A temporary kustomization that includes the overlay and turns origin annotations on; the
/// user's files are never edited. Removed when dropped.
pub struct Wrapper {
    dir: PathBuf,
}

impl Wrapper {
    pub fn new(overlay: &Path) -> std::io::Result<Wrapper> {
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = std::fs::canonicalize(std::env::temp_dir())?;
        let dir = tmp.join(format!("cutover-render-{}-{n}", std::process::id()));
        std::fs::create_dir(&dir)?;
        let w = Wrapper { dir };
        let target = std::fs::canonicalize(overlay)?;
        // Kustomize takes relative paths only: up from the wrapper to the root, then down.
        let up = "../".repeat(w.dir.components().count().saturating_sub(1));
        let down = target
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .map(|c| c.as_os_str().to_string_lossy().to_string())
            .collect::<Vec<_>>()
            .join("/");
        let yaml = format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {}\nbuildMetadata: [originAnnotations]\n",
            serde_json::Value::String(format!("{up}{down}"))
        );
        std::fs::write(w.dir.join("kustomization.yaml"), yaml)?;
        Ok(w)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Wrapper {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::strip_log_prefix;

    #[test]
    fn klog_headers_are_dropped_from_renderer_messages() {
        assert_eq!(
            strip_log_prefix(
                "E1204 17:25:04.153629   21621 run.go:72] \"command failed\" err=\"accumulating\""
            ),
            "\"command failed\" err=\"accumulating\""
        );
        assert_eq!(
            strip_log_prefix("Error: no such file [x] y"),
            "Error: no such file [x] y"
        );
    }
}
