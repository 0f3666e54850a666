//! rgmd, the resource group manager daemon: one per node. It owns the engine (rgm-core), runs
//! the methods the engine asks for (rgm-exec), keeps the configuration and runtime state in the
//! store, writes the cluster log, and answers the commands on a Unix socket (rgm-proto).

pub mod admission;
pub mod clock;
pub mod cluster;
pub mod cluster_log;
pub mod daemon;
pub mod event_loop;
pub mod executor;
pub mod fence;
pub mod host;
pub mod http;
pub mod journal;
pub mod node_events;
pub mod node_events_cluster;
pub mod notify;
pub mod options;
pub mod persist;
pub mod recovery;
pub mod restart;
pub mod server;
pub mod socket;
pub mod watch;
