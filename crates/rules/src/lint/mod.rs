pub mod duplicate_key;
pub mod unresolved_input;
pub mod unused_suppression;
