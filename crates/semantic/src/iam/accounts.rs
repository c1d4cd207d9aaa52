//! Which AWS account an input belongs to (catalog §0.6).

use std::collections::HashMap;

use globset::{Glob, GlobMatcher};

use lint_engine::config::AccountsOptions;
use lint_engine::doc::Node;
use lint_engine::model::{Model, TfMode};
use lint_engine::source::{FileId, FileKind};

use super::arn::{is_account_id, Arn};

/// How an account was found, for notes in findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountSource {
    /// `[accounts.paths]` or `[accounts.workspaces]` in the configuration.
    ConfigMap,
    /// `accounts.workload-account-id`.
    ConfigWorkload,
    /// A literal role ARN of the workload.
    RoleArn,
    /// `provider "aws" { allowed_account_ids = [...] }` in the same Terraform directory.
    Provider,
    /// `data.aws_caller_identity` read by the plan.
    CallerIdentity,
}

impl AccountSource {
    pub fn describe(self) -> &'static str {
        match self {
            AccountSource::ConfigMap => "the `[accounts]` path/workspace map",
            AccountSource::ConfigWorkload => "`accounts.workload-account-id`",
            AccountSource::RoleArn => "the role ARN",
            AccountSource::Provider => "the AWS provider's `allowed_account_ids`",
            AccountSource::CallerIdentity => "`data.aws_caller_identity` in the plan",
        }
    }
}

/// Account resolution for one run.
pub struct Accounts {
    paths: Vec<(GlobMatcher, String)>,
    workspaces: Vec<(String, String)>,
    workspace_account: Option<String>,
    workload: Option<String>,
    /// Terraform directory → the single account its AWS providers allow.
    provider: HashMap<String, Option<String>>,
    /// File and directory → account from `data.aws_caller_identity`.
    caller_file: HashMap<FileId, String>,
    caller_dir: HashMap<String, Option<String>>,
    names: Vec<(String, String)>,
}

fn literal_ids(n: &Node) -> Vec<String> {
    n.as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(|x| x.scalar_text())
        .map(|t| t.into_owned())
        .filter(|t| is_account_id(t))
        .collect()
}

fn merge(map: &mut HashMap<String, Option<String>>, key: String, id: String) {
    map.entry(key)
        .and_modify(|cur| {
            if cur.as_deref() != Some(id.as_str()) {
                *cur = None;
            }
        })
        .or_insert(Some(id));
}

impl Accounts {
    pub fn build(model: &Model<'_>, cfg: &AccountsOptions) -> Accounts {
        let paths = cfg
            .paths
            .iter()
            .filter(|(_, id)| is_account_id(id))
            .filter_map(|(g, id)| Glob::new(g).ok().map(|g| (g.compile_matcher(), id.clone())))
            .collect();
        let workspaces = cfg
            .workspaces
            .iter()
            .filter(|(_, id)| is_account_id(id))
            .map(|(w, id)| (w.clone(), id.clone()))
            .collect();
        let workspace_account = cfg
            .workspace
            .as_ref()
            .and_then(|w| cfg.workspaces.get(w))
            .filter(|id| is_account_id(id))
            .cloned();
        let mut provider = HashMap::new();
        for p in &model.tf_providers {
            if p.name != "aws" && !p.name.ends_with("/aws") {
                continue;
            }
            if let Some(ids) = p.attr("allowed_account_ids") {
                let ids = literal_ids(ids);
                if ids.len() == 1 {
                    merge(&mut provider, p.dir.clone(), ids[0].clone());
                } else if ids.len() > 1 {
                    provider.insert(p.dir.clone(), None);
                }
            }
        }
        let mut caller_file = HashMap::new();
        let mut caller_dir = HashMap::new();
        for r in &model.tf {
            if r.mode == TfMode::Data && r.rtype == "aws_caller_identity" {
                if let Some(id) = r
                    .attr("account_id")
                    .and_then(Node::as_str)
                    .filter(|s| is_account_id(s))
                {
                    caller_file.insert(r.file, id.to_string());
                    merge(&mut caller_dir, r.dir.to_string(), id.to_string());
                }
            }
        }
        let names = model
            .db
            .iter()
            .map(|f| (f.name.clone(), f.path.to_string_lossy().replace('\\', "/")))
            .collect();
        Accounts {
            paths,
            workspaces,
            workspace_account,
            workload: cfg
                .workload_account_id
                .clone()
                .filter(|id| is_account_id(id)),
            provider,
            caller_file,
            caller_dir,
            names,
        }
    }

    /// The account the configuration maps a file to (path globs, then workspaces).
    pub fn mapped(&self, model: &Model<'_>, file: FileId) -> Option<String> {
        let (name, path) = self.names.get(file.0 as usize)?;
        for (g, id) in &self.paths {
            if g.is_match(name) || g.is_match(path) {
                return Some(id.clone());
            }
        }
        for (w, id) in &self.workspaces {
            let dirs: Vec<&str> = name.split('/').collect();
            if dirs[..dirs.len().saturating_sub(1)].iter().any(|d| d == w) {
                return Some(id.clone());
            }
        }
        let f = model.file(file);
        if matches!(f.kind, FileKind::TfJson | FileKind::TfPlan) {
            return self.workspace_account.clone();
        }
        None
    }

    /// The account of a Terraform-managed resource (repository, role) in `file`/`dir`: the
    /// configuration's map, the provider's `allowed_account_ids`, or `aws_caller_identity`.
    pub fn resource_account(
        &self,
        model: &Model<'_>,
        file: FileId,
        dir: &str,
    ) -> Option<(String, AccountSource)> {
        if let Some(id) = self.mapped(model, file) {
            return Some((id, AccountSource::ConfigMap));
        }
        if let Some(Some(id)) = self.provider.get(dir) {
            return Some((id.clone(), AccountSource::Provider));
        }
        if let Some(id) = self.caller_file.get(&file) {
            return Some((id.clone(), AccountSource::CallerIdentity));
        }
        if let Some(Some(id)) = self.caller_dir.get(dir) {
            return Some((id.clone(), AccountSource::CallerIdentity));
        }
        None
    }

    /// The account a workload runs in (§0.6): the configuration (map, then
    /// `workload-account-id`), the account of its literal role ARNs, then the Terraform context.
    pub fn workload_account(
        &self,
        model: &Model<'_>,
        file: FileId,
        role_arns: &[&str],
    ) -> Option<(String, AccountSource)> {
        if let Some(id) = self.mapped(model, file) {
            return Some((id, AccountSource::ConfigMap));
        }
        if let Some(id) = &self.workload {
            return Some((id.clone(), AccountSource::ConfigWorkload));
        }
        for a in role_arns {
            if let Some(id) = Arn::parse(a).and_then(|a| a.account_id()) {
                return Some((id.to_string(), AccountSource::RoleArn));
            }
        }
        let f = model.file(file);
        let dir = f
            .path
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if matches!(f.kind, FileKind::TfJson | FileKind::TfPlan) {
            return self.resource_account(model, file, &dir);
        }
        None
    }
}
