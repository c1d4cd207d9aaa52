pub mod alb_ip_target_without_readiness_gate;
pub mod hpa_target_without_requests;
pub mod missing_graceful_shutdown;
pub mod missing_readiness_probe;
pub mod missing_resource_requests;
pub mod pdb_blocks_eviction;
pub mod spot_workload_without_pdb;
pub mod support;
