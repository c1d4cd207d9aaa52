use lint_engine::declare_rule;
use lint_engine::model::TaskDef;
use lint_engine::{Rule, RuleContext};

use super::fargate_reason;
use super::missing_stop_timeout::SPOT_NOTICE_SECONDS;

declare_rule! {
    /// ## What it does
    /// Flags a container `stopTimeout` above 120 seconds in a task definition that runs on
    /// Fargate: its `requiresCompatibilities` includes `FARGATE`, or an ECS service of the
    /// inputs runs it with `launch_type = "FARGATE"` or through a `FARGATE`/`FARGATE_SPOT`
    /// capacity provider. Task definitions that can only run on EC2 are not checked: no maximum
    /// is documented there. Values that are not literal numbers (Terraform variables) are
    /// skipped.
    ///
    /// ## Why it matters
    /// Fargate waits at most 120 seconds between SIGTERM and SIGKILL, and Fargate Spot gives
    /// two minutes' notice. A longer `stopTimeout` promises a drain window the platform will not
    /// give: the container is killed while it still works through requests or jobs it thinks
    /// it has time for. Whether ECS rejects such a value or silently caps it is not documented,
    /// hence a warning rather than an error.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"family": "worker", "requiresCompatibilities": ["FARGATE"], "containerDefinitions": [
    ///   {"name": "worker", "image": "worker:2.1", "stopTimeout": 600}
    /// ]}
    /// ```
    ///
    /// No finding: 120 s is the Fargate maximum.
    /// ```json
    /// {"family": "worker", "requiresCompatibilities": ["FARGATE"], "containerDefinitions": [
    ///   {"name": "worker", "image": "worker:2.1", "stopTimeout": 120}
    /// ]}
    /// ```
    ///
    /// ## How to fix
    /// Set `stopTimeout` to at most 120. Work that needs longer to drain should checkpoint its
    /// progress so that a replacement task can resume it, or run on EC2 capacity rather than
    /// Fargate (and not on Spot).
    ///
    /// ## References
    /// - ContainerDefinition `stopTimeout`:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html>
    /// - Fargate Spot termination notice:
    ///   <https://repost.aws/knowledge-center/fargate-spot-termination-notice>
    pub StopTimeoutOutOfRange {
        id: "ECS003",
        name: "stop-timeout-out-of-range",
        severity: Warning,
        summary: "container stopTimeout above the 120-second Fargate maximum",
        inputs: [TaskDef, TfJson, TfPlan],
        cross_file: false,
        security: false,
    }
}

impl Rule for StopTimeoutOutOfRange {
    // Every finding of the hooks is located in the checked resource's own files.
    fn local_hooks(&self) -> bool {
        true
    }

    fn check_task_def(&self, td: &TaskDef<'_>, cx: &mut RuleContext<'_, '_>) {
        if td.containers().is_empty() {
            return;
        }
        let Some(why) = fargate_reason(cx.model, td) else {
            return;
        };
        for c in td.containers() {
            let Some(v) = c.get("stopTimeout").filter(|v| !v.is_unresolved()) else {
                continue;
            };
            let Some(secs) = v.as_i64() else { continue };
            if secs <= SPOT_NOTICE_SECONDS {
                continue;
            }
            let name = c.display_name();
            let f = cx
                .finding(
                    c.file,
                    v.span,
                    format!(
                        "container `{name}` has `stopTimeout` {secs} s, above the {SPOT_NOTICE_SECONDS} s Fargate maximum"
                    ),
                )
                .with_note(format!("the task runs on Fargate: {why}"))
                .with_help("set `stopTimeout` to at most 120; checkpoint longer work so a new task can resume it")
                .with_logical(format!("{}/containerDefinitions[{name}]/stopTimeout", td.logical));
            cx.emit(f);
        }
    }
}
