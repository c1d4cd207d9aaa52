//! The PAR rules report the values they cannot know through the generic unresolved-input
//! channel: one LINT000 per value, naming the rule that skipped it, and no parity finding.

use lint_engine::load::Limits;
use lint_engine::runner::{load_all, run_rules, MemoryInput};
use lint_engine::{Config, Finding, Model};

/// (rule, line:col-line:col of the primary span, message, help) of the findings of `rules`.
fn findings(files: &[(&str, &str)], rules: &[&str]) -> Vec<(String, String, String, String)> {
    let inputs = files
        .iter()
        .map(|(name, text)| MemoryInput {
            path: (*name).into(),
            bytes: text.as_bytes().to_vec(),
        })
        .collect();
    let outcome = load_all(&[], inputs, &Limits::default());
    let model = Model::build(&outcome.db);
    let found: Vec<Finding> = run_rules(&model, crate::all(), &Config::default());
    found
        .into_iter()
        .filter(|f| rules.contains(&f.rule_id.as_str()))
        .map(|f| {
            let file = outcome.db.get(f.primary.file);
            let a = file.line_col(f.primary.span.start);
            let b = file.line_col(f.primary.span.end);
            (
                f.rule_id.clone(),
                format!("{}:{}-{}:{}", a.line, a.col, b.line, b.col),
                f.message.clone(),
                f.help.clone().unwrap_or_default(),
            )
        })
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
