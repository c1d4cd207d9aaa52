//! The parts of the `cutover` command line that other tools reuse: the configuration file, its
//! JSON Schema, rule selection, the starter file of `cutover init`, and the report pipeline
//! after the rules (suppressions, fingerprints, baselines, renderers). The `xtask` crate
//! regenerates the schema from here and runs the same pipeline in-process for the benchmark.

pub mod baseline;
pub mod config;
pub mod fingerprint;
pub mod init;
pub mod post;
pub mod render;
pub mod schema;
pub mod select;
pub mod suppress;
