use cutover_semantic::criticality::{ecs_service_criticality, workload_criticality};
use cutover_semantic::k8s::spot::reachable_spot;
use cutover_semantic::k8s::K8sIndex;
use lint_engine::declare_rule;
use lint_engine::model::ecs_service::{EcsService, EffectiveStrategy, Known};
use lint_engine::model::{Model, StrategySource};
use lint_engine::source::{FileId, Span};
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::pair_view::pairs;

declare_rule! {
    /// ## What it does
    /// Flags a Kubernetes workload whose pods can be scheduled on Spot capacity while its ECS
    /// counterpart never ran on Spot: the service's effective capacity-provider strategy gives a share
    /// only to `FARGATE`, or it sets `launch_type = "FARGATE"`. Spot capacity is what the Spot check
    /// of the Kubernetes rules finds: a Karpenter NodePool whose `karpenter.sh/capacity-type`
    /// requirement allows `spot`, or an `aws_eks_node_group` with `capacity_type = "SPOT"`, unless a
    /// `nodeSelector`, required node affinity or an untolerated taint keeps the pods off it.
    ///
    /// Warning; error when the workload or its ECS service is critical (see `[criticality]`); info for
    /// a worker that serves no traffic, for a workload marked non-critical, and for a NodePool with no
    /// capacity-type requirement (which capacity Karpenter then picks is not documented).
    ///
    /// ## Why it matters
    /// The migration quietly adds a risk the ECS setup never had: a Spot node is reclaimed two minutes
    /// after the notice, taking every pod on it. Karpenter prefers Spot when a NodePool allows both
    /// capacity types.
    ///
    /// ## Example
    /// The ECS service runs on Fargate, on-demand only:
    /// ```json
    /// {"resource": {
    ///   "aws_ecs_service": {"api": {"name": "api", "desired_count": 2, "launch_type": "FARGATE",
    ///     "task_definition": "${aws_ecs_task_definition.api.arn}"}},
    ///   "aws_ecs_task_definition": {"api": {"family": "api",
    ///     "container_definitions": "[{\"name\": \"api\", \"image\": \"api:2.0.1\", \"stopTimeout\": 60}]"}}
    /// }}
    /// ```
    /// Its counterpart can land on a Spot NodePool:
    /// ```yaml,expect_finding,with_previous
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
    /// metadata: {name: api}
    /// spec:
    ///   replicas: 2
    ///   template:
    ///     spec:
    ///       containers: [{name: api, image: "api:2.0.1"}]
    /// ```
    ///
    /// ## How to fix
    /// Pin the pods to on-demand capacity:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: api}
    /// spec:
    ///   replicas: 2
    ///   template:
    ///     spec:
    ///       nodeSelector: {karpenter.sh/capacity-type: on-demand}
    ///       containers: [{name: api, image: "api:2.0.1"}]
    /// ```
    /// or give them an on-demand NodePool. If Spot is accepted, add a PodDisruptionBudget and a grace
    /// period that fits the two-minute notice.
    ///
    /// ## References
    /// - Karpenter NodePools: <https://karpenter.sh/docs/concepts/nodepools/>
    /// - ECS capacity providers: <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html>
    pub SpotExposureParity {
        id: "PAR007",
        name: "spot-exposure-parity",
        severity: Warning,
        summary: "workload that can run on Spot on Kubernetes while its ECS counterpart never did",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// How to make a service's capacity-provider strategy known.
const STRATEGY_HELP: &str = "add the missing Terraform (the cluster and its capacity providers) to the inputs, or lint the plan JSON (`terraform show -json`)";

/// Where the ECS service's on-demand-only placement is written.
fn fargate_only(model: &Model<'_>, svc: &EcsService<'_, '_>) -> Option<(FileId, Span)> {
    match svc.effective_strategy(model) {
        EffectiveStrategy::LaunchType(n) => {
            (n.as_str() == Some("FARGATE")).then_some((svc.resource.file, n.span))
        }
        EffectiveStrategy::Strategy { items, source } => {
            let used: Vec<_> = items
                .iter()
                .filter(|i| {
                    matches!(i.weight, Known::Value(w) if w > 0)
                        || matches!(i.base, Known::Value(b) if b > 0)
                })
                .collect();
            if used.is_empty() || !used.iter().all(|i| i.is_fargate()) {
                return None;
            }
            // Every item with a share is FARGATE; an unresolved weight could still be Spot.
            if items
                .iter()
                .any(|i| !i.is_fargate() && matches!(i.weight, Known::Unresolved))
            {
                return None;
            }
            let at = used[0].provider_span().unwrap_or(used[0].node.span);
            let file = match source {
                StrategySource::ClusterDefault(c) => c.file,
                StrategySource::Service => svc.resource.file,
            };
            Some((file, at))
        }
        _ => None,
    }
}

impl Rule for SpotExposureParity {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let ix = cx.shared::<K8sIndex>();
        for pair in pairs(cx) {
            let Some(svc) = pair.service else { continue };
            let (w, obj) = (pair.pod, pair.object);
            if matches!(obj.kind, "DaemonSet") {
                continue;
            }
            if let EffectiveStrategy::Unknown(why) = svc.effective_strategy(model) {
                if !reachable_spot(model, ix, w.object, w.pod_spec).is_empty() {
                    let what = format!(
                        "the capacity-provider strategy of ECS service `{}`",
                        svc.display_name()
                    );
                    let u = cx.unresolved(svc.resource.file, svc.anchor(), what, why);
                    u.logical = Some(format!("{}/parity/strategy", svc.resource.address));
                    u.help = Some(STRATEGY_HELP.to_string());
                }
                continue;
            }
            let Some((ecs_file, ecs_span)) = fargate_only(model, &svc) else {
                continue;
            };
            let reachable = reachable_spot(model, ix, w.object, w.pod_spec);
            let Some(pool) = reachable.first() else {
                continue;
            };
            let kc = workload_criticality(model, cx.config, w);
            let ec = ecs_service_criticality(model, cx.config, &svc);
            let explicit_non = kc.explicit == Some(false) || ec.explicit == Some(false);
            let critical = [&kc, &ec].into_iter().find(|c| c.critical);
            let (sev, note) = if explicit_non {
                (
                    Severity::Info,
                    Some(
                        "the workload is marked non-critical: Spot may be fine for it".to_string(),
                    ),
                )
            } else if pool.maybe {
                (Severity::Info, Some("the NodePool sets no `karpenter.sh/capacity-type` requirement; which capacity Karpenter then picks is not documented".to_string()))
            } else if let Some(c) = critical {
                (
                    Severity::Error,
                    Some(format!("the workload is {}", c.reason)),
                )
            } else if !kc.serves_traffic && !ec.serves_traffic {
                (
                    Severity::Info,
                    Some("a worker that serves no traffic: Spot may be fine for it".to_string()),
                )
            } else {
                (Severity::Warning, None)
            };
            let can = if pool.maybe { "may run" } else { "can run" };
            let mut f = cx
                .finding(obj.file, obj.anchor(), format!("pods of {} `{}` {can} on Spot capacity of {}, while ECS service `{}` runs on FARGATE only: the move adds interruptions ECS never had", obj.kind, obj.name.unwrap_or("?"), pool.what, svc.display_name()))
                .with_severity(sev)
                .with_help("pin the pods to on-demand capacity (`nodeSelector: {karpenter.sh/capacity-type: on-demand}`) or give them an on-demand NodePool; if Spot is accepted, add a PodDisruptionBudget and a grace period that fits the two-minute notice")
                .with_related(Label::new(pool.file, pool.span, if pool.maybe { "no capacity-type requirement" } else { "allows Spot" }))
                .with_related(Label::new(ecs_file, ecs_span, "ECS runs on FARGATE only"))
                .with_logical(format!("{}/spot-exposure", obj.logical()));
            if let Some(n) = note {
                f = f.with_note(n);
            }
            cx.emit(f);
        }
    }
}
