use cutover_semantic::k8s::K8sIndex;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::support::{int_of, min_replicas_or_record, record_unknown_namespace, shown};

declare_rule! {
    /// ## What it does
    /// Flags a PodDisruptionBudget that allows no voluntary eviction at all:
    /// `maxUnavailable: 0` (or `"0%"`), `minAvailable: "100%"`, or a `minAvailable` at least as
    /// large as the replicas of a workload it selects (the HorizontalPodAutoscaler's
    /// `minReplicas` when one scales the workload; 1 when `replicas` is not written). A PDB
    /// whose selector matches no workload of the inputs (same namespace, same repository) is
    /// reported at info level. A selector that cannot be read (an unknown operator) is skipped.
    ///
    /// ## Why it matters
    /// On ECS, AWS replaces Fargate tasks and drains container instances on its own schedule.
    /// On EKS, node drains, upgrades and Karpenter consolidation evict pods through the
    /// Eviction API, which honours PDBs: a budget that allows zero disruptions blocks every
    /// drain, so node upgrades hang and Karpenter reports the node as not consolidatable, until
    /// a NodePool `terminationGracePeriod` or an expiry forcibly removes the pods anyway.
    ///
    /// ## Example
    /// ```yaml,expect_finding
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata: {name: web}
    /// spec:
    ///   maxUnavailable: 0
    ///   selector: {matchLabels: {app: web}}
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
    /// Allow one pod at a time to go, and run at least two replicas:
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata: {name: web}
    /// spec:
    ///   maxUnavailable: 1
    ///   selector: {matchLabels: {app: web}}
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
    /// A deliberate singleton can keep its budget with a suppression annotation on the PDB.
    ///
    /// ## References
    /// - Specifying a disruption budget:
    ///   <https://kubernetes.io/docs/tasks/run-application/configure-pdb/>
    /// - Karpenter disruption: <https://karpenter.sh/docs/concepts/disruption/>
    pub PdbBlocksEviction {
        id: "K8S004",
        name: "pdb-blocks-eviction",
        severity: Warning,
        summary: "pod disruption budget that allows no eviction, so node drains and consolidation hang",
        inputs: [K8s],
        cross_file: true,
        security: false,
    }
}

impl Rule for PdbBlocksEviction {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let ix = cx.shared::<K8sIndex>();
        for (pi, pdb) in model.k8s.iter().enumerate() {
            if pdb.kind != "PodDisruptionBudget" {
                continue;
            }
            let name = pdb.name.unwrap_or("?");
            let spec = pdb.node.get("spec");
            let max_u = spec.and_then(|s| s.get("maxUnavailable"));
            let min_a = spec.and_then(|s| s.get("minAvailable"));
            let logical = pdb.logical();
            if let Some(v) = max_u.filter(|v| is_zero(v)) {
                let f = cx
                    .finding(pdb.file, v.span, format!("PodDisruptionBudget `{name}` sets `maxUnavailable` to 0: no pod it selects can ever be evicted"))
                    .with_help("use `maxUnavailable: 1` (or a percentage) and run at least two replicas")
                    .with_logical(format!("{logical}/maxUnavailable"));
                cx.emit(f);
            }
            if let Some(v) = min_a.filter(|v| v.as_str().map(str::trim) == Some("100%")) {
                let f = cx
                    .finding(pdb.file, v.span, format!("PodDisruptionBudget `{name}` sets `minAvailable` to 100%: no pod it selects can ever be evicted"))
                    .with_help("use `maxUnavailable: 1` (or a percentage) and run at least two replicas")
                    .with_logical(format!("{logical}/minAvailable"));
                cx.emit(f);
            }
            record_unknown_namespace(cx, ix, pi);
            if ix.namespace_unknown(pi) {
                continue;
            }
            let Some(targets) = ix.pdb_targets(pi) else {
                continue;
            };
            if targets.is_empty() {
                let at = spec
                    .and_then(|s| s.member("selector"))
                    .map(|m| m.key_span)
                    .unwrap_or(pdb.anchor());
                let f = cx
                    .finding(pdb.file, at, format!("PodDisruptionBudget `{name}` selects no workload of namespace `{}` in the inputs", ix.namespace(pi)))
                    .with_severity(Severity::Info)
                    .with_help("check the selector against the pod template labels, or remove the stale budget")
                    .with_logical(format!("{logical}/selector"));
                cx.emit(f);
                continue;
            }
            let Some((min, v)) = min_a.and_then(|v| int_of(v).map(|n| (n, v))) else {
                // A percentage is judged above; any other value cannot be compared.
                if let Some(v) = min_a.filter(|v| !v.is_null() && !is_percent(v)) {
                    let what = format!("`minAvailable` of PodDisruptionBudget `{name}`");
                    let why = format!("{} is neither a number nor a percentage", shown(v));
                    cx.unresolved(pdb.file, v.span, what, why).logical =
                        Some(format!("{logical}/minAvailable"));
                }
                continue;
            };
            for &wi in targets {
                let Some((replicas, hpa)) = min_replicas_or_record(cx, ix, wi) else {
                    continue;
                };
                if min < replicas {
                    continue;
                }
                let Some(w) = model
                    .workloads
                    .get(wi)
                    .and_then(|w| model.k8s.get(w.object))
                else {
                    continue;
                };
                let source = match hpa.and_then(|h| model.k8s.get(h)) {
                    Some(h) => format!(
                        "HorizontalPodAutoscaler `{}` `minReplicas` {replicas}",
                        h.name.unwrap_or("?")
                    ),
                    None => format!("{replicas} replica{}", if replicas == 1 { "" } else { "s" }),
                };
                let mut f = cx
                    .finding(pdb.file, v.span, format!("PodDisruptionBudget `{name}` requires {min} available pods of {} `{}`, which runs {source}: no pod can be evicted", w.kind, w.name.unwrap_or("?")))
                    .with_help("lower `minAvailable` below the replica count (or use `maxUnavailable: 1`) and run at least two replicas")
                    .with_related(Label::new(w.file, w.anchor(), "selected workload"))
                    .with_logical(format!("{logical}/minAvailable"));
                if let Some(h) = hpa.and_then(|h| model.k8s.get(h)) {
                    f = f.with_related(Label::new(h.file, h.anchor(), "sets the minimum replicas"));
                }
                cx.emit(f);
                break;
            }
        }
    }
}

fn is_percent(v: &Node) -> bool {
    v.as_str()
        .and_then(|s| s.trim().strip_suffix('%'))
        .is_some_and(|n| n.trim().parse::<u32>().is_ok())
}

fn is_zero(v: &Node) -> bool {
    v.as_i64() == Some(0) || matches!(v.as_str().map(str::trim), Some("0" | "0%"))
}
