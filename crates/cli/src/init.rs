//! `cutover init`: a commented starter `cutover.toml`.

use std::path::{Path, PathBuf};

use crate::config::FILE_NAME;

/// The starter file. Every active value is the default, so it changes nothing until edited; a
/// test checks that it validates, also with every example uncommented.
pub const TEMPLATE: &str = r#"# cutover.toml: configuration of `cutover check`, found by walking up from the first path
# given (or named with --config). Command-line options take precedence. List the rules with
# `cutover rules`, read one with `cutover explain ECS001`.

# Exit with 1 when a finding is at or above this severity: "error", "warning", "info" or "never".
fail-on = "warning"

# Globs of paths to skip, in addition to --exclude.
exclude = [
  # "vendor/**",
]

[rules]
# Rules to run, by ID ("ECS001"), name ("missing-stop-timeout") or ID prefix ("ECS").
# Default: all rules.
# select = ["ECS", "K8S"]
# Rules not to run.
ignore = []

# Per-rule severity: "error", "warning" or "info".
[rules.severity]
# ECS001 = "error"

# Options of the ECS rules.
[ecs]
# ECS001: a `stopTimeout` below this many seconds is reported.
min_stop_timeout_seconds = 30
# ECS001: also check FireLens log-router containers.
include_log_routers = false

# Options of the Kubernetes rules.
[k8s]
# K8S001: also report containers without `limits.memory` (info).
require_memory_limit = false
# K8S001: namespaces that have a defaulting LimitRange outside the inputs.
assume_limitrange_namespaces = []
# K8S005: the Kubernetes version the manifests must apply to (unset: the version of the EKS
# clusters in the Terraform inputs).
# target_version = "1.31"

# Accept the findings of a rule in some paths, with a reason and optionally an expiry date.
# [[ignore]]
# path = "legacy/**"
# rule = "K8S001"
# reason = "batch jobs sized by the scheduler"
# expires = 2026-06-30
"#;

/// Why `init` did not write the file.
#[derive(Debug)]
pub enum InitError {
    Exists(PathBuf),
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitError::Exists(p) => write!(
                f,
                "`{}` already exists (use `--force` to overwrite it)",
                p.display()
            ),
            InitError::Io(p, e) => write!(f, "cannot write `{}`: {e}", p.display()),
        }
    }
}

/// Write the starter file into `dir`; returns its path.
pub fn write(dir: &Path, force: bool) -> Result<PathBuf, InitError> {
    let path = dir.join(FILE_NAME);
    if path.exists() && !force {
        return Err(InitError::Exists(path));
    }
    std::fs::write(&path, TEMPLATE).map_err(|e| InitError::Io(path.clone(), e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_validates_and_keeps_the_defaults() {
        let cfg = match crate::config::parse("cutover.toml", TEMPLATE) {
            Ok(c) => c,
            Err(e) => panic!("{:?}", miette::Report::new(e)),
        };
        let defaults = crate::config::FileConfig::default();
        assert_eq!(
            format!("{:?}", cfg.engine),
            format!("{:?}", defaults.engine),
            "the template's options differ from the defaults"
        );
        assert!(cfg.rules.select.is_empty() && cfg.rules.ignore.is_empty());
        assert_eq!(cfg.fail_on.as_deref(), Some("warning"));
    }

    /// Uncomment every example line (`# key = value`, `# [[table]]`, `# "item",`).
    fn uncommented(text: &str) -> String {
        let example = |l: &str| {
            let l = l.trim_start();
            l.starts_with("[[")
                || l.starts_with('"') && l.ends_with(',')
                || l.split_once(" = ").is_some_and(|(k, _)| {
                    !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                })
        };
        text.lines()
            .map(|l| match l.trim_start().strip_prefix("# ") {
                Some(rest) if example(rest) => rest.to_string(),
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn template_examples_validate_when_uncommented() {
        let text = uncommented(TEMPLATE);
        assert!(text.contains("\nselect = [\"ECS\", \"K8S\"]"), "{text}");
        assert!(text.contains("\n[[ignore]]\n"), "{text}");
        if let Err(e) = crate::config::parse("cutover.toml", &text) {
            panic!("{:?}\n{text}", miette::Report::new(e));
        }
    }

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = std::env::temp_dir().join(format!("cutover-init-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let p = write(&dir, false).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read_to_string(&p).unwrap_or_default(), TEMPLATE);
        std::fs::write(&p, "# mine\n").unwrap_or_default();
        assert!(matches!(write(&dir, false), Err(InitError::Exists(_))));
        assert_eq!(std::fs::read_to_string(&p).unwrap_or_default(), "# mine\n");
        assert!(write(&dir, true).is_ok());
        assert_eq!(std::fs::read_to_string(&p).unwrap_or_default(), TEMPLATE);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
