//! Kubernetes matching, done once and shared by the K8S rules: label selectors, repository
//! scopes, load-balancer backends and the join index (a shared fact:
//! `cx.shared::<K8sIndex>()`).

pub mod backends;
pub mod index;
pub mod quantity;
pub mod repo;
pub mod selector;
pub mod spot;

pub use backends::{LbRef, PortRef, TargetMode, Via};
pub use index::{is_replicated, replicas, K8sIndex};
pub use selector::Selector;

#[cfg(test)]
mod tests;
