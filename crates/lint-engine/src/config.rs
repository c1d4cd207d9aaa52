//! Options rules read. The command-line crate fills this from `cutover.toml`; defaults here are
//! the documented defaults of the rule catalog.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EcsOptions {
    /// ECS001: a `stopTimeout` below this is reported (seconds).
    pub min_stop_timeout_seconds: i64,
    /// ECS001: also check FireLens log-router containers.
    pub include_log_routers: bool,
}

impl Default for EcsOptions {
    fn default() -> Self {
        EcsOptions {
            min_stop_timeout_seconds: 30,
            include_log_routers: false,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct K8sOptions {
    /// K8S001: also report containers without `limits.memory` (info).
    pub require_memory_limit: bool,
    /// K8S001: namespaces known to have a defaulting LimitRange outside the inputs.
    pub assume_limitrange_namespaces: Vec<String>,
}

/// `[iam]`: options of the IAM rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IamOptions {
    /// IAM001 (b): a ServiceAccount carrying an AWS identity may be used by at most this many
    /// distinct workloads (grouped by `app.kubernetes.io/name`, then `app`).
    pub max_workloads_per_sa: usize,
    /// IAM001: namespaces whose ServiceAccounts are controllers by design (allow-listed).
    pub allow_namespaces: Vec<String>,
}

impl Default for IamOptions {
    fn default() -> Self {
        IamOptions {
            max_workloads_per_sa: 1,
            allow_namespaces: vec!["kube-system".into()],
        }
    }
}

/// `[accounts]`: which AWS account each input belongs to (catalog §0.6), for IAM002.
///
/// ```toml
/// [accounts]
/// workload_account_id = "222233334444"     # where tasks and pods run
/// workspace = "prod"                       # the Terraform workspace the plans come from
/// trusted_registry_accounts = ["123412341234"]  # extra AWS-owned/vendor registries
/// [accounts.paths]                         # path globs (relative to the working directory)
/// "shared-services/**" = "111122223333"
/// [accounts.workspaces]                    # Terraform workspace name -> account
/// prod = "222233334444"
/// ```
///
/// A file gets the account of the first `paths` glob that matches it; then of a `workspaces`
/// entry whose name is a directory of its path (`envs/prod/…`, `terraform.tfstate.d/prod/…`) or,
/// for Terraform files, the configured `workspace`. `workload_account_id` applies to the
/// workloads (task definitions, pods) that no path or workspace entry maps.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsOptions {
    pub workload_account_id: Option<String>,
    pub workspace: Option<String>,
    pub paths: std::collections::BTreeMap<String, String>,
    pub workspaces: std::collections::BTreeMap<String, String>,
    pub trusted_registry_accounts: Vec<String>,
}

/// Everything rules may read from the configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    pub ecs: EcsOptions,
    pub k8s: K8sOptions,
    pub iam: IamOptions,
    pub accounts: AccountsOptions,
}
