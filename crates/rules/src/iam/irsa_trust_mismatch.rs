use cutover_semantic::iam::policy::{wildcard_match, PrincipalKind};
use cutover_semantic::iam::{evaluate, Decision, Effect, IamIndex, Request, Statement};
use lint_engine::declare_rule;
use lint_engine::{Label, Rule, RuleContext, Severity};

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

const WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";

/// What the trust says about one ServiceAccount.
enum Verdict {
    Trusted { aud: bool },
    Wildcard(String),
    OtherSubjects(Vec<String>),
    EcsOnly,
    NoWebIdentity,
    Unverified(String),
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
                let (sev, msg, help) = match verdict {
                    Verdict::Trusted { aud: true } => continue,
                    Verdict::Trusted { aud: false } => (
                        Severity::Info,
                        format!("the IRSA trust of role {who} for ServiceAccount {sa} has no `<issuer>:aud` condition"),
                        "add `StringEquals` on `<issuer>:aud` = `sts.amazonaws.com`".to_string(),
                    ),
                    Verdict::Wildcard(p) => (
                        Severity::Warning,
                        format!("role {who} trusts ServiceAccount {sa} only through the wildcard `{p}`, so other ServiceAccounts can assume it too"),
                        format!("use `StringEquals` on `<issuer>:sub` = `{subject}`"),
                    ),
                    Verdict::OtherSubjects(subs) => {
                        let list: Vec<String> = subs.iter().map(|s| format!("`{s}`")).collect();
                        (
                            Severity::Error,
                            format!("role {who} trusts {} but not ServiceAccount {sa}: pods using it get no AWS credentials", list.join(", ")),
                            format!("add `{subject}` to the trust's `<issuer>:sub` condition, or annotate the ServiceAccount with the role meant for it"),
                        )
                    }
                    Verdict::EcsOnly => (
                        Severity::Error,
                        format!("role {who} of ServiceAccount {sa} trusts only `ecs-tasks.amazonaws.com` (an ECS task role): pods using it get no AWS credentials"),
                        format!("add a statement for the cluster's OIDC provider with `sts:AssumeRoleWithWebIdentity` and `<issuer>:sub` = `{subject}`, keeping the ECS one while both run"),
                    ),
                    Verdict::NoWebIdentity => (
                        Severity::Error,
                        format!("role {who} of ServiceAccount {sa} has no trust statement allowing `{WEB_IDENTITY}` from an EKS OIDC provider: pods using it get no AWS credentials"),
                        format!("add a statement for the cluster's OIDC provider with `{WEB_IDENTITY}` and `<issuer>:sub` = `{subject}`"),
                    ),
                    Verdict::Unverified(why) => (
                        Severity::Info,
                        format!("cannot verify that role {who} trusts ServiceAccount {sa}: {why}"),
                        "add the Terraform that defines the role to the inputs".to_string(),
                    ),
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

/// An EKS OIDC provider principal, or an expression that may be one.
fn is_oidc_principal(s: &Statement) -> bool {
    s.principals.as_ref().is_some_and(|p| {
        p.entries.iter().any(|(k, v)| {
            *k == PrincipalKind::Federated
                && (v.text.contains("oidc-provider/")
                    || v.text.contains("oidc.eks.")
                    || v.is_unresolved())
        })
    })
}

fn judge(stmts: &[Statement], unresolved: bool, subject: &str) -> Verdict {
    let mut others = Vec::new();
    let mut wildcard = None;
    let mut unknown = unresolved;
    let mut web = false;
    for s in stmts {
        if s.effect != Effect::Allow || !is_oidc_principal(s) {
            continue;
        }
        // The evaluator decides whether the statement allows the action (its principal is an
        // OIDC provider, checked above); the `sub`/`aud` conditions are read here.
        let only = cutover_semantic::iam::Policy {
            file: s.file,
            span: s.span,
            statements: vec![Statement {
                conditions: Vec::new(),
                condition_span: None,
                ..s.clone()
            }],
            unresolved: false,
        };
        let ev = evaluate(
            &[&only],
            &Request {
                action: WEB_IDENTITY,
                resource: "*",
                principal: None,
            },
        );
        match ev.decision {
            Decision::Allow => {}
            Decision::Unknown => {
                unknown = true;
                continue;
            }
            _ => continue,
        }
        web = true;
        let aud = s.conditions.iter().any(|c| c.key.ends_with(":aud"));
        let subs: Vec<_> = s
            .conditions
            .iter()
            .filter(|c| c.key.ends_with(":sub"))
            .collect();
        if subs.is_empty() {
            // No `sub`: every ServiceAccount of the cluster (IAM001 reports that).
            return Verdict::Trusted { aud };
        }
        for c in subs {
            let like = c.operator.contains("StringLike");
            let equals = c.operator.contains("StringEquals") && !c.operator.contains("Not");
            for v in &c.values {
                if v.is_unresolved() {
                    unknown = true;
                } else if equals && v.text == subject {
                    return Verdict::Trusted { aud };
                } else if like && wildcard_match(&v.text, subject, false) {
                    if v.text == subject {
                        return Verdict::Trusted { aud };
                    }
                    wildcard.get_or_insert(v.text.clone());
                } else if equals || like {
                    others.push(v.text.clone());
                }
            }
        }
    }
    if let Some(w) = wildcard {
        return Verdict::Wildcard(w);
    }
    if unknown {
        return Verdict::Unverified(
            "its trust is built from expressions that do not resolve".to_string(),
        );
    }
    if !others.is_empty() {
        others.sort();
        others.dedup();
        return Verdict::OtherSubjects(others);
    }
    if !web {
        let ecs = stmts.iter().any(|s| {
            s.effect == Effect::Allow
                && s.principals.as_ref().is_some_and(|p| {
                    p.entries.iter().any(|(k, v)| {
                        *k == PrincipalKind::Service && v.text == "ecs-tasks.amazonaws.com"
                    })
                })
        });
        if ecs {
            return Verdict::EcsOnly;
        }
    }
    Verdict::NoWebIdentity
}
