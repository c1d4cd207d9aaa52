//! `cutover.toml`: found by walking up from the first path, or given with `--config`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const FILE_NAME: &str = "cutover.toml";

/// Rule selection and severity overrides (`[rules]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesSection {
    /// Rule IDs, names or ID prefixes to enable (default: all).
    pub select: Vec<String>,
    /// Rule IDs, names or ID prefixes to disable.
    pub ignore: Vec<String>,
    /// Per-rule severity: `ECS001 = "error"`.
    pub severity: BTreeMap<String, String>,
}

/// One path-scoped suppression (`[[ignore]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreEntry {
    pub path: String,
    pub rule: String,
    pub reason: String,
    pub expires: Option<toml::value::Datetime>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FileConfig {
    pub rules: RulesSection,
    #[serde(rename = "fail-on")]
    pub fail_on: Option<String>,
    pub exclude: Vec<String>,
    pub plugins: Vec<String>,
    /// Seconds a rule plugin may take for one invocation (default 30).
    #[serde(rename = "plugin-timeout")]
    pub plugin_timeout: Option<f64>,
    /// Options passed to rule plugins: `[plugin.imagepolicy] allow = ["…"]` (sent as `options`).
    pub plugin: BTreeMap<String, toml::Table>,
    pub ignore: Vec<IgnoreEntry>,
    #[serde(flatten)]
    pub engine: lint_engine::Config,
}

/// A loaded configuration file, with its text kept for error reports.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub path: Option<PathBuf>,
    pub config: FileConfig,
}

/// Walk up from `start` looking for `cutover.toml`.
pub fn find(start: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(start).ok()?;
    let mut dir = if abs.is_dir() {
        abs
    } else {
        abs.parent()?.to_path_buf()
    };
    loop {
        let cand = dir.join(FILE_NAME);
        if cand.is_file() {
            return Some(cand);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// A configuration error with its place in the file, rendered by miette.
#[derive(Debug)]
pub struct ConfigError {
    pub path: String,
    pub text: String,
    pub message: String,
    pub span: Option<std::ops::Range<usize>>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid configuration in {}: {}",
            self.path, self.message
        )
    }
}

impl std::error::Error for ConfigError {}

impl miette::Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("cutover::config"))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.text)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(self.message.clone()), span),
        )))
    }
}

pub fn parse(path: &str, text: &str) -> Result<FileConfig, ConfigError> {
    toml::from_str::<FileConfig>(text).map_err(|e| ConfigError {
        path: path.to_string(),
        text: text.to_string(),
        message: e.message().to_string(),
        span: e.span(),
    })
}

pub fn load(
    explicit: Option<&Path>,
    first_path: Option<&Path>,
) -> Result<LoadedConfig, ConfigError> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => find(first_path.unwrap_or(Path::new("."))),
    };
    let Some(path) = path else {
        return Ok(LoadedConfig {
            path: None,
            config: FileConfig::default(),
        });
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
        path: shown.clone(),
        text: String::new(),
        message: format!("cannot read: {e}"),
        span: None,
    })?;
    let config = parse(&shown, &text)?;
    Ok(LoadedConfig {
        path: Some(path),
        config,
    })
}
