use std::collections::BTreeSet;

use cutover_semantic::iam::policy::wildcard_match;
use cutover_semantic::iam::IamIndex;
use lint_engine::declare_rule;
use lint_engine::doc::{is_unresolved_text, Node};
use lint_engine::model::Workload;
use lint_engine::{Label, Rule, RuleContext, Severity};

use super::support::{ecs_name, pair_of};

declare_rule! {
    /// ## What it does
    /// For a Kubernetes workload paired with an ECS service or task definition whose task
    /// definition has a task role (`taskRoleArn`), checks that the pod's ServiceAccount gets an
    /// AWS role too, through IRSA (the `eks.amazonaws.com/role-arn` annotation) or an
    /// `aws_eks_pod_identity_association`. **Error** when it gets none. When it gets another
    /// role, an **info** lists the actions the task role allowed that the pod's role does not,
    /// when both roles' policies are in the inputs; a role whose policies allow every action
    /// of the task role is accepted. A task definition without a task role (a workload that
    /// calls no AWS API) is not checked. A role or ServiceAccount name that is not known
    /// statically is not guessed: the pair is skipped and reported as an unresolved input.
    ///
    /// ## Why it matters
    /// On ECS the application's AWS SDK takes the task role's credentials. On EKS, without
    /// IRSA or Pod Identity, the SDK falls back to the node's instance profile: the calls fail
    /// with AccessDenied, or, worse, succeed silently with whatever the node role allows.
    ///
    /// ## Example
    /// ```json
    /// {"family": "payments", "taskRoleArn": "arn:aws:iam::111122223333:role/payments-task",
    ///  "containerDefinitions": [{"name": "app", "image": "payments:1"}]}
    /// ```
    /// ```yaml,expect_finding,with_previous
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: payments}
    /// spec:
    ///   selector: {matchLabels: {app: payments}}
    ///   template:
    ///     metadata: {labels: {app: payments}}
    ///     spec:
    ///       containers: [{name: app, image: "payments:1"}]
    /// ```
    ///
    /// ## How to fix
    /// Give the workload a dedicated ServiceAccount bound to the task role (re-trusted for
    /// IRSA or Pod Identity) or to a scoped copy of it:
    /// ```text
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: payments
    ///   annotations:
    ///     eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-task
    /// ```
    /// and set `serviceAccountName: payments` in the pod template.
    pub WorkloadIdentityParity {
        id: "PAR005",
        name: "workload-identity-parity",
        severity: Error,
        summary: "pod that gets no AWS role, or another one, where the ECS task had a task role",
        inputs: [TaskDef, K8s, TfJson, TfPlan],
        cross_file: true,
        security: true,
    }
}

/// A role as the ECS or Kubernetes side names it: its index in the IAM index, its literal ARN.
struct RoleRef {
    index: Option<usize>,
    arn: Option<String>,
}

impl RoleRef {
    fn same(&self, other: &RoleRef) -> bool {
        match (self.index, other.index) {
            (Some(a), Some(b)) => a == b,
            _ => self.arn.is_some() && self.arn == other.arn,
        }
    }
    fn name(&self, ix: &IamIndex<'_, '_>) -> String {
        match (self.index, &self.arn) {
            (Some(i), _) => ix.roles.get(i).map(|r| r.display()).unwrap_or_default(),
            (None, Some(a)) => a.clone(),
            (None, None) => "?".to_string(),
        }
    }
    fn actions(&self, ix: &IamIndex<'_, '_>) -> Option<BTreeSet<String>> {
        ix.roles.get(self.index?)?.allowed_actions()
    }
}

/// The actions of `task` that no pattern of `pod` allows.
fn missing(task: &BTreeSet<String>, pod: &BTreeSet<String>) -> Vec<String> {
    task.iter()
        .filter(|a| !pod.iter().any(|p| wildcard_match(p, a, true)))
        .cloned()
        .collect()
}

impl Rule for WorkloadIdentityParity {
    fn check_workload(&self, w: &Workload<'_>, cx: &mut RuleContext<'_, '_>) {
        let model = cx.model;
        let Some((pair, obj)) = pair_of(cx, w) else {
            return;
        };
        let Some(td) = pair.ecs.task_def(model) else {
            return;
        };
        // Findings are located at the workload, unresolved values there or in the task
        // definition's files: when the run reports on none of them, there is nothing to do.
        if !cx.reports_on(obj.file) && !cx.reports_on_task_def(td) {
            return;
        }
        let Some(role_node) = td.field("taskRoleArn").filter(|v| !v.is_null()) else {
            return;
        };
        let ix = cx.shared::<IamIndex>();
        let tf = td.terraform_index().and_then(|i| model.tf.get(i));
        let refs = tf
            .map(|r| r.resource_refs_at(&["task_role_arn"]))
            .unwrap_or_default();
        let task = RoleRef {
            index: ix.role_from_value(tf, &refs, Some(role_node)),
            arn: role_node.literal_str().map(str::to_string),
        };
        let ecs_what = ecs_name(cx, pair);
        if task.index.is_none() && task.arn.is_none() {
            let what = format!("the task role of {ecs_what}");
            let logical = format!("{}/taskRoleArn", td.logical);
            cx.unresolved(td.file, role_node.span, what, "it is not known statically")
                .logical = Some(logical);
            return;
        }
        let sa_node = w.pod_spec.get("serviceAccountName");
        let sa = match sa_node {
            None => "default",
            Some(n) => match n
                .as_str()
                .filter(|s| !s.is_empty() && !is_unresolved_text(s))
            {
                Some(s) => s,
                None => {
                    let what = format!(
                        "the ServiceAccount of {} `{}`",
                        obj.kind,
                        obj.name.unwrap_or("?")
                    );
                    cx.unresolved(obj.file, n.span, what, "it is not known statically")
                        .logical = Some(format!("{}/serviceAccountName", obj.logical()));
                    return;
                }
            },
        };
        let ns = obj.namespace_or_default();
        let ids = ix.sa_identities(ns, sa);
        let pod_roles: Vec<RoleRef> = ids
            .iter()
            .map(|id| {
                let arn = match id {
                    cutover_semantic::iam::SaIdentity::Irsa { value, .. } => value.literal_str(),
                    cutover_semantic::iam::SaIdentity::PodIdentity { assoc, .. } => ix
                        .pod_identity
                        .get(*assoc)
                        .and_then(|p| p.role_arn)
                        .and_then(Node::literal_str),
                };
                RoleRef {
                    index: id.role(),
                    arn: arn.map(str::to_string),
                }
            })
            .collect();
        if pod_roles.iter().any(|r| r.same(&task)) {
            return;
        }
        let task_name = task.name(ix);
        let task_actions = task.actions(ix);
        let mut diffs = Vec::new();
        for r in &pod_roles {
            match (&task_actions, r.actions(ix)) {
                (Some(t), Some(p)) => {
                    let gap = missing(t, &p);
                    if gap.is_empty() {
                        // A role that allows every action of the task role: accepted.
                        return;
                    }
                    diffs.push((r.name(ix), Some(gap)));
                }
                _ => diffs.push((r.name(ix), None)),
            }
        }
        let span = sa_node.map_or(w.spec_key, |n| n.span);
        let who = format!("{} `{}`", obj.kind, obj.name.unwrap_or("?"));
        let related = Label::new(
            td.file,
            role_node.span,
            format!("ECS task role `{task_name}`"),
        );
        let logical = format!("{}/serviceAccountName", obj.logical());
        let f = if diffs.is_empty() {
            cx.finding(
                obj.file,
                span,
                format!(
                    "pods of {who} run as ServiceAccount `{ns}/{sa}`, which gets no AWS role (no IRSA annotation, no Pod Identity association), but {ecs_what} had the task role `{task_name}`: its AWS calls fall back to the node's role"
                ),
            )
            .with_help(format!(
                "bind a dedicated ServiceAccount to `{task_name}` (or a scoped copy) with IRSA or Pod Identity and set `serviceAccountName`"
            ))
        } else {
            let mut f = cx
                .finding(
                    obj.file,
                    span,
                    format!(
                        "pods of {who} run as ServiceAccount `{ns}/{sa}` with role {}, not the task role `{task_name}` {ecs_what} had",
                        diffs
                            .iter()
                            .map(|(n, _)| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_severity(Severity::Info)
                .with_help("check that the role allows what the application calls, or bind the task role");
            for (n, d) in &diffs {
                f = f.with_note(match d {
                    Some(gap) => format!(
                        "allowed by `{task_name}` but not by `{n}`: {}",
                        gap.join(", ")
                    ),
                    None => format!(
                        "the actions of `{task_name}` and `{n}` cannot be compared: a policy is not in the inputs"
                    ),
                });
            }
            f
        };
        cx.emit(f.with_related(related).with_logical(logical));
    }
}
