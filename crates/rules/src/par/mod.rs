pub mod health_check_parity;
pub mod health_values;
pub mod image_parity;
pub mod ingress_exposure_parity;
pub mod log_routing_parity;
pub mod no_kubernetes_counterpart;
pub mod pair_view;
pub mod replica_and_rollout_parity;
pub mod resource_parity;
pub mod resource_values;
pub mod secret_source_parity;
pub mod secret_sources;
pub mod shutdown_window_parity;
pub mod spot_exposure_parity;
pub mod support;
#[cfg(test)]
mod tests;
pub mod workload_identity_parity;
