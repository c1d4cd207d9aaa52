use cutover_semantic::criticality::workload_criticality;
use cutover_semantic::k8s::spot::{reachable_spot, unknown_module_capacity};
use cutover_semantic::k8s::{is_replicated, K8sIndex};
use lint_engine::declare_rule;
use lint_engine::model::Workload;
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
        for (file, span, address, text) in unknown_module_capacity(model, ix, w.object) {
            let what = format!("`capacity_type` of node group `{address}`");
            let why = format!("`{text}` is a Terraform expression");
            cx.unresolved(file, span, what, why).logical = Some(format!("{address}/capacity_type"));
        }
        let reachable = reachable_spot(model, ix, w.object, w.pod_spec);
        let Some(pool) = reachable.first() else {
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
