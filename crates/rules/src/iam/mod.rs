pub mod catch_all_service_account;
pub mod ecr_cross_account_pull_gap;
pub mod irsa_trust_mismatch;
pub mod log_driver_permission_gap;
pub mod pod_identity_association_gap;
pub mod task_secrets_permission_gap;
