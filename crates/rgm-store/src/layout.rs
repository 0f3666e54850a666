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
//! | `state/meta` | `{"format": "rgm-state", "version": 3}` |
//! | `state/next-run` | an id no method run has had yet: a restarted engine numbers its runs from it (reserved [`RUN_ID_BLOCK`] ids ahead, so that launches rarely write it) |
//! | `state/group/<group>` | a group's cluster-wide runtime: wanted, primaries, giveovers |
//! | `state/group-node/<group>/<node>` | a group's runtime on one node |
//! | `state/resource/<resource>/<node>` | a resource's runtime on one node |
//! | `state/node/<node>` | a node's runtime: member, fencing, booting, evacuation window |
//! | `state/resource/<resource>/<node>/run/<run id>` | a method run in flight (written before it is launched), beside its resource's runtime record: a completion changes both, usually on one page of the embedded store (state version 2 kept runs under `state/run/<node>/<run id>`; they are still read, and deleted when they end) |
//! | `boot/<node>` | the boot id of the node's last rgmd (a daemon restart or a reboot?) |
//!
//! Values are JSON, the same shapes as the whole-file forms of docs/config-format.md.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use rgm_core::ClusterConfig;
use rgm_core::engine::{Engine, GroupSnapshot, Run, RunId, RuntimeChanges, Snapshot};

use crate::error::StoreError;
use crate::model::{KeyValue, Op};

/// The configuration's format tag and version in `config/cluster`.
pub const CONFIG_FORMAT: &str = rgm_core::serial::CONFIG_FORMAT;
pub const CONFIG_VERSION: u32 = rgm_core::serial::CONFIG_VERSION;
pub const STATE_FORMAT: &str = "rgm-state";
pub const STATE_VERSION: u32 = 3;
/// The state version before runs in flight moved beside their resources; still read.
const STATE_VERSION_RUNS_APART: u32 = 2;

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

    /// The writes of the groups and resources named, as `new` has them: a put for one that
    /// is there, a delete for one that is not. The cost is what is named, not the
    /// configuration's size.
    pub fn object_ops(
        &self,
        groups: &BTreeSet<String>,
        resources: &BTreeSet<String>,
        new: &ClusterConfig,
    ) -> Vec<Op> {
        let mut ops = Vec::new();
        put_named(self, "config/group/", groups, &new.groups, &mut ops);
        put_named(
            self,
            "config/resource/",
            resources,
            &new.resources,
            &mut ops,
        );
        ops
    }

    /// The writes that turn the configuration stored as `stored` (the keys under `config/`,
    /// as read) into `new`: a put for each object whose stored value differs or is missing, a
    /// delete for each stored object `new` lacks.
    pub fn config_ops_against(&self, stored: &[KeyValue], new: &ClusterConfig) -> Vec<Op> {
        let mut old: BTreeMap<&str, &[u8]> = stored
            .iter()
            .filter(|kv| self.rel(&kv.key).is_some_and(|r| r.starts_with("config/")))
            .map(|kv| (kv.key.as_str(), kv.value.as_slice()))
            .collect();
        let mut ops = Vec::new();
        let mut put = |key: String, value: Vec<u8>| {
            if old.remove(key.as_str()) != Some(value.as_slice()) {
                ops.push(Op::put(key, value));
            }
        };
        let record = ClusterRecord {
            format: CONFIG_FORMAT.into(),
            version: CONFIG_VERSION,
            cluster_name: new.cluster_name.clone(),
        };
        put(self.key("config/cluster"), json(&record));
        for (k, v) in &new.nodes {
            put(self.key(&format!("config/node/{k}")), json(v));
        }
        for (k, v) in &new.types {
            put(self.key(&format!("config/type/{k}")), json(v));
        }
        for (k, v) in &new.groups {
            put(self.key(&format!("config/group/{k}")), json(v));
        }
        for (k, v) in &new.resources {
            put(self.key(&format!("config/resource/{k}")), json(v));
        }
        ops.extend(old.into_keys().map(|k| Op::delete(k.to_string())));
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
            let config_key = kvs
                .iter()
                .find(|kv| self.rel(&kv.key).is_some_and(|r| r.starts_with("config/")));
            if let Some(kv) = config_key {
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

    /// A run's key: under its resource's runtime record on its node, so that the writes of a
    /// completion (the resource's record, the run that ended, the one that begins) fall
    /// together; zero-padded so that a resource's runs list in the order they began.
    fn run_key(&self, run: &Run, id: RunId) -> String {
        self.key(&format!(
            "state/resource/{}/{}/run/{:020}",
            run.resource, run.node, id.0
        ))
    }

    fn meta_op(&self) -> Op {
        let meta = StateMeta {
            format: STATE_FORMAT.into(),
            version: STATE_VERSION,
        };
        Op::put(self.key("state/meta"), json(&meta))
    }

    /// Every record of a snapshot, as puts: a whole runtime state written at once (a
    /// migration, a test). Older snapshots' `evacuations` and `up_nodes` become node records.
    pub fn snapshot_ops(&self, snap: &Snapshot) -> Vec<Op> {
        let mut ops = vec![self.meta_op()];
        ops.push(Op::put(self.key("state/next-run"), json(&snap.next_run)));
        for (g, s) in &snap.groups {
            ops.push(Op::put(
                self.key(&format!("state/group/{g}")),
                json(&s.group),
            ));
            for (n, x) in &s.nodes {
                ops.push(Op::put(
                    self.key(&format!("state/group-node/{g}/{n}")),
                    json(x),
                ));
            }
        }
        for (r, nodes) in &snap.resources {
            for (n, x) in nodes {
                ops.push(Op::put(
                    self.key(&format!("state/resource/{r}/{n}")),
                    json(x),
                ));
            }
        }
        let mut nodes = snap.nodes.clone();
        for n in &snap.up_nodes {
            nodes.entry(n.clone()).or_default().up = true;
        }
        for (n, t) in &snap.evacuations {
            nodes.entry(n.clone()).or_default().evacuated_until = Some(*t);
        }
        for (n, x) in &nodes {
            ops.push(Op::put(self.key(&format!("state/node/{n}")), json(x)));
        }
        for (id, run) in &snap.runs {
            ops.push(Op::put(self.run_key(run, *id), json(run)));
        }
        ops
    }

    /// The writes of a change set taken from `engine` ([`Engine::take_changes`]): each record
    /// named is written as the engine has it now, or deleted. `runs` remembers on which node
    /// each run in flight is (a run's key names its node, and an ended run has no record left
    /// to ask).
    pub fn change_ops(
        &self,
        changes: &RuntimeChanges,
        engine: &Engine,
        runs: &mut RunIndex,
    ) -> Vec<Op> {
        let mut ops = Vec::with_capacity(changes.len() + 1);
        if !runs.meta_written {
            ops.push(self.meta_op());
            runs.meta_written = true;
        }
        for (r, n) in &changes.resources {
            let key = self.key(&format!("state/resource/{r}/{n}"));
            ops.push(match engine.resource_record(r, n) {
                Some(x) => Op::put(key, json(&x)),
                None => Op::delete(key),
            });
        }
        for g in &changes.groups {
            let key = self.key(&format!("state/group/{g}"));
            ops.push(match engine.group_record(g) {
                Some(x) => Op::put(key, json(&x)),
                None => Op::delete(key),
            });
        }
        for (g, n) in &changes.group_nodes {
            let key = self.key(&format!("state/group-node/{g}/{n}"));
            ops.push(match engine.group_node_record(g, n) {
                Some(x) => Op::put(key, json(&x)),
                None => Op::delete(key),
            });
        }
        for n in &changes.nodes {
            let key = self.key(&format!("state/node/{n}"));
            ops.push(match engine.node_record(n) {
                Some(x) => Op::put(key, json(&x)),
                None => Op::delete(key),
            });
        }
        for id in &changes.runs {
            match engine.run_record(*id) {
                Some(run) => {
                    let key = self.run_key(&run, *id);
                    ops.push(Op::put(key.clone(), json(&run)));
                    runs.keys.insert(*id, key);
                }
                None => {
                    if let Some(key) = runs.keys.remove(id) {
                        ops.push(Op::delete(key));
                    }
                }
            }
        }
        if changes.next_run {
            let next = engine.next_run_id().0;
            if next > runs.reserved {
                runs.reserved = next.saturating_add(RUN_ID_BLOCK);
                ops.push(Op::put(self.key("state/next-run"), json(&runs.reserved)));
            }
        }
        ops
    }

    /// The runtime state from the keys under `state/` (`None`: there is none).
    pub fn load_state(&self, kvs: &[KeyValue]) -> Result<Option<Snapshot>, StoreError> {
        let mut snap = Snapshot::default();
        let mut seen = false;
        for kv in kvs {
            let Some(rel) = self.rel(&kv.key).and_then(|r| r.strip_prefix("state/")) else {
                continue;
            };
            if rel == "meta" {
                let meta: StateMeta = decode(kv)?;
                if meta.format != STATE_FORMAT
                    || !(STATE_VERSION_RUNS_APART..=STATE_VERSION).contains(&meta.version)
                {
                    return Err(corrupt(
                        kv,
                        format!(
                            "runtime state {} version {} is not one this rgm reads ({STATE_FORMAT} version {STATE_VERSION})",
                            meta.format, meta.version
                        ),
                    ));
                }
                seen = true;
            } else if rel == "next-run" {
                snap.next_run = decode(kv)?;
            } else if let Some(name) = rel.strip_prefix("group/") {
                snap.groups.entry(name.to_string()).or_default().group = decode(kv)?;
            } else if let Some(rest) = rel.strip_prefix("group-node/") {
                let (g, n) = two(kv, rest)?;
                let x = decode(kv)?;
                let entry: &mut GroupSnapshot = snap.groups.entry(g.to_string()).or_default();
                entry.nodes.insert(n.to_string(), x);
            } else if let Some(id) = stored_run_id(rel) {
                snap.runs.insert(run_id(kv, id)?, decode(kv)?);
            } else if let Some(rest) = rel.strip_prefix("resource/") {
                let (r, n) = two(kv, rest)?;
                let x = decode(kv)?;
                snap.resources
                    .entry(r.to_string())
                    .or_default()
                    .insert(n.to_string(), x);
            } else if let Some(name) = rel.strip_prefix("node/") {
                snap.nodes.insert(name.to_string(), decode(kv)?);
            } else {
                return Err(corrupt(kv, "not a runtime-state key this rgm knows".into()));
            }
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

/// The run id of a run-in-flight key (relative to `state/`): `resource/<r>/<n>/run/<id>`, or
/// state version 2's `run/<node>/<id>`.
fn stored_run_id(rel: &str) -> Option<&str> {
    match rel.strip_prefix("run/") {
        Some(rest) => rest.split_once('/').map(|(_, id)| id),
        None => rel
            .strip_prefix("resource/")?
            .rsplit_once("/run/")
            .map(|(_, id)| id),
    }
}

fn run_id(kv: &KeyValue, id: &str) -> Result<RunId, StoreError> {
    id.parse()
        .map(RunId)
        .map_err(|_| corrupt(kv, "a run id is a number".into()))
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

/// Puts of the objects `names` that `new` has, deletes of those it lacks.
fn put_named<V: Serialize>(
    layout: &Layout,
    prefix: &str,
    names: &BTreeSet<String>,
    new: &BTreeMap<String, V>,
    ops: &mut Vec<Op>,
) {
    for k in names {
        let key = layout.key(&format!("{prefix}{k}"));
        ops.push(match new.get(k) {
            Some(v) => Op::put(key, json(v)),
            None => Op::delete(key),
        });
    }
}

/// The key of each run in flight, whether the state's meta record has been written in this
/// rgm's version, and the run id reserved: what [`Layout::change_ops`] keeps between batches.
#[derive(Debug, Clone, Default)]
pub struct RunIndex {
    keys: BTreeMap<RunId, String>,
    meta_written: bool,
    /// The run id `state/next-run` holds: every id below it may have been used.
    reserved: u64,
}

/// How many run ids `state/next-run` reserves at a time. A launch writes the key only when
/// the engine's ids pass the reservation, not once per run (one page of the store less per
/// method completion); a restarted engine skips at most this many ids, never reuses one.
pub const RUN_ID_BLOCK: u64 = 1024;

impl Layout {
    /// The index of a restored state, from the keys it was read from (`kvs`, as given to
    /// [`Layout::load_state`]): a run stored by an older rgm is deleted under the key it has.
    pub fn run_index(&self, kvs: &[KeyValue], snap: &Snapshot) -> RunIndex {
        let mut index = RunIndex {
            reserved: snap.next_run,
            ..RunIndex::default()
        };
        for kv in kvs {
            let Some(rel) = self.rel(&kv.key).and_then(|r| r.strip_prefix("state/")) else {
                continue;
            };
            if rel == "meta" {
                index.meta_written = serde_json::from_slice::<StateMeta>(&kv.value)
                    .is_ok_and(|m| m.version == STATE_VERSION);
            } else if let Some(id) = stored_run_id(rel).and_then(|id| id.parse().ok()) {
                index.keys.insert(RunId(id), kv.key.clone());
            }
        }
        index
    }
}
