//! IAM policy documents and a small, conservative evaluator.
//!
//! Documents come from JSON (`{"Version": …, "Statement": […]}`, including the embedded JSON of
//! Terraform strings) or from the `statement` blocks of an `aws_iam_policy_document` data source.
//! Every value keeps its span so that a rule can point at the exact `Action`, `Resource` or
//! `Condition` that matters.
//!
//! ## Evaluation model
//! * `Action`/`NotAction` patterns match case-insensitively with `*` and `?` wildcards (IAM
//!   action names are case-insensitive); `Resource`/`NotResource` patterns match case-sensitively.
//!   A statement without `Resource` (as in resource policies) applies to every resource.
//! * `Principal`/`NotPrincipal` are checked only when the request names a principal (resource
//!   policies). `"*"` and `{"AWS": "*"}` match everyone; `"123456789012"` and
//!   `arn:aws:iam::123456789012:root` match every principal of that account; other ARNs match
//!   exactly (IAM allows no wildcards there). `Service` and `Federated` entries match by name.
//! * An explicit `Deny` wins over any `Allow`.
//! * **Conditions are never evaluated.** A statement with a `Condition` only *may* apply, so an
//!   `Allow` with a condition yields [`Decision::Conditional`], and so does a `Deny` with a
//!   condition that would otherwise block an allowed request. Values holding Terraform
//!   interpolations (`${…}`) make a statement [`Decision::Unknown`] unless another value decides.
//!   Callers report these as "cannot verify" (info) rather than as errors or as passes.

use lint_engine::doc::is_unresolved_text;
use lint_engine::source::{FileId, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One string of a policy (an action, a resource, a principal, a condition value) and its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Val {
    pub text: String,
    pub span: Span,
}

impl Val {
    pub fn is_unresolved(&self) -> bool {
        is_unresolved_text(&self.text)
    }
}

/// `Action`/`NotAction` or `Resource`/`NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    /// `NotAction` / `NotResource`.
    pub negated: bool,
    pub values: Vec<Val>,
    /// The span of the whole value (string or list).
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    fn parse(s: &str) -> Option<PrincipalKind> {
        match s {
            "AWS" => Some(PrincipalKind::Aws),
            "Service" => Some(PrincipalKind::Service),
            "Federated" => Some(PrincipalKind::Federated),
            "CanonicalUser" => Some(PrincipalKind::CanonicalUser),
            _ => None,
        }
    }
}

/// `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principals {
    pub negated: bool,
    /// `"Principal": "*"`.
    pub any: bool,
    pub entries: Vec<(PrincipalKind, Val)>,
    pub span: Span,
}

/// One `Condition` entry: `{"StringEquals": {"aws:PrincipalOrgID": "o-123"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<Val>,
    /// The span of the key and its values (`"aws:PrincipalOrgID": "o-123"`).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub file: FileId,
    /// The statement object (or `statement` block).
    pub span: Span,
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Option<Patterns>,
    pub resources: Option<Patterns>,
    pub principals: Option<Principals>,
    pub conditions: Vec<Condition>,
    /// The `Condition` value (or the first `condition` block).
    pub condition_span: Option<Span>,
    /// A part of the statement could not be read (e.g. `Effect` is an interpolation).
    pub unresolved: bool,
}

/// A policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub file: FileId,
    /// The document (JSON object or data source body).
    pub span: Span,
    pub statements: Vec<Statement>,
    /// The document could not be read entirely (interpolated statement list, invalid shape).
    pub unresolved: bool,
}

/// A principal making a request, for resource policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalRef {
    /// An IAM principal in an account; `arn` when the exact role/user is known.
    Aws {
        account: String,
        arn: Option<String>,
    },
    Service(String),
    Federated(String),
}

/// What is asked: may `principal` perform `action` on `resource`?
#[derive(Debug, Clone, Copy)]
pub struct Request<'r> {
    pub action: &'r str,
    /// The resource ARN, or `*` for actions that only work on `*` (`ecr:GetAuthorizationToken`).
    pub resource: &'r str,
    pub principal: Option<&'r PrincipalRef>,
}

/// The answer of [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An unconditional `Allow` applies and no `Deny` can apply.
    Allow,
    /// An unconditional `Deny` applies.
    Deny,
    /// No statement applies: denied by default.
    ImplicitDeny,
    /// The outcome depends on a `Condition` (of an `Allow` or a `Deny`).
    Conditional,
    /// The outcome depends on values not known statically (interpolations).
    Unknown,
}

/// The decision and the statement that decided it (for labels).
#[derive(Debug, Clone, Copy)]
pub struct Evaluation<'p> {
    pub decision: Decision,
    pub statement: Option<&'p Statement>,
}

mod eval;
mod parse;
#[cfg(test)]
mod tests;

pub use eval::{evaluate, wildcard_match};
pub use parse::principal_account;
