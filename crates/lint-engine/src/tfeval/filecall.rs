//! `file(…)` and `templatefile(…)` calls whose result is a document of another file, e.g.
//! `container_definitions = file("${path.module}/containers.json")`.
//!
//! Only the path is evaluated here, with `path.module` as `.` (the caller joins the path to the
//! module's directory); a path that needs anything else (a variable, `path.root`) is unknown.

use hcl_edit::expr::Expression;

use super::eval::{Env, Evaluator};
use super::scope::expression_text;
use super::value::Val;

/// Which function reads the file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileFn {
    File,
    /// `templatefile(path, vars)`: the text of the variables argument.
    TemplateFile {
        vars: String,
    },
}

/// A call of `file`/`templatefile` found in a configuration value.
#[derive(Debug, Clone, PartialEq)]
pub struct FileCall {
    pub func: FileFn,
    /// The path, relative to the module directory (`path.module` is `.`), or unknown.
    pub path: Val,
    /// The source text of the path argument, for messages.
    pub path_text: String,
}

/// `path.module` as `.`; any other reference is unknown.
struct PathEnv;

impl Env for PathEnv {
    fn get(&self, ns: &str, name: &str) -> Option<Val> {
        Some(if ns == "path" && name == "module" {
            Val::str(".")
        } else {
            Val::unknown(
                format!("{ns}.{name}"),
                "a file path is evaluated with `path.module` only",
            )
        })
    }
}

/// The `file`/`templatefile` call a configuration string stands for (`${file("x.json")}`), if
/// the whole value is one such call.
pub fn file_call(value: &str) -> Option<FileCall> {
    let text = expression_text(value);
    if text == value {
        return None;
    }
    let e: Expression = text.parse().ok()?;
    let Expression::FuncCall(f) = &e else {
        return None;
    };
    let name = f.name.name.value().as_str();
    if f.name.is_namespaced() {
        return None;
    }
    let args: Vec<&Expression> = f.args.iter().collect();
    let func = match (name, args.as_slice()) {
        ("file", [_]) => FileFn::File,
        ("templatefile", [_, vars]) => FileFn::TemplateFile {
            vars: span_text(text, vars),
        },
        _ => return None,
    };
    let arg = args.first()?;
    let path = Evaluator::new(&PathEnv, text).eval(arg);
    let path = match path {
        Val::Str(_) | Val::Unknown(_) => path,
        other => Val::error(
            span_text(text, arg),
            format!("the path is a {}, not a string", other.type_name()),
        ),
    };
    Some(FileCall {
        func,
        path,
        path_text: span_text(text, arg),
    })
}

fn span_text(src: &str, e: &Expression) -> String {
    use hcl_edit::Span;
    e.span()
        .and_then(|r| src.get(r))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_templatefile_paths() {
        let c = file_call(r#"${file("${path.module}/containers.json")}"#).expect("call");
        assert_eq!(c.func, FileFn::File);
        assert_eq!(c.path, Val::str("./containers.json"));
        let t = file_call(r#"${templatefile("tpl/app.json.tpl", { image = var.image })}"#)
            .expect("call");
        assert_eq!(
            t.func,
            FileFn::TemplateFile {
                vars: "{ image = var.image }".into()
            }
        );
        assert_eq!(t.path, Val::str("tpl/app.json.tpl"));
        let u = file_call(r#"${file("${var.dir}/c.json")}"#).expect("call");
        assert_eq!(
            u.path.as_unknown().map(|u| u.expr.as_str()),
            Some("var.dir")
        );
        assert_eq!(u.path_text, r#""${var.dir}/c.json""#);
        assert_eq!(file_call(r#"${jsonencode([])}"#), None);
        assert_eq!(file_call(r#"x-${file("a")}"#), None);
    }
}
