//! `cargo xtask <task>`: generated files of the repository.
//!
//! * `cargo xtask docs [--check]`: `rules-docs/<ID>.md` and `rules-docs/README.md` from the rule
//!   doc comments (`--check` fails when a page is stale, missing or belongs to no rule).
//! * `cargo xtask schema [--check]`: `schemas/cutover-toml.json` from the configuration types.
//! * `cargo xtask pluto [--check]`: K8S005's deprecated-API table from `data/pluto/versions.yaml`
//!   (see `pluto.rs`).
//! * `cargo xtask instances [--check]`: the instance ENI/IP table
//!   (`crates/semantic/src/net/instance_data.rs`) from `data/amazon-eks-ami/instance-info.jsonl`.
//! * `cargo xtask all [--check]`: docs, schema, the Pluto table and the instance table.
//! * `cargo xtask gen-repo --scale N --out DIR [--seed S]`: a synthetic repository N times the
//!   size of the real-world corpus (see `gen.rs`).
//! * `cargo xtask gen-plan --kind dense|estate --mib N --out DIR`: one of the benchmark's plans
//!   (token-dense, or an estate's plan with every resource changed), to measure it alone.
//! * `cargo xtask bench [...]`: the benchmark behind BENCHMARKS.md (see `bench.rs`).
//! * `cargo xtask new-rule <ID> <name> <domain>`: a new rule's file, registration and
//!   placeholder fixtures (see `new_rule.rs`); exit code 2 when refused.
//!
//! The tasks work on the workspace this xtask was built from, or on `XTASK_ROOT` when it is set
//! (the new-rule test runs the built xtask on a copy of the workspace).

/// The `cutover` binary's allocator, so that in-process figures are the binary's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod bench;
mod bench_dir;
mod gen;
mod new_rule;
mod pluto;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn root() -> PathBuf {
    if let Some(r) = std::env::var_os("XTASK_ROOT") {
        return PathBuf::from(r);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Outcome of one task: the files that differ from what is generated.
struct Drift(Vec<String>);

fn sync_docs(check: bool) -> std::io::Result<Drift> {
    let dir = root().join("rules-docs");
    let want = cutover_rules::doc_files();
    let mut drift = Vec::new();
    if !check {
        std::fs::create_dir_all(&dir)?;
    }
    for (name, text) in &want {
        let path = dir.join(name);
        let have = std::fs::read_to_string(&path).ok();
        if have.as_deref() != Some(text.as_str()) {
            let what = if have.is_none() { "missing" } else { "stale" };
            drift.push(format!("rules-docs/{name} ({what})"));
            if !check {
                std::fs::write(&path, text)?;
            }
        }
    }
    if dir.is_dir() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                continue;
            };
            if name.ends_with(".md") && !want.iter().any(|(w, _)| *w == name) {
                drift.push(format!("rules-docs/{name} (no such rule)"));
                if !check {
                    std::fs::remove_file(&path)?;
                }
            }
        }
    }
    Ok(Drift(drift))
}

/// The configuration schema and the configuration reference generated from it.
fn sync_schema(check: bool) -> std::io::Result<Drift> {
    let mut drift = Vec::new();
    for (rel, text) in [
        (
            cutover::schema::SCHEMA_PATH,
            cutover::schema::generate_text(),
        ),
        ("docs/configuration.md", cutover::config_docs::reference()),
    ] {
        let path = root().join(rel);
        let have = std::fs::read_to_string(&path).ok();
        if have.as_deref() != Some(text.as_str()) {
            drift.push(format!("{rel} (stale)"));
            if !check {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, text)?;
            }
        }
    }
    Ok(Drift(drift))
}

fn sync_pluto(check: bool) -> std::io::Result<Drift> {
    pluto::sync(&root(), check).map(Drift)
}

fn sync_instances(check: bool) -> std::io::Result<Drift> {
    use cutover_semantic::net::instance_gen::{render, DATA_PATH, GENERATED_PATH};
    let data = std::fs::read_to_string(root().join(DATA_PATH))?;
    let text = render(&data).map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{DATA_PATH}: {e}"))
    })?;
    let path = root().join(GENERATED_PATH);
    let mut drift = Vec::new();
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        drift.push(format!("{GENERATED_PATH} (stale)"));
        if !check {
            std::fs::write(&path, text)?;
        }
    }
    Ok(Drift(drift))
}

fn usage() -> ExitCode {
    eprintln!("usage: cargo xtask <docs|schema|pluto|instances|all> [--check] | gen-repo --scale N --out DIR [--seed S] | gen-plan --kind dense|estate --mib N --out DIR | bench [--quick] | new-rule <ID> <name> <domain>");
    ExitCode::from(2)
}

/// The value after `--name` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn gen_repo(args: &[String]) -> ExitCode {
    let scale = flag(args, "--scale").and_then(|s| s.parse::<u64>().ok());
    let seed = flag(args, "--seed").map_or(Some(1), |s| s.parse::<u64>().ok());
    let (Some(scale), Some(seed), Some(out)) = (scale, seed, flag(args, "--out")) else {
        eprintln!("usage: cargo xtask gen-repo --scale N --out DIR [--seed S]");
        return ExitCode::from(2);
    };
    match gen::write(Path::new(out), scale, seed) {
        Ok((files, bytes)) => {
            eprintln!("wrote {files} files, {bytes} bytes under {out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// `cargo xtask gen-plan --kind dense|estate --mib N --out DIR`: one benchmark plan
/// (`DIR/dense-plan/plan.json` or `DIR/estate-plan/plan.json`), to measure it alone.
fn gen_plan(args: &[String]) -> ExitCode {
    let mib = flag(args, "--mib").and_then(|s| s.parse::<u64>().ok());
    let (Some(kind), Some(mib), Some(out)) = (flag(args, "--kind"), mib, flag(args, "--out"))
    else {
        eprintln!("usage: cargo xtask gen-plan --kind dense|estate --mib N --out DIR");
        return ExitCode::from(2);
    };
    let made = match kind {
        "dense" => bench::dense_plan(Path::new(out), mib),
        "estate" => bench::estate_plan(Path::new(out), mib),
        _ => {
            eprintln!("gen-plan: --kind is dense or estate, not `{kind}`");
            return ExitCode::from(2);
        }
    };
    match made {
        Ok(i) => {
            eprintln!(
                "wrote {} ({} bytes)",
                i.dir.join("plan.json").display(),
                i.bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn new_rule(args: &[String]) -> ExitCode {
    let [id, name, domain] = args else {
        eprintln!(
            "usage: cargo xtask new-rule <ID> <name> <domain>   (domain: {}; e.g. PAR001 env-var-drift par)",
            new_rule::DOMAINS.join("|")
        );
        return ExitCode::from(2);
    };
    match new_rule::run(&root(), id, name, domain) {
        Ok(written) => {
            for w in &written {
                eprintln!("wrote {w}");
            }
            eprintln!(
                "next: fill in the TODOs of the rule and its fixtures, then \
                 `cargo xtask docs` (its page) and `cargo test -p cutover-rules` and \
                 `cargo test -p cutover --test corpus -- {id}`"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen-repo") => return gen_repo(&args[1..]),
        Some("gen-plan") => return gen_plan(&args[1..]),
        Some("new-rule") => return new_rule(&args[1..]),
        Some("bench") => return bench::main(&args[1..]),
        Some("__measure") => return bench::measure_child(&args[1..]),
        Some("bench-dir") => return bench_dir::main(&args[1..]),
        _ => {}
    }
    let check = args.iter().any(|a| a == "--check");
    let tasks: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--check")
        .collect();
    let [task] = tasks.as_slice() else {
        return usage();
    };
    let jobs: Vec<fn(bool) -> std::io::Result<Drift>> = match *task {
        "docs" => vec![sync_docs],
        "schema" => vec![sync_schema],
        "pluto" => vec![sync_pluto],
        "instances" => vec![sync_instances],
        "all" => vec![sync_docs, sync_schema, sync_pluto, sync_instances],
        _ => return usage(),
    };
    let mut drift = Vec::new();
    for job in jobs {
        match job(check) {
            Ok(Drift(d)) => drift.extend(d),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if drift.is_empty() {
        eprintln!("up to date");
        return ExitCode::SUCCESS;
    }
    for d in &drift {
        eprintln!("{} {d}", if check { "out of date:" } else { "updated:" });
    }
    if check {
        eprintln!("run `cargo xtask {task}` and commit the result");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
