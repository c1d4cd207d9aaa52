//! The cutover lint engine: sources and spans, loaders for JSON and YAML, classification, the
//! typed cross-file model, the rule trait, findings, the parallel runner and the per-run cache of
//! shared facts ([`shared`]).
//!
//! The engine is generic: it holds no domain knowledge (IAM, networking, criticality live in the
//! `cutover-semantic` crate, which registers its indexes as shared facts) and depends on no domain
//! crate. It knows nothing about the command line or about rendering either: no clap, no
//! terminal or report crates. The `cutover` binary (crates/cli) drives it.

pub mod classify;
pub mod config;
pub mod discover;
pub mod doc;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod load;
pub mod model;
pub mod render;
pub mod rule;
pub mod runner;
pub mod shared;
pub mod source;
pub mod suppress;
pub mod tfeval;
pub mod tfref;

pub use config::Config;
pub use finding::{Finding, Label, Severity};
pub use model::Model;
pub use rule::{Rule, RuleContext, RuleMeta, RuleMetadata, TfResources, Unresolved};
pub use source::{FileId, FileKind, SourceDb, SourceFile, Span};
