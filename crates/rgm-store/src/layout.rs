//! The key layout, the same over every store: one key per object, under a root
//! (`/rgm/v1/<cluster>/` on etcd, empty in the embedded store).
//!
//! | key | value |
//! |---|---|
//! | `config/cluster` | `{"format": "rgm-config", "version": 1, "cluster_name": …}` |
//! | `config/node/<node>` | a node (name, id) |
//! | `config/type/<type>` | a registered type |
//! | `config/group/<group>` | a resource group |
//! | `config/resource/<resource>` | a resource |
//! | `state/meta` | `{"format": "rgm-state", "version": 1}` |
//! | `state/group/<group>` | a group's cluster-wide runtime: wanted, primaries, giveovers |
//! | `state/group-node/<group>/<node>` | a group's runtime on one node |
//! | `state/resource/<resource>/<node>` | a resource's runtime on one node |
//! | `state/node/<node>` | a node's runtime: member, evacuation window |
//! | `boot/<node>` | the boot id of the node's last rgmd (a daemon restart or a reboot?) |
//!
//! Values are JSON, the same shapes as the whole-file forms of docs/config-format.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use rgm_core::ClusterConfig;
use rgm_core::engine::Snapshot;
use rgm_core::engine::Time;
use rgm_core::engine::runtime::{GroupNode, GroupRt, ResNode};

use crate::error::StoreError;
use crate::model::{KeyValue, Op};

/// The configuration's format tag and version in `config/cluster`.
pub const CONFIG_FORMAT: &str = rgm_core::serial::CONFIG_FORMAT;
pub const CONFIG_VERSION: u32 = rgm_core::serial::CONFIG_VERSION;
pub const STATE_FORMAT: &str = "rgm-state";
pub const STATE_VERSION: u32 = 1;

/// Where the keys of one cluster live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    root: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ClusterRecord {
    format: String,
    version: u32,
    cluster_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StateMeta {
    format: String,
    version: u32,
}

/// A group's cluster-wide runtime (its per-node parts have keys of their own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GroupRecord {
    wanted: bool,
    primaries: Vec<String>,
    giveovers: Vec<(String, String, Time)>,
}

/// A node's runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct NodeRecord {
    member: bool,
    evacuated_until: Option<Time>,
}

/// What a node's rgmd records about the boot it runs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootRecord {
    pub boot_id: String,
}

impl Layout {
    /// The layout of the embedded store (no root).
    pub fn local() -> Layout {
        Layout {
            root: String::new(),
        }
    }

    /// The layout of cluster `cluster` in a shared store.
    pub fn cluster(cluster: &str) -> Layout {
        Layout {
            root: format!("/rgm/v1/{cluster}/"),
        }
    }

    pub fn root(&self) -> &str {
        &self.root
    }

    pub fn key(&self, rel: &str) -> String {
        format!("{}{rel}", self.root)
    }

    /// A key relative to the root (`None`: not under it).
    pub fn rel<'k>(&self, key: &'k str) -> Option<&'k str> {
        key.strip_prefix(self.root.as_str())
    }

    pub fn config_prefix(&self) -> String {
        self.key("config/")
    }

    pub fn state_prefix(&self) -> String {
        self.key("state/")
    }

    pub fn boot_key(&self, node: &str) -> String {
        self.key(&format!("boot/{node}"))
    }

    // ----- the configuration -----

    /// The writes that turn the stored configuration `old` into `new` (`old` = `None`: nothing
    /// stored yet): only the objects that differ.
    pub fn config_ops(&self, old: Option<&ClusterConfig>, new: &ClusterConfig) -> Vec<Op> {
        let mut ops = Vec::new();
        if old.is_none_or(|o| o.cluster_name != new.cluster_name) {
            let record = ClusterRecord {
                format: CONFIG_FORMAT.into(),
                version: CONFIG_VERSION,
                cluster_name: new.cluster_name.clone(),
            };
            ops.push(Op::put(self.key("config/cluster"), json(&record)));
        }
        let empty = ClusterConfig::default();
        let old = old.unwrap_or(&empty);
        diff_map(self, "config/node/", &old.nodes, &new.nodes, &mut ops);
        diff_map(self, "config/type/", &old.types, &new.types, &mut ops);
        diff_map(self, "config/group/", &old.groups, &new.groups, &mut ops);
        diff_map(
            self,
            "config/resource/",
            &old.resources,
            &new.resources,
            &mut ops,
        );
        ops
    }

    /// The configuration from the keys under `config/` (`None`: there is none).
    pub fn load_config(&self, kvs: &[KeyValue]) -> Result<Option<ClusterConfig>, StoreError> {
        let mut cfg = ClusterConfig::default();
        let mut seen = false;
        for kv in kvs {
            let Some(rel) = self.rel(&kv.key).and_then(|r| r.strip_prefix("config/")) else {
                continue;
            };
            if rel == "cluster" {
                let record: ClusterRecord = decode(kv)?;
                if record.format != CONFIG_FORMAT || record.version != CONFIG_VERSION {
                    return Err(corrupt(
                        kv,
                        format!(
                            "configuration {} version {} is not one this rgm reads ({CONFIG_FORMAT} version {CONFIG_VERSION})",
                            record.format, record.version
                        ),
                    ));
                }
                cfg.cluster_name = record.cluster_name;
                seen = true;
            } else if let Some(name) = rel.strip_prefix("node/") {
                cfg.nodes.insert(name.to_string(), decode(kv)?);
            } else if let Some(name) = rel.strip_prefix("type/") {
                cfg.types.insert(name.to_string(), decode(kv)?);
            } else if let Some(name) = rel.strip_prefix("group/") {
                cfg.groups.insert(name.to_string(), decode(kv)?);
            } else if let Some(name) = rel.strip_prefix("resource/") {
                cfg.resources.insert(name.to_string(), decode(kv)?);
            } else {
                return Err(corrupt(kv, "not a configuration key this rgm knows".into()));
            }
        }
        if !seen {
            if let Some(kv) = kvs.first() {
                return Err(corrupt(
                    kv,
                    "configuration objects without config/cluster".into(),
                ));
            }
            return Ok(None);
        }
        Ok(Some(cfg))
    }

    // ----- the runtime state -----

    /// The writes that turn the stored runtime state `old` into `new`.
    pub fn state_ops(&self, old: Option<&Snapshot>, new: &Snapshot) -> Vec<Op> {
        let mut ops = Vec::new();
        if old.is_none() {
            let meta = StateMeta {
                format: STATE_FORMAT.into(),
                version: STATE_VERSION,
            };
            ops.push(Op::put(self.key("state/meta"), json(&meta)));
        }
        let empty = Snapshot::default();
        let old = old.unwrap_or(&empty);
        let (old_groups, old_group_nodes) = split_groups(&old.groups);
        let (new_groups, new_group_nodes) = split_groups(&new.groups);
        diff_map(self, "state/group/", &old_groups, &new_groups, &mut ops);
        diff_map(
            self,
            "state/group-node/",
            &old_group_nodes,
            &new_group_nodes,
            &mut ops,
        );
        let old_res = flatten(&old.resources);
        let new_res = flatten(&new.resources);
        diff_map(self, "state/resource/", &old_res, &new_res, &mut ops);
        let old_nodes = node_records(old);
        let new_nodes = node_records(new);
        diff_map(self, "state/node/", &old_nodes, &new_nodes, &mut ops);
        ops
    }

    /// The runtime state from the keys under `state/` (`None`: there is none).
    pub fn load_state(&self, kvs: &[KeyValue]) -> Result<Option<Snapshot>, StoreError> {
        let mut snap = Snapshot::default();
        let mut seen = false;
        let mut group_nodes: Vec<(String, String, GroupNode)> = Vec::new();
        for kv in kvs {
            let Some(rel) = self.rel(&kv.key).and_then(|r| r.strip_prefix("state/")) else {
                continue;
            };
            if rel == "meta" {
                let meta: StateMeta = decode(kv)?;
                if meta.format != STATE_FORMAT || meta.version != STATE_VERSION {
                    return Err(corrupt(
                        kv,
                        format!(
                            "runtime state {} version {} is not one this rgm reads",
                            meta.format, meta.version
                        ),
                    ));
                }
                seen = true;
            } else if let Some(name) = rel.strip_prefix("group/") {
                let g: GroupRecord = decode(kv)?;
                let entry = snap.groups.entry(name.to_string()).or_default();
                entry.wanted = g.wanted;
                entry.primaries = g.primaries.into_iter().collect();
                entry.giveovers = g.giveovers;
            } else if let Some(rest) = rel.strip_prefix("group-node/") {
                let (g, n) = two(kv, rest)?;
                group_nodes.push((g.into(), n.into(), decode(kv)?));
            } else if let Some(rest) = rel.strip_prefix("resource/") {
                let (r, n) = two(kv, rest)?;
                let x: ResNode = decode(kv)?;
                snap.resources
                    .entry(r.to_string())
                    .or_default()
                    .insert(n.to_string(), x);
            } else if let Some(name) = rel.strip_prefix("node/") {
                let x: NodeRecord = decode(kv)?;
                if x.member {
                    snap.up_nodes.push(name.to_string());
                }
                if let Some(t) = x.evacuated_until {
                    snap.evacuations.insert(name.to_string(), t);
                }
            } else {
                return Err(corrupt(kv, "not a runtime-state key this rgm knows".into()));
            }
        }
        for (g, n, x) in group_nodes {
            snap.groups.entry(g).or_default().nodes.insert(n, x);
        }
        Ok(seen.then_some(snap))
    }

    /// Deletes the whole runtime state (a clean stop: the next start is a new cluster).
    pub fn clear_state_ops(&self) -> Vec<Op> {
        vec![Op::DeletePrefix {
            prefix: self.state_prefix(),
        }]
    }
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("stored values always serialise")
}

fn decode<T: DeserializeOwned>(kv: &KeyValue) -> Result<T, StoreError> {
    serde_json::from_slice(&kv.value).map_err(|e| corrupt(kv, e.to_string()))
}

fn corrupt(kv: &KeyValue, message: String) -> StoreError {
    StoreError::Corrupt {
        store: String::new(),
        key: kv.key.clone(),
        message,
    }
}

fn two<'a>(kv: &KeyValue, rest: &'a str) -> Result<(&'a str, &'a str), StoreError> {
    rest.split_once('/')
        .ok_or_else(|| corrupt(kv, "expected <object>/<node>".into()))
}

/// Puts for what is new or changed in `new`, deletes for what `old` has and `new` lacks.
fn diff_map<K: AsRef<str> + Ord, V: PartialEq + Serialize>(
    layout: &Layout,
    prefix: &str,
    old: &BTreeMap<K, V>,
    new: &BTreeMap<K, V>,
    ops: &mut Vec<Op>,
) {
    for (k, v) in new {
        if old.get(k) != Some(v) {
            ops.push(Op::put(
                layout.key(&format!("{prefix}{}", k.as_ref())),
                json(v),
            ));
        }
    }
    for k in old.keys() {
        if !new.contains_key(k) {
            ops.push(Op::delete(layout.key(&format!("{prefix}{}", k.as_ref()))));
        }
    }
}

type GroupParts = (BTreeMap<String, GroupRecord>, BTreeMap<String, GroupNode>);

fn split_groups(groups: &BTreeMap<String, GroupRt>) -> GroupParts {
    let mut records = BTreeMap::new();
    let mut per_node = BTreeMap::new();
    for (g, rt) in groups {
        records.insert(
            g.clone(),
            GroupRecord {
                wanted: rt.wanted,
                primaries: rt.primaries.iter().cloned().collect(),
                giveovers: rt.giveovers.clone(),
            },
        );
        for (n, x) in &rt.nodes {
            per_node.insert(format!("{g}/{n}"), x.clone());
        }
    }
    (records, per_node)
}

fn flatten(res: &BTreeMap<String, BTreeMap<String, ResNode>>) -> BTreeMap<String, ResNode> {
    res.iter()
        .flat_map(|(r, nodes)| {
            nodes
                .iter()
                .map(move |(n, x)| (format!("{r}/{n}"), x.clone()))
        })
        .collect()
}

fn node_records(s: &Snapshot) -> BTreeMap<String, NodeRecord> {
    let mut out: BTreeMap<String, NodeRecord> = BTreeMap::new();
    for n in &s.up_nodes {
        out.entry(n.clone())
            .or_insert(NodeRecord {
                member: false,
                evacuated_until: None,
            })
            .member = true;
    }
    for (n, t) in &s.evacuations {
        out.entry(n.clone())
            .or_insert(NodeRecord {
                member: false,
                evacuated_until: None,
            })
            .evacuated_until = Some(*t);
    }
    out
}
