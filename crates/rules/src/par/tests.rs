//! The PAR rules report the values they cannot know through the generic unresolved-input
//! channel: one LINT000 per value, naming the rule that skipped it, and no parity finding.

/// (rule, line:col-line:col of the primary span, message, help) of the findings of `rules`.
fn findings(files: &[(&str, &str)], rules: &[&str]) -> Vec<(String, String, String, String)> {
    crate::testing::run_all(files)
        .into_iter()
        .filter(|(_, f)| rules.contains(&f.rule_id.as_str()))
        .map(|(span, f)| (f.rule_id, span, f.message, f.help.unwrap_or_default()))
        .collect()
}

/// A task definition `payments` whose container's `stopTimeout` is `stop` (JSON text).
fn task_def(stop: &str) -> String {
    format!(
        r#"{{
  "variable": {{"stop": {{"type": "number"}}}},
  "resource": {{"aws_ecs_task_definition": {{"payments": {{
    "family": "payments",
    "container_definitions": "[{{\"name\": \"app\", \"image\": \"payments:1\", \"stopTimeout\": {stop}}}]"
  }}}}}}
}}
"#
    )
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: payments}
spec:
  selector: {matchLabels: {app: payments}}
  template:
    metadata: {labels: {app: payments}}
    spec:
      containers: [{name: app, image: \"payments:1\"}]
";

#[test]
fn unknown_stop_timeout_is_one_lint000_and_par001_skips() {
    let td = task_def(r#"\"${var.stop}\""#);
    let got = findings(
        &[("main.tf.json", &td), ("deploy.yaml", DEPLOYMENT)],
        &["PAR001", "LINT000"],
    );
    assert_eq!(
        got,
        vec![(
            "LINT000".to_string(),
            "5:96-5:111".to_string(),
            "cannot know `stopTimeout` of container `app` of ECS task definition `aws_ecs_task_definition.payments`: `${var.stop}` is not known statically; PAR001 skipped it".to_string(),
            super::support::TF_HELP.to_string(),
        )]
    );
}

#[test]
fn known_stop_timeout_is_compared() {
    // The same pair with a literal stop timeout: PAR001 compares it and LINT000 stays silent.
    let td = task_def("120");
    let got = findings(
        &[("main.tf.json", &td), ("deploy.yaml", DEPLOYMENT)],
        &["PAR001", "LINT000"],
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "PAR001");
    assert_eq!(got[0].1, "8:5-8:9");
    assert!(got[0].2.contains("the 120 s stop timeout"), "{got:?}");
}

#[test]
fn unknown_grace_period_is_one_lint000_and_par001_skips() {
    let td = task_def("120");
    let deploy = DEPLOYMENT.replace(
        "    spec:\n",
        "    spec:\n      terminationGracePeriodSeconds: 30s\n",
    );
    let got = findings(
        &[("main.tf.json", &td), ("deploy.yaml", &deploy)],
        &["PAR001", "LINT000"],
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "LINT000");
    assert_eq!(got[0].1, "9:38-9:41");
    assert_eq!(
        got[0].2,
        "cannot know the termination grace period of Deployment `payments`: `30s` is not a whole number of seconds; PAR001 skipped it"
    );
}

/// A task definition `payments` whose container `app` has the extra JSON members `extra`.
fn task_def_with(extra: &str) -> String {
    task_def(&format!("60, {extra}"))
}

#[test]
fn unknown_health_check_timeout_is_one_lint000_and_par003_skips() {
    let health = |timeout: &str| {
        task_def_with(&format!(
            r#"\"healthCheck\": {{\"command\": [\"CMD-SHELL\", \"curl -f http://localhost/health || exit 1\"], \"timeout\": {timeout}}}"#
        ))
    };
    let td = health(r#"\"${var.t}\""#);
    // A readiness probe without `timeoutSeconds`: with a known ECS timeout above one second
    // PAR003 would report it.
    let deploy = DEPLOYMENT.replace(
        "image: \"payments:1\"}",
        "image: \"payments:1\", readinessProbe: {httpGet: {path: /health, port: 80}}}",
    );
    let got = findings(
        &[("main.tf.json", &td), ("deploy.yaml", &deploy)],
        &["PAR003", "LINT000"],
    );
    assert_eq!(
        got,
        vec![(
            "LINT000".to_string(),
            "5:208-5:220".to_string(),
            "cannot know the health check `timeout` of container `app` of ECS task definition `payments`: `${var.t}` is not known statically; PAR003 skipped it".to_string(),
            super::support::TF_HELP.to_string(),
        )]
    );
    let known = health("10");
    let got = findings(
        &[("main.tf.json", &known), ("deploy.yaml", &deploy)],
        &["PAR003", "LINT000"],
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "PAR003");
}

#[test]
fn unknown_log_driver_is_one_lint000_and_par010_skips() {
    let td = task_def_with(
        r#"\"logConfiguration\": {\"logDriver\": \"${var.driver}\", \"options\": {\"awslogs-group\": \"/ecs/payments\"}}"#,
    );
    let got = findings(
        &[("main.tf.json", &td), ("deploy.yaml", DEPLOYMENT)],
        &["PAR010", "LINT000"],
    );
    assert_eq!(
        got,
        vec![(
            "LINT000".to_string(),
            "5:138-5:155".to_string(),
            "cannot know the log driver of container `app` of ECS task definition `aws_ecs_task_definition.payments`: `${var.driver}` is not known statically; PAR010 skipped it".to_string(),
            super::support::TF_HELP.to_string(),
        )]
    );
}

#[test]
fn unknown_strategy_of_a_spot_pair_is_one_lint000_and_par007_skips() {
    let tf = r#"variable "lt" {}
resource "aws_ecs_service" "payments" {
  name            = "payments"
  cluster         = "prod"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.payments.arn
  launch_type     = var.lt
}
resource "aws_ecs_task_definition" "payments" {
  family                = "payments"
  container_definitions = jsonencode([{ name = "app", image = "payments:1" }])
}
"#;
    let k8s = format!(
        "apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {{name: spot}}
spec:
  template:
    spec:
      nodeClassRef: {{group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}}
      requirements:
        - {{key: karpenter.sh/capacity-type, operator: In, values: [spot]}}
---
{DEPLOYMENT}"
    );
    let got = findings(
        &[("main.tf", tf), ("deploy.yaml", &k8s)],
        &["PAR007", "LINT000"],
    );
    assert_eq!(
        got,
        vec![(
            "LINT000".to_string(),
            "3:3-3:31".to_string(),
            "cannot know the capacity-provider strategy of ECS service `payments`: `launch_type` is an unresolved expression; PAR007 skipped it".to_string(),
            "add the missing Terraform (the cluster and its capacity providers) to the inputs, or lint the plan JSON (`terraform show -json`)".to_string(),
        )]
    );
}
