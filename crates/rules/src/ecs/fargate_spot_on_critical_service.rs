use cutover_semantic::criticality::{ecs_service_criticality, Criticality};
use lint_engine::declare_rule;
use lint_engine::model::ecs_service::{EcsService, Known};
use lint_engine::model::{EffectiveStrategy, StrategyItem, StrategySource, TfMode, TfResource};
use lint_engine::{Label, Rule, RuleContext, Severity, TfResources};

declare_rule! {
    /// ## What it does
    /// Flags an `aws_ecs_service` whose tasks run on `FARGATE_SPOT` when the service is
    /// critical (error), and asks for confirmation (info) when it is a production service that
    /// is not critical. Other services are not reported.
    ///
    /// The rule looks at the *effective* capacity-provider strategy:
    /// 1. the service's `capacity_provider_strategy` when it has items;
    /// 2. else nothing when `launch_type` is set (a `launch_type = "FARGATE"` service never uses
    ///    the cluster's Spot default);
    /// 3. else the default strategy of the cluster: the `aws_ecs_cluster_capacity_providers`
    ///    whose `cluster_name` is the service's cluster, or the legacy
    ///    `aws_ecs_cluster.default_capacity_provider_strategy`.
    ///
    /// A cluster's `capacity_providers = ["FARGATE", "FARGATE_SPOT"]` only makes the providers
    /// available; it is not a strategy and is never reported. Spot counts when the
    /// `FARGATE_SPOT` item has `weight > 0` or `base > 0`. `EXTERNAL` and Auto Scaling group
    /// providers are not Spot, and ARM64 tasks are not flagged (Fargate Spot supports them on
    /// platform version 1.4.0 and later).
    ///
    /// With the desired count D (`desired_count`, else the `min_capacity` of the service's
    /// `aws_appautoscaling_target`), the message gives the expected number of Spot tasks: the
    /// base goes first to the provider that carries it, the remaining tasks split by weight.
    /// ECS does not document how it rounds that split, so the count is a range
    /// `[floor, ceil]`. The message is stronger when the FARGATE `base` is below
    /// `ceil(D × deployment_minimum_healthy_percent / 100)`: losing the Spot tasks then takes the
    /// service below its own healthy floor.
    ///
    /// A service listed in `[criticality.non-critical]` is not reported at all, even in
    /// production: the configuration entry is the confirmation of intent that the info finding
    /// asks for.
    ///
    /// Criticality comes from the `[criticality]` configuration (explicit lists, tags, or by
    /// default a production service that serves traffic through a load balancer, service
    /// discovery or Service Connect); the reason is given in a note.
    ///
    /// Values that are not known statically are never guessed: a `FARGATE_SPOT` weight or a
    /// provider name from a variable (`${var.fargate_weight}`) gives an info finding "cannot
    /// evaluate" (plans carry the resolved values), and so does a critical service whose
    /// cluster, and therefore its default strategy, is not in the inputs. A production service
    /// that is not critical gets no "cannot evaluate" finding.
    ///
    /// ## Why it matters
    /// Fargate Spot tasks can be stopped at any time with a two-minute warning, and when Spot
    /// capacity is short the scheduler cannot start replacements. A critical service with most of
    /// its tasks on Spot can lose them all at once. The same service moved to EKS usually lands
    /// on on-demand nodes, so the migration is also the moment to decide this on purpose.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"resource": {"aws_ecs_service": {"api": {
    ///   "name": "api", "cluster": "prod-cluster", "desired_count": 4,
    ///   "load_balancer": {"target_group_arn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/0123456789abcdef", "container_name": "api", "container_port": 8080},
    ///   "capacity_provider_strategy": [
    ///     {"capacity_provider": "FARGATE", "base": 1, "weight": 1},
    ///     {"capacity_provider": "FARGATE_SPOT", "weight": 3}
    ///   ]
    /// }}}}
    /// ```
    ///
    /// No finding: the service sets `launch_type`, so the cluster's Spot default does not apply.
    /// ```json
    /// {"resource": {"aws_ecs_service": {"api": {
    ///   "name": "api", "cluster": "prod-cluster", "desired_count": 4, "launch_type": "FARGATE",
    ///   "load_balancer": {"target_group_arn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/0123456789abcdef", "container_name": "api", "container_port": 8080}
    /// }}}}
    /// ```
    ///
    /// ## How to fix
    /// - Run critical services on `FARGATE` only: drop the `FARGATE_SPOT` item or set its
    ///   `weight` to 0, or set the `FARGATE` `base` to at least the minimum healthy task count.
    /// - Keep Spot for batch jobs, development environments and interruption-tolerant workers;
    ///   mark those `[criticality.non-critical]` in `cutover.toml` if they look critical.
    /// - If Spot stays, finish the Spot checklist: `stopTimeout` 120 (ECS001), a target-group
    ///   deregistration delay under 120 s (ECS004) and a SIGTERM handler.
    ///
    /// ## References
    /// - Capacity provider strategy items (`base`, `weight`):
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html>
    /// - Fargate capacity providers:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html>
    /// - Fargate Spot termination notice:
    ///   <https://repost.aws/knowledge-center/fargate-spot-termination-notice>
    pub FargateSpotOnCriticalService {
        id: "ECS002",
        name: "fargate-spot-on-critical-service",
        severity: Error,
        summary: "critical ECS service whose effective capacity-provider strategy places tasks on Fargate Spot",
        inputs: [TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// Upper bound used for task counts in arithmetic.
const MAX_TASKS: i64 = 10_000_000;

const HELP_SPOT_CHECKLIST: &str = "if Spot stays, set `stopTimeout` to 120 s (ECS001) and a target-group deregistration delay under 120 s (ECS004)";

/// Expected Spot tasks for `d` desired tasks: `[floor, ceil]`. `None` when a needed value is
/// unresolved.
fn spot_range(items: &[StrategyItem<'_>], d: i64) -> Option<(i64, i64)> {
    // Clamp to the API ranges (and far beyond desired counts ECS accepts) so that arithmetic on
    // hostile inputs cannot overflow.
    let d = d.clamp(0, MAX_TASKS);
    let mut total_w = 0i64;
    let mut spot_w = 0i64;
    let mut base_spot = 0i64;
    let mut base_total = 0i64;
    for it in items {
        let w = it.weight.or_default(0)?.clamp(0, 1000);
        let b = it.base.or_default(0)?.clamp(0, 100_000);
        total_w += w;
        base_total += b;
        if it.is_fargate_spot() {
            spot_w += w;
            base_spot += b;
        }
    }
    // Only one item may carry a base; with several, apply them in order as ECS would refuse
    // the strategy anyway.
    let base_used = base_total.min(d);
    let spot_base = base_spot.min(base_used);
    let rest = (d - base_used).max(0);
    if total_w == 0 {
        return Some((spot_base, spot_base));
    }
    let num = rest * spot_w;
    let lo = spot_base + num / total_w;
    let hi = spot_base + (num + total_w - 1) / total_w;
    Some((lo, hi))
}

fn describe(items: &[StrategyItem<'_>]) -> String {
    let mut parts = Vec::new();
    for it in items {
        let p = match (it.provider_name(), it.provider) {
            (Some(p), _) => p.to_string(),
            (None, Some(n)) => n.as_str().unwrap_or("?").to_string(),
            _ => "?".into(),
        };
        let mut s = format!("`{p}`");
        match it.base {
            Known::Value(b) if b > 0 => s.push_str(&format!(" base {b}")),
            Known::Unresolved => s.push_str(" base ?"),
            _ => {}
        }
        match it.weight {
            Known::Value(w) => s.push_str(&format!(" weight {w}")),
            Known::Absent => s.push_str(" weight 0"),
            Known::Unresolved => s.push_str(" weight ?"),
        }
        parts.push(s);
    }
    parts.join(", ")
}

impl FargateSpotOnCriticalService {
    fn cannot_evaluate(
        &self,
        cx: &mut RuleContext<'_, '_>,
        svc: &EcsService<'_, '_>,
        at: (lint_engine::FileId, lint_engine::Span),
        msg: String,
        crit: &Criticality,
    ) {
        let f = cx
            .finding(at.0, at.1, msg)
            .with_severity(Severity::Info)
            .with_note(crit.reason.clone())
            .with_help("lint the plan (`terraform show -json`) so variables are resolved, or check the strategy by hand")
            .with_related(Label::new(
                svc.resource.file,
                svc.anchor(),
                format!("service `{}`", svc.display_name()),
            ))
            .with_logical(format!("{}/capacity_provider_strategy", svc.resource.address));
        cx.emit(f);
    }
}

impl Rule for FargateSpotOnCriticalService {
    fn tf_resources(&self) -> TfResources {
        TfResources::Managed(&["aws_ecs_service"])
    }
    fn check_tf_resource(&self, r: &TfResource<'_>, cx: &mut RuleContext<'_, '_>) {
        if r.rtype != "aws_ecs_service" || r.mode != TfMode::Managed {
            return;
        }
        let model = cx.model;
        let svc = EcsService { resource: r };
        let strategy = svc.effective_strategy(model);
        // Every finding is located in the service's file or in that of the cluster resource
        // whose default strategy it inherits: when the run reports on neither (`--repo-context`
        // on another file), there is nothing to work out.
        let holder_file = match &strategy {
            EffectiveStrategy::Strategy {
                source: StrategySource::ClusterDefault(c),
                ..
            } => Some(c.file),
            _ => None,
        };
        if !cx.reports_on(r.file) && !holder_file.is_some_and(|f| cx.reports_on(f)) {
            return;
        }
        let crit = ecs_service_criticality(model, cx.config, &svc);
        // An explicit `non-critical` entry is the confirmation the info finding asks for.
        if (!crit.critical && !crit.production) || crit.explicit == Some(false) {
            return;
        }
        let name = svc.display_name();
        let (source, items) = match &strategy {
            EffectiveStrategy::Strategy { source, items } => (*source, items.as_slice()),
            EffectiveStrategy::Unknown(why) => {
                if crit.critical {
                    let at = r
                        .values
                        .member("cluster")
                        .map(|m| m.value.span)
                        .unwrap_or(svc.anchor());
                    self.cannot_evaluate(
                        cx,
                        &svc,
                        (r.file, at),
                        format!("cannot evaluate the capacity-provider strategy of critical service `{name}`: {why}"),
                        &crit,
                    );
                }
                return;
            }
            EffectiveStrategy::LaunchType(_) | EffectiveStrategy::None => return,
        };
        let holder: &TfResource<'_> = match source {
            StrategySource::Service => r,
            StrategySource::ClusterDefault(c) => c,
        };
        let Some(spot) = items.iter().find(|i| i.is_fargate_spot()) else {
            // A provider from `aws_ecs_capacity_provider` is an Auto Scaling group provider,
            // never Fargate Spot.
            if let Some(u) = items.iter().find(|i| {
                i.provider_unresolved()
                    && !i
                        .provider
                        .and_then(|p| p.as_str())
                        .is_some_and(|s| s.contains("aws_ecs_capacity_provider."))
            }) {
                if let (Some(p), true) = (u.provider, crit.critical) {
                    self.cannot_evaluate(
                        cx,
                        &svc,
                        (holder.file, p.span),
                        format!("cannot evaluate whether critical service `{name}` runs on `FARGATE_SPOT`: its capacity provider is an unresolved expression"),
                        &crit,
                    );
                }
            }
            return;
        };
        let Some(spot_span) = spot.provider_span() else {
            return;
        };
        let active = match (spot.weight, spot.base) {
            (_, Known::Value(b)) if b > 0 => Some(true),
            (Known::Value(w), _) if w > 0 => Some(true),
            (Known::Unresolved, _) | (_, Known::Unresolved) => None,
            _ => Some(false),
        };
        match active {
            Some(false) => return,
            None if !crit.critical => return,
            None => {
                self.cannot_evaluate(
                    cx,
                    &svc,
                    (holder.file, spot_span),
                    format!("cannot evaluate the `FARGATE_SPOT` share of critical service `{name}`: its weight or base is not a literal number"),
                    &crit,
                );
                return;
            }
            Some(true) => {}
        }

        let count = svc
            .desired_count(model)
            .filter(|(d, _)| *d > 0)
            .map(|(d, s)| (d.min(MAX_TASKS), s));
        let range = count.and_then(|(d, _)| spot_range(items, d).map(|r| (d, r)));
        let base_fd = items
            .iter()
            .filter(|i| i.is_fargate())
            .filter_map(|i| i.base.or_default(0))
            .map(|b| b.clamp(0, 100_000))
            .sum::<i64>();
        let floor = count.zip(svc.minimum_healthy_percent()).map(|((d, _), p)| {
            let p = p.clamp(0, 100);
            (d.clamp(0, MAX_TASKS) * p + 99) / 100
        });
        let weak_floor = floor.filter(|need| base_fd < *need && *need > 0);

        let who = if crit.critical {
            "critical service"
        } else {
            "production service"
        };
        let mut msg = match range {
            Some((d, (0, 0))) => format!(
                "{who} `{name}` places tasks above its FARGATE base on `FARGATE_SPOT` (none at its desired count of {d})"
            ),
            Some((d, (lo, _))) if lo == d => {
                format!("{who} `{name}` runs all {d} of its tasks on `FARGATE_SPOT`")
            }
            Some((d, (lo, hi))) if lo == hi => {
                format!("{who} `{name}` runs {lo} of its {d} tasks on `FARGATE_SPOT`")
            }
            Some((d, (lo, hi))) => {
                format!("{who} `{name}` runs about {lo} to {hi} of its {d} tasks on `FARGATE_SPOT`")
            }
            None => format!("{who} `{name}` runs tasks on `FARGATE_SPOT`"),
        };
        if crit.critical {
            if let (Some(need), Some(_)) = (weak_floor, range) {
                if base_fd == 0 {
                    msg.push_str(&format!(
                        ": with no FARGATE base, a Spot reclaim takes it below its healthy floor of {need}"
                    ));
                } else {
                    msg.push_str(&format!(
                        ": a Spot reclaim takes it below its healthy floor of {need} (FARGATE base {base_fd})"
                    ));
                }
            }
        } else {
            msg.push_str(": confirm it tolerates interruption");
        }

        let mut f = cx
            .finding(holder.file, spot_span, msg)
            .with_severity(if crit.critical {
                Severity::Error
            } else {
                Severity::Info
            })
            .with_related(Label::new(
                r.file,
                svc.anchor(),
                format!("service `{name}`"),
            ))
            .with_note(crit.reason.clone())
            .with_note(format!("effective strategy: {}", describe(items)))
            .with_logical(format!(
                "{}/capacity_provider_strategy[FARGATE_SPOT]",
                r.address
            ));
        if let StrategySource::ClusterDefault(c) = source {
            let cluster = svc
                .cluster(model)
                .name
                .map(|n| format!("cluster `{n}`"))
                .unwrap_or_else(|| "its cluster".into());
            f = f.with_note(format!(
                "the service sets neither `capacity_provider_strategy` nor `launch_type`, so it inherits the default strategy of {cluster} (`{}`)",
                c.address
            ));
        }
        if let Some((d, "autoscaling min_capacity")) = count {
            f = f.with_note(format!(
                "desired count {d} taken from the `min_capacity` of the service's `aws_appautoscaling_target`"
            ));
        }
        f = f.with_note("Spot tasks can be stopped with two minutes' notice, and the scheduler cannot start new ones while Spot capacity is short");
        match range {
            Some((_, (lo, hi))) if lo != hi => {
                f = f.with_note(
                    "ECS does not document how it rounds the weighted split, hence the range",
                );
            }
            Some(_) => {}
            None if count.is_none() => {
                f = f.with_note(
                    "the desired count is not known, so the number of Spot tasks is not given",
                );
            }
            None => {}
        }
        let help = if crit.critical {
            match floor {
                Some(need) if need > 0 => format!("run critical services on `FARGATE` only (drop the `FARGATE_SPOT` item or set its weight to 0) or set the `FARGATE` base to at least {need}; {HELP_SPOT_CHECKLIST}"),
                _ => format!("run critical services on `FARGATE` only (drop the `FARGATE_SPOT` item or set its weight to 0) or set the `FARGATE` base to the minimum healthy task count; {HELP_SPOT_CHECKLIST}"),
            }
        } else {
            format!("keep Spot only if the service tolerates interruption (mark it in `[criticality.non-critical]` to silence this); {HELP_SPOT_CHECKLIST}")
        };
        f = f.with_help(help);
        cx.emit(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lint_engine::doc::{Node, Value};
    use lint_engine::Span;

    fn item(p: &'static str, base: i64, weight: i64) -> StrategyItem<'static> {
        let n: &'static Node =
            Box::leak(Box::new(Node::new(Value::Str(p.into()), Span::default())));
        StrategyItem {
            node: n,
            provider: Some(n),
            key: None,
            base: Known::Value(base),
            weight: Known::Value(weight),
        }
    }

    #[test]
    fn ranges() {
        // Seed 003: base 1 weight 20 on FARGATE, weight 80 on Spot.
        let items = [item("FARGATE", 1, 20), item("FARGATE_SPOT", 0, 80)];
        assert_eq!(spot_range(&items, 10), Some((7, 8)));
        assert_eq!(spot_range(&items, 1), Some((0, 0)));
        assert_eq!(spot_range(&items, 6), Some((4, 4)));
        let spot_only = [item("FARGATE_SPOT", 2, 1)];
        assert_eq!(spot_range(&spot_only, 3), Some((3, 3)));
        let zero = [item("FARGATE", 2, 0), item("FARGATE_SPOT", 0, 0)];
        assert_eq!(spot_range(&zero, 5), Some((0, 0)));
    }
}
