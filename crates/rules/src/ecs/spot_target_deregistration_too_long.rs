use cutover_semantic::criticality::ecs_service_criticality;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::ecs_service::{known_i64, Known};
use lint_engine::model::{EcsService, TfMode, TfResource};
use lint_engine::{Label, Rule, RuleContext, Severity, TfResources};

use super::missing_stop_timeout::{DEFAULT_STOP_TIMEOUT, SPOT_NOTICE_SECONDS};

declare_rule! {
    /// ## What it does
    /// For every ECS service whose effective capacity-provider strategy places tasks on
    /// `FARGATE_SPOT` (as ECS002 determines it: the service's own strategy, or its cluster's
    /// default when it sets neither a strategy nor a launch type), follows each
    /// `load_balancer` block to its `aws_lb_target_group` / `aws_alb_target_group` and flags a
    /// `deregistration_delay` of 120 seconds or more. An absent `deregistration_delay` is the
    /// ELB default of 300 seconds. When the delay is shorter than the Spot notice but longer
    /// than the container's effective `stopTimeout` (30 s when unset), an info finding says
    /// the task is killed before the target has drained.
    ///
    /// **Severity.** Warning; **error** when the service is critical (see `[criticality]`). A
    /// target group that is not in the inputs (a literal ARN, or a reference that cannot be
    /// followed) gives an info finding saying the delay cannot be verified.
    ///
    /// ## Why it matters
    /// A Fargate Spot task gets two minutes' notice before it is stopped. The load balancer
    /// keeps the target draining for the whole deregistration delay, and the task is not
    /// replaced cleanly until it has left the target group; with the default 300 s the task is
    /// gone long before the drain ends and in-flight requests fail. If an EKS
    /// `TargetGroupBinding` shares the target group during the migration, the same delay applies
    /// to the pods.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"resource": {
    ///   "aws_lb_target_group": {"api": {"name": "api", "port": 8080, "protocol": "HTTP", "target_type": "ip"}},
    ///   "aws_ecs_service": {"api": {"name": "api",
    ///     "capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 1}],
    ///     "load_balancer": [{"target_group_arn": "${aws_lb_target_group.api.arn}", "container_name": "api", "container_port": 8080}]}}
    /// }}
    /// ```
    ///
    /// ## How to fix
    /// Set `deregistration_delay` below 120 seconds (30–90 is typical) on every target group
    /// that serves Fargate Spot tasks, and give the container a `stopTimeout` at least as long
    /// as the delay:
    ///
    /// ```hcl
    /// resource "aws_lb_target_group" "api" {
    ///   deregistration_delay = 60
    /// }
    /// ```
    ///
    /// ## References
    /// - Fargate Spot termination notice:
    ///   <https://repost.aws/knowledge-center/fargate-spot-termination-notice>
    /// - Target group attributes (`deregistration_delay.timeout_seconds`, default 300):
    ///   <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html>
    pub SpotTargetDeregistrationTooLong {
        id: "ECS004",
        name: "spot-target-deregistration-too-long",
        severity: Warning,
        summary: "target group of a Fargate Spot service drains longer than the two-minute Spot notice",
        inputs: [TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// The ELB default `deregistration_delay` (seconds).
const DEFAULT_DEREGISTRATION_DELAY: i64 = 300;

/// The effective `stopTimeout` of the service's container `name` (the default when unset);
/// `None` when the container or its value is not known.
fn container_stop_timeout(
    cx: &RuleContext<'_, '_>,
    svc: &EcsService<'_, '_>,
    name: &str,
) -> Option<i64> {
    let link = svc.task_definitions(cx.model);
    let mut found = None;
    for td in link.task_defs {
        let c = td.containers().iter().find(|c| c.name == Some(name))?;
        let v = match known_i64(c.get("stopTimeout")) {
            Known::Absent => DEFAULT_STOP_TIMEOUT,
            Known::Value(v) => v,
            Known::Unresolved => return None,
        };
        found = Some(found.map_or(v, |f: i64| f.min(v)));
    }
    found
}

impl Rule for SpotTargetDeregistrationTooLong {
    fn tf_resources(&self) -> TfResources {
        TfResources::Managed(&["aws_ecs_service"])
    }
    fn check_tf_resource(&self, r: &TfResource<'_>, cx: &mut RuleContext<'_, '_>) {
        if r.rtype != "aws_ecs_service" || r.mode != TfMode::Managed {
            return;
        }
        let Some(lb) = r.attr("load_balancer") else {
            return;
        };
        let model = cx.model;
        let svc = EcsService { resource: r };
        if !svc.effective_strategy(model).uses_fargate_spot() {
            return;
        }
        let crit = ecs_service_criticality(model, cx.config, &svc);
        let name = svc.display_name();
        let blocks: Vec<&Node> = lb.blocks().collect();
        let single = blocks.len() == 1;
        for block in &blocks {
            let tgs = svc.target_groups(model, block, single);
            let container = block.get("container_name").and_then(Node::as_str);
            let lb_label = Label::new(
                r.file,
                block.span,
                format!("load balancer of service `{name}`"),
            );
            if tgs.is_empty() {
                let Some(arn) = block.get("target_group_arn").filter(|n| !n.is_null()) else {
                    continue;
                };
                let f = cx
                    .finding(
                        r.file,
                        arn.span,
                        format!("cannot verify the deregistration delay of the target group of Fargate Spot service `{name}`: the target group is not in the inputs"),
                    )
                    .with_severity(Severity::Info)
                    .with_help("lint the Terraform that defines the target group with this service, or check that its deregistration delay is under 120 s")
                    .with_logical(format!("{}/load_balancer", r.address));
                cx.emit(f);
                continue;
            }
            for tg in tgs {
                let delay_node = tg.attr("deregistration_delay").filter(|n| !n.is_null());
                let delay = match known_i64(delay_node) {
                    Known::Absent => DEFAULT_DEREGISTRATION_DELAY,
                    Known::Value(v) => v,
                    Known::Unresolved => continue,
                };
                let at = delay_node
                    .map(|n| n.span)
                    .or_else(|| tg.values.member("name").map(|m| m.span()))
                    .unwrap_or(tg.anchor);
                let tg_name = tg.attr("name").and_then(Node::as_str).unwrap_or(tg.name);
                let logical = format!("{}/{}", r.address, tg.address);
                if delay >= SPOT_NOTICE_SECONDS {
                    let what = if delay_node.is_some() {
                        format!("a deregistration delay of {delay} s")
                    } else {
                        format!("no `deregistration_delay`, so the default {DEFAULT_DEREGISTRATION_DELAY} s")
                    };
                    let mut f = cx
                        .finding(
                            tg.file,
                            at,
                            format!("target group `{tg_name}` of Fargate Spot service `{name}` has {what}, longer than the {SPOT_NOTICE_SECONDS} s Spot notice"),
                        )
                        .with_related(lb_label.clone())
                        .with_help("set `deregistration_delay` below 120 (30–90 is typical) on target groups that serve Spot tasks")
                        .with_note("Spot tasks get two minutes' notice; targets still draining when the task stops drop their in-flight requests")
                        .with_logical(logical);
                    if delay_node.is_none() {
                        f = f.with_missing("deregistration_delay");
                    }
                    if crit.critical {
                        f = f
                            .with_severity(Severity::Error)
                            .with_note(format!("service `{name}` is {}", crit.reason));
                    }
                    cx.emit(f);
                    continue;
                }
                let Some(stop) = container.and_then(|c| container_stop_timeout(cx, &svc, c)) else {
                    continue;
                };
                if stop < delay {
                    let f = cx
                        .finding(
                            tg.file,
                            at,
                            format!("target group `{tg_name}` drains for {delay} s, but container `{}` of Fargate Spot service `{name}` is stopped after {stop} s", container.unwrap_or_default()),
                        )
                        .with_severity(Severity::Info)
                        .with_related(lb_label.clone())
                        .with_help("give the container a `stopTimeout` at least as long as the deregistration delay, or shorten the delay")
                        .with_logical(logical);
                    cx.emit(f);
                }
            }
        }
    }
}
