//! The one check pipeline, shared by `cutover check` and the benchmark:
//!
//! configuration → rule selection (built-in and plugin rules) → discover → load → model →
//! rules and plugins → severity overrides, suppressions and `LINT002`, `--repo-context` scope,
//! fingerprints, baseline → [`render`].
//!
//! [`run`] does everything up to the report and returns a [`Checked`]; [`render`] is the one
//! entry point of every output format; [`check`] is the whole command (write the report, print
//! the plugin errors, compute the exit code). The options are a plain struct, filled by the
//! command line or by any other caller.

use std::collections::{HashMap, HashSet};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
/// The writer types of [`render`]: wrap a plain writer in [`NoColor`].
pub use codespan_reporting::term::termcolor::{NoColor, WriteColor};
use lint_engine::load::cache::LoadCache;
use lint_engine::runner::{load_all, load_all_cached, LoadOutcome, MemoryInput};
use lint_engine::{Model, RuleMeta, Severity};

use crate::plugin::{merge, protocol::PluginError};
use crate::render::Report;
use crate::render_cache::RenderCache;
use crate::{config, post, render as renderers, select, suppress, var_files};

/// Output format of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations), plus a job summary.
    Github,
    /// One line per finding: `path:line:col: ID [severity] message`.
    Concise,
}

impl Format {
    /// Formats whose report is text for a person to read (the others are for machines).
    fn is_text(self) -> bool {
        matches!(self, Format::Human | Format::Concise)
    }
}

/// The lowest severity that makes the run fail (exit 1); `Never` never does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FailOn {
    Error,
    #[default]
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// `error`, `warning`, `info` or `never`, in any case.
    pub fn parse(s: &str) -> Option<FailOn> {
        Some(match s.to_ascii_lowercase().as_str() {
            "error" => FailOn::Error,
            "warning" => FailOn::Warning,
            "info" => FailOn::Info,
            "never" => FailOn::Never,
            _ => return None,
        })
    }

    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// When human output uses colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Color {
    /// When standard output is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

/// Everything `cutover check` can be told (the command line's options, without its parser).
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Files or directories; `-` reads standard input.
    pub paths: Vec<PathBuf>,
    pub format: Format,
    /// Write the report to this file instead of standard output.
    pub output: Option<PathBuf>,
    /// Over the configuration's `fail-on` (default: warning).
    pub fail_on: Option<FailOn>,
    /// Name (and so the kind) of the input read from standard input.
    pub stdin_filename: Option<PathBuf>,
    /// Globs added to the configuration's `exclude`.
    pub exclude: Vec<String>,
    /// Configuration file (default: `cutover.toml` found from the first path up).
    pub config: Option<PathBuf>,
    /// Over the configuration's `select` when not empty.
    pub select: Vec<String>,
    /// Added to the configuration's `ignore`.
    pub ignore: Vec<String>,
    pub color: Color,
    pub verbose: bool,
    pub baseline: Option<PathBuf>,
    pub write_baseline: Option<PathBuf>,
    /// Load the whole repository, report only on the given files.
    pub repo_context: bool,
    /// With `repo_context`: do not use the load cache.
    pub no_cache: bool,
    /// Rule plugins added to the configuration's `plugins`.
    pub plugins: Vec<String>,
    /// Seconds a plugin may take (over the configuration's `plugin-timeout`).
    pub plugin_timeout: Option<f64>,
    /// Findings and input errors only: no notes, no summary line.
    pub quiet: bool,
    /// One line per rule with its number of findings instead of the findings (text formats).
    pub statistics: bool,
    /// Exit with 2 when there is nothing to lint (over the configuration's `fail-on-empty`).
    pub fail_on_empty: bool,
    /// Terraform variable files (`--var-file`), after the configuration's `[terraform]
    /// var-files`.
    pub var_files: Vec<PathBuf>,
    /// Lint Kustomize overlays and Helm charts as written instead of rendering them.
    pub no_render: bool,
}

/// Why a run stopped before its report (exit code 2).
#[derive(Debug)]
pub enum Failure {
    /// The configuration file cannot be read or is invalid.
    Config(config::ConfigError),
    /// A usage error: bad option, unknown rule, unreadable standard input, baseline error.
    Usage(String),
}

impl Failure {
    /// Print it on standard error as the command line does.
    pub fn print(self) {
        match self {
            Failure::Config(e) => eprintln!("{:?}", miette::Report::new(e)),
            Failure::Usage(m) => eprintln!("error: {m}"),
        }
    }
}

impl From<String> for Failure {
    fn from(m: String) -> Self {
        Failure::Usage(m)
    }
}

/// Time spent in each phase of [`run`] (and in rendering, when the caller measures it).
#[derive(Default, Clone, Copy, Debug)]
pub struct Phases {
    /// Configuration, selection, plugin metadata, walk, read and parse.
    pub load: Duration,
    pub model: Duration,
    /// Built-in rules and plugins.
    pub rules: Duration,
    /// Overrides, suppressions, scope, fingerprints, baseline.
    pub post: Duration,
    pub render: Duration,
}

/// A finished run, ready to render.
pub struct Checked {
    /// The loaded files (plus `cutover.toml` when a finding points into it), errors, skips.
    pub outcome: LoadOutcome,
    /// Findings to report, their fingerprints, what was suppressed or baselined.
    pub post: post::Outcome,
    /// Metadata of every enabled rule, built-in then plugin.
    pub rules: Vec<&'static RuleMeta>,
    /// Repository root: base of SARIF URIs and fingerprints.
    pub root: Option<PathBuf>,
    pub plugin_errors: Vec<PluginError>,
    pub fail_on: FailOn,
    pub verbose: bool,
    pub quiet: bool,
    /// The paths held no file to lint: why, one line per kind of file left out.
    pub empty: Option<Vec<String>>,
    /// Nothing to lint is a failure (exit 2).
    pub fail_on_empty: bool,
    pub phases: Phases,
}

impl Checked {
    /// What the renderers show.
    pub fn report(&self) -> Report<'_> {
        Report {
            db: &self.outcome.db,
            findings: &self.post.findings,
            errors: &self.outcome.errors,
            skipped: &self.outcome.skipped,
            rules: &self.rules,
            verbose: self.verbose,
            suppressed: &self.post.suppressed,
            fingerprints: &self.post.fingerprints,
            root: self.root.as_deref(),
            baselined: self.post.baselined,
            baselined_findings: &self.post.baselined_findings,
            quiet: self.quiet,
        }
    }

    /// 2 for input or plugin errors, else 1 when a finding reaches `fail_on` (never while
    /// writing a baseline), else 0.
    pub fn exit_code(&self, writing_baseline: bool) -> u8 {
        if !self.outcome.errors.is_empty() || !self.plugin_errors.is_empty() {
            return 2;
        }
        if self.fail_on_empty && self.empty.is_some() {
            return 2;
        }
        match self.fail_on.threshold() {
            _ if writing_baseline => 0,
            Some(t) if self.post.findings.iter().any(|f| f.severity >= t) => 1,
            _ => 0,
        }
    }
}

/// Write `report` in `format`: the one dispatch over the renderers.
pub fn render(format: Format, w: &mut dyn WriteColor, report: &Report<'_>) -> io::Result<()> {
    match format {
        Format::Human => renderers::human::render(w, report),
        Format::Json => renderers::json::render(w, report),
        Format::Sarif => renderers::sarif::render(w, report),
        Format::Github => renderers::github::render(w, report),
        Format::Concise => renderers::concise::render(w, report),
    }
}

/// A JSON or SARIF report as one value (tests and tools; [`render`] streams the same document
/// without building it). `Null` for the text formats.
pub fn to_value(format: Format, report: &Report<'_>) -> serde_json::Value {
    let mut buf = NoColor::new(Vec::new());
    if !matches!(format, Format::Json | Format::Sarif) || render(format, &mut buf, report).is_err()
    {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&buf.into_inner()).unwrap_or_default()
}

/// Files on disk and the standard-input document named by `paths` (`-` is standard input).
pub fn inputs(
    paths: &[PathBuf],
    stdin_filename: Option<&Path>,
) -> Result<(Vec<PathBuf>, Vec<MemoryInput>), String> {
    let disk = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let mut memory = Vec::new();
    if paths.iter().any(|p| p.as_os_str() == "-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        memory.push(MemoryInput {
            path: stdin_filename
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("<stdin>")),
            bytes,
        });
    }
    Ok((disk, memory))
}

/// Rule plugins of the run: configuration first, then the command line, each once.
fn plugin_names(cfg: &config::FileConfig, opts: &CheckOptions) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for n in cfg.plugins.iter().chain(&opts.plugins) {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    names
}

/// Run the check up to the report.
pub fn run(opts: &CheckOptions) -> Result<Checked, Failure> {
    run_inspect(opts, |_| ()).map(|(checked, ())| checked)
}

/// [`run`], and `inspect` called on the model (with the engine configuration and the facts the
/// rules built) while it is alive, after the rules: what `cutover report` reads from the model
/// besides the findings.
pub fn run_inspect<T>(
    opts: &CheckOptions,
    inspect: impl FnOnce(&lint_engine::shared::FactContext<'_, '_>) -> T,
) -> Result<(Checked, T), Failure> {
    let start = Instant::now();
    let first = opts.paths.iter().find(|p| p.as_os_str() != "-");
    let root = repo_root(first.map(PathBuf::as_path));
    // The pre-commit path (`--repo-context`) keeps a cache under the repository: the trees of
    // unchanged files, the renders of unchanged Kustomize overlays and the configuration text
    // the schema accepted.
    let cache_at = match (&root, opts.repo_context && !opts.no_cache) {
        (Some(r), true) => Some((cache_dir(r), tool_key())),
        _ => None,
    };
    let memo = cache_at
        .as_ref()
        .map(|(dir, tool)| config::SchemaMemo::new(dir, tool));
    let loaded = config::load_remembering(
        opts.config.as_deref(),
        first.map(PathBuf::as_path),
        memo.as_ref(),
    )
    .map_err(Failure::Config)?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    let mut cfg = loaded.config;

    // Rule selection: command line over configuration file.
    let select = if opts.select.is_empty() {
        cfg.rules.select.clone()
    } else {
        opts.select.clone()
    };
    let mut ignore = cfg.rules.ignore.clone();
    ignore.extend(opts.ignore.iter().cloned());
    // Rule plugins: ask each enabled plugin for its rules before selection.
    let timeout = match opts.plugin_timeout.or(cfg.plugin_timeout) {
        None => crate::plugin::protocol::DEFAULT_TIMEOUT,
        Some(s) => merge::timeout_from_secs(s)?,
    };
    let (plugins, mut plugin_errors) =
        crate::plugin::protocol::load(&plugin_names(&cfg, opts), timeout);
    let plugin_metas: Vec<&'static RuleMeta> = plugins
        .iter()
        .flat_map(|p| p.rules.iter().copied())
        .collect();
    let lenient = !plugin_errors.is_empty();
    let (rules, plugin_enabled) =
        select::select_with_plugins(&select, &ignore, &plugin_metas, lenient)?;
    let overrides =
        select::severity_overrides_with_plugins(&cfg.rules.severity, &plugin_metas, lenient)?;
    let plugin_options: HashMap<String, serde_json::Value> = cfg
        .plugin
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
        .collect();
    let fail_on = match opts.fail_on {
        Some(f) => f,
        None => match cfg.fail_on.as_deref() {
            None => FailOn::Warning,
            Some(s) => FailOn::parse(s).ok_or_else(|| {
                format!("invalid `fail-on` value `{s}` in configuration (error, warning, info or never)")
            })?,
        },
    };

    // The load cache (tens of megabytes in a large repository) is read while the repository is
    // walked and the renders are planned.
    let limits = cfg.limits.to_limits();
    let opening = cache_at
        .as_ref()
        .map(|(dir, tool)| LoadCache::open_meanwhile(dir, tool, &limits));

    // Inputs.
    let mut excludes = cfg.exclude.clone();
    excludes.extend(opts.exclude.iter().cloned());
    let globs = lint_engine::discover::compile_excludes(&excludes)?;
    let (mut disk, memory) = inputs(&opts.paths, opts.stdin_filename.as_deref())?;
    // `--repo-context`: the given files are the scope; the repository is the context.
    let scope: Option<HashSet<PathBuf>> = match (&root, opts.repo_context) {
        (Some(r), true) => {
            let given = disk.iter().map(|p| suppress::absolute(p)).collect();
            disk = std::iter::once(r.clone())
                .chain(disk.iter().map(|p| suppress::absolute(p)))
                .collect();
            Some(given)
        }
        _ => None,
    };
    let (mut files, walk_errors, by_name) =
        lint_engine::discover::discover_with_skipped(&disk, &globs);
    let empty = (files.is_empty() && memory.is_empty() && walk_errors.is_empty())
        .then(|| lint_engine::discover::explain_empty(&disk, &globs));
    let var_files = var_files::requested(&cfg, loaded.path.as_deref(), &opts.var_files);
    var_files::add_to_inputs(&mut files, &var_files);
    // Kustomize overlays and Helm charts are rendered while the other files load.
    let plan = if opts.no_render {
        crate::render_inputs::Plan::default()
    } else {
        let config_dir = loaded.path.as_deref().and_then(Path::parent);
        crate::render_inputs::plan(&mut files, &cfg.render, config_dir, &limits)
    };
    let crate::render_inputs::Plan {
        jobs,
        notes: render_notes,
        errors: render_errors,
        timeout: render_timeout,
        taken,
    } = plan;
    let (cache, render_cache) = match (&cache_at, opening) {
        (Some((dir, tool)), Some(opening)) => (opening.wait(), Some(RenderCache::new(dir, tool))),
        _ => (None, None),
    };
    let (mut outcome, rendered) = rayon::join(
        || load_all_cached(&files, memory, &limits, cache.as_ref()),
        || crate::render_inputs::run(jobs, render_timeout, render_cache.as_ref()),
    );
    if let Some(c) = render_cache {
        c.prune();
    }
    outcome.skipped.extend(render_notes);
    outcome.errors.extend(render_errors);
    // The files of a render that failed are linted as written (after the error).
    let fallback = crate::render_inputs::fallback_files(&taken, &rendered);
    if !fallback.is_empty() {
        let raw = load_all(&fallback, Vec::new(), &limits);
        for mut f in raw.db.files {
            f.id = lint_engine::source::FileId(outcome.db.files.len() as u32);
            outcome.db.files.push(f);
        }
        outcome.errors.extend(raw.errors);
        outcome.skipped.extend(raw.skipped);
    }
    let mut texts = Vec::new();
    for (r, _) in rendered {
        match r {
            Ok(t) => texts.push(t),
            Err(e) => outcome.errors.push(e),
        }
    }
    lint_engine::render::attach(&mut outcome, texts, &limits, cache.as_ref());
    // A cache that cannot be written costs time, never a finding: the run goes on.
    if let Some(c) = cache {
        let _ = c.save();
    }
    // Templates are rendered with the variable files' values, as the rules evaluate the module.
    let loaded_var_files = var_files::loaded(&outcome, &var_files);
    lint_engine::load::rendered::add_rendered_templates(
        &mut outcome,
        &disk,
        &cfg.limits.to_limits(),
        &loaded_var_files,
    );
    if opts.verbose {
        // Files of the walked directories that are not read because of their name (a template
        // rendered for a task definition is read).
        let read: HashSet<String> = outcome
            .db
            .files
            .iter()
            .map(|f| lint_engine::tfeval::scope::normalize(&f.path))
            .collect();
        outcome.skipped.extend(
            by_name
                .into_iter()
                .filter(|p| !read.contains(&lint_engine::tfeval::scope::normalize(p)))
                .map(|path| lint_engine::runner::Skipped {
                    reason: skipped_by_name(&path),
                    path,
                    note: false,
                }),
        );
        outcome.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    }
    outcome.errors.extend(walk_errors);
    cfg.engine.terraform.var_files = var_files::resolve(&mut outcome, &var_files);
    outcome.errors.sort_by(|a, b| a.path.cmp(&b.path));
    let mut phases = Phases {
        load: start.elapsed(),
        ..Phases::default()
    };

    // `--repo-context`: the files reported on (their findings are the only ones kept).
    let in_scope = scope.as_ref().map(|s| post::files_in_scope(&outcome.db, s));
    let t = Instant::now();
    let model = Model::build(&outcome.db);
    phases.model = t.elapsed();
    let t = Instant::now();
    let enabled: HashSet<&str> = plugin_enabled.iter().copied().collect();
    // The facts the rules build are the ones `inspect` reads.
    let (mut findings, errors, inspected) = {
        let shared = match &in_scope {
            Some(v) => lint_engine::shared::Shared::reporting_on(post::reported_files(model.db, v)),
            None => lint_engine::shared::Shared::default(),
        };
        let (findings, errors) = merge::run_all(
            &model,
            &shared,
            &rules,
            &cfg.engine,
            &plugins,
            &enabled,
            &plugin_options,
            timeout,
            opts.verbose,
        );
        let cx = lint_engine::shared::FactContext::new(&model, &cfg.engine, &shared);
        (findings, errors, inspect(&cx))
    };
    plugin_errors.extend(errors);
    // Findings on rendered objects go to the repository files they came from.
    if !model.db.origins.is_empty() {
        lint_engine::render::map_findings(model.db, &mut findings);
        lint_engine::runner::sort_findings(&mut findings, model.db);
        findings.dedup();
    }
    phases.rules = t.elapsed();

    // Overrides, suppressions, LINT002, `--repo-context` scope, fingerprints, baseline.
    let t = Instant::now();
    for f in &mut findings {
        if let Some(s) = overrides.get(f.rule_id.as_str()) {
            f.severity = *s;
        }
    }
    let config_text = loaded
        .path
        .as_deref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let config_src = post::config_source(loaded.path.as_deref(), config_text.as_deref(), &cfg);
    // With `--repo-context`, only the suppressions of the files reported on can apply.
    let wanted = |id: lint_engine::FileId| {
        in_scope
            .as_ref()
            .is_none_or(|v| v.get(id.0 as usize).copied().unwrap_or(true))
    };
    let suppressions = suppress::collect(
        &model,
        config_src.as_ref(),
        suppress::Date::today(),
        &wanted,
    );
    drop(model);
    let post = post::Options {
        config: config_src.as_ref(),
        rules: &rules,
        overrides: &overrides,
        scope: scope.as_ref(),
        files_in_scope: in_scope.as_deref(),
        root: root.as_deref(),
        write_baseline: opts.write_baseline.as_deref(),
        baseline: opts.baseline.as_deref(),
    }
    .run(&mut outcome, findings, suppressions)?;
    phases.post = t.elapsed();

    let mut metas: Vec<&'static RuleMeta> = rules.iter().map(|r| r.meta()).collect();
    metas.extend(
        plugin_metas
            .iter()
            .filter(|m| enabled.contains(m.id))
            .copied(),
    );
    let checked = Checked {
        outcome,
        post,
        rules: metas,
        root,
        plugin_errors,
        fail_on,
        verbose: opts.verbose,
        quiet: opts.quiet,
        empty,
        fail_on_empty: opts.fail_on_empty || cfg.fail_on_empty,
        phases,
    };
    Ok((checked, inspected))
}

/// Where the load cache of the repository at `root` is: `CUTOVER_CACHE_DIR` when set (not
/// empty), else `.cutover_cache` at the root.
pub fn cache_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CUTOVER_CACHE_DIR").filter(|d| !d.is_empty()) {
        Some(d) => suppress::absolute(Path::new(&d)),
        None => root.join(".cutover_cache"),
    }
}

/// What identifies this build of cutover to the load cache: the version, and the size and
/// modification time of the running executable (so that a rebuilt binary, even of the same
/// version, never reads trees another build wrote).
fn tool_key() -> String {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{}/{}", m.len(), crate::render_cache::modified(&m)))
        .unwrap_or_default();
    format!("cutover {} {exe}", env!("CARGO_PKG_VERSION"))
}

/// True when an environment variable is set to something other than empty or `0`.
fn env_on(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

/// `--color`, then the conventions of the environment: `NO_COLOR` turns colour off,
/// `FORCE_COLOR` or `CLICOLOR_FORCE` turn it on when standard output is not a terminal (as in
/// CI logs that render ANSI colours), and `auto` colours a terminal.
pub fn color_choice(color: Color) -> ColorChoice {
    match color {
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
        Color::Auto if env_on("NO_COLOR") => ColorChoice::Never,
        Color::Auto if env_on("FORCE_COLOR") || env_on("CLICOLOR_FORCE") => ColorChoice::Always,
        Color::Auto if std::io::stdout().is_terminal() => ColorChoice::Auto,
        Color::Auto => ColorChoice::Never,
    }
}

/// Render the report, or its statistics when asked for.
fn render_or_statistics(
    opts: &CheckOptions,
    w: &mut dyn WriteColor,
    report: &Report<'_>,
) -> io::Result<()> {
    if opts.statistics {
        renderers::concise::statistics(w, report)
    } else {
        render(opts.format, w, report)
    }
}

/// Write the report where `opts` says: the output file, or standard output (human output in
/// colour when asked for); then the GitHub job summary for `--format github`.
fn write_report(opts: &CheckOptions, report: &Report<'_>) -> io::Result<()> {
    let result = match &opts.output {
        Some(path) => std::fs::File::create(path).and_then(|f| {
            let mut w = NoColor::new(io::BufWriter::new(f));
            render_or_statistics(opts, &mut w, report)?;
            w.flush()
        }),
        None if opts.format == Format::Human => {
            let mut out = StandardStream::stdout(color_choice(opts.color));
            render_or_statistics(opts, &mut out, report)
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = NoColor::new(io::BufWriter::new(stdout.lock()));
            render_or_statistics(opts, &mut w, report).and_then(|_| w.flush())
        }
    };
    if opts.format == Format::Github {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let md = renderers::github::step_summary(report);
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(md.as_bytes()));
            if let Err(e) = written {
                eprintln!("warning: cannot write the job summary: {e}");
            }
        }
    }
    result
}

/// `cutover check`: run, write the report, print plugin errors; the exit code.
pub fn check(opts: &CheckOptions) -> u8 {
    let checked = match run(opts) {
        Ok(c) => c,
        Err(e) => {
            e.print();
            return 2;
        }
    };
    if opts.statistics && !opts.format.is_text() {
        Failure::Usage("`--statistics` goes with the human or concise format".into()).print();
        return 2;
    }
    let report = checked.report();
    if let Err(e) = write_report(opts, &report) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            match &opts.output {
                Some(p) => eprintln!("error: cannot write the report to {}: {e}", p.display()),
                None => eprintln!("error: cannot write the report to standard output: {e}"),
            }
            return 2;
        }
    }
    for e in &checked.plugin_errors {
        eprintln!("{}", e.render());
    }
    // When the report is not text on standard output (JSON, SARIF, GitHub commands, or a file),
    // a CI log would otherwise show nothing: input errors and the summary go to standard error.
    if !opts.format.is_text() || opts.output.is_some() {
        for line in renderers::concise::error_lines_of(&report) {
            eprintln!("{line}");
        }
        if !opts.quiet {
            eprintln!("cutover: {}", renderers::human::summary_line(&report));
        }
    }
    if let Some(why) = &checked.empty {
        let shown: Vec<String> = opts
            .paths
            .iter()
            .map(|p| lint_engine::discover::display_name(p))
            .collect();
        let level = if checked.fail_on_empty {
            "error"
        } else {
            "warning"
        };
        eprintln!("{level}: no file to lint in {}", shown.join(", "));
        for line in why {
            eprintln!("  - {line}");
        }
        if !checked.fail_on_empty {
            eprintln!("  help: `--fail-on-empty` (or `fail-on-empty = true` in cutover.toml) makes this fail the run");
        }
    }
    let code = checked.exit_code(opts.write_baseline.is_some());
    // The process ends after this: the kernel takes the heap back at once, where dropping the
    // trees and the findings would visit every allocation (0.4 s at 100x).
    std::mem::forget(checked);
    code
}

/// The repository root: the nearest directory, from `start` up, holding `cutover.toml` or
/// `.git`; the working directory when there is none.
pub fn repo_root(start: Option<&Path>) -> Option<PathBuf> {
    let abs = suppress::absolute(start.unwrap_or(Path::new(".")));
    let mut dir = if abs.is_dir() {
        abs
    } else {
        abs.parent()?.to_path_buf()
    };
    loop {
        if dir.join(config::FILE_NAME).is_file() || dir.join(".git").exists() {
            return Some(dir);
        }
        if !dir.pop() {
            return std::env::current_dir().ok().map(|c| suppress::absolute(&c));
        }
    }
}

/// Why a file of a walked directory is not read: its extension (or its lack of one).
fn skipped_by_name(path: &std::path::Path) -> String {
    match path.extension() {
        Some(ext) => format!(
            "`.{}` files are not read (cutover reads .json, .yaml, .yml, .tf and .tfvars)",
            ext.to_string_lossy()
        ),
        None => "no file extension (cutover reads .json, .yaml, .yml, .tf and .tfvars)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../test-corpus/scenarios")
            .join(name)
    }

    #[test]
    fn run_then_render_in_process() {
        // As `cutover check <absolute path>` reports it (the findings in `cutover.toml`, named by
        // its absolute path, sort last).
        let opts = CheckOptions {
            paths: vec![scenario("suppressions")],
            format: Format::Json,
            ..CheckOptions::default()
        };
        let checked = run(&opts).unwrap_or_else(|_| panic!("the scenario runs"));
        let ids: Vec<&str> = checked
            .post
            .findings
            .iter()
            .map(|f| f.rule_id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "ECS001", "K8S001", "LINT002", "K8S001", "LINT002", "LINT002", "LINT002",
                "LINT002", "LINT002"
            ]
        );
        assert_eq!(
            checked.post.suppressed.len(),
            checked.report().suppressed.len()
        );
        assert_eq!(checked.exit_code(false), 1);
        assert_eq!(checked.exit_code(true), 0);
        let json = to_value(Format::Json, &checked.report());
        assert_eq!(json["findings"].as_array().map(Vec::len), Some(9));
        assert_eq!(json["findings"][0]["rule_id"], "ECS001");
        let sarif = to_value(Format::Sarif, &checked.report());
        assert_eq!(sarif["version"], "2.1.0");
        assert_eq!(
            to_value(Format::Human, &checked.report()),
            serde_json::Value::Null
        );
    }

    #[test]
    fn usage_errors_stop_the_run() {
        let opts = CheckOptions {
            paths: vec![scenario("suppressions")],
            select: vec!["NOPE999".into()],
            ..CheckOptions::default()
        };
        match run(&opts) {
            Err(Failure::Usage(m)) => {
                assert_eq!(m, "unknown rule selector `NOPE999` (see `cutover rules`)")
            }
            _ => panic!("expected a usage error"),
        }
        assert_eq!(FailOn::parse("WARNING"), Some(FailOn::Warning));
        assert_eq!(FailOn::parse("sometimes"), None);
    }
}
