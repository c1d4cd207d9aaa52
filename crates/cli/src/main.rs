//! `cutover`: tells a platform team whether its containers are ready to move between AWS ECS and
//! EKS, with exact source spans.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use cutover::{model_json, plugin, select};
use lint_engine::RuleMeta;

/// jemalloc: a check allocates millions of small tree nodes, which it serves faster than the
/// system allocator for about the same peak memory (see BENCHMARKS.md). The `jemalloc` feature,
/// on by default, off in the pre-commit hook's build.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
    /// Lint files and directories (Kubernetes YAML, ECS task definitions, Terraform HCL, JSON and plans)
    Check(Box<CheckArgs>),
    /// Is each service ready to move? Per ECS service and Kubernetes workload: a verdict (ready,
    /// needs work, blocked) and its findings by concern (same inputs and options as `check`)
    Report(Box<ReportArgs>),
    /// List all rules: ID, name, default severity and summary (with enabled plugins' rules)
    Rules {
        /// Output format
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
        #[command(flatten)]
        plugins: PluginArgs,
    },
    /// Print a rule's documentation (built-in or from an enabled plugin)
    Explain {
        /// Rule ID (ECS001) or name (missing-stop-timeout)
        rule: String,
        #[command(flatten)]
        plugins: PluginArgs,
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

/// Which rule plugins `rules` and `explain` ask for their rules, as `check` would run them.
#[derive(clap::Args, Debug)]
struct PluginArgs {
    /// Also this rule plugin `cutover-<NAME>` (repeatable; adds to `plugins` in cutover.toml)
    #[arg(long = "plugin", value_name = "NAME", value_delimiter = ',')]
    names: Vec<String>,
    /// Configuration file [default: cutover.toml found from the working directory up]
    #[arg(long)]
    config: Option<PathBuf>,
}

/// A plugin's rule, with the plugin's name.
type PluginRule = (String, &'static RuleMeta);

/// The rules of the plugins enabled by the configuration and `--plugin`, each with its plugin's
/// name. A plugin that fails is reported on standard error (`failed` is then true).
fn plugin_rules(args: &PluginArgs) -> Result<(Vec<PluginRule>, bool), ExitCode> {
    let loaded = match cutover::config::load(args.config.as_deref(), None) {
        Ok(l) => l,
        Err(e) => {
            cutover::pipeline::Failure::Config(e).print();
            return Err(ExitCode::from(2));
        }
    };
    let mut names: Vec<String> = Vec::new();
    for n in loaded.config.plugins.iter().chain(&args.names) {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    if names.is_empty() {
        return Ok((Vec::new(), false));
    }
    let timeout = loaded
        .config
        .plugin_timeout
        .and_then(|s| plugin::merge::timeout_from_secs(s).ok())
        .unwrap_or(plugin::protocol::DEFAULT_TIMEOUT);
    let (plugins, errors) = plugin::protocol::load(&names, timeout);
    for e in &errors {
        eprintln!("{}", e.render());
    }
    let rules = plugins
        .iter()
        .flat_map(|p| p.rules.iter().map(|m| (p.name.clone(), *m)))
        .collect();
    Ok((rules, !errors.is_empty()))
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
    /// One line per finding: `path:line:col: ID [severity] message`
    Concise,
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
    #[command(flatten)]
    inputs: CommonArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Write the report to a file instead of standard output
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// When to use colour in human output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
    /// Also list skipped files and why, and show what rule plugins write on standard error
    #[arg(long, short)]
    verbose: bool,
    /// Record the current findings in this baseline file (the run then exits 0 unless an
    /// input cannot be read)
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Load the whole repository (root: nearest `cutover.toml` or `.git`) for cross-file
    /// context, but report only findings located in the given files (used by the pre-commit hook)
    #[arg(long)]
    repo_context: bool,
    /// With `--repo-context`: neither read nor write the cache of loaded files and Kustomize
    /// renders (`.cutover_cache/` at the repository root, or `CUTOVER_CACHE_DIR`)
    #[arg(long)]
    no_cache: bool,
    /// Seconds a rule plugin may take [default: 30, or `plugin-timeout` in cutover.toml]
    #[arg(long, value_name = "SECONDS")]
    plugin_timeout: Option<f64>,
    /// Exit with 2 when the paths hold no file cutover reads (default: a warning)
    #[arg(long)]
    fail_on_empty: bool,
    /// Print findings and input errors only: no notes, no summary line
    #[arg(long, short)]
    quiet: bool,
    /// Print how many findings each rule has instead of the findings (human and concise formats)
    #[arg(long)]
    statistics: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum ReportFormat {
    /// Per service, for a terminal
    Human,
    /// For a pull-request comment or the GitHub job summary
    Markdown,
    Json,
    /// One self-contained page
    Html,
}

#[derive(clap::Args, Debug)]
struct ReportArgs {
    #[command(flatten)]
    inputs: CommonArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
    /// Only this service (its name, ECS address or family, or Kubernetes `Kind/namespace/name`)
    #[arg(long, value_name = "NAME")]
    service: Option<String>,
    /// Write the report to a file instead of standard output
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// When to use colour in human output
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

/// The options `report` shares with `check`.
#[derive(clap::Args, Debug)]
struct CommonArgs {
    /// Files or directories to lint; `-` reads standard input
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
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
    /// Report only findings that are not in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Enable the rule plugin `cutover-<NAME>` (repeatable; adds to `plugins` in cutover.toml)
    #[arg(long = "plugin", value_name = "NAME", value_delimiter = ',')]
    plugins: Vec<String>,
    /// Lint Kustomize overlays and Helm charts as written, without rendering them
    #[arg(long)]
    no_render: bool,
    /// Terraform variable file (`.tfvars`, `.tfvars.json`) applied to the root modules, as
    /// `terraform plan -var-file` does (repeatable; later files win; after `[terraform]
    /// var-files` in cutover.toml)
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
}

impl Command {
    /// The name a built-in command is invoked by (`None` for a plugin).
    fn builtin_name(&self) -> Option<&'static str> {
        Some(match self {
            Command::Check(_) => "check",
            Command::Report(_) => "report",
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
        Command::Check(args) => check(*args),
        Command::Report(args) => report(*args),
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
        Command::Rules { format, plugins } => {
            let (extra, failed) = match plugin_rules(&plugins) {
                Ok(r) => r,
                Err(code) => return code,
            };
            let code = print_out(&list_rules(format, &extra));
            if failed {
                ExitCode::from(2)
            } else {
                code
            }
        }
        Command::Explain { rule, plugins } => {
            let builtin = select::find_rule(&rule).map(|r| r.meta());
            let (extra, _) = match builtin {
                Some(_) => (Vec::new(), false),
                None => match plugin_rules(&plugins) {
                    Ok(r) => r,
                    Err(code) => return code,
                },
            };
            let key = select::current_id(&rule);
            let found = builtin.or_else(|| {
                extra
                    .iter()
                    .map(|(_, m)| *m)
                    .find(|m| m.id.eq_ignore_ascii_case(key) || m.name == key)
            });
            match found {
                Some(m) => print_out(&explain_page(m)),
                None => {
                    eprintln!("error: unknown rule `{rule}`");
                    let metas: Vec<&'static RuleMeta> = extra.iter().map(|(_, m)| *m).collect();
                    if let Some(s) = select::suggest(&rule, &metas) {
                        eprintln!("  help: did you mean `{s}`?");
                    }
                    eprintln!("  help: `cutover rules` lists every rule");
                    ExitCode::from(2)
                }
            }
        }
        Command::Init { dir, force } => match cutover::init::write(&dir, force) {
            Ok(path) => {
                println!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => usage_error(&e.to_string()),
        },
    }
}

/// Write `text` to standard output; a closed pipe (`cutover rules | head -1`) ends quietly
/// with success, as the reader took what it wanted.
fn print_out(text: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            ExitCode::from(2)
        }
    }
}

/// A rule's page as `explain` prints it: the documentation without the generator's comment.
fn explain_page(meta: &lint_engine::RuleMeta) -> String {
    cutover_rules::doc_page(meta)
        .lines()
        .filter(|l| !(l.starts_with("<!-- generated") && l.ends_with("-->")))
        .fold((String::new(), false), |(mut out, blank), l| {
            // Dropping the comment leaves two blank lines in a row: keep one.
            if !(blank && l.is_empty()) {
                out.push_str(l);
                out.push('\n');
            }
            (out, l.is_empty())
        })
        .0
}

/// Built-in rules, then plugin rules (each with its plugin's name).
fn list_rules(format: RulesFormat, plugin_rules: &[PluginRule]) -> String {
    use std::fmt::Write;
    let rules: Vec<(Option<&str>, &RuleMeta)> = cutover_rules::all()
        .iter()
        .map(|r| (None, r.meta()))
        .chain(plugin_rules.iter().map(|(p, m)| (Some(p.as_str()), *m)))
        .collect();
    let mut out = String::new();
    match format {
        RulesFormat::Text => {
            for (plugin, m) in &rules {
                let from = plugin.map(|p| format!(" (plugin {p})")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{:<8} {:<38} {:<8} {}{from}",
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
                .map(|(plugin, m)| {
                    let mut v = serde_json::json!({"id": m.id, "name": m.name,
                        "severity": m.default_severity.as_str(), "summary": m.summary});
                    if let Some(p) = plugin {
                        v["plugin"] = serde_json::Value::from(*p);
                    }
                    v
                })
                .collect();
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            );
        }
    }
    out
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn fail_on(f: FailOn) -> cutover::pipeline::FailOn {
    use cutover::pipeline::FailOn as Fail;
    match f {
        FailOn::Error => Fail::Error,
        FailOn::Warning => Fail::Warning,
        FailOn::Info => Fail::Info,
        FailOn::Never => Fail::Never,
    }
}

fn color(c: ColorWhen) -> cutover::pipeline::Color {
    use cutover::pipeline::Color;
    match c {
        ColorWhen::Auto => Color::Auto,
        ColorWhen::Always => Color::Always,
        ColorWhen::Never => Color::Never,
    }
}

/// The check options `check` and `report` share.
fn common_options(c: CommonArgs) -> cutover::pipeline::CheckOptions {
    cutover::pipeline::CheckOptions {
        paths: c.paths,
        fail_on: c.fail_on.map(fail_on),
        stdin_filename: c.stdin_filename,
        exclude: c.exclude,
        config: c.config,
        select: c.select,
        ignore: c.ignore,
        baseline: c.baseline,
        plugins: c.plugins,
        var_files: c.var_files,
        no_render: c.no_render,
        ..Default::default()
    }
}

fn report(args: ReportArgs) -> ExitCode {
    use cutover::report::{ReportFormat as Out, ReportOptions};
    let check = cutover::pipeline::CheckOptions {
        color: color(args.color),
        quiet: true,
        ..common_options(args.inputs)
    };
    let opts = ReportOptions {
        check,
        format: match args.format {
            ReportFormat::Human => Out::Human,
            ReportFormat::Markdown => Out::Markdown,
            ReportFormat::Json => Out::Json,
            ReportFormat::Html => Out::Html,
        },
        service: args.service,
        output: args.output,
    };
    ExitCode::from(cutover::report::report(&opts))
}

fn check(args: CheckArgs) -> ExitCode {
    use cutover::pipeline::{CheckOptions, Format};
    let opts = CheckOptions {
        format: match args.format {
            OutputFormat::Human => Format::Human,
            OutputFormat::Json => Format::Json,
            OutputFormat::Sarif => Format::Sarif,
            OutputFormat::Github => Format::Github,
            OutputFormat::Concise => Format::Concise,
        },
        output: args.output,
        color: color(args.color),
        verbose: args.verbose,
        write_baseline: args.write_baseline,
        repo_context: args.repo_context,
        no_cache: args.no_cache,
        plugin_timeout: args.plugin_timeout,
        quiet: args.quiet,
        statistics: args.statistics,
        fail_on_empty: args.fail_on_empty,
        ..common_options(args.inputs)
    };
    ExitCode::from(cutover::pipeline::check(&opts))
}
