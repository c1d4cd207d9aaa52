use lint_engine::declare_rule;
use lint_engine::doc::{Member, Node};
use lint_engine::model::ecs_service::{known_i64, Known};
use lint_engine::model::{Container, K8sContainer, K8sObject};
use lint_engine::source::FileId;
use lint_engine::{Label, Rule, RuleContext};

use super::health_values::{
    classify, command_text, Check, ECS_DEFAULT_TIMEOUT, K8S_DEFAULT_FAILURES, K8S_DEFAULT_PERIOD,
    K8S_DEFAULT_TIMEOUT,
};
use super::pair_view::{pairs, PairView};
use crate::k8s::support::{int_of, shown};

declare_rule! {
    /// ## What it does
    /// For each container of a Kubernetes workload paired with an ECS service or task
    /// definition, compares the ECS container `healthCheck` with the Kubernetes probes:
    ///
    /// - the ECS container has a `healthCheck` but the Kubernetes container has no
    ///   `readinessProbe` (the message also says when the liveness probe is missing);
    /// - a readiness or liveness probe sets no `timeoutSeconds` while the ECS check allowed more
    ///   than one second (`timeout`, 5 s by default): the Kubernetes default is 1 s;
    /// - the ECS check has a `startPeriod` (the seconds after start during which failures do
    ///   not count) but nothing on Kubernetes holds a restart off that long. A `startupProbe`
    ///   must allow `initialDelaySeconds` + `failureThreshold` × `periodSeconds` (0, 3 and 10 s
    ///   when unset) of at least `startPeriod`, since a failing startup probe restarts the
    ///   container too; without one, the liveness probe's `initialDelaySeconds` must be at least
    ///   `startPeriod`. A container with neither a startup nor a liveness probe is not reported
    ///   for this: nothing restarts it, and a readiness probe only holds traffic back;
    /// - the readiness probe's `httpGet` path or port differs from the URL the ECS command
    ///   requests (`curl -f http://localhost:8080/health`);
    /// - the readiness probe's `httpGet` path differs from the `health_check.path` of the ALB
    ///   target group the ECS service registers the container in.
    ///
    /// ECS checks that only test that the process runs (`pgrep`, `kill -0`, `exit 0`) ask for no
    /// readiness probe; `exec` and `grpc` probes are not compared with the ECS URL (a gRPC service,
    /// or a command run in the container). Values that are not literal are not compared.
    ///
    /// ## Why it matters
    /// Without a readiness probe, a pod receives traffic as soon as it starts, where ECS (and
    /// its target group) waited for the check to pass; without a liveness probe a hung process
    /// is never restarted. A probe that kept the 1 s default timeout where ECS allowed 5 s fails
    /// under load and takes healthy pods out of service. A service that needed a start period
    /// on ECS (a JVM warming up, migrations at boot) is restarted over and over by a liveness
    /// probe that starts checking too early, and never becomes ready.
    ///
    /// ## Example
    /// ```json
    /// {"family": "payments", "containerDefinitions": [
    ///   {"name": "app", "image": "payments:1", "stopTimeout": 30,
    ///    "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"],
    ///                    "interval": 15, "timeout": 5, "retries": 3}}]}
    /// ```
    /// ```yaml,expect_finding,with_previous
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: payments}
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: app
    ///           image: "payments:1"
    /// ```
    ///
    /// ## How to fix
    /// Add the mapped probes: the URL's path and port as `httpGet`, `interval` as
    /// `periodSeconds`, `timeout` as `timeoutSeconds`, `retries` as `failureThreshold`, and a
    /// `startupProbe` covering `startPeriod`:
    /// ```text
    /// readinessProbe:
    ///   httpGet: {path: /health, port: 8080}
    ///   periodSeconds: 15
    ///   timeoutSeconds: 5
    ///   failureThreshold: 3
    /// livenessProbe:
    ///   httpGet: {path: /health, port: 8080}
    ///   periodSeconds: 15
    ///   timeoutSeconds: 5
    /// startupProbe:            # startPeriod 60: 6 × 10 s
    ///   httpGet: {path: /health, port: 8080}
    ///   periodSeconds: 10
    ///   failureThreshold: 6
    /// ```
    /// Translating the command into an `exec` probe needs `curl` in the image.
    ///
    /// ## References
    /// - ECS HealthCheck: <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html>
    /// - Kubernetes probes: <https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/>
    pub HealthCheckParity {
        id: "PAR003",
        name: "health-check-parity",
        severity: Warning,
        summary: "health check of an ECS container not carried over to the Kubernetes probes",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// The ECS side of one compared container.
struct Ecs<'a> {
    file: FileId,
    /// The `command` (else the `healthCheck`) node: the related label.
    command: &'a Node,
    text: String,
    check: Check,
    health: &'a Node,
    container: String,
    owner: String,
}

impl Ecs<'_> {
    fn label(&self) -> Label {
        Label::new(
            self.file,
            self.command.span,
            format!("ECS health check `{}`", self.text),
        )
    }
}

fn owner(obj: &K8sObject<'_>) -> String {
    format!("{} `{}`", obj.kind, obj.name.unwrap_or("?"))
}

/// A probe of a Kubernetes container that is written as a mapping.
fn probe<'a>(k: &K8sContainer<'a>, key: &str) -> Option<&'a Member> {
    k.node.member(key).filter(|m| m.value.as_map().is_some())
}

/// An ECS value as written, for LINT000.
fn expr(n: &Node) -> String {
    match n.scalar_text() {
        Some(t) => format!("`{t}`"),
        None => shown(n),
    }
}

/// An integer field of a probe, its Kubernetes default when unset; `None` (recorded for
/// LINT000) when it is written but not a whole number.
fn probe_int(
    cx: &mut RuleContext<'_, '_>,
    obj: &K8sObject<'_>,
    k: &K8sContainer<'_>,
    probe: &Member,
    key: &str,
    default: i64,
) -> Option<i64> {
    let Some(n) = probe.value.get(key).filter(|n| !n.is_null()) else {
        return Some(default);
    };
    if let Some(v) = int_of(n) {
        return Some(v);
    }
    let what = format!(
        "`{}.{key}` of container `{}` of {}",
        probe.key,
        k.display_name(),
        owner(obj)
    );
    let why = format!("{} is not a whole number", shown(n));
    cx.unresolved(obj.file, n.span, what, why).logical = Some(format!(
        "{}/{}/{}/{key}",
        obj.logical(),
        k.logical_key(),
        probe.key
    ));
    None
}

impl HealthCheckParity {
    fn missing_readiness(
        &self,
        cx: &mut RuleContext<'_, '_>,
        obj: &K8sObject<'_>,
        k: &K8sContainer<'_>,
        ecs: &Ecs<'_>,
    ) {
        let liveness = if probe(k, "livenessProbe").is_some() {
            ""
        } else {
            " (and no liveness probe restarts it when it hangs)"
        };
        let f = cx
            .finding(
                obj.file,
                k.anchor(),
                format!(
                    "container `{}` of {} has no readiness probe{liveness}, while container `{}` of {} has a health check: pods receive traffic before they are ready",
                    k.display_name(),
                    owner(obj),
                    ecs.container,
                    ecs.owner
                ),
            )
            .with_missing("readinessProbe")
            .with_related(ecs.label())
            .with_help("add a `readinessProbe` (and a `livenessProbe`) mapped from the ECS health check: URL path and port as `httpGet`, `interval` as `periodSeconds`, `timeout` as `timeoutSeconds`, `retries` as `failureThreshold`")
            .with_logical(format!("{}/{}/readinessProbe", obj.logical(), k.logical_key()));
        cx.emit(f);
    }

    fn timeouts(
        &self,
        cx: &mut RuleContext<'_, '_>,
        obj: &K8sObject<'_>,
        k: &K8sContainer<'_>,
        ecs: &Ecs<'_>,
    ) {
        let timeout_node = ecs.health.get("timeout");
        let (timeout, related) = match known_i64(timeout_node) {
            Known::Absent => (
                ECS_DEFAULT_TIMEOUT,
                Label::new(
                    ecs.file,
                    ecs.command.span,
                    format!("ECS health check timeout {ECS_DEFAULT_TIMEOUT} s (the default)"),
                ),
            ),
            Known::Value(v) => match timeout_node {
                Some(n) => (
                    v,
                    Label::new(ecs.file, n.span, format!("ECS health check timeout {v} s")),
                ),
                None => return,
            },
            Known::Unresolved => return,
        };
        if timeout <= K8S_DEFAULT_TIMEOUT {
            return;
        }
        for key in ["readinessProbe", "livenessProbe"] {
            let Some(m) = probe(k, key) else { continue };
            if m.value.get("timeoutSeconds").is_some() {
                continue;
            }
            let f = cx
                .finding(
                    obj.file,
                    m.key_span,
                    format!(
                        "`{key}` of container `{}` of {} sets no `timeoutSeconds`, so it times out after {K8S_DEFAULT_TIMEOUT} s where the ECS health check of {} allowed {timeout} s: the probe fails under load",
                        k.display_name(),
                        owner(obj),
                        ecs.owner
                    ),
                )
                .with_missing(format!("{key}.timeoutSeconds"))
                .with_related(related.clone())
                .with_help(format!("set `timeoutSeconds: {timeout}` on the probe"))
                .with_logical(format!("{}/{}/{key}/timeoutSeconds", obj.logical(), k.logical_key()));
            cx.emit(f);
        }
    }

    /// The ECS `startPeriod` against what keeps Kubernetes from restarting a slow starter: a
    /// `startupProbe` that tries long enough, else the liveness probe's `initialDelaySeconds`.
    fn start_period(
        &self,
        cx: &mut RuleContext<'_, '_>,
        obj: &K8sObject<'_>,
        k: &K8sContainer<'_>,
        ecs: &Ecs<'_>,
    ) {
        let node = ecs.health.get("startPeriod");
        let (start, n) = match (known_i64(node), node) {
            (Known::Value(v), Some(n)) if v > 0 => (v, n),
            (Known::Unresolved, Some(n)) => {
                let what = format!(
                    "`healthCheck.startPeriod` of container `{}` of {}",
                    ecs.container, ecs.owner
                );
                let why = format!("{} is not a whole number of seconds", expr(n));
                cx.unresolved(ecs.file, n.span, what, why).logical =
                    Some(format!("{}/{}/startPeriod", obj.logical(), k.logical_key()));
                return;
            }
            _ => return,
        };
        let related = Label::new(ecs.file, n.span, format!("ECS start period {start} s"));
        let help = format!(
            "add a `startupProbe` whose `failureThreshold` × `periodSeconds` covers the {start} s (for example `periodSeconds: {K8S_DEFAULT_PERIOD}`, `failureThreshold: {}`), or set the liveness probe's `initialDelaySeconds: {start}`",
            (start + K8S_DEFAULT_PERIOD - 1) / K8S_DEFAULT_PERIOD
        );
        let logical = format!("{}/{}", obj.logical(), k.logical_key());
        if let Some(m) = probe(k, "startupProbe") {
            let [Some(delay), Some(period), Some(failures)] = [
                ("initialDelaySeconds", 0),
                ("periodSeconds", K8S_DEFAULT_PERIOD),
                ("failureThreshold", K8S_DEFAULT_FAILURES),
            ]
            .map(|(key, default)| probe_int(cx, obj, k, m, key, default)) else {
                return;
            };
            let budget = delay + failures * period;
            if budget >= start {
                return;
            }
            let delay_text = if delay > 0 {
                format!("{delay} s + ")
            } else {
                String::new()
            };
            let f = cx
                .finding(
                    obj.file,
                    m.key_span,
                    format!(
                        "`startupProbe` of container `{}` of {} gives up after {budget} s ({delay_text}{failures} × {period} s), less than the {start} s start period the ECS health check of {} allowed: a slow start is restarted before it is ready",
                        k.display_name(),
                        owner(obj),
                        ecs.owner
                    ),
                )
                .with_related(related)
                .with_help(help)
                .with_logical(format!("{logical}/startupProbe"));
            cx.emit(f);
            return;
        }
        // Without a liveness probe nothing restarts a slow starter (the readiness probe only
        // holds traffic back).
        let Some(m) = probe(k, "livenessProbe") else {
            return;
        };
        let Some(delay) = probe_int(cx, obj, k, m, "initialDelaySeconds", 0) else {
            return;
        };
        if delay >= start {
            return;
        }
        let at = m
            .value
            .get("initialDelaySeconds")
            .map_or(m.key_span, |d| d.span);
        let f = cx
            .finding(
                obj.file,
                at,
                format!(
                    "`livenessProbe` of container `{}` of {} starts {delay} s after the container and no `startupProbe` holds it back, within the {start} s start period the ECS health check of {} allowed: a slow start can be restarted before it is ready",
                    k.display_name(),
                    owner(obj),
                    ecs.owner
                ),
            )
            .with_missing("startupProbe")
            .with_related(related)
            .with_help(help)
            .with_logical(format!("{logical}/livenessProbe/initialDelaySeconds"));
        cx.emit(f);
    }

    /// The readiness `httpGet` against the ECS URL and the target group's health-check path.
    fn http_get(
        &self,
        cx: &mut RuleContext<'_, '_>,
        pair: &PairView<'_, '_>,
        c: &Container<'_>,
        k: &K8sContainer<'_>,
        ecs: &Ecs<'_>,
    ) {
        let obj = pair.object;
        let Some(get) = probe(k, "readinessProbe").and_then(|m| m.value.get("httpGet")) else {
            return;
        };
        let path = get.get("path").filter(|n| n.literal_str().is_some());
        let logical = format!(
            "{}/{}/readinessProbe/httpGet",
            obj.logical(),
            k.logical_key()
        );
        if let Check::Http {
            port,
            path: ecs_path,
        } = &ecs.check
        {
            if let Some(p) = path.filter(|p| p.as_str() != Some(ecs_path.as_str())) {
                let f = cx
                    .finding(
                        obj.file,
                        p.span,
                        format!(
                            "readiness probe of container `{}` of {} requests `{}`, while the ECS health check of {} requests `{ecs_path}`",
                            k.display_name(),
                            owner(obj),
                            p.as_str().unwrap_or_default(),
                            ecs.owner
                        ),
                    )
                    .with_related(ecs.label())
                    .with_help(format!("set `httpGet.path: {ecs_path}`, or change the ECS check if the new path is the right one"))
                    .with_logical(format!("{logical}/path"));
                cx.emit(f);
            }
            let k_port = get.get("port").and_then(Node::as_i64);
            if let (Some(want), Some(got), Some(n)) = (port, k_port, get.get("port")) {
                if *want != got {
                    let f = cx
                        .finding(
                            obj.file,
                            n.span,
                            format!(
                                "readiness probe of container `{}` of {} checks port {got}, while the ECS health check of {} checks port {want}",
                                k.display_name(),
                                owner(obj),
                                ecs.owner
                            ),
                        )
                        .with_related(ecs.label())
                        .with_help(format!("set `httpGet.port: {want}`"))
                        .with_logical(format!("{logical}/port"));
                    cx.emit(f);
                }
            }
        }
        let Some(p) = path else { return };
        self.target_group_path(cx, pair, c, (k, p), ecs);
    }

    fn target_group_path(
        &self,
        cx: &mut RuleContext<'_, '_>,
        pair: &PairView<'_, '_>,
        c: &Container<'_>,
        (k, p): (&K8sContainer<'_>, &Node),
        ecs: &Ecs<'_>,
    ) {
        let Some(svc) = &pair.service else { return };
        let obj = pair.object;
        let blocks: Vec<&Node> = svc
            .attr("load_balancer")
            .into_iter()
            .flat_map(Node::blocks)
            .collect();
        let single = blocks.len() == 1;
        for b in &blocks {
            let name = b.get("container_name").and_then(Node::literal_str);
            if name.is_some_and(|n| Some(n) != c.name) || (name.is_none() && !single) {
                continue;
            }
            for tg in svc.target_groups(cx.model, b, single) {
                let Some(tg_path) = tg
                    .attr("health_check")
                    .into_iter()
                    .flat_map(Node::blocks)
                    .find_map(|h| h.get("path"))
                    .filter(|n| n.literal_str().is_some())
                else {
                    continue;
                };
                let want = tg_path.as_str().unwrap_or_default();
                if p.as_str() == Some(want) {
                    continue;
                }
                let tg_name = tg
                    .attr("name")
                    .and_then(Node::literal_str)
                    .unwrap_or(tg.name);
                let f = cx
                    .finding(
                        obj.file,
                        p.span,
                        format!(
                            "readiness probe of container `{}` of {} requests `{}`, while the load balancer of {} checks `{want}` (target group `{tg_name}`)",
                            k.display_name(),
                            owner(obj),
                            p.as_str().unwrap_or_default(),
                            ecs.owner
                        ),
                    )
                    .with_related(Label::new(tg.file, tg_path.span, "ALB health check path"))
                    .with_help(format!("probe the path the load balancer checks (`{want}`), or check that both endpoints mean the same"))
                    .with_logical(format!("{}/{}/readinessProbe/httpGet/path/{}", obj.logical(), k.logical_key(), tg.address));
                cx.emit(f);
            }
        }
    }
}

impl Rule for HealthCheckParity {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        for pair in pairs(cx) {
            let obj = pair.object;
            let what = if pair.service.is_some() {
                "ECS service"
            } else {
                "ECS task definition"
            };
            for &(c, k) in &pair.containers {
                let Some(health) = c.get("healthCheck").filter(|n| n.as_map().is_some()) else {
                    continue;
                };
                let command = health.get("command");
                let Some(text) = command.and_then(command_text) else {
                    continue;
                };
                let ecs = Ecs {
                    file: c.file,
                    command: command.unwrap_or(health),
                    check: classify(&text),
                    text,
                    health,
                    container: c.display_name(),
                    owner: format!("{what} `{}`", pair.ecs_name()),
                };
                if ecs.check != Check::Process && probe(k, "readinessProbe").is_none() {
                    self.missing_readiness(cx, obj, k, &ecs);
                }
                self.timeouts(cx, obj, k, &ecs);
                self.start_period(cx, obj, k, &ecs);
                self.http_get(cx, &pair, c, k, &ecs);
            }
        }
    }
}
