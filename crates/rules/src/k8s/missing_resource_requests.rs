use lint_engine::declare_rule;
use lint_engine::model::{K8sContainer, Workload};
use lint_engine::{Rule, RuleContext, RuleMeta, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers of a Kubernetes pod template (Pod, Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, Job, CronJob, Argo Rollout) without a CPU or memory request. A container
    /// that sets a limit but no request is not flagged: Kubernetes then uses the limit as the
    /// request. Init containers are reported at info level. When no container of the pod has
    /// any request or limit, the message says the pod is BestEffort.
    ///
    /// With `k8s.require_memory_limit = true`, a container without `limits.memory` also gets an
    /// info finding.
    ///
    /// ## Why it matters
    /// On ECS, Fargate sizes each task from its task-level `cpu` and `memory`. On EKS the
    /// scheduler places pods by their requests, and Karpenter and the cluster autoscaler size
    /// nodes from them. A pod without requests is packed onto nodes as if it needed nothing,
    /// competes for CPU under load, and is evicted first (BestEffort) when a node runs short of
    /// memory: a service that was stable on Fargate becomes flaky after the move.
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
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    /// ```
    ///
    /// No finding: limits without requests default the requests.
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata: {name: web}
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    ///       resources:
    ///         limits: {cpu: 500m, memory: 256Mi}
    /// ```
    ///
    /// ## How to fix
    /// Set `resources.requests.cpu` and `resources.requests.memory` from observed usage, or from
    /// the ECS task you are migrating: `cpu` units / 1024 cores (`512` → `500m`), and
    /// `memoryReservation` (or `memory`) MiB → `Mi`.
    ///
    /// ## References
    /// - Resource management for pods and containers:
    ///   <https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/>
    /// - Pod quality of service classes:
    ///   <https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/>
    pub MissingResourceRequests {
        id: "K8S001",
        name: "missing-resource-requests",
        severity: Warning,
        summary: "container without CPU or memory requests, so it is scheduled and evicted blind",
        inputs: [K8s],
        cross_file: false,
        security: false,
    }
}

fn has(c: &K8sContainer<'_>, section: &str, res: &str) -> bool {
    c.node
        .path(&["resources", section, res])
        .is_some_and(|n| !n.is_null())
}

fn has_any(c: &K8sContainer<'_>) -> bool {
    ["requests", "limits"]
        .iter()
        .any(|s| has(c, s, "cpu") || has(c, s, "memory"))
}

impl Rule for MissingResourceRequests {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        let obj = &cx.model.k8s[w.object];
        let best_effort = !w.containers.iter().chain(&w.init_containers).any(has_any);
        for c in w.containers.iter().chain(&w.init_containers) {
            let missing: Vec<&str> = ["cpu", "memory"]
                .into_iter()
                .filter(|r| !has(c, "requests", r) && !has(c, "limits", r))
                .collect();
            let name = c.display_name();
            let path = format!("{}.{}", w.spec_path, c.path());
            let logical = format!("{}/{}", obj.logical(), c.path());
            if !missing.is_empty() {
                let requests_key = c
                    .node
                    .get("resources")
                    .and_then(|r| r.member("requests"))
                    .map(|m| m.key_span);
                let what = match missing.as_slice() {
                    [one] => format!("no {one} request"),
                    _ => "no CPU or memory request".to_string(),
                };
                let kind = if c.init {
                    "init container"
                } else {
                    "container"
                };
                let mut f = cx
                    .finding(obj.file, requests_key.unwrap_or(c.anchor()), format!("{kind} `{name}` has {what}"))
                    .with_missing(format!("{path}.resources.requests.{}", missing[0]))
                    .with_help("set `resources.requests.cpu` and `resources.requests.memory` from observed usage or the ECS task size")
                    .with_logical(logical.clone());
                if best_effort {
                    f = f.with_note("no container of this pod sets any request or limit: the pod is BestEffort and is evicted first under node pressure");
                }
                if c.init {
                    f = f.with_severity(Severity::Info);
                }
                cx.emit(f);
            }
            if cx.config.k8s.require_memory_limit && !c.init && !has(c, "limits", "memory") {
                let at = c
                    .node
                    .get("resources")
                    .and_then(|r| r.member("limits"))
                    .map(|m| m.key_span)
                    .unwrap_or(c.anchor());
                let f = cx
                    .finding(obj.file, at, format!("container `{name}` has no memory limit"))
                    .with_severity(Severity::Info)
                    .with_missing(format!("{path}.resources.limits.memory"))
                    .with_help("set `resources.limits.memory` so a leak is OOM-killed in its own container")
                    .with_logical(format!("{logical}/limits.memory"));
                cx.emit(f);
            }
        }
    }
}
