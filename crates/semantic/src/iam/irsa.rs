//! IRSA trust: whether a role's trust policy lets one ServiceAccount assume it through an EKS
//! OIDC provider. Shared by the built-in IAM003 and the live check of `cutover-aws`.

use lint_engine::Severity;

use super::policy::{wildcard_match, PrincipalKind};
use super::{evaluate, Decision, Effect, Policy, Request, Statement};

pub const WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";

/// What the trust says about one ServiceAccount.
pub enum Verdict {
    Trusted { aud: bool },
    Wildcard(String),
    OtherSubjects(Vec<String>),
    EcsOnly,
    NoWebIdentity,
    Unverified(String),
}

impl Verdict {
    /// Severity, message and help of the finding for ServiceAccount `sa` (shown as written)
    /// and role `who`; `None` when the trust is complete.
    pub fn describe(
        &self,
        who: &str,
        sa: &str,
        subject: &str,
    ) -> Option<(Severity, String, String)> {
        let (sev, msg, help) = match self {
            Verdict::Trusted { aud: true } => return None,
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
        Some((sev, msg, help))
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

pub fn judge(stmts: &[Statement], unresolved: bool, subject: &str) -> Verdict {
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
        let only = Policy {
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
