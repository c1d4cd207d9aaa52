use cutover_semantic::iam::arn::partition_of_region;
use cutover_semantic::iam::IamIndex;
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::TaskDef;
use lint_engine::source::Span;
use lint_engine::{Label, Rule, RuleContext, Severity};

use cutover_semantic::iam::grants::{ask, Outcome};

declare_rule! {
    /// ## What it does
    /// Checks that the roles of an ECS task definition may write the logs its containers send:
    ///
    /// * `logDriver: awslogs`: the **execution role** needs `logs:CreateLogStream` and
    ///   `logs:PutLogEvents` on the `awslogs-group` (error). `AmazonECSTaskExecutionRolePolicy`
    ///   has them.
    /// * `awslogs-create-group: "true"`: it also needs `logs:CreateLogGroup`, which the managed
    ///   policy does **not** include (error, on the option).
    /// * `logDriver: awsfirelens` with a `Name` of `cloudwatch`/`cloudwatch_logs`,
    ///   `firehose`/`kinesis_firehose`, `kinesis_streams` or `s3`: the **task role** needs the
    ///   destination's write permission (`logs:PutLogEvents`, `firehose:PutRecordBatch`,
    ///   `kinesis:PutRecords`, `s3:PutObject`) (warning).
    ///
    /// The roles' policies are evaluated for the log group, stream or bucket ARN built from the
    /// options (placeholders stand for an unknown region or account). A role outside the inputs
    /// or a grant that depends on a condition or an expression is an info "cannot verify".
    ///
    /// ## Why it matters
    /// Without the grant, an `awslogs` task fails to start (`ResourceInitializationError`), and a
    /// FireLens router silently drops the application's logs. Moving to EKS, the same grants
    /// move to the node role or the log agent's ServiceAccount, so the gaps found here are
    /// the ones to fix on both sides.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {
    ///   "family": "api",
    ///   "executionRoleArn": "arn:aws:iam::111122223333:role/api-exec",
    ///   "containerDefinitions": [
    ///     {
    ///       "name": "api",
    ///       "image": "nginx:1.27",
    ///       "logConfiguration": {
    ///         "logDriver": "awslogs",
    ///         "options": {"awslogs-group": "/ecs/api", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "api"}
    ///       }
    ///     }
    ///   ]
    /// }
    /// ```
    /// Here the role is not in the inputs, so the finding is an info "cannot verify".
    ///
    /// An execution role with `AmazonECSTaskExecutionRolePolicy` (which allows
    /// `logs:CreateLogStream` and `logs:PutLogEvents`) draws no finding:
    ///
    /// ```json
    /// {"resource": {
    ///   "aws_iam_role": {"exec": {"name": "api-exec",
    ///     "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ecs-tasks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"}},
    ///   "aws_iam_role_policy_attachment": {"exec": {"role": "${aws_iam_role.exec.name}",
    ///     "policy_arn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"}},
    ///   "aws_ecs_task_definition": {"api": {"family": "api", "execution_role_arn": "${aws_iam_role.exec.arn}",
    ///     "container_definitions": "[{\"name\":\"api\",\"image\":\"nginx:1.27\",\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/ecs/api\",\"awslogs-region\":\"eu-west-1\",\"awslogs-stream-prefix\":\"api\"}}}]"}}
    /// }}
    /// ```
    ///
    /// ## How to fix
    /// Attach `AmazonECSTaskExecutionRolePolicy` (or the two `logs:` actions) to the execution
    /// role; add `logs:CreateLogGroup` scoped to the group's ARN or create the log group in
    /// Terraform and drop `awslogs-create-group`; grant FireLens destinations on the task role.
    ///
    /// ## References
    /// - The `awslogs` driver and its permissions:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html>
    /// - FireLens task role permissions:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/firelens-taskdef.html>
    pub LogDriverPermissionGap {
        id: "IAM006",
        name: "log-driver-permission-gap",
        severity: Error,
        summary: "ECS log configuration the execution or task role is not allowed to write",
        inputs: [TaskDef, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

impl Rule for LogDriverPermissionGap {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let ix = cx.shared::<IamIndex>();
        // Findings are located in the task definition's files.
        for td in &ix.model.task_defs {
            if !cx.reports_on_task_def(td) {
                continue;
            }
            check_task_def(cx, ix, td);
        }
    }
}

/// One permission a log configuration needs.
struct Need {
    /// `true`: the execution role; `false`: the task role.
    execution: bool,
    actions: Vec<&'static str>,
    resource: String,
    partial: bool,
    span: Span,
    severity: Severity,
    /// For messages: "log group `/ecs/api`".
    what: String,
}

fn opt<'a>(options: Option<&'a Node>, key: &str) -> Option<&'a Node> {
    options.and_then(|o| o.get(key))
}

fn opt_str<'a>(options: Option<&'a Node>, key: &str) -> Option<&'a str> {
    opt(options, key).and_then(Node::literal_str)
}

fn arn(service: &str, region: Option<&str>, account: Option<&str>, rest: &str) -> (String, bool) {
    let partition = region.map(partition_of_region).unwrap_or("aws");
    (
        format!(
            "arn:{partition}:{service}:{}:{}:{rest}",
            region.unwrap_or("REGION"),
            account.unwrap_or("ACCOUNT")
        ),
        region.is_none() || account.is_none(),
    )
}

fn needs<'a>(driver: &'a Node, options: Option<&'a Node>, account: Option<&str>) -> Vec<Need> {
    let mut out = Vec::new();
    match driver.literal_str() {
        Some("awslogs") => {
            let Some(group) = opt_str(options, "awslogs-group") else {
                return out;
            };
            let region = opt_str(options, "awslogs-region");
            let (res, partial) = arn("logs", region, account, &format!("log-group:{group}:*"));
            out.push(Need {
                execution: true,
                actions: vec!["logs:CreateLogStream", "logs:PutLogEvents"],
                resource: res.clone(),
                partial,
                span: driver.span,
                severity: Severity::Error,
                what: format!("log group `{group}`"),
            });
            if let Some(c) = opt(options, "awslogs-create-group") {
                let on = c
                    .literal_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("true"))
                    || c.as_bool() == Some(true);
                if on {
                    out.push(Need {
                        execution: true,
                        actions: vec!["logs:CreateLogGroup"],
                        resource: res,
                        partial,
                        span: c.span,
                        severity: Severity::Error,
                        what: format!("log group `{group}` (`awslogs-create-group`)"),
                    });
                }
            }
        }
        Some("awsfirelens") => {
            let name = opt_str(options, "Name")
                .unwrap_or_default()
                .to_ascii_lowercase();
            let region = opt_str(options, "region");
            let (actions, rest, what): (Vec<&'static str>, Option<String>, String) =
                match name.as_str() {
                    "cloudwatch" | "cloudwatch_logs" => {
                        let g = opt_str(options, "log_group_name");
                        (
                            vec!["logs:CreateLogStream", "logs:PutLogEvents"],
                            g.map(|g| format!("log-group:{g}:*")),
                            format!("CloudWatch log group `{}`", g.unwrap_or("?")),
                        )
                    }
                    "firehose" | "kinesis_firehose" => {
                        let s = opt_str(options, "delivery_stream");
                        (
                            vec!["firehose:PutRecordBatch"],
                            s.map(|s| format!("deliverystream/{s}")),
                            format!("Firehose delivery stream `{}`", s.unwrap_or("?")),
                        )
                    }
                    "kinesis" | "kinesis_streams" => {
                        let s = opt_str(options, "stream");
                        (
                            vec!["kinesis:PutRecords"],
                            s.map(|s| format!("stream/{s}")),
                            format!("Kinesis stream `{}`", s.unwrap_or("?")),
                        )
                    }
                    "s3" => {
                        let b = opt_str(options, "bucket");
                        (
                            vec!["s3:PutObject"],
                            b.map(|b| format!("{b}/*")),
                            format!("S3 bucket `{}`", b.unwrap_or("?")),
                        )
                    }
                    _ => return out,
                };
            let Some(rest) = rest else { return out };
            let (resource, partial) = match name.as_str() {
                "s3" => (format!("arn:aws:s3:::{rest}"), false),
                "cloudwatch" | "cloudwatch_logs" => arn("logs", region, account, &rest),
                "firehose" | "kinesis_firehose" => arn("firehose", region, account, &rest),
                _ => arn("kinesis", region, account, &rest),
            };
            out.push(Need {
                execution: false,
                actions,
                resource,
                partial,
                span: driver.span,
                severity: Severity::Warning,
                what,
            });
        }
        _ => {}
    }
    out
}

fn check_task_def(cx: &mut RuleContext<'_, '_>, ix: &IamIndex<'_, '_>, td: &TaskDef<'_>) {
    let model = ix.model;
    let tf = td.terraform_index().map(|i| &model.tf[i]);
    let role_of = |camel: &str, snake: &str| {
        let v = td.field(camel).filter(|v| !v.is_null());
        let refs = tf.map(|r| r.resource_refs_at(&[snake])).unwrap_or_default();
        (v, ix.role_from_value(tf, &refs, v))
    };
    let exec = role_of("executionRoleArn", "execution_role_arn");
    let task = role_of("taskRoleArn", "task_role_arn");
    let arns: Vec<&str> = [exec.0, task.0]
        .into_iter()
        .flatten()
        .filter_map(Node::literal_str)
        .collect();
    let account = ix
        .accounts
        .workload_account(model, td.file, &arns)
        .or_else(|| exec.1.and_then(|i| ix.roles[i].account.clone()))
        .map(|(a, _)| a);
    for c in td.containers() {
        let Some(lc) = c.get("logConfiguration") else {
            continue;
        };
        let Some(driver) = lc.get("logDriver") else {
            continue;
        };
        for n in needs(driver, lc.get("options"), account.as_deref()) {
            let (kind, (node, role)) = if n.execution {
                ("execution role", exec)
            } else {
                ("task role", task)
            };
            let logical = format!("{}/{}/{}", td.logical, c.display_name(), n.actions[0]);
            let Some(node) = node else {
                // A task definition of the `terraform-aws-modules/ecs` module without a role of
                // its own gets the roles the module creates (by default), which the inputs do
                // not spell out.
                if c.module.is_some() {
                    let f = cx
                        .finding(
                            c.file,
                            n.span,
                            format!(
                                "cannot verify that container `{}` may write to {}: its {kind} is the one the terraform-aws-modules/ecs module creates, whose policy is not in the inputs",
                                c.display_name(),
                                n.what
                            ),
                        )
                        .with_severity(Severity::Info)
                        .with_help("pass the role explicitly (`task_exec_iam_role_arn`, `tasks_iam_role_arn`) to have it checked")
                        .with_logical(logical);
                    cx.emit(f);
                    continue;
                }
                // On EC2, the ECS agent sends `awslogs` logs with the container instance role
                // when there is no execution role; that role is not linked in the inputs.
                if n.execution && !td.requires_fargate() {
                    let f = cx
                        .finding(
                            c.file,
                            n.span,
                            format!(
                                "cannot verify that container `{}` may write to {}: without an execution role the container instance role writes the logs on EC2, and that role is not linked in the inputs",
                                c.display_name(),
                                n.what
                            ),
                        )
                        .with_severity(Severity::Info)
                        .with_help("set an execution role with `logs:CreateLogStream` and `logs:PutLogEvents`, which Fargate requires anyway")
                        .with_logical(logical);
                    cx.emit(f);
                    continue;
                }
                let f = cx
                    .finding(
                        c.file,
                        n.span,
                        format!(
                            "container `{}` writes to {} but the task definition has no {kind}: the permission `{}` cannot be granted",
                            c.display_name(),
                            n.what,
                            n.actions.join("`, `")
                        ),
                    )
                    .with_severity(n.severity)
                    .with_help(format!("set the {kind} to a role that allows `{}`", n.actions.join("`, `")))
                    .with_logical(logical);
                cx.emit(f);
                continue;
            };
            let who = match role {
                Some(r) => format!("`{}`", ix.roles[r].display()),
                None => format!("`{}`", node.scalar_text().unwrap_or_default()),
            };
            let Some(ri) = role else {
                let f = cx
                    .finding(
                        c.file,
                        n.span,
                        format!("cannot verify that {kind} {who} may write to {}: the role is not in the inputs", n.what),
                    )
                    .with_severity(Severity::Info)
                    .with_help("add the Terraform that defines the role to the inputs")
                    .with_logical(logical);
                cx.emit(f);
                continue;
            };
            let pols = ix.roles[ri].policy_refs();
            let mut outcome = Outcome::Ok;
            for a in &n.actions {
                outcome = ask(&pols, a, &n.resource, n.partial);
                if !matches!(outcome, Outcome::Ok) {
                    break;
                }
            }
            let r = &ix.roles[ri].res;
            let label = Label::new(r.file, r.anchor, format!("{kind} {who}"));
            let f = match outcome {
                Outcome::Ok => continue,
                Outcome::Missing { action, resource } => cx
                    .finding(
                        c.file,
                        n.span,
                        format!(
                            "{kind} {who} does not allow `{action}` on `{resource}`, so container `{}` cannot write to {}",
                            c.display_name(),
                            n.what
                        ),
                    )
                    .with_severity(n.severity)
                    .with_help(format!(
                        "add to the {kind}'s policy: {{\"Effect\":\"Allow\",\"Action\":\"{action}\",\"Resource\":\"{resource}\"}}"
                    )),
                Outcome::Unverified(why) => cx
                    .finding(
                        c.file,
                        n.span,
                        format!("cannot verify that {kind} {who} may write to {}: {why}", n.what),
                    )
                    .with_severity(Severity::Info),
            };
            cx.emit(f.with_related(label).with_logical(logical));
        }
    }
}
