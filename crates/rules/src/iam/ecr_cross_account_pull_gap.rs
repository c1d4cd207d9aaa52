use cutover_semantic::iam::{parse_image, AccountSource, IamIndex, ImageRef};
use lint_engine::declare_rule;
use lint_engine::doc::Node;
use lint_engine::model::{TaskDef, Workload};
use lint_engine::runner::{par_map, par_map_owned};
use lint_engine::source::{FileId, Span};
use lint_engine::{Rule, RuleContext};

declare_rule! {
    /// ## What it does
    /// Checks every private Amazon ECR image that a task or pod pulls **from another AWS
    /// account**, on both sides of the pull:
    ///
    /// 1. the image URI gives the registry account A (`<A>.dkr.ecr.<region>.amazonaws.com/…`);
    /// 2. the workload runs in account B, found from the `[accounts]` configuration
    ///    (`paths`/`workspaces` map, then `workload-account-id`), the account of its literal role
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
    /// `accounts.trusted-registry-accounts`); images built from Terraform expressions
    /// (`${aws_ecr_repository.app.repository_url}` is in the same account unless a provider
    /// alias says otherwise). When the workload's own account cannot be determined the rule
    /// says so (info) instead of guessing; set `accounts.workload-account-id` (or
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

mod check;

use check::check_pull;

const PULL_ACTIONS: [&str; 2] = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/// Who pulls, as far as the inputs tell.
#[derive(Clone)]
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
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let ix = cx.shared::<IamIndex>();
        let model = cx.model;
        let ec2_tds = ec2_service_task_defs(model);
        // Every finding of a pull is located at its image: the pulls of files this run does not
        // report on (`--repo-context`) are not checked, nor the workloads of such files read.
        let workloads: Vec<&Workload<'_>> = model
            .workloads
            .iter()
            .filter(|w| {
                model
                    .k8s
                    .get(w.object)
                    .is_some_and(|o| cx.reports_on(o.file))
            })
            .collect();
        // A task definition's pulls are located in its containers' files.
        let task_defs: Vec<&TaskDef<'_>> = model
            .task_defs
            .iter()
            .filter(|td| cx.reports_on_task_def(td))
            .collect();
        // Task definitions, workloads and then pulls are independent of each other: each is
        // checked in parallel and the results kept in model order.
        let mut pulls: Vec<Pull<'_>> = par_map(&task_defs, |td| {
            let mut out = Vec::new();
            task_def_pulls(ix, td, &ec2_tds, &mut out);
            out
        })
        .into_iter()
        .flatten()
        .collect();
        pulls.extend(
            par_map(&workloads, |w| {
                let mut out = Vec::new();
                workload_pulls(ix, w, &mut out);
                out
            })
            .into_iter()
            .flatten(),
        );
        pulls.retain(|p| cx.reports_on(p.file));
        let base = cx.fork();
        let found = par_map_owned(pulls, |p| check_pull(&base, ix, &p));
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
    let compat = td.compatibilities();
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
            file: c.file,
            image_node: img,
            image,
            logical: format!("{}/containerDefinitions[{}]", td.logical, c.display_name()),
            account: account.clone(),
            pullers: pullers.clone(),
            no_puller: no_puller.clone(),
            pod_roles: Vec::new(),
        });
    }
}

fn workload_pulls<'n>(ix: &IamIndex<'_, 'n>, w: &Workload<'n>, out: &mut Vec<Pull<'n>>) {
    let model = ix.model;
    let obj = &model.k8s[w.object];
    let ns = obj.namespace_or_default();
    let labels = w.pod_labels.map(Node::scalar_members).unwrap_or_default();
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
            logical: format!("{}/{}", obj.logical(), c.logical_key()),
            account: account.clone(),
            pullers: pullers.clone(),
            no_puller: no_puller.clone(),
            pod_roles: pod_roles.clone(),
        });
    }
}
