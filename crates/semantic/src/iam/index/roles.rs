//! Roles, the policies attached to them, and role lookups by reference, ARN or name.

use lint_engine::doc::Node;
use lint_engine::model::{TfMode, TfResource};
use lint_engine::tfref::TfRef;

use super::*;
use crate::iam::accounts::AccountSource;
use crate::iam::arn::Arn;
use crate::iam::managed::managed_policy;
use crate::iam::policy::Policy;

impl<'m, 'a> IamIndex<'m, 'a> {
    pub(crate) fn collect_roles(&mut self) {
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

    pub(crate) fn collect_attachments(&mut self) {
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

    pub(crate) fn attached_from_arn(
        &self,
        r: &TfResource<'a>,
        v: &Node,
        refs: &[TfRef],
    ) -> Attached {
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

    pub(crate) fn policy_from_value_depth(
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
}
