//! `cutover init`: a commented starter `cutover.toml`.

use std::path::{Path, PathBuf};

use crate::config::FILE_NAME;

/// The starter file written today: every section, every option commented out with its default
/// (generated from the configuration schema, see [`crate::config_docs::init_template`]).
pub fn template() -> String {
    crate::config_docs::init_template(lint_engine::suppress::Date::today())
}

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
    std::fs::write(&path, template()).map_err(|e| InitError::Io(path.clone(), e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_validates_and_keeps_the_defaults() {
        let cfg = match crate::config::parse("cutover.toml", &template()) {
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
        assert_eq!(cfg.fail_on, None);
    }

    /// Uncomment every example line (`# key = value`, `# "key" = value`, `# [table]`,
    /// `# [[table]]`).
    fn uncommented(text: &str) -> String {
        let example = |l: &str| {
            let l = l.trim_start();
            l.starts_with('[') && l.ends_with(']')
                || l.split_once(" = ").is_some_and(|(k, _)| {
                    let k = k.trim_matches('"');
                    !k.is_empty()
                        && k.chars().all(|c| {
                            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '*')
                        })
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
        let text = uncommented(&template());
        assert!(text.contains("\nmin-stop-timeout-seconds = 30\n"), "{text}");
        assert!(text.contains("\n[plugin.imagepolicy]\n"), "{text}");
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
        assert_eq!(std::fs::read_to_string(&p).unwrap_or_default(), template());
        std::fs::write(&p, "# mine\n").unwrap_or_default();
        assert!(matches!(write(&dir, false), Err(InitError::Exists(_))));
        assert_eq!(std::fs::read_to_string(&p).unwrap_or_default(), "# mine\n");
        assert!(write(&dir, true).is_ok());
        assert_eq!(std::fs::read_to_string(&p).unwrap_or_default(), template());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
