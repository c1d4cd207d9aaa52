//! Terraform resources, module calls and providers from `.tf.json` files and plan/state JSON.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::doc::{Node, Text, Value};
use crate::source::{FileId, SourceFile, Span};
use crate::tfref::{parse_refs, refs_in_expression, TfRef};

use super::{qualify, Model};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TfOrigin {
    /// Terraform JSON configuration syntax.
    Config,
    /// `terraform show -json` plan or state.
    Plan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TfMode {
    Managed,
    Data,
}

#[derive(Debug, Clone)]
pub struct TfResource<'a> {
    pub file: FileId,
    pub origin: TfOrigin,
    pub mode: TfMode,
    pub rtype: &'a str,
    pub name: &'a str,
    /// Full address with module path and instance key as Terraform prints it:
    /// `module.app.aws_ecs_service.web[0]`; data sources start with `data.`.
    pub address: Text,
    /// The address without instance keys, as references name it: `module.app.aws_ecs_service.web`.
    pub config_address: Text,
    /// Module path (`module.app`), empty for the root module.
    pub module: Text,
    /// Directory of the file: for `.tf.json`, the Terraform module it belongs to.
    /// (Inline strings: a plan holds hundreds of thousands of resources, most of these short.)
    pub dir: Text,
    /// Attribute values (config body for `.tf.json`, `values` for plans).
    pub values: &'a Node,
    /// The identifying span: the resource name key (`.tf.json`) or the `address` value (plan).
    pub anchor: Span,
    /// Plan only: `configuration…resources[*].expressions` for this resource.
    pub expressions: Option<&'a Node>,
    /// Set when the resource is not written as a `resource` block but declared through the
    /// inputs of a registry module call (see [`super::ecs_module`]); `values` is then the part
    /// of the call's inputs that configures it.
    pub via_module: Option<super::ecs_module::ModuleInput<'a>>,
}

impl<'a> TfResource<'a> {
    pub fn attr(&self, key: &str) -> Option<&'a Node> {
        self.values.get(key)
    }

    /// References used by the value at `path` (blocks are followed through lists): the
    /// interpolations written in `.tf.json`, or the plan's configuration `references`.
    pub fn refs_at(&self, path: &[&str]) -> Vec<TfRef> {
        let mut out = Vec::new();
        for n in follow(self.values, path) {
            collect_string_refs(n, &mut out);
        }
        if out.is_empty() {
            if let Some(ex) = self.expressions {
                for n in follow(ex, path) {
                    collect_expression_refs(n, &mut out);
                }
            }
        }
        out
    }

    /// Only references to resources (not `var.`, `local.`, `module.`).
    pub fn resource_refs_at(&self, path: &[&str]) -> Vec<TfRef> {
        self.refs_at(path)
            .into_iter()
            .filter(|r| {
                !(r.address.starts_with("var.")
                    || r.address.starts_with("local.")
                    || r.address.starts_with("module."))
            })
            .collect()
    }
}

/// All nodes reached by following `path` from `n`, descending into every element of lists.
pub fn follow<'n>(n: &'n Node, path: &[&str]) -> Vec<&'n Node> {
    let mut cur = vec![n];
    for key in path {
        let mut next = Vec::new();
        for c in cur {
            for b in c.blocks() {
                if let Some(v) = b.get(key) {
                    next.push(v);
                }
            }
        }
        cur = next;
    }
    cur
}

fn collect_string_refs(n: &Node, out: &mut Vec<TfRef>) {
    match &n.value {
        Value::Str(s) => out.extend(parse_refs(s)),
        Value::Embedding(e) => out.extend(parse_refs(&e.text)),
        Value::Seq(v) => v.iter().for_each(|c| collect_string_refs(c, out)),
        Value::Map(m) => m.iter().for_each(|c| collect_string_refs(&c.value, out)),
        _ => {}
    }
}

/// The references a plan's configuration expressions list under `n` (every `references` entry,
/// in order, repeats kept).
pub fn plan_references(n: &Node) -> Vec<TfRef> {
    let mut out = Vec::new();
    collect_plan_references(n, &mut out);
    out
}

fn collect_plan_references(n: &Node, out: &mut Vec<TfRef>) {
    match &n.value {
        Value::Map(m) => {
            for mem in m {
                if mem.key == "references" {
                    for r in mem.value.as_seq().unwrap_or(&[]) {
                        if let Some(s) = r.as_str() {
                            out.extend(refs_in_expression(s));
                        }
                    }
                } else {
                    collect_plan_references(&mem.value, out);
                }
            }
        }
        Value::Seq(v) => v.iter().for_each(|c| collect_plan_references(c, out)),
        _ => {}
    }
}

/// A plan's references under `n`, one per address and attribute (a plan lists both
/// `aws_subnet.a[0]` and `aws_subnet.a`).
fn collect_expression_refs(n: &Node, out: &mut Vec<TfRef>) {
    for x in plan_references(n) {
        if !out
            .iter()
            .any(|o| o.address == x.address && o.attr == x.attr)
        {
            out.push(x);
        }
    }
}

/// A `module` call: inputs of e.g. `terraform-aws-modules/vpc/aws`.
#[derive(Debug, Clone)]
pub struct TfModuleCall<'a> {
    pub file: FileId,
    pub origin: TfOrigin,
    pub name: &'a str,
    pub source: Option<&'a str>,
    /// `.tf.json`: the module block. Plan: its `expressions`.
    pub node: &'a Node,
    pub anchor: Span,
    pub dir: String,
}

impl<'a> TfModuleCall<'a> {
    /// An input value; for plans the `constant_value` of its expression (absent when computed).
    pub fn input(&self, name: &str) -> Option<&'a Node> {
        let v = self.node.get(name)?;
        match self.origin {
            TfOrigin::Config => Some(v),
            TfOrigin::Plan => v.get("constant_value"),
        }
    }
}

/// A `provider` configuration block (`allowed_account_ids`, `assume_role`, `region`).
#[derive(Debug, Clone)]
pub struct TfProvider<'a> {
    pub file: FileId,
    pub origin: TfOrigin,
    pub name: &'a str,
    pub node: &'a Node,
    pub dir: String,
}

impl<'a> TfProvider<'a> {
    pub fn attr(&self, name: &str) -> Option<&'a Node> {
        let v = self.node.get(name)?;
        match self.origin {
            TfOrigin::Config => Some(v),
            TfOrigin::Plan => v.get("constant_value"),
        }
    }
}

fn dir_of(f: &SourceFile) -> String {
    f.path
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Remove instance keys: `module.a["x"].aws_s.b[0]` → `module.a.aws_s.b`.
pub fn strip_indexes(addr: &str) -> String {
    let mut out = String::with_capacity(addr.len());
    let mut depth = 0;
    let mut in_str = false;
    for c in addr.chars() {
        match c {
            '"' if depth > 0 => in_str = !in_str,
            '[' if !in_str => depth += 1,
            ']' if !in_str && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

pub(super) fn collect_config<'a>(f: &'a SourceFile, m: &mut Model<'a>) {
    let dir = dir_of(f);
    for d in &f.docs {
        for (block, mode) in [("resource", TfMode::Managed), ("data", TfMode::Data)] {
            let Some(top) = d.get(block) else { continue };
            for types in top.blocks() {
                for tmem in types.as_map().unwrap_or(&[]) {
                    if tmem.key == "//" {
                        continue;
                    }
                    for names in tmem.value.blocks() {
                        for nmem in names.as_map().unwrap_or(&[]) {
                            if nmem.key == "//" {
                                continue;
                            }
                            for body in nmem.value.blocks() {
                                let local = match mode {
                                    TfMode::Managed => format!("{}.{}", tmem.key, nmem.key),
                                    TfMode::Data => format!("data.{}.{}", tmem.key, nmem.key),
                                };
                                m.tf.push(TfResource {
                                    file: f.id,
                                    origin: TfOrigin::Config,
                                    mode,
                                    rtype: &tmem.key,
                                    name: &nmem.key,
                                    address: local.clone().into(),
                                    config_address: local.into(),
                                    module: Text::default(),
                                    dir: dir.as_str().into(),
                                    values: body,
                                    anchor: nmem.key_span,
                                    expressions: None,
                                    via_module: None,
                                });
                            }
                        }
                    }
                }
            }
        }
        if let Some(mods) = d.get("module") {
            for b in mods.blocks() {
                for mm in b.as_map().unwrap_or(&[]) {
                    if mm.key == "//" {
                        continue;
                    }
                    for body in mm.value.blocks() {
                        let source = body.get("source").and_then(Node::as_str);
                        super::ecs_module::collect(f, &mm.key, mm.key_span, source, body, &dir, m);
                        m.tf_modules.push(TfModuleCall {
                            file: f.id,
                            origin: TfOrigin::Config,
                            name: &mm.key,
                            source: body.get("source").and_then(Node::as_str),
                            node: body,
                            anchor: mm.key_span,
                            dir: dir.clone(),
                        });
                    }
                }
            }
        }
        if let Some(provs) = d.get("provider") {
            for b in provs.blocks() {
                for pm in b.as_map().unwrap_or(&[]) {
                    for body in pm.value.blocks() {
                        m.tf_providers.push(TfProvider {
                            file: f.id,
                            origin: TfOrigin::Config,
                            name: &pm.key,
                            node: body,
                            dir: dir.clone(),
                        });
                    }
                }
            }
        }
    }
}

/// Expressions of every configured resource by qualified config address; module calls too.
fn collect_configuration<'a>(
    f: &'a SourceFile,
    module: &str,
    cm: &'a Node,
    exprs: &mut HashMap<String, &'a Node>,
    m: &mut Model<'a>,
    depth: u8,
) {
    for r in cm.get("resources").and_then(Node::as_seq).unwrap_or(&[]) {
        if let (Some(addr), Some(ex)) = (
            r.get("address").and_then(Node::as_str),
            r.get("expressions"),
        ) {
            exprs.insert(qualify(module, addr), ex);
        }
    }
    if depth > 16 {
        return;
    }
    for call in cm.get("module_calls").and_then(Node::as_map).unwrap_or(&[]) {
        let path = qualify(module, &format!("module.{}", call.key));
        if let Some(ex) = call.value.get("expressions") {
            if module.is_empty() {
                m.tf_modules.push(TfModuleCall {
                    file: f.id,
                    origin: TfOrigin::Plan,
                    name: &call.key,
                    source: call.value.get("source").and_then(Node::as_str),
                    node: ex,
                    anchor: call.key_span,
                    dir: dir_of(f),
                });
            }
        }
        if let Some(inner) = call.value.get("module") {
            collect_configuration(f, &path, inner, exprs, m, depth + 1);
        }
    }
}

pub(super) fn collect_plan<'a>(f: &'a SourceFile, m: &mut Model<'a>) {
    let Some(d) = f.docs.first() else { return };
    let dir = dir_of(f);
    let mut exprs = HashMap::new();
    if let Some(cm) = d.path(&["configuration", "root_module"]) {
        collect_configuration(f, "", cm, &mut exprs, m, 0);
    }
    if let Some(pc) = d
        .path(&["configuration", "provider_config"])
        .and_then(Node::as_map)
    {
        for p in pc {
            if let Some(ex) = p.value.get("expressions") {
                m.tf_providers.push(TfProvider {
                    file: f.id,
                    origin: TfOrigin::Plan,
                    name: p.value.get("name").and_then(Node::as_str).unwrap_or(&p.key),
                    node: ex,
                    dir: dir.clone(),
                });
            }
        }
    }
    // The resources in document order (each address once, the first wins), then built in
    // parallel: a plan of an estate is one file with hundreds of thousands of them.
    let mut found: Vec<(&'a Node, &'a Node, Span)> = Vec::new();
    // planned_values (plan) or values (state) first: each resource once.
    for root in [
        d.path(&["planned_values", "root_module"]),
        d.path(&["values", "root_module"]),
    ]
    .into_iter()
    .flatten()
    {
        // Each module's resources read in parallel, kept in document order.
        let mut lists: Vec<&'a [Node]> = Vec::new();
        walk_module_lists(root, &mut lists);
        for list in lists {
            found.par_extend(list.par_iter().filter_map(|r| {
                let v = r.get("values")?;
                let anchor = r.member("address").map(|a| a.value.span).unwrap_or(r.span);
                Some((r, v, anchor))
            }));
        }
    }
    // resource_changes adds what planned_values lacks (older formats), never deleted resources.
    for rc in d
        .get("resource_changes")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        let actions: Vec<&str> = rc
            .path(&["change", "actions"])
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        if actions == ["delete"] {
            continue;
        }
        if let Some(after) = rc
            .path(&["change", "after"])
            .filter(|a| a.as_map().is_some())
        {
            let anchor = rc
                .member("address")
                .map(|a| a.value.span)
                .unwrap_or(rc.span);
            found.push((rc, after, anchor));
        }
    }
    // Data sources read before the plan (e.g. `aws_caller_identity`).
    if let Some(root) = d.path(&["prior_state", "values", "root_module"]) {
        let mut lists: Vec<&'a [Node]> = Vec::new();
        walk_module_lists(root, &mut lists);
        for r in lists.into_iter().flatten() {
            if r.get("mode").and_then(Node::as_str) == Some("data") {
                if let Some(v) = r.get("values") {
                    let anchor = r.member("address").map(|a| a.value.span).unwrap_or(r.span);
                    found.push((r, v, anchor));
                }
            }
        }
    }
    let addresses: Vec<Option<&'a str>> = found
        .par_iter()
        .map(|(r, _, _)| r.get("address").and_then(Node::as_str))
        .collect();
    let mut seen: HashSet<&'a str, foldhash::fast::RandomState> =
        HashSet::with_capacity_and_hasher(addresses.len(), Default::default());
    let first: Vec<(&'a str, &'a Node, &'a Node, Span)> = found
        .into_iter()
        .zip(addresses)
        .filter_map(|((r, values, anchor), address)| {
            let address = address?;
            seen.insert(address).then_some((address, r, values, anchor))
        })
        .collect();
    let exprs = &exprs;
    let dir = dir.as_str();
    let resources: Vec<TfResource<'a>> = first
        .into_par_iter()
        .map(|(address, r, values, anchor)| {
            let mode = match r.get("mode").and_then(Node::as_str) {
                Some("data") => TfMode::Data,
                _ => TfMode::Managed,
            };
            // Most addresses have no instance key: borrowed as they are, not copied.
            let config_address: std::borrow::Cow<'a, str> = if address.contains('[') {
                strip_indexes(address).into()
            } else {
                address.into()
            };
            let module = r
                .get("module_address")
                .and_then(Node::as_str)
                .map(strip_indexes)
                .unwrap_or_else(|| module_of(&config_address));
            TfResource {
                file: f.id,
                origin: TfOrigin::Plan,
                mode,
                rtype: r.get("type").and_then(Node::as_str).unwrap_or_default(),
                name: r.get("name").and_then(Node::as_str).unwrap_or_default(),
                expressions: exprs.get(config_address.as_ref()).copied(),
                via_module: None,
                address: address.into(),
                config_address: config_address.as_ref().into(),
                module: module.into(),
                dir: dir.into(),
                values,
                anchor,
            }
        })
        .collect();
    // Moved, not copied: a plan file's part of the model holds no resource before this.
    if m.tf.is_empty() {
        m.tf = resources;
    } else {
        m.tf.extend(resources);
    }
}

fn module_of(config_address: &str) -> String {
    // `module.a.module.b.aws_x.y` → `module.a.module.b`
    if !config_address.starts_with("module.") {
        return String::new();
    }
    let parts: Vec<&str> = config_address.split('.').collect();
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "module" {
        i += 2;
    }
    parts[..i.min(parts.len())].join(".")
}

/// The `resources` lists of a module and of its child modules (depth first, a module before its
/// children; at most 17 levels).
fn walk_module_lists<'a>(m: &'a Node, out: &mut Vec<&'a [Node]>) {
    fn go<'a>(m: &'a Node, out: &mut Vec<&'a [Node]>, depth: u8) {
        if let Some(list) = m.get("resources").and_then(Node::as_seq) {
            out.push(list);
        }
        if depth > 16 {
            return;
        }
        for c in m.get("child_modules").and_then(Node::as_seq).unwrap_or(&[]) {
            go(c, out, depth + 1);
        }
    }
    go(m, out, 0)
}
