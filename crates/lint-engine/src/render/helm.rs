//! Helm: `helm template` prints every object after a `# Source: <chart>/templates/<file>`
//! comment. Each rendered object maps to its template file; a key maps to the first line of the
//! template, after its parent's, that writes that key (`key:`), and a value written as
//! `{{ .Values.a.b }}` on that line maps to the key `a.b` of the last values file that sets it
//! (the chart's `values.yaml` last of all). This is approximate where a template builds keys in
//! loops or helpers: such nodes fall back to their parent's place, never to a wrong file.

use std::path::{Path, PathBuf};

use super::tree::{walk, Step};
use super::{Origin, Sources};
use crate::doc::Node;
use crate::source::{FileId, Span};

/// Map a `helm template` stream (see the module docs).
pub(crate) fn map_stream(
    sources: &mut Sources<'_>,
    docs: Vec<Node>,
    text: &str,
    chart: &Path,
    values: &[PathBuf],
    name: &str,
) -> (Vec<Node>, Option<Origin>) {
    let Some(chart_file) = sources.file(&chart.join("Chart.yaml")) else {
        return (docs, None);
    };
    let mut origin = Origin {
        note: format!("rendered by {name}"),
        nodes: Vec::new(),
        fallback: (chart_file, Span::default()),
    };
    // Values files, the one given last first (it wins), the chart's defaults last.
    let mut value_files: Vec<FileId> = values
        .iter()
        .rev()
        .filter_map(|v| sources.file(v))
        .collect();
    value_files.extend(sources.file(&chart.join("values.yaml")));
    let value_docs: Vec<(FileId, Node)> = value_files
        .iter()
        .filter_map(|&f| sources.get(f).docs.first().map(|d| (f, d.clone())))
        .collect();
    let marks = source_marks(text);
    for doc in &docs {
        let Some(template) = marks
            .iter()
            .rev()
            .find(|(at, _)| *at <= doc.span.start)
            .map(|(_, p)| p.clone())
        else {
            continue;
        };
        let Some(rel) = template.split_once('/').map(|(_, r)| r.to_string()) else {
            continue;
        };
        let Some(file) = sources.file(&chart.join(&rel)) else {
            continue;
        };
        let tpl = sources.get(file).text.clone();
        let mut cursor: Vec<usize> = Vec::new();
        let mut resolve = |path: &[Step], node: &Node| -> Option<(FileId, Span)> {
            // `cursor[d]`: where the node at depth `d` on the current path was found.
            cursor.truncate(path.len());
            let from = cursor.last().copied().unwrap_or(0);
            let Some(Step::Key(k)) = path.last() else {
                cursor.push(from);
                return path.is_empty().then_some((file, Span::new(0, 0)));
            };
            let Some((line, at)) = key_line(&tpl, from, k) else {
                cursor.push(from);
                return None;
            };
            cursor.push(at);
            if let Some(v) = values_ref(line.1) {
                let shown = node.scalar_text();
                let written_here = shown.as_deref().is_some_and(|s| line.1.contains(s));
                if !written_here {
                    if let Some(hit) = value_docs.iter().find_map(|(f, d)| {
                        let keys: Vec<&str> = v.split('.').collect();
                        d.path(&keys).map(|n| (*f, n.span))
                    }) {
                        return Some(hit);
                    }
                }
            }
            Some((file, line.0))
        };
        let mut keys = |_: &[Step]| None;
        walk(
            doc,
            &mut Vec::new(),
            &mut resolve,
            &mut keys,
            &mut origin.nodes,
        );
    }
    (docs, Some(origin))
}

/// Offsets and template paths of the `# Source:` comments.
fn source_marks(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    for line in text.split_inclusive('\n') {
        if let Some(p) = line.trim().strip_prefix("# Source:") {
            out.push((at as u32, p.trim().to_string()));
        }
        at += line.len();
    }
    out
}

/// The first line at or after byte `from` of the template that writes `key:`: its span (the key
/// to the end of the line), its text, and the offset after it.
fn key_line<'t>(tpl: &'t str, from: usize, key: &str) -> Option<((Span, &'t str), usize)> {
    let mut at = from;
    for line in tpl.get(from..)?.split_inclusive('\n') {
        let body = line.trim_start().trim_start_matches("- ");
        if body.starts_with(&format!("{key}:")) {
            let start = at + (line.len() - body.len());
            let end = at + line.trim_end().len();
            return Some(((Span::new(start as u32, end as u32), line), at + line.len()));
        }
        at += line.len();
    }
    None
}

/// The values path of the first `{{ .Values.a.b }}` on a template line.
fn values_ref(line: &str) -> Option<String> {
    let rest = &line[line.find(".Values.")? + ".Values.".len()..];
    let path: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '.' || *c == '_' || *c == '-')
        .collect();
    (!path.is_empty()).then(|| path.trim_end_matches('.').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_lines_and_values_refs() {
        let tpl = "spec:\n  containers:\n    - name: app\n      image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n";
        let ((span, line), _) = key_line(tpl, 0, "image").unwrap();
        assert_eq!(
            &tpl[span.range()],
            "image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\""
        );
        assert_eq!(values_ref(line).as_deref(), Some("image.repository"));
        assert!(key_line(tpl, 0, "resources").is_none());
        assert_eq!(
            source_marks("---\n# Source: c/templates/a.yaml\nkind: X\n"),
            vec![(4, "c/templates/a.yaml".into())]
        );
    }
}
