use std::collections::HashMap;

use lint_engine::declare_rule;
use lint_engine::doc::{Embedded, Node, Value};
use lint_engine::finding::Label;
use lint_engine::{Rule, RuleContext};

declare_rule! {
    /// ## What it does
    /// Reports a key that appears twice in the same JSON object or YAML mapping, including inside
    /// the JSON strings Terraform embeds (`container_definitions`, IAM policies). The finding is
    /// on the earlier key, the one that is ignored, with the later one as related location.
    ///
    /// ## Why it matters
    /// JSON and YAML leave duplicate keys undefined, and the tools on each side of a migration
    /// disagree about them: `kubectl` rejects a manifest with a duplicate key, while the AWS CLI,
    /// Terraform's `jsonencode` input and most JSON decoders silently keep the last value. The
    /// value someone edited may be the one that is thrown away. cutover, like most decoders,
    /// reads the last one, so its other rules see what ECS would see.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"family": "api", "containerDefinitions": [
    ///   {"name": "api", "image": "nginx:1.27", "stopTimeout": 90, "stopTimeout": 60}
    /// ]}
    /// ```
    ///
    /// ```json
    /// {"family": "api", "containerDefinitions": [
    ///   {"name": "api", "image": "nginx:1.27", "stopTimeout": 60}
    /// ]}
    /// ```
    ///
    /// ## How to fix
    /// Delete one of the two keys, keeping the value that is meant. When `apiVersion`, `kind` or
    /// `metadata` repeat at the top of a document, two Kubernetes objects have run together
    /// (a missing `---`, or `---apiVersion:` on one line, which YAML reads as a key): put a
    /// `---` line between them.
    ///
    /// ## References
    /// - RFC 8259 §4 (names within an object should be unique): https://www.rfc-editor.org/rfc/rfc8259#section-4
    /// - YAML 1.2.2 §3.2.1.1 (mapping keys are unique): https://yaml.org/spec/1.2.2/#3211-nodes
    pub DuplicateKey {
        id: "LINT001",
        name: "duplicate-key",
        severity: Warning,
        summary: "a key appears twice in one object; only the last one is used",
        inputs: [K8s, TaskDef, TfJson, TfPlan],
        cross_file: false,
        security: false,
    }
}

impl Rule for DuplicateKey {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        // A duplicate is reported in its own file: files this run does not report on
        // (`--repo-context`) are not walked.
        for file in &model.db.files {
            if !cx.reports_on(file.id) {
                continue;
            }
            for doc in &file.docs {
                let mut stack = vec![doc];
                while let Some(n) = stack.pop() {
                    if let Some(Embedded::Doc(inner)) = n.embedded() {
                        stack.push(inner);
                    }
                    match &n.value {
                        Value::Seq(items) => stack.extend(items.iter().rev()),
                        Value::Map(members) => {
                            for (first, later) in duplicates(n) {
                                let (a, b) = (&members[first], &members[later]);
                                let at = file.line_col(b.key_span.start);
                                // Two Kubernetes objects run together (`---` forgotten or
                                // glued to the next line) repeat their top-level keys.
                                let merged_objects = std::ptr::eq(n, doc)
                                    && matches!(a.key.as_str(), "apiVersion" | "kind" | "metadata");
                                let help = if merged_objects {
                                    "two objects ran together: put a `---` line between them"
                                } else {
                                    "delete one of the two keys, keeping the value that is meant"
                                };
                                let f = cx
                                    .finding(
                                        file.id,
                                        a.key_span,
                                        format!(
                                            "key `{}` is repeated at {}:{}; this earlier value is ignored",
                                            a.key, at.line, at.col
                                        ),
                                    )
                                    .with_related(Label::new(
                                        file.id,
                                        b.key_span,
                                        "this later value is the one used",
                                    ))
                                    .with_help(help);
                                cx.emit(f);
                            }
                            stack.extend(members.iter().rev().map(|m| &m.value));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// Pairs of member indexes (an earlier key, the next member with the same key).
fn duplicates(map: &Node) -> Vec<(usize, usize)> {
    let Value::Map(members) = &map.value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if members.len() <= 16 {
        for (i, a) in members.iter().enumerate() {
            if let Some(j) = members[i + 1..].iter().position(|b| b.key == a.key) {
                out.push((i, i + 1 + j));
            }
        }
    } else {
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (j, m) in members.iter().enumerate() {
            if let Some(i) = last.insert(m.key.as_str(), j) {
                out.push((i, j));
            }
        }
        out.sort_unstable();
    }
    out
}
