pub mod missing_stop_timeout;
