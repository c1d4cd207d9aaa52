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

/// Options of the network rules (`[net]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetOptions {
    /// NET001: EKS pod/node subnets with a longer prefix (smaller subnet) than this are reported.
    pub min_pod_subnet_prefix: u8,
    /// NET001: ECS awsvpc task subnets with a longer prefix than this are reported.
    pub min_task_subnet_prefix: u8,
    /// NET002: warn when peak demand exceeds this share of the usable addresses. A fraction
    /// (`0.8`) or a percentage (`80`).
    pub subnet_headroom: f64,
}

impl Default for NetOptions {
    fn default() -> Self {
        NetOptions {
            min_pod_subnet_prefix: 20,
            min_task_subnet_prefix: 22,
            subnet_headroom: 0.8,
        }
    }
}

impl NetOptions {
    /// The headroom as a fraction in `0..=1`.
    pub fn headroom_fraction(&self) -> f64 {
        let h = if self.subnet_headroom > 1.0 {
            self.subnet_headroom / 100.0
        } else {
            self.subnet_headroom
        };
        h.clamp(0.0, 1.0)
    }
}

/// Everything rules may read from the configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    pub ecs: EcsOptions,
    pub k8s: K8sOptions,
    pub net: NetOptions,
}
