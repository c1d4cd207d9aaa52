use cutover_semantic::pairing::{EcsSide, Pairing};
use lint_engine::declare_rule;
use lint_engine::{Rule, RuleContext};

declare_rule! {
    /// ## What it does
    /// Reports each ECS service that runs tasks (`desired_count` above zero, or an autoscaling
    /// minimum above zero) but has no Kubernetes counterpart among the inputs. A service pairs
    /// with a workload through `[[parity.pairs]]` in `cutover.toml`, the workload annotation
    /// `cutover.dev/ecs-service`, the same name once `ecs-`, `-service`, `-svc` and an
    /// environment suffix are removed (service name or task-definition family), or the only
    /// shared image repository. Only reported when the inputs hold Kubernetes workloads at all:
    /// an ECS-only repository is not a migration in progress. Info.
    ///
    /// ## Why it matters
    /// The parity rules (shutdown window, resources, health check, secrets, identity) compare
    /// pairs only. A service without a counterpart is either not migrated yet (expected during
    /// a gradual migration) or paired under a name cutover cannot recognise, and then none of
    /// its parity is checked.
    ///
    /// ## Example
    /// ```json
    /// {"resource": {
    ///   "aws_ecs_task_definition": {"t": {"family": "payments",
    ///     "container_definitions": "[{\"name\": \"app\", \"image\": \"nginx\"}]"}},
    ///   "aws_ecs_service": {"s": {"name": "payments", "desired_count": 2,
    ///     "task_definition": "${aws_ecs_task_definition.t.arn}"}}
    /// }}
    /// ```
    /// ```yaml,expect_finding,with_previous
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: orders}
    /// spec:
    ///   selector: {matchLabels: {app: orders}}
    ///   template:
    ///     metadata: {labels: {app: orders}}
    ///     spec:
    ///       containers: [{name: orders, image: busybox}]
    /// ```
    ///
    /// ## How to fix
    /// Nothing, if the service is not migrated yet. Otherwise name its workload explicitly:
    /// ```text
    /// [[parity.pairs]]
    /// ecs = "payments"
    /// k8s = "Deployment/shop/payments-api"
    /// ```
    /// or annotate the workload with `cutover.dev/ecs-service: payments`.
    pub NoKubernetesCounterpart {
        id: "PAR000",
        name: "no-kubernetes-counterpart",
        severity: Info,
        summary: "running ECS service with no Kubernetes counterpart among the inputs",
        inputs: [TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

impl Rule for NoKubernetesCounterpart {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        if model.workloads.is_empty() {
            return;
        }
        let pairing = cx.shared::<Pairing>();
        for side in &pairing.unpaired_ecs {
            let EcsSide::Service { .. } = side else {
                continue;
            };
            let Some(s) = side.service(model) else {
                continue;
            };
            let Some((n, from)) = s.desired_count(model) else {
                continue;
            };
            if n <= 0 {
                continue;
            }
            let name = s.display_name();
            let f = cx
                .finding(
                    s.resource.file,
                    s.anchor(),
                    format!("ECS service `{name}` runs {n} task(s) ({from}) but no Kubernetes workload of the inputs is its counterpart, so its parity was not checked"),
                )
                .with_help(format!("if it is migrated, pair it: `[[parity.pairs]]` with `ecs = \"{name}\"` in cutover.toml, or the annotation `cutover.dev/ecs-service: {name}` on its workload"))
                .with_logical(s.resource.address.clone());
            cx.emit(f);
        }
    }
}
