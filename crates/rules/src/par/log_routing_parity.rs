use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{Container, Model};
use lint_engine::{Label, Rule, RuleContext};

use super::pair_view::pairs;

declare_rule! {
    /// ## What it does
    /// TODO: what PAR010 reports, in the words of someone moving a workload between ECS and EKS.
    ///
    /// ## Why it matters
    /// TODO: what breaks, and when, if the pattern ships.
    ///
    /// ## Example
    /// TODO: an input that PAR010 flags. Every `json`/`yaml` block here is linted by the docs test:
    /// an `expect_finding` block must produce exactly one finding of PAR010, any other none.
    /// ```yaml,expect_finding
    /// # TODO
    /// ```
    ///
    /// ## How to fix
    /// TODO: the change that makes the finding go away, with a short example.
    pub LogRoutingParity {
        id: "PAR010",
        name: "log-routing-parity",
        severity: Info,
        summary: "TODO: what the rule flags, lowercase, no trailing period",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

/// Image names of node-level log collectors.
const COLLECTOR_IMAGES: &[&str] = &[
    "fluent-bit",
    "aws-for-fluent-bit",
    "otel",
    "opentelemetry-collector",
];

/// Whether the inputs run a node-level log collector: a DaemonSet of a collector image, an
/// OpenTelemetryCollector in `daemonset` mode, the `amazon-cloudwatch-observability` EKS add-on,
/// or a Helm release of a collector chart.
fn has_collector(model: &Model<'_>) -> bool {
    let collector = |s: &str| {
        let s = s.to_ascii_lowercase();
        COLLECTOR_IMAGES.iter().any(|c| s.contains(c))
    };
    let daemonset = model.workloads.iter().any(|w| {
        w.kind == "DaemonSet"
            && w.containers
                .iter()
                .any(|c| c.get("image").and_then(Node::as_str).is_some_and(collector))
    });
    let otel_cr = model
        .k8s_of_kind("OpenTelemetryCollector")
        .any(|o| o.node.path(&["spec", "mode"]).and_then(Node::as_str) == Some("daemonset"));
    let addon = model.tf_of_type("aws_eks_addon").any(|r| {
        r.attr("addon_name").and_then(Node::literal_str) == Some("amazon-cloudwatch-observability")
    });
    let module_addon = model.tf_modules.iter().any(|m| {
        ["cluster_addons", "addons"].iter().any(|k| {
            m.input(k)
                .and_then(|n| n.get("amazon-cloudwatch-observability"))
                .is_some()
        }) || [
            "enable_aws_for_fluentbit",
            "enable_aws_cloudwatch_observability",
        ]
        .iter()
        .any(|k| m.input(k).and_then(Node::as_bool) == Some(true))
    });
    let helm = model.tf_of_type("helm_release").any(|r| {
        r.attr("chart")
            .and_then(Node::literal_str)
            .is_some_and(collector)
    });
    daemonset || otel_cr || addon || module_addon || helm
}

/// The driver node and the routes of a container's log configuration worth recreating:
/// `awslogs` with a group, or `awsfirelens` with options.
fn routes<'a>(c: &Container<'a>) -> Option<(&'a Node, &'a str, Vec<String>)> {
    let lc = c.get("logConfiguration")?;
    let driver = lc.get("logDriver").or_else(|| lc.get("log_driver"))?;
    let name = driver.as_str()?;
    let opts = lc.get("options").and_then(Node::as_map).unwrap_or(&[]);
    let pairs: Vec<(String, String)> = opts
        .iter()
        .filter_map(|m| Some((m.key.clone(), m.value.scalar_text()?.into_owned())))
        .collect();
    let routes: Vec<String> = match name {
        "awslogs" => pairs
            .iter()
            .filter(|(k, _)| k == "awslogs-group")
            .map(|(_, v)| format!("log group `{v}`"))
            .collect(),
        "awsfirelens" => pairs.iter().map(|(k, v)| format!("`{k}={v}`")).collect(),
        _ => return None,
    };
    (!routes.is_empty()).then_some((driver, name, routes))
}

impl Rule for LogRoutingParity {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        if has_collector(model) {
            return;
        }
        // One finding per ECS container, however many workloads it is paired with.
        let mut seen = std::collections::HashSet::new();
        for pair in pairs(cx) {
            let Some(w) = model.workloads.get(pair.workload) else {
                continue;
            };
            let Some(obj) = model.k8s.get(w.object) else {
                continue;
            };
            for c in pair.task_def.containers() {
                // The FireLens router itself is the route, not a source of logs to route.
                if c.get("firelensConfiguration").is_some() {
                    continue;
                }
                let Some((driver, name, routes)) = routes(c) else {
                    continue;
                };
                if !seen.insert((c.file, driver.span)) {
                    continue;
                }
                let (kfile, kspan) = pair
                    .containers
                    .iter()
                    .find(|(e, _)| std::ptr::eq(*e, c))
                    .map_or((obj.file, obj.anchor()), |(_, k)| (obj.file, k.anchor()));
                let cname = c.display_name();
                let f = cx
                    .finding(c.file, driver.span, format!("container `{cname}` of `{}` ships its logs with `{name}` ({}), but no node-level log collector (a Fluent Bit or OpenTelemetry DaemonSet, the `amazon-cloudwatch-observability` add-on) is among the Kubernetes inputs of its counterpart {} `{}`", pair.ecs_name(), routes.join(", "), obj.kind, obj.name.unwrap_or("?")))
                    .with_help("recreate these routes as Fluent Bit or OpenTelemetry filters keyed on Kubernetes labels; ignore this if the collector is managed outside this repository")
                    .with_note("the collector's service account needs CloudWatch Logs permissions, through IRSA or EKS Pod Identity")
                    .with_related(Label::new(kfile, kspan, "the Kubernetes counterpart"))
                    .with_logical(format!("{}/containerDefinitions[{cname}]/logConfiguration", pair.task_def.logical));
                cx.emit(f);
            }
        }
    }
}
