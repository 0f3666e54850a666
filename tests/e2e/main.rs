//! The end-to-end tests: one binary, one module per area. Each test boots its own rgmd in a
//! temporary directory (killed when the test ends) and drives the real commands.

mod agents;
mod bad_input;
mod dev_guide;
mod etcd_store;
mod fencing;
mod generic_type;
mod hostile;
mod lifecycle;
mod ocf_agents;
mod recovery;
mod service;
mod support;
