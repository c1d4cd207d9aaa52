use cutover_semantic::iam::arn::{account_root, ecr_repository_arn, partition_of_region};
use cutover_semantic::iam::{
    aws_owned, evaluate, parse_image, AccountSource, Decision, IamIndex, ImageRef, PrincipalRef,
    Request,
};
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{TaskDef, Workload};
use lint_engine::runner::{par_map, par_map_owned};
use lint_engine::source::{FileId, Span};
use lint_engine::{Label, Rule, RuleContext, RuleMeta, Severity};

declare_rule! {
    /// ## What it does
    /// Checks every private Amazon ECR image that a task or pod pulls **from another AWS
    /// account**, on both sides of the pull:
    ///
    /// 1. the image URI gives the registry account A (`<A>.dkr.ecr.<region>.amazonaws.com/…`);
    /// 2. the workload runs in account B, found from the `[accounts]` configuration
    ///    (`paths`/`workspaces` map, then `workload_account_id`), the account of its literal role
    ///    ARNs, the AWS provider's `allowed_account_ids` or `data.aws_caller_identity` in a plan;
    /// 3. the *puller* in B must be allowed `ecr:GetAuthorizationToken` on `*` and
    ///    `ecr:BatchGetImage` + `ecr:GetDownloadUrlForLayer` on the repository ARN. The puller is
    ///    the task execution role on ECS (the container instance role when the task definition
    ///    is EC2-only), and on EKS the node role (`aws_eks_node_group.node_role_arn`, Karpenter
    ///    `EC2NodeClass.spec.role`) or, for pods a Fargate profile selects, the pod execution
    ///    role. The IRSA / Pod Identity role is never the puller: the kubelet pulls images;
    /// 4. the repository policy in A must `Allow` account B (`arn:aws:iam::B:root` or `"B"`) or
    ///    the puller role to `ecr:BatchGetImage` and `ecr:GetDownloadUrlForLayer`, with no
    ///    matching `Deny`. A repository in the inputs without any policy is a gap.
    ///
    /// Repositories under an `aws_ecr_pull_through_cache_rule` prefix also need
    /// `ecr:BatchImportUpstreamImage` on the puller. A gap is an error whose message carries
    /// the statement to add. When a side cannot be checked (the repository or the role is not
    /// in the inputs, a policy is a Terraform expression, or a grant depends on a `Condition`
    /// such as `aws:PrincipalOrgID`) the rule reports an info finding "cannot verify" instead of
    /// staying silent. Conditions are never evaluated.
    ///
    /// Not checked: same-account pulls; ECR Public and other registries; the AWS-owned ECR
    /// accounts of EKS add-ons, App Mesh Envoy and AWS for Fluent Bit (plus
    /// `accounts.trusted_registry_accounts`); images built from Terraform expressions
    /// (`${aws_ecr_repository.app.repository_url}` is in the same account unless a provider
    /// alias says otherwise). When the workload's own account cannot be determined the rule
    /// says so (info) instead of guessing; set `accounts.workload_account_id` (or
    /// `[accounts.paths]`) to check Kubernetes manifests. A registry policy
    /// (`aws_ecr_registry_policy`) governs replication and pull-through cache, not ordinary
    /// pulls, so it is ignored. A task definition without `requiresCompatibilities` is
    /// treated as using its execution role, unless a Terraform `aws_ecs_service` with
    /// `launch_type = "EC2"` runs it.
    ///
    /// ## Why it matters
    /// Cross-account ECR needs two grants: an identity policy in the pulling account and a
    /// repository policy in the registry account. Teams usually get the first right and miss
    /// the second; the task then fails with `CannotPullContainerError` ("no basic auth
    /// credentials") and the pod with `ImagePullBackOff` at cut-over, long after `terraform
    /// apply` succeeded. Moving from ECS to EKS also moves the puller from the execution role
    /// to the node role, which a repository policy naming the old role ARN does not grant.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"family": "api",
    ///  "requiresCompatibilities": ["FARGATE"],
    ///  "executionRoleArn": "arn:aws:iam::222233334444:role/api-exec",
    ///  "containerDefinitions": [
    ///    {"name": "api", "image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.2", "stopTimeout": 60}
    ///  ]}
    /// ```
    /// The repository lives in account 111122223333 and is not part of the inputs, so the
    /// pull cannot be verified (info). With the repository's Terraform in the inputs and a
    /// policy that grants another account, it is an error.
    ///
    /// No finding: the image is in the workload's own account.
    /// ```json
    /// {"family": "api",
    ///  "requiresCompatibilities": ["FARGATE"],
    ///  "executionRoleArn": "arn:aws:iam::222233334444:role/api-exec",
    ///  "containerDefinitions": [
    ///    {"name": "api", "image": "222233334444.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.2", "stopTimeout": 60}
    ///  ]}
    /// ```
    ///
    /// ## How to fix
    /// In account B, give the puller (execution role, node role or Fargate pod execution role,
    /// not the IRSA role) `ecr:GetAuthorizationToken` on `*` and the three read actions on the
    /// repository ARN. In account A, add a repository policy statement that allows
    /// `arn:aws:iam::B:root` (or the puller role ARN) `ecr:BatchGetImage`,
    /// `ecr:GetDownloadUrlForLayer` and `ecr:BatchCheckLayerAvailability`.
    ///
    /// ## References
    /// - Repository policy examples, "Allow another account":
    ///   <https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html>
    /// - Task execution role and cross-account pulls:
    ///   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html>
    /// - ECR with ECS (instance role vs execution role):
    ///   <https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html>
    /// - ECR with EKS (node role, Fargate pod execution role):
    ///   <https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_EKS.html>
    /// - Pull-through cache permissions:
    ///   <https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html>
    /// - EKS add-on registries: <https://docs.aws.amazon.com/eks/latest/userguide/add-ons-images.html>
    pub EcrCrossAccountPullGap {
        id: "IAM002",
        name: "ecr-cross-account-pull-gap",
        severity: Error,
        summary: "image pulled from another account's ECR registry without both the puller's grant and the repository policy grant",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: true,
    }
}

const PULL_ACTIONS: [&str; 2] = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/// Who pulls, as far as the inputs tell.
struct Puller {
    /// "execution role", "node role", "Fargate pod execution role", "container instance role".
    kind: &'static str,
    /// Index into `IamIndex::roles` when the role is in the inputs.
    role: Option<usize>,
    /// The role ARN (literal or built from the role in the inputs).
    arn: Option<String>,
    /// Display name: `aws_iam_role.exec` or the ARN.
    display: String,
    /// Where the workload names it (the `executionRoleArn` / `node_role_arn` value).
    label: Option<(FileId, Span)>,
}

/// One image occurrence to check.
struct Pull<'n> {
    file: FileId,
    image_node: &'n Node,
    image: ImageRef,
    logical: String,
    account: Option<(String, AccountSource)>,
    pullers: Vec<Puller>,
    /// Why the puller could not be determined, when `pullers` is empty.
    no_puller: Option<String>,
    /// IRSA / Pod Identity roles of the pod (for the "wrong role" note).
    pod_roles: Vec<usize>,
}

impl Rule for EcrCrossAccountPullGap {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let ix = cx.shared::<IamIndex>();
        let model = cx.model;
        let ec2_tds = ec2_service_task_defs(model);
        // Task definitions, workloads and then pulls are independent of each other: each is
        // checked in parallel and the results kept in model order.
        let mut pulls: Vec<Pull<'_>> = par_map(&model.task_defs, |td| {
            let mut out = Vec::new();
            task_def_pulls(ix, td, &ec2_tds, &mut out);
            out
        })
        .into_iter()
        .flatten()
        .collect();
        pulls.extend(
            par_map(&model.workloads, |w| {
                let mut out = Vec::new();
                workload_pulls(ix, w, &mut out);
                out
            })
            .into_iter()
            .flatten(),
        );
        let base = cx.fork();
        let found = par_map_owned(pulls, |p| {
            let mut part = base.fork();
            check_pull(ix, &mut part, p);
            part.findings
        });
        for f in found.into_iter().flatten() {
            cx.emit(f);
        }
    }
}

fn role_puller(
    ix: &IamIndex<'_, '_>,
    kind: &'static str,
    role: Option<usize>,
    literal: Option<&str>,
    label: Option<(FileId, Span)>,
) -> Puller {
    let r = role.map(|i| &ix.roles[i]);
    let arn = literal
        .map(str::to_string)
        .or_else(|| r.and_then(|r| r.arn_or_built()));
    let display = match (r, &arn) {
        (Some(r), _) => r.display(),
        (None, Some(a)) => a.clone(),
        (None, None) => "(unknown)".into(),
    };
    Puller {
        kind,
        role,
        arn,
        display,
        label,
    }
}

/// Indexes in `Model::tf` of the task definitions that a service with `launch_type = "EC2"` runs
/// by reference (one pass over the services instead of one per task definition).
fn ec2_service_task_defs(model: &lint_engine::Model<'_>) -> std::collections::HashSet<usize> {
    let mut out = std::collections::HashSet::new();
    for svc in model.tf_of_type("aws_ecs_service") {
        if svc.attr("launch_type").and_then(Node::as_str) != Some("EC2") {
            continue;
        }
        for r in svc.resource_refs_at(&["task_definition"]) {
            if let Some(i) = model
                .resolve_tf(svc, &r.address)
                .and_then(|t| model.tf_index(t))
            {
                out.insert(i);
            }
        }
    }
    out
}

fn task_def_pulls<'n>(
    ix: &IamIndex<'_, 'n>,
    td: &TaskDef<'n>,
    ec2_tds: &std::collections::HashSet<usize>,
    out: &mut Vec<Pull<'n>>,
) {
    let model = ix.model;
    let tf = td.terraform_index().map(|i| &model.tf[i]);
    let exec = td.field("executionRoleArn");
    let task = td.field("taskRoleArn");
    let exec_role = ix.role_from_value(
        tf,
        &tf.map(|r| r.resource_refs_at(&["execution_role_arn"]))
            .unwrap_or_default(),
        exec,
    );
    let mut role_arns: Vec<&str> = [
        exec.and_then(Node::literal_str),
        task.and_then(Node::literal_str),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(a) = exec_role.and_then(|i| ix.roles[i].arn.as_deref()) {
        role_arns.push(a);
    }
    let account = ix
        .accounts
        .workload_account(model, td.file, &role_arns)
        .or_else(|| exec_role.and_then(|i| ix.roles[i].account.clone()));
    let compat: Vec<&str> = td
        .field("requiresCompatibilities")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .collect();
    // Without `requiresCompatibilities`, an ECS service with `launch_type = "EC2"` that runs
    // this task definition (Terraform) makes it an EC2 task.
    let service_ec2 = compat.is_empty()
        && td
            .terraform_index()
            .is_some_and(|i| tf.is_some() && ec2_tds.contains(&i));
    let ec2_only = (!compat.is_empty() && !compat.contains(&"FARGATE")) || service_ec2;
    let mut pullers = Vec::new();
    let mut no_puller = None;
    if ec2_only {
        no_puller = Some("the task runs on EC2, so the container instance role pulls images, and that role is not linked in the inputs".to_string());
    } else if let (None, Some(_)) = (exec.filter(|v| !v.is_null()), exec_role) {
        // A plan: the ARN is unknown until apply, the configuration references the role.
        pullers.push(role_puller(ix, "execution role", exec_role, None, None));
    } else if let Some(v) = exec.filter(|v| !v.is_null()) {
        if exec_role.is_some() || v.literal_str().is_some() {
            pullers.push(role_puller(
                ix,
                "execution role",
                exec_role,
                v.literal_str(),
                Some((td.file, v.span)),
            ));
        } else {
            no_puller =
                Some("the execution role is a Terraform expression that cannot be resolved".into());
        }
    } else {
        no_puller = Some("MISSING_EXEC".into());
    }
    for c in td.containers() {
        let Some(img) = c.get("image") else { continue };
        let Some(s) = img.literal_str() else { continue };
        let Some(image) = parse_image(s) else {
            continue;
        };
        out.push(Pull {
            file: td.file,
            image_node: img,
            image,
            logical: format!("{}/containerDefinitions[{}]", td.logical, c.display_name()),
            account: account.clone(),
            pullers: pullers
                .iter()
                .map(|p| Puller {
                    kind: p.kind,
                    role: p.role,
                    arn: p.arn.clone(),
                    display: p.display.clone(),
                    label: p.label,
                })
                .collect(),
            no_puller: no_puller.clone(),
            pod_roles: Vec::new(),
        });
    }
}

fn workload_pulls<'n>(ix: &IamIndex<'_, 'n>, w: &Workload<'n>, out: &mut Vec<Pull<'n>>) {
    let model = ix.model;
    let obj = &model.k8s[w.object];
    let ns = obj.namespace_or_default();
    let labels: Vec<(String, String)> = w
        .pod_labels
        .and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| {
            m.value
                .scalar_text()
                .map(|t| (m.key.clone(), t.into_owned()))
        })
        .collect();
    let nodes = ix.pullers_for_pod(ns, &labels);
    let mut pullers = Vec::new();
    for n in &nodes {
        let kind = if n.fargate {
            "Fargate pod execution role"
        } else {
            "node role"
        };
        if n.role.is_some() || n.literal_arn.is_some() {
            pullers.push(role_puller(
                ix,
                kind,
                n.role,
                n.literal_arn,
                Some((n.file, n.value.span)),
            ));
        }
    }
    let role_arns: Vec<&str> = nodes
        .iter()
        .filter_map(|n| {
            n.literal_arn
                .or_else(|| n.role.and_then(|r| ix.roles[r].arn.as_deref()))
        })
        .collect();
    let account = ix
        .accounts
        .workload_account(model, obj.file, &role_arns)
        .or_else(|| {
            nodes
                .iter()
                .find_map(|n| n.role.and_then(|r| ix.roles[r].account.clone()))
        });
    let no_puller = pullers
        .is_empty()
        .then(|| "no EKS node role or Fargate pod execution role is in the inputs".to_string());
    let sa = w
        .pod_spec
        .get("serviceAccountName")
        .or_else(|| w.pod_spec.get("serviceAccount"))
        .and_then(Node::as_str)
        .unwrap_or("default");
    let pod_roles: Vec<usize> = ix
        .sa_identities(ns, sa)
        .iter()
        .filter_map(|i| i.role())
        .collect();
    for c in w.containers.iter().chain(&w.init_containers) {
        let Some(img) = c.get("image") else { continue };
        let Some(s) = img.literal_str() else { continue };
        let Some(image) = parse_image(s) else {
            continue;
        };
        out.push(Pull {
            file: obj.file,
            image_node: img,
            image,
            logical: format!("{}/{}", obj.logical(), c.path()),
            account: account.clone(),
            pullers: pullers
                .iter()
                .map(|p| Puller {
                    kind: p.kind,
                    role: p.role,
                    arn: p.arn.clone(),
                    display: p.display.clone(),
                    label: p.label,
                })
                .collect(),
            no_puller: no_puller.clone(),
            pod_roles: pod_roles.clone(),
        });
    }
}

fn json_list(items: &[&str]) -> String {
    let q: Vec<String> = items.iter().map(|a| format!("\"{a}\"")).collect();
    if q.len() == 1 {
        q[0].clone()
    } else {
        format!("[{}]", q.join(","))
    }
}

fn check_pull(ix: &IamIndex<'_, '_>, cx: &mut RuleContext<'_, '_>, p: Pull<'_>) {
    let Some((reg_account, region)) = p.image.ecr() else {
        return;
    };
    if aws_owned(reg_account).is_some()
        || cx
            .config
            .accounts
            .trusted_registry_accounts
            .iter()
            .any(|a| a == reg_account)
    {
        return;
    }
    let Some((wl_account, wl_source)) = p.account.clone() else {
        let f = cx
            .finding(
                p.file,
                p.image_node.span,
                format!(
                    "cannot verify the pull of `{reg_account}/{}`: the account this workload runs in is unknown, so a cross-account pull cannot be ruled out",
                    p.image.repository
                ),
            )
            .with_severity(Severity::Info)
            .with_help("set `accounts.workload_account_id` (or map this path in `[accounts.paths]`) in cutover.toml, or use literal role ARNs")
            .with_note(format!("registry account `{reg_account}` is from the image URI"))
            .with_logical(p.logical);
        cx.emit(f);
        return;
    };
    if wl_account == reg_account {
        return;
    }
    let partition = partition_of_region(region);
    let repo_name = p.image.repository.clone();
    let repo_arn = ecr_repository_arn(partition, region, reg_account, &repo_name);
    let short = format!("{reg_account}/{repo_name}");
    let account_note = format!(
        "registry account `{reg_account}` is from the image URI; workload account `{wl_account}` is from {}",
        wl_source.describe()
    );
    let mut out: Vec<lint_engine::Finding> = Vec::new();
    let mut unverified: Vec<String> = Vec::new();

    // Pull-through cache prefix: the puller also imports upstream images.
    let ptc = ix.pull_through_prefixes.iter().find(|(prefix, r)| {
        repo_name.starts_with(&format!("{prefix}/"))
            && ix
                .accounts
                .resource_account(ix.model, r.file, &r.dir)
                .is_none_or(|(a, _)| a == reg_account)
    });
    let mut needed: Vec<(&str, &str)> = vec![
        ("ecr:GetAuthorizationToken", "*"),
        (PULL_ACTIONS[0], repo_arn.as_str()),
        (PULL_ACTIONS[1], repo_arn.as_str()),
    ];
    if ptc.is_some() {
        needed.push(("ecr:BatchImportUpstreamImage", repo_arn.as_str()));
    }

    // Side B: the puller's identity policies.
    if p.pullers.is_empty() {
        match p.no_puller.as_deref() {
            Some("MISSING_EXEC") => {
                let f = cx
                    .finding(
                        p.file,
                        p.image_node.span,
                        format!(
                            "image from account `{reg_account}` cannot be pulled: the task definition has no `executionRoleArn`, and Fargate pulls private ECR images with the execution role"
                        ),
                    )
                    .with_help(format!(
                        "set `executionRoleArn` to a role in account `{wl_account}` that allows {} and add a repository policy statement in account `{reg_account}` for it",
                        side_b_statements(&needed.iter().map(|n| n.0).collect::<Vec<_>>(), &repo_arn)
                    ))
                    .with_note(account_note.clone())
                    .with_missing("executionRoleArn")
                    .with_logical(p.logical.clone());
                out.push(f);
            }
            Some(why) => unverified.push(format!("the puller's policies ({why})")),
            None => {}
        }
    }
    for pl in &p.pullers {
        let Some(ri) = pl.role else {
            unverified.push(format!(
                "the policies of {} `{}` (not in the inputs)",
                pl.kind, pl.display
            ));
            continue;
        };
        let role = &ix.roles[ri];
        let pols = role.policy_refs();
        let mut missing = Vec::new();
        let mut unsure = Vec::new();
        for (action, resource) in &needed {
            let ev = evaluate(
                &pols,
                &Request {
                    action,
                    resource,
                    principal: None,
                },
            );
            match ev.decision {
                Decision::Allow => {}
                Decision::Deny | Decision::ImplicitDeny => missing.push(*action),
                Decision::Conditional | Decision::Unknown => unsure.push(*action),
            }
        }
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|a| format!("`{a}`")).collect();
            let stmt = side_b_statements(&missing, &repo_arn);
            let mut f = cx
                .finding(
                    p.file,
                    p.image_node.span,
                    format!(
                        "image from account `{reg_account}` cannot be pulled: {} `{}` in account `{wl_account}` is not allowed {}; add {stmt}",
                        pl.kind,
                        role.display(),
                        list.join(", ")
                    ),
                )
                .with_help(format!(
                    "add to the policies of `{}`: {stmt}",
                    role.display()
                ))
                .with_note(account_note.clone())
                .with_logical(p.logical.clone());
            if let Some((file, span)) = pl.label {
                f = f.with_related(Label::new(file, span, format!("{} named here", pl.kind)));
            }
            f = f.with_related(Label::new(
                role.res.file,
                role.res.anchor,
                format!("{} `{}`", pl.kind, role.display()),
            ));
            if ptc.is_some() && missing.contains(&"ecr:BatchImportUpstreamImage") {
                f = f.with_note("the repository is under a pull-through cache prefix: the puller also needs `ecr:BatchImportUpstreamImage` (and `ecr:CreateRepository` before the first pull)");
            }
            for &pr in &p.pod_roles {
                let pr = &ix.roles[pr];
                let ev = evaluate(
                    &pr.policy_refs(),
                    &Request {
                        action: PULL_ACTIONS[0],
                        resource: &repo_arn,
                        principal: None,
                    },
                );
                if ev.decision == Decision::Allow {
                    f = f.with_note(format!(
                        "the pod's own role `{}` allows ECR pulls, but the kubelet pulls images with the node role, not the IRSA/Pod Identity role",
                        pr.display()
                    ));
                }
            }
            out.push(f);
        } else if !unsure.is_empty() {
            unverified.push(format!(
                "the policies of {} `{}` (they allow {} only under a condition or through an expression)",
                pl.kind,
                role.display(),
                unsure
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }

    // Side A: the repository policy in the registry account.
    let side_a_stmt = side_a_statement(partition, &wl_account);
    match ix.find_repo(reg_account, region, &repo_name) {
        None => unverified.push(format!(
            "the repository policy of `{short}` (the repository is not in the inputs)"
        )),
        Some(ri) => {
            let repo = &ix.repos[ri];
            let repo_label = repo
                .anchor()
                .map(|(file, span)| Label::new(file, span, format!("repository `{}`", repo.name)));
            match &repo.policy {
                None => {
                    let mut f = cx
                        .finding(
                            p.file,
                            p.image_node.span,
                            format!(
                                "image from account `{reg_account}` cannot be pulled: repository `{}` has no repository policy granting account `{wl_account}`; add {side_a_stmt}",
                                repo.name
                            ),
                        )
                        .with_help(format!(
                            "add an `aws_ecr_repository_policy` for `{}` with the statement {side_a_stmt}",
                            repo.name
                        ))
                        .with_note(account_note.clone())
                        .with_logical(p.logical.clone());
                    if let Some(l) = repo_label {
                        f = f.with_related(l);
                    }
                    out.push(f);
                }
                Some(policy) => {
                    let mut who: Vec<PrincipalRef> = p
                        .pullers
                        .iter()
                        .map(|pl| PrincipalRef::Aws {
                            account: wl_account.clone(),
                            arn: pl.arn.clone(),
                        })
                        .collect();
                    if who.is_empty() {
                        who.push(PrincipalRef::Aws {
                            account: wl_account.clone(),
                            arn: None,
                        });
                    }
                    let mut denied: Option<Option<&cutover_semantic::iam::Statement>> = None;
                    let mut cond: Option<String> = None;
                    let mut denied_arn: Option<String> = None;
                    for w in &who {
                        for action in PULL_ACTIONS {
                            let ev = evaluate(
                                &[policy],
                                &Request {
                                    action,
                                    resource: &repo_arn,
                                    principal: Some(w),
                                },
                            );
                            match ev.decision {
                                Decision::Allow => {}
                                Decision::Deny | Decision::ImplicitDeny => {
                                    if denied.is_none() {
                                        denied = Some(ev.statement);
                                        if let PrincipalRef::Aws { arn: Some(a), .. } = w {
                                            denied_arn = Some(a.clone());
                                        }
                                    }
                                }
                                Decision::Conditional => {
                                    let keys: Vec<String> = ev
                                        .statement
                                        .map(|s| {
                                            s.conditions
                                                .iter()
                                                .map(|c| format!("`{}`", c.key))
                                                .collect()
                                        })
                                        .unwrap_or_default();
                                    cond.get_or_insert(format!(
                                        "the repository policy of `{}` grants the pull only under a condition ({})",
                                        repo.name,
                                        if keys.is_empty() { "unknown".into() } else { keys.join(", ") }
                                    ));
                                }
                                Decision::Unknown => {
                                    cond.get_or_insert(format!(
                                        "the repository policy of `{}` (it is built from Terraform expressions)",
                                        repo.name
                                    ));
                                }
                            }
                        }
                    }
                    let policy_label = repo
                        .policy_res
                        .and_then(|r| r.values.member("policy").map(|m| (r.file, m.value.span)))
                        .map(|(file, span)| {
                            Label::new(file, span, format!("repository policy of `{}`", repo.name))
                        });
                    if let Some(deny_stmt) = denied {
                        let explicit = deny_stmt
                            .is_some_and(|s| s.effect == cutover_semantic::iam::Effect::Deny);
                        let msg = if explicit {
                            let sid = deny_stmt
                                .and_then(|s| s.sid.as_deref())
                                .map(|s| format!(" (statement `{s}`)"))
                                .unwrap_or_default();
                            format!(
                                "image from account `{reg_account}` cannot be pulled: the repository policy of `{}` denies account `{wl_account}`{sid}; remove or narrow that `Deny` so that {side_a_stmt} applies",
                                repo.name
                            )
                        } else {
                            format!(
                                "image from account `{reg_account}` cannot be pulled: the repository policy of `{}` grants neither account `{wl_account}`{} to pull; add {side_a_stmt}",
                                repo.name,
                                denied_arn
                                    .as_deref()
                                    .map(|a| format!(" nor `{a}`"))
                                    .unwrap_or_default()
                            )
                        };
                        let mut f = cx
                            .finding(p.file, p.image_node.span, msg)
                            .with_help(format!(
                                "add this statement to the repository policy of `{}` in account `{reg_account}`: {side_a_stmt}",
                                repo.name
                            ))
                            .with_note(account_note.clone())
                            .with_logical(p.logical.clone());
                        if let Some(l) = policy_label.clone() {
                            f = f.with_related(l);
                        }
                        if let Some(s) = deny_stmt {
                            if s.file.0 != u32::MAX {
                                f = f.with_related(Label::new(s.file, s.span, "denying statement"));
                            }
                        }
                        for pl in &p.pullers {
                            if let Some((file, span)) = pl.label {
                                f = f.with_related(Label::new(
                                    file,
                                    span,
                                    format!("{} named here", pl.kind),
                                ));
                            }
                        }
                        out.push(f);
                    } else if let Some(c) = cond {
                        unverified.push(c);
                    }
                }
            }
        }
    }

    if !out.is_empty() {
        for mut f in out {
            if !unverified.is_empty() {
                f = f.with_note(format!("also not verified: {}", unverified.join("; ")));
            }
            cx.emit(f);
        }
        return;
    }
    if !unverified.is_empty() {
        let f = cx
            .finding(
                p.file,
                p.image_node.span,
                format!(
                    "cannot verify the cross-account pull of `{short}` into account `{wl_account}`: {}",
                    unverified.join("; ")
                ),
            )
            .with_severity(Severity::Info)
            .with_help(format!(
                "make sure the puller in account `{wl_account}` allows {} and the repository policy in account `{reg_account}` has {side_a_stmt}; add those files to the inputs to check them",
                side_b_statements(&needed.iter().map(|n| n.0).collect::<Vec<_>>(), &repo_arn)
            ))
            .with_note(account_note)
            .with_logical(p.logical);
        cx.emit(f);
    }
}

/// The identity-policy statements granting `actions` (JSON, one line each).
fn side_b_statements(actions: &[&str], repo_arn: &str) -> String {
    let mut out = Vec::new();
    if actions.contains(&"ecr:GetAuthorizationToken") {
        out.push(
            r#"{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#.to_string(),
        );
    }
    let mut repo_actions: Vec<&str> = actions
        .iter()
        .copied()
        .filter(|a| *a != "ecr:GetAuthorizationToken")
        .collect();
    if !repo_actions.is_empty() {
        if repo_actions.iter().any(|a| PULL_ACTIONS.contains(a)) {
            for a in PULL_ACTIONS
                .iter()
                .chain(std::iter::once(&"ecr:BatchCheckLayerAvailability"))
            {
                if !repo_actions.contains(a) {
                    repo_actions.push(a);
                }
            }
            repo_actions.sort_by_key(|a| match *a {
                "ecr:BatchGetImage" => 0,
                "ecr:GetDownloadUrlForLayer" => 1,
                "ecr:BatchCheckLayerAvailability" => 2,
                _ => 3,
            });
        }
        out.push(format!(
            r#"{{"Effect":"Allow","Action":{},"Resource":"{repo_arn}"}}"#,
            json_list(&repo_actions)
        ));
    }
    out.join(" and ")
}

/// The repository-policy statement granting the workload account.
fn side_a_statement(partition: &str, account: &str) -> String {
    format!(
        r#"{{"Sid":"CrossAccountPull","Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]}}"#,
        account_root(partition, account)
    )
}
