//! The cluster's coordination keys, beside the configuration and runtime state of rgm-store's
//! layout, under `/rgm/v1/<cluster>/`:
//!
//! | key | value | written by |
//! |---|---|---|
//! | `members/<node>` | [`MemberRecord`], on the node's lease | the node |
//! | `known/<node>` | the incarnation of the node the engine believes up | the president (epoch checked) |
//! | `president` | [`PresidentRecord`], on the president's lease; its create revision is the epoch | the president |
//! | `assign/<node>/<run>` | [`Assignment`]: a method run for the node | the president (epoch checked) |
//! | `kill/<node>/<run>` | `{}`: kill that run | the president (epoch checked) |
//! | `result/<node>/<run>` | the run's `MethodResult` | the node (its lease checked) |
//! | `request/<node>/<seq>` | [`Forwarded`]: a command's request made on that node | the node |
//! | `reply/<node>/<seq>` | the `Response` | the president (epoch checked) |
//! | `events` | `NodeEventsNotice` (rgmd's node_events_cluster): node events every node runs (`startrecovery`, `recovered`, `ipreallocated`) | the president (epoch checked) |

use serde::{Deserialize, Serialize};

use rgm_core::engine::{MethodRun, RunId};
use rgm_proto::Request;

/// The keys of one cluster.
#[derive(Debug, Clone)]
pub struct Keys {
    root: String,
}

impl Keys {
    pub fn new(cluster: &str) -> Keys {
        Keys {
            root: format!("/rgm/v1/{cluster}/"),
        }
    }

    pub fn root(&self) -> &str {
        &self.root
    }

    pub fn members(&self) -> String {
        format!("{}members/", self.root)
    }

    pub fn member(&self, node: &str) -> String {
        format!("{}members/{node}", self.root)
    }

    pub fn known_prefix(&self) -> String {
        format!("{}known/", self.root)
    }

    /// The incarnation of `node` the president's engine knows as up.
    pub fn known(&self, node: &str) -> String {
        format!("{}known/{node}", self.root)
    }

    pub fn president(&self) -> String {
        format!("{}president", self.root)
    }

    pub fn assignments(&self, node: &str) -> String {
        format!("{}assign/{node}/", self.root)
    }

    pub fn assignment(&self, node: &str, run: RunId) -> String {
        format!("{}assign/{node}/{:020}", self.root, run.0)
    }

    pub fn kills(&self, node: &str) -> String {
        format!("{}kill/{node}/", self.root)
    }

    pub fn kill(&self, node: &str, run: RunId) -> String {
        format!("{}kill/{node}/{:020}", self.root, run.0)
    }

    pub fn results(&self) -> String {
        format!("{}result/", self.root)
    }

    pub fn result(&self, node: &str, run: RunId) -> String {
        format!("{}result/{node}/{:020}", self.root, run.0)
    }

    pub fn requests(&self) -> String {
        format!("{}request/", self.root)
    }

    pub fn request(&self, node: &str, seq: u64) -> String {
        format!("{}request/{node}/{seq:020}", self.root)
    }

    pub fn replies(&self, node: &str) -> String {
        format!("{}reply/{node}/", self.root)
    }

    pub fn reply(&self, node: &str, seq: u64) -> String {
        format!("{}reply/{node}/{seq:020}", self.root)
    }

    /// The node events every node runs, as the president announces them.
    pub fn node_events(&self) -> String {
        format!("{}events", self.root)
    }

    /// `(node, number)` of a key `<prefix><node>/<number>`.
    pub fn split<'k>(&self, prefix: &str, key: &'k str) -> Option<(&'k str, u64)> {
        let rest = key.strip_prefix(prefix)?;
        let (node, n) = rest.split_once('/')?;
        Some((node, n.parse().ok()?))
    }

    /// The number of a key `<prefix><number>` (a prefix that names the node already).
    pub fn number(&self, prefix: &str, key: &str) -> Option<u64> {
        key.strip_prefix(prefix)?.parse().ok()
    }

    /// The node of a key `members/<node>`.
    pub fn member_of<'k>(&self, key: &'k str) -> Option<&'k str> {
        key.strip_prefix(&self.members())
    }
}

/// A member: which rgmd, in which boot. A new incarnation is a new member (its predecessor
/// died); the same incarnation resumed after an rgmd restart within the lease is not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    pub node: String,
    pub incarnation: String,
    pub boot_id: String,
    /// Whether the node's event scripts say it is healthy.
    #[serde(default = "yes")]
    pub healthy: bool,
    /// Why, in the scripts' words (the cluster log and the engine's decision quote it).
    #[serde(default)]
    pub reason: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresidentRecord {
    pub node: String,
    pub incarnation: String,
}

/// A method run for a node, for one incarnation of it (a later one never runs it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub incarnation: String,
    pub run: MethodRun,
    /// When the president assigned it (wall-clock ms): a later rgmd of the same incarnation
    /// that adopts the run waits at most what is left of its timeout.
    #[serde(default)]
    pub assigned_ms: u64,
}

/// A command's request, made on `node` (whose "local node" it is) by a caller it has admitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forwarded {
    pub node: String,
    pub request: Request,
}

pub fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("records serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_back_into_node_and_number() {
        let k = Keys::new("c1");
        let key = k.result("n2", RunId(42));
        assert_eq!(key, "/rgm/v1/c1/result/n2/00000000000000000042");
        assert_eq!(k.split(&k.results(), &key), Some(("n2", 42)));
        assert_eq!(k.member_of(&k.member("n3")), Some("n3"));
        assert_eq!(k.split(&k.results(), "/rgm/v1/c1/result/bad"), None);
        assert_eq!(k.number(&k.replies("n2"), &k.reply("n2", 7)), Some(7));
        assert_eq!(k.number(&k.kills("n2"), &k.kill("n2", RunId(9))), Some(9));
    }
}
