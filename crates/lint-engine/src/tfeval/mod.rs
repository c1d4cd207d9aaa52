//! Static evaluation of Terraform expressions, shared by `.tf` and `.tf.json`.
//!
//! Small and honest: literals, templates (with `%{ if }` / `%{ for }` directives), references to
//! variables, locals and bound iteration values, indexes, attributes and simple splats,
//! operators, conditionals, `for` expressions and a fixed set of pure functions
//! ([`funcs::SUPPORTED`]). Everything else evaluates to [`Val::Unknown`] naming the expression
//! and why; nothing is guessed. Expressions are parsed with `hcl-edit`; CIDR functions follow
//! Terraform's semantics on `ipnet`.
//!
//! [`scope`] builds the values of each Terraform module of a run (variable defaults, tfvars,
//! `--var-file` files, locals) and exposes them to rules as the shared fact [`TfEval`].

mod cidr;
mod eval;
pub mod filecall;
mod format;
pub mod funcs;
pub mod modules;
pub mod scope;
mod template;
pub mod template_map;
mod value;

#[cfg(test)]
mod scope_tests;
#[cfg(test)]
mod tests;

pub use eval::{eval_expression, eval_template, EmptyEnv, Env};
pub use scope::{Evaluated, Instance, ModuleScope, Multiplicity, TfEval, TfEvalIndex, VarFile};
pub use value::{Num, Unknown, Val};
