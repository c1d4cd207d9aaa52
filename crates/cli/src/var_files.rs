//! Terraform variable files named by `[terraform] var-files` and `--var-file`: loaded with the
//! other inputs, then handed to the evaluator by the paths of the loaded files.

use std::path::{Path, PathBuf};

use lint_engine::load::InputError;
use lint_engine::runner::LoadOutcome;
use lint_engine::source::FileKind;

use crate::{config, suppress};

/// The variable files of a run, in precedence order: the configuration's (relative to the
/// directory of `cutover.toml`), then the command line's (relative to the working directory).
pub fn requested(
    cfg: &config::FileConfig,
    config_path: Option<&Path>,
    cli: &[PathBuf],
) -> Vec<PathBuf> {
    let base = config_path.and_then(Path::parent).unwrap_or(Path::new(""));
    cfg.engine
        .terraform
        .var_files
        .iter()
        .map(|p| base.join(p))
        .chain(cli.iter().cloned())
        .collect()
}

/// Add the variable files the walk did not find to the files to load.
pub fn add_to_inputs(files: &mut Vec<PathBuf>, var_files: &[PathBuf]) {
    for vf in var_files {
        let abs = suppress::absolute(vf);
        if !files.iter().any(|f| suppress::absolute(f) == abs) {
            files.push(vf.clone());
        }
    }
}

/// The paths, as loaded, of the requested variable files that loaded as variable files: what
/// [`resolve`] gives, without reporting anything (for the template rendering that runs first).
pub fn loaded(outcome: &LoadOutcome, var_files: &[PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    for vf in var_files {
        let abs = suppress::absolute(vf);
        if let Some(f) = outcome
            .db
            .iter()
            .find(|f| suppress::absolute(&f.path) == abs)
        {
            let p = f.path.to_string_lossy().into_owned();
            if f.kind == FileKind::TfVars && !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// The paths, as loaded, of the requested variable files, for the evaluator. A file that
/// could not be read or parsed is already an input error (named a variable file here); one that
/// loaded as something else, or was skipped, becomes one.
pub fn resolve(outcome: &mut LoadOutcome, var_files: &[PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    for vf in var_files {
        let abs = suppress::absolute(vf);
        let not_vars = |path: PathBuf, why: &str| InputError {
            path,
            message: format!(
                "variable file: not a Terraform variable file (`.tfvars` or `.tfvars.json`): {why}"
            ),
            text: None,
            span: None,
        };
        if let Some(f) = outcome
            .db
            .iter()
            .find(|f| suppress::absolute(&f.path) == abs)
        {
            if f.kind == FileKind::TfVars {
                let p = f.path.to_string_lossy().into_owned();
                if !out.contains(&p) {
                    out.push(p);
                }
            } else {
                let e = not_vars(f.path.clone(), &format!("read as {}", f.kind.as_str()));
                outcome.errors.push(e);
            }
        } else if let Some(e) = outcome
            .errors
            .iter_mut()
            .find(|e| suppress::absolute(&e.path) == abs)
        {
            if !e.message.starts_with("variable file: ") {
                e.message = format!("variable file: {}", e.message);
            }
        } else if let Some(i) = outcome
            .skipped
            .iter()
            .position(|s| suppress::absolute(&s.path) == abs)
        {
            let s = outcome.skipped.remove(i);
            outcome.errors.push(not_vars(s.path, &s.reason));
        }
    }
    out
}
