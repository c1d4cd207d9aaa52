//! Options rules read. The command-line crate fills this from `cutover.toml`; defaults here are
//! the documented defaults of the rule catalog.

use schemars::JsonSchema;
use std::collections::BTreeMap;

use serde::Deserialize;

/// ECS rule options (`[ecs]`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
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
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct K8sOptions {
    /// K8S001: also report containers without `limits.memory` (info).
    pub require_memory_limit: bool,
    /// K8S001: namespaces known to have a defaulting LimitRange outside the inputs.
    pub assume_limitrange_namespaces: Vec<String>,
    /// K8S005: the Kubernetes version the manifests must apply to (`"1.31"`, `"v1.31.2"`).
    /// Unset: the version of the EKS clusters in the Terraform inputs.
    #[serde(deserialize_with = "k8s_version")]
    #[schemars(regex(pattern = r"^v?[0-9]+\.[0-9]+(\.[0-9]+)?$"))]
    pub target_version: Option<String>,
    /// Namespace of a manifest that names none (what `kubectl apply -n` would use). Default:
    /// `default`. Cross-file joins (Service, Ingress, PDB, HPA) compare effective namespaces.
    pub default_namespace: Option<String>,
    /// K8S002: shortest preStop sleep, in seconds, for an IP-mode load-balancer target.
    pub min_prestop_seconds: i64,
    /// K8S002: seconds a load balancer needs to drain a target after deregistration, added to
    /// the preStop sleep to give the least grace period.
    pub default_drain_seconds: i64,
    /// NET004: pods of cluster add-ons (CoreDNS replicas and the like) to leave out of the
    /// node groups' capacity. The EKS default for CoreDNS is 2 replicas.
    pub system_pods: u64,
}

impl Default for K8sOptions {
    fn default() -> Self {
        K8sOptions {
            require_memory_limit: false,
            assume_limitrange_namespaces: Vec::new(),
            target_version: None,
            default_namespace: None,
            min_prestop_seconds: 15,
            default_drain_seconds: 15,
            system_pods: 2,
        }
    }
}

/// `MAJOR.MINOR[.PATCH]`, optionally with a leading `v`.
fn k8s_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    let t = s.strip_prefix('v').unwrap_or(&s);
    let parts: Vec<&str> = t.split('.').collect();
    let ok = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 4);
    if ok {
        Ok(Some(s))
    } else {
        Err(serde::de::Error::custom(format!(
            "`{s}` is not a Kubernetes version: write it as \"1.31\" (MAJOR.MINOR)"
        )))
    }
}

/// Options of the network rules (`[net]`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
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

/// `[secrets]`: how ECS006 recognises a variable that holds a secret.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct SecretsOptions {
    /// ECS006: a regular expression matched against environment variable names. Names ending
    /// in `_ARN`, `_NAME`, `_PATH`, `_FILE` or `_ID` hold references and are never reported.
    pub name_regex: String,
}

/// The default secret-name pattern.
pub const DEFAULT_SECRET_NAME_REGEX: &str =
    r"(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)";

impl Default for SecretsOptions {
    fn default() -> Self {
        SecretsOptions {
            name_regex: DEFAULT_SECRET_NAME_REGEX.to_string(),
        }
    }
}

impl SecretsOptions {
    /// The compiled `name-regex`; the configuration loader rejects one that does not compile.
    pub fn compiled(&self) -> Result<regex::Regex, regex::Error> {
        compiled_regex(&self.name_regex)
    }
}

/// `pattern` compiled once per process: the configuration's patterns (secret names,
/// production names) are checked when it is loaded and read again by the rules and the shared
/// facts, and compiling one costs a few hundred microseconds, a large part of a pre-commit
/// run on a small repository. Each caller gets its own clone (a clone shares the compiled
/// program and keeps its own matching scratch space, so threads do not wait for each other).
pub fn compiled_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    type Compiled = std::collections::HashMap<String, Result<regex::Regex, regex::Error>>;
    static COMPILED: std::sync::Mutex<Option<Compiled>> = std::sync::Mutex::new(None);
    let mut compiled = COMPILED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let compiled = compiled.get_or_insert_with(Compiled::new);
    if let Some(re) = compiled.get(pattern) {
        return re.clone();
    }
    let re = regex::Regex::new(pattern);
    compiled.insert(pattern.to_string(), re.clone());
    re
}

/// `[iam]`: options of the IAM rules.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
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

/// `[accounts]`: which AWS account each input belongs to, for IAM002 (cross-account image pulls).
/// A file gets the account of the first `paths` glob that matches it; then of a `workspaces`
/// entry whose name is a directory of its path (`envs/prod/…`, `terraform.tfstate.d/prod/…`) or,
/// for Terraform files, the configured `workspace`. `workload-account-id` applies to the
/// workloads (task definitions, pods) that no path or workspace entry maps.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct AccountsOptions {
    /// The account where the tasks and pods run, for workloads no `paths` or `workspaces` entry
    /// maps.
    pub workload_account_id: Option<String>,
    /// The Terraform workspace the plans and configurations come from (looked up in
    /// `workspaces`).
    pub workspace: Option<String>,
    /// Path glob (relative to the working directory) → account ID; the first match wins.
    pub paths: std::collections::BTreeMap<String, String>,
    /// Terraform workspace name → account ID, also matched against directory names in a path
    /// (`envs/prod/…`, `terraform.tfstate.d/prod/…`).
    pub workspaces: std::collections::BTreeMap<String, String>,
    /// Extra registry accounts trusted like AWS-owned ones (vendor registries).
    pub trusted_registry_accounts: Vec<String>,
}

/// Everything rules may read from the configuration.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Config {
    /// Options of the ECS rules.
    pub ecs: EcsOptions,
    /// Options of the Kubernetes rules.
    pub k8s: K8sOptions,
    /// `[criticality]`: which workloads are critical or production.
    pub criticality: CriticalityOptions,
    /// Options of the network rules.
    pub net: NetOptions,
    /// Options of the IAM rules.
    pub iam: IamOptions,
    /// Which AWS account each input belongs to.
    pub accounts: AccountsOptions,
    /// How Terraform configuration is evaluated.
    pub terraform: TerraformOptions,
    /// How secret-holding variable names are recognised.
    pub secrets: SecretsOptions,
    /// `[parity]`: how ECS services pair with Kubernetes workloads, and the PAR rule options.
    pub parity: ParityOptions,
}

/// `[[parity.pairs]]`: an explicit pairing of an ECS service (or task-definition family) with a
/// Kubernetes workload; it wins over every other way of pairing.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ParityPair {
    /// The ECS service name, or the task-definition family (`payments`).
    pub ecs: String,
    /// The workload as `Kind/namespace/name` (`Deployment/shop/payments`, with the effective
    /// namespace); `Kind/name` matches that workload in any namespace.
    pub k8s: String,
}

/// `[parity]`: ECS ↔ Kubernetes pairing and the PAR rule options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ParityOptions {
    /// Explicit pairs, checked before the annotation `cutover.dev/ecs-service`, name
    /// normalisation and a shared image repository: `[[parity.pairs]]` tables with `ecs` (an
    /// ECS service name or task-definition family) and `k8s` (`Deployment/shop/payments`, or
    /// `Deployment/payments` for any namespace).
    pub pairs: Vec<ParityPair>,
    /// PAR002: how far (a fraction: 0.1 is 10%) Kubernetes requests may fall below the ECS
    /// values before they are reported.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub resource_tolerance: f64,
    /// PAR006: the Kubernetes copy may run fewer replicas than ECS on purpose (a strangler
    /// rollout that sends it a small share of the traffic).
    pub allow_reduced_replicas: bool,
    /// PAR008: repository prefixes of ECR pull-through caches (`docker-hub` for
    /// `<registry>/docker-hub/library/nginx`), beside the `aws_ecr_pull_through_cache_rule`
    /// resources of the inputs.
    pub pull_through_prefixes: Vec<String>,
}

impl Default for ParityOptions {
    fn default() -> Self {
        ParityOptions {
            pairs: Vec::new(),
            resource_tolerance: 0.1,
            allow_reduced_replicas: false,
            pull_through_prefixes: Vec::new(),
        }
    }
}

/// `[terraform]`: how Terraform configuration is evaluated (`var-files = ["envs/prod.tfvars"]`
/// is `terraform plan -var-file=envs/prod.tfvars`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct TerraformOptions {
    /// Files of variable values (`.tfvars` or `.tfvars.json`) applied to every root module
    /// after `terraform.tfvars` and `*.auto.tfvars`, in this order, as Terraform's
    /// `-var-file` does. Relative paths are relative to the directory of `cutover.toml`;
    /// `--var-file` files come after these. A file that is missing or malformed is an input
    /// error.
    pub var_files: Vec<String>,
}

/// Explicit selectors of `[criticality.critical]` and `[criticality.non-critical]`: any match
/// selects the workload.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct CriticalSelector {
    /// Globs on `aws_ecs_service.name` (`payments-*`).
    pub ecs_services: Vec<String>,
    /// Tag key → accepted values, on `aws_ecs_service.tags`/`tags_all`.
    pub ecs_tags: BTreeMap<String, Vec<String>>,
    /// Label key → accepted values, on the workload, its pod template or its Namespace.
    pub k8s_labels: BTreeMap<String, Vec<String>>,
    /// Globs on the Kubernetes namespace.
    pub namespaces: Vec<String>,
    /// `podSpec.priorityClassName` values.
    pub priority_classes: Vec<String>,
}

/// `[criticality.production]`: how the default heuristic recognises production.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProductionOptions {
    /// Matched against cluster, service, namespace and workload names and the file path.
    pub name_regex: String,
    /// Container environment variable → values meaning production (values compare
    /// case-insensitively).
    pub env_vars: BTreeMap<String, Vec<String>>,
    /// Tag (or Kubernetes label) key → values meaning production (keys and values compare
    /// case-insensitively).
    pub tags: BTreeMap<String, Vec<String>>,
}

fn map(entries: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect()
}

impl Default for ProductionOptions {
    fn default() -> Self {
        ProductionOptions {
            name_regex: DEFAULT_PRODUCTION_REGEX.to_string(),
            env_vars: map(&[
                ("APP_ENV", &["production", "prod"]),
                ("NODE_ENV", &["production"]),
                ("ENV", &["production", "prod"]),
            ]),
            tags: map(&[
                ("Environment", &["prod", "production"]),
                ("env", &["prod", "production"]),
            ]),
        }
    }
}

/// The catalog's default production name pattern.
pub const DEFAULT_PRODUCTION_REGEX: &str = r"(^|[-_./])(prod|prd|production)([-_./]|$)";

/// `[criticality]`: which workloads are critical. Some rules report more severely on a critical
/// workload (ECS002: `FARGATE_SPOT` on a critical service is an error; K8S001: a critical
/// workload without requests is an error). A workload is critical when, in this order:
///
/// 1. a `[criticality.non-critical]` selector matches it: never critical, whatever else says;
/// 2. a `[criticality.critical]` selector matches it (ECS service name glob or tag, Kubernetes
///    label, namespace or priority class);
/// 3. otherwise, with `production-serving-is-critical` (the default), when it is production
///    (`[criticality.production]`: name pattern on the cluster, service, namespace, workload or
///    file path; container environment variables; tags and labels) and serves traffic (an ECS
///    load balancer, service registry or Service Connect; a Kubernetes `LoadBalancer` Service,
///    Ingress backend or TargetGroupBinding).
///
/// Findings that depend on it say in their notes why a workload counted as critical
/// (`critical: cluster prod-cluster, ENV=production, load balancer`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct CriticalityOptions {
    /// Workloads that are critical whatever the heuristics say.
    pub critical: CriticalSelector,
    /// Explicit opt-out: wins over everything else.
    pub non_critical: CriticalSelector,
    /// How production is recognised.
    pub production: ProductionOptions,
    /// A production workload that serves traffic is critical unless opted out.
    pub production_serving_is_critical: bool,
}

impl Default for CriticalityOptions {
    fn default() -> Self {
        CriticalityOptions {
            critical: CriticalSelector::default(),
            non_critical: CriticalSelector::default(),
            production: ProductionOptions::default(),
            production_serving_is_critical: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pattern compiled once is handed out again, working, from any thread; one that does
    /// not compile gives its error every time.
    #[test]
    fn patterns_are_compiled_once_and_shared() {
        let a = compiled_regex(r"(?i)^prod-\d+$").unwrap();
        let b = std::thread::spawn(|| compiled_regex(r"(?i)^prod-\d+$").unwrap())
            .join()
            .unwrap();
        assert!(a.is_match("PROD-12") && b.is_match("prod-3") && !b.is_match("prod-x"));
        assert_eq!(a.as_str(), b.as_str());
        let e1 = compiled_regex("(unclosed").unwrap_err();
        let e2 = compiled_regex("(unclosed").unwrap_err();
        assert_eq!(e1.to_string(), e2.to_string());
        assert!(e1.to_string().contains("unclosed group"), "{e1}");
    }

    #[test]
    fn parity_section() {
        let c: Config = serde_json::from_str(
            r#"{"parity": {"pairs": [{"ecs": "payments", "k8s": "Deployment/shop/payments"}],
                "allow-reduced-replicas": true, "resource-tolerance": 0.2}}"#,
        )
        .unwrap();
        assert_eq!(c.parity.pairs.len(), 1);
        assert_eq!(c.parity.pairs[0].k8s, "Deployment/shop/payments");
        assert!(c.parity.allow_reduced_replicas);
        assert!(!Config::default().parity.allow_reduced_replicas);
        assert_eq!(c.parity.resource_tolerance, 0.2);
        assert_eq!(Config::default().parity.resource_tolerance, 0.1);
        assert!(serde_json::from_str::<Config>(
            r#"{"parity": {"pairs": [{"ecs": "a", "k": "b"}]}}"#
        )
        .is_err());
    }

    #[test]
    fn criticality_section() {
        let c: Config = serde_json::from_str(
            r#"{"criticality": {"critical": {"ecs-services": ["payments-*"]},
                "production": {"name-regex": "live"}, "production-serving-is-critical": false}}"#,
        )
        .unwrap();
        assert_eq!(c.criticality.critical.ecs_services, ["payments-*"]);
        assert_eq!(c.criticality.production.name_regex, "live");
        // Defaults of the other production keys stay.
        assert!(c.criticality.production.env_vars.contains_key("APP_ENV"));
        assert!(!c.criticality.production_serving_is_critical);
        let d = Config::default();
        assert!(d.criticality.production_serving_is_critical);
        assert_eq!(
            d.criticality.production.name_regex,
            DEFAULT_PRODUCTION_REGEX
        );
        assert!(serde_json::from_str::<Config>(r#"{"criticality": {"critcal": {}}}"#).is_err());
    }

    #[test]
    fn k8s_target_version() {
        let c: Config = serde_json::from_str(r#"{"k8s": {"target-version": "v1.31"}}"#).unwrap();
        assert_eq!(c.k8s.target_version.as_deref(), Some("v1.31"));
        assert_eq!(Config::default().k8s.target_version, None);
        for bad in ["1", "latest", "1.x", "1.31.0.1", "1..2"] {
            let text = format!(r#"{{"k8s": {{"target-version": "{bad}"}}}}"#);
            assert!(serde_json::from_str::<Config>(&text).is_err(), "{bad}");
        }
    }
}
