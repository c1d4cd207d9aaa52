pub mod unresolved_input;
pub mod unused_suppression;
