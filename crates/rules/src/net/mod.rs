pub mod no_private_registry_path;
pub mod node_pod_capacity_shortfall;
mod node_pools;
pub mod prefix_delegation_fragmentation;
pub mod subnet_ip_capacity_exceeded;
pub mod subnet_too_small;

#[cfg(test)]
mod tests;
