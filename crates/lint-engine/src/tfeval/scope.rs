//! Per-module evaluation scopes built from the loaded Terraform configuration, and the shared
//! fact [`TfEval`] through which rules evaluate resource attributes.
//!
//! Terraform configuration files in one directory form one module. A module's variables take,
//! from lowest to highest precedence: the `variable` block's `default`, `terraform.tfvars`,
//! `terraform.tfvars.json`, `*.auto.tfvars` and `*.auto.tfvars.json` (in lexical order of file
//! name), then `--var-file` files in the order given. Files of variable values apply only to
//! root modules: a directory that a local `module` call uses as its source is a child module,
//! whose variables take the calls' arguments (evaluated in the calling module, see
//! [`super::modules`]) and otherwise keep their default; `module.NAME.OUTPUT` in the calling
//! module is the child's `output` value.
//! `locals` may reference each other; a cycle is unknown.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use crate::doc::{is_unresolved_text, Node, Value};
use crate::model::{Model, TfOrigin, TfResource};
use crate::shared::{Fact, FactContext};
use crate::source::{FileId, FileKind, SourceFile};

use super::eval::{eval_template, Env};
use super::value::{Unknown, Val};

/// How deep resource attribute references may chain (`aws_subnet.a.cidr_block` referencing
/// `aws_vpc.main.cidr_block` …) before the evaluator gives up.
const MAX_RESOURCE_CHAIN: u8 = 8;

/// A file of variable values: `terraform.tfvars(.json)`, `*.auto.tfvars(.json)` or a
/// `--var-file`. `root` is its document tree (a map of variable names to values); `name` is its
/// path, whose `.json` suffix says that strings are literal (in HCL, `${…}` strings are
/// expressions, evaluated without references).
#[derive(Debug, Clone, Copy)]
pub struct VarFile<'a> {
    pub name: &'a str,
    pub root: &'a Node,
}

/// True for the names Terraform loads automatically from a root module's directory.
pub fn is_auto_tfvars(file_name: &str) -> bool {
    matches!(file_name, "terraform.tfvars" | "terraform.tfvars.json")
        || file_name.ends_with(".auto.tfvars")
        || file_name.ends_with(".auto.tfvars.json")
}

/// Precedence among automatic files: `terraform.tfvars`, `terraform.tfvars.json`, then the
/// `*.auto.tfvars(.json)` files by name.
fn auto_rank(file_name: &str) -> (u8, String) {
    match file_name {
        "terraform.tfvars" => (0, String::new()),
        "terraform.tfvars.json" => (1, String::new()),
        other => (2, other.to_string()),
    }
}

/// The value of a node of Terraform configuration: strings holding `${…}` or `%{…}` are
/// templates, evaluated in `env`; everything else is literal.
pub fn node_value(n: &Node, env: &dyn Env) -> Val {
    if let Some(s) = n.value.str().filter(|s| is_unresolved_text(s)) {
        return eval_template(s, env);
    }
    match &n.value {
        Value::Seq(items) => Val::List(items.iter().map(|c| node_value(c, env)).collect()),
        Value::Map(members) => Val::Map(
            members
                .iter()
                .map(|m| (m.key.to_string(), node_value(&m.value, env)))
                .collect(),
        ),
        _ => Val::from_node_literal(n),
    }
}

/// One module's evaluated variables and locals, and its resources' configuration.
#[derive(Debug, Default)]
pub struct ModuleScope<'a> {
    pub dir: String,
    /// Declared variables with their values (an unknown when nothing sets one).
    pub vars: BTreeMap<String, Val>,
    /// Evaluated locals.
    pub locals: BTreeMap<String, Val>,
    /// The outputs of the local modules this module calls, by call name (a map of output
    /// names to values); calls of registry modules are absent.
    pub modules: BTreeMap<String, Val>,
    /// The expressions of the locals.
    local_exprs: BTreeMap<String, &'a Node>,
    /// Variable values before any module call binds them (defaults, or unknown).
    pub(super) defaults: BTreeMap<String, Val>,
    /// The `value` expressions of the module's `output` blocks.
    pub(super) output_exprs: BTreeMap<String, &'a Node>,
    /// Single-instance resources of the module by (type, name), for `aws_vpc.main.cidr_block`.
    resources: HashMap<(&'a str, &'a str), &'a Node>,
}

impl<'a> ModuleScope<'a> {
    /// Build a module's scope from its configuration roots (the documents of its `.tf.json`
    /// files, in file order), the automatic tfvars files of its directory and the `--var-file`
    /// files (both empty for a child module).
    pub fn build(
        dir: &str,
        configs: &[&'a Node],
        auto_tfvars: &[VarFile<'_>],
        var_files: &[VarFile<'_>],
    ) -> ModuleScope<'a> {
        let mut scope = ModuleScope {
            dir: dir.to_string(),
            ..ModuleScope::default()
        };
        let mut local_exprs: BTreeMap<String, &'a Node> = BTreeMap::new();
        for root in configs {
            for block in root.get("variable").into_iter().flat_map(Node::blocks) {
                for m in block.as_map().unwrap_or(&[]) {
                    let v = match m.value.blocks().find_map(|b| b.get("default")) {
                        Some(d) => node_value(d, &super::EmptyEnv),
                        None => Val::unknown(
                            format!("var.{}", m.key),
                            format!(
                                "variable \"{}\" has no default and no value in a tfvars file",
                                m.key
                            ),
                        ),
                    };
                    scope.vars.insert(m.key.to_string(), v);
                }
            }
            for block in root.get("locals").into_iter().flat_map(Node::blocks) {
                for m in block.as_map().unwrap_or(&[]) {
                    local_exprs.insert(m.key.to_string(), &m.value);
                }
            }
            for block in root.get("output").into_iter().flat_map(Node::blocks) {
                for m in block.as_map().unwrap_or(&[]) {
                    if let Some(v) = m.value.blocks().find_map(|b| b.get("value")) {
                        scope.output_exprs.insert(m.key.to_string(), v);
                    }
                }
            }
            for block in root.get("resource").into_iter().flat_map(Node::blocks) {
                for t in block.as_map().unwrap_or(&[]) {
                    for nb in t.value.blocks() {
                        for n in nb.as_map().unwrap_or(&[]) {
                            if let Some(body) = n.value.blocks().next() {
                                scope
                                    .resources
                                    .insert((t.key.as_str(), n.key.as_str()), body);
                            }
                        }
                    }
                }
            }
        }
        scope.defaults = scope.vars.clone();
        let mut sorted: Vec<&VarFile<'_>> = auto_tfvars.iter().collect();
        sorted.sort_by_key(|f| auto_rank(file_name(f.name)));
        for f in sorted.into_iter().chain(var_files) {
            scope.apply_var_file(f);
        }
        scope.locals = eval_locals(&scope.vars, &scope.modules, &local_exprs);
        scope.local_exprs = local_exprs;
        scope
    }

    /// Evaluate the locals again (after module arguments or outputs changed).
    pub(super) fn refresh_locals(&mut self) {
        self.locals = eval_locals(&self.vars, &self.modules, &self.local_exprs);
    }

    /// The module's outputs as one map value (what `module.NAME` is in a calling module).
    pub(super) fn outputs(&self) -> Val {
        Val::Map(
            self.output_exprs
                .iter()
                .map(|(k, n)| (k.clone(), self.eval(n)))
                .collect(),
        )
    }

    fn apply_var_file(&mut self, f: &VarFile<'_>) {
        let json = f.name.ends_with(".json");
        for m in f.root.as_map().unwrap_or(&[]) {
            // Values for undeclared variables are ignored, as Terraform does (with a warning).
            if let Some(slot) = self.vars.get_mut(m.key.as_str()) {
                *slot = if json {
                    Val::from_node_literal(&m.value)
                } else {
                    node_value(&m.value, &super::EmptyEnv)
                };
            }
        }
    }

    /// Evaluate a configuration value of this module.
    pub fn eval(&self, n: &Node) -> Val {
        node_value(
            n,
            &ScopeEnv {
                scope: self,
                chain: 0,
            },
        )
    }

    /// Evaluate an expression written as text (`{ image = var.image }`) in this module.
    pub fn eval_text(&self, text: &str) -> Val {
        super::eval_expression(
            text,
            &ScopeEnv {
                scope: self,
                chain: 0,
            },
        )
    }

    /// Evaluate a value of one instance of a resource (`count.index`, `each.key`/`each.value`).
    pub fn eval_instance(&self, n: &Node, instance: &Instance) -> Val {
        node_value(
            n,
            &InstanceEnv {
                inner: ScopeEnv {
                    scope: self,
                    chain: 0,
                },
                instance,
            },
        )
    }
}

/// The bindings of one resource instance.
#[derive(Debug, Clone)]
pub enum Instance {
    Count(i64),
    Each { key: String, value: Val },
}

struct InstanceEnv<'s, 'a> {
    inner: ScopeEnv<'s, 'a>,
    instance: &'s Instance,
}

impl Env for InstanceEnv<'_, '_> {
    fn get(&self, ns: &str, name: &str) -> Option<Val> {
        match (ns, name, self.instance) {
            ("count", "index", Instance::Count(i)) => Some(Val::int(*i)),
            ("each", "key", Instance::Each { key, .. }) => Some(Val::str(key.clone())),
            ("each", "value", Instance::Each { value, .. }) => Some(value.clone()),
            _ => self.inner.get(ns, name),
        }
    }

    fn resource(&self, rtype: &str, name: &str, attr: &str) -> Option<Val> {
        self.inner.resource(rtype, name, attr)
    }
}

struct ScopeEnv<'s, 'a> {
    scope: &'s ModuleScope<'a>,
    chain: u8,
}

impl Env for ScopeEnv<'_, '_> {
    fn get(&self, ns: &str, name: &str) -> Option<Val> {
        match ns {
            "var" => Some(self.scope.vars.get(name).cloned().unwrap_or_else(|| {
                Val::unknown(
                    format!("var.{name}"),
                    format!("variable \"{name}\" is not declared in this module"),
                )
            })),
            "local" => self.scope.locals.get(name).cloned(),
            "module" => self.scope.modules.get(name).cloned(),
            _ => None,
        }
    }

    fn resource(&self, rtype: &str, name: &str, attr: &str) -> Option<Val> {
        let body = self.scope.resources.get(&(rtype, name))?;
        let what = format!("{rtype}.{name}.{attr}");
        if body.get("count").is_some() || body.get("for_each").is_some() {
            return Some(Val::unknown(
                what,
                "instances of a resource with count/for_each are not evaluated",
            ));
        }
        if self.chain >= MAX_RESOURCE_CHAIN {
            return Some(Val::unknown(what, "chain of resource references too long"));
        }
        let env = ScopeEnv {
            scope: self.scope,
            chain: self.chain + 1,
        };
        // An attribute the configuration does not set is computed by the provider.
        body.get(attr).map(|n| node_value(n, &env))
    }
}

/// Every local, each evaluated once, in dependency order.
fn eval_locals(
    vars: &BTreeMap<String, Val>,
    modules: &BTreeMap<String, Val>,
    exprs: &BTreeMap<String, &Node>,
) -> BTreeMap<String, Val> {
    let mut env = LocalsEnv {
        vars,
        modules,
        exprs,
        done: std::cell::RefCell::new(BTreeMap::new()),
        stack: std::cell::RefCell::new(Vec::new()),
    };
    for name in exprs.keys() {
        env.get("local", name);
    }
    std::mem::take(env.done.get_mut())
}

/// Locals evaluated on demand, in dependency order, with cycle detection.
struct LocalsEnv<'s, 'a> {
    vars: &'s BTreeMap<String, Val>,
    modules: &'s BTreeMap<String, Val>,
    exprs: &'s BTreeMap<String, &'a Node>,
    done: std::cell::RefCell<BTreeMap<String, Val>>,
    stack: std::cell::RefCell<Vec<String>>,
}

impl Env for LocalsEnv<'_, '_> {
    fn get(&self, ns: &str, name: &str) -> Option<Val> {
        match ns {
            "var" => Some(self.vars.get(name).cloned().unwrap_or_else(|| {
                Val::unknown(
                    format!("var.{name}"),
                    format!("variable \"{name}\" is not declared in this module"),
                )
            })),
            "local" => {
                if let Some(v) = self.done.borrow().get(name) {
                    return Some(v.clone());
                }
                let expr = self.exprs.get(name)?;
                if let Some(pos) = self.stack.borrow().iter().position(|n| n == name) {
                    let mut cycle: Vec<String> = self.stack.borrow()[pos..]
                        .iter()
                        .map(|n| format!("local.{n}"))
                        .collect();
                    cycle.push(format!("local.{name}"));
                    return Some(Val::unknown(
                        format!("local.{name}"),
                        format!("cycle: {}", cycle.join(" → ")),
                    ));
                }
                if self.stack.borrow().len() > 64 {
                    return Some(Val::unknown(
                        format!("local.{name}"),
                        "locals nested too deeply",
                    ));
                }
                self.stack.borrow_mut().push(name.to_string());
                let v = node_value(expr, self);
                self.stack.borrow_mut().pop();
                self.done.borrow_mut().insert(name.to_string(), v.clone());
                Some(v)
            }
            "module" => self.modules.get(name).cloned(),
            _ => None,
        }
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The directory of a file, as the model records it.
fn dir_of(f: &SourceFile) -> String {
    f.path
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `a/b/../c` → `a/c`, without touching the file system.
pub fn normalize(p: &Path) -> String {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out.to_string_lossy().into_owned()
}

/// A value of a resource attribute, evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub value: Val,
    /// When the value came from evaluation (not written literally): `value = expression`, for
    /// a finding's notes, e.g. `10.40.3.0/26 = cidrsubnet(var.vpc_cidr, 10, 12)`.
    pub provenance: Option<String>,
}

/// How many instances a resource has.
#[derive(Debug, Clone, PartialEq)]
pub enum Multiplicity {
    /// No `count`/`for_each` gives 1.
    Known(u64),
    Unknown(Unknown),
}

/// Every module scope of a run.
#[derive(Debug, Default)]
pub struct TfEvalIndex<'a> {
    scopes: BTreeMap<String, ModuleScope<'a>>,
    dir_of_file: HashMap<FileId, String>,
}

/// The shared fact: `cx.shared::<TfEval>()`.
pub struct TfEval;

impl Fact for TfEval {
    type Value<'m, 'a: 'm> = TfEvalIndex<'a>;
    fn build<'m, 'a: 'm>(cx: &FactContext<'m, 'a>) -> TfEvalIndex<'a> {
        let var_files = var_files_of_run(cx.model, &cx.config.terraform.var_files);
        TfEvalIndex::build(cx.model, &var_files)
    }
}

/// The loaded variable files named by `[terraform] var_files` / `--var-file`, in the order
/// given. The command line resolves those paths to the paths of the loaded files and reports a
/// file that is missing or not a variable file as an input error, so one not found here is
/// simply not applied.
pub fn var_files_of_run<'a>(model: &Model<'a>, paths: &[String]) -> Vec<VarFile<'a>> {
    paths
        .iter()
        .filter_map(|p| {
            let f = model
                .db
                .iter()
                .find(|f| f.kind == FileKind::TfVars && f.path.as_os_str() == p.as_str())?;
            Some(VarFile {
                name: &f.name,
                root: f.docs.first()?,
            })
        })
        .collect()
}

/// True for the file kinds that hold Terraform configuration (not plans).
pub fn is_tf_config(kind: FileKind) -> bool {
    matches!(kind, FileKind::TfJson)
}

impl<'a> TfEvalIndex<'a> {
    /// Scopes for every directory with Terraform configuration. Automatic tfvars files are the
    /// files of the run with those names (their trees as loaded); `var_files` are `--var-file`
    /// files in the order given. Both apply to root modules only.
    pub fn build(model: &Model<'a>, var_files: &[VarFile<'_>]) -> TfEvalIndex<'a> {
        Self::build_inner(model, var_files, None)
    }

    /// [`TfEvalIndex::build`] for the modules of `files` only: the scopes of the modules
    /// connected to theirs by local module calls (values flow both ways along a call), which
    /// are exactly what their values depend on, and nothing else. [`TfEvalIndex::scope_of`]
    /// gives the same scope for those files as the full index does.
    pub fn build_for(
        model: &Model<'a>,
        var_files: &[VarFile<'_>],
        files: &[FileId],
    ) -> TfEvalIndex<'a> {
        Self::build_inner(model, var_files, Some(files))
    }

    fn build_inner(
        model: &Model<'a>,
        var_files: &[VarFile<'_>],
        only: Option<&[FileId]>,
    ) -> TfEvalIndex<'a> {
        let _memo = super::eval::ParseMemo::hold();
        let mut configs: BTreeMap<String, Vec<&'a Node>> = BTreeMap::new();
        let mut tfvars: BTreeMap<String, Vec<VarFile<'a>>> = BTreeMap::new();
        let mut dir_of_file = HashMap::new();
        for f in model.db.iter() {
            let dir = dir_of(f);
            if is_tf_config(f.kind) {
                configs
                    .entry(dir.clone())
                    .or_default()
                    .extend(f.docs.iter());
                dir_of_file.insert(f.id, dir);
            } else if is_auto_tfvars(file_name(&f.name)) {
                if let Some(root) = f.docs.first() {
                    tfvars.entry(dir).or_default().push(VarFile {
                        name: &f.name,
                        root,
                    });
                }
            }
        }
        // Local child modules: directories that a local call uses as its source.
        let keys: Vec<&String> = configs.keys().collect();
        let mut calls = super::modules::local_calls(model, &keys);
        if let Some(files) = only {
            let wanted: Vec<&str> = files
                .iter()
                .filter_map(|f| dir_of_file.get(f).map(String::as_str))
                .collect();
            let keep = super::modules::connected(&wanted, &calls);
            configs.retain(|dir, _| keep.contains(dir.as_str()));
            dir_of_file.retain(|_, dir| keep.contains(dir.as_str()));
            calls.retain(|c| keep.contains(c.caller.as_str()));
        }
        let children: std::collections::HashSet<&str> =
            calls.iter().filter_map(|c| c.child.as_deref()).collect();
        let mut scopes: BTreeMap<String, ModuleScope<'a>> = configs
            .iter()
            .map(|(dir, roots)| {
                let s = if children.contains(dir.as_str()) {
                    ModuleScope::build(dir, roots, &[], &[])
                } else {
                    let auto = tfvars.get(dir).map(Vec::as_slice).unwrap_or(&[]);
                    ModuleScope::build(dir, roots, auto, var_files)
                };
                (dir.clone(), s)
            })
            .collect();
        super::modules::bind(&mut scopes, &calls);
        TfEvalIndex {
            scopes,
            dir_of_file,
        }
    }

    /// The scope of the module a configuration file belongs to.
    pub fn scope_of(&self, file: FileId) -> Option<&ModuleScope<'a>> {
        self.scopes.get(self.dir_of_file.get(&file)?)
    }

    /// The evaluated value of a configuration node (a resource attribute) of `file`, with its
    /// provenance when it was evaluated rather than written literally.
    pub fn value_of(&self, file: FileId, node: &Node) -> Evaluated {
        let empty = ModuleScope::default();
        let scope = self.scope_of(file).unwrap_or(&empty);
        let value = scope.eval(node);
        let provenance = provenance(node, &value);
        Evaluated { value, provenance }
    }

    /// As [`TfEvalIndex::value_of`], for one instance of a resource with `count`/`for_each`.
    pub fn value_of_instance(&self, file: FileId, node: &Node, instance: &Instance) -> Evaluated {
        let empty = ModuleScope::default();
        let scope = self.scope_of(file).unwrap_or(&empty);
        let value = scope.eval_instance(node, instance);
        let provenance = provenance(node, &value);
        Evaluated { value, provenance }
    }

    /// How many instances a resource of the configuration has: 1 without `count`/`for_each`.
    pub fn multiplicity(&self, r: &TfResource<'_>) -> Multiplicity {
        if r.origin != TfOrigin::Config {
            return Multiplicity::Known(1);
        }
        let empty = ModuleScope::default();
        let scope = self.scope_of(r.file).unwrap_or(&empty);
        multiplicity_of(scope, r.values)
    }
}

/// `value = expression` for a value evaluated from a template string.
fn provenance(node: &Node, value: &Val) -> Option<String> {
    let s = node.value.str()?;
    (is_unresolved_text(s) && !value.is_unknown())
        .then(|| format!("{} = {}", value, expression_text(s)))
}

/// The multiplicity of a resource body in a scope.
pub fn multiplicity_of(scope: &ModuleScope<'_>, body: &Node) -> Multiplicity {
    let (what, v) = if let Some(c) = body.get("count") {
        ("count", scope.eval(c))
    } else if let Some(fe) = body.get("for_each") {
        ("for_each", scope.eval(fe))
    } else {
        return Multiplicity::Known(1);
    };
    if let Some(u) = v.first_unknown() {
        return Multiplicity::Unknown(u.clone());
    }
    let bad = |why: String| {
        Multiplicity::Unknown(Unknown {
            expr: what.to_string(),
            reason: why,
            error: true,
        })
    };
    match (what, v) {
        ("count", v) => match v.as_i64() {
            Some(n) if n >= 0 => Multiplicity::Known(n as u64),
            _ => bad(format!(
                "count must be a non-negative whole number, got {v}"
            )),
        },
        (_, Val::Map(m)) => Multiplicity::Known(m.len() as u64),
        (_, Val::List(l)) => {
            let mut seen: Vec<&Val> = Vec::new();
            for x in &l {
                if !seen.iter().any(|s| s.tf_eq(x)) {
                    seen.push(x);
                }
            }
            Multiplicity::Known(seen.len() as u64)
        }
        (_, other) => bad(format!(
            "for_each must be a map or a set, got a {}",
            other.type_name()
        )),
    }
}

/// The expression a template string stands for: the inside of a lone `${…}`, else the string.
pub fn expression_text(s: &str) -> &str {
    let t = s.trim();
    if let Some(inner) = t.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if balanced(inner) {
            return inner.trim();
        }
    }
    s
}

/// True when every `{` in `s` is closed in order (so `${a}-${b}` is not taken for one `${…}`).
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}
