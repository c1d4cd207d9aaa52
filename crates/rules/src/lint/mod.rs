pub mod unresolved_input;
