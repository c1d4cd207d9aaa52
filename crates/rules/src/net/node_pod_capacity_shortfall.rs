use std::collections::BTreeSet;

use cutover_semantic::k8s::{is_replicated, replicas, K8sIndex};
use cutover_semantic::net::Network;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::Model;
use lint_engine::source::{FileId, Span};
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::node_pools::{
    groups, karpenter_pool, on_fargate, pod_labels, selects, tolerates, Group, MaxPods,
};

declare_rule! {
    /// ## What it does
    /// Compares, for every EKS node group, how many pods its nodes can hold at maximum scale
    /// with how many replicas the Kubernetes workloads that can schedule on it run at most.
    ///
    /// - **Capacity** of a group = max pods per node × `max_size` − the DaemonSets that run on
    ///   it (other than `aws-node` and `kube-proxy`, which the max-pods formula already counts)
    ///   × `max_size` − the cluster's system pods (`k8s.system-pods`, 2 by default for the
    ///   CoreDNS replicas). Max pods per node is the value hard-coded in the launch template's
    ///   user data (`--max-pods`, `maxPods`) or eksctl's `maxPodsPerNode` when present; else
    ///   the `eni-max-pods` value of the *smallest* instance type of the group (EKS applies that
    ///   one to every node), or the max-pods calculator's value with prefix delegation.
    /// - **Demand** = the replicas (the HPA's `maxReplicas` when an HPA scales the workload) of
    ///   the Deployments, StatefulSets, ReplicaSets and Rollouts of the same repository whose
    ///   `nodeSelector`, required node affinity and tolerations let them onto the group.
    ///
    /// It reports an **error** when the workloads that can only run on one group need more pods
    /// than the group holds, a **warning** above 90% of it. Workloads that can run on several
    /// groups pool those groups' capacity, and a pool that is short is reported on its first
    /// group. Workloads that a Fargate profile selects, or that fit a Karpenter NodePool (whose
    /// capacity is dynamic), are left out. Node groups come from `aws_eks_node_group` and from
    /// eksctl `ClusterConfig` files; a group whose size or instance types are not known is
    /// reported at info ("cannot verify"), naming what is missing.
    ///
    /// ## Why it matters
    /// On ECS each Fargate task brings its own capacity. On EKS the pods of a node group share
    /// its nodes, and the VPC CNI limits how many pods a node runs by its network interfaces:
    /// a t3.small holds 11, a c5.large 29. When the autoscaler has reached `max_size`, further
    /// replicas stay `Pending` — at peak load, exactly when they are needed.
    ///
    /// ## Example
    /// ```yaml,expect_finding
    /// apiVersion: eksctl.io/v1alpha5
    /// kind: ClusterConfig
    /// metadata: {name: prod, region: eu-west-1}
    /// managedNodeGroups:
    ///   - name: small
    ///     instanceType: t3.small
    ///     maxSize: 1
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api}
    /// spec:
    ///   replicas: 12
    ///   selector: {matchLabels: {app: api}}
    ///   template:
    ///     metadata: {labels: {app: api}}
    ///     spec:
    ///       containers: [{name: api, image: api:1}]
    /// ```
    ///
    /// With `maxSize: 3` the group holds 3 × 11 − 2 = 31 pods and the 12 replicas fit:
    ///
    /// ```yaml
    /// apiVersion: eksctl.io/v1alpha5
    /// kind: ClusterConfig
    /// metadata: {name: prod, region: eu-west-1}
    /// managedNodeGroups:
    ///   - name: small
    ///     instanceType: t3.small
    ///     maxSize: 3
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api}
    /// spec:
    ///   replicas: 12
    ///   selector: {matchLabels: {app: api}}
    ///   template:
    ///     metadata: {labels: {app: api}}
    ///     spec:
    ///       containers: [{name: api, image: api:1}]
    /// ```
    ///
    /// ## How to fix
    /// Use larger instance types (more network interfaces, more pods per node), raise the
    /// group's `max_size`, turn on prefix delegation in the VPC CNI (and raise max pods), or let
    /// Karpenter provision the capacity.
    ///
    /// ## References
    /// - Maximum pods per instance type:
    ///   <https://github.com/awslabs/amazon-eks-ami/blob/main/nodeadm/internal/kubelet/eni-max-pods.txt>
    /// - Assign more IP addresses to nodes with prefixes:
    ///   <https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html>
    pub NodePodCapacityShortfall {
        id: "NET004",
        name: "node-pod-capacity-shortfall",
        severity: Warning,
        summary: "workloads need more pods at maximum scale than their node groups can hold",
        inputs: [TfJson, TfPlan, K8s],
        cross_file: true,
        security: false,
    }
}

/// A workload's most replicas and where that number is written.
struct Want {
    label: Label,
    replicas: u64,
    /// Indices into the groups it can run on.
    groups: Vec<usize>,
}

/// Daemonsets the max-pods formula's +2 already counts.
const HOST_DAEMONSETS: &[&str] = &["aws-node", "kube-proxy"];

fn workload_name(model: &Model<'_>, obj: usize) -> String {
    let o = &model.k8s[obj];
    format!("{} `{}`", o.kind, o.name.unwrap_or("?"))
}

/// The HPA's `maxReplicas` when one scales the workload, else `spec.replicas` (1 when absent);
/// `Err` with the place when it is not a number.
fn most_replicas(
    model: &Model<'_>,
    ix: &K8sIndex,
    wi: usize,
    obj: usize,
) -> Result<(u64, FileId, Span, &'static str), (FileId, Span)> {
    let o = &model.k8s[obj];
    if let Some(&h) = ix.hpas_of(wi).first() {
        let hpa = &model.k8s[h];
        let n = hpa.node.path(&["spec", "maxReplicas"]);
        return match n.and_then(Node::as_i64).and_then(|v| u64::try_from(v).ok()) {
            Some(v) => Ok((
                v,
                hpa.file,
                n.map_or(hpa.anchor(), |n| n.span),
                "HPA maxReplicas",
            )),
            None => Err((hpa.file, n.map_or(hpa.anchor(), |n| n.span))),
        };
    }
    let at = o.node.path(&["spec", "replicas"]);
    match replicas(o).and_then(|v| u64::try_from(v).ok()) {
        Some(v) => Ok((v, o.file, at.map_or(o.anchor(), |n| n.span), "replicas")),
        None => Err((o.file, at.map_or(o.anchor(), |n| n.span))),
    }
}

/// Pods per node other DaemonSets of the group's repository take on it.
fn daemonsets_on(model: &Model<'_>, ix: &K8sIndex, g: &Group) -> Vec<String> {
    model
        .workloads
        .iter()
        .filter(|w| w.kind == "DaemonSet" && ix.same_repo_file(w.object, g.file))
        .filter(|w| {
            let name = model.k8s[w.object].name.unwrap_or("");
            !HOST_DAEMONSETS.contains(&name)
        })
        .filter(|w| selects(w.pod_spec, &g.labels, &|_| false) && tolerates(w.pod_spec, &g.taints))
        .map(|w| workload_name(model, w.object))
        .collect()
}

/// Pods a set of groups holds for workloads, with an explanation.
fn capacity(groups: &[&Group], ds: &[Vec<String>], system: u64) -> (i64, String) {
    let mut total: i64 = 0;
    let mut parts = Vec::new();
    for (g, d) in groups.iter().zip(ds) {
        let Ok((per, how)) = &g.max_pods else {
            continue;
        };
        let per_node = i64::try_from(*per).unwrap_or(i64::MAX);
        let nodes = i64::try_from(g.max_size).unwrap_or(i64::MAX);
        let ds_n = i64::try_from(d.len()).unwrap_or(i64::MAX);
        total = total.saturating_add(per_node.saturating_sub(ds_n).saturating_mul(nodes));
        let src = match how {
            MaxPods::Table(t) => format!("{t}: {per} pods per node"),
            MaxPods::Explicit(..) => format!("max pods {per} set explicitly"),
        };
        let ds_text = if d.is_empty() {
            String::new()
        } else {
            format!(" − {} DaemonSet pod(s) per node", d.len())
        };
        parts.push(format!(
            "{} ({src}{ds_text}) × {} node(s)",
            g.name, g.max_size
        ));
    }
    let total = total.saturating_sub(i64::try_from(system).unwrap_or(i64::MAX));
    (
        total,
        format!("{} − {system} system pod(s)", parts.join(" + ")),
    )
}

impl Rule for NodePodCapacityShortfall {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let net = cx.shared::<Network>();
        let ix = cx.shared::<K8sIndex>();
        let groups = groups(model, net);
        if groups.is_empty() {
            return;
        }
        let system = cx.config.k8s.system_pods;
        let mut wants: Vec<Want> = Vec::new();
        let mut unknown_replicas: Vec<(usize, Label)> = Vec::new();
        for (wi, w) in model.workloads.iter().enumerate() {
            if !is_replicated(w.kind) {
                continue;
            }
            let fits: Vec<usize> = groups
                .iter()
                .enumerate()
                .filter(|(_, g)| ix.same_repo_file(w.object, g.file))
                .filter(|(_, g)| {
                    selects(w.pod_spec, &g.labels, &|_| false) && tolerates(w.pod_spec, &g.taints)
                })
                .map(|(i, _)| i)
                .collect();
            if fits.is_empty()
                || on_fargate(model, ix, w.object, &pod_labels(w.pod_labels))
                || karpenter_pool(model, ix, w.object, w.pod_spec).is_some()
            {
                continue;
            }
            let name = workload_name(model, w.object);
            match most_replicas(model, ix, wi, w.object) {
                Ok((n, file, span, what)) => wants.push(Want {
                    label: Label::new(file, span, format!("{name}: {n} ({what})")),
                    replicas: n,
                    groups: fits,
                }),
                Err((file, span)) => {
                    for g in fits {
                        unknown_replicas.push((
                            g,
                            Label::new(file, span, format!("{name}: replicas not a number")),
                        ));
                    }
                }
            }
        }
        // Groups whose capacity is unknown while workloads can run on them.
        for (gi, g) in groups.iter().enumerate() {
            if let Err(why) = &g.max_pods {
                if wants.iter().any(|w| w.groups.contains(&gi)) {
                    let f = cx
                        .finding(
                            g.file,
                            g.span,
                            format!("cannot verify the pod capacity of {}: {why}", g.name),
                        )
                        .with_severity(Severity::Info)
                        .with_logical(format!("{}/pods", g.name));
                    cx.emit(f);
                }
            }
        }
        let ds: Vec<Vec<String>> = groups.iter().map(|g| daemonsets_on(model, ix, g)).collect();
        // Pools: groups linked by workloads that can run on several of them.
        let mut pool: Vec<usize> = (0..groups.len()).collect();
        fn root(p: &mut [usize], mut i: usize) -> usize {
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        for w in &wants {
            for pair in w.groups.windows(2) {
                let (a, b) = (root(&mut pool, pair[0]), root(&mut pool, pair[1]));
                pool[a.max(b)] = a.min(b);
            }
        }
        let mut reported = BTreeSet::new();
        let check = |members: &[usize], only_pinned: bool| {
            let set: BTreeSet<usize> = members.iter().copied().collect();
            let chosen: Vec<&Want> = wants
                .iter()
                .filter(|w| {
                    if only_pinned {
                        w.groups.len() == 1 && set.contains(&w.groups[0])
                    } else {
                        w.groups.iter().all(|g| set.contains(g))
                    }
                })
                .collect();
            let demand: u64 = chosen.iter().map(|w| w.replicas).sum();
            let gs: Vec<&Group> = members.iter().map(|&i| &groups[i]).collect();
            let dss: Vec<Vec<String>> = members.iter().map(|&i| ds[i].clone()).collect();
            let (cap, how) = capacity(&gs, &dss, system);
            (chosen, demand, cap, how)
        };
        let mut findings = Vec::new();
        let mut roots: Vec<usize> = Vec::new();
        for gi in 0..groups.len() {
            let r = root(&mut pool, gi);
            if !roots.contains(&r) {
                roots.push(r);
            }
        }
        for r in roots {
            let members: Vec<usize> = (0..groups.len())
                .filter(|&i| root(&mut pool, i) == r)
                .collect();
            if members.iter().any(|&i| groups[i].max_pods.is_err()) {
                continue;
            }
            let mut runs: Vec<(Vec<usize>, bool)> =
                members.iter().map(|&i| (vec![i], true)).collect();
            if members.len() > 1 {
                runs.push((members.clone(), false));
            }
            for (set, pinned) in runs {
                if !pinned && set.iter().any(|i| reported.contains(i)) {
                    continue;
                }
                let (chosen, demand, cap, how) = check(&set, pinned);
                if chosen.is_empty() {
                    continue;
                }
                let demand_i = i64::try_from(demand).unwrap_or(i64::MAX);
                let severity = if demand_i > cap {
                    Severity::Error
                } else if demand_i.saturating_mul(10) > cap.saturating_mul(9) {
                    Severity::Warning
                } else {
                    continue;
                };
                let first = &groups[set[0]];
                let subject = if pinned {
                    format!("the workloads that can only run on {}", first.name)
                } else {
                    let names: Vec<&str> = set.iter().map(|&i| groups[i].name.as_str()).collect();
                    format!("the workloads that can run on {}", names.join(", "))
                };
                let verb = if severity == Severity::Error {
                    "more than"
                } else {
                    "over 90% of"
                };
                let mut f = cx
                    .finding(
                        first.file,
                        first.span,
                        format!("{subject} need up to {demand} pods at maximum scale, {verb} the {cap} the nodes hold"),
                    )
                    .with_severity(severity)
                    .with_note(format!("capacity: {how}"))
                    .with_help("use larger instance types, raise `max_size`, turn on prefix delegation, or let Karpenter provision the nodes")
                    .with_logical(format!("{}/pods", first.name));
                for w in &chosen {
                    f = f.with_related(w.label.clone());
                }
                for &i in &set[1..] {
                    let g = &groups[i];
                    f = f.with_related(Label::new(g.file, g.span, g.name.clone()));
                }
                for &i in &set {
                    if let Ok((n, MaxPods::Explicit(file, span))) = &groups[i].max_pods {
                        let msg = format!("max pods {n} of {}", groups[i].name);
                        f = f.with_related(Label::new(*file, *span, msg));
                    }
                }
                if let Some(&i) = set.first() {
                    for (g, l) in &unknown_replicas {
                        if *g == i {
                            f = f.with_related(l.clone());
                        }
                    }
                }
                if pinned {
                    reported.insert(set[0]);
                }
                findings.push(f);
            }
        }
        for f in findings {
            cx.emit(f);
        }
        // Unknown replicas on a group with no finding: the check is incomplete there.
        let mut said = BTreeSet::new();
        for (g, l) in unknown_replicas {
            if reported.contains(&g) || !said.insert((g, l.span.start)) {
                continue;
            }
            let group = &groups[g];
            let f = cx
                .finding(
                    l.file,
                    l.span,
                    format!(
                        "cannot verify the pod capacity of {}: {}",
                        group.name, l.message
                    ),
                )
                .with_severity(Severity::Info)
                .with_related(Label::new(group.file, group.span, group.name.clone()))
                .with_logical(format!("{}/pods", group.name));
            cx.emit(f);
        }
    }
}
