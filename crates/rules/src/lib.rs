//! The cutover rule set. One rule per file at `src/<domain>/<rule_name>.rs`; the file stem is the
//! rule's name in snake_case, and its doc comment is the rule's documentation page.

pub mod ecs;
pub mod iam;
pub mod k8s;
pub mod lint;
pub mod net;
pub mod par;
#[cfg(test)]
mod testing;

use lint_engine::{Rule, RuleMeta};

/// Every built-in rule, sorted by ID.
static RULES: &[&dyn Rule] = &[
    &ecs::missing_stop_timeout::MissingStopTimeout,
    &ecs::fargate_spot_on_critical_service::FargateSpotOnCriticalService,
    &ecs::stop_timeout_out_of_range::StopTimeoutOutOfRange,
    &ecs::spot_target_deregistration_too_long::SpotTargetDeregistrationTooLong,
    &ecs::invalid_fargate_task_size::InvalidFargateTaskSize,
    &ecs::plaintext_secret_env::PlaintextSecretEnv,
    &iam::catch_all_service_account::CatchAllServiceAccount,
    &iam::ecr_cross_account_pull_gap::EcrCrossAccountPullGap,
    &iam::irsa_trust_mismatch::IrsaTrustMismatch,
    &iam::pod_identity_association_gap::PodIdentityAssociationGap,
    &iam::task_secrets_permission_gap::TaskSecretsPermissionGap,
    &iam::log_driver_permission_gap::LogDriverPermissionGap,
    &k8s::missing_resource_requests::MissingResourceRequests,
    &k8s::missing_graceful_shutdown::MissingGracefulShutdown,
    &k8s::spot_workload_without_pdb::SpotWorkloadWithoutPdb,
    &k8s::pdb_blocks_eviction::PdbBlocksEviction,
    &k8s::deprecated_api_version::DeprecatedApiVersion,
    &k8s::karpenter_v1_schema_drift::KarpenterV1SchemaDrift,
    &k8s::missing_readiness_probe::MissingReadinessProbe,
    &k8s::alb_ip_target_without_readiness_gate::AlbIpTargetWithoutReadinessGate,
    &k8s::hpa_target_without_requests::HpaTargetWithoutRequests,
    &lint::unresolved_input::UnresolvedInput,
    &lint::duplicate_key::DuplicateKey,
    &lint::unused_suppression::UnusedSuppression,
    &net::subnet_too_small::SubnetTooSmall,
    &net::subnet_ip_capacity_exceeded::SubnetIpCapacityExceeded,
    &net::prefix_delegation_fragmentation::PrefixDelegationFragmentation,
    &net::node_pod_capacity_shortfall::NodePodCapacityShortfall,
    &net::no_private_registry_path::NoPrivateRegistryPath,
    &par::no_kubernetes_counterpart::NoKubernetesCounterpart,
    &par::shutdown_window_parity::ShutdownWindowParity,
    &par::resource_parity::ResourceParity,
    &par::health_check_parity::HealthCheckParity,
    &par::secret_source_parity::SecretSourceParity,
    &par::workload_identity_parity::WorkloadIdentityParity,
    &par::replica_and_rollout_parity::ReplicaAndRolloutParity,
    &par::spot_exposure_parity::SpotExposureParity,
    &par::image_parity::ImageParity,
    &par::ingress_exposure_parity::IngressExposureParity,
    &par::log_routing_parity::LogRoutingParity,
];

pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// Documentation site base for `helpUri` and links.
pub const DOCS_BASE: &str = "https://github.com/cutover-dev/cutover/blob/main/rules-docs";

pub fn doc_url(meta: &RuleMeta) -> String {
    format!("{DOCS_BASE}/{}.md", meta.id)
}

/// True for the rules of this crate (not a plugin's).
pub fn is_builtin(meta: &RuleMeta) -> bool {
    RULES.iter().any(|r| r.meta().id == meta.id)
}

/// Where a rule's documentation lives on the web: the plugin's `help_uri`, or the rule's page
/// in `rules-docs/` for a built-in rule; `None` for a plugin rule without one.
pub fn help_url(meta: &RuleMeta) -> Option<String> {
    match meta.help_uri {
        Some(u) => Some(u.to_string()),
        None if is_builtin(meta) => Some(doc_url(meta)),
        None => None,
    }
}

/// The markdown page for a rule, as written to `rules-docs/<ID>.md`.
pub fn doc_page(meta: &RuleMeta) -> String {
    let mut body = String::new();
    for line in meta.docs.lines() {
        // Doc comments carry one leading space after `///`.
        body.push_str(line.strip_prefix(' ').unwrap_or(line));
        body.push('\n');
    }
    let inputs: Vec<&str> = meta.inputs.iter().map(|k| k.as_str()).collect();
    // Only built-in pages are generated files; a plugin rule's `source` is where its
    // executable happens to be, which its page does not show.
    let generated = if is_builtin(meta) {
        format!(
            "<!-- generated from crates/rules/{} by `cargo xtask docs`; do not edit -->\n\n",
            meta.source.trim_start_matches("crates/rules/")
        )
    } else {
        String::new()
    };
    format!(
        "# {id} {name}\n\n\
         {generated}\
         | | |\n|---|---|\n| Default severity | {sev} |\n| Inputs | {inputs} |\n| Cross-file | {cross} |\n\n\
         {summary}\n\n{body}",
        id = meta.id,
        name = meta.name,
        sev = meta.default_severity,
        inputs = inputs.join(", "),
        cross = if meta.cross_file { "yes" } else { "no" },
        summary = capitalise(meta.summary),
        body = body.trim_end().to_string() + "\n",
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + ".",
        None => String::new(),
    }
}

/// The index page, `rules-docs/README.md`.
pub fn index_page() -> String {
    let mut out = String::from(
        "# cutover rules\n\n\
         <!-- generated from the rule doc comments by `cargo xtask docs`; do not edit -->\n\n\
         Every rule of cutover, with its default severity. `cutover rules` prints this list and\n\
         `cutover explain <ID>` prints a rule's page.\n\n\
         | ID | Name | Default severity | Summary |\n|---|---|---|---|\n",
    );
    for r in RULES {
        let m = r.meta();
        out.push_str(&format!(
            "| [{id}]({id}.md) | {name} | {sev} | {summary} |\n",
            id = m.id,
            name = m.name,
            sev = m.default_severity,
            summary = m.summary.replace('|', "\\|"),
        ));
    }
    out
}

/// Every file of `rules-docs/`: one page per rule and the index, as (file name, contents).
pub fn doc_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = RULES
        .iter()
        .map(|r| (format!("{}.md", r.meta().id), doc_page(r.meta())))
        .collect();
    files.push(("README.md".to_string(), index_page()));
    files
}
