//! Asking a role's identity policies for one request: shared by the IAM rules and by the live
//! checks of `cutover-aws`.

use super::policy::wildcard_match;
use super::{evaluate, Decision, Effect, Policy, Request};

/// What one reference's check found.
pub enum Outcome {
    Ok,
    /// The role's policies do not allow `action` on `resource`.
    Missing {
        action: &'static str,
        resource: String,
    },
    /// The answer depends on a condition, an expression or a placeholder: why.
    Unverified(String),
}

/// Evaluate one request against the role's identity policies.
pub fn ask(pols: &[&Policy], action: &'static str, resource: &str, partial: bool) -> Outcome {
    let ev = evaluate(
        pols,
        &Request {
            action,
            resource,
            principal: None,
        },
    );
    match ev.decision {
        Decision::Allow => Outcome::Ok,
        Decision::Conditional => Outcome::Unverified(format!(
            "`{action}` on `{resource}` is allowed or denied only under a condition"
        )),
        Decision::Unknown => Outcome::Unverified(format!(
            "the policies that could allow `{action}` on `{resource}` are Terraform expressions"
        )),
        Decision::Deny => Outcome::Missing {
            action,
            resource: resource.to_string(),
        },
        Decision::ImplicitDeny => {
            // With placeholders in the ARN (random suffix, region, account), a statement that
            // grants the action on some other resource might still cover the real ARN.
            // Only a resource value that is an instance of the placeholder ARN could be the
            // real one: `secret:prod/db-AbCdEf` for `secret:prod/db-??????`, but never the bare
            // `secret:prod/db`, which no suffixed ARN matches.
            let as_pattern = resource.replace("REGION", "*").replace("ACCOUNT", "*");
            let could_cover = pols.iter().flat_map(|p| &p.statements).any(|s| {
                s.effect == Effect::Allow
                    && s.action_value_matching(action).is_some()
                    && s.resources.as_ref().is_some_and(|r| {
                        !r.negated
                            && r.values.iter().any(|v| {
                                v.is_unresolved() || wildcard_match(&as_pattern, &v.text, false)
                            })
                    })
            });
            if partial && could_cover {
                Outcome::Unverified(format!(
                    "the full ARN is not known (`{resource}` stands for it) and the role allows `{action}` on a resource that may be it"
                ))
            } else {
                Outcome::Missing {
                    action,
                    resource: resource.to_string(),
                }
            }
        }
    }
}

/// `GetSecretValue`, the action ECS needs on a Secrets Manager `valueFrom`.
pub const SECRETS_MANAGER_READ: &str = "secretsmanager:GetSecretValue";
/// `GetParameters`, the action ECS needs on an SSM parameter `valueFrom`.
pub const SSM_READ: &str = "ssm:GetParameters";

/// Whether a secret name ends with the 6-character random suffix (`-AbCdEf`) of its ARN.
fn has_random_suffix(name: &str) -> bool {
    name.rsplit_once('-').is_some_and(|(head, tail)| {
        !head.is_empty() && tail.len() == 6 && tail.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

/// The secret a Secrets Manager ARN `valueFrom` reads
/// (`arn:aws:secretsmanager:<region>:<account>:secret:<name>[:json-key:stage:id]`): the resource
/// a policy must allow (with `-??????` standing for the random suffix when the ARN has none),
/// whether that resource is partial (the suffix is a placeholder), and the secret's name
/// without suffix. `None` for another ARN.
pub fn secret_target(arn: &super::Arn<'_>) -> Option<(String, bool, String)> {
    if arn.service != "secretsmanager" {
        return None;
    }
    let name = arn.resource.strip_prefix("secret:")?;
    let name = name.split(':').next().unwrap_or(name);
    let suffixed = has_random_suffix(name);
    let base = format!(
        "arn:{}:secretsmanager:{}:{}:secret:{name}",
        arn.partition, arn.region, arn.account
    );
    let bare = if suffixed {
        name.rsplit_once('-').map_or(name, |(h, _)| h)
    } else {
        name
    };
    let resource = if suffixed {
        base
    } else {
        format!("{base}-??????")
    };
    Some((resource, !suffixed, bare.to_string()))
}
