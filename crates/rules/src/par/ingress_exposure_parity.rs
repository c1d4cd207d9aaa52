use cutover_semantic::k8s::{K8sIndex, Via};
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::ecs_service::EcsService;
use lint_engine::model::{K8sObject, Model, TfResource, Workload};
use lint_engine::source::Span;
use lint_engine::tfref::parse_refs;
use lint_engine::{Label, Rule, RuleContext};

use super::pair_view::pairs;
use super::support::skip_value;

declare_rule! {
    /// ## What it does
    /// Checks that a Kubernetes workload whose ECS counterpart sits behind an Application Load
    /// Balancer (a `load_balancer` block into an `aws_lb_target_group` with protocol `HTTP` or
    /// `HTTPS`) is still reached by one:
    ///
    /// - an Ingress or a TargetGroupBinding must reach a Service whose `targetPort` is the ECS
    ///   `container_port` (a named `targetPort` is looked up in the container's `ports`); another port
    ///   is a warning;
    /// - a workload exposed only by `type: LoadBalancer` Services gets a layer-4 load balancer instead:
    ///   warning;
    /// - nothing routing to it at all is a warning too.
    ///
    /// Services behind a Network Load Balancer on ECS (a `TCP`, `TLS` or `UDP` target group) are not
    /// checked: a `type: LoadBalancer` Service is their natural counterpart.
    ///
    /// ## Why it matters
    /// With the AWS Load Balancer Controller (2.5 or later) a `type: LoadBalancer` Service becomes an
    /// NLB; without it the legacy provider makes a Classic Load Balancer. Either way the host and
    /// path rules, the weighted target groups and the HTTP health checks of the ALB are lost. A wrong
    /// `targetPort` sends traffic to a port the container does not listen on.
    ///
    /// ## Example
    /// The ECS service receives ALB traffic on port 8080:
    /// ```json
    /// {"resource": {
    ///   "aws_ecs_service": {"web": {"name": "web", "desired_count": 2,
    ///     "task_definition": "${aws_ecs_task_definition.web.arn}",
    ///     "load_balancer": [{"target_group_arn": "${aws_lb_target_group.web.arn}",
    ///       "container_name": "web", "container_port": 8080}]}},
    ///   "aws_lb_target_group": {"web": {"name": "web", "port": 8080, "protocol": "HTTP",
    ///     "target_type": "ip", "vpc_id": "vpc-0123456789abcdef0"}},
    ///   "aws_ecs_task_definition": {"web": {"family": "web",
    ///     "container_definitions": "[{\"name\": \"web\", \"image\": \"web:3.2.0\", \"stopTimeout\": 60}]"}}
    /// }}
    /// ```
    /// Its counterpart is exposed by a `type: LoadBalancer` Service only:
    /// ```yaml,expect_finding,with_previous
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web}
    /// spec:
    ///   replicas: 2
    ///   selector: {matchLabels: {app: web}}
    ///   template:
    ///     metadata: {labels: {app: web}}
    ///     spec:
    ///       containers: [{name: web, image: "web:3.2.0"}]
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: web}
    /// spec:
    ///   type: LoadBalancer
    ///   selector: {app: web}
    ///   ports: [{port: 80, targetPort: 8080}]
    /// ```
    ///
    /// ## How to fix
    /// Route through an Ingress of the ALB class:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata: {name: web}
    /// spec:
    ///   ingressClassName: alb
    ///   defaultBackend: {service: {name: web, port: {number: 80}}}
    /// ```
    /// or bind the existing ALB target group with a TargetGroupBinding, which lets both platforms serve
    /// during the cutover.
    ///
    /// ## References
    /// - AWS Load Balancer Controller: <https://docs.aws.amazon.com/eks/latest/userguide/aws-load-balancer-controller.html>
    /// - TargetGroupBinding: <https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/targetgroupbinding/targetgroupbinding/>
    pub IngressExposureParity {
        id: "PAR009",
        name: "ingress-exposure-parity",
        severity: Warning,
        summary: "workload that loses the Application Load Balancer its ECS counterpart sits behind",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// One ECS `load_balancer` block into an Application Load Balancer target group.
struct AlbTarget<'a> {
    block: &'a Node,
    port: i64,
}

/// What the target group's protocol says about its load balancer: `Some(true)` ALB
/// (HTTP/HTTPS), `Some(false)` NLB or GWLB, `None` not known.
fn is_alb(tg: &TfResource<'_>) -> Option<bool> {
    let p = tg.attr("protocol").and_then(Node::literal_str)?;
    Some(matches!(p.to_ascii_uppercase().as_str(), "HTTP" | "HTTPS"))
}

fn alb_targets<'a>(model: &Model<'a>, svc: &EcsService<'_, 'a>) -> Vec<AlbTarget<'a>> {
    let r = svc.resource;
    let blocks: Vec<&'a Node> = svc
        .attr("load_balancer")
        .into_iter()
        .flat_map(Node::blocks)
        .collect();
    let mut out = Vec::new();
    for b in &blocks {
        let Some(port) = b.get("container_port").and_then(Node::as_i64) else {
            continue;
        };
        let mut refs = b
            .get("target_group_arn")
            .and_then(Node::as_str)
            .map(parse_refs)
            .unwrap_or_default();
        if refs.is_empty() && blocks.len() == 1 {
            refs = r.resource_refs_at(&["load_balancer", "target_group_arn"]);
        }
        let alb = refs
            .iter()
            .filter(|rf| {
                rf.address.starts_with("aws_lb_target_group.")
                    || rf.address.starts_with("aws_alb_target_group.")
            })
            .find_map(|rf| model.resolve_tf(r, &rf.address))
            .and_then(is_alb);
        if alb == Some(true) {
            out.push(AlbTarget { block: b, port });
        }
    }
    out
}

/// The container port a Service `targetPort` means (a number, or a named container port of
/// the workload); `None` when it cannot be told.
fn target_port(port: &Node, w: &Workload<'_>) -> Option<i64> {
    let t = port.get("targetPort").or_else(|| port.get("port"))?;
    if let Some(n) = t.as_i64() {
        return Some(n);
    }
    let name = t.as_str()?;
    w.containers.iter().find_map(|c| {
        c.get("ports")?
            .as_seq()?
            .iter()
            .find(|p| p.get("name").and_then(Node::as_str) == Some(name))?
            .get("containerPort")?
            .as_i64()
    })
}

/// What is wrong on the Kubernetes side, with where.
enum Gap {
    /// Ingress/TargetGroupBinding reaches a Service none of whose ports targets P.
    Port {
        file: lint_engine::source::FileId,
        span: Span,
        service: String,
        got: Vec<i64>,
    },
    /// Only `type: LoadBalancer` Services: a layer-4 load balancer.
    L4 {
        file: lint_engine::source::FileId,
        span: Span,
        service: String,
    },
    /// Nothing routes HTTP traffic to it.
    Nothing {
        file: lint_engine::source::FileId,
        span: Span,
    },
}

fn gap(
    model: &Model<'_>,
    ix: &K8sIndex,
    wi: usize,
    w: &Workload<'_>,
    obj: &K8sObject<'_>,
    port: i64,
) -> Option<Gap> {
    let targets = ix.lb_targets(wi);
    let l7: Vec<usize> = targets
        .iter()
        .filter(|(_, r)| matches!(r.via, Via::Ingress | Via::TargetGroupBinding))
        .map(|(s, _)| *s)
        .collect();
    if !l7.is_empty() {
        let mut first = None;
        for &s in &l7 {
            let Some(so) = model.k8s.get(s) else { continue };
            let ports = so
                .node
                .path(&["spec", "ports"])
                .and_then(Node::as_seq)
                .unwrap_or(&[]);
            let got: Vec<Option<i64>> = ports.iter().map(|p| target_port(p, w)).collect();
            if got.iter().any(|g| *g == Some(port) || g.is_none()) || ports.is_empty() {
                return None;
            }
            if first.is_none() {
                let span = ports
                    .first()
                    .and_then(|p| p.get("targetPort").or_else(|| p.get("port")))
                    .map_or(so.anchor(), |n| n.span);
                first = Some(Gap::Port {
                    file: so.file,
                    span,
                    service: so.name.unwrap_or("?").to_string(),
                    got: got.into_iter().flatten().collect(),
                });
            }
        }
        return first;
    }
    if let Some(so) = targets
        .iter()
        .filter(|(_, r)| r.via == Via::LoadBalancerService)
        .find_map(|(s, _)| model.k8s.get(*s))
    {
        let span = so
            .node
            .path(&["spec", "type"])
            .map_or(so.anchor(), |n| n.span);
        return Some(Gap::L4 {
            file: so.file,
            span,
            service: so.name.unwrap_or("?").to_string(),
        });
    }
    let at = ix
        .services_of(wi)
        .iter()
        .find_map(|&s| model.k8s.get(s))
        .map(|so| {
            (
                so.file,
                so.node
                    .path(&["spec", "type"])
                    .map_or(so.anchor(), |n| n.span),
            )
        })
        .unwrap_or((obj.file, obj.anchor()));
    Some(Gap::Nothing {
        file: at.0,
        span: at.1,
    })
}

impl Rule for IngressExposureParity {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let ix = cx.shared::<K8sIndex>();
        for pair in pairs(cx) {
            let Some(svc) = pair.service else { continue };
            for b in svc.attr("load_balancer").into_iter().flat_map(Node::blocks) {
                if let Some(p) = b.get("container_port").filter(|p| p.as_i64().is_none()) {
                    let what = format!("`container_port` of ECS service `{}`", svc.display_name());
                    let logical = format!("{}/parity/container_port", svc.resource.address);
                    skip_value(cx, (svc.resource.file, p), what, "a port number", logical);
                }
            }
            let Some(t) = alb_targets(model, &svc).into_iter().next() else {
                continue;
            };
            let (w, obj) = (pair.pod, pair.object);
            let Some(g) = gap(model, ix, pair.workload, w, obj, t.port) else {
                continue;
            };
            let (wk, wn, ecs, p) = (
                obj.kind,
                obj.name.unwrap_or("?"),
                svc.display_name(),
                t.port,
            );
            let (file, span, msg, help) = match g {
                Gap::Port { file, span, service, got } => (
                    file,
                    span,
                    format!("`targetPort` of Service `{service}` in front of {wk} `{wn}` is {} while ECS service `{ecs}` sends its ALB traffic to container port {p}", got.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
                    format!("set the Service's `targetPort` to {p} (the port the container listens on)"),
                ),
                Gap::L4 { file, span, service } => (
                    file,
                    span,
                    format!("only `type: LoadBalancer` Service `{service}` exposes {wk} `{wn}`: a layer-4 load balancer (NLB, or a Classic one without the AWS Load Balancer Controller), while ECS service `{ecs}` sits behind an Application Load Balancer: host and path rules and weighted target groups are lost"),
                    "route through an Ingress with `ingressClassName: alb`, or bind the existing ALB target group with a TargetGroupBinding".to_string(),
                ),
                Gap::Nothing { file, span } => (
                    file,
                    span,
                    format!("no Ingress or TargetGroupBinding routes to {wk} `{wn}`, while ECS service `{ecs}` receives traffic from an Application Load Balancer on container port {p}"),
                    "add an Ingress with `ingressClassName: alb`, or a TargetGroupBinding into the existing ALB target group (for a gradual cutover)".to_string(),
                ),
            };
            let f = cx
                .finding(file, span, msg)
                .with_help(help)
                .with_related(Label::new(
                    svc.resource.file,
                    t.block.span,
                    "ECS load balancer",
                ))
                .with_logical(format!("{}/ingress", obj.logical()));
            cx.emit(f);
        }
    }
}
