use cutover_semantic::criticality::workload_criticality;
use cutover_semantic::k8s::K8sIndex;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{K8sContainer, Workload};
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::nodepool_cap::{nodepool_cap, NodePoolCap};
use super::support::{
    describe, int_of, ip_targets, record_unknown_namespace, skip_grace, workload_of,
};

declare_rule! {
    /// ## What it does
    /// For pods whose IPs a load balancer targets directly, checks the shutdown sequence. A pod
    /// is such a target when a Service selecting it (same namespace and repository) is the
    /// backend of an Ingress with `alb.ingress.kubernetes.io/target-type: ip` (on the Ingress or
    /// the Service), is referenced by a TargetGroupBinding with `targetType: ip`, or is a
    /// `LoadBalancer` Service with `aws-load-balancer-nlb-target-type: ip`. Instance-mode
    /// targets are not checked, nor is a TargetGroupBinding without `targetType` (its target
    /// group decides, which the inputs do not show).
    ///
    /// - Each serving container (one that declares `ports`; every container when none does)
    ///   needs a `lifecycle.preStop` hook that sleeps (`sleep.seconds`, or an `exec` running
    ///   `sleep N`) for at least `k8s.min-prestop-seconds` (default 15). A preStop hook that is
    ///   not a sleep (`httpGet`, a script) is taken as given.
    /// - `terminationGracePeriodSeconds` (default 30) must be at least the preStop sleep plus
    ///   the drain budget, `k8s.default-drain-seconds` (default 15).
    ///
    /// - A Karpenter NodePool of the same repository whose
    ///   `spec.template.spec.terminationGracePeriod` is shorter than the preStop sleep plus the
    ///   drain budget force-deletes the pods when it drains a node, whatever their own grace
    ///   period says: reported on the pod's grace period, with the NodePool's value related.
    ///
    /// Warning; **error** when the workload is critical (see `[criticality]`).
    ///
    /// ## Why it matters
    /// On ECS, the load balancer deregisters a task before ECS stops it. On EKS, the kubelet
    /// sends SIGTERM while the AWS Load Balancer Controller is still removing the pod from the
    /// target group: the load balancer keeps sending requests to a process that is exiting, and
    /// every rollout shows 502 and 504 errors. A preStop sleep keeps the pod serving until it
    /// is deregistered; the grace period countdown starts before the hook, so it must cover the
    /// sleep and the application's own drain.
    ///
    /// ## Example
    /// ```yaml,expect_finding
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web}
    /// spec:
    ///   selector: {matchLabels: {app: web}}
    ///   template:
    ///     metadata: {labels: {app: web}}
    ///     spec:
    ///       terminationGracePeriodSeconds: 60
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    ///           ports: [{containerPort: 80}]
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    ///   annotations:
    ///     service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: ip
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: web}
    ///   ports: [{port: 80}]
    /// ```
    ///
    /// ## How to fix
    /// Sleep in a preStop hook until the target is deregistered, and give the pod time to drain
    /// after it. The `sleep` action (stable in Kubernetes 1.34, on by default from 1.30) needs
    /// no `sleep` binary in the image, unlike an `exec` hook in a distroless image:
    /// ```text
    /// terminationGracePeriodSeconds: 45
    /// containers:
    ///   - name: web
    ///     lifecycle:
    ///       preStop:
    ///         sleep: {seconds: 20}
    /// ```
    ///
    /// ## References
    /// - Pod termination: <https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination>
    /// - Container lifecycle hooks:
    ///   <https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/>
    /// - 502s with IP targets during rollouts:
    ///   <https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/1064>
    pub MissingGracefulShutdown {
        id: "K8S002",
        name: "missing-graceful-shutdown",
        severity: Warning,
        summary: "IP-mode load balancer target without a preStop sleep and a long enough grace period",
        inputs: [K8s],
        cross_file: true,
        security: false,
    }
}

/// The default `terminationGracePeriodSeconds`.
const DEFAULT_GRACE: i64 = 30;

/// What a container's preStop hook does.
pub(crate) enum PreStop<'a> {
    None,
    /// Sleeps this long; the node holding the duration.
    Sleep(i64, &'a Node),
    /// A hook whose duration the inputs do not show.
    Other,
}

pub(crate) fn prestop<'a>(c: &K8sContainer<'a>) -> PreStop<'a> {
    let Some(p) = c
        .node
        .path(&["lifecycle", "preStop"])
        .filter(|p| !p.is_null())
    else {
        return PreStop::None;
    };
    if let Some(s) = p.path(&["sleep", "seconds"]) {
        return int_of(s).map_or(PreStop::Other, |n| PreStop::Sleep(n, s));
    }
    let Some(cmd) = p.path(&["exec", "command"]).and_then(Node::as_seq) else {
        return PreStop::Other;
    };
    for part in cmd {
        let Some(text) = part.as_str() else { continue };
        let words: Vec<&str> = text.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            if w.rsplit('/').next() == Some("sleep") {
                let next = words.get(i + 1).map(|s| s.trim_end_matches([';', '&']));
                if let Some(n) = next.and_then(|s| s.parse::<i64>().ok()) {
                    return PreStop::Sleep(n, part);
                }
            }
        }
    }
    // `["sleep", "20"]` as separate elements.
    for pair in cmd.windows(2) {
        if pair[0].as_str().and_then(|s| s.rsplit('/').next()) == Some("sleep") {
            if let Some(n) = int_of(&pair[1]) {
                return PreStop::Sleep(n, &pair[1]);
            }
        }
    }
    PreStop::Other
}

impl Rule for MissingGracefulShutdown {
    // Every finding of the hooks is located in the checked resource's own files.
    fn local_hooks(&self) -> bool {
        true
    }

    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let ix = cx.shared::<K8sIndex>();
        let Some((wi, obj)) = workload_of(model, ix, w) else {
            return;
        };
        record_unknown_namespace(cx, ix, w.object);
        let targets = ip_targets(ix, wi);
        let Some((_, lb)) = targets.first() else {
            return;
        };
        let Some(lb_obj) = model.k8s.get(lb.object) else {
            return;
        };
        let via = describe(model, lb);
        let crit = workload_criticality(model, cx.config, w);
        let min_sleep = cx.config.k8s.min_prestop_seconds;
        let drain = cx.config.k8s.default_drain_seconds;
        let serving: Vec<&K8sContainer<'_>> =
            if w.containers.iter().any(|c| c.get("ports").is_some()) {
                w.containers
                    .iter()
                    .filter(|c| c.get("ports").is_some())
                    .collect()
            } else {
                w.containers.iter().collect()
            };
        let related = || {
            Label::new(
                lb_obj.file,
                lb.mode_span.unwrap_or(lb_obj.anchor()),
                "targets pod IPs",
            )
        };
        let escalate = |f: lint_engine::Finding| {
            if crit.critical {
                f.with_severity(Severity::Error)
                    .with_note(format!("the workload is {}", crit.reason))
            } else {
                f
            }
        };
        let mut longest = min_sleep;
        for c in &serving {
            let name = c.display_name();
            let logical = format!("{}/{}", obj.logical(), c.path());
            let path = format!("{}.{}", w.spec_path, c.path());
            match prestop(c) {
                PreStop::None => {
                    let f = cx
                        .finding(obj.file, c.anchor(), format!("container `{name}` is an IP target of {via} but has no preStop sleep: it gets SIGTERM while the load balancer still sends it requests"))
                        .with_help(format!("add `lifecycle.preStop.sleep.seconds: {min_sleep}` (or more) and raise `terminationGracePeriodSeconds` to at least {}", min_sleep + drain))
                        .with_missing(format!("{path}.lifecycle.preStop"))
                        .with_related(related())
                        .with_logical(format!("{logical}/preStop"));
                    cx.emit(escalate(f));
                }
                PreStop::Sleep(n, at) => {
                    longest = longest.max(n);
                    if n < min_sleep {
                        let f = cx
                            .finding(obj.file, at.span, format!("preStop of container `{name}` sleeps {n} s, less than the {min_sleep} s an IP target of {via} needs to be deregistered"))
                            .with_help(format!("sleep at least {min_sleep} s (`k8s.min-prestop-seconds`)"))
                            .with_related(related())
                            .with_logical(format!("{logical}/preStop"));
                        cx.emit(escalate(f));
                    }
                }
                PreStop::Other => {}
            }
        }
        let grace_node = w.pod_spec.get("terminationGracePeriodSeconds");
        let grace = match grace_node {
            Some(n) => match int_of(n) {
                Some(g) => g,
                None => return skip_grace(cx, obj, n),
            },
            None => DEFAULT_GRACE,
        };
        let need = longest + drain;
        if grace < need {
            let written = if grace_node.is_some() {
                ""
            } else {
                " (the default)"
            };
            let f = cx
                .finding(obj.file, grace_node.map_or(w.spec_key, |n| n.span), format!("termination grace period of {} `{}` is {grace} s{written}, less than its {longest} s preStop sleep plus the {drain} s drain budget: an IP target of {via} is killed before it drains", obj.kind, obj.name.unwrap_or("?")))
                .with_help(format!("set `terminationGracePeriodSeconds: {need}` or more"))
                .with_related(related())
                .with_logical(format!("{}/terminationGracePeriodSeconds", obj.logical()));
            cx.emit(escalate(f));
            return;
        }
        // The pod's own grace period is long enough; a Karpenter NodePool of the repository can
        // still force-delete it sooner when it drains a node.
        let Some(NodePoolCap {
            pool: np,
            value,
            seconds: cap,
        }) = nodepool_cap(cx, ix, w.object)
        else {
            return;
        };
        if cap >= need {
            return;
        }
        let f = cx
            .finding(obj.file, grace_node.map_or(w.spec_key, |n| n.span), format!("pods of {} `{}` are force-deleted {cap} s into a node drain by Karpenter NodePool `{}` (`terminationGracePeriod`), less than their {longest} s preStop sleep plus the {drain} s drain budget as an IP target of {via}", obj.kind, obj.name.unwrap_or("?"), np.name.unwrap_or("?")))
            .with_help(format!("raise the NodePool's `terminationGracePeriod` to at least {need}s, or keep these pods off that NodePool"))
            .with_related(Label::new(np.file, value.span, "cuts the pod's grace period"))
            .with_related(related())
            .with_logical(format!("{}/terminationGracePeriodSeconds", obj.logical()));
        cx.emit(escalate(f));
    }
}
