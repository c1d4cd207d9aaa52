pub mod catch_all_service_account;
pub mod ecr_cross_account_pull_gap;
