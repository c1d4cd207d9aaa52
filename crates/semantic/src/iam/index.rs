//! The cross-file IAM index: roles and the policies attached to them, ECR repositories and
//! their policies, ServiceAccounts, Pod Identity associations and node roles.

use std::collections::HashMap;

use lint_engine::config::Config;
use lint_engine::doc::Node;
use lint_engine::model::{K8sObject, Model, TfMode, TfResource};
use lint_engine::source::{FileId, Span};
use lint_engine::tfref::TfRef;

use super::accounts::{AccountSource, Accounts};
use super::arn::{is_account_id, Arn};
use super::image::parse_image;
use super::managed::{managed_policy, ManagedPolicy};
use super::policy::Policy;

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
        self.res.address.clone()
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

    fn collect_roles(&mut self) {
        let model = self.model;
        for r in model.tf_of_type("aws_iam_role") {
            let name = r
                .attr("name")
                .and_then(Node::literal_str)
                .map(str::to_string);
            let arn = r
                .attr("arn")
                .and_then(Node::literal_str)
                .filter(|a| Arn::parse(a).is_some())
                .map(str::to_string);
            let account = arn
                .as_deref()
                .and_then(|a| Arn::parse(a).and_then(|a| a.account_id()))
                .map(|a| (a.to_string(), AccountSource::RoleArn))
                .or_else(|| self.accounts.resource_account(model, r.file, &r.dir));
            let trust_node = r.attr("assume_role_policy");
            let trust = trust_node.map(|n| self.policy_from_value(r, &["assume_role_policy"], n));
            let i = self.roles.len();
            self.role_by_ptr.insert(ptr(r), i);
            if let Some(n) = &name {
                self.role_by_name.entry(n.clone()).or_default().push(i);
            }
            let mut policies = Vec::new();
            for b in r.attr("inline_policy").into_iter().flat_map(Node::blocks) {
                if let Some(p) = b.get("policy") {
                    let pname = b
                        .get("name")
                        .and_then(Node::literal_str)
                        .unwrap_or("inline");
                    policies.push(Attached {
                        file: r.file,
                        span: p.span,
                        what: format!("inline policy `{pname}` of `{}`", r.address),
                        managed: None,
                        policy: self.policy_from_value(r, &["inline_policy", "policy"], p),
                    });
                }
            }
            if let Some(list) = r.attr("managed_policy_arns") {
                let refs = r.resource_refs_at(&["managed_policy_arns"]);
                for v in list.as_seq().unwrap_or(&[]) {
                    policies.push(self.attached_from_arn(r, v, &refs));
                }
            }
            self.roles.push(Role {
                res: r,
                name,
                arn,
                account,
                trust,
                trust_node,
                policies,
            });
        }
    }

    fn collect_attachments(&mut self) {
        let model = self.model;
        for r in &model.tf {
            if r.mode != TfMode::Managed {
                continue;
            }
            match r.rtype {
                "aws_iam_role_policy" => {
                    let Some(role) = self.role_from_attr(r, &["role"]) else {
                        continue;
                    };
                    let Some(p) = r.attr("policy") else { continue };
                    let a = Attached {
                        file: r.file,
                        span: p.span,
                        what: format!("`{}`", r.address),
                        managed: None,
                        policy: self.policy_from_value(r, &["policy"], p),
                    };
                    self.roles[role].policies.push(a);
                }
                "aws_iam_role_policy_attachment" => {
                    let Some(role) = self.role_from_attr(r, &["role"]) else {
                        continue;
                    };
                    let Some(v) = r.attr("policy_arn") else {
                        continue;
                    };
                    let refs = r.resource_refs_at(&["policy_arn"]);
                    let a = self.attached_from_arn(r, v, &refs);
                    self.roles[role].policies.push(a);
                }
                "aws_iam_policy_attachment" => {
                    let Some(v) = r.attr("policy_arn") else {
                        continue;
                    };
                    let refs = r.resource_refs_at(&["policy_arn"]);
                    let mut targets = Vec::new();
                    for rr in r.resource_refs_at(&["roles"]) {
                        if rr.address.contains("aws_iam_role.") {
                            if let Some(t) = model.resolve_tf(r, &rr.address) {
                                targets.extend(self.role_by_ptr.get(&ptr(t)).copied());
                            }
                        }
                    }
                    for n in r.attr("roles").and_then(Node::as_seq).unwrap_or(&[]) {
                        if let Some(s) = n.literal_str() {
                            targets.extend(self.role_by_literal(s, None));
                        }
                    }
                    targets.sort_unstable();
                    targets.dedup();
                    for t in targets {
                        let a = self.attached_from_arn(r, v, &refs);
                        self.roles[t].policies.push(a);
                    }
                }
                _ => {}
            }
        }
    }

    /// A role named by an attribute: a reference to `aws_iam_role.x` or a literal name or ARN.
    pub fn role_from_attr(&self, r: &TfResource<'a>, path: &[&str]) -> Option<usize> {
        for rr in r.resource_refs_at(path) {
            if rr.address.split('.').rev().nth(1) == Some("aws_iam_role")
                || rr.address.starts_with("aws_iam_role.")
            {
                if let Some(t) = self.model.resolve_tf(r, &rr.address) {
                    if let Some(&i) = self.role_by_ptr.get(&ptr(t)) {
                        return Some(i);
                    }
                }
            }
        }
        let v = follow_first(r.values, path)?;
        let s = v.literal_str()?;
        let acct = self
            .accounts
            .resource_account(self.model, r.file, &r.dir)
            .map(|(a, _)| a);
        self.role_by_literal(s, acct.as_deref())
    }

    /// The role of an `aws_iam_role` resource of the model.
    pub fn role_of(&self, r: &TfResource<'a>) -> Option<usize> {
        self.role_by_ptr.get(&ptr(r)).copied()
    }

    /// Roles by Terraform address (`aws_iam_role.exec`, `module.app.aws_iam_role.exec`).
    pub fn roles_at_address(&self, address: &str) -> Vec<usize> {
        self.model
            .tf_by_address(address)
            .filter_map(|r| self.role_of(r))
            .collect()
    }

    /// A role by literal ARN or name; with several roles of that name, the one in `account`.
    pub fn role_by_literal(&self, s: &str, account: Option<&str>) -> Option<usize> {
        let (name, acct) = match Arn::parse(s) {
            Some(a) => (a.role_name()?, a.account_id()),
            None => (s, account),
        };
        let cands = self.role_by_name.get(name)?;
        if let Some(exact) = cands
            .iter()
            .find(|&&i| self.roles[i].arn.as_deref() == Some(s))
        {
            return Some(*exact);
        }
        match acct {
            Some(acct) => cands
                .iter()
                .find(|&&i| {
                    self.roles[i]
                        .account
                        .as_ref()
                        .is_none_or(|(a, _)| a == acct)
                })
                .copied(),
            None => cands.first().copied(),
        }
    }

    /// A role referenced from a workload or resource attribute value (`executionRoleArn`):
    /// Terraform references first (when `from` is a resource), then the literal.
    pub fn role_from_value(
        &self,
        from: Option<&TfResource<'a>>,
        refs: &[TfRef],
        value: Option<&Node>,
    ) -> Option<usize> {
        if let Some(from) = from {
            for rr in refs {
                if rr.address.contains("aws_iam_role.") {
                    if let Some(t) = self.model.resolve_tf(from, &rr.address) {
                        if let Some(&i) = self.role_by_ptr.get(&ptr(t)) {
                            return Some(i);
                        }
                    }
                }
            }
        }
        let s = value.and_then(Node::literal_str)?;
        self.role_by_literal(s, None)
    }

    fn attached_from_arn(&self, r: &TfResource<'a>, v: &Node, refs: &[TfRef]) -> Attached {
        let mut a = Attached {
            file: r.file,
            span: v.span,
            what: String::new(),
            managed: None,
            policy: unresolved_policy(r.file, v.span),
        };
        if let Some(s) = v.literal_str() {
            if let Some(arn) = Arn::parse(s) {
                if arn.is_aws_managed_policy() {
                    let name = arn.iam_name().unwrap_or_default().to_string();
                    a.what = format!("`{name}`");
                    if let Some(m) = managed_policy(&name) {
                        a.policy = with_place(m, r.file, v.span);
                    }
                    a.managed = Some(name);
                    return a;
                }
                // A customer managed policy: find it in the inputs.
                let name = arn.iam_name().unwrap_or_default();
                a.what = format!("`{name}`");
                for p in self.model.tf_of_type("aws_iam_policy") {
                    let same_arn = p.attr("arn").and_then(Node::literal_str) == Some(s);
                    let same_name = p.attr("name").and_then(Node::literal_str) == Some(name);
                    if same_arn || same_name {
                        if let Some(doc) = p.attr("policy") {
                            a.what = format!("`{}`", p.address);
                            a.policy = self.policy_from_value(p, &["policy"], doc);
                        }
                        break;
                    }
                }
            }
            return a;
        }
        // A reference: `${aws_iam_policy.x.arn}` or `${data.aws_iam_policy.x.arn}`.
        for rr in refs {
            let Some(t) = self.model.resolve_tf(r, &rr.address) else {
                continue;
            };
            match (t.mode, t.rtype) {
                (TfMode::Managed, "aws_iam_policy") => {
                    a.what = format!("`{}`", t.address);
                    if let Some(doc) = t.attr("policy") {
                        a.policy = self.policy_from_value(t, &["policy"], doc);
                    }
                    return a;
                }
                (TfMode::Data, "aws_iam_policy") => {
                    let name = t
                        .attr("name")
                        .and_then(Node::literal_str)
                        .map(str::to_string)
                        .or_else(|| {
                            t.attr("arn")
                                .and_then(Node::literal_str)
                                .and_then(Arn::parse)
                                .and_then(|x| x.iam_name().map(str::to_string))
                        });
                    if let Some(name) = name {
                        a.what = format!("`{name}`");
                        if let Some(m) = managed_policy(&name) {
                            a.policy = with_place(m, r.file, v.span);
                        }
                        a.managed = Some(name);
                    }
                    return a;
                }
                _ => {}
            }
        }
        a.what = format!("`{}`", v.scalar_text().unwrap_or_default());
        a
    }

    // -- policy documents ---------------------------------------------------------------------

    /// The policy a Terraform string attribute holds: embedded JSON, or a reference to an
    /// `aws_iam_policy_document` data source (`${data.aws_iam_policy_document.x.json}`).
    pub fn policy_from_value(&self, r: &TfResource<'a>, path: &[&str], n: &Node) -> Policy {
        self.policy_from_value_depth(r, path, n, 0)
    }

    fn policy_from_value_depth(
        &self,
        r: &TfResource<'a>,
        path: &[&str],
        n: &Node,
        depth: u8,
    ) -> Policy {
        if let Some(doc) = n.embedded_doc() {
            return Policy::from_json(r.file, doc);
        }
        if n.as_map().is_some() && n.get("Statement").is_some() {
            return Policy::from_json(r.file, n);
        }
        let refs = if n.is_unresolved() {
            lint_engine::tfref::parse_refs(n.as_str().unwrap_or_default())
        } else {
            r.refs_at(path)
        };
        for rr in refs {
            if rr.address.contains("aws_iam_policy_document.") && depth < 8 {
                if let Some(d) = self.model.resolve_tf(r, &rr.address) {
                    return self.policy_from_document(d, depth + 1);
                }
            }
        }
        unresolved_policy(r.file, n.span)
    }

    /// An `aws_iam_policy_document` data source: its planned `json`, else its `statement`
    /// blocks merged with `source_policy_documents` and `override_policy_documents`.
    pub fn policy_from_document(&self, d: &TfResource<'a>, depth: u8) -> Policy {
        if let Some(doc) = d.attr("json").and_then(Node::embedded_doc) {
            return Policy::from_json(d.file, doc);
        }
        let mut p = Policy::from_tf_document(d.file, d.values);
        for key in ["source_policy_documents", "override_policy_documents"] {
            let Some(list) = d.attr(key) else { continue };
            if list.is_unresolved() && list.as_seq().is_none() {
                p.unresolved = true;
                continue;
            }
            for item in list.as_seq().unwrap_or(&[]) {
                let sub = self.policy_from_value_depth(d, &[key], item, depth + 1);
                p.unresolved |= sub.unresolved;
                p.statements.extend(sub.statements);
            }
        }
        p
    }

    // -- ECR --------------------------------------------------------------------------------

    fn collect_repos(&mut self) {
        let model = self.model;
        for r in model.tf_of_type("aws_ecr_repository") {
            let Some(name) = r.attr("name").and_then(Node::literal_str) else {
                continue;
            };
            let from_url = r
                .attr("repository_url")
                .and_then(Node::literal_str)
                .and_then(parse_image);
            let arn = r
                .attr("arn")
                .and_then(Node::literal_str)
                .and_then(Arn::parse);
            let account = r
                .attr("registry_id")
                .and_then(Node::literal_str)
                .filter(|a| is_account_id(a))
                .map(str::to_string)
                .or_else(|| {
                    arn.as_ref()
                        .and_then(|a| a.account_id())
                        .map(str::to_string)
                })
                .or_else(|| {
                    from_url
                        .as_ref()
                        .and_then(|i| i.ecr())
                        .map(|(a, _)| a.to_string())
                })
                .map(|a| (a, AccountSource::RoleArn))
                .or_else(|| self.accounts.resource_account(model, r.file, &r.dir));
            let region = arn
                .as_ref()
                .map(|a| a.region.to_string())
                .filter(|s| !s.is_empty())
                .or_else(|| {
                    from_url
                        .as_ref()
                        .and_then(|i| i.ecr())
                        .map(|(_, r)| r.to_string())
                })
                .or_else(|| self.provider_region(&r.dir));
            self.repo_by_res.insert(ptr(r), self.repos.len());
            self.repos_by_name
                .entry(name.to_string())
                .or_default()
                .push(self.repos.len());
            self.repos.push(EcrRepo {
                name: name.to_string(),
                repo: Some(r),
                account,
                region,
                policy_res: None,
                policy: None,
            });
        }
        for p in model.tf_of_type("aws_ecr_repository_policy") {
            let mut target = None;
            for rr in p.resource_refs_at(&["repository"]) {
                if let Some(t) = model.resolve_tf(p, &rr.address) {
                    target = self.repo_by_res.get(&ptr(t)).copied();
                    if target.is_some() {
                        break;
                    }
                }
            }
            let acct = self.accounts.resource_account(model, p.file, &p.dir);
            if target.is_none() {
                if let Some(name) = p.attr("repository").and_then(Node::literal_str) {
                    target = self
                        .repos_by_name
                        .get(name)
                        .into_iter()
                        .flatten()
                        .copied()
                        .find(|&i| match (&self.repos[i].account, &acct) {
                            (Some((a, _)), Some((b, _))) => a == b,
                            _ => true,
                        });
                    if target.is_none() {
                        self.repos_by_name
                            .entry(name.to_string())
                            .or_default()
                            .push(self.repos.len());
                        self.repos.push(EcrRepo {
                            name: name.to_string(),
                            repo: None,
                            account: acct.clone(),
                            region: self.provider_region(&p.dir),
                            policy_res: None,
                            policy: None,
                        });
                        target = Some(self.repos.len() - 1);
                    }
                }
            }
            let Some(t) = target else { continue };
            let policy = p
                .attr("policy")
                .map(|n| self.policy_from_value(p, &["policy"], n));
            let repo = &mut self.repos[t];
            repo.policy_res = Some(p);
            repo.policy = policy;
        }
        for r in model.tf_of_type("aws_ecr_pull_through_cache_rule") {
            if let Some(prefix) = r.attr("ecr_repository_prefix").and_then(Node::literal_str) {
                self.pull_through_prefixes
                    .push((prefix.trim_end_matches('/').to_string(), r));
            }
        }
    }

    /// The literal `region` of the AWS provider(s) of a Terraform directory, when unique.
    pub fn provider_region(&self, dir: &str) -> Option<String> {
        let mut found: Option<String> = None;
        for p in self.model.tf_providers_in(dir) {
            if p.name != "aws" && !p.name.ends_with("/aws") {
                continue;
            }
            if let Some(r) = p.attr("region").and_then(Node::literal_str) {
                match &found {
                    Some(f) if f != r => return None,
                    _ => found = Some(r.to_string()),
                }
            }
        }
        found
    }

    /// The repository `name` in `account`/`region` (an unknown account or region matches).
    pub fn find_repo(&self, account: &str, region: &str, name: &str) -> Option<usize> {
        let ok = |r: &EcrRepo<'_, '_>| {
            r.name == name
                && r.account.as_ref().is_none_or(|(a, _)| a == account)
                && r.region.as_deref().is_none_or(|x| x == region)
        };
        // Prefer a repository whose account is known to be the right one.
        let cands = self.repos_by_name.get(name)?;
        cands
            .iter()
            .copied()
            .find(|&i| ok(&self.repos[i]) && self.repos[i].account.is_some())
            .or_else(|| cands.iter().copied().find(|&i| ok(&self.repos[i])))
    }

    // -- Kubernetes and EKS -----------------------------------------------------------------

    fn collect_k8s(&mut self) {
        for (i, o) in self.model.k8s.iter().enumerate() {
            if o.kind == "ServiceAccount" {
                if let Some(n) = o.name {
                    self.service_accounts
                        .entry((o.namespace_or_default().to_string(), n.to_string()))
                        .or_default()
                        .push(i);
                }
            }
        }
    }

    fn collect_eks(&mut self) {
        let model = self.model;
        for r in model.tf_of_type("aws_eks_pod_identity_association") {
            let role_arn = r.attr("role_arn");
            let role = self.role_from_value(Some(r), &r.resource_refs_at(&["role_arn"]), role_arn);
            self.pod_identity.push(PodIdentity {
                res: r,
                namespace: r.attr("namespace").and_then(Node::literal_str),
                service_account: r.attr("service_account"),
                role,
                role_arn,
            });
        }
        for (rtype, attr, fargate) in [
            ("aws_eks_node_group", "node_role_arn", false),
            ("aws_eks_fargate_profile", "pod_execution_role_arn", true),
        ] {
            for r in model.tf_of_type(rtype) {
                let Some(v) = r.attr(attr) else { continue };
                let role = self.role_from_value(Some(r), &r.resource_refs_at(&[attr]), Some(v));
                let mut selectors = Vec::new();
                for s in r.attr("selector").into_iter().flat_map(Node::blocks) {
                    let ns = s
                        .get("namespace")
                        .and_then(Node::literal_str)
                        .unwrap_or("*")
                        .to_string();
                    let labels = s
                        .get("labels")
                        .and_then(Node::as_map)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|m| {
                            m.value
                                .scalar_text()
                                .map(|t| (m.key.clone(), t.into_owned()))
                        })
                        .collect();
                    selectors.push((ns, labels));
                }
                self.node_roles.push(NodeRole {
                    res: Some(r),
                    object: None,
                    file: r.file,
                    value: v,
                    role,
                    literal_arn: v.literal_str().filter(|s| Arn::parse(s).is_some()),
                    fargate,
                    selectors,
                });
            }
        }
        // Karpenter EC2NodeClass `spec.role` (a role name).
        for (i, o) in model.k8s.iter().enumerate() {
            if o.kind != "EC2NodeClass" {
                continue;
            }
            if let Some(v) = o.node.path(&["spec", "role"]) {
                let role = v.literal_str().and_then(|s| self.role_by_literal(s, None));
                self.node_roles.push(NodeRole {
                    res: None,
                    object: Some(i),
                    file: o.file,
                    value: v,
                    role,
                    literal_arn: None,
                    fargate: false,
                    selectors: Vec::new(),
                });
            }
        }
    }

    /// The AWS identities of a ServiceAccount.
    pub fn sa_identities(&self, namespace: &str, name: &str) -> Vec<SaIdentity<'a>> {
        let mut out = Vec::new();
        if let Some(objs) = self
            .service_accounts
            .get(&(namespace.to_string(), name.to_string()))
        {
            for &i in objs {
                let o: &K8sObject<'a> = &self.model.k8s[i];
                if let Some(v) = o.annotation("eks.amazonaws.com/role-arn") {
                    if v.literal_str().is_some() {
                        out.push(SaIdentity::Irsa {
                            object: i,
                            value: v,
                            role: self.role_by_literal(v.as_str().unwrap_or_default(), None),
                        });
                    }
                }
            }
        }
        for (i, p) in self.pod_identity.iter().enumerate() {
            if p.namespace == Some(namespace) && p.service_account_name() == Some(name) {
                out.push(SaIdentity::PodIdentity {
                    assoc: i,
                    role: p.role,
                });
            }
        }
        out
    }

    /// The node roles that may pull images for a pod in `namespace` with `labels`: the pod
    /// execution roles of matching Fargate profiles, else every EC2 node role.
    pub fn pullers_for_pod(
        &self,
        namespace: &str,
        labels: &[(String, String)],
    ) -> Vec<&NodeRole<'m, 'a>> {
        let fargate: Vec<_> = self
            .node_roles
            .iter()
            .filter(|n| {
                n.fargate
                    && n.selectors.iter().any(|(ns, sel)| {
                        (ns == namespace || ns == "*")
                            && sel
                                .iter()
                                .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
                    })
            })
            .collect();
        if !fargate.is_empty() {
            return fargate;
        }
        self.node_roles.iter().filter(|n| !n.fargate).collect()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::policy::{evaluate, Decision, PrincipalRef, Request};
    use lint_engine::config::Config;
    use lint_engine::load::Limits;
    use lint_engine::runner::{load_all, LoadOutcome, MemoryInput};

    fn load(files: &[(&str, &str)]) -> LoadOutcome {
        let mem = files
            .iter()
            .map(|(p, t)| MemoryInput {
                path: (*p).into(),
                bytes: t.as_bytes().to_vec(),
            })
            .collect();
        let out = load_all(&[], mem, &Limits::default());
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        out
    }

    fn allows(ix: &IamIndex<'_, '_>, role: usize, action: &str, resource: &str) -> Decision {
        evaluate(
            &ix.roles[role].policy_refs(),
            &Request {
                action,
                resource,
                principal: None,
            },
        )
        .decision
    }

    const ROLES: &str = r#"{
      "provider": {"aws": {"region": "eu-west-1", "allowed_account_ids": ["222233334444"]}},
      "resource": {
        "aws_iam_role": {
          "exec": {"name": "exec", "assume_role_policy": "${data.aws_iam_policy_document.trust.json}",
                   "inline_policy": {"name": "logs", "policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"logs:*\",\"Resource\":\"*\"}]}"},
                   "managed_policy_arns": ["${aws_iam_policy.pull.arn}"]},
          "node": {"name": "node", "assume_role_policy": "{}"}
        },
        "aws_iam_policy": {
          "pull": {"name": "pull", "policy": "${data.aws_iam_policy_document.pull.json}"},
          "deny": {"name": "deny-all-ecr", "policy": "{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"ecr:*\",\"Resource\":\"*\"}}"}
        },
        "aws_iam_role_policy_attachment": {
          "node_ro": {"role": "node", "policy_arn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"},
          "node_cust": {"role": "${aws_iam_role.node.name}", "policy_arn": "arn:aws:iam::222233334444:policy/deny-all-ecr"},
          "node_dyn": {"role": "node", "policy_arn": "${data.aws_iam_policy.ssm.arn}"}
        }
      },
      "data": {
        "aws_iam_policy": {"ssm": {"name": "AmazonSSMManagedInstanceCore"}},
        "aws_iam_policy_document": {
          "trust": {"statement": {"actions": ["sts:AssumeRole"],
                    "principals": {"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}}},
          "base": {"statement": {"actions": ["ecr:GetAuthorizationToken"], "resources": ["*"]}},
          "pull": {"source_policy_documents": ["${data.aws_iam_policy_document.base.json}"],
                   "statement": {"actions": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                                 "resources": ["arn:aws:ecr:*:111122223333:repository/*"]}}
        }
      }
    }"#;

    #[test]
    fn roles_and_their_policies() {
        let out = load(&[("b/iam.tf.json", ROLES)]);
        let model = Model::build(&out.db);
        let ix = IamIndex::build(&model, &Config::default());
        assert_eq!(ix.roles.len(), 2);
        let exec = ix
            .role_by_literal("arn:aws:iam::222233334444:role/exec", None)
            .unwrap();
        let node = ix.role_by_literal("node", Some("222233334444")).unwrap();
        assert_eq!(ix.roles[exec].name.as_deref(), Some("exec"));
        assert_eq!(
            ix.roles[exec].account.as_ref().map(|a| a.0.as_str()),
            Some("222233334444")
        );
        assert_eq!(
            ix.roles[exec].arn_or_built().as_deref(),
            Some("arn:aws:iam::222233334444:role/exec")
        );
        // Inline policy, and a customer policy built from a data source with a source document.
        assert_eq!(ix.roles[exec].policies.len(), 2);
        let repo = "arn:aws:ecr:eu-west-1:111122223333:repository/app";
        assert_eq!(allows(&ix, exec, "logs:PutLogEvents", "*"), Decision::Allow);
        assert_eq!(
            allows(&ix, exec, "ecr:BatchGetImage", repo),
            Decision::Allow
        );
        assert_eq!(
            allows(&ix, exec, "ecr:GetAuthorizationToken", "*"),
            Decision::Allow
        );
        assert_eq!(
            allows(&ix, exec, "s3:GetObject", "*"),
            Decision::ImplicitDeny
        );
        // Trust from a data source.
        let trust = ix.roles[exec].trust.as_ref().unwrap();
        let who = PrincipalRef::Service("ecs-tasks.amazonaws.com".into());
        let ev = evaluate(
            &[trust],
            &Request {
                action: "sts:AssumeRole",
                resource: "*",
                principal: Some(&who),
            },
        );
        assert_eq!(ev.decision, Decision::Allow);
        // Node: managed ReadOnly by literal role name, a customer Deny by ARN, and an unknown
        // managed policy through a data source.
        let pols = &ix.roles[node].policies;
        assert_eq!(pols.len(), 3);
        assert_eq!(
            pols[0].managed.as_deref(),
            Some("AmazonEC2ContainerRegistryReadOnly")
        );
        assert_eq!(pols[1].what, "`aws_iam_policy.deny`");
        assert_eq!(
            pols[2].managed.as_deref(),
            Some("AmazonSSMManagedInstanceCore")
        );
        assert!(!pols[2].is_known());
        assert_eq!(allows(&ix, node, "ecr:BatchGetImage", repo), Decision::Deny);
        assert_eq!(allows(&ix, node, "s3:GetObject", "*"), Decision::Unknown);
    }

    #[test]
    fn repositories_service_accounts_and_pullers() {
        let ecr = r#"{"provider": {"aws": {"region": "eu-west-1"}},
          "resource": {
            "aws_ecr_repository": {"app": {"name": "team/app"}},
            "aws_ecr_repository_policy": {
              "app": {"repository": "${aws_ecr_repository.app.name}",
                      "policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"222233334444\"},\"Action\":\"ecr:BatchGetImage\"}]}"},
              "orphan": {"repository": "team/other", "policy": "{\"Statement\":[]}"}
            }
          }}"#;
        let eks = r#"{"resource": {
            "aws_iam_role": {"node": {"name": "node"}, "fargate": {"name": "fargate"}, "app": {"name": "app"}},
            "aws_eks_node_group": {"ng": {"node_role_arn": "${aws_iam_role.node.arn}"}},
            "aws_eks_fargate_profile": {"fp": {"pod_execution_role_arn": "${aws_iam_role.fargate.arn}",
              "selector": [{"namespace": "batch", "labels": {"tier": "jobs"}}]}},
            "aws_eks_pod_identity_association": {"a": {"namespace": "shop", "service_account": "cart",
              "role_arn": "${aws_iam_role.app.arn}"}}
          }}"#;
        let sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::222233334444:role/app\n";
        let out = load(&[
            ("a/ecr.tf.json", ecr),
            ("b/eks.tf.json", eks),
            ("k8s/sa.yaml", sa),
        ]);
        let model = Model::build(&out.db);
        let mut config = Config::default();
        config
            .accounts
            .paths
            .insert("a/**".into(), "111122223333".into());
        let ix = IamIndex::build(&model, &config);
        let r = ix
            .find_repo("111122223333", "eu-west-1", "team/app")
            .unwrap();
        assert_eq!(ix.repos[r].region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            ix.repos[r].account.as_ref().map(|a| a.1),
            Some(AccountSource::ConfigMap)
        );
        assert!(ix.repos[r].policy.is_some());
        assert!(ix
            .find_repo("999999999999", "eu-west-1", "team/app")
            .is_none());
        assert!(ix
            .find_repo("111122223333", "us-east-1", "team/app")
            .is_none());
        // A policy for a repository that is not itself in the inputs.
        let o = ix
            .find_repo("111122223333", "eu-west-1", "team/other")
            .unwrap();
        assert!(ix.repos[o].repo.is_none());
        // ServiceAccount identities: IRSA annotation and Pod Identity.
        let web = ix.sa_identities("shop", "web");
        assert_eq!(web.len(), 1);
        assert!(matches!(web[0], SaIdentity::Irsa { role: Some(_), .. }));
        let cart = ix.sa_identities("shop", "cart");
        assert!(matches!(
            cart[0],
            SaIdentity::PodIdentity { role: Some(_), .. }
        ));
        assert!(ix.sa_identities("shop", "default").is_empty());
        // Pullers: Fargate profile by namespace and labels, else node roles.
        let jobs = ix.pullers_for_pod("batch", &[("tier".into(), "jobs".into())]);
        assert_eq!(jobs.len(), 1);
        assert!(jobs[0].fargate);
        let web = ix.pullers_for_pod("batch", &[]);
        assert_eq!(web.len(), 1);
        assert!(!web[0].fargate);
        assert_eq!(
            web[0]
                .role
                .map(|r| ix.roles[r].name.clone().unwrap_or_default()),
            Some("node".to_string())
        );
    }

    #[test]
    fn workload_accounts() {
        let out = load(&[
            (
                "envs/prod/task.json",
                r#"{"family":"a","containerDefinitions":[]}"#,
            ),
            (
                "other/task.json",
                r#"{"family":"b","containerDefinitions":[]}"#,
            ),
        ]);
        let model = Model::build(&out.db);
        let mut config = Config::default();
        config
            .accounts
            .workspaces
            .insert("prod".into(), "333344445555".into());
        let ix = IamIndex::build(&model, &config);
        let a = ix
            .accounts
            .workload_account(&model, FileId(0), &[])
            .unwrap();
        assert_eq!(a, ("333344445555".to_string(), AccountSource::ConfigMap));
        assert!(ix
            .accounts
            .workload_account(&model, FileId(1), &[])
            .is_none());
        let b = ix
            .accounts
            .workload_account(&model, FileId(1), &["arn:aws:iam::222233334444:role/x"])
            .unwrap();
        assert_eq!(b, ("222233334444".to_string(), AccountSource::RoleArn));
        config.accounts.workload_account_id = Some("444455556666".into());
        let ix = IamIndex::build(&model, &config);
        let c = ix
            .accounts
            .workload_account(&model, FileId(1), &["arn:aws:iam::222233334444:role/x"])
            .unwrap();
        assert_eq!(
            c,
            ("444455556666".to_string(), AccountSource::ConfigWorkload)
        );
    }
}
