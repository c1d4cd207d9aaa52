use cutover_semantic::net::Network;
use lint_engine::declare_rule;
use lint_engine::model::{Containers, TaskDef};
use lint_engine::{Rule, RuleContext, Severity};

declare_rule! {
    /// ## What it does
    /// Reports inputs cutover cannot evaluate statically, so that a rule that had to skip them
    /// never passes silently:
    /// - an `aws_ecs_task_definition` whose `container_definitions` is a Terraform expression
    ///   (`"${jsonencode([...])}"`, `"${file(...)}"`) rather than a JSON string, and a
    ///   `container_definitions` string that is not valid JSON;
    /// - a subnet whose CIDR is an expression that cannot be evaluated
    ///   (`cidrsubnet(var.vpc_cidr, 8, 1)` where `vpc_cidr` has no default and no tfvars value)
    ///   while a node group, Fargate profile, ECS service, EKS cluster or endpoint uses it, so the
    ///   subnet-size and IP-capacity checks skipped it. The finding names the expression, the
    ///   part that is unknown and why;
    /// - the `count` or `for_each` of a node group, ECS service or interface endpoint that uses a
    ///   subnet of the inputs, when it cannot be evaluated: its IP demand is not counted.
    ///
    /// ## Why it matters
    /// The container-level rules (stop timeouts, resource sizes, secrets, images) need the
    /// container definitions. Guessing what an expression evaluates to would produce false
    /// findings or hide real ones, so those rules skip the task definition and this rule says so.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"resource": {"aws_ecs_task_definition": {"app": {
    ///   "family": "app",
    ///   "container_definitions": "${jsonencode(local.containers)}"
    /// }}}}
    /// ```
    ///
    /// ## How to fix
    /// Lint the plan instead (`terraform show -json plan.out > plan.json`), where Terraform has
    /// evaluated the expression into a JSON string. An invalid JSON string must be fixed: ECS
    /// would reject it at registration.
    pub UnresolvedInput {
        id: "LINT000",
        name: "unresolved-input",
        severity: Info,
        summary: "input that cannot be evaluated statically, so dependent rules skipped it",
        inputs: [TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

impl Rule for UnresolvedInput {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let net = cx.shared::<Network>();
        for u in &net.unresolved {
            let f = cx
                .finding(
                    u.file,
                    u.span,
                    format!(
                        "CIDR of subnet `{}` is not known statically (`{}`): {}; subnet size and IP capacity were not checked",
                        u.name, u.expr, u.unknown
                    ),
                )
                .with_help("a variable without a value can be given one (`terraform.tfvars`, `*.auto.tfvars`, `--var-file`); otherwise lint the plan JSON (`terraform show -json`), where Terraform has evaluated it")
                .with_logical(u.name.clone())
                .with_note(format!("used by {}", u.used_by.join(", ")));
            cx.emit(f);
        }
        for u in &net.unresolved_counts {
            let f = cx
                .finding(
                    u.file,
                    u.span,
                    format!(
                        "`{}` of `{}` is not known statically (`{}`): {}; its IP demand was not counted",
                        u.attr, u.name, u.expr, u.unknown
                    ),
                )
                .with_help("a variable without a value can be given one (`terraform.tfvars`, `*.auto.tfvars`, `--var-file`); otherwise lint the plan JSON (`terraform show -json`), where Terraform has evaluated it")
                .with_logical(format!("{}/{}", u.name, u.attr));
            cx.emit(f);
        }
    }

    fn check_task_def(&self, td: &TaskDef<'_>, cx: &mut RuleContext<'_, '_>) {
        match &td.containers {
            Containers::Unresolved(node) => {
                let f = cx
                    .finding(
                        td.file,
                        node.span,
                        format!(
                            "`container_definitions` of `{}` is a Terraform expression; container rules skipped it",
                            td.logical
                        ),
                    )
                    .with_help("lint the plan JSON (`terraform show -json`), where the expression is evaluated")
                    .with_logical(format!("{}/container_definitions", td.logical));
                cx.emit(f);
            }
            Containers::Invalid { message, span, .. } => {
                let f = cx
                    .finding(
                        td.file,
                        *span,
                        format!(
                            "`container_definitions` of `{}` is not valid JSON: {message}",
                            td.logical
                        ),
                    )
                    .with_severity(Severity::Error)
                    .with_help("fix the JSON; ECS rejects it at registration")
                    .with_logical(format!("{}/container_definitions", td.logical));
                cx.emit(f);
            }
            _ => {}
        }
    }
}
