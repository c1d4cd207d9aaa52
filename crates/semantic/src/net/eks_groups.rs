//! The node groups of `terraform-aws-modules/eks` module calls as IP consumers (NET002), read
//! from the module's inputs as its `node_groups.tf` passes them on:
//!
//! - `eks_managed_node_groups = { <key> = { min_size, max_size, desired_size, instance_types,
//!   subnet_ids, create } }`: `max_size` defaults to 3 and `instance_types` to the AWS default
//!   (`t3.medium`);
//! - `self_managed_node_groups`: the same, with one `instance_type` (default `m6i.large`);
//! - `eks_managed_node_group_defaults` / `self_managed_node_group_defaults` (module versions up
//!   to 20) give the values a group does not set.
//!
//! A group with `create = false` creates nothing. A value written as an expression is evaluated
//! with the shared `TfEval` fact; one that stays unknown gives an unknown demand naming the group.

use lint_engine::doc::Node;
use lint_engine::model::TfModuleCall;
use lint_engine::source::Span;
use lint_engine::tfeval::{TfEvalIndex, Val};

use super::nodes::GroupSpec;
use super::*;

/// The module's `max_size` when a group does not set it (both group kinds).
pub const MODULE_DEFAULT_MAX_SIZE: u64 = 3;
/// `instance_type` of a self-managed node group that does not set one.
pub const SELF_MANAGED_DEFAULT_INSTANCE_TYPE: &str = "m6i.large";

/// A node group of an EKS module call, with the subnets it takes nodes in.
#[derive(Debug, Clone)]
pub struct ModuleGroup {
    pub spec: Result<Option<GroupSpec>, Vec<DemandUnknown>>,
    pub subnets: Vec<(usize, Span)>,
}

/// The module input that gives defaults to the groups of `input`
/// (`eks_managed_node_groups` → `eks_managed_node_group_defaults`).
pub(crate) fn defaults_input(input: &str) -> String {
    input.trim_end_matches('s').to_string() + "_defaults"
}

/// A node group declared in a `terraform-aws-modules/eks` module call, for the rules that read
/// node groups (capacity type, labels, taints): its entry, then the module's defaults.
#[derive(Debug, Clone)]
pub struct EksModuleNodeGroup<'m> {
    /// `module.eks.eks_managed_node_groups.spot`.
    pub address: String,
    pub file: lint_engine::source::FileId,
    pub self_managed: bool,
    pub key_span: Span,
    entry: &'m Node,
    defaults: Option<&'m Node>,
}

impl<'m> EksModuleNodeGroup<'m> {
    /// The group's input, else the module's default for it.
    pub fn get(&self, k: &str) -> Option<&'m Node> {
        self.entry
            .get(k)
            .filter(|n| !n.is_null())
            .or_else(|| self.defaults.and_then(|d| d.get(k)))
            .filter(|n| !n.is_null())
    }
}

/// The node groups (managed and self-managed) of the EKS module calls of the configuration, in
/// model order. A group map written as one expression has no groups to list.
pub fn eks_module_node_groups<'a>(model: &Model<'a>) -> Vec<EksModuleNodeGroup<'a>> {
    let mut out = Vec::new();
    for mc in &model.tf_modules {
        if mc.origin != TfOrigin::Config || !mc.source.is_some_and(super::is_eks_module_source) {
            continue;
        }
        for input in ["eks_managed_node_groups", "self_managed_node_groups"] {
            let Some(entries) = mc.input(input).and_then(Node::as_map) else {
                continue;
            };
            let defaults = mc.input(&defaults_input(input));
            for e in entries {
                out.push(EksModuleNodeGroup {
                    address: format!("module.{}.{input}.{}", mc.name, e.key),
                    file: mc.file,
                    self_managed: input == "self_managed_node_groups",
                    key_span: e.key_span,
                    entry: &e.value,
                    defaults,
                });
            }
        }
    }
    out
}

/// The value of a module input node: literal, or evaluated when `eval` is given.
fn value(mc: &TfModuleCall<'_>, n: &Node, eval: Option<&TfEvalIndex<'_>>) -> Val {
    match eval {
        Some(e) => e.value_of(mc.file, n).value,
        None => Val::from_node_literal(n),
    }
}

/// The inputs of one group: its entry, then the module's defaults for that kind.
pub(crate) struct GroupInputs<'n> {
    pub key: &'n str,
    pub key_span: Span,
    pub entry: &'n Node,
    pub defaults: Option<&'n Node>,
    pub self_managed: bool,
    pub ipv6: bool,
}

impl<'n> GroupInputs<'n> {
    /// A group's input, else the module's default for it.
    pub fn get_node(&self, k: &str) -> Option<&'n Node> {
        self.get(k)
    }

    fn get(&self, k: &str) -> Option<&'n Node> {
        self.entry
            .get(k)
            .or_else(|| self.defaults.and_then(|d| d.get(k)))
    }
}

/// The node arithmetic's inputs of one module node group (`Ok(None)`: it creates nothing).
pub(crate) fn module_group_spec(
    mc: &TfModuleCall<'_>,
    input: &str,
    g: &GroupInputs<'_>,
    eval: Option<&TfEvalIndex<'_>>,
) -> Result<Option<GroupSpec>, Vec<DemandUnknown>> {
    let name = format!("module.{}.{input}.{}", mc.name, g.key);
    if let Some(c) = g.get("create") {
        if matches!(value(mc, c, eval), Val::Bool(false)) {
            return Ok(None);
        }
    }
    let (max, max_span, max_is_default) = match g.get("max_size") {
        None => (MODULE_DEFAULT_MAX_SIZE, g.key_span, true),
        Some(n) if n.is_null() => (MODULE_DEFAULT_MAX_SIZE, g.key_span, true),
        Some(n) => match value(mc, n, eval).as_i64() {
            Some(v) if v >= 0 => (v as u64, n.span, false),
            _ => {
                return Err(vec![DemandUnknown::new(
                    mc.file,
                    n.span,
                    UnknownReason::NodeGroupMaxSize { node_group: name },
                )])
            }
        },
    };
    let mut types: Vec<(String, Option<Span>)> = Vec::new();
    let types_key = if g.self_managed {
        "instance_type"
    } else {
        "instance_types"
    };
    match g.get(types_key).filter(|n| !n.is_null()) {
        None if g.self_managed => types.push((SELF_MANAGED_DEFAULT_INSTANCE_TYPE.into(), None)),
        None => types.push((DEFAULT_NODE_GROUP_INSTANCE_TYPE.into(), None)),
        Some(n) => {
            let v = value(mc, n, eval);
            let items: Vec<Val> = match v {
                Val::List(l) => l,
                Val::Str(s) if g.self_managed => vec![Val::Str(s)],
                _ => Vec::new(),
            };
            let literal_items = n.as_seq();
            for (i, it) in items.iter().enumerate() {
                let span = literal_items
                    .and_then(|l| l.get(i))
                    .map(|x| x.span)
                    .unwrap_or(n.span);
                match it.as_str() {
                    Some(t) => types.push((t.to_string(), Some(span))),
                    None => {
                        return Err(vec![DemandUnknown::new(
                            mc.file,
                            span,
                            UnknownReason::NodeGroupInstanceType {
                                node_group: name.clone(),
                            },
                        )])
                    }
                }
            }
            if types.is_empty() {
                return Err(vec![DemandUnknown::new(
                    mc.file,
                    n.span,
                    UnknownReason::NodeGroupInstanceTypes { node_group: name },
                )]);
            }
        }
    }
    Ok(Some(GroupSpec {
        file: mc.file,
        anchor: g.key_span,
        name,
        max,
        max_span,
        max_is_default,
        types,
        ipv6: g.ipv6,
        instances: 1,
        instances_span: None,
    }))
}
