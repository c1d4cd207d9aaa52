//! The check of one pull, in two halves: detection (`detect_pull`: what is missing or could not be
//! verified, as data) and reporting (`report_pull`: the words, labels and suggested statements).

use cutover_semantic::iam::arn::{account_root, ecr_repository_arn, partition_of_region};
use cutover_semantic::iam::{
    aws_owned, evaluate, AccountSource, Decision, Effect, IamIndex, Policy, PrincipalRef, Request,
    Statement,
};
use lint_engine::config::Config;
use lint_engine::{Finding, Label, RuleContext, Severity};

use super::{Pull, Puller, PULL_ACTIONS};

/// The findings of one pull: [`detect_pull`], then [`report_pull`].
pub(super) fn check_pull(
    cx: &RuleContext<'_, '_>,
    ix: &IamIndex<'_, '_>,
    p: &Pull<'_>,
) -> Vec<Finding> {
    match detect_pull(ix, cx.config, p) {
        Some(check) => report_pull(cx, ix, p, &check),
        None => Vec::new(),
    }
}

fn json_list(items: &[&str]) -> String {
    let q: Vec<String> = items.iter().map(|a| format!("\"{a}\"")).collect();
    if q.len() == 1 {
        q[0].clone()
    } else {
        format!("[{}]", q.join(","))
    }
}

/// What the check of one pull found, before it is worded.
enum PullCheck<'i> {
    /// The workload's account is unknown: a cross-account pull cannot be ruled out.
    UnknownAccount { reg_account: String },
    /// A cross-account pull: the gaps found and what could not be verified.
    CrossAccount(CrossPull<'i>),
}

/// A cross-account pull and what its check found.
struct CrossPull<'i> {
    reg_account: String,
    region: String,
    wl_account: String,
    wl_source: AccountSource,
    repo_name: String,
    repo_arn: String,
    /// The actions the puller needs (`ecr:GetAuthorizationToken` on `*`, the others on the
    /// repository).
    needed: Vec<&'static str>,
    /// The repository is under a pull-through cache prefix.
    pull_through: bool,
    /// Each gap is one finding, in this order.
    gaps: Vec<Gap<'i>>,
    /// What could not be verified (a note on each gap, or one info finding without gaps).
    unverified: Vec<Unverified>,
}

/// One reason the pull fails.
enum Gap<'i> {
    /// Fargate task definition without `executionRoleArn`.
    MissingExecutionRole,
    /// The puller's identity policies do not allow `missing` (`puller` indexes `Pull::pullers`).
    PullerNotAllowed {
        puller: usize,
        role: usize,
        missing: Vec<&'static str>,
        /// IRSA/Pod Identity roles of the pod that would allow the pull.
        pod_roles_allowing: Vec<usize>,
    },
    /// The repository has no repository policy.
    NoRepositoryPolicy { repo: usize },
    /// The repository policy denies (explicitly when `statement` is a `Deny`) or does not grant.
    RepositoryPolicyDenies {
        repo: usize,
        statement: Option<&'i Statement>,
        denied_arn: Option<String>,
    },
}

/// Something the check could not verify.
enum Unverified {
    /// Why the puller could not be determined.
    Puller(String),
    /// The puller's role is not in the inputs.
    PullerNotInInputs { puller: usize },
    /// The puller's policies allow `actions` only under a condition or through an expression.
    PullerConditional {
        puller: usize,
        role: usize,
        actions: Vec<&'static str>,
    },
    /// The repository is not in the inputs.
    RepositoryNotInInputs,
    /// The repository policy grants the pull only under these conditions.
    RepositoryConditional { repo: usize, keys: Vec<String> },
    /// The repository policy is built from Terraform expressions.
    RepositoryUnresolved { repo: usize },
}

/// The detection half of the check of one pull.
fn detect_pull<'i>(
    ix: &'i IamIndex<'_, '_>,
    config: &Config,
    p: &Pull<'_>,
) -> Option<PullCheck<'i>> {
    let (reg_account, region) = p.image.ecr()?;
    if aws_owned(reg_account).is_some()
        || config
            .accounts
            .trusted_registry_accounts
            .iter()
            .any(|a| a == reg_account)
    {
        return None;
    }
    let Some((wl_account, wl_source)) = p.account.clone() else {
        return Some(PullCheck::UnknownAccount {
            reg_account: reg_account.to_string(),
        });
    };
    if wl_account == reg_account {
        return None;
    }
    let partition = partition_of_region(region);
    let repo_name = p.image.repository.clone();
    let repo_arn = ecr_repository_arn(partition, region, reg_account, &repo_name);
    let mut gaps = Vec::new();
    let mut unverified = Vec::new();

    // Pull-through cache prefix: the puller also imports upstream images.
    let pull_through = ix.pull_through_prefixes.iter().any(|(prefix, r)| {
        repo_name.starts_with(&format!("{prefix}/"))
            && ix
                .accounts
                .resource_account(ix.model, r.file, &r.dir)
                .is_none_or(|(a, _)| a == reg_account)
    });
    let mut needed = vec![
        "ecr:GetAuthorizationToken",
        PULL_ACTIONS[0],
        PULL_ACTIONS[1],
    ];
    if pull_through {
        needed.push("ecr:BatchImportUpstreamImage");
    }

    // Side B: the puller's identity policies.
    if p.pullers.is_empty() {
        match p.no_puller.as_deref() {
            Some("MISSING_EXEC") => gaps.push(Gap::MissingExecutionRole),
            Some(why) => unverified.push(Unverified::Puller(why.to_string())),
            None => {}
        }
    }
    for (pi, pl) in p.pullers.iter().enumerate() {
        let Some(ri) = pl.role else {
            unverified.push(Unverified::PullerNotInInputs { puller: pi });
            continue;
        };
        let pols = ix.roles[ri].policy_refs();
        let mut missing = Vec::new();
        let mut unsure = Vec::new();
        for action in &needed {
            let resource = if *action == "ecr:GetAuthorizationToken" {
                "*"
            } else {
                repo_arn.as_str()
            };
            let ev = evaluate(
                &pols,
                &Request {
                    action,
                    resource,
                    principal: None,
                },
            );
            match ev.decision {
                Decision::Allow => {}
                Decision::Deny | Decision::ImplicitDeny => missing.push(*action),
                Decision::Conditional | Decision::Unknown => unsure.push(*action),
            }
        }
        if !missing.is_empty() {
            let pod_roles_allowing = p
                .pod_roles
                .iter()
                .copied()
                .filter(|&pr| {
                    evaluate(
                        &ix.roles[pr].policy_refs(),
                        &Request {
                            action: PULL_ACTIONS[0],
                            resource: &repo_arn,
                            principal: None,
                        },
                    )
                    .decision
                        == Decision::Allow
                })
                .collect();
            gaps.push(Gap::PullerNotAllowed {
                puller: pi,
                role: ri,
                missing,
                pod_roles_allowing,
            });
        } else if !unsure.is_empty() {
            unverified.push(Unverified::PullerConditional {
                puller: pi,
                role: ri,
                actions: unsure,
            });
        }
    }

    // Side A: the repository policy in the registry account.
    match ix.find_repo(reg_account, region, &repo_name) {
        None => unverified.push(Unverified::RepositoryNotInInputs),
        Some(ri) => match &ix.repos[ri].policy {
            None => gaps.push(Gap::NoRepositoryPolicy { repo: ri }),
            Some(policy) => {
                let (gap, cond) = repository_policy_check(p, policy, ri, &wl_account, &repo_arn);
                if let Some(g) = gap {
                    gaps.push(g);
                } else if let Some(c) = cond {
                    unverified.push(c);
                }
            }
        },
    }
    Some(PullCheck::CrossAccount(CrossPull {
        reg_account: reg_account.to_string(),
        region: region.to_string(),
        wl_account,
        wl_source,
        repo_name,
        repo_arn,
        needed,
        pull_through,
        gaps,
        unverified,
    }))
}

/// Evaluate the repository policy for each puller (or the whole workload account): the first
/// denial as a gap, else the first condition or expression that keeps it from being verified.
fn repository_policy_check<'i>(
    p: &Pull<'_>,
    policy: &'i Policy,
    repo: usize,
    wl_account: &str,
    repo_arn: &str,
) -> (Option<Gap<'i>>, Option<Unverified>) {
    let mut who: Vec<PrincipalRef> = p
        .pullers
        .iter()
        .map(|pl| PrincipalRef::Aws {
            account: wl_account.to_string(),
            arn: pl.arn.clone(),
        })
        .collect();
    if who.is_empty() {
        who.push(PrincipalRef::Aws {
            account: wl_account.to_string(),
            arn: None,
        });
    }
    let mut denied: Option<Option<&'i Statement>> = None;
    let mut cond: Option<Unverified> = None;
    let mut denied_arn: Option<String> = None;
    for w in &who {
        for action in PULL_ACTIONS {
            let ev = evaluate(
                &[policy],
                &Request {
                    action,
                    resource: repo_arn,
                    principal: Some(w),
                },
            );
            match ev.decision {
                Decision::Allow => {}
                Decision::Deny | Decision::ImplicitDeny => {
                    if denied.is_none() {
                        denied = Some(ev.statement);
                        if let PrincipalRef::Aws { arn: Some(a), .. } = w {
                            denied_arn = Some(a.clone());
                        }
                    }
                }
                Decision::Conditional => {
                    let keys: Vec<String> = ev
                        .statement
                        .map(|s| s.conditions.iter().map(|c| c.key.to_string()).collect())
                        .unwrap_or_default();
                    cond.get_or_insert(Unverified::RepositoryConditional { repo, keys });
                }
                Decision::Unknown => {
                    cond.get_or_insert(Unverified::RepositoryUnresolved { repo });
                }
            }
        }
    }
    match denied {
        Some(statement) => (
            Some(Gap::RepositoryPolicyDenies {
                repo,
                statement,
                denied_arn,
            }),
            None,
        ),
        None => (None, cond),
    }
}

/// The reporting half: the findings of one checked pull.
fn report_pull(
    cx: &RuleContext<'_, '_>,
    ix: &IamIndex<'_, '_>,
    p: &Pull<'_>,
    check: &PullCheck<'_>,
) -> Vec<Finding> {
    let c = match check {
        PullCheck::UnknownAccount { reg_account } => {
            let f = cx
                .finding(
                    p.file,
                    p.image_node.span,
                    format!(
                        "cannot verify the pull of `{reg_account}/{}`: the account this workload runs in is unknown, so a cross-account pull cannot be ruled out",
                        p.image.repository
                    ),
                )
                .with_severity(Severity::Info)
                .with_help("set `accounts.workload-account-id` (or map this path in `[accounts.paths]`) in cutover.toml, or use literal role ARNs")
                .with_note(format!("registry account `{reg_account}` is from the image URI"))
                .with_logical(p.logical.clone());
            return vec![f];
        }
        PullCheck::CrossAccount(c) => c,
    };
    let (reg_account, wl_account) = (&c.reg_account, &c.wl_account);
    let side_a_stmt = side_a_statement(partition_of_region(&c.region), wl_account);
    let account_note = format!(
        "registry account `{reg_account}` is from the image URI; workload account `{wl_account}` is from {}",
        c.wl_source.describe()
    );
    let unverified: Vec<String> = c
        .unverified
        .iter()
        .map(|u| unverified_text(ix, p, c, u))
        .collect();
    if c.gaps.is_empty() {
        if unverified.is_empty() {
            return Vec::new();
        }
        let f = cx
            .finding(
                p.file,
                p.image_node.span,
                format!(
                    "cannot verify the cross-account pull of `{reg_account}/{}` into account `{wl_account}`: {}",
                    c.repo_name,
                    unverified.join("; ")
                ),
            )
            .with_severity(Severity::Info)
            .with_help(format!(
                "make sure the puller in account `{wl_account}` allows {} and the repository policy in account `{reg_account}` has {side_a_stmt}; add those files to the inputs to check them",
                side_b_statements(&c.needed, &c.repo_arn)
            ))
            .with_note(account_note)
            .with_logical(p.logical.clone());
        return vec![f];
    }
    let named_here = |pl: &Puller| {
        pl.label
            .map(|(file, span)| Label::new(file, span, format!("{} named here", pl.kind)))
    };
    let mut out = Vec::new();
    for gap in &c.gaps {
        let mut f = match gap {
            Gap::MissingExecutionRole => cx
                .finding(
                    p.file,
                    p.image_node.span,
                    format!(
                        "image from account `{reg_account}` cannot be pulled: the task definition has no `executionRoleArn`, and Fargate pulls private ECR images with the execution role"
                    ),
                )
                .with_help(format!(
                    "set `executionRoleArn` to a role in account `{wl_account}` that allows {} and add a repository policy statement in account `{reg_account}` for it",
                    side_b_statements(&c.needed, &c.repo_arn)
                ))
                .with_note(account_note.clone())
                .with_missing("executionRoleArn")
                .with_logical(p.logical.clone()),
            Gap::PullerNotAllowed {
                puller,
                role,
                missing,
                pod_roles_allowing,
            } => {
                let pl = &p.pullers[*puller];
                let role = &ix.roles[*role];
                let list: Vec<String> = missing.iter().map(|a| format!("`{a}`")).collect();
                let stmt = side_b_statements(missing, &c.repo_arn);
                let mut f = cx
                    .finding(
                        p.file,
                        p.image_node.span,
                        format!(
                            "image from account `{reg_account}` cannot be pulled: {} `{}` in account `{wl_account}` is not allowed {}; add {stmt}",
                            pl.kind,
                            role.display(),
                            list.join(", ")
                        ),
                    )
                    .with_help(format!(
                        "add to the policies of `{}`: {stmt}",
                        role.display()
                    ))
                    .with_note(account_note.clone())
                    .with_logical(p.logical.clone());
                if let Some(l) = named_here(pl) {
                    f = f.with_related(l);
                }
                f = f.with_related(Label::new(
                    role.res.file,
                    role.res.anchor,
                    format!("{} `{}`", pl.kind, role.display()),
                ));
                if c.pull_through && missing.contains(&"ecr:BatchImportUpstreamImage") {
                    f = f.with_note("the repository is under a pull-through cache prefix: the puller also needs `ecr:BatchImportUpstreamImage` (and `ecr:CreateRepository` before the first pull)");
                }
                for &pr in pod_roles_allowing {
                    f = f.with_note(format!(
                        "the pod's own role `{}` allows ECR pulls, but the kubelet pulls images with the node role, not the IRSA/Pod Identity role",
                        ix.roles[pr].display()
                    ));
                }
                f
            }
            Gap::NoRepositoryPolicy { repo } => {
                let repo = &ix.repos[*repo];
                let mut f = cx
                    .finding(
                        p.file,
                        p.image_node.span,
                        format!(
                            "image from account `{reg_account}` cannot be pulled: repository `{}` has no repository policy granting account `{wl_account}`; add {side_a_stmt}",
                            repo.name
                        ),
                    )
                    .with_help(format!(
                        "add an `aws_ecr_repository_policy` for `{}` with the statement {side_a_stmt}",
                        repo.name
                    ))
                    .with_note(account_note.clone())
                    .with_logical(p.logical.clone());
                if let Some((file, span)) = repo.anchor() {
                    f = f.with_related(Label::new(file, span, format!("repository `{}`", repo.name)));
                }
                f
            }
            Gap::RepositoryPolicyDenies {
                repo,
                statement,
                denied_arn,
            } => {
                let repo = &ix.repos[*repo];
                let msg = if statement.is_some_and(|s| s.effect == Effect::Deny) {
                    let sid = statement
                        .and_then(|s| s.sid.as_deref())
                        .map(|s| format!(" (statement `{s}`)"))
                        .unwrap_or_default();
                    format!(
                        "image from account `{reg_account}` cannot be pulled: the repository policy of `{}` denies account `{wl_account}`{sid}; remove or narrow that `Deny` so that {side_a_stmt} applies",
                        repo.name
                    )
                } else {
                    format!(
                        "image from account `{reg_account}` cannot be pulled: the repository policy of `{}` grants neither account `{wl_account}`{} to pull; add {side_a_stmt}",
                        repo.name,
                        denied_arn
                            .as_deref()
                            .map(|a| format!(" nor `{a}`"))
                            .unwrap_or_default()
                    )
                };
                let mut f = cx
                    .finding(p.file, p.image_node.span, msg)
                    .with_help(format!(
                        "add this statement to the repository policy of `{}` in account `{reg_account}`: {side_a_stmt}",
                        repo.name
                    ))
                    .with_note(account_note.clone())
                    .with_logical(p.logical.clone());
                if let Some((file, span)) = repo
                    .policy_res
                    .and_then(|r| r.values.member("policy").map(|m| (r.file, m.value.span)))
                {
                    f = f.with_related(Label::new(
                        file,
                        span,
                        format!("repository policy of `{}`", repo.name),
                    ));
                }
                if let Some(s) = statement {
                    if s.file.0 != u32::MAX {
                        f = f.with_related(Label::new(s.file, s.span, "denying statement"));
                    }
                }
                for pl in &p.pullers {
                    if let Some(l) = named_here(pl) {
                        f = f.with_related(l);
                    }
                }
                f
            }
        };
        if !unverified.is_empty() {
            f = f.with_note(format!("also not verified: {}", unverified.join("; ")));
        }
        out.push(f);
    }
    out
}

/// The words of one thing the check could not verify.
fn unverified_text(
    ix: &IamIndex<'_, '_>,
    p: &Pull<'_>,
    c: &CrossPull<'_>,
    u: &Unverified,
) -> String {
    match u {
        Unverified::Puller(why) => format!("the puller's policies ({why})"),
        Unverified::PullerNotInInputs { puller } => {
            let pl = &p.pullers[*puller];
            format!("the policies of {} `{}` (not in the inputs)", pl.kind, pl.display)
        }
        Unverified::PullerConditional {
            puller,
            role,
            actions,
        } => format!(
            "the policies of {} `{}` (they allow {} only under a condition or through an expression)",
            p.pullers[*puller].kind,
            ix.roles[*role].display(),
            actions
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Unverified::RepositoryNotInInputs => format!(
            "the repository policy of `{}/{}` (the repository is not in the inputs)",
            c.reg_account, c.repo_name
        ),
        Unverified::RepositoryConditional { repo, keys } => {
            let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            format!(
                "the repository policy of `{}` grants the pull only under a condition ({})",
                ix.repos[*repo].name,
                if keys.is_empty() {
                    "unknown".into()
                } else {
                    keys.join(", ")
                }
            )
        }
        Unverified::RepositoryUnresolved { repo } => format!(
            "the repository policy of `{}` (it is built from Terraform expressions)",
            ix.repos[*repo].name
        ),
    }
}

/// The identity-policy statements granting `actions` (JSON, one line each).
fn side_b_statements(actions: &[&str], repo_arn: &str) -> String {
    let mut out = Vec::new();
    if actions.contains(&"ecr:GetAuthorizationToken") {
        out.push(
            r#"{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#.to_string(),
        );
    }
    let mut repo_actions: Vec<&str> = actions
        .iter()
        .copied()
        .filter(|a| *a != "ecr:GetAuthorizationToken")
        .collect();
    if !repo_actions.is_empty() {
        if repo_actions.iter().any(|a| PULL_ACTIONS.contains(a)) {
            for a in PULL_ACTIONS
                .iter()
                .chain(std::iter::once(&"ecr:BatchCheckLayerAvailability"))
            {
                if !repo_actions.contains(a) {
                    repo_actions.push(a);
                }
            }
            repo_actions.sort_by_key(|a| match *a {
                "ecr:BatchGetImage" => 0,
                "ecr:GetDownloadUrlForLayer" => 1,
                "ecr:BatchCheckLayerAvailability" => 2,
                _ => 3,
            });
        }
        out.push(format!(
            r#"{{"Effect":"Allow","Action":{},"Resource":"{repo_arn}"}}"#,
            json_list(&repo_actions)
        ));
    }
    out.join(" and ")
}

/// The repository-policy statement granting the workload account.
fn side_a_statement(partition: &str, account: &str) -> String {
    format!(
        r#"{{"Sid":"CrossAccountPull","Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]}}"#,
        account_root(partition, account)
    )
}
