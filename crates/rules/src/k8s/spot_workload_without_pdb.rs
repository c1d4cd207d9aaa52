use cutover_semantic::criticality::workload_criticality;
use cutover_semantic::k8s::{is_replicated, K8sIndex};
use cutover_semantic::net::{eks_module_node_groups, EksModuleNodeGroup};
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::Workload;
use lint_engine::source::{FileId, Span};
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::support::{min_replicas_or_record, record_unknown_namespace, workload_of};

declare_rule! {
    /// ## What it does
    /// Flags a Deployment, StatefulSet, ReplicaSet or Argo Rollout whose pods can land on Spot
    /// capacity of the same repository but that has no `policy/v1` PodDisruptionBudget
    /// selecting its pods (same namespace), or runs fewer than two replicas (the HPA's
    /// `minReplicas` when one scales it). Spot capacity is a Karpenter `NodePool` whose
    /// `karpenter.sh/capacity-type` requirement allows `spot`, or a Terraform
    /// `aws_eks_node_group` with `capacity_type = "SPOT"`. The pods can land there unless a
    /// `nodeSelector` or every required node-affinity term pins on-demand capacity
    /// (`karpenter.sh/capacity-type`, or `eks.amazonaws.com/capacityType` for node groups), a
    /// `nodeSelector` value contradicts the pool's labels, or the pool has a `NoSchedule` /
    /// `NoExecute` taint the pods do not tolerate.
    ///
    /// A NodePool without any capacity-type requirement is info: which capacity Karpenter then
    /// picks is not documented as a default. DaemonSets, Jobs and CronJobs are not checked
    /// (a Job wants `karpenter.sh/do-not-disrupt` instead of a budget). A critical workload
    /// (see `[criticality]`) with one replica is an error: no budget protects a single pod.
    /// Node groups of the `terraform-aws-modules/eks` module are not read yet.
    ///
    /// ## Why it matters
    /// Fargate Spot on ECS interrupts one task at a time and the service scheduler replaces it.
    /// On EKS, Karpenter prefers Spot when a NodePool allows it, and consolidates and drains
    /// Spot nodes ahead of reclaims through the Eviction API: without a budget it may drain
    /// every replica at once, and a single replica is always an outage. A budget paces
    /// Karpenter's drains; the reclaim itself still ends the node after two minutes.
    ///
    /// ## Example
    /// ```yaml,expect_finding
    /// apiVersion: karpenter.sh/v1
    /// kind: NodePool
    /// metadata: {name: default}
    /// spec:
    ///   template:
    ///     spec:
    ///       nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
    ///       requirements:
    ///         - {key: karpenter.sh/capacity-type, operator: In, values: [spot, on-demand]}
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web}
    /// spec:
    ///   replicas: 3
    ///   selector: {matchLabels: {app: web}}
    ///   template:
    ///     metadata: {labels: {app: web}}
    ///     spec:
    ///       containers: [{name: web, image: nginx:1.27}]
    /// ```
    ///
    /// ## How to fix
    /// Add a budget and run at least two replicas, spread over nodes:
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata: {name: web}
    /// spec:
    ///   maxUnavailable: 1
    ///   selector: {matchLabels: {app: web}}
    /// ```
    /// or pin a critical workload to on-demand capacity with
    /// `nodeSelector: {karpenter.sh/capacity-type: on-demand}`.
    ///
    /// ## References
    /// - Karpenter NodePools: <https://karpenter.sh/docs/concepts/nodepools/>
    /// - Karpenter disruption: <https://karpenter.sh/docs/concepts/disruption/>
    /// - Disruptions: <https://kubernetes.io/docs/concepts/workloads/pods/disruptions/>
    pub SpotWorkloadWithoutPdb {
        id: "K8S003",
        name: "spot-workload-without-pdb",
        severity: Warning,
        summary: "workload that can run on Spot capacity without a disruption budget or a second replica",
        inputs: [K8s],
        cross_file: true,
        security: false,
    }
}

const KARPENTER_CT: &str = "karpenter.sh/capacity-type";
const EKS_CT: &str = "eks.amazonaws.com/capacityType";

/// Spot-capable capacity the pods might reach.
struct Pool<'a> {
    what: String,
    file: FileId,
    span: Span,
    /// No capacity-type requirement: Spot is possible, not certain.
    maybe: bool,
    /// The capacity-type label this pool's nodes carry, and its on-demand value.
    label: (&'static str, &'static str),
    labels: Vec<(&'a str, &'a str)>,
    taints: Vec<(Option<&'a str>, Option<&'a str>, &'a str)>,
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

fn pools<'a>(cx: &mut RuleContext<'_, 'a>, ix: &K8sIndex, obj: usize) -> Vec<Pool<'a>> {
    let model = cx.model;
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
        out.push(Pool {
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
        out.push(Pool {
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
        let Some(span) = module_group_spot(cx, &g) else {
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
        out.push(Pool {
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

/// Where a node group of the EKS module asks for Spot: `capacity_type = "SPOT"` (managed), or
/// (self-managed) `instance_market_options.market_type = "spot"` or a mixed instances policy
/// with `on_demand_percentage_above_base_capacity` below 100. A capacity type written as an
/// expression is recorded for LINT000.
fn module_group_spot(cx: &mut RuleContext<'_, '_>, g: &EksModuleNodeGroup<'_>) -> Option<Span> {
    if !g.self_managed {
        let ct = g.get("capacity_type")?;
        return match ct.as_str() {
            Some("SPOT") => Some(ct.span),
            Some(s) if s.contains("${") => {
                let what = format!("`capacity_type` of node group `{}`", g.address);
                let why = format!("`{s}` is a Terraform expression");
                cx.unresolved(g.file, ct.span, what, why).logical =
                    Some(format!("{}/capacity_type", g.address));
                None
            }
            _ => None,
        };
    }
    if let Some(m) = g
        .get("instance_market_options")
        .and_then(|o| o.get("market_type"))
        .filter(|m| m.as_str().is_some_and(|s| s.eq_ignore_ascii_case("spot")))
    {
        return Some(m.span);
    }
    let pct = g.get("mixed_instances_policy")?.path(&[
        "instances_distribution",
        "on_demand_percentage_above_base_capacity",
    ])?;
    (super::support::int_of(pct)? < 100).then_some(pct.span)
}

/// A Terraform `labels` map as (key, value) pairs (values written as literals).
fn tf_labels(n: Option<&Node>) -> Vec<(&str, &str)> {
    n.and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| m.value.as_str().map(|v| (m.key.as_str(), v)))
        .collect()
}

/// Terraform taints (`{key, value, effect = "NO_SCHEDULE"}`) as Kubernetes (key, value, effect).
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
fn can_land(spec: &Node, pool: &Pool<'_>) -> bool {
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

impl Rule for SpotWorkloadWithoutPdb {
    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        if !is_replicated(w.kind) {
            return;
        }
        let model = cx.model;
        let ix = cx.shared::<K8sIndex>();
        let Some((wi, obj)) = workload_of(model, ix, w) else {
            return;
        };
        record_unknown_namespace(cx, ix, w.object);
        let reachable: Vec<Pool<'_>> = pools(cx, ix, w.object)
            .into_iter()
            .filter(|p| can_land(w.pod_spec, p))
            .collect();
        let Some(pool) = reachable.iter().find(|p| !p.maybe).or(reachable.first()) else {
            return;
        };
        let has_pdb = ix.pdbs_of(wi).iter().any(|&p| {
            model
                .k8s
                .get(p)
                .is_some_and(|p| p.api_version == "policy/v1")
        });
        let Some((replicas, _)) = min_replicas_or_record(cx, ix, wi) else {
            return;
        };
        if has_pdb && replicas >= 2 {
            return;
        }
        let mut gaps = Vec::new();
        if !has_pdb {
            gaps.push("no `policy/v1` PodDisruptionBudget selects its pods".to_string());
        }
        if replicas < 2 {
            gaps.push(format!("it runs {replicas} replica"));
        }
        let can = if pool.maybe { "may run" } else { "can run" };
        let mut f = cx
            .finding(obj.file, obj.anchor(), format!("pods of {} `{}` {can} on Spot capacity of {} but {}: node drains and Spot reclaims can take every replica at once", obj.kind, obj.name.unwrap_or("?"), pool.what, gaps.join(" and ")))
            .with_help("add a PodDisruptionBudget (`maxUnavailable: 1`) and run at least two replicas, or pin the workload to on-demand capacity")
            .with_related(Label::new(pool.file, pool.span, if pool.maybe { "no capacity-type requirement" } else { "allows Spot" }))
            .with_logical(format!("{}/spot", obj.logical()));
        if pool.maybe {
            f = f.with_severity(Severity::Info).with_note("the NodePool sets no `karpenter.sh/capacity-type` requirement; which capacity Karpenter then picks is not documented");
        } else {
            let crit = workload_criticality(model, cx.config, w);
            if crit.critical && replicas < 2 {
                f = f.with_severity(Severity::Error).with_note(format!(
                    "the workload is {}, and no budget protects a single replica",
                    crit.reason
                ));
            }
        }
        cx.emit(f);
    }
}
