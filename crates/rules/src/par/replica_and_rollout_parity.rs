use cutover_semantic::criticality::{ecs_service_criticality, workload_criticality};
use cutover_semantic::k8s::K8sIndex;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::ecs_service::{known_i64, EcsService, Known};
use lint_engine::model::{K8sObject, Model, Workload};
use lint_engine::source::{FileId, Span};
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::pair_view::{pairs, PairView};
use super::support::skip_value;

declare_rule! {
    /// ## What it does
    /// Compares the capacity and rollout settings of an ECS service with those of its Kubernetes
    /// counterpart (a Deployment, StatefulSet, ReplicaSet or Argo Rollout):
    ///
    /// - the Kubernetes floor (`replicas`, or the HorizontalPodAutoscaler's `minReplicas`) is below
    ///   the ECS floor (the `min_capacity` of the `aws_appautoscaling_target` that scales the service,
    ///   else its `desired_count`): warning, and an error when the workload is critical (see
    ///   `[criticality]`) and runs one pod where ECS ran two or more;
    /// - the ECS service keeps 100% healthy during deployments
    ///   (`deployment_minimum_healthy_percent`, 100 by default) but the Deployment may take pods down
    ///   during a rollout: `maxUnavailable` unset (25%, rounded down) or above zero, or
    ///   `strategy.type: Recreate`: warning;
    /// - an HPA scales the workload but no node autoscaler is in the inputs (no Karpenter NodePool,
    ///   cluster-autoscaler, or EKS Auto Mode): info;
    /// - the ECS deployment circuit breaker rolls back (`rollback = true`) while a Deployment never
    ///   does: info.
    ///
    /// `parity.allow-reduced-replicas = true` turns the first check off, for a strangler migration
    /// where the EKS copy deliberately takes a small share of the traffic. Values that are Terraform
    /// expressions are not compared.
    ///
    /// ## Why it matters
    /// ECS keeps `desired_count` tasks and, with the default 100% minimum healthy, never drops below it
    /// while deploying. A converted Deployment often ends up with `replicas: 1` and the default rolling
    /// update, which takes a quarter of the pods down on each rollout; an HPA without a node autoscaler
    /// creates pods that stay Pending. And where ECS rolled a failed deployment back, Kubernetes only
    /// marks it failed.
    ///
    /// ## Example
    /// The ECS side keeps three tasks:
    /// ```json
    /// {"resource": {
    ///   "aws_ecs_service": {"payments": {"name": "payments", "desired_count": 3,
    ///     "task_definition": "${aws_ecs_task_definition.payments.arn}"}},
    ///   "aws_ecs_task_definition": {"payments": {"family": "payments",
    ///     "container_definitions": "[{\"name\": \"payments\", \"image\": \"payments:1.4.2\", \"stopTimeout\": 60}]"}}
    /// }}
    /// ```
    /// The Kubernetes counterpart runs one pod:
    /// ```yaml,expect_finding,with_previous
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: payments}
    /// spec:
    ///   replicas: 1
    ///   template:
    ///     spec:
    ///       containers:
    ///         - {name: payments, image: "payments:1.4.2"}
    /// ```
    ///
    /// ## How to fix
    /// Mirror the capacity floor and keep full capacity during rollouts:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: payments}
    /// spec:
    ///   replicas: 3
    ///   strategy:
    ///     rollingUpdate: {maxUnavailable: 0, maxSurge: 100%}
    ///   template:
    ///     spec:
    ///       containers:
    ///         - {name: payments, image: "payments:1.4.2"}
    /// ```
    ///
    /// ## References
    /// - Deployments, rolling update: <https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment>
    /// - ECS deployment configuration: <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html>
    /// - ECS deployment circuit breaker: <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html>
    pub ReplicaAndRolloutParity {
        id: "PAR006",
        name: "replica-and-rollout-parity",
        severity: Warning,
        summary: "capacity floor or rollout safety of an ECS service lost on its Kubernetes counterpart",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// The capacity floor ECS keeps: the autoscaling `min_capacity` when a target scales the
/// service, else `desired_count`.
struct Floor {
    count: i64,
    what: &'static str,
    file: FileId,
    span: Span,
}

fn ecs_floor(cx: &mut RuleContext<'_, '_>, svc: &EcsService<'_, '_>) -> Option<Floor> {
    let (file, n, what) = match svc.autoscaling_target(cx.model) {
        Some(t) => (
            t.file,
            t.attr("min_capacity")?,
            "autoscaling `min_capacity`",
        ),
        None => (
            svc.resource.file,
            svc.attr("desired_count")?,
            "`desired_count`",
        ),
    };
    match known_i64(Some(n)) {
        Known::Value(count) => Some(Floor {
            count,
            what,
            file,
            span: n.span,
        }),
        Known::Unresolved => {
            let name = svc.display_name();
            let logical = format!("{}/parity/replicas", svc.resource.address);
            let what = format!("{what} of ECS service `{name}`");
            skip_value(cx, (file, n), what, "a whole number", logical);
            None
        }
        Known::Absent => None,
    }
}

/// The `spec:` key of an object (where a missing field belongs).
fn spec_key(obj: &K8sObject<'_>) -> Span {
    obj.node.member("spec").map_or(obj.anchor(), |m| m.key_span)
}

/// Whether the inputs hold a node autoscaler: a Karpenter NodePool (or v1beta/alpha
/// Provisioner), a cluster-autoscaler or Karpenter deployment, a Helm release or module of
/// either, or an EKS Auto Mode cluster.
fn has_node_autoscaler(model: &Model<'_>) -> bool {
    let named = |s: &str| s.contains("karpenter") || s.contains("cluster-autoscaler");
    if model.k8s.iter().any(|o| {
        matches!(o.kind, "NodePool" | "Provisioner") && o.api_version.starts_with("karpenter")
    }) {
        return true;
    }
    if model.workloads.iter().any(|w| {
        w.containers
            .iter()
            .any(|c| c.get("image").and_then(Node::as_str).is_some_and(named))
    }) {
        return true;
    }
    let literal = |r: &lint_engine::model::TfResource<'_>, k: &str| {
        r.attr(k).and_then(Node::literal_str).is_some_and(named)
    };
    if model
        .tf_of_type("helm_release")
        .any(|r| literal(r, "chart") || literal(r, "name"))
    {
        return true;
    }
    if model.tf_modules.iter().any(|m| m.source.is_some_and(named)) {
        return true;
    }
    model.tf_of_type("aws_eks_cluster").any(|r| {
        r.attr("compute_config")
            .into_iter()
            .flat_map(Node::blocks)
            .any(|b| b.get("enabled").and_then(Node::as_bool) == Some(true))
    })
}

/// Pods a `maxUnavailable` value takes down out of `replicas` (percentages round down).
fn unavailable(n: &Node, replicas: i64) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let p: i64 = n.as_str()?.trim().strip_suffix('%')?.trim().parse().ok()?;
    Some(replicas * p / 100)
}

impl ReplicaAndRolloutParity {
    fn replicas<'m, 'a>(
        &self,
        cx: &mut RuleContext<'m, 'a>,
        pair: &PairView<'m, 'a>,
        svc: &EcsService<'m, 'a>,
        (wi, w, obj): (usize, &Workload<'a>, &K8sObject<'a>),
        ix: &K8sIndex,
    ) {
        let model = cx.model;
        if cx.config.parity.allow_reduced_replicas {
            return;
        }
        let Some(floor) = ecs_floor(cx, svc) else {
            return;
        };
        let Some((n, hpa)) = ix.min_replicas(model, wi) else {
            return;
        };
        if n >= floor.count {
            return;
        }
        let (file, span, what) = match hpa.and_then(|h| model.k8s.get(h)) {
            Some(h) => match h.node.path(&["spec", "minReplicas"]) {
                Some(v) => (
                    h.file,
                    v.span,
                    format!(
                        "HorizontalPodAutoscaler `{}` `minReplicas`",
                        h.name.unwrap_or("?")
                    ),
                ),
                None => (
                    h.file,
                    spec_key(h),
                    format!(
                        "HorizontalPodAutoscaler `{}` (no `minReplicas`: 1)",
                        h.name.unwrap_or("?")
                    ),
                ),
            },
            None => match obj.node.path(&["spec", "replicas"]) {
                Some(v) => (obj.file, v.span, "`replicas`".to_string()),
                None => (obj.file, spec_key(obj), "no `replicas` (1)".to_string()),
            },
        };
        let ecs = pair.ecs_name();
        let mut f = cx
            .finding(file, span, format!("capacity floor shrinks on EKS: {} `{}` runs as few as {n} pod(s) ({what}) while ECS service `{ecs}` keeps {} task(s) ({})", obj.kind, obj.name.unwrap_or("?"), floor.count, floor.what))
            .with_help(format!("set `replicas` (or the HPA's `minReplicas`) to at least {}; if the EKS copy takes a small share of the traffic on purpose, set `parity.allow-reduced-replicas`", floor.count))
            .with_related(Label::new(floor.file, floor.span, format!("ECS {}", floor.what)))
            .with_logical(format!("{}/replicas", obj.logical()));
        if n <= 1 && floor.count >= 2 {
            let kc = workload_criticality(model, cx.config, w);
            let ec = ecs_service_criticality(model, cx.config, svc);
            let crit = [kc, ec].into_iter().find(|c| c.critical);
            if let Some(c) = crit {
                f = f.with_severity(Severity::Error).with_note(format!(
                    "the workload is {}: one pod is an outage on every node drain",
                    c.reason
                ));
            }
        }
        cx.emit(f);
    }

    fn rollout<'m, 'a>(
        &self,
        cx: &mut RuleContext<'m, 'a>,
        pair: &PairView<'m, 'a>,
        svc: &EcsService<'m, 'a>,
        (wi, obj): (usize, &K8sObject<'a>),
        ix: &K8sIndex,
    ) {
        if obj.kind != "Deployment" {
            return;
        }
        if let Some(n) = svc.attr("deployment_minimum_healthy_percent") {
            if known_i64(Some(n)) == Known::Unresolved {
                let what = format!(
                    "`deployment_minimum_healthy_percent` of ECS service `{}`",
                    svc.display_name()
                );
                let logical = format!("{}/parity/rollout", svc.resource.address);
                skip_value(cx, (svc.resource.file, n), what, "a whole number", logical);
                return;
            }
        }
        let Some(min) = svc.minimum_healthy_percent() else {
            return;
        };
        if min < 100 {
            return;
        }
        let Some((replicas, _)) = ix.min_replicas(cx.model, wi) else {
            return;
        };
        let strategy = obj.node.path(&["spec", "strategy"]);
        let recreate = strategy
            .and_then(|s| s.get("type"))
            .filter(|t| t.as_str() == Some("Recreate"));
        let (span, down, how) = if let Some(t) = recreate {
            (
                t.span,
                replicas,
                "`Recreate` stops every pod first".to_string(),
            )
        } else {
            let ru = strategy.and_then(|s| s.member("rollingUpdate"));
            match ru.and_then(|r| r.value.get("maxUnavailable")) {
                Some(v) => {
                    let Some(d) = unavailable(v, replicas) else {
                        return;
                    };
                    (
                        v.span,
                        d,
                        format!("`maxUnavailable` {}", v.scalar_text().unwrap_or_default()),
                    )
                }
                None => {
                    let at = ru
                        .map(|m| m.key_span)
                        .or(obj
                            .node
                            .get("spec")
                            .and_then(|s| s.member("strategy"))
                            .map(|m| m.key_span))
                        .unwrap_or(spec_key(obj));
                    (
                        at,
                        replicas * 25 / 100,
                        "`maxUnavailable` unset: 25%".to_string(),
                    )
                }
            }
        };
        if down <= 0 {
            return;
        }
        let ecs = pair.ecs_name();
        let max = known_i64(svc.attr("deployment_maximum_percent"))
            .or_default(200)
            .unwrap_or(200);
        let related = match svc.attr("deployment_minimum_healthy_percent") {
            Some(n) => Label::new(
                svc.resource.file,
                n.span,
                format!("ECS keeps {min}% healthy"),
            ),
            None => Label::new(
                svc.resource.file,
                svc.anchor(),
                "ECS keeps 100% healthy (the default)",
            ),
        };
        let f = cx
            .finding(obj.file, span, format!("rollouts of Deployment `{}` can take {down} of its {replicas} pod(s) down ({how}) while ECS service `{ecs}` never drops below {min}% healthy", obj.name.unwrap_or("?")))
            .with_help(format!("set `strategy.rollingUpdate.maxUnavailable: 0` and `maxSurge: {}%` (the ECS maximum percent minus 100)", (max - 100).max(1)))
            .with_related(related)
            .with_logical(format!("{}/maxUnavailable", obj.logical()));
        cx.emit(f);
    }

    fn hpa_without_node_autoscaler<'m, 'a>(
        &self,
        cx: &mut RuleContext<'m, 'a>,
        pair: &PairView<'m, 'a>,
        (wi, obj): (usize, &K8sObject<'a>),
        ix: &K8sIndex,
    ) {
        let model = cx.model;
        let Some(h) = ix.hpas_of(wi).first().and_then(|&h| model.k8s.get(h)) else {
            return;
        };
        let span = h
            .node
            .path(&["spec", "minReplicas"])
            .map_or(spec_key(h), |n| n.span);
        let ecs = pair.ecs_name();
        let mut f = cx
            .finding(h.file, span, format!("no node autoscaler (Karpenter NodePool, cluster-autoscaler, EKS Auto Mode) is among the inputs, but HorizontalPodAutoscaler `{}` scales {} `{}`: new pods may stay Pending", h.name.unwrap_or("?"), obj.kind, obj.name.unwrap_or("?")))
            .with_severity(Severity::Info)
            .with_help("ECS on Fargate scaled tasks alone; on EKS the nodes are a second layer: run Karpenter or cluster-autoscaler (or use EKS Auto Mode), or ignore this if it is managed elsewhere")
            .with_logical(format!("{}/node-autoscaler", obj.logical()));
        if let Some(svc) = &pair.service {
            if let Some(t) = svc.autoscaling_target(model) {
                f = f.with_related(Label::new(
                    t.file,
                    t.anchor,
                    format!("ECS service `{ecs}` autoscaling"),
                ));
            }
        }
        cx.emit(f);
    }

    fn circuit_breaker<'m, 'a>(
        &self,
        cx: &mut RuleContext<'m, 'a>,
        pair: &PairView<'m, 'a>,
        svc: &EcsService<'m, 'a>,
        obj: &K8sObject<'a>,
    ) {
        if obj.kind != "Deployment" {
            return;
        }
        let Some(rb) = svc
            .attr("deployment_circuit_breaker")
            .into_iter()
            .flat_map(Node::blocks)
            .filter_map(|b| b.get("rollback"))
            .find(|r| r.as_bool() == Some(true))
        else {
            return;
        };
        let (span, how) = match obj.node.path(&["spec", "progressDeadlineSeconds"]) {
            Some(n) => (
                n.span,
                format!(
                    "`progressDeadlineSeconds` {} only marks it failed",
                    n.scalar_text().unwrap_or_default()
                ),
            ),
            None => (
                spec_key(obj),
                "after `progressDeadlineSeconds` (600 s by default) it is only marked failed"
                    .to_string(),
            ),
        };
        let f = cx
            .finding(obj.file, span, format!("ECS service `{}` rolls a failed deployment back automatically, but Deployment `{}` does not: {how}", pair.ecs_name(), obj.name.unwrap_or("?")))
            .with_severity(Severity::Info)
            .with_help("set `progressDeadlineSeconds` and roll back from the pipeline (Argo Rollouts, a GitOps revert or `kubectl rollout undo`)")
            .with_related(Label::new(svc.resource.file, rb.span, "ECS circuit breaker rollback"))
            .with_logical(format!("{}/rollback", obj.logical()));
        cx.emit(f);
    }
}

impl Rule for ReplicaAndRolloutParity {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let ix = cx.shared::<K8sIndex>();
        let autoscaler = has_node_autoscaler(model);
        for pair in pairs(cx) {
            let Some(svc) = pair.service else { continue };
            let (w, obj) = (pair.pod, pair.object);
            if !cutover_semantic::k8s::is_replicated(obj.kind) {
                continue;
            }
            let wi = pair.workload;
            self.replicas(cx, &pair, &svc, (wi, w, obj), ix);
            self.rollout(cx, &pair, &svc, (wi, obj), ix);
            if !autoscaler {
                self.hpa_without_node_autoscaler(cx, &pair, (wi, obj), ix);
            }
            self.circuit_breaker(cx, &pair, &svc, obj);
        }
    }
}
