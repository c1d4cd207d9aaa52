//! What cutover's inputs mean together: the facts that several rules (and the AWS plugin) read
//! about a loaded model, built on top of the generic engine.
//!
//! - [`iam`]: ARNs, image references, policy documents and their evaluation, AWS managed
//!   policies, account resolution and the cross-file IAM index (a shared fact:
//!   `cx.shared::<IamIndex>()`);
//! - [`net`]: CIDR arithmetic, the EC2 instance/ENI table, VPC CNI settings, the subnet
//!   inventory and per-subnet IP demand (a shared fact: `cx.shared::<Network>()`);
//! - [`ecs`]: the valid Fargate task sizes and the parsing of task `cpu`/`memory` values;
//! - [`k8s`]: label selectors, repository scopes and the Kubernetes join index (Service,
//!   Ingress, TargetGroupBinding, PDB, HPA → workloads; a shared fact: `cx.shared::<K8sIndex>()`);
//! - [`criticality`]: which ECS services and Kubernetes workloads are critical or production.
//!
//! This crate computes facts and numbers; the words a user reads (finding messages, help texts)
//! belong to the rules. It never depends on the rules, the command line or a renderer.

pub mod criticality;
pub mod ecs;
pub mod iam;
pub mod k8s;
pub mod net;
pub mod pairing;
