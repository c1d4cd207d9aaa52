//! `terraform-aws-modules/eks` module calls as subnet consumers (`.tf` and `.tf.json` alike):
//! `subnet_ids` are the node and pod subnets unless every node group and Fargate profile sets
//! its own; `control_plane_subnet_ids` are the control plane's (`subnet_ids` when absent).

use lint_engine::doc::Node;
use lint_engine::model::{Model, TfModuleCall, TfOrigin};
use lint_engine::source::Span;
use lint_engine::tfref::parse_refs;

use super::eks_groups::{defaults_input, module_group_spec, GroupInputs, ModuleGroup};
use super::refs::{collect_strings, RefPlace};
use super::*;

/// True for a `source` of the `terraform-aws-modules/eks` module (registry or git).
pub fn is_eks_module_source(source: &str) -> bool {
    let s = source.to_ascii_lowercase();
    s.contains("terraform-aws-modules/eks/") || s.contains("terraform-aws-eks")
}

/// The map inputs of the module whose entries may set their own `subnet_ids`.
const GROUP_INPUTS: &[(&str, &str)] = &[
    ("eks_managed_node_groups", "node group"),
    ("self_managed_node_groups", "node group"),
    ("fargate_profiles", "Fargate profile"),
];

impl<'a> Network<'a> {
    /// Uses of subnets by the EKS module calls of the configuration.
    pub(crate) fn eks_module_uses(&mut self, model: &Model<'a>, eval: Option<&TfEvalIndex<'a>>) {
        for mc in &model.tf_modules {
            if mc.origin != TfOrigin::Config || !mc.source.is_some_and(is_eks_module_source) {
                continue;
            }
            let ipv6 = ["cluster_ip_family", "ip_family"]
                .iter()
                .any(|k| mc.input(k).and_then(Node::as_str) == Some("ipv6"));
            let module_names = eks_module_names(mc);
            let mut module_subnets_used = false;
            let mut groups = 0usize;
            for (input, what) in GROUP_INPUTS {
                let Some(map) = mc.input(input) else { continue };
                let Some(entries) = map.as_map() else {
                    // A group map written as one expression: its groups' own subnets are not
                    // known, so they take the module's.
                    if map.as_str().is_some() {
                        module_subnets_used = true;
                    }
                    continue;
                };
                let defaults = mc.input(&defaults_input(input));
                for e in entries {
                    groups += 1;
                    if *what == "node group" {
                        let g = GroupInputs {
                            key: &e.key,
                            key_span: e.key_span,
                            entry: &e.value,
                            defaults,
                            self_managed: *input == "self_managed_node_groups",
                            ipv6,
                        };
                        let subnet_node =
                            g.get_node("subnet_ids").or_else(|| mc.input("subnet_ids"));
                        let subnets = subnet_node
                            .map(|n| self.input_hits(model, mc, n))
                            .unwrap_or_default();
                        if !subnets.is_empty() {
                            self.module_groups.push(ModuleGroup {
                                spec: module_group_spec(mc, input, &g, eval),
                                subnets,
                            });
                        }
                    }
                    let Some(own) = e.value.get("subnet_ids") else {
                        module_subnets_used = true;
                        continue;
                    };
                    let role = self.eks_module_pod_role(what, ipv6);
                    let mut names = module_names.clone();
                    names.push(e.key.to_string());
                    if let Some(n) = e.value.get("name").and_then(Node::as_str) {
                        names.push(n.to_string());
                    }
                    let label = format!("{what} `module.{}` `{input}.{}`", mc.name, e.key);
                    self.module_input_use(model, mc, own, role, &label, &names);
                }
            }
            if let Some(ids) = mc.input("subnet_ids") {
                if module_subnets_used || groups == 0 {
                    let role = self.eks_module_pod_role("node group", ipv6);
                    let label = format!("EKS module `module.{}` `subnet_ids`", mc.name);
                    self.module_input_use(model, mc, ids, role, &label, &module_names);
                }
            }
            let control = mc
                .input("control_plane_subnet_ids")
                .or_else(|| mc.input("subnet_ids"));
            if let Some(ids) = control {
                let label = format!("EKS control plane of `module.{}`", mc.name);
                self.module_input_use(model, mc, ids, Role::Cluster, &label, &module_names);
            }
        }
    }

    /// Pods take node subnet addresses unless the cluster is IPv6 or uses custom networking
    /// (node groups only: Fargate pods always use the profile's subnets).
    fn eks_module_pod_role(&self, what: &str, ipv6: bool) -> Role {
        if ipv6 || (what == "node group" && self.cni.custom_networking) {
            Role::NodesOnly
        } else {
            Role::Pods
        }
    }

    /// Record a use for every subnet a module input names, at the span of each reference.
    fn module_input_use(
        &mut self,
        model: &Model<'a>,
        mc: &TfModuleCall<'a>,
        n: &'a Node,
        role: Role,
        what: &str,
        names: &[String],
    ) {
        for (si, span) in self.input_hits(model, mc, n) {
            if let Some(list) = self.uses.get(si) {
                if list
                    .iter()
                    .any(|u| u.role == role && u.what == what && u.span == span)
                {
                    continue;
                }
            }
            self.add_use(
                si,
                SubnetUse {
                    role,
                    file: mc.file,
                    span,
                    what: what.to_string(),
                    names: names.to_vec(),
                    tf: None,
                    k8s: None,
                },
            );
        }
    }

    /// The subnets a module input names, each with the span of its first reference.
    fn input_hits(
        &self,
        model: &Model<'a>,
        mc: &TfModuleCall<'a>,
        n: &'a Node,
    ) -> Vec<(usize, Span)> {
        let place = RefPlace {
            module: "",
            origin: mc.origin,
            file: mc.file,
            dir: &mc.dir,
        };
        let mut strings = Vec::new();
        collect_strings(n, &mut strings);
        let mut hits: Vec<(usize, Span)> = Vec::new();
        for s in strings {
            let Some(text) = s.as_str() else { continue };
            let found = if let Some(indexed) = element_as_index(text) {
                self.subnets_from_refs_at(model, &place, &parse_refs(&indexed))
            } else if text.contains("${") {
                self.subnets_from_refs_at(model, &place, &parse_refs(text))
            } else if text.starts_with("subnet-") {
                self.subnets_by_id(text, Some(mc.file))
            } else {
                Vec::new()
            };
            for si in found {
                if !hits.iter().any(|(x, _)| *x == si) {
                    hits.push((si, s.span));
                }
            }
        }
        hits
    }
}

/// The module name and its cluster name (`cluster_name`, or `name` in newer versions), for the
/// production heuristic.
fn eks_module_names(mc: &TfModuleCall<'_>) -> Vec<String> {
    let mut out = vec![mc.name.to_string()];
    for k in ["cluster_name", "name"] {
        if let Some(v) = mc.input(k).and_then(Node::as_str) {
            if !v.contains("${") {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// `${element(module.vpc.private_subnets, 1)}` → `${module.vpc.private_subnets[1]}`, for a
/// literal index (Terraform wraps an index past the end; such a reference names nothing here).
fn element_as_index(text: &str) -> Option<String> {
    let inner = text
        .trim()
        .strip_prefix("${")?
        .strip_suffix('}')?
        .trim()
        .strip_prefix("element(")?
        .strip_suffix(')')?;
    let (list, index) = inner.split_once(',')?;
    let list = list.trim();
    let index: usize = index.trim().parse().ok()?;
    let ok = list.starts_with("module.")
        && list
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    ok.then(|| format!("${{{list}[{index}]}}"))
}

#[cfg(test)]
mod tests {
    use super::element_as_index;

    #[test]
    fn element_with_a_literal_index_becomes_an_index() {
        assert_eq!(
            element_as_index("${element(module.vpc.private_subnets, 1)}").as_deref(),
            Some("${module.vpc.private_subnets[1]}")
        );
        assert_eq!(
            element_as_index("${element(module.vpc.private_subnets, count.index)}"),
            None
        );
        assert_eq!(element_as_index("${element(local.ids, 0)}"), None);
        assert_eq!(element_as_index("${module.vpc.private_subnets}"), None);
    }
}
