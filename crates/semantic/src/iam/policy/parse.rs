//! Reading policy documents: JSON documents and `aws_iam_policy_document` blocks.

use lint_engine::doc::{Node, Value};
use lint_engine::source::FileId;

use super::*;
use crate::iam::arn::{is_account_id, Arn};

pub(crate) fn vals(n: &Node) -> Vec<Val> {
    match &n.value {
        Value::Seq(items) => items.iter().flat_map(vals).collect(),
        _ => n
            .scalar_text()
            .map(|t| {
                vec![Val {
                    text: t.into_owned(),
                    span: n.span,
                }]
            })
            .unwrap_or_default(),
    }
}

pub(crate) fn patterns(n: &Node, negated: bool) -> Patterns {
    Patterns {
        negated,
        values: vals(n),
        span: n.span,
    }
}

pub(crate) fn json_principals(n: &Node, negated: bool) -> Principals {
    let mut p = Principals {
        negated,
        any: false,
        entries: Vec::new(),
        span: n.span,
    };
    match &n.value {
        v if v.str().is_some_and(|s| s == "*") => p.any = true,
        Value::Map(members) => {
            for m in members {
                if let Some(kind) = PrincipalKind::parse(&m.key) {
                    for v in vals(&m.value) {
                        if kind == PrincipalKind::Aws && v.text == "*" {
                            p.any = true;
                        }
                        p.entries.push((kind, v));
                    }
                }
            }
        }
        _ => {}
    }
    p
}

pub(crate) fn json_conditions(n: &Node) -> Vec<Condition> {
    let mut out = Vec::new();
    for op in n.as_map().unwrap_or(&[]) {
        for k in op.value.as_map().unwrap_or(&[]) {
            out.push(Condition {
                operator: op.key.to_string(),
                key: k.key.to_string(),
                values: vals(&k.value),
                span: k.span(),
            });
        }
    }
    out
}

pub(crate) fn json_statement(file: FileId, s: &Node) -> Option<Statement> {
    s.as_map()?;
    let effect_node = s.get("Effect");
    let (effect, mut unresolved) = match effect_node.and_then(Node::as_str) {
        Some("Allow") => (Effect::Allow, false),
        Some("Deny") => (Effect::Deny, false),
        // A missing or unreadable effect: the statement is not trusted either way.
        _ => (Effect::Allow, true),
    };
    let actions = s
        .get("Action")
        .map(|n| patterns(n, false))
        .or_else(|| s.get("NotAction").map(|n| patterns(n, true)));
    let resources = s
        .get("Resource")
        .map(|n| patterns(n, false))
        .or_else(|| s.get("NotResource").map(|n| patterns(n, true)));
    let principals = s
        .get("Principal")
        .map(|n| json_principals(n, false))
        .or_else(|| s.get("NotPrincipal").map(|n| json_principals(n, true)));
    let cond = s.get("Condition");
    if let Some(c) = cond {
        if c.is_unresolved() {
            unresolved = true;
        }
    }
    Some(Statement {
        file,
        span: s.span,
        sid: s.get("Sid").and_then(Node::as_str).map(str::to_string),
        effect,
        actions,
        resources,
        principals,
        conditions: cond.map(json_conditions).unwrap_or_default(),
        condition_span: cond.map(|c| c.span),
        unresolved,
    })
}

impl Policy {
    /// A JSON policy document (`{"Statement": …}`).
    pub fn from_json(file: FileId, doc: &Node) -> Policy {
        let mut p = Policy {
            file,
            span: doc.span,
            statements: Vec::new(),
            unresolved: false,
        };
        match doc.get("Statement") {
            Some(st) => match &st.value {
                Value::Seq(items) => {
                    for s in items {
                        match json_statement(file, s) {
                            Some(s) => p.statements.push(s),
                            None => p.unresolved = true,
                        }
                    }
                }
                Value::Map(_) => p.statements.extend(json_statement(file, st)),
                _ => p.unresolved = true,
            },
            None => p.unresolved = true,
        }
        p
    }

    /// The `statement` blocks of an `aws_iam_policy_document` data source body (`.tf.json`
    /// configuration or plan values).
    pub fn from_tf_document(file: FileId, body: &Node) -> Policy {
        let mut p = Policy {
            file,
            span: body.span,
            statements: Vec::new(),
            unresolved: false,
        };
        let Some(st) = body.get("statement") else {
            return p;
        };
        if st.is_unresolved() {
            p.unresolved = true;
        }
        for b in st.blocks() {
            let (effect, mut unresolved) = match b.get("effect").and_then(Node::as_str) {
                None | Some("Allow") => (Effect::Allow, false),
                Some("Deny") => (Effect::Deny, false),
                Some(_) => (Effect::Allow, true),
            };
            let actions = b
                .get("actions")
                .filter(|n| !n.is_null())
                .map(|n| patterns(n, false))
                .or_else(|| {
                    b.get("not_actions")
                        .filter(|n| !n.is_null())
                        .map(|n| patterns(n, true))
                });
            let resources = b
                .get("resources")
                .filter(|n| !n.is_null() && n.as_seq().is_none_or(|s| !s.is_empty()))
                .map(|n| patterns(n, false))
                .or_else(|| {
                    b.get("not_resources")
                        .filter(|n| !n.is_null() && n.as_seq().is_none_or(|s| !s.is_empty()))
                        .map(|n| patterns(n, true))
                });
            let principals = tf_principals(b, "principals", false)
                .or_else(|| tf_principals(b, "not_principals", true));
            let mut conditions = Vec::new();
            let mut condition_span = None;
            if let Some(c) = b.get("condition").filter(|c| !c.is_null()) {
                if c.is_unresolved() {
                    unresolved = true;
                }
                for cb in c.blocks() {
                    condition_span.get_or_insert(cb.span);
                    conditions.push(Condition {
                        operator: text(cb.get("test")),
                        key: text(cb.get("variable")),
                        values: cb.get("values").map(vals).unwrap_or_default(),
                        span: cb.span,
                    });
                }
            }
            p.statements.push(Statement {
                file,
                span: b.span,
                sid: b
                    .get("sid")
                    .and_then(Node::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                effect,
                actions,
                resources,
                principals,
                conditions,
                condition_span,
                unresolved,
            });
        }
        p
    }
}

pub(crate) fn text(n: Option<&Node>) -> String {
    n.and_then(|n| n.scalar_text())
        .map(|t| t.into_owned())
        .unwrap_or_default()
}

pub(crate) fn tf_principals(b: &Node, key: &str, negated: bool) -> Option<Principals> {
    let n = b.get(key).filter(|n| !n.is_null())?;
    let mut p = Principals {
        negated,
        any: false,
        entries: Vec::new(),
        span: n.span,
    };
    let mut any_block = false;
    for pb in n.blocks() {
        any_block = true;
        let ty = pb.get("type").and_then(Node::as_str).unwrap_or_default();
        let ids = pb.get("identifiers").map(vals).unwrap_or_default();
        if ty == "*" {
            p.any = true;
            continue;
        }
        let Some(kind) = PrincipalKind::parse(ty) else {
            continue;
        };
        for v in ids {
            if kind == PrincipalKind::Aws && v.text == "*" {
                p.any = true;
            }
            p.entries.push((kind, v));
        }
    }
    any_block.then_some(p)
}

/// The account a principal string names: `"123456789012"` or an ARN in that account.
pub fn principal_account(v: &str) -> Option<String> {
    if is_account_id(v) {
        return Some(v.to_string());
    }
    Arn::parse(v)
        .and_then(|a| a.account_id())
        .map(str::to_string)
}
