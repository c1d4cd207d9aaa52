//! Recognise what a parsed file is from its content, not only from its name.

use std::path::Path;

use crate::doc::Node;
use crate::source::{FileKind, Span};

pub enum Classified {
    Kind(FileKind),
    /// Not something cutover reads; the reason is shown with `-v`.
    Unknown(String),
    /// Recognised but unusable (e.g. an unsupported plan format); an input error.
    Rejected(String, Option<Span>),
}

const TF_BLOCKS: &[&str] = &[
    "resource",
    "data",
    "module",
    "provider",
    "terraform",
    "variable",
    "output",
    "locals",
    "moved",
    "import",
    "check",
    "removed",
    "//",
];

/// True for a Kubernetes object: a mapping with string `apiVersion` and `kind`.
pub fn is_k8s_object(n: &Node) -> bool {
    n.get("apiVersion").and_then(Node::as_str).is_some()
        && n.get("kind").and_then(Node::as_str).is_some()
}

/// The task-definition object of a register-shape or describe-shape document.
pub fn task_definition_root(n: &Node) -> Option<&Node> {
    if n.get("containerDefinitions")
        .and_then(Node::as_seq)
        .is_some()
    {
        return Some(n);
    }
    let inner = n.get("taskDefinition")?;
    inner
        .get("containerDefinitions")
        .and_then(Node::as_seq)
        .map(|_| inner)
}

/// A bare array of ECS container definitions, the shape of a file that Terraform reads with
/// `file()` into `container_definitions`: objects that each have a string `name` and `image`.
pub fn is_container_definitions(n: &Node) -> bool {
    n.as_seq().is_some_and(|items| {
        !items.is_empty()
            && items.iter().all(|c| {
                c.get("name").and_then(Node::as_str).is_some()
                    && c.get("image").and_then(Node::as_str).is_some()
            })
    })
}

pub fn classify(path: &Path, docs: &[Node]) -> Classified {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let real: Vec<&Node> = docs.iter().filter(|d| !d.is_null()).collect();
    if real.is_empty() {
        return Classified::Unknown("no documents".into());
    }
    if real.iter().any(|d| is_k8s_object(d)) {
        return Classified::Kind(FileKind::K8s);
    }
    if real.len() == 1 {
        let d = real[0];
        if name.ends_with(".json") && is_container_definitions(d) {
            return Classified::Kind(FileKind::TaskDef);
        }
        if d.as_seq().is_some() {
            return Classified::Unknown(
                "top level is an array, but not of ECS container definitions (objects with a `name` and an `image`)".into(),
            );
        }
        if d.as_map().is_none() {
            return Classified::Unknown("top level is not an object".into());
        }
        if let Some(fv) = d.get("format_version") {
            let plan_keys = [
                "planned_values",
                "resource_changes",
                "values",
                "prior_state",
                "configuration",
                "terraform_version",
            ];
            if plan_keys.iter().any(|k| d.get(k).is_some()) {
                let v = fv.scalar_text().unwrap_or_default();
                let major = v.split('.').next().unwrap_or("");
                if major != "0" && major != "1" {
                    return Classified::Rejected(
                        format!(
                            "unsupported Terraform JSON format_version `{v}` (cutover reads 0.x and 1.x)"
                        ),
                        Some(fv.span),
                    );
                }
                return Classified::Kind(FileKind::TfPlan);
            }
        }
        // Some tools save plans without `format_version`; the plan sections are unmistakable.
        if d.get("planned_values").and_then(Node::as_map).is_some()
            || d.get("resource_changes").and_then(Node::as_seq).is_some()
        {
            return Classified::Kind(FileKind::TfPlan);
        }
        if task_definition_root(d).is_some() {
            return Classified::Kind(FileKind::TaskDef);
        }
        let keys: Vec<&str> = d
            .as_map()
            .unwrap_or(&[])
            .iter()
            .map(|m| m.key.as_str())
            .collect();
        let all_tf = !keys.is_empty() && keys.iter().all(|k| TF_BLOCKS.contains(k));
        let has_block = keys.iter().any(|k| *k != "//" && TF_BLOCKS.contains(k));
        if has_block && (all_tf || name.ends_with(".tf.json")) {
            return Classified::Kind(FileKind::TfJson);
        }
        if d.get("containerDefinitions").is_some() {
            return Classified::Unknown("`containerDefinitions` is not an array".into());
        }
    }
    Classified::Unknown("not a Kubernetes manifest, ECS task definition or Terraform JSON".into())
}
