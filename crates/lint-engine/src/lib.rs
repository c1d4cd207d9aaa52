//! The cutover lint engine: sources and spans, loaders for JSON and YAML, classification, the
//! typed cross-file model, the rule trait, findings and the parallel runner.
//!
//! This crate knows nothing about the command line or about rendering: no clap, no terminal or
//! report crates. The `cutover` binary (crates/cli) drives it.

pub mod classify;
pub mod config;
pub mod criticality;
pub mod discover;
pub mod doc;
pub mod finding;
#[doc(hidden)]
pub mod fuzzing;
pub mod iam;
pub mod load;
pub mod model;
pub mod net;
pub mod rule;
pub mod runner;
pub mod shared;
pub mod source;
pub mod suppress;
pub mod tfref;

pub use config::Config;
pub use finding::{Finding, Label, Severity};
pub use model::Model;
pub use rule::{Rule, RuleContext, RuleMeta};
pub use source::{FileId, FileKind, SourceDb, SourceFile, Span};
