//! `check --protocol 1`: find the roles and images the request references, read them from AWS
//! and answer IAM001 (which this plugin extends), IAM002 (which it supersedes where it evaluated
//! an image) and AWS001 / AWS002 findings.
//!
//! IAM002 is evaluated live only for images whose puller the live check models the way the
//! built-in rule does ([`ImageUse::unmodelled`] is `None`), and only when both the repository
//! and the puller role were read. Those images are listed in the answer's `evaluated`, so the
//! host drops the built-in IAM002 findings there. Every other image keeps the built-in rule's
//! conclusion, and the plugin does not report IAM002 for it.

use std::collections::BTreeSet;

use cutover_semantic::iam::arn::{ecr_repository_arn, partition_of_region, Arn};
use cutover_semantic::iam::managed::is_catch_all_managed;
use cutover_semantic::iam::{aws_owned, evaluate, parse_image, Decision, PrincipalRef, Request};
use serde_json::{json, Value as Json};

use crate::aws::{FetchError, Live, LiveRole, Options};

pub const PULL_ACTIONS: [&str; 2] = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/// A place in the request: file, document and JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Loc {
    pub file: String,
    pub document: usize,
    pub pointer: String,
}

impl Loc {
    fn json(&self) -> Json {
        json!({"file": self.file, "document": self.document, "pointer": self.pointer})
    }
}

/// How a role is used where it is referenced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Use {
    Execution,
    Task,
    /// IRSA: `eks.amazonaws.com/role-arn` on ServiceAccount `ns/name`.
    Irsa(String, String),
    /// `aws_eks_pod_identity_association` for ServiceAccount `ns/name`.
    PodIdentity(String, String),
    Node,
    FargatePod,
}

impl Use {
    fn service_account(&self) -> Option<(&str, &str)> {
        match self {
            Use::Irsa(n, s) | Use::PodIdentity(n, s) => Some((n, s)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RoleRef {
    pub arn: String,
    pub loc: Loc,
    pub used_as: Use,
}

#[derive(Debug, Clone)]
pub struct ImageUse {
    pub image: String,
    pub loc: Loc,
    /// `(role ARN, "execution role" | "node role" | …)`.
    pub puller: Option<(String, &'static str)>,
    /// From ECS (the puller's account is the workload's) or Kubernetes.
    pub ecs: bool,
    /// Why the live IAM002 check does not model this pull (the built-in rule's conclusion
    /// stands), or `None` when it does.
    pub unmodelled: Option<&'static str>,
}

/// A container secret (`secrets[].valueFrom`, a literal) and the execution role that reads it.
#[derive(Debug, Clone)]
pub struct SecretUse {
    pub loc: Loc,
    pub value_from: String,
    pub name: Option<String>,
    pub exec_role: String,
}

/// Everything the plugin checks, from the request.
#[derive(Debug, Default)]
pub struct Refs {
    pub roles: Vec<RoleRef>,
    pub images: Vec<ImageUse>,
    /// `secrets[].valueFrom` of task definitions with a literal execution role.
    pub secrets: Vec<SecretUse>,
    /// Literal `ecr_repository_prefix`es of pull-through cache rules; `None` when one is not a
    /// literal.
    pub pull_through: Option<Vec<String>>,
}

impl Refs {
    /// Whether repository `name` may be under a pull-through cache prefix (its pullers then
    /// also need `ecr:BatchImportUpstreamImage`, which the live check does not model).
    pub fn pull_through_cache(&self, name: &str) -> bool {
        match &self.pull_through {
            None => true,
            Some(prefixes) => prefixes.iter().any(|p| {
                p == "ROOT"
                    || name
                        .strip_prefix(p.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            }),
        }
    }
}

fn literal_role(v: Option<&Json>) -> Option<String> {
    let s = v?.as_str()?;
    let a = Arn::parse(s)?;
    (a.service == "iam" && a.role_name().is_some() && a.account_id().is_some())
        .then(|| s.to_string())
}

fn esc(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Collect role and image references from the request's model.
pub fn collect(req: &Json, opts: &Options) -> Refs {
    let mut refs = Refs::default();
    let doc = |file: &str, index: usize| -> Option<&Json> {
        req["files"]
            .as_array()?
            .iter()
            .find(|f| f["path"] == file)?["documents"]
            .as_array()?
            .iter()
            .find(|d| d["index"] == index)
            .map(|d| &d["value"])
    };
    let at = |owner: &Json| -> Option<(Loc, &Json)> {
        let file = owner["file"].as_str()?;
        let index = owner["document"].as_u64().unwrap_or(0) as usize;
        let pointer = owner["pointer"].as_str()?;
        let v = doc(file, index)?.pointer(pointer)?;
        Some((
            Loc {
                file: file.to_string(),
                document: index,
                pointer: pointer.to_string(),
            },
            v,
        ))
    };
    let model = &req["model"];
    let empty = Vec::new();
    let list = |k: &str| model[k].as_array().unwrap_or(&empty).clone();

    let tf_of = |t: &str| -> Vec<Json> {
        list("terraform_resources")
            .into_iter()
            .filter(|r| r["type"] == t)
            .filter_map(|r| at(&r).map(|(_, v)| v.clone()))
            .collect()
    };
    // Without `requiresCompatibilities`, the built-in IAM002 treats a task definition that an
    // EC2 service runs as an EC2 task; the request does not say which service runs which task
    // definition, so any such service leaves those task definitions to the built-in rule.
    let ec2_service = tf_of("aws_ecs_service")
        .iter()
        .any(|s| s["launch_type"] == "EC2");
    // Pull-through cache prefixes (`None`: a prefix is not a literal, so any repository may be
    // under one).
    let pull_through: Option<Vec<String>> = tf_of("aws_ecr_pull_through_cache_rule")
        .iter()
        .map(|r| {
            r["ecr_repository_prefix"]
                .as_str()
                .filter(|p| !p.contains("${"))
                .map(str::to_string)
        })
        .collect();
    refs.pull_through = pull_through;
    // ECS task definitions: execution and task roles, and the images their execution role pulls.
    for td in list("task_definitions") {
        let Some((loc, v)) = at(&td) else { continue };
        let mut exec = None;
        for (keys, used_as) in [
            (["executionRoleArn", "execution_role_arn"], Use::Execution),
            (["taskRoleArn", "task_role_arn"], Use::Task),
        ] {
            for k in keys {
                if let Some(arn) = literal_role(v.get(k)) {
                    if used_as == Use::Execution {
                        exec = Some(arn.clone());
                    }
                    refs.roles.push(RoleRef {
                        arn,
                        loc: Loc {
                            pointer: format!("{}/{}", loc.pointer, esc(k)),
                            ..loc.clone()
                        },
                        used_as: used_as.clone(),
                    });
                }
            }
        }
        let compat: Vec<&str> = ["requiresCompatibilities", "requires_compatibilities"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Json::as_array))
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let unmodelled = if exec.is_none() {
            Some("the execution role is not a literal role ARN")
        } else if !compat.is_empty() && !compat.contains(&"FARGATE") {
            Some("the task runs on EC2: the container instance role pulls its images")
        } else if compat.is_empty() && ec2_service {
            Some("an ECS service with `launch_type = \"EC2\"` may run it: the container instance role would pull its images")
        } else {
            None
        };
        for c in td["containers"].as_array().unwrap_or(&empty) {
            let Some(p) = c["pointer"].as_str() else {
                continue;
            };
            let cloc = Loc {
                pointer: format!("{p}/image"),
                ..loc.clone()
            };
            let container = doc(&cloc.file, cloc.document).and_then(|d| d.pointer(p));
            for (i, sec) in container
                .and_then(|c| c.get("secrets"))
                .and_then(Json::as_array)
                .unwrap_or(&empty)
                .iter()
                .enumerate()
            {
                let (Some(exec_role), Some(value_from)) =
                    (&exec, sec.get("valueFrom").and_then(Json::as_str))
                else {
                    continue;
                };
                refs.secrets.push(SecretUse {
                    loc: Loc {
                        pointer: format!("{p}/secrets/{i}/valueFrom"),
                        ..loc.clone()
                    },
                    value_from: value_from.to_string(),
                    name: sec.get("name").and_then(Json::as_str).map(str::to_string),
                    exec_role: exec_role.clone(),
                });
            }
            let Some(image) = container
                .and_then(|c| c.get("image"))
                .and_then(Json::as_str)
            else {
                continue;
            };
            refs.images.push(ImageUse {
                image: image.to_string(),
                loc: cloc,
                puller: exec.clone().map(|a| (a, "execution role")),
                ecs: true,
                unmodelled,
            });
        }
    }
    // ServiceAccounts with an IRSA annotation.
    for o in list("k8s_objects") {
        if o["kind"] != "ServiceAccount" {
            continue;
        }
        let Some((loc, v)) = at(&o) else { continue };
        let key = "eks.amazonaws.com/role-arn";
        if let Some(arn) = literal_role(v.pointer(&format!("/metadata/annotations/{}", esc(key)))) {
            let ns = o["namespace"].as_str().unwrap_or("default").to_string();
            let name = o["name"].as_str().unwrap_or_default().to_string();
            refs.roles.push(RoleRef {
                arn,
                loc: Loc {
                    pointer: format!("{}/metadata/annotations/{}", loc.pointer, esc(key)),
                    ..loc
                },
                used_as: Use::Irsa(ns, name),
            });
        }
    }
    // Terraform: Pod Identity associations, node groups, Fargate profiles.
    for r in list("terraform_resources") {
        let Some((loc, v)) = at(&r) else { continue };
        let (key, used_as) = match r["type"].as_str().unwrap_or_default() {
            "aws_eks_pod_identity_association" => (
                "role_arn",
                Use::PodIdentity(
                    v["namespace"].as_str().unwrap_or("default").to_string(),
                    v["service_account"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                ),
            ),
            "aws_eks_node_group" => ("node_role_arn", Use::Node),
            "aws_eks_fargate_profile" => ("pod_execution_role_arn", Use::FargatePod),
            _ => continue,
        };
        if let Some(arn) = literal_role(v.get(key)) {
            refs.roles.push(RoleRef {
                arn,
                loc: Loc {
                    pointer: format!("{}/{key}", loc.pointer),
                    ..loc
                },
                used_as,
            });
        }
    }
    // Kubernetes workloads: the kubelet pulls with the node role (or the Fargate pod execution
    // role), never with the IRSA / Pod Identity role.
    let k8s_puller = opts
        .node_role_arn
        .clone()
        .map(|a| (a, "node role"))
        .or_else(|| {
            refs.roles.iter().find_map(|r| match r.used_as {
                Use::Node => Some((r.arn.clone(), "node role")),
                _ => None,
            })
        })
        .or_else(|| {
            refs.roles.iter().find_map(|r| match r.used_as {
                Use::FargatePod => Some((r.arn.clone(), "Fargate pod execution role")),
                _ => None,
            })
        });
    // The built-in rule finds the puller per pod (a Fargate profile selecting it, the node
    // groups, Karpenter node classes); the live check takes one puller for every pod, so it
    // evaluates Kubernetes pulls only when that puller is the only candidate.
    let fargate = !tf_of("aws_eks_fargate_profile").is_empty();
    let karpenter = list("k8s_objects")
        .iter()
        .any(|o| o["kind"] == "EC2NodeClass");
    let node_groups = tf_of("aws_eks_node_group");
    let one_node_role = node_groups.iter().all(|g| {
        literal_role(g.get("node_role_arn")).is_some_and(|a| {
            k8s_puller
                .as_ref()
                .is_some_and(|(p, kind)| *kind == "node role" && *p == a)
        })
    });
    let k8s_unmodelled = if k8s_puller.is_none() {
        Some("no literal node role ARN is in the inputs or in `node-role-arn`")
    } else if fargate {
        Some("a Fargate profile may select the pod: its pod execution role would pull")
    } else if karpenter {
        Some("Karpenter `EC2NodeClass` roles may pull for the pod")
    } else if opts.node_role_arn.is_none() && !one_node_role {
        Some("the node groups have different or non-literal node roles")
    } else {
        None
    };
    for w in list("workloads") {
        let Some(file) = w["file"].as_str() else {
            continue;
        };
        let index = w["document"].as_u64().unwrap_or(0) as usize;
        for c in w["containers"].as_array().unwrap_or(&empty) {
            let Some(p) = c["pointer"].as_str() else {
                continue;
            };
            let loc = Loc {
                file: file.to_string(),
                document: index,
                pointer: format!("{p}/image"),
            };
            let Some(image) = doc(file, index)
                .and_then(|d| d.pointer(&loc.pointer))
                .and_then(Json::as_str)
            else {
                continue;
            };
            refs.images.push(ImageUse {
                image: image.to_string(),
                loc,
                puller: k8s_puller.clone(),
                ecs: false,
                unmodelled: k8s_unmodelled,
            });
        }
    }
    refs
}

/// One finding of the answer.
pub struct Out {
    pub rule: &'static str,
    pub severity: Option<&'static str>,
    pub message: String,
    pub loc: Loc,
    pub help: Option<String>,
    pub notes: Vec<String>,
    pub logical: Option<String>,
}

impl Out {
    fn json(&self) -> Json {
        let mut m = serde_json::Map::new();
        m.insert("rule_id".into(), json!(self.rule));
        m.insert("message".into(), json!(self.message));
        m.insert("location".into(), self.loc.json());
        if let Some(s) = self.severity {
            m.insert("severity".into(), json!(s));
        }
        if let Some(h) = &self.help {
            m.insert("help".into(), json!(h));
        }
        if !self.notes.is_empty() {
            m.insert("notes".into(), json!(self.notes));
        }
        if let Some(l) = &self.logical {
            m.insert("logical_path".into(), json!(l));
        }
        Json::Object(m)
    }
}

/// What a catch-all check found in one policy: `(policy description, what it allows)`.
pub fn catch_all(role: &LiveRole) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for p in &role.policies {
        if let Some(m) = &p.aws_managed {
            if is_catch_all_managed(m) {
                out.push((
                    p.what.clone(),
                    format!("has the AWS managed policy `{m}` attached"),
                ));
                continue;
            }
        }
        for s in &p.policy.statements {
            if let Some((_, what)) = s.catch_all_grant() {
                out.push((p.what.clone(), what));
            }
        }
    }
    out
}

fn fetch_problem(rules: &BTreeSet<String>, what: &str, loc: &Loc, e: &FetchError) -> Option<Out> {
    match e {
        FetchError::NotFound => rules.contains("AWS002").then(|| Out {
            rule: "AWS002",
            severity: None,
            message: format!("{what} does not exist"),
            loc: loc.clone(),
            help: Some(
                "check the name, account and region, or create it before the cut-over".into(),
            ),
            notes: Vec::new(),
            logical: None,
        }),
        FetchError::Unreadable(m) => rules.contains("AWS001").then(|| Out {
            rule: "AWS001",
            severity: None,
            message: format!("could not read {what}: {m}"),
            loc: loc.clone(),
            help: Some(
                "grant the credentials cutover-aws uses the read permissions listed in docs/aws-plugin.md, or configure a profile for that account in `[plugin.aws.accounts]`"
                    .into(),
            ),
            notes: Vec::new(),
            logical: None,
        }),
    }
}

/// What the check answers: findings, and the places it evaluated for the rules it supersedes.
pub struct Answer {
    pub findings: Vec<Json>,
    pub evaluated: Vec<Json>,
}

/// Run the whole check and return the answer's findings and evaluated IAM002 places; `Err`
/// when there is something to read but no credentials to read it with.
pub async fn run(req: &Json, opts: Options) -> Result<Answer, String> {
    let rules: BTreeSet<String> = req["rules"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let refs = collect(req, &opts);
    let mut live = Live::new(opts.clone());
    // Per-account profiles or roles bring their own credentials; without any, missing default
    // credentials would fail every request the same way: say it once.
    if opts.accounts.is_empty() && !(refs.roles.is_empty() && refs.images.is_empty()) {
        live.default_credentials().await?;
    }
    let mut out: Vec<Out> = Vec::new();
    let mut evaluated: Vec<(&str, Loc)> = Vec::new();

    // Every referenced role is read once; problems are reported where it is referenced.
    for r in &refs.roles {
        let role = live.role(&r.arn).await;
        let role = match role {
            Ok(role) => role,
            Err(e) => {
                out.extend(fetch_problem(
                    &rules,
                    &format!("role `{}`", r.arn),
                    &r.loc,
                    &e,
                ));
                continue;
            }
        };
        if let Use::Irsa(ns, sa) = &r.used_as {
            if rules.contains("IAM003") {
                evaluated.push(("IAM003", r.loc.clone()));
                out.extend(crate::live_rules::irsa_trust(&role, ns, sa, &r.loc));
            }
        }
        let Some((ns, sa)) = r.used_as.service_account() else {
            continue;
        };
        if !rules.contains("IAM001") || ns == "kube-system" {
            continue;
        }
        let severity = if sa == "default" { "error" } else { "warning" };
        for (policy, what) in catch_all(&role) {
            out.push(Out {
                rule: "IAM001",
                severity: Some(severity),
                message: format!(
                    "role `{}` bound to ServiceAccount `{ns}/{sa}` {what}",
                    role.arn
                ),
                loc: r.loc.clone(),
                help: Some("grant only the actions and resources the workload uses".into()),
                notes: vec![format!(
                    "{policy} of role `{}`, fetched at {}",
                    role.arn, role.fetched_at
                )],
                logical: Some(format!("{}/permissions", role.arn)),
            });
        }
    }

    // Cross-account ECR pulls.
    if rules.contains("IAM002") || rules.contains("AWS001") || rules.contains("AWS002") {
        for img in &refs.images {
            let Some(parsed) = parse_image(&img.image) else {
                continue;
            };
            let Some((registry, region)) = parsed.ecr() else {
                continue;
            };
            let (registry, region) = (registry.to_string(), region.to_string());
            if aws_owned(&registry).is_some() {
                continue;
            }
            let puller_account = img
                .puller
                .as_ref()
                .and_then(|(a, _)| Arn::parse(a).and_then(|a| a.account_id().map(str::to_string)));
            let workload = match (puller_account, &opts.workload_account, img.ecs) {
                (Some(a), _, _) => Some(a),
                (None, Some(a), _) => Some(a.clone()),
                (None, None, false) => live.caller_account().await,
                (None, None, true) => None,
            };
            let Some(workload) = workload else { continue };
            if workload == registry {
                // The puller's own account: no cross-account pull to check.
                if img.unmodelled.is_none() && rules.contains("IAM002") {
                    evaluated.push(("IAM002", img.loc.clone()));
                }
                continue;
            }
            let repo_name = parsed.repository.clone();
            let shown = format!("{registry}/{repo_name}");
            let repo = match live.repository(&registry, &region, &repo_name).await {
                Ok(r) => r,
                Err(e) => {
                    out.extend(fetch_problem(
                        &rules,
                        &format!("repository `{shown}` in `{region}`"),
                        &img.loc,
                        &e,
                    ));
                    continue;
                }
            };
            let unmodelled = img.unmodelled.or_else(|| {
                refs.pull_through_cache(&repo_name).then_some(
                    "the repository may be under a pull-through cache prefix (`ecr:BatchImportUpstreamImage`)",
                )
            });
            if let Some(why) = unmodelled {
                if rules.contains("IAM002") {
                    eprintln!(
                        "IAM002 for `{}` at {}{} left to the built-in rule: {why}",
                        img.image, img.loc.file, img.loc.pointer
                    );
                }
                continue;
            }
            if !rules.contains("IAM002") {
                continue;
            }
            let repo_arn =
                ecr_repository_arn(partition_of_region(&region), &region, &registry, &repo_name);
            let statement = format!(
                "{{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"arn:{}:iam::{workload}:root\"}}, \"Action\": [\"ecr:BatchGetImage\", \"ecr:GetDownloadUrlForLayer\", \"ecr:BatchCheckLayerAvailability\"]}}",
                partition_of_region(&region)
            );
            let evidence = format!(
                "repository policy of {shown}, fetched at {}",
                repo.fetched_at
            );
            let who = match &img.puller {
                Some((arn, kind)) => format!("account `{workload}` ({kind} `{arn}`)"),
                None => format!("account `{workload}`"),
            };
            match &repo.policy {
                None => out.push(Out {
                    rule: "IAM002",
                    severity: None,
                    message: format!(
                        "image `{}` is pulled by {who} from repository `{shown}`, which has no repository policy"
                    , img.image),
                    loc: img.loc.clone(),
                    help: Some(format!("add a repository policy statement to `{shown}`: {statement}")),
                    notes: vec![format!("{evidence}: none")],
                    logical: Some(format!("{shown}/pull")),
                }),
                Some(policy) => {
                    let principal = PrincipalRef::Aws {
                        account: workload.clone(),
                        arn: img.puller.as_ref().map(|(a, _)| a.clone()),
                    };
                    let mut worst: Option<(Decision, &str)> = None;
                    for a in PULL_ACTIONS {
                        let e = evaluate(
                            &[policy],
                            &Request {
                                action: a,
                                resource: &repo_arn,
                                principal: Some(&principal),
                            },
                        );
                        let rank = |d: Decision| match d {
                            Decision::Allow => 0,
                            Decision::Conditional | Decision::Unknown => 1,
                            Decision::Deny | Decision::ImplicitDeny => 2,
                        };
                        if rank(e.decision) > worst.map_or(0, |(d, _)| rank(d)) {
                            worst = Some((e.decision, a));
                        }
                    }
                    match worst {
                        None => {}
                        Some((Decision::Conditional | Decision::Unknown, a)) => out.push(Out {
                            rule: "IAM002",
                            severity: Some("info"),
                            message: format!(
                                "cannot verify that {who} may pull `{}`: the grant of `{a}` in the policy of repository `{shown}` depends on a `Condition`",
                                img.image
                            ),
                            loc: img.loc.clone(),
                            help: None,
                            notes: vec![evidence.clone()],
                            logical: Some(format!("{shown}/pull")),
                        }),
                        Some((d, a)) => out.push(Out {
                            rule: "IAM002",
                            severity: None,
                            message: format!(
                                "image `{}` is pulled by {who}, but the policy of repository `{shown}` {} `{a}` to it",
                                img.image,
                                if d == Decision::Deny { "denies" } else { "does not grant" }
                            ),
                            loc: img.loc.clone(),
                            help: Some(format!("add a repository policy statement to `{shown}`: {statement}")),
                            notes: vec![evidence.clone()],
                            logical: Some(format!("{shown}/pull")),
                        }),
                    }
                }
            }
            // The puller's own identity policies.
            let Some((parn, kind)) = &img.puller else {
                continue;
            };
            let Ok(role) = live.role(parn).await else {
                // Only the repository side was checked: not evaluated as a whole.
                continue;
            };
            evaluated.push(("IAM002", img.loc.clone()));
            let policies: Vec<&cutover_semantic::iam::Policy> =
                role.policies.iter().map(|p| &p.policy).collect();
            let missing: Vec<&str> = [("ecr:GetAuthorizationToken", "*")]
                .into_iter()
                .chain(PULL_ACTIONS.iter().map(|a| (*a, repo_arn.as_str())))
                .filter(|(a, r)| {
                    matches!(
                        evaluate(
                            &policies,
                            &Request {
                                action: a,
                                resource: r,
                                principal: None
                            }
                        )
                        .decision,
                        Decision::Deny | Decision::ImplicitDeny
                    )
                })
                .map(|(a, _)| a)
                .collect();
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(|a| format!("`{a}`")).collect();
                out.push(Out {
                    rule: "IAM002",
                    severity: None,
                    message: format!(
                        "{kind} `{parn}` pulls `{}` from account `{registry}` but is not allowed {}",
                        img.image,
                        list.join(", ")
                    ),
                    loc: img.loc.clone(),
                    help: Some(format!(
                        "allow {} to the {kind} (`ecr:GetAuthorizationToken` on `*`, the others on `{repo_arn}`)",
                        list.join(", ")
                    )),
                    notes: vec![format!(
                        "policies of role `{parn}`, fetched at {}",
                        role.fetched_at
                    )],
                    logical: Some(format!("{parn}/pull/{shown}")),
                });
            }
        }
    }
    // Task secrets read by an execution role outside the inputs.
    if rules.contains("IAM005") {
        for s in &refs.secrets {
            let Ok(role) = live.role(&s.exec_role).await else {
                continue;
            };
            if let Some(found) = crate::live_rules::secret_read(&role, s) {
                evaluated.push(("IAM005", s.loc.clone()));
                out.extend(found);
            }
        }
    }
    let mut seen = BTreeSet::new();
    let findings = out
        .into_iter()
        .map(|o| o.json())
        .filter(|j| seen.insert(j.to_string()))
        .collect();
    let mut seen = BTreeSet::new();
    let evaluated = evaluated
        .into_iter()
        .filter(|l| seen.insert(l.clone()))
        .map(|(rule, l)| json!({"rule_id": rule, "location": l.json()}))
        .collect();
    Ok(Answer {
        findings,
        evaluated,
    })
}

#[cfg(test)]
mod tests;
