pub mod no_kubernetes_counterpart;
pub mod shutdown_window_parity;
pub mod support;
