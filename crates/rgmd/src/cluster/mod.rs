//! rgmd as one node of a cluster on etcd (docs/cluster.md). Every node's rgmd keeps a lease
//! and a member key (`member`); one of them, elected through the store, is the president: it
//! hosts the engine for the whole cluster (`president`), writes each node's method runs as
//! assignments, and reads back their results. Every node runs what it is assigned
//! (`agent`), forwards its commands' requests to the president (`forward`), and stops every
//! resource process of its own when it can no longer renew its lease in time, itself or
//! through its watchdog (`watchdog`). The store's watches and the lease's news come to the
//! event loop as [`ClusterEvent`]s (`watcher`), handled in one place (`link`).

pub mod agent;
pub mod forward;
pub mod keys;
pub mod link;
pub mod member;
pub mod president;
pub mod watchdog;
pub mod watcher;

use std::time::{Duration, Instant};

use rgm_store::{LeaseId, Revision};

pub use link::ClusterLink;
pub use watcher::{WatchChange, WatchKind};

/// How this node reaches its cluster: `--store etcd://HOST:PORT[,HOST:PORT...]`,
/// `--cluster`, `--lease-ttl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSpec {
    pub endpoints: Vec<String>,
    pub name: String,
    pub ttl: Duration,
}

/// etcd's smallest lease TTL (1.5 × its election timeout, with its defaults).
pub const MIN_TTL: Duration = Duration::from_secs(2);

impl ClusterSpec {
    /// The spec of a `--store` value: `None` for `local`, an error naming the option for a
    /// value that is neither.
    pub fn parse(
        store: &str,
        cluster: Option<&str>,
        ttl_secs: u64,
    ) -> Result<Option<ClusterSpec>, String> {
        if store == "local" {
            return Ok(None);
        }
        let Some(list) = store.strip_prefix("etcd://") else {
            return Err(format!(
                "--store {store}: expected `local` or `etcd://HOST:PORT[,HOST:PORT...]`"
            ));
        };
        let endpoints: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect();
        if endpoints.is_empty() {
            return Err(format!(
                "--store {store}: name at least one etcd endpoint HOST:PORT"
            ));
        }
        for e in &endpoints {
            let ok = e
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !ok {
                return Err(format!("--store {store}: `{e}` is not HOST:PORT"));
            }
        }
        let name = cluster.unwrap_or("rgm").to_string();
        if let Some(problem) = rgm_core::name::name_problem(&name) {
            return Err(format!("--cluster {name}: {problem}"));
        }
        let ttl = Duration::from_secs(ttl_secs);
        if ttl < MIN_TTL {
            return Err(format!(
                "--lease-ttl {ttl_secs}: etcd's leases last at least {} seconds",
                MIN_TTL.as_secs()
            ));
        }
        Ok(Some(ClusterSpec {
            endpoints,
            name,
            ttl,
        }))
    }
}

/// What the cluster tells the event loop.
#[derive(Debug)]
pub enum ClusterEvent {
    /// This node is a member with `lease`: a new incarnation, or its previous rgmd's resumed.
    Joined {
        lease: LeaseId,
        incarnation: String,
        resumed: bool,
        /// When the lease was last known good (granted or renewed).
        at: Instant,
    },
    /// A renewal sent at `sent` succeeded.
    Renewed { sent: Instant },
    /// The lease is gone: this node is no longer a member.
    LeaseLost { reason: String },
    /// The store could not be reached (the lease may still hold).
    Trouble { reason: String },
    /// A watch saw changes.
    Watched {
        kind: WatchKind,
        change: WatchChange,
    },
    /// This node's claim of the presidency succeeded at `epoch`.
    Elected { epoch: Revision },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_options_are_checked_with_the_option_named() {
        assert_eq!(ClusterSpec::parse("local", None, 5), Ok(None));
        let spec = ClusterSpec::parse("etcd://127.0.0.1:2379,10.0.0.2:2379", Some("prod"), 3)
            .unwrap()
            .unwrap();
        assert_eq!(spec.endpoints, ["127.0.0.1:2379", "10.0.0.2:2379"]);
        assert_eq!(
            (spec.name.as_str(), spec.ttl),
            ("prod", Duration::from_secs(3))
        );
        for (store, ttl, says) in [
            ("files", 5, "expected `local` or `etcd://"),
            ("etcd://", 5, "at least one etcd endpoint"),
            ("etcd://host", 5, "`host` is not HOST:PORT"),
            ("etcd://h:1", 1, "--lease-ttl 1"),
        ] {
            let err = ClusterSpec::parse(store, None, ttl).unwrap_err();
            assert!(err.contains(says), "{store}: {err}");
        }
    }
}
