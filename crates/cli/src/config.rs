//! `cutover.toml`: found by walking up from the first path, or given with `--config`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

pub const FILE_NAME: &str = "cutover.toml";

/// Rule selection and severity overrides (`[rules]`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RulesSection {
    /// Rule IDs, names or ID prefixes to enable (default: all).
    pub select: Vec<String>,
    /// Rule IDs, names or ID prefixes to disable.
    pub ignore: Vec<String>,
    /// Per-rule severity, by rule ID or name: `ECS001 = "error"`.
    #[schemars(with = "BTreeMap<String, SeverityName>")]
    pub severity: BTreeMap<String, String>,
}

/// A severity name in `[rules.severity]` (`warn` is `warning`, `note` is `info`).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityName {
    Error,
    Warning,
    Warn,
    Info,
    Note,
}

/// The lowest severity that makes `cutover check` exit with 1 (`never`: exit with 0 whenever
/// the inputs could be read).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FailOnName {
    Error,
    Warning,
    Info,
    Never,
}

/// One path-scoped suppression (`[[ignore]]`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IgnoreEntry {
    /// Glob of the paths the suppression applies to.
    pub path: String,
    /// Rule ID, name or ID prefix it suppresses.
    pub rule: String,
    /// Why the findings are accepted.
    pub reason: String,
    /// TOML date after which the suppression no longer applies (`expires = 2026-06-30`).
    // TOML has no null: an absent key leaves an option unset.
    #[schemars(with = "String")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<toml::value::Datetime>,
}

/// `cutover.toml`, the configuration of `cutover check`. It is found by walking up from the
/// first path given, or named with `--config`. Command-line options take precedence.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(deny_unknown_fields, title = "cutover.toml")]
pub struct FileConfig {
    /// Rule selection and per-rule severity.
    pub rules: RulesSection,
    /// Exit with 1 when a finding is at or above this severity (default `warning`).
    #[serde(rename = "fail-on", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "FailOnName")]
    pub fail_on: Option<String>,
    /// Exit with 2 when the given paths hold no file cutover reads (default: a warning only).
    #[serde(rename = "fail-on-empty")]
    pub fail_on_empty: bool,
    /// Globs of paths to skip (added to `--exclude`).
    pub exclude: Vec<String>,
    /// Plugins to load.
    pub plugins: Vec<String>,
    /// Seconds a rule plugin may take for one invocation (default 30).
    #[serde(rename = "plugin-timeout")]
    pub plugin_timeout: Option<f64>,
    /// Options passed to rule plugins: `[plugin.imagepolicy] allow = ["…"]` (sent as `options`).
    #[schemars(with = "BTreeMap<String, serde_json::Map<String, serde_json::Value>>")]
    pub plugin: BTreeMap<String, toml::Table>,
    /// Path-scoped suppressions, each with a reason (`[[ignore]]`).
    pub ignore: Vec<IgnoreEntry>,
    /// Bounds that keep hostile input from exhausting time or memory (`[limits]`).
    pub limits: LimitsSection,
    /// Rendering Kustomize overlays and Helm charts before linting (`[render]`).
    pub render: RenderSection,
    #[serde(flatten)]
    pub engine: lint_engine::Config,
}

/// `[render]`: Kustomize overlays and Helm charts among the inputs are rendered with the
/// user's own tools and their findings mapped back to the files they were written in.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RenderSection {
    /// The Kustomize renderer: `kubectl` (`kubectl kustomize`), `kustomize` (`kustomize
    /// build`) or a path to either (default: `kubectl`, else `kustomize`, found on PATH).
    pub kustomize: Option<String>,
    /// The kustomization directories to render, relative to this file (default: the leaves,
    /// the kustomizations no other one includes).
    pub overlays: Vec<String>,
    /// Seconds one render may take.
    pub timeout: f64,
    /// `helm template` of charts (`[render.helm]`).
    pub helm: HelmSection,
}

impl Default for RenderSection {
    fn default() -> Self {
        RenderSection {
            kustomize: None,
            overlays: Vec::new(),
            timeout: crate::render_inputs::DEFAULT_TIMEOUT,
            helm: HelmSection::default(),
        }
    }
}

/// `[render.helm]`: how charts are rendered.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct HelmSection {
    /// Values files, relative to the chart directory, in `--values` order.
    pub values: Vec<String>,
    /// The release name (default `release`).
    pub release: Option<String>,
    /// The namespace rendered into (`--namespace`).
    pub namespace: Option<String>,
    /// The helm executable (default `helm` on PATH).
    pub program: Option<String>,
}

/// `[limits]`: the defaults are far above any real manifest or plan.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsSection {
    /// Largest file read, in bytes (default 128 MiB); a larger one is an input error.
    pub max_file_bytes: u64,
    /// Deepest nesting of JSON/YAML collections (default 256).
    #[schemars(range(min = 1, max = 1024))]
    pub max_depth: usize,
    /// Most nodes that YAML alias expansion may add to one file (default 1,000,000).
    pub max_alias_nodes: usize,
}

impl Default for LimitsSection {
    fn default() -> Self {
        let d = lint_engine::load::Limits::default();
        LimitsSection {
            max_file_bytes: d.max_file_bytes,
            max_depth: d.max_depth,
            max_alias_nodes: d.max_alias_nodes,
        }
    }
}

impl LimitsSection {
    pub fn to_limits(&self) -> lint_engine::load::Limits {
        lint_engine::load::Limits {
            max_file_bytes: self.max_file_bytes,
            // Recursion in the JSON parser is bounded by this; keep it within a safe stack.
            max_depth: self.max_depth.clamp(1, 1024),
            max_alias_nodes: self.max_alias_nodes,
        }
    }
}

/// A loaded configuration file, with its text kept for error reports.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub path: Option<PathBuf>,
    pub config: FileConfig,
    /// Warnings about the file (keys in an old spelling), one line each.
    pub warnings: Vec<String>,
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

/// A configuration error with its place in the file, rendered by miette. Further errors of the
/// same file are attached as `related`.
#[derive(Debug)]
pub struct ConfigError {
    pub path: String,
    pub message: String,
    pub span: Option<std::ops::Range<usize>>,
    pub help: Option<String>,
    detail: Box<Detail>,
}

#[derive(Debug)]
struct Detail {
    /// Text of the label under the span (default: the message).
    label: Option<String>,
    related: Vec<ConfigError>,
    source: miette::NamedSource<String>,
}

impl ConfigError {
    pub fn new(
        path: &str,
        text: &str,
        message: impl Into<String>,
        span: Option<std::ops::Range<usize>>,
    ) -> Self {
        ConfigError {
            path: path.to_string(),
            message: message.into(),
            span,
            help: None,
            detail: Box::new(Detail {
                label: None,
                related: Vec::new(),
                source: miette::NamedSource::new(path, text.to_string()),
            }),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.detail.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Show `text` (the file as the user wrote it) instead of the text that was checked, which
    /// differs only in rewritten key spellings, byte for byte the same length.
    pub fn with_source_text(mut self, text: &str) -> Self {
        self.detail.source = miette::NamedSource::new(&self.path, text.to_string());
        self.detail.related = self
            .detail
            .related
            .into_iter()
            .map(|r| r.with_source_text(text))
            .collect();
        self
    }

    pub fn with_related(mut self, related: Vec<ConfigError>) -> Self {
        self.detail.related = related;
        self
    }

    /// The other errors found in the same file.
    pub fn related_errors(&self) -> &[ConfigError] {
        &self.detail.related
    }
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
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.detail.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        let label = self
            .detail
            .label
            .clone()
            .unwrap_or_else(|| self.message.clone());
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some(label), span),
        )))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.detail.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.detail
                .related
                .iter()
                .map(|e| e as &dyn miette::Diagnostic),
        ))
    }
}

/// Validate `text` against the shipped schema, then read it. Keys in the old `snake_case`
/// spelling are read as their `kebab-case` names ([`parse_with_warnings`] says which).
pub fn parse(path: &str, text: &str) -> Result<FileConfig, ConfigError> {
    parse_with_warnings(path, text).map(|(c, _)| c)
}

/// [`parse`], and one warning per key written in the old spelling
/// (`cutover.toml:3:1: `min_stop_timeout_seconds` is now spelt `min-stop-timeout-seconds`…`).
pub fn parse_with_warnings(
    path: &str,
    text: &str,
) -> Result<(FileConfig, Vec<String>), ConfigError> {
    parse_remembering(path, text, None)
}

/// Configuration texts the schema accepted before, kept in the cache directory of the
/// pre-commit path (`--repo-context`): compiling the schema's validator is most of the time a
/// configuration takes to read (about 2.5 ms, on every commit). A text is skipped only when it
/// is byte for byte the one this build of cutover accepted; anything else is validated.
pub struct SchemaMemo {
    file: PathBuf,
    tool: String,
}

impl SchemaMemo {
    const FILE_NAME: &'static str = "schema-accepted";

    /// The memo in the cache directory `dir`, for the build identified by `tool`.
    pub fn new(dir: &Path, tool: &str) -> Self {
        SchemaMemo {
            file: dir.join(Self::FILE_NAME),
            tool: tool.to_string(),
        }
    }

    fn content(&self, text: &str) -> String {
        format!("{}\n{text}", self.tool)
    }

    fn accepted(&self, text: &str) -> bool {
        std::fs::read(&self.file).is_ok_and(|b| b == self.content(text).as_bytes())
    }

    /// Remember `text` as accepted; a memo that cannot be written costs time only.
    fn remember(&self, text: &str) {
        let Some(dir) = self.file.parent() else {
            return;
        };
        if lint_engine::load::cache::prepare_dir(dir).is_err() {
            return;
        }
        let tmp = dir.join(format!("{}.{}.tmp", Self::FILE_NAME, std::process::id()));
        let written = std::fs::write(&tmp, self.content(text))
            .and_then(|()| std::fs::rename(&tmp, &self.file));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

fn parse_remembering(
    path: &str,
    text: &str,
    memo: Option<&SchemaMemo>,
) -> Result<(FileConfig, Vec<String>), ConfigError> {
    let (rewritten, old) = crate::schema::rewrite_old_spellings(text);
    let text_for_errors = text;
    if !memo.is_some_and(|m| m.accepted(&rewritten)) {
        crate::schema::validate(path, &rewritten)
            .map_err(|e| e.with_source_text(text_for_errors))?;
        if let Some(m) = memo {
            m.remember(&rewritten);
        }
    }
    // The schema accepts what the types accept; this catches what it cannot say (a quoted
    // `expires` date, for example).
    let cfg = toml::from_str::<FileConfig>(&rewritten)
        .map_err(|e| ConfigError::new(path, text, e.message().trim_end(), e.span()))?;
    let index = lint_engine::source::LineIndex::new(text);
    let warnings = old
        .iter()
        .map(|o| {
            let lc = index.line_col(text, o.span.start as u32);
            format!(
                "warning: {path}:{}:{}: `{}` is now spelt `{}` (every configuration key is \
                 kebab-case); the old spelling still works",
                lc.line, lc.col, o.old, o.new
            )
        })
        .collect();
    if let Err(e) = cfg.engine.secrets.compiled() {
        return Err(ConfigError::new(
            path,
            text,
            format!("`secrets.name-regex` is not a valid regular expression: {e}"),
            None,
        ));
    }
    Ok((cfg, warnings))
}

pub fn load(
    explicit: Option<&Path>,
    first_path: Option<&Path>,
) -> Result<LoadedConfig, ConfigError> {
    load_remembering(explicit, first_path, None)
}

/// [`load`], skipping the schema for a text `memo` says was accepted.
pub fn load_remembering(
    explicit: Option<&Path>,
    first_path: Option<&Path>,
    memo: Option<&SchemaMemo>,
) -> Result<LoadedConfig, ConfigError> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => find(first_path.unwrap_or(Path::new("."))),
    };
    let Some(path) = path else {
        return Ok(LoadedConfig {
            path: None,
            config: FileConfig::default(),
            warnings: Vec::new(),
        });
    };
    let shown = lint_engine::discover::display_name(&path);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ConfigError::new(&shown, "", format!("cannot read: {e}"), None))?;
    let (config, warnings) = parse_remembering(&shown, &text, memo)?;
    Ok(LoadedConfig {
        path: Some(path),
        config,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_memo_skips_only_the_text_this_build_accepted() {
        let dir = std::env::temp_dir().join(format!("cutover-schema-memo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let memo = SchemaMemo::new(&dir, "build-a");
        let good = "fail-on = \"error\"\n";
        let bad = "fail-on = \"error\"\nunknown-key = 1\n";
        assert!(!memo.accepted(good));
        let first = parse_remembering("cutover.toml", good, Some(&memo));
        assert_eq!(
            first.map(|(c, _)| c.fail_on).ok().flatten().as_deref(),
            Some("error")
        );
        assert!(memo.accepted(good));
        assert!(dir.join(".gitignore").is_file());
        // Another text is validated (and rejected) whatever the memo holds, and not remembered.
        let err = parse_remembering("cutover.toml", bad, Some(&memo))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("unknown-key"), "{err}");
        assert!(memo.accepted(good) && !memo.accepted(bad));
        // Another build does not trust it; a damaged memo is validated again and rewritten.
        assert!(!SchemaMemo::new(&dir, "build-b").accepted(good));
        std::fs::write(dir.join(SchemaMemo::FILE_NAME), "garbage")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!memo.accepted(good));
        assert!(parse_remembering("cutover.toml", good, Some(&memo)).is_ok());
        assert!(memo.accepted(good));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn secrets_name_regex_must_compile() {
        let ok = parse("cutover.toml", "[secrets]\nname_regex = \"(?i)SALT\"\n");
        assert_eq!(
            ok.map(|c| c.engine.secrets.name_regex).ok().as_deref(),
            Some("(?i)SALT")
        );
        let bad = parse("cutover.toml", "[secrets]\nname_regex = \"(unclosed\"\n");
        let msg = bad.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("`secrets.name-regex` is not a valid regular expression"),
            "{msg}"
        );
    }
}
