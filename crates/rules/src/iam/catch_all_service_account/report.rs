//! The reporting half of IAM001: the words and labels of each kind of finding.

use std::collections::BTreeSet;

use cutover_semantic::iam::{Effect, IamIndex, SaIdentity};
use lint_engine::doc::Node;
use lint_engine::{Finding, Label, RuleContext, Severity};

use super::{CatchAllKind, Signal};

/// The reporting half of the rule: the words and labels of one [`Signal`].
pub(super) fn report(
    cx: &RuleContext<'_, '_>,
    ix: &IamIndex<'_, '_>,
    s: &Signal<'_, '_, '_>,
) -> Finding {
    match s {
        Signal::DefaultSaUse { u, identity } => {
            let (what, label) = identity_label(ix, identity);
            let msg = match u.value {
                Some(_) => format!(
                    "`{}` runs as the `default` ServiceAccount of namespace `{}`, which carries AWS identity {what}",
                    u.logical, u.ns
                ),
                None => format!(
                    "`{}` has no `serviceAccountName`, so it runs as the `default` ServiceAccount of namespace `{}`, which carries AWS identity {what}",
                    u.logical, u.ns
                ),
            };
            let mut f = cx
                .finding(u.file, u.span(), msg)
                .with_help("create a dedicated ServiceAccount for this workload, bind the role to it, and remove the identity from `default`")
                .with_note("every pod in the namespace that does not name a ServiceAccount gets this role")
                .with_logical(format!("{}/serviceAccountName", u.logical));
            if u.value.is_none() {
                f = f.with_missing(format!("{}.serviceAccountName", u.w.spec_path));
            }
            if let Some(l) = label {
                f = f.with_related(l);
            }
            f
        }
        Signal::DefaultSaAssociation { assoc, ns, sa } => {
            let p = &ix.pod_identity[*assoc];
            cx.finding(
                p.res.file,
                sa.span,
                format!(
                    "`{}` binds an AWS role to the `default` ServiceAccount of namespace `{ns}`: every pod there without its own ServiceAccount gets it",
                    p.res.address
                ),
            )
            .with_help("associate the role with a dedicated ServiceAccount instead of `default`")
            .with_logical(format!("{}/service_account", p.res.address))
        }
        Signal::SharedSa {
            ns,
            sa,
            u,
            others,
            apps,
            identity,
        } => {
            let (what, label) = identity_label(ix, identity);
            let max = cx.config.iam.max_workloads_per_sa;
            let names: Vec<String> = apps.iter().map(|a| format!("`{a}`")).collect();
            let mut f = cx
                .finding(
                    u.file,
                    u.span(),
                    format!(
                        "ServiceAccount `{ns}/{sa}` with AWS identity {what} is shared by {} workloads ({}), above the limit of {max}",
                        apps.len(),
                        names.join(", ")
                    ),
                )
                .with_severity(Severity::Warning)
                .with_help("give each application its own ServiceAccount and role")
                .with_note("workloads are grouped by `app.kubernetes.io/name`, then `app`; raise `iam.max-workloads-per-sa` if the sharing is intended")
                .with_logical(format!("{}/serviceAccountName", u.logical));
            for o in others {
                f = f.with_related(Label::new(
                    o.file,
                    o.span(),
                    format!("also used by `{}`", o.logical),
                ));
            }
            if let Some(l) = label {
                f = f.with_related(l);
            }
            f
        }
        Signal::TrustWithoutSub {
            role,
            stmt,
            principal,
        } => {
            let role = &ix.roles[*role];
            cx.finding(
                stmt.file,
                *principal,
                format!(
                    "IRSA trust of `{}` has no `:sub` condition: every ServiceAccount of the cluster can assume it",
                    role.display()
                ),
            )
            .with_severity(Severity::Warning)
            .with_help("add `StringEquals` on `<issuer>:sub` = `system:serviceaccount:<namespace>:<name>` and `<issuer>:aud` = `sts.amazonaws.com`")
            .with_logical(format!("{}/assume_role_policy", role.display()))
        }
        Signal::WildcardSub { role, stmt, value } => {
            let role = &ix.roles[*role];
            cx.finding(
                stmt.file,
                value.span,
                format!(
                    "IRSA trust of `{}` matches ServiceAccounts by wildcard `{}`: every matching ServiceAccount can assume the role",
                    role.display(),
                    value.text
                ),
            )
            .with_severity(Severity::Warning)
            .with_help("use `StringEquals` with the exact `system:serviceaccount:<namespace>:<name>`, one role per ServiceAccount")
            .with_logical(format!("{}/assume_role_policy", role.display()))
        }
        Signal::SharedPodIdentityRole {
            name,
            file,
            span,
            sas,
            assocs,
        } => {
            let list: Vec<String> = sas.iter().map(|s| format!("`{s}`")).collect();
            let mut f = cx
                .finding(
                    *file,
                    *span,
                    format!(
                        "role `{name}` is bound to {} ServiceAccounts by Pod Identity associations ({}) and its trust has no `aws:RequestTag/kubernetes-namespace` or `kubernetes-service-account` condition",
                        sas.len(),
                        list.join(", ")
                    ),
                )
                .with_severity(Severity::Warning)
                .with_help("use one role per association, or add `aws:RequestTag/kubernetes-namespace` and `aws:RequestTag/kubernetes-service-account` conditions to the trust")
                .with_logical(format!("{name}/pod-identity"));
            for &i in assocs {
                let p = &ix.pod_identity[i];
                let s = p.role_arn.map(|n| n.span).unwrap_or(p.res.anchor);
                f = f.with_related(Label::new(p.res.file, s, format!("`{}`", p.res.address)));
            }
            f
        }
        Signal::CatchAll {
            roles,
            file,
            span,
            what,
        } => {
            let sev = if roles.iter().any(|(_, _, d)| *d) {
                Severity::Error
            } else {
                Severity::Warning
            };
            let what = match what {
                CatchAllKind::Managed(m) => format!("has the AWS managed policy `{m}` attached"),
                CatchAllKind::Statement(what) => what.clone(),
            };
            let sa_text = |sas: &BTreeSet<String>| {
                sas.iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let first = &ix.roles[roles[0].0];
            let msg = if let [(_, sas, _)] = roles.as_slice() {
                format!(
                    "role `{}` bound to ServiceAccount {} {what}",
                    first.display(),
                    sa_text(sas)
                )
            } else {
                let list: Vec<String> = roles
                    .iter()
                    .map(|(r, sas, _)| format!("`{}` ({})", ix.roles[*r].display(), sa_text(sas)))
                    .collect();
                let what = what
                    .strip_prefix("has ")
                    .map_or(what.clone(), |w| format!("have {w}"));
                let what = what
                    .strip_prefix("allows ")
                    .map_or(what.clone(), |w| format!("allow {w}"));
                format!(
                    "{} roles bound to ServiceAccounts {what}: {}",
                    roles.len(),
                    list.join(", ")
                )
            };
            let mut f = cx
                .finding(*file, *span, msg)
                .with_severity(sev)
                .with_help("grant only the actions and resources the workload uses")
                .with_logical(format!("{}/permissions", first.display()));
            for (r, _, _) in roles {
                let role = &ix.roles[*r];
                f = f.with_related(Label::new(
                    role.res.file,
                    role.res.anchor,
                    format!("role `{}`", role.display()),
                ));
            }
            f
        }
    }
}

/// The ServiceAccounts an IRSA trust names in `StringEquals`/`StringLike` `…:sub` conditions of
/// its `Allow` statements, as (namespace, name); the name may be a wildcard pattern.
pub(super) fn trusted_service_accounts(
    trust: Option<&cutover_semantic::iam::Policy>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in trust.map(|t| t.statements.as_slice()).unwrap_or(&[]) {
        if s.effect != Effect::Allow {
            continue;
        }
        for c in &s.conditions {
            let op = c.operator.as_str();
            if !c.key.ends_with(":sub")
                || !(op.contains("StringEquals") || op.contains("StringLike"))
            {
                continue;
            }
            for v in &c.values {
                if v.is_unresolved() {
                    continue;
                }
                let Some(rest) = v.text.strip_prefix("system:serviceaccount:") else {
                    continue;
                };
                if let Some((ns, sa)) = rest.split_once(':') {
                    if !ns.is_empty() && !sa.is_empty() {
                        out.push((ns.to_string(), sa.to_string()));
                    }
                }
            }
        }
    }
    out
}

/// An EKS OIDC provider principal: the ARN (`…:oidc-provider/oidc.eks.<region>.amazonaws.com/id/…`)
/// or a Terraform reference to one (`aws_iam_openid_connect_provider`, `module.eks.oidc_provider_arn`).
pub(super) fn is_eks_oidc(text: &str) -> bool {
    text.contains("oidc.eks.")
        || (lint_engine::doc::is_unresolved_text(text)
            && (text.contains("openid_connect_provider") || text.contains("oidc_provider")))
}

/// "`arn:…`" / "`aws_iam_role.x`" for messages, and a label at the identity's source.
fn identity_label(ix: &IamIndex<'_, '_>, id: &SaIdentity<'_>) -> (String, Option<Label>) {
    match id {
        SaIdentity::Irsa { object, value, .. } => {
            let o = &ix.model.k8s[*object];
            let arn = value.as_str().unwrap_or_default();
            (
                format!("`{arn}` (IRSA)"),
                Some(Label::new(o.file, value.span, "IRSA role annotation")),
            )
        }
        SaIdentity::PodIdentity { assoc, role } => {
            let p = &ix.pod_identity[*assoc];
            let name = role
                .map(|r| ix.roles[r].display())
                .or_else(|| p.role_arn.and_then(Node::as_str).map(str::to_string))
                .unwrap_or_else(|| p.res.address.to_string());
            let span = p.service_account.map(|n| n.span).unwrap_or(p.res.anchor);
            (
                format!("`{name}` (Pod Identity)"),
                Some(Label::new(p.res.file, span, format!("`{}`", p.res.address))),
            )
        }
    }
}
