//! Local module calls: binding a call's arguments to the child module's variables, and the
//! child's `output` values to `module.NAME` in the calling module.
//!
//! A child module directory has one scope, however many calls use it. A variable takes the
//! value every call gives it (the argument, evaluated in the calling module, or the variable's
//! default when a call does not set it); when the calls disagree the variable is unknown, naming
//! the calls, rather than evaluated once per call. `module.NAME` in a calling module is the map
//! of the child's outputs, each evaluated in the child's scope.
//!
//! Values flow one call level per pass, in both directions (arguments down, outputs up), until
//! nothing changes. Nesting deeper than [`MAX_PASSES`] levels, or a cycle of calls whose values
//! keep changing, leaves the values still changing unknown.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use crate::doc::Node;
use crate::model::{Model, TfModuleCall, TfOrigin};
use crate::source::{FileId, SourceDb};

use super::scope::{normalize, ModuleScope};
use super::value::Val;

/// How many call levels values are propagated through.
pub const MAX_PASSES: usize = 8;

/// A `module` block with a local source, as the evaluator binds it.
#[derive(Debug, Clone)]
pub(super) struct LocalCall<'a> {
    pub name: &'a str,
    pub source: &'a str,
    /// The scope (directory) the call is written in.
    pub caller: String,
    /// The scope of the child module, when its directory is among the inputs.
    pub child: Option<String>,
    pub node: &'a Node,
}

/// True for a module source that is a local path (`./x`, `../x`).
pub fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../")
}

/// The directory a local call's source names, normalized (`a/./modules/x` → `a/modules/x`).
pub fn child_dir(call: &TfModuleCall<'_>) -> Option<String> {
    let s = call.source.filter(|s| is_local_source(s))?;
    Some(normalize(&Path::new(&call.dir).join(s)))
}

/// The local module calls of the configuration, with the scope keys of their caller and child
/// (`scope_keys`: every scope's directory).
pub(super) fn local_calls<'a>(model: &Model<'a>, scope_keys: &[&String]) -> Vec<LocalCall<'a>> {
    let by_normal: HashMap<String, &String> = scope_keys
        .iter()
        .map(|k| (normalize(Path::new(k.as_str())), *k))
        .collect();
    model
        .tf_modules
        .iter()
        .filter(|c| c.origin == TfOrigin::Config)
        .filter_map(|c| {
            let child = child_dir(c)?;
            Some(LocalCall {
                name: c.name,
                source: c.source.unwrap_or_default(),
                caller: c.dir.clone(),
                child: by_normal.get(&child).map(|k| (*k).clone()),
                node: c.node,
            })
        })
        .collect()
}

/// The scope directories connected to `dirs` by local calls, in either direction (`dirs`
/// included): arguments flow down a call and outputs up, so a scope's values depend on these
/// scopes and no other.
pub(super) fn connected(dirs: &[&str], calls: &[LocalCall<'_>]) -> HashSet<String> {
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in calls {
        if let Some(child) = &c.child {
            next.entry(c.caller.as_str()).or_default().push(child);
            next.entry(child.as_str()).or_default().push(&c.caller);
        }
    }
    let mut keep: HashSet<String> = HashSet::new();
    let mut todo: Vec<&str> = dirs.to_vec();
    while let Some(dir) = todo.pop() {
        if keep.insert(dir.to_string()) {
            todo.extend(next.get(dir).into_iter().flatten().copied());
        }
    }
    keep
}

/// Bind every local call's arguments and outputs (see the module docs).
pub(super) fn bind(scopes: &mut BTreeMap<String, ModuleScope<'_>>, calls: &[LocalCall<'_>]) {
    for c in calls.iter().filter(|c| c.child.is_none()) {
        if let Some(s) = scopes.get_mut(&c.caller) {
            s.modules.insert(
                c.name.to_string(),
                Val::unknown(
                    format!("module.{}", c.name),
                    format!("its source `{}` is not among the inputs", c.source),
                ),
            );
            s.refresh_locals();
        }
    }
    let mut by_child: BTreeMap<&str, Vec<&LocalCall<'_>>> = BTreeMap::new();
    for c in calls {
        if let Some(child) = &c.child {
            by_child.entry(child).or_default().push(c);
        }
    }
    let mut changed = BTreeSet::new();
    for i in 0..MAX_PASSES {
        // After the first pass, only what depends on a scope that changed is evaluated again.
        changed = pass(scopes, &by_child, (i > 0).then_some(&changed));
        if changed.is_empty() {
            return;
        }
    }
    // Not settled: what still changes is unknown rather than the value of an arbitrary pass.
    for dir in &changed {
        let Some(s) = scopes.get_mut(dir) else {
            continue;
        };
        let bound: Vec<String> = by_child
            .get(dir.as_str())
            .map(|cs| {
                s.defaults
                    .keys()
                    .filter(|v| cs.iter().any(|c| c.node.get(v).is_some()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let why = format!(
            "module calls nest deeper than {MAX_PASSES} levels or form a cycle, so the value does not settle"
        );
        for v in bound {
            s.vars
                .insert(v.clone(), Val::unknown(format!("var.{v}"), why.clone()));
        }
        for (name, out) in s.modules.iter_mut() {
            *out = Val::unknown(format!("module.{name}"), why.clone());
        }
        s.refresh_locals();
    }
}

/// One pass: outputs up to the callers, arguments down to the children. Returns the scopes
/// whose values changed.
///
/// `dirty`: the scopes the previous pass changed (`None` on the first pass). A child's outputs
/// are evaluated again only when it changed, and its arguments only when one of its callers
/// did: anything else would give the value the previous pass already bound.
fn pass(
    scopes: &mut BTreeMap<String, ModuleScope<'_>>,
    by_child: &BTreeMap<&str, Vec<&LocalCall<'_>>>,
    dirty: Option<&BTreeSet<String>>,
) -> BTreeSet<String> {
    let is_dirty = |dir: &str| dirty.is_none_or(|d| d.contains(dir));
    let mut changed = BTreeSet::new();
    let mut outputs: Vec<(&str, &str, Val)> = Vec::new();
    let mut args: Vec<(&str, String, Val)> = Vec::new();
    for (child, cs) in by_child {
        let Some(cs_scope) = scopes.get(*child) else {
            continue;
        };
        if is_dirty(child) {
            let out = cs_scope.outputs();
            for c in cs {
                outputs.push((c.caller.as_str(), c.name, out.clone()));
            }
        }
        if !cs.iter().any(|c| is_dirty(&c.caller)) {
            continue;
        }
        for (var, default) in &cs_scope.defaults {
            let per_call: Vec<(&str, Val)> = cs
                .iter()
                .map(|c| {
                    let v = match (c.node.get(var), scopes.get(&c.caller)) {
                        (Some(arg), Some(caller)) => caller.eval(arg),
                        (Some(_), None) => Val::unknown(
                            format!("module.{}", c.name),
                            "the calling module was not evaluated",
                        ),
                        (None, _) => default.clone(),
                    };
                    (c.name, v)
                })
                .collect();
            args.push((child, var.clone(), agree(var, per_call)));
        }
    }
    for (caller, name, v) in outputs {
        if let Some(s) = scopes.get_mut(caller) {
            if s.modules.get(name) != Some(&v) {
                s.modules.insert(name.to_string(), v);
                changed.insert(caller.to_string());
            }
        }
    }
    for (child, var, v) in args {
        if let Some(s) = scopes.get_mut(child) {
            if s.vars.get(&var) != Some(&v) {
                s.vars.insert(var, v);
                changed.insert(child.to_string());
            }
        }
    }
    for dir in &changed {
        if let Some(s) = scopes.get_mut(dir) {
            s.refresh_locals();
        }
    }
    changed
}

/// The value of a child's variable given by every call: the common value, else unknown.
fn agree(var: &str, per_call: Vec<(&str, Val)>) -> Val {
    let Some((_, first)) = per_call.first() else {
        return Val::unknown(format!("var.{var}"), "no call sets it");
    };
    if per_call.iter().all(|(_, v)| v == first) {
        return first.clone();
    }
    if let Some((_, u)) = per_call.iter().find(|(_, v)| v.is_unknown()) {
        return u.clone();
    }
    let list: Vec<String> = per_call
        .iter()
        .map(|(name, v)| format!("`module.{name}` gives {v}"))
        .collect();
    Val::unknown(
        format!("var.{var}"),
        format!(
            "the calls of this module disagree ({}), and one module directory is evaluated once",
            list.join(", ")
        ),
    )
}

/// For each child module directory (normalized), how it is reached: one line per call chain,
/// e.g. `in module.app (./modules/app), called from main.tf:12`.
pub fn call_chains(model: &Model<'_>) -> BTreeMap<String, Vec<String>> {
    let calls: Vec<(&TfModuleCall<'_>, String)> = model
        .tf_modules
        .iter()
        .filter(|c| c.origin == TfOrigin::Config)
        .filter_map(|c| Some((c, child_dir(c)?)))
        .collect();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (c, child) in &calls {
        let mut path = vec![format!("module.{}", c.name)];
        let mut hops = vec![site(model.db, c.file, c.anchor.start)];
        let mut at = normalize(Path::new(&c.dir));
        let mut seen = BTreeSet::from([child.clone()]);
        // Walk up through the first call of each calling directory, bounded and cycle-safe.
        while let Some((up, _)) = calls.iter().find(|(_, d)| *d == at) {
            if !seen.insert(at.clone()) || path.len() > MAX_PASSES {
                break;
            }
            path.insert(0, format!("module.{}", up.name));
            hops.push(site(model.db, up.file, up.anchor.start));
            at = normalize(Path::new(&up.dir));
        }
        out.entry(child.clone()).or_default().push(format!(
            "in {} ({}), called from {}",
            path.join("."),
            c.source.unwrap_or_default(),
            hops.join(" ← ")
        ));
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    out
}

fn site(db: &SourceDb, file: FileId, offset: u32) -> String {
    let f = db.get(file);
    format!("{}:{}", f.name, f.line_col(offset).line)
}

/// Add to each finding located in a local child module's configuration the call chains that
/// reach that module (see [`call_chains`]): a finding inside a module says which calls use it.
pub fn note_call_chains(model: &Model<'_>, findings: &mut [crate::finding::Finding]) {
    if !model
        .tf_modules
        .iter()
        .any(|c| c.source.is_some_and(is_local_source))
    {
        return;
    }
    let chains = call_chains(model);
    for f in findings.iter_mut() {
        let file = model.db.get(f.primary.file);
        if !super::scope::is_tf_config(file.kind) {
            continue;
        }
        let dir = file.path.parent().map(normalize).unwrap_or_default();
        for chain in chains.get(&dir).into_iter().flatten() {
            if !f.notes.contains(chain) {
                f.notes.push(chain.clone());
            }
        }
    }
}
