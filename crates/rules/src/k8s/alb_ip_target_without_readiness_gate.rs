use std::collections::BTreeMap;

use cutover_semantic::k8s::{K8sIndex, LbRef};
use lint_engine::declare_rule;
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::support::{describe, ip_targets};

declare_rule! {
    /// ## What it does
    /// Flags a namespace whose pods are IP-mode load-balancer targets (an Ingress with
    /// `target-type: ip`, a TargetGroupBinding with `targetType: ip`, an NLB Service with
    /// `nlb-target-type: ip`, routed through a Service that selects the pods) when its
    /// `Namespace` manifest lacks the label `elbv2.k8s.aws/pod-readiness-gate-inject: enabled`.
    /// Pods that declare `readinessGates` themselves are fine. When the `Namespace` manifest is
    /// not in the inputs (same repository), the finding is info, on the load balancer object.
    ///
    /// ## Why it matters
    /// On ECS, a rolling deployment waits for new tasks to pass the target group health check
    /// before it stops old ones. On EKS, a Deployment only waits for pod readiness: without the
    /// readiness gate the AWS Load Balancer Controller injects, a fast rollout can replace
    /// every pod while the new targets are still `initial` in the target group and the old ones
    /// `draining`, and the service has no healthy target.
    ///
    /// ## Example
    /// ```yaml,expect_finding
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata: {name: shop}
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   selector: {matchLabels: {app: web}}
    ///   template:
    ///     metadata: {labels: {app: web}}
    ///     spec:
    ///       containers: [{name: web, image: nginx:1.27}]
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   selector: {app: web}
    ///   ports: [{port: 80}]
    /// ---
    /// apiVersion: elbv2.k8s.aws/v1beta1
    /// kind: TargetGroupBinding
    /// metadata: {name: web, namespace: shop}
    /// spec:
    ///   serviceRef: {name: web, port: 80}
    ///   targetType: ip
    ///   targetGroupARN: arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef
    /// ```
    ///
    /// ## How to fix
    /// Label the namespace, make sure the AWS Load Balancer Controller webhook is installed,
    /// and recreate the pods (existing pods get no gate):
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop
    ///   labels: {elbv2.k8s.aws/pod-readiness-gate-inject: enabled}
    /// ```
    ///
    /// ## References
    /// - Pod readiness gate:
    ///   <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/pod_readiness_gate/>
    pub AlbIpTargetWithoutReadinessGate {
        id: "K8S008",
        name: "alb-ip-target-without-readiness-gate",
        severity: Warning,
        summary: "namespace of IP-mode load balancer targets without readiness gate injection, so rollouts can drop every target",
        inputs: [K8s],
        cross_file: true,
        security: false,
    }
}

const GATE_LABEL: &str = "elbv2.k8s.aws/pod-readiness-gate-inject";

impl Rule for AlbIpTargetWithoutReadinessGate {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let ix = cx.shared::<K8sIndex>();
        // (namespace, first load balancer object) → its IP references, in model order.
        let mut by_ns: BTreeMap<(String, usize), Vec<&LbRef>> = BTreeMap::new();
        for (wi, w) in model.workloads.iter().enumerate() {
            if w.pod_spec
                .get("readinessGates")
                .is_some_and(|g| !g.is_null())
            {
                continue;
            }
            for (_, r) in ip_targets(ix, wi) {
                let ns = ix.namespace(w.object).to_string();
                // Group by namespace and repository: the first object of the repository stands for it.
                let repo = model
                    .k8s
                    .iter()
                    .enumerate()
                    .position(|(i, _)| ix.same_repo(i, w.object))
                    .unwrap_or(w.object);
                let refs = by_ns.entry((ns, repo)).or_default();
                if !refs.iter().any(|x| x.object == r.object) {
                    refs.push(r);
                }
            }
        }
        for ((ns, repo), mut refs) in by_ns {
            refs.sort_by_key(|r| r.object);
            let Some(first) = refs.first() else { continue };
            let Some(lb) = model.k8s.get(first.object) else {
                continue;
            };
            let via = describe(model, first);
            let nsobj = ix
                .in_repo_of(model, repo, "Namespace")
                .find(|(_, o)| o.name == Some(ns.as_str()));
            match nsobj {
                Some((_, o)) => {
                    if o.label(GATE_LABEL) == Some("enabled") {
                        continue;
                    }
                    let at = o
                        .metadata()
                        .and_then(|m| m.member("labels"))
                        .map(|m| m.key_span)
                        .unwrap_or(o.anchor());
                    let mut f = cx
                        .finding(o.file, at, format!("namespace `{ns}` has IP-mode load balancer targets ({via}) but no `{GATE_LABEL}: enabled` label: a fast rollout can leave no healthy target"))
                        .with_help(format!("label the namespace `{GATE_LABEL}: enabled` and recreate its pods"))
                        .with_missing(format!("metadata.labels.{GATE_LABEL}"))
                        .with_logical(format!("{}/readiness-gate", o.logical()));
                    for r in &refs {
                        if let Some(x) = model.k8s.get(r.object) {
                            f = f.with_related(Label::new(
                                x.file,
                                r.mode_span.unwrap_or(x.anchor()),
                                "targets pod IPs",
                            ));
                        }
                    }
                    cx.emit(f);
                }
                None => {
                    let f = cx
                        .finding(lb.file, first.mode_span.unwrap_or(lb.anchor()), format!("load balancer {via} targets pod IPs in namespace `{ns}`, whose Namespace manifest is not in the inputs: check that it has the `{GATE_LABEL}: enabled` label"))
                        .with_severity(Severity::Info)
                        .with_help(format!("label the namespace `{GATE_LABEL}: enabled`, or lint its manifest together with the workloads"))
                        .with_logical(format!("{}/readiness-gate", lb.logical()));
                    cx.emit(f);
                }
            }
        }
    }
}
