//! Suppressions written in the linted files: YAML and Terraform HCL comments (`#`, and `//` in
//! HCL) and an annotation on Kubernetes objects. The tool's name (`cutover` in `# cutover: ignore[ID] reason`) and the annotation key
//! are parameters.

use rayon::prelude::*;

use crate::model::Model;
use crate::{FileId, SourceDb, SourceFile, Span};

use super::{Date, Origin, Resolve, Scope, Suppression};

/// The comment part of a YAML line: the first `#` outside quotes at the start or after a blank.
pub(crate) fn yaml_comment(line: &str) -> Option<(usize, &str)> {
    let (mut single, mut double) = (false, false);
    let mut prev_blank = true;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if double => {
                escaped = !escaped;
                prev_blank = false;
                continue;
            }
            '"' if !single && !escaped => double = !double,
            '\'' if !double => single = !single,
            '#' if !single && !double && prev_blank => return Some((i, &line[i..])),
            _ => {}
        }
        escaped = false;
        prev_blank = c == ' ' || c == '\t';
    }
    None
}

/// The comment part of a Terraform HCL line: the first `#` or `//` outside a quoted string.
pub(crate) fn hcl_comment(line: &str) -> Option<(usize, &str)> {
    let mut quoted = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, c) in line.char_indices() {
        match c {
            '\\' if quoted => {
                escaped = !escaped;
                continue;
            }
            '"' if !escaped => quoted = !quoted,
            '#' if !quoted => return Some((i, &line[i..])),
            '/' if !quoted && bytes.get(i + 1) == Some(&b'/') => return Some((i, &line[i..])),
            _ => {}
        }
        escaped = false;
    }
    None
}

/// Parse `<tool>: ignore[...] reason` / `<tool>: ignore-file[...] reason` after `#`: whether it
/// is file-level, the rule list and the rest.
pub(crate) fn parse_directive<'c>(
    comment: &'c str,
    tool: &str,
) -> Option<(bool, &'c str, &'c str)> {
    let body = comment.trim_start_matches(['#', '/']).trim_start();
    let rest = body.strip_prefix(tool)?.strip_prefix(':')?.trim_start();
    let (file_level, rest) = if let Some(r) = rest.strip_prefix("ignore-file[") {
        (true, r)
    } else {
        (false, rest.strip_prefix("ignore[")?)
    };
    let close = rest.find(']')?;
    Some((file_level, &rest[..close], &rest[close + 1..]))
}

/// Why a comment that starts like a suppression (`<tool>: ignore…`, `<tool> ignore[…`) is not
/// one [`parse_directive`] accepts; `None` for any other comment, so prose that merely mentions
/// the tool is left alone.
pub(crate) fn malformed_directive(comment: &str, tool: &str) -> Option<String> {
    let body = comment.trim_start_matches(['#', '/']).trim_start();
    let rest = body.strip_prefix(tool)?;
    let (colon, after) = match rest.trim_start().strip_prefix(':') {
        Some(a) => (true, a.trim_start()),
        None => (false, rest.trim_start()),
    };
    let word: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
        .collect();
    if !word.eq_ignore_ascii_case("ignore") && !word.eq_ignore_ascii_case("ignore-file") {
        return None;
    }
    if parse_directive(comment, tool).is_some() {
        return None;
    }
    let after_word = &after[word.len()..];
    let why = if !colon {
        format!("needs a colon after `{tool}`")
    } else if word != "ignore" && word != "ignore-file" {
        format!(
            "must be written `{}` in lower case",
            word.to_ascii_lowercase()
        )
    } else if !after_word.starts_with('[') {
        "needs its rules in brackets".to_string()
    } else {
        "has no closing `]` after its rules".to_string()
    };
    Some(why)
}

/// How comments are written in a file: YAML, Terraform HCL, or none (JSON has no comments).
#[derive(Clone, Copy, PartialEq)]
enum Syntax {
    Yaml,
    Hcl,
}

fn syntax(f: &SourceFile) -> Option<Syntax> {
    let n = f.name.to_ascii_lowercase();
    if n.ends_with(".yaml") || n.ends_with(".yml") {
        Some(Syntax::Yaml)
    } else if n.ends_with(".tf") || n.ends_with(".tfvars") {
        Some(Syntax::Hcl)
    } else {
        None
    }
}

/// Suppression comments of every YAML and HCL file for which `wanted` holds: `# <tool>:
/// ignore[IDS] reason` (or `//` in HCL) at the end of the flagged line or alone on the lines above
/// it (stacked comments all apply to the next line of content), and `# <tool>: ignore-file[IDS]
/// reason` anywhere for the whole file. A comment only ever covers findings of its own file, so a
/// run that reports on some files only (`--repo-context`) reads theirs only.
pub fn from_comments(
    db: &SourceDb,
    tool: &str,
    resolve: Resolve<'_>,
    today: Date,
    wanted: &dyn Fn(FileId) -> bool,
) -> Vec<Suppression> {
    // A directive, well-formed or not, starts with the tool's name: the files without it (nearly
    // all of them) are found in parallel and not scanned line by line.
    let scanned: Vec<Option<Syntax>> = db
        .files
        .par_iter()
        .map(|f| {
            syntax(f).filter(|_| memchr::memmem::find(f.text.as_bytes(), tool.as_bytes()).is_some())
        })
        .collect();
    let mut list: Vec<Suppression> = Vec::new();
    for (f, syntax) in db
        .iter()
        .zip(scanned)
        .filter(|(f, _)| wanted(f.id))
        .filter_map(|(f, syntax)| Some((f, syntax?)))
    {
        let mut pending: Vec<usize> = Vec::new();
        let mut offset = 0usize;
        for (lno, raw) in f.text.split_inclusive('\n').enumerate() {
            let line = raw.trim_end_matches(['\n', '\r']);
            let start = offset;
            offset += raw.len();
            let trimmed = line.trim_start();
            let is_comment_line =
                trimmed.starts_with('#') || (syntax == Syntax::Hcl && trimmed.starts_with("//"));
            if !is_comment_line && !trimmed.is_empty() {
                // A line of content: stacked own-line suppressions above apply to it.
                for i in pending.drain(..) {
                    if let Some(Scope::Line { line, .. }) = list.get_mut(i).map(|s| &mut s.scope) {
                        *line = lno;
                    }
                }
            }
            let found = match syntax {
                Syntax::Yaml => yaml_comment(line),
                Syntax::Hcl => hcl_comment(line),
            };
            let Some((at, comment)) = found else {
                continue;
            };
            let Some((file_level, rules, rest)) = parse_directive(comment, tool) else {
                if let Some(why) = malformed_directive(comment, tool) {
                    let origin = Origin::Source {
                        file: f.id,
                        span: Span::new(
                            (start + at) as u32,
                            (start + line.trim_end().len()) as u32,
                        ),
                    };
                    list.push(Suppression::malformed(
                        origin,
                        Scope::Line {
                            file: f.id,
                            line: lno,
                        },
                        why,
                    ));
                }
                continue;
            };
            let scope = if file_level {
                Scope::File(f.id)
            } else {
                Scope::Line {
                    file: f.id,
                    line: lno,
                }
            };
            let origin = Origin::Source {
                file: f.id,
                span: Span::new((start + at) as u32, (start + line.trim_end().len()) as u32),
            };
            list.push(Suppression::in_source(
                rules, rest, origin, scope, resolve, today,
            ));
            if !file_level && is_comment_line {
                pending.push(list.len() - 1);
            }
        }
    }
    list
}

/// Suppressions in the annotation `key` of Kubernetes objects: one `IDS: reason` per line,
/// covering the object.
pub fn from_annotations(
    model: &Model<'_>,
    key: &str,
    resolve: Resolve<'_>,
    today: Date,
    wanted: &dyn Fn(FileId) -> bool,
) -> Vec<Suppression> {
    let mut list = Vec::new();
    for obj in &model.k8s {
        let Some(node) = obj.annotation(key) else {
            continue;
        };
        for part in node.as_str().unwrap_or("").lines() {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (rules, rest) = part.split_once(':').unwrap_or((part, ""));
            // A rendered object (Kustomize, Helm): its findings are moved to the repository files
            // it came from, so the annotation and the object are too.
            let place = |span: Span| match model.db.origins.get(&obj.file) {
                Some(o) => o.target(span),
                None => (obj.file, span),
            };
            let (file, span) = place(node.span);
            let origin = Origin::Source { file, span };
            let (scope_file, span) = place(obj.node.span);
            // Where it is written (for LINT002) or what it covers, in a wanted file.
            if !wanted(file) && !wanted(scope_file) {
                continue;
            }
            let scope = Scope::Object {
                file: scope_file,
                span,
            };
            list.push(Suppression::in_source(
                rules, rest, origin, scope, resolve, today,
            ));
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_directives_are_recognised() {
        let m = |c: &str| malformed_directive(c, "cutover");
        assert_eq!(
            m("# cutover: ignore K8S001 reason").as_deref(),
            Some("needs its rules in brackets")
        );
        assert_eq!(
            m("# cutover: ignore[K8S001 reason").as_deref(),
            Some("has no closing `]` after its rules")
        );
        assert!(m("# cutover ignore[K8S001] x").is_some_and(|w| w.starts_with("needs a colon")));
        assert!(m("// cutover: IGNORE[K8S001] x").is_some_and(|w| w.contains("lower case")));
        assert!(m("# cutover: ignore-file K8S001").is_some());
        // Valid directives and prose are not malformed.
        assert_eq!(m("# cutover: ignore[K8S001] reason"), None);
        assert_eq!(m("# cutover: this file is read by the migration job"), None);
        assert_eq!(m("# cutover ignores nothing here"), None);
        assert_eq!(m("# see cutover docs"), None);
    }

    #[test]
    fn comments_and_directives() {
        assert_eq!(yaml_comment("a: b # c").map(|c| c.0), Some(5));
        assert_eq!(yaml_comment("a: \"b # c\"").map(|c| c.0), None);
        assert_eq!(yaml_comment("a: b#c"), None);
        assert_eq!(yaml_comment("# x").map(|c| c.0), Some(0));
        let (file, rules, rest) =
            parse_directive("# cutover: ignore[ECS001, K8S001] legacy job", "cutover")
                .unwrap_or_default();
        assert!(!file);
        assert_eq!(rules, "ECS001, K8S001");
        assert_eq!(rest.trim(), "legacy job");
        assert!(
            parse_directive("# cutover: ignore-file[K8S001] x", "cutover").is_some_and(|d| d.0)
        );
        assert!(parse_directive("# cutover : ignore[K8S001] x", "cutover").is_none());
        assert!(parse_directive("# something else", "cutover").is_none());
    }
}
