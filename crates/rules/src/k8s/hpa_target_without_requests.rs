use cutover_semantic::k8s::K8sIndex;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::source::Span;
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::support::record_unknown_namespace;

declare_rule! {
    /// ## What it does
    /// Flags a HorizontalPodAutoscaler that scales on resource utilization (`autoscaling/v2`
    /// `metrics[].resource.target.type: Utilization`, the older `targetAverageUtilization`, or
    /// `autoscaling/v1` `targetCPUUtilizationPercentage`) when a container of its target has no
    /// request for that resource. The target is the `scaleTargetRef` (kind and name) in the same
    /// namespace and repository: Deployment, StatefulSet, ReplicaSet or Argo Rollout. For a
    /// `ContainerResource` metric only the named container counts. A limit without a request
    /// counts as a request (Kubernetes copies it). A target that is not in the inputs is
    /// reported at info level.
    ///
    /// ## Why it matters
    /// Utilization is usage divided by request. When a container of the pod has no request for
    /// the resource, the pod's utilization is undefined and the autoscaler takes no action for
    /// that metric: the service that autoscaled on ECS target tracking stays at its minimum
    /// replicas under load after the move.
    ///
    /// ## Example
    /// ```yaml,expect_finding
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata: {name: web}
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    ///   minReplicas: 2
    ///   maxReplicas: 10
    ///   metrics:
    ///     - type: Resource
    ///       resource:
    ///         name: cpu
    ///         target: {type: Utilization, averageUtilization: 65}
    /// ---
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
    ///           resources: {requests: {memory: 256Mi}}
    /// ```
    ///
    /// An `autoscaling/v1` autoscaler on CPU, whose StatefulSet sets only a memory limit:
    /// ```yaml,expect_finding
    /// apiVersion: autoscaling/v1
    /// kind: HorizontalPodAutoscaler
    /// metadata: {name: queue}
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: queue}
    ///   maxReplicas: 6
    ///   targetCPUUtilizationPercentage: 70
    /// ---
    /// apiVersion: apps/v1
    /// kind: StatefulSet
    /// metadata: {name: queue}
    /// spec:
    ///   serviceName: queue
    ///   selector: {matchLabels: {app: queue}}
    ///   template:
    ///     metadata: {labels: {app: queue}}
    ///     spec:
    ///       containers:
    ///         - name: queue
    ///           image: rabbitmq:3.13
    ///           resources: {limits: {memory: 1Gi}}
    /// ```
    ///
    /// Not flagged: the CPU metric has its request (a limit alone would do too), and the memory
    /// metric is an `AverageValue`, which needs no request:
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata: {name: web}
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    ///   minReplicas: 2
    ///   maxReplicas: 10
    ///   metrics:
    ///     - type: Resource
    ///       resource:
    ///         name: cpu
    ///         target: {type: Utilization, averageUtilization: 65}
    ///     - type: Resource
    ///       resource:
    ///         name: memory
    ///         target: {type: AverageValue, averageValue: 400Mi}
    /// ---
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
    ///           resources: {requests: {cpu: 250m}}
    /// ```
    ///
    /// ## How to fix
    /// Set `resources.requests.<resource>` on every container of the target, or scale on an
    /// `AverageValue` target, which needs no request.
    ///
    /// ## References
    /// - Horizontal Pod Autoscaling:
    ///   <https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/>
    pub HpaTargetWithoutRequests {
        id: "K8S009",
        name: "hpa-target-without-requests",
        severity: Error,
        summary: "autoscaler on resource utilization whose target has no request for it, so it never scales",
        inputs: [K8s],
        cross_file: true,
        security: false,
    }
}

/// One utilization metric: the resource, the span of its name, the container of a
/// `ContainerResource` metric.
struct Metric {
    resource: String,
    span: Span,
    container: Option<String>,
}

fn metrics(spec: &Node) -> Vec<Metric> {
    let mut out = Vec::new();
    if let Some(v) = spec.get("targetCPUUtilizationPercentage") {
        out.push(Metric {
            resource: "cpu".into(),
            span: v.span,
            container: None,
        });
    }
    for m in spec.get("metrics").and_then(Node::as_seq).unwrap_or(&[]) {
        let (holder, container) = match m.get("type").and_then(Node::as_str) {
            Some("Resource") => (m.get("resource"), None),
            Some("ContainerResource") => {
                let h = m.get("containerResource");
                let c = h.and_then(|h| h.get("container")).and_then(Node::as_str);
                (h, c.map(str::to_string))
            }
            _ => continue,
        };
        let Some(h) = holder else { continue };
        let utilization = h.path(&["target", "type"]).and_then(Node::as_str) == Some("Utilization")
            || h.get("targetAverageUtilization").is_some();
        if let (true, Some(n)) = (utilization, h.get("name")) {
            if let Some(r) = n.as_str() {
                out.push(Metric {
                    resource: r.to_string(),
                    span: n.span,
                    container,
                });
            }
        }
    }
    out
}

fn has_request(c: &lint_engine::model::K8sContainer<'_>, r: &str) -> bool {
    ["requests", "limits"].iter().any(|s| {
        c.node
            .path(&["resources", s, r])
            .is_some_and(|n| !n.is_null())
    })
}

impl Rule for HpaTargetWithoutRequests {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let ix = cx.shared::<K8sIndex>();
        for (hi, hpa) in model.k8s.iter().enumerate() {
            if hpa.kind != "HorizontalPodAutoscaler" {
                continue;
            }
            let Some(spec) = hpa.node.get("spec") else {
                continue;
            };
            let ms = metrics(spec);
            if ms.is_empty() {
                continue;
            }
            record_unknown_namespace(cx, ix, hi);
            if ix.namespace_unknown(hi) {
                continue;
            }
            let name = hpa.name.unwrap_or("?");
            let logical = hpa.logical();
            let Some(w) = ix.hpa_target(hi).and_then(|wi| model.workloads.get(wi)) else {
                let r = spec.get("scaleTargetRef");
                let kind = r
                    .and_then(|r| r.get("kind"))
                    .and_then(Node::as_str)
                    .unwrap_or("?");
                let tname = r.and_then(|r| r.get("name"));
                let at = tname.map_or(ms[0].span, |n| n.span);
                let f = cx
                    .finding(hpa.file, at, format!("HorizontalPodAutoscaler `{name}` scales {kind} `{}`, which is not in the inputs (namespace `{}`): its resource requests cannot be checked", tname.and_then(Node::as_str).unwrap_or("?"), ix.namespace(hi)))
                    .with_severity(Severity::Info)
                    .with_help("lint the target's manifest together with the autoscaler")
                    .with_logical(format!("{logical}/scaleTargetRef"));
                cx.emit(f);
                continue;
            };
            let Some(obj) = model.k8s.get(w.object) else {
                continue;
            };
            for m in &ms {
                let missing: Vec<_> = w
                    .containers
                    .iter()
                    .filter(|c| m.container.as_deref().is_none_or(|n| c.name == Some(n)))
                    .filter(|c| !has_request(c, &m.resource))
                    .collect();
                let Some(first) = missing.first() else {
                    continue;
                };
                let names: Vec<String> = missing
                    .iter()
                    .map(|c| format!("`{}`", c.display_name()))
                    .collect();
                let r = &m.resource;
                let f = cx
                    .finding(hpa.file, m.span, format!("HorizontalPodAutoscaler `{name}` scales on {r} utilization, but container{} {} of {} `{}` set{} no {r} request: utilization is undefined and the autoscaler does nothing", if names.len() == 1 { "" } else { "s" }, names.join(", "), obj.kind, obj.name.unwrap_or("?"), if names.len() == 1 { "s" } else { "" }))
                    .with_help(format!("set `resources.requests.{r}` on every container of the target, or use an `AverageValue` target"))
                    .with_related(Label::new(obj.file, first.anchor(), format!("no {r} request")))
                    .with_logical(format!("{logical}/metrics/{r}"));
                cx.emit(f);
            }
        }
    }
}
