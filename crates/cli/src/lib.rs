//! The parts of the `cutover` command line that other tools reuse: the configuration file, its
//! JSON Schema, rule selection and the starter file of `cutover init` (the `xtask` crate
//! regenerates the schema from here).

pub mod config;
pub mod init;
pub mod schema;
pub mod select;
