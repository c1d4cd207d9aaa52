//! Values PAR006–PAR009 needed but could not evaluate statically, for LINT000 to report: the
//! rules skip them rather than guess.

use cutover_semantic::iam::image::parse_image;
use cutover_semantic::k8s::spot::reachable_spot;
use cutover_semantic::k8s::K8sIndex;
use lint_engine::doc::Node;
use lint_engine::model::ecs_service::{known_i64, EffectiveStrategy, Known};
use lint_engine::source::{FileId, Span};
use lint_engine::RuleContext;

use super::pair_view::pairs;

/// Why a value is unknown.
pub enum Why {
    Expr(String),
    Reason(String),
}

/// One value a parity rule skipped.
pub struct Unknown {
    pub file: FileId,
    pub span: Span,
    /// What the value is, e.g. "`desired_count` of ECS service `payments`".
    pub what: String,
    /// Why it is unknown: the expression as written (`${var.count}`), or a reason.
    pub why: Why,
    /// Which rule skipped what.
    pub skipped: &'static str,
    pub logical: String,
}

fn expr_of(n: &Node) -> String {
    n.scalar_text().map(|s| s.into_owned()).unwrap_or_default()
}

/// The unknown values of every pair, once per value.
pub fn unknown_inputs(cx: &RuleContext<'_, '_>) -> Vec<Unknown> {
    let model = cx.model;
    let mut out: Vec<Unknown> = Vec::new();
    let mut push = |u: Unknown| {
        if !out.iter().any(|o| o.file == u.file && o.span == u.span) {
            out.push(u);
        }
    };
    for pair in pairs(cx) {
        if let Some(svc) = &pair.service {
            let name = svc.display_name();
            let r = svc.resource;
            let floor = match svc.autoscaling_target(model) {
                Some(t) => t
                    .attr("min_capacity")
                    .map(|n| (t.file, n, "autoscaling `min_capacity`")),
                None => svc
                    .attr("desired_count")
                    .map(|n| (r.file, n, "`desired_count`")),
            };
            if let Some((file, n, what)) = floor {
                if known_i64(Some(n)) == Known::Unresolved {
                    push(Unknown {
                        file,
                        span: n.span,
                        what: format!("{what} of ECS service `{name}`"),
                        why: Why::Expr(expr_of(n)),
                        skipped: "PAR006 did not compare the replica floor",
                        logical: format!("{}/parity/replicas", r.address),
                    });
                }
            }
            if let Some(n) = svc.attr("deployment_minimum_healthy_percent") {
                if known_i64(Some(n)) == Known::Unresolved {
                    push(Unknown {
                        file: r.file,
                        span: n.span,
                        what: format!(
                            "`deployment_minimum_healthy_percent` of ECS service `{name}`"
                        ),
                        why: Why::Expr(expr_of(n)),
                        skipped: "PAR006 did not compare the rollout",
                        logical: format!("{}/parity/rollout", r.address),
                    });
                }
            }
            // PAR007 needs the strategy only when the pods can reach Spot capacity.
            let w = pair.pod;
            let spot =
                !reachable_spot(model, cx.shared::<K8sIndex>(), w.object, w.pod_spec).is_empty();
            if let (true, EffectiveStrategy::Unknown(why)) = (spot, svc.effective_strategy(model)) {
                push(Unknown {
                    file: r.file,
                    span: svc.anchor(),
                    what: format!("the capacity-provider strategy of ECS service `{name}`"),
                    why: Why::Reason(why),
                    skipped: "PAR007 did not compare Spot exposure",
                    logical: format!("{}/parity/strategy", r.address),
                });
            }
            for b in svc.attr("load_balancer").into_iter().flat_map(Node::blocks) {
                if let Some(p) = b.get("container_port").filter(|p| p.as_i64().is_none()) {
                    push(Unknown {
                        file: r.file,
                        span: p.span,
                        what: format!("`container_port` of ECS service `{name}`"),
                        why: Why::Expr(expr_of(p)),
                        skipped: "PAR009 did not compare the exposed port",
                        logical: format!("{}/parity/container_port", r.address),
                    });
                }
            }
        }
        let obj = pair.object;
        for (c, k) in &pair.containers {
            for (file, n, side) in [
                (c.file, c.get("image"), "ECS"),
                (obj.file, k.get("image"), "Kubernetes"),
            ] {
                let Some(n) = n else { continue };
                let Some(s) = n.as_str() else { continue };
                if parse_image(s).is_none() && lint_engine::doc::is_unresolved_text(s) {
                    push(Unknown {
                        file,
                        span: n.span,
                        what: format!("the {side} image of container `{}`", c.display_name()),
                        why: Why::Expr(s.to_string()),
                        skipped: "PAR008 did not compare the images",
                        logical: format!(
                            "{}/parity/image/{side}/{}",
                            pair.task_def.map_or("", |t| t.logical.as_str()),
                            c.display_name()
                        ),
                    });
                }
            }
        }
    }
    out
}
