use cutover_semantic::criticality::workload_criticality;
use cutover_semantic::k8s::K8sIndex;
use lint_engine::declare_rule;
use lint_engine::doc::{Member, Node};
use lint_engine::model::{K8sContainer, K8sObject, Model, Workload};
use lint_engine::{Label, Rule, RuleContext, Severity};

declare_rule! {
    /// ## What it does
    /// Flags containers of a Kubernetes pod template (Pod, Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, Job, CronJob, Argo Rollout) without a CPU or memory request. A container
    /// that sets a limit but no request is not flagged: Kubernetes then uses the limit as the
    /// request. Init containers are reported at info level. When no container of the pod has
    /// any request or limit, the message says the pod is BestEffort.
    ///
    /// With `k8s.require-memory-limit = true`, a container without `limits.memory` also gets an
    /// info finding.
    ///
    /// **Severity.** Warning by default. **Error** when any of these holds (the reason is given in a note):
    /// - the workload is critical (see `[criticality]`: explicit labels, namespaces and priority
    ///   classes, or by default a production workload exposed through a `LoadBalancer` Service,
    ///   an Ingress or a TargetGroupBinding);
    /// - it is the `scaleTargetRef` (kind and name, same namespace) of a
    ///   HorizontalPodAutoscaler that scales on utilization of the missing resource:
    ///   `autoscaling/v2` `metrics[].resource.target.type: Utilization` (or a
    ///   `ContainerResource` metric naming this container), the older
    ///   `targetAverageUtilization`, or `autoscaling/v1` `targetCPUUtilizationPercentage`. An HPA
    ///   without metrics defaults to 80 % CPU utilization and counts too;
    /// - a Karpenter `NodePool` (`karpenter.sh/*`) is in the inputs: Karpenter sizes nodes from
    ///   requests.
    ///
    /// These context objects (HPA, NodePool, LimitRange) count only within the workload's git
    /// repository (the nearest ancestor directory with `.git`; files outside any repository
    /// form one group): when the inputs span several checkouts, a NodePool of the platform
    /// repository does not escalate the workloads of an application repository.
    ///
    /// **Info** instead when admission fills the request in: the namespace has a `LimitRange`
    /// whose `type: Container` item sets `defaultRequest` (or `default`, which also defaults the
    /// request) for every missing resource, or the namespace is listed in
    /// `k8s.assume-limitrange-namespaces` (LimitRanges managed outside the inputs). The
    /// downgrade wins over the escalations: the pod will have requests. Init containers are
    /// always info, and so are the containers of a DaemonSet in namespace `kube-system`: a
    /// cluster add-on (the VPC CNI's `aws-node`, kube-proxy, CSI node drivers) whose manifest
    /// comes from its vendor.
    ///
    /// A `resources` (or its `requests` or `limits`) that is written but is not a mapping, for
    /// example a list, is an **error** at that key instead: the requests cannot be read, and the
    /// API server rejects the pod.
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
        cross_file: true,
        security: false,
    }
}

fn has(c: &K8sContainer<'_>, section: &str, res: &str) -> bool {
    c.node
        .path(&["resources", section, res])
        .is_some_and(|n| !n.is_null())
}

/// The first of `resources`, `resources.requests`, `resources.limits` that is written but is not
/// a mapping (Kubernetes rejects such a container): its member.
fn misshapen<'a>(c: &K8sContainer<'a>) -> Option<&'a Member> {
    let r = c.node.member("resources")?;
    let bad = |m: &Member| !m.value.is_null() && m.value.as_map().is_none();
    if bad(r) {
        return Some(r);
    }
    ["requests", "limits"]
        .into_iter()
        .filter_map(|k| r.value.member(k))
        .find(|m| bad(m))
}

/// A DaemonSet of namespace `kube-system`: a cluster add-on (the VPC CNI's `aws-node`,
/// kube-proxy, CSI drivers) that the cluster's vendor ships.
fn is_cluster_addon(w: &Workload<'_>, obj: &K8sObject<'_>) -> bool {
    w.kind == "DaemonSet" && obj.namespace == Some("kube-system")
}

fn has_any(c: &K8sContainer<'_>) -> bool {
    ["requests", "limits"]
        .iter()
        .any(|s| has(c, s, "cpu") || has(c, s, "memory"))
}

impl Rule for MissingResourceRequests {
    // Every finding of the hooks is located in the checked resource's own files.
    fn local_hooks(&self) -> bool {
        true
    }

    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        let Some(obj) = cx.model.k8s.get(w.object) else {
            return;
        };
        let ix = cx.shared::<K8sIndex>();
        let ctx = Context::of(cx.model, cx.config, ix, w, obj);
        let addon = is_cluster_addon(w, obj);
        let best_effort = !w
            .containers
            .iter()
            .chain(&w.init_containers)
            .any(|c| has_any(c) || misshapen(c).is_some());
        for c in w.containers.iter().chain(&w.init_containers) {
            if let Some(m) = misshapen(c) {
                let f = cx
                    .finding(
                        obj.file,
                        m.key_span,
                        format!(
                            "`{}` of container `{}` is not a mapping, so its requests cannot be read and Kubernetes rejects the pod",
                            m.key,
                            c.display_name()
                        ),
                    )
                    .with_severity(Severity::Error)
                    .with_help("write `resources` as a mapping: `resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {memory: 256Mi}}`")
                    .with_logical(format!("{}/{}/{}", obj.logical(), c.logical_key(), m.key));
                cx.emit(f);
                continue;
            }
            let missing: Vec<&str> = ["cpu", "memory"]
                .into_iter()
                .filter(|r| !has(c, "requests", r) && !has(c, "limits", r))
                .collect();
            let name = c.display_name();
            let path = format!("{}.{}", w.spec_path, c.path());
            let logical = format!("{}/{}", obj.logical(), c.logical_key());
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
                if best_effort && !ctx.defaults_all(&["cpu", "memory"]) {
                    f = f.with_note("no container of this pod sets any request or limit: the pod is BestEffort and is evicted first under node pressure");
                }
                if c.init {
                    f = f.with_severity(Severity::Info);
                } else if addon {
                    f = f.with_severity(Severity::Info).with_note(
                        "reported as info: a DaemonSet of `kube-system` is a cluster add-on whose manifest its vendor ships",
                    );
                } else {
                    f = ctx.apply(f, c, &missing);
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

/// A Utilization target of an HPA: the resource, and the container for `ContainerResource`.
struct HpaTarget<'a> {
    hpa: &'a K8sObject<'a>,
    resources: Vec<(String, Option<String>)>,
}

/// Resources an HPA scales on by utilization (`Utilization` targets, v2beta1
/// `targetAverageUtilization`, v1 `targetCPUUtilizationPercentage`, or the 80 % CPU default when
/// no metric is given).
fn utilization_resources(hpa: &K8sObject<'_>) -> Vec<(String, Option<String>)> {
    let Some(spec) = hpa.node.get("spec") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let metrics = spec.get("metrics").and_then(Node::as_seq).unwrap_or(&[]);
    if spec.get("targetCPUUtilizationPercentage").is_some() || metrics.is_empty() {
        out.push(("cpu".to_string(), None));
    }
    for m in metrics {
        let (holder, container) = match m.get("type").and_then(Node::as_str) {
            Some("Resource") => (m.get("resource"), None),
            Some("ContainerResource") => {
                let h = m.get("containerResource");
                (
                    h,
                    h.and_then(|h| h.get("container"))
                        .and_then(Node::as_str)
                        .map(str::to_string),
                )
            }
            _ => continue,
        };
        let Some(h) = holder else { continue };
        let utilization = h.path(&["target", "type"]).and_then(Node::as_str) == Some("Utilization")
            || h.get("targetAverageUtilization").is_some();
        if let (true, Some(r)) = (utilization, h.get("name").and_then(Node::as_str)) {
            out.push((r.to_string(), container));
        }
    }
    out
}

/// Severity changes for one workload, computed once.
struct Context<'m, 'a> {
    critical: Option<String>,
    hpas: Vec<HpaTarget<'m>>,
    nodepool: Option<&'m K8sObject<'a>>,
    /// LimitRange defaults of the namespace: (where from, resources defaulted).
    limit_range: Option<(String, Vec<String>, Option<&'m K8sObject<'a>>)>,
}

impl<'m, 'a> Context<'m, 'a> {
    fn of(
        model: &'m Model<'a>,
        cfg: &lint_engine::Config,
        ix: &K8sIndex,
        w: &Workload<'a>,
        obj: &'m K8sObject<'a>,
    ) -> Self {
        // The effective namespace (`k8s.default-namespace` for a document without one).
        let ns = ix.namespace(w.object);
        // Context objects count only within the workload's repository.
        let here = |o: &K8sObject<'a>| {
            model
                .k8s
                .iter()
                .position(|x| std::ptr::eq(x, o))
                .is_some_and(|i| ix.same_repo(i, w.object))
        };
        // …and, for HPAs and LimitRanges, within its namespace.
        let same_ns = |o: &K8sObject<'a>| {
            model
                .k8s
                .iter()
                .position(|x| std::ptr::eq(x, o))
                .is_some_and(|i| ix.joins(i, w.object))
        };
        let crit = workload_criticality(model, cfg, w);
        let hpas = model
            .k8s_of_kind("HorizontalPodAutoscaler")
            .filter(|h| same_ns(h))
            .filter(|h| {
                let r = h.node.path(&["spec", "scaleTargetRef"]);
                r.and_then(|r| r.get("kind")).and_then(Node::as_str) == Some(obj.kind)
                    && r.and_then(|r| r.get("name")).and_then(Node::as_str) == obj.name
                    && obj.name.is_some()
            })
            .map(|h| HpaTarget {
                hpa: h,
                resources: utilization_resources(h),
            })
            .filter(|t| !t.resources.is_empty())
            .collect();
        let nodepool = model
            .k8s_of_kind("NodePool")
            .find(|n| n.api_version.starts_with("karpenter.sh/") && here(n));
        let mut limit_range = None;
        for lr in model.k8s_of_kind("LimitRange").filter(|l| same_ns(l)) {
            let mut res = Vec::new();
            for item in lr
                .node
                .path(&["spec", "limits"])
                .and_then(Node::as_seq)
                .unwrap_or(&[])
            {
                if item.get("type").and_then(Node::as_str) != Some("Container") {
                    continue;
                }
                for key in ["defaultRequest", "default"] {
                    for m in item.get(key).and_then(Node::as_map).unwrap_or(&[]) {
                        if !res.iter().any(|r| *r == m.key) {
                            res.push(m.key.to_string());
                        }
                    }
                }
            }
            if !res.is_empty() {
                limit_range = Some((
                    format!(
                        "LimitRange `{}` of namespace `{ns}` defaults container requests ({})",
                        lr.name.unwrap_or("?"),
                        res.join(", ")
                    ),
                    res,
                    Some(lr),
                ));
                break;
            }
        }
        if limit_range.is_none() && cfg.k8s.assume_limitrange_namespaces.iter().any(|n| n == ns) {
            limit_range = Some((
                format!("namespace `{ns}` is listed in `k8s.assume-limitrange-namespaces`"),
                vec!["cpu".into(), "memory".into()],
                None,
            ));
        }
        Context {
            critical: crit.critical.then_some(crit.reason),
            hpas,
            nodepool,
            limit_range,
        }
    }

    /// A LimitRange (or the configuration) defaults every one of `resources`.
    fn defaults_all(&self, resources: &[&str]) -> bool {
        self.limit_range
            .as_ref()
            .is_some_and(|(_, res, _)| resources.iter().all(|m| res.iter().any(|r| r == m)))
    }

    fn apply(
        &self,
        mut f: lint_engine::Finding,
        c: &K8sContainer<'_>,
        missing: &[&str],
    ) -> lint_engine::Finding {
        if let Some((why, _, lr)) = &self.limit_range {
            if self.defaults_all(missing) {
                f = f.with_severity(Severity::Info).with_note(format!(
                    "reported as info: {why}, so admission fills in the missing request"
                ));
                if let Some(lr) = lr {
                    f = f.with_related(Label::new(lr.file, lr.anchor(), "defaults requests here"));
                }
                return f;
            }
        }
        let mut escalated = false;
        if let Some(reason) = &self.critical {
            f = f.with_note(format!("the workload is {reason}"));
            escalated = true;
        }
        for t in &self.hpas {
            let hit: Vec<&str> = t
                .resources
                .iter()
                .filter(|(r, cont)| {
                    missing.contains(&r.as_str())
                        && cont.as_deref().is_none_or(|n| Some(n) == c.name)
                })
                .map(|(r, _)| r.as_str())
                .collect();
            if let Some(r) = hit.first() {
                f = f
                    .with_note(format!(
                        "HorizontalPodAutoscaler `{}` scales this workload on {r} utilization, which is undefined without a {r} request (see K8S009)",
                        t.hpa.name.unwrap_or("?")
                    ))
                    .with_related(Label::new(
                        t.hpa.file,
                        t.hpa.anchor(),
                        format!("scales on {r} utilization"),
                    ));
                escalated = true;
                break;
            }
        }
        if let Some(np) = self.nodepool {
            f = f.with_note(format!(
                "Karpenter NodePool `{}` is in the inputs: Karpenter sizes and consolidates nodes from pod requests",
                np.name.unwrap_or("?")
            ));
            escalated = true;
        }
        if escalated {
            f = f.with_severity(Severity::Error);
        }
        f
    }
}
