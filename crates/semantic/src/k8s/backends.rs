//! What routes load-balancer traffic to a Service: Ingress backends, TargetGroupBindings and
//! NLB Services, with their target type and the port they name.

use lint_engine::doc::Node;
use lint_engine::model::K8sObject;
use lint_engine::source::Span;

/// A Service port as a backend names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRef {
    Number(i64),
    Name(String),
}

impl PortRef {
    fn of(n: Option<&Node>) -> Option<PortRef> {
        let n = n?;
        if let Some(i) = n.as_i64() {
            return Some(PortRef::Number(i));
        }
        n.as_str().map(|s| PortRef::Name(s.to_string()))
    }

    /// Whether `svc` exposes this port (`spec.ports[].port` or `.name`). A Service without a
    /// `ports` list in the inputs is taken at its name only.
    pub fn served_by(&self, svc: &K8sObject<'_>) -> bool {
        let Some(ports) = svc.node.path(&["spec", "ports"]).and_then(Node::as_seq) else {
            return true;
        };
        ports.iter().any(|p| match self {
            PortRef::Number(n) => p.get("port").and_then(Node::as_i64) == Some(*n),
            PortRef::Name(s) => p.get("name").and_then(Node::as_str) == Some(s.as_str()),
        })
    }
}

/// How a load balancer reaches the pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetMode {
    /// Pod IPs are registered directly.
    Ip,
    /// Node ports (`instance`).
    Instance,
    /// Not written in the inputs (a TargetGroupBinding without `targetType` takes the target
    /// group's type, which only AWS knows).
    Unknown,
}

/// What sends load-balancer traffic to a Service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Ingress,
    TargetGroupBinding,
    LoadBalancerService,
}

/// One load-balancer reference to a Service.
#[derive(Debug, Clone)]
pub struct LbRef {
    /// Index in `model.k8s` of the Ingress, TargetGroupBinding or (for NLB) the Service.
    pub object: usize,
    pub via: Via,
    pub mode: TargetMode,
    /// The value that sets the target type, when written.
    pub mode_span: Option<Span>,
}

/// `(service name, port)` pairs an Ingress routes to (v1 `service.name`/`service.port`, and
/// the older `serviceName`/`servicePort`).
pub fn ingress_backends<'a>(ing: &K8sObject<'a>) -> Vec<(&'a str, Option<PortRef>)> {
    let mut out = Vec::new();
    let backend = |b: &'a Node, out: &mut Vec<(&'a str, Option<PortRef>)>| {
        if let Some(svc) = b.get("service") {
            if let Some(n) = svc.get("name").and_then(Node::as_str) {
                let port = svc.get("port").and_then(|p| {
                    PortRef::of(p.get("number")).or_else(|| PortRef::of(p.get("name")))
                });
                out.push((n, port));
            }
        } else if let Some(n) = b.get("serviceName").and_then(Node::as_str) {
            out.push((n, PortRef::of(b.get("servicePort"))));
        }
    };
    if let Some(spec) = ing.node.get("spec") {
        for k in ["defaultBackend", "backend"] {
            if let Some(b) = spec.get(k) {
                backend(b, &mut out);
            }
        }
        for r in spec.get("rules").and_then(Node::as_seq).unwrap_or(&[]) {
            for p in r
                .path(&["http", "paths"])
                .and_then(Node::as_seq)
                .unwrap_or(&[])
            {
                if let Some(b) = p.get("backend") {
                    backend(b, &mut out);
                }
            }
        }
    }
    out
}

const ALB_TARGET_TYPE: &str = "alb.ingress.kubernetes.io/target-type";

/// Target mode of an Ingress backend: the Service's own annotation wins over the Ingress's;
/// the AWS Load Balancer Controller's default is `instance`.
pub fn ingress_mode(ing: &K8sObject<'_>, svc: &K8sObject<'_>) -> (TargetMode, Option<Span>) {
    for o in [svc, ing] {
        if let Some(n) = o.annotation(ALB_TARGET_TYPE) {
            return match n.as_str() {
                Some("ip") => (TargetMode::Ip, Some(n.span)),
                Some("instance") => (TargetMode::Instance, Some(n.span)),
                _ => (TargetMode::Unknown, Some(n.span)),
            };
        }
    }
    (TargetMode::Instance, None)
}

/// `spec.serviceRef` of a TargetGroupBinding and its target type.
pub fn tgb_ref<'a>(
    tgb: &K8sObject<'a>,
) -> Option<(&'a str, Option<PortRef>, TargetMode, Option<Span>)> {
    let r = tgb.node.path(&["spec", "serviceRef"])?;
    let name = r.get("name")?.as_str()?;
    let (mode, span) = match tgb.node.path(&["spec", "targetType"]) {
        Some(n) => match n.as_str() {
            Some("ip") => (TargetMode::Ip, Some(n.span)),
            Some("instance") => (TargetMode::Instance, Some(n.span)),
            _ => (TargetMode::Unknown, Some(n.span)),
        },
        None => (TargetMode::Unknown, None),
    };
    Some((name, PortRef::of(r.get("port")), mode, span))
}

/// An NLB Service in IP mode (`aws-load-balancer-nlb-target-type: ip`, or the legacy
/// `aws-load-balancer-type: nlb-ip`).
pub fn nlb_mode(svc: &K8sObject<'_>) -> Option<(TargetMode, Option<Span>)> {
    if svc.node.path(&["spec", "type"]).and_then(Node::as_str) != Some("LoadBalancer") {
        return None;
    }
    if let Some(n) = svc.annotation("service.beta.kubernetes.io/aws-load-balancer-nlb-target-type")
    {
        return Some(match n.as_str() {
            Some("ip") => (TargetMode::Ip, Some(n.span)),
            Some("instance") => (TargetMode::Instance, Some(n.span)),
            _ => (TargetMode::Unknown, Some(n.span)),
        });
    }
    if let Some(n) = svc.annotation("service.beta.kubernetes.io/aws-load-balancer-type") {
        if n.as_str() == Some("nlb-ip") {
            return Some((TargetMode::Ip, Some(n.span)));
        }
    }
    Some((TargetMode::Instance, None))
}
