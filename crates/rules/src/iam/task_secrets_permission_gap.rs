use cutover_semantic::iam::IamIndex;

use cutover_semantic::iam::grants::{ask, Outcome};
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::TaskDef;
use lint_engine::{Label, Rule, RuleContext, Severity};

mod refs;

use refs::{container_refs, SecretRef};

declare_rule! {
    /// ## What it does
    /// Checks that the task execution role can read every secret an ECS task definition names:
    /// `secrets[].valueFrom`, `logConfiguration.secretOptions[].valueFrom` and
    /// `repositoryCredentials.credentialsParameter`. The execution role's policies (inline,
    /// attached customer managed and AWS managed ones) are evaluated for the request ECS makes:
    ///
    /// * `secretsmanager:GetSecretValue` on the secret's ARN. A `:json-key:version-stage:version-id`
    ///   selector is not part of the ARN; an ARN written without the 6-character random suffix
    ///   (`-AbCdEf`) is matched as `<name>-??????`, so a policy resource naming the bare ARN does
    ///   not cover it while `secret:prod/*` does.
    /// * `ssm:GetParameters` on the parameter's ARN. A name-only reference means the task's own
    ///   account and region; a parameter the inputs place in another region needs its full ARN.
    /// * `kms:Decrypt` on the customer managed KMS key of the secret (`kms_key_id`) or of a
    ///   `SecureString` parameter (`key_id`), when the inputs hold it.
    ///
    /// A task definition with secrets and no `executionRoleArn` is an error too. When the role
    /// is not in the inputs, its policies are Terraform expressions, or a statement only applies
    /// under a condition, the finding is an info "cannot verify" naming what is missing.
    ///
    /// ## Why it matters
    /// ECS fetches secrets with the execution role before the container starts. A missing grant
    /// shows up only at deployment, as `ResourceInitializationError: unable to pull secrets or
    /// registry auth`, and the task never runs. `AmazonECSTaskExecutionRolePolicy` does not
    /// include any secrets, SSM or KMS access.
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
    ///       "secrets": [
    ///         {"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf"}
    ///       ]
    ///     }
    ///   ]
    /// }
    /// ```
    /// Here the role is not in the inputs, so the finding is an info "cannot verify"; with the
    /// Terraform of a role that only has `AmazonECSTaskExecutionRolePolicy` attached, it is an
    /// error.
    ///
    /// An execution role allowed to read the `prod/` secrets draws no finding:
    ///
    /// ```json
    /// {"resource": {
    ///   "aws_iam_role": {"exec": {"name": "api-exec",
    ///     "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ecs-tasks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"}},
    ///   "aws_iam_role_policy": {"secrets": {"role": "${aws_iam_role.exec.id}",
    ///     "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/*\"}]}"}},
    ///   "aws_ecs_task_definition": {"api": {"family": "api", "execution_role_arn": "${aws_iam_role.exec.arn}",
    ///     "container_definitions": "[{\"name\":\"api\",\"image\":\"nginx:1.27\",\"secrets\":[{\"name\":\"DB_PASSWORD\",\"valueFrom\":\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf\"}]}]"}}
    /// }}
    /// ```
    ///
    /// ## How to fix
    /// Add a least-privilege statement to the execution role (not the task role), for example
    /// `{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-??????"}`,
    /// plus `kms:Decrypt` on the key when the secret uses a customer managed key. Secrets in
    /// another account also need a resource policy there.
    ///
    /// ## References
    /// - The execution role retrieves secrets and parameters:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html>
    /// - `valueFrom` formats: <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Secret.html>
    pub TaskSecretsPermissionGap {
        id: "IAM005",
        name: "task-secrets-permission-gap",
        severity: Error,
        summary: "ECS task secret or parameter the task execution role is not allowed to read",
        inputs: [TaskDef, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

impl Rule for TaskSecretsPermissionGap {
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

fn check_task_def(cx: &mut RuleContext<'_, '_>, ix: &IamIndex<'_, '_>, td: &TaskDef<'_>) {
    let model = ix.model;
    let tf = td.terraform_index().map(|i| &model.tf[i]);
    let exec = td.field("executionRoleArn").filter(|v| !v.is_null());
    let exec_refs = tf
        .map(|r| r.resource_refs_at(&["execution_role_arn"]))
        .unwrap_or_default();
    let role = ix.role_from_value(tf, &exec_refs, exec);
    let role_arns: Vec<&str> = exec.and_then(Node::literal_str).into_iter().collect();
    let account = ix
        .accounts
        .workload_account(model, td.file, &role_arns)
        .or_else(|| role.and_then(|i| ix.roles[i].account.clone()))
        .map(|(a, _)| a);
    let mut refs: Vec<SecretRef<'_>> = Vec::new();
    let mut unresolved = Vec::new();
    // The containers' file: the task definition's, or the one `file()`/`templatefile()` read.
    let cfile = td.containers().first().map_or(td.file, |c| c.file);
    for c in td.containers() {
        let (found, unknown) = container_refs(ix, tf, c.node, account.as_deref(), None);
        refs.extend(found);
        unresolved.extend(unknown);
    }
    for n in unresolved {
        let text = n.as_str().unwrap_or_default();
        let f = cx
            .finding(
                cfile,
                n.span,
                format!(
                    "cannot verify that the execution role may read `{text}`: the value is an expression that does not resolve to a secret or parameter of the inputs"
                ),
            )
            .with_severity(Severity::Info)
            .with_help("lint the plan JSON (`terraform show -json`), where the value is known")
            .with_logical(format!("{}/{text}", td.logical));
        cx.emit(f);
    }
    if refs.is_empty() {
        return;
    }
    let Some(exec) = exec else {
        let first = &refs[0];
        // The `terraform-aws-modules/ecs` module creates an execution role when none is given
        // (`create_task_exec_iam_role`); its policy is not in the inputs.
        if td.containers().iter().any(|c| c.module.is_some()) {
            let f = cx
                .finding(
                    cfile,
                    first.node.span,
                    format!(
                        "cannot verify that the execution role of `{}` may read {} secret(s): it is the role the terraform-aws-modules/ecs module creates, whose policy is not in the inputs",
                        td.logical,
                        refs.len()
                    ),
                )
                .with_severity(Severity::Info)
                .with_help("pass the role explicitly (`task_exec_iam_role_arn`) or list the secrets in `task_exec_secret_arns` to have them checked")
                .with_logical(format!("{}/executionRoleArn", td.logical));
            cx.emit(f);
            return;
        }
        let f = cx
            .finding(
                cfile,
                first.node.span,
                format!(
                    "`{}` reads {} secret(s) but has no execution role: ECS cannot fetch them and the task does not start",
                    td.logical,
                    refs.len()
                ),
            )
            .with_help("set `executionRoleArn` to a role that allows reading these secrets")
            .with_logical(format!("{}/executionRoleArn", td.logical));
        cx.emit(f);
        return;
    };
    let role_name = role
        .map(|r| format!("`{}`", ix.roles[r].display()))
        .unwrap_or_else(|| format!("`{}`", exec.scalar_text().unwrap_or_default()));
    for r in &refs {
        let what = describe(r);
        if let Some(other) = &r.other_region {
            let f = cx
                .finding(
                    cfile,
                    r.node.span,
                    format!(
                        "{what} names SSM parameter `{}` by name, but the parameter is in region `{other}`: a name only finds parameters in the task's region",
                        r.node.as_str().unwrap_or_default()
                    ),
                )
                .with_help("use the parameter's full ARN")
                .with_logical(format!("{}/{}", td.logical, r.node.as_str().unwrap_or_default()));
            cx.emit(f);
            continue;
        }
        let Some(ri) = role else {
            let f = cx
                .finding(
                    cfile,
                    r.node.span,
                    format!(
                        "cannot verify that execution role {role_name} may read {what}: the role is not in the inputs"
                    ),
                )
                .with_severity(Severity::Info)
                .with_help("add the Terraform that defines the role to the inputs")
                .with_logical(format!("{}/{}", td.logical, r.resource));
            cx.emit(f);
            continue;
        };
        let pols = ix.roles[ri].policy_refs();
        let mut outcome = ask(&pols, r.store.action(), &r.resource, r.partial);
        if matches!(outcome, Outcome::Ok) {
            if let Some(key) = &r.kms_key {
                outcome = ask(&pols, "kms:Decrypt", key, false);
            }
        }
        let role_res = &ix.roles[ri].res;
        let role_label = Label::new(
            role_res.file,
            role_res.anchor,
            format!("execution role {role_name}"),
        );
        match outcome {
            Outcome::Ok => {}
            Outcome::Missing { action, resource } => {
                let stmt = format!(
                    "{{\"Effect\":\"Allow\",\"Action\":\"{action}\",\"Resource\":\"{resource}\"}}"
                );
                let f = cx
                    .finding(
                        cfile,
                        r.node.span,
                        format!(
                            "execution role {role_name} does not allow `{action}` on `{resource}`, so ECS cannot fetch {what} and the task does not start"
                        ),
                    )
                    .with_help(format!("add to the execution role's policy: {stmt}"))
                    .with_note(if resource.ends_with("-??????") {
                        "a Secrets Manager ARN ends with a 6-character random suffix that a policy resource naming the bare ARN does not match; use `-??????` or a wildcard"
                    } else {
                        "the execution role, not the task role, fetches secrets; `AmazonECSTaskExecutionRolePolicy` grants no secrets, SSM or KMS access"
                    })
                    .with_related(role_label)
                    .with_logical(format!("{}/{}", td.logical, r.resource));
                cx.emit(f);
            }
            Outcome::Unverified(why) => {
                let f = cx
                    .finding(
                        cfile,
                        r.node.span,
                        format!(
                            "cannot verify that execution role {role_name} may read {what}: {why}"
                        ),
                    )
                    .with_severity(Severity::Info)
                    .with_related(role_label)
                    .with_logical(format!("{}/{}", td.logical, r.resource));
                cx.emit(f);
            }
        }
    }
}

/// "secret `DB_PASSWORD`", "registry credentials `arn:…`".
fn describe(r: &SecretRef<'_>) -> String {
    match r.name {
        Some(n) => format!("{} `{n}`", r.place.describe()),
        None => format!(
            "{} `{}`",
            r.place.describe(),
            r.node.as_str().unwrap_or_default()
        ),
    }
}
