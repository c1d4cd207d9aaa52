//! `cutover aws explain-role <arn>`: what a role may do that matters when a workload moves
//! between ECS and EKS, evaluated with cutover's policy evaluator.

use std::fmt::Write;

use cutover_semantic::iam::arn::Arn;
use cutover_semantic::iam::{evaluate, Decision, Effect, Policy, PrincipalRef, Request};

use crate::aws::{FetchError, Live, Options};
use crate::check::catch_all;

/// The actions shown, by purpose.
pub const ACTIONS: &[(&str, &[&str])] = &[
    (
        "ECR pull",
        &[
            "ecr:GetAuthorizationToken",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchCheckLayerAvailability",
        ],
    ),
    (
        "secrets",
        &[
            "secretsmanager:GetSecretValue",
            "ssm:GetParameters",
            "ssm:GetParameter",
            "kms:Decrypt",
        ],
    ),
    (
        "logs",
        &[
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        ],
    ),
    ("sts", &["sts:AssumeRole", "sts:TagSession"]),
];

/// Who may assume the role, for the services a migration moves between.
const PRINCIPALS: &[(&str, &str)] = &[
    ("ecs-tasks.amazonaws.com", "ECS tasks"),
    ("pods.eks.amazonaws.com", "EKS Pod Identity"),
    (
        "ec2.amazonaws.com",
        "EC2 instances (EKS nodes, ECS container instances)",
    ),
    ("eks-fargate-pods.amazonaws.com", "EKS Fargate pods"),
];

fn decision(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "allowed",
        Decision::Deny => "denied",
        Decision::ImplicitDeny => "not allowed",
        Decision::Conditional => "conditional",
        Decision::Unknown => "unknown",
    }
}

/// The resources on which `action` is allowed by some statement (for actions not allowed on `*`).
fn allowed_on(policies: &[&Policy], action: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in policies {
        for s in &p.statements {
            if s.effect != Effect::Allow || s.action_value_matching(action).is_none() {
                continue;
            }
            match &s.resources {
                Some(r) if !r.negated => out.extend(r.values.iter().map(|v| v.text.clone())),
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

pub async fn explain(arn: &str, opts: Options) -> Result<String, String> {
    if Arn::parse(arn).and_then(|a| a.role_name()).is_none() {
        return Err(format!(
            "`{arn}` is not a role ARN (arn:aws:iam::<account>:role/<name>)"
        ));
    }
    let mut live = Live::new(opts);
    let role = match live.role(arn).await {
        Ok(r) => r,
        Err(FetchError::NotFound) => return Err(format!("role `{arn}` does not exist")),
        Err(FetchError::Unreadable(m)) => return Err(format!("could not read role `{arn}`: {m}")),
    };
    let mut s = String::new();
    let _ = writeln!(s, "role {arn} (read at {})", role.fetched_at);
    let _ = writeln!(s, "\npolicies:");
    if role.policies.is_empty() {
        let _ = writeln!(s, "  (none)");
    }
    for p in &role.policies {
        let _ = writeln!(s, "  {}", p.what.replace('`', ""));
    }
    let _ = writeln!(s, "\ntrusted by:");
    match &role.trust {
        None => {
            let _ = writeln!(s, "  (trust policy not readable)");
        }
        Some(t) => {
            for (svc, what) in PRINCIPALS {
                let who = PrincipalRef::Service(svc.to_string());
                let e = evaluate(
                    &[t],
                    &Request {
                        action: "sts:AssumeRole",
                        resource: arn,
                        principal: Some(&who),
                    },
                );
                let _ = writeln!(s, "  {svc:<32} {:<12} {what}", decision(e.decision));
            }
            let mut federated: Vec<&str> = t
                .statements
                .iter()
                .filter(|st| st.effect == Effect::Allow)
                .filter_map(|st| st.principals.as_ref())
                .flat_map(|p| p.entries.iter())
                .filter(|(k, _)| *k == cutover_semantic::iam::policy::PrincipalKind::Federated)
                .map(|(_, v)| v.text.as_str())
                .collect();
            federated.sort();
            federated.dedup();
            for f in federated {
                let _ = writeln!(s, "  {f:<32} {:<12} web identity (IRSA)", "federated");
            }
        }
    }
    let policies: Vec<&Policy> = role.policies.iter().map(|p| &p.policy).collect();
    for (purpose, actions) in ACTIONS {
        let _ = writeln!(s, "\n{purpose}:");
        for a in *actions {
            let e = evaluate(
                &policies,
                &Request {
                    action: a,
                    resource: "*",
                    principal: None,
                },
            );
            let mut line = format!("  {a:<32} {}", decision(e.decision));
            if e.decision == Decision::Allow {
                line.push_str(" on *");
            } else {
                let on = allowed_on(&policies, a);
                if !on.is_empty() {
                    line = format!("  {a:<32} allowed on {}", on.join(", "));
                }
            }
            let _ = writeln!(s, "{line}");
        }
    }
    let wide = catch_all(&role);
    if !wide.is_empty() {
        let _ = writeln!(s, "\ncatch-all permissions (IAM001):");
        for (p, what) in wide {
            let _ = writeln!(s, "  {} {what}", p.replace('`', ""));
        }
    }
    Ok(s)
}
