//! Options rules read. The command-line crate fills this from `cutover.toml`; defaults here are
//! the documented defaults of the rule catalog.

use schemars::JsonSchema;
use serde::Deserialize;

/// ECS rule options (`[ecs]`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EcsOptions {
    /// ECS001: a `stopTimeout` below this is reported (seconds).
    #[schemars(range(min = 0))]
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

/// Kubernetes rule options (`[k8s]`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct K8sOptions {
    /// K8S001: also report containers without `limits.memory` (info).
    pub require_memory_limit: bool,
    /// K8S001: namespaces known to have a defaulting LimitRange outside the inputs.
    pub assume_limitrange_namespaces: Vec<String>,
}

/// Everything rules may read from the configuration.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Config {
    /// Options of the ECS rules.
    pub ecs: EcsOptions,
    /// Options of the Kubernetes rules.
    pub k8s: K8sOptions,
}
