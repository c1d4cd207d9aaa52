//! The `cutover` command as a library: the configuration file and its JSON Schema, rule
//! selection, the starter file of `cutover init`, rule plugins, and the one check pipeline
//! ([`pipeline`]: load, model, rules and plugins, suppressions, baseline, fingerprints, one
//! `render` entry point). The binary only parses its arguments and calls it; the `xtask` crate
//! regenerates the schema from here and runs the same pipeline in-process for the benchmark.

pub mod baseline;
pub mod config;
pub mod config_docs;
pub mod fingerprint;
pub mod init;
pub mod model_json;
pub mod pipeline;
pub mod plugin;
pub mod post;
pub mod render;
pub mod render_cache;
pub mod render_inputs;
pub mod render_process;
pub mod report;
pub mod schema;
pub mod select;
pub mod suppress;
pub mod var_files;
