//! The end-to-end tests: one binary, one module per area. Each test boots its own rgmd in a
//! temporary directory (killed when the test ends) and drives the real commands.

mod agents;
mod bad_input;
mod cluster_basics;
mod cluster_engine_rules;
mod cluster_events;
mod cluster_failures;
mod cluster_rules;
mod cluster_store;
mod crash_recovery;
mod dev_guide;
mod disk_full;
mod engine_rules;
mod etcd_store;
mod event_conformance;
mod event_scripts;
mod feedback;
mod fencing;
mod generic_type;
mod hostile;
mod lifecycle;
mod logical_hostname;
mod logical_hostname_cluster;
mod observe_browser;
mod observe_dry_run;
mod observe_http;
mod observe_metrics;
mod observe_page;
mod observe_why_not;
mod ocf_agents;
mod recovery;
mod restart;
mod service;
mod support;
