//! Live answers for IAM003 (the IRSA role's trust, read from the account) and IAM005 (whether
//! the execution role read from the account may fetch a task's secret). The judgement is the
//! built-in rules' own (`cutover_semantic::iam::irsa`, `cutover_semantic::iam::grants`); only the
//! role comes from AWS instead of the inputs.

use cutover_semantic::iam::grants::{ask, secret_target, Outcome, SSM_READ};
use cutover_semantic::iam::irsa::judge;
use cutover_semantic::iam::Arn;
use lint_engine::Severity;

use crate::aws::LiveRole;
use crate::check::{Loc, Out, SecretUse};

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// IAM003 for ServiceAccount `ns/sa`, whose `eks.amazonaws.com/role-arn` names `role`.
pub fn irsa_trust(role: &LiveRole, ns: &str, sa: &str, loc: &Loc) -> Option<Out> {
    let subject = format!("system:serviceaccount:{ns}:{sa}");
    let who = format!("`{}`", role.arn);
    let verdict = match &role.trust {
        Some(t) => judge(&t.statements, false, &subject),
        None => cutover_semantic::iam::irsa::Verdict::NoWebIdentity,
    };
    let (sev, message, help) = verdict.describe(&who, &format!("`{ns}/{sa}`"), &subject)?;
    Some(Out {
        rule: "IAM003",
        severity: Some(severity(sev)),
        message,
        loc: loc.clone(),
        help: Some(help),
        notes: vec![format!(
            "trust policy of role `{}`, fetched at {}",
            role.arn, role.fetched_at
        )],
        logical: Some(format!("{}/trust/{ns}/{sa}", role.arn)),
    })
}

/// IAM005 for one secret: `None` when the live check does not model it (a parameter given by
/// name, whose region and account are the task's; a secret in another account, whose resource
/// policy decides too). Otherwise the findings (none when the role may read it).
pub fn secret_read(role: &LiveRole, s: &SecretUse) -> Option<Vec<Out>> {
    let arn = Arn::parse(&s.value_from)?;
    let role_account = Arn::parse(&role.arn).and_then(|a| a.account_id().map(str::to_string));
    if role_account.as_deref() != Some(arn.account) {
        return None;
    }
    let (action, resource, partial) = match arn.service {
        "secretsmanager" => {
            let (resource, partial, _) = secret_target(&arn)?;
            (
                cutover_semantic::iam::grants::SECRETS_MANAGER_READ,
                resource,
                partial,
            )
        }
        "ssm" => (SSM_READ, s.value_from.clone(), false),
        _ => return None,
    };
    let what = match &s.name {
        Some(n) => format!("secret `{n}`"),
        None => format!("secret `{}`", s.value_from),
    };
    let policies: Vec<_> = role.policies.iter().map(|p| &p.policy).collect();
    let evidence = format!(
        "policies of role `{}`, fetched at {}",
        role.arn, role.fetched_at
    );
    let logical = Some(format!("{}/{resource}", role.arn));
    let out = match ask(&policies, action, &resource, partial) {
        Outcome::Ok => Vec::new(),
        Outcome::Missing { action, resource } => vec![Out {
            rule: "IAM005",
            severity: None,
            message: format!(
                "execution role `{}` does not allow `{action}` on `{resource}`, so ECS cannot fetch {what} and the task does not start",
                role.arn
            ),
            loc: s.loc.clone(),
            help: Some(format!(
                "add to the execution role's policy: {{\"Effect\":\"Allow\",\"Action\":\"{action}\",\"Resource\":\"{resource}\"}}"
            )),
            notes: vec![evidence],
            logical,
        }],
        Outcome::Unverified(why) => vec![Out {
            rule: "IAM005",
            severity: Some("info"),
            message: format!(
                "cannot verify that execution role `{}` may read {what}: {why}",
                role.arn
            ),
            loc: s.loc.clone(),
            help: None,
            notes: vec![evidence],
            logical,
        }],
    };
    Some(out)
}
