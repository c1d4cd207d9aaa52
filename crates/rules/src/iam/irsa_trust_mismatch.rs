use cutover_semantic::iam::irsa::{judge, Verdict};
use cutover_semantic::iam::IamIndex;
use lint_engine::declare_rule;
use lint_engine::{Label, Rule, RuleContext};

declare_rule! {
    /// ## What it does
    /// Checks that the IAM role a ServiceAccount names in `eks.amazonaws.com/role-arn` (IRSA)
    /// trusts that ServiceAccount. The role is found in the inputs by ARN or by name, and its
    /// trust policy must have an `Allow` statement for `sts:AssumeRoleWithWebIdentity` from an
    /// EKS OIDC provider (`Principal.Federated`) whose `<issuer>:sub` condition names
    /// `system:serviceaccount:<namespace>:<name>`:
    ///
    /// * no such statement, a `sub` naming another namespace or ServiceAccount, or a trust that
    ///   only allows `ecs-tasks.amazonaws.com` (an ECS task role reused as it is): error;
    /// * the ServiceAccount matches only through a `StringLike` wildcard: warning;
    /// * no `<issuer>:aud` condition: info.
    ///
    /// A role outside the inputs, a trust built from expressions that do not resolve, or a
    /// `sub` value that is an expression is reported as an info "cannot verify". A role that
    /// trusts both ECS and EKS during a migration is fine when both statements are present.
    ///
    /// ## Why it matters
    /// On ECS, a task role trusts `ecs-tasks.amazonaws.com`. On EKS, the pod exchanges its
    /// ServiceAccount token for credentials, which works only if the role trusts the cluster's
    /// OIDC provider for that exact ServiceAccount. Otherwise every AWS call of the pod fails
    /// with `AccessDenied` on `AssumeRoleWithWebIdentity`, usually discovered after the cutover.
    ///
    /// ## Example
    /// ```yaml,expect_finding
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: orders
    ///   namespace: shop
    ///   annotations:
    ///     eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/orders
    /// ```
    /// (without the role's Terraform in the inputs this is an info "cannot verify"; with a
    /// role whose trust names `system:serviceaccount:shop:payments`, it is an error).
    ///
    /// A ServiceAccount without the IRSA annotation (its pods get credentials another way, for
    /// example through an EKS Pod Identity association) has nothing to check:
    ///
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: orders
    ///   namespace: shop
    /// ```
    ///
    /// ## How to fix
    /// Give the role a trust statement for the cluster's OIDC provider with `StringEquals` on
    /// `<issuer>:sub` = `system:serviceaccount:<namespace>:<name>` and `<issuer>:aud` =
    /// `sts.amazonaws.com`, keeping the ECS statement while both platforms run. Or move the
    /// workload to EKS Pod Identity.
    ///
    /// ## References
    /// - IAM roles for service accounts:
    ///   <https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html>
    /// - EKS Best Practices, IAM (scope the trust to the ServiceAccount):
    ///   <https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html>
    pub IrsaTrustMismatch {
        id: "IAM003",
        name: "irsa-trust-mismatch",
        severity: Error,
        summary: "ServiceAccount whose IRSA role does not trust it through the cluster's OIDC provider",
        inputs: [K8s, TfJson, TfPlan],
        cross_file: true,
        security: false,
    }
}

impl Rule for IrsaTrustMismatch {
    fn check_model(&self, cx: &mut RuleContext<'_, '_>) {
        let ix = cx.shared::<IamIndex>();
        let model = ix.model;
        let mut sas: Vec<_> = ix.service_accounts.iter().collect();
        sas.sort();
        for ((ns, name), objs) in sas {
            for &i in objs {
                let o = &model.k8s[i];
                let Some(v) = o.annotation("eks.amazonaws.com/role-arn") else {
                    continue;
                };
                let Some(arn) = v.literal_str().filter(|s| !s.is_empty()) else {
                    continue;
                };
                let subject = format!("system:serviceaccount:{ns}:{name}");
                let logical = format!("{}/role-arn", o.logical());
                let role = ix.role_by_literal(arn, None);
                let verdict = match role.map(|r| &ix.roles[r]) {
                    None => Verdict::Unverified(format!("role `{arn}` is not in the inputs")),
                    Some(r) => match &r.trust {
                        None => Verdict::Unverified(format!(
                            "the trust policy of `{}` is not in the inputs",
                            r.display()
                        )),
                        Some(t) => judge(&t.statements, t.unresolved, &subject),
                    },
                };
                let related = role.map(|r| {
                    let r = &ix.roles[r];
                    let span = r.trust_node.map(|n| n.span).unwrap_or(r.res.anchor);
                    Label::new(
                        r.res.file,
                        span,
                        format!("trust policy of `{}`", r.display()),
                    )
                });
                let who = match role {
                    Some(r) => format!("`{}`", ix.roles[r].display()),
                    None => format!("`{arn}`"),
                };
                let sa = format!("`{ns}/{name}`");
                let Some((sev, msg, help)) = verdict.describe(&who, &sa, &subject) else {
                    continue;
                };
                let mut f = cx
                    .finding(o.file, v.span, msg)
                    .with_severity(sev)
                    .with_help(help)
                    .with_logical(logical);
                if let Some(l) = related {
                    f = f.with_related(l);
                }
                cx.emit(f);
            }
        }
    }
}
