//! ECS facts: the Fargate task sizes.

pub mod fargate;
