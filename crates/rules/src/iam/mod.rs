pub mod ecr_cross_account_pull_gap;
