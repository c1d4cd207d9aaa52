//! IAM support shared by the IAM rules and by plugins: ARNs, image references, policy documents
//! and their evaluation, AWS managed policies, account resolution and the cross-file index.

pub mod accounts;
pub mod arn;
pub mod grants;
pub mod image;
pub mod index;
pub mod irsa;
pub mod managed;
pub mod policy;

pub use accounts::{AccountSource, Accounts};
pub use arn::Arn;
pub use image::{aws_owned, parse_image, AwsOwner, ImageRef, Registry};
pub use index::{Attached, EcrRepo, IamIndex, NodeRole, PodIdentity, Role, SaIdentity};
pub use policy::{
    evaluate, Decision, Effect, Evaluation, Policy, PrincipalRef, Request, Statement,
};
