//! Walking a rendered object beside the document it came from: the same key path looked up in
//! the source tree (list items by their `name` when they have one, else by position).

use crate::doc::{Node, Value};
use crate::source::{FileId, Span};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Key(String),
    /// A list item that has a `name`.
    Named(String),
    Index(usize),
}

/// The node at `path` under `root`.
pub(crate) fn lookup<'a>(root: &'a Node, path: &[Step]) -> Option<&'a Node> {
    let mut cur = root;
    for step in path {
        cur = match step {
            Step::Key(k) => cur.get(k)?,
            Step::Named(n) => cur
                .as_seq()?
                .iter()
                .find(|i| i.get("name").and_then(Node::as_str) == Some(n.as_str()))?,
            Step::Index(i) => cur.as_seq()?.get(*i)?,
        };
    }
    Some(cur)
}

/// The key span of the member at `path` (its last step a key) under `root`.
pub(crate) fn lookup_key(root: &Node, path: &[Step]) -> Option<Span> {
    let (Step::Key(k), parent) = path.split_last()? else {
        return None;
    };
    lookup(root, parent)?.member(k).map(|m| m.key_span)
}

/// Where a rendered node at `path` comes from, given its value: `None` when no source says.
/// Where the key of the member at a path comes from.
pub(crate) type KeyPlace<'r> = dyn FnMut(&[Step]) -> Option<(FileId, Span)> + 'r;

/// Where a rendered value comes from.
pub(crate) type Resolve<'r> = dyn FnMut(&[Step], &Node) -> Option<(FileId, Span)> + 'r;

/// Every rendered node and key of `node` with its repository place. `resolve` answers for the
/// value at a path; a key takes the key span of the same member when the value is found there,
/// else the value's place.
pub(crate) fn walk(
    node: &Node,
    path: &mut Vec<Step>,
    resolve: &mut Resolve<'_>,
    keys: &mut KeyPlace<'_>,
    out: &mut Vec<(Span, FileId, Span)>,
) {
    let here = resolve(path, node);
    if let Some((f, s)) = here {
        out.push((node.span, f, s));
    }
    match &node.value {
        Value::Map(members) => {
            for m in members {
                path.push(Step::Key(m.key.to_string()));
                let before = out.len();
                walk(&m.value, path, resolve, keys, out);
                let key_place = keys(path).or_else(|| {
                    out.get(before)
                        .filter(|(s, _, _)| *s == m.value.span)
                        .map(|&(_, f, s)| (f, s))
                });
                if let Some((f, s)) = key_place {
                    out.push((m.key_span, f, s));
                    // The whole member (`name: app`), when key and value are in one place.
                    let value_place = out
                        .get(before)
                        .filter(|(vs, vf, _)| *vs == m.value.span && *vf == f)
                        .map(|&(_, _, vs)| vs);
                    if let Some(vs) = value_place {
                        out.push((m.span(), f, s.cover(vs)));
                    }
                }
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let step = match item.get("name").and_then(Node::as_str) {
                    Some(n) => Step::Named(n.to_string()),
                    None => Step::Index(i),
                };
                path.push(step);
                walk(item, path, resolve, keys, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// True when the source node holds the rendered value: any collection (its members are mapped
/// one by one), or a scalar of the same text.
pub(crate) fn same_value(rendered: &Node, source: &Node) -> bool {
    match (&rendered.value, &source.value) {
        (Value::Map(_), Value::Map(_)) | (Value::Seq(_), Value::Seq(_)) => true,
        (Value::Null, Value::Null) => true,
        _ => match (rendered.scalar_text(), source.scalar_text()) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        },
    }
}

/// Remove member `key` from the map at `path` (and the map itself from its parent when it is left
/// empty): how origin annotations are taken out of rendered objects.
pub(crate) fn remove_member(root: &mut Node, path: &[&str], key: &str) -> Option<Node> {
    let (last, parent_path) = path.split_last()?;
    let mut parent = root;
    for k in parent_path {
        parent = member_mut(parent, k)?;
    }
    let map = member_mut(parent, last)?;
    let Value::Map(members) = &mut map.value else {
        return None;
    };
    let at = members.iter().position(|m| m.key == key)?;
    let mut rest = std::mem::take(members).into_vec();
    let removed = rest.remove(at).value;
    let now_empty = rest.is_empty();
    *members = rest.into_boxed_slice();
    if now_empty {
        if let Value::Map(pm) = &mut parent.value {
            let mut kept = std::mem::take(pm).into_vec();
            kept.retain(|m| m.key != *last);
            *pm = kept.into_boxed_slice();
        }
    }
    Some(removed)
}

fn member_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.value {
        Value::Map(m) => m
            .iter_mut()
            .rev()
            .find(|m| m.key == key)
            .map(|m| &mut m.value),
        _ => None,
    }
}
