pub mod fargate_spot_on_critical_service;
pub mod missing_stop_timeout;
