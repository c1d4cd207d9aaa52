//! The cross-file IAM index: roles and the policies attached to them, ECR repositories and
//! their policies, ServiceAccounts, Pod Identity associations and node roles.

use std::collections::HashMap;

use lint_engine::config::Config;
use lint_engine::doc::Node;
use lint_engine::model::{Model, TfResource};
use lint_engine::source::{FileId, Span};

use super::accounts::{AccountSource, Accounts};
use super::managed::ManagedPolicy;
use super::policy::Policy;

mod eks;
mod repos;
mod roles;
#[cfg(test)]
mod tests;

/// An identity policy attached to a role, however it was attached.
#[derive(Debug, Clone)]
pub struct Attached {
    /// Where the attachment is written: the inline `policy` value, the `policy_arn` value, the
    /// `managed_policy_arns` entry.
    pub file: FileId,
    pub span: Span,
    /// For messages: "`aws_iam_role_policy.pull`", "`AmazonECSTaskExecutionRolePolicy`".
    pub what: String,
    /// The AWS managed policy name, when it is one (known to the table or not).
    pub managed: Option<String>,
    /// The document (for an unknown managed or unresolved policy: empty and `unresolved`).
    pub policy: Policy,
}

impl Attached {
    pub fn is_known(&self) -> bool {
        !self.policy.unresolved
    }
}

/// An `aws_iam_role` in the inputs.
#[derive(Debug)]
pub struct Role<'m, 'a> {
    pub res: &'m TfResource<'a>,
    pub name: Option<String>,
    pub arn: Option<String>,
    pub account: Option<(String, AccountSource)>,
    /// `assume_role_policy`, when it could be read.
    pub trust: Option<Policy>,
    /// The `assume_role_policy` value (for labels).
    pub trust_node: Option<&'a Node>,
    pub policies: Vec<Attached>,
}

impl Role<'_, '_> {
    /// `aws_iam_role.exec` (with module path) for messages.
    pub fn display(&self) -> String {
        self.res.address.to_string()
    }
    /// The role ARN: literal, or built from the account and the name.
    pub fn arn_or_built(&self) -> Option<String> {
        if let Some(a) = &self.arn {
            return Some(a.clone());
        }
        let (acct, _) = self.account.as_ref()?;
        let name = self.name.as_ref()?;
        let path = self
            .res
            .attr("path")
            .and_then(Node::as_str)
            .filter(|p| p.starts_with('/') && !lint_engine::doc::is_unresolved_text(p))
            .unwrap_or("/");
        Some(format!("arn:aws:iam::{acct}:role{path}{name}"))
    }
    pub fn policy_refs(&self) -> Vec<&Policy> {
        self.policies.iter().map(|a| &a.policy).collect()
    }
    /// The actions its identity policies allow, as written (patterns kept), when every
    /// attached policy is known and plain: `None` when one is unresolved or uses `NotAction`.
    pub fn allowed_actions(&self) -> Option<std::collections::BTreeSet<String>> {
        let mut out = std::collections::BTreeSet::new();
        for a in &self.policies {
            if !a.is_known() {
                return None;
            }
            for s in &a.policy.statements {
                if s.unresolved {
                    return None;
                }
                if s.effect != crate::iam::Effect::Allow {
                    continue;
                }
                let Some(p) = &s.actions else { continue };
                if p.negated || p.values.iter().any(|v| v.is_unresolved()) {
                    return None;
                }
                out.extend(p.values.iter().map(|v| v.text.to_ascii_lowercase()));
            }
        }
        Some(out)
    }
}

/// An ECR repository known from the inputs: an `aws_ecr_repository` and/or an
/// `aws_ecr_repository_policy` naming it.
#[derive(Debug)]
pub struct EcrRepo<'m, 'a> {
    pub name: String,
    pub repo: Option<&'m TfResource<'a>>,
    pub account: Option<(String, AccountSource)>,
    pub region: Option<String>,
    pub policy_res: Option<&'m TfResource<'a>>,
    pub policy: Option<Policy>,
}

impl EcrRepo<'_, '_> {
    /// The identifying place: the repository's `name` value, else its policy resource.
    pub fn anchor(&self) -> Option<(FileId, Span)> {
        if let Some(r) = self.repo {
            let span = r
                .values
                .member("name")
                .map(|m| m.value.span)
                .unwrap_or(r.anchor);
            return Some((r.file, span));
        }
        self.policy_res.map(|p| (p.file, p.anchor))
    }
}

/// An `aws_eks_pod_identity_association`.
#[derive(Debug)]
pub struct PodIdentity<'m, 'a> {
    pub res: &'m TfResource<'a>,
    pub namespace: Option<&'a str>,
    pub service_account: Option<&'a Node>,
    pub role: Option<usize>,
    pub role_arn: Option<&'a Node>,
}

impl<'a> PodIdentity<'_, 'a> {
    pub fn service_account_name(&self) -> Option<&'a str> {
        self.service_account
            .and_then(Node::as_str)
            .filter(|s| !lint_engine::doc::is_unresolved_text(s))
    }
}

/// How a ServiceAccount gets AWS credentials.
#[derive(Debug, Clone)]
pub enum SaIdentity<'a> {
    /// `eks.amazonaws.com/role-arn` on the ServiceAccount manifest.
    Irsa {
        object: usize,
        value: &'a Node,
        role: Option<usize>,
    },
    /// An `aws_eks_pod_identity_association` (index into `IamIndex::pod_identity`).
    PodIdentity { assoc: usize, role: Option<usize> },
}

impl SaIdentity<'_> {
    pub fn role(&self) -> Option<usize> {
        match self {
            SaIdentity::Irsa { role, .. } | SaIdentity::PodIdentity { role, .. } => *role,
        }
    }
}

/// Where the kubelet / Fargate gets image-pull credentials in EKS.
#[derive(Debug, Clone)]
pub struct NodeRole<'m, 'a> {
    pub res: Option<&'m TfResource<'a>>,
    pub object: Option<usize>,
    pub file: FileId,
    /// The `node_role_arn` / `pod_execution_role_arn` / `spec.role` value.
    pub value: &'a Node,
    pub role: Option<usize>,
    pub literal_arn: Option<&'a str>,
    pub fargate: bool,
    /// Fargate profile selectors: (namespace, labels).
    pub selectors: Vec<(String, Vec<(String, String)>)>,
}

/// The index. Build it once per rule run with [`IamIndex::build`].
pub struct IamIndex<'m, 'a> {
    pub model: &'m Model<'a>,
    pub accounts: Accounts,
    pub roles: Vec<Role<'m, 'a>>,
    role_by_ptr: HashMap<usize, usize>,
    role_by_name: HashMap<String, Vec<usize>>,
    pub repos: Vec<EcrRepo<'m, 'a>>,
    /// `repos` by name, and by `aws_ecr_repository` resource (pointer).
    repos_by_name: HashMap<String, Vec<usize>>,
    repo_by_res: HashMap<usize, usize>,
    pub pod_identity: Vec<PodIdentity<'m, 'a>>,
    /// ServiceAccount objects (indices into `Model::k8s`) by (namespace, name).
    pub service_accounts: HashMap<(String, String), Vec<usize>>,
    pub node_roles: Vec<NodeRole<'m, 'a>>,
    /// `aws_ecr_pull_through_cache_rule.ecr_repository_prefix` values.
    pub pull_through_prefixes: Vec<(String, &'m TfResource<'a>)>,
}

fn ptr(r: &TfResource<'_>) -> usize {
    r as *const TfResource<'_> as usize
}

impl<'m, 'a> IamIndex<'m, 'a> {
    pub fn build(model: &'m Model<'a>, config: &Config) -> IamIndex<'m, 'a> {
        let accounts = Accounts::build(model, &config.accounts);
        let mut ix = IamIndex {
            model,
            accounts,
            roles: Vec::new(),
            role_by_ptr: HashMap::new(),
            role_by_name: HashMap::new(),
            repos: Vec::new(),
            repos_by_name: HashMap::new(),
            repo_by_res: HashMap::new(),
            pod_identity: Vec::new(),
            service_accounts: HashMap::new(),
            node_roles: Vec::new(),
            pull_through_prefixes: Vec::new(),
        };
        ix.collect_roles();
        ix.collect_attachments();
        ix.collect_repos();
        ix.collect_k8s();
        ix.collect_eks();
        ix
    }

    // -- roles ------------------------------------------------------------------------------
}

fn unresolved_policy(file: FileId, span: Span) -> Policy {
    Policy {
        file,
        span,
        statements: Vec::new(),
        unresolved: true,
    }
}

fn with_place(m: &ManagedPolicy, file: FileId, span: Span) -> Policy {
    let mut p = m.to_policy();
    p.file = file;
    p.span = span;
    for s in &mut p.statements {
        s.file = file;
        s.span = span;
    }
    p
}

/// The first node reached by following `path`, descending into Terraform block lists.
fn follow_first<'n>(n: &'n Node, path: &[&str]) -> Option<&'n Node> {
    let mut cur = n;
    for k in path {
        cur = cur.blocks().find_map(|b| b.get(k))?;
    }
    Some(cur)
}

impl lint_engine::shared::Fact for IamIndex<'static, 'static> {
    type Value<'m, 'a: 'm> = IamIndex<'m, 'a>;
    fn build<'m, 'a: 'm>(cx: &lint_engine::shared::FactContext<'m, 'a>) -> IamIndex<'m, 'a> {
        IamIndex::build(cx.model, cx.config)
    }
}
