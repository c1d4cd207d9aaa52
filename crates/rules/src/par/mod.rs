pub mod image_parity;
pub mod ingress_exposure_parity;
pub mod log_routing_parity;
pub mod pair_view;
pub mod replica_and_rollout_parity;
pub mod spot_exposure_parity;
pub mod unknown_inputs;
