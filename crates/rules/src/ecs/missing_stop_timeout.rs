use lint_engine::declare_rule;
use lint_engine::model::TaskDef;
use lint_engine::{Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags every essential container of an ECS task definition that has no `stopTimeout`, or
    /// one below `ecs.min_stop_timeout_seconds` (default 30). Containers with
    /// `"essential": false` are skipped, and so are FireLens log routers (containers with
    /// `firelensConfiguration`), which ECS stops after the containers that log through them;
    /// set `ecs.include_log_routers = true` to check them too.
    ///
    /// ## Why it matters
    /// When ECS stops a task (deployment, scale-in, Spot interruption) it sends SIGTERM, waits
    /// `stopTimeout` seconds, then sends SIGKILL. Without the parameter the wait is 30 s on
    /// Fargate (and the agent's `ECS_CONTAINER_STOP_TIMEOUT`, default 30 s, on EC2). A service
    /// that needs longer to drain in-flight requests or finish a job loses that work. The
    /// Kubernetes counterpart is `terminationGracePeriodSeconds`; a migration should carry the
    /// real drain time across instead of two unrelated defaults. Fargate Spot gives a two-minute
    /// warning, so Spot services should use the full 120 s.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"family": "api", "containerDefinitions": [
    ///   {"name": "api", "image": "nginx:1.27", "essential": true}
    /// ]}
    /// ```
    ///
    /// No finding: the drain time is explicit, and the log sidecar is not essential.
    /// ```json
    /// {"family": "api", "containerDefinitions": [
    ///   {"name": "api", "image": "nginx:1.27", "stopTimeout": 90},
    ///   {"name": "log", "image": "fluent-bit:3", "essential": false}
    /// ]}
    /// ```
    ///
    /// ## How to fix
    /// Set `stopTimeout` on each essential container to the time the application really needs
    /// to drain (Fargate allows at most 120 s), and make sure the container's main process
    /// receives SIGTERM and handles it (an `exec` entrypoint, or an init such as `tini`).
    ///
    /// ## References
    /// - ContainerDefinition `stopTimeout` and `essential`:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html>
    /// - Fargate Spot termination notice:
    ///   <https://repost.aws/knowledge-center/fargate-spot-termination-notice>
    pub MissingStopTimeout {
        id: "ECS001",
        name: "missing-stop-timeout",
        severity: Warning,
        summary: "essential ECS container without a stopTimeout long enough to drain on SIGTERM",
        inputs: [TaskDef, TfJson, TfPlan],
        cross_file: false,
        security: false,
    }
}

/// Fargate's (and the ECS agent's) default wait between SIGTERM and SIGKILL.
pub const DEFAULT_STOP_TIMEOUT: i64 = 30;

impl Rule for MissingStopTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_task_def(&self, td: &TaskDef<'_>, cx: &mut RuleContext<'_, '_>) {
        let min = cx.config.ecs.min_stop_timeout_seconds;
        for c in td.containers() {
            if !c.is_essential() {
                continue;
            }
            if c.get("firelensConfiguration").is_some() && !cx.config.ecs.include_log_routers {
                continue;
            }
            let name = c.display_name();
            let logical = format!("{}/containerDefinitions[{name}]", td.logical);
            match c.get("stopTimeout") {
                None
                | Some(lint_engine::doc::Node {
                    value: lint_engine::doc::Value::Null,
                    ..
                }) => {
                    let f = cx
                        .finding(
                            td.file,
                            c.anchor(),
                            format!(
                                "container `{name}` has no `stopTimeout`: SIGTERM then SIGKILL after {DEFAULT_STOP_TIMEOUT} s"
                            ),
                        )
                        .with_missing(format!("containerDefinitions[{}].stopTimeout", c.index))
                        .with_help("set `stopTimeout` to the time the app needs to drain (at most 120 on Fargate) and handle SIGTERM in the main process")
                        .with_logical(logical);
                    cx.emit(f);
                }
                Some(v) if v.is_unresolved() => {}
                Some(v) => {
                    if let Some(secs) = v.as_i64() {
                        if secs < min {
                            let f = cx
                                .finding(
                                    td.file,
                                    v.span,
                                    format!(
                                        "container `{name}` has `stopTimeout` {secs} s, below the {min} s minimum"
                                    ),
                                )
                                .with_help("raise `stopTimeout` to the app's real drain time (at most 120 on Fargate)")
                                .with_logical(logical);
                            cx.emit(f);
                        }
                    }
                }
            }
        }
    }
}
