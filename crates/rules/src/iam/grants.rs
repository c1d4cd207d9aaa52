//! Helpers the IAM rules share: asking a role's identity policies for one request.

use cutover_semantic::iam::policy::wildcard_match;
use cutover_semantic::iam::{evaluate, Decision, Effect, Policy, Request};

/// What one reference's check found.
pub(crate) enum Outcome {
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
pub(crate) fn ask(
    pols: &[&Policy],
    action: &'static str,
    resource: &str,
    partial: bool,
) -> Outcome {
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
