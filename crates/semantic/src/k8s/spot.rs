//! Spot capacity Kubernetes pods can reach (K8S003 steps 1–2, shared with the parity rules): a
//! Karpenter `NodePool` whose `karpenter.sh/capacity-type` requirement allows `spot` (or that has
//! no such requirement: Spot is then possible, not certain), or a Terraform `aws_eks_node_group`
//! with `capacity_type = "SPOT"` or a Spot node group of the terraform-aws-modules/eks module, in the same repository as the workload; and whether a pod spec
//! can land there (its `nodeSelector`, required node affinity and tolerations).

use lint_engine::doc::Node;
use lint_engine::model::Model;
use lint_engine::source::{FileId, Span};

use super::K8sIndex;
use crate::net::{eks_module_node_groups, EksModuleNodeGroup};

const KARPENTER_CT: &str = "karpenter.sh/capacity-type";
const EKS_CT: &str = "eks.amazonaws.com/capacityType";

/// Spot-capable capacity the pods might reach.
pub struct SpotPool<'a> {
    pub what: String,
    pub file: FileId,
    pub span: Span,
    /// No capacity-type requirement: Spot is possible, not certain.
    pub maybe: bool,
    /// The capacity-type label this pool's nodes carry, and its on-demand value.
    pub label: (&'static str, &'static str),
    pub labels: Vec<(&'a str, &'a str)>,
    pub taints: Vec<(Option<&'a str>, Option<&'a str>, &'a str)>,
}

fn strs(n: Option<&Node>) -> Vec<&str> {
    n.and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .collect()
}

/// Whether a capacity-type requirement allows spot: `Some(true)` yes, `Some(false)` no, `None`
/// no requirement.
fn nodepool_spot(np: &Node) -> Option<(bool, Span)> {
    let reqs = np
        .path(&["spec", "template", "spec", "requirements"])?
        .as_seq()?;
    let r = reqs
        .iter()
        .find(|r| r.get("key").and_then(Node::as_str) == Some(KARPENTER_CT))?;
    let values = strs(r.get("values"));
    let spot = values.contains(&"spot");
    let allows = match r.get("operator").and_then(Node::as_str) {
        Some("In") => spot,
        Some("NotIn") => !spot,
        Some("Exists") => true,
        _ => false,
    };
    Some((allows, r.get("values").map_or(r.span, |v| v.span)))
}

pub fn spot_pools<'a>(model: &Model<'a>, ix: &K8sIndex, obj: usize) -> Vec<SpotPool<'a>> {
    let mut out = Vec::new();
    for (_, np) in ix.in_repo_of(model, obj, "NodePool") {
        if !np.api_version.starts_with("karpenter.sh/") {
            continue;
        }
        let (maybe, span) = match nodepool_spot(np.node) {
            Some((true, span)) => (false, span),
            Some((false, _)) => continue,
            None => (true, np.anchor()),
        };
        let tmpl = np.node.path(&["spec", "template"]);
        let labels = tmpl
            .and_then(|t| t.path(&["metadata", "labels"]))
            .and_then(Node::as_map)
            .unwrap_or(&[])
            .iter()
            .filter_map(|m| m.value.as_str().map(|v| (m.key.as_str(), v)))
            .collect();
        let taints = tmpl
            .and_then(|t| t.path(&["spec", "taints"]))
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|t| {
                let effect = t.get("effect").and_then(Node::as_str)?;
                Some((
                    t.get("key").and_then(Node::as_str),
                    t.get("value").and_then(Node::as_str),
                    effect,
                ))
            })
            .collect();
        out.push(SpotPool {
            what: format!("NodePool `{}`", np.name.unwrap_or("?")),
            file: np.file,
            span,
            maybe,
            label: (KARPENTER_CT, "on-demand"),
            labels,
            taints,
        });
    }
    for ng in model.tf_of_type("aws_eks_node_group") {
        if !ix.same_repo_file(obj, ng.file) {
            continue;
        }
        let Some(ct) = ng
            .attr("capacity_type")
            .filter(|c| c.as_str() == Some("SPOT"))
        else {
            continue;
        };
        let labels = tf_labels(ng.attr("labels"));
        let taints = tf_taints(
            ng.attr("taint")
                .map(|t| t.as_seq().map_or(vec![t], |s| s.iter().collect()))
                .unwrap_or_default(),
        );
        out.push(SpotPool {
            what: format!("node group `{}`", ng.name),
            file: ng.file,
            span: ct.span,
            maybe: false,
            label: (EKS_CT, "ON_DEMAND"),
            labels,
            taints,
        });
    }
    for g in eks_module_node_groups(model) {
        if !ix.same_repo_file(obj, g.file) {
            continue;
        }
        let Some(ModuleSpot::Spot(span)) = module_group_spot(&g) else {
            continue;
        };
        // The module's `taints` is a map of `{key, value, effect}` objects.
        let taints = g
            .get("taints")
            .map(|t| match t.as_map() {
                Some(m) => m.iter().map(|e| &e.value).collect(),
                None => t.as_seq().map_or(Vec::new(), |s| s.iter().collect()),
            })
            .unwrap_or_default();
        out.push(SpotPool {
            what: format!("node group `{}`", g.address),
            file: g.file,
            span,
            maybe: false,
            label: (EKS_CT, "ON_DEMAND"),
            labels: if g.self_managed {
                Vec::new()
            } else {
                tf_labels(g.get("labels"))
            },
            taints: tf_taints(taints),
        });
    }
    out
}

/// Whether a node group of the EKS module asks for Spot.
enum ModuleSpot {
    /// Where it does.
    Spot(Span),
    /// Its managed `capacity_type` is a Terraform expression (the text).
    Unknown(Span, String),
}

/// `capacity_type = "SPOT"` (managed), or (self-managed) `instance_market_options.market_type =
/// "spot"` or a mixed instances policy with `on_demand_percentage_above_base_capacity` below 100.
fn module_group_spot(g: &EksModuleNodeGroup<'_>) -> Option<ModuleSpot> {
    if !g.self_managed {
        let ct = g.get("capacity_type")?;
        return match ct.as_str() {
            Some("SPOT") => Some(ModuleSpot::Spot(ct.span)),
            Some(s) if s.contains("${") => Some(ModuleSpot::Unknown(ct.span, s.to_string())),
            _ => None,
        };
    }
    if let Some(m) = g
        .get("instance_market_options")
        .and_then(|o| o.get("market_type"))
        .filter(|m| m.as_str().is_some_and(|s| s.eq_ignore_ascii_case("spot")))
    {
        return Some(ModuleSpot::Spot(m.span));
    }
    let pct = g.get("mixed_instances_policy")?.path(&[
        "instances_distribution",
        "on_demand_percentage_above_base_capacity",
    ])?;
    let pct_value = pct
        .as_i64()
        .or_else(|| pct.as_str().and_then(|s| s.trim().parse().ok()))?;
    (pct_value < 100).then_some(ModuleSpot::Spot(pct.span))
}

/// A node group of the EKS module, in the workload's repository, whose capacity type cannot be
/// known: `(file, span, address, expression)`, for LINT000.
pub fn unknown_module_capacity(
    model: &Model<'_>,
    ix: &K8sIndex,
    obj: usize,
) -> Vec<(FileId, Span, String, String)> {
    eks_module_node_groups(model)
        .into_iter()
        .filter(|g| ix.same_repo_file(obj, g.file))
        .filter_map(|g| match module_group_spot(&g)? {
            ModuleSpot::Unknown(span, text) => Some((g.file, span, g.address.clone(), text)),
            ModuleSpot::Spot(_) => None,
        })
        .collect()
}

fn tf_labels(n: Option<&Node>) -> Vec<(&str, &str)> {
    n.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| m.value.as_str().map(|v| (m.key.as_str(), v)))
        .collect()
}

/// Terraform taints (`NO_SCHEDULE`, …) as Kubernetes effects.
fn tf_taints(ts: Vec<&Node>) -> Vec<(Option<&str>, Option<&str>, &str)> {
    ts.into_iter()
        .filter_map(|t| {
            let effect = match t.get("effect").and_then(Node::as_str)? {
                "NO_SCHEDULE" => "NoSchedule",
                "NO_EXECUTE" => "NoExecute",
                _ => "PreferNoSchedule",
            };
            Some((
                t.get("key").and_then(Node::as_str),
                t.get("value").and_then(Node::as_str),
                effect,
            ))
        })
        .collect()
}

/// Whether the pod spec can schedule onto the pool.
pub fn can_land(spec: &Node, pool: &SpotPool<'_>) -> bool {
    let (ct_key, on_demand) = pool.label;
    // nodeSelector: pinned to on-demand, or contradicting a pool label.
    for m in spec
        .get("nodeSelector")
        .and_then(Node::as_map)
        .unwrap_or(&[])
    {
        let Some(v) = m.value.as_str() else { continue };
        if m.key == ct_key && v == on_demand {
            return false;
        }
        if pool.labels.iter().any(|(k, pv)| *k == m.key && *pv != v) {
            return false;
        }
    }
    // Required node affinity: every term must exclude spot for the pods to stay off it.
    let terms = spec
        .path(&[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ])
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    let spot_value = if ct_key == KARPENTER_CT {
        "spot"
    } else {
        "SPOT"
    };
    let term_excludes = |t: &Node| {
        t.get("matchExpressions")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter(|e| e.get("key").and_then(Node::as_str) == Some(ct_key))
            .any(|e| {
                let values = strs(e.get("values"));
                match e.get("operator").and_then(Node::as_str) {
                    Some("In") => !values.contains(&spot_value),
                    Some("NotIn") => values.contains(&spot_value),
                    Some("DoesNotExist") => true,
                    _ => false,
                }
            })
    };
    if !terms.is_empty() && terms.iter().all(term_excludes) {
        return false;
    }
    // Taints the pods must tolerate.
    let tolerations = spec
        .get("tolerations")
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    pool.taints
        .iter()
        .filter(|(_, _, effect)| matches!(*effect, "NoSchedule" | "NoExecute"))
        .all(|(key, value, effect)| {
            tolerations.iter().any(|t| {
                let tk = t.get("key").and_then(Node::as_str);
                let op = t.get("operator").and_then(Node::as_str).unwrap_or("Equal");
                let te = t.get("effect").and_then(Node::as_str);
                let key_ok = tk.is_none() && op == "Exists" || tk == *key;
                let value_ok = op == "Exists" || t.get("value").and_then(Node::as_str) == *value;
                let effect_ok = te.is_none_or(|e| e.is_empty() || e == *effect);
                key_ok && value_ok && effect_ok
            })
        })
}

/// The Spot pools a workload's pods can land on, a certain one (with a capacity-type
/// requirement) first; empty when they cannot reach Spot capacity.
pub fn reachable_spot<'a>(
    model: &Model<'a>,
    ix: &K8sIndex,
    obj: usize,
    spec: &Node,
) -> Vec<SpotPool<'a>> {
    let mut v: Vec<SpotPool<'a>> = spot_pools(model, ix, obj)
        .into_iter()
        .filter(|p| can_land(spec, p))
        .collect();
    v.sort_by_key(|p| p.maybe);
    v
}
