use cutover_semantic::k8s::K8sIndex;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{K8sContainer, Workload};
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::support::workload_of;

declare_rule! {
    /// ## What it does
    /// Flags a container that declares `ports` in a workload a Service selects (same namespace
    /// and repository) but has no `readinessProbe` (warning), or has one but no `livenessProbe`
    /// (info). A readiness probe that runs `curl` or `wget` through `exec` is info: the binary
    /// must exist in the image, and slim or distroless images have neither. Containers without
    /// `ports` (sidecars, workers), service-mesh proxies (`istio-proxy`, `linkerd-proxy`) and
    /// Jobs and CronJobs are not checked; `grpc`, `httpGet`, `tcpSocket` and `exec` probes all
    /// count as probes.
    ///
    /// ## Why it matters
    /// On ECS, a target group health check (or the container `healthCheck`) keeps a task out
    /// of the load balancer until it answers. On EKS, a Service sends traffic to a pod as soon
    /// as its containers start unless a readiness probe says otherwise: every rollout and every
    /// restart sends requests to a process that is still warming up.
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
    ///           ports: [{containerPort: 80}]
    ///           livenessProbe: {tcpSocket: {port: 80}}
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web}
    /// spec:
    ///   selector: {app: web}
    ///   ports: [{port: 80}]
    /// ```
    ///
    /// ## How to fix
    /// Add an `httpGet` readiness probe on the path the ECS container `healthCheck` or the ALB
    /// target group health check used:
    /// ```text
    /// readinessProbe:
    ///   httpGet: {path: /healthz, port: 80}
    ///   periodSeconds: 5
    /// ```
    ///
    /// ## References
    /// - Liveness, readiness and startup probes:
    ///   <https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/>
    pub MissingReadinessProbe {
        id: "K8S007",
        name: "missing-readiness-probe",
        severity: Warning,
        summary: "serving container without a readiness probe, so it gets traffic before it is ready",
        inputs: [K8s],
        cross_file: true,
        security: false,
    }
}

const MESH_PROXIES: &[&str] = &["istio-proxy", "linkerd-proxy"];

fn declares_ports(c: &K8sContainer<'_>) -> bool {
    c.get("ports")
        .and_then(Node::as_seq)
        .is_some_and(|p| !p.is_empty())
}

/// The program an `exec` probe runs, when it is `curl` or `wget`.
fn exec_http_client(probe: &Node) -> Option<&'static str> {
    let cmd = probe.path(&["exec", "command"])?.as_seq()?;
    let words: Vec<&str> = cmd
        .iter()
        .filter_map(Node::as_str)
        .flat_map(str::split_whitespace)
        .collect();
    for w in words {
        let base = w.rsplit('/').next().unwrap_or(w);
        if base == "curl" {
            return Some("curl");
        }
        if base == "wget" {
            return Some("wget");
        }
    }
    None
}

impl Rule for MissingReadinessProbe {
    // Every finding of the hooks is located in the checked resource's own files.
    fn local_hooks(&self) -> bool {
        true
    }

    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        if matches!(w.kind, "Job" | "CronJob") {
            return;
        }
        let model = cx.model;
        let ix = cx.shared::<K8sIndex>();
        let Some((wi, obj)) = workload_of(model, ix, w) else {
            return;
        };
        let Some(&svc) = ix.services_of(wi).first() else {
            return;
        };
        let Some(svc) = model.k8s.get(svc) else {
            return;
        };
        let svc_name = svc.name.unwrap_or("?");
        for c in &w.containers {
            if !declares_ports(c) || c.name.is_some_and(|n| MESH_PROXIES.contains(&n)) {
                continue;
            }
            let name = c.display_name();
            let logical = format!("{}/{}", obj.logical(), c.path());
            let path = format!("{}.{}", w.spec_path, c.path());
            let related = Label::new(svc.file, svc.anchor(), "selects these pods");
            match c.get("readinessProbe").filter(|p| !p.is_null()) {
                None => {
                    let f = cx
                        .finding(obj.file, c.anchor(), format!("container `{name}` serves Service `{svc_name}` but has no readiness probe: it gets traffic as soon as it starts"))
                        .with_help("add an `httpGet` readiness probe on the path of the ECS or target-group health check")
                        .with_missing(format!("{path}.readinessProbe"))
                        .with_related(related)
                        .with_logical(logical);
                    cx.emit(f);
                }
                Some(p) => {
                    if let Some(bin) = exec_http_client(p) {
                        let f = cx
                            .finding(obj.file, c.anchor(), format!("readiness probe of container `{name}` runs `{bin}`, which must exist in the image"))
                            .with_severity(Severity::Info)
                            .with_help("prefer an `httpGet` probe, which needs nothing in the image")
                            .with_logical(format!("{logical}/readinessProbe"));
                        cx.emit(f);
                    }
                    if c.get("livenessProbe").is_none_or(Node::is_null) {
                        let f = cx
                            .finding(obj.file, c.anchor(), format!("container `{name}` serves Service `{svc_name}` with a readiness probe but no liveness probe: a hung process is never restarted"))
                            .with_severity(Severity::Info)
                            .with_help("add a `livenessProbe` with a generous `failureThreshold`")
                            .with_missing(format!("{path}.livenessProbe"))
                            .with_logical(format!("{logical}/livenessProbe"));
                        cx.emit(f);
                    }
                }
            }
        }
    }
}
