use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{Container, Model, TaskDef};
use lint_engine::{Label, Rule, RuleContext};

use super::pair_view::pairs;
use super::support::skip_value;

declare_rule! {
    /// ## What it does
    /// For an ECS container whose logs go to CloudWatch through `awslogs` with an `awslogs-group`, or
    /// through FireLens (`awsfirelens`) with routing options (`Name`, `log_group_name`, …), reports
    /// (info) when the inputs hold no node-level log collector for its Kubernetes counterpart: no
    /// DaemonSet of a Fluent Bit or OpenTelemetry Collector image, no OpenTelemetryCollector in
    /// `daemonset` mode, no `amazon-cloudwatch-observability` EKS add-on and no Helm release of a
    /// collector chart. The finding lists the log groups and routes to recreate. The FireLens router
    /// container itself is not reported.
    ///
    /// ## Why it matters
    /// On ECS the routing lives in each task definition; on EKS a collector running on every node
    /// ships the logs, and per-workload routes become filters keyed on Kubernetes labels. Without one
    /// the pods' logs stay on the node. The collector may be managed outside the linted repository,
    /// which is why this is only info.
    ///
    /// ## Example
    /// The ECS container sends its logs to a CloudWatch group:
    /// ```json
    /// {"resource": {
    ///   "aws_ecs_service": {"orders": {"name": "orders", "desired_count": 2,
    ///     "task_definition": "${aws_ecs_task_definition.orders.arn}"}},
    ///   "aws_ecs_task_definition": {"orders": {"family": "orders",
    ///     "container_definitions": "[{\"name\": \"orders\", \"image\": \"orders:1.0.0\", \"stopTimeout\": 60, \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/orders\"}}}]"}}
    /// }}
    /// ```
    /// The Kubernetes inputs have no collector:
    /// ```yaml,expect_finding,with_previous
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: orders}
    /// spec:
    ///   replicas: 2
    ///   template:
    ///     spec:
    ///       containers: [{name: orders, image: "orders:1.0.0"}]
    /// ```
    ///
    /// ## How to fix
    /// Run a collector on every node, for example the `amazon-cloudwatch-observability` add-on or the
    /// `aws-for-fluent-bit` DaemonSet, and recreate the routes as filters keyed on Kubernetes labels.
    /// Give its service account CloudWatch Logs permissions through IRSA or EKS Pod Identity.
    ///
    /// ## References
    /// - FireLens: <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_firelens.html>
    /// - Fluent Bit on EKS: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-setup-logs-FluentBit.html>
    pub LogRoutingParity {
        id: "PAR010",
        name: "log-routing-parity",
        severity: Info,
        summary: "log routes of an ECS container with no node-level log collector on the Kubernetes side",
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
        .filter_map(|m| Some((m.key.to_string(), m.value.scalar_text()?.into_owned())))
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

/// Record for LINT000 a log driver that is not known statically (it may be one that routes).
fn skip_unknown_driver(cx: &mut RuleContext<'_, '_>, td: &TaskDef<'_>, c: &Container<'_>) {
    let Some(lc) = c.get("logConfiguration") else {
        return;
    };
    let Some(d) = lc.get("logDriver").or_else(|| lc.get("log_driver")) else {
        return;
    };
    if d.is_unresolved() {
        let name = c.display_name();
        let what = format!(
            "the log driver of container `{name}` of ECS task definition `{}`",
            td.logical
        );
        let logical = format!(
            "{}/containerDefinitions[{name}]/logConfiguration",
            td.logical
        );
        skip_value(cx, (c.file, d), what, "a log driver", logical);
    }
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
            let obj = pair.object;
            let Some(td) = pair.task_def else { continue };
            // Everything is located in the task definition's container files.
            if !cx.reports_on_task_def(td) {
                continue;
            }
            for c in td.containers() {
                // The FireLens router itself is the route, not a source of logs to route.
                if c.get("firelensConfiguration").is_some() {
                    continue;
                }
                let Some((driver, name, routes)) = routes(c) else {
                    skip_unknown_driver(cx, td, c);
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
                    .with_logical(format!("{}/containerDefinitions[{cname}]/logConfiguration", td.logical));
                cx.emit(f);
            }
        }
    }
}
