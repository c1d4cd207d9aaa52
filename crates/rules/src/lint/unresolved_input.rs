use cutover_semantic::net::Network;
use lint_engine::declare_rule;
use lint_engine::model::{Containers, ModuleDefault, TaskDef};
use lint_engine::{Rule, RuleContext, Severity, Unresolved};

use crate::k8s::deprecated_api_version::lookup;
use crate::k8s::target_version::K8sTargetVersion;

declare_rule! {
    /// ## What it does
    /// Reports inputs cutover cannot evaluate statically, so that a rule that had to skip them
    /// never passes silently:
    /// - an `aws_ecs_task_definition` whose `container_definitions` is a Terraform expression
    ///   (`"${jsonencode(local.containers)}"`) rather than a JSON string, and a
    ///   `container_definitions` string that is not valid JSON;
    /// - a container declared through the `terraform-aws-modules/ecs` module whose `stopTimeout`
    ///   comes from a `container_definition_defaults` that is not a literal;
    /// - a `container_definitions = file(…)` or `templatefile(…)` whose file cannot be read (its
    ///   path needs a value other than `path.module`, the file is not among the inputs, or it is
    ///   not a JSON array of container definitions), named with the reason;
    /// - a subnet whose CIDR is an expression that cannot be evaluated
    ///   (`cidrsubnet(var.vpc_cidr, 8, 1)` where `vpc_cidr` has no default and no tfvars value)
    ///   while a node group, Fargate profile, ECS service, EKS cluster or endpoint uses it, so the
    ///   subnet-size and IP-capacity checks skipped it. The finding names the expression, the
    ///   part that is unknown and why;
    /// - the `count` or `for_each` of a node group, ECS service or interface endpoint that uses a
    ///   subnet of the inputs, when it cannot be evaluated: its IP demand is not counted;
    /// - a value a parity rule needs on a paired ECS service, container or workload
    ///   (`desired_count` or the autoscaling `min_capacity`, `deployment_minimum_healthy_percent`,
    ///   the capacity-provider strategy, a load balancer's `container_port`, an image, a
    ///   `stopTimeout`, a health-check `timeout`, a log driver, a CPU or memory size, a role),
    ///   named with the rule that skipped it;
    /// - the Kubernetes version of an EKS cluster (`aws_eks_cluster.version`, the eks module's
    ///   `kubernetes_version`/`cluster_version`) that cannot be evaluated while manifests on a
    ///   deprecated API version need it (K8S005 then leaves that cluster out of its target);
    /// - any other value a rule needed and could not know, so it skipped a check: a grace
    ///   period, replica count or PDB bound that is not a number (an unrendered template
    ///   value), a namespace or name that is not a string, and the like. The finding names the
    ///   value, why it is unknown and every rule that skipped it, once per value.
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
        inputs: [TfJson, TfPlan, TaskDef, K8s],
        cross_file: true,
        security: false,
    }
}

impl Rule for UnresolvedInput {
    // Every finding of the hooks is located in the checked resource's own files.
    fn local_hooks(&self) -> bool {
        true
    }

    fn report_unresolved(&self, inputs: &[Unresolved], cx: &mut RuleContext<'_, '_>) {
        for u in inputs {
            let mut f = cx
                .finding(
                    u.file,
                    u.span,
                    format!(
                        "cannot know {}: {}; {} skipped it",
                        u.what,
                        u.why,
                        u.rules.join(", ")
                    ),
                )
                .with_help(u.help.clone().unwrap_or_else(|| "write the value as a literal, or lint the rendered manifests or the plan JSON, where it is evaluated".to_string()));
            if let Some(l) = &u.logical {
                f = f.with_logical(l.clone());
            }
            cx.emit(f);
        }
    }

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
        // A cluster version K8S005 needed: only when some manifest is on a listed API version.
        let needed = cx
            .model
            .k8s
            .iter()
            .any(|o| lookup(o.api_version, o.kind).is_some());
        if !needed {
            return;
        }
        for u in &cx.shared::<K8sTargetVersion>().unknown {
            let f = cx
                .finding(
                    u.file,
                    u.span,
                    format!(
                        "cannot evaluate the Kubernetes version of `{}` (`{}`): {}; K8S005 left this cluster out of its target version",
                        u.what, u.attr, u.reason
                    ),
                )
                .with_help("set `k8s.target-version` in cutover.toml, or give the variable a value (tfvars, `--var-file`)")
                .with_logical(format!("{}/{}", u.what, u.attr));
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
            Containers::Unreadable { node, reason } => {
                let f = cx
                    .finding(
                        td.file,
                        node.span,
                        format!(
                            "`container_definitions` of `{}` cannot be read: {reason}; container rules skipped it",
                            td.logical
                        ),
                    )
                    .with_help("keep the file among the inputs with a path cutover can evaluate (a literal, or `path.module`), or lint the plan JSON (`terraform show -json`)")
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
        // Containers of the ECS registry module that set no `stopTimeout` get one from
        // `container_definition_defaults`; when that is not literal, ECS001 skipped them.
        for c in td.containers() {
            let (Some(Some(defaults)), Some(ModuleDefault::Unknown), None) =
                (c.module, c.module_stop_timeout(), c.get("stopTimeout"))
            else {
                continue;
            };
            let name = c.display_name();
            let f = cx
                .finding(
                    td.file,
                    defaults.span,
                    format!(
                        "the `stopTimeout` that `container_definition_defaults` gives container `{name}` of `{}` is a Terraform expression; ECS001 skipped it",
                        td.logical
                    ),
                )
                .with_help("write the default as a literal number, or set `stopTimeout` on the container")
                .with_logical(format!("{}/containerDefinitions[{name}]/stopTimeout", td.logical));
            cx.emit(f);
        }
    }
}
