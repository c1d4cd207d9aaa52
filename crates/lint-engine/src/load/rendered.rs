//! Template files that Terraform configuration renders into container definitions:
//! `container_definitions = templatefile("tpl/app.json.tpl", { image = var.image })`.
//!
//! After the inputs are loaded, each such call whose path is static is looked at: the template
//! (relative to the module directory, inside a directory given as input, within the size limit)
//! is read and rendered with the call's variables, evaluated in the calling module, and the
//! rendered JSON becomes the document of a file whose text is the template, its spans mapped
//! back into the template ([`crate::tfeval::template_map`]). When that is not possible the
//! reason is kept in [`SourceDb::unrendered`] so that LINT000 can name it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::doc::{Node, Value};
use crate::model::Model;
use crate::runner::LoadOutcome;
use crate::source::{FileId, FileKind, LineIndex, SourceFile, Span};
use crate::tfeval::filecall::{file_call, FileFn};
use crate::tfeval::scope::normalize;
use crate::tfeval::template_map::{render_template_file, Rendered};
use crate::tfeval::{TfEvalIndex, Val};

use super::{decode, json, Limits};

/// One `templatefile()` call to render.
struct Job {
    path: String,
    vars: Result<BTreeMap<String, Val>, String>,
}

/// Render the templates that task definitions of the loaded configuration read (see the
/// module docs). `roots` are the paths given as input; `var_files` the paths of the loaded
/// `--var-file` files, in order (their values apply to root modules, as in the rules).
pub fn add_rendered_templates(
    outcome: &mut LoadOutcome,
    roots: &[PathBuf],
    limits: &Limits,
    var_files: &[String],
) {
    let any = outcome
        .db
        .files
        .iter()
        .any(|f| f.kind == FileKind::TfJson && f.text.contains("templatefile"));
    if !any {
        return;
    }
    let jobs = jobs(outcome, var_files);
    let roots: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    // One rendering per template: calls that render it with different variables leave it
    // unread rather than linting one of them as if it were all.
    let mut by_path: BTreeMap<String, Vec<Job>> = BTreeMap::new();
    for job in jobs {
        by_path.entry(job.path.clone()).or_default().push(job);
    }
    for (path, group) in by_path {
        if outcome.db.files.iter().any(|f| normalize(&f.path) == path) {
            continue;
        }
        let first = &group[0];
        if group.iter().any(|j| j.vars != first.vars) {
            outcome.db.unrendered.insert(
                path.clone(),
                format!("templatefile() renders `{path}` with different variables for different task definitions, and one rendering per template is linted"),
            );
            continue;
        }
        match render(first, &roots, limits) {
            Ok(file) => {
                let id = FileId(outcome.db.files.len() as u32);
                outcome.db.files.push(SourceFile { id, ..file });
            }
            Err(reason) => {
                outcome.db.unrendered.insert(path, reason);
            }
        }
    }
}

/// The static `templatefile()` calls of `container_definitions`, with their variables.
fn jobs(outcome: &LoadOutcome, var_files: &[String]) -> Vec<Job> {
    let model = Model::build(&outcome.db);
    let calls: Vec<_> = model
        .tf_of_type("aws_ecs_task_definition")
        .filter_map(|r| {
            let call = r
                .attr("container_definitions")
                .and_then(Node::as_str)
                .and_then(file_call)?;
            matches!(
                (&call.func, &call.path),
                (FileFn::TemplateFile { .. }, Val::Str(_))
            )
            .then_some((r, call))
        })
        .collect();
    if calls.is_empty() {
        return Vec::new();
    }
    // Only the modules of those task definitions (and those their values flow from) are
    // evaluated: the whole configuration is evaluated once more for the rules.
    let files: Vec<FileId> = calls.iter().map(|(r, _)| r.file).collect();
    let var_files = crate::tfeval::scope::var_files_of_run(&model, var_files);
    let eval = TfEvalIndex::build_for(&model, &var_files, &files);
    let mut out = Vec::new();
    for (r, call) in calls {
        let (FileFn::TemplateFile { vars }, Val::Str(p)) = (&call.func, &call.path) else {
            continue;
        };
        let path = normalize(&Path::new(&r.dir).join(p));
        let value = eval
            .scope_of(r.file)
            .map(|s| s.eval_text(vars))
            .unwrap_or_else(|| Val::unknown(vars.clone(), "the module was not evaluated"));
        let vars = match value {
            Val::Map(m) if !m.values().any(Val::is_unknown) => Ok(m),
            Val::Map(m) => Err(m
                .values()
                .find_map(Val::first_unknown)
                .map(|u| format!("its variables are not known statically ({u})"))
                .unwrap_or_default()),
            v => Err(match v.first_unknown() {
                Some(u) => format!("its variables are not known statically ({u})"),
                None => format!("its variables are a {}, not an object", v.type_name()),
            }),
        };
        out.push(Job { path, vars });
    }
    out
}

fn render(job: &Job, roots: &[PathBuf], limits: &Limits) -> Result<SourceFile, String> {
    let path = PathBuf::from(&job.path);
    let real = std::fs::canonicalize(&path)
        .map_err(|_| format!("templatefile() reads `{}`, which does not exist", job.path))?;
    if !roots.iter().any(|r| real.starts_with(r)) {
        return Err(format!(
            "templatefile() reads `{}`, outside the directories given as input",
            job.path
        ));
    }
    let bytes = std::fs::metadata(&real)
        .ok()
        .filter(|m| m.len() <= limits.max_file_bytes)
        .and_then(|_| std::fs::read(&real).ok())
        .ok_or_else(|| format!("template `{}` is unreadable or too large", job.path))?;
    let (text, encoding) = decode(&bytes).map_err(|e| format!("template `{}`: {e}", job.path))?;
    let vars = job.vars.as_ref().map_err(Clone::clone)?;
    let rendered = render_template_file(&text, vars).map_err(|v| {
        let why = v.first_unknown().map(|u| u.to_string()).unwrap_or_default();
        format!("template `{}` cannot be rendered: {why}", job.path)
    })?;
    let mut doc = json::parse(&rendered.text, limits.max_depth).map_err(|e| {
        format!(
            "template `{}` does not render to valid JSON: {}",
            job.path, e.message
        )
    })?;
    remap(&mut doc, &rendered);
    Ok(SourceFile {
        id: FileId(0),
        name: crate::discover::display_name(&path),
        lines: LineIndex::new(&text),
        path,
        text,
        encoding,
        kind: FileKind::TaskDef,
        docs: vec![doc],
    })
}

/// Move every span of a document parsed from rendered text into the template.
fn remap(n: &mut Node, r: &Rendered) {
    n.span = map_span(n.span, r);
    match &mut n.value {
        Value::Seq(items) => items.iter_mut().for_each(|c| remap(c, r)),
        Value::Map(members) => {
            for m in members {
                m.key_span = map_span(m.key_span, r);
                remap(&mut m.value, r);
            }
        }
        _ => {}
    }
    n.set_embedded(None);
}

fn map_span(s: Span, r: &Rendered) -> Span {
    let start = r.source_offset(s.start as usize, false) as u32;
    let end = r.source_offset(s.end as usize, true) as u32;
    Span {
        start,
        end: end.max(start),
    }
}
