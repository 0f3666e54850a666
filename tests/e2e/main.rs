//! The end-to-end tests: one binary, one module per area. Each test boots its own rgmd in a
//! temporary directory (killed when the test ends) and drives the real commands.

mod bad_input;
mod fencing;
mod hostile;
mod lifecycle;
mod recovery;
mod support;
