//! `cutover`: tells a platform team whether its containers are ready to move between AWS ECS and
//! EKS, with exact source spans.

mod model_json;
mod plugin;
mod plugin_rules;

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, NoColor, StandardStream};
use cutover::{config, post, render, select, suppress};

use lint_engine::runner::{load_all, MemoryInput};
use lint_engine::{Model, Severity};

#[derive(Parser, Debug)]
#[command(
    name = "cutover",
    version,
    about = "Migration-readiness linter for containers moving between AWS ECS and EKS",
    long_about = None,
    allow_external_subcommands = true,
    disable_help_subcommand = true,
    arg_required_else_help = true,
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// List built-in commands and installed plugins (`cutover-<name>` on PATH or in ~/.cutover/bin)
    #[arg(long)]
    list: bool,
    /// Show plugin paths in `--list`; warn when a plugin is shadowed by a built-in command
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint files and directories (Kubernetes YAML, ECS task definitions, Terraform JSON and plans)
    Check(CheckArgs),
    /// List all rules: ID, name, default severity and summary
    Rules {
        /// Output format
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print a rule's documentation
    Explain {
        /// Rule ID (ECS001) or name (missing-stop-timeout)
        rule: String,
    },
    /// Write a commented starter cutover.toml
    Init {
        /// Directory to write it in
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite an existing cutover.toml
        #[arg(long)]
        force: bool,
    },
    /// Print the model plugins receive: files, kinds, documents as JSON with pointers
    DumpModel(DumpModelArgs),
    /// Print help for a command or a plugin (`cutover help <plugin>` runs `cutover-<plugin> --help`)
    Help {
        /// Built-in command or plugin name
        command: Option<String>,
    },
    /// Any other name runs the plugin `cutover-<name>` with the remaining arguments
    #[command(external_subcommand)]
    External(Vec<OsString>),
}

#[derive(clap::Args, Debug)]
struct DumpModelArgs {
    /// Files or directories to load; `-` reads standard input
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DumpFormat::Json)]
    format: DumpFormat,
    /// Name (and so the kind) of the input read from standard input
    #[arg(long)]
    stdin_filename: Option<PathBuf>,
    /// Skip paths matching this glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DumpFormat {
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
    /// GitHub Actions workflow commands (annotations), plus a job summary
    Github,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Files or directories to lint; `-` reads standard input
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Write the report to a file instead of standard output
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit with 1 when a finding is at or above this severity [default: warning]
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Name (and so the kind) of the input read from standard input
    #[arg(long)]
    stdin_filename: Option<PathBuf>,
    /// Skip paths matching this glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Configuration file [default: cutover.toml found by walking up from the first path]
    #[arg(long)]
    config: Option<PathBuf>,
    /// Only run these rules (ID, name or ID prefix; repeatable, comma-separated)
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules (ID, name or ID prefix; repeatable, comma-separated)
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// When to use colour in human output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
    /// Also list skipped files and why, and show what rule plugins write on standard error
    #[arg(long, short)]
    verbose: bool,
    /// Report only findings that are not in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file (the run then exits 0 unless an
    /// input cannot be read)
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Load the whole repository (root: nearest `cutover.toml` or `.git`) for cross-file
    /// context, but report only findings located in the given files (used by the pre-commit hook)
    #[arg(long)]
    repo_context: bool,
    /// Enable the rule plugin `cutover-<NAME>` (repeatable; adds to `plugins` in cutover.toml)
    #[arg(long = "plugin", value_name = "NAME", value_delimiter = ',')]
    plugins: Vec<String>,
    /// Seconds a rule plugin may take [default: 30, or `plugin-timeout` in cutover.toml]
    #[arg(long, value_name = "SECONDS")]
    plugin_timeout: Option<f64>,
}

impl Command {
    /// The name a built-in command is invoked by (`None` for a plugin).
    fn builtin_name(&self) -> Option<&'static str> {
        Some(match self {
            Command::Check(_) => "check",
            Command::Rules { .. } => "rules",
            Command::Explain { .. } => "explain",
            Command::Init { .. } => "init",
            Command::DumpModel(_) => "dump-model",
            Command::Help { .. } => "help",
            Command::External(_) => return None,
        })
    }
}

/// Built-in command names and descriptions, for `--list` and did-you-mean.
fn builtins() -> Vec<plugin::Builtin> {
    Cli::command()
        .get_subcommands()
        .map(|c| {
            let about = c.get_about().map(|a| a.to_string()).unwrap_or_default();
            (c.get_name().to_string(), about)
        })
        .collect()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.list {
        return plugin::list(&builtins(), cli.verbose);
    }
    let Some(command) = cli.command else {
        let _ = Cli::command().print_help();
        return ExitCode::from(2);
    };
    if cli.verbose || matches!(&command, Command::Check(a) if a.verbose) {
        if let Some(name) = command.builtin_name() {
            plugin::warn_if_shadowed(name);
        }
    }
    match command {
        Command::Check(args) => check(args),
        Command::DumpModel(args) => {
            let DumpFormat::Json = args.format;
            model_json::dump_command(&args.paths, args.stdin_filename.as_deref(), &args.exclude)
        }
        Command::Help { command: None } => {
            let _ = Cli::command().print_long_help();
            ExitCode::SUCCESS
        }
        Command::Help {
            command: Some(name),
        } => {
            if builtins().iter().any(|(b, _)| *b == name) {
                Cli::parse_from(["cutover", name.as_str(), "--help"]);
                ExitCode::SUCCESS
            } else {
                plugin::help(&name, &builtins())
            }
        }
        Command::External(args) => plugin::run_external(&args, &builtins()),
        Command::Rules { format } => {
            list_rules(format);
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => match select::find_rule(&rule) {
            Some(r) => {
                print!("{}", cutover_rules::doc_page(r.meta()));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: unknown rule `{rule}` (see `cutover rules`)");
                ExitCode::from(2)
            }
        },
        Command::Init { dir, force } => match cutover::init::write(&dir, force) {
            Ok(path) => {
                println!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => usage_error(&e.to_string()),
        },
    }
}

fn list_rules(format: RulesFormat) {
    let rules = cutover_rules::all();
    match format {
        RulesFormat::Text => {
            for r in rules {
                let m = r.meta();
                println!(
                    "{:<8} {:<38} {:<8} {}",
                    m.id,
                    m.name,
                    m.default_severity.as_str(),
                    m.summary
                );
            }
        }
        RulesFormat::Json => {
            let v: Vec<_> = rules
                .iter()
                .map(|r| {
                    let m = r.meta();
                    serde_json::json!({"id": m.id, "name": m.name,
                        "severity": m.default_severity.as_str(), "summary": m.summary})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
    }
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn check(args: CheckArgs) -> ExitCode {
    let first = args.paths.iter().find(|p| p.as_os_str() != "-");
    let loaded = match config::load(args.config.as_deref(), first.map(PathBuf::as_path)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            return ExitCode::from(2);
        }
    };
    let cfg = loaded.config;

    // Rule selection: command line over configuration file.
    let select = if args.select.is_empty() {
        cfg.rules.select.clone()
    } else {
        args.select.clone()
    };
    let mut ignore = cfg.rules.ignore.clone();
    ignore.extend(args.ignore.iter().cloned());
    // Rule plugins: ask each enabled plugin for its rules before selection.
    let mut plugin_names: Vec<String> = Vec::new();
    for n in cfg.plugins.iter().chain(&args.plugins) {
        if !plugin_names.contains(n) {
            plugin_names.push(n.clone());
        }
    }
    let timeout = match args.plugin_timeout.or(cfg.plugin_timeout) {
        None => plugin_rules::DEFAULT_TIMEOUT,
        Some(s) => match plugin_rules::timeout_from_secs(s) {
            Ok(t) => t,
            Err(e) => return usage_error(&e),
        },
    };
    let (plugins, mut plugin_errors) = plugin_rules::load(&plugin_names, timeout);
    let plugin_metas: Vec<&'static lint_engine::RuleMeta> = plugins
        .iter()
        .flat_map(|p| p.rules.iter().copied())
        .collect();
    let lenient = !plugin_errors.is_empty();
    let (rules, plugin_enabled) =
        match select::select_with_plugins(&select, &ignore, &plugin_metas, lenient) {
            Ok(r) => r,
            Err(e) => return usage_error(&e),
        };
    let overrides = match select::severity_overrides_with_plugins(
        &cfg.rules.severity,
        &plugin_metas,
        lenient,
    ) {
        Ok(o) => o,
        Err(e) => return usage_error(&e),
    };
    let plugin_options: std::collections::HashMap<String, serde_json::Value> = cfg
        .plugin
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
        .collect();
    let fail_on = match args.fail_on {
        Some(f) => f,
        None => match cfg.fail_on.as_deref() {
            None => FailOn::Warning,
            Some(s) => match FailOn::from_str(s, true) {
                Ok(f) => f,
                Err(_) => return usage_error(&format!("invalid `fail-on` value `{s}` in configuration (error, warning, info or never)")),
            },
        },
    };

    // Inputs.
    let mut excludes = cfg.exclude.clone();
    excludes.extend(args.exclude.iter().cloned());
    let globs = match lint_engine::discover::compile_excludes(&excludes) {
        Ok(g) => g,
        Err(e) => return usage_error(&e),
    };
    let mut disk: Vec<PathBuf> = args
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let root = repo_root(first.map(PathBuf::as_path));
    // `--repo-context`: the given files are the scope; the repository is the context.
    let scope: Option<std::collections::HashSet<PathBuf>> = match (&root, args.repo_context) {
        (Some(r), true) => {
            let given = disk.iter().map(|p| suppress::absolute(p)).collect();
            disk = std::iter::once(r.clone())
                .chain(disk.iter().map(|p| suppress::absolute(p)))
                .collect();
            Some(given)
        }
        _ => None,
    };
    let mut memory = Vec::new();
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        let mut bytes = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
            return usage_error(&format!("cannot read standard input: {e}"));
        }
        memory.push(MemoryInput {
            path: args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from("<stdin>")),
            bytes,
        });
    }
    let (files, walk_errors) = lint_engine::discover::discover(&disk, &globs);
    let mut outcome = load_all(&files, memory, &cfg.limits.to_limits());
    outcome.errors.extend(walk_errors);
    outcome.errors.sort_by(|a, b| a.path.cmp(&b.path));

    let model = Model::build(&outcome.db);
    let enabled: std::collections::HashSet<&str> = plugin_enabled.iter().copied().collect();
    let (mut findings, errors) = plugin_rules::run_all(
        &model,
        &rules,
        &cfg.engine,
        &plugins,
        &enabled,
        &plugin_options,
        timeout,
        args.verbose,
    );
    plugin_errors.extend(errors);
    for f in &mut findings {
        if let Some(s) = overrides.get(f.rule_id.as_str()) {
            f.severity = *s;
        }
    }

    // Suppressions, LNT001, `--repo-context` scope, fingerprints, baseline.
    let config_text = loaded
        .path
        .as_deref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let config_src = post::config_source(loaded.path.as_deref(), config_text.as_deref(), &cfg);
    let suppressions =
        suppress::Suppressions::collect(&model, config_src.as_ref(), suppress::Date::today());
    let after = post::Options {
        config: config_src.as_ref(),
        rules: &rules,
        overrides: &overrides,
        scope: scope.as_ref(),
        root: root.as_deref(),
        write_baseline: args.write_baseline.as_deref(),
        baseline: args.baseline.as_deref(),
    }
    .run(&mut outcome, findings, suppressions);
    let post::Outcome {
        findings,
        fingerprints,
        suppressed,
        baselined,
    } = match after {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };

    let mut metas: Vec<&lint_engine::RuleMeta> = rules.iter().map(|r| r.meta()).collect();
    metas.extend(
        plugin_metas
            .iter()
            .filter(|m| enabled.contains(m.id))
            .copied(),
    );
    let report = render::Report {
        db: &outcome.db,
        findings: &findings,
        errors: &outcome.errors,
        skipped: &outcome.skipped,
        rules: &metas,
        verbose: args.verbose,
        suppressed: &suppressed,
        fingerprints: &fingerprints,
        root: root.as_deref(),
        baselined,
    };

    let result = match &args.output {
        Some(path) => std::fs::File::create(path).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            match args.format {
                OutputFormat::Human => render::human::render(&mut NoColor::new(&mut w), &report),
                OutputFormat::Json => render::json::render(&mut w, &report),
                OutputFormat::Sarif => render::sarif::render(&mut w, &report),
                OutputFormat::Github => render::github::render(&mut w, &report),
            }?;
            w.flush()
        }),
        None => match args.format {
            OutputFormat::Human => {
                let choice = match args.color {
                    ColorWhen::Always => ColorChoice::Always,
                    ColorWhen::Never => ColorChoice::Never,
                    ColorWhen::Auto
                        if std::io::stdout().is_terminal()
                            && std::env::var_os("NO_COLOR").is_none() =>
                    {
                        ColorChoice::Auto
                    }
                    ColorWhen::Auto => ColorChoice::Never,
                };
                let mut out = StandardStream::stdout(choice);
                render::human::render(&mut out, &report)
            }
            format => {
                let stdout = std::io::stdout();
                let mut w = std::io::BufWriter::new(stdout.lock());
                match format {
                    OutputFormat::Sarif => render::sarif::render(&mut w, &report),
                    OutputFormat::Github => render::github::render(&mut w, &report),
                    _ => render::json::render(&mut w, &report),
                }
                .and_then(|_| w.flush())
            }
        },
    };
    if args.format == OutputFormat::Github {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let md = render::github::step_summary(&report);
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
    if let Err(e) = result {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {e}");
            return ExitCode::from(2);
        }
    }

    for e in &plugin_errors {
        eprintln!("{}", e.render());
    }
    if !outcome.errors.is_empty() || !plugin_errors.is_empty() {
        return ExitCode::from(2);
    }
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    match threshold {
        _ if args.write_baseline.is_some() => ExitCode::SUCCESS,
        Some(t) if findings.iter().any(|f| f.severity >= t) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

/// The repository root: the nearest directory, from `start` up, holding `cutover.toml` or
/// `.git`; the working directory when there is none.
fn repo_root(start: Option<&Path>) -> Option<PathBuf> {
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
