//! ECR repositories, their policies and regions.

use lint_engine::doc::Node;

use super::*;
use crate::iam::accounts::AccountSource;
use crate::iam::arn::{is_account_id, Arn};
use crate::iam::image::parse_image;

impl<'m, 'a> IamIndex<'m, 'a> {
    /// Add a repository (without a policy yet), findable by name; returns its index.
    fn add_repo(
        &mut self,
        name: &str,
        repo: Option<&'m TfResource<'a>>,
        account: Option<(String, AccountSource)>,
        region: Option<String>,
    ) -> usize {
        let i = self.repos.len();
        self.repos_by_name
            .entry(name.to_string())
            .or_default()
            .push(i);
        self.repos.push(EcrRepo {
            name: name.to_string(),
            repo,
            account,
            region,
            policy_res: None,
            policy: None,
        });
        i
    }

    pub(crate) fn collect_repos(&mut self) {
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
            self.add_repo(name, Some(r), account, region);
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
                        let region = self.provider_region(&p.dir);
                        target = Some(self.add_repo(name, None, acct.clone(), region));
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
}
